/* sacache.c - a generic set-associative cache: storage, lookup, LRU / tree-PLRU / random victims
 *
 * See sacache.h for the contract. Layout: one array of entries, set-major
 * (slot = set * ways + way); lru adds one 64-bit stamp per slot, plru one
 * byte per tree node (node 1..ways-1 of set s at s * ways + node, node 0
 * unused), random one xoshiro256** state.
 *
 * Not modelled: timing (the owner charges it), ports, concurrency.
 */
#include "sacache.h"

#include <stdio.h>
#include <stdlib.h>

#include "rng.h"
#include "stats.h"

const char *const sacache_policy_names[] = { "lru", "plru", "random", NULL };

struct sacache {
	struct sacache_entry *ent;
	uint64_t *stamp;        /* lru: last use, per slot */
	uint8_t *tree;          /* plru: node bits, per set */
	uint64_t tick;          /* lru clock */
	struct rng rng;         /* random */
	uint64_t entries, ways, sets;
	uint64_t set_mask;      /* sets - 1 when sets is a power of two, else 0 */
	unsigned index_bits;    /* ceil(log2(sets)) */
	bool pow2_sets;
	enum sacache_policy policy;
	uint32_t tag_mask;
	uint64_t nvalid;
	struct sacache_ctrs ctrs;
};

static const struct sacache_ctr_desc sacache_ctr_descs[SACACHE_C__COUNT] = {
	[SACACHE_C_LOOKUPS] = { "lookups", "lookups" },
	[SACACHE_C_HITS] = { "hits", "lookups that found a matching entry" },
	[SACACHE_C_MISSES] = { "misses", "lookups that found none" },
	[SACACHE_C_INSERTS] = { "inserts", "inserts (new entries and in-place updates)" },
	[SACACHE_C_UPDATES] = { "updates", "inserts whose key was present (updated in place)" },
	[SACACHE_C_EVICTIONS] = { "evictions", "valid entries replaced to make room" },
	[SACACHE_C_INVALIDATIONS] = { "invalidations", "entries removed by invalidation" },
};

/* ---- counters -------------------------------------------------------------------- */

void sacache_ctrs_init(struct sacache_ctrs *b, const struct sacache_ctr_desc *desc, unsigned n)
{
	if (n > SACACHE_CTRS_MAX)
		n = SACACHE_CTRS_MAX;
	b->desc = desc;
	b->n = n;
	for (unsigned i = 0; i < SACACHE_CTRS_MAX; i++) {
		b->own[i] = 0;
		b->p[i] = &b->own[i];
	}
}

int sacache_ctrs_register(struct sacache_ctrs *b, struct stats *s, const char *prefix,
			  struct iov_err *e)
{
	char path[256];
	for (unsigned i = 0; i < b->n; i++) {
		int w = snprintf(path, sizeof(path), "%s.%s", prefix, b->desc[i].name);
		if (w < 0 || (size_t)w >= sizeof(path))
			return iov_err_set(e, IOV_INTERNAL, "stat path too long: '%s.%s'", prefix,
					   b->desc[i].name);
		uint64_t *p = stats_counter(s, path, "", b->desc[i].desc, e);
		if (!p)
			return -1;
		*p = *b->p[i];
		b->p[i] = p;
	}
	return 0;
}

/* ---- create ---------------------------------------------------------------------- */

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

int sacache_geom_check(const struct sacache_geom *g, const char *what, struct iov_err *e)
{
	if (g->entries < 1 || g->entries > SACACHE_MAX_ENTRIES)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: entries %llu out of range 1..%u", what,
				   (unsigned long long)g->entries, SACACHE_MAX_ENTRIES);
	if (g->ways < 1 || g->ways > g->entries || g->entries % g->ways)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "%s: ways %llu must be in 1..entries and divide entries (%llu)",
				   what, (unsigned long long)g->ways, (unsigned long long)g->entries);
	if (g->policy < SACACHE_LRU || g->policy > SACACHE_RANDOM)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: unknown replacement policy %d", what,
				   g->policy);
	if (g->policy == SACACHE_PLRU && !is_pow2(g->ways))
		return iov_err_set(e, IOV_BAD_INPUT,
				   "%s: plru needs ways a power of two (ways %llu); use lru or random",
				   what, (unsigned long long)g->ways);
	return 0;
}

struct sacache *sacache_create(const struct sacache_geom *g, uint32_t aux_tag_mask,
			       uint64_t seed, const char *what, struct iov_err *e)
{
	if (sacache_geom_check(g, what, e))
		return NULL;
	struct sacache *c = calloc(1, sizeof(*c));
	if (!c)
		goto oom;
	c->entries = g->entries;
	c->ways = g->ways;
	c->sets = g->entries / g->ways;
	c->pow2_sets = is_pow2(c->sets);
	c->set_mask = c->pow2_sets ? c->sets - 1 : 0;
	while (((uint64_t)1 << c->index_bits) < c->sets)
		c->index_bits++;
	c->policy = (enum sacache_policy)g->policy;
	c->tag_mask = aux_tag_mask;
	rng_seed(&c->rng, seed);
	sacache_ctrs_init(&c->ctrs, sacache_ctr_descs, SACACHE_C__COUNT);
	if (!(c->ent = calloc(c->entries, sizeof(*c->ent))))
		goto oom;
	if (c->policy == SACACHE_LRU && !(c->stamp = calloc(c->entries, sizeof(*c->stamp))))
		goto oom;
	if (c->policy == SACACHE_PLRU && !(c->tree = calloc(c->entries, 1)))
		goto oom;
	return c;
oom:
	sacache_destroy(c);
	iov_err_set(e, IOV_INTERNAL, "%s: out of memory for %llu cache entries", what,
		    (unsigned long long)g->entries);
	return NULL;
}

void sacache_destroy(struct sacache *c)
{
	if (!c)
		return;
	free(c->ent);
	free(c->stamp);
	free(c->tree);
	free(c);
}

uint64_t sacache_entries(const struct sacache *c) { return c->entries; }
uint64_t sacache_ways(const struct sacache *c) { return c->ways; }
uint64_t sacache_sets(const struct sacache *c) { return c->sets; }
uint64_t sacache_count_valid(const struct sacache *c) { return c->nvalid; }
struct sacache_ctrs *sacache_counters(struct sacache *c) { return &c->ctrs; }

const struct sacache_entry *sacache_slot(const struct sacache *c, uint64_t i)
{
	return i < c->entries ? &c->ent[i] : NULL;
}

uint64_t sacache_index(const struct sacache *c, uint64_t x, uint64_t salt)
{
	uint64_t fold = 0;
	if (c->index_bits) {
		uint64_t m = ((uint64_t)1 << c->index_bits) - 1;
		for (; salt; salt >>= c->index_bits)
			fold ^= salt & m;
	}
	x ^= fold;
	return c->pow2_sets ? x & c->set_mask : x % c->sets;
}

/* ---- replacement ----------------------------------------------------------------- */

/* Make 'way' of 'set' the most recently used. */
static void sacache_touch(struct sacache *c, uint64_t set, uint64_t way)
{
	switch (c->policy) {
	case SACACHE_LRU:
		c->stamp[set * c->ways + way] = ++c->tick;
		break;
	case SACACHE_PLRU: {
		uint8_t *t = &c->tree[set * c->ways];
		for (uint64_t node = c->ways + way; node > 1; node >>= 1)
			t[node >> 1] = !(node & 1);     /* came from the left: point right, and vice versa */
		break;
	}
	case SACACHE_RANDOM:
		break;
	}
}

static uint64_t sacache_victim(struct sacache *c, uint64_t set)
{
	const struct sacache_entry *s = &c->ent[set * c->ways];
	for (uint64_t w = 0; w < c->ways; w++)
		if (!s[w].valid)
			return w;
	switch (c->policy) {
	case SACACHE_LRU: {
		const uint64_t *st = &c->stamp[set * c->ways];
		uint64_t best = 0;
		for (uint64_t w = 1; w < c->ways; w++)
			if (st[w] < st[best])
				best = w;
		return best;
	}
	case SACACHE_PLRU: {
		const uint8_t *t = &c->tree[set * c->ways];
		uint64_t node = 1;
		while (node < c->ways)
			node = 2 * node + t[node];
		return node - c->ways;
	}
	case SACACHE_RANDOM:
		break;
	}
	return rng_below(&c->rng, c->ways);
}

/* ---- operations ------------------------------------------------------------------ */

/* The way of set 'set' matching (key, tag), or c->ways. */
static uint64_t sacache_find(const struct sacache *c, uint64_t key, uint64_t set, uint32_t tag)
{
	const struct sacache_entry *s = &c->ent[set * c->ways];
	for (uint64_t w = 0; w < c->ways; w++)
		if (s[w].valid && s[w].key == key && !((s[w].aux ^ tag) & c->tag_mask))
			return w;
	return c->ways;
}

struct sacache_entry *sacache_lookup(struct sacache *c, uint64_t key, uint64_t set, uint32_t tag)
{
	sacache_ctr_add(&c->ctrs, SACACHE_C_LOOKUPS, 1);
	uint64_t w = set < c->sets ? sacache_find(c, key, set, tag) : c->ways;
	if (w == c->ways) {
		sacache_ctr_add(&c->ctrs, SACACHE_C_MISSES, 1);
		return NULL;
	}
	sacache_ctr_add(&c->ctrs, SACACHE_C_HITS, 1);
	sacache_touch(c, set, w);
	return &c->ent[set * c->ways + w];
}

const struct sacache_entry *sacache_peek(const struct sacache *c, uint64_t key, uint64_t set,
					 uint32_t tag)
{
	if (set >= c->sets)
		return NULL;
	uint64_t w = sacache_find(c, key, set, tag);
	return w == c->ways ? NULL : &c->ent[set * c->ways + w];
}

bool sacache_insert(struct sacache *c, uint64_t key, uint64_t set, uint64_t value, uint32_t aux,
		    struct sacache_entry *victim)
{
	if (set >= c->sets)
		return false;
	sacache_ctr_add(&c->ctrs, SACACHE_C_INSERTS, 1);
	bool evicted = false;
	uint64_t w = sacache_find(c, key, set, aux);
	if (w < c->ways) {
		sacache_ctr_add(&c->ctrs, SACACHE_C_UPDATES, 1);
	} else {
		w = sacache_victim(c, set);
		struct sacache_entry *v = &c->ent[set * c->ways + w];
		if (v->valid) {
			evicted = true;
			sacache_ctr_add(&c->ctrs, SACACHE_C_EVICTIONS, 1);
			if (victim)
				*victim = *v;
		} else {
			c->nvalid++;
		}
	}
	struct sacache_entry *x = &c->ent[set * c->ways + w];
	x->key = key;
	x->value = value;
	x->aux = aux;
	x->valid = true;
	sacache_touch(c, set, w);
	return evicted;
}

static void sacache_kill(struct sacache *c, struct sacache_entry *x)
{
	x->valid = false;
	c->nvalid--;
	sacache_ctr_add(&c->ctrs, SACACHE_C_INVALIDATIONS, 1);
}

bool sacache_invalidate_key(struct sacache *c, uint64_t key, uint64_t set, uint32_t tag)
{
	if (set >= c->sets)
		return false;
	uint64_t w = sacache_find(c, key, set, tag);
	if (w == c->ways)
		return false;
	sacache_kill(c, &c->ent[set * c->ways + w]);
	return true;
}

size_t sacache_invalidate_if(struct sacache *c, sacache_pred_fn pred, void *arg)
{
	size_t n = 0;
	for (uint64_t i = 0; i < c->entries && c->nvalid; i++) {
		struct sacache_entry *x = &c->ent[i];
		if (x->valid && pred(x, arg)) {
			sacache_kill(c, x);
			n++;
		}
	}
	return n;
}

size_t sacache_flush(struct sacache *c)
{
	size_t n = 0;
	for (uint64_t i = 0; i < c->entries && c->nvalid; i++)
		if (c->ent[i].valid) {
			sacache_kill(c, &c->ent[i]);
			n++;
		}
	return n;
}
