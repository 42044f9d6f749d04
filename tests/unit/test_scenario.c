/* test_scenario.c - scenario loading: ${} substitution, profiles and search order, platforms, expect, and exact error messages */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define DATA IOVSIM_TEST_DATA "/config/scen/"

static int setup_cwd(void **state)
{
	(void)state;
	/* Messages carry the path as given: load relative to the data dir. */
	return chdir(DATA);
}

static struct scenario *load_ok(const char *file, const struct param_override *o, size_t n,
				const char *const *dirs)
{
	struct iov_err e = { 0 };
	struct scenario *s = NULL;
	if (scenario_load(file, o, n, dirs, &s, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(e.status, 0);
	return s;
}

/* Loading fails with exactly msg (status 2) and leaves *out NULL. */
static void load_bad(const char *file, const struct param_override *o, size_t n,
		     const char *msg)
{
	struct iov_err e = { 0 };
	struct scenario *s = (struct scenario *)&e;     /* must be reset to NULL */
	assert_int_equal(scenario_load(file, o, n, NULL, &s, &e), -1);
	assert_null(s);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_string_equal(e.msg, msg);
}

static const struct scenario_component *comp(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ncomponents; i++)
		if (!strcmp(s->components[i].name, name))
			return &s->components[i];
	fail_msg("no component %s", name);
	return NULL;
}

static const char *val(const struct scenario *s, const char *c, const char *key)
{
	const struct cfg_node *n = cfg_get(comp(s, c)->node, key);
	if (!n)
		fail_msg("component %s has no key %s", c, key);
	return n->str;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* ---- ${} substitution ---- */

static void test_subst_embedded_escape_and_long(void **state)
{
	(void)state;
	struct scenario *s = load_ok("subst.yaml", NULL, 0, NULL);
	assert_int_equal(s->seed, 7);
	assert_int_equal(s->duration, 3 * SIM_US);
	assert_string_equal(val(s, "a", "size"), "4KiB");
	const struct cfg_node *size = cfg_get(comp(s, "a")->node, "size");
	assert_string_equal(size->param, "n");          /* the first parameter used */
	assert_string_equal(size->param_value, "4");
	assert_string_equal(val(s, "a", "text"), "a${b}c4");
	assert_string_equal(val(s, "a", "dollars"), "1$ $$x");
	assert_null(cfg_get(comp(s, "a")->node, "plain")->param);
	/* Twelve references to a 100-character value: 1200 characters. */
	const char *many = val(s, "a", "many");
	assert_int_equal(strlen(many), 1200);
	assert_int_equal(strspn(many, "x"), 1200);
	assert_true(s->expects[0].has_eq && s->expects[0].eq == 4.0);
	assert_int_equal(s->nparams, 5);
	assert_string_equal(s->params[0].name, "n");
	assert_false(s->params[0].overridden);
	assert_int_equal(s->params[0].loc.line, 2);
	scenario_free(s);
}

static void test_subst_overrides(void **state)
{
	(void)state;
	struct param_override o[] = { { "n", "16" }, { "s", "99" }, { "d", "1ms" }, { "n", "32" } };
	struct scenario *s = load_ok("subst.yaml", o, 4, NULL);
	assert_string_equal(val(s, "a", "size"), "32KiB");      /* the last -p wins */
	assert_int_equal(s->seed, 99);
	assert_int_equal(s->duration, SIM_MS);
	assert_true(s->params[0].overridden);
	assert_string_equal(s->params[0].value, "32");
	assert_string_equal(s->params[0].def, "4");
	assert_true(s->expects[0].eq == 32.0);
	scenario_free(s);
}

/* ---- profiles, search order, platforms ---- */

static void test_profiles_nested_and_overridden(void **state)
{
	(void)state;
	struct scenario *s = load_ok("profiles.yaml", NULL, 0, NULL);
	assert_int_equal(s->ncomponents, 3);
	/* dev: mid over base, the component's own keys over both. */
	const struct scenario_component *d = comp(s, "dev");
	assert_string_equal(d->type, "memory");
	assert_string_equal(val(s, "dev", "latency"), "60ns");          /* mid */
	assert_string_equal(val(s, "dev", "bandwidth"), "20GB/s");      /* own */
	assert_null(cfg_get(d->node, "profile"));
	/* A nested map replaces the profile's as a whole. */
	const struct cfg_node *tr = cfg_get(d->node, "trace");
	assert_string_equal(cfg_get(tr, "gen")->str, "random");
	assert_null(cfg_get(tr, "count"));
	/* Values keep the file they came from. */
	assert_true(ends_with(cfg_get(d->node, "latency")->loc.file,
			      "/config/scen/configs/devices/mid.yaml"));
	assert_string_equal(cfg_get(d->node, "bandwidth")->loc.file, "profiles.yaml");
	assert_int_equal(cfg_get(d->node, "bandwidth")->loc.line, 5);
	/* configs: [extra] is searched before the nearest configs/ directory. */
	assert_string_equal(comp(s, "sh")->type, "from-configs-key");
	/* A profile found only in a configs/ directory further up. */
	assert_string_equal(val(s, "up", "latency"), "50ns");
	scenario_free(s);
}

static void test_profiles_config_dirs_before_ancestors(void **state)
{
	(void)state;
	const char *const dirs[] = { "cli", NULL };
	struct scenario *s = load_ok("profiles.yaml", NULL, 0, dirs);
	/* mid (nearest configs/) names devices/base, found first in -C cli. */
	assert_string_equal(comp(s, "dev")->type, "from-C");
	assert_string_equal(val(s, "dev", "latency"), "60ns");
	assert_string_equal(comp(s, "sh")->type, "from-configs-key");
	scenario_free(s);
}

static void test_platform_merge_connections_expect(void **state)
{
	(void)state;
	struct scenario *s = load_ok("platform.yaml", NULL, 0, NULL);
	assert_string_equal(s->name, "platform");
	assert_string_equal(s->description, "a platform with one override");
	assert_int_equal(s->seed, 1);
	assert_int_equal(s->duration, 0);
	/* Platform components first (mem merged in place), then the scenario's. */
	assert_int_equal(s->ncomponents, 3);
	assert_string_equal(s->components[0].name, "path");
	assert_string_equal(s->components[1].name, "mem");
	assert_string_equal(s->components[2].name, "dev");
	assert_string_equal(s->components[1].type, "memory");
	assert_string_equal(val(s, "mem", "latency"), "90ns");
	assert_null(cfg_get(cfg_get(comp(s, "mem")->node, "trace"), "count"));
	assert_string_equal(val(s, "path", "latency"), "100ns");
	/* Connections: the platform's, then the scenario's. */
	assert_int_equal(s->nconnections, 2);
	assert_string_equal(s->connections[0].a_comp, "path");
	assert_string_equal(s->connections[0].a_port, "up");
	assert_string_equal(s->connections[0].b_comp, "mem");
	assert_string_equal(s->connections[0].b_port, "port");
	assert_string_equal(s->connections[1].a_comp, "dev");
	assert_string_equal(s->connections[1].b_port, "down");
	assert_string_equal(s->connections[1].loc.file, "platform.yaml");
	assert_int_equal(s->connections[1].loc.line, 10);
	assert_int_equal(s->connections[1].loc.col, 5);
	/* Expectations: numbers with signs and exponents, tol default 0.05. */
	assert_int_equal(s->nexpects, 3);
	const struct scenario_expect *x = &s->expects[0];
	assert_string_equal(x->stat, "dma.latency_ns.p50");
	assert_true(x->has_min && x->min == -1.5 && x->has_max && x->max == 2000.0);
	assert_false(x->has_eq || x->has_approx);
	assert_int_equal(x->loc.line, 12);
	assert_true(s->expects[1].has_approx && s->expects[1].approx == 27.6);
	assert_true(s->expects[1].tol == 0.05);
	assert_true(s->expects[2].has_eq && s->expects[2].has_approx && s->expects[2].tol == 0.0);
	scenario_free(s);
}

/* ---- bad scenarios: exact messages ---- */

static void test_bad_structure(void **state)
{
	(void)state;
	load_bad("bad-empty-value.yaml", NULL, 0, "bad-empty-value.yaml:5:15: error: expect eq must "
		 "be a plain number (stats have no units), not empty");
	load_bad("bad-description.yaml", NULL, 0, "bad-description.yaml:1:14: error: description "
		 "must be a single value (text), not a map or list");
	load_bad("bad-no-components.yaml", NULL, 0, "bad-no-components.yaml:1:13: error: no "
		 "components: the components: list is empty");
	load_bad("bad-components-kind.yaml", NULL, 0, "bad-components-kind.yaml:1:13: error: "
		 "components must be a list of maps (- name: ..., type: ...)");
	load_bad("bad-tol.yaml", NULL, 0, "bad-tol.yaml:4:5: error: tol only goes with approx");
	load_bad("bad-tol-neg.yaml", NULL, 0, "bad-tol-neg.yaml:4:31: error: tol must be >= 0 (a "
		 "relative tolerance, 0.05 = 5%)");
	load_bad("bad-no-cond.yaml", NULL, 0, "bad-no-cond.yaml:4:5: error: expect on 'x' needs eq, "
		 "min, max or approx");
	load_bad("bad-conn3.yaml", NULL, 0, "bad-conn3.yaml:4:5: error: a connection is a pair: "
		 "[component.port, component.port]");
	load_bad("bad-conn-empty.yaml", NULL, 0, "bad-conn-empty.yaml:4:11: error: '.b' is not "
		 "'component.port'");
	load_bad("bad-no-type.yaml", NULL, 0, "bad-no-type.yaml:2:11: error: component 'm' needs a "
		 "type (see iovsim --list-models)");
	load_bad("bad-profile-kind.yaml", NULL, 0, "bad-profile-kind.yaml:3:14: error: profile must "
		 "be a name like devices/generic-dma");
	load_bad("bad-unterminated.yaml", NULL, 0, "bad-unterminated.yaml:4:22: error: unterminated "
		 "${ in 'x${a'; write ${name}");
	load_bad("bad-alias.yaml", NULL, 0, "bad-alias.yaml:3:6: error: YAML aliases (*name) are "
		 "not supported; use params: and ${name}");
	load_bad("bad-two-docs.yaml", NULL, 0, "bad-two-docs.yaml:3:1: error: more than one YAML "
		 "document ('---'): a file holds one");
	load_bad("bad-nul.yaml", NULL, 0, "bad-nul.yaml:2:37: error: a value or key contains a NUL "
		 "character");
}

static void test_bad_platform_and_params(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct scenario *s = NULL;
	assert_int_equal(scenario_load("bad-platform.yaml", NULL, 0, NULL, &s, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	/* Located at the name; lists the nearest configs/ directory first. */
	const char *want = "bad-platform.yaml:1:11: error: no profile 'platforms/nope' (looked for "
			   "platforms/nope.yaml in: ";
	assert_memory_equal(e.msg, want, strlen(want));
	assert_non_null(strstr(e.msg, "/tests/data/config/scen/configs, "));
	assert_non_null(strstr(e.msg, "/tests/data/config/configs"));

	struct param_override o[] = { { "zz", "1" } };
	load_bad("bad-platform.yaml", o, 1, "bad-platform.yaml: error: unknown parameter 'zz' "
		 "(-p zz=1); the scenario declares: (none)");
	load_bad("missing-file.yaml", NULL, 0, "missing-file.yaml: error: cannot open: No such "
		 "file or directory");
}

/* ---- cfg_load_params on a scenario's components ---- */

struct mem_params {
	sim_time_t latency;
	double bandwidth;
	int mode;
};

static const char *const mem_modes[] = { "fifo", "random", NULL };

static const struct param_desc mem_params[] = {
	{ "latency", PARAM_TIME, offsetof(struct mem_params, latency), NULL, 1, 1e12, NULL,
	  "access latency" },
	{ "bandwidth", PARAM_BANDWIDTH, offsetof(struct mem_params, bandwidth), "25GB/s", 1e6, 1e15,
	  NULL, "bus rate" },
	{ "mode", PARAM_ENUM, offsetof(struct mem_params, mode), "fifo", 0, 0, mem_modes,
	  "queue policy" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static const char *const reserved[] = { "name", "type", "profile", NULL };

/* Load component c of model-errors.yaml with the table; return the message or "". */
static void model_load(const struct param_override *o, size_t n, const char *c, const char *msg)
{
	struct scenario *s = load_ok("model-errors.yaml", o, n, NULL);
	struct mem_params p;
	memset(&p, 0, sizeof(p));
	struct iov_err e = { 0 };
	char what[64];
	snprintf(what, sizeof(what), "memory '%s'", c);
	int rc = cfg_load_params(comp(s, c)->node, mem_params, reserved, &p, what, &e);
	if (msg) {
		assert_int_equal(rc, -1);
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_string_equal(e.msg, msg);
	} else {
		if (rc)
			fail_msg("%s", e.msg);
		assert_int_equal(p.latency, 2500);
		assert_true(p.bandwidth == 10e9 / 8);
		assert_int_equal(p.mode, 1);
	}
	scenario_free(s);
}

static void test_model_params_errors(void **state)
{
	(void)state;
	model_load(NULL, 0, "good", NULL);
	model_load(NULL, 0, "kind", "model-errors.yaml:6:14: error: latency must be time (2.5ns, "
		   "1us), not a list");
	model_load(NULL, 0, "unit", "model-errors.yaml:9:14: error: latency: bad time (2.5ns, 1us) "
		   "'80nanoseconds': unknown time unit 'nanoseconds'; use ps, ns, us, ms or s");
	model_load(NULL, 0, "range", "model-errors.yaml:12:14: error: latency '0ps' is out of "
		   "range; allowed 1 ps..1.00 s");
	model_load(NULL, 0, "policy", "model-errors.yaml:16:11: error: mode: unknown value 'lru'; "
		   "allowed: fifo, random");
	model_load(NULL, 0, "required", "model-errors.yaml:17:5: error: memory 'required' needs "
		   "'latency' (time (2.5ns, 1us): access latency)");
	model_load(NULL, 0, "typo", "model-errors.yaml:22:5: error: unknown key 'latncy' in memory "
		   "'typo' (did you mean 'latency'?); allowed: latency, bandwidth, mode");
	struct param_override o[] = { { "lat", "fast" } };
	model_load(o, 1, "fromparam", "model-errors.yaml:25:14: error: latency: bad time (2.5ns, "
		   "1us) 'fast': a time must start with a number, e.g. 100ns or 2.5us (from "
		   "parameter 'lat' = 'fast')");
}

/* ---- plain documents ---- */

/* ---- conditional entries (when: / then:) ---- */

static bool has_comp(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ncomponents; i++)
		if (!strcmp(s->components[i].name, name))
			return true;
	return false;
}

static void test_when_groups(void **state)
{
	(void)state;
	struct scenario *s = load_ok("when.yaml", NULL, 0, NULL);
	assert_int_equal(s->ncomponents, 2);
	assert_true(has_comp(s, "host") && has_comp(s, "vnet"));
	assert_int_equal(s->nconnections, 0);
	assert_int_equal(s->nexpects, 1);
	assert_int_equal(cfg_get(s->root, "vms")->n, 1);
	scenario_free(s);
	struct param_override o[] = { { "path", "sriov" }, { "traffic", "rr" } };
	s = load_ok("when.yaml", o, 2, NULL);
	assert_int_equal(s->ncomponents, 2);
	assert_true(has_comp(s, "nic") && !has_comp(s, "rr_only"));
	assert_int_equal(s->nconnections, 1);
	assert_string_equal(s->connections[0].a_comp, "nic");
	assert_int_equal(s->nexpects, 2);
	assert_string_equal(s->expects[1].stat, "components.nic.gbps");
	assert_int_equal(cfg_get(s->root, "vms")->n, 0);      /* traffic is not stream */
	scenario_free(s);
	o[0].value = "virtio";                                  /* nested group, list of values */
	s = load_ok("when.yaml", o, 2, NULL);
	assert_int_equal(s->ncomponents, 3);
	assert_true(has_comp(s, "rr_only"));
	scenario_free(s);
	load_bad("bad-when-param.yaml", NULL, 0, "bad-when-param.yaml:5:12: error: when: names "
		 "'pth', which is not a parameter declared under params:");
	load_bad("bad-when-key.yaml", NULL, 0, "bad-when-key.yaml:6:5: error: unknown key 'else' "
		 "in a conditional entry; it is {when: {PARAM: VALUE}, then: [ENTRIES]}");
	load_bad("bad-when-then.yaml", NULL, 0, "bad-when-then.yaml:6:11: error: a conditional "
		 "entry needs then: [ENTRIES], a list");
}

static void test_doc_load(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct cfg_doc *d = cfg_doc_load("configs/devices/base.yaml", &e);
	assert_non_null(d);
	const struct cfg_node *r = cfg_doc_root(d);
	assert_int_equal(r->kind, CFG_MAP);
	assert_int_equal(r->n, 4);
	assert_string_equal(r->keys[3], "trace");
	assert_int_equal(r->key_locs[3].line, 4);
	assert_int_equal(r->key_locs[3].col, 1);
	const struct cfg_node *t = r->items[3];
	assert_int_equal(t->kind, CFG_MAP);
	assert_int_equal(t->loc.col, 8);
	assert_null(cfg_get(r, "nope"));
	assert_null(cfg_get(t->items[0], "x"));         /* not a map */
	cfg_doc_free(d);

	assert_null(cfg_doc_load("nope/none.yaml", &e));
	assert_string_equal(e.msg, "nope/none.yaml: error: cannot open: No such file or directory");
	cfg_doc_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subst_embedded_escape_and_long),
		cmocka_unit_test(test_subst_overrides),
		cmocka_unit_test(test_profiles_nested_and_overridden),
		cmocka_unit_test(test_profiles_config_dirs_before_ancestors),
		cmocka_unit_test(test_platform_merge_connections_expect),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_bad_platform_and_params),
		cmocka_unit_test(test_model_params_errors),
		cmocka_unit_test(test_when_groups),
		cmocka_unit_test(test_doc_load),
	};
	return cmocka_run_group_tests(tests, setup_cwd, NULL);
}
