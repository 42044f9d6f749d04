/* test_fabric.c - the PCIe hierarchy: ACS decisions, enumeration, routing, splitting, isolation */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/pcie/acs_route.h"
#include "models/pcie/pcie_topo.h"
#include "models/pcie/root_complex.h"
#include "sim.h"
#include "test_run.h"
#include "trace.h"

/* ---- helpers ---------------------------------------------------------------------- */

/* RC with one root port, a link, a 3-port switch, two devices (d0 on dp0, d1 on
 * dp1), d1 with a pinned BAR that d0 reads; %s: switch ACS; %s: d0's extra. */
static const char *const two_dev_fmt =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n"
	"  - {name: mem, type: memory}\n"
	"  - {name: l, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: sw, type: pcie_switch, ports: 3, acs: %s}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: l1, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: l2, type: pcie_link, gen: 3, width: 8}\n"
	"  - name: d0\n"
	"    type: dma_source\n"
	"    bars: [64KiB]\n"
	"    trace: {gen: seq, base: %s, size: %s, count: %d, op: %s}\n"
	"%s"
	"  - {name: d1, type: dma_source, bars: [{size: 1MiB, addr: 0xe0100000}, 4KiB],\n"
	"     trace: {gen: seq, size: 64, count: 1}}\n"
	"  - {name: d2, type: dma_source, bars: [16MiB], trace: {gen: seq, size: 64, count: 1}}\n"
	"%s"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l.up]\n"
	"  - [l.down, sw.up]\n"
	"  - [sw.dp0, l0.up]\n"
	"  - [l0.down, d0.up]\n"
	"  - [sw.dp1, l1.up]\n"
	"  - [l1.down, d1.up]\n"
	"  - [sw.dp2, l2.up]\n"
	"  - [l2.down, d2.up]\n";

/* Replace the first 'old' in text (of capacity cap) by 'new'. */
static void replace_in(char *text, size_t cap, const char *old, const char *new)
{
	char *p = strstr(text, old);
	assert_non_null(p);
	size_t lo = strlen(old), ln = strlen(new), tail = strlen(p + lo);
	assert_true((size_t)(p - text) + ln + tail + 1 <= cap);
	memmove(p + ln, p + lo, tail + 1);
	memcpy(p, new, ln);
}

static void run_two(struct run *r, const char *acs, const char *base, const char *size, int count,
		    const char *op, const char *d0_extra, const char *tail, bool execute)
{
	char text[4096];
	snprintf(text, sizeof(text), two_dev_fmt, acs, base, size, count, op, d0_extra, tail);
	run_text(r, text, execute);
}

/* ---- ACS decisions ---------------------------------------------------------------- */

static void test_acs_decide(void **state)
{
	(void)state;
	struct pcie_fn port = { .sec = 3, .sub = 3 };
	struct tlp t = { .type = TLP_MRD, .rid = 0x0300 };
	struct pcie_acs a = { 0 };
	bool up;
	/* no capability: a peer request goes straight across */
	assert_int_equal(acs_decide(&port, false, &a, &t, 0, 1, &up), XV_P2P);
	assert_false(up);
	/* not for a peer: up, whatever ACS says */
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, -1, &up), XV_FORWARD);
	assert_true(up);
	/* RR redirects requests; completions need CR */
	a.rr = true;
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, 1, &up), XV_REDIRECT);
	assert_true(up);
	struct tlp c = { .type = TLP_CPLD, .rid = 0x0500 };
	assert_int_equal(acs_decide(&port, true, &a, &c, 0, 1, &up), XV_P2P);
	a.cr = true;
	assert_int_equal(acs_decide(&port, true, &a, &c, 0, 1, &up), XV_REDIRECT);
	/* SV: requester bus outside 3..3 is blocked, inside passes */
	a = (struct pcie_acs){ .sv = true };
	t.rid = 0x0400;
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, -1, &up), XV_BLOCK_CA);
	t.rid = 0x0308;
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, -1, &up), XV_FORWARD);
	/* TB blocks translated requests; DT lets translated ones across despite RR */
	a = (struct pcie_acs){ .tb = true };
	t.at = TLP_AT_TRANSLATED;
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, -1, &up), XV_BLOCK_CA);
	a = (struct pcie_acs){ .rr = true, .dt = true };
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, 1, &up), XV_P2P);
	t.at = TLP_AT_UNTRANSLATED;
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, 1, &up), XV_REDIRECT);
	/* EC: vector bit of the egress port blocks; other ports pass */
	a = (struct pcie_acs){ .ec = true, .ec_vector = 0x4 };
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, 2, &up), XV_BLOCK_CA);
	assert_int_equal(acs_decide(&port, true, &a, &t, 0, 1, &up), XV_P2P);
	/* UF: a TLP for the port's own subtree goes up instead of turning around */
	assert_int_equal(acs_decide(&port, true, &a, &t, 1, 1, &up), XV_P2P);
	a.uf = true;
	assert_int_equal(acs_decide(&port, true, &a, &t, 1, 1, &up), XV_REDIRECT);
	assert_true(up);
}

static void test_acs_parse(void **state)
{
	(void)state;
	struct cfg_node all = { .kind = CFG_SCALAR, .str = "all" };
	struct pcie_acs a;
	bool has;
	struct iov_err e = { 0 };
	assert_int_equal(pcie_acs_parse(&all, &has, &a, &e), 0);
	assert_true(has && a.sv && a.tb && a.rr && a.cr && a.uf && a.dt && !a.ec);
	char buf[64];
	assert_string_equal(pcie_acs_str(&a, has, buf, sizeof(buf)), "SV TB RR CR UF DT");
	assert_string_equal(pcie_caps_str(PCIE_CAP_PCIE | PCIE_CAP_MSIX | PCIE_CAP_ATS, buf,
					  sizeof(buf)), "PCIe MSI-X ATS");
	assert_string_equal(pcie_caps_str(0, buf, sizeof(buf)), "-");
	struct cfg_node bad = { .kind = CFG_SCALAR, .str = "xx", .loc = { "f.yaml", 3, 9 } };
	assert_int_equal(pcie_acs_parse(&bad, &has, &a, &e), -1);
	assert_non_null(strstr(e.msg, "f.yaml:3:9: error: unknown ACS setting"));
}

/* ---- enumeration ------------------------------------------------------------------ */

static void test_enumeration(void **state)
{
	(void)state;
	struct run r;
	run_two(&r, "all", "0", "64", 1, "read", "", "", false);
	assert_int_equal(r.status, 0);
	struct pcie_topo *t = pcie_topo_of(r.s);
	assert_non_null(t);
	/* rp0 00:01.0 -> bus 1 (switch up) -> internal bus 2 -> dp0..2 buses 3, 4, 5 */
	char b[16];
	assert_int_equal(t->nfns, 8);
	assert_string_equal(pcie_bdf_str(t->fns[0]->rid, b, sizeof(b)), "00:01.0");
	assert_int_equal(t->fns[0]->sec, 1);
	assert_int_equal(t->fns[0]->sub, 5);
	assert_string_equal(t->fns[1]->name, "sw.up");
	assert_int_equal(t->fns[1]->rid, 0x0100);
	assert_string_equal(t->fns[2]->name, "sw.dp0");
	assert_int_equal(t->fns[2]->rid, 0x0200);
	assert_string_equal(t->fns[4]->name, "sw.dp1");
	assert_int_equal(t->fns[4]->rid, 0x0208);
	struct pcie_fn *d0 = t->fns[3], *d1 = t->fns[5], *d2 = t->fns[7];
	assert_string_equal(d0->name, "d0");
	assert_int_equal(d0->rid, 0x0300);
	assert_int_equal(d1->rid, 0x0400);
	assert_int_equal(d2->rid, 0x0500);
	/* BARs: naturally aligned, pinned one kept, nothing overlaps it */
	assert_int_equal(d1->bars[0].addr, 0xe0100000ull);
	for (unsigned i = 0; i < t->nfns; i++)
		for (unsigned k = 0; k < t->fns[i]->nbars; k++) {
			const struct pcie_bar *bar = &t->fns[i]->bars[k];
			assert_int_equal(bar->addr & (bar->size - 1), 0);
			if (bar != &d1->bars[0])
				assert_true(bar->addr + bar->size <= 0xe0100000ull ||
					    bar->addr >= 0xe0200000ull);
		}
	assert_int_equal(d2->bars[0].addr & ((16u << 20) - 1), 0);
	/* windows: each port's covers its device, the switch's covers all, 1 MiB granules */
	assert_true(pcie_in_window(t->fns[4], 0xe0100000ull));
	assert_false(pcie_in_window(t->fns[2], 0xe0100000ull));
	assert_true(pcie_in_window(t->fns[6], d2->bars[0].addr));
	assert_true(pcie_in_window(t->fns[0], d2->bars[0].addr + (16u << 20) - 1));
	assert_int_equal(t->fns[2]->win_base & ((1u << 20) - 1), 0);
	assert_ptr_equal(pcie_fn_at(t, d1->bars[1].addr + 5), d1);
	assert_ptr_equal(pcie_fn_by_rid(t, 0x0500), d2);
	run_free(&r);
}

static void test_enumeration_errors(void **state)
{
	(void)state;
	struct run r;
	/* pinned bus below what enumeration already used */
	run_two(&r, "all", "0", "64", 1, "read", "    bus: 1\n", "", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "pins bus 1, but buses up to 2 are already used"));
	run_free(&r);
	/* a pinned BAR overlapping another pinned BAR */
	char text[4096];
	snprintf(text, sizeof(text), two_dev_fmt, "all", "0", "64", 1, "read", "", "");
	replace_in(text, sizeof(text), "bars: [16MiB]", "bars: [{size: 2MiB, addr: 0xe0000000}]");
	run_text(&r, text, false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	if (!strstr(r.e.msg, "overlaps another pinned BAR"))
		fail_msg("%s", r.e.msg);
	run_free(&r);
	/* a BAR that is not a power of two */
	run_two(&r, "all", "0", "64", 1, "read", "    bus: 9\n", "", false);
	assert_int_equal(r.status, 0);          /* a free pinned bus is fine */
	assert_int_equal(pcie_topo_of(r.s)->fns[3]->rid, 0x0900);
	run_free(&r);
}

/* ---- routing, ACS effects, splitting ---------------------------------------------- */

static void test_p2p_direct_vs_redirect(void **state)
{
	(void)state;
	struct run r;
	run_two(&r, "none", "0xe0100000", "64", 100, "read", "", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "flows.d0.reads"), 100);
	assert_int_equal(stat(&r, "components.d1.bar_reads"), 100);
	assert_int_equal(stat(&r, "components.sw.p2p_direct"), 200);   /* requests + completions */
	assert_int_equal(stat(&r, "components.sw.redirected"), 0);
	assert_int_equal(stat(&r, "components.rc.p2p_routed"), 0);
	double direct = stat(&r, "flows.d0.latency_ns.p50");
	run_free(&r);

	run_two(&r, "all", "0xe0100000", "64", 100, "read", "", "", true);
	assert_int_equal(stat(&r, "components.d1.bar_reads"), 100);
	assert_int_equal(stat(&r, "components.sw.p2p_direct"), 0);
	assert_int_equal(stat(&r, "components.sw.redirected"), 200);
	assert_int_equal(stat(&r, "components.rc.p2p_routed"), 100);
	double detour = stat(&r, "flows.d0.latency_ns.p50");
	/* the detour adds two root-complex passes and two more link hops each way */
	assert_true(detour > direct + 300);
	run_free(&r);
}

static void test_egress_control_blocks(void **state)
{
	(void)state;
	struct run r;
	/* EC on, bit 1 (dp1) set: d0's reads of d1's BAR get CA completions */
	run_two(&r, "{ec: true, ec_vector: 0x2}", "0xe0100000", "64", 10, "read", "", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.sw.blocked_ca"), 10);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 10);
	assert_int_equal(stat(&r, "components.d1.bar_reads"), 0);
	assert_int_equal(stat(&r, "isolation.blocked"), 10);
	run_free(&r);
}

static void test_completion_split(void **state)
{
	(void)state;
	struct run r;
	/* a 512 B read from memory: 2 completions at MPS 256 */
	run_two(&r, "all", "0x100000000", "512", 10, "read", "", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "flows.d0.reads"), 10);
	assert_int_equal(stat(&r, "components.rc.completions_out"), 10 * 2 + 2);
	run_free(&r);
	/* with rcb_split: 8 of 64 B each */
	char text[4096];
	snprintf(text, sizeof(text), two_dev_fmt, "all", "0x100000000", "512", 10, "read", "", "");
	replace_in(text, sizeof(text), "root_ports: 1}", "root_ports: 1, rcb_split: true}");
	run_text(&r, text, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.rc.completions_out"), 10 * 8 + 2);
	assert_int_equal(stat(&r, "flows.d0.reads"), 10);
	run_free(&r);
}

/* ---- endpoints and isolation ------------------------------------------------------ */

static void test_bus_master_enable(void **state)
{
	(void)state;
	struct run r;
	run_two(&r, "all", "0x100000000", "64", 20, "read", "    bme: false\n", "", true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.d0.bme_blocked"), 20);
	assert_int_equal(stat(&r, "components.d0.read_requests"), 0);
	assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), 20);
	assert_int_equal(stat(&r, "components.mem.reads"), 2);         /* d1's and d2's */
	run_free(&r);
}

static void test_isolation_accounting(void **state)
{
	(void)state;
	static const char vms[] =
		"vms:\n"
		"  - {name: vm0, memory: [{base: 0x100000000, size: 1MiB}], devices: [d0]}\n"
		"  - {name: vm1, memory: [{base: 0x200000000, size: 1MiB}], devices: [d1, d2]}\n";
	struct run r;
	/* d0 writes 64 KiB in 64 B pieces from 0x1000f0000: 64 KiB in its VM's 1 MiB */
	run_two(&r, "all", "0x100000000", "64", 50, "write", "", vms, true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "isolation.vms.vm0.allowed"), 50);
	assert_int_equal(stat(&r, "isolation.vms.vm0.violations"), 0);
	/* d1, d2 read address 0 (host memory, no VM): violations of vm1 */
	assert_int_equal(stat(&r, "isolation.vms.vm1.violations"), 2);
	run_free(&r);
	/* d0 reads d1's BAR with ACS off: reaches a vm1 function: violations */
	run_two(&r, "none", "0xe0100000", "64", 30, "read", "", vms, true);
	assert_int_equal(stat(&r, "flows.d0.isolation.violations"), 30);
	assert_int_equal(stat(&r, "isolation.violations"), 30 + 2);
	run_free(&r);
	/* a device named in two VMs is bad input */
	run_two(&r, "all", "0", "64", 1, "read", "",
		"vms:\n  - {name: a, devices: [d0]}\n  - {name: b, devices: [d0]}\n", false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "'d0' is already assigned to VM 'a'"));
	run_free(&r);
}

static void test_source_validation_spoof(void **state)
{
	(void)state;
	/* d0's trace claims requester 05:00.0 (d2's bus): SV on dp0 blocks it */
	static const char fmt[] =
		"components:\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 1, acs: %s}\n"
		"  - {name: mem, type: memory}\n"
		"  - {name: l, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: sw, type: pcie_switch, ports: 1, acs: %s}\n"
		"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: d0, type: dma_source, trace: {gen: seq, size: 64, count: 5, "
		"source: \"05:00.0\"}}\n"
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp0, l.up]\n"
		"  - [l.down, sw.up]\n"
		"  - [sw.dp0, l0.up]\n"
		"  - [l0.down, d0.up]\n";
	char text[2048];
	struct run r;
	snprintf(text, sizeof(text), fmt, "none", "[sv]");
	run_text(&r, text, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.sw.blocked_ca"), 5);
	assert_int_equal(stat(&r, "components.mem.reads"), 0);
	run_free(&r);
	/* the switch lets it pass; the root port (ACS all by default) catches it:
	 * bus 5 is outside its buses 1..3 */
	snprintf(text, sizeof(text), fmt, "all", "none");
	run_text(&r, text, true);
	assert_int_equal(stat(&r, "components.sw.blocked_ca"), 0);
	assert_int_equal(stat(&r, "components.rc.blocked_ca"), 5);
	assert_int_equal(stat(&r, "components.mem.reads"), 0);
	run_free(&r);
	/* nobody validates: the spoofed requests reach memory */
	snprintf(text, sizeof(text), fmt, "none", "none");
	run_text(&r, text, true);
	assert_int_equal(stat(&r, "components.rc.blocked_ca"), 0);
	assert_int_equal(stat(&r, "components.mem.reads"), 5);
	run_free(&r);
}

/* Two root ports: P2P between them follows the root complex's p2p setting. */
static void test_p2p_between_root_ports(void **state)
{
	(void)state;
	static const char fmt[] =
		"components:\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 2, p2p: %s}\n"
		"  - {name: mem, type: memory}\n"
		"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: l1, type: pcie_link, gen: 3, width: 8}\n"
		"  - {name: d0, type: dma_source, trace: {gen: seq, base: 0xe0100000, size: 64, "
		"count: 8}}\n"
		"  - {name: d1, type: dma_source, bars: [{size: 1MiB, addr: 0xe0100000}], "
		"trace: {gen: seq, size: 64, count: 1}}\n"
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp0, l0.up]\n"
		"  - [l0.down, d0.up]\n"
		"  - [rc.rp1, l1.up]\n"
		"  - [l1.down, d1.up]\n";
	char text[2048];
	struct run r;
	snprintf(text, sizeof(text), fmt, "false");
	run_text(&r, text, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "components.rc.blocked_ur"), 8);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 8);
	assert_int_equal(stat(&r, "components.d1.bar_reads"), 0);
	run_free(&r);
	snprintf(text, sizeof(text), fmt, "true");
	run_text(&r, text, true);
	assert_int_equal(stat(&r, "components.rc.blocked_ur"), 0);
	assert_int_equal(stat(&r, "components.rc.p2p_routed"), 8);
	assert_int_equal(stat(&r, "components.d1.bar_reads"), 8);
	assert_int_equal(stat(&r, "flows.d0.reads"), 8);
	run_free(&r);
}

/* A slow memory with a short queue: refusals travel back through the root
 * complex, the link's credits and the switch to the device. */
static void test_backpressure_through_switch(void **state)
{
	(void)state;
	struct run r;
	char text[4096];
	snprintf(text, sizeof(text), two_dev_fmt, "all", "0x100000000", "4096", 200, "write", "", "");
	replace_in(text, sizeof(text), "{name: mem, type: memory}",
		   "{name: mem, type: memory, bandwidth: 1GB/s, queue_depth: 2}");
	replace_in(text, sizeof(text), "root_ports: 1}", "root_ports: 1, queue_depth: 2}");
	replace_in(text, sizeof(text), "ports: 3, acs: all}", "ports: 3, acs: all, queue_depth: 2}");
	run_text(&r, text, true);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat(&r, "flows.d0.writes"), 200);
	assert_true(stat(&r, "components.mem.refusals") > 0);
	assert_true(stat(&r, "components.rc.refusals") > 0);
	assert_true(stat(&r, "components.sw.refusals") > 0);
	assert_true(stat(&r, "components.d0.backpressure") > 0);
	/* 800 KiB at 1 GB/s: the memory, not the Gen3 x8 link, sets the pace */
	double gbps = stat(&r, "dma.write_gbps");
	assert_true(gbps > 7.5 && gbps < 8.1);
	run_free(&r);
}

/* Empty slots: root ports and switch ports may stay unconnected; they get a
 * bus number and no window, and traffic ignores them. Other ports may not. */
static void test_empty_slots(void **state)
{
	(void)state;
	static const char text[] =
		"components:\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 3}\n"
		"  - {name: mem, type: memory}\n"
		"  - {name: sw, type: pcie_switch, ports: 4}\n"
		"  - {name: d0, type: dma_source, trace: {gen: seq, size: 64, count: 10}}\n"
		"connections:\n"
		"  - [rc.mem, mem.port]\n"
		"  - [rc.rp1, sw.up]\n"
		"  - [sw.dp2, d0.up]\n";
	struct run r;
	run_text(&r, text, true);
	if (r.status)
		fail_msg("%s", r.e.msg);
	assert_int_equal(stat(&r, "flows.d0.reads"), 10);
	struct pcie_topo *t = pcie_topo_of(r.s);
	/* rp0 bus 1 (empty), rp1 bus 2 -> switch: internal 3, dp0..3 buses 4..7, rp2 bus 8 */
	assert_int_equal(t->fns[0]->sec, 1);
	assert_int_equal(t->fns[0]->win_base, t->fns[0]->win_limit);
	assert_int_equal(t->fns[1]->sec, 2);
	assert_int_equal(t->fns[1]->sub, 7);
	struct pcie_fn *d0 = pcie_fn_by_rid(t, 0x0600);
	assert_non_null(d0);
	assert_string_equal(d0->name, "d0");
	assert_int_equal(t->fns[t->nfns - 1]->sec, 8);
	run_free(&r);
	/* the memory port is not optional */
	static const char bad[] =
		"components:\n"
		"  - {name: rc, type: pcie_root_complex, root_ports: 1}\n";
	run_text(&r, bad, false);
	assert_int_equal(r.status, IOV_BAD_INPUT);
	assert_non_null(strstr(r.e.msg, "port 'rc.mem' is not connected"));
	run_free(&r);
}

/* ---- the translation hook ----------------------------------------------------------- */

/* A stand-in translator: one 8-byte "table" read per request, then requests
 * inside [0, 1 MiB) are moved up by 16 GiB and the rest are refused. */
struct fake_xlate {
	struct tlp *held[64];
	unsigned port[64];
	unsigned n_translate, n_done;
};

static void fake_translate(void *ctx, struct component *rc, unsigned port, struct tlp *t)
{
	struct fake_xlate *f = ctx;
	unsigned slot = f->n_translate++ % 64;
	assert_null(f->held[slot]);
	f->held[slot] = t;
	f->port[slot] = port;
	assert_int_equal(rc_mem_read(rc, 0x40000000ull + (t->addr >> 12) * 8, 8, slot), 0);
}

static void fake_read_done(void *ctx, struct component *rc, uint64_t cookie)
{
	struct fake_xlate *f = ctx;
	struct tlp *t = f->held[cookie];
	f->held[cookie] = NULL;
	f->n_done++;
	bool ok = t->addr < (1u << 20);
	if (ok)
		t->addr += 16ull << 30;
	rc_xlate_done(rc, f->port[cookie], t, ok);
}

static const struct rc_xlate_ops fake_ops = { .translate = fake_translate,
					      .read_done = fake_read_done };

static void test_translation_hook(void **state)
{
	(void)state;
	/* d0 reads 64 B at 0, 4 KiB, ... 124 KiB (in range), then d1/d2 read 0 */
	char text[4096];
	snprintf(text, sizeof(text), two_dev_fmt, "all", "0", "64", 32, "read", "", "");
	replace_in(text, sizeof(text), "{name: mem, type: memory}",
		   "{name: mem, type: memory, remote_base: 16GiB, remote_size: 1GiB}");
	replace_in(text, sizeof(text), "trace: {gen: seq, base: 0,", "trace: {gen: seq, base: 0, "
		   "align: 4KiB,");
	struct run r;
	run_text(&r, text, false);
	assert_int_equal(r.status, 0);
	struct component *rc = NULL;
	for (size_t i = 0; i < r.s->ncomps; i++)
		if (!strcmp(r.s->comps[i]->name, "rc"))
			rc = r.s->comps[i];
	assert_non_null(rc);
	struct fake_xlate f = { 0 };
	assert_int_equal(rc_set_translator(r.s->comps[1], &fake_ops, &f), -1);   /* not an RC */
	assert_int_equal(rc_set_translator(rc, &fake_ops, &f), 0);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	/* 34 requests translated: one table read each, then the data read */
	assert_int_equal(f.n_translate, 34);
	assert_int_equal(f.n_done, 34);
	assert_int_equal(stat(&r, "components.rc.translator_reads"), 34);
	assert_int_equal(stat(&r, "components.mem.reads"), 34 + 34);
	assert_int_equal(stat(&r, "components.mem.remote_accesses"), 34);   /* moved by +16 GiB */
	assert_int_equal(stat(&r, "flows.d0.reads"), 32);
	assert_int_equal(stat(&r, "isolation.allowed"), 34);
	assert_int_equal(stat(&r, "isolation.blocked"), 0);
	/* the table read sits on the path: at least one memory latency more */
	double with = stat(&r, "flows.d0.latency_ns.p50");
	run_free(&r);
	run_text(&r, text, true);
	double without = stat(&r, "flows.d0.latency_ns.p50");
	assert_true(with > without + 80);
	run_free(&r);

	/* requests outside the translator's range are refused: UR, blocked */
	snprintf(text, sizeof(text), two_dev_fmt, "all", "0x200000", "64", 5, "read", "", "");
	run_text(&r, text, false);
	for (size_t i = 0; i < r.s->ncomps; i++)
		if (!strcmp(r.s->comps[i]->name, "rc"))
			assert_int_equal(rc_set_translator(r.s->comps[i], &fake_ops, &f), 0);
	assert_int_equal(sim_execute(r.s, NULL, NULL, &r.e), 0);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 5);
	assert_int_equal(stat(&r, "components.rc.blocked_ur"), 5);
	assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), 5);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acs_decide),
		cmocka_unit_test(test_acs_parse),
		cmocka_unit_test(test_enumeration),
		cmocka_unit_test(test_enumeration_errors),
		cmocka_unit_test(test_p2p_direct_vs_redirect),
		cmocka_unit_test(test_egress_control_blocks),
		cmocka_unit_test(test_completion_split),
		cmocka_unit_test(test_bus_master_enable),
		cmocka_unit_test(test_isolation_accounting),
		cmocka_unit_test(test_source_validation_spoof),
		cmocka_unit_test(test_p2p_between_root_ports),
		cmocka_unit_test(test_backpressure_through_switch),
		cmocka_unit_test(test_translation_hook),
		cmocka_unit_test(test_empty_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
