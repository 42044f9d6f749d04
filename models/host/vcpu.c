/* vcpu.c - vCPUs: running / halted / preempted, their time line, guest handlers and EOI
 *
 * Each vCPU is pinned to its own physical CPU (APIC ID 1, 2, ... in VM
 * order; APIC 0 is the host's). Its work is one time line: exits, wakeups
 * and guest handlers are reserved one after the other from busy_until. An
 * emulated interrupt that arrives while the vCPU is in root mode (inside
 * one of its last VCPU_ROOT_SEGS reserved exits or wakeups) takes no exit of
 * its own: the host injects it at a VM entry (interrupts.exitless_injections)
 * and its handler runs after the work already reserved; one that arrives in
 * guest mode exits (its exit is reserved after that work).
 *
 * Emulated delivery (the host vector reached the vCPU's CPU):
 *   running:   external-interrupt exit (cycles_external_interrupt, which
 *              includes the injection) -> VM entry -> guest handler;
 *   halted:    the host wakes the vCPU (interrupts.wakeups, cycles_wakeup,
 *              no guest exit: the vCPU was not in guest mode) and injects
 *              at the entry -> guest handler;
 *   preempted: injected at the VM entry when it is scheduled back
 *              (resume_at) -> guest handler, no exit.
 * The handler runs cycles_guest_isr, then writes EOI: an EOI exit
 * (cycles_eoi) unless EOI virtualization is on. A vCPU that started halted
 * (an idle guest, idle_halt) executes HLT again once it has nothing left
 * to do: a halt exit (cycles_halt), and it is halted again.
 *
 * Not modelled: an exit that interrupts a guest handler in the middle (it
 * is reserved after the handler), guest interrupt masking and priorities,
 * same-vector merging in the virtual APIC's IRR, vCPU migration, time
 * slices (a preempted vCPU comes back once, at resume_at).
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

static void vcpu_ev_wakeup(void *arg)
{
	struct host_vcpu *v = arg;
	struct host *h = v->h;
	(*h->st_wakeups)++;
	*h->st_wakeup_cycles += h->p.wakeup_cycles;
	host_cpu_account(h, v->vm, h->p.wakeup_cycles);
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
	hist_add(h->st_latency[r->path], now - r->t_rc);
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
	v->busy_until = eoi;
	if (eoi_exit)
		vcpu_root(v, eoi, eoi + host_cycles(h, h->p.cost[HOST_EXIT_EOI]));
	sim_schedule_at(h->c.sim->k, s, vcpu_ev_handler, r);
}

sim_time_t vcpu_wake(struct host_vcpu *v, sim_time_t t)
{
	struct host *h = v->h;
	v->state = VCPU_RUNNING;
	if (host_pi_control(v))
		sim_abort(h->c.sim);
	sim_schedule_at(h->c.sim->k, t, vcpu_ev_wakeup, v);
	vcpu_root(v, t, t + host_cycles(h, h->p.wakeup_cycles));
	return v->busy_until;
}

void vcpu_root(struct host_vcpu *v, sim_time_t from, sim_time_t to)
{
	v->root[v->root_next][0] = from;
	v->root[v->root_next][1] = to;
	v->root_next = (v->root_next + 1) % VCPU_ROOT_SEGS;
	if (to > v->busy_until)
		v->busy_until = to;
}

static bool vcpu_in_root(const struct host_vcpu *v, sim_time_t now)
{
	for (unsigned i = 0; i < VCPU_ROOT_SEGS; i++)
		if (now >= v->root[i][0] && now < v->root[i][1])
			return true;
	return false;
}

void vcpu_deliver_emulated(struct host_vcpu *v, struct host_irq *r)
{
	struct host *h = v->h;
	struct sim_kernel *k = h->c.sim->k;
	sim_time_t now = sim_now(k);
	sim_time_t t = now > v->busy_until ? now : v->busy_until;
	v->inflight++;
	switch (v->state) {
	case VCPU_RUNNING:
		if (vcpu_in_root(v, now)) {
			(*h->st_exitless)++;    /* injected at the pending VM entry */
			break;
		}
		sim_schedule_at(k, t, vcpu_ev_ext_exit, r);
		vcpu_root(v, t, t + host_cycles(h, h->p.cost[HOST_EXIT_EXTERNAL_INTERRUPT]));
		t = v->busy_until;
		break;
	case VCPU_HALTED:
		if (r->path == PATH_EMULATED)
			r->path = PATH_EMULATED_WAKEUP;
		t = vcpu_wake(v, t);
		break;
	case VCPU_PREEMPTED:
		if (t < v->resume_at)
			t = v->resume_at;
		break;
	}
	vcpu_run_handler(v, r, t, !v->vm->cfg.eoi_virt);
}

static void vcpu_ev_idle(void *arg)
{
	struct host_vcpu *v = arg;
	struct host *h = v->h;
	sim_time_t now = sim_now(h->c.sim->k);
	if (v->state != VCPU_RUNNING || v->inflight || v->pi_head || now < v->busy_until)
		return;
	host_exit_account(h, v->vm, HOST_EXIT_HALT, h->p.cost[HOST_EXIT_HALT]);
	v->state = VCPU_HALTED;
	vcpu_root(v, now, now + host_cycles(h, h->p.cost[HOST_EXIT_HALT]));
	if (host_pi_control(v))
		sim_abort(h->c.sim);
}

void vcpu_idle_check(struct host_vcpu *v)
{
	if (!v->idle || v->state != VCPU_RUNNING)
		return;
	struct sim_kernel *k = v->h->c.sim->k;
	sim_time_t now = sim_now(k);
	sim_schedule_at(k, v->busy_until > now ? v->busy_until : now, vcpu_ev_idle, v);
}

static void vcpu_ev_resume(void *arg)
{
	struct host_vcpu *v = arg;
	v->state = VCPU_RUNNING;
	if (host_pi_control(v)) {
		sim_abort(v->h->c.sim);
		return;
	}
	host_pi_process(v);             /* VM entry: pending posted requests are synced */
}

int vcpu_build(struct host *h, struct host_vm *vm, unsigned idx, unsigned apic,
	       struct iov_err *e)
{
	struct host_vcpu *v = &vm->vcpus[idx];
	enum host_vcpu_state st;
	if (host_vcpu_initial(h, vm, idx, &st, e))
		return -1;
	*v = (struct host_vcpu){ .h = h, .vm = vm, .idx = idx, .apic = apic, .state = st,
				 .resume_at = vm->cfg.resume_at, .next_gvec = HOST_FIRST_VECTOR };
	v->idle = v->state == VCPU_HALTED && vm->cfg.idle_halt;
	h->by_apic[apic] = v;
	if (!h->ir)
		return 0;
	v->pda = h->pd_base + PI_DESC_SIZE * (apic - 1);
	return pi_init(ir_memory(h->ir), v->pda, v->state == VCPU_PREEMPTED,
		       v->state == VCPU_HALTED ? HOST_PI_WAKEUP_VECTOR : HOST_PI_NOTIFY_VECTOR,
		       apic, e);
}

void vcpu_start(struct host_vcpu *v)
{
	if (v->state == VCPU_PREEMPTED)
		sim_schedule_at(v->h->c.sim->k, v->resume_at, vcpu_ev_resume, v);
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
	r->t_rc = sim_now(s->k);
	r->path = PATH_INJECTED;
	r->vcpu = v;
	r->fn = fn;
	r->index = index;
	r->ops = ops;
	r->ctx = ctx;
	vcpu_deliver_emulated(v, r);
}
