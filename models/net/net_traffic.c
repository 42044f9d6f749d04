/* net_traffic.c - the netperf-like generators' engine (net_traffic.h): stream and rr over a device's ops
 *
 * stream  TX without a rate keeps the ring full: net_gen_fill posts until the
 *         device says BUSY and runs again when the device frees TX room; with
 *         a rate, a packet is due every interval and is dropped if the ring
 *         is full (a packet the device cannot take yet, BUSY, waits in the
 *         backlog). RX: the peer sends at the rate or back to back as the
 *         wire frees (rx_free_at).
 * rr      closed loop, 'sessions' at once: the peer sends a request (RX);
 *         when the guest driver has received it the application thinks
 *         think_cycles guest cycles and posts the response (TX, through the
 *         backlog); the device's think op reserves that work on the vCPU
 *         that received the request (after its exits and driver work; with
 *         no host it is think_cycles of the guest clock from the handler);
 *         when it has left on the wire the transaction is done (latency
 *         from the peer's request send), and the peer sends the next
 *         request peer_latency later.
 * Flow k of a generator labels its k-th packet (k mod flows; rr: the session).
 *
 * Not modelled: TCP, packet contents, the peer's own stack.
 */
#include <stdio.h>

#include "models/net/net_traffic.h"

static struct net_pkt *gen_pkt(struct net_gen *g, uint32_t len, uint32_t flow)
{
	struct net_pkt *p = g->ops->alloc(g->dev);
	if (!p)
		return NULL;
	p->len = len;
	p->flow = flow;
	p->gen = g->idx;
	return p;
}

static bool gen_asap_tx(const struct net_gen *g)
{
	return g->s.kind == NETGEN_STREAM && g->s.tx && !g->s.interval;
}

/* Post the backlog; false if the device could not take all of it. */
static bool gen_post_backlog(struct net_gen *g)
{
	while (g->backlog.head) {
		if (g->ops->tx(g->dev, g, g->backlog.head, true) != NET_GEN_SENT)
			return false;
		net_fifo_pop(&g->backlog);
	}
	return true;
}

void net_gen_fill(struct net_gen *g)
{
	if (gen_post_backlog(g)) {
		while (gen_asap_tx(g) && g->issued < g->s.count && sim_now(g->k) >= g->s.start) {
			struct net_pkt *p = gen_pkt(g, g->s.size,
						    (uint32_t)(g->issued % g->s.flows));
			if (!p)
				return;
			if (g->ops->tx(g->dev, g, p, true) != NET_GEN_SENT) {
				g->ops->free(g->dev, p);        /* the ring is full: again as it drains */
				break;
			}
			g->issued++;
		}
	}
	if (g->ops->tx_flush)
		g->ops->tx_flush(g->dev, g);
}

/* ---- stream ---- */

static void gen_stream_event(void *arg)
{
	struct net_gen *g = arg;
	sim_time_t now = sim_now(g->k);
	if (g->issued >= g->s.count)
		return;
	if (gen_asap_tx(g)) {
		net_gen_fill(g);
		return;
	}
	struct net_pkt *p = gen_pkt(g, g->s.size, (uint32_t)(g->issued % g->s.flows));
	if (!p)
		return;
	g->issued++;
	if (g->s.tx) {
		enum net_gen_post r = g->backlog.head ? NET_GEN_BUSY
						      : g->ops->tx(g->dev, g, p, false);
		if (r == NET_GEN_BUSY)
			net_fifo_push(&g->backlog, p);
		else if (r == NET_GEN_FULL)
			g->ops->free(g->dev, p);        /* counted by the device (tx_ring_full) */
	} else {
		g->ops->rx(g->dev, g, p, now);
	}
	if (g->issued >= g->s.count)
		return;
	sim_time_t next = g->s.interval ? netgen_stream_time(&g->s, g->issued)
					: g->ops->rx_free_at(g->dev);
	sim_schedule_at(g->k, next, gen_stream_event, g);
}

/* ---- rr ---- */

static void gen_peer_event(void *arg)
{
	struct net_gen *g = arg;
	struct net_pkt *p = net_fifo_pop(&g->peer);
	p->t_gen = sim_now(g->k);
	g->ops->rx(g->dev, g, p, p->t_gen);
}

/* The peer sends the request of session s 'delay' from now. */
static void gen_request(struct net_gen *g, uint32_t s, sim_time_t delay)
{
	struct net_pkt *p = gen_pkt(g, g->s.size, s);
	if (!p)
		return;
	g->issued++;
	p->session = s;
	net_fifo_push(&g->peer, p);
	sim_schedule(g->k, delay, gen_peer_event, g);
}

/* Put r in the think list by t_due, after those due no later (the think
 * events fire in that order: same-time events are FIFO). */
static void gen_think_insert(struct net_gen *g, struct net_pkt *r)
{
	struct net_fifo *q = &g->think;
	if (!q->head || q->tail->t_due <= r->t_due) {
		net_fifo_push(q, r);
		return;
	}
	struct net_pkt **pp = &q->head;
	while ((*pp)->t_due <= r->t_due)
		pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
	q->n++;
}

static void gen_think_event(void *arg)
{
	struct net_gen *g = arg;
	net_fifo_push(&g->backlog, net_fifo_pop(&g->think));
	net_gen_fill(g);
}

static void gen_rr_start(void *arg)
{
	struct net_gen *g = arg;
	for (uint32_t s = 0; s < g->s.sessions && g->issued < g->s.count; s++)
		gen_request(g, s, 0);
}

void net_gen_rx(struct net_gen *g, const struct net_pkt *p)
{
	(*g->st_packets)++;
	if (g->s.kind != NETGEN_RR)
		return;
	struct net_pkt *r = gen_pkt(g, g->s.resp_size, p->flow);
	if (!r)
		return;
	r->session = p->session;
	r->t_gen = p->t_gen;
	sim_time_t now = sim_now(g->k);
	r->t_due = g->ops->think ? g->ops->think(g->dev, g, p, g->s.think_cycles)
				 : now + g->ops->guest_cycles(g->dev, g->s.think_cycles);
	if (r->t_due < now)
		r->t_due = now;
	gen_think_insert(g, r);
	sim_schedule_at(g->k, r->t_due, gen_think_event, g);
}

void net_gen_tx_wire(struct net_gen *g, const struct net_pkt *p, sim_time_t now)
{
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

/* ---- set-up ---- */

static int gen_stats(struct net_gen *g, const char *dev, struct stats *st, struct iov_err *e)
{
	char p[256];
#define GEN_PATH(leaf) (snprintf(p, sizeof(p), "components.%s.gen%d." leaf, dev, g->idx), p)
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

int net_gen_init(struct net_gen *g, const struct netgen_spec *s, int idx,
		 const struct net_gen_ops *ops, void *dev, struct component *comp,
		 struct iov_err *e)
{
	*g = (struct net_gen){ .s = *s, .ops = ops, .dev = dev, .k = comp->sim->k, .idx = idx };
	return gen_stats(g, comp->name, comp->sim->stats, e);
}

void net_gen_start(struct net_gen *g)
{
	sim_schedule_at(g->k, g->s.start, g->s.kind == NETGEN_RR ? gen_rr_start : gen_stream_event,
			g);
}

void net_gen_finish(struct net_gen *g)
{
	*g->st_tps = g->done && g->last > g->first
		? (double)g->done * 1e12 / (double)(g->last - g->first) : 0.0;
}

void net_gen_drain(struct net_gen *g)
{
	struct net_fifo *qs[] = { &g->backlog, &g->think, &g->peer };
	struct net_pkt *p;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		while ((p = net_fifo_pop(qs[i])))
			g->ops->free(g->dev, p);
}
