/* host_faults.c - the hypervisor's side of the IOMMU: fault events, guests' DMA-map hypercalls
 *
 * Guests' requests: an IOMMU 'events' entry with by: guest is a guest driver
 * registering or releasing a DMA buffer through a paravirtual hypercall
 * (the least-privilege policy of dma_map: registered, kept up during the
 * run): one hypercall VM exit (cycles_hypercall) on the asking vCPU, after
 * the work already reserved on its time line, and the IOMMU edits the domain
 * when it is handled.
 *
 * The IOMMU records a fault in a fault-recording register and raises a
 * fault-event interrupt when none is pending (models/iommu/iommu.c); this is
 * the other end: the hypervisor's handler runs on the host CPU, reads and
 * clears each record and attributes it to the VM owning the requester
 * (a VF's RID names its VM). Costs: cycles_fault_event per interrupt plus
 * cycles_fault_record per record, host CPU time of the faulting VM
 * (hypervisor.vms.<vm>.cpu_cycles) or of the host for host-owned requesters.
 *
 * Not modelled: what a hypervisor does next (stopping the VM, resetting or
 * fencing the function: the stuck-VF scenarios), the handler's own latency
 * (the IOMMU's fault_service parameter still decides when the records are
 * clear), interrupt-remapping fault records (counted in iommu.ir.faults.*).
 */
#include <string.h>

#include "models/host/host_impl.h"
#include "models/iommu/iommu.h"

static void host_fault(void *ctx, uint16_t rid, uint64_t addr, unsigned reason, bool write,
		       bool event)
{
	(void)addr;
	(void)reason;
	(void)write;
	struct host *h = ctx;
	struct pcie_topo *topo = pcie_topo_of(h->c.sim);
	const struct pcie_fn *fn = topo ? pcie_fn_by_rid(topo, rid) : NULL;
	struct host_vm *vm = fn && fn->vm >= 0 && (size_t)fn->vm < h->nvms ? &h->vms[fn->vm] : NULL;
	uint64_t cycles = h->p.fault_record_cycles + (event ? h->p.fault_event_cycles : 0);
	if (event)
		(*h->st_fault_events)++;
	(*h->st_fault_records)++;
	*h->st_fault_cycles += cycles;
	if (vm)
		(*vm->st_iommu_faults)++;
	else
		(*h->st_fault_host)++;
	host_cpu_account(h, vm, cycles);
}

/* A guest's DMA map/unmap request (IOMMU events with by: guest): a hypercall
 * exit of that vCPU. Returns the delay to its handling's end: the exit is
 * taken once the vCPU is done with the work already on its time line. */
static sim_time_t host_guest_request(void *ctx, unsigned vm, unsigned vcpu)
{
	struct host *h = ctx;
	sim_time_t now = sim_now(h->c.sim->k), start = now;
	(*h->st_guest_requests)++;
	if (!host_ready(h, h->c.sim->err) && vm < h->nvms && vcpu < h->vms[vm].nvcpus &&
	    h->vms[vm].vcpus[vcpu].busy_until > now)
		start = h->vms[vm].vcpus[vcpu].busy_until;
	return start - now + host_vm_exit(h, (int)vm, vcpu, HOST_EXIT_HYPERCALL, 0);
}

static const struct iommu_hv_ops host_iommu_ops = {
	.fault = host_fault,
	.guest_request = host_guest_request,
};

int host_faults_connect(struct host *h, struct iov_err *e)
{
	struct sim *s = h->c.sim;
	for (size_t i = 0; i < s->ncomps && !h->iommu; i++) {
		struct component *c = s->comps[i];
		if (h->p.iommu[0] ? !strcmp(c->name, h->p.iommu) : iommu_is(c))
			h->iommu = c;
	}
	if (!h->iommu) {
		if (h->p.iommu[0])
			return host_err(h, e, "iommu", "iommu '%s' is not a component of the scenario",
					h->p.iommu);
		return 0;
	}
	if (iommu_set_hypervisor(h->iommu, &host_iommu_ops, h))
		return host_err(h, e, "iommu", "'%s' is not an iommu, or another host already "
				"takes its fault events", h->iommu->name);
	return 0;
}

int host_faults_stats(struct host *h, struct iov_err *e)
{
	struct stats *st = h->c.sim->stats;
	return (h->st_fault_events = stats_counter(st, "hypervisor.iommu_faults.events", "",
						   "IOMMU fault-event interrupts the hypervisor "
						   "handled", e)) &&
	       (h->st_fault_records = stats_counter(st, "hypervisor.iommu_faults.records", "",
						    "fault records it read and cleared", e)) &&
	       (h->st_fault_cycles = stats_counter(st, "hypervisor.iommu_faults.cycles", "cycles",
						   "host CPU cycles handling them", e)) &&
	       (h->st_fault_host = stats_counter(st, "hypervisor.iommu_faults.host_devices", "",
						 "records of requesters in no VM (host-owned, or a "
						 "RID no function has)", e)) &&
	       (h->st_guest_requests = stats_counter(st, "hypervisor.dma_map_requests", "",
						     "guests' DMA map/unmap requests taken as "
						     "hypercalls (IOMMU events with by: guest)", e))
		       ? 0 : -1;
}
