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

#include "link_impl.h"

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

static struct port *link_across(struct pcie_node *n, struct port *in)
{
	struct link *l = container_of(n, struct link, node);
	return in == &l->down ? &l->up : &l->down;
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
	l->node = (struct pcie_node){ .kind = PCIE_NODE_LINK, .c = &l->c, .up = &l->up,
				      .across = link_across, .pinned_bus = -1 };
	l->c.pcie = &l->node;
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
