/* dma_ats.c - the dma_source's side of PCIe ATS: translate each TLP through the ATC, ask on a miss
 *
 * For a function with 'ats: true', every read or write TLP of a record not
 * marked [at] passes atc_step (models/pcie/atc.h) before it leaves: a hit
 * sends it with the translated address; a miss sends a Translation Request,
 * which holds a tag like a read, and the engine waits for its completion
 * (in order: no hit under miss, so pieces missing on one page cost one
 * request). A completion without the permission needed, or an error
 * completion, abandons the rest of the record: without PRI the device has
 * no way to get the page mapped. MSIs are never translated here.
 *
 * Not modelled: several Translation Requests in flight, prefetching
 * translations, PRI, PASID-tagged translations.
 */
#include "dma_impl.h"

static bool dma_ats_applies(const struct dma_source *d)
{
	return atc_enabled(&d->ep.atc) && !(d->cur.flags & TRACE_F_TRANSLATED) &&
	       (d->cur.op == TRACE_OP_READ || d->cur.op == TRACE_OP_WRITE);
}

static unsigned dma_ats_need(const struct dma_source *d)
{
	return d->cur.op == TRACE_OP_READ ? ATC_PERM_R : ATC_PERM_W;
}

/* No translation for the next TLP of cur: the rest of the record is not done
 * (what was sent of it still completes, but it is not a finished DMA). */
static void dma_abandon(struct dma_source *d)
{
	if (d->cur_txn >= 0) {
		struct dma_txn *x = &d->txns[d->cur_txn];
		x->reqs_left = 0;
		x->failed = true;
		if (!x->cpls_left)
			dma_free_txn(d, x);
	}
	d->have_cur = false;
}

enum dma_go dma_ats_step(struct dma_source *d, uint64_t *hpa)
{
	if (!dma_ats_applies(d))
		return DMA_GO_PLAIN;
	sim_time_t now = sim_now(d->c.sim->k), when = now;
	switch (atc_step(&d->ep.atc, d->cur.addr + d->cur_off, dma_ats_need(d), now, &when, hpa)) {
	case ATC_TRANSLATED:
		return DMA_GO_TRANSLATED;
	case ATC_WAIT_UNTIL:
		dma_schedule_issue(d, when);    /* the lookup's latency */
		break;
	case ATC_WAIT_TC:
		break;                          /* woken by the Translation Completion */
	case ATC_TREQ:
		if (d->tags_used < d->p.max_outstanding)
			return DMA_GO_TREQ;
		(*d->st_tag_stalls)++;
		break;                          /* woken by a completion */
	case ATC_FAIL:
		dma_abandon(d);
		dma_schedule_issue(d, now);
		break;
	}
	return DMA_GO_WAIT;
}

struct tlp *dma_make_treq(struct dma_source *d, uint32_t flow)
{
	struct tlp *t = tlp_alloc(d->c.sim->tlps);
	if (!t)
		return NULL;
	const struct trace_source *src = &d->ts->sources[d->cur.src];
	t->rid = src->is_bdf ? src->rid : pcie_ep_rid(&d->ep);
	t->flow = flow;
	t->cookie = DMA_TREQ_COOKIE;
	atc_treq_init(&d->ep.atc, t, d->cur.addr + d->cur_off);
	return t;
}

void dma_ats_completion(struct dma_source *d, struct tlp *t)
{
	struct sim *s = d->c.sim;
	d->tags_used--;
	if (t->status != TLP_SC_SC)
		(*d->st_cpl_errors)++;          /* the fabric counted it as blocked */
	if (atc_treq_done(&d->ep.atc, t, dma_ats_need(d)) == ATC_TC_NONE &&
	    t->status == TLP_SC_SC)
		iso_blocked_flow(s, t->flow);   /* refused by the translation, not the fabric */
	tlp_free(s->tlps, t);
	dma_schedule_issue(d, sim_now(s->k));
}
