/* cmd_trace.c - `iovsim trace gen|info|cat|convert`: make, inspect and convert DMA traces */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "trace.h"
#include "units.h"

static const char trace_usage[] =
	"usage: iovsim trace <gen|info|cat|convert> [options]\n"
	"\n"
	"  gen [options]           write a synthetic trace (pcie-bench style)\n"
	"  info FILE...            encoding, records per op, sources, times, addresses\n"
	"  cat FILE                print a trace of any encoding as canonical text\n"
	"  convert IN OUT          re-encode a trace (text, binary, gzip)\n"
	"\n"
	"'iovsim trace <sub-command> --help' for each. Format: docs/trace-format.md\n"
	"Exit status: 0 ok, 2 bad input or usage, 3 internal error.\n";

static const char gen_usage[] =
	"usage: iovsim trace gen [-o FILE] [--format text|binary] [--gzip]\n"
	"                        [--pattern seq|random] [--window SIZE] [--base ADDR]\n"
	"                        [--size SIZE] [--align SIZE] [--read-frac F | --op rd|wr|mix]\n"
	"                        [--rate RATE | --interval TIME] [--poisson] [--start TIME]\n"
	"                        [--count N] [--seed N] [--source NAME] [--flags LIST]\n"
	"\n"
	"Write a synthetic DMA trace (text on stdout unless -o is given).\n"
	"  -o FILE          output file; written under a temporary name and renamed at the end;\n"
	"                   FILE.gz implies --gzip; .bin/.iovt imply --format binary\n"
	"  --format F       text (default) or binary\n"
	"  --gzip           gzip-compress the output\n"
	"  --pattern P      seq: consecutive slots, wrapping in the window (default);\n"
	"                   random: uniform over the aligned slots of the window\n"
	"  --window SIZE    addresses fall in [base, base+window) (default 8KiB)\n"
	"  --base ADDR      window start (default 0)\n"
	"  --size SIZE      bytes per transfer (default 64)\n"
	"  --align SIZE     address alignment, a power of two (default: size rounded up to a\n"
	"                   power of two, at most 4KiB)\n"
	"  --read-frac F    share of reads, 0..1, the rest writes (default 1)\n"
	"  --op OP          rd (= --read-frac 1), wr (0) or mix (0.5)\n"
	"  --rate RATE      open loop: transfers per second (10M, 2.5e6, 8MT/s); default:\n"
	"                   closed loop, every record as soon as possible ('-')\n"
	"  --interval TIME  open loop: time between transfers (100ns), instead of --rate\n"
	"  --poisson        exponential inter-arrival times with the same mean\n"
	"  --start TIME     time of the first transfer (open loop; default 0ns)\n"
	"  --count N        number of transfers (default 1000; 20k is fine)\n"
	"  --seed N         random seed (default 1); the same options give the same trace\n"
	"  --source NAME    requester: a name or a BDF bb:dd.f (default dev0)\n"
	"  --flags LIST     flags on every record, comma-separated: ro,ns,ido,sync,at,pasid=N\n"
	"example: iovsim trace gen --pattern random --count 20000 -o rd64.trace.gz\n";

static const char info_usage[] =
	"usage: iovsim trace info FILE...\n"
	"\n"
	"For each trace: encoding and compression, records and bytes per op, sources with\n"
	"their record counts, first and last time and duration (or closed loop), and the\n"
	"address range. '-' reads stdin.\n";

static const char cat_usage[] =
	"usage: iovsim trace cat FILE\n"
	"\n"
	"Print a trace of any encoding (text or binary, gzip or not) as canonical text.\n";

static const char convert_usage[] =
	"usage: iovsim trace convert IN OUT [--format text|binary] [--gzip]\n"
	"\n"
	"Re-encode a trace. The format follows OUT's extension unless --format is given:\n"
	".trace/.txt text, .bin/.iovt binary, and a final .gz compresses (as does --gzip).\n"
	"OUT appears only once the whole trace was converted.\n";

/* ---- helpers ---------------------------------------------------------------- */

static bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

/*
 * If argv[*i] is option 'name', given as "name VALUE" or "name=VALUE": set
 * *val, advance *i past it and return 1. 0 if it is another argument; -1 (and
 * the usage error printed) if the value is missing.
 */
static int opt_val(const char *cmd, int argc, char **argv, int *i, const char *name,
		   const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc) {
		cli_usage_error(cmd, "%s needs a value", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

/* Does s[0..n) end with suffix? */
static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* Encoding and compression implied by a file name; *known false if the name does not say. */
static void format_from_name(const char *path, bool *known, enum trace_encoding *enc, bool *gzip)
{
	size_t n = strlen(path);
	*gzip = ends_with(path, n, ".gz");
	if (*gzip)
		n -= 3;
	*known = true;
	if (ends_with(path, n, ".bin") || ends_with(path, n, ".iovt"))
		*enc = TRACE_ENC_BINARY;
	else if (ends_with(path, n, ".trace") || ends_with(path, n, ".txt"))
		*enc = TRACE_ENC_TEXT;
	else
		*known = false;
}

static int parse_format(const char *cmd, const char *v, enum trace_encoding *enc)
{
	if (!strcmp(v, "text"))
		*enc = TRACE_ENC_TEXT;
	else if (!strcmp(v, "binary"))
		*enc = TRACE_ENC_BINARY;
	else
		return cli_usage_error(cmd, "--format '%s': use text or binary", v);
	return 0;
}

/* Print a library error (already "FILE:LINE:COL: error: ...") and map its status. */
static int report(const char *cmd, const struct iov_err *e)
{
	if (!strncmp(e->msg, "error: ", 7))
		fprintf(stderr, "iovsim %s: %s\n", cmd, e->msg);
	else
		fprintf(stderr, "%s\n", e->msg);
	return e->status ? e->status : 3;
}

/*
 * Copy every record of ts to w, adding the writer's sources as the stream
 * meets them. -1 with e set.
 */
static int copy_records(struct trace_stream *ts, struct trace_writer *w, struct iov_err *e)
{
	uint32_t *map = NULL, nmap = 0;
	struct trace_rec r;
	int rc;
	while ((rc = trace_next(ts, &r, e)) > 0) {
		if (r.src >= nmap) {
			uint32_t n = ts->nsources > nmap * 2 ? ts->nsources : nmap * 2;
			uint32_t *m = realloc(map, n * sizeof(*m));
			if (!m) {
				rc = iov_err_set(e, IOV_INTERNAL, "out of memory");
				break;
			}
			for (uint32_t i = nmap; i < n; i++)
				m[i] = UINT32_MAX;
			map = m;
			nmap = n;
		}
		if (map[r.src] == UINT32_MAX) {
			int idx = trace_writer_source(w, ts->sources[r.src].name, e);
			if (idx < 0) {
				rc = -1;
				break;
			}
			map[r.src] = (uint32_t)idx;
		}
		r.src = map[r.src];
		if (trace_write(w, &r, e)) {
			rc = -1;
			break;
		}
	}
	free(map);
	return rc < 0 ? -1 : 0;
}

/* Write ts to path; the output appears only if everything went well. */
static int write_stream(const char *cmd, struct trace_stream *ts, const char *path,
			enum trace_encoding enc, bool gzip)
{
	struct iov_err e = { 0 };
	if (!strcmp(path, "-") && (enc == TRACE_ENC_BINARY || gzip) && isatty(STDOUT_FILENO))
		return cli_usage_error(cmd, "not writing %s to a terminal; use -o FILE or a pipe",
				       gzip ? "gzip data" : "a binary trace");
	struct trace_writer *w = trace_writer_open(path, enc, gzip, &e);
	if (!w)
		return report(cmd, &e);
	if (copy_records(ts, w, &e)) {
		trace_writer_abort(w);
		return report(cmd, &e);
	}
	if (trace_writer_close(w, &e))
		return report(cmd, &e);
	return 0;
}

/* ---- gen ---------------------------------------------------------------- */

/* Transfers per second: 10M, 2.5e6, 1k, 10MT/s, 10M/s. */
static int parse_rate(const char *s, double *out)
{
	const char *why;
	if (!units_parse_transfer_rate(s, out, &why))
		return 0;
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	if (n > 2 && !strcmp(buf + n - 2, "/s"))
		buf[n -= 2] = '\0';
	double mult = 1;
	const char *sfx = "kKMG";
	if (n > 1 && strchr(sfx, buf[n - 1])) {
		char c = buf[--n];
		mult = c == 'G' ? 1e9 : c == 'M' ? 1e6 : 1e3;
		buf[n] = '\0';
	}
	double v;
	if (units_parse_double(buf, &v, &why) || !(v >= 0))
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_flags(const char *cmd, const char *list, struct trace_gen_spec *spec)
{
	char buf[256];
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return cli_usage_error(cmd, "--flags: list too long");
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "pasid=", 6)) {
			uint64_t v;
			const char *why;
			if (units_parse_u64(tok + 6, &v, &why) || v >= (1u << 20))
				return cli_usage_error(cmd, "--flags: bad PASID '%s'; a PASID has 20 "
						       "bits (0 to 0xfffff)", tok + 6);
			spec->flags |= TRACE_F_PASID;
			spec->pasid = (uint32_t)v;
			continue;
		}
		uint32_t bit = 0;
		for (uint32_t b = 1; b < TRACE_F_PASID; b <<= 1)
			if (trace_flag_name(b) && !strcmp(tok, trace_flag_name(b)))
				bit = b;
		if (!bit)
			return cli_usage_error(cmd, "--flags: unknown flag '%s'; allowed: ro, ns, ido, "
					       "sync, at, pasid=N", tok);
		spec->flags |= bit;
	}
	return 0;
}

struct gen_opts {
	struct trace_gen_spec spec;
	const char *out;
	bool have_format, gzip, have_frac, have_rate;
	enum trace_encoding enc;
};

/* Sizes that must fit 32 bits (size, align). */
static int parse_size32(const char *cmd, const char *opt, const char *v, uint32_t *out)
{
	uint64_t x;
	const char *why;
	if (units_parse_size(v, &x, &why))
		return cli_usage_error(cmd, "%s '%s': %s", opt, v, why);
	if (x > UINT32_MAX)
		return cli_usage_error(cmd, "%s '%s': at most 4294967295 bytes", opt, v);
	*out = (uint32_t)x;
	return 0;
}

/* Options with a value. Each returns 1 if name is not one of its options, 0
 * when handled, 2 after printing a usage error. */
static int gen_opt_output(const char *cmd, const char *name, const char *v, struct gen_opts *o)
{
	if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
		o->out = v;
	} else if (!strcmp(name, "--format")) {
		o->have_format = true;
		return parse_format(cmd, v, &o->enc);
	} else if (!strcmp(name, "--source")) {
		o->spec.source = v;
	} else if (!strcmp(name, "--flags")) {
		return parse_flags(cmd, v, &o->spec);
	} else if (!strcmp(name, "--count") || !strcmp(name, "--seed")) {
		const char *why;
		if (units_parse_u64(v, name[2] == 'c' ? &o->spec.count : &o->spec.seed, &why))
			return cli_usage_error(cmd, "%s '%s': %s", name, v, why);
	} else {
		return 1;
	}
	return 0;
}

static int gen_opt_addr(const char *cmd, const char *name, const char *v, struct gen_opts *o)
{
	struct trace_gen_spec *s = &o->spec;
	const char *why;
	if (!strcmp(name, "--pattern")) {
		if (strcmp(v, "seq") && strcmp(v, "random"))
			return cli_usage_error(cmd, "--pattern '%s': use seq or random", v);
		s->pattern = strcmp(v, "seq") ? TRACE_PAT_RANDOM : TRACE_PAT_SEQ;
	} else if (!strcmp(name, "--window") || !strcmp(name, "--base")) {
		if (units_parse_size(v, name[2] == 'w' ? &s->window : &s->base, &why))
			return cli_usage_error(cmd, "%s '%s': %s", name, v, why);
	} else if (!strcmp(name, "--size")) {
		return parse_size32(cmd, name, v, &s->size);
	} else if (!strcmp(name, "--align")) {
		return parse_size32(cmd, name, v, &s->align);
	} else if (!strcmp(name, "--read-frac") || !strcmp(name, "--op")) {
		if (o->have_frac)
			return cli_usage_error(cmd, "give one of --read-frac and --op, once");
		o->have_frac = true;
		if (name[2] == 'o') {
			if (strcmp(v, "rd") && strcmp(v, "wr") && strcmp(v, "mix"))
				return cli_usage_error(cmd, "--op '%s': use rd, wr or mix", v);
			s->read_frac = !strcmp(v, "rd") ? 1.0 : !strcmp(v, "wr") ? 0.0 : 0.5;
		} else if (units_parse_double(v, &s->read_frac, &why) || s->read_frac < 0 ||
			   s->read_frac > 1) {
			return cli_usage_error(cmd, "--read-frac '%s': use a number from 0 to 1", v);
		}
	} else {
		return 1;
	}
	return 0;
}

static int gen_opt_time(const char *cmd, const char *name, const char *v, struct gen_opts *o)
{
	struct trace_gen_spec *s = &o->spec;
	const char *why;
	sim_time_t t;
	if (!strcmp(name, "--start")) {
		if (units_parse_time(v, &s->start, &why))
			return cli_usage_error(cmd, "--start '%s': %s", v, why);
		return 0;
	}
	if (strcmp(name, "--rate") && strcmp(name, "--interval"))
		return 1;
	if (o->have_rate)
		return cli_usage_error(cmd, "give one of --rate and --interval, once");
	o->have_rate = true;
	if (name[2] == 'r') {
		if (parse_rate(v, &s->rate))
			return cli_usage_error(cmd, "--rate '%s': use transfers per second, e.g. 10M, "
					       "2.5e6 or 10MT/s", v);
		return 0;
	}
	if (units_parse_time(v, &t, &why))
		return cli_usage_error(cmd, "--interval '%s': %s", v, why);
	if (t == 0)
		return cli_usage_error(cmd, "--interval must be more than 0ps");
	s->rate = 1e12 / (double)t;
	return 0;
}

static const char *const gen_valued[] = {
	"-o", "--output", "--format", "--pattern", "--window", "--base", "--size", "--align",
	"--read-frac", "--op", "--rate", "--interval", "--start", "--count", "--seed",
	"--source", "--flags", NULL,
};

/* 0 parsed, -2 help printed, 2 usage error printed. */
static int gen_parse(const char *cmd, int argc, char **argv, struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	trace_gen_defaults(&o->spec);
	o->out = "-";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (is_help(a)) {
			fputs(gen_usage, stdout);
			return -2;
		}
		if (!strcmp(a, "--gzip")) {
			o->gzip = true;
			continue;
		}
		if (!strcmp(a, "--poisson")) {
			o->spec.poisson = true;
			continue;
		}
		int m = 0;
		const char *const *name;
		for (name = gen_valued; *name && !(m = opt_val(cmd, argc, argv, &i, *name, &v)); name++)
			;
		if (m < 0)
			return 2;
		if (!m)
			return cli_usage_error(cmd, a[0] == '-' ? "unknown option '%s'"
							       : "unexpected argument '%s'", a);
		int rc = gen_opt_output(cmd, *name, v, o);
		if (rc == 1)
			rc = gen_opt_addr(cmd, *name, v, o);
		if (rc == 1)
			rc = gen_opt_time(cmd, *name, v, o);
		if (rc)
			return 2;
	}
	return 0;
}

static int trace_gen_cmd(int argc, char **argv)
{
	const char *cmd = "trace gen";
	struct gen_opts o;
	int rc = gen_parse(cmd, argc, argv, &o);
	if (rc)
		return rc == -2 ? 0 : rc;
	if (o.spec.poisson && o.spec.rate <= 0)
		return cli_usage_error(cmd, "--poisson needs --rate or --interval (open loop)");
	bool known, gz;
	enum trace_encoding enc = TRACE_ENC_TEXT;
	format_from_name(o.out, &known, &enc, &gz);
	if (o.have_format)
		enc = o.enc;
	else if (!known)
		enc = TRACE_ENC_TEXT;
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_gen_open(&o.spec, &e);
	if (!ts)
		return report(cmd, &e);
	rc = write_stream(cmd, ts, o.out, enc, o.gzip || gz);
	trace_close(ts);
	return rc;
}

/* ---- info ---------------------------------------------------------------- */

struct info_acc {
	uint64_t records, timed, asap;
	uint64_t count[TRACE_OP__COUNT], bytes[TRACE_OP__COUNT];
	uint64_t *per_src;
	uint32_t nper_src;
	sim_time_t first, last;
	uint64_t lo, hi;                /* lowest address, highest last byte */
};

static int info_add(struct info_acc *a, const struct trace_stream *ts, const struct trace_rec *r,
		    struct iov_err *e)
{
	if (r->src >= a->nper_src) {
		uint32_t n = ts->nsources > a->nper_src * 2 ? ts->nsources : a->nper_src * 2;
		uint64_t *m = realloc(a->per_src, n * sizeof(*m));
		if (!m)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		memset(m + a->nper_src, 0, (n - a->nper_src) * sizeof(*m));
		a->per_src = m;
		a->nper_src = n;
	}
	a->per_src[r->src]++;
	a->count[r->op]++;
	a->bytes[r->op] += r->len;
	if (r->time == TRACE_TIME_ASAP) {
		a->asap++;
	} else {
		if (!a->timed++)
			a->first = r->time;
		a->last = r->time;
	}
	uint64_t end = r->addr + (r->len - 1);
	if (end < r->addr)
		end = UINT64_MAX;
	if (!a->records++ || r->addr < a->lo)
		a->lo = r->addr;
	if (a->records == 1 || end > a->hi)
		a->hi = end;
	return 0;
}

static void info_print_times(const struct info_acc *a)
{
	char f[32], l[32], d[32];
	if (!a->timed) {
		printf("  time       closed loop (every record as soon as possible)\n");
		return;
	}
	printf("  time       first %s, last %s, duration %s\n", units_fmt_time(a->first, f, 32),
	       units_fmt_time(a->last, l, 32), units_fmt_time(a->last - a->first, d, 32));
	if (a->asap)
		printf("             and %llu closed-loop records (as soon as possible)\n",
		       (unsigned long long)a->asap);
}

static void info_print(const char *path, const struct trace_stream *ts, const struct info_acc *a)
{
	enum trace_encoding enc;
	bool gz = false;
	char sz[32];
	trace_stream_format(ts, &enc, &gz);
	printf("%s\n  encoding   %s%s\n  records    %llu\n", path,
	       enc == TRACE_ENC_BINARY ? "binary" : "text", gz ? ", gzip" : "",
	       (unsigned long long)a->records);
	for (int op = 0; op < TRACE_OP__COUNT; op++)
		if (a->count[op])
			printf("  %-10s %llu records, %llu bytes (%s)\n", trace_op_name(op),
			       (unsigned long long)a->count[op], (unsigned long long)a->bytes[op],
			       units_fmt_size(a->bytes[op], sz, sizeof(sz)));
	printf("  sources    %u\n", ts->nsources);
	uint32_t shown = ts->nsources < 32 ? ts->nsources : 32;
	for (uint32_t i = 0; i < shown; i++)
		printf("    %-20s %llu records\n", ts->sources[i].name,
		       (unsigned long long)(i < a->nper_src ? a->per_src[i] : 0));
	if (shown < ts->nsources)
		printf("    ... and %u more\n", ts->nsources - shown);
	if (!a->records)
		return;
	info_print_times(a);
	printf("  addresses  0x%llx .. 0x%llx\n", (unsigned long long)a->lo,
	       (unsigned long long)a->hi);
}

static int info_one(const char *path)
{
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_open(path, &e);
	if (!ts)
		return report("trace info", &e);
	struct info_acc a;
	memset(&a, 0, sizeof(a));
	struct trace_rec r;
	int rc;
	while ((rc = trace_next(ts, &r, &e)) > 0)
		if (info_add(&a, ts, &r, &e)) {
			rc = -1;
			break;
		}
	if (rc == 0)
		info_print(path, ts, &a);
	free(a.per_src);
	trace_close(ts);
	return rc ? report("trace info", &e) : 0;
}

static int trace_info_cmd(int argc, char **argv)
{
	int nfiles = 0, worst = 0;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(info_usage, stdout);
			return 0;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("trace info", "unknown option '%s'", argv[i]);
	}
	for (int i = 1; i < argc; i++) {
		int rc = info_one(argv[i]);
		worst = rc > worst ? rc : worst;
		nfiles++;
	}
	if (!nfiles)
		return cli_usage_error("trace info", "no trace file given");
	return worst;
}

/* ---- cat, convert ---------------------------------------------------------------- */

static int trace_cat_cmd(int argc, char **argv)
{
	const char *cmd = "trace cat", *in = NULL;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(cat_usage, stdout);
			return 0;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
		if (in)
			return cli_usage_error(cmd, "one trace file at a time");
		in = argv[i];
	}
	if (!in)
		return cli_usage_error(cmd, "no trace file given");
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_open(in, &e);
	if (!ts)
		return report(cmd, &e);
	int rc = write_stream(cmd, ts, "-", TRACE_ENC_TEXT, false);
	trace_close(ts);
	return rc;
}

static int trace_convert_cmd(int argc, char **argv)
{
	const char *cmd = "trace convert", *files[2] = { NULL, NULL };
	bool have_format = false, gzip = false;
	enum trace_encoding enc = TRACE_ENC_TEXT;
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if (is_help(argv[i])) {
			fputs(convert_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--gzip")) {
			gzip = true;
		} else if ((m = opt_val(cmd, argc, argv, &i, "--format", &v))) {
			if (m < 0 || parse_format(cmd, v, &enc))
				return 2;
			have_format = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
		} else if (nfiles == 2) {
			return cli_usage_error(cmd, "unexpected argument '%s'; give IN and OUT", argv[i]);
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (nfiles < 2)
		return cli_usage_error(cmd, "give an input and an output file: IN OUT");
	bool known, gz;
	enum trace_encoding by_name;
	format_from_name(files[1], &known, &by_name, &gz);
	if (!have_format && !known && strcmp(files[1], "-"))
		return cli_usage_error(cmd, "cannot tell the format from '%s'; use --format "
				       "text|binary or a .trace/.txt/.bin/.iovt name", files[1]);
	if (!have_format && known)
		enc = by_name;
	struct iov_err e = { 0 };
	struct trace_stream *ts = trace_open(files[0], &e);
	if (!ts)
		return report(cmd, &e);
	int rc = write_stream(cmd, ts, files[1], enc, gzip || gz);
	trace_close(ts);
	return rc;
}

int cmd_trace(int argc, char **argv)
{
	if (argc < 2) {
		fputs(trace_usage, stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (is_help(sub) || !strcmp(sub, "help")) {
		fputs(trace_usage, stdout);
		return 0;
	}
	if (!strcmp(sub, "gen"))
		return trace_gen_cmd(argc - 1, argv + 1);
	if (!strcmp(sub, "info"))
		return trace_info_cmd(argc - 1, argv + 1);
	if (!strcmp(sub, "cat"))
		return trace_cat_cmd(argc - 1, argv + 1);
	if (!strcmp(sub, "convert"))
		return trace_convert_cmd(argc - 1, argv + 1);
	return cli_usage_error("trace", "unknown sub-command '%s'; use gen, info, cat or convert",
			       sub);
}
