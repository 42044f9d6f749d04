/* trace_gen_cfg.h - an inline trace generator written in a scenario: its keys and opening it
 *
 * A component's 'trace:' may be a map {gen: seq|random, base, window, ...}
 * instead of a file (docs/trace-format.md): the trace_gen_spec fields as
 * scenario keys. dma_source takes every key (trace_gen_param_desc); another
 * component may take a subset of them with its own defaults and ranges (a
 * table of its own into struct trace_gen_params, e.g. guest_cpu's) and gets
 * the same meaning for each key it takes.
 */
#ifndef IOVSIM_TRACE_GEN_CFG_H
#define IOVSIM_TRACE_GEN_CFG_H

#include "config.h"
#include "trace.h"

/* Where cfg_load_params puts the keys (fields of keys a table lacks stay 0). */
struct trace_gen_params {
	int pattern;                    /* gen: 0 seq, 1 random */
	int op;                         /* 0 mix, 1 read, 2 write, 3 readwrite */
	uint64_t base, window, size, align, count, seed;
	double read_frac, rate;
	sim_time_t interval, start;
	int poisson;
	const char *source;             /* "" / NULL: the component's name */
	const struct cfg_node *pasid;   /* absent or "": requests without PASID */
};

/* Value names of the gen: and op: enums, for tables of a subset. */
extern const char *const trace_gen_patterns[];
extern const char *const trace_gen_ops[];
/* Every key, with dma_source's defaults and ranges. NULL-name terminated. */
extern const struct param_desc trace_gen_param_desc[];

/* Read generator map n with table 'desc' (trace_gen_param_desc or a subset
 * into struct trace_gen_params) for component 'name' and open it: the
 * records' source is source: or 'name'; the seed is seed: or, 0, drawn from
 * the run seed and 'name' (rng_seed_named). Returns the stream (the caller
 * closes it), or NULL with e set: unknown keys, bad values, a spec
 * trace_gen_check refuses, each located at n or its key (status 2). */
struct trace_stream *trace_gen_open_cfg(const struct cfg_node *n, const struct param_desc *desc,
					const char *name, uint64_t run_seed, struct iov_err *e);

#endif
