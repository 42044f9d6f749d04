/* test_models.c - the first models (memory, fixed_path, dma_source) driven through stub peers */
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

/* A stub peer: records what it receives, can refuse, counts retries. */
struct stub {
	struct port port;
	struct sim *sim;
	struct tlp *got[64];
	sim_time_t when[64];
	int n;
	bool refuse;
	int retries;
};

static bool stub_recv(struct port *p, struct tlp *t)
{
	struct stub *s = container_of(p, struct stub, port);
	if (s->refuse)
		return false;
	assert_true(s->n < 64);
	s->when[s->n] = sim_now(s->sim->k);
	s->got[s->n++] = t;
	return true;
}

static void stub_retry(struct port *p)
{
	container_of(p, struct stub, port)->retries++;
}

static const struct port_ops stub_ops = { .recv = stub_recv, .retry = stub_retry };

static void stub_attach(struct stub *st, struct sim *s, struct port *target)
{
	memset(st, 0, sizeof(*st));
	st->sim = s;
	st->port.name = "stub";
	st->port.ops = &stub_ops;
	st->port.peer = target;
	target->peer = &st->port;
}

static struct component *make(struct sim *s, const char *type, const char *name,
			      struct cfg_doc *d)
{
	struct iov_err e = { 0 };
	struct component *c = sim_add_component(s, model_find(type), name, cfg_doc_root(d), &e);
	if (!c)
		fail_msg("%s", e.msg);
	return c;
}

static struct tlp *mk_tlp(struct sim *s, enum tlp_type type, uint32_t len)
{
	struct tlp *t = tlp_alloc(s->tlps);
	assert_non_null(t);
	t->type = type;
	t->len = len;
	t->addr = 0x1000;
	return t;
}

static void test_memory_timing_and_backpressure(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	assert_non_null(s);
	struct cfg_doc *d = yaml_doc("latency: 100ns\nbandwidth: 1GB/s\nqueue_depth: 2\nclock: 1GHz\n");
	struct component *mem = make(s, "memory", "mem", d);
	struct stub st;
	stub_attach(&st, s, component_port(mem, "port"));

	/* Two 64 B reads at t=0: the bus serialises them (64 ns each at 1 GB/s). */
	assert_true(port_send(&st.port, mk_tlp(s, TLP_MRD, 64)));
	assert_true(port_send(&st.port, mk_tlp(s, TLP_MRD, 64)));
	struct tlp *third = mk_tlp(s, TLP_MRD, 64);
	assert_false(port_send(&st.port, third));           /* queue_depth 2 */
	assert_int_equal(sim_run(s->k, SIM_TIME_MAX, &e), SIM_RUN_EMPTY);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.got[0]->type, TLP_CPLD);
	assert_int_equal(st.when[0], 164 * SIM_NS);          /* 0 + 100 + 64 */
	assert_int_equal(st.when[1], 228 * SIM_NS);          /* starts at 64: 64 + 100 + 64 */
	/* Stamps: queue wait (ends at service start), then access. */
	assert_int_equal(st.got[1]->nstamps, 2);
	assert_int_equal(st.got[1]->stamps[0].t, 64 * SIM_NS);
	assert_int_equal(st.got[1]->stamps[1].t, 228 * SIM_NS);
	assert_int_equal(st.retries, 1);                     /* room again after the first */
	double v;
	assert_int_equal(stats_get(s->stats, "components.mem.refusals", &v), 0);
	assert_true(v == 1.0);
	tlp_free(s->tlps, st.got[0]);
	tlp_free(s->tlps, st.got[1]);
	tlp_free(s->tlps, third);
	assert_int_equal(tlp_pool_live(s->tlps), 0);
	sim_destroy(s);
	cfg_doc_free(d);
}

static void test_memory_write_is_absorbed(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	struct cfg_doc *d = yaml_doc("latency: 10ns\nbandwidth: 100GB/s\n");
	struct component *mem = make(s, "memory", "m", d);
	struct stub st;
	stub_attach(&st, s, component_port(mem, "port"));
	assert_true(port_send(&st.port, mk_tlp(s, TLP_MWR, 256)));
	sim_run(s->k, SIM_TIME_MAX, &e);
	assert_int_equal(st.n, 0);                           /* posted: nothing comes back */
	assert_int_equal(tlp_pool_live(s->tlps), 0);         /* memory freed it */
	double v;
	assert_int_equal(stats_get(s->stats, "components.m.write_bytes", &v), 0);
	assert_true(v == 256.0);
	sim_destroy(s);
	cfg_doc_free(d);
}

static void test_fixed_path_serialises_and_bounds(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	struct cfg_doc *d = yaml_doc("latency: 50ns\nbandwidth: 1GB/s\noverhead: 24\ncapacity: 1\n");
	struct component *p = make(s, "fixed_path", "p", d);
	struct stub dev, host;
	stub_attach(&dev, s, component_port(p, "down"));
	stub_attach(&host, s, component_port(p, "up"));

	assert_true(port_send(&dev.port, mk_tlp(s, TLP_MWR, 64)));   /* 88 wire bytes */
	struct tlp *second = mk_tlp(s, TLP_MWR, 64);
	assert_false(port_send(&dev.port, second));                  /* capacity 1 */
	host.refuse = true;                                          /* host full at first */
	/* Delivery is due at 88 + 50 ns; refused, the path waits (no more events). */
	assert_int_equal(sim_run(s->k, 200 * SIM_NS, &e), SIM_RUN_EMPTY);
	assert_int_equal(host.n, 0);
	assert_int_equal(sim_now(s->k), 138 * SIM_NS);
	host.refuse = false;
	port_unblock(&host.port);                                    /* host has room */
	assert_int_equal(host.n, 1);
	assert_int_equal(host.when[0], 138 * SIM_NS);
	assert_int_equal(dev.retries, 1);                            /* path has room again */
	assert_true(port_send(&dev.port, second));
	sim_run(s->k, SIM_TIME_MAX, &e);
	assert_int_equal(host.n, 2);
	assert_int_equal(host.when[1], (138 + 88 + 50) * SIM_NS);

	/* Downstream: a CplD from the host side reaches the device side. */
	assert_true(port_send(&host.port, mk_tlp(s, TLP_CPLD, 64)));
	sim_run(s->k, SIM_TIME_MAX, &e);
	assert_int_equal(dev.n, 1);
	assert_int_equal(dev.when[0] - host.when[1], (88 + 50) * SIM_NS);
	for (int i = 0; i < host.n; i++)
		tlp_free(s->tlps, host.got[i]);
	tlp_free(s->tlps, dev.got[0]);
	sim_destroy(s);
	cfg_doc_free(d);
}

/* A memory stand-in that answers each request after 'delay', in order. */
struct responder {
	struct stub st;
	struct tlp_fifo q;
	sim_time_t delay;
	int max_inflight, inflight;
};

static void responder_event(void *arg)
{
	struct responder *r = arg;
	struct tlp *t = tlp_fifo_pop(&r->q);
	t->type = TLP_CPLD;
	r->inflight--;
	assert_true(port_send(&r->st.port, t));
}

static bool responder_recv(struct port *p, struct tlp *t)
{
	struct responder *r = container_of(p, struct responder, st.port);
	r->st.got[r->st.n % 64] = t;
	r->st.n++;
	if (t->type == TLP_MRD) {
		r->inflight++;
		if (r->inflight > r->max_inflight)
			r->max_inflight = r->inflight;
		tlp_fifo_push(&r->q, t);
		sim_schedule(r->st.sim->k, r->delay, responder_event, r);
	} else {
		tlp_free(r->st.sim->tlps, t);
	}
	return true;
}

static const struct port_ops responder_ops = { .recv = responder_recv };

static void test_dma_source_bounds_outstanding(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	struct cfg_doc *d = yaml_doc("max_outstanding: 3\nclock: 1GHz\n"
				     "trace: {gen: seq, size: 64, count: 12}\n");
	struct component *dev = make(s, "dma_source", "dev", d);
	struct responder r = { .delay = 100 * SIM_NS };
	stub_attach(&r.st, s, component_port(dev, "up"));
	r.st.port.ops = &responder_ops;
	assert_int_equal(dev->model->ops->start(dev, &e), 0);
	s->err = &e;
	assert_int_equal(sim_run(s->k, SIM_TIME_MAX, &e), SIM_RUN_EMPTY);
	assert_int_equal(r.st.n, 12);
	assert_int_equal(r.max_inflight, 3);
	double v;
	assert_int_equal(stats_get(s->stats, "dma.reads", &v), 0);
	assert_true(v == 12.0);
	/* Round trip = 100 ns exactly (responder delay, device issues on 1 GHz edges). */
	assert_int_equal(stats_get(s->stats, "dma.latency_ns.max", &v), 0);
	assert_true(v == 100.0);
	assert_int_equal(stats_get(s->stats, "components.dev.tag_stalls", &v), 0);
	assert_true(v >= 1.0);
	assert_int_equal(tlp_pool_live(s->tlps), 0);
	sim_destroy(s);
	cfg_doc_free(d);
}

static void test_dma_source_splits_at_mrrs_and_4k(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	/* One 2 KiB read starting 256 B before a 4 KiB boundary, MRRS 512:
	 * 256 (to the boundary) + 512 + 512 + 512 + 256 = 5 requests. */
	struct cfg_doc *d = yaml_doc("mrrs: 512\n"
				     "trace: {gen: seq, base: 0xF00, window: 8KiB, size: 2KiB, "
				     "align: 256, count: 1}\n");
	struct component *dev = make(s, "dma_source", "dev", d);
	struct responder r = { .delay = 10 * SIM_NS };
	stub_attach(&r.st, s, component_port(dev, "up"));
	r.st.port.ops = &responder_ops;
	s->err = &e;
	dev->model->ops->start(dev, &e);
	sim_run(s->k, SIM_TIME_MAX, &e);
	assert_int_equal(r.st.n, 5);
	double v;
	assert_int_equal(stats_get(s->stats, "dma.reads", &v), 0);
	assert_true(v == 1.0);                       /* one DMA, five requests */
	assert_int_equal(stats_get(s->stats, "dma.read_bytes", &v), 0);
	assert_true(v == 2048.0);
	sim_destroy(s);
	cfg_doc_free(d);
}

static void test_unknown_param_is_located(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	struct cfg_doc *d = yaml_doc("latency: 100ns\nqueue_dept: 4\n");
	assert_null(sim_add_component(s, model_find("memory"), "mem", cfg_doc_root(d), &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, ":2:1: error: unknown key 'queue_dept'"));
	sim_destroy(s);
	cfg_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_timing_and_backpressure),
		cmocka_unit_test(test_memory_write_is_absorbed),
		cmocka_unit_test(test_fixed_path_serialises_and_bounds),
		cmocka_unit_test(test_dma_source_bounds_outstanding),
		cmocka_unit_test(test_dma_source_splits_at_mrrs_and_4k),
		cmocka_unit_test(test_unknown_param_is_located),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
