/* link_tx.c - pcie_link transmitter: symbol time, credits, the wire, the replay buffer, DLLP and TLP scheduling */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "link_impl.h"

static void link_tx_event(void *arg);
static void link_rt_event(void *arg);

/* ---------------------------------------------------------------- time -- */

/* Time at which symbol index 'sym' begins (= previous symbol ends), rounded up. */
sim_time_t link_sym_ps(const struct link *l, uint64_t sym)
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
sim_time_t link_bytes_ps(const struct link *l, uint64_t bytes)
{
	unsigned __int128 x = (unsigned __int128)bytes * l->bt.num;
	unsigned __int128 d = (unsigned __int128)l->width * l->bt.den;
	return (sim_time_t)((x + d - 1) / d);
}

uint64_t link_div_up(uint64_t a, uint64_t b)
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

void link_tx_kick(struct link_dir *d)
{
	link_tx_wake(d, sim_now(d->l->c.sim->k));
}

void link_fail(struct link *l, const char *what)
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
uint32_t link_piece(const struct link *l, const struct tlp *t, uint32_t off)
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
void link_tlp_credits(const struct link *l, const struct tlp *t, uint64_t *h, uint64_t *dc)
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

bool link_credits_ok(const struct link_tx_class *c, uint32_t data)
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

void link_stall_end(struct link_tx_class *c, sim_time_t now)
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

void link_fly_arm(struct link_dir *d)
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

struct link_slot *link_slot_at(struct link_dir *d, uint32_t i)
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

void link_rt_restart(struct link_dir *d, sim_time_t now)
{
	d->rt_deadline = d->ring_n ? now + d->l->replay_ps : 0;
	link_rt_arm(d);
}

/* Drop slots the far end has acknowledged (seq < upto). Returns how many. */
uint32_t link_purge(struct link_dir *d, uint64_t upto)
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

void link_replay_start(struct link_dir *d, sim_time_t now)
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
