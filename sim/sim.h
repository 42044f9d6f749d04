/* sim.h - one simulation: kernel, stats, TLP pool, components built from a scenario */
#ifndef IOVSIM_SIM_H
#define IOVSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "config.h"
#include "err.h"
#include "hist.h"
#include "isolation.h"
#include "kernel.h"
#include "stats.h"
#include "tlp.h"

#define SIM_MAX_STAGES 64

/*
 * A flow is one requester function's DMA traffic (a trace source). Each has
 * its own counters and latency histogram under flows.<name>.*; the dma.*
 * totals sum all flows.
 */
struct sim_flow {
	const char *name;
	uint64_t *reads, *writes, *read_bytes, *write_bytes;
	double *read_gbps, *write_gbps;
	struct hist *latency;                   /* DMA read round trip, ps */
	sim_time_t first_read, last_read_done;  /* measured interval for read_gbps */
	sim_time_t first_write, last_write_done;
	bool any_read, any_write;
	int vm;                                 /* VM the requester belongs to, -1 = host */
	uint64_t *iso_allowed, *iso_blocked, *iso_violations;
};

/* Totals over all flows; names fixed by the issue tracker's contract. */
struct sim_dma_stats {
	uint64_t *reads, *writes, *read_bytes, *write_bytes;
	double *read_gbps, *write_gbps;
	struct hist *latency;                   /* dma.latency_ns */
	struct tseries *read_series, *write_series;
	sim_time_t first_read, last_read_done, first_write, last_write_done;
	bool any_read, any_write;
	double *stage_mean_ns[SIM_MAX_STAGES];  /* dma.breakdown_ns.<stage>: mean per read */
	long double stage_sum[SIM_MAX_STAGES];
	uint64_t breakdown_reads;
};

struct sim {
	struct sim_kernel *k;
	struct stats *stats;
	struct tlp_pool *tlps;
	const struct scenario *scen;
	uint64_t seed;

	size_t ncomps, comps_cap;
	struct component **comps;
	void **params;                          /* per component, owned */

	size_t nflows, flows_cap;
	struct sim_flow *flows;

	size_t nstages;
	const char *stages[SIM_MAX_STAGES];

	struct sim_dma_stats dma;
	struct sim_isolation iso;               /* VMs and isolation.* (isolation.h) */
	uint64_t *stat_time_ps;                 /* sim.time_ps */
	double *stat_time_ns;
	struct iov_err *err;                    /* where a component reports a failure
						 * inside an event (set by sim_execute) */
};

/* A component hit an error inside an event (after filling *s->err via
 * iov_err_*): stop the run; sim_execute returns -1 with that error. */
static inline void sim_abort(struct sim *s)
{
	sim_stop(s->k);
}

/*
 * Build a simulation from a loaded scenario: create every component through
 * the registry (checking its type and parameters), connect ports, register
 * stats, and check that every expect: names a known stat. Everything that can
 * be wrong with the input is found here, before anything runs or any output
 * is written. Returns NULL with e set (status 2 for bad input).
 */
struct sim *sim_build(const struct scenario *scen, enum sim_kernel_kind kind, uint64_t seed,
		      struct iov_err *e);

/*
 * The pieces sim_build is made of, for tests that drive a model through hand-made
 * peers. sim_create: an empty simulation (kernel, stats incl. the dma.* totals,
 * TLP pool); scen stays NULL. sim_add_component: validate node against the
 * model's parameter table and create the component (ports left unconnected).
 */
struct sim *sim_create(enum sim_kernel_kind kind, uint64_t seed, struct iov_err *e);
struct component *sim_add_component(struct sim *s, const struct model *m, const char *name,
				    const struct cfg_node *node, struct iov_err *e);

/* Start components and run to the scenario's duration (or until no events
 * remain), then finish components and compute derived stats. progress, if
 * not NULL, is called about every 2^20 events... (see sim.c) */
typedef void (*sim_progress_fn)(void *arg, sim_time_t now, sim_time_t end);
int sim_execute(struct sim *s, sim_progress_fn progress, void *parg, struct iov_err *e);

void sim_destroy(struct sim *s);

/* The component named 'name' (the first len bytes of it; len = strlen(name)
 * for a whole name), or NULL. */
struct component *sim_component(const struct sim *s, const char *name, size_t len);

/* Stage id for a stage name ("path.up"); registers it on first use.
 * Returns -1 (e set) when SIM_MAX_STAGES is exceeded. Call at create time. */
int sim_stage(struct sim *s, const char *name, struct iov_err *e);

/* Flow for a requester name, created (with its stats) on first use. */
struct sim_flow *sim_flow_get(struct sim *s, const char *name, struct iov_err *e);
static inline uint32_t sim_flow_index(const struct sim *s, const struct sim_flow *f)
{
	return (uint32_t)(f - s->flows);
}

/* Account a finished DMA read (all completions in) of 'bytes' issued at t0. */
void sim_dma_read_done(struct sim *s, uint32_t flow, uint64_t bytes, sim_time_t t0,
		       sim_time_t now, const struct tlp *last_cpl);
/* Account a posted DMA write of 'bytes' that left the requester at 'now'. */
void sim_dma_write_done(struct sim *s, uint32_t flow, uint64_t bytes, sim_time_t t0,
			sim_time_t now);
/* A write TLP of 'flow' reached its completer (memory, a peer) at 'now': the
 * write throughput's interval runs to the last landing, not to the last
 * issue (a posted write may wait in queues after it left the device). */
void sim_dma_write_landed(struct sim *s, uint32_t flow, sim_time_t now);

/* Check the scenario's expect: entries against the stats. Prints each failure
 * ("expect failed: dma.reads = 10 (file:line): wanted >= 20") to out.
 * Returns the number of failures. */
int sim_check_expects(const struct scenario *scen, const struct stats *st, FILE *out);

#endif
