/* netgen.h - the netperf-like traffic generators' description, shared by the network devices
 *
 * One 'traffic:' entry of a network device (the SR-IOV NIC's functions,
 * virtio-net) is a generator with these keys, the same for every device so
 * that one workload description runs over either path:
 *   fn            the function that sends/receives (the device's or a VF's name)
 *   type          stream | rr
 *   dir           stream: tx | rx
 *   size          packet bytes (rr: the request)
 *   resp_size     rr: response bytes (0: as size)
 *   count         packets (stream) or transactions (rr)
 *   rate          stream: packet bytes per second; 0 = as fast as possible
 *   start         time of the first packet
 *   flows         flows the packets spread over (0: the device's default)
 *   sessions      rr: transactions in flight at once
 *   think_cycles  rr: guest cycles from receiving a request to posting its response
 *   peer_latency  rr: from a response leaving on the wire to the peer's next request
 *   dst           TX destination: wire, or a function of the same device
 * Meaning (both devices): a TX stream with rate 0 keeps the TX ring full; an
 * RX stream with rate 0 is the peer sending back to back at line rate; rr is
 * closed loop: the peer sends a request, the guest's driver receives it, the
 * application thinks, posts the response, and the transaction is done when
 * the response has left on the wire (latency from the peer's request send);
 * the peer sends the next request peer_latency later.
 *
 * Both devices read their entries with netgen_load (models/nic/nic_traffic.c,
 * models/virtio/vnet_traffic.c), add their own checks (which functions
 * exist, buffer sizes, destinations) and run them with the shared engine
 * (net_traffic.h).
 */
#ifndef IOVSIM_NETGEN_H
#define IOVSIM_NETGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "simtime.h"

enum netgen_kind { NETGEN_STREAM, NETGEN_RR };

struct netgen_spec {
	const char *fn;                 /* tree-owned */
	enum netgen_kind kind;
	bool tx;                        /* stream direction */
	uint32_t size, resp_size;       /* resp_size already defaulted to size */
	uint64_t count;
	uint32_t flows;                 /* 0: the device's default */
	uint32_t sessions;
	sim_time_t start;
	sim_time_t interval;            /* stream with a rate: ps between packets; 0 = ASAP */
	uint64_t think_cycles;
	sim_time_t peer_latency;
	const char *dst;                /* "wire" or a function name */
};

/* The keys above, for cfg_load_params and the docs. NULL-name terminated. */
extern const struct param_desc netgen_param_desc[];

/* Read one generator entry (a map) into *g. what: a phrase for messages
 * ("traffic generator 0 of 'vnet0'"). Returns 0, or -1 with e set (located,
 * status 2): unknown keys, bad values, a rate too high for the size. */
int netgen_load(const struct cfg_node *node, const char *what, struct netgen_spec *g,
		struct iov_err *e);

/* The time packet i (from 0) of a stream with a rate is due. */
sim_time_t netgen_stream_time(const struct netgen_spec *g, uint64_t i);

#endif
