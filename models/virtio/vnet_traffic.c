/* vnet_traffic.c - what virtio-net sends and receives: packet traces and the netperf-like generators
 *
 * 'traffic:' is a list of generators with the keys and meaning of
 * models/net/netgen.h, the same as the SR-IOV NIC's, so one description runs
 * over either path, run by the shared engine (models/net/net_traffic.c) over
 * this device's ops; 'fn' must be this device's name and 'dst' the wire
 * (virtio-net has no embedded switch). One queue pair: flows only label
 * packets. stream tx with rate 0 keeps the TX ring full; with a rate, a
 * packet due while the ring is full is dropped (tx_ring_full) and one due
 * while the vCPU is out of the guest (a kick exit) waits for it. rr: the
 * peer's request arrives from the wire, the driver receives it, the
 * application thinks think_cycles of guest CPU, on the vCPU's time line
 * after the driver's work and exits, and posts the response; the
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

#include "models/net/net_traffic.h"
#include "vnet_impl.h"

/* A generator: the engine's state (virtio-net needs nothing of its own:
 * one queue pair, the wire as the only destination). */
struct vnet_gen {
	struct net_gen g;
};

/* ---- the engine's ops ---- */

static struct net_pkt *gen_alloc(void *dev)
{
	struct vnet_pkt *p = vnet_pkt_alloc(dev);
	return p ? &p->net : NULL;
}

static void gen_free(void *dev, struct net_pkt *p)
{
	vnet_pkt_free(dev, vnet_pkt_of(p));
}

/* The guest sends p; VNET_BUSY (the vCPU is out of the guest) waits in the
 * backlog; a full ring in a fill waits too (sending counted it). */
static enum net_gen_post gen_tx(void *dev, struct net_gen *g, struct net_pkt *p, bool fill)
{
	(void)g;
	switch (vnet_drv_send(dev, vnet_pkt_of(p))) {
	case VNET_SENT:
		return NET_GEN_SENT;
	case VNET_FULL:
		return fill ? NET_GEN_BUSY : NET_GEN_FULL;
	default:
		return NET_GEN_BUSY;
	}
}

static void gen_rx(void *dev, struct net_gen *g, struct net_pkt *p, sim_time_t at)
{
	(void)g;
	vnet_wire_recv(dev, vnet_pkt_of(p), at);
}

static sim_time_t gen_rx_free_at(void *dev)
{
	return ((struct vnet *)dev)->wire.rx_busy_until;
}

static sim_time_t gen_guest_cycles(void *dev, uint64_t cycles)
{
	return vnet_guest_cycles(dev, cycles);
}

/* rr think work on the device's vCPU, after its exits and the driver's work
 * (as the driver's own work: the vCPU is busy until it ends). */
static sim_time_t gen_think(void *dev, struct net_gen *g, const struct net_pkt *req,
			    uint64_t cycles)
{
	(void)g;
	(void)req;
	struct vnet *v = dev;
	return vnet_drv_work(v, cycles, sim_now(v->c.sim->k));
}

static const struct net_gen_ops vnet_gen_ops = {
	.alloc = gen_alloc,
	.free = gen_free,
	.tx = gen_tx,
	.tx_flush = NULL,               /* vnet_drv_send kicks as the driver would */
	.rx = gen_rx,
	.rx_free_at = gen_rx_free_at,
	.guest_cycles = gen_guest_cycles,
	.think = gen_think,
};

void vnet_traffic_rx(struct vnet *v, struct vnet_pkt *p, sim_time_t now)
{
	(void)now;
	if (p->gen >= 0)
		net_gen_rx(&v->gens[p->gen].g, &p->net);
}

void vnet_traffic_tx_wire(struct vnet *v, struct vnet_pkt *p, sim_time_t now)
{
	if (p->gen >= 0)
		net_gen_tx_wire(&v->gens[p->gen].g, &p->net, now);
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
		if (v->gens[i].g.s.tx || v->gens[i].g.s.kind == NETGEN_RR)
			net_gen_fill(&v->gens[i].g);
	if (v->trace_waiting && v->trace_have) {
		v->trace_waiting = false;
		sim_schedule(v->c.sim->k, 0, trace_event, v);
	}
}

/* ---- set-up ---- */

static int gen_load(struct vnet *v, struct vnet_gen *vg, int idx, const struct cfg_node *node,
		    struct iov_err *e)
{
	struct netgen_spec gs;
	char what[160];
	snprintf(what, sizeof(what), "traffic generator %d of '%s'", idx, v->c.name);
	if (netgen_load(node, what, &gs, e))
		return -1;
	if (strcmp(gs.fn, v->c.name))
		return cfg_err(e, cfg_get(node, "fn"), "'%s' is not this device: a virtio_net's "
			       "generators have fn: %s", gs.fn, v->c.name);
	if (strcmp(gs.dst, "wire"))
		return cfg_err(e, cfg_get(node, "dst"), "%s: dst '%s': virtio-net sends only to the "
			       "wire (it has no embedded switch)", what, gs.dst);
	if (!gs.flows)
		gs.flows = 1;
	return net_gen_init(&vg->g, &gs, idx, &vnet_gen_ops, v, &v->c, e);
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
		v->ngens++;
		if (gen_load(v, &v->gens[i], (int)i, t->items[i], e))
			return -1;
	}
	return 0;
}

void vnet_traffic_start(struct vnet *v)
{
	for (size_t i = 0; i < v->ngens; i++)
		net_gen_start(&v->gens[i].g);
	if (v->ts)
		sim_schedule(v->c.sim->k, 0, trace_event, v);
}

void vnet_traffic_finish(struct vnet *v)
{
	for (size_t i = 0; i < v->ngens; i++)
		net_gen_finish(&v->gens[i].g);
}

void vnet_traffic_free(struct vnet *v)
{
	for (size_t i = 0; i < v->ngens; i++)
		net_gen_drain(&v->gens[i].g);
	free(v->gens);
	v->gens = NULL;
	v->ngens = 0;
	trace_close(v->ts);
	v->ts = NULL;
}
