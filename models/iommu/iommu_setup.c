/* iommu_setup.c - the iommu component's parameters, domains, stats and life cycle
 *
 * Tables are built at elaboration from the scenario's VMs: one domain per VM,
 * mapping IOVA (= guest-physical, each range's 'gpa') -> host-physical either
 * all its memory ('dma_map: full') or only its registered 'buffers'
 * ('dma_map: registered'); its devices' context entries point at it;
 * host-owned devices get pass-through or no context ('host'). Devices with
 * PASIDs then get scalable-mode contexts (iommu_pasid.c). The request path is
 * in iommu.c.
 */
#include <stdlib.h>
#include <string.h>

#include "models/iommu/iommu_impl.h"

extern const struct model model_iommu;

static const char *const iommu_host_modes[] = { "pass_through", "blocked", NULL };

#define IP(f) offsetof(struct iommu_params, f)
static const struct param_desc iommu_param_desc[] = {
	{ "rc", PARAM_STRING, IP(rc), NULL, 0, 0, NULL,
	  "the pcie_root_complex whose upstream requests this IOMMU translates" },
	{ "enabled", PARAM_BOOL, IP(enabled), "true", 0, 0, NULL,
	  "false: not attached (DMA untranslated, as with intel_iommu=off)" },
	{ "levels", PARAM_U64, IP(levels), "4", 3, 5, NULL,
	  "page-table levels: 3 (39-bit), 4 (48-bit), 5 (57-bit)" },
	{ "superpages", PARAM_BOOL, IP(superpages), "true", 0, 0, NULL,
	  "map VM memory with 2 MiB / 1 GiB pages where aligned (false: 4 KiB only, like "
	  "intel_iommu=sp_off)" },
	{ "host", PARAM_ENUM, IP(host), "pass_through", 0, 0, iommu_host_modes,
	  "devices in no VM: pass_through (identity, no walk) or blocked (no context entry)" },
	{ "walkers", PARAM_U64, IP(walkers), "4", 1, 1024, NULL,
	  "page walks in progress at once; more misses queue" },
	{ "queue", PARAM_U64, IP(queue), "64", 0, 1 << 20, NULL,
	  "requests in translation at once (looking up, walking or waiting for a walker); "
	  "more are refused at the root port (backpressure to the link); 0 = unlimited" },
	{ "iotlb_latency", PARAM_TIME, IP(iotlb_latency), "2ns", 0, 1e9, NULL,
	  "time per IOTLB probe round" },
	{ "pwc_latency", PARAM_TIME, IP(pwc_latency), "2ns", 0, 1e9, NULL,
	  "time to probe the walk caches before a walk" },
	{ "ctx_latency", PARAM_TIME, IP(ctx_latency), "2ns", 0, 1e9, NULL,
	  "time of a context-cache lookup" },
	{ "table_read_latency", PARAM_TIME, IP(table_read_latency), "0ns", 0, 1e9, NULL,
	  "the IOMMU's own path to the memory system, added to every root, context and paging "
	  "entry read on top of the memory model's latency" },
	{ "table_base", PARAM_SIZE, IP(table_base), "0x3f000000", 0, 0, NULL,
	  "host-physical region holding root, context and page tables" },
	{ "table_size", PARAM_SIZE, IP(table_size), "64MiB", 1 << 16, 0x1p40, NULL,
	  "size of that region" },
	{ "fault_log", PARAM_U64, IP(fault_log), "8", 1, 65536, NULL,
	  "fault recording registers; faults beyond them set the overflow flag" },
	{ "fault_service", PARAM_TIME, IP(fault_service), "10us", 0, 1e12, NULL,
	  "fault event interrupt to the hypervisor's handler having read and cleared the fault "
	  "records; 0 = never serviced (the log stays full)" },
	{ "events", PARAM_NODE, IP(events), "", 0, 0, NULL,
	  "hypervisor map/unmap during the run: a list of {at, op: map|unmap, vm, iova, size, "
	  "hpa, perms: r|w|rw, repeat, every, stride} (docs/models/iommu.md)" },
	INVQ_PARAMS("inv_", struct iommu_params, inv),
	UNMAPQ_PARAMS("unmap_", struct iommu_params, unmap),
	{ "nested", PARAM_NODE, IP(nested), "", 0, 0, NULL,
	  "VMs whose devices translate in two stages: the guest's first stage (IOVA -> GPA, in "
	  "its memory) over the domain's second stage (docs/models/iommu.md)" },
	{ "nested_table_area", PARAM_SIZE, IP(nested_table_area), "4MiB", 1 << 16, 0x1p40, NULL,
	  "nested VMs: bytes at the end of the VM's first memory range holding its first-stage "
	  "tables" },
	SACACHE_PARAMS("nested_tlb", struct iommu_params, ss_tlb.unified, "64", "8", "lru", 1,
		       "nested: second-stage TLB (GPA -> HPA of table fetches and outputs)"),
	SACACHE_PARAMS("fs_pwc_l2", struct iommu_params, fs_pwc.level[2], "16", "16", "lru", 0,
		       "nested: first-stage walk cache of level-2 entries"),
	SACACHE_PARAMS("fs_pwc_l3", struct iommu_params, fs_pwc.level[3], "4", "4", "lru", 0,
		       "nested: first-stage walk cache of level-3 entries"),
	SACACHE_PARAMS("fs_pwc_l4", struct iommu_params, fs_pwc.level[4], "2", "2", "lru", 0,
		       "nested: first-stage walk cache of level-4 entries"),
	{ "fpd", PARAM_NODE, IP(fpd), "", 0, 0, NULL,
	  "devices whose context entries have Fault Processing Disable set: their faults "
	  "still block but are not recorded nor signalled" },
	SACACHE_PARAMS("iotlb", struct iommu_params, iotlb.unified, "64", "64", "lru", 1,
		       "IOTLB"),
	SACACHE_PARAMS("ctx_cache", struct iommu_params, ctx, "16", "16", "lru", 1,
		       "context cache"),
	{ "pasids", PARAM_NODE, IP(pasids), "", 0, 0, NULL,
	  "PASIDs of devices in VMs (scalable-mode contexts): a list of {device, pasid, mode: "
	  "second|first|nested|pass_through, map: [{iova, gpa, size, perms: r|rw}]} "
	  "(docs/models/iommu.md)" },
	SACACHE_PARAMS("pasid_cache", struct iommu_params, pasid_cache, "16", "16", "lru", 1,
		       "PASID cache ((requester, PASID) -> PASID entry)"),
	SACACHE_PARAMS("pwc_l2", struct iommu_params, pwc.level[2], "16", "16", "lru", 0,
		       "walk cache of level-2 (PDE) entries"),
	SACACHE_PARAMS("pwc_l3", struct iommu_params, pwc.level[3], "4", "4", "lru", 0,
		       "walk cache of level-3 (PDPE) entries"),
	SACACHE_PARAMS("pwc_l4", struct iommu_params, pwc.level[4], "2", "2", "lru", 0,
		       "walk cache of level-4 (PML4E) entries"),
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* ------------------------------------------------------------ set-up -- */

static bool is_device(const struct iommu *m, const char *name);
static int iommu_fault_counter(struct iommu *m, const struct pcie_fn *f, struct iov_err *e);

/* Map VM v's DMA view in its domain: all its memory (dma_map: full) or only
 * its registered buffers, IOVA = guest-physical address -> host-physical. */
static int iommu_map_vm(struct iommu *m, size_t v, struct iov_err *e)
{
	const struct sim_vm *vm = &m->c.sim->iso.vms[v];
	uint64_t sizes = m->p.superpages ? PGT_PGSIZES_ALL : PGT_PGSIZES_4K;
	bool all = vm->dma_map == SIM_VM_DMA_FULL;
	size_t n = all ? vm->nranges : vm->nbuffers;
	for (size_t k = 0; k < n; k++) {
		uint64_t gpa, size, hpa = 0;
		unsigned perms = PGT_PERM_RW;
		if (all) {
			gpa = vm->ranges[k].gpa;
			size = vm->ranges[k].size;
			hpa = vm->ranges[k].base;
		} else {
			gpa = vm->buffers[k].iova;
			size = vm->buffers[k].size;
			perms = vm->buffers[k].perms;
			iso_gpa_to_hpa(vm, gpa, size, &hpa);    /* checked at load */
		}
		if (pgtable_map(m->domains[v], gpa, hpa, size, perms, sizes, e)) {
			char msg[sizeof(e->msg)];
			snprintf(msg, sizeof(msg), "%s", e->msg);
			return iov_err_set(e, IOV_BAD_INPUT, "%s: mapping VM '%s' %s [0x%llx, +0x%llx): "
					   "%.200s", m->c.name, vm->name, all ? "memory" : "buffer",
					   (unsigned long long)gpa, (unsigned long long)size, msg);
		}
	}
	return 0;
}

/* One domain per VM (id = VM index + 1), mapped by iommu_map_vm. */
static int iommu_build_domains(struct iommu *m, struct iov_err *e)
{
	struct sim *s = m->c.sim;
	m->ndomains = s->iso.nvms;
	size_t nd = m->ndomains ? m->ndomains : 1;
	m->domains = calloc(nd, sizeof(*m->domains));
	m->fl = calloc(nd, sizeof(*m->fl));
	m->gmem = calloc(nd, sizeof(*m->gmem));
	m->vm_fs_pasid = calloc(nd, sizeof(*m->vm_fs_pasid));
	if (!m->domains || !m->fl || !m->gmem || !m->vm_fs_pasid)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	if (iommu_nested_check(m, e))
		return -1;
	for (size_t v = 0; v < m->ndomains; v++) {
		if (!(m->domains[v] = pgtable_create(m->pm, (unsigned)m->p.levels, e)) ||
		    iommu_map_vm(m, v, e) || iommu_nested_build(m, v, e))
			return -1;
	}
	struct pcie_topo *t = pcie_topo_of(s);
	if (iommu_names_check(m, m->p.fpd, "fpd", is_device, "device function", e))
		return -1;
	if (!(m->st_fault_dev = calloc(1u << 16, sizeof(*m->st_fault_dev))) ||
	    !(m->ats_ok = calloc(1u << 16, 1)))
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (unsigned i = 0; t && i < t->nfns; i++) {
		const struct pcie_fn *f = t->fns[i];
		if (f->kind != PCIE_FN_ENDPOINT)
			continue;
		unsigned fpd = iommu_names_has(m->p.fpd, f->name) ? CTX_F_FPD : 0;
		int r;
		if (f->vm >= 0) {
			/* a function with ATS gets a device-TLB context (TT = 01b) */
			unsigned dt = f->caps & PCIE_CAP_ATS ? CTX_F_DEV_TLB : 0;
			m->ats_ok[f->rid] = dt != 0;
			r = ctxtable_set(m->ct, f->rid, (uint16_t)(f->vm + 1), m->domains[f->vm],
					 fpd | dt, e);
		}
		else if (m->p.host == 0)
			r = ctxtable_set(m->ct, f->rid, 0, NULL, CTX_F_PASS_THROUGH | fpd, e);
		else
			r = 0;          /* blocked: no context entry */
		if (r || iommu_fault_counter(m, f, e))
			return -1;
	}
	return iommu_pasids_build(m, e);
}

/* 'l' names things: a list of names, one name, or nothing ("" or absent). */
static size_t names_count(const struct cfg_node *l)
{
	if (!l)
		return 0;
	if (l->kind == CFG_SEQ)
		return l->n;
	return l->kind == CFG_SCALAR && *l->str ? 1 : 0;
}

static const struct cfg_node *names_at(const struct cfg_node *l, size_t i)
{
	return l->kind == CFG_SEQ ? l->items[i] : l;
}

bool iommu_names_has(const struct cfg_node *l, const char *name)
{
	for (size_t i = 0; i < names_count(l); i++) {
		const struct cfg_node *it = names_at(l, i);
		if (it->kind == CFG_SCALAR && !strcmp(it->str, name))
			return true;
	}
	return false;
}

int iommu_names_check(const struct iommu *m, const struct cfg_node *l, const char *key,
		      bool (*exists)(const struct iommu *m, const char *name), const char *what,
		      struct iov_err *e)
{
	if (l && l->kind == CFG_MAP)
		return cfg_err(e, l, "%s: %s: a list of %s names, or one name", m->c.name, key, what);
	for (size_t i = 0; i < names_count(l); i++) {
		const struct cfg_node *it = names_at(l, i);
		if (it->kind != CFG_SCALAR || !exists(m, it->str))
			return cfg_err(e, it, "%s: %s: '%s' is not a %s of the scenario", m->c.name, key,
				       it->kind == CFG_SCALAR ? it->str : "?", what);
	}
	return 0;
}

static bool is_device(const struct iommu *m, const char *name)
{
	const struct pcie_topo *t = pcie_topo_of(m->c.sim);
	for (unsigned k = 0; t && k < t->nfns; k++)
		if (t->fns[k]->kind == PCIE_FN_ENDPOINT && !strcmp(t->fns[k]->name, name))
			return true;
	return false;
}

/* iommu.faults.by_device.<name>, indexed by the function's requester ID. */
static int iommu_fault_counter(struct iommu *m, const struct pcie_fn *f, struct iov_err *e)
{
	char path[192], key[128];
	/* a VF "nic0.vf3" next to its PF "nic0": nic0_vf3 */
	snprintf(path, sizeof(path), "iommu.faults.by_device.%s",
		 stats_key(f->name, key, sizeof(key)));
	uint64_t *c = stats_counter(m->c.sim->stats, path, "", "faults of requests from this "
				    "function", e);
	if (!c)
		return -1;
	m->st_fault_dev[f->rid] = c;
	return 0;
}

static int iommu_elaborate(struct component *c, struct iov_err *e)
{
	struct iommu *m = container_of(c, struct iommu, c);
	struct sim *s = c->sim;
	if (!m->p.enabled)
		return 0;
	for (size_t i = 0; i < s->ncomps; i++)
		if (!strcmp(s->comps[i]->name, m->p.rc))
			m->rc = s->comps[i];
	if (!m->rc || rc_set_translator(m->rc, &iommu_xlate_ops, m))
		return iov_err_set(e, IOV_BAD_INPUT, "%s: rc '%s' is not a pcie_root_complex of the "
				   "scenario", c->name, m->p.rc);
	rc_set_translator_slots(m->rc, m->p.queue);
	if (iommu_build_domains(m, e))
		return -1;
	return iommu_events_load(m, e);
}

static void iommu_finish_stats(struct component *c)
{
	struct iommu *m = container_of(c, struct iommu, c);
	struct sacache_ctrs *k = iotlb_counters(m->tlb);
	uint64_t lookups = *k->p[IOTLB_C_LOOKUPS], hits = *k->p[IOTLB_C_HITS];
	*m->st_hit_rate = lookups ? (double)hits / (double)lookups : 0.0;
}

static void iommu_destroy(struct component *c)
{
	struct iommu *m = container_of(c, struct iommu, c);
	iommu_pasids_destroy(m);
	for (size_t v = 0; v < m->ndomains; v++) {
		if (m->fl)
			fltable_free(m->fl[v]);
		if (m->gmem)
			physmem_destroy(m->gmem[v]);
		pgtable_free(m->domains[v]);
	}
	pgtable_free(m->idmap);
	free(m->domains);
	free(m->fl);
	free(m->gmem);
	free(m->vm_fs_pasid);
	iommu_inv_destroy(m);
	iotlb_destroy(m->ss_tlb);
	pwc_destroy(m->fs_pwc);
	free(m->st_fault_dev);
	free(m->ats_ok);
	free(m->events);
	ctxtable_destroy(m->ct);
	physmem_destroy(m->pm);
	iotlb_destroy(m->tlb);
	pwc_destroy(m->pwc);
	context_cache_destroy(m->cc);
	pasid_cache_destroy(m->pc);
	for (size_t i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m);
}

#define IOMMU_CTR(field, path, desc) \
	((m->field = stats_counter(s->stats, path, "", desc, e)) != NULL)

static int iommu_stats(struct iommu *m, struct iov_err *e)
{
	struct sim *s = m->c.sim;
	if (iotlb_stats_register(m->tlb, s->stats, "iommu.iotlb", e) ||
	    pwc_stats_register(m->pwc, s->stats, "iommu.pwc", e) ||
	    !IOMMU_CTR(st_walks, "iommu.walks", "page walks started") ||
	    !IOMMU_CTR(st_walk_reads, "iommu.walk_reads", "paging-entry reads sent to memory") ||
	    !IOMMU_CTR(st_ctx_reads, "iommu.context_reads", "root/context entry reads sent to memory") ||
	    !IOMMU_CTR(st_pasid_reads, "iommu.pasid_reads", "PASID directory and PASID table entry "
		       "reads sent to memory") ||
	    sacache_ctrs_register(sacache_counters(pasid_cache_array(m->pc)), s->stats,
				  "iommu.pasid_cache", e) ||
	    !IOMMU_CTR(st_ctx_hits, "iommu.context_cache.hits", "context-cache hits") ||
	    !IOMMU_CTR(st_ctx_misses, "iommu.context_cache.misses", "context-cache misses") ||
	    !IOMMU_CTR(st_faults, "iommu.faults.total", "translation faults (requests blocked)") ||
	    !IOMMU_CTR(st_maps, "iommu.maps", "map calls during the run (hypervisor side)") ||
	    !IOMMU_CTR(st_unmaps, "iommu.unmaps", "unmap calls during the run") ||
	    !IOMMU_CTR(st_stale, "iommu.stale_translations", "requests that went through on an "
		       "IOTLB entry whose mapping was already removed (isolation exposure)") ||
	    !IOMMU_CTR(st_ats_treqs, "iommu.ats.translation_requests",
		       "ATS Translation Requests answered") ||
	    !IOMMU_CTR(st_ats_denied, "iommu.ats.denied", "Translation Requests refused (UR): "
		       "the function's context does not allow ATS") ||
	    !IOMMU_CTR(st_fault_unknown, "iommu.faults.by_device.unknown",
		       "faults of requests whose requester ID is no enumerated function") ||
	    !IOMMU_CTR(st_fault_events, "iommu.faults.events",
		       "fault event interrupts raised to the hypervisor") ||
	    !IOMMU_CTR(st_fault_overflow, "iommu.faults.log_overflow",
		       "faults not recorded: the fault log was full") ||
	    !IOMMU_CTR(st_walker_waits, "iommu.walker_waits", "misses that waited for a walker") ||
	    !IOMMU_CTR(st_merged, "iommu.walks_merged", "misses that waited for a walk of the same "
		       "page already under way instead of walking") ||
	    !IOMMU_CTR(st_pass_through, "iommu.pass_through", "requests of pass-through contexts") ||
	    !(m->st_hit_rate = stats_value(s->stats, "iommu.iotlb.hit_rate", "",
					   "IOTLB hits / lookups", e)) ||
	    !(m->st_walk_ns = stats_hist(s->stats, "iommu.walk_latency_ns", "ns", 1e-3,
					 "page walk: walker start to last entry read", e)) ||
	    !(m->st_xlate_ns = stats_hist(s->stats, "iommu.translation_ns", "ns", 1e-3,
					  "translation: request in to request on", e)))
		return -1;
	for (unsigned f = 1; f < DMAR_FAULT_CODES; f++) {
		char path[128];
		if (!strcmp(dmar_fault_name((enum dmar_fault)f), "unknown"))
			continue;       /* a code the model does not produce */
		snprintf(path, sizeof(path), "iommu.faults.%s", dmar_fault_name((enum dmar_fault)f));
		if (!(m->st_fault[f] = stats_counter(s->stats, path, "", dmar_fault_desc(
								(enum dmar_fault)f), e)))
			return -1;
	}
	return 0;
}

static struct component *iommu_create(struct sim *s, const char *name, const void *params,
				      const struct cfg_node *node, struct iov_err *e)
{
	(void)node;
	struct iommu *m = calloc(1, sizeof(*m));
	if (!m) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	m->p = *(const struct iommu_params *)params;
	component_init(&m->c, s, &model_iommu, name, NULL);
	m->p.iotlb.split = 0;
	m->p.ss_tlb.split = 0;
	m->p.pwc.levels = m->p.levels;
	m->p.fs_pwc.levels = m->p.levels < 4 ? 4 : m->p.levels;
	if (m->p.levels < 4)
		m->p.pwc.level[4].entries = 0;
	m->caps = (struct dmar_caps){ .sagaw = 1u << ctx_levels_aw((unsigned)m->p.levels),
				      .mgaw = m->p.levels == 5 ? 57 : m->p.levels == 4 ? 48 : 39,
				      .pass_through = true, .dev_tlb = true, .scalable = true };
	char what[160];
	snprintf(what, sizeof(what), "%s", name);
	int st = sim_stage(s, name, e);
	if (st < 0 ||
	    !(m->tlb = iotlb_create(&m->p.iotlb, s->seed ^ 0x1077b, what, e)) ||
	    !(m->pwc = pwc_create(&m->p.pwc, s->seed ^ 0x9ac, what, e)) ||
	    !(m->cc = context_cache_create(&m->p.ctx, s->seed ^ 0xcc, what, e)) ||
	    !(m->pc = pasid_cache_create(&m->p.pasid_cache, s->seed ^ 0x9c0, what, e)) ||
	    !(m->pm = physmem_create(m->p.table_base, m->p.table_size, e)) ||
	    !(m->ct = ctxtable_create(m->pm, e)) || iommu_stats(m, e))
		goto err;
	/* first-stage caches: for nested VMs and for PASIDs (which may have first stages) */
	if ((names_count(m->p.nested) || names_count(m->p.pasids)) &&
	    (!(m->ss_tlb = iotlb_create(&m->p.ss_tlb, s->seed ^ 0x55, what, e)) ||
	     !(m->fs_pwc = pwc_create(&m->p.fs_pwc, s->seed ^ 0xf5, what, e)) ||
	     iotlb_stats_register(m->ss_tlb, s->stats, "iommu.nested.ss_tlb", e) ||
	     pwc_stats_register(m->fs_pwc, s->stats, "iommu.nested.fs_pwc", e)))
		goto err;
	if (iommu_inv_create(m, e))
		goto err;
	m->stage = (uint16_t)st;
	return &m->c;
err:
	iommu_destroy(&m->c);
	return NULL;
}

static int iommu_start(struct component *c, struct iov_err *e)
{
	struct iommu *m = container_of(c, struct iommu, c);
	return m->p.enabled ? iommu_events_check(m, e) : 0;
}

static const struct model_ops iommu_ops = {
	.create = iommu_create,
	.elaborate = iommu_elaborate,
	.start = iommu_start,
	.finish = iommu_finish_stats,
	.destroy = iommu_destroy,
};

static const struct port_doc iommu_ports[] = {
	{ NULL, NULL },
};

const struct model model_iommu = {
	.kind = "iommu",
	.type = "iommu",
	.desc = "DMA remapping at the root complex: context and PASID caches, IOTLB, walk caches, "
		"timed page walks through memory, faults, nested translation, PASIDs, map/unmap "
		"with queued invalidation",
	.ops = &iommu_ops,
	.params = iommu_param_desc,
	.params_size = sizeof(struct iommu_params),
	.ports = iommu_ports,
	.not_modelled = "256-bit scalable-mode context entries (scalable mode is per device), "
			"scalable-mode codes for context and paging faults (interrupt remapping is "
			"the host component's, models/iommu/intremap.c), page requests (PRI), A/D bits, reserved-field faults, "
			"invalidation of the nested caches on second-stage unmaps",
};
