/* simtime.h - simulated time: a 64-bit count of picoseconds, and clocks */
#ifndef IOVSIM_TIME_H
#define IOVSIM_TIME_H

#include <stdint.h>

typedef uint64_t sim_time_t;            /* picoseconds since the start of the run */

#define SIM_PS ((sim_time_t)1)
#define SIM_NS ((sim_time_t)1000)
#define SIM_US ((sim_time_t)1000000)
#define SIM_MS ((sim_time_t)1000000000)
#define SIM_S  ((sim_time_t)1000000000000ull)
#define SIM_TIME_MAX UINT64_MAX         /* "forever" for sim_run() */

static inline double sim_time_to_ns(sim_time_t t) { return (double)t / 1000.0; }

/*
 * A component clock. Work happens on rising edges, which fall at integer
 * multiples of the period (plus an optional phase). period_ps is rounded from
 * the configured frequency once, at load time, so every component that shares
 * a frequency shares its edges exactly.
 */
struct sim_clock {
	sim_time_t period;      /* ps, > 0 */
	sim_time_t phase;       /* ps, < period */
};

/* First edge at or after t. */
static inline sim_time_t sim_clock_edge_at_or_after(const struct sim_clock *c, sim_time_t t)
{
	if (t <= c->phase)
		return c->phase;
	sim_time_t n = (t - c->phase + c->period - 1) / c->period;
	return c->phase + n * c->period;
}

/* When an issue engine acts that wants to at t, at now, and may issue again
 * at not_before: the first edge at or after the latest of the three. */
static inline sim_time_t sim_clock_issue_at(const struct sim_clock *c, sim_time_t t,
					    sim_time_t now, sim_time_t not_before)
{
	if (t < now)
		t = now;
	if (t < not_before)
		t = not_before;
	return sim_clock_edge_at_or_after(c, t);
}

/* Duration of n cycles. */
static inline sim_time_t sim_clock_cycles(const struct sim_clock *c, uint64_t n)
{
	return c->period * n;
}

#endif
