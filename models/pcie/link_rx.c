/* link_rx.c - pcie_link receiver: LCRC check, sequence, Ack/NAK, credit release, delivery to the next hop */
#include <stdlib.h>
#include <string.h>

#include "link_impl.h"

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

void link_rx_deliver(struct link_dir *d)
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
	struct link_slot *sl = link_slot_at(d, (uint32_t)(f->seq - link_slot_at(d, 0)->seq));
	sl->tlp = NULL;
	/* First symbol of this last piece: where a cut-through switch may start. */
	sim_time_t ser = link_bytes_ps(d->l, sl->bytes);
	f->tlp->t_head = now > ser ? now - ser : 0;
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

void link_fly_event(void *arg)
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
