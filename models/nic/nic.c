/* nic.c - an SR-IOV NIC: the sriov_nic component, its parameters, functions, doorbells and stats
 *
 * One PCIe device (models/pcie/endpoint.h gives the PF's config space, BARs
 * and BME) with a network port (nic_wire.c). Each function - the PF and,
 * with SR-IOV, each VF - has its own TX/RX queue pairs with descriptor rings
 * in its guest's memory (nic_ring.c), one MSI-X vector per queue (RX of
 * queue q: vector 2q, TX: 2q + 1), and a guest driver model
 * (nic_driver.c). All DMA goes through one engine with bounded read tags
 * (nic_dma.c), carrying the requesting function's routing ID, so the IOMMU
 * translates each function's requests in its own domain. Doorbells arrive as
 * MMIO writes from the root complex at BAR0 + ring x 8.
 *
 * Rings and buffers of function i sit in its VM's first memory range at
 * guest_offset + i x (the largest function's footprint), or at host_base for
 * functions in no VM; IOVA = guest-physical as the IOMMU maps VM memory.
 *
 * Not modelled: the NIC's register file beyond the doorbells (queue set-up
 * happens at elaboration), link-level flow control, offloads (checksum, TSO,
 * RSS hashing: a packet's flow picks its queue), per-queue DMA engines.
 */
#include <stdlib.h>
#include <string.h>

#include "nic_impl.h"

extern const struct model model_sriov_nic;

static const char *const nic_mbx_policies[] = { "trust", "strict", "deny", NULL };
static const char *const nic_flr_drivers[] = { "reinit", "down", NULL };

#define NP(f) offsetof(struct nic_params, f)
static const struct param_desc nic_param_desc[] = {
	{ "clock", PARAM_FREQ, NP(clock), "1GHz", 1e6, 1e11, NULL,
	  "device clock; DMA TLPs leave on its edges (assumption)" },
	{ "max_outstanding", PARAM_U64, NP(max_outstanding), "32", 1, 1024, NULL,
	  "DMA read requests in flight at once (tags), as dma_source" },
	{ "mrrs", PARAM_SIZE, NP(mrrs), "512", 128, 4096, NULL,
	  "max read request size: descriptor and TX data reads are split" },
	{ "mps", PARAM_SIZE, NP(mps), "256", 128, 4096, NULL,
	  "max payload size: RX data and write-backs are split" },
	{ "issue_cycles", PARAM_U64, NP(issue_cycles), "1", 1, 1000000, NULL,
	  "clock cycles between two TLPs leaving the DMA engine" },
	{ "line_rate", PARAM_BANDWIDTH, NP(line_rate), "10Gb/s", 1e6, 1e13, NULL,
	  "network port rate (10 GbE: FACTS.md, Dong et al. HPCA'10)" },
	{ "wire_overhead", PARAM_SIZE, NP(wire_overhead), "20", 0, 1024, NULL,
	  "bytes per frame on the wire beyond the packet: Ethernet preamble + SFD 8, IFG 12" },
	{ "queue_pairs", PARAM_U64, NP(queue_pairs), "1", 1, NIC_MAX_QP, NULL,
	  "TX/RX queue pairs of the PF's own driver" },
	{ "ring_size", PARAM_U64, NP(ring_size), "512", 8, 65536, NULL,
	  "descriptors per ring (assumption: Linux ixgbe's default)" },
	{ "desc_size", PARAM_SIZE, NP(desc_size), "16", 8, 256, NULL,
	  "bytes per descriptor (advanced descriptors of 10/40 GbE NICs are 16 B)" },
	{ "desc_per_fetch", PARAM_U64, NP(desc_per_fetch), "8", 1, 1024, NULL,
	  "descriptors per descriptor-fetch read (assumption)" },
	{ "desc_cache", PARAM_U64, NP(desc_cache), "32", 1, 65536, NULL,
	  "descriptors a ring holds on chip; fetches stop when it is full (assumption)" },
	{ "wb_batch", PARAM_U64, NP(wb_batch), "8", 1, 65536, NULL,
	  "done descriptors gathered into one write-back (and all before an interrupt)" },
	{ "buf_size", PARAM_SIZE, NP(buf_size), "2KiB", 64, 65536, NULL,
	  "buffer per descriptor; packets must fit one" },
	{ "rx_buffer", PARAM_SIZE, NP(rx_buffer), "512KiB", 2048, 1ull << 32, NULL,
	  "on-chip RX packet buffer shared by all functions; full = drop (assumption)" },
	{ "tx_buffer", PARAM_SIZE, NP(tx_buffer), "160KiB", 2048, 1ull << 32, NULL,
	  "on-chip TX packet buffer shared by all functions: a packet's data is read only when "
	  "it has room, rings take turns (assumption: 82599-class)" },
	{ "itr_packets", PARAM_U64, NP(itr_packets), "32", 1, 65536, NULL,
	  "interrupt moderation: completions that raise an interrupt at once (assumption)" },
	{ "itr_time", PARAM_TIME, NP(itr_time), "10us", 0, 1e12, NULL,
	  "interrupt moderation: the longest a completion waits for its interrupt (assumption, "
	  "like ITR)" },
	{ "irq_direct_latency", PARAM_TIME, NP(irq_direct_latency), "1us", 0, 1e12, NULL,
	  "without a host model: MSI-X write leaving the device to the guest handler (assumption)" },
	{ "eswitch_latency", PARAM_TIME, NP(eswitch_latency), "500ns", 0, 1e12, NULL,
	  "embedded switch: a local TX packet to the RX side of its destination (assumption)" },
	{ "eswitch", PARAM_BOOL, NP(eswitch), "true", 0, 0, NULL,
	  "embedded switch on: a TX packet for another function's MAC on the same VLAN stays in "
	  "the device; false: every TX packet goes out on the wire" },
	{ "guest_clock", PARAM_FREQ, NP(guest_clock), "2.5GHz", 1e6, 1e11, NULL,
	  "the guests' CPU clock for the driver's, application's and rr think cycles without a "
	  "host model (with one they run on the vCPU, at the host's clock)" },
	{ "drv_irq_cycles", PARAM_U64, NP(drv_irq_cycles), "1000", 0, 1e9, NULL,
	  "guest cycles of the driver's handler per interrupt (assumption)" },
	{ "drv_pkt_cycles", PARAM_U64, NP(drv_pkt_cycles), "300", 0, 1e9, NULL,
	  "guest cycles of the driver per packet reaped (assumption)" },
	{ "app_cycles_per_packet", PARAM_U64, NP(app_cycles), "0", 0, 1e9, NULL,
	  "guest application cycles per packet the driver hands over (RX) or completes (TX, "
	  "standing for producing the next); 0 = no application work (assumption: set the "
	  "workload's)" },
	{ "host_base", PARAM_SIZE, NP(host_base), "0x10000000", 0, 0, NULL,
	  "where rings and buffers of functions in no VM start (host memory)" },
	{ "guest_offset", PARAM_SIZE, NP(guest_offset), "16MiB", 0, 0, NULL,
	  "offset in a VM's first memory range where its functions' rings and buffers start" },
	{ "mac_base", PARAM_U64, NP(mac_base), "0x020000000000", 0, 0xffffffffffffull, NULL,
	  "MAC of the PF; VF n gets mac_base + n unless its entry sets one" },
	{ "total_queue_pairs", PARAM_U64, NP(total_queue_pairs), "128", 1, 4096, NULL,
	  "queue pairs the device has for the PF and its VFs (assumption: 82599-class, 128)" },
	{ "total_vectors", PARAM_U64, NP(total_vectors), "256", 2, 65536, NULL,
	  "MSI-X vectors the device has for the PF and its VFs (assumption)" },
	{ "vf_queue_pairs", PARAM_U64, NP(vf_queue_pairs), "1", 1, NIC_MAX_QP, NULL,
	  "queue pairs the PF driver gives each VF (vf_config may say otherwise)" },
	{ "vf_config", PARAM_NODE, NP(vf_config), "", 0, 0, NULL,
	  "per VF: a list of {vf, queue_pairs, mac, vlan, rate, trusted}" },
	{ "mailbox", PARAM_NODE, NP(mailbox), "", 0, 0, NULL,
	  "VF-to-PF mailbox requests: a list of {at, vf, op: set_mac|set_vlan, value}" },
	{ "events", PARAM_NODE, NP(events), "", 0, 0, NULL,
	  "things that happen to the VFs during the run: a list of {at, op: flr, vf} "
	  "(Function Level Reset; docs/models/nic.md)" },
	{ "flr_driver", PARAM_ENUM, NP(flr_driver), "reinit", 0, 0, nic_flr_drivers,
	  "after a VF's FLR: reinit (its driver sets it up again, flr_reinit_time after the "
	  "reset ends) or down (it stays disabled)" },
	{ "flr_reinit_time", PARAM_TIME, NP(flr_reinit_time), "100us", 0, 1e12, NULL,
	  "end of a VF's FLR to its driver's rings re-armed (assumption: restoring config "
	  "space, vectors and rings)" },
	{ "mbx_policy", PARAM_ENUM, NP(mbx_policy), "strict", 0, 0, nic_mbx_policies,
	  "the PF driver's answer: trust (accept), strict (refuse changing what the "
	  "administrator set, unless trusted), deny" },
	{ "mbx_latency", PARAM_TIME, NP(mbx_latency), "20us", 0, 1e12, NULL,
	  "mailbox request to the PF driver's answer (assumption)" },
	{ "traffic", PARAM_NODE, NP(traffic), "", 0, 0, NULL,
	  "generators: a list of {fn, type: stream|rr, ...} (docs/models/nic.md)" },
	{ "trace", PARAM_PATH, NP(trace), "", 0, 0, NULL,
	  "a packet trace to replay (pkt_tx / pkt_rx records; docs/trace-format.md)" },
	{ "flows", PARAM_NODE, NP(flows), "", 0, 0, NULL,
	  "destinations of flows: a list of {id, dst: wire | FUNCTION}" },
	{ "host", PARAM_STRING, NP(host), "", 0, 0, NULL,
	  "the host component that delivers this NIC's interrupts ('': the scenario's host; "
	  "none in the scenario: irq_direct_latency)" },
	PCIE_EP_PARAM_DESC(struct nic_params, ep),
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* ---- packet pool (models/net/net_pkt.h) ---- */

void nic_oom(struct nic *n)
{
	struct sim *s = n->c.sim;
	if (!s->err->status)
		iov_err_set(s->err, IOV_INTERNAL, "%s: out of memory", n->c.name);
	sim_abort(s);
}

struct nic_pkt *nic_pkt_alloc(struct nic *n)
{
	struct net_pkt *np = net_pool_get(&n->pkts);
	if (!np) {
		nic_oom(n);
		return NULL;
	}
	struct nic_pkt *p = nic_pkt_of(np);
	p->dst_fn = NIC_DST_WIRE;
	return p;
}

void nic_pkt_free(struct nic *n, struct nic_pkt *p)
{
	net_pool_put(&n->pkts, &p->net);
}

/* ---- doorbells ---- */

/* A posted write from the root complex: a doorbell if it hits BAR0 of one of
 * our functions at a ring's offset; anything else goes to the endpoint. */
static bool nic_doorbell(struct nic *n, struct tlp *t)
{
	if (t->type != TLP_MWR)
		return false;
	for (unsigned i = 0; i < n->nfns; i++) {
		struct nic_fn *f = &n->fns[i];
		const struct pcie_bar *b = &f->pfn->bars[0];
		if (!f->pfn->nbars || t->addr < b->addr || t->addr - b->addr >= b->size)
			continue;
		uint64_t ring = (t->addr - b->addr) / NIC_DB_STRIDE;
		if ((t->addr - b->addr) % NIC_DB_STRIDE || ring >= 2 * f->nqp) {
			(*n->st_bad_doorbells)++;
			return true;
		}
		if (f->in_flr || f->drv_down)
			return true;    /* a resetting function ignores its registers */
		(*n->st_doorbells)++;
		struct nic_qp *qp = &f->qp[ring / 2];
		nic_ring_doorbell(ring % 2 ? &qp->tx : &qp->rx, t->data);
		return true;
	}
	return false;
}

static bool nic_up_recv(struct port *p, struct tlp *t)
{
	struct nic *n = container_of(p, struct nic, up);
	if (tlp_is_cpl(t)) {
		nic_dma_completion(&n->dma, t);
		return true;
	}
	if (nic_doorbell(n, t)) {
		tlp_free(n->c.sim->tlps, t);
		return true;
	}
	pcie_ep_request(&n->ep, t);     /* other MMIO, peers' DMA to our BARs, messages */
	return true;
}

static void nic_up_retry(struct port *p)
{
	struct nic *n = container_of(p, struct nic, up);
	if (pcie_ep_retry(&n->ep))
		return;
	nic_dma_retry(&n->dma);
}

static const struct port_ops nic_up_ops = { .recv = nic_up_recv, .retry = nic_up_retry };

/* ---- functions ---- */

static void nic_ring_init(struct nic_ring *r, struct nic_fn *f, unsigned q, bool tx,
			  uint64_t *at)
{
	struct nic *n = f->nic;
	r->fn = f;
	r->q = (uint16_t)q;
	r->tx = tx;
	r->vector = (uint16_t)(2 * q + (tx ? 1 : 0));
	r->size = (uint32_t)n->p.ring_size;
	r->base = *at;
	*at += n->p.ring_size * n->p.desc_size;
	*at = (*at + 4095) & ~4095ull;
	r->buf_base = *at;
	*at += n->p.ring_size * n->p.buf_size;
}

static uint64_t nic_footprint(const struct nic *n, unsigned nqp)
{
	uint64_t ring = (n->p.ring_size * n->p.desc_size + 4095) & ~4095ull;
	return 2 * nqp * (ring + n->p.ring_size * n->p.buf_size);
}

/* Rings, buffers, MSI-X table and stats of function f. */
static int nic_fn_setup(struct nic *n, struct nic_fn *f, uint64_t stride, struct iov_err *e)
{
	struct sim *s = n->c.sim;
	f->nic = n;
	f->vm = iso_vm_of(s, f->name);
	struct sim_flow *fl = sim_flow_get(s, f->name, e);
	if (!fl)
		return -1;
	f->flow = sim_flow_index(s, fl);
	uint64_t need = nic_footprint(n, f->nqp);
	if (f->vm >= 0) {
		const struct sim_vm *vm = &s->iso.vms[f->vm];
		uint64_t off = n->p.guest_offset + f->idx * stride;
		if (!vm->nranges || vm->ranges[0].size < off + need)
			return iov_err_set(e, IOV_BAD_INPUT, "%s: VM '%s' has too little memory for "
					   "the rings and buffers of %s: %llu bytes at offset %llu of "
					   "its first range", n->c.name, vm->name, f->name,
					   (unsigned long long)need, (unsigned long long)off);
		f->mem_base = vm->ranges[0].base + off;
	} else {
		f->mem_base = n->p.host_base + f->idx * stride;
	}
	f->mem_size = need;
	f->qp = calloc(f->nqp, sizeof(*f->qp));
	f->msix.n = 2 * f->nqp;
	f->msix.e = calloc(f->msix.n, sizeof(*f->msix.e));
	f->msix_saved = calloc(f->msix.n, sizeof(*f->msix_saved));
	if (!f->qp || !f->msix.e || !f->msix_saved)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	f->pfn->msix = &f->msix;
	f->pfn->caps |= PCIE_CAP_MSIX;
	uint64_t at = f->mem_base;
	for (unsigned q = 0; q < f->nqp; q++) {
		nic_ring_init(&f->qp[q].rx, f, q, false, &at);
		nic_ring_init(&f->qp[q].tx, f, q, true, &at);
		f->qp[q].rx.slot = calloc(n->p.ring_size, sizeof(struct nic_pkt *));
		f->qp[q].tx.slot = calloc(n->p.ring_size, sizeof(struct nic_pkt *));
		f->qp[q].rx.finished = calloc(n->p.ring_size, sizeof(bool));
		f->qp[q].tx.finished = calloc(n->p.ring_size, sizeof(bool));
		if (!f->qp[q].rx.slot || !f->qp[q].tx.slot || !f->qp[q].rx.finished ||
		    !f->qp[q].tx.finished)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	/* Without a host model: compatibility-format entries, vector 0x30 + i. */
	for (unsigned i = 0; i < f->msix.n; i++)
		f->msix.e[i] = (struct msix_entry){ .addr = msi_addr_compat(0), .data = 0x30 + i };
	return nic_fn_stats(n, f, e);
}

static void nic_fn_free(struct nic *n, struct nic_fn *f)
{
	if (!f->qp)
		return;
	for (unsigned q = 0; q < f->nqp; q++) {
		struct nic_ring *rs[2] = { &f->qp[q].rx, &f->qp[q].tx };
		for (int k = 0; k < 2; k++) {
			struct nic_ring *r = rs[k];
			for (uint32_t i = 0; r->slot && i < r->size; i++)
				if (r->slot[i])
					nic_pkt_free(n, r->slot[i]);
			struct nic_pkt *p;
			while ((p = nic_pkt_pop(&r->waiting)))
				nic_pkt_free(n, p);
			free(r->slot);
			free(r->finished);
		}
	}
	free(f->qp);
	free(f->msix.e);
	free(f->msix_saved);
	f->qp = NULL;
}

/* ---- life cycle ---- */

static void nic_destroy(struct component *c)
{
	struct nic *n = container_of(c, struct nic, c);
	nic_traffic_free(n);
	for (unsigned i = 0; i < n->nfns; i++)
		nic_fn_free(n, &n->fns[i]);
	struct nic_pkt *p;
	struct net_fifo *qs[] = { &n->wire.tx_q, &n->wire.rx_q, &n->local_q };
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
		while ((p = nic_pkt_pop(qs[k])))
			nic_pkt_free(n, p);
	nic_dma_free(&n->dma);
	pcie_ep_free(&n->ep);
	trace_close(n->ts);
	net_pool_release(&n->pkts);
	free(n->flow_mac);
	free(n->mbx);
	free(n->evs);
	if (n->owns_tot && n->tot)
		free(n->tot->vms);
	if (n->owns_tot)
		free(n->tot);
	free(n);
}

#define NIC_STAT(field, leaf, desc)                                                        \
	(snprintf(path, sizeof(path), "components.%s." leaf, name),                         \
	 (n->field = stats_counter(s->stats, path, "", desc, e)) != NULL)

static struct component *nic_create(struct sim *s, const char *name, const void *params,
				    const struct cfg_node *node, struct iov_err *e)
{
	struct nic *n = calloc(1, sizeof(*n));
	if (!n) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	n->p = *(const struct nic_params *)params;
	n->node = node;
	net_pool_init(&n->pkts, sizeof(struct nic_pkt));
	component_init(&n->c, s, &model_sriov_nic, name, &n->p.clock);
	nic_wire_init(n);
	char path[256];
	if (component_add_port(&n->c, &n->up, "up", &nic_up_ops, e) ||
	    pcie_ep_init(&n->ep, &n->c, &n->up, &n->p.ep, node, e) ||
	    nic_dma_init(&n->dma, n, e) || nic_trace_open(n, e))
		goto err;
	if (!n->ep.fn.nbars) {          /* BAR0: the registers (doorbells) */
		n->ep.fn.nbars = 1;
		n->ep.fn.bars[0] = (struct pcie_bar){ .size = 128 * 1024, .loc = node->loc };
	}
	if (n->ep.fn.bars[0].size < 2 * NIC_MAX_QP * NIC_DB_STRIDE) {
		cfg_err(e, node, "%s: BAR0 of %llu bytes is too small for the doorbells (at least "
			"%u)", name, (unsigned long long)n->ep.fn.bars[0].size,
			2 * NIC_MAX_QP * NIC_DB_STRIDE);
		goto err;
	}
	if (!NIC_STAT(st_eswitch_local, "eswitch.local_packets", "TX packets switched to "
		      "another function of this NIC inside the device") ||
	    !NIC_STAT(st_eswitch_bytes, "eswitch.local_bytes", "their bytes") ||
	    !NIC_STAT(st_wire_tx, "wire.tx_frames", "frames sent on the network port") ||
	    !NIC_STAT(st_wire_rx, "wire.rx_frames", "frames received on the network port") ||
	    !NIC_STAT(st_rx_buffer_full, "rx_buffer_full", "RX packets dropped: RX buffer full") ||
	    !NIC_STAT(st_doorbells, "doorbell_writes", "doorbell MMIO writes received") ||
	    !NIC_STAT(st_bad_doorbells, "bad_doorbells", "writes to BAR0 at no ring's doorbell") ||
	    !NIC_STAT(st_mbx_requests, "mailbox.requests", "VF-to-PF mailbox requests") ||
	    !NIC_STAT(st_mbx_accepted, "mailbox.accepted", "requests the PF driver accepted") ||
	    !NIC_STAT(st_mbx_refused, "mailbox.refused", "requests the PF driver refused") ||
	    !(snprintf(path, sizeof(path), "components.%s.mailbox.latency_ns", name),
	      n->st_mbx_latency = stats_hist(s->stats, path, "ns", 1e-3, "request to answer", e)) ||
	    !(snprintf(path, sizeof(path), "components.%s.wire.tx_gbps", name),
	      n->st_wire_tx_gbps = stats_value(s->stats, path, "Gb/s", "packet throughput on the "
					       "port, TX", e)) ||
	    !(snprintf(path, sizeof(path), "components.%s.wire.rx_gbps", name),
	      n->st_wire_rx_gbps = stats_value(s->stats, path, "Gb/s", "packet throughput on the "
					       "port, RX", e)))
		goto err;
	struct nic_fn *pf = &n->fns[0];
	pf->nic = n;
	pf->name = name;
	snprintf(pf->key, sizeof(pf->key), "pf");
	pf->pfn = &n->ep.fn;
	pf->nqp = (unsigned)n->p.queue_pairs;
	pf->mac = n->p.mac_base;
	n->nfns = 1;
	rng_seed_named(&n->rng, s->seed, name);
	return &n->c;
err:
	nic_destroy(&n->c);
	return NULL;
}

static int nic_elaborate(struct component *c, struct iov_err *e)
{
	struct nic *n = container_of(c, struct nic, c);
	struct sim *s = c->sim;
	struct pcie_topo *t = pcie_topo_of(s);
	if (!t)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: an sriov_nic needs a pcie_root_complex "
				   "(its doorbells come from there)", c->name);
	n->rc = t->rc->c;
	if (n->p.tx_buffer < n->p.buf_size || n->p.rx_buffer < n->p.buf_size)
		return cfg_err(e, nic_loc(n, n->p.tx_buffer < n->p.buf_size ? "tx_buffer" :
					  "rx_buffer"), "%s: the TX and RX buffers (%llu, %llu bytes) "
			       "must hold a packet of buf_size (%llu bytes)", c->name,
			       (unsigned long long)n->p.tx_buffer, (unsigned long long)n->p.rx_buffer,
			       (unsigned long long)n->p.buf_size);
	if (nic_totals_create(n, e) || nic_vfs_setup(n, e) || nic_mbx_load(n, e))
		return -1;
	nic_eswitch_attach(n);
	unsigned maxq = 0;
	for (unsigned i = 0; i < n->nfns; i++)
		maxq = n->fns[i].nqp > maxq ? n->fns[i].nqp : maxq;
	uint64_t stride = nic_footprint(n, maxq);
	for (unsigned i = 0; i < n->nfns; i++)
		if (nic_fn_setup(n, &n->fns[i], stride, e))
			return -1;
	return nic_irq_bind(n, e) || nic_traffic_load(n, e) || nic_events_load(n, e) ? -1 : 0;
}

static int nic_start(struct component *c, struct iov_err *e)
{
	(void)e;
	struct nic *n = container_of(c, struct nic, c);
	for (unsigned i = 0; i < n->nfns; i++)
		nic_drv_start(&n->fns[i]);
	nic_traffic_start(n);
	nic_mbx_start(n);
	nic_events_start(n);
	return 0;
}

static void nic_finish(struct component *c)
{
	struct nic *n = container_of(c, struct nic, c);
	nic_stats_finish(n);
	nic_traffic_finish(n);
}

static const struct model_ops nic_ops = {
	.create = nic_create,
	.elaborate = nic_elaborate,
	.start = nic_start,
	.finish = nic_finish,
	.destroy = nic_destroy,
};

static const struct port_doc nic_ports[] = {
	{ "up", "towards the host: DMA requests and MSI-X out, completions and doorbells in" },
	{ NULL, NULL },
};

const struct model model_sriov_nic = {
	.kind = "nic",
	.type = "sriov_nic",
	.desc = "SR-IOV NIC: per-function TX/RX descriptor rings in guest memory, doorbells, "
		"batched descriptor fetch, data DMA, write-back, interrupt moderation, MSI-X per "
		"queue, a line-rate port and an embedded switch",
	.ops = &nic_ops,
	.params = nic_param_desc,
	.params_size = sizeof(struct nic_params),
	.ports = nic_ports,
	.not_modelled = "register file beyond doorbells, offloads (TSO, checksums, RSS hashing), "
			"scatter-gather, link flow control, descriptor contents, TCP",
};
