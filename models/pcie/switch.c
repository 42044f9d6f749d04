/* switch.c - a PCIe switch: one upstream port, N downstream ports with ACS
 *
 * Routing (PCI-to-PCI bridge rules): requests by address against each
 * downstream port's memory window, completions by the requester ID they
 * carry against each downstream port's bus range; whatever matches no
 * downstream port goes up. A TLP that came in on a downstream port and is
 * for another one is peer-to-peer: ACS on the ingress port decides whether
 * it goes across, is redirected up to the root complex, or is blocked
 * (acs.c). Timing and queues are the forwarding engine's (xbar.c):
 * cut-through (default) or store-and-forward, per-class egress queues.
 *
 * Not modelled: I/O and prefetchable windows (one memory window per port),
 * multicast, hot plug, switch-internal arbitration weights, per-port link
 * widths inside the switch (its core is not a bottleneck).
 */
#include <stdlib.h>
#include <string.h>

#include "acs_route.h"

extern const struct model model_pcie_switch;

static const char *const sw_port_names[PCIE_NODE_MAX_DOWN + 1] = {
	"up", "dp0", "dp1", "dp2", "dp3", "dp4", "dp5", "dp6", "dp7", "dp8", "dp9", "dp10",
	"dp11", "dp12", "dp13", "dp14", "dp15", "dp16", "dp17", "dp18", "dp19", "dp20", "dp21",
	"dp22", "dp23", "dp24", "dp25", "dp26", "dp27", "dp28", "dp29", "dp30", "dp31",
};

static const char *const sw_modes[] = { "cut_through", "store_forward", NULL };

struct switch_params {
	uint64_t ports;
	sim_time_t latency;
	int mode;
	uint64_t queue_depth;
	const struct cfg_node *acs, *port_acs, *bus;
};

#define SP(f) offsetof(struct switch_params, f)
static const struct param_desc switch_param_desc[] = {
	{ "ports", PARAM_U64, SP(ports), "4", 1, PCIE_NODE_MAX_DOWN, NULL,
	  "downstream ports (dp0, dp1, ...)" },
	{ "latency", PARAM_TIME, SP(latency), "100ns", 0, 1e9, NULL,
	  "port-to-port latency; default: PLX PEX 8747 (Gen3) cut-through <= 100 ns "
	  "(FACTS.md; Broadcom PEX88000 Gen4 ~105-150 ns)" },
	{ "mode", PARAM_ENUM, SP(mode), "cut_through", 0, 0, sw_modes,
	  "cut_through: forwarding starts 'latency' after the first symbol arrived; "
	  "store_forward: 'latency' after the whole TLP arrived" },
	{ "queue_depth", PARAM_U64, SP(queue_depth), "32", 1, 65536, NULL,
	  "TLPs per egress port and class (posted, non-posted, completion)" },
	{ "acs", PARAM_NODE, SP(acs), "all", 0, 0, NULL,
	  "ACS of every downstream port: none, all (SV TB RR CR UF DT), a list [sv, rr, ...] or "
	  "a map {rr: true, ec: true, ec_vector: 0x2}" },
	{ "port_acs", PARAM_NODE, SP(port_acs), "", 0, 0, NULL,
	  "per downstream port ACS overriding 'acs': a list, entry j for dpj (null: keep)" },
	{ "bus", PARAM_NODE, SP(bus), "", 0, 0, NULL,
	  "pin the bus number of the upstream port (the secondary bus of the port above)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct pcie_switch {
	struct component c;
	struct switch_params p;
	struct pcie_node node;
	struct pcie_fn up_fn;
	struct pcie_fn dp_fn[PCIE_NODE_MAX_DOWN];
	char names[PCIE_NODE_MAX_DOWN + 1][96];
	struct xbar x;                  /* port 0: up; port j+1: dpj */
};

static int sw_route(struct xbar *x, unsigned in, struct tlp *t, enum xbar_verdict *v)
{
	struct pcie_switch *sw = x->owner;
	int j = pcie_route_down(&sw->node, t);
	if (in == 0) {
		if (j < 0) {
			*v = XV_BLOCK_UR;       /* nothing below holds it */
			return -1;
		}
		*v = XV_FORWARD;
		return j + 1;
	}
	const struct pcie_fn *dp = &sw->dp_fn[in - 1];
	bool up;
	*v = acs_decide(dp, dp->has_acs, &dp->acs, t, in - 1, j, &up);
	if (*v == XV_BLOCK_UR || *v == XV_BLOCK_CA)
		return -1;
	return up ? 0 : j + 1;
}

static const struct xbar_ops sw_xbar_ops = { .route = sw_route };

static struct port *sw_node_port(struct pcie_switch *sw, unsigned i)
{
	return &sw->x.ports[i].port;
}

static void sw_destroy(struct component *c)
{
	struct pcie_switch *sw = container_of(c, struct pcie_switch, c);
	xbar_free(&sw->x);
	free(sw);
}

static void sw_finish(struct component *c)
{
	xbar_finish(&container_of(c, struct pcie_switch, c)->x);
}

/* 'bus:' on a switch, MFD or endpoint: a bus number 1..255, or absent. */
int pcie_bus_pin(const struct cfg_node *n, int *out, struct iov_err *e)
{
	*out = -1;
	if (!n || n->kind == CFG_NULL || (n->kind == CFG_SCALAR && !n->str[0]))
		return 0;
	char *end;
	unsigned long b = n->kind == CFG_SCALAR ? strtoul(n->str, &end, 0) : 0;
	if (n->kind != CFG_SCALAR || *end || b < 1 || b > 255)
		return cfg_err(e, n, "bus must be a bus number from 1 to 255");
	*out = (int)b;
	return 0;
}

static struct component *sw_create(struct sim *s, const char *name, const void *params,
				   const struct cfg_node *node, struct iov_err *e)
{
	struct pcie_switch *sw = calloc(1, sizeof(*sw));
	if (!sw) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	sw->p = *(const struct switch_params *)params;
	component_init(&sw->c, s, &model_pcie_switch, name, NULL);
	unsigned n = (unsigned)sw->p.ports;
	if (xbar_init(&sw->x, &sw->c, &sw_xbar_ops, sw, n + 1, sw_port_names, sw->p.latency,
		      sw->p.mode == 0, (uint32_t)sw->p.queue_depth, 1, n + 1, e))
		goto err;
	struct pcie_node *pn = &sw->node;
	pn->kind = PCIE_NODE_SWITCH;
	pn->c = &sw->c;
	pn->up = sw_node_port(sw, 0);
	pn->self = &sw->up_fn;
	pn->ndown = n;
	pn->loc = node->loc;
	if (pcie_bus_pin(sw->p.bus, &pn->pinned_bus, e))
		goto err;
	snprintf(sw->names[0], sizeof(sw->names[0]), "%s.up", name);
	sw->up_fn = (struct pcie_fn){ .name = sw->names[0], .kind = PCIE_FN_SWITCH_UP, .c = &sw->c,
				      .bme = true, .vm = -1, .caps = PCIE_CAP_PCIE,
				      .pinned_bus = -1 };
	for (unsigned j = 0; j < n; j++) {
		snprintf(sw->names[j + 1], sizeof(sw->names[j + 1]), "%s.%s", name,
			 sw_port_names[j + 1]);
		sw->dp_fn[j] = (struct pcie_fn){ .name = sw->names[j + 1],
						 .kind = PCIE_FN_SWITCH_DOWN, .c = &sw->c,
						 .bme = true, .vm = -1, .caps = PCIE_CAP_PCIE,
						 .pinned_bus = -1 };
		pn->down[j] = sw_node_port(sw, j + 1);
		pn->down_fn[j] = &sw->dp_fn[j];
	}
	if (pcie_ports_acs(sw->p.acs, sw->p.port_acs, sw->dp_fn, n, e))
		goto err;
	sw->c.pcie = pn;
	return &sw->c;
err:
	sw_destroy(&sw->c);
	return NULL;
}

static const struct model_ops switch_ops = {
	.create = sw_create,
	.finish = sw_finish,
	.destroy = sw_destroy,
};

static const struct port_doc switch_ports[] = {
	{ "up", "upstream port, towards the root complex" },
	{ "dp0 .. dpN-1", "downstream ports, towards devices or further switches" },
	{ NULL, NULL },
};

const struct model model_pcie_switch = {
	.kind = "pcie",
	.type = "pcie_switch",
	.desc = "PCIe switch: address/ID routing, ACS on every downstream port, cut-through or "
		"store-and-forward, per-class egress queues",
	.ops = &switch_ops,
	.params = switch_param_desc,
	.params_size = sizeof(struct switch_params),
	.ports = switch_ports,
	.not_modelled = "I/O and prefetchable windows, multicast, hot plug, arbitration weights; a "
			"cut-through hop costs max(latency, ingress serialisation) since whole TLPs "
			"move",
};
