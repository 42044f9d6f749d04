/* trace_text.c - the text trace encoding: a line-by-line streaming reader and the canonical writer
 *
 * One record per line: TIME SOURCE OP ADDR LEN [FLAG...]; '#' starts a
 * comment; docs/trace-format.md is the reference. The reader works in place
 * in the file's input buffer (no copy, no allocation per line) and reports
 * every problem as FILE:LINE:COL with the column of the offending field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace_impl.h"
#include "units.h"

#define TEXT_QUOTE 64   /* longest quoted field in a message */
#define TEXT_FLAGS "ro, ns, ido, sync, at, pasid=N, data=N (msi only), flow=N (packets only)"

struct text_tok {
	char *s;        /* NUL-terminated in place */
	size_t len;
	int col;        /* 1-based */
};

static const struct {
	const char *name;
	enum trace_op op;
} text_ops[] = {
	{ "rd", TRACE_OP_READ }, { "read", TRACE_OP_READ },
	{ "wr", TRACE_OP_WRITE }, { "write", TRACE_OP_WRITE },
	{ "msi", TRACE_OP_MSI },
	{ "pkt_tx", TRACE_OP_PKT_TX }, { "pkt_rx", TRACE_OP_PKT_RX },
};

static const uint32_t text_plain_flags[] = {
	TRACE_F_RO, TRACE_F_NS, TRACE_F_IDO, TRACE_F_SYNC, TRACE_F_TRANSLATED,
};

static int text_err(struct trace_file *f, struct iov_err *e, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int text_err(struct trace_file *f, struct iov_err *e, int col, const char *fmt, ...)
{
	va_list ap;
	bool first = e && !e->status;
	va_start(ap, fmt);
	iov_err_vat(e, IOV_BAD_INPUT, f->ts.name, (int)f->line, col, fmt, ap);
	va_end(ap);
	for (char *c = e->msg; first && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';       /* quoted fields may hold control bytes */
	f->failed = true;
	return -1;
}

/* ---- lines and fields ---------------------------------------------------- */

/* Next line, NUL-terminated in f->buf without its newline (and a CR before it).
 * 1 with *line set, 0 at the end, -1 with e set. */
static int text_getline(struct trace_file *f, char **line, struct iov_err *e)
{
	for (;;) {
		unsigned char *p = f->buf + f->pos;
		size_t avail = f->end - f->pos;
		unsigned char *nl = memchr(p, '\n', avail);
		if (nl || (f->eof && avail)) {
			size_t n = nl ? (size_t)(nl - p) : avail;
			f->pos += nl ? n + 1 : n;
			f->line++;
			p[n] = '\0';    /* buf has one spare byte after TRACE_IOBUF */
			if (n && p[n - 1] == '\r')
				p[--n] = '\0';
			if (n > TRACE_MAX_LINE)
				return text_err(f, e, TRACE_MAX_LINE + 1,
						"line longer than %d characters", TRACE_MAX_LINE);
			unsigned char *nul = memchr(p, '\0', n);
			if (nul)
				return text_err(f, e, (int)(nul - p) + 1,
						"NUL byte in a text trace (a corrupt file, or not a trace?)");
			*line = (char *)p;
			return 1;
		}
		if (f->eof)
			return 0;
		if (avail > TRACE_MAX_LINE + 1) {     /* + 1: a CR before the newline */
			f->line++;
			return text_err(f, e, TRACE_MAX_LINE + 1, "line longer than %d characters",
					TRACE_MAX_LINE);
		}
		if (trace_file_fill(f, e) < 0) {
			f->failed = true;
			return -1;
		}
	}
}

static bool text_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next blank-separated field at *p, NUL-terminated in place; false at the end
 * of the line or at a '#' comment. */
static bool text_field(char *line, char **p, struct text_tok *t)
{
	char *q = *p;
	while (text_blank(*q))
		q++;
	if (!*q || *q == '#') {
		*p = q;
		return false;
	}
	t->s = q;
	t->col = (int)(q - line) + 1;
	while (*q && !text_blank(*q) && *q != '#')
		q++;
	t->len = (size_t)(q - t->s);
	if (*q == '#') {
		*q = '\0';      /* the rest is a comment */
		*p = q;
	} else if (*q) {
		*q = '\0';
		*p = q + 1;
	} else {
		*p = q;
	}
	return true;
}

/* Strict unsigned number: 0x hex or decimal, no unit, at most 64 bits. */
static int text_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (!*s)
			return -1;
		for (; *s; s++) {
			int d = (*s >= '0' && *s <= '9') ? *s - '0'
				: (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
				: (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
			if (d < 0 || x >> 60)
				return -1;
			x = x * 16 + (uint64_t)d;
		}
	} else {
		if (!*s)
			return -1;
		for (; *s; s++) {
			if (*s < '0' || *s > '9')
				return -1;
			uint64_t d = (uint64_t)(*s - '0');
			if (x > (UINT64_MAX - d) / 10)
				return -1;
			x = x * 10 + d;
		}
	}
	*v = x;
	return 0;
}

/* ---- fields ---------------------------------------------------------------- */

static int text_time(struct trace_file *f, const struct text_tok *t, sim_time_t *out,
		     struct iov_err *e)
{
	if (!strcmp(t->s, "-")) {
		*out = TRACE_TIME_ASAP;
		return 0;
	}
	bool rel = t->s[0] == '+';
	sim_time_t v;
	const char *why;
	if (units_parse_time(t->s + rel, &v, &why))
		return text_err(f, e, t->col, "bad time '%.*s': %s; or +DELTA, or - (as soon as "
				"possible)", TEXT_QUOTE, t->s, why);
	if (rel) {
		if (v >= TRACE_TIME_ASAP - f->prev_time)
			return text_err(f, e, t->col, "time %.*s past the previous record overflows "
					"the 64-bit picosecond clock", TEXT_QUOTE, t->s);
		v += f->prev_time;
	}
	if (v == TRACE_TIME_ASAP)
		return text_err(f, e, t->col, "time too large; at most %llu ps",
				(unsigned long long)TRACE_TIME_ASAP - 1);
	if (v < f->prev_time) {
		char a[40], b[40];
		trace_fmt_time(v, a, sizeof(a));
		trace_fmt_time(f->prev_time, b, sizeof(b));
		return text_err(f, e, t->col, "time %s is before the previous record's time %s; "
				"times must not decrease", a, b);
	}
	*out = v;
	return 0;
}

static int text_source(struct trace_file *f, const struct text_tok *t, uint32_t *idx,
		       struct iov_err *e)
{
	if (f->src.n && !strcmp(f->src.v[f->last_src].name, t->s)) {
		*idx = f->last_src;
		return 0;
	}
	struct trace_source s;
	const char *why;
	if (trace_source_parse(t->s, t->len, &s, &why))
		return text_err(f, e, t->col, "bad source '%.*s': %s", TEXT_QUOTE, t->s, why);
	bool added, nomem;
	if (trace_srctab_get(&f->src, &s, idx, &added, &nomem, &why)) {
		text_err(f, e, t->col, "source '%s': %s", s.name, why);
		if (nomem)
			e->status = IOV_INTERNAL;
		return -1;
	}
	f->ts.sources = f->src.v;
	f->ts.nsources = f->src.n;
	f->last_src = *idx;
	return 0;
}

static int text_op(struct trace_file *f, const struct text_tok *t, enum trace_op *op,
		   struct iov_err *e)
{
	for (size_t i = 0; i < sizeof(text_ops) / sizeof(text_ops[0]); i++) {
		if (!strcmp(t->s, text_ops[i].name)) {
			*op = text_ops[i].op;
			return 0;
		}
	}
	return text_err(f, e, t->col, "unknown op '%.*s'; allowed: rd (read), wr (write), msi, "
			"pkt_tx, pkt_rx", TEXT_QUOTE, t->s);
}

static int text_len(struct trace_file *f, const struct text_tok *t, enum trace_op op,
		    uint32_t *len, struct iov_err *e)
{
	if (!strcmp(t->s, "-")) {
		if (op != TRACE_OP_MSI)
			return text_err(f, e, t->col, "LEN '-' is only for msi records; give a size "
					"such as 64 or 4KiB");
		*len = 4;
		return 0;
	}
	uint64_t v;
	const char *why;
	if (units_parse_size(t->s, &v, &why))
		return text_err(f, e, t->col, "bad length '%.*s': %s", TEXT_QUOTE, t->s, why);
	if (v == 0)
		return text_err(f, e, t->col, "length 0; a record moves at least 1 byte");
	if (v > UINT32_MAX)
		return text_err(f, e, t->col, "length %s is too large; at most 4294967295 bytes",
				t->s);
	if (op == TRACE_OP_MSI && v != 4)
		return text_err(f, e, t->col, "an msi is a 4-byte write; LEN must be 4 or -");
	*len = (uint32_t)v;
	return 0;
}

/* A valued flag: pasid=N or data=N. */
static int text_valued_flag(struct trace_file *f, const struct text_tok *t, char *eq,
			    struct trace_rec *r, bool *have_data, struct iov_err *e)
{
	uint64_t v;
	*eq = '\0';
	const char *val = eq + 1;
	bool pasid = !strcmp(t->s, "pasid"), flow = !strcmp(t->s, "flow");
	if (!pasid && !flow && strcmp(t->s, "data")) {
		*eq = '=';
		return text_err(f, e, t->col, "unknown flag '%.*s'; allowed: " TEXT_FLAGS,
				TEXT_QUOTE, t->s);
	}
	if (pasid ? (r->flags & TRACE_F_PASID) != 0 : *have_data)
		return text_err(f, e, t->col, "flag '%s' given twice", t->s);
	if (text_u64(val, &v))
		return text_err(f, e, t->col, "bad %s value '%.*s'; use decimal or 0x hex",
				t->s, TEXT_QUOTE, val);
	if (flow) {
		if (r->op != TRACE_OP_PKT_TX && r->op != TRACE_OP_PKT_RX)
			return text_err(f, e, t->col, "flow= is only for packet records (pkt_tx, "
					"pkt_rx)");
		if (v > UINT32_MAX)
			return text_err(f, e, t->col, "flow %s is out of range; it has 32 bits "
					"(at most 0xffffffff)", val);
		r->flags |= TRACE_F_FLOW;
		r->data = (uint32_t)v;
		*have_data = true;
		return 0;
	}
	if (pasid) {
		if (v >= TRACE_PASID_LIMIT)
			return text_err(f, e, t->col, "PASID %s is out of range; a PASID has 20 bits "
					"(0 to 0xfffff)", val);
		r->flags |= TRACE_F_PASID;
		r->pasid = (uint32_t)v;
		return 0;
	}
	if (r->op != TRACE_OP_MSI)
		return text_err(f, e, t->col, "data= is only for msi records");
	if (v > UINT32_MAX)
		return text_err(f, e, t->col, "msi data %s is out of range; it has 32 bits "
				"(at most 0xffffffff)", val);
	r->data = (uint32_t)v;
	*have_data = true;
	return 0;
}

static int text_flag(struct trace_file *f, const struct text_tok *t, struct trace_rec *r,
		     bool *have_data, struct iov_err *e)
{
	char *eq = strchr(t->s, '=');
	if (eq)
		return text_valued_flag(f, t, eq, r, have_data, e);
	for (size_t i = 0; i < sizeof(text_plain_flags) / sizeof(text_plain_flags[0]); i++) {
		uint32_t bit = text_plain_flags[i];
		if (strcmp(t->s, trace_flag_name(bit)))
			continue;
		if (r->flags & bit)
			return text_err(f, e, t->col, "flag '%s' given twice", t->s);
		r->flags |= bit;
		return 0;
	}
	if (!strcmp(t->s, "pasid") || !strcmp(t->s, "data") || !strcmp(t->s, "flow"))
		return text_err(f, e, t->col, "flag '%s' needs a value: %s=N", t->s, t->s);
	return text_err(f, e, t->col, "unknown flag '%.*s'; allowed: " TEXT_FLAGS, TEXT_QUOTE, t->s);
}

/* ---- lines ---------------------------------------------------------------- */

/* The optional first line "#!iovsim-trace v1". */
static int text_magic(struct trace_file *f, char *line, struct iov_err *e)
{
	char copy[TEXT_QUOTE + 1];
	snprintf(copy, sizeof(copy), "%s", line);
	char *p = line + strlen(TRACE_TEXT_MAGIC);
	struct text_tok v;
	if (text_blank(*p) && text_field(line, &p, &v) && !strcmp(v.s, "v1") &&
	    !text_field(line, &p, &v))
		return 0;
	return text_err(f, e, 1, "unsupported trace header '%s'; this reader reads '%s v1'",
			copy, TRACE_TEXT_MAGIC);
}

static const char *const text_field_names[] = { "TIME", "SOURCE", "OP", "ADDR", "LEN" };

/* Parse one line: 1 with *r filled, 0 for a blank or comment line, -1 with e set. */
static int text_parse(struct trace_file *f, char *line, struct trace_rec *r, struct iov_err *e)
{
	if (f->line == 1 && !strncmp(line, TRACE_TEXT_MAGIC, strlen(TRACE_TEXT_MAGIC)))
		return text_magic(f, line, e) ? -1 : 0;
	char *p = line;
	struct text_tok t[5];
	int n = 0;
	while (n < 5 && text_field(line, &p, &t[n]))
		n++;
	if (n == 0)
		return 0;
	if (n < 5) {
		int col = t[n - 1].col + (int)t[n - 1].len + 1;
		return text_err(f, e, col, "missing %s; a record is TIME SOURCE OP ADDR LEN "
				"[FLAG...]", text_field_names[n]);
	}
	memset(r, 0, sizeof(*r));
	if (text_time(f, &t[0], &r->time, e) || text_source(f, &t[1], &r->src, e) ||
	    text_op(f, &t[2], &r->op, e))
		return -1;
	if (text_u64(t[3].s, &r->addr))
		return text_err(f, e, t[3].col, "bad address '%.*s'; use hex (0x10000) or decimal, "
				"at most 64 bits", TEXT_QUOTE, t[3].s);
	if (text_len(f, &t[4], r->op, &r->len, e))
		return -1;
	bool have_data = false;
	struct text_tok fl;
	while (text_field(line, &p, &fl))
		if (text_flag(f, &fl, r, &have_data, e))
			return -1;
	if (r->time != TRACE_TIME_ASAP)
		f->prev_time = r->time;
	return 1;
}

static int text_next(struct trace_stream *ts, struct trace_rec *r, struct iov_err *e)
{
	struct trace_file *f = (struct trace_file *)ts;
	if (f->failed)
		return iov_err_at(e, IOV_BAD_INPUT, ts->name, 0, 0, "reading stopped at an earlier "
				  "error");
	if (f->done)
		return 0;
	for (;;) {
		char *line = NULL;
		int rc = text_getline(f, &line, e);
		if (rc == 0)
			f->done = true;
		if (rc <= 0)
			return rc;
		rc = text_parse(f, line, r, e);
		if (rc)
			return rc;
	}
}

const struct trace_stream_ops trace_text_ops = { .next = text_next, .close = trace_file_close };

/* ---- writer ---------------------------------------------------------------- */

int trace_text_put_header(struct trace_writer *w, struct iov_err *e)
{
	static const char hdr[] = TRACE_TEXT_MAGIC " v1\n# time source op addr len [flags]\n";
	if (trace_writer_room(w, sizeof(hdr), e))
		return -1;
	memcpy(w->buf + w->n, hdr, sizeof(hdr) - 1);
	w->n += sizeof(hdr) - 1;
	return 0;
}

/* Longest canonical line: time, 63-character name, op, addr, len and every flag. */
#define TEXT_MAX_OUT 256

int trace_text_put_rec(struct trace_writer *w, const struct trace_rec *r, struct iov_err *e)
{
	if (trace_writer_room(w, TEXT_MAX_OUT, e))
		return -1;
	char tbuf[40] = "-";
	if (r->time != TRACE_TIME_ASAP)
		trace_fmt_time(r->time, tbuf, sizeof(tbuf));
	char *out = (char *)w->buf + w->n;
	int n = snprintf(out, TEXT_MAX_OUT, "%s %s %s 0x%llx %u", tbuf, w->src.v[r->src].name,
			 trace_op_name(r->op), (unsigned long long)r->addr, r->len);
	for (size_t i = 0; i < sizeof(text_plain_flags) / sizeof(text_plain_flags[0]); i++)
		if (r->flags & text_plain_flags[i])
			n += snprintf(out + n, (size_t)(TEXT_MAX_OUT - n), " %s",
				      trace_flag_name(text_plain_flags[i]));
	if (r->flags & TRACE_F_PASID)
		n += snprintf(out + n, (size_t)(TEXT_MAX_OUT - n), " pasid=%u", r->pasid);
	if (r->op == TRACE_OP_MSI && r->data)
		n += snprintf(out + n, (size_t)(TEXT_MAX_OUT - n), " data=0x%x", r->data);
	if (r->flags & TRACE_F_FLOW)
		n += snprintf(out + n, (size_t)(TEXT_MAX_OUT - n), " flow=%u", r->data);
	out[n++] = '\n';
	w->n += (size_t)n;
	return 0;
}
