/* units.c - the kinds of value with units (sizes, times, rates, frequencies), their unit tables
 * and parsers; the lexer under them is units_scan.c, formatting units_fmt.c */
#include "units.h"
#include "units_impl.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Grammar shared by every parser (after surrounding blanks are trimmed):
 *
 *   value  := number [blanks] [unit]
 *   number := digits ["." digits]            exact decimal (sizes, times, counts)
 *           | digits ["." digits] [exp]      doubles (rates, frequencies, plain numbers)
 *           | "0x" hexdigits                 sizes and counts only, and then with NO unit:
 *                                            "0x1B" would be ambiguous (27 bytes or 1 byte?),
 *                                            so "0x10KiB" is rejected; write 0x4000 or 16KiB.
 *
 * A number starts with a digit (".5" and "+5" are rejected, so are inf and nan).
 * Sizes, times and counts are computed exactly from the decimal digits (no
 * floating point), so "1.5KiB" is exactly 1536 and "2.5ns" exactly 2500 ps.
 * Parsing never depends on the locale: the decimal point is always '.', and
 * strtod() is only handed text already checked against the grammar above (the
 * program never calls setlocale, so strtod runs in the "C" locale).
 *
 * Most failure phrases are string literals. Those that quote the offending
 * text (an unknown unit, trailing garbage) are built in a thread-local buffer
 * that stays valid until the next failing units_ call in the same thread.
 */


#define SIZE_UNITS   "B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB (powers of 1000)"
#define TIME_UNITS   "ps, ns, us, ms or s"
#define BW_UNITS     "B/s, kB/s, MB/s, GB/s, TB/s (powers of 1000), KiB/s, MiB/s, GiB/s, TiB/s, " \
		     "or bits: b/s, Kb/s, Mb/s, Gb/s, Tb/s, bps, Kbps, Mbps, Gbps, Tbps"
#define XFER_UNITS   "T/s, kT/s, MT/s or GT/s"
#define FREQ_UNITS   "Hz, kHz, MHz or GHz"
#define COUNT_SUFFIX "k (1e3), M (1e6), G (1e9) or none"


static const struct units_class units_size = {
	.what = "size",
	.empty = "empty size; expected bytes with an optional unit, e.g. 64, 4KiB, 1.5MiB or 0x1000",
	.number = "a size must start with a number, e.g. 64, 4KiB, 1.5MiB or 0x1000",
	.negative = "a size cannot be negative",
	.unknown = "unknown size unit",
	.allowed = "; use " SIZE_UNITS,
	.range = "size too large; the maximum is 18446744073709551615 bytes (2^64-1)",
	.fraction = "size is not a whole number of bytes; use fewer decimals or a smaller unit "
		    "(1.5KiB is fine, 1.3B is not)",
};

static const struct units_class units_time = {
	.what = "time",
	.nohex = "hex numbers are allowed only for sizes and counts; "
		 "write the time in decimal, e.g. 100ns",
	.empty = "empty time; expected a number and a unit (" TIME_UNITS "), e.g. 100ns or 2.5us",
	.number = "a time must start with a number, e.g. 100ns or 2.5us",
	.negative = "a time cannot be negative",
	.nounit = "time needs a unit: " TIME_UNITS,
	.unknown = "unknown time unit",
	.allowed = "; use " TIME_UNITS,
	.range = "time too large; the maximum is 18446744073709551615 ps (about 213 days)",
};

static const struct units_class units_bw = {
	.what = "bandwidth",
	.nohex = "hex numbers are allowed only for sizes and counts; "
		 "write the bandwidth in decimal, e.g. 16GB/s",
	.empty = "empty bandwidth; expected a number and a unit, e.g. 16GB/s or 100Gb/s",
	.number = "a bandwidth must start with a number, e.g. 16GB/s or 100Gb/s",
	.negative = "a bandwidth cannot be negative",
	.nounit = "bandwidth needs a unit: " BW_UNITS,
	.unknown = "unknown bandwidth unit",
	.allowed = "; use " BW_UNITS,
	.range = "bandwidth too large",
};

static const struct units_class units_xfer = {
	.what = "transfer rate",
	.nohex = "hex numbers are allowed only for sizes and counts; "
		 "write the transfer rate in decimal, e.g. 8GT/s",
	.empty = "empty transfer rate; expected a number and a unit, e.g. 8GT/s",
	.number = "a transfer rate must start with a number, e.g. 8GT/s or 2.5GT/s",
	.negative = "a transfer rate cannot be negative",
	.nounit = "transfer rate needs a unit: " XFER_UNITS,
	.unknown = "unknown transfer rate unit",
	.allowed = "; use " XFER_UNITS,
	.range = "transfer rate too large",
};

static const struct units_class units_freq = {
	.what = "frequency",
	.nohex = "hex numbers are allowed only for sizes and counts; "
		 "write the frequency in decimal, e.g. 250MHz",
	.empty = "empty frequency; expected a number and a unit, e.g. 1GHz or 250MHz",
	.number = "a frequency must start with a number, e.g. 1GHz or 250MHz",
	.negative = "a frequency cannot be negative",
	.nounit = "frequency needs a unit: " FREQ_UNITS,
	.unknown = "unknown frequency unit",
	.allowed = "; use " FREQ_UNITS,
	.range = "frequency too large",
};

static const struct units_class units_count = {
	.what = "count",
	.empty = "empty count; expected a whole number, e.g. 64, 0x40 or 2k",
	.number = "a count must start with a number, e.g. 64, 0x40 or 2k",
	.negative = "a count cannot be negative",
	.unknown = "unknown count suffix",
	.allowed = "; use " COUNT_SUFFIX,
	.range = "count too large; the maximum is 18446744073709551615 (2^64-1)",
	.fraction = "count is not a whole number; decimals are allowed only with a suffix "
		    "that makes them whole (1.5k is fine, 1.5 is not)",
};

static const struct units_class units_plain = {
	.what = "number",
	.nohex = "hex numbers are allowed only for sizes and counts; "
		 "write the number in decimal, e.g. 4096",
	.empty = "empty number; expected a finite decimal number, e.g. 0.5, -12 or 1e-3",
	.number = "not a number; expected a finite decimal number, e.g. 0.5, -12 or 1e-3 "
		  "(no inf or nan)",
	.range = "number out of range for a double",
};

/* ---- the common front and back of every parser ---- */

/*
 * Trim blanks and check the start: not empty, not negative, hex only where
 * allowed, then a digit. On success [*p, *end) is the trimmed text.
 */
static int units_front(const char *s, const struct units_class *c, const char **p,
		       const char **end, const char **why)
{
	const char *b, *e;

	units_trim(s, &b, &e);
	*p = b;
	*end = e;
	if (b == e) {
		units_set(why, c->empty);
		return -1;
	}
	if (*b == '-' && c->negative) {
		units_set(why, c->negative);
		return -1;
	}
	if (units_is_hex_prefix(b, e) && c->nohex) {
		units_set(why, c->nohex);
		return -1;
	}
	if (!units_digit(*b)) {
		units_set(why, c->number);
		return -1;
	}
	return 0;
}

/*
 * After the number: optional blanks, then the unit (a run of non-blanks,
 * possibly empty), then nothing else. Returns the unit in [*u, *ue).
 */
static int units_tail(const char *p, const char *end, const struct units_class *c,
		      const char **u, const char **ue, const char **why)
{
	char post[64];

	p = units_skip_blanks(p, end);
	*u = p;
	while (p < end && !units_blank(*p))
		p++;
	*ue = p;
	p = units_skip_blanks(p, end);
	if (p < end) {
		snprintf(post, sizeof(post), " after the %s; nothing may follow the unit", c->what);
		return units_fail_quoted(why, "unexpected text", p, end, post);
	}
	if (*u == *ue && c->nounit) {
		units_set(why, c->nounit);
		return -1;
	}
	return 0;
}

static int units_unknown(const char *u, const char *ue, const struct units_class *c,
			 const char **why)
{
	return units_fail_quoted(why, c->unknown, u, ue, c->allowed);
}

/* Map an exact-scaling status to the class's phrase. */
static int units_exact_status(int st, const struct units_class *c, const char **why)
{
	if (st == UNITS_OK)
		return 0;
	units_set(why, st == UNITS_OVERFLOW ? c->range : c->fraction);
	return -1;
}

/* A hex number with no unit (sizes and counts). */
static int units_hex_whole(const char *p, const char *end, const struct units_class *c,
			   const char *nounit_msg, uint64_t *out, const char **why)
{
	const char *u, *ue;
	uint64_t v;
	bool ovf;

	if (units_scan_hex(&p, end, &v, &ovf, why) || units_tail(p, end, c, &u, &ue, why))
		return -1;
	if (u != ue) {
		units_set(why, nounit_msg);
		return -1;
	}
	if (ovf) {
		units_set(why, c->range);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- unit tables ---- */

struct units_u64_unit {
	const char *name;
	uint64_t mult;
};

struct units_dbl_unit {
	const char *name;
	double mult;
};

static const struct units_u64_unit units_size_tab[] = {
	{ "B", 1 },
	{ "KiB", 1ull << 10 }, { "MiB", 1ull << 20 }, { "GiB", 1ull << 30 }, { "TiB", 1ull << 40 },
	{ "kB", 1000ull }, { "KB", 1000ull }, { "MB", 1000000ull }, { "GB", 1000000000ull },
	{ "TB", 1000000000000ull },
};

/* Times: the power of ten from the unit to ps. */
struct units_time_unit {
	const char *name;
	unsigned exp10;
};

static const struct units_time_unit units_time_tab[] = {
	{ "ps", 0 }, { "ns", 3 }, { "us", 6 },
	{ "\xc2\xb5s", 6 },     /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 6 },     /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 9 }, { "s", 12 },
};

static const struct units_dbl_unit units_bw_tab[] = {
	{ "B/s", 1.0 }, { "kB/s", 1e3 }, { "KB/s", 1e3 }, { "MB/s", 1e6 }, { "GB/s", 1e9 },
	{ "TB/s", 1e12 },
	{ "KiB/s", 1024.0 }, { "MiB/s", 1048576.0 }, { "GiB/s", 1073741824.0 },
	{ "TiB/s", 1099511627776.0 },
	{ "b/s", 1.0 / 8 }, { "kb/s", 1e3 / 8 }, { "Kb/s", 1e3 / 8 }, { "Mb/s", 1e6 / 8 },
	{ "Gb/s", 1e9 / 8 }, { "Tb/s", 1e12 / 8 },
	{ "bps", 1.0 / 8 }, { "kbps", 1e3 / 8 }, { "Kbps", 1e3 / 8 }, { "Mbps", 1e6 / 8 },
	{ "Gbps", 1e9 / 8 }, { "Tbps", 1e12 / 8 },
};

static const struct units_dbl_unit units_xfer_tab[] = {
	{ "T/s", 1.0 }, { "kT/s", 1e3 }, { "KT/s", 1e3 }, { "MT/s", 1e6 }, { "GT/s", 1e9 },
};

/*
 * Frequencies match in any case (hz, KHZ, mhz, Ghz): "m" means mega here,
 * since a millihertz clock is never meant.
 */
static const struct units_dbl_unit units_freq_tab[] = {
	{ "Hz", 1.0 }, { "kHz", 1e3 }, { "MHz", 1e6 }, { "GHz", 1e9 },
};

static const struct units_u64_unit units_count_tab[] = {
	{ "", 1 }, { "k", 1000ull }, { "K", 1000ull }, { "M", 1000000ull }, { "G", 1000000000ull },
};

#define UNITS_N(tab) (sizeof(tab) / sizeof((tab)[0]))

static const struct units_u64_unit *units_find_u64(const struct units_u64_unit *tab, size_t n,
						   const char *u, const char *ue)
{
	for (size_t i = 0; i < n; i++)
		if (units_tok_is(u, ue, tab[i].name))
			return &tab[i];
	return NULL;
}

static const struct units_dbl_unit *units_find_dbl(const struct units_dbl_unit *tab, size_t n,
						   const char *u, const char *ue)
{
	for (size_t i = 0; i < n; i++)
		if (units_tok_is(u, ue, tab[i].name))
			return &tab[i];
	return NULL;
}

/* ---- public parsers ---- */

/* Exact decimal with a u64 multiplier from tab (sizes and counts). */
static int units_parse_exact(const char *s, const struct units_class *c,
			     const struct units_u64_unit *tab, size_t n, const char *hexmsg,
			     uint64_t *out, const char **why)
{
	const char *p, *end, *u, *ue;
	const struct units_u64_unit *unit;
	struct units_dec d;
	uint64_t v;

	if (units_front(s, c, &p, &end, why))
		return -1;
	if (units_is_hex_prefix(p, end))
		return units_hex_whole(p, end, c, hexmsg, out, why);
	if (units_scan_dec(&p, end, &d, why) || units_tail(p, end, c, &u, &ue, why))
		return -1;
	unit = u == ue ? &tab[0] : units_find_u64(tab, n, u, ue);
	if (!unit)
		return units_unknown(u, ue, c, why);
	if (units_exact_status(units_mul_exact(&d, unit->mult, &v), c, why))
		return -1;
	*out = v;
	return 0;
}

int units_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	return units_parse_exact(s, &units_size, units_size_tab, UNITS_N(units_size_tab),
				 "a hex size takes no unit; write 0x4000 or 16KiB, not 0x4KiB",
				 bytes, why);
}

int units_parse_u64(const char *s, uint64_t *v, const char **why)
{
	return units_parse_exact(s, &units_count, units_count_tab, UNITS_N(units_count_tab),
				 "a hex count takes no suffix; write 0x3e8 or 1k, not 0x1k",
				 v, why);
}

int units_parse_time(const char *s, sim_time_t *ps, const char **why)
{
	const struct units_class *c = &units_time;
	const char *p, *end, *u, *ue;
	struct units_dec d;
	uint64_t v;

	if (units_front(s, c, &p, &end, why) || units_scan_dec(&p, end, &d, why) ||
	    units_tail(p, end, c, &u, &ue, why))
		return -1;
	for (size_t i = 0; i < UNITS_N(units_time_tab); i++) {
		if (!units_tok_is(u, ue, units_time_tab[i].name))
			continue;
		if (units_exact_status(units_mul_round(&d, units_time_tab[i].exp10, &v), c, why))
			return -1;
		*ps = v;
		return 0;
	}
	return units_unknown(u, ue, c, why);
}

/* Double number, then a required unit resolved by find(); result = number * mult. */
static int units_parse_scaled(const char *s, const struct units_class *c,
			      const struct units_dbl_unit *(*find)(const char *, const char *),
			      double *out, const char **why)
{
	const char *p, *end, *u, *ue;
	const struct units_dbl_unit *unit;
	double v;

	if (units_front(s, c, &p, &end, why) || units_scan_double(&p, end, &v, c, why) ||
	    units_tail(p, end, c, &u, &ue, why))
		return -1;
	unit = find(u, ue);
	if (!unit)
		return units_unknown(u, ue, c, why);
	v *= unit->mult;
	if (!isfinite(v)) {
		units_set(why, c->range);
		return -1;
	}
	*out = v;
	return 0;
}

static const struct units_dbl_unit *units_find_bw(const char *u, const char *ue)
{
	return units_find_dbl(units_bw_tab, UNITS_N(units_bw_tab), u, ue);
}

static const struct units_dbl_unit *units_find_xfer(const char *u, const char *ue)
{
	return units_find_dbl(units_xfer_tab, UNITS_N(units_xfer_tab), u, ue);
}

static const struct units_dbl_unit *units_find_freq(const char *u, const char *ue)
{
	for (size_t i = 0; i < UNITS_N(units_freq_tab); i++)
		if (units_tok_is_nocase(u, ue, units_freq_tab[i].name))
			return &units_freq_tab[i];
	return NULL;
}

int units_parse_bandwidth(const char *s, double *bytes_per_s, const char **why)
{
	return units_parse_scaled(s, &units_bw, units_find_bw, bytes_per_s, why);
}

int units_parse_transfer_rate(const char *s, double *per_s, const char **why)
{
	return units_parse_scaled(s, &units_xfer, units_find_xfer, per_s, why);
}

int units_parse_freq(const char *s, double *hz, const char **why)
{
	return units_parse_scaled(s, &units_freq, units_find_freq, hz, why);
}

int units_parse_double(const char *s, double *v, const char **why)
{
	const struct units_class *c = &units_plain;
	const char *p, *end;
	double x;
	bool neg = false;

	units_trim(s, &p, &end);
	if (p == end) {
		units_set(why, c->empty);
		return -1;
	}
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (units_is_hex_prefix(p, end)) {
		units_set(why, c->nohex);
		return -1;
	}
	if (p == end || !units_digit(*p)) {
		units_set(why, c->number);
		return -1;
	}
	if (units_scan_double(&p, end, &x, c, why))
		return -1;
	p = units_skip_blanks(p, end);
	if (p < end)
		return units_fail_quoted(why, "unexpected text", p, end,
					 " after the number; a plain number takes no unit");
	*v = neg ? -x : x;
	return 0;
}

int units_parse_bool(const char *s, int *v, const char **why)
{
	static const struct { const char *name; int val; } tab[] = {
		{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
		{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
	};
	const char *b, *e;

	units_trim(s, &b, &e);
	for (size_t i = 0; i < UNITS_N(tab); i++) {
		if (units_tok_is_nocase(b, e, tab[i].name)) {
			*v = tab[i].val;
			return 0;
		}
	}
	units_set(why, b == e ? "empty boolean; use true/false, yes/no, on/off or 1/0"
			      : "not a boolean; use true/false, yes/no, on/off or 1/0");
	return -1;
}

int units_clock_from_hz(double hz, struct sim_clock *out, const char **why)
{
	double period;

	if (!isfinite(hz) || hz <= 0) {
		units_set(why, "clock frequency must be a finite number > 0 Hz");
		return -1;
	}
	if (hz > 1e12) {
		units_set(why, "clock frequency above 1 THz; the time resolution is 1 ps");
		return -1;
	}
	period = round(1e12 / hz);
	if (period >= 18446744073709551616.0) {         /* 2^64 */
		units_set(why, "clock frequency too low; the period does not fit in 64 bits of ps");
		return -1;
	}
	out->period = (sim_time_t)period;
	out->phase = 0;
	return 0;
}
