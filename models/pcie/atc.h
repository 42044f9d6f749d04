/* atc.h - a function's Address Translation Cache (ATS device TLB) and its side of ATS
 *
 * A function with PCIe ATS asks the translation agent in the root complex
 * (the IOMMU) for translations with Translation Requests, keeps them in its
 * ATC, and sends requests whose address it translated itself (AT =
 * translated); the IOMMU revokes them with Invalidate Requests. This file is
 * the function's part that does not depend on how the device issues DMA:
 *   - the translation step of the function's next request (atc_step): one
 *     request at a time, in order (a DMA engine that waits on a miss: no
 *     hit under miss, so requests missing on one page cost one Translation
 *     Request);
 *   - the cache: a sacache (models/iommu/sacache.h) of translations of any
 *     power-of-two size >= 4 KiB, keyed by (untranslated page, size);
 *   - the translation held for the one request being issued (from a hit or
 *     from a Translation Completion): an invalidation drops it too, so a
 *     request never leaves with a translation revoked before it left;
 *   - the one Translation Request outstanding: an invalidation that
 *     overlaps it nullifies it (its completion is thrown away and the
 *     device asks again), which is what lets the function complete the
 *     invalidation without waiting for it;
 *   - parameters and stats under components.<fn>.ats.*, and the latency
 *     stage <fn>.ats (translation time of each translated request).
 * The device model (models/dma/dma_source.c) calls atc_step for each read or
 * write TLP, sends what it says with its own tags and port, and gives the
 * completion of the Translation Request back; the endpoint base
 * (endpoint.c) answers Invalidate Requests.
 *
 * Not modelled: PASID-tagged translations (ATS with PASID), the Page Request
 * Interface (a fault is not retried: the access is not done), the Global
 * and Privileged bits, Invalidate Queue Depth and ITag limits, several
 * translations per Translation Completion, the Smallest Translation Unit.
 */
#ifndef IOVSIM_ATC_H
#define IOVSIM_ATC_H

#include <stdbool.h>
#include <stdint.h>

#include "models/iommu/sacache.h"
#include "sim.h"

#define ATC_PERM_R TLP_ATS_R
#define ATC_PERM_W TLP_ATS_W

struct atc_params {
	int ats;                        /* PARAM_BOOL: the function has (and uses) ATS */
	struct sacache_geom geom;
	sim_time_t latency;             /* one lookup, charged by the device before it acts */
	sim_time_t inv_latency;         /* Invalidate Request in -> Invalidate Completion out */
};

/* The parameter rows for a struct atc_params at 'm' of params struct 'T'. */
#define ATC_PARAM_DESC(T, m)                                                                   \
	{ "ats", PARAM_BOOL, offsetof(T, m.ats), "false", 0, 0, NULL,                          \
	  "PCIe ATS: the function asks the IOMMU for translations, caches them in its ATC and " \
	  "sends translated requests (adds the ATS capability)" },                             \
	SACACHE_PARAMS("atc", T, m.geom, "32", "32", "lru", 1, "ATS translation cache (ATC)"), \
	{ "atc_latency", PARAM_TIME, offsetof(T, m.latency), "0ps", 0, 1e9, NULL,              \
	  "ATC lookup time added before each translated request or Translation Request (0: "  \
	  "hidden in the DMA engine's pipeline)" },                                            \
	{ "atc_inv_latency", PARAM_TIME, offsetof(T, m.inv_latency), "1us", 0, 1e12, NULL,   \
	  "time from an ATS Invalidate Request to the function's Invalidate Completion" }

/* Outcome of a Translation Request, as atc_treq_done reads its completion. */
enum atc_tc {
	ATC_TC_OK,              /* translation cached and held for the request */
	ATC_TC_RETRY,           /* nullified by an invalidation meanwhile: ask again */
	ATC_TC_NONE,            /* error completion, or no translation with the permission
				 * needed: the access is not done (no PRI) */
};

/* Where the function's next request stands with its translation. */
enum atc_req_state { ATC_REQ_IDLE, ATC_REQ_LOOKED, ATC_REQ_WAIT_TC, ATC_REQ_FAILED };

/* What atc_step tells the device to do. */
enum atc_next {
	ATC_WAIT_UNTIL,         /* the lookup takes atc_latency: call atc_step again at *when */
	ATC_WAIT_TC,            /* a Translation Request is out: call again after atc_treq_done */
	ATC_TRANSLATED,         /* send the request translated: atc_translated(t, *hpa) */
	ATC_TREQ,               /* send a Translation Request now (atc_treq_init), or call
				 * again when a tag is free */
	ATC_FAIL,               /* no translation: the access is not done */
};

struct atc_held {
	bool valid;
	uint64_t base, size;    /* untranslated range of the translation */
	uint64_t hpa;           /* translated base */
	uint8_t perms;
};

struct atc {
	struct sacache *cache;          /* NULL: the function has no ATS */
	struct atc_params p;
	uint64_t shifts;                /* bit k: translations of 2^k bytes were cached */
	struct atc_held held;
	enum atc_req_state req;
	sim_time_t req_t0;              /* when the request's translation began */
	bool treq_out, treq_nullified;
	uint64_t treq_page;             /* the outstanding Translation Request's 4 KiB page */
	uint16_t stage;                 /* latency stage "<fn>.ats" */
	uint64_t *st_treqs, *st_tcpls, *st_invs, *st_no_xlate, *st_nullified;
};

/*
 * Set up a's ATC when p->ats (else a stays disabled: atc_enabled false, no
 * stats): check the geometry, create the cache (random policy seeded from
 * the run seed and fn_name), register components.<fn_name>.ats.* and the
 * cache's counters under components.<fn_name>.ats.atc.*, and the latency
 * stage "<fn_name>.ats". Returns 0, or -1 with e set (bad geometry:
 * IOV_BAD_INPUT). Free with atc_free, also after a failure.
 */
int atc_init(struct atc *a, const struct atc_params *p, struct sim *s, const char *fn_name,
	     struct iov_err *e);
void atc_free(struct atc *a);

static inline bool atc_enabled(const struct atc *a) { return a->cache != NULL; }

/*
 * Advance the translation of the function's next request, an access of
 * iova needing the permissions 'need' (ATC_PERM_*), at time now: look it up
 * (then wait atc_latency), use the translation held for it, or ask for one.
 * *when is set for ATC_WAIT_UNTIL, *hpa for ATC_TRANSLATED. The request stays
 * the same until the step returns ATC_TRANSLATED or ATC_FAIL.
 */
enum atc_next atc_step(struct atc *a, uint64_t iova, unsigned need, sim_time_t now,
		       sim_time_t *when, uint64_t *hpa);

/* Make t (fresh from the pool, holding the request's address) translated to
 * hpa: AT = translated; the time since the translation began becomes its
 * first latency stage, "<fn>.ats". */
void atc_translated(struct atc *a, struct tlp *t, uint64_t hpa, sim_time_t now);

/*
 * Look up the translation of iova (counted as one ATC lookup, hit or miss).
 * A hit with every permission in 'need' (ATC_PERM_*) is held for the request
 * (atc_use) and true is returned; a miss, or an entry without the
 * permission (the function must ask again: it may have been upgraded),
 * returns false.
 */
bool atc_lookup(struct atc *a, uint64_t iova, unsigned need);

/* Translate iova with the held translation if it covers iova with 'need':
 * *hpa = the translated address, the hold is released, true. False when
 * nothing suitable is held (e.g. an invalidation dropped it). */
bool atc_use(struct atc *a, uint64_t iova, unsigned need, uint64_t *hpa);

/* Make t (fresh from the pool; the caller sets rid, flow, cookie and sends
 * it) the Translation Request for iova's 4 KiB page. Once it has left, call
 * atc_treq_sent: it is then the one outstanding (counted in
 * ats.translation_requests, atc_step waits for its completion). */
void atc_treq_init(struct atc *a, struct tlp *t, uint64_t iova);
void atc_treq_sent(struct atc *a);

/* The completion of the outstanding Translation Request arrived (t is not
 * freed). 'need': the permissions the waiting request needs. After it
 * atc_step goes on: with the translation (OK), asking again (RETRY), or
 * failing the request (NONE). */
enum atc_tc atc_treq_done(struct atc *a, const struct tlp *t, unsigned need);

/* An Invalidate Request for [iova, iova + size) (clipped at 2^64): drop the
 * cached translations overlapping it, the held one if it overlaps, and
 * nullify the outstanding Translation Request if its page overlaps.
 * Returns the number of cache entries dropped. */
size_t atc_invalidate(struct atc *a, uint64_t iova, uint64_t size);

#endif
