/* plot_impl.h - private to plot.c and plot_script.c: what is drawn and the file helpers */
#ifndef IOVSIM_PLOT_IMPL_H
#define IOVSIM_PLOT_IMPL_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "outfile.h"
#include "stats.h"

/*
 * What gets drawn is decided here, from the registry alone: histograms with
 * unit "ns" are latencies, series are rates over time. The script refers to
 * its files by bare names and first changes to its own directory, so it runs
 * from any working directory ("gnuplot out/x/plots/plots.gp").
 */

#define PLOT_PATH_MAX 4096
#define PLOT_NAME_MAX 256
#define PLOT_OVERLAY_CDF "latency_cdf_flows"
#define PLOT_OVERLAY_IRQ "latency_cdf_interrupts"
#define PLOT_OVERLAY_NIC_RX "latency_cdf_nic_rx"
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


/* Shared between the files of this model. */
int plot_open(struct plot_ctx *c, struct outfile *pf, const char *name);
int plot_commit(struct plot_ctx *c, struct outfile *pf);
double plot_q(const struct plot_item *it, double q);
bool plot_is_bytes(const struct plot_item *it);
int plot_write_script(struct plot_ctx *c);

#endif
