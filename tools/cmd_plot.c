/* cmd_plot.c - `iovsim plot DIR`: re-render a run's charts from DIR/plots/plots.gp */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "plot.h"

static const char plot_usage[] =
	"usage: iovsim plot DIR\n"
	"\n"
	"Re-render the charts of a run written by 'iovsim run -o DIR': runs gnuplot on\n"
	"DIR/plots/plots.gp (after you edited it or its data files) inside DIR/plots and\n"
	"prints the PNG and SVG files it produced. gnuplot's own output goes to\n"
	"DIR/plots/gnuplot.log. $IOVSIM_GNUPLOT names another gnuplot program.\n"
	"\n"
	"Exit status: 0 ok; 2 usage, no DIR/plots/plots.gp, or gnuplot rejected the\n"
	"script; 3 gnuplot is not installed (Debian: apt-get install gnuplot-nox).\n";

int cmd_plot(int argc, char **argv)
{
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(plot_usage, stdout);
			return 0;
		}
		if (a[0] == '-' && a[1])
			return cli_usage_error("plot", "unknown option '%s'", a);
		if (dir)
			return cli_usage_error("plot", "one DIR only (got '%s' and '%s')", dir, a);
		dir = a;
	}
	if (!dir)
		return cli_usage_error("plot", "missing DIR (the -o directory of 'iovsim run')");

	char script[4096];
	if (snprintf(script, sizeof(script), "%s/plots/plots.gp", dir) >= (int)sizeof(script))
		return cli_usage_error("plot", "directory name too long");
	if (access(script, R_OK)) {
		fprintf(stderr, "iovsim plot: error: '%s' has no plots/plots.gp; write it with "
			"'iovsim run FILE -o %s' (without --no-plots)\n", dir, dir);
		return 2;
	}

	struct iov_err e = { 0 };
	int r = plot_render(dir, &e);
	if (r > 0) {
		fprintf(stderr, "iovsim plot: %s; the data and script are in %s/plots/\n", e.msg,
			dir);
		return 3;
	}
	if (r < 0) {
		fprintf(stderr, "iovsim plot: %s\n", e.msg);
		return 2;
	}

	char **paths = NULL;
	size_t n = 0;
	if (plot_list(dir, &paths, &n)) {
		fprintf(stderr, "iovsim plot: error: out of memory\n");
		return 3;
	}
	if (!n)
		printf("no charts: the script names no output files\n");
	for (size_t i = 0; i < n; i++)
		printf("%s\n", paths[i]);
	plot_list_free(paths, n);
	return 0;
}
