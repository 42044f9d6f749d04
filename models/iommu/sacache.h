/* sacache.h - a generic set-associative cache of fixed-size entries (no timing)
 *
 * One structure behind every cache of the IOMMU model: the IOTLB, the
 * paging-structure (walk) caches and the context cache (iotlb.h), and any
 * device-side translation cache. It stores entries and picks victims; it
 * knows nothing about time: the component that owns it charges latencies.
 *
 * Geometry: 'entries' slots in sets of 'ways' (ways == entries: fully
 * associative; ways == 1: direct-mapped); sets = entries / ways, any count
 * >= 1 (a power of two is the usual case and is indexed by a mask).
 *
 * Entry: a 64-bit key and a 32-bit aux built by the caller, and a 64-bit
 * value. An entry matches (key, tag) when its key equals key and
 * (aux & aux_tag_mask) == (tag & aux_tag_mask): aux_tag_mask, fixed at
 * create, says which aux bits are part of the tag (0 for most caches: the
 * key alone is the tag). The caller also chooses the set (sacache_index
 * offers the usual hash) and must use the same set for the same key.
 *
 * Replacement: an invalid way of the set is always filled first (the
 * lowest-numbered one); otherwise the victim is
 *   lru     the way least recently inserted or hit (exact: a 64-bit stamp
 *           per entry, the smallest one loses);
 *   plru    tree pseudo-LRU (ways a power of two): ways-1 bits per set in a
 *           binary tree; an access sets every bit on its path to point away
 *           from the accessed way; the victim is found by following the
 *           bits from the root (bit 0: left half, 1: right half);
 *   random  a uniform way from the cache's own xoshiro256** stream, seeded
 *           at create (same seed, same victims).
 * Lookups that hit and inserts update the replacement state; invalidation
 * does not (an invalidated way is just refilled first).
 *
 * Memory: everything is allocated by sacache_create; lookup, insert and
 * invalidation never allocate. Lookup and insert are O(ways); predicate
 * invalidation and count are O(entries).
 *
 * Not modelled: timing, ports, lookups in flight, per-way locking, ECC.
 */
#ifndef IOVSIM_SACACHE_H
#define IOVSIM_SACACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct stats;

enum sacache_policy { SACACHE_LRU, SACACHE_PLRU, SACACHE_RANDOM };

/* "lru", "plru", "random", NULL: the PARAM_ENUM names, in enum order. */
extern const char *const sacache_policy_names[];

#define SACACHE_MAX_ENTRIES (1u << 24)

/*
 * Geometry and policy: the one parameter block of every cache. The field
 * types are those cfg_load_params writes (PARAM_U64, PARAM_ENUM), so a
 * component can embed the block in its params and describe it with
 * SACACHE_PARAMS below.
 */
struct sacache_geom {
	uint64_t entries;       /* total slots, 1..SACACHE_MAX_ENTRIES */
	uint64_t ways;          /* 1..entries, divides entries */
	int policy;             /* enum sacache_policy; plru needs ways a power of two */
};

/*
 * Three param_desc rows "<pfx>_entries", "<pfx>_ways", "<pfx>_policy" for a
 * struct sacache_geom at 'member' of the params struct 'type'. min_entries is
 * 0 where an absent cache is allowed. Needs config.h (included above) and
 * <stddef.h>. Cross-field rules (ways divides entries, plru needs a power of
 * two) are checked by sacache_geom_check, which the owner calls at create.
 */
#define SACACHE_PARAMS(pfx, type, member, def_entries, def_ways, def_policy, min_entries, what) \
	{ pfx "_entries", PARAM_U64, offsetof(type, member.entries), def_entries,               \
	  (min_entries), SACACHE_MAX_ENTRIES, NULL, what ": number of entries" },                  \
	{ pfx "_ways", PARAM_U64, offsetof(type, member.ways), def_ways, 1, SACACHE_MAX_ENTRIES,  \
	  NULL, what ": associativity (1 = direct-mapped; = entries: fully associative)" },       \
	{ pfx "_policy", PARAM_ENUM, offsetof(type, member.policy), def_policy, 0, 0,           \
	  sacache_policy_names, what ": replacement (lru, plru = tree pseudo-LRU, random)" }

struct sacache_entry {
	uint64_t key;
	uint64_t value;
	uint32_t aux;           /* tag bits (aux_tag_mask) and caller data */
	bool valid;             /* read-only for callers */
};

/* ---- counters -------------------------------------------------------------------- */

/*
 * A small block of named event counters. The hot path bumps *p[i]; p[i]
 * points at own[i] until sacache_ctrs_register moves the counters into a
 * stats registry (values so far are carried over), after which the registry
 * holds the only copy.
 */
#define SACACHE_CTRS_MAX 20

struct sacache_ctr_desc {
	const char *name;       /* last path component, e.g. "hits" */
	const char *desc;       /* one line for docs/stats.md */
};

struct sacache_ctrs {
	const struct sacache_ctr_desc *desc;
	unsigned n;
	uint64_t *p[SACACHE_CTRS_MAX];
	uint64_t own[SACACHE_CTRS_MAX];
};

/* Point n (<= SACACHE_CTRS_MAX) counters at their own zeroed storage. */
void sacache_ctrs_init(struct sacache_ctrs *b, const struct sacache_ctr_desc *desc, unsigned n);

/*
 * Register every counter as "<prefix>.<name>" (unit "") in s and move it
 * there: from then on s holds the counters, so s must outlive every later
 * use of the cache. Returns 0, or -1 with e set (duplicate path, out of
 * memory); on failure the counters already moved stay moved (all remain
 * usable).
 */
int sacache_ctrs_register(struct sacache_ctrs *b, struct stats *s, const char *prefix,
			  struct iov_err *e);

static inline void sacache_ctr_add(struct sacache_ctrs *b, unsigned i, uint64_t v)
{
	*b->p[i] += v;
}

static inline uint64_t sacache_ctr_get(const struct sacache_ctrs *b, unsigned i)
{
	return *b->p[i];
}

/* The counters of every sacache (index into sacache_counters(c)->p). */
enum sacache_ctr {
	SACACHE_C_LOOKUPS,      /* sacache_lookup calls */
	SACACHE_C_HITS,
	SACACHE_C_MISSES,
	SACACHE_C_INSERTS,      /* sacache_insert calls, new key or update */
	SACACHE_C_UPDATES,      /* inserts whose key was present: updated in place */
	SACACHE_C_EVICTIONS,    /* valid entries replaced by an insert */
	SACACHE_C_INVALIDATIONS,/* entries removed by invalidate_key / invalidate_if / flush */
	SACACHE_C__COUNT
};

/* ---- the cache -------------------------------------------------------------------- */

struct sacache;

typedef bool (*sacache_pred_fn)(const struct sacache_entry *ent, void *arg);

/*
 * Check a geometry: entries in 1..SACACHE_MAX_ENTRIES, ways in 1..entries
 * and dividing entries, policy known, plru with ways a power of two.
 * 'what' names the cache in the message ("iommu 'vtd0': iotlb").
 * Returns 0, or -1 with e set (IOV_BAD_INPUT).
 */
int sacache_geom_check(const struct sacache_geom *g, const char *what, struct iov_err *e);

/*
 * Create an empty cache. aux_tag_mask: the aux bits compared on lookup (see
 * top). seed: the random policy's stream (ignored by lru and plru).
 * Returns the cache (owned by the caller, free with sacache_destroy), or
 * NULL with e set: IOV_BAD_INPUT for a bad geometry, IOV_INTERNAL when out
 * of memory.
 */
struct sacache *sacache_create(const struct sacache_geom *g, uint32_t aux_tag_mask,
			       uint64_t seed, const char *what, struct iov_err *e);

/* Free the cache and everything it holds. NULL is allowed. */
void sacache_destroy(struct sacache *c);

/* The geometry as created (sets = entries / ways). */
uint64_t sacache_entries(const struct sacache *c);
uint64_t sacache_ways(const struct sacache *c);
uint64_t sacache_sets(const struct sacache *c);

/*
 * The usual set index: (x XOR fold(salt)) mod sets, where fold XORs the
 * salt's successive b-bit chunks together, b = ceil(log2(sets)). With a
 * power-of-two set count this is "the low b bits of x, XOR the folded
 * salt". Typical use: x = a page number, salt = a domain id, so that
 * domains using the same addresses spread over different sets.
 * Always < sacache_sets(c).
 */
uint64_t sacache_index(const struct sacache *c, uint64_t x, uint64_t salt);

/*
 * Find the entry matching (key, tag) in set 'set' (< sets, else NULL).
 * On a hit the entry becomes most recently used and the entry is returned:
 * the caller may change its value and the non-tag bits of aux, nothing else;
 * the pointer is valid until the next insert or invalidation. On a miss,
 * NULL. Counts a lookup and a hit or miss.
 */
struct sacache_entry *sacache_lookup(struct sacache *c, uint64_t key, uint64_t set, uint32_t tag);

/*
 * As sacache_lookup, but with no effect at all: no replacement update, no
 * counters. For checks and tests.
 */
const struct sacache_entry *sacache_peek(const struct sacache *c, uint64_t key, uint64_t set,
					 uint32_t tag);

/*
 * Insert (key, value, aux) into set 'set' (< sets, else nothing happens and
 * false is returned). If an entry matching (key, aux) is present its value
 * and aux are replaced in place (an update, no eviction); otherwise the
 * victim way (see top) receives it. The entry becomes most recently used.
 * Returns true when a valid entry was evicted, and then copies it to
 * *victim if victim is not NULL.
 */
bool sacache_insert(struct sacache *c, uint64_t key, uint64_t set, uint64_t value, uint32_t aux,
		    struct sacache_entry *victim);

/* Invalidate the entry matching (key, tag) in set 'set'. Returns true if there was one. */
bool sacache_invalidate_key(struct sacache *c, uint64_t key, uint64_t set, uint32_t tag);

/*
 * Invalidate every valid entry for which pred(entry, arg) returns true
 * (pred must not touch the cache). Returns the number invalidated.
 */
size_t sacache_invalidate_if(struct sacache *c, sacache_pred_fn pred, void *arg);

/* Invalidate everything. Returns the number of entries that were valid. */
size_t sacache_flush(struct sacache *c);

/* Number of valid entries (kept up to date: O(1)). */
uint64_t sacache_count_valid(const struct sacache *c);

/* Slot i (0..entries-1, set-major: set * ways + way), valid or not; NULL if out of range. */
const struct sacache_entry *sacache_slot(const struct sacache *c, uint64_t i);

/* The counters (enum sacache_ctr); register them with sacache_ctrs_register. */
struct sacache_ctrs *sacache_counters(struct sacache *c);

#endif
