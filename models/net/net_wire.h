/* net_wire.h - a network port at line rate, one frame at a time each way, shared by the network devices
 *
 * A packet of L bytes occupies the wire for (L + overhead) / line_rate
 * (Ethernet's preamble, start delimiter and inter-frame gap: overhead 20 B).
 * TX: packets take the wire in the order they were sent; the device's tx_end
 * event runs when the head's last bit has left, takes it (net_wire_tx_pop)
 * and starts the next (net_wire_start) where in its own handling it wants.
 * RX: the peer's frames arrive back to back at most at line rate; the
 * device's rx_end event runs at each one's last bit and takes it
 * (net_wire_rx_pop). Used by the SR-IOV NIC (models/nic/nic_wire.c) and
 * virtio-net (models/virtio/vnet_backend.c).
 *
 * Not modelled: pause frames / flow control, FCS errors, VLAN tag bytes.
 */
#ifndef IOVSIM_NET_WIRE_H
#define IOVSIM_NET_WIRE_H

#include <stdbool.h>

#include "kernel.h"
#include "models/net/net_pkt.h"

struct net_wire {
	double line_rate;               /* bytes per second */
	uint64_t overhead;              /* bytes per frame beyond the packet */
	struct sim_kernel *k;
	struct net_fifo tx_q;           /* TX: the frame on the wire (head), then those waiting */
	struct net_fifo rx_q;           /* RX: frames on the wire, in arrival order */
	bool tx_busy;
	sim_time_t rx_busy_until;       /* when the last RX frame's last bit is in */
	sim_event_fn tx_end, rx_end;    /* the device's events (argument: dev) */
	void *dev;
};

/* Set w up (both directions idle). line_rate > 0. */
void net_wire_init(struct net_wire *w, struct sim_kernel *k, double line_rate, uint64_t overhead,
		   sim_event_fn tx_end, sim_event_fn rx_end, void *dev);
/* How long a packet of len bytes occupies the wire. */
sim_time_t net_wire_time(const struct net_wire *w, uint32_t len);
/* Queue p to send and start it if the wire is idle. The wire holds p until
 * the device pops it in tx_end. */
void net_wire_send(struct net_wire *w, struct net_pkt *p);
/* In tx_end: the packet whose last bit has left (the wire is idle now). */
struct net_pkt *net_wire_tx_pop(struct net_wire *w);
/* Start the next waiting packet, if the wire is idle and one waits. */
void net_wire_start(struct net_wire *w);
/* The peer's p starts arriving at 'at' (not before now, nor before the
 * previous frame is in); rx_end runs at its last bit. */
void net_wire_recv(struct net_wire *w, struct net_pkt *p, sim_time_t at);
/* In rx_end: the packet whose last bit is in. */
struct net_pkt *net_wire_rx_pop(struct net_wire *w);

#endif
