/* rng.h - deterministic pseudo-random numbers (xoshiro256**, seeded by splitmix64) */
#ifndef IOVSIM_RNG_H
#define IOVSIM_RNG_H

#include <stdint.h>

/*
 * Every consumer gets its own stream derived from (run seed, a stable name),
 * so adding a component does not shift another component's random sequence.
 */
struct rng { uint64_t s[4]; };

static inline uint64_t rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix64(&x);
}

/* Seed from a run seed and a name (FNV-1a of the name mixed in). */
static inline void rng_seed_named(struct rng *r, uint64_t seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = name; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	rng_seed(r, seed ^ h);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's method). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t x = rng_next(r);
	__uint128_t m = (__uint128_t)x * n;
	uint64_t l = (uint64_t)m;
	if (l < n) {
		uint64_t t = -n % n;
		while (l < t) {
			x = rng_next(r);
			m = (__uint128_t)x * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Uniform double in [0, 1). */
static inline double rng_unit(struct rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

#endif
