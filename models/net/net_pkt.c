/* net_pkt.c - the network devices' packet FIFO and packet pool (net_pkt.h)
 *
 * Not modelled: anything; this is bookkeeping (no allocation per packet once
 * the pool has grown).
 */
#include <stdlib.h>
#include <string.h>

#include "models/net/net_pkt.h"

void net_fifo_push(struct net_fifo *q, struct net_pkt *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->n++;
}

struct net_pkt *net_fifo_pop(struct net_fifo *q)
{
	struct net_pkt *p = q->head;
	if (p) {
		q->head = p->next;
		if (!q->head)
			q->tail = NULL;
		p->next = NULL;
		q->n--;
	}
	return p;
}

void net_pool_init(struct net_pool *pl, size_t size)
{
	memset(pl, 0, sizeof(*pl));
	pl->size = size;
}

/* Add a chunk; its packets go on the free list in address order. */
static int net_pool_grow(struct net_pool *pl)
{
	void **nc = realloc(pl->chunks, (pl->nchunks + 1) * sizeof(*nc));
	char *c = calloc(NET_PKT_CHUNK, pl->size);
	if (nc)
		pl->chunks = nc;
	if (!nc || !c) {
		free(c);
		return -1;
	}
	pl->chunks[pl->nchunks++] = c;
	for (size_t i = NET_PKT_CHUNK; i-- > 0;)
		net_pool_put(pl, (struct net_pkt *)(c + i * pl->size));
	return 0;
}

struct net_pkt *net_pool_get(struct net_pool *pl)
{
	if (!pl->free && net_pool_grow(pl))
		return NULL;
	struct net_pkt *p = pl->free;
	pl->free = p->next;
	memset(p, 0, pl->size);
	return p;
}

void net_pool_put(struct net_pool *pl, struct net_pkt *p)
{
	p->next = pl->free;
	pl->free = p;
}

void net_pool_release(struct net_pool *pl)
{
	for (size_t i = 0; i < pl->nchunks; i++)
		free(pl->chunks[i]);
	free(pl->chunks);
	pl->chunks = NULL;
	pl->nchunks = 0;
	pl->free = NULL;
}
