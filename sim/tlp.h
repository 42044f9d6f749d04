/* tlp.h - the transaction-layer packet that travels the whole path, and its pool */
#ifndef IOVSIM_TLP_H
#define IOVSIM_TLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simtime.h"

/*
 * One TLP object travels the whole path: a read request is turned into its
 * completion in place by whoever answers it, so the stamps it collected on
 * the way up are still there when it comes back and the latency breakdown is
 * read off the object itself. TLPs come from a pool (tlp_alloc / tlp_free):
 * no malloc per TLP once the pool is warm.
 */

enum tlp_type {
	TLP_MRD = 0,    /* memory read request (non-posted) */
	TLP_MWR,        /* memory write (posted); an MSI is an MWr of 4 bytes */
	TLP_CPLD,       /* completion with data */
	TLP_CPL,        /* completion without data (e.g. unsupported request) */
	TLP_MSG,        /* message */
	TLP__COUNT
};

enum tlp_status { TLP_SC_SC = 0, TLP_SC_UR = 1, TLP_SC_CA = 4 };   /* completion status */

/* Address Type of a memory request (the header's AT field, PCIe ATS). */
enum tlp_at {
	TLP_AT_UNTRANSLATED = 0,        /* 00b: the address is an IOVA; the IOMMU translates it */
	TLP_AT_TREQ = 1,                /* 01b: Translation Request (an MRd asking the
					 * translation agent for the page of addr) */
	TLP_AT_TRANSLATED = 2,          /* 10b: the address is already host-physical */
};

/* ATS permissions in a Translation Completion (ats_perms). */
#define TLP_ATS_R 1u
#define TLP_ATS_W 2u

/* Message codes of the messages modelled (TLP_MSG). Both are routed by ID
 * (msg_dest), not by address. */
enum tlp_msg_code {
	TLP_MSG_NONE = 0,
	TLP_MSG_ATS_INV_REQ,            /* ATS Invalidate Request: root complex -> function;
					 * drop translations of [addr, addr + ats_size) */
	TLP_MSG_ATS_INV_CPL,            /* ATS Invalidate Completion: function -> root complex */
};

#define TLP_MAX_STAMPS 24

/*
 * A stamp says: at time t the TLP finished stage 'stage' (a small integer
 * naming e.g. "path.up" or "mem.access", see sim_stage()). The time spent in
 * stage i is stamps[i].t - stamps[i-1].t, and for i = 0, stamps[0].t - t_issue.
 */
struct tlp_stamp {
	sim_time_t t;
	uint16_t stage;
};

struct tlp {
	struct tlp *next;               /* link for whoever holds it in a queue */
	enum tlp_type type;
	uint8_t status;                 /* completions: enum tlp_status */
	bool addr64;                    /* 4DW header */
	bool is_msi;
	bool internal;                  /* issued by a component for itself (the root
					 * complex's page-walk reads), not by a device */
	uint8_t at;                     /* requests: enum tlp_at (a trace's [at] sets
					 * TLP_AT_TRANSLATED; ACS and the root complex read
					 * this, not attrs) */
	uint8_t ats_perms;              /* Translation Completion: TLP_ATS_R | TLP_ATS_W;
					 * 0 = no translation */
	uint8_t msg_code;               /* TLP_MSG: enum tlp_msg_code */
	uint16_t msg_dest;              /* ID-routed messages: routing ID of the destination
					 * (the root complex is 0x0000) */
	uint16_t rid;                   /* requester ID (bus<<8 | dev<<3 | fn) */
	uint16_t tag;
	uint32_t flow;                  /* index of the requester's flow (sim_flow) */
	uint32_t attrs;                 /* TRACE_F_* attribute bits (ro, ns, ido, at, pasid) */
	uint32_t pasid;
	uint32_t data;                  /* MSI data */
	uint64_t addr;                  /* Translation Completion: the translated page base;
					 * Invalidate Request: first untranslated address */
	uint64_t ats_size;              /* Translation Completion: bytes the translation
					 * covers (a power of two >= 4096); Invalidate
					 * Request: bytes to invalidate */
	uint32_t len;                   /* bytes: requested (MRd) or carried (MWr, CplD) */
	uint32_t byte_count;            /* completions: bytes still to come for the request,
					 * this one's included (== len on the last one); 0 is
					 * read as "the whole request" by requesters */
	uint32_t line_ps;               /* CplD from memory: 64 B line k of the data (counted
					 * from addr's line) is ready line_ps * k after the
					 * CplD left memory; whoever splits the completion
					 * sends no piece before its data. 0: all ready */
	sim_time_t t_head;              /* set by links: when the first symbol reached the
					 * current holder (cut-through switches start from it) */
	sim_time_t t_issue;             /* when the requester sent it */
	uint64_t cookie;                /* requester-private (e.g. its transaction slot) */
	sim_time_t t_due;               /* scratch for the current holder (e.g. when it leaves) */
	uint8_t nstamps;
	bool stamps_overflow;           /* more stages than TLP_MAX_STAMPS: later ones dropped */
	struct tlp_stamp stamps[TLP_MAX_STAMPS];
};

static inline void tlp_stamp(struct tlp *t, uint16_t stage, sim_time_t now)
{
	if (t->nstamps < TLP_MAX_STAMPS)
		t->stamps[t->nstamps++] = (struct tlp_stamp){ .t = now, .stage = stage };
	else
		t->stamps_overflow = true;
}

/* "MRd", "MWr", "CplD", "Cpl", "Msg" */
const char *tlp_type_name(enum tlp_type t);

/* CplD or Cpl. */
static inline bool tlp_is_cpl(const struct tlp *t)
{
	return t->type == TLP_CPLD || t->type == TLP_CPL;
}

/* Routing. Completions are routed by ID (the requester ID they carry),
 * messages (only the ATS invalidation messages are modelled) by ID too
 * (msg_dest), the rest by address. */
static inline bool tlp_routed_by_id(const struct tlp *t)
{
	return tlp_is_cpl(t) || t->type == TLP_MSG;
}

/* The routing ID an ID-routed TLP is going to. */
static inline uint16_t tlp_route_id(const struct tlp *t)
{
	return t->type == TLP_MSG ? t->msg_dest : t->rid;
}

/* A Translation Request carries an untranslated address, meaningless for
 * address routing: it always goes up to the translation agent in the root
 * complex, never to a peer. */
static inline bool tlp_for_root(const struct tlp *t)
{
	return t->at == TLP_AT_TREQ && !tlp_is_cpl(t);
}

/* Pool. Grows in chunks (never shrinks while alive); objects are reset on alloc. */
struct tlp_pool;
struct tlp_pool *tlp_pool_create(void);
/* Returns a zeroed TLP, or NULL if memory is exhausted. */
struct tlp *tlp_alloc(struct tlp_pool *p);
void tlp_free(struct tlp_pool *p, struct tlp *t);
size_t tlp_pool_live(const struct tlp_pool *p);         /* allocated, not yet freed */
size_t tlp_pool_capacity(const struct tlp_pool *p);
/* Free all chunks. Live TLPs become invalid. */
void tlp_pool_destroy(struct tlp_pool *p);

/* A FIFO of TLPs linked through ->next (no allocation). */
struct tlp_fifo {
	struct tlp *head, *tail;
	uint32_t n;
};

static inline void tlp_fifo_push(struct tlp_fifo *q, struct tlp *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	q->n++;
}

/* Put t back at the head (e.g. after the next hop refused it). */
static inline void tlp_fifo_unpop(struct tlp_fifo *q, struct tlp *t)
{
	t->next = q->head;
	q->head = t;
	if (!q->tail)
		q->tail = t;
	q->n++;
}

/*
 * Pop BEFORE offering a TLP to a peer: the peer owns it once it accepts and
 * may free it or link it into its own queue (reusing ->next) at once.
 */
static inline struct tlp *tlp_fifo_pop(struct tlp_fifo *q)
{
	struct tlp *t = q->head;
	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
		t->next = NULL;
		q->n--;
	}
	return t;
}

#endif
