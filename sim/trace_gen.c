/* trace_gen.c - synthetic DMA streams, pcie-bench style: seq/random addresses, read mix, rate
 *
 * A generator is a trace_stream: the same consumers replay it or write it to
 * a file. Addresses are aligned slots of the window [base, base+window), each
 * transfer wholly inside it: 'seq' walks them with a stride of the size
 * rounded up to the alignment and wraps; 'random' picks slots uniformly.
 * Each record is a read with probability read_frac. Times: closed loop
 * (rate 0: TRACE_TIME_ASAP) or open loop from 'start' at a fixed interval of
 * 1/rate or with exponential (Poisson) inter-arrival times of mean 1/rate.
 * Addresses, ops and inter-arrival times come from three RNG streams derived
 * from the seed, so changing the mix does not move the addresses. Nothing is
 * allocated per record.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "trace_impl.h"

struct trace_gen {
	struct trace_stream ts;
	struct trace_gen_spec spec;
	struct trace_source src;
	char name[32];                  /* "gen:seq" / "gen:random" */
	struct rng addr_rng, op_rng, time_rng;
	uint64_t i;                     /* records produced */
	uint64_t align, stride, nslots; /* slots: seq by stride, random by align */
	double period;                  /* ps between transfers (open loop) */
	sim_time_t period_ps;           /* the same when it is a whole number, else 0 */
	sim_time_t t;                   /* poisson: time of the next record */
	bool failed;
};

void trace_gen_defaults(struct trace_gen_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->source = "dev0";
	spec->pattern = TRACE_PAT_SEQ;
	spec->window = 8192;
	spec->size = 64;
	spec->read_frac = 1.0;
	spec->count = 1000;
	spec->seed = 1;
}

/* The alignment in effect: as given, or the size rounded up to a power of two (<= 4 KiB). */
static uint64_t gen_align(const struct trace_gen_spec *s)
{
	if (s->align)
		return s->align;
	uint64_t a = 1;
	while (a < s->size && a < 4096)
		a <<= 1;
	return a;
}

static int gen_check_addrs(const struct trace_gen_spec *s, struct iov_err *e)
{
	if (s->size == 0)
		return iov_err_set(e, IOV_BAD_INPUT, "size must be at least 1 byte");
	if (s->window < s->size)
		return iov_err_set(e, IOV_BAD_INPUT, "size %u is larger than the window (%llu bytes); "
				   "the window must hold at least one transfer", s->size,
				   (unsigned long long)s->window);
	if (s->base > UINT64_MAX - s->window + 1)
		return iov_err_set(e, IOV_BAD_INPUT, "the window [0x%llx, +%llu) runs past the 64-bit "
				   "address space", (unsigned long long)s->base,
				   (unsigned long long)s->window);
	if (s->align & (s->align - 1))
		return iov_err_set(e, IOV_BAD_INPUT, "align %u is not a power of two", s->align);
	uint64_t a = gen_align(s);
	if (s->base % a)
		return iov_err_set(e, IOV_BAD_INPUT, "base 0x%llx is not a multiple of the alignment "
				   "(%llu bytes)", (unsigned long long)s->base, (unsigned long long)a);
	return 0;
}

int trace_gen_check_times(sim_time_t start, uint64_t count, double rate, bool poisson,
			  struct iov_err *e)
{
	if (!(rate >= 0.0 && rate <= 1e12))
		return iov_err_set(e, IOV_BAD_INPUT, "rate %g transfers/s is out of range; use 0 "
				   "(closed loop) up to 1e12 (one per ps)", rate);
	if (start >= TRACE_TIME_ASAP)
		return iov_err_set(e, IOV_BAD_INPUT, "start time is too large");
	if (rate > 0 && !poisson && count > 1) {
		long double last = (long double)start +
				   (long double)(count - 1) * (1e12L / (long double)rate);
		if (last >= 0x1p64L - 2)
			return iov_err_set(e, IOV_BAD_INPUT, "%llu transfers at %g/s run past the end "
					   "of simulated time (2^64 ps)",
					   (unsigned long long)count, rate);
	}
	return 0;
}

static int gen_check_times(const struct trace_gen_spec *s, struct iov_err *e)
{
	if (!(s->read_frac >= 0.0 && s->read_frac <= 1.0))
		return iov_err_set(e, IOV_BAD_INPUT, "read fraction %g is outside 0..1", s->read_frac);
	return trace_gen_check_times(s->start, s->count, s->rate, s->poisson, e);
}

int trace_gen_check(const struct trace_gen_spec *spec, struct iov_err *e)
{
	const char *why;
	struct trace_source src;
	const char *name = spec->source ? spec->source : "dev0";
	if (trace_source_parse(name, strlen(name), &src, &why))
		return iov_err_set(e, IOV_BAD_INPUT, "bad source '%s': %s", name, why);
	if (gen_check_addrs(spec, e) || gen_check_times(spec, e))
		return -1;
	if (spec->flags & ~TRACE_F_ALL)
		return iov_err_set(e, IOV_BAD_INPUT, "unknown flag bits 0x%x",
				   spec->flags & ~TRACE_F_ALL);
	if ((spec->flags & TRACE_F_PASID) && spec->pasid >= TRACE_PASID_LIMIT)
		return iov_err_set(e, IOV_BAD_INPUT, "PASID %u is out of range; a PASID has 20 bits",
				   spec->pasid);
	return 0;
}

/* Time of record i (open loop). */
static int gen_time(struct trace_gen *g, sim_time_t *t, struct iov_err *e)
{
	const struct trace_gen_spec *s = &g->spec;
	if (s->rate <= 0) {
		*t = TRACE_TIME_ASAP;
		return 0;
	}
	if (!s->poisson) {
		if (g->period_ps)
			*t = s->start + g->i * g->period_ps;
		else
			*t = s->start + (sim_time_t)((long double)g->i * (long double)g->period + 0.5L);
		return 0;
	}
	*t = g->t;
	double gap = -log1p(-rng_unit(&g->time_rng)) * g->period;    /* mean 'period' */
	double next = (double)g->t + nearbyint(gap);
	if (next >= 0x1p64 - 4096) {
		g->failed = true;
		return iov_err_set(e, IOV_BAD_INPUT, "%s: the Poisson arrivals ran past the end of "
				   "simulated time (2^64 ps)", g->name);
	}
	g->t += (sim_time_t)nearbyint(gap);
	return 0;
}

static uint64_t gen_addr(struct trace_gen *g)
{
	if (g->spec.pattern == TRACE_PAT_SEQ)
		return g->spec.base + (g->i % g->nslots) * g->stride;
	return g->spec.base + rng_below(&g->addr_rng, g->nslots) * g->align;
}

static int gen_next(struct trace_stream *ts, struct trace_rec *r, struct iov_err *e)
{
	struct trace_gen *g = (struct trace_gen *)ts;
	if (g->failed)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: generation stopped at an earlier error",
				   g->name);
	if (g->i >= g->spec.count)
		return 0;
	memset(r, 0, sizeof(*r));
	if (gen_time(g, &r->time, e))
		return -1;
	r->src = 0;
	double frac = g->spec.read_frac;
	if (g->spec.alternate)
		r->op = (g->i & 1) ? TRACE_OP_WRITE : TRACE_OP_READ;
	else if (frac >= 1.0)
		r->op = TRACE_OP_READ;
	else if (frac <= 0.0)
		r->op = TRACE_OP_WRITE;
	else
		r->op = rng_unit(&g->op_rng) < frac ? TRACE_OP_READ : TRACE_OP_WRITE;
	r->addr = gen_addr(g);
	r->len = g->spec.size;
	r->flags = g->spec.flags;
	r->pasid = (g->spec.flags & TRACE_F_PASID) ? g->spec.pasid : 0;
	g->i++;
	return 1;
}

static void gen_close(struct trace_stream *ts)
{
	free(ts);
}

static const struct trace_stream_ops gen_ops = { .next = gen_next, .close = gen_close };

struct trace_stream *trace_gen_open(const struct trace_gen_spec *spec, struct iov_err *e)
{
	if (trace_gen_check(spec, e))
		return NULL;
	struct trace_gen *g = calloc(1, sizeof(*g));
	if (!g) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	g->spec = *spec;
	const char *name = spec->source ? spec->source : "dev0";
	const char *why;
	trace_source_parse(name, strlen(name), &g->src, &why);   /* checked above */
	g->spec.source = g->src.name;
	snprintf(g->name, sizeof(g->name), "gen:%s", spec->pattern == TRACE_PAT_RANDOM ? "random"
										       : "seq");
	g->ts.ops = &gen_ops;
	g->ts.name = g->name;
	g->ts.nsources = 1;
	g->ts.sources = &g->src;

	g->align = gen_align(spec);
	uint64_t span = spec->window - spec->size;      /* room for start offsets */
	g->stride = (spec->size + g->align - 1) / g->align * g->align;
	g->nslots = spec->pattern == TRACE_PAT_SEQ ? span / g->stride + 1 : span / g->align + 1;
	rng_seed_named(&g->addr_rng, spec->seed, "addr");
	rng_seed_named(&g->op_rng, spec->seed, "op");
	rng_seed_named(&g->time_rng, spec->seed, "time");
	if (spec->rate > 0) {
		g->period = 1e12 / spec->rate;
		double whole = nearbyint(g->period);
		if (fabs(g->period - whole) <= 1e-9 * g->period && whole >= 1 && whole < 0x1p63)
			g->period_ps = (sim_time_t)whole;
	}
	g->t = spec->start;
	return &g->ts;
}
