/* fltable.h - VT-d first-stage I/O page tables: guest-owned, x86-64 format, in guest memory
 *
 * In nested translation the guest's driver owns a table IOVA -> GPA in the
 * format of the CPU's own page tables, and the hypervisor's second-stage
 * table (pgtable.h) maps GPA -> HPA. This file is the first stage: 4 levels
 * (48-bit IOVA) or 5 levels (57-bit), each table one 4 KiB frame of 512
 * 8-byte entries, levels numbered as in pgtable.h (1 = PT ... 5 = PML5) and
 * indexed the same way (pgtable_index(), pgtable_entry_addr() apply as they
 * are). Entry layout (Intel SDM vol. 3 "4-Level Paging and 5-Level Paging";
 * VT-d spec "First-Level Paging Entries"):
 *
 *   bit  0     P     present
 *   bit  1     R/W   1 = writes allowed (reads need only P)
 *   bit  2     U/S   1 = user-mode accesses allowed
 *   bit  7     PS    level 2/3: this entry is a 2 MiB / 1 GiB leaf
 *                    (level 1 entries are always leaves; levels 4/5 ignore it)
 *   bits 51:12 ADDR  next table's GPA, or the page's GPA
 *   bit 63     XD    execute disable
 *
 * Table pointers are written P | R/W | U/S with XD clear, so a leaf's bits are
 * the effective ones; a walk ANDs R/W and U/S and ORs XD over all levels, as
 * the hardware does.
 *
 * Where the frames are. Every table frame has a GPA (the root's is what the
 * PASID entry's FLPTPTR holds), and its contents live in host memory at the
 * HPA the second stage maps that GPA to. The builder is given two things:
 *  - gmem, a physmem standing for guest memory, used only as the guest
 *    kernel's page allocator: its region is the GPA range the guest takes
 *    table pages from, and physmem_alloc_frame() hands out GPAs. fltable never
 *    reads or writes gmem's storage (physmem zeroes a frame of it per
 *    allocation; that simulator memory is the price of reusing its allocator);
 *  - ss, the second-stage table, through which every GPA the builder touches
 *    is resolved to an HPA of ss->pm, where the entries are read and written.
 * Why a resolver rather than "GPA = HPA - offset": the hardware finds the
 * HPA through ss, so the builder looks it up in the same place; there is no
 * second copy of the GPA -> HPA map to drift from it, the hypervisor keeps
 * guest memory wherever it likes (not inside the host table-frame region,
 * which the guest must not see), and a test that remaps a table's GPA in ss
 * moves the table for the hardware and for the builder alike.
 * Each frame's GPA must be mapped by ss (any permission) when the builder
 * allocates it and stay mapped to the same HPA while the table is in use: a
 * new frame is zeroed at that HPA (the guest zeroes a page it is about to use
 * as a table; the HPA may hold an older table's entries).
 *
 * Not modelled: accessed/dirty bits, PAT/PWT/PCD and the global bit (never
 * set, ignored on reads), protection keys, reserved-bit checks, canonical
 * upper-half addresses (an IOVA at or above 2^width is beyond the width),
 * any timing.
 */
#ifndef IOVSIM_FLTABLE_H
#define IOVSIM_FLTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "pgtable.h"
#include "physmem.h"

#define FL_ENTRY_P (1ull << 0)
#define FL_ENTRY_RW (1ull << 1)
#define FL_ENTRY_US (1ull << 2)
#define FL_ENTRY_PS (1ull << 7)
#define FL_ENTRY_XD (1ull << 63)
#define FL_ENTRY_ADDR 0x000ffffffffff000ull     /* bits 51:12 */

/* Permission masks. R and W equal PGT_PERM_R/W so the two stages' masks AND directly. */
#define FL_PERM_R PGT_PERM_R    /* readable: every present page */
#define FL_PERM_W PGT_PERM_W    /* R/W = 1 at every level */
#define FL_PERM_U 4u            /* U/S = 1 at every level */
#define FL_PERM_X 8u            /* XD = 0 at every level */
#define FL_PERM_ALL (FL_PERM_R | FL_PERM_W | FL_PERM_U | FL_PERM_X)

#define FL_LEVELS_MIN 4
#define FL_LEVELS_MAX 5

struct fl_decoded {
	enum pgt_entry_kind kind;       /* NOT_PRESENT (P = 0), TABLE or LEAF */
	uint64_t addr;                  /* TABLE: next table's GPA; LEAF: page base GPA */
	uint64_t page_size;             /* LEAF only */
	unsigned perms;                 /* FL_PERM_* of this entry alone (0 if not present) */
};

/* What the entry value read at 'level' means. Pure. */
void fltable_decode(uint64_t entry, unsigned level, struct fl_decoded *d);

/* A guest's first-stage table, as its driver sees it. Fields are read-only outside fltable.c. */
struct fltable {
	struct physmem *gmem;           /* guest memory: the GPA frame allocator; not owned */
	const struct pgtable *ss;       /* GPA -> HPA; ss->pm holds the entries; not owned */
	uint64_t root_gpa;              /* GPA of the top table: goes in FLPTPTR */
	unsigned levels;                /* 4 or 5 */
	unsigned width;                 /* IOVA bits: 48, 57 */
	uint64_t tables;                /* table frames, root included */
	uint64_t mapped_bytes;
	uint64_t leaves[3];             /* leaf entries by size: [0] 4 KiB, [1] 2 MiB, [2] 1 GiB */
};

/*
 * Create an empty table of 'levels' levels (4 or 5): allocates the root's GPA
 * from gmem and zeroes it at the HPA ss maps it to. gmem and ss must outlive
 * it. Returns NULL with e set: IOV_BAD_INPUT for bad levels, no frame left in
 * gmem, or a frame GPA that ss does not map; IOV_INTERNAL for host memory.
 * Release with fltable_free().
 */
struct fltable *fltable_create(struct physmem *gmem, const struct pgtable *ss, unsigned levels,
			       struct iov_err *e);

/* Give every table frame's GPA back to gmem and free the struct. NULL is a no-op. */
void fltable_free(struct fltable *fl);

/*
 * Map [iova, iova + size) to GPAs [gpa, gpa + size) with perms: FL_PERM_R
 * (required: x86 paging has no write-only or no-access present page) plus any
 * of FL_PERM_W, FL_PERM_U, FL_PERM_X. iova, gpa and size 4 KiB multiples,
 * size > 0, iova + size <= 2^width, gpa + size <= 2^52. Page sizes as in
 * pgtable_map(): at each step the largest size in pgsizes (a mask of
 * PGT_SIZE_*, 4 KiB included) that iova and gpa are aligned to and that fits.
 * Returns 0, or -1 with e set (IOV_BAD_INPUT: bad arguments, overlap with an
 * existing mapping, no frame left, a new frame's GPA not mapped by ss). On
 * failure nothing has changed.
 */
int fltable_map(struct fltable *fl, uint64_t iova, uint64_t gpa, uint64_t size, unsigned perms,
		uint64_t pgsizes, struct iov_err *e);

/*
 * Unmap every mapped page in [iova, iova + size) (4 KiB multiples, size > 0,
 * within the width); holes are skipped. A superpage only partly inside the
 * range is refused before anything changes (IOV_BAD_INPUT; first-stage
 * superpages are not split, as io-pgtable-arm does not). A table left empty
 * is detached from its parent (never the root) and its GPA goes into g when
 * g is non-NULL (release with pgtable_gather_release(fl->gmem, g) after the
 * invalidation), else back to gmem at once; g also accumulates the IOVA
 * range to invalidate. Returns the bytes unmapped, or -1 with e set.
 */
int64_t fltable_unmap(struct fltable *fl, uint64_t iova, uint64_t size, struct pgt_gather *g,
		      struct iov_err *e);

/*
 * The software view of one IOVA (the guest driver's iova_to_phys): sets
 * *gpa, *page_size and *perms (FL_PERM_*) and returns 0 when mapped, -1 when
 * not (nothing set). Not the hardware walk: nested.h has that.
 */
int fltable_lookup(const struct fltable *fl, uint64_t iova, uint64_t *gpa, uint64_t *page_size,
		   unsigned *perms);

/* HPA where the guest-physical word at gpa lives (through fl->ss); -1 when ss does not map it. */
int fltable_gpa_to_hpa(const struct fltable *fl, uint64_t gpa, uint64_t *hpa);

#endif
