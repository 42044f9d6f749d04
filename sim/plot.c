/* plot.c - plot data files (latency CDFs and histograms, series), rendering with gnuplot, listing */
#include "plot.h"

#include "outfile.h"
#include "plot_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- files ------------------------------------------------------------------- */

int plot_open(struct plot_ctx *c, struct outfile *pf, const char *name)
{
	char path[PLOT_PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", c->dir, name) >= (int)sizeof(path))
		return iov_err_set(c->e, IOV_INTERNAL, "plot path too long: '%s/%s'", c->dir, name);
	return outfile_open(pf, path, c->e);
}

int plot_commit(struct plot_ctx *c, struct outfile *pf)
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
	if (plot_take(c, PLOT_OVERLAY_CDF) || plot_take(c, PLOT_OVERLAY_IRQ) ||
	    plot_take(c, PLOT_OVERLAY_NIC_RX) || plot_take(c, PLOT_OVERLAY_TPUT) ||
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

double plot_q(const struct plot_item *it, double q)
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

bool plot_is_bytes(const struct plot_item *it)
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
