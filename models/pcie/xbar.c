/* xbar.c - per-class egress queues, departure times, blocking and backpressure (see xbar.h) */
#include "xbar.h"

#include <stdlib.h>
#include <string.h>

static void xbar_port_event(void *arg);

static void xbar_occ(struct xbar *x, int delta)
{
	sim_time_t now = sim_now(x->c->sim->k);
	x->occ_area += (long double)x->queued * (long double)(now - x->occ_last);
	x->occ_last = now;
	x->queued = (uint64_t)((int64_t)x->queued + delta);
	if (x->queued > x->queued_max)
		x->queued_max = x->queued;
}

/* Earliest-due head of the port's class queues: ties go to posted, then
 * completions, then non-posted (posted requests must not be passed). */
static int xbar_pick(const struct xbar_port *xp)
{
	int best = -1;
	for (int c = 0; c < PCIE_FC__COUNT; c++) {
		static const int order[PCIE_FC__COUNT] = { PCIE_FC_P, PCIE_FC_CPL, PCIE_FC_NP };
		int k = order[c];
		const struct tlp *h = xp->q[k].head;
		if (h && (best < 0 || h->t_due < xp->q[best].head->t_due))
			best = k;
	}
	return best;
}

static void xbar_arm(struct xbar_port *xp)
{
	struct sim_kernel *k = xp->x->c->sim->k;
	if (xp->peer_busy)
		return;
	int c = xbar_pick(xp);
	if (c < 0)
		return;
	sim_time_t at = xp->q[c].head->t_due;
	if (at < sim_now(k))
		at = sim_now(k);
	if (xp->ev_pending) {
		if (xp->ev_at <= at)
			return;
		sim_cancel(k, xp->ev);
	}
	xp->ev_pending = true;
	xp->ev_at = at;
	xp->ev = sim_schedule_at(k, at, xbar_port_event, xp);
}

/* Room freed somewhere: any port we refused may try again. */
static void xbar_unblock_all(struct xbar *x)
{
	for (unsigned i = 0; i < x->nports; i++)
		port_unblock(&x->ports[i].port);
}

void xbar_unblock(struct xbar *x)
{
	xbar_unblock_all(x);
}

static void xbar_send(struct xbar_port *xp)
{
	if (!xp->port.peer) {           /* an empty slot: drop what was routed there */
		for (int c = 0; c < PCIE_FC__COUNT; c++) {
			struct tlp *t;
			while ((t = tlp_fifo_pop(&xp->q[c]))) {
				xbar_occ(xp->x, -1);
				tlp_free(xp->x->c->sim->tlps, t);
			}
		}
		return;
	}
	struct xbar *x = xp->x;
	struct sim *s = x->c->sim;
	sim_time_t now = sim_now(s->k);
	bool sent = false;
	for (;;) {
		int c = xbar_pick(xp);
		if (c < 0 || xp->q[c].head->t_due > now)
			break;
		struct tlp *t = tlp_fifo_pop(&xp->q[c]);
		tlp_stamp(t, x->stage, now);
		if (!port_send(&xp->port, t)) {
			t->nstamps--;
			tlp_fifo_unpop(&xp->q[c], t);
			xp->peer_busy = true;
			break;
		}
		(*xp->st_out)++;
		xbar_occ(x, -1);
		sent = true;
	}
	xbar_arm(xp);
	if (sent)
		xbar_unblock_all(x);
}

static void xbar_port_event(void *arg)
{
	struct xbar_port *xp = arg;
	xp->ev_pending = false;
	xbar_send(xp);
}

static void xbar_retry(struct port *p)
{
	struct xbar_port *xp = (struct xbar_port *)(void *)p;
	xp->peer_busy = false;
	xbar_send(xp);
}

sim_time_t xbar_due(const struct xbar *x, const struct tlp *t)
{
	sim_time_t now = sim_now(x->c->sim->k);
	if (x->cut_through && t->t_head && t->t_head <= now) {
		sim_time_t due = t->t_head + x->latency;
		return due > now ? due : now;
	}
	return now + x->latency;
}

bool xbar_room(const struct xbar *x, unsigned out, const struct tlp *t)
{
	return x->ports[out].q[pcie_fc_class_of(t->type)].n < x->depth;
}

/*
 * Put t in the class queue before the first TLP due later. Only the root
 * complex's internal reads (its translator's table reads) come here: they are
 * due at once, and a plain FIFO would hold them behind device requests still
 * serving the forwarding latency, a head-of-line wait no hardware has.
 */
static void xbar_insert_by_due(struct tlp_fifo *q, struct tlp *t)
{
	struct tlp **pp = &q->head;
	while (*pp && (*pp)->t_due <= t->t_due)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	if (!t->next)
		q->tail = t;
	q->n++;
}

void xbar_push(struct xbar *x, unsigned out, struct tlp *t, sim_time_t due)
{
	struct xbar_port *xp = &x->ports[out];
	t->t_due = due;
	struct tlp_fifo *q = &xp->q[pcie_fc_class_of(t->type)];
	if (t->internal && q->tail && q->tail->t_due > due)
		xbar_insert_by_due(q, t);
	else
		tlp_fifo_push(q, t);
	xbar_occ(x, +1);
	xbar_arm(xp);
}

static void xbar_queue(struct xbar *x, unsigned out, struct tlp *t, sim_time_t due)
{
	if (!x->ops->queue || !x->ops->queue(x, out, t, due))
		xbar_push(x, out, t, due);
}

/* Turn a blocked non-posted request into its UR/CA completion. */
static void xbar_reject(struct tlp *t, enum xbar_verdict v)
{
	t->type = TLP_CPL;
	t->status = v == XV_BLOCK_CA ? TLP_SC_CA : TLP_SC_UR;
	t->byte_count = t->len;
	t->len = 0;
}

/* Apply a verdict; false = no room (only when 'may_refuse'). */
static bool xbar_apply(struct xbar *x, unsigned in, int out, enum xbar_verdict v, struct tlp *t,
		       bool may_refuse)
{
	struct sim *s = x->c->sim;
	if (v == XV_BLOCK_UR || v == XV_BLOCK_CA) {
		if (t->type == TLP_MRD) {
			if (may_refuse && x->ports[in].q[PCIE_FC_CPL].n >= x->depth)
				return false;
			(*x->st_verdict[v])++;
			iso_blocked(s, t);
			xbar_reject(t, v);
			xbar_push(x, in, t, sim_now(s->k) + x->latency);
			return true;
		}
		(*x->st_verdict[v])++;
		if (t->type == TLP_MWR)
			iso_blocked(s, t);
		tlp_free(s->tlps, t);           /* posted or completion: dropped */
		return true;
	}
	if (may_refuse && !xbar_room(x, (unsigned)out, t))
		return false;
	(*x->st_verdict[v])++;
	xbar_queue(x, (unsigned)out, t, xbar_due(x, t));
	return true;
}

static bool xbar_recv(struct port *p, struct tlp *t)
{
	struct xbar_port *xp = (struct xbar_port *)(void *)p;
	struct xbar *x = xp->x;
	enum xbar_verdict v = XV_FORWARD;
	int out = x->ops->route(x, xp->idx, t, &v);
	if (v == XV_PENDING)
		return true;
	if (v == XV_REFUSE || !xbar_apply(x, xp->idx, out, v, t, true)) {
		(*x->st_refusals)++;
		return false;
	}
	return true;
}

void xbar_inject(struct xbar *x, unsigned in, int out, enum xbar_verdict v, struct tlp *t)
{
	xbar_apply(x, in, out, v, t, false);
}

static const struct port_ops xbar_port_ops = { .recv = xbar_recv, .retry = xbar_retry };

int xbar_init(struct xbar *x, struct component *c, const struct xbar_ops *ops, void *owner,
	      unsigned nports, const char *const *names, sim_time_t latency, bool cut_through,
	      uint32_t depth, unsigned first_optional, unsigned end_optional, struct iov_err *e)
{
	struct sim *s = c->sim;
	x->c = c;
	x->ops = ops;
	x->owner = owner;
	x->latency = latency;
	x->cut_through = cut_through;
	x->depth = depth;
	x->ports = calloc(nports, sizeof(*x->ports));
	if (!x->ports)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	x->nports = nports;
	int st = sim_stage(s, c->name, e);
	if (st < 0)
		return -1;
	x->stage = (uint16_t)st;
	char path[256];
	for (unsigned i = 0; i < nports; i++) {
		struct xbar_port *xp = &x->ports[i];
		xp->x = x;
		xp->idx = i;
		if (component_add_port(c, &xp->port, names[i], &xbar_port_ops, e))
			return -1;
		xp->port.optional = i >= first_optional && i < end_optional;
		snprintf(path, sizeof(path), "components.%s.ports.%s.tlps_out", c->name, names[i]);
		if (!(xp->st_out = stats_counter(s->stats, path, "", "TLPs sent out of this port", e)))
			return -1;
	}
	static const char *const vnames[XV__COUNT] = {
		"forwarded", "p2p_direct", "redirected", NULL, NULL, "blocked_ur", "blocked_ca" };
	static const char *const vdesc[XV__COUNT] = {
		"TLPs routed normally (up, or down to their target)",
		"requests/completions sent straight to a peer port, bypassing the root complex",
		"peer-to-peer TLPs ACS redirected upstream", NULL, NULL,
		"TLPs blocked with Unsupported Request", "TLPs blocked with Completer Abort (ACS)" };
	for (int v = 0; v < XV__COUNT; v++) {
		if (!vnames[v])
			continue;
		snprintf(path, sizeof(path), "components.%s.%s", c->name, vnames[v]);
		if (!(x->st_verdict[v] = stats_counter(s->stats, path, "", vdesc[v], e)))
			return -1;
	}
	snprintf(path, sizeof(path), "components.%s.refusals", c->name);
	if (!(x->st_refusals = stats_counter(s->stats, path, "", "TLPs refused: egress queue full "
					     "(backpressure to the ingress link)", e)))
		return -1;
	snprintf(path, sizeof(path), "components.%s.queue_max", c->name);
	if (!(x->st_queued_max = stats_counter(s->stats, path, "", "most TLPs queued at once", e)))
		return -1;
	snprintf(path, sizeof(path), "components.%s.queue_mean", c->name);
	if (!(x->st_occ_mean = stats_value(s->stats, path, "", "time-averaged TLPs queued", e)))
		return -1;
	return 0;
}

void xbar_finish(struct xbar *x)
{
	xbar_occ(x, 0);
	sim_time_t now = sim_now(x->c->sim->k);
	*x->st_occ_mean = now ? (double)(x->occ_area / (long double)now) : 0.0;
	*x->st_queued_max = x->queued_max;
}

void xbar_free(struct xbar *x)
{
	if (!x->ports)
		return;
	for (unsigned i = 0; i < x->nports; i++)
		for (int c = 0; c < PCIE_FC__COUNT; c++) {
			struct tlp *t;
			while ((t = tlp_fifo_pop(&x->ports[i].q[c])))
				tlp_free(x->c->sim->tlps, t);
		}
	free(x->ports);
	x->ports = NULL;
}
