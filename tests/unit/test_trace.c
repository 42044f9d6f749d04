/* test_trace.c - trace encodings, readers, writers and generators: round trips, errors, bounds */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "trace.h"

#ifndef IOVSIM_TEST_DATA
#define IOVSIM_TEST_DATA "tests/data"
#endif
#define TRACES IOVSIM_TEST_DATA "/traces"

static char scratch[] = "/tmp/iovsim-test-trace-XXXXXX";
static struct trace_rec genbuf[3][20000];       /* records of the larger cases */

/* ---- helpers ---------------------------------------------------------------- */

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	DIR *d = opendir(scratch);
	if (!d)
		return -1;
	struct dirent *de;
	char p[4096];
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", scratch, de->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(scratch);
}

static const char *spath(const char *name)
{
	static char buf[4][4096];
	static int k;
	char *p = buf[k++ & 3];
	snprintf(p, 4096, "%s/%s", scratch, name);
	return p;
}

static const char *put_file(const char *name, const void *data, size_t len)
{
	const char *p = spath(name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return p;
}

static const char *put_text(const char *name, const char *text)
{
	return put_file(name, text, strlen(text));
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Read every record of path into recs (at most max); returns next()'s final status. */
static int read_all(const char *path, struct trace_rec *recs, size_t max, size_t *n,
		    struct trace_stream **keep, struct iov_err *e)
{
	struct trace_stream *ts = trace_open(path, e);
	*n = 0;
	if (!ts)
		return -2;
	struct trace_rec r;
	int rc;
	while ((rc = trace_next(ts, &r, e)) > 0) {
		assert_true(*n < max);
		recs[(*n)++] = r;
	}
	if (keep)
		*keep = ts;
	else
		trace_close(ts);
	return rc;
}

/* The error text after "DIR/" so expectations do not depend on the scratch name. */
static const char *after_dir(const char *msg)
{
	size_t n = strlen(scratch);
	assert_memory_equal(msg, scratch, n);
	return msg + n + 1;
}

/* ---- the all-ops fixture ---------------------------------------------------------------- */

#define ASAP TRACE_TIME_ASAP
static const struct trace_rec all_ops[] = {
	{ 0, 0, TRACE_OP_READ, 0x10000, 64, 0, 0, 0 },
	{ 0, 1, TRACE_OP_READ, 0x20000, 64, TRACE_F_RO, 0, 0 },
	{ 250, 0, TRACE_OP_WRITE, 4096, 1024, TRACE_F_NS | TRACE_F_IDO, 0, 0 },
	{ 1500000, 1, TRACE_OP_WRITE, 0x20040, 4096, TRACE_F_SYNC, 0, 0 },
	{ 2000000, 2, TRACE_OP_MSI, 0xfee00000, 4, 0, 0x41, 0 },
	{ ASAP, 0, TRACE_OP_READ, 0xffffffffffffffc0ull, 64, TRACE_F_TRANSLATED | TRACE_F_PASID, 0,
	  7 },
	{ ASAP, 2, TRACE_OP_MSI, 0xfee01000, 4, TRACE_F_PASID, 0xffffffff, 0xfffff },
	{ 2001000, 3, TRACE_OP_PKT_TX, 0, 1500, 0, 0, 0 },
	{ 3000000000000ull, 4, TRACE_OP_PKT_RX, 0x8000, 9000,
	  TRACE_F_RO | TRACE_F_NS | TRACE_F_IDO | TRACE_F_SYNC | TRACE_F_TRANSLATED, 0, 0 },
};
#define N_ALL_OPS (sizeof(all_ops) / sizeof(all_ops[0]))
static const char *const all_ops_src[] = { "nic0", "01:00.1", "nic0.vf3", "_dev-b", "ff:1f.7" };

static void assert_rec_equal(const struct trace_rec *a, const struct trace_rec *b)
{
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->src, b->src);
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->len, b->len);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->data, b->data);
	assert_int_equal(a->pasid, b->pasid);
}

static void assert_all_ops(const char *path, enum trace_encoding enc, bool gzip)
{
	struct trace_rec recs[16];
	size_t n;
	struct trace_stream *ts = NULL;
	struct iov_err e = { 0 };
	assert_int_equal(read_all(path, recs, 16, &n, &ts, &e), 0);
	assert_int_equal(e.status, 0);
	assert_int_equal(n, N_ALL_OPS);
	for (size_t i = 0; i < n; i++)
		assert_rec_equal(&recs[i], &all_ops[i]);
	assert_int_equal(ts->nsources, 5);
	for (uint32_t i = 0; i < 5; i++)
		assert_string_equal(ts->sources[i].name, all_ops_src[i]);
	assert_false(ts->sources[0].is_bdf);
	assert_true(ts->sources[1].is_bdf);
	assert_int_equal(ts->sources[1].rid, 0x0101);
	assert_int_equal(ts->sources[4].rid, 0xffff);
	enum trace_encoding got_enc;
	bool got_gz;
	assert_int_equal(trace_stream_format(ts, &got_enc, &got_gz), 0);
	assert_int_equal(got_enc, enc);
	assert_int_equal(got_gz, gzip);
	/* the end is sticky */
	struct trace_rec r;
	assert_int_equal(trace_next(ts, &r, &e), 0);
	trace_close(ts);
}

static void test_text_fixture(void **state)
{
	(void)state;
	assert_all_ops(TRACES "/all-ops.trace", TRACE_ENC_TEXT, false);
}

/* The checked-in binary file decodes to the same records: the layout has not drifted. */
static void test_binary_fixture(void **state)
{
	(void)state;
	assert_all_ops(TRACES "/all-ops.iovt", TRACE_ENC_BINARY, false);
}

static void test_gzip_fixture(void **state)
{
	(void)state;
	assert_all_ops(TRACES "/all-ops.trace.gz", TRACE_ENC_TEXT, true);
}

/* ---- round trips ---------------------------------------------------------------- */

static void write_all_ops(const char *path, enum trace_encoding enc, bool gzip)
{
	struct iov_err e = { 0 };
	struct trace_writer *w = trace_writer_open(path, enc, gzip, &e);
	assert_non_null(w);
	for (int i = 0; i < 5; i++)
		assert_int_equal(trace_writer_source(w, all_ops_src[i], &e), i);
	/* a BDF in another spelling and a repeated name are the same sources */
	assert_int_equal(trace_writer_source(w, "0000:01:00.1", &e), 1);
	assert_int_equal(trace_writer_source(w, "nic0", &e), 0);
	for (size_t i = 0; i < N_ALL_OPS; i++)
		assert_int_equal(trace_write(w, &all_ops[i], &e), 0);
	assert_int_equal(trace_writer_close(w, &e), 0);
	assert_int_equal(e.status, 0);
}

static void test_roundtrip(void **state)
{
	(void)state;
	static const struct { const char *name; enum trace_encoding enc; bool gz; } cases[] = {
		{ "rt.trace", TRACE_ENC_TEXT, false }, { "rt.trace.gz", TRACE_ENC_TEXT, true },
		{ "rt.iovt", TRACE_ENC_BINARY, false }, { "rt.iovt.gz", TRACE_ENC_BINARY, true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = spath(cases[i].name);
		write_all_ops(p, cases[i].enc, cases[i].gz);
		assert_all_ops(p, cases[i].enc, cases[i].gz);
	}
}

/* Packet records with flow=N keep the flow (rec.data) in both encodings. */
static void test_flow_roundtrip(void **state)
{
	(void)state;
	static const struct trace_rec recs[] = {
		{ 0, 0, TRACE_OP_PKT_TX, 0, 1500, TRACE_F_FLOW, 3, 0 },
		{ 100, 0, TRACE_OP_PKT_RX, 0, 64, TRACE_F_FLOW, 0xffffffff, 0 },
		{ 200, 0, TRACE_OP_PKT_RX, 0, 64, 0, 0, 0 },
	};
	static const char *const names[] = { "fl.trace", "fl.iovt" };
	for (int k = 0; k < 2; k++) {
		const char *p = spath(names[k]);
		struct iov_err e = { 0 };
		struct trace_writer *w = trace_writer_open(p, k ? TRACE_ENC_BINARY : TRACE_ENC_TEXT,
							   false, &e);
		assert_non_null(w);
		assert_int_equal(trace_writer_source(w, "nic0.vf3", &e), 0);
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(trace_write(w, &recs[i], &e), 0);
		/* a flow on a DMA record is refused by the writer too */
		struct trace_rec bad = { 300, 0, TRACE_OP_READ, 0, 64, TRACE_F_FLOW, 1, 0 };
		assert_int_equal(trace_write(w, &bad, &e), -1);
		trace_writer_abort(w);
		w = trace_writer_open(p, k ? TRACE_ENC_BINARY : TRACE_ENC_TEXT, false, &e);
		assert_int_equal(trace_writer_source(w, "nic0.vf3", &(struct iov_err){ 0 }), 0);
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(trace_write(w, &recs[i], &(struct iov_err){ 0 }), 0);
		assert_int_equal(trace_writer_close(w, &(struct iov_err){ 0 }), 0);
		struct trace_rec got[4];
		size_t n;
		struct trace_stream *ts = NULL;
		struct iov_err e2 = { 0 };
		assert_int_equal(read_all(p, got, 4, &n, &ts, &e2), 0);
		assert_int_equal(n, 3);
		for (size_t i = 0; i < 3; i++)
			assert_rec_equal(&got[i], &recs[i]);
		trace_close(ts);
	}
}

/* Text written by the writer reads back bit-identical for awkward times. */
static void test_roundtrip_times(void **state)
{
	(void)state;
	static const sim_time_t times[] = {
		0, 1, 999, 1000, 1001, 1234567, 999999999999ull, 1000000000000ull,
		1000000000001ull, 123456789012345678ull, UINT64_MAX - 1,
	};
	enum { NT = sizeof(times) / sizeof(times[0]) };
	for (int enc = 0; enc < 2; enc++) {
		const char *p = spath(enc ? "times.iovt" : "times.trace");
		struct iov_err e = { 0 };
		struct trace_writer *w = trace_writer_open(p, (enum trace_encoding)enc, false, &e);
		assert_non_null(w);
		assert_int_equal(trace_writer_source(w, "d", &e), 0);
		for (int i = 0; i < NT; i++) {
			struct trace_rec r = { .time = times[i], .op = TRACE_OP_WRITE,
					       .addr = (uint64_t)i * 0x1000000000ull, .len = 1 };
			assert_int_equal(trace_write(w, &r, &e), 0);
		}
		assert_int_equal(trace_writer_close(w, &e), 0);
		struct trace_rec recs[NT];
		size_t n;
		assert_int_equal(read_all(p, recs, NT, &n, NULL, &e), 0);
		assert_int_equal(n, NT);
		for (int i = 0; i < NT; i++) {
			assert_int_equal(recs[i].time, times[i]);
			assert_int_equal(recs[i].addr, (uint64_t)i * 0x1000000000ull);
		}
	}
}

/* A 64-byte ASAP read costs 6 bytes in binary; a small time delta adds 1 to 3. */
static void test_binary_size(void **state)
{
	(void)state;
	const char *p = spath("size.iovt");
	struct iov_err e = { 0 };
	struct trace_writer *w = trace_writer_open(p, TRACE_ENC_BINARY, false, &e);
	assert_non_null(w);
	assert_int_equal(trace_writer_source(w, "dev0", &e), 0);
	struct trace_rec r = { .time = ASAP, .op = TRACE_OP_READ, .addr = 0x1c40, .len = 64 };
	assert_int_equal(trace_write(w, &r, &e), 0);
	r.time = 100000;        /* 100 ns */
	r.addr = 0x1c80;
	assert_int_equal(trace_write(w, &r, &e), 0);
	assert_int_equal(trace_writer_close(w, &e), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	/* magic 8, source 6, ASAP read 6 (a 2-byte address delta), timed read 9, end 1 */
	static const unsigned char want[] = {
		'I', 'O', 'V', 'T', 'R', 'C', '1', '\n',
		0x01, 4, 'd', 'e', 'v', '0',
		0x02, 0x08, 0x00, 0x80, 0x71, 0x40,           /* ASAP rd, src 0, +0x1c40, 64 */
		0x02, 0x00, 0xa0, 0x8d, 0x06, 0x00, 0x80, 0x01, 0x40, /* +100000ps, +0x40 */
		0x00,
	};
	assert_int_equal(st.st_size, sizeof(want));
	FILE *f = fopen(p, "rb");
	unsigned char got[sizeof(want)];
	assert_int_equal(fread(got, 1, sizeof(got), f), sizeof(got));
	fclose(f);
	assert_memory_equal(got, want, sizeof(want));
}

/* ---- text errors ---------------------------------------------------------------- */

struct bad_text {
	const char *text;
	const char *msg;        /* after "DIR/" */
};

static const struct bad_text bad_texts[] = {
	{ "0ns dev0 rd 0x1000 64\n20ns  dev0  read-ish  0x3000  64\n",
	  "bad.trace:2:13: error: unknown op 'read-ish'; allowed: rd (read), wr (write), msi, "
	  "pkt_tx, pkt_rx" },
	{ "0ns dev0 rd\n", "bad.trace:1:13: error: missing ADDR; a record is TIME SOURCE OP ADDR "
	  "LEN [FLAG...]" },
	{ "# c\n\n0ns # only a time\n", "bad.trace:3:5: error: missing SOURCE; a record is TIME "
	  "SOURCE OP ADDR LEN [FLAG...]" },
	{ "10xs dev0 rd 0 64\n", "bad.trace:1:1: error: bad time '10xs': unknown time unit 'xs'; "
	  "use ps, ns, us, ms or s; or +DELTA, or - (as soon as possible)" },
	{ "10 dev0 rd 0 64\n", "bad.trace:1:1: error: bad time '10': time needs a unit: ps, ns, us, "
	  "ms or s; or +DELTA, or - (as soon as possible)" },
	{ "20ns a rd 0 64\n10ns a rd 0 64\n", "bad.trace:2:1: error: time 10ns is before the "
	  "previous record's time 20ns; times must not decrease" },
	{ "1.5us a rd 0 64\n- a rd 0 64\n1us a rd 0 64\n", "bad.trace:3:1: error: time 1us is "
	  "before the previous record's time 1.5us; times must not decrease" },
	{ "18446744073709551614ps a rd 0 64\n+1ps a rd 0 64\n", "bad.trace:2:1: error: time +1ps "
	  "past the previous record overflows the 64-bit picosecond clock" },
	{ "18446744073709551615ps a rd 0 64\n", "bad.trace:1:1: error: time too large; at most "
	  "18446744073709551614 ps" },
	{ "0ns 9dev rd 0 64\n", "bad.trace:1:5: error: bad source '9dev': a source is a name "
	  "([A-Za-z_][A-Za-z0-9_.-]*: a letter or _ first) or a BDF bb:dd.f in hex" },
	{ "0ns nic/0 rd 0 64\n", "bad.trace:1:5: error: bad source 'nic/0': a source is a name "
	  "([A-Za-z_][A-Za-z0-9_.-]*: a letter or _ first) or a BDF bb:dd.f in hex" },
	{ "0ns a234567890123456789012345678901234567890123456789012345678901234 rd 0 64\n",
	  "bad.trace:1:5: error: bad source 'a234567890123456789012345678901234567890123456789012345"
	  "678901234': a source name has at most 63 characters" },
	{ "0ns 01:20.0 rd 0 64\n", "bad.trace:1:5: error: bad source '01:20.0': the device number "
	  "is above 1f; a BDF is bb:dd.f in hex (device 00-1f)" },
	{ "0ns 01:00.8 rd 0 64\n", "bad.trace:1:5: error: bad source '01:00.8': the function "
	  "number is above 7; a BDF is bb:dd.f in hex (function 0-7)" },
	{ "0ns 1:0.0 rd 0 64\n", "bad.trace:1:5: error: bad source '1:0.0': a BDF is bb:dd.f in hex "
	  "(bus 00-ff, device 00-1f, function 0-7), optionally after a segment: 0000:bb:dd.f" },
	{ "0ns 0001:01:00.0 rd 0 64\n", "bad.trace:1:5: error: bad source '0001:01:00.0': only PCI "
	  "segment 0000 is modelled" },
	{ "0ns a rd 0x 64\n", "bad.trace:1:10: error: bad address '0x'; use hex (0x10000) or "
	  "decimal, at most 64 bits" },
	{ "0ns a rd 0x10000000000000000 64\n", "bad.trace:1:10: error: bad address "
	  "'0x10000000000000000'; use hex (0x10000) or decimal, at most 64 bits" },
	{ "0ns a rd 18446744073709551616 64\n", "bad.trace:1:10: error: bad address "
	  "'18446744073709551616'; use hex (0x10000) or decimal, at most 64 bits" },
	{ "0ns a rd 0 0\n", "bad.trace:1:12: error: length 0; a record moves at least 1 byte" },
	{ "0ns a rd 0 4GiB\n", "bad.trace:1:12: error: length 4GiB is too large; at most "
	  "4294967295 bytes" },
	{ "0ns a rd 0 4Kb\n", "bad.trace:1:12: error: bad length '4Kb': unknown size unit 'Kb'; "
	  "use B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB (powers of 1000)" },
	{ "0ns a rd 0 -\n", "bad.trace:1:12: error: LEN '-' is only for msi records; give a size "
	  "such as 64 or 4KiB" },
	{ "0ns a msi 0 8\n", "bad.trace:1:13: error: an msi is a 4-byte write; LEN must be 4 or -" },
	{ "0ns a rd 0 64 ro foo\n", "bad.trace:1:18: error: unknown flag 'foo'; allowed: ro, ns, "
	  "ido, sync, at, pasid=N, data=N (msi only), flow=N (packets only)" },
	{ "0ns a rd 0 64 tc=3\n", "bad.trace:1:15: error: unknown flag 'tc=3'; allowed: ro, ns, "
	  "ido, sync, at, pasid=N, data=N (msi only), flow=N (packets only)" },
	{ "0ns a rd 0 64 ro ro\n", "bad.trace:1:18: error: flag 'ro' given twice" },
	{ "0ns a rd 0 64 flow=1\n", "bad.trace:1:15: error: flow= is only for packet records "
	  "(pkt_tx, pkt_rx)" },
	{ "0ns a pkt_tx 0 64 flow=x\n", "bad.trace:1:19: error: bad flow value 'x'; use decimal "
	  "or 0x hex" },
	{ "0ns a pkt_tx 0 64 flow\n", "bad.trace:1:19: error: flag 'flow' needs a value: flow=N" },
	{ "0ns a rd 0 64 pasid=1 pasid=2\n", "bad.trace:1:23: error: flag 'pasid' given twice" },
	{ "0ns a rd 0 64 pasid=1048576\n", "bad.trace:1:15: error: PASID 1048576 is out of range; "
	  "a PASID has 20 bits (0 to 0xfffff)" },
	{ "0ns a rd 0 64 pasid=x\n", "bad.trace:1:15: error: bad pasid value 'x'; use decimal or "
	  "0x hex" },
	{ "0ns a rd 0 64 pasid\n", "bad.trace:1:15: error: flag 'pasid' needs a value: pasid=N" },
	{ "0ns a rd 0 64 data=1\n", "bad.trace:1:15: error: data= is only for msi records" },
	{ "0ns a msi 0 4 data=0x100000000\n", "bad.trace:1:15: error: msi data 0x100000000 is out "
	  "of range; it has 32 bits (at most 0xffffffff)" },
	{ "#!iovsim-trace v2\n", "bad.trace:1:1: error: unsupported trace header "
	  "'#!iovsim-trace v2'; this reader reads '#!iovsim-trace v1'" },
	{ "0ns a rd 0 64\n0ns \x01" "a rd 0 64\n", "bad.trace:2:5: error: bad source '?a': a "
	  "source is a name ([A-Za-z_][A-Za-z0-9_.-]*: a letter or _ first) or a BDF bb:dd.f in hex" },
};

static void test_text_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
		const char *p = put_text("bad.trace", bad_texts[i].text);
		struct trace_rec recs[4];
		size_t n;
		struct iov_err e = { 0 };
		int rc = read_all(p, recs, 4, &n, NULL, &e);
		if (rc != -1 || strcmp(after_dir(e.msg), bad_texts[i].msg))
			print_error("case %zu: rc %d, got '%s'\n", i, rc, e.msg);
		assert_int_equal(rc, -1);
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_string_equal(after_dir(e.msg), bad_texts[i].msg);
	}
}

/* NUL bytes, overlong lines (also comments and a last line without newline) and CRLF. */
static void test_text_lines(void **state)
{
	(void)state;
	static const char nul[] = "0ns a rd 0 64\n0ns a \0rd 0 64\n";
	struct trace_rec recs[8];
	size_t n;
	struct iov_err e = { 0 };
	const char *p = put_file("nul.trace", nul, sizeof(nul) - 1);
	assert_int_equal(read_all(p, recs, 8, &n, NULL, &e), -1);
	assert_string_equal(after_dir(e.msg), "nul.trace:2:7: error: NUL byte in a text trace "
			    "(a corrupt file, or not a trace?)");

	size_t big = 100000;
	char *text = malloc(big + 64);
	assert_non_null(text);
	strcpy(text, "0ns a rd 0 64\n#");
	memset(text + strlen(text), 'x', big);
	text[15 + big] = '\0';                  /* no final newline either */
	p = put_text("long.trace", text);
	iov_err_clear(&e);
	assert_int_equal(read_all(p, recs, 8, &n, NULL, &e), -1);
	assert_int_equal(n, 1);
	assert_string_equal(after_dir(e.msg), "long.trace:2:4097: error: line longer than 4096 "
			    "characters");
	/* exactly 4096 characters is fine */
	memset(text, ' ', 4096);
	memcpy(text, "0ns a rd 0 64", 13);
	strcpy(text + 4096, "\r\n1ns a wr 0 64 ro\r\n- a rd 0 64");
	p = put_text("edge.trace", text);
	iov_err_clear(&e);
	assert_int_equal(read_all(p, recs, 8, &n, NULL, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(recs[1].flags, TRACE_F_RO);
	assert_int_equal(recs[2].time, ASAP);
	free(text);
}

/* After an error the stream stays failed; blank and comment-only traces are empty. */
static void test_text_sticky_and_empty(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	const char *p = put_text("sticky.trace", "0ns a rd 0 64\n0ns a rd 0 0\n1ns a rd 0 64\n");
	struct trace_stream *ts = trace_open(p, &e);
	assert_non_null(ts);
	struct trace_rec r;
	assert_int_equal(trace_next(ts, &r, &e), 1);
	assert_int_equal(trace_next(ts, &r, &e), -1);
	struct iov_err e2 = { 0 };
	assert_int_equal(trace_next(ts, &r, &e2), -1);
	assert_int_equal(e2.status, IOV_BAD_INPUT);
	trace_close(ts);

	p = put_text("empty.trace", "#!iovsim-trace v1\n\n  # nothing\n\t\n");
	size_t n;
	assert_int_equal(read_all(p, &r, 1, &n, NULL, &e2), 0);
	assert_int_equal(n, 0);
}

/* The source table is capped at 65536 distinct sources, with a located error. */
static void test_source_cap(void **state)
{
	(void)state;
	const char *p = spath("many.trace");
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	for (unsigned i = 0; i <= 65536; i++)
		fprintf(f, "- s%u rd 0 64\n", i);
	fclose(f);
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_open(p, &e);
	assert_non_null(ts);
	struct trace_rec r;
	uint64_t n = 0;
	int rc;
	while ((rc = trace_next(ts, &r, &e)) > 0)
		n++;
	assert_int_equal(rc, -1);
	assert_int_equal(n, 65536);
	assert_int_equal(ts->nsources, 65536);
	assert_string_equal(ts->sources[65535].name, "s65535");
	assert_string_equal(after_dir(e.msg), "many.trace:65537:3: error: source 's65536': too many "
			    "distinct sources; a trace has at most 65536");
	trace_close(ts);
}

/* ---- binary errors ---------------------------------------------------------------- */

struct bad_bin {
	const char *name;
	unsigned char bytes[48];
	size_t len;
	const char *msg;        /* after "DIR/NAME: error: " */
};

#define MAGIC 'I', 'O', 'V', 'T', 'R', 'C', '1', '\n'
#define SRC_A 0x01, 1, 'a'
static const struct bad_bin bad_bins[] = {
	{ "trunc-mid", { MAGIC, SRC_A, 0x02, 0x08, 0x00, 0x80 }, 15,
	  "record 2 (byte offset 11): truncated in the address" },
	{ "trunc-ctl", { MAGIC, SRC_A, 0x02 }, 12,
	  "record 2 (byte offset 11): truncated in the control byte" },
	{ "trunc-name", { MAGIC, 0x01, 5, 'a', 'b' }, 12,
	  "record 1 (byte offset 8): truncated in the source name" },
	{ "no-end", { MAGIC, SRC_A, 0x02, 0x08, 0x00, 0x00, 0x40 }, 16,
	  "record 3 (byte offset 16): truncated: the trace ends without its end-of-trace marker "
	  "(0x00)" },
	{ "magic-only", { MAGIC }, 8,
	  "record 1 (byte offset 8): truncated: the trace ends without its end-of-trace marker "
	  "(0x00)" },
	{ "bad-type", { MAGIC, SRC_A, 0x7f, 0x00 }, 13,
	  "record 2 (byte offset 11): unknown record type 0x7f; expected 0x00 (end), 0x01 (source) "
	  "or 0x02 (DMA/MSI)" },
	{ "reserved-type", { MAGIC, 0x03, 0x00 }, 10,
	  "record 1 (byte offset 8): record type 0x03 is reserved for packet records, which this "
	  "version does not read" },
	{ "bad-src", { MAGIC, SRC_A, 0x02, 0x08, 0x01, 0x00, 0x40, 0x00 }, 17,
	  "record 2 (byte offset 11): source index 1 is out of range; 1 source is defined so far" },
	{ "no-src", { MAGIC, 0x02, 0x08, 0x00, 0x00, 0x40, 0x00 }, 14,
	  "record 1 (byte offset 8): source index 0 is out of range; 0 sources are defined so far" },
	{ "bad-op", { MAGIC, SRC_A, 0x02, 0x0d, 0x00, 0x00, 0x40, 0x00 }, 17,
	  "record 2 (byte offset 11): op 5 is out of range; 0 rd, 1 wr, 2 msi, 3 pkt_tx, 4 pkt_rx" },
	{ "ctl-bits", { MAGIC, SRC_A, 0x02, 0x48, 0x00, 0x00, 0x40, 0x00 }, 17,
	  "record 2 (byte offset 11): reserved bits set in the control byte 0x48" },
	{ "len0", { MAGIC, SRC_A, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00 }, 17,
	  "record 2 (byte offset 11): length 0; a record moves at least 1 byte" },
	{ "msi-len", { MAGIC, SRC_A, 0x02, 0x0a, 0x00, 0x00, 0x08, 0x00, 0x00 }, 18,
	  "record 2 (byte offset 11): msi length 8; an msi is a 4-byte write" },
	{ "varint", { MAGIC, SRC_A, 0x02, 0x08, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		      0xff, 0xff, 0x02, 0x00 }, 26,
	  "record 2 (byte offset 11): the length varint overflows 64 bits" },
	{ "time-ovf", { MAGIC, SRC_A, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0x01, 0x00, 0x00, 0x40, 0x00 }, 27,
	  "record 2 (byte offset 11): time delta 18446744073709551615 ps overflows the 64-bit "
	  "picosecond clock" },
	{ "flags", { MAGIC, SRC_A, 0x02, 0x18, 0x00, 0x00, 0x40, 0x80, 0x01, 0x00 }, 19,
	  "record 2 (byte offset 11): unknown flag bits 0x80; known: 0x7f" },
	{ "flow-op", { MAGIC, SRC_A, 0x02, 0x18, 0x00, 0x00, 0x40, 0x40, 0x03, 0x00 }, 19,
	  "record 2 (byte offset 11): flow flag on a rd record; flows are for packet records" },
	{ "pasid", { MAGIC, SRC_A, 0x02, 0x18, 0x00, 0x00, 0x40, 0x20, 0x80, 0x80, 0x40, 0x00 }, 21,
	  "record 2 (byte offset 11): PASID 1048576 is out of range; a PASID has 20 bits" },
	{ "dup-src", { MAGIC, SRC_A, SRC_A, 0x00 }, 15,
	  "record 2 (byte offset 11): source 'a' is defined twice (first as source 0)" },
	{ "src-name", { MAGIC, 0x01, 2, '9', 'x', 0x00 }, 13,
	  "record 1 (byte offset 8): bad source name '9x': a source is a name "
	  "([A-Za-z_][A-Za-z0-9_.-]*: a letter or _ first) or a BDF bb:dd.f in hex" },
	{ "src-len", { MAGIC, 0x01, 0, 0x00 }, 11,
	  "record 1 (byte offset 8): source name length 0; a name has 1 to 63 characters" },
	{ "after-end", { MAGIC, SRC_A, 0x00, 0x02 }, 13,
	  "record 2 (byte offset 11): data after the end-of-trace marker" },
};

static void test_binary_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_bins) / sizeof(bad_bins[0]); i++) {
		const struct bad_bin *b = &bad_bins[i];
		char name[64], want[512];
		snprintf(name, sizeof(name), "%s.iovt", b->name);
		const char *p = put_file(name, b->bytes, b->len);
		snprintf(want, sizeof(want), "%s: error: %s", name, b->msg);
		struct trace_rec recs[4];
		size_t n;
		struct iov_err e = { 0 };
		int rc = read_all(p, recs, 4, &n, NULL, &e);
		if (rc != -1 || strcmp(after_dir(e.msg), want))
			print_error("case %s: rc %d, got '%s'\n", b->name, rc, e.msg);
		assert_int_equal(rc, -1);
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_string_equal(after_dir(e.msg), want);
	}
}

/* The checked-in corrupt fixtures fail cleanly too. */
static void test_bad_fixtures(void **state)
{
	(void)state;
	static const struct { const char *file; const char *msg; } cases[] = {
		{ TRACES "/bad-op.trace", TRACES "/bad-op.trace:4:11: error: unknown op 'read-ish'" },
		{ TRACES "/truncated.iovt", TRACES "/truncated.iovt: error: record 6 (byte offset 48): "
		  "truncated in the time" },
		{ TRACES "/no-end.iovt", TRACES "/no-end.iovt: error: record 14 (byte offset 120): "
		  "truncated: the trace ends without its end-of-trace marker" },
		{ TRACES "/truncated.trace.gz", TRACES "/truncated.trace.gz: error: corrupt or "
		  "truncated gzip data (unexpected end of file)" },
		{ TRACES "/bad-version.iovt", TRACES "/bad-version.iovt: error: unsupported binary "
		  "trace version 'IOVTRC9'; this reader reads IOVTRC1" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		struct iov_err e = { 0 };
		int rc = read_all(cases[i].file, genbuf[0], 20000, &n, NULL, &e);
		assert_true(rc < 0);
		assert_int_equal(e.status, IOV_BAD_INPUT);
		if (strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)))
			print_error("case %zu: got '%s'\n", i, e.msg);
		assert_true(!strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)));
	}
}

/* gzip streams cut anywhere, or with a flipped checksum, are errors, not short traces. */
static void test_gzip_corrupt(void **state)
{
	(void)state;
	const char *p = spath("g.iovt.gz");
	struct trace_gen_spec spec;
	trace_gen_defaults(&spec);
	spec.pattern = TRACE_PAT_RANDOM;
	spec.count = 5000;
	struct iov_err e = { 0 };
	struct trace_stream *g = trace_gen_open(&spec, &e);
	struct trace_writer *w = trace_writer_open(p, TRACE_ENC_BINARY, true, &e);
	assert_non_null(g);
	assert_non_null(w);
	assert_int_equal(trace_writer_source(w, "dev0", &e), 0);
	struct trace_rec r;
	while (trace_next(g, &r, &e) > 0)
		assert_int_equal(trace_write(w, &r, &e), 0);
	trace_close(g);
	assert_int_equal(trace_writer_close(w, &e), 0);

	FILE *f = fopen(p, "rb");
	static unsigned char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(len > 1000 && len < sizeof(buf));
	assert_int_equal(buf[0], 0x1f);
	size_t cuts[] = { len - 1, len - 8, len / 2, 20 };
	for (size_t i = 0; i < 5; i++) {
		const char *q;
		if (i < 4) {
			q = put_file("cut.iovt.gz", buf, cuts[i]);
		} else {
			buf[len - 6] ^= 0x55;   /* CRC-32 */
			q = put_file("cut.iovt.gz", buf, len);
		}
		size_t n = 0;
		iov_err_clear(&e);
		struct trace_stream *ts = trace_open(q, &e);
		int rc = ts ? 1 : -1;
		while (ts && (rc = trace_next(ts, &r, &e)) > 0)
			n++;
		trace_close(ts);
		assert_int_equal(rc, -1);
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_non_null(strstr(e.msg, "cut.iovt.gz: error: "));
		assert_true(n <= 5000);
	}
}

static void test_open_errors(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	assert_null(trace_open(spath("nonexistent.trace"), &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_string_equal(after_dir(e.msg), "nonexistent.trace: error: cannot open: No such file "
			    "or directory");
	iov_err_clear(&e);
	assert_null(trace_open(scratch, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "is a directory"));
}

/* ---- small API pieces ---------------------------------------------------------------- */

static void test_names_and_bdf(void **state)
{
	(void)state;
	assert_string_equal(trace_op_name(TRACE_OP_READ), "rd");
	assert_string_equal(trace_op_name(TRACE_OP_WRITE), "wr");
	assert_string_equal(trace_op_name(TRACE_OP_MSI), "msi");
	assert_string_equal(trace_op_name(TRACE_OP_PKT_TX), "pkt_tx");
	assert_string_equal(trace_op_name(TRACE_OP_PKT_RX), "pkt_rx");
	assert_string_equal(trace_flag_name(TRACE_F_TRANSLATED), "at");
	assert_string_equal(trace_flag_name(TRACE_F_PASID), "pasid");
	assert_null(trace_flag_name(TRACE_F_RO | TRACE_F_NS));
	assert_string_equal(trace_flag_name(TRACE_F_FLOW), "flow");
	assert_null(trace_flag_name(1u << 7));

	uint16_t rid = 0;
	assert_int_equal(trace_parse_bdf("01:00.1", &rid), 0);
	assert_int_equal(rid, 0x0101);
	assert_int_equal(trace_parse_bdf("0000:ff:1f.7", &rid), 0);
	assert_int_equal(rid, 0xffff);
	assert_int_equal(trace_parse_bdf("0a:1B.3", &rid), 0);
	assert_int_equal(rid, 0x0a00 | 0x1b << 3 | 3);
	static const char *const bad[] = {
		"01:20.0", "01:00.8", "1:00.0", "01:0.0", "01:00", "01:00.1x", "0001:01:00.0",
		"000:01:00.0", "", "gg:00.0", "01.00.0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(trace_parse_bdf(bad[i], &rid), -1);
}

/* ---- writer ---------------------------------------------------------------- */

static bool tmp_exists(const char *final)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", final, (long)getpid());
	return exists(tmp);
}

static void test_writer_atomic(void **state)
{
	(void)state;
	const char *p = spath("atomic.trace");
	struct iov_err e = { 0 };
	struct trace_writer *w = trace_writer_open(p, TRACE_ENC_TEXT, false, &e);
	assert_non_null(w);
	assert_int_equal(trace_writer_source(w, "a", &e), 0);
	struct trace_rec r = { .time = ASAP, .op = TRACE_OP_READ, .len = 64 };
	for (int i = 0; i < 10000; i++)         /* more than one buffer */
		assert_int_equal(trace_write(w, &r, &e), 0);
	assert_false(exists(p));
	assert_true(tmp_exists(p));
	assert_int_equal(trace_writer_close(w, &e), 0);
	assert_true(exists(p));
	assert_false(tmp_exists(p));

	/* abort leaves nothing, and an older file under the name is untouched */
	const char *q = spath("aborted.iovt.gz");
	w = trace_writer_open(q, TRACE_ENC_BINARY, true, &e);
	assert_non_null(w);
	assert_int_equal(trace_writer_source(w, "a", &e), 0);
	assert_int_equal(trace_write(w, &r, &e), 0);
	assert_true(tmp_exists(q));
	trace_writer_abort(w);
	assert_false(exists(q));
	assert_false(tmp_exists(q));

	struct stat before, after;
	assert_int_equal(stat(p, &before), 0);
	w = trace_writer_open(p, TRACE_ENC_BINARY, false, &e);
	assert_non_null(w);
	trace_writer_abort(w);
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_size, before.st_size);

	/* a directory that does not exist: clean error, nothing created */
	assert_null(trace_writer_open(spath("no/such/dir.trace"), TRACE_ENC_TEXT, false, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "cannot create"));
}

static void test_writer_rejects(void **state)
{
	(void)state;
	const char *p = spath("rejects.trace");
	struct iov_err e = { 0 };
	struct trace_writer *w = trace_writer_open(p, TRACE_ENC_TEXT, false, &e);
	assert_non_null(w);
	assert_int_equal(trace_writer_source(w, "9bad", &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_string_equal(after_dir(e.msg), "rejects.trace: error: bad source '9bad': a source is "
			    "a name ([A-Za-z_][A-Za-z0-9_.-]*: a letter or _ first) or a BDF bb:dd.f "
			    "in hex");
	static const struct { struct trace_rec r; const char *msg; } bad[] = {
		{ { ASAP, 1, TRACE_OP_READ, 0, 64, 0, 0, 0 }, "source index out of range" },
		{ { ASAP, 0, TRACE_OP__COUNT, 0, 64, 0, 0, 0 }, "unknown op" },
		{ { ASAP, 0, TRACE_OP_READ, 0, 0, 0, 0, 0 }, "length 0" },
		{ { ASAP, 0, TRACE_OP_MSI, 0, 8, 0, 0, 0 }, "4-byte write" },
		{ { ASAP, 0, TRACE_OP_READ, 0, 4, 0, 5, 0 }, "data is only for msi" },
		{ { ASAP, 0, TRACE_OP_READ, 0, 4, 1u << 9, 0, 0 }, "unknown flag bits" },
		{ { ASAP, 0, TRACE_OP_READ, 0, 4, TRACE_F_PASID, 0, 1u << 20 }, "PASID" },
		{ { 5, 0, TRACE_OP_READ, 0, 4, 0, 0, 0 }, "times must not decrease" },
	};
	iov_err_clear(&e);
	assert_int_equal(trace_writer_source(w, "ok", &e), 0);
	struct trace_rec t10 = { 10, 0, TRACE_OP_READ, 0, 4, 0, 0, 0 };
	assert_int_equal(trace_write(w, &t10, &e), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		iov_err_clear(&e);
		assert_int_equal(trace_write(w, &bad[i].r, &e), -1);
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_non_null(strstr(e.msg, "rejects.trace: error: record 2: "));
		assert_non_null(strstr(e.msg, bad[i].msg));
	}
	iov_err_clear(&e);
	assert_int_equal(trace_writer_close(w, &e), 0);
	struct trace_rec recs[4];
	size_t n;
	assert_int_equal(read_all(p, recs, 4, &n, NULL, &e), 0);
	assert_int_equal(n, 1);
}

/* ---- generator ---------------------------------------------------------------- */

static size_t gen_all(const struct trace_gen_spec *spec, struct trace_rec *recs, size_t max)
{
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_gen_open(spec, &e);
	assert_non_null(ts);
	size_t n = 0;
	int rc;
	while ((rc = trace_next(ts, &recs[n], &e)) > 0) {
		assert_true(n < max);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(ts->nsources, 1);
	trace_close(ts);
	return n;
}

static void test_gen_deterministic(void **state)
{
	(void)state;
	struct trace_gen_spec s;
	trace_gen_defaults(&s);
	s.pattern = TRACE_PAT_RANDOM;
	s.read_frac = 0.5;
	s.rate = 1e7;
	s.poisson = true;
	s.count = 20000;
	s.seed = 42;
	assert_int_equal(gen_all(&s, genbuf[0], 20000), 20000);
	assert_int_equal(gen_all(&s, genbuf[1], 20000), 20000);
	assert_memory_equal(genbuf[0], genbuf[1], sizeof(genbuf[0]));
	s.seed = 43;
	gen_all(&s, genbuf[2], 20000);
	size_t same = 0;
	for (size_t i = 0; i < 20000; i++)
		same += genbuf[0][i].addr == genbuf[2][i].addr;
	assert_true(same < 20000 / 64);         /* 128 slots: ~1/128 agree by chance */
	/* changing the mix does not move the addresses (separate RNG streams) */
	s.seed = 42;
	s.read_frac = 0.9;
	gen_all(&s, genbuf[2], 20000);
	for (size_t i = 0; i < 20000; i++) {
		assert_int_equal(genbuf[2][i].addr, genbuf[0][i].addr);
		assert_int_equal(genbuf[2][i].time, genbuf[0][i].time);
	}
}

static void test_gen_bounds(void **state)
{
	(void)state;
	struct trace_gen_spec s;
	trace_gen_defaults(&s);
	s.pattern = TRACE_PAT_RANDOM;
	s.base = 0x40000000;
	s.window = 8150;
	s.size = 100;           /* alignment 128 by default: 63 slots, 62 * 128 + 100 <= 8150 */
	s.count = 20000;
	size_t n = gen_all(&s, genbuf[0], 20000);
	bool seen[64] = { false };
	for (size_t i = 0; i < n; i++) {
		const struct trace_rec *r = &genbuf[0][i];
		assert_true(r->addr >= s.base);
		assert_true(r->addr + r->len <= s.base + s.window);
		assert_int_equal(r->addr % 128, 0);
		assert_int_equal(r->time, ASAP);
		assert_int_equal(r->op, TRACE_OP_READ);
		seen[(r->addr - s.base) / 128] = true;
	}
	for (int k = 0; k < 63; k++)
		assert_true(seen[k]);           /* every slot used */
	assert_false(seen[63]);                 /* the last one would overrun the window */

	/* seq: stride = size rounded up to the alignment; wraps to base */
	s.pattern = TRACE_PAT_SEQ;
	s.size = 64;
	s.align = 32;
	s.window = 200;         /* offsets 0, 64, 128 fit (128 + 64 <= 200) */
	s.count = 7;
	s.flags = TRACE_F_RO | TRACE_F_PASID;
	s.pasid = 9;
	s.source = "03:00.2";
	n = gen_all(&s, genbuf[0], 20000);
	static const uint64_t want[] = { 0, 64, 128, 0, 64, 128, 0 };
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(genbuf[0][i].addr, s.base + want[i]);
		assert_int_equal(genbuf[0][i].flags, TRACE_F_RO | TRACE_F_PASID);
		assert_int_equal(genbuf[0][i].pasid, 9);
	}
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_gen_open(&s, &e);
	assert_true(ts->sources[0].is_bdf);
	assert_int_equal(ts->sources[0].rid, 0x0302);
	trace_close(ts);
}

static void test_gen_read_frac(void **state)
{
	(void)state;
	struct trace_gen_spec s;
	trace_gen_defaults(&s);
	s.count = 20000;
	s.read_frac = 0.3;
	size_t n = gen_all(&s, genbuf[0], 20000);
	size_t reads = 0;
	for (size_t i = 0; i < n; i++)
		reads += genbuf[0][i].op == TRACE_OP_READ;
	/* 0.3 +- 1.5% (about five standard deviations; the seed makes it exact) */
	assert_in_range(reads, 5700, 6300);
	s.read_frac = 0;
	n = gen_all(&s, genbuf[0], 20000);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(genbuf[0][i].op, TRACE_OP_WRITE);
}

static void test_gen_rate(void **state)
{
	(void)state;
	struct trace_gen_spec s;
	trace_gen_defaults(&s);
	s.rate = 10e6;          /* 100 ns apart */
	s.start = 5000;
	s.count = 1000;
	size_t n = gen_all(&s, genbuf[0], 20000);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(genbuf[0][i].time, 5000 + i * 100000);

	s.rate = 3e9;           /* 333.33 ps: rounded, no drift */
	s.start = 0;
	n = gen_all(&s, genbuf[0], 20000);
	for (size_t i = 1; i < n; i++) {
		sim_time_t d = genbuf[0][i].time - genbuf[0][i - 1].time;
		assert_in_range(d, 333, 334);
	}
	assert_int_equal(genbuf[0][999].time, 333000);

	s.rate = 1e6;           /* Poisson, mean 1 us */
	s.poisson = true;
	s.count = 20000;
	s.start = 7;
	n = gen_all(&s, genbuf[0], 20000);
	assert_int_equal(genbuf[0][0].time, 7);
	for (size_t i = 1; i < n; i++)
		assert_true(genbuf[0][i].time >= genbuf[0][i - 1].time);
	double mean = (double)(genbuf[0][n - 1].time - 7) / (double)(n - 1);
	assert_true(mean > 0.97e6 && mean < 1.03e6);
}

static void test_gen_check(void **state)
{
	(void)state;
	struct trace_gen_spec s;
	struct iov_err e;
#define BAD_SPEC(stmt, text)                                                   \
	do {                                                                   \
		trace_gen_defaults(&s);                                        \
		stmt;                                                          \
		iov_err_clear(&e);                                             \
		assert_int_equal(trace_gen_check(&s, &e), -1);                 \
		assert_int_equal(e.status, IOV_BAD_INPUT);                     \
		assert_string_equal(e.msg, "error: " text);                    \
		assert_null(trace_gen_open(&s, &e));                           \
	} while (0)
	BAD_SPEC(s.size = 0, "size must be at least 1 byte");
	BAD_SPEC(s.size = 9000, "size 9000 is larger than the window (8192 bytes); the window "
		 "must hold at least one transfer");
	BAD_SPEC(s.align = 48, "align 48 is not a power of two");
	BAD_SPEC(s.base = 0x1010, "base 0x1010 is not a multiple of the alignment (64 bytes)");
	BAD_SPEC(s.base = UINT64_MAX - 4095, "the window [0xfffffffffffff000, +8192) runs past the "
		 "64-bit address space");
	BAD_SPEC(s.read_frac = 1.5, "read fraction 1.5 is outside 0..1");
	BAD_SPEC(s.rate = -1, "rate -1 transfers/s is out of range; use 0 (closed loop) up to 1e12 "
		 "(one per ps)");
	BAD_SPEC((s.rate = 1, s.count = 30000000), "30000000 transfers at 1/s run past the end of "
		 "simulated time (2^64 ps)");
	BAD_SPEC(s.source = "1x", "bad source '1x': a source is a name ([A-Za-z_][A-Za-z0-9_.-]*: a "
		 "letter or _ first) or a BDF bb:dd.f in hex");
	BAD_SPEC((s.flags = TRACE_F_PASID, s.pasid = 1u << 20), "PASID 1048576 is out of range; a "
		 "PASID has 20 bits");
	BAD_SPEC(s.flags = 1u << 8, "unknown flag bits 0x100");
#undef BAD_SPEC
	trace_gen_defaults(&s);
	assert_int_equal(trace_gen_check(&s, &e), 0);
	assert_string_equal(s.source, "dev0");
	assert_int_equal(s.window, 8192);
	assert_int_equal(s.count, 1000);
}

/* A generator written to a file and read back is the same stream. */
static void test_gen_to_file(void **state)
{
	(void)state;
	struct trace_gen_spec s;
	trace_gen_defaults(&s);
	s.pattern = TRACE_PAT_RANDOM;
	s.rate = 2.5e6;
	s.poisson = true;
	s.read_frac = 0.5;
	s.count = 5000;
	size_t n = gen_all(&s, genbuf[0], 20000);
	for (int enc = 0; enc < 2; enc++) {
		const char *p = spath(enc ? "gen.iovt.gz" : "gen.trace.gz");
		struct iov_err e = { 0 };
		struct trace_writer *w = trace_writer_open(p, (enum trace_encoding)enc, true, &e);
		assert_int_equal(trace_writer_source(w, "dev0", &e), 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(trace_write(w, &genbuf[0][i], &e), 0);
		assert_int_equal(trace_writer_close(w, &e), 0);
		size_t m;
		assert_int_equal(read_all(p, genbuf[1], 20000, &m, NULL, &e), 0);
		assert_int_equal(m, n);
		for (size_t i = 0; i < n; i++)
			assert_rec_equal(&genbuf[1][i], &genbuf[0][i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_fixture),
		cmocka_unit_test(test_binary_fixture),
		cmocka_unit_test(test_gzip_fixture),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_times),
		cmocka_unit_test(test_flow_roundtrip),
		cmocka_unit_test(test_binary_size),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_lines),
		cmocka_unit_test(test_text_sticky_and_empty),
		cmocka_unit_test(test_source_cap),
		cmocka_unit_test(test_binary_errors),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_gzip_corrupt),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_names_and_bdf),
		cmocka_unit_test(test_writer_atomic),
		cmocka_unit_test(test_writer_rejects),
		cmocka_unit_test(test_gen_deterministic),
		cmocka_unit_test(test_gen_bounds),
		cmocka_unit_test(test_gen_read_frac),
		cmocka_unit_test(test_gen_rate),
		cmocka_unit_test(test_gen_check),
		cmocka_unit_test(test_gen_to_file),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
