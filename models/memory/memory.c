/* memory.c - host memory: DRAM or LLC access latency, remote-socket penalty, data bus, queues
 *
 * A request (MRd or MWr) is accepted while fewer than 'queue_depth' requests
 * are inside (waiting, in service, or answered but not yet sent back);
 * beyond that it is refused, which backpressures the path. Writes start
 * service at once; reads start at once too unless 'max_outstanding' reads are
 * already in service, in which case they wait in arrival order for a slot.
 * A read holds its slot from the start of service until its completion has
 * left through the port.
 *
 * Service start = max(now, bus free): each request occupies the data bus for
 * len / bandwidth, in order of service start. Its access latency is
 *   - reads: llc_latency with probability llc_hit_ratio (one draw per read
 *     from the component's own RNG stream), else latency (DRAM);
 *   - writes: llc_latency when llc_hit_ratio > 0 and write_allocate
 *     (DDIO-like), else latency;
 *   - 'cache: cold' / 'cache: warm' force the ratio to 0 / 1 (pcie-bench's
 *     Cold and HWarm states, so a scenario parameter can name them);
 *   - a read or write inside the resident range (resident_base/size: data
 *     known to stay in the LLC, such as the IOMMU's tables that its walkers
 *     keep reading) always takes llc_latency, with no draw;
 *   plus remote_penalty when the address is in the remote range.
 * Data ready:
 *   - line_interval = 0 (default): edge(start + access + len / bandwidth), the
 *     whole completion at once (line_ps = 0);
 *   - line_interval > 0: the data streams in 64 B lines, counted from the
 *     line holding addr. Line 0 is ready at
 *     edge(start + access + b0 / bandwidth), b0 = the request's bytes in
 *     line 0, and line k at that + k * I with
 *     I = max(line_interval, 64 B / bandwidth). The CplD leaves with line 0
 *     and carries line_ps = I for whoever splits it.
 * "edge" is the memory clock's next edge. Completions may be due out of
 * arrival order (an LLC hit after a DRAM miss); they are delivered in order of
 * due time (ties: order of service start), from a sorted list plus a binary
 * heap (struct mem_dueq) sized to queue_depth at create time: no allocation
 * per request. A read is answered by turning its TLP into a CplD in place
 * (byte_count = len); a write ends in the memory.
 *
 * Not modelled: banks, row buffers, refresh, LLC contents and replacement
 * (hits are a ratio, not tracked addresses), coherence, the inter-socket link's
 * own bandwidth; completions are not split at RCB/MPS here (the root complex
 * does it).
 */
#include <stdlib.h>

#include "rng.h"
#include "sim.h"

extern const struct model model_memory;

#define MEM_LINE 64u                    /* cache-line size, bytes */

struct memory_params {
	sim_time_t latency;
	double bandwidth;
	uint64_t queue_depth;
	struct sim_clock clock;
	double llc_hit_ratio;
	sim_time_t llc_latency;
	int write_allocate;
	sim_time_t line_interval;
	uint64_t remote_base;
	uint64_t remote_size;
	sim_time_t remote_penalty;
	uint64_t max_outstanding;
	int cache;
	uint64_t resident_base, resident_size;
};

enum { MEM_CACHE_RATIO = 0, MEM_CACHE_COLD, MEM_CACHE_WARM };
static const char *const mem_cache_states[] = { "ratio", "cold", "warm", NULL };

static const struct param_desc memory_param_desc[] = {
	{ "latency", PARAM_TIME, offsetof(struct memory_params, latency), "80ns", 0, 1e12, NULL,
	  "DRAM access latency (a read that misses the LLC, a write without write_allocate), "
	  "from the start of service to data ready" },
	{ "bandwidth", PARAM_BANDWIDTH, offsetof(struct memory_params, bandwidth), "25GB/s", 1e6,
	  1e15, NULL, "data bus rate shared by reads and writes" },
	{ "queue_depth", PARAM_U64, offsetof(struct memory_params, queue_depth), "64", 1, 1 << 20,
	  NULL, "requests inside the memory (waiting, in service or answered, not yet sent) "
	  "before new ones are refused" },
	{ "clock", PARAM_FREQ, offsetof(struct memory_params, clock), "1GHz", 1e6, 1e11, NULL,
	  "memory controller clock: data is ready on its edges" },
	{ "llc_hit_ratio", PARAM_DOUBLE, offsetof(struct memory_params, llc_hit_ratio), "0", 0, 1,
	  NULL, "share of reads served from the last-level cache (drawn per read from a seeded "
	  "RNG); default 0: every read goes to DRAM" },
	{ "llc_latency", PARAM_TIME, offsetof(struct memory_params, llc_latency), "40ns", 0, 1e12,
	  NULL, "access latency of a read that hits the LLC; default = the 80ns DRAM default "
	  "less 40ns (FACTS.md: data in LLC ~40-55ns faster than DRAM, pcie-bench)" },
	{ "write_allocate", PARAM_BOOL, offsetof(struct memory_params, write_allocate), "true", 0,
	  0, NULL, "with llc_hit_ratio > 0, writes go to the LLC (DDIO-like) and take llc_latency "
	  "instead of latency; writes are posted, so this only sets how long they hold the queue" },
	{ "line_interval", PARAM_TIME, offsetof(struct memory_params, line_interval), "0ns", 0,
	  1e9, NULL, "stream read data in 64B lines: the CplD leaves when line 0 is ready, line k "
	  "follows k x max(line_interval, 64B/bandwidth) later; 0 = off, all data at once" },
	{ "remote_base", PARAM_SIZE, offsetof(struct memory_params, remote_base), "0", 0, 0, NULL,
	  "first address of the remote-socket (other NUMA node) range" },
	{ "remote_size", PARAM_SIZE, offsetof(struct memory_params, remote_size), "0", 0, 0, NULL,
	  "bytes in the remote-socket range; 0 = no remote memory" },
	{ "remote_penalty", PARAM_TIME, offsetof(struct memory_params, remote_penalty), "100ns",
	  0, 1e12, NULL, "added to the latency of a request whose address is in the remote range "
	  "(FACTS.md: remote-socket memory +95-110ns per read, pcie-bench)" },
	{ "max_outstanding", PARAM_U64, offsetof(struct memory_params, max_outstanding), "0", 0,
	  1 << 20, NULL, "reads in service at once (start of service until the CplD left); more "
	  "wait in the queue in order; 0 = unlimited" },
	{ "cache", PARAM_ENUM, offsetof(struct memory_params, cache), "ratio", 0, 0,
	  mem_cache_states, "state of the host caches for DMA data: ratio (llc_hit_ratio "
	  "decides), cold (caches thrashed: ratio 0, pcie-bench Cold), warm (data warmed into "
	  "the LLC: ratio 1, pcie-bench HWarm)" },
	{ "resident_base", PARAM_SIZE, offsetof(struct memory_params, resident_base), "0", 0, 0,
	  NULL, "first address of a range that always hits the LLC (e.g. IOMMU tables)" },
	{ "resident_size", PARAM_SIZE, offsetof(struct memory_params, resident_size), "0", 0, 0,
	  NULL, "bytes in that range; 0 = none" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* A request in the heap part of struct mem_dueq. */
struct mem_slot {
	sim_time_t due;
	uint64_t seq;                   /* order of service start, for ties */
	struct tlp *t;
};

/*
 * Requests in service, delivered in order of (due time, service start).
 * Most arrive in due order (same latency, FIFO bus): a request due no earlier
 * than the last one in 'sorted' is appended there, O(1), its due time kept in
 * t->t_due. The rest (e.g. an LLC hit behind a DRAM miss) go to a binary
 * min-heap of (due, seq), O(log n), sized to queue_depth at create time
 * (everything in service is inside). The earliest is the earlier of the two
 * heads, and on equal due times the one in 'sorted' is the older: a request
 * X went to the heap because sorted's tail T was due later than X, T stays
 * until X has left, so everything appended after X is due after X too.
 */
struct mem_dueq {
	struct tlp_fifo sorted;
	struct mem_slot *heap;
	uint32_t hn, cap;
	uint64_t seq;
};

static bool mem_slot_before(const struct mem_slot *a, const struct mem_slot *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void mem_heap_push(struct mem_dueq *q, struct mem_slot s)
{
	uint32_t i = q->hn++;
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!mem_slot_before(&s, &q->heap[up]))
			break;
		q->heap[i] = q->heap[up];
		i = up;
	}
	q->heap[i] = s;
}

static struct tlp *mem_heap_pop(struct mem_dueq *q)
{
	struct tlp *top = q->heap[0].t;
	struct mem_slot last = q->heap[--q->hn];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= q->hn)
			break;
		if (c + 1 < q->hn && mem_slot_before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!mem_slot_before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->hn)
		q->heap[i] = last;
	return top;
}

/* Add t, due at 'due'. The caller guarantees room (fewer than cap inside). */
static void mem_dueq_push(struct mem_dueq *q, struct tlp *t, sim_time_t due)
{
	uint64_t seq = q->seq++;
	if (q->sorted.tail && due < q->sorted.tail->t_due) {
		mem_heap_push(q, (struct mem_slot){ .due = due, .seq = seq, .t = t });
		return;
	}
	t->t_due = due;
	tlp_fifo_push(&q->sorted, t);
}

/* True when the heap's head comes before sorted's (both non-empty or not). */
static inline bool mem_dueq_heap_first(const struct mem_dueq *q)
{
	return q->hn && (!q->sorted.head || q->heap[0].due < q->sorted.head->t_due);
}

/* Due time of the earliest request; SIM_TIME_MAX when empty. */
static inline sim_time_t mem_dueq_next(const struct mem_dueq *q)
{
	if (mem_dueq_heap_first(q))
		return q->heap[0].due;
	return q->sorted.head ? q->sorted.head->t_due : SIM_TIME_MAX;
}

/* Remove and return the earliest request if it is due by 'now', else NULL. */
static struct tlp *mem_dueq_pop_due(struct mem_dueq *q, sim_time_t now)
{
	if (mem_dueq_heap_first(q))
		return q->heap[0].due <= now ? mem_heap_pop(q) : NULL;
	if (!q->sorted.head || q->sorted.head->t_due > now)
		return NULL;
	return tlp_fifo_pop(&q->sorted);
}

struct memory {
	struct component c;
	struct memory_params p;
	struct port port;
	struct mem_dueq busy;           /* in service, earliest due first */
	struct tlp_fifo wait;           /* reads waiting for a max_outstanding slot;
					 * t_due holds the arrival time */
	struct tlp_fifo out;            /* completions waiting for the port */
	struct rng rng;                 /* LLC hit draws */
	uint32_t inside;                /* requests accepted, not yet gone */
	uint32_t reads_active;          /* reads started, completion not yet sent */
	sim_time_t bus_free;
	sim_time_t armed;               /* time of the pending done event; MAX: none */
	sim_event_id armed_id;
	uint32_t line_ps;               /* I for streamed CplDs; 0 when not streaming */
	bool out_blocked;
	uint16_t stage_queue, stage_access;
	uint64_t *st_reads, *st_writes, *st_read_bytes, *st_write_bytes, *st_refusals;
	uint64_t *st_llc_hits, *st_llc_misses, *st_remote, *st_slot_waits;
	struct hist *st_wait;
	double *st_util;
	sim_time_t bus_busy_total;
};

static void mem_done_event(void *arg);

/* Make sure an event is pending at the earliest due time (moving it earlier
 * if a newer request is due before the one it was set for). Invariant: while
 * armed != SIM_TIME_MAX, no entry in busy is due before it. */
static void mem_arm(struct memory *m)
{
	sim_time_t next = mem_dueq_next(&m->busy);
	if (next >= m->armed)           /* also: empty (next == SIM_TIME_MAX) */
		return;
	struct sim_kernel *k = m->c.sim->k;
	if (m->armed != SIM_TIME_MAX)
		sim_cancel(k, m->armed_id);
	m->armed = next;
	m->armed_id = sim_schedule_at(k, m->armed, mem_done_event, m);
}

static sim_time_t mem_bus_time(const struct memory *m, uint64_t bytes)
{
	return (sim_time_t)((double)bytes / m->p.bandwidth * 1e12 + 0.5);
}

/* Access latency of t: LLC or DRAM, plus the remote penalty. Draws the LLC
 * hit for a read (so call once per request, at service start). */
static sim_time_t mem_access_latency(struct memory *m, const struct tlp *t)
{
	sim_time_t lat = m->p.latency;
	bool llc = m->p.llc_hit_ratio > 0;
	if (m->p.resident_size && t->addr >= m->p.resident_base &&
	    t->addr - m->p.resident_base < m->p.resident_size) {
		lat = m->p.llc_latency;
		if (t->type == TLP_MRD)
			(*m->st_llc_hits)++;
	} else if (t->type == TLP_MRD) {
		if (llc && rng_unit(&m->rng) < m->p.llc_hit_ratio) {
			lat = m->p.llc_latency;
			(*m->st_llc_hits)++;
		} else {
			(*m->st_llc_misses)++;
		}
	} else if (llc && m->p.write_allocate) {
		lat = m->p.llc_latency;
	}
	if (m->p.remote_size && t->addr >= m->p.remote_base &&
	    t->addr - m->p.remote_base < m->p.remote_size) {
		lat += m->p.remote_penalty;
		(*m->st_remote)++;
	}
	return lat;
}

/* When t's completion (or, for a write, its end) is due; see the header. */
static sim_time_t mem_due(const struct memory *m, const struct tlp *t, sim_time_t start,
			  sim_time_t access, sim_time_t xfer)
{
	if (t->type != TLP_MRD || !m->line_ps)
		return sim_clock_edge_at_or_after(&m->c.clock, start + access + xfer);
	uint32_t in_line0 = MEM_LINE - (uint32_t)(t->addr % MEM_LINE);
	uint32_t b0 = t->len < in_line0 ? t->len : in_line0;
	return sim_clock_edge_at_or_after(&m->c.clock, start + access + mem_bus_time(m, b0));
}

/* Start serving t now (it arrived at 'arrived'): take the bus, draw the
 * latency, and queue it in 'busy' by due time. */
static void mem_serve(struct memory *m, struct tlp *t, sim_time_t arrived)
{
	sim_time_t now = sim_now(m->c.sim->k);
	sim_time_t start = now > m->bus_free ? now : m->bus_free;
	sim_time_t xfer = mem_bus_time(m, t->len);
	m->bus_free = start + xfer;
	m->bus_busy_total += xfer;
	hist_add(m->st_wait, start - arrived);
	tlp_stamp(t, m->stage_queue, start);
	sim_time_t due = mem_due(m, t, start, mem_access_latency(m, t), xfer);
	if (t->type == TLP_MRD) {
		(*m->st_reads)++;
		*m->st_read_bytes += t->len;
		m->reads_active++;
	} else {
		(*m->st_writes)++;
		*m->st_write_bytes += t->len;
	}
	mem_dueq_push(&m->busy, t, due);
	if (due < m->armed)             /* else the pending event comes first anyway */
		mem_arm(m);
}

/* Start waiting reads while slots are free. */
static void mem_start_waiting(struct memory *m)
{
	while (m->wait.head && m->reads_active < m->p.max_outstanding) {
		struct tlp *t = tlp_fifo_pop(&m->wait);
		mem_serve(m, t, t->t_due);
	}
}

static void mem_send_out(struct memory *m)
{
	while (!m->out_blocked && m->out.head) {
		struct tlp *t = tlp_fifo_pop(&m->out);
		if (!port_send(&m->port, t)) {
			tlp_fifo_unpop(&m->out, t);
			m->out_blocked = true;
			return;
		}
		m->inside--;
		m->reads_active--;
		mem_start_waiting(m);   /* before new arrivals: they queue behind */
		port_unblock(&m->port);
	}
}

static void mem_done_event(void *arg)
{
	struct memory *m = arg;
	struct sim *s = m->c.sim;
	sim_time_t now = sim_now(s->k);
	m->armed = SIM_TIME_MAX;        /* this was the pending event */
	struct tlp *t;
	while ((t = mem_dueq_pop_due(&m->busy, now))) {
		tlp_stamp(t, m->stage_access, now);
		if (t->type == TLP_MRD) {
			t->type = TLP_CPLD;
			t->status = TLP_SC_SC;
			t->byte_count = t->len;
			t->line_ps = m->line_ps;
			tlp_fifo_push(&m->out, t);
		} else {
			tlp_free(s->tlps, t);   /* a write ends here */
			m->inside--;
			port_unblock(&m->port);
		}
	}
	mem_send_out(m);
	mem_arm(m);
}

static bool mem_recv(struct port *p, struct tlp *t)
{
	struct memory *m = container_of(p, struct memory, port);
	struct sim *s = m->c.sim;
	sim_time_t now = sim_now(s->k);

	if (t->type != TLP_MRD && t->type != TLP_MWR) {
		tlp_free(s->tlps, t);           /* completions/messages to memory: dropped */
		return true;
	}
	if (m->inside >= m->p.queue_depth) {
		(*m->st_refusals)++;
		return false;
	}
	m->inside++;
	if (t->type == TLP_MRD && m->p.max_outstanding &&
	    (m->wait.head || m->reads_active >= m->p.max_outstanding)) {
		t->t_due = now;
		tlp_fifo_push(&m->wait, t);
		(*m->st_slot_waits)++;
		return true;
	}
	mem_serve(m, t, now);
	return true;
}

static void mem_retry(struct port *p)
{
	struct memory *m = container_of(p, struct memory, port);
	m->out_blocked = false;
	mem_send_out(m);
}

static const struct port_ops mem_port_ops = { .recv = mem_recv, .retry = mem_retry };

static void mem_finish(struct component *c)
{
	struct memory *m = container_of(c, struct memory, c);
	sim_time_t now = sim_now(c->sim->k);
	*m->st_util = now ? (double)m->bus_busy_total / (double)now : 0.0;
}

static void mem_destroy(struct component *c)
{
	struct memory *m = container_of(c, struct memory, c);
	struct tlp *t;
	while ((t = mem_dueq_pop_due(&m->busy, SIM_TIME_MAX)))
		tlp_free(c->sim->tlps, t);
	while ((t = tlp_fifo_pop(&m->wait)))
		tlp_free(c->sim->tlps, t);
	while ((t = tlp_fifo_pop(&m->out)))
		tlp_free(c->sim->tlps, t);
	free(m->busy.heap);
	free(m);
}

#define MEM_STAT(field, kind, leaf, unit, desc)                                          \
	(snprintf(path, sizeof(path), "components.%s." leaf, name),                      \
	 (m->field = kind(s->stats, path, unit, desc, e)) != NULL)

static int mem_stats(struct memory *m, struct sim *s, const char *name, struct iov_err *e)
{
	char path[256];
	if (!MEM_STAT(st_reads, stats_counter, "reads", "", "read requests served") ||
	    !MEM_STAT(st_writes, stats_counter, "writes", "", "write requests served") ||
	    !MEM_STAT(st_read_bytes, stats_counter, "read_bytes", "bytes", "bytes read") ||
	    !MEM_STAT(st_write_bytes, stats_counter, "write_bytes", "bytes", "bytes written") ||
	    !MEM_STAT(st_refusals, stats_counter, "refusals", "", "requests refused (queue full)") ||
	    !MEM_STAT(st_llc_hits, stats_counter, "llc_hits", "", "reads served from the LLC") ||
	    !MEM_STAT(st_llc_misses, stats_counter, "llc_misses", "", "reads served from DRAM") ||
	    !MEM_STAT(st_remote, stats_counter, "remote_accesses", "",
		      "requests to the remote-socket range (reads and writes)") ||
	    !MEM_STAT(st_slot_waits, stats_counter, "outstanding_waits", "",
		      "reads that waited for a max_outstanding slot") ||
	    !MEM_STAT(st_util, stats_value, "bus_utilization", "", "share of time the data bus was busy") ||
	    !(snprintf(path, sizeof(path), "components.%s.queue_wait_ns", name),
	      m->st_wait = stats_hist(s->stats, path, "ns", 1e-3,
				      "time from arrival to start of service", e)))
		return -1;
	return 0;
}

static struct component *mem_create(struct sim *s, const char *name, const void *params,
				    const struct cfg_node *node, struct iov_err *e)
{
	(void)node;
	struct memory *m = calloc(1, sizeof(*m));
	if (!m) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	m->p = *(const struct memory_params *)params;
	if (m->p.cache == MEM_CACHE_COLD)
		m->p.llc_hit_ratio = 0;
	else if (m->p.cache == MEM_CACHE_WARM)
		m->p.llc_hit_ratio = 1;
	component_init(&m->c, s, &model_memory, name, &m->p.clock);
	m->armed = SIM_TIME_MAX;
	rng_seed_named(&m->rng, s->seed, name);
	if (m->p.line_interval) {
		sim_time_t line = mem_bus_time(m, MEM_LINE);
		/* both bounded by the table: <= 1 ms and 64 B at >= 1 MB/s = 64 us */
		m->line_ps = (uint32_t)(m->p.line_interval > line ? m->p.line_interval : line);
	}
	m->busy.cap = (uint32_t)m->p.queue_depth;
	m->busy.heap = malloc(m->busy.cap * sizeof(*m->busy.heap));
	if (!m->busy.heap) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto err;
	}
	char path[256];
	int sq, sa;
	if (component_add_port(&m->c, &m->port, "port", &mem_port_ops, e))
		goto err;
	snprintf(path, sizeof(path), "%s.queue", name);
	if ((sq = sim_stage(s, path, e)) < 0)
		goto err;
	snprintf(path, sizeof(path), "%s.access", name);
	if ((sa = sim_stage(s, path, e)) < 0)
		goto err;
	m->stage_queue = (uint16_t)sq;
	m->stage_access = (uint16_t)sa;
	if (mem_stats(m, s, name, e))
		goto err;
	return &m->c;
err:
	mem_destroy(&m->c);
	return NULL;
}

static const struct model_ops memory_ops = {
	.create = mem_create,
	.finish = mem_finish,
	.destroy = mem_destroy,
};

static const struct port_doc memory_ports[] = {
	{ "port", "requests in, completions out" },
	{ NULL, NULL },
};

const struct model model_memory = {
	.kind = "memory",
	.type = "memory",
	.desc = "host memory: DRAM or LLC latency, remote-socket penalty, data-bus bandwidth, "
		"cache-line streaming, an outstanding-read limit and a bounded queue",
	.ops = &memory_ops,
	.params = memory_param_desc,
	.params_size = sizeof(struct memory_params),
	.ports = memory_ports,
	.not_modelled = "banks, row buffers, refresh; LLC contents and replacement (hits are a "
			"ratio), coherence, the inter-socket link's bandwidth; completion splitting",
};
