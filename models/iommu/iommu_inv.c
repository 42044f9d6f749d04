/* iommu_inv.c - invalidation after an unmap (provisional: immediate flush; the queued
 * invalidation model and the strict/deferred policies replace it) */
#include "models/iommu/iommu_impl.h"

int iommu_inv_unmapped(struct iommu *m, unsigned vm, uint64_t iova, uint64_t size,
		       struct pgt_gather *g, struct iov_err *e)
{
	(void)e;
	uint16_t did = (uint16_t)(vm + 1);
	iotlb_invalidate_page(m->tlb, did, iova, size);
	if (g->tables_changed)
		pwc_invalidate_domain(m->pwc, did);
	pgtable_gather_release(m->pm, g);
	return 0;
}
