/* nested.c - VT-d nested translation: the pure two-dimensional walk (see nested.h)
 *
 * Second-stage walks are pgtable_walk() itself, so the two stages cannot
 * disagree on what a second-stage table means; the first-stage entries are
 * decoded by fltable_decode(). This file only orders the reads, applies the
 * caches and turns outcomes into faults.
 *
 * Not modelled: see nested.h.
 */
#include "nested.h"

#include <string.h>

const char *nested_stage_name(enum nested_stage s)
{
	switch (s) {
	case NESTED_STAGE_FIRST:
		return "first";
	case NESTED_STAGE_SECOND:
		return "second";
	case NESTED_STAGE_NONE:
	default:
		return "none";
	}
}

static enum dmar_fault nested_fail(struct nested_xlate *x, enum dmar_fault f,
				   enum nested_stage stage, unsigned level, bool not_present)
{
	x->fault = f;
	x->stage = stage;
	x->fault_level = level;
	x->not_present = not_present;
	return f;
}

/* A second-stage fault also says which GPA, and for which first-stage level. */
static int nested_ss_fail(struct nested_xlate *x, const struct nested_ss *s, enum dmar_fault f,
			  unsigned level, bool not_present)
{
	nested_fail(x, f, NESTED_STAGE_SECOND, level, not_present);
	x->fault_gpa = s->gpa;
	x->fault_fs_level = s->fs_level;
	return -1;
}

static void nested_add_ref(struct nested_xlate *x, enum nested_ref_kind kind, unsigned level,
			   unsigned idx, uint64_t hpa, uint64_t val, bool ok)
{
	struct nested_ref *r = &x->refs[x->nrefs++];
	r->hpa = hpa;
	r->val = ok ? val : 0;
	r->kind = (uint8_t)kind;
	r->level = (uint8_t)level;
	r->size = 8;
	r->idx = (uint8_t)idx;
	r->ok = ok;
}

/* Walk the second stage for x->ss[i].gpa, appending its reads. 0, or -1 with the fault set. */
static int nested_ss_walk(const struct physmem *pm, const struct nested_cfg *cfg, unsigned i,
			  enum dmar_fault deny, struct nested_xlate *x)
{
	struct nested_ss *s = &x->ss[i];
	struct pgt_walk w;
	pgtable_walk(pm, cfg->ss_root, cfg->ss_levels, s->gpa, &w);
	for (unsigned k = 0; k < w.nsteps; k++)
		nested_add_ref(x, NESTED_REF_SS, w.steps[k].level, i, w.steps[k].entry_pa,
			       w.steps[k].entry, w.steps[k].read_ok);
	s->nreads = (uint8_t)w.nsteps;
	switch (w.status) {
	case PGT_WALK_OK:
		s->ok = true;
		s->page_size = w.page_size;
		s->gpa_page = s->gpa & ~(w.page_size - 1);
		s->hpa_page = w.pa & ~(w.page_size - 1);
		s->perms = w.perms;
		return 0;
	case PGT_WALK_NOT_PRESENT:
		return nested_ss_fail(x, s, deny, w.level, true);
	case PGT_WALK_READ_ERROR:
		return nested_ss_fail(x, s, DMAR_FAULT_PTE_READ, w.level, false);
	case PGT_WALK_BEYOND_WIDTH:
		return nested_ss_fail(x, s, DMAR_FAULT_ADDR_WIDTH, 0, false);
	case PGT_WALK_BAD_LEVELS:
	default:        /* not reached: nested_translate checked the levels */
		return nested_ss_fail(x, s, DMAR_FAULT_CTX_INVALID, 0, false);
	}
}

/*
 * Translate gpa through the second stage (cache, else walk) for an access
 * needing 'need' (PGT_PERM_R or _W); 'deny' is the fault for a missing
 * entry or permission. fs_level: the first-stage level whose entry is at gpa,
 * 0 for the output GPA. Returns 0 with *hpa, or -1 with x's fault set.
 */
static int nested_ss_xlate(const struct physmem *pm, const struct nested_cfg *cfg,
			   const struct nested_caches *c, uint64_t gpa, unsigned fs_level,
			   unsigned need, enum dmar_fault deny, struct nested_xlate *x,
			   uint64_t *hpa)
{
	unsigned i = x->nss++;
	struct nested_ss *s = &x->ss[i];
	s->gpa = gpa;
	s->fs_level = (uint8_t)fs_level;
	if (c && c->ss_lookup &&
	    c->ss_lookup(c->ctx, gpa, &s->hpa_page, &s->page_size, &s->perms)) {
		s->cached = true;
		s->ok = true;
		s->gpa_page = gpa & ~(s->page_size - 1);
	} else if (nested_ss_walk(pm, cfg, i, deny, x)) {
		return -1;
	}
	/* A walk's leaf level is its last read; a cached translation has none. */
	if (!(s->perms & need))
		return nested_ss_fail(x, s, deny, s->cached ? 0 : x->refs[x->nrefs - 1].level, false);
	*hpa = s->hpa_page + (gpa & (s->page_size - 1));
	return 0;
}

/* Where the first-stage walk starts: the root, or below a walk-cache hit. */
static void nested_fs_start(const struct nested_cfg *cfg, const struct nested_caches *c,
			    uint64_t iova, struct nested_xlate *x, unsigned *level, uint64_t *table,
			    unsigned *perms)
{
	unsigned l = 0, p = FL_PERM_ALL;
	uint64_t t = 0;
	*level = cfg->fs_levels;
	*table = cfg->fs_root_gpa;
	*perms = FL_PERM_ALL;
	if (!c || !c->fs_pwc_lookup || !c->fs_pwc_lookup(c->ctx, iova, &l, &t, &p))
		return;
	if (l < 2 || l > cfg->fs_levels)
		return;
	x->fs_pwc_level = l;
	*level = l - 1;
	*table = t;
	*perms = p;
}

/* Record a first-stage entry read from memory. */
static struct nested_fs *nested_add_fs(struct nested_xlate *x, uint64_t table, uint64_t hpa,
				       uint64_t entry, unsigned level, const struct fl_decoded *d,
				       unsigned perms)
{
	struct nested_fs *f = &x->fs[x->nfs++];
	f->table_gpa = table & FL_ENTRY_ADDR;
	f->entry_hpa = hpa;
	f->entry = entry;
	f->next_gpa = d->addr;
	f->perms = perms;
	f->level = (uint8_t)level;
	f->kind = (uint8_t)d->kind;
	return f;
}

/*
 * The first-stage walk: for each level, the entry's GPA through the second
 * stage (a read), then the entry. Sets x->gpa, fs_page_size, fs_perms and
 * returns 0, or -1 with x's fault set.
 */
static int nested_fs_walk(const struct physmem *pm, const struct nested_cfg *cfg,
			  const struct nested_caches *c, uint64_t iova, enum dmar_fault deny,
			  struct nested_xlate *x)
{
	unsigned level, perms;
	uint64_t table;
	nested_fs_start(cfg, c, iova, x, &level, &table, &perms);
	for (unsigned l = level; l >= 1; l--) {
		uint64_t ea = pgtable_entry_addr(table, l, iova), hpa, v;
		struct fl_decoded d;
		if (nested_ss_xlate(pm, cfg, c, ea, l, PGT_PERM_R, DMAR_FAULT_NO_READ, x, &hpa))
			return -1;
		bool ok = !physmem_read64(pm, hpa, &v);
		nested_add_ref(x, NESTED_REF_FS, l, x->nfs, hpa, v, ok);
		if (!ok) {
			nested_fail(x, DMAR_FAULT_PTE_READ, NESTED_STAGE_FIRST, l, false);
			return -1;
		}
		fltable_decode(v, l, &d);
		perms &= d.perms;
		nested_add_fs(x, table, hpa, v, l, &d, perms);
		if (d.kind == PGT_ENTRY_NOT_PRESENT) {
			nested_fail(x, deny, NESTED_STAGE_FIRST, l, true);
			return -1;
		}
		if (d.kind == PGT_ENTRY_LEAF) {
			x->gpa = d.addr | (iova & (d.page_size - 1));
			x->fs_page_size = d.page_size;
			x->fs_perms = perms;
			return 0;
		}
		table = d.addr;
	}
	/* Not reached: level 1 entries are always leaves. */
	nested_fail(x, deny, NESTED_STAGE_FIRST, 1, true);
	return -1;
}

enum dmar_fault nested_translate(const struct physmem *pm, const struct nested_cfg *cfg,
				 const struct nested_caches *caches, uint64_t iova, bool is_write,
				 struct nested_xlate *x)
{
	memset(x, 0, sizeof(*x));
	x->iova = iova;
	x->is_write = is_write;
	if (cfg->fs_levels < FL_LEVELS_MIN || cfg->fs_levels > FL_LEVELS_MAX ||
	    cfg->ss_levels < PGT_LEVELS_MIN || cfg->ss_levels > PGT_LEVELS_MAX)
		return nested_fail(x, DMAR_FAULT_CTX_INVALID, NESTED_STAGE_NONE, 0, false);
	if (iova >> pgtable_width(cfg->fs_levels))
		return nested_fail(x, DMAR_FAULT_ADDR_WIDTH, NESTED_STAGE_FIRST, 0, false);

	enum dmar_fault deny = is_write ? DMAR_FAULT_NO_WRITE : DMAR_FAULT_NO_READ;
	unsigned need = is_write ? PGT_PERM_W : PGT_PERM_R;
	if (nested_fs_walk(pm, cfg, caches, iova, deny, x))
		return x->fault;
	/* The first stage is complete, permissions included, before its output is translated. */
	if (!(x->fs_perms & need))
		return nested_fail(x, deny, NESTED_STAGE_FIRST, x->fs[x->nfs - 1].level, false);

	uint64_t hpa;
	if (nested_ss_xlate(pm, cfg, caches, x->gpa, 0, need, deny, x, &hpa))
		return x->fault;
	const struct nested_ss *s = &x->ss[x->nss - 1];
	x->pa = hpa;
	x->ss_page_size = s->page_size;
	/* The combined page is as large as both stages keep it linear. */
	x->page_size = x->fs_page_size < s->page_size ? x->fs_page_size : s->page_size;
	x->perms = x->fs_perms & s->perms & PGT_PERM_RW;
	return nested_fail(x, DMAR_OK, NESTED_STAGE_NONE, 0, false);
}
