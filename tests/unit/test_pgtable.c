/* test_pgtable.c - IOMMU translation structures: physmem, second-stage page tables, root/context tables, faults */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/iommu/ctxtable.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/physmem.h"
#include "rng.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define REGION_BASE (4 * GiB)           /* table frames come from [4 GiB, 4 GiB + size) */
#define UNBACKED 0xdead000000ull        /* never allocated nor written */

/* ------------------------------------------------------------- helpers -- */

static struct physmem *pm_new(uint64_t size)
{
	struct iov_err e = { 0 };
	struct physmem *pm = physmem_create(REGION_BASE, size, &e);
	if (!pm)
		fail_msg("%s", e.msg);
	return pm;
}

static uint64_t in_use(const struct physmem *pm)
{
	struct physmem_stats st;
	physmem_get_stats(pm, &st);
	return st.frames_in_use;
}

static struct pgtable *pt_new(struct physmem *pm, unsigned levels)
{
	struct iov_err e = { 0 };
	struct pgtable *pt = pgtable_create(pm, levels, &e);
	if (!pt)
		fail_msg("%s", e.msg);
	return pt;
}

static void map_ok(struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t size, unsigned perms,
		   uint64_t pgsizes)
{
	struct iov_err e = { 0 };
	if (pgtable_map(pt, iova, pa, size, perms, pgsizes, &e))
		fail_msg("%s", e.msg);
}

static int map_err(struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t size, unsigned perms,
		   uint64_t pgsizes)
{
	struct iov_err e = { 0 };
	assert_int_equal(pgtable_map(pt, iova, pa, size, perms, pgsizes, &e), -1);
	assert_true(e.msg[0] != '\0');
	return e.status;
}

static int64_t unmap(struct pgtable *pt, uint64_t iova, uint64_t size, struct pgt_gather *g)
{
	struct iov_err e = { 0 };
	int64_t n = pgtable_unmap(pt, iova, size, g, &e);
	if (n < 0)
		fail_msg("%s", e.msg);
	return n;
}

/* Walk and expect success with this pa, page size and number of entry reads. */
static void expect_walk(const struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t pgsize,
			unsigned nsteps)
{
	struct pgt_walk w;
	pgtable_iova_to_phys(pt, iova, &w);
	assert_int_equal(w.status, PGT_WALK_OK);
	assert_int_equal(w.pa, pa);
	assert_int_equal(w.page_size, pgsize);
	assert_int_equal(w.nsteps, nsteps);
}

static enum pgt_walk_status walk_status(const struct pgtable *pt, uint64_t iova)
{
	struct pgt_walk w;
	pgtable_iova_to_phys(pt, iova, &w);
	return w.status;
}

static const struct dmar_caps caps_all = {
	.sagaw = (1u << 1) | (1u << 2) | (1u << 3), .mgaw = 57, .pass_through = true, .dev_tlb = true,
};

static struct ctxtable *ct_new(struct physmem *pm)
{
	struct iov_err e = { 0 };
	struct ctxtable *ct = ctxtable_create(pm, &e);
	if (!ct)
		fail_msg("%s", e.msg);
	return ct;
}

static void ctx_set_ok(struct ctxtable *ct, uint16_t rid, uint16_t did, const struct pgtable *pt,
		       unsigned flags)
{
	struct iov_err e = { 0 };
	if (ctxtable_set(ct, rid, did, pt, flags, &e))
		fail_msg("%s", e.msg);
}

static void ctx_entry_ok(struct ctxtable *ct, uint16_t rid, const struct ctx_entry *ce)
{
	struct iov_err e = { 0 };
	if (ctxtable_set_entry(ct, rid, ce, &e))
		fail_msg("%s", e.msg);
}

static enum dmar_fault xlate(const struct ctxtable *ct, const struct dmar_caps *caps, uint16_t rid,
			     uint64_t iova, bool is_write, struct dmar_xlate *x)
{
	return dmar_translate(ct->pm, ct->rtaddr, caps, rid, iova, is_write, x);
}

/* Everything handed out went back: the no-leak check of every test. */
static void done(struct physmem *pm, struct pgtable *pt, struct ctxtable *ct)
{
	pgtable_free(pt);
	ctxtable_destroy(ct);
	assert_int_equal(in_use(pm), 0);
	physmem_destroy(pm);
}

/* ------------------------------------------------------------- physmem -- */

static void test_physmem_alloc_free(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct physmem *pm = pm_new(4 * 4 * KiB);
	struct physmem_stats st;
	uint64_t f[4], v = 1, x;

	physmem_get_stats(pm, &st);
	assert_int_equal(st.frames_total, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(physmem_alloc_frame(pm, &f[i], &e), 0);
		assert_int_equal(f[i], REGION_BASE + (uint64_t)i * 4 * KiB);
		assert_true(physmem_backed(pm, f[i] + 4088));
		assert_int_equal(physmem_read64(pm, f[i] + 4088, &v), 0);
		assert_int_equal(v, 0);
	}
	/* Exhausted: an error, counted, nothing handed out. */
	assert_int_equal(physmem_alloc_frame(pm, &x, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "out of table frames"));
	physmem_get_stats(pm, &st);
	assert_int_equal(st.alloc_failures, 1);
	assert_int_equal(st.frames_in_use, 4);

	/* A freed frame keeps its contents and stays backed; it is reused first, zeroed. */
	assert_int_equal(physmem_write64(pm, f[2] + 16, 0x1234, NULL), 0);
	assert_int_equal(physmem_free_frame(pm, f[2], NULL), 0);
	assert_int_equal(physmem_read64(pm, f[2] + 16, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(in_use(pm), 3);
	assert_int_equal(physmem_alloc_frame(pm, &x, NULL), 0);
	assert_int_equal(x, f[2]);
	assert_int_equal(physmem_read64(pm, f[2] + 16, &v), 0);
	assert_int_equal(v, 0);

	/* Double free, outside the region, misaligned: refused. */
	assert_int_equal(physmem_free_frame(pm, f[1], NULL), 0);
	iov_err_clear(&e);
	assert_int_equal(physmem_free_frame(pm, f[1], &e), -1);
	assert_int_equal(e.status, IOV_INTERNAL);
	assert_int_equal(physmem_free_frame(pm, REGION_BASE + 64 * KiB, NULL), -1);
	assert_int_equal(physmem_free_frame(pm, f[0] + 8, NULL), -1);

	for (int i = 0; i < 4; i++)
		if (i != 1)
			assert_int_equal(physmem_free_frame(pm, f[i], NULL), 0);
	physmem_get_stats(pm, &st);
	assert_int_equal(st.frames_in_use, 0);
	assert_int_equal(st.frames_peak, 4);
	physmem_destroy(pm);
}

static void test_physmem_sparse(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(1 * MiB);
	struct physmem_stats a, b;
	uint64_t v = 7;

	/* Reads of unbacked memory fail and never create storage. */
	physmem_get_stats(pm, &a);
	assert_false(physmem_backed(pm, UNBACKED));
	assert_int_equal(physmem_read64(pm, UNBACKED, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(physmem_read64(pm, REGION_BASE, &v), -1);   /* in region, never allocated */
	assert_null(physmem_frame(pm, UNBACKED));
	physmem_get_stats(pm, &b);
	assert_int_equal(a.chunks, b.chunks);
	assert_int_equal(a.frames_backed, b.frames_backed);

	/* A write backs exactly its frame (outside the allocator's region too). */
	assert_int_equal(physmem_write64(pm, UNBACKED + 8, 42, NULL), 0);
	assert_true(physmem_backed(pm, UNBACKED));
	assert_false(physmem_backed(pm, UNBACKED + 4 * KiB));
	assert_int_equal(physmem_read64(pm, UNBACKED + 8, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(physmem_frame(pm, UNBACKED + 100)[1], 42);
	physmem_get_stats(pm, &b);
	assert_int_equal(b.frames_backed, a.frames_backed + 1);
	assert_int_equal(b.chunks, a.chunks + 1);
	assert_int_equal(b.frames_in_use, 0);       /* not taken from the allocator */

	/* Misaligned and too-high addresses. */
	assert_int_equal(physmem_read64(pm, UNBACKED + 4, &v), -1);
	assert_int_equal(physmem_write64(pm, UNBACKED + 4, 1, NULL), -1);
	assert_int_equal(physmem_write64(pm, 1ull << 52, 1, NULL), -1);
	assert_int_equal(physmem_read64(pm, 1ull << 52, &v), -1);

	/* Many scattered writes: the chunk index grows and everything stays readable. */
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(physmem_write64(pm, (i << 30) + 8 * i, i + 1, NULL), 0);
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(physmem_read64(pm, (i << 30) + 8 * i, &v), 0);
		assert_int_equal(v, i + 1);
	}
	physmem_destroy(pm);
}

static void test_physmem_bad_region(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	assert_null(physmem_create(4 * KiB + 1, 4 * KiB, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	iov_err_clear(&e);
	assert_null(physmem_create(0, 0, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	iov_err_clear(&e);
	assert_null(physmem_create((1ull << 52) - 4 * KiB, 8 * KiB, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
}

/* ------------------------------------------------------------- pgtable -- */

static void test_create_levels(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct physmem *pm = pm_new(16 * MiB);
	assert_null(pgtable_create(pm, 2, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_null(pgtable_create(pm, 6, NULL));
	assert_int_equal(in_use(pm), 0);

	/* 3 levels (39-bit): a 1 GiB leaf sits in the root table itself. */
	struct pgtable *pt = pt_new(pm, 3);
	assert_int_equal(pt->width, 39);
	map_ok(pt, 5 * GiB, 7 * GiB, GiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	expect_walk(pt, 5 * GiB + 123, 7 * GiB + 123, GiB, 1);
	map_ok(pt, 0, 0x5000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	expect_walk(pt, 8, 0x5008, 4 * KiB, 3);
	assert_int_equal(map_err(pt, 1ull << 39, 0, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_ALL),
			 IOV_BAD_INPUT);
	done(pm, pt, NULL);
}

static void test_map_4k_walk_trace(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	uint64_t iova = 0x7f1234567000ull, pa = 0xabcde000ull;

	assert_int_equal(pt->width, 48);
	assert_int_equal(pt->tables, 1);
	map_ok(pt, iova, pa, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(pt->tables, 4);
	assert_int_equal(in_use(pm), 4);
	assert_int_equal(pt->leaves[0], 1);
	assert_int_equal(pt->mapped_bytes, 4 * KiB);

	struct pgt_walk w;
	pgtable_iova_to_phys(pt, iova + 0x678, &w);
	assert_int_equal(w.status, PGT_WALK_OK);
	assert_int_equal(w.pa, pa + 0x678);
	assert_int_equal(w.page_size, 4 * KiB);
	assert_int_equal(w.perms, PGT_PERM_RW);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.nsteps, 4);
	/* The trace is the chain: each step's address comes from the previous entry. */
	uint64_t table = pt->root;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(w.steps[i].level, 4 - i);
		assert_true(w.steps[i].read_ok);
		assert_int_equal(w.steps[i].entry_pa, pgtable_entry_addr(table, 4 - i, iova));
		table = w.steps[i].entry & PGT_ENTRY_ADDR;
	}
	/* Intermediate entries carry R|W and no PS; the leaf has the address. */
	assert_int_equal(w.steps[0].entry & 0xfff, PGT_ENTRY_R | PGT_ENTRY_W);
	assert_int_equal(w.steps[3].entry, pa | PGT_ENTRY_R | PGT_ENTRY_W);

	/* The neighbour page: not present at level 1, after 4 reads. */
	pgtable_iova_to_phys(pt, iova + 4 * KiB, &w);
	assert_int_equal(w.status, PGT_WALK_NOT_PRESENT);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.nsteps, 4);
	/* Far away: not present at level 4, after 1 read. */
	pgtable_iova_to_phys(pt, 0x100000000000ull, &w);
	assert_int_equal(w.status, PGT_WALK_NOT_PRESENT);
	assert_int_equal(w.level, 4);
	assert_int_equal(w.nsteps, 1);
	/* Beyond 48 bits: nothing read. */
	pgtable_iova_to_phys(pt, 1ull << 48, &w);
	assert_int_equal(w.status, PGT_WALK_BEYOND_WIDTH);
	assert_int_equal(w.nsteps, 0);
	done(pm, pt, NULL);
}

static void test_map_2m(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	uint64_t iova = 7 * 2 * MiB, pa = 0x40000000ull + 2 * MiB;

	/* Superpages allowed: one PS entry at level 2; 3 reads. */
	struct pgtable *pt = pt_new(pm, 4);
	map_ok(pt, iova, pa, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(pt->tables, 3);
	assert_int_equal(pt->leaves[1], 1);
	assert_int_equal(pt->leaves[0], 0);
	expect_walk(pt, iova + 0x12345, pa + 0x12345, 2 * MiB, 3);
	struct pgt_walk w;
	pgtable_iova_to_phys(pt, iova, &w);
	assert_int_equal(w.steps[2].entry, pa | 0x83);          /* VT-d layout: R bit 0, W bit 1, PS bit 7 */
	assert_int_equal(w.level, 2);
	pgtable_free(pt);
	assert_int_equal(in_use(pm), 0);

	/* Without superpages: 512 4 KiB entries in one more table; 4 reads. */
	pt = pt_new(pm, 4);
	map_ok(pt, iova, pa, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_4K);
	assert_int_equal(pt->tables, 4);
	assert_int_equal(pt->leaves[0], 512);
	assert_int_equal(pt->leaves[1], 0);
	assert_int_equal(pt->mapped_bytes, 2 * MiB);
	expect_walk(pt, iova + 0x12345, pa + 0x12345, 4 * KiB, 4);
	expect_walk(pt, iova + 2 * MiB - 1, pa + 2 * MiB - 1, 4 * KiB, 4);
	pgtable_free(pt);

	/* Superpages allowed but pa only 4 KiB aligned: 4 KiB pages. */
	pt = pt_new(pm, 4);
	map_ok(pt, iova, pa + 4 * KiB, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(pt->leaves[0], 512);
	assert_int_equal(pt->leaves[1], 0);
	expect_walk(pt, iova, pa + 4 * KiB, 4 * KiB, 4);
	done(pm, pt, NULL);
}

static void test_map_1g(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	uint64_t iova = 3 * GiB, pa = 9 * GiB;

	struct pgtable *pt = pt_new(pm, 4);
	map_ok(pt, iova, pa, GiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(pt->tables, 2);
	assert_int_equal(pt->leaves[2], 1);
	expect_walk(pt, iova + 0x3456789, pa + 0x3456789, GiB, 2);
	pgtable_free(pt);

	/* 2 MiB allowed, 1 GiB not: 512 PS entries at level 2. */
	pt = pt_new(pm, 4);
	map_ok(pt, iova, pa, GiB, PGT_PERM_RW, PGT_SIZE_4K | PGT_SIZE_2M);
	assert_int_equal(pt->tables, 3);
	assert_int_equal(pt->leaves[1], 512);
	expect_walk(pt, iova + 0x3456789, pa + 0x3456789, 2 * MiB, 3);
	pgtable_free(pt);

	/* No superpages: root + PDPT + PD + 512 PTs, 262144 leaves. */
	pt = pt_new(pm, 4);
	map_ok(pt, iova, pa, GiB, PGT_PERM_RW, PGT_PGSIZES_4K);
	assert_int_equal(pt->tables, 515);
	assert_int_equal(in_use(pm), 515);
	assert_int_equal(pt->leaves[0], 262144);
	expect_walk(pt, iova + 0x3456789, pa + 0x3456789, 4 * KiB, 4);
	assert_int_equal(unmap(pt, iova, GiB, NULL), (int64_t)GiB);
	assert_int_equal(pt->tables, 1);
	assert_int_equal(in_use(pm), 1);
	done(pm, pt, NULL);
}

static void test_5level(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 5);
	uint64_t hi = 1ull << 56;      /* only a 5-level table reaches it */

	assert_int_equal(pt->width, 57);
	map_ok(pt, hi, 0x1000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(pt->tables, 5);
	expect_walk(pt, hi + 1, 0x1001, 4 * KiB, 5);
	map_ok(pt, hi + 2 * MiB, 2 * MiB, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	expect_walk(pt, hi + 2 * MiB, 2 * MiB, 2 * MiB, 4);
	map_ok(pt, hi + GiB, GiB, GiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	expect_walk(pt, hi + GiB + 5, GiB + 5, GiB, 3);
	assert_int_equal(walk_status(pt, 1ull << 57), PGT_WALK_BEYOND_WIDTH);
	assert_int_equal(map_err(pt, (1ull << 57) - 4 * KiB, 0, 8 * KiB, PGT_PERM_R,
				 PGT_PGSIZES_ALL), IOV_BAD_INPUT);
	done(pm, pt, NULL);
}

static void test_map_mixed_sizes(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	uint64_t iova = 2 * MiB - 4 * KiB, pa = iova + GiB, size = 2 * MiB + 8 * KiB;

	/* 4 KiB up to the 2 MiB boundary, one 2 MiB page, then 4 KiB. */
	map_ok(pt, iova, pa, size, PGT_PERM_R, PGT_PGSIZES_ALL);
	assert_int_equal(pt->leaves[0], 2);
	assert_int_equal(pt->leaves[1], 1);
	assert_int_equal(pt->mapped_bytes, size);
	expect_walk(pt, iova, pa, 4 * KiB, 4);
	expect_walk(pt, 2 * MiB + 8, 2 * MiB + 8 + GiB, 2 * MiB, 3);
	expect_walk(pt, 4 * MiB, 4 * MiB + GiB, 4 * KiB, 4);
	assert_int_equal(walk_status(pt, 4 * MiB + 4 * KiB), PGT_WALK_NOT_PRESENT);
	done(pm, pt, NULL);
}

static void test_map_errors(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	const uint64_t all = PGT_PGSIZES_ALL;

	assert_int_equal(map_err(pt, 0x800, 0, 4 * KiB, PGT_PERM_R, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, 0x800, 4 * KiB, PGT_PERM_R, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, 0, 100, PGT_PERM_R, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, 0, 0, PGT_PERM_R, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, 0, 4 * KiB, 0, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, 0, 4 * KiB, 4, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, 0, 4 * KiB, PGT_PERM_R, PGT_SIZE_2M), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 1ull << 48, 0, 4 * KiB, PGT_PERM_R, all), IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, (1ull << 48) - 4 * KiB, 0, 8 * KiB, PGT_PERM_R, all),
			 IOV_BAD_INPUT);
	assert_int_equal(map_err(pt, 0, (1ull << 52) - 4 * KiB, 8 * KiB, PGT_PERM_R, all),
			 IOV_BAD_INPUT);
	assert_int_equal(pt->tables, 1);

	/* Overlap with a 4 KiB page inside a 2 MiB range: refused, nothing changes. */
	map_ok(pt, 2 * MiB + 16 * KiB, 0x1000, 4 * KiB, PGT_PERM_RW, all);
	uint64_t tables = pt->tables, frames = in_use(pm);
	struct iov_err e = { 0 };
	assert_int_equal(pgtable_map(pt, 2 * MiB, 0, 2 * MiB, PGT_PERM_RW, all, &e), -1);
	assert_non_null(strstr(e.msg, "already mapped"));
	assert_int_equal(pt->tables, tables);
	assert_int_equal(pt->mapped_bytes, 4 * KiB);
	/* The same with 4 KiB pages: 4 pages go in, the 5th collides, all 4 come out again. */
	assert_int_equal(map_err(pt, 2 * MiB, 0, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_4K),
			 IOV_BAD_INPUT);
	assert_int_equal(pt->mapped_bytes, 4 * KiB);
	assert_int_equal(pt->leaves[0], 1);
	assert_int_equal(walk_status(pt, 2 * MiB), PGT_WALK_NOT_PRESENT);
	assert_int_equal(walk_status(pt, 2 * MiB + 12 * KiB), PGT_WALK_NOT_PRESENT);
	assert_int_equal(in_use(pm), frames);
	/* A page under an existing superpage: refused. */
	map_ok(pt, 4 * GiB, 4 * GiB, GiB, PGT_PERM_RW, all);
	assert_int_equal(map_err(pt, 4 * GiB + 8 * MiB, 0, 4 * KiB, PGT_PERM_RW, all),
			 IOV_BAD_INPUT);
	assert_int_equal(pt->leaves[2], 1);
	/* Rollback across new tables: [4 GiB - 8 KiB, 4 GiB + 4 KiB) needs a new PD
	 * and PT for its first two pages; its third page hits the 1 GiB page. */
	frames = in_use(pm);
	tables = pt->tables;
	assert_int_equal(map_err(pt, 4 * GiB - 8 * KiB, 0, 12 * KiB, PGT_PERM_RW, all),
			 IOV_BAD_INPUT);
	assert_int_equal(in_use(pm), frames);           /* the PDPT/PD/PT made for it were freed */
	assert_int_equal(pt->tables, tables);
	assert_int_equal(walk_status(pt, 4 * GiB - 8 * KiB), PGT_WALK_NOT_PRESENT);
	done(pm, pt, NULL);
}

static void test_map_exhaustion_rollback(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(5 * 4 * KiB);    /* 5 frames */
	struct pgtable *pt = pt_new(pm, 4);
	struct iov_err e = { 0 };

	map_ok(pt, 0, 0x1000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);      /* root + 3 */
	assert_int_equal(in_use(pm), 4);
	/* 1 GiB + 4 KiB needs a new PD and PT: one frame short. */
	assert_int_equal(pgtable_map(pt, GiB, 0x2000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_non_null(strstr(e.msg, "out of table frames"));
	assert_int_equal(in_use(pm), 4);
	assert_int_equal(pt->tables, 4);
	assert_int_equal(walk_status(pt, GiB), PGT_WALK_NOT_PRESENT);
	/* In the existing PT there is room. */
	map_ok(pt, 4 * KiB, 0x2000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(unmap(pt, 0, 8 * KiB, NULL), (int64_t)(8 * KiB));
	assert_int_equal(in_use(pm), 1);
	done(pm, pt, NULL);
}

static void test_unmap_then_translate(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;
	uint64_t iova = 0x40000000ull;

	map_ok(pt, iova, 0x80000000ull, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	ctx_set_ok(ct, 0x0300, 1, pt, 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0300, iova, false, &x), DMAR_OK);
	assert_int_equal(unmap(pt, iova, 4 * KiB, NULL), (int64_t)(4 * KiB));
	/* VT-d legacy: a not-present second-level entry has R = W = 0, so the
	 * request faults as a permission fault of its type. */
	assert_int_equal(xlate(ct, &caps_all, 0x0300, iova, false, &x), DMAR_FAULT_NO_READ);
	assert_true(x.report);
	assert_int_equal(xlate(ct, &caps_all, 0x0300, iova, true, &x), DMAR_FAULT_NO_WRITE);
	/* The emptied tables went back: the walk now stops at the root (1 paging read). */
	assert_int_equal(x.nreads, 3);
	assert_int_equal(x.reads[2].level, 4);
	assert_int_equal(pt->tables, 1);
	assert_int_equal(pt->mapped_bytes, 0);
	assert_int_equal(in_use(pm), 1 + 1 + 1);     /* page-table root, root table, bus 3 */

	/* Unmapping a hole: 0 bytes; holes in a range are skipped. */
	assert_int_equal(unmap(pt, iova, 4 * KiB, NULL), 0);
	map_ok(pt, 0, 0, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_ALL);
	map_ok(pt, 8 * KiB, 0, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_ALL);
	map_ok(pt, 512 * GiB, 0, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_ALL);     /* another PML4 slot */
	assert_int_equal(unmap(pt, 0, 1024 * GiB, NULL), (int64_t)(12 * KiB));
	assert_int_equal(pt->tables, 1);
	/* Bad unmap arguments. */
	struct iov_err e = { 0 };
	assert_int_equal(pgtable_unmap(pt, 100, 4 * KiB, NULL, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_int_equal(pgtable_unmap(pt, 0, 0, NULL, NULL), -1);
	assert_int_equal(pgtable_unmap(pt, 1ull << 48, 4 * KiB, NULL, NULL), -1);
	done(pm, pt, ct);
}

static void test_partial_unmap_2m_splits(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct pgt_gather g;
	uint64_t s = 6 * MiB, p = 0x80000000ull;

	map_ok(pt, s, p, 2 * MiB, PGT_PERM_R, PGT_PGSIZES_ALL);
	assert_int_equal(pt->tables, 3);
	pgtable_gather_init(&g);
	assert_int_equal(unmap(pt, s + 4 * KiB, 4 * KiB, &g), (int64_t)(4 * KiB));
	/* Split into a table of 511 remaining 4 KiB pages with the same permission. */
	assert_int_equal(pt->splits, 1);
	assert_int_equal(pt->tables, 4);
	assert_int_equal(pt->leaves[1], 0);
	assert_int_equal(pt->leaves[0], 511);
	assert_int_equal(pt->mapped_bytes, 2 * MiB - 4 * KiB);
	/* The whole superpage must be invalidated, and the walk caches too. */
	assert_int_equal(g.start, s);
	assert_int_equal(g.end, s + 2 * MiB);
	assert_true(g.tables_changed);
	assert_int_equal(g.nfreed, 0);
	pgtable_gather_release(pm, &g);
	assert_int_equal(walk_status(pt, s + 4 * KiB), PGT_WALK_NOT_PRESENT);
	struct pgt_walk w;
	pgtable_iova_to_phys(pt, s, &w);
	assert_int_equal(w.status, PGT_WALK_OK);
	assert_int_equal(w.pa, p);
	assert_int_equal(w.page_size, 4 * KiB);
	assert_int_equal(w.perms, PGT_PERM_R);
	expect_walk(pt, s + 2 * MiB - 1, p + 2 * MiB - 1, 4 * KiB, 4);

	/* Unmap the rest through a gather: tables are detached but held until release. */
	uint64_t frames = in_use(pm), pd = w.steps[1].entry & PGT_ENTRY_ADDR, v = 1;
	assert_int_equal(unmap(pt, s, 2 * MiB, &g), (int64_t)(2 * MiB - 4 * KiB));
	assert_int_equal(pt->tables, 1);
	assert_int_equal(g.nfreed, 3);                  /* PT, PD, PDPT */
	assert_int_equal(in_use(pm), frames);
	assert_int_equal(walk_status(pt, s), PGT_WALK_NOT_PRESENT);
	/* A walker resuming from a stale (cached) PD pointer reads an empty, not-present entry. */
	assert_int_equal(physmem_read64(pm, pgtable_entry_addr(pd, 2, s), &v), 0);
	assert_int_equal(v, 0);
	pgtable_gather_release(pm, &g);
	assert_int_equal(in_use(pm), 1);
	assert_int_equal(g.nfreed, 0);
	assert_null(g.freed);
	done(pm, pt, NULL);
}

static void test_partial_unmap_1g_splits_twice(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	uint64_t s = GiB, p = 8 * GiB;

	map_ok(pt, s, p, GiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(unmap(pt, s + 2 * MiB + 4 * KiB, 4 * KiB, NULL), (int64_t)(4 * KiB));
	assert_int_equal(pt->splits, 2);
	assert_int_equal(pt->leaves[2], 0);
	assert_int_equal(pt->leaves[1], 511);
	assert_int_equal(pt->leaves[0], 511);
	assert_int_equal(pt->mapped_bytes, GiB - 4 * KiB);
	assert_int_equal(pt->tables, 4);
	expect_walk(pt, s + 5, p + 5, 2 * MiB, 3);
	expect_walk(pt, s + 2 * MiB, p + 2 * MiB, 4 * KiB, 4);
	expect_walk(pt, s + 2 * MiB + 8 * KiB, p + 2 * MiB + 8 * KiB, 4 * KiB, 4);
	expect_walk(pt, s + GiB - 1, p + GiB - 1, 2 * MiB, 3);
	assert_int_equal(walk_status(pt, s + 2 * MiB + 4 * KiB), PGT_WALK_NOT_PRESENT);
	done(pm, pt, NULL);
}

static void test_split_out_of_frames(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(3 * 4 * KiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct iov_err e = { 0 };

	map_ok(pt, 0, 0, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);      /* root, PDPT, PD: all 3 */
	assert_int_equal(pgtable_unmap(pt, 4 * KiB, 4 * KiB, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "out of table frames"));
	/* The superpage is intact. */
	assert_int_equal(pt->splits, 0);
	assert_int_equal(pt->leaves[1], 1);
	assert_int_equal(pt->mapped_bytes, 2 * MiB);
	expect_walk(pt, 4 * KiB, 4 * KiB, 2 * MiB, 3);
	/* A whole-superpage unmap needs no frame. */
	assert_int_equal(unmap(pt, 0, 2 * MiB, NULL), (int64_t)(2 * MiB));
	done(pm, pt, NULL);
}

static void test_walk_step_api(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct pgt_decoded d;

	/* Literal VT-d bit positions: R = bit 0, W = bit 1, PS = bit 7, ADDR = bits 51:12. */
	pgtable_decode(0x40000000ull | 0x80 | 0x2, 3, &d);
	assert_int_equal(d.kind, PGT_ENTRY_LEAF);
	assert_int_equal(d.page_size, GiB);
	assert_int_equal(d.perms, PGT_PERM_W);
	pgtable_decode(0x000ffffffffff000ull | 0x1, 2, &d);
	assert_int_equal(d.kind, PGT_ENTRY_TABLE);
	assert_int_equal(d.addr, 0x000ffffffffff000ull);
	pgtable_decode(0x100ull | 0x40 | 0x4, 1, &d);                 /* no R, no W: not present */
	assert_int_equal(d.kind, PGT_ENTRY_NOT_PRESENT);
	pgtable_decode(0, 3, &d);
	assert_int_equal(d.kind, PGT_ENTRY_NOT_PRESENT);
	pgtable_decode(0x200000ull | PGT_ENTRY_PS | PGT_ENTRY_R, 2, &d);
	assert_int_equal(d.kind, PGT_ENTRY_LEAF);
	assert_int_equal(d.page_size, 2 * MiB);
	assert_int_equal(d.perms, PGT_PERM_R);
	pgtable_decode(0x5000ull | PGT_ENTRY_PS | PGT_ENTRY_W, 1, &d);      /* PS ignored at level 1 */
	assert_int_equal(d.kind, PGT_ENTRY_LEAF);
	assert_int_equal(d.page_size, 4 * KiB);
	assert_int_equal(d.addr, 0x5000);
	pgtable_decode(0x5000ull | PGT_ENTRY_PS | PGT_ENTRY_R | PGT_ENTRY_W, 4, &d);
	assert_int_equal(d.kind, PGT_ENTRY_TABLE);                          /* and at level 4 */
	pgtable_decode(0x12345000ull | PGT_ENTRY_PS | PGT_ENTRY_R, 3, &d);   /* 1 GiB: low ADDR bits not address */
	assert_int_equal(d.addr, 0);
	pgtable_decode(0xfff0000000000000ull | 0x123000ull | PGT_ENTRY_R, 2, &d);  /* bits 63:52 not address */
	assert_int_equal(d.addr, 0x123000);

	map_ok(pt, 0, 0x10000000ull, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	map_ok(pt, 2 * MiB, 0x20000000ull, 2 * MiB, PGT_PERM_R, PGT_PGSIZES_ALL);
	map_ok(pt, GiB, 0x40000000ull, GiB, PGT_PERM_W, PGT_PGSIZES_ALL);
	const uint64_t probes[] = { 0x123, 2 * MiB + 0x4567, GiB + 0x89abc, 8 * GiB };
	for (unsigned i = 0; i < 4; i++) {
		/* A timed walker's loop: entry address, read, decode. */
		uint64_t table = pt->root, v = 0;
		unsigned reads = 0, l = pt->levels;
		for (;; l--) {
			assert_int_equal(physmem_read64(pm, pgtable_entry_addr(table, l, probes[i]), &v), 0);
			reads++;
			pgtable_decode(v, l, &d);
			if (d.kind != PGT_ENTRY_TABLE)
				break;
			table = d.addr;
		}
		struct pgt_walk w;
		pgtable_iova_to_phys(pt, probes[i], &w);
		assert_int_equal(reads, w.nsteps);
		assert_int_equal(l, w.level);
		if (d.kind == PGT_ENTRY_LEAF) {
			assert_int_equal(w.status, PGT_WALK_OK);
			assert_int_equal(d.addr | (probes[i] & (d.page_size - 1)), w.pa);
		} else {
			assert_int_equal(w.status, PGT_WALK_NOT_PRESENT);
		}
	}
	done(pm, pt, NULL);
}

/* ------------------------------------------------- context + faults -- */

static void test_ctx_entry_layout(void **state)
{
	(void)state;
	struct ctx_entry ce = {
		.present = true, .fpd = true, .tt = CTX_TT_PASS_THROUGH, .aw = 3, .did = 0xbeef,
		.slptptr = 0x123456789000ull,
	}, back;
	uint64_t lo, hi;
	ctx_entry_encode(&ce, &lo, &hi);
	assert_int_equal(lo & 1, 1);
	assert_int_equal((lo >> 1) & 1, 1);
	assert_int_equal((lo >> 2) & 3, 2);
	assert_int_equal(lo & ~0xfffull, 0x123456789000ull);
	assert_int_equal(hi & 7, 3);
	assert_int_equal((hi >> 8) & 0xffff, 0xbeef);
	assert_int_equal(hi >> 24, 0);
	ctx_entry_decode(lo, hi, &back);
	assert_true(back.present && back.fpd);
	assert_int_equal(back.tt, ce.tt);
	assert_int_equal(back.aw, ce.aw);
	assert_int_equal(back.did, ce.did);
	assert_int_equal(back.slptptr, ce.slptptr);
	assert_int_equal(ctx_aw_levels(1), 3);
	assert_int_equal(ctx_aw_levels(3), 5);
	assert_int_equal(ctx_aw_levels(0), 0);
	assert_int_equal(ctx_aw_levels(4), 0);
	assert_int_equal(ctx_levels_aw(4), 2);
	assert_int_equal(ctx_levels_aw(6), 0);
}

static void test_translate_permissions_and_trace(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;
	uint16_t rid = 0x0318;          /* 03:03.0 */
	uint64_t ro = 0x10000, wo = 0x11000, rw = 0x12000;

	map_ok(pt, ro, 0xa0000, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_ALL);
	map_ok(pt, wo, 0xb0000, 4 * KiB, PGT_PERM_W, PGT_PGSIZES_ALL);
	map_ok(pt, rw, 0xc0000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	ctx_set_ok(ct, rid, 42, pt, 0);

	assert_int_equal(xlate(ct, &caps_all, rid, ro + 8, false, &x), DMAR_OK);
	assert_int_equal(x.pa, 0xa0008);
	assert_int_equal(x.perms, PGT_PERM_R);
	assert_int_equal(x.ce.did, 42);
	assert_int_equal(xlate(ct, &caps_all, rid, ro, true, &x), DMAR_FAULT_NO_WRITE);
	assert_true(x.report);
	assert_int_equal(xlate(ct, &caps_all, rid, wo, false, &x), DMAR_FAULT_NO_READ);
	assert_int_equal(xlate(ct, &caps_all, rid, wo + 16, true, &x), DMAR_OK);
	assert_int_equal(x.pa, 0xb0010);
	assert_int_equal(xlate(ct, &caps_all, rid, rw, true, &x), DMAR_OK);
	assert_int_equal(xlate(ct, &caps_all, rid, rw, false, &x), DMAR_OK);

	/* The trace: root entry, context entry (16 B each), then 4 paging entries. */
	assert_int_equal(x.nreads, 6);
	assert_int_equal(x.reads[0].kind, DMAR_READ_ROOT);
	assert_int_equal(x.reads[0].size, 16);
	assert_int_equal(x.reads[0].pa, ct->rtaddr + 16 * 3);
	assert_int_equal(x.reads[1].kind, DMAR_READ_CONTEXT);
	assert_int_equal(x.reads[1].pa, ct->ctp[3] + 16 * 0x18);
	for (unsigned i = 2; i < 6; i++) {
		assert_int_equal(x.reads[i].kind, DMAR_READ_PAGING);
		assert_int_equal(x.reads[i].size, 8);
		assert_int_equal(x.reads[i].level, 6 - i);
		assert_true(x.reads[i].ok);
	}
	assert_int_equal(x.reads[2].pa, pgtable_entry_addr(pt->root, 4, rw));
	assert_int_equal(x.reads[5].val[0] & PGT_ENTRY_ADDR, 0xc0000);

	/* Trace lengths with superpages: 2 + 3 for 2 MiB, 2 + 2 for 1 GiB. */
	map_ok(pt, 2 * MiB, 2 * MiB, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	map_ok(pt, GiB, GiB, GiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(xlate(ct, &caps_all, rid, 2 * MiB, false, &x), DMAR_OK);
	assert_int_equal(x.nreads, 5);
	assert_int_equal(x.page_size, 2 * MiB);
	assert_int_equal(xlate(ct, &caps_all, rid, GiB, false, &x), DMAR_OK);
	assert_int_equal(x.nreads, 4);
	assert_int_equal(x.page_size, GiB);
	done(pm, pt, ct);
}

static void test_translate_address_width(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *p4 = pt_new(pm, 4), *p5 = pt_new(pm, 5);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;
	struct dmar_caps caps48 = caps_all;

	ctx_set_ok(ct, 0x0100, 1, p4, 0);
	ctx_set_ok(ct, 0x0108, 2, p5, 0);
	map_ok(p5, 1ull << 48, 0x1000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);

	assert_int_equal(xlate(ct, &caps_all, 0x0100, 1ull << 48, false, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(x.nreads, 2);                  /* no paging entry read */
	assert_true(x.report);
	assert_int_equal(xlate(ct, &caps_all, 0x0100, ~0ull, true, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(xlate(ct, &caps_all, 0x0108, 1ull << 48, false, &x), DMAR_OK);
	assert_int_equal(x.nreads, 7);
	assert_int_equal(xlate(ct, &caps_all, 0x0108, 1ull << 57, false, &x), DMAR_FAULT_ADDR_WIDTH);
	/* MGAW below the table's width limits it: 2^min(MGAW, AGAW). */
	caps48.mgaw = 48;
	assert_int_equal(xlate(ct, &caps48, 0x0108, 1ull << 48, false, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(xlate(ct, &caps48, 0x0108, (1ull << 48) - 1, false, &x), DMAR_FAULT_NO_READ);
	pgtable_free(p5);
	done(pm, p4, ct);
}

static void test_ctx_not_present(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;

	map_ok(pt, 0, 0x1000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	assert_int_equal(xlate(ct, &caps_all, 0x0110, 0, false, &x), DMAR_FAULT_ROOT_NOT_PRESENT);
	assert_int_equal(x.nreads, 1);
	assert_int_equal(x.reads[0].pa, ct->rtaddr + 16);
	assert_true(x.report);
	assert_string_equal(dmar_fault_name(x.fault), "root_not_present");

	ctx_set_ok(ct, 0x0110, 5, pt, 0);
	assert_int_equal(ct->ctx_tables, 1);
	assert_int_equal(ct->present, 1);
	assert_int_equal(xlate(ct, &caps_all, 0x0110, 0, false, &x), DMAR_OK);
	assert_int_equal(x.pa, 0x1000);
	assert_int_equal(xlate(ct, &caps_all, 0x0111, 0, false, &x), DMAR_FAULT_CTX_NOT_PRESENT);
	assert_int_equal(x.nreads, 2);
	assert_int_equal(x.reads[1].pa, ct->ctp[1] + 16 * 0x11);
	assert_int_equal(xlate(ct, &caps_all, 0x0210, 0, false, &x), DMAR_FAULT_ROOT_NOT_PRESENT);

	assert_true(ctxtable_clear(ct, 0x0110));
	assert_false(ctxtable_clear(ct, 0x0110));
	assert_false(ctxtable_clear(ct, 0x7700));
	assert_int_equal(ct->present, 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0110, 0, false, &x), DMAR_FAULT_CTX_NOT_PRESENT);

	/* Setting errors. */
	struct iov_err e = { 0 };
	assert_int_equal(ctxtable_set(ct, 0x0110, 1, NULL, 0, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_int_equal(ctxtable_set(ct, 0x0110, 1, pt, CTX_F_PASS_THROUGH | CTX_F_DEV_TLB, NULL), -1);
	assert_int_equal(ctxtable_set(ct, 0x0110, 1, pt, 0x80, NULL), -1);
	struct physmem *other = pm_new(MiB);
	struct pgtable *pto = pt_new(other, 4);
	assert_int_equal(ctxtable_set(ct, 0x0110, 1, pto, 0, NULL), -1);
	done(other, pto, NULL);
	done(pm, pt, ct);
}

static void test_ctx_invalid_programming(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *p4 = pt_new(pm, 4), *p5 = pt_new(pm, 5), *p3 = pt_new(pm, 3);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;
	struct dmar_caps only4 = { .sagaw = 1u << 2, .mgaw = 48 };

	map_ok(p4, 0, 0x1000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	map_ok(p5, 0, 0x2000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	ctx_set_ok(ct, 0x0000, 1, p4, 0);
	ctx_set_ok(ct, 0x0001, 2, p5, 0);
	ctx_set_ok(ct, 0x0002, 3, p3, 0);
	assert_int_equal(xlate(ct, &only4, 0x0000, 0, false, &x), DMAR_OK);
	/* Levels the hardware does not support. */
	assert_int_equal(xlate(ct, &only4, 0x0001, 0, false, &x), DMAR_FAULT_CTX_INVALID);
	assert_int_equal(x.nreads, 2);
	assert_int_equal(xlate(ct, &caps_all, 0x0001, 0, false, &x), DMAR_OK);
	assert_int_equal(x.pa, 0x2000);
	assert_int_equal(xlate(ct, &only4, 0x0002, 0, false, &x), DMAR_FAULT_CTX_INVALID);

	/* Reserved AW and TT values. */
	struct ctx_entry ce = { .present = true, .aw = 0, .did = 9, .slptptr = p4->root };
	ctx_entry_ok(ct, 0x0003, &ce);
	assert_int_equal(xlate(ct, &caps_all, 0x0003, 0, false, &x), DMAR_FAULT_CTX_INVALID);
	ce.aw = 4;
	ctx_entry_ok(ct, 0x0003, &ce);
	assert_int_equal(xlate(ct, &caps_all, 0x0003, 0, false, &x), DMAR_FAULT_CTX_INVALID);
	ce.aw = 2;
	ce.tt = CTX_TT_RESERVED;
	ctx_entry_ok(ct, 0x0003, &ce);
	assert_int_equal(xlate(ct, &caps_all, 0x0003, 0, false, &x), DMAR_FAULT_CTX_INVALID);
	ce.tt = CTX_TT_UNTRANSLATED;
	ctx_entry_ok(ct, 0x0003, &ce);
	assert_int_equal(xlate(ct, &caps_all, 0x0003, 0, false, &x), DMAR_OK);

	/* Pass-through and device-TLB types need the capability. */
	ctx_set_ok(ct, 0x0004, 4, NULL, CTX_F_PASS_THROUGH);
	assert_int_equal(xlate(ct, &only4, 0x0004, 0x123456789ull, true, &x), DMAR_FAULT_CTX_INVALID);
	assert_int_equal(xlate(ct, &caps_all, 0x0004, 0x123456789ull, true, &x), DMAR_OK);
	assert_true(x.pass_through);
	assert_int_equal(x.pa, 0x123456789ull);
	assert_int_equal(x.nreads, 2);
	ctx_set_ok(ct, 0x0005, 5, p4, CTX_F_DEV_TLB);
	assert_int_equal(xlate(ct, &only4, 0x0005, 0, false, &x), DMAR_FAULT_CTX_INVALID);
	assert_int_equal(xlate(ct, &caps_all, 0x0005, 0, false, &x), DMAR_OK);
	assert_int_equal(x.pa, 0x1000);
	assert_int_equal(ct->present, 6);
	pgtable_free(p5);
	pgtable_free(p3);
	done(pm, p4, ct);
}

static void test_unbacked_reads(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;
	uint64_t iova = 0x40201000ull, good;

	map_ok(pt, iova, 0x5000, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	ctx_set_ok(ct, 0x0200, 1, pt, 0);

	/* A corrupted level-4 entry pointing into unbacked memory: 0x7 at level 3. */
	uint64_t ea = pgtable_entry_addr(pt->root, 4, iova);
	assert_int_equal(physmem_read64(pm, ea, &good), 0);
	assert_int_equal(physmem_write64(pm, ea, UNBACKED | PGT_ENTRY_R | PGT_ENTRY_W, NULL), 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0200, iova, false, &x), DMAR_FAULT_PTE_READ);
	assert_int_equal(x.nreads, 4);
	assert_true(x.reads[2].ok);
	assert_false(x.reads[3].ok);
	assert_int_equal(x.reads[3].level, 3);
	assert_int_equal(x.reads[3].pa, UNBACKED + 8 * pgtable_index(iova, 3));
	assert_true(x.report);
	/* Same one level down. */
	assert_int_equal(physmem_write64(pm, ea, good, NULL), 0);
	uint64_t ea3 = pgtable_entry_addr(good, 3, iova), good3;
	assert_int_equal(physmem_read64(pm, ea3, &good3), 0);
	assert_int_equal(physmem_write64(pm, ea3, UNBACKED | PGT_ENTRY_R, NULL), 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0200, iova, true, &x), DMAR_FAULT_PTE_READ);
	assert_int_equal(x.nreads, 5);
	assert_int_equal(physmem_write64(pm, ea3, good3, NULL), 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0200, iova, true, &x), DMAR_OK);

	/* SLPTPTR into unbacked memory: the first paging read fails -> 0x3 (spec). */
	struct ctx_entry ce = { .present = true, .aw = 2, .slptptr = UNBACKED };
	ctx_entry_ok(ct, 0x0201, &ce);
	assert_int_equal(xlate(ct, &caps_all, 0x0201, iova, false, &x), DMAR_FAULT_CTX_INVALID);
	assert_int_equal(x.nreads, 3);
	assert_false(x.reads[2].ok);

	/* Root table address unbacked -> 0x8; context-table pointer unbacked -> 0x9. */
	assert_int_equal(dmar_translate(pm, UNBACKED, &caps_all, 0x0200, iova, false, &x),
			 DMAR_FAULT_ROOT_READ);
	assert_int_equal(x.nreads, 1);
	assert_false(x.reads[0].ok);
	assert_int_equal(physmem_write64(pm, ct->rtaddr + 16 * 9, UNBACKED | CTX_ROOT_P, NULL), 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0900, iova, false, &x), DMAR_FAULT_CTX_READ);
	assert_int_equal(x.nreads, 2);
	assert_false(x.reads[1].ok);
	assert_true(x.report);

	done(pm, pt, ct);
}

static void test_fpd(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(16 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct ctxtable *ct = ct_new(pm);
	struct dmar_xlate x;

	map_ok(pt, 0, 0x1000, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_ALL);
	ctx_set_ok(ct, 0x0400, 1, pt, CTX_F_FPD);
	ctx_set_ok(ct, 0x0401, 1, pt, 0);
	assert_int_equal(xlate(ct, &caps_all, 0x0400, 0, true, &x), DMAR_FAULT_NO_WRITE);
	assert_true(x.ce.fpd);
	assert_false(x.report);
	assert_int_equal(xlate(ct, &caps_all, 0x0401, 0, true, &x), DMAR_FAULT_NO_WRITE);
	assert_true(x.report);
	/* A non-present context entry with FPD set: 0x2 is qualified, suppressed. */
	struct ctx_entry ce = { .present = false, .fpd = true };
	ctx_entry_ok(ct, 0x0402, &ce);
	assert_int_equal(xlate(ct, &caps_all, 0x0402, 0, false, &x), DMAR_FAULT_CTX_NOT_PRESENT);
	assert_false(x.report);
	/* 0x1 comes before any context entry: always reported. */
	assert_int_equal(xlate(ct, &caps_all, 0x0500, 0, false, &x), DMAR_FAULT_ROOT_NOT_PRESENT);
	assert_true(x.report);
	/* No fault, nothing to report. */
	assert_int_equal(xlate(ct, &caps_all, 0x0400, 0, false, &x), DMAR_OK);
	assert_false(x.report);
	done(pm, pt, ct);
}

static void test_fault_names(void **state)
{
	(void)state;
	for (unsigned i = 1; i <= DMAR_FAULT_MAX; i++) {
		assert_string_not_equal(dmar_fault_name(i), "unknown");
		for (unsigned j = 1; j < i; j++)
			assert_string_not_equal(dmar_fault_name(i), dmar_fault_name(j));
	}
	assert_string_equal(dmar_fault_name(0x42), "unknown");
	assert_string_equal(dmar_fault_name(DMAR_FAULT_NO_WRITE), "no_write");
	assert_non_null(strstr(dmar_fault_desc(DMAR_FAULT_PTE_READ), "paging entry"));
	assert_string_equal(dmar_fault_desc(0x99), "unknown fault reason");
	assert_int_equal(DMAR_FAULT_ADDR_WIDTH, 4);
	assert_int_equal(DMAR_FAULT_PTE_READ, 7);
	assert_false(dmar_fault_qualified(DMAR_FAULT_ROOT_NOT_PRESENT));
	assert_true(dmar_fault_qualified(DMAR_FAULT_NO_READ));
	assert_false(dmar_fault_qualified(0x42));
}

/* --------------------------------------------------------------- scale -- */

#define NRAND 100000
#define WINDOW_PAGES (1u << 20)         /* 4 GiB of IOVA */

static void test_many_random_maps(void **state)
{
	(void)state;
	struct physmem *pm = pm_new(64 * MiB);
	struct pgtable *pt = pt_new(pm, 4);
	struct ctxtable *ct = ct_new(pm);
	struct rng r;
	uint64_t base = 0x7f0000000000ull;
	uint32_t *page = malloc(NRAND * sizeof(*page));
	uint64_t *pa = malloc(NRAND * sizeof(*pa));
	uint8_t *perm = malloc(NRAND);
	uint8_t *used = calloc(WINDOW_PAGES, 1);
	assert_non_null(page);
	assert_non_null(pa);
	assert_non_null(perm);
	assert_non_null(used);

	rng_seed_named(&r, 1, "test_pgtable");
	for (unsigned i = 0; i < NRAND; i++) {
		uint32_t p;
		do
			p = (uint32_t)(rng_next(&r) % WINDOW_PAGES);
		while (used[p]);
		used[p] = 1;
		page[i] = p;
		pa[i] = (rng_next(&r) % (1ull << 28)) << 12;            /* below 2^40 */
		perm[i] = (uint8_t)(1 + rng_next(&r) % 3);
		map_ok(pt, base + ((uint64_t)p << 12), pa[i], 4 * KiB, perm[i], PGT_PGSIZES_ALL);
	}
	assert_int_equal(pt->mapped_bytes, (uint64_t)NRAND * 4 * KiB);
	assert_int_equal(pt->leaves[0], NRAND);
	assert_true(pt->tables <= 1 + 1 + 4 + 2048);   /* the window spans 4 PDs, 2048 PTs */
	assert_int_equal(in_use(pm), pt->tables + 1);  /* + the root table */

	/* Every mapping translates through the walk. */
	for (unsigned i = 0; i < NRAND; i++) {
		struct pgt_walk w;
		uint64_t off = (i * 8ull) & 0xfff;
		pgtable_iova_to_phys(pt, base + ((uint64_t)page[i] << 12) + off, &w);
		assert_int_equal(w.status, PGT_WALK_OK);
		assert_int_equal(w.pa, pa[i] + off);
		assert_int_equal(w.perms, perm[i]);
	}
	/* Spot checks through the context and the permission check; unmapped pages fault. */
	ctx_set_ok(ct, 0x8100, 7, pt, 0);
	for (unsigned i = 0; i < 2000; i++) {
		struct dmar_xlate x;
		uint32_t p = (uint32_t)(rng_next(&r) % WINDOW_PAGES);
		unsigned k = (unsigned)(rng_next(&r) % NRAND);
		bool wr = rng_next(&r) & 1;
		uint64_t iova = base + ((uint64_t)page[k] << 12);
		enum dmar_fault f = xlate(ct, &caps_all, 0x8100, iova, wr, &x);
		if (perm[k] & (wr ? PGT_PERM_W : PGT_PERM_R)) {
			assert_int_equal(f, DMAR_OK);
			assert_int_equal(x.pa, pa[k]);
		} else {
			assert_int_equal(f, wr ? DMAR_FAULT_NO_WRITE : DMAR_FAULT_NO_READ);
		}
		if (!used[p])
			assert_int_equal(xlate(ct, &caps_all, 0x8100, base + ((uint64_t)p << 12), false, &x),
					 DMAR_FAULT_NO_READ);
	}

	/* Unmap everything in a shuffled order, deferred like Linux: flush every 250. */
	for (unsigned i = NRAND - 1; i > 0; i--) {
		unsigned j = (unsigned)(rng_next(&r) % (i + 1));
		uint32_t t = page[i];
		page[i] = page[j];
		page[j] = t;
	}
	struct pgt_gather g;
	pgtable_gather_init(&g);
	for (unsigned i = 0; i < NRAND; i++) {
		assert_int_equal(unmap(pt, base + ((uint64_t)page[i] << 12), 4 * KiB, &g),
				 (int64_t)(4 * KiB));
		if (i % 250 == 249)
			pgtable_gather_release(pm, &g);
	}
	pgtable_gather_release(pm, &g);
	assert_int_equal(pt->mapped_bytes, 0);
	assert_int_equal(pt->leaves[0], 0);
	assert_int_equal(pt->tables, 1);
	assert_int_equal(in_use(pm), 1 + 1 + 1);      /* pt root, root table, bus 0x81 */
	free(page);
	free(pa);
	free(perm);
	free(used);
	done(pm, pt, ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_physmem_alloc_free),
		cmocka_unit_test(test_physmem_sparse),
		cmocka_unit_test(test_physmem_bad_region),
		cmocka_unit_test(test_create_levels),
		cmocka_unit_test(test_map_4k_walk_trace),
		cmocka_unit_test(test_map_2m),
		cmocka_unit_test(test_map_1g),
		cmocka_unit_test(test_5level),
		cmocka_unit_test(test_map_mixed_sizes),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_map_exhaustion_rollback),
		cmocka_unit_test(test_unmap_then_translate),
		cmocka_unit_test(test_partial_unmap_2m_splits),
		cmocka_unit_test(test_partial_unmap_1g_splits_twice),
		cmocka_unit_test(test_split_out_of_frames),
		cmocka_unit_test(test_walk_step_api),
		cmocka_unit_test(test_ctx_entry_layout),
		cmocka_unit_test(test_translate_permissions_and_trace),
		cmocka_unit_test(test_translate_address_width),
		cmocka_unit_test(test_ctx_not_present),
		cmocka_unit_test(test_ctx_invalid_programming),
		cmocka_unit_test(test_unbacked_reads),
		cmocka_unit_test(test_fpd),
		cmocka_unit_test(test_fault_names),
		cmocka_unit_test(test_many_random_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
