/* plot_script.c - the gnuplot script: one chart per latency histogram and series, plus overlays */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "plot_impl.h"

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
	/* Boxes sit at bucket midpoints, which can lie up to a bucket width
	 * outside [min, max] (a narrow histogram: two buckets around a few ns of
	 * spread): widen the axis by one relative bucket width, else gnuplot
	 * finds no point in range and stops the whole script there. */
	double bw = 1.0 / (double)(1u << (h->sub_bits - 1));
	gp_latency_x(f, (double)h->min * it->st.scale * (1.0 - bw),
		     (double)h->max * it->st.scale * (1.0 + bw));
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

/*
 * Overlays: the latency CDFs of sibling histograms in one chart, one line
 * each, labelled by what differs between their names (prefix.<label>suffix),
 * plus, when there are two or more, the total (all) dashed.
 */
struct plot_overlay {
	const char *chart;              /* file stem */
	const char *prefix, *suffix;    /* stat paths prefix<label>suffix */
	const char *all;                /* the total's path, or NULL */
	const char *all_label;
	const char *what;               /* chart title */
	const char *ylabel;
};

static const struct plot_overlay plot_overlays[] = {
	{ PLOT_OVERLAY_CDF, "flows.", ".latency_ns", "dma.latency_ns", "all flows",
	  "DMA read latency CDF per flow", "fraction of reads <= latency" },
	{ PLOT_OVERLAY_IRQ, "interrupts.latency_ns.", "", NULL, NULL,
	  "interrupt latency CDF per delivery path (device write to guest handler)",
	  "fraction of interrupts <= latency" },
	{ PLOT_OVERLAY_NIC_RX, "nic.vms.", ".rx_latency_ns", NULL, NULL,
	  "NIC RX latency CDF per VM (wire to guest)", "fraction of packets <= latency" },
};

/* prefix<label>suffix -> label; false if it is not one of o's histograms. */
static bool plot_overlay_label(const struct plot_overlay *o, const struct plot_item *it,
			       char *label, size_t len)
{
	const char *p = it->st.path;
	size_t n = strlen(p), pl = strlen(o->prefix), sl = strlen(o->suffix);
	if (strncmp(p, o->prefix, pl) || n <= pl + sl || strcmp(p + n - sl, o->suffix) ||
	    memchr(p + pl, '.', n - pl - sl))
		return false;
	snprintf(label, len, "%.*s", (int)(n - pl - sl), p + pl);
	return true;
}

static void gp_overlay(FILE *f, const struct plot_ctx *c, const struct plot_overlay *o)
{
	char label[PLOT_NAME_MAX], key[PLOT_NAME_MAX + 128];
	const struct plot_item *all = NULL;
	size_t nlines = 0;
	double lo = INFINITY, hi = 0;
	for (size_t i = 0; i < c->nhists; i++) {
		const struct plot_item *it = &c->hists[i];
		if (o->all && strcmp(it->st.path, o->all) == 0)
			all = it;
		if (!plot_overlay_label(o, it, label, sizeof(label)))
			continue;
		nlines++;
		lo = fmin(lo, (double)it->st.hist->min * it->st.scale);
		hi = fmax(hi, (double)it->st.hist->max * it->st.scale);
	}
	if (!nlines)
		return;
	fprintf(f, "# ---- %s in one chart\n", o->what);
	gp_reset_chart(f);
	gp_title(f, c->title, o->what);
	gp_latency_x(f, lo, hi);
	fprintf(f, "set ylabel '%s'\nset yrange [0:1.05]\nset ytics 0.1\nset key bottom right\n",
		o->ylabel);
	gp_begin_png(f, o->chart);
	fputs("plot \\\n", f);
	size_t k = 0;
	for (size_t i = 0; i < c->nhists; i++) {
		const struct plot_item *it = &c->hists[i];
		if (!plot_overlay_label(o, it, label, sizeof(label)))
			continue;
		plot_key(key, sizeof(key), label, it);
		fprintf(f, "    '%s_cdf.dat' using 1:2 with lines lt %zu title ", it->name,
			k % 8 + 1);
		gp_str(f, key);
		fputs(++k < nlines || (all && nlines > 1) ? ", \\\n" : "\n", f);
	}
	if (all && nlines > 1) {
		plot_key(key, sizeof(key), o->all_label, all);
		fprintf(f, "    '%s_cdf.dat' using 1:2 with lines lc rgb '#000000' lw 1.5 dt 2 "
			"title ", all->name);
		gp_str(f, key);
		fputc('\n', f);
	}
	gp_end_svg(f, o->chart);
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

int plot_write_script(struct plot_ctx *c)
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
	for (size_t i = 0; i < sizeof(plot_overlays) / sizeof(plot_overlays[0]); i++)
		gp_overlay(f, c, &plot_overlays[i]);
	for (size_t i = 0; i < c->nseries; i++)
		gp_series(f, c, &c->series[i]);
	gp_throughput_overlay(f, c);
	return plot_commit(c, &pf);
}
