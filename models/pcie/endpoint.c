/* endpoint.c - config space, BARs, Bus Master Enable and the BAR completer of a function */
#include "endpoint.h"

#include <stdlib.h>
#include <string.h>

static void ep_cpl_event(void *arg);

/* The queue whose head is due first (messages are posted: they win ties, as
 * in the fabric's queues); NULL when both are empty. */
static struct tlp_fifo *ep_next(struct pcie_ep *ep)
{
	const struct tlp *c = ep->cpl.head, *m = ep->msgs.head;
	if (!m)
		return c ? &ep->cpl : NULL;
	return !c || m->t_due <= c->t_due ? &ep->msgs : &ep->cpl;
}

/* The two queues have different latencies: an event already pending may be
 * too late for a new head, so it is moved earlier. */
static void ep_arm(struct pcie_ep *ep)
{
	struct tlp_fifo *q = ep_next(ep);
	if (ep->busy || !q)
		return;
	struct sim_kernel *k = ep->c->sim->k;
	sim_time_t at = q->head->t_due > sim_now(k) ? q->head->t_due : sim_now(k);
	if (ep->ev_pending) {
		if (ep->ev_at <= at)
			return;
		sim_cancel(k, ep->ev);
	}
	ep->ev_pending = true;
	ep->ev_at = at;
	ep->ev = sim_schedule_at(k, at, ep_cpl_event, ep);
}

/* Send due completions and messages; true if the port refused one. */
static bool ep_send(struct pcie_ep *ep)
{
	sim_time_t now = sim_now(ep->c->sim->k);
	struct tlp_fifo *q;
	while ((q = ep_next(ep)) && q->head->t_due <= now) {
		struct tlp *t = tlp_fifo_pop(q);
		if (!port_send(ep->up, t)) {
			tlp_fifo_unpop(q, t);
			ep->busy = true;
			return true;
		}
	}
	ep_arm(ep);
	return false;
}

static void ep_cpl_event(void *arg)
{
	struct pcie_ep *ep = arg;
	ep->ev_pending = false;
	if (!ep->busy)
		ep_send(ep);
}

bool pcie_ep_retry(struct pcie_ep *ep)
{
	ep->busy = false;
	return ep_send(ep);
}

/* The function (PF or one of its VFs) whose BAR holds addr, or NULL. */
static const struct pcie_fn *ep_holder(struct pcie_ep *ep, uint64_t addr)
{
	if (pcie_fn_holds(&ep->fn, addr))
		return &ep->fn;
	return sriov_vf(ep->sriov, sriov_vf_at(ep->sriov, addr));
}

struct pcie_fn *pcie_ep_fn_named(struct pcie_ep *ep, const char *name)
{
	size_t l = strlen(ep->c->name);
	if (ep->sriov && !strncmp(name, ep->c->name, l) && !strncmp(name + l, ".vf", 3))
		return sriov_fn_by_name(ep->sriov, name);
	return &ep->fn;
}

bool pcie_ep_fn_may_dma(struct pcie_ep *ep, const struct pcie_fn *f, uint32_t flow)
{
	if (f->bme)
		return true;
	(*ep->st_bme_blocked)++;
	iso_blocked_flow(ep->c->sim, flow);
	return false;
}

/* An ATS Invalidate Request: drop the translations at once, answer with the
 * Invalidate Completion (the same object, routed by ID back to the
 * requester, echoing its cookie as the ITag) atc_inv_latency later. Any
 * other message, or one for a function without ATS: unsupported, dropped. */
static void ep_message(struct pcie_ep *ep, struct tlp *t)
{
	struct sim *s = ep->c->sim;
	sim_time_t now = sim_now(s->k);
	if (t->msg_code != TLP_MSG_ATS_INV_REQ || !atc_enabled(&ep->atc)) {
		(*ep->st_misrouted)++;
		tlp_free(s->tlps, t);
		return;
	}
	atc_invalidate(&ep->atc, t->addr, t->ats_size);
	t->msg_code = TLP_MSG_ATS_INV_CPL;
	t->msg_dest = t->rid;
	t->rid = pcie_ep_rid(ep);
	t->addr = 0;
	t->ats_size = 0;
	t->len = 0;
	t->nstamps = 0;
	t->stamps_overflow = false;
	t->t_issue = now;
	t->t_due = now + ep->atc.p.inv_latency;
	tlp_fifo_push(&ep->msgs, t);
	ep_arm(ep);
}

void pcie_ep_request(struct pcie_ep *ep, struct tlp *t)
{
	struct sim *s = ep->c->sim;
	sim_time_t now = sim_now(s->k);
	if (t->type == TLP_MSG) {
		ep_message(ep, t);
		return;
	}
	const struct pcie_fn *to = ep_holder(ep, t->addr);
	if (!to) {
		(*ep->st_misrouted)++;
		if (t->type != TLP_MRD) {
			tlp_free(s->tlps, t);
			return;
		}
		t->type = TLP_CPL;
		t->status = TLP_SC_UR;
		t->byte_count = t->len;
		t->len = 0;
	} else {
		iso_reached_peer(s, t, to->vm);
		if (t->type != TLP_MRD) {
			(*ep->st_bar_writes)++;
			sim_dma_write_landed(s, t->flow, now);
			tlp_free(s->tlps, t);
			return;
		}
		(*ep->st_bar_reads)++;
		t->type = TLP_CPLD;
		t->status = TLP_SC_SC;
		t->byte_count = t->len;
	}
	/* Same latency for all: the queue stays in due order. */
	t->t_due = now + ep->p.bar_latency;
	tlp_fifo_push(&ep->cpl, t);
	ep_arm(ep);
}

bool pcie_ep_may_dma(struct pcie_ep *ep, uint32_t flow)
{
	return pcie_ep_fn_may_dma(ep, &ep->fn, flow);
}

/* A PARAM_NODE parameter that the scenario set (absent ones are "" scalars). */
static bool node_given(const struct cfg_node *n)
{
	return n && n->kind != CFG_NULL && !(n->kind == CFG_SCALAR && !n->str[0]);
}

static int ep_caps(struct pcie_ep *ep, const struct cfg_node *n, struct iov_err *e)
{
	ep->fn.caps = PCIE_CAP_PCIE | (ep->fn.has_acs ? PCIE_CAP_ACS : 0);
	if (!n || (n->kind == CFG_SCALAR && !n->str[0]))
		return 0;
	if (n->kind != CFG_SEQ)
		return cfg_err(e, n, "caps must be a list of capability names: msix, ats, sriov");
	for (size_t i = 0; i < n->n; i++) {
		const struct cfg_node *it = n->items[i];
		const char *v = it->kind == CFG_SCALAR ? it->str : "";
		if (!strcmp(v, "msix"))
			ep->fn.caps |= PCIE_CAP_MSIX;
		else if (!strcmp(v, "ats"))
			ep->fn.caps |= PCIE_CAP_ATS;
		else if (!strcmp(v, "sriov") && !node_given(ep->p.sriov))
			return cfg_err(e, it, "the SR-IOV capability comes with its registers: give "
				       "the function an 'sriov:' map {total_vfs, num_vfs, ...} "
				       "(docs/models/sriov.md)");
		else if (!strcmp(v, "sriov"))
			continue;       /* sriov_create adds it */
		else if (!strcmp(v, "pcie") || !strcmp(v, "acs"))
			continue;
		else
			return cfg_err(e, it, "unknown capability '%s'; known: msix, ats, sriov "
				       "(acs comes from 'acs:')", v);
	}
	return 0;
}

int pcie_ep_init(struct pcie_ep *ep, struct component *c, struct port *up,
		 const struct pcie_ep_params *p, const struct cfg_node *node, struct iov_err *e)
{
	struct sim *s = c->sim;
	ep->c = c;
	ep->up = up;
	ep->p = *p;
	ep->fn = (struct pcie_fn){ .name = c->name, .kind = PCIE_FN_ENDPOINT, .c = c,
				   .bme = p->bme != 0, .vm = -1, .pinned_bus = -1 };
	if (pcie_acs_parse(p->acs, &ep->fn.has_acs, &ep->fn.acs, e) ||
	    pcie_bars_parse(p->bars, &ep->fn, e) || ep_caps(ep, p->caps, e) ||
	    atc_init(&ep->atc, &p->atc, s, c->name, e))
		return -1;
	if (atc_enabled(&ep->atc))
		ep->fn.caps |= PCIE_CAP_ATS;
	if (sriov_create(&ep->sriov, &ep->fn, c, p->sriov, e))
		return -1;
	ep->node = (struct pcie_node){ .kind = PCIE_NODE_ENDPOINT, .c = c, .up = up,
				       .self = &ep->fn, .loc = node ? node->loc : (struct cfg_loc){ 0 } };
	if (pcie_bus_pin(p->bus, &ep->node.pinned_bus, e))
		return -1;
	ep->node.dev.fns[0] = &ep->fn;
	ep->node.dev.nfns = 1;
	ep->fn.dev = &ep->node.dev;
	c->pcie = &ep->node;
	char path[256];
#define EP_STAT(field, leaf, desc)                                                        \
	(snprintf(path, sizeof(path), "components.%s." leaf, c->name),                    \
	 (ep->field = stats_counter(s->stats, path, "", desc, e)) != NULL)
	if (!EP_STAT(st_bar_reads, "bar_reads", "reads of its BARs answered (MMIO / peer)") ||
	    !EP_STAT(st_bar_writes, "bar_writes", "writes to its BARs absorbed") ||
	    !EP_STAT(st_bme_blocked, "bme_blocked", "DMA requests not sent: Bus Master Enable "
		     "clear") ||
	    !EP_STAT(st_misrouted, "misrouted", "requests that reached it outside its BARs, and "
		     "messages it does not support (UR)"))
		return -1;
#undef EP_STAT
	return 0;
}

void pcie_ep_free(struct pcie_ep *ep)
{
	struct tlp *t;
	if (!ep->c)
		return;
	while ((t = tlp_fifo_pop(&ep->cpl)))
		tlp_free(ep->c->sim->tlps, t);
	while ((t = tlp_fifo_pop(&ep->msgs)))
		tlp_free(ep->c->sim->tlps, t);
	atc_free(&ep->atc);
	sriov_destroy(ep->sriov);
	ep->sriov = NULL;
}
