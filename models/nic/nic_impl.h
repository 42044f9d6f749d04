/* nic_impl.h - the sriov_nic component's state, shared by the files of models/nic/ (private)
 *
 * Pieces: nic.c (component, parameters, stats, doorbells), nic_dma.c (the
 * DMA engine: jobs split into TLPs, bounded read tags), nic_ring.c (rings,
 * descriptor fetch, data DMA, write-back, interrupt moderation), nic_wire.c
 * (the network port at line rate, the embedded switch, TX rate limits),
 * nic_driver.c (the guest driver model run from the interrupt handler),
 * nic_flr.c (a VF's Function Level Reset, the events: list),
 * nic_traffic.c (the stream / rr generators' device side), nic_trace.c
 * (packet traces, flows). Shared with virtio-net in models/net/: the packet
 * pool and FIFOs (net_pkt), the generators' engine (net_traffic, netgen), the
 * port's line-rate timing (net_wire).
 *
 * Ring counters (tail, fetched, used, done, wb, reaped) count descriptors
 * since the start and never wrap in a run (32 bits); a slot is counter % size.
 */
#ifndef IOVSIM_NIC_IMPL_H
#define IOVSIM_NIC_IMPL_H

#include "models/net/net_pkt.h"
#include "models/net/net_wire.h"
#include "models/pcie/endpoint.h"
#include "models/pcie/msix.h"
#include "rng.h"
#include "sim.h"
#include "trace.h"

#define NIC_MAX_FNS 65          /* the PF and up to 64 VFs */
#define NIC_MAX_QP 16           /* queue pairs per function */
#define NIC_DST_WIRE 0xffffu    /* a packet's destination: the network */
#define NIC_DB_STRIDE 8         /* BAR0 + ring * 8: the ring's tail doorbell */

struct nic;
struct nic_fn;
struct host;

/* ---- parameters ---- */

struct nic_params {
	struct sim_clock clock;
	uint64_t max_outstanding, mrrs, mps, issue_cycles;
	double line_rate;               /* bytes per second */
	uint64_t wire_overhead;         /* bytes per frame on the wire beyond its length */
	uint64_t queue_pairs;           /* the PF's own queue pairs */
	uint64_t ring_size, desc_size, desc_per_fetch, desc_cache, wb_batch;
	uint64_t buf_size, rx_buffer, tx_buffer;
	uint64_t itr_packets;
	sim_time_t itr_time;
	sim_time_t irq_direct_latency;
	sim_time_t eswitch_latency;
	int eswitch;                    /* PARAM_BOOL: the embedded switch forwards */
	struct sim_clock guest_clock;
	uint64_t drv_irq_cycles, drv_pkt_cycles, app_cycles, tx_batch;
	uint64_t host_base, guest_offset;
	uint64_t mac_base;
	uint64_t total_queue_pairs, total_vectors, vf_queue_pairs;
	int mbx_policy;                 /* 0 trust, 1 strict, 2 deny */
	sim_time_t mbx_latency;
	const struct cfg_node *vf_config, *mailbox, *events;
	int flr_driver;                 /* after a VF's FLR: 0 reinit, 1 down */
	sim_time_t flr_reinit_time;
	const struct cfg_node *traffic, *flows;
	const char *trace;
	const char *host;
	struct pcie_ep_params ep;
};

/* ---- packets ---- */

struct nic_pkt {
	NET_PKT_HEAD;                   /* next, len, flow, gen, session, t0, t_gen (net_pkt.h) */
	uint16_t src_fn, dst_fn;        /* function indices; NIC_DST_WIRE = the network */
	uint64_t dst_mac;               /* TX: destination MAC (0: a host on the network) */
	uint16_t queue;                 /* queue pair at the function that holds it */
	uint32_t desc;                  /* ring counter of its descriptor */
	uint32_t epoch;                 /* TX: its function's epoch when posted (nic_flr.c) */
};

static inline struct nic_pkt *nic_pkt_of(struct net_pkt *p)
{
	return (struct nic_pkt *)p;     /* net is the first member */
}

static inline void nic_pkt_push(struct net_fifo *q, struct nic_pkt *p)
{
	net_fifo_push(q, &p->net);
}

static inline struct nic_pkt *nic_pkt_pop(struct net_fifo *q)
{
	return nic_pkt_of(net_fifo_pop(q));
}

/* A packet from the pool (zeroed, to the wire); NULL: out of memory
 * (error set on the simulation, run stopped). */
struct nic_pkt *nic_pkt_alloc(struct nic *n);
void nic_pkt_free(struct nic *n, struct nic_pkt *p);

/* ---- rings and queues ---- */

struct nic_ring {
	struct nic_fn *fn;
	uint16_t q;                     /* queue pair */
	bool tx;
	uint16_t vector;                /* MSI-X entry: rx q -> 2q, tx q -> 2q + 1 */
	uint64_t base, buf_base;        /* IOVAs of the descriptors and the buffers */
	uint32_t size;
	uint32_t tail;                  /* driver: descriptors posted (in its memory) */
	uint32_t tail_db;               /* driver: tail as its last doorbell write said */
	bool db_pending;                /* driver: a doorbell write is on its way out */
	uint32_t tail_seen;             /* device: tail as the last doorbell told it */
	uint32_t fetched;               /* device: descriptors fetched */
	bool fetching;                  /* a descriptor fetch is in flight */
	uint32_t used;                  /* device: descriptors taken (TX data read started /
					 * RX packet placed) */
	uint32_t done;                  /* device: finished (on the wire / data written) */
	uint32_t wb_q;                  /* device: write-backs queued on the DMA engine */
	uint32_t wb;                    /* device: written back (the driver may see them) */
	uint32_t reaped;                /* driver: processed */
	struct nic_pkt **slot;          /* per slot: the packet of that descriptor */
	bool *finished;                 /* per slot: done, but an earlier one is not yet */
	struct net_fifo waiting;    /* RX: packets in the device buffer without a descriptor */
	/* interrupt moderation */
	uint32_t itr_pending;           /* completions since the last interrupt */
	bool itr_armed;
	sim_event_id itr_ev;
	struct nic_ring *wait_next;     /* TX: in the NIC's list of rings waiting for TX buffer */
	bool waiting_buf;
};

struct nic_qp {
	struct nic_ring rx, tx;
};

/* Token bucket on a function's TX (rate 0: none). */
struct nic_bucket {
	double rate;                    /* bytes per second */
	double burst, tokens;
	sim_time_t last;
};

/* Per function (PF or VF) counters; registered under components.<nic>.<fn>. */
struct nic_fn_stats {
	uint64_t *tx_packets, *tx_bytes, *rx_packets, *rx_bytes, *rx_drops;
	uint64_t *desc_fetches, *writebacks, *interrupts, *irq_masked, *doorbells;
	uint64_t *tx_ring_full, *local_tx, *local_rx, *rate_limited;
	uint64_t *flrs, *flr_discarded_cpls, *flr_dropped_jobs, *flr_dropped_pkts, *flr_reinits;
	double *tx_gbps, *rx_gbps, *pkts_per_irq;
	struct hist *tx_latency, *rx_latency;
	sim_time_t tx_first, tx_last, rx_first, rx_last;
	bool any_tx, any_rx;
};

struct nic_fn {
	struct nic *nic;
	uint16_t idx;                   /* 0 = PF, n = VF n */
	const char *name;               /* "nic0", "nic0.vf3" */
	char key[16];                   /* stat key: "pf", "vf3" */
	struct pcie_fn *pfn;            /* its config-space function */
	uint32_t flow;                  /* sim flow index of its DMA */
	int vm;
	unsigned nqp;
	struct nic_qp *qp;
	struct msix_table msix;
	uint64_t mac;                   /* 48 bits */
	uint16_t vlan;
	bool admin_mac, admin_vlan;     /* set by the administrator (vf_config) */
	bool trusted;
	struct nic_bucket bucket;
	bool rl_pending;                /* TX rings wait for the rate limit's tokens */
	uint64_t mem_base, mem_size;    /* its rings and buffers in guest memory (IOVA) */
	struct nic_fn_stats st;
	uint32_t tx_queue_rr;           /* next TX queue for packets without a flow */
	sim_time_t db_not_before;       /* in a handler: its doorbells leave when its work ends */
	/* Function Level Reset (nic_flr.c) */
	bool in_flr;                    /* the function is resetting: no DMA, doorbells ignored */
	bool drv_down;                  /* its driver has not (re)initialised it: queues disabled */
	uint32_t epoch;                 /* +1 at each FLR: older jobs and packets are stale */
	struct msix_entry *msix_saved;  /* the vectors as the driver programmed them */
};

/* ---- DMA engine (nic_dma.c) ---- */

enum nic_job_kind { NJ_DESC_FETCH, NJ_TX_DATA, NJ_RX_DATA, NJ_WRITEBACK, NJ_MSI };

struct nic_job {
	struct nic_job *next;
	enum nic_job_kind kind;
	struct nic_ring *ring;
	uint64_t addr;
	uint32_t len, off;              /* bytes, and bytes already issued */
	uint32_t reqs_left, cpls_left;  /* reads */
	uint32_t count;                 /* descriptors (fetch, write-back) */
	uint32_t data;                  /* MSI data */
	uint32_t epoch;                 /* its function's epoch at submit (nic_flr.c) */
	struct nic_pkt *pkt;
	sim_time_t t0;
	bool failed;
};

struct nic_job_fifo {
	struct nic_job *head, *tail;
};

struct nic_dma {
	struct nic *nic;
	struct nic_job_fifo rd, wr;     /* read and write channels, each in order */
	bool last_was_read;             /* alternate between the two when both can go */
	uint32_t tags_used;
	bool issue_pending, waiting_retry;
	sim_time_t next_issue;
	struct tlp *blocked;            /* refused by the link, resent on retry */
	struct nic_job *blocked_job;
	struct nic_job *free_jobs;
	void **chunks;                  /* job pool chunks */
	size_t nchunks;
	uint64_t *st_rd_reqs, *st_wr_tlps, *st_msis, *st_tag_stalls, *st_refusals;
	uint64_t *st_cpl_errors, *st_bme_blocked;
};

int nic_dma_init(struct nic_dma *d, struct nic *n, struct iov_err *e);
void nic_dma_free(struct nic_dma *d);
/* A job from the pool (zeroed); NULL: out of memory (error set, run stopped). */
struct nic_job *nic_job_alloc(struct nic_dma *d);
/* Queue a job on its channel (reads: fetches and TX data; writes: the rest). */
void nic_dma_submit(struct nic_dma *d, struct nic_job *j);
/* A completion came back on the up port (frees t). */
void nic_dma_completion(struct nic_dma *d, struct tlp *t);
/* The link can take TLPs again. */
void nic_dma_retry(struct nic_dma *d);

/* ---- rings, moderation, interrupts (nic_ring.c) ---- */

/* A doorbell write for ring r arrived with the new tail. */
void nic_ring_doorbell(struct nic_ring *r, uint32_t tail);
/* The DMA engine finished job j (reads: all data in; writes: all TLPs sent). */
void nic_job_done(struct nic *n, struct nic_job *j);
/* An RX packet arrived (from the wire or the embedded switch) for its dst_fn. */
void nic_rx_arrive(struct nic *n, struct nic_pkt *p);
/* The TX packet p left on the wire (or went to a local function). */
void nic_tx_done(struct nic *n, struct nic_pkt *p);
/* A TX packet of len bytes left the device's TX buffer: waiting rings go on. */
void nic_tx_buffer_free(struct nic *n, uint32_t len);
/* Interrupt of ring r: MSI-X vector r->vector (after pending write-backs). */
void nic_ring_interrupt(struct nic_ring *r);

/* ---- wire and eswitch (nic_wire.c) ---- */

/* A TX packet's data is in the device: to the wire or to a local function. */
void nic_wire_send(struct nic *n, struct nic_pkt *p);
/* The peer sends p to the device: its last bit is in at the end of its slot on
 * the RX wire, starting no earlier than 'at'. */
void nic_wire_recv(struct nic *n, struct nic_pkt *p, sim_time_t at);
/* At create, once the parameters are in: the port idle. */
void nic_wire_init(struct nic *n);
/* Time the frame of a packet of len bytes takes on the wire. */
sim_time_t nic_wire_time(const struct nic *n, uint32_t len);
/* Show the embedded switch on the PF's pcie_fn (pcie_topo.h, pcie_iswitch):
 * after the functions exist with their MACs and VLANs (at elaborate). */
void nic_eswitch_attach(struct nic *n);

/* ---- guest driver (nic_driver.c) ---- */

/* The guest's handler for vector 'index' of function f starts at now. */
void nic_drv_irq(struct nic_fn *f, unsigned index, sim_time_t now);
/* The driver posts packet p on TX queue q of f (returns false: ring full). It
 * rings the doorbell at once unless 'defer' (then nic_drv_kick does). */
bool nic_drv_post_tx(struct nic_fn *f, unsigned q, struct nic_pkt *p, bool defer);
void nic_drv_kick(struct nic_fn *f, unsigned q);
/* Guest work of 'cycles' for vector 'index' of f from now: on the vCPU that
 * takes the vector (host model: host_guest_work, after what its time line
 * holds), else guest_clock cycles from now. Returns its end. */
sim_time_t nic_drv_work(struct nic_fn *f, unsigned index, uint64_t cycles, sim_time_t now);
/* Free TX descriptors of f's queue q (the driver's view). */
uint32_t nic_drv_tx_free(const struct nic_fn *f, unsigned q);
/* Initial RX descriptors of every ring, and their doorbells (at start). */
void nic_drv_start(struct nic_fn *f);
/* Give the functions' MSI-X tables to the host model (the 'host' param, or
 * the scenario's host if there is one; none: the handler runs
 * irq_direct_latency after the MSI-X write leaves). At elaborate. */
int nic_irq_bind(struct nic *n, struct iov_err *e);
/* The MSI for vector 'index' of f left the device (to the host, or directly to
 * the handler without a host model). */
void nic_irq_sent(struct nic_fn *f, unsigned index);

/* ---- traffic (nic_traffic.c) ---- */

struct nic_gen;
int nic_traffic_load(struct nic *n, struct iov_err *e);      /* at elaborate */
void nic_traffic_start(struct nic *n);
void nic_traffic_finish(struct nic *n);
void nic_traffic_free(struct nic *n);
/* nic_trace.c: the flows: table (at elaborate), a flow's destination MAC (0:
 * the wire), the packet trace (opened at create) and its reader's event. */
int nic_flows_load(struct nic *n, struct iov_err *e);
uint64_t nic_flow_mac(const struct nic *n, uint32_t flow);
int nic_trace_open(struct nic *n, struct iov_err *e);
void nic_trace_event(void *arg);
/* The driver reaped RX packet p (rr: think, then respond). */
void nic_traffic_rx(struct nic *n, struct nic_fn *f, struct nic_pkt *p);
/* A TX packet of generator p->gen left on the wire. */
void nic_traffic_tx_wire(struct nic *n, struct nic_pkt *p, sim_time_t now);
/* TX room freed on f's queue q: ASAP senders may post. */
void nic_traffic_tx_room(struct nic *n, struct nic_fn *f, unsigned q);

/* ---- the component ---- */

/* Per VM: packets of the NIC functions assigned to it (nic.vms.<vm>.*). */
struct nic_vm_stats {
	uint64_t *tx_packets, *tx_bytes, *rx_packets, *rx_bytes;
	double *tx_gbps, *rx_gbps;
	struct hist *tx_latency, *rx_latency;
	sim_time_t tx_first, tx_last, rx_first, rx_last;
	bool any_tx, any_rx;
};

struct nic_totals {
	size_t nvms;
	struct nic_vm_stats *vms;
	uint64_t *tx_packets, *tx_bytes, *rx_packets, *rx_bytes, *rx_drops, *interrupts;
	uint64_t *local_packets, *local_bytes, *iso_local;
	double *tx_gbps, *rx_gbps;
	sim_time_t first, last;
	bool any;
};

struct nic {
	struct component c;
	struct nic_params p;
	struct port up;
	struct pcie_ep ep;              /* the PF's config space, BARs, BME */
	struct component *rc;           /* where doorbells come from */
	struct host *host;              /* delivers interrupts; NULL: irq_direct_latency */
	struct nic_dma dma;
	unsigned nfns;
	struct nic_fn fns[NIC_MAX_FNS];
	/* wire */
	struct net_wire wire;           /* the network port (models/net/net_wire.h) */
	struct net_fifo local_q;        /* packets crossing the embedded switch */
	struct pcie_iswitch isw;        /* the embedded switch as the PF shows it (audit) */
	uint64_t rx_buf_used;           /* bytes held in the device's RX buffer */
	uint64_t tx_buf_used;           /* bytes of TX packets read (or being read) into the device */
	struct nic_ring *tx_wait_head, *tx_wait_tail;   /* rings waiting for TX buffer room */
	/* packet pool */
	struct net_pool pkts;
	/* traffic */
	struct nic_gen *gens;
	size_t ngens;
	struct trace_stream *ts;
	struct trace_rec trace_cur;
	bool trace_have, trace_eof, trace_waiting;
	uint32_t nflows;
	uint64_t *flow_mac;             /* flows: id -> destination MAC (0: the wire) */
	struct rng rng;
	const struct cfg_node *node;    /* the component's scenario map (error locations) */
	struct nic_mbx *mbx;            /* mailbox requests (nic_sriov.c) */
	size_t nmbx;
	uint64_t *st_mbx_requests, *st_mbx_accepted, *st_mbx_refused;
	struct hist *st_mbx_latency;
	struct nic_ev *evs;             /* the 'events:' list (nic_flr.c) */
	size_t nevs;
	/* stats */
	struct nic_totals *tot;         /* nic.* totals, owned by the first sriov_nic */
	bool owns_tot;
	uint64_t *st_eswitch_local, *st_eswitch_bytes, *st_wire_tx, *st_wire_rx;
	uint64_t *st_rx_buffer_full, *st_doorbells, *st_bad_doorbells;
	double *st_wire_tx_gbps, *st_wire_rx_gbps;
	sim_time_t wire_first, wire_last;
	bool wire_any;
	uint64_t wire_tx_bytes, wire_rx_bytes;
};

/* Function of index i, or NULL. */
static inline struct nic_fn *nic_fn_at(struct nic *n, unsigned i)
{
	return i < n->nfns ? &n->fns[i] : NULL;
}

/* The time of the guest's CPU for 'cycles' cycles. */
static inline sim_time_t nic_guest_cycles(const struct nic *n, uint64_t cycles)
{
	return sim_clock_cycles(&n->p.guest_clock, cycles);
}

/* ---- PF driver: VF resources and the mailbox (nic_sriov.c) ---- */

struct nic_mbx;
struct nic_ev;
/* At elaborate, after enumeration: functions for the enabled VFs with their
 * resources; refusals get located errors (status 2). */
int nic_vfs_setup(struct nic *n, struct iov_err *e);
int nic_mbx_load(struct nic *n, struct iov_err *e);
void nic_mbx_start(struct nic *n);

/* Where a parameter of the component was written (or the component). */
static inline const struct cfg_node *nic_loc(const struct nic *n, const char *key)
{
	const struct cfg_node *v = cfg_get(n->node, key);
	return v ? v : n->node;
}

/* The run failed inside an event: out of memory in a pool. */
void nic_oom(struct nic *n);

/* ---- Function Level Reset of a VF (nic_flr.c) ---- */

/* At elaborate (after the functions exist): the 'events:' list; installs the
 * sriov_ops FLR callback. Bad entries: located errors (status 2). */
int nic_events_load(struct nic *n, struct iov_err *e);
/* At start: schedule the events. */
void nic_events_start(struct nic *n);
/* DMA engine: drop function f's queued jobs (reads already issued finish
 * when their completions, discarded, are all back). nic_dma.c. */
void nic_dma_flr(struct nic_dma *d, struct nic_fn *f);

/* nic_stats.c: register function f's stats (at elaborate); find or create the
 * shared nic.* totals and nic.vms.* (at elaborate, after iso_load); fill the
 * derived values at finish. */
int nic_fn_stats(struct nic *n, struct nic_fn *f, struct iov_err *e);
int nic_totals_create(struct nic *n, struct iov_err *e);
void nic_stats_finish(struct nic *n);

/* Account a packet in the function's and the totals' stats. */
void nic_count_tx(struct nic_fn *f, uint32_t len, sim_time_t now);
void nic_count_rx(struct nic_fn *f, uint32_t len, sim_time_t now);
/* A packet's latency: in the function's and its VM's histogram. */
void nic_latency(struct nic_fn *f, bool tx, sim_time_t dt);

#endif
