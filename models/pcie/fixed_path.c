/* fixed_path.c - a placeholder upstream path: fixed latency plus optional serialisation
 *
 * Stands for everything between a device and memory (link, switches, root
 * complex) until the cycle-level fabric replaces it: each direction delays a
 * TLP by 'latency' after serialising it at 'bandwidth' (wire bytes = payload
 * + 'overhead'), keeps at most 'capacity' TLPs in flight, and refuses more
 * (backpressure). Delivery order is FIFO per direction.
 *
 * Not modelled: DLLPs, credits, link errors, routing, ACS (issue 3's fabric).
 */
#include <stdlib.h>

#include "sim.h"

extern const struct model model_fixed_path;

struct fixed_path_params {
	sim_time_t latency;
	double bandwidth;
	uint64_t overhead;
	uint64_t capacity;
	struct sim_clock clock;
};

static const struct param_desc fixed_path_param_desc[] = {
	{ "latency", PARAM_TIME, offsetof(struct fixed_path_params, latency), "250ns", 0, 1e15,
	  NULL, "one-way delay after serialisation, each direction" },
	{ "bandwidth", PARAM_BANDWIDTH, offsetof(struct fixed_path_params, bandwidth), "0B/s", 0,
	  1e15, NULL, "serialisation rate per direction (0: unlimited)" },
	{ "overhead", PARAM_SIZE, offsetof(struct fixed_path_params, overhead), "24", 0, 4096, NULL,
	  "bytes added to each TLP's payload on the wire (header, framing, LCRC)" },
	{ "capacity", PARAM_U64, offsetof(struct fixed_path_params, capacity), "256", 1, 1 << 20,
	  NULL, "TLPs in flight per direction before the sender is refused" },
	{ "clock", PARAM_FREQ, offsetof(struct fixed_path_params, clock), "1GHz", 1e6, 1e11, NULL,
	  "clock: deliveries fall on its edges" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct fp_dir {
	struct fixed_path *fp;
	struct port *in, *out;
	struct tlp_fifo q;              /* in flight, in arrival order */
	sim_time_t busy_until;          /* serialiser free */
	bool deliver_pending, out_blocked;
	uint16_t stage;
	uint64_t *st_tlps, *st_bytes, *st_refusals;
};

struct fixed_path {
	struct component c;
	struct fixed_path_params p;
	struct port down, up;
	struct fp_dir to_up, to_down;
};

static void fp_deliver_event(void *arg);

static void fp_arm(struct fp_dir *d)
{
	if (d->deliver_pending || d->out_blocked || !d->q.head)
		return;
	struct sim_kernel *k = d->fp->c.sim->k;
	d->deliver_pending = true;
	sim_schedule_at(k, d->q.head->t_due, fp_deliver_event, d);
}

static void fp_deliver(struct fp_dir *d)
{
	struct sim *s = d->fp->c.sim;
	sim_time_t now = sim_now(s->k);
	while (d->q.head && d->q.head->t_due <= now) {
		struct tlp *t = tlp_fifo_pop(&d->q);
		tlp_stamp(t, d->stage, now);
		if (!port_send(d->out, t)) {
			t->nstamps--;           /* stamped again when it really leaves */
			tlp_fifo_unpop(&d->q, t);
			d->out_blocked = true;
			return;
		}
		port_unblock(d->in);
	}
	fp_arm(d);
}

static void fp_deliver_event(void *arg)
{
	struct fp_dir *d = arg;
	d->deliver_pending = false;
	fp_deliver(d);
}

static bool fp_accept(struct fp_dir *d, struct tlp *t)
{
	struct fixed_path *fp = d->fp;
	struct sim *s = fp->c.sim;
	if (d->q.n >= fp->p.capacity) {
		(*d->st_refusals)++;
		return false;
	}
	sim_time_t now = sim_now(s->k);
	uint64_t wire = fp->p.overhead + ((t->type == TLP_MWR || t->type == TLP_CPLD) ? t->len : 0);
	sim_time_t start = now > d->busy_until ? now : d->busy_until;
	sim_time_t ser = fp->p.bandwidth > 0 ? (sim_time_t)((double)wire / fp->p.bandwidth * 1e12 + 0.5) : 0;
	d->busy_until = start + ser;
	t->t_due = sim_clock_edge_at_or_after(&fp->c.clock, d->busy_until + fp->p.latency);
	(*d->st_tlps)++;
	*d->st_bytes += wire;
	tlp_fifo_push(&d->q, t);
	fp_arm(d);
	return true;
}

static bool fp_down_recv(struct port *p, struct tlp *t)
{
	struct fixed_path *fp = container_of(p, struct fixed_path, down);
	return fp_accept(&fp->to_up, t);
}

static bool fp_up_recv(struct port *p, struct tlp *t)
{
	struct fixed_path *fp = container_of(p, struct fixed_path, up);
	return fp_accept(&fp->to_down, t);
}

/* Our 'out' port's peer has room again. */
static void fp_retry(struct fp_dir *d)
{
	d->out_blocked = false;
	fp_deliver(d);
}

static void fp_up_retry(struct port *p)
{
	fp_retry(&container_of(p, struct fixed_path, up)->to_up);
}

static void fp_down_retry(struct port *p)
{
	fp_retry(&container_of(p, struct fixed_path, down)->to_down);
}

static const struct port_ops fp_down_ops = { .recv = fp_down_recv, .retry = fp_down_retry };
static const struct port_ops fp_up_ops = { .recv = fp_up_recv, .retry = fp_up_retry };

static int fp_dir_init(struct fixed_path *fp, struct fp_dir *d, struct port *in, struct port *out,
		       const char *dirname, struct iov_err *e)
{
	struct sim *s = fp->c.sim;
	char path[256], stage[96];
	d->fp = fp;
	d->in = in;
	d->out = out;
	snprintf(stage, sizeof(stage), "%s.%s", fp->c.name, dirname);
	/* Stage names must outlive the sim: use the stats path copy. */
	snprintf(path, sizeof(path), "components.%s.%s.tlps", fp->c.name, dirname);
	if (!(d->st_tlps = stats_counter(s->stats, path, "", "TLPs carried", e)))
		return -1;
	snprintf(path, sizeof(path), "components.%s.%s.wire_bytes", fp->c.name, dirname);
	if (!(d->st_bytes = stats_counter(s->stats, path, "bytes", "bytes on the wire", e)))
		return -1;
	snprintf(path, sizeof(path), "components.%s.%s.refusals", fp->c.name, dirname);
	if (!(d->st_refusals = stats_counter(s->stats, path, "", "TLPs refused (full)", e)))
		return -1;
	int st = sim_stage(s, stage, e);
	if (st < 0)
		return -1;
	d->stage = (uint16_t)st;
	return 0;
}

static void fp_destroy(struct component *c)
{
	struct fixed_path *fp = container_of(c, struct fixed_path, c);
	struct tlp *t;
	while ((t = tlp_fifo_pop(&fp->to_up.q)))
		tlp_free(c->sim->tlps, t);
	while ((t = tlp_fifo_pop(&fp->to_down.q)))
		tlp_free(c->sim->tlps, t);
	free(fp);
}

static struct component *fp_create(struct sim *s, const char *name, const void *params,
				   const struct cfg_node *node, struct iov_err *e)
{
	(void)node;
	struct fixed_path *fp = calloc(1, sizeof(*fp));
	if (!fp) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	fp->p = *(const struct fixed_path_params *)params;
	component_init(&fp->c, s, &model_fixed_path, name, &fp->p.clock);
	if (component_add_port(&fp->c, &fp->down, "down", &fp_down_ops, e) ||
	    component_add_port(&fp->c, &fp->up, "up", &fp_up_ops, e) ||
	    fp_dir_init(fp, &fp->to_up, &fp->down, &fp->up, "upstream", e) ||
	    fp_dir_init(fp, &fp->to_down, &fp->up, &fp->down, "downstream", e)) {
		fp_destroy(&fp->c);
		return NULL;
	}
	return &fp->c;
}

static const struct model_ops fixed_path_ops = {
	.create = fp_create,
	.destroy = fp_destroy,
};

static const struct port_doc fixed_path_ports[] = {
	{ "down", "device side" },
	{ "up", "host/memory side" },
	{ NULL, NULL },
};

const struct model model_fixed_path = {
	.kind = "pcie",
	.type = "fixed_path",
	.desc = "placeholder device-to-host path: fixed latency, optional bandwidth, bounded",
	.ops = &fixed_path_ops,
	.params = fixed_path_param_desc,
	.params_size = sizeof(struct fixed_path_params),
	.ports = fixed_path_ports,
	.not_modelled = "DLLPs, flow-control credits, link errors, routing and ACS",
};
