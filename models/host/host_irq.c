/* host_irq.c - the MSI path: root complex -> interrupt remapping -> delivery
 *
 * The root complex hands every MSI that passed its root port to this stage
 * (rc_set_irq_sink) at the time the write arrives: the start of the
 * interrupt latency. With remapping (models/iommu/intremap.c):
 *   1. decode the request (compatibility or remappable format, handle,
 *      reserved bits, table bounds);
 *   2. the interrupt-entry cache (iec_latency); on a miss the 16-byte IRTE
 *      is read from memory through the root complex (the memory model's
 *      queue and latency, plus ir_read_latency), then cached;
 *   3. the entry's checks (present, reserved fields, source ID);
 *   4. remapped format: the host vector goes to the destination CPU ->
 *      emulated delivery (vcpu.c); posted format: the 64-byte descriptor
 *      is read (timed like the IRTE) and the vector posted (host_posted.c).
 * A fault blocks the interrupt (counted by reason in iommu.ir.faults.*).
 * Without remapping every MSI is decoded as compatibility format (APIC ID
 * in address bits 19:12, vector in data bits 7:0).
 *
 * Not modelled: interrupt-controller (LAPIC) delivery latency on the host
 * side, fault recording and the fault event interrupt.
 */
#include "models/host/host_impl.h"

static void host_spurious(struct host *h, struct host_irq *r)
{
	(*h->st_spurious)++;
	host_irq_put(h, r);
}

/* Fill r's target from programmed MSI-X entry 'idx' (virq index + 1). */
static bool host_target(struct host *h, struct host_irq *r, uint32_t idx)
{
	if (!idx || idx > h->nvirqs)
		return false;
	const struct host_virq *q = &h->virqs[idx - 1];
	r->fn = q->fn;
	r->index = q->index;
	r->ops = q->ops;
	r->ctx = q->ctx;
	r->vcpu = q->vcpu;
	r->gvec = q->gvec;
	return true;
}

/* A host vector reached CPU 'apic'. */
static void host_vector(struct host *h, struct host_irq *r, uint32_t apic, uint8_t vec)
{
	if (apic >= h->napics || !host_target(h, r, h->hvec_virq[apic * 256u + vec])) {
		host_spurious(h, r);
		return;
	}
	sim_time_t now = sim_now(h->c.sim->k);
	if (!r->vcpu) {                 /* a host-owned function: the host's own handler */
		(*h->st_host)++;
		host_irq_latency(h, r, PATH_HOST, now);
		if (r->ops && r->ops->handle)
			r->ops->handle(r->ctx, r->fn, r->index, now);
		host_irq_put(h, r);
		return;
	}
	r->path = PATH_EMULATED;
	vcpu_deliver_emulated(r->vcpu, r);
}

static void host_fault(struct host *h, struct host_irq *r, enum ir_fault f)
{
	ir_count_fault(h->ir, f);
	(*h->st_blocked)++;
	host_irq_put(h, r);
}

static void host_read(struct host *h, struct host_irq *r, uint64_t addr, uint32_t len)
{
	if (rc_irq_mem_read(h->rc, addr, len, (uint64_t)(uintptr_t)r))
		host_irq_put(h, r);     /* run stopped with the error set */
}

/* Posted-format IRTE: the vCPU whose descriptor it names, then the post. */
static void host_posted_target(struct host *h, struct host_irq *r)
{
	uint64_t pda = r->irte.pda;
	uint64_t a = pda >= h->pd_base ? (pda - h->pd_base) / PI_DESC_SIZE + 1 : 0;
	struct host_vcpu *v = pda >= h->pd_base && a < h->napics &&
			      !((pda - h->pd_base) % PI_DESC_SIZE) ? h->by_apic[a] : NULL;
	if (!v || !host_target(h, r, v->gvec_virq[r->irte.vector]) || r->vcpu != v) {
		host_spurious(h, r);
		return;
	}
	r->path = PATH_POSTED;
	r->pid_step = true;
	host_read(h, r, pda, PI_DESC_SIZE);
}

static void host_translate(struct host *h, struct host_irq *r)
{
	enum ir_fault f = ir_translate(h->ir, r->rid, r->handle, &r->irte);
	if (f) {
		host_fault(h, r, f);
		return;
	}
	if (r->iec_miss)
		ir_iec_fill(h->ir, r->handle);
	r->t_remap = r->t_posted = sim_now(h->c.sim->k);
	hist_add(h->st_remap_ns, r->t_remap - r->t_rc);
	if (r->irte.posted)
		host_posted_target(h, r);
	else
		host_vector(h, r, r->irte.dest, r->irte.vector);
}

static void host_ev_iec(void *arg)
{
	struct host_irq *r = arg;
	struct host *h = r->h;
	if (r->iec_miss)
		host_read(h, r, ir_entry_addr(h->ir, r->handle), 16);
	else
		host_translate(h, r);
}

static void host_ev_read_done(void *arg)
{
	struct host_irq *r = arg;
	if (r->pid_step) {
		r->t_posted = sim_now(r->h->c.sim->k);
		host_post(r->h, r);
	} else {
		host_translate(r->h, r);
	}
}

static void host_rc_read_done(void *ctx, struct component *rc, uint64_t cookie)
{
	(void)rc;
	struct host *h = ctx;
	sim_schedule(h->c.sim->k, h->p.ir_read_latency, host_ev_read_done,
		     (struct host_irq *)(uintptr_t)cookie);
}

static void host_rc_msi(void *ctx, struct component *rc, unsigned port, uint16_t rid,
			uint64_t addr, uint32_t data)
{
	(void)rc;
	(void)port;
	struct host *h = ctx;
	struct sim_kernel *k = h->c.sim->k;
	(*h->st_received)++;
	struct host_irq *r = host_irq_get(h);
	if (!r)
		return;
	r->rid = rid;
	r->addr = addr;
	r->data = data;
	r->t_rc = r->t_remap = r->t_posted = sim_now(k);
	bool compat = true;
	if (h->ir) {
		enum ir_fault f = ir_request(h->ir, addr, data, &compat, &r->handle);
		if (f) {
			host_fault(h, r, f);
			return;
		}
	}
	if (compat) {
		hist_add(h->st_remap_ns, 0);
		host_vector(h, r, (uint32_t)(addr >> 12) & 0xffu, (uint8_t)data);
		return;
	}
	r->iec_miss = !ir_iec_lookup(h->ir, r->handle);
	sim_schedule(k, h->p.iec_latency, host_ev_iec, r);
}

const struct rc_irq_ops host_rc_irq_ops = {
	.msi = host_rc_msi,
	.read_done = host_rc_read_done,
};
