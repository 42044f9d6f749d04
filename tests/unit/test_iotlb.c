/* test_iotlb.c - IOMMU caches: replacement, IOTLB tags/sizes/invalidation, walk and context caches */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/iommu/iotlb.h"
#include "models/iommu/sacache.h"
#include "rng.h"
#include "stats.h"
#include "test_yaml.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* ---- helpers ------------------------------------------------------------------- */

static struct sacache *mk_cache(uint64_t entries, uint64_t ways, int policy, uint64_t seed)
{
	struct iov_err e = { 0 };
	struct sacache_geom g = { entries, ways, policy };
	struct sacache *c = sacache_create(&g, 0, seed, "test", &e);
	if (!c)
		fail_msg("sacache_create: %s", e.msg);
	return c;
}

/* Insert key into set 0; return the evicted key, or 0 when nothing was evicted. */
static uint64_t put(struct sacache *c, uint64_t key)
{
	struct sacache_entry v;
	return sacache_insert(c, key, 0, key * 100, 0, &v) ? v.key : 0;
}

static bool get(struct sacache *c, uint64_t key) { return sacache_lookup(c, key, 0, 0) != NULL; }

static struct iotlb *mk_iotlb_unified(uint64_t entries, uint64_t ways, int policy)
{
	struct iov_err e = { 0 };
	struct iotlb_params p = { .split = 0, .unified = { entries, ways, policy } };
	struct iotlb *t = iotlb_create(&p, 42, "test", &e);
	if (!t)
		fail_msg("iotlb_create: %s", e.msg);
	return t;
}

static struct iotlb *mk_iotlb_split(uint64_t e4k, uint64_t e2m, uint64_t e1g)
{
	struct iov_err e = { 0 };
	struct iotlb_params p = { .split = 1 };
	p.size[IOTLB_4K] = (struct sacache_geom){ e4k, e4k ? 4 : 1, SACACHE_LRU };
	p.size[IOTLB_2M] = (struct sacache_geom){ e2m, e2m ? 4 : 1, SACACHE_LRU };
	p.size[IOTLB_1G] = (struct sacache_geom){ e1g, e1g ? 4 : 1, SACACHE_LRU };
	struct iotlb *t = iotlb_create(&p, 42, "test", &e);
	if (!t)
		fail_msg("iotlb_create: %s", e.msg);
	return t;
}

static bool hit(struct iotlb *t, uint16_t dom, uint32_t pasid, uint64_t iova)
{
	struct iotlb_result r;
	return iotlb_lookup(t, dom, pasid, iova, &r);
}

/* Cycle over npages 4 KiB pages (lookup, insert on miss): 'warm' rounds, then
 * 'rounds' measured rounds; returns the measured hit count. */
static uint64_t cycle_pages(struct iotlb *t, uint64_t npages, uint64_t stride, unsigned warm,
			    unsigned rounds)
{
	uint64_t hits = 0;
	for (unsigned r = 0; r < warm + rounds; r++)
		for (uint64_t i = 0; i < npages; i++) {
			uint64_t iova = i * stride * 4 * KiB;
			if (hit(t, 1, IOTLB_NO_PASID, iova))
				hits += r >= warm;
			else
				assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, iova, IOTLB_4K,
							      0x100000000ull + iova, 3), 0);
		}
	return hits;
}

/* Uniformly random 4 KiB pages in a window of npages; hit rate over n lookups after n warm-up. */
static double random_window(struct iotlb *t, uint64_t npages, unsigned n, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	uint64_t hits = 0;
	for (unsigned i = 0; i < 2 * n; i++) {
		uint64_t iova = rng_below(&r, npages) * 4 * KiB;
		if (hit(t, 1, IOTLB_NO_PASID, iova))
			hits += i >= n;
		else
			iotlb_insert(t, 1, IOTLB_NO_PASID, iova, IOTLB_4K, iova, 3);
	}
	return (double)hits / n;
}

/* ---- sacache: geometry and replacement ------------------------------------------------ */

static void test_geometry_errors(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sacache_geom bad_div = { 12, 8, SACACHE_LRU };
	assert_null(sacache_create(&bad_div, 0, 1, "iommu 'x': iotlb", &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "iommu 'x': iotlb"));
	assert_non_null(strstr(e.msg, "divide"));

	iov_err_clear(&e);
	struct sacache_geom plru3 = { 12, 3, SACACHE_PLRU };
	assert_null(sacache_create(&plru3, 0, 1, "c", &e));
	assert_non_null(strstr(e.msg, "power of two"));

	iov_err_clear(&e);
	struct sacache_geom zero = { 0, 1, SACACHE_LRU };
	assert_int_equal(sacache_geom_check(&zero, "c", &e), -1);

	iov_err_clear(&e);
	struct iotlb_params none = { .split = 1 };
	assert_null(iotlb_create(&none, 1, "iommu 'x'", &e));
	assert_non_null(strstr(e.msg, "without any array"));

	iov_err_clear(&e);
	struct pwc_params lv6 = { .levels = 6 };
	assert_null(pwc_create(&lv6, 1, "iommu 'x'", &e));
	assert_non_null(strstr(e.msg, "3, 4 or 5"));

	/* Non-power-of-two set counts are fine for lru: 12 entries / 2 ways = 6 sets. */
	struct sacache *c = mk_cache(12, 2, SACACHE_LRU, 1);
	assert_int_equal(sacache_sets(c), 6);
	for (uint64_t x = 0; x < 100; x++)
		assert_true(sacache_index(c, x, 0xbeef) < 6);
	sacache_destroy(c);
}

static void test_lru_exact_order(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(4, 4, SACACHE_LRU, 1);
	for (uint64_t k = 1; k <= 4; k++)
		assert_int_equal(put(c, k), 0);         /* fills, no eviction */
	assert_int_equal(sacache_count_valid(c), 4);
	/* Recency now 1 < 2 < 3 < 4. Touch 1 and 3: order 2 < 4 < 1 < 3. */
	assert_true(get(c, 1));
	assert_true(get(c, 3));
	assert_int_equal(put(c, 5), 2);
	assert_int_equal(put(c, 6), 4);
	assert_int_equal(put(c, 7), 1);
	/* Re-inserting a present key updates it in place: no eviction, becomes MRU. */
	struct sacache_entry v;
	assert_false(sacache_insert(c, 3, 0, 333, 9, &v));
	assert_int_equal(sacache_peek(c, 3, 0, 0)->value, 333);
	assert_int_equal(put(c, 8), 5);
	assert_int_equal(put(c, 9), 6);
	assert_int_equal(put(c, 10), 7);
	assert_int_equal(put(c, 11), 3);

	const struct sacache_ctrs *k = sacache_counters(c);
	assert_int_equal(sacache_ctr_get(k, SACACHE_C_INSERTS), 12);
	assert_int_equal(sacache_ctr_get(k, SACACHE_C_UPDATES), 1);
	assert_int_equal(sacache_ctr_get(k, SACACHE_C_EVICTIONS), 7);
	assert_int_equal(sacache_ctr_get(k, SACACHE_C_HITS), 2);
	sacache_destroy(c);
}

/* Hand-worked 4-way tree: root b1 (0: ways 0-1, 1: ways 2-3), b2 over 0/1, b3 over 2/3. */
static void test_plru_hand_worked(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(4, 4, SACACHE_PLRU, 1);
	/* Fill A..D into ways 0..3: after touching 3 every bit is 0. */
	for (uint64_t k = 1; k <= 4; k++)
		assert_int_equal(put(c, k), 0);
	/* Victims with no hits: way 0 (A), then 2 (C), 1 (B), 3 (D), 0 (E) - not LRU's A B C D. */
	assert_int_equal(put(c, 5), 1);
	assert_int_equal(put(c, 6), 3);
	assert_int_equal(put(c, 7), 2);
	assert_int_equal(put(c, 8), 4);
	assert_int_equal(put(c, 9), 5);
	sacache_destroy(c);

	/* Fill, hit A (b1 = 1, b2 = 1): the victim is C (way 2), where LRU would take B. */
	c = mk_cache(4, 4, SACACHE_PLRU, 1);
	for (uint64_t k = 1; k <= 4; k++)
		put(c, k);
	assert_true(get(c, 1));
	assert_int_equal(put(c, 5), 3);
	/* Now b1 = 0, b3 = 1, b2 = 1: victim way 1 (B). */
	assert_int_equal(put(c, 6), 2);
	sacache_destroy(c);
}

/* Tree-PLRU never evicts the most recently used way (8-way, random accesses). */
static void test_plru_never_evicts_mru(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(8, 8, SACACHE_PLRU, 1);
	struct rng r;
	rng_seed(&r, 7);
	uint64_t next = 1000, last = 0;
	for (uint64_t k = 1; k <= 8; k++)
		put(c, k);
	uint64_t live[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	for (int i = 0; i < 5000; i++) {
		if (rng_below(&r, 3)) {
			last = live[rng_below(&r, 8)];
			assert_true(get(c, last));
		} else {
			uint64_t ev = put(c, next);
			assert_true(ev != 0);
			assert_true(ev != last);
			for (int j = 0; j < 8; j++)
				if (live[j] == ev)
					live[j] = next;
			last = next++;
		}
	}
	sacache_destroy(c);
}

static void random_victims(uint64_t seed, uint64_t *out, int n)
{
	struct sacache *c = mk_cache(8, 8, SACACHE_RANDOM, seed);
	for (uint64_t k = 1; k <= 8; k++)
		assert_int_equal(put(c, k), 0);
	for (int i = 0; i < n; i++) {
		out[i] = put(c, 100 + (uint64_t)i);
		assert_true(out[i] != 0);
	}
	sacache_destroy(c);
}

static void test_random_deterministic(void **state)
{
	(void)state;
	uint64_t a[64], b[64], d[64];
	random_victims(1, a, 64);
	random_victims(1, b, 64);
	random_victims(2, d, 64);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, d, sizeof(a));
	/* The victims are spread over the ways, not always the same one. */
	int first_fill = 0;
	for (int i = 0; i < 64; i++)
		first_fill += a[i] <= 8;
	assert_true(first_fill >= 4 && first_fill <= 8);
}

static void test_direct_mapped_conflict(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(16, 1, SACACHE_LRU, 1);
	struct sacache_entry v;
	assert_false(sacache_insert(c, 0xa, 3, 1, 0, &v));
	assert_false(sacache_insert(c, 0xb, 4, 2, 0, &v));     /* other set: coexists */
	assert_true(sacache_insert(c, 0xc, 3, 3, 0, &v));      /* same set: evicts 0xa */
	assert_int_equal(v.key, 0xa);
	assert_null(sacache_lookup(c, 0xa, 3, 0));
	assert_true(sacache_insert(c, 0xa, 3, 1, 0, &v));
	assert_int_equal(v.key, 0xc);
	assert_non_null(sacache_lookup(c, 0xb, 4, 0));
	sacache_destroy(c);

	/* Through the IOTLB: direct-mapped, 16 sets; pages 16 apart share a set. */
	struct iotlb *t = mk_iotlb_unified(16, 1, SACACHE_LRU);
	iotlb_insert(t, 1, IOTLB_NO_PASID, 0x3000, IOTLB_4K, 0x3000, 3);
	iotlb_insert(t, 1, IOTLB_NO_PASID, 0x4000, IOTLB_4K, 0x4000, 3);
	iotlb_insert(t, 1, IOTLB_NO_PASID, 0x3000 + 16 * 4 * KiB, IOTLB_4K, 0, 3);
	assert_false(hit(t, 1, IOTLB_NO_PASID, 0x3000));
	assert_true(hit(t, 1, IOTLB_NO_PASID, 0x4000));
	assert_true(hit(t, 1, IOTLB_NO_PASID, 0x3000 + 16 * 4 * KiB));
	iotlb_destroy(t);
}

static void test_fully_associative_holds_n(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(64, 64, SACACHE_LRU, 1);
	assert_int_equal(sacache_sets(c), 1);
	for (uint64_t k = 1; k <= 64; k++)
		assert_int_equal(put(c, k * 7919), 0);
	for (uint64_t k = 1; k <= 64; k++)
		assert_true(get(c, k * 7919));
	assert_int_equal(sacache_count_valid(c), 64);
	assert_int_equal(put(c, 999999), 7919);                /* the least recently hit */
	assert_int_equal(sacache_count_valid(c), 64);
	sacache_destroy(c);
}

/* An invalidated way is refilled before any valid entry is evicted. */
static void test_invalid_way_refilled_first(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(4, 4, SACACHE_LRU, 1);
	for (uint64_t k = 1; k <= 4; k++)
		put(c, k);
	assert_true(sacache_invalidate_key(c, 3, 0, 0));
	assert_false(sacache_invalidate_key(c, 3, 0, 0));
	assert_int_equal(sacache_count_valid(c), 3);
	assert_int_equal(put(c, 5), 0);
	assert_int_equal(sacache_slot(c, 2)->key, 5);           /* way 2, where 3 was */
	assert_int_equal(put(c, 6), 1);
	assert_int_equal(sacache_flush(c), 4);
	assert_int_equal(sacache_count_valid(c), 0);
	sacache_destroy(c);
}

/* aux bits under the tag mask are part of the match; the others are data. */
static void test_aux_tag_mask(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sacache_geom g = { 4, 4, SACACHE_LRU };
	struct sacache *c = sacache_create(&g, 0xff, 1, "t", &e);
	assert_non_null(c);
	assert_false(sacache_insert(c, 1, 0, 10, 0x0105, NULL));
	assert_false(sacache_insert(c, 1, 0, 20, 0x0206, NULL));       /* other tag: new entry */
	assert_int_equal(sacache_count_valid(c), 2);
	assert_int_equal(sacache_lookup(c, 1, 0, 0x05)->value, 10);
	assert_int_equal(sacache_lookup(c, 1, 0, 0xff06)->value, 20);   /* data bits ignored */
	assert_null(sacache_lookup(c, 1, 0, 0x07));
	assert_false(sacache_insert(c, 1, 0, 30, 0x0905, NULL));       /* same tag: update */
	assert_int_equal(sacache_count_valid(c), 2);
	assert_int_equal(sacache_peek(c, 1, 0, 0x05)->aux, 0x0905);
	sacache_destroy(c);
}

/* The set index folds the salt (domain) into the index bits. */
static void test_index_fold(void **state)
{
	(void)state;
	struct sacache *c = mk_cache(64, 4, SACACHE_LRU, 1);   /* 16 sets: 4-bit chunks */
	assert_int_equal(sacache_index(c, 5, 0), 5);
	assert_int_equal(sacache_index(c, 5, 0x1234), 5 ^ 4 ^ 3 ^ 2 ^ 1);
	assert_int_equal(sacache_index(c, 0x35, 0xf), 0x5 ^ 0xf);
	sacache_destroy(c);
	c = mk_cache(64, 64, SACACHE_LRU, 1);
	assert_int_equal(sacache_index(c, 12345, 0xffff), 0);
	sacache_destroy(c);

	/* Direct-mapped, 16 sets: page 0 of 16 domains lands in 16 different sets. */
	struct iotlb *t = mk_iotlb_unified(16, 1, SACACHE_LRU);
	for (uint16_t d = 0; d < 16; d++)
		iotlb_insert(t, d, IOTLB_NO_PASID, 0, IOTLB_4K, 0, 3);
	for (uint16_t d = 0; d < 16; d++)
		assert_true(hit(t, d, IOTLB_NO_PASID, 0));
	iotlb_destroy(t);
}

/* SACACHE_PARAMS gives the three rows every cache shares, loaded by the ordinary loader. */
struct test_cache_params {
	struct sacache_geom iotlb;
	struct sacache_geom pde;
};

static const struct param_desc test_cache_desc[] = {
	SACACHE_PARAMS("iotlb", struct test_cache_params, iotlb, "64", "4", "plru", 1, "IOTLB"),
	SACACHE_PARAMS("pde", struct test_cache_params, pde, "0", "1", "lru", 0, "PDE cache"),
	{ 0 },
};

static void test_param_block(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct test_cache_params p;
	assert_string_equal(test_cache_desc[0].name, "iotlb_entries");
	assert_string_equal(test_cache_desc[4].name, "pde_ways");
	assert_ptr_equal(test_cache_desc[5].enum_names, sacache_policy_names);
	assert_int_equal(cfg_load_params(NULL, test_cache_desc, NULL, &p, "iommu 'x'", &e), 0);
	assert_int_equal(p.iotlb.entries, 64);
	assert_int_equal(p.iotlb.ways, 4);
	assert_int_equal(p.iotlb.policy, SACACHE_PLRU);
	assert_int_equal(p.pde.entries, 0);
	assert_int_equal(p.pde.policy, SACACHE_LRU);

	struct cfg_doc *d = yaml_doc("iotlb_entries: 128\niotlb_policy: random\npde_entries: 32\n"
				     "pde_ways: 8\n");
	assert_int_equal(cfg_load_params(cfg_doc_root(d), test_cache_desc, NULL, &p, "x", &e), 0);
	assert_int_equal(p.iotlb.entries, 128);
	assert_int_equal(p.iotlb.policy, SACACHE_RANDOM);
	assert_int_equal(p.pde.ways, 8);
	assert_int_equal(sacache_geom_check(&p.pde, "x", &e), 0);
	cfg_doc_free(d);

	d = yaml_doc("iotlb_policy: fifo\n");
	assert_int_equal(cfg_load_params(cfg_doc_root(d), test_cache_desc, NULL, &p, "x", &e), -1);
	assert_non_null(strstr(e.msg, "plru"));                 /* lists the allowed names */
	cfg_doc_free(d);
}

/* ---- IOTLB ----------------------------------------------------------------------- */

static void check_sizes(struct iotlb *t)
{
	struct iotlb_result r;
	assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, 0x12345000, IOTLB_4K, 0xabcde000,
				      IOTLB_PERM_R), 0);
	assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, 0x40000000 + 5 * MiB, IOTLB_2M,
				      0x7fe00000, IOTLB_PERM_R | IOTLB_PERM_W), 0);
	assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, 7 * GiB + 12345, IOTLB_1G, 3 * GiB,
				      IOTLB_PERM_W), 0);

	assert_true(iotlb_lookup(t, 1, IOTLB_NO_PASID, 0x12345678, &r));
	assert_int_equal(r.hpa, 0xabcde678);
	assert_int_equal(r.size, IOTLB_4K);
	assert_int_equal(r.perms, IOTLB_PERM_R);
	assert_false(iotlb_lookup(t, 1, IOTLB_NO_PASID, 0x12346000, &r));

	/* 2 MiB page at 0x40400000 (5 MiB lies in [4 MiB, 6 MiB)). */
	assert_true(iotlb_lookup(t, 1, IOTLB_NO_PASID, 0x40400000 + 0x1abcde, &r));
	assert_int_equal(r.hpa, 0x7fe00000 + 0x1abcde);
	assert_int_equal(r.page_iova, 0x40400000);
	assert_int_equal(r.size, IOTLB_2M);
	assert_int_equal(r.perms, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_false(iotlb_lookup(t, 1, IOTLB_NO_PASID, 0x40600000, &r));

	assert_true(iotlb_lookup(t, 1, IOTLB_NO_PASID, 7 * GiB + 0x3fffffff, &r));
	assert_int_equal(r.hpa, 3 * GiB + 0x3fffffff);
	assert_int_equal(r.page_hpa, 3 * GiB);
	assert_int_equal(r.size, IOTLB_1G);
	assert_int_equal(r.perms, IOTLB_PERM_W);
	assert_false(iotlb_lookup(t, 1, IOTLB_NO_PASID, 8 * GiB, &r));
}

static void test_iotlb_page_sizes(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(64, 4, SACACHE_LRU);
	check_sizes(t);
	iotlb_destroy(t);
	t = mk_iotlb_split(64, 32, 4);
	check_sizes(t);
	assert_int_equal(sacache_count_valid(iotlb_array(t, IOTLB_2M)), 1);
	iotlb_destroy(t);
}

static void test_iotlb_bad_arguments(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(64, 4, SACACHE_LRU);
	assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, 0, IOTLB_2M, 0x1000, 3), -1);
	assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, 1ull << 57, IOTLB_4K, 0, 3), -1);
	assert_int_equal(iotlb_insert(t, 1, 1u << 20, 0, IOTLB_4K, 0, 3), -1);
	assert_int_equal(iotlb_insert(t, 1, 0, 0, IOTLB_NSIZES, 0, 3), -1);
	assert_int_equal(iotlb_count_valid(t), 0);
	/* The top of the 57-bit space is cacheable. */
	uint64_t top = (1ull << 57) - 4 * KiB;
	assert_int_equal(iotlb_insert(t, 0xffff, 0, top, IOTLB_4K, 0x5000, 3), 0);
	assert_true(hit(t, 0xffff, 0, top + 0xfff));
	assert_false(hit(t, 0xffff, 0, top + 4 * KiB));
	iotlb_destroy(t);
}

static void test_iotlb_domain_isolation(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(64, 64, SACACHE_LRU);
	iotlb_insert(t, 5, IOTLB_NO_PASID, 0x10000, IOTLB_4K, 0xa000, 3);
	assert_true(hit(t, 5, IOTLB_NO_PASID, 0x10000));
	assert_false(hit(t, 6, IOTLB_NO_PASID, 0x10000));
	assert_false(hit(t, 0x8005, IOTLB_NO_PASID, 0x10000));   /* high domain bit matters */
	iotlb_insert(t, 6, IOTLB_NO_PASID, 0x10000, IOTLB_4K, 0xb000, 3);
	struct iotlb_result r;
	assert_true(iotlb_lookup(t, 5, IOTLB_NO_PASID, 0x10010, &r));
	assert_int_equal(r.hpa, 0xa010);
	assert_true(iotlb_lookup(t, 6, IOTLB_NO_PASID, 0x10010, &r));
	assert_int_equal(r.hpa, 0xb010);
	iotlb_destroy(t);
}

static void test_iotlb_pasid_tagging(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(64, 4, SACACHE_LRU);
	struct iotlb_result r;
	iotlb_insert(t, 2, 5, 0x200000, IOTLB_4K, 0x5000, 3);
	assert_true(hit(t, 2, 5, 0x200000));
	assert_false(hit(t, 2, 6, 0x200000));
	assert_false(hit(t, 2, IOTLB_NO_PASID, 0x200000));
	assert_false(hit(t, 2, 0, 0x200000));                    /* PASID 0 is not "none" */
	assert_false(hit(t, 2, 5 | 1u << 20, 0x200000));         /* out of range: miss */
	iotlb_insert(t, 2, IOTLB_NO_PASID, 0x200000, IOTLB_4K, 0x9000, 1);
	iotlb_insert(t, 2, IOTLB_PASID_MAX, 0x200000, IOTLB_4K, 0x7000, 2);
	assert_int_equal(iotlb_count_valid(t), 3);
	assert_true(iotlb_lookup(t, 2, IOTLB_NO_PASID, 0x200004, &r));
	assert_int_equal(r.hpa, 0x9004);
	assert_true(iotlb_lookup(t, 2, IOTLB_PASID_MAX, 0x200004, &r));
	assert_int_equal(r.hpa, 0x7004);
	assert_int_equal(r.perms, 2);
	/* PASID-selective invalidation removes only that tag. */
	assert_int_equal(iotlb_invalidate_pasid(t, 2, 5), 1);
	assert_false(hit(t, 2, 5, 0x200000));
	assert_true(hit(t, 2, IOTLB_NO_PASID, 0x200000));
	assert_int_equal(iotlb_invalidate_pasid(t, 2, IOTLB_NO_PASID), 1);
	assert_true(hit(t, 2, IOTLB_PASID_MAX, 0x200000));
	assert_int_equal(iotlb_invalidate_pasid_page(t, 2, IOTLB_PASID_MAX, 0x200800, 1), 1);
	assert_int_equal(iotlb_count_valid(t), 0);
	iotlb_destroy(t);
}

static void page_invalidation(struct iotlb *t)
{
	/* Domain 3: two 2 MiB pages, three 4 KiB pages; domain 4: the same 2 MiB IOVA. */
	iotlb_insert(t, 3, IOTLB_NO_PASID, 0x40000000, IOTLB_2M, 0x80000000, 3);
	iotlb_insert(t, 3, IOTLB_NO_PASID, 0x40200000, IOTLB_2M, 0x80200000, 3);
	iotlb_insert(t, 3, 9, 0x1000, IOTLB_4K, 0x1000, 3);
	iotlb_insert(t, 3, IOTLB_NO_PASID, 0x2000, IOTLB_4K, 0x2000, 3);
	iotlb_insert(t, 3, IOTLB_NO_PASID, 0x5000, IOTLB_4K, 0x5000, 3);
	iotlb_insert(t, 4, IOTLB_NO_PASID, 0x40000000, IOTLB_2M, 0x90000000, 3);
	assert_int_equal(iotlb_count_valid(t), 6);

	/* A 4 KiB range inside the first 2 MiB page removes that page only. */
	assert_int_equal(iotlb_invalidate_page(t, 3, 0x40001000, 4 * KiB), 1);
	assert_false(hit(t, 3, IOTLB_NO_PASID, 0x40000000));
	assert_true(hit(t, 3, IOTLB_NO_PASID, 0x40200000));
	assert_true(hit(t, 4, IOTLB_NO_PASID, 0x40000000));

	/* [0x2000, 0x5000) removes 0x2000 but not 0x1000 (before) or 0x5000 (its end). */
	assert_int_equal(iotlb_invalidate_page(t, 3, 0x2000, 0x3000), 1);
	assert_true(hit(t, 3, 9, 0x1000));
	assert_false(hit(t, 3, IOTLB_NO_PASID, 0x2000));
	assert_true(hit(t, 3, IOTLB_NO_PASID, 0x5000));

	/* One byte of the last page of the second 2 MiB page; page invalidation ignores PASID. */
	assert_int_equal(iotlb_invalidate_page(t, 3, 0x403fffff, 1), 1);
	assert_int_equal(iotlb_invalidate_page(t, 3, 0x1fff, 2), 1);  /* straddles 0x1000/0x2000 */
	assert_int_equal(iotlb_invalidate_page(t, 3, 0, 0), 0);
	/* A range reaching past 2^64 is clipped, not wrapped to low addresses. */
	assert_int_equal(iotlb_invalidate_page(t, 3, UINT64_MAX - 10, 100), 0);
	assert_true(hit(t, 3, IOTLB_NO_PASID, 0x5000));
	assert_int_equal(iotlb_count_valid(t), 2);
}

static void test_iotlb_page_invalidation(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(64, 4, SACACHE_LRU);
	page_invalidation(t);
	iotlb_destroy(t);
	t = mk_iotlb_split(16, 16, 4);
	page_invalidation(t);
	assert_int_equal(sacache_ctr_get(iotlb_counters(t), IOTLB_C_INV_PAGE), 5);
	assert_int_equal(sacache_ctr_get(iotlb_counters(t), IOTLB_C_INVALIDATED), 4);
	iotlb_destroy(t);
}

static void test_iotlb_domain_global_invalidation(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_split(64, 16, 4);
	for (uint16_t d = 1; d <= 3; d++) {
		for (uint64_t p = 0; p < 8; p++)
			iotlb_insert(t, d, p % 2 ? 7 : IOTLB_NO_PASID, p * 4 * KiB, IOTLB_4K, 0, 3);
		iotlb_insert(t, d, IOTLB_NO_PASID, 0, IOTLB_2M, 0, 3);
		iotlb_insert(t, d, IOTLB_NO_PASID, 0, IOTLB_1G, 0, 3);
	}
	assert_int_equal(iotlb_count_valid(t), 30);
	assert_int_equal(iotlb_invalidate_domain(t, 2), 10);
	assert_int_equal(iotlb_count_valid(t), 20);
	assert_false(hit(t, 2, IOTLB_NO_PASID, 0));
	assert_true(hit(t, 1, IOTLB_NO_PASID, 0));
	assert_true(hit(t, 3, 7, 4 * KiB));
	assert_int_equal(iotlb_invalidate_domain(t, 2), 0);
	assert_int_equal(iotlb_invalidate_global(t), 20);
	assert_int_equal(iotlb_count_valid(t), 0);
	assert_false(hit(t, 1, IOTLB_NO_PASID, 0));
	const struct sacache_ctrs *k = iotlb_counters(t);
	assert_int_equal(sacache_ctr_get(k, IOTLB_C_INV_DOMAIN), 2);
	assert_int_equal(sacache_ctr_get(k, IOTLB_C_INV_GLOBAL), 1);
	assert_int_equal(sacache_ctr_get(k, IOTLB_C_INVALIDATED), 30);
	iotlb_destroy(t);
}

static void test_iotlb_probe_counts(void **state)
{
	(void)state;
	struct iotlb_result r;
	struct iotlb *u = mk_iotlb_unified(64, 4, SACACHE_LRU);
	struct iotlb *s = mk_iotlb_split(64, 32, 4);
	struct iotlb *s2 = mk_iotlb_split(64, 32, 0);           /* no 1 GiB array */
	struct iotlb *all[] = { u, s, s2 };
	for (int i = 0; i < 3; i++) {
		iotlb_insert(all[i], 1, IOTLB_NO_PASID, 0x1000, IOTLB_4K, 0x1000, 3);
		iotlb_insert(all[i], 1, IOTLB_NO_PASID, 0x200000, IOTLB_2M, 0x200000, 3);
		iotlb_insert(all[i], 1, IOTLB_NO_PASID, 1 * GiB + 5 * MiB, IOTLB_1G, 1 * GiB, 3);
	}
	/* Unified: 4 KiB, then 2 MiB, then 1 GiB, stopping at the first hit. */
	const uint64_t iovas[] = { 0x1000, 0x200000, 1 * GiB + 5 * MiB, 0x9000 };
	const unsigned u_steps[] = { 1, 2, 3, 3 };
	const bool hits[] = { true, true, true, false };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(iotlb_lookup(u, 1, IOTLB_NO_PASID, iovas[i], &r), hits[i]);
		assert_int_equal(r.probes, u_steps[i]);
		assert_int_equal(r.steps, u_steps[i]);
		/* Split: all three arrays at once. */
		assert_int_equal(iotlb_lookup(s, 1, IOTLB_NO_PASID, iovas[i], &r), hits[i]);
		assert_int_equal(r.probes, 3);
		assert_int_equal(r.steps, 1);
		/* Two arrays: two probes; the 1 GiB page was splintered into the 2 MiB array. */
		assert_int_equal(iotlb_lookup(s2, 1, IOTLB_NO_PASID, iovas[i], &r), hits[i]);
		assert_int_equal(r.probes, 2);
		assert_int_equal(r.steps, 1);
	}
	assert_true(iotlb_lookup(s2, 1, IOTLB_NO_PASID, 1 * GiB + 5 * MiB + 7, &r));
	assert_int_equal(r.size, IOTLB_2M);
	assert_int_equal(r.page_iova, 1 * GiB + 4 * MiB);
	assert_int_equal(r.hpa, 1 * GiB + 5 * MiB + 7);
	assert_false(hit(s2, 1, IOTLB_NO_PASID, 1 * GiB));      /* another 2 MiB of that 1 GiB */
	assert_int_equal(sacache_ctr_get(iotlb_counters(s2), IOTLB_C_SPLINTERED), 1);
	assert_int_equal(sacache_ctr_get(iotlb_counters(u), IOTLB_C_PROBES), 9);
	assert_int_equal(sacache_ctr_get(iotlb_counters(u), IOTLB_C_HITS_2M), 1);

	/* Unified: one array, whose capacity all sizes share. */
	assert_ptr_equal(iotlb_array(u, IOTLB_4K), iotlb_array(u, IOTLB_1G));
	assert_ptr_not_equal(iotlb_array(s, IOTLB_4K), iotlb_array(s, IOTLB_2M));
	assert_null(iotlb_array(s2, IOTLB_1G));
	struct iotlb *small = mk_iotlb_unified(4, 4, SACACHE_LRU);
	iotlb_insert(small, 1, IOTLB_NO_PASID, 0, IOTLB_1G, 0, 3);
	iotlb_insert(small, 1, IOTLB_NO_PASID, 0, IOTLB_2M, 0, 3);
	for (uint64_t p = 0; p < 3; p++)
		iotlb_insert(small, 1, IOTLB_NO_PASID, p * 4 * KiB, IOTLB_4K, 0, 3);
	assert_int_equal(iotlb_count_valid(small), 4);
	assert_false(hit(small, 1, IOTLB_NO_PASID, 1 * GiB - 1));  /* the 1 GiB page went */
	assert_int_equal(sacache_ctr_get(iotlb_counters(small), IOTLB_C_EVICTIONS), 1);
	iotlb_destroy(small);

	/* A stale 4 KiB entry under a 2 MiB one: the smallest size wins. */
	iotlb_insert(u, 1, IOTLB_NO_PASID, 0x201000, IOTLB_4K, 0xf000, 3);
	assert_true(iotlb_lookup(u, 1, IOTLB_NO_PASID, 0x201010, &r));
	assert_int_equal(r.hpa, 0xf010);
	assert_int_equal(r.steps, 1);
	iotlb_destroy(u);
	iotlb_destroy(s);
	iotlb_destroy(s2);
}

/* Only a 1 GiB array: 4 KiB and 2 MiB pages cannot be cached (nothing smaller to splinter to). */
static void test_iotlb_uncached(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_split(0, 0, 4);
	assert_int_equal(iotlb_insert(t, 1, IOTLB_NO_PASID, 0x1000, IOTLB_4K, 0x1000, 3), 0);
	assert_int_equal(iotlb_count_valid(t), 0);
	assert_int_equal(sacache_ctr_get(iotlb_counters(t), IOTLB_C_UNCACHED), 1);
	iotlb_insert(t, 1, IOTLB_NO_PASID, 0, IOTLB_1G, 0, 3);
	assert_true(hit(t, 1, IOTLB_NO_PASID, 0x1000));
	iotlb_destroy(t);
}

/*
 * Working sets of 4 KiB pages, 64-entry IOTLB. Cyclic order is LRU's worst
 * case: fully associative, 64 pages all hit and 65 all miss (the cliff). With
 * 4 ways (16 sets) 65 pages put 5 pages in one set: those 5 always miss
 * under LRU and the other 60 always hit. Random order over W pages hits
 * about 64/W for any policy and associativity.
 */
static void test_working_set(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(64, 64, SACACHE_LRU);
	assert_int_equal(cycle_pages(t, 64, 1, 1, 10), 640);
	iotlb_invalidate_global(t);
	assert_int_equal(cycle_pages(t, 65, 1, 1, 10), 0);
	iotlb_destroy(t);

	t = mk_iotlb_unified(64, 4, SACACHE_LRU);
	assert_int_equal(cycle_pages(t, 64, 1, 1, 10), 640);
	iotlb_invalidate_global(t);
	assert_int_equal(cycle_pages(t, 65, 1, 1, 10), 600);
	/* 8 pages 16 apart: one set of 4 ways holds them all: every access misses,
	 * where the fully associative IOTLB holds them all. */
	iotlb_invalidate_global(t);
	assert_int_equal(cycle_pages(t, 8, 16, 1, 10), 0);
	iotlb_destroy(t);
	t = mk_iotlb_unified(64, 64, SACACHE_LRU);
	assert_int_equal(cycle_pages(t, 8, 16, 1, 10), 80);
	iotlb_destroy(t);

	/* Tree-PLRU and random are not LRU: on 65 pages they keep some of the cycle. */
	t = mk_iotlb_unified(64, 64, SACACHE_PLRU);
	uint64_t plru = cycle_pages(t, 65, 1, 2, 10);
	iotlb_destroy(t);
	t = mk_iotlb_unified(64, 64, SACACHE_RANDOM);
	uint64_t rnd = cycle_pages(t, 65, 1, 2, 10);
	iotlb_destroy(t);
	print_message("65-page cycle, 64 entries fully associative: plru %.3f random %.3f\n",
		      plru / 650.0, rnd / 650.0);
	assert_true(plru > 0 && plru < 650);
	assert_true(rnd > 0 && rnd < 650);

	/* Random order: 64 pages hit all; 128 pages about half; 16384 pages (64 MiB) ~0.4 %. */
	const int geoms[][2] = { { 64, SACACHE_LRU }, { 4, SACACHE_LRU }, { 4, SACACHE_PLRU },
				 { 8, SACACHE_RANDOM } };
	for (int g = 0; g < 4; g++) {
		t = mk_iotlb_unified(64, (uint64_t)geoms[g][0], geoms[g][1]);
		double h64 = random_window(t, 64, 20000, 1);
		iotlb_invalidate_global(t);
		double h128 = random_window(t, 128, 20000, 2);
		iotlb_invalidate_global(t);
		double h16k = random_window(t, 16384, 20000, 3);
		print_message("random window, %d ways %s: 64 pages %.3f, 128 pages %.3f, "
			      "16384 pages %.4f\n", geoms[g][0], sacache_policy_names[geoms[g][1]],
			      h64, h128, h16k);
		assert_true(h64 > 0.999);     /* 64 consecutive pages: 4 per set */
		assert_true(h128 > 0.42 && h128 < 0.55);
		assert_true(h16k < 0.01);
		iotlb_destroy(t);
	}
}

/* ---- paging-structure caches -------------------------------------------------------- */

static struct pwc *mk_pwc(unsigned levels, uint64_t l2, uint64_t l3, uint64_t l4, uint64_t l5)
{
	struct iov_err e = { 0 };
	struct pwc_params p = { .levels = levels };
	const uint64_t n[] = { 0, 0, l2, l3, l4, l5 };
	for (unsigned l = 2; l <= 5; l++)
		p.level[l] = (struct sacache_geom){ n[l], n[l] ? (n[l] < 4 ? n[l] : 4) : 1,
						    SACACHE_LRU };
	struct pwc *w = pwc_create(&p, 1, "test", &e);
	if (!w)
		fail_msg("pwc_create: %s", e.msg);
	return w;
}

static void test_pwc_deepest(void **state)
{
	(void)state;
	struct pwc *w = mk_pwc(4, 16, 8, 4, 0);
	unsigned lvl = 0;
	uint64_t tab = 0;
	const uint64_t va = 0x0000123456600000ull;   /* 2 MiB aligned, not 1 GiB */
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va, &lvl, &tab));
	/* PML4E for va (-> PDPT at 0x3000): resume with 3 reads. */
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, va, 4, 0x3000), 0);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va, &lvl, &tab));
	assert_int_equal(lvl, 4);
	assert_int_equal(tab, 0x3000);
	/* PDPTE (-> PD at 0x2000) and PDE (-> PT at 0x1000): the deepest wins. */
	pwc_insert(w, 1, IOTLB_NO_PASID, va, 3, 0x2000);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va, &lvl, &tab));
	assert_int_equal(lvl, 3);
	assert_int_equal(tab, 0x2000);
	pwc_insert(w, 1, IOTLB_NO_PASID, va, 2, 0x1000);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va + 0x1ff000, &lvl, &tab));
	assert_int_equal(lvl, 2);                               /* same 2 MiB region */
	assert_int_equal(tab, 0x1000);
	/* Another 2 MiB region of the same 1 GiB: the PDPTE; another 1 GiB of the same
	 * 512 GiB: the PML4E; another 512 GiB: nothing. */
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va + 2 * MiB, &lvl, &tab));
	assert_int_equal(lvl, 3);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va + 1 * GiB, &lvl, &tab));
	assert_int_equal(lvl, 4);
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va + 512 * GiB, &lvl, &tab));
	/* Tags: other domain, a PASID, out-of-width iova. */
	assert_false(pwc_lookup_deepest(w, 2, IOTLB_NO_PASID, va, &lvl, &tab));
	assert_false(pwc_lookup_deepest(w, 1, 3, va, &lvl, &tab));
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va | 1ull << 48, &lvl, &tab));
	/* Bad inserts. */
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, va, 1, 0x1000), -1);
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, va, 5, 0x1000), -1);
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, va, 2, 0x1008), -1);
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, 1ull << 48, 2, 0x1000), -1);
	const struct sacache_ctrs *k = sacache_counters(pwc_level(w, 2));
	assert_int_equal(sacache_ctr_get(k, SACACHE_C_HITS), 1);
	assert_int_equal(sacache_ctr_get(pwc_counters(w), PWC_C_HITS), 5);
	pwc_destroy(w);

	/* Only a PDE cache: upper levels are dropped silently. */
	w = mk_pwc(4, 32, 0, 0, 0);
	assert_null(pwc_level(w, 3));
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, va, 4, 0x3000), 0);
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va, &lvl, &tab));
	pwc_insert(w, 1, IOTLB_NO_PASID, va, 2, 0x1000);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, va, &lvl, &tab));
	assert_int_equal(lvl, 2);
	pwc_destroy(w);

	/* Five levels: a PML5E covers 256 TiB; 57-bit IOVAs. */
	w = mk_pwc(5, 0, 0, 0, 4);
	const uint64_t hi = 0x01ff000000000000ull;
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, hi, 5, 0x5000), 0);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, hi + (1ull << 47) + 4242, &lvl, &tab));
	assert_int_equal(lvl, 5);
	assert_int_equal(tab, 0x5000);
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, hi - 1, &lvl, &tab));
	pwc_destroy(w);

	/* Three levels (39-bit): the PDPTE is the top cached level; no level 4. */
	w = mk_pwc(3, 8, 4, 0, 0);
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, 5 * GiB, 3, 0x6000), 0);
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, 5 * GiB, 4, 0x6000), -1);
	assert_int_equal(pwc_insert(w, 1, IOTLB_NO_PASID, 1ull << 39, 3, 0x6000), -1);
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, 5 * GiB + 3 * MiB, &lvl, &tab));
	assert_int_equal(lvl, 3);
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, (1ull << 39) + 5 * GiB, &lvl, &tab));
	pwc_destroy(w);
}

static void test_pwc_invalidation(void **state)
{
	(void)state;
	struct pwc *w = mk_pwc(4, 16, 8, 4, 0);
	unsigned lvl;
	uint64_t tab;
	const uint64_t a = 0x40000000, b = 0x40200000;         /* two 2 MiB regions, one 1 GiB */
	for (uint16_t d = 1; d <= 2; d++) {
		pwc_insert(w, d, IOTLB_NO_PASID, a, 4, 0x4000);
		pwc_insert(w, d, IOTLB_NO_PASID, a, 3, 0x3000);
		pwc_insert(w, d, IOTLB_NO_PASID, a, 2, 0x2000);
		pwc_insert(w, d, IOTLB_NO_PASID, b, 2, 0x7000);
	}
	assert_int_equal(pwc_count_valid(w), 8);
	/* 4 KiB inside region a, domain 1: its PDE, and the PDPTE and PML4E above it. */
	assert_int_equal(pwc_invalidate_page(w, 1, a + 0x3000, 4 * KiB), 3);
	assert_false(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, a, &lvl, &tab));
	assert_true(pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, b, &lvl, &tab));
	assert_int_equal(lvl, 2);
	assert_int_equal(tab, 0x7000);
	assert_true(pwc_lookup_deepest(w, 2, IOTLB_NO_PASID, a, &lvl, &tab));
	assert_int_equal(lvl, 2);
	/* A range ending just before b leaves b's PDE. */
	assert_int_equal(pwc_invalidate_page(w, 1, 0, b), 0);
	assert_int_equal(pwc_invalidate_domain(w, 2), 4);
	assert_false(pwc_lookup_deepest(w, 2, IOTLB_NO_PASID, a, &lvl, &tab));
	pwc_insert(w, 3, 4, a, 2, 0x2000);
	assert_int_equal(pwc_invalidate_pasid(w, 3, 5), 0);
	assert_int_equal(pwc_invalidate_pasid(w, 3, 4), 1);
	pwc_insert(w, 3, 4, a, 2, 0x2000);
	assert_int_equal(pwc_invalidate_global(w), 2);
	assert_int_equal(pwc_count_valid(w), 0);
	assert_int_equal(sacache_ctr_get(pwc_counters(w), PWC_C_INVALIDATED), 10);
	pwc_destroy(w);
}

/* ---- context cache ------------------------------------------------------------------ */

static void test_context_cache(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sacache_geom g = { 16, 4, SACACHE_LRU };
	struct context_cache *cc = context_cache_create(&g, 1, "test", &e);
	assert_non_null(cc);
	struct context_entry in = { .domain = 7, .flags = 0xa5a5, .levels = 4, .root = 0x123456000 };
	struct context_entry out;
	const uint16_t rid = 0x0310;                            /* 03:02.0 */
	assert_false(context_cache_lookup(cc, rid, IOTLB_NO_PASID, &out));
	assert_int_equal(context_cache_insert(cc, rid, IOTLB_NO_PASID, &in), 0);
	assert_true(context_cache_lookup(cc, rid, IOTLB_NO_PASID, &out));
	assert_int_equal(out.domain, 7);
	assert_int_equal(out.flags, 0xa5a5);
	assert_int_equal(out.levels, 4);
	assert_int_equal(out.root, 0x123456000);
	assert_false(context_cache_lookup(cc, rid, 1, &out));
	assert_false(context_cache_lookup(cc, rid + 1, IOTLB_NO_PASID, &out));

	struct context_entry in2 = { .domain = 8, .levels = 5, .root = 0x9000 };
	context_cache_insert(cc, rid, 1, &in2);
	context_cache_insert(cc, rid + 1, IOTLB_NO_PASID, &in2);
	context_cache_insert(cc, rid + 2, IOTLB_NO_PASID, &in);
	assert_true(context_cache_lookup(cc, rid, 1, &out));
	assert_int_equal(out.domain, 8);
	assert_int_equal(out.levels, 5);
	struct context_entry bad = { .root = 0x9008 };
	assert_int_equal(context_cache_insert(cc, rid, 2, &bad), -1);
	bad = (struct context_entry){ .levels = 16 };
	assert_int_equal(context_cache_insert(cc, rid, 2, &bad), -1);

	assert_int_equal(context_cache_count_valid(cc), 4);
	assert_int_equal(context_cache_invalidate_device(cc, rid), 2);   /* both PASIDs */
	assert_true(context_cache_lookup(cc, rid + 1, IOTLB_NO_PASID, &out));
	assert_int_equal(context_cache_invalidate_domain(cc, 8), 1);
	assert_true(context_cache_lookup(cc, rid + 2, IOTLB_NO_PASID, &out));
	assert_int_equal(context_cache_invalidate_global(cc), 1);
	assert_int_equal(context_cache_count_valid(cc), 0);
	assert_int_equal(sacache_ctr_get(sacache_counters(context_cache_array(cc)),
					 SACACHE_C_HITS), 4);
	context_cache_destroy(cc);
}

/* ---- stats and memory --------------------------------------------------------------- */

static void test_stats_register(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	struct iotlb *t = mk_iotlb_unified(64, 4, SACACHE_LRU);
	struct pwc *w = mk_pwc(4, 16, 0, 4, 0);
	iotlb_insert(t, 1, IOTLB_NO_PASID, 0, IOTLB_4K, 0, 3);
	assert_true(hit(t, 1, IOTLB_NO_PASID, 0));              /* counted before registering */
	assert_int_equal(iotlb_stats_register(t, s, "iommu.iotlb", &e), 0);
	assert_int_equal(pwc_stats_register(w, s, "iommu.pwc", &e), 0);
	assert_false(hit(t, 1, IOTLB_NO_PASID, 4 * KiB));
	assert_true(hit(t, 1, IOTLB_NO_PASID, 0));
	pwc_insert(w, 1, IOTLB_NO_PASID, 0, 2, 0x1000);
	unsigned lvl;
	uint64_t tab;
	pwc_lookup_deepest(w, 1, IOTLB_NO_PASID, 0, &lvl, &tab);
	double v;
	assert_int_equal(stats_get(s, "iommu.iotlb.hits", &v), 0);
	assert_true(v == 2);
	assert_int_equal(stats_get(s, "iommu.iotlb.misses", &v), 0);
	assert_true(v == 1);
	assert_int_equal(stats_get(s, "iommu.pwc.l2.hits", &v), 0);
	assert_true(v == 1);
	assert_true(stats_exists(s, "iommu.pwc.l4.lookups"));
	assert_false(stats_exists(s, "iommu.pwc.l3.lookups"));  /* level 3 not cached */
	assert_int_equal(sacache_ctr_get(iotlb_counters(t), IOTLB_C_HITS), 2);
	/* Registering twice is a bug the registry reports. */
	assert_int_equal(iotlb_stats_register(t, s, "iommu.iotlb", &e), -1);
	assert_int_equal(e.status, IOV_INTERNAL);
	iotlb_destroy(t);
	pwc_destroy(w);
	stats_destroy(s);
}

/*
 * Nothing is allocated after create: glibc's in-use byte count does not move
 * over many lookups, inserts, evictions and invalidations. (Under ASan or
 * valgrind the allocator is replaced and this counter may stay 0; the
 * normal build is the one that checks it.)
 */
static void test_no_allocation_after_create(void **state)
{
	(void)state;
	struct iotlb *t = mk_iotlb_unified(256, 8, SACACHE_RANDOM);
	struct pwc *w = mk_pwc(4, 32, 8, 4, 0);
	struct rng r;
	rng_seed(&r, 5);
	struct mallinfo2 before = mallinfo2();
	for (int i = 0; i < 200000; i++) {
		uint64_t iova = rng_below(&r, 1 << 20) * 4 * KiB;
		uint16_t d = (uint16_t)rng_below(&r, 4);
		unsigned lvl;
		uint64_t tab;
		if (!hit(t, d, IOTLB_NO_PASID, iova))
			iotlb_insert(t, d, IOTLB_NO_PASID, iova, (enum iotlb_page_size)(i % 3 == 0),
				     0, 3);
		if (!pwc_lookup_deepest(w, d, IOTLB_NO_PASID, iova, &lvl, &tab))
			pwc_insert(w, d, IOTLB_NO_PASID, iova, 2, 0x1000);
		if (i % 1000 == 0) {
			iotlb_invalidate_page(t, d, iova, 64 * KiB);
			pwc_invalidate_domain(w, d);
		}
	}
	iotlb_invalidate_global(t);
	struct mallinfo2 after = mallinfo2();
	assert_int_equal(after.uordblks, before.uordblks);
	assert_int_equal(after.hblkhd, before.hblkhd);
	assert_true(sacache_ctr_get(iotlb_counters(t), IOTLB_C_EVICTIONS) > 1000);
	iotlb_destroy(t);
	pwc_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_errors),
		cmocka_unit_test(test_lru_exact_order),
		cmocka_unit_test(test_plru_hand_worked),
		cmocka_unit_test(test_plru_never_evicts_mru),
		cmocka_unit_test(test_random_deterministic),
		cmocka_unit_test(test_direct_mapped_conflict),
		cmocka_unit_test(test_fully_associative_holds_n),
		cmocka_unit_test(test_invalid_way_refilled_first),
		cmocka_unit_test(test_aux_tag_mask),
		cmocka_unit_test(test_index_fold),
		cmocka_unit_test(test_param_block),
		cmocka_unit_test(test_iotlb_page_sizes),
		cmocka_unit_test(test_iotlb_bad_arguments),
		cmocka_unit_test(test_iotlb_domain_isolation),
		cmocka_unit_test(test_iotlb_pasid_tagging),
		cmocka_unit_test(test_iotlb_page_invalidation),
		cmocka_unit_test(test_iotlb_domain_global_invalidation),
		cmocka_unit_test(test_iotlb_probe_counts),
		cmocka_unit_test(test_iotlb_uncached),
		cmocka_unit_test(test_working_set),
		cmocka_unit_test(test_pwc_deepest),
		cmocka_unit_test(test_pwc_invalidation),
		cmocka_unit_test(test_context_cache),
		cmocka_unit_test(test_stats_register),
		cmocka_unit_test(test_no_allocation_after_create),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
