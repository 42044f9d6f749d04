/* physmem.c - sparse simulated host memory for translation structures, and a table-frame allocator
 *
 * Storage: an open-addressing hash table (linear probing, power-of-two size,
 * grown at half load) from chunk number (pa >> 18) to a chunk of 64 frames.
 * Each chunk carries two bit masks: which frames are backed and which are
 * currently handed out by the allocator. Chunks are never removed before
 * physmem_destroy(), so frame pointers stay valid.
 *
 * Not modelled: see physmem.h (timing, data buffers, sub-word access, ECC).
 */
#include "physmem.h"

#include <stdlib.h>
#include <string.h>

#define PM_WORDS (PHYSMEM_FRAME_SIZE / 8)                       /* 512 */
#define PM_CHUNK_SHIFT (PHYSMEM_FRAME_SHIFT + 6)                /* 64 frames */
#define PM_ADDR_LIMIT (1ull << PHYSMEM_ADDR_BITS)

_Static_assert(PHYSMEM_CHUNK_FRAMES == 64, "one 64-bit mask per chunk");

struct pm_chunk {
	uint64_t backed;                /* bit f: frame f has storage */
	uint64_t allocated;             /* bit f: frame f is handed out */
	uint64_t data[PHYSMEM_CHUNK_FRAMES][PM_WORDS];
};

struct pm_slot {
	uint64_t key;                   /* chunk number */
	struct pm_chunk *c;             /* NULL: empty slot */
};

struct physmem {
	uint64_t base, end;             /* allocator region [base, end) */
	uint64_t bump;                  /* next never-allocated frame */
	uint64_t *freelist;             /* freed frames, LIFO */
	size_t nfree, capfree;
	struct pm_slot *slots;
	size_t nslots, nused;           /* nslots: power of two */
	struct physmem_stats st;
};

static size_t pm_hash(uint64_t key, size_t nslots)
{
	key ^= key >> 31;
	key *= 0x9e3779b97f4a7c15ull;
	key ^= key >> 29;
	return (size_t)key & (nslots - 1);
}

static struct pm_chunk *pm_find(const struct physmem *pm, uint64_t cn)
{
	for (size_t i = pm_hash(cn, pm->nslots);; i = (i + 1) & (pm->nslots - 1)) {
		const struct pm_slot *s = &pm->slots[i];
		if (!s->c)
			return NULL;
		if (s->key == cn)
			return s->c;
	}
}

static void pm_insert(struct pm_slot *slots, size_t nslots, uint64_t cn, struct pm_chunk *c)
{
	size_t i = pm_hash(cn, nslots);
	while (slots[i].c)
		i = (i + 1) & (nslots - 1);
	slots[i].key = cn;
	slots[i].c = c;
}

static int pm_grow(struct physmem *pm, struct iov_err *e)
{
	size_t n = pm->nslots * 2;
	struct pm_slot *s = calloc(n, sizeof(*s));
	if (!s)
		return iov_err_set(e, IOV_INTERNAL, "physmem: out of host memory (chunk index)");
	for (size_t i = 0; i < pm->nslots; i++)
		if (pm->slots[i].c)
			pm_insert(s, n, pm->slots[i].key, pm->slots[i].c);
	free(pm->slots);
	pm->slots = s;
	pm->nslots = n;
	return 0;
}

/* The chunk for chunk number cn, created (all frames unbacked) if missing. */
static struct pm_chunk *pm_get(struct physmem *pm, uint64_t cn, struct iov_err *e)
{
	struct pm_chunk *c = pm_find(pm, cn);
	if (c)
		return c;
	if ((pm->nused + 1) * 2 > pm->nslots && pm_grow(pm, e))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		iov_err_set(e, IOV_INTERNAL, "physmem: out of host memory (chunk of %u frames)",
			    PHYSMEM_CHUNK_FRAMES);
		return NULL;
	}
	pm_insert(pm->slots, pm->nslots, cn, c);
	pm->nused++;
	pm->st.chunks++;
	return c;
}

static unsigned pm_fidx(uint64_t pa)
{
	return (unsigned)((pa >> PHYSMEM_FRAME_SHIFT) & (PHYSMEM_CHUNK_FRAMES - 1));
}

/* Mark the frame holding pa backed (creating its chunk). */
static struct pm_chunk *pm_back(struct physmem *pm, uint64_t pa, struct iov_err *e)
{
	struct pm_chunk *c = pm_get(pm, pa >> PM_CHUNK_SHIFT, e);
	if (!c)
		return NULL;
	uint64_t bit = 1ull << pm_fidx(pa);
	if (!(c->backed & bit)) {
		c->backed |= bit;
		pm->st.frames_backed++;
	}
	return c;
}

struct physmem *physmem_create(uint64_t base, uint64_t size, struct iov_err *e)
{
	if ((base | size) & (PHYSMEM_FRAME_SIZE - 1) || size == 0 || base >= PM_ADDR_LIMIT ||
	    size > PM_ADDR_LIMIT - base) {
		iov_err_set(e, IOV_BAD_INPUT,
			    "physmem: table region base 0x%llx size 0x%llx must be 4 KiB aligned, "
			    "non-empty and below 2^%d", (unsigned long long)base,
			    (unsigned long long)size, PHYSMEM_ADDR_BITS);
		return NULL;
	}
	struct physmem *pm = calloc(1, sizeof(*pm));
	if (!pm)
		goto err;
	pm->nslots = 64;
	pm->slots = calloc(pm->nslots, sizeof(*pm->slots));
	if (!pm->slots)
		goto err;
	pm->base = pm->bump = base;
	pm->end = base + size;
	pm->st.frames_total = size >> PHYSMEM_FRAME_SHIFT;
	return pm;
err:
	physmem_destroy(pm);
	iov_err_set(e, IOV_INTERNAL, "physmem: out of host memory");
	return NULL;
}

void physmem_destroy(struct physmem *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; pm->slots && i < pm->nslots; i++)
		free(pm->slots[i].c);
	free(pm->slots);
	free(pm->freelist);
	free(pm);
}

int physmem_alloc_frame(struct physmem *pm, uint64_t *pa, struct iov_err *e)
{
	uint64_t f;
	bool from_list = pm->nfree > 0;
	if (from_list) {
		f = pm->freelist[pm->nfree - 1];
	} else if (pm->bump < pm->end) {
		f = pm->bump;
	} else {
		pm->st.alloc_failures++;
		return iov_err_set(e, IOV_BAD_INPUT,
				   "physmem: out of table frames in [0x%llx, 0x%llx) (%llu frames, all in use)",
				   (unsigned long long)pm->base, (unsigned long long)pm->end,
				   (unsigned long long)pm->st.frames_total);
	}
	struct pm_chunk *c = pm_back(pm, f, e);
	if (!c)
		return -1;
	if (from_list)
		pm->nfree--;
	else
		pm->bump += PHYSMEM_FRAME_SIZE;
	c->allocated |= 1ull << pm_fidx(f);
	memset(c->data[pm_fidx(f)], 0, PHYSMEM_FRAME_SIZE);
	pm->st.allocs++;
	if (++pm->st.frames_in_use > pm->st.frames_peak)
		pm->st.frames_peak = pm->st.frames_in_use;
	*pa = f;
	return 0;
}

int physmem_free_frame(struct physmem *pm, uint64_t pa, struct iov_err *e)
{
	struct pm_chunk *c = NULL;
	if (!(pa & (PHYSMEM_FRAME_SIZE - 1)) && physmem_in_region(pm, pa))
		c = pm_find(pm, pa >> PM_CHUNK_SHIFT);
	uint64_t bit = 1ull << pm_fidx(pa);
	if (!c || !(c->allocated & bit))
		return iov_err_set(e, IOV_INTERNAL,
				   "physmem: free of 0x%llx, which is not an allocated table frame",
				   (unsigned long long)pa);
	if (pm->nfree == pm->capfree) {
		size_t n = pm->capfree ? pm->capfree * 2 : 64;
		uint64_t *p = realloc(pm->freelist, n * sizeof(*p));
		if (!p)
			return iov_err_set(e, IOV_INTERNAL, "physmem: out of host memory (free list)");
		pm->freelist = p;
		pm->capfree = n;
	}
	c->allocated &= ~bit;
	pm->freelist[pm->nfree++] = pa;
	pm->st.frees++;
	pm->st.frames_in_use--;
	return 0;
}

const uint64_t *physmem_frame(const struct physmem *pm, uint64_t pa)
{
	if (pa >= PM_ADDR_LIMIT)
		return NULL;
	const struct pm_chunk *c = pm_find(pm, pa >> PM_CHUNK_SHIFT);
	unsigned f = pm_fidx(pa);
	if (!c || !(c->backed & (1ull << f)))
		return NULL;
	return c->data[f];
}

bool physmem_backed(const struct physmem *pm, uint64_t pa)
{
	return physmem_frame(pm, pa) != NULL;
}

bool physmem_in_region(const struct physmem *pm, uint64_t pa)
{
	return pa >= pm->base && pa < pm->end;
}

int physmem_read64(const struct physmem *pm, uint64_t pa, uint64_t *val)
{
	const uint64_t *fr = (pa & 7) ? NULL : physmem_frame(pm, pa);
	if (!fr) {
		*val = 0;
		return -1;
	}
	*val = fr[(pa & (PHYSMEM_FRAME_SIZE - 1)) >> 3];
	return 0;
}

int physmem_write64(struct physmem *pm, uint64_t pa, uint64_t val, struct iov_err *e)
{
	if ((pa & 7) || pa >= PM_ADDR_LIMIT)
		return iov_err_set(e, IOV_BAD_INPUT,
				   "physmem: write at 0x%llx: not 8-byte aligned or above 2^%d",
				   (unsigned long long)pa, PHYSMEM_ADDR_BITS);
	struct pm_chunk *c = pm_back(pm, pa, e);
	if (!c)
		return -1;
	c->data[pm_fidx(pa)][(pa & (PHYSMEM_FRAME_SIZE - 1)) >> 3] = val;
	return 0;
}

void physmem_get_stats(const struct physmem *pm, struct physmem_stats *st)
{
	*st = pm->st;
}
