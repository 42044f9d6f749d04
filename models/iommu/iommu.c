/* iommu.c - DMA remapping at the root complex: context cache, IOTLB, walk caches, timed walks, faults
 *
 * The IOMMU registers itself as the root complex's translation stage
 * (models/pcie/root_complex.h). For every upstream request:
 *   1. context: the context cache (requester ID -> domain, table root); on a
 *      miss the root and context entries are read from memory;
 *   2. IOTLB lookup ('iotlb_latency' per probe round); a hit translates at once;
 *   3. on a miss a page walker (one of 'walkers'; requests queue for a free
 *      one) reads the paging entries the walk caches do not cover, one after
 *      another, each a read through the memory model (so its cost comes from
 *      the memory's latency, LLC and queue), then fills the IOTLB and the walk
 *      caches.
 * The translation's outcome is fixed when the request is looked up
 * (dmar_translate on the tables as they are then); the reads replay its
 * trace for the timing. Faults (models/iommu/ctxtable.h reasons) block the
 * request (UR for reads, dropped writes), are counted by reason and kept in
 * a fault log of 'fault_log' records (overflow flagged) unless the context
 * has fault processing disabled.
 *
 * A device with PASIDs (iommu_pasid.c) has a scalable-mode context: after it
 * the PASID cache ((requester ID, PASID) -> PASID entry) or the directory and
 * PASID entry reads, and the IOTLB, walk caches and open walks are tagged by
 * the PASID used (RID_PASID for requests without one).
 * Nested domains and first-stage PASIDs (iommu_nested.c) replace the one-stage walk with the
 * nested walk's references; the hypervisor's map/unmap and the invalidation
 * they need are in iommu_map.c / iommu_inv.c; set-up in iommu_setup.c.
 */
#include <stdlib.h>
#include <string.h>

#include "models/iommu/iommu.h"
#include "models/iommu/iommu_impl.h"
#include "trace.h"

/* ---------------------------------------------------------- request pool -- */

static struct iommu_req *req_get(struct iommu *m)
{
	if (!m->free) {
		enum { CHUNK = 256 };
		struct iommu_req *c = calloc(CHUNK, sizeof(*c));
		struct iommu_req **nc = realloc(m->chunks, (m->nchunks + 1) * sizeof(*nc));
		if (!c || !nc) {
			free(c);
			if (nc)
				m->chunks = nc;
			return NULL;
		}
		m->chunks = nc;
		m->chunks[m->nchunks++] = c;
		for (int i = 0; i < CHUNK; i++) {
			c[i].next_free = m->free;
			m->free = &c[i];
		}
	}
	struct iommu_req *r = m->free;
	m->free = r->next_free;
	return r;
}

static void req_put(struct iommu *m, struct iommu_req *r)
{
	r->t = NULL;
	r->next_free = m->free;
	m->free = r;
}

/* ------------------------------------------------------------- the path -- */

static void iommu_issue_read(struct iommu *m, struct iommu_req *r);
static void iommu_after_ctx(struct iommu *m, struct iommu_req *r);

/* The hypervisor's handler has read the fault records and cleared them. */
static void iommu_fault_serviced(void *arg)
{
	struct iommu *m = arg;
	m->faults_logged = 0;
	m->fault_event_pending = false;
}

/*
 * Count the fault by reason and initiator; unless FPD suppresses it, record
 * it in a free fault register (none free: overflow) and raise a fault event
 * when none is pending. The handler clears the records 'fault_service' later.
 */
static void iommu_fault(struct iommu *m, struct iommu_req *r)
{
	enum dmar_fault f = r->x.fault;
	(*m->st_faults)++;
	if ((unsigned)f < DMAR_FAULT_CODES && m->st_fault[f])
		(*m->st_fault[f])++;
	uint64_t *by = m->st_fault_dev ? m->st_fault_dev[r->x.rid] : NULL;
	(*(by ? by : m->st_fault_unknown))++;
	if (!r->x.report)
		return;
	if (m->faults_logged >= m->p.fault_log) {
		(*m->st_fault_overflow)++;
		return;
	}
	m->faults_logged++;
	bool event = !m->fault_event_pending;
	if (event) {
		m->fault_event_pending = true;
		(*m->st_fault_events)++;
		if (m->p.fault_service)
			sim_schedule(m->c.sim->k, m->p.fault_service, iommu_fault_serviced, m);
	}
	if (m->hv_ops)
		m->hv_ops->fault(m->hv_ctx, r->x.rid, r->t->addr, (unsigned)f,
				    r->t->type == TLP_MWR, event);
}

/* The translation of r is known and its time has come: hand the request on. */
static void iommu_finish(struct iommu *m, struct iommu_req *r)
{
	struct sim *s = m->c.sim;
	sim_time_t now = sim_now(s->k);
	struct tlp *t = r->t;
	bool ok = r->x.fault == DMAR_OK;
	if (t->at == TLP_AT_TREQ) {
		/* Translation Request: answered with what the tables grant (none:
		 * R = W = 0, not a fault); only a context that refuses ATS is an
		 * error (UR). */
		uint64_t ps = r->x.page_size ? r->x.page_size : 4096;
		ok = r->x.levels && m->ats_ok[r->x.rid];
		t->ats_perms = r->x.fault == DMAR_OK ? (uint8_t)(r->x.perms & (TLP_ATS_R | TLP_ATS_W)) : 0;
		t->ats_size = ps;
		t->addr = r->x.fault == DMAR_OK ? r->x.pa & ~(ps - 1) : t->addr & ~(ps - 1);
		if (!ok)
			(*m->st_ats_denied)++;
	} else if (ok) {
		t->addr = r->x.pa;
	} else {
		iommu_fault(m, r);
	}
	hist_add(m->st_xlate_ns, now - r->t_start);
	tlp_stamp(t, m->stage, now);
	unsigned port = r->port;
	req_put(m, r);
	rc_xlate_done(m->rc, port, t, ok);
}

static void iommu_finish_event(void *arg)
{
	struct iommu_req *r = arg;
	iommu_finish(r->m, r);
}

static void iommu_finish_at(struct iommu *m, struct iommu_req *r, sim_time_t delay)
{
	if (!delay) {
		iommu_finish(m, r);
		return;
	}
	sim_schedule(m->c.sim->k, delay, iommu_finish_event, r);
}

static void iommu_fill_caches(struct iommu *m, struct iommu_req *r)
{
	const struct dmar_xlate *x = &r->x;
	uint16_t did = x->ce.did;
	enum iotlb_page_size sz = x->page_size >= (1ull << 30) ? IOTLB_1G :
				  x->page_size >= (1ull << 21) ? IOTLB_2M : IOTLB_4K;
	uint64_t pmask = x->page_size - 1;
	iotlb_insert(m->tlb, did, x->pasid, x->iova, sz, x->pa & ~pmask, x->perms);
	if (r->nested) {
		iommu_nested_fill(m, r);
		return;
	}
	/* A non-leaf entry of level L read at reads[i] points to the table read next. */
	for (unsigned i = 0; i + 1 < x->nreads; i++) {
		const struct dmar_read *a = &x->reads[i], *b = &x->reads[i + 1];
		if (a->kind == DMAR_READ_PAGING && b->kind == DMAR_READ_PAGING && a->level >= 2)
			pwc_insert(m->pwc, did, x->pasid, x->iova, a->level, b->pa & ~0xfffull);
	}
}

static unsigned open_bucket(uint16_t did, uint32_t pasid, uint64_t iova)
{
	uint64_t k = ((uint64_t)did << 48) ^ ((uint64_t)pasid << 28) ^ (iova >> 12);
	k *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(k >> 54) & (IOMMU_OPEN_BUCKETS - 1);
}

/* An open walk of the same (domain, PASID tag, 4 KiB page) as x. */
static struct iommu_req *open_find(struct iommu *m, const struct dmar_xlate *x)
{
	for (struct iommu_req *o = m->open[open_bucket(x->ce.did, x->pasid, x->iova)]; o;
	     o = o->next_open)
		if (o->x.ce.did == x->ce.did && o->x.pasid == x->pasid &&
		    (o->x.iova >> 12) == (x->iova >> 12))
			return o;
	return NULL;
}

static void open_add(struct iommu *m, struct iommu_req *r)
{
	unsigned b = open_bucket(r->x.ce.did, r->x.pasid, r->x.iova);
	r->next_open = m->open[b];
	m->open[b] = r;
}

static void open_remove(struct iommu *m, struct iommu_req *r)
{
	struct iommu_req **pp = &m->open[open_bucket(r->x.ce.did, r->x.pasid, r->x.iova)];
	while (*pp && *pp != r)
		pp = &(*pp)->next_open;
	if (*pp)
		*pp = r->next_open;
}

/* r takes a walker and starts reading. */
static void iommu_start_walk(struct iommu *m, struct iommu_req *r)
{
	m->walkers_busy++;
	r->t_walk = sim_now(m->c.sim->k);
	iommu_issue_read(m, r);
}

static void iommu_walk_done(struct iommu *m, struct iommu_req *r)
{
	struct sim *s = m->c.sim;
	hist_add(m->st_walk_ns, sim_now(s->k) - r->t_walk);
	if (r->x.fault == DMAR_OK)
		iommu_fill_caches(m, r);
	open_remove(m, r);
	m->walkers_busy--;
	/* The walker takes the next waiting miss. */
	if (m->wait_head) {
		struct iommu_req *n = m->wait_head;
		m->wait_head = n->next_wait;
		if (!m->wait_head)
			m->wait_tail = NULL;
		n->next_wait = NULL;
		iommu_start_walk(m, n);
	}
	/* The misses that waited for this walk go on with it: each carries its
	 * own outcome (fixed at its lookup) and is finished now. */
	struct iommu_req *w = r->merged;
	r->merged = NULL;
	iommu_finish(m, r);
	while (w) {
		struct iommu_req *n = w->merged;
		iommu_finish(m, w);
		w = n;
	}
}

/* Read r->next of r: a root/context entry or a paging entry of one stage, or
 * a reference of a nested walk. */
static void req_mem_read(struct iommu_req *r)
{
	if (r->nested && !r->ctx_phase) {
		rc_mem_read(r->m->rc, r->nx.refs[r->next].hpa, 8, (uint64_t)(uintptr_t)r);
		return;
	}
	const struct dmar_read *rd = &r->x.reads[r->next];
	rc_mem_read(r->m->rc, rd->pa, rd->size, (uint64_t)(uintptr_t)r);
}

/* The read has travelled the IOMMU's path to the memory system. */
static void iommu_read_event(void *arg)
{
	req_mem_read(arg);
}

static void iommu_issue_read(struct iommu *m, struct iommu_req *r)
{
	if (r->next >= r->end) {
		if (r->ctx_phase)
			iommu_after_ctx(m, r);
		else
			iommu_walk_done(m, r);
		return;
	}
	if (r->ctx_phase)
		(*(r->x.reads[r->next].kind >= DMAR_READ_PASID_DIR ? m->st_pasid_reads
								    : m->st_ctx_reads))++;
	else
		(*m->st_walk_reads)++;
	if (m->p.table_read_latency) {
		sim_schedule(m->c.sim->k, m->p.table_read_latency, iommu_read_event, r);
		return;
	}
	req_mem_read(r);
}

static void iommu_read_done(void *ctx, struct component *rc, uint64_t cookie)
{
	(void)rc;
	struct iommu *m = ctx;
	struct iommu_req *r = (struct iommu_req *)(uintptr_t)cookie;
	r->next++;
	iommu_issue_read(m, r);
}

/* Index of the first paging read the walk caches do not cover. */
static unsigned iommu_walk_start(struct iommu *m, struct iommu_req *r)
{
	const struct dmar_xlate *x = &r->x;
	unsigned first = 0;
	while (first < x->nreads && x->reads[first].kind != DMAR_READ_PAGING)
		first++;
	unsigned level;
	uint64_t table;
	if (first < x->nreads &&
	    pwc_lookup_deepest(m->pwc, x->ce.did, x->pasid, x->iova, &level, &table)) {
		/* level L hit: the reads of levels >= L are skipped */
		while (first < x->nreads && x->reads[first].kind == DMAR_READ_PAGING &&
		       x->reads[first].level >= level)
			first++;
	}
	return first;
}

/* Context known (cached or read): IOTLB, then maybe a walk. */
static void iommu_after_ctx(struct iommu *m, struct iommu_req *r)
{
	const struct dmar_xlate *x = &r->x;
	r->ctx_phase = false;
	if (x->fault != DMAR_OK && !r->nested && (!x->nreads || x->reads[x->nreads - 1].kind !=
						  DMAR_READ_PAGING)) {
		/* Decided before any paging entry: a context fault, or an address
		 * beyond the width (no IOTLB entry can hold it): no lookup, no walk. */
		iommu_finish(m, r);
		return;
	}
	if (x->pass_through) {
		(*m->st_pass_through)++;
		iommu_finish(m, r);
		return;
	}
	struct iotlb_result res;
	if (iotlb_lookup(m->tlb, x->ce.did, x->pasid, x->iova, &res)) {
		/* The cached entry decides (a stale one still translates). */
		bool allowed = (res.perms & (x->is_write ? IOTLB_PERM_W : IOTLB_PERM_R)) != 0;
		/* The tables (read at lookup) no longer grant what the entry does:
		 * an unmap whose invalidation has not happened yet. */
		if (allowed && (x->fault != DMAR_OK || x->pa != res.hpa)) {
			(*m->st_stale)++;
			iso_stale_exposure(m->c.sim, r->t);
		}
		r->x.pa = res.hpa;
		r->x.perms = res.perms;         /* what the hardware answers from */
		r->x.page_size = iotlb_page_bytes(res.size);
		r->x.fault = allowed ? DMAR_OK : x->is_write ? DMAR_FAULT_NO_WRITE
							     : DMAR_FAULT_NO_READ;
		r->x.report = true;
		iommu_finish_at(m, r, m->p.iotlb_latency * (res.steps ? res.steps : 1));
		return;
	}
	struct iommu_req *o = open_find(m, x);
	if (o) {
		(*m->st_merged)++;
		r->merged = o->merged;
		o->merged = r;
		return;
	}
	(*m->st_walks)++;
	open_add(m, r);
	if (r->nested) {
		iommu_nested_walk(m, r);
	} else {
		r->next = iommu_walk_start(m, r);
		r->end = x->nreads;
	}
	if (m->walkers_busy >= m->p.walkers) {
		(*m->st_walker_waits)++;
		r->next_wait = NULL;
		if (m->wait_tail)
			m->wait_tail->next_wait = r;
		else
			m->wait_head = r;
		m->wait_tail = r;
		return;
	}
	iommu_start_walk(m, r);
}

static void iommu_ctx_event(void *arg)
{
	struct iommu_req *r = arg;
	iommu_after_ctx(r->m, r);
}

/*
 * Which root/context and PASID reads r replays: the context cache (by
 * requester ID) spares the root and context entries, the PASID cache (by
 * requester ID and PASID) the directory and PASID entries. Sets r->next,
 * r->end and ctx_phase; fills the caches from what the lookup read.
 */
static void iommu_ctx_reads(struct iommu *m, struct iommu_req *r)
{
	const struct dmar_xlate *x = &r->x;
	unsigned nctx = 0, npre = 0;
	while (npre < x->nreads && x->reads[npre].kind != DMAR_READ_PAGING) {
		if (x->reads[npre].kind <= DMAR_READ_CONTEXT)
			nctx++;
		npre++;
	}
	struct context_entry ce;
	bool ctx_hit = x->nreads >= 2 && x->reads[1].kind == DMAR_READ_CONTEXT &&
		       context_cache_lookup(m->cc, x->rid, IOTLB_NO_PASID, &ce);
	r->ctx_phase = true;
	r->next = ctx_hit ? nctx : 0;
	r->end = npre;
	if (ctx_hit) {
		(*m->st_ctx_hits)++;
	} else {
		(*m->st_ctx_misses)++;
		if (x->ctx_ok) {
			struct context_entry e = { .domain = x->scalable ? 0 : x->ce.did,
						   .levels = (uint8_t)(x->scalable ? 0 : x->levels),
						   .root = x->reads[1].val[0] & CTX_LO_SLPTPTR };
			context_cache_insert(m->cc, x->rid, IOTLB_NO_PASID, &e);
		}
	}
	if (npre > nctx && pasid_cache_lookup(m->pc, x->rid, x->pasid, NULL))
		r->end = nctx;
	else if (x->pasid_ok)
		pasid_cache_insert(m->pc, x->rid, x->pasid, x->ce.did);
	if (r->next > r->end)
		r->next = r->end;
}

static void iommu_translate(void *ctx, struct component *rc, unsigned port, struct tlp *t)
{
	(void)rc;
	struct iommu *m = ctx;
	struct sim *s = m->c.sim;
	if (t->at == TLP_AT_TREQ)
		(*m->st_ats_treqs)++;
	struct iommu_req *r = req_get(m);
	if (!r) {
		iov_err_set(s->err, IOV_INTERNAL, "out of memory (IOMMU requests)");
		sim_abort(s);
		return;
	}
	memset(r, 0, offsetof(struct iommu_req, nx));       /* nx is filled when used */
	r->t = t;
	r->m = m;
	r->port = port;
	r->t_start = sim_now(s->k);
	bool is_write = t->type == TLP_MWR;
	uint32_t pasid = t->attrs & TRACE_F_PASID ? t->pasid : PASID_NONE;
	dmar_translate_pasid(m->pm, m->ct->rtaddr, &m->caps, t->rid, pasid, t->addr, is_write,
			     &r->x, &r->nx);
	if (r->x.pasid_ok && (r->x.pgtt == PASID_PGTT_FIRST || r->x.pgtt == PASID_PGTT_NESTED)) {
		/* the PASID entry's first stage (over its second stage, or alone) */
		r->nested = true;
		r->fs_only = r->x.pgtt == PASID_PGTT_FIRST;
		r->ncfg = pasid_nested_cfg(&r->x, r->x.levels);
	} else if (r->x.levels && !r->x.pass_through && !r->x.scalable &&
		   iommu_nested_domain(m, r->x.ce.did)) {
		/* Two stages: keep the root/context reads, the walk is the nested one's. */
		unsigned n = 0;
		while (n < r->x.nreads && r->x.reads[n].kind != DMAR_READ_PAGING)
			n++;
		r->x.nreads = n;
		iommu_nested_lookup(m, r);
	}
	iommu_ctx_reads(m, r);
	if (r->next >= r->end) {
		sim_time_t lat = m->p.ctx_latency;
		if (lat) {
			/* after the context lookup time, on to the IOTLB */
			sim_schedule(s->k, lat, iommu_ctx_event, r);
			return;
		}
		iommu_after_ctx(m, r);
		return;
	}
	iommu_issue_read(m, r);
}

/* Translated requests skip the IOMMU when the function's context has the
 * device TLB enabled (TT = 01b, set for functions with ATS). */
static bool iommu_translated_ok(void *ctx, struct component *rc, uint16_t rid)
{
	(void)rc;
	const struct iommu *m = ctx;
	return m->ats_ok[rid] != 0;
}

const struct rc_xlate_ops iommu_xlate_ops = {
	.translate = iommu_translate,
	.read_done = iommu_read_done,
	.translated_ok = iommu_translated_ok,
	.ats_inv_done = iommu_ats_inv_done,
};
