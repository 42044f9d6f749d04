/* iommu_nested.c - nested two-stage translation in the iommu component
 *
 * A VM listed under the IOMMU's 'nested' owns a first-stage table (guest
 * IOVA -> GPA, x86 paging format, models/iommu/fltable.h) over its domain's
 * second stage (GPA -> HPA). The guest keeps that table in its own memory: its
 * frames are allocated from the last 'nested_table_area' bytes of the VM's
 * first memory range (GPAs; the second stage maps them like the rest), and it
 * maps its memory IOVA = GPA (what a guest driver with a direct map would do;
 * iommu_map edits the second stage only).
 *
 * Timing: the outcome is taken from nested_translate without caches when the
 * request is looked up (like dmar_translate for one stage). A walk asks it
 * again with the caches: the second-stage TLB (GPA -> HPA of the walk's table
 * fetches and of the output) and the first-stage walk cache (IOVA -> GPA of a
 * table); every reference it still makes is replayed as a timed read, so an
 * uncached 4+4-level walk costs 24 reads (FACTS.md). When the walk is done the
 * IOTLB gets the combined translation (page = the smaller of the two stages'),
 * the second-stage TLB the translations walked, the walk cache the tables read.
 */
#include <stdlib.h>
#include <string.h>

#include "models/iommu/iommu_impl.h"

static bool is_vm(const struct iommu *m, const char *name)
{
	return iso_vm_index(m->c.sim, name) >= 0;
}

int iommu_nested_check(const struct iommu *m, struct iov_err *e)
{
	return iommu_names_check(m, m->p.nested, "nested", is_vm, "VM (vms:)", e);
}

/* After VM v's second stage is built: its first stage, if it is nested.
 * The guest maps its memory IOVA = GPA. */
int iommu_nested_build(struct iommu *m, size_t v, struct iov_err *e)
{
	const struct sim_vm *vm = &m->c.sim->iso.vms[v];
	if (!iommu_names_has(m->p.nested, vm->name))
		return 0;
	if (iommu_guest_tables(m, v, e) ||
	    !(m->fl[v] = fltable_create(m->gmem[v], m->domains[v], (unsigned)
					(m->p.levels < 4 ? 4 : m->p.levels), e)))
		return -1;
	uint64_t sizes = m->p.superpages ? PGT_PGSIZES_ALL : PGT_PGSIZES_4K;
	for (size_t k = 0; k < vm->nranges; k++)
		if (fltable_map(m->fl[v], vm->ranges[k].gpa, vm->ranges[k].gpa, vm->ranges[k].size,
				FL_PERM_R | FL_PERM_W, sizes, e))
			return -1;
	return 0;
}

/* The VM index of domain did when it is nested, else -1. */
static int nested_vm(const struct iommu *m, uint16_t did)
{
	size_t v = (size_t)did - 1;
	return did && v < m->ndomains && m->fl && m->fl[v] ? (int)v : -1;
}

bool iommu_nested_domain(const struct iommu *m, uint16_t did)
{
	return nested_vm(m, did) >= 0;
}

/* Copy the nested outcome into the request's one-stage record. */
static void nested_outcome(struct iommu_req *r)
{
	const struct nested_xlate *nx = &r->nx;
	r->x.fault = nx->fault;
	r->x.pa = nx->pa;
	r->x.page_size = nx->page_size;
	r->x.perms = nx->perms;
	r->x.report = nx->fault != DMAR_OK && !r->x.ce.fpd;
}

void iommu_nested_lookup(struct iommu *m, struct iommu_req *r)
{
	int v = nested_vm(m, r->x.ce.did);
	r->ncfg = nested_cfg_of(m->fl[v]);
	r->nested = true;
	nested_translate(m->pm, &r->ncfg, NULL, r->x.iova, r->x.is_write, &r->nx);
	nested_outcome(r);
}

static bool ss_lookup(void *ctx, uint64_t gpa, uint64_t *hpa_page, uint64_t *page_size,
		      unsigned *perms)
{
	struct iommu_req *r = ctx;
	struct iotlb_result res;
	if (!iotlb_lookup(r->m->ss_tlb, r->x.ce.did, IOTLB_NO_PASID, gpa, &res))
		return false;
	*hpa_page = res.page_hpa;
	*page_size = iotlb_page_bytes(res.size);
	*perms = res.perms;
	return true;
}

static bool fs_pwc_lookup(void *ctx, uint64_t iova, unsigned *level, uint64_t *table_gpa,
			  unsigned *perms)
{
	(void)perms;                    /* the walk cache keeps no permissions: all granted */
	struct iommu_req *r = ctx;
	return pwc_lookup_deepest(r->m->fs_pwc, r->x.ce.did, r->x.pasid, iova, level, table_gpa);
}

/* A walk starts: which references the caches leave to read. */
void iommu_nested_walk(struct iommu *m, struct iommu_req *r)
{
	struct nested_caches c = { .ctx = r, .ss_lookup = r->fs_only ? pasid_ss_identity : ss_lookup,
				   .fs_pwc_lookup = fs_pwc_lookup };
	nested_translate(m->pm, &r->ncfg, &c, r->x.iova, r->x.is_write, &r->nx);
	nested_outcome(r);      /* ce.fpd includes the PASID entries' FPD */
	r->next = 0;
	r->end = r->nx.nrefs;
}

static enum iotlb_page_size tlb_size(uint64_t bytes)
{
	return bytes >= (1ull << 30) ? IOTLB_1G : bytes >= (1ull << 21) ? IOTLB_2M : IOTLB_4K;
}

/* The walk is done: the second-stage TLB and first-stage walk cache learn
 * what it read (the caller fills the IOTLB with the combined translation). */
void iommu_nested_fill(struct iommu *m, struct iommu_req *r)
{
	const struct nested_xlate *nx = &r->nx;
	uint16_t did = r->x.ce.did;
	for (unsigned i = 0; i < nx->nss; i++) {
		const struct nested_ss *ss = &nx->ss[i];
		if (!ss->cached && ss->ok)
			iotlb_insert(m->ss_tlb, did, IOTLB_NO_PASID, ss->gpa_page,
				     tlb_size(ss->page_size), ss->hpa_page, ss->perms);
	}
	for (unsigned i = 0; i < nx->nfs; i++) {
		const struct nested_fs *fs = &nx->fs[i];
		if (fs->kind == PGT_ENTRY_TABLE && fs->level >= 2)
			pwc_insert(m->fs_pwc, did, r->x.pasid, nx->iova, fs->level, fs->next_gpa);
	}
}
