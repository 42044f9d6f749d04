/* vcpu.c - vCPUs: running / halted / preempted, their time line, guest handlers and EOI
 *
 * Each vCPU is pinned to its own physical CPU (APIC ID 1, 2, ... in VM
 * order; APIC 0 is the host's). Its work is one time line: exits, wakeups
 * and guest handlers are reserved one after the other from busy_until, so
 * an interrupt for a busy vCPU waits until it is free and then takes its
 * whole path (an exit if the vCPU is in guest mode).
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
 * Not modelled: merging of exits when interrupts overlap (a busy vCPU
 * serializes them), guest interrupt masking and priorities, vCPU
 * migration, time slices (a preempted vCPU comes back once, at resume_at).
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
	r->eoi_exit = eoi_exit;
	v->busy_until = s + host_cycles(h, h->p.isr_cycles) +
			(eoi_exit ? host_cycles(h, h->p.cost[HOST_EXIT_EOI]) : 0);
	sim_schedule_at(h->c.sim->k, s, vcpu_ev_handler, r);
}

sim_time_t vcpu_wake(struct host_vcpu *v, sim_time_t t)
{
	struct host *h = v->h;
	v->state = VCPU_RUNNING;
	if (host_pi_control(v))
		sim_abort(h->c.sim);
	sim_schedule_at(h->c.sim->k, t, vcpu_ev_wakeup, v);
	v->busy_until = t + host_cycles(h, h->p.wakeup_cycles);
	return v->busy_until;
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
		sim_schedule_at(k, t, vcpu_ev_ext_exit, r);
		t += host_cycles(h, h->p.cost[HOST_EXIT_EXTERNAL_INTERRUPT]);
		v->busy_until = t;
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
	v->busy_until = now + host_cycles(h, h->p.cost[HOST_EXIT_HALT]);
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
	*v = (struct host_vcpu){ .h = h, .vm = vm, .idx = idx, .apic = apic,
				 .state = (enum host_vcpu_state)vm->cfg.state,
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
