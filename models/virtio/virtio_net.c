/* virtio_net.c - a paravirtual NIC (virtio-net with a vhost-net-like back end): the component
 *
 * The paravirtual baseline against SR-IOV. One TX and one RX split
 * virtqueue (virtqueue.c) in the guest's memory, driven by the guest's
 * virtio-net driver (vnet_guest.c) and by a host back-end thread
 * (vnet_backend.c) that copies every packet between the guest's buffers and
 * the host's network port (the wire, at the NIC's line rate). Nothing
 * crosses PCIe or the IOMMU: the back end reaches guest memory with the
 * host CPU. What it costs is what the host model accounts:
 *  - a kick (the guest notifying the device) is an I/O-kick VM exit
 *    (host_vm_exit, HOST_EXIT_IO_KICK), or none with a polling notifier
 *    thread that burns host CPU instead ('kick');
 *  - the copies are host CPU work per packet and per byte (host_cpu_work);
 *  - interrupts into the guest take the emulated path (host_inject_virq):
 *    the host model charges their exits (external interrupt, EOI).
 * Notification suppression ('suppression': event_idx, flags or off) decides
 * how many kicks and interrupts there are. Traffic: the netperf-like
 * generators and packet traces of the NIC (vnet_traffic.c, models/net/).
 *
 * The device must be assigned to a VM (listed in its devices: in vms:).
 *
 * Not modelled: multiqueue, the control queue, offloads (TSO/GSO,
 * checksums), mergeable RX buffers, vhost zero-copy, the packed ring, the
 * host NIC and bridge/tap path beyond a per-packet cost, the guest's stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnet_impl.h"

extern const struct model model_virtio_net;

static const char *const vnet_kicks[] = { "exit", "notifier", NULL };
static const char *const vnet_suppressions[] = { "off", "flags", "event_idx", NULL };

#define VP(f) offsetof(struct vnet_params, f)
static const struct param_desc vnet_param_desc[] = {
	{ "host", PARAM_STRING, VP(host), "host", 0, 0, NULL,
	  "the host component (models/host/) that accounts exits and CPU and injects interrupts" },
	{ "vcpu", PARAM_U64, VP(vcpu), "0", 0, 1023, NULL,
	  "the guest's vCPU that runs the driver (kicks, interrupts)" },
	{ "queue_size", PARAM_U64, VP(queue_size), "256", 1, 32768, NULL,
	  "buffers per virtqueue, a power of two (QEMU's default 256)" },
	{ "kick", PARAM_ENUM, VP(kick), "exit", 0, 0, vnet_kicks,
	  "exit: the guest's kick is an I/O-kick VM exit (ioeventfd); notifier: a host thread "
	  "polls the rings, no exit" },
	{ "suppression", PARAM_ENUM, VP(suppression), "event_idx", 0, 0, vnet_suppressions,
	  "notification suppression: event_idx (VIRTIO_F_EVENT_IDX), flags (NO_NOTIFY / "
	  "NO_INTERRUPT) or off (every buffer kicks and interrupts)" },
	{ "line_rate", PARAM_BANDWIDTH, VP(line_rate), "10Gb/s", 1e6, 1e13, NULL,
	  "the host's network port rate, as the NIC's line_rate (10 GbE)" },
	{ "wire_overhead", PARAM_SIZE, VP(wire_overhead), "20", 0, 1024, NULL,
	  "bytes per frame on the wire beyond the packet: Ethernet preamble + SFD 8, IFG 12" },
	{ "kick_cycles", PARAM_U64, VP(kick_cycles), "0", 0, 1e9, NULL,
	  "host cycles of a kick exit beyond the host's cycles_io_kick (2,565: an exit handled "
	  "in the kernel, Dall et al.; FACTS.md)" },
	{ "tx_cycles_per_packet", PARAM_U64, VP(tx_cycles_per_packet), "2500", 0, 1e9, NULL,
	  "back-end host cycles per TX packet besides the copy (assumption: ~1 Mpps per core)" },
	{ "tx_cycles_per_byte", PARAM_DOUBLE, VP(tx_cycles_per_byte), "0.35", 0, 1e6, NULL,
	  "back-end host cycles per TX byte copied (assumption: ~6 GB/s copy at 2.2 GHz)" },
	{ "rx_cycles_per_packet", PARAM_U64, VP(rx_cycles_per_packet), "2500", 0, 1e9, NULL,
	  "back-end host cycles per RX packet besides the copy (assumption, as TX)" },
	{ "rx_cycles_per_byte", PARAM_DOUBLE, VP(rx_cycles_per_byte), "0.35", 0, 1e6, NULL,
	  "back-end host cycles per RX byte copied (assumption, as TX)" },
	{ "wakeup_latency", PARAM_TIME, VP(wakeup_latency), "0ps", 0, 1e12, NULL,
	  "kick exit: from the exit (or a packet from the wire) to the sleeping back end "
	  "running (assumption: 0; a thread wake-up can add microseconds)" },
	{ "poll_interval", PARAM_TIME, VP(poll_interval), "100ns", 1000, 1e12, NULL,
	  "notifier: time between two polls of the rings by the host thread" },
	{ "poll_cycles", PARAM_U64, VP(poll_cycles), "220", 0, 1e9, NULL,
	  "notifier: host cycles per poll while idle (220 per 100 ns: one 2.2 GHz core spinning)" },
	{ "rx_backlog", PARAM_U64, VP(rx_backlog), "1000", 1, 1e9, NULL,
	  "RX packets the host holds for the guest (Linux tap's default tx_queue_len); more drop" },
	{ "guest_clock", PARAM_FREQ, VP(guest_clock), "2.5GHz", 1e6, 1e11, NULL,
	  "the guest's CPU clock for the driver's, application's and rr think cycles when the "
	  "host has no guest_work call (with the host model they run on the vCPU, at its clock)" },
	{ "drv_irq_cycles", PARAM_U64, VP(drv_irq_cycles), "1000", 0, 1e9, NULL,
	  "guest cycles of the driver's handler per interrupt (assumption, as the NIC's)" },
	{ "drv_pkt_cycles", PARAM_U64, VP(drv_pkt_cycles), "300", 0, 1e9, NULL,
	  "guest cycles of the driver per packet received (assumption, as the NIC's)" },
	{ "app_cycles_per_packet", PARAM_U64, VP(app_cycles), "0", 0, 1e9, NULL,
	  "guest application cycles per packet received (RX) or sent (TX, before the next "
	  "send); 0 = no application work (assumption, as the NIC's)" },
	{ "traffic", PARAM_NODE, VP(traffic), "", 0, 0, NULL,
	  "generators: a list of {fn, type: stream|rr, ...} with the NIC's keys "
	  "(models/net/netgen.h)" },
	{ "trace", PARAM_PATH, VP(trace), "", 0, 0, NULL,
	  "a packet trace to replay (pkt_tx / pkt_rx records of this device; docs/trace-format.md)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
#undef VP

/* ---- packets (models/net/net_pkt.h) ---- */

void vnet_oom(struct vnet *v)
{
	struct sim *s = v->c.sim;
	if (!s->err->status)
		iov_err_set(s->err, IOV_INTERNAL, "%s: out of memory (packet pool)", v->c.name);
	sim_abort(s);
}

struct vnet_pkt *vnet_pkt_alloc(struct vnet *v)
{
	struct net_pkt *p = net_pool_get(&v->pkts);
	if (!p)
		vnet_oom(v);
	return p ? vnet_pkt_of(p) : NULL;
}

void vnet_pkt_free(struct vnet *v, struct vnet_pkt *p)
{
	net_pool_put(&v->pkts, &p->net);
}

/* ---- counting ---- */

static void vnet_note(sim_time_t *first, sim_time_t *last, bool *any, sim_time_t t0,
		      sim_time_t now)
{
	if (!*any || t0 < *first)
		*first = t0;
	if (!*any || now > *last)
		*last = now;
	*any = true;
}

void vnet_count_tx(struct vnet *v, uint32_t len, sim_time_t now)
{
	(*v->st.tx_packets)++;
	*v->st.tx_bytes += len;
	vnet_note(&v->st.tx_first, &v->st.tx_last, &v->st.any_tx, now - vnet_wire_time(v, len), now);
}

void vnet_count_rx(struct vnet *v, uint32_t len, sim_time_t now)
{
	(*v->st.rx_packets)++;
	*v->st.rx_bytes += len;
	vnet_note(&v->st.rx_first, &v->st.rx_last, &v->st.any_rx, now - vnet_wire_time(v, len), now);
}

static double vnet_gbps(uint64_t bytes, bool any, sim_time_t first, sim_time_t last)
{
	return any && last > first ? (double)bytes * 8e3 / (double)(last - first) : 0.0;
}

static double vnet_ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

/* ---- the component ---- */

void virtio_net_use_host(struct component *c, const struct vnet_host_ops *ops, void *host)
{
	struct vnet *v = container_of(c, struct vnet, c);
	v->hops = ops;
	v->host = host;
}

static void vnet_destroy(struct component *c)
{
	struct vnet *v = container_of(c, struct vnet, c);
	vnet_traffic_free(v);
	vq_free(&v->txq);
	vq_free(&v->rxq);
	free(v->tx_slot);
	free(v->rx_slot);
	net_pool_release(&v->pkts);
	free(v);
}

#define VS(leaf) (snprintf(path, sizeof(path), "components.%s." leaf, v->c.name), path)
#define VC(field, leaf, unit, desc) ((x->field = stats_counter(st, VS(leaf), unit, desc, e)) != NULL)
#define VV(field, leaf, unit, desc) ((x->field = stats_value(st, VS(leaf), unit, desc, e)) != NULL)
#define VH(field, leaf, desc) ((x->field = stats_hist(st, VS(leaf), "ns", 1e-3, desc, e)) != NULL)

static int vnet_register_stats(struct vnet *v, struct iov_err *e)
{
	struct stats *st = v->c.sim->stats;
	struct vnet_stats *x = &v->st;
	char path[256];
	if (!VC(tx_packets, "tx_packets", "", "packets sent on the wire") ||
	    !VC(tx_bytes, "tx_bytes", "bytes", "packet bytes sent") ||
	    !VC(rx_packets, "rx_packets", "", "packets received by the guest driver") ||
	    !VC(rx_bytes, "rx_bytes", "bytes", "packet bytes received by the guest driver") ||
	    !VC(rx_drops, "rx_drops", "", "RX packets dropped: the host's backlog was full") ||
	    !VV(tx_gbps, "tx_gbps", "Gb/s", "TX throughput on the wire (first frame's start to "
		"last frame's end)") ||
	    !VV(rx_gbps, "rx_gbps", "Gb/s", "RX throughput into the guest (first frame's start "
		"on the wire to the last packet's handler)") ||
	    !VH(tx_latency, "tx_latency_ns", "guest posts the packet to its last bit on the wire") ||
	    !VH(rx_latency, "rx_latency_ns", "last bit in from the wire to the guest's handler") ||
	    !VC(kicks, "kicks", "", "guest notifications of the device (each an I/O-kick exit)") ||
	    !VC(kicks_suppressed, "kicks_suppressed", "", "buffers added without a kick (the "
		"back end was polling: event index / NO_NOTIFY)") ||
	    !VC(exits, "exits", "", "VM exits this device's kicks caused (interrupt exits are "
		"the host's vm_exits.*)") ||
	    !VV(exits_per_packet, "exits_per_packet", "", "kick exits per packet (TX + RX)") ||
	    !VV(kicks_per_packet, "kicks_per_packet", "", "kicks per TX packet") ||
	    !VC(interrupts, "interrupts", "", "interrupts injected into the guest (emulated path)") ||
	    !VC(tx_interrupts, "tx_interrupts", "", "of which TX (the driver waited for ring room)") ||
	    !VC(irqs_suppressed, "irqs_suppressed", "", "used buffers that raised no interrupt "
		"(event index / NO_INTERRUPT)") ||
	    !VC(irqs_coalesced, "irqs_coalesced", "", "interrupts folded into one already pending") ||
	    !VV(packets_per_interrupt, "packets_per_interrupt", "", "RX packets per RX interrupt") ||
	    !VC(tx_ring_full, "tx_ring_full", "", "sends refused: the TX ring was full") ||
	    !VC(rx_no_buffer, "rx_no_buffer", "", "times the back end ran out of guest RX buffers") ||
	    !VC(polls, "polls", "", "notifier: polls of the idle host thread") ||
	    !VC(host_cycles, "host_cycles", "cycles", "host CPU of the back end: copies and "
		"polls (exit handling is the host's vm_exits.*)") ||
	    !VC(tx_host_cycles, "tx_host_cycles", "cycles", "host CPU copying TX packets") ||
	    !VC(rx_host_cycles, "rx_host_cycles", "cycles", "host CPU copying RX packets") ||
	    !VC(notify_cycles, "notify_cycles", "cycles", "host CPU of the notifier's idle polls") ||
	    !VV(host_cycles_per_packet, "host_cycles_per_packet", "cycles", "host_cycles per "
		"packet (TX + RX)") ||
	    !VV(host_cycles_per_byte, "host_cycles_per_byte", "cycles", "host_cycles per packet "
		"byte (TX + RX)") ||
	    !VV(backend_busy, "backend_busy", "", "share of the run the back end thread worked"))
		return -1;
	return 0;
}

#undef VS
#undef VC
#undef VV
#undef VH

static struct component *vnet_create(struct sim *s, const char *name, const void *params,
				     const struct cfg_node *node, struct iov_err *e)
{
	struct vnet *v = calloc(1, sizeof(*v));
	if (!v) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	v->p = *(const struct vnet_params *)params;
	v->node = node;
	net_pool_init(&v->pkts, sizeof(struct vnet_pkt));
	component_init(&v->c, s, &model_virtio_net, name, &v->p.guest_clock);
	vnet_wire_init(v);
	v->vm = -1;
	v->fn = (struct pcie_fn){ .name = name, .kind = PCIE_FN_ENDPOINT, .c = &v->c, .vm = -1 };
	unsigned qs = (unsigned)v->p.queue_size;
	struct iov_err e2 = { 0 };
	if (vq_init(&v->txq, qs, (enum vq_suppress)v->p.suppression, &e2) ||
	    vq_init(&v->rxq, qs, (enum vq_suppress)v->p.suppression, &e2)) {
		if (e2.status == IOV_BAD_INPUT)
			cfg_err(e, cfg_get(node, "queue_size"), "%s", e2.msg);
		else
			*e = e2;
		goto err;
	}
	v->tx_slot = calloc(qs, sizeof(*v->tx_slot));
	v->rx_slot = calloc(qs, sizeof(*v->rx_slot));
	if (!v->tx_slot || !v->rx_slot) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto err;
	}
	if (vnet_register_stats(v, e) || vnet_traffic_load(v, node, e))
		goto err;
	return &v->c;
err:
	vnet_destroy(&v->c);
	return NULL;
}

static int vnet_elaborate(struct component *c, struct iov_err *e)
{
	struct vnet *v = container_of(c, struct vnet, c);
	struct sim *s = c->sim;
	v->vm = iso_vm_of(s, c->name);
	v->fn.vm = v->vm;
	if (v->hops)
		return 0;       /* a host given with virtio_net_use_host answers for its own
				 * VMs and vCPUs; the checks below are the host component's */
	v->host = vnet_host_default(s, v->p.host, &v->hops);
	if (!v->host)
		return iov_err_set(e, IOV_BAD_INPUT, "virtio_net '%s': no host component '%s' "
				   "(the 'host' parameter names the component of type host)",
				   c->name, v->p.host);
	if (v->vm < 0)
		return iov_err_set(e, IOV_BAD_INPUT, "virtio_net '%s' is in no VM: list it in the "
				   "devices: of a VM under vms:", c->name);
	unsigned n = host_vm_vcpus(v->host, v->vm);
	if (v->p.vcpu >= n) {
		const struct cfg_node *at = v->node ? cfg_get(v->node, "vcpu") : NULL;
		return cfg_err(e, at ? at : v->node, "virtio_net '%s': vcpu %llu: its VM has %u "
			       "vCPU%s (the host's vcpus)", c->name, (unsigned long long)v->p.vcpu,
			       n, n == 1 ? "" : "s");
	}
	return 0;
}

static int vnet_start(struct component *c, struct iov_err *e)
{
	struct vnet *v = container_of(c, struct vnet, c);
	if (!v->hops)
		return iov_err_set(e, IOV_INTERNAL, "virtio_net '%s' started without a host",
				   c->name);
	vnet_drv_start(v);
	vnet_traffic_start(v);
	return 0;
}

static void vnet_finish(struct component *c)
{
	struct vnet *v = container_of(c, struct vnet, c);
	struct vnet_stats *x = &v->st;
	sim_time_t now = sim_now(c->sim->k);
	vnet_be_charge_polls(v, now);
	if (v->be_busy)
		v->be_busy_time += now - v->be_busy_start;
	vnet_traffic_finish(v);
	*x->tx_gbps = vnet_gbps(*x->tx_bytes, x->any_tx, x->tx_first, x->tx_last);
	*x->rx_gbps = vnet_gbps(*x->rx_bytes, x->any_rx, x->rx_first, x->rx_last);
	double pkts = (double)(*x->tx_packets + *x->rx_packets);
	double bytes = (double)(*x->tx_bytes + *x->rx_bytes);
	*x->host_cycles_per_packet = vnet_ratio((double)*x->host_cycles, pkts);
	*x->host_cycles_per_byte = vnet_ratio((double)*x->host_cycles, bytes);
	*x->exits_per_packet = vnet_ratio((double)*x->exits, pkts);
	*x->kicks_per_packet = vnet_ratio((double)*x->kicks, (double)*x->tx_packets);
	*x->packets_per_interrupt = vnet_ratio((double)*x->rx_packets,
				      (double)(*x->interrupts - *x->tx_interrupts));
	*x->backend_busy = vnet_ratio((double)v->be_busy_time, (double)now);
}

static const struct model_ops vnet_ops = {
	.create = vnet_create,
	.elaborate = vnet_elaborate,
	.start = vnet_start,
	.finish = vnet_finish,
	.destroy = vnet_destroy,
};

static const struct port_doc vnet_ports[] = {
	{ NULL, NULL },
};

const struct model model_virtio_net = {
	.kind = "virtio",
	.type = "virtio_net",
	.desc = "paravirtual NIC: virtqueues, kicks (exits or a polling thread), host copies, "
		"emulated interrupts",
	.ops = &vnet_ops,
	.params = vnet_param_desc,
	.params_size = sizeof(struct vnet_params),
	.ports = vnet_ports,
	.not_modelled = "multiqueue, control queue, offloads (TSO/GSO, checksum), mergeable RX "
			"buffers, vhost zero-copy, packed ring, the host NIC and bridge beyond a "
			"per-packet cost, ring memory traffic",
};
