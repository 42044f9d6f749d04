/* nested.h - VT-d nested (first stage over second stage) translation: the pure two-dimensional walk
 *
 * A request's IOVA goes through the guest's first-stage table (fltable.h,
 * IOVA -> GPA) and the result through the hypervisor's second-stage table
 * (pgtable.h, GPA -> HPA). Every first-stage table is itself at a GPA, so
 * before the hardware reads a first-stage entry it translates that entry's
 * GPA through the second stage: for n first-stage and m second-stage levels,
 * without caches, n x (m second-stage reads + 1 first-stage read) + m for the
 * output GPA = (n + 1)(m + 1) - 1 reads: 24 for 4 + 4 (FACTS.md, IOMMU), 35
 * for 5 + 5, fewer where either stage has superpages.
 *
 * nested_translate() is the hardware's decision for one request, pure: it
 * reads physmem and returns the outcome with every memory reference in order
 * (the trace a timed walker replays), plus what the caller may cache: each
 * second-stage translation it walked and each first-stage entry it read.
 * Optional caches (struct nested_caches) let it skip what the timing layer
 * has cached; this file keeps no state.
 *
 * Faults reuse the legacy reason codes (ctxtable.h), with the stage that
 * raised them: 0x4 IOVA beyond the first stage's width (first) or a GPA
 * beyond the second stage's (second); 0x5 / 0x6 for a not-present entry
 * (by the request's type) or a missing permission; 0x7 a paging-entry read
 * from unbacked memory. Fetching a first-stage entry is a read whatever the
 * request, so a second-stage fault on the way to a first-stage table is 0x6.
 *
 * Not modelled: scalable-mode PASID tables (the caller supplies FLPTPTR,
 * SLPTPTR and the level counts, as a PASID entry would), the scalable-mode
 * fault codes (the legacy ones stand in), second-stage paging-structure
 * caches (a second-stage walk reads every level; only whole GPA -> HPA
 * translations can be skipped), accessed/dirty updates, U/S and XD checks
 * (requests are supervisor, non-execute; the effective U and X are reported),
 * WPE = 0 (supervisor writes here always obey R/W, as with WPE = 1),
 * canonical upper-half IOVAs,
 * reserved-bit faults, timing.
 */
#ifndef IOVSIM_NESTED_H
#define IOVSIM_NESTED_H

#include <stdbool.h>
#include <stdint.h>

#include "ctxtable.h"
#include "fltable.h"
#include "pgtable.h"
#include "physmem.h"

/* Worst case, 5 + 5 levels without caches or superpages: (5 + 1)(5 + 1) - 1. */
#define NESTED_MAX_REFS ((FL_LEVELS_MAX + 1) * (PGT_LEVELS_MAX + 1) - 1)
/* Second-stage translations: one per first-stage level, one for the output GPA. */
#define NESTED_MAX_SS (FL_LEVELS_MAX + 1)

/* What the hardware is pointed at (in scalable mode, from the PASID entry). */
struct nested_cfg {
	uint64_t fs_root_gpa;           /* FLPTPTR: GPA of the first-stage top table */
	unsigned fs_levels;             /* 4 or 5 */
	uint64_t ss_root;               /* SLPTPTR: HPA of the second-stage top table */
	unsigned ss_levels;             /* 3, 4 or 5 */
};

/* The configuration for a first stage built by fltable over its second stage. */
static inline struct nested_cfg nested_cfg_of(const struct fltable *fl)
{
	return (struct nested_cfg){ .fs_root_gpa = fl->root_gpa, .fs_levels = fl->levels,
				    .ss_root = fl->ss->root, .ss_levels = fl->ss->levels };
}

/*
 * Caches the timing layer keeps, asked before memory is read. The struct and
 * each member may be NULL (no such cache). Both are called synchronously,
 * must not schedule events or call back into this file, and are given
 * nothing they may keep. ctx is theirs, passed back unchanged.
 */
struct nested_caches {
	void *ctx;
	/*
	 * Second-stage translation cache ("nested TLB"): on a hit, return true
	 * with the base HPA of the second-stage page holding gpa, its size (4 KiB,
	 * 2 MiB or 1 GiB) and its PGT_PERM_* permissions. A hit replaces a whole
	 * second-stage walk (no reads); its permissions are checked as a walk's
	 * would be.
	 */
	bool (*ss_lookup)(void *ctx, uint64_t gpa, uint64_t *hpa_page, uint64_t *page_size,
			  unsigned *perms);
	/*
	 * First-stage walk cache: on a hit, return true with *level = L (2 ..
	 * fs_levels) of the deepest cached non-leaf entry for iova and *table_gpa
	 * = the GPA of the level L-1 table it points to; the walk resumes there,
	 * skipping first-stage levels >= L. *perms is preset to FL_PERM_ALL; a
	 * cache that keeps the entries' cumulative permissions overwrites it (one
	 * that does not is exact for tables fltable builds, whose non-leaf
	 * entries allow everything). A hit with L outside 2..fs_levels counts as
	 * a miss. What is cached is the table's GPA, as the entry holds it (an
	 * HPA would tie the entry to the second stage too, and second-stage
	 * invalidations would have to flush it), so reading the level L-1 entry
	 * still needs that GPA's second-stage translation.
	 */
	bool (*fs_pwc_lookup)(void *ctx, uint64_t iova, unsigned *level, uint64_t *table_gpa,
			      unsigned *perms);
};

enum nested_stage {
	NESTED_STAGE_NONE = 0,          /* no fault, or a bad configuration */
	NESTED_STAGE_FIRST,
	NESTED_STAGE_SECOND,
};

enum nested_ref_kind {
	NESTED_REF_SS = 0,              /* a second-stage paging entry */
	NESTED_REF_FS,                  /* a first-stage paging entry */
};

/* One 8-byte memory reference of the walk. */
struct nested_ref {
	uint64_t hpa;                   /* address read */
	uint64_t val;                   /* value read; 0 when !ok */
	uint8_t kind;                   /* enum nested_ref_kind */
	uint8_t level;                  /* the entry's level in its own stage: 1..5 */
	uint8_t size;                   /* bytes: 8 */
	uint8_t idx;                    /* SS: index in x->ss of its translation; FS: index in
					 * x->fs of the entry (x->nfs, no entry, when !ok) */
	bool ok;                        /* false: unbacked memory (always the last reference) */
};

/* One GPA -> HPA translation the walk needed, cached or walked. */
struct nested_ss {
	uint64_t gpa;                   /* the GPA translated */
	uint64_t gpa_page;              /* ok: base GPA of the second-stage page holding it */
	uint64_t hpa_page;              /* ok: its base HPA */
	uint64_t page_size;             /* ok: 4 KiB, 2 MiB or 1 GiB */
	unsigned perms;                 /* ok: PGT_PERM_* */
	uint8_t fs_level;               /* first-stage level whose table it reaches; 0: the output GPA */
	uint8_t nreads;                 /* second-stage entries read for it (0 when cached) */
	bool cached;                    /* from ss_lookup; false: walked (the caller may cache it if ok) */
	bool ok;                        /* a translation was found (its permissions may still fault) */
};

/* One first-stage entry read from memory (entries a walk-cache hit skipped are not here). */
struct nested_fs {
	uint64_t table_gpa;             /* GPA of the table holding it */
	uint64_t entry_hpa;             /* where it was read */
	uint64_t entry;                 /* value read */
	uint64_t next_gpa;              /* TABLE: next table's GPA (for a walk cache); LEAF: page GPA */
	unsigned perms;                 /* FL_PERM_* ANDed from the top level down to this one */
	uint8_t level;
	uint8_t kind;                   /* enum pgt_entry_kind */
};

struct nested_xlate {
	enum dmar_fault fault;          /* DMAR_OK or the reason */
	enum nested_stage stage;        /* which stage faulted */
	unsigned fault_level;           /* faulting entry's level in that stage; 0 for width faults
					 * and for permission faults from a cached translation */
	bool not_present;               /* 0x5/0x6 because an entry was not present */
	uint8_t fault_fs_level;         /* second-stage faults: as nested_ss.fs_level */
	uint64_t fault_gpa;             /* second-stage faults: the GPA being translated */
	uint64_t iova;
	bool is_write;
	uint64_t gpa;                   /* the first stage's output, once its walk succeeded */
	uint64_t pa;                    /* OK: HPA */
	uint64_t page_size;             /* OK: min(fs_page_size, ss_page_size) */
	uint64_t fs_page_size, ss_page_size;
	unsigned perms;                 /* OK: PGT_PERM_R/W of both stages ANDed */
	unsigned fs_perms;              /* OK: the first stage's FL_PERM_* (U and X included) */
	unsigned fs_pwc_level;          /* 0: the first-stage walk began at the root; else the L
					 * of the walk-cache hit it resumed below */
	unsigned nrefs;
	struct nested_ref refs[NESTED_MAX_REFS];
	unsigned nss;
	struct nested_ss ss[NESTED_MAX_SS];
	unsigned nfs;
	struct nested_fs fs[FL_LEVELS_MAX];
};

/*
 * Translate one untranslated request of iova (a write when is_write) through
 * the first stage at cfg->fs_root_gpa and the second stage at cfg->ss_root,
 * reading physmem pm, skipping what caches (may be NULL) hold. Order: iova
 * beyond 2^(12 + 9 fs_levels) -> 0x4 first stage, nothing read; a walk-cache
 * hit; for each first-stage level, the entry's GPA through the second stage,
 * then the entry; the first stage's permission check; the output GPA through
 * the second stage with the request's permission. Levels out of range ->
 * DMAR_FAULT_CTX_INVALID (0x3, stage none), nothing read. Returns x->fault;
 * never fails as a call. Pure: reads only.
 */
enum dmar_fault nested_translate(const struct physmem *pm, const struct nested_cfg *cfg,
				 const struct nested_caches *caches, uint64_t iova, bool is_write,
				 struct nested_xlate *x);

/* "none", "first", "second". */
const char *nested_stage_name(enum nested_stage s);

#endif
