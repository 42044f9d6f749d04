/* intremap.h - interrupt remapping: IRTE table in simulated memory, entry cache, checks, faults
 *
 * The remapping half of the IOMMU (VT-d chapter 5 / 9.10-9.11, FACTS.md):
 * an MSI in remappable format (address bit 4) carries an interrupt handle
 * (msix.h) that indexes the interrupt remapping table (IRT), 16-byte entries
 * (IRTEs) in host memory at the IRTA address. The entry says where the
 * interrupt goes: remapped format (IM = 0) a host vector and destination
 * APIC ID; posted format (IM = 1) a guest vector and the address of a
 * posted-interrupt descriptor (posted_irq.h). Each entry also says which
 * requester may use it (SVT / SQ / SID). Entries are cached in an
 * interrupt-entry cache (IEC, a sacache keyed by handle). Requests that fail
 * a check are blocked with the VT-d fault reason (FACTS.md 0x20..0x26).
 *
 * IRTE layout of the model (128 bits, two little-endian words):
 *   low  bit 0 P, bit 1 FPD, bit 15 IM, bits 23:16 vector,
 *        remapped: bits 2..7 DM/RH/TM/DLM (stored, not interpreted),
 *                  bits 14:12 and 31:24 reserved, bits 63:32 DST;
 *        posted:   bits 7:2, 13:12 and 37:24 reserved, bit 14 URG (stored),
 *                  bits 63:38 descriptor address bits 31:6;
 *   high bits 15:0 SID, 17:16 SQ, 19:18 SVT (3 is reserved),
 *        remapped: bits 63:20 reserved; posted: bits 31:20 reserved,
 *        bits 63:32 descriptor address bits 63:32.
 * Source validation: SVT 0 none; 1 the requester ID equals SID, ignoring
 * function-number bits as SQ says (1: bit 2, 2: bits 2:1, 3: bits 2:0);
 * 2 the requester's bus lies in [SID[15:8], SID[7:0]].
 *
 * This file is the mechanism without time: the owner (the host model,
 * models/host/) charges the IEC latency, issues the timed IRTE read through
 * the root complex on a miss, and calls ir_translate when the data is back.
 *
 * Not modelled: fault recording registers and the fault event (faults are
 * counted by reason; FPD is stored but faults are always counted), x2APIC
 * vs xAPIC destination formats (DST is a plain APIC ID), destination and
 * delivery modes, EIME, IRTE changes during a run other than through
 * ir_set_entry (which invalidates the IEC entry).
 */
#ifndef IOVSIM_INTREMAP_H
#define IOVSIM_INTREMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "models/iommu/physmem.h"
#include "models/iommu/sacache.h"

struct stats;

/* Remapping fault reasons (VT-d; FACTS.md). */
enum ir_fault {
	IR_OK = 0,
	IR_FAULT_REQ_RESERVED = 0x20,   /* reserved field set in the interrupt request */
	IR_FAULT_INDEX = 0x21,          /* handle above the table size */
	IR_FAULT_NOT_PRESENT = 0x22,    /* IRTE P = 0 */
	IR_FAULT_ROOT = 0x23,           /* IRT root (IRTA) invalid: the entry cannot be read */
	IR_FAULT_IRTE_RESERVED = 0x24,  /* reserved IRTE field set */
	IR_FAULT_COMPAT = 0x25,         /* compatibility-format interrupt blocked */
	IR_FAULT_SID = 0x26,            /* source-ID validation failed */
};
#define IR_FAULT_FIRST 0x20
#define IR_FAULT_COUNT 7

/* "reserved_request", "index", "not_present", "root_invalid", "reserved_irte",
 * "compat_blocked", "source_id": the stat leaf names (iommu.ir.faults.<name>). */
const char *ir_fault_name(enum ir_fault f);

/* A decoded IRTE. */
struct irte {
	bool present, fpd, posted;
	uint8_t vector;                 /* remapped: host vector; posted: guest vector */
	uint32_t dest;                  /* remapped: destination APIC ID */
	uint64_t pda;                   /* posted: descriptor address (64-byte aligned) */
	uint16_t sid;
	uint8_t sq, svt;
};

struct ir_params {
	uint64_t base;                  /* host-physical region of the IRT and descriptors */
	uint64_t size;
	uint64_t entries;               /* IRT size, a power of two */
	int block_compat;               /* block compatibility-format interrupts (0x25) */
	struct sacache_geom iec;
};

struct ir_unit;

/* Create a remapping unit with an empty (all not-present) table of p->entries
 * at the start of its memory region [base, base + size); the rest of the
 * region holds frames the owner allocates (ir_memory: posted-interrupt
 * descriptors). Returns NULL with e set (bad region or geometry: status 2). */
struct ir_unit *ir_create(const struct ir_params *p, uint64_t seed, const char *what,
			  struct iov_err *e);
void ir_destroy(struct ir_unit *ir);

/* Register iommu.ir.* style counters under 'prefix' (requests, remapped,
 * posted, compat, faults.total, faults.<reason>, iec.*). 0 or -1 with e. */
int ir_stats_register(struct ir_unit *ir, struct stats *s, const char *prefix,
		      struct iov_err *e);

/* The unit's memory (table and descriptor frames). */
struct physmem *ir_memory(struct ir_unit *ir);

/* Allocate the next free IRTE index. Returns 0, or -1 with e set (status 2)
 * when the table is full. */
int ir_alloc(struct ir_unit *ir, uint16_t *index, const char *what, struct iov_err *e);

/* Write entry 'index' (< entries) and invalidate its IEC entry. 0 or -1 with e. */
int ir_set_entry(struct ir_unit *ir, uint16_t index, const struct irte *x, struct iov_err *e);
/* Write raw words (tests: reserved bits). Invalidates the IEC entry too. */
int ir_set_raw(struct ir_unit *ir, uint16_t index, uint64_t lo, uint64_t hi, struct iov_err *e);
/* Point the IRTA elsewhere (tests: an invalid root gives 0x23). */
void ir_set_root(struct ir_unit *ir, uint64_t irta);

/* Host-physical address of IRTE 'index'. */
uint64_t ir_entry_addr(const struct ir_unit *ir, uint16_t index);

/* First step of a request: decode the MSI. Compatibility format: *compat =
 * true (IR_OK, or IR_FAULT_COMPAT when blocked). Remappable: *handle = the
 * handle plus the sub-handle (SHV); IR_FAULT_REQ_RESERVED when data bits
 * 31:16 are set, IR_FAULT_INDEX when the handle is beyond the table. Counts
 * the request (not the fault: ir_count_fault). */
enum ir_fault ir_request(struct ir_unit *ir, uint64_t addr, uint32_t data, bool *compat,
			 uint16_t *handle);

/* The IEC: is 'handle' cached (counts a lookup)? ir_iec_fill caches it. */
bool ir_iec_lookup(struct ir_unit *ir, uint16_t handle);
void ir_iec_fill(struct ir_unit *ir, uint16_t handle);

/* Second step: read and check IRTE 'handle' for requester rid (no time):
 * IR_FAULT_ROOT, IR_FAULT_NOT_PRESENT, IR_FAULT_IRTE_RESERVED, IR_FAULT_SID,
 * or IR_OK with *out filled (counted as remapped or posted). */
enum ir_fault ir_translate(struct ir_unit *ir, uint16_t rid, uint16_t handle, struct irte *out);

/* Count a fault (iommu.ir.faults.total and .<reason>). */
void ir_count_fault(struct ir_unit *ir, enum ir_fault f);

/* Both steps at once, IEC included (tests and untimed callers): IR_OK with
 * *out (out->present false and *compat true for a compatibility-format
 * request), or the fault (counted). */
enum ir_fault ir_remap(struct ir_unit *ir, uint16_t rid, uint64_t addr, uint32_t data,
		       bool *compat, struct irte *out);

#endif
