/* test_nested.c - VT-d nested translation: references, page sizes, faults by stage, caches */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_nested_env.h"

/* ------------------------------------------------------------- helpers -- */

/* The trace as "s4 s3 f4 ...": stage letter and level of each reference, in order. */
static const char *shape(const struct nested_xlate *x)
{
	static char buf[4 * NESTED_MAX_REFS + 1];
	char *p = buf;
	buf[0] = '\0';
	for (unsigned i = 0; i < x->nrefs; i++)
		p += sprintf(p, "%s%c%u", i ? " " : "", x->refs[i].kind == NESTED_REF_SS ? 's' : 'f',
			     x->refs[i].level);
	return buf;
}

/* Expected shape: first-stage levels fs_top..fs_leaf, each after an m-read second-stage walk. */
static const char *expect_shape(unsigned fs_top, unsigned fs_leaf, unsigned ss_levels,
				unsigned tab_reads, unsigned out_reads)
{
	static char buf[4 * NESTED_MAX_REFS + 1];
	char *p = buf;
	for (unsigned l = fs_top; l >= fs_leaf; l--) {
		for (unsigned k = 0; k < tab_reads; k++)
			p += sprintf(p, "s%u ", ss_levels - k);
		p += sprintf(p, "f%u ", l);
	}
	for (unsigned k = 0; k < out_reads; k++)
		p += sprintf(p, "s%u ", ss_levels - k);
	if (p > buf)
		p[-1] = '\0';
	return buf;
}

/* Test caches: a list of second-stage translations and of first-stage non-leaf entries. */
struct mock_ss {
	uint64_t gpa_page, hpa_page, size;
	unsigned perms;
};

struct mock_pwc {
	uint64_t iova, table;
	unsigned level, perms;
};

struct mock {
	struct mock_ss ss[32];
	struct mock_pwc pwc[16];
	unsigned nss, npwc, ss_lookups, pwc_lookups;
	bool pwc_keeps_perms;
};

static bool mock_ss(void *ctx, uint64_t gpa, uint64_t *hpa_page, uint64_t *size, unsigned *perms)
{
	struct mock *m = ctx;
	m->ss_lookups++;
	for (unsigned i = 0; i < m->nss; i++)
		if (gpa - m->ss[i].gpa_page < m->ss[i].size) {
			*hpa_page = m->ss[i].hpa_page;
			*size = m->ss[i].size;
			*perms = m->ss[i].perms;
			return true;
		}
	return false;
}

/* The deepest cached entry whose IOVA span holds iova. */
static bool mock_pwc(void *ctx, uint64_t iova, unsigned *level, uint64_t *table, unsigned *perms)
{
	struct mock *m = ctx;
	int best = -1;
	m->pwc_lookups++;
	for (unsigned i = 0; i < m->npwc; i++) {
		uint64_t span = pgtable_level_size(m->pwc[i].level);
		if ((iova & ~(span - 1)) == (m->pwc[i].iova & ~(span - 1)) &&
		    (best < 0 || m->pwc[i].level < m->pwc[best].level))
			best = (int)i;
	}
	if (best < 0)
		return false;
	*level = m->pwc[best].level;
	*table = m->pwc[best].table;
	if (m->pwc_keeps_perms)
		*perms = m->pwc[best].perms;
	return true;
}

/* Insert what x reports as cacheable: walked second-stage translations, first-stage
 * non-leaf entries at levels >= min_level. */
static void mock_learn(struct mock *m, const struct nested_xlate *x, unsigned min_level)
{
	for (unsigned i = 0; i < x->nss; i++)
		if (!x->ss[i].cached && x->ss[i].ok)
			m->ss[m->nss++] = (struct mock_ss){ x->ss[i].gpa_page, x->ss[i].hpa_page,
							    x->ss[i].page_size, x->ss[i].perms };
	for (unsigned i = 0; i < x->nfs; i++)
		if (x->fs[i].kind == PGT_ENTRY_TABLE && x->fs[i].level >= min_level)
			m->pwc[m->npwc++] = (struct mock_pwc){ x->iova, x->fs[i].next_gpa,
							      x->fs[i].level, x->fs[i].perms };
}

static const struct nested_caches *caches(struct mock *m, bool ss, bool pwc,
					  struct nested_caches *c)
{
	*c = (struct nested_caches){ .ctx = m, .ss_lookup = ss ? mock_ss : NULL,
				     .fs_pwc_lookup = pwc ? mock_pwc : NULL };
	return c;
}

/* ------------------------------------------------- nested walk, uncached -- */

static void test_nested_4x4_24_reads(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	env_init(&v, 4, 4, PGT_PGSIZES_4K);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R | FL_PERM_W, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_4K);

	assert_int_equal(walk(&v, NULL, IOVA + 0x9a8, true, &x), DMAR_OK);
	assert_int_equal(x.nrefs, 24);          /* FACTS.md: (4 + 1)(4 + 1) - 1 */
	assert_string_equal(shape(&x), expect_shape(4, 1, 4, 4, 4));
	assert_int_equal(x.pa, RAM_HPA + DATA_GPA + 0x9a8);
	assert_int_equal(x.gpa, DATA_GPA + 0x9a8);
	assert_int_equal(x.page_size, 4 * KiB);
	assert_int_equal(x.perms, PGT_PERM_RW);
	assert_int_equal(x.stage, NESTED_STAGE_NONE);
	assert_int_equal(x.nss, 5);
	assert_int_equal(x.nfs, 4);
	/* Each first-stage entry is read at the HPA its own second-stage walk produced,
	 * and that walk translated the entry's GPA in the table the previous entry named. */
	uint64_t table = v.fl->root_gpa;
	for (unsigned i = 0, f = 0; i < x.nrefs; i++) {
		const struct nested_ref *r = &x.refs[i];
		assert_int_equal(r->size, 8);
		assert_true(r->ok);
		if (r->kind != NESTED_REF_FS)
			continue;
		const struct nested_ss *s = &x.ss[x.refs[i - 1].idx];
		assert_int_equal(s->gpa, pgtable_entry_addr(table, 4 - f, IOVA));
		assert_int_equal(r->hpa, RAM_HPA + s->gpa);
		assert_int_equal(r->hpa, s->hpa_page + (s->gpa & (s->page_size - 1)));
		assert_int_equal(r->idx, f);
		table = x.fs[f++].next_gpa;
	}
	assert_int_equal(x.ss[4].gpa, DATA_GPA + 0x9a8);
	assert_int_equal(x.ss[4].fs_level, 0);
	env_done(&v);
}

static void test_nested_5x5_35_reads(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	uint64_t iova = (1ull << 56) + IOVA;    /* only a 5-level first stage reaches it */
	env_init(&v, 5, 5, PGT_PGSIZES_4K);
	fs_map(&v, iova, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_4K);
	assert_int_equal(walk(&v, NULL, iova + 8, false, &x), DMAR_OK);
	assert_int_equal(x.nrefs, 35);          /* 5 x (5 + 1) + 5 = (5 + 1)(5 + 1) - 1 */
	assert_string_equal(shape(&x), expect_shape(5, 1, 5, 5, 5));
	assert_int_equal(x.pa, RAM_HPA + DATA_GPA + 8);
	assert_int_equal(x.perms, PGT_PERM_R);
	assert_int_equal(walk(&v, NULL, 1ull << 57, false, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_int_equal(x.nrefs, 0);
	env_done(&v);
}

/* n first-stage levels over m second-stage levels: n(m + 1) + m reads. */
static void test_nested_mixed_levels(void **state)
{
	(void)state;
	static const unsigned combos[][2] = { { 4, 3 }, { 4, 5 }, { 5, 3 }, { 5, 4 } };
	for (unsigned i = 0; i < 4; i++) {
		unsigned n = combos[i][0], m = combos[i][1];
		struct env v;
		struct nested_xlate x;
		env_init(&v, n, m, PGT_PGSIZES_4K);
		fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
		ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_4K);
		assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_OK);
		assert_int_equal(x.nrefs, n * (m + 1) + m);
		assert_string_equal(shape(&x), expect_shape(n, 1, m, m, m));
		assert_int_equal(x.pa, RAM_HPA + DATA_GPA);
		env_done(&v);
	}
}

/* Every pair of leaf sizes: the HPA, the combined page = the smaller, and the read count. */
static void test_nested_page_sizes(void **state)
{
	(void)state;
	for (unsigned fi = 0; fi < 3; fi++) {
		for (unsigned si = 0; si < 3; si++) {
			uint64_t fsz = pgtable_level_size(fi + 1), ssz = pgtable_level_size(si + 1);
			uint64_t min = fsz < ssz ? fsz : ssz, off = 0x3456789 & (min - 1);
			uint64_t iova = 256 * GiB;
			struct env v;
			struct nested_xlate x;
			env_init(&v, 4, 4, PGT_PGSIZES_4K);
			fs_map(&v, iova, DATA_GPA, fsz, FL_PERM_R | FL_PERM_W, PGT_SIZE_4K | fsz);
			ss_map(&v, DATA_GPA, ssz, PGT_PERM_RW, PGT_SIZE_4K | ssz);
			assert_int_equal(walk(&v, NULL, iova + off, false, &x), DMAR_OK);
			assert_int_equal(x.fs_page_size, fsz);
			assert_int_equal(x.ss_page_size, ssz);
			assert_int_equal(x.page_size, min);
			assert_int_equal(x.pa, RAM_HPA + DATA_GPA + off);
			assert_int_equal(x.nrefs, (4 - fi) * 5 + (4 - si));
			env_done(&v);
		}
	}
	/* Table pages under 1 GiB / 2 MiB second-stage pages: 2 / 3 reads per table fetch. */
	uint64_t tab[2] = { PGT_PGSIZES_ALL, PGT_SIZE_4K | PGT_SIZE_2M };
	for (unsigned i = 0; i < 2; i++) {
		struct env v;
		struct nested_xlate x;
		env_init(&v, 4, 4, tab[i]);
		fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
		ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_4K);
		assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_OK);
		assert_string_equal(shape(&x), expect_shape(4, 1, 4, 2 + i, 4));
		assert_int_equal(x.ss[0].page_size, i ? 2 * MiB : GiB);
		env_done(&v);
	}
}

/* ------------------------------------------------------------- faults -- */

static void test_nested_permissions_and(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	env_init(&v, 4, 4, PGT_PGSIZES_4K);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);             /* fs R */
	fs_map(&v, IOVA + 4 * KiB, DATA_GPA + 4 * KiB, 8 * KiB, FL_PERM_R | FL_PERM_W | FL_PERM_U,
	       PGT_PGSIZES_ALL);                                                    /* fs RW */
	ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_4K);                 /* ss RW */
	ss_map(&v, DATA_GPA + 4 * KiB, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_4K);        /* ss R */
	ss_map(&v, DATA_GPA + 8 * KiB, 4 * KiB, PGT_PERM_W, PGT_PGSIZES_4K);        /* ss W */

	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_OK);
	assert_int_equal(x.perms, PGT_PERM_R);
	/* fs R + ss RW, write: the first stage refuses before the output is translated. */
	assert_int_equal(walk(&v, NULL, IOVA, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_false(x.not_present);
	assert_int_equal(x.fault_level, 1);
	assert_int_equal(x.nrefs, 20);
	/* fs RW + ss R: reads fine with perms R (U reported, not part of perms); writes fault in ss. */
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, false, &x), DMAR_OK);
	assert_int_equal(x.perms, PGT_PERM_R);
	assert_int_equal(x.fs_perms, FL_PERM_R | FL_PERM_W | FL_PERM_U);
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_false(x.not_present);
	assert_int_equal(x.fault_fs_level, 0);
	assert_int_equal(x.fault_gpa, DATA_GPA + 4 * KiB);
	assert_int_equal(x.fault_level, 1);
	assert_int_equal(x.nrefs, 24);
	/* fs RW + ss W: writes fine (perms W), reads fault in ss. */
	assert_int_equal(walk(&v, NULL, IOVA + 8 * KiB, true, &x), DMAR_OK);
	assert_int_equal(x.perms, PGT_PERM_W);
	assert_int_equal(walk(&v, NULL, IOVA + 8 * KiB, false, &x), DMAR_FAULT_NO_READ);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_string_equal(nested_stage_name(x.stage), "second");
	env_done(&v);
}

static void test_nested_not_present(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	env_init(&v, 4, 4, PGT_PGSIZES_4K);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R | FL_PERM_W, PGT_PGSIZES_ALL);
	fs_map(&v, IOVA + 4 * KiB, 5 * GiB, 4 * KiB, FL_PERM_R | FL_PERM_W, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_4K);

	/* First stage, by the request's type, at the level where the walk stopped. */
	assert_int_equal(walk(&v, NULL, 0x100000000000ull, false, &x), DMAR_FAULT_NO_READ);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_true(x.not_present);
	assert_int_equal(x.fault_level, 4);
	assert_string_equal(shape(&x), "s4 s3 s2 s1 f4");
	assert_int_equal(walk(&v, NULL, IOVA + 8 * KiB, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.fault_level, 1);
	assert_int_equal(x.nrefs, 20);
	/* Second stage, output GPA 5 GiB: its PDPT slot is empty (2 reads). */
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_true(x.not_present);
	assert_int_equal(x.fault_level, 3);
	assert_int_equal(x.fault_gpa, 5 * GiB);
	assert_int_equal(x.fault_fs_level, 0);
	assert_int_equal(x.nrefs, 22);
	assert_int_equal(x.gpa, 5 * GiB);

	/* Second stage, a first-stage table's GPA: a read whatever the request (0x6). */
	assert_int_equal(walk(&v, NULL, IOVA, true, &x), DMAR_OK);
	uint64_t pt_gpa = x.fs[2].next_gpa;                     /* the level-1 table */
	assert_int_equal(pgtable_unmap(v.ss, pt_gpa, 4 * KiB, NULL, NULL), (int64_t)(4 * KiB));
	assert_int_equal(walk(&v, NULL, IOVA, true, &x), DMAR_FAULT_NO_READ);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_true(x.not_present);
	assert_int_equal(x.fault_fs_level, 1);
	assert_int_equal(x.fault_gpa, pgtable_entry_addr(pt_gpa, 1, IOVA));
	assert_int_equal(x.fault_level, 1);
	assert_int_equal(x.nrefs, 19);
	/* ... mapped write-only: present, no read permission. */
	ss_map(&v, pt_gpa, 4 * KiB, PGT_PERM_W, PGT_PGSIZES_4K);
	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_FAULT_NO_READ);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_false(x.not_present);
	assert_int_equal(x.nrefs, 19);
	env_done(&v);
}

static void test_nested_read_errors_and_width(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	struct iov_err e = { 0 };
	env_init(&v, 4, 4, PGT_PGSIZES_4K);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
	fs_map(&v, IOVA + 4 * KiB, 1ull << 48, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_4K);
	struct nested_cfg cfg = nested_cfg_of(v.fl);

	/* IOVA beyond 48 bits: first stage, nothing read. */
	assert_int_equal(walk(&v, NULL, 1ull << 48, false, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_int_equal(x.nrefs, 0);
	/* Output GPA beyond the second stage's 48 bits. */
	assert_int_equal(walk(&v, NULL, IOVA + 4 * KiB, false, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_int_equal(x.fault_fs_level, 0);
	assert_int_equal(x.nrefs, 20);
	/* FLPTPTR beyond it: the first fetch's translation fails. */
	cfg.fs_root_gpa = 1ull << 50;
	assert_int_equal(nested_translate(v.pm, &cfg, NULL, IOVA, false, &x), DMAR_FAULT_ADDR_WIDTH);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_int_equal(x.fault_fs_level, 4);
	assert_int_equal(x.nrefs, 0);

	/* SLPTPTR in unbacked memory: the first second-stage read fails. */
	cfg = nested_cfg_of(v.fl);
	cfg.ss_root = UNBACKED;
	assert_int_equal(nested_translate(v.pm, &cfg, NULL, IOVA, false, &x), DMAR_FAULT_PTE_READ);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_int_equal(x.fault_level, 4);
	assert_int_equal(x.nrefs, 1);
	assert_false(x.refs[0].ok);
	assert_int_equal(x.refs[0].kind, NESTED_REF_SS);
	/* A first-stage table whose GPA the second stage maps to unbacked host memory. */
	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_OK);
	uint64_t pt_gpa = x.fs[2].next_gpa;
	assert_int_equal(pgtable_unmap(v.ss, pt_gpa, 4 * KiB, NULL, NULL), (int64_t)(4 * KiB));
	if (pgtable_map(v.ss, pt_gpa, UNBACKED, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_4K, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(walk(&v, NULL, IOVA, false, &x), DMAR_FAULT_PTE_READ);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_int_equal(x.fault_level, 1);
	assert_int_equal(x.nrefs, 20);
	assert_int_equal(x.refs[19].kind, NESTED_REF_FS);
	assert_false(x.refs[19].ok);
	assert_int_equal(x.refs[19].hpa, pgtable_entry_addr(UNBACKED, 1, IOVA));
	assert_int_equal(x.nfs, 3);
	assert_int_equal(pgtable_unmap(v.ss, pt_gpa, 4 * KiB, NULL, NULL), (int64_t)(4 * KiB));
	ss_map(&v, pt_gpa, 4 * KiB, PGT_PERM_RW, PGT_PGSIZES_4K);       /* back, for the free */

	/* Levels the hardware does not support: invalid programming, nothing read. */
	cfg = nested_cfg_of(v.fl);
	cfg.fs_levels = 3;
	assert_int_equal(nested_translate(v.pm, &cfg, NULL, IOVA, false, &x), DMAR_FAULT_CTX_INVALID);
	assert_int_equal(x.stage, NESTED_STAGE_NONE);
	cfg.fs_levels = 4;
	cfg.ss_levels = 6;
	assert_int_equal(nested_translate(v.pm, &cfg, NULL, IOVA, false, &x), DMAR_FAULT_CTX_INVALID);
	assert_int_equal(x.nrefs, 0);
	env_done(&v);
}

/* ------------------------------------------------------------- caches -- */

static void test_nested_cache_counts(void **state)
{
	(void)state;
	static const unsigned lv[2] = { 4, 5 };
	for (unsigned i = 0; i < 2; i++) {
		unsigned n = lv[i];
		struct env v;
		struct nested_xlate x;
		struct nested_caches c;
		struct mock m = { 0 };
		env_init(&v, n, n, PGT_PGSIZES_4K);
		fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R, PGT_PGSIZES_ALL);
		ss_map(&v, DATA_GPA, 4 * KiB, PGT_PERM_R, PGT_PGSIZES_4K);

		/* Empty caches: every lookup misses, the walk is the uncached one. */
		assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA + 16, false, &x), DMAR_OK);
		assert_int_equal(x.nrefs, (n + 1) * (n + 1) - 1);
		assert_int_equal(m.ss_lookups, n + 1);
		assert_int_equal(m.pwc_lookups, 1);
		mock_learn(&m, &x, 2);
		assert_int_equal(m.nss, n + 1);
		assert_int_equal(m.npwc, n - 1);

		/* Every second-stage translation cached: only the n first-stage reads. */
		assert_int_equal(walk(&v, caches(&m, true, false, &c), IOVA + 16, false, &x), DMAR_OK);
		assert_int_equal(x.nrefs, n);
		assert_string_equal(shape(&x), expect_shape(n, 1, n, 0, 0));
		assert_int_equal(x.pa, RAM_HPA + DATA_GPA + 16);
		for (unsigned k = 0; k < x.nss; k++) {
			assert_true(x.ss[k].cached);
			assert_int_equal(x.ss[k].gpa_page, m.ss[k].gpa_page);
		}
		/* Walk-cache hit at level 2, nothing else: the PT's translation, its entry, the output. */
		assert_int_equal(walk(&v, caches(&m, false, true, &c), IOVA + 16, false, &x), DMAR_OK);
		assert_int_equal(x.fs_pwc_level, 2);
		assert_string_equal(shape(&x), expect_shape(1, 1, n, n, n));
		assert_int_equal(x.pa, RAM_HPA + DATA_GPA + 16);
		/* Both: one read. */
		assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA + 16, false, &x), DMAR_OK);
		assert_string_equal(shape(&x), "f1");
		assert_int_equal(x.pa, RAM_HPA + DATA_GPA + 16);
		/* Only the top entry in the walk cache: levels n-1..1 are read. */
		m.npwc = 1;
		assert_int_equal(m.pwc[0].level, n);
		assert_int_equal(walk(&v, caches(&m, false, true, &c), IOVA, false, &x), DMAR_OK);
		assert_int_equal(x.fs_pwc_level, n);
		assert_int_equal(x.nrefs, (n - 1) * (n + 1) + n);
		assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA, false, &x), DMAR_OK);
		assert_int_equal(x.nrefs, n - 1);
		/* Only the root table's translation cached: one second-stage walk fewer. */
		m.npwc = 0;
		m.nss = 1;
		assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA, false, &x), DMAR_OK);
		assert_int_equal(x.nrefs, (n + 1) * (n + 1) - 1 - n);
		assert_true(x.ss[0].cached);
		assert_int_equal(x.ss[0].nreads, 0);
		assert_false(x.ss[1].cached);
		env_done(&v);
	}
}

/* What the walk reports is what a cache should keep, and cached permissions are obeyed. */
static void test_nested_cache_reports_and_perms(void **state)
{
	(void)state;
	struct env v;
	struct nested_xlate x;
	struct nested_caches c;
	struct mock m = { 0 };
	env_init(&v, 4, 4, PGT_PGSIZES_4K);
	fs_map(&v, IOVA, DATA_GPA, 4 * KiB, FL_PERM_R | FL_PERM_W, PGT_PGSIZES_ALL);
	ss_map(&v, DATA_GPA, 2 * MiB, PGT_PERM_RW, PGT_PGSIZES_ALL);

	assert_int_equal(walk(&v, NULL, IOVA, true, &x), DMAR_OK);
	for (unsigned i = 0; i < 5; i++) {
		assert_false(x.ss[i].cached);
		assert_true(x.ss[i].ok);
		assert_int_equal(x.ss[i].fs_level, i < 4 ? 4 - i : 0);
		assert_int_equal(x.ss[i].hpa_page, RAM_HPA + x.ss[i].gpa_page);
		assert_int_equal(x.ss[i].nreads, i < 4 ? 4 : 3);
	}
	assert_int_equal(x.ss[4].page_size, 2 * MiB);
	assert_int_equal(x.fs[0].table_gpa, v.fl->root_gpa);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(x.fs[i].kind, PGT_ENTRY_TABLE);
		assert_int_equal(x.fs[i].next_gpa, x.fs[i + 1].table_gpa);
		assert_true(physmem_in_region(v.gmem, x.fs[i].next_gpa));
	}
	assert_int_equal(x.fs[3].kind, PGT_ENTRY_LEAF);
	assert_int_equal(x.fs[3].next_gpa, DATA_GPA);

	/* A cached second-stage translation without W: the write faults from the cache. */
	mock_learn(&m, &x, 2);
	m.ss[4].perms = PGT_PERM_R;
	assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.stage, NESTED_STAGE_SECOND);
	assert_int_equal(x.fault_level, 0);
	assert_int_equal(x.nrefs, 1);
	/* A walk cache keeping perms that deny W: first-stage fault though memory allows it. */
	m.ss[4].perms = PGT_PERM_RW;
	m.pwc_keeps_perms = true;
	m.pwc[2].perms = FL_PERM_R;
	assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA, true, &x), DMAR_FAULT_NO_WRITE);
	assert_int_equal(x.stage, NESTED_STAGE_FIRST);
	assert_int_equal(walk(&v, caches(&m, true, true, &c), IOVA, false, &x), DMAR_OK);
	/* A hit at a level the walk cannot resume below (1, or above the root): a miss. */
	m.npwc = 1;
	m.pwc[0].level = 1;
	assert_int_equal(walk(&v, caches(&m, false, true, &c), IOVA, true, &x), DMAR_OK);
	assert_int_equal(x.fs_pwc_level, 0);
	assert_int_equal(x.nrefs, 23);
	m.pwc[0].level = 5;
	assert_int_equal(walk(&v, caches(&m, false, true, &c), IOVA, true, &x), DMAR_OK);
	assert_int_equal(x.nrefs, 23);
	env_done(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_4x4_24_reads),
		cmocka_unit_test(test_nested_5x5_35_reads),
		cmocka_unit_test(test_nested_mixed_levels),
		cmocka_unit_test(test_nested_page_sizes),
		cmocka_unit_test(test_nested_permissions_and),
		cmocka_unit_test(test_nested_not_present),
		cmocka_unit_test(test_nested_read_errors_and_width),
		cmocka_unit_test(test_nested_cache_counts),
		cmocka_unit_test(test_nested_cache_reports_and_perms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
