/* host_posted.c - posted delivery: the IOMMU's descriptor post, notification, wakeup, PIR sync
 *
 * After remapping through a posted-format IRTE and the timed read of the
 * vCPU's descriptor, the IOMMU posts the guest vector (posted_irq.c):
 *   notification to a running vCPU (NV = the notification vector): the CPU
 *     takes it in guest mode, no exit: cycles_posted_delivery later the PIR
 *     is synced into the virtual APIC and the guest handler starts;
 *   notification to a halted vCPU (NV = the wakeup vector, which the
 *     hypervisor set when the vCPU blocked): the host's wakeup handler wakes
 *     it (interrupts.wakeups, cycles_wakeup; no guest exit) and the PIR is
 *     synced at the VM entry;
 *   ON already set: no second notification (the pending one takes all PIR
 *     bits); SN set (a preempted vCPU): no notification, the PIR is synced
 *     at its next VM entry.
 * Posted delivery needs APICv virtual-interrupt delivery, so the guest's EOI
 * never exits. Wakeups are counted per notification: interrupts that
 * coalesce into one notification share one wakeup.
 *
 * Not modelled: the urgent bit, a notification arriving in root mode being
 * handled by the host's notification handler (a busy vCPU takes it when it
 * is free, like the other paths).
 */
#include "models/host/host_impl.h"

static void host_ev_pi(void *arg)
{
	host_pi_process(arg);
}

int host_pi_control(struct host_vcpu *v)
{
	if (!v->pda)
		return 0;
	return pi_set_control(ir_memory(v->h->ir), v->pda, v->state == VCPU_PREEMPTED,
			      v->state == VCPU_HALTED ? HOST_PI_WAKEUP_VECTOR : HOST_PI_NOTIFY_VECTOR,
			      v->apic, v->h->c.sim->err);
}

void host_pi_process(struct host_vcpu *v)
{
	struct host *h = v->h;
	uint64_t pir[4];
	if (!v->pda || !v->pi_head)
		return;
	if (pi_take(ir_memory(h->ir), v->pda, pir, h->c.sim->err)) {
		sim_abort(h->c.sim);
		return;
	}
	sim_time_t now = sim_now(h->c.sim->k);
	struct host_irq **pp = &v->pi_head, *last = NULL;
	while (*pp) {
		struct host_irq *r = *pp;
		if (pir[r->gvec >> 6] & (1ull << (r->gvec & 63))) {
			*pp = r->next;
			vcpu_run_handler(v, r, now, false);
		} else {
			last = r;
			pp = &r->next;
		}
	}
	v->pi_tail = last;
}

/* Is an interrupt for the same vector already waiting (one PIR bit)? */
static bool host_pi_pending(const struct host_vcpu *v, uint8_t gvec)
{
	for (const struct host_irq *q = v->pi_head; q; q = q->next)
		if (q->gvec == gvec)
			return true;
	return false;
}

static void host_pi_queue(struct host_vcpu *v, struct host_irq *r)
{
	r->next = NULL;
	if (v->pi_tail)
		v->pi_tail->next = r;
	else
		v->pi_head = r;
	v->pi_tail = r;
	v->inflight++;
}

static void host_pi_notify(struct host *h, struct host_vcpu *v, struct host_irq *r, uint8_t nv)
{
	struct sim_kernel *k = h->c.sim->k;
	sim_time_t now = sim_now(k);
	sim_time_t t = now > v->busy_until ? now : v->busy_until;
	(*h->st_notifications)++;
	if (nv == HOST_PI_WAKEUP_VECTOR && v->state == VCPU_HALTED) {
		r->path = PATH_POSTED_WAKEUP;
		r->deliver_ps = host_cycles(h, h->p.wakeup_cycles);
		t = vcpu_wake(v, t);
	} else {
		r->deliver_ps = host_cycles(h, h->p.pi_delivery_cycles);
		vcpu_guest(v, t, t + r->deliver_ps);    /* in guest mode, no exit */
		t += r->deliver_ps;
	}
	sim_schedule_at(k, t, host_ev_pi, v);
}

void host_post(struct host *h, struct host_irq *r)
{
	struct host_vcpu *v = r->vcpu;
	uint8_t nv = 0;
	uint32_t ndst = 0;
	enum pi_outcome o = pi_post(ir_memory(h->ir), v->pda, r->gvec, &nv, &ndst, h->c.sim->err);
	if (o == PI_ERROR) {
		host_irq_put(h, r);
		sim_abort(h->c.sim);
		return;
	}
	if (host_pi_pending(v, r->gvec)) {
		(*h->st_merged)++;
		host_irq_put(h, r);
	} else {
		host_pi_queue(v, r);
	}
	if (o == PI_COALESCED)
		(*h->st_coalesced)++;
	else if (o == PI_SUPPRESSED)
		(*h->st_suppressed)++;
	else
		host_pi_notify(h, v, v->pi_tail, nv);
}
