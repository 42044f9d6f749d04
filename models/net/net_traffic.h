/* net_traffic.h - the netperf-like generators' engine, shared by the network devices
 *
 * One struct net_gen runs one 'traffic:' entry (netgen.h) of a device: the
 * stream (TX keeping the rings full or at a rate; RX from the peer at line
 * rate or at a rate) and the rr closed loop (the peer's requests, the
 * application's think time, the response, the next request peer_latency after
 * the response left), with the generator's stats. What is device-specific,
 * posting a TX packet, handing an RX packet to the wire, the guest's clock,
 * the packet pool, goes through struct net_gen_ops. The SR-IOV NIC
 * (models/nic/nic_traffic.c) and virtio-net (models/virtio/vnet_traffic.c)
 * embed a struct net_gen in their own generator struct (container_of).
 *
 * Stats (components.<device>.gen<i>.*): packets, transactions,
 * transactions_per_s, rr_latency_ns.
 *
 * Not modelled: TCP (windows, ACKs, retransmission), packet contents, the
 * peer's own stack (a fixed peer_latency).
 */
#ifndef IOVSIM_NET_TRAFFIC_H
#define IOVSIM_NET_TRAFFIC_H

#include "models/net/net_pkt.h"
#include "models/net/netgen.h"
#include "sim.h"

struct net_gen;

enum net_gen_post {
	NET_GEN_SENT,           /* posted: the device owns the packet */
	NET_GEN_BUSY,           /* not posted, try again later: the generator keeps it */
	NET_GEN_FULL,           /* not posted, the ring is full (the device counted it) */
};

/* What the generators need of their device. 'dev' is the pointer given to
 * net_gen_init. No member may be NULL unless said. */
struct net_gen_ops {
	/* A packet from the device's pool (zeroed, device defaults set); NULL
	 * when out of memory (the device has set the error and stopped the run). */
	struct net_pkt *(*alloc)(void *dev);
	/* Give p back to the pool. */
	void (*free)(void *dev, struct net_pkt *p);
	/* The guest's driver posts TX packet p of g now. fill: the generator is
	 * filling the ring (ASAP stream, backlog): no room is BUSY, not FULL
	 * (the generator keeps p and fills again when the device calls
	 * net_gen_fill), and the doorbell may wait for tx_flush. Not fill: a
	 * stream with a rate; FULL drops p (the generator frees it). May
	 * schedule events. */
	enum net_gen_post (*tx)(void *dev, struct net_gen *g, struct net_pkt *p, bool fill);
	/* After a fill: ring the doorbells tx deferred. May be NULL. */
	void (*tx_flush)(void *dev, struct net_gen *g);
	/* The peer's packet p for g comes in from the wire at 'at' (now); the
	 * device owns it. */
	void (*rx)(void *dev, struct net_gen *g, struct net_pkt *p, sim_time_t at);
	/* When the wire can take the next RX packet (a stream from the peer at line rate). */
	sim_time_t (*rx_free_at)(void *dev);
	/* The time of 'cycles' cycles of the guest's CPU. */
	sim_time_t (*guest_cycles)(void *dev, uint64_t cycles);
	/* rr: the application's think work of 'cycles' for request req of g,
	 * reserved on the guest vCPU that received it (after what its time line
	 * already holds: exits, the driver's work); returns when it ends (>=
	 * now). May be NULL: it takes guest_cycles from now. */
	sim_time_t (*think)(void *dev, struct net_gen *g, const struct net_pkt *req,
			    uint64_t cycles);
};

struct net_gen {
	struct netgen_spec s;           /* flows already defaulted by the device */
	const struct net_gen_ops *ops;
	void *dev;
	struct sim_kernel *k;
	int idx;                        /* the packets' gen field */
	uint64_t issued, done;
	struct net_fifo backlog;        /* TX packets waiting for the ring (or the vCPU) */
	struct net_fifo think, peer;    /* rr: responses thinking (by t_due), requests on
					 * their way */
	uint64_t *st_packets, *st_transactions;
	double *st_tps;
	struct hist *st_rr_latency;
	sim_time_t first, last;
};

/* Set g up to run spec *s (copied) of device 'dev' (component 'comp', whose
 * name goes in the stats paths) as generator idx, and register its stats.
 * Returns 0, or -1 with e set. */
int net_gen_init(struct net_gen *g, const struct netgen_spec *s, int idx,
		 const struct net_gen_ops *ops, void *dev, struct component *comp,
		 struct iov_err *e);
/* At start of the run: schedule the first packet / the rr sessions at s.start. */
void net_gen_start(struct net_gen *g);
/* Post the backlog, then (a TX stream without a rate) new packets while the
 * device takes them; then tx_flush. For the device's "TX room freed". */
void net_gen_fill(struct net_gen *g);
/* The guest's driver received p of g (counted; rr: think, then respond).
 * The caller keeps p. */
void net_gen_rx(struct net_gen *g, const struct net_pkt *p);
/* TX packet p of g left on the wire at now (counted; rr: the transaction is
 * done, the peer's next request follows). The caller keeps p. */
void net_gen_tx_wire(struct net_gen *g, const struct net_pkt *p, sim_time_t now);
/* At finish: the derived stats (transactions_per_s). */
void net_gen_finish(struct net_gen *g);
/* Give every packet g still holds back to the device's pool. */
void net_gen_drain(struct net_gen *g);

#endif
