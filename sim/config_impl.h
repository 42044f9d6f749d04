/* config_impl.h - private to config.c and the scenario loader: the arena, YAML reading, error helpers */
#ifndef IOVSIM_CONFIG_IMPL_H
#define IOVSIM_CONFIG_IMPL_H

#include "config.h"

struct cfg_chunk {
	struct cfg_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char mem[];
};

struct cfg_arena {
	struct cfg_chunk *head;
};

void *cfg_arena_alloc(struct cfg_arena *a, size_t n);     /* zeroed */
char *cfg_arena_strdup(struct cfg_arena *a, const char *s);
char *cfg_arena_strndup(struct cfg_arena *a, const char *s, size_t n);
void cfg_arena_free(struct cfg_arena *a);

/* Read a YAML file into a tree in a; file_name (arena-owned) goes into locations. */
struct cfg_node *cfg_read_yaml(struct cfg_arena *a, const char *path, const char *file_name,
			       struct iov_err *e);

/* "a, b, c" from a NULL-terminated list, into buf (truncated to len). */
const char *cfg_names_join(const char *const *names, char *buf, size_t len);

/* A bad-input error located at the i-th key of map (not at its value). */
int cfg_err_key(struct iov_err *e, const struct cfg_node *map, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The scenario's expect: list into s->expects (scenario_expect.c). */
struct scenario;
int scenario_load_expects(struct cfg_arena *a, struct scenario *s, const struct cfg_node *x,
			  struct iov_err *e);

/* The declared parameter whose name is the nl bytes at name, or NULL (scenario.c). */
const struct scenario_param *scen_find_param(const struct scenario *s, const char *name,
					     size_t nl);

/* Replace the conditional groups {when: {PARAM: VALUE}, then: [...]} in the
 * root's components, connections, vms and expect lists by their entries or by
 * nothing, by the parameters' effective values (scenario_when.c). After
 * ${} substitution. Returns 0, or -1 with e set (located, status 2). */
int scenario_expand_when(struct cfg_arena *a, const struct scenario *s, struct cfg_node *root,
			 struct iov_err *e);

#endif
