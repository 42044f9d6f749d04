/* isolation.c - the scenario's VMs and the allowed / blocked / violation accounting */
#include "isolation.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* A memory range as written: gpa is optional (default: base). */
struct range_load {
	uint64_t base, size;
	const struct cfg_node *gpa;
};

static const struct param_desc range_params[] = {
	{ "base", PARAM_SIZE, offsetof(struct range_load, base), NULL, 0, 0, NULL,
	  "first host-physical address of the range" },
	{ "size", PARAM_SIZE, offsetof(struct range_load, size), NULL, 1, 0x1p62, NULL,
	  "bytes in the range" },
	{ "gpa", PARAM_NODE, offsetof(struct range_load, gpa), "", 0, 0, NULL,
	  "guest-physical address of base (default: base, identity)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static const char *const dma_map_names[] = { "full", "registered", NULL };
static const char *const buf_perm_names[] = { "r", "w", "rw", NULL };

static const struct param_desc buffer_params[] = {
	{ "iova", PARAM_SIZE, offsetof(struct sim_vm_buffer, iova), NULL, 0, 0, NULL,
	  "first IOVA (= guest-physical address) of the buffer, 4 KiB aligned" },
	{ "size", PARAM_SIZE, offsetof(struct sim_vm_buffer, size), NULL, 4096, 0x1p57, NULL,
	  "bytes (4 KiB multiple)" },
	{ "perms", PARAM_ENUM, offsetof(struct sim_vm_buffer, perms), "rw", 0, 0, buf_perm_names,
	  "DMA allowed: r, w or rw" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static int iso_stats(struct sim *s, const char *prefix, uint64_t **a, uint64_t **b,
		     uint64_t **v, struct iov_err *e)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.allowed", prefix);
	if (!(*a = stats_counter(s->stats, p, "", "requests that reached memory or a peer "
				 "their initiator's VM owns", e)))
		return -1;
	snprintf(p, sizeof(p), "%s.blocked", prefix);
	if (!(*b = stats_counter(s->stats, p, "", "requests the fabric stopped (ACS, BME, "
				 "forbidden P2P, no route)", e)))
		return -1;
	snprintf(p, sizeof(p), "%s.violations", prefix);
	if (!(*v = stats_counter(s->stats, p, "", "requests that reached memory or a peer "
				 "their initiator's VM does not own", e)))
		return -1;
	return 0;
}

bool iso_vf_name_split(const char *name, size_t *pf_len, unsigned *n)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || strncmp(dot, ".vf", 3) || dot[3] < '1' || dot[3] > '9' ||
	    strspn(dot + 3, "0123456789") != strlen(dot + 3) || strlen(dot + 3) > 9)
		return false;
	if (pf_len)
		*pf_len = (size_t)(dot - name);
	if (n)
		*n = (unsigned)strtoul(dot + 3, NULL, 10);
	return true;
}

/* A component's name, or an SR-IOV VF's "<component>.vf<n>" (n >= 1; VFs
 * appear at enumeration, which checks that VF n exists: models/pcie/sriov.h). */
static bool iso_device_name_ok(const struct sim *s, const char *name)
{
	size_t pl;
	if (sim_component(s, name, strlen(name)))
		return true;
	return iso_vf_name_split(name, &pl, NULL) && sim_component(s, name, pl);
}

/* One range of memory: [base, +size) at guest-physical gpa; GPA ranges must not overlap. */
static int iso_load_range(struct sim_vm *vm, const struct cfg_node *item, struct iov_err *e)
{
	struct range_load rl;
	if (cfg_load_params(item, range_params, NULL, &rl, "VM memory range", e))
		return -1;
	struct sim_vm_range *r = &vm->ranges[vm->nranges];
	*r = (struct sim_vm_range){ .base = rl.base, .size = rl.size, .gpa = rl.base };
	if (rl.gpa && !(rl.gpa->kind == CFG_SCALAR && !*rl.gpa->str)) {
		static const struct param_desc gd = { "gpa", PARAM_SIZE, 0, NULL, 0, 0, NULL, "" };
		if (cfg_parse_value(rl.gpa, &gd, &r->gpa, e))
			return -1;
	}
	for (size_t j = 0; j < vm->nranges; j++) {
		const struct sim_vm_range *o = &vm->ranges[j];
		if (r->gpa < o->gpa + o->size && o->gpa < r->gpa + r->size)
			return cfg_err(e, item, "guest-physical range [0x%llx, +0x%llx) of VM '%s' "
				       "overlaps another of its ranges", (unsigned long long)r->gpa,
				       (unsigned long long)r->size, vm->name);
	}
	vm->nranges++;
	return 0;
}

/* dma_map: full | registered, and buffers: [{iova, size, perms}] (mapped with registered). */
static int iso_load_dma_map(struct sim_vm *vm, const struct cfg_node *n, struct iov_err *e)
{
	const struct cfg_node *dm = cfg_get(n, "dma_map"), *bl = cfg_get(n, "buffers");
	if (dm) {
		static const struct param_desc dd = { "dma_map", PARAM_ENUM, 0, NULL, 0, 0,
						      dma_map_names, "" };
		if (cfg_parse_value(dm, &dd, &vm->dma_map, e))
			return -1;
	}
	if (!bl)
		return 0;       /* with dma_map: full, buffers are checked but not used */
	if (bl->kind != CFG_SEQ)
		return cfg_err(e, bl, "buffers must be a list of {iova, size, perms}");
	if (!(vm->buffers = calloc(bl->n ? bl->n : 1, sizeof(*vm->buffers))))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < bl->n; i++) {
		struct sim_vm_buffer *b = &vm->buffers[i];
		uint64_t hpa;
		if (cfg_load_params(bl->items[i], buffer_params, NULL, b, "VM DMA buffer", e))
			return -1;
		b->perms += 1;          /* r, w, rw -> 1, 2, 3 */
		if ((b->iova | b->size) & 0xfff)
			return cfg_err(e, bl->items[i], "a buffer's iova and size must be 4 KiB "
				       "multiples");
		if (iso_gpa_to_hpa(vm, b->iova, b->size, &hpa))
			return cfg_err(e, bl->items[i], "buffer [0x%llx, +0x%llx) is not inside one "
				       "memory range of VM '%s' (guest-physical)",
				       (unsigned long long)b->iova, (unsigned long long)b->size,
				       vm->name);
		vm->nbuffers++;
	}
	return 0;
}

int iso_gpa_to_hpa(const struct sim_vm *vm, uint64_t gpa, uint64_t size, uint64_t *hpa)
{
	for (size_t j = 0; j < vm->nranges; j++) {
		const struct sim_vm_range *r = &vm->ranges[j];
		if (gpa >= r->gpa && gpa - r->gpa < r->size && size <= r->size - (gpa - r->gpa)) {
			*hpa = r->base + (gpa - r->gpa);
			return 0;
		}
	}
	return -1;
}

static int iso_load_vm(struct sim *s, struct sim_vm *vm, const struct cfg_node *n,
		       struct iov_err *e)
{
	static const char *const keys[] = { "name", "memory", "devices", "dma_map", "buffers",
					    NULL };
	if (n->kind != CFG_MAP)
		return cfg_err(e, n, "a VM is a map {name, memory: [{base, size}], devices: [...]}");
	for (size_t k = 0; k < n->n; k++) {
		bool ok = false;
		for (size_t j = 0; keys[j]; j++)
			ok |= !strcmp(n->keys[k], keys[j]);
		if (!ok) {
			struct cfg_node key = { .kind = CFG_SCALAR, .loc = n->key_locs[k],
						.str = n->keys[k] };
			return cfg_err(e, &key, "unknown key '%s' in a VM; allowed: name, memory, "
				       "devices, dma_map, buffers", n->keys[k]);
		}
	}
	const struct cfg_node *nm = cfg_get(n, "name");
	if (!nm || nm->kind != CFG_SCALAR || !nm->str[0])
		return cfg_err(e, nm ? nm : n, "a VM needs a name");
	vm->name = nm->str;
	const struct cfg_node *mem = cfg_get(n, "memory");
	if (mem) {
		if (mem->kind != CFG_SEQ)
			return cfg_err(e, mem, "memory must be a list of {base, size} ranges");
		vm->ranges = calloc(mem->n ? mem->n : 1, sizeof(*vm->ranges));
		if (!vm->ranges)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		for (size_t i = 0; i < mem->n; i++) {
			if (iso_load_range(vm, mem->items[i], e))
				return -1;
		}
	}
	if (iso_load_dma_map(vm, n, e))
		return -1;
	const struct cfg_node *dev = cfg_get(n, "devices");
	if (dev) {
		if (dev->kind != CFG_SEQ)
			return cfg_err(e, dev, "devices must be a list of component names");
		vm->devices = calloc(dev->n ? dev->n : 1, sizeof(*vm->devices));
		if (!vm->devices)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		for (size_t i = 0; i < dev->n; i++) {
			const struct cfg_node *d = dev->items[i];
			if (d->kind != CFG_SCALAR || !iso_device_name_ok(s, d->str))
				return cfg_err(e, d, "VM '%s' is given '%s', which is not a component "
					       "of the scenario (nor a VF name <component>.vf<n>)", vm->name,
					       d->kind == CFG_SCALAR ? d->str : "?");
			if (iso_vm_of(s, d->str) >= 0)
				return cfg_err(e, d, "'%s' is already assigned to VM '%s'", d->str,
					       s->iso.vms[iso_vm_of(s, d->str)].name);
			vm->devices[vm->ndevices++] = d->str;
		}
	}
	return 0;
}

static bool iso_overlap(const struct sim_vm_range *a, const struct sim_vm_range *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

int iso_init(struct sim *s, struct iov_err *e)
{
	struct sim_isolation *iso = &s->iso;
	if (iso_stats(s, "isolation", &iso->st_allowed, &iso->st_blocked, &iso->st_violations, e))
		return -1;
	iso->st_translated_bypass = stats_counter(s->stats, "isolation.translated_bypass", "",
						  "requests with a translated address (ATS) that "
						  "reached memory or a peer: no IOMMU checked them "
						  "(also counted as allowed or violations)", e);
	iso->st_stale_exposures = stats_counter(s->stats, "isolation.stale_exposures", "",
						"requests let through on a translation already "
						"unmapped but not yet invalidated", e);
	return iso->st_translated_bypass && iso->st_stale_exposures ? 0 : -1;
}

void iso_stale_exposure(struct sim *s, const struct tlp *t)
{
	(void)t;
	(*s->iso.st_stale_exposures)++;
}

int iso_load(struct sim *s, const struct cfg_node *vms, struct iov_err *e)
{
	struct sim_isolation *iso = &s->iso;
	if (!vms || vms->kind == CFG_NULL)
		return 0;
	if (vms->kind != CFG_SEQ)
		return cfg_err(e, vms, "vms must be a list of {name, memory, devices}");
	iso->vms = calloc(vms->n ? vms->n : 1, sizeof(*iso->vms));
	if (!iso->vms)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < vms->n; i++) {
		struct sim_vm *vm = &iso->vms[i];
		iso->nvms++;            /* owned (freed by iso_free) and seen by iso_vm_of */
		if (iso_load_vm(s, vm, vms->items[i], e))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(iso->vms[j].name, vm->name))
				return cfg_err(e, vms->items[i], "duplicate VM name '%s'", vm->name);
			for (size_t a = 0; a < vm->nranges; a++)
				for (size_t b = 0; b < iso->vms[j].nranges; b++)
					if (iso_overlap(&vm->ranges[a], &iso->vms[j].ranges[b]))
						return cfg_err(e, vms->items[i], "memory of VM '%s' "
							       "overlaps memory of VM '%s'", vm->name,
							       iso->vms[j].name);
		}
		char prefix[160];
		snprintf(prefix, sizeof(prefix), "isolation.vms.%s", vm->name);
		if (iso_stats(s, prefix, &vm->st_allowed, &vm->st_blocked, &vm->st_violations, e))
			return -1;
	}
	return 0;
}

void iso_free(struct sim_isolation *iso)
{
	for (size_t i = 0; i < iso->nvms; i++) {
		free(iso->vms[i].ranges);
		free(iso->vms[i].buffers);
		free(iso->vms[i].devices);
	}
	free(iso->vms);
	iso->vms = NULL;
	iso->nvms = 0;
}

int iso_vm_index(const struct sim *s, const char *name)
{
	for (size_t v = 0; v < s->iso.nvms; v++)
		if (!strcmp(s->iso.vms[v].name, name))
			return (int)v;
	return -1;
}

int iso_vm_of(const struct sim *s, const char *name)
{
	for (size_t i = 0; i < s->iso.nvms; i++)
		for (size_t j = 0; j < s->iso.vms[i].ndevices; j++)
			if (!strcmp(s->iso.vms[i].devices[j], name))
				return (int)i;
	return -1;
}

int iso_vm_of_addr(const struct sim *s, uint64_t addr)
{
	for (size_t i = 0; i < s->iso.nvms; i++)
		for (size_t j = 0; j < s->iso.vms[i].nranges; j++) {
			const struct sim_vm_range *r = &s->iso.vms[i].ranges[j];
			if (addr >= r->base && addr - r->base < r->size)
				return (int)i;
		}
	return -1;
}

enum iso_class { ISO_ALLOWED, ISO_BLOCKED, ISO_VIOLATION };

static void iso_count_flow(struct sim *s, uint32_t flow, enum iso_class c)
{
	struct sim_flow *f = flow < s->nflows ? &s->flows[flow] : NULL;
	int vm = f ? f->vm : -1;
	struct sim_vm *v = vm >= 0 ? &s->iso.vms[vm] : NULL;
	switch (c) {
	case ISO_ALLOWED:
		(*s->iso.st_allowed)++;
		if (f)
			(*f->iso_allowed)++;
		if (v)
			(*v->st_allowed)++;
		break;
	case ISO_BLOCKED:
		(*s->iso.st_blocked)++;
		if (f)
			(*f->iso_blocked)++;
		if (v)
			(*v->st_blocked)++;
		break;
	case ISO_VIOLATION:
		(*s->iso.st_violations)++;
		if (f)
			(*f->iso_violations)++;
		if (v)
			(*v->st_violations)++;
		break;
	}
}

static void iso_count(struct sim *s, const struct tlp *t, enum iso_class c)
{
	iso_count_flow(s, t->flow, c);
}

void iso_blocked_flow(struct sim *s, uint32_t flow)
{
	iso_count_flow(s, flow, ISO_BLOCKED);
}

static int iso_initiator_vm(const struct sim *s, const struct tlp *t)
{
	return t->flow < s->nflows ? s->flows[t->flow].vm : -1;
}

/* A translated request went by the IOMMU: its address is the device's word. */
static void iso_note_translated(struct sim *s, const struct tlp *t)
{
	if (t->at == TLP_AT_TRANSLATED)
		(*s->iso.st_translated_bypass)++;
}

void iso_reached_memory(struct sim *s, const struct tlp *t)
{
	int owner = iso_vm_of_addr(s, t->addr);
	iso_note_translated(s, t);
	iso_count(s, t, owner == iso_initiator_vm(s, t) ? ISO_ALLOWED : ISO_VIOLATION);
}

void iso_reached_peer(struct sim *s, const struct tlp *t, int target_vm)
{
	iso_note_translated(s, t);
	iso_count(s, t, target_vm == iso_initiator_vm(s, t) ? ISO_ALLOWED : ISO_VIOLATION);
}

void iso_blocked(struct sim *s, const struct tlp *t)
{
	iso_count(s, t, ISO_BLOCKED);
}
