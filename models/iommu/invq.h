/* invq.h - VT-d queued invalidation: a descriptor ring the IOMMU drains in order, in simulated time
 *
 * Software (the hypervisor's IOMMU driver) writes invalidation descriptors
 * into a ring; the IOMMU fetches them in order and processes one at a time.
 * Each descriptor takes its type's latency and changes the caches at the
 * moment it completes, not when it is submitted: between the two, a lookup
 * still hits the old entry (the window every unmap policy has to close).
 * Software learns that earlier descriptors are done only through an
 * invalidation-wait descriptor, whose completion calls the submitter back
 * (VT-d's status write / completion interrupt).
 *
 * Descriptor types (VT-d spec, "Queued Invalidation"):
 *   context cache   global / domain-selective / device-selective (requester ID)
 *   IOTLB           global / domain-selective / page-selective within a domain;
 *                   global and domain also drop the domain's walk-cache (PWC)
 *                   entries; page-selective drops them only when the caller
 *                   says non-leaf entries changed (IH = 0, 'nonleaf').
 *                   The page range is encoded as hardware does, address +
 *                   address mask: the smallest naturally aligned power-of-two
 *                   block of 4 KiB pages holding the range (invq_psi_encode).
 *   device TLB      (ATS) the IOMMU sends an invalidate request to the
 *                   device through the owner's ops->send_devtlb_inv and the
 *                   descriptor completes when the owner reports the device's
 *                   completion with invq_devtlb_done(), or at the optional
 *                   timeout (counted).
 *   wait            completes after 'wait_latency' and calls fn(arg).
 *   PASID-based IOTLB  PASID-selective within a domain (the PASID's IOTLB,
 *                   walk-cache and first-stage walk-cache entries):
 *                   'iotlb_latency'.
 *   PASID cache     PASID-selective within a domain: 'cc_latency'.
 *
 * Parameters and defaults (INVQ_PARAMS rows below):
 *   entries 256        VT-d IQA_REG.QS gives 2^(QS+8) descriptors, so 256 is
 *                      the smallest hardware queue; Linux allocates one 4 KiB
 *                      page of 16-byte descriptors (256). The model allows
 *                      2..32768 (any count; >= 2 so an invalidate + wait pair fits).
 *   cc_latency 500ns, iotlb_latency 500ns, wait_latency 100ns
 *                      ASSUMPTIONS, not measurements: FACTS.md has no
 *                      invalidation latency and none was found to cite. They
 *                      put a synchronous IOTLB invalidation + wait (a strict
 *                      unmap) at 0.6 us. All that is documented is that it is
 *                      costly: batching the flushes recovered 15-20 % of the
 *                      small-packet netperf throughput lost to the IOMMU
 *                      (Linux commit "PCI: iommu: iotlb flushing", 2008).
 *                      Calibrate before trusting absolute unmap costs.
 *   devtlb_timeout 60s the PCIe ATS Invalidate Completion Timeout (1 minute,
 *                      ATS spec; not in FACTS.md); 0 disables it.
 *
 * Not modelled: descriptor fetch from memory (the ring is not in physmem);
 * invalidation-queue errors (IQE/ITE/ICE fault reporting: a timed-out device
 * TLB invalidation just completes and is counted, the queue does not stall);
 * several device-TLB invalidations outstanding at once (hardware may overlap
 * them; here they are serialized like everything else); PASID-based
 * descriptors other than PASID-selective IOTLB and PASID-cache ones (no
 * page-selective-within-PASID, no PASID-based device-TLB); interrupt-entry-cache descriptors; the address-mask limit
 * (MAMV: page-selective with any mask is accepted); drain read/write flags.
 */
#ifndef IOVSIM_INVQ_H
#define IOVSIM_INVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "hist.h"
#include "kernel.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/sacache.h"

struct stats;

enum invq_type {
	INVQ_CC_GLOBAL,
	INVQ_CC_DOMAIN,         /* domain */
	INVQ_CC_DEVICE,         /* rid: every PASID of that requester */
	INVQ_IOTLB_GLOBAL,
	INVQ_IOTLB_DOMAIN,      /* domain */
	INVQ_IOTLB_PAGE,        /* domain, iova, size, nonleaf */
	INVQ_DEVTLB,            /* rid, iova, size */
	INVQ_WAIT,              /* fn, arg */
	INVQ_IOTLB_PASID,       /* domain, pasid: PASID-based IOTLB invalidation (every entry of
				 * that tag, and its walk-cache entries, first stage included) */
	INVQ_PC_PASID,          /* domain, pasid: PASID-cache invalidation (PASID-selective) */
	INVQ__NTYPES
};

/* "cc_global", "cc_domain", ... (stat names, messages). */
extern const char *const invq_type_names[INVQ__NTYPES];

typedef void (*invq_wait_fn)(void *arg);

struct invq_desc {
	enum invq_type type;
	uint16_t domain;        /* CC_DOMAIN, IOTLB_DOMAIN, IOTLB_PAGE */
	uint16_t rid;           /* CC_DEVICE, DEVTLB */
	uint32_t pasid;         /* IOTLB_PASID, PC_PASID: < 2^20 */
	bool nonleaf;           /* IOTLB_PAGE: non-leaf entries changed: drop walk-cache entries too */
	uint64_t iova, size;    /* IOTLB_PAGE, DEVTLB: bytes, > 0; widened by invq_psi_encode */
	invq_wait_fn fn;        /* WAIT: called when the wait completes; may be NULL */
	void *arg;              /* WAIT: passed to fn; not owned */
};

/* Descriptor builders, for readable call sites. */
static inline struct invq_desc invq_iotlb_page(uint16_t domain, uint64_t iova, uint64_t size,
					       bool nonleaf)
{
	return (struct invq_desc){ .type = INVQ_IOTLB_PAGE, .domain = domain, .iova = iova,
				   .size = size, .nonleaf = nonleaf };
}
static inline struct invq_desc invq_wait(invq_wait_fn fn, void *arg)
{
	return (struct invq_desc){ .type = INVQ_WAIT, .fn = fn, .arg = arg };
}

struct invq_params {
	uint64_t entries;               /* ring slots */
	sim_time_t cc_latency;          /* per context-cache descriptor */
	sim_time_t iotlb_latency;       /* per IOTLB descriptor (any granularity) */
	sim_time_t wait_latency;        /* per wait descriptor */
	sim_time_t devtlb_timeout;      /* device TLB: complete anyway after this; 0: never */
};

#define INVQ_ENTRIES_MAX 32768u

/* param_desc rows "<pfx>entries", "<pfx>cc_latency", ... for a struct invq_params at 'member'
 * of the params struct 'type' (pfx e.g. "inv_"). Defaults as documented above. */
#define INVQ_PARAMS(pfx, type, member)                                                           \
	{ pfx "entries", PARAM_U64, offsetof(type, member.entries), "256", 2, INVQ_ENTRIES_MAX,   \
	  NULL, "invalidation queue: descriptor slots in the ring" },                            \
	{ pfx "cc_latency", PARAM_TIME, offsetof(type, member.cc_latency), "500ns", 0, 1e12,     \
	  NULL, "invalidation queue: time to process a context-cache descriptor (assumed)" },    \
	{ pfx "iotlb_latency", PARAM_TIME, offsetof(type, member.iotlb_latency), "500ns", 0,     \
	  1e12, NULL, "invalidation queue: time to process an IOTLB descriptor (assumed)" },     \
	{ pfx "wait_latency", PARAM_TIME, offsetof(type, member.wait_latency), "100ns", 0, 1e12, \
	  NULL, "invalidation queue: time to process a wait descriptor (assumed)" },             \
	{ pfx "devtlb_timeout", PARAM_TIME, offsetof(type, member.devtlb_timeout), "60s", 0,     \
	  1e15, NULL, "device-TLB invalidation completes anyway after this (ATS: 1 min); 0: never" }

/* The same defaults, for callers without a scenario (tests, tools). */
void invq_params_default(struct invq_params *p);

/* Check ranges (entries 2..INVQ_ENTRIES_MAX). Returns 0 or -1 with e set (IOV_BAD_INPUT). */
int invq_params_check(const struct invq_params *p, const char *what, struct iov_err *e);

/* The caches a queue invalidates. Any may be NULL (that cache is not modelled); not owned. */
struct pasid_cache;

struct invq_caches {
	struct iotlb *iotlb;
	struct pwc *pwc;
	struct context_cache *cc;
	struct pwc *fs_pwc;             /* first-stage walk cache (nested, PASIDs) */
	struct pasid_cache *pc;         /* PASID cache */
};

/*
 * Calls from the queue to its owner (the IOMMU component), with ctx.
 * send_devtlb_inv: may be NULL, then INVQ_DEVTLB descriptors are refused by
 *   invq_submit. Called when a device-TLB descriptor reaches the head of the
 *   queue, with its range widened by invq_psi_encode. The owner delivers the
 *   request (e.g. as a PCIe message) and later calls invq_devtlb_done(q,
 *   token), from an event or from inside this call; it may also submit.
 */
struct invq_ops {
	void (*send_devtlb_inv)(void *ctx, uint16_t rid, uint64_t iova, uint64_t size,
				uint64_t token);
};

enum invq_ctr {
	INVQ_C_DESC,                    /* INVQ_C_DESC + type: completed descriptors by type */
	INVQ_C_QUEUE_FULL = INVQ_C_DESC + INVQ__NTYPES,
	INVQ_C_DEVTLB_TIMEOUTS,
	INVQ_C_DEVTLB_LATE,             /* invq_devtlb_done for no descriptor in service */
	INVQ_C_DEPTH_MAX,               /* most descriptors in the ring at once (a maximum) */
	INVQ_C_IOTLB_REMOVED,           /* entries removed from each cache */
	INVQ_C_PWC_REMOVED,
	INVQ_C_CC_REMOVED,
	INVQ_C_PC_REMOVED,
	INVQ_C__COUNT
};

struct invq;

/*
 * Create an empty queue on kernel k (which must outlive every event of the
 * queue). ops may be NULL. Returns it (owned by the caller, invq_destroy) or
 * NULL with e set (bad params: IOV_BAD_INPUT; no memory: IOV_INTERNAL). The
 * ring is allocated here; submitting never allocates.
 */
struct invq *invq_create(const struct invq_params *p, struct sim_kernel *k,
			 const struct invq_caches *caches, const struct invq_ops *ops, void *ctx,
			 const char *what, struct iov_err *e);

/* Free it. Does not cancel its pending events: destroy the kernel first (as
 * sim_destroy does) or call this only when the queue is idle. NULL is allowed. */
void invq_destroy(struct invq *q);

/*
 * Append *d (copied) at the tail. The queue starts on it at once when idle.
 * Returns 0; -1 when the ring is full (counted in queue_full: the caller
 * decides whether to retry, see invq_notify_space) or d is invalid (bad type,
 * size 0, iova beyond 2^57, DEVTLB without ops): then with e set
 * (IOV_INTERNAL; e may be NULL) and nothing counted. Never calls back
 * synchronously except ops->send_devtlb_inv for a DEVTLB that starts at once.
 */
int invq_submit(struct invq *q, const struct invq_desc *d, struct iov_err *e);

/* Free ring slots now (submit a batch only when it fits: Linux waits for count + 1). */
size_t invq_free_slots(const struct invq *q);

/* Descriptors in the ring, the one in service included; and its size (params' entries). */
size_t invq_depth(const struct invq *q);
size_t invq_entries(const struct invq *q);

/*
 * The device answered the invalidate request 'token'. Returns 0 when that is
 * the descriptor in service: it completes at the current time (in a zero-delay
 * event, never inside this call). Returns -1 otherwise (unknown token, or it
 * already timed out): counted as late, nothing else happens.
 */
int invq_devtlb_done(struct invq *q, uint64_t token);

/*
 * Call fn(arg) once, the next time a descriptor completes (a slot frees), after
 * the queue has started the next one. For a submitter that found the ring full
 * (Linux's qi_submit_sync spins until there is room). Up to INVQ_SPACE_WAITERS
 * at once; returns -1 when that many are registered already.
 */
#define INVQ_SPACE_WAITERS 8
int invq_notify_space(struct invq *q, invq_wait_fn fn, void *arg);

/*
 * The naturally aligned block of 4 KiB << *am bytes at *base that holds
 * [iova, iova + size) (size > 0): VT-d's address + address-mask encoding.
 */
void invq_psi_encode(uint64_t iova, uint64_t size, uint64_t *base, unsigned *am);

/* Counters (enum invq_ctr) and the histograms "latency_ns" (submit to
 * completion, per descriptor) and "depth" (ring occupancy at each submit,
 * itself included). Register under a prefix ("iommu.inv" -> "iommu.inv.iotlb_page");
 * the registry then holds them (values so far are carried over). */
struct sacache_ctrs *invq_counters(struct invq *q);
const struct hist *invq_latency_hist(const struct invq *q);
int invq_stats_register(struct invq *q, struct stats *s, const char *prefix, struct iov_err *e);

/*
 * Register "<prefix>.<name>" as a histogram, merge what *own collected so far
 * into it, free *own and point *cur at the registry's copy. For counters kept
 * before registration (invq.c and unmapq.c; a candidate for sim/stats.h).
 * Returns 0, or -1 with e set (duplicate path, path too long, no memory).
 */
int invq_hist_adopt(struct stats *s, const char *prefix, const char *name, const char *unit,
		    double scale, const char *desc, struct hist **cur, struct hist *own,
		    struct iov_err *e);

#endif
