/* cmd_compare.c - `iovsim compare RUN...`: stats of several runs side by side
 *
 * The "summary that compares exit counts and cycles across
 * configurations": each RUN is a run directory (its stats.json) or a
 * stats.json file; each column is one run, labelled by the scenario
 * parameters that differ between the runs (else by its path); each row one
 * numeric stat. By default the rows are the interrupt and VM-exit stats;
 * --stat PATH (repeatable) picks other stats or whole subtrees (every
 * numeric leaf under it). stats.json is JSON, which the YAML reader reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "err.h"

static const char compare_usage[] =
	"usage: iovsim compare RUN... [--stat PATH]... [--csv]\n"
	"\n"
	"Print stats of several runs side by side: one column per RUN (a directory\n"
	"written by 'iovsim run -o DIR', or a stats.json file), one row per stat.\n"
	"Columns are labelled by the scenario parameters that differ between runs.\n"
	"\n"
	"  --stat PATH   a stat ('vm_exits.total') or a subtree ('vm_exits.by_reason':\n"
	"                every numeric stat under it); repeatable. Default: the\n"
	"                interrupt, VM-exit and hypervisor CPU stats.\n"
	"  --csv         comma-separated values instead of an aligned table\n"
	"\n"
	"A stat a run does not have is shown as '-'.\n"
	"Exit status: 0 ok; 2 usage or a RUN without a readable stats.json.\n";

static const char *const compare_default_stats[] = {
	"interrupts.delivered", "interrupts.wakeups", "vm_exits.total",
	"vm_exits.per_interrupt", "vm_exits.by_reason", "vm_exits.cycles",
	"vm_exits.per_second", "hypervisor.cpu_cycles", "vm_exits.vms", NULL,
};

#define COMPARE_MAX_RUNS 64
#define COMPARE_MAX_ROWS 4096

struct compare_run {
	const char *arg;
	struct cfg_doc *doc;
	const struct cfg_node *root;
	char label[256];
};

struct compare_rows {
	char *name[COMPARE_MAX_ROWS];
	size_t n;
};

/* The node at dotted path 'path' under root, or NULL. */
static const struct cfg_node *compare_lookup(const struct cfg_node *root, const char *path)
{
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return NULL;
	const struct cfg_node *n = root;
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && n;
	     k = strtok_r(NULL, ".", &save))
		n = n->kind == CFG_MAP ? cfg_get(n, k) : NULL;
	return n;
}

static int compare_add_row(struct compare_rows *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->name[i], name))
			return 0;
	if (r->n == COMPARE_MAX_ROWS) {
		fprintf(stderr, "iovsim compare: error: more than %d stats; pick fewer with "
			"--stat\n", COMPARE_MAX_ROWS);
		return -1;
	}
	if (!(r->name[r->n] = strdup(name)))
		return -1;
	r->n++;
	return 0;
}

static bool compare_is_number(const struct cfg_node *n)
{
	if (!n || n->kind != CFG_SCALAR || !n->str[0])
		return false;
	char *end;
	strtod(n->str, &end);
	return *end == '\0';
}

/* Add every numeric leaf under n (named prefix) as a row, in document order. */
static int compare_collect(struct compare_rows *r, const struct cfg_node *n, const char *prefix)
{
	if (compare_is_number(n))
		return compare_add_row(r, prefix);
	if (!n || n->kind != CFG_MAP)
		return 0;
	for (size_t i = 0; i < n->n; i++) {
		char name[512];
		if (snprintf(name, sizeof(name), "%s.%s", prefix, n->keys[i]) >= (int)sizeof(name))
			continue;
		if (compare_collect(r, n->items[i], name))
			return -1;
	}
	return 0;
}

static int compare_load(struct compare_run *run)
{
	char path[4096];
	size_t len = strlen(run->arg);
	if (len >= 5 && !strcmp(run->arg + len - 5, ".json"))
		snprintf(path, sizeof(path), "%s", run->arg);
	else if (snprintf(path, sizeof(path), "%s/stats.json", run->arg) >= (int)sizeof(path))
		return cli_usage_error("compare", "path too long: '%s'", run->arg);
	struct iov_err e = { 0 };
	run->doc = cfg_doc_load(path, &e);
	if (!run->doc) {
		fprintf(stderr, "iovsim compare: %s\n", e.msg);
		return 2;
	}
	run->root = cfg_doc_root(run->doc);
	if (!run->root || run->root->kind != CFG_MAP) {
		fprintf(stderr, "iovsim compare: error: %s is not a stats.json object\n", path);
		return 2;
	}
	return 0;
}

/* Label each run by the scenario params whose values differ between runs. */
static void compare_label(struct compare_run *runs, size_t nruns)
{
	for (size_t r = 0; r < nruns; r++) {
		const struct cfg_node *params = compare_lookup(runs[r].root, "scenario.params");
		size_t used = 0;
		runs[r].label[0] = '\0';
		for (size_t i = 0; params && params->kind == CFG_MAP && i < params->n; i++) {
			const char *v = params->items[i]->kind == CFG_SCALAR ? params->items[i]->str : "";
			bool differs = false;
			for (size_t o = 0; o < nruns && !differs; o++) {
				const struct cfg_node *op =
					compare_lookup(runs[o].root, "scenario.params");
				const struct cfg_node *ov =
					op && op->kind == CFG_MAP ? cfg_get(op, params->keys[i]) : NULL;
				differs = !ov || ov->kind != CFG_SCALAR || strcmp(ov->str, v);
			}
			if (!differs)
				continue;
			int w = snprintf(runs[r].label + used, sizeof(runs[r].label) - used, "%s%s=%s",
					 used ? " " : "", params->keys[i], v);
			if (w < 0 || (size_t)w >= sizeof(runs[r].label) - used)
				break;
			used += (size_t)w;
		}
		if (!runs[r].label[0])
			snprintf(runs[r].label, sizeof(runs[r].label), "%s", runs[r].arg);
	}
}

static void compare_cell(const struct compare_run *run, const char *row, char *buf, size_t len)
{
	const struct cfg_node *n = compare_lookup(run->root, row);
	if (!compare_is_number(n)) {
		snprintf(buf, len, "-");
		return;
	}
	double v = strtod(n->str, NULL);
	if (v == (double)(long long)v && v < 1e15 && v > -1e15)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.6g", v);
}

static void compare_print(const struct compare_run *runs, size_t nruns,
			  const struct compare_rows *rows, bool csv)
{
	size_t w0 = strlen("stat");
	for (size_t i = 0; i < rows->n; i++)
		if (strlen(rows->name[i]) > w0)
			w0 = strlen(rows->name[i]);
	size_t wc[COMPARE_MAX_RUNS];
	for (size_t r = 0; r < nruns; r++) {
		wc[r] = strlen(runs[r].label);
		for (size_t i = 0; i < rows->n; i++) {
			char cell[64];
			compare_cell(&runs[r], rows->name[i], cell, sizeof(cell));
			if (strlen(cell) > wc[r])
				wc[r] = strlen(cell);
		}
	}
	if (csv) {
		printf("stat");
		for (size_t r = 0; r < nruns; r++)
			printf(",\"%s\"", runs[r].label);
		putchar('\n');
	} else {
		printf("%-*s", (int)w0, "stat");
		for (size_t r = 0; r < nruns; r++)
			printf("  %*s", (int)wc[r], runs[r].label);
		putchar('\n');
	}
	for (size_t i = 0; i < rows->n; i++) {
		if (csv)
			printf("%s", rows->name[i]);
		else
			printf("%-*s", (int)w0, rows->name[i]);
		for (size_t r = 0; r < nruns; r++) {
			char cell[64];
			compare_cell(&runs[r], rows->name[i], cell, sizeof(cell));
			if (csv)
				printf(",%s", strcmp(cell, "-") ? cell : "");
			else
				printf("  %*s", (int)wc[r], cell);
		}
		putchar('\n');
	}
}

int cmd_compare(int argc, char **argv)
{
	struct compare_run runs[COMPARE_MAX_RUNS];
	const char *stats[256];
	size_t nruns = 0, nstats = 0;
	bool csv = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(compare_usage, stdout);
			return 0;
		}
		if (!strcmp(a, "--csv")) {
			csv = true;
		} else if (!strcmp(a, "--stat")) {
			if (i + 1 >= argc)
				return cli_usage_error("compare", "--stat needs a PATH");
			if (nstats == sizeof(stats) / sizeof(stats[0]))
				return cli_usage_error("compare", "too many --stat options");
			stats[nstats++] = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("compare", "unknown option '%s'", a);
		} else {
			if (nruns == COMPARE_MAX_RUNS)
				return cli_usage_error("compare", "at most %d runs", COMPARE_MAX_RUNS);
			runs[nruns++] = (struct compare_run){ .arg = a };
		}
	}
	if (!nruns)
		return cli_usage_error("compare", "missing RUN (directories of 'iovsim run -o')");
	if (!nstats)
		for (const char *const *d = compare_default_stats; *d; d++)
			stats[nstats++] = *d;

	int status = 0;
	size_t loaded = 0;
	struct compare_rows *rows = calloc(1, sizeof(*rows));
	if (!rows)
		return 3;
	for (; loaded < nruns && !status; loaded++)
		status = compare_load(&runs[loaded]);
	if (!status) {
		for (size_t s = 0; s < nstats && !status; s++)
			for (size_t r = 0; r < nruns && !status; r++)
				if (compare_collect(rows, compare_lookup(runs[r].root, stats[s]),
						    stats[s]))
					status = 3;
		if (!status && !rows->n) {
			fprintf(stderr, "iovsim compare: error: none of the runs has the stats asked "
				"for (%s%s)\n", stats[0], nstats > 1 ? ", ..." : "");
			status = 2;
		}
		if (!status) {
			compare_label(runs, nruns);
			compare_print(runs, nruns, rows, csv);
		}
	}
	for (size_t r = 0; r < loaded; r++)
		if (runs[r].doc)
			cfg_doc_free(runs[r].doc);
	for (size_t i = 0; i < rows->n; i++)
		free(rows->name[i]);
	free(rows);
	return status;
}
