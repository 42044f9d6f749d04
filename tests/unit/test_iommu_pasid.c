/* test_iommu_pasid.c - the iommu component with PASIDs, guest-physical maps and registered-buffer DMA mapping */
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

/* One root port, memory, d0 in vm0 (1 GiB at HPA 4 GiB); %s: d0's trace, the IOMMU's
 * extra lines, vm0's extra keys. */
static const char fmt[] =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
	"  - {name: mem, type: memory, latency: 100ns}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: d0, type: dma_source, max_outstanding: 1, trace: %s}\n"
	"  - name: iommu\n"
	"    type: iommu\n"
	"    rc: rc\n"
	"    superpages: false\n"
	"%s"
	"vms:\n"
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB%s}], devices: [d0]%s}\n"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l0.up]\n"
	"  - [l0.down, d0.up]\n";

static void build(struct run *r, const char *trace, const char *iommu, const char *range,
		  const char *vm)
{
	char text[4096];
	snprintf(text, sizeof(text), fmt, trace, iommu, range, vm);
	run_text(r, text, true);
}

static void run(struct run *r, const char *trace, const char *iommu, const char *range,
		const char *vm)
{
	build(r, trace, iommu, range, vm);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

/* A text trace in a temporary file: n reads of d0 per (pasid, first IOVA) pair, one per page. */
static void write_trace(char *path, const char *const *lines, size_t n)
{
	strcpy(path, "/tmp/iovsim-test-pasid-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("#!iovsim-trace v1\n", f);
	for (size_t i = 0; i < n; i++)
		fputs(lines[i], f);
	fclose(f);
}

/* IOVA -> GPA: with gpa 0 the VM's guest-physical 0x1000 is host-physical 4 GiB + 0x1000;
 * identity would have faulted (nothing of vm0 is at HPA 0x1000), and the HPA itself is no
 * IOVA of the VM. */
static void test_gpa_translation(void **state)
{
	(void)state;
	struct run r;
	run(&r, "{gen: seq, base: 0x1000, window: 16KiB, size: 64, count: 8}", "", ", gpa: 0", "");
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);
	assert_int_equal(stat(&r, "isolation.allowed"), 8);        /* classed by HPA: vm0's */
	assert_int_equal(stat(&r, "components.rc.memory_requests"), 8);
	run_free(&r);
	run(&r, "{gen: seq, base: 4GiB, window: 16KiB, size: 64, count: 8}", "", ", gpa: 0", "");
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 8);
	assert_int_equal(stat(&r, "components.rc.memory_requests"), 0);
	run_free(&r);
	/* default gpa = base: identity, as before */
	run(&r, "{gen: seq, base: 4GiB, window: 16KiB, size: 64, count: 8}", "", "", "");
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);
	run_free(&r);
}

/* dma_map: registered maps only the buffers: DMA elsewhere in the VM's own memory faults
 * (full mapping lets it through), and a read-only buffer refuses writes. */
static void test_registered_buffers(void **state)
{
	(void)state;
	static const char bufs[] = ", dma_map: registered, buffers: [{iova: 0x100000, size: 64KiB},"
				   " {iova: 0x200000, size: 4KiB, perms: r}]";
	struct run r;
	run(&r, "{gen: seq, base: 0x100000, window: 64KiB, size: 64, count: 16}", "", ", gpa: 0",
	    bufs);
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);
	assert_int_equal(stat(&r, "isolation.allowed"), 16);
	run_free(&r);
	run(&r, "{gen: seq, base: 0x300000, window: 64KiB, size: 64, count: 16}", "", ", gpa: 0",
	    bufs);
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 16);
	assert_int_equal(stat(&r, "isolation.blocked"), 16);
	assert_int_equal(stat(&r, "components.rc.memory_requests"), 0);
	run_free(&r);
	run(&r, "{gen: seq, base: 0x300000, window: 64KiB, size: 64, count: 16}", "", ", gpa: 0",
	    ", dma_map: full");
	assert_int_equal(stat(&r, "iommu.faults.total"), 0);
	run_free(&r);
	run(&r, "{gen: seq, base: 0x200000, window: 4KiB, size: 64, count: 4, op: write}", "",
	    ", gpa: 0", bufs);
	assert_int_equal(stat(&r, "iommu.faults.no_write"), 4);
	run_free(&r);
	/* bad input, located */
	build(&r, "{gen: seq, count: 1}", "", ", gpa: 0",
	      ", dma_map: registered, buffers: [{iova: 2GiB, size: 4KiB}]");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "is not inside one memory range"));
	run_free(&r);
	build(&r, "{gen: seq, count: 1}", "", ", gpa: 0", ", dma_map: some");
	assert_int_equal(r.status, 2);
	run_free(&r);
	char text[4096];
	snprintf(text, sizeof(text), fmt, "{gen: seq, count: 1}", "", ", gpa: 0}, {base: 8GiB, "
		 "size: 4KiB, gpa: 0x1000", "");
	run_text(&r, text, true);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "overlaps another of its ranges"));
	run_free(&r);
}

/* PASIDs 1 and 2 of d0 map the same IOVAs; PASID 2 maps only another page. PASID 1 warms
 * the IOTLB on 16 pages; PASID 2 on the same IOVAs must fault, not hit PASID 1's entries. */
static void test_no_aliasing(void **state)
{
	(void)state;
	char path[64], trace[96], lines[48][64];
	const char *lp[48];
	for (unsigned k = 0; k < 48; k++) {
		unsigned pasid = k < 16 ? 1 : k < 32 ? 2 : 1;
		snprintf(lines[k], sizeof(lines[k]), "- d0 rd 0x%x 64 pasid=%u\n",
			 0x10000 + 4096 * (k % 16), pasid);
		lp[k] = lines[k];
	}
	write_trace(path, lp, 48);
	snprintf(trace, sizeof(trace), "%s", path);
	static const char pasids[] =
		"    pasids:\n"
		"      - {device: d0, pasid: 1, mode: nested, map: [{iova: 0x10000, gpa: 0x300000,"
		" size: 64KiB}]}\n"
		"      - {device: d0, pasid: 2, mode: nested, map: [{iova: 0x80000, gpa: 0x400000,"
		" size: 4KiB}]}\n";
	struct run r;
	run(&r, trace, pasids, ", gpa: 0", "");
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 16);
	assert_int_equal(stat(&r, "isolation.allowed"), 32);
	assert_int_equal(stat(&r, "iommu.iotlb.hits"), 16);    /* PASID 1's second round */
	assert_int_equal(stat(&r, "iommu.pasid_reads"), 4);    /* dir + entry, once per PASID */
	assert_int_equal(stat(&r, "iommu.pasid_cache.misses"), 2);
	assert_int_equal(stat(&r, "iommu.pasid_cache.hits"), 46);
	assert_true(stat(&r, "iommu.nested.fs_pwc.hits") > 0);
	run_free(&r);
	unlink(path);
}

/* Requests without PASID use RID_PASID 0 (second stage); PASIDs not given fault with their
 * scalable-mode reasons; first-stage-only PASIDs translate IOVA -> HPA with no
 * second-stage reads; FPD on the device silences the PASID faults. */
static void test_rid_pasid_and_faults(void **state)
{
	(void)state;
	char path[64];
	const char *lp[] = { "- d0 rd 0x1000 64\n", "- d0 rd 0x20000 64 pasid=5\n",
			     "- d0 rd 0x20000 64 pasid=6\n", "- d0 rd 0x20000 64 pasid=64\n",
			     "- d0 rd 0x20000 64 pasid=8192\n", "- d0 rd 0x21000 64 pasid=5\n" };
	write_trace(path, lp, 6);
	static const char pasids[] =
		"    pasids:\n"
		"      - {device: d0, pasid: 5, mode: first, map: [{iova: 0x20000, gpa: 0x10000,"
		" size: 4KiB, perms: r}]}\n";
	struct run r;
	run(&r, path, pasids, ", gpa: 0", "");
	assert_int_equal(stat(&r, "isolation.allowed"), 2);
	assert_int_equal(stat(&r, "iommu.faults.pasid_not_present"), 1);
	assert_int_equal(stat(&r, "iommu.faults.pasid_dir_not_present"), 1);
	assert_int_equal(stat(&r, "iommu.faults.pasid_above_max"), 1);
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 1);    /* 0x21000 not in PASID 5 */
	assert_int_equal(stat(&r, "iommu.faults.events"), 1);
	/* without PASID: 4 second-stage reads; PASID 5: 4 first-stage reads, then 1 (the
	 * first-stage walk cache has the level-2 entry; no second-stage reads at all) */
	assert_int_equal(stat(&r, "iommu.walk_reads"), 4 + 4 + 1);
	run_free(&r);
	char extra[512];
	snprintf(extra, sizeof(extra), "%s    fpd: [d0]\n", pasids);
	run(&r, path, extra, ", gpa: 0", "");
	assert_int_equal(stat(&r, "iommu.faults.total"), 4);
	assert_int_equal(stat(&r, "iommu.faults.events"), 0);
	run_free(&r);
	unlink(path);
}

/* At 20 us PASID 1's first stage is unmapped and PASID 2 revoked: one PASID-selective IOTLB
 * flush each (plus a PASID-cache flush for the revoke); afterwards both fault. */
static void test_unmap_and_revoke(void **state)
{
	(void)state;
	char path[64];
	const char *lp[] = { "0us d0 rd 0x10000 64 pasid=1\n", "1us d0 rd 0x10000 64 pasid=2\n",
			     "30us d0 rd 0x10000 64 pasid=1\n", "31us d0 rd 0x10000 64 pasid=2\n" };
	write_trace(path, lp, 4);
	static const char pasids[] =
		"    pasids:\n"
		"      - {device: d0, pasid: 1, mode: nested, map: [{iova: 0x10000, gpa: 0x300000,"
		" size: 4KiB}]}\n"
		"      - {device: d0, pasid: 2, mode: second}\n"
		"    events:\n"
		"      - {at: 20us, op: unmap, device: d0, pasid: 1, iova: 0x10000, size: 4KiB}\n"
		"      - {at: 20us, op: revoke, device: d0, pasid: 2}\n";
	struct run r;
	run(&r, path, pasids, ", gpa: 0", "");
	assert_int_equal(stat(&r, "isolation.allowed"), 2);
	assert_int_equal(stat(&r, "iommu.faults.no_read"), 1);
	assert_int_equal(stat(&r, "iommu.faults.pasid_not_present"), 1);
	assert_int_equal(stat(&r, "iommu.inv.iotlb_pasid"), 2);
	assert_int_equal(stat(&r, "iommu.inv.pc_pasid"), 1);
	assert_int_equal(stat(&r, "iommu.inv.pc_removed"), 1);
	assert_true(stat(&r, "iommu.inv.iotlb_removed") >= 1);
	run_free(&r);
	/* the VM's own domain may not be unmapped under a first-stage PASID */
	char bad[1024];
	snprintf(bad, sizeof(bad), "%s      - {at: 25us, op: unmap, vm: vm0, iova: 4GiB}\n", pasids);
	build(&r, path, bad, ", gpa: 0", "");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.e.msg, "first-stage PASIDs"));
	run_free(&r);
	unlink(path);
}

static void expect_bad(const char *iommu, const char *msg)
{
	struct run r;
	build(&r, "{gen: seq, count: 1}", iommu, "", "");
	assert_int_equal(r.status, 2);
	if (!strstr(r.e.msg, msg))
		fail_msg("wanted '%s' in: %s", msg, r.e.msg);
	run_free(&r);
}

static void test_bad_pasids(void **state)
{
	(void)state;
	expect_bad("    pasids: [{device: dX, pasid: 1}]\n", "'dX' is not a device function");
	expect_bad("    pasids: [{device: d0, pasid: 1}, {device: d0, pasid: 1}]\n",
		   "given twice");
	expect_bad("    pasids: [{device: d0, pasid: 1, map: [{iova: 0, gpa: 0, size: 4KiB}]}]\n",
		   "map is for first and nested PASIDs");
	expect_bad("    pasids: [{device: d0, pasid: 40000}]\n", "pasid");
	expect_bad("    pasids: [{device: d0, pasid: 1, mode: first, map: [{iova: 0, gpa: 2GiB,"
		   " size: 4KiB}]}]\n", "is not inside one memory range");
	expect_bad("    pasids: [{device: d0, pasid: 1}]\n"
		   "    events: [{at: 1us, op: revoke, device: d0, pasid: 2}]\n",
		   "no PASID 2 of device 'd0'");
	expect_bad("    events: [{at: 1us, op: revoke, vm: vm0}]\n", "revoke needs device and pasid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpa_translation),
		cmocka_unit_test(test_registered_buffers),
		cmocka_unit_test(test_no_aliasing),
		cmocka_unit_test(test_rid_pasid_and_faults),
		cmocka_unit_test(test_unmap_and_revoke),
		cmocka_unit_test(test_bad_pasids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
