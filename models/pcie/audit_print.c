/* audit_print.c - the audit as text (tree, groups, bypass pairs, embedded switches) and JSON
 *
 * Formats are in docs/audit.md. */
#include "audit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sriov.h"
#include "units.h"

/* ------------------------------------------------------------------ text -- */

static const char *kind_name(enum pcie_fn_kind k)
{
	switch (k) {
	case PCIE_FN_ROOT_PORT:
		return "root port";
	case PCIE_FN_SWITCH_UP:
		return "switch upstream port";
	case PCIE_FN_SWITCH_DOWN:
		return "switch downstream port";
	default:
		return "endpoint";
	}
}

static const char *kind_key(enum pcie_fn_kind k)
{
	switch (k) {
	case PCIE_FN_ROOT_PORT:
		return "root_port";
	case PCIE_FN_SWITCH_UP:
		return "switch_up";
	case PCIE_FN_SWITCH_DOWN:
		return "switch_down";
	default:
		return "endpoint";
	}
}

/* ", SR-IOV TotalVFs 64, NumVFs 14, offset 1, stride 1, ARI, VF BAR0 0x... (16 KiB each)" */
static void text_sriov(const struct sriov_pf *sp, FILE *out)
{
	char sz[32];
	fprintf(out, ", SR-IOV TotalVFs %u, NumVFs %u, offset %u, stride %u%s", sriov_total_vfs(sp),
		sriov_num_vfs(sp), sriov_cfg_read(sp, SRIOV_FIRST_VF_OFFSET, 2),
		sriov_cfg_read(sp, SRIOV_VF_STRIDE, 2), sriov_ari(sp) ? ", ARI" : "");
	for (unsigned k = 0; k < sp->nbars; k++)
		fprintf(out, ", VF BAR%u 0x%" PRIx64 " (%s each)", k,
			sriov_vf_bar_base(sp, k),
			units_fmt_size(sp->bar_size[k], sz, sizeof(sz)));
}

static void text_fn(const struct audit *a, FILE *out, const struct pcie_fn *f, int depth)
{
	char bdf[16], acs[96], sz[32];
	fprintf(out, "%*s%s %s: %s", 2 * depth, "", pcie_bdf_str(f->rid, bdf, sizeof(bdf)),
		f->name, kind_name(f->kind));
	if (f->kind == PCIE_FN_ENDPOINT) {
		if (audit_multi_function(f))
			fprintf(out, " (function %u)", f->fn_no);
		if (f->vf)
			fprintf(out, " (VF %u of %s)", f->vf, f->sriov->pf->name);
		fprintf(out, ", %s", audit_vm_name(a->sim, f->vm));
	} else {
		fprintf(out, ", bus [%02x-%02x]", f->sec, f->sub);
		if (f->win_limit > f->win_base)
			fprintf(out, ", window 0x%" PRIx64 "-0x%" PRIx64, f->win_base,
				f->win_limit - 1);
		else
			fputs(", no window", out);
	}
	for (unsigned k = 0; k < f->nbars; k++)
		fprintf(out, ", BAR%u 0x%" PRIx64 " (%s)", k, f->bars[k].addr,
			units_fmt_size(f->bars[k].size, sz, sizeof(sz)));
	fprintf(out, ", ACS %s", pcie_acs_str(&f->acs, f->has_acs, acs, sizeof(acs)));
	if (audit_is_port(f) && !audit_port_acs_enabled(f))
		fputs(" (not isolating)", out);
	if (f->kind == PCIE_FN_ENDPOINT && audit_multi_function(f) && !audit_fn_acs_enabled(f))
		fputs(" (no RR CR)", out);
	if (!f->bme)
		fputs(", BME off (no DMA)", out);
	fprintf(out, ", caps %s", pcie_caps_str(f->caps, acs, sizeof(acs)));
	if (f->sriov && !f->vf)
		text_sriov(f->sriov, out);
	fputc('\n', out);
}

/* The VFs of a PF, one level below it. */
static void text_vfs(const struct audit *a, FILE *out, const struct pcie_fn *f, int depth)
{
	for (unsigned n = 1; f->sriov && !f->vf && n <= sriov_num_vfs(f->sriov); n++)
		text_fn(a, out, sriov_vf(f->sriov, n), depth + 1);
}

static void text_below(const struct audit *a, FILE *out, struct port *p, int depth)
{
	struct pcie_node *n = pcie_node_beyond(p, NULL);
	if (!n) {
		fprintf(out, "%*s(nothing attached)\n", 2 * depth, "");
		return;
	}
	switch (n->kind) {
	case PCIE_NODE_SWITCH:
		text_fn(a, out, n->self, depth);
		for (unsigned j = 0; j < n->ndown; j++) {
			text_fn(a, out, n->down_fn[j], depth + 1);
			text_below(a, out, n->down[j], depth + 2);
		}
		break;
	case PCIE_NODE_MFD: {
		const struct pcie_fn *f0 = n->dev.nfns ? n->dev.fns[0] : NULL;
		if (f0)
			fprintf(out, "%*s%02x:%02x.* %s: multi-function device, %u function%s\n",
				2 * depth, "", f0->rid >> 8, (f0->rid >> 3) & 31, n->c->name,
				n->dev.nfns, n->dev.nfns == 1 ? "" : "s");
		else
			fprintf(out, "%*s%s: multi-function device, no functions attached\n",
				2 * depth, "", n->c->name);
		for (unsigned j = 0; j < n->ndown; j++)
			if (n->down_fn[j]) {
				text_fn(a, out, n->down_fn[j], depth + 1);
				text_vfs(a, out, n->down_fn[j], depth + 1);
			}
		break;
	}
	case PCIE_NODE_ENDPOINT:
		text_fn(a, out, n->self, depth);
		text_vfs(a, out, n->self, depth);
		break;
	default:
		fprintf(out, "%*s%s: (not a device)\n", 2 * depth, "", n->c->name);
		break;
	}
}

static void text_pair(const struct audit *a, FILE *out, const struct audit_pair *p)
{
	char acs[96];
	fprintf(out, "  %s -> %s via %s (ACS %s", p->from->name, p->to->name, p->via_name,
		pcie_acs_str(&p->via->acs, p->via->has_acs, acs, sizeof(acs)));
	if (p->via->kind == PCIE_FN_ENDPOINT)
		fprintf(out, " of %s", p->via->name);
	fputc(')', out);
	if (p->verdict == XV_BLOCK_UR || p->verdict == XV_BLOCK_CA)
		fprintf(out, ": blocked (%s)", p->verdict == XV_BLOCK_CA ? "CA" : "UR");
	if (p->cross_vm)
		fprintf(out, "%s crosses VMs: %s -> %s", p->verdict == XV_P2P ? ":" : ",",
			audit_vm_name(a->sim, p->from->vm), audit_vm_name(a->sim, p->to->vm));
	if (p->cross_group && p->verdict == XV_P2P)
		fprintf(out, "%s crosses IOMMU groups %d -> %d", p->cross_vm ? "," : ":",
			audit_group_of(a, p->from), audit_group_of(a, p->to));
	fputc('\n', out);
}

static void text_vlan(FILE *out, unsigned vlan)
{
	if (vlan)
		fprintf(out, "VLAN %u", vlan);
	else
		fputs("untagged", out);
}

/* "  nic0 <-> nic0.vf9 (untagged): crosses VMs: host <-> vm1, crosses IOMMU groups 0 <-> 9" */
static void text_iswitch_pair(const struct audit *a, FILE *out, const struct audit_iswitch_pair *p)
{
	const char *arrow = p->a_to_b && p->b_to_a ? "<->" : p->a_to_b ? "->" : "<-";
	fprintf(out, "    %s %s %s (", p->a->name, arrow, p->b->name);
	text_vlan(out, p->vlan_a);
	if (p->vlan_b != p->vlan_a) {
		fputs(" / ", out);
		text_vlan(out, p->vlan_b);
	}
	fputc(')', out);
	if (p->cross_vm)
		fprintf(out, ": crosses VMs: %s %s %s", audit_vm_name(a->sim, p->a->vm), arrow,
			audit_vm_name(a->sim, p->b->vm));
	if (p->cross_group)
		fprintf(out, "%s crosses IOMMU groups %d %s %d", p->cross_vm ? "," : ":",
			audit_group_of(a, p->a), arrow, audit_group_of(a, p->b));
	fputc('\n', out);
}

/* One device's switch: its ports, then the pairs across VMs. */
static void text_iswitch(const struct audit *a, FILE *out, const struct audit_iswitch *is)
{
	const struct pcie_iswitch *sw = is->sw;
	char bdf[16];
	fprintf(out, "  %s %s: %s by %s, %u port%s\n", is->owner->name,
		pcie_bdf_str(is->owner->rid, bdf, sizeof(bdf)),
		sw->enabled ? "forwards" : "disabled (forwards nothing), would forward",
		sw->filter ? sw->filter : "?", is->nports, is->nports == 1 ? "" : "s");
	for (unsigned i = 0; i < is->nports; i++) {
		const struct pcie_fn *f = sw->ops->fn(sw, i);
		fprintf(out, "    %s %s: %s, ", pcie_bdf_str(f->rid, bdf, sizeof(bdf)), f->name,
			audit_vm_name(a->sim, f->vm));
		text_vlan(out, sw->ops->vlan(sw, i));
		fputc('\n', out);
	}
	for (unsigned i = 0; i < is->npairs; i++)
		if (is->pairs[i].cross_vm)
			text_iswitch_pair(a, out, &is->pairs[i]);
	fprintf(out, "    %u pair%s exchange%s packets inside %s: %u crossing VMs (listed), %u "
		"within one VM\n", is->npairs, is->npairs == 1 ? "" : "s",
		is->npairs == 1 ? "s" : "", is->owner->name, is->ncross, is->npairs - is->ncross);
}

static void text_iswitches(const struct audit *a, FILE *out)
{
	if (!a->niswitches)
		return;
	fputs("\nEmbedded switches (packets between these functions stay inside the device: no "
	      "TLP between them, so neither ACS nor the IOMMU sees them)\n", out);
	for (unsigned i = 0; i < a->niswitches; i++)
		text_iswitch(a, out, &a->iswitches[i]);
}

int audit_print_text(const struct audit *a, FILE *out)
{
	const struct pcie_topo *t = a->topo;
	const struct pcie_node *rc = t->rc;
	char bdf[16];
	fprintf(out, "PCIe hierarchy: root complex %s, MMIO 0x%" PRIx64 "-0x%" PRIx64 "\n",
		rc->c->name, t->mmio_base, t->mmio_limit - 1);
	for (unsigned i = 0; i < rc->ndown; i++) {
		text_fn(a, out, rc->down_fn[i], 1);
		text_below(a, out, rc->down[i], 2);
	}

	fputs("\nIOMMU groups (ACS SV RR CR UF on every port up to the root complex; "
	      "docs/audit.md)\n", out);
	if (!a->ngroups)
		fputs("  (no endpoint functions)\n", out);
	for (unsigned g = 0; g < a->ngroups; g++) {
		const struct audit_group *gr = &a->groups[g];
		fprintf(out, "  group %u:", gr->id);
		for (unsigned k = 0; k < gr->nmembers; k++)
			fprintf(out, "%s %s %s", k ? "," : "",
				pcie_bdf_str(gr->members[k]->rid, bdf, sizeof(bdf)),
				gr->members[k]->name);
		fputc('\n', out);
		if (gr->reason)
			fprintf(out, "    why: %s\n", gr->reason);
	}

	fputs("\nBypass pairs (a read of the peer's BAR does not pass the root complex, so no "
	      "IOMMU checks it)\n", out);
	if (!a->nbypass)
		fputs("  (none)\n", out);
	unsigned ncross = 0;
	for (unsigned i = 0; i < a->nbypass; i++) {
		text_pair(a, out, &a->bypass[i]);
		ncross += a->bypass[i].cross_vm;
	}
	if (a->nblocked) {
		fputs("\nBlocked below the root complex by ACS\n", out);
		for (unsigned i = 0; i < a->nblocked; i++)
			text_pair(a, out, &a->blocked[i]);
	}
	text_iswitches(a, out);
	fprintf(out, "\nsummary: %u function%s, %u IOMMU group%s, %u bypass pair%s (%u crossing "
		"VMs), %u redirected to the root complex, %u blocked", t->nfns,
		t->nfns == 1 ? "" : "s", a->ngroups, a->ngroups == 1 ? "" : "s", a->nbypass,
		a->nbypass == 1 ? "" : "s", ncross, a->nredirected, a->nblocked);
	if (a->niswitches) {
		unsigned np = 0, nc = 0;
		for (unsigned i = 0; i < a->niswitches; i++) {
			np += a->iswitches[i].npairs;
			nc += a->iswitches[i].ncross;
		}
		fprintf(out, ", %u embedded-switch pair%s (%u crossing VMs)", np,
			np == 1 ? "" : "s", nc);
	}
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------------ JSON -- */

static void json_vm(const struct audit *a, FILE *out, int vm)
{
	if (vm < 0)
		fputs("null", out);
	else
		json_write_string(out, audit_vm_name(a->sim, vm));
}

/* ', "pf": ..., "vf": ..., "sriov": ...' (docs/audit.md) */
static void json_sriov(FILE *out, const struct pcie_fn *f)
{
	fputs(", \"pf\": ", out);
	if (f->vf)
		json_write_string(out, f->sriov->pf->name);
	else
		fputs("null", out);
	if (f->vf)
		fprintf(out, ", \"vf\": %u", f->vf);
	else
		fputs(", \"vf\": null", out);
	fputs(", \"sriov\": ", out);
	const struct sriov_pf *sp = f->vf ? NULL : f->sriov;
	if (!sp) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"total_vfs\": %u, \"num_vfs\": %u, \"first_vf_offset\": %u, "
		"\"vf_stride\": %u, \"ari\": %s, \"vf_bars\": [", sriov_total_vfs(sp),
		sriov_num_vfs(sp), sriov_cfg_read(sp, SRIOV_FIRST_VF_OFFSET, 2),
		sriov_cfg_read(sp, SRIOV_VF_STRIDE, 2), sriov_ari(sp) ? "true" : "false");
	for (unsigned k = 0; k < sp->nbars; k++)
		fprintf(out, "%s{\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", k ? ", " : "",
			sriov_vf_bar_base(sp, k),
			sp->bar_size[k]);
	fputs("]}", out);
}

static void json_fn(const struct audit *a, FILE *out, unsigned i)
{
	const struct pcie_fn *f = a->topo->fns[i];
	char bdf[16], acs[96];
	fputs("    {\"bdf\": ", out);
	json_write_string(out, pcie_bdf_str(f->rid, bdf, sizeof(bdf)));
	fputs(", \"name\": ", out);
	json_write_string(out, f->name);
	fprintf(out, ", \"kind\": \"%s\", \"up\": ", kind_key(f->kind));
	if (f->up)
		json_write_string(out, pcie_bdf_str(f->up->rid, bdf, sizeof(bdf)));
	else
		fputs("null", out);
	if (f->kind == PCIE_FN_ENDPOINT) {
		fputs(", \"bus\": null, \"window\": null", out);
	} else {
		fprintf(out, ", \"bus\": [%u, %u], \"window\": ", f->sec, f->sub);
		if (f->win_limit > f->win_base)
			fprintf(out, "[\"0x%" PRIx64 "\", \"0x%" PRIx64 "\"]", f->win_base,
				f->win_limit - 1);
		else
			fputs("null", out);
	}
	fputs(", \"bars\": [", out);
	for (unsigned k = 0; k < f->nbars; k++)
		fprintf(out, "%s{\"addr\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", k ? ", " : "",
			f->bars[k].addr, f->bars[k].size);
	fputs("], \"caps\": ", out);
	json_write_string(out, pcie_caps_str(f->caps, acs, sizeof(acs)));
	fputs(", \"acs\": ", out);
	json_write_string(out, pcie_acs_str(&f->acs, f->has_acs, acs, sizeof(acs)));
	/* Linux's pci_acs_enabled(REQ_ACS): what this function itself must have */
	bool iso = audit_is_port(f) ? audit_port_acs_enabled(f) :
		   audit_multi_function(f) ? audit_fn_acs_enabled(f) : true;
	fprintf(out, ", \"acs_enabled\": %s, \"bme\": %s, \"vm\": ", iso ? "true" : "false",
		f->bme ? "true" : "false");
	json_vm(a, out, f->kind == PCIE_FN_ENDPOINT ? f->vm : -1);
	fputs(", \"device\": ", out);
	const struct pcie_node *dn = f->kind == PCIE_FN_ENDPOINT ? audit_node_below(f->up) : NULL;
	if (dn && dn->kind == PCIE_NODE_MFD)
		json_write_string(out, dn->c->name);
	else
		fputs("null", out);
	json_sriov(out, f);
	fputs(", \"group\": ", out);
	if (a->group_of[i] >= 0)
		fprintf(out, "%d", a->group_of[i]);
	else
		fputs("null", out);
	fputc('}', out);
}

static void json_pairs(const struct audit *a, FILE *out, const struct audit_pair *v,
		       unsigned n)
{
	char bdf[16], acs[96];
	fputc('[', out);
	for (unsigned i = 0; i < n; i++) {
		const struct audit_pair *p = &v[i];
		fputs(i ? ",\n    {\"from\": " : "\n    {\"from\": ", out);
		json_write_string(out, p->from->name);
		fputs(", \"to\": ", out);
		json_write_string(out, p->to->name);
		fputs(", \"from_bdf\": ", out);
		json_write_string(out, pcie_bdf_str(p->from->rid, bdf, sizeof(bdf)));
		fputs(", \"to_bdf\": ", out);
		json_write_string(out, pcie_bdf_str(p->to->rid, bdf, sizeof(bdf)));
		fputs(", \"via\": ", out);
		json_write_string(out, p->via_name);
		fputs(", \"acs\": ", out);
		json_write_string(out, pcie_acs_str(&p->via->acs, p->via->has_acs, acs, sizeof(acs)));
		if (p->verdict != XV_P2P)
			fprintf(out, ", \"verdict\": \"%s\"", p->verdict == XV_BLOCK_CA ? "CA" : "UR");
		fprintf(out, ", \"cross_vm\": %s, \"from_vm\": ", p->cross_vm ? "true" : "false");
		json_vm(a, out, p->from->vm);
		fputs(", \"to_vm\": ", out);
		json_vm(a, out, p->to->vm);
		fprintf(out, ", \"cross_group\": %s}", p->cross_group ? "true" : "false");
	}
	fputs(n ? "\n  ]" : "]", out);
}

static void json_vlan(FILE *out, unsigned vlan)
{
	if (vlan)
		fprintf(out, "%u", vlan);
	else
		fputs("null", out);
}

static void json_iswitch_pair(const struct audit *a, FILE *out, const struct audit_iswitch_pair *p)
{
	char bdf[16];
	fputs("\n      {\"a\": ", out);
	json_write_string(out, p->a->name);
	fputs(", \"b\": ", out);
	json_write_string(out, p->b->name);
	fputs(", \"a_bdf\": ", out);
	json_write_string(out, pcie_bdf_str(p->a->rid, bdf, sizeof(bdf)));
	fputs(", \"b_bdf\": ", out);
	json_write_string(out, pcie_bdf_str(p->b->rid, bdf, sizeof(bdf)));
	fputs(", \"a_vlan\": ", out);
	json_vlan(out, p->vlan_a);
	fputs(", \"b_vlan\": ", out);
	json_vlan(out, p->vlan_b);
	fprintf(out, ", \"a_to_b\": %s, \"b_to_a\": %s, \"cross_vm\": %s, \"a_vm\": ",
		p->a_to_b ? "true" : "false", p->b_to_a ? "true" : "false",
		p->cross_vm ? "true" : "false");
	json_vm(a, out, p->a->vm);
	fputs(", \"b_vm\": ", out);
	json_vm(a, out, p->b->vm);
	fprintf(out, ", \"cross_group\": %s}", p->cross_group ? "true" : "false");
}

static void json_iswitch(const struct audit *a, FILE *out, const struct audit_iswitch *is)
{
	const struct pcie_iswitch *sw = is->sw;
	char bdf[16];
	fputs("\n    {\"device\": ", out);
	json_write_string(out, is->owner->name);
	fputs(", \"bdf\": ", out);
	json_write_string(out, pcie_bdf_str(is->owner->rid, bdf, sizeof(bdf)));
	fputs(", \"filter\": ", out);
	json_write_string(out, sw->filter ? sw->filter : "");
	fprintf(out, ", \"enabled\": %s, \"ports\": [", sw->enabled ? "true" : "false");
	for (unsigned i = 0; i < is->nports; i++) {
		const struct pcie_fn *f = sw->ops->fn(sw, i);
		fputs(i ? ",\n      {\"bdf\": " : "\n      {\"bdf\": ", out);
		json_write_string(out, pcie_bdf_str(f->rid, bdf, sizeof(bdf)));
		fputs(", \"name\": ", out);
		json_write_string(out, f->name);
		fputs(", \"vm\": ", out);
		json_vm(a, out, f->vm);
		fputs(", \"vlan\": ", out);
		json_vlan(out, sw->ops->vlan(sw, i));
		fputc('}', out);
	}
	fputs(is->nports ? "\n    ], \"pairs\": [" : "], \"pairs\": [", out);
	for (unsigned i = 0; i < is->npairs; i++) {
		fputs(i ? "," : "", out);
		json_iswitch_pair(a, out, &is->pairs[i]);
	}
	fprintf(out, "%s], \"pairs_cross_vm\": %u}", is->npairs ? "\n    " : "", is->ncross);
}

int audit_print_json(const struct audit *a, const char *scenario, FILE *out)
{
	const struct pcie_topo *t = a->topo;
	char bdf[16];
	fputs("{\n  \"scenario\": ", out);
	json_write_string(out, scenario ? scenario : "");
	fputs(",\n  \"root_complex\": ", out);
	json_write_string(out, t->rc->c->name);
	fprintf(out, ",\n  \"mmio\": [\"0x%" PRIx64 "\", \"0x%" PRIx64 "\"],\n  \"functions\": [",
		t->mmio_base, t->mmio_limit - 1);
	for (unsigned i = 0; i < t->nfns; i++) {
		fputs(i ? ",\n" : "\n", out);
		json_fn(a, out, i);
	}
	fputs(t->nfns ? "\n  ],\n  \"groups\": [" : "],\n  \"groups\": [", out);
	for (unsigned g = 0; g < a->ngroups; g++) {
		const struct audit_group *gr = &a->groups[g];
		fprintf(out, "%s    {\"id\": %u, \"members\": [", g ? ",\n" : "\n", gr->id);
		for (unsigned k = 0; k < gr->nmembers; k++) {
			fputs(k ? ", " : "", out);
			json_write_string(out, pcie_bdf_str(gr->members[k]->rid, bdf, sizeof(bdf)));
		}
		fputs("], \"names\": [", out);
		for (unsigned k = 0; k < gr->nmembers; k++) {
			fputs(k ? ", " : "", out);
			json_write_string(out, gr->members[k]->name);
		}
		fputs("], \"reason\": ", out);
		if (gr->reason)
			json_write_string(out, gr->reason);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs(a->ngroups ? "\n  ],\n  \"bypass\": " : "],\n  \"bypass\": ", out);
	json_pairs(a, out, a->bypass, a->nbypass);
	fputs(",\n  \"blocked\": ", out);
	json_pairs(a, out, a->blocked, a->nblocked);
	fprintf(out, ",\n  \"redirected\": %u,\n  \"eswitch\": [", a->nredirected);
	for (unsigned i = 0; i < a->niswitches; i++) {
		fputs(i ? "," : "", out);
		json_iswitch(a, out, &a->iswitches[i]);
	}
	fputs(a->niswitches ? "\n  ]\n}\n" : "]\n}\n", out);
	return ferror(out) ? -1 : 0;
}
