/* iommu_pasid.c - PASIDs in the iommu component: the 'pasids' list, scalable-mode contexts, PASID tables, unmap and revoke
 *
 * A device named in 'pasids' gets a scalable-mode context entry, a PASID
 * directory and PASID tables (models/iommu/pasid.h, in the IOMMU's table
 * region). Each listed PASID's entry has the VM's domain id and one of:
 *   second        the VM's second stage (IOVA = GPA -> HPA), what requests
 *                 without PASID get on a legacy context;
 *   nested        a first stage of its own (IOVA -> GPA, x86 format, the
 *                 'map' list), in the guest's table area like a nested VM's,
 *                 over the VM's second stage;
 *   first         a first stage alone (IOVA -> HPA): the hypervisor builds it
 *                 in host memory from the 'map' list, turning each GPA into
 *                 the HPA the VM's memory ranges give (a shadow of the
 *                 guest's view);
 *   pass_through  IOVA = HPA.
 * Requests without PASID use RID_PASID = 0: its entry is 'second' unless
 * the list gives PASID 0. PASIDs not listed have no entry (fault 0x59, or
 * 0x51 when their 64-PASID table does not exist); PASIDs at or above the
 * directory's size (the smallest PDTS covering the largest listed PASID)
 * fault 0x46.
 *
 * During the run the IOMMU's events can unmap part of a PASID's first stage
 * or revoke a PASID (clear its entry); either is followed by PASID-selective
 * invalidation through the queue (PASID cache for a revoke, then the
 * PASID-based IOTLB descriptor, then a wait): until it completes, the old
 * translation stays usable from the caches.
 *
 * First-stage table frames an unmap detaches are held until its flush has
 * completed (a walk cache may still point at them), then given back.
 *
 * Not modelled: PASIDs of host-owned devices, the stale-window histogram for
 * PASID unmaps.
 */
#include <stdlib.h>
#include <string.h>

#include "models/iommu/iommu_impl.h"

static const char *const pasid_modes[] = { "first", "second", "nested", "pass_through", NULL };
static const char *const map_perms[] = { "r", "rw", NULL };

struct pasid_load {
	const char *device;
	uint64_t pasid;
	int mode;                       /* pasid_modes index: PGTT - 1 */
	const struct cfg_node *map;
};

#define PL(f) offsetof(struct pasid_load, f)
static const struct param_desc pasid_desc[] = {
	{ "device", PARAM_STRING, PL(device), NULL, 0, 0, NULL, "the function (in a VM)" },
	{ "pasid", PARAM_U64, PL(pasid), NULL, 0, 32767, NULL,
	  "PASID (the model's directory covers PASIDs below 32768)" },
	{ "mode", PARAM_ENUM, PL(mode), "second", 0, 0, pasid_modes,
	  "translation: second, first, nested or pass_through" },
	{ "map", PARAM_NODE, PL(map), "", 0, 0, NULL,
	  "first / nested: the first stage's mappings [{iova, gpa, size, perms: r|rw}]" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct map_load {
	uint64_t iova, gpa, size;
	int perms;
};

#define ML(f) offsetof(struct map_load, f)
static const struct param_desc map_desc[] = {
	{ "iova", PARAM_SIZE, ML(iova), NULL, 0, 0, NULL, "first IOVA (4 KiB aligned)" },
	{ "gpa", PARAM_SIZE, ML(gpa), NULL, 0, 0, NULL, "guest-physical address it maps to" },
	{ "size", PARAM_SIZE, ML(size), NULL, 4096, 0x1p57, NULL, "bytes (4 KiB multiple)" },
	{ "perms", PARAM_ENUM, ML(perms), "rw", 0, 0, map_perms, "r or rw (x86 paging has no "
	  "write-only page)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* A first-stage unmap waiting for its flush: the table frames it detached. */
struct pasid_unmap {
	struct iommu *m;
	struct iommu_pasid *p;
	struct pgt_gather g;
	struct pasid_unmap *next;
};

static void unmap_release(struct pasid_unmap *u)
{
	pgtable_gather_release(u->p->fl->gmem, &u->g);
	free(u);
}

static const struct pcie_fn *fn_named(const struct iommu *m, const char *name)
{
	const struct pcie_topo *t = pcie_topo_of(m->c.sim);
	for (unsigned k = 0; t && k < t->nfns; k++)
		if (t->fns[k]->kind == PCIE_FN_ENDPOINT && !strcmp(t->fns[k]->name, name))
			return t->fns[k];
	return NULL;
}

int iommu_guest_tables(struct iommu *m, size_t v, struct iov_err *e)
{
	if (m->gmem[v])
		return 0;
	const struct sim_vm *vm = &m->c.sim->iso.vms[v];
	uint64_t area = m->p.nested_table_area;
	if (!vm->nranges || vm->ranges[0].size < 2 * area)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: VM '%s' needs a first memory range of at "
				   "least twice nested_table_area (%llu bytes) for its first-stage "
				   "tables", m->c.name, vm->name, (unsigned long long)area);
	const struct sim_vm_range *rg = &vm->ranges[0];
	uint64_t gpa = rg->gpa + rg->size - area;
	if (!(m->gmem[v] = physmem_create(gpa, area, e)))
		return -1;
	if (vm->dma_map == SIM_VM_DMA_FULL)
		return 0;
	/* registered: the hardware must still read the guest's tables through the
	 * second stage, so the hypervisor maps that area (read only) */
	if (pgtable_map(m->domains[v], gpa, rg->base + rg->size - area, area, PGT_PERM_R,
			PGT_PGSIZES_ALL, e)) {
		char msg[sizeof(e->msg)];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		return iov_err_set(e, IOV_BAD_INPUT, "%s: VM '%s': mapping its first-stage table "
				   "area: %.200s", m->c.name, vm->name, msg);
	}
	return 0;
}

/* The identity map first-stage-only tables are built through (pasid.h: their GPA is their HPA). */
static int idmap_get(struct iommu *m, struct iov_err *e)
{
	if (m->idmap)
		return 0;
	if (!(m->idmap = pgtable_create(m->pm, 4, e)))
		return -1;
	return pgtable_map(m->idmap, m->p.table_base, m->p.table_base, m->p.table_size,
			   PGT_PERM_RW, PGT_PGSIZES_ALL, e);
}

/* The first stage of p (first or nested) with the mappings of 'map'. */
static int pasid_first_stage(struct iommu *m, struct iommu_pasid *p, const struct cfg_node *map,
			     struct iov_err *e)
{
	const struct sim_vm *vm = &m->c.sim->iso.vms[p->vm];
	unsigned levels = m->p.levels < 4 ? 4 : (unsigned)m->p.levels;
	bool first = p->mode == PASID_PGTT_FIRST;
	if (first ? idmap_get(m, e) : iommu_guest_tables(m, p->vm, e))
		return -1;
	if (!(p->fl = first ? fltable_create(m->pm, m->idmap, levels, e)
			    : fltable_create(m->gmem[p->vm], m->domains[p->vm], levels, e)))
		return -1;
	m->vm_fs_pasid[p->vm] = true;
	if (!map || (map->kind == CFG_SCALAR && !*map->str))
		return 0;
	if (map->kind != CFG_SEQ)
		return cfg_err(e, map, "%s: map: a list of {iova, gpa, size, perms}", m->c.name);
	uint64_t sizes = m->p.superpages ? PGT_PGSIZES_ALL : PGT_PGSIZES_4K;
	for (size_t i = 0; i < map->n; i++) {
		struct map_load ml;
		if (cfg_load_params(map->items[i], map_desc, NULL, &ml, "PASID mapping", e))
			return -1;
		uint64_t out = ml.gpa;
		if (iso_gpa_to_hpa(vm, ml.gpa, ml.size, &out))
			return cfg_err(e, map->items[i], "%s: [0x%llx, +0x%llx) is not inside one "
				       "memory range of VM '%s'", m->c.name,
				       (unsigned long long)ml.gpa, (unsigned long long)ml.size,
				       vm->name);
		unsigned perms = FL_PERM_R | (ml.perms ? FL_PERM_W : 0);
		if (fltable_map(p->fl, ml.iova, first ? out : ml.gpa, ml.size, perms, sizes, e)) {
			char msg[sizeof(e->msg)];
			snprintf(msg, sizeof(msg), "%s", e->msg);
			return cfg_err(e, map->items[i], "%s: PASID %u of %s: %.200s", m->c.name,
				       p->pasid, p->device, msg);
		}
	}
	return 0;
}

/* The PASID entry of p. */
static struct pasid_entry pasid_entry_of(const struct iommu *m, const struct iommu_pasid *p)
{
	struct pasid_entry pe = { .present = true, .pgtt = (unsigned)p->mode,
				  .did = (uint16_t)(p->vm + 1) };
	if (p->mode == PASID_PGTT_SECOND || p->mode == PASID_PGTT_NESTED) {
		pe.aw = ctx_levels_aw(m->domains[p->vm]->levels);
		pe.slptptr = m->domains[p->vm]->root;
	}
	if (p->fl) {
		pe.flptptr = p->fl->root_gpa;
		pe.flpm = p->fl->levels == 5;
	}
	return pe;
}

/* Load item i of the list into m->pasids[i]. */
static int pasid_load_one(struct iommu *m, const struct cfg_node *it, struct iommu_pasid *p,
			  struct iov_err *e)
{
	struct pasid_load pl;
	char what[160];
	snprintf(what, sizeof(what), "%s pasid", m->c.name);
	if (cfg_load_params(it, pasid_desc, NULL, &pl, what, e))
		return -1;
	const struct pcie_fn *f = fn_named(m, pl.device);
	if (!f)
		return cfg_err(e, cfg_get(it, "device"), "%s: pasids: '%s' is not a device function "
			       "of the scenario", m->c.name, pl.device);
	if (f->vm < 0)
		return cfg_err(e, cfg_get(it, "device"), "%s: pasids: '%s' is in no VM (PASIDs of "
			       "host devices are not modelled)", m->c.name, pl.device);
	*p = (struct iommu_pasid){ .rid = f->rid, .pasid = (uint32_t)pl.pasid,
				   .mode = pl.mode + 1, .vm = (unsigned)f->vm, .device = f->name,
				   .node = it };
	for (struct iommu_pasid *q = m->pasids; q < p; q++)
		if (q->rid == p->rid && q->pasid == p->pasid)
			return cfg_err(e, it, "%s: PASID %u of %s is given twice", m->c.name,
				       p->pasid, p->device);
	bool fs = p->mode == PASID_PGTT_FIRST || p->mode == PASID_PGTT_NESTED;
	const struct cfg_node *map = pl.map;
	bool has_map = map && !(map->kind == CFG_SCALAR && !*map->str);
	if (!fs && has_map)
		return cfg_err(e, map, "%s: map is for first and nested PASIDs (a %s PASID "
			       "translates through the VM's domain)", m->c.name,
			       pasid_modes[pl.mode]);
	return fs ? pasid_first_stage(m, p, map, e) : 0;
}

/* The directory of device rid, with every listed PASID and the default RID_PASID entry. */
static int pasid_build_dir(struct iommu *m, uint16_t rid, unsigned vm, struct iov_err *e)
{
	uint32_t maxp = 0;
	bool has0 = false;
	for (size_t i = 0; i < m->npasids; i++)
		if (m->pasids[i].rid == rid) {
			maxp = m->pasids[i].pasid > maxp ? m->pasids[i].pasid : maxp;
			has0 |= m->pasids[i].pasid == 0;
		}
	unsigned pdts = 0;
	while (pasid_limit(pdts) <= maxp)
		pdts++;
	struct pasid_dir *d = pasid_dir_create(m->pm, pdts, e);
	if (!d)
		return -1;
	m->pdirs[m->npdirs++] = d;
	for (size_t i = 0; i < m->npasids; i++) {
		struct pasid_entry pe = pasid_entry_of(m, &m->pasids[i]);
		if (m->pasids[i].rid == rid && pasid_set(d, m->pasids[i].pasid, &pe, e))
			return -1;
	}
	if (!has0) {
		struct iommu_pasid dflt = { .rid = rid, .mode = PASID_PGTT_SECOND, .vm = vm };
		struct pasid_entry pe = pasid_entry_of(m, &dflt);
		if (pasid_set(d, 0, &pe, e))
			return -1;
	}
	const struct pcie_topo *t = pcie_topo_of(m->c.sim);
	unsigned fpd = 0;
	for (unsigned k = 0; t && k < t->nfns; k++)
		if (t->fns[k]->rid == rid && iommu_names_has(m->p.fpd, t->fns[k]->name))
			fpd = CTX_F_FPD;
	return pasid_ctx_set(m->ct, rid, d, 0, fpd, e);
}

int iommu_pasids_build(struct iommu *m, struct iov_err *e)
{
	const struct cfg_node *l = m->p.pasids;
	if (!l || (l->kind == CFG_SCALAR && !*l->str))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "%s: pasids: a list of {device, pasid, mode, map}", m->c.name);
	if (!(m->pasids = calloc(l->n ? l->n : 1, sizeof(*m->pasids))) ||
	    !(m->pdirs = calloc(l->n ? l->n : 1, sizeof(*m->pdirs))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		m->npasids++;           /* owned from now on (its first stage, if any) */
		if (pasid_load_one(m, l->items[i], &m->pasids[i], e))
			return -1;
	}
	for (size_t i = 0; i < m->npasids; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= m->pasids[j].rid == m->pasids[i].rid;
		if (!seen && pasid_build_dir(m, m->pasids[i].rid, m->pasids[i].vm, e))
			return -1;
	}
	return 0;
}

void iommu_pasids_destroy(struct iommu *m)
{
	while (m->pasid_unmaps) {       /* flushes still pending at the end of the run */
		struct pasid_unmap *u = m->pasid_unmaps;
		m->pasid_unmaps = u->next;
		unmap_release(u);
	}
	for (size_t i = 0; i < m->npasids; i++)
		fltable_free(m->pasids[i].fl);
	for (size_t i = 0; i < m->npdirs; i++)
		pasid_dir_destroy(m->pdirs[i]);
	free(m->pasids);
	free(m->pdirs);
	m->pasids = NULL;
	m->pdirs = NULL;
	m->npasids = m->npdirs = 0;
}

struct iommu_pasid *iommu_pasid_find(struct iommu *m, const char *device, uint32_t pasid)
{
	for (size_t i = 0; i < m->npasids; i++)
		if (m->pasids[i].pasid == pasid && !strcmp(m->pasids[i].device, device))
			return &m->pasids[i];
	return NULL;
}

/* The flush is done: the frames go back to the table allocator. */
static void unmap_flushed(void *arg)
{
	struct pasid_unmap *u = arg, **pp = &u->m->pasid_unmaps;
	while (*pp && *pp != u)
		pp = &(*pp)->next;
	if (*pp)
		*pp = u->next;
	unmap_release(u);
}

/* PASID-selective invalidation of p's caches (PASID cache first when 'entry'), then a
 * wait that calls fn(arg). */
static int pasid_flush(struct iommu *m, const struct iommu_pasid *p, bool entry,
		       invq_wait_fn fn, void *arg, struct iov_err *e)
{
	uint16_t did = (uint16_t)(p->vm + 1);
	struct invq_desc pc = { .type = INVQ_PC_PASID, .domain = did, .pasid = p->pasid };
	struct invq_desc tlb = { .type = INVQ_IOTLB_PASID, .domain = did, .pasid = p->pasid };
	struct invq_desc w = invq_wait(fn, arg);
	if (invq_free_slots(m->invq) < 3u)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: invalidation queue full", m->c.name);
	if ((entry && invq_submit(m->invq, &pc, e)) || invq_submit(m->invq, &tlb, e) ||
	    invq_submit(m->invq, &w, e))
		return -1;
	return 0;
}

int iommu_pasid_unmap(struct iommu *m, struct iommu_pasid *p, uint64_t iova, uint64_t size,
		      struct iov_err *e)
{
	if (!p->fl)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: PASID %u of %s has no first stage (unmap "
				   "in the VM's domain instead)", m->c.name, p->pasid, p->device);
	struct pasid_unmap *u = calloc(1, sizeof(*u));
	if (!u)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	*u = (struct pasid_unmap){ .m = m, .p = p };
	pgtable_gather_init(&u->g);
	int64_t n = fltable_unmap(p->fl, iova, size, &u->g, e);
	if (n <= 0 || pasid_flush(m, p, false, unmap_flushed, u, e)) {
		unmap_release(u);
		return n < 0 ? -1 : n ? -1 : 0;
	}
	u->next = m->pasid_unmaps;
	m->pasid_unmaps = u;
	return 0;
}

int iommu_pasid_revoke(struct iommu *m, struct iommu_pasid *p, struct iov_err *e)
{
	for (size_t i = 0; i < m->npdirs; i++) {
		struct pasid_dir *d = m->pdirs[i];
		uint64_t lo = 0, ctp = m->ct->ctp[p->rid >> 8];
		if (!ctp || physmem_read64(m->pm, ctp + CTX_ENTRY_SIZE * (p->rid & 0xff), &lo) ||
		    (lo & CTX_LO_SLPTPTR) != d->dir)
			continue;
		if (!pasid_clear(d, p->pasid))
			return 0;       /* revoked already */
		return pasid_flush(m, p, true, NULL, NULL, e);
	}
	return iov_err_set(e, IOV_INTERNAL, "%s: no PASID directory for %s", m->c.name, p->device);
}
