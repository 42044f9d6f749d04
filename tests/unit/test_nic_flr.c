/* test_nic_flr.c - Function Level Reset of a NIC VF: traffic stops, no DMA during it, stale completions discarded, others unaffected, re-arm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim.h"
#include "test_run.h"

/* duration (%s), nic0's extra keys (%s): 3 VFs, vf1 and vf2 in vm0, vf3 in vm1. */
static const char *const flr_fmt =
	"%s"
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
	"  - {name: mem, type: memory, latency: 80ns}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - name: nic0\n"
	"    type: sriov_nic\n"
	"    sriov: {total_vfs: 4, num_vfs: 3, vf_bars: [16KiB], ari: true, flr_time: 50us}\n"
	"    flr_reinit_time: 20us\n"
	"    line_rate: 100Gb/s\n"
	"%s"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l0.up]\n"
	"  - [l0.down, nic0.up]\n"
	"vms:\n"
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf1, nic0.vf2]}\n"
	"  - {name: vm1, memory: [{base: 5GiB, size: 1GiB}], devices: [nic0.vf3]}\n";

#define TX_TRAFFIC                                                                 \
	"    traffic:\n"                                                            \
	"      - {fn: nic0.vf1, type: stream, dir: tx, size: 1000, count: 2000}\n"   \
	"      - {fn: nic0.vf3, type: stream, dir: tx, size: 1000, count: 500}\n"
#define FLR_AT_100US TX_TRAFFIC "    events: [{at: 100us, op: flr, vf: 1}]\n"

static void flr_run(struct run *r, const char *duration, const char *keys, bool execute)
{
	char text[8192];
	snprintf(text, sizeof(text), flr_fmt, duration, keys);
	run_text(r, text, execute);
}

/* The reset with the driver re-arming: vf1 stops, its queued jobs are
 * dropped and the completions of its reads in flight discarded; it sends
 * again after the reset; vf3 sends everything. */
static void test_flr_reinit(void **state)
{
	(void)state;
	struct run r;
	flr_run(&r, "", FLR_AT_100US, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.sriov.vf_flrs"), 1);
	assert_int_equal(stat(&r, "components.nic0.vf1.flrs"), 1);
	assert_int_equal(stat(&r, "components.nic0.vf1.flr_reinits"), 1);
	assert_true(stat(&r, "components.nic0.vf1.flr_dropped_jobs") > 0);
	assert_true(stat(&r, "components.nic0.vf1.flr_discarded_completions") > 0);
	assert_true(stat(&r, "components.nic0.vf1.flr_dropped_packets") > 0);
	double sent = stat(&r, "components.nic0.vf1.tx_packets");
	/* packets in its ring at the reset are lost; the rest went after it */
	assert_true(sent < 2000 && sent > 1000);
	assert_int_equal(stat(&r, "components.nic0.vf1.tx_packets") +
			 stat(&r, "components.nic0.vf1.flr_dropped_packets"), 2000);
	/* the others never noticed */
	assert_int_equal(stat(&r, "components.nic0.vf3.tx_packets"), 500);
	assert_int_equal(stat(&r, "components.nic0.vf3.flrs"), 0);
	assert_int_equal(stat(&r, "components.nic0.dma.bme_blocked"), 0);
	assert_int_equal(stat(&r, "isolation.violations"), 0);
	/* the re-armed VF's vectors work again: TX interrupts after the reset */
	assert_true(stat(&r, "components.nic0.vf1.interrupts") > 1);
	run_free(&r);
}

/* No DMA of vf1 from the reset's start to its re-arm (100 us .. 170 us):
 * the flow's counts are the same when the run stops at 101 us and at
 * 169 us; vf3's go on. */
static void test_flr_no_dma(void **state)
{
	(void)state;
	struct run a, b;
	flr_run(&a, "duration: 101us\n", FLR_AT_100US, true);
	flr_run(&b, "duration: 169us\n", FLR_AT_100US, true);
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_true(stat(&a, "flows.nic0_vf1.reads") > 0);
	assert_int_equal(stat(&a, "flows.nic0_vf1.reads"), stat(&b, "flows.nic0_vf1.reads"));
	assert_int_equal(stat(&a, "flows.nic0_vf1.writes"), stat(&b, "flows.nic0_vf1.writes"));
	assert_int_equal(stat(&a, "components.nic0.vf1.tx_packets"),
			 stat(&b, "components.nic0.vf1.tx_packets"));
	assert_true(stat(&b, "flows.nic0_vf3.reads") > stat(&a, "flows.nic0_vf3.reads"));
	run_free(&a);
	run_free(&b);
}

/* flr_driver: down: the VF stays disabled (nothing more sent, no re-init). */
static void test_flr_down(void **state)
{
	(void)state;
	struct run a, r;
	flr_run(&a, "duration: 101us\n", FLR_AT_100US "    flr_driver: down\n", true);
	flr_run(&r, "", FLR_AT_100US "    flr_driver: down\n", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.vf1.flr_reinits"), 0);
	assert_int_equal(stat(&r, "components.nic0.vf1.tx_packets"),
			 stat(&a, "components.nic0.vf1.tx_packets"));
	assert_int_equal(stat(&r, "flows.nic0_vf1.reads"), stat(&a, "flows.nic0_vf1.reads"));
	assert_int_equal(stat(&r, "components.nic0.vf3.tx_packets"), 500);
	run_free(&a);
	run_free(&r);
}

/* RX: packets for a VF in reset are dropped (counted); it receives again
 * after the re-arm. Two FLRs of the same VF, the second while the first
 * runs: refused. */
static void test_flr_rx(void **state)
{
	(void)state;
	struct run r;
	flr_run(&r, "", "    events: [{at: 30us, op: flr, vf: 2}, {at: 40us, op: flr, vf: 2}]\n"
		"    traffic:\n"
		"      - {fn: nic0.vf2, type: stream, dir: rx, size: 1000, count: 400}\n", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.vf2.flrs"), 1);
	double rx = stat(&r, "components.nic0.vf2.rx_packets");
	double lost = stat(&r, "components.nic0.vf2.flr_dropped_packets");
	assert_true(lost > 0);
	assert_true(rx > 100);
	assert_int_equal(rx + lost, 400);
	run_free(&r);
}

/* rr: a response whose think work ends while the VF is down waits for the
 * re-armed driver and goes then (the session lives on): 100 us of think,
 * the FLR from 50 us to 100 us, re-armed at 120 us. */
static void test_flr_rr_resumes(void **state)
{
	(void)state;
	struct run r;
	flr_run(&r, "", "    events: [{at: 50us, op: flr, vf: 1}]\n"
		"    traffic: [{fn: nic0.vf1, type: rr, size: 64, count: 5, "
		"think_cycles: 250000}]\n", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.vf1.flrs"), 1);
	assert_int_equal(stat(&r, "components.nic0.gen0.transactions"), 5);
	/* the first waited for the re-arm: more than 120 us */
	assert_true(stat(&r, "components.nic0.gen0.rr_latency_ns.max") > 120000.0);
	run_free(&r);
}

/* Bad events are located errors. */
static void test_flr_bad_events(void **state)
{
	(void)state;
	struct run r;
	flr_run(&r, "", TX_TRAFFIC "    events: [{at: 1us, op: flr, vf: 3}, "
		"{at: 2us, op: flr, vf: 4}]\n", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "VF 4"));
	run_free(&r);
	flr_run(&r, "", "    events: [{at: 1us, op: reboot, vf: 1}]\n", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flr_reinit),
		cmocka_unit_test(test_flr_no_dma),
		cmocka_unit_test(test_flr_down),
		cmocka_unit_test(test_flr_rx),
		cmocka_unit_test(test_flr_rr_resumes),
		cmocka_unit_test(test_flr_bad_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
