/* posted_irq.h - the posted-interrupt descriptor in simulated memory (VT-d posted interrupts)
 *
 * A 64-byte, 64-byte aligned descriptor per vCPU, in host memory (physmem.h),
 * laid out as VT-d 9.12 / FACTS.md describe it:
 *   bits 255:0   PIR   posted-interrupt requests, one bit per vector
 *   bit  256     ON    outstanding notification
 *   bit  257     SN    suppress notification
 *   bits 279:272 NV    notification vector
 *   bits 319:288 NDST  notification destination (APIC ID)
 * The IOMMU posts (pi_post): it sets the vector's PIR bit and, when ON was
 * clear and SN clear, sets ON and sends NV to NDST. The CPU (on the
 * notification in guest mode, or at VM entry) takes the requests (pi_take):
 * it clears ON and moves PIR out. The hypervisor edits SN / NV / NDST when
 * it runs, blocks or preempts the vCPU (pi_set_control).
 *
 * Not modelled: the URG bit, atomicity against concurrent posts (every
 * operation is one indivisible step in the simulation); the timing of the
 * descriptor's memory accesses (the caller issues a timed read for it).
 */
#ifndef IOVSIM_POSTED_IRQ_H
#define IOVSIM_POSTED_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "models/iommu/physmem.h"

#define PI_DESC_SIZE 64u

struct pi_desc_view {
	uint64_t pir[4];
	bool on, sn;
	uint8_t nv;
	uint32_t ndst;
};

enum pi_outcome {
	PI_NOTIFY,              /* ON was clear, SN clear: ON set, notification sent */
	PI_COALESCED,           /* ON already set: no second notification */
	PI_SUPPRESSED,          /* SN set: PIR bit set, no notification, ON untouched */
	PI_ERROR,               /* the descriptor is not in memory (e set) */
};

/* Write a fresh descriptor at pda (64-byte aligned): PIR clear, ON clear.
 * Returns 0, or -1 with e set (misaligned, out of host memory). */
int pi_init(struct physmem *pm, uint64_t pda, bool sn, uint8_t nv, uint32_t ndst,
	    struct iov_err *e);

/* Read the descriptor. Returns 0, or -1 if it is not backed. */
int pi_read(const struct physmem *pm, uint64_t pda, struct pi_desc_view *out);

/* The IOMMU's post of 'vector'. On PI_NOTIFY *nv and *ndst say where the
 * notification goes. */
enum pi_outcome pi_post(struct physmem *pm, uint64_t pda, uint8_t vector, uint8_t *nv,
			uint32_t *ndst, struct iov_err *e);

/* The CPU takes the posted requests: pir[] gets PIR, which is cleared, and ON
 * is cleared. Returns 0, or -1 with e set. */
int pi_take(struct physmem *pm, uint64_t pda, uint64_t pir[4], struct iov_err *e);

/* The hypervisor sets SN, NV and NDST (PIR and ON unchanged). 0 or -1 with e. */
int pi_set_control(struct physmem *pm, uint64_t pda, bool sn, uint8_t nv, uint32_t ndst,
		   struct iov_err *e);

#endif
