/* link_impl.h - private to the pcie_link model: its state and the functions its files share */
#ifndef IOVSIM_LINK_IMPL_H
#define IOVSIM_LINK_IMPL_H

#include "pcie_topo.h"
#include "pcie_wire.h"
#include "rng.h"
#include "sim.h"

extern const struct model model_pcie_link;

enum link_side { LINK_HOST = 0, LINK_DEV = 1 };        /* whose receiver advertises */
enum link_policy { LINK_PUBLISHED = 0, LINK_ON_DEMAND };

struct link_params {
	uint64_t gen, width, mps;
	int rcb_split, ecrc, skp;
	sim_time_t propagation, replay_timer;
	double ber, dllp_scale;
	uint64_t replay_buffer, tx_queue;
	int dllp_policy;
	uint64_t ack_interval, fc_interval;
	uint64_t credits[2][PCIE_FC__COUNT][2];         /* [side][class][hdr, data] */
};

/* One TLP (or piece of a split one) sent and not yet acknowledged. */
struct link_slot {
	uint64_t seq;
	struct tlp *tlp;                /* last piece, until the receiver takes it; else NULL */
	uint32_t bytes;                 /* on the wire */
	uint32_t data_cr;               /* data credits of this piece */
	uint8_t type;
	bool last;
};

enum link_pkt { PKT_TLP, PKT_ACK, PKT_NAK, PKT_FC };

/* A packet serialised and on its way to the far end. */
struct link_fly {
	sim_time_t arrive;
	uint64_t seq;                   /* TLP: its sequence; Ack/NAK: next expected */
	struct tlp *tlp;                /* TLP last piece: the object (stale for duplicates) */
	uint64_t lim_h, lim_d;          /* UpdateFC: new cumulative limits */
	uint32_t data_cr;               /* TLP: data credits of the piece */
	uint8_t kind, cls;
	bool corrupt, last;
};

/* Receiver state of one class at the far end of a direction. */
struct link_rx_class {
	bool inf_h, inf_d;
	uint64_t adv_h, adv_d;          /* initial advertisement */
	uint64_t rcvd_h, rcvd_d;        /* cumulative, accepted */
	uint64_t freed_h, freed_d;      /* cumulative, left the buffer */
	uint64_t ret_h, ret_d;          /* cumulative, returned by UpdateFC */
	sim_time_t pend_since;          /* freed > returned since */
	bool pending, urgent;
};

/* Transmitter's view of the far receiver's credits for one class. */
struct link_tx_class {
	bool inf_h, inf_d;
	uint64_t lim_h, lim_d;          /* cumulative limits advertised so far */
	uint64_t used_h, used_d;        /* cumulative consumed */
	bool stalled;
	sim_time_t stall_since, stall_ps;
};

struct link;

struct link_dir {
	struct link *l;
	struct link_dir *rev;
	struct port *in, *out;
	const char *dname;              /* "upstream" / "downstream" */
	uint16_t stage;
	struct rng rng;

	/* transmitter */
	struct tlp_fifo q[PCIE_FC__COUNT];
	uint32_t head_off[PCIE_FC__COUNT];      /* payload of the head already sent (pieces) */
	uint64_t arrivals;                      /* age stamp for ordering */
	struct link_tx_class txc[PCIE_FC__COUNT];
	struct link_slot *ring;
	uint32_t ring_cap, ring_head, ring_n, replay_next;
	uint64_t next_seq;
	uint64_t pos;                           /* wire position: bytes since time 0 */
	uint64_t skp_next;                      /* symbol where the next nominal SKP starts */
	uint64_t acc_ack, acc_fc;               /* published policy: link bytes since the last one */
	bool in_burst;                          /* TLPs sent since the wire was last idle */
	int fc_rr;
	struct link_fly *fly;
	uint32_t fly_cap, fly_head, fly_n;
	bool fly_ev;
	bool tx_ev;
	sim_event_id tx_ev_id;
	sim_time_t tx_ev_at;
	sim_time_t rt_deadline;                 /* replay timer, 0 = stopped */
	bool rt_ev;
	uint64_t busy_bytes;

	/* receiver at the far end */
	struct tlp_fifo rxq;
	bool out_blocked;
	uint64_t next_rcv;
	bool unacked, ack_now, nak_sched, nak_pending;
	sim_time_t unacked_since;
	struct link_rx_class rxc[PCIE_FC__COUNT];
	bool fc_any;
	sim_time_t fc_since;

	/* stats */
	uint64_t *st_tlps, *st_tlp_bytes[TLP__COUNT], *st_payload;
	uint64_t *st_ack_bytes, *st_nak_bytes, *st_fc_bytes, *st_skp_bytes;
	uint64_t *st_naks, *st_replays, *st_timeouts, *st_replayed, *st_lcrc, *st_refusals;
	double *st_util, *st_stall_ns[PCIE_FC__COUNT], *st_gbps;
};

struct link {
	struct component c;
	struct link_params p;
	struct port down, up;
	struct pcie_node node;          /* transparent in the hierarchy: across() */
	struct link_dir to_up, to_down;
	unsigned width, mps;
	struct pcie_byte_time bt;
	uint64_t i_ack, i_fc;                   /* DLLP intervals, bytes of link time */
	sim_time_t ack_ps, fc_ps, replay_ps;
	double p_bit_ok_log;                    /* log1p(-ber) */
};


/* Shared between the files of this model. */
sim_time_t link_sym_ps(const struct link *l, uint64_t sym);
sim_time_t link_bytes_ps(const struct link *l, uint64_t bytes);
uint64_t link_div_up(uint64_t a, uint64_t b);
void link_tx_kick(struct link_dir *d);
void link_fail(struct link *l, const char *what);
uint32_t link_piece(const struct link *l, const struct tlp *t, uint32_t off);
void link_tlp_credits(const struct link *l, const struct tlp *t, uint64_t *h, uint64_t *dc);
bool link_credits_ok(const struct link_tx_class *c, uint32_t data);
void link_stall_end(struct link_tx_class *c, sim_time_t now);
void link_fly_arm(struct link_dir *d);
struct link_slot *link_slot_at(struct link_dir *d, uint32_t i);
void link_rt_restart(struct link_dir *d, sim_time_t now);
uint32_t link_purge(struct link_dir *d, uint64_t upto);
void link_replay_start(struct link_dir *d, sim_time_t now);
void link_rx_deliver(struct link_dir *d);
void link_fly_event(void *arg);

#endif
