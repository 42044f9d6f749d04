/* kernel_impl.h - private to the event kernel: the kernel object, its queue and the back-end ops */
#ifndef IOVSIM_KERNEL_IMPL_H
#define IOVSIM_KERNEL_IMPL_H

/*
 * Shared by kernel.c (the common part: event pool, (time, seq) heap, dispatch)
 * and the back ends kernel_native.c and kernel_systemc.cpp. Nothing outside
 * the kernel includes this file. It is plain C, also valid C++ (the SystemC
 * back end includes it), and names no SystemC type.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {            /* kernel.h and err.h are C headers without guards of their own */
#endif

#include "kernel.h"

/*
 * One event record of the pool. A record is live while its event is pending;
 * then 'pos' is its index in the heap. A free record holds the next free
 * record's index in 'pos'. 'gen' changes each time the record is freed, so a
 * handle ((gen << 32) | (index + 1)) names one occupancy only; a record whose
 * 32-bit gen is used up is retired rather than reused, so handles never repeat.
 */
struct kernel_event {
	sim_event_fn fn;
	void *arg;
	uint32_t pos;           /* heap index (live) or next free index (free) */
	uint32_t gen;
};

/* A heap entry carries its sort key so sifting does not touch the pool. */
struct kernel_heap_ent {
	sim_time_t t;
	uint32_t seq;           /* schedule order: ties at equal t run FIFO */
	uint32_t ev;            /* index of the event record */
};

struct sim_kernel_ops;

struct sim_kernel {
	const struct sim_kernel_ops *ops;
	enum sim_kernel_kind kind;
	sim_time_t now;
	uint32_t seq;           /* next schedule sequence number (see kernel_renumber) */
	uint64_t events_run;

	struct kernel_event *ev;        /* the pool */
	uint32_t ev_cap;
	uint32_t ev_free;               /* head of the free list, KERNEL_NONE if empty */

	struct kernel_heap_ent *heap;
	uint32_t heap_len;
	uint32_t heap_cap;

	bool running;           /* inside sim_run() */
	bool dispatching;       /* inside kernel_dispatch(): the back end re-arms after */
	bool stop;              /* sim_stop() called during this sim_run() */
};

#define KERNEL_NONE UINT32_MAX

/*
 * What a back end provides. The common code owns the queue and runs the
 * callbacks (kernel_dispatch); a back end decides how simulated time advances.
 */
struct sim_kernel_ops {
	const char *name;
	/* Attach the back end to a new kernel (k->now == 0, queue empty). May be
	 * NULL. Returns -1 with e set on failure; then fini is not called. */
	int (*init)(struct sim_kernel *k, struct iov_err *e);
	/* Detach before the kernel is freed (its queue is still intact). May be NULL. */
	void (*fini)(struct sim_kernel *k);
	/* Run events with time <= until, as sim_run() documents. Called with the
	 * queue non-empty, until >= now, k->running set and k->stop clear. */
	enum sim_run_result (*run)(struct sim_kernel *k, sim_time_t until, struct iov_err *e);
	/* The earliest pending event changed (scheduled earlier, or cancelled)
	 * during run() but outside a dispatch pass, i.e. by a foreign SystemC
	 * process. Must not schedule or run events. May be NULL. */
	void (*head_changed)(struct sim_kernel *k);
};

extern const struct sim_kernel_ops sim_kernel_native_ops;
extern const struct sim_kernel_ops sim_kernel_systemc_ops;

/*
 * Run, in (time, seq) order, every pending event with time <= upto, including
 * events the callbacks schedule within that bound, setting k->now to each
 * event's time. Returns early after the event during which sim_stop() was
 * called (k->stop set). Used by every back end.
 */
void kernel_dispatch(struct sim_kernel *k, sim_time_t upto);

/* Time of the earliest pending event; false if none is pending. */
static inline bool kernel_head_time(const struct sim_kernel *k, sim_time_t *t)
{
	if (k->heap_len == 0)
		return false;
	*t = k->heap[0].t;
	return true;
}

#ifdef __cplusplus
}
#endif

#endif
