/* iommu.h - what other models (the hypervisor) may ask of an 'iommu' component during a run
 *
 * VMs are numbered as under the scenario's vms: (domain of VM v = v + 1).
 * Addresses and sizes are 4 KiB multiples.
 */
#ifndef IOVSIM_IOMMU_H
#define IOVSIM_IOMMU_H

#include <stdint.h>

#include "component.h"
#include "err.h"

/*
 * Map [iova, iova + size) of VM vm's domain to [hpa, ...) with PGT_PERM_*
 * perms (superpages where aligned, unless the IOMMU's 'superpages' is off).
 * Visible to the next walk at once; nothing to flush. Returns 0, or -1 with
 * e set (already mapped, beyond the width, no table frame).
 */
int iommu_map(struct component *iommu, unsigned vm, uint64_t iova, uint64_t hpa, uint64_t size,
	      unsigned perms, struct iov_err *e);

/*
 * Unmap [iova, iova + size) of VM vm's domain now; the IOTLB and walk caches
 * are invalidated by the IOMMU's unmap policy (strict: at once through the
 * invalidation queue; deferred: in a batch), so the old translation may be
 * used until then (counted as stale-translation exposure). Returns 0 or -1.
 */
int iommu_unmap(struct component *iommu, unsigned vm, uint64_t iova, uint64_t size,
		struct iov_err *e);

#endif
