/* vnet_host.c - virtio_net's default host: the calls of models/host/host.h on the host component
 *
 * Not modelled here: nothing of its own; the host model does the accounting.
 */
#include "vnet_impl.h"

static sim_time_t vh_exit(void *h, int vm, unsigned vcpu, enum host_exit_reason r,
			  uint64_t extra)
{
	return host_vm_exit(h, vm, vcpu, r, extra);
}

static sim_time_t vh_work(void *h, int vm, uint64_t cycles)
{
	return host_cpu_work(h, vm, cycles);
}

static void vh_inject(void *h, int vm, unsigned vcpu, const struct pcie_fn *fn, unsigned index,
		      const struct host_irq_ops *ops, void *ctx)
{
	host_inject_virq(h, vm, vcpu, fn, index, ops, ctx);
}

static sim_time_t vh_guest(void *h, int vm, unsigned vcpu, uint64_t cycles)
{
	return host_guest_work(h, vm, vcpu, cycles);
}

static const struct vnet_host_ops vnet_host_ops_default = {
	.vm_exit = vh_exit,
	.cpu_work = vh_work,
	.inject_virq = vh_inject,
	.guest_work = vh_guest,
};

void *vnet_host_default(struct sim *s, const char *name, const struct vnet_host_ops **ops)
{
	struct host *h = host_find(s, name && name[0] ? name : NULL);
	*ops = h ? &vnet_host_ops_default : NULL;
	return h;
}
