/* intremap.c - interrupt remapping: the IRT in simulated memory, the IEC, checks and faults
 *
 * See intremap.h for the entry layout and what is not modelled. The table
 * is the first frames of the unit's memory region (the frame allocator hands
 * them out in order), zeroed: every entry starts not present.
 */
#include <stdio.h>
#include <stdlib.h>

#include "models/iommu/intremap.h"
#include "models/pcie/msix.h"

#define IRTE_P (1ull << 0)
#define IRTE_FPD (1ull << 1)
#define IRTE_IM (1ull << 15)
#define IRTE_VEC_SHIFT 16
#define IRTE_RSVD_REMAP_LO (0x7000ull | 0xff000000ull)
#define IRTE_RSVD_POST_LO (0xfcull | 0x3000ull | 0x3fff000000ull)
#define IRTE_RSVD_REMAP_HI (~0xfffffull)
#define IRTE_RSVD_POST_HI 0xfff00000ull

enum ir_ctr {
	IR_C_REQUESTS, IR_C_REMAPPED, IR_C_POSTED, IR_C_COMPAT, IR_C_FAULTS,
	IR_C_FAULT0,            /* + (reason - 0x20) */
	IR_C__COUNT = IR_C_FAULT0 + IR_FAULT_COUNT
};

static const struct sacache_ctr_desc ir_ctr_desc[IR_C__COUNT] = {
	{ "requests", "MSIs that reached interrupt remapping" },
	{ "remapped", "remappable requests translated through a remapped-format IRTE" },
	{ "posted", "remappable requests translated through a posted-format IRTE" },
	{ "compat", "compatibility-format requests let through (not remapped)" },
	{ "faults.total", "interrupt requests blocked by a remapping fault" },
	{ "faults.reserved_request", "0x20: reserved field set in the interrupt request" },
	{ "faults.index", "0x21: interrupt handle above the table size" },
	{ "faults.not_present", "0x22: IRTE not present" },
	{ "faults.root_invalid", "0x23: IR table root invalid (the entry could not be read)" },
	{ "faults.reserved_irte", "0x24: reserved IRTE field set" },
	{ "faults.compat_blocked", "0x25: compatibility-format interrupt blocked" },
	{ "faults.source_id", "0x26: source-ID validation failed" },
};

struct ir_unit {
	struct ir_params p;
	struct physmem *pm;
	uint64_t irta;
	uint64_t next;                  /* next IRTE index ir_alloc hands out */
	struct sacache *iec;
	struct sacache_ctrs ctrs;
};

const char *ir_fault_name(enum ir_fault f)
{
	if (f < IR_FAULT_FIRST || f >= IR_FAULT_FIRST + IR_FAULT_COUNT)
		return "none";
	return ir_ctr_desc[IR_C_FAULT0 + (f - IR_FAULT_FIRST)].name + 7;   /* past "faults." */
}

static int ir_table_build(struct ir_unit *ir, const char *what, struct iov_err *e)
{
	uint64_t frames = (ir->p.entries * 16 + PHYSMEM_FRAME_SIZE - 1) / PHYSMEM_FRAME_SIZE;
	for (uint64_t i = 0; i < frames; i++) {
		uint64_t pa;
		if (physmem_alloc_frame(ir->pm, &pa, e))
			return -1;
		if (i == 0)
			ir->irta = pa;
		else if (pa != ir->irta + i * PHYSMEM_FRAME_SIZE)
			return iov_err_set(e, IOV_INTERNAL, "%s: IR table frames not contiguous", what);
	}
	return 0;
}

struct ir_unit *ir_create(const struct ir_params *p, uint64_t seed, const char *what,
			  struct iov_err *e)
{
	if (!p->entries || p->entries > 65536 || (p->entries & (p->entries - 1))) {
		iov_err_set(e, IOV_BAD_INPUT, "%s: IR table entries must be a power of two in "
			    "1..65536 (the handle has 16 bits), not %llu", what,
			    (unsigned long long)p->entries);
		return NULL;
	}
	if (p->entries * 16 > p->size) {
		iov_err_set(e, IOV_BAD_INPUT, "%s: the IR memory region (%llu bytes) cannot hold "
			    "a table of %llu entries", what, (unsigned long long)p->size,
			    (unsigned long long)p->entries);
		return NULL;
	}
	struct ir_unit *ir = calloc(1, sizeof(*ir));
	if (!ir) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	ir->p = *p;
	sacache_ctrs_init(&ir->ctrs, ir_ctr_desc, IR_C__COUNT);
	if (sacache_geom_check(&p->iec, what, e) ||
	    !(ir->pm = physmem_create(p->base, p->size, e)) || ir_table_build(ir, what, e) ||
	    !(ir->iec = sacache_create(&p->iec, 0, seed, what, e))) {
		ir_destroy(ir);
		return NULL;
	}
	return ir;
}

void ir_destroy(struct ir_unit *ir)
{
	if (!ir)
		return;
	sacache_destroy(ir->iec);
	physmem_destroy(ir->pm);
	free(ir);
}

int ir_stats_register(struct ir_unit *ir, struct stats *s, const char *prefix,
		      struct iov_err *e)
{
	char p[160];
	snprintf(p, sizeof(p), "%s.iec", prefix);
	if (sacache_ctrs_register(&ir->ctrs, s, prefix, e))
		return -1;
	return sacache_ctrs_register(sacache_counters(ir->iec), s, p, e);
}

struct physmem *ir_memory(struct ir_unit *ir)
{
	return ir->pm;
}

int ir_alloc(struct ir_unit *ir, uint16_t *index, const char *what, struct iov_err *e)
{
	if (ir->next >= ir->p.entries)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: the interrupt remapping table is full "
				   "(%llu entries); raise ir_entries", what,
				   (unsigned long long)ir->p.entries);
	*index = (uint16_t)ir->next++;
	return 0;
}

uint64_t ir_entry_addr(const struct ir_unit *ir, uint16_t index)
{
	return ir->irta + 16ull * index;
}

void ir_set_root(struct ir_unit *ir, uint64_t irta)
{
	ir->irta = irta;
	sacache_flush(ir->iec);
}

int ir_set_raw(struct ir_unit *ir, uint16_t index, uint64_t lo, uint64_t hi, struct iov_err *e)
{
	uint64_t a = ir_entry_addr(ir, index);
	sacache_invalidate_key(ir->iec, index, sacache_index(ir->iec, index, 0), 0);
	if (physmem_write64(ir->pm, a, lo, e) || physmem_write64(ir->pm, a + 8, hi, e))
		return -1;
	return 0;
}

int ir_set_entry(struct ir_unit *ir, uint16_t index, const struct irte *x, struct iov_err *e)
{
	uint64_t lo = (x->present ? IRTE_P : 0) | (x->fpd ? IRTE_FPD : 0) |
		      ((uint64_t)x->vector << IRTE_VEC_SHIFT);
	uint64_t hi = x->sid | ((uint64_t)(x->sq & 3) << 16) | ((uint64_t)(x->svt & 3) << 18);
	if (x->posted) {
		if (x->pda & 63)
			return iov_err_set(e, IOV_INTERNAL, "posted descriptor 0x%llx not 64-byte "
					   "aligned", (unsigned long long)x->pda);
		lo |= IRTE_IM | (((x->pda >> 6) & 0x3ffffffull) << 38);
		hi |= (x->pda >> 32) << 32;
	} else {
		lo |= (uint64_t)x->dest << 32;
	}
	return ir_set_raw(ir, index, lo, hi, e);
}

enum ir_fault ir_request(struct ir_unit *ir, uint64_t addr, uint32_t data, bool *compat,
			 uint16_t *handle)
{
	sacache_ctr_add(&ir->ctrs, IR_C_REQUESTS, 1);
	*compat = !msi_addr_is_remappable(addr);
	if (*compat) {
		if (ir->p.block_compat)
			return IR_FAULT_COMPAT;
		sacache_ctr_add(&ir->ctrs, IR_C_COMPAT, 1);
		return IR_OK;
	}
	if (data >> 16)
		return IR_FAULT_REQ_RESERVED;
	uint32_t h = msi_addr_handle(addr);
	if (addr & MSI_ADDR_SHV)
		h += data & 0xffffu;
	if (h >= ir->p.entries)
		return IR_FAULT_INDEX;
	*handle = (uint16_t)h;
	return IR_OK;
}

bool ir_iec_lookup(struct ir_unit *ir, uint16_t handle)
{
	return sacache_lookup(ir->iec, handle, sacache_index(ir->iec, handle, 0), 0) != NULL;
}

void ir_iec_fill(struct ir_unit *ir, uint16_t handle)
{
	sacache_insert(ir->iec, handle, sacache_index(ir->iec, handle, 0), 0, 0, NULL);
}

static bool ir_sid_ok(const struct irte *x, uint16_t rid)
{
	static const uint16_t sq_mask[4] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };
	switch (x->svt) {
	case 0:
		return true;
	case 1:
		return (rid & sq_mask[x->sq]) == (x->sid & sq_mask[x->sq]);
	default:                        /* 2: bus range */
		return (rid >> 8) >= (x->sid >> 8) && (rid >> 8) <= (x->sid & 0xff);
	}
}

static enum ir_fault ir_decode(uint64_t lo, uint64_t hi, struct irte *x)
{
	*x = (struct irte){ .present = lo & IRTE_P, .fpd = lo & IRTE_FPD, .posted = lo & IRTE_IM,
			    .vector = (uint8_t)(lo >> IRTE_VEC_SHIFT), .sid = (uint16_t)hi,
			    .sq = (hi >> 16) & 3, .svt = (hi >> 18) & 3 };
	if (!x->present)
		return IR_FAULT_NOT_PRESENT;
	if (x->svt == 3)
		return IR_FAULT_IRTE_RESERVED;
	if (x->posted) {
		if ((lo & IRTE_RSVD_POST_LO) || (hi & IRTE_RSVD_POST_HI))
			return IR_FAULT_IRTE_RESERVED;
		x->pda = ((lo >> 38) << 6) | ((hi >> 32) << 32);
	} else {
		if ((lo & IRTE_RSVD_REMAP_LO) || (hi & IRTE_RSVD_REMAP_HI))
			return IR_FAULT_IRTE_RESERVED;
		x->dest = (uint32_t)(lo >> 32);
	}
	return IR_OK;
}

enum ir_fault ir_translate(struct ir_unit *ir, uint16_t rid, uint16_t handle, struct irte *out)
{
	uint64_t lo, hi, a = ir_entry_addr(ir, handle);
	if (physmem_read64(ir->pm, a, &lo) || physmem_read64(ir->pm, a + 8, &hi))
		return IR_FAULT_ROOT;
	enum ir_fault f = ir_decode(lo, hi, out);
	if (f)
		return f;
	if (!ir_sid_ok(out, rid))
		return IR_FAULT_SID;
	sacache_ctr_add(&ir->ctrs, out->posted ? IR_C_POSTED : IR_C_REMAPPED, 1);
	return IR_OK;
}

void ir_count_fault(struct ir_unit *ir, enum ir_fault f)
{
	if (f < IR_FAULT_FIRST || f >= IR_FAULT_FIRST + IR_FAULT_COUNT)
		return;
	sacache_ctr_add(&ir->ctrs, IR_C_FAULTS, 1);
	sacache_ctr_add(&ir->ctrs, IR_C_FAULT0 + (f - IR_FAULT_FIRST), 1);
}

enum ir_fault ir_remap(struct ir_unit *ir, uint16_t rid, uint64_t addr, uint32_t data,
		       bool *compat, struct irte *out)
{
	uint16_t h = 0;
	*out = (struct irte){ 0 };
	enum ir_fault f = ir_request(ir, addr, data, compat, &h);
	if (!f && !*compat) {
		bool hit = ir_iec_lookup(ir, h);
		f = ir_translate(ir, rid, h, out);
		if (!f && !hit)
			ir_iec_fill(ir, h);
	}
	ir_count_fault(ir, f);
	return f;
}
