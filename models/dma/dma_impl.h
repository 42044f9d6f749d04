/* dma_impl.h - the dma_source component's state, shared by dma_source.c and dma_ats.c (private) */
#ifndef IOVSIM_DMA_IMPL_H
#define IOVSIM_DMA_IMPL_H

#include "models/pcie/endpoint.h"
#include "models/pcie/msix.h"
#include "sim.h"
#include "trace.h"

struct dma_source_params {
	const struct cfg_node *trace;
	struct sim_clock clock;
	uint64_t max_outstanding;
	uint64_t mrrs;
	uint64_t mps;
	uint64_t issue_cycles;
	uint64_t write_issue_cycles;
	const char *host;
	uint64_t vectors;
	struct pcie_ep_params ep;
};

/* One trace record being carried out (reads: until all completions are in). */
struct dma_txn {
	sim_time_t t0;                  /* first request issued */
	uint32_t flow;
	uint32_t bytes;                 /* total payload */
	uint32_t reqs_left;             /* requests still to issue */
	uint32_t cpls_left;             /* requests issued, completions pending */
	bool used;
	bool failed;                    /* abandoned (no translation): not a finished read */
};

/* Cookie of our Translation Requests (read requests carry their txn slot). */
#define DMA_TREQ_COOKIE UINT64_MAX

struct dma_source {
	struct component c;
	struct dma_source_params p;
	struct port up;
	struct pcie_ep ep;              /* config space, BARs, BME; answers peer requests */
	struct trace_stream *ts;

	struct trace_rec cur;           /* record being issued */
	bool have_cur, eof;
	uint64_t cur_off;               /* bytes of cur already issued */
	int cur_txn;                    /* txn slot of cur (reads) */
	sim_time_t cur_t0;

	struct dma_txn *txns;           /* max_outstanding slots */
	uint32_t *free_txn;             /* stack of free txn slots */
	uint32_t nfree_txn;
	uint32_t tags_used;             /* read and Translation Requests in flight (tags) */
	uint32_t *src_flow;             /* trace source index -> flow index */
	struct pcie_fn **src_fn;        /* trace source index -> issuing function (PF or a
					 * VF "<name>.vf<n>"), NULL = not resolved yet */
	uint32_t src_flow_cap;
	struct pcie_fn *cur_fn;         /* function issuing cur */

	struct tlp *blocked;            /* refused by the peer, resent on retry */
	bool issue_pending;             /* an issue event is scheduled */
	bool waiting_retry;
	sim_time_t next_issue;          /* earliest edge for the next TLP */

	bool ats_started;               /* cur's first TLP was a Translation Request (ATS) */

	const struct cfg_node *node;    /* the component's map (located errors) */
	struct msix_table msix;         /* 'vectors' entries, programmed by the host */
	uint64_t msi_addr;              /* cur (an msi record): where its write goes */
	uint32_t msi_data;
	uint64_t *st_msi_masked;

	uint64_t *st_rd_reqs, *st_wr_tlps, *st_msis, *st_tag_stalls, *st_refusals, *st_cpl_errors;
	struct hist *st_issue_delay;
};

/* Schedule the issue event at the first clock edge at or after 'at' (and
 * after next_issue); nothing if one is pending or a TLP waits for a retry. */
void dma_schedule_issue(struct dma_source *d, sim_time_t at);

static inline void dma_free_txn(struct dma_source *d, struct dma_txn *x)
{
	x->used = false;
	d->free_txn[d->nfree_txn++] = (uint32_t)(x - d->txns);
}

/* ---- ATS (dma_ats.c) ---- */

/* What the issue does with cur's next TLP after its ATS step. */
enum dma_go {
	DMA_GO_WAIT,            /* nothing now: an event or a completion calls the issue again
				 * (or the record was abandoned and the next one is scheduled) */
	DMA_GO_PLAIN,           /* send it as the trace says (no ATS for it) */
	DMA_GO_TRANSLATED,      /* send it translated to *hpa (atc_translated) */
	DMA_GO_TREQ,            /* send a Translation Request first (dma_make_treq) */
};

/* The ATS step of cur's next TLP (a tag for a read is already known free). */
enum dma_go dma_ats_step(struct dma_source *d, uint64_t *hpa);

/* The Translation Request for the page of cur's next TLP; NULL if the pool is out. */
struct tlp *dma_make_treq(struct dma_source *d, uint32_t flow);

/* A completion carrying DMA_TREQ_COOKIE arrived: take it (frees t). */
void dma_ats_completion(struct dma_source *d, struct tlp *t);

/* ---- MSI-X and the msi generator (dma_irq.c) ---- */

/* Inline generator {gen: msi, ...}: a stream of msi records. */
struct trace_stream *dma_msi_gen_open(struct dma_source *d, const struct cfg_node *n,
				      struct iov_err *e);
/* With 'vectors': the MSI-X table, registered with the host (elaborate). */
int dma_msix_elaborate(struct dma_source *d, struct iov_err *e);
/* Where cur (an msi record) goes: 0 with msi_addr/msi_data set, 1 when its
 * vector is masked (pending bit set, nothing sent), -1 with the simulation's
 * error set (a vector the function does not have). */
int dma_msi_resolve(struct dma_source *d);

#endif
