/* trace_io.c - opening traces (gzip and encoding detection), source tables, the publishing writer */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_impl.h"

/* ---- names ---------------------------------------------------------------- */

static const char *const trace_op_names[TRACE_OP__COUNT] = {
	[TRACE_OP_READ] = "rd", [TRACE_OP_WRITE] = "wr", [TRACE_OP_MSI] = "msi",
	[TRACE_OP_PKT_TX] = "pkt_tx", [TRACE_OP_PKT_RX] = "pkt_rx",
};

const char *trace_op_name(enum trace_op op)
{
	return (unsigned)op < TRACE_OP__COUNT ? trace_op_names[op] : "?";
}

const char *trace_flag_name(uint32_t flag)
{
	switch (flag) {
	case TRACE_F_RO: return "ro";
	case TRACE_F_NS: return "ns";
	case TRACE_F_IDO: return "ido";
	case TRACE_F_SYNC: return "sync";
	case TRACE_F_TRANSLATED: return "at";
	case TRACE_F_PASID: return "pasid";
	case TRACE_F_FLOW: return "flow";
	default: return NULL;
	}
}

/* ---- sources ---------------------------------------------------------------- */

static int trace_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse exactly 'digits' hex digits at *p (advanced); -1 if they are not there. */
static long trace_hexn(const char **p, const char *end, int digits)
{
	long v = 0;
	for (int i = 0; i < digits; i++, (*p)++) {
		int d = *p < end ? trace_hexval(**p) : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static const char trace_bdf_form[] =
	"a BDF is bb:dd.f in hex (bus 00-ff, device 00-1f, function 0-7), "
	"optionally after a segment: 0000:bb:dd.f";

static int trace_bdf_parse(const char *s, size_t len, uint16_t *rid, const char **why)
{
	const char *p = s, *end = s + len;
	const char *c1 = memchr(s, ':', len);
	if (c1 && memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) {
		long seg = trace_hexn(&p, end, 4);
		if (seg < 0 || p >= end || *p != ':') {
			*why = trace_bdf_form;
			return -1;
		}
		if (seg != 0) {
			*why = "only PCI segment 0000 is modelled";
			return -1;
		}
		p++;
	}
	long bus = trace_hexn(&p, end, 2);
	if (bus < 0 || p >= end || *p++ != ':') {
		*why = trace_bdf_form;
		return -1;
	}
	long dev = trace_hexn(&p, end, 2);
	if (dev < 0 || p >= end || *p++ != '.') {
		*why = trace_bdf_form;
		return -1;
	}
	long fn = trace_hexn(&p, end, 1);
	if (fn < 0 || p != end) {
		*why = trace_bdf_form;
		return -1;
	}
	if (dev > 0x1f) {
		*why = "the device number is above 1f; a BDF is bb:dd.f in hex (device 00-1f)";
		return -1;
	}
	if (fn > 7) {
		*why = "the function number is above 7; a BDF is bb:dd.f in hex (function 0-7)";
		return -1;
	}
	*rid = (uint16_t)(bus << 8 | dev << 3 | fn);
	return 0;
}

int trace_parse_bdf(const char *s, uint16_t *rid)
{
	const char *why;
	return s ? trace_bdf_parse(s, strlen(s), rid, &why) : -1;
}

static bool trace_name_char(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
}

int trace_source_parse(const char *tok, size_t len, struct trace_source *s, const char **why)
{
	memset(s, 0, sizeof(*s));
	if (memchr(tok, ':', len)) {
		if (trace_bdf_parse(tok, len, &s->rid, why))
			return -1;
		s->is_bdf = true;
		snprintf(s->name, sizeof(s->name), "%02x:%02x.%x", s->rid >> 8, (s->rid >> 3) & 0x1f,
			 s->rid & 7);
		return 0;
	}
	if (len == 0 || len > TRACE_MAX_NAME) {
		*why = len ? "a source name has at most 63 characters"
			   : "a source is a name or a BDF; it cannot be empty";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!trace_name_char(tok[i], i == 0)) {
			*why = "a source is a name ([A-Za-z_][A-Za-z0-9_.-]*: a letter or _ first) "
			       "or a BDF bb:dd.f in hex";
			return -1;
		}
	}
	memcpy(s->name, tok, len);
	return 0;
}

static uint32_t trace_name_hash(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static int trace_srctab_rehash(struct trace_srctab *t, uint32_t nslots)
{
	uint32_t *slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -1;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t h = trace_name_hash(t->v[i].name) & (nslots - 1);
		while (slot[h])
			h = (h + 1) & (nslots - 1);
		slot[h] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslots = nslots;
	return 0;
}

static int trace_srctab_grow(struct trace_srctab *t)
{
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 8;
		struct trace_source *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	if (2 * (t->n + 1) >= t->nslots)
		return trace_srctab_rehash(t, t->nslots ? t->nslots * 2 : 16);
	return 0;
}

int trace_srctab_get(struct trace_srctab *t, const struct trace_source *s, uint32_t *idx,
		     bool *added, bool *nomem, const char **why)
{
	*added = false;
	*nomem = false;
	uint32_t h = trace_name_hash(s->name);
	if (t->nslots) {
		for (uint32_t i = h & (t->nslots - 1); t->slot[i]; i = (i + 1) & (t->nslots - 1)) {
			if (!strcmp(t->v[t->slot[i] - 1].name, s->name)) {
				*idx = t->slot[i] - 1;
				return 0;
			}
		}
	}
	if (t->n >= TRACE_MAX_SOURCES) {
		*why = "too many distinct sources; a trace has at most 65536";
		return -1;
	}
	if (trace_srctab_grow(t)) {
		*nomem = true;
		*why = "out of memory for the source table";
		return -1;
	}
	uint32_t i = h & (t->nslots - 1);
	while (t->slot[i])
		i = (i + 1) & (t->nslots - 1);
	t->v[t->n] = *s;
	t->slot[i] = t->n + 1;
	*idx = t->n++;
	*added = true;
	return 0;
}

void trace_srctab_free(struct trace_srctab *t)
{
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* ---- times ---------------------------------------------------------------- */

void trace_fmt_time(sim_time_t t, char *buf, size_t len)
{
	static const struct { sim_time_t ps; int digits; const char *unit; } units[] = {
		{ SIM_S, 12, "s" }, { SIM_MS, 9, "ms" }, { SIM_US, 6, "us" }, { SIM_NS, 3, "ns" },
	};
	if (t == 0) {
		snprintf(buf, len, "0ns");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (t < units[i].ps)
			continue;
		char frac[16] = "";
		sim_time_t rem = t % units[i].ps;
		if (rem) {
			int d = units[i].digits;
			frac[0] = '.';
			for (int k = d; k > 0; k--, rem /= 10)
				frac[k] = (char)('0' + rem % 10);
			while (frac[d] == '0')
				d--;
			frac[d + 1] = '\0';
		}
		snprintf(buf, len, "%llu%s%s", (unsigned long long)(t / units[i].ps), frac,
			 units[i].unit);
		return;
	}
	snprintf(buf, len, "%llups", (unsigned long long)t);
}

/* ---- reading ---------------------------------------------------------------- */

/* gzerror's text without the "<fd:N>: " that gzdopen'ed streams put first. */
static const char *trace_gzmsg(gzFile gz, int *errnum)
{
	const char *msg = gzerror(gz, errnum);
	if (msg && !strncmp(msg, "<fd:", 4) && strstr(msg, ": "))
		msg = strstr(msg, ": ") + 2;
	return msg;
}

static int trace_file_gzfail(struct trace_file *f, struct iov_err *e)
{
	int errnum = Z_OK;
	const char *msg = trace_gzmsg(f->gz, &errnum);
	if (errnum == Z_ERRNO)
		return iov_err_at(e, IOV_INTERNAL, f->ts.name, 0, 0, "read error: %s",
				  strerror(errno));
	return iov_err_at(e, IOV_BAD_INPUT, f->ts.name, 0, 0,
			  "corrupt or truncated gzip data (%s)", msg && *msg ? msg : "unknown");
}

long trace_file_fill(struct trace_file *f, struct iov_err *e)
{
	if (f->eof)
		return 0;
	if (f->pos > 0) {
		memmove(f->buf, f->buf + f->pos, f->end - f->pos);
		f->buf_off += f->pos;
		f->end -= f->pos;
		f->pos = 0;
	}
	if (f->end == TRACE_IOBUF)
		return 0;       /* full: the caller decides (overlong line) */
	int n = gzread(f->gz, f->buf + f->end, (unsigned)(TRACE_IOBUF - f->end));
	if (n < 0)
		return trace_file_gzfail(f, e);
	if (n == 0) {
		int errnum = Z_OK;
		gzerror(f->gz, &errnum);
		if (errnum != Z_OK)
			return trace_file_gzfail(f, e);
		f->eof = true;
		return 0;
	}
	f->end += (size_t)n;
	return n;
}

void trace_file_close(struct trace_stream *ts)
{
	struct trace_file *f = (struct trace_file *)ts;
	if (f->gz)
		gzclose_r(f->gz);
	trace_srctab_free(&f->src);
	free(f->buf);
	free(f->path);
	free(f);
}

int trace_stream_format(const struct trace_stream *ts, enum trace_encoding *enc, bool *gzip)
{
	if (!ts || (ts->ops != &trace_text_ops && ts->ops != &trace_binary_ops))
		return -1;
	const struct trace_file *f = (const struct trace_file *)ts;
	*enc = f->enc;
	*gzip = f->gzip;
	return 0;
}

/* Open the descriptor behind a reader: refuse directories and the like with a clear message. */
static int trace_open_fd(const char *path, const char *name, struct iov_err *e)
{
	if (!strcmp(path, "-")) {
		int fd = dup(STDIN_FILENO);
		if (fd < 0)
			iov_err_at(e, IOV_INTERNAL, name, 0, 0, "cannot read: %s", strerror(errno));
		return fd;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int st = errno == ENOMEM || errno == EMFILE || errno == ENFILE ? IOV_INTERNAL
									   : IOV_BAD_INPUT;
		iov_err_at(e, st, name, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		iov_err_at(e, IOV_BAD_INPUT, name, 0, 0, "is a directory, not a trace file");
		return -1;
	}
	return fd;
}

/* Read the first bytes and pick the encoding; leaves pos after the binary magic. */
static int trace_detect(struct trace_file *f, struct iov_err *e)
{
	while (f->end < TRACE_BIN_MAGIC_LEN) {
		long n = trace_file_fill(f, e);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
	}
	f->gzip = !gzdirect(f->gz);
	if (f->end >= TRACE_BIN_MAGIC_LEN && !memcmp(f->buf, TRACE_BIN_MAGIC, TRACE_BIN_MAGIC_LEN)) {
		f->enc = TRACE_ENC_BINARY;
		f->ts.ops = &trace_binary_ops;
		f->pos = TRACE_BIN_MAGIC_LEN;
		return 0;
	}
	if (f->end >= 6 && !memcmp(f->buf, TRACE_BIN_MAGIC, 6))
		return iov_err_at(e, IOV_BAD_INPUT, f->ts.name, 0, 0,
				  "unsupported binary trace version '%.7s'; this reader reads %.7s",
				  (const char *)f->buf, TRACE_BIN_MAGIC);
	f->enc = TRACE_ENC_TEXT;
	f->ts.ops = &trace_text_ops;
	return 0;
}

struct trace_stream *trace_open(const char *path, struct iov_err *e)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct trace_file *f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(name)) || !(f->buf = malloc(TRACE_IOBUF + 1))) {
		iov_err_at(e, IOV_INTERNAL, name, 0, 0, "out of memory");
		goto err;
	}
	f->ts.name = f->path;
	f->ts.ops = &trace_text_ops;
	int fd = trace_open_fd(path, name, e);
	if (fd < 0)
		goto err;
	f->gz = gzdopen(fd, "rb");
	if (!f->gz) {
		close(fd);
		iov_err_at(e, IOV_INTERNAL, name, 0, 0, "cannot open: out of memory");
		goto err;
	}
	gzbuffer(f->gz, TRACE_IOBUF);
	if (trace_detect(f, e))
		goto err;
	return &f->ts;
err:
	if (f)
		trace_file_close(&f->ts);
	return NULL;
}

/* ---- writing ---------------------------------------------------------------- */

static int trace_writer_ioerr(struct trace_writer *w, struct iov_err *e, const char *what)
{
	int errnum = Z_OK;
	const char *msg = w->gz ? trace_gzmsg(w->gz, &errnum) : NULL;
	w->failed = true;
	if (errnum != Z_OK && errnum != Z_ERRNO && msg)
		return iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "%s: %s", what, msg);
	return iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "%s: %s", what,
			  errno ? strerror(errno) : "I/O error");
}

static int trace_writer_flush(struct trace_writer *w, struct iov_err *e)
{
	if (w->n == 0)
		return 0;
	errno = 0;
	if (gzwrite(w->gz, w->buf, (unsigned)w->n) != (int)w->n)
		return trace_writer_ioerr(w, e, "write failed");
	w->n = 0;
	return 0;
}

int trace_writer_room(struct trace_writer *w, size_t len, struct iov_err *e)
{
	if (w->n + len <= sizeof(w->buf))
		return 0;
	return trace_writer_flush(w, e);
}

/* Create the temporary file next to path (or take stdout) and wrap it in gz. */
static int trace_writer_create(struct trace_writer *w, bool gzip, struct iov_err *e)
{
	int fd;
	if (!w->tmp) {
		fflush(stdout);
		fd = dup(STDOUT_FILENO);
	} else {
		fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	}
	if (fd < 0) {
		iov_err_at(e, IOV_BAD_INPUT, w->path, 0, 0, "cannot create%s%s: %s",
			   w->tmp ? " " : "", w->tmp ? w->tmp : "", strerror(errno));
		free(w->tmp);
		w->tmp = NULL;  /* not ours: abort must not remove it */
		return -1;
	}
	if (w->tmp && (w->sync_fd = dup(fd)) < 0) {
		close(fd);
		return iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "dup: %s", strerror(errno));
	}
	w->gz = gzdopen(fd, gzip ? "wb6" : "wbT");
	if (!w->gz) {
		close(fd);
		return iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "cannot open: out of memory");
	}
	gzbuffer(w->gz, TRACE_IOBUF);
	return 0;
}

struct trace_writer *trace_writer_open(const char *path, enum trace_encoding enc, bool gzip,
				       struct iov_err *e)
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		iov_err_at(e, IOV_INTERNAL, path, 0, 0, "out of memory");
		return NULL;
	}
	w->sync_fd = -1;
	w->enc = enc;
	if (strcmp(path, "-")) {
		size_t n = strlen(path) + 32;
		if (!(w->tmp = malloc(n))) {
			iov_err_at(e, IOV_INTERNAL, path, 0, 0, "out of memory");
			goto err;
		}
		snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
	}
	if (trace_writer_create(w, gzip, e))
		goto err;
	int rc = enc == TRACE_ENC_BINARY ? trace_binary_put_header(w, e)
					 : trace_text_put_header(w, e);
	if (rc)
		goto err;
	return w;
err:
	trace_writer_abort(w);
	return NULL;
}

int trace_writer_source(struct trace_writer *w, const char *name, struct iov_err *e)
{
	struct trace_source s;
	const char *why;
	if (trace_source_parse(name, strlen(name), &s, &why))
		return iov_err_at(e, IOV_BAD_INPUT, w->path, 0, 0, "bad source '%s': %s", name, why);
	uint32_t idx;
	bool added, nomem;
	if (trace_srctab_get(&w->src, &s, &idx, &added, &nomem, &why))
		return iov_err_at(e, nomem ? IOV_INTERNAL : IOV_BAD_INPUT, w->path, 0, 0,
				  "source '%s': %s", name, why);
	if (added && w->enc == TRACE_ENC_BINARY && trace_binary_put_source(w, &s, e))
		return -1;
	return (int)idx;
}

/* The checks a reader applies, so a writer never produces a trace it would reject. */
static const char *trace_rec_invalid(const struct trace_writer *w, const struct trace_rec *r)
{
	if (r->src >= w->src.n)
		return "source index out of range (add sources with trace_writer_source)";
	if ((unsigned)r->op >= TRACE_OP__COUNT)
		return "unknown op";
	if (r->len == 0)
		return "length 0; a record moves at least 1 byte";
	if (r->op == TRACE_OP_MSI && r->len != 4)
		return "an msi is a 4-byte write; its length must be 4";
	bool pkt = r->op == TRACE_OP_PKT_TX || r->op == TRACE_OP_PKT_RX;
	if ((r->flags & TRACE_F_FLOW) && !pkt)
		return "a flow is only for packet records";
	if (r->op != TRACE_OP_MSI && !(r->flags & TRACE_F_FLOW) && r->data)
		return "data is only for msi records (and the flow of packet records)";
	if (r->flags & ~TRACE_F_ALL)
		return "unknown flag bits";
	if ((r->flags & TRACE_F_PASID) ? r->pasid >= TRACE_PASID_LIMIT : r->pasid != 0)
		return "PASID without the pasid flag, or above 20 bits";
	if (r->time != TRACE_TIME_ASAP && r->time < w->prev_time)
		return "time before the previous record's; times must not decrease";
	return NULL;
}

int trace_write(struct trace_writer *w, const struct trace_rec *r, struct iov_err *e)
{
	if (w->failed)
		return iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "write after an earlier failure");
	const char *bad = trace_rec_invalid(w, r);
	if (bad)
		return iov_err_at(e, IOV_BAD_INPUT, w->path, 0, 0, "record %llu: %s",
				  (unsigned long long)w->nrec + 1, bad);
	int rc = w->enc == TRACE_ENC_BINARY ? trace_binary_put_rec(w, r, e)
					    : trace_text_put_rec(w, r, e);
	if (rc) {
		w->failed = true;
		return -1;
	}
	if (r->time != TRACE_TIME_ASAP)
		w->prev_time = r->time;
	w->nrec++;
	return 0;
}

static void trace_writer_free(struct trace_writer *w)
{
	if (w->sync_fd >= 0)
		close(w->sync_fd);
	trace_srctab_free(&w->src);
	free(w->tmp);
	free(w->path);
	free(w);
}

int trace_writer_close(struct trace_writer *w, struct iov_err *e)
{
	if (!w)
		return 0;
	int rc = w->failed ? iov_err_at(e, IOV_INTERNAL, w->path, 0, 0,
					"not published after an earlier write failure") : 0;
	if (!rc && w->enc == TRACE_ENC_BINARY)
		rc = trace_binary_put_end(w, e);
	if (!rc)
		rc = trace_writer_flush(w, e);
	errno = 0;
	int zrc = gzclose_w(w->gz);
	w->gz = NULL;
	if (!rc && zrc != Z_OK)
		rc = iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "write failed: %s",
				zrc == Z_ERRNO && errno ? strerror(errno) : "zlib error");
	if (!rc && w->sync_fd >= 0 && fsync(w->sync_fd) && errno != EINVAL)
		rc = iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "fsync: %s", strerror(errno));
	if (!rc && w->tmp && rename(w->tmp, w->path))
		rc = iov_err_at(e, IOV_INTERNAL, w->path, 0, 0, "cannot rename %s: %s", w->tmp,
				strerror(errno));
	if (rc && w->tmp)
		unlink(w->tmp);
	trace_writer_free(w);
	return rc;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	struct iov_err ignored = { 0 };
	if (w->gz && !w->tmp && !w->failed)
		trace_writer_flush(w, &ignored);        /* stdout: keep what was streamed */
	if (w->gz)
		gzclose_w(w->gz);
	if (w->tmp)
		unlink(w->tmp);
	trace_writer_free(w);
}
