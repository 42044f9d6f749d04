/* sim.c - building a simulation from a scenario and running it */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sim_reserved_keys[] = { "name", "type", "profile", NULL };

struct component *sim_component(const struct sim *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->ncomps; i++)
		if (strlen(s->comps[i]->name) == len && !strncmp(s->comps[i]->name, name, len))
			return s->comps[i];
	return NULL;
}

int sim_stage(struct sim *s, const char *name, struct iov_err *e)
{
	for (size_t i = 0; i < s->nstages; i++)
		if (strcmp(s->stages[i], name) == 0)
			return (int)i;
	if (s->nstages >= SIM_MAX_STAGES)
		return iov_err_set(e, IOV_INTERNAL, "more than %d latency stages", SIM_MAX_STAGES);
	char path[160];
	snprintf(path, sizeof(path), "dma.breakdown_ns.%s", name);
	double *v = stats_value(s->stats, path, "ns",
				"mean time a DMA read spent in this stage", e);
	if (!v)
		return -1;
	char *copy = strdup(name);
	if (!copy)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	s->stages[s->nstages] = copy;
	s->dma.stage_mean_ns[s->nstages] = v;
	return (int)s->nstages++;
}

struct sim_flow *sim_flow_get(struct sim *s, const char *name, struct iov_err *e)
{
	for (size_t i = 0; i < s->nflows; i++)
		if (strcmp(s->flows[i].name, name) == 0)
			return &s->flows[i];
	if (s->nflows == s->flows_cap) {
		/* Flows are created when a source is first met, never per TLP. The
		 * array moves, so callers keep indices, not pointers. */
		size_t cap = s->flows_cap ? s->flows_cap * 2 : 16;
		struct sim_flow *nf = realloc(s->flows, cap * sizeof(*nf));
		if (!nf) {
			iov_err_set(e, IOV_INTERNAL, "out of memory");
			return NULL;
		}
		s->flows = nf;
		s->flows_cap = cap;
	}
	struct sim_flow *f = &s->flows[s->nflows];
	memset(f, 0, sizeof(*f));
	char *nm = strdup(name);
	if (!nm) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	f->name = nm;
	/* Stat paths split at '.', so "01:00.1" becomes flows.01_00_1.* and
	 * "nic0.vf3" flows.nic0_vf3.* (docs/stats.md). */
	char key[128];
	stats_key(name, key, sizeof(key));
	char p[256];
#define FLOW_PATH(leaf) (snprintf(p, sizeof(p), "flows.%s." leaf, key), p)
	if (!(f->reads = stats_counter(s->stats, FLOW_PATH("reads"), "", "DMA reads completed", e)) ||
	    !(f->writes = stats_counter(s->stats, FLOW_PATH("writes"), "", "DMA writes issued", e)) ||
	    !(f->read_bytes = stats_counter(s->stats, FLOW_PATH("read_bytes"), "bytes",
					    "payload bytes read", e)) ||
	    !(f->write_bytes = stats_counter(s->stats, FLOW_PATH("write_bytes"), "bytes",
					     "payload bytes written", e)) ||
	    !(f->read_gbps = stats_value(s->stats, FLOW_PATH("read_gbps"), "Gb/s",
					 "read payload throughput over the flow's read interval", e)) ||
	    !(f->write_gbps = stats_value(s->stats, FLOW_PATH("write_gbps"), "Gb/s",
					  "write payload throughput over the flow's write interval", e)) ||
	    !(f->latency = stats_hist(s->stats, FLOW_PATH("latency_ns"), "ns", 1e-3,
				      "DMA read round trip", e)) ||
	    !(f->iso_allowed = stats_counter(s->stats, FLOW_PATH("isolation.allowed"), "",
					     "requests that reached what the flow's VM owns", e)) ||
	    !(f->iso_blocked = stats_counter(s->stats, FLOW_PATH("isolation.blocked"), "",
					     "requests the fabric stopped", e)) ||
	    !(f->iso_violations = stats_counter(s->stats, FLOW_PATH("isolation.violations"), "",
						"requests that reached what the flow's VM does "
						"not own", e))) {
		free(nm);
		return NULL;
	}
#undef FLOW_PATH
	f->vm = iso_vm_of(s, name);
	s->nflows++;
	return f;
}

static void sim_note_interval(sim_time_t t0, sim_time_t now, bool *any, sim_time_t *first,
			      sim_time_t *last)
{
	if (!*any || t0 < *first)
		*first = t0;
	if (!*any || now > *last)
		*last = now;
	*any = true;
}

void sim_dma_read_done(struct sim *s, uint32_t flow, uint64_t bytes, sim_time_t t0,
		       sim_time_t now, const struct tlp *last_cpl)
{
	struct sim_flow *f = &s->flows[flow];
	struct sim_dma_stats *d = &s->dma;
	sim_time_t lat = now - t0;

	(*f->reads)++;
	*f->read_bytes += bytes;
	hist_add(f->latency, lat);
	sim_note_interval(t0, now, &f->any_read, &f->first_read, &f->last_read_done);

	(*d->reads)++;
	*d->read_bytes += bytes;
	hist_add(d->latency, lat);
	tseries_add(d->read_series, now, (double)bytes);
	sim_note_interval(t0, now, &d->any_read, &d->first_read, &d->last_read_done);

	/* Breakdown: time between consecutive stamps, charged to the later stage. */
	if (last_cpl && !last_cpl->stamps_overflow) {
		sim_time_t prev = last_cpl->t_issue;
		for (unsigned i = 0; i < last_cpl->nstamps; i++) {
			const struct tlp_stamp *st = &last_cpl->stamps[i];
			d->stage_sum[st->stage] += (long double)(st->t - prev);
			prev = st->t;
		}
		d->breakdown_reads++;
	}
}

void sim_dma_write_done(struct sim *s, uint32_t flow, uint64_t bytes, sim_time_t t0,
			sim_time_t now)
{
	struct sim_flow *f = &s->flows[flow];
	struct sim_dma_stats *d = &s->dma;

	(*f->writes)++;
	*f->write_bytes += bytes;
	sim_note_interval(t0, now, &f->any_write, &f->first_write, &f->last_write_done);
	(*d->writes)++;
	*d->write_bytes += bytes;
	tseries_add(d->write_series, now, (double)bytes);
	sim_note_interval(t0, now, &d->any_write, &d->first_write, &d->last_write_done);
}

void sim_dma_write_landed(struct sim *s, uint32_t flow, sim_time_t now)
{
	if (flow >= s->nflows)
		return;
	struct sim_flow *f = &s->flows[flow];
	if (f->any_write && now > f->last_write_done)
		f->last_write_done = now;
	if (s->dma.any_write && now > s->dma.last_write_done)
		s->dma.last_write_done = now;
}

static double sim_gbps(uint64_t bytes, bool any, sim_time_t first, sim_time_t last)
{
	if (!any || last <= first)
		return 0.0;
	return (double)bytes * 8.0 / (double)(last - first) * 1e3;   /* bits per ps -> Gb/s */
}

static int sim_register_core_stats(struct sim *s, struct iov_err *e)
{
	struct sim_dma_stats *d = &s->dma;
	struct stats *st = s->stats;

	if (!(d->reads = stats_counter(st, "dma.reads", "", "DMA reads completed (all flows)", e)) ||
	    !(d->writes = stats_counter(st, "dma.writes", "", "DMA writes issued (all flows)", e)) ||
	    !(d->read_bytes = stats_counter(st, "dma.read_bytes", "bytes", "payload bytes read", e)) ||
	    !(d->write_bytes = stats_counter(st, "dma.write_bytes", "bytes",
					     "payload bytes written", e)) ||
	    !(d->read_gbps = stats_value(st, "dma.read_gbps", "Gb/s",
					 "read payload throughput, first read issue to last read completion", e)) ||
	    !(d->write_gbps = stats_value(st, "dma.write_gbps", "Gb/s",
					  "write payload throughput, first to last write sent", e)) ||
	    !(d->latency = stats_hist(st, "dma.latency_ns", "ns", 1e-3,
				      "DMA read round trip, issue to last completion (all flows)", e)) ||
	    !(d->read_series = stats_series(st, "dma.read_series", "bytes", 100 * SIM_NS, 512,
					    "read payload bytes completed per time bin", e)) ||
	    !(d->write_series = stats_series(st, "dma.write_series", "bytes", 100 * SIM_NS, 512,
					     "write payload bytes sent per time bin", e)) ||
	    !(s->stat_time_ps = stats_counter(st, "sim.time_ps", "ps",
					      "simulated time at the end of the run", e)))
		return -1;
	return 0;
}

static void sim_known_types(char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t j = 0; model_at(j); j++) {
		strncat(buf, j ? ", " : "", len - strlen(buf) - 1);
		strncat(buf, model_at(j)->type, len - strlen(buf) - 1);
	}
}

struct component *sim_add_component(struct sim *s, const struct model *m, const char *name,
				    const struct cfg_node *node, struct iov_err *e)
{
	if (s->ncomps == s->comps_cap) {
		size_t cap = s->comps_cap ? s->comps_cap * 2 : 8;
		struct component **nc = realloc(s->comps, cap * sizeof(*nc));
		if (!nc) {
			iov_err_set(e, IOV_INTERNAL, "out of memory");
			return NULL;
		}
		s->comps = nc;
		void **np = realloc(s->params, cap * sizeof(*np));
		if (!np) {
			iov_err_set(e, IOV_INTERNAL, "out of memory");
			return NULL;
		}
		s->params = np;
		s->comps_cap = cap;
	}
	void *params = calloc(1, m->params_size ? m->params_size : 1);
	if (!params) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	char what[160];
	snprintf(what, sizeof(what), "%s '%s'", m->type, name);
	if (cfg_load_params(node, m->params, sim_reserved_keys, params, what, e)) {
		free(params);
		return NULL;
	}
	struct component *c = m->ops->create(s, name, params, node, e);
	if (!c) {
		free(params);
		return NULL;
	}
	s->comps[s->ncomps] = c;
	s->params[s->ncomps] = params;
	s->ncomps++;
	return c;
}

static int sim_create_components(struct sim *s, struct iov_err *e)
{
	const struct scenario *scen = s->scen;
	for (size_t i = 0; i < scen->ncomponents; i++) {
		const struct scenario_component *sc = &scen->components[i];
		const struct model *m = model_find(sc->type);
		if (!m) {
			const struct cfg_node *tn = cfg_get(sc->node, "type");
			char known[512];
			sim_known_types(known, sizeof(known));
			if (tn)
				return cfg_err(e, tn, "unknown component type '%s'; known types: %s",
					       sc->type, known);
			return iov_err_at(e, IOV_BAD_INPUT, sc->loc.file, sc->loc.line, sc->loc.col,
					  "unknown component type '%s'; known types: %s", sc->type, known);
		}
		if (!sim_add_component(s, m, sc->name, sc->node, e))
			return -1;
	}
	return 0;
}

static struct component *sim_find_comp(struct sim *s, const char *name)
{
	for (size_t i = 0; i < s->ncomps; i++)
		if (strcmp(s->comps[i]->name, name) == 0)
			return s->comps[i];
	return NULL;
}

static void sim_port_names(const struct component *c, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < c->nports; i++) {
		strncat(buf, i ? ", " : "", len - strlen(buf) - 1);
		strncat(buf, c->ports[i]->name, len - strlen(buf) - 1);
	}
	if (!c->nports)
		snprintf(buf, len, "(none)");
}

static struct port *sim_resolve_port(struct sim *s, const char *comp, const char *port,
				     const struct cfg_loc *loc, struct iov_err *e)
{
	struct component *c = sim_find_comp(s, comp);
	if (!c) {
		iov_err_at(e, IOV_BAD_INPUT, loc->file, loc->line, loc->col,
			   "connection names unknown component '%s'", comp);
		return NULL;
	}
	struct port *p = component_port(c, port);
	if (!p) {
		char names[256];
		sim_port_names(c, names, sizeof(names));
		iov_err_at(e, IOV_BAD_INPUT, loc->file, loc->line, loc->col,
			   "%s '%s' has no port '%s'; its ports: %s", c->model->type, comp, port, names);
		return NULL;
	}
	if (p->peer) {
		iov_err_at(e, IOV_BAD_INPUT, loc->file, loc->line, loc->col,
			   "port '%s.%s' is already connected (to '%s.%s'); a port takes one connection",
			   comp, port, p->peer->owner->name, p->peer->name);
		return NULL;
	}
	return p;
}

static int sim_connect(struct sim *s, struct iov_err *e)
{
	const struct scenario *scen = s->scen;
	for (size_t i = 0; i < scen->nconnections; i++) {
		const struct scenario_connection *cn = &scen->connections[i];
		struct port *a = sim_resolve_port(s, cn->a_comp, cn->a_port, &cn->loc, e);
		if (!a)
			return -1;
		struct port *b = sim_resolve_port(s, cn->b_comp, cn->b_port, &cn->loc, e);
		if (!b)
			return -1;
		if (a == b)
			return iov_err_at(e, IOV_BAD_INPUT, cn->loc.file, cn->loc.line, cn->loc.col,
					  "port '%s.%s' cannot connect to itself", cn->a_comp, cn->a_port);
		a->peer = b;
		b->peer = a;
	}
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		for (size_t j = 0; j < c->nports; j++) {
			if (c->ports[j]->peer || c->ports[j]->optional)
				continue;
			const struct scenario_component *sc = &scen->components[i];
			return iov_err_at(e, IOV_BAD_INPUT, sc->loc.file, sc->loc.line, sc->loc.col,
					  "port '%s.%s' is not connected; add it to connections:",
					  c->name, c->ports[j]->name);
		}
	}
	return 0;
}

/* Stats under flows.* appear when a trace first names a source, which for a
 * file trace is during the run; those expects are checked after the run. */
static int sim_check_expect_names(struct sim *s, struct iov_err *e)
{
	const struct scenario *scen = s->scen;
	for (size_t i = 0; i < scen->nexpects; i++) {
		const struct scenario_expect *x = &scen->expects[i];
		if (stats_exists(s->stats, x->stat) || strncmp(x->stat, "flows.", 6) == 0)
			continue;
		return iov_err_at(e, IOV_BAD_INPUT, x->loc.file, x->loc.line, x->loc.col,
				  "expect names unknown stat '%s' (see docs/stats.md, or run once and "
				  "read stats.json)", x->stat);
	}
	return 0;
}

struct sim *sim_create(enum sim_kernel_kind kind, uint64_t seed, struct iov_err *e)
{
	struct sim *s = calloc(1, sizeof(*s));
	if (!s) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	s->seed = seed;
	s->stats = stats_create();
	s->tlps = tlp_pool_create();
	if (!s->stats || !s->tlps) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto err;
	}
	if (sim_register_core_stats(s, e) || iso_init(s, e))
		goto err;
	s->k = sim_kernel_create(kind, e);
	if (!s->k)
		goto err;
	return s;
err:
	sim_destroy(s);
	return NULL;
}

/* After every port is connected: the models that build the topology
 * (enumerate: the root complex numbers the PCIe hierarchy) go first, then
 * every model that looks at it (elaborate), each pass in scenario order, so
 * a device listed before its root complex still finds its routing IDs and
 * VFs. Nothing runs yet. */
static int sim_elaborate(struct sim *s, struct iov_err *e)
{
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		if (c->model->ops->enumerate && c->model->ops->enumerate(c, e))
			return -1;
	}
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		if (c->model->ops->elaborate && c->model->ops->elaborate(c, e))
			return -1;
	}
	return 0;
}

struct sim *sim_build(const struct scenario *scen, enum sim_kernel_kind kind, uint64_t seed,
		      struct iov_err *e)
{
	struct sim *s = sim_create(kind, seed, e);
	if (!s)
		return NULL;
	s->scen = scen;
	if (sim_create_components(s, e) || sim_connect(s, e) ||
	    iso_load(s, cfg_get(scen->root, "vms"), e) || sim_elaborate(s, e) ||
	    sim_check_expect_names(s, e)) {
		sim_destroy(s);
		return NULL;
	}
	return s;
}

static void sim_finish_stats(struct sim *s)
{
	struct sim_dma_stats *d = &s->dma;
	*s->stat_time_ps = sim_now(s->k);
	*d->read_gbps = sim_gbps(*d->read_bytes, d->any_read, d->first_read, d->last_read_done);
	*d->write_gbps = sim_gbps(*d->write_bytes, d->any_write, d->first_write, d->last_write_done);
	for (size_t i = 0; i < s->nflows; i++) {
		struct sim_flow *f = &s->flows[i];
		*f->read_gbps = sim_gbps(*f->read_bytes, f->any_read, f->first_read, f->last_read_done);
		*f->write_gbps = sim_gbps(*f->write_bytes, f->any_write, f->first_write,
					  f->last_write_done);
	}
	for (size_t i = 0; i < s->nstages; i++)
		*d->stage_mean_ns[i] = d->breakdown_reads
			? (double)(d->stage_sum[i] / d->breakdown_reads) / 1000.0 : 0.0;
}

/* Run in slices so a progress callback can report; slices are in simulated
 * time, so the events run (and the results) do not depend on the callback. */
int sim_execute(struct sim *s, sim_progress_fn progress, void *parg, struct iov_err *e)
{
	s->err = e;
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		if (c->model->ops->start && c->model->ops->start(c, e))
			return -1;
	}
	sim_time_t end = s->scen && s->scen->duration ? s->scen->duration : SIM_TIME_MAX;
	enum sim_run_result r;
	if (!progress) {
		r = sim_run(s->k, end, e);
	} else {
		const sim_time_t slice = 10 * SIM_US;
		for (;;) {
			sim_time_t now = sim_now(s->k);
			sim_time_t until = (end - now > slice) ? now + slice : end;
			r = sim_run(s->k, until, e);
			progress(parg, sim_now(s->k), end);
			if (r != SIM_RUN_UNTIL || until == end)
				break;
		}
	}
	if (r == SIM_RUN_ERROR || (r == SIM_RUN_STOPPED && e->status))
		return -1;
	if (e->status)          /* a component failed inside an event (e.g. bad trace line) */
		return -1;
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		if (c->model->ops->finish)
			c->model->ops->finish(c);
	}
	sim_finish_stats(s);
	return 0;
}

void sim_destroy(struct sim *s)
{
	if (!s)
		return;
	sim_kernel_destroy(s->k);
	for (size_t i = s->ncomps; i-- > 0;) {
		struct component *c = s->comps[i];
		if (c->model->ops->destroy)
			c->model->ops->destroy(c);
	}
	for (size_t i = 0; i < s->ncomps; i++)
		free(s->params[i]);
	free(s->params);
	free(s->comps);
	for (size_t i = 0; i < s->nflows; i++)
		free((char *)s->flows[i].name);
	free(s->flows);
	iso_free(&s->iso);
	for (size_t i = 0; i < s->nstages; i++)
		free((char *)s->stages[i]);
	tlp_pool_destroy(s->tlps);
	stats_destroy(s->stats);
	free(s);
}
