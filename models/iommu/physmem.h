/* physmem.h - sparse simulated host memory holding translation structures, and a table-frame allocator
 *
 * The IOMMU's root, context and page tables live here, addressed by host
 * physical address (HPA), as the hardware sees them. Storage is made of 4 KiB
 * frames grouped in chunks of PHYSMEM_CHUNK_FRAMES, created lazily: only
 * physmem_alloc_frame() and physmem_write64() create storage (building or
 * editing tables); a read never allocates. A frame is "backed" once it has been
 * handed out by the allocator or written; it stays backed until
 * physmem_destroy() (memory does not disappear when software frees a table).
 * Reading an address that is not backed fails: that is how the IOMMU's "error
 * reading a paging entry" faults (VT-d 0x7, and 0x3/0x8/0x9 for the first
 * read of a structure) arise in the model.
 *
 * Frame allocator: table pages come from one configured region
 * [base, base + size): a bump pointer, then a LIFO free list of freed frames.
 * Allocated frames are zeroed. A freed frame keeps its contents (a stale walk
 * through it reads what was there, as on real memory) until it is reused.
 *
 * Not modelled: timing (the IOMMU component turns each entry read into a timed
 * read through the memory model); DMA data buffers (payloads are not stored);
 * accesses other than naturally aligned 64-bit words; memory errors other
 * than "not backed" (no ECC/poison); NUMA placement of frames.
 */
#ifndef IOVSIM_PHYSMEM_H
#define IOVSIM_PHYSMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define PHYSMEM_FRAME_SHIFT 12
#define PHYSMEM_FRAME_SIZE (1ull << PHYSMEM_FRAME_SHIFT)        /* 4 KiB */
#define PHYSMEM_CHUNK_FRAMES 64                                 /* storage grows 256 KiB at a time */
#define PHYSMEM_ADDR_BITS 52    /* host address width limit (VT-d HAW <= 52; entry ADDR is bits 51:12) */

struct physmem;

struct physmem_stats {
	uint64_t frames_total;          /* frames in the allocator's region */
	uint64_t frames_in_use;         /* allocated and not freed */
	uint64_t frames_peak;           /* highest frames_in_use seen */
	uint64_t frames_backed;         /* frames with storage (allocated once, or written) */
	uint64_t chunks;                /* storage chunks created */
	uint64_t allocs, frees;         /* successful physmem_alloc_frame / physmem_free_frame */
	uint64_t alloc_failures;        /* region exhausted */
};

/*
 * Create an empty memory whose table frames are allocated from
 * [base, base + size). base and size must be multiples of 4 KiB, size > 0 and
 * base + size <= 2^52. Returns NULL with e set (IOV_BAD_INPUT for a bad
 * region, IOV_INTERNAL when out of host memory). The caller owns the result
 * and releases it with physmem_destroy().
 */
struct physmem *physmem_create(uint64_t base, uint64_t size, struct iov_err *e);

/* Free all storage. Pointers into it (physmem_frame) become invalid. NULL is a no-op. */
void physmem_destroy(struct physmem *pm);

/*
 * Allocate one zeroed 4 KiB frame from the region; *pa receives its address.
 * Reuses the most recently freed frame first, else the next never-used one.
 * Returns 0, or -1 with e set: IOV_BAD_INPUT "out of table frames" when the
 * region is exhausted (counted in alloc_failures; nothing changes),
 * IOV_INTERNAL when host memory runs out.
 */
int physmem_alloc_frame(struct physmem *pm, uint64_t *pa, struct iov_err *e);

/*
 * Give back a frame obtained from physmem_alloc_frame(). Its contents are left
 * as they are (still backed, still readable). Returns 0, or -1 with e set
 * (IOV_INTERNAL) when pa is not an allocated frame of the region (double free,
 * misaligned, outside the region) or host memory runs out.
 */
int physmem_free_frame(struct physmem *pm, uint64_t pa, struct iov_err *e);

/* True when the frame holding pa has storage (reads of it succeed if aligned). */
bool physmem_backed(const struct physmem *pm, uint64_t pa);

/* True when pa lies in the allocator's region [base, base + size). */
bool physmem_in_region(const struct physmem *pm, uint64_t pa);

/*
 * Read the 64-bit little-endian word at pa into *val. Pure: never allocates.
 * Returns 0, or -1 (and *val = 0) when pa is not 8-byte aligned, is at or
 * above 2^52, or is not backed.
 */
int physmem_read64(const struct physmem *pm, uint64_t pa, uint64_t *val);

/*
 * Write val at pa, backing the frame first if needed (such a frame starts
 * zeroed; it is not taken from the allocator even when it lies in the region).
 * Returns 0, or -1 with e set: IOV_BAD_INPUT for a misaligned or too high pa,
 * IOV_INTERNAL when host memory runs out.
 */
int physmem_write64(struct physmem *pm, uint64_t pa, uint64_t val, struct iov_err *e);

/*
 * The 512 words of the frame holding pa, or NULL when it is not backed. The
 * pointer stays valid until physmem_destroy() (chunks never move). Read-only:
 * writes go through physmem_write64(). For bulk scans (is this table empty?).
 */
const uint64_t *physmem_frame(const struct physmem *pm, uint64_t pa);

/* Copy out the counters. */
void physmem_get_stats(const struct physmem *pm, struct physmem_stats *st);

#endif
