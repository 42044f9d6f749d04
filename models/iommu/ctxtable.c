/* ctxtable.c - VT-d legacy root/context tables, fault reasons and the pure translation (see ctxtable.h)
 *
 * Not modelled: see ctxtable.h (256-bit scalable-mode entries; PASID tables are
 * pasid.c, first-stage and nested walks fltable.c / nested.c; reserved-field
 * faults, ATS, interrupt remapping, timing).
 */
#include "ctxtable.h"

#include <stdlib.h>
#include <string.h>

typedef unsigned long long ull;

/* ------------------------------------------------------------ entries -- */

void ctx_entry_encode(const struct ctx_entry *ce, uint64_t *lo, uint64_t *hi)
{
	*lo = (ce->present ? CTX_LO_P : 0) | (ce->fpd ? CTX_LO_FPD : 0) |
	      (((uint64_t)ce->tt << CTX_LO_TT_SHIFT) & CTX_LO_TT_MASK) |
	      (ce->slptptr & CTX_LO_SLPTPTR);
	*hi = ((uint64_t)ce->aw & CTX_HI_AW_MASK) | ((uint64_t)ce->did << CTX_HI_DID_SHIFT);
	if (ce->tt == CTX_TT_SCALABLE) {
		*lo |= ((uint64_t)ce->pdts << CTX_LO_PDTS_SHIFT) & CTX_LO_PDTS_MASK;
		*hi = ce->rid_pasid & CTX_HI_RID_PASID_MASK;
	}
}

void ctx_entry_decode(uint64_t lo, uint64_t hi, struct ctx_entry *ce)
{
	ce->present = lo & CTX_LO_P;
	ce->fpd = lo & CTX_LO_FPD;
	ce->tt = (unsigned)((lo & CTX_LO_TT_MASK) >> CTX_LO_TT_SHIFT);
	ce->slptptr = lo & CTX_LO_SLPTPTR;
	ce->aw = (unsigned)(hi & CTX_HI_AW_MASK);
	ce->did = (uint16_t)((hi & CTX_HI_DID_MASK) >> CTX_HI_DID_SHIFT);
	ce->pdts = 0;
	ce->rid_pasid = 0;
	if (ce->tt == CTX_TT_SCALABLE) {
		ce->pdts = (unsigned)((lo & CTX_LO_PDTS_MASK) >> CTX_LO_PDTS_SHIFT);
		ce->rid_pasid = (uint32_t)(hi & CTX_HI_RID_PASID_MASK);
		ce->aw = 0;
		ce->did = 0;
	}
}

unsigned ctx_aw_levels(unsigned aw)
{
	return aw >= 1 && aw <= 3 ? aw + 2 : 0;
}

unsigned ctx_levels_aw(unsigned levels)
{
	return levels >= PGT_LEVELS_MIN && levels <= PGT_LEVELS_MAX ? levels - 2 : 0;
}

/* ------------------------------------------------------ fault reasons -- */

static const struct {
	const char *name, *desc;
	bool qualified;
} dmar_faults[DMAR_FAULT_CODES] = {
	[DMAR_OK] = { "none", "no fault", false },
	[DMAR_FAULT_ROOT_NOT_PRESENT] = { "root_not_present", "root entry not present", false },
	[DMAR_FAULT_CTX_NOT_PRESENT] = { "ctx_not_present", "context entry not present", true },
	[DMAR_FAULT_CTX_INVALID] = { "ctx_invalid", "invalid context-entry programming", true },
	[DMAR_FAULT_ADDR_WIDTH] = { "addr_width", "address above the domain's width", true },
	[DMAR_FAULT_NO_WRITE] = { "no_write", "write without write permission", true },
	[DMAR_FAULT_NO_READ] = { "no_read", "read without read permission", true },
	[DMAR_FAULT_PTE_READ] = { "pte_read", "error reading a paging entry", true },
	[DMAR_FAULT_ROOT_READ] = { "root_read", "error reading the root entry", false },
	[DMAR_FAULT_CTX_READ] = { "ctx_read", "error reading the context entry", false },
	/* scalable mode: all qualified (a context entry has been read) */
	[DMAR_FAULT_SM_PASID_MAX] = { "pasid_above_max", "PASID above the PASID directory's "
				      "size", true },
	[DMAR_FAULT_SM_PDE_READ] = { "pasid_dir_read", "error reading the PASID directory entry",
				     true },
	[DMAR_FAULT_SM_PDE_NOT_PRESENT] = { "pasid_dir_not_present", "PASID directory entry "
					    "not present", true },
	[DMAR_FAULT_SM_PE_READ] = { "pasid_entry_read", "error reading the PASID table entry",
				    true },
	[DMAR_FAULT_SM_PE_NOT_PRESENT] = { "pasid_not_present", "PASID table entry not present",
					   true },
	[DMAR_FAULT_SM_PE_INVALID] = { "pasid_invalid", "invalid PASID table entry (PGTT, AW "
				       "or FLPM not supported)", true },
};

static bool dmar_fault_known(enum dmar_fault f)
{
	return (unsigned)f < DMAR_FAULT_CODES && dmar_faults[f].name;
}

const char *dmar_fault_name(enum dmar_fault f)
{
	return dmar_fault_known(f) ? dmar_faults[f].name : "unknown";
}

const char *dmar_fault_desc(enum dmar_fault f)
{
	return dmar_fault_known(f) ? dmar_faults[f].desc : "unknown fault reason";
}

bool dmar_fault_qualified(enum dmar_fault f)
{
	return dmar_fault_known(f) && dmar_faults[f].qualified;
}

/* --------------------------------------------------- software tables -- */

struct ctxtable *ctxtable_create(struct physmem *pm, struct iov_err *e)
{
	struct ctxtable *ct = calloc(1, sizeof(*ct));
	if (!ct) {
		iov_err_set(e, IOV_INTERNAL, "ctxtable: out of host memory");
		return NULL;
	}
	if (physmem_alloc_frame(pm, &ct->rtaddr, e)) {
		free(ct);
		return NULL;
	}
	ct->pm = pm;
	return ct;
}

void ctxtable_destroy(struct ctxtable *ct)
{
	if (!ct)
		return;
	for (unsigned bus = 0; bus < CTX_ENTRIES; bus++)
		if (ct->ctp[bus])
			physmem_free_frame(ct->pm, ct->ctp[bus], NULL);
	physmem_free_frame(ct->pm, ct->rtaddr, NULL);
	free(ct);
}

/* The bus's context table, allocated and made present in the root table on first use. */
static int ctx_table_for(struct ctxtable *ct, unsigned bus, uint64_t *ctp, struct iov_err *e)
{
	if (!ct->ctp[bus]) {
		uint64_t t;
		if (physmem_alloc_frame(ct->pm, &t, e))
			return -1;
		if (physmem_write64(ct->pm, ct->rtaddr + CTX_ENTRY_SIZE * bus + 8, 0, e) ||
		    physmem_write64(ct->pm, ct->rtaddr + CTX_ENTRY_SIZE * bus, t | CTX_ROOT_P, e)) {
			physmem_free_frame(ct->pm, t, NULL);
			return -1;
		}
		ct->ctp[bus] = t;
		ct->ctx_tables++;
	}
	*ctp = ct->ctp[bus];
	return 0;
}

/* Present bit of rid's context entry as software last wrote it. */
static bool ctx_was_present(const struct ctxtable *ct, uint16_t rid)
{
	uint64_t lo = 0, ctp = ct->ctp[rid >> 8];
	return ctp && !physmem_read64(ct->pm, ctp + CTX_ENTRY_SIZE * (rid & 0xff), &lo) &&
	       (lo & CTX_LO_P);
}

int ctxtable_set_entry(struct ctxtable *ct, uint16_t rid, const struct ctx_entry *ce,
		       struct iov_err *e)
{
	uint64_t ctp, lo, hi;
	if (ctx_table_for(ct, rid >> 8, &ctp, e))
		return -1;
	bool was = ctx_was_present(ct, rid);
	ctx_entry_encode(ce, &lo, &hi);
	/* hi first, then lo with P: the entry becomes present last. */
	uint64_t ea = ctp + CTX_ENTRY_SIZE * (rid & 0xff);
	if (physmem_write64(ct->pm, ea + 8, hi, e) || physmem_write64(ct->pm, ea, lo, e))
		return -1;
	if (ce->present && !was)
		ct->present++;
	else if (!ce->present && was)
		ct->present--;
	return 0;
}

int ctxtable_set(struct ctxtable *ct, uint16_t rid, uint16_t did, const struct pgtable *pt,
		 unsigned flags, struct iov_err *e)
{
	unsigned rf = rid >> 8, rd = (rid >> 3) & 0x1f, rfn = rid & 7;
	if (flags & ~(CTX_F_FPD | CTX_F_PASS_THROUGH | CTX_F_DEV_TLB) ||
	    (flags & CTX_F_PASS_THROUGH && flags & CTX_F_DEV_TLB))
		return iov_err_set(e, IOV_BAD_INPUT, "ctxtable: %02x:%02x.%u: bad flags 0x%x",
				   rf, rd, rfn, flags);
	if (!pt && !(flags & CTX_F_PASS_THROUGH))
		return iov_err_set(e, IOV_BAD_INPUT,
				   "ctxtable: %02x:%02x.%u: no page table and not pass-through",
				   rf, rd, rfn);
	if (pt && pt->pm != ct->pm)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "ctxtable: %02x:%02x.%u: page table lives in another memory",
				   rf, rd, rfn);
	struct ctx_entry ce = {
		.present = true,
		.fpd = flags & CTX_F_FPD,
		.tt = flags & CTX_F_PASS_THROUGH ? CTX_TT_PASS_THROUGH :
		      flags & CTX_F_DEV_TLB ? CTX_TT_DEV_TLB : CTX_TT_UNTRANSLATED,
		.aw = pt ? ctx_levels_aw(pt->levels) : ctx_levels_aw(4),
		.did = did,
		.slptptr = pt ? pt->root : 0,
	};
	return ctxtable_set_entry(ct, rid, &ce, e);
}

bool ctxtable_clear(struct ctxtable *ct, uint16_t rid)
{
	uint64_t ctp = ct->ctp[rid >> 8];
	if (!ctp)
		return false;
	bool was = ctx_was_present(ct, rid);
	uint64_t ea = ctp + CTX_ENTRY_SIZE * (rid & 0xff);
	physmem_write64(ct->pm, ea, 0, NULL);
	physmem_write64(ct->pm, ea + 8, 0, NULL);
	if (was)
		ct->present--;
	return was;
}

/* ------------------------------------------------------ hardware side -- */

/* Read a 16-byte entry into the next trace slot. Returns false on a read error. */
static bool dmar_read16(const struct physmem *pm, struct dmar_xlate *x, uint64_t pa,
			enum dmar_read_kind kind)
{
	struct dmar_read *r = &x->reads[x->nreads++];
	r->pa = pa;
	r->kind = (uint8_t)kind;
	r->size = 16;
	r->level = 0;
	r->val[2] = 0;
	r->ok = !physmem_read64(pm, pa, &r->val[0]) && !physmem_read64(pm, pa + 8, &r->val[1]);
	if (!r->ok)
		r->val[0] = r->val[1] = 0;
	return r->ok;
}

enum dmar_fault dmar_done(struct dmar_xlate *x, enum dmar_fault f)
{
	bool fpd = x->nreads >= 2 && x->reads[1].ok && x->ce.fpd;
	x->fault = f;
	x->report = f != DMAR_OK && !(fpd && dmar_fault_qualified(f));
	return f;
}

/* Is the context entry's programming supported by caps? (fault 0x3 otherwise) */
static bool dmar_ctx_valid(const struct ctx_entry *ce, const struct dmar_caps *caps)
{
	switch (ce->tt) {
	case CTX_TT_PASS_THROUGH:
		return caps->pass_through;
	case CTX_TT_DEV_TLB:
		if (!caps->dev_tlb)
			return false;
		break;
	case CTX_TT_UNTRANSLATED:
		break;
	case CTX_TT_SCALABLE:
		/* the model keeps the PASID directory in one 4 KiB frame (pasid.h) */
		return caps->scalable && ce->pdts <= 2;
	default:
		return false;
	}
	return ctx_aw_levels(ce->aw) && (caps->sagaw & (1u << ce->aw));
}

enum dmar_fault dmar_context_lookup(const struct physmem *pm, uint64_t rtaddr,
				    const struct dmar_caps *caps, uint16_t rid,
				    struct dmar_xlate *x)
{
	memset(x, 0, sizeof(*x));
	x->rid = rid;
	x->pasid = UINT32_MAX;
	uint64_t ra = (rtaddr & CTX_ROOT_CTP) + CTX_ENTRY_SIZE * (rid >> 8);
	if (!dmar_read16(pm, x, ra, DMAR_READ_ROOT))
		return dmar_done(x, DMAR_FAULT_ROOT_READ);
	uint64_t root = x->reads[0].val[0];
	if (!(root & CTX_ROOT_P))
		return dmar_done(x, DMAR_FAULT_ROOT_NOT_PRESENT);
	uint64_t ca = (root & CTX_ROOT_CTP) + CTX_ENTRY_SIZE * (rid & 0xff);
	if (!dmar_read16(pm, x, ca, DMAR_READ_CONTEXT))
		return dmar_done(x, DMAR_FAULT_CTX_READ);
	ctx_entry_decode(x->reads[1].val[0], x->reads[1].val[1], &x->ce);
	if (!x->ce.present)
		return dmar_done(x, DMAR_FAULT_CTX_NOT_PRESENT);
	if (!dmar_ctx_valid(&x->ce, caps))
		return dmar_done(x, DMAR_FAULT_CTX_INVALID);
	if (x->ce.tt == CTX_TT_SCALABLE)
		x->scalable = true;
	else if (x->ce.tt != CTX_TT_PASS_THROUGH)
		x->levels = ctx_aw_levels(x->ce.aw);
	x->ctx_ok = true;
	return dmar_done(x, DMAR_OK);
}

/* Append the page walk's reads to x's trace. */
static void dmar_copy_walk(struct dmar_xlate *x, const struct pgt_walk *w)
{
	for (unsigned i = 0; i < w->nsteps; i++) {
		struct dmar_read *r = &x->reads[x->nreads++];
		r->pa = w->steps[i].entry_pa;
		r->val[0] = w->steps[i].entry;
		r->val[1] = r->val[2] = 0;
		r->kind = DMAR_READ_PAGING;
		r->size = 8;
		r->level = w->steps[i].level;
		r->ok = w->steps[i].read_ok;
	}
}

enum dmar_fault dmar_translate(const struct physmem *pm, uint64_t rtaddr,
			       const struct dmar_caps *caps, uint16_t rid, uint64_t iova,
			       bool is_write, struct dmar_xlate *x)
{
	if (dmar_context_lookup(pm, rtaddr, caps, rid, x) != DMAR_OK) {
		x->iova = iova;
		x->is_write = is_write;
		return x->fault;
	}
	if (x->scalable) {
		/* needs a PASID entry: dmar_translate_pasid (pasid.h) */
		x->iova = iova;
		x->is_write = is_write;
		return dmar_done(x, DMAR_FAULT_CTX_INVALID);
	}
	return dmar_translate_ctx(pm, caps, iova, is_write, DMAR_FAULT_CTX_INVALID, x);
}

enum dmar_fault dmar_translate_ctx(const struct physmem *pm, const struct dmar_caps *caps,
				   uint64_t iova, bool is_write, enum dmar_fault first_read_fault,
				   struct dmar_xlate *x)
{
	x->iova = iova;
	x->is_write = is_write;
	if (x->ce.tt == CTX_TT_PASS_THROUGH) {
		x->pass_through = true;
		x->pa = iova;
		x->page_size = PGT_SIZE_4K;
		x->perms = PGT_PERM_RW;
		return dmar_done(x, DMAR_OK);
	}
	unsigned width = pgtable_width(x->levels);
	if (caps->mgaw < width)
		width = caps->mgaw;
	if (width < 64 && (iova >> width))
		return dmar_done(x, DMAR_FAULT_ADDR_WIDTH);

	struct pgt_walk w;
	pgtable_walk(pm, x->ce.slptptr, x->levels, iova, &w);
	dmar_copy_walk(x, &w);
	enum dmar_fault deny = is_write ? DMAR_FAULT_NO_WRITE : DMAR_FAULT_NO_READ;
	switch (w.status) {
	case PGT_WALK_OK:
		break;
	case PGT_WALK_NOT_PRESENT:
		return dmar_done(x, deny);
	case PGT_WALK_READ_ERROR:
		return dmar_done(x, w.nsteps == 1 ? first_read_fault : DMAR_FAULT_PTE_READ);
	case PGT_WALK_BEYOND_WIDTH:
		return dmar_done(x, DMAR_FAULT_ADDR_WIDTH);
	case PGT_WALK_BAD_LEVELS:
	default:
		return dmar_done(x, DMAR_FAULT_CTX_INVALID);
	}
	if (!(w.perms & (is_write ? PGT_PERM_W : PGT_PERM_R)))
		return dmar_done(x, deny);
	x->pa = w.pa;
	x->page_size = w.page_size;
	x->perms = w.perms;
	return dmar_done(x, DMAR_OK);
}
