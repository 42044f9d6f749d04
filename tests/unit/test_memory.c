/* test_memory.c - the host memory model driven through a stub peer: DRAM/LLC, remote, streaming, limits */
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

#define STUB_KEEP 64

/*
 * The requester side of the memory's port: records when each TLP arrives and
 * keeps the first STUB_KEEP of them (the rest are freed at once), can refuse,
 * and notes when it is told to retry.
 */
struct stub {
	struct port port;
	struct sim *sim;
	struct tlp *got[STUB_KEEP];
	sim_time_t when[STUB_KEEP];
	int n;                          /* TLPs received */
	bool refuse;
	int retries;
	sim_time_t retry_at;
	/* Arrival-time bins for tests that only count (see stub_bin). */
	sim_time_t bin_at[2];
	int bin_n[2];
	uint64_t addr_hash[2];          /* FNV-1a over the addresses landing in each bin */
};

static bool stub_recv(struct port *p, struct tlp *t)
{
	struct stub *s = container_of(p, struct stub, port);
	if (s->refuse)
		return false;
	sim_time_t now = sim_now(s->sim->k);
	for (int b = 0; b < 2; b++) {
		if (s->bin_at[b] && now == s->bin_at[b]) {
			s->bin_n[b]++;
			s->addr_hash[b] = (s->addr_hash[b] ^ t->addr) * 0x100000001b3ull;
		}
	}
	if (s->n < STUB_KEEP) {
		s->when[s->n] = now;
		s->got[s->n] = t;
	} else {
		tlp_free(s->sim->tlps, t);
	}
	s->n++;
	return true;
}

static void stub_retry(struct port *p)
{
	struct stub *s = container_of(p, struct stub, port);
	s->retries++;
	s->retry_at = sim_now(s->sim->k);
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

static void stub_free(struct stub *st)
{
	for (int i = 0; i < st->n && i < STUB_KEEP; i++)
		tlp_free(st->sim->tlps, st->got[i]);
	st->n = 0;
}

/* One memory named 'name' built from YAML text, with a stub on its port. */
struct rig {
	struct sim *s;
	struct cfg_doc *d;
	struct component *mem;
	struct stub st;
};

static void rig_up(struct rig *r, uint64_t seed, const char *name, const char *yaml)
{
	struct iov_err e = { 0 };
	r->s = sim_create(SIM_KERNEL_NATIVE, seed, &e);
	assert_non_null(r->s);
	r->d = yaml_doc(yaml);
	r->mem = sim_add_component(r->s, model_find("memory"), name, cfg_doc_root(r->d), &e);
	if (!r->mem)
		fail_msg("%s", e.msg);
	stub_attach(&r->st, r->s, component_port(r->mem, "port"));
}

static void rig_down(struct rig *r)
{
	stub_free(&r->st);
	assert_int_equal(tlp_pool_live(r->s->tlps), 0);
	sim_destroy(r->s);
	cfg_doc_free(r->d);
}

static void rig_run(struct rig *r)
{
	struct iov_err e = { 0 };
	assert_int_equal(sim_run(r->s->k, SIM_TIME_MAX, &e), SIM_RUN_EMPTY);
}

static double stat(struct rig *r, const char *leaf)
{
	char path[128];
	double v = -1;
	snprintf(path, sizeof(path), "components.%s.%s", r->mem->name, leaf);
	assert_int_equal(stats_get(r->s->stats, path, &v), 0);
	return v;
}

static struct tlp *mk(struct rig *r, enum tlp_type type, uint64_t addr, uint32_t len)
{
	struct tlp *t = tlp_alloc(r->s->tlps);
	assert_non_null(t);
	t->type = type;
	t->addr = addr;
	t->len = len;
	return t;
}

static void send_ok(struct rig *r, enum tlp_type type, uint64_t addr, uint32_t len)
{
	assert_true(port_send(&r->st.port, mk(r, type, addr, len)));
}

/* 64 B at 1000 TB/s rounds to 0 ps on the bus: every request starts at once. */
#define NO_BUS "bandwidth: 1000000GB/s\n"

/* Defaults: data ready at latency + len / bandwidth, on a 1 GHz edge, all at once. */
static void test_default_timing_unchanged(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", "queue_depth: 64\n");
	send_ok(&r, TLP_MRD, 0x1000, 64);       /* bus 0..2.56 ns: 80 + 2.56 -> edge 83 */
	send_ok(&r, TLP_MRD, 0x1040, 256);      /* bus 2.56..12.8: 2.56 + 80 + 10.24 -> 93 */
	send_ok(&r, TLP_MRD, 0x1234, 100);      /* bus 12.8..16.8: 12.8 + 80 + 4 -> 97 */
	rig_run(&r);
	assert_int_equal(r.st.n, 3);
	assert_int_equal(r.st.when[0], 83 * SIM_NS);
	assert_int_equal(r.st.when[1], 93 * SIM_NS);
	assert_int_equal(r.st.when[2], 97 * SIM_NS);
	for (int i = 0; i < 3; i++) {
		struct tlp *t = r.st.got[i];
		assert_int_equal(t->type, TLP_CPLD);
		assert_int_equal(t->status, TLP_SC_SC);
		assert_int_equal(t->byte_count, t->len);
		assert_int_equal(t->line_ps, 0);
	}
	assert_int_equal(r.st.got[1]->len, 256);
	/* Stamps: end of queueing = start of service (bus), then data ready. */
	assert_int_equal(r.st.got[2]->stamps[0].t, 12800);
	assert_int_equal(r.st.got[2]->stamps[1].t, 97 * SIM_NS);
	assert_true(stat(&r, "llc_misses") == 3.0);
	assert_true(stat(&r, "llc_hits") == 0.0);
	assert_true(stat(&r, "remote_accesses") == 0.0);
	assert_true(stat(&r, "outstanding_waits") == 0.0);
	assert_true(stat(&r, "read_bytes") == 420.0);
	rig_down(&r);
}

static void test_llc_hit_ratio_one_gives_llc_latency(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", "llc_hit_ratio: 1\nllc_latency: 45ns\n");
	send_ok(&r, TLP_MRD, 0x1000, 64);       /* 45 + 2.56 -> edge 48 */
	rig_run(&r);
	assert_int_equal(r.st.n, 1);
	assert_int_equal(r.st.when[0], 48 * SIM_NS);
	assert_true(stat(&r, "llc_hits") == 1.0);
	assert_true(stat(&r, "llc_misses") == 0.0);
	rig_down(&r);
}

/* Writes hold their queue place for llc_latency with write_allocate, else for
 * latency; they draw no LLC hit. */
static void test_write_allocate(void **state)
{
	(void)state;
	const char *cfg[2] = {
		"queue_depth: 1\nllc_hit_ratio: 0.5\n",
		"queue_depth: 1\nllc_hit_ratio: 0.5\nwrite_allocate: false\n",
	};
	const sim_time_t freed[2] = { 43 * SIM_NS, 83 * SIM_NS };   /* + 2.56 ns bus */
	for (int i = 0; i < 2; i++) {
		struct rig r;
		rig_up(&r, 1, "mem", cfg[i]);
		send_ok(&r, TLP_MWR, 0x1000, 64);
		struct tlp *rd = mk(&r, TLP_MRD, 0x2000, 64);
		assert_false(port_send(&r.st.port, rd));        /* the write fills the queue */
		rig_run(&r);
		assert_int_equal(r.st.n, 0);                    /* posted: nothing back */
		assert_int_equal(r.st.retries, 1);
		assert_int_equal(r.st.retry_at, freed[i]);
		assert_true(stat(&r, "llc_hits") + stat(&r, "llc_misses") == 0.0);
		assert_true(stat(&r, "writes") == 1.0);
		tlp_free(r.s->tlps, rd);
		rig_down(&r);
	}
}

/* Send n reads at t=0 with no bus time: hits land at 40 ns, misses at 80 ns. */
static void run_ratio(uint64_t seed, const char *name, int n, int *hits, uint64_t *hit_hash)
{
	struct rig r;
	rig_up(&r, seed, name, NO_BUS "queue_depth: 16384\nllc_hit_ratio: 0.5\n");
	r.st.bin_at[0] = 40 * SIM_NS;
	r.st.bin_at[1] = 80 * SIM_NS;
	for (int i = 0; i < n; i++)
		send_ok(&r, TLP_MRD, (uint64_t)i * 64, 64);
	rig_run(&r);
	assert_int_equal(r.st.n, n);
	assert_int_equal(r.st.bin_n[0] + r.st.bin_n[1], n);     /* every read: hit or miss */
	assert_true(stat(&r, "llc_hits") == (double)r.st.bin_n[0]);
	assert_true(stat(&r, "llc_misses") == (double)r.st.bin_n[1]);
	*hits = r.st.bin_n[0];
	*hit_hash = r.st.addr_hash[0];
	rig_down(&r);
}

static void test_llc_ratio_half_is_fair_and_deterministic(void **state)
{
	(void)state;
	int h1, h2, h3, h4;
	uint64_t x1, x2, x3, x4;
	run_ratio(7, "mem", 10000, &h1, &x1);
	assert_in_range(h1, 4800, 5200);        /* 4 sigma = 200 */
	run_ratio(7, "mem", 10000, &h2, &x2);
	assert_int_equal(h1, h2);
	assert_true(x1 == x2);                  /* the same reads hit */
	run_ratio(8, "mem", 10000, &h3, &x3);   /* another seed: another pattern */
	assert_in_range(h3, 4800, 5200);
	assert_true(x3 != x1);
	run_ratio(7, "mem1", 10000, &h4, &x4);  /* another name: its own stream */
	assert_true(x4 != x1);
}

/* line_interval: the CplD leaves when line 0 is ready and carries the interval. */
static void test_line_streaming(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", "line_interval: 10ns\n");
	/* Aligned 256 B: line 0 = 64 B, bus 2.56 ns: 80 + 2.56 -> edge 83 (the
	 * non-streamed form would say 80 + 10.24 -> 91). */
	send_ok(&r, TLP_MRD, 0x1000, 256);
	/* The bus is still taken for all 256 B: the next read starts at 10.24 ns;
	 * it begins 16 B before a line end: line 0 holds 16 B = 0.64 ns:
	 * 10.24 + 80 + 0.64 -> edge 91. */
	send_ok(&r, TLP_MRD, 0x2030, 64);
	rig_run(&r);
	assert_int_equal(r.st.n, 2);
	assert_int_equal(r.st.when[0], 83 * SIM_NS);
	assert_int_equal(r.st.when[1], 91 * SIM_NS);
	assert_int_equal(r.st.got[0]->line_ps, 10 * SIM_NS);
	assert_int_equal(r.st.got[1]->line_ps, 10 * SIM_NS);
	assert_int_equal(r.st.got[0]->byte_count, 256);
	rig_down(&r);

	/* An interval below 64 B / bandwidth is raised to it (64 B at 25 GB/s = 2.56 ns). */
	rig_up(&r, 1, "mem", "line_interval: 1ns\n");
	send_ok(&r, TLP_MRD, 0x1000, 512);
	rig_run(&r);
	assert_int_equal(r.st.got[0]->line_ps, 2560);
	assert_int_equal(r.st.when[0], 83 * SIM_NS);
	rig_down(&r);
}

static void test_remote_penalty_only_in_range(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", NO_BUS "remote_base: 0x100000\nremote_size: 1MiB\n");
	const uint64_t addr[4] = { 0xFFFC0, 0x100000, 0x1FFFC0, 0x200000 };
	const sim_time_t lat[4] = { 80, 180, 180, 80 };
	for (int i = 0; i < 4; i++)
		send_ok(&r, TLP_MRD, addr[i], 64);
	send_ok(&r, TLP_MWR, 0x100040, 64);     /* writes in the range count too */
	rig_run(&r);
	assert_int_equal(r.st.n, 4);
	for (int i = 0; i < 4; i++) {
		int j = 0;
		while (j < 4 && r.st.got[j]->addr != addr[i])
			j++;
		assert_true(j < 4);
		assert_int_equal(r.st.when[j], lat[i] * SIM_NS);
	}
	assert_true(stat(&r, "remote_accesses") == 3.0);
	rig_down(&r);

	rig_up(&r, 1, "mem", NO_BUS "remote_base: 0x100000\nremote_size: 0\n");
	send_ok(&r, TLP_MRD, 0x100000, 64);     /* size 0: no remote range at all */
	rig_run(&r);
	assert_int_equal(r.st.when[0], 80 * SIM_NS);
	assert_true(stat(&r, "remote_accesses") == 0.0);
	rig_down(&r);
}

static void test_max_outstanding_bounds_concurrency(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", "max_outstanding: 2\n");
	for (int i = 0; i < 4; i++)
		send_ok(&r, TLP_MRD, 0x1000 + 64 * (uint64_t)i, 64);
	send_ok(&r, TLP_MWR, 0x9000, 64);       /* writes are not held back */
	rig_run(&r);
	assert_int_equal(r.st.n, 4);
	/* 1st: bus 0..2.56 -> 83; 2nd: 2.56..5.12 -> 86; the write takes 5.12..7.68.
	 * 3rd starts when the 1st CplD left (83): 83 + 82.56 -> 166; 4th at 86 -> 169. */
	assert_int_equal(r.st.when[0], 83 * SIM_NS);
	assert_int_equal(r.st.when[1], 86 * SIM_NS);
	assert_int_equal(r.st.when[2], 166 * SIM_NS);
	assert_int_equal(r.st.when[3], 169 * SIM_NS);
	assert_int_equal(r.st.got[2]->addr, 0x1080);            /* still in arrival order */
	assert_int_equal(r.st.got[2]->stamps[0].t, 83 * SIM_NS);  /* queued until then */
	assert_true(stat(&r, "outstanding_waits") == 2.0);
	rig_down(&r);
}

static void unrefuse_event(void *arg)
{
	struct stub *st = arg;
	st->refuse = false;
	port_unblock(&st->port);                /* the stub has room: memory retries */
}

/* A completion the port refuses keeps its slot: the next read does not start
 * until it has gone. */
static void test_blocked_completion_holds_its_slot(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", "max_outstanding: 1\n");
	send_ok(&r, TLP_MRD, 0x1000, 64);
	send_ok(&r, TLP_MRD, 0x1040, 64);
	r.st.refuse = true;
	sim_schedule_at(r.s->k, 300 * SIM_NS, unrefuse_event, &r.st);
	struct iov_err e = { 0 };
	assert_int_equal(sim_run(r.s->k, 299 * SIM_NS, &e), SIM_RUN_UNTIL);
	assert_int_equal(r.st.n, 0);            /* the first was ready at 83 ns, refused */
	rig_run(&r);
	assert_int_equal(r.st.n, 2);
	assert_int_equal(r.st.when[0], 300 * SIM_NS);
	assert_int_equal(r.st.got[0]->stamps[1].t, 83 * SIM_NS);  /* data was ready */
	assert_int_equal(r.st.got[1]->stamps[0].t, 300 * SIM_NS); /* started at the retry */
	assert_int_equal(r.st.when[1], 383 * SIM_NS);             /* 300 + 82.56 */
	rig_down(&r);
}

/* Completions due out of arrival order leave in due order; equal due: arrival. */
static void test_out_of_order_due_times(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, "mem", NO_BUS "remote_base: 0x100000\nremote_size: 0x100000\n");
	/* local (80 ns), remote (180 ns), ... by index; address encodes the index. */
	const bool remote[7] = { false, true, false, false, true, false, true };
	const int want[7] = { 0, 2, 3, 5, 1, 4, 6 };
	for (int i = 0; i < 7; i++)
		send_ok(&r, TLP_MRD, (remote[i] ? 0x100000 : 0) + 64 * (uint64_t)i, 64);
	rig_run(&r);
	assert_int_equal(r.st.n, 7);
	for (int i = 0; i < 7; i++) {
		assert_int_equal((r.st.got[i]->addr & 0xFFFF) / 64, want[i]);
		assert_int_equal(r.st.when[i], (remote[want[i]] ? 180 : 80) * SIM_NS);
	}
	rig_down(&r);
}

/* Many reads with mixed LLC hits, remote penalties and lengths: whatever the
 * mix, completions leave in (due, service start) order. */
static void test_out_of_order_property(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 3, "mem", "bandwidth: 100GB/s\nqueue_depth: 64\nllc_hit_ratio: 0.3\n"
			     "llc_latency: 35ns\nremote_base: 0x10000\nremote_size: 0x10000\n");
	uint64_t x = 12345;
	for (int i = 0; i < 64; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t len = 4 + (uint32_t)((x >> 33) % 512);
		uint64_t addr = ((x >> 20) & 1 ? 0x10000 : 0) + 0x400 * (uint64_t)i;
		send_ok(&r, TLP_MRD, addr, len);
	}
	rig_run(&r);
	assert_int_equal(r.st.n, 64);
	for (int i = 1; i < 64; i++) {
		struct tlp *a = r.st.got[i - 1], *b = r.st.got[i];
		assert_true(r.st.when[i - 1] <= r.st.when[i]);
		if (r.st.when[i - 1] == r.st.when[i])   /* a tie: earlier service first */
			assert_true(a->stamps[0].t < b->stamps[0].t);
		/* It left when its data was ready (nothing blocked the port). */
		assert_int_equal(b->stamps[1].t, r.st.when[i]);
	}
	assert_true(stat(&r, "llc_hits") > 0 && stat(&r, "llc_misses") > 0);
	assert_true(stat(&r, "remote_accesses") > 0);
	rig_down(&r);
}

static void test_queue_full_refusal_and_retry(void **state)
{
	(void)state;
	struct rig r;
	/* Waiting reads count against queue_depth too. */
	rig_up(&r, 1, "mem", "queue_depth: 2\nmax_outstanding: 1\n");
	send_ok(&r, TLP_MRD, 0x1000, 64);
	send_ok(&r, TLP_MRD, 0x1040, 64);       /* waits for the slot */
	struct tlp *third = mk(&r, TLP_MRD, 0x1080, 64);
	assert_false(port_send(&r.st.port, third));
	assert_true(stat(&r, "refusals") == 1.0);
	struct iov_err e = { 0 };
	assert_int_equal(sim_run(r.s->k, 83 * SIM_NS, &e), SIM_RUN_UNTIL);
	/* The first CplD left at 83 ns: room again, the requester is told. */
	assert_int_equal(r.st.n, 1);
	assert_int_equal(r.st.retries, 1);
	assert_int_equal(r.st.retry_at, 83 * SIM_NS);
	assert_true(port_send(&r.st.port, third));
	rig_run(&r);
	assert_int_equal(r.st.n, 3);
	assert_int_equal(r.st.when[1], 166 * SIM_NS);           /* 83 + 82.56 */
	assert_int_equal(r.st.when[2], 249 * SIM_NS);           /* 166 + 82.56 */
	assert_true(stat(&r, "refusals") == 1.0);
	rig_down(&r);
}

/* Requests still inside when the simulation is destroyed are freed with it. */
static void test_destroy_with_requests_inside(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct rig r;
	rig_up(&r, 1, "mem", "max_outstanding: 1\nllc_hit_ratio: 0.5\n"
			     "remote_base: 0\nremote_size: 0x1000\n");
	send_ok(&r, TLP_MRD, 0x1000, 64);       /* local: 83 ns */
	send_ok(&r, TLP_MRD, 0x0, 64);          /* waits */
	send_ok(&r, TLP_MWR, 0x2000, 64);
	r.st.refuse = true;
	assert_int_equal(sim_run(r.s->k, 10 * SIM_NS, &e), SIM_RUN_UNTIL);
	assert_int_equal(tlp_pool_live(r.s->tlps), 3);
	sim_destroy(r.s);                       /* valgrind/ASan: nothing leaks */
	cfg_doc_free(r.d);
}

static void test_bad_params_are_located(void **state)
{
	(void)state;
	const char *bad[3] = { "llc_hit_ratio: 1.5\n", "line_interval: 2ms\n",
			       "remote_penalty: -1ns\n" };
	const char *want[3] = { "llc_hit_ratio", "line_interval", "remote_penalty" };
	for (int i = 0; i < 3; i++) {
		struct iov_err e = { 0 };
		struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
		struct cfg_doc *d = yaml_doc(bad[i]);
		assert_null(sim_add_component(s, model_find("memory"), "mem", cfg_doc_root(d), &e));
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_non_null(strstr(e.msg, ":1:"));
		assert_non_null(strstr(e.msg, want[i]));
		sim_destroy(s);
		cfg_doc_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_timing_unchanged),
		cmocka_unit_test(test_llc_hit_ratio_one_gives_llc_latency),
		cmocka_unit_test(test_write_allocate),
		cmocka_unit_test(test_llc_ratio_half_is_fair_and_deterministic),
		cmocka_unit_test(test_line_streaming),
		cmocka_unit_test(test_remote_penalty_only_in_range),
		cmocka_unit_test(test_max_outstanding_bounds_concurrency),
		cmocka_unit_test(test_blocked_completion_holds_its_slot),
		cmocka_unit_test(test_out_of_order_due_times),
		cmocka_unit_test(test_out_of_order_property),
		cmocka_unit_test(test_queue_full_refusal_and_retry),
		cmocka_unit_test(test_destroy_with_requests_inside),
		cmocka_unit_test(test_bad_params_are_located),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
