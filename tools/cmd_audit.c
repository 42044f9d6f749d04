/* cmd_audit.c - `iovsim audit`: IOMMU groups and root-complex bypass pairs of a topology */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "models/pcie/audit.h"
#include "sim.h"

#define AUDIT_MAX_OVERRIDES 256


static const char audit_usage[] =
	"usage: iovsim audit FILE [--json] [--groups linux|reach] [-p NAME=VALUE]... [-C CONFIG_DIR]...\n"
	"\n"
	"Audit a scenario's PCIe topology for isolation without running it: the\n"
	"hierarchy as enumerated (bus:dev.fn, bus ranges, windows, BARs, ACS, VMs),\n"
	"the IOMMU groups Linux would form, and every pair of functions whose\n"
	"peer-to-peer requests bypass the root complex (and so the IOMMU).\n"
	"  --json         one JSON object instead of text (docs/audit.md)\n"
	"  --groups MODE  linux (default): the groups the kernel forms; reach: also\n"
	"                 merge devices below sibling switch ports without ACS\n"
	"  -p NAME=VALUE  override a parameter declared under params:\n"
	"  -C DIR         also search DIR for profiles (configs/)\n"
	"Writes to standard output only.\n"
	"Exit status: 0 audited (or no PCIe hierarchy), 2 bad input or usage, 3 internal error.\n";

struct audit_opts {
	const char *file;
	bool json;
	enum audit_grouping grouping;
	size_t novr;
	struct param_override ovr[AUDIT_MAX_OVERRIDES];
	const char *config_dirs[17];
	size_t nconfig_dirs;
};

/* 0 parsed, -2 help printed, else an exit status. */
static int audit_parse_args(int argc, char **argv, struct audit_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(audit_usage, stdout);
			return -2;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--groups")) {
			const char *v = i + 1 < argc ? argv[i + 1] : NULL;
			if (!v || (strcmp(v, "linux") && strcmp(v, "reach")))
				return cli_usage_error("audit", "--groups takes linux or reach");
			o->grouping = strcmp(v, "linux") ? AUDIT_GROUPS_REACH : AUDIT_GROUPS_LINUX;
			i++;
		} else if (!strcmp(a, "-p")) {
			int r = cli_param_override("audit", argv[i + 1], o->ovr, &o->novr, AUDIT_MAX_OVERRIDES);
			if (r)
				return r;
			i++;
		} else if (!strcmp(a, "-C")) {
			int r = cli_config_dir("audit", val, o->config_dirs, &o->nconfig_dirs, 16);
			if (r)
				return r;
			i++;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("audit", "unknown option '%s'", a);
		} else if (!o->file) {
			o->file = a;
		} else {
			return cli_usage_error("audit", "more than one scenario file ('%s', '%s')",
					       o->file, a);
		}
	}
	if (!o->file)
		return cli_usage_error("audit", "no scenario file given");
	o->config_dirs[o->nconfig_dirs] = NULL;
	return 0;
}

/* The report goes to a memory buffer first: stdout gets all of it or nothing. */
static int audit_report(const struct audit *a, const struct scenario *scen, bool json,
			struct iov_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	int bad;
	if (json)
		bad = audit_print_json(a, scen->name, m);
	else {
		fprintf(m, "iovsim audit: scenario '%s' (%s)\n\n", scen->name, scen->file);
		bad = audit_print_text(a, m);
	}
	bad |= fclose(m);
	if (bad) {
		free(buf);
		return iov_err_set(e, IOV_INTERNAL, "out of memory formatting the audit");
	}
	bad = fwrite(buf, 1, len, stdout) != len || fflush(stdout);
	free(buf);
	if (bad)
		return iov_err_set(e, IOV_INTERNAL, "cannot write the audit to standard output");
	return 0;
}

static int audit_no_hierarchy(const struct scenario *scen, bool json)
{
	if (json) {
		fputs("{\n  \"scenario\": ", stdout);
		char esc[1024];
		json_escape(scen->name, esc, sizeof(esc));
		printf("\"%s\",\n  \"root_complex\": null,\n  \"note\": \"no PCIe hierarchy (no "
		       "pcie_root_complex)\",\n  \"functions\": [],\n  \"groups\": [],\n"
		       "  \"bypass\": [],\n  \"blocked\": [],\n  \"redirected\": 0\n}\n", esc);
	} else {
		printf("iovsim audit: scenario '%s' (%s)\n\nno PCIe hierarchy (no "
		       "pcie_root_complex): nothing to audit\n", scen->name, scen->file);
	}
	return fflush(stdout) ? IOV_INTERNAL : IOV_OK;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o;
	int r = audit_parse_args(argc, argv, &o);
	if (r)
		return r == -2 ? 0 : r;
	struct iov_err e = { 0 };
	struct scenario *scen = NULL;
	struct sim *s = NULL;
	struct audit *a = NULL;
	if (scenario_load(o.file, o.ovr, o.novr, o.config_dirs, &scen, &e))
		goto fail;
	/* Building enumerates the hierarchy (the root complex's elaborate);
	 * nothing runs. */
	s = sim_build(scen, SIM_KERNEL_NATIVE, scen->seed, &e);
	if (!s || audit_build(s, o.grouping, &a, &e))
		goto fail;
	r = a ? (audit_report(a, scen, o.json, &e) ? -1 : IOV_OK) : audit_no_hierarchy(scen, o.json);
	if (r < 0)
		goto fail;
	audit_free(a);
	sim_destroy(s);
	scenario_free(scen);
	return r;
fail:
	audit_free(a);
	sim_destroy(s);
	scenario_free(scen);
	fprintf(stderr, "%s\n", e.msg);
	return e.status ? e.status : IOV_INTERNAL;
}
