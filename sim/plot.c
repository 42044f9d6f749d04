/* plot.c - gnuplot data files and script for latency histograms and throughput series */
#include "plot.h"

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * What gets drawn is decided here, from the registry alone: histograms with
 * unit "ns" are latencies, series are rates over time. The script refers to
 * its files by bare names and first changes to its own directory, so it runs
 * from any working directory ("gnuplot out/x/plots/plots.gp").
 */

#define PLOT_PATH_MAX 4096
#define PLOT_NAME_MAX 256
#define PLOT_OVERLAY_CDF "latency_cdf_flows"
#define PLOT_OVERLAY_TPUT "throughput"

struct plot_item {
	struct stat_info st;
	char name[PLOT_NAME_MAX];       /* file stem: path with '.' -> '_' */
};

struct plot_ctx {
	const char *dir;                /* DIR/plots */
	const char *title;
	struct plot_item *hists, *series;
	size_t nhists, nseries;
	char **used;                    /* file stems taken so far */
	size_t nused;
	struct iov_err *e;
};

/* ---- files ------------------------------------------------------------------- */

static int plot_open(struct plot_ctx *c, struct outfile *pf, const char *name)
{
	char path[PLOT_PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", c->dir, name) >= (int)sizeof(path))
		return iov_err_set(c->e, IOV_INTERNAL, "plot path too long: '%s/%s'", c->dir, name);
	return outfile_open(pf, path, c->e);
}

static int plot_commit(struct plot_ctx *c, struct outfile *pf)
{
	return outfile_commit(pf, c->e);
}

/* ---- names --------------------------------------------------------------------- */

static bool plot_used(const struct plot_ctx *c, const char *stem)
{
	for (size_t i = 0; i < c->nused; i++)
		if (strcmp(c->used[i], stem) == 0)
			return true;
	return false;
}

static int plot_take(struct plot_ctx *c, const char *stem)
{
	char *copy = strdup(stem);
	char **u = copy ? realloc(c->used, (c->nused + 1) * sizeof(*u)) : NULL;
	if (!u) {
		free(copy);
		return iov_err_set(c->e, IOV_INTERNAL, "out of memory");
	}
	c->used = u;
	c->used[c->nused++] = copy;
	return 0;
}

/*
 * Pick it->name from the stat path so that every stem derived from it
 * (NAME+suffix for each suffix) is new; "a.b_c" and "a_b.c" get "a_b_c" and
 * "a_b_c_2".
 */
static int plot_name(struct plot_ctx *c, struct plot_item *it, const char *const *suffixes)
{
	char base[PLOT_NAME_MAX - 32], stem[PLOT_NAME_MAX + 16];
	snprintf(base, sizeof(base), "%s", it->st.path);
	for (char *p = base; *p; p++)
		if (*p == '.')
			*p = '_';
	for (unsigned k = 1;; k++) {
		if (k == 1)
			snprintf(it->name, sizeof(it->name), "%s", base);
		else
			snprintf(it->name, sizeof(it->name), "%s_%u", base, k);
		bool clash = false;
		for (const char *const *sfx = suffixes; *sfx && !clash; sfx++) {
			snprintf(stem, sizeof(stem), "%s%s", it->name, *sfx);
			clash = plot_used(c, stem);
		}
		if (!clash)
			break;
	}
	for (const char *const *sfx = suffixes; *sfx; sfx++) {
		snprintf(stem, sizeof(stem), "%s%s", it->name, *sfx);
		if (plot_take(c, stem))
			return -1;
	}
	return 0;
}

static const char *const plot_hist_suffixes[] = { "_cdf", "_hist", NULL };
static const char *const plot_series_suffixes[] = { "", NULL };

static int plot_collect(struct plot_ctx *c, const struct stats *s)
{
	size_t n = stats_count(s);
	c->hists = calloc(n ? n : 1, sizeof(*c->hists));
	c->series = calloc(n ? n : 1, sizeof(*c->series));
	if (!c->hists || !c->series)
		return iov_err_set(c->e, IOV_INTERNAL, "out of memory");
	if (plot_take(c, PLOT_OVERLAY_CDF) || plot_take(c, PLOT_OVERLAY_TPUT) ||
	    plot_take(c, "plots"))
		return -1;
	struct stat_info st;
	for (size_t i = 0; stats_iter(s, i, &st); i++) {
		if (st.kind == STAT_HIST && strcmp(st.unit, "ns") == 0 && st.hist->count) {
			struct plot_item *it = &c->hists[c->nhists++];
			it->st = st;
			if (plot_name(c, it, plot_hist_suffixes))
				return -1;
		} else if (st.kind == STAT_SERIES && st.series->nbins) {
			struct plot_item *it = &c->series[c->nseries++];
			it->st = st;
			if (plot_name(c, it, plot_series_suffixes))
				return -1;
		}
	}
	return 0;
}

static void plot_ctx_free(struct plot_ctx *c)
{
	for (size_t i = 0; i < c->nused; i++)
		free(c->used[i]);
	free(c->used);
	free(c->hists);
	free(c->series);
}

/* ---- data files ---------------------------------------------------------------- */

static double plot_q(const struct plot_item *it, double q)
{
	return hist_quantile(it->st.hist, q) * it->st.scale;
}

static void plot_hist_header(FILE *f, const struct plot_item *it)
{
	const struct hist *h = it->st.hist;
	double sc = it->st.scale;
	fprintf(f, "# %s: %s (ns)\n", it->st.path, it->st.desc);
	fprintf(f, "# count %llu  min %.10g  mean %.10g  p50 %.10g  p90 %.10g  p99 %.10g"
		"  p999 %.10g  max %.10g\n", (unsigned long long)h->count, (double)h->min * sc,
		hist_mean(h) * sc, plot_q(it, 0.5), plot_q(it, 0.9), plot_q(it, 0.99),
		plot_q(it, 0.999), (double)h->max * sc);
}

/*
 * The CDF: (min, 0), then for each bucket its upper bound (clamped to max)
 * against the fraction of values at or below it - exact at those points,
 * since a bucket's values are all <= its upper bound. Ends at (max, 1).
 */
static int plot_write_cdf(struct plot_ctx *c, const struct plot_item *it)
{
	struct outfile pf;
	char name[PLOT_NAME_MAX + 16];
	snprintf(name, sizeof(name), "%s_cdf.dat", it->name);
	if (plot_open(c, &pf, name))
		return -1;
	const struct hist *h = it->st.hist;
	double sc = it->st.scale, total = (double)h->count;
	plot_hist_header(pf.f, it);
	fprintf(pf.f, "# latency_ns(bucket upper bound)  fraction_at_or_below\n");
	fprintf(pf.f, "%.10g 0\n", (double)h->min * sc);
	uint64_t iter = 0, lo, hi, n, seen = 0;
	while (hist_next_bucket(h, &iter, &lo, &hi, &n)) {
		seen += n;
		fprintf(pf.f, "%.10g %.10g\n", (double)(hi < h->max ? hi : h->max) * sc,
			(double)seen / total);
	}
	return plot_commit(c, &pf);
}

static int plot_write_hist(struct plot_ctx *c, const struct plot_item *it)
{
	struct outfile pf;
	char name[PLOT_NAME_MAX + 16];
	snprintf(name, sizeof(name), "%s_hist.dat", it->name);
	if (plot_open(c, &pf, name))
		return -1;
	const struct hist *h = it->st.hist;
	double sc = it->st.scale, total = (double)h->count;
	plot_hist_header(pf.f, it);
	fprintf(pf.f, "# bucket_mid_ns  count  fraction  cumulative_fraction  lo_ns  hi_ns"
		"  width_ns\n");
	uint64_t iter = 0, lo, hi, n, seen = 0;
	while (hist_next_bucket(h, &iter, &lo, &hi, &n)) {
		seen += n;
		double mid = (double)lo + (double)(hi - lo) / 2.0;
		fprintf(pf.f, "%.10g %llu %.10g %.10g %.10g %.10g %.10g\n", mid * sc,
			(unsigned long long)n, (double)n / total, (double)seen / total,
			(double)lo * sc, (double)hi * sc, ((double)(hi - lo) + 1.0) * sc);
	}
	return plot_commit(c, &pf);
}

static bool plot_is_bytes(const struct plot_item *it)
{
	return strcmp(it->st.unit, "bytes") == 0;
}

/* Bin centres in us against the value (bytes series: Gb/s) and the raw sum. */
static int plot_write_series(struct plot_ctx *c, const struct plot_item *it)
{
	struct outfile pf;
	char name[PLOT_NAME_MAX + 16];
	snprintf(name, sizeof(name), "%s.dat", it->name);
	if (plot_open(c, &pf, name))
		return -1;
	const struct tseries *ts = it->st.series;
	double bin_ns = (double)ts->width / 1000.0;
	bool bytes = plot_is_bytes(it);
	fprintf(pf.f, "# %s: %s\n", it->st.path, it->st.desc);
	fprintf(pf.f, "# bin width %.10g ns%s\n", bin_ns,
		bytes ? "; Gb/s = bytes * 8 / bin_ns" : "");
	fprintf(pf.f, "# time_us(bin_centre)  %s  sum_%s\n", bytes ? "Gb/s" : "value_per_bin",
		it->st.unit[0] ? it->st.unit : "value");
	for (uint32_t i = 0; i < ts->nbins; i++) {
		double v = ts->bins[i];
		double t_us = ((double)i + 0.5) * bin_ns / 1000.0;
		fprintf(pf.f, "%.10g %.10g %.10g\n", t_us, bytes ? v * 8.0 / bin_ns : v, v);
	}
	return plot_commit(c, &pf);
}

/* ---- the script ------------------------------------------------------------------ */

/* A gnuplot single-quoted string: no escapes, no substitutions; ' is doubled. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputs("''", f);
		else
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* set title '<title>: <what>' */
static void gp_title(FILE *f, const char *title, const char *what)
{
	size_t n = strlen(title) + strlen(what) + 4;
	char *t = malloc(n);
	fputs("set title ", f);
	if (t) {
		snprintf(t, n, "%s%s%s", title, *title ? ": " : "", what);
		gp_str(f, t);
	} else {
		gp_str(f, what);
	}
	fputc('\n', f);
	free(t);
}

static void gp_prologue(FILE *f, const char *title)
{
	fputs("# plots.gp - charts of an iovsim run", f);
	if (*title) {
		fputs(" (", f);
		for (const char *p = title; *p; p++)
			fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
		fputs(")", f);
	}
	fputs("\n"
	      "# Written by 'iovsim run'; edit freely and re-render with 'iovsim plot DIR'\n"
	      "# or 'gnuplot plots.gp'. Data files and charts sit beside this script.\n"
	      "\n"
	      "# Run from any directory: move to the one holding this script.\n"
	      "if (exists(\"ARG0\") && strstrt(ARG0, \"/\") > 0) {\n"
	      "    script_dir = ARG0; slash = 0\n"
	      "    do for [i = 1:strlen(script_dir)] {\n"
	      "        if (script_dir[i:i] eq \"/\") { slash = i }\n"
	      "    }\n"
	      "    cd script_dir[1:slash]\n"
	      "}\n"
	      "\n"
	      "if (strstrt(GPVAL_TERMINALS, \" pngcairo \") > 0) {\n"
	      "    png_term = \"set terminal pngcairo noenhanced size 960,600 font 'Sans,10' "
	      "background rgb 'white'\"\n"
	      "} else {\n"
	      "    png_term = \"set terminal png noenhanced size 960,600 background rgb 'white'\"\n"
	      "}\n"
	      "svg_term = \"set terminal svg noenhanced size 960,600 dynamic font 'Sans,11' "
	      "background rgb 'white'\"\n"
	      "\n"
	      "set encoding utf8\n"
	      "set border 3 lc rgb '#606060'\n"
	      "set tics nomirror out\n"
	      "set grid xtics ytics mxtics mytics lt 1 lc rgb '#d4d4d4' lw 1, lt 1 lc rgb '#ececec'"
	      " lw 1\n"
	      "set key box lc rgb '#b0b0b0' opaque samplen 2 spacing 1.2\n"
	      "set style fill solid 0.75 noborder\n"
	      "set linetype 1 lc rgb '#1f77b4' lw 2\n"
	      "set linetype 2 lc rgb '#d62728' lw 2\n"
	      "set linetype 3 lc rgb '#2ca02c' lw 2\n"
	      "set linetype 4 lc rgb '#ff7f0e' lw 2\n"
	      "set linetype 5 lc rgb '#9467bd' lw 2\n"
	      "set linetype 6 lc rgb '#8c564b' lw 2\n"
	      "set linetype 7 lc rgb '#e377c2' lw 2\n"
	      "set linetype 8 lc rgb '#17becf' lw 2\n"
	      "set linetype cycle 8\n", f);
}

/* Per-chart settings back to the prologue's state. */
static void gp_reset_chart(FILE *f)
{
	fputs("unset logscale\nunset arrow\nunset label\nunset format\n"
	      "set key inside\nset offsets 0, 0, 0, 0\n"
	      "set xrange [*:*]\nset yrange [*:*]\n"
	      "set xtics autofreq\nset ytics autofreq\n"
	      "set mxtics default\nset mytics default\n", f);
}

/* A chart is rendered as PNG by the plot command between these two, then
 * again as SVG by replot. */
static void gp_begin_png(FILE *f, const char *chart)
{
	fprintf(f, "eval png_term\nset output '%s.png'\n", chart);
}

static void gp_end_svg(FILE *f, const char *chart)
{
	fprintf(f, "eval svg_term\nset output '%s.svg'\nreplot\nunset output\n\n", chart);
}

static void gp_output(FILE *f, const char *chart, const char *plotcmd)
{
	gp_begin_png(f, chart);
	fprintf(f, "%s\n", plotcmd);
	gp_end_svg(f, chart);
}

/* Label 1-2-5 steps on a log x axis of up to three decades (gnuplot would
 * label only the powers of ten, often just one). */
static void gp_log_tics(FILE *f, double lo, double hi)
{
	static const double steps[] = { 1, 2, 5 };
	if (hi / lo > 1000.0)
		return;
	const char *sep = "set xtics (";
	for (int d = (int)floor(log10(lo)); d <= (int)ceil(log10(hi)); d++) {
		for (size_t i = 0; i < 3; i++) {
			double v = steps[i] * pow(10.0, d);
			if (v < lo || v > hi)
				continue;
			fprintf(f, "%s%.10g", sep, v);
			sep = ", ";
		}
	}
	if (*sep == ',')
		fputs(")\n", f);
}

/*
 * The latency axis over [lo, hi] ns plus a margin: log when the range spans a
 * decade or more (long tails), else linear, at least 2 ns wide and never
 * below 0. Also sets min_box, the narrowest histogram box worth drawing.
 */
static void gp_latency_x(FILE *f, double lo, double hi)
{
	fputs("set xlabel 'latency (ns)'\n", f);
	if (lo > 0 && hi / lo >= 10.0) {
		fprintf(f, "set logscale x 10\nset xrange [%.10g:%.10g]\nmin_box = 0\n", lo / 1.1,
			hi * 1.1);
		gp_log_tics(f, lo / 1.1, hi * 1.1);
		return;
	}
	double pad = fmax((hi - lo) * 0.05, 1.0);
	double x0 = fmax(0.0, lo - pad), x1 = hi + pad;
	fprintf(f, "set xrange [%.10g:%.10g]\nmin_box = %.10g\n", x0, x1, (x1 - x0) / 400.0);
}

/* "nic0: n=20000, p50 512 ns, p99 830 ns" */
static void plot_key(char *buf, size_t len, const char *label, const struct plot_item *it)
{
	snprintf(buf, len, "%s: n=%llu, p50 %.4g ns, p99 %.4g ns, max %.4g ns", label,
		 (unsigned long long)it->st.hist->count, plot_q(it, 0.5), plot_q(it, 0.99),
		 (double)it->st.hist->max * it->st.scale);
}

static void gp_hist_cdf(FILE *f, const struct plot_ctx *c, const struct plot_item *it)
{
	char what[PLOT_NAME_MAX + 64], key[PLOT_NAME_MAX + 128], cmd[2 * PLOT_NAME_MAX + 256];
	char chart[PLOT_NAME_MAX + 16];
	const struct hist *h = it->st.hist;
	fprintf(f, "# ---- %s: latency CDF\n", it->st.path);
	gp_reset_chart(f);
	snprintf(what, sizeof(what), "%s - latency CDF", it->st.path);
	gp_title(f, c->title, what);
	gp_latency_x(f, (double)h->min * it->st.scale, (double)h->max * it->st.scale);
	fputs("set ylabel 'fraction of values <= latency'\nset yrange [0:1.05]\n"
	      "set ytics 0.1\nset key bottom right\n", f);
	fputs("set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb "
	      "'#808080'\n"
	      "set arrow from graph 0, first 0.99 to graph 1, first 0.99 nohead dt 3 lc rgb "
	      "'#808080'\n"
	      "set label 'p50' at graph 0.01, first 0.52 tc rgb '#606060'\n"
	      "set label 'p99' at graph 0.01, first 1.01 tc rgb '#606060'\n", f);
	plot_key(key, sizeof(key), it->st.path, it);
	fputs("plot_key = ", f);
	gp_str(f, key);
	fputc('\n', f);
	snprintf(chart, sizeof(chart), "%s_cdf", it->name);
	snprintf(cmd, sizeof(cmd), "plot '%s_cdf.dat' using 1:2 with lines lt 1 title plot_key",
		 it->name);
	gp_output(f, chart, cmd);
}

static void gp_hist_hist(FILE *f, const struct plot_ctx *c, const struct plot_item *it)
{
	char what[PLOT_NAME_MAX + 64], key[PLOT_NAME_MAX + 128], cmd[2 * PLOT_NAME_MAX + 256];
	char chart[PLOT_NAME_MAX + 16];
	const struct hist *h = it->st.hist;
	fprintf(f, "# ---- %s: latency histogram\n", it->st.path);
	gp_reset_chart(f);
	snprintf(what, sizeof(what), "%s - latency histogram", it->st.path);
	gp_title(f, c->title, what);
	gp_latency_x(f, (double)h->min * it->st.scale, (double)h->max * it->st.scale);
	fprintf(f, "set ylabel 'values per bucket (bucket width <= %.2g %%)'\n",
		100.0 / (double)(1u << (h->sub_bits - 1)));
	fputs("set logscale y 10\nset yrange [0.7:*]\nset key tmargin right\n", f);
	plot_key(key, sizeof(key), it->st.path, it);
	fputs("plot_key = ", f);
	gp_str(f, key);
	fputc('\n', f);
	snprintf(chart, sizeof(chart), "%s_hist", it->name);
	snprintf(cmd, sizeof(cmd),
		 "plot '%s_hist.dat' using 1:2:($7 > min_box ? $7 : min_box) with boxes lt 1 "
		 "title plot_key", it->name);
	gp_output(f, chart, cmd);
}

/* flows.<flow>.latency_ns -> <flow> in label; false if it is not a flow latency. */
static bool plot_flow_latency(const struct plot_item *it, char *label, size_t len)
{
	const char *p = it->st.path;
	const char *suffix = ".latency_ns";
	size_t n = strlen(p), sl = strlen(suffix);
	if (strncmp(p, "flows.", 6) || n <= 6 + sl || strcmp(p + n - sl, suffix))
		return false;
	snprintf(label, len, "%.*s", (int)(n - 6 - sl), p + 6);
	return true;
}

static void gp_flows_overlay(FILE *f, const struct plot_ctx *c)
{
	char label[PLOT_NAME_MAX], key[PLOT_NAME_MAX + 128];
	const struct plot_item *all = NULL;
	size_t nflows = 0;
	double lo = INFINITY, hi = 0;
	for (size_t i = 0; i < c->nhists; i++) {
		const struct plot_item *it = &c->hists[i];
		if (strcmp(it->st.path, "dma.latency_ns") == 0)
			all = it;
		if (!plot_flow_latency(it, label, sizeof(label)))
			continue;
		nflows++;
		lo = fmin(lo, (double)it->st.hist->min * it->st.scale);
		hi = fmax(hi, (double)it->st.hist->max * it->st.scale);
	}
	if (!nflows)
		return;
	fputs("# ---- every flow's latency CDF in one chart\n", f);
	gp_reset_chart(f);
	gp_title(f, c->title, "DMA read latency CDF per flow");
	gp_latency_x(f, lo, hi);
	fputs("set ylabel 'fraction of reads <= latency'\nset yrange [0:1.05]\nset ytics 0.1\n"
	      "set key bottom right\n", f);
	gp_begin_png(f, PLOT_OVERLAY_CDF);
	fputs("plot \\\n", f);
	size_t k = 0;
	for (size_t i = 0; i < c->nhists; i++) {
		const struct plot_item *it = &c->hists[i];
		if (!plot_flow_latency(it, label, sizeof(label)))
			continue;
		plot_key(key, sizeof(key), label, it);
		fprintf(f, "    '%s_cdf.dat' using 1:2 with lines lt %zu title ", it->name,
			k % 8 + 1);
		gp_str(f, key);
		fputs(++k < nflows || (all && nflows > 1) ? ", \\\n" : "\n", f);
	}
	if (all && nflows > 1) {
		plot_key(key, sizeof(key), "all flows", all);
		fprintf(f, "    '%s_cdf.dat' using 1:2 with lines lc rgb '#000000' lw 1.5 dt 2 "
			"title ", all->name);
		gp_str(f, key);
		fputc('\n', f);
	}
	gp_end_svg(f, PLOT_OVERLAY_CDF);
}

static double plot_series_end_us(const struct plot_item *it)
{
	const struct tseries *ts = it->st.series;
	return (double)ts->nbins * (double)ts->width / 1e6;
}

/*
 * The x axis of time charts in a unit that suits the run length; returns the
 * gnuplot expression turning column 1 (us) into it.
 */
static const char *gp_time_axis(FILE *f, double end_us)
{
	const char *unit = "us", *x = "1";
	if (end_us >= 1e7) {
		unit = "s";
		x = "($1/1e6)";
	} else if (end_us >= 1e4) {
		unit = "ms";
		x = "($1/1e3)";
	} else if (end_us < 10) {
		unit = "ns";
		x = "($1*1e3)";
	}
	fprintf(f, "set xlabel 'simulated time (%s)'\n", unit);
	return x;
}

/* A duration in ns as "100 ns", "204.8 us", "3.2 ms". */
static const char *plot_fmt_ns(double ns, char *buf, size_t len)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.4g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.4g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.4g us", ns / 1e3);
	else
		snprintf(buf, len, "%.4g ns", ns);
	return buf;
}

/* "dma.read_series: mean 12.5 Gb/s, 100 ns bins" */
static const char *plot_tput_key(const struct plot_item *it, char *buf, size_t len)
{
	const struct tseries *ts = it->st.series;
	double sum = 0;
	for (uint32_t i = 0; i < ts->nbins; i++)
		sum += ts->bins[i];
	double span_ns = (double)ts->nbins * (double)ts->width / 1000.0;
	char w[32];
	snprintf(buf, len, "%s: mean %.4g Gb/s, %s bins", it->st.path, sum * 8.0 / span_ns,
		 plot_fmt_ns((double)ts->width / 1000.0, w, sizeof(w)));
	return buf;
}

static void gp_series(FILE *f, const struct plot_ctx *c, const struct plot_item *it)
{
	char what[2 * PLOT_NAME_MAX], cmd[2 * PLOT_NAME_MAX + 128], key[PLOT_NAME_MAX + 128];
	bool bytes = plot_is_bytes(it);
	fprintf(f, "# ---- %s over time\n", it->st.path);
	gp_reset_chart(f);
	snprintf(what, sizeof(what), "%s - %s", it->st.path, bytes ? "throughput" : it->st.desc);
	gp_title(f, c->title, what);
	const char *x = gp_time_axis(f, plot_series_end_us(it));
	if (bytes) {
		fputs("set ylabel 'throughput (Gb/s)'\n", f);
	} else {
		char yl[PLOT_NAME_MAX], w[32];
		snprintf(yl, sizeof(yl), "%s per %s bin", it->st.unit[0] ? it->st.unit : "value",
			 plot_fmt_ns((double)it->st.series->width / 1000.0, w, sizeof(w)));
		fputs("set ylabel ", f);
		gp_str(f, yl);
		fputc('\n', f);
	}
	fputs("set yrange [0:*]\nset offsets 0, 0, graph 0.15, 0\nset key top right\n", f);
	fputs("plot_key = ", f);
	gp_str(f, bytes ? plot_tput_key(it, key, sizeof(key)) : it->st.desc);
	fputc('\n', f);
	snprintf(cmd, sizeof(cmd), "plot '%s.dat' using %s:2 with histeps lt 1 title plot_key",
		 it->name, x);
	gp_output(f, it->name, cmd);
}

static void gp_throughput_overlay(FILE *f, const struct plot_ctx *c)
{
	char key[PLOT_NAME_MAX + 128];
	size_t n = 0, k = 0;
	double end_us = 0;
	for (size_t i = 0; i < c->nseries; i++) {
		if (!plot_is_bytes(&c->series[i]))
			continue;
		n++;
		end_us = fmax(end_us, plot_series_end_us(&c->series[i]));
	}
	if (n < 2)
		return;
	fputs("# ---- every byte series as throughput in one chart\n", f);
	gp_reset_chart(f);
	gp_title(f, c->title, "throughput over time");
	const char *x = gp_time_axis(f, end_us);
	fputs("set ylabel 'throughput (Gb/s)'\nset yrange [0:*]\nset offsets 0, 0, graph 0.2, 0\n"
	      "set key top right\n", f);
	gp_begin_png(f, PLOT_OVERLAY_TPUT);
	fputs("plot \\\n", f);
	for (size_t i = 0; i < c->nseries; i++) {
		const struct plot_item *it = &c->series[i];
		if (!plot_is_bytes(it))
			continue;
		fprintf(f, "    '%s.dat' using %s:2 with histeps lt %zu title ", it->name, x,
			k % 8 + 1);
		gp_str(f, plot_tput_key(it, key, sizeof(key)));
		fputs(++k < n ? ", \\\n" : "\n", f);
	}
	gp_end_svg(f, PLOT_OVERLAY_TPUT);
}

static int plot_write_script(struct plot_ctx *c)
{
	struct outfile pf;
	if (plot_open(c, &pf, "plots.gp"))
		return -1;
	FILE *f = pf.f;
	gp_prologue(f, c->title);
	fputc('\n', f);
	for (size_t i = 0; i < c->nhists; i++) {
		gp_hist_cdf(f, c, &c->hists[i]);
		gp_hist_hist(f, c, &c->hists[i]);
	}
	gp_flows_overlay(f, c);
	for (size_t i = 0; i < c->nseries; i++)
		gp_series(f, c, &c->series[i]);
	gp_throughput_overlay(f, c);
	return plot_commit(c, &pf);
}

int plot_write(const char *dir, const struct stats *s, const char *title, struct iov_err *e)
{
	char pdir[PLOT_PATH_MAX];
	if (snprintf(pdir, sizeof(pdir), "%s/plots", dir) >= (int)sizeof(pdir))
		return iov_err_set(e, IOV_INTERNAL, "output directory name too long: '%s'", dir);
	if (outfile_mkdirs(pdir))
		return iov_err_set(e, IOV_INTERNAL, "cannot create '%s': %s", pdir,
				   strerror(errno));
	struct plot_ctx c = { .dir = pdir, .title = title ? title : "", .e = e };
	int rc = plot_collect(&c, s);
	for (size_t i = 0; !rc && i < c.nhists; i++)
		rc = plot_write_cdf(&c, &c.hists[i]) || plot_write_hist(&c, &c.hists[i]) ? -1 : 0;
	for (size_t i = 0; !rc && i < c.nseries; i++)
		rc = plot_write_series(&c, &c.series[i]);
	if (!rc)
		rc = plot_write_script(&c);
	plot_ctx_free(&c);
	return rc;
}

/* ---- rendering ------------------------------------------------------------------ */

/* The gnuplot program to run: $IOVSIM_GNUPLOT, else the first in $PATH. */
static bool plot_find_gnuplot(char *out, size_t len)
{
	const char *env = getenv("IOVSIM_GNUPLOT");
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n && (size_t)snprintf(out, len, "%.*s/gnuplot", (int)n, path) < len &&
		    access(out, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/*
 * The line of the log that says what went wrong, for the message: gnuplot
 * reports '"plots.gp" line N: what' (warnings say "warning:"); else the
 * first line mentioning an error; else the last line with text.
 */
static void plot_log_error(const char *log, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char line[512], err[512] = "", last[512] = "";
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "warning:"))
			continue;
		if (strstr(line, "\" line ")) {
			snprintf(buf, len, "%s", line);
			break;
		}
		if (!err[0] && (strstr(line, "rror") || strstr(line, "annot ")))
			snprintf(err, sizeof(err), "%s", line);
		if (line[0] && strspn(line, " ^") != strlen(line))
			snprintf(last, sizeof(last), "%s", line);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", err[0] ? err : last);
	fclose(f);
}

/* In the child: only async-signal-safe calls until exec. */
static void plot_child(const char *pdir, const char *log, const char *prog)
{
	int in = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (chdir(pdir) || in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0)
		_exit(126);
	char *const argv[] = { (char *)prog, (char *)"plots.gp", NULL };
	execv(prog, argv);
	_exit(127);
}

int plot_render(const char *dir, struct iov_err *e)
{
	char pdir[PLOT_PATH_MAX], script[PLOT_PATH_MAX + 16], log[PLOT_PATH_MAX + 16];
	char prog[PLOT_PATH_MAX];
	if (snprintf(pdir, sizeof(pdir), "%s/plots", dir) >= (int)sizeof(pdir))
		return iov_err_set(e, IOV_INTERNAL, "directory name too long: '%s'", dir);
	snprintf(script, sizeof(script), "%s/plots.gp", pdir);
	snprintf(log, sizeof(log), "%s/gnuplot.log", pdir);
	if (access(script, R_OK))
		return iov_err_set(e, IOV_INTERNAL, "no plot script '%s': %s", script,
				   strerror(errno));
	if (!plot_find_gnuplot(prog, sizeof(prog))) {
		iov_err_set(e, IOV_INTERNAL, "gnuplot not found (install gnuplot-nox)");
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return iov_err_set(e, IOV_INTERNAL, "cannot start gnuplot: %s", strerror(errno));
	if (pid == 0)
		plot_child(pdir, log, prog);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return iov_err_set(e, IOV_INTERNAL, "waiting for gnuplot: %s",
					   strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		iov_err_set(e, IOV_INTERNAL, "cannot run '%s'", prog);
		return 1;
	}
	char why[512];
	plot_log_error(log, why, sizeof(why));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 126)
		snprintf(why, sizeof(why), "cannot enter the plots directory or open gnuplot.log");
	return iov_err_set(e, IOV_INTERNAL, "gnuplot failed on '%s'%s%s (log: %s)", script,
			   why[0] ? ": " : "", why, log);
}

/* ---- listing ------------------------------------------------------------------ */

static int plot_list_add(char ***paths, size_t *n, size_t *cap, const char *path)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **np = realloc(*paths, nc * sizeof(*np));
		if (!np)
			return -1;
		*paths = np;
		*cap = nc;
	}
	if (!((*paths)[*n] = strdup(path)))
		return -1;
	(*n)++;
	return 0;
}

int plot_list(const char *dir, char ***paths, size_t *n)
{
	char pdir[PLOT_PATH_MAX], file[2 * PLOT_PATH_MAX];
	*paths = NULL;
	*n = 0;
	snprintf(pdir, sizeof(pdir), "%s/plots", dir);
	snprintf(file, sizeof(file), "%s/plots.gp", pdir);
	FILE *f = fopen(file, "r");
	if (!f)
		return 0;
	char line[PLOT_PATH_MAX];
	size_t cap = 0;
	int rc = 0;
	static const char key[] = "set output '";
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, key, sizeof(key) - 1))
			continue;
		p += sizeof(key) - 1;
		char *q = strchr(p, '\'');
		if (!q || q == p)
			continue;
		*q = '\0';
		snprintf(file, sizeof(file), "%s/%s", pdir, p);
		struct stat sb;
		if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode))
			rc = plot_list_add(paths, n, &cap, file);
	}
	fclose(f);
	if (rc) {
		plot_list_free(*paths, *n);
		*paths = NULL;
		*n = 0;
	}
	return rc;
}

void plot_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
