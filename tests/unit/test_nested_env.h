/* test_nested_env.h - for unit tests: a guest's first stage over a second stage in simulated memory
 * (include after cmocka.h) */
#ifndef IOVSIM_TEST_NESTED_ENV_H
#define IOVSIM_TEST_NESTED_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/iommu/fltable.h"
#include "models/iommu/nested.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/physmem.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define HOST_TABLES (4 * GiB)   /* host frames for second-stage tables: [4 GiB, +64 MiB) */
#define RAM_HPA (64 * GiB)      /* guest RAM: GPA g lives at HPA RAM_HPA + g */
#define GT_BASE (1 * GiB)       /* the guest's table pages: GPAs [1 GiB, +2 MiB) */
#define GT_SIZE (2 * MiB)
#define DATA_GPA (4 * GiB)      /* where tests map DMA buffers */
#define IOVA (0x7f0000000000ull + 0x1234 * 4 * KiB)
#define UNBACKED 0xdead000000ull

/* Host memory, guest frame allocator, second stage mapping the table pages, first stage. */
struct env {
	struct physmem *pm, *gmem;
	struct pgtable *ss;
	struct fltable *fl;
};

static inline uint64_t in_use(const struct physmem *pm)
{
	struct physmem_stats st;
	physmem_get_stats(pm, &st);
	return st.frames_in_use;
}

static inline void ss_map(struct env *v, uint64_t gpa, uint64_t size, unsigned perms,
			  uint64_t pgsizes)
{
	struct iov_err e = { 0 };
	if (pgtable_map(v->ss, gpa, RAM_HPA + gpa, size, perms, pgsizes, &e))
		fail_msg("%s", e.msg);
}

static inline void fs_map(struct env *v, uint64_t iova, uint64_t gpa, uint64_t size,
			  unsigned perms, uint64_t pgsizes)
{
	struct iov_err e = { 0 };
	if (fltable_map(v->fl, iova, gpa, size, perms, pgsizes, &e))
		fail_msg("%s", e.msg);
}

/* tab_pgsizes: second-stage page sizes for the guest's table pages (1 GiB, 2 MiB or 4 KiB). */
static inline void env_init(struct env *v, unsigned fs_levels, unsigned ss_levels,
			    uint64_t tab_pgsizes)
{
	struct iov_err e = { 0 };
	v->pm = physmem_create(HOST_TABLES, 64 * MiB, &e);
	v->gmem = physmem_create(GT_BASE, GT_SIZE, &e);
	assert_non_null(v->pm);
	assert_non_null(v->gmem);
	v->ss = pgtable_create(v->pm, ss_levels, &e);
	assert_non_null(v->ss);
	ss_map(v, GT_BASE, tab_pgsizes & PGT_SIZE_1G ? GiB : GT_SIZE, PGT_PERM_RW, tab_pgsizes);
	v->fl = fltable_create(v->gmem, v->ss, fs_levels, &e);
	if (!v->fl)
		fail_msg("%s", e.msg);
}

/* Everything handed out went back. */
static inline void env_done(struct env *v)
{
	fltable_free(v->fl);
	assert_int_equal(in_use(v->gmem), 0);
	pgtable_free(v->ss);
	assert_int_equal(in_use(v->pm), 0);
	physmem_destroy(v->gmem);
	physmem_destroy(v->pm);
}

static inline enum dmar_fault walk(const struct env *v, const struct nested_caches *c,
				   uint64_t iova, bool is_write, struct nested_xlate *x)
{
	struct nested_cfg cfg = nested_cfg_of(v->fl);
	return nested_translate(v->pm, &cfg, c, iova, is_write, x);
}

#endif
