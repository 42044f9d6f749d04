/* mfd.c - a multi-function device: up to 8 functions behind one upstream port
 *
 * The functions are ordinary device models (dma_source, later the NIC's PF
 * and VFs) connected to ports f0..f7; function number = port number. Inside
 * the device a request from one function for another function's BAR goes
 * across directly unless the sending function has ACS with P2P Request
 * Redirect (then it goes up to the root complex); egress control and the
 * other bits as on switch ports (acs.c). Linux puts the functions of a
 * multi-function device without ACS in one IOMMU group for exactly this
 * reason. Everything else goes up; what comes down is routed by BAR
 * (requests) or by routing ID (completions).
 *
 * A function with SR-IOV (sriov.h) brings its VFs along: TLPs for their
 * routing IDs and VF BARs go to the PF's port.
 * Not modelled: ARI for the physical functions (more than 8), function-level
 * arbitration inside the device.
 */
#include <stdlib.h>

#include "acs_route.h"
#include "sriov.h"

extern const struct model model_pcie_mfd;

#define MFD_MAX_FNS 8

static const char *const mfd_port_names[MFD_MAX_FNS + 1] = {
	"up", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7",
};

struct mfd_params {
	uint64_t functions;
	sim_time_t latency;
	uint64_t queue_depth;
	const struct cfg_node *bus;
};

#define MP(f) offsetof(struct mfd_params, f)
static const struct param_desc mfd_param_desc[] = {
	{ "functions", PARAM_U64, MP(functions), "2", 1, MFD_MAX_FNS, NULL,
	  "function ports f0..fN-1 (function number = port)" },
	{ "latency", PARAM_TIME, MP(latency), "10ns", 0, 1e9, NULL,
	  "time through the device's internal routing" },
	{ "queue_depth", PARAM_U64, MP(queue_depth), "32", 1, 65536, NULL,
	  "TLPs per port and class" },
	{ "bus", PARAM_NODE, MP(bus), "", 0, 0, NULL, "pin the device's bus number" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct pcie_mfd {
	struct component c;
	struct mfd_params p;
	struct pcie_node node;
	struct xbar x;                  /* port 0: up; port j+1: function j */
};

/* Function (port index) that a TLP is for: by BAR or by routing ID; -1 = none
 * (and always for a Translation Request: it is for the root complex). */
static int mfd_target(const struct pcie_mfd *m, const struct tlp *t)
{
	if (tlp_for_root(t))
		return -1;
	bool id = tlp_routed_by_id(t);
	for (unsigned j = 0; j < m->node.ndown; j++) {
		const struct pcie_fn *f = m->node.down_fn[j];
		if (!f)
			continue;
		if (id) {
			if (f->rid == tlp_route_id(t) || sriov_vf_of_rid(f->sriov, tlp_route_id(t)))
				return (int)j;
			continue;
		}
		if (pcie_fn_holds(f, t->addr))
			return (int)j;
		if (sriov_vf_at(f->sriov, t->addr))     /* a VF of this PF (sriov.h) */
			return (int)j;
	}
	return -1;
}

static int mfd_route(struct xbar *x, unsigned in, struct tlp *t, enum xbar_verdict *v)
{
	struct pcie_mfd *m = x->owner;
	int j = mfd_target(m, t);
	if (in == 0) {
		*v = j < 0 ? XV_BLOCK_UR : XV_FORWARD;
		return j < 0 ? -1 : j + 1;
	}
	const struct pcie_fn *f = m->node.down_fn[in - 1];
	if (!f) {                       /* nothing enumerated on that port: up */
		*v = XV_FORWARD;
		return 0;
	}
	if ((unsigned)j == in - 1)
		j = -1;                 /* its own BAR: up */
	bool up;
	*v = acs_decide(f, f->has_acs, &f->acs, t, in - 1, j, &up);
	if (*v == XV_BLOCK_UR || *v == XV_BLOCK_CA)
		return -1;
	return up ? 0 : j + 1;
}

static const struct xbar_ops mfd_xbar_ops = { .route = mfd_route };

static void mfd_destroy(struct component *c)
{
	struct pcie_mfd *m = container_of(c, struct pcie_mfd, c);
	xbar_free(&m->x);
	free(m);
}

static void mfd_finish(struct component *c)
{
	xbar_finish(&container_of(c, struct pcie_mfd, c)->x);
}

static struct component *mfd_create(struct sim *s, const char *name, const void *params,
				    const struct cfg_node *node, struct iov_err *e)
{
	struct pcie_mfd *m = calloc(1, sizeof(*m));
	if (!m) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	m->p = *(const struct mfd_params *)params;
	component_init(&m->c, s, &model_pcie_mfd, name, NULL);
	unsigned n = (unsigned)m->p.functions;
	if (xbar_init(&m->x, &m->c, &mfd_xbar_ops, m, n + 1, mfd_port_names, m->p.latency, false,
		      (uint32_t)m->p.queue_depth, 1, n + 1, e))
		goto err;
	m->node = (struct pcie_node){ .kind = PCIE_NODE_MFD, .c = &m->c, .up = &m->x.ports[0].port,
				      .ndown = n, .loc = node->loc };
	if (pcie_bus_pin(m->p.bus, &m->node.pinned_bus, e))
		goto err;
	for (unsigned j = 0; j < n; j++)
		m->node.down[j] = &m->x.ports[j + 1].port;
	m->c.pcie = &m->node;
	return &m->c;
err:
	mfd_destroy(&m->c);
	return NULL;
}

static const struct model_ops mfd_ops = {
	.create = mfd_create,
	.finish = mfd_finish,
	.destroy = mfd_destroy,
};

static const struct port_doc mfd_ports[] = {
	{ "up", "towards the link to the root port or switch" },
	{ "f0 .. fN-1", "to each function's 'up' port (function number = port)" },
	{ NULL, NULL },
};

const struct model model_pcie_mfd = {
	.kind = "pcie",
	.type = "pcie_mfd",
	.desc = "multi-function device: up to 8 functions behind one port, internal peer-to-peer "
		"governed by each function's ACS",
	.ops = &mfd_ops,
	.params = mfd_param_desc,
	.params_size = sizeof(struct mfd_params),
	.ports = mfd_ports,
	.not_modelled = "ARI (more than 8 functions), arbitration between functions",
};
