/* isolation.h - who may reach what: the scenario's VMs and the isolation accounting
 *
 * The scenario's 'vms:' list gives each VM its host-physical memory ranges
 * (each with its guest-physical base, 'gpa', default = identity), the devices
 * (component or requester names) assigned to it, and what an IOMMU domain of
 * the VM maps for DMA ('dma_map: full', all its memory, or 'registered', only
 * its 'buffers'). Ownership is always by host-physical address. Every
 * request TLP that reaches memory or a peer function is classed:
 *   allowed    its initiator's VM owns the target (a memory range of that VM,
 *              or a function assigned to the same VM); a host-owned initiator
 *              (in no VM) may reach anything no VM owns;
 *   violation  it reached something its initiator's VM does not own;
 *   blocked    the fabric stopped it on the way (ACS, Bus Master Enable,
 *              forbidden peer-to-peer, no route), so it reached nothing.
 * Without 'vms:' everything belongs to the host and every delivered request
 * counts as allowed. Counted per request TLP, in isolation.* and
 * flows.<name>.isolation.*. Issue 4's IOMMU replaces "owned by the VM" with
 * "mapped in the initiator's domain" at the root complex.
 *
 * A request with a translated address (PCIe ATS, AT = translated) is classed
 * the same way by what it reaches, and is also counted in
 * isolation.translated_bypass: no IOMMU looked at it on its way (the root
 * complex lets translated requests of ATS-enabled functions through as
 * they are, and ACS Direct Translated P2P sends them straight to a peer).
 *
 * isolation.stale_exposures: requests an IOMMU let through on a cached
 * translation whose mapping was already removed (an unmap whose invalidation
 * had not completed): the memory may already belong to someone else.
 */
#ifndef IOVSIM_ISOLATION_H
#define IOVSIM_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct sim;
struct tlp;

struct sim_vm_range {
	uint64_t base, size;            /* host-physical */
	uint64_t gpa;                   /* guest-physical base (default: base, identity) */
};

/* A buffer the guest driver registered for DMA (dma_map: registered). */
struct sim_vm_buffer {
	uint64_t iova, size;            /* IOVA = guest-physical address */
	unsigned perms;                 /* 1 r, 2 w, 3 rw (PGT_PERM_*) */
};

enum sim_vm_dma_map { SIM_VM_DMA_FULL = 0, SIM_VM_DMA_REGISTERED = 1 };

struct sim_vm {
	const char *name;               /* tree-owned */
	size_t nranges;
	struct sim_vm_range *ranges;
	int dma_map;                    /* enum sim_vm_dma_map: what an IOMMU domain maps */
	size_t nbuffers;
	struct sim_vm_buffer *buffers;  /* dma_map: registered */
	size_t ndevices;
	const char **devices;           /* tree-owned names */
	uint64_t *st_allowed, *st_blocked, *st_violations;
};

struct sim_isolation {
	size_t nvms;
	struct sim_vm *vms;
	uint64_t *st_allowed, *st_blocked, *st_violations;
	uint64_t *st_translated_bypass;
	uint64_t *st_stale_exposures;           /* let through on a stale translation */         /* translated requests delivered unchecked */
};

/* Register the isolation.* totals (sim_create). */
int iso_init(struct sim *s, struct iov_err *e);
/* Read 'vms:' (may be NULL) and register isolation.vms.*. Names in
 * devices: must be components of the scenario or SR-IOV VF names
 * "<component>.vf<n>" (checked here, located; that VF n exists is checked at
 * enumeration, models/pcie/sriov.h). */
int iso_load(struct sim *s, const struct cfg_node *vms, struct iov_err *e);
void iso_free(struct sim_isolation *iso);

/* SR-IOV VF names: "<pf>.vf<n>", n >= 1 in decimal without leading zeros.
 * True when name has that form, with *pf_len the length of <pf> and *n the
 * VF number (either may be NULL). */
bool iso_vf_name_split(const char *name, size_t *pf_len, unsigned *n);

/* Index of the VM named 'name' under vms:, -1 = none. */
int iso_vm_index(const struct sim *s, const char *name);
/* VM index of a device or requester name, -1 = host. */
int iso_vm_of(const struct sim *s, const char *name);
/* The host-physical address of VM vm's guest-physical gpa (its memory ranges); -1 when no
 * range holds [gpa, gpa + size) whole. */
int iso_gpa_to_hpa(const struct sim_vm *vm, uint64_t gpa, uint64_t size, uint64_t *hpa);
/* VM owning host-physical address addr, -1 = none. */
int iso_vm_of_addr(const struct sim *s, uint64_t addr);

/* t (a request) reached memory at t->addr. */
void iso_reached_memory(struct sim *s, const struct tlp *t);
/* t reached a peer function owned by target_vm (-1: host). */
void iso_reached_peer(struct sim *s, const struct tlp *t, int target_vm);
/* t was stopped by the fabric. */
void iso_blocked(struct sim *s, const struct tlp *t);
/* t went through translation on a stale IOTLB entry (an isolation exposure). */
void iso_stale_exposure(struct sim *s, const struct tlp *t);
/* A request of flow 'flow' was stopped before it became a TLP (BME clear). */
void iso_blocked_flow(struct sim *s, uint32_t flow);

#endif
