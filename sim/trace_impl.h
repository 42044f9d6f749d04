/* trace_impl.h - private to sim/trace_*.c: file reader and writer state, source tables, codecs */
#ifndef IOVSIM_TRACE_IMPL_H
#define IOVSIM_TRACE_IMPL_H

#include <stddef.h>
#include <zlib.h>

#include "trace.h"

/*
 * Not a public header: only trace_io.c (open, detect, publish), trace_text.c
 * and trace_binary.c (the two encodings) include it. Everything a user of
 * traces needs is in trace.h.
 */

#define TRACE_MAX_SOURCES 65536u        /* distinct sources per stream */
#define TRACE_MAX_NAME 63               /* characters in a source name */
#define TRACE_MAX_LINE 4096             /* characters in a text line, without the newline */
#define TRACE_PASID_LIMIT (1u << 20)    /* PASIDs are 20 bits */
#define TRACE_IOBUF (64 * 1024)         /* read and write buffer */

#define TRACE_TEXT_MAGIC "#!iovsim-trace"
#define TRACE_BIN_MAGIC "IOVTRC1\n"
#define TRACE_BIN_MAGIC_LEN 8

/* Binary record type bytes (docs/trace-format.md, "Binary encoding"). */
enum {
	TRACE_BT_END = 0x00,
	TRACE_BT_SOURCE = 0x01,
	TRACE_BT_DMA = 0x02,
	TRACE_BT_RESERVED_FIRST = 0x03, /* 0x03-0x0f: packet records, reserved */
	TRACE_BT_RESERVED_LAST = 0x0f,
};

/* Control byte of a 0x02 record. */
#define TRACE_BC_OP_MASK 0x07u
#define TRACE_BC_ASAP 0x08u             /* no time field: TRACE_TIME_ASAP */
#define TRACE_BC_FLAGS 0x10u            /* a flags varint follows the length */
#define TRACE_BC_RESERVED 0xe0u

#define TRACE_F_ALL (TRACE_F_RO | TRACE_F_NS | TRACE_F_IDO | TRACE_F_SYNC | \
		     TRACE_F_TRANSLATED | TRACE_F_PASID | TRACE_F_FLOW)

/*
 * Sources of one stream or writer: the array a trace_stream exposes plus an
 * open-addressing hash on the canonical name (slots hold index + 1, 0 = free).
 * Grows only when a new source is met, never per record.
 */
struct trace_srctab {
	struct trace_source *v;
	uint32_t n, cap;
	uint32_t *slot;
	uint32_t nslots;                /* power of two, > 2 * n */
};

/*
 * Fill *s from a source as written: a name ([A-Za-z_][A-Za-z0-9_.-]*, at most
 * 63 characters) or a BDF ("bb:dd.f", optionally "0000:" first), which is
 * stored in canonical form. -1 with *why (static phrase) if it is neither.
 */
int trace_source_parse(const char *tok, size_t len, struct trace_source *s, const char **why);

/* Index of the source named like s (canonical), adding it if new (*added set).
 * -1 with *why when the table is full or memory runs out (*nomem set). */
int trace_srctab_get(struct trace_srctab *t, const struct trace_source *s, uint32_t *idx,
		     bool *added, bool *nomem, const char **why);
/* Free the table's memory and leave it empty. */
void trace_srctab_free(struct trace_srctab *t);

/* A trace file being read: the stream, the decompressed input buffer, and the
 * state of whichever encoding it holds. */
struct trace_file {
	struct trace_stream ts;
	char *path;                     /* owned; ts.name points here or to "<stdin>" */
	gzFile gz;
	enum trace_encoding enc;
	bool gzip;
	bool done;                      /* end reached: next() returns 0 */
	bool failed;                    /* an error was returned: next() returns -1 */
	struct trace_srctab src;

	unsigned char *buf;             /* TRACE_IOBUF + 1 bytes (room for a final NUL) */
	size_t pos, end;
	bool eof;
	uint64_t buf_off;               /* stream offset of buf[0] */

	/* text */
	uint64_t line;
	uint32_t last_src;              /* cache: source of the previous record */
	/* both */
	sim_time_t prev_time;           /* time of the last timed record (0 at the start) */
	/* binary */
	uint64_t rec_no;                /* 1-based number of the record being decoded */
	uint64_t rec_off;               /* its byte offset (after decompression) */
	uint64_t prev_addr;
};

/*
 * Refill f->buf: keep the unread bytes [pos, end), move them to the front and
 * read more. Returns the number of new bytes, 0 at the end of the input, -1
 * with e set on a read error or corrupt gzip data.
 */
long trace_file_fill(struct trace_file *f, struct iov_err *e);

/* Encoding back ends behind trace_open (which has read the magic, if any). */
extern const struct trace_stream_ops trace_text_ops;
extern const struct trace_stream_ops trace_binary_ops;
/* Shared close: frees everything a trace_file owns. */
void trace_file_close(struct trace_stream *ts);

/* A writer: encoded bytes collect in buf and go to gz when it fills up. */
struct trace_writer {
	char *path;                     /* final name ("-" for stdout) */
	char *tmp;                      /* temporary name, NULL for stdout */
	gzFile gz;
	int sync_fd;                    /* duplicate of gz's descriptor, for fsync; -1 */
	enum trace_encoding enc;
	struct trace_srctab src;
	bool failed;
	uint64_t nrec;                  /* records written */
	sim_time_t prev_time;
	uint64_t prev_addr;
	size_t n;
	unsigned char buf[TRACE_IOBUF];
};

/* Make room for len (<= TRACE_IOBUF) bytes at w->buf + w->n; -1 with e set on I/O failure. */
int trace_writer_room(struct trace_writer *w, size_t len, struct iov_err *e);

/*
 * Encoders: append to w->buf (flushing through trace_writer_room). The record
 * has been checked by trace_write; w->prev_time / prev_addr hold the previous
 * record's values (prev_time is advanced by trace_write, prev_addr by the
 * binary encoder). 0, or -1 with e set (IOV_INTERNAL) on an I/O failure.
 */
int trace_text_put_header(struct trace_writer *w, struct iov_err *e);
int trace_text_put_rec(struct trace_writer *w, const struct trace_rec *r, struct iov_err *e);
int trace_binary_put_header(struct trace_writer *w, struct iov_err *e);
int trace_binary_put_source(struct trace_writer *w, const struct trace_source *s,
			    struct iov_err *e);
int trace_binary_put_rec(struct trace_writer *w, const struct trace_rec *r, struct iov_err *e);
int trace_binary_put_end(struct trace_writer *w, struct iov_err *e);

/* Canonical text of a time: the largest unit not above it, exact decimals ("1.5us", "0ns"). */
void trace_fmt_time(sim_time_t t, char *buf, size_t len);

#endif
