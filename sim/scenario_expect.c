/* scenario_expect.c - reading a scenario's expect: list (sim/expect.c checks it after the run)
 *
 *   expect:
 *     - {stat: dma.reads, eq: 100}
 *     - {stat: dma.latency_ns.p50, approx: 600, tol: 0.02}
 *
 * Each entry names a stat and at least one of eq, min, max, approx; tol
 * (relative, default 0.05) goes only with approx. Values are plain numbers:
 * stats carry no units.
 */
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "units.h"

/* The numeric keys: where each one's value and its "given" flag go. */
static const struct {
	const char *key;
	size_t has, val;                /* offsets in struct scenario_expect; has: 0 = none */
} expect_nums[] = {
	{ "eq", offsetof(struct scenario_expect, has_eq), offsetof(struct scenario_expect, eq) },
	{ "min", offsetof(struct scenario_expect, has_min), offsetof(struct scenario_expect, min) },
	{ "max", offsetof(struct scenario_expect, has_max), offsetof(struct scenario_expect, max) },
	{ "approx", offsetof(struct scenario_expect, has_approx),
	  offsetof(struct scenario_expect, approx) },
	{ "tol", 0, offsetof(struct scenario_expect, tol) },
};

static const char *const expect_keys[] = { "stat", "eq", "min", "max", "approx", "tol", NULL };

static int expect_number(const struct cfg_node *v, const char *key, double *out,
			 struct iov_err *e)
{
	const char *why;
	if (v->kind != CFG_SCALAR)
		return cfg_err(e, v, "expect %s must be a plain number (stats have no units), not %s",
			       key, v->kind == CFG_NULL ? "empty" : "a map or list");
	if (units_parse_double(v->str, out, &why))
		return cfg_err(e, v, "expect %s must be a plain number (stats have no units), not '%s'",
			       key, v->str);
	return 0;
}

/* One key of an entry; *has_tol set when it was tol. */
static int expect_key(const struct cfg_node *m, size_t k, struct scenario_expect *ex,
		      bool *has_tol, struct iov_err *e)
{
	const char *key = m->keys[k];
	const struct cfg_node *v = m->items[k];
	if (!strcmp(key, "stat")) {
		if (v->kind != CFG_SCALAR)
			return cfg_err(e, v, "stat must be a stats path like dma.reads");
		ex->stat = v->str;
		return 0;
	}
	for (size_t j = 0; j < sizeof(expect_nums) / sizeof(expect_nums[0]); j++) {
		if (strcmp(key, expect_nums[j].key))
			continue;
		if (expect_number(v, key, (double *)(void *)((char *)ex + expect_nums[j].val), e))
			return -1;
		if (expect_nums[j].has)
			*(bool *)((char *)ex + expect_nums[j].has) = true;
		else
			*has_tol = true;
		if (!expect_nums[j].has && ex->tol < 0)
			return cfg_err(e, v, "tol must be >= 0 (a relative tolerance, 0.05 = 5%%)");
		return 0;
	}
	char allowed[128];
	return cfg_err_key(e, m, k, "unknown key '%s' in expect; allowed: %s", key,
			   cfg_names_join(expect_keys, allowed, sizeof(allowed)));
}

static int expect_entry(const struct cfg_node *m, struct scenario_expect *ex, struct iov_err *e)
{
	if (m->kind != CFG_MAP)
		return cfg_err(e, m, "an expect entry is a map: {stat: NAME, eq|min|max|approx: N}");
	ex->loc = m->loc;
	ex->tol = 0.05;
	bool has_tol = false;
	for (size_t k = 0; k < m->n; k++)
		if (expect_key(m, k, ex, &has_tol, e))
			return -1;
	if (!ex->stat)
		return cfg_err(e, m, "expect entry needs stat: NAME");
	if (!ex->has_eq && !ex->has_min && !ex->has_max && !ex->has_approx)
		return cfg_err(e, m, "expect on '%s' needs eq, min, max or approx", ex->stat);
	if (has_tol && !ex->has_approx)
		return cfg_err(e, m, "tol only goes with approx");
	if (ex->has_min && ex->has_max && ex->min > ex->max)
		return cfg_err(e, m, "expect on '%s': min %g > max %g", ex->stat, ex->min, ex->max);
	return 0;
}

int scenario_load_expects(struct cfg_arena *a, struct scenario *s, const struct cfg_node *x,
			  struct iov_err *e)
{
	if (!x || x->kind == CFG_NULL)
		return 0;
	if (x->kind != CFG_SEQ)
		return cfg_err(e, x, "expect must be a list of {stat: NAME, eq|min|max|approx: N}");
	s->expects = cfg_arena_alloc(a, (x->n ? x->n : 1) * sizeof(*s->expects));
	if (!s->expects)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < x->n; i++)
		if (expect_entry(x->items[i], &s->expects[s->nexpects++], e))
			return -1;
	return 0;
}
