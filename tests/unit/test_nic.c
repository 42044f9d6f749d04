/* test_nic.c - the SR-IOV NIC: rings and descriptors, moderation, bounded reads, resources, eswitch */
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

/* RC, memory, one Gen3 x8 link and nic0 with extra keys (%s, indented four
 * spaces) and a VM section (%s, may be ""). */
static const char *const nic_fmt =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
	"  - {name: mem, type: memory, latency: 80ns}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - name: nic0\n"
	"    type: sriov_nic\n"
	"%s"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l0.up]\n"
	"  - [l0.down, nic0.up]\n"
	"%s";

static const char *const two_vms =
	"vms:\n"
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf1, nic0.vf2]}\n"
	"  - {name: vm1, memory: [{base: 5GiB, size: 1GiB}], devices: [nic0.vf3]}\n";

#define VFS3 "    sriov: {total_vfs: 4, num_vfs: 3, vf_bars: [16KiB], ari: true}\n"

static void nic_run(struct run *r, const char *keys, const char *vms, bool execute)
{
	char text[8192];
	snprintf(text, sizeof(text), nic_fmt, keys, vms);
	run_text(r, text, execute);
}

/* TX: 100 packets posted at once: fetches of 8 descriptors (the last 4),
 * 3 MRRS reads per 1500 B packet, every packet on the wire, write-backs of
 * wb_batch; the RX ring prefetches its descriptor cache (32 = 4 fetches). */
static void test_tx_ring_mechanics(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    wb_batch: 10\n    itr_packets: 1000\n    itr_time: 1ms\n"
		"    traffic: [{fn: nic0, type: stream, dir: tx, size: 1500, count: 100}]\n", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.pf.tx_packets"), 100);
	assert_int_equal(stat(&r, "components.nic0.wire.tx_frames"), 100);
	assert_int_equal(stat(&r, "components.nic0.pf.desc_fetches"), 13 + 4);
	assert_int_equal(stat(&r, "components.nic0.dma.read_requests"), 17 + 300);
	/* 100 done: 10 write-backs of 10 (the interrupt finds none left) */
	assert_int_equal(stat(&r, "components.nic0.pf.writebacks"), 10);
	assert_int_equal(stat(&r, "components.nic0.pf.interrupts"), 1);   /* the timer */
	/* one TX doorbell (all 100 posted at once) and the RX ring's initial one */
	assert_int_equal(stat(&r, "components.nic0.pf.doorbells"), 2);
	assert_int_equal(stat(&r, "components.rc.mmio_writes"), 2);
	assert_int_equal(stat(&r, "components.nic0.doorbell_writes"), 2);
	/* back to back at line rate: 1500 of 1520 B slots of 10 Gb/s */
	assert_true(stat(&r, "components.nic0.pf.tx_gbps") > 9.8);
	assert_true(stat(&r, "components.nic0.pf.tx_gbps") < 9.87);
	run_free(&r);
}

/* RX: each packet is written in MPS pieces into its buffer, and reaches the
 * guest; the ring is refilled by doorbells. */
static void test_rx_ring_mechanics(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    mps: 256\n    itr_packets: 1000\n    itr_time: 2us\n    wb_batch: 1000\n"
		"    traffic: [{fn: nic0, type: stream, dir: rx, size: 1000, count: 50}]\n", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.pf.rx_packets"), 50);
	assert_int_equal(stat(&r, "nic.rx_bytes"), 50000);
	/* 1000 B at 2 KiB-aligned buffers: 4 writes each; plus the write-backs */
	double wtlps = stat(&r, "components.nic0.dma.write_tlps");
	double wbs = stat(&r, "components.nic0.pf.writebacks");
	assert_true(wtlps >= 200 + wbs);
	assert_int_equal(stat(&r, "components.nic0.pf.rx_drops"), 0);
	assert_true(stat(&r, "components.nic0.pf.rx_latency_ns.min") >= 0.0);
	run_free(&r);
}

/* Moderation by count: 100 packets, an interrupt every 10, timer never. */
static void test_moderation_count(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    itr_packets: 10\n    itr_time: 1s\n"
		"    traffic: [{fn: nic0, type: stream, dir: rx, size: 500, count: 100}]\n", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.pf.interrupts"), 10);
	assert_int_equal(stat(&r, "components.nic0.pf.packets_per_interrupt"), 10);
	assert_int_equal(stat(&r, "components.nic0.dma.msis"), 10);
	run_free(&r);
}

/* Moderation by timer: packets 100 us apart, threshold never reached: one
 * interrupt each, itr_time after the packet is written; the handler starts
 * irq_direct_latency after the MSI. */
static void test_moderation_timer(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    itr_packets: 1000\n    itr_time: 5us\n    irq_direct_latency: 1us\n"
		"    traffic: [{fn: nic0, type: stream, dir: rx, size: 1000, count: 20, "
		"rate: 10MB/s}]\n", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.pf.interrupts"), 20);
	assert_true(stat(&r, "components.nic0.pf.rx_latency_ns.min") >= 6000.0);
	assert_true(stat(&r, "components.nic0.pf.rx_latency_ns.max") < 9000.0);
	run_free(&r);
}

/* Bounded reads: with one tag, reads wait (stalls counted) and TX falls far
 * below the line rate; with 32 it reaches it. */
static void test_bounded_reads(void **state)
{
	(void)state;
	struct run r1, r32;
	nic_run(&r1, "    max_outstanding: 1\n    mrrs: 128\n"
		"    traffic: [{fn: nic0, type: stream, dir: tx, size: 1500, count: 300}]\n", "", true);
	nic_run(&r32, "    max_outstanding: 32\n    mrrs: 128\n"
		"    traffic: [{fn: nic0, type: stream, dir: tx, size: 1500, count: 300}]\n", "", true);
	assert_int_equal(r1.status, 0);
	assert_int_equal(r32.status, 0);
	assert_true(stat(&r1, "components.nic0.dma.tag_stalls") > 0);
	assert_true(stat(&r1, "components.nic0.pf.tx_gbps") < 7.0);
	assert_true(stat(&r32, "components.nic0.pf.tx_gbps") > 9.8);
	assert_int_equal(stat(&r1, "components.nic0.pf.tx_packets"), 300);
	run_free(&r1);
	run_free(&r32);
}

static void assert_refused(const char *keys, const char *vms, const char *msg)
{
	struct run r;
	nic_run(&r, keys, vms, false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	if (!strstr(r.e.msg, msg))
		fail_msg("message '%s' lacks '%s'", r.e.msg, msg);
	run_free(&r);
}

/* Requests beyond the device's resources are refused with located errors. */
static void test_resource_refusal(void **state)
{
	(void)state;
	/* two entries for one VF: the second would be ignored */
	assert_refused(VFS3 "    vf_config: [{vf: 2, vlan: 5}, {vf: 2, vlan: 6}]\n", two_vms,
		       "second vf_config entry for VF 2");
	/* PF 1 + 3 VFs x 4 = 13 > 10: VF 3 is refused (2 left) */
	assert_refused(VFS3 "    vf_queue_pairs: 4\n    total_queue_pairs: 10\n", two_vms,
		       "VF 3 asks for 4 queue pairs; the device has 10 (total_queue_pairs), 1 "
		       "left after the PF and VFs 1..2");
	assert_refused(VFS3 "    vf_queue_pairs: 2\n    total_vectors: 10\n", two_vms,
		       "VF 3 needs 4 MSI-X vectors");
	assert_refused(VFS3 "    vf_config: [{vf: 2, mac: \"02:00:00:00:00:01\"}]\n", two_vms,
		       "MACs must be unique");
	assert_refused(VFS3 "    vf_config: [{vf: 5}]\n", two_vms, "3 VFs are enabled");
	assert_refused("    buf_size: 4KiB\n    tx_buffer: 2KiB\n", "", "must hold a packet of "
		       "buf_size (4096 bytes)");
	assert_refused("    sriov: {total_vfs: 2, num_vfs: 3, vf_bars: [16KiB], ari: true}\n", "",
		       "");
	/* the error is located at the scenario */
	struct run r;
	nic_run(&r, VFS3 "    vf_queue_pairs: 4\n    total_queue_pairs: 10\n", two_vms, false);
	assert_non_null(strstr(r.e.msg, ":8:"));  /* the vf_queue_pairs line */
	run_free(&r);
}

/* VF to VF of one PF: the embedded switch keeps it in the device. */
static void test_eswitch(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, VFS3 "    traffic: [{fn: nic0.vf1, type: stream, dir: tx, size: 1000, count: 50, "
		"dst: nic0.vf3}]\n", two_vms, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "nic.eswitch.local_packets"), 50);
	assert_int_equal(stat(&r, "isolation.eswitch_local"), 50);
	assert_int_equal(stat(&r, "components.nic0.wire.tx_frames"), 0);
	assert_int_equal(stat(&r, "components.nic0.vf3.rx_packets"), 50);
	assert_int_equal(stat(&r, "components.nic0.vf3.eswitch_rx"), 50);
	assert_int_equal(stat(&r, "components.nic0.vf1.eswitch_tx"), 50);
	/* both sides' DMA stayed in their own VM's memory */
	assert_int_equal(stat(&r, "isolation.violations"), 0);
	assert_true(stat(&r, "isolation.vms.vm1.allowed") > 0);
	run_free(&r);
	/* another VLAN: not the same L2 segment, out on the wire */
	nic_run(&r, VFS3 "    vf_config: [{vf: 3, vlan: 7}]\n"
		"    traffic: [{fn: nic0.vf1, type: stream, dir: tx, size: 1000, count: 50, "
		"dst: nic0.vf3}]\n", two_vms, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "nic.eswitch.local_packets"), 0);
	assert_int_equal(stat(&r, "components.nic0.wire.tx_frames"), 50);
	run_free(&r);
	/* eswitch: false: the same VLAN, but every packet goes out on the wire */
	nic_run(&r, VFS3 "    eswitch: false\n"
		"    traffic: [{fn: nic0.vf1, type: stream, dir: tx, size: 1000, count: 50, "
		"dst: nic0.vf3}]\n", two_vms, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "nic.eswitch.local_packets"), 0);
	assert_int_equal(stat(&r, "isolation.eswitch_local"), 0);
	assert_int_equal(stat(&r, "components.nic0.wire.tx_frames"), 50);
	assert_int_equal(stat(&r, "components.nic0.vf3.rx_packets"), 0);
	run_free(&r);
}

/* Mailbox: strict policy refuses changing an administrator-set MAC. */
static void test_mailbox(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, VFS3 "    vf_config: [{vf: 1, mac: \"02:aa:00:00:00:01\"}, "
		"{vf: 3, mac: \"02:aa:00:00:00:03\", trusted: true}]\n"
		"    mbx_latency: 30us\n"
		"    mailbox:\n"
		"      - {at: 1us, vf: 1, op: set_mac, value: \"02:bb:00:00:00:01\"}\n"
		"      - {at: 2us, vf: 2, op: set_mac, value: \"02:bb:00:00:00:02\"}\n"
		"      - {at: 3us, vf: 3, op: set_vlan, value: \"12\"}\n"
		"      - {at: 4us, vf: 2, op: set_mac, value: \"02:aa:00:00:00:03\"}\n", two_vms, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.mailbox.requests"), 4);
	assert_int_equal(stat(&r, "components.nic0.mailbox.accepted"), 2);  /* vf2 new, vf3 */
	assert_int_equal(stat(&r, "components.nic0.mailbox.refused"), 2);   /* admin, duplicate */
	assert_int_equal(stat(&r, "components.nic0.mailbox.latency_ns.min"), 30000);
	run_free(&r);
}

/* Request/response: closed loop, one transaction at a time. */
static void test_rr(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    itr_packets: 1\n"
		"    traffic: [{fn: nic0, type: rr, size: 64, count: 20, peer_latency: 10us}]\n", "",
		true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.gen0.transactions"), 20);
	assert_int_equal(stat(&r, "components.nic0.pf.rx_packets"), 20);
	assert_int_equal(stat(&r, "components.nic0.pf.tx_packets"), 20);
	double tps = stat(&r, "components.nic0.gen0.transactions_per_s");
	double lat = stat(&r, "components.nic0.gen0.rr_latency_ns.mean");
	/* a transaction every latency + peer_latency */
	assert_true(tps > 0.9e12 / (lat * 1000 + 10e6) && tps < 1.1e12 / (lat * 1000 + 10e6));
	run_free(&r);
}

/* A packet trace: flows pick queues, records of other ops are refused. */
static void test_packet_trace(void **state)
{
	(void)state;
	char path[] = "/tmp/iovsim-nic-trace-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *tr = "0ns nic0 pkt_tx 0 1000 flow=1\n+1us nic0 pkt_rx 0 500 flow=3\n"
			 "- nic0 pkt_tx 0 64\n";
	assert_int_equal(write(fd, tr, strlen(tr)), (ssize_t)strlen(tr));
	close(fd);
	char keys[512];
	snprintf(keys, sizeof(keys), "    queue_pairs: 2\n    trace: %s\n", path);
	struct run r;
	nic_run(&r, keys, "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.pf.tx_packets"), 2);
	assert_int_equal(stat(&r, "components.nic0.pf.rx_packets"), 1);
	assert_int_equal(stat(&r, "nic.tx_bytes"), 1064);
	run_free(&r);
	fd = open(path, O_WRONLY | O_TRUNC);
	const char *bad = "0ns nic0 rd 0x1000 64\n";
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	nic_run(&r, keys, "", true);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "a rd record in a NIC trace"));
	run_free(&r);
	unlink(path);
}

/* With a host, the driver's and application's work runs on the vCPU's time
 * line (host_guest_work): vcpus.vm0.guest_work_cycles is drv_irq_cycles per
 * handler + (drv_pkt_cycles + app_cycles_per_packet) per packet, and a
 * CPU-bound guest (4,300 cycles per 1500 B packet at 2 GHz: 2.15 us against
 * 1.22 us on the wire) receives at its CPU's pace, not at line rate. */
static void test_guest_work_on_vcpu(void **state)
{
	(void)state;
	static const char vm0[] =
		"vms:\n  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf1]}\n";
	static const unsigned app[] = { 0, 4000 };
	double gbps[2];
	for (unsigned i = 0; i < 2; i++) {
		char keys[1024];
		snprintf(keys, sizeof(keys), VFS3 "    host: hv\n    app_cycles_per_packet: %u\n"
			 "    traffic: [{fn: nic0.vf1, type: stream, dir: rx, size: 1500, "
			 "count: 3000}]\n  - {name: hv, type: host, clock: 2GHz}\n", app[i]);
		struct run r;
		nic_run(&r, keys, vm0, true);
		if (r.status)
			fail_msg("%s", r.e.msg);
		double pkts = stat(&r, "components.nic0.vf1.rx_packets");
		double irqs = stat(&r, "interrupts.delivered");
		assert_true(pkts > 0 && irqs > 0);
		assert_true(stat(&r, "vcpus.vm0.guest_work_cycles") ==
			    irqs * 1000 + pkts * (300 + app[i]));
		gbps[i] = stat(&r, "components.nic0.vf1.rx_gbps");
		if (app[i]) {
			assert_true(stat(&r, "vcpus.vm0.utilization") > 0.99);
			assert_true(stat(&r, "components.nic0.vf1.rx_drops") > 0);
			/* 1500 B per 4,300 cycles at 2 GHz, per-interrupt work aside */
			assert_true(gbps[i] > 5.3 && gbps[i] < 12000.0 / 2150);
		}
		run_free(&r);
	}
	assert_true(gbps[0] > 9.5);
}

/* rr over a host: the application's think time is guest work on the vCPU
 * that took the request (counted there, after the handler's work), and
 * adds its duration at the host's clock to every transaction. */
static void test_rr_think_on_vcpu(void **state)
{
	(void)state;
	static const char vm0[] =
		"vms:\n  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf1]}\n";
	static const unsigned think[] = { 0, 20000 };
	double work[2], lat[2];
	for (unsigned i = 0; i < 2; i++) {
		char keys[1024];
		snprintf(keys, sizeof(keys), VFS3 "    host: hv\n    itr_packets: 1\n"
			 "    traffic: [{fn: nic0.vf1, type: rr, size: 64, count: 20, "
			 "think_cycles: %u}]\n  - {name: hv, type: host, clock: 2GHz}\n", think[i]);
		struct run r;
		nic_run(&r, keys, vm0, true);
		if (r.status)
			fail_msg("%s", r.e.msg);
		assert_int_equal(stat(&r, "components.nic0.gen0.transactions"), 20);
		work[i] = stat(&r, "vcpus.vm0.guest_work_cycles");
		lat[i] = stat(&r, "components.nic0.gen0.rr_latency_ns.mean");
		run_free(&r);
	}
	assert_true(work[1] - work[0] >= 20 * 20000.0);
	assert_true(work[1] - work[0] < 20 * 20000.0 + 20 * 1300.0);
	/* 20,000 cycles at 2 GHz: 10 us more per transaction */
	assert_true(lat[1] - lat[0] > 9990.0 && lat[1] - lat[0] < 10500.0);
}

/* TX descriptors the generator posts from the TX handler are rung after the
 * handler's work: 400 us of it per interrupt (1e6 cycles at 2.5 GHz) and a
 * ring of 16 for 64 packets: three refills, each 400 us late. */
static void test_tx_refill_after_handler(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    ring_size: 16\n    itr_packets: 16\n    drv_irq_cycles: 1000000\n"
		"    traffic: [{fn: nic0, type: stream, dir: tx, size: 1000, count: 64}]\n", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.nic0.pf.tx_packets"), 64);
	/* 64,000 B over more than 1.2 ms */
	assert_true(stat(&r, "components.nic0.pf.tx_gbps") < 64000 * 8 / 1.2e-3 / 1e9);
	run_free(&r);
}

/* VFs without Bus Master Enable: nothing of theirs reaches memory, so their
 * guests see no packets and no interrupts (MSI-X messages are memory writes:
 * BME clear stops them too, PCIe Base Spec 7.5.1.1.3). */
static void test_bme_off(void **state)
{
	(void)state;
	struct run r;
	nic_run(&r, "    sriov: {total_vfs: 4, num_vfs: 3, vf_bars: [16KiB], ari: true, "
		"vf_bme: false}\n"
		"    traffic: [{fn: nic0.vf1, type: stream, dir: rx, size: 1000, count: 50}, "
		"{fn: nic0.vf2, type: stream, dir: tx, size: 1000, count: 50}]\n", two_vms, true);
	assert_int_equal(r.status, 0);
	assert_true(stat(&r, "components.nic0.dma.bme_blocked") > 0);
	assert_int_equal(stat(&r, "components.nic0.vf1.rx_packets"), 0);
	assert_int_equal(stat(&r, "components.nic0.vf2.tx_packets"), 0);
	assert_int_equal(stat(&r, "components.nic0.dma.msis"), 0);
	assert_int_equal(stat(&r, "components.nic0.vf1.interrupts"), 0);
	assert_int_equal(stat(&r, "components.nic0.dma.write_tlps"), 0);
	run_free(&r);
}

/* Component order does not matter: a NIC with VFs and a host listed before
 * the root complex elaborates after enumeration (root complexes enumerate
 * first) and gives the same stats as in the usual order. */
static void test_component_order(void **state)
{
	(void)state;
	static const char *const order_fmt =
		"components:\n"
		"  - name: nic0\n"
		"    type: sriov_nic\n"
		"%s"
		"  - {name: hv, type: host}\n"
		"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: mem, type: memory, latency: 80ns}\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp0, l0.up]\n"
		"  - [l0.down, nic0.up]\n"
		"%s";
	const char *keys = VFS3 "    traffic: [{fn: nic0.vf3, type: stream, dir: rx, size: 1500, "
			   "count: 50}]\n";
	char text[8192];
	double got[2][3];
	for (int k = 0; k < 2; k++) {
		struct run r;
		if (k == 0) {
			snprintf(text, sizeof(text), order_fmt, keys, two_vms);
			run_text(&r, text, true);
		} else {
			char keys_host[1024];
			snprintf(keys_host, sizeof(keys_host), "%s  - {name: hv, type: host}\n", keys);
			nic_run(&r, keys_host, two_vms, true);
		}
		if (r.status)
			fail_msg("%s", r.e.msg);
		got[k][0] = stat(&r, "nic.vms.vm1.rx_packets");
		got[k][1] = stat(&r, "interrupts.vms.vm1.delivered");
		got[k][2] = stat(&r, "components.nic0.vf3.rx_latency_ns.p50");
		run_free(&r);
	}
	assert_int_equal(got[0][0], 50);
	assert_true(got[0][1] > 0);
	for (int i = 0; i < 3; i++)
		assert_true(got[0][i] == got[1][i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_ring_mechanics),
		cmocka_unit_test(test_rx_ring_mechanics),
		cmocka_unit_test(test_moderation_count),
		cmocka_unit_test(test_moderation_timer),
		cmocka_unit_test(test_bounded_reads),
		cmocka_unit_test(test_resource_refusal),
		cmocka_unit_test(test_eswitch),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_rr),
		cmocka_unit_test(test_packet_trace),
		cmocka_unit_test(test_guest_work_on_vcpu),
		cmocka_unit_test(test_rr_think_on_vcpu),
		cmocka_unit_test(test_bme_off),
		cmocka_unit_test(test_tx_refill_after_handler),
		cmocka_unit_test(test_component_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
