/* vnet_traffic.c - what virtio-net sends and receives: packet traces and the netperf-like generators
 *
 * 'traffic:' is a list of generators with the keys and meaning of
 * models/net/netgen.h, the same as the SR-IOV NIC's, so one description runs
 * over either path; 'fn' must be this device's name and 'dst' the wire
 * (virtio-net has no embedded switch). One queue pair: flows only label
 * packets. stream tx with rate 0 keeps the TX ring full; with a rate, a
 * packet due while the ring is full is dropped (tx_ring_full) and one due
 * while the vCPU is out of the guest (a kick exit) waits for it. rr: the
 * peer's request arrives from the wire, the driver receives it, the
 * application thinks think_cycles of guest CPU and posts the response; the
 * transaction is done when the response has left on the wire.
 *
 * 'trace:' replays a packet trace whose source is this device's name:
 * pkt_tx records are sent by the guest at their time (or when the ring has
 * room), pkt_rx records start arriving from the wire at theirs. flow= is
 * accepted and not used. Records are read one at a time.
 *
 * Not modelled: TCP, packet contents, the peer's stack (a fixed peer_latency).
 */
#include <stdlib.h>
#include <string.h>

#include "models/net/netgen.h"
#include "vnet_impl.h"

struct vnet_gen {
	struct vnet *v;
	int idx;
	struct netgen_spec s;
	uint64_t issued, done;
	struct vnet_fifo backlog;       /* TX packets waiting for the ring / the vCPU */
	struct vnet_fifo think, peer;   /* rr: responses thinking, requests on their way */
	uint64_t *st_packets, *st_transactions;
	double *st_tps;
	struct hist *st_rr_latency;
	sim_time_t first, last;
};

static struct vnet_pkt *gen_pkt(struct vnet_gen *g, uint32_t len, uint32_t flow)
{
	struct vnet_pkt *p = vnet_pkt_alloc(g->v);
	if (!p)
		return NULL;
	p->len = len;
	p->flow = flow;
	p->gen = g->idx;
	return p;
}

/* Send the backlog, then (ASAP TX stream) new packets. */
static void gen_fill(struct vnet_gen *g)
{
	struct vnet *v = g->v;
	while (g->backlog.head) {
		if (vnet_drv_send(v, g->backlog.head) != VNET_SENT)
			return;
		vnet_fifo_pop(&g->backlog);
	}
	while (g->s.kind == NETGEN_STREAM && g->s.tx && !g->s.interval && g->issued < g->s.count &&
	       sim_now(v->c.sim->k) >= g->s.start) {
		struct vnet_pkt *p = gen_pkt(g, g->s.size, (uint32_t)(g->issued % g->s.flows));
		if (!p)
			return;
		if (vnet_drv_send(v, p) != VNET_SENT) {
			vnet_pkt_free(v, p);
			return;
		}
		g->issued++;
	}
}

static void gen_stream_event(void *arg)
{
	struct vnet_gen *g = arg;
	struct vnet *v = g->v;
	sim_time_t now = sim_now(v->c.sim->k);
	if (g->issued >= g->s.count)
		return;
	if (g->s.tx && !g->s.interval) {
		gen_fill(g);
		return;
	}
	struct vnet_pkt *p = gen_pkt(g, g->s.size, (uint32_t)(g->issued % g->s.flows));
	if (!p)
		return;
	g->issued++;
	if (g->s.tx) {
		enum vnet_send r = g->backlog.head ? VNET_BUSY : vnet_drv_send(v, p);
		if (r == VNET_BUSY)
			vnet_fifo_push(&g->backlog, p);
		else if (r == VNET_FULL)
			vnet_pkt_free(v, p);    /* counted in tx_ring_full */
	} else {
		vnet_wire_recv(v, p, now);
	}
	if (g->issued >= g->s.count)
		return;
	sim_time_t next = g->s.interval ? netgen_stream_time(&g->s, g->issued) : v->rx_busy_until;
	sim_schedule_at(v->c.sim->k, next, gen_stream_event, g);
}

/* ---- rr ---- */

static void gen_peer_event(void *arg)
{
	struct vnet_gen *g = arg;
	struct vnet_pkt *p = vnet_fifo_pop(&g->peer);
	p->t_gen = sim_now(g->v->c.sim->k);
	vnet_wire_recv(g->v, p, p->t_gen);
}

static void gen_request(struct vnet_gen *g, uint32_t session, sim_time_t delay)
{
	struct vnet_pkt *p = gen_pkt(g, g->s.size, session);
	if (!p)
		return;
	g->issued++;
	p->session = session;
	vnet_fifo_push(&g->peer, p);
	sim_schedule(g->v->c.sim->k, delay, gen_peer_event, g);
}

static void gen_think_event(void *arg)
{
	struct vnet_gen *g = arg;
	vnet_fifo_push(&g->backlog, vnet_fifo_pop(&g->think));
	gen_fill(g);
}

static void gen_rr_start(void *arg)
{
	struct vnet_gen *g = arg;
	for (uint32_t s = 0; s < g->s.sessions && g->issued < g->s.count; s++)
		gen_request(g, s, 0);
}

void vnet_traffic_rx(struct vnet *v, struct vnet_pkt *p, sim_time_t now)
{
	(void)now;
	if (p->gen < 0)
		return;
	struct vnet_gen *g = &v->gens[p->gen];
	(*g->st_packets)++;
	if (g->s.kind != NETGEN_RR)
		return;
	struct vnet_pkt *r = gen_pkt(g, g->s.resp_size, p->flow);
	if (!r)
		return;
	r->session = p->session;
	r->t_gen = p->t_gen;
	vnet_fifo_push(&g->think, r);
	sim_schedule(v->c.sim->k, vnet_guest_cycles(v, g->s.think_cycles), gen_think_event, g);
}

void vnet_traffic_tx_wire(struct vnet *v, struct vnet_pkt *p, sim_time_t now)
{
	if (p->gen < 0)
		return;
	struct vnet_gen *g = &v->gens[p->gen];
	(*g->st_packets)++;
	if (g->s.kind != NETGEN_RR)
		return;
	(*g->st_transactions)++;
	hist_add(g->st_rr_latency, now - p->t_gen);
	if (!g->done++)
		g->first = p->t_gen;
	g->last = now;
	if (g->issued < g->s.count)
		gen_request(g, p->session, g->s.peer_latency);
}

/* ---- trace ---- */

static void trace_fail(struct vnet *v, const char *what, const char *name)
{
	struct sim *s = v->c.sim;
	iov_err_set(s->err, IOV_BAD_INPUT, "%s: error: %s '%s' in a trace of virtio_net '%s' "
		    "(it replays pkt_tx / pkt_rx records of source '%s')", v->ts->name, what, name,
		    v->c.name, v->c.name);
	sim_abort(s);
}

static void trace_event(void *arg)
{
	struct vnet *v = arg;
	struct sim *s = v->c.sim;
	for (;;) {
		if (!v->trace_have) {
			int rc = trace_next(v->ts, &v->trace_cur, s->err);
			if (rc <= 0) {
				if (rc < 0)
					sim_abort(s);
				v->trace_eof = true;
				return;
			}
			v->trace_have = true;
		}
		const struct trace_rec *r = &v->trace_cur;
		if (r->op != TRACE_OP_PKT_TX && r->op != TRACE_OP_PKT_RX) {
			trace_fail(v, "record", trace_op_name(r->op));
			return;
		}
		if (strcmp(v->ts->sources[r->src].name, v->c.name)) {
			trace_fail(v, "source", v->ts->sources[r->src].name);
			return;
		}
		if (r->time != TRACE_TIME_ASAP && r->time > sim_now(s->k)) {
			sim_schedule_at(s->k, r->time, trace_event, v);
			return;
		}
		struct vnet_pkt *p = vnet_pkt_alloc(v);
		if (!p)
			return;
		p->len = r->len;
		p->gen = -1;
		if (r->op == TRACE_OP_PKT_RX) {
			vnet_wire_recv(v, p, sim_now(s->k));
		} else if (vnet_drv_send(v, p) != VNET_SENT) {
			vnet_pkt_free(v, p);
			v->trace_waiting = true;        /* vnet_traffic_tx_room resumes */
			return;
		}
		v->trace_have = false;
	}
}

void vnet_traffic_tx_room(struct vnet *v)
{
	for (size_t i = 0; i < v->ngens; i++)
		if (v->gens[i].s.tx || v->gens[i].s.kind == NETGEN_RR)
			gen_fill(&v->gens[i]);
	if (v->trace_waiting && v->trace_have) {
		v->trace_waiting = false;
		sim_schedule(v->c.sim->k, 0, trace_event, v);
	}
}

/* ---- set-up ---- */

static int gen_stats(struct vnet *v, struct vnet_gen *g, struct iov_err *e)
{
	struct stats *st = v->c.sim->stats;
	char p[256];
#define GEN_PATH(leaf) (snprintf(p, sizeof(p), "components.%s.gen%d." leaf, v->c.name, g->idx), p)
	if (!(g->st_packets = stats_counter(st, GEN_PATH("packets"), "", "packets of the "
					    "generator that left on the wire or reached the guest", e)) ||
	    !(g->st_transactions = stats_counter(st, GEN_PATH("transactions"), "", "rr: "
						 "request/response transactions done", e)) ||
	    !(g->st_tps = stats_value(st, GEN_PATH("transactions_per_s"), "1/s", "rr: "
				      "transactions per second over the run of the generator", e)) ||
	    !(g->st_rr_latency = stats_hist(st, GEN_PATH("rr_latency_ns"), "ns", 1e-3, "rr: the "
					    "peer's request send to the response on the wire", e)))
		return -1;
#undef GEN_PATH
	return 0;
}

static int gen_load(struct vnet *v, struct vnet_gen *g, const struct cfg_node *node,
		    struct iov_err *e)
{
	char what[160];
	snprintf(what, sizeof(what), "traffic generator %d of '%s'", g->idx, v->c.name);
	if (netgen_load(node, what, &g->s, e))
		return -1;
	if (strcmp(g->s.fn, v->c.name))
		return cfg_err(e, cfg_get(node, "fn"), "'%s' is not this device: a virtio_net's "
			       "generators have fn: %s", g->s.fn, v->c.name);
	if (strcmp(g->s.dst, "wire"))
		return cfg_err(e, cfg_get(node, "dst"), "%s: dst '%s': virtio-net sends only to the "
			       "wire (it has no embedded switch)", what, g->s.dst);
	if (!g->s.flows)
		g->s.flows = 1;
	return gen_stats(v, g, e);
}

int vnet_traffic_load(struct vnet *v, const struct cfg_node *node, struct iov_err *e)
{
	const struct cfg_node *t = v->p.traffic;
	if (v->p.trace && v->p.trace[0]) {
		struct iov_err e2 = { 0 };
		v->ts = trace_open(v->p.trace, &e2);
		if (!v->ts)
			return cfg_err(e, cfg_get(node, "trace"), "cannot open trace: %s", e2.msg);
	}
	if (!t || t->kind == CFG_NULL || (t->kind == CFG_SCALAR && !t->str[0]))
		return 0;
	if (t->kind != CFG_SEQ)
		return cfg_err(e, t, "traffic must be a list of generators {fn, type: stream|rr, ...}");
	v->gens = calloc(t->n ? t->n : 1, sizeof(*v->gens));
	if (!v->gens)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		struct vnet_gen *g = &v->gens[i];
		g->v = v;
		g->idx = (int)i;
		v->ngens++;
		if (gen_load(v, g, t->items[i], e))
			return -1;
	}
	return 0;
}

void vnet_traffic_start(struct vnet *v)
{
	struct sim_kernel *k = v->c.sim->k;
	for (size_t i = 0; i < v->ngens; i++) {
		struct vnet_gen *g = &v->gens[i];
		sim_schedule_at(k, g->s.start, g->s.kind == NETGEN_RR ? gen_rr_start : gen_stream_event,
				g);
	}
	if (v->ts)
		sim_schedule(k, 0, trace_event, v);
}

void vnet_traffic_finish(struct vnet *v)
{
	for (size_t i = 0; i < v->ngens; i++) {
		struct vnet_gen *g = &v->gens[i];
		*g->st_tps = g->done && g->last > g->first
			? (double)g->done * 1e12 / (double)(g->last - g->first) : 0.0;
	}
}

static void fifo_drain(struct vnet *v, struct vnet_fifo *q)
{
	struct vnet_pkt *p;
	while ((p = vnet_fifo_pop(q)))
		vnet_pkt_free(v, p);
}

void vnet_traffic_free(struct vnet *v)
{
	for (size_t i = 0; i < v->ngens; i++) {
		fifo_drain(v, &v->gens[i].backlog);
		fifo_drain(v, &v->gens[i].think);
		fifo_drain(v, &v->gens[i].peer);
	}
	free(v->gens);
	v->gens = NULL;
	v->ngens = 0;
	trace_close(v->ts);
	v->ts = NULL;
}
