/* test_stats.c - the stats registry: registration rules, lookups, iteration and JSON output */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

/* ---- helpers ------------------------------------------------------------------- */

/* The JSON of s (and extra), as a malloc'd string. */
static char *to_json(const struct stats *s, const char *extra)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(stats_write_json(s, f, extra), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* A tiny strict JSON checker: returns the end of one value, or NULL. */
static const char *jv(const char *p, int depth);

static const char *jws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *jstr(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *jnum(const char *p)
{
	const char *s = p;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *jseq(const char *p, int depth, char close, bool members)
{
	p = jws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			if (!(p = jstr(p)))
				return NULL;
			p = jws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = jv(p, depth + 1)))
			return NULL;
		p = jws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = jws(p);
	}
}

static const char *jv(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = jws(p);
	switch (*p) {
	case '{': return jseq(p, depth, '}', true);
	case '[': return jseq(p, depth, ']', false);
	case '"': return jstr(p);
	case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
	default: return jnum(p);
	}
}

static bool json_valid(const char *text)
{
	const char *end = jv(text, 0);
	return end && *jws(end) == '\0';
}

/* Pretty: every line indented by an even number of spaces, no trailing blanks. */
static void assert_pretty(const char *text)
{
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		size_t ind = strspn(line, " ");
		assert_int_equal(ind % 2, 0);
		if (nl > line)
			assert_true(nl[-1] != ' ');
		line = nl + 1;
	}
}

static void assert_err(struct iov_err *e, const char *needle)
{
	assert_int_equal(e->status, IOV_INTERNAL);
	if (!strstr(e->msg, needle))
		fail_msg("error '%s' lacks '%s'", e->msg, needle);
	iov_err_clear(e);
}

/* ---- registration ------------------------------------------------------------------ */

static void test_register_and_get(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	assert_non_null(s);
	uint64_t *c = stats_counter(s, "dma.reads", "", "reads done", &e);
	double *v = stats_value(s, "dma.read_gbps", "Gb/s", "throughput", &e);
	struct hist *h = stats_hist(s, "dma.latency_ns", "ns", 1e-3, "latency", &e);
	struct hist *eh = stats_hist(s, "dma.idle_ns", "ns", 1e-3, "never used", &e);
	struct tseries *ts = stats_series(s, "dma.read_series", "bytes", 1000, 8, "bytes", &e);
	assert_int_equal(stats_text(s, "scenario.name", "demo", &e), 0);
	assert_non_null(c);
	assert_non_null(v);
	assert_non_null(h);
	assert_non_null(eh);
	assert_non_null(ts);
	assert_int_equal(e.status, 0);
	assert_int_equal(h->sub_bits, STATS_HIST_SUB_BITS);

	*c = 42;
	*v = 12.5;
	hist_add(h, 100000);    /* 100 ns */
	hist_add(h, 300000);    /* 300 ns */
	double x = -1;
	assert_int_equal(stats_get(s, "dma.reads", &x), 0);
	assert_true(x == 42.0);
	assert_int_equal(stats_get(s, "dma.read_gbps", &x), 0);
	assert_true(x == 12.5);
	assert_int_equal(stats_get(s, "dma.latency_ns.count", &x), 0);
	assert_true(x == 2.0);                       /* counts are not scaled */
	assert_int_equal(stats_get(s, "dma.latency_ns.mean", &x), 0);
	assert_true(x == 200.0);
	assert_int_equal(stats_get(s, "dma.latency_ns.min", &x), 0);
	assert_true(x == 100.0);
	assert_int_equal(stats_get(s, "dma.latency_ns.max", &x), 0);
	assert_true(x == 300.0);
	assert_int_equal(stats_get(s, "dma.latency_ns.p50", &x), 0);
	assert_true(fabs(x - 100.0) <= 100.0 / 128);  /* within half a bucket */
	assert_int_equal(stats_get(s, "dma.latency_ns.p90", &x), 0);
	assert_true(fabs(x - 300.0) <= 300.0 / 128);
	assert_int_equal(stats_get(s, "dma.latency_ns.p99", &x), 0);
	assert_true(fabs(x - 300.0) <= 300.0 / 128);
	assert_int_equal(stats_get(s, "dma.latency_ns.p999", &x), 0);
	assert_true(fabs(x - 300.0) <= 300.0 / 128);
	/* An empty histogram reads as zeros. */
	const char *fields[] = { "count", "mean", "min", "max", "p50", "p90", "p99", "p999" };
	char path[64];
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(path, sizeof(path), "dma.idle_ns.%s", fields[i]);
		x = -1;
		assert_int_equal(stats_get(s, path, &x), 0);
		assert_true(x == 0.0);
	}
	/* Not numbers, or not there. */
	assert_int_equal(stats_get(s, "dma.latency_ns", &x), -1);
	assert_int_equal(stats_get(s, "dma.latency_ns.p42", &x), -1);
	assert_int_equal(stats_get(s, "dma.read_series", &x), -1);
	assert_int_equal(stats_get(s, "scenario.name", &x), -1);
	assert_int_equal(stats_get(s, "dma", &x), -1);
	assert_int_equal(stats_get(s, "dma.reads.p50", &x), -1);
	assert_int_equal(stats_get(s, "nope", &x), -1);
	assert_int_equal(stats_get(s, "", &x), -1);

	assert_true(stats_exists(s, "dma.reads"));
	assert_true(stats_exists(s, "dma.latency_ns"));
	assert_true(stats_exists(s, "dma.latency_ns.p999"));
	assert_true(stats_exists(s, "scenario.name"));
	assert_true(stats_exists(s, "dma.read_series"));
	assert_false(stats_exists(s, "dma"));          /* a prefix is not a stat */
	assert_false(stats_exists(s, "dma.latency_ns.p75"));
	assert_false(stats_exists(s, "dma.read"));
	stats_destroy(s);
	stats_destroy(NULL);
}

static void test_register_errors(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	assert_non_null(stats_counter(s, "a.b", "", "", &e));
	assert_null(stats_counter(s, "a.b", "", "", &e));
	assert_err(&e, "registered twice");
	assert_null(stats_hist(s, "a.b", "ns", 1e-3, "", &e));
	assert_err(&e, "registered twice");
	/* A leaf below an existing leaf, and a leaf above existing ones. */
	assert_null(stats_value(s, "a.b.c", "", "", &e));
	assert_err(&e, "below the existing stat 'a.b'");
	assert_non_null(stats_counter(s, "x.y.z", "", "", &e));
	assert_null(stats_counter(s, "x.y", "", "", &e));
	assert_err(&e, "prefix of the existing stat 'x.y.z'");
	assert_null(stats_counter(s, "x", "", "", &e));
	assert_err(&e, "prefix of the existing stat 'x.y.z'");
	assert_int_equal(stats_text(s, "x.y", "t", &e), -1);
	assert_err(&e, "prefix");
	/* A text stat is only replaced by text. */
	assert_int_equal(stats_text(s, "a.b", "t", &e), -1);
	assert_err(&e, "not a text stat");
	/* Bad paths. */
	const char *bad[] = { "", ".", "a.", ".a", "a..b", "a b", "a/b", "a:b", "caf\xc3\xa9",
			      "a.b\n", "x.y.z." };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(stats_counter(s, bad[i], "", "", &e));
		assert_err(&e, "bad stat path");
	}
	assert_null(stats_counter(s, NULL, "", "", &e));
	assert_err(&e, "bad stat path");
	/* Allowed: letters, digits, '_' and '-'. */
	assert_non_null(stats_counter(s, "Flows.vf-3.Latency_99", "", "", &e));
	assert_non_null(stats_counter(s, "x.y2", "", "", &e));    /* sibling, not a prefix */
	assert_non_null(stats_counter(s, "a.bc", "", "", &e));    /* "a.b" is not a prefix of "a.bc" */
	/* Series parameters. */
	assert_null(stats_series(s, "q.s", "bytes", 0, 8, "", &e));
	assert_err(&e, "even number");
	assert_null(stats_series(s, "q.s", "bytes", 100, 7, "", &e));
	assert_err(&e, "even number");
	assert_int_equal(e.status, 0);
	/* The first error is kept. */
	assert_null(stats_counter(s, "a..", "", "", &e));
	assert_null(stats_counter(s, "a.b", "", "", &e));
	assert_err(&e, "bad stat path");
	assert_int_equal(stats_count(s), 5);
	stats_destroy(s);
}

static void test_text_update(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	char tmp[16] = "first";
	assert_int_equal(stats_text(s, "scenario.policy", tmp, &e), 0);
	strcpy(tmp, "XXXXX");                      /* copied, not referenced */
	struct stat_info st;
	assert_true(stats_iter(s, 0, &st));
	assert_string_equal(st.text, "first");
	assert_int_equal(stats_text(s, "scenario.policy", "second", &e), 0);
	assert_true(stats_iter(s, 0, &st));
	assert_string_equal(st.text, "second");
	assert_int_equal(stats_count(s), 1);
	assert_int_equal(stats_text(s, "scenario.null", NULL, &e), 0);
	assert_true(stats_iter(s, 1, &st));
	assert_string_equal(st.text, "");
	stats_destroy(s);
}

static void test_iter(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	uint64_t *c = stats_counter(s, "z.count", "", "a counter", &e);
	double *v = stats_value(s, "a.value", "Gb/s", "a value", &e);
	struct hist *h = stats_hist(s, "m.lat_ns", "ns", 1e-3, NULL, &e);
	struct tseries *t = stats_series(s, "m.series", "bytes", 100, 4, "a series", &e);
	assert_int_equal(stats_text(s, "b.text", "hello", &e), 0);
	struct stat_info st;
	assert_true(stats_iter(s, 0, &st));
	assert_string_equal(st.path, "z.count");
	assert_string_equal(st.desc, "a counter");
	assert_int_equal(st.kind, STAT_COUNTER);
	assert_ptr_equal(st.counter, c);
	assert_true(stats_iter(s, 1, &st));
	assert_int_equal(st.kind, STAT_VALUE);
	assert_string_equal(st.unit, "Gb/s");
	assert_ptr_equal(st.value, v);
	assert_true(stats_iter(s, 2, &st));
	assert_int_equal(st.kind, STAT_HIST);
	assert_ptr_equal(st.hist, h);
	assert_true(st.scale == 1e-3);
	assert_string_equal(st.desc, "");
	assert_true(stats_iter(s, 3, &st));
	assert_int_equal(st.kind, STAT_SERIES);
	assert_ptr_equal(st.series, t);
	assert_true(stats_iter(s, 4, &st));
	assert_int_equal(st.kind, STAT_TEXT);
	assert_string_equal(st.text, "hello");
	assert_false(stats_iter(s, 5, &st));
	assert_int_equal(stats_count(s), 5);
	stats_destroy(s);
}

static void test_many_stats(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	char path[64];
	enum { G = 100, K = 60 };
	static uint64_t *ptr[G][K];
	for (int g = 0; g < G; g++)
		for (int k = 0; k < K; k++) {
			snprintf(path, sizeof(path), "vm%d.vf%d.tlps", g, k);
			ptr[g][k] = stats_counter(s, path, "", "", &e);
			assert_non_null(ptr[g][k]);
			*ptr[g][k] = (uint64_t)(g * 1000 + k);
		}
	assert_int_equal(e.status, 0);
	/* Pointers stay valid while the registry grows. */
	for (int g = 0; g < G; g++)
		for (int k = 0; k < K; k++) {
			snprintf(path, sizeof(path), "vm%d.vf%d.tlps", g, k);
			double x;
			assert_int_equal(stats_get(s, path, &x), 0);
			assert_true(x == (double)(g * 1000 + k));
			assert_int_equal(*ptr[g][k], g * 1000 + k);
		}
	assert_null(stats_counter(s, "vm99.vf59", "", "", &e));
	assert_err(&e, "prefix");
	char *json = to_json(s, NULL);
	assert_true(json_valid(json));
	free(json);
	stats_destroy(s);
}

/* ---- JSON ------------------------------------------------------------------------- */

static const char expected_json[] =
	"{\n"
	"  \"dma\": {\n"
	"    \"reads\": 10,\n"
	"    \"read_gbps\": 0.1,\n"
	"    \"third\": 0.3333333333333333,\n"
	"    \"big\": 1e+300,\n"
	"    \"nan\": null,\n"
	"    \"inf\": null,\n"
	"    \"latency_ns\": {\n"
	"      \"count\": 3,\n"
	"      \"mean\": 10,\n"
	"      \"min\": 5,\n"
	"      \"p50\": 10,\n"
	"      \"p90\": 15,\n"
	"      \"p99\": 15,\n"
	"      \"p999\": 15,\n"
	"      \"max\": 15\n"
	"    },\n"
	"    \"empty_ns\": {\n"
	"      \"count\": 0,\n"
	"      \"mean\": 0,\n"
	"      \"min\": 0,\n"
	"      \"p50\": 0,\n"
	"      \"p90\": 0,\n"
	"      \"p99\": 0,\n"
	"      \"p999\": 0,\n"
	"      \"max\": 0\n"
	"    },\n"
	"    \"read_series\": {\n"
	"      \"bin_ns\": 1.5,\n"
	"      \"unit\": \"bytes\",\n"
	"      \"values\": [64, 0, 128.5]\n"
	"    },\n"
	"    \"idle_series\": {\n"
	"      \"bin_ns\": 1,\n"
	"      \"unit\": \"\",\n"
	"      \"values\": []\n"
	"    }\n"
	"  },\n"
	"  \"scenario\": {\n"
	"    \"name\": \"a \\\"quoted\\\"\\n\\tname\\\\ \\u0001 caf\xc3\xa9 \\ufffd\"\n"
	"  },\n"
	"  \"a\": {\n"
	"    \"b\": {\n"
	"      \"c\": {\n"
	"        \"d\": 18446744073709551615\n"
	"      }\n"
	"    },\n"
	"    \"e\": -2.5\n"
	"  },\n"
	"  \"host\": {\n"
	"    \"kernel\": \"native\"\n"
	"  }\n"
	"}\n";

static void test_json_exact(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	*stats_counter(s, "dma.reads", "", "", &e) = 10;
	assert_int_equal(stats_text(s, "scenario.name", "a \"quoted\"\n\tname\\ \x01 caf\xc3\xa9 \xff",
				    &e), 0);
	*stats_value(s, "dma.read_gbps", "Gb/s", "", &e) = 0.1;
	*stats_value(s, "dma.third", "", "", &e) = 1.0 / 3.0;
	*stats_value(s, "dma.big", "", "", &e) = 1e300;
	*stats_value(s, "dma.nan", "", "", &e) = NAN;
	*stats_value(s, "dma.inf", "", "", &e) = -INFINITY;
	struct hist *h = stats_hist(s, "dma.latency_ns", "ns", 0.5, "", &e);
	hist_add(h, 10);
	hist_add(h, 20);
	hist_add(h, 30);
	assert_non_null(stats_hist(s, "dma.empty_ns", "ns", 1e-3, "", &e));
	struct tseries *ts = stats_series(s, "dma.read_series", "bytes", 1500, 4, "", &e);
	tseries_add(ts, 0, 64);
	tseries_add(ts, 3100, 128.5);
	assert_non_null(stats_series(s, "dma.idle_series", NULL, 1000, 4, "", &e));
	*stats_counter(s, "a.b.c.d", "", "", &e) = UINT64_MAX;
	*stats_value(s, "a.e", "", "", &e) = -2.5;
	assert_int_equal(e.status, 0);
	char *json = to_json(s, "\"host\": {\n    \"kernel\": \"native\"\n  }");
	if (strcmp(json, expected_json))
		fail_msg("JSON differs; got:\n%s", json);
	assert_true(json_valid(json));
	assert_pretty(json);
	free(json);
	/* Deterministic: the same registry gives the same bytes. */
	char *j1 = to_json(s, NULL), *j2 = to_json(s, NULL);
	assert_string_equal(j1, j2);
	assert_true(json_valid(j1));
	free(j1);
	free(j2);
	stats_destroy(s);
}

static void test_json_empty_and_extra(void **state)
{
	(void)state;
	struct stats *s = stats_create();
	char *json = to_json(s, NULL);
	assert_string_equal(json, "{}\n");
	free(json);
	json = to_json(s, "");
	assert_string_equal(json, "{}\n");
	free(json);
	json = to_json(s, "\"host\": {}");
	assert_string_equal(json, "{\n  \"host\": {}\n}\n");
	assert_true(json_valid(json));
	free(json);
	stats_destroy(s);
}

/* Round trip: every value printed reads back as the same double. */
static void test_json_doubles_round_trip(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	double *v = stats_value(s, "v", "", "", &e);
	uint64_t seed = 12345;
	for (int i = 0; i < 2000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t bits = seed;
		memcpy(v, &bits, sizeof(*v));
		if (!isfinite(*v))
			continue;
		char *json = to_json(s, NULL);
		const char *num = strstr(json, "\"v\": ") + 5;
		assert_true(strtod(num, NULL) == *v);
		assert_true(json_valid(json));
		free(json);
	}
	stats_destroy(s);
}

/* A large registry of every kind, with awkward text, stays valid JSON. */
static void test_json_valid_large(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	char path[64], text[64];
	for (int i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "g%d.s%d.k%d", i % 7, i % 13, i);
		switch (i % 5) {
		case 0: *stats_counter(s, path, "", "", &e) = (uint64_t)i * 977; break;
		case 1: *stats_value(s, path, "", "", &e) = i % 3 ? i / 7.0 : NAN; break;
		case 2: hist_add(stats_hist(s, path, "ns", 1e-3, "", &e), (uint64_t)i * 12345); break;
		case 3: tseries_add(stats_series(s, path, "bytes", 10, 4, "", &e), (uint64_t)i, i); break;
		default:
			for (int k = 0; k < 63; k++)
				text[k] = (char)((i * 31 + k * 17) % 255 + 1);
			text[63] = '\0';
			assert_int_equal(stats_text(s, path, text, &e), 0);
		}
	}
	assert_int_equal(e.status, 0);
	char *json = to_json(s, "\"host\": {\"a\": [1, 2]}");
	assert_true(json_valid(json));
	assert_pretty(json);
	/* Broken JSON is caught by the checker (it checks something). */
	json[strlen(json) - 3] = ',';
	assert_false(json_valid(json));
	free(json);
	stats_destroy(s);
}

static void test_json_io_error(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	*stats_counter(s, "x.y", "", "", &e) = 1;
	FILE *f = fopen("/dev/null", "r");        /* not writable: every write fails */
	assert_non_null(f);
	assert_int_equal(stats_write_json(s, f, NULL), -1);
	fclose(f);
	stats_destroy(s);
}

static void test_json_escape(void **state)
{
	(void)state;
	char buf[64];
	json_escape("plain", buf, sizeof(buf));
	assert_string_equal(buf, "plain");
	json_escape("q\"b\\n\nt\tr\rf\fb\b\x1f\x7f", buf, sizeof(buf));
	assert_string_equal(buf, "q\\\"b\\\\n\\nt\\tr\\rf\\fb\\b\\u001f\\u007f");
	json_escape("\xe2\x82\xac ok", buf, sizeof(buf));          /* valid UTF-8 kept */
	assert_string_equal(buf, "\xe2\x82\xac ok");
	/* Truncated sequence, overlong encoding, surrogate. */
	json_escape("\xe2\x82 \xc0\xaf \xed\xa0\x80", buf, sizeof(buf));
	assert_string_equal(buf, "\\ufffd\\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd");
	json_escape(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* Truncation never splits an escape or a UTF-8 character. */
	json_escape("ab\"cd", buf, 5);
	assert_string_equal(buf, "ab\\\"");
	json_escape("ab\"cd", buf, 4);
	assert_string_equal(buf, "ab");
	json_escape("a\xe2\x82\xac", buf, 4);
	assert_string_equal(buf, "a");
	json_escape("a\x01", buf, 7);
	assert_string_equal(buf, "a");
	json_escape("abc", buf, 1);
	assert_string_equal(buf, "");
	buf[0] = 'X';
	json_escape("abc", buf, 0);                                  /* nothing written */
	assert_int_equal(buf[0], 'X');
}

static void test_table(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct stats *s = stats_create();
	stats_counter(s, "dma.reads", "", "DMA reads | completed", &e);
	stats_hist(s, "dma.latency_ns", "ns", 1e-3, "read latency", &e);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(stats_write_table(s, f), 0);
	fclose(f);
	assert_string_equal(buf, "| stat | kind | unit | description |\n|---|---|---|---|\n"
				 "| `dma.reads` | counter |  | DMA reads \\| completed |\n"
				 "| `dma.latency_ns` | histogram | ns | read latency |\n");
	free(buf);
	stats_destroy(s);
}

/* Names as one path segment: what a stat path cannot hold becomes '_'. */
static void test_stats_key(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(stats_key("nic0.vf3", b, sizeof(b)), "nic0_vf3");
	assert_string_equal(stats_key("01:00.1", b, sizeof(b)), "01_00_1");
	assert_string_equal(stats_key("dev-0_a", b, sizeof(b)), "dev-0_a");
	assert_string_equal(stats_key("abcdefghijklmnopq", b, 5), "abcd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_and_get),
		cmocka_unit_test(test_register_errors),
		cmocka_unit_test(test_text_update),
		cmocka_unit_test(test_iter),
		cmocka_unit_test(test_many_stats),
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_empty_and_extra),
		cmocka_unit_test(test_json_doubles_round_trip),
		cmocka_unit_test(test_json_valid_large),
		cmocka_unit_test(test_json_io_error),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_stats_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
