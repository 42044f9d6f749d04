/* audit.c - isolation audit: IOMMU groups and root-complex bypass pairs of a PCIe hierarchy
 *
 * Groups follow Linux (pci_device_group): from an endpoint, walk up the
 * bridges; stop at the first bridge whose whole path to the root complex is
 * ACS-isolated (REQ_ACS = SV RR CR UF on every root and downstream port);
 * the topmost bridge passed on the way roots the group, and everything below
 * it shares it. With an isolated path, the functions of a multi-function
 * device that lack ACS (RR and CR) alias each other. The 'reach' grouping
 * adds one step: a request that enters a switch downstream port without ACS
 * goes straight to any sibling port, so the downstream ports of one switch
 * that root a group merge into one group (the switch's); Linux gives each
 * such port its own group although their devices reach each other, and the
 * bypass list flags those pairs. Bypass pairs take the lowest component two
 * functions share below the root complex and ask acs_decide (the routing code
 * of switches and multi-function devices) what happens to a read of the
 * target's BAR there. Internal switches (pcie_fn.iswitch: a device model's
 * switch between its functions, like an SR-IOV NIC's embedded switch) are
 * asked, port pair by port pair, whether they forward packets between the
 * two: such packets never become TLPs between the functions.
 * The reports are printed by audit_print.c.
 *
 * Not modelled: DMA aliases (PCIe-to-PCI bridges, quirks), ACS capability
 * versus control registers (a bit we model is both), requests to non-BAR
 * addresses, translated (AT) requests (they would meet TB/DT instead).
 */
#include "audit.h"

#include <stdlib.h>
#include <string.h>

#include "acs_route.h"
#include "sim.h"

#define AUDIT_MAX_HOPS 256      /* a path uses at least one bus per hop: <= 256 */

/* ------------------------------------------------------------ ACS rules -- */

bool audit_port_acs_enabled(const struct pcie_fn *p)
{
	return p->has_acs && p->acs.sv && p->acs.rr && p->acs.cr && p->acs.uf;
}

bool audit_fn_acs_enabled(const struct pcie_fn *f)
{
	return f->has_acs && f->acs.rr && f->acs.cr;
}

bool audit_is_port(const struct pcie_fn *b)
{
	return b->kind == PCIE_FN_ROOT_PORT || b->kind == PCIE_FN_SWITCH_DOWN;
}

bool audit_path_isolated(const struct pcie_fn *b)
{
	for (; b; b = b->up)
		if (audit_is_port(b) && !audit_port_acs_enabled(b))
			return false;
	return true;
}

bool audit_multi_function(const struct pcie_fn *f)
{
	return f->dev && f->dev->nfns > 1;
}

/* ----------------------------------------------------------- structure -- */

/* The component node owning bridge b's port, and that port's index. */
static struct pcie_node *bridge_node(const struct pcie_fn *b, unsigned *idx)
{
	struct pcie_node *n = b->c ? b->c->pcie : NULL;
	if (!n)
		return NULL;
	for (unsigned j = 0; j < n->ndown; j++)
		if (n->down_fn[j] == b) {
			*idx = j;
			return n;
		}
	return NULL;
}

/* The node attached below bridge b (switch, device, MFD), or NULL. */
struct pcie_node *audit_node_below(const struct pcie_fn *b)
{
	unsigned j;
	struct pcie_node *n = b ? bridge_node(b, &j) : NULL;
	return n ? pcie_node_beyond(n->down[j], NULL) : NULL;
}

const char *audit_vm_name(const struct sim *s, int vm)
{
	return vm < 0 || (size_t)vm >= s->iso.nvms ? "host" : s->iso.vms[vm].name;
}

/* ---------------------------------------------------------------- groups -- */

/* What ties f's group together (audit_group.key). */
static const struct pcie_fn *group_key(const struct pcie_fn *f, enum audit_grouping g)
{
	const struct pcie_fn *root = NULL;
	for (const struct pcie_fn *b = f->up; b; b = b->up) {
		if (audit_path_isolated(b))
			break;
		root = b;
	}
	if (root)       /* REACH: siblings of a switch port without ACS merge */
		return g == AUDIT_GROUPS_REACH && root->kind == PCIE_FN_SWITCH_DOWN && root->up
			? root->up : root;
	if (audit_multi_function(f) && !audit_fn_acs_enabled(f))
		for (unsigned i = 0; i < f->dev->nfns; i++)
			if (!audit_fn_acs_enabled(f->dev->fns[i]))
				return f->dev->fns[i];
	return f;
}

static void acs_missing(const struct pcie_fn *p, FILE *m)
{
	if (!p->has_acs) {
		fputs("no ACS", m);
		return;
	}
	fputs("ACS lacks", m);
	const bool have[] = { p->acs.sv, p->acs.rr, p->acs.cr, p->acs.uf };
	static const char *const bit[] = { "SV", "RR", "CR", "UF" };
	for (unsigned i = 0; i < 4; i++)
		if (!have[i])
			fprintf(m, " %s", bit[i]);
}

/* Why group g has several members; malloc'd, NULL when out of memory. */
static char *group_reason(const struct audit *a, const struct audit_group *g)
{
	char *buf = NULL, bdf[16];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	if (g->key->kind == PCIE_FN_ENDPOINT) {
		const struct pcie_node *dn = audit_node_below(g->key->up);
		fprintf(m, "multi-function device %s without ACS (RR CR) on functions",
			dn ? dn->c->name : "?");
		for (unsigned i = 0; i < g->nmembers; i++)
			fprintf(m, "%s %s", i ? "," : "", g->members[i]->name);
		fputs(": they reach each other inside the device", m);
	} else {
		/* every root/downstream port without ACS above some member, in
		 * enumeration order */
		fputs("peer-to-peer below the root complex is not isolated:", m);
		unsigned n = 0;
		for (unsigned i = 0; i < a->topo->nfns; i++) {
			const struct pcie_fn *p = a->topo->fns[i];
			if (!audit_is_port(p) || audit_port_acs_enabled(p))
				continue;
			bool above = false;
			for (unsigned k = 0; k < g->nmembers && !above; k++)
				for (const struct pcie_fn *b = g->members[k]->up; b && !above;
				     b = b->up)
					above = b == p;
			if (!above)
				continue;
			fprintf(m, "%s %s %s ", n++ ? ";" : "", p->name,
				pcie_bdf_str(p->rid, bdf, sizeof(bdf)));
			acs_missing(p, m);
		}
	}
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int build_groups(struct audit *a, struct iov_err *e)
{
	const struct pcie_topo *t = a->topo;
	const struct pcie_fn **keys = calloc(t->nfns ? t->nfns : 1, sizeof(*keys));
	a->groups = calloc(t->nfns ? t->nfns : 1, sizeof(*a->groups));
	if (!keys || !a->groups)
		goto oom;
	for (unsigned i = 0; i < t->nfns; i++) {
		const struct pcie_fn *f = t->fns[i];
		a->group_of[i] = -1;
		if (f->kind != PCIE_FN_ENDPOINT)
			continue;
		const struct pcie_fn *k = group_key(f, a->grouping);
		unsigned g = 0;
		while (g < a->ngroups && keys[g] != k)
			g++;
		if (g == a->ngroups) {
			keys[g] = k;
			a->groups[g] = (struct audit_group){ .id = g, .key = k };
			a->ngroups++;
		}
		a->groups[g].nmembers++;
		a->group_of[i] = (int)g;
	}
	for (unsigned g = 0; g < a->ngroups; g++) {
		a->groups[g].members = calloc(a->groups[g].nmembers, sizeof(*a->groups[g].members));
		if (!a->groups[g].members)
			goto oom;
		a->groups[g].nmembers = 0;
	}
	for (unsigned i = 0; i < t->nfns; i++) {
		if (a->group_of[i] < 0)
			continue;
		struct audit_group *g = &a->groups[a->group_of[i]];
		g->members[g->nmembers++] = t->fns[i];
	}
	for (unsigned g = 0; g < a->ngroups; g++)
		if (a->groups[g].nmembers > 1 && !(a->groups[g].reason = group_reason(a, &a->groups[g])))
			goto oom;
	free(keys);
	return 0;
oom:
	free(keys);
	return iov_err_set(e, IOV_INTERNAL, "out of memory");
}

int audit_group_of(const struct audit *a, const struct pcie_fn *f)
{
	for (unsigned i = 0; i < a->nfns; i++)
		if (a->topo->fns[i] == f)
			return a->group_of[i];
	return -1;
}

/* ---------------------------------------------------------------- bypass -- */

/* One forwarding decision on the way up: component n, ingress port 'in',
 * whose ACS is port's. */
struct hop {
	const struct pcie_node *n;
	unsigned in;
	const struct pcie_fn *port;
};

/* The components a request of endpoint f meets on its way to the root
 * complex, lowest first (the last one is the RC). */
static unsigned hops_up(const struct pcie_fn *f, struct hop *h)
{
	unsigned k = 0;
	const struct pcie_node *dn = audit_node_below(f->up);
	if (dn && dn->kind == PCIE_NODE_MFD)
		for (unsigned j = 0; j < dn->ndown; j++)
			if (dn->down_fn[j] == f)
				h[k++] = (struct hop){ dn, j, f };
	for (const struct pcie_fn *b = f->up; b && k < AUDIT_MAX_HOPS;) {
		unsigned j;
		const struct pcie_node *n = bridge_node(b, &j);
		if (!n)
			break;
		h[k++] = (struct hop){ n, j, b };
		if (n->kind != PCIE_NODE_SWITCH || !n->self)
			break;
		b = n->self->up;
	}
	return k;
}

static int pair_add(struct audit_pair **v, unsigned *n, const struct audit_pair *p)
{
	struct audit_pair *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	nv[(*n)++] = *p;
	*v = nv;
	return 0;
}

/* Target port of t at component n (-1: not below n). */
static int target_at(const struct pcie_node *n, const struct tlp *t, const struct hop *hb)
{
	if (n->kind == PCIE_NODE_MFD)
		return (int)hb->in;     /* the device routes by its functions' BARs */
	return pcie_route_down(n, t);
}

/* Decide a read of B's first BAR by A; 0, or -1 out of memory. */
static int audit_pair(struct audit *a, const struct pcie_fn *A, const struct pcie_fn *B,
		      struct hop *ha, unsigned na, struct hop *hb, unsigned nb)
{
	unsigned ia = 0, ib = 0;
	for (ia = 0; ia < na; ia++) {
		for (ib = 0; ib < nb && hb[ib].n != ha[ia].n; ib++)
			;
		if (ib < nb)
			break;
	}
	if (ia == na || ha[ia].n->kind == PCIE_NODE_RC)
		return 0;               /* meets B only at (or above) the root complex */
	struct tlp t = { .type = TLP_MRD, .rid = A->rid, .addr = B->bars[0].addr, .len = 4 };
	struct audit_pair p = { .from = A, .to = B, .cross_vm = A->vm != B->vm,
				.cross_group = audit_group_of(a, A) != audit_group_of(a, B) };
	bool up;
	/* Lower ports pass A's own request up (A's RID is in their bus range). */
	for (unsigned k = 0; k < ia; k++) {
		const struct pcie_fn *pf = ha[k].port;
		enum xbar_verdict v = acs_decide(pf, pf->has_acs, &pf->acs, &t, ha[k].in, -1, &up);
		if (v == XV_BLOCK_UR || v == XV_BLOCK_CA) {
			p.via = pf;
			p.via_name = ha[k].n->kind == PCIE_NODE_MFD ? ha[k].n->c->name : pf->name;
			p.verdict = v;
			return pair_add(&a->blocked, &a->nblocked, &p);
		}
	}
	const struct hop *h = &ha[ia];
	int target = target_at(h->n, &t, &hb[ib]);
	p.via = h->port;
	p.via_name = h->n->kind == PCIE_NODE_MFD ? h->n->c->name : h->port->name;
	p.verdict = acs_decide(h->port, h->port->has_acs, &h->port->acs, &t, h->in, target, &up);
	switch (p.verdict) {
	case XV_P2P:
		return pair_add(&a->bypass, &a->nbypass, &p);
	case XV_BLOCK_UR:
	case XV_BLOCK_CA:
		return pair_add(&a->blocked, &a->nblocked, &p);
	default:
		a->nredirected++;       /* up to the root complex: the IOMMU sees it */
		return 0;
	}
}

static int build_pairs(struct audit *a, struct iov_err *e)
{
	const struct pcie_topo *t = a->topo;
	struct hop *ha = malloc(2 * AUDIT_MAX_HOPS * sizeof(*ha)), *hb = ha + AUDIT_MAX_HOPS;
	if (!ha)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (unsigned i = 0; i < t->nfns; i++) {
		const struct pcie_fn *A = t->fns[i];
		if (A->kind != PCIE_FN_ENDPOINT || !A->bme)
			continue;       /* Bus Master Enable clear: A sends nothing */
		unsigned na = hops_up(A, ha);
		for (unsigned j = 0; j < t->nfns; j++) {
			const struct pcie_fn *B = t->fns[j];
			if (B == A || B->kind != PCIE_FN_ENDPOINT || !B->nbars)
				continue;
			unsigned nb = hops_up(B, hb);
			if (audit_pair(a, A, B, ha, na, hb, nb)) {
				free(ha);
				return iov_err_set(e, IOV_INTERNAL, "out of memory");
			}
		}
	}
	free(ha);
	return 0;
}

/* -------------------------------------------------------- internal switches -- */

/* The pairs of ports of sw that exchange packets; 0, or -1 out of memory. */
static int iswitch_pairs(const struct audit *a, struct audit_iswitch *is)
{
	const struct pcie_iswitch *sw = is->sw;
	is->nports = sw->ops->nports(sw);
	for (unsigned i = 0; sw->enabled && i < is->nports; i++)
		for (unsigned j = i + 1; j < is->nports; j++) {
			struct audit_iswitch_pair p = {
				.a = sw->ops->fn(sw, i), .b = sw->ops->fn(sw, j),
				.vlan_a = sw->ops->vlan(sw, i), .vlan_b = sw->ops->vlan(sw, j),
				.a_to_b = sw->ops->forwards(sw, i, j),
				.b_to_a = sw->ops->forwards(sw, j, i),
			};
			if (!p.a_to_b && !p.b_to_a)
				continue;
			p.cross_vm = p.a->vm != p.b->vm;
			p.cross_group = audit_group_of(a, p.a) != audit_group_of(a, p.b);
			struct audit_iswitch_pair *nv = realloc(is->pairs,
								(is->npairs + 1) * sizeof(*nv));
			if (!nv)
				return -1;
			nv[is->npairs++] = p;
			is->pairs = nv;
			is->ncross += p.cross_vm;
		}
	return 0;
}

static int build_iswitches(struct audit *a, struct iov_err *e)
{
	const struct pcie_topo *t = a->topo;
	for (unsigned i = 0; i < t->nfns; i++) {
		const struct pcie_fn *f = t->fns[i];
		if (!f->iswitch)
			continue;
		struct audit_iswitch *nv = realloc(a->iswitches, (a->niswitches + 1) * sizeof(*nv));
		if (!nv)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		a->iswitches = nv;
		nv[a->niswitches] = (struct audit_iswitch){ .owner = f, .sw = f->iswitch };
		if (iswitch_pairs(a, &nv[a->niswitches++]))
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	return 0;
}

int audit_build(struct sim *s, enum audit_grouping g, struct audit **out, struct iov_err *e)
{
	*out = NULL;
	struct pcie_topo *t = pcie_topo_of(s);
	if (!t)
		return 0;
	struct audit *a = calloc(1, sizeof(*a));
	if (!a)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	a->grouping = g;
	a->topo = t;
	a->sim = s;
	a->nfns = t->nfns;
	a->group_of = calloc(t->nfns ? t->nfns : 1, sizeof(*a->group_of));
	if (!a->group_of) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto err;
	}
	if (build_groups(a, e) || build_pairs(a, e) || build_iswitches(a, e))
		goto err;
	*out = a;
	return 0;
err:
	audit_free(a);
	return -1;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	for (unsigned g = 0; g < a->ngroups; g++) {
		free(a->groups[g].members);
		free(a->groups[g].reason);
	}
	free(a->groups);
	free(a->group_of);
	free(a->bypass);
	free(a->blocked);
	for (unsigned i = 0; i < a->niswitches; i++)
		free(a->iswitches[i].pairs);
	free(a->iswitches);
	free(a);
}
