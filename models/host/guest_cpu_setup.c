/* guest_cpu_setup.c - the guest_cpu component's elaborate: a VM's EPT built from the scenario, its checks, the stats
 *
 * The VM's first guest_cpu (scenario order) builds the VM's EPT (ept.h):
 * its memory ranges, then the 'extra' mappings (only of the VM's own memory
 * unless allow_foreign), then the 'mmio' holes; every overlap or foreign
 * mapping is an error at load, located at the entry. The scenario's first
 * guest_cpu registers the totals. See guest_cpu.c for the model.
 */
#include <stdlib.h>
#include <string.h>

#include "models/host/guest_cpu_impl.h"

static const struct {
	const char *area, *name, *unit, *desc;
} gc_ctr_desc[GC__COUNT] = {
	{ "ept", "accesses", "", "guest CPU accesses (one per 4 KiB page a load/store touches)" },
	{ "ept", "tlb.hits", "", "accesses translated by the vCPU's EPT TLB" },
	{ "ept", "tlb.misses", "", "accesses that missed the EPT TLB" },
	{ "ept", "walks", "", "EPT walks (one per TLB miss)" },
	{ "ept", "walk_reads", "", "EPT entry reads of those walks" },
	{ "ept", "violations", "", "EPT violations that were not emulated MMIO: blocked" },
	{ "ept", "mmio_exits", "", "accesses to emulated MMIO ranges: an MMIO VM exit each" },
	{ "ept", "translate_cycles", "cycles", "vCPU cycles in TLB lookups and EPT walks" },
	{ "ept", "kills", "", "VMs stopped by the hypervisor after a violation "
	  "(on_violation: kill)" },
	{ "cpu.isolation", "allowed", "", "guest CPU accesses that reached the VM's own memory" },
	{ "cpu.isolation", "blocked", "", "guest CPU accesses stopped by the EPT" },
	{ "cpu.isolation", "violations", "", "guest CPU accesses that reached memory the VM does "
	  "not own (a misconfigured EPT: allow_foreign)" },
};

/* ---------------------------------------------------------------- stats -- */

static int gc_ctrs_register(struct sim *s, struct gc_ctrs *st, const char *vm,
			    struct iov_err *e)
{
	for (unsigned i = 0; i < GC__COUNT; i++) {
		char path[256];
		if (vm)
			snprintf(path, sizeof(path), "%s.vms.%s.%s", gc_ctr_desc[i].area, vm,
				 gc_ctr_desc[i].name);
		else
			snprintf(path, sizeof(path), "%s.%s", gc_ctr_desc[i].area, gc_ctr_desc[i].name);
		if (!(st->c[i] = stats_counter(s->stats, path, gc_ctr_desc[i].unit,
					       gc_ctr_desc[i].desc, e)))
			return -1;
	}
	char path[256];
	snprintf(path, sizeof(path), vm ? "ept.vms.%s.tlb.hit_rate" : "ept.tlb.hit_rate", vm);
	st->hit_rate = stats_value(s->stats, path, "", "EPT TLB hits / lookups (end of run)", e);
	return st->hit_rate ? 0 : -1;
}

/* ept.vms.<vm>.{tables,pages_4k,pages_2m,pages_1g}: what the build made. */
static int gc_build_stats(struct guest_cpu *g, struct iov_err *e)
{
	static const char *const names[4] = { "tables", "pages_4k", "pages_2m", "pages_1g" };
	static const char *const descs[4] = {
		"EPT table frames of this VM (root included)", "4 KiB EPT leaf entries",
		"2 MiB EPT leaf entries (PS)", "1 GiB EPT leaf entries (PS)" };
	const struct pgtable *pt = g->own.ept->pt;
	uint64_t vals[4] = { pt->tables, pt->leaves[0], pt->leaves[1], pt->leaves[2] };
	for (unsigned i = 0; i < 4; i++) {
		char path[256];
		snprintf(path, sizeof(path), "ept.vms.%s.%s", g->own.vm->name, names[i]);
		uint64_t *c = stats_counter(g->c.sim->stats, path, "", descs[i], e);
		if (!c)
			return -1;
		*c = vals[i];
	}
	return 0;
}

/* ------------------------------------------------------------ the build -- */

static bool gc_given(const struct cfg_node *n)
{
	return n && !(n->kind == CFG_SCALAR && !*n->str);
}

/* Report e2 (an error of a call that had no location, kept apart: an iov_err
 * keeps its first message) into e, located at n and prefixed. */
static int gc_relocate(struct iov_err *e, const struct iov_err *e2, const struct cfg_node *n,
		       const char *prefix)
{
	const char *m = strstr(e2->msg, "error: ");
	if (e2->status != IOV_BAD_INPUT)
		return iov_err_set(e, e2->status ? e2->status : IOV_INTERNAL, "%s: %.300s", prefix,
				   m ? m + 7 : e2->msg);
	return cfg_err(e, n, "%s: %.300s", prefix, m ? m + 7 : e2->msg);
}

static const struct cfg_node *gc_at(const struct guest_cpu *g, const char *key)
{
	const struct cfg_node *n = cfg_get(g->node, key);
	return n ? n : g->node;
}

struct gc_extra {
	uint64_t gpa, hpa, size;
	int perms;
};
static const char *const gc_perm_names[] = { "r", "rw", NULL };
#define GX(f) offsetof(struct gc_extra, f)
static const struct param_desc gc_extra_desc[] = {
	{ "gpa", PARAM_SIZE, GX(gpa), NULL, 0, 0, NULL, "guest-physical base" },
	{ "hpa", PARAM_SIZE, GX(hpa), NULL, 0, 0, NULL, "host-physical base" },
	{ "size", PARAM_SIZE, GX(size), NULL, 4096, 0x1p52, NULL, "bytes (4 KiB multiple)" },
	{ "perms", PARAM_ENUM, GX(perms), "rw", 0, 0, gc_perm_names,
	  "r or rw (EPT: write without read is a misconfiguration)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static int gc_list_check(const struct guest_cpu *g, const struct cfg_node *n, const char *key,
			 const char *shape, struct iov_err *e)
{
	if (n->kind == CFG_SEQ)
		return 0;
	return cfg_err(e, n, "%s: %s must be a list of %s", g->c.name, key, shape);
}

static int gc_map_extra(struct guest_cpu *g, uint64_t pgsizes, struct iov_err *e)
{
	const struct cfg_node *l = g->p.extra;
	if (!gc_given(l))
		return 0;
	if (gc_list_check(g, l, "extra", "{gpa, hpa, size, perms}", e))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct gc_extra x;
		memset(&x, 0, sizeof(x));
		if (cfg_load_params(l->items[i], gc_extra_desc, NULL, &x, "an extra EPT mapping", e))
			return -1;
		if (!ept_hpa_owned(g->own.vm, x.hpa, x.size) && !g->p.allow_foreign) {
			int o = iso_vm_of_addr(g->c.sim, x.hpa);
			return cfg_err(e, l->items[i], "%s: extra mapping to host-physical [0x%llx, "
				       "+0x%llx) is not memory of VM '%s' (0x%llx is %s%s%s): a "
				       "misconfigured EPT; set allow_foreign: true to model one",
				       g->c.name, (unsigned long long)x.hpa, (unsigned long long)x.size,
				       g->own.vm->name, (unsigned long long)x.hpa,
				       o < 0 ? "owned by no VM" : "memory of VM '",
				       o < 0 ? "" : g->c.sim->iso.vms[o].name, o < 0 ? "" : "'");
		}
		unsigned perms = x.perms ? PGT_PERM_RW : PGT_PERM_R;
		struct iov_err e2 = { 0 };
		if (ept_map(g->own.ept, x.gpa, x.hpa, x.size, perms, pgsizes, &e2)) {
			char what[200];
			snprintf(what, sizeof(what), "%s: extra mapping [0x%llx, +0x%llx)", g->c.name,
				 (unsigned long long)x.gpa, (unsigned long long)x.size);
			return gc_relocate(e, &e2, l->items[i], what);
		}
	}
	return 0;
}

struct gc_mmio {
	uint64_t gpa, size;
};
static const struct param_desc gc_mmio_desc[] = {
	{ "gpa", PARAM_SIZE, offsetof(struct gc_mmio, gpa), NULL, 0, 0, NULL, "guest-physical base" },
	{ "size", PARAM_SIZE, offsetof(struct gc_mmio, size), NULL, 1, 0x1p52, NULL, "bytes" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static int gc_add_mmio(struct guest_cpu *g, struct iov_err *e)
{
	const struct cfg_node *l = g->p.mmio;
	if (!gc_given(l))
		return 0;
	if (gc_list_check(g, l, "mmio", "{gpa, size}", e))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct gc_mmio m = { 0, 0 };
		if (cfg_load_params(l->items[i], gc_mmio_desc, NULL, &m, "an MMIO range", e))
			return -1;
		struct iov_err e2 = { 0 };
		if (ept_add_mmio(g->own.ept, m.gpa, m.size, &e2)) {
			char what[200];
			snprintf(what, sizeof(what), "%s: VM '%s'", g->c.name, g->own.vm->name);
			return gc_relocate(e, &e2, l->items[i], what);
		}
	}
	return 0;
}

/* The tables' region must not be memory of any VM (a guest could rewrite its EPT). */
static int gc_region_check(struct guest_cpu *g, uint64_t base, uint64_t size, struct iov_err *e)
{
	const struct sim *s = g->c.sim;
	if (base + size < base || base + size > (1ull << PHYSMEM_ADDR_BITS))
		return cfg_err(e, gc_at(g, "table_base"), "%s: EPT table region of VM '%s' "
			       "[0x%llx, +0x%llx) is beyond 2^52", g->c.name, g->own.vm->name,
			       (unsigned long long)base, (unsigned long long)size);
	for (size_t v = 0; v < s->iso.nvms; v++)
		for (size_t r = 0; r < s->iso.vms[v].nranges; r++) {
			const struct sim_vm_range *m = &s->iso.vms[v].ranges[r];
			if (base < m->base + m->size && m->base < base + size)
				return cfg_err(e, gc_at(g, "table_base"), "%s: EPT table region of VM "
					       "'%s' [0x%llx, +0x%llx) overlaps memory of VM '%s': a "
					       "guest could rewrite its EPT", g->c.name, g->own.vm->name,
					       (unsigned long long)base, (unsigned long long)size,
					       s->iso.vms[v].name);
		}
	return 0;
}

/* The VM's owner builds its EPT: memory ranges, extra mappings, then MMIO holes. */
static int gc_build(struct guest_cpu *g, struct iov_err *e)
{
	uint64_t base = g->p.table_base + (uint64_t)g->own.index * g->p.table_size;
	uint64_t pgsizes = g->p.superpages ? PGT_PGSIZES_ALL : PGT_PGSIZES_4K;
	if (gc_region_check(g, base, g->p.table_size, e))
		return -1;
	struct iov_err e2 = { 0 };
	if (!(g->own.ept = ept_create((unsigned)g->p.levels, base, g->p.table_size, &e2)) ||
	    ept_map_vm(g->own.ept, g->own.vm, pgsizes, &e2))
		return gc_relocate(e, &e2, gc_at(g, "table_size"), g->c.name);
	if (gc_map_extra(g, pgsizes, e) || gc_add_mmio(g, e) ||
	    gc_ctrs_register(g->c.sim, &g->own.st, g->own.vm->name, e))
		return -1;
	return gc_build_stats(g, e);
}

/* ------------------------------------------------------------- elaborate -- */

static struct guest_cpu *gc_first(struct sim *s, const char *vm)
{
	for (size_t i = 0; i < s->ncomps; i++)
		if (s->comps[i]->model == &model_guest_cpu) {
			struct guest_cpu *g = container_of(s->comps[i], struct guest_cpu, c);
			if (!vm || !strcmp(g->p.vm, vm))
				return g;
		}
	return NULL;
}

static int gc_find_host(struct guest_cpu *g, struct iov_err *e)
{
	struct sim *s = g->c.sim;
	if (!(g->h = host_find(s, g->p.host[0] ? g->p.host : NULL)))
		return cfg_err(e, g->p.host[0] ? gc_at(g, "host") : g->node, "%s: guest_cpu needs a "
			       "host component%s%s (it takes the MMIO exits and EPT violations)",
			       g->c.name, g->p.host[0] ? " named " : "", g->p.host);
	if (host_ready(g->h, e))
		return -1;
	unsigned n = g->h->vms[g->vm->index].nvcpus;
	if (g->p.vcpu >= n)
		return cfg_err(e, gc_at(g, "vcpu"), "%s: vcpu %llu: VM '%s' has %u vCPU%s (host "
			       "'%s' vcpus)", g->c.name, (unsigned long long)g->p.vcpu,
			       g->vm->vm->name, n, n == 1 ? "" : "s", g->h->c.name);
	return 0;
}

int guest_cpu_ready(struct guest_cpu *g, struct iov_err *e)
{
	if (g->ready)
		return 0;
	g->ready = true;
	struct sim *s = g->c.sim;
	g->leader = gc_first(s, NULL);
	if (g->leader == g ? gc_ctrs_register(s, &g->tot, NULL, e) : guest_cpu_ready(g->leader, e))
		return -1;
	g->tot = g->leader->tot;
	int v = iso_vm_index(s, g->p.vm);
	if (v < 0)
		return cfg_err(e, gc_at(g, "vm"), "%s: vm '%s' is not a VM of the scenario's vms:",
			       g->c.name, g->p.vm);
	struct guest_cpu *owner = gc_first(s, g->p.vm);
	if (owner == g) {
		g->own.index = v;
		g->own.vm = &s->iso.vms[v];
		if (gc_build(g, e))
			return -1;
	} else {
		if (gc_given(g->p.mmio) || gc_given(g->p.extra))
			return cfg_err(e, gc_given(g->p.mmio) ? g->p.mmio : g->p.extra, "%s: VM '%s''s "
				       "EPT is built by guest_cpu '%s' (its first): give mmio/extra "
				       "there", g->c.name, g->p.vm, owner->c.name);
		if (guest_cpu_ready(owner, e))
			return -1;
	}
	g->vm = &owner->own;
	return gc_find_host(g, e);
}
