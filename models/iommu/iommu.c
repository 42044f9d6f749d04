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
 * Tables are built at elaboration from the scenario's VMs: one domain per VM,
 * its memory ranges mapped IOVA (= guest-physical) -> host-physical, its
 * devices' context entries pointing at it; host-owned devices get
 * pass-through or no context ('host').
 *
 * Not modelled yet (issue 4): invalidation queue and unmap policies, nested
 * translation, PASID / scalable mode, ATS, interrupt remapping.
 */
#include <stdlib.h>
#include <string.h>

#include "models/iommu/ctxtable.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/physmem.h"
#include "models/pcie/pcie_topo.h"
#include "models/pcie/root_complex.h"
#include "sim.h"

extern const struct model model_iommu;

static const char *const iommu_host_modes[] = { "pass_through", "blocked", NULL };

struct iommu_params {
	const char *rc;
	int enabled;
	uint64_t levels;
	int superpages;
	int host;
	uint64_t walkers;
	uint64_t queue;
	sim_time_t iotlb_latency, pwc_latency, ctx_latency, table_read_latency;
	uint64_t table_base, table_size;
	uint64_t fault_log;
	sim_time_t fault_service;
	const struct cfg_node *fpd;
	struct iotlb_params iotlb;
	struct pwc_params pwc;
	struct sacache_geom ctx;
};

#define IP(f) offsetof(struct iommu_params, f)
static const struct param_desc iommu_param_desc[] = {
	{ "rc", PARAM_STRING, IP(rc), NULL, 0, 0, NULL,
	  "the pcie_root_complex whose upstream requests this IOMMU translates" },
	{ "enabled", PARAM_BOOL, IP(enabled), "true", 0, 0, NULL,
	  "false: not attached (DMA untranslated, as with intel_iommu=off)" },
	{ "levels", PARAM_U64, IP(levels), "4", 3, 5, NULL,
	  "page-table levels: 3 (39-bit), 4 (48-bit), 5 (57-bit)" },
	{ "superpages", PARAM_BOOL, IP(superpages), "true", 0, 0, NULL,
	  "map VM memory with 2 MiB / 1 GiB pages where aligned (false: 4 KiB only, like "
	  "intel_iommu=sp_off)" },
	{ "host", PARAM_ENUM, IP(host), "pass_through", 0, 0, iommu_host_modes,
	  "devices in no VM: pass_through (identity, no walk) or blocked (no context entry)" },
	{ "walkers", PARAM_U64, IP(walkers), "4", 1, 1024, NULL,
	  "page walks in progress at once; more misses queue" },
	{ "queue", PARAM_U64, IP(queue), "64", 0, 1 << 20, NULL,
	  "requests in translation at once (looking up, walking or waiting for a walker); "
	  "more are refused at the root port (backpressure to the link); 0 = unlimited" },
	{ "iotlb_latency", PARAM_TIME, IP(iotlb_latency), "2ns", 0, 1e9, NULL,
	  "time per IOTLB probe round" },
	{ "pwc_latency", PARAM_TIME, IP(pwc_latency), "2ns", 0, 1e9, NULL,
	  "time to probe the walk caches before a walk" },
	{ "ctx_latency", PARAM_TIME, IP(ctx_latency), "2ns", 0, 1e9, NULL,
	  "time of a context-cache lookup" },
	{ "table_read_latency", PARAM_TIME, IP(table_read_latency), "0ns", 0, 1e9, NULL,
	  "the IOMMU's own path to the memory system, added to every root, context and paging "
	  "entry read on top of the memory model's latency" },
	{ "table_base", PARAM_SIZE, IP(table_base), "0x3f000000", 0, 0, NULL,
	  "host-physical region holding root, context and page tables" },
	{ "table_size", PARAM_SIZE, IP(table_size), "64MiB", 1 << 16, 0x1p40, NULL,
	  "size of that region" },
	{ "fault_log", PARAM_U64, IP(fault_log), "8", 1, 65536, NULL,
	  "fault recording registers; faults beyond them set the overflow flag" },
	{ "fault_service", PARAM_TIME, IP(fault_service), "10us", 0, 1e12, NULL,
	  "fault event interrupt to the hypervisor's handler having read and cleared the fault "
	  "records; 0 = never serviced (the log stays full)" },
	{ "fpd", PARAM_NODE, IP(fpd), "", 0, 0, NULL,
	  "devices whose context entries have Fault Processing Disable set: their faults "
	  "still block but are not recorded nor signalled" },
	SACACHE_PARAMS("iotlb", struct iommu_params, iotlb.unified, "64", "64", "lru", 1,
		       "IOTLB"),
	SACACHE_PARAMS("ctx_cache", struct iommu_params, ctx, "16", "16", "lru", 1,
		       "context cache"),
	SACACHE_PARAMS("pwc_l2", struct iommu_params, pwc.level[2], "16", "16", "lru", 0,
		       "walk cache of level-2 (PDE) entries"),
	SACACHE_PARAMS("pwc_l3", struct iommu_params, pwc.level[3], "4", "4", "lru", 0,
		       "walk cache of level-3 (PDPE) entries"),
	SACACHE_PARAMS("pwc_l4", struct iommu_params, pwc.level[4], "2", "2", "lru", 0,
		       "walk cache of level-4 (PML4E) entries"),
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* One translation in progress. */
struct iommu_req {
	struct tlp *t;
	unsigned port;
	struct dmar_xlate x;
	unsigned next, end;             /* reads of x.reads still to replay: [next, end) */
	bool ctx_phase;                 /* replaying root/context reads */
	sim_time_t t_start, t_walk;
	struct iommu_req *next_free;
	struct iommu_req *next_wait;    /* in the queue for a walker */
	struct iommu_req *next_open;    /* chain of open walks in the same hash bucket */
	struct iommu_req *merged;       /* misses on the same page waiting for this walk */
	struct iommu *m;                /* owner, for the events */
};

/* Open walks (walking or waiting for a walker) by (domain, 4 KiB page): a
 * miss on a page already being walked waits for that walk instead of
 * starting its own (misses under a miss, like a cache's MSHRs). */
#define IOMMU_OPEN_BUCKETS 1024u

struct iommu {
	struct component c;
	struct iommu_params p;
	struct component *rc;
	struct physmem *pm;
	struct ctxtable *ct;
	size_t ndomains;
	struct pgtable **domains;       /* per VM */
	struct dmar_caps caps;
	struct iotlb *tlb;
	struct pwc *pwc;
	struct context_cache *cc;
	uint16_t stage;

	struct iommu_req *free;         /* request records, grown in chunks, never per TLP */
	struct iommu_req **chunks;
	size_t nchunks;
	struct iommu_req *wait_head, *wait_tail;
	uint64_t walkers_busy;
	struct iommu_req *open[IOMMU_OPEN_BUCKETS];

	uint64_t faults_logged;         /* records holding a fault not yet read by the handler */
	bool fault_event_pending;       /* interrupt raised, handler not done */
	uint64_t **st_fault_dev;        /* by requester ID (65536 slots, NULL until elaboration) */
	uint64_t *st_fault_unknown, *st_fault_events;
	uint64_t *st_walks, *st_walk_reads, *st_ctx_reads;
	uint64_t *st_ctx_hits, *st_ctx_misses, *st_faults, *st_fault[DMAR_FAULT_MAX + 1];
	uint64_t *st_fault_overflow, *st_walker_waits, *st_pass_through, *st_merged;
	double *st_hit_rate;
	struct hist *st_walk_ns, *st_xlate_ns;
};

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
	if (f <= DMAR_FAULT_MAX && m->st_fault[f])
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
	if (!m->fault_event_pending) {
		m->fault_event_pending = true;
		(*m->st_fault_events)++;
		if (m->p.fault_service)
			sim_schedule(m->c.sim->k, m->p.fault_service, iommu_fault_serviced, m);
	}
}

/* The translation of r is known and its time has come: hand the request on. */
static void iommu_finish(struct iommu *m, struct iommu_req *r)
{
	struct sim *s = m->c.sim;
	sim_time_t now = sim_now(s->k);
	struct tlp *t = r->t;
	bool ok = r->x.fault == DMAR_OK;
	if (ok)
		t->addr = r->x.pa;
	else
		iommu_fault(m, r);
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
	iotlb_insert(m->tlb, did, IOTLB_NO_PASID, x->iova, sz, x->pa & ~pmask, x->perms);
	/* A non-leaf entry of level L read at reads[i] points to the table read next. */
	for (unsigned i = 0; i + 1 < x->nreads; i++) {
		const struct dmar_read *a = &x->reads[i], *b = &x->reads[i + 1];
		if (a->kind == DMAR_READ_PAGING && b->kind == DMAR_READ_PAGING && a->level >= 2)
			pwc_insert(m->pwc, did, IOTLB_NO_PASID, x->iova, a->level, b->pa & ~0xfffull);
	}
}

static unsigned open_bucket(uint16_t did, uint64_t iova)
{
	uint64_t k = ((uint64_t)did << 48) ^ (iova >> 12);
	k *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(k >> 54) & (IOMMU_OPEN_BUCKETS - 1);
}

static struct iommu_req *open_find(struct iommu *m, uint16_t did, uint64_t iova)
{
	for (struct iommu_req *o = m->open[open_bucket(did, iova)]; o; o = o->next_open)
		if (o->x.ce.did == did && (o->x.iova >> 12) == (iova >> 12))
			return o;
	return NULL;
}

static void open_add(struct iommu *m, struct iommu_req *r)
{
	unsigned b = open_bucket(r->x.ce.did, r->x.iova);
	r->next_open = m->open[b];
	m->open[b] = r;
}

static void open_remove(struct iommu *m, struct iommu_req *r)
{
	struct iommu_req **pp = &m->open[open_bucket(r->x.ce.did, r->x.iova)];
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

/* The read has travelled the IOMMU's path to the memory system. */
static void iommu_read_event(void *arg)
{
	struct iommu_req *r = arg;
	const struct dmar_read *rd = &r->x.reads[r->next];
	rc_mem_read(r->m->rc, rd->pa, rd->size, (uint64_t)(uintptr_t)r);
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
	const struct dmar_read *rd = &r->x.reads[r->next];
	if (r->ctx_phase)
		(*m->st_ctx_reads)++;
	else
		(*m->st_walk_reads)++;
	if (m->p.table_read_latency) {
		sim_schedule(m->c.sim->k, m->p.table_read_latency, iommu_read_event, r);
		return;
	}
	rc_mem_read(m->rc, rd->pa, rd->size, (uint64_t)(uintptr_t)r);
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
	    pwc_lookup_deepest(m->pwc, x->ce.did, IOTLB_NO_PASID, x->iova, &level, &table)) {
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
	if (x->fault != DMAR_OK && (!x->nreads || x->reads[x->nreads - 1].kind !=
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
	if (iotlb_lookup(m->tlb, x->ce.did, IOTLB_NO_PASID, x->iova, &res)) {
		/* The cached entry decides (a stale one still translates). */
		r->x.pa = res.hpa;
		bool allowed = (res.perms & (x->is_write ? IOTLB_PERM_W : IOTLB_PERM_R)) != 0;
		r->x.fault = allowed ? DMAR_OK : x->is_write ? DMAR_FAULT_NO_WRITE
							     : DMAR_FAULT_NO_READ;
		r->x.report = true;
		iommu_finish_at(m, r, m->p.iotlb_latency * (res.steps ? res.steps : 1));
		return;
	}
	struct iommu_req *o = open_find(m, x->ce.did, x->iova);
	if (o) {
		(*m->st_merged)++;
		r->merged = o->merged;
		o->merged = r;
		return;
	}
	(*m->st_walks)++;
	open_add(m, r);
	r->next = iommu_walk_start(m, r);
	r->end = x->nreads;
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

static void iommu_translate(void *ctx, struct component *rc, unsigned port, struct tlp *t)
{
	(void)rc;
	struct iommu *m = ctx;
	struct sim *s = m->c.sim;
	struct iommu_req *r = req_get(m);
	if (!r) {
		iov_err_set(s->err, IOV_INTERNAL, "out of memory (IOMMU requests)");
		sim_abort(s);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->m = m;
	r->port = port;
	r->t_start = sim_now(s->k);
	bool is_write = t->type == TLP_MWR;
	dmar_translate(m->pm, m->ct->rtaddr, &m->caps, t->rid, t->addr, is_write, &r->x);
	/* Context cache: a hit skips the root and context reads. */
	struct context_entry ce;
	bool ctx_hit = r->x.nreads >= 2 && r->x.reads[1].kind == DMAR_READ_CONTEXT &&
		       context_cache_lookup(m->cc, t->rid, IOTLB_NO_PASID, &ce);
	r->ctx_phase = true;
	r->next = 0;
	r->end = 0;
	if (ctx_hit) {
		(*m->st_ctx_hits)++;
	} else {
		(*m->st_ctx_misses)++;
		unsigned n = 0;
		while (n < r->x.nreads && r->x.reads[n].kind != DMAR_READ_PAGING)
			n++;
		r->end = n;
		if (r->x.fault == DMAR_OK || r->x.levels) {
			struct context_entry e = { .domain = r->x.ce.did,
						   .levels = (uint8_t)r->x.levels,
						   .root = r->x.ce.slptptr & ~0xfffull };
			context_cache_insert(m->cc, t->rid, IOTLB_NO_PASID, &e);
		}
	}
	if (r->end == 0) {
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

static const struct rc_xlate_ops iommu_xlate_ops = {
	.translate = iommu_translate,
	.read_done = iommu_read_done,
};

/* ------------------------------------------------------------ set-up -- */

static bool iommu_fpd_listed(const struct iommu *m, const char *name);
static int iommu_fpd_check(const struct iommu *m, const struct pcie_topo *t, struct iov_err *e);
static int iommu_fault_counter(struct iommu *m, const struct pcie_fn *f, struct iov_err *e);

/* One domain per VM: its memory mapped IOVA = host-physical address (guest
 * memory at the same addresses; a gpa offset comes with the hypervisor model). */
static int iommu_build_domains(struct iommu *m, struct iov_err *e)
{
	struct sim *s = m->c.sim;
	m->ndomains = s->iso.nvms;
	m->domains = calloc(m->ndomains ? m->ndomains : 1, sizeof(*m->domains));
	if (!m->domains)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	uint64_t sizes = m->p.superpages ? PGT_PGSIZES_ALL : PGT_PGSIZES_4K;
	for (size_t v = 0; v < m->ndomains; v++) {
		const struct sim_vm *vm = &s->iso.vms[v];
		if (!(m->domains[v] = pgtable_create(m->pm, (unsigned)m->p.levels, e)))
			return -1;
		for (size_t k = 0; k < vm->nranges; k++) {
			const struct sim_vm_range *rg = &vm->ranges[k];
			if (pgtable_map(m->domains[v], rg->base, rg->base, rg->size, PGT_PERM_RW, sizes,
					e)) {
				char msg[sizeof(e->msg)];
				snprintf(msg, sizeof(msg), "%s", e->msg);
				return iov_err_set(e, IOV_BAD_INPUT, "%s: mapping VM '%s' memory [0x%llx, "
						   "+0x%llx): %.200s", m->c.name, vm->name,
						   (unsigned long long)rg->base,
						   (unsigned long long)rg->size, msg);
			}
		}
	}
	struct pcie_topo *t = pcie_topo_of(s);
	if (iommu_fpd_check(m, t, e))
		return -1;
	if (!(m->st_fault_dev = calloc(1u << 16, sizeof(*m->st_fault_dev))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (unsigned i = 0; t && i < t->nfns; i++) {
		const struct pcie_fn *f = t->fns[i];
		if (f->kind != PCIE_FN_ENDPOINT)
			continue;
		unsigned fpd = iommu_fpd_listed(m, f->name) ? CTX_F_FPD : 0;
		int r;
		if (f->vm >= 0)
			r = ctxtable_set(m->ct, f->rid, (uint16_t)(f->vm + 1), m->domains[f->vm], fpd,
					 e);
		else if (m->p.host == 0)
			r = ctxtable_set(m->ct, f->rid, 0, NULL, CTX_F_PASS_THROUGH | fpd, e);
		else
			r = 0;          /* blocked: no context entry */
		if (r || iommu_fault_counter(m, f, e))
			return -1;
	}
	return 0;
}

static bool iommu_fpd_listed(const struct iommu *m, const char *name)
{
	const struct cfg_node *l = m->p.fpd;
	for (size_t i = 0; l && l->kind == CFG_SEQ && i < l->n; i++)
		if (l->items[i]->kind == CFG_SCALAR && !strcmp(l->items[i]->str, name))
			return true;
	return false;
}

/* 'fpd' must be a list of endpoint names of the scenario. */
static int iommu_fpd_check(const struct iommu *m, const struct pcie_topo *t, struct iov_err *e)
{
	const struct cfg_node *l = m->p.fpd;
	if (!l || (l->kind == CFG_SCALAR && !*l->str))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "fpd: a list of device names, e.g. [nic0]");
	for (size_t i = 0; i < l->n; i++) {
		const struct cfg_node *it = l->items[i];
		bool found = false;
		for (unsigned k = 0; t && k < t->nfns && !found; k++)
			found = t->fns[k]->kind == PCIE_FN_ENDPOINT && it->kind == CFG_SCALAR &&
				!strcmp(t->fns[k]->name, it->str);
		if (!found)
			return cfg_err(e, it, "fpd: '%s' is not a device function of the scenario",
				       it->kind == CFG_SCALAR ? it->str : "?");
	}
	return 0;
}

/* iommu.faults.by_device.<name>, indexed by the function's requester ID. */
static int iommu_fault_counter(struct iommu *m, const struct pcie_fn *f, struct iov_err *e)
{
	char path[192];
	snprintf(path, sizeof(path), "iommu.faults.by_device.%s", f->name);
	uint64_t *c = stats_counter(m->c.sim->stats, path, "", "faults of requests from this "
				    "function", e);
	if (!c)
		return -1;
	m->st_fault_dev[f->rid] = c;
	return 0;
}

static int iommu_elaborate(struct component *c, struct iov_err *e)
{
	struct iommu *m = container_of(c, struct iommu, c);
	struct sim *s = c->sim;
	if (!m->p.enabled)
		return 0;
	for (size_t i = 0; i < s->ncomps; i++)
		if (!strcmp(s->comps[i]->name, m->p.rc))
			m->rc = s->comps[i];
	if (!m->rc || rc_set_translator(m->rc, &iommu_xlate_ops, m))
		return iov_err_set(e, IOV_BAD_INPUT, "%s: rc '%s' is not a pcie_root_complex of the "
				   "scenario", c->name, m->p.rc);
	rc_set_translator_slots(m->rc, m->p.queue);
	return iommu_build_domains(m, e);
}

static void iommu_finish_stats(struct component *c)
{
	struct iommu *m = container_of(c, struct iommu, c);
	struct sacache_ctrs *k = iotlb_counters(m->tlb);
	uint64_t lookups = *k->p[IOTLB_C_LOOKUPS], hits = *k->p[IOTLB_C_HITS];
	*m->st_hit_rate = lookups ? (double)hits / (double)lookups : 0.0;
}

static void iommu_destroy(struct component *c)
{
	struct iommu *m = container_of(c, struct iommu, c);
	for (size_t v = 0; v < m->ndomains; v++)
		pgtable_free(m->domains[v]);
	free(m->domains);
	free(m->st_fault_dev);
	ctxtable_destroy(m->ct);
	physmem_destroy(m->pm);
	iotlb_destroy(m->tlb);
	pwc_destroy(m->pwc);
	context_cache_destroy(m->cc);
	for (size_t i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m);
}

#define IOMMU_CTR(field, path, desc) \
	((m->field = stats_counter(s->stats, path, "", desc, e)) != NULL)

static int iommu_stats(struct iommu *m, struct iov_err *e)
{
	struct sim *s = m->c.sim;
	if (iotlb_stats_register(m->tlb, s->stats, "iommu.iotlb", e) ||
	    pwc_stats_register(m->pwc, s->stats, "iommu.pwc", e) ||
	    !IOMMU_CTR(st_walks, "iommu.walks", "page walks started") ||
	    !IOMMU_CTR(st_walk_reads, "iommu.walk_reads", "paging-entry reads sent to memory") ||
	    !IOMMU_CTR(st_ctx_reads, "iommu.context_reads", "root/context entry reads sent to memory") ||
	    !IOMMU_CTR(st_ctx_hits, "iommu.context_cache.hits", "context-cache hits") ||
	    !IOMMU_CTR(st_ctx_misses, "iommu.context_cache.misses", "context-cache misses") ||
	    !IOMMU_CTR(st_faults, "iommu.faults.total", "translation faults (requests blocked)") ||
	    !IOMMU_CTR(st_fault_unknown, "iommu.faults.by_device.unknown",
		       "faults of requests whose requester ID is no enumerated function") ||
	    !IOMMU_CTR(st_fault_events, "iommu.faults.events",
		       "fault event interrupts raised to the hypervisor") ||
	    !IOMMU_CTR(st_fault_overflow, "iommu.faults.log_overflow",
		       "faults not recorded: the fault log was full") ||
	    !IOMMU_CTR(st_walker_waits, "iommu.walker_waits", "misses that waited for a walker") ||
	    !IOMMU_CTR(st_merged, "iommu.walks_merged", "misses that waited for a walk of the same "
		       "page already under way instead of walking") ||
	    !IOMMU_CTR(st_pass_through, "iommu.pass_through", "requests of pass-through contexts") ||
	    !(m->st_hit_rate = stats_value(s->stats, "iommu.iotlb.hit_rate", "",
					   "IOTLB hits / lookups", e)) ||
	    !(m->st_walk_ns = stats_hist(s->stats, "iommu.walk_latency_ns", "ns", 1e-3,
					 "page walk: walker start to last entry read", e)) ||
	    !(m->st_xlate_ns = stats_hist(s->stats, "iommu.translation_ns", "ns", 1e-3,
					  "translation: request in to request on", e)))
		return -1;
	for (unsigned f = 1; f <= DMAR_FAULT_MAX; f++) {
		char path[128];
		snprintf(path, sizeof(path), "iommu.faults.%s", dmar_fault_name((enum dmar_fault)f));
		if (!(m->st_fault[f] = stats_counter(s->stats, path, "", dmar_fault_desc(
								(enum dmar_fault)f), e)))
			return -1;
	}
	return 0;
}

static struct component *iommu_create(struct sim *s, const char *name, const void *params,
				      const struct cfg_node *node, struct iov_err *e)
{
	(void)node;
	struct iommu *m = calloc(1, sizeof(*m));
	if (!m) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	m->p = *(const struct iommu_params *)params;
	component_init(&m->c, s, &model_iommu, name, NULL);
	m->p.iotlb.split = 0;
	m->p.pwc.levels = m->p.levels;
	if (m->p.levels < 4)
		m->p.pwc.level[4].entries = 0;
	m->caps = (struct dmar_caps){ .sagaw = 1u << ctx_levels_aw((unsigned)m->p.levels),
				      .mgaw = m->p.levels == 5 ? 57 : m->p.levels == 4 ? 48 : 39,
				      .pass_through = true };
	char what[160];
	snprintf(what, sizeof(what), "%s", name);
	int st = sim_stage(s, name, e);
	if (st < 0 ||
	    !(m->tlb = iotlb_create(&m->p.iotlb, s->seed ^ 0x1077b, what, e)) ||
	    !(m->pwc = pwc_create(&m->p.pwc, s->seed ^ 0x9ac, what, e)) ||
	    !(m->cc = context_cache_create(&m->p.ctx, s->seed ^ 0xcc, what, e)) ||
	    !(m->pm = physmem_create(m->p.table_base, m->p.table_size, e)) ||
	    !(m->ct = ctxtable_create(m->pm, e)) || iommu_stats(m, e))
		goto err;
	m->stage = (uint16_t)st;
	return &m->c;
err:
	iommu_destroy(&m->c);
	return NULL;
}

static const struct model_ops iommu_ops = {
	.create = iommu_create,
	.elaborate = iommu_elaborate,
	.finish = iommu_finish_stats,
	.destroy = iommu_destroy,
};

static const struct port_doc iommu_ports[] = {
	{ NULL, NULL },
};

const struct model model_iommu = {
	.kind = "iommu",
	.type = "iommu",
	.desc = "DMA remapping at the root complex: context cache, IOTLB, walk caches, timed page "
		"walks through memory, faults",
	.ops = &iommu_ops,
	.params = iommu_param_desc,
	.params_size = sizeof(struct iommu_params),
	.ports = iommu_ports,
	.not_modelled = "invalidation queue and unmap policies, nested translation, PASID / "
			"scalable mode, ATS, interrupt remapping (issue 4 continues)",
};
