/* test_kernel.c - event kernel semantics, one suite run against both back ends */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel.h"
#include "kernel_impl.h"        /* white-box: the sequence-number wrap test */
#include "rng.h"

/*
 * Every semantics test takes the kernel kind from its pre-state and is
 * registered once per back end. The fixture creates the kernel and destroys it
 * in teardown, so a failed test never leaves a systemc kernel alive behind it.
 */

#define MAX_LOG 256
#define MAX_TAGS 64

struct fx;

/* The argument of a logging event: which fixture, which event id. */
struct tag {
	struct fx *fx;
	uint32_t id;
};

struct log_rec {
	sim_time_t t;
	uint32_t id;
};

struct fx {
	enum sim_kernel_kind kind;
	struct sim_kernel *k;
	struct iov_err e;
	struct log_rec log[MAX_LOG];
	size_t n;
	struct tag tags[MAX_TAGS];
	/* what some callbacks do besides logging */
	uint32_t stop_at_id;            /* call sim_stop() in this event (0: never) */
	uint32_t zero_chain;            /* events left to chain with delay 0 */
	sim_event_id victim;            /* handle some callbacks cancel */
	bool victim_cancelled;
	enum sim_run_result nested;     /* sim_run() result from inside a callback */
};

static const enum sim_kernel_kind kind_systemc = SIM_KERNEL_SYSTEMC;
static const enum sim_kernel_kind kind_native = SIM_KERNEL_NATIVE;

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->kind = *(const enum sim_kernel_kind *)*state;
	iov_err_clear(&f->e);
	f->k = sim_kernel_create(f->kind, &f->e);
	if (!f->k) {
		print_error("kernel create failed: %s\n", f->e.msg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	sim_kernel_destroy(f->k);
	free(f);
	return 0;
}

static struct tag *tag(struct fx *f, uint32_t id)
{
	assert_true(id < MAX_TAGS);
	f->tags[id] = (struct tag){ f, id };
	return &f->tags[id];
}

static void fx_log(struct fx *f, uint32_t id)
{
	assert_true(f->n < MAX_LOG);
	f->log[f->n++] = (struct log_rec){ sim_now(f->k), id };
}

static void log_cb(void *arg)
{
	struct tag *g = arg;
	fx_log(g->fx, g->id);
	if (g->fx->stop_at_id && g->id == g->fx->stop_at_id)
		sim_stop(g->fx->k);
}

static void sched(struct fx *f, sim_time_t delay, uint32_t id)
{
	assert_true(sim_schedule(f->k, delay, log_cb, tag(f, id)) != 0);
}

/* Assert the log is exactly the given (time, id) pairs. */
static void expect_log(struct fx *f, size_t n, const struct log_rec *want)
{
	assert_int_equal(f->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f->log[i].t, want[i].t);
		assert_int_equal(f->log[i].id, want[i].id);
	}
}

static enum sim_run_result run(struct fx *f, sim_time_t until)
{
	enum sim_run_result r = sim_run(f->k, until, &f->e);
	if (r == SIM_RUN_ERROR)
		print_error("sim_run: %s\n", f->e.msg);
	return r;
}

/* ---- basics ---------------------------------------------------------------- */

static void test_kind_names(void **state)
{
	(void)state;
	enum sim_kernel_kind k = SIM_KERNEL_NATIVE;
	assert_int_equal(sim_kernel_kind_parse("systemc", &k), 0);
	assert_int_equal(k, SIM_KERNEL_SYSTEMC);
	assert_int_equal(sim_kernel_kind_parse("native", &k), 0);
	assert_int_equal(k, SIM_KERNEL_NATIVE);
	assert_int_equal(sim_kernel_kind_parse("SystemC", &k), -1);
	assert_int_equal(sim_kernel_kind_parse("", &k), -1);
	assert_int_equal(sim_kernel_kind_parse(NULL, &k), -1);
	assert_string_equal(sim_kernel_kind_name(SIM_KERNEL_SYSTEMC), "systemc");
	assert_string_equal(sim_kernel_kind_name(SIM_KERNEL_NATIVE), "native");
}

static void test_starts_at_zero(void **state)
{
	struct fx *f = *state;
	assert_int_equal(sim_kernel_kind(f->k), f->kind);
	assert_int_equal(sim_now(f->k), 0);
	assert_int_equal(sim_events_run(f->k), 0);
	assert_int_equal(sim_events_pending(f->k), 0);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(run(f, 100), SIM_RUN_EMPTY);
	assert_int_equal(sim_now(f->k), 0);
	assert_int_equal(f->e.status, 0);
}

static void test_delays_in_time_order(void **state)
{
	struct fx *f = *state;
	sched(f, 30 * SIM_NS, 1);
	sched(f, 10 * SIM_NS, 2);
	sched(f, 20 * SIM_NS, 3);
	sched(f, 0, 4);
	sched(f, 1, 5);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	const struct log_rec want[] = {
		{ 0, 4 }, { 1, 5 }, { 10000, 2 }, { 20000, 3 }, { 30000, 1 },
	};
	expect_log(f, 5, want);
	assert_int_equal(sim_now(f->k), 30000);
}

/* Same-time events: schedule order, including ones added at 'now' by callbacks. */
static void fifo_cb(void *arg)
{
	struct tag *g = arg;
	struct fx *f = g->fx;
	fx_log(f, g->id);
	uint32_t next = g->id == 1 ? 10 : g->id == 2 ? 11 : g->id == 10 ? 12 : 0;
	if (next)       /* 10 after 2, 3 (already queued for now); 12 after 11 */
		assert_true(sim_schedule(f->k, 0, fifo_cb, tag(f, next)) != 0);
}

static void test_same_time_fifo(void **state)
{
	struct fx *f = *state;
	for (uint32_t id = 1; id <= 3; id++)
		assert_true(sim_schedule(f->k, 5, fifo_cb, tag(f, id)) != 0);
	sched(f, 6, 20);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	const struct log_rec want[] = {
		{ 5, 1 }, { 5, 2 }, { 5, 3 }, { 5, 10 }, { 5, 11 }, { 5, 12 }, { 6, 20 },
	};
	expect_log(f, 7, want);
}

static void chain_cb(void *arg)
{
	struct tag *g = arg;
	struct fx *f = g->fx;
	fx_log(f, g->id);
	if (f->zero_chain > 0) {
		f->zero_chain--;
		assert_true(sim_schedule(f->k, 0, chain_cb, g) != 0);
	}
}

static void test_zero_delay_chain(void **state)
{
	struct fx *f = *state;
	f->zero_chain = 50;
	assert_true(sim_schedule(f->k, 7, chain_cb, tag(f, 1)) != 0);
	sched(f, 7, 2);                 /* queued before the chain's second link */
	sched(f, 8, 3);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(f->n, 53);
	assert_int_equal(f->log[0].id, 1);
	assert_int_equal(f->log[1].id, 2);
	for (size_t i = 2; i < 52; i++) {
		assert_int_equal(f->log[i].id, 1);
		assert_int_equal(f->log[i].t, 7);
	}
	assert_int_equal(f->log[52].id, 3);
	assert_int_equal(f->log[52].t, 8);
	assert_int_equal(sim_events_run(f->k), 53);
}

static void at_cb(void *arg)
{
	struct tag *g = arg;
	struct fx *f = g->fx;
	fx_log(f, g->id);
	if (g->id == 1)         /* in the past: clamped to now, after same-time peers */
		assert_true(sim_schedule_at(f->k, 20, log_cb, tag(f, 9)) != 0);
}

static void test_schedule_at(void **state)
{
	struct fx *f = *state;
	assert_true(sim_schedule_at(f->k, 100, log_cb, tag(f, 3)) != 0);
	assert_true(sim_schedule_at(f->k, 50, at_cb, tag(f, 1)) != 0);
	assert_true(sim_schedule_at(f->k, 50, log_cb, tag(f, 2)) != 0);
	assert_int_equal(run(f, 60), SIM_RUN_UNTIL);
	assert_int_equal(sim_now(f->k), 60);
	/* absolute times are absolute, not relative to now */
	assert_true(sim_schedule_at(f->k, 70, log_cb, tag(f, 4)) != 0);
	assert_true(sim_schedule(f->k, 5, log_cb, tag(f, 5)) != 0);    /* 65 */
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	const struct log_rec want[] = {
		{ 50, 1 }, { 50, 2 }, { 50, 9 }, { 65, 5 }, { 70, 4 }, { 100, 3 },
	};
	expect_log(f, 6, want);
}

/* ---- cancel ---------------------------------------------------------------- */

static void test_cancel(void **state)
{
	struct fx *f = *state;
	sim_event_id a = sim_schedule(f->k, 10, log_cb, tag(f, 1));
	sim_event_id b = sim_schedule(f->k, 20, log_cb, tag(f, 2));
	sim_event_id c = sim_schedule(f->k, 30, log_cb, tag(f, 3));
	assert_true(a && b && c);
	assert_true(a != b && b != c && a != c);
	assert_int_equal(sim_events_pending(f->k), 3);
	assert_true(sim_cancel(f->k, b));               /* pending */
	assert_false(sim_cancel(f->k, b));              /* twice */
	assert_false(sim_cancel(f->k, 0));
	assert_false(sim_cancel(f->k, 0xffffffffull));  /* no such record */
	assert_false(sim_cancel(f->k, c + (1ull << 32)));       /* wrong generation */
	assert_int_equal(sim_events_pending(f->k), 2);
	assert_int_equal(run(f, 15), SIM_RUN_UNTIL);
	assert_false(sim_cancel(f->k, a));              /* already ran */
	assert_true(sim_cancel(f->k, c));               /* the head, between runs */
	assert_int_equal(sim_events_pending(f->k), 0);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	const struct log_rec want[] = { { 10, 1 } };
	expect_log(f, 1, want);
	assert_int_equal(sim_now(f->k), 15);
	assert_int_equal(sim_events_run(f->k), 1);
}

/* A handle whose record was reused names the old event only. */
static void test_cancel_stale_handle(void **state)
{
	struct fx *f = *state;
	sim_event_id handles[200];
	for (int i = 0; i < 200; i++) {
		handles[i] = sim_schedule(f->k, 1, log_cb, tag(f, 1));
		assert_true(handles[i] != 0);
		if (i % 2)
			assert_true(sim_cancel(f->k, handles[i]));
		else
			assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	}
	for (int i = 0; i < 200; i++)
		for (int j = i + 1; j < 200; j++)
			assert_true(handles[i] != handles[j]);  /* never reused */
	sim_event_id fresh = sim_schedule(f->k, 1, log_cb, tag(f, 2));
	assert_true(fresh != 0);
	for (int i = 0; i < 200; i++)
		assert_false(sim_cancel(f->k, handles[i]));
	assert_int_equal(sim_events_pending(f->k), 1);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(f->log[f->n - 1].id, 2);
	assert_int_equal(f->n, 101);
	assert_false(sim_cancel(f->k, fresh));
}

static void cancel_cb(void *arg)
{
	struct tag *g = arg;
	struct fx *f = g->fx;
	fx_log(f, g->id);
	f->victim_cancelled = sim_cancel(f->k, f->victim);
}

static void test_cancel_from_callback(void **state)
{
	struct fx *f = *state;
	assert_true(sim_schedule(f->k, 10, cancel_cb, tag(f, 1)) != 0);
	f->victim = sim_schedule(f->k, 10, log_cb, tag(f, 2));  /* same time, next */
	sched(f, 11, 3);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_true(f->victim_cancelled);
	const struct log_rec want[] = { { 10, 1 }, { 11, 3 } };
	expect_log(f, 2, want);
}

/* ---- run until / stop ------------------------------------------------------ */

static void test_run_until(void **state)
{
	struct fx *f = *state;
	sched(f, 10, 1);
	sched(f, 20, 2);
	sched(f, 30, 3);
	assert_int_equal(run(f, 20), SIM_RUN_UNTIL);    /* inclusive at 20 */
	assert_int_equal(sim_now(f->k), 20);
	assert_int_equal(sim_events_pending(f->k), 1);
	assert_int_equal(run(f, 25), SIM_RUN_UNTIL);    /* nothing due: time moves */
	assert_int_equal(sim_now(f->k), 25);
	assert_int_equal(run(f, 25), SIM_RUN_UNTIL);    /* again at the same time */
	assert_int_equal(sim_now(f->k), 25);
	assert_int_equal(run(f, 3), SIM_RUN_UNTIL);     /* in the past: no-op */
	assert_int_equal(sim_now(f->k), 25);
	sched(f, 5, 4);                                 /* relative to 25: at 30, after 3 */
	sched(f, 0, 5);                                 /* at 25, exactly 'now' */
	assert_int_equal(run(f, 25), SIM_RUN_UNTIL);
	assert_int_equal(f->n, 3);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(sim_now(f->k), 30);
	const struct log_rec want[] = {
		{ 10, 1 }, { 20, 2 }, { 25, 5 }, { 30, 3 }, { 30, 4 },
	};
	expect_log(f, 5, want);
}

static void boundary_cb(void *arg)
{
	struct tag *g = arg;
	struct fx *f = g->fx;
	fx_log(f, g->id);
	sched(f, 0, g->id + 1);         /* also at 'until': must run in this call */
	sched(f, 1, g->id + 2);         /* after 'until': must wait */
}

static void test_run_until_boundary_from_callback(void **state)
{
	struct fx *f = *state;
	assert_true(sim_schedule(f->k, 100, boundary_cb, tag(f, 1)) != 0);
	assert_int_equal(run(f, 100), SIM_RUN_UNTIL);
	assert_int_equal(sim_now(f->k), 100);
	const struct log_rec want[] = { { 100, 1 }, { 100, 2 }, { 101, 3 } };
	expect_log(f, 2, want);
	assert_int_equal(sim_events_pending(f->k), 1);
	assert_int_equal(run(f, 1000), SIM_RUN_EMPTY);  /* empties before 1000 */
	expect_log(f, 3, want);
	assert_int_equal(sim_now(f->k), 101);           /* the last event's time */
}

static void test_run_in_slices(void **state)
{
	struct fx *f = *state;
	for (uint32_t i = 1; i <= 20; i++)
		sched(f, i * 7, i);
	sim_time_t until = 0;
	enum sim_run_result r;
	do {
		until += 10;
		r = run(f, until);
		if (r == SIM_RUN_UNTIL)
			assert_int_equal(sim_now(f->k), until);
	} while (r == SIM_RUN_UNTIL);
	assert_int_equal(r, SIM_RUN_EMPTY);
	assert_int_equal(sim_now(f->k), 140);
	assert_int_equal(f->n, 20);
	for (uint32_t i = 0; i < 20; i++) {
		assert_int_equal(f->log[i].id, i + 1);
		assert_int_equal(f->log[i].t, (i + 1) * 7);
	}
}

static void test_large_times(void **state)
{
	struct fx *f = *state;
	sched(f, 3600 * SIM_S, 2);      /* an hour of picoseconds */
	sched(f, SIM_S, 1);
	assert_int_equal(run(f, 2 * SIM_S), SIM_RUN_UNTIL);
	assert_int_equal(sim_now(f->k), 2 * SIM_S);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	const struct log_rec want[] = { { SIM_S, 1 }, { 3600 * SIM_S, 2 } };
	expect_log(f, 2, want);
	/* a delay that would overflow is clamped, not wrapped into the past */
	sched(f, SIM_TIME_MAX, 3);
	sched(f, 1, 4);
	assert_int_equal(run(f, 3601 * SIM_S), SIM_RUN_UNTIL);
	expect_log(f, 3, (const struct log_rec[]){ { SIM_S, 1 }, { 3600 * SIM_S, 2 },
						   { 3600 * SIM_S + 1, 4 } });
	/* times beyond SystemC's clock (2^64 - 1 ps from its time 0) still run */
	sched(f, SIM_TIME_MAX - 5 - sim_now(f->k), 5);
	assert_int_equal(run(f, SIM_TIME_MAX - 1), SIM_RUN_UNTIL);
	assert_int_equal(sim_now(f->k), SIM_TIME_MAX - 1);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(sim_now(f->k), SIM_TIME_MAX);
	expect_log(f, 5, (const struct log_rec[]){ { SIM_S, 1 }, { 3600 * SIM_S, 2 },
						   { 3600 * SIM_S + 1, 4 },
						   { SIM_TIME_MAX - 5, 5 },
						   { SIM_TIME_MAX, 3 } });
}

static void test_stop(void **state)
{
	struct fx *f = *state;
	sched(f, 10, 1);
	sched(f, 20, 2);
	sched(f, 20, 3);                /* same time as the stopping event */
	sched(f, 30, 4);
	f->stop_at_id = 2;
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_STOPPED);
	assert_int_equal(sim_now(f->k), 20);
	assert_int_equal(sim_events_pending(f->k), 2);
	assert_int_equal(sim_events_run(f->k), 2);
	const struct log_rec want[] = { { 10, 1 }, { 20, 2 }, { 20, 3 }, { 30, 4 } };
	expect_log(f, 2, want);
	f->stop_at_id = 0;
	sim_stop(f->k);                 /* outside a run: no effect */
	assert_int_equal(run(f, 25), SIM_RUN_UNTIL);
	expect_log(f, 3, want);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	expect_log(f, 4, want);
	assert_int_equal(sim_now(f->k), 30);
}

static void test_stop_with_until(void **state)
{
	struct fx *f = *state;
	sched(f, 10, 1);
	sched(f, 20, 2);
	f->stop_at_id = 1;
	assert_int_equal(run(f, 15), SIM_RUN_STOPPED);
	assert_int_equal(sim_now(f->k), 10);
	f->stop_at_id = 2;              /* the last event stops: stop wins over empty */
	assert_int_equal(run(f, 100), SIM_RUN_STOPPED);
	assert_int_equal(sim_now(f->k), 20);
	assert_int_equal(run(f, 100), SIM_RUN_EMPTY);
	assert_int_equal(f->n, 2);
}

static void nested_cb(void *arg)
{
	struct tag *g = arg;
	struct fx *f = g->fx;
	fx_log(f, g->id);
	f->nested = sim_run(f->k, SIM_TIME_MAX, &f->e);
}

static void test_nested_run_is_an_error(void **state)
{
	struct fx *f = *state;
	assert_true(sim_schedule(f->k, 5, nested_cb, tag(f, 1)) != 0);
	sched(f, 6, 2);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(f->nested, SIM_RUN_ERROR);
	assert_int_equal(f->e.status, IOV_INTERNAL);
	assert_int_equal(f->n, 2);
}

static void test_counts(void **state)
{
	struct fx *f = *state;
	sim_event_id h[10];
	for (uint32_t i = 0; i < 10; i++)
		assert_true((h[i] = sim_schedule(f->k, 10 + i, log_cb, tag(f, i))) != 0);
	assert_int_equal(sim_events_pending(f->k), 10);
	assert_true(sim_cancel(f->k, h[3]));
	assert_true(sim_cancel(f->k, h[0]));
	assert_int_equal(sim_events_pending(f->k), 8);
	assert_int_equal(run(f, 15), SIM_RUN_UNTIL);
	assert_int_equal(sim_events_run(f->k), 4);      /* 11, 12, 14, 15 */
	assert_int_equal(sim_events_pending(f->k), 4);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(sim_events_run(f->k), 8);
	assert_int_equal(sim_events_pending(f->k), 0);
	assert_int_equal(sim_schedule(f->k, 1, NULL, NULL), 0);  /* no callback */
	assert_int_equal(sim_events_pending(f->k), 0);
}

/* Sequence numbers are 32 bits and renumbered when they run out: order holds
 * across the wrap (white-box: start the counter just below it). */
static void test_sequence_wrap_keeps_fifo(void **state)
{
	struct fx *f = *state;
	f->k->seq = UINT32_MAX - 5;
	for (uint32_t i = 0; i < 12; i++)
		sched(f, i % 3 ? 40 : 30, i);
	assert_true(f->k->seq < 100);   /* it did wrap */
	sim_event_id h = sim_schedule(f->k, 30, log_cb, tag(f, 20));
	assert_true(sim_cancel(f->k, h));       /* handles survive renumbering */
	sched(f, 30, 21);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	const struct log_rec want[] = {
		{ 30, 0 }, { 30, 3 }, { 30, 6 }, { 30, 9 }, { 30, 21 },
		{ 40, 1 }, { 40, 2 }, { 40, 4 }, { 40, 5 }, { 40, 7 }, { 40, 8 }, { 40, 10 }, { 40, 11 },
	};
	expect_log(f, 13, want);
}

/* ---- lifetime ---------------------------------------------------------------- */

/* Destroy with pending events (ASan/valgrind check the pool is freed), create
 * again: time starts at 0 and nothing of the old kernel leaks into the new. */
static void test_recreate(void **state)
{
	struct fx *f = *state;
	for (uint32_t i = 0; i < 1000; i++)
		assert_true(sim_schedule(f->k, 10 + i, log_cb, tag(f, 1)) != 0);
	sched(f, 10, 2);
	f->stop_at_id = 1;              /* stop with a same-time event still queued */
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_STOPPED);
	assert_int_equal(sim_now(f->k), 10);
	sim_kernel_destroy(f->k);
	f->k = NULL;
	f->n = 0;
	f->stop_at_id = 0;

	f->k = sim_kernel_create(f->kind, &f->e);
	assert_non_null(f->k);
	assert_int_equal(sim_now(f->k), 0);
	assert_int_equal(sim_events_run(f->k), 0);
	assert_int_equal(sim_events_pending(f->k), 0);
	sched(f, 0, 3);
	sched(f, 10, 4);
	assert_int_equal(run(f, 5), SIM_RUN_UNTIL);
	assert_int_equal(sim_now(f->k), 5);
	const struct log_rec want[] = { { 0, 3 }, { 10, 4 } };
	expect_log(f, 1, want);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	expect_log(f, 2, want);
	assert_int_equal(sim_now(f->k), 10);

	sim_kernel_destroy(f->k);
	f->k = sim_kernel_create(f->kind, &f->e);
	assert_non_null(f->k);
	assert_int_equal(sim_now(f->k), 0);
	sched(f, 7, 5);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(sim_now(f->k), 7);
	assert_int_equal(f->n, 3);
	sim_kernel_destroy(NULL);       /* a no-op */
}

static void test_second_systemc_kernel_fails(void **state)
{
	struct fx *f = *state;          /* holds a live systemc kernel */
	struct iov_err e;
	iov_err_clear(&e);
	assert_null(sim_kernel_create(SIM_KERNEL_SYSTEMC, &e));
	assert_int_equal(e.status, IOV_INTERNAL);
	assert_true(strlen(e.msg) > 0);
	/* native kernels are independent of it */
	iov_err_clear(&e);
	struct sim_kernel *n = sim_kernel_create(SIM_KERNEL_NATIVE, &e);
	assert_non_null(n);
	sched(f, 5, 1);
	assert_int_equal(run(f, SIM_TIME_MAX), SIM_RUN_EMPTY);
	assert_int_equal(f->n, 1);
	sim_kernel_destroy(n);
}

/* ---- random workload against a brute-force reference ------------------------- */

/*
 * The same decision procedure drives a real kernel and a reference that keeps
 * its pending events in an unsorted array and always picks the smallest
 * (time, seq) by linear scan. Each event, when it runs, logs (time, id), may
 * schedule zero to two new events (delays: zero, small for ties, or larger,
 * sometimes through sim_schedule_at) and may cancel a random earlier id
 * (pending, run or cancelled: the result is logged too).
 */

#define WL_EVENTS 200000u
#define WL_START 256u

struct wl;

struct wl_ops {
	void (*schedule)(struct wl *w, sim_time_t delay, bool absolute, uint32_t id);
	bool (*cancel)(struct wl *w, uint32_t id);
	sim_time_t (*now)(struct wl *w);
	uint64_t (*pending)(struct wl *w);
};

struct ref_ev {
	sim_time_t t;
	uint64_t seq;
	uint32_t id;
};

struct wl {
	const struct wl_ops *ops;
	struct rng r;
	uint32_t issued;
	uint64_t *out;          /* the log: (t, id) per run event, (~id, result) per cancel */
	size_t nout, capout;
	/* kernel side */
	struct sim_kernel *k;
	sim_event_id *handle;   /* by id */
	uint32_t *ids;          /* callback args: ids[i] == i */
	/* reference side */
	struct ref_ev *pend;
	size_t npend;
	uint64_t seq;
	sim_time_t rnow;
};

static struct wl *wl_cur;       /* the workload the kernel callbacks belong to */

static void wl_out(struct wl *w, uint64_t a, uint64_t b)
{
	if (w->nout + 2 > w->capout) {
		w->capout = w->capout ? 2 * w->capout : 1u << 16;
		w->out = realloc(w->out, w->capout * sizeof(*w->out));
		assert_non_null(w->out);
	}
	w->out[w->nout++] = a;
	w->out[w->nout++] = b;
}

static void wl_new_event(struct wl *w)
{
	if (w->issued >= WL_EVENTS)
		return;
	uint32_t id = w->issued++;
	uint64_t kind = rng_below(&w->r, 8);
	sim_time_t delay = kind == 0 ? 0 : kind < 3 ? rng_below(&w->r, 4) : rng_below(&w->r, 5000);
	bool absolute = rng_below(&w->r, 4) == 0;
	w->ops->schedule(w, delay, absolute, id);
}

/* What every event does when it runs. */
static void wl_step(struct wl *w, uint32_t id)
{
	wl_out(w, w->ops->now(w), id);
	/* about one child per event; steer the number pending into 128..512 */
	uint64_t pending = w->ops->pending(w);
	uint64_t r = rng_below(&w->r, 100) + (pending < 128 ? 20 : 0) - (pending > 512 ? 20 : 0);
	int children = r < 12 ? 0 : r < 88 ? 1 : 2;
	for (int i = 0; i < children; i++)
		wl_new_event(w);
	if (rng_below(&w->r, 100) < 15 && w->issued > 0) {
		uint32_t recent = w->issued < 600 ? w->issued : 600;    /* likely pending */
		uint32_t victim = rng_below(&w->r, 2) ? w->issued - 1 - (uint32_t)rng_below(&w->r, recent)
						      : (uint32_t)rng_below(&w->r, w->issued);
		wl_out(w, ~(uint64_t)victim, w->ops->cancel(w, victim));
	}
}

static void wl_kernel_cb(void *arg)
{
	wl_step(wl_cur, *(uint32_t *)arg);
}

static void wl_kernel_schedule(struct wl *w, sim_time_t delay, bool absolute, uint32_t id)
{
	sim_event_id h = absolute ? sim_schedule_at(w->k, sim_now(w->k) + delay, wl_kernel_cb, &w->ids[id])
				  : sim_schedule(w->k, delay, wl_kernel_cb, &w->ids[id]);
	assert_true(h != 0);
	w->handle[id] = h;
}

static bool wl_kernel_cancel(struct wl *w, uint32_t id)
{
	return sim_cancel(w->k, w->handle[id]);
}

static sim_time_t wl_kernel_now(struct wl *w)
{
	return sim_now(w->k);
}

static uint64_t wl_kernel_pending(struct wl *w)
{
	return sim_events_pending(w->k);
}

static const struct wl_ops wl_kernel_ops = {
	wl_kernel_schedule, wl_kernel_cancel, wl_kernel_now, wl_kernel_pending,
};

static void wl_ref_schedule(struct wl *w, sim_time_t delay, bool absolute, uint32_t id)
{
	(void)absolute;
	w->pend[w->npend++] = (struct ref_ev){ w->rnow + delay, w->seq++, id };
}

static bool wl_ref_cancel(struct wl *w, uint32_t id)
{
	for (size_t i = 0; i < w->npend; i++) {
		if (w->pend[i].id == id) {
			w->pend[i] = w->pend[--w->npend];
			return true;
		}
	}
	return false;
}

static sim_time_t wl_ref_now(struct wl *w)
{
	return w->rnow;
}

static uint64_t wl_ref_pending(struct wl *w)
{
	return w->npend;
}

static const struct wl_ops wl_ref_ops = { wl_ref_schedule, wl_ref_cancel, wl_ref_now, wl_ref_pending };

static struct wl *wl_new(const struct wl_ops *ops)
{
	struct wl *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->ops = ops;
	rng_seed(&w->r, 20240601);
	return w;
}

static void wl_free(struct wl *w)
{
	free(w->out);
	free(w->handle);
	free(w->ids);
	free(w->pend);
	free(w);
}

/* Run the workload through the kernel k. */
static struct wl *wl_run_kernel(struct sim_kernel *k)
{
	struct wl *w = wl_new(&wl_kernel_ops);
	w->k = k;
	w->handle = calloc(WL_EVENTS, sizeof(*w->handle));
	w->ids = malloc(WL_EVENTS * sizeof(*w->ids));
	assert_non_null(w->handle);
	assert_non_null(w->ids);
	for (uint32_t i = 0; i < WL_EVENTS; i++)
		w->ids[i] = i;
	wl_cur = w;
	for (uint32_t i = 0; i < WL_START; i++)
		wl_new_event(w);
	struct iov_err e;
	iov_err_clear(&e);
	/* in slices, so runs that end between events are part of the check */
	enum sim_run_result r;
	sim_time_t until = 0;
	do {
		until += 997;
		r = sim_run(k, until, &e);
	} while (r == SIM_RUN_UNTIL);
	assert_int_equal(r, SIM_RUN_EMPTY);
	assert_int_equal(sim_events_pending(k), 0);
	wl_cur = NULL;
	return w;
}

/* Run the workload through the brute-force reference. */
static struct wl *wl_run_reference(void)
{
	struct wl *w = wl_new(&wl_ref_ops);
	w->pend = malloc(WL_EVENTS * sizeof(*w->pend));
	assert_non_null(w->pend);
	for (uint32_t i = 0; i < WL_START; i++)
		wl_new_event(w);
	while (w->npend > 0) {
		size_t best = 0;
		for (size_t i = 1; i < w->npend; i++) {
			const struct ref_ev *a = &w->pend[i], *b = &w->pend[best];
			if (a->t < b->t || (a->t == b->t && a->seq < b->seq))
				best = i;
		}
		struct ref_ev ev = w->pend[best];
		w->pend[best] = w->pend[--w->npend];
		w->rnow = ev.t;
		wl_step(w, ev.id);
	}
	return w;
}

static size_t wl_events_run(const struct wl *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->nout; i += 2)
		n += (w->out[i] >> 63) == 0;  /* not a cancel record */
	return n;
}

static void test_random_workload_matches_reference(void **state)
{
	struct fx *f = *state;
	struct wl *got = wl_run_kernel(f->k);
	struct wl *want = wl_run_reference();
	assert_int_equal(got->issued, WL_EVENTS);
	assert_int_equal(got->nout, want->nout);
	assert_memory_equal(got->out, want->out, want->nout * sizeof(*want->out));
	assert_int_equal(sim_events_run(f->k), wl_events_run(want));
	assert_true(wl_events_run(want) > WL_EVENTS / 2);       /* the workload did run */
	wl_free(got);
	wl_free(want);
}

static void test_random_workload_same_on_both_kernels(void **state)
{
	(void)state;
	struct wl *logs[2];
	const enum sim_kernel_kind kinds[2] = { SIM_KERNEL_SYSTEMC, SIM_KERNEL_NATIVE };
	for (int i = 0; i < 2; i++) {
		struct iov_err e;
		iov_err_clear(&e);
		struct sim_kernel *k = sim_kernel_create(kinds[i], &e);
		assert_non_null(k);
		logs[i] = wl_run_kernel(k);
		sim_kernel_destroy(k);
	}
	assert_int_equal(logs[0]->nout, logs[1]->nout);
	assert_memory_equal(logs[0]->out, logs[1]->out, logs[0]->nout * sizeof(*logs[0]->out));
	wl_free(logs[0]);
	wl_free(logs[1]);
}

/* One test on one back end, named after both. */
#define ON(kind, f) { \
	.name = #kind "/" #f, .test_func = f, .setup_func = fx_setup, \
	.teardown_func = fx_teardown, .initial_state = (void *)&kind_##kind }
#define BOTH(f) ON(systemc, f), ON(native, f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		BOTH(test_starts_at_zero),
		BOTH(test_delays_in_time_order),
		BOTH(test_same_time_fifo),
		BOTH(test_zero_delay_chain),
		BOTH(test_schedule_at),
		BOTH(test_cancel),
		BOTH(test_cancel_stale_handle),
		BOTH(test_cancel_from_callback),
		BOTH(test_run_until),
		BOTH(test_run_until_boundary_from_callback),
		BOTH(test_run_in_slices),
		BOTH(test_large_times),
		BOTH(test_stop),
		BOTH(test_stop_with_until),
		BOTH(test_nested_run_is_an_error),
		BOTH(test_counts),
		BOTH(test_sequence_wrap_keeps_fifo),
		BOTH(test_recreate),
		ON(systemc, test_second_systemc_kernel_fails),
		BOTH(test_random_workload_matches_reference),
		cmocka_unit_test(test_random_workload_same_on_both_kernels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
