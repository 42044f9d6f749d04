/* test_pasid.c - PASID tables, the PASID translation and its faults, the PASID cache, PASID-tagged IOTLB */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/iommu/fltable.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/pasid.h"

#define RID 0x0300u                     /* 03:00.0 */
#define BASE 0x10000000ull              /* table region */

static const struct dmar_caps caps = { .sagaw = 1u << 2, .mgaw = 48, .pass_through = true,
				       .dev_tlb = true, .scalable = true };

/* Tables of one device: second stage ss (IOVA 0x1000 -> 0x5000000 rw, 0x2000 -> 0x5001000 r). */
struct fix {
	struct physmem *pm;
	struct ctxtable *ct;
	struct pgtable *ss;
	struct pasid_dir *d;
};

static void fix_init(struct fix *f, unsigned pdts)
{
	struct iov_err e = { 0 };
	assert_non_null(f->pm = physmem_create(BASE, 16 << 20, &e));
	assert_non_null(f->ct = ctxtable_create(f->pm, &e));
	assert_non_null(f->ss = pgtable_create(f->pm, 4, &e));
	assert_int_equal(pgtable_map(f->ss, 0x1000, 0x5000000, 4096, PGT_PERM_RW, PGT_PGSIZES_4K,
				     &e), 0);
	assert_int_equal(pgtable_map(f->ss, 0x2000, 0x5001000, 4096, PGT_PERM_R, PGT_PGSIZES_4K,
				     &e), 0);
	assert_non_null(f->d = pasid_dir_create(f->pm, pdts, &e));
	assert_int_equal(pasid_ctx_set(f->ct, RID, f->d, 0, 0, &e), 0);
}

static void fix_done(struct fix *f)
{
	pasid_dir_destroy(f->d);
	pgtable_free(f->ss);
	ctxtable_destroy(f->ct);
	physmem_destroy(f->pm);
}

static struct pasid_entry second(const struct fix *f, uint16_t did)
{
	return (struct pasid_entry){ .present = true, .pgtt = PASID_PGTT_SECOND, .aw = 2,
				     .did = did, .slptptr = f->ss->root };
}

static enum dmar_fault xl(const struct fix *f, uint32_t pasid, uint64_t iova, bool w,
			  struct dmar_xlate *x)
{
	return dmar_translate_pasid(f->pm, f->ct->rtaddr, &caps, RID, pasid, iova, w, x, NULL);
}

static void test_entry_roundtrip(void **state)
{
	(void)state;
	struct pasid_entry a = { .present = true, .fpd = true, .pgtt = PASID_PGTT_NESTED, .aw = 3,
				 .flpm = 1, .did = 0xbeef, .slptptr = 0x123456000ull,
				 .flptptr = 0xabcdef000ull }, b;
	uint64_t w[3];
	pasid_entry_encode(&a, w);
	assert_int_equal(w[0] & 1, 1);
	assert_int_equal((w[0] >> 6) & 7, 3);   /* PGTT at bits 8:6 */
	assert_int_equal(w[1], 0xbeef);
	pasid_entry_decode(w, &b);
	assert_true(b.present && b.fpd);
	assert_int_equal(b.pgtt, a.pgtt);
	assert_int_equal(b.aw, a.aw);
	assert_int_equal(b.flpm, a.flpm);
	assert_int_equal(b.did, a.did);
	assert_int_equal(b.slptptr, a.slptptr);
	assert_int_equal(b.flptptr, a.flptptr);
	/* the scalable context entry: TT = 11b, PDTS, RID_PASID */
	struct ctx_entry ce = { .present = true, .tt = CTX_TT_SCALABLE, .pdts = 2,
				.rid_pasid = 0x12345, .slptptr = 0x7000 }, de;
	uint64_t lo, hi;
	ctx_entry_encode(&ce, &lo, &hi);
	assert_int_equal((lo >> 2) & 3, 3);     /* DTE = PASIDE = 1 */
	assert_int_equal((lo >> 9) & 7, 2);
	assert_int_equal(hi, 0x12345);
	ctx_entry_decode(lo, hi, &de);
	assert_int_equal(de.pdts, 2);
	assert_int_equal(de.rid_pasid, 0x12345);
	assert_int_equal(de.slptptr, 0x7000);
	assert_string_equal(pasid_pgtt_name(PASID_PGTT_FIRST), "first");
	assert_string_equal(pasid_pgtt_name(0), "invalid");
}

/* The walk: root, context, directory entry, PASID entry, then the second stage's 4 levels. */
static void test_walk_second_stage(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, 0);
	struct iov_err e = { 0 };
	struct pasid_entry pe = second(&f, 7);
	assert_int_equal(pasid_set(f.d, 65, &pe, &e), 0);
	assert_int_equal(pasid_set(f.d, 0, &pe, &e), 0);
	assert_int_equal(f.d->present, 2);
	struct dmar_xlate x;
	assert_int_equal(xl(&f, 65, 0x1040, true, &x), DMAR_OK);
	assert_int_equal(x.pa, 0x5000040);
	assert_true(x.scalable && x.pasid_ok);
	assert_int_equal(x.pasid, 65);
	assert_int_equal(x.ce.did, 7);
	assert_int_equal(x.pgtt, PASID_PGTT_SECOND);
	assert_int_equal(x.nreads, 8);
	static const uint8_t kinds[] = { DMAR_READ_ROOT, DMAR_READ_CONTEXT, DMAR_READ_PASID_DIR,
					 DMAR_READ_PASID, DMAR_READ_PAGING };
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(x.reads[i].kind, kinds[i]);
	assert_int_equal(x.reads[2].pa, f.d->dir + 8 * (65 >> 6));
	assert_int_equal(x.reads[2].size, 8);
	assert_int_equal(x.reads[3].pa, f.d->tables[1] + 64 * (65 & 63));
	assert_int_equal(x.reads[3].size, 64);
	assert_int_equal(x.reads[4].level, 4);
	/* a request without PASID uses RID_PASID (0) */
	assert_int_equal(xl(&f, PASID_NONE, 0x1000, false, &x), DMAR_OK);
	assert_int_equal(x.pasid, 0);
	/* write to a read-only page: the legacy code stands in */
	assert_int_equal(xl(&f, 65, 0x2000, true, &x), DMAR_FAULT_NO_WRITE);
	/* pass-through PASID */
	pe = (struct pasid_entry){ .present = true, .pgtt = PASID_PGTT_PASS_THROUGH, .did = 9 };
	assert_int_equal(pasid_set(f.d, 3, &pe, &e), 0);
	assert_int_equal(xl(&f, 3, 0x77000, true, &x), DMAR_OK);
	assert_true(x.pass_through);
	assert_int_equal(x.pa, 0x77000);
	/* the legacy entry point refuses a scalable context; hardware without SMTS too */
	assert_int_equal(dmar_translate(f.pm, f.ct->rtaddr, &caps, RID, 0x1000, false, &x),
			 DMAR_FAULT_CTX_INVALID);
	struct dmar_caps legacy = caps;
	legacy.scalable = false;
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &legacy, RID, 65, 0x1000, false,
					      &x, NULL), DMAR_FAULT_CTX_INVALID);
	/* clearing the entry */
	assert_true(pasid_clear(f.d, 65));
	assert_false(pasid_clear(f.d, 65));
	assert_int_equal(f.d->present, 3 - 1);     /* 65, 0, 3 set; 65 cleared */
	fix_done(&f);
}

/* Every scalable-mode reason, and FPD in a PASID entry. */
static void test_faults(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, 0);
	struct iov_err e = { 0 };
	struct pasid_entry pe = second(&f, 1);
	assert_int_equal(pasid_set(f.d, 1, &pe, &e), 0);
	struct dmar_xlate x;
	/* PDTS 0: 128 directory entries * 64 = 8192 PASIDs */
	assert_int_equal(pasid_limit(0), 8192);
	assert_int_equal(xl(&f, 8192, 0x1000, false, &x), DMAR_FAULT_SM_PASID_MAX);
	assert_int_equal(x.nreads, 2);          /* nothing read after the context */
	assert_int_equal(xl(&f, 64, 0x1000, false, &x), DMAR_FAULT_SM_PDE_NOT_PRESENT);
	assert_int_equal(xl(&f, 2, 0x1000, false, &x), DMAR_FAULT_SM_PE_NOT_PRESENT);
	assert_true(x.report);
	assert_int_equal(x.nreads, 4);
	/* PGTT 0 and 5 are invalid, and AW 3 (5-level) is not in SAGAW */
	pe.pgtt = 0;
	assert_int_equal(pasid_set(f.d, 4, &pe, &e), 0);
	assert_int_equal(xl(&f, 4, 0x1000, false, &x), DMAR_FAULT_SM_PE_INVALID);
	pe.pgtt = 5;
	assert_int_equal(pasid_set(f.d, 4, &pe, &e), 0);
	assert_int_equal(xl(&f, 4, 0x1000, false, &x), DMAR_FAULT_SM_PE_INVALID);
	pe = second(&f, 1);
	pe.aw = 3;
	assert_int_equal(pasid_set(f.d, 4, &pe, &e), 0);
	assert_int_equal(xl(&f, 4, 0x1000, false, &x), DMAR_FAULT_SM_PE_INVALID);
	/* a directory entry pointing at unbacked memory: the PASID entry read fails */
	assert_int_equal(physmem_write64(f.pm, f.d->dir + 8 * 2, 0x7f000000ull | PASID_DE_P, &e), 0);
	assert_int_equal(xl(&f, 2 * 64, 0x1000, false, &x), DMAR_FAULT_SM_PE_READ);
	assert_false(x.reads[x.nreads - 1].ok);
	/* a context whose directory is unbacked: the directory entry read fails */
	struct ctx_entry ce = { .present = true, .tt = CTX_TT_SCALABLE, .slptptr = 0x7e000000ull };
	assert_int_equal(ctxtable_set_entry(f.ct, RID + 1, &ce, &e), 0);
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &caps, RID + 1, 1, 0x1000, false,
					      &x, NULL), DMAR_FAULT_SM_PDE_READ);
	/* PDTS above the model's one-frame directory: invalid context programming */
	ce.pdts = 3;
	assert_int_equal(ctxtable_set_entry(f.ct, RID + 1, &ce, &e), 0);
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &caps, RID + 1, 1, 0x1000, false,
					      &x, NULL), DMAR_FAULT_CTX_INVALID);
	/* FPD in the PASID entry suppresses the qualified faults after it */
	pe = second(&f, 1);
	pe.fpd = true;
	assert_int_equal(pasid_set(f.d, 5, &pe, &e), 0);
	assert_int_equal(xl(&f, 5, 0x9000, false, &x), DMAR_FAULT_NO_READ);
	assert_false(x.report);
	assert_int_equal(xl(&f, 1, 0x9000, false, &x), DMAR_FAULT_NO_READ);
	assert_true(x.report);
	/* names and codes (VT-d scalable-mode table) */
	assert_int_equal(DMAR_FAULT_SM_PASID_MAX, 0x46);
	assert_int_equal(DMAR_FAULT_SM_PE_NOT_PRESENT, 0x59);
	assert_string_equal(dmar_fault_name(DMAR_FAULT_SM_PE_NOT_PRESENT), "pasid_not_present");
	assert_string_equal(dmar_fault_name(DMAR_FAULT_SM_PDE_NOT_PRESENT), "pasid_dir_not_present");
	assert_string_equal(dmar_fault_name(DMAR_FAULT_SM_PASID_MAX), "pasid_above_max");
	assert_string_equal(dmar_fault_name(0x47), "unknown");
	assert_true(dmar_fault_qualified(DMAR_FAULT_SM_PE_READ));
	/* the software side refuses PASIDs beyond its directory and a PDTS above 2 */
	assert_int_equal(pasid_set(f.d, 8192, &pe, &e), -1);
	assert_null(pasid_dir_create(f.pm, 3, &e));
	fix_done(&f);
}

/* First stage only (tables in host memory, no second-stage reads) and nested (24 reads). */
static void test_first_and_nested(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, 0);
	struct iov_err e = { 0 };
	/* first only: a table built through an identity map of the table region */
	struct pgtable *id = pgtable_create(f.pm, 4, &e);
	assert_non_null(id);
	assert_int_equal(pgtable_map(id, BASE, BASE, 16 << 20, PGT_PERM_RW, PGT_PGSIZES_ALL, &e), 0);
	struct fltable *fs = fltable_create(f.pm, id, 4, &e);
	assert_non_null(fs);
	assert_int_equal(fltable_map(fs, 0x40000, 0x9000000, 4096, FL_PERM_R, PGT_PGSIZES_4K, &e), 0);
	struct pasid_entry pe = { .present = true, .pgtt = PASID_PGTT_FIRST, .did = 3,
				  .flptptr = fs->root_gpa };
	assert_int_equal(pasid_set(f.d, 10, &pe, &e), 0);
	struct dmar_xlate x;
	struct nested_xlate nx;
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &caps, RID, 10, 0x40010, false,
					      &x, &nx), DMAR_OK);
	assert_int_equal(x.pa, 0x9000010);
	assert_int_equal(nx.nrefs, 4);          /* first-stage entries only */
	for (unsigned i = 0; i < nx.nrefs; i++)
		assert_int_equal(nx.refs[i].kind, NESTED_REF_FS);
	assert_int_equal(x.nreads, 4);          /* root, context, directory, PASID entry */
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &caps, RID, 10, 0x40010, true,
					      &x, &nx), DMAR_FAULT_NO_WRITE);
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &caps, RID, 10, 0x41000, false,
					      &x, &nx), DMAR_FAULT_NO_READ);
	/* nested: a first stage in "guest memory" (GPAs 0x6000000.., mapped by the second stage) */
	struct physmem *gmem = physmem_create(0x6000000, 1 << 20, &e);
	assert_non_null(gmem);
	assert_int_equal(pgtable_map(f.ss, 0x6000000, 0x8000000, 1 << 20, PGT_PERM_RW,
				     PGT_PGSIZES_4K, &e), 0);
	struct fltable *gfs = fltable_create(gmem, f.ss, 4, &e);
	assert_non_null(gfs);
	assert_int_equal(fltable_map(gfs, 0x300000, 0x1000, 4096, FL_PERM_R | FL_PERM_W,
				     PGT_PGSIZES_4K, &e), 0);
	pe = (struct pasid_entry){ .present = true, .pgtt = PASID_PGTT_NESTED, .aw = 2, .did = 3,
				   .slptptr = f.ss->root, .flptptr = gfs->root_gpa };
	assert_int_equal(pasid_set(f.d, 11, &pe, &e), 0);
	assert_int_equal(dmar_translate_pasid(f.pm, f.ct->rtaddr, &caps, RID, 11, 0x300008, true,
					      &x, &nx), DMAR_OK);
	assert_int_equal(x.pa, 0x5000008);      /* IOVA -> GPA 0x1000 -> HPA 0x5000000 */
	assert_int_equal(nx.nrefs, 24);
	assert_int_equal(x.fs_levels, 4);
	struct nested_cfg cfg = pasid_nested_cfg(&x, x.levels);
	assert_int_equal(cfg.fs_root_gpa, gfs->root_gpa);
	assert_int_equal(cfg.ss_root, f.ss->root);
	fltable_free(gfs);
	physmem_destroy(gmem);
	fltable_free(fs);
	pgtable_free(id);
	fix_done(&f);
}

static void test_pasid_cache(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sacache_geom g = { .entries = 4, .ways = 4, .policy = SACACHE_LRU };
	struct pasid_cache *pc = pasid_cache_create(&g, 1, "test", &e);
	assert_non_null(pc);
	uint16_t did = 0;
	assert_false(pasid_cache_lookup(pc, RID, 1, &did));
	assert_int_equal(pasid_cache_insert(pc, RID, 1, 5), 0);
	assert_int_equal(pasid_cache_insert(pc, RID, 2, 5), 0);
	assert_int_equal(pasid_cache_insert(pc, RID + 1, 1, 6), 0);
	assert_int_equal(pasid_cache_insert(pc, RID, PASID_NONE, 5), -1);
	assert_true(pasid_cache_lookup(pc, RID, 1, &did));
	assert_int_equal(did, 5);
	assert_false(pasid_cache_lookup(pc, RID, 3, NULL));
	/* PASID-selective: only (5, 1); the same PASID of domain 6 stays */
	assert_int_equal(pasid_cache_invalidate_pasid(pc, 5, 1), 1);
	assert_false(pasid_cache_lookup(pc, RID, 1, NULL));
	assert_true(pasid_cache_lookup(pc, RID + 1, 1, NULL));
	assert_int_equal(pasid_cache_invalidate_domain(pc, 5), 1);
	assert_false(pasid_cache_lookup(pc, RID, 2, NULL));
	/* replacement: 5 entries in 4 ways evict the least recently used */
	for (uint32_t p = 10; p < 15; p++)
		pasid_cache_insert(pc, RID, p, 1);
	assert_int_equal(sacache_count_valid(pasid_cache_array(pc)), 4);
	struct sacache_ctrs *k = sacache_counters(pasid_cache_array(pc));
	assert_int_equal(sacache_ctr_get(k, SACACHE_C_HITS), 2);
	assert_true(sacache_ctr_get(k, SACACHE_C_EVICTIONS) >= 1);
	assert_int_equal(pasid_cache_invalidate_global(pc), 4);
	pasid_cache_destroy(pc);
	g.ways = 3;             /* does not divide entries */
	assert_null(pasid_cache_create(&g, 1, "test", &e));
	pasid_cache_destroy(NULL);
}

/* Two PASIDs of one domain on the same IOVA keep separate IOTLB entries. */
static void test_iotlb_pasid_tags(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct iotlb_params p = { .unified = { .entries = 8, .ways = 8, .policy = SACACHE_LRU } };
	struct iotlb *t = iotlb_create(&p, 1, "test", &e);
	assert_non_null(t);
	struct iotlb_result r;
	assert_int_equal(iotlb_insert(t, 1, 1, 0x10000, IOTLB_4K, 0x300000, IOTLB_PERM_R), 0);
	assert_false(iotlb_lookup(t, 1, 2, 0x10000, &r));
	assert_false(iotlb_lookup(t, 1, IOTLB_NO_PASID, 0x10000, &r));
	assert_int_equal(iotlb_insert(t, 1, 2, 0x10000, IOTLB_4K, 0x400000, IOTLB_PERM_R), 0);
	assert_true(iotlb_lookup(t, 1, 1, 0x10008, &r));
	assert_int_equal(r.hpa, 0x300008);
	assert_true(iotlb_lookup(t, 1, 2, 0x10008, &r));
	assert_int_equal(r.hpa, 0x400008);
	assert_int_equal(iotlb_invalidate_pasid(t, 1, 2), 1);
	assert_false(iotlb_lookup(t, 1, 2, 0x10000, &r));
	assert_true(iotlb_lookup(t, 1, 1, 0x10000, &r));
	iotlb_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_roundtrip),
		cmocka_unit_test(test_walk_second_stage),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_first_and_nested),
		cmocka_unit_test(test_pasid_cache),
		cmocka_unit_test(test_iotlb_pasid_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
