/* pasid.h - VT-d scalable-mode PASID directory and PASID tables, the PASID cache, and the pure PASID translation
 *
 * A device configured for PASIDs gets a scalable-mode context entry; the
 * entry points to a PASID directory, whose entries point to PASID tables,
 * whose entries say how requests of that PASID translate: second stage only
 * (IOVA -> HPA through the domain's table), first stage only (IOVA -> HPA
 * through an x86-format table, fltable.h), nested (first stage IOVA -> GPA
 * over second stage GPA -> HPA, nested.h) or pass-through, and with which
 * domain id. Requests without PASID use the context's RID_PASID entry.
 *
 * Layout (VT-d spec rev. 3.x, "Scalable-Mode Context Entry", "Scalable-Mode
 * PASID Directory Entry", "Scalable-Mode PASID Table Entry"):
 *
 *   context entry (scalable)  lo bit 0 P, bit 1 FPD, bit 2 DTE, bit 3 PASIDE,
 *                             lo 11:9 PDTS (directory of 2^(PDTS + 7) entries),
 *                             lo 63:12 PASIDDIRPTR; hi 19:0 RID_PASID
 *   directory entry (8 B)     at PASIDDIRPTR + 8 * PASID[19:6]:
 *                             bit 0 P, bit 1 FPD, 63:12 SMPTBLPTR
 *   PASID entry (64 B)        at SMPTBLPTR + 64 * PASID[5:0]:
 *                             word 0: bit 0 P, bit 1 FPD, 4:2 AW, 8:6 PGTT
 *                             (001b first stage, 010b second stage, 011b
 *                             nested, 100b pass-through), 63:12 SLPTPTR;
 *                             word 1: 15:0 DID;
 *                             word 2: 3:2 FLPM (00b 4-level, 01b 5-level),
 *                             63:12 FLPTPTR
 *
 * What the model does differently (and why):
 *  - Scalable mode is per device, not global (RTADDR_REG.TTM): the model keeps
 *    the legacy root table and 16-byte context entries for every device and
 *    writes, for a PASID device, the lower half of a scalable-mode context
 *    entry into its slot with DTE = PASIDE = 1. Those two bits sit where the
 *    legacy entry has TT, and 11b is the TT value legacy mode reserves: that
 *    is how the hardware side (ctxtable.c, with dmar_caps.scalable) tells the
 *    formats apart. So a scalable context read is one 16-byte read, not 32.
 *  - The directory is one 4 KiB frame (PDTS <= 2: up to 512 entries, PASIDs
 *    below 32768); a larger PDTS is invalid context programming (0x3).
 *  - A PASID entry read is one 64-byte read (one cache line); fields the
 *    model does not use (SLEE, SLADE, SRE, WPE, EAFE, PWSNP, PGSNP, PASID
 *    granular PAT...) are written 0 and ignored.
 *
 * Faults: the scalable-mode PASID codes of ctxtable.h (0x46 PASID above the
 * directory's size, 0x50/0x51 directory entry unreadable / not present,
 * 0x58/0x59 PASID entry unreadable / not present, 0x5B invalid PASID entry);
 * context and paging faults keep the legacy codes (0x1-0x9), where the spec
 * has separate scalable-mode ones (0x38-0x43, 0x70-0x86): not modelled.
 *
 * Not modelled: 256-bit scalable-mode root/context entries, PASIDE = 0 (fault
 * 0x45), page requests (PRE), requests with execute or privileged attributes,
 * SRE/ERE checks, reserved-field faults, A/D updates, PASID-granular memory
 * types; the legacy context of a device without PASIDs translates a request
 * with a PASID as one without (the PASID is ignored).
 */
#ifndef IOVSIM_PASID_H
#define IOVSIM_PASID_H

#include <stdbool.h>
#include <stdint.h>

#include "ctxtable.h"
#include "err.h"
#include "nested.h"
#include "physmem.h"
#include "sacache.h"

#define PASID_NONE UINT32_MAX           /* a request without PASID (= IOTLB_NO_PASID) */
#define PASID_BITS 20
#define PASID_PER_TABLE 64              /* PASID[5:0] */
#define PASID_ENTRY_SIZE 64
#define PASID_DIR_ENTRY_SIZE 8
#define PASID_PDTS_MAX 2                /* the model's directory: one 4 KiB frame */

#define PASID_DE_P (1ull << 0)
#define PASID_DE_FPD (1ull << 1)
#define PASID_DE_PTR 0xfffffffffffff000ull

#define PASID_W0_P (1ull << 0)
#define PASID_W0_FPD (1ull << 1)
#define PASID_W0_AW_SHIFT 2
#define PASID_W0_AW_MASK (7ull << PASID_W0_AW_SHIFT)
#define PASID_W0_PGTT_SHIFT 6
#define PASID_W0_PGTT_MASK (7ull << PASID_W0_PGTT_SHIFT)
#define PASID_W0_SLPTPTR 0xfffffffffffff000ull
#define PASID_W1_DID_MASK 0xffffull
#define PASID_W2_FLPM_SHIFT 2
#define PASID_W2_FLPM_MASK (3ull << PASID_W2_FLPM_SHIFT)
#define PASID_W2_FLPTPTR 0xfffffffffffff000ull

enum pasid_pgtt {
	PASID_PGTT_FIRST = 1,           /* 001b: first stage only */
	PASID_PGTT_SECOND = 2,          /* 010b: second stage only */
	PASID_PGTT_NESTED = 3,          /* 011b */
	PASID_PGTT_PASS_THROUGH = 4,    /* 100b */
};

/* "first", "second", "nested", "pass_through"; "invalid" otherwise. */
const char *pasid_pgtt_name(unsigned pgtt);

/* Number of PASIDs a directory of PDTS 'pdts' covers: 64 * 2^(pdts + 7). */
static inline uint64_t pasid_limit(unsigned pdts)
{
	return (uint64_t)PASID_PER_TABLE << (pdts + 7);
}

/* A PASID table entry, decoded (values as programmed, valid or not). */
struct pasid_entry {
	bool present, fpd;
	unsigned pgtt;                  /* enum pasid_pgtt; 3 bits */
	unsigned aw;                    /* second stage: as the context entry's AW (ctx_aw_levels) */
	unsigned flpm;                  /* first stage: 0 = 4-level, 1 = 5-level */
	uint16_t did;
	uint64_t slptptr;               /* HPA of the second-stage top table */
	uint64_t flptptr;               /* first stage: GPA (nested) or HPA (first only) of its top */
};

void pasid_entry_encode(const struct pasid_entry *pe, uint64_t w[3]);
void pasid_entry_decode(const uint64_t w[3], struct pasid_entry *pe);

/* ------------------------------------------------------ software side -- */

/* One device's PASID directory and tables, as the driver built them. Read-only outside
 * pasid.c. */
struct pasid_dir {
	struct physmem *pm;             /* not owned */
	uint64_t dir;                   /* HPA of the directory frame: PASIDDIRPTR */
	unsigned pdts;
	uint64_t tables[512];           /* PASID table frame per directory index, 0 = none */
	unsigned present;               /* present PASID entries written through this API */
};

/*
 * Allocate a zeroed directory of 2^(pdts + 7) entries (pdts <= PASID_PDTS_MAX)
 * from pm, which must outlive it. Returns NULL with e set (bad pdts, no frame,
 * host memory). Free with pasid_dir_destroy (NULL: no-op), which gives the
 * directory and table frames back.
 */
struct pasid_dir *pasid_dir_create(struct physmem *pm, unsigned pdts, struct iov_err *e);
void pasid_dir_destroy(struct pasid_dir *d);

/*
 * Write the entry of 'pasid' (below pasid_limit(pdts)), allocating its PASID
 * table and making its directory entry present on first use; words 1 and 2
 * are written before word 0 (with P). Flushing the PASID cache and IOTLB is
 * the caller's business. Returns 0 or -1 with e set (PASID out of range, no
 * frame).
 */
int pasid_set(struct pasid_dir *d, uint32_t pasid, const struct pasid_entry *pe,
	      struct iov_err *e);

/* Zero the entry of pasid. Returns true when it was present. */
bool pasid_clear(struct pasid_dir *d, uint32_t pasid);

/* Point requester rid's context entry at d (scalable mode, DTE = PASIDE = 1), with
 * RID_PASID rid_pasid and CTX_F_FPD in flags. Returns 0 or -1 with e set. */
int pasid_ctx_set(struct ctxtable *ct, uint16_t rid, const struct pasid_dir *d,
		  uint32_t rid_pasid, unsigned flags, struct iov_err *e);

/* ------------------------------------------------------ hardware side -- */

/*
 * Translate one untranslated request of requester rid with PASID pasid
 * (PASID_NONE: without one) as the hardware would with no caches. A legacy
 * context: as dmar_translate (the PASID is ignored). A scalable context: the
 * PASID used is pasid, or RID_PASID without one (x->pasid); above the
 * directory -> 0x46; the directory entry (0x50 unreadable, 0x51 not
 * present), the PASID entry (0x58, 0x59; PGTT, AW or FLPM not supported ->
 * 0x5B); FPD of either entry suppresses later qualified faults as the
 * context's does. Then by PGTT: pass-through; second stage as
 * dmar_translate_ctx from SLPTPTR; first stage only or nested through
 * nested_translate (first only: with an identity second stage that reads
 * nothing), whose outcome (fault, pa, page size, perms) is copied to x and
 * whose trace goes to *nx when nx is not NULL. x->reads ends with the PASID
 * entry for those two. Returns x->fault. Pure.
 */
enum dmar_fault dmar_translate_pasid(const struct physmem *pm, uint64_t rtaddr,
				     const struct dmar_caps *caps, uint16_t rid, uint32_t pasid,
				     uint64_t iova, bool is_write, struct dmar_xlate *x,
				     struct nested_xlate *nx);

/* The nested_cfg of x's PASID entry (first stage only or nested). */
struct nested_cfg pasid_nested_cfg(const struct dmar_xlate *x, unsigned ss_levels);

/* A nested_caches.ss_lookup for first-stage-only translation: every GPA is
 * its own HPA (1 GiB pages, read/write), nothing is read. ctx is unused. */
bool pasid_ss_identity(void *ctx, uint64_t gpa, uint64_t *hpa_page, uint64_t *page_size,
		       unsigned *perms);

/* ------------------------------------------------------ PASID cache -- */

/*
 * (requester ID, PASID) -> the PASID entry's domain id, over sacache.h (the
 * one cache parameter block). A hit spares the directory and PASID entry
 * reads. Set index: sacache_index(cache, pasid, rid).
 */
struct pasid_cache;

/* Create (see iotlb_create for ownership, seed and errors). */
struct pasid_cache *pasid_cache_create(const struct sacache_geom *g, uint64_t seed,
				       const char *what, struct iov_err *e);
/* Free it. NULL is allowed. */
void pasid_cache_destroy(struct pasid_cache *pc);

/* Look (rid, pasid) up (pasid < 2^20); on a hit set *did (may be NULL) and return true. */
bool pasid_cache_lookup(struct pasid_cache *pc, uint16_t rid, uint32_t pasid, uint16_t *did);

/* Cache (rid, pasid) -> did (updated in place if present). Returns 0, -1 for a bad pasid. */
int pasid_cache_insert(struct pasid_cache *pc, uint16_t rid, uint32_t pasid, uint16_t did);

/* Invalidation (VT-d PASID-cache invalidate descriptor granularities): every entry of
 * (did, pasid); every entry of did; everything. Each returns the number removed. */
size_t pasid_cache_invalidate_pasid(struct pasid_cache *pc, uint16_t did, uint32_t pasid);
size_t pasid_cache_invalidate_domain(struct pasid_cache *pc, uint16_t did);
size_t pasid_cache_invalidate_global(struct pasid_cache *pc);

/* The underlying cache (its counters: enum sacache_ctr). */
struct sacache *pasid_cache_array(struct pasid_cache *pc);

#endif
