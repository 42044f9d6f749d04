/* nic_ring.c - descriptor rings: fetch, packet data DMA, write-back, interrupt moderation
 *
 * Each queue pair of a function has an RX and a TX ring of 'ring_size'
 * descriptors of 'desc_size' bytes in guest memory (IOVAs), each descriptor
 * owning a 'buf_size' buffer. The driver posts descriptors and writes the
 * ring's tail doorbell; the device fetches up to 'desc_per_fetch' descriptors
 * per DMA read while its on-chip cache of 'desc_cache' descriptors per ring
 * has room (one fetch in flight per ring, never across the ring's end), then:
 *  - TX: reads each packet's buffer (MRRS-split reads), sends it to the wire
 *    (nic_wire.c); once it has left, the descriptor is done;
 *  - RX: a packet from the wire waits in the device's RX buffer
 *    ('rx_buffer' bytes, shared by all functions; full = dropped) until a
 *    fetched descriptor is free, then is written to its buffer (MPS-split
 *    writes); the descriptor is done when the last write is sent.
 * Done descriptors are written back (one DMA write of n x desc_size bytes)
 * when 'wb_batch' have gathered, and before every interrupt. Interrupt
 * moderation per ring (like ITR): an interrupt after 'itr_packets'
 * completions, or 'itr_time' after the first completion not yet signalled;
 * the MSI-X message queues behind the write-backs, so the driver sees them.
 * A masked vector sets its pending bit instead (counted).
 *
 * TX data reads wait for room in the shared 'tx_buffer' (rings waiting for
 * it take turns, a packet each) and for the function's rate limit: a token
 * bucket (its rate, a burst of one buffer plus 10 us at the rate) that must
 * hold a packet's length before its data is read.
 *
 * Not modelled: descriptor contents (the driver model keeps what they say;
 * a failed fetch is counted and the ring carries on as if it had read
 * them), header split, scatter-gather over several descriptors (a packet
 * fits one buffer), head write-back, RSC/LRO, TSO.
 */
#include "nic_impl.h"

static void ring_writeback(struct nic_ring *r);

static uint32_t ring_slot(const struct nic_ring *r, uint32_t ctr)
{
	return ctr % r->size;
}

/* Fetch more descriptors if some are posted and the cache has room. */
/* A DMA job over the k descriptors of r from counter 'first' (not crossing
 * the ring's end): a fetch or a write-back. NULL: out of memory (reported). */
static struct nic_job *ring_desc_job(struct nic_ring *r, enum nic_job_kind kind, uint32_t first,
				     uint32_t k)
{
	struct nic *n = r->fn->nic;
	struct nic_job *j = nic_job_alloc(&n->dma);
	if (!j)
		return NULL;
	j->kind = kind;
	j->ring = r;
	j->addr = r->base + (uint64_t)ring_slot(r, first) * n->p.desc_size;
	j->len = k * (uint32_t)n->p.desc_size;
	j->count = k;
	return j;
}

static void ring_try_fetch(struct nic_ring *r)
{
	struct nic *n = r->fn->nic;
	if (r->fetching || r->tail_seen == r->fetched || r->fn->in_flr || r->fn->drv_down)
		return;
	uint32_t cached = r->fetched - r->used;
	if (cached >= n->p.desc_cache)
		return;
	uint32_t k = r->tail_seen - r->fetched;
	uint32_t room = (uint32_t)n->p.desc_cache - cached;
	uint32_t to_end = r->size - ring_slot(r, r->fetched);
	if (k > n->p.desc_per_fetch)
		k = (uint32_t)n->p.desc_per_fetch;
	if (k > room)
		k = room;
	if (k > to_end)
		k = to_end;
	struct nic_job *j = ring_desc_job(r, NJ_DESC_FETCH, r->fetched, k);
	if (!j)
		return;
	r->fetching = true;
	(*r->fn->st.desc_fetches)++;
	nic_dma_submit(&n->dma, j);
}

static void ring_tx_start(struct nic_ring *r);

/* Submit job j moving packet p between its buffer (descriptor r->used) and
 * the device; the descriptor is used. */
static void ring_data_submit(struct nic_ring *r, struct nic_job *j, enum nic_job_kind kind,
			     struct nic_pkt *p)
{
	struct nic *n = r->fn->nic;
	j->kind = kind;
	j->ring = r;
	j->addr = r->buf_base + (uint64_t)ring_slot(r, r->used) * n->p.buf_size;
	j->len = p->len;
	j->pkt = p;
	r->used++;
	nic_dma_submit(&n->dma, j);
}

static void rl_wake(void *arg)
{
	struct nic_fn *f = arg;
	f->rl_pending = false;
	for (unsigned q = 0; q < f->nqp; q++)
		ring_tx_start(&f->qp[q].tx);
}

/* The function's TX rate limit: may a packet of len bytes be read now?
 * If not, its rings are woken when the bucket will hold it. */
static bool ring_rate_ok(struct nic_fn *f, uint32_t len)
{
	struct nic_bucket *b = &f->bucket;
	if (b->rate <= 0)
		return true;
	struct sim_kernel *k = f->nic->c.sim->k;
	sim_time_t now = sim_now(k);
	b->tokens += b->rate * (double)(now - b->last) * 1e-12;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last = now;
	if (b->tokens + 1e-6 >= (double)len) {
		b->tokens -= (double)len;
		return true;
	}
	if (!f->rl_pending) {
		f->rl_pending = true;
		(*f->st.rate_limited)++;
		double wait = ((double)len - b->tokens) / b->rate * 1e12;
		sim_schedule(k, (sim_time_t)wait + 1, rl_wake, f);
	}
	return false;
}

static void ring_wait_buf(struct nic_ring *r)
{
	struct nic *n = r->fn->nic;
	if (r->waiting_buf)
		return;
	r->waiting_buf = true;
	r->wait_next = NULL;
	if (n->tx_wait_tail)
		n->tx_wait_tail->wait_next = r;
	else
		n->tx_wait_head = r;
	n->tx_wait_tail = r;
}

/* TX: a data read for fetched descriptors not yet started, at most 'max'
 * of them, while the TX buffer has room for the packet; else the ring
 * waits its turn (round robin over waiting rings, a packet each). Returns
 * the number started. */
static unsigned ring_tx_start_n(struct nic_ring *r, unsigned max, bool turn)
{
	struct nic *n = r->fn->nic;
	unsigned k = 0;
	if (r->fn->in_flr || r->fn->drv_down)
		return 0;
	while (r->used != r->fetched && k < max) {
		struct nic_pkt *p = r->slot[ring_slot(r, r->used)];
		if (n->tx_buf_used + p->len > n->p.tx_buffer || (n->tx_wait_head && !turn)) {
			ring_wait_buf(r);
			return k;
		}
		if (!ring_rate_ok(r->fn, p->len))
			return k;
		struct nic_job *j = nic_job_alloc(&n->dma);
		if (!j)
			return k;
		n->tx_buf_used += p->len;
		k++;
		ring_data_submit(r, j, NJ_TX_DATA, p);
	}
	return k;
}

static void ring_tx_start(struct nic_ring *r)
{
	if (!r->waiting_buf)
		ring_tx_start_n(r, UINT32_MAX, false);
}

void nic_tx_buffer_free(struct nic *n, uint32_t len)
{
	n->tx_buf_used -= len;
	while (n->tx_wait_head) {
		struct nic_ring *r = n->tx_wait_head;
		struct nic_pkt *p = r->slot[ring_slot(r, r->used)];
		if (n->tx_buf_used + p->len > n->p.tx_buffer)
			return;
		n->tx_wait_head = r->wait_next;
		if (!n->tx_wait_head)
			n->tx_wait_tail = NULL;
		r->waiting_buf = false;
		if (ring_tx_start_n(r, 1, true) && r->used != r->fetched)
			ring_wait_buf(r);       /* back of the line (0: its rate limit wakes it) */
		ring_try_fetch(r);
	}
}

/* RX: place waiting packets into fetched descriptors. */
static void ring_rx_place(struct nic_ring *r)
{
	struct nic *n = r->fn->nic;
	while (r->waiting.head && r->used != r->fetched) {
		struct nic_pkt *p = nic_pkt_pop(&r->waiting);
		struct nic_job *j = nic_job_alloc(&n->dma);
		if (!j)
			return;
		r->slot[ring_slot(r, r->used)] = p;
		p->desc = r->used;
		ring_data_submit(r, j, NJ_RX_DATA, p);
	}
}

void nic_ring_doorbell(struct nic_ring *r, uint32_t tail)
{
	r->tail_seen = tail;
	ring_try_fetch(r);
}

static void ring_itr_timer(void *arg)
{
	struct nic_ring *r = arg;
	r->itr_armed = false;
	if (r->itr_pending)
		nic_ring_interrupt(r);
}

/* Descriptor 'desc' is done; descriptors complete in ring order (a TX packet
 * whose data came back early waits for the ones before it). Then the
 * write-back threshold, then moderation. */
static void ring_completed(struct nic_ring *r, uint32_t desc)
{
	struct nic *n = r->fn->nic;
	r->finished[ring_slot(r, desc)] = true;
	if (desc != r->done)
		return;
	while (r->done != r->used && r->finished[ring_slot(r, r->done)]) {
		r->finished[ring_slot(r, r->done)] = false;
		r->done++;
		r->itr_pending++;
	}
	if (r->done - r->wb_q >= n->p.wb_batch)
		ring_writeback(r);
	if (r->itr_pending >= n->p.itr_packets) {
		nic_ring_interrupt(r);
		return;
	}
	if (!r->itr_armed) {
		r->itr_armed = true;
		r->itr_ev = sim_schedule(n->c.sim->k, n->p.itr_time, ring_itr_timer, r);
	}
}

/* Write back every done descriptor not yet queued (split at the ring's end). */
static void ring_writeback(struct nic_ring *r)
{
	struct nic *n = r->fn->nic;
	while (r->wb_q != r->done) {
		uint32_t k = r->done - r->wb_q;
		uint32_t to_end = r->size - ring_slot(r, r->wb_q);
		if (k > to_end)
			k = to_end;
		struct nic_job *j = ring_desc_job(r, NJ_WRITEBACK, r->wb_q, k);
		if (!j)
			return;
		r->wb_q += k;
		(*r->fn->st.writebacks)++;
		nic_dma_submit(&n->dma, j);
	}
}

void nic_ring_interrupt(struct nic_ring *r)
{
	struct nic_fn *f = r->fn;
	struct nic *n = f->nic;
	if (r->itr_armed) {
		sim_cancel(n->c.sim->k, r->itr_ev);
		r->itr_armed = false;
	}
	ring_writeback(r);
	r->itr_pending = 0;
	struct msix_entry *m = &f->msix.e[r->vector];
	if (m->masked) {
		m->pending = true;
		(*f->st.irq_masked)++;
		return;
	}
	struct nic_job *j = nic_job_alloc(&n->dma);
	if (!j)
		return;
	j->kind = NJ_MSI;
	j->ring = r;
	if (f->pfn->bme) {              /* else the engine drops it (counted there) */
		(*f->st.interrupts)++;
		(*n->tot->interrupts)++;
	}
	nic_dma_submit(&n->dma, j);
}

void nic_rx_arrive(struct nic *n, struct nic_pkt *p)
{
	struct nic_fn *f = nic_fn_at(n, p->dst_fn);
	if (f && (f->in_flr || f->drv_down)) {  /* its queues are disabled */
		(*f->st.rx_drops)++;
		(*f->st.flr_dropped_pkts)++;
		(*n->tot->rx_drops)++;
		nic_pkt_free(n, p);
		return;
	}
	if (!f || n->rx_buf_used + p->len > n->p.rx_buffer) {
		(*n->st_rx_buffer_full)++;
		if (f)
			(*f->st.rx_drops)++;
		(*n->tot->rx_drops)++;
		nic_pkt_free(n, p);
		return;
	}
	p->queue = (uint16_t)(p->flow % f->nqp);
	struct nic_ring *r = &f->qp[p->queue].rx;
	n->rx_buf_used += p->len;
	nic_pkt_push(&r->waiting, p);
	ring_rx_place(r);
	ring_try_fetch(r);
}

void nic_tx_done(struct nic *n, struct nic_pkt *p)
{
	struct nic_fn *f = nic_fn_at(n, p->src_fn);
	if (p->epoch != f->epoch) {
		nic_pkt_free(n, p);     /* left the port after its function's FLR: no ring */
		return;
	}
	ring_completed(&f->qp[p->queue].tx, p->desc);
}

void nic_job_done(struct nic *n, struct nic_job *j)
{
	struct nic_ring *r = j->ring;
	switch (j->kind) {
	case NJ_DESC_FETCH:
		r->fetching = false;
		r->fetched += j->count;
		if (r->tx)
			ring_tx_start(r);
		else
			ring_rx_place(r);
		ring_try_fetch(r);
		break;
	case NJ_TX_DATA:
		if (j->failed) {        /* data never came: the packet goes nowhere */
			nic_tx_buffer_free(n, j->pkt->len);
			nic_tx_done(n, j->pkt);
		} else
			nic_wire_send(n, j->pkt);
		ring_try_fetch(r);
		break;
	case NJ_RX_DATA:
		n->rx_buf_used -= j->len;
		ring_completed(r, j->pkt->desc);
		ring_try_fetch(r);
		break;
	case NJ_WRITEBACK:
		if (!j->failed)         /* a blocked write-back tells the driver nothing */
			r->wb += j->count;
		break;
	case NJ_MSI:
		if (!j->failed)
			nic_irq_sent(r->fn, r->vector);
		break;
	}
}
