/* nic_wire.c - the NIC's network port at line rate and its embedded switch
 *
 * The port sends one frame at a time: a packet of L bytes occupies the wire
 * for (L + wire_overhead) x 8 / line_rate (Ethernet's preamble, start
 * delimiter and inter-frame gap: 20 B); TX packets take the wire in the order
 * their data arrived in the device. The RX side is the same in the other
 * direction: the peer's frames arrive back to back at most at line rate; a
 * packet is in the device when its last bit is. The port's timing and
 * queues are the shared models/net/net_wire.c; here: what the NIC does
 * when a frame has left (stats, the descriptor done, TX buffer room) or is in.
 *
 * Embedded switch: a TX packet whose destination MAC belongs to another
 * function of this NIC with the same VLAN never reaches the wire: it is
 * handed to that function's RX path 'eswitch_latency' later. Such traffic
 * never crosses PCIe, ACS or the IOMMU between the two functions: counted in
 * components.<nic>.eswitch.* and isolation.eswitch_local. With 'eswitch:
 * false' every TX packet goes out on the wire. The PF shows the switch to
 * the isolation audit through pcie_fn.iswitch (pcie_topo.h): its ports are
 * the functions, and port i forwards to port j exactly when the lookup below
 * would pick j for j's MAC (as the functions are configured at start; the
 * mailbox may change MACs and VLANs later).
 *
 * Not modelled: pause frames / flow control, FCS errors, MAC learning (the
 * switch knows the functions' MACs), broadcast and multicast replication,
 * VLAN tag bytes on the wire.
 */
#include "nic_impl.h"

sim_time_t nic_wire_time(const struct nic *n, uint32_t len)
{
	return net_wire_time(&n->wire, len);
}

static void wire_note(struct nic *n, sim_time_t now)
{
	if (!n->wire_any)
		n->wire_first = now;
	n->wire_last = now;
	n->wire_any = true;
}

static void wire_tx_end(void *arg)
{
	struct nic *n = arg;
	sim_time_t now = sim_now(n->c.sim->k);
	struct nic_pkt *p = nic_pkt_of(net_wire_tx_pop(&n->wire));
	struct nic_fn *f = nic_fn_at(n, p->src_fn);
	(*n->st_wire_tx)++;
	n->wire_tx_bytes += p->len;
	wire_note(n, now);
	nic_count_tx(f, p->len, now);
	nic_latency(f, true, now - p->t0);
	nic_traffic_tx_wire(n, p, now);
	uint32_t len = p->len;
	nic_tx_done(n, p);              /* frees p if its function was reset meanwhile */
	net_wire_start(&n->wire);
	nic_tx_buffer_free(n, len);
}

static void wire_rx_end(void *arg)
{
	struct nic *n = arg;
	sim_time_t now = sim_now(n->c.sim->k);
	struct nic_pkt *p = nic_pkt_of(net_wire_rx_pop(&n->wire));
	(*n->st_wire_rx)++;
	n->wire_rx_bytes += p->len;
	wire_note(n, now);
	p->t0 = now;
	nic_rx_arrive(n, p);
}

void nic_wire_recv(struct nic *n, struct nic_pkt *p, sim_time_t at)
{
	net_wire_recv(&n->wire, &p->net, at);
}

void nic_wire_init(struct nic *n)
{
	net_wire_init(&n->wire, n->c.sim->k, n->p.line_rate, n->p.wire_overhead, wire_tx_end,
		      wire_rx_end, n);
}

/* ---- embedded switch ---- */

static struct nic_fn *eswitch_lookup(const struct nic *n, const struct nic_fn *src,
				     uint64_t mac)
{
	if (!mac || !n->p.eswitch)
		return NULL;
	for (unsigned i = 0; i < n->nfns; i++) {
		const struct nic_fn *f = &n->fns[i];
		if (f != src && f->mac == mac && f->vlan == src->vlan)
			return (struct nic_fn *)f;
	}
	return NULL;
}

static void eswitch_arrive(void *arg)
{
	struct nic *n = arg;
	nic_rx_arrive(n, nic_pkt_pop(&n->local_q));
}

/* p goes to local function d: a copy enters d's RX path, p is done for TX. */
static void eswitch_forward(struct nic *n, struct nic_fn *src, struct nic_fn *d,
			    struct nic_pkt *p)
{
	sim_time_t now = sim_now(n->c.sim->k);
	struct nic_pkt *c = nic_pkt_alloc(n);
	if (!c)
		return;
	*c = *p;
	c->next = NULL;
	c->dst_fn = d->idx;
	c->gen = -1;                    /* the receiver sinks it */
	c->t0 = now + n->p.eswitch_latency;
	(*n->st_eswitch_local)++;
	*n->st_eswitch_bytes += p->len;
	(*n->tot->local_packets)++;
	*n->tot->local_bytes += p->len;
	(*n->tot->iso_local)++;
	(*src->st.local_tx)++;
	(*d->st.local_rx)++;
	nic_count_tx(src, p->len, now);
	nic_latency(src, true, now - p->t0);
	nic_pkt_push(&n->local_q, c);
	sim_schedule(n->c.sim->k, n->p.eswitch_latency, eswitch_arrive, n);
	nic_tx_done(n, p);
	nic_tx_buffer_free(n, p->len);
}

void nic_wire_send(struct nic *n, struct nic_pkt *p)
{
	struct nic_fn *f = nic_fn_at(n, p->src_fn);
	struct nic_fn *d = eswitch_lookup(n, f, p->dst_mac);
	if (d) {
		eswitch_forward(n, f, d, p);
		return;
	}
	net_wire_send(&n->wire, &p->net);
}

/* ---- the switch as the audit sees it (pcie_iswitch) ---- */

static const struct nic *isw_nic(const struct pcie_iswitch *sw)
{
	return sw->ctx;
}

static unsigned isw_nports(const struct pcie_iswitch *sw)
{
	return isw_nic(sw)->nfns;
}

static const struct pcie_fn *isw_fn(const struct pcie_iswitch *sw, unsigned i)
{
	return isw_nic(sw)->fns[i].pfn;
}

static unsigned isw_vlan(const struct pcie_iswitch *sw, unsigned i)
{
	return isw_nic(sw)->fns[i].vlan;
}

static bool isw_forwards(const struct pcie_iswitch *sw, unsigned i, unsigned j)
{
	const struct nic *n = isw_nic(sw);
	return i != j && eswitch_lookup(n, &n->fns[i], n->fns[j].mac) == &n->fns[j];
}

static const struct pcie_iswitch_ops nic_isw_ops = {
	.nports = isw_nports,
	.fn = isw_fn,
	.vlan = isw_vlan,
	.forwards = isw_forwards,
};

void nic_eswitch_attach(struct nic *n)
{
	n->isw = (struct pcie_iswitch){ .filter = "destination MAC and VLAN",
					.enabled = n->p.eswitch != 0, .ops = &nic_isw_ops,
					.ctx = n };
	n->fns[0].pfn->iswitch = &n->isw;
}
