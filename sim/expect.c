/* expect.c - checking a scenario's expect: assertions against the run's stats */
#include <math.h>
#include <stdio.h>

#include "sim.h"

static void expect_fail(FILE *out, const struct scenario_expect *x, double v, const char *want)
{
	fprintf(out, "%s:%d:%d: expect failed: %s = %.10g; wanted %s\n", x->loc.file, x->loc.line,
		x->loc.col, x->stat, v, want);
}

int sim_check_expects(const struct scenario *scen, const struct stats *st, FILE *out)
{
	int failed = 0;
	char want[128];

	for (size_t i = 0; i < scen->nexpects; i++) {
		const struct scenario_expect *x = &scen->expects[i];
		double v;
		if (stats_get(st, x->stat, &v)) {
			fprintf(out, "%s:%d:%d: expect failed: no numeric stat '%s' after the run\n",
				x->loc.file, x->loc.line, x->loc.col, x->stat);
			failed++;
			continue;
		}
		int bad = 0;
		if (x->has_eq && v != x->eq) {
			snprintf(want, sizeof(want), "== %.10g", x->eq);
			expect_fail(out, x, v, want);
			bad = 1;
		}
		if (!bad && x->has_min && !(v >= x->min)) {
			snprintf(want, sizeof(want), ">= %.10g", x->min);
			expect_fail(out, x, v, want);
			bad = 1;
		}
		if (!bad && x->has_max && !(v <= x->max)) {
			snprintf(want, sizeof(want), "<= %.10g", x->max);
			expect_fail(out, x, v, want);
			bad = 1;
		}
		if (!bad && x->has_approx && !(fabs(v - x->approx) <= x->tol * fabs(x->approx))) {
			snprintf(want, sizeof(want), "%.10g within %.3g%% (off by %.3g%%)", x->approx,
				 x->tol * 100.0,
				 x->approx != 0 ? fabs(v - x->approx) / fabs(x->approx) * 100.0 : INFINITY);
			expect_fail(out, x, v, want);
			bad = 1;
		}
		failed += bad;
	}
	return failed;
}
