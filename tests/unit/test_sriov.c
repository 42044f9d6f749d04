/* test_sriov.c - SR-IOV: registers and write mask, VF life, RIDs, buses, VF BARs, routing, DMA, audit */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/pcie/audit.h"
#include "models/pcie/pcie_topo.h"
#include "models/pcie/sriov.h"
#include "sim.h"
#include "test_run.h"

/* ---- helpers ---------------------------------------------------------------------- */

/* nic0 (a dma_source PF, %s: its sriov map, %s: its trace) below rc.rp0, d1
 * below rc.rp1 (%s: d1's trace), %s: more components, %s: vms. */
static const char *const fmt =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 2, p2p: true}\n"
	"  - {name: mem, type: memory, latency: 100ns}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: l1, type: pcie_link, gen: 3, width: 8}\n"
	"  - name: nic0\n"
	"    type: dma_source\n"
	"    bars: [1MiB]\n"
	"    caps: [msix]\n"
	"    sriov: %s\n"
	"    trace: %s\n"
	"  - {name: d1, type: dma_source, bars: [64KiB], max_outstanding: 1, trace: %s}\n"
	"%s"
	"%s"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l0.up]\n"
	"  - [l0.down, nic0.up]\n"
	"  - [rc.rp1, l1.up]\n"
	"  - [l1.down, d1.up]\n";

#define SEQ1 "{gen: seq, size: 64, count: 1}"

static void build(struct run *r, const char *sriov, const char *trace, const char *d1,
		  const char *more, const char *vms, bool execute)
{
	char text[8192];
	snprintf(text, sizeof(text), fmt, sriov, trace, d1, more, vms);
	run_text(r, text, execute);
}

static void build_ok(struct run *r, const char *sriov, const char *trace, const char *more,
		     const char *vms, bool execute)
{
	build(r, sriov, trace, SEQ1, more, vms, execute);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

static struct pcie_fn *fn_named(struct run *r, const char *name)
{
	struct pcie_topo *t = pcie_topo_of(r->s);
	for (unsigned i = 0; t && i < t->nfns; i++)
		if (!strcmp(t->fns[i]->name, name))
			return t->fns[i];
	return NULL;
}

static struct sriov_pf *pf_of(struct run *r)
{
	struct pcie_fn *f = fn_named(r, "nic0");
	assert_non_null(f);
	assert_non_null(f->sriov);
	return f->sriov;
}

/* A trace file with 'body' (records); path returned in buf. */
static const char *trace_file(char *buf, size_t len, const char *body)
{
	snprintf(buf, len, "/tmp/iovsim-sriov-XXXXXX");
	int fd = mkstemp(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	return buf;
}

#define SR(extra) "{total_vfs: 16, first_vf_offset: 1, vf_stride: 1, vf_bars: [16KiB, 64KiB]" \
	extra "}"

/* ---- registers -------------------------------------------------------------------- */

static void test_read_only_fields(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", vf_device_id: 0x10ca"), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_HDR, 2), SRIOV_CAP_ID);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_HDR, 4) >> 16 & 0xf, 1);
	static const unsigned ro[] = { SRIOV_HDR, SRIOV_CAPS, SRIOV_INITIAL_VFS, SRIOV_TOTAL_VFS,
				       SRIOV_FIRST_VF_OFFSET, SRIOV_VF_STRIDE, SRIOV_VF_DEVICE_ID,
				       SRIOV_SUP_PAGE_SIZES, SRIOV_MIGR_ARRAY };
	for (size_t i = 0; i < sizeof(ro) / sizeof(*ro); i++) {
		uint32_t before = sriov_cfg_read(sp, ro[i], 2);
		assert_int_equal(sriov_cfg_write(sp, ro[i], 0x5a5a, 2), 0);
		assert_int_equal(sriov_cfg_read(sp, ro[i], 2), before);
	}
	assert_int_equal(sriov_cfg_read(sp, SRIOV_TOTAL_VFS, 2), 16);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_INITIAL_VFS, 2), 16);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_VF_DEVICE_ID, 2), 0x10ca);
	/* VF migration is not modelled: its control bits do not stick */
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_VFM | SRIOV_CTRL_VFMIE, 2);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_CTRL, 2), 0);
	/* misaligned or outside: refused, nothing written */
	assert_int_equal(sriov_cfg_write(sp, SRIOV_NUM_VFS + 1, 3, 2), -1);
	assert_int_equal(sriov_cfg_write(sp, SRIOV_CAP_SIZE, 3, 4), -1);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_CAP_SIZE, 4), 0xffffffffu);
	assert_int_equal(sriov_num_vfs_reg(sp), 0);
	run_free(&r);
}

/* Sizing a VF BAR the way firmware does: write all ones, read the mask back. */
static void test_vf_bar_sizing(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(""), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	uint32_t lo0 = sriov_cfg_read(sp, SRIOV_VF_BAR(0), 4);
	assert_int_equal(lo0 & 0xf, SRIOV_BAR_TYPE);            /* 64-bit prefetchable */
	sriov_cfg_write(sp, SRIOV_VF_BAR(0), 0xffffffffu, 4);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_VF_BAR(0), 4), ~(16384u - 1) | SRIOV_BAR_TYPE);
	sriov_cfg_write(sp, SRIOV_VF_BAR(2), 0xffffffffu, 4);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_VF_BAR(2), 4), ~(65536u - 1) | SRIOV_BAR_TYPE);
	sriov_cfg_write(sp, SRIOV_VF_BAR(4), 0xffffffffu, 4);  /* unused BAR: all zero */
	assert_int_equal(sriov_cfg_read(sp, SRIOV_VF_BAR(4), 4), 0);
	sriov_cfg_write(sp, SRIOV_VF_BAR(0), lo0, 4);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_VF_BAR(0), 4), lo0);
	run_free(&r);
}

/* NumVFs, ARI and the VF BARs are frozen while VF Enable is set; toggling VF
 * Enable creates and removes the VFs in the topology. */
static void test_vf_enable_locks_and_toggles(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(""), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	struct pcie_topo *t = pcie_topo_of(r.s);
	unsigned base_fns = t->nfns;
	uint32_t bar0 = sriov_cfg_read(sp, SRIOV_VF_BAR(0), 4);
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_ARI, 2);
	sriov_cfg_write(sp, SRIOV_NUM_VFS, 4, 2);
	assert_int_equal(sriov_num_vfs(sp), 0);                 /* not before VF Enable */
	assert_null(fn_named(&r, "nic0.vf1"));
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_ARI | SRIOV_CTRL_VFE | SRIOV_CTRL_MSE, 2);
	assert_int_equal(sriov_num_vfs(sp), 4);
	assert_int_equal(t->nfns, base_fns + 4);
	assert_non_null(fn_named(&r, "nic0.vf4"));
	assert_null(fn_named(&r, "nic0.vf5"));
	/* locked */
	sriov_cfg_write(sp, SRIOV_NUM_VFS, 9, 2);
	assert_int_equal(sriov_num_vfs_reg(sp), 4);
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_VFE | SRIOV_CTRL_MSE, 2);  /* ARI clear */
	assert_true(sriov_ari(sp));
	sriov_cfg_write(sp, SRIOV_VF_BAR(0), 0xffffffffu, 4);
	assert_int_equal(sriov_cfg_read(sp, SRIOV_VF_BAR(0), 4), bar0);
	assert_int_equal(sriov_num_vfs(sp), 4);
	/* VF MSE off: the VFs' BARs stop decoding */
	uint64_t a3 = sriov_vf(sp, 3)->bars[0].addr;
	assert_int_equal(sriov_vf_at(sp, a3), 3);
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_ARI | SRIOV_CTRL_VFE, 2);
	assert_int_equal(sriov_vf_at(sp, a3), 0);
	assert_null(pcie_fn_at(t, a3));
	/* VF Enable off: gone, unlocked */
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_ARI, 2);
	assert_int_equal(sriov_num_vfs(sp), 0);
	assert_int_equal(t->nfns, base_fns);
	assert_null(fn_named(&r, "nic0.vf1"));
	sriov_cfg_write(sp, SRIOV_NUM_VFS, 9, 2);
	assert_int_equal(sriov_num_vfs_reg(sp), 9);
	/* NumVFs > TotalVFs at VF Enable: no VFs (undefined by the spec), counted */
	sriov_cfg_write(sp, SRIOV_NUM_VFS, 17, 2);
	sriov_cfg_write(sp, SRIOV_CTRL, SRIOV_CTRL_VFE, 2);
	assert_int_equal(sriov_num_vfs(sp), 0);
	assert_int_equal(stat(&r, "components.nic0.sriov.refused"), 1);
	assert_int_equal(stat(&r, "components.nic0.sriov.vf_enables"), 1);
	sriov_reset(sp);
	assert_false(sriov_vf_enabled(sp));
	assert_int_equal(sriov_num_vfs_reg(sp), 0);
	run_free(&r);
}

/* ---- routing IDs and buses -------------------------------------------------------- */

static void test_rid_arithmetic(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, "{total_vfs: 8, num_vfs: 8, first_vf_offset: 4, vf_stride: 2}", SEQ1, "",
		 "", false);
	struct sriov_pf *sp = pf_of(&r);
	uint16_t pf = sp->pf->rid;
	assert_int_equal(pf, 0x0100);
	for (unsigned n = 1; n <= 8; n++) {
		assert_int_equal(sriov_vf(sp, n)->rid, pf + 4 + 2 * (n - 1));
		assert_int_equal(sriov_vf_of_rid(sp, (uint16_t)(pf + 4 + 2 * (n - 1))), n);
		assert_ptr_equal(pcie_fn_by_rid(pcie_topo_of(r.s), sriov_vf(sp, n)->rid),
				 sriov_vf(sp, n));
	}
	assert_int_equal(sriov_vf_of_rid(sp, (uint16_t)(pf + 5)), 0);     /* between VFs */
	assert_int_equal(sriov_vf_of_rid(sp, pf), 0);
	assert_int_equal(sriov_vf_index(sriov_vf(sp, 5)), 5);
	assert_string_equal(sriov_vf(sp, 5)->name, "nic0.vf5");
	assert_ptr_equal(sriov_fn_by_name(sp, "nic0.vf8"), sriov_vf(sp, 8));
	assert_null(sriov_fn_by_name(sp, "nic0.vf9"));
	assert_null(sriov_fn_by_name(sp, "nic0.vf0"));
	assert_null(sriov_fn_by_name(sp, "nic0.vf01"));
	run_free(&r);
}

/* VFs past function 255 land on the next bus: the enumerator reserves it
 * below the PF's port (at TotalVFs), the next root port starts after it, and
 * a VF on the second bus gets its completions back. */
static void test_bus_crossing(void **state)
{
	(void)state;
	char path[64], trace[128];
	trace_file(path, sizeof(path), "0ns nic0.vf40 rd 0x10000 64\n0ns nic0.vf1 rd 0x20000 64\n");
	snprintf(trace, sizeof(trace), "%s", path);
	struct run r;
	build_ok(&r, "{total_vfs: 64, num_vfs: 40, first_vf_offset: 128, vf_stride: 4}", trace, "",
		 "", true);
	struct sriov_pf *sp = pf_of(&r);
	const struct pcie_fn *rp0 = fn_named(&r, "rc.rp0"), *rp1 = fn_named(&r, "rc.rp1");
	/* VF 64 (TotalVFs) would be 0x100 + 128 + 252 = 0x27c: bus 2 */
	assert_int_equal(rp0->sec, 1);
	assert_int_equal(rp0->sub, 2);
	assert_int_equal(rp1->sec, 3);
	assert_int_equal(fn_named(&r, "d1")->rid, 0x0300);
	assert_int_equal(sriov_vf(sp, 32)->rid, 0x01fc);
	assert_int_equal(sriov_vf(sp, 33)->rid, 0x0200);        /* 02:00.0 */
	assert_int_equal(sriov_vf(sp, 40)->rid, 0x021c);
	assert_int_equal(stat(&r, "flows.nic0_vf40.reads"), 1);
	assert_int_equal(stat(&r, "flows.nic0_vf1.reads"), 1);
	assert_int_equal(stat(&r, "components.nic0.completion_errors"), 0);
	run_free(&r);
	unlink(path);
}

/* ---- VF BARs ---------------------------------------------------------------------- */

static void test_vf_bar_placement(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", num_vfs: 5"), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	const struct pcie_fn *rp0 = fn_named(&r, "rc.rp0");
	uint64_t size[2] = { 16384, 65536 };
	for (unsigned k = 0; k < 2; k++) {
		uint64_t base = sriov_vf_bar_base(sp, k), align = 0;
		assert_int_equal(sriov_vf_bar_span(sp, k, &align), 16 * size[k]);  /* TotalVFs */
		assert_int_equal(align, size[k]);
		assert_int_equal(base % size[k], 0);
		assert_true(base >= rp0->win_base && base + 16 * size[k] <= rp0->win_limit);
		/* clear of the PF's BAR */
		const struct pcie_bar *pb = &sp->pf->bars[0];
		assert_true(base >= pb->addr + pb->size || base + 16 * size[k] <= pb->addr);
		for (unsigned n = 1; n <= 5; n++) {
			const struct pcie_fn *v = sriov_vf(sp, n);
			assert_int_equal(v->nbars, 2);
			assert_int_equal(v->bars[k].addr, base + (n - 1) * size[k]);
			assert_int_equal(v->bars[k].size, size[k]);
			assert_ptr_equal(pcie_fn_at(pcie_topo_of(r.s), v->bars[k].addr + 8), v);
		}
	}
	assert_true(sriov_vf_bar_base(sp, 0) + 16 * 16384 <= sriov_vf_bar_base(sp, 1) ||
		    sriov_vf_bar_base(sp, 1) + 16 * 65536 <= sriov_vf_bar_base(sp, 0));
	run_free(&r);
}

/* ---- routing to a VF -------------------------------------------------------------- */

static void test_fn_for_tlp(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", num_vfs: 4"), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	struct tlp t = { .type = TLP_CPLD, .rid = sriov_vf(sp, 3)->rid };
	assert_ptr_equal(sriov_fn_for_tlp(sp, &t), sriov_vf(sp, 3));
	t.rid = sp->pf->rid;
	assert_ptr_equal(sriov_fn_for_tlp(sp, &t), sp->pf);
	t.rid = sriov_vf_rid(sp, 5);                    /* not enabled */
	assert_null(sriov_fn_for_tlp(sp, &t));
	struct tlp m = { .type = TLP_MRD, .rid = 0x0300, .addr = sriov_vf(sp, 2)->bars[1].addr + 64 };
	assert_ptr_equal(sriov_fn_for_tlp(sp, &m), sriov_vf(sp, 2));
	m.addr = sp->pf->bars[0].addr;
	assert_ptr_equal(sriov_fn_for_tlp(sp, &m), sp->pf);
	m.addr = sriov_vf_bar_base(sp, 0) + 4 * 16384;  /* VF 5's slot: no VF */
	assert_null(sriov_fn_for_tlp(sp, &m));
	run_free(&r);
}

/* d1 (host) reads VF 2's BAR through the fabric: it is answered by the PF's
 * component and counted as reaching VF 2's VM (a violation: host -> vm1). */
static void test_peer_read_of_vf_bar(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", num_vfs: 2"), SEQ1, "", "", false);
	uint64_t a = sriov_vf(pf_of(&r), 2)->bars[0].addr;
	run_free(&r);
	char d1[128];
	snprintf(d1, sizeof(d1), "{gen: seq, base: 0x%llx, size: 64, count: 3}",
		 (unsigned long long)a);
	build(&r, SR(", num_vfs: 2"), SEQ1, d1, "",
	      "vms:\n  - {name: vm1, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf2]}\n",
	      true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "components.nic0.bar_reads"), 3);
	assert_int_equal(stat(&r, "components.nic0.misrouted"), 0);
	assert_int_equal(stat(&r, "flows.d1.reads"), 3);
	assert_int_equal(stat(&r, "isolation.violations"), 3);  /* host reached vm1's VF */
	run_free(&r);
}

/* ---- DMA through the IOMMU -------------------------------------------------------- */

static const char *const two_vms =
	"vms:\n"
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf3]}\n"
	"  - {name: vm1, memory: [{base: 5GiB, size: 1GiB}], devices: [nic0.vf5]}\n";

static void test_vf_dma_through_iommu(void **state)
{
	(void)state;
	char path[64];
	trace_file(path, sizeof(path),
		   "0ns nic0.vf3 rd 0x100000000 64\n"   /* vm0's VF, vm0's memory: allowed */
		   "0ns nic0.vf3 wr 0x100001000 64\n"
		   "0ns nic0.vf5 rd 0x140000000 64\n"   /* vm1's VF, vm1's memory: allowed */
		   "0ns nic0.vf5 rd 0x100000000 64\n"   /* vm1's VF, vm0's memory: fault */
		   "0ns nic0.vf5 wr 0x100002000 64\n");
	struct run r;
	build_ok(&r, SR(", num_vfs: 6"), path, "  - {name: iommu, type: iommu, rc: rc}\n",
		 two_vms, true);
	assert_int_equal(stat(&r, "iommu.faults.total"), 2);
	assert_int_equal(stat(&r, "iommu.faults.by_device.nic0_vf5"), 2);
	assert_int_equal(stat(&r, "iommu.faults.by_device.nic0_vf3"), 0);
	assert_int_equal(stat(&r, "isolation.vms.vm0.allowed"), 2);
	assert_int_equal(stat(&r, "isolation.vms.vm1.allowed"), 1);
	assert_int_equal(stat(&r, "isolation.vms.vm1.blocked"), 2);
	assert_int_equal(stat(&r, "isolation.violations"), 0);
	assert_int_equal(stat(&r, "flows.nic0_vf3.reads"), 1);
	assert_int_equal(stat(&r, "flows.nic0_vf5.reads"), 2);
	assert_int_equal(stat(&r, "components.nic0.completion_errors"), 1);  /* the faulted read */
	/* each VF's requests carry its own routing ID: the IOMMU gave VF 3 vm0's
	 * domain, VF 5 vm1's */
	struct pcie_fn *v3 = fn_named(&r, "nic0.vf3"), *v5 = fn_named(&r, "nic0.vf5");
	assert_int_equal(v3->vm, 0);
	assert_int_equal(v5->vm, 1);
	assert_int_equal(fn_named(&r, "nic0.vf4")->vm, -1);
	run_free(&r);
	unlink(path);
}

/* Without the IOMMU the same cross-VM read reaches vm0's memory: a violation. */
static void test_vf_dma_without_iommu_violates(void **state)
{
	(void)state;
	char path[64];
	trace_file(path, sizeof(path), "0ns nic0.vf5 rd 0x100000000 64\n");
	struct run r;
	build_ok(&r, SR(", num_vfs: 6"), path, "", two_vms, true);
	assert_int_equal(stat(&r, "isolation.vms.vm1.violations"), 1);
	run_free(&r);
	unlink(path);
}

/* Per-VF Bus Master Enable: vf_bme false leaves the VFs unable to DMA. */
static void test_vf_bme_off(void **state)
{
	(void)state;
	char path[64];
	trace_file(path, sizeof(path), "0ns nic0.vf1 rd 0x10000 64\n0ns nic0 rd 0x10000 64\n");
	struct run r;
	build_ok(&r, SR(", num_vfs: 2, vf_bme: false"), path, "", "", true);
	assert_int_equal(stat(&r, "components.nic0.bme_blocked"), 1);
	assert_int_equal(stat(&r, "flows.nic0.reads"), 1);
	assert_int_equal(stat(&r, "flows.nic0_vf1.isolation.blocked"), 1);
	run_free(&r);
	unlink(path);
}

/* A trace naming a VF that does not exist stops the run with a clear error. */
static void test_trace_names_missing_vf(void **state)
{
	(void)state;
	char path[64];
	trace_file(path, sizeof(path), "0ns nic0.vf3 rd 0x10000 64\n");
	struct run r;
	build(&r, SR(", num_vfs: 2"), path, SEQ1, "", "", true);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "trace source 'nic0.vf3': nic0 has 2 VFs enabled"));
	run_free(&r);
	unlink(path);
}

/* ---- FLR -------------------------------------------------------------------------- */

struct flr_log {
	unsigned starts, dones, enabled, disabled;
	sim_time_t done_at;
	struct sim *s;
};

static void on_enabled(void *ctx, struct sriov_pf *sp, unsigned n)
{
	(void)sp;
	((struct flr_log *)ctx)->enabled += n;
}

static void on_disabled(void *ctx, struct sriov_pf *sp, unsigned n)
{
	(void)sp;
	((struct flr_log *)ctx)->disabled += n;
}

static void on_flr(void *ctx, struct sriov_pf *sp, unsigned n, bool start)
{
	struct flr_log *l = ctx;
	assert_false(sriov_vf(sp, n)->bme);
	if (start) {
		l->starts++;
	} else {
		l->dones++;
		l->done_at = sim_now(l->s->k);
	}
}

static const struct sriov_ops flr_ops = { .vfs_enabled = on_enabled,
					  .vfs_disabled = on_disabled, .vf_flr = on_flr };

static void test_flr_and_callbacks(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", num_vfs: 3, flr_time: 20ms"), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	struct flr_log log = { .s = r.s };
	sriov_set_ops(sp, &flr_ops, &log);
	assert_true(sriov_vf(sp, 2)->bme);
	assert_int_equal(sriov_vf_flr(sp, 2), 0);
	assert_false(sriov_vf(sp, 2)->bme);
	assert_int_equal(sriov_vf_flr(sp, 2), -1);              /* already resetting */
	assert_int_equal(sriov_vf_set_bme(sp, 2, true), -1);    /* refused during FLR */
	assert_int_equal(sriov_vf_flr(sp, 9), -1);              /* no such VF */
	assert_int_equal(sriov_vf_set_bme(sp, 1, false), 0);
	assert_false(sriov_vf(sp, 1)->bme);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	assert_int_equal(log.starts, 1);
	assert_int_equal(log.dones, 1);
	assert_int_equal(log.done_at, 20 * SIM_MS);
	assert_false(sriov_vf(sp, 2)->bme);                     /* reset value */
	assert_int_equal(sriov_vf_set_bme(sp, 2, true), 0);
	assert_int_equal(stat(&r, "components.nic0.sriov.vf_flrs"), 1);
	sriov_disable_vfs(sp);
	assert_int_equal(log.disabled, 3);
	struct iov_err e = { 0 };
	assert_int_equal(sriov_enable_vfs(sp, 16, &e), 0);
	assert_int_equal(log.enabled, 16);
	assert_false(sriov_vf(sp, 16)->bme);    /* a PF driver's enable leaves BME to the VF driver */
	run_free(&r);
}

/* ---- PF driver refusals ----------------------------------------------------------- */

static void test_pf_driver_refusals(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", num_vfs: 2"), SEQ1, "", "", false);
	struct sriov_pf *sp = pf_of(&r);
	struct iov_err e = { 0 };
	assert_int_equal(sriov_enable_vfs(sp, 4, &e), -1);
	assert_non_null(strstr(e.msg, "nic0: cannot enable VFs: 2 VFs are already enabled"));
	sriov_disable_vfs(sp);
	assert_int_equal(sriov_num_vfs(sp), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(sriov_enable_vfs(sp, 17, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "asked for 17 VFs; TotalVFs is 16"));
	assert_int_equal(sriov_enable_vfs(sp, 0, &e), -1);
	assert_int_equal(stat(&r, "components.nic0.sriov.refused"), 3);
	assert_int_equal(sriov_num_vfs(sp), 0);
	run_free(&r);

	build_ok(&r, "{total_vfs: 64, first_vf_offset: 128, vf_stride: 4}", SEQ1, "", "", false);
	sp = pf_of(&r);
	struct pcie_fn *rp0 = fn_named(&r, "rc.rp0");
	assert_int_equal(rp0->sub, 2);
	rp0->sub = 1;
	memset(&e, 0, sizeof(e));
	assert_int_equal(sriov_enable_vfs(sp, 33, &e), -1);
	assert_non_null(strstr(e.msg, "not enough bus numbers: VF 33 would be 02:00.0"));
	assert_int_equal(sriov_enable_vfs(sp, 32, &e), 0);
	run_free(&r);
}

/* Bad 'sriov:' input and VF names are located errors. */
static void test_bad_input(void **state)
{
	(void)state;
	static const struct { const char *sriov, *vms, *msg; } cases[] = {
		{ "{total_vfs: 4, num_vfs: 5}", "", "num_vfs 5 is more than total_vfs 4" },
		{ "{total_vfs: 0}", "", "total_vfs" },
		{ "{num_vfs: 1}", "", "total_vfs" },
		{ "{total_vfs: 4, vf_stride: 0}", "", "vf_stride 0" },
		{ "{total_vfs: 4, vf_bars: [12KiB]}", "", "power of two" },
		{ "{total_vfs: 4, vf_bars: [1KiB]}", "", "vf_bars" },
		{ "{total_vfs: 4, vf_bars: [4KiB, 4KiB, 4KiB, 4KiB]}", "", "at most 3 VF BARs" },
		{ "{total_vfs: 4, bogus: 1}", "", "bogus" },
		{ "[4]", "", "sriov must be a map" },
		{ "{total_vfs: 16, num_vfs: 8, ari: false}", "", "without ARI (sriov: ari: false) "
		  "VF 8 would be 01:01.0" },
		{ "{total_vfs: 16, num_vfs: 2}",
		  "vms:\n  - {name: vm0, devices: [nic0.vf3]}\n", "no VF 'nic0.vf3': nic0 has 2 VFs" },
		{ "{total_vfs: 16, num_vfs: 2}",
		  "vms:\n  - {name: vm0, devices: [d1.vf1]}\n", "'d1' has no SR-IOV capability" },
		{ "{total_vfs: 16, num_vfs: 2}",
		  "vms:\n  - {name: vm0, devices: [nic0.vfx]}\n", "not a component" },
		{ "{total_vfs: 16, num_vfs: 2}",
		  "vms:\n  - {name: vm0, devices: [nic0.vf1]}\n  - {name: vm1, devices: [nic0.vf1]}\n",
		  "already assigned" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct run r;
		build(&r, cases[i].sriov, SEQ1, SEQ1, "", cases[i].vms, false);
		if (r.status != IOV_BAD_INPUT || !strstr(r.e.msg, cases[i].msg))
			fail_msg("case %zu: status %d, message '%s'", i, r.status, r.e.msg);
		if (!strstr(r.e.msg, "iovsim-test-run-"))      /* located in the file */
			fail_msg("case %zu not located: %s", i, r.e.msg);
		run_free(&r);
	}
	/* caps: [sriov] without the registers */
	struct run c;
	run_text(&c, "components:\n  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
		     "  - {name: mem, type: memory}\n"
		     "  - {name: d, type: dma_source, caps: [sriov], trace: {gen: seq, count: 1}}\n"
		     "connections:\n  - [rc.mem, mem.port]\n  - [rc.rp0, d.up]\n", false);
	assert_int_equal(c.status, IOV_BAD_INPUT);
	assert_non_null(strstr(c.e.msg, "give the function an 'sriov:' map"));
	run_free(&c);
	/* with ARI (the default) 8 VFs are fine; 7 without */
	struct run r;
	build_ok(&r, "{total_vfs: 16, num_vfs: 7, ari: false}", SEQ1, "", "", false);
	assert_false(sriov_ari(pf_of(&r)));
	assert_int_equal(sriov_vf(pf_of(&r), 7)->fn_no, 7);
	run_free(&r);
}

/* ---- audit ------------------------------------------------------------------------ */

static char *audit_text(struct run *r, bool json, struct audit **out)
{
	struct iov_err e = { 0 };
	assert_int_equal(audit_build(r->s, AUDIT_GROUPS_LINUX, out, &e), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	assert_int_equal(json ? audit_print_json(*out, "t", m) : audit_print_text(*out, m), 0);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* Below an ACS-isolated root port the PF and each VF are groups of their own
 * (Linux: VFs are single-function devices); below a switch without ACS they
 * all share the switch port's group. */
static void test_audit_groups(void **state)
{
	(void)state;
	struct run r;
	build_ok(&r, SR(", num_vfs: 3"), SEQ1, "", "vms:\n  - {name: vm0, devices: [nic0.vf2]}\n",
		 false);
	struct audit *a;
	char *txt = audit_text(&r, false, &a);
	int g0 = audit_group_of(a, fn_named(&r, "nic0"));
	int g1 = audit_group_of(a, fn_named(&r, "nic0.vf1"));
	int g2 = audit_group_of(a, fn_named(&r, "nic0.vf2"));
	assert_true(g0 >= 0 && g1 >= 0 && g2 >= 0);
	assert_true(g0 != g1 && g1 != g2 && g0 != g2);
	assert_non_null(strstr(txt, "01:00.2 nic0.vf2: endpoint (VF 2 of nic0), vm0, BAR0 "));
	assert_non_null(strstr(txt, "caps PCIe MSI-X SR-IOV, SR-IOV TotalVFs 16, NumVFs 3, "
				    "offset 1, stride 1, ARI, VF BAR0 0x"));
	assert_non_null(strstr(txt, "01:00.3 nic0.vf3"));
	assert_null(strstr(txt, "nic0.vf4"));
	free(txt);
	audit_free(a);
	char *js = audit_text(&r, true, &a);
	assert_non_null(strstr(js, "\"name\": \"nic0.vf2\""));
	assert_non_null(strstr(js, "\"vm\": \"vm0\", \"device\": null, \"pf\": \"nic0\", \"vf\": 2, "
				   "\"sriov\": null"));
	assert_non_null(strstr(js, "\"sriov\": {\"total_vfs\": 16, \"num_vfs\": 3, "
				   "\"first_vf_offset\": 1, \"vf_stride\": 1, \"ari\": true"));
	free(js);
	audit_free(a);
	run_free(&r);

	/* behind a switch port without ACS */
	const char *sw =
		"components:\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
		"  - {name: mem, type: memory}\n"
		"  - {name: l, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: sw, type: pcie_switch, ports: 2, acs: none}\n"
		"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: nic0, type: dma_source, bars: [64KiB], trace: {gen: seq, count: 1},\n"
		"     sriov: {total_vfs: 4, num_vfs: 2, vf_bars: [16KiB]}}\n"
		"connections:\n"
		"  - [rc.mem, mem.port]\n  - [rc.rp0, l.up]\n  - [l.down, sw.up]\n"
		"  - [sw.dp0, l0.up]\n  - [l0.down, nic0.up]\n";
	run_text(&r, sw, false);
	if (r.status)
		fail_msg("%s", r.e.msg);
	txt = audit_text(&r, false, &a);
	g0 = audit_group_of(a, fn_named(&r, "nic0"));
	assert_int_equal(audit_group_of(a, fn_named(&r, "nic0.vf1")), g0);
	assert_int_equal(audit_group_of(a, fn_named(&r, "nic0.vf2")), g0);
	assert_non_null(strstr(txt, "peer-to-peer below the root complex is not isolated"));
	free(txt);
	audit_free(a);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_only_fields),
		cmocka_unit_test(test_vf_bar_sizing),
		cmocka_unit_test(test_vf_enable_locks_and_toggles),
		cmocka_unit_test(test_rid_arithmetic),
		cmocka_unit_test(test_bus_crossing),
		cmocka_unit_test(test_vf_bar_placement),
		cmocka_unit_test(test_fn_for_tlp),
		cmocka_unit_test(test_peer_read_of_vf_bar),
		cmocka_unit_test(test_vf_dma_through_iommu),
		cmocka_unit_test(test_vf_dma_without_iommu_violates),
		cmocka_unit_test(test_vf_bme_off),
		cmocka_unit_test(test_trace_names_missing_vf),
		cmocka_unit_test(test_flr_and_callbacks),
		cmocka_unit_test(test_pf_driver_refusals),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_audit_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
