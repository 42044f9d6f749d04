/* component.h - components, the model registry's entries, and their ops */
#ifndef IOVSIM_COMPONENT_H
#define IOVSIM_COMPONENT_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "port.h"
#include "simtime.h"

struct sim;
struct component;

#define COMPONENT_MAX_PORTS 16

/*
 * Ops of one model kind. Ownership: create() returns a component the model
 * owns and destroy() frees. params points to a zeroed struct of the model's
 * params_size, already filled and validated from the scenario node by the
 * loader; it stays valid for the component's lifetime (sim owns it). node is
 * the component's merged config map, for models that read PARAM_NODE
 * sub-trees. create() registers the component's stats and ports and must not
 * schedule events; start() may. finish() runs once after the simulation
 * stops, to fill derived stats (rates, ratios). Only create is required.
 */
struct model_ops {
	struct component *(*create)(struct sim *sim, const char *name, const void *params,
				    const struct cfg_node *node, struct iov_err *e);
	/* After all connections, before any elaborate: build what others look at
	 * (the root complex enumerates the PCIe hierarchy here: bus numbers,
	 * BARs, VFs). May be NULL. Bad input: status 2. */
	int (*enumerate)(struct component *c, struct iov_err *e);
	/* After every enumerate, before start, in scenario order: look at the
	 * topology (routing IDs, VFs, other components). Bad input: status 2. */
	int (*elaborate)(struct component *c, struct iov_err *e);
	int (*start)(struct component *c, struct iov_err *e);
	void (*finish)(struct component *c);
	void (*destroy)(struct component *c);
};

struct port_doc {
	const char *name;
	const char *desc;
};

/* One row of the registry (models/registry.c). */
struct model {
	const char *kind;               /* area: "source", "pcie", "memory", ... */
	const char *type;               /* name used in scenarios: "dma_source" */
	const char *desc;               /* one line */
	const struct model_ops *ops;
	const struct param_desc *params;        /* NULL-name terminated */
	size_t params_size;
	const struct port_doc *ports;           /* NULL-name terminated */
	const char *not_modelled;               /* what the model leaves out, for docs */
};

/* Base struct: embed first in each model's struct and use container_of. */
struct component {
	const struct model *model;
	const char *name;               /* owned by the scenario */
	struct sim *sim;
	struct sim_clock clock;
	size_t nports;
	struct port *ports[COMPONENT_MAX_PORTS];
	void *pcie;                     /* PCIe topology node (models/pcie/pcie_topo.h), or
					 * NULL for components outside the PCIe hierarchy */
};

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Fill the base and register nothing yet. */
void component_init(struct component *c, struct sim *sim, const struct model *m,
		    const char *name, const struct sim_clock *clock);

/* Register a port embedded in the component. name must be static storage.
 * Returns -1 (IOV_INTERNAL) if the port table is full. */
int component_add_port(struct component *c, struct port *p, const char *name,
		       const struct port_ops *ops, struct iov_err *e);

struct port *component_port(struct component *c, const char *name);

/* The registry. */
const struct model *model_find(const char *type);
const struct model *model_at(size_t i);         /* NULL past the end */

#endif
