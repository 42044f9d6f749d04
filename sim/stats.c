/* stats.c - the statistics registry: dotted paths in a tree, lookups, JSON output */
#include "stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every stat is an entry (kept in registration order, never moved, so the
 * pointers handed out stay valid). Paths also form a tree of nodes - one per
 * distinct prefix - whose children keep first-registration order; the JSON
 * writer walks it. A hash table over full node paths makes registration and
 * lookups O(path length).
 */

struct stat_entry {
	char *path, *unit, *desc;
	enum stat_kind kind;
	double scale;
	char *text;
	uint64_t counter;
	double value;
	struct hist hist;
	struct tseries series;
};

struct stat_node {
	char *path;                     /* full path of this prefix */
	const char *seg;                /* last segment (points into path) */
	struct stat_node *child, *last_child, *next;
	struct stat_node *hnext;        /* hash chain */
	struct stat_entry *leaf;        /* NULL for an interior node */
};

struct stats {
	struct stat_entry **ent;
	size_t n, cap;
	struct stat_node root;
	struct stat_node **tab;
	size_t tabsize, nnodes;         /* tabsize: power of two */
};

/* ---- hash of node paths ------------------------------------------------------ */

static uint64_t stats_hash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static struct stat_node *stats_find_node(const struct stats *s, const char *p, size_t len)
{
	if (!s->tabsize)
		return NULL;
	struct stat_node *n = s->tab[stats_hash(p, len) & (s->tabsize - 1)];
	for (; n; n = n->hnext)
		if (strncmp(n->path, p, len) == 0 && n->path[len] == '\0')
			return n;
	return NULL;
}

static int stats_grow_table(struct stats *s)
{
	size_t size = s->tabsize ? s->tabsize * 2 : 256;
	struct stat_node **tab = calloc(size, sizeof(*tab));
	if (!tab)
		return -1;
	for (size_t i = 0; i < s->tabsize; i++) {
		struct stat_node *n = s->tab[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			size_t b = stats_hash(n->path, strlen(n->path)) & (size - 1);
			n->hnext = tab[b];
			tab[b] = n;
		}
	}
	free(s->tab);
	s->tab = tab;
	s->tabsize = size;
	return 0;
}

/* A new child of parent for the prefix p[0..len). NULL on out of memory. */
static struct stat_node *stats_add_node(struct stats *s, struct stat_node *parent, const char *p,
					size_t len)
{
	if ((s->nnodes + 1) * 4 > s->tabsize * 3 && stats_grow_table(s))
		return NULL;
	struct stat_node *n = calloc(1, sizeof(*n));
	char *path = malloc(len + 1);
	if (!n || !path) {
		free(n);
		free(path);
		return NULL;
	}
	memcpy(path, p, len);
	path[len] = '\0';
	n->path = path;
	const char *dot = strrchr(path, '.');
	n->seg = dot ? dot + 1 : path;
	if (parent->last_child)
		parent->last_child->next = n;
	else
		parent->child = n;
	parent->last_child = n;
	size_t b = stats_hash(path, len) & (s->tabsize - 1);
	n->hnext = s->tab[b];
	s->tab[b] = n;
	s->nnodes++;
	return n;
}

static void stats_free_nodes(struct stat_node *n)
{
	while (n) {
		struct stat_node *next = n->next;
		stats_free_nodes(n->child);
		free(n->path);
		free(n);
		n = next;
	}
}

/* ---- create / destroy ----------------------------------------------------- */

struct stats *stats_create(void)
{
	return calloc(1, sizeof(struct stats));
}

static void stats_free_entry(struct stat_entry *x)
{
	if (x->kind == STAT_HIST)
		hist_free(&x->hist);
	if (x->kind == STAT_SERIES)
		tseries_free(&x->series);
	free(x->path);
	free(x->unit);
	free(x->desc);
	free(x->text);
	free(x);
}

void stats_destroy(struct stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		stats_free_entry(s->ent[i]);
	free(s->ent);
	stats_free_nodes(s->root.child);
	free(s->tab);
	free(s);
}

/* ---- registration ----------------------------------------------------------- */

static bool stats_seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

const char *stats_key(const char *name, char *buf, size_t len)
{
	size_t k = 0;
	for (const char *c = name; *c && k + 1 < len; c++, k++)
		buf[k] = stats_seg_char(*c) ? *c : '_';
	if (len)
		buf[k] = '\0';
	return buf;
}

/* Segments of [A-Za-z0-9_-]+ joined by single dots. */
static bool stats_path_ok(const char *p)
{
	size_t seg = 0;
	for (; *p; p++) {
		if (*p == '.') {
			if (!seg)
				return false;
			seg = 0;
		} else if (stats_seg_char(*p)) {
			seg++;
		} else {
			return false;
		}
	}
	return seg > 0;
}

/* Some leaf below node n (for the error message). */
static const char *stats_some_leaf(const struct stat_node *n)
{
	while (!n->leaf && n->child)
		n = n->child;
	return n->path;
}

/* Check that path can become a new leaf; set e and return -1 if not. */
static int stats_check_new(const struct stats *s, const char *path, struct iov_err *e)
{
	if (!path || !stats_path_ok(path))
		return iov_err_set(e, IOV_INTERNAL,
				   "bad stat path '%s': want segments of letters, digits, '_' "
				   "or '-' joined by '.'", path ? path : "(null)");
	const struct stat_node *n = stats_find_node(s, path, strlen(path));
	if (n && n->leaf)
		return iov_err_set(e, IOV_INTERNAL, "stat '%s' registered twice", path);
	if (n)
		return iov_err_set(e, IOV_INTERNAL,
				   "stat '%s' would be a prefix of the existing stat '%s'", path,
				   stats_some_leaf(n));
	for (const char *d = strchr(path, '.'); d; d = strchr(d + 1, '.')) {
		n = stats_find_node(s, path, (size_t)(d - path));
		if (n && n->leaf)
			return iov_err_set(e, IOV_INTERNAL,
					   "stat '%s' is below the existing stat '%s'", path,
					   n->path);
	}
	return 0;
}

/* Create the nodes of path (known valid and free) and hang x on the leaf. */
static int stats_link(struct stats *s, const char *path, struct stat_entry *x)
{
	struct stat_node *parent = &s->root;
	const char *end = path;
	for (;;) {
		end = strchr(end, '.');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct stat_node *n = stats_find_node(s, path, len);
		if (!n && !(n = stats_add_node(s, parent, path, len)))
			return -1;
		if (!end) {
			n->leaf = x;
			return 0;
		}
		parent = n;
		end++;
	}
}

static char *stats_strdup(const char *p)
{
	return strdup(p ? p : "");
}

static struct stat_entry *stats_new(struct stats *s, const char *path, enum stat_kind kind,
				    const char *unit, const char *desc, struct iov_err *e)
{
	if (stats_check_new(s, path, e))
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct stat_entry **ent = realloc(s->ent, cap * sizeof(*ent));
		if (!ent)
			goto oom;
		s->ent = ent;
		s->cap = cap;
	}
	struct stat_entry *x = calloc(1, sizeof(*x));
	if (!x)
		goto oom;
	x->kind = kind;
	x->scale = 1.0;
	x->path = stats_strdup(path);
	x->unit = stats_strdup(unit);
	x->desc = stats_strdup(desc);
	if (!x->path || !x->unit || !x->desc || stats_link(s, path, x)) {
		stats_free_entry(x);
		goto oom;
	}
	s->ent[s->n++] = x;
	return x;
oom:
	iov_err_set(e, IOV_INTERNAL, "out of memory registering stat '%s'", path);
	return NULL;
}

uint64_t *stats_counter(struct stats *s, const char *path, const char *unit, const char *desc,
			struct iov_err *e)
{
	struct stat_entry *x = stats_new(s, path, STAT_COUNTER, unit, desc, e);
	return x ? &x->counter : NULL;
}

double *stats_value(struct stats *s, const char *path, const char *unit, const char *desc,
		    struct iov_err *e)
{
	struct stat_entry *x = stats_new(s, path, STAT_VALUE, unit, desc, e);
	return x ? &x->value : NULL;
}

struct hist *stats_hist(struct stats *s, const char *path, const char *unit, double scale,
			const char *desc, struct iov_err *e)
{
	struct stat_entry *x = stats_new(s, path, STAT_HIST, unit, desc, e);
	if (!x)
		return NULL;
	hist_init(&x->hist, STATS_HIST_SUB_BITS);
	x->scale = scale;
	return &x->hist;
}

struct tseries *stats_series(struct stats *s, const char *path, const char *unit,
			     uint64_t width_ps, uint32_t max_bins, const char *desc,
			     struct iov_err *e)
{
	if (width_ps == 0 || max_bins < 2 || max_bins % 2) {
		iov_err_set(e, IOV_INTERNAL,
			    "series '%s': bin width %" PRIu64 " ps / %" PRIu32
			    " bins; want a width > 0 and an even number of bins >= 2",
			    path ? path : "(null)", width_ps, max_bins);
		return NULL;
	}
	struct stat_entry *x = stats_new(s, path, STAT_SERIES, unit, desc, e);
	if (!x)
		return NULL;
	if (tseries_init(&x->series, width_ps, max_bins)) {
		iov_err_set(e, IOV_INTERNAL, "out of memory registering stat '%s'", path);
		return NULL;            /* the entry stays registered and is freed with s */
	}
	return &x->series;
}

int stats_text(struct stats *s, const char *path, const char *text, struct iov_err *e)
{
	const struct stat_node *n = path ? stats_find_node(s, path, strlen(path)) : NULL;
	struct stat_entry *x = n ? n->leaf : NULL;
	if (x && x->kind != STAT_TEXT)
		return iov_err_set(e, IOV_INTERNAL, "stat '%s' is not a text stat", path);
	if (!x && !(x = stats_new(s, path, STAT_TEXT, "", "", e)))
		return -1;
	char *copy = stats_strdup(text);
	if (!copy)
		return iov_err_set(e, IOV_INTERNAL, "out of memory setting stat '%s'", path);
	free(x->text);
	x->text = copy;
	return 0;
}

/* ---- lookups ----------------------------------------------------------------- */

static const struct stat_entry *stats_leaf(const struct stats *s, const char *p, size_t len)
{
	const struct stat_node *n = stats_find_node(s, p, len);
	return n ? n->leaf : NULL;
}

/*
 * v * scale, but a scale of 1/N (1e-3: ps -> ns) divides by N instead, so
 * 700050 ps prints as 700.05 and not 700.0500000000001.
 */
static double stats_scale(double v, double scale)
{
	if (scale > 0 && scale < 1) {
		double inv = nearbyint(1.0 / scale);
		if (fabs(1.0 / scale - inv) <= 1e-9 * inv)
			return v / inv;
	}
	return v * scale;
}

/* Value of a histogram field, scaled like the JSON; -1 if no such field. */
static int stats_hist_field(const struct stat_entry *x, const char *field, double *out)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "p999", 0.999 },
	};
	const struct hist *h = &x->hist;
	if (strcmp(field, "count") == 0) {
		*out = (double)h->count;
		return 0;
	}
	double v;
	if (strcmp(field, "mean") == 0)
		v = hist_mean(h);
	else if (strcmp(field, "min") == 0)
		v = h->count ? (double)h->min : 0.0;
	else if (strcmp(field, "max") == 0)
		v = h->count ? (double)h->max : 0.0;
	else {
		size_t i = 0;
		while (i < sizeof(qs) / sizeof(qs[0]) && strcmp(field, qs[i].name))
			i++;
		if (i == sizeof(qs) / sizeof(qs[0]))
			return -1;
		v = hist_quantile(h, qs[i].q);
	}
	*out = stats_scale(v, x->scale);
	return 0;
}

int stats_get(const struct stats *s, const char *path, double *out)
{
	size_t len = strlen(path);
	const struct stat_entry *x = stats_leaf(s, path, len);
	if (x && x->kind == STAT_COUNTER) {
		*out = (double)x->counter;
		return 0;
	}
	if (x && x->kind == STAT_VALUE) {
		*out = x->value;
		return 0;
	}
	if (x)
		return -1;
	const char *dot = strrchr(path, '.');
	if (!dot)
		return -1;
	x = stats_leaf(s, path, (size_t)(dot - path));
	if (!x || x->kind != STAT_HIST)
		return -1;
	return stats_hist_field(x, dot + 1, out);
}

bool stats_exists(const struct stats *s, const char *path)
{
	double v;
	return stats_leaf(s, path, strlen(path)) || stats_get(s, path, &v) == 0;
}

bool stats_iter(const struct stats *s, size_t i, struct stat_info *out)
{
	if (i >= s->n)
		return false;
	const struct stat_entry *x = s->ent[i];
	memset(out, 0, sizeof(*out));
	out->path = x->path;
	out->unit = x->unit;
	out->desc = x->desc;
	out->kind = x->kind;
	out->scale = x->scale;
	switch (x->kind) {
	case STAT_COUNTER: out->counter = &x->counter; break;
	case STAT_VALUE: out->value = &x->value; break;
	case STAT_HIST: out->hist = &x->hist; break;
	case STAT_SERIES: out->series = &x->series; break;
	case STAT_TEXT: out->text = x->text ? x->text : ""; break;
	}
	return true;
}

size_t stats_count(const struct stats *s)
{
	return s->n;
}

/* ---- JSON ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p, or 0 if it is not one. */
static size_t json_utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * The escaped form of the character at *p: copied to out (at most 7 bytes +
 * NUL), returns its input length. Invalid UTF-8 bytes become U+FFFD.
 */
static size_t json_escape_one(const char *p, char out[8])
{
	unsigned char c = (unsigned char)*p;
	const char *rep = NULL;
	switch (c) {
	case '"': rep = "\\\""; break;
	case '\\': rep = "\\\\"; break;
	case '\n': rep = "\\n"; break;
	case '\r': rep = "\\r"; break;
	case '\t': rep = "\\t"; break;
	case '\b': rep = "\\b"; break;
	case '\f': rep = "\\f"; break;
	default: break;
	}
	if (rep) {
		strcpy(out, rep);
		return 1;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, 8, "\\u%04x", c);
		return 1;
	}
	size_t n = json_utf8_len((const unsigned char *)p);
	if (!n) {
		strcpy(out, "\\ufffd");
		return 1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

void json_escape(const char *in, char *buf, size_t len)
{
	if (!len)
		return;
	size_t o = 0;
	char one[8];
	while (in && *in) {
		size_t used = json_escape_one(in, one);
		size_t w = strlen(one);
		if (o + w >= len)
			break;          /* truncate between characters, never inside one */
		memcpy(buf + o, one, w);
		o += w;
		in += used;
	}
	buf[o] = '\0';
}

void json_write_string(FILE *f, const char *s)
{
	char one[8];
	fputc('"', f);
	while (s && *s) {
		s += json_escape_one(s, one);
		fputs(one, f);
	}
	fputc('"', f);
}

/* Shortest of %.15g..%.17g that reads back as v; null if not finite. */
static void json_double(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

static void json_indent(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", f);
}

static void json_member(FILE *f, int depth, const char *name, bool *first)
{
	fputs(*first ? "\n" : ",\n", f);
	*first = false;
	json_indent(f, depth);
	json_write_string(f, name);
	fputs(": ", f);
}

static void json_hist(FILE *f, const struct stat_entry *x, int depth)
{
	static const char *const fields[] = { "count", "mean", "min", "p50", "p90", "p99", "p999",
					      "max" };
	bool first = true;
	fputc('{', f);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		double v = 0;
		stats_hist_field(x, fields[i], &v);
		json_member(f, depth + 1, fields[i], &first);
		if (i == 0)
			fprintf(f, "%" PRIu64, x->hist.count);
		else
			json_double(f, v);
	}
	fputc('\n', f);
	json_indent(f, depth);
	fputc('}', f);
}

static void json_series(FILE *f, const struct stat_entry *x, int depth)
{
	const struct tseries *ts = &x->series;
	bool first = true;
	fputc('{', f);
	json_member(f, depth + 1, "bin_ns", &first);
	json_double(f, (double)ts->width / 1000.0);
	json_member(f, depth + 1, "unit", &first);
	json_write_string(f, x->unit);
	json_member(f, depth + 1, "values", &first);
	fputc('[', f);
	for (uint32_t i = 0; i < ts->nbins; i++) {
		if (i)
			fputs(", ", f);
		json_double(f, ts->bins[i]);
	}
	fputs("]\n", f);
	json_indent(f, depth);
	fputc('}', f);
}

static void json_leaf(FILE *f, const struct stat_entry *x, int depth)
{
	switch (x->kind) {
	case STAT_COUNTER: fprintf(f, "%" PRIu64, x->counter); break;
	case STAT_VALUE: json_double(f, x->value); break;
	case STAT_HIST: json_hist(f, x, depth); break;
	case STAT_SERIES: json_series(f, x, depth); break;
	case STAT_TEXT: json_write_string(f, x->text); break;
	}
}

/* The members of node n's object (its children), at depth. */
static void json_children(FILE *f, const struct stat_node *n, int depth, bool *first)
{
	for (const struct stat_node *c = n->child; c; c = c->next) {
		json_member(f, depth, c->seg, first);
		if (c->leaf) {
			json_leaf(f, c->leaf, depth);
			continue;
		}
		bool cfirst = true;
		fputc('{', f);
		json_children(f, c, depth + 1, &cfirst);
		fputc('\n', f);
		json_indent(f, depth);
		fputc('}', f);
	}
}

int stats_write_json(const struct stats *s, FILE *f, const char *extra_json)
{
	bool first = true;
	fputc('{', f);
	json_children(f, &s->root, 1, &first);
	if (extra_json && *extra_json) {
		fputs(first ? "\n  " : ",\n  ", f);
		fputs(extra_json, f);
		first = false;
	}
	fputs(first ? "}\n" : "\n}\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- reference table -------------------------------------------------------- */

static const char *stats_kind_name(enum stat_kind k)
{
	switch (k) {
	case STAT_COUNTER: return "counter";
	case STAT_VALUE: return "value";
	case STAT_HIST: return "histogram";
	case STAT_TEXT: return "text";
	case STAT_SERIES: return "series";
	}
	return "?";
}

int stats_write_table(const struct stats *s, FILE *f)
{
	fputs("| stat | kind | unit | description |\n|---|---|---|---|\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct stat_entry *x = s->ent[i];
		fprintf(f, "| `%s` | %s | %s | ", x->path, stats_kind_name(x->kind), x->unit);
		for (const char *d = x->desc; *d; d++) {
			if (*d == '|')
				fputc('\\', f);
			fputc(*d == '\n' ? ' ' : *d, f);
		}
		fputs(" |\n", f);
	}
	return ferror(f) ? -1 : 0;
}
