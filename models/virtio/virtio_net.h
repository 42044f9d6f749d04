/* virtio_net.h - the virtio_net device's calls into the host, as an ops table
 *
 * The device reaches the hypervisor model only through these four calls.
 * By default they are models/host/host.h's (host_vm_exit, host_cpu_work,
 * host_inject_virq, host_guest_work on the component named by the 'host' parameter);
 * virtio_net_use_host puts another implementation behind them (the unit tests
 * drive the device through their own, counting host).
 */
#ifndef IOVSIM_VIRTIO_NET_H
#define IOVSIM_VIRTIO_NET_H

#include "component.h"
#include "models/host/host.h"

struct vnet_host_ops {
	/* A VM exit of vm's vCPU for reason (+ extra cycles of handling);
	 * returns the time the vCPU is out of the guest. May not be NULL. */
	sim_time_t (*vm_exit)(void *host, int vm, unsigned vcpu, enum host_exit_reason reason,
			      uint64_t extra_cycles);
	/* Host CPU work for vm outside its vCPUs; returns its duration. */
	sim_time_t (*cpu_work)(void *host, int vm, uint64_t cycles);
	/* An interrupt into the guest through the emulated path; ops->handle
	 * (ctx, fn, index, t) runs when the guest's handler starts. */
	void (*inject_virq)(void *host, int vm, unsigned vcpu, const struct pcie_fn *fn,
			    unsigned index, const struct host_irq_ops *ops, void *ctx);
	/* Guest work of 'cycles' on the vCPU after what its time line holds;
	 * returns when it ends (0 cycles: when the reserved work ends). May be
	 * NULL: the driver then times its work itself ('guest_clock', from now
	 * or its last kick). */
	sim_time_t (*guest_work)(void *host, int vm, unsigned vcpu, uint64_t cycles);
};

/* The default: models/host/host.h on the host component 'name' (NULL when
 * the simulation has no such component). */
void *vnet_host_default(struct sim *s, const char *name, const struct vnet_host_ops **ops);

/* Use ops/host instead of the host component. Call after creating the
 * component and before the simulation is elaborated or started (the 'host'
 * parameter is then not looked up). */
void virtio_net_use_host(struct component *c, const struct vnet_host_ops *ops, void *host);

/* Host cycles of the back end's copy of a packet of len bytes:
 * per_packet + per_byte x len, rounded up to a whole cycle. */
uint64_t vnet_copy_cycles(uint64_t per_packet, double per_byte, uint32_t len);

#endif
