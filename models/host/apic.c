/* apic.c - emulated delivery through the virtual APIC: exit, injection, guest handler, EOI
 *
 * A host vector reached the physical CPU of the target vCPU (a remapped
 * IRTE, or compatibility format), or a device model injects a virtual
 * interrupt (host_inject_virq):
 *   running:   external-interrupt exit (cycles_external_interrupt, which
 *              includes the injection) -> VM entry -> guest handler; if the
 *              vCPU is in root mode already (another exit or a wakeup in
 *              progress), no exit of its own: it is injected at that entry
 *              (interrupts.exitless_injections);
 *   halted:    the host wakes the vCPU (vcpu.c) and injects at the entry;
 *   preempted: injected at the VM entry when it is scheduled back.
 * Exits are reserved on the vCPU's time line with their indirect cost
 * (vcpu_exit_reserve). The handler runs cycles_guest_isr (guest time), then writes EOI: an EOI exit
 * (cycles_eoi) unless EOI virtualization is on. ops->handle is called at the
 * handler's start.
 *
 * An interrupt whose vector is still pending in the virtual APIC's IRR (an
 * earlier one injected, its handler not yet started: the vCPU is busy or
 * preempted) takes its exit all the same but merges into the pending one: no
 * handler or EOI of its own (interrupts.merged, as a posted vector's PIR bit).
 *
 * Not modelled: an exit that interrupts a guest handler in the middle (it
 * is reserved after the handler), guest interrupt masking and priorities.
 */
#include "models/host/host_impl.h"

static void vcpu_done(struct host_vcpu *v, struct host_irq *r)
{
	v->inflight--;
	host_irq_put(v->h, r);
	vcpu_idle_check(v);
}

static void vcpu_ev_ext_exit(void *arg)
{
	struct host_irq *r = arg;
	struct host *h = r->h;
	host_exit_account(h, r->vcpu->vm, HOST_EXIT_EXTERNAL_INTERRUPT,
			  h->p.cost[HOST_EXIT_EXTERNAL_INTERRUPT]);
}

/* The exit of an interrupt merged into one pending in the vIRR: it ends there. */
static void vcpu_ev_ext_exit_merged(void *arg)
{
	struct host_irq *r = arg;
	vcpu_ev_ext_exit(r);
	vcpu_done(r->vcpu, r);
}

static bool vcpu_virr(const struct host_vcpu *v, uint8_t gvec)
{
	return gvec && (v->virr[gvec >> 6] >> (gvec & 63)) & 1;
}

static void vcpu_ev_eoi(void *arg)
{
	struct host_irq *r = arg;
	struct host *h = r->h;
	host_exit_account(h, r->vcpu->vm, HOST_EXIT_EOI, h->p.cost[HOST_EXIT_EOI]);
	vcpu_done(r->vcpu, r);
}

static void vcpu_ev_handler(void *arg)
{
	struct host_irq *r = arg;
	struct host *h = r->h;
	struct sim *s = h->c.sim;
	sim_time_t now = sim_now(s->k);
	(*h->st_delivered)++;
	(*r->vcpu->vm->st_delivered)++;
	r->vcpu->virr[r->gvec >> 6] &= ~(1ull << (r->gvec & 63));
	host_irq_latency(h, r, r->path, now);
	if (r->ops && r->ops->handle)
		r->ops->handle(r->ctx, r->fn, r->index, now);
	if (r->eoi_exit)
		sim_schedule(s->k, host_cycles(h, h->p.isr_cycles), vcpu_ev_eoi, r);
	else
		vcpu_done(r->vcpu, r);
}

void vcpu_run_handler(struct host_vcpu *v, struct host_irq *r, sim_time_t t, bool eoi_exit)
{
	struct host *h = v->h;
	sim_time_t s = t > v->busy_until ? t : v->busy_until;
	sim_time_t eoi = s + host_cycles(h, h->p.isr_cycles);
	r->eoi_exit = eoi_exit;
	vcpu_guest(v, s, eoi);
	if (eoi_exit)
		vcpu_exit_reserve(v, eoi, h->p.cost[HOST_EXIT_EOI], true);
	sim_schedule_at(h->c.sim->k, s, vcpu_ev_handler, r);
}

void vcpu_deliver_emulated(struct host_vcpu *v, struct host_irq *r)
{
	struct host *h = v->h;
	struct sim_kernel *k = h->c.sim->k;
	sim_time_t now = sim_now(k);
	sim_time_t t = now > v->busy_until ? now : v->busy_until;
	bool merged = vcpu_virr(v, r->gvec), exits = false;
	v->inflight++;
	switch (v->state) {
	case VCPU_RUNNING:
		if (vcpu_in_root(v, now)) {
			(*h->st_exitless)++;    /* injected at the pending VM entry */
			break;
		}
		exits = true;
		sim_schedule_at(k, t, merged ? vcpu_ev_ext_exit_merged : vcpu_ev_ext_exit, r);
		r->deliver_ps = host_cycles(h, h->p.cost[HOST_EXIT_EXTERNAL_INTERRUPT]);
		vcpu_exit_reserve(v, t, h->p.cost[HOST_EXIT_EXTERNAL_INTERRUPT], true);
		t = v->busy_until;
		break;
	case VCPU_HALTED:
		if (r->path == PATH_EMULATED)
			r->path = PATH_EMULATED_WAKEUP;
		r->deliver_ps = host_cycles(h, h->p.wakeup_cycles);
		t = vcpu_wake(v, t);
		break;
	case VCPU_PREEMPTED:
		if (t < v->resume_at)
			t = v->resume_at;
		break;
	}
	if (merged) {
		(*h->st_merged)++;
		if (!exits)
			vcpu_done(v, r);
		return;
	}
	if (r->gvec)
		v->virr[r->gvec >> 6] |= 1ull << (r->gvec & 63);
	vcpu_run_handler(v, r, t, !v->vm->cfg.eoi_virt);
}

void host_inject_virq(struct host *h, int vm, unsigned vcpu, const struct pcie_fn *fn,
		      unsigned index, const struct host_irq_ops *ops, void *ctx)
{
	struct sim *s = h->c.sim;
	if (host_ready(h, s->err)) {
		sim_abort(s);
		return;
	}
	if (vm < 0 || (size_t)vm >= h->nvms || vcpu >= h->vms[vm].nvcpus) {
		iov_err_set(s->err, IOV_INTERNAL, "%s: interrupt injected into VM %d vCPU %u, which "
			    "does not exist", h->c.name, vm, vcpu);
		sim_abort(s);
		return;
	}
	struct host_irq *r = host_irq_get(h);
	if (!r)
		return;
	struct host_vcpu *v = &h->vms[vm].vcpus[vcpu];
	r->t_rc = r->t_remap = r->t_posted = sim_now(s->k);
	r->path = PATH_INJECTED;
	r->vcpu = v;
	r->fn = fn;
	r->index = index;
	r->ops = ops;
	r->ctx = ctx;
	vcpu_deliver_emulated(v, r);
}
