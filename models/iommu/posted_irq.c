/* posted_irq.c - posted-interrupt descriptors: the IOMMU's post and the CPU's take
 *
 * See posted_irq.h for the layout. Word 4 of the descriptor (bits 319:256)
 * holds ON (bit 0), SN (bit 1), NV (bits 23:16) and NDST (bits 63:32).
 *
 * Not modelled: URG, the reserved bits' checks, timing (the caller's).
 */
#include "models/iommu/posted_irq.h"

#define PI_CTL_WORD 4
#define PI_ON (1ull << 0)
#define PI_SN (1ull << 1)
#define PI_NV_SHIFT 16
#define PI_NDST_SHIFT 32

static uint64_t pi_ctl(bool on, bool sn, uint8_t nv, uint32_t ndst)
{
	return (on ? PI_ON : 0) | (sn ? PI_SN : 0) | ((uint64_t)nv << PI_NV_SHIFT) |
	       ((uint64_t)ndst << PI_NDST_SHIFT);
}

int pi_init(struct physmem *pm, uint64_t pda, bool sn, uint8_t nv, uint32_t ndst,
	    struct iov_err *e)
{
	if (pda & (PI_DESC_SIZE - 1))
		return iov_err_set(e, IOV_INTERNAL, "posted-interrupt descriptor 0x%llx is not "
				   "64-byte aligned", (unsigned long long)pda);
	for (unsigned w = 0; w < PI_DESC_SIZE / 8; w++)
		if (physmem_write64(pm, pda + 8 * w, w == PI_CTL_WORD ? pi_ctl(false, sn, nv, ndst) : 0,
				    e))
			return -1;
	return 0;
}

int pi_read(const struct physmem *pm, uint64_t pda, struct pi_desc_view *out)
{
	uint64_t ctl;
	for (unsigned w = 0; w < 4; w++)
		if (physmem_read64(pm, pda + 8 * w, &out->pir[w]))
			return -1;
	if (physmem_read64(pm, pda + 8 * PI_CTL_WORD, &ctl))
		return -1;
	out->on = ctl & PI_ON;
	out->sn = ctl & PI_SN;
	out->nv = (uint8_t)(ctl >> PI_NV_SHIFT);
	out->ndst = (uint32_t)(ctl >> PI_NDST_SHIFT);
	return 0;
}

static int pi_missing(uint64_t pda, struct iov_err *e)
{
	return iov_err_set(e, IOV_INTERNAL, "posted-interrupt descriptor 0x%llx is not in memory",
			   (unsigned long long)pda);
}

enum pi_outcome pi_post(struct physmem *pm, uint64_t pda, uint8_t vector, uint8_t *nv,
			uint32_t *ndst, struct iov_err *e)
{
	uint64_t w, ctl;
	uint64_t pw = pda + 8 * (vector >> 6);
	if (physmem_read64(pm, pw, &w) || physmem_read64(pm, pda + 8 * PI_CTL_WORD, &ctl)) {
		pi_missing(pda, e);
		return PI_ERROR;
	}
	if (physmem_write64(pm, pw, w | (1ull << (vector & 63)), e))
		return PI_ERROR;
	if (ctl & PI_SN)
		return PI_SUPPRESSED;
	if (ctl & PI_ON)
		return PI_COALESCED;
	if (physmem_write64(pm, pda + 8 * PI_CTL_WORD, ctl | PI_ON, e))
		return PI_ERROR;
	*nv = (uint8_t)(ctl >> PI_NV_SHIFT);
	*ndst = (uint32_t)(ctl >> PI_NDST_SHIFT);
	return PI_NOTIFY;
}

int pi_take(struct physmem *pm, uint64_t pda, uint64_t pir[4], struct iov_err *e)
{
	uint64_t ctl;
	if (physmem_read64(pm, pda + 8 * PI_CTL_WORD, &ctl))
		return pi_missing(pda, e);
	for (unsigned w = 0; w < 4; w++)
		if (physmem_read64(pm, pda + 8 * w, &pir[w]) || physmem_write64(pm, pda + 8 * w, 0, e))
			return pi_missing(pda, e);
	return physmem_write64(pm, pda + 8 * PI_CTL_WORD, ctl & ~PI_ON, e);
}

int pi_set_control(struct physmem *pm, uint64_t pda, bool sn, uint8_t nv, uint32_t ndst,
		   struct iov_err *e)
{
	uint64_t ctl;
	if (physmem_read64(pm, pda + 8 * PI_CTL_WORD, &ctl))
		return pi_missing(pda, e);
	return physmem_write64(pm, pda + 8 * PI_CTL_WORD, pi_ctl(ctl & PI_ON, sn, nv, ndst), e);
}
