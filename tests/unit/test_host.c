/* test_host.c - the host model: exits per interrupt by path, wakeups, faults, host.h calls, vCPU time line */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/host/host.h"
#include "test_run.h"

/* d0 (vm0's, %s: its extra keys) and d1 (host-owned, %s) behind one root
 * port each; the host gets %s. */
static const char fmt[] =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 2}\n"
	"  - {name: mem, type: memory, latency: 100ns}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: l1, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: d0, type: dma_source, %s}\n"
	"  - {name: d1, type: dma_source, %s}\n"
	"  - {name: hv, type: host%s}\n"
	"vms:\n"
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [d0]}\n"
	"  - {name: vm1, memory: [{base: 8GiB, size: 1GiB}]}\n"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l0.up]\n"
	"  - [l0.down, d0.up]\n"
	"  - [rc.rp1, l1.up]\n"
	"  - [l1.down, d1.up]\n";

#define MSI100 "vectors: 1, trace: {gen: msi, rate: 100000, count: 100}"
#define IDLE "trace: {gen: seq, count: 1}"

static void build(struct run *r, const char *d0, const char *d1, const char *host, bool run)
{
	char text[4096];
	snprintf(text, sizeof(text), fmt, d0, d1, host);
	run_text(r, text, run);
}

static void run_ok(struct run *r, const char *d0, const char *d1, const char *host)
{
	build(r, d0, d1, host, true);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

/* Exits per interrupt with the vCPU running, by delivery and EOI virtualization. */
static void test_exits_running(void **state)
{
	(void)state;
	static const struct { const char *host; double ext, eoi; } c[] = {
		{ ", delivery: emulated, eoi_virt: false", 100, 100 },
		{ ", delivery: emulated, eoi_virt: true", 100, 0 },
		{ ", delivery: posted, eoi_virt: false", 0, 0 },
		{ ", delivery: posted", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run r;
		run_ok(&r, MSI100, IDLE, c[i].host);
		assert_int_equal(stat(&r, "interrupts.delivered"), 100);
		assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), c[i].ext);
		assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), c[i].eoi);
		assert_int_equal(stat(&r, "vm_exits.total"), c[i].ext + c[i].eoi);
		assert_int_equal(stat(&r, "vm_exits.vms.vm0.total"), c[i].ext + c[i].eoi);
		assert_int_equal(stat(&r, "vm_exits.vms.vm1.total"), 0);
		assert_int_equal(stat(&r, "interrupts.wakeups"), 0);
		/* cycles: 2,565 per external-interrupt exit, 1,556 per EOI exit */
		assert_int_equal(stat(&r, "vm_exits.cycles"), c[i].ext * 2565 + c[i].eoi * 1556);
		run_free(&r);
	}
}

/* Halted vCPU: woken by the host per interrupt (not a guest exit); an idle
 * guest halts again (one halt exit); without idle_halt it stays running. */
static void test_halted_wakeups(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, MSI100, IDLE, ", delivery: posted, vcpu_state: halted");
	assert_int_equal(stat(&r, "interrupts.wakeups"), 100);
	assert_int_equal(stat(&r, "interrupts.posted.notifications"), 100);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 0);
	assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), 0);
	assert_int_equal(stat(&r, "vm_exits.by_reason.halt"), 100);
	assert_int_equal(stat(&r, "interrupts.latency_ns.posted_wakeup.count"), 100);
	assert_int_equal(stat(&r, "hypervisor.wakeup_cycles"), 100 * 3102);
	run_free(&r);
	run_ok(&r, MSI100, IDLE, ", delivery: emulated, eoi_virt: false, vcpu_state: halted");
	assert_int_equal(stat(&r, "interrupts.wakeups"), 100);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 0);
	assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), 100);
	assert_int_equal(stat(&r, "vm_exits.by_reason.halt"), 100);
	run_free(&r);
	run_ok(&r, MSI100, IDLE, ", delivery: posted, vcpu_state: halted, idle_halt: false");
	assert_int_equal(stat(&r, "interrupts.wakeups"), 1);
	assert_int_equal(stat(&r, "vm_exits.total"), 0);
	assert_int_equal(stat(&r, "interrupts.delivered"), 100);
	run_free(&r);
}

/* Posted to a running vCPU is faster than emulated delivery (no exit). */
static void test_latency_paths(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, MSI100, IDLE, ", delivery: posted");
	double posted = stat(&r, "interrupts.latency_ns.posted.p50");
	run_free(&r);
	run_ok(&r, MSI100, IDLE, ", delivery: emulated");
	double emulated = stat(&r, "interrupts.latency_ns.emulated.p50");
	assert_int_equal(stat(&r, "interrupts.latency_ns.posted.count"), 0);
	/* the breakdown: the exit with injection delivers it; the stages sum to the mean */
	assert_true(stat(&r, "interrupts.breakdown_ns.emulated.deliver") == 1282.5);
	double sum = stat(&r, "interrupts.breakdown_ns.emulated.remap") +
		     stat(&r, "interrupts.breakdown_ns.emulated.post") +
		     stat(&r, "interrupts.breakdown_ns.emulated.wait") +
		     stat(&r, "interrupts.breakdown_ns.emulated.deliver");
	double mean = stat(&r, "interrupts.latency_ns.emulated.mean");
	assert_true(sum > mean - 0.01 && sum < mean + 0.01);
	run_free(&r);
	/* the external-interrupt exit alone is 2,565 cycles at 2 GHz */
	assert_true(emulated - posted > 1000);
	assert_true(posted > 0);
}

/* An emulated interrupt arriving while its vCPU is in root mode (inside the
 * first one's exit) is injected at that VM entry: no exit of its own. */
static void test_exitless_injection(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, "vectors: 2, trace: {gen: msi, interval: 100ns, count: 2}", IDLE,
	       ", delivery: emulated, eoi_virt: true");
	assert_int_equal(stat(&r, "interrupts.delivered"), 2);
	assert_int_equal(stat(&r, "interrupts.exitless_injections"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 1);
	run_free(&r);
	run_ok(&r, "vectors: 2, trace: {gen: msi, interval: 100ns, count: 2}", IDLE,
	       ", delivery: emulated, eoi_virt: false");
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), 2);
	run_free(&r);
	/* eight vectors inside the first one's exit (1,282 ns at 2 GHz): all seven
	 * later ones are injected at its entry, however many EOI exits the earlier
	 * ones have reserved meanwhile (the vCPU once remembered only its last
	 * four root-mode segments and lost the exit it was in) */
	run_ok(&r, "vectors: 8, trace: {gen: msi, interval: 100ns, count: 8}", IDLE,
	       ", delivery: emulated, eoi_virt: false");
	assert_int_equal(stat(&r, "interrupts.delivered"), 8);
	assert_int_equal(stat(&r, "interrupts.exitless_injections"), 7);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), 8);
	run_free(&r);
	/* far apart: each takes its own exit */
	run_ok(&r, "vectors: 2, trace: {gen: msi, interval: 10us, count: 2}", IDLE,
	       ", delivery: emulated, eoi_virt: true");
	assert_int_equal(stat(&r, "interrupts.exitless_injections"), 0);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 2);
	run_free(&r);
}

/* ON set: a second post finds the notification outstanding and sends none. */
static void test_on_coalescing(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, "vectors: 2, trace: {gen: msi, interval: 1ns, count: 2}", IDLE,
	       ", delivery: posted, cycles_posted_delivery: 10000");
	assert_int_equal(stat(&r, "interrupts.posted.notifications"), 1);
	assert_int_equal(stat(&r, "interrupts.posted.coalesced"), 1);
	assert_int_equal(stat(&r, "interrupts.delivered"), 2);
	assert_int_equal(stat(&r, "vm_exits.total"), 0);
	run_free(&r);
	/* the same vector twice: one PIR bit, one handler */
	run_ok(&r, "vectors: 1, trace: {gen: msi, interval: 1ns, count: 2}", IDLE,
	       ", delivery: posted, cycles_posted_delivery: 10000");
	assert_int_equal(stat(&r, "interrupts.merged"), 1);
	assert_int_equal(stat(&r, "interrupts.delivered"), 1);
	run_free(&r);
}

/* SN set while preempted: no notification; taken at the VM entry. */
static void test_preempted_suppressed(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, "vectors: 4, trace: {gen: msi, interval: 10us, count: 8}", IDLE,
	       ", delivery: posted, vcpu_state: preempted, resume_at: 35us");
	assert_int_equal(stat(&r, "interrupts.posted.suppressed"), 4);  /* at 0, 10, 20, 30 us */
	assert_int_equal(stat(&r, "interrupts.posted.notifications"), 4);
	assert_int_equal(stat(&r, "interrupts.delivered"), 8);
	assert_int_equal(stat(&r, "vm_exits.total"), 0);
	assert_true(stat(&r, "interrupts.latency_ns.posted.max") >= 34000);
	assert_true(stat(&r, "interrupts.breakdown_ns.posted.wait") > 10000);  /* for the resume */
	assert_true(stat(&r, "interrupts.breakdown_ns.posted.post") > 0);      /* descriptor read */
	run_free(&r);
}

/* Faults on the MSI path: compatibility format blocked (host-owned d1). */
static void test_compat_blocked(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, MSI100, "vectors: 1, trace: {gen: msi, rate: 100000, count: 10}",
	       ", ir_block_compat: true");
	assert_int_equal(stat(&r, "iommu.ir.faults.compat_blocked"), 10);
	assert_int_equal(stat(&r, "interrupts.blocked"), 10);
	assert_int_equal(stat(&r, "interrupts.delivered"), 100);
	run_free(&r);
	run_ok(&r, MSI100, "vectors: 1, trace: {gen: msi, rate: 100000, count: 10}", "");
	assert_int_equal(stat(&r, "interrupts.host"), 10);
	assert_int_equal(stat(&r, "iommu.ir.compat"), 10);
	run_free(&r);
}

/* A raw MSI to a handle no entry was written for: 0x22; beyond the table: 0x21. */
static void test_raw_faults(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, MSI100,
	       "trace: {gen: msi, rate: 100000, count: 3, addr: 0xfee00ff0}",  /* handle 127 */
	       ", ir_entries: 128");
	assert_int_equal(stat(&r, "iommu.ir.faults.not_present"), 3);
	run_free(&r);
	run_ok(&r, MSI100, "trace: {gen: msi, rate: 100000, count: 2, addr: 0xfee01010}",
	       ", ir_entries: 128");                                            /* handle 128 */
	assert_int_equal(stat(&r, "iommu.ir.faults.index"), 2);
	run_free(&r);
}

/* Without remapping: compatibility-format entries, emulated delivery. */
static void test_no_remapping(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, MSI100, IDLE, ", remapping: false, delivery: emulated");
	assert_int_equal(stat(&r, "interrupts.delivered"), 100);
	assert_int_equal(stat(&r, "vm_exits.total"), 100);
	assert_false(stats_exists(r.s->stats, "iommu.ir.requests"));
	run_free(&r);
	build(&r, MSI100, IDLE, ", remapping: false, delivery: posted", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "needs interrupt remapping"));
	assert_non_null(strstr(r.e.msg, "iovsim-test-run-"));  /* located in the file */
	run_free(&r);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct run r;
	build(&r, "vectors: 3, trace: {gen: msi, rate: 1000, count: 1}", IDLE, ", ir_entries: 2",
	      false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "table is full"));
	run_free(&r);
	/* a table of vectors needs a host */
	char text[4096];
	snprintf(text, sizeof(text), fmt, MSI100, IDLE, "");
	char *hv = strstr(text, "  - {name: hv");
	hv[0] = '#';
	run_text(&r, text, false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "needs a host component"));
	run_free(&r);
	build(&r, MSI100, IDLE, ", guests: [{vm: vm9}]", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "must name a VM"));
	run_free(&r);
	build(&r, MSI100, IDLE, ", guests: [{vm: vm1, vcpu: 2}]", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "unknown key 'vcpu'"));
	run_free(&r);
}

/* A trace's msi records name vectors of the programmed table. */
static void test_trace_vectors(void **state)
{
	(void)state;
	char path[] = "/tmp/iovsim-test-host-msi-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("0ns d0 msi 0 4 data=1\n10us d0 msi 0 4 data=0\n20us d0 msi 0 4 data=2\n", f);
	fclose(f);
	char d0[256];
	snprintf(d0, sizeof(d0), "vectors: 2, trace: %s", path);
	struct run r;
	build(&r, d0, IDLE, ", delivery: emulated", true);
	assert_int_equal(r.status, IOV_BAD_INPUT);       /* vector 2 of a 2-vector table */
	assert_non_null(strstr(r.e.msg, "vector 2"));
	run_free(&r);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("0ns d0 msi 0 4 data=1\n10us d0 msi 0 4 data=0\n", f);
	fclose(f);
	run_ok(&r, d0, IDLE, ", delivery: emulated");
	assert_int_equal(stat(&r, "interrupts.delivered"), 2);
	assert_int_equal(stat(&r, "interrupts.spurious"), 0);
	run_free(&r);
	unlink(path);
}

/* guests: overrides one VM; vCPUs spread the vectors. */
static void test_guests_override(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, "vectors: 4, trace: {gen: msi, rate: 100000, count: 8}", IDLE,
	       ", delivery: posted, guests: [{vm: vm0, vcpus: 2, delivery: emulated, "
	       "eoi_virt: false}]");
	assert_int_equal(stat(&r, "vm_exits.vms.vm0.total"), 16);
	assert_int_equal(stat(&r, "iommu.ir.remapped"), 8);
	run_free(&r);
	/* per-vCPU initial states: vectors 0, 2 go to the running vCPU 0, 1, 3
	 * to the halted vCPU 1 (woken each time: an idle guest) */
	run_ok(&r, "vectors: 4, trace: {gen: msi, rate: 100000, count: 8}", IDLE,
	       ", delivery: posted, guests: [{vm: vm0, vcpus: 2, vcpu_states: [running, halted]}]");
	assert_int_equal(stat(&r, "interrupts.wakeups"), 4);
	assert_int_equal(stat(&r, "vm_exits.by_reason.halt"), 4);
	assert_int_equal(stat(&r, "interrupts.latency_ns.posted.count"), 4);
	run_free(&r);
	build(&r, MSI100, IDLE, ", vcpu_states: [running, halted]", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "at most vcpus"));
	run_free(&r);
	build(&r, MSI100, IDLE, ", vcpu_states: [sleeping]", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	run_free(&r);
}

static unsigned handled;
static sim_time_t handled_at;

static void on_irq(void *ctx, const struct pcie_fn *fn, unsigned index, sim_time_t now)
{
	(void)ctx;
	(void)fn;
	assert_int_equal(index, 3);
	handled++;
	handled_at = now;
}

/* host.h called directly: exits, host work, an injected interrupt. */
static void test_api(void **state)
{
	(void)state;
	struct run r;
	build(&r, IDLE, IDLE, ", clock: 1GHz, delivery: emulated, eoi_virt: false", false);
	assert_int_equal(r.status, 0);
	struct host *h = host_find(r.s, "hv");
	assert_non_null(h);
	assert_ptr_equal(host_find(r.s, NULL), h);
	assert_null(host_find(r.s, "nope"));
	assert_int_equal(host_vm_exit(h, 1, 0, HOST_EXIT_MMIO, 268), 7000 * SIM_NS);
	assert_int_equal(host_vm_exit(h, 1, 0, HOST_EXIT_IO_KICK, 0), 2565 * SIM_NS);
	assert_int_equal(host_cpu_work(h, 1, 500), 500 * SIM_NS);
	static const struct host_irq_ops ops = { .handle = on_irq };
	handled = 0;
	host_inject_virq(h, 0, 0, NULL, 3, &ops, NULL);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	assert_int_equal(handled, 1);
	assert_int_equal(handled_at, 2565 * SIM_NS);    /* the exit, injection included */
	assert_int_equal(stat(&r, "vm_exits.by_reason.mmio"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.io_kick"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), 1);
	assert_int_equal(stat(&r, "vm_exits.vms.vm1.cycles"), 7000 + 2565);
	assert_int_equal(stat(&r, "hypervisor.vms.vm1.cpu_cycles"), 7000 + 2565 + 500);
	assert_int_equal(stat(&r, "hypervisor.work_cycles"), 500);
	assert_int_equal(stat(&r, "interrupts.latency_ns.injected.count"), 1);
	run_free(&r);
}

/* host_guest_work: guest work is reserved after the exits already on the
 * vCPU's time line, exits after the work; the time is accounted per kind. */
static void test_guest_work(void **state)
{
	(void)state;
	struct run r;
	build(&r, IDLE, IDLE, ", clock: 1GHz", false);
	assert_int_equal(r.status, 0);
	struct host *h = host_find(r.s, "hv");
	assert_int_equal(host_vm_vcpus(h, 0), 1);
	assert_int_equal(host_vm_vcpus(h, 7), 0);
	assert_int_equal(host_vm_vcpus(h, -1), 0);
	assert_int_equal(host_vm_exit(h, 0, 0, HOST_EXIT_MMIO, 0), 6732 * SIM_NS);
	assert_int_equal(host_guest_work(h, 0, 0, 1000), 7732 * SIM_NS);  /* after the exit */
	assert_int_equal(host_guest_work(h, 0, 0, 0), 7732 * SIM_NS);     /* the line's end */
	assert_int_equal(host_guest_work(h, -1, 0, 500), 500 * SIM_NS);   /* host-owned: free */
	assert_int_equal(host_guest_work(h, 0, 5, 500), 500 * SIM_NS);    /* no such vCPU */
	assert_int_equal(host_guest_work(h, 1, 0, 0), 0);                 /* vm1's own line */
	host_vm_exit(h, 0, 0, HOST_EXIT_IO_KICK, 0);                      /* after the work */
	assert_int_equal(host_guest_work(h, 0, 0, 100), 10397 * SIM_NS);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	assert_int_equal(stat(&r, "vcpus.vm0.guest_work_cycles"), 1100);
	assert_true(stat(&r, "vcpus.vm0.guest_ns") == 1100);
	assert_true(stat(&r, "vcpus.vm0.root_ns") == 6732 + 2565);
	assert_true(stat(&r, "vcpus.vm0.indirect_ns") == 0);
	/* the run ends before the work: the vCPU's run time is its line's end */
	assert_true(stat(&r, "vcpus.vm0.utilization") == 1);
	assert_true(stat(&r, "vcpus.vm0.idle_ns") == 0);
	assert_true(fabs(stat(&r, "vcpus.vm0.guest_utilization") - 1100.0 / 10397) < 1e-9);
	assert_int_equal(stat(&r, "vcpus.vm1.guest_work_cycles"), 0);
	run_free(&r);
}

/* exit_indirect_factor: each exit but a halt costs factor x its cycles of
 * lost guest time right after its VM entry. */
static void test_indirect_cost(void **state)
{
	(void)state;
	struct run r;
	build(&r, IDLE, IDLE, ", clock: 1GHz, exit_indirect_factor: 2", false);
	assert_int_equal(r.status, 0);
	struct host *h = host_find(r.s, "hv");
	assert_int_equal(host_vm_exit(h, 0, 0, HOST_EXIT_MMIO, 0), 6732 * SIM_NS);  /* direct */
	assert_int_equal(host_guest_work(h, 0, 0, 1000), (6732 * 3 + 1000) * SIM_NS);
	host_vm_exit(h, 0, 0, HOST_EXIT_HALT, 0);                         /* no indirect cost */
	assert_int_equal(host_guest_work(h, 0, 0, 0), (6732 * 3 + 1000 + 2000) * SIM_NS);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	assert_int_equal(stat(&r, "vcpus.vm0.indirect_cycles"), 2 * 6732);
	assert_true(stat(&r, "vcpus.vm0.indirect_ns") == 2 * 6732);
	assert_true(stat(&r, "vcpus.vm0.root_ns") == 6732 + 2000);
	assert_int_equal(stat(&r, "hypervisor.cpu_cycles"), 6732 + 2000);  /* not host CPU */
	run_free(&r);
}

/* Utilisation of an interrupt-driven vCPU: posted, each interrupt is guest
 * time (notification processing + handler); emulated adds root time. */
static void test_vcpu_utilisation(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, MSI100, IDLE, ", delivery: posted");
	assert_true(stat(&r, "vcpus.vm0.guest_ns") == 100 * (1000 + 100) / 2.0);  /* 2 GHz */
	assert_true(stat(&r, "vcpus.vm0.root_ns") == 0);
	double u = stat(&r, "vcpus.vm0.utilization");
	assert_true(u > 0.04 && u < 0.07);                              /* 55 us of ~1 ms */
	assert_true(stat(&r, "vcpus.vm0.idle_ns") > 900000);
	assert_true(stat(&r, "vcpus.vm0.guest_utilization") == u);
	run_free(&r);
	run_ok(&r, MSI100, IDLE, ", delivery: emulated, eoi_virt: false");
	assert_true(stat(&r, "vcpus.vm0.guest_ns") == 100 * 1000 / 2.0);
	assert_true(stat(&r, "vcpus.vm0.root_ns") == 100 * (2565 + 1556) / 2.0);
	assert_true(stat(&r, "vcpus.vm0.utilization") > stat(&r, "vcpus.vm0.guest_utilization"));
	run_free(&r);
}

/* A busy vCPU (1 ms of guest work from the start): emulated MSIs still exit
 * each, but merge into the vector pending in the vIRR (one handler, one
 * EOI); posted ones merge into the PIR bit without exits. */
static void test_busy_vcpu_merging(void **state)
{
	(void)state;
	static const struct { const char *host; double ext, eoi; } c[] = {
		{ ", delivery: emulated, eoi_virt: false", 100, 1 },
		{ ", delivery: posted", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run r;
		build(&r, MSI100, IDLE, c[i].host, false);
		assert_int_equal(r.status, 0);
		struct host *h = host_find(r.s, "hv");
		assert_int_equal(host_guest_work(h, 0, 0, 2000000), SIM_MS);
		assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
		assert_int_equal(stat(&r, "interrupts.delivered"), 1);
		assert_int_equal(stat(&r, "interrupts.merged"), 99);
		assert_int_equal(stat(&r, "vm_exits.by_reason.external_interrupt"), c[i].ext);
		assert_int_equal(stat(&r, "vm_exits.by_reason.eoi"), c[i].eoi);
		assert_true(stat(&r, "vcpus.vm0.guest_ns") >= 1e6);
		run_free(&r);
	}
}

/* The hypervisor takes the IOMMU's fault events: each recorded fault is read
 * and attributed to the faulting device's VM; faults lost to a full log are
 * not seen. d0 (vm0) reads vm1's memory 10 times, one at a time. */
static void test_iommu_faults(void **state)
{
	(void)state;
	static const struct { const char *iommu; double records, events; } c[] = {
		{ "fault_log: 4, fault_service: 0ns", 4, 1 },   /* never serviced: log fills */
		{ "fault_log: 4, fault_service: 1ns", 10, 10 }, /* cleared before the next */
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char text[4096], d0[256], host[256];
		snprintf(d0, sizeof(d0), "max_outstanding: 1, trace: {gen: random, base: 8GiB, "
			 "window: 1MiB, count: 10}");
		snprintf(host, sizeof(host), "}\n  - {name: iommu, type: iommu, rc: rc, %s",
			 c[i].iommu);
		snprintf(text, sizeof(text), fmt, d0, IDLE, host);
		struct run r;
		run_text(&r, text, true);
		if (r.status)
			fail_msg("%s", r.e.msg);
		assert_int_equal(stat(&r, "iommu.faults.total"), 10);
		assert_int_equal(stat(&r, "hypervisor.iommu_faults.records"), c[i].records);
		assert_int_equal(stat(&r, "hypervisor.iommu_faults.events"), c[i].events);
		assert_int_equal(stat(&r, "iommu.faults.log_overflow"), 10 - c[i].records);
		assert_int_equal(stat(&r, "hypervisor.vms.vm0.iommu_faults"), c[i].records);
		assert_int_equal(stat(&r, "hypervisor.vms.vm1.iommu_faults"), 0);
		double cycles = c[i].events * 2565 + c[i].records * 500;
		assert_int_equal(stat(&r, "hypervisor.iommu_faults.cycles"), cycles);
		assert_int_equal(stat(&r, "hypervisor.vms.vm0.cpu_cycles"), cycles);
		assert_int_equal(stat(&r, "isolation.violations"), 0);
		run_free(&r);
	}
	/* an 'iommu' that is not one */
	char text[4096];
	snprintf(text, sizeof(text), fmt, IDLE, IDLE, ", iommu: mem");
	struct run r;
	run_text(&r, text, false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "'mem' is not an iommu"));
	run_free(&r);
}

/* A guest registering DMA buffers through hypercalls (IOMMU events with
 * by: guest): one hypercall exit per request on the asking vCPU, and the map
 * only after it is handled: a read right after 'at' still faults, while the
 * hypervisor's own map (by: hypervisor) is there at once. */
static void test_guest_dma_requests(void **state)
{
	(void)state;
	static const char *const by[] = { "guest", "hypervisor" };
	for (int i = 0; i < 2; i++) {
		char text[4096], d0[256], host[512];
		/* one read of IOVA 0x1000 at 1.05 us, one at 5 us */
		snprintf(d0, sizeof(d0), "max_outstanding: 1, trace: {gen: seq, base: 0x1000, "
			 "window: 4KiB, size: 64, count: 2, interval: 3950ns, start: 1050ns}");
		snprintf(host, sizeof(host), ", vcpus: 2}\n  - {name: iommu, type: iommu, rc: rc, "
			 "events: [{at: 1us, op: map, vm: vm0, iova: 0x1000, hpa: 4GiB, size: 4KiB, "
			 "by: %s, vcpu: 1}]", by[i]);
		snprintf(text, sizeof(text), fmt, d0, IDLE, host);
		struct run r;
		run_text(&r, text, true);
		if (r.status)
			fail_msg("%s", r.e.msg);
		bool guest = i == 0;
		assert_int_equal(stat(&r, "iommu.maps"), 1);
		assert_int_equal(stat(&r, "hypervisor.dma_map_requests"), guest ? 1 : 0);
		assert_int_equal(stat(&r, "vm_exits.by_reason.hypercall"), guest ? 1 : 0);
		assert_int_equal(stat(&r, "vm_exits.vms.vm0.cycles"), guest ? 1300 : 0);
		assert_int_equal(stat(&r, "iommu.faults.total"), guest ? 1 : 0);
		assert_int_equal(stat(&r, "flows.d0.isolation.allowed"), guest ? 1 : 2);
		assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), guest ? 1 : 0);
		run_free(&r);
	}
	/* the asking vCPU busy with guest work until 10 us: its hypercall exit
	 * (and the map) come after that work, so the read at 5 us faults too
	 * (the map was made at 1.65 us, before the guest could have asked) */
	{
		char text[4096], d0[256];
		snprintf(d0, sizeof(d0), "max_outstanding: 1, trace: {gen: seq, base: 0x1000, "
			 "window: 4KiB, size: 64, count: 2, interval: 3950ns, start: 1050ns}");
		snprintf(text, sizeof(text), fmt, d0, IDLE, ", vcpus: 2}\n  - {name: iommu, type: "
			 "iommu, rc: rc, events: [{at: 1us, op: map, vm: vm0, iova: 0x1000, hpa: 4GiB, "
			 "size: 4KiB, by: guest, vcpu: 1}]");
		struct run r;
		run_text(&r, text, false);
		assert_int_equal(r.status, 0);
		struct host *h = host_find(r.s, "hv");
		assert_int_equal(host_guest_work(h, 0, 1, 20000), 10 * SIM_US);
		assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
		assert_int_equal(stat(&r, "iommu.maps"), 1);
		assert_int_equal(stat(&r, "vm_exits.by_reason.hypercall"), 1);
		assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), 2);
		run_free(&r);
	}
	/* by: guest without a host component: refused before the run */
	static const char *const nohost =
		"components:\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
		"  - {name: mem, type: memory}\n"
		"  - {name: d0, type: dma_source, trace: {gen: seq, count: 1}}\n"
		"  - {name: iommu, type: iommu, rc: rc, events: [{at: 1us, op: map, vm: vm0, "
		"iova: 0x1000, hpa: 4GiB, by: guest}]}\n"
		"vms:\n"
		"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [d0]}\n"
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp0, d0.up]\n";
	struct run r;
	run_text(&r, nohost, true);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "by: guest needs a host component"));
	run_free(&r);
}

/* Two host components: refused at load, located at the second. */
static void test_two_hosts(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), fmt, IDLE, IDLE, "}\n  - {name: hv2, type: host");
	struct run r;
	run_text(&r, text, false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "already has a host component, 'hv'"));
	assert_non_null(strstr(r.e.msg, ":9:5: error: host 'hv2'"));
	run_free(&r);
}

static struct host *late_exit_host;

static void late_exit(void *arg)
{
	(void)arg;
	host_vm_exit(late_exit_host, 0, 0, HOST_EXIT_MMIO, 0);
}

static void on_irq_then_exit(void *ctx, const struct pcie_fn *fn, unsigned index, sim_time_t now)
{
	(void)fn;
	(void)index;
	sim_schedule_at(ctx, now + SIM_NS, late_exit, NULL);   /* inside the handler's time */
}

/* An idle guest (initially halted) halts again after an exit reserved past
 * its pending idle check: the exit looks again when it ends. (It stayed
 * running for the rest of the run: no halt exit, later interrupts exited
 * instead of waking it.) */
static void test_idle_after_late_exit(void **state)
{
	(void)state;
	struct run r;
	build(&r, IDLE, IDLE, ", clock: 1GHz, delivery: emulated, vcpu_state: halted", false);
	assert_int_equal(r.status, 0);
	late_exit_host = host_find(r.s, "hv");
	static const struct host_irq_ops ops = { .handle = on_irq_then_exit };
	host_inject_virq(late_exit_host, 0, 0, NULL, 0, &ops, r.s->k);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	assert_int_equal(stat(&r, "interrupts.wakeups"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.mmio"), 1);
	assert_int_equal(stat(&r, "vm_exits.by_reason.halt"), 1);
	run_free(&r);
}

/* An msi generator whose last interrupt would fall past the end of simulated
 * time is refused at load (before, the times wrapped around). */
static void test_msi_gen_time_range(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), fmt, "vectors: 1, trace: {gen: msi, rate: 1e-6, count: 100}",
		 IDLE, "");
	struct run r;
	run_text(&r, text, false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "run past the end of simulated time"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exits_running),
		cmocka_unit_test(test_halted_wakeups),
		cmocka_unit_test(test_latency_paths),
		cmocka_unit_test(test_exitless_injection),
		cmocka_unit_test(test_on_coalescing),
		cmocka_unit_test(test_preempted_suppressed),
		cmocka_unit_test(test_compat_blocked),
		cmocka_unit_test(test_raw_faults),
		cmocka_unit_test(test_no_remapping),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_trace_vectors),
		cmocka_unit_test(test_guests_override),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_iommu_faults),
		cmocka_unit_test(test_guest_dma_requests),
		cmocka_unit_test(test_two_hosts),
		cmocka_unit_test(test_msi_gen_time_range),
		cmocka_unit_test(test_guest_work),
		cmocka_unit_test(test_indirect_cost),
		cmocka_unit_test(test_vcpu_utilisation),
		cmocka_unit_test(test_busy_vcpu_merging),
		cmocka_unit_test(test_idle_after_late_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
