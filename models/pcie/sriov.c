/* sriov.c - the SR-IOV capability as registers, and the VFs derived from them
 *
 * Config space is bytes plus a write mask (sriov.h). A write merges only
 * masked bits; afterwards the Control register is compared with what it was
 * and the transitions are carried out: VF Enable 0 -> 1 latches NumVFs and
 * the VF BARs into VF functions (routing ID and BAR arithmetic of FACTS.md)
 * and locks NumVFs, ARI Capable Hierarchy, System Page Size and the VF BARs
 * by clearing their mask; 1 -> 0 removes the VFs and unlocks. VF MSE decides
 * whether the VFs' BARs decode. The PF-driver calls (sriov_enable_vfs ...)
 * only check and then write registers, so the registers stay the truth.
 *
 * Not modelled: see sriov.h (VF migration, varying offset/stride, page sizes
 * other than 4 KiB, 32-bit VF BARs, ATS on VFs).
 */
#include "sriov.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ bytes -- */

static uint32_t rd(const uint8_t *b, unsigned off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)b[off + i] << (8 * i);
	return v;
}

static void wr(uint8_t *b, unsigned off, uint32_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static bool access_ok(unsigned off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && off % size == 0 &&
	       off + size <= SRIOV_CAP_SIZE;
}

uint32_t sriov_cfg_read(const struct sriov_pf *sp, unsigned off, unsigned size)
{
	if (!access_ok(off, size))
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return rd(sp->cfg, off, size);
}

unsigned sriov_total_vfs(const struct sriov_pf *sp) { return rd(sp->cfg, SRIOV_TOTAL_VFS, 2); }
unsigned sriov_num_vfs_reg(const struct sriov_pf *sp) { return rd(sp->cfg, SRIOV_NUM_VFS, 2); }

static uint16_t ctrl(const struct sriov_pf *sp) { return (uint16_t)rd(sp->cfg, SRIOV_CTRL, 2); }

bool sriov_vf_enabled(const struct sriov_pf *sp) { return ctrl(sp) & SRIOV_CTRL_VFE; }
bool sriov_ari(const struct sriov_pf *sp) { return ctrl(sp) & SRIOV_CTRL_ARI; }

uint64_t sriov_vf_bar_base(const struct sriov_pf *sp, unsigned k)
{
	uint64_t lo = rd(sp->cfg, SRIOV_VF_BAR(2 * k), 4) & ~0xfull;
	uint64_t hi = rd(sp->cfg, SRIOV_VF_BAR(2 * k + 1), 4);
	return hi << 32 | lo;
}

/* The write masks as the Control register says (VF Enable locks). */
static void masks_update(struct sriov_pf *sp)
{
	bool locked = sriov_vf_enabled(sp);
	uint16_t cm = SRIOV_CTRL_VFE | SRIOV_CTRL_MSE | (locked ? 0 : SRIOV_CTRL_ARI);
	wr(sp->wmask, SRIOV_CTRL, cm, 2);
	wr(sp->wmask, SRIOV_NUM_VFS, locked ? 0 : 0xffff, 2);
	wr(sp->wmask, SRIOV_SYS_PAGE_SIZE, locked ? 0 : SRIOV_PAGE_4K, 4);
	for (unsigned k = 0; k < SRIOV_MAX_VF_BARS; k++) {
		uint64_t m = 0;
		if (k < sp->nbars && !locked)
			m = ~(sp->bar_size[k] - 1) & ~0xfull;
		wr(sp->wmask, SRIOV_VF_BAR(2 * k), (uint32_t)m, 4);
		wr(sp->wmask, SRIOV_VF_BAR(2 * k + 1), (uint32_t)(m >> 32), 4);
	}
}

static void regs_reset(struct sriov_pf *sp)
{
	memset(sp->cfg, 0, sizeof(sp->cfg));
	memset(sp->wmask, 0, sizeof(sp->wmask));
	memset(sp->w1cmask, 0, sizeof(sp->w1cmask));
	unsigned total = (unsigned)sp->p.total_vfs;
	wr(sp->cfg, SRIOV_HDR, SRIOV_CAP_ID | SRIOV_CAP_VERSION << 16, 4);
	wr(sp->cfg, SRIOV_INITIAL_VFS, total, 2);
	wr(sp->cfg, SRIOV_TOTAL_VFS, total, 2);
	wr(sp->cfg, SRIOV_FN_DEP_LINK, sp->pf->fn_no, 1);
	wr(sp->cfg, SRIOV_FIRST_VF_OFFSET, (uint32_t)sp->p.first_vf_offset, 2);
	wr(sp->cfg, SRIOV_VF_STRIDE, (uint32_t)sp->p.vf_stride, 2);
	wr(sp->cfg, SRIOV_VF_DEVICE_ID, (uint32_t)sp->p.vf_device_id, 2);
	wr(sp->cfg, SRIOV_SUP_PAGE_SIZES, SRIOV_PAGE_4K, 4);
	wr(sp->cfg, SRIOV_SYS_PAGE_SIZE, SRIOV_PAGE_4K, 4);
	for (unsigned k = 0; k < sp->nbars; k++)
		wr(sp->cfg, SRIOV_VF_BAR(2 * k), SRIOV_BAR_TYPE, 4);
	wr(sp->w1cmask, SRIOV_STATUS, 1, 2);    /* VF Migration Status (never set here) */
	masks_update(sp);
}

/* ------------------------------------------------------------- VFs -- */

uint16_t sriov_vf_rid(const struct sriov_pf *sp, unsigned n)
{
	uint32_t off = rd(sp->cfg, SRIOV_FIRST_VF_OFFSET, 2);
	uint32_t stride = rd(sp->cfg, SRIOV_VF_STRIDE, 2);
	return (uint16_t)(sp->pf->rid + off + (n - 1) * stride);
}

/* The VFs' BARs decode only with VF MSE (derived, like everything). */
static void vf_bars_update(struct sriov_pf *sp)
{
	bool mse = ctrl(sp) & SRIOV_CTRL_MSE;
	for (unsigned i = 0; i < sp->nvfs; i++)
		sp->vfs[i].fn.nbars = mse ? sp->nbars : 0;
}

static void vfs_create(struct sriov_pf *sp)
{
	unsigned n = sriov_num_vfs_reg(sp);
	if (n > sriov_total_vfs(sp)) {
		(*sp->st_refused)++;    /* undefined by the spec: no VFs */
		return;
	}
	bool ari = sriov_ari(sp);
	for (unsigned i = 1; i <= n; i++) {
		struct sriov_vf *v = &sp->vfs[i - 1];
		struct pcie_fn *f = &v->fn;
		*f = (struct pcie_fn){ .name = v->name, .kind = PCIE_FN_ENDPOINT, .c = sp->pf->c,
				       .caps = PCIE_CAP_PCIE | (sp->pf->caps & PCIE_CAP_MSIX),
				       .vm = iso_vm_of(sp->sim, v->name), .up = sp->pf->up,
				       .sriov = sp, .vf = i, .pinned_bus = -1 };
		f->rid = sriov_vf_rid(sp, i);
		f->fn_no = (uint8_t)(ari ? f->rid & 0xff : f->rid & 7);
		for (unsigned k = 0; k < sp->nbars; k++)
			f->bars[k] = (struct pcie_bar){ .size = sp->bar_size[k], .loc = sp->loc,
							.addr = sriov_vf_bar_base(sp, k) +
								(uint64_t)(i - 1) * sp->bar_size[k] };
		v->in_flr = false;
		if (sp->topo)
			pcie_topo_add(sp->topo, f, NULL);
	}
	sp->nvfs = n;
	vf_bars_update(sp);
	(*sp->st_enables)++;
	if (sp->ops && sp->ops->vfs_enabled && n)
		sp->ops->vfs_enabled(sp->ctx, sp, n);
}

static void vfs_remove(struct sriov_pf *sp, bool notify)
{
	unsigned n = sp->nvfs;
	if (notify && sp->ops && sp->ops->vfs_disabled && n)
		sp->ops->vfs_disabled(sp->ctx, sp, n);
	for (unsigned i = 0; i < n; i++) {
		if (sp->topo)
			pcie_topo_remove(sp->topo, &sp->vfs[i].fn);
		sp->vfs[i].in_flr = false;
		sp->vfs[i].fn.bme = false;
	}
	sp->nvfs = 0;
	(*sp->st_disables)++;
}

int sriov_cfg_write(struct sriov_pf *sp, unsigned off, uint32_t val, unsigned size)
{
	if (!access_ok(off, size))
		return -1;
	uint16_t before = ctrl(sp);
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i)), m = sp->wmask[off + i];
		uint8_t w1c = sp->w1cmask[off + i];
		sp->cfg[off + i] = (uint8_t)((sp->cfg[off + i] & ~m) | (b & m));
		sp->cfg[off + i] &= (uint8_t)~(b & w1c);
	}
	uint16_t after = ctrl(sp);
	if (!(before & SRIOV_CTRL_VFE) && (after & SRIOV_CTRL_VFE))
		vfs_create(sp);
	else if ((before & SRIOV_CTRL_VFE) && !(after & SRIOV_CTRL_VFE))
		vfs_remove(sp, true);
	if ((before ^ after) & (SRIOV_CTRL_VFE | SRIOV_CTRL_MSE))
		vf_bars_update(sp);
	masks_update(sp);
	return 0;
}

void sriov_reset(struct sriov_pf *sp)
{
	if (sriov_vf_enabled(sp))
		vfs_remove(sp, true);
	regs_reset(sp);
}

struct pcie_fn *sriov_vf(struct sriov_pf *sp, unsigned n)
{
	return sp && n >= 1 && n <= sp->nvfs ? &sp->vfs[n - 1].fn : NULL;
}

unsigned sriov_vf_at(const struct sriov_pf *sp, uint64_t addr)
{
	if (!sp || !sp->nvfs || !(ctrl(sp) & SRIOV_CTRL_MSE))
		return 0;
	for (unsigned k = 0; k < sp->nbars; k++) {
		uint64_t base = sriov_vf_bar_base(sp, k), size = sp->bar_size[k];
		if (addr >= base && (addr - base) / size < sp->nvfs)
			return (unsigned)((addr - base) / size) + 1;
	}
	return 0;
}

unsigned sriov_vf_of_rid(const struct sriov_pf *sp, uint16_t rid)
{
	if (!sp || !sp->nvfs)
		return 0;
	uint32_t stride = rd(sp->cfg, SRIOV_VF_STRIDE, 2);
	uint16_t d = (uint16_t)(rid - sriov_vf_rid(sp, 1));
	if (stride == 0)
		return d == 0 ? 1 : 0;
	if (d % stride || d / stride >= sp->nvfs)
		return 0;
	return d / stride + 1;
}

struct pcie_fn *sriov_fn_by_name(struct sriov_pf *sp, const char *name)
{
	if (!sp)
		return NULL;
	if (!strcmp(name, sp->pf->name))
		return sp->pf;
	size_t l;
	unsigned n;
	if (!iso_vf_name_split(name, &l, &n) || l != strlen(sp->pf->name) ||
	    strncmp(name, sp->pf->name, l))
		return NULL;
	return n <= sp->nvfs ? sriov_vf(sp, n) : NULL;
}

struct pcie_fn *sriov_fn_for_tlp(struct sriov_pf *sp, const struct tlp *t)
{
	if (tlp_routed_by_id(t)) {
		uint16_t id = tlp_route_id(t);
		if (id == sp->pf->rid)
			return sp->pf;
		return sriov_vf(sp, sriov_vf_of_rid(sp, id));
	}
	if (pcie_fn_holds(sp->pf, t->addr))
		return sp->pf;
	return sriov_vf(sp, sriov_vf_at(sp, t->addr));
}
