/* dma_irq.c - a dma_source's MSI-X table (programmed by the host) and its msi generator
 *
 * With 'vectors: N' the function has an N-entry MSI-X table that the host
 * model programs at elaboration (host_register_msix: IRTE handles or
 * compatibility addresses, see models/host/host_msix.c). An msi record then
 * means "raise vector data": the device writes entry data's programmed
 * data to its programmed address; a masked entry sets its pending bit
 * instead. Without a table an msi record's address and data go as written.
 *
 * The inline generator {gen: msi, rate | interval, count, start, poisson,
 * vectors, addr, data, seed, source} produces msi records at a fixed rate
 * (or Poisson arrivals): with the device's table, vector k mod vectors for
 * the k-th record; without, the given addr and data.
 *
 * Not modelled: unmasking (a pending vector is never sent later), the
 * function mask, MSI (non-X).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dma_impl.h"
#include "models/host/host.h"
#include "rng.h"

struct msi_gen_params {
	int gen;
	double rate;
	sim_time_t interval, start;
	uint64_t count, vectors, addr, data, seed;
	int poisson;
	const char *source;
};

static const char *const msi_gen_names[] = { "msi", NULL };

#define MG(f) offsetof(struct msi_gen_params, f)
static const struct param_desc msi_gen_desc[] = {
	{ "gen", PARAM_ENUM, MG(gen), NULL, 0, 0, msi_gen_names, "msi: interrupts only" },
	{ "rate", PARAM_DOUBLE, MG(rate), "0", 0, 1e12, NULL, "interrupts per second" },
	{ "interval", PARAM_TIME, MG(interval), "0ps", 0, 0, NULL,
	  "time between interrupts (alternative to rate)" },
	{ "start", PARAM_TIME, MG(start), "0ps", 0, 0, NULL, "time of the first interrupt" },
	{ "count", PARAM_U64, MG(count), "1000", 1, 1e12, NULL, "number of interrupts" },
	{ "vectors", PARAM_U64, MG(vectors), "0", 0, 2048, NULL,
	  "vectors cycled through (0 = all of the function's 'vectors', at least 1)" },
	{ "addr", PARAM_SIZE, MG(addr), "0xfee00000", 0, 0, NULL,
	  "without a table: the MSI address written" },
	{ "data", PARAM_U64, MG(data), "0", 0, 0xffffffffu, NULL,
	  "without a table: the MSI data written" },
	{ "poisson", PARAM_BOOL, MG(poisson), "false", 0, 0, NULL,
	  "exponential inter-arrival times instead of fixed" },
	{ "seed", PARAM_U64, MG(seed), "0", 0, 0, NULL,
	  "generator seed (0: from the run seed and the component name)" },
	{ "source", PARAM_STRING, MG(source), "", 0, 0, NULL,
	  "requester name (default: the component's name)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct msi_gen {
	struct trace_stream ts;
	struct trace_source src;
	struct msi_gen_params p;
	bool table;                     /* the device has vectors: data = vector index */
	double period;                  /* ps */
	uint64_t k;
	sim_time_t t;                   /* poisson: next time */
	struct rng rng;
};

static int msi_gen_next(struct trace_stream *ts, struct trace_rec *r, struct iov_err *e)
{
	struct msi_gen *g = container_of(ts, struct msi_gen, ts);
	if (g->k >= g->p.count)
		return 0;
	sim_time_t t;
	if (g->p.poisson) {
		t = g->t;
		double gap = nearbyint(-log1p(-rng_unit(&g->rng)) * g->period);
		if ((double)g->t + gap >= 0x1p64 - 4096)
			return iov_err_set(e, IOV_BAD_INPUT, "%s: the Poisson arrivals ran past the "
					   "end of simulated time (2^64 ps)", ts->name);
		g->t += (sim_time_t)gap;
	} else {
		t = g->p.start + (sim_time_t)((long double)g->k * (long double)g->period + 0.5L);
	}
	*r = (struct trace_rec){ .time = t, .src = 0, .op = TRACE_OP_MSI, .len = 4,
				 .addr = g->table ? 0 : g->p.addr,
				 .data = g->table ? (uint32_t)(g->k % g->p.vectors)
						  : (uint32_t)g->p.data };
	g->k++;
	return 1;
}

static void msi_gen_close(struct trace_stream *ts)
{
	free(container_of(ts, struct msi_gen, ts));
}

static const struct trace_stream_ops msi_gen_ops = { .next = msi_gen_next,
						     .close = msi_gen_close };

struct trace_stream *dma_msi_gen_open(struct dma_source *d, const struct cfg_node *n,
				      struct iov_err *e)
{
	struct msi_gen_params p;
	memset(&p, 0, sizeof(p));
	char what[160];
	snprintf(what, sizeof(what), "msi generator of '%s'", d->c.name);
	if (cfg_load_params(n, msi_gen_desc, NULL, &p, what, e))
		return NULL;
	double rate = p.interval ? 1e12 / (double)p.interval : p.rate;
	if (!(rate > 0)) {
		cfg_err(e, n, "%s: give a rate (interrupts per second) or an interval", what);
		return NULL;
	}
	struct iov_err te = { 0 };
	if (trace_gen_check_times(p.start, p.count, rate, p.poisson, &te)) {
		const char *m = strstr(te.msg, "error: ");
		cfg_err(e, n, "%s: %s", what, m ? m + 7 : te.msg);
		return NULL;
	}
	if (d->p.vectors && p.vectors > d->p.vectors) {
		cfg_err(e, cfg_get(n, "vectors"), "%s: vectors %llu but the function has %llu",
			what, (unsigned long long)p.vectors, (unsigned long long)d->p.vectors);
		return NULL;
	}
	struct msi_gen *g = calloc(1, sizeof(*g));
	if (!g) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	g->p = p;
	g->table = d->p.vectors > 0;
	if (!g->p.vectors)
		g->p.vectors = d->p.vectors ? d->p.vectors : 1;
	g->period = 1e12 / rate;
	g->t = p.start;
	rng_seed_named(&g->rng, p.seed ? p.seed : d->c.sim->seed, d->c.name);
	snprintf(g->src.name, sizeof(g->src.name), "%s", p.source[0] ? p.source : d->c.name);
	g->ts = (struct trace_stream){ .ops = &msi_gen_ops, .name = "gen:msi", .nsources = 1,
				       .sources = &g->src };
	return &g->ts;
}

int dma_msix_elaborate(struct dma_source *d, struct iov_err *e)
{
	if (!d->p.vectors)
		return 0;
	struct sim *s = d->c.sim;
	struct host *h = host_find(s, d->p.host[0] ? d->p.host : NULL);
	if (!h) {
		const struct cfg_node *n = cfg_get(d->node, d->p.host[0] ? "host" : "vectors");
		return cfg_err(e, n ? n : d->node, "%s: vectors: %llu needs a host component to "
			       "program the MSI-X table%s%s", d->c.name,
			       (unsigned long long)d->p.vectors, d->p.host[0] ? "; no host " : "",
			       d->p.host);
	}
	d->msix.n = (unsigned)d->p.vectors;
	if (!(d->msix.e = calloc(d->msix.n, sizeof(*d->msix.e))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	d->ep.fn.msix = &d->msix;
	d->ep.fn.caps |= PCIE_CAP_MSIX;
	return host_register_msix(h, &d->ep.fn, &d->msix, NULL, NULL, e);
}

int dma_msi_resolve(struct dma_source *d)
{
	if (!d->msix.n) {
		d->msi_addr = d->cur.addr;
		d->msi_data = d->cur.data;
		return 0;
	}
	if (d->cur.data >= d->msix.n) {
		struct sim *s = d->c.sim;
		return iov_err_set(s->err, IOV_BAD_INPUT, "%s: msi record for vector %u, but '%s' has "
				   "%u vectors", d->ts->name, d->cur.data, d->c.name, d->msix.n);
	}
	struct msix_entry *me = &d->msix.e[d->cur.data];
	if (me->masked) {
		me->pending = true;
		(*d->st_msi_masked)++;
		return 1;
	}
	d->msi_addr = me->addr;
	d->msi_data = me->data;
	return 0;
}
