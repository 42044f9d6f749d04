/* iommu_inv.c - the iommu component's invalidation: queued invalidation and the unmap policy
 *
 * The queue (models/iommu/invq.h) flushes the IOTLB, the walk caches and the
 * context cache when each descriptor completes ('inv_*' latencies); the unmap
 * policy (models/iommu/unmapq.h, 'unmap_policy' strict or deferred, Linux's
 * 250 entries / 10 ms batches) clears the page-table entries at once and
 * submits the flushes, and measures how long each unmapped range stayed
 * reachable through a stale IOTLB entry (iommu.unmap.stale_window_ns). A DMA
 * that goes through on such an entry is counted by the request path
 * (iommu.stale_translations).
 */
#include "models/iommu/iommu_impl.h"

int iommu_inv_create(struct iommu *m, struct iov_err *e)
{
	struct sim *s = m->c.sim;
	struct invq_caches caches = { .iotlb = m->tlb, .pwc = m->pwc, .cc = m->cc };
	if (invq_params_check(&m->p.inv, m->c.name, e) ||
	    unmapq_params_check(&m->p.unmap, m->c.name, e) ||
	    !(m->invq = invq_create(&m->p.inv, s->k, &caches, NULL, m, m->c.name, e)) ||
	    !(m->unmapq = unmapq_create(&m->p.unmap, s->k, m->invq, m->c.name, e)) ||
	    invq_stats_register(m->invq, s->stats, "iommu.inv", e) ||
	    unmapq_stats_register(m->unmapq, s->stats, "iommu.unmap", e))
		return -1;
	return 0;
}

void iommu_inv_destroy(struct iommu *m)
{
	unmapq_destroy(m->unmapq);
	invq_destroy(m->invq);
}

int iommu_inv_unmap(struct iommu *m, unsigned vm, uint64_t iova, uint64_t size,
		    struct iov_err *e)
{
	if (m->fl && m->fl[vm])
		return iov_err_set(e, IOV_BAD_INPUT, "unmapping in a nested VM's domain is not "
				   "modelled (its second-stage TLB and first-stage walk cache would "
				   "not be invalidated)");
	int64_t n = unmapq_unmap(m->unmapq, m->domains[vm], (uint16_t)(vm + 1), iova, size, NULL,
				 NULL, e);
	return n < 0 ? -1 : 0;
}
