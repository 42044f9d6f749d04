/* test_unmapq.c - strict and deferred unmap over the invalidation queue: latency, batching, stale windows */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel.h"
#include "models/iommu/invq.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/physmem.h"
#include "models/iommu/unmapq.h"
#include "rng.h"
#include "stats.h"
#include "test_time.h"

#define NS SIM_NS
#define PAGE 4096ull
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TLB_LAT (500 * NS)
#define WAIT_LAT (100 * NS)
#define NDOM 3

/* ---- fixture: kernel, memory, one table per domain, caches, queue, policy ------------- */

struct fx {
	struct sim_kernel *k;
	struct physmem *pm;
	struct pgtable *pt[NDOM + 1];   /* [d] for domain d = 1..NDOM */
	struct iotlb *tlb;
	struct pwc *pwc;
	struct invq *q;
	struct unmapq *uq;
	struct tag {
		struct fx *f;
		int id;
	} tags[16];
	struct {
		sim_time_t t;
		int id;
	} log[16];
	size_t nlog;
};

/* (Re)create the queue and policy; invq entries and the unmap params vary by test. */
static void mk_queues(struct fx *f, uint64_t entries, const struct unmapq_params *up)
{
	struct iov_err e = { 0 };
	unmapq_destroy(f->uq);
	invq_destroy(f->q);
	struct invq_params ip = { .entries = entries, .cc_latency = 300 * NS,
				  .iotlb_latency = TLB_LAT, .wait_latency = WAIT_LAT };
	struct invq_caches c = { .iotlb = f->tlb, .pwc = f->pwc };
	f->q = invq_create(&ip, f->k, &c, NULL, NULL, "test", &e);
	assert_non_null(f->q);
	f->uq = unmapq_create(up, f->k, f->q, "test", &e);
	if (!f->uq)
		fail_msg("unmapq_create: %s", e.msg);
}

static void mk_policy(struct fx *f, int policy)
{
	struct unmapq_params up;
	unmapq_params_default(&up);
	up.policy = policy;
	mk_queues(f, 256, &up);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct iov_err e = { 0 };
	assert_non_null(f);
	f->k = sim_kernel_create(SIM_KERNEL_NATIVE, &e);
	f->pm = physmem_create(4 * GiB, 64 * MiB, &e);
	assert_non_null(f->k);
	assert_non_null(f->pm);
	for (int d = 1; d <= NDOM; d++)
		assert_non_null(f->pt[d] = pgtable_create(f->pm, 4, &e));
	struct iotlb_params tp = { .split = 0, .unified = { 64, 64, SACACHE_LRU } };
	f->tlb = iotlb_create(&tp, 1, "test", &e);
	struct pwc_params pp = { .levels = 4 };
	pp.level[2] = pp.level[3] = pp.level[4] = (struct sacache_geom){ 16, 16, SACACHE_LRU };
	f->pwc = pwc_create(&pp, 1, "test", &e);
	assert_non_null(f->tlb);
	assert_non_null(f->pwc);
	for (int i = 0; i < 16; i++)
		f->tags[i] = (struct tag){ f, i };
	mk_policy(f, UNMAPQ_STRICT);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sim_kernel_destroy(f->k);
	unmapq_destroy(f->uq);
	invq_destroy(f->q);
	for (int d = 1; d <= NDOM; d++)
		pgtable_free(f->pt[d]);
	physmem_destroy(f->pm);
	iotlb_destroy(f->tlb);
	pwc_destroy(f->pwc);
	free(f);
	return 0;
}

static void done_cb(void *arg)
{
	struct tag *t = arg;
	struct fx *f = t->f;
	assert_true(f->nlog < 16);
	f->log[f->nlog].t = sim_now(f->k);
	f->log[f->nlog++].id = t->id;
}

static void map(struct fx *f, int d, uint64_t iova, uint64_t size)
{
	struct iov_err e = { 0 };
	if (pgtable_map(f->pt[d], iova, 0x100000000ull + iova, size, PGT_PERM_RW, PGT_PGSIZES_4K,
			&e))
		fail_msg("map: %s", e.msg);
}

/* Unmap through the policy; id >= 0 gets a completion callback logged as id. */
static int64_t unmap(struct fx *f, int d, uint64_t iova, uint64_t size, int id)
{
	struct iov_err e = { 0 };
	int64_t n = unmapq_unmap(f->uq, f->pt[d], (uint16_t)d, iova, size,
				 id >= 0 ? done_cb : NULL, id >= 0 ? &f->tags[id] : NULL, &e);
	if (n < 0)
		fail_msg("unmap: %s", e.msg);
	return n;
}

static void run_until(struct fx *f, sim_time_t t) { kernel_run_until(f->k, t); }
static void advance_to(struct fx *f, sim_time_t t) { kernel_advance_to(f->k, t); }

static uint64_t frames(struct fx *f)
{
	struct physmem_stats st;
	physmem_get_stats(f->pm, &st);
	return st.frames_in_use;
}

static bool stale(struct fx *f, int d, uint64_t iova)
{
	return unmapq_is_stale(f->uq, (uint16_t)d, iova, sim_now(f->k));
}

static bool tlb_hit(struct fx *f, int d, uint64_t iova)
{
	struct iotlb_result r;
	return iotlb_lookup(f->tlb, (uint16_t)d, IOTLB_NO_PASID, iova, &r);
}

static void tlb_put(struct fx *f, int d, uint64_t iova)
{
	assert_int_equal(iotlb_insert(f->tlb, (uint16_t)d, IOTLB_NO_PASID, iova, IOTLB_4K,
				      0x100000000ull + iova, IOTLB_PERM_R), 0);
}

static uint64_t uctr(struct fx *f, unsigned i)
{
	return sacache_ctr_get(unmapq_counters(f->uq), i);
}

static uint64_t qctr(struct fx *f, unsigned i) { return sacache_ctr_get(invq_counters(f->q), i); }

/* ---- strict ----------------------------------------------------------------------------- */

/* Unmap returns after iotlb_latency + wait_latency; the range is stale exactly that long;
 * the freed tables go back only then; the walk caches are flushed since tables changed. */
static void test_strict_latency_window_frames(void **state)
{
	struct fx *f = *state;
	const uint64_t base = 1 * GiB;                  /* alone under its PML4E: own PDPT/PD/PT */
	unsigned lvl;
	uint64_t tab;
	map(f, 1, base, 8 * PAGE);
	tlb_put(f, 1, base + 3 * PAGE);
	assert_int_equal(pwc_insert(f->pwc, 1, IOTLB_NO_PASID, base, 2, 0x1000), 0);
	const uint64_t before = frames(f);

	assert_int_equal(unmap(f, 1, base, 8 * PAGE, 1), 8 * PAGE);
	assert_true(stale(f, 1, base + 3 * PAGE));
	assert_false(stale(f, 1, base + 8 * PAGE));
	assert_false(stale(f, 2, base));
	assert_int_equal(frames(f), before);            /* detached, not yet freed */
	assert_int_equal(invq_depth(f->q), 2);          /* page-selective + wait */
	assert_int_equal(f->nlog, 0);

	run_until(f, TLB_LAT - 1);
	assert_true(tlb_hit(f, 1, base + 3 * PAGE));    /* the stale entry still translates */
	run_until(f, TLB_LAT + WAIT_LAT - 1);
	assert_false(tlb_hit(f, 1, base + 3 * PAGE));   /* the IOTLB is clean ... */
	assert_true(stale(f, 1, base + 3 * PAGE));      /* ... but software has not seen it yet */
	assert_int_equal(f->nlog, 0);
	assert_int_equal(frames(f), before);

	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->nlog, 1);
	assert_int_equal(f->log[0].t, TLB_LAT + WAIT_LAT);
	assert_false(stale(f, 1, base + 3 * PAGE));
	assert_int_equal(frames(f), before - 3);        /* PT, PD, PDPT */
	assert_int_equal(uctr(f, UNMAPQ_C_FRAMES_RELEASED), 3);
	assert_false(pwc_lookup_deepest(f->pwc, 1, IOTLB_NO_PASID, base, &lvl, &tab));
	const struct hist *h = unmapq_stale_hist(f->uq);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->min, TLB_LAT + WAIT_LAT);
	assert_int_equal(h->max, TLB_LAT + WAIT_LAT);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSHES), 1);
	assert_int_equal(qctr(f, INVQ_C_DESC + INVQ_IOTLB_PAGE), 1);
	assert_int_equal(unmapq_stale_ranges(f->uq), 0);
}

/* Leaf-only change: the walk caches stay; a hole unmaps nothing and flushes nothing. */
static void test_strict_leaf_only_and_hole(void **state)
{
	struct fx *f = *state;
	unsigned lvl;
	uint64_t tab;
	map(f, 1, 0, 8 * PAGE);
	tlb_put(f, 1, 2 * PAGE);
	tlb_put(f, 1, 3 * PAGE);
	pwc_insert(f->pwc, 1, IOTLB_NO_PASID, 0, 2, 0x1000);
	assert_int_equal(unmap(f, 1, 2 * PAGE, PAGE, 1), PAGE);
	assert_int_equal(unmap(f, 1, 64 * PAGE, PAGE, 2), 0);       /* hole */
	assert_int_equal(uctr(f, UNMAPQ_C_HOLES), 1);
	assert_int_equal(invq_depth(f->q), 2);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->nlog, 1);                   /* no callback for the hole */
	assert_false(tlb_hit(f, 1, 2 * PAGE));
	assert_true(tlb_hit(f, 1, 3 * PAGE));           /* page-selective: only that page */
	assert_true(pwc_lookup_deepest(f->pwc, 1, IOTLB_NO_PASID, 0, &lvl, &tab));
	assert_int_equal(uctr(f, UNMAPQ_C_FRAMES_RELEASED), 0);
}

/* A queue with room for two jobs: the other three wait, in order, and stay stale meanwhile. */
static void test_strict_backlog(void **state)
{
	struct fx *f = *state;
	struct unmapq_params up;
	unmapq_params_default(&up);
	up.policy = UNMAPQ_STRICT;
	mk_queues(f, 4, &up);
	map(f, 1, 0, 8 * PAGE);
	for (int i = 0; i < 5; i++)
		unmap(f, 1, (uint64_t)i * PAGE, PAGE, i);
	assert_int_equal(invq_depth(f->q), 4);
	assert_int_equal(uctr(f, UNMAPQ_C_INVQ_FULL_WAITS), 3);
	assert_int_equal(unmapq_unsubmitted(f->uq), 3);
	run_until(f, 4 * (TLB_LAT + WAIT_LAT) - 1);
	assert_int_equal(f->nlog, 3);
	assert_true(stale(f, 1, 4 * PAGE));
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->nlog, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(f->log[i].id, i);
		assert_int_equal(f->log[i].t, (sim_time_t)(i + 1) * (TLB_LAT + WAIT_LAT));
	}
	assert_false(stale(f, 1, 4 * PAGE));
	assert_int_equal(qctr(f, INVQ_C_QUEUE_FULL), 0);    /* it checked for room first */
	assert_int_equal(unmapq_stale_hist(f->uq)->max, 5 * (TLB_LAT + WAIT_LAT));
}

/* ---- deferred ---------------------------------------------------------------------------- */

/* Nothing is submitted for 249 unmaps; the 250th submits one domain flush + wait. */
static void test_deferred_batch_full(void **state)
{
	struct fx *f = *state;
	mk_policy(f, UNMAPQ_DEFERRED);
	map(f, 1, 0, 300 * PAGE);
	tlb_put(f, 1, 0);
	for (uint64_t i = 0; i < 249; i++)
		assert_int_equal(unmap(f, 1, i * PAGE, PAGE, 0), PAGE);
	assert_int_equal(invq_depth(f->q), 0);
	assert_int_equal(unmapq_unsubmitted(f->uq), 249);
	assert_true(stale(f, 1, 100 * PAGE));
	unmap(f, 1, 249 * PAGE, PAGE, 0);
	assert_int_equal(invq_depth(f->q), 2);
	assert_int_equal(unmapq_unsubmitted(f->uq), 0);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSH_BATCH_FULL), 1);
	unmap(f, 1, 250 * PAGE, PAGE, 0);               /* starts the next batch */
	assert_int_equal(unmapq_unsubmitted(f->uq), 1);
	assert_int_equal(invq_depth(f->q), 2);

	run_until(f, TLB_LAT - 1);
	assert_true(tlb_hit(f, 1, 0));
	run_until(f, TLB_LAT + WAIT_LAT);
	assert_false(tlb_hit(f, 1, 0));
	assert_int_equal(f->nlog, 0);                   /* deferred: no callbacks */
	assert_false(stale(f, 1, 100 * PAGE));
	assert_true(stale(f, 1, 250 * PAGE));
	assert_int_equal(unmapq_stale_ranges(f->uq), 1);
	assert_int_equal(unmapq_batch_hist(f->uq)->max, 250);
	assert_int_equal(qctr(f, INVQ_C_DESC + INVQ_IOTLB_DOMAIN), 1);
	assert_int_equal(qctr(f, INVQ_C_DESC + INVQ_IOTLB_PAGE), 0);

	/* The 251st goes out by the timeout, 10 ms after it was unmapped (at 0). */
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSH_TIMEOUT), 1);
	assert_int_equal(unmapq_stale_hist(f->uq)->max, 10 * SIM_MS + TLB_LAT + WAIT_LAT);
	assert_int_equal(unmapq_stale_hist(f->uq)->count, 251);
	assert_int_equal(uctr(f, UNMAPQ_C_PENDING_MAX), 251);   /* 250 + the next one */
}

/* Timeout: 10 ms after the first pending unmap; windows measured per range; frames held. */
static void test_deferred_timeout(void **state)
{
	struct fx *f = *state;
	mk_policy(f, UNMAPQ_DEFERRED);
	for (uint64_t i = 0; i < 3; i++)
		map(f, 1, i * 2 * MiB, PAGE);           /* each alone in its page table */
	map(f, 1, 6 * MiB, PAGE);                       /* keeps the PD above them in use */
	const uint64_t before = frames(f);
	for (uint64_t i = 0; i < 3; i++) {
		advance_to(f, i * SIM_MS);
		unmap(f, 1, i * 2 * MiB, PAGE, 0);
	}
	/* Asked about 1.5 ms: the range unmapped at 2 ms was not stale yet, the one at 0 was. */
	assert_false(unmapq_is_stale(f->uq, 1, 4 * MiB, 1500 * SIM_US));
	assert_true(unmapq_is_stale(f->uq, 1, 4 * MiB, 2 * SIM_MS));
	assert_true(unmapq_is_stale(f->uq, 1, 0, 1500 * SIM_US));
	advance_to(f, 10 * SIM_MS - 1);
	assert_int_equal(invq_depth(f->q), 0);
	assert_int_equal(unmapq_unsubmitted(f->uq), 3);
	run_until(f, 10 * SIM_MS);
	assert_int_equal(invq_depth(f->q), 2);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSH_TIMEOUT), 1);
	run_until(f, 10 * SIM_MS + TLB_LAT + WAIT_LAT - 1);
	assert_true(stale(f, 1, 2 * MiB));
	assert_int_equal(frames(f), before);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(sim_now(f->k), 10 * SIM_MS + TLB_LAT + WAIT_LAT);
	assert_false(stale(f, 1, 2 * MiB));
	assert_int_equal(frames(f), before - 3);
	const struct hist *h = unmapq_stale_hist(f->uq);
	assert_int_equal(h->count, 3);
	assert_int_equal(h->min, 8 * SIM_MS + TLB_LAT + WAIT_LAT);
	assert_int_equal(h->max, 10 * SIM_MS + TLB_LAT + WAIT_LAT);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSHES), 1);
}

/* Scope: one domain-selective flush per domain in the batch, or one global flush. */
static void test_deferred_scope_and_forced(void **state)
{
	struct fx *f = *state;
	struct unmapq_params up;
	unmapq_params_default(&up);
	up.batch = 2;
	mk_queues(f, 256, &up);
	for (int d = 1; d <= 3; d++) {
		map(f, d, 0, PAGE);
		tlb_put(f, d, 0);
	}
	unmap(f, 1, 0, PAGE, -1);
	unmap(f, 2, 0, PAGE, -1);
	assert_int_equal(invq_depth(f->q), 3);          /* domain 1, domain 2, wait */
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(qctr(f, INVQ_C_DESC + INVQ_IOTLB_DOMAIN), 2);
	assert_true(tlb_hit(f, 3, 0));                  /* not in the batch: untouched */
	assert_int_equal(sim_now(f->k), 2 * TLB_LAT + WAIT_LAT);

	up.flush = UNMAPQ_FLUSH_GLOBAL;
	up.batch = 250;
	mk_queues(f, 256, &up);
	map(f, 1, 0, PAGE);
	tlb_put(f, 1, 0);
	unmap(f, 1, 0, PAGE, -1);
	assert_int_equal(invq_depth(f->q), 0);
	unmapq_flush(f->uq);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSH_FORCED), 1);
	assert_int_equal(invq_depth(f->q), 2);
	unmapq_flush(f->uq);                            /* nothing pending: no-op */
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSH_FORCED), 1);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(qctr(f, INVQ_C_DESC + INVQ_IOTLB_GLOBAL), 1);
	assert_false(tlb_hit(f, 3, 0));                 /* global: every domain */
	/* The 10 ms timer was cancelled: the run ended with the flush. */
	assert_int_equal(sim_now(f->k), 3 * TLB_LAT + 2 * WAIT_LAT);
	assert_int_equal(uctr(f, UNMAPQ_C_FLUSH_TIMEOUT), 0);
}

/* ---- the stale-range index against brute force ------------------------------------------ */

#define NREC 3000
struct brute {
	int d;
	uint64_t lo, hi;
	int batch;
};

static void check_probes(struct fx *f, struct rng *r, const struct brute *b, size_t n,
			 int live_batch)
{
	for (int i = 0; i < 5000; i++) {
		int d = 1 + (int)rng_below(r, NDOM);
		uint64_t iova = rng_below(r, 4200 * PAGE);
		bool want = false;
		for (size_t j = 0; j < n && !want; j++)
			want = b[j].d == d && b[j].batch >= live_batch && b[j].lo <= iova &&
			       iova < b[j].hi;
		if (stale(f, d, iova) != want)
			fail_msg("domain %d iova 0x%llx: stale %d, expected %d", d,
				 (unsigned long long)iova, !want, want);
	}
}

/* Random unmaps (and remaps, so pending ranges overlap) in three domains; then a partial
 * retirement: the first batch flushed while a second is pending. */
static void test_stale_index_random(void **state)
{
	struct fx *f = *state;
	struct unmapq_params up;
	unmapq_params_default(&up);
	up.batch = UNMAPQ_BATCH_MAX;
	up.timeout = SIM_S;
	mk_queues(f, 256, &up);
	struct brute *b = calloc(NREC, sizeof(*b));
	assert_non_null(b);
	struct rng r;
	rng_seed(&r, 11);
	for (int d = 1; d <= NDOM; d++)
		map(f, d, 0, 4096 * PAGE);
	size_t n = 0;
	for (int i = 0; i < NREC; i++) {
		int d = 1 + (int)rng_below(&r, NDOM), batch = i < NREC * 2 / 3 ? 0 : 1;
		uint64_t p = rng_below(&r, 4096), len = 1 + rng_below(&r, 16);
		if (p + len > 4096)
			len = 4096 - p;
		if (i == NREC * 2 / 3) {
			unmapq_flush(f->uq);            /* batch 0 goes out */
			assert_int_equal(unmapq_unsubmitted(f->uq), 0);
		}
		if (unmap(f, d, p * PAGE, len * PAGE, -1) > 0)
			b[n++] = (struct brute){ d, p * PAGE, (p + len) * PAGE, batch };
		if (rng_below(&r, 2))
			map(f, d, p * PAGE, len * PAGE);        /* remap: may be unmapped again */
	}
	assert_int_equal(unmapq_stale_ranges(f->uq), n);
	check_probes(f, &r, b, n, 0);
	/* One domain-selective flush per domain, then the wait: batch 0 retired, batch 1 not. */
	run_until(f, sim_now(f->k) + NDOM * TLB_LAT + WAIT_LAT);
	assert_true(unmapq_stale_ranges(f->uq) > 0 && unmapq_stale_ranges(f->uq) < n);
	check_probes(f, &r, b, n, 1);
	unmapq_flush(f->uq);
	run_until(f, SIM_TIME_MAX);
	check_probes(f, &r, b, n, 2);
	assert_int_equal(unmapq_stale_ranges(f->uq), 0);
	/* Every frame came back: what pgtable_free leaves in use is nothing. */
	for (int d = 1; d <= NDOM; d++) {
		pgtable_free(f->pt[d]);
		f->pt[d] = NULL;
	}
	assert_int_equal(frames(f), 0);
	free(b);
}

/* Nested pending ranges: the running maximum must survive insertion and partial retirement. */
static void test_stale_nested(void **state)
{
	struct fx *f = *state;
	struct unmapq_params up;
	unmapq_params_default(&up);
	mk_queues(f, 256, &up);
	map(f, 1, 0, 64 * PAGE);
	unmap(f, 1, 40 * PAGE, PAGE, -1);               /* C: retired first */
	unmapq_flush(f->uq);
	unmap(f, 1, 0, 16 * PAGE, -1);                  /* A */
	map(f, 1, 0, 16 * PAGE);
	unmap(f, 1, 0, PAGE, -1);                       /* B: same start, inside A */
	unmap(f, 1, 4 * PAGE, PAGE, -1);                /* D: inside A, starts later */
	assert_true(stale(f, 1, 8 * PAGE));             /* in A only; B and D end before it */
	assert_true(stale(f, 1, 40 * PAGE));
	assert_false(stale(f, 1, 16 * PAGE));
	run_until(f, TLB_LAT + WAIT_LAT);               /* C's flush done */
	assert_int_equal(unmapq_stale_ranges(f->uq), 3);
	assert_false(stale(f, 1, 40 * PAGE));
	assert_true(stale(f, 1, 8 * PAGE));
	assert_true(stale(f, 1, 15 * PAGE + 4095));
	assert_false(stale(f, 2, 8 * PAGE));
}

/* Jobs keep their order: a small job does not overtake a big one waiting for room. */
static void test_deferred_backlog_fifo(void **state)
{
	struct fx *f = *state;
	struct unmapq_params up;
	unmapq_params_default(&up);
	mk_queues(f, 4, &up);
	for (int d = 1; d <= 3; d++)
		map(f, d, 0, 3 * PAGE);
	for (uint64_t p = 0; p < 2; p++) {              /* two batches over 3 domains */
		for (int d = 1; d <= 3; d++)
			unmap(f, d, p * PAGE, PAGE, -1);
		unmapq_flush(f->uq);
	}
	assert_int_equal(invq_depth(f->q), 4);          /* batch 0: 3 domains + wait */
	assert_int_equal(uctr(f, UNMAPQ_C_INVQ_FULL_WAITS), 1);
	advance_to(f, 2 * TLB_LAT + 50 * NS);           /* 2 slots free, batch 1 needs 4 */
	assert_int_equal(invq_free_slots(f->q), 2);
	unmap(f, 1, 2 * PAGE, PAGE, -1);                /* batch 2 would fit, but waits */
	unmapq_flush(f->uq);
	assert_int_equal(uctr(f, UNMAPQ_C_INVQ_FULL_WAITS), 2);
	assert_int_equal(invq_free_slots(f->q), 2);
	const sim_time_t b1 = 2 * (3 * TLB_LAT + WAIT_LAT);
	run_until(f, b1);
	assert_false(stale(f, 1, 1 * PAGE));
	assert_true(stale(f, 1, 2 * PAGE));
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(sim_now(f->k), b1 + TLB_LAT + WAIT_LAT);
	assert_false(stale(f, 1, 2 * PAGE));
}

static void test_stats_register(void **state)
{
	struct fx *f = *state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	map(f, 1, 0, 2 * PAGE);
	unmap(f, 1, 0, PAGE, -1);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(unmapq_stats_register(f->uq, s, "iommu.unmap", &e), 0);
	assert_int_equal(invq_stats_register(f->q, s, "iommu.inv", &e), 0);
	unmap(f, 1, PAGE, PAGE, -1);
	run_until(f, SIM_TIME_MAX);
	double v;
	assert_int_equal(stats_get(s, "iommu.unmap.unmaps", &v), 0);
	assert_true(v == 2);
	assert_int_equal(stats_get(s, "iommu.unmap.stale_window_ns.count", &v), 0);
	assert_true(v == 2);
	assert_int_equal(stats_get(s, "iommu.unmap.stale_window_ns.max", &v), 0);
	assert_true(v == 600);
	assert_int_equal(stats_get(s, "iommu.unmap.entries_per_flush.max", &v), 0);
	assert_true(v == 1);
	assert_int_equal(stats_get(s, "iommu.inv.waits", &v), 0);
	assert_true(v == 2);
	/* The registry holds the counters now: tear down before it goes. */
	sim_kernel_destroy(f->k);
	f->k = NULL;
	unmapq_destroy(f->uq);
	invq_destroy(f->q);
	f->uq = NULL;
	f->q = NULL;
	stats_destroy(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_strict_latency_window_frames),
		T(test_strict_leaf_only_and_hole),
		T(test_strict_backlog),
		T(test_deferred_batch_full),
		T(test_deferred_timeout),
		T(test_deferred_scope_and_forced),
		T(test_stale_index_random),
		T(test_stale_nested),
		T(test_deferred_backlog_fifo),
		T(test_stats_register),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
