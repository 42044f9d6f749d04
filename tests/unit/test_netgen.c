/* test_netgen.c - the shared traffic-generator entry (models/net/netgen.h): defaults, rate to interval, errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/net/netgen.h"
#include "test_yaml.h"

static int load(const char *text, struct netgen_spec *g, struct iov_err *e)
{
	struct cfg_doc *d = yaml_doc(text);
	int r = netgen_load(cfg_doc_root(d), "gen", g, e);
	cfg_doc_free(d);
	return r;
}

static void test_defaults_and_rate(void **state)
{
	(void)state;
	struct netgen_spec g;
	struct iov_err e = { 0 };
	assert_int_equal(load("{fn: v}", &g, &e), 0);
	assert_int_equal(g.kind, NETGEN_STREAM);
	assert_true(g.tx);
	assert_int_equal(g.size, 1500);
	assert_int_equal(g.resp_size, 1500);            /* 0: as size */
	assert_int_equal(g.count, 1000);
	assert_int_equal(g.interval, 0);                /* as fast as possible */
	assert_int_equal(g.sessions, 1);
	assert_int_equal(g.think_cycles, 2000);
	assert_int_equal(g.peer_latency, 5 * SIM_US);
	assert_int_equal(g.flows, 0);                   /* the device's default */
	assert_int_equal(strcmp(g.dst, "wire"), 0);
	assert_int_equal(load("{fn: v, type: rr, size: 64, resp_size: 1000}", &g, &e), 0);
	assert_int_equal(g.kind, NETGEN_RR);
	assert_false(g.tx);
	assert_int_equal(g.resp_size, 1000);
	/* 1250 B at 10 Gb/s: one packet per microsecond, from start */
	assert_int_equal(load("{fn: v, dir: rx, size: 1250, rate: 10Gb/s, start: 3us}", &g, &e), 0);
	assert_false(g.tx);
	assert_int_equal(g.interval, SIM_US);
	assert_int_equal(netgen_stream_time(&g, 0), 3 * SIM_US);
	assert_int_equal(netgen_stream_time(&g, 5), 8 * SIM_US);
}

static void test_errors(void **state)
{
	(void)state;
	struct netgen_spec g;
	struct iov_err e = { 0 };
	assert_int_equal(load("{type: stream}", &g, &e), -1);          /* fn is required */
	assert_int_equal(e.status, IOV_BAD_INPUT);
	memset(&e, 0, sizeof(e));
	assert_int_equal(load("{fn: v, size: 1, rate: 10TB/s}", &g, &e), -1);
	assert_non_null(strstr(e.msg, "rate too high for 1-byte packets"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(load("{fn: v, sizes: 64}", &g, &e), -1);       /* unknown key */
	assert_non_null(strstr(e.msg, "sizes"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(load("{fn: v, type: ping}", &g, &e), -1);
	assert_non_null(strstr(e.msg, ":1:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_rate),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
