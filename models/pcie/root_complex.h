/* root_complex.h - the hook where a translation stage (the IOMMU) plugs into the root complex
 *
 * Every request that comes up a root port passes, after the port's ACS
 * checks and before it is routed to memory or to a peer, through the
 * root complex's translation stage. Without one the address is used as it
 * is. A translator (the IOMMU, models/iommu/) registers its ops; for each request it
 * gets translate(), may take any simulated time (page walks through memory),
 * and then calls rc_xlate_done() with the outcome: the request continues
 * with t->addr as the translator left it, or is blocked (UR for reads, a
 * dropped write) and counted as blocked by the isolation accounting.
 *
 * PCIe ATS (docs/models/ats.md) uses the same hook:
 *  - a Translation Request (t->at == TLP_AT_TREQ, an MRd for the page at
 *    t->addr) goes to translate() like any request; the translator sets
 *    t->addr = the translated page base, t->ats_perms and t->ats_size and
 *    calls rc_xlate_done: ok = the root complex sends the Translation
 *    Completion (a CplD of 8 bytes, SC) back to the requester, never to
 *    memory (ats_perms 0 = "no translation"); !ok = a UR completion;
 *  - a translated request (t->at == TLP_AT_TRANSLATED) skips translate()
 *    when translated_ok(rid) allows it (NULL op: allowed) and is routed at
 *    its address as it is; when not allowed it is blocked (UR / dropped),
 *    counted in translated_blocked and as blocked for isolation;
 *  - rc_ats_invalidate sends an ATS Invalidate Request down to a function;
 *    its Invalidate Completion comes back to ats_inv_done.
 * Without a translator a Translation Request gets UR (no translation agent)
 * and translated requests are used as they are.
 */
#ifndef IOVSIM_ROOT_COMPLEX_H
#define IOVSIM_ROOT_COMPLEX_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "tlp.h"

/* The translation stage's ops. Called from inside events; each may schedule
 * events and call back into the root complex (rc_xlate_done, rc_mem_read,
 * rc_ats_invalidate). */
struct rc_xlate_ops {
	/* t (an untranslated request or a Translation Request) came up root port
	 * 'port'. Required. Own it until rc_xlate_done. */
	void (*translate)(void *ctx, struct component *rc, unsigned port, struct tlp *t);
	/* A read issued with rc_mem_read is back (may be NULL if none are issued). */
	void (*read_done)(void *ctx, struct component *rc, uint64_t cookie);
	/* May function rid send translated requests (its context allows a device
	 * TLB)? Asked for every translated request; must not keep or free
	 * anything. NULL: allowed. */
	bool (*translated_ok)(void *ctx, struct component *rc, uint16_t rid);
	/* The Invalidate Completion for rc_ats_invalidate(..., token) came back.
	 * NULL: ignored (still counted). */
	void (*ats_inv_done)(void *ctx, struct component *rc, uint64_t token);
};

/* The interrupt stage: where MSIs go (an interrupt-remapping unit and the
 * host's interrupt delivery, models/host/). Without one, MSIs (MWr to
 * 0xFEE00000-0xFEEFFFFF that passed the root port's ACS checks) are only
 * counted. Called from inside events; each may schedule events and call
 * rc_irq_mem_read. */
struct rc_irq_ops {
	/* An MSI from requester rid came up root port 'port' at the current
	 * time: the root complex has already freed the TLP. Required. */
	void (*msi)(void *ctx, struct component *rc, unsigned port, uint16_t rid, uint64_t addr,
		    uint32_t data);
	/* A read issued with rc_irq_mem_read is back (may be NULL if none are). */
	void (*read_done)(void *ctx, struct component *rc, uint64_t cookie);
};

/* Register the interrupt stage of root complex rc. Returns -1 if rc is not a
 * pcie_root_complex or already has one. */
int rc_set_irq_sink(struct component *rc, const struct rc_irq_ops *ops, void *ctx);

/* As rc_mem_read, for the interrupt stage (an IRTE or posted-interrupt
 * descriptor read): read_done of the irq ops gets the cookie. */
int rc_irq_mem_read(struct component *rc, uint64_t addr, uint32_t len, uint64_t cookie);

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
 * memory / peer at t->addr (a Translation Request: its completion goes back
 * to the requester); !ok = blocked. The root complex owns t again. */
void rc_xlate_done(struct component *rc, unsigned port, struct tlp *t, bool ok);

/* Send an ATS Invalidate Request for [iova, iova + size) (clipped at 2^64;
 * size 0 invalidates nothing but is still completed) to function rid, down
 * the root port whose bus range holds it, leaving 'latency' from now. When the
 * function's Invalidate Completion comes back, ats_inv_done(token) is called.
 * A function without ATS (or no function at rid below that port) drops the
 * message as an unsupported request: then no completion ever comes.
 * Returns 0 when sent; -1 when rc is not a root complex or no root port leads
 * to rid (nothing sent, no error set), or when no TLP could be allocated
 * (error set on the simulation, run stopped). */
int rc_ats_invalidate(struct component *rc, uint16_t rid, uint64_t iova, uint64_t size,
		      uint64_t token);

/* A CPU's MMIO store: a posted write of 'len' bytes (value 'data', in
 * t->data) to addr, sent down the root port whose memory window holds addr,
 * leaving the root complex 'latency' (its parameter) from now, flow
 * UINT32_MAX (not a device's DMA: outside dma.* and isolation.*). Counted in
 * components.<rc>.mmio_writes. Returns 0 when sent; -1 when rc is not a root
 * complex or no root port's window holds addr (nothing sent, no error set),
 * or when no TLP could be allocated (error set on the simulation, run
 * stopped). */
int rc_mmio_write(struct component *rc, uint64_t addr, uint32_t len, uint32_t data);

#endif
