/* config.h - configuration trees with source locations, and self-describing parameter tables */
#ifndef IOVSIM_CONFIG_H
#define IOVSIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "simtime.h"

/*
 * A YAML file is read once (libfyaml) into this small tree of our own. Every
 * node remembers the file, line and column it came from, so any later check
 * can report "FILE:LINE:COL: error: ...". ${name} references in scalars are
 * already replaced by parameter values when a tree is built from a scenario;
 * a node whose text came from a parameter remembers the parameter's name.
 * Trees are owned by the struct scenario (or cfg_doc) that built them.
 */

enum cfg_kind { CFG_SCALAR, CFG_MAP, CFG_SEQ, CFG_NULL };

struct cfg_loc {
	const char *file;       /* owned by the tree's string pool */
	int line, col;          /* 1-based */
};

struct cfg_node {
	enum cfg_kind kind;
	struct cfg_loc loc;
	const char *param;      /* name of the ${param} substituted into this scalar, or NULL */
	const char *str;        /* CFG_SCALAR: text after substitution */
	size_t n;               /* CFG_MAP / CFG_SEQ: number of entries */
	const char **keys;      /* CFG_MAP: keys[i] */
	struct cfg_loc *key_locs;  /* CFG_MAP: where keys[i] is */
	struct cfg_node **items;   /* CFG_MAP: values[i]; CFG_SEQ: items[i] */
	struct cfg_arena *owner;   /* private: the arena holding this tree (PARAM_PATH) */
	const char *param_value;   /* with param: that parameter's value (default or -p);
				    * NULL for nodes built by hand (cfg_err then shows str) */
};

/* Map lookup; NULL when node is not a map or the key is absent. */
const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key);

/* Report an error located at a node (status IOV_BAD_INPUT; node NULL: no
 * location); if the node's text came from a parameter, the message ends with
 * " (from parameter 'NAME' = 'VALUE')". Returns -1. */
int cfg_err(struct iov_err *e, const struct cfg_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------ */
/* Parameter tables (Ramulator-2 style): each model declares its parameters; */
/* the loader validates them all at load time and fills a plain C struct.    */

enum param_type {
	PARAM_BOOL,             /* int:        true/false */
	PARAM_U64,              /* uint64_t:   count, unitless */
	PARAM_DOUBLE,           /* double:     unitless */
	PARAM_SIZE,             /* uint64_t:   bytes (64, 4KiB) */
	PARAM_TIME,             /* sim_time_t: ps (2.5ns) */
	PARAM_BANDWIDTH,        /* double:     bytes per second (50GB/s, 10Gb/s) */
	PARAM_TRANSFER_RATE,    /* double:     transfers per second (8GT/s) */
	PARAM_FREQ,             /* struct sim_clock: from a frequency (1GHz) */
	PARAM_STRING,           /* const char *: points into the tree, lives as long as it */
	PARAM_ENUM,             /* int:        index into enum_names */
	PARAM_PATH,             /* const char *: path resolved against the file that named it (tree-owned) */
	PARAM_NODE,             /* const struct cfg_node *: raw subtree, the model checks it itself */
};

struct param_desc {
	const char *name;
	enum param_type type;
	size_t offset;                  /* offsetof(struct my_params, field) */
	const char *def;                /* default as text, parsed like user input; NULL = required */
	double min, max;                /* inclusive range in the type's base unit (bytes, ps, B/s,
					 * Hz...); min == max == 0 means unchecked */
	const char *const *enum_names;  /* PARAM_ENUM: NULL-terminated */
	const char *desc;               /* one line for docs and --list-models */
};

/*
 * Fill dst from the map 'node' according to 'params' (terminated by an entry
 * with name == NULL). Keys in 'ignore' (NULL-terminated, may be NULL) are
 * skipped; any other key not in the table is an error naming the allowed keys.
 * Missing keys take their defaults (parsed like user text); a missing required
 * key is an error located at the map. Wrong type, bad unit or out-of-range
 * values are errors located at the value, saying what is allowed.
 * what = a phrase for messages, e.g. "memory 'mem0'". Returns 0 or -1 (e set, status 2).
 */
int cfg_load_params(const struct cfg_node *node, const struct param_desc *params,
		    const char *const *ignore, void *dst, const char *what, struct iov_err *e);

/* Parse one scalar as a given type into dst (same rules as cfg_load_params). */
int cfg_parse_value(const struct cfg_node *value, const struct param_desc *p, void *dst,
		    struct iov_err *e);

/* "size (bytes, e.g. 4KiB)" etc.: human name of a type for docs and messages. */
const char *param_type_doc(enum param_type t);

/* ------------------------------------------------------------------------ */
/* Scenarios                                                                 */

struct scenario_param {
	const char *name;
	const char *value;      /* effective value (default or override) */
	const char *def;        /* default from the file */
	bool overridden;        /* set by -p */
	struct cfg_loc loc;
};

struct scenario_component {
	const char *name;
	const char *type;
	const struct cfg_node *node;    /* merged map: profile fields overridden by the scenario's */
	struct cfg_loc loc;             /* where the component is declared */
};

struct scenario_connection {
	const char *a_comp, *a_port;    /* "nic0.up" split at the last '.' */
	const char *b_comp, *b_port;
	struct cfg_loc loc;
};

struct scenario_expect {
	const char *stat;               /* dotted stats path, e.g. "dma.latency_ns.p50" */
	bool has_eq, has_min, has_max, has_approx;
	double eq, min, max, approx;
	double tol;                     /* relative tolerance for approx (default 0.05) */
	struct cfg_loc loc;
};

struct scenario {
	const char *file;
	const char *name;               /* 'name:' or the file's base name without .yaml */
	const char *description;
	uint64_t seed;                  /* 'seed:' (default 1); --seed overrides */
	sim_time_t duration;            /* 'duration:'; 0 = run until no events remain */
	const struct cfg_node *root;

	size_t nparams;
	struct scenario_param *params;
	size_t ncomponents;
	struct scenario_component *components;
	size_t nconnections;
	struct scenario_connection *connections;
	size_t nexpects;
	struct scenario_expect *expects;

	void *priv;                     /* loader-owned storage */
};

struct param_override {
	const char *name;
	const char *value;
};

/*
 * Load and check a scenario file: YAML syntax, top-level keys, params and
 * ${references} (unknown reference, unknown -p name: errors), profiles
 * ('profile: NAME' in a component pulls configs/NAME.yaml; the component's own
 * keys override the profile's), duplicate component names, connection syntax
 * and expect entries. It does NOT check component types or their parameters:
 * that needs the model registry (sim_build does it).
 * config_dirs: NULL-terminated list of directories searched for profiles, in
 * order, after the directories named by the scenario's own 'configs:' key;
 * may be NULL.
 * Returns 0 and *out, or -1 with e set (status IOV_BAD_INPUT for bad input).
 */
int scenario_load(const char *path, const struct param_override *ovr, size_t novr,
		  const char *const *config_dirs, struct scenario **out, struct iov_err *e);

void scenario_free(struct scenario *s);

/* Read any YAML file into a cfg tree without scenario processing (no params). */
struct cfg_doc;
struct cfg_doc *cfg_doc_load(const char *path, struct iov_err *e);
const struct cfg_node *cfg_doc_root(const struct cfg_doc *d);
void cfg_doc_free(struct cfg_doc *d);

#endif
