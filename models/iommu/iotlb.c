/* iotlb.c - the IOMMU's translation caches: IOTLB, paging-structure caches, context cache
 *
 * Three thin users of sacache (see iotlb.h for the contracts). Encodings:
 *
 *   IOTLB  key   bits  0..44  page-aligned IOVA >> 12 (57-bit IOVA)
 *                bits 45..46  page size (enum iotlb_page_size)
 *                bits 47..62  domain id
 *          aux   bits  0..19  PASID, bit 20 "has PASID"   (the tag: mask 0x1fffff)
 *                bits 24..25  permissions (IOTLB_PERM_*)
 *          value host page base
 *   PWC    key   bits  0..44  iova >> (12 + 9 (L - 1)), bits 47..62 domain; aux as IOTLB
 *          value address of the level L-1 table
 *   context key   bits  0..15 requester ID, 16..35 PASID, 36 "has PASID"
 *          value table root | levels (low 4 bits); aux domain | flags << 16
 *
 * Not modelled: see iotlb.h.
 */
#include "iotlb.h"

#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

#define KEY_VPN_MASK    (((uint64_t)1 << 45) - 1)
#define KEY_SIZE_SHIFT  45
#define KEY_DOM_SHIFT   47
#define AUX_HAS_PASID   (1u << 20)
#define AUX_TAG_MASK    0x1fffffu
#define AUX_PERM_SHIFT  24
#define PAGE_4K_MASK    ((uint64_t)0xfff)

const char *const iotlb_size_names[IOTLB_NSIZES] = { "4KiB", "2MiB", "1GiB" };

/* ---- shared helpers ---------------------------------------------------------------- */

static bool pasid_ok(uint32_t pasid) { return pasid <= IOTLB_PASID_MAX || pasid == IOTLB_NO_PASID; }

static uint32_t pasid_tag(uint32_t pasid)
{
	return pasid == IOTLB_NO_PASID ? 0 : AUX_HAS_PASID | pasid;
}

static uint16_t key_domain(uint64_t key) { return (uint16_t)(key >> KEY_DOM_SHIFT); }

/* A distinct, reproducible random stream for sub-cache i. */
static uint64_t sub_seed(uint64_t seed, unsigned i)
{
	uint64_t x = seed ^ ((uint64_t)(i + 1) << 40);
	return rng_splitmix64(&x);
}

/* [first, last] of [iova, iova + size) clipped at 2^64; false when size is 0. */
static bool range_of(uint64_t iova, uint64_t size, uint64_t *first, uint64_t *last)
{
	if (!size)
		return false;
	*first = iova;
	*last = size - 1 > UINT64_MAX - iova ? UINT64_MAX : iova + size - 1;
	return true;
}

/* Which entries an invalidation removes (IOTLB and PWC share it). */
struct inv_match {
	uint16_t domain;
	bool by_pasid;
	uint32_t tag;           /* by_pasid: the aux tag */
	bool by_range;
	uint64_t first, last;   /* by_range: inclusive */
	unsigned shift;         /* PWC: span of an entry of the level scanned; IOTLB: 0 (from key) */
};

static bool inv_matches(const struct sacache_entry *x, void *arg)
{
	const struct inv_match *m = arg;
	if (key_domain(x->key) != m->domain)
		return false;
	if (m->by_pasid && (x->aux & AUX_TAG_MASK) != m->tag)
		return false;
	if (!m->by_range)
		return true;
	unsigned shift = m->shift;
	uint64_t base;
	if (shift) {
		base = (x->key & KEY_VPN_MASK) << shift;
	} else {
		shift = iotlb_page_shift((enum iotlb_page_size)((x->key >> KEY_SIZE_SHIFT) & 3));
		base = (x->key & KEY_VPN_MASK) << 12;
	}
	uint64_t end = base + (((uint64_t)1 << shift) - 1);
	return base <= m->last && m->first <= end;
}

/* ======================================================================== */
/* IOTLB                                                                     */
/* ======================================================================== */

struct iotlb {
	bool split;
	struct sacache *arr[IOTLB_NSIZES];      /* holder of each size (unified: all the same) */
	struct sacache *list[IOTLB_NSIZES];     /* the distinct arrays */
	unsigned n;
	struct sacache_ctrs ctrs;
};

static const struct sacache_ctr_desc iotlb_ctr_descs[IOTLB_C__COUNT] = {
	[IOTLB_C_LOOKUPS] = { "lookups", "IOTLB lookups" },
	[IOTLB_C_HITS] = { "hits", "IOTLB lookups that hit" },
	[IOTLB_C_MISSES] = { "misses", "IOTLB lookups that missed" },
	[IOTLB_C_HITS_4K] = { "hits_4k", "hits on 4 KiB pages" },
	[IOTLB_C_HITS_2M] = { "hits_2m", "hits on 2 MiB pages" },
	[IOTLB_C_HITS_1G] = { "hits_1g", "hits on 1 GiB pages" },
	[IOTLB_C_PROBES] = { "probes", "set probes (array accesses) made by lookups" },
	[IOTLB_C_STEPS] = { "steps", "sequential probe rounds made by lookups" },
	[IOTLB_C_INSERTS] = { "inserts", "translations inserted" },
	[IOTLB_C_EVICTIONS] = { "evictions", "valid entries evicted by inserts" },
	[IOTLB_C_SPLINTERED] = { "splintered", "inserts cached as a smaller page" },
	[IOTLB_C_UNCACHED] = { "uncached", "inserts with no array to hold them" },
	[IOTLB_C_INV_GLOBAL] = { "inv_global", "global invalidation requests" },
	[IOTLB_C_INV_DOMAIN] = { "inv_domain", "domain-selective invalidation requests" },
	[IOTLB_C_INV_PASID] = { "inv_pasid", "PASID-selective invalidation requests" },
	[IOTLB_C_INV_PAGE] = { "inv_page", "page-selective invalidation requests" },
	[IOTLB_C_INVALIDATED] = { "invalidated", "entries removed by invalidation" },
};

int iotlb_params_check(const struct iotlb_params *p, const char *what, struct iov_err *e)
{
	char name[256];
	if (!p->split) {
		snprintf(name, sizeof(name), "%s: iotlb", what);
		return sacache_geom_check(&p->unified, name, e);
	}
	unsigned present = 0;
	for (unsigned s = 0; s < IOTLB_NSIZES; s++) {
		if (!p->size[s].entries)
			continue;
		present++;
		snprintf(name, sizeof(name), "%s: iotlb %s array", what, iotlb_size_names[s]);
		if (sacache_geom_check(&p->size[s], name, e))
			return -1;
	}
	if (!present)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "%s: split iotlb without any array (all entries 0)", what);
	return 0;
}

struct iotlb *iotlb_create(const struct iotlb_params *p, uint64_t seed, const char *what,
			   struct iov_err *e)
{
	if (iotlb_params_check(p, what, e))
		return NULL;
	struct iotlb *t = calloc(1, sizeof(*t));
	if (!t) {
		iov_err_set(e, IOV_INTERNAL, "%s: out of memory", what);
		return NULL;
	}
	t->split = p->split;
	sacache_ctrs_init(&t->ctrs, iotlb_ctr_descs, IOTLB_C__COUNT);
	for (unsigned s = 0; s < IOTLB_NSIZES; s++) {
		const struct sacache_geom *g = t->split ? &p->size[s] : &p->unified;
		if (!t->split && s > 0) {
			t->arr[s] = t->arr[0];
			continue;
		}
		if (!g->entries)
			continue;
		if (!(t->arr[s] = sacache_create(g, AUX_TAG_MASK, sub_seed(seed, s), what, e)))
			goto err;
		t->list[t->n++] = t->arr[s];
	}
	return t;
err:
	iotlb_destroy(t);
	return NULL;
}

void iotlb_destroy(struct iotlb *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->n; i++)
		sacache_destroy(t->list[i]);
	free(t);
}

static uint64_t iotlb_key(uint16_t domain, uint64_t page_iova, enum iotlb_page_size s)
{
	return (page_iova >> 12) | (uint64_t)s << KEY_SIZE_SHIFT | (uint64_t)domain << KEY_DOM_SHIFT;
}

static struct sacache_entry *iotlb_probe(struct iotlb *t, enum iotlb_page_size s,
					 uint16_t domain, uint32_t tag, uint64_t iova)
{
	struct sacache *c = t->arr[s];
	uint64_t base = iova & ~(iotlb_page_bytes(s) - 1);
	return sacache_lookup(c, iotlb_key(domain, base, s),
			      sacache_index(c, iova >> iotlb_page_shift(s), domain), tag);
}

bool iotlb_lookup(struct iotlb *t, uint16_t domain, uint32_t pasid, uint64_t iova,
		  struct iotlb_result *r)
{
	const struct sacache_entry *hit = NULL;
	enum iotlb_page_size hs = IOTLB_4K;
	r->probes = r->steps = 0;
	sacache_ctr_add(&t->ctrs, IOTLB_C_LOOKUPS, 1);
	if (!(iova >> IOTLB_IOVA_BITS) && pasid_ok(pasid)) {
		uint32_t tag = pasid_tag(pasid);
		for (unsigned s = 0; s < IOTLB_NSIZES && !(hit && !t->split); s++) {
			if (!t->arr[s])
				continue;
			const struct sacache_entry *x = iotlb_probe(t, s, domain, tag, iova);
			r->probes++;
			if (x && !hit) {
				hit = x;
				hs = (enum iotlb_page_size)s;
			}
		}
		r->steps = t->split ? 1 : r->probes;
	}
	sacache_ctr_add(&t->ctrs, IOTLB_C_PROBES, r->probes);
	sacache_ctr_add(&t->ctrs, IOTLB_C_STEPS, r->steps);
	if (!hit) {
		sacache_ctr_add(&t->ctrs, IOTLB_C_MISSES, 1);
		return false;
	}
	sacache_ctr_add(&t->ctrs, IOTLB_C_HITS, 1);
	sacache_ctr_add(&t->ctrs, IOTLB_C_HITS_4K + hs, 1);
	r->size = hs;
	r->page_iova = iova & ~(iotlb_page_bytes(hs) - 1);
	r->page_hpa = hit->value;
	r->hpa = hit->value + (iova - r->page_iova);
	r->perms = (hit->aux >> AUX_PERM_SHIFT) & (IOTLB_PERM_R | IOTLB_PERM_W);
	return true;
}

int iotlb_insert(struct iotlb *t, uint16_t domain, uint32_t pasid, uint64_t iova,
		 enum iotlb_page_size size, uint64_t hpa_page, uint32_t perms)
{
	if ((unsigned)size >= IOTLB_NSIZES || iova >> IOTLB_IOVA_BITS || !pasid_ok(pasid) ||
	    (hpa_page & (iotlb_page_bytes(size) - 1)))
		return -1;
	sacache_ctr_add(&t->ctrs, IOTLB_C_INSERTS, 1);
	int s = (int)size;
	while (s >= 0 && !t->arr[s])
		s--;
	if (s < 0) {
		sacache_ctr_add(&t->ctrs, IOTLB_C_UNCACHED, 1);
		return 0;
	}
	if (s != (int)size)
		sacache_ctr_add(&t->ctrs, IOTLB_C_SPLINTERED, 1);
	enum iotlb_page_size cs = (enum iotlb_page_size)s;
	uint64_t page = iova & ~(iotlb_page_bytes(size) - 1);
	uint64_t base = iova & ~(iotlb_page_bytes(cs) - 1);
	struct sacache *c = t->arr[cs];
	uint32_t aux = pasid_tag(pasid) | (perms & (IOTLB_PERM_R | IOTLB_PERM_W)) << AUX_PERM_SHIFT;
	if (sacache_insert(c, iotlb_key(domain, base, cs),
			   sacache_index(c, iova >> iotlb_page_shift(cs), domain),
			   hpa_page + (base - page), aux, NULL))
		sacache_ctr_add(&t->ctrs, IOTLB_C_EVICTIONS, 1);
	return 0;
}

static size_t iotlb_invalidate(struct iotlb *t, enum iotlb_ctr kind, struct inv_match *m)
{
	size_t n = 0;
	sacache_ctr_add(&t->ctrs, kind, 1);
	for (unsigned i = 0; i < t->n; i++)
		n += m ? sacache_invalidate_if(t->list[i], inv_matches, m) : sacache_flush(t->list[i]);
	sacache_ctr_add(&t->ctrs, IOTLB_C_INVALIDATED, n);
	return n;
}

size_t iotlb_invalidate_global(struct iotlb *t)
{
	return iotlb_invalidate(t, IOTLB_C_INV_GLOBAL, NULL);
}

size_t iotlb_invalidate_domain(struct iotlb *t, uint16_t domain)
{
	struct inv_match m = { .domain = domain };
	return iotlb_invalidate(t, IOTLB_C_INV_DOMAIN, &m);
}

size_t iotlb_invalidate_pasid(struct iotlb *t, uint16_t domain, uint32_t pasid)
{
	if (!pasid_ok(pasid))
		return 0;
	struct inv_match m = { .domain = domain, .by_pasid = true, .tag = pasid_tag(pasid) };
	return iotlb_invalidate(t, IOTLB_C_INV_PASID, &m);
}

size_t iotlb_invalidate_page(struct iotlb *t, uint16_t domain, uint64_t iova, uint64_t size_bytes)
{
	struct inv_match m = { .domain = domain, .by_range = true };
	if (!range_of(iova, size_bytes, &m.first, &m.last))
		return 0;
	return iotlb_invalidate(t, IOTLB_C_INV_PAGE, &m);
}

size_t iotlb_invalidate_pasid_page(struct iotlb *t, uint16_t domain, uint32_t pasid,
				   uint64_t iova, uint64_t size_bytes)
{
	struct inv_match m = { .domain = domain, .by_pasid = true, .tag = pasid_tag(pasid),
			       .by_range = true };
	if (!pasid_ok(pasid) || !range_of(iova, size_bytes, &m.first, &m.last))
		return 0;
	return iotlb_invalidate(t, IOTLB_C_INV_PAGE, &m);
}

uint64_t iotlb_count_valid(const struct iotlb *t)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < t->n; i++)
		n += sacache_count_valid(t->list[i]);
	return n;
}

bool iotlb_is_split(const struct iotlb *t) { return t->split; }

struct sacache *iotlb_array(struct iotlb *t, enum iotlb_page_size s)
{
	return (unsigned)s < IOTLB_NSIZES ? t->arr[s] : NULL;
}

struct sacache_ctrs *iotlb_counters(struct iotlb *t) { return &t->ctrs; }

int iotlb_stats_register(struct iotlb *t, struct stats *s, const char *prefix, struct iov_err *e)
{
	return sacache_ctrs_register(&t->ctrs, s, prefix, e);
}

/* ======================================================================== */
/* Paging-structure caches                                                   */
/* ======================================================================== */

struct pwc {
	unsigned levels;
	struct sacache *lvl[PWC_MAX_LEVELS + 1];
	struct sacache_ctrs ctrs;
};

static const struct sacache_ctr_desc pwc_ctr_descs[PWC_C__COUNT] = {
	[PWC_C_LOOKUPS] = { "lookups", "walk-cache lookups (one per walk)" },
	[PWC_C_HITS] = { "hits", "lookups where some level hit" },
	[PWC_C_MISSES] = { "misses", "lookups where no level hit (walk from the root)" },
	[PWC_C_INSERTS] = { "inserts", "non-leaf entries inserted" },
	[PWC_C_INV_GLOBAL] = { "inv_global", "global invalidation requests" },
	[PWC_C_INV_DOMAIN] = { "inv_domain", "domain-selective invalidation requests" },
	[PWC_C_INV_PASID] = { "inv_pasid", "PASID-selective invalidation requests" },
	[PWC_C_INV_PAGE] = { "inv_page", "page-selective invalidation requests" },
	[PWC_C_INVALIDATED] = { "invalidated", "entries removed by invalidation" },
};

static unsigned pwc_shift(unsigned level) { return 12u + 9u * (level - 1u); }

int pwc_params_check(const struct pwc_params *p, const char *what, struct iov_err *e)
{
	char name[256];
	if (p->levels < 3 || p->levels > PWC_MAX_LEVELS)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "%s: page-table levels must be 3, 4 or 5, not %llu", what,
				   (unsigned long long)p->levels);
	for (unsigned l = 2; l <= p->levels; l++) {
		if (!p->level[l].entries)
			continue;
		snprintf(name, sizeof(name), "%s: level-%u walk cache", what, l);
		if (sacache_geom_check(&p->level[l], name, e))
			return -1;
	}
	return 0;
}

struct pwc *pwc_create(const struct pwc_params *p, uint64_t seed, const char *what,
		       struct iov_err *e)
{
	if (pwc_params_check(p, what, e))
		return NULL;
	struct pwc *w = calloc(1, sizeof(*w));
	if (!w) {
		iov_err_set(e, IOV_INTERNAL, "%s: out of memory", what);
		return NULL;
	}
	w->levels = (unsigned)p->levels;
	sacache_ctrs_init(&w->ctrs, pwc_ctr_descs, PWC_C__COUNT);
	for (unsigned l = 2; l <= w->levels; l++) {
		if (!p->level[l].entries)
			continue;
		if (!(w->lvl[l] = sacache_create(&p->level[l], AUX_TAG_MASK, sub_seed(seed, 8 + l),
						 what, e))) {
			pwc_destroy(w);
			return NULL;
		}
	}
	return w;
}

void pwc_destroy(struct pwc *w)
{
	if (!w)
		return;
	for (unsigned l = 0; l <= PWC_MAX_LEVELS; l++)
		sacache_destroy(w->lvl[l]);
	free(w);
}

static uint64_t pwc_key(uint16_t domain, uint64_t iova, unsigned level)
{
	return (iova >> pwc_shift(level)) | (uint64_t)domain << KEY_DOM_SHIFT;
}

static bool pwc_iova_ok(const struct pwc *w, uint64_t iova)
{
	return !(iova >> (12u + 9u * w->levels));
}

bool pwc_lookup_deepest(struct pwc *w, uint16_t domain, uint32_t pasid, uint64_t iova,
			unsigned *entry_level, uint64_t *table_addr)
{
	sacache_ctr_add(&w->ctrs, PWC_C_LOOKUPS, 1);
	if (pwc_iova_ok(w, iova) && pasid_ok(pasid)) {
		for (unsigned l = 2; l <= w->levels; l++) {
			struct sacache *c = w->lvl[l];
			if (!c)
				continue;
			const struct sacache_entry *x =
				sacache_lookup(c, pwc_key(domain, iova, l),
					       sacache_index(c, iova >> pwc_shift(l), domain),
					       pasid_tag(pasid));
			if (x) {
				*entry_level = l;
				*table_addr = x->value;
				sacache_ctr_add(&w->ctrs, PWC_C_HITS, 1);
				return true;
			}
		}
	}
	sacache_ctr_add(&w->ctrs, PWC_C_MISSES, 1);
	return false;
}

int pwc_insert(struct pwc *w, uint16_t domain, uint32_t pasid, uint64_t iova, unsigned level,
	       uint64_t table_addr)
{
	if (level < 2 || level > w->levels || !pwc_iova_ok(w, iova) || !pasid_ok(pasid) ||
	    (table_addr & PAGE_4K_MASK))
		return -1;
	struct sacache *c = w->lvl[level];
	if (!c)
		return 0;
	sacache_ctr_add(&w->ctrs, PWC_C_INSERTS, 1);
	sacache_insert(c, pwc_key(domain, iova, level),
		       sacache_index(c, iova >> pwc_shift(level), domain), table_addr,
		       pasid_tag(pasid), NULL);
	return 0;
}

static size_t pwc_invalidate(struct pwc *w, enum pwc_ctr kind, struct inv_match *m)
{
	size_t n = 0;
	sacache_ctr_add(&w->ctrs, kind, 1);
	for (unsigned l = 2; l <= w->levels; l++) {
		if (!w->lvl[l])
			continue;
		if (m) {
			m->shift = pwc_shift(l);
			n += sacache_invalidate_if(w->lvl[l], inv_matches, m);
		} else {
			n += sacache_flush(w->lvl[l]);
		}
	}
	sacache_ctr_add(&w->ctrs, PWC_C_INVALIDATED, n);
	return n;
}

size_t pwc_invalidate_global(struct pwc *w) { return pwc_invalidate(w, PWC_C_INV_GLOBAL, NULL); }

size_t pwc_invalidate_domain(struct pwc *w, uint16_t domain)
{
	struct inv_match m = { .domain = domain };
	return pwc_invalidate(w, PWC_C_INV_DOMAIN, &m);
}

size_t pwc_invalidate_pasid(struct pwc *w, uint16_t domain, uint32_t pasid)
{
	if (!pasid_ok(pasid))
		return 0;
	struct inv_match m = { .domain = domain, .by_pasid = true, .tag = pasid_tag(pasid) };
	return pwc_invalidate(w, PWC_C_INV_PASID, &m);
}

size_t pwc_invalidate_page(struct pwc *w, uint16_t domain, uint64_t iova, uint64_t size_bytes)
{
	struct inv_match m = { .domain = domain, .by_range = true };
	if (!range_of(iova, size_bytes, &m.first, &m.last))
		return 0;
	return pwc_invalidate(w, PWC_C_INV_PAGE, &m);
}

uint64_t pwc_count_valid(const struct pwc *w)
{
	uint64_t n = 0;
	for (unsigned l = 2; l <= w->levels; l++)
		if (w->lvl[l])
			n += sacache_count_valid(w->lvl[l]);
	return n;
}

struct sacache *pwc_level(struct pwc *w, unsigned level)
{
	return level <= PWC_MAX_LEVELS ? w->lvl[level] : NULL;
}

struct sacache_ctrs *pwc_counters(struct pwc *w) { return &w->ctrs; }

int pwc_stats_register(struct pwc *w, struct stats *s, const char *prefix, struct iov_err *e)
{
	char path[256];
	if (sacache_ctrs_register(&w->ctrs, s, prefix, e))
		return -1;
	for (unsigned l = 2; l <= w->levels; l++) {
		if (!w->lvl[l])
			continue;
		snprintf(path, sizeof(path), "%s.l%u", prefix, l);
		if (sacache_ctrs_register(sacache_counters(w->lvl[l]), s, path, e))
			return -1;
	}
	return 0;
}

/* ======================================================================== */
/* Context cache                                                             */
/* ======================================================================== */

struct context_cache {
	struct sacache *c;
};

struct context_cache *context_cache_create(const struct sacache_geom *g, uint64_t seed,
					   const char *what, struct iov_err *e)
{
	struct context_cache *cc = calloc(1, sizeof(*cc));
	if (!cc) {
		iov_err_set(e, IOV_INTERNAL, "%s: out of memory", what);
		return NULL;
	}
	if (!(cc->c = sacache_create(g, 0, sub_seed(seed, 16), what, e))) {
		free(cc);
		return NULL;
	}
	return cc;
}

void context_cache_destroy(struct context_cache *cc)
{
	if (!cc)
		return;
	sacache_destroy(cc->c);
	free(cc);
}

static uint64_t ctx_key(uint16_t rid, uint32_t pasid)
{
	return rid | (uint64_t)pasid_tag(pasid) << 16;
}

static uint64_t ctx_set(const struct context_cache *cc, uint16_t rid, uint32_t pasid)
{
	return sacache_index(cc->c, rid, pasid == IOTLB_NO_PASID ? 0 : pasid);
}

bool context_cache_lookup(struct context_cache *cc, uint16_t rid, uint32_t pasid,
			  struct context_entry *out)
{
	if (!pasid_ok(pasid))
		return false;
	const struct sacache_entry *x =
		sacache_lookup(cc->c, ctx_key(rid, pasid), ctx_set(cc, rid, pasid), 0);
	if (!x)
		return false;
	out->domain = (uint16_t)x->aux;
	out->flags = (uint16_t)(x->aux >> 16);
	out->levels = (uint8_t)(x->value & 0xf);
	out->root = x->value & ~PAGE_4K_MASK;
	return true;
}

int context_cache_insert(struct context_cache *cc, uint16_t rid, uint32_t pasid,
			 const struct context_entry *ent)
{
	if (!pasid_ok(pasid) || (ent->root & PAGE_4K_MASK) || ent->levels > 15)
		return -1;
	sacache_insert(cc->c, ctx_key(rid, pasid), ctx_set(cc, rid, pasid), ent->root | ent->levels,
		       ent->domain | (uint32_t)ent->flags << 16, NULL);
	return 0;
}

static bool ctx_match_rid(const struct sacache_entry *x, void *arg)
{
	return (uint16_t)x->key == *(const uint16_t *)arg;
}

static bool ctx_match_domain(const struct sacache_entry *x, void *arg)
{
	return (uint16_t)x->aux == *(const uint16_t *)arg;
}

size_t context_cache_invalidate_device(struct context_cache *cc, uint16_t rid)
{
	return sacache_invalidate_if(cc->c, ctx_match_rid, &rid);
}

size_t context_cache_invalidate_domain(struct context_cache *cc, uint16_t domain)
{
	return sacache_invalidate_if(cc->c, ctx_match_domain, &domain);
}

size_t context_cache_invalidate_global(struct context_cache *cc) { return sacache_flush(cc->c); }

uint64_t context_cache_count_valid(const struct context_cache *cc)
{
	return sacache_count_valid(cc->c);
}

struct sacache *context_cache_array(struct context_cache *cc) { return cc->c; }
