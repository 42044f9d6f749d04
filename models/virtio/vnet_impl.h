/* vnet_impl.h - the virtio_net component's state, shared by the files of models/virtio/ (private)
 *
 * Pieces: virtio_net.c (component, parameters, stats), vnet_backend.c (the
 * host back end thread: kicks or polling, copies, interrupts into the guest;
 * the wire), vnet_guest.c (the guest driver: TX posts and kicks, the RX
 * handler, refills), vnet_traffic.c (packet traces and the stream / rr
 * generators' device side), vnet_host.c (the calls into the host model,
 * behind an ops table, so another implementation - the unit tests' counting
 * host - can stand in for the host model). Shared with the SR-IOV NIC in models/net/: the packet pool and
 * FIFOs (net_pkt), the generators' engine (net_traffic, netgen), the port's
 * line-rate timing (net_wire).
 */
#ifndef IOVSIM_VNET_IMPL_H
#define IOVSIM_VNET_IMPL_H

#include "models/host/host.h"
#include "models/net/net_pkt.h"
#include "models/net/net_wire.h"
#include "models/pcie/pcie_topo.h"
#include "models/virtio/virtio_net.h"
#include "models/virtio/virtqueue.h"
#include "rng.h"
#include "sim.h"
#include "trace.h"

#define VNET_RX_VECTOR 0        /* interrupt index of the RX queue */
#define VNET_TX_VECTOR 1        /* ... of the TX queue */

enum vnet_kick { VNET_KICK_EXIT, VNET_KICK_NOTIFIER };

struct vnet_params {
	const char *host;
	uint64_t vcpu;
	uint64_t queue_size;
	int kick;                       /* enum vnet_kick */
	int suppression;                /* enum vq_suppress */
	double line_rate;               /* bytes per second */
	uint64_t wire_overhead;
	uint64_t kick_cycles;
	uint64_t tx_cycles_per_packet, rx_cycles_per_packet;
	double tx_cycles_per_byte, rx_cycles_per_byte;
	sim_time_t wakeup_latency;
	sim_time_t poll_interval;
	uint64_t poll_cycles;
	uint64_t rx_backlog;
	struct sim_clock guest_clock;
	uint64_t drv_irq_cycles, drv_pkt_cycles, app_cycles;
	const struct cfg_node *traffic;
	const char *trace;              /* path, "" = none */
};

/* ---- packets (pooled: no allocation per packet once the pool has grown) ---- */

struct vnet_pkt {
	NET_PKT_HEAD;                   /* next, len, flow, gen, session, t0, t_gen (net_pkt.h) */
};

static inline struct vnet_pkt *vnet_pkt_of(struct net_pkt *p)
{
	return (struct vnet_pkt *)p;    /* net is the first member */
}

static inline void vnet_fifo_push(struct net_fifo *q, struct vnet_pkt *p)
{
	net_fifo_push(q, &p->net);
}

static inline struct vnet_pkt *vnet_fifo_pop(struct net_fifo *q)
{
	return vnet_pkt_of(net_fifo_pop(q));
}

struct vnet;
/* A zeroed packet; NULL: out of memory (error set, run stopped). */
struct vnet_pkt *vnet_pkt_alloc(struct vnet *v);
void vnet_pkt_free(struct vnet *v, struct vnet_pkt *p);

/* ---- the component ---- */

struct vnet_stats {
	uint64_t *tx_packets, *tx_bytes, *rx_packets, *rx_bytes, *rx_drops;
	uint64_t *kicks, *kicks_suppressed, *exits, *interrupts, *tx_interrupts, *irqs_suppressed;
	uint64_t *irqs_coalesced, *tx_ring_full, *rx_no_buffer, *polls, *host_cycles;
	uint64_t *tx_host_cycles, *rx_host_cycles, *notify_cycles;
	double *tx_gbps, *rx_gbps, *host_cycles_per_packet, *host_cycles_per_byte;
	double *exits_per_packet, *kicks_per_packet, *packets_per_interrupt, *backend_busy;
	struct hist *tx_latency, *rx_latency;
	sim_time_t tx_first, tx_last, rx_first, rx_last;
	bool any_tx, any_rx;
};

struct vnet {
	struct component c;
	struct vnet_params p;
	const struct cfg_node *node;    /* the component's map, for located errors */
	const struct vnet_host_ops *hops;
	void *host;
	int vm;
	struct pcie_fn fn;              /* the guest's view of the device, for the host's calls */
	struct virtqueue txq, rxq;
	/* guest driver */
	sim_time_t guest_busy;          /* the vCPU is in the driver or out of the guest until */
	bool tx_stopped;                /* TX ring full: the driver waits for a TX interrupt */
	struct vnet_pkt **tx_slot;      /* per TX ring slot: its packet */
	bool room_pending;              /* a "send again" call to the traffic is scheduled */
	bool rx_handler_busy;           /* the RX handler (NAPI poll) is running */
	bool irq_in_flight[2];          /* injected, handler not yet started (per vector) */
	uint32_t rx_refill;             /* RX buffers consumed, to post again */
	/* back end */
	bool be_busy;                   /* processing (not waiting for a kick / poll) */
	bool be_wake_pending;
	sim_time_t be_idle_since;       /* notifier: polls since then not yet charged */
	sim_time_t be_busy_time;
	sim_time_t be_busy_start;
	bool be_rx_turn;                /* alternate TX and RX work */
	bool rx_wants_kick;             /* ran out of RX buffers: asked the guest to kick */
	struct net_fifo backlog;       /* RX packets in the host waiting for a guest buffer */
	struct vnet_pkt **rx_slot;      /* per RX ring slot: the packet written into it */
	struct vnet_pkt *be_cur;        /* the packet being copied */
	bool be_cur_rx;
	/* wire */
	struct net_wire wire;           /* the host's port (models/net/net_wire.h) */
	/* packet pool */
	struct net_pool pkts;
	/* traffic */
	struct vnet_gen *gens;
	size_t ngens;
	struct trace_stream *ts;
	struct trace_rec trace_cur;
	bool trace_have, trace_eof, trace_waiting;
	struct net_fifo tx_wait;       /* TX packets the guest could not post yet (ring full) */
	struct rng rng;
	struct vnet_stats st;
};

/* The guest's CPU time for 'cycles'. */
static inline sim_time_t vnet_guest_cycles(const struct vnet *v, uint64_t cycles)
{
	return sim_clock_cycles(&v->p.guest_clock, cycles);
}

/* vnet_guest.c: guest work of 'cycles' on the device's vCPU from 'now', after
 * what the vCPU has reserved (the host's guest_work; without it timed with
 * guest_clock); the vCPU is busy until it ends. Returns the end. Driver work
 * and the rr think time both go through it. */
sim_time_t vnet_drv_work(struct vnet *v, uint64_t cycles, sim_time_t now);

/* Out of memory inside an event: stop the run. */
void vnet_oom(struct vnet *v);

/* ---- back end and wire (vnet_backend.c) ---- */

/* The back end learns of new work (a kick, a packet from the wire, a poll). */
void vnet_be_notify(struct vnet *v, sim_time_t at);
/* The back end is done with TX packet p: it goes on the wire. */
void vnet_wire_send(struct vnet *v, struct vnet_pkt *p);
/* A packet from the peer enters the RX wire no earlier than 'at'. */
void vnet_wire_recv(struct vnet *v, struct vnet_pkt *p, sim_time_t at);
/* At create, once the parameters are in: the port idle. */
void vnet_wire_init(struct vnet *v);
/* Time a frame of len bytes takes on the wire. */
sim_time_t vnet_wire_time(const struct vnet *v, uint32_t len);
/* Notifier mode: charge the polls of the idle time up to 'now'. */
void vnet_be_charge_polls(struct vnet *v, sim_time_t now);

/* ---- guest driver (vnet_guest.c) ---- */

/* Post the initial RX buffers (at start). */
void vnet_drv_start(struct vnet *v);
enum vnet_send {
	VNET_SENT,              /* posted (and kicked if needed): the device owns p */
	VNET_FULL,              /* the TX ring is full: the driver waits for a TX interrupt */
	VNET_BUSY,              /* the vCPU is out of the guest (a kick exit) */
};
/* The guest sends p (from the traffic model) now. Unless VNET_SENT the
 * caller keeps p; vnet_traffic_tx_room is called when sending may work again. */
enum vnet_send vnet_drv_send(struct vnet *v, struct vnet_pkt *p);
/* The guest's handler for vector 'index' starts at now. */
void vnet_drv_irq(struct vnet *v, unsigned index, sim_time_t now);
/* The back end used a buffer of queue 'rx' (RX: a packet written; TX: sent):
 * interrupt the guest if the queue asks for it. */
void vnet_signal(struct vnet *v, bool rx);

/* ---- traffic (vnet_traffic.c) ---- */

struct vnet_gen;
/* Read traffic: and open trace: (node: the component's map, for locations). */
int vnet_traffic_load(struct vnet *v, const struct cfg_node *node, struct iov_err *e);
void vnet_traffic_start(struct vnet *v);
void vnet_traffic_finish(struct vnet *v);       /* derived stats */
void vnet_traffic_free(struct vnet *v);
/* The guest's driver received p at now (rr: think, then respond). */
void vnet_traffic_rx(struct vnet *v, struct vnet_pkt *p, sim_time_t now);
/* The TX packet p left on the wire at now. */
void vnet_traffic_tx_wire(struct vnet *v, struct vnet_pkt *p, sim_time_t now);
/* TX room freed: ASAP senders may post. */
void vnet_traffic_tx_room(struct vnet *v);

void vnet_count_tx(struct vnet *v, uint32_t len, sim_time_t now);
void vnet_count_rx(struct vnet *v, uint32_t len, sim_time_t now);

#endif
