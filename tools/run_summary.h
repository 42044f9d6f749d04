/* run_summary.h - the human summary of a finished run (summary.txt, the terminal) */
#ifndef IOVSIM_RUN_SUMMARY_H
#define IOVSIM_RUN_SUMMARY_H

#include "sim.h"

/* The summary of run s (executed and finished) as a malloc'd string: header,
 * DMA traffic and latency, latency breakdown, then isolation, CPU path,
 * interrupts, NIC packets and virtio-net packets, each only when the
 * scenario has what it reports. kernel and wall (seconds) go in the header.
 * NULL when out of memory. */
char *run_summary(const struct sim *s, enum sim_kernel_kind kernel, double wall);

#endif
