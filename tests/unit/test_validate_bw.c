/* test_validate_bw.c - scenarios/validate/pcie-dma-bw.yaml against the analytical accounting
 *
 * For each grid point the scenario runs (native kernel) with -p style
 * overrides and its dma.read_gbps / dma.write_gbps must be within 2 % of
 * pcie_analytic_throughput() (the published model built from FACTS.md).
 * The grid: Gen1-5 x widths 1, 2, 4, 8, 16 x sizes 64..4096 x read, write,
 * readwrite at MPS 256 / MRRS 512, plus MPS, MRRS and RCB variations. Under
 * the sanitizers (slow) a corner subset runs. With IOVSIM_VALIDATION_CSV set
 * every point is appended to that file (docs/validation.md is made from it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/pcie/pcie_wire.h"
#include "sim.h"

#ifndef IOVSIM_SOURCE_DIR
#define IOVSIM_SOURCE_DIR "."
#endif

static const char *const op_names[] = { "read", "write", "readwrite" };

struct point {
	unsigned gen, width, mps, mrrs, size;
	bool rcb;
	enum pcie_op op;
};

static FILE *csv;
static double worst;

/* Enough transfers that one round trip and the pipeline fill are < 0.3 %
 * of the measured interval: about 300 us of link time ... */
static uint64_t point_tags(const struct point *p, double gbps);

/* ... and at least 100 transfers per tag: the reads still in flight when the
 * last write lands are then < 1 % of the run. */
static uint64_t point_count(const struct point *p, double gbps)
{
	double t_per_ns = (double)p->size * 8.0 / gbps;
	double n = 300000.0 / t_per_ns;
	double min = 100.0 * (double)point_tags(p, gbps);
	if (n < min)
		n = min;
	if (n > 200000)
		n = 200000;
	return (uint64_t)n;
}

/* Tags (outstanding read requests): twice the bandwidth-delay product, so
 * the link is the limit while queues stay short (a deep closed loop would
 * only pile reads up in the root complex and stretch the run's tail). */
static uint64_t point_tags(const struct point *p, double gbps)
{
	double req = p->size < p->mrrs ? p->size : p->mrrs;
	double rate = gbps / 8.0;                       /* bytes per ns */
	double rtt = 1000.0 + 2.0 * req / rate;         /* ns: fabric + memory + serialisation */
	double n = 2.0 * rtt * rate / req + 4;
	if (n < 16)
		n = 16;
	if (n > 1024)
		n = 1024;
	return (uint64_t)n;
}

static void run_point(const struct point *p)
{
	struct pcie_analytic_cfg cfg = { .gen = p->gen, .width = p->width, .mps = p->mps,
					 .mrrs = p->mrrs, .rcb_split = p->rcb, .addr64 = true };
	struct pcie_analytic a;
	assert_int_equal(pcie_analytic_throughput(&cfg, p->op, p->size, &a), 0);
	double model = p->op == PCIE_OP_WRITE ? a.write_gbps : a.read_gbps;

	char v[9][32];
	snprintf(v[0], 32, "%u", p->gen);
	snprintf(v[1], 32, "%u", p->width);
	snprintf(v[2], 32, "%u", p->mps);
	snprintf(v[3], 32, "%u", p->mrrs);
	snprintf(v[4], 32, "%s", p->rcb ? "true" : "false");
	snprintf(v[5], 32, "%s", op_names[p->op]);
	snprintf(v[6], 32, "%u", p->size);
	snprintf(v[7], 32, "%llu", (unsigned long long)point_count(p, model));
	snprintf(v[8], 32, "%llu", (unsigned long long)point_tags(p, model));
	const struct param_override ovr[] = {
		{ "gen", v[0] }, { "width", v[1] }, { "mps", v[2] }, { "mrrs", v[3] },
		{ "rcb_split", v[4] }, { "op", v[5] }, { "size", v[6] }, { "count", v[7] },
		{ "tags", v[8] },
	};
	struct iov_err e = { 0 };
	struct scenario *scen = NULL;
	int r = scenario_load(IOVSIM_SOURCE_DIR "/scenarios/validate/pcie-dma-bw.yaml", ovr, 9,
			      NULL, &scen, &e);
	if (r)
		fail_msg("load: %s", e.msg);
	struct sim *s = sim_build(scen, SIM_KERNEL_NATIVE, scen->seed, &e);
	if (!s)
		fail_msg("build: %s", e.msg);
	if (sim_execute(s, NULL, NULL, &e))
		fail_msg("run: %s", e.msg);
	double rd = 0, wr = 0;
	assert_int_equal(stats_get(s->stats, "dma.read_gbps", &rd), 0);
	assert_int_equal(stats_get(s->stats, "dma.write_gbps", &wr), 0);
	double sim = p->op == PCIE_OP_WRITE ? wr : rd;
	double err = (sim - model) / model;
	if (csv)
		fprintf(csv, "%u,%u,%u,%u,%d,%s,%u,%.4f,%.4f,%.4f,%.3f\n", p->gen, p->width, p->mps,
			p->mrrs, p->rcb, op_names[p->op], p->size, model, sim,
			p->op == PCIE_OP_READWRITE ? wr : 0.0, 100.0 * err);
	if (err < 0 ? -err > worst : err > worst)
		worst = err < 0 ? -err : err;
	if (err > 0.02 || err < -0.02)
		fail_msg("Gen%u x%u MPS %u MRRS %u rcb %d %s %u B: simulated %.3f Gb/s, "
			 "analytical %.3f Gb/s (%+.2f %%)", p->gen, p->width, p->mps, p->mrrs,
			 p->rcb, op_names[p->op], p->size, sim, model, 100.0 * err);
	if (p->op == PCIE_OP_READWRITE) {
		/* Writes of a read/write mix are judged over the whole run: when the
		 * completion direction is the bottleneck, up to max_outstanding reads
		 * back up in the root complex while the posted writes land early, so
		 * the writes' own interval ends before the run does. */
		double bytes = 0, t_ps = 0;
		assert_int_equal(stats_get(s->stats, "dma.write_bytes", &bytes), 0);
		assert_int_equal(stats_get(s->stats, "sim.time_ps", &t_ps), 0);
		wr = bytes * 8.0 / t_ps * 1e3;
		double werr = (wr - a.write_gbps) / a.write_gbps;
		if (werr > 0.02 || werr < -0.02)
			fail_msg("Gen%u x%u readwrite %u B: write %.3f vs %.3f Gb/s", p->gen,
				 p->width, p->size, wr, a.write_gbps);
	}
	sim_destroy(s);
	scenario_free(scen);
}

static const unsigned widths[] = { 1, 2, 4, 8, 16 };
static const unsigned sizes[] = { 64, 128, 256, 512, 1024, 2048, 4096 };

static void test_grid(void **state)
{
	(void)state;
#ifdef IOVSIM_SANITIZE_BUILD
	const bool full = false;
#else
	const bool full = true;
#endif
	unsigned n = 0;
	for (unsigned gen = 1; gen <= 5; gen++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(*widths); w++)
			for (size_t z = 0; z < sizeof(sizes) / sizeof(*sizes); z++)
				for (int op = 0; op < 3; op++) {
					bool corner = (widths[w] == 1 || widths[w] == 16) &&
						      (sizes[z] == 64 || sizes[z] == 4096) &&
						      (gen == 1 || gen == 5);
					if (!full && !corner)
						continue;
					struct point p = { gen, widths[w], 256, 512, sizes[z], false,
							   (enum pcie_op)op };
					run_point(&p);
					n++;
				}
	assert_true(n >= 8);
}

/* MPS, MRRS and the RCB split change the accounting: the simulation must follow. */
static void test_variants(void **state)
{
	(void)state;
	static const struct point pts[] = {
		{ 3, 8, 128, 512, 1024, false, PCIE_OP_READ },
		{ 3, 8, 512, 512, 2048, false, PCIE_OP_WRITE },
		{ 3, 8, 256, 128, 1024, false, PCIE_OP_READ },
		{ 3, 8, 256, 4096, 4096, false, PCIE_OP_READ },
		{ 3, 8, 256, 512, 512, true, PCIE_OP_READ },
		{ 4, 16, 256, 512, 256, true, PCIE_OP_READWRITE },
		{ 2, 4, 1024, 1024, 4096, false, PCIE_OP_READWRITE },
		{ 1, 1, 128, 256, 64, true, PCIE_OP_READ },
	};
	for (size_t i = 0; i < sizeof(pts) / sizeof(*pts); i++)
		run_point(&pts[i]);
}

int main(void)
{
	const char *path = getenv("IOVSIM_VALIDATION_CSV");
	if (path && (csv = fopen(path, "w")))
		fprintf(csv, "gen,width,mps,mrrs,rcb_split,op,size,model_gbps,sim_gbps,"
			     "sim_write_gbps,err_pct\n");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_grid),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	printf("worst deviation from the analytical model: %.3f %%\n", 100.0 * worst);
	if (csv)
		fclose(csv);
	return r;
}
