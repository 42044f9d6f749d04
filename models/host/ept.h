/* ept.h - a VM's extended page table (GPA -> HPA for the guest's CPU) and the vCPU's EPT TLB
 *
 * The hypervisor builds one EPT per VM from the VM's memory ranges (vms:,
 * sim/isolation.h): every range [gpa, +size) -> [base, +size), read/write.
 * The tables are real tables in simulated memory (models/iommu/physmem.h),
 * in the VT-d second-level format of models/iommu/pgtable.h, which is the
 * EPT format (Intel SDM vol. 3, "EPT Translation Mechanism"): 512 8-byte
 * entries per 4 KiB table, 4 levels for a 48-bit guest-physical address (5
 * for 57), bit 0 R, bit 1 W, bit 7 PS (2 MiB / 1 GiB leaves), bits 51:12
 * the address. EPT's X bit (2) is never set: guest instruction fetches are
 * not modelled. An entry with R = W = 0 is not present; the walk of a GPA
 * that reaches one is an EPT violation.
 *
 * Emulated MMIO ranges (an emulated device's BAR in the guest-physical
 * space) are deliberately left unmapped: an access to one takes an EPT
 * violation that the hypervisor recognises as MMIO and emulates (a VM exit
 * for MMIO). KVM instead marks such GPAs with reserved-bit ("misconfigured")
 * entries so they exit as EPT misconfigurations; the model does not
 * distinguish the two exits.
 *
 * Extra mappings (the hypervisor mapping something else into the guest:
 * a shared page, or a bug) may be added; one that reaches host-physical
 * memory the VM does not own is refused unless the caller allows it (the
 * deliberately misconfigured case, whose accesses then count as isolation
 * violations).
 *
 * The TLB: a vCPU's cache of GPA -> HPA translations, one models/iommu/
 * sacache.h cache holding 4 KiB, 2 MiB and 1 GiB entries (tagged by size).
 *
 * Not modelled: guest paging (accesses are guest-physical: no GVA -> GPA
 * walk, no 2D walk, no combined GVA -> HPA entries, no VPID); accessed and
 * dirty flags; EPT misconfiguration exits; memory types (EMT, IPAT);
 * execute permission and mode-based execute control; sub-page permissions;
 * EPT paging-structure caches; INVEPT and EPT changes during the run (the
 * MMU notifier that would drive them); page-modification logging.
 */
#ifndef IOVSIM_EPT_H
#define IOVSIM_EPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isolation.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/sacache.h"

/* An emulated device register range in the guest-physical space. */
struct ept_mmio {
	uint64_t gpa, size;
};

/* One VM's EPT. Fields are read-only outside ept.c. */
struct ept {
	struct physmem *pm;             /* owned: the table frames' memory */
	struct pgtable *pt;             /* owned: the table, rooted at pt->root (the EPTP) */
	size_t nmmio;
	struct ept_mmio *mmio;          /* owned copy */
};

/*
 * Create an empty EPT of 'levels' levels (4 or 5; 3 is refused: EPT has no
 * 3-level form) whose tables come from the host-physical region
 * [table_base, +table_size) (4 KiB multiples). Returns NULL with e set
 * (IOV_BAD_INPUT bad arguments, IOV_INTERNAL host memory). Free with ept_free.
 */
struct ept *ept_create(unsigned levels, uint64_t table_base, uint64_t table_size,
		       struct iov_err *e);

/* Free the tables and the struct. NULL is a no-op. */
void ept_free(struct ept *ept);

/*
 * Map every memory range of vm, read/write, with the largest page sizes of
 * 'pgsizes' (PGT_PGSIZES_ALL or PGT_PGSIZES_4K) where GPA and HPA are both
 * aligned. Returns 0, or -1 with e set (IOV_BAD_INPUT: a range the table
 * cannot hold, out of table frames) naming the VM and the range.
 */
int ept_map_vm(struct ept *ept, const struct sim_vm *vm, uint64_t pgsizes, struct iov_err *e);

/*
 * Map one extra [gpa, +size) -> [hpa, +size) with perms (PGT_PERM_R/W).
 * Returns 0, or -1 with e set (IOV_BAD_INPUT) for bad alignment or a GPA
 * range overlapping an existing mapping ("already mapped"). Ownership of hpa
 * is the caller's check (ept_hpa_owned).
 */
int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms,
	    uint64_t pgsizes, struct iov_err *e);

/*
 * True when every byte of host-physical [hpa, +size) lies in memory ranges
 * of vm (adjacent ranges count together).
 */
bool ept_hpa_owned(const struct sim_vm *vm, uint64_t hpa, uint64_t size);

/*
 * Declare [gpa, +size) an emulated MMIO range (left unmapped). size > 0 and
 * gpa + size must fit the EPT's width. Returns 0, or -1 with e set
 * (IOV_BAD_INPUT) when any byte of it is mapped or it overlaps another MMIO
 * range: an MMIO range over guest memory would silently shadow one or the
 * other. Call after every mapping is in.
 */
int ept_add_mmio(struct ept *ept, uint64_t gpa, uint64_t size, struct iov_err *e);

/* True when gpa lies in a declared MMIO range. */
bool ept_is_mmio(const struct ept *ept, uint64_t gpa);

/* The hardware walk of gpa (pgtable_walk on the EPT; no side effects). */
void ept_walk(const struct ept *ept, uint64_t gpa, struct pgt_walk *w);

/* ---- the vCPU's EPT TLB ----------------------------------------------------------- */

struct ept_tlb_hit {
	uint64_t hpa;                   /* translated address (page base + offset) */
	uint64_t page_size;
	unsigned perms;
};

/*
 * Look gpa up in tlb (entries filled by ept_tlb_fill): probes the 4 KiB,
 * 2 MiB and 1 GiB tags (in parallel, as a CPU's TLB does); on a hit fills
 * *h and makes the entry most recently used. Returns true on a hit. Does
 * not touch the cache's own counters except through the one hitting lookup.
 */
bool ept_tlb_lookup(struct sacache *tlb, uint64_t gpa, struct ept_tlb_hit *h);

/* Cache the translation of a successful walk w (status OK). */
void ept_tlb_fill(struct sacache *tlb, const struct pgt_walk *w);

/* aux_tag_mask for sacache_create of an EPT TLB. */
#define EPT_TLB_TAG_MASK 3u

#endif
