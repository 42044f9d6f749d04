/* nic_traffic.c - what the NIC's functions send and receive: packet traces and netperf-like generators
 *
 * 'traffic:' lists generators, each for one function ('fn': "nic0",
 * "nic0.vf3"):
 *   stream  one direction (dir: tx | rx) of 'size'-byte packets, 'count' of
 *           them, at 'rate' (bytes per second of packet data) or, rate 0, as
 *           fast as possible: TX keeps the rings full (the driver posts again
 *           as it reaps completions); RX is the peer sending back to back at
 *           line rate. Packets spread over 'flows' flows (flow k -> queue
 *           k mod queues), TX to 'dst' (the wire, or a function's MAC).
 *   rr      request/response, closed loop, 'sessions' at once: the peer sends
 *           a 'size' request (RX); when the guest driver has reaped it, the
 *           application thinks 'think_cycles' guest cycles and posts a
 *           'resp_size' response (TX); when it has left on the wire the
 *           transaction is done (latency from the peer's request send), and
 *           the peer sends the next request 'peer_latency' later.
 * 'trace:' replays a packet trace: pkt_tx records are posted by the driver of
 * their source function at their time (or as soon as its ring has room),
 * pkt_rx records arrive from the wire for it; flow=N picks the queue and,
 * through 'flows:' [{id, dst}], the destination.
 *
 * Not modelled: TCP (windows, ACKs, retransmission), packet contents, the
 * peer's own stack (a fixed peer_latency).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/net/netgen.h"
#include "nic_impl.h"

enum gen_kind { GEN_STREAM, GEN_RR };

struct nic_gen {
	struct nic *n;
	int idx;
	enum gen_kind kind;
	bool tx;
	uint16_t fn;
	uint32_t size, resp_size, flows, sessions;
	uint64_t count, issued, done;
	sim_time_t start, interval, peer_latency;
	uint64_t think_cycles;
	uint64_t dst_mac;
	struct nic_pkt_fifo backlog;    /* TX packets the ring had no room for */
	struct nic_pkt_fifo think, peer;/* rr: responses thinking, requests on their way */
	uint64_t *st_packets, *st_transactions;
	double *st_tps;
	struct hist *st_rr_latency;
	sim_time_t first, last;
};

/* The entries' keys and their reading are shared with virtio_net: models/net/netgen.h. */

static struct nic_fn *traffic_fn(struct nic *n, const char *name)
{
	for (unsigned i = 0; i < n->nfns; i++)
		if (!strcmp(n->fns[i].name, name))
			return &n->fns[i];
	return NULL;
}

static int traffic_fn_err(struct nic *n, const struct cfg_node *at, const char *name,
			  struct iov_err *e)
{
	return cfg_err(e, at, "'%s' is not a function of %s (functions: %s%s)", name,
		       n->c.name, n->fns[0].name, n->nfns > 1 ? ", NAME.vf1 .. NAME.vfN" : "");
}

/* ---- posting ---- */

static struct nic_pkt *gen_pkt(struct nic_gen *g, uint32_t len, uint32_t flow)
{
	struct nic_pkt *p = nic_pkt_alloc(g->n);
	if (!p)
		return NULL;
	p->len = len;
	p->flow = flow;
	p->gen = g->idx;
	return p;
}

/* Post the backlog, then (ASAP TX stream) new packets, on f's queues. */
static void gen_fill(struct nic_gen *g)
{
	struct nic_fn *f = &g->n->fns[g->fn];
	bool kicked[NIC_MAX_QP] = { false };
	while (g->backlog.head) {
		struct nic_pkt *p = g->backlog.head;
		if (!nic_drv_tx_free(f, p->flow % f->nqp) ||
		    !nic_drv_post_tx(f, p->flow % f->nqp, p, true))
			break;
		kicked[p->flow % f->nqp] = true;
		nic_pkt_pop(&g->backlog);
	}
	while (g->kind == GEN_STREAM && g->tx && !g->interval && !g->backlog.head &&
	       g->issued < g->count && sim_now(g->n->c.sim->k) >= g->start) {
		uint32_t flow = (uint32_t)(g->issued % g->flows);
		unsigned q = flow % f->nqp;
		if (!nic_drv_tx_free(f, q))
			break;          /* the ring is full: posted again as it drains */
		struct nic_pkt *p = gen_pkt(g, g->size, flow);
		if (!p)
			return;
		p->dst_mac = g->dst_mac;
		nic_drv_post_tx(f, q, p, true);
		g->issued++;
		kicked[q] = true;
	}
	for (unsigned q = 0; q < f->nqp; q++)
		if (kicked[q])
			nic_drv_kick(f, q);
}

static void gen_tx_post(struct nic_gen *g, struct nic_pkt *p)
{
	nic_pkt_push(&g->backlog, p);
	gen_fill(g);
}

/* ---- stream ---- */

static void gen_stream_event(void *arg)
{
	struct nic_gen *g = arg;
	struct nic *n = g->n;
	sim_time_t now = sim_now(n->c.sim->k);
	if (g->issued >= g->count)
		return;
	if (g->tx && !g->interval) {
		gen_fill(g);
		return;
	}
	uint32_t flow = (uint32_t)(g->issued % g->flows);
	struct nic_pkt *p = gen_pkt(g, g->size, flow);
	if (!p)
		return;
	g->issued++;
	if (g->tx) {
		p->dst_mac = g->dst_mac;
		struct nic_fn *f = &n->fns[g->fn];
		if (!nic_drv_post_tx(f, flow % f->nqp, p, false))
			nic_pkt_free(n, p);     /* counted in tx_ring_full */
	} else {
		p->dst_fn = g->fn;
		nic_wire_recv(n, p, now);
	}
	if (g->issued >= g->count)
		return;
	sim_time_t next = g->interval ? g->start + (sim_time_t)llround((double)g->issued *
								      (double)g->interval)
				      : n->rx_busy_until;
	sim_schedule_at(n->c.sim->k, next, gen_stream_event, g);
}

/* ---- rr ---- */

static void gen_peer_event(void *arg)
{
	struct nic_gen *g = arg;
	struct nic_pkt *p = nic_pkt_pop(&g->peer);
	p->t_gen = sim_now(g->n->c.sim->k);
	nic_wire_recv(g->n, p, p->t_gen);
}

/* The peer sends the request of session s 'delay' from now. */
static void gen_request(struct nic_gen *g, uint32_t s, sim_time_t delay)
{
	struct nic_pkt *p = gen_pkt(g, g->size, s);
	if (!p)
		return;
	g->issued++;
	p->session = s;
	p->dst_fn = g->fn;
	nic_pkt_push(&g->peer, p);
	sim_schedule(g->n->c.sim->k, delay, gen_peer_event, g);
}

static void gen_think_event(void *arg)
{
	struct nic_gen *g = arg;
	gen_tx_post(g, nic_pkt_pop(&g->think));
}

static void gen_rr_start(void *arg)
{
	struct nic_gen *g = arg;
	for (uint32_t s = 0; s < g->sessions && g->issued < g->count; s++)
		gen_request(g, s, 0);
}

void nic_traffic_rx(struct nic *n, struct nic_fn *f, struct nic_pkt *p)
{
	(void)f;
	if (p->gen < 0)
		return;
	struct nic_gen *g = &n->gens[p->gen];
	(*g->st_packets)++;
	if (g->kind != GEN_RR)
		return;
	struct nic_pkt *r = gen_pkt(g, g->resp_size, p->flow);
	if (!r)
		return;
	r->session = p->session;
	r->t_gen = p->t_gen;
	nic_pkt_push(&g->think, r);
	sim_schedule(n->c.sim->k, nic_guest_cycles(n, g->think_cycles), gen_think_event, g);
}

void nic_traffic_tx_wire(struct nic *n, struct nic_pkt *p, sim_time_t now)
{
	if (p->gen < 0)
		return;
	struct nic_gen *g = &n->gens[p->gen];
	(*g->st_packets)++;
	if (g->kind != GEN_RR)
		return;
	(*g->st_transactions)++;
	hist_add(g->st_rr_latency, now - p->t_gen);
	if (!g->done++)
		g->first = p->t_gen;
	g->last = now;
	if (g->issued < g->count)
		gen_request(g, p->session, g->peer_latency);
}

void nic_traffic_tx_room(struct nic *n, struct nic_fn *f, unsigned q)
{
	(void)q;
	for (size_t i = 0; i < n->ngens; i++)
		if (n->gens[i].fn == f->idx && n->gens[i].tx)
			gen_fill(&n->gens[i]);
	if (n->trace_waiting && n->trace_have) {
		n->trace_waiting = false;
		sim_schedule(n->c.sim->k, 0, nic_trace_event, n);
	}
}

/* ---- set-up ---- */

static int gen_stats(struct nic *n, struct nic_gen *g, struct iov_err *e)
{
	struct stats *st = n->c.sim->stats;
	char p[256];
#define GEN_PATH(leaf) (snprintf(p, sizeof(p), "components.%s.gen%d." leaf, n->c.name, g->idx), p)
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

static int gen_load(struct nic *n, struct nic_gen *g, const struct cfg_node *node,
		    struct iov_err *e)
{
	struct netgen_spec gs;
	char what[160];
	snprintf(what, sizeof(what), "traffic generator %d of '%s'", g->idx, n->c.name);
	if (netgen_load(node, what, &gs, e))
		return -1;
	struct nic_fn *f = traffic_fn(n, gs.fn);
	if (!f)
		return traffic_fn_err(n, cfg_get(node, "fn"), gs.fn, e);
	g->fn = f->idx;
	g->kind = gs.kind == NETGEN_RR ? GEN_RR : GEN_STREAM;
	g->tx = gs.tx;
	g->size = gs.size;
	g->resp_size = gs.resp_size;
	if (g->size > n->p.buf_size || g->resp_size > n->p.buf_size)
		return cfg_err(e, node, "%s: packets of %u bytes do not fit a %llu-byte buffer "
			       "(buf_size)", what, g->size > g->resp_size ? g->size : g->resp_size,
			       (unsigned long long)n->p.buf_size);
	g->count = gs.count;
	g->flows = gs.flows ? gs.flows : f->nqp;
	g->sessions = gs.sessions;
	g->start = gs.start;
	g->think_cycles = gs.think_cycles;
	g->peer_latency = gs.peer_latency;
	g->interval = gs.interval;
	if (strcmp(gs.dst, "wire")) {
		struct nic_fn *d = traffic_fn(n, gs.dst);
		if (!d)
			return traffic_fn_err(n, cfg_get(node, "dst"), gs.dst, e);
		g->dst_mac = d->mac;
	}
	return gen_stats(n, g, e);
}

int nic_traffic_load(struct nic *n, struct iov_err *e)
{
	const struct cfg_node *t = n->p.traffic;
	if (nic_flows_load(n, e))
		return -1;
	if (!t || (t->kind == CFG_SCALAR && !t->str[0]))
		return 0;
	if (t->kind != CFG_SEQ)
		return cfg_err(e, t, "traffic must be a list of generators {fn, type: stream|rr, ...}");
	n->gens = calloc(t->n ? t->n : 1, sizeof(*n->gens));
	if (!n->gens)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		struct nic_gen *g = &n->gens[i];
		g->n = n;
		g->idx = (int)i;
		n->ngens++;
		if (gen_load(n, g, t->items[i], e))
			return -1;
	}
	return 0;
}

void nic_traffic_start(struct nic *n)
{
	struct sim_kernel *k = n->c.sim->k;
	for (size_t i = 0; i < n->ngens; i++) {
		struct nic_gen *g = &n->gens[i];
		sim_schedule_at(k, g->start, g->kind == GEN_RR ? gen_rr_start : gen_stream_event, g);
	}
	if (n->ts)
		sim_schedule(k, 0, nic_trace_event, n);
}

void nic_traffic_finish(struct nic *n)
{
	for (size_t i = 0; i < n->ngens; i++) {
		struct nic_gen *g = &n->gens[i];
		*g->st_tps = g->done && g->last > g->first
			? (double)g->done * 1e12 / (double)(g->last - g->first) : 0.0;
	}
}

static void fifo_drain(struct nic *n, struct nic_pkt_fifo *q)
{
	struct nic_pkt *p;
	while ((p = nic_pkt_pop(q)))
		nic_pkt_free(n, p);
}

void nic_traffic_free(struct nic *n)
{
	for (size_t i = 0; i < n->ngens; i++) {
		fifo_drain(n, &n->gens[i].backlog);
		fifo_drain(n, &n->gens[i].think);
		fifo_drain(n, &n->gens[i].peer);
	}
	free(n->gens);
	n->gens = NULL;
	n->ngens = 0;
}
