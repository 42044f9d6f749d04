/* ept.c - a VM's extended page table built from its memory ranges, MMIO holes, and the EPT TLB
 *
 * Everything about the table format, the frame allocator and the walk is
 * models/iommu/pgtable.c and physmem.c, used through their APIs: an EPT is
 * a second-level table (the same format) in its own simulated memory. This
 * file adds what a hypervisor does with it (map the VM, refuse mappings
 * that overlap, keep MMIO ranges unmapped) and the TLB probe by page size.
 * See ept.h for the format and what is not modelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/host/ept.h"

typedef unsigned long long ull;

struct ept *ept_create(unsigned levels, uint64_t table_base, uint64_t table_size,
		       struct iov_err *e)
{
	if (levels != 4 && levels != 5) {
		iov_err_set(e, IOV_BAD_INPUT, "EPT levels must be 4 (48-bit) or 5 (57-bit)");
		return NULL;
	}
	struct ept *ept = calloc(1, sizeof(*ept));
	if (!ept) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	if (!(ept->pm = physmem_create(table_base, table_size, e)) ||
	    !(ept->pt = pgtable_create(ept->pm, levels, e))) {
		ept_free(ept);
		return NULL;
	}
	return ept;
}

void ept_free(struct ept *ept)
{
	if (!ept)
		return;
	pgtable_free(ept->pt);
	physmem_destroy(ept->pm);
	free(ept->mmio);
	free(ept);
}

int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms,
	    uint64_t pgsizes, struct iov_err *e)
{
	return pgtable_map(ept->pt, gpa, hpa, size, perms, pgsizes, e);
}

int ept_map_vm(struct ept *ept, const struct sim_vm *vm, uint64_t pgsizes, struct iov_err *e)
{
	for (size_t i = 0; i < vm->nranges; i++) {
		const struct sim_vm_range *r = &vm->ranges[i];
		struct iov_err e2 = { 0 };     /* e keeps its first message: wrap this one */
		if (pgtable_map(ept->pt, r->gpa, r->base, r->size, PGT_PERM_RW, pgsizes, &e2)) {
			const char *m = strstr(e2.msg, "error: ");
			return iov_err_set(e, e2.status, "EPT of VM '%s': mapping guest-physical "
					   "[0x%llx, +0x%llx) -> 0x%llx: %.200s", vm->name,
					   (ull)r->gpa, (ull)r->size, (ull)r->base, m ? m + 7 : e2.msg);
		}
	}
	return 0;
}

bool ept_hpa_owned(const struct sim_vm *vm, uint64_t hpa, uint64_t size)
{
	uint64_t cur = hpa, end = hpa + size;
	if (end < hpa)
		return false;
	while (cur < end) {
		size_t i = 0;
		while (i < vm->nranges &&
		       !(cur >= vm->ranges[i].base && cur - vm->ranges[i].base < vm->ranges[i].size))
			i++;
		if (i == vm->nranges)
			return false;
		cur = vm->ranges[i].base + vm->ranges[i].size;
	}
	return true;
}

/* First mapped GPA in [gpa, end), or end: walks, skipping what each
 * not-present entry covers. */
static uint64_t ept_first_mapped(const struct ept *ept, uint64_t gpa, uint64_t end)
{
	uint64_t cur = gpa & ~(PGT_SIZE_4K - 1);
	while (cur < end) {
		struct pgt_walk w;
		pgtable_iova_to_phys(ept->pt, cur, &w);
		if (w.status == PGT_WALK_OK)
			return cur > gpa ? cur : gpa;
		if (w.status != PGT_WALK_NOT_PRESENT)
			return end;
		uint64_t step = pgtable_level_size(w.level);
		uint64_t next = (cur & ~(step - 1)) + step;
		if (next <= cur)
			return end;
		cur = next;
	}
	return end;
}

int ept_add_mmio(struct ept *ept, uint64_t gpa, uint64_t size, struct iov_err *e)
{
	uint64_t end = gpa + size;
	if (!size || end < gpa || end > (1ull << ept->pt->width))
		return iov_err_set(e, IOV_BAD_INPUT, "MMIO range [0x%llx, +0x%llx) is empty or beyond "
				   "the EPT's %u-bit guest-physical space", (ull)gpa, (ull)size,
				   ept->pt->width);
	uint64_t m = ept_first_mapped(ept, gpa, end);
	if (m < end)
		return iov_err_set(e, IOV_BAD_INPUT, "MMIO range [0x%llx, +0x%llx) overlaps mapped "
				   "guest memory (at 0x%llx): an emulated register range must be a "
				   "hole in the guest-physical map", (ull)gpa, (ull)size, (ull)m);
	for (size_t i = 0; i < ept->nmmio; i++) {
		const struct ept_mmio *o = &ept->mmio[i];
		if (gpa < o->gpa + o->size && o->gpa < end)
			return iov_err_set(e, IOV_BAD_INPUT, "MMIO range [0x%llx, +0x%llx) overlaps "
					   "MMIO range [0x%llx, +0x%llx)", (ull)gpa, (ull)size,
					   (ull)o->gpa, (ull)o->size);
	}
	struct ept_mmio *n = realloc(ept->mmio, (ept->nmmio + 1) * sizeof(*n));
	if (!n)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	ept->mmio = n;
	ept->mmio[ept->nmmio++] = (struct ept_mmio){ gpa, size };
	return 0;
}

bool ept_is_mmio(const struct ept *ept, uint64_t gpa)
{
	for (size_t i = 0; i < ept->nmmio; i++)
		if (gpa >= ept->mmio[i].gpa && gpa - ept->mmio[i].gpa < ept->mmio[i].size)
			return true;
	return false;
}

void ept_walk(const struct ept *ept, uint64_t gpa, struct pgt_walk *w)
{
	pgtable_iova_to_phys(ept->pt, gpa, w);
}

/* ---- TLB: key = GPA >> page shift, aux bits 1:0 = size class (the tag), 3:2 = perms -- */

static const unsigned ept_tlb_shift[3] = { 12, 21, 30 };

static unsigned ept_size_class(uint64_t page_size)
{
	return page_size == PGT_SIZE_1G ? 2 : page_size == PGT_SIZE_2M ? 1 : 0;
}

bool ept_tlb_lookup(struct sacache *tlb, uint64_t gpa, struct ept_tlb_hit *h)
{
	for (unsigned c = 0; c < 3; c++) {
		uint64_t key = gpa >> ept_tlb_shift[c];
		uint64_t set = sacache_index(tlb, key, c);
		struct sacache_entry *ent = sacache_lookup(tlb, key, set, c);
		if (!ent)
			continue;
		uint64_t size = 1ull << ept_tlb_shift[c];
		h->page_size = size;
		h->hpa = ent->value + (gpa & (size - 1));
		h->perms = (ent->aux >> 2) & PGT_PERM_RW;
		return true;
	}
	return false;
}

void ept_tlb_fill(struct sacache *tlb, const struct pgt_walk *w)
{
	unsigned c = ept_size_class(w->page_size);
	uint64_t key = w->iova >> ept_tlb_shift[c];
	uint64_t base = w->pa & ~(w->page_size - 1);
	sacache_insert(tlb, key, sacache_index(tlb, key, c), base, c | (w->perms << 2), NULL);
}
