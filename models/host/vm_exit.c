/* vm_exit.c - VM-exit and host CPU accounting: by reason, per VM, in host clock cycles
 *
 * Every exit costs its reason's cycles (host.c's cycles_<reason>, the
 * published figures: exit + handling + entry) plus what the caller adds;
 * the cycles count as host CPU time of the VM. Rates and ratios
 * (vm_exits.per_second, per_interrupt) are computed at the end of the run.
 *
 * Indirect costs (cache and TLB pollution after an exit; FACTS.md: they can
 * be several times the direct cost) are guest time lost on the vCPU's time
 * line (vcpu.c, exit_indirect_factor), not host CPU cycles: they are not
 * counted here.
 */
#include "models/host/host_impl.h"

void host_cpu_account(struct host *h, struct host_vm *vm, uint64_t cycles)
{
	*h->st_cpu_cycles += cycles;
	if (vm)
		*vm->st_cpu_cycles += cycles;
}

void host_exit_account(struct host *h, struct host_vm *vm, enum host_exit_reason r,
		       uint64_t cycles)
{
	(*h->st_exits)++;
	(*h->st_by_reason[r])++;
	*h->st_exit_cycles += cycles;
	if (vm) {
		(*vm->st_exits)++;
		*vm->st_exit_cycles += cycles;
	}
	host_cpu_account(h, vm, cycles);
}

static struct host_vm *host_vm_at(struct host *h, int vm)
{
	if (host_ready(h, h->c.sim->err))
		return NULL;
	return vm >= 0 && (size_t)vm < h->nvms ? &h->vms[vm] : NULL;
}

sim_time_t host_vm_exit(struct host *h, int vm, unsigned vcpu, enum host_exit_reason reason,
			uint64_t extra_cycles)
{
	if ((unsigned)reason >= HOST_EXIT__COUNT)
		return 0;
	struct host_vm *m = host_vm_at(h, vm);
	uint64_t cycles = h->p.cost[reason] + extra_cycles;
	host_exit_account(h, m, reason, cycles);
	sim_time_t d = host_cycles(h, cycles);
	if (m && vcpu < m->nvcpus) {
		struct host_vcpu *v = &m->vcpus[vcpu];
		sim_time_t now = sim_now(h->c.sim->k);
		sim_time_t t = v->busy_until > now ? v->busy_until : now;
		vcpu_exit_reserve(v, t, cycles, reason != HOST_EXIT_HALT);
		vcpu_idle_check(v);     /* an idle guest's pending check may now be early */
	}
	return d;
}

sim_time_t host_cpu_work(struct host *h, int vm, uint64_t cycles)
{
	host_cpu_account(h, host_vm_at(h, vm), cycles);
	*h->st_work_cycles += cycles;
	return host_cycles(h, cycles);
}
