/* root_complex.c - root ports, host bridge, the translation hook and completion splitting
 *
 * N root ports (bus 0, devices 1..N, each a PCI-to-PCI bridge with its own
 * ACS) and one port to the memory controller. A request coming up a root
 * port: the port's ACS checks (SV, TB); an MSI (address 0xFEE00000-
 * 0xFEEFFFFF, the x86 interrupt window) goes to the interrupt stage (the
 * host model's interrupt remapping when one is registered, rc_set_irq_sink;
 * else it is only counted); anything else passes the translation stage
 * (root_complex.h: the IOMMU plugs in there; none = identity; ATS Translation Requests are
 * answered from it, translated requests of functions the translator allows
 * skip it), then goes to a peer if its address
 * is in a root port's window (always back down the port it came from, the
 * path of an ACS-redirected request; to another root port only with
 * p2p: true, else UR) or to memory. Completions from memory are split at
 * MPS, or at the 64 B read completion boundary with rcb_split, and each
 * piece leaves no earlier than its data is ready (t->line_ps, set by the
 * memory). The root complex also owns the enumeration of the hierarchy and
 * sends ATS Invalidate Requests down for the translator (rc_ats_invalidate)
 * and the CPU's MMIO writes to device BARs (rc_mmio_write: doorbells).
 *
 * Not modelled: I/O space, config requests on the wire (enumeration is done
 * at build time), the interrupt controller (MSIs are counted, and handed to
 * the interrupt stage when one is registered: rc_set_irq_sink), relaxed
 * ordering inside the RC, multiple host bridges / sockets.
 */
#include <stdlib.h>
#include <string.h>

#include "acs_route.h"
#include "root_complex.h"

extern const struct model model_pcie_root_complex;

#define RC_MAX_PORTS 32
#define RC_MSI_BASE 0xfee00000ull
#define RC_MSI_SIZE 0x100000ull

static const char *const rc_port_names[RC_MAX_PORTS + 1] = {
	"rp0", "rp1", "rp2", "rp3", "rp4", "rp5", "rp6", "rp7", "rp8", "rp9", "rp10", "rp11",
	"rp12", "rp13", "rp14", "rp15", "rp16", "rp17", "rp18", "rp19", "rp20", "rp21", "rp22",
	"rp23", "rp24", "rp25", "rp26", "rp27", "rp28", "rp29", "rp30", "rp31", NULL,
};

struct rc_params {
	uint64_t root_ports;
	sim_time_t latency;
	uint64_t queue_depth;
	uint64_t mps;
	int rcb_split;
	int p2p;
	const struct cfg_node *acs, *port_acs;
	uint64_t mmio_base, mmio_size;
};

#define RP(f) offsetof(struct rc_params, f)
static const struct param_desc rc_param_desc[] = {
	{ "root_ports", PARAM_U64, RP(root_ports), "4", 1, RC_MAX_PORTS, NULL,
	  "root ports rp0..rpN-1 (bus 0, devices 1..N)" },
	{ "latency", PARAM_TIME, RP(latency), "100ns", 0, 1e9, NULL,
	  "time through the root complex, each way (root port <-> memory controller); "
	  "a platform calibrates it (configs/platforms/)" },
	{ "queue_depth", PARAM_U64, RP(queue_depth), "64", 1, 65536, NULL,
	  "TLPs per port and class queued before the root complex refuses more" },
	{ "mps", PARAM_SIZE, RP(mps), "256", 128, 4096, NULL,
	  "max payload size: read completions are split at MPS boundaries" },
	{ "rcb_split", PARAM_BOOL, RP(rcb_split), "false", 0, 0, NULL,
	  "split read completions at the 64 B read completion boundary instead (older root "
	  "complexes)" },
	{ "p2p", PARAM_BOOL, RP(p2p), "false", 0, 0, NULL,
	  "route peer-to-peer requests between different root ports (false: UR)" },
	{ "acs", PARAM_NODE, RP(acs), "all", 0, 0, NULL,
	  "ACS of every root port (see pcie_switch); Linux treats root ports as isolated" },
	{ "port_acs", PARAM_NODE, RP(port_acs), "", 0, 0, NULL,
	  "per root port ACS overriding 'acs' (a list, entry j for rpj)" },
	{ "mmio_base", PARAM_SIZE, RP(mmio_base), "0xe0000000", 0, 0, NULL,
	  "start of the MMIO range where enumeration places BARs" },
	{ "mmio_size", PARAM_SIZE, RP(mmio_size), "512MiB", 1 << 20, 0x1p48, NULL,
	  "size of the MMIO range" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct root_complex {
	struct component c;
	struct rc_params p;
	struct pcie_node node;
	struct pcie_topo topo;
	struct pcie_fn rp_fn[RC_MAX_PORTS];
	char names[RC_MAX_PORTS][96];
	struct xbar x;                  /* ports 0..N-1: root ports; port N: memory */
	unsigned mem;                   /* = N */
	const struct rc_xlate_ops *xl;
	void *xl_ctx;
	const struct rc_irq_ops *irq;   /* interrupt stage (root_complex.h), or NULL */
	void *irq_ctx;
	uint64_t xl_slots, xl_busy;     /* requests the translator may hold at once (0: any) */
	uint64_t *st_msis, *st_mem_reqs, *st_cpl_pieces, *st_p2p, *st_walk_reads;
	uint64_t *st_ats_treqs, *st_ats_inv_sent, *st_ats_inv_cpls, *st_translated_blocked;
	uint64_t *st_mmio_writes;
};

struct pcie_topo *pcie_rc_topo(struct pcie_node *rc)
{
	return &container_of(rc->c, struct root_complex, c)->topo;
}

/* After translation: to a peer below a root port, or to memory. */
static int rc_route_request(struct root_complex *rc, unsigned in, struct tlp *t,
			    enum xbar_verdict *v)
{
	int j = pcie_route_down(&rc->node, t);
	*v = XV_FORWARD;
	if (j < 0)
		return (int)rc->mem;
	if ((unsigned)j != in && !rc->p.p2p) {
		*v = XV_BLOCK_UR;
		return -1;
	}
	(*rc->st_p2p)++;
	return j;
}

/* A message came up a root port: only ATS Invalidate Completions for us are
 * modelled; anything else is an unsupported request (dropped). */
static void rc_message(struct root_complex *rc, struct tlp *t, enum xbar_verdict *v)
{
	if (t->msg_code != TLP_MSG_ATS_INV_CPL || t->msg_dest != 0) {
		*v = XV_BLOCK_UR;
		return;
	}
	uint64_t token = t->cookie;     /* echoed by the function, as the ITag would be */
	tlp_free(rc->c.sim->tlps, t);
	*v = XV_PENDING;
	(*rc->st_ats_inv_cpls)++;
	if (rc->xl && rc->xl->ats_inv_done)
		rc->xl->ats_inv_done(rc->xl_ctx, &rc->c, token);
}

/* An upstream request past ACS and the MSI window: translation, then
 * routing. May refuse (translator slots full): then it is offered again. */
static int rc_request(struct root_complex *rc, unsigned in, struct tlp *t, enum xbar_verdict *v)
{
	const struct rc_xlate_ops *xl = rc->xl;
	bool treq = t->at == TLP_AT_TREQ;
	if (t->at == TLP_AT_TRANSLATED && xl) {
		/* The address is already host-physical: the translator only says
		 * whether this function may use translations at all. */
		if (xl->translated_ok && !xl->translated_ok(rc->xl_ctx, &rc->c, t->rid)) {
			(*rc->st_translated_blocked)++;
			*v = XV_BLOCK_UR;
			return -1;
		}
		return rc_route_request(rc, in, t, v);
	}
	if (!xl) {
		if (!treq)
			return rc_route_request(rc, in, t, v);
		(*rc->st_ats_treqs)++;
		*v = XV_BLOCK_UR;               /* no translation agent to answer it */
		return -1;
	}
	if (rc->xl_slots && rc->xl_busy >= rc->xl_slots) {
		*v = XV_REFUSE;                 /* held in the root port until a slot frees */
		return -1;
	}
	rc->xl_busy++;
	if (treq)
		(*rc->st_ats_treqs)++;
	xl->translate(rc->xl_ctx, &rc->c, in, t);
	*v = XV_PENDING;
	return -1;
}

static int rc_route(struct xbar *x, unsigned in, struct tlp *t, enum xbar_verdict *v)
{
	struct root_complex *rc = x->owner;
	*v = XV_FORWARD;
	if (in == rc->mem && t->internal) {     /* a page-walk read is back */
		uint64_t cookie = t->cookie;
		bool for_irq = t->is_msi;       /* issued by rc_irq_mem_read */
		tlp_free(x->c->sim->tlps, t);
		if (for_irq) {
			if (rc->irq && rc->irq->read_done)
				rc->irq->read_done(rc->irq_ctx, &rc->c, cookie);
		} else if (rc->xl && rc->xl->read_done)
			rc->xl->read_done(rc->xl_ctx, &rc->c, cookie);
		*v = XV_PENDING;
		return -1;
	}
	if (in == rc->mem || tlp_is_cpl(t)) {
		int j = pcie_route_down(&rc->node, t);
		if (j < 0 || (in != rc->mem && (unsigned)j != in && !rc->p.p2p)) {
			*v = XV_BLOCK_UR;       /* completion for nobody (or across): dropped */
			return -1;
		}
		return j;
	}
	const struct pcie_fn *rp = &rc->rp_fn[in];
	bool up;
	*v = acs_decide(rp, rp->has_acs, &rp->acs, t, in, -1, &up);
	if (*v != XV_FORWARD)
		return -1;
	if (t->type == TLP_MSG) {
		rc_message(rc, t, v);
		return -1;
	}
	if (t->type == TLP_MWR && t->addr >= RC_MSI_BASE && t->addr - RC_MSI_BASE < RC_MSI_SIZE) {
		(*rc->st_msis)++;
		uint16_t rid = t->rid;
		uint64_t addr = t->addr;
		uint32_t data = t->data;
		tlp_free(x->c->sim->tlps, t);
		*v = XV_PENDING;
		if (rc->irq)
			rc->irq->msi(rc->irq_ctx, &rc->c, in, rid, addr, data);
		return -1;
	}
	return rc_request(rc, in, t, v);
}

int rc_set_translator(struct component *c, const struct rc_xlate_ops *ops, void *ctx)
{
	if (c->model != &model_pcie_root_complex)
		return -1;
	struct root_complex *rc = container_of(c, struct root_complex, c);
	rc->xl = ops;
	rc->xl_ctx = ctx;
	return 0;
}

int rc_set_irq_sink(struct component *c, const struct rc_irq_ops *ops, void *ctx)
{
	if (c->model != &model_pcie_root_complex)
		return -1;
	struct root_complex *rc = container_of(c, struct root_complex, c);
	if (rc->irq)
		return -1;
	rc->irq = ops;
	rc->irq_ctx = ctx;
	return 0;
}

/* A TLP the root complex itself sends (from the host bridge 00:00.0, in no
 * flow), issued now; NULL when the pool is out of memory (error set, run
 * stopped). */
static struct tlp *rc_own_tlp(struct sim *s, enum tlp_type type)
{
	struct tlp *t = tlp_alloc(s->tlps);
	if (!t) {
		iov_err_set(s->err, IOV_INTERNAL, "out of memory (TLP pool)");
		sim_abort(s);
		return NULL;
	}
	t->type = type;
	t->rid = 0;
	t->flow = UINT32_MAX;
	t->t_issue = sim_now(s->k);
	return t;
}

/* An internal read to memory; for_irq marks it (is_msi) for the irq stage. */
static int rc_mem_read_as(struct component *c, uint64_t addr, uint32_t len, uint64_t cookie,
			  bool for_irq)
{
	struct root_complex *rc = container_of(c, struct root_complex, c);
	struct sim *s = c->sim;
	struct tlp *t = rc_own_tlp(s, TLP_MRD);
	if (!t)
		return -1;
	t->internal = true;
	t->is_msi = for_irq;
	t->addr = addr;
	t->addr64 = addr > 0xffffffffull;
	t->len = len;
	t->cookie = cookie;
	(*rc->st_walk_reads)++;
	xbar_push(&rc->x, rc->mem, t, sim_now(s->k));
	return 0;
}

int rc_irq_mem_read(struct component *c, uint64_t addr, uint32_t len, uint64_t cookie)
{
	return rc_mem_read_as(c, addr, len, cookie, true);
}

int rc_mem_read(struct component *c, uint64_t addr, uint32_t len, uint64_t cookie)
{
	return rc_mem_read_as(c, addr, len, cookie, false);
}

/* Turn a translated Translation Request into its Translation Completion: one
 * translation entry (8 bytes of data). The page base is aligned down to the
 * size, so a translator that left the full address in t->addr is harmless.
 * Returns false (error set, run stopped) if the translator broke the size
 * contract. */
static bool rc_ats_completion(struct root_complex *rc, struct tlp *t)
{
	t->ats_perms &= TLP_ATS_R | TLP_ATS_W;
	if (t->ats_perms && (t->ats_size < 4096 || (t->ats_size & (t->ats_size - 1)))) {
		struct sim *s = rc->c.sim;
		iov_err_set(s->err, IOV_INTERNAL, "%s: translation of 0x%llx covers %llu bytes: "
			    "not a power of two >= 4096", rc->c.name,
			    (unsigned long long)t->addr, (unsigned long long)t->ats_size);
		sim_abort(s);
		return false;
	}
	if (t->ats_perms)
		t->addr &= ~(t->ats_size - 1);
	t->type = TLP_CPLD;
	t->status = TLP_SC_SC;
	t->len = 8;
	t->byte_count = 8;
	t->line_ps = 0;
	return true;
}

void rc_xlate_done(struct component *c, unsigned port, struct tlp *t, bool ok)
{
	struct root_complex *rc = container_of(c, struct root_complex, c);
	enum xbar_verdict v = XV_BLOCK_UR;
	int out = -1;
	if (ok && t->at == TLP_AT_TREQ && t->type == TLP_MRD) {
		if (rc_ats_completion(rc, t)) {
			v = XV_FORWARD;         /* back down to the requester, not to memory */
			out = (int)port;
		}
	} else if (ok) {
		out = rc_route_request(rc, port, t, &v);
	}
	xbar_inject(&rc->x, port, out, v, t);
	if (rc->xl_busy-- == rc->xl_slots && rc->xl_slots)
		xbar_unblock(&rc->x);       /* a refused request may come in now */
}

void rc_set_translator_slots(struct component *c, uint64_t slots)
{
	container_of(c, struct root_complex, c)->xl_slots = slots;
}

int rc_ats_invalidate(struct component *c, uint16_t rid, uint64_t iova, uint64_t size,
		      uint64_t token)
{
	if (c->model != &model_pcie_root_complex)
		return -1;
	struct root_complex *rc = container_of(c, struct root_complex, c);
	struct sim *s = c->sim;
	unsigned j = 0;
	while (j < rc->mem && !pcie_in_buses(&rc->rp_fn[j], rid))
		j++;
	if (j == rc->mem)
		return -1;
	struct tlp *t = rc_own_tlp(s, TLP_MSG);
	if (!t)
		return -1;
	t->msg_code = TLP_MSG_ATS_INV_REQ;
	t->msg_dest = rid;
	t->addr = iova;
	t->addr64 = true;
	t->ats_size = size;
	t->len = 8;                     /* MsgD: the untranslated address and size */
	t->cookie = token;
	(*rc->st_ats_inv_sent)++;
	xbar_push(&rc->x, j, t, t->t_issue + rc->x.latency);
	return 0;
}

int rc_mmio_write(struct component *c, uint64_t addr, uint32_t len, uint32_t data)
{
	if (c->model != &model_pcie_root_complex)
		return -1;
	struct root_complex *rc = container_of(c, struct root_complex, c);
	struct sim *s = c->sim;
	unsigned j = 0;
	while (j < rc->mem && !pcie_in_window(&rc->rp_fn[j], addr))
		j++;
	if (j == rc->mem)
		return -1;
	struct tlp *t = rc_own_tlp(s, TLP_MWR);
	if (!t)
		return -1;
	t->addr = addr;
	t->addr64 = addr > 0xffffffffull;
	t->len = len;
	t->data = data;
	(*rc->st_mmio_writes)++;
	xbar_push(&rc->x, j, t, t->t_issue + rc->x.latency);
	return 0;
}

/* A CplD going down: split it at MPS (or RCB); piece k leaves when the
 * last 64 B line it carries is ready and the RC latency has passed. */
static bool rc_queue(struct xbar *x, unsigned out, struct tlp *t, sim_time_t due)
{
	struct root_complex *rc = x->owner;
	struct sim *s = x->c->sim;
	if (out == rc->mem) {
		iso_reached_memory(s, t);
		(*rc->st_mem_reqs)++;
		if (t->type == TLP_MWR)
			sim_dma_write_landed(s, t->flow, sim_now(s->k));
		return false;
	}
	if (t->type != TLP_CPLD)
		return false;
	uint32_t chunk = rc->p.rcb_split ? PCIE_RCB : (uint32_t)rc->p.mps;
	uint64_t addr = t->addr, line0 = t->addr >> 6;
	uint32_t left = t->len, line_ps = t->line_ps;
	sim_time_t now = sim_now(s->k);
	while (left) {
		uint32_t n = pcie_split_next(addr, left, chunk);
		sim_time_t ready = now + (sim_time_t)line_ps * (((addr + n - 1) >> 6) - line0);
		sim_time_t at = ready + x->latency > due ? ready + x->latency : due;
		(*rc->st_cpl_pieces)++;
		if (n == left) {                /* the request's own object: the last piece */
			t->addr = addr;
			t->len = n;
			t->byte_count = n;
			t->line_ps = 0;
			xbar_push(x, out, t, at);
			break;
		}
		struct tlp *p = tlp_alloc(s->tlps);
		if (!p) {
			iov_err_set(s->err, IOV_INTERNAL, "out of memory (TLP pool)");
			sim_abort(s);
			return true;
		}
		*p = *t;
		p->next = NULL;
		p->addr = addr;
		p->len = n;
		p->byte_count = left;
		p->line_ps = 0;
		xbar_push(x, out, p, at);
		addr += n;
		left -= n;
	}
	return true;
}

static const struct xbar_ops rc_xbar_ops = { .route = rc_route, .queue = rc_queue };

static int rc_enumerate(struct component *c, struct iov_err *e)
{
	struct root_complex *rc = container_of(c, struct root_complex, c);
	struct sim *s = c->sim;
	for (size_t i = 0; i < s->ncomps; i++) {
		struct pcie_node *n = s->comps[i]->pcie;
		if (s->comps[i] != c && n && n->kind == PCIE_NODE_RC)
			return iov_err_set(e, IOV_BAD_INPUT, "%s: more than one root complex ('%s' "
					   "and '%s'); one host bridge per scenario", s->scen ?
					   s->scen->file : "scenario", c->name, s->comps[i]->name);
	}
	rc->topo.mmio_base = rc->p.mmio_base;
	rc->topo.mmio_limit = rc->p.mmio_base + rc->p.mmio_size;
	if (pcie_enumerate(&rc->topo, &rc->node, e))
		return -1;
	for (unsigned i = 0; i < rc->topo.nfns; i++) {
		struct pcie_fn *f = rc->topo.fns[i];
		if (f->kind == PCIE_FN_ENDPOINT)
			f->vm = iso_vm_of(s, f->name);  /* a VF: "<pf>.vf<n>" */
	}
	return 0;
}

static void rc_destroy(struct component *c)
{
	struct root_complex *rc = container_of(c, struct root_complex, c);
	xbar_free(&rc->x);
	pcie_topo_free(&rc->topo);
	free(rc);
}

static void rc_finish(struct component *c)
{
	xbar_finish(&container_of(c, struct root_complex, c)->x);
}

#define RC_STAT(field, leaf, desc)                                                       \
	(snprintf(path, sizeof(path), "components.%s." leaf, name),                      \
	 (rc->field = stats_counter(s->stats, path, "", desc, e)) != NULL)

static struct component *rc_create(struct sim *s, const char *name, const void *params,
				   const struct cfg_node *node, struct iov_err *e)
{
	struct root_complex *rc = calloc(1, sizeof(*rc));
	if (!rc) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	rc->p = *(const struct rc_params *)params;
	component_init(&rc->c, s, &model_pcie_root_complex, name, NULL);
	unsigned n = (unsigned)rc->p.root_ports;
	rc->mem = n;
	const char *names[RC_MAX_PORTS + 1];
	for (unsigned j = 0; j < n; j++)
		names[j] = rc_port_names[j];
	names[n] = "mem";
	char path[256];
	if (xbar_init(&rc->x, &rc->c, &rc_xbar_ops, rc, n + 1, names, rc->p.latency, false,
		      (uint32_t)rc->p.queue_depth, 0, n, e) ||
	    !RC_STAT(st_msis, "msis", "MSI/MSI-X writes taken by the interrupt controller") ||
	    !RC_STAT(st_mem_reqs, "memory_requests", "requests sent to memory") ||
	    !RC_STAT(st_cpl_pieces, "completions_out", "completions sent down after MPS/RCB "
		     "splitting") ||
	    !RC_STAT(st_p2p, "p2p_routed", "requests routed to a peer below a root port") ||
	    !RC_STAT(st_walk_reads, "translator_reads", "memory reads issued by the translation "
		     "stage (page walks, context and PASID entries) and the interrupt stage "
		     "(IRTEs, posted-interrupt descriptors)") ||
	    !RC_STAT(st_ats_treqs, "ats_translation_requests", "ATS Translation Requests received "
		     "from functions") ||
	    !RC_STAT(st_ats_inv_sent, "ats_invalidations_sent", "ATS Invalidate Requests sent "
		     "down to functions") ||
	    !RC_STAT(st_ats_inv_cpls, "ats_inv_completions", "ATS Invalidate Completions "
		     "received") ||
	    !RC_STAT(st_translated_blocked, "translated_blocked", "translated requests (ATS) "
		     "blocked: the translator does not allow the function to use translations") ||
	    !RC_STAT(st_mmio_writes, "mmio_writes", "MMIO writes sent down to device BARs "
		     "(doorbells; rc_mmio_write)"))
		goto err;
	struct pcie_node *pn = &rc->node;
	pn->kind = PCIE_NODE_RC;
	pn->c = &rc->c;
	pn->ndown = n;
	pn->loc = node->loc;
	pn->pinned_bus = -1;
	for (unsigned j = 0; j < n; j++) {
		snprintf(rc->names[j], sizeof(rc->names[j]), "%s.%s", name, rc_port_names[j]);
		rc->rp_fn[j] = (struct pcie_fn){ .name = rc->names[j], .kind = PCIE_FN_ROOT_PORT,
						 .c = &rc->c, .bme = true, .vm = -1,
						 .caps = PCIE_CAP_PCIE, .pinned_bus = -1 };
		pn->down[j] = &rc->x.ports[j].port;
		pn->down_fn[j] = &rc->rp_fn[j];
	}
	if (pcie_ports_acs(rc->p.acs, rc->p.port_acs, rc->rp_fn, n, e))
		goto err;
	rc->c.pcie = pn;
	return &rc->c;
err:
	rc_destroy(&rc->c);
	return NULL;
}

static const struct model_ops rc_ops = {
	.create = rc_create,
	.enumerate = rc_enumerate,
	.finish = rc_finish,
	.destroy = rc_destroy,
};

static const struct port_doc rc_ports[] = {
	{ "rp0 .. rpN-1", "root ports, towards links to devices or switches" },
	{ "mem", "to the memory controller (a memory component's 'port')" },
	{ NULL, NULL },
};

const struct model model_pcie_root_complex = {
	.kind = "pcie",
	.type = "pcie_root_complex",
	.desc = "root complex: root ports with ACS, enumeration, translation hook (with ATS "
		"translation requests and invalidations), completion splitting at MPS/RCB, "
		"peer-to-peer between root ports by configuration",
	.ops = &rc_ops,
	.params = rc_param_desc,
	.params_size = sizeof(struct rc_params),
	.ports = rc_ports,
	.not_modelled = "I/O space, config TLPs (enumeration happens at build time), the interrupt "
			"controller (MSIs are counted), several host bridges or sockets",
};
