/* test_ats.c - PCIe ATS: translation requests at the root complex, the device's ATC,
 * translated requests, invalidation, ACS TB / DT and the isolation accounting */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/pcie/atc.h"
#include "models/pcie/pcie_topo.h"
#include "models/pcie/root_complex.h"
#include "sim.h"
#include "test_run.h"

/* ---- scenario ------------------------------------------------------------------- */

/* RC (root port ACS without TB: ATS needs translated requests to pass), a
 * memory whose remote range starts at 16 GiB (so a +16 GiB translation is
 * visible in mem.remote_accesses), a switch (%s: its ACS) with d0 on dp0 and
 * d1 on dp1; d0's parameters follow 'type' (%s); d1 has a pinned BAR and
 * reads address 0 once; %s: tail (vms). */
static const char fmt[] =
	"components:\n"
	"  - {name: rc, type: pcie_root_complex, root_ports: 1, acs: [sv, rr, cr, uf]}\n"
	"  - {name: mem, type: memory, remote_base: 16GiB, remote_size: 1GiB}\n"
	"  - {name: l, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: sw, type: pcie_switch, ports: 2, acs: %s}\n"
	"  - {name: l0, type: pcie_link, gen: 3, width: 8}\n"
	"  - {name: l1, type: pcie_link, gen: 3, width: 8}\n"
	"  - name: d0\n"
	"    type: dma_source\n"
	"%s"
	"  - {name: d1, type: dma_source, bars: [{size: 1MiB, addr: 0xe0100000}],\n"
	"     trace: {gen: seq, size: 64, count: 1}}\n"
	"%s"
	"connections:\n"
	"  - [rc.mem, mem.port]\n"
	"  - [rc.rp0, l.up]\n"
	"  - [l.down, sw.up]\n"
	"  - [sw.dp0, l0.up]\n"
	"  - [l0.down, d0.up]\n"
	"  - [sw.dp1, l1.up]\n"
	"  - [l1.down, d1.up]\n";

#define NO_ACS_TB "[sv, rr, cr, uf]"
#define GB16 (16ull << 30)

static void build(struct run *r, const char *sw_acs, const char *d0, const char *tail)
{
	char text[4096];
	snprintf(text, sizeof(text), fmt, sw_acs, d0, tail);
	run_text(r, text, false);
	if (r->status)
		fail_msg("%s", r->e.msg);
}

static struct component *comp(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->s->ncomps; i++)
		if (!strcmp(r->s->comps[i]->name, name))
			return r->s->comps[i];
	fail_msg("no component %s", name);
	return NULL;
}

static uint16_t rid_of(struct run *r, const char *name)
{
	struct pcie_topo *t = pcie_topo_of(r->s);
	for (unsigned i = 0; i < t->nfns; i++)
		if (!strcmp(t->fns[i]->name, name))
			return t->fns[i]->rid;
	fail_msg("no function %s", name);
	return 0;
}

static void execute(struct run *r)
{
	if (sim_execute(r->s, NULL, NULL, &r->e))
		fail_msg("%s", r->e.msg);
}

static bool has_stat(struct run *r, const char *path)
{
	double v;
	return stats_get(r->s->stats, path, &v) == 0;
}

/* ---- a stand-in translation agent ---------------------------------------------- */

/* Untranslated requests and Translation Requests: hpa = addr + offset (or,
 * for Translation Requests with treq_to set, that page), 4 KiB, 'perms'.
 * Translation Requests may be answered 'delay' later. */
struct fake {
	uint64_t offset, treq_to;
	unsigned perms;
	bool deny_translated;
	sim_time_t delay;
	unsigned n_translate, n_treq, n_asked;
	unsigned n_inv;
	uint64_t inv_token[4];
	sim_time_t inv_at[4];
	struct fake_held {
		struct fake *f;
		struct component *rc;
		struct tlp *t;
		unsigned port;
	} held[4];
	unsigned nheld;
};

static void fake_release(void *arg)
{
	struct fake_held *h = arg;
	rc_xlate_done(h->rc, h->port, h->t, true);
	h->t = NULL;
}

static void fake_translate(void *ctx, struct component *rc, unsigned port, struct tlp *t)
{
	struct fake *f = ctx;
	f->n_translate++;
	if (t->at != TLP_AT_TREQ) {
		assert_int_not_equal(t->at, TLP_AT_TRANSLATED);  /* those skip the translator */
		t->addr += f->offset;
		rc_xlate_done(rc, port, t, true);
		return;
	}
	f->n_treq++;
	assert_int_equal(t->type, TLP_MRD);
	t->addr = f->treq_to ? f->treq_to : t->addr + f->offset;
	t->ats_perms = (uint8_t)f->perms;
	t->ats_size = 4096;
	if (!f->delay) {
		rc_xlate_done(rc, port, t, true);
		return;
	}
	struct fake_held *h = &f->held[f->nheld++ % 4];
	assert_null(h->t);
	*h = (struct fake_held){ .f = f, .rc = rc, .t = t, .port = port };
	sim_schedule(rc->sim->k, f->delay, fake_release, h);
}

static bool fake_translated_ok(void *ctx, struct component *rc, uint16_t rid)
{
	(void)rc;
	(void)rid;
	struct fake *f = ctx;
	f->n_asked++;
	return !f->deny_translated;
}

static void fake_inv_done(void *ctx, struct component *rc, uint64_t token)
{
	struct fake *f = ctx;
	if (f->n_inv < 4) {
		f->inv_token[f->n_inv] = token;
		f->inv_at[f->n_inv] = sim_now(rc->sim->k);
	}
	f->n_inv++;
}

static const struct rc_xlate_ops fake_ops = {
	.translate = fake_translate,
	.translated_ok = fake_translated_ok,
	.ats_inv_done = fake_inv_done,
};

static void attach(struct run *r, struct fake *f)
{
	assert_int_equal(rc_set_translator(comp(r, "rc"), &fake_ops, f), 0);
}

/* An ATS invalidation sent from inside the run at a chosen time. */
struct inv_ev {
	struct component *rc;
	uint16_t rid;
	uint64_t iova, size, token;
	int ret;
};

static void inv_event(void *arg)
{
	struct inv_ev *v = arg;
	v->ret = rc_ats_invalidate(v->rc, v->rid, v->iova, v->size, v->token);
}

/* ---- the ATC on its own ------------------------------------------------------------ */

static void test_atc_sizes_perms_invalidation(void **state)
{
	(void)state;
	struct iov_err e = { 0 };
	struct sim *s = sim_create(SIM_KERNEL_NATIVE, 1, &e);
	assert_non_null(s);
	struct atc_params p = { .ats = 1, .geom = { 8, 8, SACACHE_LRU } };
	struct atc a;
	assert_int_equal(atc_init(&a, &p, s, "fn", &e), 0);
	assert_false(atc_lookup(&a, 0x200123, ATC_PERM_R));
	/* a Translation Request asks for the 4 KiB page; the answer covers 2 MiB */
	struct tlp t = { 0 };
	atc_treq_init(&a, &t, 0x200123);
	assert_int_equal(t.at, TLP_AT_TREQ);
	assert_int_equal(t.type, TLP_MRD);
	assert_int_equal(t.addr, 0x200000);
	atc_treq_sent(&a);
	t.type = TLP_CPLD;
	t.addr = 0x40000000;
	t.ats_perms = TLP_ATS_R;
	t.ats_size = 2u << 20;
	assert_int_equal(atc_treq_done(&a, &t, ATC_PERM_R), ATC_TC_OK);
	uint64_t hpa = 0;
	assert_true(atc_use(&a, 0x200123, ATC_PERM_R, &hpa));
	assert_int_equal(hpa, 0x40000123);
	assert_false(atc_use(&a, 0x200123, ATC_PERM_R, &hpa));    /* used once */
	/* the whole 2 MiB hits, reads only; the next 2 MiB does not */
	assert_true(atc_lookup(&a, 0x3fff00, ATC_PERM_R));
	assert_true(atc_use(&a, 0x3fff00, ATC_PERM_R, &hpa));
	assert_int_equal(hpa, 0x401fff00);
	assert_false(atc_lookup(&a, 0x3fff00, ATC_PERM_W));
	assert_false(atc_lookup(&a, 0x400000, ATC_PERM_R));
	/* invalidation: a 4 KiB range inside drops the 2 MiB entry; empty and
	 * wrapping ranges are harmless */
	assert_int_equal(atc_invalidate(&a, 0x500000, 4096), 0);
	assert_int_equal(atc_invalidate(&a, 0x300000, 0), 0);
	assert_int_equal(atc_invalidate(&a, UINT64_MAX - 10, 100), 0);
	assert_int_equal(atc_invalidate(&a, 0x300000, 4096), 1);
	assert_false(atc_lookup(&a, 0x200123, ATC_PERM_R));
	double v;
	assert_int_equal(stats_get(s->stats, "components.fn.ats.atc.hits", &v), 0);
	assert_int_equal(v, 2);         /* the W lookup found the entry too: it lacks W */
	assert_int_equal(stats_get(s->stats, "components.fn.ats.atc.misses", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(stats_get(s->stats, "components.fn.ats.invalidations", &v), 0);
	assert_int_equal(v, 4);
	/* an invalidation while a request is out nullifies its answer */
	atc_treq_init(&a, &t, 0x7000);
	atc_treq_sent(&a);
	atc_invalidate(&a, 0x7000, 1);
	t.type = TLP_CPLD;
	t.ats_perms = TLP_ATS_R | TLP_ATS_W;
	t.ats_size = 4096;
	assert_int_equal(atc_treq_done(&a, &t, ATC_PERM_W), ATC_TC_RETRY);
	assert_false(atc_lookup(&a, 0x7000, ATC_PERM_R));
	/* R = W = 0: nothing cached, the access is not done */
	atc_treq_init(&a, &t, 0x9000);
	atc_treq_sent(&a);
	t.ats_perms = 0;
	assert_int_equal(atc_treq_done(&a, &t, ATC_PERM_R), ATC_TC_NONE);
	assert_int_equal(stats_get(s->stats, "components.fn.ats.no_translation", &v), 0);
	assert_int_equal(v, 1);
	atc_free(&a);
	sim_destroy(s);
}

/* ---- translation requests and the ATC in a run ---------------------------------- */

/* d0 reads 4 pages, 16 times each: one Translation Request per page, answered
 * by the root complex without touching memory; the reads go out translated
 * (+16 GiB) and skip the translator. */
static void test_ats_translate_then_hit(void **state)
{
	(void)state;
	struct run r;
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 16KiB, "
	      "size: 256, count: 64, op: read}\n", "");
	struct fake f = { .offset = GB16, .perms = TLP_ATS_R | TLP_ATS_W };
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "flows.d0.reads"), 64);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 4);
	assert_int_equal(stat(&r, "components.d0.ats.translation_completions"), 4);
	assert_int_equal(stat(&r, "components.d0.ats.atc.misses"), 4);
	assert_int_equal(stat(&r, "components.d0.ats.atc.hits"), 60);
	assert_int_equal(stat(&r, "components.rc.ats_translation_requests"), 4);
	assert_int_equal(f.n_treq, 4);
	assert_int_equal(f.n_translate, 4 + 1);                 /* + d1's untranslated read */
	assert_int_equal(f.n_asked, 64);                        /* each translated read */
	/* memory saw the 64 translated reads and d1's, never a Translation Request */
	assert_int_equal(stat(&r, "components.mem.reads"), 64 + 1);
	assert_int_equal(stat(&r, "components.mem.remote_accesses"), 64 + 1);
	assert_int_equal(stat(&r, "components.rc.memory_requests"), 64 + 1);
	assert_int_equal(stat(&r, "isolation.translated_bypass"), 64);
	assert_int_equal(stat(&r, "isolation.allowed"), 65);
	assert_true(has_stat(&r, "dma.breakdown_ns.d0.ats"));
	/* the ATS capability is in d0's config space, not in d1's; d1 has no ATC */
	struct pcie_topo *t = pcie_topo_of(r.s);
	assert_true(pcie_fn_by_rid(t, rid_of(&r, "d0"))->caps & PCIE_CAP_ATS);
	assert_false(pcie_fn_by_rid(t, rid_of(&r, "d1"))->caps & PCIE_CAP_ATS);
	assert_false(has_stat(&r, "components.d1.ats.translation_requests"));
	run_free(&r);
}

/* Four pages in turn through a 2-entry ATC: LRU keeps missing; 4 entries hold them. */
static void test_ats_capacity(void **state)
{
	(void)state;
	static const char d0[] = "    ats: true\n    atc_entries: %d\n    atc_ways: 2\n"
				 "    trace: {gen: seq, base: 0, window: 16KiB, size: 64, "
				 "align: 4KiB, count: 40, op: read}\n";
	char buf[512];
	struct run r;
	struct fake f = { .offset = GB16, .perms = TLP_ATS_R };
	snprintf(buf, sizeof(buf), d0, 2);
	build(&r, NO_ACS_TB, buf, "");
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "flows.d0.reads"), 40);
	assert_int_equal(stat(&r, "components.d0.ats.atc.misses"), 40);
	assert_int_equal(stat(&r, "components.d0.ats.atc.evictions"), 38);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 40);
	run_free(&r);
	snprintf(buf, sizeof(buf), d0, 4);
	build(&r, NO_ACS_TB, buf, "");
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "components.d0.ats.atc.misses"), 4);
	assert_int_equal(stat(&r, "components.d0.ats.atc.hits"), 36);
	run_free(&r);
}

/* The translator does not let d0 use translations: its translated reads are
 * blocked at the root complex (UR), counted, blocked for isolation. */
static void test_ats_translated_not_allowed(void **state)
{
	(void)state;
	struct run r;
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 4KiB, "
	      "size: 64, count: 8, op: read}\n", "");
	struct fake f = { .offset = GB16, .perms = TLP_ATS_R, .deny_translated = true };
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 1);
	assert_int_equal(stat(&r, "components.rc.translated_blocked"), 8);
	assert_int_equal(stat(&r, "components.rc.blocked_ur"), 8);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 8);
	assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), 8);
	assert_int_equal(stat(&r, "isolation.translated_bypass"), 0);
	assert_int_equal(stat(&r, "components.mem.reads"), 1);
	run_free(&r);
}

/* Translations without the permission the DMA needs: nothing is done (no PRI). */
static void test_ats_no_translation(void **state)
{
	(void)state;
	struct run r;
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 4KiB, "
	      "size: 64, count: 5, op: read}\n", "");
	struct fake f = { .offset = GB16, .perms = 0 };
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 5);
	assert_int_equal(stat(&r, "components.d0.ats.no_translation"), 5);
	assert_int_equal(stat(&r, "flows.d0.reads"), 0);
	assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), 5);
	assert_int_equal(stat(&r, "components.d0.read_requests"), 0);
	assert_int_equal(stat(&r, "components.mem.reads"), 1);
	run_free(&r);
	/* read-only translations for writes: cached, but every write asks again and fails */
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 4KiB, "
	      "size: 64, count: 5, op: write}\n", "");
	f = (struct fake){ .offset = GB16, .perms = TLP_ATS_R };
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 5);
	assert_int_equal(stat(&r, "components.d0.ats.no_translation"), 5);
	assert_int_equal(stat(&r, "components.d0.ats.atc.hits"), 4);
	assert_int_equal(stat(&r, "flows.d0.writes"), 0);
	assert_int_equal(stat(&r, "components.d0.write_tlps"), 0);
	run_free(&r);
}

/* No translator: nobody answers Translation Requests (UR). */
static void test_ats_without_translator(void **state)
{
	(void)state;
	struct run r;
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 4KiB, "
	      "size: 64, count: 5, op: read}\n", "");
	execute(&r);
	assert_int_equal(stat(&r, "components.rc.ats_translation_requests"), 5);
	assert_int_equal(stat(&r, "components.rc.blocked_ur"), 5);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 5);
	assert_int_equal(stat(&r, "components.d0.ats.translation_completions"), 0);
	assert_int_equal(stat(&r, "flows.d0.reads"), 0);
	run_free(&r);
}

/* ---- invalidation -------------------------------------------------------------------- */

/* d0 reads one address every microsecond. At 4.5 us its page is invalidated
 * (the next read misses), at 6.5 us another page (nothing dropped); the
 * completions come back with their tokens after atc_inv_latency (1 us). An
 * invalidation for a function without ATS is dropped there; one for a
 * function below no root port is not sent. */
static void test_ats_invalidate(void **state)
{
	(void)state;
	struct run r;
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 64, "
	      "size: 64, count: 10, interval: 1us, op: read}\n", "");
	struct fake f = { .offset = GB16, .perms = TLP_ATS_R | TLP_ATS_W };
	attach(&r, &f);
	struct component *rc = comp(&r, "rc");
	struct inv_ev ev[4] = {
		{ rc, rid_of(&r, "d0"), 0x10000, 4096, 77, 9 },
		{ rc, rid_of(&r, "d0"), 0x20000, 4096, 78, 9 },
		{ rc, rid_of(&r, "d1"), 0x10000, 4096, 79, 9 },
		{ rc, 0x7700, 0x10000, 4096, 80, 9 },
	};
	static const sim_time_t when[4] = { 4500 * SIM_NS, 6500 * SIM_NS, 7500 * SIM_NS,
					    7600 * SIM_NS };
	for (int i = 0; i < 4; i++)
		sim_schedule_at(r.s->k, when[i], inv_event, &ev[i]);
	execute(&r);
	assert_int_equal(ev[0].ret, 0);
	assert_int_equal(ev[1].ret, 0);
	assert_int_equal(ev[2].ret, 0);
	assert_int_equal(ev[3].ret, -1);
	assert_int_equal(stat(&r, "flows.d0.reads"), 10);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 2);
	assert_int_equal(stat(&r, "components.d0.ats.atc.misses"), 2);
	assert_int_equal(stat(&r, "components.d0.ats.atc.hits"), 8);
	assert_int_equal(stat(&r, "components.d0.ats.invalidations"), 2);
	assert_int_equal(stat(&r, "components.d0.ats.atc.invalidations"), 1);
	assert_int_equal(stat(&r, "components.d1.misrouted"), 1);
	assert_int_equal(stat(&r, "components.rc.ats_invalidations_sent"), 3);
	assert_int_equal(stat(&r, "components.rc.ats_inv_completions"), 2);
	assert_int_equal(f.n_inv, 2);
	assert_int_equal(f.inv_token[0], 77);
	assert_int_equal(f.inv_token[1], 78);
	for (int i = 0; i < 2; i++) {
		sim_time_t took = f.inv_at[i] - when[i];
		assert_true(took >= SIM_US && took < 1600 * SIM_NS);
	}
	run_free(&r);
}

/* An invalidation that reaches d0 while its Translation Request is out:
 * the answer (possibly stale) is thrown away and d0 asks again. */
static void test_ats_invalidate_nullifies_request(void **state)
{
	(void)state;
	struct run r;
	build(&r, NO_ACS_TB, "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 64, "
	      "size: 64, count: 1, op: read}\n", "");
	struct fake f = { .offset = GB16, .perms = TLP_ATS_R, .delay = 2 * SIM_US };
	attach(&r, &f);
	struct inv_ev ev = { comp(&r, "rc"), rid_of(&r, "d0"), 0x10000, 4096, 5, 9 };
	sim_schedule_at(r.s->k, SIM_US, inv_event, &ev);
	execute(&r);
	assert_int_equal(ev.ret, 0);
	assert_int_equal(f.n_inv, 1);
	assert_int_equal(stat(&r, "components.d0.ats.nullified"), 1);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 2);
	assert_int_equal(stat(&r, "flows.d0.reads"), 1);
	/* two translation round trips of 2 us each are in the read's latency */
	assert_true(stat(&r, "flows.d0.latency_ns.p50") > 4000);
	run_free(&r);
}

/* ---- ACS ------------------------------------------------------------------------------ */

static void write_trace(char *path, size_t len, const char *body)
{
	snprintf(path, len, "/tmp/iovsim-test-ats-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
}

/* Translation Blocking at the switch port: d0's Translation Requests and a
 * trace's translated ([at]) requests are stopped there (CA). */
static void test_ats_acs_translation_blocking(void **state)
{
	(void)state;
	struct run r;
	build(&r, "[sv, tb, rr, cr, uf]", "    ats: true\n    trace: {gen: seq, base: 0x10000, "
	      "window: 4KiB, size: 64, count: 5, op: read}\n", "");
	struct fake f = { .offset = GB16, .perms = TLP_ATS_R };
	attach(&r, &f);
	execute(&r);
	assert_int_equal(stat(&r, "components.sw.blocked_ca"), 5);
	assert_int_equal(stat(&r, "components.rc.ats_translation_requests"), 0);
	assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 5);
	assert_int_equal(stat(&r, "components.d0.completion_errors"), 5);
	assert_int_equal(stat(&r, "flows.d0.reads"), 0);
	assert_int_equal(stat(&r, "flows.d0.isolation.blocked"), 5);
	run_free(&r);

	char path[64], d0[256];
	write_trace(path, sizeof(path), "#!iovsim-trace v1\n"
		    "0ns d0 rd 0x400000000 64 at\n"
		    "0ns d0 wr 0x400001000 64 at\n"
		    "0ns d0 rd 0x400002000 64\n");
	snprintf(d0, sizeof(d0), "    trace: %s\n", path);
	build(&r, "[sv, tb, rr, cr, uf]", d0, "");
	execute(&r);
	assert_int_equal(stat(&r, "components.sw.blocked_ca"), 2);
	assert_int_equal(stat(&r, "components.mem.reads"), 2);          /* d0's plain one, d1's */
	assert_int_equal(stat(&r, "isolation.translated_bypass"), 0);
	run_free(&r);
	/* without TB (and no translator) they reach memory as they are */
	build(&r, NO_ACS_TB, d0, "");
	execute(&r);
	assert_int_equal(stat(&r, "components.sw.blocked_ca"), 0);
	assert_int_equal(stat(&r, "components.mem.reads"), 3);
	assert_int_equal(stat(&r, "components.mem.writes"), 1);
	assert_int_equal(stat(&r, "isolation.translated_bypass"), 2);
	run_free(&r);
	unlink(path);
}

/* Direct Translated P2P: the translation d0 gets points into d1's BAR (d1
 * belongs to another VM). With RR and DT the translated reads go straight
 * across the switch: the root complex (and its translator) never sees them,
 * so even a translator that forbids d0 translated requests cannot stop
 * them. Without DT they are redirected to the root complex, which can. */
static void test_ats_direct_translated_p2p(void **state)
{
	(void)state;
	static const char d0[] = "    ats: true\n    trace: {gen: seq, base: 0x10000, window: 64, "
				 "size: 64, count: 10, op: read}\n";
	static const char vms[] =
		"vms:\n"
		"  - {name: vm0, memory: [{base: 16GiB, size: 1GiB}], devices: [d0]}\n"
		"  - {name: vm1, devices: [d1]}\n";
	static const char *const acs[2] = { "[sv, rr, cr, uf, dt]", NO_ACS_TB };
	for (int dt = 1; dt >= 0; dt--) {
		for (int deny = 0; deny < 2; deny++) {
			struct run r;
			build(&r, acs[!dt], d0, vms);
			struct fake f = { .offset = GB16, .treq_to = 0xe0100000, .perms = TLP_ATS_R,
					  .deny_translated = deny };
			attach(&r, &f);
			execute(&r);
			assert_int_equal(stat(&r, "components.d0.ats.translation_requests"), 1);
			bool reach = dt || !deny;
			assert_int_equal(stat(&r, "components.d1.bar_reads"), reach ? 10 : 0);
			assert_int_equal(stat(&r, "flows.d0.isolation.violations"), reach ? 10 : 0);
			assert_int_equal(stat(&r, "isolation.translated_bypass"), reach ? 10 : 0);
			assert_int_equal(stat(&r, "components.sw.p2p_direct"), dt ? 10 : 0);
			bool via_rc = !dt && !deny, stopped = !dt && deny;
			assert_int_equal(stat(&r, "components.rc.p2p_routed"), via_rc ? 10 : 0);
			assert_int_equal(stat(&r, "components.rc.translated_blocked"),
					 stopped ? 10 : 0);
			assert_int_equal(f.n_asked, dt ? 0 : 10);
			run_free(&r);
		}
	}
}

/* ---- timing ---------------------------------------------------------------------------- */

/* atc_latency sits on every translated read: it moves the latency and shows
 * in the "d0.ats" stage of the breakdown. */
static void test_ats_lookup_latency(void **state)
{
	(void)state;
	static const char d0[] = "    ats: true\n    atc_latency: %s\n    max_outstanding: 1\n"
				 "    trace: {gen: seq, base: 0x10000, window: 64, size: 64, "
				 "count: 200, op: read}\n";
	double p50[2], stage[2];
	for (int i = 0; i < 2; i++) {
		char buf[512];
		snprintf(buf, sizeof(buf), d0, i ? "200ns" : "0ns");
		struct run r;
		build(&r, NO_ACS_TB, buf, "");
		struct fake f = { .offset = GB16, .perms = TLP_ATS_R };
		attach(&r, &f);
		execute(&r);
		assert_int_equal(stat(&r, "flows.d0.reads"), 200);
		p50[i] = stat(&r, "flows.d0.latency_ns.p50");
		stage[i] = stat(&r, "dma.breakdown_ns.d0.ats");
		run_free(&r);
	}
	assert_true(p50[1] - p50[0] > 190 && p50[1] - p50[0] < 215);
	assert_true(stage[0] < 20);                     /* the one miss, averaged */
	assert_true(stage[1] > 200 && stage[1] < 220);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atc_sizes_perms_invalidation),
		cmocka_unit_test(test_ats_translate_then_hit),
		cmocka_unit_test(test_ats_capacity),
		cmocka_unit_test(test_ats_translated_not_allowed),
		cmocka_unit_test(test_ats_no_translation),
		cmocka_unit_test(test_ats_without_translator),
		cmocka_unit_test(test_ats_invalidate),
		cmocka_unit_test(test_ats_invalidate_nullifies_request),
		cmocka_unit_test(test_ats_acs_translation_blocking),
		cmocka_unit_test(test_ats_direct_translated_p2p),
		cmocka_unit_test(test_ats_lookup_latency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
