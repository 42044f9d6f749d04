/* ctxtable.h - VT-d legacy-mode root and context tables, DMA-remapping fault reasons, and the pure translation
 *
 * Structures (Intel VT-d spec, "Root Entry" and "Context Entry", legacy
 * mode; FACTS.md, IOMMU). Both are 128-bit entries, 256 per 4 KiB table, in
 * physmem, read as two little-endian 64-bit words (lo at +0, hi at +8):
 *
 *   root table   at RTADDR, indexed by bus:   entry = RTADDR + 16 * bus
 *     lo bit  0      P     present
 *     lo bits 63:12  CTP   context-table pointer (HPA)
 *     (all other bits reserved in legacy mode)
 *
 *   context table at CTP, indexed by devfn:   entry = CTP + 16 * devfn
 *     lo bit  0      P        present
 *     lo bit  1      FPD      fault processing disable
 *     lo bits 3:2    TT       translation type: 00b untranslated requests are
 *                             translated (no device TLB), 01b same with device
 *                             TLB (ATS) allowed, 10b pass-through, 11b reserved
 *     lo bits 63:12  SLPTPTR  second-level page-table pointer (HPA of the top table)
 *     hi bits 2:0    AW       address width: 1 = 39-bit (3-level), 2 = 48-bit
 *                             (4-level), 3 = 57-bit (5-level); others reserved
 *     hi bits 6:3    AVAIL    ignored by hardware
 *     hi bits 23:8   DID      domain identifier (16 bits)
 *
 * dmar_translate() is the hardware's decision for one untranslated request
 * (context lookup, address-width check, page walk, permission check), pure:
 * it reads physmem and returns the outcome with every structure read it made,
 * in order, for the IOMMU component to replay through the memory model.
 *
 * A context entry with TT = 11b is, when dmar_caps.scalable is set, the lower
 * half of a scalable-mode context entry (PDTS, PASIDDIRPTR, RID_PASID):
 * pasid.h reads the PASID structures behind it (dmar_translate_pasid).
 *
 * Not modelled: 256-bit scalable-mode root/context entries (the PASID part is
 * pasid.h; nested translation uses fltable.h / nested.h), extended root/
 * context entries, reserved-field checks (faults 0xA-0xC), translation
 * requests / translated requests (ATS, fault 0xD), interrupt remapping
 * (faults 0x20-0x26; another file), and every timing and cache.
 */
#ifndef IOVSIM_CTXTABLE_H
#define IOVSIM_CTXTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "pgtable.h"
#include "physmem.h"

#define CTX_ENTRIES 256
#define CTX_ENTRY_SIZE 16

#define CTX_ROOT_P (1ull << 0)
#define CTX_ROOT_CTP 0xfffffffffffff000ull

#define CTX_LO_P (1ull << 0)
#define CTX_LO_FPD (1ull << 1)
#define CTX_LO_TT_SHIFT 2
#define CTX_LO_TT_MASK (3ull << CTX_LO_TT_SHIFT)
#define CTX_LO_SLPTPTR 0xfffffffffffff000ull
#define CTX_HI_AW_MASK 7ull
#define CTX_HI_DID_SHIFT 8
#define CTX_HI_DID_MASK (0xffffull << CTX_HI_DID_SHIFT)

enum ctx_tt {
	CTX_TT_UNTRANSLATED = 0,        /* 00b */
	CTX_TT_DEV_TLB = 1,             /* 01b */
	CTX_TT_PASS_THROUGH = 2,        /* 10b */
	CTX_TT_RESERVED = 3,            /* 11b: reserved in legacy mode; with dmar_caps.scalable
					 * the entry is a scalable-mode one (pasid.h) */
};
#define CTX_TT_SCALABLE CTX_TT_RESERVED

/* Scalable-mode context entry fields (pasid.h): lo 11:9 PDTS, lo 63:12 PASIDDIRPTR,
 * hi 19:0 RID_PASID. */
#define CTX_LO_PDTS_SHIFT 9
#define CTX_LO_PDTS_MASK (7ull << CTX_LO_PDTS_SHIFT)
#define CTX_HI_RID_PASID_MASK 0xfffffull

/* A context entry, decoded field by field (values as programmed, valid or not). */
struct ctx_entry {
	bool present;
	bool fpd;
	unsigned tt;                    /* enum ctx_tt, 2 bits */
	unsigned aw;                    /* 3 bits; see ctx_aw_levels() */
	uint16_t did;
	uint64_t slptptr;               /* bits 63:12 (scalable: PASIDDIRPTR) */
	unsigned pdts;                  /* scalable only: PASID directory of 2^(pdts + 7) entries */
	uint32_t rid_pasid;             /* scalable only: PASID of requests without one */
};

void ctx_entry_encode(const struct ctx_entry *ce, uint64_t *lo, uint64_t *hi);
void ctx_entry_decode(uint64_t lo, uint64_t hi, struct ctx_entry *ce);

/* Page-table levels for an AW value: 1 -> 3, 2 -> 4, 3 -> 5; 0 for a reserved value. */
unsigned ctx_aw_levels(unsigned aw);
/* AW value for 3, 4 or 5 levels; 0 (reserved) otherwise. */
unsigned ctx_levels_aw(unsigned levels);

/* ------------------------------------------------------ fault reasons -- */

/*
 * VT-d legacy-mode DMA-remapping fault reasons (FACTS.md lists 0x1-0x7; 0x8
 * and 0x9 are the spec's codes for a failed read of a root or context entry,
 * the same table as the others).
 */
enum dmar_fault {
	DMAR_OK = 0,
	DMAR_FAULT_ROOT_NOT_PRESENT = 0x1,      /* P clear in the root entry */
	DMAR_FAULT_CTX_NOT_PRESENT = 0x2,       /* P clear in the context entry */
	DMAR_FAULT_CTX_INVALID = 0x3,           /* AW/TT not supported, or SLPTPTR read failed */
	DMAR_FAULT_ADDR_WIDTH = 0x4,            /* address above 2^min(MGAW, AGAW) - 1 */
	DMAR_FAULT_NO_WRITE = 0x5,              /* write without W (incl. not-present entry) */
	DMAR_FAULT_NO_READ = 0x6,               /* read without R (incl. not-present entry) */
	DMAR_FAULT_PTE_READ = 0x7,              /* error reading a paging entry (via ADDR) */
	DMAR_FAULT_ROOT_READ = 0x8,             /* error reading the root entry */
	DMAR_FAULT_CTX_READ = 0x9,              /* error reading the context entry */
	/*
	 * Scalable-mode codes the model produces (pasid.h), as the VT-d spec's
	 * scalable-mode fault table numbers them (rev. 3.x; the same codes are in
	 * Linux's drivers/iommu/intel/dmar.c, dma_remap_sm_fault_reasons[]). Not in
	 * FACTS.md.
	 */
	DMAR_FAULT_SM_PASID_MAX = 0x46,         /* PASID above the directory's size (PDTS) */
	DMAR_FAULT_SM_PDE_READ = 0x50,          /* error reading the PASID directory entry */
	DMAR_FAULT_SM_PDE_NOT_PRESENT = 0x51,   /* P clear in the PASID directory entry */
	DMAR_FAULT_SM_PE_READ = 0x58,           /* error reading the PASID table entry */
	DMAR_FAULT_SM_PE_NOT_PRESENT = 0x59,    /* P clear in the PASID table entry */
	DMAR_FAULT_SM_PE_INVALID = 0x5b,        /* invalid PASID entry (PGTT, AW, FLPM) */
};
#define DMAR_FAULT_MAX 0x9                /* the last legacy-mode code */
/* Size of an array indexed by any fault code the model produces. */
#define DMAR_FAULT_CODES 0x5c
/* Short identifier for stats names ("ctx_not_present"), "unknown" for a code the model does
 * not produce. */
const char *dmar_fault_name(enum dmar_fault f);
/* One-line description ("context entry not present"), "unknown fault reason" out of range. */
const char *dmar_fault_desc(enum dmar_fault f);
/*
 * Whether the fault is "qualified", i.e. suppressed when the context entry
 * that was read has FPD set (0x1, 0x8 and 0x9 happen before a context entry
 * is available and are always reported).
 */
bool dmar_fault_qualified(enum dmar_fault f);

/* --------------------------------------------------- software tables -- */

/* The root table and the context tables one IOMMU's driver built. Read-only outside ctxtable.c. */
struct ctxtable {
	struct physmem *pm;             /* not owned */
	uint64_t rtaddr;                /* root table HPA: the value for RTADDR_REG */
	uint64_t ctp[CTX_ENTRIES];      /* context table allocated per bus, 0 = none (the driver's
					 * record of what it owns; the hardware reads the root entries) */
	unsigned ctx_tables;            /* context tables allocated */
	unsigned present;               /* present context entries written through this API */
};

/*
 * Allocate a zeroed root table (all buses not present) from pm, which must
 * outlive it. Returns NULL with e set (no frame left, host memory).
 */
struct ctxtable *ctxtable_create(struct physmem *pm, struct iov_err *e);

/* Free the context tables and the root table back to pm (not the page tables). NULL: no-op. */
void ctxtable_destroy(struct ctxtable *ct);

#define CTX_F_FPD 0x1u                  /* set FPD */
#define CTX_F_PASS_THROUGH 0x2u         /* TT = 10b; pt may be NULL (AW is then written as 2, 48-bit) */
#define CTX_F_DEV_TLB 0x4u              /* TT = 01b */

/*
 * Point requester 'rid' (bus << 8 | devfn) at domain 'did' translated by pt
 * (SLPTPTR = pt->root, AW from pt->levels), with CTX_F_* flags. Allocates the
 * bus's context table on first use and makes its root entry present. An
 * existing context entry is overwritten (flushing the context cache is the
 * caller's business). Returns 0, or -1 with e set (IOV_BAD_INPUT: pt NULL
 * without pass-through, pt in another physmem, unknown or conflicting flags,
 * no frame left).
 */
int ctxtable_set(struct ctxtable *ct, uint16_t rid, uint16_t did, const struct pgtable *pt,
		 unsigned flags, struct iov_err *e);

/*
 * Write any context entry, valid or not, for rid (fault injection, invalid
 * programming). Allocates the bus's context table like ctxtable_set().
 */
int ctxtable_set_entry(struct ctxtable *ct, uint16_t rid, const struct ctx_entry *ce,
		       struct iov_err *e);

/* Zero rid's context entry. Returns true when it was present. Context tables are kept. */
bool ctxtable_clear(struct ctxtable *ct, uint16_t rid);

/* ------------------------------------------------------ hardware side -- */

/* What the IOMMU hardware supports (VT-d CAP/ECAP register fields). */
struct dmar_caps {
	unsigned sagaw;                 /* CAP.SAGAW: bit n set = AW value n supported
					 * (bit 1: 3-level, bit 2: 4-level, bit 3: 5-level) */
	unsigned mgaw;                  /* CAP.MGAW + 1: max guest address width in bits (39..57) */
	bool pass_through;              /* ECAP.PT: TT = 10b allowed */
	bool dev_tlb;                   /* ECAP.DT: TT = 01b allowed */
	bool scalable;                  /* ECAP.SMTS: scalable-mode contexts (TT = 11b) allowed */
};

enum dmar_read_kind {
	DMAR_READ_ROOT = 0,             /* 16-byte root entry */
	DMAR_READ_CONTEXT,              /* 16-byte context entry */
	DMAR_READ_PAGING,               /* 8-byte paging entry at 'level' */
	DMAR_READ_PASID_DIR,            /* 8-byte PASID directory entry (pasid.h) */
	DMAR_READ_PASID,                /* 64-byte PASID table entry (words 0..2 kept) */
};

struct dmar_read {
	uint64_t pa;                    /* HPA read */
	uint64_t val[3];                /* value read (val[1] for 16-byte entries, val[1..2]
					 * for PASID entries); 0 if !ok */
	uint8_t kind;                   /* enum dmar_read_kind */
	uint8_t size;                   /* bytes: 16 or 8 */
	uint8_t level;                  /* paging entries: 1..5 */
	bool ok;                        /* false: unbacked memory (always the last read) */
};

#define DMAR_MAX_READS (4 + PGT_LEVELS_MAX)     /* root, context, PASID dir, PASID */

struct dmar_xlate {
	enum dmar_fault fault;          /* DMAR_OK or the reason */
	bool report;                    /* fault to be recorded: false when FPD suppresses it */
	uint16_t rid;
	uint64_t iova;
	bool is_write;
	struct ctx_entry ce;            /* the context entry, when it was read (nreads >= 2 and ok) */
	unsigned levels;                /* page-table levels from AW (0 if not reached) */
	bool pass_through;              /* OK through a TT = 10b context: pa = iova, no walk */
	uint64_t pa;                    /* OK: HPA */
	uint64_t page_size;             /* OK: leaf size (4 KiB for pass-through) */
	unsigned perms;                 /* OK: effective PGT_PERM_* */
	/* Scalable-mode contexts (pasid.h); legacy: scalable false, pasid IOTLB_NO_PASID. */
	bool ctx_ok;                    /* the context entry was read and is usable */
	bool scalable;                  /* the context is a scalable-mode one */
	bool pasid_ok;                  /* the PASID entry was read and is usable */
	uint32_t pasid;                 /* scalable: the PASID used (RID_PASID for requests
					 * without one): the cache tag; else UINT32_MAX */
	unsigned pgtt;                  /* scalable: the PASID entry's PGTT */
	uint64_t fs_root;               /* first-stage / nested: FLPTPTR */
	unsigned fs_levels;             /* first-stage / nested: 4 or 5 */
	unsigned nreads;
	struct dmar_read reads[DMAR_MAX_READS];
};

/*
 * Context lookup only: read the root and context entries for rid under the
 * root table at rtaddr, and check the context entry against caps. Fills x's
 * rid, ce, levels, reads and fault (DMAR_OK when the context is usable);
 * returns x->fault. Pure.
 */
enum dmar_fault dmar_context_lookup(const struct physmem *pm, uint64_t rtaddr,
				    const struct dmar_caps *caps, uint16_t rid,
				    struct dmar_xlate *x);

/*
 * Translate one untranslated DMA request (legacy mode), as the hardware
 * would with no caches: context lookup; pass-through; iova above
 * 2^min(MGAW, AGAW) - 1 -> 0x4; page walk from SLPTPTR (a failed read of the
 * top table's entry -> 0x3, of a deeper one -> 0x7; a not-present entry ->
 * 0x5 for a write, 0x6 for a read); then the effective permission (0x5 / 0x6).
 * Returns x->fault; x->reads lists every entry read in order. Pure.
 */
enum dmar_fault dmar_translate(const struct physmem *pm, uint64_t rtaddr,
			       const struct dmar_caps *caps, uint16_t rid, uint64_t iova,
			       bool is_write, struct dmar_xlate *x);

/*
 * The second-stage part of dmar_translate, for a context (or PASID entry)
 * already in x: x->ce.tt, x->ce.slptptr and x->levels say what to walk,
 * x->nreads what was read so far. Pass-through, the width check (0x4), the
 * walk (a failed first read -> 0x3 legacy / first_read_fault, deeper -> 0x7)
 * and the permission check. Sets x->iova, x->is_write. Returns x->fault. Pure.
 */
enum dmar_fault dmar_translate_ctx(const struct physmem *pm, const struct dmar_caps *caps,
				   uint64_t iova, bool is_write, enum dmar_fault first_read_fault,
				   struct dmar_xlate *x);

/* Record fault f in x (and whether it is reported: FPD of the context and, once read, of
 * the PASID directory / table entries, for qualified faults). Returns f. */
enum dmar_fault dmar_done(struct dmar_xlate *x, enum dmar_fault f);

#endif
