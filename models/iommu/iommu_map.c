/* iommu_map.c - the hypervisor's side during a run: map and unmap in a VM's domain
 *
 * iommu_map / iommu_unmap (models/iommu/iommu.h) edit a domain's page table
 * while DMA runs, as a hypervisor or a guest driver's DMA API would: a map is
 * visible to the next walk at once (VT-d without caching mode caches no
 * not-present entry, so nothing is flushed); an unmap clears the entries now
 * and hands the IOTLB / walk-cache invalidation to the unmap policy
 * (iommu_inv.c: strict or deferred), so the old translation may stay usable until the flush is
 * done: that window is what the stale-translation stats measure.
 *
 * The scenario drives it with the IOMMU's 'events' list:
 *   events:
 *     - {at: 10us, op: unmap, vm: vm0, iova: 4GiB, size: 64KiB}
 *     - {at: 0us, op: map, vm: vm0, iova: 0x1000, hpa: 4GiB, size: 4KiB,
 *        perms: r, repeat: 100, every: 1us, stride: 4KiB}
 *     - {at: 20us, op: unmap, device: d0, pasid: 1, iova: 0x10000, size: 4KiB}
 *     - {at: 30us, op: revoke, device: d0, pasid: 2}
 * (the last two edit a PASID of the 'pasids' list, iommu_pasid.c).
 * An event happens at at + k * every for k < repeat, on iova + k * stride
 * (and hpa + k * stride). A map or unmap the table refuses (already mapped,
 * outside the width, no table frame) stops the run with a located error.
 */
#include <stdlib.h>
#include <string.h>

#include "models/iommu/iommu.h"
#include "models/iommu/iommu_impl.h"

static const char *const ev_ops[] = { "map", "unmap", "revoke", NULL };
static const char *const ev_perms[] = { "r", "w", "rw", NULL };
static const char *const ev_by[] = { "hypervisor", "guest", NULL };

#define EP(f) offsetof(struct iommu_event, f)
static const struct param_desc event_desc[] = {
	{ "at", PARAM_TIME, EP(at), NULL, 0, 1e15, NULL, "when (first occurrence)" },
	{ "op", PARAM_ENUM, EP(op), NULL, 0, 0, ev_ops, "map, unmap or revoke (a PASID)" },
	{ "vm", PARAM_STRING, EP(vm), "", 0, 0, NULL, "the VM whose domain is edited" },
	{ "device", PARAM_STRING, EP(device), "", 0, 0, NULL,
	  "with pasid: the device whose PASID is edited (instead of vm)" },
	{ "pasid", PARAM_NODE, EP(pasid_node), "", 0, 0, NULL,
	  "unmap: in this PASID's first stage; revoke: clear this PASID's entry" },
	{ "iova", PARAM_SIZE, EP(iova), "0", 0, 0, NULL, "first IOVA (4 KiB aligned)" },
	{ "size", PARAM_SIZE, EP(size), "4KiB", 4096, 0x1p57, NULL, "bytes (4 KiB multiple)" },
	{ "hpa", PARAM_NODE, EP(hpa_node), "", 0, 0, NULL, "map: host-physical target (default: "
	  "the IOVA, identity)" },
	{ "perms", PARAM_ENUM, EP(perms), "rw", 0, 0, ev_perms, "map: r, w or rw" },
	{ "by", PARAM_ENUM, EP(by_guest), "hypervisor", 0, 0, ev_by,
	  "who asks: the hypervisor itself (the edit happens at 'at'), or the VM's guest driver "
	  "registering or releasing a DMA buffer through a hypercall (a hypercall VM exit on "
	  "vCPU 'vcpu' first; the edit happens when it is handled; needs a host component)" },
	{ "vcpu", PARAM_U64, EP(vcpu), "0", 0, 254, NULL, "by: guest: the vCPU that asks" },
	{ "repeat", PARAM_U64, EP(repeat), "1", 1, 1e9, NULL, "occurrences" },
	{ "every", PARAM_TIME, EP(every), "0ns", 0, 1e15, NULL, "time between occurrences" },
	{ "stride", PARAM_SIZE, EP(stride), "0", 0, 0x1p57, NULL,
	  "address step between occurrences (default: size)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

extern const struct model model_iommu;

static struct iommu *iommu_of(struct component *c)
{
	return container_of(c, struct iommu, c);
}

bool iommu_is(const struct component *c)
{
	return c && c->model == &model_iommu;
}

int iommu_set_hypervisor(struct component *c, const struct iommu_hv_ops *ops, void *ctx)
{
	if (!iommu_is(c))
		return -1;
	struct iommu *m = iommu_of(c);
	if (ops && m->hv_ops)
		return -1;
	m->hv_ops = ops;
	m->hv_ctx = ops ? ctx : NULL;
	return 0;
}

int iommu_map(struct component *c, unsigned vm, uint64_t iova, uint64_t hpa, uint64_t size,
	      unsigned perms, struct iov_err *e)
{
	struct iommu *m = iommu_of(c);
	if (vm >= m->ndomains)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: no VM %u", c->name, vm);
	uint64_t sizes = m->p.superpages ? PGT_PGSIZES_ALL : PGT_PGSIZES_4K;
	if (pgtable_map(m->domains[vm], iova, hpa, size, perms, sizes, e))
		return -1;
	(*m->st_maps)++;
	return 0;
}

int iommu_unmap(struct component *c, unsigned vm, uint64_t iova, uint64_t size,
		struct iov_err *e)
{
	struct iommu *m = iommu_of(c);
	if (vm >= m->ndomains)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: no VM %u", c->name, vm);
	if (iommu_inv_unmap(m, vm, iova, size, e))
		return -1;
	(*m->st_unmaps)++;
	return 0;
}

/* ---------------------------------------------------------- events -- */

static void event_fire(void *arg)
{
	struct iommu_event *ev = arg;
	struct iommu *m = ev->m;
	struct sim *s = m->c.sim;
	uint64_t off = ev->done * (ev->stride ? ev->stride : ev->size);
	struct iov_err e = { 0 };
	int r;
	if (ev->by_guest && !ev->in_exit) {
		/* the guest's hypercall first; the hypervisor edits the table once handled */
		ev->in_exit = true;
		sim_schedule(s->k, m->hv_ops->guest_request(m->hv_ctx, ev->vmi, (unsigned)ev->vcpu),
			     event_fire, ev);
		return;
	}
	ev->in_exit = false;
	if (ev->pasid)
		r = ev->op == 2 ? iommu_pasid_revoke(m, ev->pasid, &e)
				: iommu_pasid_unmap(m, ev->pasid, ev->iova + off, ev->size, &e);
	else
		r = ev->op == 0 ? iommu_map(&m->c, ev->vmi, ev->iova + off, ev->hpa + off, ev->size,
					    (unsigned)ev->perms + 1u, &e)
				: iommu_unmap(&m->c, ev->vmi, ev->iova + off, ev->size, &e);
	if (r) {
		cfg_err(s->err, ev->node, "%s: %s at %s + %llu: %s", m->c.name, ev_ops[ev->op],
			ev->pasid ? ev->device : ev->vm, (unsigned long long)off, e.msg);
		sim_abort(s);
		return;
	}
	if (++ev->done < ev->repeat)
		sim_schedule(s->k, ev->every, event_fire, ev);
}

/* An event on a PASID: device + pasid name one of the 'pasids' list. */
static int event_pasid(struct iommu *m, const struct cfg_node *node, struct iommu_event *ev,
		       struct iov_err *e)
{
	static const struct param_desc pd = { "pasid", PARAM_U64, 0, NULL, 0, 1 << 20, NULL, "" };
	uint64_t pasid;
	if (cfg_parse_value(ev->pasid_node, &pd, &pasid, e))
		return -1;
	if (ev->op == 0)
		return cfg_err(e, node, "%s: map on a PASID is not modelled (its first stage is the "
			       "'pasids' list's map)", m->c.name);
	if (!(ev->pasid = iommu_pasid_find(m, ev->device, (uint32_t)pasid)))
		return cfg_err(e, ev->pasid_node, "%s: no PASID %llu of device '%s' in pasids:",
			       m->c.name, (unsigned long long)pasid, ev->device);
	if ((ev->iova | ev->size | ev->stride) & 0xfff)
		return cfg_err(e, node, "%s: iova, size and stride must be 4 KiB multiples",
			       m->c.name);
	if (ev->repeat > 1 && !ev->every)
		return cfg_err(e, node, "%s: repeat needs every (the time between occurrences)",
			       m->c.name);
	return 0;
}

static int event_load(struct iommu *m, const struct cfg_node *node, struct iommu_event *ev,
		      struct iov_err *e)
{
	struct sim *s = m->c.sim;
	char what[160];
	snprintf(what, sizeof(what), "%s event", m->c.name);
	if (cfg_load_params(node, event_desc, NULL, ev, what, e))
		return -1;
	ev->m = m;
	ev->node = node;
	ev->hpa = ev->iova;
	const struct cfg_node *h = ev->hpa_node;
	if (h && !(h->kind == CFG_SCALAR && !*h->str)) {
		static const struct param_desc hd = { "hpa", PARAM_SIZE, 0, NULL, 0, 0, NULL, "" };
		if (cfg_parse_value(h, &hd, &ev->hpa, e))
			return -1;
	}
	const struct cfg_node *pn = ev->pasid_node;
	if (pn && !(pn->kind == CFG_SCALAR && !*pn->str)) {
		if (ev->by_guest)
			return cfg_err(e, cfg_get(node, "by"), "%s: by: guest is for a VM's domain "
				       "(vm:), not a PASID's tables", m->c.name);
		return event_pasid(m, node, ev, e);
	}
	if (ev->op == 2)
		return cfg_err(e, node, "%s: revoke needs device and pasid", m->c.name);
	m->guest_events |= ev->by_guest != 0;
	int vmi = iso_vm_index(s, ev->vm);
	if (vmi < 0)
		return cfg_err(e, cfg_get(node, "vm") ? cfg_get(node, "vm") : node,
			       "%s: no VM '%s' under vms:", m->c.name, ev->vm);
	ev->vmi = (unsigned)vmi;
	if ((ev->iova | ev->size | ev->stride | ev->hpa) & 0xfff)
		return cfg_err(e, node, "%s: iova, hpa, size and stride must be 4 KiB multiples",
			       m->c.name);
	if (ev->repeat > 1 && !ev->every)
		return cfg_err(e, node, "%s: repeat needs every (the time between occurrences)",
			       m->c.name);
	return 0;
}

/* At start (every component has elaborated): requests by the guest need the
 * hypervisor that takes their hypercalls. */
int iommu_events_check(struct iommu *m, struct iov_err *e)
{
	if (!m->guest_events || m->hv_ops)
		return 0;
	for (size_t i = 0; i < m->nevents; i++)
		if (m->events[i].by_guest)
			return cfg_err(e, cfg_get(m->events[i].node, "by"), "%s: by: guest needs a "
				       "host component (the hypervisor that takes the guest's "
				       "hypercall)", m->c.name);
	return 0;
}

int iommu_events_load(struct iommu *m, struct iov_err *e)
{
	const struct cfg_node *l = m->p.events;
	if (!l || (l->kind == CFG_SCALAR && !*l->str))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "%s: events: a list of {at, op, vm, iova, size, ...}",
			       m->c.name);
	if (!(m->events = calloc(l->n ? l->n : 1, sizeof(*m->events))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	m->nevents = l->n;
	for (size_t i = 0; i < l->n; i++) {
		if (event_load(m, l->items[i], &m->events[i], e))
			return -1;
		sim_schedule_at(m->c.sim->k, m->events[i].at, event_fire, &m->events[i]);
	}
	return 0;
}
