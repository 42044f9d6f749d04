/* vcpu.c - vCPUs: running / halted / preempted, their time line, waking, halting, resuming
 *
 * Each vCPU is pinned to its own physical CPU (APIC ID 1, 2, ... in VM
 * order; APIC 0 is the host's). Its work is one time line: exits, wakeups
 * and guest handlers are reserved one after the other from busy_until; the
 * root-mode segments (exits, wakeups) reserved and not yet over are
 * remembered, so the delivery paths (apic.c, host_posted.c) can tell whether
 * the vCPU is in root mode at a given time. Guest work (host_guest_work:
 * drivers, applications) is reserved on the same line, so exits and work
 * serialize: an exit takes time the guest would have computed in. After an
 * exit (not a halt) the guest loses exit_indirect x the exit's direct cycles
 * (its caches and TLBs were polluted: the indirect cost, default 0), reserved
 * right after the VM entry. The time reserved is summed per kind (guest,
 * root, indirect) for vcpus.<vm>.*.
 *
 * States: running (guest mode); halted (blocked in the host after HLT): an
 * interrupt makes the host wake it (interrupts.wakeups, cycles_wakeup, not a
 * guest exit); a vCPU that started halted (an idle guest, idle_halt)
 * executes HLT again once it has nothing left to do: a halt exit
 * (cycles_halt), and it is halted again; preempted (runnable, descheduled):
 * scheduled back once, at resume_at, when pending posted requests are synced.
 * The posted-interrupt descriptor's SN / NV follow the state
 * (host_pi_control).
 *
 * Not modelled: vCPU migration, time slices (a preempted vCPU comes back
 * once), halt polling, several vCPUs per physical CPU, an exit preempting
 * guest work (it is reserved after the work already on the line: the same
 * time is lost, later), indirect costs that depend on the working set.
 */
#include <math.h>
#include <stdlib.h>

#include "models/host/host_impl.h"

static void vcpu_ev_wakeup(void *arg)
{
	struct host_vcpu *v = arg;
	struct host *h = v->h;
	(*h->st_wakeups)++;
	*h->st_wakeup_cycles += h->p.wakeup_cycles;
	host_cpu_account(h, v->vm, h->p.wakeup_cycles);
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

/* Room for one more root segment: the ring doubles, oldest first at 0. */
static bool vcpu_root_room(struct host_vcpu *v)
{
	if (v->root_n < v->root_cap)
		return true;
	unsigned cap = v->root_cap ? 2 * v->root_cap : VCPU_ROOT_SEGS;
	sim_time_t (*n)[2] = malloc(cap * sizeof(*n));
	if (!n) {
		iov_err_set(v->h->c.sim->err, IOV_INTERNAL, "out of memory");
		sim_abort(v->h->c.sim);
		return false;
	}
	for (unsigned i = 0; i < v->root_n; i++) {
		n[i][0] = v->root[(v->root_head + i) % v->root_cap][0];
		n[i][1] = v->root[(v->root_head + i) % v->root_cap][1];
	}
	free(v->root);
	v->root = n;
	v->root_head = 0;
	v->root_cap = cap;
	return true;
}

void vcpu_root(struct host_vcpu *v, sim_time_t from, sim_time_t to)
{
	sim_time_t now = sim_now(v->h->c.sim->k);
	v->root_ps += to - from;
	if (to > v->busy_until)
		v->busy_until = to;
	/* segments are reserved in time order: the over ones are at the front */
	while (v->root_n && v->root[v->root_head][1] <= now) {
		v->root_head = (v->root_head + 1) % v->root_cap;
		v->root_n--;
	}
	if (to <= from || !vcpu_root_room(v))
		return;
	unsigned i = (v->root_head + v->root_n++) % v->root_cap;
	v->root[i][0] = from;
	v->root[i][1] = to;
}

void vcpu_guest(struct host_vcpu *v, sim_time_t from, sim_time_t to)
{
	v->guest_ps += to - from;
	if (to > v->busy_until)
		v->busy_until = to;
}

sim_time_t vcpu_exit_reserve(struct host_vcpu *v, sim_time_t from, uint64_t cycles,
			     bool indirect)
{
	struct host *h = v->h;
	sim_time_t entry = from + host_cycles(h, cycles);
	vcpu_root(v, from, entry);
	if (!indirect || h->p.exit_indirect <= 0.0)
		return entry;
	uint64_t lost = (uint64_t)llround(h->p.exit_indirect * (double)cycles);
	sim_time_t d = host_cycles(h, lost);
	*v->vm->st_indirect_cycles += lost;
	v->indirect_ps += d;
	if (entry + d > v->busy_until)
		v->busy_until = entry + d;
	return entry;
}

sim_time_t host_guest_work(struct host *h, int vm, unsigned vcpu, uint64_t guest_cycles)
{
	struct sim_kernel *k = h->c.sim->k;
	sim_time_t now = sim_now(k), d = host_cycles(h, guest_cycles);
	if (host_ready(h, h->c.sim->err) || vm < 0 || (size_t)vm >= h->nvms ||
	    vcpu >= h->vms[vm].nvcpus)
		return now + d;
	struct host_vcpu *v = &h->vms[vm].vcpus[vcpu];
	sim_time_t t = v->busy_until > now ? v->busy_until : now;
	*v->vm->st_work_cycles += guest_cycles;
	vcpu_guest(v, t, t + d);
	if (d)
		vcpu_idle_check(v);
	return t + d;
}

unsigned host_vm_vcpus(struct host *h, int vm)
{
	if (host_ready(h, h->c.sim->err) || vm < 0 || (size_t)vm >= h->nvms)
		return 0;
	return h->vms[vm].nvcpus;
}

bool vcpu_in_root(const struct host_vcpu *v, sim_time_t now)
{
	for (unsigned i = 0; i < v->root_n; i++) {
		const sim_time_t *seg = v->root[(v->root_head + i) % v->root_cap];
		if (now >= seg[0] && now < seg[1])
			return true;
	}
	return false;
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
