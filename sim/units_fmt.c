/* units_fmt.c - formatting times and sizes for people (summaries, messages) */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

#define UNITS_N(a) (sizeof(a) / sizeof((a)[0]))

/* Remove trailing zeros after a decimal point, and the point if nothing is left. */
static void units_trim_zeros(char *num)
{
	char *dot = strchr(num, '.'), *e;

	if (!dot)
		return;
	e = num + strlen(num);
	while (e > dot + 1 && e[-1] == '0')
		e--;
	if (e == dot + 1)
		e = dot;
	*e = '\0';
}

const char *units_fmt_time(sim_time_t ps, char *buf, unsigned len)
{
	static const struct { const char *name; double scale; } tab[] = {
		{ "ns", 1e3 }, { "us", 1e6 }, { "ms", 1e9 }, { "s", 1e12 },
	};
	unsigned i = 0, n = UNITS_N(tab);
	double v;

	if (!buf || !len)
		return buf;
	if (ps < 1000) {
		snprintf(buf, len, "%llu ps", (unsigned long long)ps);
		return buf;
	}
	while (i + 1 < n && (double)ps >= tab[i + 1].scale)
		i++;
	v = (double)ps / tab[i].scale;
	if (i + 1 < n && v >= 999.95) {         /* would print as 1000.0: next unit */
		i++;
		v = (double)ps / tab[i].scale;
	}
	snprintf(buf, len, v < 9.995 ? "%.2f %s" : "%.1f %s", v, tab[i].name);
	return buf;
}

const char *units_fmt_size(uint64_t bytes, char *buf, unsigned len)
{
	static const char *const name[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned i = 0, n = UNITS_N(name);
	char num[32];
	double v;

	if (!buf || !len)
		return buf;
	while (i + 1 < n && bytes >> (10 * (i + 1)))
		i++;
	if ((bytes & ((1ull << (10 * i)) - 1)) == 0) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes >> (10 * i)), name[i]);
		return buf;
	}
	v = ldexp((double)bytes, -10 * (int)i);
	if (i + 1 < n && v >= 1023.5) {         /* would print as 1024: next unit */
		i++;
		v /= 1024.0;
	}
	snprintf(num, sizeof(num), v < 9.995 ? "%.2f" : v < 99.95 ? "%.1f" : "%.0f", v);
	units_trim_zeros(num);
	snprintf(buf, len, "%s %s", num, name[i]);
	return buf;
}
