/* nic_wire.c - the NIC's network port at line rate and its embedded switch
 *
 * The port sends one frame at a time: a packet of L bytes occupies the wire
 * for (L + wire_overhead) x 8 / line_rate (Ethernet's preamble, start
 * delimiter and inter-frame gap: 20 B); TX packets take the wire in the order
 * their data arrived in the device. The RX side is the same in the other
 * direction: the peer's frames arrive back to back at most at line rate; a
 * packet is in the device when its last bit is.
 *
 * Embedded switch: a TX packet whose destination MAC belongs to another
 * function of this NIC with the same VLAN never reaches the wire: it is
 * handed to that function's RX path 'eswitch_latency' later. Such traffic
 * never crosses PCIe, ACS or the IOMMU between the two functions: counted in
 * components.<nic>.eswitch.* and isolation.eswitch_local.
 *
 * Not modelled: pause frames / flow control, FCS errors, MAC learning (the
 * switch knows the functions' MACs), broadcast and multicast replication,
 * VLAN tag bytes on the wire.
 */
#include <math.h>

#include "nic_impl.h"

static void wire_start(struct nic *n);

sim_time_t nic_wire_time(const struct nic *n, uint32_t len)
{
	double bytes = (double)len + (double)n->p.wire_overhead;
	return (sim_time_t)llround(bytes * 1e12 / n->p.line_rate);
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
	struct nic_pkt *p = nic_pkt_pop(&n->wire_q);
	struct nic_fn *f = nic_fn_at(n, p->src_fn);
	n->wire_busy = false;
	(*n->st_wire_tx)++;
	n->wire_tx_bytes += p->len;
	wire_note(n, now);
	nic_count_tx(f, p->len, now);
	nic_latency(f, true, now - p->t0);
	nic_traffic_tx_wire(n, p, now);
	nic_tx_done(n, p);
	wire_start(n);
	nic_tx_buffer_free(n, p->len);
}

static void wire_start(struct nic *n)
{
	if (n->wire_busy || !n->wire_q.head)
		return;
	n->wire_busy = true;
	sim_schedule(n->c.sim->k, nic_wire_time(n, n->wire_q.head->len), wire_tx_end, n);
}

static void wire_rx_end(void *arg)
{
	struct nic *n = arg;
	sim_time_t now = sim_now(n->c.sim->k);
	struct nic_pkt *p = nic_pkt_pop(&n->rxw_q);
	(*n->st_wire_rx)++;
	n->wire_rx_bytes += p->len;
	wire_note(n, now);
	p->t0 = now;
	nic_rx_arrive(n, p);
}

void nic_wire_recv(struct nic *n, struct nic_pkt *p, sim_time_t at)
{
	struct sim_kernel *k = n->c.sim->k;
	sim_time_t start = at > sim_now(k) ? at : sim_now(k);
	if (start < n->rx_busy_until)
		start = n->rx_busy_until;
	n->rx_busy_until = start + nic_wire_time(n, p->len);
	nic_pkt_push(&n->rxw_q, p);
	sim_schedule_at(k, n->rx_busy_until, wire_rx_end, n);
}

/* ---- embedded switch ---- */

static struct nic_fn *eswitch_lookup(struct nic *n, const struct nic_fn *src, uint64_t mac)
{
	if (!mac)
		return NULL;
	for (unsigned i = 0; i < n->nfns; i++) {
		struct nic_fn *f = &n->fns[i];
		if (f != src && f->mac == mac && f->vlan == src->vlan)
			return f;
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
	nic_pkt_push(&n->wire_q, p);
	wire_start(n);
}
