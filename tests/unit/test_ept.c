/* test_ept.c - EPT build from VM ranges (gpa != hpa, superpages), MMIO holes, the EPT TLB, and the guest_cpu component */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/host/ept.h"
#include "test_run.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define TBASE 0x3c000000ull

static struct ept *ept_new(void)
{
	struct iov_err e = { 0 };
	struct ept *ept = ept_create(4, TBASE, 8 * MiB, &e);
	if (!ept)
		fail_msg("%s", e.msg);
	return ept;
}

/* vm0: GPA 0 -> HPA 4 GiB (2 MiB + 16 KiB), GPA 4 GiB -> HPA 10 GiB (1 GiB). */
static struct sim_vm_range two_ranges[2] = {
	{ .base = 4 * GiB, .size = 2 * MiB + 16 * KiB, .gpa = 0 },
	{ .base = 10 * GiB, .size = 1 * GiB, .gpa = 4 * GiB },
};
static struct sim_vm vm_two = { .name = "vm0", .nranges = 2, .ranges = two_ranges };

static void walk_expect(const struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t page)
{
	struct pgt_walk w;
	ept_walk(ept, gpa, &w);
	assert_int_equal(w.status, PGT_WALK_OK);
	assert_int_equal(w.pa, hpa);
	assert_int_equal(w.page_size, page);
	assert_int_equal(w.perms, PGT_PERM_RW);
}

static void test_build_superpages(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct ept *ept = ept_new();
	assert_int_equal(ept_map_vm(ept, &vm_two, PGT_PGSIZES_ALL, &e), 0);
	/* one 2 MiB page + 4 x 4 KiB for the first range, one 1 GiB page for the second */
	assert_int_equal(ept->pt->leaves[0], 4);
	assert_int_equal(ept->pt->leaves[1], 1);
	assert_int_equal(ept->pt->leaves[2], 1);
	walk_expect(ept, 0x1234, 4 * GiB + 0x1234, 2 * MiB);
	walk_expect(ept, 2 * MiB + 0x3008, 4 * GiB + 2 * MiB + 0x3008, 4 * KiB);
	walk_expect(ept, 4 * GiB + 5, 10 * GiB + 5, GiB);
	/* the tables really are in simulated memory: the root entry points to the PDPT */
	uint64_t root_entry;
	assert_int_equal(physmem_read64(ept->pm, ept->pt->root, &root_entry), 0);
	assert_true(root_entry & PGT_ENTRY_R);
	assert_true(physmem_in_region(ept->pm, root_entry & PGT_ENTRY_ADDR));
	/* just past the first range, and between the ranges: not mapped */
	struct pgt_walk w;
	ept_walk(ept, 2 * MiB + 16 * KiB, &w);
	assert_int_equal(w.status, PGT_WALK_NOT_PRESENT);
	ept_walk(ept, 3 * GiB, &w);
	assert_int_equal(w.status, PGT_WALK_NOT_PRESENT);
	ept_walk(ept, 1ull << 48, &w);
	assert_int_equal(w.status, PGT_WALK_BEYOND_WIDTH);
	ept_free(ept);
}

static void test_build_4k_only(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct ept *ept = ept_new();
	assert_int_equal(ept_map_vm(ept, &vm_two, PGT_PGSIZES_4K, &e), 0);
	assert_int_equal(ept->pt->leaves[0], (2 * MiB + 16 * KiB + GiB) / (4 * KiB));
	assert_int_equal(ept->pt->leaves[1] + ept->pt->leaves[2], 0);
	walk_expect(ept, 4 * GiB + 3 * MiB + 7, 10 * GiB + 3 * MiB + 7, 4 * KiB);
	ept_free(ept);
}

/* HPA not 2 MiB aligned where the GPA is: no superpage, though allowed. */
static void test_superpage_needs_both_aligned(void **state)
{
	(void)state;
	struct sim_vm_range r = { .base = 4 * GiB + 64 * KiB, .size = 4 * MiB, .gpa = 2 * MiB };
	struct sim_vm vm = { .name = "vmx", .nranges = 1, .ranges = &r };
	struct iov_err e = { 0 };
	struct ept *ept = ept_new();
	assert_int_equal(ept_map_vm(ept, &vm, PGT_PGSIZES_ALL, &e), 0);
	assert_int_equal(ept->pt->leaves[1], 0);
	assert_int_equal(ept->pt->leaves[0], 1024);
	walk_expect(ept, 2 * MiB, 4 * GiB + 64 * KiB, 4 * KiB);
	ept_free(ept);
}

/* 5-level EPT (57-bit GPA): a 4 KiB walk reads 5 entries; 3 levels do not exist for EPT. */
static void test_five_levels(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	assert_null(ept_create(3, TBASE, 8 * MiB, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	e = (struct iov_err){ 0 };
	struct ept *ept = ept_create(5, TBASE, 8 * MiB, &e);
	assert_non_null(ept);
	assert_int_equal(ept_map(ept, 1ull << 50, 4 * GiB, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL,
				 &e), 0);
	struct pgt_walk w;
	ept_walk(ept, (1ull << 50) + 8, &w);
	assert_int_equal(w.status, PGT_WALK_OK);
	assert_int_equal(w.nsteps, 5);
	assert_int_equal(w.pa, 4 * GiB + 8);
	ept_free(ept);
}

static void test_overlapping_maps_refused(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct ept *ept = ept_new();
	assert_int_equal(ept_map_vm(ept, &vm_two, PGT_PGSIZES_ALL, &e), 0);
	assert_int_equal(ept_map(ept, 2 * MiB, 20 * GiB, 64 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL,
				 &e), -1);
	assert_non_null(strstr(e.msg, "already mapped"));
	/* a hole next to it is fine, read-only */
	e = (struct iov_err){ 0 };
	assert_int_equal(ept_map(ept, 2 * MiB + 16 * KiB, 4 * GiB + 4 * MiB, 4 * KiB, PGT_PERM_R,
				 PGT_PGSIZES_ALL, &e), 0);
	struct pgt_walk w;
	ept_walk(ept, 2 * MiB + 16 * KiB, &w);
	assert_int_equal(w.status, PGT_WALK_OK);
	assert_int_equal(w.perms, PGT_PERM_R);
	ept_free(ept);
}

static void test_mmio_holes(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct ept *ept = ept_new();
	assert_int_equal(ept_map_vm(ept, &vm_two, PGT_PGSIZES_ALL, &e), 0);
	assert_int_equal(ept_add_mmio(ept, 0xfebf0000, 4 * KiB, &e), 0);
	assert_true(ept_is_mmio(ept, 0xfebf0ffc));
	assert_false(ept_is_mmio(ept, 0xfebf1000));
	assert_false(ept_is_mmio(ept, 0x1000));
	struct pgt_walk w;
	ept_walk(ept, 0xfebf0000, &w);
	assert_int_equal(w.status, PGT_WALK_NOT_PRESENT);       /* left unmapped: it traps */
	/* over guest memory (the last 4 KiB page of the first range, and the 1 GiB page) */
	assert_int_equal(ept_add_mmio(ept, 2 * MiB + 8 * KiB, 64 * KiB, &e), -1);
	assert_non_null(strstr(e.msg, "overlaps mapped guest memory (at 0x202000)"));
	assert_int_equal(ept_add_mmio(ept, 5 * GiB - 4 * KiB, 8 * KiB, &e), -1);
	/* over another MMIO range; beyond the width */
	struct iov_err e2 = { 0 };
	assert_int_equal(ept_add_mmio(ept, 0xfebf0800, 4 * KiB, &e2), -1);
	assert_non_null(strstr(e2.msg, "overlaps MMIO range"));
	assert_int_equal(ept_add_mmio(ept, (1ull << 48) - 4 * KiB, 8 * KiB, &e), -1);
	assert_int_equal(ept->nmmio, 1);
	ept_free(ept);
}

static void test_hpa_owned(void **state)
{
	(void)state;
	struct sim_vm_range r[2] = { { .base = 4 * GiB, .size = GiB, .gpa = 0 },
				     { .base = 5 * GiB, .size = GiB, .gpa = 2 * GiB } };
	struct sim_vm vm = { .name = "v", .nranges = 2, .ranges = r };
	assert_true(ept_hpa_owned(&vm, 4 * GiB, 4 * KiB));
	assert_true(ept_hpa_owned(&vm, 5 * GiB - 4 * KiB, 8 * KiB));    /* adjacent ranges */
	assert_false(ept_hpa_owned(&vm, 6 * GiB - 4 * KiB, 8 * KiB));
	assert_false(ept_hpa_owned(&vm, 0, 4 * KiB));
}

static struct sacache *tlb_new(uint64_t entries, uint64_t ways)
{
	struct iov_err e = { 0 };
	struct sacache_geom g = { entries, ways, SACACHE_LRU };
	struct sacache *c = sacache_create(&g, EPT_TLB_TAG_MASK, 1, "tlb", &e);
	if (!c)
		fail_msg("%s", e.msg);
	return c;
}

static void test_tlb(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct ept *ept = ept_new();
	assert_int_equal(ept_map_vm(ept, &vm_two, PGT_PGSIZES_ALL, &e), 0);
	struct sacache *tlb = tlb_new(64, 4);
	struct ept_tlb_hit h;
	assert_false(ept_tlb_lookup(tlb, 0x1000, &h));
	struct pgt_walk w;
	ept_walk(ept, 0x1000, &w);
	ept_tlb_fill(tlb, &w);
	/* another address of the same 2 MiB page hits, with its own offset */
	assert_true(ept_tlb_lookup(tlb, 0x1fff00, &h));
	assert_int_equal(h.hpa, 4 * GiB + 0x1fff00);
	assert_int_equal(h.page_size, 2 * MiB);
	assert_int_equal(h.perms, PGT_PERM_RW);
	/* the 4 KiB tail is a separate page; the 1 GiB page one entry for all of it */
	assert_false(ept_tlb_lookup(tlb, 2 * MiB, &h));
	ept_walk(ept, 4 * GiB, &w);
	ept_tlb_fill(tlb, &w);
	assert_true(ept_tlb_lookup(tlb, 5 * GiB - 8, &h));
	assert_int_equal(h.hpa, 11 * GiB - 8);
	assert_int_equal(h.page_size, GiB);
	assert_int_equal(sacache_count_valid(tlb), 2);
	sacache_destroy(tlb);
	ept_free(ept);
}

/* ---------------------------------------------------------- component -- */

#define HEAD                                                                           \
	"name: t\n"                                                                    \
	"components:\n"                                                                \
	"  - {name: hv, type: host, vcpus: 2}\n"
#define VMS                                                                            \
	"vms:\n"                                                                       \
	"  - {name: vm0, memory: [{base: 4GiB, size: 64MiB, gpa: 0}]}\n"                \
	"  - {name: vm1, memory: [{base: 6GiB, size: 64MiB, gpa: 0}]}\n"

static void run_ok(struct run *r, const char *text)
{
	run_text(r, text, true);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

/* 128 loads over 8 KiB: with 4 KiB EPT pages 2 walks, 126 TLB hits; all allowed. */
static void test_run_tlb_hits(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, HEAD
	       "  - {name: c0, type: guest_cpu, vm: vm0, superpages: false,\n"
	       "     trace: {gen: seq, base: 0x10000, window: 8KiB, size: 64, count: 128}}\n" VMS);
	assert_int_equal(stat(&r, "ept.accesses"), 128);
	assert_int_equal(stat(&r, "ept.walks"), 2);
	assert_int_equal(stat(&r, "ept.walk_reads"), 8);       /* 4 levels each */
	assert_int_equal(stat(&r, "ept.tlb.hits"), 126);
	assert_int_equal(stat(&r, "ept.vms.vm0.tlb.misses"), 2);
	assert_true(stat(&r, "ept.tlb.hit_rate") == 126.0 / 128.0);
	assert_true(stat(&r, "ept.vms.vm0.tlb.hit_rate") == 126.0 / 128.0);
	assert_int_equal(stat(&r, "cpu.isolation.allowed"), 128);
	assert_int_equal(stat(&r, "cpu.isolation.vms.vm0.allowed"), 128);
	assert_int_equal(stat(&r, "ept.vms.vm0.pages_4k"), 64 * MiB / (4 * KiB));
	assert_int_equal(stat(&r, "vm_exits.total"), 0);
	/* 126 x 1 + 2 x (1 + 4 x 30) cycles of translation (defaults) */
	assert_int_equal(stat(&r, "ept.translate_cycles"), 126 + 2 * 121);
	/* back to back at 2 GHz (0.5 ns a cycle): the last access (a hit, 1 + 4 cycles) starts at the
	 * end time, after 128 x 4 + those translation cycles less its own */
	assert_int_equal(stat(&r, "sim.time_ps"), (128 * 4 + 126 + 2 * 121 - 5) * 500);
	run_free(&r);
}

/* Two vCPUs of one VM: one EPT (built once), a TLB each (each misses once on the same page). */
static void test_run_tlb_per_vcpu(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, HEAD
	       "  - {name: c0, type: guest_cpu, vm: vm0, trace: {gen: seq, window: 4KiB, count: 10}}\n"
	       "  - {name: c1, type: guest_cpu, vm: vm0, vcpu: 1,\n"
	       "     trace: {gen: seq, window: 4KiB, count: 10}}\n" VMS);
	assert_int_equal(stat(&r, "ept.vms.vm0.walks"), 2);
	assert_int_equal(stat(&r, "ept.vms.vm0.tlb.hits"), 18);
	assert_int_equal(stat(&r, "ept.vms.vm0.tables"), 3);     /* PML4, PDPT, PD: 2 MiB pages */
	assert_int_equal(stat(&r, "ept.vms.vm0.pages_2m"), 32);
	assert_int_equal(stat(&r, "ept.accesses"), 20);
	run_free(&r);
}

/* MMIO exits through the host; violations on a second vCPU sharing the EPT; kill. */
static void test_run_mmio_and_violations(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, HEAD
	       "  - {name: c0, type: guest_cpu, vm: vm0, mmio: [{gpa: 0xfebf0000, size: 4KiB}],\n"
	       "     trace: {gen: seq, base: 0xfebf0000, window: 4KiB, size: 4, count: 5, op: write}}\n"
	       "  - {name: c1, type: guest_cpu, vm: vm0, vcpu: 1,\n"
	       "     trace: {gen: seq, base: 64MiB, window: 4KiB, size: 64, count: 3}}\n"
	       "  - {name: c2, type: guest_cpu, vm: vm1, on_violation: kill,\n"
	       "     trace: {gen: seq, base: 0x3fff000, window: 8KiB, size: 4KiB, count: 4}}\n"
	       "  - {name: c3, type: guest_cpu, vm: vm1, vcpu: 1,\n"
	       "     trace: {gen: seq, window: 4KiB, size: 64, count: 100, interval: 1us}}\n"
	       VMS);
	assert_int_equal(stat(&r, "ept.mmio_exits"), 5);
	assert_int_equal(stat(&r, "vm_exits.by_reason.mmio"), 5);
	assert_int_equal(stat(&r, "vm_exits.vms.vm0.total"), 5);
	assert_int_equal(stat(&r, "vm_exits.vms.vm0.cycles"), 5 * 6732);
	/* MMIO is never a TLB hit: each access walks again (nothing to cache) */
	assert_int_equal(stat(&r, "ept.vms.vm0.walks"), 5 + 3);
	/* c1 (vm0, vCPU 1): just past vm0's 64 MiB, 3 violations, blocked, trace goes on */
	assert_int_equal(stat(&r, "ept.vms.vm0.violations"), 3);
	assert_int_equal(stat(&r, "cpu.isolation.vms.vm0.blocked"), 3);
	assert_int_equal(stat(&r, "hypervisor.vms.vm0.cpu_cycles"), 5 * 6732 + 3 * 2565);
	/* c2 (vm1): its last page is allowed, the next one a violation: the VM is killed
	 * there (at 47.5 ns), so c3, its other vCPU, stops after its first access too */
	assert_int_equal(stat(&r, "ept.vms.vm1.accesses"), 2 + 1);
	assert_int_equal(stat(&r, "cpu.isolation.vms.vm1.allowed"), 1 + 1);
	assert_int_equal(stat(&r, "ept.vms.vm1.kills"), 1);
	assert_int_equal(stat(&r, "ept.violations"), 4);
	assert_int_equal(stat(&r, "cpu.isolation.violations"), 0);
	/* one EPT per VM, shared by vCPUs: vm0's was built once */
	assert_true(stat(&r, "ept.vms.vm0.tables") >= 3);
	run_free(&r);
}

/* A misconfigured EPT allowed on purpose: the accesses are violations, counted. */
static void test_run_allow_foreign(void **state)
{
	(void)state;
	struct run r;
	run_ok(&r, HEAD
	       "  - {name: c0, type: guest_cpu, vm: vm0, allow_foreign: true,\n"
	       "     extra: [{gpa: 1GiB, hpa: 6GiB, size: 4KiB, perms: r}],\n"
	       "     trace: {gen: seq, base: 1GiB, window: 4KiB, size: 64, count: 4, op: readwrite}}\n"
	       VMS);
	assert_int_equal(stat(&r, "cpu.isolation.violations"), 2);     /* the loads */
	assert_int_equal(stat(&r, "cpu.isolation.vms.vm0.violations"), 2);
	assert_int_equal(stat(&r, "ept.violations"), 2);               /* the stores: read-only */
	run_free(&r);
}

static void bad(const char *comps, const char *needle)
{
	char text[4096];
	snprintf(text, sizeof(text), HEAD "%s" VMS, comps);
	struct run r;
	run_text(&r, text, false);
	if (r.status != IOV_BAD_INPUT)
		fail_msg("accepted (status %d): %s", r.status, comps);
	if (!strstr(r.e.msg, needle))
		fail_msg("'%s' not in: %s", needle, r.e.msg);
	if (!strstr(r.e.msg, ": error: "))
		fail_msg("not located: %s", r.e.msg);
	run_free(&r);
}

#define GEN "trace: {gen: seq, count: 1}"

static void test_misconfigured_caught_at_load(void **state)
{
	(void)state;
	bad("  - {name: c0, type: guest_cpu, vm: vm0, mmio: [{gpa: 0x1000, size: 4KiB}], " GEN "}\n",
	    "overlaps mapped guest memory");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, extra: [{gpa: 1GiB, hpa: 6GiB, size: 4KiB}], "
	    GEN "}\n", "is not memory of VM 'vm0' (0x180000000 is memory of VM 'vm1')");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, extra: [{gpa: 1GiB, hpa: 1GiB, size: 4KiB}], "
	    GEN "}\n", "owned by no VM");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, allow_foreign: true,\n"
	    "     extra: [{gpa: 32MiB, hpa: 6GiB, size: 4KiB}], " GEN "}\n", "already mapped");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, table_base: 6GiB, " GEN "}\n",
	    "overlaps memory of VM 'vm1'");
	bad("  - {name: c0, type: guest_cpu, vm: vm9, " GEN "}\n", "not a VM of the scenario");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, vcpu: 2, " GEN "}\n", "has 2 vCPUs");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, " GEN "}\n"
	    "  - {name: c1, type: guest_cpu, vm: vm0, mmio: [{gpa: 1GiB, size: 4KiB}], " GEN "}\n",
	    "is built by guest_cpu 'c0'");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, host: nohost, " GEN "}\n",
	    "needs a host component named nohost");
	bad("  - {name: c0, type: guest_cpu, vm: vm0, trace: {gen: seq, window: 4, size: 64}}\n",
	    "window");
}

/* Trace records a CPU cannot do stop the run as bad input (exit 2), not silently. */
static void run_trace_expect_error(const char *records, const char *needle)
{
	char tpath[] = "/tmp/iovsim-test-ept-XXXXXX";
	int fd = mkstemp(tpath);
	assert_true(fd >= 0);
	char body[512];
	snprintf(body, sizeof(body), "#!iovsim-trace v1\n%s", records);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	char text[2048];
	snprintf(text, sizeof(text), HEAD "  - {name: c0, type: guest_cpu, vm: vm0, trace: %s}\n" VMS,
		 tpath);
	struct run r;
	run_text(&r, text, true);
	unlink(tpath);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	if (!strstr(r.e.msg, needle))
		fail_msg("'%s' not in: %s", needle, r.e.msg);
	run_free(&r);
}

static void test_run_bad_records(void **state)
{
	(void)state;
	run_trace_expect_error("0ns c0 rd 0x1000 64\n0ns c0 msi 0xfee00000 4\n",
			       "msi records are not CPU accesses");
	run_trace_expect_error("0ns c0 wr 0xfffffffffffff000 8KiB\n", "wraps past the top");
}

/* The seed scenario with the IOMMU off: the DMA reaches vm1, the CPU is still stopped. */
static void test_seed_iommu_off(void **state)
{
	(void)state;
	struct param_override ovr[1] = { { "iommu", "false" } };
	struct run r = { 0 };
	if (scenario_load(IOVSIM_SOURCE_DIR "/scenarios/seed/ept-vs-iommu.yaml", ovr, 1, NULL,
			  &r.scen, &r.e))
		fail_msg("%s", r.e.msg);
	r.s = sim_build(r.scen, SIM_KERNEL_NATIVE, 1, &r.e);
	if (!r.s || sim_execute(r.s, NULL, NULL, &r.e))
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "isolation.violations"), 8);
	assert_int_equal(stat(&r, "isolation.vms.vm0.violations"), 8);
	assert_int_equal(stat(&r, "cpu.isolation.blocked"), 3);
	assert_int_equal(stat(&r, "cpu.isolation.violations"), 0);
	assert_int_equal(stat(&r, "ept.mmio_exits"), 2);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_superpages),
		cmocka_unit_test(test_build_4k_only),
		cmocka_unit_test(test_superpage_needs_both_aligned),
		cmocka_unit_test(test_five_levels),
		cmocka_unit_test(test_overlapping_maps_refused),
		cmocka_unit_test(test_mmio_holes),
		cmocka_unit_test(test_hpa_owned),
		cmocka_unit_test(test_tlb),
		cmocka_unit_test(test_run_tlb_hits),
		cmocka_unit_test(test_run_tlb_per_vcpu),
		cmocka_unit_test(test_run_mmio_and_violations),
		cmocka_unit_test(test_run_allow_foreign),
		cmocka_unit_test(test_misconfigured_caught_at_load),
		cmocka_unit_test(test_run_bad_records),
		cmocka_unit_test(test_seed_iommu_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
