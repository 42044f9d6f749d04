/* units.h - parsing values with units: sizes, times, rates, frequencies */
#ifndef IOVSIM_UNITS_H
#define IOVSIM_UNITS_H

#include <stdint.h>

#include "simtime.h"

/*
 * All parsers take the whole string (surrounding blanks allowed, nothing else
 * after the unit), return 0 on success, and on failure return -1 with *why
 * pointing to a static phrase saying what is wrong and what is allowed,
 * e.g. "unknown size unit 'Kb'; use B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB (powers of 1000)".
 * Phrases that quote the input (unknown unit, trailing text) live in a
 * thread-local buffer valid until the next failing units_ call in that thread:
 * copy or print *why before parsing again. *why is untouched on success and
 * may be NULL. Out-parameters are written only on success.
 * A number may be an integer, a decimal (2.5) or hex (0x40, sizes and counts only,
 * and then without a unit: "0x1B" would be ambiguous); no sign, inf or nan
 * (units_parse_double alone takes a sign and an exponent, as do rates and
 * frequencies: 1e9Hz). Whitespace between number and unit is allowed ("4 KiB").
 */

/* Sizes in bytes: 64, 64B, 4KiB, 2MiB, 1GiB, 1TiB; 1kB/1KB = 1000; result must be integral. */
int units_parse_size(const char *s, uint64_t *bytes, const char **why);

/* Times: ps, ns, us, ms, s (a bare number is an error: the unit is required). Rounded to ps. */
int units_parse_time(const char *s, sim_time_t *ps, const char **why);

/* Data rates -> bytes per second: B/s, KB/s, MB/s, GB/s, TB/s (powers of 1000),
 * KiB/s, MiB/s, GiB/s, and bits: b/s, Kb/s, Mb/s, Gb/s, Tb/s, also bps/Kbps/Mbps/Gbps. */
int units_parse_bandwidth(const char *s, double *bytes_per_s, const char **why);

/* Transfer rates -> transfers per second: T/s, MT/s, GT/s (e.g. 8GT/s = 8e9). */
int units_parse_transfer_rate(const char *s, double *per_s, const char **why);

/* Frequencies -> Hz: Hz, kHz, MHz, GHz, in any case (mhz = MHz). */
int units_parse_freq(const char *s, double *hz, const char **why);

/* Unitless: integers (decimal or 0x hex, optional k/M/G suffix = 1e3/1e6/1e9) and doubles. */
int units_parse_u64(const char *s, uint64_t *v, const char **why);
int units_parse_double(const char *s, double *v, const char **why);
int units_parse_bool(const char *s, int *v, const char **why);   /* true/false/yes/no/on/off/1/0 */

/* Clock from a frequency: period rounded to the nearest ps (> 0). */
int units_clock_from_hz(double hz, struct sim_clock *out, const char **why);

/* Format helpers for summaries: "612.3 ns", "1.50 us", "4 KiB", "1.5 MiB". Return buf
 * (truncated to len - 1 chars; 32 bytes always suffice; buf untouched if len is 0). */
const char *units_fmt_time(sim_time_t ps, char *buf, unsigned len);
const char *units_fmt_size(uint64_t bytes, char *buf, unsigned len);

#endif
