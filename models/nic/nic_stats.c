/* nic_stats.c - the NIC's packet accounting: per function, per VM (nic.vms.*) and totals (nic.*)
 *
 * Per-function stats live under components.<nic>.<pf|vfN>.*; the nic.*
 * totals and the per-VM nic.vms.<vm>.* are shared by every sriov_nic of the
 * scenario: the first NIC to elaborate registers and owns them, the others
 * point at them. Throughput is packet bytes x 8 over the interval from the
 * first packet's wire slot start to the last packet's event; it is filled in
 * at finish (every NIC's finish computes the same values from the same
 * counters).
 */
#include <stdlib.h>

#include "nic_impl.h"

extern const struct model model_sriov_nic;

/* ---- counting ---- */

static void note(sim_time_t *first, sim_time_t *last, bool *any, sim_time_t t0, sim_time_t now)
{
	if (!*any || t0 < *first)
		*first = t0;
	if (!*any || now > *last)
		*last = now;
	*any = true;
}

static struct nic_vm_stats *nic_vm(const struct nic_fn *f)
{
	struct nic_totals *t = f->nic->tot;
	return f->vm >= 0 && (size_t)f->vm < t->nvms ? &t->vms[f->vm] : NULL;
}

void nic_latency(struct nic_fn *f, bool tx, sim_time_t dt)
{
	struct nic_vm_stats *v = nic_vm(f);
	hist_add(tx ? f->st.tx_latency : f->st.rx_latency, dt);
	if (v)
		hist_add(tx ? v->tx_latency : v->rx_latency, dt);
}

void nic_count_tx(struct nic_fn *f, uint32_t len, sim_time_t now)
{
	struct nic_totals *t = f->nic->tot;
	struct nic_vm_stats *v = nic_vm(f);
	sim_time_t t0 = now - nic_wire_time(f->nic, len);
	if (v) {
		(*v->tx_packets)++;
		*v->tx_bytes += len;
		note(&v->tx_first, &v->tx_last, &v->any_tx, t0, now);
	}
	(*f->st.tx_packets)++;
	*f->st.tx_bytes += len;
	(*t->tx_packets)++;
	*t->tx_bytes += len;
	note(&f->st.tx_first, &f->st.tx_last, &f->st.any_tx, t0, now);
	note(&t->first, &t->last, &t->any, t0, now);
}

void nic_count_rx(struct nic_fn *f, uint32_t len, sim_time_t now)
{
	struct nic_totals *t = f->nic->tot;
	struct nic_vm_stats *v = nic_vm(f);
	if (v) {
		(*v->rx_packets)++;
		*v->rx_bytes += len;
		note(&v->rx_first, &v->rx_last, &v->any_rx, now - nic_wire_time(f->nic, len), now);
	}
	(*f->st.rx_packets)++;
	*f->st.rx_bytes += len;
	(*t->rx_packets)++;
	*t->rx_bytes += len;
	note(&f->st.rx_first, &f->st.rx_last, &f->st.any_rx, now - nic_wire_time(f->nic, len), now);
	note(&t->first, &t->last, &t->any, now - nic_wire_time(f->nic, len), now);
}

static double gbps(uint64_t bytes, bool any, sim_time_t first, sim_time_t last)
{
	return any && last > first ? (double)bytes * 8e3 / (double)(last - first) : 0.0;
}

int nic_fn_stats(struct nic *n, struct nic_fn *f, struct iov_err *e)
{
	struct stats *st = n->c.sim->stats;
	struct nic_fn_stats *x = &f->st;
	char p[256];
#define FP(leaf) (snprintf(p, sizeof(p), "components.%s.%s." leaf, n->c.name, f->key), p)
#define FC(field, leaf, desc) ((x->field = stats_counter(st, FP(leaf), "", desc, e)) != NULL)
	if (!FC(tx_packets, "tx_packets", "packets sent (on the wire or to a local function)") ||
	    !(x->tx_bytes = stats_counter(st, FP("tx_bytes"), "bytes", "packet bytes sent", e)) ||
	    !FC(rx_packets, "rx_packets", "packets received by the guest driver") ||
	    !(x->rx_bytes = stats_counter(st, FP("rx_bytes"), "bytes", "packet bytes received", e)) ||
	    !FC(rx_drops, "rx_drops", "packets for it dropped: the device's RX buffer was full") ||
	    !FC(desc_fetches, "desc_fetches", "descriptor fetch reads") ||
	    !FC(writebacks, "writebacks", "descriptor write-back writes") ||
	    !FC(interrupts, "interrupts", "MSI-X interrupts sent") ||
	    !FC(irq_masked, "irq_masked", "interrupts held: vector masked (pending bit set)") ||
	    !FC(doorbells, "doorbells", "doorbell MMIO writes by its driver") ||
	    !FC(tx_ring_full, "tx_ring_full", "TX posts refused: ring full") ||
	    !FC(local_tx, "eswitch_tx", "TX packets the embedded switch kept in the device") ||
	    !FC(local_rx, "eswitch_rx", "RX packets that came from a local function") ||
	    !FC(rate_limited, "rate_limited", "TX packets that waited for the rate limit") ||
	    !(x->tx_gbps = stats_value(st, FP("tx_gbps"), "Gb/s", "TX packet throughput", e)) ||
	    !(x->rx_gbps = stats_value(st, FP("rx_gbps"), "Gb/s", "RX packet throughput", e)) ||
	    !(x->pkts_per_irq = stats_value(st, FP("packets_per_interrupt"), "", "packets sent "
					    "and received per interrupt (moderation)", e)) ||
	    !(x->tx_latency = stats_hist(st, FP("tx_latency_ns"), "ns", 1e-3, "TX doorbell write "
					 "to the packet's last bit on the wire", e)) ||
	    !(x->rx_latency = stats_hist(st, FP("rx_latency_ns"), "ns", 1e-3, "RX last bit in from "
					 "the wire to the guest handler reaping it", e)))
		return -1;
	if (f->idx && (!FC(flrs, "flrs", "Function Level Resets of this VF") ||
		       !FC(flr_discarded_cpls, "flr_discarded_completions", "read completions for "
			   "requests issued before an FLR, discarded when they came back") ||
		       !FC(flr_dropped_jobs, "flr_dropped_jobs", "DMA jobs (fetches, data, "
			   "write-backs, MSI-X) queued or unfinished at an FLR, dropped") ||
		       !FC(flr_dropped_pkts, "flr_dropped_packets", "packets lost to an FLR: in "
			   "its rings or RX buffer at the reset, or sent or received while it was "
			   "down") ||
		       !FC(flr_reinits, "flr_reinits", "times its driver re-initialised it after an "
			   "FLR (flr_driver: reinit)")))
		return -1;
#undef FC
#undef FP
	return 0;
}

/* ---- totals ---- */

static int nic_vm_stats(struct sim *s, struct nic_vm_stats *v, const char *vm,
			struct iov_err *e)
{
	struct stats *st = s->stats;
	char p[256];
#define VP(leaf) (snprintf(p, sizeof(p), "nic.vms.%s." leaf, vm), p)
	if (!(v->tx_packets = stats_counter(st, VP("tx_packets"), "", "packets its functions sent",
					    e)) ||
	    !(v->tx_bytes = stats_counter(st, VP("tx_bytes"), "bytes", "their bytes", e)) ||
	    !(v->rx_packets = stats_counter(st, VP("rx_packets"), "", "packets its drivers "
					    "received", e)) ||
	    !(v->rx_bytes = stats_counter(st, VP("rx_bytes"), "bytes", "their bytes", e)) ||
	    !(v->tx_gbps = stats_value(st, VP("tx_gbps"), "Gb/s", "TX throughput of its "
				       "functions", e)) ||
	    !(v->rx_gbps = stats_value(st, VP("rx_gbps"), "Gb/s", "RX throughput of its "
				       "functions", e)) ||
	    !(v->tx_latency = stats_hist(st, VP("tx_latency_ns"), "ns", 1e-3, "TX doorbell to "
					 "on the wire", e)) ||
	    !(v->rx_latency = stats_hist(st, VP("rx_latency_ns"), "ns", 1e-3, "RX wire to the "
					 "guest handler", e)))
		return -1;
#undef VP
	return 0;
}

int nic_totals_create(struct nic *n, struct iov_err *e)
{
	struct sim *s = n->c.sim;
	for (size_t i = 0; i < s->ncomps; i++) {
		struct component *c = s->comps[i];
		if (c != &n->c && c->model == &model_sriov_nic &&
		    container_of(c, struct nic, c)->tot) {
			n->tot = container_of(c, struct nic, c)->tot;
			return 0;
		}
	}
	struct nic_totals *t = calloc(1, sizeof(*t));
	if (!t)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	n->tot = t;
	n->owns_tot = true;
	struct stats *st = s->stats;
#define TC(f, path, unit, desc) ((t->f = stats_counter(st, path, unit, desc, e)) != NULL)
	if (!TC(tx_packets, "nic.tx_packets", "", "packets sent by all NIC functions") ||
	    !TC(tx_bytes, "nic.tx_bytes", "bytes", "packet bytes sent") ||
	    !TC(rx_packets, "nic.rx_packets", "", "packets received by the guests' drivers") ||
	    !TC(rx_bytes, "nic.rx_bytes", "bytes", "packet bytes received") ||
	    !TC(rx_drops, "nic.rx_drops", "", "RX packets dropped (device buffer full)") ||
	    !TC(interrupts, "nic.interrupts", "", "MSI-X interrupts sent by NICs") ||
	    !TC(local_packets, "nic.eswitch.local_packets", "", "VF-to-VF packets kept inside "
		"the device by the embedded switch") ||
	    !TC(local_bytes, "nic.eswitch.local_bytes", "bytes", "their bytes") ||
	    !TC(iso_local, "isolation.eswitch_local", "", "packets between functions of one NIC "
		"through its embedded switch: they never crossed ACS or the IOMMU") ||
	    !(t->tx_gbps = stats_value(st, "nic.tx_gbps", "Gb/s", "TX throughput of all NICs", e)) ||
	    !(t->rx_gbps = stats_value(st, "nic.rx_gbps", "Gb/s", "RX throughput of all NICs", e)))
		return -1;
#undef TC
	t->nvms = s->iso.nvms;
	if (t->nvms && !(t->vms = calloc(t->nvms, sizeof(*t->vms))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < t->nvms; i++)
		if (nic_vm_stats(s, &t->vms[i], s->iso.vms[i].name, e))
			return -1;
	return 0;
}

void nic_stats_finish(struct nic *n)
{
	for (unsigned i = 0; i < n->nfns; i++) {
		struct nic_fn_stats *x = &n->fns[i].st;
		*x->tx_gbps = gbps(*x->tx_bytes, x->any_tx, x->tx_first, x->tx_last);
		*x->rx_gbps = gbps(*x->rx_bytes, x->any_rx, x->rx_first, x->rx_last);
		*x->pkts_per_irq = *x->interrupts ? (double)(*x->tx_packets + *x->rx_packets) /
						    (double)*x->interrupts : 0.0;
	}
	struct nic_totals *t = n->tot;
	*t->tx_gbps = gbps(*t->tx_bytes, t->any, t->first, t->last);
	*t->rx_gbps = gbps(*t->rx_bytes, t->any, t->first, t->last);
	for (size_t i = 0; i < t->nvms; i++) {
		struct nic_vm_stats *v = &t->vms[i];
		*v->tx_gbps = gbps(*v->tx_bytes, v->any_tx, v->tx_first, v->tx_last);
		*v->rx_gbps = gbps(*v->rx_bytes, v->any_rx, v->rx_first, v->rx_last);
	}
	*n->st_wire_tx_gbps = gbps(n->wire_tx_bytes, n->wire_any, n->wire_first, n->wire_last);
	*n->st_wire_rx_gbps = gbps(n->wire_rx_bytes, n->wire_any, n->wire_first, n->wire_last);
}
