/* iommu.h - what other models (the hypervisor) may ask of an 'iommu' component during a run
 *
 * VMs are numbered as under the scenario's vms: (domain of VM v = v + 1).
 * Addresses and sizes are 4 KiB multiples.
 */
#ifndef IOVSIM_IOMMU_H
#define IOVSIM_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "simtime.h"
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

/*
 * The hypervisor the IOMMU reports to (the host component). fault() is called
 * for every fault
 * the IOMMU records in its fault-recording registers (not for faults of
 * contexts with Fault Processing Disable, nor for those lost to a full log:
 * the hypervisor never sees those); 'event' says the record raised the fault
 * event interrupt (no event was pending). rid is the requester, addr the
 * untranslated address, reason the VT-d fault reason code. Called inside
 * events; may schedule events; must not keep pointers.
 */
struct iommu_hv_ops {
	void (*fault)(void *ctx, uint16_t rid, uint64_t addr, unsigned reason, bool write,
		      bool event);
	/* A guest driver of VM vm asks, on its vCPU vcpu, for a map or unmap in
	 * its domain (an 'events' entry with by: guest): the hypervisor takes the
	 * request as a hypercall VM exit; returns how long the vCPU is out
	 * (exit, handling, entry). The IOMMU edits the domain when that is over. */
	sim_time_t (*guest_request)(void *ctx, unsigned vm, unsigned vcpu);
};

/* Register the hypervisor (one per IOMMU; ops NULL removes it). Both members
 * are required. Returns -1 if c is not an iommu component or another
 * hypervisor is registered. */
int iommu_set_hypervisor(struct component *c, const struct iommu_hv_ops *ops, void *ctx);

/* The component is an IOMMU (type 'iommu'). */
bool iommu_is(const struct component *c);

#endif
