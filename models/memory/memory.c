/* memory.c - host memory: access latency, a bandwidth-limited data bus and a bounded queue
 *
 * Requests are served in arrival order. Each occupies the data bus for
 * len / bandwidth; its data is ready 'latency' after the bus transfer starts
 * plus the transfer itself, on the memory clock's edge. At most 'queue_depth'
 * requests may be inside (waiting, in service, or answered but not yet sent
 * back); a request beyond that is refused, which backpressures the path.
 * A read is answered by turning its TLP into a CplD in place.
 *
 * Not modelled: banks, row buffers, refresh, caches (LLC hit vs DRAM), NUMA;
 * completions are not split at RCB/MPS here (the root complex will do it).
 */
#include <stdlib.h>

#include "sim.h"

extern const struct model model_memory;

struct memory_params {
	sim_time_t latency;
	double bandwidth;
	uint64_t queue_depth;
	struct sim_clock clock;
};

static const struct param_desc memory_param_desc[] = {
	{ "latency", PARAM_TIME, offsetof(struct memory_params, latency), "80ns", 0, 1e12, NULL,
	  "access latency from the start of service to data ready" },
	{ "bandwidth", PARAM_BANDWIDTH, offsetof(struct memory_params, bandwidth), "25GB/s", 1e6,
	  1e15, NULL, "data bus rate shared by reads and writes" },
	{ "queue_depth", PARAM_U64, offsetof(struct memory_params, queue_depth), "64", 1, 1 << 20,
	  NULL, "requests inside the memory before new ones are refused" },
	{ "clock", PARAM_FREQ, offsetof(struct memory_params, clock), "1GHz", 1e6, 1e11, NULL,
	  "memory controller clock: data is ready on its edges" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct memory {
	struct component c;
	struct memory_params p;
	struct port port;
	struct tlp_fifo busy;           /* in service, by t_due */
	struct tlp_fifo out;            /* completions waiting for the port */
	uint32_t inside;                /* requests accepted, not yet gone */
	sim_time_t bus_free;
	bool done_pending, out_blocked;
	uint16_t stage_queue, stage_access;
	uint64_t *st_reads, *st_writes, *st_read_bytes, *st_write_bytes, *st_refusals;
	struct hist *st_wait;
	double *st_util;
	sim_time_t bus_busy_total;
};

static void mem_done_event(void *arg);

static void mem_arm(struct memory *m)
{
	if (m->done_pending || !m->busy.head)
		return;
	m->done_pending = true;
	sim_schedule_at(m->c.sim->k, m->busy.head->t_due, mem_done_event, m);
}

static void mem_send_out(struct memory *m)
{
	struct sim *s = m->c.sim;
	while (!m->out_blocked && m->out.head) {
		struct tlp *t = tlp_fifo_pop(&m->out);
		if (!port_send(&m->port, t)) {
			tlp_fifo_unpop(&m->out, t);
			m->out_blocked = true;
			return;
		}
		m->inside--;
		port_unblock(&m->port);
	}
	(void)s;
}

static void mem_done_event(void *arg)
{
	struct memory *m = arg;
	struct sim *s = m->c.sim;
	sim_time_t now = sim_now(s->k);
	m->done_pending = false;
	while (m->busy.head && m->busy.head->t_due <= now) {
		struct tlp *t = tlp_fifo_pop(&m->busy);
		tlp_stamp(t, m->stage_access, now);
		if (t->type == TLP_MRD) {
			t->type = TLP_CPLD;
			t->status = TLP_SC_SC;
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
	sim_time_t start = now > m->bus_free ? now : m->bus_free;
	sim_time_t xfer = (sim_time_t)((double)t->len / m->p.bandwidth * 1e12 + 0.5);
	m->bus_free = start + xfer;
	m->bus_busy_total += xfer;
	hist_add(m->st_wait, start - now);
	tlp_stamp(t, m->stage_queue, start);
	sim_time_t due = sim_clock_edge_at_or_after(&m->c.clock, start + m->p.latency + xfer);
	/* Keep busy ordered by due time: equal latency and FIFO service make it so,
	 * except that rounding to the clock can only tie, never reorder. */
	t->t_due = due;
	if (t->type == TLP_MRD) {
		(*m->st_reads)++;
		*m->st_read_bytes += t->len;
	} else {
		(*m->st_writes)++;
		*m->st_write_bytes += t->len;
	}
	tlp_fifo_push(&m->busy, t);
	mem_arm(m);
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
	while ((t = tlp_fifo_pop(&m->busy)))
		tlp_free(c->sim->tlps, t);
	while ((t = tlp_fifo_pop(&m->out)))
		tlp_free(c->sim->tlps, t);
	free(m);
}

#define MEM_STAT(field, kind, leaf, unit, desc)                                          \
	(snprintf(path, sizeof(path), "components.%s." leaf, name),                      \
	 (m->field = kind(s->stats, path, unit, desc, e)) != NULL)

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
	component_init(&m->c, s, &model_memory, name, &m->p.clock);
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
	if (!MEM_STAT(st_reads, stats_counter, "reads", "", "read requests served") ||
	    !MEM_STAT(st_writes, stats_counter, "writes", "", "write requests served") ||
	    !MEM_STAT(st_read_bytes, stats_counter, "read_bytes", "bytes", "bytes read") ||
	    !MEM_STAT(st_write_bytes, stats_counter, "write_bytes", "bytes", "bytes written") ||
	    !MEM_STAT(st_refusals, stats_counter, "refusals", "", "requests refused (queue full)") ||
	    !MEM_STAT(st_util, stats_value, "bus_utilization", "", "share of time the data bus was busy") ||
	    !(snprintf(path, sizeof(path), "components.%s.queue_wait_ns", name),
	      m->st_wait = stats_hist(s->stats, path, "ns", 1e-3,
				      "time from arrival to start of service", e)))
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
	.desc = "host memory with access latency, data-bus bandwidth and a bounded queue",
	.ops = &memory_ops,
	.params = memory_param_desc,
	.params_size = sizeof(struct memory_params),
	.ports = memory_ports,
	.not_modelled = "banks, row buffers, refresh, LLC hits vs DRAM, NUMA; completion splitting",
};
