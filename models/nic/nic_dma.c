/* nic_dma.c - the NIC's DMA engine: jobs split into TLPs, a read and a write channel, bounded tags
 *
 * Every DMA the NIC does (descriptor fetches and TX packet reads on the read
 * channel; RX packet writes, descriptor write-backs and MSI-X messages on the
 * write channel) is a job. Jobs leave in order per channel; the engine
 * alternates between the channels when both have work and sends one TLP per
 * 'issue_cycles' clock cycles. Reads split at MRRS and 4 KiB boundaries and
 * each request holds one of 'max_outstanding' tags until its last completion
 * is in; writes split at MPS and 4 KiB boundaries. Requests carry the routing
 * ID and flow of the function whose ring the job serves; with that function's
 * Bus Master Enable clear a job is dropped (counted, and as blocked DMA in the
 * isolation accounting) - MSI-X messages too, being memory writes (PCIe Base
 * Spec 7.5.1.1.3).
 *
 * Not modelled: separate engines per queue, read completion reordering
 * checks, relaxed ordering between the channels (posted writes stay in
 * order: an MSI follows the write-backs queued before it).
 */
#include <stdlib.h>
#include <string.h>

#include "nic_impl.h"
#include "models/pcie/pcie_wire.h"

#define NIC_JOB_CHUNK 256

static void dma_issue_event(void *arg);

static void fifo_push(struct nic_job_fifo *q, struct nic_job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct nic_job *fifo_pop(struct nic_job_fifo *q)
{
	struct nic_job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		j->next = NULL;
	}
	return j;
}

struct nic_job *nic_job_alloc(struct nic_dma *d)
{
	if (!d->free_jobs) {
		void **nc = realloc(d->chunks, (d->nchunks + 1) * sizeof(*nc));
		struct nic_job *c = calloc(NIC_JOB_CHUNK, sizeof(*c));
		if (nc)
			d->chunks = nc;
		if (!nc || !c) {
			free(c);
			nic_oom(d->nic);
			return NULL;
		}
		d->chunks[d->nchunks++] = c;
		for (size_t i = NIC_JOB_CHUNK; i-- > 0;) {
			c[i].next = d->free_jobs;
			d->free_jobs = &c[i];
		}
	}
	struct nic_job *j = d->free_jobs;
	d->free_jobs = j->next;
	memset(j, 0, sizeof(*j));
	return j;
}

static void job_free(struct nic_dma *d, struct nic_job *j)
{
	j->next = d->free_jobs;
	d->free_jobs = j;
}

static bool job_is_read(const struct nic_job *j)
{
	return j->kind == NJ_DESC_FETCH || j->kind == NJ_TX_DATA;
}

static void dma_schedule(struct nic_dma *d, sim_time_t at)
{
	struct nic *n = d->nic;
	struct sim_kernel *k = n->c.sim->k;
	if (d->issue_pending || d->waiting_retry)
		return;
	d->issue_pending = true;
	sim_schedule_at(k, sim_clock_issue_at(&n->c.clock, at, sim_now(k), d->next_issue),
			dma_issue_event, d);
}

void nic_dma_submit(struct nic_dma *d, struct nic_job *j)
{
	struct pcie_fn *pf = j->ring->fn->pfn;
	j->t0 = sim_now(d->nic->c.sim->k);
	j->epoch = j->ring->fn->epoch;
	if (j->kind == NJ_MSI)
		j->len = 4;
	if (!pf->bme) {                 /* MSI-X too: it is a memory write */
		(*d->st_bme_blocked)++;
		iso_blocked_flow(d->nic->c.sim, j->ring->fn->flow);
		j->failed = true;
		nic_job_done(d->nic, j);        /* the owner learns it never happened */
		job_free(d, j);
		return;
	}
	if (job_is_read(j)) {
		uint32_t cap = (uint32_t)d->nic->p.mrrs;
		j->reqs_left = (uint32_t)pcie_split_count(j->addr, j->len, cap);
		fifo_push(&d->rd, j);
	} else {
		fifo_push(&d->wr, j);
	}
	dma_schedule(d, 0);
}

/* The next TLP of job j (its chunk at j->off). */
static struct tlp *dma_make(struct nic_dma *d, struct nic_job *j, uint32_t len)
{
	struct sim *s = d->nic->c.sim;
	struct tlp *t = tlp_alloc(s->tlps);
	if (!t) {
		nic_oom(d->nic);
		return NULL;
	}
	struct nic_fn *f = j->ring->fn;
	t->rid = f->pfn->rid;
	t->flow = f->flow;
	t->t_issue = sim_now(s->k);
	t->len = len;
	if (j->kind == NJ_MSI) {
		struct msix_entry *m = &f->msix.e[j->ring->vector];
		t->type = TLP_MWR;
		t->is_msi = true;
		t->addr = m->addr;
		t->data = m->data;
	} else {
		t->type = job_is_read(j) ? TLP_MRD : TLP_MWR;
		t->addr = j->addr + j->off;
		t->cookie = (uint64_t)(uintptr_t)j;
	}
	t->addr64 = t->addr > 0xffffffffull;
	return t;
}

/* Account a TLP of j that the link took; true when j has nothing more to send. */
static bool dma_sent(struct nic_dma *d, struct nic_job *j, uint32_t len)
{
	struct nic *n = d->nic;
	struct sim *s = n->c.sim;
	sim_time_t now = sim_now(s->k);
	j->off += len;
	d->next_issue = now + sim_clock_cycles(&n->c.clock, n->p.issue_cycles);
	if (job_is_read(j)) {
		(*d->st_rd_reqs)++;
		d->tags_used++;
		j->reqs_left--;
		j->cpls_left++;
		return j->off >= j->len;
	}
	if (j->kind == NJ_MSI)
		(*d->st_msis)++;
	else
		(*d->st_wr_tlps)++;
	if (j->off < j->len)
		return false;
	if (j->kind != NJ_MSI)
		sim_dma_write_done(s, j->ring->fn->flow, j->len, j->t0, now);
	return true;
}

/* Offer the job's next TLP; false when the link refused it (kept for retry). */
static bool dma_send(struct nic_dma *d, struct nic_job_fifo *q, struct tlp *t)
{
	struct nic_job *j = q->head;
	uint32_t len = t->len;
	if (!port_send(&d->nic->up, t)) {
		(*d->st_refusals)++;
		d->blocked = t;
		d->blocked_job = j;
		d->waiting_retry = true;
		return false;
	}
	if (dma_sent(d, j, len)) {
		fifo_pop(q);
		if (!job_is_read(j)) {
			nic_job_done(d->nic, j);
			job_free(d, j);
		}
	}
	return true;
}

/* Which channel goes next: alternate; a read needs a free tag. */
static struct nic_job_fifo *dma_pick(struct nic_dma *d)
{
	bool rd_ok = d->rd.head != NULL;
	if (rd_ok && d->tags_used >= d->nic->p.max_outstanding) {
		(*d->st_tag_stalls)++;
		rd_ok = false;
	}
	bool wr_ok = d->wr.head != NULL;
	if (rd_ok && wr_ok)
		return d->last_was_read ? &d->wr : &d->rd;
	return rd_ok ? &d->rd : wr_ok ? &d->wr : NULL;
}

static void dma_issue_event(void *arg)
{
	struct nic_dma *d = arg;
	struct nic *n = d->nic;
	d->issue_pending = false;
	struct nic_job_fifo *q = dma_pick(d);
	if (!q)
		return;                 /* woken by a submit or a completion */
	struct nic_job *j = q->head;
	uint32_t cap = (uint32_t)(q == &d->rd ? n->p.mrrs : n->p.mps);
	uint32_t len = j->kind == NJ_MSI ? 4 : pcie_split_next(j->addr + j->off, j->len - j->off, cap);
	struct tlp *t = dma_make(d, j, len);
	if (!t)
		return;
	d->last_was_read = q == &d->rd;
	if (dma_send(d, q, t))
		dma_schedule(d, d->next_issue);
}

void nic_dma_retry(struct nic_dma *d)
{
	struct tlp *t = d->blocked;
	if (!t)
		return;
	struct nic_job_fifo *q = d->blocked_job == d->rd.head ? &d->rd : &d->wr;
	t->t_issue = sim_now(d->nic->c.sim->k);
	d->blocked = NULL;
	d->waiting_retry = false;
	if (dma_send(d, q, t))
		dma_schedule(d, d->next_issue);
}

/* Resources a job of a function being reset still holds in the device: a TX
 * read's room in the TX buffer, an RX write's bytes in the RX buffer. */
static void dma_release(struct nic_dma *d, struct nic_job *j)
{
	if (j->kind == NJ_TX_DATA)
		nic_tx_buffer_free(d->nic, j->len);
	else if (j->kind == NJ_RX_DATA)
		d->nic->rx_buf_used -= j->len;
}

/* A completion for a read issued before its function's FLR: the tag is
 * free again, the data is discarded; the job ends with its last one. */
static void dma_stale_completion(struct nic_dma *d, struct nic_job *j, struct tlp *t)
{
	struct nic *n = d->nic;
	(*j->ring->fn->st.flr_discarded_cpls)++;
	if (t->status != TLP_SC_SC || t->byte_count <= t->len) {
		d->tags_used--;
		j->cpls_left--;
	}
	tlp_free(n->c.sim->tlps, t);
	if (j->cpls_left == 0 && j->reqs_left == 0) {
		(*j->ring->fn->st.flr_dropped_jobs)++;
		dma_release(d, j);
		job_free(d, j);
	}
	dma_schedule(d, 0);
}

/* Take f's jobs out of q: unissued ones are freed, a read with requests out
 * stops issuing and waits for them (dma_stale_completion). */
static void dma_purge(struct nic_dma *d, struct nic_job_fifo *q, struct nic_fn *f)
{
	struct nic_job_fifo keep = { NULL, NULL };
	struct nic_job *j;
	while ((j = fifo_pop(q))) {
		if (j->ring->fn != f) {
			fifo_push(&keep, j);
			continue;
		}
		j->reqs_left = 0;
		if (job_is_read(j) && j->cpls_left)
			continue;               /* freed by its last completion */
		(*f->st.flr_dropped_jobs)++;
		dma_release(d, j);
		job_free(d, j);
	}
	*q = keep;
}

void nic_dma_flr(struct nic_dma *d, struct nic_fn *f)
{
	if (d->blocked && d->blocked_job->ring->fn == f) {
		tlp_free(d->nic->c.sim->tlps, d->blocked);      /* never left the device */
		d->blocked = NULL;
		d->blocked_job = NULL;
		d->waiting_retry = false;
	}
	dma_purge(d, &d->rd, f);
	dma_purge(d, &d->wr, f);
	dma_schedule(d, 0);
}

void nic_dma_completion(struct nic_dma *d, struct tlp *t)
{
	struct nic *n = d->nic;
	struct sim *s = n->c.sim;
	struct nic_job *j = (struct nic_job *)(uintptr_t)t->cookie;
	if (j->epoch != j->ring->fn->epoch) {
		dma_stale_completion(d, j, t);
		return;
	}
	if (t->status != TLP_SC_SC) {
		(*d->st_cpl_errors)++;
		j->failed = true;
	}
	/* Split completions: the request is done with the piece whose byte
	 * count is its own length (or with an error). */
	if (t->status == TLP_SC_SC && t->byte_count > t->len) {
		tlp_free(s->tlps, t);
		return;
	}
	d->tags_used--;
	j->cpls_left--;
	if (j->cpls_left == 0 && j->reqs_left == 0 && j->off >= j->len) {
		sim_time_t now = sim_now(s->k);
		if (!j->failed)
			sim_dma_read_done(s, j->ring->fn->flow, j->len, j->t0, now, t);
		nic_job_done(n, j);
		job_free(d, j);
	}
	tlp_free(s->tlps, t);
	dma_schedule(d, 0);
}

#define DMA_STAT(field, leaf, desc)                                                         \
	(snprintf(path, sizeof(path), "components.%s.dma." leaf, n->c.name),                \
	 (d->field = stats_counter(n->c.sim->stats, path, "", desc, e)) != NULL)

int nic_dma_init(struct nic_dma *d, struct nic *n, struct iov_err *e)
{
	char path[256];
	d->nic = n;
	if (!DMA_STAT(st_rd_reqs, "read_requests", "MRd TLPs sent (descriptor fetches, TX data)") ||
	    !DMA_STAT(st_wr_tlps, "write_tlps", "MWr TLPs sent (RX data, write-backs; not MSI)") ||
	    !DMA_STAT(st_msis, "msis", "MSI-X writes sent") ||
	    !DMA_STAT(st_tag_stalls, "tag_stalls", "times a read waited for a free tag") ||
	    !DMA_STAT(st_refusals, "backpressure", "times the link refused a TLP") ||
	    !DMA_STAT(st_cpl_errors, "completion_errors", "completions with a status other than "
		      "SC (the job's packet or descriptors are lost)") ||
	    !DMA_STAT(st_bme_blocked, "bme_blocked", "jobs dropped: the function's Bus Master "
		      "Enable is clear"))
		return -1;
	return 0;
}

void nic_dma_free(struct nic_dma *d)
{
	if (d->blocked && d->nic)
		tlp_free(d->nic->c.sim->tlps, d->blocked);
	for (size_t i = 0; i < d->nchunks; i++)
		free(d->chunks[i]);
	free(d->chunks);
}
