/* nic_flr.c - Function Level Reset of a VF in the NIC, and the 'events:' list that triggers it
 *
 * models/pcie/sriov_pf.c runs the reset's timing: sriov_vf_flr clears the
 * VF's Bus Master Enable, calls vf_flr(start), and 'flr_time' later
 * (sriov: flr_time, FACTS.md: at most 100 ms) vf_flr(done). Here, at start,
 * the NIC does what a device does for a function in reset:
 *  - it issues no new requests for the VF: every DMA job of the VF still
 *    queued (descriptor fetches, TX reads, RX writes, write-backs, MSI-X) is
 *    dropped; a read with requests already out stops issuing, and the
 *    completions that come back for it are discarded (its tags freed) -
 *    they carry the function's old epoch;
 *  - its rings go back to the disabled state: every counter 0, the
 *    moderation timers cancelled, the packets in its rings and its share of
 *    the RX buffer freed; its frames waiting in the port's TX FIFO are
 *    dropped (the one on the wire finishes, its completion is dropped);
 *  - its MSI-X vectors are reset: address and data cleared, every entry
 *    masked, pending bits clear;
 *  - doorbells and packets for it are ignored (packets counted as drops).
 * After the reset ('flr_driver'): reinit - 'flr_reinit_time' after the
 * reset ends the VF's driver restores what it had (the vectors it
 * programmed, Bus Master Enable, as Linux's pci_restore_state after a
 * reset), posts its RX descriptors again and its generators go on; down -
 * the VF stays disabled (no driver), BME clear. rr transactions whose
 * request or response was in the VF at the reset are lost (TCP's
 * retransmission is not modelled); a response still being thought about is
 * sent after the re-arm.
 *
 * 'events:' lists {at, op: flr, vf}. An FLR of a VF already resetting is
 * refused by sriov_vf_flr (components.<nic>.sriov.vf_flrs counts started ones).
 *
 * Not modelled: the PF's own FLR, a VF FLR started by its guest through
 * config space (only the event list), the device's internal reset work
 * (the queues are clean at once).
 */
#include <stdlib.h>
#include <string.h>

#include "nic_impl.h"
#include "models/pcie/sriov.h"

struct nic_event {
	sim_time_t at;
	int op;
	uint64_t vf;
};

static const char *const nic_event_ops[] = { "flr", NULL };

#define NE(f) offsetof(struct nic_event, f)
static const struct param_desc nic_event_desc[] = {
	{ "at", PARAM_TIME, NE(at), NULL, 0, 0, NULL, "when it happens" },
	{ "op", PARAM_ENUM, NE(op), NULL, 0, 0, nic_event_ops, "flr: Function Level Reset" },
	{ "vf", PARAM_U64, NE(vf), NULL, 1, 256, NULL, "the VF (1-based)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct nic_ev {
	struct nic *n;
	struct nic_event e;
};

/* The frames of f in the port's TX FIFO (read into the device, waiting for
 * the wire) belong to its queues and are dropped, their TX buffer room
 * freed; the one being serialised finishes (its slot lets go of it, its
 * completion is stale). Runs after the rings left the TX-buffer wait list. */
static void flr_flush_wire(struct nic *n, struct nic_fn *f)
{
	struct net_fifo keep = { 0 };
	struct net_pkt *np;
	bool first = true;
	uint32_t freed = 0;
	while ((np = net_fifo_pop(&n->wire.tx_q))) {
		struct nic_pkt *p = nic_pkt_of(np);
		bool on_wire = first && n->wire.tx_busy;
		first = false;
		if (p->src_fn != f->idx || on_wire) {
			if (p->src_fn == f->idx) {
				struct nic_ring *r = &f->qp[p->queue].tx;
				r->slot[p->desc % r->size] = NULL;
			}
			net_fifo_push(&keep, np);
			continue;
		}
		freed += p->len;        /* its slot still holds it: freed with the ring */
	}
	n->wire.tx_q = keep;
	if (freed)
		nic_tx_buffer_free(n, freed);
}

static void flr_unwait(struct nic *n, struct nic_ring *r)
{
	if (!r->waiting_buf)
		return;
	struct nic_ring **pp = &n->tx_wait_head, *prev = NULL;
	while (*pp && *pp != r) {
		prev = *pp;
		pp = &(*pp)->wait_next;
	}
	if (*pp)
		*pp = r->wait_next;
	if (n->tx_wait_tail == r)
		n->tx_wait_tail = prev;
	r->waiting_buf = false;
	r->wait_next = NULL;
}

/* Ring r back to its reset state. */
static void flr_ring_reset(struct nic *n, struct nic_ring *r)
{
	struct nic_fn *f = r->fn;
	if (r->itr_armed)
		sim_cancel(n->c.sim->k, r->itr_ev);
	r->itr_armed = false;
	r->itr_pending = 0;
	for (uint32_t c = r->reaped; c != r->tail; c++) {
		uint32_t i = c % r->size;
		/* TX: done or finished ones have left; the rest, and every RX
		 * packet the driver has not handled, are lost */
		bool sent = r->tx && (c - r->reaped < r->done - r->reaped || r->finished[i]);
		if (r->slot[i] && !sent)
			(*f->st.flr_dropped_pkts)++;
		if (r->slot[i])
			nic_pkt_free(n, r->slot[i]);
		r->slot[i] = NULL;
	}
	for (uint32_t i = 0; i < r->size; i++)
		r->finished[i] = false;
	struct nic_pkt *p;
	while ((p = nic_pkt_pop(&r->waiting))) {
		n->rx_buf_used -= p->len;
		(*f->st.flr_dropped_pkts)++;
		nic_pkt_free(n, p);
	}
	r->tail = r->tail_db = r->tail_seen = 0;
	r->fetched = r->used = r->done = r->wb_q = r->wb = r->reaped = 0;
	r->fetching = false;
}

static void flr_start(struct nic *n, struct nic_fn *f)
{
	(*f->st.flrs)++;
	f->in_flr = true;
	f->drv_down = true;
	f->epoch++;
	for (unsigned q = 0; q < f->nqp; q++)
		flr_unwait(n, &f->qp[q].tx);
	nic_dma_flr(&n->dma, f);
	flr_flush_wire(n, f);
	for (unsigned q = 0; q < f->nqp; q++) {
		flr_ring_reset(n, &f->qp[q].rx);
		flr_ring_reset(n, &f->qp[q].tx);
	}
	memcpy(f->msix_saved, f->msix.e, f->msix.n * sizeof(*f->msix.e));
	for (unsigned i = 0; i < f->msix.n; i++)
		f->msix.e[i] = (struct msix_entry){ .masked = true };
	f->bucket.tokens = 0;
	f->bucket.last = sim_now(n->c.sim->k);
}

/* The VF's driver sets it up again (flr_driver: reinit). */
static void flr_reinit(void *arg)
{
	struct nic_fn *f = arg;
	struct nic *n = f->nic;
	if (f->in_flr || !f->drv_down)
		return;                 /* reset again meanwhile: that one's re-init follows */
	for (unsigned i = 0; i < f->msix.n; i++) {
		f->msix.e[i] = f->msix_saved[i];
		f->msix.e[i].masked = false;
		f->msix.e[i].pending = false;
	}
	sriov_vf_set_bme(n->ep.sriov, f->idx, true);
	f->drv_down = false;
	(*f->st.flr_reinits)++;
	nic_drv_start(f);
	for (unsigned q = 0; q < f->nqp; q++)
		nic_traffic_tx_room(n, f, q);
}

static void nic_vf_flr(void *ctx, struct sriov_pf *sp, unsigned vf, bool start)
{
	(void)sp;
	struct nic *n = ctx;
	struct nic_fn *f = nic_fn_at(n, vf);
	if (!f || !f->qp)
		return;
	if (start) {
		flr_start(n, f);
		return;
	}
	f->in_flr = false;
	if (n->p.flr_driver == 0)
		sim_schedule(n->c.sim->k, n->p.flr_reinit_time, flr_reinit, f);
}

static const struct sriov_ops nic_sriov_ops = { .vf_flr = nic_vf_flr };

static void nic_event_fire(void *arg)
{
	struct nic_ev *ev = arg;
	sriov_vf_flr(ev->n->ep.sriov, (unsigned)ev->e.vf);
}

int nic_events_load(struct nic *n, struct iov_err *e)
{
	if (n->ep.sriov)
		sriov_set_ops(n->ep.sriov, &nic_sriov_ops, n);
	const struct cfg_node *l = n->p.events;
	if (!l || (l->kind == CFG_SCALAR && !l->str[0]))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "events must be a list of {at, op: flr, vf}");
	n->evs = calloc(l->n ? l->n : 1, sizeof(*n->evs));
	if (!n->evs)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct nic_ev *ev = &n->evs[i];
		ev->n = n;
		if (cfg_load_params(l->items[i], nic_event_desc, NULL, &ev->e, "NIC event", e))
			return -1;
		n->nevs++;
		if (ev->e.vf >= n->nfns)
			return cfg_err(e, cfg_get(l->items[i], "vf"), "%s: event for VF %llu; %u VFs "
				       "are enabled (sriov: num_vfs)", n->c.name,
				       (unsigned long long)ev->e.vf, n->nfns - 1);
	}
	return 0;
}

void nic_events_start(struct nic *n)
{
	for (size_t i = 0; i < n->nevs; i++)
		sim_schedule_at(n->c.sim->k, n->evs[i].e.at, nic_event_fire, &n->evs[i]);
}
