/* scenario.c - loading a scenario: params and ${references}, profiles and platforms, components,
 * connections (expect: is read by scenario_expect.c) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_impl.h"
#include "units.h"

#define SCEN_MAX_DIRS 32
#define SCEN_MAX_PROFILE_DEPTH 8

struct scen_priv {
	struct cfg_arena a;
	const char *dirs[SCEN_MAX_DIRS + 1];    /* profile search path */
	size_t ndirs;
};

static const char *const scen_top_keys[] = { "name", "description", "seed", "duration", "configs",
					     "params", "platform", "components", "connections",
					     "expect", "vms", NULL };

static bool scen_ident(const char *s, bool dash)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || (dash && *s == '-')))
			return false;
	return true;
}

/* ---- ${param} substitution ---- */

const struct scenario_param *scen_find_param(const struct scenario *s, const char *name,
					     size_t nl)
{
	for (size_t i = 0; i < s->nparams; i++)
		if (strlen(s->params[i].name) == nl && !strncmp(s->params[i].name, name, nl))
			return &s->params[i];
	return NULL;
}

/* The length of n->str after substitution, or -1 with e set for a bad reference. */
static int scen_subst_len(const struct scenario *s, const struct cfg_node *n, size_t *out,
			  struct iov_err *e)
{
	const char *in = n->str;
	size_t len = 0;
	for (const char *p = in; *p;) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			len += 2;
			p += 3;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			if (!end)
				return cfg_err(e, n, "unterminated ${ in '%s'; write ${name}", in);
			size_t nl = (size_t)(end - p - 2);
			const struct scenario_param *sp = scen_find_param(s, p + 2, nl);
			if (!sp) {
				char declared[512] = "";
				for (size_t i = 0; i < s->nparams; i++) {
					strncat(declared, i ? ", " : "", sizeof(declared) - strlen(declared) - 1);
					strncat(declared, s->params[i].name, sizeof(declared) - strlen(declared) - 1);
				}
				return cfg_err(e, n, "unknown parameter '%.*s' in '%s'; declared under params: %s",
					       (int)nl, p + 2, in, declared[0] ? declared : "(none)");
			}
			len += strlen(sp->value);
			p = end + 1;
		} else {
			len++;
			p++;
		}
	}
	*out = len;
	return 0;
}

/* Replace ${name} in a scalar by the parameter's value ($${ -> ${). The node
 * remembers the first parameter it used, for cfg_err. */
static int scen_subst_scalar(struct scen_priv *pv, struct scenario *s, struct cfg_node *n,
			     struct iov_err *e)
{
	const char *in = n->str;
	size_t cap;
	if (!strchr(in, '$'))
		return 0;
	if (scen_subst_len(s, n, &cap, e))
		return -1;
	char *out = cfg_arena_alloc(&pv->a, cap + 1);
	if (!out)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	size_t len = 0;
	for (const char *p = in; *p;) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			out[len++] = '$';
			out[len++] = '{';
			p += 3;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			const struct scenario_param *sp = scen_find_param(s, p + 2,
									  (size_t)(end - p - 2));
			size_t vl = strlen(sp->value);
			memcpy(out + len, sp->value, vl);
			len += vl;
			if (!n->param) {
				n->param = sp->name;
				n->param_value = sp->value;
			}
			p = end + 1;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	n->str = out;
	return 0;
}

static int scen_subst(struct scen_priv *pv, struct scenario *s, struct cfg_node *n,
		      struct iov_err *e)
{
	if (!n)
		return 0;
	if (n->kind == CFG_SCALAR)
		return scen_subst_scalar(pv, s, n, e);
	for (size_t i = 0; (n->kind == CFG_MAP || n->kind == CFG_SEQ) && i < n->n; i++)
		if (scen_subst(pv, s, n->items[i], e))
			return -1;
	return 0;
}

/* ---- params ---- */

static int scen_params(struct scen_priv *pv, struct scenario *s, const struct cfg_node *pm,
		       const struct param_override *ovr, size_t novr, struct iov_err *e)
{
	if (pm && pm->kind != CFG_MAP && pm->kind != CFG_NULL)
		return cfg_err(e, pm, "params must be a map of name: default value");
	size_t n = pm && pm->kind == CFG_MAP ? pm->n : 0;
	s->params = cfg_arena_alloc(&pv->a, (n ? n : 1) * sizeof(*s->params));
	if (!s->params)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *k = pm->keys[i];
		const struct cfg_node *v = pm->items[i];
		if (!scen_ident(k, false))
			return cfg_err_key(e, pm, i, "bad parameter name '%s'%s; use letters, digits and _",
					    k, "");
		if (v->kind != CFG_SCALAR)
			return cfg_err(e, v, "default of parameter '%s' must be a single value", k);
		struct scenario_param *sp = &s->params[s->nparams++];
		sp->name = k;
		sp->def = sp->value = v->str;
		sp->loc = pm->key_locs[i];
	}
	for (size_t j = 0; j < novr; j++) {
		struct scenario_param *sp = NULL;
		for (size_t i = 0; i < s->nparams; i++)
			if (!strcmp(s->params[i].name, ovr[j].name))
				sp = &s->params[i];
		if (!sp) {
			char declared[512] = "";
			for (size_t i = 0; i < s->nparams; i++) {
				strncat(declared, i ? ", " : "", sizeof(declared) - strlen(declared) - 1);
				strncat(declared, s->params[i].name, sizeof(declared) - strlen(declared) - 1);
			}
			return iov_err_at(e, IOV_BAD_INPUT, s->file, 0, 0,
					  "unknown parameter '%s' (-p %s=%s); the scenario declares: %s",
					  ovr[j].name, ovr[j].name, ovr[j].value,
					  declared[0] ? declared : "(none)");
		}
		sp->value = cfg_arena_strdup(&pv->a, ovr[j].value);
		sp->overridden = true;
		if (!sp->value)
			return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	return 0;
}

/* ---- profiles ---- */

static bool scen_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int scen_add_dir(struct scen_priv *pv, const char *d)
{
	for (size_t i = 0; i < pv->ndirs; i++)
		if (!strcmp(pv->dirs[i], d))
			return 0;
	if (pv->ndirs < SCEN_MAX_DIRS)
		pv->dirs[pv->ndirs++] = d;
	return 0;
}

static int scen_search_path(struct scen_priv *pv, struct scenario *s, const struct cfg_node *cd,
			    const char *const *config_dirs, struct iov_err *e)
{
	const char *slash = strrchr(s->file, '/');
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - s->file) : 1, slash ? s->file : ".");
	if (cd) {
		if (cd->kind != CFG_SEQ)
			return cfg_err(e, cd, "configs must be a list of directories");
		for (size_t i = 0; i < cd->n; i++) {
			const struct cfg_node *it = cd->items[i];
			if (it->kind != CFG_SCALAR)
				return cfg_err(e, it, "configs entries must be directory paths");
			char *p = cfg_arena_alloc(&pv->a, strlen(dir) + strlen(it->str) + 2);
			if (!p)
				return iov_err_set(e, IOV_INTERNAL, "out of memory");
			if (it->str[0] == '/')
				strcpy(p, it->str);
			else
				sprintf(p, "%s/%s", dir, it->str);
			scen_add_dir(pv, p);
		}
	}
	for (size_t i = 0; config_dirs && config_dirs[i]; i++)
		scen_add_dir(pv, config_dirs[i]);
	/* Ancestors of the scenario's directory that hold a configs/ directory. */
	char cur[PATH_MAX];
	if (!realpath(dir, cur))
		snprintf(cur, sizeof(cur), "%s", dir);
	for (;;) {
		char cand[PATH_MAX + 16];
		snprintf(cand, sizeof(cand), "%s/configs", cur);
		if (scen_is_dir(cand)) {
			char *p = cfg_arena_strdup(&pv->a, cand);
			if (!p)
				return iov_err_set(e, IOV_INTERNAL, "out of memory");
			scen_add_dir(pv, p);
		}
		char *sl = strrchr(cur, '/');
		if (!sl || sl == cur)
			break;
		*sl = '\0';
	}
	return 0;
}

/* Load <dir>/<name>.yaml from the search path; error located at 'at'. */
static struct cfg_node *scen_load_profile(struct scen_priv *pv, const char *kind_dir,
					  const struct cfg_node *at, struct iov_err *e)
{
	const char *name = at->str;
	if (strstr(name, "..") || name[0] == '/') {
		cfg_err(e, at, "profile name '%s' must be relative, without '..'", name);
		return NULL;
	}
	char tried[1024] = "";
	for (size_t i = 0; i < pv->ndirs; i++) {
		char p[PATH_MAX + 64];
		snprintf(p, sizeof(p), "%s/%s%s.yaml", pv->dirs[i], kind_dir, name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			char *fn = cfg_arena_strdup(&pv->a, p);
			if (!fn) {
				iov_err_set(e, IOV_INTERNAL, "out of memory");
				return NULL;
			}
			struct cfg_node *r = cfg_read_yaml(&pv->a, p, fn, e);
			if (r && r->kind != CFG_MAP) {
				cfg_err(e, r, "a profile must be a map");
				return NULL;
			}
			return r;
		}
		strncat(tried, i ? ", " : "", sizeof(tried) - strlen(tried) - 1);
		strncat(tried, pv->dirs[i], sizeof(tried) - strlen(tried) - 1);
	}
	cfg_err(e, at, "no profile '%s%s' (looked for %s%s.yaml in: %s)", kind_dir, name, kind_dir,
		name, tried[0] ? tried : "no configs/ directory found");
	return NULL;
}

/* A new map: base's entries overridden by top's (key by key), then top's new keys. */
static struct cfg_node *scen_merge(struct scen_priv *pv, const struct cfg_node *base,
				   const struct cfg_node *top, struct iov_err *e)
{
	struct cfg_node *m = cfg_arena_alloc(&pv->a, sizeof(*m));
	size_t cap = base->n + top->n;
	if (!m)
		goto oom;
	*m = *top;
	m->n = 0;
	m->items = cfg_arena_alloc(&pv->a, (cap ? cap : 1) * sizeof(*m->items));
	m->keys = cfg_arena_alloc(&pv->a, (cap ? cap : 1) * sizeof(*m->keys));
	m->key_locs = cfg_arena_alloc(&pv->a, (cap ? cap : 1) * sizeof(*m->key_locs));
	if (!m->items || !m->keys || !m->key_locs)
		goto oom;
	for (size_t i = 0; i < base->n; i++) {
		size_t j;
		for (j = 0; j < top->n && strcmp(top->keys[j], base->keys[i]); j++)
			;
		bool over = j < top->n;
		m->keys[m->n] = base->keys[i];
		m->key_locs[m->n] = over ? top->key_locs[j] : base->key_locs[i];
		m->items[m->n++] = over ? top->items[j] : base->items[i];
	}
	for (size_t j = 0; j < top->n; j++) {
		if (cfg_get(base, top->keys[j]))
			continue;
		m->keys[m->n] = top->keys[j];
		m->key_locs[m->n] = top->key_locs[j];
		m->items[m->n++] = top->items[j];
	}
	return m;
oom:
	iov_err_set(e, IOV_INTERNAL, "out of memory");
	return NULL;
}

/* Resolve a component's profile chain into one merged map (profile keys dropped). */
static struct cfg_node *scen_resolve_profiles(struct scen_priv *pv, struct scenario *s,
					      struct cfg_node *c, int depth, const char **chain,
					      struct iov_err *e)
{
	struct cfg_node *pn = (struct cfg_node *)cfg_get(c, "profile");
	if (!pn)
		return c;
	if (pn->kind != CFG_SCALAR)
		return cfg_err(e, pn, "profile must be a name like devices/generic-dma"), NULL;
	for (int i = 0; i < depth; i++)
		if (!strcmp(chain[i], pn->str))
			return cfg_err(e, pn, "profile cycle: '%s' includes itself", pn->str), NULL;
	if (depth >= SCEN_MAX_PROFILE_DEPTH)
		return cfg_err(e, pn, "profiles nested deeper than %d", SCEN_MAX_PROFILE_DEPTH), NULL;
	chain[depth] = pn->str;
	struct cfg_node *prof = scen_load_profile(pv, "", pn, e);
	if (!prof || scen_subst(pv, s, prof, e))
		return NULL;
	struct cfg_node *base = scen_resolve_profiles(pv, s, prof, depth + 1, chain, e);
	if (!base)
		return NULL;
	struct cfg_node *m = scen_merge(pv, base, c, e);
	if (!m)
		return NULL;
	/* The merged map keeps no 'profile' key: the model never sees it. */
	size_t o = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->keys[i], "profile"))
			continue;
		m->keys[o] = m->keys[i];
		m->key_locs[o] = m->key_locs[i];
		m->items[o++] = m->items[i];
	}
	m->n = o;
	return m;
}

/* ---- components and connections ---- */

struct scen_comp_list {
	struct cfg_node **maps;
	bool *from_platform;            /* a scenario entry of the same name merges over it */
	size_t n, cap;
};

static int scen_collect(struct scen_priv *pv, struct scen_comp_list *l, const struct cfg_node *seq,
			bool from_platform, struct iov_err *e)
{
	if (!seq || seq->kind == CFG_NULL)
		return 0;
	if (seq->kind != CFG_SEQ)
		return cfg_err(e, seq, "components must be a list of maps (- name: ..., type: ...)");
	for (size_t i = 0; i < seq->n; i++) {
		struct cfg_node *c = seq->items[i];
		if (c->kind != CFG_MAP)
			return cfg_err(e, c, "a component must be a map with name and type");
		const struct cfg_node *nm = cfg_get(c, "name");
		if (!nm || nm->kind != CFG_SCALAR)
			return cfg_err(e, nm ? nm : c, "a component needs a name");
		if (!scen_ident(nm->str, true))
			return cfg_err(e, nm, "bad component name '%s'; use letters, digits, _ and -",
				       nm->str);
		size_t j;
		for (j = 0; j < l->n; j++)
			if (!strcmp(cfg_get(l->maps[j], "name")->str, nm->str))
				break;
		if (j < l->n) {
			const struct cfg_node *first = cfg_get(l->maps[j], "name");
			if (!from_platform && l->from_platform[j]) {
				/* Overrides a platform component: merge over it. */
				struct cfg_node *m = scen_merge(pv, l->maps[j], c, e);
				if (!m)
					return -1;
				l->maps[j] = m;
				l->from_platform[j] = false;
				continue;
			}
			return cfg_err(e, nm, "duplicate component name '%s' (first at %s:%d:%d)",
				       nm->str, first->loc.file, first->loc.line, first->loc.col);
		}
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 16;
			struct cfg_node **nmaps = realloc(l->maps, l->cap * sizeof(*nmaps));
			if (!nmaps)
				return iov_err_set(e, IOV_INTERNAL, "out of memory");
			l->maps = nmaps;
			bool *nf = realloc(l->from_platform, l->cap * sizeof(*nf));
			if (!nf)
				return iov_err_set(e, IOV_INTERNAL, "out of memory");
			l->from_platform = nf;
		}
		l->from_platform[l->n] = from_platform;
		l->maps[l->n++] = c;
	}
	return 0;
}

static int scen_components(struct scen_priv *pv, struct scenario *s, const struct cfg_node *plat,
			   const struct cfg_node *comps, struct iov_err *e)
{
	struct scen_comp_list l = { 0 };
	int r = -1;
	if (!comps && !plat) {
		iov_err_at(e, IOV_BAD_INPUT, s->file, 1, 1, "no components: add a components: list");
		goto out;
	}
	if (scen_collect(pv, &l, plat ? cfg_get(plat, "components") : NULL, true, e) ||
	    scen_collect(pv, &l, comps, false, e))
		goto out;
	if (!l.n) {
		cfg_err(e, comps ? comps : plat, "no components: the components: list is empty");
		goto out;
	}
	s->components = cfg_arena_alloc(&pv->a, (l.n ? l.n : 1) * sizeof(*s->components));
	if (!s->components) {
		iov_err_set(e, IOV_INTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct cfg_node *c = l.maps[i];
		const char *chain[SCEN_MAX_PROFILE_DEPTH + 1];
		struct cfg_node *m = scen_resolve_profiles(pv, s, c, 0, chain, e);
		if (!m)
			goto out;
		const struct cfg_node *nm = cfg_get(m, "name"), *ty = cfg_get(m, "type");
		if (!ty || ty->kind != CFG_SCALAR) {
			cfg_err(e, ty ? ty : nm, "component '%s' needs a type (see iovsim --list-models)",
				nm->str);
			goto out;
		}
		struct scenario_component *sc = &s->components[s->ncomponents++];
		sc->name = nm->str;
		sc->type = ty->str;
		sc->node = m;
		sc->loc = nm->loc;
	}
	r = 0;
out:
	free(l.maps);
	free(l.from_platform);
	return r;
}

static int scen_split_port(struct scen_priv *pv, const struct scenario *s, const struct cfg_node *n,
			   const char **comp, const char **port, struct iov_err *e)
{
	if (n->kind != CFG_SCALAR)
		return cfg_err(e, n, "a connection end must be 'component.port'");
	const char *dot = strrchr(n->str, '.');
	if (!dot || dot == n->str || !dot[1])
		return cfg_err(e, n, "'%s' is not 'component.port'", n->str);
	*comp = cfg_arena_strndup(&pv->a, n->str, (size_t)(dot - n->str));
	*port = dot + 1;
	if (!*comp)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < s->ncomponents; i++)
		if (!strcmp(s->components[i].name, *comp))
			return 0;
	return cfg_err(e, n, "connection names unknown component '%s'", *comp);
}

static int scen_connections(struct scen_priv *pv, struct scenario *s, const struct cfg_node *a,
			    const struct cfg_node *b, struct iov_err *e)
{
	const struct cfg_node *lists[2] = { a, b };
	size_t total = 0;
	for (int k = 0; k < 2; k++) {
		if (!lists[k] || lists[k]->kind == CFG_NULL)
			continue;
		if (lists[k]->kind != CFG_SEQ)
			return cfg_err(e, lists[k], "connections must be a list of [a.port, b.port] pairs");
		total += lists[k]->n;
	}
	s->connections = cfg_arena_alloc(&pv->a, (total ? total : 1) * sizeof(*s->connections));
	if (!s->connections)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; lists[k] && lists[k]->kind == CFG_SEQ && i < lists[k]->n; i++) {
			const struct cfg_node *c = lists[k]->items[i];
			if (c->kind != CFG_SEQ || c->n != 2)
				return cfg_err(e, c, "a connection is a pair: [component.port, component.port]");
			struct scenario_connection *sc = &s->connections[s->nconnections++];
			sc->loc = c->loc;
			if (scen_split_port(pv, s, c->items[0], &sc->a_comp, &sc->a_port, e) ||
			    scen_split_port(pv, s, c->items[1], &sc->b_comp, &sc->b_port, e))
				return -1;
		}
	}
	return 0;
}

/* ---- top level ---- */

static int scen_top(struct scen_priv *pv, struct scenario *s, struct cfg_node *root,
		    const struct param_override *ovr, size_t novr, const char *const *config_dirs,
		    struct iov_err *e)
{
	char allowed[256];
	if (root->kind != CFG_MAP)
		return cfg_err(e, root, "a scenario must be a map with components: (and name, params, ...)");
	for (size_t i = 0; i < root->n; i++) {
		bool ok = false;
		for (size_t k = 0; scen_top_keys[k]; k++)
			ok |= !strcmp(root->keys[i], scen_top_keys[k]);
		if (!ok)
			return cfg_err_key(e, root, i, "unknown top-level key '%s'; allowed: %s",
					    root->keys[i], cfg_names_join(scen_top_keys, allowed, sizeof(allowed)));
	}
	if (scen_params(pv, s, cfg_get(root, "params"), ovr, novr, e))
		return -1;
	for (size_t i = 0; i < root->n; i++)
		if (strcmp(root->keys[i], "params") && scen_subst(pv, s, root->items[i], e))
			return -1;
	if (scenario_expand_when(&pv->a, s, root, e))
		return -1;

	const struct cfg_node *n;
	if ((n = cfg_get(root, "name"))) {
		if (n->kind != CFG_SCALAR || !scen_ident(n->str, true))
			return cfg_err(e, n, "name must be letters, digits, _ and - (it names out/<name>/)");
		s->name = n->str;
	}
	if ((n = cfg_get(root, "description")) && n->kind != CFG_NULL) {
		if (n->kind != CFG_SCALAR)
			return cfg_err(e, n, "description must be a single value (text), not a map "
				       "or list");
		s->description = n->str;
	}
	s->seed = 1;
	static const struct param_desc top_params[] = {
		{ "seed", PARAM_U64, offsetof(struct scenario, seed), "1", 0, 0, NULL, "run seed" },
		{ "duration", PARAM_TIME, offsetof(struct scenario, duration), "0ps", 0, 0, NULL,
		  "simulated time limit" },
		{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
	};
	for (const struct param_desc *p = top_params; p->name; p++)
		if ((n = cfg_get(root, p->name)) && cfg_parse_value(n, p, s, e))
			return -1;
	if (scen_search_path(pv, s, cfg_get(root, "configs"), config_dirs, e))
		return -1;
	struct cfg_node *plat = NULL;
	if ((n = cfg_get(root, "platform"))) {
		if (n->kind != CFG_SCALAR)
			return cfg_err(e, n, "platform must be a name like xeon-e5-2630v4");
		if (!(plat = scen_load_profile(pv, "platforms/", n, e)) || scen_subst(pv, s, plat, e))
			return -1;
		for (size_t i = 0; i < plat->n; i++)
			if (strcmp(plat->keys[i], "components") && strcmp(plat->keys[i], "connections"))
				return cfg_err_key(e, plat, i, "unknown key '%s' in a platform%s; allowed: "
						    "components, connections", plat->keys[i], "");
	}
	if (scen_components(pv, s, plat, cfg_get(root, "components"), e) ||
	    scen_connections(pv, s, plat ? cfg_get(plat, "connections") : NULL,
			     cfg_get(root, "connections"), e) ||
	    scenario_load_expects(&pv->a, s, cfg_get(root, "expect"), e))
		return -1;
	return 0;
}

int scenario_load(const char *path, const struct param_override *ovr, size_t novr,
		  const char *const *config_dirs, struct scenario **out, struct iov_err *e)
{
	*out = NULL;
	struct scenario *s = calloc(1, sizeof(*s));
	struct scen_priv *pv = calloc(1, sizeof(*pv));
	if (!s || !pv) {
		free(s);
		free(pv);
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	s->priv = pv;
	s->file = cfg_arena_strdup(&pv->a, path);
	if (!s->file) {
		scenario_free(s);
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	}
	/* Default name: the file's base name without .yaml/.yml. */
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t bl = strlen(base);
	if (bl > 5 && !strcmp(base + bl - 5, ".yaml"))
		bl -= 5;
	else if (bl > 4 && !strcmp(base + bl - 4, ".yml"))
		bl -= 4;
	s->name = cfg_arena_strndup(&pv->a, base, bl);
	struct cfg_node *root = cfg_read_yaml(&pv->a, path, s->file, e);
	if (!root || scen_top(pv, s, root, ovr, novr, config_dirs, e)) {
		scenario_free(s);
		return -1;
	}
	s->root = root;
	*out = s;
	return 0;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	struct scen_priv *pv = s->priv;
	if (pv) {
		cfg_arena_free(&pv->a);
		free(pv);
	}
	free(s);
}
