/* test_virtio_net.c - virtio_net over a stub host and the real one: exits per kick, suppression, notifier polls, copy costs, rr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "models/virtio/virtio_net.h"
#include "sim.h"
#include "test_run.h"
#include "test_yaml.h"

extern const struct model model_virtio_net;

/* ---- a stub host: 1 cycle = 1 ns, exits take 1 us, handlers start 2 us after injection ---- */

struct stub {
	struct sim *s;
	uint64_t exits[HOST_EXIT__COUNT], work_cycles, injects[2];
	const struct host_irq_ops *ops;
	void *ctx;
	const struct pcie_fn *fn;
	unsigned pending[64];
	size_t npending, next;
};

static sim_time_t stub_exit(void *h, int vm, unsigned vcpu, enum host_exit_reason r,
			    uint64_t extra)
{
	(void)vm;
	(void)vcpu;
	struct stub *st = h;
	st->exits[r]++;
	return SIM_US + extra * SIM_NS;
}

static sim_time_t stub_work(void *h, int vm, uint64_t cycles)
{
	(void)vm;
	struct stub *st = h;
	st->work_cycles += cycles;
	return cycles * SIM_NS;
}

static void stub_handler(void *arg)
{
	struct stub *st = arg;
	unsigned index = st->pending[st->next++ % 64];
	st->ops->handle(st->ctx, st->fn, index, sim_now(st->s->k));
}

static void stub_inject(void *h, int vm, unsigned vcpu, const struct pcie_fn *fn, unsigned index,
			const struct host_irq_ops *ops, void *ctx)
{
	(void)vm;
	(void)vcpu;
	struct stub *st = h;
	assert_true(index < 2);
	assert_true(st->npending - st->next < 64);
	st->injects[index]++;
	st->ops = ops;
	st->ctx = ctx;
	st->fn = fn;
	st->pending[st->npending++ % 64] = index;
	sim_schedule(st->s->k, 2 * SIM_US, stub_handler, st);
}

static const struct vnet_host_ops stub_ops = {
	.vm_exit = stub_exit, .cpu_work = stub_work, .inject_virq = stub_inject,
};

struct fx {
	struct stub st;
	struct sim *s;
	struct cfg_doc *doc;
};

/* Build one virtio_net 'v' from YAML keys over the stub and run it to the end. */
static void run_stub(struct fx *f, const char *keys)
{
	struct iov_err e = { 0 };
	memset(f, 0, sizeof(*f));
	f->doc = yaml_doc(keys);
	f->s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	assert_non_null(f->s);
	f->st.s = f->s;
	struct component *c = sim_add_component(f->s, &model_virtio_net, "v", cfg_doc_root(f->doc), &e);
	if (!c)
		fail_msg("%s", e.msg);
	virtio_net_use_host(c, &stub_ops, &f->st);
	if (sim_execute(f->s, NULL, NULL, &e))
		fail_msg("%s", e.msg);
}

static void fx_free(struct fx *f)
{
	sim_destroy(f->s);
	cfg_doc_free(f->doc);
}

static double vstat(const struct fx *f, const char *leaf)
{
	char path[128];
	snprintf(path, sizeof(path), "components.v.%s", leaf);
	double x = -1;
	if (stats_get(f->s->stats, path, &x))
		fail_msg("no stat %s", path);
	return x;
}

#define TX_STREAM(n, size) \
	"traffic: [{fn: v, type: stream, dir: tx, size: " #size ", count: " #n "}]\n"

/* Without suppression every buffer kicks: one I/O-kick exit per TX packet,
 * plus the one for the initial RX buffers. */
static void test_exit_per_kick(void **state)
{
	(void)state;
	struct fx f;
	run_stub(&f, "suppression: off\n" TX_STREAM(500, 1000));
	assert_int_equal(vstat(&f, "tx_packets"), 500);
	assert_int_equal(f.st.exits[HOST_EXIT_IO_KICK], 501);
	assert_int_equal(vstat(&f, "kicks"), 501);
	assert_int_equal(vstat(&f, "exits"), 501);
	for (int r = 0; r < HOST_EXIT__COUNT; r++)
		if (r != HOST_EXIT_IO_KICK)
			assert_int_equal(f.st.exits[r], 0);
	assert_int_equal(vstat(&f, "kicks_suppressed"), 0);
	fx_free(&f);
}

/* With the event index (and with flags) the guest kicks only a sleeping back
 * end: far fewer exits; every TX buffer is either a kick or suppressed. */
static void test_suppression(void **state)
{
	(void)state;
	const char *modes[] = { "event_idx", "flags" };
	for (int m = 0; m < 2; m++) {
		char keys[256];
		snprintf(keys, sizeof(keys), "suppression: %s\n" TX_STREAM(2000, 1500), modes[m]);
		struct fx f;
		run_stub(&f, keys);
		assert_int_equal(vstat(&f, "tx_packets"), 2000);
		double kicks = vstat(&f, "kicks");
		assert_true(kicks >= 2 && kicks < 20);
		assert_int_equal(kicks + vstat(&f, "kicks_suppressed"), 2000 + 1);
		assert_int_equal(f.st.exits[HOST_EXIT_IO_KICK], kicks);
		fx_free(&f);
	}
}

/* A polling notifier: no exits at all; its idle polls are host CPU, charged
 * through cpu_work with the copies. */
static void test_notifier(void **state)
{
	(void)state;
	struct fx f;
	run_stub(&f, "kick: notifier\npoll_interval: 1us\npoll_cycles: 50\ntx_cycles_per_packet: 100\n"
		 "traffic: [{fn: v, type: stream, dir: tx, size: 100, count: 50, rate: 100MB/s}]\n");
	assert_int_equal(vstat(&f, "tx_packets"), 50);
	for (int r = 0; r < HOST_EXIT__COUNT; r++)
		assert_int_equal(f.st.exits[r], 0);
	assert_int_equal(vstat(&f, "kicks"), 0);
	/* 50 packets, one per us, over ~50 us: a poll per idle us. */
	double polls = vstat(&f, "polls");
	assert_true(polls >= 40 && polls <= 60);
	assert_int_equal(vstat(&f, "notify_cycles"), polls * 50);
	assert_int_equal(vstat(&f, "host_cycles"), f.st.work_cycles);
	assert_int_equal(vstat(&f, "host_cycles"),
			 vstat(&f, "notify_cycles") + vstat(&f, "tx_host_cycles"));
	fx_free(&f);
}

/* Copy costs: per packet + per byte, exactly, and they scale with the bytes. */
static void test_copy_cost_scale(void **state)
{
	(void)state;
	double cyc[2];
	for (int i = 0; i < 2; i++) {
		char keys[256];
		snprintf(keys, sizeof(keys), "tx_cycles_per_packet: 1000\ntx_cycles_per_byte: 0.5\n"
			 "traffic: [{fn: v, type: stream, dir: tx, size: %d, count: 10}]\n",
			 1000 * (i + 1));
		struct fx f;
		run_stub(&f, keys);
		cyc[i] = vstat(&f, "tx_host_cycles");
		assert_int_equal(cyc[i], 10 * (1000 + 500 * (i + 1)));
		assert_int_equal(vstat(&f, "host_cycles_per_packet"), 1000 + 500 * (i + 1));
		assert_int_equal(f.st.work_cycles, cyc[i]);
		fx_free(&f);
	}
	assert_int_equal(cyc[1] - cyc[0], 10 * 1000 * 0.5);    /* the per-byte part */
	assert_int_equal(vnet_copy_cycles(7, 0.25, 3), 8);     /* fractions round up */
	assert_int_equal(vnet_copy_cycles(7, 0, 3000), 7);
}

/* RX: copies in, interrupts through the injection path, the handler's
 * packets counted; with the event index about one interrupt per batch. */
static void test_rx_stream(void **state)
{
	(void)state;
	struct fx f;
	run_stub(&f, "rx_cycles_per_packet: 100\nrx_cycles_per_byte: 0\n"
		 "traffic: [{fn: v, type: stream, dir: rx, size: 1000, count: 300}]\n");
	assert_int_equal(vstat(&f, "rx_packets"), 300);
	assert_int_equal(vstat(&f, "rx_drops"), 0);
	assert_int_equal(vstat(&f, "rx_host_cycles"), 300 * 100);
	assert_int_equal(f.st.injects[0], vstat(&f, "interrupts"));
	assert_int_equal(f.st.injects[1], 0);
	assert_true(vstat(&f, "interrupts") <= 300);
	/* the RX refills kick only when the back end ran dry */
	assert_int_equal(f.st.exits[HOST_EXIT_IO_KICK], 1 + vstat(&f, "rx_no_buffer"));
	fx_free(&f);
}

/* rr: per transaction one RX interrupt (request) and one TX kick (response). */
static void test_rr(void **state)
{
	(void)state;
	struct fx f;
	run_stub(&f, "traffic: [{fn: v, type: rr, size: 64, count: 100, peer_latency: 10us}]\n");
	assert_int_equal(vstat(&f, "gen0.transactions"), 100);
	assert_int_equal(f.st.injects[0], 100);
	assert_int_equal(vstat(&f, "kicks"), 100 + 1);
	/* latency: request wire + RX copy + 2 us handler delay + think + kick exit
	 * (1 us) + TX copy + response wire: above 3 us, the same every time but
	 * the first (the initial RX kick's exit delays it). */
	assert_true(vstat(&f, "gen0.rr_latency_ns.p50") > 3000);
	assert_true(vstat(&f, "gen0.rr_latency_ns.p90") - vstat(&f, "gen0.rr_latency_ns.p50") < 50);
	fx_free(&f);
}

/* A packet trace: pkt_tx sent by the guest, pkt_rx arriving from the wire;
 * a record of another source stops the run with a bad-input error. */
static void test_trace(void **state)
{
	(void)state;
	struct fx f;
	run_stub(&f, "trace: " IOVSIM_TEST_DATA "/traces/virtio-pkts.trace\n");
	assert_int_equal(vstat(&f, "tx_packets"), 3);
	assert_int_equal(vstat(&f, "tx_bytes"), 1500 + 64 + 64);
	assert_int_equal(vstat(&f, "rx_packets"), 2);
	assert_int_equal(vstat(&f, "rx_bytes"), 1512);
	assert_true(vstat(&f, "rx_latency_ns.min") >= 2000);   /* the stub's 2 us to the handler */
	fx_free(&f);

	struct iov_err e = { 0 };
	f.doc = yaml_doc("trace: " IOVSIM_TEST_DATA "/traces/virtio-bad-src.trace\n");
	f.s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	f.st.s = f.s;
	struct component *c = sim_add_component(f.s, &model_virtio_net, "v", cfg_doc_root(f.doc), &e);
	assert_non_null(c);
	virtio_net_use_host(c, &stub_ops, &f.st);
	assert_int_equal(sim_execute(f.s, NULL, NULL, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "source 'w'"));
	fx_free(&f);
}

/* Bad input is located: fn of another device, dst other than the wire. */
static void test_bad_traffic(void **state)
{
	(void)state;
	const char *bad[] = {
		"traffic: [{fn: w, type: stream}]\n",
		"traffic: [{fn: v, type: stream, dst: v}]\n",
		"queue_size: 100\n",
		"trace: /nonexistent/x.trace\n",
	};
	for (size_t i = 0; i < 4; i++) {
		struct iov_err e = { 0 };
		struct cfg_doc *d = yaml_doc(bad[i]);
		struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
		assert_null(sim_add_component(s, &model_virtio_net, "v", cfg_doc_root(d), &e));
		assert_int_equal(e.status, IOV_BAD_INPUT);
		assert_non_null(strstr(e.msg, ":1:"));
		sim_destroy(s);
		cfg_doc_free(d);
	}
}

/* Over the real host: its exit counters are the device's kicks and its
 * interrupts (running vCPU, no EOI virtualization: 2 exits each). */
static void test_real_host(void **state)
{
	(void)state;
	struct run r;
	run_text(&r, "components:\n"
		 "  - {name: hv, type: host, clock: 2GHz, eoi_virt: false}\n"
		 "  - name: v\n"
		 "    type: virtio_net\n"
		 "    host: hv\n"
		 "    traffic: [{fn: v, type: rr, size: 64, count: 50}]\n"
		 "vms:\n"
		 "  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [v]}\n", true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "components.v.gen0.transactions"), 50);
	assert_int_equal(stat(&r, "vm_exits.by_reason.io_kick"), stat(&r, "components.v.kicks"));
	double irqs = stat(&r, "components.v.interrupts");
	assert_int_equal(irqs, 50);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), irqs);
	assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), irqs);
	assert_int_equal(stat(&r, "interrupts.delivered"), irqs);
	assert_int_equal(stat(&r, "hypervisor.work_cycles"), stat(&r, "components.v.host_cycles"));
	/* the driver's work went onto the vCPU: 1,000 per RX handler, 300 per
	 * packet; and the rr application's think time, 2,000 per request */
	double rx_irqs = irqs - stat(&r, "components.v.tx_interrupts");
	assert_int_equal(stat(&r, "vcpus.vm0.guest_work_cycles"),
			 rx_irqs * 1000 + stat(&r, "components.v.rx_packets") * (300 + 2000));
	run_free(&r);
	run_text(&r, "components:\n  - {name: v, type: virtio_net, host: hv}\n", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "no host component 'hv'"));
	run_free(&r);
}

/* app_cycles_per_packet over the real host: each send costs 5,000 guest
 * cycles (2.5 us at 2 GHz) on the vCPU before the next, and the slow sender
 * finds the back end asleep every time: a kick exit per packet (2,565 cycles,
 * 1.28 us) on the same line. 1000 B per 3.78 us = 2.12 Gb/s, vCPU saturated. */
static void test_real_host_app(void **state)
{
	(void)state;
	struct run r;
	run_text(&r, "components:\n"
		 "  - {name: hv, type: host, clock: 2GHz}\n"
		 "  - {name: v, type: virtio_net, host: hv, app_cycles_per_packet: 5000,\n"
		 "     traffic: [{fn: v, type: stream, dir: tx, size: 1000, count: 200}]}\n"
		 "vms:\n"
		 "  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [v]}\n", true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "components.v.tx_packets"), 200);
	assert_int_equal(stat(&r, "vcpus.vm0.guest_work_cycles"), 200 * 5000);
	assert_true(stat(&r, "vcpus.vm0.guest_ns") == 200 * 2500);
	assert_true(stat(&r, "vcpus.vm0.root_ns") == stat(&r, "components.v.kicks") * 1282.5);
	double g = stat(&r, "components.v.tx_gbps");
	assert_true(g > 2.0 && g < 2.2);
	assert_true(stat(&r, "vcpus.vm0.utilization") > 0.99);
	run_free(&r);
}

/* A driver vCPU the VM does not have is bad input, located at the key (it
 * was an internal error at the first interrupt injected into it). */
static void test_bad_vcpu(void **state)
{
	(void)state;
	struct run r;
	run_text(&r, "components:\n"
		 "  - {name: hv, type: host, guests: [{vm: vm0, vcpus: 2}]}\n"
		 "  - {name: v, type: virtio_net, host: hv, vcpu: 2,\n"
		 "     traffic: [{fn: v, type: rr, size: 64, count: 5}]}\n"
		 "vms:\n"
		 "  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [v]}\n", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "iovsim-test-run-"));
	assert_non_null(strstr(r.e.msg, "vcpu 2"));
	run_free(&r);
	run_text(&r, "components:\n"
		 "  - {name: hv, type: host, guests: [{vm: vm0, vcpus: 2}]}\n"
		 "  - {name: v, type: virtio_net, host: hv, vcpu: 1,\n"
		 "     traffic: [{fn: v, type: rr, size: 64, count: 5}]}\n"
		 "vms:\n"
		 "  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [v]}\n", true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "components.v.gen0.transactions"), 5);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_per_kick),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_notifier),
		cmocka_unit_test(test_copy_cost_scale),
		cmocka_unit_test(test_rx_stream),
		cmocka_unit_test(test_rr),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_bad_traffic),
		cmocka_unit_test(test_real_host),
		cmocka_unit_test(test_real_host_app),
		cmocka_unit_test(test_bad_vcpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
