/* guest_cpu_impl.h - private to the guest_cpu component: its parameters, state and counters
 *
 * guest_cpu.c        parameters, the trace, the run (accesses, timing), life cycle
 * guest_cpu_setup.c  elaborate: stats, the VM's EPT built from the configuration
 *                    (memory ranges, extra mappings, MMIO holes) and its checks
 */
#ifndef IOVSIM_GUEST_CPU_IMPL_H
#define IOVSIM_GUEST_CPU_IMPL_H

#include "models/host/ept.h"
#include "models/host/host_impl.h"
#include "trace.h"

extern const struct model model_guest_cpu;

enum gc_violation_policy { GC_ON_VIOLATION_FAULT, GC_ON_VIOLATION_KILL };

struct gc_params {
	const char *vm, *host;
	uint64_t vcpu;
	const struct cfg_node *trace, *mmio, *extra;
	struct sim_clock clock;
	uint64_t levels;
	int superpages, allow_foreign, on_violation;
	uint64_t table_base, table_size;
	struct sacache_geom tlb;
	uint64_t tlb_hit_cycles, walk_read_cycles, access_cycles, mmio_cycles, violation_cycles;
};

/* Counters kept as totals and per VM: ept.<name> / ept.vms.<vm>.<name> and
 * cpu.isolation.<name> / cpu.isolation.vms.<vm>.<name>. */
enum gc_ctr {
	GC_ACCESSES, GC_TLB_HITS, GC_TLB_MISSES, GC_WALKS, GC_WALK_READS, GC_VIOLATIONS,
	GC_MMIO_EXITS, GC_TRANSLATE_CYCLES, GC_KILLS, GC_ISO_ALLOWED, GC_ISO_BLOCKED,
	GC_ISO_VIOLATIONS, GC__COUNT
};

struct gc_ctrs {
	uint64_t *c[GC__COUNT];
	double *hit_rate;               /* ept[.vms.<vm>].tlb.hit_rate, set at finish */
};

/* A VM's EPT and stats, owned by the VM's first guest_cpu. */
struct gc_vm {
	int index;
	const struct sim_vm *vm;
	struct ept *ept;
	struct gc_ctrs st;
	bool killed;                    /* on_violation: kill happened: every vCPU stops */
};

struct guest_cpu {
	struct component c;
	struct gc_params p;
	const struct cfg_node *node;
	bool ready;
	struct guest_cpu *leader;       /* the scenario's first guest_cpu: owns the totals */
	struct gc_ctrs tot;             /* leader: registered; others: copies of its pointers */
	struct gc_vm own;               /* the VM's owner only */
	struct gc_vm *vm;               /* &owner->own */
	struct host *h;
	struct sacache *tlb;
	struct trace_stream *ts;
	struct trace_rec cur;
};

static inline void gc_bump(struct guest_cpu *g, enum gc_ctr i, uint64_t n)
{
	*g->tot.c[i] += n;
	*g->vm->st.c[i] += n;
}

/* guest_cpu_setup.c: find the leader and the VM's owner, build (owner) or share the
 * VM's EPT, register stats, find the host. Idempotent; any guest_cpu's elaborate
 * may run it for another. Returns 0, or -1 with e set (located, status 2, for
 * bad input). */
int guest_cpu_ready(struct guest_cpu *g, struct iov_err *e);

#endif
