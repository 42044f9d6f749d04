/* stats.h - named statistics registered at create time, dumped as JSON and a summary */
#ifndef IOVSIM_STATS_H
#define IOVSIM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "hist.h"

/*
 * Every statistic has a dotted path ("dma.reads", "flows.nic0.latency_ns"),
 * a unit and a one-line description, and is registered once, when its owner
 * is created. The hot path only touches the returned pointer; ratios and
 * rates are filled in at the end of the run (owners' finish hooks).
 * In JSON, paths become nested objects: {"dma": {"reads": 10}}.
 *
 * Kinds:
 *   counter  uint64_t, printed as an integer
 *   value    double, printed with the fewest of 15..17 significant digits
 *            that read back as the same double (deterministic); NaN and
 *            infinities print as null
 *   hist     a struct hist of ps values, printed as an object
 *            {count, mean, min, p50, p90, p99, p999, max} converted by 'scale'
 *            (1e-3 turns ps into ns); the path names the object, so
 *            "dma.latency_ns" yields "dma.latency_ns.p50" etc.
 *   text     a string (e.g. a policy name)
 *   series   a struct tseries over simulated time (see stats_series)
 *
 * Registering a path twice, or a path that is a prefix of another leaf
 * ("a.b" and "a.b.c"), is an error (IOV_INTERNAL): a bug in a model.
 * Pointers returned stay valid until stats_destroy.
 */

struct stats;

/* Histogram precision of stats_hist: buckets at most 2^-(7-1) = 1.6 % wide (hist.h). */
#define STATS_HIST_SUB_BITS 7

struct stats *stats_create(void);
void stats_destroy(struct stats *s);

uint64_t *stats_counter(struct stats *s, const char *path, const char *unit, const char *desc,
			struct iov_err *e);
double *stats_value(struct stats *s, const char *path, const char *unit, const char *desc,
		    struct iov_err *e);
struct hist *stats_hist(struct stats *s, const char *path, const char *unit, double scale,
			const char *desc, struct iov_err *e);
/*
 * A time series (see hist.h): x in ps, each bin holds the sum of the values
 * added in it. In JSON: {"bin_ns": width/1000, "unit": UNIT, "values": [...]}.
 * The plot writer draws every series; a series whose unit is "bytes" is drawn
 * as throughput in Gb/s (sum * 8 / bin_ns). width_ps is the initial bin width;
 * it doubles as needed to stay within max_bins (even, >= 2).
 */
struct tseries *stats_series(struct stats *s, const char *path, const char *unit,
			     uint64_t width_ps, uint32_t max_bins, const char *desc,
			     struct iov_err *e);

/* Set a text stat (copied). Registers it on first use. */
int stats_text(struct stats *s, const char *path, const char *text, struct iov_err *e);

/* Look a number up by path: counters, values, and histogram fields
 * ("x.p50", "x.count", "x.mean", "x.max", "x.min", "x.p90", "x.p99", "x.p999").
 * Returns 0 and *out, or -1 if no such numeric stat. */
int stats_get(const struct stats *s, const char *path, double *out);

/* Does some stat have exactly this path, or is it a histogram field? */
bool stats_exists(const struct stats *s, const char *path);

/* Iterate in registration order: index i from 0; returns false at the end. */
enum stat_kind { STAT_COUNTER, STAT_VALUE, STAT_HIST, STAT_TEXT, STAT_SERIES };
struct stat_info {
	const char *path, *unit, *desc;
	enum stat_kind kind;
	const uint64_t *counter;
	const double *value;
	const struct hist *hist;
	const struct tseries *series;
	double scale;
	const char *text;
};
bool stats_iter(const struct stats *s, size_t i, struct stat_info *out);

/*
 * Write the whole registry as one JSON object (nested by path), followed, if
 * extra_json is not NULL, by extra top-level members given as already-encoded
 * JSON text ("\"host\": {...}") - that is how the non-deterministic host block
 * gets in without the registry holding it. Returns 0, or -1 on I/O error.
 */
int stats_write_json(const struct stats *s, FILE *f, const char *extra_json);

/* JSON-escape a string into buf (always NUL-terminated). */
void json_escape(const char *in, char *buf, size_t len);
/* A name (a function "01:00.1", a VF "nic0.vf3") as one stat path segment:
 * every character outside [A-Za-z0-9_-] becomes '_' ("01_00_1", "nic0_vf3");
 * truncated to len - 1. Returns buf. */
const char *stats_key(const char *name, char *buf, size_t len);
/* Write s as a quoted, escaped JSON string. */
void json_write_string(FILE *f, const char *s);

/* Number of registered stats (stats_iter indices are 0..count-1). */
size_t stats_count(const struct stats *s);

/*
 * Write a Markdown table "| stat | kind | unit | description |" of every stat
 * in registration order (for docs/stats.md). Returns 0, or -1 on I/O error.
 */
int stats_write_table(const struct stats *s, FILE *f);

#endif
