/* vnet_backend.c - virtio-net's host back end (a vhost-net-like thread) and the wire
 *
 * One back-end thread serves the device's TX and RX queues, one packet at a
 * time, alternating between them when both have work:
 *  - TX: take the guest's buffer, copy the packet out (host CPU:
 *    tx_cycles_per_packet + tx_cycles_per_byte x length, through
 *    host_cpu_work), return the buffer as used, put the packet on the wire;
 *  - RX: a packet from the wire waits in the host (a backlog of rx_backlog
 *    packets, like the tap device's queue; more are dropped) until the guest
 *    has posted a buffer; copy it in (rx_cycles_*), return the buffer as used,
 *    and interrupt the guest if the queue asks for it (vnet_guest.c).
 * The thread sleeps when no queue has work. kick 'exit': it re-enables the
 * guest's kicks on TX (and on RX when it ran out of buffers) and is woken
 * by the kick (an I/O-kick VM exit; the ioeventfd) 'wakeup_latency' after
 * the exit, or by a packet from the wire. kick 'notifier': the thread polls
 * the rings every 'poll_interval' (poll_cycles of host CPU per poll while it
 * is idle, charged in arrears) and the guest never kicks.
 *
 * The wire is the NIC's (the shared models/net/net_wire.c): a frame of L
 * bytes takes (L + wire_overhead) x 8 / line_rate, one at a time in each
 * direction.
 *
 * Not modelled: vhost's per-queue work weights and batching of several
 * buffers per wake-up beyond "until the ring is empty", zero-copy TX, the
 * host NIC's own DMA and interrupts, TSO/GSO segmentation and checksums.
 */
#include <math.h>

#include "vnet_impl.h"

static void be_step(struct vnet *v);

uint64_t vnet_copy_cycles(uint64_t per_packet, double per_byte, uint32_t len)
{
	return per_packet + (uint64_t)ceil(per_byte * (double)len);
}

sim_time_t vnet_wire_time(const struct vnet *v, uint32_t len)
{
	return net_wire_time(&v->wire, len);
}

/* ---- notifier polls ---- */

void vnet_be_charge_polls(struct vnet *v, sim_time_t now)
{
	if (v->p.kick != VNET_KICK_NOTIFIER || v->be_busy || now <= v->be_idle_since)
		return;
	sim_time_t iv = v->p.poll_interval;
	uint64_t n = now / iv - v->be_idle_since / iv;
	v->be_idle_since = now;
	if (!n)
		return;
	uint64_t cycles = n * v->p.poll_cycles;
	*v->st.polls += n;
	*v->st.notify_cycles += cycles;
	*v->st.host_cycles += cycles;
	if (cycles)
		v->hops->cpu_work(v->host, v->vm, cycles);
}

/* ---- waking and sleeping ---- */

static void be_wake(void *arg)
{
	struct vnet *v = arg;
	sim_time_t now = sim_now(v->c.sim->k);
	v->be_wake_pending = false;
	vnet_be_charge_polls(v, now);
	v->be_busy = true;
	v->be_busy_start = now;
	vq_device_disable_notify(&v->txq);
	vq_device_disable_notify(&v->rxq);
	be_step(v);
}

void vnet_be_notify(struct vnet *v, sim_time_t at)
{
	if (v->be_busy || v->be_wake_pending)
		return;                 /* it will see the work before it sleeps */
	sim_time_t t;
	if (v->p.kick == VNET_KICK_NOTIFIER) {
		sim_time_t iv = v->p.poll_interval;
		t = (at + iv - 1) / iv * iv;            /* the next poll */
	} else {
		t = at + v->p.wakeup_latency;
	}
	v->be_wake_pending = true;
	sim_schedule_at(v->c.sim->k, t, be_wake, v);
}

/* No work left: ask for kicks (exit mode) and sleep, unless the recheck finds some. */
static bool be_sleep(struct vnet *v)
{
	if (v->backlog.n && !v->rx_wants_kick) {
		(*v->st.rx_no_buffer)++;        /* packets wait for the guest's refill */
		v->rx_wants_kick = true;
	}
	if (v->p.kick == VNET_KICK_EXIT) {
		bool more = vq_device_enable_notify(&v->txq);
		if (v->backlog.n)
			more |= vq_device_enable_notify(&v->rxq);
		if (more) {
			vq_device_disable_notify(&v->txq);
			vq_device_disable_notify(&v->rxq);
			return false;
		}
	}
	sim_time_t now = sim_now(v->c.sim->k);
	v->be_busy = false;
	v->be_busy_time += now - v->be_busy_start;
	v->be_idle_since = now;
	return true;
}

/* ---- one packet ---- */

static void be_done(void *arg)
{
	struct vnet *v = arg;
	struct vnet_pkt *p = v->be_cur;
	v->be_cur = NULL;
	if (v->be_cur_rx) {
		uint16_t slot = v->rxq.used_idx & (uint16_t)(v->rxq.size - 1);
		v->rx_slot[slot] = p;
		vq_device_push_used(&v->rxq, &(struct vq_buf){ .len = p->len, .t = p->t0 });
		vnet_signal(v, true);
	} else {
		vq_device_push_used(&v->txq, &(struct vq_buf){ .len = p->len, .t = p->t0 });
		vnet_wire_send(v, p);
		vnet_signal(v, false);
	}
	be_step(v);
}

static void be_start_tx(struct vnet *v)
{
	uint16_t slot = v->txq.last_avail & (uint16_t)(v->txq.size - 1);
	struct vq_buf b;
	vq_device_pop(&v->txq, &b);
	struct vnet_pkt *p = v->tx_slot[slot];
	v->tx_slot[slot] = NULL;
	uint64_t cyc = vnet_copy_cycles(v->p.tx_cycles_per_packet, v->p.tx_cycles_per_byte, p->len);
	*v->st.tx_host_cycles += cyc;
	*v->st.host_cycles += cyc;
	v->be_cur = p;
	v->be_cur_rx = false;
	sim_schedule(v->c.sim->k, v->hops->cpu_work(v->host, v->vm, cyc), be_done, v);
}

static void be_start_rx(struct vnet *v)
{
	struct vq_buf b;
	vq_device_pop(&v->rxq, &b);
	struct vnet_pkt *p = vnet_fifo_pop(&v->backlog);
	uint64_t cyc = vnet_copy_cycles(v->p.rx_cycles_per_packet, v->p.rx_cycles_per_byte, p->len);
	*v->st.rx_host_cycles += cyc;
	*v->st.host_cycles += cyc;
	v->be_cur = p;
	v->be_cur_rx = true;
	sim_schedule(v->c.sim->k, v->hops->cpu_work(v->host, v->vm, cyc), be_done, v);
}

static void be_step(struct vnet *v)
{
	for (;;) {
		bool tx = vq_device_pending(&v->txq) > 0;
		bool rx = v->backlog.n && vq_device_pending(&v->rxq) > 0;
		if (tx && rx) {
			rx = v->be_rx_turn;
			tx = !rx;
		}
		if (tx || rx) {
			v->be_rx_turn = !rx;
			if (rx) {
				v->rx_wants_kick = false;
				be_start_rx(v);
			} else {
				be_start_tx(v);
			}
			return;
		}
		if (be_sleep(v))
			return;
	}
}

/* ---- wire ---- */

static void wire_tx_end(void *arg)
{
	struct vnet *v = arg;
	sim_time_t now = sim_now(v->c.sim->k);
	struct vnet_pkt *p = vnet_pkt_of(net_wire_tx_pop(&v->wire));
	vnet_count_tx(v, p->len, now);
	hist_add(v->st.tx_latency, now - p->t0);
	vnet_traffic_tx_wire(v, p, now);
	vnet_pkt_free(v, p);
	net_wire_start(&v->wire);
}

void vnet_wire_send(struct vnet *v, struct vnet_pkt *p)
{
	net_wire_send(&v->wire, &p->net);
}

static void wire_rx_end(void *arg)
{
	struct vnet *v = arg;
	sim_time_t now = sim_now(v->c.sim->k);
	struct vnet_pkt *p = vnet_pkt_of(net_wire_rx_pop(&v->wire));
	p->t0 = now;
	if (v->backlog.n >= v->p.rx_backlog) {
		(*v->st.rx_drops)++;
		vnet_pkt_free(v, p);
		return;
	}
	vnet_fifo_push(&v->backlog, p);
	vnet_be_notify(v, now);
}

void vnet_wire_recv(struct vnet *v, struct vnet_pkt *p, sim_time_t at)
{
	net_wire_recv(&v->wire, &p->net, at);
}

void vnet_wire_init(struct vnet *v)
{
	net_wire_init(&v->wire, v->c.sim->k, v->p.line_rate, v->p.wire_overhead, wire_tx_end,
		      wire_rx_end, v);
}
