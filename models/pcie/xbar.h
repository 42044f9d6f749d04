/* xbar.h - the forwarding engine of switches, the root complex and multi-function devices
 *
 * N ports; each TLP that arrives is routed by the owner's route() to one
 * egress port (or blocked), waits there in a per-class egress queue (posted,
 * non-posted, completion) until its departure time and is offered to the
 * peer. Departure: store-and-forward = arrival + latency; cut-through =
 * arrival of the first symbol (t->t_head, stamped by the ingress link) +
 * latency, but never before the whole TLP is in (the simulator moves whole
 * TLPs: a cut-through hop therefore costs max(latency, ingress
 * serialisation), documented in docs/models/pcie-switch.md). A full egress
 * queue refuses the TLP, so backpressure reaches the ingress link, which
 * stops returning credits.
 *
 * A blocked non-posted request becomes a completion without data carrying
 * UR or CA, sent back out of the port it came in by; a blocked posted
 * request is dropped. Both are counted, and reported to the isolation
 * accounting.
 */
#ifndef IOVSIM_XBAR_H
#define IOVSIM_XBAR_H

#include "pcie_topo.h"
#include "pcie_wire.h"
#include "sim.h"

enum xbar_verdict {
	XV_FORWARD = 0,         /* ordinary routing (up, or down to the target) */
	XV_P2P,                 /* peer to peer without going through the root complex */
	XV_REDIRECT,            /* ACS redirected it upstream */
	XV_PENDING,             /* the owner kept it (translation); it calls xbar_inject */
	XV_REFUSE,              /* the owner has no room now (translation slots full): refused
				 * like a full egress queue; the owner calls xbar_unblock */
	XV_BLOCK_UR,            /* blocked: Unsupported Request */
	XV_BLOCK_CA,            /* blocked: Completer Abort (ACS violation) */
	XV__COUNT
};

struct xbar;

struct xbar_port {
	struct port port;
	struct xbar *x;
	unsigned idx;
	struct tlp_fifo q[PCIE_FC__COUNT];
	bool peer_busy;                 /* the peer refused; wait for its retry */
	bool ev_pending;
	sim_time_t ev_at;
	sim_event_id ev;
	uint64_t *st_out;               /* TLPs sent out of this port */
};

struct xbar_ops {
	/* Route t, which arrived on port 'in'. Return the egress port with *v set
	 * to FORWARD/P2P/REDIRECT; or -1 with *v = BLOCK_*; or -1 with *v =
	 * PENDING when the owner took t (it later calls xbar_inject). */
	int (*route)(struct xbar *x, unsigned in, struct tlp *t, enum xbar_verdict *v);
	/* Optional: a TLP is about to be queued on 'out' at 'due' (the root complex
	 * splits completions here). Return false to have xbar queue it itself. */
	bool (*queue)(struct xbar *x, unsigned out, struct tlp *t, sim_time_t due);
};

struct xbar {
	struct component *c;
	const struct xbar_ops *ops;
	void *owner;
	unsigned nports;
	struct xbar_port *ports;
	sim_time_t latency;
	bool cut_through;
	uint32_t depth;                 /* per port and class */
	uint16_t stage;
	/* occupancy, time-weighted */
	uint64_t queued, queued_max;
	sim_time_t occ_last;
	long double occ_area;
	uint64_t *st_verdict[XV__COUNT];
	uint64_t *st_refusals, *st_queued_max;
	double *st_occ_mean;
};

/* Set up the engine: ports get the given static names and are registered on c;
 * ports first_optional .. end_optional-1 may stay unconnected (empty slots).
 * The latency-breakdown stage of this hop is named after c. */
int xbar_init(struct xbar *x, struct component *c, const struct xbar_ops *ops, void *owner,
	      unsigned nports, const char *const *names, sim_time_t latency, bool cut_through,
	      uint32_t depth, unsigned first_optional, unsigned end_optional, struct iov_err *e);
void xbar_free(struct xbar *x);
void xbar_finish(struct xbar *x);

static inline unsigned xbar_port_index(const struct port *p)
{
	return ((const struct xbar_port *)(const void *)p)->idx;
}

/* The owner has room again after an XV_REFUSE: refused senders may retry. */
void xbar_unblock(struct xbar *x);

/* Departure time of t arriving now under this engine's latency rule. */
sim_time_t xbar_due(const struct xbar *x, const struct tlp *t);

/* Queue t on port out to leave at 'due' (no room check: callers that took a
 * TLP earlier, like the translation stage, must not lose it). */
void xbar_push(struct xbar *x, unsigned out, struct tlp *t, sim_time_t due);

/* A TLP the owner kept (PENDING) is routed now: verdict and egress as route()
 * would have returned them. */
void xbar_inject(struct xbar *x, unsigned in, int out, enum xbar_verdict v, struct tlp *t);

/* Whether port out can take another TLP of t's class. */
bool xbar_room(const struct xbar *x, unsigned out, const struct tlp *t);

#endif
