/* test_fltable.c - VT-d first-stage tables: entry layout, frames in guest memory, map, unmap */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_nested_env.h"

static void test_fl_entry_layout(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	env_init(&v, 4, 4, PGT_PGSIZES_4K);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R | FL_PERM_W | FL_PERM_U | FL_PERM_X,
	       PGT_PGSIZES_ALL);
	fs_map(&v, IOVA + 4 * KiB, DATA_GPA + 4 * KiB, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
	fs_map(&v, 2 * MiB, DATA_GPA + 2 * MiB, 2 * MiB, FL_PERM_R | FL_PERM_W, PGT_PGSIZES_ALL);
	fs_map(&v, GiB, 2 * DATA_GPA, GiB, FL_PERM_R, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 4 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	/* Page sizes limited by pgsizes: 512 x 4 KiB, 512 x 2 MiB. */
	fs_map(&v, 4 * MiB, DATA_GPA, 2 * MiB, FL_PERM_R, PGT_PGSIZES_4K);
	fs_map(&v, 2 * GiB, 0, GiB, FL_PERM_R, PGT_SIZE_4K | PGT_SIZE_2M);
	assert_int_equal(v.fl->leaves[0], 2 + 512);
	assert_int_equal(v.fl->leaves[1], 1 + 512);
	assert_int_equal(v.fl->leaves[2], 1);
	assert_int_equal(v.fl->mapped_bytes, 8 * KiB + 4 * MiB + 2 * GiB);

	/* x86 layout: P 0, R/W 1, U/S 2, PS 7, XD 63; pointers P|R/W|U/S. */
	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_OK);
	assert_int_equal(x.fs[0].entry & 0x8000000000000fffull, 0x7);
	assert_int_equal(x.fs[3].entry, DATA_GPA | 0x7);
	assert_int_equal(x.fs_perms, FL_PERM_ALL);
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, false, &x), DMAR_OK);
	assert_int_equal(x.fs[3].entry, (DATA_GPA + 4 * KiB) | FL_ENTRY_XD | 0x1);
	assert_int_equal(x.fs_perms, FL_PERM_R);
	assert_int_equal(walk(&v, NULL, 2 * MiB, false, &x), DMAR_OK);
	assert_int_equal(x.fs[2].entry, (DATA_GPA + 2 * MiB) | FL_ENTRY_XD | 0x83);
	assert_int_equal(walk(&v, NULL, GiB, false, &x), DMAR_FAULT_NO_READ);   /* GPA not in ss */
	assert_int_equal(x.fs[1].entry, 2 * DATA_GPA | FL_ENTRY_XD | 0x81);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);

	struct fl_decoded d;
	fltable_decode(0x5000 | FL_ENTRY_PS | FL_ENTRY_P, 4, &d);       /* PS ignored at level 4 */
	assert_int_equal(d.kind, PGT_ENTRY_TABLE);
	fltable_decode(0x40000000 | FL_ENTRY_PS | FL_ENTRY_P | FL_ENTRY_US, 3, &d);
	assert_int_equal(d.kind, PGT_ENTRY_LEAF);
	assert_int_equal(d.page_size, GiB);
	assert_int_equal(d.perms, FL_PERM_R | FL_PERM_U | FL_PERM_X);
	fltable_decode(0x5000 | FL_ENTRY_RW, 1, &d);                    /* no P: not present */
	assert_int_equal(d.kind, PGT_ENTRY_NOT_PRESENT);
	assert_int_equal(d.perms, 0);
	env_done(&v);
}

static void test_fl_frames_in_guest_memory(void **state)
{
	(void)state;
	struct env v;
	struct iov_err e = { 0 };
	uint64_t hpa, val, gpa, sz;
	unsigned perms;
	env_init(&v, 4, 4, PGT_PGSIZES_4K);

	/* The next frame the guest will take holds garbage: a new table must come up zeroed. */
	assert_int_equal(physmem_write64(v.pm, RAM_HPA + GT_BASE + 4 * KiB + 8 * 300, ~0ull, NULL), 0);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
	assert_int_equal(v.fl->tables, 4);
	assert_int_equal(in_use(v.gmem), 4);
	assert_true(physmem_in_region(v.gmem, v.fl->root_gpa));
	assert_int_equal(fltable_lookup(v.fl, IOVA + 5, &gpa, &sz, &perms), 0);
	assert_int_equal(gpa, DATA_GPA + 5);
	assert_int_equal(fltable_lookup(v.fl, 0x7f0000000000ull + 300 * GiB, &gpa, &sz, &perms), -1);

	/* The root's entry is at the HPA the second stage gives its GPA, not in the host table region. */
	assert_int_equal(fltable_gpa_to_hpa(v.fl, v.fl->root_gpa, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + v.fl->root_gpa);
	assert_false(physmem_in_region(v.pm, hpa));
	assert_int_equal(physmem_read64(v.pm, pgtable_entry_addr(hpa, 4, IOVA), &val), 0);
	assert_true(physmem_in_region(v.gmem, val & FL_ENTRY_ADDR));
	fltable_free(v.fl);
	assert_int_equal(in_use(v.gmem), 0);

	/* Bad levels; a guest frame the second stage does not map: refused, nothing kept. */
	assert_null(fltable_create(v.gmem, v.ss, 3, &e));
	assert_int_equal(e.status, IOV_BAD_INPUT);
	struct physmem *far = physmem_create(8 * GiB, 64 * KiB, NULL);
	iov_err_clear(&e);
	assert_null(fltable_create(far, v.ss, 4, &e));
	assert_non_null(strstr(e.msg, "not mapped by the second stage"));
	assert_int_equal(in_use(far), 0);
	physmem_destroy(far);
	v.fl = fltable_create(v.gmem, v.ss, 5, &e);
	assert_int_equal(v.fl->width, 57);
	env_done(&v);
}

static void test_fl_map_errors(void **state)
{
	(void)state;
	struct env v;
	struct iov_err e = { 0 };
	env_init(&v, 4, 4, PGT_PGSIZES_ALL);
	struct fltable *fl = v.fl;
	const uint64_t all = PGT_PGSIZES_ALL;

	assert_int_equal(fltable_map(fl, 0x800, 0, 4 * KiB, FL_PERM_R, all, NULL), -1);
	assert_int_equal(fltable_map(fl, 0, 0x800, 4 * KiB, FL_PERM_R, all, NULL), -1);
	assert_int_equal(fltable_map(fl, 0, 0, 0, FL_PERM_R, all, NULL), -1);
	assert_int_equal(fltable_map(fl, 0, 0, 4 * KiB, FL_PERM_W, all, NULL), -1);   /* no R */
	assert_int_equal(fltable_map(fl, 0, 0, 4 * KiB, FL_PERM_R | 16, all, NULL), -1);
	assert_int_equal(fltable_map(fl, 0, 0, 4 * KiB, FL_PERM_R, PGT_SIZE_2M, NULL), -1);
	assert_int_equal(fltable_map(fl, 1ull << 48, 0, 4 * KiB, FL_PERM_R, all, NULL), -1);
	assert_int_equal(fltable_map(fl, 0, (1ull << 52) - 4 * KiB, 8 * KiB, FL_PERM_R, all, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_int_equal(fl->tables, 1);

	/* Overlaps, 4 KiB pages put in before the collision come out again. */
	fs_map(&v, 2 * MiB + 16 * KiB, 0, 4 * KiB, FL_PERM_R, all);
	uint64_t frames = in_use(v.gmem);
	iov_err_clear(&e);
	assert_int_equal(fltable_map(fl, 2 * MiB, 0, 2 * MiB, FL_PERM_R, all, &e), -1);
	assert_non_null(strstr(e.msg, "already mapped"));
	assert_int_equal(fltable_map(fl, 2 * MiB, 0, 2 * MiB, FL_PERM_R, PGT_PGSIZES_4K, NULL), -1);
	assert_int_equal(fl->mapped_bytes, 4 * KiB);
	assert_int_equal(in_use(v.gmem), frames);
	fs_map(&v, GiB, 0, GiB, FL_PERM_R, all);
	iov_err_clear(&e);
	assert_int_equal(fltable_map(fl, GiB + 8 * MiB, 0, 4 * KiB, FL_PERM_R, all, &e), -1);
	assert_non_null(strstr(e.msg, "already mapped"));
	/* A range needing a new PT whose third page hits the 1 GiB page: all undone. */
	frames = in_use(v.gmem);
	assert_int_equal(fltable_map(fl, GiB - 8 * KiB, 0, 12 * KiB, FL_PERM_R, all, NULL), -1);
	assert_int_equal(in_use(v.gmem), frames);
	assert_int_equal(fl->leaves[0], 1);
	assert_int_equal(fl->leaves[2], 1);
	env_done(&v);

	/* Guest out of table pages: 3 frames, a 4 KiB mapping needs 4. */
	env_init(&v, 4, 4, PGT_PGSIZES_ALL);
	fltable_free(v.fl);
	physmem_destroy(v.gmem);
	v.gmem = physmem_create(GT_BASE, 3 * 4 * KiB, NULL);
	v.fl = fltable_create(v.gmem, v.ss, 4, NULL);
	iov_err_clear(&e);
	assert_int_equal(fltable_map(v.fl, 0, 0, 4 * KiB, FL_PERM_R, all, &e), -1);
	assert_non_null(strstr(e.msg, "out of table frames"));
	assert_int_equal(in_use(v.gmem), 1);
	assert_int_equal(v.fl->tables, 1);
	fs_map(&v, 0, 0, 2 * MiB, FL_PERM_R, all);              /* a 2 MiB leaf fits: PDPT + PD */
	assert_int_equal(in_use(v.gmem), 3);
	env_done(&v);
}

static void test_fl_unmap_then_walk_faults(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	struct pgt_gather g;
	env_init(&v, 4, 4, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 4 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);
	fs_map(&v, IOVA, DATA_GPA, 8 * KiB, FL_PERM_R | FL_PERM_W, PGT_PGSIZES_ALL);
	fs_map(&v, 2 * MiB, DATA_GPA + 2 * MiB, 2 * MiB, FL_PERM_R, PGT_PGSIZES_ALL);
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, true, &x), DMAR_OK);

	assert_int_equal(fltable_unmap(v.fl, IOVA + 4 * KiB, 4 * KiB, NULL, NULL), (int64_t)(4 * KiB));
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_true(x.not_present);
	assert_int_equal(x.fault_level, 1);
	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_OK);     /* the neighbour stays */

	/* Last page of its tables, gathered: tables stay readable until released. */
	uint64_t frames = in_use(v.gmem);
	pgtable_gather_init(&g);
	assert_int_equal(fltable_unmap(v.fl, IOVA, 4 * KiB, &g, NULL), (int64_t)(4 * KiB));
	assert_int_equal(g.nfreed, 3);
	assert_true(g.tables_changed);
	assert_int_equal(g.start, IOVA);
	assert_int_equal(g.end, IOVA + 4 * KiB);
	assert_int_equal(in_use(v.gmem), frames);
	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_FAULT_NO_READ);
	assert_int_equal(x.fault_level, 4);                         /* unhooked at the root */
	assert_int_equal(x.nrefs, 2 + 1);                           /* 1 GiB ss page: 2 reads */
	pgtable_gather_release(v.gmem, &g);
	assert_int_equal(in_use(v.gmem), frames - 3);

	/* Part of a superpage: refused, nothing changes; a hole unmaps 0 bytes. */
	struct iov_err e = { 0 };
	assert_int_equal(fltable_unmap(v.fl, 2 * MiB, 4 * KiB, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "part of"));
	assert_int_equal(fltable_unmap(v.fl, 0, 3 * MiB, NULL, NULL), -1);
	assert_int_equal(fltable_unmap(v.fl, 3 * MiB, 2 * MiB, NULL, NULL), -1);
	assert_int_equal(walk(&v, NULL, 2 * MiB, false, &x), DMAR_OK);
	assert_int_equal(fltable_unmap(v.fl, 0, 2 * MiB, NULL, NULL), 0);
	assert_int_equal(fltable_unmap(v.fl, 0, 4 * MiB, NULL, NULL), (int64_t)(2 * MiB));
	assert_int_equal(v.fl->tables, 1);
	assert_int_equal(v.fl->mapped_bytes, 0);
	assert_int_equal(in_use(v.gmem), 1);
	env_done(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fl_entry_layout),
		cmocka_unit_test(test_fl_frames_in_guest_memory),
		cmocka_unit_test(test_fl_map_errors),
		cmocka_unit_test(test_fl_unmap_then_walk_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
