/* units_scan.c - the lexer under the unit parsers: characters, exact decimals, hex, doubles,
 * exact scaling and failure phrases (locale-independent; see units.c for the grammar) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "units_impl.h"

static const char UNITS_MSG_POINT[] =
	"a decimal point must be followed by digits, e.g. 1.5";
static const char UNITS_MSG_HEXDIG[] =
	"'0x' must be followed by hex digits, e.g. 0x1000";

/* ---- small character helpers (locale-independent) ---- */

bool units_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool units_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int units_hexval(char c)
{
	if (units_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char units_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool units_is_hex_prefix(const char *p, const char *end)
{
	return end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
}

const char *units_skip_blanks(const char *p, const char *end)
{
	while (p < end && units_blank(*p))
		p++;
	return p;
}

/* The text of s (NULL reads as "") without leading and trailing blanks. */
void units_trim(const char *s, const char **b, const char **e)
{
	const char *p = s ? s : "", *end = p + strlen(p);

	p = units_skip_blanks(p, end);
	while (end > p && units_blank(end[-1]))
		end--;
	*b = p;
	*e = end;
}

/* Does [p, end) equal the NUL-terminated name? */
bool units_tok_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(end - p) == n && memcmp(p, name, n) == 0;
}

bool units_tok_is_nocase(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	if ((size_t)(end - p) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (units_lower(p[i]) != units_lower(name[i]))
			return false;
	return true;
}

/* ---- failure phrases ---- */

void units_set(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

/*
 * "<pre> '<text>'<post>" in a thread-local buffer. The quoted text is cut to
 * 24 bytes (on a UTF-8 character boundary) and control characters become '?'.
 */
int units_fail_quoted(const char **why, const char *pre, const char *p, const char *end,
		      const char *post)
{
	static _Thread_local char buf[400];
	char tok[32];
	size_t n = (size_t)(end - p), i;
	bool cut = n > 24;

	if (cut) {
		n = 24;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;            /* do not split a UTF-8 sequence */
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		tok[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
	}
	tok[i] = '\0';
	snprintf(buf, sizeof(buf), "%s '%s%s'%s", pre, tok, cut ? "..." : "", post);
	units_set(why, buf);
	return -1;
}

/* ---- numbers ---- */


static const uint64_t units_pow10_tab[UNITS_MAX_FRAC + 1] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

/* Scan digits ["." digits] at *pp (a digit is known to be there). */
int units_scan_dec(const char **pp, const char *end, struct units_dec *d, const char **why)
{
	const char *p = *pp;

	memset(d, 0, sizeof(*d));
	for (; p < end && units_digit(*p); p++) {
		uint64_t dig = (uint64_t)(*p - '0');
		if (d->ip > (UINT64_MAX - dig) / 10)
			d->ovf = true;
		else
			d->ip = d->ip * 10 + dig;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !units_digit(*p)) {
			units_set(why, UNITS_MSG_POINT);
			return -1;
		}
		for (; p < end && units_digit(*p); p++) {
			if (d->fdig < UNITS_MAX_FRAC) {
				d->frac = d->frac * 10 + (uint64_t)(*p - '0');
				d->fdig++;
			} else if (*p != '0') {
				d->lost = true;
			}
		}
	}
	*pp = p;
	return 0;
}

/* Scan "0x" hexdigits at *pp. Sets *ovf when the value exceeds 64 bits. */
int units_scan_hex(const char **pp, const char *end, uint64_t *v, bool *ovf, const char **why)
{
	const char *p = *pp + 2;
	int h;

	*v = 0;
	*ovf = false;
	if (p >= end || units_hexval(*p) < 0) {
		units_set(why, UNITS_MSG_HEXDIG);
		return -1;
	}
	for (; p < end && (h = units_hexval(*p)) >= 0; p++) {
		if (*v > (UINT64_MAX >> 4))
			*ovf = true;
		else
			*v = (*v << 4) | (uint64_t)h;
	}
	*pp = p;
	return 0;
}

/*
 * Scan a decimal floating-point number (digits ["." digits] [e [+-] digits])
 * at *pp and convert it with strtod. The text is checked first, so strtod
 * never sees hex, inf or nan, and stops exactly where the scan stopped.
 */
int units_scan_double(const char **pp, const char *end, double *v, const struct units_class *c,
		      const char **why)
{
	const char *p = *pp;
	char *stop;

	while (p < end && units_digit(*p))
		p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !units_digit(*p)) {
			units_set(why, UNITS_MSG_POINT);
			return -1;
		}
		while (p < end && units_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q < end && units_digit(*q)) {
			while (q < end && units_digit(*q))
				q++;
			p = q;
		}
	}
	errno = 0;
	*v = strtod(*pp, &stop);
	if (stop != p) {                /* cannot happen: the text was checked above */
		units_set(why, c->number);
		return -1;
	}
	if (!isfinite(*v)) {
		units_set(why, c->range);
		return -1;
	}
	*pp = p;
	return 0;
}

static uint64_t units_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* d * m exactly; UNITS_FRACTION if the product is not a whole number. */
int units_mul_exact(const struct units_dec *d, uint64_t m, uint64_t *out)
{
	uint64_t hi, fp = 0;

	if (d->ovf || (m && d->ip > UINT64_MAX / m))
		return UNITS_OVERFLOW;
	hi = d->ip * m;
	if (d->frac) {
		/* frac * m / 10^fdig: reduce by the common factor, then it must divide. */
		uint64_t p10 = units_pow10_tab[d->fdig];
		uint64_t g = units_gcd(m, p10);
		uint64_t dp = p10 / g;
		if (d->frac % dp)
			return UNITS_FRACTION;
		fp = (d->frac / dp) * (m / g);  /* < g * (m / g) = m: no overflow */
	}
	if (d->lost)
		return UNITS_FRACTION;  /* a digit past 10^-19 never scales to a whole */
	if (hi > UINT64_MAX - fp)
		return UNITS_OVERFLOW;
	*out = hi + fp;
	return UNITS_OK;
}

/* d * 10^e rounded to the nearest integer, halves away from zero (e <= 12). */
int units_mul_round(const struct units_dec *d, unsigned e, uint64_t *out)
{
	uint64_t m = units_pow10_tab[e], hi, fp;

	if (d->ovf || d->ip > UINT64_MAX / m)
		return UNITS_OVERFLOW;
	hi = d->ip * m;
	if (d->fdig <= e) {
		fp = d->frac * units_pow10_tab[e - d->fdig];    /* < 10^e */
	} else {
		uint64_t div = units_pow10_tab[d->fdig - e];
		uint64_t r = d->frac % div;
		fp = d->frac / div;
		/* Dropped digits (d->lost) only matter on an exact half, which rounds up anyway. */
		if (r >= div - r)
			fp++;
	}
	if (hi > UINT64_MAX - fp)
		return UNITS_OVERFLOW;
	*out = hi + fp;
	return UNITS_OK;
}

