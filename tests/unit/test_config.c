/* test_config.c - config trees, parameter tables, scenario loading (good and bad), expectations */
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
#include "sim.h"
#include "stats.h"

#define DATA IOVSIM_TEST_DATA "/config/"

static int setup_cwd(void **state)
{
	(void)state;
	/* Messages carry the path as given: load relative to the data dir. */
	return chdir(DATA);
}

static struct scenario *load_ok(const char *file, const struct param_override *o, size_t n)
{
	struct iov_err e = { 0 };
	struct scenario *s = NULL;
	if (scenario_load(file, o, n, NULL, &s, &e))
		fail_msg("%s", e.msg);
	return s;
}

static void expect_error(const char *file, const char *msg)
{
	struct iov_err e = { 0 };
	struct scenario *s = NULL;
	assert_int_equal(scenario_load(file, NULL, 0, NULL, &s, &e), -1);
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

static void test_good_scenario(void **state)
{
	(void)state;
	struct scenario *s = load_ok("good.yaml", NULL, 0);
	assert_string_equal(s->name, "good");
	assert_int_equal(s->seed, 9);
	assert_int_equal(s->duration, 2 * SIM_US);
	assert_int_equal(s->nparams, 2);
	/* Platform components first, then the scenario's new ones. */
	assert_int_equal(s->ncomponents, 4);
	assert_string_equal(s->components[0].name, "mem");
	assert_string_equal(s->components[1].name, "path");
	assert_string_equal(s->components[2].name, "extra");
	/* mem: platform's type, scenario's latency from ${lat}. */
	const struct scenario_component *m = comp(s, "mem");
	assert_string_equal(m->type, "memory");
	const struct cfg_node *lat = cfg_get(m->node, "latency");
	assert_string_equal(lat->str, "40ns");
	assert_string_equal(lat->param, "lat");
	assert_int_equal(lat->loc.line, 10);
	/* extra: dev-b over dev-a, then the scenario's own keys; no 'profile' key left. */
	const struct scenario_component *x = comp(s, "extra");
	assert_string_equal(x->type, "memory");
	assert_string_equal(cfg_get(x->node, "latency")->str, "60ns");
	assert_string_equal(cfg_get(x->node, "bandwidth")->str, "10GB/s");
	assert_string_equal(cfg_get(x->node, "queue_depth")->str, "4");
	assert_null(cfg_get(x->node, "profile"));
	/* $${ escapes a literal ${. */
	assert_string_equal(cfg_get(comp(s, "literal")->node, "latency")->str, "${lat}x");
	/* Connections: the platform's, then the scenario's. */
	assert_int_equal(s->nconnections, 2);
	assert_string_equal(s->connections[0].a_comp, "path");
	assert_string_equal(s->connections[0].a_port, "up");
	assert_string_equal(s->connections[1].a_comp, "extra");
	assert_string_equal(s->connections[1].b_port, "down");
	/* Expectations, with ${n} substituted. */
	assert_int_equal(s->nexpects, 3);
	assert_true(s->expects[0].has_eq && s->expects[0].eq == 3.0);
	assert_true(s->expects[1].has_min && s->expects[1].has_max);
	assert_true(s->expects[2].has_approx && s->expects[2].tol == 0.1);
	scenario_free(s);
}

static void test_param_override(void **state)
{
	(void)state;
	struct param_override o[] = { { "lat", "55ns" } };
	struct scenario *s = load_ok("good.yaml", o, 1);
	assert_string_equal(cfg_get(comp(s, "mem")->node, "latency")->str, "55ns");
	assert_true(s->params[0].overridden);
	assert_string_equal(s->params[0].def, "40ns");
	scenario_free(s);

	struct param_override bad[] = { { "nope", "1" } };
	struct iov_err e = { 0 };
	assert_int_equal(scenario_load("good.yaml", bad, 1, NULL, &s, &e), -1);
	assert_string_equal(e.msg, "good.yaml: error: unknown parameter 'nope' (-p nope=1); "
				   "the scenario declares: lat, n");
}

static void test_bad_scenarios(void **state)
{
	(void)state;
	expect_error("bad-top.yaml", "bad-top.yaml:2:1: error: unknown top-level key 'componets'; "
		     "allowed: name, description, seed, duration, configs, params, platform, "
		     "components, connections, expect, vms");
	expect_error("bad-yaml.yaml",
		     "bad-yaml.yaml:3:4: error: YAML syntax: did not find expected '-' indicator");
	expect_error("bad-dupkey.yaml",
		     "bad-dupkey.yaml:5:5: error: duplicate key 'latency' (first at line 4)");
	expect_error("bad-ref.yaml", "bad-ref.yaml:6:14: error: unknown parameter 'b' in '${b}ns'; "
		     "declared under params: a");
	expect_error("bad-dup.yaml", "bad-dup.yaml:4:11: error: duplicate component name 'm' "
		     "(first at bad-dup.yaml:2:11)");
	expect_error("bad-conn.yaml", "bad-conn.yaml:5:6: error: 'm' is not 'component.port'");
	expect_error("bad-conn-comp.yaml",
		     "bad-conn-comp.yaml:5:6: error: connection names unknown component 'x'");
	expect_error("bad-expect.yaml",
		     "bad-expect.yaml:5:5: error: expect on 'dma.reads': min 5 > max 2");
	expect_error("bad-expect-key.yaml", "bad-expect-key.yaml:5:23: error: unknown key 'equal' "
		     "in expect; allowed: stat, eq, min, max, approx, tol");
	expect_error("bad-expect-num.yaml", "bad-expect-num.yaml:5:27: error: expect eq must be a "
		     "plain number (stats have no units), not '5ns'");
	expect_error("missing.yaml", "missing.yaml: error: cannot open: No such file or directory");

	struct iov_err e = { 0 };
	struct scenario *s = NULL;
	assert_int_equal(scenario_load("bad-profile.yaml", NULL, 0, NULL, &s, &e), -1);
	assert_non_null(strstr(e.msg, "bad-profile.yaml:3:14: error: no profile 'devices/nope' "
				      "(looked for devices/nope.yaml in: "));
	iov_err_clear(&e);
	assert_int_equal(scenario_load("bad-cycle.yaml", NULL, 0, NULL, &s, &e), -1);
	assert_non_null(strstr(e.msg, "loop2.yaml:1:10: error: profile cycle: 'devices/loop1' "
				      "includes itself"));
}

struct all_types {
	int b;
	uint64_t u, sz;
	double d, bw, gt;
	sim_time_t t;
	struct sim_clock clk;
	const char *str, *path;
	int en;
	const struct cfg_node *node;
};

static const char *const modes[] = { "slow", "fast", NULL };

static const struct param_desc all_params[] = {
	{ "lat", PARAM_TIME, offsetof(struct all_types, t), NULL, 1, 1e9, NULL, "a time" },
	{ "big", PARAM_SIZE, offsetof(struct all_types, sz), NULL, 0, 0, NULL, "a size" },
	{ "hz", PARAM_FREQ, offsetof(struct all_types, clk), NULL, 0, 0, NULL, "a clock" },
	{ "frac", PARAM_DOUBLE, offsetof(struct all_types, d), NULL, 0, 1, NULL, "a share" },
	{ "on", PARAM_BOOL, offsetof(struct all_types, b), NULL, 0, 0, NULL, "a switch" },
	{ "mode", PARAM_ENUM, offsetof(struct all_types, en), NULL, 0, 0, modes, "a policy" },
	{ "gts", PARAM_TRANSFER_RATE, offsetof(struct all_types, gt), NULL, 0, 0, NULL, "a rate" },
	{ "bw", PARAM_BANDWIDTH, offsetof(struct all_types, bw), NULL, 0, 0, NULL, "a bandwidth" },
	{ "file", PARAM_PATH, offsetof(struct all_types, path), NULL, 0, 0, NULL, "a file" },
	{ "count", PARAM_U64, offsetof(struct all_types, u), "7", 1, 10, NULL, "a count" },
	{ "label", PARAM_STRING, offsetof(struct all_types, str), "x", 0, 0, NULL, "a name" },
	{ "sub", PARAM_NODE, offsetof(struct all_types, node), "", 0, 0, NULL, "a subtree" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static void test_load_params_all_types(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct cfg_doc *d = cfg_doc_load("params.yaml", &e);
	assert_non_null(d);
	const struct cfg_node *p = cfg_get(cfg_doc_root(d), "params");
	struct all_types v;
	memset(&v, 0, sizeof(v));
	assert_int_equal(cfg_load_params(p, all_params, NULL, &v, "test", &e), 0);
	assert_int_equal(v.t, 40 * SIM_NS);
	assert_true(v.sz == 1ull << 40);
	assert_int_equal(v.clk.period, 500);
	assert_true(v.d == 0.25);
	assert_int_equal(v.b, 1);
	assert_int_equal(v.en, 1);
	assert_true(v.gt == 16e9);
	assert_true(v.bw == 10e9 / 8);
	assert_string_equal(v.path, "data/x.bin");     /* next to params.yaml, loaded as "params.yaml" */
	assert_int_equal(v.u, 7);                      /* default */
	assert_string_equal(v.str, "x");
	assert_null(v.node);                           /* optional node, absent */
	cfg_doc_free(d);

	/* The component map has an unknown key 'sub' for a table without it, and
	 * bad values are located at the value. */
	d = cfg_doc_load("params.yaml", &e);
	const struct cfg_node *m = cfg_doc_root(d);
	const struct cfg_node *c = cfg_get(m, "components")->items[0];
	static const struct param_desc small[] = {
		{ "name", PARAM_STRING, 0, "", 0, 0, NULL, "" },
		{ "type", PARAM_STRING, 0, "", 0, 0, NULL, "" },
		{ "subs", PARAM_NODE, 0, "", 0, 0, NULL, "" },
		{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
	};
	struct all_types w;
	assert_int_equal(cfg_load_params(c, small, NULL, &w, "memory 'm'", &e), -1);
	assert_string_equal(e.msg, "params.yaml:14:5: error: unknown key 'sub' in memory 'm' (did you "
				   "mean 'subs'?); allowed: name, type, subs");
	iov_err_clear(&e);
	struct param_desc one[] = { all_params[0], { NULL, 0, 0, NULL, 0, 0, NULL, NULL } };
	struct cfg_node bad = { .kind = CFG_SCALAR, .str = "40", .loc = { "f.yaml", 3, 7 } };
	assert_int_equal(cfg_parse_value(&bad, &one[0], &w, &e), -1);
	assert_string_equal(e.msg, "f.yaml:3:7: error: lat: bad time (2.5ns, 1us) '40': time needs "
				   "a unit: ps, ns, us, ms or s");
	iov_err_clear(&e);
	bad.str = "2s";
	assert_int_equal(cfg_parse_value(&bad, &one[0], &w, &e), -1);
	assert_string_equal(e.msg, "f.yaml:3:7: error: lat '2s' is out of range; allowed 1 ps..1.00 ms");
	iov_err_clear(&e);
	bad.param = "size";
	bad.str = "big";
	assert_int_equal(cfg_parse_value(&bad, &all_params[9], &w, &e), -1);
	assert_string_equal(e.msg, "f.yaml:3:7: error: count: bad integer 'big': a count must start "
				   "with a number, e.g. 64, 0x40 or 2k (from parameter 'size' = 'big')");
	cfg_doc_free(d);
}

static void test_expect_check(void **state)
{
	(void)state;
	struct scenario *s = load_ok("good.yaml", NULL, 0);
	struct iov_err e = { 0 };
	struct stats *st = stats_create();
	uint64_t *reads = stats_counter(st, "dma.reads", "", "", &e);
	double *gbps = stats_value(st, "dma.read_gbps", "Gb/s", "", &e);
	struct hist *h = stats_hist(st, "dma.latency_ns", "ns", 1e-3, "", &e);
	*reads = 3;
	*gbps = 10.5;                   /* within 10 % of 10 */
	hist_add(h, 1500);              /* 1.5 ns: p50 in [1, 2] */
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(sim_check_expects(s, st, f), 0);
	fclose(f);
	assert_string_equal(buf, "");

	*reads = 4;
	*gbps = 11.5;
	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(sim_check_expects(s, st, f), 2);
	fclose(f);
	assert_non_null(strstr(buf, "good.yaml:20:5: expect failed: dma.reads = 4; wanted == 3\n"));
	assert_non_null(strstr(buf, "good.yaml:22:5: expect failed: dma.read_gbps = 11.5; wanted 10 "
				    "within 10% (off by 15%)\n"));
	stats_destroy(st);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_scenario),
		cmocka_unit_test(test_param_override),
		cmocka_unit_test(test_bad_scenarios),
		cmocka_unit_test(test_load_params_all_types),
		cmocka_unit_test(test_expect_check),
	};
	return cmocka_run_group_tests(tests, setup_cwd, NULL);
}
