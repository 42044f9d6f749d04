/* trace_binary.c - the compact binary trace encoding: a streaming decoder and the encoder
 *
 * Layout (docs/trace-format.md, "Binary encoding"): the magic "IOVTRC1\n",
 * then typed records: 0x01 source definition, 0x02 DMA/MSI record with
 * LEB128 varint fields, 0x00 end of trace. The end marker is mandatory so a
 * truncated file is detected. Every malformed input ends in an error naming
 * the record number and its byte offset; decoding never loops or reads past
 * what it was given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace_impl.h"

#define BIN_MAX_REC (2 + 6 * 10)        /* type, control, six varints of at most 10 bytes */

static int bin_err(struct trace_file *f, struct iov_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bin_err(struct trace_file *f, struct iov_err *e, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	f->failed = true;
	return iov_err_at(e, IOV_BAD_INPUT, f->ts.name, 0, 0, "record %llu (byte offset %llu): %s",
			  (unsigned long long)f->rec_no, (unsigned long long)f->rec_off, what);
}

/* Next byte: 0..255, -1 at the end of the input, -2 with e set on a read error. */
static inline int bin_getc(struct trace_file *f, struct iov_err *e)
{
	if (f->pos == f->end) {
		long n = trace_file_fill(f, e);
		if (n < 0) {
			f->failed = true;
			return -2;
		}
		if (n == 0)
			return -1;
	}
	return f->buf[f->pos++];
}

/* A byte that must be there: 0..255, or -1 with e set. */
static int bin_need(struct trace_file *f, const char *what, struct iov_err *e)
{
	int c = bin_getc(f, e);
	if (c == -1)
		return bin_err(f, e, "truncated in the %s", what);
	return c < 0 ? -1 : c;
}

/* An unsigned LEB128 varint of at most 64 bits. */
static int bin_varint(struct trace_file *f, const char *what, uint64_t *v, struct iov_err *e)
{
	uint64_t x = 0;
	for (unsigned shift = 0;; shift += 7) {
		int c = bin_need(f, what, e);
		if (c < 0)
			return -1;
		if (shift == 63 && c > 1)
			return bin_err(f, e, "the %s varint overflows 64 bits", what);
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
	}
	*v = x;
	return 0;
}

/* A name as it may appear in a message: non-printable bytes as '?'. */
static void bin_printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

static int bin_source(struct trace_file *f, struct iov_err *e)
{
	int len = bin_need(f, "source name length", e);
	if (len < 0)
		return -1;
	if (len == 0 || len > TRACE_MAX_NAME)
		return bin_err(f, e, "source name length %d; a name has 1 to %d characters", len,
			       TRACE_MAX_NAME);
	char name[TRACE_MAX_NAME + 1];
	for (int i = 0; i < len; i++) {
		int c = bin_need(f, "source name", e);
		if (c < 0)
			return -1;
		name[i] = (char)c;
	}
	name[len] = '\0';
	struct trace_source s;
	const char *why;
	if (memchr(name, '\0', (size_t)len) || trace_source_parse(name, (size_t)len, &s, &why)) {
		bin_printable(name);
		return bin_err(f, e, "bad source name '%s': %s", name,
			       memchr(name, '\0', (size_t)len) ? "it contains a NUL byte" : why);
	}
	uint32_t idx;
	bool added, nomem;
	if (trace_srctab_get(&f->src, &s, &idx, &added, &nomem, &why)) {
		bin_err(f, e, "source '%s': %s", s.name, why);
		if (nomem)
			e->status = IOV_INTERNAL;
		return -1;
	}
	if (!added)
		return bin_err(f, e, "source '%s' is defined twice (first as source %u)", s.name, idx);
	f->ts.sources = f->src.v;
	f->ts.nsources = f->src.n;
	return 0;
}

static int bin_time(struct trace_file *f, unsigned ctl, struct trace_rec *r, struct iov_err *e)
{
	if (ctl & TRACE_BC_ASAP) {
		r->time = TRACE_TIME_ASAP;
		return 0;
	}
	uint64_t d;
	if (bin_varint(f, "time", &d, e))
		return -1;
	if (d >= TRACE_TIME_ASAP - f->prev_time)
		return bin_err(f, e, "time delta %llu ps overflows the 64-bit picosecond clock",
			       (unsigned long long)d);
	r->time = f->prev_time + d;
	f->prev_time = r->time;
	return 0;
}

static int bin_len(struct trace_file *f, struct trace_rec *r, struct iov_err *e)
{
	uint64_t v;
	if (bin_varint(f, "length", &v, e))
		return -1;
	if (v == 0)
		return bin_err(f, e, "length 0; a record moves at least 1 byte");
	if (v > UINT32_MAX)
		return bin_err(f, e, "length %llu is too large; at most 4294967295 bytes",
			       (unsigned long long)v);
	if (r->op == TRACE_OP_MSI && v != 4)
		return bin_err(f, e, "msi length %llu; an msi is a 4-byte write",
			       (unsigned long long)v);
	r->len = (uint32_t)v;
	return 0;
}

/* Flags, then the PASID, the flow and the MSI data when the flags and op say they are there. */
static int bin_extras(struct trace_file *f, unsigned ctl, struct trace_rec *r, struct iov_err *e)
{
	uint64_t v;
	if (ctl & TRACE_BC_FLAGS) {
		if (bin_varint(f, "flags", &v, e))
			return -1;
		if (v & ~(uint64_t)TRACE_F_ALL)
			return bin_err(f, e, "unknown flag bits 0x%llx; known: 0x%x",
				       (unsigned long long)(v & ~(uint64_t)TRACE_F_ALL), TRACE_F_ALL);
		r->flags = (uint32_t)v;
	}
	if (r->flags & TRACE_F_PASID) {
		if (bin_varint(f, "pasid", &v, e))
			return -1;
		if (v >= TRACE_PASID_LIMIT)
			return bin_err(f, e, "PASID %llu is out of range; a PASID has 20 bits",
				       (unsigned long long)v);
		r->pasid = (uint32_t)v;
	}
	if (r->flags & TRACE_F_FLOW) {
		if (r->op != TRACE_OP_PKT_TX && r->op != TRACE_OP_PKT_RX)
			return bin_err(f, e, "flow flag on a %s record; flows are for packet "
				       "records", trace_op_name(r->op));
		if (bin_varint(f, "flow", &v, e))
			return -1;
		if (v > UINT32_MAX)
			return bin_err(f, e, "flow %llu is out of range; it has 32 bits",
				       (unsigned long long)v);
		r->data = (uint32_t)v;
	}
	if (r->op == TRACE_OP_MSI) {
		if (bin_varint(f, "msi data", &v, e))
			return -1;
		if (v > UINT32_MAX)
			return bin_err(f, e, "msi data 0x%llx is out of range; it has 32 bits",
				       (unsigned long long)v);
		r->data = (uint32_t)v;
	}
	return 0;
}

static int bin_dma(struct trace_file *f, struct trace_rec *r, struct iov_err *e)
{
	int ctl = bin_need(f, "control byte", e);
	if (ctl < 0)
		return -1;
	if (ctl & TRACE_BC_RESERVED)
		return bin_err(f, e, "reserved bits set in the control byte 0x%02x", ctl);
	memset(r, 0, sizeof(*r));
	r->op = (enum trace_op)(ctl & TRACE_BC_OP_MASK);
	if (r->op >= TRACE_OP__COUNT)
		return bin_err(f, e, "op %d is out of range; 0 rd, 1 wr, 2 msi, 3 pkt_tx, 4 pkt_rx",
			       (int)r->op);
	if (bin_time(f, (unsigned)ctl, r, e))
		return -1;
	uint64_t v;
	if (bin_varint(f, "source index", &v, e))
		return -1;
	if (v >= f->src.n)
		return bin_err(f, e, "source index %llu is out of range; %u source%s defined so far",
			       (unsigned long long)v, f->src.n, f->src.n == 1 ? " is" : "s are");
	r->src = (uint32_t)v;
	if (bin_varint(f, "address", &v, e))
		return -1;
	f->prev_addr += (v >> 1) ^ (0 - (v & 1));  /* zig-zag delta, modulo 2^64 */
	r->addr = f->prev_addr;
	if (bin_len(f, r, e))
		return -1;
	return bin_extras(f, (unsigned)ctl, r, e);
}

static int bin_end(struct trace_file *f, struct iov_err *e)
{
	int c = bin_getc(f, e);
	if (c == -2)
		return -1;
	if (c >= 0)
		return bin_err(f, e, "data after the end-of-trace marker");
	f->done = true;
	return 0;
}

static int bin_next(struct trace_stream *ts, struct trace_rec *r, struct iov_err *e)
{
	struct trace_file *f = (struct trace_file *)ts;
	if (f->failed)
		return iov_err_at(e, IOV_BAD_INPUT, ts->name, 0, 0, "reading stopped at an earlier "
				  "error");
	while (!f->done) {
		f->rec_no++;
		f->rec_off = f->buf_off + f->pos;
		int type = bin_getc(f, e);
		if (type == -2)
			return -1;
		if (type == -1)
			return bin_err(f, e, "truncated: the trace ends without its end-of-trace marker "
				       "(0x00)");
		if (type == TRACE_BT_DMA)
			return bin_dma(f, r, e) ? -1 : 1;
		if (type == TRACE_BT_SOURCE) {
			if (bin_source(f, e))
				return -1;
		} else if (type == TRACE_BT_END) {
			if (bin_end(f, e))
				return -1;
		} else if (type >= TRACE_BT_RESERVED_FIRST && type <= TRACE_BT_RESERVED_LAST) {
			return bin_err(f, e, "record type 0x%02x is reserved for packet records, which "
				       "this version does not read", type);
		} else {
			return bin_err(f, e, "unknown record type 0x%02x; expected 0x00 (end), "
				       "0x01 (source) or 0x02 (DMA/MSI)", type);
		}
	}
	return 0;
}

const struct trace_stream_ops trace_binary_ops = { .next = bin_next, .close = trace_file_close };

/* ---- writer ---------------------------------------------------------------- */

static size_t bin_put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

int trace_binary_put_header(struct trace_writer *w, struct iov_err *e)
{
	if (trace_writer_room(w, TRACE_BIN_MAGIC_LEN, e))
		return -1;
	memcpy(w->buf + w->n, TRACE_BIN_MAGIC, TRACE_BIN_MAGIC_LEN);
	w->n += TRACE_BIN_MAGIC_LEN;
	return 0;
}

int trace_binary_put_source(struct trace_writer *w, const struct trace_source *s,
			    struct iov_err *e)
{
	size_t len = strlen(s->name);
	if (trace_writer_room(w, 2 + len, e))
		return -1;
	w->buf[w->n++] = TRACE_BT_SOURCE;
	w->buf[w->n++] = (unsigned char)len;
	memcpy(w->buf + w->n, s->name, len);
	w->n += len;
	return 0;
}

int trace_binary_put_rec(struct trace_writer *w, const struct trace_rec *r, struct iov_err *e)
{
	if (trace_writer_room(w, BIN_MAX_REC, e))
		return -1;
	unsigned char *p = w->buf + w->n, *start = p;
	unsigned ctl = (unsigned)r->op;
	if (r->time == TRACE_TIME_ASAP)
		ctl |= TRACE_BC_ASAP;
	if (r->flags)
		ctl |= TRACE_BC_FLAGS;
	*p++ = TRACE_BT_DMA;
	*p++ = (unsigned char)ctl;
	if (r->time != TRACE_TIME_ASAP)
		p += bin_put_varint(p, r->time - w->prev_time);
	p += bin_put_varint(p, r->src);
	uint64_t d = r->addr - w->prev_addr;   /* modulo 2^64, read as signed */
	p += bin_put_varint(p, (d << 1) ^ (0 - (d >> 63)));
	w->prev_addr = r->addr;
	p += bin_put_varint(p, r->len);
	if (r->flags)
		p += bin_put_varint(p, r->flags);
	if (r->flags & TRACE_F_PASID)
		p += bin_put_varint(p, r->pasid);
	if (r->op == TRACE_OP_MSI || (r->flags & TRACE_F_FLOW))
		p += bin_put_varint(p, r->data);
	w->n += (size_t)(p - start);
	return 0;
}

int trace_binary_put_end(struct trace_writer *w, struct iov_err *e)
{
	if (trace_writer_room(w, 1, e))
		return -1;
	w->buf[w->n++] = TRACE_BT_END;
	return 0;
}
