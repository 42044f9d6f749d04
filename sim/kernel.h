/* kernel.h - the event kernel API: one C interface, two back ends (systemc, native) */
#ifndef IOVSIM_KERNEL_H
#define IOVSIM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "simtime.h"

/*
 * Events are (time, sequence) pairs held in the kernel's own binary heap, so
 * events due at the same time run in the order they were scheduled, on both
 * back ends. The native back end advances time itself; the systemc back end
 * advances SystemC's time with sc_start() and runs the due events from one
 * SC_METHOD, so user SystemC models co-simulate with ours.
 *
 * Event records come from a pool that grows by doubling and is never shrunk
 * during a run: scheduling does not call malloc once the pool is warm.
 */

enum sim_kernel_kind {
	SIM_KERNEL_SYSTEMC = 0, /* the default */
	SIM_KERNEL_NATIVE,
};

typedef void (*sim_event_fn)(void *arg);

/* Handle of a scheduled event; 0 is never a valid handle. */
typedef uint64_t sim_event_id;

struct sim_kernel;

/* "systemc" / "native" -> kind; returns -1 for anything else. */
int sim_kernel_kind_parse(const char *name, enum sim_kernel_kind *out);
const char *sim_kernel_kind_name(enum sim_kernel_kind k);

/*
 * Create a kernel at time 0. Only one systemc kernel may exist at a time in a
 * process (SystemC has one global simulation context); creating a second while
 * the first is alive fails with IOV_INTERNAL. A systemc kernel may be created
 * again after the previous one is destroyed: it starts at time 0 again.
 * Returns NULL with e set on failure.
 */
struct sim_kernel *sim_kernel_create(enum sim_kernel_kind kind, struct iov_err *e);

/* Drop all pending events and free the kernel. NULL is a no-op. */
void sim_kernel_destroy(struct sim_kernel *k);

enum sim_kernel_kind sim_kernel_kind(const struct sim_kernel *k);

/* Current simulated time (ps). Inside a callback: the event's time. */
sim_time_t sim_now(const struct sim_kernel *k);

/*
 * Schedule fn(arg) at now + delay. May be called from inside callbacks and
 * before sim_run(). Same-time events run in schedule order. Returns the handle;
 * 0 only if the pool cannot grow (out of memory) or fn is NULL. A delay that
 * would pass SIM_TIME_MAX is clamped to it.
 */
sim_event_id sim_schedule(struct sim_kernel *k, sim_time_t delay, sim_event_fn fn, void *arg);

/* Schedule at an absolute time >= now (times in the past are clamped to now). */
sim_event_id sim_schedule_at(struct sim_kernel *k, sim_time_t when, sim_event_fn fn, void *arg);

/*
 * Cancel a pending event. Returns true if it was pending and is now cancelled;
 * false if it already ran, was cancelled, or the handle is stale/0. Handles
 * are never reused within a kernel's lifetime, so a stale handle is harmless.
 */
bool sim_cancel(struct sim_kernel *k, sim_event_id id);

enum sim_run_result {
	SIM_RUN_EMPTY = 0,      /* no events left */
	SIM_RUN_UNTIL,          /* reached the 'until' time; events remain after it */
	SIM_RUN_STOPPED,        /* sim_stop() was called */
	SIM_RUN_ERROR,          /* back end failure (e.g. a SystemC exception); see e */
};

/*
 * Run events with time <= until (SIM_TIME_MAX: until the queue is empty or
 * stopped). On SIM_RUN_UNTIL now == until; on SIM_RUN_EMPTY now is the time
 * of the last event run. May be called again to continue.
 * Also: SIM_RUN_STOPPED wins when the stopping event was the last one; an
 * until before now runs nothing and leaves now alone (time never goes back);
 * calling sim_run() from inside a callback is SIM_RUN_ERROR (IOV_INTERNAL).
 */
enum sim_run_result sim_run(struct sim_kernel *k, sim_time_t until, struct iov_err *e);

/* Ask the running sim_run() to return after the current event. Safe in
 * callbacks; outside sim_run() it does nothing. */
void sim_stop(struct sim_kernel *k);

uint64_t sim_events_run(const struct sim_kernel *k);     /* callbacks executed so far */
uint64_t sim_events_pending(const struct sim_kernel *k); /* scheduled, not cancelled */

#endif
