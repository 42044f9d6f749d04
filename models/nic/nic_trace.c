/* nic_trace.c - packet traces replayed by the NIC, and the flow table that gives flows a destination
 *
 * A packet trace (docs/trace-format.md) names functions as sources
 * ("nic0", "nic0.vf3"). pkt_tx: at its time (or, '-', as soon as the
 * function's TX ring has room) the function's driver posts a packet of LEN
 * bytes; pkt_rx: at its time the peer starts sending the packet to that
 * function (it arrives at line rate). flow=N picks the queue (N mod queues)
 * and, if 'flows:' lists it, the TX destination. Records are read one at a
 * time, in order: a TX record waiting for ring room holds back the rest.
 * ADDR is ignored (the driver's buffers are where its rings say).
 *
 * Not modelled: DMA records in a NIC trace (rd/wr/msi are refused: a
 * dma_source replays them).
 */
#include <stdlib.h>
#include <string.h>

#include "nic_impl.h"

struct flow_params {
	uint64_t id;
	const char *dst;
};

static const struct param_desc flow_param_desc[] = {
	{ "id", PARAM_U64, offsetof(struct flow_params, id), NULL, 0, 65535, NULL,
	  "flow id (flow=N in traces, flow k of a generator)" },
	{ "dst", PARAM_STRING, offsetof(struct flow_params, dst), "wire", 0, 0, NULL,
	  "where its TX packets go: wire, or a function of this NIC" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int nic_flows_load(struct nic *n, struct iov_err *e)
{
	const struct cfg_node *l = n->p.flows;
	if (!l || (l->kind == CFG_SCALAR && !l->str[0]))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "flows must be a list of {id, dst}");
	/* Ids are at most 65535: a table of MACs indexed by id. */
	n->nflows = 65536;
	n->flow_mac = calloc(n->nflows, sizeof(*n->flow_mac));
	if (!n->flow_mac)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct flow_params fp;
		if (cfg_load_params(l->items[i], flow_param_desc, NULL, &fp, "flow", e))
			return -1;
		if (!strcmp(fp.dst, "wire"))
			continue;
		struct nic_fn *d = NULL;
		for (unsigned k = 0; k < n->nfns && !d; k++)
			if (!strcmp(n->fns[k].name, fp.dst))
				d = &n->fns[k];
		if (!d)
			return cfg_err(e, cfg_get(l->items[i], "dst"), "flow %llu: '%s' is not a "
				       "function of %s", (unsigned long long)fp.id, fp.dst, n->c.name);
		n->flow_mac[fp.id] = d->mac;
	}
	return 0;
}

uint64_t nic_flow_mac(const struct nic *n, uint32_t flow)
{
	return flow < n->nflows ? n->flow_mac[flow] : 0;
}

int nic_trace_open(struct nic *n, struct iov_err *e)
{
	if (!n->p.trace || !n->p.trace[0])
		return 0;
	struct iov_err e2 = { 0 };
	n->ts = trace_open(n->p.trace, &e2);
	if (!n->ts)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: cannot open trace: %s", n->c.name, e2.msg);
	return 0;
}

static int trace_fail(struct nic *n, const char *fmt, const char *a, const char *b)
{
	struct sim *s = n->c.sim;
	iov_err_set(s->err, IOV_BAD_INPUT, fmt, n->ts->name, a, b);
	sim_abort(s);
	return -1;
}

/* Function of the current record's source, or NULL (run stopped). */
static struct nic_fn *trace_fn(struct nic *n)
{
	uint32_t src = n->trace_cur.src;
	const char *name = n->ts->sources[src].name;
	for (unsigned i = 0; i < n->nfns; i++)
		if (!strcmp(n->fns[i].name, name))
			return &n->fns[i];
	trace_fail(n, "%s: error: source '%s' is not a function of %s", name, n->c.name);
	return NULL;
}

/* Carry out the current record; false when it must wait (ring full). */
static bool trace_do(struct nic *n, struct nic_fn *f)
{
	const struct trace_rec *r = &n->trace_cur;
	sim_time_t now = sim_now(n->c.sim->k);
	if (r->len > n->p.buf_size) {
		char len[32];
		snprintf(len, sizeof(len), "%u", r->len);
		trace_fail(n, "%s: error: a packet of %s bytes does not fit the buffers of %s "
			   "(buf_size)", len, n->c.name);
		return true;
	}
	struct nic_pkt *p = nic_pkt_alloc(n);
	if (!p)
		return true;
	p->len = r->len;
	p->flow = r->flags & TRACE_F_FLOW ? r->data : 0;
	p->gen = -1;
	if (r->op == TRACE_OP_PKT_RX) {
		p->dst_fn = f->idx;
		nic_wire_recv(n, p, now);
		return true;
	}
	p->dst_mac = nic_flow_mac(n, p->flow);
	if (!nic_drv_post_tx(f, p->flow % f->nqp, p, false)) {
		nic_pkt_free(n, p);
		return false;
	}
	return true;
}

void nic_trace_event(void *arg)
{
	struct nic *n = arg;
	struct sim *s = n->c.sim;
	for (;;) {
		if (!n->trace_have) {
			int rc = trace_next(n->ts, &n->trace_cur, s->err);
			if (rc < 0) {
				sim_abort(s);
				return;
			}
			if (rc == 0) {
				n->trace_eof = true;
				return;
			}
			n->trace_have = true;
		}
		const struct trace_rec *r = &n->trace_cur;
		if (r->op != TRACE_OP_PKT_TX && r->op != TRACE_OP_PKT_RX) {
			trace_fail(n, "%s: error: a %s record in a NIC trace; %s replays packet "
				   "records (pkt_tx, pkt_rx), a dma_source replays DMA", trace_op_name(r->op),
				   n->c.name);
			return;
		}
		if (r->time != TRACE_TIME_ASAP && r->time > sim_now(s->k)) {
			sim_schedule_at(s->k, r->time, nic_trace_event, n);
			return;
		}
		struct nic_fn *f = trace_fn(n);
		if (!f)
			return;
		if (!trace_do(n, f)) {
			n->trace_waiting = true;        /* nic_traffic_tx_room wakes us */
			return;
		}
		n->trace_have = false;
	}
}
