/* trace.h - DMA / interrupt trace records, readers, writers and synthetic generators */
#ifndef IOVSIM_TRACE_H
#define IOVSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "simtime.h"

/*
 * A trace is a stream of records ordered by time. Records are read one at a
 * time (streaming: memory use does not depend on trace length). Two
 * encodings, text (hand-writable) and binary (compact), either optionally
 * gzip-compressed; readers detect which. docs/trace-format.md is the reference.
 */

enum trace_op {
	TRACE_OP_READ = 0,      /* DMA read (memory read request) */
	TRACE_OP_WRITE,         /* DMA write (posted memory write) */
	TRACE_OP_MSI,           /* MSI/MSI-X: a 4-byte write of 'data' to 'addr' */
	TRACE_OP_PKT_TX,        /* packet records that the NIC model (sriov_nic) expands */
	TRACE_OP_PKT_RX,
	TRACE_OP__COUNT
};

/* Per-record flags (text names in brackets). */
enum {
	TRACE_F_RO   = 1u << 0, /* [ro]   relaxed ordering attribute */
	TRACE_F_NS   = 1u << 1, /* [ns]   no-snoop attribute */
	TRACE_F_IDO  = 1u << 2, /* [ido]  ID-based ordering attribute */
	TRACE_F_SYNC = 1u << 3, /* [sync] issue only after all earlier reads of this source completed */
	TRACE_F_TRANSLATED = 1u << 4, /* [at] address already translated (AT=10b) */
	TRACE_F_PASID = 1u << 5,/* [pasid=N] carries a PASID (value in rec.pasid) */
	TRACE_F_FLOW = 1u << 6, /* [flow=N] packet records: flow id N in rec.data */
};

/* Record time meaning "as soon as the source can issue it" (closed loop). */
#define TRACE_TIME_ASAP UINT64_MAX

struct trace_rec {
	sim_time_t time;        /* ps, absolute; or TRACE_TIME_ASAP */
	uint32_t src;           /* index into the stream's source table */
	enum trace_op op;
	uint64_t addr;
	uint32_t len;           /* bytes, >= 1 (MSI: 4) */
	uint32_t flags;         /* TRACE_F_* */
	uint32_t data;          /* MSI: message data; packet records with TRACE_F_FLOW:
				 * the flow id; otherwise 0 */
	uint32_t pasid;         /* with TRACE_F_PASID */
};

/* A source function: by name ("nic0", "nic0.vf3") or by routing ID ("01:00.1"). */
struct trace_source {
	char name[64];          /* as written; for BDF sources the canonical "bb:dd.f" */
	bool is_bdf;
	uint16_t rid;           /* bus<<8 | dev<<3 | fn when is_bdf */
};

const char *trace_op_name(enum trace_op op);       /* "rd", "wr", "msi", "pkt_tx", "pkt_rx" */
/* Text name of one TRACE_F_* bit ("ro", "ns", "ido", "sync", "at", "pasid", "flow"); NULL if
 * flag is not exactly one known bit. */
const char *trace_flag_name(uint32_t flag);

/*
 * A stream of records: a file reader or a generator behind one ops table, so
 * a DMA source replays either. next() returns 1 with *r filled, 0 at the end,
 * -1 on error (e set: "FILE:LINE:COL: error: ..." for text, "FILE: error: record
 * N (byte offset O): ..." for binary, status IOV_BAD_INPUT; later calls keep
 * returning -1). Sources are added as they are first met; sources[i] is valid
 * for i < nsources until close, but the array may move when a new source is
 * met: index it afresh, do not keep pointers into it.
 */
struct trace_stream;
struct trace_stream_ops {
	int (*next)(struct trace_stream *ts, struct trace_rec *r, struct iov_err *e);
	void (*close)(struct trace_stream *ts);
};
struct trace_stream {
	const struct trace_stream_ops *ops;
	const char *name;                       /* file path or "gen:..." for messages */
	uint32_t nsources;
	struct trace_source *sources;           /* owned by the stream */
};

static inline int trace_next(struct trace_stream *ts, struct trace_rec *r, struct iov_err *e)
{
	return ts->ops->next(ts, r, e);
}
static inline void trace_close(struct trace_stream *ts)
{
	if (ts)
		ts->ops->close(ts);
}

/* Open a trace file of any encoding ("-" = stdin). NULL with e set on failure. */
struct trace_stream *trace_open(const char *path, struct iov_err *e);

enum trace_encoding { TRACE_ENC_TEXT, TRACE_ENC_BINARY };

/* How a stream from trace_open is stored: 0 with *enc and *gzip set, or -1
 * (no error) for a stream that is not a file, e.g. a generator. */
int trace_stream_format(const struct trace_stream *ts, enum trace_encoding *enc, bool *gzip);

/*
 * Writer. The file appears under 'path' only at trace_writer_close (written to
 * a temporary name and renamed), so a killed run leaves no complete-looking
 * trace. "-" writes to stdout directly. gzip: compress (level 6).
 */
struct trace_writer;
struct trace_writer *trace_writer_open(const char *path, enum trace_encoding enc, bool gzip,
				       struct iov_err *e);
/* Add a source (by name or BDF text); returns its index, or -1 with e set. */
int trace_writer_source(struct trace_writer *w, const char *name, struct iov_err *e);
/* Write a record whose src indexes the writer's sources. */
int trace_write(struct trace_writer *w, const struct trace_rec *r, struct iov_err *e);
/* Finish and publish (rename). Frees w even on failure. */
int trace_writer_close(struct trace_writer *w, struct iov_err *e);
/* Abandon: remove the temporary file and free w. */
void trace_writer_abort(struct trace_writer *w);

/* Synthetic streams, pcie-bench style. */
enum trace_pattern { TRACE_PAT_SEQ, TRACE_PAT_RANDOM };

struct trace_gen_spec {
	const char *source;     /* source name (default "dev0") */
	enum trace_pattern pattern;
	uint64_t base;          /* window start address */
	uint64_t window;        /* bytes; addresses fall in [base, base+window) */
	uint32_t size;          /* bytes per transfer */
	uint32_t align;         /* address alignment (0 = size rounded up to a power of 2, max 4096) */
	double read_frac;       /* 0..1: share of reads, the rest writes */
	bool alternate;         /* read, write, read, ... (read_frac ignored): readwrite */
	double rate;            /* transfers per second, 0 = closed loop (TRACE_TIME_ASAP) */
	bool poisson;           /* exponential inter-arrival times instead of fixed */
	sim_time_t start;       /* first record's time (open loop) */
	uint64_t count;         /* records to produce */
	uint64_t seed;
	uint32_t flags;         /* TRACE_F_* on every record */
	uint32_t pasid;         /* with TRACE_F_PASID in flags (< 2^20) */
};

/* Fill spec with defaults (seq, window 8KiB, size 64, reads only, closed loop, count 1000, seed 1). */
void trace_gen_defaults(struct trace_gen_spec *spec);
/* Check a spec (window >= size, align power of two, ...). -1 with e set (IOV_BAD_INPUT). */
int trace_gen_check(const struct trace_gen_spec *spec, struct iov_err *e);
/* The timing part of trace_gen_check, for other generators of open-loop
 * records: rate in 0..1e12 per second, start before TRACE_TIME_ASAP, and
 * (fixed spacing) the last of count records before the end of simulated
 * time. 0, or -1 with e set (status 2, message without location). */
int trace_gen_check_times(sim_time_t start, uint64_t count, double rate, bool poisson,
			  struct iov_err *e);
/* A generator as a stream; spec is copied (source string too). */
struct trace_stream *trace_gen_open(const struct trace_gen_spec *spec, struct iov_err *e);

/* Parse "bb:dd.f" (hex; "dddd:bb:dd.f" with a segment also accepted). */
int trace_parse_bdf(const char *s, uint16_t *rid);

#endif
