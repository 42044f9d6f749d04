/* test_run.h - for unit tests: build (and run) a scenario from YAML text, read its stats
 * (include after cmocka.h) */
#ifndef IOVSIM_TEST_RUN_H
#define IOVSIM_TEST_RUN_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

struct run {
	struct scenario *scen;
	struct sim *s;
	struct iov_err e;
	int status;                     /* 0 built (and run if asked), else e.status */
};

/* Load text as a scenario file, build it on the native kernel (seed 1) and,
 * with execute, run it. Bad input is not a test failure: r->status says. */
static inline void run_text(struct run *r, const char *text, bool execute)
{
	char path[] = "/tmp/iovsim-test-run-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(r, 0, sizeof(*r));
	if (scenario_load(path, NULL, 0, NULL, &r->scen, &r->e) == 0) {
		r->s = sim_build(r->scen, SIM_KERNEL_NATIVE, 1, &r->e);
		if (r->s && execute && sim_execute(r->s, NULL, NULL, &r->e)) {
			sim_destroy(r->s);
			r->s = NULL;
		}
	}
	unlink(path);
	r->status = r->s ? 0 : r->e.status;
}

static inline void run_free(struct run *r)
{
	sim_destroy(r->s);
	scenario_free(r->scen);
}

/* A stat of a finished run; fails the test if it does not exist. */
static inline double stat(const struct run *r, const char *path)
{
	double v = -1;
	if (stats_get(r->s->stats, path, &v))
		fail_msg("no stat %s", path);
	return v;
}

#endif
