/* run_summary.c - the human summary of a run (summary.txt, the terminal): DMA to packets
 *
 * Everything is read back from the stats registry by name (docs/stats.md), so
 * a section appears only when the components that register its stats are in
 * the scenario: interrupts and exits with a host model, packets with an
 * SR-IOV NIC (nic.*, per VM nic.vms.<vm>.*, per function
 * components.<nic>.<fn>.*) or a virtio-net device (components.<vnet>.*).
 * Not shown: per-function NIC rows (stats.json has them), TX latency.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/host/host.h"
#include "run_summary.h"
#include "sim.h"
#include "units.h"

static void run_summary_latency_row(FILE *f, const char *name, const struct hist *h)
{
	fprintf(f, "  %-20s %10" PRIu64 " %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, h->count,
		hist_mean(h) * 1e-3, hist_quantile(h, 0.5) * 1e-3, hist_quantile(h, 0.9) * 1e-3,
		hist_quantile(h, 0.99) * 1e-3, hist_quantile(h, 0.999) * 1e-3,
		h->count ? (double)h->max * 1e-3 : 0.0);
}

static double run_stat(const struct sim *s, const char *path)
{
	double v = 0;
	return stats_get(s->stats, path, &v) ? 0 : v;
}

/* Isolation totals, and the IOMMU's when the scenario has one. */
static void run_summary_isolation(FILE *f, const struct sim *s)
{
	double ok = run_stat(s, "isolation.allowed"), blocked = run_stat(s, "isolation.blocked"),
	       bad = run_stat(s, "isolation.violations");
	if (ok + blocked + bad == 0)
		return;                 /* no fabric that judges requests (fixed_path) */
	fprintf(f, "\nIsolation: %.0f allowed, %.0f blocked, %.0f violations", ok, blocked, bad);
	double stale = run_stat(s, "isolation.stale_exposures");
	double bypass = run_stat(s, "isolation.translated_bypass");
	if (stale > 0 || bypass > 0)
		fprintf(f, ", %.0f stale-translation exposures, %.0f translated (ATS) bypasses",
			stale, bypass);
	fprintf(f, "\n");
	double v;
	if (stats_get(s->stats, "iommu.iotlb.lookups", &v))
		return;
	fprintf(f, "IOMMU: %.0f IOTLB lookups, hit rate %.3f, %.0f walks (%.0f merged), %.0f "
		"faults\n", v, run_stat(s, "iommu.iotlb.hit_rate"), run_stat(s, "iommu.walks"),
		run_stat(s, "iommu.walks_merged"), run_stat(s, "iommu.faults.total"));
}

/* Per VM with a host model: how its vCPUs' time divided (vcpus.<vm>.*). */
static void run_summary_vcpus(FILE *f, const struct sim *s)
{
	for (size_t i = 0; i < s->iso.nvms; i++) {
		char p[160];
		double u;
		snprintf(p, sizeof(p), "vcpus.%s.utilization", s->iso.vms[i].name);
		if (stats_get(s->stats, p, &u))
			continue;
		double g = 0, r = 0, x = 0;
		snprintf(p, sizeof(p), "vcpus.%s.guest_ns", s->iso.vms[i].name);
		stats_get(s->stats, p, &g);
		snprintf(p, sizeof(p), "vcpus.%s.root_ns", s->iso.vms[i].name);
		stats_get(s->stats, p, &r);
		snprintf(p, sizeof(p), "vcpus.%s.indirect_ns", s->iso.vms[i].name);
		stats_get(s->stats, p, &x);
		fprintf(f, "  vCPUs of %s: utilization %.3f; guest %.0f ns, root mode %.0f ns, lost "
			"to indirect exit costs %.0f ns\n", s->iso.vms[i].name, u, g, r, x);
	}
}

/* Interrupts and VM exits, when the scenario has a host model. */
static void run_summary_interrupts(FILE *f, const struct sim *s)
{
	double exits;
	if (stats_get(s->stats, "vm_exits.total", &exits))
		return;
	fprintf(f, "\nInterrupts: %.0f received, %.0f delivered, %.0f wakeups, %.0f blocked by "
		"remapping\n", run_stat(s, "interrupts.received"), run_stat(s, "interrupts.delivered"),
		run_stat(s, "interrupts.wakeups"), run_stat(s, "interrupts.blocked"));
	fprintf(f, "VM exits: %.0f (%.2f per interrupt, %.0f/s), %.0f cycles; host CPU %.0f cycles\n",
		exits, run_stat(s, "vm_exits.per_interrupt"), run_stat(s, "vm_exits.per_second"),
		run_stat(s, "vm_exits.cycles"), run_stat(s, "hypervisor.cpu_cycles"));
	fprintf(f, " ");
	for (unsigned r = 0; r < HOST_EXIT__COUNT; r++) {
		char p[96];
		snprintf(p, sizeof(p), "vm_exits.by_reason.%s", host_exit_reason_names[r]);
		fprintf(f, " %s %.0f", host_exit_reason_names[r], run_stat(s, p));
	}
	fprintf(f, "\n");
	run_summary_vcpus(f, s);
	const char *path;
	for (unsigned i = 0; (path = host_latency_path_name(i)); i++) {
		char p[96], q[96];
		snprintf(p, sizeof(p), "interrupts.latency_ns.%s.count", path);
		snprintf(q, sizeof(q), "interrupts.latency_ns.%s.p50", path);
		if (run_stat(s, p) > 0)
			fprintf(f, "  latency %-16s %8.0f interrupts, p50 %9.1f ns\n", path,
				run_stat(s, p), run_stat(s, q));
	}
}

/* The guest CPU path (EPT), when the scenario has guest_cpu components. */
static void run_summary_cpu_path(FILE *f, const struct sim *s)
{
	double n;
	if (stats_get(s->stats, "ept.accesses", &n))
		return;
	if (run_stat(s, "isolation.allowed") + run_stat(s, "isolation.blocked") +
	    run_stat(s, "isolation.violations") == 0)
		fprintf(f, "\n");      /* no Isolation line above to follow */
	fprintf(f, "CPU path (EPT): %.0f accesses: %.0f allowed, %.0f blocked, %.0f violations, "
		"%.0f MMIO exits; TLB hits %.0f, walks %.0f\n", n,
		run_stat(s, "cpu.isolation.allowed"), run_stat(s, "cpu.isolation.blocked"),
		run_stat(s, "cpu.isolation.violations"), run_stat(s, "ept.mmio_exits"),
		run_stat(s, "ept.tlb.hits"), run_stat(s, "ept.walks"));
}

/* ---- packets: SR-IOV NICs and virtio-net ---- */

static bool run_is_type(const struct component *c, const char *type)
{
	return c->model && c->model->type && !strcmp(c->model->type, type);
}

/* The function and its leaf of "components.<nic>.<fn>.<leaf>", for a NIC
 * component: fn is "pf" or "vf<n>"; false for anything else. */
static bool run_nic_fn_stat(const struct sim *s, const char *path, const struct component **nic,
			    char *fn, size_t fnlen, const char **leaf)
{
	if (strncmp(path, "components.", 11))
		return false;
	path += 11;
	for (size_t i = 0; i < s->ncomps; i++) {
		const struct component *c = s->comps[i];
		size_t n = strlen(c->name);
		if (!run_is_type(c, "sriov_nic") || strncmp(path, c->name, n) || path[n] != '.')
			continue;
		const char *k = path + n + 1, *dot = strchr(k, '.');
		if (!dot || (size_t)(dot - k) >= fnlen || strchr(dot + 1, '.') ||
		    !(!strncmp(k, "pf.", 3) || (k[0] == 'v' && k[1] == 'f' && k[2] >= '0' && k[2] <= '9')))
			continue;
		memcpy(fn, k, (size_t)(dot - k));
		fn[dot - k] = 0;
		*nic = c;
		*leaf = dot + 1;
		return true;
	}
	return false;
}

/* Per VM (index; nvms = the host): eswitch packets sent and whether it has a
 * NIC function; the RX latency of every function merged into *rx. */
static void run_nic_scan(const struct sim *s, uint64_t *local, bool *has, struct hist *rx,
			 double *scale)
{
	struct stat_info in;
	for (size_t i = 0; stats_iter(s->stats, i, &in); i++) {
		const struct component *c;
		const char *leaf;
		char key[32], name[256];
		if (!run_nic_fn_stat(s, in.path, &c, key, sizeof(key), &leaf))
			continue;
		if (!strcmp(key, "pf"))
			snprintf(name, sizeof(name), "%s", c->name);
		else
			snprintf(name, sizeof(name), "%s.%s", c->name, key);
		int vm = iso_vm_of(s, name);
		size_t v = vm < 0 ? s->iso.nvms : (size_t)vm;
		if (!strcmp(leaf, "tx_packets"))
			has[v] = true;
		else if (!strcmp(leaf, "eswitch_tx") && in.counter)
			local[v] += *in.counter;
		else if (!strcmp(leaf, "rx_latency_ns") && in.hist) {
			hist_merge(rx, in.hist);
			*scale = in.scale;
		}
	}
}

static void run_nic_row(FILE *f, const char *name, double txg, double rxg, double txp,
			double rxp, double p50, double local)
{
	fprintf(f, "  %-20s %9.3f %9.3f %11.0f %11.0f %10.1f %13.0f\n", name, txg, rxg, txp, rxp,
		p50, local);
}

/* Packets of the SR-IOV NICs: per VM with NIC functions, then all. */
static void run_summary_nic(FILE *f, const struct sim *s)
{
	if (!stats_exists(s->stats, "nic.tx_packets"))
		return;
	size_t nv = s->iso.nvms;
	uint64_t *local = calloc(nv + 1, sizeof(*local));
	bool *has = calloc(nv + 1, sizeof(*has));
	struct hist rx;
	double scale = 1e-3;
	hist_init(&rx, STATS_HIST_SUB_BITS);
	if (!local || !has) {
		free(local);
		free(has);
		return;
	}
	run_nic_scan(s, local, has, &rx, &scale);
	fprintf(f, "\nNIC packets            %9s %9s %11s %11s %10s %13s\n", "tx Gb/s", "rx Gb/s",
		"tx packets", "rx packets", "rx p50 ns", "eswitch-local");
	for (size_t v = 0; v < nv; v++) {
		if (!has[v])
			continue;
		char p[5][320];
		const char *vm = s->iso.vms[v].name;
		static const char *const leaf[] = { "tx_gbps", "rx_gbps", "tx_packets", "rx_packets",
						    "rx_latency_ns.p50" };
		for (int k = 0; k < 5; k++)
			snprintf(p[k], sizeof(p[k]), "nic.vms.%s.%s", vm, leaf[k]);
		run_nic_row(f, vm, run_stat(s, p[0]), run_stat(s, p[1]), run_stat(s, p[2]),
			    run_stat(s, p[3]), run_stat(s, p[4]), (double)local[v]);
	}
	run_nic_row(f, "all", run_stat(s, "nic.tx_gbps"), run_stat(s, "nic.rx_gbps"),
		    run_stat(s, "nic.tx_packets"), run_stat(s, "nic.rx_packets"),
		    hist_quantile(&rx, 0.5) * scale, run_stat(s, "nic.eswitch.local_packets"));
	double drops = run_stat(s, "nic.rx_drops");
	fprintf(f, "  %.0f RX drops, %.0f interrupts, %.0f packets kept inside the device by an "
		"embedded switch (isolation.eswitch_local)\n", drops, run_stat(s, "nic.interrupts"),
		run_stat(s, "isolation.eswitch_local"));
	hist_free(&rx);
	free(local);
	free(has);
}

/* One virtio-net device's row; adds its numbers to sum[] (index as printed). */
static void run_vnet_row(FILE *f, const struct sim *s, const struct component *c, double *sum)
{
	static const char *const leaf[] = { "tx_gbps", "rx_gbps", "tx_packets", "rx_packets",
					    "rx_latency_ns.p50", "kicks", "exits",
					    "host_cycles_per_packet", "host_cycles" };
	double x[9];
	for (int k = 0; k < 9; k++) {
		char p[320];
		snprintf(p, sizeof(p), "components.%s.%s", c->name, leaf[k]);
		x[k] = run_stat(s, p);
		sum[k] += x[k];
	}
	char name[128];
	int vm = iso_vm_of(s, c->name);
	snprintf(name, sizeof(name), "%s (%s)", c->name, vm < 0 ? "host" : s->iso.vms[vm].name);
	fprintf(f, "  %-20s %9.3f %9.3f %11.0f %11.0f %10.1f %9.0f %9.0f %12.0f\n", name, x[0],
		x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
}

/* Packets of the virtio-net devices, one row each, and all when several. */
static void run_summary_virtio(FILE *f, const struct sim *s)
{
	double sum[9] = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < s->ncomps; i++) {
		if (!run_is_type(s->comps[i], "virtio_net"))
			continue;
		if (!n++)
			fprintf(f, "\nvirtio-net packets     %9s %9s %11s %11s %10s %9s %9s %12s\n",
				"tx Gb/s", "rx Gb/s", "tx packets", "rx packets", "rx p50 ns", "kicks",
				"exits", "host cyc/pkt");
		run_vnet_row(f, s, s->comps[i], sum);
	}
	if (n > 1) {
		double pk = sum[2] + sum[3];
		fprintf(f, "  %-20s %9.3f %9.3f %11.0f %11.0f %10s %9.0f %9.0f %12.0f\n", "all",
			sum[0], sum[1], sum[2], sum[3], "-", sum[5], sum[6],
			pk > 0 ? sum[8] / pk : 0.0);
	}
}


char *run_summary(const struct sim *s, enum sim_kernel_kind kernel, double wall)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	const struct sim_dma_stats *d = &s->dma;
	char tb[32];
	uint64_t ev = sim_events_run(s->k);
	fprintf(f, "iovsim %s: scenario '%s' (seed %" PRIu64 ", kernel %s)\n", IOVSIM_VERSION,
		s->scen->name, s->seed, sim_kernel_kind_name(kernel));
	fprintf(f, "simulated %s in %.3f s wall, %" PRIu64 " events (%.2f M events/s)\n\n",
		units_fmt_time(sim_now(s->k), tb, sizeof(tb)), wall, ev,
		wall > 0 ? (double)ev / wall / 1e6 : 0.0);
	fprintf(f, "DMA traffic            %10s %10s %10s %10s\n", "reads", "writes", "read Gb/s",
		"write Gb/s");
	fprintf(f, "  %-20s %10" PRIu64 " %10" PRIu64 " %10.2f %10.2f\n", "all", *d->reads,
		*d->writes, *d->read_gbps, *d->write_gbps);
	for (size_t i = 0; i < s->nflows && s->nflows > 1; i++) {
		const struct sim_flow *fl = &s->flows[i];
		fprintf(f, "  %-20s %10" PRIu64 " %10" PRIu64 " %10.2f %10.2f\n", fl->name, *fl->reads,
			*fl->writes, *fl->read_gbps, *fl->write_gbps);
	}
	fprintf(f, "\nDMA read latency (ns)  %10s %9s %9s %9s %9s %9s %9s\n", "count", "mean", "p50",
		"p90", "p99", "p99.9", "max");
	run_summary_latency_row(f, "all", d->latency);
	for (size_t i = 0; i < s->nflows && s->nflows > 1; i++)
		run_summary_latency_row(f, s->flows[i].name, s->flows[i].latency);
	if (d->breakdown_reads && s->nstages) {
		fprintf(f, "\nWhere a read's time goes (mean ns per read)\n");
		for (size_t i = 0; i < s->nstages; i++)
			if (*d->stage_mean_ns[i] > 0)
				fprintf(f, "  %-32s %9.1f\n", s->stages[i], *d->stage_mean_ns[i]);
	}
	run_summary_isolation(f, s);
	run_summary_cpu_path(f, s);
	run_summary_interrupts(f, s);
	run_summary_nic(f, s);
	run_summary_virtio(f, s);
	fclose(f);
	return buf;
}

