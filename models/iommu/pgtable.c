/* pgtable.c - VT-d second-stage multi-level I/O page tables: map, unmap, free and the pure walk (see pgtable.h)
 *
 * Invariant kept by map and unmap: every table but the root holds at least one
 * present entry (unmap detaches tables it empties; a failed map frees the
 * tables it allocated). So a table pointer where a superpage is wanted always
 * means "already mapped".
 *
 * Not modelled: see pgtable.h (first stage, nesting, A/D, attributes,
 * reserved-bit checks, timing).
 */
#include "pgtable.h"

#include <stdlib.h>
#include <string.h>

#define PGT_RW (PGT_ENTRY_R | PGT_ENTRY_W)
#define PGT_PA_LIMIT (1ull << PHYSMEM_ADDR_BITS)

typedef unsigned long long ull;

static bool pgt_is_leaf(uint64_t entry, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (entry & PGT_ENTRY_PS));
}

void pgtable_decode(uint64_t entry, unsigned level, struct pgt_decoded *d)
{
	d->perms = (unsigned)(entry & PGT_RW);
	d->addr = 0;
	d->page_size = 0;
	if (!d->perms) {
		d->kind = PGT_ENTRY_NOT_PRESENT;
	} else if (pgt_is_leaf(entry, level)) {
		d->kind = PGT_ENTRY_LEAF;
		d->page_size = pgtable_level_size(level);
		d->addr = entry & PGT_ENTRY_ADDR & ~(d->page_size - 1);
	} else {
		d->kind = PGT_ENTRY_TABLE;
		d->addr = entry & PGT_ENTRY_ADDR;
	}
}

void pgtable_walk(const struct physmem *pm, uint64_t root, unsigned levels, uint64_t iova,
		  struct pgt_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->iova = iova;
	if (levels < PGT_LEVELS_MIN || levels > PGT_LEVELS_MAX) {
		w->status = PGT_WALK_BAD_LEVELS;
		return;
	}
	if (iova >> pgtable_width(levels)) {
		w->status = PGT_WALK_BEYOND_WIDTH;
		return;
	}
	uint64_t table = root;
	unsigned perms = PGT_PERM_RW;
	for (unsigned l = levels; l >= 1; l--) {
		struct pgt_step *s = &w->steps[w->nsteps++];
		struct pgt_decoded d;
		s->level = (uint8_t)l;
		s->entry_pa = pgtable_entry_addr(table, l, iova);
		w->level = l;
		if (physmem_read64(pm, s->entry_pa, &s->entry)) {
			w->status = PGT_WALK_READ_ERROR;
			return;
		}
		s->read_ok = true;
		pgtable_decode(s->entry, l, &d);
		if (d.kind == PGT_ENTRY_NOT_PRESENT) {
			w->status = PGT_WALK_NOT_PRESENT;
			return;
		}
		perms &= d.perms;
		if (d.kind == PGT_ENTRY_LEAF) {
			w->status = PGT_WALK_OK;
			w->pa = d.addr | (iova & (d.page_size - 1));
			w->page_size = d.page_size;
			w->perms = perms;
			return;
		}
		table = d.addr;
	}
	w->status = PGT_WALK_NOT_PRESENT;     /* not reached: level 1 is always a leaf */
}

void pgtable_iova_to_phys(const struct pgtable *pt, uint64_t iova, struct pgt_walk *w)
{
	pgtable_walk(pt->pm, pt->root, pt->levels, iova, w);
}

/* ------------------------------------------------------ software side -- */

static int pgt_read(const struct pgtable *pt, uint64_t ea, uint64_t *v, struct iov_err *e)
{
	if (physmem_read64(pt->pm, ea, v))
		return iov_err_set(e, IOV_INTERNAL,
				   "pgtable: entry at 0x%llx is in unbacked memory (corrupted table?)",
				   (ull)ea);
	return 0;
}

static bool pgt_table_empty(const struct physmem *pm, uint64_t table)
{
	const uint64_t *f = physmem_frame(pm, table);
	if (!f)
		return false;
	for (unsigned i = 0; i < PGT_ENTRIES; i++)
		if (f[i] & PGT_RW)
			return false;
	return true;
}

struct pgtable *pgtable_create(struct physmem *pm, unsigned levels, struct iov_err *e)
{
	if (levels < PGT_LEVELS_MIN || levels > PGT_LEVELS_MAX) {
		iov_err_set(e, IOV_BAD_INPUT, "pgtable: %u levels; supported: 3, 4, 5", levels);
		return NULL;
	}
	struct pgtable *pt = calloc(1, sizeof(*pt));
	if (!pt) {
		iov_err_set(e, IOV_INTERNAL, "pgtable: out of host memory");
		return NULL;
	}
	if (physmem_alloc_frame(pm, &pt->root, e)) {
		free(pt);
		return NULL;
	}
	pt->pm = pm;
	pt->levels = levels;
	pt->width = pgtable_width(levels);
	pt->tables = 1;
	return pt;
}

static void pgt_free_level(struct physmem *pm, uint64_t table, unsigned l)
{
	const uint64_t *f = physmem_frame(pm, table);
	for (unsigned i = 0; f && l > 1 && i < PGT_ENTRIES; i++) {
		struct pgt_decoded d;
		pgtable_decode(f[i], l, &d);
		if (d.kind == PGT_ENTRY_TABLE)
			pgt_free_level(pm, d.addr, l - 1);
	}
	physmem_free_frame(pm, table, NULL);
}

void pgtable_free(struct pgtable *pt)
{
	if (!pt)
		return;
	pgt_free_level(pt->pm, pt->root, pt->levels);
	free(pt);
}

static int pgt_check_range(const struct pgtable *pt, const char *op, uint64_t iova, uint64_t size,
			   struct iov_err *e)
{
	uint64_t lim = 1ull << pt->width;
	if (((iova | size) & (PGT_SIZE_4K - 1)) || size == 0 || iova >= lim || size > lim - iova)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "pgtable: %s of IOVA [0x%llx, +0x%llx): not 4 KiB aligned, empty, "
				   "or beyond the %u-bit IOVA width", op, (ull)iova, (ull)size, pt->width);
	return 0;
}

/* Level of the largest allowed leaf that iova, pa and what is left permit. */
static unsigned pgt_pick_level(uint64_t iova, uint64_t pa, uint64_t left, uint64_t pgsizes)
{
	for (unsigned l = 3; l > 1; l--) {
		uint64_t sz = pgtable_level_size(l);
		if ((pgsizes & sz) && !((iova | pa) & (sz - 1)) && left >= sz)
			return l;
	}
	return 1;
}

static int pgt_overlap(struct iov_err *e, uint64_t iova, unsigned level, const char *what)
{
	return iov_err_set(e, IOV_BAD_INPUT,
			   "pgtable: map at IOVA 0x%llx: already mapped (%s at level %u)",
			   (ull)iova, what, level);
}

/* Install one leaf of level 'leaf' mapping iova to pa, allocating missing tables. */
static int pgt_install(struct pgtable *pt, uint64_t iova, uint64_t pa, unsigned leaf,
		       unsigned perms, struct iov_err *e)
{
	uint64_t table = pt->root, ea, v;
	struct pgt_decoded d;
	for (unsigned l = pt->levels; l > leaf; l--) {
		ea = pgtable_entry_addr(table, l, iova);
		if (pgt_read(pt, ea, &v, e))
			return -1;
		pgtable_decode(v, l, &d);
		if (d.kind == PGT_ENTRY_LEAF)
			return pgt_overlap(e, iova, l, "a superpage");
		if (d.kind == PGT_ENTRY_NOT_PRESENT) {
			if (physmem_alloc_frame(pt->pm, &d.addr, e))
				return -1;
			if (physmem_write64(pt->pm, ea, d.addr | PGT_RW, e)) {
				physmem_free_frame(pt->pm, d.addr, NULL);
				return -1;
			}
			pt->tables++;
		}
		table = d.addr;
	}
	ea = pgtable_entry_addr(table, leaf, iova);
	if (pgt_read(pt, ea, &v, e))
		return -1;
	if (v & PGT_RW)
		return pgt_overlap(e, iova, leaf, pgt_is_leaf(v, leaf) ? "a page" : "a table");
	if (physmem_write64(pt->pm, ea, pa | perms | (leaf > 1 ? PGT_ENTRY_PS : 0), e))
		return -1;
	pt->leaves[leaf - 1]++;
	pt->mapped_bytes += pgtable_level_size(leaf);
	return 0;
}

/* After a failed install at iova: free the empty tables on its path, bottom up. */
static void pgt_prune_path(struct pgtable *pt, uint64_t iova)
{
	uint64_t tab[PGT_LEVELS_MAX], parent_ea[PGT_LEVELS_MAX], table = pt->root, v;
	unsigned n = 0;
	for (unsigned l = pt->levels; l > 1; l--) {
		struct pgt_decoded d;
		uint64_t ea = pgtable_entry_addr(table, l, iova);
		if (physmem_read64(pt->pm, ea, &v))
			break;
		pgtable_decode(v, l, &d);
		if (d.kind != PGT_ENTRY_TABLE)
			break;
		tab[n] = d.addr;
		parent_ea[n++] = ea;
		table = d.addr;
	}
	while (n-- > 0) {
		if (!pgt_table_empty(pt->pm, tab[n]) || physmem_free_frame(pt->pm, tab[n], NULL))
			break;
		physmem_write64(pt->pm, parent_ea[n], 0, NULL);
		pt->tables--;
	}
}

int pgtable_map(struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t size, unsigned perms,
		uint64_t pgsizes, struct iov_err *e)
{
	if (pgt_check_range(pt, "map", iova, size, e))
		return -1;
	if ((pa & (PGT_SIZE_4K - 1)) || pa >= PGT_PA_LIMIT || size > PGT_PA_LIMIT - pa)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "pgtable: map to HPA 0x%llx (+0x%llx): not 4 KiB aligned or above 2^%d",
				   (ull)pa, (ull)size, PHYSMEM_ADDR_BITS);
	if (!perms || (perms & ~PGT_PERM_RW))
		return iov_err_set(e, IOV_BAD_INPUT, "pgtable: map with permissions 0x%x; "
				   "want PGT_PERM_R and/or PGT_PERM_W", perms);
	if (!(pgsizes & PGT_SIZE_4K) || (pgsizes & ~PGT_PGSIZES_ALL))
		return iov_err_set(e, IOV_BAD_INPUT, "pgtable: page sizes 0x%llx: must include 4 KiB "
				   "and only 4 KiB, 2 MiB, 1 GiB", (ull)pgsizes);
	for (uint64_t done = 0; done < size;) {
		unsigned l = pgt_pick_level(iova + done, pa + done, size - done, pgsizes);
		if (pgt_install(pt, iova + done, pa + done, l, perms, e)) {
			if (done)
				pgtable_unmap(pt, iova, done, NULL, NULL);
			pgt_prune_path(pt, iova + done);
			return -1;
		}
		done += pgtable_level_size(l);
	}
	return 0;
}

/* ------------------------------------------------------------- unmap -- */

struct pgt_unmap {
	struct pgtable *pt;
	struct pgt_gather *g;
	uint64_t unmapped;
	struct iov_err *e;
};

void pgtable_gather_range(struct pgt_gather *g, uint64_t lo, uint64_t hi)
{
	if (!g)
		return;
	if (g->start >= g->end) {
		g->start = lo;
		g->end = hi;
		return;
	}
	if (lo < g->start)
		g->start = lo;
	if (hi > g->end)
		g->end = hi;
}

int pgtable_gather_frame(struct pgt_gather *g, struct physmem *pm, uint64_t frame,
			 struct iov_err *e)
{
	if (!g)
		return physmem_free_frame(pm, frame, e);
	if (g->nfreed == g->cap) {
		size_t n = g->cap ? g->cap * 2 : 16;
		uint64_t *p = realloc(g->freed, n * sizeof(*p));
		if (!p)
			return iov_err_set(e, IOV_INTERNAL, "out of host memory (unmap gather)");
		g->freed = p;
		g->cap = n;
	}
	g->freed[g->nfreed++] = frame;
	g->tables_changed = true;
	return 0;
}

/* Hand a detached table to the gather, or back to physmem when there is none. */
static int pgt_detach(struct pgt_unmap *u, uint64_t table)
{
	return pgtable_gather_frame(u->g, u->pt->pm, table, u->e);
}

/* Replace the level-l superpage entry v at ea by a full table of next-smaller leaves. */
static int pgt_split(struct pgtable *pt, uint64_t ea, uint64_t v, unsigned l, uint64_t *child,
		     struct iov_err *e)
{
	unsigned cl = l - 1;
	uint64_t csz = pgtable_level_size(cl), t;
	uint64_t base = v & PGT_ENTRY_ADDR & ~(pgtable_level_size(l) - 1);
	uint64_t attrs = (v & ~(PGT_ENTRY_ADDR | PGT_ENTRY_PS)) | (cl > 1 ? PGT_ENTRY_PS : 0);
	if (physmem_alloc_frame(pt->pm, &t, e))
		return -1;
	for (unsigned i = 0; i < PGT_ENTRIES; i++)
		physmem_write64(pt->pm, t + 8ull * i, (base + i * csz) | attrs, NULL);
	/* The new table is complete before the parent points to it. */
	if (physmem_write64(pt->pm, ea, t | PGT_RW, e)) {
		physmem_free_frame(pt->pm, t, NULL);
		return -1;
	}
	pt->tables++;
	pt->leaves[l - 1]--;
	pt->leaves[cl - 1] += PGT_ENTRIES;
	pt->splits++;
	*child = t;
	return 0;
}

static int pgt_unmap_level(struct pgt_unmap *u, uint64_t table, unsigned l, uint64_t start,
			   uint64_t end)
{
	struct pgtable *pt = u->pt;
	uint64_t sz = pgtable_level_size(l);
	for (uint64_t iova = start; iova < end;) {
		uint64_t lo = iova & ~(sz - 1), hi = lo + sz, stop = end < hi ? end : hi, v;
		uint64_t ea = pgtable_entry_addr(table, l, iova), child;
		struct pgt_decoded d;
		if (pgt_read(pt, ea, &v, u->e))
			return -1;
		pgtable_decode(v, l, &d);
		child = d.addr;
		if (d.kind == PGT_ENTRY_LEAF && iova == lo && stop == hi) {
			physmem_write64(pt->pm, ea, 0, NULL);
			pt->leaves[l - 1]--;
			pt->mapped_bytes -= sz;
			u->unmapped += sz;
			pgtable_gather_range(u->g, lo, hi);
		} else if (d.kind != PGT_ENTRY_NOT_PRESENT) {
			if (d.kind == PGT_ENTRY_LEAF) {
				if (pgt_split(pt, ea, v, l, &child, u->e))
					return -1;
				pgtable_gather_range(u->g, lo, hi);
				if (u->g)
					u->g->tables_changed = true;
			}
			if (pgt_unmap_level(u, child, l - 1, iova, stop))
				return -1;
			if (pgt_table_empty(pt->pm, child)) {
				if (pgt_detach(u, child))
					return -1;
				physmem_write64(pt->pm, ea, 0, NULL);
				pt->tables--;
			}
		}
		iova = stop;
	}
	return 0;
}

int64_t pgtable_unmap(struct pgtable *pt, uint64_t iova, uint64_t size, struct pgt_gather *g,
		      struct iov_err *e)
{
	if (pgt_check_range(pt, "unmap", iova, size, e))
		return -1;
	struct pgt_unmap u = { .pt = pt, .g = g, .e = e };
	if (pgt_unmap_level(&u, pt->root, pt->levels, iova, iova + size))
		return -1;
	return (int64_t)u.unmapped;
}

void pgtable_gather_init(struct pgt_gather *g)
{
	memset(g, 0, sizeof(*g));
}

void pgtable_gather_release(struct physmem *pm, struct pgt_gather *g)
{
	for (size_t i = 0; i < g->nfreed; i++)
		physmem_free_frame(pm, g->freed[i], NULL);
	free(g->freed);
	pgtable_gather_init(g);
}
