/* pasid.c - VT-d scalable-mode PASID directory/tables, the pure PASID translation and the PASID cache (see pasid.h)
 *
 * Not modelled: see pasid.h (256-bit scalable-mode entries, PASIDE = 0,
 * page requests, scalable-mode codes for context and paging faults,
 * reserved-field checks, timing).
 */
#include "pasid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ entries -- */

const char *pasid_pgtt_name(unsigned pgtt)
{
	switch (pgtt) {
	case PASID_PGTT_FIRST: return "first";
	case PASID_PGTT_SECOND: return "second";
	case PASID_PGTT_NESTED: return "nested";
	case PASID_PGTT_PASS_THROUGH: return "pass_through";
	default: return "invalid";
	}
}

void pasid_entry_encode(const struct pasid_entry *pe, uint64_t w[3])
{
	w[0] = (pe->present ? PASID_W0_P : 0) | (pe->fpd ? PASID_W0_FPD : 0) |
	       (((uint64_t)pe->aw << PASID_W0_AW_SHIFT) & PASID_W0_AW_MASK) |
	       (((uint64_t)pe->pgtt << PASID_W0_PGTT_SHIFT) & PASID_W0_PGTT_MASK) |
	       (pe->slptptr & PASID_W0_SLPTPTR);
	w[1] = pe->did & PASID_W1_DID_MASK;
	w[2] = (((uint64_t)pe->flpm << PASID_W2_FLPM_SHIFT) & PASID_W2_FLPM_MASK) |
	       (pe->flptptr & PASID_W2_FLPTPTR);
}

void pasid_entry_decode(const uint64_t w[3], struct pasid_entry *pe)
{
	pe->present = w[0] & PASID_W0_P;
	pe->fpd = w[0] & PASID_W0_FPD;
	pe->aw = (unsigned)((w[0] & PASID_W0_AW_MASK) >> PASID_W0_AW_SHIFT);
	pe->pgtt = (unsigned)((w[0] & PASID_W0_PGTT_MASK) >> PASID_W0_PGTT_SHIFT);
	pe->slptptr = w[0] & PASID_W0_SLPTPTR;
	pe->did = (uint16_t)(w[1] & PASID_W1_DID_MASK);
	pe->flpm = (unsigned)((w[2] & PASID_W2_FLPM_MASK) >> PASID_W2_FLPM_SHIFT);
	pe->flptptr = w[2] & PASID_W2_FLPTPTR;
}

/* ------------------------------------------------------ software side -- */

struct pasid_dir *pasid_dir_create(struct physmem *pm, unsigned pdts, struct iov_err *e)
{
	if (pdts > PASID_PDTS_MAX) {
		iov_err_set(e, IOV_BAD_INPUT, "pasid: PDTS %u above %u (the directory is one frame)",
			    pdts, PASID_PDTS_MAX);
		return NULL;
	}
	struct pasid_dir *d = calloc(1, sizeof(*d));
	if (!d) {
		iov_err_set(e, IOV_INTERNAL, "pasid: out of host memory");
		return NULL;
	}
	if (physmem_alloc_frame(pm, &d->dir, e)) {
		free(d);
		return NULL;
	}
	d->pm = pm;
	d->pdts = pdts;
	return d;
}

void pasid_dir_destroy(struct pasid_dir *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < 512; i++)
		if (d->tables[i])
			physmem_free_frame(d->pm, d->tables[i], NULL);
	physmem_free_frame(d->pm, d->dir, NULL);
	free(d);
}

static bool pasid_was_present(const struct pasid_dir *d, uint32_t pasid)
{
	uint64_t t = d->tables[pasid >> 6], w0 = 0;
	return t && !physmem_read64(d->pm, t + PASID_ENTRY_SIZE * (pasid & 63), &w0) &&
	       (w0 & PASID_W0_P);
}

int pasid_set(struct pasid_dir *d, uint32_t pasid, const struct pasid_entry *pe,
	      struct iov_err *e)
{
	if (pasid >= pasid_limit(d->pdts))
		return iov_err_set(e, IOV_BAD_INPUT, "pasid: PASID %u beyond the directory (%llu)",
				   pasid, (unsigned long long)pasid_limit(d->pdts));
	unsigned di = pasid >> 6;
	if (!d->tables[di]) {
		uint64_t t;
		if (physmem_alloc_frame(d->pm, &t, e))
			return -1;
		if (physmem_write64(d->pm, d->dir + PASID_DIR_ENTRY_SIZE * di, t | PASID_DE_P, e)) {
			physmem_free_frame(d->pm, t, NULL);
			return -1;
		}
		d->tables[di] = t;
	}
	bool was = pasid_was_present(d, pasid);
	uint64_t w[3], ea = d->tables[di] + PASID_ENTRY_SIZE * (pasid & 63);
	pasid_entry_encode(pe, w);
	if (physmem_write64(d->pm, ea + 8, w[1], e) || physmem_write64(d->pm, ea + 16, w[2], e) ||
	    physmem_write64(d->pm, ea, w[0], e))
		return -1;
	if (pe->present && !was)
		d->present++;
	else if (!pe->present && was)
		d->present--;
	return 0;
}

bool pasid_clear(struct pasid_dir *d, uint32_t pasid)
{
	if (pasid >= pasid_limit(d->pdts) || !d->tables[pasid >> 6])
		return false;
	bool was = pasid_was_present(d, pasid);
	uint64_t ea = d->tables[pasid >> 6] + PASID_ENTRY_SIZE * (pasid & 63);
	for (unsigned i = 0; i < 3; i++)
		physmem_write64(d->pm, ea + 8 * i, 0, NULL);
	if (was)
		d->present--;
	return was;
}

int pasid_ctx_set(struct ctxtable *ct, uint16_t rid, const struct pasid_dir *d,
		  uint32_t rid_pasid, unsigned flags, struct iov_err *e)
{
	if (flags & ~CTX_F_FPD)
		return iov_err_set(e, IOV_BAD_INPUT, "pasid: bad context flags 0x%x", flags);
	if (d->pm != ct->pm)
		return iov_err_set(e, IOV_BAD_INPUT, "pasid: directory lives in another memory");
	struct ctx_entry ce = { .present = true, .fpd = flags & CTX_F_FPD, .tt = CTX_TT_SCALABLE,
				.slptptr = d->dir, .pdts = d->pdts,
				.rid_pasid = rid_pasid & CTX_HI_RID_PASID_MASK };
	return ctxtable_set_entry(ct, rid, &ce, e);
}

/* ------------------------------------------------------ hardware side -- */

/* Read an entry of 'size' bytes (8 or 64; words 0..2 kept) into the next trace slot. */
static bool pasid_read(const struct physmem *pm, struct dmar_xlate *x, uint64_t pa,
		       enum dmar_read_kind kind, unsigned size)
{
	struct dmar_read *r = &x->reads[x->nreads++];
	r->pa = pa;
	r->kind = (uint8_t)kind;
	r->size = (uint8_t)size;
	r->level = 0;
	r->val[0] = r->val[1] = r->val[2] = 0;
	r->ok = !physmem_read64(pm, pa, &r->val[0]);
	for (unsigned i = 1; r->ok && size > 8 && i < 3; i++)
		r->ok = !physmem_read64(pm, pa + 8 * i, &r->val[i]);
	if (!r->ok)
		r->val[0] = r->val[1] = r->val[2] = 0;
	return r->ok;
}

/* Is the PASID entry's programming supported? (0x5B otherwise) */
static bool pasid_entry_valid(const struct pasid_entry *pe, const struct dmar_caps *caps)
{
	bool ss = pe->pgtt == PASID_PGTT_SECOND || pe->pgtt == PASID_PGTT_NESTED;
	bool fs = pe->pgtt == PASID_PGTT_FIRST || pe->pgtt == PASID_PGTT_NESTED;
	if (pe->pgtt < PASID_PGTT_FIRST || pe->pgtt > PASID_PGTT_PASS_THROUGH)
		return false;
	if (ss && !(ctx_aw_levels(pe->aw) && (caps->sagaw & (1u << pe->aw))))
		return false;
	return !fs || pe->flpm <= 1;
}

bool pasid_ss_identity(void *ctx, uint64_t gpa, uint64_t *hpa_page, uint64_t *page_size,
		       unsigned *perms)
{
	(void)ctx;
	*page_size = 1ull << 30;
	*hpa_page = gpa & ~(*page_size - 1);
	*perms = PGT_PERM_RW;
	return true;
}

struct nested_cfg pasid_nested_cfg(const struct dmar_xlate *x, unsigned ss_levels)
{
	bool first = x->pgtt == PASID_PGTT_FIRST;
	return (struct nested_cfg){ .fs_root_gpa = x->fs_root, .fs_levels = x->fs_levels,
				    .ss_root = first ? 0 : x->ce.slptptr,
				    .ss_levels = first ? 4 : ss_levels };
}

/* Read the directory and PASID entries of x->pasid; DMAR_OK with x->pasid_ok when usable. */
static enum dmar_fault pasid_fetch(const struct physmem *pm, const struct dmar_caps *caps,
				   struct dmar_xlate *x, struct pasid_entry *pe)
{
	uint32_t p = x->pasid;
	if (p >= pasid_limit(x->ce.pdts))
		return dmar_done(x, DMAR_FAULT_SM_PASID_MAX);
	uint64_t da = x->ce.slptptr + PASID_DIR_ENTRY_SIZE * (p >> 6);
	if (!pasid_read(pm, x, da, DMAR_READ_PASID_DIR, PASID_DIR_ENTRY_SIZE))
		return dmar_done(x, DMAR_FAULT_SM_PDE_READ);
	uint64_t de = x->reads[x->nreads - 1].val[0];
	if (!(de & PASID_DE_P))
		return dmar_done(x, DMAR_FAULT_SM_PDE_NOT_PRESENT);
	x->ce.fpd |= (de & PASID_DE_FPD) != 0;
	uint64_t pa = (de & PASID_DE_PTR) + PASID_ENTRY_SIZE * (p & 63);
	if (!pasid_read(pm, x, pa, DMAR_READ_PASID, PASID_ENTRY_SIZE))
		return dmar_done(x, DMAR_FAULT_SM_PE_READ);
	pasid_entry_decode(x->reads[x->nreads - 1].val, pe);
	if (!pe->present)
		return dmar_done(x, DMAR_FAULT_SM_PE_NOT_PRESENT);
	x->ce.fpd |= pe->fpd;
	if (!pasid_entry_valid(pe, caps))
		return dmar_done(x, DMAR_FAULT_SM_PE_INVALID);
	x->pasid_ok = true;
	x->pgtt = pe->pgtt;
	x->ce.did = pe->did;
	x->ce.slptptr = pe->slptptr;
	x->levels = pe->pgtt == PASID_PGTT_SECOND || pe->pgtt == PASID_PGTT_NESTED ?
		    ctx_aw_levels(pe->aw) : 0;
	x->fs_root = pe->flptptr;
	x->fs_levels = pe->flpm ? 5 : 4;
	return DMAR_OK;
}

enum dmar_fault dmar_translate_pasid(const struct physmem *pm, uint64_t rtaddr,
				     const struct dmar_caps *caps, uint16_t rid, uint32_t pasid,
				     uint64_t iova, bool is_write, struct dmar_xlate *x,
				     struct nested_xlate *nx)
{
	if (dmar_context_lookup(pm, rtaddr, caps, rid, x) != DMAR_OK || !x->scalable) {
		if (x->fault != DMAR_OK) {
			x->iova = iova;
			x->is_write = is_write;
			return x->fault;
		}
		return dmar_translate_ctx(pm, caps, iova, is_write, DMAR_FAULT_CTX_INVALID, x);
	}
	x->iova = iova;
	x->is_write = is_write;
	x->pasid = pasid == PASID_NONE ? x->ce.rid_pasid : pasid;
	struct pasid_entry pe = { 0 };
	if (pasid_fetch(pm, caps, x, &pe) != DMAR_OK)
		return x->fault;
	switch (pe.pgtt) {
	case PASID_PGTT_PASS_THROUGH:
	case PASID_PGTT_SECOND:
		/* a failed read of the top table is a paging-entry read error (the spec's
		 * scalable-mode "invalid second-level page table pointer" is not modelled) */
		x->ce.tt = pe.pgtt == PASID_PGTT_SECOND ? CTX_TT_UNTRANSLATED : CTX_TT_PASS_THROUGH;
		return dmar_translate_ctx(pm, caps, iova, is_write, DMAR_FAULT_PTE_READ, x);
	default:
		break;
	}
	struct nested_xlate local;
	struct nested_xlate *n = nx ? nx : &local;
	struct nested_cfg cfg = pasid_nested_cfg(x, x->levels);
	struct nested_caches c = { .ss_lookup = pasid_ss_identity };
	nested_translate(pm, &cfg, pe.pgtt == PASID_PGTT_FIRST ? &c : NULL, iova, is_write, n);
	x->pa = n->pa;
	x->page_size = n->page_size;
	x->perms = n->perms;
	return dmar_done(x, n->fault);
}

/* ------------------------------------------------------ PASID cache -- */

struct pasid_cache {
	struct sacache *c;
};

struct pasid_cache *pasid_cache_create(const struct sacache_geom *g, uint64_t seed,
				       const char *what, struct iov_err *e)
{
	struct pasid_cache *pc = calloc(1, sizeof(*pc));
	if (!pc) {
		iov_err_set(e, IOV_INTERNAL, "%s: out of memory", what);
		return NULL;
	}
	char w[192];
	snprintf(w, sizeof(w), "%s: pasid cache", what);
	if (!(pc->c = sacache_create(g, 0, seed, w, e))) {
		free(pc);
		return NULL;
	}
	return pc;
}

void pasid_cache_destroy(struct pasid_cache *pc)
{
	if (!pc)
		return;
	sacache_destroy(pc->c);
	free(pc);
}

static uint64_t pc_key(uint16_t rid, uint32_t pasid)
{
	return rid | (uint64_t)pasid << 16;
}

bool pasid_cache_lookup(struct pasid_cache *pc, uint16_t rid, uint32_t pasid, uint16_t *did)
{
	if (pasid >> PASID_BITS)
		return false;
	struct sacache_entry *x = sacache_lookup(pc->c, pc_key(rid, pasid),
						 sacache_index(pc->c, pasid, rid), 0);
	if (x && did)
		*did = (uint16_t)x->value;
	return x != NULL;
}

int pasid_cache_insert(struct pasid_cache *pc, uint16_t rid, uint32_t pasid, uint16_t did)
{
	if (pasid >> PASID_BITS)
		return -1;
	sacache_insert(pc->c, pc_key(rid, pasid), sacache_index(pc->c, pasid, rid), did, 0, NULL);
	return 0;
}

struct pc_match {
	uint16_t did;
	uint32_t pasid;                 /* PASID_NONE: any */
};

static bool pc_matches(const struct sacache_entry *x, void *arg)
{
	const struct pc_match *m = arg;
	return (uint16_t)x->value == m->did &&
	       (m->pasid == PASID_NONE || (uint32_t)(x->key >> 16) == m->pasid);
}

size_t pasid_cache_invalidate_pasid(struct pasid_cache *pc, uint16_t did, uint32_t pasid)
{
	struct pc_match m = { did, pasid };
	return pasid >> PASID_BITS ? 0 : sacache_invalidate_if(pc->c, pc_matches, &m);
}

size_t pasid_cache_invalidate_domain(struct pasid_cache *pc, uint16_t did)
{
	struct pc_match m = { did, PASID_NONE };
	return sacache_invalidate_if(pc->c, pc_matches, &m);
}

size_t pasid_cache_invalidate_global(struct pasid_cache *pc)
{
	return sacache_flush(pc->c);
}

struct sacache *pasid_cache_array(struct pasid_cache *pc)
{
	return pc->c;
}
