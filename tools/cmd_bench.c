/* cmd_bench.c - `iovsim bench kernel`: events per second of the bare event kernels (hold model) */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kernel.h"
#include "rng.h"
#include "units.h"

/*
 * The classic hold model: P events are pending; each one, when it runs,
 * schedules its successor after a pseudo-random delay, so the queue stays at
 * P events while N events run. It measures the kernel alone: callbacks do
 * nothing else. Figures depend on the host and are printed, never asserted.
 */

#define BENCH_CMD "bench kernel"
#define BENCH_MAX_DELAY 2000    /* ps; delays are uniform in 1..BENCH_MAX_DELAY */
#define BENCH_SEED 1
#define BENCH_MAX_EVENTS 1000000000000ull      /* hours of CPU: enough */
#define BENCH_MAX_PENDING 10000000ull          /* ~400 MB of queue */

static const char bench_usage[] =
	"usage: iovsim bench kernel [--kernel systemc|native|both] [--events N] [--pending P]\n"
	"\n"
	"Events per second of the bare event kernels, hold model: P events pending, each\n"
	"rescheduling itself after a pseudo-random delay, until N events have run.\n"
	"  --kernel K    systemc, native or both (default both)\n"
	"  --events N    events to run (default 10M; k/M/G suffixes allowed)\n"
	"  --pending P   events kept pending (default 1024)\n"
	"Prints one line per kernel. Exit status: 0 ok, 2 usage, 3 internal error.\n";

struct bench_opts {
	bool kinds[2];          /* indexed by enum sim_kernel_kind */
	uint64_t events;
	uint64_t pending;
};

struct bench_hold {
	struct sim_kernel *k;
	struct rng r;
	uint64_t left;          /* events still to run */
	bool failed;            /* a schedule failed (out of memory) */
};

static void bench_hold_event(void *arg)
{
	struct bench_hold *b = arg;
	if (--b->left == 0) {
		sim_stop(b->k);
		return;
	}
	sim_time_t delay = 1 + rng_below(&b->r, BENCH_MAX_DELAY);
	if (!sim_schedule(b->k, delay, bench_hold_event, b)) {
		b->failed = true;
		sim_stop(b->k);
	}
}

static double bench_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run the hold model on one kernel kind and print its line. Returns an exit status. */
static int bench_one(enum sim_kernel_kind kind, const struct bench_opts *o)
{
	struct iov_err e;
	iov_err_clear(&e);
	struct bench_hold b = { .left = o->events };
	rng_seed(&b.r, BENCH_SEED);
	b.k = sim_kernel_create(kind, &e);
	if (!b.k) {
		fprintf(stderr, "iovsim " BENCH_CMD ": %s\n", e.msg);
		return e.status ? e.status : IOV_INTERNAL;
	}
	for (uint64_t i = 0; i < o->pending && !b.failed; i++)
		if (!sim_schedule(b.k, 1 + rng_below(&b.r, BENCH_MAX_DELAY), bench_hold_event, &b))
			b.failed = true;
	double t0 = bench_clock();
	enum sim_run_result r = b.failed ? SIM_RUN_ERROR : sim_run(b.k, SIM_TIME_MAX, &e);
	double wall = bench_clock() - t0;
	uint64_t ran = sim_events_run(b.k);
	sim_kernel_destroy(b.k);
	if (b.failed || r == SIM_RUN_ERROR) {
		fprintf(stderr, "iovsim " BENCH_CMD ": error: %s kernel: %s\n", sim_kernel_kind_name(kind),
			b.failed ? "out of memory" : e.msg);
		return IOV_INTERNAL;
	}
	printf("kernel %s: %.1f M events/s (%" PRIu64 " events, %" PRIu64 " pending)\n",
	       sim_kernel_kind_name(kind), wall > 0 ? (double)ran / wall / 1e6 : 0.0, ran,
	       o->pending);
	fflush(stdout);
	return IOV_OK;
}

/* Returns 0, or an exit status (2 usage, -1 help printed). */
static int bench_parse_args(int argc, char **argv, struct bench_opts *o)
{
	*o = (struct bench_opts){ .kinds = { true, true }, .events = 10000000, .pending = 1024 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL, *why;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(bench_usage, stdout);
			return -1;
		} else if (!strcmp(a, "--kernel")) {
			enum sim_kernel_kind k;
			if (val && !strcmp(val, "both")) {
				o->kinds[SIM_KERNEL_SYSTEMC] = o->kinds[SIM_KERNEL_NATIVE] = true;
			} else if (val && !sim_kernel_kind_parse(val, &k)) {
				o->kinds[SIM_KERNEL_SYSTEMC] = o->kinds[SIM_KERNEL_NATIVE] = false;
				o->kinds[k] = true;
			} else {
				return cli_usage_error(BENCH_CMD, "--kernel takes systemc, native or both");
			}
			i++;
		} else if (!strcmp(a, "--events") || !strcmp(a, "--pending")) {
			bool ev = !strcmp(a, "--events");
			uint64_t v, max = ev ? BENCH_MAX_EVENTS : BENCH_MAX_PENDING;
			if (!val || units_parse_u64(val, &v, &why) || v == 0 || v > max)
				return cli_usage_error(BENCH_CMD, "%s takes an integer in 1..%" PRIu64
						       " (k/M/G suffixes allowed)", a, max);
			*(ev ? &o->events : &o->pending) = v;
			i++;
		} else {
			return cli_usage_error(BENCH_CMD, "unknown argument '%s'", a);
		}
	}
	return 0;
}

int cmd_bench_kernel(int argc, char **argv)
{
	struct bench_opts o;
	int st = bench_parse_args(argc, argv, &o);
	if (st)
		return st < 0 ? IOV_OK : st;
	/* systemc first: it is the default kernel, and 'both' then reads top-down */
	const enum sim_kernel_kind order[] = { SIM_KERNEL_SYSTEMC, SIM_KERNEL_NATIVE };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!o.kinds[order[i]])
			continue;
		st = bench_one(order[i], &o);
		if (st)
			return st;
	}
	return IOV_OK;
}
