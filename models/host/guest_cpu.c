/* guest_cpu.c - a VM's vCPU replaying guest-physical loads and stores through the VM's EPT
 *
 * The CPU path of a VM, beside the DMA path the IOMMU guards: each rd/wr
 * record of a trace (addresses are GPAs) is one access per 4 KiB page it
 * touches, on vCPU 'vcpu' of VM 'vm'. Each access looks up the vCPU's EPT
 * TLB (ept.h) and on a miss walks the VM's EPT (real tables in simulated
 * memory, built by the hypervisor from the VM's memory ranges at elaborate),
 * then:
 *   mapped with the needed permission -> the access is performed; its
 *       host-physical address is classed by the isolation accounting's
 *       owner lookup: the VM's own memory (cpu.isolation.allowed) or not
 *       (cpu.isolation.violations: only with a misconfigured extra mapping
 *       allowed by allow_foreign);
 *   an emulated MMIO range (mmio:, a hole in the map) -> an MMIO VM exit
 *       through the host model (host_vm_exit, HOST_EXIT_MMIO): the
 *       hypervisor emulates the register;
 *   anything else (beyond the VM's map, or a write to a read-only page) ->
 *       an EPT violation, blocked (cpu.isolation.blocked). The hypervisor's
 *       handling costs violation_cycles of host CPU (host_cpu_work) and then
 *       either injects a fault into the guest and the vCPU goes on with the
 *       next access (on_violation: fault) or kills the VM: every guest_cpu
 *       of the VM stops replaying (on_violation: kill; the setting of the
 *       vCPU that took the violation decides).
 * The first guest_cpu of a VM (scenario order) builds and owns its EPT and
 * its per-VM stats (its mmio/extra/levels/superpages/table_* are the ones
 * used); other guest_cpus of the VM (other vCPUs) share that EPT, each with
 * its own TLB.
 *
 * Timing, in cycles of the component's clock (all assumptions, documented
 * in docs/models/ept.md): tlb_hit_cycles per TLB lookup, walk_read_cycles
 * per EPT entry read of a walk (entries assumed to hit in the CPU caches:
 * the walk does not go through the memory model), access_cycles for the
 * load/store itself; an MMIO exit and a violation take the host's cost. A
 * vCPU does one access at a time; timed records wait for their time.
 *
 * Not modelled: see ept.h (guest paging, A/D bits, misconfig exits, INVEPT,
 * MMU notifier), and here: the data itself and caches, out-of-order or
 * parallel accesses, the vCPU's state (the trace runs as if it were running),
 * the emulated device behind an MMIO range.
 */
#include <stdlib.h>
#include <string.h>

#include "models/host/guest_cpu_impl.h"
#include "trace_gen_cfg.h"

#define GP(f) offsetof(struct gc_params, f)
static const char *const gc_violation_names[] = { "fault", "kill", NULL };

static const struct param_desc gc_param_desc[] = {
	{ "vm", PARAM_STRING, GP(vm), NULL, 0, 0, NULL, "the VM (a name in vms:) this vCPU runs" },
	{ "vcpu", PARAM_U64, GP(vcpu), "0", 0, 63, NULL,
	  "which of the VM's vCPUs (the host's vcpus) replays the trace" },
	{ "host", PARAM_STRING, GP(host), "", 0, 0, NULL,
	  "the host component taking MMIO exits and violations ('' = the scenario's one)" },
	{ "trace", PARAM_NODE, GP(trace), NULL, 0, 0, NULL,
	  "guest-physical loads/stores: a trace file (rd/wr records) or a generator map "
	  "{gen: seq|random, base, window, size, count, op, read_frac, interval, start, seed}" },
	{ "clock", PARAM_FREQ, GP(clock), "2GHz", 1e6, 1e11, NULL,
	  "vCPU clock of the cycle costs below (assumption: the host's clock)" },
	{ "levels", PARAM_U64, GP(levels), "4", 4, 5, NULL,
	  "EPT levels: 4 (48-bit guest-physical) or 5 (57-bit)" },
	{ "superpages", PARAM_BOOL, GP(superpages), "true", 0, 0, NULL,
	  "map guest memory with 2 MiB / 1 GiB EPT pages where GPA and HPA are aligned" },
	{ "mmio", PARAM_NODE, GP(mmio), "", 0, 0, NULL,
	  "emulated MMIO ranges left unmapped in the EPT: a list of {gpa, size} (accesses exit)" },
	{ "extra", PARAM_NODE, GP(extra), "", 0, 0, NULL,
	  "extra EPT mappings: a list of {gpa, hpa, size, perms: r|rw}; hpa must be the VM's "
	  "memory unless allow_foreign" },
	{ "allow_foreign", PARAM_BOOL, GP(allow_foreign), "false", 0, 0, NULL,
	  "accept extra mappings of memory the VM does not own (a deliberately misconfigured "
	  "EPT: accesses count as cpu.isolation.violations)" },
	{ "on_violation", PARAM_ENUM, GP(on_violation), "fault", 0, 0, gc_violation_names,
	  "the hypervisor's answer to an EPT violation: fault (inject a fault, the guest goes "
	  "on) or kill (the VM is stopped: all its guest_cpus)" },
	{ "table_base", PARAM_SIZE, GP(table_base), "0x3c000000", 0, 0, NULL,
	  "host-physical area of the EPTs: VM i's tables at table_base + i * table_size" },
	{ "table_size", PARAM_SIZE, GP(table_size), "8MiB", 1 << 16, 0x1p40, NULL,
	  "host-physical bytes for one VM's EPT tables" },
	SACACHE_PARAMS("tlb", struct gc_params, tlb, "64", "4", "lru", 1,
		       "vCPU EPT TLB (assumption: an L1 DTLB's 64 entries, 4 ways)"),
	{ "tlb_hit_cycles", PARAM_U64, GP(tlb_hit_cycles), "1", 0, 1e6, NULL,
	  "TLB lookup, hit or miss (assumption)" },
	{ "walk_read_cycles", PARAM_U64, GP(walk_read_cycles), "30", 0, 1e6, NULL,
	  "one EPT entry read of a walk, the entry in L2/LLC (assumption)" },
	{ "access_cycles", PARAM_U64, GP(access_cycles), "4", 0, 1e6, NULL,
	  "the load/store itself once translated, an L1 hit (assumption)" },
	{ "mmio_cycles", PARAM_U64, GP(mmio_cycles), "0", 0, 1e9, NULL,
	  "register emulation beyond the host's cycles_mmio exit cost (assumption)" },
	{ "violation_cycles", PARAM_U64, GP(violation_cycles), "2565", 0, 1e9, NULL,
	  "host CPU cycles handling an EPT violation: an exit handled in the kernel, 2,565 "
	  "(Dall et al., KVM on Xeon E5; FACTS.md)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* ---------------------------------------------------------------- trace -- */

#define GG(f) offsetof(struct trace_gen_params, f)

/* The subset of dma_source's generator keys (sim/trace_gen_cfg.h) a CPU
 * trace needs, with the same meanings (docs/trace-format.md) and CPU-sized
 * defaults; other keys (align, rate, poisson, source, pasid) are refused. */
static const struct param_desc gc_gen_desc[] = {
	{ "gen", PARAM_ENUM, GG(pattern), NULL, 0, 0, trace_gen_patterns, "seq or random" },
	{ "base", PARAM_SIZE, GG(base), "0", 0, 0, NULL, "window start (GPA)" },
	{ "window", PARAM_SIZE, GG(window), "8KiB", 1, 0x1p62, NULL, "window size" },
	{ "size", PARAM_SIZE, GG(size), "8", 1, 4096, NULL, "bytes per access" },
	{ "count", PARAM_U64, GG(count), "1000", 1, 1e12, NULL, "accesses" },
	{ "op", PARAM_ENUM, GG(op), "mix", 0, 0, trace_gen_ops, "mix, read, write, readwrite" },
	{ "read_frac", PARAM_DOUBLE, GG(read_frac), "1", 0, 1, NULL, "share of loads (mix)" },
	{ "interval", PARAM_TIME, GG(interval), "0ps", 0, 0, NULL, "time between accesses "
	  "(0: back to back)" },
	{ "start", PARAM_TIME, GG(start), "0ps", 0, 0, NULL, "first access (with interval)" },
	{ "seed", PARAM_U64, GG(seed), "0", 0, 0, NULL, "seed (0: from the run seed)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
#undef GG

static struct trace_stream *gc_trace_open(struct guest_cpu *g, const struct cfg_node *n,
					  struct iov_err *e)
{
	if (n->kind == CFG_MAP)
		return trace_gen_open_cfg(n, gc_gen_desc, g->c.name, g->c.sim->seed, e);
	static const struct param_desc pd = { "trace", PARAM_PATH, 0, NULL, 0, 0, NULL, "" };
	const char *path = NULL;
	if (n->kind != CFG_SCALAR || cfg_parse_value(n, &pd, &path, e)) {
		cfg_err(e, n, "trace must be a file path or a generator map {gen: seq|random, ...}");
		return NULL;
	}
	struct iov_err e2 = { 0 };
	struct trace_stream *ts = trace_open(path, &e2);
	if (!ts)
		cfg_err(e, n, "cannot open trace: %s", e2.msg);
	return ts;
}

static int gc_elaborate(struct component *c, struct iov_err *e)
{
	return guest_cpu_ready(container_of(c, struct guest_cpu, c), e);
}

/* --------------------------------------------------------------- the run -- */

/* One access to the 4 KiB page holding gpa; returns the vCPU time it takes. */
static sim_time_t gc_access(struct guest_cpu *g, uint64_t gpa, bool write)
{
	const struct gc_params *p = &g->p;
	uint64_t cyc = p->tlb_hit_cycles;
	struct ept_tlb_hit hit = { 0, 0, 0 };
	bool mapped = true;
	gc_bump(g, GC_ACCESSES, 1);
	if (ept_tlb_lookup(g->tlb, gpa, &hit)) {
		gc_bump(g, GC_TLB_HITS, 1);
	} else {
		struct pgt_walk w;
		ept_walk(g->vm->ept, gpa, &w);
		gc_bump(g, GC_TLB_MISSES, 1);
		gc_bump(g, GC_WALKS, 1);
		gc_bump(g, GC_WALK_READS, w.nsteps);
		cyc += w.nsteps * p->walk_read_cycles;
		mapped = w.status == PGT_WALK_OK;
		if (mapped) {
			ept_tlb_fill(g->tlb, &w);
			hit.hpa = w.pa;
			hit.perms = w.perms;
		}
	}
	gc_bump(g, GC_TRANSLATE_CYCLES, cyc);
	if (mapped && (hit.perms & (write ? PGT_PERM_W : PGT_PERM_R))) {
		bool own = iso_vm_of_addr(g->c.sim, hit.hpa) == g->vm->index;
		gc_bump(g, own ? GC_ISO_ALLOWED : GC_ISO_VIOLATIONS, 1);
		return sim_clock_cycles(&g->c.clock, cyc + p->access_cycles);
	}
	sim_time_t d = sim_clock_cycles(&g->c.clock, cyc);
	if (ept_is_mmio(g->vm->ept, gpa)) {
		gc_bump(g, GC_MMIO_EXITS, 1);
		return d + host_vm_exit(g->h, g->vm->index, (unsigned)p->vcpu, HOST_EXIT_MMIO,
					p->mmio_cycles);
	}
	gc_bump(g, GC_VIOLATIONS, 1);
	gc_bump(g, GC_ISO_BLOCKED, 1);
	d += host_cpu_work(g->h, g->vm->index, p->violation_cycles);
	if (p->on_violation == GC_ON_VIOLATION_KILL) {
		g->vm->killed = true;
		gc_bump(g, GC_KILLS, 1);
	}
	return d;
}

static void gc_event(void *arg);

/* Read the next record and schedule it at or after t (the vCPU is free then). */
static void gc_next(struct guest_cpu *g, sim_time_t t)
{
	struct sim *s = g->c.sim;
	int r = trace_next(g->ts, &g->cur, s->err);
	if (r <= 0) {
		if (r < 0)
			sim_abort(s);
		return;
	}
	if (g->cur.op != TRACE_OP_READ && g->cur.op != TRACE_OP_WRITE) {
		iov_err_set(s->err, IOV_BAD_INPUT, "%s: %s records are not CPU accesses; guest_cpu "
			    "'%s' replays only rd/wr", g->ts->name, trace_op_name(g->cur.op),
			    g->c.name);
		sim_abort(s);
		return;
	}
	if (g->cur.addr + g->cur.len < g->cur.addr) {
		iov_err_set(s->err, IOV_BAD_INPUT, "%s: a record at 0x%llx of %u bytes wraps past "
			    "the top of the address space (guest_cpu '%s')", g->ts->name,
			    (unsigned long long)g->cur.addr, g->cur.len, g->c.name);
		sim_abort(s);
		return;
	}
	if (g->cur.time != TRACE_TIME_ASAP && g->cur.time > t)
		t = g->cur.time;
	sim_schedule_at(s->k, sim_clock_edge_at_or_after(&g->c.clock, t), gc_event, g);
}

/* The current record: one access per 4 KiB page, back to back. */
static void gc_event(void *arg)
{
	struct guest_cpu *g = arg;
	sim_time_t t = sim_now(g->c.sim->k);
	uint64_t addr = g->cur.addr, left = g->cur.len;
	while (left && !g->vm->killed) {
		uint64_t n = PGT_SIZE_4K - (addr & (PGT_SIZE_4K - 1));
		n = n < left ? n : left;
		t += gc_access(g, addr, g->cur.op == TRACE_OP_WRITE);
		addr += n;
		left -= n;
	}
	if (!g->vm->killed)
		gc_next(g, t);
}

static int gc_start(struct component *c, struct iov_err *e)
{
	(void)e;
	gc_next(container_of(c, struct guest_cpu, c), 0);
	return 0;
}

/* ----------------------------------------------------------- life cycle -- */

static void gc_hit_rate(struct gc_ctrs *st)
{
	uint64_t h = *st->c[GC_TLB_HITS], n = h + *st->c[GC_TLB_MISSES];
	*st->hit_rate = n ? (double)h / (double)n : 0.0;
}

/* Ratios: the leader's totals, each VM's owner its VM's. */
static void gc_finish(struct component *c)
{
	struct guest_cpu *g = container_of(c, struct guest_cpu, c);
	if (g->leader == g)
		gc_hit_rate(&g->tot);
	if (g->vm == &g->own)
		gc_hit_rate(&g->own.st);
}

static void gc_destroy(struct component *c)
{
	struct guest_cpu *g = container_of(c, struct guest_cpu, c);
	trace_close(g->ts);
	sacache_destroy(g->tlb);
	ept_free(g->own.ept);
	free(g);
}

static struct component *gc_create(struct sim *s, const char *name, const void *params,
				   const struct cfg_node *node, struct iov_err *e)
{
	struct guest_cpu *g = calloc(1, sizeof(*g));
	if (!g) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	g->p = *(const struct gc_params *)params;
	g->node = node;
	component_init(&g->c, s, &model_guest_cpu, name, &g->p.clock);
	char what[160];
	snprintf(what, sizeof(what), "guest_cpu '%s': tlb", name);
	if (sacache_geom_check(&g->p.tlb, what, e) ||
	    !(g->tlb = sacache_create(&g->p.tlb, EPT_TLB_TAG_MASK, s->seed ^ 0xe97, what, e)) ||
	    !(g->ts = gc_trace_open(g, g->p.trace, e))) {
		gc_destroy(&g->c);
		return NULL;
	}
	return &g->c;
}

static const struct model_ops gc_ops = {
	.create = gc_create,
	.elaborate = gc_elaborate,
	.start = gc_start,
	.finish = gc_finish,
	.destroy = gc_destroy,
};

static const struct port_doc gc_ports[] = {
	{ NULL, NULL },
};

const struct model model_guest_cpu = {
	.kind = "host",
	.type = "guest_cpu",
	.desc = "a VM's vCPU replaying guest-physical loads/stores through the VM's EPT (built "
		"from its memory ranges in simulated memory, MMIO ranges left unmapped) with an "
		"EPT TLB: allowed, MMIO exit, or EPT violation (blocked)",
	.ops = &gc_ops,
	.params = gc_param_desc,
	.params_size = sizeof(struct gc_params),
	.ports = gc_ports,
	.not_modelled = "guest paging (accesses are GPAs), A/D bits, EPT misconfiguration exits, "
			"memory types, execute permission, EPT paging-structure caches, INVEPT and "
			"EPT changes during the run (MMU notifier), the data and CPU caches, the "
			"vCPU's state, the emulated device behind an MMIO range",
};
