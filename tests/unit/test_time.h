/* test_time.h - for unit tests driving a kernel directly: run to a time, or move time to it
 * (include after cmocka.h) */
#ifndef IOVSIM_TEST_TIME_H
#define IOVSIM_TEST_TIME_H

#include "kernel.h"

static inline void kernel_run_until(struct sim_kernel *k, sim_time_t t)
{
	struct iov_err e = { 0 };
	assert_true(sim_run(k, t, &e) != SIM_RUN_ERROR);
}

static inline void test_time_noop(void *arg) { (void)arg; }

/* Move time to t even when no event is due (sim_run stops at the last event). */
static inline void kernel_advance_to(struct sim_kernel *k, sim_time_t t)
{
	sim_schedule_at(k, t, test_time_noop, NULL);
	kernel_run_until(k, t);
	assert_int_equal(sim_now(k), t);
}

#endif
