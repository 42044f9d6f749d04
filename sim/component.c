/* component.c - base component helpers: init and port registration */
#include "component.h"

#include <string.h>

void component_init(struct component *c, struct sim *sim, const struct model *m,
		    const char *name, const struct sim_clock *clock)
{
	memset(c, 0, sizeof(*c));
	c->model = m;
	c->name = name;
	c->sim = sim;
	if (clock)
		c->clock = *clock;
	else
		c->clock = (struct sim_clock){ .period = 1000, .phase = 0 };   /* 1 GHz */
}

int component_add_port(struct component *c, struct port *p, const char *name,
		       const struct port_ops *ops, struct iov_err *e)
{
	if (c->nports >= COMPONENT_MAX_PORTS)
		return iov_err_set(e, IOV_INTERNAL, "component '%s': more than %d ports",
				   c->name, COMPONENT_MAX_PORTS);
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->owner = c;
	p->ops = ops;
	c->ports[c->nports++] = p;
	return 0;
}

struct port *component_port(struct component *c, const char *name)
{
	for (size_t i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i]->name, name) == 0)
			return c->ports[i];
	return NULL;
}
