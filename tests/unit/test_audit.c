/* test_audit.c - isolation audit: ACS, IOMMU groups, bypass pairs, embedded switches, text, JSON */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/pcie/audit.h"
#include "sim.h"

/* ------------------------------------------------------------- helpers -- */

struct built {
	struct scenario *scen;
	struct sim *sim;
	struct audit *a;
};

/* Grouping used by build(): most tests check the reach rule, one the Linux one. */
static enum audit_grouping build_grouping = AUDIT_GROUPS_REACH;

/* Load YAML text as a scenario, build it (enumeration) and audit it. */
static void build(struct built *b, const char *text)
{
	char path[] = "/tmp/iovsim-audit-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct iov_err e = { 0 };
	memset(b, 0, sizeof(*b));
	int r = scenario_load(path, NULL, 0, NULL, &b->scen, &e);
	unlink(path);
	if (r)
		fail_msg("%s", e.msg);
	b->sim = sim_build(b->scen, SIM_KERNEL_NATIVE, 1, &e);
	if (!b->sim)
		fail_msg("%s", e.msg);
	if (audit_build(b->sim, build_grouping, &b->a, &e))
		fail_msg("%s", e.msg);
}

static void unbuild(struct built *b)
{
	audit_free(b->a);
	sim_destroy(b->sim);
	scenario_free(b->scen);
}

static const struct pcie_fn *fn(const struct built *b, const char *name)
{
	const struct pcie_topo *t = b->a->topo;
	for (unsigned i = 0; i < t->nfns; i++)
		if (!strcmp(t->fns[i]->name, name))
			return t->fns[i];
	fail_msg("no function %s", name);
	return NULL;
}

static int group(const struct built *b, const char *name)
{
	return audit_group_of(b->a, fn(b, name));
}

/* The bypass pair from -> to, or NULL. */
static const struct audit_pair *bypass(const struct built *b, const char *from, const char *to)
{
	for (unsigned i = 0; i < b->a->nbypass; i++)
		if (!strcmp(b->a->bypass[i].from->name, from) && !strcmp(b->a->bypass[i].to->name, to))
			return &b->a->bypass[i];
	return NULL;
}

static char *render(const struct built *b, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	assert_int_equal(json ? audit_print_json(b->a, "t\"q", m) : audit_print_text(b->a, m), 0);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* A device: dma_source with one read and a BAR (or none). */
#define DEV(name, extra) \
	"  - {name: " name ", type: dma_source, trace: {gen: seq, count: 1}" extra "}\n"
#define HEAD(rc_acs)                                                                \
	"name: t\n"                                                                 \
	"components:\n"                                                             \
	"  - {name: rc, type: pcie_root_complex, root_ports: 2, acs: " rc_acs "}\n" \
	"  - {name: mem, type: memory}\n"

/* ----------------------------------------------------- ACS predicates -- */

static void test_acs_predicates(void **state)
{
	(void)state;
	struct pcie_fn rp = { .name = "rp", .kind = PCIE_FN_ROOT_PORT, .has_acs = true,
			      .acs = { .sv = true, .rr = true, .cr = true, .uf = true } };
	struct pcie_fn up = { .name = "up", .kind = PCIE_FN_SWITCH_UP, .up = &rp };
	struct pcie_fn dp = { .name = "dp", .kind = PCIE_FN_SWITCH_DOWN, .up = &up,
			      .has_acs = true, .acs = rp.acs };
	assert_true(audit_port_acs_enabled(&rp));
	assert_true(audit_path_isolated(&dp));          /* the upstream port needs nothing */
	dp.acs.uf = false;                              /* each REQ_ACS bit counts */
	assert_false(audit_port_acs_enabled(&dp));
	assert_false(audit_path_isolated(&dp));
	assert_true(audit_path_isolated(&up));
	dp.acs.uf = true;
	rp.has_acs = false;                             /* bits without the capability: none */
	assert_false(audit_port_acs_enabled(&rp));
	assert_false(audit_path_isolated(&dp));

	struct pcie_fn f = { .kind = PCIE_FN_ENDPOINT, .has_acs = true, .acs = { .rr = true } };
	assert_false(audit_fn_acs_enabled(&f));         /* functions need RR and CR ... */
	f.acs.cr = true;
	assert_true(audit_fn_acs_enabled(&f));          /* ... but not SV or UF */
	f.has_acs = false;
	assert_false(audit_fn_acs_enabled(&f));
}

/* --------------------------------------------------------------- groups -- */

static const char switch2[] =
	HEAD("all")
	"  - {name: sw, type: pcie_switch, ports: 2, acs: %s}\n"
	DEV("d0", ", bars: [1MiB]")
	DEV("d1", ", bars: [1MiB]")
	DEV("d2", ", bars: [1MiB]")
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, sw.up]\n"
	"  - [sw.dp0, d0.up]\n"
	"  - [sw.dp1, d1.up]\n"
	"  - [rc.rp1, d2.up]\n"
	"vms:\n"
	"  - {name: red, memory: [{base: 0x100000000, size: 1GiB}], devices: [d0]}\n"
	"  - {name: blue, memory: [{base: 0x140000000, size: 1GiB}], devices: [d1]}\n";

static void test_switch_without_acs_one_group_and_bypass(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), switch2, "none");
	struct built b;
	build(&b, text);
	assert_int_equal(b.a->ngroups, 2);
	assert_int_equal(group(&b, "d0"), 0);
	assert_int_equal(group(&b, "d1"), 0);           /* sibling ports without ACS merge */
	assert_int_equal(group(&b, "d2"), 1);
	assert_int_equal(group(&b, "sw.dp0"), -1);      /* bridges are not listed */
	assert_int_equal(b.a->groups[0].nmembers, 2);
	assert_string_equal(b.a->groups[0].reason, "peer-to-peer below the root complex is not "
			    "isolated: sw.dp0 02:00.0 no ACS; sw.dp1 02:01.0 no ACS");
	assert_null(b.a->groups[1].reason);

	assert_int_equal(b.a->nbypass, 2);
	const struct audit_pair *p = bypass(&b, "d0", "d1");
	assert_non_null(p);
	assert_string_equal(p->via_name, "sw.dp0");
	assert_true(p->cross_vm);                       /* red -> blue */
	assert_false(p->cross_group);
	p = bypass(&b, "d1", "d0");
	assert_non_null(p);
	assert_string_equal(p->via_name, "sw.dp1");
	assert_null(bypass(&b, "d0", "d2"));            /* other root port: through the RC */
	assert_int_equal(b.a->nredirected, 0);
	assert_int_equal(b.a->nblocked, 0);
	unbuild(&b);

	/* Linux's own rule: each downstream port without ACS roots its own group,
	 * so d0 and d1 land apart although they reach each other: the pair is
	 * flagged as crossing groups. */
	build_grouping = AUDIT_GROUPS_LINUX;
	build(&b, text);
	build_grouping = AUDIT_GROUPS_REACH;
	assert_int_equal(b.a->ngroups, 3);
	assert_int_not_equal(group(&b, "d0"), group(&b, "d1"));
	assert_ptr_equal(b.a->groups[group(&b, "d0")].key, fn(&b, "sw.dp0"));
	p = bypass(&b, "d0", "d1");
	assert_non_null(p);
	assert_true(p->cross_group);
	unbuild(&b);
}

static void test_switch_with_acs_isolates(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), switch2, "all");
	struct built b;
	build(&b, text);
	assert_int_equal(b.a->ngroups, 3);
	assert_int_equal(group(&b, "d0"), 0);
	assert_int_equal(group(&b, "d1"), 1);
	assert_int_equal(group(&b, "d2"), 2);
	assert_int_equal(b.a->nbypass, 0);
	assert_int_equal(b.a->nredirected, 2);          /* d0 -> d1 and d1 -> d0: RR */
	unbuild(&b);
}

static void test_partial_acs_is_not_enough(void **state)
{
	(void)state;
	char text[4096];
	/* RR CR but no SV/UF: Linux does not call it isolated, yet requests are
	 * redirected, so there is no bypass either. */
	snprintf(text, sizeof(text), switch2, "[rr, cr]");
	struct built b;
	build(&b, text);
	assert_int_equal(group(&b, "d0"), group(&b, "d1"));
	assert_int_equal(b.a->nbypass, 0);
	assert_int_equal(b.a->nredirected, 2);
	assert_non_null(strstr(b.a->groups[0].reason, "sw.dp0 02:00.0 ACS lacks SV UF"));
	unbuild(&b);
}

static void test_root_port_without_acs_roots_the_group(void **state)
{
	(void)state;
	static const char text[] =
		HEAD("none")
		"  - {name: sw, type: pcie_switch, ports: 2, acs: all}\n"
		DEV("d0", ", bars: [1MiB]")
		DEV("d1", ", bars: [1MiB]")
		DEV("d2", "")
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp0, sw.up]\n"
		"  - [sw.dp0, d0.up]\n"
		"  - [sw.dp1, d1.up]\n"
		"  - [rc.rp1, d2.up]\n";
	struct built b;
	build(&b, text);
	/* Everything below rc.rp0 is one group (its path lacks ACS at the root
	 * port); rc.rp1's device is alone: root ports are not merged. */
	assert_int_equal(b.a->ngroups, 2);
	assert_int_equal(group(&b, "d0"), group(&b, "d1"));
	assert_int_not_equal(group(&b, "d0"), group(&b, "d2"));
	assert_ptr_equal(b.a->groups[0].key, fn(&b, "rc.rp0"));
	assert_string_equal(b.a->groups[0].reason, "peer-to-peer below the root complex is not "
			    "isolated: rc.rp0 00:01.0 no ACS");
	assert_int_equal(b.a->nbypass, 0);              /* the switch still redirects */
	unbuild(&b);
}

static const char mfd3[] =
	HEAD("all")
	"  - {name: m, type: pcie_mfd, functions: 3}\n"
	DEV("f0", ", bars: [64KiB], acs: [rr, cr]")
	DEV("f1", ", bars: [64KiB]")
	DEV("f2", ", bars: [64KiB]%s")
	DEV("d", ", bars: [1MiB]")
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, m.up]\n"
	"  - [m.f0, f0.up]\n"
	"  - [m.f1, f1.up]\n"
	"  - [m.f2, f2.up]\n"
	"  - [rc.rp1, d.up]\n";

static void test_mfd_functions_without_acs_alias(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), mfd3, "");
	struct built b;
	build(&b, text);
	assert_string_equal(fn(&b, "f1")->name, "f1");
	assert_int_equal(fn(&b, "f2")->rid, 0x0102);    /* 01:00.2 */
	assert_int_equal(b.a->ngroups, 3);
	assert_int_equal(group(&b, "f0"), 0);           /* RR CR: its own group */
	assert_int_equal(group(&b, "f1"), 1);
	assert_int_equal(group(&b, "f2"), 1);
	assert_int_equal(group(&b, "d"), 2);
	assert_string_equal(b.a->groups[1].reason, "multi-function device m without ACS (RR CR) "
			    "on functions f1, f2: they reach each other inside the device");
	/* Bypass is decided by the sender's ACS: f0 redirects, f1 and f2 go across. */
	assert_null(bypass(&b, "f0", "f1"));
	assert_null(bypass(&b, "f0", "f2"));
	assert_non_null(bypass(&b, "f1", "f0"));
	assert_true(bypass(&b, "f1", "f0")->cross_group);
	assert_non_null(bypass(&b, "f1", "f2"));
	assert_non_null(bypass(&b, "f2", "f0"));
	assert_non_null(bypass(&b, "f2", "f1"));
	assert_string_equal(bypass(&b, "f2", "f1")->via_name, "m");
	assert_ptr_equal(bypass(&b, "f2", "f1")->via, fn(&b, "f2"));
	assert_int_equal(b.a->nbypass, 4);
	assert_int_equal(b.a->nredirected, 2);
	char *js = render(&b, true);
	assert_non_null(strstr(js, "\"name\": \"f0\", \"kind\": \"endpoint\", \"up\": \"00:01.0\""));
	assert_non_null(strstr(js, "\"acs\": \"RR CR\", \"acs_enabled\": true, \"bme\": true, "
				   "\"vm\": null, \"device\": \"m\", \"pf\": null, \"vf\": null, "
				   "\"sriov\": null, \"group\": 0}"));
	assert_non_null(strstr(js, "\"acs\": \"-\", \"acs_enabled\": false, \"bme\": true, "
				   "\"vm\": null, \"device\": \"m\", \"pf\": null, \"vf\": null, "
				   "\"sriov\": null, \"group\": 1}"));
	free(js);
	unbuild(&b);
}

static void test_mfd_bme_off_sends_nothing(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), mfd3, ", bme: false");
	struct built b;
	build(&b, text);
	assert_null(bypass(&b, "f2", "f1"));
	assert_null(bypass(&b, "f2", "f0"));
	assert_non_null(bypass(&b, "f1", "f2"));        /* it can still be reached */
	assert_int_equal(b.a->nbypass, 2);
	char *txt = render(&b, false);
	assert_non_null(strstr(txt, "01:00.2 f2: endpoint (function 2), host, BAR0 "));
	assert_non_null(strstr(txt, ", BME off (no DMA), caps PCIe\n"));
	free(txt);
	unbuild(&b);
}

/* ------------------------------------------------- nested and blocked -- */

static void test_nested_switch_and_egress_control(void **state)
{
	(void)state;
	static const char text[] =
		HEAD("all")
		"  - {name: top, type: pcie_switch, ports: 2, acs: all,\n"
		"     port_acs: [null, {ec: true, ec_vector: 0x1}]}\n"
		"  - {name: low, type: pcie_switch, ports: 2, acs: none}\n"
		DEV("a", ", bars: [1MiB]")
		DEV("b", ", bars: [1MiB]")
		DEV("c", ", bars: [1MiB]")
		DEV("e", "")
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp0, top.up]\n"
		"  - [top.dp0, low.up]\n"
		"  - [low.dp0, a.up]\n"
		"  - [low.dp1, b.up]\n"
		"  - [top.dp1, c.up]\n"
		"  - [rc.rp1, e.up]\n";
	struct built b;
	build(&b, text);
	/* a, b behind the lower switch without ACS: one group keyed by it. */
	assert_int_equal(b.a->ngroups, 3);
	assert_int_equal(group(&b, "a"), group(&b, "b"));
	assert_int_not_equal(group(&b, "a"), group(&b, "c"));
	assert_ptr_equal(b.a->groups[0].key, fn(&b, "low.up"));
	/* Bypass only inside the lower switch; top.dp0 redirects a/b -> c. */
	assert_int_equal(b.a->nbypass, 2);
	assert_string_equal(bypass(&b, "a", "b")->via_name, "low.dp0");
	assert_null(bypass(&b, "a", "c"));
	/* c -> a: top.dp1 has no RR but egress control blocks port 0 (CA). */
	assert_int_equal(b.a->nblocked, 2);
	assert_ptr_equal(b.a->blocked[0].from, fn(&b, "c"));
	assert_int_equal(b.a->blocked[0].verdict, XV_BLOCK_CA);
	assert_string_equal(b.a->blocked[0].via_name, "top.dp1");
	assert_int_equal(b.a->nredirected, 2);
	char *txt = render(&b, false);
	assert_non_null(strstr(txt, "  c -> a via top.dp1 (ACS EC(0x1)): blocked (CA)\n"));
	assert_non_null(strstr(txt, "            05:00.0 a: endpoint, host, BAR0 0x"));
	free(txt);
	unbuild(&b);
}

/* ----------------------------------------------------------- rendering -- */

static void test_text_and_json(void **state)
{
	(void)state;
	char text[4096];
	snprintf(text, sizeof(text), switch2, "none");
	struct built b;
	build(&b, text);
	char *txt = render(&b, false);
	assert_non_null(strstr(txt, "  00:01.0 rc.rp0: root port, bus [01-04], window "));
	assert_non_null(strstr(txt, "      02:00.0 sw.dp0: switch downstream port, bus [03-03], "
				    "window 0xe0000000-0xe00fffff, ACS - (not isolating), caps PCIe\n"));
	assert_non_null(strstr(txt, "  group 0: 03:00.0 d0, 04:00.0 d1\n"));
	assert_non_null(strstr(txt, "  d0 -> d1 via sw.dp0 (ACS -): crosses VMs: red -> blue\n"));
	assert_non_null(strstr(txt, "summary: 8 functions, 2 IOMMU groups, 2 bypass pairs "
				    "(2 crossing VMs), 0 redirected to the root complex, "
				    "0 blocked\n"));
	free(txt);

	char *js = render(&b, true);
	assert_non_null(strstr(js, "\"scenario\": \"t\\\"q\""));       /* escaped */
	assert_non_null(strstr(js, "{\"bdf\": \"03:00.0\", \"name\": \"d0\", \"kind\": "
				   "\"endpoint\", \"up\": \"02:00.0\", \"bus\": null, \"window\": "
				   "null, \"bars\": [{\"addr\": \"0xe0000000\", \"size\": 1048576}], "
				   "\"caps\": \"PCIe\", \"acs\": \"-\", \"acs_enabled\": true, \"bme\": true, \"vm\": "
				   "\"red\", \"device\": null, \"pf\": null, \"vf\": null, \"sriov\": null, "
				   "\"group\": 0}"));
	assert_non_null(strstr(js, "\"bus\": [3, 3], \"window\": [\"0xe0000000\", "
				   "\"0xe00fffff\"]"));
	assert_non_null(strstr(js, "{\"id\": 0, \"members\": [\"03:00.0\", \"04:00.0\"], "
				   "\"names\": [\"d0\", \"d1\"], \"reason\": \"peer-to-peer"));
	assert_non_null(strstr(js, "{\"from\": \"d0\", \"to\": \"d1\", \"from_bdf\": \"03:00.0\", "
				   "\"to_bdf\": \"04:00.0\", \"via\": \"sw.dp0\", \"acs\": \"-\", "
				   "\"cross_vm\": true, \"from_vm\": \"red\", \"to_vm\": \"blue\", "
				   "\"cross_group\": false}"));
	assert_non_null(strstr(js, "\"blocked\": [],\n  \"redirected\": 0,\n  \"eswitch\": []\n}\n"));
	free(js);
	unbuild(&b);
}

static void test_no_root_complex(void **state)
{
	(void)state;
	static const char text[] =
		"name: flat\n"
		"components:\n"
		"  - {name: src, type: dma_source, trace: {gen: seq, count: 1}}\n"
		"  - {name: mem, type: memory}\n"
		"connections:\n"
		"  - [src.up, mem.port]\n";
	struct built b;
	build(&b, text);
	assert_null(b.a);                       /* nothing to audit, not an error */
	unbuild(&b);
}

/* ------------------------------------------------------ embedded switches -- */

/* A NIC with 3 VFs: vf1 (vm0) and vf2 (vm1) on VLAN 5, vf3 (vm1) and the PF
 * (host) untagged. ESW: the component's extra keys. */
#define NIC_SCEN(esw)                                                                  \
	"name: esw\n"                                                                   \
	"components:\n"                                                                 \
	"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"                      \
	"  - {name: mem, type: memory}\n"                                               \
	"  - name: nic0\n"                                                              \
	"    type: sriov_nic\n"                                                         \
	"    sriov: {total_vfs: 4, num_vfs: 3, vf_bars: [16KiB]}\n"                     \
	"    vf_config: [{vf: 1, vlan: 5}, {vf: 2, vlan: 5}]\n" esw                     \
	"connections:\n"                                                                \
	"  - [rc.mem, mem.port]\n"                                                      \
	"  - [rc.rp0, nic0.up]\n"                                                       \
	"vms:\n"                                                                        \
	"  - {name: vm0, memory: [{base: 4GiB, size: 1GiB}], devices: [nic0.vf1]}\n"    \
	"  - {name: vm1, memory: [{base: 5GiB, size: 1GiB}], devices: [nic0.vf2, nic0.vf3]}\n"

static const struct audit_iswitch_pair *esw_pair(const struct audit_iswitch *is, const char *x,
						 const char *y)
{
	for (unsigned i = 0; i < is->npairs; i++)
		if (!strcmp(is->pairs[i].a->name, x) && !strcmp(is->pairs[i].b->name, y))
			return &is->pairs[i];
	return NULL;
}

static void test_nic_eswitch_pairs_by_vlan(void **state)
{
	(void)state;
	struct built b;
	build(&b, NIC_SCEN(""));
	assert_int_equal(b.a->niswitches, 1);
	const struct audit_iswitch *is = &b.a->iswitches[0];
	assert_string_equal(is->owner->name, "nic0");
	assert_true(is->sw->enabled);
	assert_int_equal(is->nports, 4);        /* the PF and 3 VFs */
	assert_int_equal(is->npairs, 2);        /* same VLAN only */
	assert_int_equal(is->ncross, 2);
	const struct audit_iswitch_pair *p = esw_pair(is, "nic0.vf1", "nic0.vf2");
	assert_non_null(p);
	assert_true(p->a_to_b && p->b_to_a && p->cross_vm && p->cross_group);
	assert_int_equal(p->vlan_a, 5);
	p = esw_pair(is, "nic0", "nic0.vf3");   /* both untagged: host <-> vm1 */
	assert_non_null(p);
	assert_int_equal(p->vlan_a, 0);
	assert_null(esw_pair(is, "nic0.vf2", "nic0.vf3"));     /* VLAN 5 vs untagged */
	assert_null(esw_pair(is, "nic0", "nic0.vf1"));

	char *txt = render(&b, false);
	assert_non_null(strstr(txt, "  nic0 01:00.0: forwards by destination MAC and VLAN, 4 ports\n"));
	assert_non_null(strstr(txt, "    01:00.1 nic0.vf1: vm0, VLAN 5\n"));
	assert_non_null(strstr(txt, "    nic0.vf1 <-> nic0.vf2 (VLAN 5): crosses VMs: vm0 <-> vm1, "
				    "crosses IOMMU groups 1 <-> 2\n"));
	assert_non_null(strstr(txt, "2 pairs exchange packets inside nic0: 2 crossing VMs"));
	assert_non_null(strstr(txt, ", 2 embedded-switch pairs (2 crossing VMs)\n"));
	free(txt);
	char *js = render(&b, true);
	assert_non_null(strstr(js, "\"eswitch\": [\n    {\"device\": \"nic0\", \"bdf\": \"01:00.0\", "
				   "\"filter\": \"destination MAC and VLAN\", \"enabled\": true"));
	assert_non_null(strstr(js, "{\"bdf\": \"01:00.3\", \"name\": \"nic0.vf3\", \"vm\": \"vm1\", "
				   "\"vlan\": null}"));
	assert_non_null(strstr(js, "{\"a\": \"nic0.vf1\", \"b\": \"nic0.vf2\", \"a_bdf\": \"01:00.1\", "
				   "\"b_bdf\": \"01:00.2\", \"a_vlan\": 5, \"b_vlan\": 5, "
				   "\"a_to_b\": true, \"b_to_a\": true, \"cross_vm\": true, "
				   "\"a_vm\": \"vm0\", \"b_vm\": \"vm1\", \"cross_group\": true}"));
	assert_non_null(strstr(js, "\"pairs_cross_vm\": 2}"));
	free(js);
	unbuild(&b);
}

static void test_nic_eswitch_disabled(void **state)
{
	(void)state;
	struct built b;
	build(&b, NIC_SCEN("    eswitch: false\n"));
	assert_int_equal(b.a->niswitches, 1);
	const struct audit_iswitch *is = &b.a->iswitches[0];
	assert_false(is->sw->enabled);
	assert_int_equal(is->nports, 4);
	assert_int_equal(is->npairs, 0);
	char *txt = render(&b, false);
	assert_non_null(strstr(txt, "nic0 01:00.0: disabled (forwards nothing)"));
	assert_non_null(strstr(txt, ", 0 embedded-switch pairs (0 crossing VMs)\n"));
	free(txt);
	unbuild(&b);
}

/* The hook is generic: a switch forwarding one way only, on a plain endpoint. */
static unsigned fake_nports(const struct pcie_iswitch *sw)
{
	(void)sw;
	return 2;
}

static const struct pcie_fn *fake_fn(const struct pcie_iswitch *sw, unsigned i)
{
	const struct pcie_fn *const *f = sw->ctx;
	return f[i];
}

static unsigned fake_vlan(const struct pcie_iswitch *sw, unsigned i)
{
	(void)sw;
	return i ? 7 : 0;
}

static bool fake_forwards(const struct pcie_iswitch *sw, unsigned i, unsigned j)
{
	(void)sw;
	return i == 1 && j == 0;
}

static void test_generic_iswitch_one_way(void **state)
{
	(void)state;
	static const struct pcie_iswitch_ops ops = { fake_nports, fake_fn, fake_vlan, fake_forwards };
	struct built b;
	build(&b, HEAD("all") DEV("dev_a", "") DEV("dev_b", "")
		  "connections:\n"
		  "  - [rc.mem, mem.port]\n"
		  "  - [rc.rp0, dev_a.up]\n"
		  "  - [rc.rp1, dev_b.up]\n"
		  "vms:\n"
		  "  - {name: red, memory: [{base: 4GiB, size: 1GiB}], devices: [dev_b]}\n");
	const struct pcie_fn *fs[2] = { fn(&b, "dev_a"), fn(&b, "dev_b") };
	struct pcie_iswitch sw = { .filter = "test", .enabled = true, .ops = &ops, .ctx = fs };
	((struct pcie_fn *)fs[0])->iswitch = &sw;
	audit_free(b.a);
	struct iov_err e = { 0 };
	assert_int_equal(audit_build(b.sim, AUDIT_GROUPS_LINUX, &b.a, &e), 0);
	assert_int_equal(b.a->niswitches, 1);
	const struct audit_iswitch_pair *p = esw_pair(&b.a->iswitches[0], "dev_a", "dev_b");
	assert_non_null(p);
	assert_false(p->a_to_b);
	assert_true(p->b_to_a && p->cross_vm);
	char *txt = render(&b, false);
	assert_non_null(strstr(txt, "    dev_a <- dev_b (untagged / VLAN 7): crosses VMs: host <- red"));
	free(txt);
	((struct pcie_fn *)fs[0])->iswitch = NULL;
	unbuild(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acs_predicates),
		cmocka_unit_test(test_switch_without_acs_one_group_and_bypass),
		cmocka_unit_test(test_switch_with_acs_isolates),
		cmocka_unit_test(test_partial_acs_is_not_enough),
		cmocka_unit_test(test_root_port_without_acs_roots_the_group),
		cmocka_unit_test(test_mfd_functions_without_acs_alias),
		cmocka_unit_test(test_mfd_bme_off_sends_nothing),
		cmocka_unit_test(test_nested_switch_and_egress_control),
		cmocka_unit_test(test_text_and_json),
		cmocka_unit_test(test_no_root_complex),
		cmocka_unit_test(test_nic_eswitch_pairs_by_vlan),
		cmocka_unit_test(test_nic_eswitch_disabled),
		cmocka_unit_test(test_generic_iswitch_one_way),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
