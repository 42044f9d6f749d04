/* nic_driver.c - the guest driver model of a NIC function: interrupt handler, refill, doorbells
 *
 * One driver per function (the PF's in the host, each VF's in its VM). Its
 * handler runs when the guest's handler for a vector starts (the host model
 * calls it after delivery; without a host model, 'irq_direct_latency' after
 * the MSI-X write leaves the device):
 *  - RX vector: every written-back descriptor is a received packet (counted
 *    when the handler's work reaches it, as the driver and application are
 *    done with it; its latency from wire to handler start recorded; handed to
 *    the traffic model);
 *    the descriptors are posted again and the tail doorbell written;
 *  - TX vector: written-back descriptors are reaped (their packets freed),
 *    and the traffic model may post more.
 * The handler takes drv_irq_cycles + (drv_pkt_cycles + app_cycles_per_packet)
 * per packet of the guest's CPU; doorbells it writes leave after that. With
 * a host model the work is reserved on the vCPU that took the vector
 * (host_guest_work: after the exits and handler already on its time line, at
 * the host's clock), so exits and work serialize and a CPU-bound guest loses
 * throughput to them; without one it takes 'guest_clock' cycles from the
 * handler's start and nothing else competes. A
 * doorbell is a 4-byte MMIO write to BAR0 + ring x 8 (ring 2q: RX of queue
 * q, 2q + 1: TX) that goes down the fabric from the root complex; its data is
 * the new tail. Writes while one is on its way are folded into it.
 *
 * The rr application's think time goes on the same vCPU time line after the
 * handler's work (nic_traffic.c, nic_drv_work).
 *
 * Not modelled: NAPI polling budgets, the guest's cache misses, a guest
 * without interrupts (busy polling).
 */
#include "nic_impl.h"
#include "models/host/host.h"
#include "models/pcie/root_complex.h"

static struct nic_ring *drv_ring(struct nic_fn *f, unsigned index)
{
	struct nic_qp *qp = &f->qp[index / 2];
	return index % 2 ? &qp->tx : &qp->rx;
}

static void drv_doorbell_event(void *arg)
{
	struct nic_ring *r = arg;
	struct nic_fn *f = r->fn;
	struct nic *n = f->nic;
	sim_time_t now = sim_now(n->c.sim->k);
	r->db_pending = false;
	if (f->drv_down)
		return;                 /* the FLR took the ring away (nic_flr.c) */
	if (r->tx)
		for (uint32_t c = r->tail_db; c != r->tail; c++)
			r->slot[c % r->size]->t0 = now;
	r->tail_db = r->tail;
	(*f->st.doorbells)++;
	uint64_t addr = f->pfn->bars[0].addr + (uint64_t)r->vector * NIC_DB_STRIDE;
	if (rc_mmio_write(n->rc, addr, 4, r->tail) < 0 && !n->c.sim->err->status) {
		iov_err_set(n->c.sim->err, IOV_INTERNAL, "%s: no root port leads to the doorbell "
			    "of %s at 0x%llx", n->c.name, f->name, (unsigned long long)addr);
		sim_abort(n->c.sim);
	}
}

static void drv_doorbell(struct nic_ring *r, sim_time_t at)
{
	if (r->db_pending || r->tail == r->tail_db)
		return;
	if (at < r->fn->db_not_before)
		at = r->fn->db_not_before;
	r->db_pending = true;
	sim_schedule_at(r->fn->nic->c.sim->k, at, drv_doorbell_event, r);
}

void nic_drv_kick(struct nic_fn *f, unsigned q)
{
	drv_doorbell(&f->qp[q].tx, sim_now(f->nic->c.sim->k));
}

uint32_t nic_drv_tx_free(const struct nic_fn *f, unsigned q)
{
	const struct nic_ring *r = &f->qp[q].tx;
	return f->drv_down ? 0 : r->size - (r->tail - r->reaped);
}

bool nic_drv_post_tx(struct nic_fn *f, unsigned q, struct nic_pkt *p, bool defer)
{
	struct nic_ring *r = &f->qp[q].tx;
	if (f->drv_down)
		return false;           /* the FLR disabled its queues */
	if (r->tail - r->reaped >= r->size) {
		(*f->st.tx_ring_full)++;
		return false;
	}
	p->src_fn = f->idx;
	p->queue = (uint16_t)q;
	p->epoch = f->epoch;
	r->slot[r->tail % r->size] = p;
	p->desc = r->tail;
	r->tail++;
	if (!defer)
		nic_drv_kick(f, q);
	return true;
}

void nic_drv_start(struct nic_fn *f)
{
	for (unsigned q = 0; q < f->nqp; q++) {
		struct nic_ring *r = &f->qp[q].rx;
		r->tail = r->size;
		drv_doorbell(r, 0);
	}
}

sim_time_t nic_drv_work(struct nic_fn *f, unsigned index, uint64_t cycles, sim_time_t now)
{
	struct nic *n = f->nic;
	if (!n->host)
		return now + nic_guest_cycles(n, cycles);
	unsigned nv = host_vm_vcpus(n->host, f->vm);
	return host_guest_work(n->host, f->vm, nv ? index % nv : 0, cycles);
}

void nic_drv_irq(struct nic_fn *f, unsigned index, sim_time_t now)
{
	struct nic *n = f->nic;
	if (index >= 2 * f->nqp || f->drv_down)
		return;                 /* not a queue vector, or sent before an FLR */
	struct nic_ring *r = drv_ring(f, index);
	uint32_t k = r->wb - r->reaped;
	uint64_t per_pkt = n->p.drv_pkt_cycles + n->p.app_cycles;
	uint64_t total = n->p.drv_irq_cycles + k * per_pkt;
	sim_time_t start = n->host ? nic_drv_work(f, index, 0, now) : now;
	sim_time_t end = nic_drv_work(f, index, total, now);
	uint32_t i = 0;
	for (uint32_t c = r->reaped; c != r->wb; c++, i++) {
		struct nic_pkt *p = r->slot[c % r->size];
		r->slot[c % r->size] = NULL;
		if (!r->tx) {
			/* consumed when the driver and application are done with it */
			double share = total ? (double)(n->p.drv_irq_cycles + (i + 1) * per_pkt) /
					       (double)total : 1.0;
			nic_count_rx(f, p->len, start + (sim_time_t)((double)(end - start) * share));
			nic_latency(f, false, now - p->t0);
			nic_traffic_rx(n, f, p);
		}
		nic_pkt_free(n, p);
	}
	r->reaped = r->wb;
	if (!r->tx) {
		r->tail += k;           /* the same buffers, posted again */
		drv_doorbell(r, end);
	} else {
		/* what the stack posts from the handler is rung after its work */
		f->db_not_before = end;
		nic_traffic_tx_room(n, f, r->q);
		f->db_not_before = 0;
		if (r->tail != r->tail_db)
			drv_doorbell(r, end);
	}
}

static void drv_direct_event(void *arg)
{
	struct nic_ring *r = arg;
	nic_drv_irq(r->fn, r->vector, sim_now(r->fn->nic->c.sim->k));
}

void nic_irq_sent(struct nic_fn *f, unsigned index)
{
	struct nic *n = f->nic;
	if (n->host)
		return;                 /* the host model calls the handler (nic_host_handle) */
	sim_schedule(n->c.sim->k, n->p.irq_direct_latency, drv_direct_event, drv_ring(f, index));
}

/* The host model: the guest's handler for vector 'index' of fn starts. */
static void nic_host_handle(void *ctx, const struct pcie_fn *fn, unsigned index, sim_time_t now)
{
	(void)fn;
	nic_drv_irq(ctx, index, now);
}

static const struct host_irq_ops nic_host_ops = { .handle = nic_host_handle };

int nic_irq_bind(struct nic *n, struct iov_err *e)
{
	const char *name = n->p.host && n->p.host[0] ? n->p.host : NULL;
	struct host *h = host_find(n->c.sim, name);
	if (!h && name)
		return cfg_err(e, nic_loc(n, "host"), "%s: no host component '%s'", n->c.name, name);
	n->host = h;
	for (unsigned i = 0; h && i < n->nfns; i++)
		if (host_register_msix(h, n->fns[i].pfn, &n->fns[i].msix, &nic_host_ops,
				       &n->fns[i], e))
			return -1;
	return 0;
}
