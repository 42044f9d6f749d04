/* test_hist.c - log-linear histograms (precision, exact range, merge, extremes) and time series */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

/* ---- helpers ------------------------------------------------------------------- */

/* Deterministic 64-bit generator (splitmix64): no libc rand in tests. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The width of the bucket holding v, from the documented layout. */
static uint64_t bucket_width(uint64_t v, unsigned sub_bits)
{
	if (v < ((uint64_t)1 << sub_bits))
		return 1;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);
	return (uint64_t)1 << (e - (sub_bits - 1));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The exact q-quantile: the ceil(q*n)-th smallest value (1-based). */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static void check_quantiles(const struct hist *h, uint64_t *vals, size_t n)
{
	static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999 };
	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t want = exact_quantile(vals, n, qs[i]);
		double got = hist_quantile(h, qs[i]);
		double tol = (double)bucket_width(want, h->sub_bits) / 2.0;
		if (fabs(got - (double)want) > tol)
			fail_msg("q=%g: got %.3f, exact %llu, allowed +-%.1f", qs[i], got,
				 (unsigned long long)want, tol);
	}
	assert_true(hist_quantile(h, 1.0) == (double)vals[n - 1]);
	assert_true(hist_quantile(h, 0.0) == (double)vals[0]);
}

/* ---- histograms ---------------------------------------------------------------- */

static void test_empty(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	assert_int_equal(h.count, 0);
	assert_true(h.min == UINT64_MAX);
	assert_true(hist_mean(&h) == 0.0);
	assert_true(hist_quantile(&h, 0.0) == 0.0);
	assert_true(hist_quantile(&h, 0.5) == 0.0);
	assert_true(hist_quantile(&h, 1.0) == 0.0);
	uint64_t it = 0, lo, hi, n;
	assert_false(hist_next_bucket(&h, &it, &lo, &hi, &n));
	for (unsigned g = 0; g < 65; g++)
		assert_null(h.groups[g]);
	hist_add_n(&h, 5, 0);               /* n = 0 adds nothing */
	assert_int_equal(h.count, 0);
	hist_free(&h);
	hist_free(&h);                      /* safe twice */
}

static void test_exact_small_values(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	for (uint64_t v = 0; v < 128; v++)
		hist_add(&h, v);
	assert_int_equal(h.count, 128);
	/* Every value below 2^sub_bits has a bucket of its own. */
	uint64_t it = 0, lo, hi, n, expect = 0;
	while (hist_next_bucket(&h, &it, &lo, &hi, &n)) {
		assert_int_equal(lo, expect);
		assert_int_equal(hi, expect);
		assert_int_equal(n, 1);
		expect++;
	}
	assert_int_equal(expect, 128);
	/* The k-th value is k-1 exactly. */
	for (uint64_t k = 1; k <= 128; k++)
		assert_true(hist_quantile(&h, (double)k / 128.0) == (double)(k - 1));
	assert_true(hist_quantile(&h, 0.0) == 0.0);
	assert_true(hist_mean(&h) == 63.5);
	hist_free(&h);
}

static void test_min_max_mean(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	hist_add(&h, 1000);
	hist_add(&h, 3000);
	hist_add_n(&h, 500, 2);
	assert_int_equal(h.count, 4);
	assert_int_equal(h.min, 500);
	assert_int_equal(h.max, 3000);
	assert_true(hist_mean(&h) == 1250.0);
	/* A single value: every quantile is that value (clamped to [min, max]). */
	struct hist one;
	hist_init(&one, 7);
	hist_add(&one, 123456789);
	for (double q = 0; q <= 1.0; q += 0.125)
		assert_true(hist_quantile(&one, q) == 123456789.0);
	hist_free(&one);
	hist_free(&h);
}

static void test_bucket_bounds(void **state)
{
	(void)state;
	uint64_t seed = 42;
	for (unsigned sb = 1; sb <= 12; sb++) {
		for (int k = 0; k < 2000; k++) {
			uint64_t v = rng_next(&seed) >> (rng_next(&seed) % 64);
			struct hist h;
			hist_init(&h, sb);
			hist_add(&h, v);
			uint64_t it = 0, lo, hi, n;
			assert_true(hist_next_bucket(&h, &it, &lo, &hi, &n));
			assert_true(lo <= v && v <= hi);
			assert_int_equal(n, 1);
			assert_true(hi - lo + 1 == bucket_width(v, sb));
			/* The relative width bound of hist.h. */
			if (v >= ((uint64_t)1 << sb))
				assert_true((long double)(hi - lo + 1) / (long double)v <=
					    1.0L / (long double)(1u << (sb - 1)));
			assert_false(hist_next_bucket(&h, &it, &lo, &hi, &n));
			hist_free(&h);
		}
	}
}

static void test_precision_uniform(void **state)
{
	(void)state;
	enum { N = 100000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	assert_non_null(vals);
	struct hist h;
	hist_init(&h, 7);
	for (size_t i = 0; i < N; i++) {
		vals[i] = 1 + i * 37;            /* 1 .. ~3.7 M, evenly spread */
		hist_add(&h, vals[i]);
	}
	check_quantiles(&h, vals, N);
	free(vals);
	hist_free(&h);
}

static void test_precision_skewed(void **state)
{
	(void)state;
	/* Latency-like: a base of 400 ns (in ps) plus a long tail spanning decades. */
	enum { N = 50000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	assert_non_null(vals);
	uint64_t seed = 7;
	for (unsigned sb = 3; sb <= 10; sb += 7) {
		struct hist h;
		hist_init(&h, sb);
		for (size_t i = 0; i < N; i++) {
			uint64_t r = rng_next(&seed);
			vals[i] = 400000 + ((r & 0xffff) << (r >> 60));
			hist_add(&h, vals[i]);
		}
		check_quantiles(&h, vals, N);
		hist_free(&h);
	}
	free(vals);
}

static void test_quantile_rank_rule(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	/* 10 values: 1..10. ceil(q*10)-th value: q=0.5 -> 5th (5), q=0.51 -> 6th (6). */
	for (uint64_t v = 1; v <= 10; v++)
		hist_add(&h, v);
	assert_true(hist_quantile(&h, 0.5) == 5.0);
	assert_true(hist_quantile(&h, 0.51) == 6.0);
	assert_true(hist_quantile(&h, 0.1) == 1.0);
	assert_true(hist_quantile(&h, 1e-9) == 1.0);
	assert_true(hist_quantile(&h, 0.999) == 10.0);
	assert_true(hist_quantile(&h, -1.0) == 1.0);  /* below 0 acts as 0 */
	assert_true(hist_quantile(&h, 2.0) == 10.0);  /* above 1 acts as 1 */
	hist_free(&h);
}

static void test_quantile_clamped(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	/* 1000000 is in a bucket of width 2^13 whose midpoint is above it. */
	hist_add(&h, 1000000);
	hist_add(&h, 1000001);
	assert_true(hist_quantile(&h, 0.5) >= 1000000.0);
	assert_true(hist_quantile(&h, 0.5) <= 1000001.0);
	assert_true(hist_quantile(&h, 1.0) == 1000001.0);
	hist_free(&h);
}

static void test_huge_values(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	const uint64_t big[] = { UINT64_MAX, UINT64_MAX - 1, (uint64_t)1 << 63,
				 ((uint64_t)1 << 63) - 1, UINT64_MAX - ((uint64_t)1 << 57) };
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		hist_add(&h, big[i]);
	assert_int_equal(h.count, 5);
	assert_true(h.max == UINT64_MAX);
	assert_true(h.min == ((uint64_t)1 << 63) - 1);
	assert_true(hist_quantile(&h, 1.0) == (double)UINT64_MAX);
	/* The top bucket ends exactly at UINT64_MAX, without wrapping. */
	uint64_t it = 0, lo = 0, hi = 0, n, total = 0, last_hi = 0;
	while (hist_next_bucket(&h, &it, &lo, &hi, &n)) {
		assert_true(lo <= hi);
		assert_true(lo > last_hi || total == 0);
		last_hi = hi;
		total += n;
	}
	assert_int_equal(total, 5);
	assert_true(last_hi == UINT64_MAX);
	long double sum = 0;
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		sum += (long double)big[i];
	assert_true(fabs(hist_mean(&h) / (double)(sum / 5) - 1.0) < 1e-15);
	double p50 = hist_quantile(&h, 0.5);
	/* The 3rd of 5: UINT64_MAX - 2^57, within half a bucket (2^57 / 2). */
	assert_true(fabs(p50 - (double)(UINT64_MAX - ((uint64_t)1 << 57))) <=
		    (double)((uint64_t)1 << 56));
	/* Many huge values: the sum does not overflow. */
	hist_add_n(&h, UINT64_MAX, 1000000);
	assert_true(fabs(hist_mean(&h) / (double)UINT64_MAX - 1.0) < 1e-5);
	hist_free(&h);
}

static void test_iteration_order_and_sum(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 5);
	uint64_t seed = 3;
	for (int i = 0; i < 10000; i++)
		hist_add(&h, rng_next(&seed) >> (rng_next(&seed) % 64));
	uint64_t it = 0, lo, hi, n, total = 0, prev_hi = 0;
	bool first = true;
	while (hist_next_bucket(&h, &it, &lo, &hi, &n)) {
		assert_true(n > 0);
		assert_true(first || lo > prev_hi);
		first = false;
		prev_hi = hi;
		total += n;
	}
	assert_int_equal(total, h.count);
	/* A finished iterator stays finished. */
	assert_false(hist_next_bucket(&h, &it, &lo, &hi, &n));
	hist_free(&h);
}

static void test_merge(void **state)
{
	(void)state;
	struct hist a, b, all;
	hist_init(&a, 7);
	hist_init(&b, 7);
	hist_init(&all, 7);
	uint64_t seed = 11;
	for (int i = 0; i < 5000; i++) {
		uint64_t v = rng_next(&seed) % 10000000;
		hist_add(i % 3 ? &a : &b, v);
		hist_add(&all, v);
	}
	struct hist empty;
	hist_init(&empty, 7);
	assert_int_equal(hist_merge(&a, &empty), 0);      /* merging nothing changes nothing */
	assert_int_equal(hist_merge(&a, &b), 0);
	assert_int_equal(a.count, all.count);
	assert_int_equal(a.min, all.min);
	assert_int_equal(a.max, all.max);
	assert_true(hist_mean(&a) == hist_mean(&all));
	uint64_t i1 = 0, i2 = 0, lo1, hi1, n1, lo2, hi2, n2;
	bool m1, m2;
	do {
		m1 = hist_next_bucket(&a, &i1, &lo1, &hi1, &n1);
		m2 = hist_next_bucket(&all, &i2, &lo2, &hi2, &n2);
		assert_int_equal(m1, m2);
		if (m1) {
			assert_int_equal(lo1, lo2);
			assert_int_equal(n1, n2);
		}
	} while (m1);
	for (double q = 0; q <= 1.0; q += 0.05)
		assert_true(hist_quantile(&a, q) == hist_quantile(&all, q));
	/* Into an empty histogram: a copy. */
	assert_int_equal(hist_merge(&empty, &all), 0);
	assert_int_equal(empty.count, all.count);
	assert_int_equal(empty.min, all.min);
	assert_true(hist_quantile(&empty, 0.99) == hist_quantile(&all, 0.99));
	/* Different precision: refused, dst untouched. */
	struct hist other;
	hist_init(&other, 8);
	hist_add(&other, 5);
	uint64_t before = a.count;
	assert_int_equal(hist_merge(&a, &other), -1);
	assert_int_equal(a.count, before);
	hist_free(&other);
	hist_free(&empty);
	hist_free(&a);
	hist_free(&b);
	hist_free(&all);
}

static void test_reset_keeps_groups(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 7);
	hist_add(&h, 500000);
	unsigned g = 64u - (unsigned)__builtin_clzll(500000);
	uint64_t *grp = h.groups[g];
	assert_non_null(grp);
	hist_reset(&h);
	assert_int_equal(h.count, 0);
	assert_true(h.min == UINT64_MAX);
	assert_true(hist_quantile(&h, 0.5) == 0.0);
	assert_ptr_equal(h.groups[g], grp);       /* kept: refilling does not allocate */
	hist_add(&h, 500001);
	assert_ptr_equal(h.groups[g], grp);
	assert_int_equal(h.count, 1);
	assert_true(hist_quantile(&h, 0.5) == 500001.0);
	hist_free(&h);
	assert_null(h.groups[g]);
}

static void test_sub_bits_clamped(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, 0);
	assert_int_equal(h.sub_bits, 1);
	hist_init(&h, 40);
	assert_int_equal(h.sub_bits, 12);
	/* sub_bits 12: exact below 4096. */
	hist_add(&h, 4095);
	hist_add(&h, 4094);
	assert_true(hist_quantile(&h, 0.5) == 4094.0);
	uint64_t it = 0, lo, hi, n;
	assert_true(hist_next_bucket(&h, &it, &lo, &hi, &n));
	assert_int_equal(lo, 4094);
	assert_int_equal(hi, 4094);
	hist_free(&h);
}

/* ---- time series ------------------------------------------------------------------ */

static void test_tseries_init(void **state)
{
	(void)state;
	struct tseries ts;
	assert_int_equal(tseries_init(&ts, 0, 8), -1);
	assert_int_equal(tseries_init(&ts, 10, 7), -1);
	assert_int_equal(tseries_init(&ts, 10, 0), -1);
	tseries_add(&ts, 5, 1.0);         /* ignored after a failed init */
	assert_int_equal(ts.nbins, 0);
	tseries_free(&ts);
	assert_int_equal(tseries_init(&ts, 10, 2), 0);
	assert_int_equal(ts.nbins, 0);
	assert_int_equal(ts.width, 10);
	tseries_free(&ts);
	tseries_free(&ts);                /* safe twice */
}

static void test_tseries_basic(void **state)
{
	(void)state;
	struct tseries ts;
	assert_int_equal(tseries_init(&ts, 100, 8), 0);
	tseries_add(&ts, 0, 1);
	assert_int_equal(ts.nbins, 1);
	tseries_add(&ts, 99, 2);
	assert_int_equal(ts.nbins, 1);
	tseries_add(&ts, 100, 4);
	tseries_add(&ts, 450, 8);
	assert_int_equal(ts.width, 100);
	assert_int_equal(ts.nbins, 5);
	assert_true(ts.bins[0] == 3 && ts.bins[1] == 4 && ts.bins[2] == 0 && ts.bins[4] == 8);
	/* Index 8 does not fit 8 bins: width doubles once. */
	tseries_add(&ts, 800, 16);
	assert_int_equal(ts.width, 200);
	assert_int_equal(ts.nbins, 5);
	assert_true(ts.bins[0] == 7 && ts.bins[1] == 0 && ts.bins[2] == 8 && ts.bins[4] == 16);
	assert_true(ts.bins[5] == 0 && ts.bins[7] == 0);
	/* Back to an earlier bin, then the same bin again. */
	tseries_add(&ts, 150, 32);
	tseries_add(&ts, 199, 64);
	tseries_add(&ts, 200, 128);
	assert_true(ts.bins[0] == 103 && ts.bins[1] == 128);
	assert_int_equal(ts.nbins, 5);
	tseries_free(&ts);
}

static void test_tseries_many_doublings(void **state)
{
	(void)state;
	struct tseries ts;
	assert_int_equal(tseries_init(&ts, 1, 2), 0);
	tseries_add(&ts, 1000, 5);          /* needs width 512 (1000/512 = 1 < 2) */
	assert_int_equal(ts.width, 512);
	assert_int_equal(ts.nbins, 2);
	assert_true(ts.bins[0] == 0 && ts.bins[1] == 5);
	tseries_add(&ts, UINT64_MAX, 1);    /* terminates without overflowing the width */
	assert_true(ts.width == (uint64_t)1 << 63);
	assert_true(ts.bins[0] == 5 && ts.bins[1] == 1);
	tseries_free(&ts);
}

/* Whatever the order of the times, the result equals binning with the final width. */
static void test_tseries_conservation(void **state)
{
	(void)state;
	enum { N = 20000, BINS = 64 };
	static uint64_t t[N];
	static double v[N];
	uint64_t seed = 99;
	for (int round = 0; round < 3; round++) {
		struct tseries ts;
		assert_int_equal(tseries_init(&ts, 37, BINS), 0);
		double total = 0;
		for (int i = 0; i < N; i++) {
			t[i] = round == 0 ? (uint64_t)i * 1000 : rng_next(&seed) % 50000000;
			v[i] = (double)(rng_next(&seed) % 4096);
			total += v[i];
			tseries_add(&ts, t[i], v[i]);
		}
		assert_true(ts.nbins <= BINS);
		double want[BINS] = { 0 }, sum = 0;
		uint32_t nb = 0;
		for (int i = 0; i < N; i++) {
			uint64_t b = t[i] / ts.width;
			assert_true(b < BINS);
			want[b] += v[i];
			if (b + 1 > nb)
				nb = (uint32_t)b + 1;
		}
		assert_int_equal(ts.nbins, nb);
		for (uint32_t b = 0; b < BINS; b++) {
			assert_true(ts.bins[b] == want[b]);
			sum += ts.bins[b];
		}
		assert_true(sum == total);
		/* The width is the initial width times a power of two, and no larger than needed. */
		uint64_t w = ts.width / 37;
		assert_true(ts.width % 37 == 0 && (w & (w - 1)) == 0);
		uint64_t tmax = 0;
		for (int i = 0; i < N; i++)
			tmax = t[i] > tmax ? t[i] : tmax;
		assert_true(w == 1 || tmax / (ts.width / 2) >= BINS);
		tseries_free(&ts);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_exact_small_values),
		cmocka_unit_test(test_min_max_mean),
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_precision_uniform),
		cmocka_unit_test(test_precision_skewed),
		cmocka_unit_test(test_quantile_rank_rule),
		cmocka_unit_test(test_quantile_clamped),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_iteration_order_and_sum),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_reset_keeps_groups),
		cmocka_unit_test(test_sub_bits_clamped),
		cmocka_unit_test(test_tseries_init),
		cmocka_unit_test(test_tseries_basic),
		cmocka_unit_test(test_tseries_many_doublings),
		cmocka_unit_test(test_tseries_conservation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
