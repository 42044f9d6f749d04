/* config.c - YAML into located config trees (libfyaml), and loading parameter tables */
#include "config.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "units.h"

/* ---- arena: every node and string of a tree, freed at once ---- */

void *cfg_arena_alloc(struct cfg_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->head->used + n > a->head->cap) {
		size_t cap = n > 16384 ? n : 16384;
		struct cfg_chunk *c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	void *p = a->head->mem + a->head->used;
	a->head->used += n;
	memset(p, 0, n);
	return p;
}

char *cfg_arena_strndup(struct cfg_arena *a, const char *s, size_t n)
{
	char *p = cfg_arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *cfg_arena_strdup(struct cfg_arena *a, const char *s)
{
	return cfg_arena_strndup(a, s, strlen(s));
}

void cfg_arena_free(struct cfg_arena *a)
{
	while (a->head) {
		struct cfg_chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
}

/* ---- reading YAML (event parser: it gives a location for every node) ---- */

#define CFG_MAX_DEPTH 64

struct cfg_frame {
	struct cfg_node *node;
	struct cfg_node **items;        /* growing children (malloc), copied to the arena at end */
	const char **keys;
	struct cfg_loc *key_locs;
	size_t n, cap;
	const char *pending_key;        /* maps: key read, value not yet */
	struct cfg_loc pending_loc;
};

/* Where an event starts. Empty values have no mark of their own: they are
 * located where the last located event (their key) is. */
static struct cfg_loc cfg_event_loc(struct fy_event *ev, struct cfg_loc *last)
{
	const struct fy_mark *m = fy_event_start_mark(ev);
	if (m) {
		last->line = m->line + 1;
		last->col = m->column + 1;
	}
	return *last;
}

static void cfg_frame_free(struct cfg_frame *f)
{
	free(f->items);
	free(f->keys);
	free(f->key_locs);
}

/* Attach child to the frame on top: as a sequence item, a map key, or a map value. */
static int cfg_attach(struct cfg_frame *f, struct cfg_node *child, const char *file,
		      struct iov_err *e)
{
	struct cfg_node *p = f->node;
	if (p->kind == CFG_MAP && !f->pending_key) {
		if (child->kind != CFG_SCALAR)
			return iov_err_at(e, IOV_BAD_INPUT, file, child->loc.line, child->loc.col,
					  "keys must be plain names, not maps or lists");
		for (size_t i = 0; i < f->n; i++)
			if (!strcmp(f->keys[i], child->str))
				return iov_err_at(e, IOV_BAD_INPUT, file, child->loc.line, child->loc.col,
						  "duplicate key '%s' (first at line %d)", child->str,
						  f->key_locs[i].line);
		f->pending_key = child->str;
		f->pending_loc = child->loc;
		return 0;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct cfg_node **ni = realloc(f->items, cap * sizeof(*ni));
		if (ni)
			f->items = ni;
		const char **nk = realloc(f->keys, cap * sizeof(*nk));
		if (nk)
			f->keys = nk;
		struct cfg_loc *nl = realloc(f->key_locs, cap * sizeof(*nl));
		if (nl)
			f->key_locs = nl;
		if (!ni || !nk || !nl)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		f->cap = cap;
	}
	f->items[f->n] = child;
	f->keys[f->n] = f->pending_key;
	f->key_locs[f->n] = f->pending_loc;
	f->pending_key = NULL;
	f->n++;
	return 0;
}

/* Freeze a finished frame into its node (arrays into the arena). */
static int cfg_frame_close(struct cfg_arena *a, struct cfg_frame *f, struct iov_err *e)
{
	struct cfg_node *p = f->node;
	p->n = f->n;
	p->items = cfg_arena_alloc(a, (f->n ? f->n : 1) * sizeof(*p->items));
	if (!p->items)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	if (f->n)
		memcpy(p->items, f->items, f->n * sizeof(*p->items));
	if (p->kind == CFG_MAP) {
		p->keys = cfg_arena_alloc(a, (f->n ? f->n : 1) * sizeof(*p->keys));
		p->key_locs = cfg_arena_alloc(a, (f->n ? f->n : 1) * sizeof(*p->key_locs));
		if (!p->keys || !p->key_locs)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
		if (f->n) {
			memcpy(p->keys, f->keys, f->n * sizeof(*p->keys));
			memcpy(p->key_locs, f->key_locs, f->n * sizeof(*p->key_locs));
		}
	}
	return 0;
}

/* A scalar event into a node; NULL with e set (OOM, or a NUL byte in the text). */
static struct cfg_node *cfg_scalar_node(struct cfg_arena *a, struct fy_event *ev,
					struct cfg_loc *last, struct iov_err *e)
{
	struct cfg_node *n = cfg_arena_alloc(a, sizeof(*n));
	if (!n) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	n->loc = cfg_event_loc(ev, last);
	n->owner = a;
	size_t len = 0;
	const char *t = ev->scalar.value ? fy_token_get_text(ev->scalar.value, &len) : "";
	if (!t)
		len = 0;
	if (t && memchr(t, '\0', len)) {
		iov_err_at(e, IOV_BAD_INPUT, n->loc.file, n->loc.line, n->loc.col,
			   "a value or key contains a NUL character");
		return NULL;
	}
	n->str = cfg_arena_strndup(a, t ? t : "", len);
	if (!n->str) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	n->kind = CFG_SCALAR;
	bool plain = !ev->scalar.value || fy_token_scalar_style(ev->scalar.value) == FYSS_PLAIN;
	if (plain && (len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		      !strcmp(n->str, "Null") || !strcmp(n->str, "NULL")))
		n->kind = CFG_NULL;
	return n;
}

static int cfg_syntax_error(struct fy_diag *diag, const char *file, struct iov_err *e)
{
	void *it = NULL;
	struct fy_diag_error *de = fy_diag_errors_iterate(diag, &it);
	if (de)
		/* libfyaml's collected errors are already 1-based (its marks are not). */
		return iov_err_at(e, IOV_BAD_INPUT, file, de->line, de->column,
				  "YAML syntax: %s", de->msg ? de->msg : "invalid document");
	return iov_err_at(e, IOV_BAD_INPUT, file, 0, 0, "YAML syntax error");
}

struct cfg_node *cfg_read_yaml(struct cfg_arena *a, const char *path, const char *file_name,
			       struct iov_err *e)
{
	FILE *probe = fopen(path, "r");
	if (!probe) {
		iov_err_at(e, IOV_BAD_INPUT, file_name, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	fclose(probe);
	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.colorize = false;
	struct fy_diag *diag = fy_diag_create(&dcfg);
	if (!diag) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg pcfg = { .flags = FYPCF_QUIET, .diag = diag };
	struct fy_parser *fyp = fy_parser_create(&pcfg);
	struct cfg_frame stack[CFG_MAX_DEPTH];
	struct cfg_loc last = { file_name, 1, 1 };
	int depth = 0, docs = 0;
	struct cfg_node *root = NULL;
	bool failed = false;
	if (!fyp || fy_parser_set_input_file(fyp, path)) {
		iov_err_at(e, IOV_BAD_INPUT, file_name, 0, 0, "cannot read");
		failed = true;
	}
	struct fy_event *ev;
	while (!failed && (ev = fy_parser_parse(fyp))) {
		struct cfg_node *n = NULL;
		switch (ev->type) {
		case FYET_DOCUMENT_START:
			if (++docs > 1) {
				struct cfg_loc l = cfg_event_loc(ev, &last);
				iov_err_at(e, IOV_BAD_INPUT, file_name, l.line, l.col,
					   "more than one YAML document ('---'): a file holds one");
				failed = true;
			}
			break;
		case FYET_ALIAS: {
			struct cfg_loc l = cfg_event_loc(ev, &last);
			iov_err_at(e, IOV_BAD_INPUT, file_name, l.line, l.col,
				   "YAML aliases (*name) are not supported; use params: and ${name}");
			failed = true;
			break;
		}
		case FYET_SCALAR:
			if (!(n = cfg_scalar_node(a, ev, &last, e)))
				failed = true;
			break;
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			if (depth == CFG_MAX_DEPTH) {
				struct cfg_loc l = cfg_event_loc(ev, &last);
				iov_err_at(e, IOV_BAD_INPUT, file_name, l.line, l.col,
					   "nested deeper than %d levels", CFG_MAX_DEPTH);
				failed = true;
				break;
			}
			n = cfg_arena_alloc(a, sizeof(*n));
			if (!n) {
				iov_err_set(e, IOV_INTERNAL, "out of memory");
				failed = true;
				break;
			}
			n->kind = ev->type == FYET_MAPPING_START ? CFG_MAP : CFG_SEQ;
			n->loc = cfg_event_loc(ev, &last);
			n->owner = a;
			memset(&stack[depth], 0, sizeof(stack[depth]));
			stack[depth++].node = n;
			n = NULL;       /* attached when it ends */
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			depth--;
			if (cfg_frame_close(a, &stack[depth], e))
				failed = true;
			n = stack[depth].node;
			cfg_frame_free(&stack[depth]);
			break;
		default:
			cfg_event_loc(ev, &last);
			break;
		}
		fy_parser_event_free(fyp, ev);
		if (failed || !n)
			continue;
		if (depth == 0)
			root = n;
		else if (cfg_attach(&stack[depth - 1], n, file_name, e))
			failed = true;
	}
	if (!failed && fy_parser_get_stream_error(fyp)) {
		cfg_syntax_error(diag, file_name, e);
		failed = true;
	}
	while (depth > 0)
		cfg_frame_free(&stack[--depth]);
	if (fyp)
		fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	if (failed)
		return NULL;
	if (!root) {
		root = cfg_arena_alloc(a, sizeof(*root));
		if (!root) {
			iov_err_set(e, IOV_INTERNAL, "out of memory");
			return NULL;
		}
		root->kind = CFG_NULL;
		root->loc = (struct cfg_loc){ file_name, 1, 1 };
		root->owner = a;
	}
	return root;
}

/* ---- lookups and errors ---- */

const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
{
	if (!map || map->kind != CFG_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

const char *cfg_names_join(const char *const *names, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; names && names[i]; i++) {
		strncat(buf, i ? ", " : "", len - strlen(buf) - 1);
		strncat(buf, names[i], len - strlen(buf) - 1);
	}
	return buf;
}

int cfg_err_key(struct iov_err *e, const struct cfg_node *map, size_t i, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct cfg_loc *l = &map->key_locs[i];
	return iov_err_at(e, IOV_BAD_INPUT, l->file, l->line, l->col, "%s", msg);
}

int cfg_err(struct iov_err *e, const struct cfg_node *node, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (node && node->param)
		return iov_err_at(e, IOV_BAD_INPUT, node->loc.file, node->loc.line, node->loc.col,
				  "%s (from parameter '%s' = '%s')", msg, node->param,
				  node->param_value ? node->param_value : node->str ? node->str : "");
	if (!node)
		return iov_err_set(e, IOV_BAD_INPUT, "%s", msg);
	return iov_err_at(e, IOV_BAD_INPUT, node->loc.file, node->loc.line, node->loc.col, "%s", msg);
}

static const char *cfg_kind_name(enum cfg_kind k)
{
	switch (k) {
	case CFG_SCALAR: return "a value";
	case CFG_MAP: return "a map";
	case CFG_SEQ: return "a list";
	default: return "empty";
	}
}

const char *param_type_doc(enum param_type t)
{
	switch (t) {
	case PARAM_BOOL: return "bool";
	case PARAM_U64: return "integer";
	case PARAM_DOUBLE: return "number";
	case PARAM_SIZE: return "size (64, 4KiB)";
	case PARAM_TIME: return "time (2.5ns, 1us)";
	case PARAM_BANDWIDTH: return "bandwidth (25GB/s, 10Gb/s)";
	case PARAM_TRANSFER_RATE: return "transfer rate (8GT/s)";
	case PARAM_FREQ: return "frequency (1GHz)";
	case PARAM_STRING: return "string";
	case PARAM_ENUM: return "one of";
	case PARAM_PATH: return "file path";
	case PARAM_NODE: return "value or map";
	}
	return "?";
}

/* Format a bound of type t for messages. */
static void cfg_fmt_bound(enum param_type t, double v, char *buf, size_t len)
{
	switch (t) {
	case PARAM_TIME:
		units_fmt_time((sim_time_t)v, buf, (unsigned)len);
		break;
	case PARAM_SIZE:
		units_fmt_size((uint64_t)v, buf, (unsigned)len);
		break;
	case PARAM_BANDWIDTH:
		snprintf(buf, len, "%gGB/s", v / 1e9);
		break;
	case PARAM_TRANSFER_RATE:
		snprintf(buf, len, "%gGT/s", v / 1e9);
		break;
	case PARAM_FREQ:
		snprintf(buf, len, "%gMHz", v / 1e6);
		break;
	default:
		snprintf(buf, len, "%g", v);
	}
}

static int cfg_range(const struct cfg_node *v, const struct param_desc *p, double x,
		     struct iov_err *e)
{
	if (p->min == 0 && p->max == 0)
		return 0;
	if (x >= p->min && x <= p->max)
		return 0;
	char lo[48], hi[48];
	cfg_fmt_bound(p->type, p->min, lo, sizeof(lo));
	cfg_fmt_bound(p->type, p->max, hi, sizeof(hi));
	return cfg_err(e, v, "%s '%s' is out of range; allowed %s..%s", p->name, v->str, lo, hi);
}

/* Directory of 'file' joined with 'rel' (unless rel is absolute). */
static char *cfg_join_near(struct cfg_arena *a, const char *file, const char *rel)
{
	const char *slash = file ? strrchr(file, '/') : NULL;
	if (rel[0] == '/' || !slash)
		return cfg_arena_strdup(a, rel);
	size_t dl = (size_t)(slash - file);
	char *p = cfg_arena_alloc(a, dl + strlen(rel) + 2);
	if (p)
		sprintf(p, "%.*s/%s", (int)dl, file, rel);
	return p;
}

int cfg_parse_value(const struct cfg_node *v, const struct param_desc *p, void *dst,
		    struct iov_err *e)
{
	char *at = (char *)dst + p->offset;
	const char *why = NULL;
	if (p->type == PARAM_NODE) {
		*(const struct cfg_node **)at = v;
		return 0;
	}
	if (v->kind != CFG_SCALAR)
		return cfg_err(e, v, "%s must be %s, not %s", p->name, param_type_doc(p->type),
			       cfg_kind_name(v->kind));
	const char *s = v->str;
	switch (p->type) {
	case PARAM_BOOL: {
		int b;
		if (units_parse_bool(s, &b, &why))
			break;
		*(int *)at = b;
		return 0;
	}
	case PARAM_U64: {
		uint64_t x;
		if (units_parse_u64(s, &x, &why))
			break;
		if (cfg_range(v, p, (double)x, e))
			return -1;
		*(uint64_t *)at = x;
		return 0;
	}
	case PARAM_DOUBLE: {
		double x;
		if (units_parse_double(s, &x, &why))
			break;
		if (cfg_range(v, p, x, e))
			return -1;
		*(double *)at = x;
		return 0;
	}
	case PARAM_SIZE: {
		uint64_t x;
		if (units_parse_size(s, &x, &why))
			break;
		if (cfg_range(v, p, (double)x, e))
			return -1;
		*(uint64_t *)at = x;
		return 0;
	}
	case PARAM_TIME: {
		sim_time_t x;
		if (units_parse_time(s, &x, &why))
			break;
		if (cfg_range(v, p, (double)x, e))
			return -1;
		*(sim_time_t *)at = x;
		return 0;
	}
	case PARAM_BANDWIDTH: {
		double x;
		if (units_parse_bandwidth(s, &x, &why))
			break;
		if (cfg_range(v, p, x, e))
			return -1;
		*(double *)at = x;
		return 0;
	}
	case PARAM_TRANSFER_RATE: {
		double x;
		if (units_parse_transfer_rate(s, &x, &why))
			break;
		if (cfg_range(v, p, x, e))
			return -1;
		*(double *)at = x;
		return 0;
	}
	case PARAM_FREQ: {
		double x;
		if (units_parse_freq(s, &x, &why))
			break;
		if (cfg_range(v, p, x, e))
			return -1;
		if (units_clock_from_hz(x, (struct sim_clock *)at, &why))
			break;
		return 0;
	}
	case PARAM_STRING:
		*(const char **)at = s;
		return 0;
	case PARAM_ENUM: {
		for (size_t i = 0; p->enum_names && p->enum_names[i]; i++) {
			if (!strcmp(s, p->enum_names[i])) {
				*(int *)at = (int)i;
				return 0;
			}
		}
		char allowed[512];
		return cfg_err(e, v, "%s: unknown value '%s'; allowed: %s", p->name, s,
			       cfg_names_join(p->enum_names, allowed, sizeof(allowed)));
	}
	case PARAM_PATH: {
		char *r = v->owner ? cfg_join_near(v->owner, v->loc.file, s) : NULL;
		*(const char **)at = r ? r : s;
		return 0;
	}
	case PARAM_NODE:
		break;
	}
	return cfg_err(e, v, "%s: bad %s '%s': %s", p->name, param_type_doc(p->type), s,
		       why ? why : "invalid");
}

/* Levenshtein distance, small strings only (keys). */
static size_t cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
			d[i][j] = c < x ? (c < y ? c : y) : (x < y ? x : y);
		}
	return d[la][lb];
}

static bool cfg_in_list(const char *const *list, const char *k)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], k))
			return true;
	return false;
}

int cfg_load_params(const struct cfg_node *node, const struct param_desc *params,
		    const char *const *ignore, void *dst, const char *what, struct iov_err *e)
{
	if (node && node->kind != CFG_MAP && node->kind != CFG_NULL)
		return cfg_err(e, node, "%s must be a map of parameters, not %s", what,
			       cfg_kind_name(node->kind));
	/* Unknown keys first: a typo is the likeliest mistake. */
	for (size_t i = 0; node && node->kind == CFG_MAP && i < node->n; i++) {
		const char *k = node->keys[i];
		if (cfg_in_list(ignore, k))
			continue;
		bool known = false;
		for (const struct param_desc *p = params; p && p->name; p++)
			known |= !strcmp(p->name, k);
		if (known)
			continue;
		char allowed[1024] = "";
		const char *best = NULL;
		size_t bestd = 3;
		for (const struct param_desc *p = params; p && p->name; p++) {
			strncat(allowed, p == params ? "" : ", ", sizeof(allowed) - strlen(allowed) - 1);
			strncat(allowed, p->name, sizeof(allowed) - strlen(allowed) - 1);
			size_t d = cfg_edit_distance(k, p->name);
			if (d < bestd) {
				bestd = d;
				best = p->name;
			}
		}
		char hint[96] = "";
		if (best)
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)", best);
		return cfg_err_key(e, node, i, "unknown key '%s' in %s%s; allowed: %s", k, what, hint,
				   allowed[0] ? allowed : "(none)");
	}
	for (const struct param_desc *p = params; p && p->name; p++) {
		const struct cfg_node *v = cfg_get(node, p->name);
		if (v && v->kind == CFG_NULL && p->type != PARAM_NODE)
			v = NULL;
		if (v) {
			if (cfg_parse_value(v, p, dst, e))
				return -1;
			continue;
		}
		if (!p->def) {
			if (node)
				return cfg_err(e, node, "%s needs '%s' (%s: %s)", what, p->name,
					       param_type_doc(p->type), p->desc);
			return iov_err_set(e, IOV_BAD_INPUT, "%s needs '%s'", what, p->name);
		}
		if (p->type == PARAM_NODE) {
			*(const struct cfg_node **)((char *)dst + p->offset) = NULL;
			continue;
		}
		struct cfg_node dn = { .kind = CFG_SCALAR, .str = p->def,
				       .loc = node ? node->loc : (struct cfg_loc){ 0 } };
		struct iov_err de = { 0 };
		if (cfg_parse_value(&dn, p, dst, &de))
			return iov_err_set(e, IOV_INTERNAL, "default of '%s' in %s is invalid: %s",
					   p->name, what, de.msg);
	}
	return 0;
}

/* ---- plain documents ---- */

struct cfg_doc {
	struct cfg_arena a;
	struct cfg_node *root;
};

struct cfg_doc *cfg_doc_load(const char *path, struct iov_err *e)
{
	struct cfg_doc *d = calloc(1, sizeof(*d));
	if (!d) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		return NULL;
	}
	char *name = cfg_arena_strdup(&d->a, path);
	if (!name || !(d->root = cfg_read_yaml(&d->a, path, name, e))) {
		cfg_doc_free(d);
		return NULL;
	}
	return d;
}

const struct cfg_node *cfg_doc_root(const struct cfg_doc *d)
{
	return d->root;
}

void cfg_doc_free(struct cfg_doc *d)
{
	if (!d)
		return;
	cfg_arena_free(&d->a);
	free(d);
}
