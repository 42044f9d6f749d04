/* hist.h - log-linear histograms (HdrHistogram-like) and doubling time series */
#ifndef IOVSIM_HIST_H
#define IOVSIM_HIST_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Values are unsigned integers (latencies are recorded in ps). Bucket layout:
 * values below 2^sub_bits are exact; above, each power-of-two range
 * [2^e, 2^(e+1)) is split into 2^(sub_bits-1) equal buckets, so the relative
 * bucket width is at most 2^-(sub_bits-1) (sub_bits = 7: <= 1/64 = 1.6 %).
 * Bucket arrays are allocated per power of two on first use, so a histogram
 * that only sees 400..900 ns costs a few KiB, not the whole 64-bit range.
 * Adding a value never allocates after the first value in its power-of-two range.
 */
struct hist {
	unsigned sub_bits;      /* 1..12 */
	uint64_t count;
	uint64_t min, max;      /* exact; min = UINT64_MAX while empty */
	unsigned __int128 sum;  /* exact: 2^64 values of up to 2^64 each fit */
	uint64_t *groups[65];   /* groups[g]: counts for power-of-two group g, lazily allocated */
	bool oom;               /* an allocation failed: counts are incomplete */
};

/* sub_bits outside 1..12 is clamped. hist_free releases the groups and leaves
 * an empty histogram (safe to free twice); hist_reset empties it but keeps the
 * groups, so refilling it does not allocate. */
void hist_init(struct hist *h, unsigned sub_bits);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
void hist_add_n(struct hist *h, uint64_t v, uint64_t n);
/* Merge src into dst (same sub_bits required; returns -1 otherwise, or if a
 * group could not be allocated: then dst->oom is set). */
int hist_merge(struct hist *dst, const struct hist *src);

double hist_mean(const struct hist *h);   /* 0 when empty */
/* Value at quantile q in [0,1]: the midpoint of the bucket holding the
 * ceil(q*count)-th value, clamped to [min, max]; q = 1 gives max exactly. 0 when empty. */
double hist_quantile(const struct hist *h, double q);

/* Iterate non-empty buckets in increasing value order. *it starts at 0.
 * Returns false when done; else sets [lo, hi] (inclusive) and the count. */
bool hist_next_bucket(const struct hist *h, uint64_t *it, uint64_t *lo, uint64_t *hi, uint64_t *count);

/*
 * A time series of sums per fixed-width time bin (e.g. bytes completed per
 * bin -> throughput over time). The bin width starts at 'width' and doubles
 * (merging neighbours) whenever a value lands past max_bins, so memory is
 * bounded whatever the run length and the result is deterministic.
 */
struct tseries {
	uint64_t width;         /* current bin width (same unit as t, e.g. ps) */
	uint32_t max_bins;      /* even, >= 2 */
	uint32_t nbins;         /* bins in use: [0, nbins) */
	double *bins;           /* max_bins entries */
	uint64_t last_lo;       /* start of the bin hit last: most adds hit it */
	uint32_t last;          /* its index (used only while last < nbins) */
};

/* -1 if width is 0, max_bins odd or < 2, or out of memory (ts is then empty
 * and tseries_add ignores values). tseries_free may be called either way. */
int tseries_init(struct tseries *ts, uint64_t width, uint32_t max_bins);
void tseries_free(struct tseries *ts);
void tseries_add(struct tseries *ts, uint64_t t, double v);

#endif
