/* test_plot.c - gnuplot writer: data files, script, listing, rendering (fake and real gnuplot) */
#define _XOPEN_SOURCE 700       /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plot.h"

/* ---- helpers ------------------------------------------------------------------- */

struct fixture {
	char root[256];         /* a fresh temporary directory */
	char dir[320];          /* the run directory inside it (its name has a space and a quote) */
	struct stats *s;
};

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

static char *plot_file(const struct fixture *fx, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/plots/%s", fx->dir, name);
	return slurp(path);
}

static bool plot_exists(const struct fixture *fx, const char *name)
{
	char path[512];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/plots/%s", fx->dir, name);
	return stat(path, &sb) == 0;
}

static void touch(const struct fixture *fx, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/plots/%s", fx->dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

/* The registry of a small run: two flows, an overall latency, two byte series. */
static void fill_stats(struct fixture *fx)
{
	struct iov_err e = { 0 };
	struct stats *s = fx->s;
	struct hist *a = stats_hist(s, "flows.nic0.latency_ns", "ns", 1e-3, "DMA read", &e);
	struct hist *b = stats_hist(s, "flows.01_00_1.latency_ns", "ns", 1e-3, "DMA read", &e);
	struct hist *all = stats_hist(s, "dma.latency_ns", "ns", 1e-3, "DMA read", &e);
	struct hist *occ = stats_hist(s, "memory.occupancy", "entries", 1, "not a latency", &e);
	assert_non_null(stats_hist(s, "flows.idle.latency_ns", "ns", 1e-3, "never read", &e));
	struct tseries *rd = stats_series(s, "dma.read_series", "bytes", 100000, 16, "read", &e);
	struct tseries *wr = stats_series(s, "dma.write_series", "bytes", 100000, 16, "write", &e);
	assert_non_null(stats_series(s, "dma.idle_series", "bytes", 100000, 16, "none", &e));
	struct tseries *irq = stats_series(s, "irq.series", "", 1000000, 16, "interrupts", &e);
	*stats_counter(s, "dma.reads", "", "", &e) = 3;
	assert_int_equal(e.status, 0);
	for (uint64_t i = 0; i < 100; i++) {
		hist_add(a, 400000 + i * 1000);         /* 400..499 ns */
		hist_add(all, 400000 + i * 1000);
		hist_add(b, 800000 + i * 5000);         /* 800..1295 ns */
		hist_add(all, 800000 + i * 5000);
		hist_add(occ, i);
	}
	tseries_add(rd, 0, 1250);                       /* 1250 B in 100 ns: 100 Gb/s */
	tseries_add(rd, 250000, 625);                   /* bin 2: 50 Gb/s */
	tseries_add(wr, 50000, 125);
	tseries_add(irq, 1500000, 3);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->root, sizeof(fx->root), "%s/iovsim-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->root))
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/run 'one'", fx->root);
	if (mkdir(fx->dir, 0777))
		return -1;
	fx->s = stats_create();
	unsetenv("IOVSIM_GNUPLOT");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unsetenv("IOVSIM_GNUPLOT");
	stats_destroy(fx->s);
	rm_rf(fx->root);
	free(fx);
	return 0;
}

/* Data rows (not comments) of a .dat file, parsed as numbers. */
static size_t dat_rows(const char *text, double rows[][8], size_t max, int *ncols)
{
	size_t n = 0;
	for (const char *line = text; *line && n < max;) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		if (*line != '#') {
			const char *p = line;
			char *end;
			int c = 0;
			while (p < nl && c < 8) {
				rows[n][c] = strtod(p, &end);
				if (end == p)
					break;
				p = end;
				c++;
			}
			*ncols = c;
			n++;
		}
		line = nl + 1;
	}
	return n;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_write_files(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "demo", &e), 0);
	assert_int_equal(e.status, 0);
	const char *want[] = {
		"plots.gp", "flows_nic0_latency_ns_cdf.dat", "flows_nic0_latency_ns_hist.dat",
		"flows_01_00_1_latency_ns_cdf.dat", "flows_01_00_1_latency_ns_hist.dat",
		"dma_latency_ns_cdf.dat", "dma_latency_ns_hist.dat", "dma_read_series.dat",
		"dma_write_series.dat", "irq_series.dat",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!plot_exists(fx, want[i]))
			fail_msg("missing %s", want[i]);
	/* Not latencies, or nothing to draw. */
	assert_false(plot_exists(fx, "memory_occupancy_cdf.dat"));
	assert_false(plot_exists(fx, "flows_idle_latency_ns_cdf.dat"));
	assert_false(plot_exists(fx, "dma_idle_series.dat"));
	/* Nothing left under a temporary name. */
	char pdir[512];
	snprintf(pdir, sizeof(pdir), "%s/plots", fx->dir);
	DIR *d = opendir(pdir);
	assert_non_null(d);
	size_t nfiles = 0;
	for (struct dirent *de; (de = readdir(d));) {
		assert_null(strstr(de->d_name, ".tmp."));
		nfiles += de->d_name[0] != '.';
	}
	closedir(d);
	assert_int_equal(nfiles, sizeof(want) / sizeof(want[0]));

	char *gp = plot_file(fx, "plots.gp");
	assert_non_null(gp);
	const char *outputs[] = {
		"set output 'flows_nic0_latency_ns_cdf.png'", "set output 'flows_nic0_latency_ns_cdf.svg'",
		"set output 'flows_nic0_latency_ns_hist.png'", "set output 'flows_01_00_1_latency_ns_hist.svg'",
		"set output 'dma_latency_ns_cdf.png'", "set output 'latency_cdf_flows.png'",
		"set output 'latency_cdf_flows.svg'", "set output 'dma_read_series.png'",
		"set output 'irq_series.svg'", "set output 'throughput.png'", "set output 'throughput.svg'",
		"pngcairo", "set terminal svg", "set logscale y", "with boxes", "with histeps",
		"'flows_01_00_1_latency_ns_cdf.dat' using 1:2", "cd script_dir",
		"set xlabel 'latency (ns)'", "set ylabel 'throughput (Gb/s)'",
	};
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
		if (!strstr(gp, outputs[i]))
			fail_msg("plots.gp lacks \"%s\"", outputs[i]);
	assert_null(strstr(gp, "memory_occupancy"));
	assert_null(strstr(gp, "idle"));
	/* Every chart is drawn twice: PNG then SVG. */
	size_t png = 0, svg = 0;
	for (const char *p = gp; (p = strstr(p, "set output '")); p++) {
		const char *q = strchr(p + 12, '\'');
		assert_non_null(q);
		png += q - p > 4 && !strncmp(q - 4, ".png", 4);
		svg += q - p > 4 && !strncmp(q - 4, ".svg", 4);
	}
	assert_int_equal(png, 3 * 2 + 1 + 3 + 1);   /* 3 latencies x 2, overlay, 3 series, throughput */
	assert_int_equal(svg, png);
	free(gp);
}

static void test_latency_data(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "", &e), 0);
	static double rows[4096][8];
	int nc = 0;

	char *cdf = plot_file(fx, "flows_nic0_latency_ns_cdf.dat");
	assert_non_null(cdf);
	assert_non_null(strstr(cdf, "# flows.nic0.latency_ns: DMA read (ns)"));
	size_t n = dat_rows(cdf, rows, 4096, &nc);
	assert_int_equal(nc, 2);
	assert_true(n >= 2);
	assert_true(rows[0][0] == 400.0 && rows[0][1] == 0.0);   /* starts at (min, 0) */
	for (size_t i = 1; i < n; i++) {
		assert_true(rows[i][0] >= rows[i - 1][0]);
		assert_true(rows[i][1] >= rows[i - 1][1]);
		assert_true(rows[i][0] >= 400.0 && rows[i][0] <= 499.0);
		/* Exact at each point: values are 400, 401, ..., 499 ns. */
		double at_or_below = floor(rows[i][0] + 1e-9) - 400.0 + 1.0;
		assert_true(fabs(rows[i][1] - at_or_below / 100.0) < 1e-12);
	}
	assert_true(rows[n - 1][1] == 1.0);
	assert_true(rows[n - 1][0] == 499.0);                    /* clamped to max */
	free(cdf);

	char *hist = plot_file(fx, "flows_01_00_1_latency_ns_hist.dat");
	assert_non_null(hist);
	n = dat_rows(hist, rows, 4096, &nc);
	assert_int_equal(nc, 7);
	double count = 0, frac = 0;
	for (size_t i = 0; i < n; i++) {
		count += rows[i][1];
		frac += rows[i][2];
		assert_true(rows[i][4] <= rows[i][0] && rows[i][0] <= rows[i][5]); /* lo <= mid <= hi */
		assert_true(fabs(rows[i][6] - (rows[i][5] - rows[i][4] + 0.001)) < 1e-6);
		assert_true(rows[i][6] <= rows[i][0] / 64.0 + 1e-9);          /* <= 1.6 % wide */
		assert_true(fabs(rows[i][3] - count / 100.0) < 1e-9);          /* cumulative */
	}
	assert_true(count == 100.0);
	assert_true(fabs(frac - 1.0) < 1e-9);
	assert_true(rows[0][4] <= 800.0 && rows[n - 1][5] >= 1295.0);
	free(hist);
}

static void test_series_data(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "", &e), 0);
	static double rows[64][8];
	int nc = 0;
	char *rd = plot_file(fx, "dma_read_series.dat");
	assert_non_null(rd);
	size_t n = dat_rows(rd, rows, 64, &nc);
	assert_int_equal(nc, 3);
	assert_int_equal(n, 3);
	assert_true(fabs(rows[0][0] - 0.05) < 1e-12);     /* bin centre, us */
	assert_true(rows[0][1] == 100.0);                 /* Gb/s */
	assert_true(rows[0][2] == 1250.0);                /* raw bytes */
	assert_true(rows[1][1] == 0.0);
	assert_true(fabs(rows[2][0] - 0.25) < 1e-12);
	assert_true(rows[2][1] == 50.0);
	free(rd);
	/* A series in another unit keeps its values per bin. */
	char *irq = plot_file(fx, "irq_series.dat");
	assert_non_null(irq);
	n = dat_rows(irq, rows, 64, &nc);
	assert_int_equal(n, 2);
	assert_true(rows[1][1] == 3.0 && rows[1][2] == 3.0);
	assert_true(fabs(rows[1][0] - 1.5) < 1e-12);
	free(irq);
	char *gp = plot_file(fx, "plots.gp");
	assert_non_null(strstr(gp, "set ylabel 'value per 1 us bin'"));
	assert_non_null(strstr(gp, "mean 50 Gb/s, 100 ns bins"));   /* 1875 B over 300 ns */
	free(gp);
}

static void test_title_quoting(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "it's `id` @x\nnext", &e), 0);
	char *gp = plot_file(fx, "plots.gp");
	assert_non_null(gp);
	/* Single quotes: no backquote or macro substitution; ' doubled; no raw newline. */
	assert_non_null(strstr(gp, "set title 'it''s `id` @x next: flows.nic0.latency_ns - "
				   "latency CDF'\n"));
	assert_null(strstr(gp, "@x\nnext"));
	free(gp);
}

static void test_name_collisions(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	hist_add(stats_hist(fx->s, "a.b_c", "ns", 1e-3, "", &e), 1000);
	hist_add(stats_hist(fx->s, "a_b.c", "ns", 1e-3, "", &e), 2000);
	tseries_add(stats_series(fx->s, "a_b_c_cdf", "", 1000, 4, "", &e), 0, 1);
	tseries_add(stats_series(fx->s, "throughput", "", 1000, 4, "", &e), 0, 1);
	assert_int_equal(e.status, 0);
	assert_int_equal(plot_write(fx->dir, fx->s, "x", &e), 0);
	assert_true(plot_exists(fx, "a_b_c_cdf.dat"));
	assert_true(plot_exists(fx, "a_b_c_hist.dat"));
	assert_true(plot_exists(fx, "a_b_c_2_cdf.dat"));
	assert_true(plot_exists(fx, "a_b_c_2_hist.dat"));
	/* Series whose names would overwrite another's files get a suffix. */
	assert_true(plot_exists(fx, "a_b_c_cdf_2.dat"));
	assert_true(plot_exists(fx, "throughput_2.dat"));
	char *cdf = plot_file(fx, "a_b_c_2_cdf.dat");
	assert_non_null(strstr(cdf, "# a_b.c:"));
	free(cdf);
}

static void test_list(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	char **paths = (char **)1;
	size_t n = 99;
	/* No script yet: nothing, and not an error. */
	assert_int_equal(plot_list(fx->dir, &paths, &n), 0);
	assert_int_equal(n, 0);
	assert_null(paths);
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "x", &e), 0);
	assert_int_equal(plot_list(fx->dir, &paths, &n), 0);
	assert_int_equal(n, 0);                     /* nothing rendered yet */
	plot_list_free(paths, n);
	touch(fx, "throughput.svg");
	touch(fx, "flows_nic0_latency_ns_cdf.png");
	touch(fx, "unrelated.png");
	assert_int_equal(plot_list(fx->dir, &paths, &n), 0);
	assert_int_equal(n, 2);
	char want[512];
	snprintf(want, sizeof(want), "%s/plots/flows_nic0_latency_ns_cdf.png", fx->dir);
	assert_string_equal(paths[0], want);          /* script order */
	snprintf(want, sizeof(want), "%s/plots/throughput.svg", fx->dir);
	assert_string_equal(paths[1], want);
	plot_list_free(paths, n);
	plot_list_free(NULL, 0);
}

static void write_fake(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static void test_render_fake_gnuplot(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	/* No script. */
	assert_int_equal(plot_render(fx->dir, &e), -1);
	assert_non_null(strstr(e.msg, "no plot script"));
	iov_err_clear(&e);
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "x", &e), 0);
	/* gnuplot missing: 1, a warning. */
	setenv("IOVSIM_GNUPLOT", "/nonexistent/gnuplot", 1);
	assert_int_equal(plot_render(fx->dir, &e), 1);
	assert_non_null(strstr(e.msg, "gnuplot not found"));
	iov_err_clear(&e);
	/* Run in DIR/plots with "plots.gp" as the only argument, stdin empty. */
	char fake[512];
	snprintf(fake, sizeof(fake), "%s/fake-ok", fx->root);
	write_fake(fake, "pwd > ran.txt; echo \"$#:$1\" >> ran.txt; cat >> ran.txt; echo noise");
	setenv("IOVSIM_GNUPLOT", fake, 1);
	assert_int_equal(plot_render(fx->dir, &e), 0);
	assert_int_equal(e.status, 0);
	char *ran = plot_file(fx, "ran.txt");
	assert_non_null(ran);
	char want[512];
	snprintf(want, sizeof(want), "%s/plots\n1:plots.gp\n", fx->dir);
	assert_string_equal(ran, want);
	free(ran);
	char *log = plot_file(fx, "gnuplot.log");
	assert_string_equal(log, "noise\n");
	free(log);
	/* gnuplot fails: -1 quoting its error line. */
	snprintf(fake, sizeof(fake), "%s/fake-fail", fx->root);
	write_fake(fake, "echo '' >&2; echo '\"plots.gp\" line 7: unknown key option' >&2; exit 1");
	setenv("IOVSIM_GNUPLOT", fake, 1);
	assert_int_equal(plot_render(fx->dir, &e), -1);
	assert_int_equal(e.status, IOV_INTERNAL);
	assert_non_null(strstr(e.msg, "gnuplot failed"));
	assert_non_null(strstr(e.msg, "line 7: unknown key option"));
}

static void test_write_error(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	char file[512];
	snprintf(file, sizeof(file), "%s/a-file", fx->root);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	fill_stats(fx);
	assert_int_equal(plot_write(file, fx->s, "x", &e), -1);
	assert_int_equal(e.status, IOV_INTERNAL);
	assert_non_null(strstr(e.msg, "cannot create"));
}

/* With the real gnuplot, if installed: every chart exists as PNG and SVG. */
static void test_render_real_gnuplot(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		skip();
		return;
	}
	fill_stats(fx);
	assert_int_equal(plot_write(fx->dir, fx->s, "real 'gnuplot' test", &e), 0);
	int r = plot_render(fx->dir, &e);
	if (r)
		fail_msg("plot_render: %d %s", r, e.msg);
	char **paths = NULL;
	size_t n = 0;
	assert_int_equal(plot_list(fx->dir, &paths, &n), 0);
	assert_int_equal(n, 2 * 11);
	for (size_t i = 0; i < n; i++) {
		char *data = slurp(paths[i]);
		assert_non_null(data);
		size_t len = strlen(paths[i]);
		if (!strcmp(paths[i] + len - 4, ".png"))
			assert_memory_equal(data, "\x89PNG", 4);
		else
			assert_non_null(strstr(data, "<svg"));
		free(data);
	}
	plot_list_free(paths, n);
}

/* A narrow histogram (min..max inside two buckets whose midpoints lie
 * outside [min, max], as a NIC's RX latency under steady load) and the
 * overlays of interrupt paths and NIC VMs: the real gnuplot renders every
 * chart (before the axis fix it stopped the script at the narrow one). */
static void test_render_narrow_and_overlays(void **state)
{
	struct fixture *fx = *state;
	struct iov_err e = { 0 };
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		skip();
		return;
	}
	struct stats *s = fx->s;
	struct hist *n = stats_hist(s, "components.nic0.vf12.rx_latency_ns", "ns", 1e-3, "rx", &e);
	struct hist *p = stats_hist(s, "interrupts.latency_ns.posted", "ns", 1e-3, "posted", &e);
	struct hist *m = stats_hist(s, "interrupts.latency_ns.emulated", "ns", 1e-3, "emul", &e);
	struct hist *v0 = stats_hist(s, "nic.vms.vm0.rx_latency_ns", "ns", 1e-3, "vm0", &e);
	struct hist *v1 = stats_hist(s, "nic.vms.vm1.rx_latency_ns", "ns", 1e-3, "vm1", &e);
	assert_int_equal(e.status, 0);
	for (int i = 0; i < 4; i++)
		hist_add(n, 11739813);
	for (int i = 0; i < 2996; i++)
		hist_add(n, 11843000);
	for (uint64_t i = 0; i < 50; i++) {
		hist_add(p, 99000 + i * 100);
		hist_add(m, 1171000 + i * 1000);
		hist_add(v0, 10000000 + i * 10000);
		hist_add(v1, 11000000 + i * 10000);
	}
	assert_int_equal(plot_write(fx->dir, fx->s, "narrow", &e), 0);
	char *gp = plot_file(fx, "plots.gp");
	assert_non_null(gp);
	assert_non_null(strstr(gp, "set output 'latency_cdf_interrupts.png'"));
	assert_non_null(strstr(gp, "set output 'latency_cdf_nic_rx.png'"));
	assert_null(strstr(gp, "latency_cdf_flows"));          /* no flows here */
	free(gp);
	int r = plot_render(fx->dir, &e);
	if (r)
		fail_msg("plot_render: %d %s", r, e.msg);
	char **paths = NULL;
	size_t np = 0;
	assert_int_equal(plot_list(fx->dir, &paths, &np), 0);
	/* 5 histograms x (cdf, hist) + 2 overlays, each PNG and SVG */
	assert_int_equal(np, 2 * (5 * 2 + 2));
	plot_list_free(paths, np);
	assert_true(plot_exists(fx, "latency_cdf_nic_rx.svg"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_quoting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_collisions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_fake_gnuplot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_real_gnuplot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_narrow_and_overlays, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
