/* test_units.c - unit parsers and formatters: good values, boundaries, every class of bad input */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "units.h"

/* NULL input is a tested case: keep it printable in failure messages. */
#define S(s) ((s) ? (s) : "(null)")

#define SENTINEL_U64 0x5a5a5a5a5a5a5a5aull
#define SENTINEL_DBL -12345.0

/* ---- helpers: parse, check the result, and that failures leave *out alone ---- */

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL_U64;
	const char *why = "untouched";
	if (units_parse_size(s, &v, &why) != 0)
		fail_msg("size '%s' rejected: %s", S(s), why);
	assert_int_equal(v, want);
	assert_string_equal(why, "untouched");
}

/* Fails with exactly msg (or, if msg is NULL, with any message). */
static void size_bad(const char *s, const char *msg)
{
	uint64_t v = SENTINEL_U64;
	const char *why = NULL;
	if (units_parse_size(s, &v, &why) != -1)
		fail_msg("size '%s' accepted as %llu", S(s), (unsigned long long)v);
	assert_non_null(why);
	if (msg)
		assert_string_equal(why, msg);
	assert_int_equal(v, SENTINEL_U64);
}

static void time_ok(const char *s, sim_time_t want)
{
	sim_time_t v = SENTINEL_U64;
	const char *why = NULL;
	if (units_parse_time(s, &v, &why) != 0)
		fail_msg("time '%s' rejected: %s", S(s), why);
	assert_int_equal(v, want);
}

static void time_bad(const char *s, const char *msg)
{
	sim_time_t v = SENTINEL_U64;
	const char *why = NULL;
	if (units_parse_time(s, &v, &why) != -1)
		fail_msg("time '%s' accepted as %llu", S(s), (unsigned long long)v);
	assert_non_null(why);
	if (msg)
		assert_string_equal(why, msg);
	assert_int_equal(v, SENTINEL_U64);
}

static void u64_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL_U64;
	const char *why = NULL;
	if (units_parse_u64(s, &v, &why) != 0)
		fail_msg("count '%s' rejected: %s", S(s), why);
	assert_int_equal(v, want);
}

static void u64_bad(const char *s, const char *msg)
{
	uint64_t v = SENTINEL_U64;
	const char *why = NULL;
	if (units_parse_u64(s, &v, &why) != -1)
		fail_msg("count '%s' accepted as %llu", S(s), (unsigned long long)v);
	assert_non_null(why);
	if (msg)
		assert_string_equal(why, msg);
	assert_int_equal(v, SENTINEL_U64);
}

typedef int (*dbl_parser)(const char *, double *, const char **);

static void dbl_ok(dbl_parser f, const char *s, double want)
{
	double v = SENTINEL_DBL;
	const char *why = NULL;
	if (f(s, &v, &why) != 0)
		fail_msg("'%s' rejected: %s", S(s), why);
	/* Values here are exactly representable products: demand the exact double. */
	if (v != want)
		fail_msg("'%s' -> %.17g, want %.17g", S(s), v, want);
}

static void dbl_bad(dbl_parser f, const char *s, const char *msg)
{
	double v = SENTINEL_DBL;
	const char *why = NULL;
	if (f(s, &v, &why) != -1)
		fail_msg("'%s' accepted as %.17g", S(s), v);
	assert_non_null(why);
	if (msg)
		assert_string_equal(why, msg);
	assert_true(v == SENTINEL_DBL);
}

#define SIZE_ALLOWED "use B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB (powers of 1000)"
#define BW_ALLOWED "B/s, kB/s, MB/s, GB/s, TB/s (powers of 1000), KiB/s, MiB/s, GiB/s, TiB/s, " \
		   "or bits: b/s, Kb/s, Mb/s, Gb/s, Tb/s, bps, Kbps, Mbps, Gbps, Tbps"

/* ---- sizes ---- */

static void test_size_units(void **state)
{
	(void)state;
	size_ok("0", 0);
	size_ok("64", 64);
	size_ok("64B", 64);
	size_ok("4KiB", 4096);
	size_ok("2MiB", 2ull << 20);
	size_ok("1GiB", 1ull << 30);
	size_ok("1TiB", 1ull << 40);
	size_ok("1kB", 1000);
	size_ok("1KB", 1000);
	size_ok("3MB", 3000000);
	size_ok("2GB", 2000000000);
	size_ok("5TB", 5000000000000ull);
	size_ok("007KiB", 7 * 1024);
}

static void test_size_blanks_decimals_hex(void **state)
{
	(void)state;
	size_ok("  4 KiB\t", 4096);
	size_ok("4\tKiB", 4096);
	size_ok("\n64\r\n", 64);
	size_ok("1.5KiB", 1536);
	size_ok("0.5KiB", 512);
	size_ok("1.25MB", 1250000);
	size_ok("0.001kB", 1);
	size_ok("1.000B", 1);
	size_ok("0.0009765625MiB", 1024);      /* 2^-10 MiB, exact */
	size_ok("1.000000000000000000000000KiB", 1024);  /* zeros past 19 digits are exact */
	size_ok("0x1000", 4096);
	size_ok("0X40", 64);
	size_ok("0xfFfF", 0xffff);
	size_ok("0x1B", 0x1b);                  /* hex digits, not "1 byte" */
	size_ok(" 0x10 ", 16);
}

static void test_size_boundaries(void **state)
{
	(void)state;
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("18446744073709551615B", UINT64_MAX);
	size_ok("0xffffffffffffffff", UINT64_MAX);
	size_ok("0x0000000000000000001", 1);    /* leading zeros are not overflow */
	size_ok("16777215TiB", 16777215ull << 40);
	size_ok("18446744073709551.615kB", UINT64_MAX);

	const char *big = "size too large; the maximum is 18446744073709551615 bytes (2^64-1)";
	size_bad("18446744073709551616", big);
	size_bad("99999999999999999999999", big);
	size_bad("0x10000000000000000", big);
	size_bad("16777216TiB", big);
	size_bad("17179869184GiB", big);
	size_bad("18446744073709551.616kB", big);
	size_bad("18446744073709551615.5KiB", big);
}

static void test_size_bad(void **state)
{
	(void)state;
	size_bad("", "empty size; expected bytes with an optional unit, "
		     "e.g. 64, 4KiB, 1.5MiB or 0x1000");
	size_bad("   ", "empty size; expected bytes with an optional unit, "
			"e.g. 64, 4KiB, 1.5MiB or 0x1000");
	size_bad(NULL, NULL);
	size_bad("-4KiB", "a size cannot be negative");
	size_bad("KiB", "a size must start with a number, e.g. 64, 4KiB, 1.5MiB or 0x1000");
	size_bad("+4", "a size must start with a number, e.g. 64, 4KiB, 1.5MiB or 0x1000");
	size_bad(".5KiB", NULL);
	size_bad("nan", NULL);
	size_bad("inf", NULL);
	size_bad("4Kb", "unknown size unit 'Kb'; " SIZE_ALLOWED);
	size_bad("4K", "unknown size unit 'K'; " SIZE_ALLOWED);
	size_bad("4kib", "unknown size unit 'kib'; " SIZE_ALLOWED);
	size_bad("4KiB/s", "unknown size unit 'KiB/s'; " SIZE_ALLOWED);
	size_bad("1e3", "unknown size unit 'e3'; " SIZE_ALLOWED);
	size_bad("4,5KiB", "unknown size unit ',5KiB'; " SIZE_ALLOWED);
	size_bad("1.3B", "size is not a whole number of bytes; use fewer decimals or a smaller "
			 "unit (1.5KiB is fine, 1.3B is not)");
	size_bad("0.5", NULL);
	size_bad("1.0001kB", NULL);
	size_bad("1.00000000000000000000001KiB", NULL);  /* beyond 19 fraction digits */
	size_bad("1.", "a decimal point must be followed by digits, e.g. 1.5");
	size_bad("1.KiB", "a decimal point must be followed by digits, e.g. 1.5");
	size_bad("0x", "'0x' must be followed by hex digits, e.g. 0x1000");
	size_bad("0xg", "'0x' must be followed by hex digits, e.g. 0x1000");
	size_bad("0x10KiB", "a hex size takes no unit; write 0x4000 or 16KiB, not 0x4KiB");
	size_bad("0x10 KiB", "a hex size takes no unit; write 0x4000 or 16KiB, not 0x4KiB");
	size_bad("4 KiB x", "unexpected text 'x' after the size; nothing may follow the unit");
	size_bad("4 Ki B", "unexpected text 'B' after the size; nothing may follow the unit");
	size_bad("0x10 20", "a hex size takes no unit; write 0x4000 or 16KiB, not 0x4KiB");
	size_bad("0x10 B x", "unexpected text 'x' after the size; nothing may follow the unit");
}

/* The quoted text is cut, sanitised and lives in a buffer reused per call. */
static void test_quoted_text(void **state)
{
	(void)state;
	uint64_t v;
	const char *why = NULL;

	assert_int_equal(units_parse_size("1 abcdefghijklmnopqrstuvwxyz0123", &v, &why), -1);
	assert_string_equal(why, "unknown size unit 'abcdefghijklmnopqrstuvwx...'; " SIZE_ALLOWED);
	assert_int_equal(units_parse_size("1 K\x01iB", &v, &why), -1);
	assert_string_equal(why, "unknown size unit 'K?iB'; " SIZE_ALLOWED);
	/* 23 ASCII bytes then a 2-byte character straddling the cut: not split. */
	assert_int_equal(units_parse_size("1 aaaaaaaaaaaaaaaaaaaaaaa\xc2\xb5zz", &v, &why), -1);
	assert_string_equal(why, "unknown size unit 'aaaaaaaaaaaaaaaaaaaaaaa...'; " SIZE_ALLOWED);
	/* why may be NULL. */
	assert_int_equal(units_parse_size("1 Kb", &v, NULL), -1);
	assert_int_equal(units_parse_time("1", &v, NULL), -1);
}

/* ---- times ---- */

static void test_time_units(void **state)
{
	(void)state;
	time_ok("1ps", 1);
	time_ok("1ns", SIM_NS);
	time_ok("1us", SIM_US);
	time_ok("1\xc2\xb5s", SIM_US);          /* micro sign */
	time_ok("1\xce\xbcs", SIM_US);          /* Greek mu */
	time_ok("1ms", SIM_MS);
	time_ok("1s", SIM_S);
	time_ok("0s", 0);
	time_ok(" 100 ns ", 100 * SIM_NS);
	time_ok("2.5ns", 2500);
	time_ok("0.25us", 250000);
	time_ok("1.000000000001s", SIM_S + 1);
}

static void test_time_rounding(void **state)
{
	(void)state;
	time_ok("0.4ps", 0);
	time_ok("0.5ps", 1);                    /* halves round up */
	time_ok("1.5ps", 2);
	time_ok("2.5ps", 3);
	time_ok("0.49999999999999999999ps", 0);
	time_ok("1.0004ns", 1000);
	time_ok("1.0005ns", 1001);
	time_ok("0.0000000000005s", 1);
	time_ok("0.0000000000004999s", 0);
	time_ok("0.00000000000050000000001s", 1);       /* digits beyond 19 kept in effect */
}

static void test_time_boundaries(void **state)
{
	(void)state;
	const char *big = "time too large; the maximum is 18446744073709551615 ps (about 213 days)";
	time_ok("18446744073709551615ps", UINT64_MAX);
	time_ok("18446744.073709551615s", UINT64_MAX);
	time_ok("18446744073709551.6149ns", UINT64_MAX);
	time_bad("18446744073709551616ps", big);
	time_bad("18446744.073709551616s", big);
	time_ok("18446744073709551.615ns", UINT64_MAX);
	time_ok("18446744073709551.6154ns", UINT64_MAX);
	time_bad("18446744073709551.6155ns", big);      /* rounds up past the max */
	time_bad("18446745s", big);
	time_bad("99999999999999999999999ps", big);
}

static void test_time_bad(void **state)
{
	(void)state;
	time_bad("100", "time needs a unit: ps, ns, us, ms or s");
	time_bad(" 2.5 ", "time needs a unit: ps, ns, us, ms or s");
	time_bad("", "empty time; expected a number and a unit (ps, ns, us, ms or s), "
		     "e.g. 100ns or 2.5us");
	time_bad("-1ns", "a time cannot be negative");
	time_bad("ns", "a time must start with a number, e.g. 100ns or 2.5us");
	time_bad("10 NS", "unknown time unit 'NS'; use ps, ns, us, ms or s");
	time_bad("10sec", "unknown time unit 'sec'; use ps, ns, us, ms or s");
	time_bad("1e3ns", "unknown time unit 'e3ns'; use ps, ns, us, ms or s");
	time_bad("0x10ns", "hex numbers are allowed only for sizes and counts; "
			   "write the time in decimal, e.g. 100ns");
	time_bad("1.ns", "a decimal point must be followed by digits, e.g. 1.5");
	time_bad("10 ns 5", "unexpected text '5' after the time; nothing may follow the unit");
	time_bad("nan", NULL);
	time_bad(NULL, NULL);
}

/* ---- rates and frequencies ---- */

static void test_bandwidth(void **state)
{
	(void)state;
	dbl_ok(units_parse_bandwidth, "50GB/s", 5e10);
	dbl_ok(units_parse_bandwidth, "1B/s", 1);
	dbl_ok(units_parse_bandwidth, "2kB/s", 2e3);
	dbl_ok(units_parse_bandwidth, "2KB/s", 2e3);
	dbl_ok(units_parse_bandwidth, "3MB/s", 3e6);
	dbl_ok(units_parse_bandwidth, "1.5TB/s", 1.5e12);
	dbl_ok(units_parse_bandwidth, "1KiB/s", 1024);
	dbl_ok(units_parse_bandwidth, "1MiB/s", 1048576);
	dbl_ok(units_parse_bandwidth, "16GiB/s", 16.0 * 1073741824.0);
	dbl_ok(units_parse_bandwidth, "1TiB/s", 1099511627776.0);
	dbl_ok(units_parse_bandwidth, "8b/s", 1);
	dbl_ok(units_parse_bandwidth, "8Kb/s", 1000);
	dbl_ok(units_parse_bandwidth, "8kb/s", 1000);
	dbl_ok(units_parse_bandwidth, "8Mb/s", 1e6);
	dbl_ok(units_parse_bandwidth, "100Gb/s", 1.25e10);
	dbl_ok(units_parse_bandwidth, "8Tb/s", 1e12);
	dbl_ok(units_parse_bandwidth, "8bps", 1);
	dbl_ok(units_parse_bandwidth, "8Kbps", 1000);
	dbl_ok(units_parse_bandwidth, "8Mbps", 1e6);
	dbl_ok(units_parse_bandwidth, "25 Gbps", 3.125e9);
	dbl_ok(units_parse_bandwidth, " 1e3 MB/s ", 1e9);
	dbl_ok(units_parse_bandwidth, "0B/s", 0);

	dbl_bad(units_parse_bandwidth, "50", "bandwidth needs a unit: " BW_ALLOWED);
	dbl_bad(units_parse_bandwidth, "5gb/s", "unknown bandwidth unit 'gb/s'; use " BW_ALLOWED);
	dbl_bad(units_parse_bandwidth, "5GB", "unknown bandwidth unit 'GB'; use " BW_ALLOWED);
	dbl_bad(units_parse_bandwidth, "-5GB/s", "a bandwidth cannot be negative");
	dbl_bad(units_parse_bandwidth, "1e400GB/s", "bandwidth too large");
	dbl_bad(units_parse_bandwidth, "1e308TB/s", "bandwidth too large");
	dbl_bad(units_parse_bandwidth, "0x10GB/s", NULL);
	dbl_bad(units_parse_bandwidth, "inf GB/s", NULL);
	dbl_bad(units_parse_bandwidth, "", NULL);
}

static void test_transfer_rate(void **state)
{
	(void)state;
	dbl_ok(units_parse_transfer_rate, "8GT/s", 8e9);
	dbl_ok(units_parse_transfer_rate, "2.5 GT/s", 2.5e9);
	dbl_ok(units_parse_transfer_rate, "800MT/s", 8e8);
	dbl_ok(units_parse_transfer_rate, "5kT/s", 5e3);
	dbl_ok(units_parse_transfer_rate, "7T/s", 7);
	dbl_bad(units_parse_transfer_rate, "8",
		"transfer rate needs a unit: T/s, kT/s, MT/s or GT/s");
	dbl_bad(units_parse_transfer_rate, "8gt/s",
		"unknown transfer rate unit 'gt/s'; use T/s, kT/s, MT/s or GT/s");
	dbl_bad(units_parse_transfer_rate, "8GT", NULL);
	dbl_bad(units_parse_transfer_rate, "-8GT/s", "a transfer rate cannot be negative");
}

static void test_freq(void **state)
{
	(void)state;
	dbl_ok(units_parse_freq, "1GHz", 1e9);
	dbl_ok(units_parse_freq, "250MHz", 2.5e8);
	dbl_ok(units_parse_freq, "250 mhz", 2.5e8);
	dbl_ok(units_parse_freq, "1.5ghz", 1.5e9);
	dbl_ok(units_parse_freq, "100kHz", 1e5);
	dbl_ok(units_parse_freq, "100KHZ", 1e5);
	dbl_ok(units_parse_freq, "50Hz", 50);
	dbl_ok(units_parse_freq, "50hz", 50);
	dbl_ok(units_parse_freq, "1e9Hz", 1e9);
	dbl_bad(units_parse_freq, "1000", "frequency needs a unit: Hz, kHz, MHz or GHz");
	dbl_bad(units_parse_freq, "1THz", "unknown frequency unit 'THz'; use Hz, kHz, MHz or GHz");
	dbl_bad(units_parse_freq, "1 H", "unknown frequency unit 'H'; use Hz, kHz, MHz or GHz");
	dbl_bad(units_parse_freq, "GHz", "a frequency must start with a number, e.g. 1GHz or 250MHz");
	dbl_bad(units_parse_freq, "-1GHz", "a frequency cannot be negative");
	dbl_bad(units_parse_freq, "0x10Hz", "hex numbers are allowed only for sizes and counts; "
					    "write the frequency in decimal, e.g. 250MHz");
	dbl_bad(units_parse_freq, "1.GHz", "a decimal point must be followed by digits, e.g. 1.5");
}

/* ---- unitless ---- */

static void test_u64(void **state)
{
	(void)state;
	u64_ok("0", 0);
	u64_ok("42", 42);
	u64_ok(" 42 ", 42);
	u64_ok("0x2a", 42);
	u64_ok("2k", 2000);
	u64_ok("2K", 2000);
	u64_ok("1.5k", 1500);
	u64_ok("3 M", 3000000);
	u64_ok("4G", 4000000000ull);
	u64_ok("0.000000001G", 1);
	u64_ok("18446744073709551615", UINT64_MAX);
	u64_ok("18446744073.709551615G", UINT64_MAX);
	u64_bad("18446744073709551616", "count too large; the maximum is 18446744073709551615 (2^64-1)");
	u64_bad("18446744074G", "count too large; the maximum is 18446744073709551615 (2^64-1)");
	u64_bad("1.5", "count is not a whole number; decimals are allowed only with a suffix "
		       "that makes them whole (1.5k is fine, 1.5 is not)");
	u64_bad("1.0001k", NULL);
	u64_bad("2m", "unknown count suffix 'm'; use k (1e3), M (1e6), G (1e9) or none");
	u64_bad("2KiB", "unknown count suffix 'KiB'; use k (1e3), M (1e6), G (1e9) or none");
	u64_bad("0x1k", "a hex count takes no suffix; write 0x3e8 or 1k, not 0x1k");
	u64_bad("-1", "a count cannot be negative");
	u64_bad("", "empty count; expected a whole number, e.g. 64, 0x40 or 2k");
	u64_bad("x", "a count must start with a number, e.g. 64, 0x40 or 2k");
	u64_bad("1e3", NULL);
	u64_bad("12 34", "unknown count suffix '34'; use k (1e3), M (1e6), G (1e9) or none");
	u64_bad("12 k 4", "unexpected text '4' after the count; nothing may follow the unit");
}

static void test_double(void **state)
{
	(void)state;
	const char *nan_msg = "not a number; expected a finite decimal number, e.g. 0.5, -12 or "
			      "1e-3 (no inf or nan)";
	dbl_ok(units_parse_double, "0.5", 0.5);
	dbl_ok(units_parse_double, "-12", -12);
	dbl_ok(units_parse_double, "+12", 12);
	dbl_ok(units_parse_double, " 1e-3 ", 1e-3);
	dbl_ok(units_parse_double, "2.5E+2", 250);
	dbl_ok(units_parse_double, "0", 0);
	dbl_ok(units_parse_double, "1e-400", 0);        /* underflow to 0 is fine */
	dbl_bad(units_parse_double, "nan", nan_msg);
	dbl_bad(units_parse_double, "inf", nan_msg);
	dbl_bad(units_parse_double, "-inf", nan_msg);
	dbl_bad(units_parse_double, "-", nan_msg);
	dbl_bad(units_parse_double, ".5", nan_msg);
	dbl_bad(units_parse_double, "1e400", "number out of range for a double");
	dbl_bad(units_parse_double, "-1e400", "number out of range for a double");
	dbl_bad(units_parse_double, "0x1p3", "hex numbers are allowed only for sizes and counts; "
					     "write the number in decimal, e.g. 4096");
	dbl_bad(units_parse_double, "1.", "a decimal point must be followed by digits, e.g. 1.5");
	dbl_bad(units_parse_double, "3 x",
		"unexpected text 'x' after the number; a plain number takes no unit");
	dbl_bad(units_parse_double, "1e", "unexpected text 'e' after the number; "
					  "a plain number takes no unit");
	dbl_bad(units_parse_double, "1,5", NULL);
	dbl_bad(units_parse_double, "",
		"empty number; expected a finite decimal number, e.g. 0.5, -12 or 1e-3");
}

static void test_bool(void **state)
{
	(void)state;
	static const struct { const char *s; int v; } good[] = {
		{ "true", 1 }, { "TRUE", 1 }, { "True", 1 }, { "yes", 1 }, { "on", 1 }, { "1", 1 },
		{ " On ", 1 }, { "false", 0 }, { "No", 0 }, { "OFF", 0 }, { "0", 0 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int v = -7;
		const char *why = NULL;
		assert_int_equal(units_parse_bool(good[i].s, &v, &why), 0);
		assert_int_equal(v, good[i].v);
	}
	static const char *const bad[] = { "2", "y", "t", "truee", "o n", "enable" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int v = -7;
		const char *why = NULL;
		assert_int_equal(units_parse_bool(bad[i], &v, &why), -1);
		assert_string_equal(why, "not a boolean; use true/false, yes/no, on/off or 1/0");
		assert_int_equal(v, -7);
	}
	int v = -7;
	const char *why = NULL;
	assert_int_equal(units_parse_bool("  ", &v, &why), -1);
	assert_string_equal(why, "empty boolean; use true/false, yes/no, on/off or 1/0");
	assert_int_equal(units_parse_bool(NULL, &v, &why), -1);
	assert_int_equal(v, -7);
}

/* ---- clocks ---- */

static void test_clock(void **state)
{
	(void)state;
	struct sim_clock c = { 77, 77 };
	const char *why = NULL;

	assert_int_equal(units_clock_from_hz(1e9, &c, &why), 0);
	assert_int_equal(c.period, 1000);
	assert_int_equal(c.phase, 0);
	assert_int_equal(units_clock_from_hz(3e9, &c, &why), 0);
	assert_int_equal(c.period, 333);                /* 333.33 rounds down */
	assert_int_equal(units_clock_from_hz(1.5e9, &c, &why), 0);
	assert_int_equal(c.period, 667);                /* 666.67 rounds up */
	assert_int_equal(units_clock_from_hz(8e8, &c, &why), 0);
	assert_int_equal(c.period, 1250);
	assert_int_equal(units_clock_from_hz(1e12, &c, &why), 0);
	assert_int_equal(c.period, 1);
	assert_int_equal(units_clock_from_hz(1, &c, &why), 0);
	assert_int_equal(c.period, SIM_S);

	c.period = 77;
	assert_int_equal(units_clock_from_hz(1.000001e12, &c, &why), -1);
	assert_string_equal(why, "clock frequency above 1 THz; the time resolution is 1 ps");
	assert_int_equal(units_clock_from_hz(0, &c, &why), -1);
	assert_string_equal(why, "clock frequency must be a finite number > 0 Hz");
	assert_int_equal(units_clock_from_hz(-1e9, &c, &why), -1);
	assert_int_equal(units_clock_from_hz(NAN, &c, &why), -1);
	assert_int_equal(units_clock_from_hz(INFINITY, &c, &why), -1);
	assert_int_equal(units_clock_from_hz(1e-9, &c, &why), -1);
	assert_string_equal(why, "clock frequency too low; the period does not fit in 64 bits of ps");
	assert_int_equal(c.period, 77);
}

/* ---- formatting ---- */

static void fmt_time_is(sim_time_t ps, const char *want)
{
	char buf[32];
	assert_ptr_equal(units_fmt_time(ps, buf, sizeof(buf)), buf);
	assert_string_equal(buf, want);
}

static void fmt_size_is(uint64_t bytes, const char *want)
{
	char buf[32];
	assert_ptr_equal(units_fmt_size(bytes, buf, sizeof(buf)), buf);
	assert_string_equal(buf, want);
}

static void test_fmt_time(void **state)
{
	(void)state;
	fmt_time_is(0, "0 ps");
	fmt_time_is(999, "999 ps");
	fmt_time_is(1000, "1.00 ns");
	fmt_time_is(9994, "9.99 ns");
	fmt_time_is(9996, "10.0 ns");                   /* not "10.00 ns" */
	fmt_time_is(12345, "12.3 ns");
	fmt_time_is(612300, "612.3 ns");
	fmt_time_is(999949, "999.9 ns");
	fmt_time_is(999950, "1.00 us");                 /* not "1000.0 ns" */
	fmt_time_is(1500000, "1.50 us");
	fmt_time_is(2 * SIM_MS, "2.00 ms");
	fmt_time_is(SIM_S, "1.00 s");
	fmt_time_is(3600 * SIM_S, "3600.0 s");
	fmt_time_is(UINT64_MAX, "18446744.1 s");
}

static void test_fmt_size(void **state)
{
	(void)state;
	fmt_size_is(0, "0 B");
	fmt_size_is(64, "64 B");
	fmt_size_is(1000, "1000 B");
	fmt_size_is(1023, "1023 B");
	fmt_size_is(1024, "1 KiB");
	fmt_size_is(4096, "4 KiB");
	fmt_size_is(1536, "1.5 KiB");
	fmt_size_is(1536 * 1024, "1.5 MiB");
	fmt_size_is(1280 * 1024, "1.25 MiB");
	fmt_size_is(10 * 1024 + 512, "10.5 KiB");
	fmt_size_is(1000 * 1024 + 700, "1001 KiB");
	fmt_size_is((1ull << 20) - 1, "1 MiB");         /* 1023.999 KiB rounds up a unit */
	fmt_size_is(3ull << 30, "3 GiB");
	fmt_size_is(1ull << 40, "1 TiB");
	fmt_size_is(1ull << 50, "1 PiB");
	fmt_size_is(1ull << 60, "1 EiB");
	fmt_size_is(UINT64_MAX, "16 EiB");
}

static void test_fmt_truncation(void **state)
{
	(void)state;
	char buf[6] = "xxxxx";

	assert_string_equal(units_fmt_time(612300, buf, sizeof(buf)), "612.3");
	assert_string_equal(units_fmt_size(1536 * 1024, buf, 4), "1.5");
	memcpy(buf, "xxxxx", 6);
	assert_ptr_equal(units_fmt_size(64, buf, 0), buf);
	assert_ptr_equal(units_fmt_time(64, buf, 0), buf);
	assert_string_equal(buf, "xxxxx");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_blanks_decimals_hex),
		cmocka_unit_test(test_size_boundaries),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_quoted_text),
		cmocka_unit_test(test_time_units),
		cmocka_unit_test(test_time_rounding),
		cmocka_unit_test(test_time_boundaries),
		cmocka_unit_test(test_time_bad),
		cmocka_unit_test(test_bandwidth),
		cmocka_unit_test(test_transfer_rate),
		cmocka_unit_test(test_freq),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_fmt_time),
		cmocka_unit_test(test_fmt_size),
		cmocka_unit_test(test_fmt_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
