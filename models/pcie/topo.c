/* topo.c - enumeration of the PCIe hierarchy, depth first as firmware does it
 *
 * Buses: each root port, then each switch's internal bus and each downstream
 * port, gets the next free bus number on the way down; a bridge's
 * subordinate bus is the last one used below it when the walk comes back up
 * (the PCI-to-PCI bridge architecture; Linux pci_scan_bridge does the same).
 * A 'bus:' pinned on a device or switch moves the secondary bus of the port
 * above it to that number (it must not be one already used).
 * BARs: placed in the order the walk meets them, each naturally aligned
 * (a BAR's base is a multiple of its size), avoiding pinned BARs; each bridge's
 * memory window is the 1 MiB-aligned cover of everything below it.
 */
#include <stdlib.h>
#include <string.h>

#include "pcie_topo.h"
#include "sim.h"
#include "sriov.h"

/* ------------------------------------------------------------- walking -- */

struct pcie_node *pcie_node_beyond(struct port *p, struct port **entry)
{
	for (int hops = 0; p && p->peer && hops < 64; hops++) {
		struct port *q = p->peer;
		struct pcie_node *n = q->owner->pcie;
		if (!n)
			return NULL;
		if (n->kind != PCIE_NODE_LINK) {
			if (entry)
				*entry = q;
			return n;
		}
		p = n->across(n, q);
	}
	return NULL;
}

struct enum_state {
	struct pcie_topo *t;
	unsigned next_bus;              /* last bus number used */
	struct iov_err *e;
	/* pinned BARs, to keep automatic ones clear of them */
	unsigned npinned, pinned_cap;
	struct pcie_bar **pinned;
	uint64_t cursor;
};

static int topo_add_fn(struct pcie_topo *t, struct pcie_fn *f, struct iov_err *e)
{
	for (unsigned i = 0; i < t->nfns; i++)
		if (t->fns[i] == f)
			return iov_err_set(e, IOV_BAD_INPUT, "%s: PCIe function '%s' is reached twice "
					   "by enumeration: the topology has a loop", f->c->name,
					   f->name);
	if (t->nfns == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 32;
		struct pcie_fn **nf = realloc(t->fns, cap * sizeof(*nf));
		if (!nf)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		t->fns = nf;
		t->cap = cap;
	}
	t->fns[t->nfns++] = f;
	return 0;
}

int pcie_topo_reserve(struct pcie_topo *t, unsigned extra, struct iov_err *e)
{
	if (t->nfns + extra <= t->cap)
		return 0;
	unsigned cap = t->nfns + extra;
	struct pcie_fn **nf = realloc(t->fns, cap * sizeof(*nf));
	if (!nf)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	t->fns = nf;
	t->cap = cap;
	return 0;
}

int pcie_topo_add(struct pcie_topo *t, struct pcie_fn *f, struct iov_err *e)
{
	struct iov_err dummy;
	return topo_add_fn(t, f, e ? e : &dummy);
}

void pcie_topo_remove(struct pcie_topo *t, struct pcie_fn *f)
{
	for (unsigned i = 0; i < t->nfns; i++)
		if (t->fns[i] == f) {
			memmove(&t->fns[i], &t->fns[i + 1], (t->nfns - i - 1) * sizeof(*t->fns));
			t->nfns--;
			return;
		}
}

static int enum_bus(struct enum_state *st, int pinned, const struct cfg_loc *loc, const char *who)
{
	unsigned want = st->next_bus + 1;
	if (pinned >= 0) {
		if ((unsigned)pinned < want)
			return iov_err_at(st->e, IOV_BAD_INPUT, loc->file, loc->line, loc->col,
					  "'%s' pins bus %u, but buses up to %u are already used by "
					  "enumeration above or before it", who, (unsigned)pinned,
					  st->next_bus);
		want = (unsigned)pinned;
	}
	if (want > 255)
		return iov_err_set(st->e, IOV_BAD_INPUT, "%s: the hierarchy needs more than 256 "
				   "buses", who);
	st->next_bus = want;
	return (int)want;
}

/* Buses for the VFs of the device's PFs at TotalVFs, reserved below the port
 * (Linux: compute_max_vf_buses, pci_iov_bus_range). */
static int enum_vf_buses(struct enum_state *st, const struct pcie_dev *d)
{
	for (unsigned i = 0; i < d->nfns; i++) {
		const struct pcie_fn *f = d->fns[i];
		if (!f->sriov)
			continue;
		unsigned last = sriov_bus_span(f->sriov, f->rid);
		if (last > 255)
			return iov_err_set(st->e, IOV_BAD_INPUT, "%s: its %u VFs would need buses "
					   "up to %u, past bus 255", f->name,
					   sriov_total_vfs(f->sriov), last);
		if (last > st->next_bus)
			st->next_bus = last;
	}
	return 0;
}

static int enum_device(struct enum_state *st, struct pcie_fn *bridge, struct pcie_node *n,
		       uint8_t bus)
{
	struct pcie_dev *d = &n->dev;
	d->up = bridge;
	if (n->kind == PCIE_NODE_MFD) {
		/* Its functions are the endpoints on its f0..f7 ports: fn = port. */
		d->nfns = 0;
		for (unsigned j = 0; j < n->ndown; j++) {
			struct port *entry = NULL;
			struct pcie_node *f = pcie_node_beyond(n->down[j], &entry);
			if (!f)
				continue;
			if (f->kind != PCIE_NODE_ENDPOINT || entry != f->up)
				return iov_err_set(st->e, IOV_BAD_INPUT, "%s: port f%u must connect "
						   "to a device function's 'up' port, not to '%s'",
						   n->c->name, j, f->c->name);
			f->self->fn_no = (uint8_t)j;
			n->down_fn[j] = f->self;
			d->fns[d->nfns++] = f->self;
		}
	}
	for (unsigned i = 0; i < d->nfns; i++) {
		struct pcie_fn *f = d->fns[i];
		f->rid = (uint16_t)(bus << 8 | f->fn_no);
		f->up = bridge;
		f->dev = d;
		if (topo_add_fn(st->t, f, st->e))
			return -1;
	}
	return enum_vf_buses(st, d);
}

static int enum_port(struct enum_state *st, struct pcie_fn *b, struct port *p);

static int enum_switch(struct enum_state *st, struct pcie_fn *b, struct pcie_node *n, uint8_t bus)
{
	struct pcie_fn *u = n->self;
	u->rid = (uint16_t)(bus << 8);
	u->up = b;
	if (topo_add_fn(st->t, u, st->e))
		return -1;
	int ib = enum_bus(st, -1, &n->loc, n->c->name);
	if (ib < 0)
		return -1;
	n->int_bus = (uint8_t)ib;
	u->sec = (uint8_t)ib;
	for (unsigned j = 0; j < n->ndown; j++) {
		struct pcie_fn *dp = n->down_fn[j];
		dp->rid = (uint16_t)(ib << 8 | j << 3);
		dp->up = u;
		if (topo_add_fn(st->t, dp, st->e) || enum_port(st, dp, n->down[j]))
			return -1;
	}
	u->sub = (uint8_t)st->next_bus;
	return 0;
}

/* The bridge b owns port p: give it a secondary bus and enumerate below. */
static int enum_port(struct enum_state *st, struct pcie_fn *b, struct port *p)
{
	struct port *entry = NULL;
	struct pcie_node *n = pcie_node_beyond(p, &entry);
	int bus = enum_bus(st, n ? n->pinned_bus : -1, n ? &n->loc : &(struct cfg_loc){ 0 },
			   n ? n->c->name : b->name);
	if (bus < 0)
		return -1;
	b->sec = (uint8_t)bus;
	int r = 0;
	if (n) {
		if (entry != n->up)
			return iov_err_set(st->e, IOV_BAD_INPUT, "%s: port '%s' of '%s' faces the "
					   "root, but the hierarchy reaches it from below",
					   b->name, entry->name, n->c->name);
		switch (n->kind) {
		case PCIE_NODE_SWITCH:
			r = enum_switch(st, b, n, (uint8_t)bus);
			break;
		case PCIE_NODE_ENDPOINT:
		case PCIE_NODE_MFD:
			r = enum_device(st, b, n, (uint8_t)bus);
			break;
		default:
			return iov_err_set(st->e, IOV_BAD_INPUT, "%s: '%s' below a bridge cannot be "
					   "a root complex", b->name, n->c->name);
		}
	}
	b->sub = (uint8_t)st->next_bus;
	return r;
}

/* ---------------------------------------------------------------- BARs -- */

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

/* Next free place of 'size' aligned to 'align' at or after the cursor. */
static uint64_t place_aligned(struct enum_state *st, uint64_t size, uint64_t align)
{
	uint64_t at = align_up(st->cursor, align);
	for (bool moved = true; moved;) {
		moved = false;
		for (unsigned i = 0; i < st->npinned; i++) {
			const struct pcie_bar *pb = st->pinned[i];
			if (overlaps(at, size, pb->addr, pb->size)) {
				at = align_up(pb->addr + pb->size, align);
				moved = true;
			}
		}
	}
	return at;
}

/* Naturally aligned (a BAR's base is a multiple of its size). */
static uint64_t place(struct enum_state *st, uint64_t size)
{
	return place_aligned(st, size, size);
}

static void cover(struct pcie_fn *b, uint64_t base, uint64_t end)
{
	base &= ~(PCIE_BRIDGE_ALIGN - 1);
	end = align_up(end, PCIE_BRIDGE_ALIGN);
	if (b->win_base == b->win_limit) {
		b->win_base = base;
		b->win_limit = end;
		return;
	}
	if (base < b->win_base)
		b->win_base = base;
	if (end > b->win_limit)
		b->win_limit = end;
}

/* The VF BAR regions of a PF: TotalVFs * size each, after its own BARs. */
static void bars_vf(struct enum_state *st, struct pcie_fn *b, struct pcie_fn *f)
{
	uint64_t align = 0, span;
	for (unsigned k = 0; f->sriov && (span = sriov_vf_bar_span(f->sriov, k, &align)); k++) {
		uint64_t at = place_aligned(st, span, align);
		sriov_set_vf_bar(f->sriov, k, at);
		st->cursor = at + span;
		cover(b, at, at + span);
	}
}

static void bars_fn(struct enum_state *st, struct pcie_fn *f)
{
	/* Largest first, as firmware sorts them: less padding. */
	unsigned order[PCIE_MAX_BARS];
	for (unsigned i = 0; i < f->nbars; i++)
		order[i] = i;
	for (unsigned i = 1; i < f->nbars; i++)
		for (unsigned j = i; j > 0 && f->bars[order[j]].size > f->bars[order[j - 1]].size; j--) {
			unsigned x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (unsigned k = 0; k < f->nbars; k++) {
		struct pcie_bar *b = &f->bars[order[k]];
		if (b->pinned)
			continue;
		b->addr = place(st, b->size);
		st->cursor = b->addr + b->size;
	}
}

static void bars_below(struct enum_state *st, struct pcie_fn *b, struct port *p)
{
	st->cursor = align_up(st->cursor, PCIE_BRIDGE_ALIGN);
	b->win_base = b->win_limit = 0;
	struct pcie_node *n = pcie_node_beyond(p, NULL);
	if (!n)
		return;
	if (n->kind == PCIE_NODE_SWITCH) {
		struct pcie_fn *u = n->self;
		u->win_base = u->win_limit = 0;
		for (unsigned j = 0; j < n->ndown; j++) {
			struct pcie_fn *dp = n->down_fn[j];
			bars_below(st, dp, n->down[j]);
			if (dp->win_limit > dp->win_base)
				cover(u, dp->win_base, dp->win_limit);
		}
		if (u->win_limit > u->win_base)
			cover(b, u->win_base, u->win_limit);
		st->cursor = align_up(st->cursor, PCIE_BRIDGE_ALIGN);
		return;
	}
	for (unsigned i = 0; i < n->dev.nfns; i++) {
		struct pcie_fn *f = n->dev.fns[i];
		bars_fn(st, f);
		for (unsigned k = 0; k < f->nbars; k++)
			cover(b, f->bars[k].addr, f->bars[k].addr + f->bars[k].size);
		bars_vf(st, b, f);
	}
	st->cursor = align_up(st->cursor, PCIE_BRIDGE_ALIGN);
}

static int collect_pinned(struct enum_state *st)
{
	struct pcie_topo *t = st->t;
	for (unsigned i = 0; i < t->nfns; i++) {
		struct pcie_fn *f = t->fns[i];
		for (unsigned k = 0; k < f->nbars; k++) {
			struct pcie_bar *b = &f->bars[k];
			if (!b->pinned)
				continue;
			for (unsigned j = 0; j < st->npinned; j++)
				if (overlaps(b->addr, b->size, st->pinned[j]->addr, st->pinned[j]->size))
					return iov_err_at(st->e, IOV_BAD_INPUT, b->loc.file,
							  b->loc.line, b->loc.col, "pinned BAR of '%s' "
							  "overlaps another pinned BAR", f->name);
			if (st->npinned == st->pinned_cap) {
				unsigned cap = st->pinned_cap ? st->pinned_cap * 2 : 8;
				struct pcie_bar **np = realloc(st->pinned, cap * sizeof(*np));
				if (!np)
					return iov_err_set(st->e, IOV_INTERNAL, "out of memory");
				st->pinned = np;
				st->pinned_cap = cap;
			}
			st->pinned[st->npinned++] = b;
		}
	}
	return 0;
}

/* Sibling windows must not overlap (pinned BARs can make them). */
static int check_windows(struct enum_state *st, struct pcie_fn *const *br, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = i + 1; j < n; j++) {
			const struct pcie_fn *a = br[i], *b = br[j];
			if (a->win_limit > a->win_base && b->win_limit > b->win_base &&
			    overlaps(a->win_base, a->win_limit - a->win_base, b->win_base,
				     b->win_limit - b->win_base))
				return iov_err_set(st->e, IOV_BAD_INPUT, "memory windows of '%s' "
						   "[0x%llx, 0x%llx) and '%s' [0x%llx, 0x%llx) overlap: "
						   "pinned BARs below them interleave", a->name,
						   (unsigned long long)a->win_base,
						   (unsigned long long)a->win_limit, b->name,
						   (unsigned long long)b->win_base,
						   (unsigned long long)b->win_limit);
		}
	}
	return 0;
}

static int check_all_windows(struct enum_state *st)
{
	struct pcie_topo *t = st->t;
	if (check_windows(st, t->rc->down_fn, t->rc->ndown))
		return -1;
	for (unsigned i = 0; i < t->nfns; i++) {
		struct pcie_fn *f = t->fns[i];
		if (f->kind != PCIE_FN_SWITCH_UP)
			continue;
		struct pcie_node *n = f->c->pcie;
		if (check_windows(st, n->down_fn, n->ndown))
			return -1;
	}
	for (unsigned i = 0; i < t->nfns; i++) {
		const struct pcie_fn *f = t->fns[i];
		if (f->kind == PCIE_FN_ROOT_PORT && f->win_limit > f->win_base &&
		    (f->win_base < t->mmio_base || f->win_limit > t->mmio_limit))
			return iov_err_set(st->e, IOV_BAD_INPUT, "BARs below '%s' need [0x%llx, "
					   "0x%llx), outside the root complex's MMIO range [0x%llx, "
					   "0x%llx): raise mmio_size", f->name,
					   (unsigned long long)f->win_base,
					   (unsigned long long)f->win_limit,
					   (unsigned long long)t->mmio_base,
					   (unsigned long long)t->mmio_limit);
	}
	return 0;
}

/* After everything is placed: room for every PF's TotalVFs, then each PF's
 * boot-time driver enables its num_vfs (sriov.h). */
static int enum_sriov_boot(struct pcie_topo *t, struct iov_err *e)
{
	unsigned extra = 0, nfns = t->nfns;
	for (unsigned i = 0; i < nfns; i++)
		if (t->fns[i]->sriov && !t->fns[i]->vf)
			extra += sriov_total_vfs(t->fns[i]->sriov);
	if (pcie_topo_reserve(t, extra, e))
		return -1;
	for (unsigned i = 0; i < nfns; i++) {
		struct sriov_pf *sp = t->fns[i]->sriov;
		if (!sp || t->fns[i]->vf)
			continue;
		sriov_attach(sp, t);
		if (sriov_boot(sp, e))
			return -1;
	}
	return sriov_check_vm_devices(t->rc->c->sim, t, e);
}

int pcie_enumerate(struct pcie_topo *t, struct pcie_node *rc, struct iov_err *e)
{
	struct enum_state st = { .t = t, .e = e, .next_bus = 0, .cursor = t->mmio_base };
	t->rc = rc;
	int r = 0;
	for (unsigned i = 0; i < rc->ndown && !r; i++) {
		struct pcie_fn *rp = rc->down_fn[i];
		rp->rid = (uint16_t)((i + 1) << 3);     /* 00:01.0, 00:02.0, ... */
		rp->up = NULL;
		r = topo_add_fn(t, rp, e) || enum_port(&st, rp, rc->down[i]) ? -1 : 0;
	}
	if (!r)
		r = collect_pinned(&st);
	for (unsigned i = 0; i < rc->ndown && !r; i++)
		bars_below(&st, rc->down_fn[i], rc->down[i]);
	if (!r)
		r = check_all_windows(&st);
	if (!r)
		r = enum_sriov_boot(t, e);
	t->last_bus = (uint8_t)st.next_bus;
	free(st.pinned);
	return r;
}

void pcie_topo_free(struct pcie_topo *t)
{
	free(t->fns);
	t->fns = NULL;
	t->nfns = t->cap = 0;
}

struct pcie_topo *pcie_topo_of(struct sim *s)
{
	for (size_t i = 0; i < s->ncomps; i++) {
		struct pcie_node *n = s->comps[i]->pcie;
		if (n && n->kind == PCIE_NODE_RC)
			return pcie_rc_topo(n);
	}
	return NULL;
}

/* ------------------------------------------------------------- routing -- */

int pcie_route_down(const struct pcie_node *n, const struct tlp *t)
{
	if (tlp_for_root(t))
		return -1;
	bool id = tlp_routed_by_id(t);
	uint16_t dest = tlp_route_id(t);
	for (unsigned j = 0; j < n->ndown; j++) {
		const struct pcie_fn *b = n->down_fn[j];
		if (id ? pcie_in_buses(b, dest) : pcie_in_window(b, t->addr))
			return (int)j;
	}
	return -1;
}

struct pcie_fn *pcie_fn_at(const struct pcie_topo *t, uint64_t addr)
{
	for (unsigned i = 0; i < t->nfns; i++) {
		struct pcie_fn *f = t->fns[i];
		if (f->kind == PCIE_FN_ENDPOINT && pcie_fn_holds(f, addr))
			return f;
	}
	return NULL;
}

struct pcie_fn *pcie_fn_by_rid(const struct pcie_topo *t, uint16_t rid)
{
	for (unsigned i = 0; i < t->nfns; i++)
		if (t->fns[i]->rid == rid)
			return t->fns[i];
	return NULL;
}

const char *pcie_caps_str(uint32_t caps, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ PCIE_CAP_PCIE, "PCIe" }, { PCIE_CAP_MSIX, "MSI-X" }, { PCIE_CAP_ACS, "ACS" },
		{ PCIE_CAP_ATS, "ATS" }, { PCIE_CAP_SRIOV, "SR-IOV" },
	};
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names) && o < len; i++)
		if (caps & names[i].bit)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", names[i].name);
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

const char *pcie_bdf_str(uint16_t rid, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x.%x", rid >> 8, (rid >> 3) & 31, rid & 7);
	return buf;
}
