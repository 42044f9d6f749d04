/* test_err.c - located error messages: formats, first error wins, status kept */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void test_formats(void **state)
{
	(void)state;
	struct iov_err e;

	iov_err_clear(&e);
	assert_int_equal(iov_err_at(&e, IOV_BAD_INPUT, "scen.yaml", 12, 5, "unknown key '%s'",
				    "latncy"), -1);
	assert_string_equal(e.msg, "scen.yaml:12:5: error: unknown key 'latncy'");
	assert_int_equal(e.status, IOV_BAD_INPUT);

	iov_err_clear(&e);
	iov_err_at(&e, IOV_BAD_INPUT, "t.trace", 7, 0, "bad record %d", 3);
	assert_string_equal(e.msg, "t.trace:7: error: bad record 3");

	iov_err_clear(&e);
	iov_err_at(&e, IOV_BAD_INPUT, "t.trace", 7, -1, "x");
	assert_string_equal(e.msg, "t.trace:7: error: x");

	iov_err_clear(&e);
	iov_err_at(&e, IOV_BAD_INPUT, "t.trace", 0, 9, "truncated");
	assert_string_equal(e.msg, "t.trace: error: truncated");

	iov_err_clear(&e);
	iov_err_at(&e, IOV_INTERNAL, NULL, 3, 4, "no file");
	assert_string_equal(e.msg, "error: no file");
	assert_int_equal(e.status, IOV_INTERNAL);

	iov_err_clear(&e);
	assert_int_equal(iov_err_set(&e, IOV_BAD_INPUT, "usage: %s", "iovsim run FILE"), -1);
	assert_string_equal(e.msg, "error: usage: iovsim run FILE");
	assert_int_equal(e.status, IOV_BAD_INPUT);
}

static void test_first_error_wins(void **state)
{
	(void)state;
	struct iov_err e;

	iov_err_clear(&e);
	assert_int_equal(e.status, IOV_OK);
	assert_string_equal(e.msg, "");
	iov_err_at(&e, IOV_BAD_INPUT, "a.yaml", 1, 2, "root cause");
	assert_int_equal(iov_err_set(&e, IOV_INTERNAL, "later"), -1);
	assert_int_equal(iov_err_at(&e, IOV_EXPECT_FAILED, "b.yaml", 3, 4, "later too"), -1);
	assert_string_equal(e.msg, "a.yaml:1:2: error: root cause");
	assert_int_equal(e.status, IOV_BAD_INPUT);

	iov_err_clear(&e);                      /* clearing re-arms it */
	iov_err_set(&e, IOV_EXPECT_FAILED, "second");
	assert_string_equal(e.msg, "error: second");
	assert_int_equal(e.status, IOV_EXPECT_FAILED);
}

static void test_status_and_edges(void **state)
{
	(void)state;
	struct iov_err e;
	char big[2000];

	iov_err_clear(&e);
	iov_err_set(&e, 0, "status 0 is not an error status");
	assert_int_equal(e.status, IOV_INTERNAL);       /* an error is never left at 0 */

	assert_int_equal(iov_err_set(NULL, IOV_BAD_INPUT, "ignored"), -1);
	assert_int_equal(iov_err_at(NULL, IOV_BAD_INPUT, "f", 1, 1, "ignored"), -1);

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	iov_err_clear(&e);
	iov_err_at(&e, IOV_BAD_INPUT, "f.yaml", 1, 1, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_memory_equal(e.msg, "f.yaml:1:1: error: zzz", 22);
	assert_int_equal(e.status, IOV_BAD_INPUT);

}

/* A location longer than msg is cut, and nothing is written past the struct. */
static void test_long_location(void **state)
{
	(void)state;
	static struct {
		struct iov_err e;
		char guard[4096];
	} g;
	static char big[2000];
	static const char zero[sizeof(g.guard)];

	memset(big, 'z', sizeof(big) - 1);
	iov_err_clear(&g.e);
	iov_err_at(&g.e, IOV_BAD_INPUT, big, 1, 1, "tail");
	assert_int_equal(strlen(g.e.msg), sizeof(g.e.msg) - 1);
	assert_int_equal(g.e.msg[0], 'z');
	assert_int_equal(g.e.status, IOV_BAD_INPUT);
	assert_memory_equal(g.guard, zero, sizeof(zero));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_status_and_edges),
		cmocka_unit_test(test_long_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
