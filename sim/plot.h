/* plot.h - gnuplot data files and script for a run's latency and throughput stats */
#ifndef IOVSIM_PLOT_H
#define IOVSIM_PLOT_H

#include <stddef.h>

#include "err.h"
#include "stats.h"

/*
 * Write DIR/plots/ (created if needed) for the stats of a finished run:
 *   - every histogram whose unit is "ns" with at least one value (latency:
 *     flows.<name>.latency_ns, dma.latency_ns, ...): NAME_cdf.dat and
 *     NAME_hist.dat, NAME being the stat path with '.' replaced by '_';
 *   - every series with at least one bin: NAME.dat (time in us; a "bytes"
 *     series as Gb/s);
 *   - plots.gp, a gnuplot script rendering each chart to NAME.png and
 *     NAME.svg in the same directory: per histogram a CDF (NAME_cdf) and a
 *     histogram with log y (NAME_hist), all flows' CDFs overlaid
 *     (latency_cdf_flows), per series its values over time (NAME), and all
 *     "bytes" series overlaid (throughput) when there are two or more.
 * 'title' (e.g. the scenario name) heads every chart; it may hold any text.
 * Each file is written under a temporary name and renamed, the script last.
 * Returns 0, or -1 with e set (IOV_INTERNAL) on an I/O error.
 */
int plot_write(const char *dir, const struct stats *s, const char *title, struct iov_err *e);

/*
 * Run gnuplot on DIR/plots/plots.gp inside DIR/plots (fork/exec, no shell;
 * stdout and stderr go to DIR/plots/gnuplot.log). The program is $IOVSIM_GNUPLOT
 * if set, else "gnuplot" looked up in $PATH.
 * Returns 0 when gnuplot succeeded; 1 when gnuplot is not installed (a
 * warning for callers: the data and script are still there; e says so);
 * -1 with e set when there is no script or gnuplot failed (e quotes its
 * first error line).
 */
int plot_render(const char *dir, struct iov_err *e);

/*
 * The chart files that DIR/plots/plots.gp names (its "set output" lines) and
 * that exist, in script order, as "DIR/plots/FILE". *paths is a malloc'd
 * array of malloc'd strings; free it with plot_list_free. No script gives
 * n = 0. Returns 0, or -1 when out of memory (then *paths = NULL, *n = 0).
 */
int plot_list(const char *dir, char ***paths, size_t *n);
void plot_list_free(char **paths, size_t n);

#endif
