/* host.h - the hypervisor/host model's interface to device models (contract)
 *
 * The host component (type "host", models/host/) holds the VMs' vCPUs, the
 * hypervisor's accounting of VM exits and CPU cycles, and the interrupt
 * delivery into guests (emulated or posted, after interrupt remapping).
 * Device models (the SR-IOV NIC, virtio-net) talk to it only through these
 * calls. A device finds the host by name (its 'host' parameter) with
 * host_find; every call below may be made from inside events.
 */
#ifndef IOVSIM_HOST_H
#define IOVSIM_HOST_H

#include <stdint.h>

#include "models/pcie/msix.h"
#include "models/pcie/pcie_topo.h"
#include "sim.h"

struct host;

/* VM-exit reasons counted in vm_exits.by_reason.<name>. */
enum host_exit_reason {
	HOST_EXIT_EXTERNAL_INTERRUPT,   /* "external_interrupt" */
	HOST_EXIT_EOI,                  /* "eoi" (APIC access / EOI write) */
	HOST_EXIT_MMIO,                 /* "mmio" (emulated device register) */
	HOST_EXIT_IO_KICK,              /* "io_kick" (virtio notify) */
	HOST_EXIT_HALT,                 /* "halt" */
	HOST_EXIT_HYPERCALL,            /* "hypercall" */
	HOST_EXIT__COUNT
};

/* The reasons' stat names (vm_exits.by_reason.<name>), by enum value. */
extern const char *const host_exit_reason_names[HOST_EXIT__COUNT];

/* The interrupt latency paths (interrupts.latency_ns.<name>): the name of
 * path i, NULL past the last. For reports that list every path. */
const char *host_latency_path_name(unsigned i);

/* A guest driver's interrupt handler. handle() is called at the simulated
 * time the guest's handler for vector 'index' of function fn starts running
 * (after delivery, exits and injection). It may schedule events. ctx is the
 * registrant's. */
struct host_irq_ops {
	void (*handle)(void *ctx, const struct pcie_fn *fn, unsigned index, sim_time_t now);
};

/* The host component named 'name' of the simulation, or NULL. */
struct host *host_find(struct sim *s, const char *name);

/* Register fn's MSI-X table with the hypervisor: for a function assigned to
 * a VM the hypervisor programs every entry (allocating IRTEs when interrupt
 * remapping is present, posted or remapped as the VM is configured), for a
 * host-owned function it programs compatibility-format entries. ops/ctx get
 * the guest-handler calls for this function's vectors (ops may be NULL).
 * Call at elaborate (after enumeration: fn->rid is known). Returns 0, or -1
 * with e set (status 2) when the function or its VM cannot be served (e.g.
 * the IRTE table is full). The table stays owned by the caller. */
int host_register_msix(struct host *h, struct pcie_fn *fn, struct msix_table *t,
		       const struct host_irq_ops *ops, void *ctx, struct iov_err *e);

/* Account a VM exit of 'vm' (index into the scenario's vms:) on vCPU 'vcpu'
 * for 'reason', plus 'extra_cycles' of handling beyond the platform's
 * exit + entry cost. Returns the simulated time the vCPU spends out of the
 * guest (exit, handling, entry), for the caller's timing. */
sim_time_t host_vm_exit(struct host *h, int vm, unsigned vcpu, enum host_exit_reason reason,
			uint64_t extra_cycles);

/* Account 'cycles' of host CPU work done on behalf of 'vm' outside any
 * vCPU (a virtio back end's copies, a notifier thread). Returns its duration. */
sim_time_t host_cpu_work(struct host *h, int vm, uint64_t cycles);

/* Reserve 'guest_cycles' of guest work (a driver's per-interrupt and
 * per-packet work, application cycles) on vCPU 'vcpu' of 'vm', in guest
 * mode, after everything already reserved on its time line (exits, their
 * indirect costs, handlers, earlier work): it starts at max(now, the vCPU's
 * busy_until) and lasts guest_cycles of the host clock (the vCPU runs on a
 * host CPU). Counted as the vCPU's guest busy time (vcpus.<vm>.guest_ns,
 * .guest_work_cycles). Returns the simulated time the work ends; 0 cycles
 * returns when the work already reserved ends (never before now). vm < 0
 * (a host-owned function's driver) or a vCPU that does not exist: nothing is
 * reserved or counted, returns now + the work's duration. Interrupts that
 * arrive meanwhile are taken after it (exits are not preemptive here). */
sim_time_t host_guest_work(struct host *h, int vm, unsigned vcpu, uint64_t guest_cycles);

/* The number of vCPUs of 'vm' (0 when vm is not one of the scenario's VMs).
 * host_register_msix sends vector i of a function of vm to vCPU
 * i mod host_vm_vcpus(h, vm). */
unsigned host_vm_vcpus(struct host *h, int vm);

/* Inject a virtual interrupt through the emulated path (as an emulated
 * device such as virtio-net does): vCPU 'vcpu' of 'vm' takes it as the
 * platform's emulated delivery costs (exits, injection, EOI), then ops
 * ->handle(ctx, fn, index, t) runs at the guest handler's start. */
void host_inject_virq(struct host *h, int vm, unsigned vcpu, const struct pcie_fn *fn,
		      unsigned index, const struct host_irq_ops *ops, void *ctx);

#endif
