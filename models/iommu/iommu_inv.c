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

static void send_devtlb_inv(void *ctx, uint16_t rid, uint64_t iova, uint64_t size,
			    uint64_t token)
{
	struct iommu *m = ctx;
	if (rc_ats_invalidate(m->rc, rid, iova, size, token) && !m->c.sim->err->status)
		invq_devtlb_done(m->invq, token);       /* nobody to ask: nothing cached */
}

void iommu_ats_inv_done(void *ctx, struct component *rc, uint64_t token)
{
	(void)rc;
	struct iommu *m = ctx;
	invq_devtlb_done(m->invq, token);
}

static const struct invq_ops inv_ops = { .send_devtlb_inv = send_devtlb_inv };

int iommu_inv_create(struct iommu *m, struct iov_err *e)
{
	struct sim *s = m->c.sim;
	struct invq_caches caches = { .iotlb = m->tlb, .pwc = m->pwc, .cc = m->cc,
				      .fs_pwc = m->fs_pwc, .pc = m->pc };
	if (invq_params_check(&m->p.inv, m->c.name, e) ||
	    unmapq_params_check(&m->p.unmap, m->c.name, e) ||
	    !(m->invq = invq_create(&m->p.inv, s->k, &caches, &inv_ops, m, m->c.name, e)) ||
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
	if ((m->fl && m->fl[vm]) || (m->vm_fs_pasid && m->vm_fs_pasid[vm]))
		return iov_err_set(e, IOV_BAD_INPUT, "unmapping in the domain of a nested VM (or one "
				   "with first-stage PASIDs) is not modelled (its second-stage TLB "
				   "and first-stage walk cache would not be invalidated)");
	int64_t n = unmapq_unmap(m->unmapq, m->domains[vm], (uint16_t)(vm + 1), iova, size, NULL,
				 NULL, e);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	/* Device TLBs of the VM's ATS functions: invalidated now under either
	 * policy (after the IOTLB descriptor in strict mode), then a wait. */
	const struct pcie_topo *t = pcie_topo_of(m->c.sim);
	bool any = false;
	for (unsigned i = 0; t && i < t->nfns; i++) {
		const struct pcie_fn *f = t->fns[i];
		if (f->kind != PCIE_FN_ENDPOINT || f->vm != (int)vm || !m->ats_ok[f->rid])
			continue;
		struct invq_desc d = { .type = INVQ_DEVTLB, .rid = f->rid, .iova = iova, .size = size };
		if (invq_submit(m->invq, &d, e))
			return -1;
		any = true;
	}
	if (any) {
		struct invq_desc w = invq_wait(NULL, NULL);
		if (invq_submit(m->invq, &w, e))
			return -1;
	}
	return 0;
}
