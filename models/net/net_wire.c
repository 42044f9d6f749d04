/* net_wire.c - a network port at line rate (net_wire.h)
 *
 * Not modelled: see net_wire.h.
 */
#include <math.h>

#include "models/net/net_wire.h"

void net_wire_init(struct net_wire *w, struct sim_kernel *k, double line_rate, uint64_t overhead,
		   sim_event_fn tx_end, sim_event_fn rx_end, void *dev)
{
	*w = (struct net_wire){ .line_rate = line_rate, .overhead = overhead, .k = k,
				.tx_end = tx_end, .rx_end = rx_end, .dev = dev };
}

sim_time_t net_wire_time(const struct net_wire *w, uint32_t len)
{
	double bytes = (double)len + (double)w->overhead;
	return (sim_time_t)llround(bytes * 1e12 / w->line_rate);
}

void net_wire_start(struct net_wire *w)
{
	if (w->tx_busy || !w->tx_q.head)
		return;
	w->tx_busy = true;
	sim_schedule(w->k, net_wire_time(w, w->tx_q.head->len), w->tx_end, w->dev);
}

void net_wire_send(struct net_wire *w, struct net_pkt *p)
{
	net_fifo_push(&w->tx_q, p);
	net_wire_start(w);
}

struct net_pkt *net_wire_tx_pop(struct net_wire *w)
{
	w->tx_busy = false;
	return net_fifo_pop(&w->tx_q);
}

void net_wire_recv(struct net_wire *w, struct net_pkt *p, sim_time_t at)
{
	sim_time_t start = at > sim_now(w->k) ? at : sim_now(w->k);
	if (start < w->rx_busy_until)
		start = w->rx_busy_until;
	w->rx_busy_until = start + net_wire_time(w, p->len);
	net_fifo_push(&w->rx_q, p);
	sim_schedule_at(w->k, w->rx_busy_until, w->rx_end, w->dev);
}

struct net_pkt *net_wire_rx_pop(struct net_wire *w)
{
	return net_fifo_pop(&w->rx_q);
}
