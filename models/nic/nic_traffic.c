/* nic_traffic.c - the NIC's netperf-like generators: their functions, queues and destinations over the shared engine
 *
 * 'traffic:' lists generators (keys: models/net/netgen.h), each for one
 * function ('fn': "nic0", "nic0.vf3"); the engine (models/net/net_traffic.c)
 * runs stream and rr. Here: a generator's packets spread over its function's
 * queue pairs (flow k -> queue k mod queues; flows default to one per queue);
 * a TX stream goes to 'dst' (the wire, or a function's MAC through the
 * embedded switch), rr responses to the wire; the driver posts with the
 * doorbell deferred while the generator fills the rings, then rings each
 * queue it posted on once. Packet traces ('trace:', 'flows:') are in
 * nic_trace.c.
 *
 * Not modelled: TCP (windows, ACKs, retransmission), packet contents, the
 * peer's own stack (a fixed peer_latency).
 */
#include <stdlib.h>
#include <string.h>

#include "models/net/net_traffic.h"
#include "nic_impl.h"

struct nic_gen {
	struct net_gen g;
	struct nic *n;
	uint16_t fn;
	uint64_t dst_mac;               /* stream TX: 0 = the wire */
	uint32_t kicked;                /* queues posted on with the doorbell deferred */
};
_Static_assert(NIC_MAX_QP <= 32, "nic_gen.kicked is a mask of 32 queues");

static struct nic_gen *nic_gen_of(struct net_gen *g)
{
	return container_of(g, struct nic_gen, g);
}

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

/* ---- the engine's ops ---- */

static struct net_pkt *gen_alloc(void *dev)
{
	struct nic_pkt *p = nic_pkt_alloc(dev);
	return p ? &p->net : NULL;
}

static void gen_free(void *dev, struct net_pkt *p)
{
	nic_pkt_free(dev, nic_pkt_of(p));
}

static enum net_gen_post gen_tx(void *dev, struct net_gen *g, struct net_pkt *np, bool fill)
{
	struct nic_gen *ng = nic_gen_of(g);
	struct nic_fn *f = &((struct nic *)dev)->fns[ng->fn];
	struct nic_pkt *p = nic_pkt_of(np);
	unsigned q = p->flow % f->nqp;
	if (f->drv_down) {              /* FLR: no driver; a rated stream's packet is lost */
		if (!fill)
			(*f->st.flr_dropped_pkts)++;
		return fill ? NET_GEN_BUSY : NET_GEN_FULL;
	}
	if (g->s.kind == NETGEN_STREAM)
		p->dst_mac = ng->dst_mac;
	if (!fill)
		return nic_drv_post_tx(f, q, p, false) ? NET_GEN_SENT : NET_GEN_FULL;
	if (!nic_drv_tx_free(f, q))
		return NET_GEN_BUSY;    /* posted again as the ring drains */
	nic_drv_post_tx(f, q, p, true);
	ng->kicked |= 1u << q;
	return NET_GEN_SENT;
}

static void gen_tx_flush(void *dev, struct net_gen *g)
{
	struct nic_gen *ng = nic_gen_of(g);
	struct nic_fn *f = &((struct nic *)dev)->fns[ng->fn];
	for (unsigned q = 0; q < f->nqp; q++)
		if (ng->kicked & (1u << q))
			nic_drv_kick(f, q);
	ng->kicked = 0;
}

static void gen_rx(void *dev, struct net_gen *g, struct net_pkt *p, sim_time_t at)
{
	nic_pkt_of(p)->dst_fn = nic_gen_of(g)->fn;
	nic_wire_recv(dev, nic_pkt_of(p), at);
}

static sim_time_t gen_rx_free_at(void *dev)
{
	return ((struct nic *)dev)->wire.rx_busy_until;
}

static sim_time_t gen_guest_cycles(void *dev, uint64_t cycles)
{
	return nic_guest_cycles(dev, cycles);
}

/* rr think work on the vCPU that took the request's RX vector (2 x queue). */
static sim_time_t gen_think(void *dev, struct net_gen *g, const struct net_pkt *req,
			    uint64_t cycles)
{
	struct nic *n = dev;
	struct nic_fn *f = &n->fns[nic_gen_of(g)->fn];
	const struct nic_pkt *p = (const struct nic_pkt *)req;
	return nic_drv_work(f, 2u * p->queue, cycles, sim_now(n->c.sim->k));
}

static const struct net_gen_ops nic_gen_ops = {
	.alloc = gen_alloc,
	.free = gen_free,
	.tx = gen_tx,
	.tx_flush = gen_tx_flush,
	.rx = gen_rx,
	.rx_free_at = gen_rx_free_at,
	.guest_cycles = gen_guest_cycles,
	.think = gen_think,
};

/* ---- the device's calls ---- */

void nic_traffic_rx(struct nic *n, struct nic_fn *f, struct nic_pkt *p)
{
	(void)f;
	if (p->gen >= 0)
		net_gen_rx(&n->gens[p->gen].g, &p->net);
}

void nic_traffic_tx_wire(struct nic *n, struct nic_pkt *p, sim_time_t now)
{
	if (p->gen >= 0)
		net_gen_tx_wire(&n->gens[p->gen].g, &p->net, now);
}

void nic_traffic_tx_room(struct nic *n, struct nic_fn *f, unsigned q)
{
	(void)q;
	for (size_t i = 0; i < n->ngens; i++) {
		struct net_gen *g = &n->gens[i].g;
		if (n->gens[i].fn == f->idx && (g->s.tx || g->s.kind == NETGEN_RR))
			net_gen_fill(g);        /* rr: responses waiting for room */
	}
	if (n->trace_waiting && n->trace_have) {
		n->trace_waiting = false;
		sim_schedule(n->c.sim->k, 0, nic_trace_event, n);
	}
}

/* ---- set-up ---- */

static int gen_load(struct nic *n, struct nic_gen *ng, int idx, const struct cfg_node *node,
		    struct iov_err *e)
{
	struct netgen_spec gs;
	char what[160];
	snprintf(what, sizeof(what), "traffic generator %d of '%s'", idx, n->c.name);
	if (netgen_load(node, what, &gs, e))
		return -1;
	struct nic_fn *f = traffic_fn(n, gs.fn);
	if (!f)
		return traffic_fn_err(n, cfg_get(node, "fn"), gs.fn, e);
	ng->n = n;
	ng->fn = f->idx;
	if (gs.size > n->p.buf_size || gs.resp_size > n->p.buf_size)
		return cfg_err(e, node, "%s: packets of %u bytes do not fit a %llu-byte buffer "
			       "(buf_size)", what, gs.size > gs.resp_size ? gs.size : gs.resp_size,
			       (unsigned long long)n->p.buf_size);
	if (!gs.flows)
		gs.flows = f->nqp;
	if (strcmp(gs.dst, "wire")) {
		struct nic_fn *d = traffic_fn(n, gs.dst);
		if (!d)
			return traffic_fn_err(n, cfg_get(node, "dst"), gs.dst, e);
		ng->dst_mac = d->mac;
	}
	return net_gen_init(&ng->g, &gs, idx, &nic_gen_ops, n, &n->c, e);
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
		n->ngens++;
		if (gen_load(n, &n->gens[i], (int)i, t->items[i], e))
			return -1;
	}
	return 0;
}

void nic_traffic_start(struct nic *n)
{
	for (size_t i = 0; i < n->ngens; i++)
		net_gen_start(&n->gens[i].g);
	if (n->ts)
		sim_schedule(n->c.sim->k, 0, nic_trace_event, n);
}

void nic_traffic_finish(struct nic *n)
{
	for (size_t i = 0; i < n->ngens; i++)
		net_gen_finish(&n->gens[i].g);
}

void nic_traffic_free(struct nic *n)
{
	for (size_t i = 0; i < n->ngens; i++)
		net_gen_drain(&n->gens[i].g);
	free(n->gens);
	n->gens = NULL;
	n->ngens = 0;
}
