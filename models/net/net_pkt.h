/* net_pkt.h - the network devices' packet: the shared part, a FIFO of packets and a packet pool
 *
 * The SR-IOV NIC (models/nic/) and virtio-net (models/virtio/) carry packets
 * of their own struct that starts with the fields below; the pool, the FIFOs
 * and the traffic generators (net_traffic.h) see only that shared part. A
 * device's packet struct begins with NET_PKT_HEAD, which makes the shared
 * fields its own (p->len) and its first member 'net' the shared view
 * (&p->net), so a struct net_pkt * the pool or a FIFO hands back converts to
 * the device's type by a cast.
 *
 * The pool grows by chunks of NET_PKT_CHUNK packets and never allocates per
 * packet once it has grown; a packet it hands out is zeroed. Not modelled
 * here: packet contents (only lengths travel).
 */
#ifndef IOVSIM_NET_PKT_H
#define IOVSIM_NET_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "simtime.h"

#define NET_PKT_FIELDS \
	struct net_pkt *next;           /* FIFO / free-list link */ \
	uint32_t len;                   /* packet bytes */ \
	uint32_t flow;                  /* flow id (the NIC: queue selection, destination) */ \
	int32_t gen;                    /* generator index that made it, -1 = trace */ \
	uint32_t session;               /* rr: session of the generator */ \
	sim_time_t t0;                  /* TX: the driver posted it; RX: last bit in from the wire */ \
	sim_time_t t_gen;               /* rr: the peer sent the request */ \
	sim_time_t t_due;               /* rr: the application's think work for it ends */

struct net_pkt {
	NET_PKT_FIELDS
};

/* The first member of a device's packet struct. */
#define NET_PKT_HEAD union { struct net_pkt net; struct { NET_PKT_FIELDS }; }

struct net_fifo {
	struct net_pkt *head, *tail;
	uint32_t n;
};

/* Append p (which must be in no FIFO) at the tail. */
void net_fifo_push(struct net_fifo *q, struct net_pkt *p);
/* Remove and return the head; NULL if q is empty. */
struct net_pkt *net_fifo_pop(struct net_fifo *q);

#define NET_PKT_CHUNK 256

struct net_pool {
	size_t size;                    /* bytes of the device's packet struct */
	struct net_pkt *free;
	void **chunks;
	size_t nchunks;
};

/* An empty pool of packets of 'size' bytes (the device's struct, which
 * starts with NET_PKT_HEAD). Allocates nothing yet. */
void net_pool_init(struct net_pool *pl, size_t size);
/* A zeroed packet; NULL when out of memory (the caller reports it). */
struct net_pkt *net_pool_get(struct net_pool *pl);
/* Give p back to the pool it came from. */
void net_pool_put(struct net_pool *pl, struct net_pkt *p);
/* Free every chunk; packets still held become invalid. */
void net_pool_release(struct net_pool *pl);

#endif
