/* test_invq.c - queued invalidation: order, latency, cache effect at completion, ATS, waits, full ring */
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
#include "models/iommu/unmapq.h"
#include "stats.h"
#include "test_time.h"

#define NS SIM_NS
#define PAGE 4096ull
#define CC_LAT (300 * NS)
#define TLB_LAT (500 * NS)
#define WAIT_LAT (100 * NS)

/* ---- fixture: a native kernel, real caches, a queue with known latencies ---------- */

struct logrec {
	sim_time_t t;
	int id;
};

struct devreq {
	uint16_t rid;
	uint64_t iova, size, token;
};

struct fx {
	struct sim_kernel *k;
	struct iotlb *tlb;
	struct pwc *pwc;
	struct context_cache *cc;
	struct invq *q;
	struct logrec log[64];
	size_t nlog;
	struct tag {
		struct fx *f;
		int id;
	} tags[100];                    /* stable wait arguments: tags[id] */
	struct devreq dev[8];
	size_t ndev;
	bool answer_at_once;            /* the stub device completes inside send_devtlb_inv */
	int resubmit;                   /* wait id whose callback submits one more wait (id 99) */
};

static void stub_send(void *ctx, uint16_t rid, uint64_t iova, uint64_t size, uint64_t token)
{
	struct fx *f = ctx;
	assert_true(f->ndev < 8);
	f->dev[f->ndev++] = (struct devreq){ rid, iova, size, token };
	if (f->answer_at_once)
		assert_int_equal(invq_devtlb_done(f->q, token), 0);
}

static const struct invq_ops stub_ops = { .send_devtlb_inv = stub_send };

static struct invq *mk_queue(struct fx *f, uint64_t entries, sim_time_t devtlb_timeout)
{
	struct iov_err e = { 0 };
	struct invq_params p = { .entries = entries, .cc_latency = CC_LAT,
				 .iotlb_latency = TLB_LAT, .wait_latency = WAIT_LAT,
				 .devtlb_timeout = devtlb_timeout };
	struct invq_caches c = { .iotlb = f->tlb, .pwc = f->pwc, .cc = f->cc };
	struct invq *q = invq_create(&p, f->k, &c, &stub_ops, f, "test", &e);
	if (!q)
		fail_msg("invq_create: %s", e.msg);
	return q;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct iov_err e = { 0 };
	assert_non_null(f);
	f->k = sim_kernel_create(SIM_KERNEL_NATIVE, &e);
	struct iotlb_params tp = { .split = 0, .unified = { 64, 64, SACACHE_LRU } };
	f->tlb = iotlb_create(&tp, 1, "test", &e);
	struct pwc_params pp = { .levels = 4 };
	pp.level[2] = pp.level[3] = pp.level[4] = (struct sacache_geom){ 16, 16, SACACHE_LRU };
	f->pwc = pwc_create(&pp, 1, "test", &e);
	struct sacache_geom cg = { 16, 16, SACACHE_LRU };
	f->cc = context_cache_create(&cg, 1, "test", &e);
	assert_non_null(f->k);
	assert_non_null(f->tlb);
	assert_non_null(f->pwc);
	assert_non_null(f->cc);
	f->q = mk_queue(f, 8, 0);
	for (int i = 0; i < 100; i++)
		f->tags[i] = (struct tag){ f, i };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sim_kernel_destroy(f->k);       /* first: the queue's events die with it */
	invq_destroy(f->q);
	iotlb_destroy(f->tlb);
	pwc_destroy(f->pwc);
	context_cache_destroy(f->cc);
	free(f);
	return 0;
}

static void wait_cb(void *arg);

/* Log (now, id); the wait 'resubmit' also submits wait 99 from inside its callback. */
static void log_id(struct fx *f, int id)
{
	assert_true(f->nlog < 64);
	f->log[f->nlog++] = (struct logrec){ sim_now(f->k), id };
	if (id == f->resubmit) {
		struct invq_desc w = invq_wait(wait_cb, &f->tags[99]);
		assert_int_equal(invq_submit(f->q, &w, NULL), 0);
	}
}

static void wait_cb(void *arg)
{
	struct tag *t = arg;
	log_id(t->f, t->id);
}

static void submit(struct fx *f, struct invq_desc d)
{
	struct iov_err e = { 0 };
	if (invq_submit(f->q, &d, &e))
		fail_msg("invq_submit: %s", e.msg);
}

static void submit_wait(struct fx *f, int id) { submit(f, invq_wait(wait_cb, &f->tags[id])); }

static void run_until(struct fx *f, sim_time_t t) { kernel_run_until(f->k, t); }
static void advance_to(struct fx *f, sim_time_t t) { kernel_advance_to(f->k, t); }

static bool tlb_hit(struct fx *f, uint16_t dom, uint64_t iova)
{
	struct iotlb_result r;
	return iotlb_lookup(f->tlb, dom, IOTLB_NO_PASID, iova, &r);
}

static void tlb_put(struct fx *f, uint16_t dom, uint64_t iova)
{
	assert_int_equal(iotlb_insert(f->tlb, dom, IOTLB_NO_PASID, iova, IOTLB_4K, 0x80000000 + iova,
				      IOTLB_PERM_R | IOTLB_PERM_W), 0);
}

static uint64_t ctr(struct fx *f, unsigned i) { return sacache_ctr_get(invq_counters(f->q), i); }

/* ---- parameters and encoding -------------------------------------------------------- */

struct both_params {
	struct invq_params inv;
	struct unmapq_params unmap;
};

static const struct param_desc both_desc[] = {
	INVQ_PARAMS("inv_", struct both_params, inv),
	UNMAPQ_PARAMS("unmap_", struct both_params, unmap),
	{ 0 },
};

/* The scenario rows and the C defaults agree, and checks reject what they should. */
static void test_params(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct both_params loaded, def;
	memset(&loaded, 0xa5, sizeof(loaded));
	assert_int_equal(cfg_load_params(NULL, both_desc, NULL, &loaded, "iommu 'x'", &e), 0);
	invq_params_default(&def.inv);
	unmapq_params_default(&def.unmap);
	assert_int_equal(loaded.inv.entries, 256);
	assert_int_equal(loaded.inv.entries, def.inv.entries);
	assert_int_equal(loaded.inv.cc_latency, def.inv.cc_latency);
	assert_int_equal(loaded.inv.iotlb_latency, def.inv.iotlb_latency);
	assert_int_equal(loaded.inv.wait_latency, def.inv.wait_latency);
	assert_int_equal(loaded.inv.devtlb_timeout, 60 * SIM_S);
	assert_int_equal(loaded.unmap.policy, UNMAPQ_DEFERRED);
	assert_int_equal(loaded.unmap.batch, 250);
	assert_int_equal(loaded.unmap.timeout, 10 * SIM_MS);
	assert_int_equal(loaded.unmap.flush, def.unmap.flush);

	def.inv.entries = 1;
	assert_int_equal(invq_params_check(&def.inv, "iommu 'x'", &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "iommu 'x'"));
	def.unmap.batch = 0;
	assert_int_equal(unmapq_params_check(&def.unmap, "x", &e), -1);
}

static void expect_psi(uint64_t iova, uint64_t size, uint64_t base, unsigned am)
{
	uint64_t b;
	unsigned m;
	invq_psi_encode(iova, size, &b, &m);
	assert_int_equal(b, base);
	assert_int_equal(m, am);
}

static void test_psi_encode(void **state)
{
	(void)state;
	expect_psi(0x3000, PAGE, 0x3000, 0);
	expect_psi(0x3000, 1, 0x3000, 0);
	expect_psi(0x2000, 2 * PAGE, 0x2000, 1);
	expect_psi(0x1000, 2 * PAGE, 0x0, 2);           /* misaligned: pages 1-2 need block 0-3 */
	expect_psi(0x4000, 3 * PAGE, 0x4000, 2);        /* rounded up to 4 pages */
	expect_psi(0x1ff000, 2 * PAGE, 0x0, 10);        /* crosses 2 MiB: a 4 MiB block */
	expect_psi(0x40000000, 1ull << 30, 0x40000000, 18);
}

/* ---- processing order and latency ---------------------------------------------------- */

static void test_order_and_latency(void **state)
{
	struct fx *f = *state;
	submit(f, (struct invq_desc){ .type = INVQ_CC_GLOBAL });
	submit(f, (struct invq_desc){ .type = INVQ_IOTLB_DOMAIN, .domain = 1 });
	submit_wait(f, 1);
	submit(f, invq_iotlb_page(1, 0, PAGE, false));
	submit_wait(f, 2);
	assert_int_equal(invq_depth(f->q), 5);
	assert_int_equal(invq_free_slots(f->q), 3);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->nlog, 2);
	assert_int_equal(f->log[0].id, 1);
	assert_int_equal(f->log[0].t, CC_LAT + TLB_LAT + WAIT_LAT);
	assert_int_equal(f->log[1].id, 2);
	assert_int_equal(f->log[1].t, CC_LAT + 2 * TLB_LAT + 2 * WAIT_LAT);
	assert_int_equal(invq_depth(f->q), 0);
	assert_int_equal(ctr(f, INVQ_C_DESC + INVQ_CC_GLOBAL), 1);
	assert_int_equal(ctr(f, INVQ_C_DESC + INVQ_IOTLB_DOMAIN), 1);
	assert_int_equal(ctr(f, INVQ_C_DESC + INVQ_IOTLB_PAGE), 1);
	assert_int_equal(ctr(f, INVQ_C_DESC + INVQ_WAIT), 2);
	assert_int_equal(ctr(f, INVQ_C_DEPTH_MAX), 5);
	/* Descriptor latency is submit -> done: the last one waited for all the others. */
	const struct hist *h = invq_latency_hist(f->q);
	assert_int_equal(h->count, 5);
	assert_int_equal(h->min, CC_LAT);
	assert_int_equal(h->max, CC_LAT + 2 * TLB_LAT + 2 * WAIT_LAT);

	/* An idle queue starts a new descriptor at once, from the current time. */
	advance_to(f, 10000 * NS);
	submit_wait(f, 3);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->log[2].t, 10000 * NS + WAIT_LAT);
}

/* The race: between submit and completion the old entry still translates. */
static void test_hit_until_completion(void **state)
{
	struct fx *f = *state;
	const uint64_t a = 0x7000, b = 0x8000;
	tlb_put(f, 1, a);
	tlb_put(f, 1, b);
	tlb_put(f, 2, a);
	submit(f, invq_iotlb_page(1, a, PAGE, false));
	assert_true(tlb_hit(f, 1, a));                  /* submitted, not processed */
	run_until(f, TLB_LAT - 1);
	assert_true(tlb_hit(f, 1, a));                  /* 1 ps before completion: still hits */
	run_until(f, TLB_LAT);
	assert_false(tlb_hit(f, 1, a));                 /* completed: gone */
	assert_true(tlb_hit(f, 1, b));                  /* only that page ... */
	assert_true(tlb_hit(f, 2, a));                  /* ... of that domain */
	assert_int_equal(ctr(f, INVQ_C_IOTLB_REMOVED), 1);
}

/* Page-selective: walk caches only with nonleaf; the range widens as the hardware encodes it. */
static void test_page_selective_pwc(void **state)
{
	struct fx *f = *state;
	unsigned lvl;
	uint64_t tab;
	for (uint64_t p = 0; p < 5; p++)
		tlb_put(f, 1, p * PAGE);
	assert_int_equal(pwc_insert(f->pwc, 1, IOTLB_NO_PASID, 0, 2, 0x1000), 0);
	submit(f, invq_iotlb_page(1, 0x1000, 2 * PAGE, false));   /* pages 1-2 -> block 0-3 */
	run_until(f, SIM_TIME_MAX);
	for (uint64_t p = 0; p < 4; p++)
		assert_false(tlb_hit(f, 1, p * PAGE));
	assert_true(tlb_hit(f, 1, 4 * PAGE));
	assert_true(pwc_lookup_deepest(f->pwc, 1, IOTLB_NO_PASID, 0, &lvl, &tab));
	submit(f, invq_iotlb_page(1, 4 * PAGE, PAGE, true));
	run_until(f, SIM_TIME_MAX);
	assert_false(tlb_hit(f, 1, 4 * PAGE));
	assert_false(pwc_lookup_deepest(f->pwc, 1, IOTLB_NO_PASID, 0, &lvl, &tab));
}

/* Domain-selective touches one domain (IOTLB and walk caches), global all; context cache alike. */
static void test_domain_and_global(void **state)
{
	struct fx *f = *state;
	unsigned lvl;
	uint64_t tab;
	struct context_entry ce = { .domain = 1, .levels = 4, .root = 0x1000 }, out;
	for (uint16_t d = 1; d <= 2; d++) {
		tlb_put(f, d, 0x5000);
		pwc_insert(f->pwc, d, IOTLB_NO_PASID, 0x5000, 2, 0x2000);
		ce.domain = d;
		context_cache_insert(f->cc, (uint16_t)(0x100 * d), IOTLB_NO_PASID, &ce);
		context_cache_insert(f->cc, (uint16_t)(0x100 * d + 1), IOTLB_NO_PASID, &ce);
	}
	submit(f, (struct invq_desc){ .type = INVQ_IOTLB_DOMAIN, .domain = 2 });
	submit(f, (struct invq_desc){ .type = INVQ_CC_DEVICE, .rid = 0x101 });
	submit(f, (struct invq_desc){ .type = INVQ_CC_DOMAIN, .domain = 2 });
	run_until(f, SIM_TIME_MAX);
	assert_true(tlb_hit(f, 1, 0x5000));
	assert_false(tlb_hit(f, 2, 0x5000));
	assert_true(pwc_lookup_deepest(f->pwc, 1, IOTLB_NO_PASID, 0x5000, &lvl, &tab));
	assert_false(pwc_lookup_deepest(f->pwc, 2, IOTLB_NO_PASID, 0x5000, &lvl, &tab));
	assert_false(context_cache_lookup(f->cc, 0x101, IOTLB_NO_PASID, &out));
	assert_true(context_cache_lookup(f->cc, 0x100, IOTLB_NO_PASID, &out));
	assert_false(context_cache_lookup(f->cc, 0x200, IOTLB_NO_PASID, &out));
	assert_int_equal(ctr(f, INVQ_C_CC_REMOVED), 3);

	submit(f, (struct invq_desc){ .type = INVQ_IOTLB_GLOBAL });
	submit(f, (struct invq_desc){ .type = INVQ_CC_GLOBAL });
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(iotlb_count_valid(f->tlb), 0);
	assert_int_equal(pwc_count_valid(f->pwc), 0);
	assert_int_equal(context_cache_count_valid(f->cc), 0);
}

/* ---- device TLB (ATS) --------------------------------------------------------------- */

static void devtlb_answer_ev(void *arg)
{
	struct fx *f = arg;
	assert_int_equal(invq_devtlb_done(f->q, f->dev[0].token), 0);
}

static void test_devtlb_waits_for_device(void **state)
{
	struct fx *f = *state;
	submit(f, (struct invq_desc){ .type = INVQ_DEVTLB, .rid = 0x300, .iova = 0x5000,
				      .size = PAGE });
	submit_wait(f, 1);
	assert_int_equal(f->ndev, 1);                   /* sent when it reached the head */
	assert_int_equal(f->dev[0].rid, 0x300);
	assert_int_equal(f->dev[0].iova, 0x5000);
	assert_int_equal(f->dev[0].size, PAGE);
	run_until(f, SIM_TIME_MAX);                     /* nothing else happens: it waits */
	assert_int_equal(f->nlog, 0);
	assert_int_equal(invq_depth(f->q), 2);
	assert_int_equal(invq_devtlb_done(f->q, f->dev[0].token + 1), -1);
	assert_int_equal(ctr(f, INVQ_C_DEVTLB_LATE), 1);
	assert_int_equal(f->nlog, 0);

	const sim_time_t t0 = sim_now(f->k);
	sim_schedule(f->k, 2000 * NS, devtlb_answer_ev, f);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->nlog, 1);
	assert_int_equal(f->log[0].t, t0 + 2000 * NS + WAIT_LAT);
	assert_int_equal(ctr(f, INVQ_C_DESC + INVQ_DEVTLB), 1);
	assert_int_equal(invq_devtlb_done(f->q, f->dev[0].token), -1);    /* twice: late */

	/* A device answering from inside the request: done in the same instant. */
	f->answer_at_once = true;
	const sim_time_t t1 = sim_now(f->k);
	submit(f, (struct invq_desc){ .type = INVQ_DEVTLB, .rid = 0x300, .iova = 0x1000,
				      .size = 2 * PAGE });
	submit_wait(f, 2);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(f->dev[1].iova, 0);            /* widened like page-selective */
	assert_int_equal(f->dev[1].size, 4 * PAGE);
	assert_int_equal(f->log[1].t, t1 + WAIT_LAT);

	/* No owner callback: devtlb descriptors are refused. */
	struct iov_err e = { 0 };
	struct invq_params p;
	invq_params_default(&p);
	struct invq *bare = invq_create(&p, f->k, NULL, NULL, NULL, "bare", &e);
	struct invq_desc d = { .type = INVQ_DEVTLB, .size = PAGE };
	assert_int_equal(invq_submit(bare, &d, &e), -1);
	assert_non_null(strstr(e.msg, "devtlb"));
	invq_destroy(bare);
}

static void test_devtlb_timeout(void **state)
{
	struct fx *f = *state;
	invq_destroy(f->q);
	f->q = mk_queue(f, 8, 1000 * NS);
	submit(f, (struct invq_desc){ .type = INVQ_DEVTLB, .rid = 1, .iova = 0, .size = PAGE });
	submit_wait(f, 1);
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(ctr(f, INVQ_C_DEVTLB_TIMEOUTS), 1);
	assert_int_equal(f->nlog, 1);
	assert_int_equal(f->log[0].t, 1000 * NS + WAIT_LAT);
	assert_int_equal(invq_devtlb_done(f->q, f->dev[0].token), -1);    /* too late */
	assert_int_equal(ctr(f, INVQ_C_DEVTLB_LATE), 1);

	/* Answered in time: the timeout is cancelled and never fires. */
	submit(f, (struct invq_desc){ .type = INVQ_DEVTLB, .rid = 1, .iova = 0, .size = PAGE });
	sim_schedule(f->k, 10 * NS, devtlb_answer_ev, f);
	f->dev[0] = f->dev[1];
	run_until(f, SIM_TIME_MAX);
	assert_int_equal(ctr(f, INVQ_C_DEVTLB_TIMEOUTS), 1);
	assert_int_equal(ctr(f, INVQ_C_DESC + INVQ_DEVTLB), 2);
}

/* ---- waits, reentrancy, full ring ----------------------------------------------------- */

static void test_wait_order_and_reentry(void **state)
{
	struct fx *f = *state;
	f->resubmit = 2;
	submit_wait(f, 1);
	submit_wait(f, 2);
	submit(f, invq_iotlb_page(3, 0, PAGE, false));
	submit_wait(f, 3);
	run_until(f, SIM_TIME_MAX);
	/* 99 was submitted by 2's callback: behind 3, after the IOTLB descriptor. */
	const int want[] = { 1, 2, 3, 99 };
	const sim_time_t at[] = { WAIT_LAT, 2 * WAIT_LAT, 3 * WAIT_LAT + TLB_LAT,
				  4 * WAIT_LAT + TLB_LAT };
	assert_int_equal(f->nlog, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f->log[i].id, want[i]);
		assert_int_equal(f->log[i].t, at[i]);
	}
}

static void space_cb(void *arg)
{
	struct fx *f = arg;
	log_id(f, 50);
	submit_wait(f, 5);                              /* there is room now */
}

static void test_queue_full(void **state)
{
	struct fx *f = *state;
	invq_destroy(f->q);
	f->q = mk_queue(f, 4, 0);
	for (int i = 1; i <= 4; i++)
		submit_wait(f, i);
	struct invq_desc w = invq_wait(wait_cb, &f->tags[9]);
	assert_int_equal(invq_submit(f->q, &w, NULL), -1);
	assert_int_equal(invq_submit(f->q, &w, NULL), -1);
	assert_int_equal(ctr(f, INVQ_C_QUEUE_FULL), 2);
	assert_int_equal(invq_free_slots(f->q), 0);
	assert_int_equal(invq_notify_space(f->q, space_cb, f), 0);
	run_until(f, SIM_TIME_MAX);
	/* The space callback ran when wait 1 freed its slot, before wait 1's own callback. */
	const int want[] = { 50, 1, 2, 3, 4, 5 };
	assert_int_equal(f->nlog, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(f->log[i].id, want[i]);
	assert_int_equal(f->log[0].t, WAIT_LAT);
	assert_int_equal(f->log[5].t, 5 * WAIT_LAT);
	assert_int_equal(ctr(f, INVQ_C_DEPTH_MAX), 4);     /* one-shot: 50 logged once */
}

static void test_bad_descriptors_and_stats(void **state)
{
	struct fx *f = *state;
	struct iov_err e = { 0 };
	struct invq_desc d = invq_iotlb_page(1, 0, 0, false);
	assert_int_equal(invq_submit(f->q, &d, &e), -1);
	assert_int_equal(e.status, IOV_INTERNAL);
	d = invq_iotlb_page(1, 1ull << 57, PAGE, false);
	assert_int_equal(invq_submit(f->q, &d, NULL), -1);
	assert_int_equal(invq_depth(f->q), 0);
	assert_int_equal(ctr(f, INVQ_C_QUEUE_FULL), 0);

	submit_wait(f, 1);
	run_until(f, SIM_TIME_MAX);
	struct stats *s = stats_create();
	iov_err_clear(&e);
	assert_int_equal(invq_stats_register(f->q, s, "iommu.inv", &e), 0);
	submit(f, invq_iotlb_page(1, 0, PAGE, false));
	run_until(f, SIM_TIME_MAX);
	double v;
	assert_int_equal(stats_get(s, "iommu.inv.waits", &v), 0);
	assert_true(v == 1);                            /* carried over */
	assert_int_equal(stats_get(s, "iommu.inv.iotlb_page", &v), 0);
	assert_true(v == 1);
	assert_int_equal(stats_get(s, "iommu.inv.latency_ns.count", &v), 0);
	assert_true(v == 2);
	assert_int_equal(stats_get(s, "iommu.inv.latency_ns.max", &v), 0);
	assert_true(v == 500);
	assert_int_equal(invq_stats_register(f->q, s, "iommu.inv", &e), -1);
	sim_kernel_destroy(f->k);
	f->k = NULL;
	invq_destroy(f->q);
	f->q = NULL;
	stats_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_psi_encode),
		cmocka_unit_test_setup_teardown(test_order_and_latency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hit_until_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_selective_pwc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_and_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devtlb_waits_for_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devtlb_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_order_and_reentry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_descriptors_and_stats, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
