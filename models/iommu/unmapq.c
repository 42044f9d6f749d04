/* unmapq.c - strict and deferred unmap policies: flush jobs on the invalidation queue, stale-range index
 *
 * See unmapq.h for the contract and the index design. A *range* record is
 * one unmap call; a *job* is a chain of records flushed by one set of
 * descriptors and one wait (strict: one record; deferred: a batch). The
 * job's head record carries the chain length and is the wait's argument.
 * Jobs that do not fit in the queue wait in a FIFO (backlog) until the queue
 * reports room.
 */
#include "models/iommu/unmapq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

const char *const unmapq_policy_names[] = { "strict", "deferred", NULL };
const char *const unmapq_flush_names[] = { "domain", "global", NULL };

static const struct sacache_ctr_desc unmapq_ctr_descs[UNMAPQ_C__COUNT] = {
	[UNMAPQ_C_UNMAPS] = { "unmaps", "unmap calls that unmapped something" },
	[UNMAPQ_C_HOLES] = { "holes", "unmap calls over nothing mapped (no flush)" },
	[UNMAPQ_C_BYTES] = { "bytes", "bytes unmapped" },
	[UNMAPQ_C_FLUSHES] = { "flushes", "invalidation jobs (descriptors + wait) completed" },
	[UNMAPQ_C_FLUSH_BATCH_FULL] = { "flush_batch_full", "deferred flushes started by 'batch'" },
	[UNMAPQ_C_FLUSH_TIMEOUT] = { "flush_timeout", "deferred flushes started by 'timeout'" },
	[UNMAPQ_C_FLUSH_FORCED] = { "flush_forced", "deferred flushes started by unmapq_flush" },
	[UNMAPQ_C_INVQ_FULL_WAITS] = { "invq_full_waits",
				       "jobs that waited for room in the invalidation queue" },
	[UNMAPQ_C_FRAMES_RELEASED] = { "frames_released",
				       "page-table frames returned to memory after their flush" },
	[UNMAPQ_C_PENDING_MAX] = { "pending_max", "most unmapped ranges stale at once" },
};

#define UQ_CHUNK 256            /* records per pool chunk */
#define UQ_MAX_DOMAIN_DESCS 8   /* a batch over more domains is flushed globally */

struct uq_rec {
	struct unmapq *uq;
	struct uq_rec *next;            /* next in its job, or in the free list */
	struct uq_rec *next_job;        /* job heads only: next job in the backlog */
	uint64_t start, end;            /* the range asked for */
	sim_time_t t_unmap;
	struct pgt_gather g;
	struct physmem *pm;
	unmapq_done_fn fn;              /* strict only */
	void *arg;
	uint32_t n;                     /* job heads: ranges in the job */
	uint16_t domain;
	bool done;
};

/* One stale range in the index; pmax: the largest end over its domain's elements up to here. */
struct uq_span {
	uint64_t start, end, pmax;
	struct uq_rec *rec;
	uint16_t domain;
};

struct unmapq {
	struct unmapq_params p;
	struct sim_kernel *k;
	struct invq *q;
	struct uq_rec **chunks;         /* record pool: fixed chunks, so pointers stay valid */
	size_t nchunks;
	struct uq_rec *free;
	struct uq_span *idx;            /* sorted by (domain, start) */
	size_t nidx, capidx;
	struct uq_rec *batch_head, *batch_tail;  /* deferred: not yet submitted */
	uint32_t batch_n;
	sim_event_id timer;
	struct uq_rec *backlog_head, *backlog_tail;  /* jobs waiting for queue room */
	bool space_wait;                /* registered with invq_notify_space */
	size_t unsubmitted;
	sim_time_t last_unmap;
	struct sacache_ctrs ctrs;
	struct hist own_window, own_batch;
	struct hist *window, *batch;
};

void unmapq_params_default(struct unmapq_params *p)
{
	*p = (struct unmapq_params){ .policy = UNMAPQ_DEFERRED, .batch = 250,
				     .timeout = 10 * SIM_MS, .flush = UNMAPQ_FLUSH_DOMAIN };
}

int unmapq_params_check(const struct unmapq_params *p, const char *what, struct iov_err *e)
{
	if (p->policy != UNMAPQ_STRICT && p->policy != UNMAPQ_DEFERRED)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: unknown unmap policy %d", what, p->policy);
	if (p->flush != UNMAPQ_FLUSH_DOMAIN && p->flush != UNMAPQ_FLUSH_GLOBAL)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: unknown flush scope %d", what, p->flush);
	if (p->batch < 1 || p->batch > UNMAPQ_BATCH_MAX || p->timeout == 0)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: unmap batch %llu (1..%u) / timeout %llu ps "
				   "(> 0) out of range", what, (unsigned long long)p->batch,
				   UNMAPQ_BATCH_MAX, (unsigned long long)p->timeout);
	return 0;
}

static inline void uq_ctr_add(struct unmapq *uq, unsigned i, uint64_t v)
{
	sacache_ctr_add(&uq->ctrs, i, v);
}

struct unmapq *unmapq_create(const struct unmapq_params *p, struct sim_kernel *k,
			     struct invq *q, const char *what, struct iov_err *e)
{
	if (unmapq_params_check(p, what, e))
		return NULL;
	struct unmapq *uq = calloc(1, sizeof(*uq));
	if (!uq) {
		iov_err_set(e, IOV_INTERNAL, "%s: out of memory (unmap queue)", what);
		return NULL;
	}
	uq->p = *p;
	uq->k = k;
	uq->q = q;
	sacache_ctrs_init(&uq->ctrs, unmapq_ctr_descs, UNMAPQ_C__COUNT);
	hist_init(&uq->own_window, STATS_HIST_SUB_BITS);
	hist_init(&uq->own_batch, STATS_HIST_SUB_BITS);
	uq->window = &uq->own_window;
	uq->batch = &uq->own_batch;
	return uq;
}

void unmapq_destroy(struct unmapq *uq)
{
	if (!uq)
		return;
	for (size_t c = 0; c < uq->nchunks; c++) {
		for (size_t i = 0; i < UQ_CHUNK; i++)
			free(uq->chunks[c][i].g.freed);         /* NULL for free records */
		free(uq->chunks[c]);
	}
	free(uq->chunks);
	free(uq->idx);
	hist_free(&uq->own_window);
	hist_free(&uq->own_batch);
	free(uq);
}

/* ---- record pool ----------------------------------------------------------------- */

static struct uq_rec *uq_rec_alloc(struct unmapq *uq)
{
	if (!uq->free) {
		struct uq_rec **cs = realloc(uq->chunks, (uq->nchunks + 1) * sizeof(*cs));
		if (!cs)
			return NULL;
		uq->chunks = cs;
		struct uq_rec *c = calloc(UQ_CHUNK, sizeof(*c));
		if (!c)
			return NULL;
		cs[uq->nchunks++] = c;
		for (size_t i = UQ_CHUNK; i-- > 0;) {
			c[i].next = uq->free;
			uq->free = &c[i];
		}
	}
	struct uq_rec *r = uq->free;
	uq->free = r->next;
	memset(r, 0, sizeof(*r));
	r->uq = uq;
	return r;
}

/* The gather's array must already be released. */
static void uq_rec_free(struct unmapq *uq, struct uq_rec *r)
{
	r->g.freed = NULL;
	r->next = uq->free;
	uq->free = r;
}

/* ---- stale-range index ----------------------------------------------------------- */

/* (domain, start) order. */
static bool uq_before(uint16_t da, uint64_t sa, uint16_t db, uint64_t sb)
{
	return da < db || (da == db && sa < sb);
}

/* Number of elements <= (domain, start): the insertion point after equal keys. */
static size_t uq_upper_bound(const struct unmapq *uq, uint16_t domain, uint64_t start)
{
	size_t lo = 0, hi = uq->nidx;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (uq_before(domain, start, uq->idx[mid].domain, uq->idx[mid].start))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Recompute the running maxima from i to the end of i's domain run. */
static void uq_fix_pmax(struct unmapq *uq, size_t i)
{
	uint16_t d = uq->idx[i].domain;
	for (; i < uq->nidx && uq->idx[i].domain == d; i++) {
		struct uq_span *s = &uq->idx[i];
		uint64_t prev = i && uq->idx[i - 1].domain == d ? uq->idx[i - 1].pmax : 0;
		s->pmax = s->end > prev ? s->end : prev;
	}
}

static int uq_idx_insert(struct unmapq *uq, struct uq_rec *r)
{
	if (uq->nidx == uq->capidx) {
		size_t cap = uq->capidx ? 2 * uq->capidx : 256;
		struct uq_span *n = realloc(uq->idx, cap * sizeof(*n));
		if (!n)
			return -1;
		uq->idx = n;
		uq->capidx = cap;
	}
	size_t pos = uq_upper_bound(uq, r->domain, r->start);
	memmove(&uq->idx[pos + 1], &uq->idx[pos], (uq->nidx - pos) * sizeof(*uq->idx));
	uq->idx[pos] = (struct uq_span){ .start = r->start, .end = r->end, .rec = r,
					 .domain = r->domain };
	uq->nidx++;
	uq_fix_pmax(uq, pos);
	return 0;
}

/* Drop every element whose record is done, in one pass, rebuilding the maxima. */
static void uq_idx_compact(struct unmapq *uq)
{
	size_t w = 0;
	for (size_t i = 0; i < uq->nidx; i++) {
		struct uq_span s = uq->idx[i];
		if (s.rec->done)
			continue;
		uint64_t prev = w && uq->idx[w - 1].domain == s.domain ? uq->idx[w - 1].pmax : 0;
		s.pmax = s.end > prev ? s.end : prev;
		uq->idx[w++] = s;
	}
	uq->nidx = w;
}

bool unmapq_is_stale(const struct unmapq *uq, uint16_t domain, uint64_t iova, sim_time_t now)
{
	size_t i = uq_upper_bound(uq, domain, iova);
	if (i == 0 || uq->idx[i - 1].domain != domain || uq->idx[i - 1].pmax <= iova)
		return false;
	if (now >= uq->last_unmap)
		return true;
	/* A question about the past: check each candidate's unmap time. */
	for (size_t j = i; j-- > 0 && uq->idx[j].domain == domain;)
		if (uq->idx[j].end > iova && uq->idx[j].rec->t_unmap <= now)
			return true;
	return false;
}

size_t unmapq_stale_ranges(const struct unmapq *uq) { return uq->nidx; }

size_t unmapq_unsubmitted(const struct unmapq *uq) { return uq->unsubmitted; }

/* ---- flush jobs ------------------------------------------------------------------ */

static void uq_space_cb(void *arg);

/* The job's wait completed: retire its ranges, give their frames back, call back (strict). */
static void uq_job_done(void *arg)
{
	struct uq_rec *head = arg;
	struct unmapq *uq = head->uq;
	sim_time_t now = sim_now(uq->k);
	uq_ctr_add(uq, UNMAPQ_C_FLUSHES, 1);
	hist_add(uq->batch, head->n);
	for (struct uq_rec *r = head; r; r = r->next) {
		hist_add(uq->window, now - r->t_unmap);
		uq_ctr_add(uq, UNMAPQ_C_FRAMES_RELEASED, r->g.nfreed);
		pgtable_gather_release(r->pm, &r->g);
		r->done = true;
	}
	uq_idx_compact(uq);
	/* Free each record before its callback, which may unmap again (and reuse it). */
	for (struct uq_rec *r = head, *next; r; r = next) {
		next = r->next;
		unmapq_done_fn fn = r->fn;
		void *fn_arg = r->arg;
		uq_rec_free(uq, r);
		if (fn)
			fn(fn_arg);
	}
}

/*
 * The invalidations of a job: strict, one page-selective descriptor over what
 * the unmap changed; deferred, one domain-selective descriptor per domain of
 * the batch, or one global one (scope 'global', too many domains, or a queue
 * too small to take them all with the wait). Returns the count written to d.
 */
static size_t uq_job_descs(const struct unmapq *uq, const struct uq_rec *head,
			   struct invq_desc *d)
{
	if (uq->p.policy == UNMAPQ_STRICT) {
		/* What the unmap changed: whole superpages when one was split. */
		const struct pgt_gather *g = &head->g;
		uint64_t lo = g->start < g->end ? g->start : head->start;
		uint64_t hi = g->start < g->end ? g->end : head->end;
		d[0] = invq_iotlb_page(head->domain, lo, hi - lo, g->tables_changed);
		return 1;
	}
	size_t max = invq_entries(uq->q) - 1;
	if (max > UQ_MAX_DOMAIN_DESCS)
		max = UQ_MAX_DOMAIN_DESCS;
	size_t n = 0;
	for (const struct uq_rec *r = head; r && uq->p.flush == UNMAPQ_FLUSH_DOMAIN; r = r->next) {
		size_t j = 0;
		while (j < n && d[j].domain != r->domain)
			j++;
		if (j < n)
			continue;
		if (n == max) {
			n = 0;  /* too many: global instead */
			break;
		}
		d[n++] = (struct invq_desc){ .type = INVQ_IOTLB_DOMAIN, .domain = r->domain };
	}
	if (n == 0)
		d[n++] = (struct invq_desc){ .type = INVQ_IOTLB_GLOBAL };
	return n;
}

/* Submit the job's descriptors and its wait if they all fit now; false if not. */
static bool uq_try_submit(struct unmapq *uq, struct uq_rec *head)
{
	struct invq_desc d[UQ_MAX_DOMAIN_DESCS + 1];
	size_t n = uq_job_descs(uq, head, d);
	if (invq_free_slots(uq->q) < n + 1)
		return false;
	d[n++] = invq_wait(uq_job_done, head);
	for (size_t i = 0; i < n; i++)
		invq_submit(uq->q, &d[i], NULL);        /* fits: cannot fail */
	uq->unsubmitted -= head->n;
	return true;
}

/* Ask the queue to call back when a slot frees (once per wait). */
static void uq_wait_for_space(struct unmapq *uq)
{
	if (!uq->space_wait && invq_notify_space(uq->q, uq_space_cb, uq) == 0)
		uq->space_wait = true;
}

/* Jobs go in FIFO order: a new one waits behind any job already waiting. */
static void uq_submit_job(struct unmapq *uq, struct uq_rec *head)
{
	if (!uq->backlog_head && uq_try_submit(uq, head))
		return;
	uq_ctr_add(uq, UNMAPQ_C_INVQ_FULL_WAITS, 1);
	head->next_job = NULL;
	if (uq->backlog_tail)
		uq->backlog_tail->next_job = head;
	else
		uq->backlog_head = head;
	uq->backlog_tail = head;
	uq_wait_for_space(uq);
}

static void uq_space_cb(void *arg)
{
	struct unmapq *uq = arg;
	uq->space_wait = false;
	while (uq->backlog_head && uq_try_submit(uq, uq->backlog_head)) {
		uq->backlog_head = uq->backlog_head->next_job;
		if (!uq->backlog_head)
			uq->backlog_tail = NULL;
	}
	if (uq->backlog_head)
		uq_wait_for_space(uq);
}

/* Deferred: turn the pending batch into a job. */
static void uq_flush_batch(struct unmapq *uq, enum unmapq_ctr why)
{
	if (!uq->batch_head)
		return;
	if (uq->timer)
		sim_cancel(uq->k, uq->timer);
	uq->timer = 0;
	struct uq_rec *head = uq->batch_head;
	head->n = uq->batch_n;
	uq->batch_head = uq->batch_tail = NULL;
	uq->batch_n = 0;
	uq_ctr_add(uq, why, 1);
	uq_submit_job(uq, head);
}

static void uq_timer_ev(void *arg)
{
	struct unmapq *uq = arg;
	uq->timer = 0;
	uq_flush_batch(uq, UNMAPQ_C_FLUSH_TIMEOUT);
}

void unmapq_flush(struct unmapq *uq) { uq_flush_batch(uq, UNMAPQ_C_FLUSH_FORCED); }

static void uq_defer(struct unmapq *uq, struct uq_rec *r)
{
	if (uq->batch_tail)
		uq->batch_tail->next = r;
	else
		uq->batch_head = r;
	uq->batch_tail = r;
	if (++uq->batch_n == 1)
		uq->timer = sim_schedule(uq->k, uq->p.timeout, uq_timer_ev, uq);
	if (uq->batch_n >= uq->p.batch)
		uq_flush_batch(uq, UNMAPQ_C_FLUSH_BATCH_FULL);
}

int64_t unmapq_unmap(struct unmapq *uq, struct pgtable *pt, uint16_t domain, uint64_t iova,
		     uint64_t size, unmapq_done_fn fn, void *arg, struct iov_err *e)
{
	struct uq_rec *r = uq_rec_alloc(uq);
	if (!r)
		return iov_err_set(e, IOV_INTERNAL, "unmap queue: out of memory");
	pgtable_gather_init(&r->g);
	int64_t n = pgtable_unmap(pt, iova, size, &r->g, e);
	if (r->g.start >= r->g.end && r->g.nfreed == 0) {       /* nothing changed: no flush */
		pgtable_gather_release(pt->pm, &r->g);
		uq_rec_free(uq, r);
		if (n == 0)
			uq_ctr_add(uq, UNMAPQ_C_HOLES, 1);
		return n;
	}
	*r = (struct uq_rec){ .uq = uq, .start = iova, .end = iova + size, .domain = domain,
			      .t_unmap = sim_now(uq->k), .g = r->g, .pm = pt->pm, .n = 1 };
	if (uq_idx_insert(uq, r)) {
		/* Cannot track it: flush it anyway, it just is not reported stale. */
		r->done = true;
		iov_err_set(e, IOV_INTERNAL, "unmap queue: out of memory (index)");
		n = -1;
	}
	if (n > 0) {
		uq_ctr_add(uq, UNMAPQ_C_UNMAPS, 1);
		uq_ctr_add(uq, UNMAPQ_C_BYTES, (uint64_t)n);
	}
	uq->last_unmap = r->t_unmap;
	uq->unsubmitted++;
	if (uq->nidx > sacache_ctr_get(&uq->ctrs, UNMAPQ_C_PENDING_MAX))
		*uq->ctrs.p[UNMAPQ_C_PENDING_MAX] = uq->nidx;
	if (uq->p.policy == UNMAPQ_STRICT) {
		r->fn = n >= 0 ? fn : NULL;
		r->arg = arg;
		uq_submit_job(uq, r);
	} else {
		uq_defer(uq, r);
	}
	return n;
}

/* ---- stats ----------------------------------------------------------------------- */

struct sacache_ctrs *unmapq_counters(struct unmapq *uq) { return &uq->ctrs; }

const struct hist *unmapq_stale_hist(const struct unmapq *uq) { return uq->window; }

const struct hist *unmapq_batch_hist(const struct unmapq *uq) { return uq->batch; }

int unmapq_stats_register(struct unmapq *uq, struct stats *s, const char *prefix,
			  struct iov_err *e)
{
	if (sacache_ctrs_register(&uq->ctrs, s, prefix, e) ||
	    invq_hist_adopt(s, prefix, "stale_window_ns", "ns", 1e-3,
			 "per unmapped range: PTE cleared to its invalidation's wait done "
			 "(stale translations usable meanwhile)", &uq->window, &uq->own_window, e) ||
	    invq_hist_adopt(s, prefix, "entries_per_flush", "ranges", 1.0,
			 "unmapped ranges retired by one invalidation wait", &uq->batch,
			 &uq->own_batch, e))
		return -1;
	return 0;
}
