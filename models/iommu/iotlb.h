/* iotlb.h - the IOMMU's translation caches: IOTLB, paging-structure (walk) caches, context cache
 *
 * Pure data structures over sacache.h: no simulated time inside. The IOMMU
 * component looks up, inserts and invalidates, and charges the latencies
 * itself (e.g. steps x IOTLB lookup latency, one memory read per page-table
 * level the walk caches did not skip). docs/models/iommu-caches.md has the
 * details, the measurements and the hardware they stand for.
 *
 * Tags used throughout: a 16-bit domain id, an optional 20-bit PASID
 * (IOTLB_NO_PASID for requests without one: a separate tag, not a wildcard),
 * and IOVAs below 2^57 (5-level tables; 4-level tables use the low 48 bits).
 *
 * Not modelled here: timing, lookups in flight, hits under misses (the
 * component's walker queue does that), ATS device TLBs (a separate sacache
 * user), caching of faults or non-present entries, interrupt-entry cache.
 */
#ifndef IOVSIM_IOTLB_H
#define IOVSIM_IOTLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sacache.h"

struct stats;

#define IOTLB_NO_PASID UINT32_MAX       /* request without PASID */
#define IOTLB_PASID_MAX ((1u << 20) - 1)
#define IOTLB_IOVA_BITS 57

#define IOTLB_PERM_R 1u
#define IOTLB_PERM_W 2u

enum iotlb_page_size { IOTLB_4K, IOTLB_2M, IOTLB_1G, IOTLB_NSIZES };

/* "4KiB", "2MiB", "1GiB". */
extern const char *const iotlb_size_names[IOTLB_NSIZES];

static inline unsigned iotlb_page_shift(enum iotlb_page_size s) { return 12u + 9u * (unsigned)s; }
static inline uint64_t iotlb_page_bytes(enum iotlb_page_size s)
{
	return (uint64_t)1 << iotlb_page_shift(s);
}

/* ======================================================================== */
/* IOTLB: (domain, PASID, IOVA page, page size) -> host page + permissions  */
/* ======================================================================== */

/*
 * Either one unified array holding all page sizes, or (split) one array per
 * page size. A lookup cannot know the page size in advance:
 *   unified: the set for 4 KiB is probed, then 2 MiB, then 1 GiB, stopping
 *            at the first hit: steps = probes = 1, 2 or 3 on a hit (by the
 *            size found), 3 on a miss;
 *   split:   every present array is probed at once: probes = the number of
 *            arrays, steps = 1.
 * Charge latency per step. Set index for page size s:
 *   sacache_index(array, iova >> shift(s), domain)
 * = (page number XOR the domain folded to the index width) mod sets.
 */
struct iotlb_params {
	int split;                              /* PARAM_BOOL: separate arrays per page size */
	struct sacache_geom unified;            /* used when !split */
	struct sacache_geom size[IOTLB_NSIZES]; /* used when split; entries 0: no array for it */
};

struct iotlb_result {
	uint64_t hpa;                   /* hit: the translated address of the iova */
	uint64_t page_hpa;              /* hit: the host page's base */
	uint64_t page_iova;             /* hit: the IOVA page's base */
	enum iotlb_page_size size;      /* hit: the cached page's size */
	uint32_t perms;                 /* hit: IOTLB_PERM_R | IOTLB_PERM_W */
	unsigned probes;                /* hit or miss: set probes made (array accesses) */
	unsigned steps;                 /* hit or miss: sequential probe rounds (for latency) */
};

enum iotlb_ctr {
	IOTLB_C_LOOKUPS,
	IOTLB_C_HITS,
	IOTLB_C_MISSES,
	IOTLB_C_HITS_4K,
	IOTLB_C_HITS_2M,
	IOTLB_C_HITS_1G,
	IOTLB_C_PROBES,
	IOTLB_C_STEPS,
	IOTLB_C_INSERTS,
	IOTLB_C_EVICTIONS,
	IOTLB_C_SPLINTERED,     /* inserts cached as a smaller page (no array for their size) */
	IOTLB_C_UNCACHED,       /* inserts not cached at all (no array for that size or smaller) */
	IOTLB_C_INV_GLOBAL,     /* invalidation requests, by kind */
	IOTLB_C_INV_DOMAIN,
	IOTLB_C_INV_PASID,
	IOTLB_C_INV_PAGE,
	IOTLB_C_INVALIDATED,    /* entries removed by them */
	IOTLB_C__COUNT
};

struct iotlb;

/*
 * Check params (each array's geometry, at least one array when split);
 * 'what' names the owner in messages. Returns 0 or -1 with e set
 * (IOV_BAD_INPUT).
 */
int iotlb_params_check(const struct iotlb_params *p, const char *what, struct iov_err *e);

/*
 * Create an empty IOTLB. seed feeds the random policy (each array gets its
 * own stream derived from it). Returns it (owned by the caller,
 * iotlb_destroy), or NULL with e set (bad params: IOV_BAD_INPUT; out of
 * memory: IOV_INTERNAL). Nothing is allocated after this.
 */
struct iotlb *iotlb_create(const struct iotlb_params *p, uint64_t seed, const char *what,
			   struct iov_err *e);

/* Free it. NULL is allowed. */
void iotlb_destroy(struct iotlb *t);

/*
 * Look iova up for (domain, pasid). Returns true on a hit and fills all of
 * *r; on a miss only r->probes and r->steps. The hit entry becomes most
 * recently used in its array. An iova at or above 2^57 or a pasid that is
 * neither <= IOTLB_PASID_MAX nor IOTLB_NO_PASID misses with no probe.
 * If the same iova is cached under several sizes (a stale entry left over
 * from a remap), the smallest size wins.
 */
bool iotlb_lookup(struct iotlb *t, uint16_t domain, uint32_t pasid, uint64_t iova,
		  struct iotlb_result *r);

/*
 * Cache the translation of the page of size 'size' holding iova (any
 * address inside it) to the host page at hpa_page (aligned to 'size'),
 * with perms (IOTLB_PERM_*; other bits dropped). An existing entry with the
 * same tag is updated in place. In split mode a size without an array is
 * splintered: the largest smaller size that has an array is cached for the
 * sub-page holding iova; with none, nothing is cached (both counted).
 * Returns 0, or -1 for bad arguments (iova >= 2^57, misaligned hpa_page,
 * bad size or pasid) with nothing changed.
 */
int iotlb_insert(struct iotlb *t, uint16_t domain, uint32_t pasid, uint64_t iova,
		 enum iotlb_page_size size, uint64_t hpa_page, uint32_t perms);

/* Invalidate everything. Returns the number of entries removed (as do all below). */
size_t iotlb_invalidate_global(struct iotlb *t);

/* Every entry of the domain, any PASID. */
size_t iotlb_invalidate_domain(struct iotlb *t, uint16_t domain);

/* Every entry of (domain, pasid); pasid may be IOTLB_NO_PASID (the untagged entries). */
size_t iotlb_invalidate_pasid(struct iotlb *t, uint16_t domain, uint32_t pasid);

/*
 * Every entry of the domain (any PASID) whose page overlaps
 * [iova, iova + size_bytes) (clipped at 2^64): a 4 KiB range inside a
 * cached 2 MiB page removes that 2 MiB entry. size_bytes 0: nothing.
 */
size_t iotlb_invalidate_page(struct iotlb *t, uint16_t domain, uint64_t iova,
			     uint64_t size_bytes);

/* As iotlb_invalidate_page, restricted to one PASID tag. */
size_t iotlb_invalidate_pasid_page(struct iotlb *t, uint16_t domain, uint32_t pasid,
				   uint64_t iova, uint64_t size_bytes);

/* Valid entries over all arrays; whether the arrays are split by page size. */
uint64_t iotlb_count_valid(const struct iotlb *t);
bool iotlb_is_split(const struct iotlb *t);

/* The array that holds page size s (the unified one when not split), or NULL. */
struct sacache *iotlb_array(struct iotlb *t, enum iotlb_page_size s);

/* Counters (enum iotlb_ctr): read with sacache_ctr_get, register under a prefix with
 * iotlb_stats_register ("iommu.iotlb" -> "iommu.iotlb.hits" ...). */
struct sacache_ctrs *iotlb_counters(struct iotlb *t);
int iotlb_stats_register(struct iotlb *t, struct stats *s, const char *prefix, struct iov_err *e);

/* ======================================================================== */
/* Paging-structure caches: one per non-leaf level of the table             */
/* ======================================================================== */

/*
 * Levels are numbered like the entries they hold: 1 = PTE (leaf, only in
 * the IOTLB), 2 = PDE, 3 = PDPTE, 4 = PML4E, 5 = PML5E. The cache of level L
 * (2 <= L <= levels) holds non-leaf level-L entries, keyed by (domain,
 * PASID tag, iova >> (12 + 9 * (L - 1))): the IOVA bits that select the
 * entries of level L and above. Its value is the address of the level L-1
 * table that entry points to, so a hit at level L leaves L - 1 reads
 * (levels L-1 .. 1); a full miss leaves 'levels' reads from the root.
 * Set index: sacache_index(cache_L, iova >> shift(L), domain).
 */
#define PWC_MAX_LEVELS 5

struct pwc_params {
	uint64_t levels;                                /* 3 (39-bit), 4 (48) or 5 (57) */
	struct sacache_geom level[PWC_MAX_LEVELS + 1];  /* [L], L = 2..levels; entries 0:
							 * not cached; [0], [1] unused */
};

enum pwc_ctr {
	PWC_C_LOOKUPS,
	PWC_C_HITS,             /* lookups where some level hit */
	PWC_C_MISSES,           /* lookups where none did: the walk starts at the root */
	PWC_C_INSERTS,
	PWC_C_INV_GLOBAL,
	PWC_C_INV_DOMAIN,
	PWC_C_INV_PASID,
	PWC_C_INV_PAGE,
	PWC_C_INVALIDATED,
	PWC_C__COUNT
};

struct pwc;

/* Check levels (4 or 5) and each cached level's geometry. Returns 0 or -1 with e set
 * (IOV_BAD_INPUT). */
int pwc_params_check(const struct pwc_params *p, const char *what, struct iov_err *e);

/* Create (see iotlb_create for ownership, errors and seed). No level cached at all is
 * allowed (every walk then starts at the root). */
struct pwc *pwc_create(const struct pwc_params *p, uint64_t seed, const char *what,
		       struct iov_err *e);
/* Free it. NULL is allowed. */
void pwc_destroy(struct pwc *w);

/*
 * Probe the level caches from the deepest (2) up and stop at the first hit.
 * Returns true with *entry_level = that level L and *table_addr = the level
 * L-1 table to read next; false when nothing hit (iova outside the table's
 * width, or bad pasid, also miss). Only the hit entry's replacement state
 * changes; each probed level counts a lookup in its own sacache counters.
 */
bool pwc_lookup_deepest(struct pwc *w, uint16_t domain, uint32_t pasid, uint64_t iova,
			unsigned *entry_level, uint64_t *table_addr);

/*
 * Cache the non-leaf level-L entry used to translate iova: it points to the
 * level L-1 table at table_addr (4 KiB aligned). A level without a cache
 * ignores it. Returns 0, or -1 for bad arguments (L outside 2..levels, iova
 * beyond the width, misaligned table_addr, bad pasid).
 */
int pwc_insert(struct pwc *w, uint16_t domain, uint32_t pasid, uint64_t iova, unsigned level,
	       uint64_t table_addr);

/* Invalidation; each returns the number of entries removed. Global: all; domain: every
 * entry of the domain, any PASID; pasid: the entries of (domain, pasid tag). */
size_t pwc_invalidate_global(struct pwc *w);
size_t pwc_invalidate_domain(struct pwc *w, uint16_t domain);
size_t pwc_invalidate_pasid(struct pwc *w, uint16_t domain, uint32_t pasid);
/* Every entry of the domain (any PASID) whose IOVA span (2^(12+9(L-1)) bytes at level L)
 * overlaps [iova, iova + size_bytes). */
size_t pwc_invalidate_page(struct pwc *w, uint16_t domain, uint64_t iova, uint64_t size_bytes);

/* Valid entries over all levels. */
uint64_t pwc_count_valid(const struct pwc *w);

/* The cache of level L, or NULL when that level is not cached. */
struct sacache *pwc_level(struct pwc *w, unsigned level);

/* Counters (enum pwc_ctr). pwc_stats_register also registers each cached level's sacache
 * counters under "<prefix>.l<L>" (e.g. "iommu.pwc.l2.hits"). */
struct sacache_ctrs *pwc_counters(struct pwc *w);
int pwc_stats_register(struct pwc *w, struct stats *s, const char *prefix, struct iov_err *e);

/* ======================================================================== */
/* Context cache: (requester ID, PASID) -> domain, table root, levels, flags */
/* ======================================================================== */

struct context_entry {
	uint16_t domain;
	uint16_t flags;         /* the component's bits (translation type, FPD, ...) */
	uint8_t levels;         /* page-table levels, 0..15 */
	uint64_t root;          /* page-table root, 4 KiB aligned */
};

struct context_cache;

/* Create (see iotlb_create). Set index: sacache_index(cache, rid, pasid or 0). */
struct context_cache *context_cache_create(const struct sacache_geom *g, uint64_t seed,
					   const char *what, struct iov_err *e);
/* Free it. NULL is allowed. */
void context_cache_destroy(struct context_cache *cc);

/* Look (rid, pasid) up; on a hit copy the entry to *out and return true. */
bool context_cache_lookup(struct context_cache *cc, uint16_t rid, uint32_t pasid,
			  struct context_entry *out);

/* Cache (rid, pasid) -> *ent (updated in place if present). Returns 0, or -1 for a
 * misaligned root, levels > 15 or a bad pasid. */
int context_cache_insert(struct context_cache *cc, uint16_t rid, uint32_t pasid,
			 const struct context_entry *ent);

/* Invalidation; each returns the number of entries removed. Device-selective: every
 * PASID of that requester; domain-selective: every entry whose domain is 'domain'. */
size_t context_cache_invalidate_device(struct context_cache *cc, uint16_t rid);
size_t context_cache_invalidate_domain(struct context_cache *cc, uint16_t domain);
size_t context_cache_invalidate_global(struct context_cache *cc);

/* Valid entries. */
uint64_t context_cache_count_valid(const struct context_cache *cc);

/* The underlying cache; its counters are the context cache's (enum sacache_ctr). */
struct sacache *context_cache_array(struct context_cache *cc);

#endif
