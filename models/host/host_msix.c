/* host_msix.c - the hypervisor programs MSI-X tables: vectors, IRTEs, entry addresses and data
 *
 * For a function assigned to a VM, entry i goes to vCPU i mod vcpus of the
 * VM (spread as guest drivers spread queue interrupts) with the next free
 * guest vector of that vCPU (0x30..0xef). With remapping, each entry gets
 * its own IRTE (handle = IRTE index, no sub-handle) carrying the
 * function's requester ID for source validation (SVT = 1, SQ = 0: all 16
 * bits compared), and the entry is written in remappable format:
 *   posted VM:   posted-format IRTE (guest vector, the vCPU's descriptor);
 *   emulated VM: remapped-format IRTE (a host vector of the vCPU's CPU).
 * Without remapping the entry is compatibility format (APIC ID, host
 * vector). A host-owned function gets compatibility-format entries to the
 * host's CPU (APIC 0), blocked if ir_block_compat is set.
 *
 * Not modelled: vector sharing, re-programming during a run (affinity
 * changes, migration), MSI (non-X) capability.
 */
#include <stdlib.h>

#include "models/host/host_impl.h"

static int host_virq_add(struct host *h, struct iov_err *e)
{
	if (h->nvirqs < h->virqs_cap)
		return 0;
	size_t cap = h->virqs_cap ? 2 * h->virqs_cap : 64;
	struct host_virq *n = realloc(h->virqs, cap * sizeof(*n));
	if (!n)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	h->virqs = n;
	h->virqs_cap = cap;
	return 0;
}

static int host_hvec(struct host *h, unsigned apic, const struct pcie_fn *fn, uint8_t *vec,
		     struct iov_err *e)
{
	if (h->hvec_next[apic] > HOST_LAST_VECTOR)
		return host_err(h, e, "vcpus", "CPU %u is out of host vectors for '%s' (0x%x..0x%x "
				"in use); give the VM more vCPUs", apic, fn->name, HOST_FIRST_VECTOR,
				HOST_LAST_VECTOR);
	*vec = (uint8_t)h->hvec_next[apic]++;
	h->hvec_virq[apic * 256u + *vec] = (uint32_t)h->nvirqs + 1;
	return 0;
}

/* Entry for vCPU v of a VM: guest vector, IRTE or compatibility format. */
static int host_program_vm(struct host *h, struct host_virq *q, struct msix_entry *me,
			   struct iov_err *e)
{
	struct host_vcpu *v = q->vcpu;
	if (v->next_gvec > HOST_LAST_VECTOR)
		return host_err(h, e, "vcpus", "VM '%s' vCPU %u is out of guest vectors for '%s'; "
				"give the VM more vCPUs", v->vm->name, v->idx, q->fn->name);
	q->gvec = (uint8_t)v->next_gvec++;
	v->gvec_virq[q->gvec] = (uint32_t)h->nvirqs + 1;
	bool posted = v->vm->cfg.delivery == HOST_POSTED;
	uint8_t hv = 0;
	if (!posted && host_hvec(h, v->apic, q->fn, &hv, e))
		return -1;
	if (!h->ir) {
		me->addr = msi_addr_compat((uint8_t)v->apic);
		me->data = hv;
		return 0;
	}
	uint16_t handle;
	struct irte x = { .present = true, .posted = posted, .vector = posted ? q->gvec : hv,
			  .dest = v->apic, .pda = v->pda, .sid = q->fn->rid, .svt = 1, .sq = 0 };
	struct iov_err e2 = { 0 };
	if (ir_alloc(h->ir, &handle, h->c.name, &e2))
		return host_err(h, e, "ir_entries", "the interrupt remapping table is full (%llu "
				"entries) at '%s' vector %u; raise ir_entries",
				(unsigned long long)h->p.ir.entries, q->fn->name, q->index);
	if (ir_set_entry(h->ir, handle, &x, e))
		return -1;
	me->addr = msi_addr_remappable(handle);
	me->data = 0;
	return 0;
}

int host_register_msix(struct host *h, struct pcie_fn *fn, struct msix_table *t,
		       const struct host_irq_ops *ops, void *ctx, struct iov_err *e)
{
	if (host_ready(h, e))
		return -1;
	if (!t || !t->n)
		return 0;
	if (!fn->msix)
		fn->msix = t;
	struct host_vm *vm = fn->vm >= 0 && (size_t)fn->vm < h->nvms ? &h->vms[fn->vm] : NULL;
	for (unsigned i = 0; i < t->n; i++) {
		if (host_virq_add(h, e))
			return -1;
		struct host_virq *q = &h->virqs[h->nvirqs];
		*q = (struct host_virq){ .fn = fn, .index = i, .ops = ops, .ctx = ctx,
					 .vcpu = vm ? &vm->vcpus[i % vm->nvcpus] : NULL };
		struct msix_entry *me = &t->e[i];
		if (vm) {
			if (host_program_vm(h, q, me, e))
				return -1;
		} else {
			uint8_t hv = 0;
			if (host_hvec(h, 0, fn, &hv, e))
				return -1;
			me->addr = msi_addr_compat(0);
			me->data = hv;
		}
		h->nvirqs++;
	}
	return 0;
}
