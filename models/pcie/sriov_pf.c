/* sriov_pf.c - SR-IOV set-up from the scenario, the enumerator's hooks, the PF driver and FLR
 *
 * The PF driver does what Linux's sriov_enable does before it touches the
 * device: refuses more VFs than TotalVFs, VF routing IDs beyond the bus
 * numbers reserved below the port ("not enough bus numbers"), and, without
 * ARI, VFs that would not be functions of the PF's device 0; then it writes
 * NumVFs and VF Enable | VF MSE. The boot-time driver (sriov_boot) does that
 * for the scenario's num_vfs right after enumeration.
 * FLR of a VF: BME cleared at once, the model told, 'flr_time' later done
 * (FACTS.md: a function must complete FLR within 100 ms; the default takes
 * the whole allowance).
 *
 * Not modelled: the PF's own FLR timing (sriov_reset is immediate); a VF's
 * config space other than BME and FLR.
 */
#include "sriov.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SP(f) offsetof(struct sriov_params, f)
static const struct param_desc sriov_param_desc[] = {
	{ "total_vfs", PARAM_U64, SP(total_vfs), NULL, 1, SRIOV_MAX_VFS, NULL,
	  "TotalVFs (and InitialVFs): VFs the PF can bring up" },
	{ "num_vfs", PARAM_U64, SP(num_vfs), "0", 0, SRIOV_MAX_VFS, NULL,
	  "VFs the boot-time PF driver enables after enumeration (0: none)" },
	{ "first_vf_offset", PARAM_U64, SP(first_vf_offset), "1", 1, 65535, NULL,
	  "First VF Offset: VF 1's routing ID minus the PF's" },
	{ "vf_stride", PARAM_U64, SP(vf_stride), "1", 0, 65535, NULL,
	  "VF Stride: routing-ID distance between consecutive VFs" },
	{ "vf_device_id", PARAM_U64, SP(vf_device_id), "0", 0, 65535, NULL,
	  "VF Device ID register (informative)" },
	{ "vf_bars", PARAM_NODE, SP(vf_bars), "", 0, 0, NULL,
	  "VF BAR sizes, at most 3 (64-bit BARs), each a power of two >= 4 KiB" },
	{ "ari", PARAM_BOOL, SP(ari), "true", 0, 0, NULL,
	  "the port above forwards ARI: system software sets ARI Capable Hierarchy (8-bit "
	  "function numbers; without it VFs must be functions 1..7 of the PF's device)" },
	{ "vf_bme", PARAM_BOOL, SP(vf_bme), "true", 0, 0, NULL,
	  "the boot-time enable sets each VF's Bus Master Enable" },
	{ "flr_time", PARAM_TIME, SP(flr_time), "100ms", 0, 1e12, NULL,
	  "duration of a VF's Function Level Reset (FACTS.md: at most 100 ms)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

const struct param_desc *sriov_param_table(void) { return sriov_param_desc; }

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

static int bars_parse(struct sriov_pf *sp, const struct cfg_node *n, struct iov_err *e)
{
	static const struct param_desc size_desc = { "vf_bars", PARAM_SIZE, 0, NULL, 4096, 0x1p40,
						     NULL, "VF BAR size" };
	sp->nbars = 0;
	if (!n || n->kind == CFG_NULL || (n->kind == CFG_SCALAR && !n->str[0]))
		return 0;
	if (n->kind != CFG_SEQ)
		return cfg_err(e, n, "vf_bars must be a list of VF BAR sizes, e.g. [16KiB, 16KiB]");
	if (n->n > SRIOV_MAX_VF_BARS)
		return cfg_err(e, n, "at most %d VF BARs (each a 64-bit BAR: two of the six VF BAR "
			       "registers)", SRIOV_MAX_VF_BARS);
	for (size_t i = 0; i < n->n; i++) {
		uint64_t v = 0;
		if (cfg_parse_value(n->items[i], &size_desc, &v, e))
			return -1;
		if (!pow2(v))
			return cfg_err(e, n->items[i], "VF BAR size must be a power of two (got %llu "
				       "bytes)", (unsigned long long)v);
		sp->bar_size[sp->nbars++] = v;
	}
	return 0;
}

static int params_check(struct sriov_pf *sp, const struct cfg_node *node, struct iov_err *e)
{
	const struct sriov_params *p = &sp->p;
	if (p->num_vfs > p->total_vfs)
		return cfg_err(e, cfg_get(node, "num_vfs"), "num_vfs %llu is more than total_vfs %llu",
			       (unsigned long long)p->num_vfs, (unsigned long long)p->total_vfs);
	if (p->vf_stride == 0 && p->total_vfs > 1)
		return cfg_err(e, cfg_get(node, "vf_stride"), "vf_stride 0 gives every VF the same "
			       "routing ID; only allowed with total_vfs 1");
	return 0;
}

#define SRIOV_STAT(field, leaf, desc)                                                     \
	(snprintf(path, sizeof(path), "components.%s.sriov." leaf, c->name),              \
	 (sp->field = stats_counter(c->sim->stats, path, "", desc, e)) != NULL)

int sriov_create(struct sriov_pf **out, struct pcie_fn *pf, struct component *c,
		 const struct cfg_node *node, struct iov_err *e)
{
	*out = NULL;
	if (!node || node->kind == CFG_NULL || (node->kind == CFG_SCALAR && !node->str[0]))
		return 0;
	if (node->kind != CFG_MAP)
		return cfg_err(e, node, "sriov must be a map {total_vfs, num_vfs, first_vf_offset, "
			       "vf_stride, vf_bars, ...}");
	struct sriov_pf *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	sp->pf = pf;
	sp->sim = c->sim;
	sp->loc = node->loc;
	char what[160], path[256];
	snprintf(what, sizeof(what), "SR-IOV capability of '%s'", c->name);
	if (cfg_load_params(node, sriov_param_desc, NULL, &sp->p, what, e) ||
	    params_check(sp, node, e) || bars_parse(sp, cfg_get(node, "vf_bars"), e))
		goto err;
	sp->vfs = calloc(sp->p.total_vfs, sizeof(*sp->vfs));
	if (!sp->vfs) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto err;
	}
	for (unsigned i = 0; i < sp->p.total_vfs; i++)
		snprintf(sp->vfs[i].name, sizeof(sp->vfs[i].name), "%s.vf%u", pf->name, i + 1);
	if (!SRIOV_STAT(st_enables, "vf_enables", "VF Enable 0 -> 1 transitions (VFs created)") ||
	    !SRIOV_STAT(st_disables, "vf_disables", "VF Enable 1 -> 0 transitions (VFs removed)") ||
	    !SRIOV_STAT(st_flrs, "vf_flrs", "VF Function Level Resets started") ||
	    !SRIOV_STAT(st_refused, "refused", "VF enables refused (PF driver checks, or NumVFs > "
			"TotalVFs at VF Enable)"))
		goto err;
	sriov_reset(sp);
	pf->caps |= PCIE_CAP_SRIOV;
	pf->sriov = sp;
	*out = sp;
	return 0;
err:
	sriov_destroy(sp);
	return -1;
}

void sriov_destroy(struct sriov_pf *sp)
{
	if (!sp)
		return;
	/* The topology may be gone already (components are destroyed in any
	 * order): it is not touched. */
	free(sp->vfs);
	free(sp);
}

void sriov_set_ops(struct sriov_pf *sp, const struct sriov_ops *ops, void *ctx)
{
	sp->ops = ops;
	sp->ctx = ctx;
}

/* --------------------------------------------------------- enumerator -- */

unsigned sriov_bus_span(const struct sriov_pf *sp, uint16_t pf_rid)
{
	uint32_t last = (uint32_t)pf_rid + (uint32_t)sp->p.first_vf_offset +
			(uint32_t)(sp->p.total_vfs - 1) * (uint32_t)sp->p.vf_stride;
	return last >> 8;
}

uint64_t sriov_vf_bar_span(const struct sriov_pf *sp, unsigned k, uint64_t *align)
{
	if (k >= sp->nbars)
		return 0;
	*align = sp->bar_size[k];
	return sp->bar_size[k] * sp->p.total_vfs;
}

void sriov_set_vf_bar(struct sriov_pf *sp, unsigned k, uint64_t addr)
{
	if (k >= sp->nbars || sriov_vf_enabled(sp))
		return;
	sriov_cfg_write(sp, SRIOV_VF_BAR(2 * k), (uint32_t)addr, 4);
	sriov_cfg_write(sp, SRIOV_VF_BAR(2 * k + 1), (uint32_t)(addr >> 32), 4);
}

void sriov_attach(struct sriov_pf *sp, struct pcie_topo *t)
{
	sp->topo = t;
	sp->cfg[SRIOV_FN_DEP_LINK] = sp->pf->fn_no;     /* RO: its own function number */
}

/* ---------------------------------------------------------- PF driver -- */


static int refuse(struct sriov_pf *sp, struct iov_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct sriov_pf *sp, struct iov_err *e, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(*sp->st_refused)++;
	return iov_err_set(e, IOV_BAD_INPUT, "%s: cannot enable VFs: %s", sp->pf->name, msg);
}

/* The routing-ID checks of enabling n VFs (registers as they are, with
 * ARI Capable Hierarchy = ari). */
static int rid_check(struct sriov_pf *sp, unsigned n, bool ari, struct iov_err *e)
{
	char a[16], b[16];
	uint32_t last = (uint32_t)sp->pf->rid + (uint32_t)sp->p.first_vf_offset +
			(uint32_t)(n - 1) * (uint32_t)sp->p.vf_stride;
	if (last > 0xffff)
		return refuse(sp, e, "VF %u's routing ID would pass ff:1f.7 (PF %s, offset %llu, "
			      "stride %llu)", n, pcie_bdf_str(sp->pf->rid, a, sizeof(a)),
			      (unsigned long long)sp->p.first_vf_offset,
			      (unsigned long long)sp->p.vf_stride);
	const struct pcie_fn *port = sp->pf->up;
	if (port && (last >> 8) > port->sub)
		return refuse(sp, e, "not enough bus numbers: VF %u would be %s, but %s reserves "
			      "buses %02x-%02x", n, pcie_bdf_str((uint16_t)last, a, sizeof(a)),
			      port->name, port->sec, port->sub);
	if (!ari) {
		unsigned pfdev = sp->pf->rid & 0xfff8;
		for (unsigned i = 1; i <= n; i++) {
			uint16_t r = (uint16_t)(sp->pf->rid + sp->p.first_vf_offset +
						(i - 1) * sp->p.vf_stride);
			if ((r & 0xfff8) != pfdev || r == sp->pf->rid)
				return refuse(sp, e, "without ARI (sriov: ari: false) VF %u would be "
					      "%s, not a function of the PF's device %s; the port "
					      "above forwards only device 0", i,
					      pcie_bdf_str(r, a, sizeof(a)),
					      pcie_bdf_str(sp->pf->rid, b, sizeof(b)));
		}
	}
	return 0;
}

int sriov_enable_vfs(struct sriov_pf *sp, unsigned n, struct iov_err *e)
{
	unsigned total = sriov_total_vfs(sp);
	if (sriov_vf_enabled(sp))
		return refuse(sp, e, "%u VFs are already enabled; disable them first", sp->nvfs);
	if (n == 0 || n > total)
		return refuse(sp, e, "asked for %u VFs; TotalVFs is %u", n, total);
	if (!sp->topo)
		return refuse(sp, e, "the PF is not enumerated yet");
	if (rid_check(sp, n, sp->p.ari != 0, e))
		return -1;
	for (unsigned k = 0; k < sp->nbars; k++)
		if (!sriov_vf_bar_base(sp, k))
			return refuse(sp, e, "VF BAR %u has no address (not placed by enumeration)",
				      k);
	uint16_t c = sp->p.ari ? SRIOV_CTRL_ARI : 0;
	sriov_cfg_write(sp, SRIOV_CTRL, c, 2);
	sriov_cfg_write(sp, SRIOV_NUM_VFS, n, 2);
	sriov_cfg_write(sp, SRIOV_CTRL, c | SRIOV_CTRL_VFE | SRIOV_CTRL_MSE, 2);
	return sp->nvfs == n ? 0 : refuse(sp, e, "the device brought up %u of %u VFs", sp->nvfs, n);
}

void sriov_disable_vfs(struct sriov_pf *sp)
{
	uint16_t c = (uint16_t)sriov_cfg_read(sp, SRIOV_CTRL, 2);
	sriov_cfg_write(sp, SRIOV_CTRL, c & ~(SRIOV_CTRL_VFE | SRIOV_CTRL_MSE), 2);
	sriov_cfg_write(sp, SRIOV_NUM_VFS, 0, 2);
}

int sriov_boot(struct sriov_pf *sp, struct iov_err *e)
{
	if (!sp->p.num_vfs)
		return 0;
	if (sriov_enable_vfs(sp, (unsigned)sp->p.num_vfs, e)) {
		char msg[sizeof(e->msg)];
		const char *m = strstr(e->msg, "error: ");
		snprintf(msg, sizeof(msg), "%s", m ? m + 7 : e->msg);
		e->status = 0;          /* the first error wins: replace it by the located one */
		return iov_err_at(e, IOV_BAD_INPUT, sp->loc.file, sp->loc.line, sp->loc.col,
				  "%s (sriov: num_vfs %llu)", msg, (unsigned long long)sp->p.num_vfs);
	}
	for (unsigned i = 1; i <= sp->nvfs; i++)
		sp->vfs[i - 1].fn.bme = sp->p.vf_bme != 0;
	return 0;
}

/* ------------------------------------------------------ per-VF control -- */

int sriov_vf_set_bme(struct sriov_pf *sp, unsigned n, bool on)
{
	struct pcie_fn *f = sriov_vf(sp, n);
	if (!f || sp->vfs[n - 1].in_flr)
		return -1;
	f->bme = on;
	return 0;
}

static void flr_done(void *arg)
{
	struct sriov_vf *v = arg;
	struct sriov_pf *sp = v->fn.sriov;
	if (!v->in_flr || v->flr_done != sim_now(sp->sim->k))
		return;                 /* removed (or re-created) meanwhile */
	v->in_flr = false;
	if (sp->ops && sp->ops->vf_flr)
		sp->ops->vf_flr(sp->ctx, sp, v->fn.vf, false);
}

int sriov_vf_flr(struct sriov_pf *sp, unsigned n)
{
	struct pcie_fn *f = sriov_vf(sp, n);
	if (!f || sp->vfs[n - 1].in_flr)
		return -1;
	struct sriov_vf *v = &sp->vfs[n - 1];
	f->bme = false;
	v->in_flr = true;
	v->flr_done = sim_now(sp->sim->k) + sp->p.flr_time;
	(*sp->st_flrs)++;
	if (sp->ops && sp->ops->vf_flr)
		sp->ops->vf_flr(sp->ctx, sp, n, true);
	sim_schedule_at(sp->sim->k, v->flr_done, flr_done, v);
	return 0;
}

/* ------------------------------------------------------- VM devices -- */

int sriov_check_vm_devices(struct sim *s, const struct pcie_topo *t, struct iov_err *e)
{
	const struct cfg_node *vms = s->scen ? cfg_get(s->scen->root, "vms") : NULL;
	for (size_t i = 0; vms && vms->kind == CFG_SEQ && i < vms->n; i++) {
		const struct cfg_node *dev = cfg_get(vms->items[i], "devices");
		for (size_t j = 0; dev && dev->kind == CFG_SEQ && j < dev->n; j++) {
			const struct cfg_node *d = dev->items[j];
			if (d->kind != CFG_SCALAR || sim_component(s, d->str, strlen(d->str)))
				continue;
			bool found = false;
			for (unsigned k = 0; k < t->nfns && !found; k++)
				found = !strcmp(t->fns[k]->name, d->str);
			if (found)
				continue;
			const char *dot = strrchr(d->str, '.');
			const struct pcie_fn *pf = NULL;
			for (unsigned k = 0; k < t->nfns && dot; k++)
				if (t->fns[k]->sriov && !t->fns[k]->vf &&
				    strlen(t->fns[k]->name) == (size_t)(dot - d->str) &&
				    !strncmp(t->fns[k]->name, d->str, (size_t)(dot - d->str)))
					pf = t->fns[k];
			if (!pf)
				return cfg_err(e, d, "'%s' names a VF, but '%.*s' has no SR-IOV "
					       "capability (sriov:)", d->str,
					       dot ? (int)(dot - d->str) : 0, d->str);
			return cfg_err(e, d, "no VF '%s': %s has %u VFs enabled after boot "
				       "(sriov: num_vfs; VF numbers are 1-based)", d->str, pf->name,
				       sriov_num_vfs(pf->sriov));
		}
	}
	return 0;
}
