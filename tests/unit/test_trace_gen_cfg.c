/* test_trace_gen_cfg.c - an inline trace generator map (sim/trace_gen_cfg): keys to spec, seeding, a subset table, located errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trace_gen_cfg.h"
#include "test_yaml.h"

/* A subset of the keys with other defaults, as guest_cpu has. */
static const struct param_desc sub_desc[] = {
	{ "gen", PARAM_ENUM, offsetof(struct trace_gen_params, pattern), NULL, 0, 0,
	  trace_gen_patterns, "" },
	{ "size", PARAM_SIZE, offsetof(struct trace_gen_params, size), "8", 1, 4096, NULL, "" },
	{ "count", PARAM_U64, offsetof(struct trace_gen_params, count), "3", 1, 100, NULL, "" },
	{ "window", PARAM_SIZE, offsetof(struct trace_gen_params, window), "8KiB", 1, 0x1p62,
	  NULL, "" },
	{ "seed", PARAM_U64, offsetof(struct trace_gen_params, seed), "0", 0, 0, NULL, "" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static struct trace_stream *open_text(const char *text, const struct param_desc *desc,
				      uint64_t run_seed, struct iov_err *e)
{
	struct cfg_doc *d = yaml_doc(text);
	struct trace_stream *ts = trace_gen_open_cfg(cfg_doc_root(d), desc, "dev7", run_seed, e);
	cfg_doc_free(d);
	return ts;
}

/* Read all records' addresses (at most n); returns how many. */
static size_t addrs(struct trace_stream *ts, uint64_t *a, size_t n, struct trace_rec *last)
{
	struct iov_err e = { 0 };
	size_t i = 0;
	while (i < n && trace_next(ts, last, &e) > 0)
		a[i++] = last->addr;
	return i;
}

static void test_full_keys(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct trace_stream *ts = open_text("{gen: seq, base: 0x1000, size: 64, count: 3, "
					    "op: write, pasid: 5}", trace_gen_param_desc, 1, &e);
	assert_non_null(ts);
	uint64_t a[8];
	struct trace_rec r;
	assert_int_equal(addrs(ts, a, 8, &r), 3);
	assert_int_equal(a[0], 0x1000);
	assert_int_equal(a[1], 0x1040);
	assert_int_equal(r.op, TRACE_OP_WRITE);
	assert_true(r.flags & TRACE_F_PASID);
	assert_int_equal(r.pasid, 5);
	assert_string_equal(ts->sources[r.src].name, "dev7");   /* source: the component */
	trace_close(ts);
}

/* Seed 0: from the run seed and the name, the same under either table. */
static void test_seed_from_run_and_subset(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	uint64_t a[3], b[3], c[3];
	struct trace_rec r;
	struct trace_stream *ts = open_text("{gen: random, size: 8, count: 3}", sub_desc, 9, &e);
	assert_non_null(ts);
	assert_int_equal(addrs(ts, a, 3, &r), 3);       /* count default of the subset: 3 */
	assert_int_equal(r.len, 8);
	trace_close(ts);
	ts = open_text("{gen: random, size: 8, count: 3}", trace_gen_param_desc, 9, &e);
	assert_int_equal(addrs(ts, b, 3, &r), 3);
	trace_close(ts);
	assert_memory_equal(a, b, sizeof(a));
	ts = open_text("{gen: random, size: 8, count: 3}", sub_desc, 10, &e);
	assert_int_equal(addrs(ts, c, 3, &r), 3);
	trace_close(ts);
	assert_memory_not_equal(a, c, sizeof(a));       /* another run seed, other addresses */
}

static void test_errors_located(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	assert_null(open_text("{gen: seq, align: 64}", sub_desc, 1, &e));      /* not in the subset */
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "align"));
	memset(&e, 0, sizeof(e));
	assert_null(open_text("\n{gen: seq, size: 64, window: 32}", trace_gen_param_desc, 1, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, ":2:"));          /* at the map, line 2 */
	memset(&e, 0, sizeof(e));
	assert_null(open_text("{gen: seq, pasid: 0x100000}", trace_gen_param_desc, 1, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_keys),
		cmocka_unit_test(test_seed_from_run_and_subset),
		cmocka_unit_test(test_errors_located),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
