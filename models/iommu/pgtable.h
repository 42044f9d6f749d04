/* pgtable.h - VT-d second-stage (legacy "second-level") multi-level I/O page tables in simulated memory
 *
 * A domain's IOVA -> HPA table as the hardware walks it: 3, 4 or 5 levels
 * (39-, 48-, 57-bit IOVA; VT-d AW = 1, 2, 3), each table one 4 KiB frame of
 * physmem holding 512 entries of 8 bytes. Level numbering follows the VT-d
 * spec: level 1 = SL-PT (4 KiB leaves), 2 = SL-PD (2 MiB leaves with PS),
 * 3 = SL-PDPT (1 GiB leaves with PS), 4 = SL-PML4, 5 = SL-PML5. The entry at
 * level L is indexed by IOVA bits [12 + 9L - 1 : 12 + 9(L - 1)].
 *
 * Entry layout (VT-d spec, "Second-Level Paging Entries"; FACTS.md, IOMMU):
 *
 *   bit  0     R     read permission
 *   bit  1     W     write permission
 *   bit  7     PS    page size: 1 = this level-2/3 entry is a 2 MiB/1 GiB leaf
 *                    (ignored at level 1, where every entry is a leaf;
 *                    reserved at levels 4/5: the model ignores it there)
 *   bits 51:12 ADDR  next table's HPA, or the page's HPA (for a 2 MiB leaf
 *                    bits 20:12, for a 1 GiB leaf bits 29:12, are not address)
 *
 * An entry with R = W = 0 is not present (VT-d second level has no P bit).
 * Table pointers are written with R = W = 1; the walk ANDs R and W over every
 * level, so a leaf's permissions are the effective ones. Bits the model never
 * sets and ignores on reads: X (2), EMT (5:3), IPAT (6), A/D (8, 9), SNP (11),
 * TM (62); reserved-bit checks (VT-d fault 0xC) are not modelled.
 *
 * Two sides:
 *  - software (the hypervisor's driver): pgtable_create/map/unmap/free edit
 *    the tables and keep counters; like Linux's io_pgtable_ops they read the
 *    tables they built and trust their contents;
 *  - hardware: pgtable_walk() is a pure software walk of whatever is in
 *    memory, returning the chain of entry reads (the trace the timed walker
 *    replays); pgtable_entry_addr()/pgtable_decode() are the single steps, for
 *    a walker that resumes from a page-walk-cache hit.
 *
 * First-stage tables and nested walks are in fltable.h / nested.h. Not modelled
 * here: scalable-mode A/D bit updates; snoop/memory-type attributes; reserved-bit
 * faults; any timing (the IOMMU component times each read of the trace).
 */
#ifndef IOVSIM_PGTABLE_H
#define IOVSIM_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "physmem.h"

#define PGT_ENTRY_R (1ull << 0)
#define PGT_ENTRY_W (1ull << 1)
#define PGT_ENTRY_PS (1ull << 7)
#define PGT_ENTRY_ADDR 0x000ffffffffff000ull    /* bits 51:12 */

#define PGT_PERM_R 1u   /* permission masks, equal to the entry bits */
#define PGT_PERM_W 2u
#define PGT_PERM_RW (PGT_PERM_R | PGT_PERM_W)

#define PGT_ENTRIES 512
#define PGT_LEVELS_MIN 3
#define PGT_LEVELS_MAX 5

#define PGT_SIZE_4K (1ull << 12)
#define PGT_SIZE_2M (1ull << 21)
#define PGT_SIZE_1G (1ull << 30)
#define PGT_PGSIZES_4K PGT_SIZE_4K                               /* no superpages */
#define PGT_PGSIZES_ALL (PGT_SIZE_4K | PGT_SIZE_2M | PGT_SIZE_1G)

/* Bytes one entry at this level covers: 4 KiB, 2 MiB, 1 GiB, 512 GiB, 256 TiB. */
static inline uint64_t pgtable_level_size(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}

/* IOVA width of a table with this many levels: 39, 48, 57 bits. */
static inline unsigned pgtable_width(unsigned levels) { return 12 + 9 * levels; }

/* Index of iova's entry in a level-'level' table (0..511). */
static inline unsigned pgtable_index(uint64_t iova, unsigned level)
{
	return (unsigned)(iova >> (12 + 9 * (level - 1))) & (PGT_ENTRIES - 1);
}

/* Walk step 1: address of the entry to read in the level-'level' table at 'table'. */
static inline uint64_t pgtable_entry_addr(uint64_t table, unsigned level, uint64_t iova)
{
	return (table & PGT_ENTRY_ADDR) + 8ull * pgtable_index(iova, level);
}

enum pgt_entry_kind {
	PGT_ENTRY_NOT_PRESENT = 0,      /* R = W = 0: the walk ends (permission fault) */
	PGT_ENTRY_TABLE,                /* points to the next level's table */
	PGT_ENTRY_LEAF,                 /* maps a page of pgtable_level_size(level) */
};

struct pgt_decoded {
	enum pgt_entry_kind kind;
	uint64_t addr;                  /* TABLE: next table HPA; LEAF: page base HPA */
	uint64_t page_size;             /* LEAF only */
	unsigned perms;                 /* PGT_PERM_* of this entry alone */
};

/* Walk step 2: what the entry value read at 'level' means. Pure. */
void pgtable_decode(uint64_t entry, unsigned level, struct pgt_decoded *d);

enum pgt_walk_status {
	PGT_WALK_OK = 0,
	PGT_WALK_NOT_PRESENT,           /* an entry with R = W = 0 at w->level */
	PGT_WALK_BEYOND_WIDTH,          /* iova >= 2^width: nothing was read */
	PGT_WALK_READ_ERROR,            /* the entry at w->level is in unbacked memory */
	PGT_WALK_BAD_LEVELS,            /* levels not in 3..5: nothing was read */
};

struct pgt_step {
	uint64_t entry_pa;              /* HPA of the 8-byte entry read */
	uint64_t entry;                 /* value read (0 when !read_ok) */
	uint8_t level;
	bool read_ok;                   /* false: unbacked memory (the last step) */
};

struct pgt_walk {
	enum pgt_walk_status status;
	uint64_t iova;
	uint64_t pa;                    /* OK: translated HPA (page base + offset) */
	uint64_t page_size;             /* OK: 4 KiB, 2 MiB or 1 GiB */
	unsigned perms;                 /* OK: R/W ANDed over all levels; else 0 */
	unsigned level;                 /* OK: leaf level; NOT_PRESENT/READ_ERROR: level of the failing entry */
	unsigned nsteps;                /* entry reads, in order, top level first */
	struct pgt_step steps[PGT_LEVELS_MAX];
};

/*
 * The hardware's walk (pure: reads only, no allocation, no counters) of the
 * table rooted at 'root' (the context entry's SLPTPTR) with 'levels' levels.
 * Never fails as a call: the outcome is in w->status. Permission checks
 * against the request type are the caller's (dmar_translate), so the walk
 * always goes down to a leaf or a non-present entry.
 */
void pgtable_walk(const struct physmem *pm, uint64_t root, unsigned levels, uint64_t iova,
		  struct pgt_walk *w);

/* A domain's table, as the software side sees it. Fields are read-only outside pgtable.c. */
struct pgtable {
	struct physmem *pm;             /* not owned */
	uint64_t root;                  /* HPA of the top table: goes in the context entry */
	unsigned levels;                /* 3, 4 or 5 */
	unsigned width;                 /* IOVA bits: 39, 48, 57 */
	uint64_t tables;                /* table frames in this page table, root included */
	uint64_t mapped_bytes;
	uint64_t leaves[3];             /* leaf entries by size: [0] 4 KiB, [1] 2 MiB, [2] 1 GiB */
	uint64_t splits;                /* superpages split by partial unmaps */
};

/*
 * Table frames an unmap detached and IOVA range it changed, kept until the
 * caller has invalidated the IOTLB / page-walk caches (Linux's
 * iommu_iotlb_gather + freelist): a detached table must not be reused while a
 * walker may still hold a pointer to it. Initialise with
 * pgtable_gather_init(); after the flush, pgtable_gather_release().
 */
struct pgt_gather {
	uint64_t start, end;            /* IOVA range [start, end) whose mappings changed; empty if start >= end */
	bool tables_changed;            /* a non-leaf entry changed (table freed or superpage split):
					 * page-walk caches need flushing, not only the IOTLB */
	uint64_t *freed;                /* detached table frames, not yet back in physmem */
	size_t nfreed, cap;
};

/*
 * Create an empty table of 'levels' levels (3, 4 or 5) whose frames come
 * from pm (which must outlive it): allocates the root frame. Returns NULL with
 * e set (IOV_BAD_INPUT for bad levels or no frame left, IOV_INTERNAL for host
 * memory). Release with pgtable_free().
 */
struct pgtable *pgtable_create(struct physmem *pm, unsigned levels, struct iov_err *e);

/*
 * Free every table frame back to pm (immediately) and the struct. Frames it
 * frees keep their contents (physmem.h). NULL is a no-op.
 */
void pgtable_free(struct pgtable *pt);

/*
 * Map [iova, iova + size) to [pa, pa + size) with perms (PGT_PERM_R and/or
 * PGT_PERM_W, not 0). iova, pa and size must be 4 KiB multiples, size > 0,
 * iova + size <= 2^width, pa + size <= 2^52. Page sizes: at each step the
 * largest size in 'pgsizes' (a mask of PGT_SIZE_*; it must contain 4 KiB;
 * PGT_PGSIZES_4K = no superpages) to which iova and pa are both aligned and
 * that fits in what is left. Missing tables are allocated from pm.
 * Returns 0, or -1 with e set: IOV_BAD_INPUT for bad arguments, for a range
 * that overlaps an existing mapping ("already mapped"), or when pm has no
 * frame left. On failure nothing has changed: what this call mapped is
 * unmapped again and tables it allocated are freed.
 */
int pgtable_map(struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t size, unsigned perms,
		uint64_t pgsizes, struct iov_err *e);

/*
 * Unmap every mapped page in [iova, iova + size) (4 KiB multiples, size > 0,
 * within the width); holes are skipped. A superpage only partly inside the
 * range is split: its table of 512 next-smaller leaves (same HPA, same
 * permissions) is filled, then put in place of the superpage entry, and the
 * part inside the range is unmapped from it (Linux's Intel driver instead
 * unmaps the whole superpage and io-pgtable-arm refuses; a split keeps the
 * rest of the superpage mapped). A table left with no present entry is
 * detached from its parent (never the root): into g when g is non-NULL, else
 * back to pm at once. g also accumulates the IOVA range to invalidate (whole
 * superpages when one was split). Returns the bytes that were mapped and are
 * now unmapped (0 for a hole), or -1 with e set (IOV_BAD_INPUT bad
 * arguments; IOV_BAD_INPUT no frame left for a split, in which case that
 * superpage is left as it was, and pages unmapped before it stay unmapped;
 * IOV_INTERNAL host memory).
 */
int64_t pgtable_unmap(struct pgtable *pt, uint64_t iova, uint64_t size, struct pgt_gather *g,
		      struct iov_err *e);

/* The hardware walk of this table: pgtable_walk(pt->pm, pt->root, pt->levels, iova, w). */
void pgtable_iova_to_phys(const struct pgtable *pt, uint64_t iova, struct pgt_walk *w);

void pgtable_gather_init(struct pgt_gather *g);

/* Widen g's IOVA range to cover [lo, hi) (g NULL: nothing). */
void pgtable_gather_range(struct pgt_gather *g, uint64_t lo, uint64_t hi);

/* A table frame an unmap detached: into g, released after the flush, or with
 * g NULL back to pm at once. Returns 0 or -1 with e set (host memory). */
int pgtable_gather_frame(struct pgt_gather *g, struct physmem *pm, uint64_t frame,
			 struct iov_err *e);

/* After the invalidation: return g's frames to pm, free its array, reset it. */
void pgtable_gather_release(struct physmem *pm, struct pgt_gather *g);

#endif
