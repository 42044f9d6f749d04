/* vnet_guest.c - the guest's virtio-net driver: TX posts and kicks, the RX handler and refills
 *
 * Follows Linux's virtio_net without napi_tx:
 *  - TX: the driver reclaims used TX buffers when it sends (free_old_xmit),
 *    adds the packet and kicks if the queue asks for it (virtqueue_kick_prepare:
 *    the event index or the NO_NOTIFY flag). A kick is an I/O-kick VM exit
 *    (host_vm_exit, kick_cycles of handling): the vCPU is out of the guest for
 *    its duration and sends nothing meanwhile. TX interrupts stay disabled
 *    unless the ring is full: then the driver stops the queue, enables them
 *    (virtqueue_enable_cb_delayed: with the event index, for when 3/4 of the
 *    ring is used) and resumes in the TX handler.
 *  - RX: the handler (NAPI) disables RX interrupts, takes every used buffer
 *    (a received packet: its latency from the wire's last bit to the
 *    handler's start is recorded, as for the NIC), spends drv_irq_cycles +
 *    (drv_pkt_cycles + app_cycles_per_packet) per packet of guest CPU on the
 *    vCPU's time line (the host's guest_work), posts the buffers again, kicks
 *    the RX queue if the back end asked for it (it ran out of buffers),
 *    re-enables interrupts and polls again if more buffers were used meanwhile.
 * A TX send costs app_cycles_per_packet of guest work (the application
 * producing it) before the next one. Guest work and exits serialize on the
 * vCPU (host_guest_work); with a host without guest_work the driver times its
 * work itself from the handler's start ('guest_clock').
 * With kick 'notifier' the back end polls and the driver never kicks.
 * Interrupts reach the handler through the host's emulated path
 * (host_inject_virq); a second one for a vector whose handler has not yet
 * started is folded into it (the vector is already pending in the vIRR).
 *
 * Not modelled: NAPI budgets, mergeable RX buffers (a buffer holds any
 * packet), xmit_more batching of kicks, the guest's network stack.
 */
#include "vnet_impl.h"

static void drv_irq_handle(void *ctx, const struct pcie_fn *fn, unsigned index, sim_time_t now)
{
	(void)fn;
	vnet_drv_irq(ctx, index, now);
}

static const struct host_irq_ops vnet_irq_ops = { .handle = drv_irq_handle };

sim_time_t vnet_drv_work(struct vnet *v, uint64_t cycles, sim_time_t now)
{
	sim_time_t end = v->hops->guest_work
		? v->hops->guest_work(v->host, v->vm, (unsigned)v->p.vcpu, cycles)
		: now + vnet_guest_cycles(v, cycles);
	if (end > v->guest_busy)
		v->guest_busy = end;
	return end;
}

void vnet_signal(struct vnet *v, bool rx)
{
	unsigned vec = rx ? VNET_RX_VECTOR : VNET_TX_VECTOR;
	if (!vq_device_need_interrupt(rx ? &v->rxq : &v->txq)) {
		(*v->st.irqs_suppressed)++;
		return;
	}
	if (v->irq_in_flight[vec]) {
		(*v->st.irqs_coalesced)++;
		return;
	}
	v->irq_in_flight[vec] = true;
	(*v->st.interrupts)++;
	if (!rx)
		(*v->st.tx_interrupts)++;
	v->hops->inject_virq(v->host, v->vm, (unsigned)v->p.vcpu, &v->fn, vec, &vnet_irq_ops, v);
}

/* The driver notifies the device of new buffers on q (if q asks for it). */
static void drv_kick(struct vnet *v, struct virtqueue *q, sim_time_t now)
{
	if (v->p.kick == VNET_KICK_NOTIFIER) {
		if (q == &v->txq || v->backlog.n)
			vnet_be_notify(v, now);         /* the poller finds them */
		return;
	}
	if (!vq_driver_kick_prepare(q)) {
		(*v->st.kicks_suppressed)++;
		return;
	}
	(*v->st.kicks)++;
	(*v->st.exits)++;
	sim_time_t d = v->hops->vm_exit(v->host, v->vm, (unsigned)v->p.vcpu, HOST_EXIT_IO_KICK,
					v->p.kick_cycles);
	sim_time_t base = now > v->guest_busy ? now : v->guest_busy;
	sim_time_t end = v->hops->guest_work ? vnet_drv_work(v, 0, now) : base + d;
	if (end > v->guest_busy)
		v->guest_busy = end;
	vnet_be_notify(v, end);
}

void vnet_drv_start(struct vnet *v)
{
	vq_driver_disable_cb(&v->txq);
	while (vq_driver_add(&v->rxq, &(struct vq_buf){ 0 }))
		;
	drv_kick(v, &v->rxq, 0);
}

static void drv_room_event(void *arg)
{
	struct vnet *v = arg;
	v->room_pending = false;
	vnet_traffic_tx_room(v);
}

/* Tell the traffic model when it may send again (the vCPU is back). */
static void drv_room_at(struct vnet *v, sim_time_t t)
{
	if (v->room_pending)
		return;
	v->room_pending = true;
	sim_schedule_at(v->c.sim->k, t, drv_room_event, v);
}

static void drv_reclaim_tx(struct vnet *v)
{
	struct vq_buf b;
	while (vq_driver_get_used(&v->txq, &b))
		;
}

enum vnet_send vnet_drv_send(struct vnet *v, struct vnet_pkt *p)
{
	sim_time_t now = sim_now(v->c.sim->k);
	if (now < v->guest_busy) {
		drv_room_at(v, v->guest_busy);
		return VNET_BUSY;
	}
	if (v->tx_stopped)
		return VNET_FULL;
	drv_reclaim_tx(v);
	uint16_t slot = v->txq.avail_idx & (uint16_t)(v->txq.size - 1);
	while (!vq_driver_add(&v->txq, &(struct vq_buf){ .len = p->len, .t = now })) {
		/* Full: stop the queue and ask for a TX interrupt, unless buffers
		 * were used meanwhile (virtqueue_enable_cb's race). */
		if (!vq_driver_enable_cb_delayed(&v->txq)) {
			(*v->st.tx_ring_full)++;
			v->tx_stopped = true;
			return VNET_FULL;
		}
		vq_driver_disable_cb(&v->txq);
		drv_reclaim_tx(v);
	}
	p->t0 = now;
	v->tx_slot[slot] = p;
	drv_kick(v, &v->txq, now);
	if (v->p.app_cycles)
		vnet_drv_work(v, v->p.app_cycles, now);     /* producing it: the next send waits */
	return VNET_SENT;
}

static void drv_rx_poll(struct vnet *v, sim_time_t now, bool irq);

static void drv_rx_poll_end(void *arg)
{
	struct vnet *v = arg;
	sim_time_t now = sim_now(v->c.sim->k);
	bool added = false;
	for (; v->rx_refill; v->rx_refill--)
		added |= vq_driver_add(&v->rxq, &(struct vq_buf){ 0 });
	if (added)
		drv_kick(v, &v->rxq, now);
	if (vq_driver_enable_cb(&v->rxq)) {
		vq_driver_disable_cb(&v->rxq);
		drv_rx_poll(v, now, false);
		return;
	}
	v->rx_handler_busy = false;
}

/* NAPI poll at now: take every used RX buffer; the refill follows after the
 * guest's CPU time for them (and for the interrupt when irq). */
static void drv_rx_poll(struct vnet *v, sim_time_t now, bool irq)
{
	uint64_t k = 0;
	struct vq_buf b;
	for (;;) {
		uint16_t slot = v->rxq.used_seen & (uint16_t)(v->rxq.size - 1);
		if (!vq_driver_get_used(&v->rxq, &b))
			break;
		struct vnet_pkt *p = v->rx_slot[slot];
		v->rx_slot[slot] = NULL;
		vnet_count_rx(v, p->len, now);
		hist_add(v->st.rx_latency, now - p->t0);
		vnet_traffic_rx(v, p, now);
		vnet_pkt_free(v, p);
		k++;
	}
	v->rx_refill += (uint32_t)k;
	sim_time_t end = vnet_drv_work(v, (irq ? v->p.drv_irq_cycles : 0) +
				     k * (v->p.drv_pkt_cycles + v->p.app_cycles), now);
	sim_schedule_at(v->c.sim->k, end, drv_rx_poll_end, v);
}

void vnet_drv_irq(struct vnet *v, unsigned index, sim_time_t now)
{
	if (index > VNET_TX_VECTOR)
		return;
	v->irq_in_flight[index] = false;
	if (index == VNET_RX_VECTOR) {
		if (v->rx_handler_busy)
			return;                 /* NAPI is polling: it sees the buffers */
		v->rx_handler_busy = true;
		vq_driver_disable_cb(&v->rxq);
		drv_rx_poll(v, now, true);
		return;
	}
	drv_reclaim_tx(v);
	if (!v->tx_stopped)
		return;
	v->tx_stopped = false;
	vq_driver_disable_cb(&v->txq);
	drv_room_at(v, now > v->guest_busy ? now : v->guest_busy);
}
