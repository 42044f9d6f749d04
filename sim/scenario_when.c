/* scenario_when.c - conditional entries in a scenario's lists, chosen by parameter values
 *
 *   components:
 *     - {name: host, type: host}
 *     - when: {path: virtio}
 *       then:
 *         - {name: dev0, type: virtio_net}
 *
 * In the scenario's components, connections, vms and expect lists, an entry
 * {when: {PARAM: VALUE, ...}, then: [ENTRIES]} stands for its entries when
 * every named parameter's effective value (default or -p) is VALUE (or one
 * of a list of values), and for nothing otherwise. Groups may nest. The
 * lists are rewritten before anything reads them, so a left-out entry is
 * never checked (its component types, stats names); the comparison is on
 * the text of the values.
 */
#include <string.h>

#include "config.h"
#include "config_impl.h"

static int when_value_is(const struct cfg_node *v, const char *value, bool *out,
			 struct iov_err *e)
{
	if (v->kind == CFG_SCALAR) {
		*out = !strcmp(v->str, value);
		return 0;
	}
	if (v->kind == CFG_SEQ && v->n) {
		*out = false;
		for (size_t i = 0; i < v->n; i++) {
			if (v->items[i]->kind != CFG_SCALAR)
				return cfg_err(e, v->items[i], "a when: value is a parameter value or a "
					       "list of them");
			*out |= !strcmp(v->items[i]->str, value);
		}
		return 0;
	}
	return cfg_err(e, v, "a when: value is a parameter value or a list of them");
}

/* Does the condition map w hold? */
static int when_holds(const struct scenario *s, const struct cfg_node *w, bool *out,
		      struct iov_err *e)
{
	if (w->kind != CFG_MAP || !w->n)
		return cfg_err(e, w, "when: must be a map {PARAM: VALUE, ...} of declared parameters");
	*out = true;
	for (size_t i = 0; i < w->n; i++) {
		const struct scenario_param *p = scen_find_param(s, w->keys[i], strlen(w->keys[i]));
		if (!p)
			return cfg_err_key(e, w, i, "when: names '%s', which is not a parameter "
					   "declared under params:", w->keys[i]);
		bool is = false;
		if (when_value_is(w->items[i], p->value, &is, e))
			return -1;
		*out &= is;
	}
	return 0;
}

static bool when_is_group(const struct cfg_node *n)
{
	return n->kind == CFG_MAP && cfg_get(n, "when");
}

static int when_expand(struct cfg_arena *a, const struct scenario *s, struct cfg_node *seq,
		       struct iov_err *e);

/* Check a group's shape; *keep: its entries (expanded) stay. */
static int when_group(struct cfg_arena *a, const struct scenario *s, struct cfg_node *g,
		      bool *keep, struct iov_err *e)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->keys[i], "when") && strcmp(g->keys[i], "then"))
			return cfg_err_key(e, g, i, "unknown key '%s' in a conditional entry; it is "
					   "{when: {PARAM: VALUE}, then: [ENTRIES]}", g->keys[i]);
	struct cfg_node *then = (struct cfg_node *)cfg_get(g, "then");
	if (!then || (then->kind != CFG_SEQ && then->kind != CFG_NULL))
		return cfg_err(e, then ? then : g, "a conditional entry needs then: [ENTRIES], a list");
	if (when_holds(s, cfg_get(g, "when"), keep, e))
		return -1;
	return then->kind == CFG_SEQ ? when_expand(a, s, then, e) : 0;
}

/* Rewrite seq in place: groups replaced by their entries or dropped. */
static int when_expand(struct cfg_arena *a, const struct scenario *s, struct cfg_node *seq,
		       struct iov_err *e)
{
	if (!seq || seq->kind != CFG_SEQ || !seq->n)
		return 0;                       /* the list's reader reports a wrong kind */
	bool *keep = cfg_arena_alloc(a, seq->n * sizeof(*keep));
	if (!keep)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	size_t total = 0;
	bool any = false;
	for (size_t i = 0; i < seq->n; i++) {
		struct cfg_node *it = seq->items[i];
		keep[i] = true;
		if (!when_is_group(it)) {
			total++;
			continue;
		}
		any = true;
		if (when_group(a, s, it, &keep[i], e))
			return -1;
		const struct cfg_node *then = cfg_get(it, "then");
		total += keep[i] && then->kind == CFG_SEQ ? then->n : 0;
	}
	if (!any)
		return 0;
	struct cfg_node **items = cfg_arena_alloc(a, (total ? total : 1) * sizeof(*items));
	if (!items)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < seq->n; i++) {
		struct cfg_node *it = seq->items[i];
		if (!keep[i])
			continue;
		if (!when_is_group(it)) {
			items[n++] = it;
			continue;
		}
		const struct cfg_node *then = cfg_get(it, "then");
		for (size_t j = 0; then->kind == CFG_SEQ && j < then->n; j++)
			items[n++] = then->items[j];
	}
	seq->items = items;
	seq->n = n;
	return 0;
}

int scenario_expand_when(struct cfg_arena *a, const struct scenario *s, struct cfg_node *root,
			 struct iov_err *e)
{
	static const char *const lists[] = { "components", "connections", "vms", "expect", NULL };
	for (size_t i = 0; lists[i]; i++)
		if (when_expand(a, s, (struct cfg_node *)cfg_get(root, lists[i]), e))
			return -1;
	return 0;
}
