/* units_impl.h - private to units.c and units_scan.c: the lexer under every unit parser
 *
 * units_scan.c reads the pieces of a value (blanks, tokens, exact decimals,
 * hex, doubles), scales decimals exactly and builds the failure phrases;
 * units.c holds the kinds of value, their unit tables and the parsers.
 */
#ifndef IOVSIM_UNITS_IMPL_H
#define IOVSIM_UNITS_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#define UNITS_MAX_FRAC 19       /* fraction digits kept: 10^19 still fits in 64 bits */

/* What differs between the kinds of value: names and failure phrases. */
struct units_class {
	const char *what;       /* "size": used in quoted-text messages */
	const char *empty;      /* empty string */
	const char *number;     /* does not start with a number */
	const char *negative;   /* leading '-' */
	const char *nounit;     /* unit required but missing; NULL if optional */
	const char *unknown;    /* "unknown size unit" (followed by the quoted unit) */
	const char *allowed;    /* "; use ..." (follows the quoted unit) */
	const char *range;      /* does not fit */
	const char *fraction;   /* not a whole number (exact kinds only) */
	const char *nohex;      /* 0x given; NULL if hex is allowed (then without a unit) */
};

/* A non-negative decimal, kept exactly: ip + frac / 10^fdig. */
struct units_dec {
	uint64_t ip;            /* integer part */
	uint64_t frac;          /* first fdig fraction digits */
	unsigned fdig;          /* <= UNITS_MAX_FRAC */
	bool ovf;               /* integer part does not fit in 64 bits */
	bool lost;              /* a non-zero fraction digit beyond UNITS_MAX_FRAC was dropped */
};

/* characters and tokens (locale-independent) */
bool units_blank(char c);
bool units_digit(char c);
bool units_is_hex_prefix(const char *p, const char *end);
const char *units_skip_blanks(const char *p, const char *end);
void units_trim(const char *s, const char **b, const char **e);
bool units_tok_is(const char *p, const char *end, const char *name);
bool units_tok_is_nocase(const char *p, const char *end, const char *name);

/* failure phrases: a literal, or pre + the quoted text [p, end) + post */
void units_set(const char **why, const char *msg);
int units_fail_quoted(const char **why, const char *pre, const char *p, const char *end,
		      const char *post);

/* numbers at *pp: exact decimal, hex, double */
int units_scan_dec(const char **pp, const char *end, struct units_dec *d, const char **why);
int units_scan_hex(const char **pp, const char *end, uint64_t *v, bool *ovf, const char **why);
int units_scan_double(const char **pp, const char *end, double *v, const struct units_class *c,
		      const char **why);

/* exact scaling of a decimal: results */
enum { UNITS_OK, UNITS_OVERFLOW, UNITS_FRACTION };
int units_mul_exact(const struct units_dec *d, uint64_t m, uint64_t *out);
int units_mul_round(const struct units_dec *d, unsigned e, uint64_t *out);

#endif
