/* hist.c - log-linear histograms with lazily allocated power-of-two groups; doubling series */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Layout. Group 0 holds the value 0. Group g >= 1 holds [2^(g-1), 2^g), split
 * into min(2^(g-1), 2^(sub_bits-1)) equal buckets: below 2^sub_bits every
 * bucket is one value wide (exact); above, a group has 2^(sub_bits-1) buckets
 * of width 2^(g-sub_bits). That is 65 groups for the whole 64-bit range, each
 * a small array allocated when its first value arrives.
 *
 * Iterator encoding for hist_next_bucket: (group << 16) | bucket; a group has
 * at most 2^11 buckets.
 */

#define HIST_IT_SHIFT 16

static unsigned hist_group_of(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

/* log2 of the bucket width in group g (g >= 1). */
static unsigned hist_shift(const struct hist *h, unsigned g)
{
	return g > h->sub_bits ? g - h->sub_bits : 0u;
}

static uint64_t hist_group_buckets(const struct hist *h, unsigned g)
{
	if (g == 0)
		return 1;
	return (uint64_t)1 << (g - 1 - hist_shift(h, g));
}

static uint64_t hist_group_base(unsigned g)
{
	return g ? (uint64_t)1 << (g - 1) : 0;
}

static uint64_t hist_bucket_of(const struct hist *h, unsigned g, uint64_t v)
{
	return g ? (v - hist_group_base(g)) >> hist_shift(h, g) : 0;
}

/* The first and last value of bucket i of group g. */
static void hist_bucket_range(const struct hist *h, unsigned g, uint64_t i, uint64_t *lo,
			      uint64_t *hi)
{
	if (g == 0) {
		*lo = *hi = 0;
		return;
	}
	unsigned sh = hist_shift(h, g);
	*lo = hist_group_base(g) + (i << sh);
	*hi = *lo + (((uint64_t)1 << sh) - 1);
}

static uint64_t *hist_group(struct hist *h, unsigned g)
{
	if (!h->groups[g]) {
		h->groups[g] = calloc(hist_group_buckets(h, g), sizeof(uint64_t));
		if (!h->groups[g])
			h->oom = true;
	}
	return h->groups[g];
}

void hist_init(struct hist *h, unsigned sub_bits)
{
	memset(h, 0, sizeof(*h));
	h->sub_bits = sub_bits < 1 ? 1 : sub_bits > 12 ? 12 : sub_bits;
	h->min = UINT64_MAX;
}

void hist_free(struct hist *h)
{
	for (unsigned g = 0; g < 65; g++)
		free(h->groups[g]);
	hist_init(h, h->sub_bits);
}

void hist_reset(struct hist *h)
{
	for (unsigned g = 0; g < 65; g++)
		if (h->groups[g])
			memset(h->groups[g], 0, hist_group_buckets(h, g) * sizeof(uint64_t));
	h->count = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = 0;
	h->oom = false;
}

void hist_add_n(struct hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	unsigned g = hist_group_of(v);
	uint64_t *grp = hist_group(h, g);
	if (grp)
		grp[hist_bucket_of(h, g, v)] += n;
	h->count += n;
	h->sum += (unsigned __int128)v * n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_add(struct hist *h, uint64_t v)
{
	hist_add_n(h, v, 1);
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	if (dst->sub_bits != src->sub_bits)
		return -1;
	int rc = 0;
	for (unsigned g = 0; g < 65; g++) {
		if (!src->groups[g])
			continue;
		uint64_t *d = hist_group(dst, g);
		if (!d) {
			rc = -1;
			continue;
		}
		uint64_t nb = hist_group_buckets(dst, g);
		for (uint64_t i = 0; i < nb; i++)
			d[i] += src->groups[g][i];
	}
	if (src->count) {
		dst->count += src->count;
		dst->sum += src->sum;
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->oom |= src->oom;
	return rc;
}

double hist_mean(const struct hist *h)
{
	if (!h->count)
		return 0.0;
	/* Integer quotient plus the remainder's fraction: exact up to double rounding. */
	unsigned __int128 q = h->sum / h->count, r = h->sum % h->count;
	return (double)q + (double)r / (double)h->count;
}

bool hist_next_bucket(const struct hist *h, uint64_t *it, uint64_t *lo, uint64_t *hi,
		      uint64_t *count)
{
	unsigned g = (unsigned)(*it >> HIST_IT_SHIFT);
	uint64_t i = *it & (((uint64_t)1 << HIST_IT_SHIFT) - 1);

	for (; g < 65; g++, i = 0) {
		const uint64_t *grp = h->groups[g];
		if (!grp)
			continue;
		uint64_t nb = hist_group_buckets(h, g);
		for (; i < nb; i++) {
			if (!grp[i])
				continue;
			hist_bucket_range(h, g, i, lo, hi);
			*count = grp[i];
			*it = ((uint64_t)g << HIST_IT_SHIFT) | (i + 1);
			return true;
		}
	}
	*it = (uint64_t)65 << HIST_IT_SHIFT;
	return false;
}

static double hist_clamp(const struct hist *h, double x)
{
	if (x < (double)h->min)
		return (double)h->min;
	if (x > (double)h->max)
		return (double)h->max;
	return x;
}

double hist_quantile(const struct hist *h, double q)
{
	if (!h->count)
		return 0.0;
	if (!(q > 0.0))                 /* also NaN */
		return (double)h->min;
	if (q >= 1.0)
		return (double)h->max;
	/* In double, like the caller's q: q = 0.1 of 10 values is rank 1, where the
	 * exact value of the double 0.1 times 10 would round up to 2. */
	double r = ceil(q * (double)h->count);
	uint64_t rank = r < 1.0 ? 1 : r >= (double)h->count ? h->count : (uint64_t)r;
	uint64_t it = 0, lo, hi, n, seen = 0;
	while (hist_next_bucket(h, &it, &lo, &hi, &n)) {
		seen += n;
		if (seen >= rank)
			return hist_clamp(h, (double)lo + (double)(hi - lo) / 2.0);
	}
	return (double)h->max;          /* only if counts were lost (oom) */
}

/* ---- time series ----------------------------------------------------------- */

int tseries_init(struct tseries *ts, uint64_t width, uint32_t max_bins)
{
	memset(ts, 0, sizeof(*ts));
	if (width == 0 || max_bins < 2 || max_bins % 2)
		return -1;
	ts->bins = calloc(max_bins, sizeof(double));
	if (!ts->bins)
		return -1;
	ts->width = width;
	ts->max_bins = max_bins;
	return 0;
}

void tseries_free(struct tseries *ts)
{
	free(ts->bins);
	memset(ts, 0, sizeof(*ts));
}

/* Double the bin width: bin i becomes the sum of old bins 2i and 2i+1. */
static void tseries_halve(struct tseries *ts)
{
	uint32_t half = ts->max_bins / 2;
	for (uint32_t i = 0; i < half; i++)
		ts->bins[i] = ts->bins[2 * i] + ts->bins[2 * i + 1];
	memset(ts->bins + half, 0, half * sizeof(double));
	ts->nbins = (ts->nbins + 1) / 2;
	ts->width *= 2;
	ts->last = 0;
	ts->last_lo = 0;
}

void tseries_add(struct tseries *ts, uint64_t t, double v)
{
	if (!ts->bins)
		return;
	if (ts->last < ts->nbins && t >= ts->last_lo && t - ts->last_lo < ts->width) {
		ts->bins[ts->last] += v;        /* same bin as last time: no division */
		return;
	}
	/* Terminates before width overflows: halving needs t / width >= 2. */
	while (t / ts->width >= ts->max_bins)
		tseries_halve(ts);
	uint32_t i = (uint32_t)(t / ts->width);
	ts->last = i;
	ts->last_lo = (uint64_t)i * ts->width;
	ts->bins[i] += v;
	if (i >= ts->nbins)
		ts->nbins = i + 1;
}
