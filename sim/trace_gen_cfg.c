/* trace_gen_cfg.c - reading an inline trace generator from a scenario map and opening it (trace_gen_cfg.h)
 *
 * The keys map one to one on struct trace_gen_spec (trace_gen.c generates
 * the records). Not modelled here: anything of the records themselves.
 */
#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "trace_gen_cfg.h"

const char *const trace_gen_patterns[] = { "seq", "random", NULL };
const char *const trace_gen_ops[] = { "mix", "read", "write", "readwrite", NULL };

#define TG(f) offsetof(struct trace_gen_params, f)
const struct param_desc trace_gen_param_desc[] = {
	{ "gen", PARAM_ENUM, TG(pattern), NULL, 0, 0,
	  trace_gen_patterns, "address pattern: seq (wrapping in the window) or random" },
	{ "base", PARAM_SIZE, TG(base), "0", 0, 0, NULL,
	  "window start address" },
	{ "window", PARAM_SIZE, TG(window), "8KiB", 1, 0x1p62, NULL,
	  "window size: addresses fall in [base, base+window)" },
	{ "size", PARAM_SIZE, TG(size), "64", 1, 1 << 20, NULL,
	  "bytes per transfer" },
	{ "align", PARAM_SIZE, TG(align), "0", 0, 4096, NULL,
	  "address alignment (0: size rounded up to a power of two, at most 4 KiB)" },
	{ "count", PARAM_U64, TG(count), "1000", 1, 1e12, NULL,
	  "number of transfers" },
	{ "seed", PARAM_U64, TG(seed), "0", 0, 0, NULL,
	  "generator seed (0: derived from the run seed and the component name)" },
	{ "read_frac", PARAM_DOUBLE, TG(read_frac), "1", 0, 1, NULL,
	  "share of reads (the rest are writes)" },
	{ "op", PARAM_ENUM, TG(op), "mix", 0, 0, trace_gen_ops,
	  "mix: reads with probability read_frac; read / write: only those; readwrite: "
	  "read, write, read, ... alternating" },
	{ "rate", PARAM_DOUBLE, TG(rate), "0", 0, 1e12, NULL,
	  "transfers per second (0 with interval 0: closed loop)" },
	{ "interval", PARAM_TIME, TG(interval), "0ps", 0, 0, NULL,
	  "time between transfers (alternative to rate)" },
	{ "poisson", PARAM_BOOL, TG(poisson), "false", 0, 0, NULL,
	  "exponential inter-arrival times instead of fixed" },
	{ "start", PARAM_TIME, TG(start), "0ps", 0, 0, NULL,
	  "time of the first transfer (open loop)" },
	{ "source", PARAM_STRING, TG(source), "", 0, 0, NULL,
	  "requester name for the records (default: the component's name)" },
	{ "pasid", PARAM_NODE, TG(pasid), "", 0, 0, NULL,
	  "PASID carried by every record, 0..0xfffff (absent: requests without PASID)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
#undef TG

/* The spec of loaded keys g; -1 with e set (a bad pasid:). */
static int tg_spec(const struct trace_gen_params *g, const char *name, uint64_t run_seed,
		   struct trace_gen_spec *spec, struct iov_err *e)
{
	trace_gen_defaults(spec);
	spec->source = g->source && g->source[0] ? g->source : name;
	spec->pattern = g->pattern ? TRACE_PAT_RANDOM : TRACE_PAT_SEQ;
	spec->base = g->base;
	spec->window = g->window;
	spec->size = (uint32_t)g->size;
	spec->align = (uint32_t)g->align;
	spec->count = g->count;
	spec->read_frac = g->op == 1 ? 1.0 : g->op == 2 ? 0.0 : g->read_frac;
	spec->alternate = g->op == 3;
	spec->rate = g->interval ? 1e12 / (double)g->interval : g->rate;
	spec->poisson = g->poisson;
	spec->start = g->start;
	if (g->pasid && !(g->pasid->kind == CFG_SCALAR && !*g->pasid->str)) {
		static const struct param_desc pd = { "pasid", PARAM_U64, 0, NULL, 0, 0xfffff, NULL,
						       "" };
		uint64_t v;
		if (cfg_parse_value(g->pasid, &pd, &v, e))
			return -1;
		spec->flags |= TRACE_F_PASID;
		spec->pasid = (uint32_t)v;
	}
	if (g->seed) {
		spec->seed = g->seed;
	} else {
		struct rng r;
		rng_seed_named(&r, run_seed, name);
		spec->seed = rng_next(&r);
	}
	return 0;
}

struct trace_stream *trace_gen_open_cfg(const struct cfg_node *n, const struct param_desc *desc,
					const char *name, uint64_t run_seed, struct iov_err *e)
{
	struct trace_gen_params g;
	memset(&g, 0, sizeof(g));
	char what[160];
	snprintf(what, sizeof(what), "trace generator of '%s'", name);
	struct trace_gen_spec spec;
	if (cfg_load_params(n, desc, NULL, &g, what, e) || tg_spec(&g, name, run_seed, &spec, e))
		return NULL;
	struct iov_err e2 = { 0 };
	struct trace_stream *ts = NULL;
	if (trace_gen_check(&spec, &e2) == 0)
		ts = trace_gen_open(&spec, &e2);
	if (!ts) {      /* trace_gen's message, located at the map */
		const char *m = strstr(e2.msg, "error: ");
		cfg_err(e, n, "%s", m ? m + 7 : e2.msg);
	}
	return ts;
}
