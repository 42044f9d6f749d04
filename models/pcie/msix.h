/* msix.h - MSI-X tables of functions and the x86 MSI address formats
 *
 * Contract shared by the device models (which own a function's table and
 * send a 4-byte MWr of entry.data to entry.addr for vector i), the
 * hypervisor model (models/host/, which programs the entries of functions
 * assigned to VMs) and interrupt remapping (which decodes the address).
 *
 * x86 MSI address (Intel SDM vol. 3 10.11.1; VT-d spec 5.1.2 / 5.1.5):
 *   bits 31:20 = 0xFEE;
 *   compatibility format (bit 4 = 0): bits 19:12 destination APIC ID,
 *     data bits 7:0 the vector;
 *   remappable format (bit 4 = 1): interrupt handle = bits 19:5 (handle[14:0])
 *     and bit 2 (handle[15]); bit 3 SHV: when set, the data's low 16 bits are
 *     a sub-handle added to the handle.
 */
#ifndef IOVSIM_MSIX_H
#define IOVSIM_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#define MSI_ADDR_BASE  0xfee00000ull
#define MSI_ADDR_SIZE  0x100000ull
#define MSI_ADDR_REMAP (1u << 4)
#define MSI_ADDR_SHV   (1u << 3)

struct msix_entry {
	uint64_t addr;
	uint32_t data;
	bool masked;                    /* vector masked: the device holds the interrupt */
	bool pending;                   /* Pending Bit Array: raised while masked */
};

/* A function's MSI-X table; owned by the device model, entries written by
 * the hypervisor model. n = 0: the function has no MSI-X. */
struct msix_table {
	unsigned n;
	struct msix_entry *e;
};

static inline bool msi_addr_in_window(uint64_t a)
{
	return a >= MSI_ADDR_BASE && a - MSI_ADDR_BASE < MSI_ADDR_SIZE;
}

static inline uint64_t msi_addr_compat(uint8_t apic_id)
{
	return MSI_ADDR_BASE | ((uint64_t)apic_id << 12);
}

static inline uint64_t msi_addr_remappable(uint16_t handle)
{
	return MSI_ADDR_BASE | MSI_ADDR_REMAP | ((uint64_t)(handle & 0x7fffu) << 5) |
	       ((uint64_t)(handle >> 15) << 2);
}

static inline bool msi_addr_is_remappable(uint64_t a)
{
	return (a & MSI_ADDR_REMAP) != 0;
}

/* The handle of a remappable-format address (without the sub-handle). */
static inline uint16_t msi_addr_handle(uint64_t a)
{
	return (uint16_t)(((a >> 5) & 0x7fffu) | (((a >> 2) & 1u) << 15));
}

#endif
