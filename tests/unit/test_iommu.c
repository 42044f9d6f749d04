/* test_iommu.c - the IOMMU component on the root complex: translation, IOTLB, walks, faults */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim.h"
#include "test_run.h"

/* RC, memory, one Gen3 x8 link, device d0 in VM vm0 (memory 4 GiB..+1 GiB),
 * device d1 owned by the host, and the IOMMU. %s: d0 trace extras, %s: iommu
 * extras, %d: d1 count. */
static const char fmt[] =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 2}\n"
	"  - {name: mem, type: memory, latency: 100ns}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: l1, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: d0, type: dma_source, max_outstanding: 1,\n"
	"     trace: {gen: random, size: 64, %s}}\n"
	"  - {name: d1, type: dma_source, trace: {gen: seq, base: 0x1000, size: 64, count: %d}}\n"
	"  - {name: iommu, type: iommu, rc: rc, walkers: 2%s}\n"
	"vms:\n"
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [d0]}\n"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l0.up]\n"
	"  - [l0.down, d0.up]\n"
	"  - [rc.rp1, l1.up]\n"
	"  - [l1.down, d1.up]\n";

static void run(struct run *r, const char *d0, const char *iommu, int d1_count)
{
	char text[4096];
	snprintf(text, sizeof(text), fmt, d0, d1_count, iommu);
	run_text(r, text, true);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

static void done(struct run *r)
{
	run_free(r);
}

/* A window of 16 pages fits the IOTLB: after the first touch of each page
 * every lookup hits; the context cache misses once per device. */
static void test_small_window_hits(void **state)
{
	(void)state;
	struct run r;
	run(&r, "base: 4GiB, window: 64KiB, count: 2000", ", superpages: false", 1);
	assert_int_equal(stat(&r, "flows.d0.reads"), 2000);
	assert_int_equal(stat(&r, "iommu.iotlb.lookups"), 2000);
	assert_int_equal(stat(&r, "iommu.iotlb.misses"), 16);
	assert_int_equal(stat(&r, "iommu.walks"), 16);
	assert_int_equal(stat(&r, "iommu.context_cache.misses"), 2);        /* d0 and d1 */
	assert_int_equal(stat(&r, "iommu.context_reads"), 4);   /* root + context entry each */
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);
	assert_int_equal(stat(&r, "isolation.allowed"), 2000 + 1);       /* and d1's read */
	/* memory served the data reads plus the IOMMU's own table reads */
	assert_int_equal(stat(&r, "components.mem.reads"),
			 2001 + stat(&r, "iommu.walk_reads") + stat(&r, "iommu.context_reads"));
	done(&r);
}

/* A large window misses nearly always; each miss costs table reads through
 * memory, so the median read grows by at least one memory access. */
static void test_misses_cost_walks(void **state)
{
	(void)state;
	struct run a, b;
	run(&a, "base: 4GiB, window: 64KiB, count: 500", ", superpages: false", 1);
	run(&b, "base: 4GiB, window: 512MiB, count: 500", ", superpages: false", 1);
	assert_true(stat(&b, "iommu.iotlb.hit_rate") < 0.05);
	assert_true(stat(&b, "iommu.walk_reads") >= 500);
	double fast = stat(&a, "flows.d0.latency_ns.p50"), slow = stat(&b, "flows.d0.latency_ns.p50");
	assert_true(slow > fast + 100);
	/* the walk caches spare the upper levels: fewer than 4 reads per walk */
	assert_true(stat(&b, "iommu.walk_reads") < 4 * stat(&b, "iommu.walks"));
	assert_true(stat(&b, "iommu.pwc.hits") > 0);
	done(&a);
	done(&b);
}

/* With superpages the VM's 1 GiB-aligned memory is one 1 GiB page: a 512 MiB
 * window needs one IOTLB entry, not 131072: far fewer walks. */
static void test_superpages(void **state)
{
	(void)state;
	struct run a, b;
	run(&a, "base: 4GiB, window: 512MiB, count: 1000", ", superpages: false", 1);
	run(&b, "base: 4GiB, window: 512MiB, count: 1000", ", superpages: true", 1);
	assert_true(stat(&b, "iommu.walks") < stat(&a, "iommu.walks") / 2);
	assert_true(stat(&b, "iommu.iotlb.hits_1g") > 0);      /* 1 GiB-aligned VM memory */
	assert_int_equal(stat(&a, "iommu.iotlb.hits_1g"), 0);
	done(&a);
	done(&b);
}

/* DMA outside the VM's memory faults (read without permission: not mapped),
 * is blocked and never reaches memory; the fault log overflows past its size. */
static void test_fault_blocks(void **state)
{
	(void)state;
	struct run r;
	run(&r, "base: 8GiB, window: 64KiB, count: 10", ", fault_log: 4", 1);
	assert_int_equal(stat(&r, "iommu.faults.total"), 10);
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 10);
	assert_int_equal(stat(&r, "iommu.faults.log_overflow"), 6);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 10);
	assert_int_equal(stat(&r, "isolation.blocked"), 10);
	assert_int_equal(stat(&r, "isolation.allowed"), 1);
	assert_int_equal(stat(&r, "components.rc.memory_requests"), 1);     /* no data read */
	assert_int_equal(stat(&r, "iommu.faults.by_device.d0"), 10);
	assert_int_equal(stat(&r, "iommu.faults.by_device.d1"), 0);
	assert_int_equal(stat(&r, "iommu.faults.events"), 1);       /* one pending event covers all */
	done(&r);
}

/* The handler clears the records 'fault_service' after each event: with a
 * quick handler the log never overflows and every batch raises its event. */
static void test_fault_service(void **state)
{
	(void)state;
	struct run r;
	run(&r, "base: 8GiB, window: 64KiB, count: 10", ", fault_log: 1, fault_service: 100ns", 1);
	assert_int_equal(stat(&r, "iommu.faults.total"), 10);
	assert_int_equal(stat(&r, "iommu.faults.log_overflow"), 0);
	assert_int_equal(stat(&r, "iommu.faults.events"), 10);
	done(&r);
	/* never serviced: the one register stays full */
	run(&r, "base: 8GiB, window: 64KiB, count: 10", ", fault_log: 1, fault_service: 0ns", 1);
	assert_int_equal(stat(&r, "iommu.faults.log_overflow"), 9);
	assert_int_equal(stat(&r, "iommu.faults.events"), 1);
	done(&r);
}

/* Fault Processing Disable: still blocked and counted, never recorded or signalled. */
static void test_fpd(void **state)
{
	(void)state;
	struct run r;
	run(&r, "base: 8GiB, window: 64KiB, count: 10", ", fault_log: 4, fpd: [d0]", 1);
	assert_int_equal(stat(&r, "iommu.faults.total"), 10);
	assert_int_equal(stat(&r, "iommu.faults.by_device.d0"), 10);
	assert_int_equal(stat(&r, "iommu.faults.events"), 0);
	assert_int_equal(stat(&r, "iommu.faults.log_overflow"), 0);
	assert_int_equal(stat(&r, "isolation.blocked"), 10);
	done(&r);
	char text[4096];
	snprintf(text, sizeof(text), fmt, "count: 1", 1, ", fpd: [nobody]");
	run_text(&r, text, true);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "'nobody' is not a device function"));
	run_free(&r);
}

/* Host devices: pass-through by default, no context entry with host: blocked. */
/* One root port, memory, a Gen3 x8 link, d0 below it in vm0 (memory 4 GiB..+1 GiB):
 * the head before d0's and the IOMMU's lines, the tail after. */
#define ONE_PORT_HEAD                                                                          \
	"components:\n"                                                                      \
	"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"                           \
	"  - {name: mem, type: memory, latency: 100ns}\n"                                    \
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
#define ONE_PORT_TAIL                                                                          \
	"vms:\n"                                                                             \
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [d0]}\n"               \
	"connections:\n"                                                                     \
	"  - [rc.mem, mem.port]\n"                                                           \
	"  - [rc.rp0, l0.up]\n"                                                              \
	"  - [l0.down, d0.up]\n"

/* Nested: one device in a VM whose guest owns a first stage; %s: trace. */
static const char nested_fmt[] =
	ONE_PORT_HEAD
	"  - {name: d0, type: dma_source, max_outstanding: 1, mrrs: 4096,\n"
	"     trace: {gen: seq, %s}}\n"
	"  - {name: iommu, type: iommu, rc: rc, superpages: false, nested: [vm0]}\n"
	ONE_PORT_TAIL;

static void run_nested(struct run *r, const char *trace)
{
	char text[2048];
	snprintf(text, sizeof(text), nested_fmt, trace);
	run_text(r, text, true);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

/* A cold nested 4+4-level walk reads 24 entries (FACTS.md); the same page
 * again hits the IOTLB; the next page reuses the second-stage TLB and the
 * first-stage walk cache: its first-stage leaf (1 read) and its output's
 * second-stage walk (4 reads). Outside the VM's first stage: a fault. */
static void test_nested(void **state)
{
	(void)state;
	struct run r;
	run_nested(&r, "base: 4GiB, size: 64, count: 1");
	assert_int_equal(stat(&r, "iommu.walks"), 1);
	assert_int_equal(stat(&r, "iommu.walk_reads"), 24);
	assert_int_equal(stat(&r, "isolation.allowed"), 1);
	done(&r);
	run_nested(&r, "base: 4GiB, size: 64, count: 2");
	assert_int_equal(stat(&r, "iommu.walk_reads"), 24);
	assert_int_equal(stat(&r, "iommu.iotlb.hits"), 1);
	done(&r);
	run_nested(&r, "base: 4GiB, size: 4096, count: 2");
	assert_int_equal(stat(&r, "iommu.walks"), 2);
	assert_int_equal(stat(&r, "iommu.walk_reads"), 24 + 5);
	assert_true(stat(&r, "iommu.nested.ss_tlb.hits") > 0);
	assert_true(stat(&r, "iommu.nested.fs_pwc.hits") > 0);
	done(&r);
	run_nested(&r, "base: 8GiB, size: 64, count: 3");
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 3);
	assert_int_equal(stat(&r, "isolation.blocked"), 3);
	assert_int_equal(stat(&r, "components.rc.memory_requests"), 0);
	done(&r);
}

/* Replace the first 'from' in buf by 'to'. */
static void subst(char *buf, size_t size, const char *from, const char *to)
{
	char *at = strstr(buf, from);
	assert_non_null(at);
	size_t fl = strlen(from), tl = strlen(to), rest = strlen(at + fl);
	assert_true((size_t)(at - buf) + tl + rest < size);
	memmove(at + tl, at + fl, rest + 1);
	memcpy(at, to, tl);
}

/* d0 reads a 64 KiB buffer of vm0 one 64 B read at a time (about 600 ns
 * each); at 20 us the hypervisor unmaps the buffer. Strict: the flush is done
 * one IOTLB + one wait descriptor later and every later read faults; deferred:
 * the IOTLB keeps translating for the batch timeout, every later read goes
 * through on a stale entry. %s: unmap policy. */
static const char unmap_fmt[] =
	ONE_PORT_HEAD
	"  - {name: d0, type: dma_source, max_outstanding: 1,\n"
	"     trace: {gen: random, base: 4GiB, window: 64KiB, size: 64, count: 100}}\n"
	"  - name: iommu\n"
	"    type: iommu\n"
	"    rc: rc\n"
	"    unmap_policy: %s\n"
	"    events: [{at: 20us, op: unmap, vm: vm0, iova: 4GiB, size: 64KiB}]\n"
	ONE_PORT_TAIL;

static void test_unmap_policies(void **state)
{
	(void)state;
	struct run r;
	char text[2048];
	snprintf(text, sizeof(text), unmap_fmt, "strict");
	run_text(&r, text, true);
	assert_int_equal(r.status, 0);
	uint64_t blocked = stat(&r, "iommu.faults.no_read");
	assert_true(blocked > 20 && blocked < 80);
	uint64_t stale = stat(&r, "iommu.stale_translations");
	assert_true(stale <= 1);        /* the read that came within the 600 ns flush */
	assert_int_equal(stat(&r, "iommu.unmap.flushes"), 1);
	assert_int_equal(stat(&r, "isolation.blocked"), blocked);
	run_free(&r);
	snprintf(text, sizeof(text), unmap_fmt, "deferred");
	run_text(&r, text, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);
	assert_int_equal(stat(&r, "iommu.stale_translations"), blocked + stale);
	assert_int_equal(stat(&r, "isolation.stale_exposures"), blocked + stale);
	assert_int_equal(stat(&r, "iommu.unmap.flush_timeout"), 1);
	run_free(&r);
	/* an event naming no VM is located bad input */
	snprintf(text, sizeof(text), unmap_fmt, "strict");
	subst(text, sizeof(text), "vm: vm0, iova", "vm: vmX, iova");
	run_text(&r, text, true);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "no VM 'vmX'"));
	run_free(&r);
}

/* ATS through the IOMMU: d0 (ATS, in vm0, 4 KiB pages) reads 16 pages; the
 * IOMMU answers its Translation Requests from the tables, and its translated
 * reads skip the IOMMU. A strict unmap at 20 us invalidates its device TLB
 * through the queue; the Translation Requests after it get no translation. */
static void test_ats(void **state)
{
	(void)state;
	struct run r;
	char text[2048];
	snprintf(text, sizeof(text), unmap_fmt, "strict\n    superpages: false");
	subst(text, sizeof(text), "type: dma_source,", "type: dma_source, ats: true,");
	subst(text, sizeof(text), "root_ports: 1}", "root_ports: 1, acs: [sv, rr, cr, uf]}");
	run_text(&r, text, true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	uint64_t treqs = stat(&r, "iommu.ats.translation_requests");
	assert_int_equal(treqs, stat(&r, "components.d0.ats.translation_requests"));
	assert_int_equal(stat(&r, "iommu.iotlb.lookups"), treqs);       /* only the TRs */
	assert_int_equal(stat(&r, "iommu.inv.devtlb"), 1);
	assert_int_equal(stat(&r, "components.d0.ats.invalidations"), 1);
	uint64_t none = stat(&r, "components.d0.ats.no_translation");
	assert_true(none > 20);                 /* every read after the unmap */
	assert_int_equal(stat(&r, "isolation.blocked"), none);
	assert_int_equal(stat(&r, "isolation.translated_bypass") + none, 100);
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);   /* a TR is not a DMA fault */
	run_free(&r);
}

static void test_host_devices(void **state)
{
	(void)state;
	struct run r;
	run(&r, "base: 4GiB, window: 64KiB, count: 1", "", 5);
	assert_int_equal(stat(&r, "iommu.pass_through"), 5);
	assert_int_equal(stat(&r, "flows.d1.reads"), 5);
	assert_int_equal(stat(&r, "components.d1.completion_errors"), 0);
	done(&r);
	run(&r, "base: 4GiB, window: 64KiB, count: 1", ", host: blocked", 5);
	/* d1 is alone on its bus: no context table, so the root entry is not present */
	assert_int_equal(stat(&r, "iommu.faults.root_not_present"), 5);
	assert_int_equal(stat(&r, "components.d1.completion_errors"), 5);
	done(&r);
}

/* enabled: false leaves the root complex untranslated. */
static void test_disabled(void **state)
{
	(void)state;
	struct run r;
	run(&r, "base: 8GiB, window: 64KiB, count: 10", ", enabled: false", 1);
	assert_int_equal(stat(&r, "iommu.iotlb.lookups"), 0);
	assert_int_equal(stat(&r, "isolation.violations"), 10);  /* outside vm0, and nothing stops it */
	assert_int_equal(stat(&r, "isolation.allowed"), 1);      /* d1 (host) reads host memory */
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_window_hits),
		cmocka_unit_test(test_misses_cost_walks),
		cmocka_unit_test(test_superpages),
		cmocka_unit_test(test_fault_blocks),
		cmocka_unit_test(test_fault_service),
		cmocka_unit_test(test_fpd),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_unmap_policies),
		cmocka_unit_test(test_ats),
		cmocka_unit_test(test_host_devices),
		cmocka_unit_test(test_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
