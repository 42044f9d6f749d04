/* kernel_native.c - the native event kernel back end: time jumps straight to the next event */
#include <stddef.h>

#include "kernel_impl.h"

/*
 * Pure C, no SystemC: the common code's dispatch loop does all the work, and
 * time is just the time of the event being run (or 'until' when the run ends
 * with events still pending after it).
 */
static enum sim_run_result native_run(struct sim_kernel *k, sim_time_t until, struct iov_err *e)
{
	(void)e;
	kernel_dispatch(k, until);
	if (k->stop)
		return SIM_RUN_STOPPED;
	if (k->heap_len == 0)
		return SIM_RUN_EMPTY;
	k->now = until;
	return SIM_RUN_UNTIL;
}

const struct sim_kernel_ops sim_kernel_native_ops = {
	.name = "native",
	.init = NULL,
	.fini = NULL,
	.run = native_run,
	.head_changed = NULL,
};
