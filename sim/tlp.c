/* tlp.c - TLP pool: chunked free list, no malloc per packet once warm */
#include "tlp.h"

#include <stdlib.h>
#include <string.h>

#define TLP_CHUNK 1024

struct tlp_chunk {
	struct tlp_chunk *next;
	struct tlp items[TLP_CHUNK];
};

struct tlp_pool {
	struct tlp_chunk *chunks;
	struct tlp *free;
	size_t live, capacity;
};

const char *tlp_type_name(enum tlp_type t)
{
	static const char *const names[TLP__COUNT] = { "MRd", "MWr", "CplD", "Cpl", "Msg" };
	return (unsigned)t < TLP__COUNT ? names[t] : "?";
}

struct tlp_pool *tlp_pool_create(void)
{
	return calloc(1, sizeof(struct tlp_pool));
}

static int tlp_pool_grow(struct tlp_pool *p)
{
	struct tlp_chunk *c = malloc(sizeof(*c));
	if (!c)
		return -1;
	c->next = p->chunks;
	p->chunks = c;
	for (size_t i = TLP_CHUNK; i-- > 0;) {
		c->items[i].next = p->free;
		p->free = &c->items[i];
	}
	p->capacity += TLP_CHUNK;
	return 0;
}

struct tlp *tlp_alloc(struct tlp_pool *p)
{
	if (!p->free && tlp_pool_grow(p))
		return NULL;
	struct tlp *t = p->free;
	p->free = t->next;
	/* Reset only the header part; stamps beyond nstamps are never read. */
	memset(t, 0, offsetof(struct tlp, stamps));
	p->live++;
	return t;
}

void tlp_free(struct tlp_pool *p, struct tlp *t)
{
	t->next = p->free;
	p->free = t;
	p->live--;
}

size_t tlp_pool_live(const struct tlp_pool *p) { return p->live; }
size_t tlp_pool_capacity(const struct tlp_pool *p) { return p->capacity; }

void tlp_pool_destroy(struct tlp_pool *p)
{
	if (!p)
		return;
	while (p->chunks) {
		struct tlp_chunk *c = p->chunks;
		p->chunks = c->next;
		free(c);
	}
	free(p);
}
