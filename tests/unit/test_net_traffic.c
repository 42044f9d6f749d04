/* test_net_traffic.c - the shared packet pool/FIFO (models/net/net_pkt) and the stream/rr engine (net_traffic) over a stub device
 *
 * The stub device: a TX ring of RING packets drained by a wire that sends one
 * packet every WIRE_PS; RX packets reach the driver RX_PS after they come in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/net/net_traffic.h"
#include "sim.h"

#define RING 4
#define WIRE_PS (100 * SIM_NS)
#define RX_PS (50 * SIM_NS)

struct stub_pkt {
	NET_PKT_HEAD;
	uint32_t extra;                 /* a device field after the shared part */
};

struct stub {
	struct sim *s;
	struct component c;
	struct net_pool pool;
	struct net_gen g;
	struct net_fifo ring, rx;       /* posted TX packets; RX packets on their way to the driver */
	unsigned held;                  /* packets out of the pool */
	unsigned flushes, full, kicks_pending;
	bool wire_busy;
	sim_time_t rx_free;
	uint32_t flow_seen[8];
	unsigned early;                 /* rr responses posted before their think work ended */
};

static struct net_pkt *stub_alloc(void *dev)
{
	struct stub *d = dev;
	struct net_pkt *p = net_pool_get(&d->pool);
	assert_non_null(p);
	d->held++;
	return p;
}

static void stub_free(void *dev, struct net_pkt *p)
{
	struct stub *d = dev;
	d->held--;
	net_pool_put(&d->pool, p);
}

static void stub_wire_event(void *arg)
{
	struct stub *d = arg;
	struct net_pkt *p = net_fifo_pop(&d->ring);
	d->wire_busy = false;
	net_gen_tx_wire(&d->g, p, sim_now(d->s->k));
	stub_free(d, p);
	if (d->ring.head) {
		d->wire_busy = true;
		sim_schedule(d->s->k, WIRE_PS, stub_wire_event, d);
	}
	net_gen_fill(&d->g);           /* TX room */
}

static enum net_gen_post stub_tx(void *dev, struct net_gen *g, struct net_pkt *p, bool fill)
{
	struct stub *d = dev;
	assert_ptr_equal(g, &d->g);
	if (d->ring.n >= RING) {
		if (fill)
			return NET_GEN_BUSY;
		d->full++;
		return NET_GEN_FULL;
	}
	d->flow_seen[p->flow % 8]++;
	if (p->t_due > sim_now(d->s->k))
		d->early++;
	net_fifo_push(&d->ring, p);
	if (fill)
		d->kicks_pending++;
	if (!d->wire_busy) {
		d->wire_busy = true;
		sim_schedule(d->s->k, WIRE_PS, stub_wire_event, d);
	}
	return NET_GEN_SENT;
}

static void stub_tx_flush(void *dev, struct net_gen *g)
{
	(void)g;
	struct stub *d = dev;
	d->flushes++;
	d->kicks_pending = 0;
}

static void stub_rx_event(void *arg)
{
	struct stub *d = arg;
	struct net_pkt *p = net_fifo_pop(&d->rx);
	net_gen_rx(&d->g, p);
	stub_free(d, p);
}

static void stub_rx(void *dev, struct net_gen *g, struct net_pkt *p, sim_time_t at)
{
	(void)g;
	struct stub *d = dev;
	assert_int_equal(at, sim_now(d->s->k));
	d->rx_free = at + WIRE_PS;
	net_fifo_push(&d->rx, p);
	sim_schedule(d->s->k, RX_PS, stub_rx_event, d);
}

static sim_time_t stub_rx_free_at(void *dev)
{
	return ((struct stub *)dev)->rx_free;
}

static sim_time_t stub_guest_cycles(void *dev, uint64_t cycles)
{
	(void)dev;
	return cycles * SIM_NS;         /* a 1 GHz guest */
}

static const struct net_gen_ops stub_ops = {
	.alloc = stub_alloc,
	.free = stub_free,
	.tx = stub_tx,
	.tx_flush = stub_tx_flush,
	.rx = stub_rx,
	.rx_free_at = stub_rx_free_at,
	.guest_cycles = stub_guest_cycles,
};

/* rr think work on a vCPU time line the stub makes up: session 0 thinks
 * 2 us, session 1 100 ns, whatever the cycles. */
static sim_time_t stub_think(void *dev, struct net_gen *g, const struct net_pkt *req,
			     uint64_t cycles)
{
	(void)g;
	(void)cycles;
	struct stub *d = dev;
	return sim_now(d->s->k) + (req->session == 0 ? 2 * SIM_US : 100 * SIM_NS);
}

static const struct net_gen_ops stub_think_ops = {
	.alloc = stub_alloc,
	.free = stub_free,
	.tx = stub_tx,
	.tx_flush = stub_tx_flush,
	.rx = stub_rx,
	.rx_free_at = stub_rx_free_at,
	.guest_cycles = stub_guest_cycles,
	.think = stub_think,
};

static const struct net_gen_ops *stub_use = &stub_ops;

static struct netgen_spec spec_stream(bool tx, uint64_t count)
{
	return (struct netgen_spec){ .fn = "dev", .kind = NETGEN_STREAM, .tx = tx, .size = 1000,
				     .resp_size = 1000, .count = count, .flows = 3, .sessions = 1,
				     .dst = "wire" };
}

static void stub_run(struct stub *d, const struct netgen_spec *sp)
{
	struct iov_err e = { 0 };
	memset(d, 0, sizeof(*d));
	d->s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	assert_non_null(d->s);
	d->c.name = "dev";
	d->c.sim = d->s;
	net_pool_init(&d->pool, sizeof(struct stub_pkt));
	assert_int_equal(net_gen_init(&d->g, sp, 0, stub_use, d, &d->c, &e), 0);
	net_gen_start(&d->g);
	assert_int_equal(sim_run(d->s->k, SIM_TIME_MAX, &e), SIM_RUN_EMPTY);
	net_gen_finish(&d->g);
}

static void stub_done(struct stub *d)
{
	net_gen_drain(&d->g);
	assert_int_equal(d->held, 0);   /* every packet went back to the pool */
	net_pool_release(&d->pool);
	sim_destroy(d->s);
}

/* TX without a rate keeps the ring full: all packets leave back to back. */
static void test_stream_tx_asap(void **state)
{
	(void)state;
	struct stub d;
	struct netgen_spec sp = spec_stream(true, 10);
	stub_run(&d, &sp);
	assert_int_equal(*d.g.st_packets, 10);
	assert_int_equal(d.full, 0);
	assert_int_equal(sim_now(d.s->k), 10 * WIRE_PS);
	assert_int_equal(d.flow_seen[0], 4);            /* flows 0,1,2,0,1,2,... */
	assert_int_equal(d.flow_seen[1], 3);
	assert_int_equal(d.flow_seen[2], 3);
	assert_true(d.flushes >= 7);                    /* the first fill, then one per room */
	assert_int_equal(d.kicks_pending, 0);
	assert_int_equal(*d.g.st_transactions, 0);
	stub_done(&d);
}

/* TX at a rate faster than the wire: what finds the ring full is dropped. */
static void test_stream_tx_rate_drops(void **state)
{
	(void)state;
	struct stub d;
	struct netgen_spec sp = spec_stream(true, 20);
	sp.interval = WIRE_PS / 2;
	stub_run(&d, &sp);
	assert_true(d.full > 0);
	assert_int_equal(*d.g.st_packets + d.full, 20);
	stub_done(&d);
}

/* RX without a rate: the peer sends as the wire frees (rx_free_at). */
static void test_stream_rx(void **state)
{
	(void)state;
	struct stub d;
	struct netgen_spec sp = spec_stream(false, 5);
	sp.start = SIM_US;
	stub_run(&d, &sp);
	assert_int_equal(*d.g.st_packets, 5);
	assert_int_equal(sim_now(d.s->k), SIM_US + 4 * WIRE_PS + RX_PS);
	stub_done(&d);
}

/* rr: request in (RX_PS to the driver), think, response out (WIRE_PS), next after peer_latency. */
static void test_rr_closed_loop(void **state)
{
	(void)state;
	struct stub d;
	struct netgen_spec sp = spec_stream(false, 6);
	sp.kind = NETGEN_RR;
	sp.sessions = 2;
	sp.think_cycles = 200;
	sp.peer_latency = SIM_US;
	stub_run(&d, &sp);
	assert_int_equal(*d.g.st_transactions, 6);
	assert_int_equal(*d.g.st_packets, 12);          /* 6 requests in, 6 responses out */
	/* each: 50 ns to the driver, 200 ns thinking, 100 ns on the wire (the
	 * two sessions' responses queue one behind the other: the second waits) */
	assert_int_equal((uint64_t)hist_quantile(d.g.st_rr_latency, 0.0), 350 * SIM_NS);
	assert_true(*d.g.st_tps > 0);
	stub_done(&d);
}

/* The device's think op: think work that ends out of order (session 1's
 * request came second but its think ends first) still posts each response
 * when its own work ends. */
static void test_rr_think_op(void **state)
{
	(void)state;
	struct stub d;
	struct netgen_spec sp = spec_stream(false, 6);
	sp.kind = NETGEN_RR;
	sp.sessions = 2;
	sp.peer_latency = SIM_US;
	stub_use = &stub_think_ops;
	stub_run(&d, &sp);
	stub_use = &stub_ops;
	assert_int_equal(*d.g.st_transactions, 6);
	assert_int_equal(d.early, 0);
	/* session 1: 50 ns to the driver, 100 ns thinking, 100 ns on the wire */
	assert_int_equal((uint64_t)hist_quantile(d.g.st_rr_latency, 0.0), 250 * SIM_NS);
	assert_true(hist_quantile(d.g.st_rr_latency, 1.0) >= 2150.0 * SIM_NS);
	stub_done(&d);
}

/* The pool hands out zeroed packets and does not grow once warm; FIFOs keep order. */
static void test_pool_and_fifo(void **state)
{
	(void)state;
	struct net_pool pl;
	net_pool_init(&pl, sizeof(struct stub_pkt));
	struct net_fifo q = { 0 };
	for (int round = 0; round < 100; round++) {
		for (uint32_t i = 0; i < 300; i++) {
			struct stub_pkt *p = (struct stub_pkt *)net_pool_get(&pl);
			assert_non_null(p);
			assert_int_equal(p->len, 0);
			assert_int_equal(p->extra, 0);
			p->len = i;
			p->extra = 7;
			net_fifo_push(&q, &p->net);
		}
		assert_int_equal(q.n, 300);
		for (uint32_t i = 0; i < 300; i++) {
			struct net_pkt *p = net_fifo_pop(&q);
			assert_int_equal(p->len, i);
			net_pool_put(&pl, p);
		}
		assert_null(net_fifo_pop(&q));
		assert_null(q.tail);
	}
	assert_int_equal(pl.nchunks, 2);                /* 300 packets: two chunks of 256, ever */
	net_pool_release(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_tx_asap),
		cmocka_unit_test(test_stream_tx_rate_drops),
		cmocka_unit_test(test_stream_rx),
		cmocka_unit_test(test_rr_closed_loop),
		cmocka_unit_test(test_rr_think_op),
		cmocka_unit_test(test_pool_and_fifo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
