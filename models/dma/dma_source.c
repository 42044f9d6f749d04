/* dma_source.c - a device function replaying a DMA / interrupt trace
 *
 * Reads a trace (file or inline generator) one record at a time and issues
 * it as TLPs on its 'up' port: reads split at MRRS and 4 KiB boundaries, each
 * request holding one tag until its completion returns; writes split at MPS
 * and 4 KiB boundaries, posted; MSIs as 4-byte writes. At most one TLP leaves
 * per 'issue_cycles' clock cycles. Open-loop records wait for their time;
 * closed-loop ('-') records go as soon as a tag is free.
 *
 * With 'vectors: N' the function has an MSI-X table that the host model
 * programs; msi records (or the {gen: msi} generator, dma_irq.c) then name
 * the vector in their data and go to the programmed address.
 *
 * With 'ats: true' each read or write TLP is first translated through the
 * function's ATS cache, asking the root complex on a miss (dma_ats.c).
 *
 * Not modelled: the device's internal DMA engine pipeline and descriptor
 * fetches (the NIC model adds those); completion reordering checks; tags are
 * a plain count, not specific tag values with phantom functions.
 */
#include <stdlib.h>
#include <string.h>

#include "dma_impl.h"
#include "rng.h"
#include "trace_gen_cfg.h"
#include "units.h"

extern const struct model model_dma_source;

static const struct param_desc dma_source_param_desc[] = {
	{ "trace", PARAM_NODE, offsetof(struct dma_source_params, trace), NULL, 0, 0, NULL,
	  "trace to replay: a file path (text or binary, gzip or not) or an inline generator map "
	  "(see docs/models.md)" },
	{ "clock", PARAM_FREQ, offsetof(struct dma_source_params, clock), "1GHz", 1e6, 1e11, NULL,
	  "device clock; TLPs leave on its edges" },
	{ "max_outstanding", PARAM_U64, offsetof(struct dma_source_params, max_outstanding), "32",
	  1, 1024, NULL, "read requests in flight at once (tags)" },
	{ "mrrs", PARAM_SIZE, offsetof(struct dma_source_params, mrrs), "512", 128, 4096, NULL,
	  "max read request size: longer reads are split" },
	{ "mps", PARAM_SIZE, offsetof(struct dma_source_params, mps), "256", 128, 4096, NULL,
	  "max payload size: longer writes are split" },
	{ "issue_cycles", PARAM_U64, offsetof(struct dma_source_params, issue_cycles), "1", 1,
	  1000000, NULL, "clock cycles between two TLPs leaving the device" },
	{ "write_issue_cycles", PARAM_U64, offsetof(struct dma_source_params, write_issue_cycles),
	  "0", 0, 1000000, NULL, "clock cycles a memory write occupies the DMA engine (moving its "
	  "payload to the PCIe core) before the next TLP; 0 = issue_cycles" },
	{ "host", PARAM_STRING, offsetof(struct dma_source_params, host), "", 0, 0, NULL,
	  "with vectors: the host component that programs the MSI-X table ('' = the "
	  "scenario's one)" },
	{ "vectors", PARAM_U64, offsetof(struct dma_source_params, vectors), "0", 0, 2048, NULL,
	  "MSI-X vectors of the function, programmed by the host (host_register_msix); an msi "
	  "record's data then names the vector (0 = no table: msi records go as written)" },
	PCIE_EP_PARAM_DESC(struct dma_source_params, ep),
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* Inline generator keys: sim/trace_gen_cfg.c (trace_gen_param_desc, docs/trace-format.md). */

static void dma_issue_event(void *arg);

void dma_schedule_issue(struct dma_source *d, sim_time_t at)
{
	struct sim_kernel *k = d->c.sim->k;
	if (d->issue_pending || d->waiting_retry)
		return;
	d->issue_pending = true;
	sim_schedule_at(k, sim_clock_issue_at(&d->c.clock, at, sim_now(k), d->next_issue),
			dma_issue_event, d);
}

static int dma_flow_of(struct dma_source *d, uint32_t src, uint32_t *flow)
{
	struct sim *s = d->c.sim;
	if (src >= d->src_flow_cap) {
		/* Grows only when the trace names a new source, not per record. */
		uint32_t cap = d->src_flow_cap ? d->src_flow_cap : 8;
		while (cap <= src)
			cap *= 2;
		uint32_t *nm = realloc(d->src_flow, cap * sizeof(*nm));
		if (nm)
			d->src_flow = nm;
		struct pcie_fn **nf = nm ? realloc(d->src_fn, cap * sizeof(*nf)) : NULL;
		if (!nf)
			return iov_err_set(s->err, IOV_INTERNAL, "out of memory");
		d->src_fn = nf;
		for (uint32_t i = d->src_flow_cap; i < cap; i++) {
			nm[i] = UINT32_MAX;
			nf[i] = NULL;
		}
		d->src_flow_cap = cap;
	}
	if (!d->src_fn[src]) {
		/* "<component>.vfN" issues as that VF (sriov:), anything else as the PF */
		const char *name = d->ts->sources[src].name;
		if (!(d->src_fn[src] = pcie_ep_fn_named(&d->ep, name)))
			return iov_err_set(s->err, IOV_BAD_INPUT, "%s: trace source '%s': %s has %u "
					   "VFs enabled (VF numbers are 1-based)", d->ts->name, name,
					   d->c.name, sriov_num_vfs(d->ep.sriov));
	}
	d->cur_fn = d->src_fn[src];
	if (d->src_flow[src] == UINT32_MAX) {
		struct sim_flow *f = sim_flow_get(s, d->ts->sources[src].name, s->err);
		if (!f)
			return -1;
		d->src_flow[src] = sim_flow_index(s, f);
	}
	*flow = d->src_flow[src];
	return 0;
}

/* Bytes of the next TLP of cur: capped by MRRS/MPS and by the 4 KiB boundary. */
static uint32_t dma_chunk(const struct dma_source *d)
{
	uint64_t addr = d->cur.addr + d->cur_off;
	uint64_t left = d->cur.len - d->cur_off;
	uint64_t cap = d->cur.op == TRACE_OP_READ ? d->p.mrrs : d->p.mps;
	uint64_t to_4k = 4096 - (addr & 4095);
	uint64_t n = left < cap ? left : cap;
	return (uint32_t)(n < to_4k ? n : to_4k);
}

static uint32_t dma_requests_for(const struct dma_source *d, const struct trace_rec *r)
{
	uint64_t cap = r->op == TRACE_OP_READ ? d->p.mrrs : d->p.mps;
	uint32_t n = 0;
	for (uint64_t off = 0; off < r->len; n++) {
		uint64_t addr = r->addr + off, left = r->len - off;
		uint64_t to_4k = 4096 - (addr & 4095);
		uint64_t c = left < cap ? left : cap;
		off += c < to_4k ? c : to_4k;
	}
	return n;
}

/* Fetch the next record; returns 1 with cur set, 0 at the end, -1 on error. */
static int dma_fetch(struct dma_source *d)
{
	struct sim *s = d->c.sim;
	int r = trace_next(d->ts, &d->cur, s->err);
	if (r <= 0)
		return r;
	d->have_cur = true;
	d->cur_off = 0;
	d->cur_txn = -1;
	d->ats_started = false;
	if (d->cur.op == TRACE_OP_PKT_TX || d->cur.op == TRACE_OP_PKT_RX)
		return iov_err_set(s->err, IOV_BAD_INPUT,
				   "%s: packet records (%s) need a NIC model; component '%s' is a "
				   "dma_source", d->ts->name, trace_op_name(d->cur.op), d->c.name);
	return 1;
}

/* A free transaction slot: O(1), no scan on the hot path. */
static int dma_alloc_txn(struct dma_source *d)
{
	return d->nfree_txn ? (int)d->free_txn[--d->nfree_txn] : -1;
}

/* Build the TLP for the next chunk of cur. */
static struct tlp *dma_make_tlp(struct dma_source *d, uint32_t flow, uint32_t len)
{
	struct sim *s = d->c.sim;
	struct tlp *t = tlp_alloc(s->tlps);
	if (!t)
		return NULL;
	const struct trace_source *src = &d->ts->sources[d->cur.src];
	/* A trace that names a BDF uses it (and may spoof one: ACS SV catches
	 * that); else the function's own routing ID from enumeration. */
	t->rid = src->is_bdf ? src->rid : d->cur_fn->rid;
	t->flow = flow;
	t->addr = d->cur.addr + d->cur_off;
	t->addr64 = t->addr > 0xffffffffull;
	t->len = len;
	t->attrs = d->cur.flags;
	t->at = d->cur.flags & TRACE_F_TRANSLATED ? TLP_AT_TRANSLATED : TLP_AT_UNTRANSLATED;
	t->pasid = d->cur.pasid;
	t->t_issue = sim_now(s->k);
	switch (d->cur.op) {
	case TRACE_OP_READ:
		t->type = TLP_MRD;
		t->cookie = (uint64_t)d->cur_txn;
		break;
	case TRACE_OP_MSI:
		t->type = TLP_MWR;
		t->is_msi = true;
		t->addr = d->msi_addr;
		t->addr64 = t->addr > 0xffffffffull;
		t->data = d->msi_data;
		break;
	default:
		t->type = TLP_MWR;
		break;
	}
	return t;
}

/* What dma_sent needs of a TLP, copied before the TLP is offered: once the
 * next hop accepts it, it may free it at once. */
struct dma_sent_info {
	enum tlp_type type;
	bool is_msi;
	uint8_t at;
	uint32_t len, flow;
	sim_time_t t_issue;
};

static struct dma_sent_info dma_info(const struct tlp *t)
{
	return (struct dma_sent_info){ .type = t->type, .is_msi = t->is_msi, .at = t->at,
				       .len = t->len, .flow = t->flow, .t_issue = t->t_issue };
}

/* Account what was just sent; advance within cur. */
static void dma_sent(struct dma_source *d, const struct dma_sent_info *t)
{
	struct sim *s = d->c.sim;
	sim_time_t now = sim_now(s->k);
	bool first = d->cur_off == 0 && !d->ats_started;
	if (first && d->cur.time != TRACE_TIME_ASAP)
		hist_add(d->st_issue_delay, now - d->cur.time);
	if (first)
		d->cur_t0 = t->t_issue;
	uint64_t cycles = t->type == TLP_MWR && d->p.write_issue_cycles ? d->p.write_issue_cycles
								      : d->p.issue_cycles;
	d->next_issue = now + sim_clock_cycles(&d->c.clock, cycles);
	if (t->at == TLP_AT_TREQ) {     /* the TLP itself is still to go */
		d->tags_used++;
		d->ats_started = true;
		atc_treq_sent(&d->ep.atc);
		return;
	}
	d->cur_off += t->len;
	bool last = d->cur_off >= d->cur.len;
	if (t->type == TLP_MRD) {
		(*d->st_rd_reqs)++;
		d->tags_used++;
		struct dma_txn *x = &d->txns[d->cur_txn];
		x->reqs_left--;
		x->cpls_left++;
	} else if (t->is_msi) {
		(*d->st_msis)++;
	} else {
		(*d->st_wr_tlps)++;
		if (last)
			sim_dma_write_done(s, t->flow, d->cur.len, d->cur_t0, now);
	}
	if (last)
		d->have_cur = false;
}

static void dma_issue_event(void *arg)
{
	struct dma_source *d = arg;
	struct sim *s = d->c.sim;
	sim_time_t now = sim_now(s->k);

	d->issue_pending = false;
	if (!d->have_cur) {
		if (d->eof)
			return;
		int r = dma_fetch(d);
		if (r < 0) {
			sim_abort(s);
			return;
		}
		if (r == 0) {
			d->eof = true;
			return;
		}
	}
	if (d->cur_off == 0 && d->cur.time != TRACE_TIME_ASAP && d->cur.time > now) {
		dma_schedule_issue(d, d->cur.time);
		return;
	}
	if (d->cur_off == 0 && (d->cur.flags & TRACE_F_SYNC) && d->tags_used)
		return;                         /* woken by the last completion */
	uint32_t flow = 0;
	if (dma_flow_of(d, d->cur.src, &flow)) {
		sim_abort(s);
		return;
	}
	if (d->cur_off == 0 && !pcie_ep_fn_may_dma(&d->ep, d->cur_fn, flow)) {
		d->have_cur = false;            /* Bus Master Enable clear: never leaves */
		dma_schedule_issue(d, now);
		return;
	}
	if (d->cur.op == TRACE_OP_READ) {
		if (d->tags_used >= d->p.max_outstanding) {
			(*d->st_tag_stalls)++;
			return;                 /* woken by a completion */
		}
		if (d->cur_txn < 0) {
			d->cur_txn = dma_alloc_txn(d);   /* a free tag implies a free slot */
			struct dma_txn *x = &d->txns[d->cur_txn];
			*x = (struct dma_txn){ .used = true, .flow = flow, .bytes = d->cur.len,
					       .reqs_left = dma_requests_for(d, &d->cur) };
		}
	}
	if (d->cur.op == TRACE_OP_MSI) {
		int r = dma_msi_resolve(d);
		if (r < 0) {
			sim_abort(s);
			return;
		}
		if (r > 0) {                    /* masked: held in the pending bit */
			d->have_cur = false;
			dma_schedule_issue(d, now);
			return;
		}
	}
	uint64_t hpa = 0;
	enum dma_go go = dma_ats_step(d, &hpa);
	if (go == DMA_GO_WAIT)
		return;
	struct tlp *t = go == DMA_GO_TREQ ? dma_make_treq(d, flow) :
			dma_make_tlp(d, flow, d->cur.op == TRACE_OP_MSI ? 4 : dma_chunk(d));
	if (!t) {
		iov_err_set(s->err, IOV_INTERNAL, "out of memory (TLP pool)");
		sim_abort(s);
		return;
	}
	if (go == DMA_GO_TRANSLATED)
		atc_translated(&d->ep.atc, t, hpa, now);
	if (d->cur_off == 0 && d->cur_txn >= 0 && !d->ats_started)
		d->txns[d->cur_txn].t0 = t->t_issue;
	struct dma_sent_info info = dma_info(t);
	if (!port_send(&d->up, t)) {
		(*d->st_refusals)++;
		d->blocked = t;
		d->waiting_retry = true;
		return;
	}
	dma_sent(d, &info);
	dma_schedule_issue(d, d->next_issue);
}

static void dma_up_retry(struct port *p)
{
	struct dma_source *d = container_of(p, struct dma_source, up);
	if (pcie_ep_retry(&d->ep))
		return;                         /* our completions still wait */
	struct tlp *t = d->blocked;
	if (!t)
		return;
	/* The wait for room is part of the device stage of this TLP (a translated
	 * one keeps its translation's start: stamped "ats", it has a stage). */
	if (!t->nstamps) {
		t->t_issue = sim_now(d->c.sim->k);
		if (d->cur_off == 0 && d->cur_txn >= 0 && !d->ats_started)
			d->txns[d->cur_txn].t0 = t->t_issue;
	}
	struct dma_sent_info info = dma_info(t);
	if (!port_send(&d->up, t)) {
		(*d->st_refusals)++;
		return;
	}
	d->blocked = NULL;
	d->waiting_retry = false;
	dma_sent(d, &info);
	dma_schedule_issue(d, d->next_issue);
}

static bool dma_up_recv(struct port *p, struct tlp *t)
{
	struct dma_source *d = container_of(p, struct dma_source, up);
	struct sim *s = d->c.sim;
	sim_time_t now = sim_now(s->k);

	if (!tlp_is_cpl(t)) {
		pcie_ep_request(&d->ep, t);     /* MMIO, a peer's DMA to our BARs, messages */
		return true;
	}
	if (t->cookie == DMA_TREQ_COOKIE) {
		dma_ats_completion(d, t);
		return true;
	}
	struct dma_txn *x = &d->txns[t->cookie];
	if (t->status != TLP_SC_SC)
		(*d->st_cpl_errors)++;
	/* Split completions: the request is done with the one whose byte count
	 * is its own length (or with an error completion). */
	if (t->status == TLP_SC_SC && t->byte_count > t->len) {
		tlp_free(s->tlps, t);
		return true;
	}
	d->tags_used--;
	x->cpls_left--;
	if (x->cpls_left == 0 && x->reqs_left == 0) {
		if (!x->failed)
			sim_dma_read_done(s, x->flow, x->bytes, x->t0, now, t);
		dma_free_txn(d, x);
	}
	tlp_free(s->tlps, t);
	if (!d->issue_pending && !d->waiting_retry && (d->have_cur || !d->eof))
		dma_schedule_issue(d, now);
	return true;
}

static const struct port_ops dma_up_ops = { .recv = dma_up_recv, .retry = dma_up_retry };

static void dma_path_near(const struct cfg_node *n, char *buf, size_t len)
{
	const char *path = n->str;
	if (path[0] == '/' || !n->loc.file || !strchr(n->loc.file, '/')) {
		snprintf(buf, len, "%s", path);
		return;
	}
	const char *slash = strrchr(n->loc.file, '/');
	snprintf(buf, len, "%.*s/%s", (int)(slash - n->loc.file), n->loc.file, path);
}

static struct trace_stream *dma_open_trace(struct dma_source *d, const struct cfg_node *n,
					   struct iov_err *e)
{
	if (n->kind == CFG_SCALAR) {
		char path[4096];
		dma_path_near(n, path, sizeof(path));
		struct iov_err e2 = { 0 };
		struct trace_stream *ts = trace_open(path, &e2);
		if (!ts)
			cfg_err(e, n, "cannot open trace: %s", e2.msg);
		return ts;
	}
	if (n->kind != CFG_MAP) {
		cfg_err(e, n, "trace must be a file path or a generator map {gen: seq|random|msi, "
			"...}");
		return NULL;
	}
	const struct cfg_node *gen = cfg_get(n, "gen");
	if (gen && gen->kind == CFG_SCALAR && !strcmp(gen->str, "msi"))
		return dma_msi_gen_open(d, n, e);
	return trace_gen_open_cfg(n, trace_gen_param_desc, d->c.name, d->c.sim->seed, e);
}

static void dma_destroy(struct component *c)
{
	struct dma_source *d = container_of(c, struct dma_source, c);
	if (d->blocked)
		tlp_free(c->sim->tlps, d->blocked);
	pcie_ep_free(&d->ep);
	trace_close(d->ts);
	free(d->msix.e);
	free(d->txns);
	free(d->free_txn);
	free(d->src_flow);
	free(d->src_fn);
	free(d);
}

#define DMA_STAT(field, kind, leaf, unit, desc)                                          \
	(snprintf(path, sizeof(path), "components.%s." leaf, name),                      \
	 (d->field = kind(s->stats, path, unit, desc, e)) != NULL)

static struct component *dma_create(struct sim *s, const char *name, const void *params,
				    const struct cfg_node *node, struct iov_err *e)
{
	struct dma_source *d = calloc(1, sizeof(*d));
	if (!d) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	d->p = *(const struct dma_source_params *)params;
	d->node = node;
	component_init(&d->c, s, &model_dma_source, name, &d->p.clock);
	d->txns = calloc(d->p.max_outstanding, sizeof(*d->txns));
	d->free_txn = calloc(d->p.max_outstanding, sizeof(*d->free_txn));
	if (!d->txns || !d->free_txn) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto err;
	}
	for (uint32_t i = (uint32_t)d->p.max_outstanding; i-- > 0;)
		d->free_txn[d->nfree_txn++] = i;        /* slot 0 on top */
	char path[256];
	if (component_add_port(&d->c, &d->up, "up", &dma_up_ops, e) ||
	    pcie_ep_init(&d->ep, &d->c, &d->up, &d->p.ep, node, e) ||
	    !(d->ts = dma_open_trace(d, d->p.trace, e)))
		goto err;
	if (!DMA_STAT(st_rd_reqs, stats_counter, "read_requests", "", "MRd TLPs sent") ||
	    !DMA_STAT(st_wr_tlps, stats_counter, "write_tlps", "", "MWr TLPs sent (not MSI)") ||
	    !DMA_STAT(st_msis, stats_counter, "msis", "", "MSI/MSI-X writes sent") ||
	    !DMA_STAT(st_msi_masked, stats_counter, "msis_masked", "",
		      "msi records held in the pending bit: their vector was masked") ||
	    !DMA_STAT(st_tag_stalls, stats_counter, "tag_stalls", "",
		      "times a read waited for a free tag") ||
	    !DMA_STAT(st_refusals, stats_counter, "backpressure", "",
		      "times the next hop refused a TLP") ||
	    !DMA_STAT(st_cpl_errors, stats_counter, "completion_errors", "",
		      "completions with a status other than SC") ||
	    !(snprintf(path, sizeof(path), "components.%s.issue_delay_ns", name),
	      d->st_issue_delay = stats_hist(s->stats, path, "ns", 1e-3,
					     "open-loop records: issue time minus trace time", e)))
		goto err;
	return &d->c;
err:
	dma_destroy(&d->c);
	return NULL;
}

static int dma_start(struct component *c, struct iov_err *e)
{
	(void)e;
	struct dma_source *d = container_of(c, struct dma_source, c);
	dma_schedule_issue(d, 0);
	return 0;
}

static int dma_elaborate(struct component *c, struct iov_err *e)
{
	return dma_msix_elaborate(container_of(c, struct dma_source, c), e);
}

static const struct model_ops dma_source_ops = {
	.create = dma_create,
	.elaborate = dma_elaborate,
	.start = dma_start,
	.destroy = dma_destroy,
};

static const struct port_doc dma_source_ports[] = {
	{ "up", "towards the host: sends requests, receives completions" },
	{ NULL, NULL },
};

const struct model model_dma_source = {
	.kind = "source",
	.type = "dma_source",
	.desc = "device function replaying a DMA/interrupt trace with bounded outstanding reads",
	.ops = &dma_source_ops,
	.params = dma_source_param_desc,
	.params_size = sizeof(struct dma_source_params),
	.ports = dma_source_ports,
	.not_modelled = "device-internal DMA engine and descriptor fetches; specific tag values; "
			"completion ordering checks; ATS: hits under a miss, PRI, PASID",
};
