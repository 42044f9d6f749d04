/* root_complex.h - the hook where a translation stage (the IOMMU) plugs into the root complex
 *
 * Every request that comes up a root port passes, after the port's ACS
 * checks and before it is routed to memory or to a peer, through the
 * root complex's translation stage. Without one the address is used as it
 * is. A translator (issue 4's IOMMU) registers its ops; for each request it
 * gets translate(), may take any simulated time (page walks through memory),
 * and then calls rc_xlate_done() with the outcome: the request continues
 * with t->addr as the translator left it, or is blocked (UR for reads, a
 * dropped write) and counted as blocked by the isolation accounting.
 */
#ifndef IOVSIM_ROOT_COMPLEX_H
#define IOVSIM_ROOT_COMPLEX_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "tlp.h"

struct rc_xlate_ops {
	/* t came up root port 'port'. Own it until rc_xlate_done. */
	void (*translate)(void *ctx, struct component *rc, unsigned port, struct tlp *t);
	/* A read issued with rc_mem_read is back (may be NULL if none are issued). */
	void (*read_done)(void *ctx, struct component *rc, uint64_t cookie);
};

/* Register the translation stage of root complex rc (a pcie_root_complex
 * component). Returns -1 if rc is not one. */
int rc_set_translator(struct component *rc, const struct rc_xlate_ops *ops, void *ctx);

/* At most 'slots' requests inside the translator at once (0: no limit); more
 * are refused at the root port like a full queue, so backpressure reaches the
 * link, and retried when one is done. */
void rc_set_translator_slots(struct component *rc, uint64_t slots);

/* Read 'len' bytes of host memory for the translator (a page-walk or
 * context-entry read): it goes to memory like any request, through the memory
 * model's queue and latency, and read_done(cookie) is called when the data is
 * back. Not a device's DMA: not in dma.* or isolation.*. Returns -1 (error
 * set on the simulation) if no TLP could be allocated. */
int rc_mem_read(struct component *rc, uint64_t addr, uint32_t len, uint64_t cookie);

/* The translation of t (from root port 'port') is done: ok = continue to
 * memory / peer at t->addr; !ok = blocked. */
void rc_xlate_done(struct component *rc, unsigned port, struct tlp *t, bool ok);

#endif
