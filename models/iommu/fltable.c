/* fltable.c - VT-d first-stage I/O page tables in guest memory: map, unmap, free (see fltable.h)
 *
 * Every access to a table word goes GPA -> HPA through the second-stage
 * table (fl_hpa), then to host memory: the software side sees the tables
 * exactly where the hardware's nested walk will find them.
 *
 * Invariant kept by map and unmap (as in pgtable.c): every table but the root
 * holds at least one present entry, so a table pointer where a superpage is
 * wanted always means "already mapped", and undoing a failed map cannot free
 * a table that was there before.
 *
 * Not modelled: see fltable.h.
 */
#include "fltable.h"

#include <stdlib.h>
#include <string.h>

#define FL_TABLE_BITS (FL_ENTRY_P | FL_ENTRY_RW | FL_ENTRY_US)  /* a table pointer's bits */
#define FL_GPA_LIMIT (1ull << PHYSMEM_ADDR_BITS)

typedef unsigned long long ull;

static bool fl_is_leaf(uint64_t entry, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (entry & FL_ENTRY_PS));
}

void fltable_decode(uint64_t entry, unsigned level, struct fl_decoded *d)
{
	d->addr = 0;
	d->page_size = 0;
	d->perms = 0;
	if (!(entry & FL_ENTRY_P)) {
		d->kind = PGT_ENTRY_NOT_PRESENT;
		return;
	}
	d->perms = FL_PERM_R | (entry & FL_ENTRY_RW ? FL_PERM_W : 0) |
		   (entry & FL_ENTRY_US ? FL_PERM_U : 0) | (entry & FL_ENTRY_XD ? 0 : FL_PERM_X);
	if (fl_is_leaf(entry, level)) {
		d->kind = PGT_ENTRY_LEAF;
		d->page_size = pgtable_level_size(level);
		d->addr = entry & FL_ENTRY_ADDR & ~(d->page_size - 1);
	} else {
		d->kind = PGT_ENTRY_TABLE;
		d->addr = entry & FL_ENTRY_ADDR;
	}
}

/* ------------------------------------------- guest-physical accesses -- */

int fltable_gpa_to_hpa(const struct fltable *fl, uint64_t gpa, uint64_t *hpa)
{
	struct pgt_walk w;
	pgtable_iova_to_phys(fl->ss, gpa, &w);
	if (w.status != PGT_WALK_OK)
		return -1;
	*hpa = w.pa;
	return 0;
}

static int fl_hpa(const struct fltable *fl, uint64_t gpa, uint64_t *hpa, struct iov_err *e)
{
	if (!fltable_gpa_to_hpa(fl, gpa, hpa))
		return 0;
	iov_err_set(e, IOV_BAD_INPUT, "fltable: GPA 0x%llx is not mapped by the second stage",
		    (ull)gpa);
	return -1;
}

static int fl_read(const struct fltable *fl, uint64_t gpa, uint64_t *v, struct iov_err *e)
{
	uint64_t hpa;
	if (fl_hpa(fl, gpa, &hpa, e))
		return -1;
	if (physmem_read64(fl->ss->pm, hpa, v))
		return iov_err_set(e, IOV_INTERNAL,
				   "fltable: entry at GPA 0x%llx (HPA 0x%llx) is in unbacked memory",
				   (ull)gpa, (ull)hpa);
	return 0;
}

static int fl_write(struct fltable *fl, uint64_t gpa, uint64_t v, struct iov_err *e)
{
	uint64_t hpa;
	if (fl_hpa(fl, gpa, &hpa, e))
		return -1;
	return physmem_write64(fl->ss->pm, hpa, v, e);
}

/* A new table: a GPA from gmem, zeroed where ss puts it. */
static int fl_alloc_table(struct fltable *fl, uint64_t *gpa, struct iov_err *e)
{
	uint64_t g, hpa;
	if (physmem_alloc_frame(fl->gmem, &g, e))
		return -1;
	if (fl_hpa(fl, g, &hpa, e))
		goto err;
	for (unsigned i = 0; i < PGT_ENTRIES; i++)
		if (physmem_write64(fl->ss->pm, hpa + 8ull * i, 0, e))
			goto err;
	*gpa = g;
	return 0;
err:
	physmem_free_frame(fl->gmem, g, NULL);
	return -1;
}

static bool fl_table_empty(const struct fltable *fl, uint64_t table_gpa)
{
	uint64_t hpa;
	if (fltable_gpa_to_hpa(fl, table_gpa, &hpa))
		return false;
	const uint64_t *f = physmem_frame(fl->ss->pm, hpa);
	if (!f)
		return false;
	for (unsigned i = 0; i < PGT_ENTRIES; i++)
		if (f[i] & FL_ENTRY_P)
			return false;
	return true;
}

/* ---------------------------------------------------- create and free -- */

struct fltable *fltable_create(struct physmem *gmem, const struct pgtable *ss, unsigned levels,
			       struct iov_err *e)
{
	if (levels < FL_LEVELS_MIN || levels > FL_LEVELS_MAX) {
		iov_err_set(e, IOV_BAD_INPUT, "fltable: %u levels; supported: 4, 5", levels);
		return NULL;
	}
	struct fltable *fl = calloc(1, sizeof(*fl));
	if (!fl) {
		iov_err_set(e, IOV_INTERNAL, "fltable: out of host memory");
		return NULL;
	}
	fl->gmem = gmem;
	fl->ss = ss;
	fl->levels = levels;
	fl->width = pgtable_width(levels);
	if (fl_alloc_table(fl, &fl->root_gpa, e)) {
		free(fl);
		return NULL;
	}
	fl->tables = 1;
	return fl;
}

static void fl_free_level(struct fltable *fl, uint64_t table_gpa, unsigned l)
{
	for (unsigned i = 0; l > 1 && i < PGT_ENTRIES; i++) {
		uint64_t v;
		struct fl_decoded d;
		if (fl_read(fl, table_gpa + 8ull * i, &v, NULL))
			break;
		fltable_decode(v, l, &d);
		if (d.kind == PGT_ENTRY_TABLE)
			fl_free_level(fl, d.addr, l - 1);
	}
	physmem_free_frame(fl->gmem, table_gpa, NULL);
}

void fltable_free(struct fltable *fl)
{
	if (!fl)
		return;
	fl_free_level(fl, fl->root_gpa, fl->levels);
	free(fl);
}

/* ---------------------------------------------------------------- map -- */

static int fl_check_range(const struct fltable *fl, const char *op, uint64_t iova, uint64_t size,
			  struct iov_err *e)
{
	uint64_t lim = 1ull << fl->width;
	if (((iova | size) & (PGT_SIZE_4K - 1)) || size == 0 || iova >= lim || size > lim - iova)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "fltable: %s of IOVA [0x%llx, +0x%llx): not 4 KiB aligned, empty, "
				   "or beyond the %u-bit IOVA width", op, (ull)iova, (ull)size, fl->width);
	return 0;
}

/* Level of the largest allowed leaf that iova, gpa and what is left permit. */
static unsigned fl_pick_level(uint64_t iova, uint64_t gpa, uint64_t left, uint64_t pgsizes)
{
	for (unsigned l = 3; l > 1; l--) {
		uint64_t sz = pgtable_level_size(l);
		if ((pgsizes & sz) && !((iova | gpa) & (sz - 1)) && left >= sz)
			return l;
	}
	return 1;
}

static uint64_t fl_leaf_entry(uint64_t gpa, unsigned level, unsigned perms)
{
	return gpa | FL_ENTRY_P | (perms & FL_PERM_W ? FL_ENTRY_RW : 0) |
	       (perms & FL_PERM_U ? FL_ENTRY_US : 0) | (perms & FL_PERM_X ? 0 : FL_ENTRY_XD) |
	       (level > 1 ? FL_ENTRY_PS : 0);
}

static int fl_overlap(struct iov_err *e, uint64_t iova, unsigned level)
{
	return iov_err_set(e, IOV_BAD_INPUT,
			   "fltable: map at IOVA 0x%llx: already mapped (at level %u)", (ull)iova, level);
}

/*
 * Install one leaf of level 'leaf', allocating missing tables. On failure the
 * tables this call allocated are unhooked and freed, newest first.
 */
static int fl_install(struct fltable *fl, uint64_t iova, uint64_t gpa, unsigned leaf,
		      unsigned perms, struct iov_err *e)
{
	uint64_t table = fl->root_gpa, ea, v, new_tab[FL_LEVELS_MAX], new_at[FL_LEVELS_MAX];
	unsigned n = 0, l;
	struct fl_decoded d;
	for (l = fl->levels; l > leaf; l--) {
		ea = pgtable_entry_addr(table, l, iova);
		if (fl_read(fl, ea, &v, e))
			goto undo;
		fltable_decode(v, l, &d);
		if (d.kind == PGT_ENTRY_LEAF) {
			fl_overlap(e, iova, l);
			goto undo;
		}
		if (d.kind == PGT_ENTRY_NOT_PRESENT) {
			if (fl_alloc_table(fl, &d.addr, e))
				goto undo;
			new_tab[n] = d.addr;
			new_at[n++] = ea;
			if (fl_write(fl, ea, d.addr | FL_TABLE_BITS, e))
				goto undo;
			fl->tables++;
		}
		table = d.addr;
	}
	ea = pgtable_entry_addr(table, leaf, iova);
	if (fl_read(fl, ea, &v, e))
		goto undo;
	if (v & FL_ENTRY_P) {
		fl_overlap(e, iova, leaf);
		goto undo;
	}
	if (fl_write(fl, ea, fl_leaf_entry(gpa, leaf, perms), e))
		goto undo;
	fl->leaves[leaf - 1]++;
	fl->mapped_bytes += pgtable_level_size(leaf);
	return 0;
undo:
	while (n-- > 0) {
		fl_write(fl, new_at[n], 0, NULL);
		physmem_free_frame(fl->gmem, new_tab[n], NULL);
		fl->tables--;
	}
	return -1;
}

static int fl_check_map_args(const struct fltable *fl, uint64_t iova, uint64_t gpa, uint64_t size,
			     unsigned perms, uint64_t pgsizes, struct iov_err *e)
{
	if (fl_check_range(fl, "map", iova, size, e))
		return -1;
	if ((gpa & (PGT_SIZE_4K - 1)) || gpa >= FL_GPA_LIMIT || size > FL_GPA_LIMIT - gpa)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "fltable: map to GPA 0x%llx (+0x%llx): not 4 KiB aligned or above 2^%d",
				   (ull)gpa, (ull)size, PHYSMEM_ADDR_BITS);
	if (!(perms & FL_PERM_R) || (perms & ~FL_PERM_ALL))
		return iov_err_set(e, IOV_BAD_INPUT, "fltable: map with permissions 0x%x; want "
				   "FL_PERM_R plus any of FL_PERM_W, FL_PERM_U, FL_PERM_X", perms);
	if (!(pgsizes & PGT_SIZE_4K) || (pgsizes & ~PGT_PGSIZES_ALL))
		return iov_err_set(e, IOV_BAD_INPUT, "fltable: page sizes 0x%llx: must include 4 KiB "
				   "and only 4 KiB, 2 MiB, 1 GiB", (ull)pgsizes);
	return 0;
}

int fltable_map(struct fltable *fl, uint64_t iova, uint64_t gpa, uint64_t size, unsigned perms,
		uint64_t pgsizes, struct iov_err *e)
{
	if (fl_check_map_args(fl, iova, gpa, size, perms, pgsizes, e))
		return -1;
	for (uint64_t done = 0; done < size;) {
		unsigned l = fl_pick_level(iova + done, gpa + done, size - done, pgsizes);
		if (fl_install(fl, iova + done, gpa + done, l, perms, e)) {
			if (done)
				fltable_unmap(fl, iova, done, NULL, NULL);
			return -1;
		}
		done += pgtable_level_size(l);
	}
	return 0;
}

/* ------------------------------------------------------------- lookup -- */

int fltable_lookup(const struct fltable *fl, uint64_t iova, uint64_t *gpa, uint64_t *page_size,
		   unsigned *perms)
{
	uint64_t table = fl->root_gpa, v;
	unsigned acc = FL_PERM_ALL;
	if (iova >> fl->width)
		return -1;
	for (unsigned l = fl->levels; l >= 1; l--) {
		struct fl_decoded d;
		if (fl_read(fl, pgtable_entry_addr(table, l, iova), &v, NULL))
			return -1;
		fltable_decode(v, l, &d);
		if (d.kind == PGT_ENTRY_NOT_PRESENT)
			return -1;
		acc &= d.perms;
		if (d.kind == PGT_ENTRY_LEAF) {
			*gpa = d.addr | (iova & (d.page_size - 1));
			*page_size = d.page_size;
			*perms = acc;
			return 0;
		}
		table = d.addr;
	}
	return -1;      /* not reached: level 1 is always a leaf */
}

/* -------------------------------------------------------------- unmap -- */

struct fl_unmap {
	struct fltable *fl;
	struct pgt_gather *g;
	uint64_t unmapped;
	struct iov_err *e;
};

/* A detached table's GPA: into the gather (freed after the flush), or back to gmem now. */
static int fl_detach(struct fl_unmap *u, uint64_t table_gpa)
{
	return pgtable_gather_frame(u->g, u->fl->gmem, table_gpa, u->e);
}

/* Refuse when the page holding 'at' is a superpage reaching outside [start, end). */
static int fl_check_whole(const struct fltable *fl, uint64_t at, uint64_t start, uint64_t end,
			  struct iov_err *e)
{
	uint64_t gpa, sz;
	unsigned perms;
	if (fltable_lookup(fl, at, &gpa, &sz, &perms))
		return 0;
	uint64_t lo = at & ~(sz - 1);
	if (lo < start || lo + sz > end)
		return iov_err_set(e, IOV_BAD_INPUT, "fltable: unmap of [0x%llx, 0x%llx) covers only "
				   "part of the %llu KiB page at IOVA 0x%llx (superpages are not split)",
				   (ull)start, (ull)end, (ull)(sz >> 10), (ull)lo);
	return 0;
}

static int fl_unmap_level(struct fl_unmap *u, uint64_t table, unsigned l, uint64_t start,
			  uint64_t end)
{
	struct fltable *fl = u->fl;
	uint64_t sz = pgtable_level_size(l);
	for (uint64_t iova = start; iova < end;) {
		uint64_t lo = iova & ~(sz - 1), hi = lo + sz, stop = end < hi ? end : hi, v;
		uint64_t ea = pgtable_entry_addr(table, l, iova);
		struct fl_decoded d;
		if (fl_read(fl, ea, &v, u->e))
			return -1;
		fltable_decode(v, l, &d);
		if (d.kind == PGT_ENTRY_LEAF) {
			/* Whole by fl_check_whole(): only the range's two ends can cut a page. */
			if (fl_write(fl, ea, 0, u->e))
				return -1;
			fl->leaves[l - 1]--;
			fl->mapped_bytes -= sz;
			u->unmapped += sz;
			pgtable_gather_range(u->g, lo, hi);
		} else if (d.kind == PGT_ENTRY_TABLE) {
			if (fl_unmap_level(u, d.addr, l - 1, iova, stop))
				return -1;
			if (fl_table_empty(fl, d.addr)) {
				/* Unhooked before it is handed back, so no entry points to a free frame. */
				if (fl_write(fl, ea, 0, u->e))
					return -1;
				fl->tables--;
				if (fl_detach(u, d.addr))
					return -1;
			}
		}
		iova = stop;
	}
	return 0;
}

int64_t fltable_unmap(struct fltable *fl, uint64_t iova, uint64_t size, struct pgt_gather *g,
		      struct iov_err *e)
{
	if (fl_check_range(fl, "unmap", iova, size, e) ||
	    fl_check_whole(fl, iova, iova, iova + size, e) ||
	    fl_check_whole(fl, iova + size - 1, iova, iova + size, e))
		return -1;
	struct fl_unmap u = { .fl = fl, .g = g, .e = e };
	if (fl_unmap_level(&u, fl->root_gpa, fl->levels, iova, iova + size))
		return -1;
	return (int64_t)u.unmapped;
}
