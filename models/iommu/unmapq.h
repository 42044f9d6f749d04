/* unmapq.h - the driver's unmap policy over the invalidation queue: strict or deferred (Linux flush queue)
 *
 * An unmap clears the page-table entries at once (pgtable_unmap, with a
 * pgt_gather collecting the detached table frames), but the IOMMU's caches
 * may still hold the old translations until an invalidation completes: the
 * range is *stale* from the unmap to the completion of the wait descriptor
 * that follows its invalidation. Two policies (FACTS.md, IOMMU; Linux
 * iommu.strict=1 / the default lazy mode):
 *
 *   strict    every unmap is followed by a page-selective IOTLB invalidation
 *             of its range (walk caches too when tables changed) and a wait;
 *             the unmap "returns" - fn(arg) is called - when the wait
 *             completes. Cost: iotlb_latency + wait_latency per unmap (plus
 *             queueing), stale window the same.
 *   deferred  the range and its gather join the pending batch and the call
 *             returns at once (fn is not called). When 'batch' ranges are
 *             pending, or 'timeout' after the first of them, one
 *             domain-selective IOTLB invalidation per domain in the batch (or
 *             one global one, see 'flush') and a single wait are submitted;
 *             when the wait completes every range of the batch is retired.
 *
 * In both, the gathered table frames go back to physmem only when the range
 * is retired (a walker may still hold a pointer to a detached table until
 * then), and each range's stale window (unmap -> its flush's wait done) goes
 * into the stale_window_ns histogram. When the invalidation queue has no room
 * for a job (its invalidations + the wait), the job waits for room in FIFO
 * order, as Linux's qi_submit_sync spins (counted: invq_full_waits); its
 * ranges stay stale meanwhile.
 *
 * unmapq_is_stale answers "would a DMA to this IOVA still be translated by a
 * stale entry, if the IOTLB holds one?" for the timing layer. The ranges
 * pending (unmapped, flush not complete) are kept in one array sorted by
 * (domain, start), each element also holding the largest end of its domain's
 * elements up to it (a running maximum). The last element with start <= iova
 * is found by binary search; iova is stale iff that running maximum is above
 * iova (some range starting at or before iova ends after it). O(log n) per
 * lookup, correct for overlapping ranges (a remap + unmap of a range still
 * pending); O(n) per insertion and per retirement, which touch memory
 * sequentially (n = thousands of 32-byte elements). Range records come from
 * a pool of fixed chunks that grows and never shrinks: steady-state unmaps do
 * not allocate (pgtable_unmap's gather does, when tables are freed).
 *
 * Parameters and defaults (UNMAPQ_PARAMS rows below):
 *   policy  deferred   Linux's default on x86 (strict with iommu.strict=1)
 *   batch   250        the flush high-water mark of Linux's deferred flushing
 *                      (Mark Gross, "PCI: iommu: iotlb flushing", 2008: 250
 *                      entries or 10 ms; FACTS.md, IOMMU)
 *   timeout 10ms       ditto
 *   flush   domain     current Linux flushes a domain's IOTLB (domain-selective
 *                      on VT-d); 'global' is the 2008 behaviour
 *
 * Not modelled: CPU cost of the unmap path (locks, IOVA allocator);
 * per-CPU flush queues (one queue per unmapq: a batch counts the unmaps of
 * all CPUs); IOVA reuse rules (Linux frees an IOVA only after its flush; here
 * the caller may remap at once - is_stale stays true for it until the flush);
 * device-TLB (ATS) invalidation on unmap; page-selective flushes falling back
 * to domain-selective above the address-mask limit.
 */
#ifndef IOVSIM_UNMAPQ_H
#define IOVSIM_UNMAPQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "kernel.h"
#include "models/iommu/invq.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/sacache.h"

struct stats;

enum unmapq_policy { UNMAPQ_STRICT, UNMAPQ_DEFERRED };
enum unmapq_flush { UNMAPQ_FLUSH_DOMAIN, UNMAPQ_FLUSH_GLOBAL };

/* PARAM_ENUM names, in enum order, NULL-terminated. */
extern const char *const unmapq_policy_names[];
extern const char *const unmapq_flush_names[];

struct unmapq_params {
	int policy;             /* enum unmapq_policy */
	uint64_t batch;         /* deferred: flush when this many ranges are pending */
	sim_time_t timeout;     /* deferred: flush this long after the first pending range */
	int flush;              /* enum unmapq_flush: deferred batches' invalidation scope */
};

#define UNMAPQ_BATCH_MAX 65536u

/* param_desc rows "<pfx>policy", "<pfx>batch", "<pfx>timeout", "<pfx>flush" for a struct
 * unmapq_params at 'member' of 'type' (pfx e.g. "unmap_"). */
#define UNMAPQ_PARAMS(pfx, type, member)                                                         \
	{ pfx "policy", PARAM_ENUM, offsetof(type, member.policy), "deferred", 0, 0,             \
	  unmapq_policy_names, "unmap policy: strict (flush + wait per unmap) or deferred "      \
	  "(batched, Linux flush queue)" },                                                      \
	{ pfx "batch", PARAM_U64, offsetof(type, member.batch), "250", 1, UNMAPQ_BATCH_MAX,      \
	  NULL, "deferred: flush when this many unmapped ranges are pending" },                  \
	{ pfx "timeout", PARAM_TIME, offsetof(type, member.timeout), "10ms", 1, 1e15, NULL,      \
	  "deferred: flush this long after the first pending range at the latest" },             \
	{ pfx "flush", PARAM_ENUM, offsetof(type, member.flush), "domain", 0, 0,                 \
	  unmapq_flush_names, "deferred: invalidate each domain of the batch, or globally" }

/* The same defaults, for callers without a scenario. */
void unmapq_params_default(struct unmapq_params *p);

/* Check ranges. Returns 0 or -1 with e set (IOV_BAD_INPUT). */
int unmapq_params_check(const struct unmapq_params *p, const char *what, struct iov_err *e);

typedef void (*unmapq_done_fn)(void *arg);

enum unmapq_ctr {
	UNMAPQ_C_UNMAPS,                /* unmap calls that unmapped something */
	UNMAPQ_C_HOLES,                 /* unmap calls over nothing mapped */
	UNMAPQ_C_BYTES,                 /* bytes unmapped */
	UNMAPQ_C_FLUSHES,               /* jobs whose wait completed */
	UNMAPQ_C_FLUSH_BATCH_FULL,      /* deferred flushes started by 'batch' */
	UNMAPQ_C_FLUSH_TIMEOUT,         /* ... by 'timeout' */
	UNMAPQ_C_FLUSH_FORCED,          /* ... by unmapq_flush */
	UNMAPQ_C_INVQ_FULL_WAITS,       /* jobs that had to wait for room in the queue */
	UNMAPQ_C_FRAMES_RELEASED,       /* table frames returned to physmem after a flush */
	UNMAPQ_C_PENDING_MAX,           /* most ranges stale at once (a maximum) */
	UNMAPQ_C__COUNT
};

struct unmapq;

/*
 * Create a policy over queue q on kernel k (both must outlive it). Returns it
 * (owned by the caller, unmapq_destroy) or NULL with e set (IOV_BAD_INPUT bad
 * params, IOV_INTERNAL no memory).
 */
struct unmapq *unmapq_create(const struct unmapq_params *p, struct sim_kernel *k,
			     struct invq *q, const char *what, struct iov_err *e);

/* Free it. Frames of ranges still pending are not returned to physmem (it may be
 * gone already); pending events are not cancelled (destroy the kernel first). */
void unmapq_destroy(struct unmapq *uq);

/*
 * Unmap [iova, iova + size) from pt (domain 'domain' in the caches) now, and
 * flush per the policy. Returns the bytes unmapped: 0 for a hole (nothing to
 * flush, fn not called), else strict: fn(arg) is called (fn may be NULL) when
 * the range's invalidation wait completes, never inside this call; deferred:
 * fn is not called. -1 with e set on pgtable_unmap's errors (bad range, no
 * frame for a split: what was unmapped before the error is flushed
 * normally) or no memory; fn is then never called.
 */
int64_t unmapq_unmap(struct unmapq *uq, struct pgtable *pt, uint16_t domain, uint64_t iova,
		     uint64_t size, unmapq_done_fn fn, void *arg, struct iov_err *e);

/*
 * Deferred: submit the pending batch now (e.g. before tearing a domain down,
 * or at the end of a run). No-op when nothing is pending or in strict mode.
 */
void unmapq_flush(struct unmapq *uq);

/*
 * True when iova of 'domain' lies in a range unmapped at or before 'now' whose
 * flush has not completed. 'now' is the access time and must not be before
 * the last unmap (no history of retired ranges is kept): pass sim_now().
 */
bool unmapq_is_stale(const struct unmapq *uq, uint16_t domain, uint64_t iova, sim_time_t now);

/* Ranges stale now (unmapped, flush not complete), and those of them not yet submitted. */
size_t unmapq_stale_ranges(const struct unmapq *uq);
size_t unmapq_unsubmitted(const struct unmapq *uq);

/* Counters (enum unmapq_ctr) and the histograms "stale_window_ns" (per range: unmap to
 * flush done) and "entries_per_flush". Register under a prefix ("iommu.unmap"). */
struct sacache_ctrs *unmapq_counters(struct unmapq *uq);
const struct hist *unmapq_stale_hist(const struct unmapq *uq);
const struct hist *unmapq_batch_hist(const struct unmapq *uq);
int unmapq_stats_register(struct unmapq *uq, struct stats *s, const char *prefix,
			  struct iov_err *e);

#endif
