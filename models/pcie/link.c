/* link.c - a PCIe link at symbol-time level: serialisation, DLLPs, credit flow control, replay
 *
 * Two independent directions (upstream: "down" port in, "up" port out;
 * downstream: the reverse). Each direction has a transmitter at one end and
 * a receiver at the other; the receiver's Ack/NAK and UpdateFC DLLPs travel
 * on the reverse direction's wire, queued with that direction's own traffic.
 *
 * Transmitter, per packet boundary, in this order (Base Spec r5.0 2.6 and
 * 3.6 "recommended priority"): SKP ordered sets that fell due (they are
 * deferred to a packet boundary and accumulate), NAK, Ack when due, UpdateFC
 * when due, then a replay in progress, then a new TLP. A new TLP goes only if
 * the far receiver has advertised enough credits for its class (P = MWr/Msg,
 * NP = MRd, Cpl = CplD/Cpl: one header credit + ceil(payload/16) data
 * credits) and the replay buffer has room. Posted TLPs may pass blocked
 * non-posted ones and completions; NP and Cpl may pass each other but never
 * an older posted TLP (the default ordering rules, no RO/IDO).
 *
 * Wire time: packets are packed back to back at byte granularity across the
 * lanes; a packet ends in the symbol time that holds its last byte and
 * arrives 'propagation' later. Gen1/2 symbol = 10 bits per lane; Gen3-5
 * 128b/130b is spread evenly (1015.625 ps per byte per lane at Gen3); Gen6
 * is a byte stream at 64 GT/s * 242/256 (FLIT payload share). Times are kept
 * as exact fractions and rounded up to whole picoseconds per packet end.
 *
 * DLLP scheduling ('dllp_policy'):
 *   published (default): what the analytical model (Neugebauer et al.,
 *     SIGCOMM 2018) charges: every direction that carries TLPs pays one Ack
 *     and one UpdateFC per 'interval' bytes of its own link time (the
 *     FACTS.md table value read as bytes, times dllp_interval_scale). The
 *     debt accrues with every byte sent and is paid at the next packet
 *     boundary before a TLP, or when a burst of TLPs ends; it may take several
 *     DLLPs in a row after a long TLP. Such a DLLP carries the receiver's
 *     latest state (a duplicate Ack or a repeated UpdateFC is legal) and
 *     also serves as the on-demand one below.
 *   on_demand: only the on-demand DLLPs.
 *   On demand (both policies): an Ack falls due one interval of link time
 *   after the first unacknowledged TLP arrived (at once for a duplicate); an
 *   UpdateFC one interval after credits were freed and not yet returned (one
 *   class per DLLP, the longest waiting first), and at once when the sender
 *   is running low: the credits it can still use, as the receiver knows
 *   them, are under half the advertisement or under one max-payload TLP's
 *   data (spec 2.6.1.2 asks for an immediate UpdateFC when a sender could
 *   be blocked; the half mark keeps a sender with few credits streaming).
 *
 * Credits are consumed at (first) transmission; the receiver frees them when
 * the TLP leaves its buffer, i.e. when the next hop accepted it. A refused TLP
 * stays in the buffer holding its credits: that is how backpressure
 * propagates. 0 advertised = infinite (allowed for any class; endpoints and
 * root ports advertise infinite completion credits).
 *
 * Errors: with ber > 0 a TLP fails LCRC with probability 1-(1-ber)^(8*bytes);
 * the receiver discards it and sends one NAK (NAK_SCHEDULED) until the
 * expected TLP arrives; later TLPs are discarded; the transmitter replays
 * everything unacknowledged; the replay timer replays if no Ack/NAK makes
 * progress in time. Duplicates are discarded and acknowledged.
 *
 * Completions (and, malformed, writes) longer than MPS are carried as
 * several TLPs split at MPS-aligned addresses (at 64 B RCB boundaries with
 * rcb_split), each with its own header, sequence number and credits; the
 * object is handed on when its last piece arrives. This stands in for the
 * completer's split until the root complex model does it.
 *
 * Not modelled: LTSSM/training, link width/speed negotiation, lane-to-lane
 * skew, lane-alignment rules for packet starts (packets are byte-packed),
 * L0s/L1 power states, the flow-control initialisation handshake (credits
 * are known at time 0), 12-bit sequence / 8- and 12-bit credit counter wrap
 * (counters are 64-bit), scaled flow control, REPLAY_NUM rollover and link
 * retraining, errors in DLLPs (only TLPs are corrupted), the 30 us periodic
 * UpdateFC of an idle link, SKPs sent while the link is otherwise idle (they
 * delay nothing and are not counted), Gen3 128b/130b block boundaries and
 * sync headers (spread evenly), Gen6 FLIT framing, FEC latency and per-FLIT
 * CRC/replay (Gen6 is a byte stream at the FLIT payload rate with the Gen3+
 * DLLP table and per-TLP overheads), virtual channels and traffic classes,
 * receive-side per-class passing (the receive buffer delivers in arrival
 * order).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "rng.h"
#include "pcie_wire.h"

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

static const char *const link_policies[] = { "published", "on_demand", NULL };

#define LP(f) offsetof(struct link_params, f)
#define LINK_CREDIT(side, cls, hd, name, def, max, what)                                      \
	{ name, PARAM_U64, LP(credits[side][cls][hd]), def, 0, max, NULL, what }

static const struct param_desc link_param_desc[] = {
	{ "gen", PARAM_U64, LP(gen), "3", 1, 6, NULL,
	  "generation 1..6: 2.5, 5, 8, 16, 32, 64 GT/s per lane (Base Spec r5.0 / r6.0)" },
	{ "width", PARAM_U64, LP(width), "8", 1, 32, NULL,
	  "lanes: 1, 2, 4, 8, 12, 16 or 32 (Base Spec 4.2.4: link widths)" },
	{ "mps", PARAM_SIZE, LP(mps), "256", 128, 4096, NULL,
	  "max payload size, a power of two 128..4096 (Device Control register); selects the "
	  "DLLP interval row" },
	{ "rcb_split", PARAM_BOOL, LP(rcb_split), "false", 0, 0, NULL,
	  "carry completions in 64 B RCB pieces instead of MPS pieces (older root complexes)" },
	{ "propagation", PARAM_TIME, LP(propagation), "5ns", 0, 10e6, NULL,
	  "one-way flight time of the channel, each direction (not in the spec's timer tables)" },
	{ "ecrc", PARAM_BOOL, LP(ecrc), "false", 0, 0, NULL,
	  "every TLP carries a 4 B ECRC digest (Base Spec 2.7)" },
	{ "skp", PARAM_BOOL, LP(skp), "true", 0, 0, NULL,
	  "send SKP ordered sets, 4 symbol times per 1538 (clock compensation, Base Spec 4.2.7)" },
	{ "ber", PARAM_DOUBLE, LP(ber), "0", 0, 1e-3, NULL,
	  "bit error rate: a TLP fails LCRC with probability 1-(1-ber)^bits and is replayed" },
	{ "replay_timer", PARAM_TIME, LP(replay_timer), "0ps", 0, 1e12, NULL,
	  "replay timeout; 0 = 3 x the Ack latency limit (Base Spec 3.6.2.1) + 2 x propagation "
	  "+ 2 max-size TLPs" },
	{ "replay_buffer", PARAM_U64, LP(replay_buffer), "256", 1, 2048, NULL,
	  "TLPs sent and not yet acknowledged per direction (12-bit sequence: at most 2048)" },
	{ "tx_queue", PARAM_U64, LP(tx_queue), "32", 1, 1 << 20, NULL,
	  "TLPs waiting to be sent, per direction and class, before the sender is refused" },
	{ "dllp_policy", PARAM_ENUM, LP(dllp_policy), "published", 0, 0, link_policies,
	  "published: an Ack and an UpdateFC per interval of each busy direction's link time "
	  "(the analytical model's accounting); on_demand: only when something is due" },
	{ "dllp_interval_scale", PARAM_DOUBLE, LP(dllp_scale), "1", 0.01, 64, NULL,
	  "DLLP interval in bytes of link time = table value x this (= width reads the table "
	  "as symbol times, as the spec does)" },
	{ "ack_interval", PARAM_U64, LP(ack_interval), "0", 0, 1 << 20, NULL,
	  "Ack latency limit override in table units; 0 = FACTS.md table (Base Spec Tables 3-7..3-9)" },
	{ "updatefc_interval", PARAM_U64, LP(fc_interval), "0", 0, 1 << 20, NULL,
	  "UpdateFC interval override in table units; 0 = table (Base Spec Tables 2-46..2-48)" },
	LINK_CREDIT(LINK_HOST, PCIE_FC_P, 0, "host_p_hdr", "64", 127,
		    "posted header credits the host-side receiver advertises (0 = infinite)"),
	LINK_CREDIT(LINK_HOST, PCIE_FC_P, 1, "host_p_data", "1024", 2047,
		    "posted data credits (16 B) the host-side receiver advertises (0 = infinite)"),
	LINK_CREDIT(LINK_HOST, PCIE_FC_NP, 0, "host_np_hdr", "64", 127,
		    "non-posted header credits, host side (0 = infinite)"),
	LINK_CREDIT(LINK_HOST, PCIE_FC_NP, 1, "host_np_data", "64", 2047,
		    "non-posted data credits, host side (0 = infinite)"),
	LINK_CREDIT(LINK_HOST, PCIE_FC_CPL, 0, "host_cpl_hdr", "0", 127,
		    "completion header credits, host side (0 = infinite, as root ports advertise)"),
	LINK_CREDIT(LINK_HOST, PCIE_FC_CPL, 1, "host_cpl_data", "0", 2047,
		    "completion data credits, host side (0 = infinite)"),
	LINK_CREDIT(LINK_DEV, PCIE_FC_P, 0, "dev_p_hdr", "64", 127,
		    "posted header credits the device-side receiver advertises (0 = infinite)"),
	LINK_CREDIT(LINK_DEV, PCIE_FC_P, 1, "dev_p_data", "1024", 2047,
		    "posted data credits, device side (0 = infinite)"),
	LINK_CREDIT(LINK_DEV, PCIE_FC_NP, 0, "dev_np_hdr", "64", 127,
		    "non-posted header credits, device side (0 = infinite)"),
	LINK_CREDIT(LINK_DEV, PCIE_FC_NP, 1, "dev_np_data", "64", 2047,
		    "non-posted data credits, device side (0 = infinite)"),
	LINK_CREDIT(LINK_DEV, PCIE_FC_CPL, 0, "dev_cpl_hdr", "0", 127,
		    "completion header credits, device side (0 = infinite: endpoints must, Base "
		    "Spec 2.6.1)"),
	LINK_CREDIT(LINK_DEV, PCIE_FC_CPL, 1, "dev_cpl_data", "0", 2047,
		    "completion data credits, device side (0 = infinite)"),
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
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
	struct link_dir to_up, to_down;
	unsigned width, mps;
	struct pcie_byte_time bt;
	uint64_t i_ack, i_fc;                   /* DLLP intervals, bytes of link time */
	sim_time_t ack_ps, fc_ps, replay_ps;
	double p_bit_ok_log;                    /* log1p(-ber) */
};

static void link_tx_event(void *arg);
static void link_fly_event(void *arg);
static void link_rt_event(void *arg);

/* ---------------------------------------------------------------- time -- */

/* Time at which symbol index 'sym' begins (= previous symbol ends), rounded up. */
static sim_time_t link_sym_ps(const struct link *l, uint64_t sym)
{
	unsigned __int128 x = (unsigned __int128)sym * l->bt.num + l->bt.den - 1;
	return (sim_time_t)(x / l->bt.den);
}

/* First symbol boundary at or after time t, the inverse of link_sym_ps's
 * rounding: the smallest s with link_sym_ps(s) >= t. */
static uint64_t link_ps_sym(const struct link *l, sim_time_t t)
{
	if (t == 0)
		return 0;
	unsigned __int128 x = (unsigned __int128)(t - 1) * l->bt.den;
	return (uint64_t)(x / l->bt.num) + 1;
}

/* Time of 'bytes' of link time (all lanes), rounded up. */
static sim_time_t link_bytes_ps(const struct link *l, uint64_t bytes)
{
	unsigned __int128 x = (unsigned __int128)bytes * l->bt.num;
	unsigned __int128 d = (unsigned __int128)l->width * l->bt.den;
	return (sim_time_t)((x + d - 1) / d);
}

static uint64_t link_div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* When the packet now on the wire ends (the wire is free from then on). */
static sim_time_t link_wire_free(const struct link_dir *d)
{
	return link_sym_ps(d->l, link_div_up(d->pos, d->l->width));
}

static void link_tx_wake(struct link_dir *d, sim_time_t t)
{
	struct sim_kernel *k = d->l->c.sim->k;
	if (d->tx_ev) {
		if (d->tx_ev_at <= t)
			return;
		sim_cancel(k, d->tx_ev_id);
	}
	d->tx_ev = true;
	d->tx_ev_at = t;
	d->tx_ev_id = sim_schedule_at(k, t, link_tx_event, d);
}

static void link_tx_kick(struct link_dir *d)
{
	link_tx_wake(d, sim_now(d->l->c.sim->k));
}

static void link_fail(struct link *l, const char *what)
{
	struct sim *s = l->c.sim;
	if (s->err)
		iov_err_set(s->err, IOV_INTERNAL, "pcie_link '%s': %s", l->c.name, what);
	sim_abort(s);
}

/* ------------------------------------------------------------- credits -- */

static bool link_is_cpl_split(const struct link *l, const struct tlp *t)
{
	return t->type == TLP_CPLD && l->p.rcb_split;
}

/* Payload of the piece of t that starts at payload offset off. */
static uint32_t link_piece(const struct link *l, const struct tlp *t, uint32_t off)
{
	uint32_t payload = pcie_tlp_payload(t->type, t->len);
	if (payload == 0)
		return 0;
	if (payload <= l->mps && !link_is_cpl_split(l, t))
		return payload;
	uint32_t chunk = link_is_cpl_split(l, t) ? PCIE_RCB : l->mps;
	if (t->type != TLP_MWR && t->type != TLP_CPLD)
		return payload;                 /* messages are not split */
	return pcie_split_next(t->addr + off, payload - off, chunk);
}

/* Credits the whole object consumes (the sum over its pieces). */
static void link_tlp_credits(const struct link *l, const struct tlp *t, uint64_t *h, uint64_t *dc)
{
	uint32_t payload = pcie_tlp_payload(t->type, t->len), off = 0;
	*h = 0;
	*dc = 0;
	do {
		uint32_t piece = link_piece(l, t, off);
		(*h)++;
		*dc += pcie_data_credits(piece);
		off += piece;
	} while (off < payload);
}

static bool link_credits_ok(const struct link_tx_class *c, uint32_t data)
{
	return (c->inf_h || c->used_h + 1 <= c->lim_h) &&
	       (c->inf_d || data == 0 || c->used_d + data <= c->lim_d);
}

static void link_stall_begin(struct link_tx_class *c, sim_time_t now)
{
	if (!c->stalled) {
		c->stalled = true;
		c->stall_since = now;
	}
}

static void link_stall_end(struct link_tx_class *c, sim_time_t now)
{
	if (c->stalled) {
		c->stalled = false;
		c->stall_ps += now - c->stall_since;
	}
}

/* ------------------------------------------------------------ the wire -- */

static struct link_fly *link_fly_push(struct link_dir *d)
{
	if (d->fly_n == d->fly_cap) {
		/* Grows by doubling while warming up, never per packet afterwards. */
		uint32_t cap = d->fly_cap * 2;
		struct link_fly *nf = malloc(cap * sizeof(*nf));
		if (!nf)
			return NULL;
		for (uint32_t i = 0; i < d->fly_n; i++)
			nf[i] = d->fly[(d->fly_head + i) % d->fly_cap];
		free(d->fly);
		d->fly = nf;
		d->fly_cap = cap;
		d->fly_head = 0;
	}
	struct link_fly *f = &d->fly[(d->fly_head + d->fly_n++) % d->fly_cap];
	memset(f, 0, sizeof(*f));
	return f;
}

/* Put n bytes on the wire at byte position p; returns when they have arrived. */
static sim_time_t link_wire_put(struct link_dir *d, uint64_t p, uint32_t n)
{
	struct link *l = d->l;
	d->pos = p + n;
	d->busy_bytes += n;
	d->acc_ack += n;
	d->acc_fc += n;
	return link_wire_free(d) + l->p.propagation;
}

static void link_fly_arm(struct link_dir *d)
{
	if (d->fly_ev || d->fly_n == 0)
		return;
	d->fly_ev = true;
	sim_schedule_at(d->l->c.sim->k, d->fly[d->fly_head].arrive, link_fly_event, d);
}

/* Where the next packet may start at time now; an idle link jumps to now
 * (SKPs that fell due while idle were sent then, at no cost to anyone). */
static uint64_t link_start_pos(struct link_dir *d, sim_time_t now, bool *idle)
{
	struct link *l = d->l;
	uint64_t sym = link_ps_sym(l, now);
	*idle = link_div_up(d->pos, l->width) < sym;   /* the last symbol sent ended before now */
	if (!*idle)
		return d->pos;                          /* back to back, mid-symbol if need be */
	if (l->p.skp && sym >= d->skp_next) {
		uint64_t n = (sym - d->skp_next) / PCIE_SKP_INTERVAL;
		uint64_t last = d->skp_next + n * PCIE_SKP_INTERVAL;
		if (sym < last + PCIE_SKP_SYMBOLS)
			sym = last + PCIE_SKP_SYMBOLS;  /* inside an SKP: wait for its end */
		d->skp_next = last + PCIE_SKP_INTERVAL;
	}
	d->pos = sym * l->width;
	return d->pos;
}

static void link_put_skp(struct link_dir *d, uint64_t p)
{
	struct link *l = d->l;
	uint64_t sym = link_div_up(p, l->width);
	uint32_t n = PCIE_SKP_SYMBOLS * l->width;
	link_wire_put(d, sym * l->width, n);
	d->skp_next += PCIE_SKP_INTERVAL;
	*d->st_skp_bytes += n;
}

/* ------------------------------------------------------- replay buffer -- */

static struct link_slot *link_slot_at(struct link_dir *d, uint32_t i)
{
	return &d->ring[(d->ring_head + i) % d->ring_cap];
}

static void link_rt_arm(struct link_dir *d)
{
	if (d->rt_ev || d->rt_deadline == 0)
		return;
	d->rt_ev = true;
	sim_schedule_at(d->l->c.sim->k, d->rt_deadline, link_rt_event, d);
}

static void link_rt_restart(struct link_dir *d, sim_time_t now)
{
	d->rt_deadline = d->ring_n ? now + d->l->replay_ps : 0;
	link_rt_arm(d);
}

/* Drop slots the far end has acknowledged (seq < upto). Returns how many. */
static uint32_t link_purge(struct link_dir *d, uint64_t upto)
{
	uint32_t n = 0;
	while (d->ring_n && link_slot_at(d, 0)->seq < upto) {
		d->ring_head = (d->ring_head + 1) % d->ring_cap;
		d->ring_n--;
		n++;
	}
	d->replay_next = d->replay_next > n ? d->replay_next - n : 0;
	return n;
}

static void link_replay_start(struct link_dir *d, sim_time_t now)
{
	if (!d->ring_n)
		return;
	d->replay_next = 0;
	(*d->st_replays)++;
	link_rt_restart(d, now);
}

/* ---------------------------------------------------------- transmitter -- */

enum link_pick { PICK_NONE, PICK_NAK, PICK_ACK, PICK_FC, PICK_REPLAY, PICK_TLP };

static bool link_ack_due(const struct link_dir *rx, sim_time_t now)
{
	return rx->unacked && (rx->ack_now || now >= rx->unacked_since + rx->l->ack_ps);
}

static bool link_fc_due(const struct link_dir *rx, sim_time_t now)
{
	if (!rx->fc_any)
		return false;
	for (int c = 0; c < PCIE_FC__COUNT; c++)
		if (rx->rxc[c].urgent)
			return true;
	return now >= rx->fc_since + rx->l->fc_ps;
}

/* Class whose head TLP may go now, or -1. Marks credit stalls. */
static int link_pick_class(struct link_dir *d, sim_time_t now)
{
	const struct tlp *ph = d->q[PCIE_FC_P].head;
	int best = -1;
	for (int c = 0; c < PCIE_FC__COUNT; c++) {
		const struct tlp *h = d->q[c].head;
		if (!h)
			continue;
		uint32_t piece = link_piece(d->l, h, d->head_off[c]);
		if (!link_credits_ok(&d->txc[c], pcie_data_credits(piece))) {
			link_stall_begin(&d->txc[c], now);
			continue;
		}
		if (c != PCIE_FC_P && ph && ph->t_due < h->t_due)
			continue;               /* may not pass an older posted TLP */
		if (best < 0 || h->t_due < d->q[best].head->t_due)
			best = c;
	}
	return best;
}

/* What to send next, in priority order; *cls for PICK_TLP. */
static enum link_pick link_pick(struct link_dir *d, sim_time_t now, int *cls)
{
	struct link_dir *rx = d->rev;           /* the receiver at our end */
	if (rx->nak_pending)
		return PICK_NAK;
	if (link_ack_due(rx, now))
		return PICK_ACK;
	if (link_fc_due(rx, now))
		return PICK_FC;
	enum link_pick tlp = PICK_NONE;
	if (d->replay_next < d->ring_n)
		tlp = PICK_REPLAY;
	else if (d->ring_n < d->ring_cap && (*cls = link_pick_class(d, now)) >= 0)
		tlp = PICK_TLP;
	/* Published accounting: DLLPs owed for the link time of a TLP burst are
	 * paid before the next TLP or, when the burst ends, at once. */
	if ((tlp != PICK_NONE || d->in_burst) && d->l->p.dllp_policy == LINK_PUBLISHED) {
		if (d->acc_ack >= d->l->i_ack)
			return PICK_ACK;
		if (d->acc_fc >= d->l->i_fc)
			return PICK_FC;
	}
	if (tlp == PICK_NONE)
		d->in_burst = false;
	return tlp;
}

/* Earliest time an on-demand DLLP of our end's receiver falls due, or 0. */
static sim_time_t link_next_due(const struct link_dir *d)
{
	const struct link_dir *rx = d->rev;
	sim_time_t t = 0;
	if (rx->unacked)
		t = rx->unacked_since + d->l->ack_ps;
	if (rx->fc_any) {
		sim_time_t f = rx->fc_since + d->l->fc_ps;
		if (!t || f < t)
			t = f;
	}
	return t;
}

static sim_time_t link_put_ack(struct link_dir *d, uint64_t p, bool nak)
{
	struct link_dir *rx = d->rev;
	struct link_fly *f = link_fly_push(d);
	if (!f)
		return 0;
	f->kind = nak ? PKT_NAK : PKT_ACK;
	f->seq = rx->next_rcv;
	rx->unacked = false;
	rx->ack_now = false;
	if (nak) {
		rx->nak_pending = false;
		*d->st_nak_bytes += PCIE_DLLP_BYTES;
	} else {
		d->acc_ack = d->acc_ack >= d->l->i_ack ? d->acc_ack - d->l->i_ack : 0;
		*d->st_ack_bytes += PCIE_DLLP_BYTES;
	}
	return f->arrive = link_wire_put(d, p, PCIE_DLLP_BYTES);
}

/* UpdateFC for the class waiting longest (urgent first), or a repeat. */
static int link_fc_class(struct link_dir *d)
{
	struct link_dir *rx = d->rev;
	int best = -1;
	for (int c = 0; c < PCIE_FC__COUNT; c++) {
		const struct link_rx_class *rc = &rx->rxc[c];
		if (!rc->pending)
			continue;
		if (best < 0 || (rc->urgent && !rx->rxc[best].urgent) ||
		    (rc->urgent == rx->rxc[best].urgent && rc->pend_since < rx->rxc[best].pend_since))
			best = c;
	}
	if (best < 0) {
		best = d->fc_rr;
		d->fc_rr = (d->fc_rr + 1) % PCIE_FC__COUNT;
	}
	return best;
}

static sim_time_t link_put_fc(struct link_dir *d, uint64_t p, sim_time_t now)
{
	struct link_dir *rx = d->rev;
	int c = link_fc_class(d);
	struct link_rx_class *rc = &rx->rxc[c];
	struct link_fly *f = link_fly_push(d);
	if (!f)
		return 0;
	f->kind = PKT_FC;
	f->cls = (uint8_t)c;
	rc->ret_h = rc->freed_h;
	rc->ret_d = rc->freed_d;
	f->lim_h = rc->adv_h + rc->ret_h;
	f->lim_d = rc->adv_d + rc->ret_d;
	rc->pending = rc->urgent = false;
	rx->fc_any = false;
	for (int i = 0; i < PCIE_FC__COUNT; i++)
		rx->fc_any |= rx->rxc[i].pending;
	rx->fc_since = now;                     /* the rest wait one more interval */
	d->acc_fc = d->acc_fc >= d->l->i_fc ? d->acc_fc - d->l->i_fc : 0;
	*d->st_fc_bytes += PCIE_DLLP_BYTES;
	return f->arrive = link_wire_put(d, p, PCIE_DLLP_BYTES);
}

/* A TLP (piece) of 'bytes' leaves: draw its fate and put it in flight. */
static struct link_fly *link_put_tlp_common(struct link_dir *d, const struct link_slot *s,
					    uint64_t p)
{
	struct link *l = d->l;
	struct link_fly *f = link_fly_push(d);
	if (!f)
		return NULL;
	f->kind = PKT_TLP;
	f->seq = s->seq;
	f->tlp = s->tlp;
	f->last = s->last;
	f->data_cr = s->data_cr;
	f->cls = (uint8_t)pcie_fc_class_of(s->type);
	if (l->p.ber > 0) {
		double p_bad = -expm1(8.0 * s->bytes * l->p_bit_ok_log);
		f->corrupt = rng_unit(&d->rng) < p_bad;
	}
	(*d->st_tlps)++;
	*d->st_tlp_bytes[s->type] += s->bytes;
	d->in_burst = true;
	f->arrive = link_wire_put(d, p, s->bytes);
	return f;
}

static sim_time_t link_put_replay(struct link_dir *d, uint64_t p, sim_time_t now)
{
	struct link_slot *s = link_slot_at(d, d->replay_next++);
	struct link_fly *f = link_put_tlp_common(d, s, p);
	if (!f)
		return 0;
	*d->st_replayed += s->bytes;
	if (d->replay_next == d->ring_n)
		link_rt_restart(d, now);        /* replay done: time it from here */
	return f->arrive;
}

/* Send the next piece of class c's head. Sets *left when the TLP left the queue. */
static sim_time_t link_put_new(struct link_dir *d, int c, uint64_t p, sim_time_t now, bool *left)
{
	struct link *l = d->l;
	struct tlp *t = d->q[c].head;
	uint32_t payload = pcie_tlp_payload(t->type, t->len);
	uint32_t piece = link_piece(l, t, d->head_off[c]);
	bool last = d->head_off[c] + piece >= payload;
	struct link_slot *s = &d->ring[(d->ring_head + d->ring_n) % d->ring_cap];
	*s = (struct link_slot){ .seq = d->next_seq, .tlp = last ? t : NULL,
				 .data_cr = pcie_data_credits(piece), .type = (uint8_t)t->type,
				 .last = last };
	s->bytes = pcie_tlp_overhead(t->type, t->addr64, l->p.ecrc) + piece;
	struct link_tx_class *tc = &d->txc[c];
	tc->used_h++;
	tc->used_d += s->data_cr;
	link_stall_end(tc, now);
	*d->st_payload += piece;
	d->next_seq++;
	d->ring_n++;
	d->replay_next = d->ring_n;
	if (last) {
		tlp_fifo_pop(&d->q[c]);
		d->head_off[c] = 0;
		*left = true;
	} else {
		d->head_off[c] += piece;
	}
	if (d->rt_deadline == 0)
		link_rt_restart(d, now);
	struct link_fly *f = link_put_tlp_common(d, s, p);
	return f ? f->arrive : 0;
}

/* Send one packet (or an SKP due before it). Returns false when there is
 * nothing to send now (a wake-up is set for the next DLLP due) or on failure. */
static bool link_tx_one(struct link_dir *d, sim_time_t now, bool *left)
{
	int cls = -1;
	enum link_pick what = link_pick(d, now, &cls);
	if (what == PICK_NONE) {
		sim_time_t due = link_next_due(d);
		if (due)
			link_tx_wake(d, due > now ? due : now);
		return false;
	}
	bool idle;
	uint64_t p = link_start_pos(d, now, &idle);
	if (!idle && d->l->p.skp && p / d->l->width >= d->skp_next) {
		link_put_skp(d, p);             /* due at this boundary: goes first */
		return true;
	}
	sim_time_t arrive;
	switch (what) {
	case PICK_NAK: arrive = link_put_ack(d, p, true); break;
	case PICK_ACK: arrive = link_put_ack(d, p, false); break;
	case PICK_FC: arrive = link_put_fc(d, p, now); break;
	case PICK_REPLAY: arrive = link_put_replay(d, p, now); break;
	default: arrive = link_put_new(d, cls, p, now, left); break;
	}
	if (!arrive) {
		link_fail(d->l, "out of memory (wire queue)");
		return false;
	}
	link_fly_arm(d);
	return true;
}

static void link_tx_run(struct link_dir *d)
{
	sim_time_t now = sim_now(d->l->c.sim->k);
	bool left = false;
	for (;;) {
		sim_time_t free_at = link_wire_free(d);
		if (free_at > now) {
			link_tx_wake(d, free_at);
			break;
		}
		if (!link_tx_one(d, now, &left))
			break;
	}
	if (left)
		port_unblock(d->in);            /* queue room: a refused sender may retry */
}

static void link_tx_event(void *arg)
{
	struct link_dir *d = arg;
	d->tx_ev = false;
	link_tx_run(d);
}

static void link_rt_event(void *arg)
{
	struct link_dir *d = arg;
	sim_time_t now = sim_now(d->l->c.sim->k);
	d->rt_ev = false;
	if (d->rt_deadline == 0 || d->ring_n == 0) {
		d->rt_deadline = 0;
		return;
	}
	if (now < d->rt_deadline) {
		link_rt_arm(d);                 /* restarted meanwhile: wait on */
		return;
	}
	(*d->st_timeouts)++;
	link_replay_start(d, now);
	link_tx_kick(d);
}

/* ------------------------------------------------------------- receiver -- */

/* A TLP of class c that held h header and dc data credits left the buffer
 * (the next hop took it): free its credits. */
static void link_rx_free(struct link_dir *d, int c, uint64_t h, uint64_t dc, sim_time_t now)
{
	struct link *l = d->l;
	struct link_rx_class *rc = &d->rxc[c];
	if (rc->inf_h && rc->inf_d)
		return;
	rc->freed_h += rc->inf_h ? 0 : h;
	rc->freed_d += rc->inf_d ? 0 : dc;
	if (!rc->pending) {
		rc->pending = true;
		rc->pend_since = now;
	}
	/* Credits the sender can still use, as far as we know: running low? */
	uint64_t av_h = rc->adv_h + rc->ret_h - rc->rcvd_h;
	uint64_t av_d = rc->adv_d + rc->ret_d - rc->rcvd_d;
	/* "Low": under half the advertisement, or too little data for a
	 * max-payload TLP (never more than was advertised: NP data is small). */
	uint64_t low_d = pcie_data_credits(l->mps);
	bool kick = false;
	if (low_d < rc->adv_d / 2)
		low_d = rc->adv_d / 2;
	if (low_d > rc->adv_d)
		low_d = rc->adv_d;
	if (((!rc->inf_h && av_h < (rc->adv_h + 1) / 2) || (!rc->inf_d && av_d < low_d)) &&
	    !rc->urgent)
		rc->urgent = kick = true;
	if (!d->fc_any) {
		d->fc_any = kick = true;
		d->fc_since = now;
	}
	if (kick)
		link_tx_kick(d->rev);           /* an UpdateFC is due now or later */
}

static void link_rx_deliver(struct link_dir *d)
{
	sim_time_t now = sim_now(d->l->c.sim->k);
	while (d->rxq.head && !d->out_blocked) {
		/* Popped before it is offered: once taken it is the next hop's
		 * (it may be queued or freed at once), so its credits are counted
		 * from what we know beforehand. */
		struct tlp *t = tlp_fifo_pop(&d->rxq);
		int cls = pcie_fc_class_of(t->type);
		uint64_t h, dc;
		link_tlp_credits(d->l, t, &h, &dc);
		tlp_stamp(t, d->stage, now);
		if (!port_send(d->out, t)) {
			t->nstamps--;           /* stamped again when it really leaves */
			tlp_fifo_unpop(&d->rxq, t);
			d->out_blocked = true;
			return;
		}
		link_rx_free(d, cls, h, dc, now);
	}
}

static void link_rx_need(struct link_dir *d, bool *flag)
{
	if (!*flag) {
		*flag = true;
		link_tx_kick(d->rev);
	}
}

static void link_rx_tlp(struct link_dir *d, const struct link_fly *f, sim_time_t now)
{
	if (f->corrupt)
		(*d->st_lcrc)++;
	if (f->corrupt || f->seq > d->next_rcv) {
		/* Bad LCRC, or a gap after a lost one: one NAK until it comes right. */
		if (!d->nak_sched) {
			d->nak_sched = true;
			link_rx_need(d, &d->nak_pending);
		}
		return;
	}
	if (f->seq < d->next_rcv) {             /* duplicate (replayed): Ack it at once */
		if (!d->unacked)
			d->unacked_since = now;
		d->unacked = true;
		d->ack_now = true;
		link_tx_kick(d->rev);
		return;
	}
	d->next_rcv++;
	d->nak_sched = false;
	if (!d->unacked)
		d->unacked_since = now;
	link_rx_need(d, &d->unacked);
	struct link_rx_class *rc = &d->rxc[f->cls];
	rc->rcvd_h++;
	rc->rcvd_d += f->data_cr;
	if (!f->last)
		return;
	/* The sender's slot for this seq gives up the object: it is ours now.
	 * (The slot cannot be purged yet: only our Ack for it can do that.) */
	if (!f->tlp || !d->ring_n || f->seq - link_slot_at(d, 0)->seq >= d->ring_n) {
		link_fail(d->l, "internal: accepted TLP has no replay slot");
		return;
	}
	link_slot_at(d, (uint32_t)(f->seq - link_slot_at(d, 0)->seq))->tlp = NULL;
	tlp_fifo_push(&d->rxq, f->tlp);
	link_rx_deliver(d);
}

/* A DLLP on direction d arrived at the far end: it is about d->rev's TLPs. */
static void link_rx_dllp(struct link_dir *d, const struct link_fly *f, sim_time_t now)
{
	struct link_dir *tx = d->rev;
	if (f->kind == PKT_FC) {
		struct link_tx_class *tc = &tx->txc[f->cls];
		if (f->lim_h > tc->lim_h)
			tc->lim_h = f->lim_h;
		if (f->lim_d > tc->lim_d)
			tc->lim_d = f->lim_d;
		struct tlp *h = tx->q[f->cls].head;
		if (tc->stalled && h &&
		    link_credits_ok(tc, pcie_data_credits(link_piece(tx->l, h, tx->head_off[f->cls]))))
			link_stall_end(tc, now);
		link_tx_kick(tx);
		return;
	}
	uint32_t purged = link_purge(tx, f->seq);
	if (f->kind == PKT_NAK) {
		(*tx->st_naks)++;
		link_replay_start(tx, now);
	} else if (purged) {
		link_rt_restart(tx, now);
	}
	if (purged || f->kind == PKT_NAK)
		link_tx_kick(tx);
}

static void link_fly_event(void *arg)
{
	struct link_dir *d = arg;
	sim_time_t now = sim_now(d->l->c.sim->k);
	d->fly_ev = false;
	while (d->fly_n && d->fly[d->fly_head].arrive <= now) {
		struct link_fly f = d->fly[d->fly_head];
		d->fly_head = (d->fly_head + 1) % d->fly_cap;
		d->fly_n--;
		if (f.kind == PKT_TLP)
			link_rx_tlp(d, &f, now);
		else
			link_rx_dllp(d, &f, now);
	}
	link_fly_arm(d);
}

/* ---------------------------------------------------------------- ports -- */

static bool link_accept(struct link_dir *d, struct tlp *t)
{
	int c = pcie_fc_class_of(t->type);
	if (d->q[c].n >= d->l->p.tx_queue) {
		(*d->st_refusals)++;
		return false;
	}
	t->t_due = d->arrivals++;               /* age, for the ordering rules */
	tlp_fifo_push(&d->q[c], t);
	link_tx_kick(d);
	return true;
}

static bool link_down_recv(struct port *p, struct tlp *t)
{
	return link_accept(&container_of(p, struct link, down)->to_up, t);
}

static bool link_up_recv(struct port *p, struct tlp *t)
{
	return link_accept(&container_of(p, struct link, up)->to_down, t);
}

/* The next hop behind 'out' has room again. */
static void link_out_retry(struct link_dir *d)
{
	d->out_blocked = false;
	link_rx_deliver(d);
}

static void link_up_retry(struct port *p)
{
	link_out_retry(&container_of(p, struct link, up)->to_up);
}

static void link_down_retry(struct port *p)
{
	link_out_retry(&container_of(p, struct link, down)->to_down);
}

static const struct port_ops link_down_ops = { .recv = link_down_recv, .retry = link_down_retry };
static const struct port_ops link_up_ops = { .recv = link_up_recv, .retry = link_up_retry };

/* --------------------------------------------------------------- set-up -- */

static int link_stat_counter(struct link_dir *d, uint64_t **out, const char *leaf,
			     const char *unit, const char *desc, struct iov_err *e)
{
	char path[256];
	snprintf(path, sizeof(path), "components.%s.%s.%s", d->l->c.name, d->dname, leaf);
	return (*out = stats_counter(d->l->c.sim->stats, path, unit, desc, e)) ? 0 : -1;
}

static int link_stat_value(struct link_dir *d, double **out, const char *leaf, const char *unit,
			   const char *desc, struct iov_err *e)
{
	char path[256];
	snprintf(path, sizeof(path), "components.%s.%s.%s", d->l->c.name, d->dname, leaf);
	return (*out = stats_value(d->l->c.sim->stats, path, unit, desc, e)) ? 0 : -1;
}

static int link_dir_stats(struct link_dir *d, struct iov_err *e)
{
	static const char *const tnames[TLP__COUNT] = { "mrd", "mwr", "cpld", "cpl", "msg" };
	char leaf[64];
	for (int t = 0; t < TLP__COUNT; t++) {
		snprintf(leaf, sizeof(leaf), "tlp_bytes.%s", tnames[t]);
		if (link_stat_counter(d, &d->st_tlp_bytes[t], leaf, "bytes",
				      "wire bytes of TLPs of this type, replays included", e))
			return -1;
	}
	for (int c = 0; c < PCIE_FC__COUNT; c++) {
		snprintf(leaf, sizeof(leaf), "credit_stall_ns.%s", pcie_fc_class_name(c));
		if (link_stat_value(d, &d->st_stall_ns[c], leaf, "ns",
				    "time the class's next TLP waited for flow-control credits", e))
			return -1;
	}
	if (link_stat_counter(d, &d->st_tlps, "tlps", "", "TLPs sent, replays included", e) ||
	    link_stat_counter(d, &d->st_payload, "payload_bytes", "bytes",
			      "payload carried (first transmissions)", e) ||
	    link_stat_counter(d, &d->st_ack_bytes, "dllp_bytes.ack", "bytes",
			      "Ack DLLPs on this wire (acknowledging the other direction)", e) ||
	    link_stat_counter(d, &d->st_nak_bytes, "dllp_bytes.nak", "bytes",
			      "NAK DLLPs on this wire", e) ||
	    link_stat_counter(d, &d->st_fc_bytes, "dllp_bytes.updatefc", "bytes",
			      "UpdateFC DLLPs on this wire (returning the other direction's credits)",
			      e) ||
	    link_stat_counter(d, &d->st_skp_bytes, "skp_bytes", "bytes",
			      "SKP ordered sets sent between packets", e) ||
	    link_stat_counter(d, &d->st_naks, "naks", "", "NAKs received for this direction's TLPs",
			      e) ||
	    link_stat_counter(d, &d->st_replays, "replays", "", "replays started (NAK or timeout)",
			      e) ||
	    link_stat_counter(d, &d->st_timeouts, "replay_timeouts", "",
			      "replays started by the replay timer", e) ||
	    link_stat_counter(d, &d->st_replayed, "replayed_bytes", "bytes",
			      "wire bytes of TLPs sent again", e) ||
	    link_stat_counter(d, &d->st_lcrc, "lcrc_errors", "", "TLPs received with a bad LCRC",
			      e) ||
	    link_stat_counter(d, &d->st_refusals, "refusals", "",
			      "TLPs refused: transmit queue of their class full", e) ||
	    link_stat_value(d, &d->st_util, "utilisation", "",
			    "share of link time carrying TLPs, DLLPs and SKPs", e) ||
	    link_stat_value(d, &d->st_gbps, "payload_gbps", "Gb/s",
			    "payload carried over the whole run", e))
		return -1;
	return 0;
}

static int link_dir_init(struct link *l, struct link_dir *d, struct link_dir *rev,
			 struct port *in, struct port *out, const char *dname, const char *stage,
			 enum link_side rx_side, struct iov_err *e)
{
	struct sim *s = l->c.sim;
	d->l = l;
	d->rev = rev;
	d->in = in;
	d->out = out;
	d->dname = dname;
	d->skp_next = PCIE_SKP_INTERVAL - PCIE_SKP_SYMBOLS;
	char name[192];
	snprintf(name, sizeof(name), "%s.%s", l->c.name, stage);
	rng_seed_named(&d->rng, s->seed, name);
	int st = sim_stage(s, name, e);
	if (st < 0)
		return -1;
	d->stage = (uint16_t)st;
	for (int c = 0; c < PCIE_FC__COUNT; c++) {
		uint64_t h = l->p.credits[rx_side][c][0], dc = l->p.credits[rx_side][c][1];
		d->rxc[c] = (struct link_rx_class){ .inf_h = h == 0, .inf_d = dc == 0,
						    .adv_h = h, .adv_d = dc };
		d->txc[c] = (struct link_tx_class){ .inf_h = h == 0, .inf_d = dc == 0,
						    .lim_h = h, .lim_d = dc };
	}
	d->ring_cap = (uint32_t)l->p.replay_buffer;
	d->ring = calloc(d->ring_cap, sizeof(*d->ring));
	/* Packets in flight: the wire's length plus one max-size TLP, in DLLPs. */
	uint64_t fly = (link_div_up(l->p.propagation, link_bytes_ps(l, 8)) +
			l->mps / 8 + 64);
	d->fly_cap = (uint32_t)(fly < 4096 ? fly : 4096);
	d->fly = calloc(d->fly_cap, sizeof(*d->fly));
	if (!d->ring || !d->fly)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	return link_dir_stats(d, e);
}

static void link_free_fifo(struct sim *s, struct tlp_fifo *q)
{
	struct tlp *t;
	while ((t = tlp_fifo_pop(q)))
		tlp_free(s->tlps, t);
}

static void link_dir_free(struct sim *s, struct link_dir *d)
{
	for (int c = 0; c < PCIE_FC__COUNT; c++)
		link_free_fifo(s, &d->q[c]);
	link_free_fifo(s, &d->rxq);
	if (d->ring)
		for (uint32_t i = 0; i < d->ring_n; i++)
			if (link_slot_at(d, i)->tlp)
				tlp_free(s->tlps, link_slot_at(d, i)->tlp);
	free(d->ring);
	free(d->fly);
}

static void link_destroy(struct component *c)
{
	struct link *l = container_of(c, struct link, c);
	link_dir_free(c->sim, &l->to_up);
	link_dir_free(c->sim, &l->to_down);
	free(l);
}

/* Location of a parameter for messages: its value, else the component's map. */
static const struct cfg_node *link_param_node(const struct cfg_node *node, const char *key)
{
	const struct cfg_node *v = node ? cfg_get(node, key) : NULL;
	return v ? v : node;
}

/* A bad parameter: report it at its value (or at the component's map when
 * the value is a default). msg says what is wrong and what is allowed. */
static int link_bad(const struct cfg_node *node, const char *key, const char *msg,
		    struct iov_err *e)
{
	const struct cfg_node *at = link_param_node(node, key);
	if (at)
		return cfg_err(e, at, "%s", msg);
	return iov_err_set(e, IOV_BAD_INPUT, "%s", msg);
}

static int link_check_params(const struct link_params *p, const char *name,
			     const struct cfg_node *node, struct iov_err *e)
{
	char msg[320];
	if (!pcie_width_valid((unsigned)p->width)) {
		snprintf(msg, sizeof(msg), "pcie_link '%s': width %llu is not a PCIe link width; "
			 "allowed: 1, 2, 4, 8, 12, 16, 32", name, (unsigned long long)p->width);
		return link_bad(node, "width", msg, e);
	}
	if (!pcie_size_valid((unsigned)p->mps)) {
		snprintf(msg, sizeof(msg), "pcie_link '%s': mps %llu is not allowed; use a power "
			 "of two from 128 to 4096", name, (unsigned long long)p->mps);
		return link_bad(node, "mps", msg, e);
	}
	static const char *const keys[2][PCIE_FC__COUNT] = {
		{ "host_p_data", "host_np_data", "host_cpl_data" },
		{ "dev_p_data", "dev_np_data", "dev_cpl_data" },
	};
	uint64_t need = pcie_data_credits((uint32_t)p->mps);
	for (int s = 0; s < 2; s++)
		for (int c = PCIE_FC_P; c <= PCIE_FC_CPL; c += 2) {  /* P and Cpl carry data */
			uint64_t v = p->credits[s][c][1];
			if (v == 0 || v >= need)
				continue;
			snprintf(msg, sizeof(msg), "pcie_link '%s': %s = %llu cannot hold one "
				 "max-payload TLP (%llu credits of 16 B at mps %llu); use at least "
				 "that, or 0 for infinite", name, keys[s][c], (unsigned long long)v,
				 (unsigned long long)need, (unsigned long long)p->mps);
			return link_bad(node, keys[s][c], msg, e);
		}
	return 0;
}

/* Derived constants: intervals, timer, error probability. */
static void link_derive(struct link *l)
{
	const struct link_params *p = &l->p;
	l->width = (unsigned)p->width;
	l->mps = (unsigned)p->mps;
	l->bt = pcie_byte_time((unsigned)p->gen);
	int table = pcie_dllp_interval((unsigned)p->gen, l->width, l->mps);
	uint64_t ack = p->ack_interval ? p->ack_interval : (uint64_t)table;
	uint64_t fc = p->fc_interval ? p->fc_interval : (uint64_t)table;
	l->i_ack = (uint64_t)llround((double)ack * p->dllp_scale);
	l->i_fc = (uint64_t)llround((double)fc * p->dllp_scale);
	if (l->i_ack < 1)
		l->i_ack = 1;
	if (l->i_fc < 1)
		l->i_fc = 1;
	l->ack_ps = link_bytes_ps(l, l->i_ack);
	l->fc_ps = link_bytes_ps(l, l->i_fc);
	if (p->replay_timer) {
		l->replay_ps = p->replay_timer;
	} else {
		/* Spec: REPLAY_TIMER limit ~ 3 x the Ack latency limit (symbol times);
		 * plus the flight both ways and a max-size TLP each way, which the
		 * spec's on-chip numbers leave out. */
		sim_time_t spec = link_sym_ps(l, ack);
		sim_time_t mine = l->ack_ps > spec ? l->ack_ps : spec;
		uint64_t maxpkt = l->mps + 28;
		l->replay_ps = 3 * mine + 2 * p->propagation + 2 * link_bytes_ps(l, maxpkt);
	}
	l->p_bit_ok_log = log1p(-p->ber);
}

static struct component *link_create(struct sim *s, const char *name, const void *params,
				     const struct cfg_node *node, struct iov_err *e)
{
	const struct link_params *p = params;
	if (link_check_params(p, name, node, e))
		return NULL;
	struct link *l = calloc(1, sizeof(*l));
	if (!l) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	l->p = *p;
	link_derive(l);
	struct sim_clock clk = { .period = link_sym_ps(l, 1), .phase = 0 };
	component_init(&l->c, s, &model_pcie_link, name, &clk);
	if (component_add_port(&l->c, &l->down, "down", &link_down_ops, e) ||
	    component_add_port(&l->c, &l->up, "up", &link_up_ops, e) ||
	    link_dir_init(l, &l->to_up, &l->to_down, &l->down, &l->up, "upstream", "up",
			  LINK_HOST, e) ||
	    link_dir_init(l, &l->to_down, &l->to_up, &l->up, &l->down, "downstream", "down",
			  LINK_DEV, e)) {
		link_destroy(&l->c);
		return NULL;
	}
	return &l->c;
}

static void link_dir_finish(struct link_dir *d, sim_time_t now)
{
	struct link *l = d->l;
	for (int c = 0; c < PCIE_FC__COUNT; c++) {
		link_stall_end(&d->txc[c], now);
		*d->st_stall_ns[c] = sim_time_to_ns(d->txc[c].stall_ps);
	}
	if (now > 0) {
		/* Link bytes that fit in [0, now): now / byte time * width. */
		double cap = (double)now * (double)l->bt.den / (double)l->bt.num * l->width;
		double u = (double)d->busy_bytes / cap;
		*d->st_util = u > 1.0 ? 1.0 : u;
		*d->st_gbps = (double)*d->st_payload * 8.0 / ((double)now / 1000.0);
	}
}

static void link_finish(struct component *c)
{
	struct link *l = container_of(c, struct link, c);
	sim_time_t now = sim_now(c->sim->k);
	link_dir_finish(&l->to_up, now);
	link_dir_finish(&l->to_down, now);
}

static const struct model_ops link_ops = {
	.create = link_create,
	.finish = link_finish,
	.destroy = link_destroy,
};

static const struct port_doc link_ports[] = {
	{ "down", "device side: TLPs in go upstream, TLPs out came downstream" },
	{ "up", "host side (root port or switch downstream port)" },
	{ NULL, NULL },
};

const struct model model_pcie_link = {
	.kind = "pcie",
	.type = "pcie_link",
	.desc = "PCIe link, Gen1-6 x1-x32: symbol-time serialisation, Ack/UpdateFC DLLPs, "
		"credit flow control, SKPs, LCRC errors and replay",
	.ops = &link_ops,
	.params = link_param_desc,
	.params_size = sizeof(struct link_params),
	.ports = link_ports,
	.not_modelled = "LTSSM/training, lane skew and packet lane alignment, power states, the "
			"flow-control init handshake, counter wrap, DLLP errors, Gen3 block "
			"boundaries, Gen6 FLIT framing/FEC, virtual channels",
};
