/* test_link.c - the pcie_link model driven through stub peers: timing, throughput, credits, replay */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_yaml.h"

#include "sim.h"
#include "models/pcie/pcie_wire.h"

extern const struct model model_pcie_link;

/* ---- stub peers ------------------------------------------------------------------- */

/* Throughput over the deliveries warm_n .. stop_n (the steady middle of a run). */
struct meas {
	uint64_t n, bytes, warm_n, stop_n, b0;
	sim_time_t t0, t_last;
};

static void meas_add(struct meas *m, sim_time_t now, uint64_t bytes)
{
	if (m->stop_n && m->n >= m->stop_n)
		return;
	m->n++;
	m->bytes += bytes;
	if (m->n == m->warm_n) {
		m->t0 = now;
		m->b0 = m->bytes;
	}
	m->t_last = now;
}

static double meas_gbps(const struct meas *m)
{
	assert_true(m->t_last > m->t0);
	return (double)(m->bytes - m->b0) * 8.0 / ((double)(m->t_last - m->t0) / 1000.0);
}

enum { OP_READ, OP_WRITE, OP_RW };

struct stream {
	uint64_t base;                  /* next transfer's start, 4 KiB aligned */
	uint32_t off;                   /* bytes of the current transfer issued */
	uint64_t left;                  /* transfers still to start */
};

/*
 * Device side: issues transfers of 'size' bytes as fast as the link takes
 * them (writes split at MPS, reads at MRRS, 64-bit addresses). Reads are
 * bounded by a window of outstanding requests (tags); with reads and writes,
 * writes follow completed reads, so both go at one rate without a backlog.
 */
struct dev {
	struct port port;
	struct sim *s;
	int op;
	uint32_t size, mps, mrrs;
	struct stream wr, rd;
	uint64_t rd_bytes, wr_bytes, rd_done;
	uint32_t rd_out, max_rd_out;
	struct tlp *held;               /* refused, offered again on retry */
	uint64_t next_cookie;
	uint64_t cpls, last_cpl;
	bool order_ok;
	struct meas rd_meas;
	struct tlp *got[8];             /* first completions, for latency checks */
	sim_time_t when[8];
	bool keep;                      /* keep (do not free) what arrives, up to 8 */
};

static struct tlp *dev_make(struct dev *d, struct stream *st, bool read)
{
	struct tlp *t = tlp_alloc(d->s->tlps);
	assert_non_null(t);
	uint64_t addr = st->base + st->off;
	uint32_t len = pcie_split_next(addr, d->size - st->off, read ? d->mrrs : d->mps);
	t->type = read ? TLP_MRD : TLP_MWR;
	t->addr = addr;
	t->addr64 = true;
	t->len = len;
	t->cookie = d->next_cookie++;
	st->off += len;
	if (st->off >= d->size) {
		st->off = 0;
		st->base += (d->size + 4095) & ~4095ull;
		st->left--;
	}
	if (read) {
		d->rd_bytes += len;
		d->rd_out++;
	} else {
		d->wr_bytes += len;
	}
	return t;
}

static struct tlp *dev_next(struct dev *d)
{
	bool can_r = d->op != OP_WRITE && d->rd.left && d->rd_out < d->max_rd_out;
	bool can_w = d->op != OP_READ && d->wr.left;
	if (d->op == OP_RW && d->rd.left && d->wr_bytes >= d->rd_done + d->size)
		can_w = false;                  /* writes follow the completed reads */
	if (can_r && can_w)
		can_r = d->rd_bytes <= d->wr_bytes;
	if (can_r)
		return dev_make(d, &d->rd, true);
	return can_w ? dev_make(d, &d->wr, false) : NULL;
}

static void dev_pump(struct dev *d)
{
	for (;;) {
		struct tlp *t = d->held ? d->held : dev_next(d);
		if (!t)
			return;
		d->held = NULL;
		if (!port_send(&d->port, t)) {
			d->held = t;
			return;
		}
	}
}

static void dev_pump_event(void *arg)
{
	dev_pump(arg);
}

static bool dev_recv(struct port *p, struct tlp *t)
{
	struct dev *d = container_of(p, struct dev, port);
	sim_time_t now = sim_now(d->s->k);
	if (d->cpls && t->cookie <= d->last_cpl)
		d->order_ok = false;            /* completions come back in request order */
	d->last_cpl = t->cookie;
	if (d->keep && d->cpls < 8) {
		d->got[d->cpls] = t;
		d->when[d->cpls] = now;
	}
	d->cpls++;
	if (t->type == TLP_CPLD) {
		d->rd_out--;
		d->rd_done += t->len;
		meas_add(&d->rd_meas, now, t->len);
	}
	if (!d->keep)
		tlp_free(d->s->tlps, t);
	if (!d->held)
		dev_pump(d);                    /* a tag is free again */
	return true;
}

static void dev_retry(struct port *p)
{
	dev_pump(container_of(p, struct dev, port));
}

static const struct port_ops dev_ops = { .recv = dev_recv, .retry = dev_retry };

/*
 * Host side: sinks writes, answers each read with one CplD carrying all its
 * data (the link carries it in MPS or RCB pieces). Optionally slow: after
 * each TLP it takes, it refuses for 'hold'.
 */
struct host {
	struct port port;
	struct sim *s;
	struct tlp_fifo out;
	uint64_t n[TLP__COUNT], last[TLP__COUNT];
	bool order_ok;
	struct meas wr_meas;
	sim_time_t hold;
	bool busy;
	int nseen;
	struct tlp *got[8];             /* first TLPs, kept when 'keep' */
	uint8_t type_seen[64];          /* types in arrival order */
	sim_time_t when[8];
	bool keep;
};

/* Offer queued completions (popped first: a peer that takes one owns it). */
static void host_drain(struct host *h)
{
	struct tlp *t;
	while ((t = tlp_fifo_pop(&h->out))) {
		if (!port_send(&h->port, t)) {
			tlp_fifo_unpop(&h->out, t);
			return;
		}
	}
}

static void host_unbusy(void *arg)
{
	struct host *h = arg;
	h->busy = false;
	port_unblock(&h->port);
}

static bool host_recv(struct port *p, struct tlp *t)
{
	struct host *h = container_of(p, struct host, port);
	sim_time_t now = sim_now(h->s->k);
	if (h->busy)
		return false;
	if (h->hold) {
		h->busy = true;
		sim_schedule(h->s->k, h->hold, host_unbusy, h);
	}
	if (h->n[t->type] && t->cookie <= h->last[t->type])
		h->order_ok = false;            /* in issue order within a type */
	h->last[t->type] = t->cookie;
	h->n[t->type]++;
	if (h->nseen < 64)
		h->type_seen[h->nseen] = (uint8_t)t->type;
	if (h->keep && h->nseen < 8) {
		h->got[h->nseen] = t;
		h->when[h->nseen] = now;
	}
	h->nseen++;
	if (h->keep)
		return true;
	if (t->type == TLP_MRD) {
		t->type = TLP_CPLD;
		tlp_fifo_push(&h->out, t);
		host_drain(h);
		return true;
	}
	meas_add(&h->wr_meas, now, t->len);
	tlp_free(h->s->tlps, t);
	return true;
}

static void host_send_later(void *arg)
{
	host_drain(arg);
}

static void host_retry(struct port *p)
{
	host_drain(container_of(p, struct host, port));
}

static const struct port_ops host_ops = { .recv = host_recv, .retry = host_retry };

/* ---- rig: one link between a dev and a host --------------------------------------- */

struct rig {
	struct sim *s;
	struct cfg_doc *doc;
	struct component *link;
	struct dev dev;
	struct host host;
};

static void rig_up(struct rig *r, const char *yaml, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	struct iov_err e = { 0 };
	r->s = sim_create(SIM_KERNEL_NATIVE, seed, &e);
	assert_non_null(r->s);
	r->s->err = NULL;
	r->doc = yaml_doc(yaml);
	r->link = sim_add_component(r->s, &model_pcie_link, "l", cfg_doc_root(r->doc), &e);
	if (!r->link)
		fail_msg("%s", e.msg);
	struct dev *d = &r->dev;
	d->s = r->s;
	d->order_ok = true;
	d->port = (struct port){ .name = "dev", .ops = &dev_ops };
	d->port.peer = component_port(r->link, "down");
	d->port.peer->peer = &d->port;
	struct host *h = &r->host;
	h->s = r->s;
	h->order_ok = true;
	h->port = (struct port){ .name = "host", .ops = &host_ops };
	h->port.peer = component_port(r->link, "up");
	h->port.peer->peer = &h->port;
}

/* Configure the device's traffic: count transfers of size bytes. */
static void rig_traffic(struct rig *r, int op, uint32_t size, uint32_t mps, uint32_t mrrs,
			uint64_t count)
{
	struct dev *d = &r->dev;
	d->op = op;
	d->size = size;
	d->mps = mps;
	d->mrrs = mrrs;
	d->wr = (struct stream){ .base = 1ull << 32, .left = op != OP_READ ? count : 0 };
	d->rd = (struct stream){ .base = 1ull << 40, .left = op != OP_WRITE ? count : 0 };
	d->max_rd_out = 8192 / (mrrs < size ? mrrs : size) + 1;
	/* Measure from a quarter to nine tenths of the deliveries (one CplD
	 * object per request, one MWr per MPS). */
	uint64_t reqs = count * pcie_split_count(0, size, mrrs);
	uint64_t wrs = count * pcie_split_count(0, size, mps);
	d->rd_meas.warm_n = reqs / 4 + 1;
	d->rd_meas.stop_n = reqs * 9 / 10;
	r->host.wr_meas.warm_n = wrs / 4 + 1;
	r->host.wr_meas.stop_n = wrs * 9 / 10;
}

static void rig_run(struct rig *r)
{
	struct iov_err e = { 0 };
	r->s->err = &e;
	assert_int_equal(sim_run(r->s->k, SIM_TIME_MAX, &e), SIM_RUN_EMPTY);
	assert_int_equal(e.status, 0);
	r->link->model->ops->finish(r->link);
	r->s->err = NULL;
}

static double stat(struct rig *r, const char *leaf)
{
	char path[160];
	double v;
	snprintf(path, sizeof(path), "components.l.%s", leaf);
	if (stats_get(r->s->stats, path, &v))
		fail_msg("no stat %s", path);
	return v;
}

static void rig_down(struct rig *r)
{
	for (int i = 0; i < 8; i++) {
		if (r->dev.keep && r->dev.got[i])
			tlp_free(r->s->tlps, r->dev.got[i]);
		if (r->host.keep && r->host.got[i])
			tlp_free(r->s->tlps, r->host.got[i]);
	}
	if (r->dev.held)
		tlp_free(r->s->tlps, r->dev.held);
	sim_destroy(r->s);
	cfg_doc_free(r->doc);
}

static struct tlp *mk_tlp(struct rig *r, enum tlp_type type, uint32_t len, bool addr64,
			  uint64_t cookie)
{
	struct tlp *t = tlp_alloc(r->s->tlps);
	assert_non_null(t);
	t->type = type;
	t->len = len;
	t->addr64 = addr64;
	t->addr = addr64 ? 1ull << 32 : 0x1000;
	t->cookie = cookie;
	return t;
}

/* ---- tests ------------------------------------------------------------------------- */

/* One TLP on an idle link: serialisation (rounded up to the symbol) + propagation. */
static void test_single_tlp_latency(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, "gen: 1\nwidth: 1\npropagation: 5ns\n", 1);
	r.host.keep = r.dev.keep = true;
	/* MWr32 with 64 B: 8 + 12 + 64 = 84 B at 4 ns per byte (8b/10b, 2.5 GT/s) = 336 ns. */
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 64, false, 0)));
	rig_run(&r);
	assert_int_equal(r.host.nseen, 1);
	assert_int_equal(r.host.when[0], 336 * SIM_NS + 5 * SIM_NS);
	/* Stamped once, with the link's upstream stage, when it crossed. */
	struct tlp *t = r.host.got[0];
	assert_int_equal(t->nstamps, 1);
	assert_int_equal(t->stamps[0].t, 341 * SIM_NS);
	assert_string_equal(r.s->stages[t->stamps[0].stage], "l.up");
	assert_true(stat(&r, "upstream.tlps") == 1);
	assert_true(stat(&r, "upstream.tlp_bytes.mwr") == 84);
	assert_true(stat(&r, "upstream.payload_bytes") == 64);
	/* The host's receiver acknowledged it and returned its credits downstream. */
	assert_true(stat(&r, "downstream.dllp_bytes.ack") == 8);
	assert_true(stat(&r, "downstream.dllp_bytes.updatefc") == 8);
	assert_true(stat(&r, "upstream.dllp_bytes.ack") == 0);

	/* A CplD back down at 10 us, the link idle again: 20 + 64 = 84 B, 341 ns. */
	t->type = TLP_CPLD;
	r.host.got[0] = NULL;
	r.host.out.head = r.host.out.tail = NULL;
	tlp_fifo_push(&r.host.out, t);
	sim_schedule_at(r.s->k, 10 * SIM_US, host_send_later, &r.host);
	rig_run(&r);
	assert_int_equal(r.dev.cpls, 1);
	assert_int_equal(r.dev.when[0], 10 * SIM_US + 341 * SIM_NS);
	assert_string_equal(r.s->stages[r.dev.got[0]->stamps[1].stage], "l.down");
	rig_down(&r);

	/* Gen3 x8: MWr64 of 256 B = 280 B = 35 symbols of 1015.625 ps = 35546.875 -> 35547 ps. */
	rig_up(&r, "gen: 3\nwidth: 8\npropagation: 2ns\n", 1);
	r.host.keep = true;
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 256, true, 0)));
	rig_run(&r);
	assert_int_equal(r.host.when[0], 35547 + 2000);
	rig_down(&r);

	/* Gen6 x4: 280 B = 70 byte times of 16000/121 ps = 9256.2 -> 9257 ps. */
	rig_up(&r, "gen: 6\nwidth: 4\npropagation: 0ns\n", 1);
	r.host.keep = true;
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 256, true, 0)));
	rig_run(&r);
	assert_int_equal(r.host.when[0], 9257);
	rig_down(&r);
}

/* Back-to-back TLPs pack across lanes: the second ends 280 B after the first. */
static void test_back_to_back_packing(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, "gen: 1\nwidth: 16\npropagation: 0ns\nskp: false\ndllp_policy: on_demand\n", 1);
	r.host.keep = true;
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 256, true, 0)));
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 256, true, 1)));
	rig_run(&r);
	/* 280 B on x16 = 17.5 symbols -> ends in symbol 18 (72 ns); the second
	 * starts mid-symbol: 560 B = 35 symbols = 140 ns. */
	assert_int_equal(r.host.when[0], 72 * SIM_NS);
	assert_int_equal(r.host.when[1], 140 * SIM_NS);
	rig_down(&r);
}

/* A full transmit queue refuses the sender, which is woken when there is room. */
static void test_tx_queue_backpressure(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, "gen: 1\nwidth: 1\ntx_queue: 2\n", 1);
	rig_traffic(&r, OP_WRITE, 256, 256, 512, 10);
	dev_pump(&r.dev);
	assert_non_null(r.dev.held);            /* the third was refused at once */
	assert_true(stat(&r, "upstream.refusals") >= 1);
	rig_run(&r);
	assert_null(r.dev.held);
	assert_int_equal(r.host.n[TLP_MWR], 10);
	assert_true(r.host.order_ok);
	rig_down(&r);
}

/* DLLPs owed for a burst are paid when it ends: a TLP after idle is not delayed. */
static void test_idle_after_burst(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, "gen: 1\nwidth: 1\nmps: 128\n", 1);
	rig_traffic(&r, OP_WRITE, 1024, 128, 512, 4);   /* 32 MWr of 152 B: ~20 intervals */
	dev_pump(&r.dev);
	rig_run(&r);
	assert_true(stat(&r, "upstream.dllp_bytes.ack") >= 8 * 19);
	r.host.keep = true;
	r.host.nseen = 0;
	struct tlp *t = mk_tlp(&r, TLP_MWR, 64, true, 99);
	r.dev.held = t;                         /* sent by the pump at 1 ms */
	sim_schedule_at(r.s->k, SIM_MS, dev_pump_event, &r.dev);
	rig_run(&r);
	/* 88 B at 4 ns + 5 ns, nothing in front of it. */
	assert_int_equal(r.host.when[0], SIM_MS + 352 * SIM_NS + 5 * SIM_NS);
	rig_down(&r);
}

struct tp_case {
	unsigned gen, width, mps, mrrs;
	bool rcb;
	int op;
	uint32_t size;
};

static void check_throughput(const struct tp_case *c, uint64_t count)
{
	char yaml[256];
	snprintf(yaml, sizeof(yaml), "gen: %u\nwidth: %u\nmps: %u\nrcb_split: %s\n", c->gen,
		 c->width, c->mps, c->rcb ? "true" : "false");
	struct rig r;
	rig_up(&r, yaml, 1);
	if (count * c->size < 256 * 1024)
		count = 256 * 1024 / c->size;   /* long enough for the read window */
	rig_traffic(&r, c->op, c->size, c->mps, c->mrrs, count);
	dev_pump(&r.dev);
	rig_run(&r);

	struct pcie_analytic_cfg ac = { .gen = c->gen, .width = c->width, .mps = c->mps,
					.mrrs = c->mrrs, .rcb_split = c->rcb, .addr64 = true };
	static const enum pcie_op ops[] = { PCIE_OP_READ, PCIE_OP_WRITE, PCIE_OP_READWRITE };
	struct pcie_analytic a;
	assert_int_equal(pcie_analytic_throughput(&ac, ops[c->op], c->size, &a), 0);
	const char *opn = c->op == OP_READ ? "read" : c->op == OP_WRITE ? "write" : "readwrite";
	if (c->op != OP_READ) {
		double g = meas_gbps(&r.host.wr_meas);
		if (g < a.write_gbps * 0.98 || g > a.write_gbps * 1.02)
			fail_msg("gen%u x%u mps %u %s %u B: write %.3f Gb/s, analytical %.3f", c->gen,
				 c->width, c->mps, opn, c->size, g, a.write_gbps);
		assert_int_equal(r.host.n[TLP_MWR], count * pcie_split_count(0, c->size, c->mps));
	}
	if (c->op != OP_WRITE) {
		double g = meas_gbps(&r.dev.rd_meas);
		if (g < a.read_gbps * 0.98 || g > a.read_gbps * 1.02)
			fail_msg("gen%u x%u mps %u %s %u B: read %.3f Gb/s, analytical %.3f", c->gen,
				 c->width, c->mps, opn, c->size, g, a.read_gbps);
		assert_int_equal(r.dev.cpls, count * pcie_split_count(0, c->size, c->mrrs));
	}
	assert_true(r.host.order_ok && r.dev.order_ok);
	assert_int_equal(tlp_pool_live(r.s->tlps), 0);
	rig_down(&r);
}

/* Saturating one function: simulated payload throughput within 2 % of the
 * published analytical model (FACTS.md accounting). */
static void test_saturation_matches_analytic(void **state)
{
	(void)state;
	static const unsigned gw[][2] = { { 1, 1 }, { 3, 8 }, { 5, 16 } };
	static const uint32_t sizes[] = { 64, 256, 1500, 4096 };
	for (int g = 0; g < 3; g++)
		for (int s = 0; s < 4; s++)
			for (int op = OP_READ; op <= OP_RW; op++) {
				struct tp_case c = { gw[g][0], gw[g][1], 256, 512, false, op, sizes[s] };
				check_throughput(&c, 200);
			}
	/* Other MPS/MRRS and the RCB split of older root complexes. */
	static const struct tp_case more[] = {
		{ 2, 4, 128, 256, false, OP_READ, 1500 },
		{ 3, 8, 512, 512, true, OP_READ, 4096 },
		{ 3, 8, 256, 512, true, OP_RW, 1500 },
		{ 4, 16, 1024, 4096, false, OP_WRITE, 4096 },
		{ 4, 2, 4096, 512, false, OP_READ, 64 },
		{ 3, 12, 256, 512, false, OP_WRITE, 256 },
		{ 6, 16, 256, 512, false, OP_RW, 1500 },
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		check_throughput(&more[i], 200);
}

/* The mechanism behind the number: DLLP and SKP bytes on a saturated write link. */
static void test_overhead_accounting(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, "gen: 3\nwidth: 8\nmps: 256\n", 1);
	rig_traffic(&r, OP_WRITE, 4096, 256, 512, 100);
	dev_pump(&r.dev);
	rig_run(&r);
	double tlp = stat(&r, "upstream.tlp_bytes.mwr"), ack = stat(&r, "upstream.dllp_bytes.ack");
	double fc = stat(&r, "upstream.dllp_bytes.updatefc"), skp = stat(&r, "upstream.skp_bytes");
	double total = tlp + ack + fc + skp;
	assert_true(tlp == 1600 * 280.0);
	/* One 8 B Ack and one 8 B UpdateFC per 203 B of link time; 4 B SKP per 1538. */
	assert_true(ack / total > 8.0 / 203 * 0.99 && ack / total < 8.0 / 203 * 1.01);
	assert_true(fc / total > 8.0 / 203 * 0.99 && fc / total < 8.0 / 203 * 1.01);
	assert_true(skp / total > 4.0 / 1538 * 0.95 && skp / total < 4.0 / 1538 * 1.05);
	assert_true(stat(&r, "upstream.utilisation") > 0.99);
	/* The host acknowledged and returned credits on the downstream wire. */
	assert_true(stat(&r, "downstream.dllp_bytes.ack") > 0);
	assert_true(stat(&r, "downstream.dllp_bytes.updatefc") > 0);
	assert_true(stat(&r, "upstream.credit_stall_ns.p") == 0);
	rig_down(&r);

	/* on_demand: the writing direction sends no DLLPs of its own. */
	rig_up(&r, "gen: 3\nwidth: 8\nmps: 256\ndllp_policy: on_demand\n", 1);
	rig_traffic(&r, OP_WRITE, 4096, 256, 512, 100);
	dev_pump(&r.dev);
	rig_run(&r);
	assert_true(stat(&r, "upstream.dllp_bytes.ack") == 0);
	assert_true(stat(&r, "upstream.dllp_bytes.updatefc") == 0);
	assert_true(meas_gbps(&r.host.wr_meas) > 52.923 * 1.05);     /* > published */
	rig_down(&r);
}

/* Tiny credits and a slow host: the sender waits (counted), nothing lost or reordered. */
static double starve(sim_time_t hold, uint64_t *n_got)
{
	struct rig r;
	rig_up(&r, "gen: 3\nwidth: 4\nmps: 256\nhost_p_hdr: 2\nhost_p_data: 16\n", 1);
	r.host.hold = hold;
	rig_traffic(&r, OP_WRITE, 256, 256, 512, 50);
	dev_pump(&r.dev);
	rig_run(&r);
	assert_true(r.host.order_ok);
	*n_got = r.host.n[TLP_MWR];
	assert_int_equal(tlp_pool_live(r.s->tlps), 0);
	/* The host held each TLP; the link never ran ahead of the credits. */
	assert_true(sim_now(r.s->k) >= 49 * hold);
	double stall = stat(&r, "upstream.credit_stall_ns.p");
	rig_down(&r);
	return stall;
}

static void test_credit_starvation(void **state)
{
	(void)state;
	uint64_t n1, n2;
	double s1 = starve(100 * SIM_NS, &n1);
	double s2 = starve(400 * SIM_NS, &n2);
	assert_int_equal(n1, 50);
	assert_int_equal(n2, 50);
	assert_true(s1 > 0);
	assert_true(s2 > s1 * 2);               /* a slower far end: longer waits */
}

/* Posted TLPs pass non-posted ones blocked on credits; nothing passes an older posted one. */
static void test_ordering_rules(void **state)
{
	(void)state;
	struct rig r;
	/* One NP header credit: the second MRd waits, the younger MWr passes it. */
	rig_up(&r, "gen: 1\nwidth: 1\nhost_np_hdr: 1\n", 1);
	r.host.keep = true;
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MRD, 64, true, 0)));
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MRD, 64, true, 1)));
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 64, true, 2)));
	rig_run(&r);
	assert_int_equal(r.host.nseen, 3);
	assert_int_equal(r.host.got[0]->cookie, 0);
	assert_int_equal(r.host.got[1]->cookie, 2);     /* MWr passed MRd 1 */
	assert_int_equal(r.host.got[2]->cookie, 1);
	assert_true(stat(&r, "upstream.credit_stall_ns.np") > 0);
	rig_down(&r);

	/* One P header credit: the second MWr waits and the younger MRd may not pass it. */
	rig_up(&r, "gen: 1\nwidth: 1\nhost_p_hdr: 1\n", 1);
	r.host.keep = true;
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 64, true, 0)));
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MWR, 64, true, 1)));
	assert_true(port_send(&r.dev.port, mk_tlp(&r, TLP_MRD, 64, true, 2)));
	rig_run(&r);
	assert_int_equal(r.host.nseen, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r.host.got[i]->cookie, (uint64_t)i);
	assert_true(stat(&r, "upstream.credit_stall_ns.p") > 0);
	rig_down(&r);
}

/* Completions longer than MPS travel as several TLPs (RCB pieces with rcb_split). */
static void test_completion_split(void **state)
{
	(void)state;
	for (int rcb = 0; rcb <= 1; rcb++) {
		struct rig r;
		rig_up(&r, rcb ? "mps: 256\nrcb_split: true\n" : "mps: 256\n", 1);
		struct tlp *t = mk_tlp(&r, TLP_CPLD, 512, true, 0);
		t->addr = 0x10000;
		assert_true(port_send(&r.host.port, t));
		rig_run(&r);
		assert_int_equal(r.dev.cpls, 1);                /* handed on once, whole */
		unsigned pieces = rcb ? 8 : 2;
		assert_true(stat(&r, "downstream.tlps") == pieces);
		assert_true(stat(&r, "downstream.tlp_bytes.cpld") == 512 + 20.0 * pieces);
		assert_int_equal(tlp_pool_live(r.s->tlps), 0);
		rig_down(&r);
	}
}

/* With a bit error rate: NAKs and replays, and every TLP still arrives once, in order. */
static void ber_run(uint64_t seed, const char *ber, double out[5])
{
	char yaml[128];
	snprintf(yaml, sizeof(yaml), "gen: 2\nwidth: 4\nmps: 256\nber: %s\n", ber);
	struct rig r;
	rig_up(&r, yaml, seed);
	rig_traffic(&r, OP_RW, 1024, 256, 512, 300);
	dev_pump(&r.dev);
	rig_run(&r);
	assert_int_equal(r.host.n[TLP_MWR], 300 * 4);
	assert_int_equal(r.host.n[TLP_MRD], 300 * 2);
	assert_int_equal(r.dev.cpls, 300 * 2);
	assert_true(r.host.order_ok && r.dev.order_ok);
	assert_int_equal(tlp_pool_live(r.s->tlps), 0);
	out[0] = stat(&r, "upstream.naks") + stat(&r, "downstream.naks");
	out[1] = stat(&r, "upstream.replays") + stat(&r, "downstream.replays");
	out[2] = stat(&r, "upstream.replayed_bytes") + stat(&r, "downstream.replayed_bytes");
	out[3] = stat(&r, "upstream.replay_timeouts") + stat(&r, "downstream.replay_timeouts");
	out[4] = (double)sim_now(r.s->k);
	rig_down(&r);
}

static void test_ber_replay(void **state)
{
	(void)state;
	double a[5], b[5], c[5];
	ber_run(7, "1e-5", a);
	assert_true(a[0] > 0 && a[1] >= a[0] && a[2] > 0);
	ber_run(7, "1e-5", b);
	assert_memory_equal(a, b, sizeof(a));           /* deterministic for a seed */
	ber_run(8, "1e-5", c);
	assert_true(memcmp(a, c, sizeof(a)) != 0);      /* another seed, another run */
	/* Heavy errors: replays of replays fail too; the replay timer steps in. */
	ber_run(7, "2e-4", c);
	assert_true(c[3] > 0);
	assert_true(c[4] > a[4]);
	/* No errors: no replays at all. */
	ber_run(7, "0", c);
	assert_true(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
}

/* Bad parameters are reported at their place, saying what is allowed. */
static void test_bad_params(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "gen: 3\nwidth: 3\n", ":2:8: error: pcie_link 'l': width 3 is not a PCIe link width" },
		{ "mps: 384\n", ":1:6: error: pcie_link 'l': mps 384" },
		{ "mps: 512\nhost_p_data: 16\n", ":2:14: error: pcie_link 'l': host_p_data = 16" },
		{ "gen: 7\n", ":1:6: error:" },
		{ "dllp_policy: sometimes\n", ":1:14: error:" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iov_err e = { 0 };
		struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
		struct cfg_doc *d = yaml_doc(cases[i].yaml);
		assert_null(sim_add_component(s, &model_pcie_link, "l", cfg_doc_root(d), &e));
		assert_int_equal(e.status, IOV_BAD_INPUT);
		if (!strstr(e.msg, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].want);
		sim_destroy(s);
		cfg_doc_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_tlp_latency),
		cmocka_unit_test(test_back_to_back_packing),
		cmocka_unit_test(test_tx_queue_backpressure),
		cmocka_unit_test(test_idle_after_burst),
		cmocka_unit_test(test_saturation_matches_analytic),
		cmocka_unit_test(test_overhead_accounting),
		cmocka_unit_test(test_credit_starvation),
		cmocka_unit_test(test_ordering_rules),
		cmocka_unit_test(test_completion_split),
		cmocka_unit_test(test_ber_replay),
		cmocka_unit_test(test_bad_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
