/* test_intremap.c - interrupt remapping (faults 0x20..0x26, IEC, source IDs) and posted descriptors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/iommu/intremap.h"
#include "models/iommu/posted_irq.h"
#include "models/pcie/msix.h"
#include "stats.h"

#define RID_DEV 0x0300          /* 03:00.0 */

static struct ir_unit *mk_ir(uint64_t entries, bool block_compat, uint64_t iec_entries)
{
	struct iov_err e = { 0 };
	struct ir_params p = { .base = 0x100000, .size = 1 << 20, .entries = entries,
			       .block_compat = block_compat,
			       .iec = { iec_entries, iec_entries, SACACHE_LRU } };
	struct ir_unit *ir = ir_create(&p, 1, "test", &e);
	if (!ir)
		fail_msg("ir_create: %s", e.msg);
	return ir;
}

static void set(struct ir_unit *ir, uint16_t idx, const struct irte *x)
{
	struct iov_err e = { 0 };
	if (ir_set_entry(ir, idx, x, &e))
		fail_msg("ir_set_entry: %s", e.msg);
}

static const struct irte remapped = { .present = true, .vector = 0x41, .dest = 3,
				      .sid = RID_DEV, .svt = 1 };

static enum ir_fault remap(struct ir_unit *ir, uint16_t rid, uint16_t handle, struct irte *x)
{
	bool compat;
	return ir_remap(ir, rid, msi_addr_remappable(handle), 0, &compat, x);
}

static uint64_t fault_count(struct ir_unit *ir, struct stats *st, const char *leaf)
{
	(void)ir;
	char p[128];
	double v = -1;
	snprintf(p, sizeof(p), "iommu.ir.faults.%s", leaf);
	if (stats_get(st, p, &v))
		fail_msg("no stat %s", p);
	return (uint64_t)v;
}

static void test_remapped_ok(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(256, false, 16);
	set(ir, 5, &remapped);
	struct irte x;
	assert_int_equal(remap(ir, RID_DEV, 5, &x), IR_OK);
	assert_false(x.posted);
	assert_int_equal(x.vector, 0x41);
	assert_int_equal(x.dest, 3);
	/* the sub-handle (SHV) is added to the handle */
	bool compat;
	uint64_t a = msi_addr_remappable(3) | MSI_ADDR_SHV;
	assert_int_equal(ir_remap(ir, RID_DEV, a, 2, &compat, &x), IR_OK);
	assert_int_equal(x.vector, 0x41);
	ir_destroy(ir);
}

static void test_every_fault_reason(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(256, true, 16);
	struct stats *st = stats_create();
	struct iov_err e = { 0 };
	assert_int_equal(ir_stats_register(ir, st, "iommu.ir", &e), 0);
	set(ir, 1, &remapped);
	struct irte x;
	bool compat;
	/* 0x20: data bits 31:16 of a remappable request are reserved */
	assert_int_equal(ir_remap(ir, RID_DEV, msi_addr_remappable(1), 0x10000, &compat, &x),
			 IR_FAULT_REQ_RESERVED);
	/* 0x21: handle beyond the 256 entries (also through the sub-handle) */
	assert_int_equal(remap(ir, RID_DEV, 256, &x), IR_FAULT_INDEX);
	assert_int_equal(ir_remap(ir, RID_DEV, msi_addr_remappable(255) | MSI_ADDR_SHV, 1,
				  &compat, &x), IR_FAULT_INDEX);
	/* 0x22: an entry never written */
	assert_int_equal(remap(ir, RID_DEV, 2, &x), IR_FAULT_NOT_PRESENT);
	/* 0x24: reserved bits 14:12 of a remapped entry; SVT = 3 */
	assert_int_equal(ir_set_raw(ir, 3, 1 | (1ull << 12), 0, &e), 0);
	assert_int_equal(remap(ir, RID_DEV, 3, &x), IR_FAULT_IRTE_RESERVED);
	assert_int_equal(ir_set_raw(ir, 4, 1, 3ull << 18, &e), 0);
	assert_int_equal(remap(ir, RID_DEV, 4, &x), IR_FAULT_IRTE_RESERVED);
	/* 0x25: compatibility format blocked */
	assert_int_equal(ir_remap(ir, RID_DEV, msi_addr_compat(0), 0x30, &compat, &x),
			 IR_FAULT_COMPAT);
	assert_true(compat);
	/* 0x26: another requester */
	assert_int_equal(remap(ir, 0x0400, 1, &x), IR_FAULT_SID);
	/* 0x23: the table root points at memory that is not there */
	ir_set_root(ir, 0x40000000);
	assert_int_equal(remap(ir, RID_DEV, 1, &x), IR_FAULT_ROOT);
	assert_int_equal(fault_count(ir, st, "reserved_request"), 1);
	assert_int_equal(fault_count(ir, st, "index"), 2);
	assert_int_equal(fault_count(ir, st, "not_present"), 1);
	assert_int_equal(fault_count(ir, st, "reserved_irte"), 2);
	assert_int_equal(fault_count(ir, st, "compat_blocked"), 1);
	assert_int_equal(fault_count(ir, st, "source_id"), 1);
	assert_int_equal(fault_count(ir, st, "root_invalid"), 1);
	assert_int_equal(fault_count(ir, st, "total"), 9);
	assert_string_equal(ir_fault_name(IR_FAULT_SID), "source_id");
	ir_destroy(ir);
	stats_destroy(st);
}

static void test_compat_allowed(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(16, false, 4);
	struct irte x;
	bool compat = false;
	assert_int_equal(ir_remap(ir, RID_DEV, msi_addr_compat(2), 0x31, &compat, &x), IR_OK);
	assert_true(compat);
	assert_false(x.present);
	ir_destroy(ir);
}

static void test_source_id_qualifiers(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(16, false, 4);
	struct irte x = remapped;
	struct irte out;
	x.sid = 0x0308;                 /* 03:01.0 */
	x.sq = 3;                       /* ignore function bits 2:0 */
	set(ir, 0, &x);
	assert_int_equal(remap(ir, 0x030f, 0, &out), IR_OK);   /* 03:01.7 */
	assert_int_equal(remap(ir, 0x0310, 0, &out), IR_FAULT_SID);
	x.sq = 1;                       /* ignore bit 2 only */
	set(ir, 0, &x);
	assert_int_equal(remap(ir, 0x030c, 0, &out), IR_OK);   /* 03:01.4 */
	assert_int_equal(remap(ir, 0x0309, 0, &out), IR_FAULT_SID);
	x.svt = 2;                      /* bus range 3..5 */
	x.sid = 0x0305;
	set(ir, 0, &x);
	assert_int_equal(remap(ir, 0x0500, 0, &out), IR_OK);
	assert_int_equal(remap(ir, 0x0600, 0, &out), IR_FAULT_SID);
	x.svt = 0;                      /* no validation */
	set(ir, 0, &x);
	assert_int_equal(remap(ir, 0xffff, 0, &out), IR_OK);
	ir_destroy(ir);
}

static void test_iec_hit_miss(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(64, false, 2);
	struct stats *st = stats_create();
	struct iov_err e = { 0 };
	assert_int_equal(ir_stats_register(ir, st, "iommu.ir", &e), 0);
	for (uint16_t i = 0; i < 3; i++)
		set(ir, i, &remapped);
	struct irte x;
	assert_int_equal(remap(ir, RID_DEV, 0, &x), IR_OK);     /* miss, filled */
	assert_int_equal(remap(ir, RID_DEV, 0, &x), IR_OK);     /* hit */
	assert_int_equal(remap(ir, RID_DEV, 1, &x), IR_OK);     /* miss */
	assert_int_equal(remap(ir, RID_DEV, 2, &x), IR_OK);     /* miss, evicts 0 (LRU) */
	assert_int_equal(remap(ir, RID_DEV, 0, &x), IR_OK);     /* miss again */
	double hits = 0, misses = 0;
	assert_int_equal(stats_get(st, "iommu.ir.iec.hits", &hits), 0);
	assert_int_equal(stats_get(st, "iommu.ir.iec.misses", &misses), 0);
	assert_int_equal((int)hits, 1);
	assert_int_equal((int)misses, 4);
	/* rewriting an entry invalidates its cached copy */
	assert_true(ir_iec_lookup(ir, 0));
	set(ir, 0, &remapped);
	assert_false(ir_iec_lookup(ir, 0));
	/* a faulting entry is not cached */
	assert_int_equal(remap(ir, RID_DEV, 9, &x), IR_FAULT_NOT_PRESENT);
	assert_false(ir_iec_lookup(ir, 9));
	ir_destroy(ir);
	stats_destroy(st);
}

static void test_table_full(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(2, false, 1);
	struct iov_err e = { 0 };
	uint16_t h;
	assert_int_equal(ir_alloc(ir, &h, "t", &e), 0);
	assert_int_equal(h, 0);
	assert_int_equal(ir_alloc(ir, &h, "t", &e), 0);
	assert_int_equal(ir_alloc(ir, &h, "t", &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "full"));
	ir_destroy(ir);
	struct ir_params p = { .base = 0x100000, .size = 4096, .entries = 3,
			       .iec = { 1, 1, SACACHE_LRU } };
	iov_err_clear(&e);
	assert_null(ir_create(&p, 1, "t", &e));         /* not a power of two */
	assert_int_equal(e.status, IOV_BAD_INPUT);
}

static void test_posted_entry(void **state)
{
	(void)state;
	struct ir_unit *ir = mk_ir(16, false, 4);
	struct irte x = { .present = true, .posted = true, .vector = 0x35,
			  .pda = 0x123456789c0ull, .sid = RID_DEV, .svt = 1 };
	set(ir, 7, &x);
	struct irte out;
	assert_int_equal(remap(ir, RID_DEV, 7, &out), IR_OK);
	assert_true(out.posted);
	assert_int_equal(out.vector, 0x35);
	assert_int_equal(out.pda, 0x123456789c0ull);
	ir_destroy(ir);
}

/* PIR / ON / SN: the first post notifies, a second one while ON is set does
 * not; taking clears ON and PIR; SN suppresses without setting ON. */
static void test_pi_semantics(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct physmem *pm = physmem_create(0x200000, 1 << 16, &e);
	assert_non_null(pm);
	uint64_t pda = 0x200040;
	assert_int_equal(pi_init(pm, pda, false, 0xf2, 4, &e), 0);
	uint8_t nv = 0;
	uint32_t ndst = 0;
	assert_int_equal(pi_post(pm, pda, 0x41, &nv, &ndst, &e), PI_NOTIFY);
	assert_int_equal(nv, 0xf2);
	assert_int_equal(ndst, 4);
	assert_int_equal(pi_post(pm, pda, 0x80, &nv, &ndst, &e), PI_COALESCED);
	struct pi_desc_view v;
	assert_int_equal(pi_read(pm, pda, &v), 0);
	assert_true(v.on);
	assert_int_equal(v.pir[1], 1ull << 1);          /* vector 0x41 */
	assert_int_equal(v.pir[2], 1ull << 0);          /* vector 0x80 */
	uint64_t pir[4];
	assert_int_equal(pi_take(pm, pda, pir, &e), 0);
	assert_int_equal(pir[1], 2);
	assert_int_equal(pi_read(pm, pda, &v), 0);
	assert_false(v.on);
	assert_int_equal(v.pir[1] | v.pir[2], 0);
	/* ON clear again: the next post notifies */
	assert_int_equal(pi_post(pm, pda, 0x41, &nv, &ndst, &e), PI_NOTIFY);
	assert_int_equal(pi_take(pm, pda, pir, &e), 0);
	/* SN set: PIR bit set, no notification, ON stays clear */
	assert_int_equal(pi_set_control(pm, pda, true, 0xf1, 4, &e), 0);
	assert_int_equal(pi_post(pm, pda, 0x42, &nv, &ndst, &e), PI_SUPPRESSED);
	assert_int_equal(pi_read(pm, pda, &v), 0);
	assert_false(v.on);
	assert_true(v.sn);
	assert_int_equal(v.nv, 0xf1);
	assert_int_equal(v.pir[1], 1ull << 2);
	/* SN cleared, NV the wakeup vector: the next post notifies on it */
	assert_int_equal(pi_set_control(pm, pda, false, 0xf1, 4, &e), 0);
	assert_int_equal(pi_post(pm, pda, 0x43, &nv, &ndst, &e), PI_NOTIFY);
	assert_int_equal(nv, 0xf1);
	assert_int_equal(pi_take(pm, pda, pir, &e), 0);
	assert_int_equal(pir[1], (1ull << 2) | (1ull << 3));
	/* misaligned / missing descriptors */
	assert_int_equal(pi_init(pm, pda + 8, false, 0xf2, 4, &e), -1);
	iov_err_clear(&e);
	assert_int_equal(pi_post(pm, 0x900000, 1, &nv, &ndst, &e), PI_ERROR);
	physmem_destroy(pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remapped_ok),
		cmocka_unit_test(test_every_fault_reason),
		cmocka_unit_test(test_compat_allowed),
		cmocka_unit_test(test_source_id_qualifiers),
		cmocka_unit_test(test_iec_hit_miss),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_posted_entry),
		cmocka_unit_test(test_pi_semantics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
