/* atc.c - a function's ATS translation cache: lookup by page size, fill, invalidation, the held
 * translation and the outstanding Translation Request (see atc.h)
 *
 * Entries: key = (untranslated page number << 6) | log2(size), value = the
 * translated base, aux = permissions (not part of the tag). A lookup cannot
 * know the size of the translation that covers an address, so it probes
 * every size that has ever been cached, smallest first (with 4 KiB
 * translations only: one probe), and counts one lookup for all of them.
 *
 * Not modelled: see atc.h.
 */
#include "atc.h"

#include <stdlib.h>

#include "rng.h"

#define ATC_MIN_SHIFT 12

static uint64_t atc_key(uint64_t iova, unsigned shift)
{
	return (iova >> shift) << 6 | shift;
}

static uint64_t atc_set(const struct atc *a, uint64_t iova, unsigned shift)
{
	return sacache_index(a->cache, iova >> shift, shift);
}

/* Bytes from base to the end of the address space, as a size that cannot wrap. */
static uint64_t atc_clip(uint64_t base, uint64_t size)
{
	return size > UINT64_MAX - base ? UINT64_MAX - base + 1 : size;
}

static bool atc_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	alen = atc_clip(a, alen);
	blen = atc_clip(b, blen);
	if (!alen || !blen)
		return false;
	return a - b < blen || b - a < alen;
}

int atc_init(struct atc *a, const struct atc_params *p, struct sim *s, const char *fn_name,
	     struct iov_err *e)
{
	*a = (struct atc){ .p = *p };
	if (!p->ats)
		return 0;
	char what[160], path[256];
	snprintf(what, sizeof(what), "'%s': atc", fn_name);
	struct rng r;
	rng_seed_named(&r, s->seed, fn_name);
	if (!(a->cache = sacache_create(&p->geom, 0, rng_next(&r), what, e)))
		return -1;
	snprintf(path, sizeof(path), "components.%s.ats.atc", fn_name);
	if (sacache_ctrs_register(sacache_counters(a->cache), s->stats, path, e))
		return -1;
	snprintf(path, sizeof(path), "%s.ats", fn_name);
	int st = sim_stage(s, path, e);
	if (st < 0)
		return -1;
	a->stage = (uint16_t)st;
#define ATC_STAT(field, leaf, desc)                                                       \
	(snprintf(path, sizeof(path), "components.%s.ats." leaf, fn_name),                \
	 (a->field = stats_counter(s->stats, path, "", desc, e)) != NULL)
	if (!ATC_STAT(st_treqs, "translation_requests", "ATS Translation Requests sent") ||
	    !ATC_STAT(st_tcpls, "translation_completions", "Translation Completions received "
		      "with status SC (with or without a translation)") ||
	    !ATC_STAT(st_invs, "invalidations", "ATS Invalidate Requests received (each "
		      "answered with an Invalidate Completion)") ||
	    !ATC_STAT(st_no_xlate, "no_translation", "Translation Completions without the "
		      "permission the access needs (R=W=0, or no W for a write): the access is not "
		      "done (no PRI)") ||
	    !ATC_STAT(st_nullified, "nullified", "Translation Completions thrown away because an "
		      "invalidation overlapped the request while it was out (asked again)"))
		return -1;
#undef ATC_STAT
	return 0;
}

void atc_free(struct atc *a)
{
	sacache_destroy(a->cache);
	a->cache = NULL;
}

/* log2 of the size of the entry covering iova, probing each cached size; 0 if none. The
 * probes have no effect; the caller counts the lookup. */
static unsigned atc_find(const struct atc *a, uint64_t iova)
{
	for (uint64_t m = a->shifts; m; m &= m - 1) {
		unsigned sh = (unsigned)__builtin_ctzll(m);
		if (sacache_peek(a->cache, atc_key(iova, sh), atc_set(a, iova, sh), 0))
			return sh;
	}
	return 0;
}

bool atc_lookup(struct atc *a, uint64_t iova, unsigned need)
{
	unsigned sh = atc_find(a, iova);
	/* One counted lookup: on the size found (a hit, replacement updated), or
	 * on 4 KiB (a miss). */
	unsigned probe = sh ? sh : ATC_MIN_SHIFT;
	struct sacache_entry *x = sacache_lookup(a->cache, atc_key(iova, probe),
						 atc_set(a, iova, probe), 0);
	a->held.valid = false;
	if (!x || (x->aux & need) != need)
		return false;
	uint64_t size = 1ull << sh;
	a->held = (struct atc_held){ .valid = true, .base = iova & ~(size - 1), .size = size,
				     .hpa = x->value, .perms = (uint8_t)x->aux };
	return true;
}

bool atc_use(struct atc *a, uint64_t iova, unsigned need, uint64_t *hpa)
{
	struct atc_held *h = &a->held;
	if (!h->valid || iova - h->base >= h->size || (h->perms & need) != need)
		return false;
	*hpa = h->hpa + (iova - h->base);
	h->valid = false;
	return true;
}

enum atc_next atc_step(struct atc *a, uint64_t iova, unsigned need, sim_time_t now,
		       sim_time_t *when, uint64_t *hpa)
{
	switch (a->req) {
	case ATC_REQ_WAIT_TC:
		return ATC_WAIT_TC;
	case ATC_REQ_FAILED:
		a->req = ATC_REQ_IDLE;
		return ATC_FAIL;
	case ATC_REQ_IDLE:
		a->req_t0 = now;
		a->req = ATC_REQ_LOOKED;
		atc_lookup(a, iova, need);
		if (a->p.latency) {
			*when = now + a->p.latency;
			return ATC_WAIT_UNTIL;
		}
		break;
	case ATC_REQ_LOOKED:
		break;
	}
	/* Looked up (or a completion came): a held translation, or ask. */
	if (!atc_use(a, iova, need, hpa))
		return ATC_TREQ;
	a->req = ATC_REQ_IDLE;
	return ATC_TRANSLATED;
}

void atc_translated(struct atc *a, struct tlp *t, uint64_t hpa, sim_time_t now)
{
	t->addr = hpa;
	t->addr64 = hpa > 0xffffffffull;
	t->at = TLP_AT_TRANSLATED;
	t->t_issue = a->req_t0;
	tlp_stamp(t, a->stage, now);
}

void atc_treq_init(struct atc *a, struct tlp *t, uint64_t iova)
{
	uint64_t page = iova & ~((1ull << ATC_MIN_SHIFT) - 1);
	t->type = TLP_MRD;
	t->at = TLP_AT_TREQ;
	t->addr = page;
	t->addr64 = page > 0xffffffffull;
	t->len = 8;                     /* room for one translation in the completion */
	t->t_issue = a->req_t0;
	a->treq_page = page;
	a->treq_nullified = false;
}

void atc_treq_sent(struct atc *a)
{
	a->req = ATC_REQ_WAIT_TC;
	a->treq_out = true;
	(*a->st_treqs)++;
}

/* Cache a translation of 'size' bytes at the page of iova. */
static void atc_fill(struct atc *a, uint64_t iova, uint64_t hpa, uint64_t size, unsigned perms)
{
	unsigned sh = (unsigned)__builtin_ctzll(size);
	uint64_t base = iova & ~(size - 1);
	sacache_insert(a->cache, atc_key(base, sh), atc_set(a, base, sh), hpa, perms, NULL);
	a->shifts |= 1ull << sh;
	a->held = (struct atc_held){ .valid = true, .base = base, .size = size, .hpa = hpa,
				     .perms = (uint8_t)perms };
}

enum atc_tc atc_treq_done(struct atc *a, const struct tlp *t, unsigned need)
{
	a->treq_out = false;
	a->held.valid = false;
	a->req = ATC_REQ_FAILED;
	if (t->status != TLP_SC_SC)
		return ATC_TC_NONE;     /* UR / CA: the fabric counted it */
	(*a->st_tcpls)++;
	if (a->treq_nullified) {
		(*a->st_nullified)++;
		a->req = ATC_REQ_IDLE;
		return ATC_TC_RETRY;
	}
	unsigned perms = t->ats_perms & (ATC_PERM_R | ATC_PERM_W);
	/* The root complex checked the size (a power of two >= 4 KiB). */
	if (perms)
		atc_fill(a, a->treq_page, t->addr, t->ats_size, perms);
	if ((perms & need) != need) {
		a->held.valid = false;
		(*a->st_no_xlate)++;
		return ATC_TC_NONE;
	}
	a->req = ATC_REQ_LOOKED;        /* the translation is held for the request */
	return ATC_TC_OK;
}

struct atc_range {
	uint64_t base, size;
};

static bool atc_in_range(const struct sacache_entry *x, void *arg)
{
	const struct atc_range *r = arg;
	unsigned sh = (unsigned)(x->key & 63);
	return atc_overlap((x->key >> 6) << sh, 1ull << sh, r->base, r->size);
}

size_t atc_invalidate(struct atc *a, uint64_t iova, uint64_t size)
{
	(*a->st_invs)++;
	if (a->held.valid && atc_overlap(a->held.base, a->held.size, iova, size))
		a->held.valid = false;
	if (a->treq_out && atc_overlap(a->treq_page, 1ull << ATC_MIN_SHIFT, iova, size))
		a->treq_nullified = true;
	struct atc_range r = { iova, size };
	return sacache_invalidate_if(a->cache, atc_in_range, &r);
}
