/* cmd_run.c - `iovsim run` and `iovsim check`: load, build, run, write outputs, check expects */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "plot.h"
#include "run_summary.h"
#include "sim.h"
#include "units.h"

#define RUN_MAX_OVERRIDES 256

struct run_opts {
	const char *file;
	const char *outdir;
	enum sim_kernel_kind kernel;
	bool have_seed, quiet, no_plots;
	uint64_t seed;
	size_t novr;
	struct param_override ovr[RUN_MAX_OVERRIDES];
	const char *config_dirs[17];
	size_t nconfig_dirs;
};

static const char run_usage[] =
	"usage: iovsim run FILE [-o DIR] [-p NAME=VALUE]... [--kernel systemc|native]\n"
	"                  [--seed N] [--quiet] [--no-plots] [-C CONFIG_DIR]...\n"
	"\n"
	"Run a scenario and write DIR/stats.json, DIR/summary.txt and DIR/plots/.\n"
	"  -o DIR         output directory (default: out/<scenario name>)\n"
	"  -p NAME=VALUE  override a parameter declared under params:\n"
	"  --kernel K     event kernel: systemc (default) or native; results are identical\n"
	"  --seed N       override the scenario's seed\n"
	"  --quiet        print nothing but errors and failed expectations\n"
	"  --no-plots     skip the gnuplot data, script and images\n"
	"  -C DIR         also search DIR for profiles (configs/)\n"
	"Exit status: 0 ok, 1 an expect: failed, 2 bad input or usage, 3 internal error.\n";

static const char check_usage[] =
	"usage: iovsim check FILE [-p NAME=VALUE]... [-C CONFIG_DIR]...\n"
	"\n"
	"Load and validate a scenario (syntax, parameters, profiles, component types and\n"
	"parameters, connections, expect: stat names) without running it.\n"
	"Exit status: 0 valid, 2 invalid, 3 internal error.\n";

static int run_parse_args(const char *cmd, int argc, char **argv, struct run_opts *o, bool is_run)
{
	memset(o, 0, sizeof(*o));
	o->kernel = SIM_KERNEL_SYSTEMC;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(is_run ? run_usage : check_usage, stdout);
			return -2;
		} else if (!strcmp(a, "-p")) {
			int r = cli_param_override(cmd, argv[i + 1], o->ovr, &o->novr, RUN_MAX_OVERRIDES);
			if (r)
				return r;
			i++;
		} else if (!strcmp(a, "-C")) {
			int r = cli_config_dir(cmd, val, o->config_dirs, &o->nconfig_dirs, 16);
			if (r)
				return r;
			i++;
		} else if (is_run && !strcmp(a, "-o")) {
			if (!val)
				return cli_usage_error(cmd, "-o needs a directory");
			o->outdir = val;
			i++;
		} else if (is_run && !strcmp(a, "--kernel")) {
			if (!val || sim_kernel_kind_parse(val, &o->kernel))
				return cli_usage_error(cmd, "--kernel takes systemc or native");
			i++;
		} else if (is_run && !strcmp(a, "--seed")) {
			const char *why;
			if (!val || units_parse_u64(val, &o->seed, &why))
				return cli_usage_error(cmd, "--seed takes an unsigned integer");
			o->have_seed = true;
			i++;
		} else if (is_run && !strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (is_run && !strcmp(a, "--no-plots")) {
			o->no_plots = true;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error(cmd, "unknown option '%s'", a);
		} else if (!o->file) {
			o->file = a;
		} else {
			return cli_usage_error(cmd, "more than one scenario file ('%s', '%s')", o->file, a);
		}
	}
	if (!o->file)
		return cli_usage_error(cmd, "no scenario file given");
	return 0;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct run_progress {
	double t0, last;
	bool shown;
	const struct sim *sim;
};

/* A progress line on stderr, only on a terminal and only after a second. */
static void run_progress_cb(void *arg, sim_time_t now, sim_time_t end)
{
	struct run_progress *p = arg;
	double now_w = wall_now(), el = now_w - p->t0;
	if (el < 1.0 || now_w - p->last < 0.25)    /* after a second, four times a second */
		return;
	p->last = now_w;
	char tb[32];
	uint64_t ev = sim_events_run(p->sim->k);
	if (end != SIM_TIME_MAX)
		fprintf(stderr, "\r[iovsim] %5.1f%%  sim %s  %.1f M events/s  %.0f s   ",
			100.0 * (double)now / (double)end, units_fmt_time(now, tb, sizeof(tb)),
			(double)ev / el / 1e6, el);
	else
		fprintf(stderr, "\r[iovsim] sim %s  %" PRIu64 " reads  %.1f M events/s  %.0f s   ",
			units_fmt_time(now, tb, sizeof(tb)), *p->sim->dma.reads, (double)ev / el / 1e6,
			el);
	p->shown = true;
}

static int run_register_scenario_stats(struct sim *s, const struct scenario *scen,
				       struct iov_err *e)
{
	char path[256];
	if (stats_text(s->stats, "scenario.name", scen->name, e))
		return -1;
	uint64_t *seed = stats_counter(s->stats, "scenario.seed", "", "random seed of the run", e);
	if (!seed)
		return -1;
	*seed = s->seed;
	for (size_t i = 0; i < scen->nparams; i++) {
		snprintf(path, sizeof(path), "scenario.params.%s", scen->params[i].name);
		if (stats_text(s->stats, path, scen->params[i].value, e))
			return -1;
	}
	return 0;
}

static char *run_host_json(const struct run_opts *o, const struct sim *s, double wall)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	char hesc[512], fesc[8192];
	json_escape(host, hesc, sizeof(hesc));
	json_escape(o->file, fesc, sizeof(fesc));
	time_t now = time(NULL);
	struct tm tm;
	char date[64];
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	uint64_t ev = sim_events_run(s->k);
	fprintf(f,
		"\"host\": {\n    \"kernel\": \"%s\",\n    \"wall_s\": %.6f,\n    \"events\": %" PRIu64
		",\n    \"events_per_s\": %.0f,\n    \"dma_per_s\": %.0f,\n    \"date\": \"%s\",\n"
		"    \"hostname\": \"%s\",\n    \"version\": \"%s\",\n    \"scenario_file\": \"%s\"\n  }",
		sim_kernel_kind_name(o->kernel), wall, ev, wall > 0 ? (double)ev / wall : 0.0,
		wall > 0 ? (double)(*s->dma.reads + *s->dma.writes) / wall : 0.0, date, hesc,
		IOVSIM_VERSION, fesc);
	fclose(f);
	return buf;
}

static int run_write_outputs(const struct run_opts *o, const char *dir, struct sim *s,
			     const char *summary, double wall, struct iov_err *e)
{
	if (outfile_mkdirs(dir))
		return iov_err_set(e, IOV_INTERNAL, "cannot create output directory '%s': %s", dir,
				   strerror(errno));
	char *host = run_host_json(o, s, wall);
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	if (!host || !f) {
		free(host);
		if (f)
			fclose(f);
		free(json);
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	int bad = stats_write_json(s->stats, f, host);
	bad |= fclose(f);
	free(host);
	char path[4200];
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	if (bad) {
		free(json);
		return iov_err_set(e, IOV_INTERNAL, "cannot format '%s'", path);
	}
	if (outfile_write_all(path, json, len, e)) {
		free(json);
		return -1;
	}
	free(json);
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	if (outfile_write_all(path, summary, strlen(summary), e))
		return -1;
	if (o->no_plots)
		return 0;
	char title[512];
	snprintf(title, sizeof(title), "%s", s->scen->name);
	if (plot_write(dir, s->stats, title, e))
		return -1;
	struct iov_err pe = { 0 };
	int r = plot_render(dir, &pe);
	if (r < 0 && !o->quiet)
		fprintf(stderr, "iovsim: warning: plots not rendered: %s\n", pe.msg);
	else if (r > 0 && !o->quiet)
		fprintf(stderr, "iovsim: note: gnuplot not found; plot data and script are in %s/plots/"
			" (install gnuplot-nox and run 'iovsim plot %s')\n", dir, dir);
	return 0;
}

static int run_fail(struct iov_err *e)
{
	fprintf(stderr, "%s\n", e->msg);
	return e->status ? e->status : IOV_INTERNAL;
}

static void run_print_outputs(const char *dir)
{
	printf("\noutputs: %s/stats.json  %s/summary.txt\n", dir, dir);
	char **paths = NULL;
	size_t n = 0;
	if (plot_list(dir, &paths, &n) == 0 && n) {
		printf("plots:\n");
		for (size_t i = 0; i < n; i++)
			printf("  %s\n", paths[i]);
	}
	plot_list_free(paths, n);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int r = run_parse_args("run", argc, argv, &o, true);
	if (r)
		return r == -2 ? 0 : r;
	struct iov_err e = { 0 };
	struct scenario *scen = NULL;
	struct sim *s = NULL;
	o.config_dirs[o.nconfig_dirs] = NULL;
	if (scenario_load(o.file, o.ovr, o.novr, o.config_dirs, &scen, &e))
		return run_fail(&e);
	uint64_t seed = o.have_seed ? o.seed : scen->seed;
	s = sim_build(scen, o.kernel, seed, &e);
	if (!s || run_register_scenario_stats(s, scen, &e))
		goto fail;

	char dirbuf[4096];
	const char *dir = o.outdir;
	if (!dir) {
		snprintf(dirbuf, sizeof(dirbuf), "out/%s", scen->name);
		dir = dirbuf;
	}
	struct run_progress prog = { .t0 = wall_now(), .sim = s };
	bool tty = !o.quiet && isatty(STDERR_FILENO);
	double t0 = wall_now();
	if (sim_execute(s, tty ? run_progress_cb : NULL, &prog, &e))
		goto fail;
	double wall = wall_now() - t0;
	if (prog.shown)
		fprintf(stderr, "\r%70s\r", "");

	char *summary = run_summary(s, o.kernel, wall);
	if (!summary) {
		iov_err_set(&e, IOV_INTERNAL, "out of memory");
		goto fail;
	}
	if (run_write_outputs(&o, dir, s, summary, wall, &e)) {
		free(summary);
		goto fail;
	}
	if (!o.quiet) {
		fputs(summary, stdout);
		run_print_outputs(dir);
	}
	free(summary);
	int failed = sim_check_expects(scen, s->stats, stderr);
	if (!o.quiet && scen->nexpects)
		printf("expectations: %zu checked, %d failed\n", scen->nexpects, failed);
	sim_destroy(s);
	scenario_free(scen);
	return failed ? IOV_EXPECT_FAILED : IOV_OK;
fail:
	sim_destroy(s);
	scenario_free(scen);
	return run_fail(&e);
}

int cmd_check(int argc, char **argv)
{
	struct run_opts o;
	int r = run_parse_args("check", argc, argv, &o, false);
	if (r)
		return r == -2 ? 0 : r;
	struct iov_err e = { 0 };
	struct scenario *scen = NULL;
	o.config_dirs[o.nconfig_dirs] = NULL;
	if (scenario_load(o.file, o.ovr, o.novr, o.config_dirs, &scen, &e))
		return run_fail(&e);
	struct sim *s = sim_build(scen, SIM_KERNEL_NATIVE, scen->seed, &e);
	if (!s) {
		scenario_free(scen);
		return run_fail(&e);
	}
	printf("%s: ok (%zu components, %zu connections, %zu params, %zu expectations)\n", o.file,
	       scen->ncomponents, scen->nconnections, scen->nparams, scen->nexpects);
	sim_destroy(s);
	scenario_free(scen);
	return 0;
}
