/* host.c - the host (hypervisor) component: VMs' vCPUs, costs, stats, and its life cycle
 *
 * One 'host' component per scenario holds, for each VM of the scenario's
 * vms: (same index), its vCPUs and their CPU configuration (here, not in
 * vms:), the platform's VM-exit costs in host clock cycles, and the
 * interrupt path from the root complex (host_irq.c) through interrupt
 * remapping (models/iommu/intremap.c) into the guests (vcpu.c,
 * host_posted.c). Device models call it through host.h.
 *
 * Cost defaults are published figures (FACTS.md; docs/models/host.md):
 * SplitX (WIOV'11) ~2,000 cycles for a VM exit + entry, Dall et al.
 * (ISCA'16 / ATC'17, KVM on Xeon E5): EOI completion 1,556, an exit handled
 * in the kernel 2,565, in user space 6,732, a virtual IPI 3,102, a null
 * hypercall ~1,300-1,440.
 *
 * Guest work (drivers, applications) is reserved on the vCPUs' time lines
 * with host_guest_work (vcpu.c), so exits take time from it; an exit's
 * indirect cost (cache and TLB pollution) is exit_indirect_factor x its
 * direct cycles of lost guest time (default 0: not modelled).
 *
 * Not modelled: vCPU scheduling beyond the initial state and its resume
 * time, several vCPUs per pCPU, host interrupt affinity, halt polling.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/host/host_impl.h"

extern const struct model model_host;

const char *const host_exit_reason_names[HOST_EXIT__COUNT] = {
	"external_interrupt", "eoi", "mmio", "io_kick", "halt", "hypercall",
};
static const char *const host_path_names[PATH__COUNT] = {
	"emulated", "emulated_wakeup", "posted", "posted_wakeup", "injected", "host",
};
const char *host_latency_path_name(unsigned i)
{
	return i < PATH__COUNT ? host_path_names[i] : NULL;
}

static const char *const host_stage_names[STAGE__COUNT] = {
	"remap", "post", "wait", "deliver",
};
static const char *const host_stage_desc[STAGE__COUNT] = {
	"mean time in interrupt remapping (IEC, IRTE read)",
	"mean time posting into the descriptor (its read; posted paths)",
	"mean time waiting for the vCPU (busy, preempted, an earlier notification)",
	"mean time of the exit + injection, wakeup or notification processing that delivers it",
};
static const char *const host_state_names[] = { "running", "halted", "preempted", NULL };
static const char *const host_delivery_names[] = { "emulated", "posted", NULL };

#define HP(f) offsetof(struct host_params, f)
#define HG(f) offsetof(struct host_guest_cfg, f)

/* The per-VM keys: the same rows serve the host-wide defaults (offset in
 * host_params.def) and each 'guests:' entry (offset in host_guest_cfg). */
#define HOST_GUEST_ROWS(base)                                                                 \
	{ "vcpus", PARAM_U64, (base) + HG(vcpus), "1", 1, 64, NULL,                            \
	  "vCPUs per VM, each pinned to its own physical CPU (APIC ID 1, 2, ...)" },           \
	{ "vcpu_state", PARAM_ENUM, (base) + HG(state), "running", 0, 0, host_state_names,     \
	  "initial state of the VM's vCPUs: running (in guest mode), halted (blocked in the "  \
	  "host after HLT), preempted (runnable, descheduled until resume_at)" },              \
	{ "vcpu_states", PARAM_NODE, (base) + HG(states), "", 0, 0, NULL,                       \
	  "per-vCPU initial states, a list (entry i for vCPU i) of running / halted / "         \
	  "preempted overriding vcpu_state" },                                                  \
	{ "delivery", PARAM_ENUM, (base) + HG(delivery), "posted", 0, 0, host_delivery_names,  \
	  "interrupt delivery for the VM's assigned functions: emulated (host vector, exit, "  \
	  "injection) or posted (posted-interrupt descriptor, needs remapping)" },             \
	{ "eoi_virt", PARAM_BOOL, (base) + HG(eoi_virt), "true", 0, 0, NULL,                    \
	  "EOI virtualization (APICv): the guest's EOI does not exit (emulated delivery; "     \
	  "posted delivery never exits on EOI)" },                                             \
	{ "idle_halt", PARAM_BOOL, (base) + HG(idle_halt), "true", 0, 0, NULL,                 \
	  "an initially halted vCPU halts again (a halt exit) once its interrupts are "        \
	  "handled: an idle guest" },                                                          \
	{ "resume_at", PARAM_TIME, (base) + HG(resume_at), "1ms", 0, 0, NULL,                  \
	  "an initially preempted vCPU is scheduled back (VM entry) at this time "             \
	  "(assumption)" }

static const struct param_desc host_guest_desc[] = {
	HOST_GUEST_ROWS(0),
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

#define HOST_COST(key, r, def, what) \
	{ key, PARAM_U64, HP(cost[r]), def, 0, 1e9, NULL, what }

static const struct param_desc host_param_desc[] = {
	{ "rc", PARAM_STRING, HP(rc), "", 0, 0, NULL,
	  "the pcie_root_complex whose MSIs this host takes ('' = the scenario's one, if any)" },
	{ "iommu", PARAM_STRING, HP(iommu), "", 0, 0, NULL,
	  "the iommu whose DMA-remapping fault events the hypervisor handles (default: the "
	  "scenario's iommu component, if it has one)" },
	{ "cycles_fault_event", PARAM_U64, HP(fault_event_cycles), "2565", 0, 1e9, NULL,
	  "hypervisor's handling of one IOMMU fault-event interrupt, on the host CPU: the "
	  "kernel-handled exit figure, 2,565 cycles (Dall et al.; FACTS.md), as an assumption" },
	{ "cycles_fault_record", PARAM_U64, HP(fault_record_cycles), "500", 0, 1e9, NULL,
	  "reading, logging and clearing one fault record (assumption)" },
	{ "clock", PARAM_FREQ, HP(clock), "2GHz", 1e6, 1e11, NULL,
	  "host CPU clock turning cycle costs into time (assumption: set the platform's)" },
	HOST_GUEST_ROWS(HP(def)),
	{ "guests", PARAM_NODE, HP(guests), "", 0, 0, NULL,
	  "per-VM overrides: a list of {vm: NAME, vcpus, vcpu_state, vcpu_states, delivery, "
	  "eoi_virt, idle_halt, resume_at}" },
	HOST_COST("cycles_external_interrupt", HOST_EXIT_EXTERNAL_INTERRUPT, "2565",
		  "external-interrupt exit incl. injection: an exit handled in the kernel, 2,565 "
		  "cycles (Dall et al., KVM on Xeon E5; FACTS.md)"),
	HOST_COST("cycles_eoi", HOST_EXIT_EOI, "1556",
		  "EOI (APIC access) exit: EOI completion 1,556 cycles (Dall et al.; FACTS.md)"),
	HOST_COST("cycles_mmio", HOST_EXIT_MMIO, "6732",
		  "MMIO exit to an emulated device in user space: 6,732 cycles (Dall et al.; "
		  "FACTS.md)"),
	HOST_COST("cycles_io_kick", HOST_EXIT_IO_KICK, "2565",
		  "I/O kick (virtio notify) handled in the kernel: 2,565 cycles (Dall et al.; "
		  "FACTS.md)"),
	HOST_COST("cycles_halt", HOST_EXIT_HALT, "2000",
		  "halt exit: the direct exit + entry cost, ~2,000 cycles (SplitX, WIOV'11; "
		  "FACTS.md)"),
	HOST_COST("cycles_hypercall", HOST_EXIT_HYPERCALL, "1300",
		  "hypercall exit: null hypercall ~1,300-1,440 cycles, the lower figure (Dall et "
		  "al.; FACTS.md)"),
	{ "cycles_wakeup", PARAM_U64, HP(wakeup_cycles), "3102", 0, 1e9, NULL,
	  "host wakeup of a halted vCPU (wakeup vector or kick, then VM entry): the virtual "
	  "IPI figure, 3,102 cycles (Dall et al.; FACTS.md), as an assumption" },
	{ "cycles_guest_isr", PARAM_U64, HP(isr_cycles), "1000", 0, 1e9, NULL,
	  "guest interrupt handler from its start to its EOI (assumption)" },
	{ "cycles_posted_delivery", PARAM_U64, HP(pi_delivery_cycles), "100", 0, 1e9, NULL,
	  "a running vCPU's processing of a posted-interrupt notification, PIR to virtual "
	  "APIC, without an exit (assumption)" },
	{ "exit_indirect_factor", PARAM_DOUBLE, HP(exit_indirect), "0", 0, 100, NULL,
	  "indirect cost of an exit (cache and TLB pollution): guest cycles lost after each "
	  "exit but halt, as a multiple of that exit's direct cycles; FACTS.md: 'can be several "
	  "times the direct cost', no single figure, so 0 = not modelled (assumption)" },
	{ "remapping", PARAM_BOOL, HP(remapping), "true", 0, 0, NULL,
	  "interrupt remapping: the hypervisor programs remappable MSIs through IRTEs "
	  "(false: compatibility format, no posted delivery)" },
	{ "ir_base", PARAM_SIZE, HP(ir.base), "0x3e000000", 0, 0, NULL,
	  "host-physical region of the IR table and the posted-interrupt descriptors" },
	{ "ir_size", PARAM_SIZE, HP(ir.size), "1MiB", 4096, 0x1p32, NULL,
	  "size of that region" },
	{ "ir_entries", PARAM_U64, HP(ir.entries), "1024", 1, 65536, NULL,
	  "IR table entries (a power of two); one IRTE per programmed MSI-X vector" },
	{ "ir_block_compat", PARAM_BOOL, HP(ir.block_compat), "false", 0, 0, NULL,
	  "block compatibility-format interrupts (fault 0x25), as with x2APIC and IR on" },
	SACACHE_PARAMS("iec", struct host_params, ir.iec, "64", "64", "lru", 1,
		       "interrupt-entry cache"),
	{ "iec_latency", PARAM_TIME, HP(iec_latency), "2ns", 0, 1e9, NULL,
	  "interrupt-entry cache lookup (assumption, as the IOMMU's cache latencies)" },
	{ "ir_read_latency", PARAM_TIME, HP(ir_read_latency), "0ns", 0, 1e9, NULL,
	  "the remapping unit's own path to memory, added to each IRTE and descriptor read "
	  "on top of the memory model (as the IOMMU's table_read_latency)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int host_err(const struct host *h, struct iov_err *e, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct cfg_node *n = h->node ? cfg_get(h->node, key) : NULL;
	return cfg_err(e, n ? n : h->node, "%s: %s", h->c.name, msg);
}

struct host *host_find(struct sim *s, const char *name)
{
	for (size_t i = 0; i < s->ncomps; i++)
		if (s->comps[i]->model == &model_host && (!name || !strcmp(s->comps[i]->name, name)))
			return container_of(s->comps[i], struct host, c);
	return NULL;
}

/* ---------------------------------------------------------- interrupts -- */

#define HOST_IRQ_CHUNK 256

struct host_irq *host_irq_get(struct host *h)
{
	if (!h->free) {
		struct host_irq *c = calloc(HOST_IRQ_CHUNK, sizeof(*c));
		struct host_irq **nc = realloc(h->chunks, (h->nchunks + 1) * sizeof(*nc));
		if (!c || !nc) {
			free(c);
			if (nc)
				h->chunks = nc;
			iov_err_set(h->c.sim->err, IOV_INTERNAL, "out of memory");
			sim_abort(h->c.sim);
			return NULL;
		}
		h->chunks = nc;
		h->chunks[h->nchunks++] = c;
		for (unsigned i = 0; i < HOST_IRQ_CHUNK; i++)
			host_irq_put(h, &c[i]);
	}
	struct host_irq *r = h->free;
	h->free = r->next;
	*r = (struct host_irq){ .h = h };
	return r;
}

void host_irq_put(struct host *h, struct host_irq *r)
{
	r->next = h->free;
	h->free = r;
}

void host_irq_latency(struct host *h, const struct host_irq *r, enum host_irq_path p,
		      sim_time_t now)
{
	sim_time_t total = now - r->t_rc;
	sim_time_t remap = r->t_remap - r->t_rc, post = r->t_posted - r->t_remap;
	sim_time_t rest = total - remap - post;
	sim_time_t del = r->deliver_ps < rest ? r->deliver_ps : rest;
	hist_add(h->st_latency[p], total);
	h->bd_sum[p][STAGE_REMAP] += remap;
	h->bd_sum[p][STAGE_POST] += post;
	h->bd_sum[p][STAGE_WAIT] += rest - del;
	h->bd_sum[p][STAGE_DELIVER] += del;
	h->bd_n[p]++;
}

/* ---------------------------------------------------------------- VMs -- */

int host_vcpu_initial(const struct host *h, const struct host_vm *vm, unsigned idx,
		      enum host_vcpu_state *out, struct iov_err *e)
{
	const struct cfg_node *l = vm->cfg.states;
	*out = (enum host_vcpu_state)vm->cfg.state;
	if (!l || (l->kind == CFG_SCALAR && !*l->str))
		return 0;
	if (l->kind != CFG_SEQ || l->n > vm->cfg.vcpus)
		return cfg_err(e, l, "%s: VM '%s': vcpu_states must be a list of at most vcpus (%llu) "
			       "states", h->c.name, vm->name, (unsigned long long)vm->cfg.vcpus);
	if (idx >= l->n)
		return 0;
	const struct param_desc *d = host_guest_desc;
	while (strcmp(d->name, "vcpu_state"))
		d++;
	struct host_guest_cfg tmp;
	if (cfg_parse_value(l->items[idx], d, &tmp, e))
		return -1;
	*out = (enum host_vcpu_state)tmp.state;
	return 0;
}

/* One 'guests:' entry over the host-wide defaults. */
static int host_guest_load(struct host *h, const struct cfg_node *g, struct iov_err *e)
{
	struct sim *s = h->c.sim;
	if (g->kind != CFG_MAP)
		return cfg_err(e, g, "%s: guests: each entry is a map {vm: NAME, vcpus: N, ...}",
			       h->c.name);
	const struct cfg_node *nm = cfg_get(g, "vm");
	int v = nm && nm->kind == CFG_SCALAR ? iso_vm_index(s, nm->str) : -1;
	if (v < 0)
		return cfg_err(e, nm ? nm : g, "%s: guests: 'vm' must name a VM of the scenario's "
			       "vms:", h->c.name);
	struct host_guest_cfg *cfg = &h->vms[v].cfg;
	for (size_t k = 0; k < g->n; k++) {
		if (!strcmp(g->keys[k], "vm"))
			continue;
		const struct param_desc *d = host_guest_desc;
		while (d->name && strcmp(d->name, g->keys[k]))
			d++;
		if (!d->name)
			return cfg_err(e, g->items[k], "%s: guests: unknown key '%s'; allowed: vm, "
				       "vcpus, vcpu_state, vcpu_states, delivery, eoi_virt, idle_halt, "
				       "resume_at",
				       h->c.name, g->keys[k]);
		if (cfg_parse_value(g->items[k], d, cfg, e))
			return -1;
	}
	return 0;
}

static int host_vm_stats(struct host *h, struct host_vm *vm, struct iov_err *e)
{
	struct stats *st = h->c.sim->stats;
	char p[256];
#define VMSTAT(field, kind, fmt, unit, desc) \
	(snprintf(p, sizeof(p), fmt, vm->name), (vm->field = kind(st, p, unit, desc, e)) != NULL)
	if (!VMSTAT(st_exits, stats_counter, "vm_exits.vms.%s.total", "", "VM exits of this VM") ||
	    !VMSTAT(st_exit_cycles, stats_counter, "vm_exits.vms.%s.cycles", "cycles",
		    "host CPU cycles in this VM's exits (exit, handling, entry)") ||
	    !VMSTAT(st_exits_per_s, stats_value, "vm_exits.vms.%s.per_second", "1/s",
		    "this VM's exits per simulated second") ||
	    !VMSTAT(st_cpu_cycles, stats_counter, "hypervisor.vms.%s.cpu_cycles", "cycles",
		    "host CPU cycles spent for this VM: exits, wakeups, back-end work") ||
	    !VMSTAT(st_delivered, stats_counter, "interrupts.vms.%s.delivered", "",
		    "interrupts whose guest handler started in this VM") ||
	    !VMSTAT(st_iommu_faults, stats_counter, "hypervisor.vms.%s.iommu_faults", "",
		    "DMA-remapping faults of this VM's devices the hypervisor read from the IOMMU"))
		return -1;
	if (!VMSTAT(st_work_cycles, stats_counter, "vcpus.%s.guest_work_cycles", "cycles",
		    "guest work reserved on this VM's vCPUs by drivers and applications "
		    "(host_guest_work)") ||
	    !VMSTAT(st_indirect_cycles, stats_counter, "vcpus.%s.indirect_cycles", "cycles",
		    "guest cycles lost after exits (exit_indirect_factor x their direct cycles)") ||
	    !VMSTAT(st_guest_ns, stats_value, "vcpus.%s.guest_ns", "ns", "time this VM's vCPUs "
		    "spent in guest work: handlers, posted-interrupt processing, host_guest_work") ||
	    !VMSTAT(st_root_ns, stats_value, "vcpus.%s.root_ns", "ns", "time this VM's vCPUs "
		    "spent in root mode: exits, wakeups, halts") ||
	    !VMSTAT(st_indirect_ns, stats_value, "vcpus.%s.indirect_ns", "ns", "guest time lost "
		    "to exits' indirect costs") ||
	    !VMSTAT(st_idle_ns, stats_value, "vcpus.%s.idle_ns", "ns", "run time x vCPUs minus "
		    "guest, root and indirect time (never below 0)") ||
	    !VMSTAT(st_util, stats_value, "vcpus.%s.utilization", "", "(guest + root + indirect) / "
		    "(run time x vCPUs); a vCPU's run time ends at the later of the run's end and its "
		    "last reserved work") ||
	    !VMSTAT(st_guest_util, stats_value, "vcpus.%s.guest_utilization", "", "guest / (run "
		    "time x vCPUs): the share left to the guest's own work"))
		return -1;
#undef VMSTAT
	return 0;
}

static int host_check_vm(struct host *h, struct host_vm *vm, struct iov_err *e)
{
	if (vm->cfg.delivery == HOST_POSTED && !h->p.remapping)
		return host_err(h, e, "remapping", "VM '%s': posted delivery needs interrupt "
				"remapping (remapping: true)", vm->name);
	if (h->napics + vm->cfg.vcpus > 255)
		return host_err(h, e, "guests", "more than 254 vCPUs in all");
	return 0;
}

/* One posted-interrupt descriptor per vCPU, in consecutive frames of the
 * remapping unit's memory: vCPU with APIC a at pd_base + 64 (a - 1). */
static int host_alloc_descriptors(struct host *h, struct iov_err *e)
{
	if (!h->ir || h->napics < 2)
		return 0;
	struct physmem *pm = ir_memory(h->ir);
	uint64_t frames = ((h->napics - 1) * PI_DESC_SIZE + PHYSMEM_FRAME_SIZE - 1) /
			  PHYSMEM_FRAME_SIZE;
	for (uint64_t i = 0; i < frames; i++) {
		uint64_t pa;
		struct iov_err e2 = { 0 };
		if (physmem_alloc_frame(pm, &pa, &e2))
			return host_err(h, e, "ir_size", "ir_size cannot hold the IR table and the "
					"vCPUs' posted-interrupt descriptors");
		if (i == 0)
			h->pd_base = pa;
		else if (pa != h->pd_base + i * PHYSMEM_FRAME_SIZE)
			return iov_err_set(e, IOV_INTERNAL, "%s: descriptor frames not contiguous",
					   h->c.name);
	}
	return 0;
}

static int host_build_vcpus(struct host *h, struct iov_err *e)
{
	h->napics = 1;
	for (size_t v = 0; v < h->nvms; v++) {
		struct host_vm *vm = &h->vms[v];
		if (host_check_vm(h, vm, e))
			return -1;
		vm->nvcpus = (unsigned)vm->cfg.vcpus;
		h->napics += vm->nvcpus;
		if (!(vm->vcpus = calloc(vm->nvcpus, sizeof(*vm->vcpus))))
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	h->by_apic = calloc(h->napics, sizeof(*h->by_apic));
	h->hvec_virq = calloc((size_t)h->napics * 256, sizeof(*h->hvec_virq));
	h->hvec_next = calloc(h->napics, sizeof(*h->hvec_next));
	if (!h->by_apic || !h->hvec_virq || !h->hvec_next)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	if (host_alloc_descriptors(h, e))
		return -1;
	unsigned apic = 1;
	for (unsigned a = 0; a < h->napics; a++)
		h->hvec_next[a] = HOST_FIRST_VECTOR;
	for (size_t v = 0; v < h->nvms; v++)
		for (unsigned i = 0; i < h->vms[v].nvcpus; i++, apic++)
			if (vcpu_build(h, &h->vms[v], i, apic, e))
				return -1;
	return 0;
}

int host_ready(struct host *h, struct iov_err *e)
{
	if (h->ready)
		return 0;
	struct sim *s = h->c.sim;
	h->ready = true;
	h->nvms = s->iso.nvms;
	if (h->nvms && !(h->vms = calloc(h->nvms, sizeof(*h->vms))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t v = 0; v < h->nvms; v++) {
		h->vms[v] = (struct host_vm){ .name = s->iso.vms[v].name, .index = (int)v,
					      .cfg = h->p.def };
		if (host_vm_stats(h, &h->vms[v], e))
			return -1;
	}
	const struct cfg_node *g = h->p.guests;
	if (g && g->kind == CFG_SEQ) {
		for (size_t i = 0; i < g->n; i++)
			if (host_guest_load(h, g->items[i], e))
				return -1;
	} else if (g && !(g->kind == CFG_SCALAR && !*g->str)) {
		return cfg_err(e, g, "%s: guests must be a list of {vm: NAME, ...}", h->c.name);
	}
	return host_build_vcpus(h, e);
}

/* ---------------------------------------------------------- life cycle -- */

static int host_find_rc(struct host *h, struct iov_err *e)
{
	struct sim *s = h->c.sim;
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		if (h->p.rc[0] ? !strcmp(c->name, h->p.rc) :
		    (c->pcie && ((struct pcie_node *)c->pcie)->kind == PCIE_NODE_RC))
			h->rc = c;
	}
	if (!h->rc && h->p.rc[0])
		return host_err(h, e, "rc", "rc '%s' is not a component of the scenario", h->p.rc);
	if (h->rc && rc_set_irq_sink(h->rc, &host_rc_irq_ops, h))
		return host_err(h, e, "rc", "'%s' is not a pcie_root_complex, or another host "
				"already takes its interrupts", h->rc->name);
	return 0;
}

static int host_elaborate(struct component *c, struct iov_err *e)
{
	struct host *h = container_of(c, struct host, c);
	return host_ready(h, e) || host_find_rc(h, e) || host_faults_connect(h, e) ? -1 : 0;
}

static int host_start(struct component *c, struct iov_err *e)
{
	(void)e;
	struct host *h = container_of(c, struct host, c);
	for (size_t v = 0; v < h->nvms; v++)
		for (unsigned i = 0; i < h->vms[v].nvcpus; i++)
			vcpu_start(&h->vms[v].vcpus[i]);
	return 0;
}

static double host_rate(uint64_t n, sim_time_t t)
{
	return t ? (double)n / ((double)t * 1e-12) : 0.0;
}

static void host_finish(struct component *c)
{
	struct host *h = container_of(c, struct host, c);
	sim_time_t now = sim_now(c->sim->k);
	*h->st_exits_per_s = host_rate(*h->st_exits, now);
	*h->st_irqs_per_s = host_rate(*h->st_delivered, now);
	*h->st_exits_per_irq = *h->st_delivered ? (double)*h->st_exits / (double)*h->st_delivered
						: 0.0;
	for (size_t v = 0; v < h->nvms; v++)
		*h->vms[v].st_exits_per_s = host_rate(*h->vms[v].st_exits, now);
	host_vcpu_finish(h, now);
	for (unsigned p = 0; p < PATH__COUNT; p++)
		for (unsigned g = 0; g < STAGE__COUNT; g++)
			*h->st_breakdown[p][g] = h->bd_n[p] ? (double)(h->bd_sum[p][g] /
						(long double)h->bd_n[p] * 1e-3L) : 0.0;
}

void host_vcpu_finish(struct host *h, sim_time_t now)
{
	for (size_t i = 0; i < h->nvms; i++) {
		struct host_vm *vm = &h->vms[i];
		long double g = 0, r = 0, x = 0, total = 0;
		for (unsigned c = 0; c < vm->nvcpus; c++) {
			sim_time_t end = vm->vcpus[c].busy_until;
			total += (long double)(end > now ? end : now);  /* work may outlast the run */
			g += vm->vcpus[c].guest_ps;
			r += vm->vcpus[c].root_ps;
			x += vm->vcpus[c].indirect_ps;
		}
		long double busy = g + r + x;
		*vm->st_guest_ns = (double)(g * 1e-3L);
		*vm->st_root_ns = (double)(r * 1e-3L);
		*vm->st_indirect_ns = (double)(x * 1e-3L);
		*vm->st_idle_ns = busy < total ? (double)((total - busy) * 1e-3L) : 0.0;
		*vm->st_util = total > 0 ? (double)(busy < total ? busy / total : 1.0L) : 0.0;
		*vm->st_guest_util = total > 0 ? (double)(g < total ? g / total : 1.0L) : 0.0;
	}
}

static void host_destroy(struct component *c)
{
	struct host *h = container_of(c, struct host, c);
	for (size_t v = 0; v < h->nvms; v++) {
		for (unsigned i = 0; h->vms[v].vcpus && i < h->vms[v].nvcpus; i++)
			free(h->vms[v].vcpus[i].root);
		free(h->vms[v].vcpus);
	}
	free(h->vms);
	free(h->by_apic);
	free(h->hvec_virq);
	free(h->hvec_next);
	free(h->virqs);
	for (size_t i = 0; i < h->nchunks; i++)
		free(h->chunks[i]);
	free(h->chunks);
	ir_destroy(h->ir);
	free(h);
}

#define HCTR(field, path, unit, desc) \
	((h->field = stats_counter(st, path, unit, desc, e)) != NULL)
#define HVAL(field, path, unit, desc) \
	((h->field = stats_value(st, path, unit, desc, e)) != NULL)

static int host_stats_irq(struct host *h, struct iov_err *e)
{
	struct stats *st = h->c.sim->stats;
	if (!HCTR(st_received, "interrupts.received", "", "MSIs the root complex handed to the "
		  "host (before remapping)") ||
	    !HCTR(st_delivered, "interrupts.delivered", "", "guest interrupt handlers started "
		  "(all paths, injected ones included)") ||
	    !HCTR(st_wakeups, "interrupts.wakeups", "", "halted vCPUs woken by the host for an "
		  "interrupt (wakeup vector or kick); not guest exits") ||
	    !HCTR(st_blocked, "interrupts.blocked", "", "MSIs blocked by a remapping fault") ||
	    !HCTR(st_spurious, "interrupts.spurious", "", "MSIs whose vector no function owns") ||
	    !HCTR(st_host, "interrupts.host", "", "interrupts of host-owned functions (no VM)") ||
	    !HCTR(st_merged, "interrupts.merged", "", "interrupts merged into one already pending "
		  "for the same vector (one PIR bit; emulated: one vIRR bit, after its exit)") ||
	    !HCTR(st_exitless, "interrupts.exitless_injections", "", "emulated interrupts that "
		  "arrived while their vCPU was in root mode: injected at that VM entry, no exit "
		  "of their own") ||
	    !HCTR(st_notifications, "interrupts.posted.notifications", "", "posted-interrupt "
		  "notifications sent (ON was clear, SN clear)") ||
	    !HCTR(st_coalesced, "interrupts.posted.coalesced", "", "posts with ON already set: "
		  "no second notification") ||
	    !HCTR(st_suppressed, "interrupts.posted.suppressed", "", "posts with SN set (vCPU "
		  "preempted): no notification, taken at the next VM entry") ||
	    !HVAL(st_irqs_per_s, "interrupts.per_second", "1/s", "delivered interrupts per "
		  "simulated second") ||
	    !(h->st_remap_ns = stats_hist(st, "interrupts.remap_ns", "ns", 1e-3, "MSI at the "
					  "root complex to remapping done (IEC, IRTE read)", e)))
		return -1;
	for (unsigned p = 0; p < PATH__COUNT; p++) {
		char path[128];
		snprintf(path, sizeof(path), "interrupts.latency_ns.%s", host_path_names[p]);
		if (!(h->st_latency[p] = stats_hist(st, path, "ns", 1e-3, "interrupt latency: device "
						    "write at the root complex (or injection) to "
						    "the guest handler's start", e)))
			return -1;
		for (unsigned g = 0; g < STAGE__COUNT; g++) {
			snprintf(path, sizeof(path), "interrupts.breakdown_ns.%s.%s", host_path_names[p],
				 host_stage_names[g]);
			if (!(h->st_breakdown[p][g] = stats_value(st, path, "ns", host_stage_desc[g], e)))
				return -1;
		}
	}
	return 0;
}

static int host_stats(struct host *h, struct iov_err *e)
{
	struct stats *st = h->c.sim->stats;
	if (host_stats_irq(h, e) || host_faults_stats(h, e) ||
	    !HCTR(st_exits, "vm_exits.total", "", "VM exits, all reasons and VMs") ||
	    !HCTR(st_exit_cycles, "vm_exits.cycles", "cycles", "host CPU cycles in VM exits") ||
	    !HVAL(st_exits_per_s, "vm_exits.per_second", "1/s", "VM exits per simulated second") ||
	    !HVAL(st_exits_per_irq, "vm_exits.per_interrupt", "", "VM exits / delivered "
		  "interrupts") ||
	    !HCTR(st_cpu_cycles, "hypervisor.cpu_cycles", "cycles", "host CPU cycles: exits, "
		  "wakeups and back-end work") ||
	    !HCTR(st_wakeup_cycles, "hypervisor.wakeup_cycles", "cycles", "host CPU cycles "
		  "waking halted vCPUs") ||
	    !HCTR(st_work_cycles, "hypervisor.work_cycles", "cycles", "host CPU cycles of "
		  "back-end work outside vCPUs (host_cpu_work)"))
		return -1;
	for (unsigned r = 0; r < HOST_EXIT__COUNT; r++) {
		char path[128];
		snprintf(path, sizeof(path), "vm_exits.by_reason.%s", host_exit_reason_names[r]);
		if (!(h->st_by_reason[r] = stats_counter(st, path, "", "VM exits of this reason", e)))
			return -1;
	}
	return 0;
}

static struct component *host_create(struct sim *s, const char *name, const void *params,
				     const struct cfg_node *node, struct iov_err *e)
{
	/* One hypervisor per simulation: its stats (interrupts.*, vm_exits.*) and
	 * the root complex's interrupt stage are single. */
	for (size_t i = 0; i < s->ncomps; i++)
		if (s->comps[i]->model == &model_host) {
			cfg_err(e, node, "host '%s': the scenario already has a host component, "
				"'%s' (a platform may bring one: give yours its name to change it)",
				name, s->comps[i]->name);
			return NULL;
		}
	struct host *h = calloc(1, sizeof(*h));
	if (!h) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	h->p = *(const struct host_params *)params;
	h->node = node;
	component_init(&h->c, s, &model_host, name, &h->p.clock);
	char what[160];
	snprintf(what, sizeof(what), "host '%s'", name);
	if (host_stats(h, e))
		goto err;
	if (h->p.remapping && (!(h->ir = ir_create(&h->p.ir, s->seed ^ 0x1ec, what, e)) ||
			       ir_stats_register(h->ir, s->stats, "iommu.ir", e)))
		goto err;
	return &h->c;
err:
	host_destroy(&h->c);
	return NULL;
}

static const struct model_ops host_ops = {
	.create = host_create,
	.elaborate = host_elaborate,
	.start = host_start,
	.finish = host_finish,
	.destroy = host_destroy,
};

static const struct port_doc host_ports[] = {
	{ NULL, NULL },
};

const struct model model_host = {
	.kind = "host",
	.type = "host",
	.desc = "hypervisor: VMs' vCPUs (running/halted/preempted), VM-exit and CPU-cycle "
		"accounting, MSI-X programming, interrupt remapping (IRTE table, entry cache, "
		"source-ID checks, faults) and emulated or posted delivery into guests",
	.ops = &host_ops,
	.params = host_param_desc,
	.params_size = sizeof(struct host_params),
	.ports = host_ports,
	.not_modelled = "vCPU scheduling beyond the initial state, several vCPUs per CPU, indirect "
			"exit costs beyond a fixed multiple of the direct cost, halt polling, IR fault recording "
			"registers and fault events, x2APIC/xAPIC destination formats",
};
