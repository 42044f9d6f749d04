/* invq.c - VT-d queued invalidation: fixed descriptor ring, one descriptor in service at a time
 *
 * See invq.h for the contract. The ring is allocated at create; a slot holds
 * the descriptor, its submit time and its token (a sequence number, never
 * reused, so a late device-TLB completion cannot be mistaken for a newer
 * one). Only the head is in service; its completion is one kernel event
 * (or, for a device-TLB descriptor, the owner's invq_devtlb_done plus an
 * optional timeout event). The cache change is applied in that completion
 * event, which is what makes the stale window between submit and completion
 * observable.
 */
#include "models/iommu/invq.h"

#include <stdio.h>
#include <stdlib.h>

#include "models/iommu/pasid.h"
#include "stats.h"

const char *const invq_type_names[INVQ__NTYPES] = {
	"cc_global", "cc_domain", "cc_device", "iotlb_global", "iotlb_domain", "iotlb_page",
	"devtlb", "wait", "iotlb_pasid", "pc_pasid",
};

static const struct sacache_ctr_desc invq_ctr_descs[INVQ_C__COUNT] = {
	[INVQ_C_DESC + INVQ_CC_GLOBAL] = { "cc_global", "global context-cache invalidations done" },
	[INVQ_C_DESC + INVQ_CC_DOMAIN] = { "cc_domain", "domain context-cache invalidations done" },
	[INVQ_C_DESC + INVQ_CC_DEVICE] = { "cc_device", "device context-cache invalidations done" },
	[INVQ_C_DESC + INVQ_IOTLB_GLOBAL] = { "iotlb_global", "global IOTLB invalidations done" },
	[INVQ_C_DESC + INVQ_IOTLB_DOMAIN] = { "iotlb_domain",
					      "domain-selective IOTLB invalidations done" },
	[INVQ_C_DESC + INVQ_IOTLB_PAGE] = { "iotlb_page", "page-selective IOTLB invalidations done" },
	[INVQ_C_DESC + INVQ_DEVTLB] = { "devtlb", "device-TLB (ATS) invalidations done" },
	[INVQ_C_DESC + INVQ_WAIT] = { "waits", "invalidation-wait descriptors done" },
	[INVQ_C_DESC + INVQ_IOTLB_PASID] = { "iotlb_pasid",
					     "PASID-selective IOTLB invalidations done" },
	[INVQ_C_DESC + INVQ_PC_PASID] = { "pc_pasid", "PASID-cache invalidations done" },
	[INVQ_C_QUEUE_FULL] = { "queue_full", "submits refused: ring full" },
	[INVQ_C_DEVTLB_TIMEOUTS] = { "devtlb_timeouts",
				     "device-TLB invalidations completed by the timeout" },
	[INVQ_C_DEVTLB_LATE] = { "devtlb_late", "device completions for no descriptor in service" },
	[INVQ_C_DEPTH_MAX] = { "depth_max", "most descriptors in the ring at once" },
	[INVQ_C_IOTLB_REMOVED] = { "iotlb_removed", "IOTLB entries removed by invalidation" },
	[INVQ_C_PWC_REMOVED] = { "pwc_removed", "walk-cache entries removed by invalidation" },
	[INVQ_C_CC_REMOVED] = { "cc_removed", "context-cache entries removed by invalidation" },
	[INVQ_C_PC_REMOVED] = { "pc_removed", "PASID-cache entries removed by invalidation" },
};

struct invq_slot {
	struct invq_desc d;
	sim_time_t t_submit;
	uint64_t token;
};

struct invq_waiter {
	invq_wait_fn fn;
	void *arg;
};

struct invq {
	struct invq_params p;
	struct sim_kernel *k;
	struct invq_caches caches;
	struct invq_ops ops;
	void *ctx;
	struct invq_slot *ring;
	size_t head, count;
	uint64_t next_token;
	bool busy;                      /* the head is in service */
	bool devtlb_answered;           /* the head (a DEVTLB) has its completion scheduled */
	sim_event_id timeout_ev;
	struct invq_waiter waiters[INVQ_SPACE_WAITERS];
	size_t nwaiters;
	struct sacache_ctrs ctrs;
	struct hist own_lat, own_depth; /* used until registered */
	struct hist *lat, *depth;
};

void invq_params_default(struct invq_params *p)
{
	*p = (struct invq_params){ .entries = 256, .cc_latency = 500 * SIM_NS,
				   .iotlb_latency = 500 * SIM_NS, .wait_latency = 100 * SIM_NS,
				   .devtlb_timeout = 60 * SIM_S };
}

int invq_params_check(const struct invq_params *p, const char *what, struct iov_err *e)
{
	if (p->entries < 2 || p->entries > INVQ_ENTRIES_MAX)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: invalidation queue entries %llu out of "
				   "range 2..%u", what, (unsigned long long)p->entries,
				   INVQ_ENTRIES_MAX);
	return 0;
}

static inline void invq_ctr_add(struct invq *q, unsigned i, uint64_t v)
{
	sacache_ctr_add(&q->ctrs, i, v);
}

struct invq *invq_create(const struct invq_params *p, struct sim_kernel *k,
			 const struct invq_caches *caches, const struct invq_ops *ops, void *ctx,
			 const char *what, struct iov_err *e)
{
	if (invq_params_check(p, what, e))
		return NULL;
	struct invq *q = calloc(1, sizeof(*q));
	if (q)
		q->ring = calloc(p->entries, sizeof(*q->ring));
	if (!q || !q->ring) {
		free(q);
		iov_err_set(e, IOV_INTERNAL, "%s: out of memory (invalidation queue)", what);
		return NULL;
	}
	q->p = *p;
	q->k = k;
	if (caches)
		q->caches = *caches;
	if (ops)
		q->ops = *ops;
	q->ctx = ctx;
	sacache_ctrs_init(&q->ctrs, invq_ctr_descs, INVQ_C__COUNT);
	hist_init(&q->own_lat, STATS_HIST_SUB_BITS);
	hist_init(&q->own_depth, STATS_HIST_SUB_BITS);
	q->lat = &q->own_lat;
	q->depth = &q->own_depth;
	return q;
}

void invq_destroy(struct invq *q)
{
	if (!q)
		return;
	hist_free(&q->own_lat);
	hist_free(&q->own_depth);
	free(q->ring);
	free(q);
}

void invq_psi_encode(uint64_t iova, uint64_t size, uint64_t *base, unsigned *am)
{
	const unsigned max_am = IOTLB_IOVA_BITS - 12;  /* one block covers the whole IOVA space */
	uint64_t span = size ? size - 1 : 0;
	uint64_t last = iova + span < iova ? UINT64_MAX : iova + span;
	unsigned m = 0;
	/* Start from the page count rounded up to a power of two, then widen
	 * until one aligned block holds both ends (a misaligned range needs more). */
	while (m < max_am && (span >> 12) >> m)
		m++;
	while (m < max_am && (iova >> (12 + m)) != (last >> (12 + m)))
		m++;
	*am = m;
	*base = iova & ~((1ull << (12 + m)) - 1);
}

/* ---- processing ------------------------------------------------------------------ */

static void invq_start(struct invq *q);

/* Apply a context-cache or IOTLB descriptor to the caches. */
static void invq_apply(struct invq *q, const struct invq_desc *d)
{
	struct invq_caches *c = &q->caches;
	size_t tlb = 0, pwc = 0, cc = 0, pc = 0;
	uint64_t base;
	unsigned am;
	switch (d->type) {
	case INVQ_CC_GLOBAL:
		cc = c->cc ? context_cache_invalidate_global(c->cc) : 0;
		break;
	case INVQ_CC_DOMAIN:
		cc = c->cc ? context_cache_invalidate_domain(c->cc, d->domain) : 0;
		break;
	case INVQ_CC_DEVICE:
		cc = c->cc ? context_cache_invalidate_device(c->cc, d->rid) : 0;
		break;
	case INVQ_IOTLB_GLOBAL:
		tlb = c->iotlb ? iotlb_invalidate_global(c->iotlb) : 0;
		pwc = c->pwc ? pwc_invalidate_global(c->pwc) : 0;
		break;
	case INVQ_IOTLB_DOMAIN:
		tlb = c->iotlb ? iotlb_invalidate_domain(c->iotlb, d->domain) : 0;
		pwc = c->pwc ? pwc_invalidate_domain(c->pwc, d->domain) : 0;
		break;
	case INVQ_IOTLB_PAGE:
		invq_psi_encode(d->iova, d->size, &base, &am);
		tlb = c->iotlb ? iotlb_invalidate_page(c->iotlb, d->domain, base, 4096ull << am) : 0;
		if (d->nonleaf && c->pwc)
			pwc = pwc_invalidate_page(c->pwc, d->domain, base, 4096ull << am);
		break;
	case INVQ_IOTLB_PASID:
		tlb = c->iotlb ? iotlb_invalidate_pasid(c->iotlb, d->domain, d->pasid) : 0;
		pwc = (c->pwc ? pwc_invalidate_pasid(c->pwc, d->domain, d->pasid) : 0) +
		      (c->fs_pwc ? pwc_invalidate_pasid(c->fs_pwc, d->domain, d->pasid) : 0);
		break;
	case INVQ_PC_PASID:
		pc = c->pc ? pasid_cache_invalidate_pasid(c->pc, d->domain, d->pasid) : 0;
		break;
	default:
		break;
	}
	invq_ctr_add(q, INVQ_C_IOTLB_REMOVED, tlb);
	invq_ctr_add(q, INVQ_C_PWC_REMOVED, pwc);
	invq_ctr_add(q, INVQ_C_CC_REMOVED, cc);
	invq_ctr_add(q, INVQ_C_PC_REMOVED, pc);
}

/* Call the one-shot space waiters registered so far (they may register again). */
static void invq_wake_waiters(struct invq *q)
{
	struct invq_waiter w[INVQ_SPACE_WAITERS];
	size_t n = q->nwaiters;
	for (size_t i = 0; i < n; i++)
		w[i] = q->waiters[i];
	q->nwaiters = 0;
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].arg);
}

/* The head is done: apply it, free its slot, start the next, then call back. */
static void invq_complete(struct invq *q)
{
	struct invq_slot s = q->ring[q->head];
	q->head = (q->head + 1) % q->p.entries;
	q->count--;
	q->busy = false;
	q->devtlb_answered = false;
	q->timeout_ev = 0;
	invq_apply(q, &s.d);
	invq_ctr_add(q, INVQ_C_DESC + s.d.type, 1);
	hist_add(q->lat, sim_now(q->k) - s.t_submit);
	if (q->count)
		invq_start(q);
	invq_wake_waiters(q);
	if (s.d.type == INVQ_WAIT && s.d.fn)
		s.d.fn(s.d.arg);
}

static void invq_complete_ev(void *arg) { invq_complete(arg); }

static void invq_timeout_ev(void *arg)
{
	struct invq *q = arg;
	q->timeout_ev = 0;
	invq_ctr_add(q, INVQ_C_DEVTLB_TIMEOUTS, 1);
	invq_complete(q);
}

static sim_time_t invq_latency(const struct invq *q, enum invq_type t)
{
	switch (t) {
	case INVQ_CC_GLOBAL:
	case INVQ_CC_DOMAIN:
	case INVQ_CC_DEVICE:
	case INVQ_PC_PASID:
		return q->p.cc_latency;
	case INVQ_IOTLB_GLOBAL:
	case INVQ_IOTLB_DOMAIN:
	case INVQ_IOTLB_PAGE:
	case INVQ_IOTLB_PASID:
		return q->p.iotlb_latency;
	default:
		return q->p.wait_latency;
	}
}

/* Put the head in service: a timed completion, or the ATS request to the device. */
static void invq_start(struct invq *q)
{
	struct invq_slot *s = &q->ring[q->head];
	q->busy = true;
	if (s->d.type != INVQ_DEVTLB) {
		sim_schedule(q->k, invq_latency(q, s->d.type), invq_complete_ev, q);
		return;
	}
	if (q->p.devtlb_timeout)
		q->timeout_ev = sim_schedule(q->k, q->p.devtlb_timeout, invq_timeout_ev, q);
	uint64_t base;
	unsigned am;
	invq_psi_encode(s->d.iova, s->d.size, &base, &am);
	/* Last: the owner may answer (invq_devtlb_done) from inside this call. */
	q->ops.send_devtlb_inv(q->ctx, s->d.rid, base, 4096ull << am, s->token);
}

static int invq_check_desc(const struct invq *q, const struct invq_desc *d, struct iov_err *e)
{
	if ((unsigned)d->type >= INVQ__NTYPES)
		return iov_err_set(e, IOV_INTERNAL, "invq: bad descriptor type %d", (int)d->type);
	bool ranged = d->type == INVQ_IOTLB_PAGE || d->type == INVQ_DEVTLB;
	if (ranged && (d->size == 0 || d->iova >> IOTLB_IOVA_BITS))
		return iov_err_set(e, IOV_INTERNAL, "invq: %s with iova 0x%llx size %llu",
				   invq_type_names[d->type], (unsigned long long)d->iova,
				   (unsigned long long)d->size);
	if ((d->type == INVQ_IOTLB_PASID || d->type == INVQ_PC_PASID) && d->pasid >> 20)
		return iov_err_set(e, IOV_INTERNAL, "invq: %s with PASID %u", invq_type_names[d->type],
				   d->pasid);
	if (d->type == INVQ_DEVTLB && !q->ops.send_devtlb_inv)
		return iov_err_set(e, IOV_INTERNAL, "invq: devtlb descriptor without an owner "
				   "that sends ATS invalidations");
	return 0;
}

int invq_submit(struct invq *q, const struct invq_desc *d, struct iov_err *e)
{
	if (invq_check_desc(q, d, e))
		return -1;
	if (q->count == q->p.entries) {
		invq_ctr_add(q, INVQ_C_QUEUE_FULL, 1);
		return -1;
	}
	struct invq_slot *s = &q->ring[(q->head + q->count) % q->p.entries];
	*s = (struct invq_slot){ .d = *d, .t_submit = sim_now(q->k), .token = ++q->next_token };
	q->count++;
	hist_add(q->depth, q->count);
	if (q->count > sacache_ctr_get(&q->ctrs, INVQ_C_DEPTH_MAX))
		*q->ctrs.p[INVQ_C_DEPTH_MAX] = q->count;
	if (!q->busy)
		invq_start(q);
	return 0;
}

size_t invq_free_slots(const struct invq *q) { return q->p.entries - q->count; }

size_t invq_depth(const struct invq *q) { return q->count; }

size_t invq_entries(const struct invq *q) { return q->p.entries; }

int invq_devtlb_done(struct invq *q, uint64_t token)
{
	const struct invq_slot *s = &q->ring[q->head];
	if (!q->busy || s->d.type != INVQ_DEVTLB || s->token != token || q->devtlb_answered) {
		invq_ctr_add(q, INVQ_C_DEVTLB_LATE, 1);
		return -1;
	}
	q->devtlb_answered = true;
	if (q->timeout_ev)
		sim_cancel(q->k, q->timeout_ev);
	q->timeout_ev = 0;
	sim_schedule(q->k, 0, invq_complete_ev, q);
	return 0;
}

int invq_notify_space(struct invq *q, invq_wait_fn fn, void *arg)
{
	if (!fn || q->nwaiters == INVQ_SPACE_WAITERS)
		return -1;
	q->waiters[q->nwaiters++] = (struct invq_waiter){ fn, arg };
	return 0;
}

/* ---- stats ----------------------------------------------------------------------- */

struct sacache_ctrs *invq_counters(struct invq *q) { return &q->ctrs; }

const struct hist *invq_latency_hist(const struct invq *q) { return q->lat; }

int invq_hist_adopt(struct stats *s, const char *prefix, const char *name, const char *unit,
		    double scale, const char *desc, struct hist **cur, struct hist *own,
		    struct iov_err *e)
{
	char path[256];
	int w = snprintf(path, sizeof(path), "%s.%s", prefix, name);
	if (w < 0 || (size_t)w >= sizeof(path))
		return iov_err_set(e, IOV_INTERNAL, "stat path too long: '%s.%s'", prefix, name);
	struct hist *h = stats_hist(s, path, unit, scale, desc, e);
	if (!h)
		return -1;
	if (hist_merge(h, own))
		return iov_err_set(e, IOV_INTERNAL, "%s: histogram merge failed", path);
	hist_free(own);
	*cur = h;
	return 0;
}

int invq_stats_register(struct invq *q, struct stats *s, const char *prefix, struct iov_err *e)
{
	if (sacache_ctrs_register(&q->ctrs, s, prefix, e) ||
	    invq_hist_adopt(s, prefix, "latency_ns", "ns", 1e-3,
			   "invalidation descriptor: submit to completion", &q->lat, &q->own_lat, e) ||
	    invq_hist_adopt(s, prefix, "depth", "descriptors", 1.0,
			   "descriptors in the ring at each submit (itself included)", &q->depth,
			   &q->own_depth, e))
		return -1;
	return 0;
}
