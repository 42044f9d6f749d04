/* topo_parse.c - the PCIe hierarchy's scenario keys: ACS capabilities and BARs
 *
 * What a switch port, a multi-function device's function or an endpoint says
 * about itself in the scenario ('acs:', 'port_acs:', 'bars:'), turned into the
 * pcie_fn fields enumeration (topo.c) and routing (acs.c) read. Every bad value
 * is a located error. pcie_topo.h has the contracts.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pcie_topo.h"
#include "sim.h"

/* ------------------------------------------------------------- parsing -- */

static const char *const acs_bits[] = { "sv", "tb", "rr", "cr", "uf", "ec", "dt", NULL };

static bool *acs_field(struct pcie_acs *a, size_t i)
{
	bool *f[] = { &a->sv, &a->tb, &a->rr, &a->cr, &a->uf, &a->ec, &a->dt };
	return f[i];
}

static int acs_bit_index(const char *s)
{
	for (int i = 0; acs_bits[i]; i++)
		if (!strcasecmp(s, acs_bits[i]))
			return i;
	return -1;
}

static int acs_bad(struct iov_err *e, const struct cfg_node *n, const char *what)
{
	return cfg_err(e, n, "%s '%s'; acs is 'none', 'all' (SV TB RR CR UF DT, no egress control), a "
			     "list of bits [sv, tb, rr, cr, uf, ec, dt] or a map {rr: true, ..., "
			     "ec_vector: 0x2}", what, n->kind == CFG_SCALAR ? n->str : "?");
}

int pcie_acs_parse(const struct cfg_node *n, bool *has, struct pcie_acs *acs, struct iov_err *e)
{
	memset(acs, 0, sizeof(*acs));
	*has = false;
	if (!n || n->kind == CFG_NULL)
		return 0;
	*has = true;
	if (n->kind == CFG_SCALAR) {
		if (!strcmp(n->str, "none")) {
			*has = false;
			return 0;
		}
		if (!strcmp(n->str, "all")) {
			acs->sv = acs->tb = acs->rr = acs->cr = acs->uf = acs->dt = true;
			return 0;
		}
		int i = acs_bit_index(n->str);
		if (i < 0)
			return acs_bad(e, n, "unknown ACS setting");
		*acs_field(acs, (size_t)i) = true;
		return 0;
	}
	if (n->kind == CFG_SEQ) {
		for (size_t k = 0; k < n->n; k++) {
			const struct cfg_node *it = n->items[k];
			int i = it->kind == CFG_SCALAR ? acs_bit_index(it->str) : -1;
			if (i < 0)
				return acs_bad(e, it, "unknown ACS bit");
			*acs_field(acs, (size_t)i) = true;
		}
		return 0;
	}
	for (size_t k = 0; k < n->n; k++) {
		const struct cfg_node *v = n->items[k];
		if (!strcmp(n->keys[k], "ec_vector")) {
			char *end;
			unsigned long x = v->kind == CFG_SCALAR ? strtoul(v->str, &end, 0) : 0;
			if (v->kind != CFG_SCALAR || *end || x > 0xffffffffu)
				return cfg_err(e, v, "ec_vector must be a 32-bit number (bit j: egress "
						     "to downstream port j blocked)");
			acs->ec_vector = (uint32_t)x;
			continue;
		}
		int i = acs_bit_index(n->keys[k]);
		if (i < 0) {
			struct cfg_node key = { .kind = CFG_SCALAR, .loc = n->key_locs[k],
						.str = n->keys[k] };
			return acs_bad(e, &key, "unknown ACS bit");
		}
		if (v->kind != CFG_SCALAR || (strcmp(v->str, "true") && strcmp(v->str, "false")))
			return cfg_err(e, v, "ACS bit '%s' must be true or false", n->keys[k]);
		*acs_field(acs, (size_t)i) = !strcmp(v->str, "true");
	}
	return 0;
}

int pcie_ports_acs(const struct cfg_node *acs, const struct cfg_node *port_acs,
		   struct pcie_fn *ports, unsigned n, struct iov_err *e)
{
	/* A map-valued parameter has no parsed default: absent means 'all'. */
	static const struct cfg_node acs_all = { .kind = CFG_SCALAR, .str = "all" };
	bool has;
	struct pcie_acs all;
	if (pcie_acs_parse(acs ? acs : &acs_all, &has, &all, e))
		return -1;
	for (unsigned j = 0; j < n; j++) {
		ports[j].has_acs = has;
		ports[j].acs = all;
	}
	const struct cfg_node *pa = port_acs;
	if (pa && !(pa->kind == CFG_SCALAR && !pa->str[0])) {
		if (pa->kind != CFG_SEQ)
			return cfg_err(e, pa, "port_acs must be a list, one entry per port");
		if (pa->n > n)
			return cfg_err(e, pa, "port_acs has %zu entries for %u ports", pa->n, n);
		for (size_t j = 0; j < pa->n; j++)
			if (pa->items[j]->kind != CFG_NULL &&
			    pcie_acs_parse(pa->items[j], &ports[j].has_acs, &ports[j].acs, e))
				return -1;
	}
	for (unsigned j = 0; j < n; j++)
		if (ports[j].has_acs)
			ports[j].caps |= PCIE_CAP_ACS;
	return 0;
}

const char *pcie_acs_str(const struct pcie_acs *a, bool has, char *buf, size_t len)
{
	static const char *const up[] = { "SV", "TB", "RR", "CR", "UF", "EC", "DT" };
	size_t o = 0;
	buf[0] = 0;
	if (has) {
		struct pcie_acs c = *a;
		for (size_t i = 0; i < 7 && o < len; i++)
			if (*acs_field(&c, i))
				o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", up[i]);
		if (a->ec && o < len)
			snprintf(buf + o, len - o, "(0x%x)", a->ec_vector);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

int pcie_bars_parse(const struct cfg_node *n, struct pcie_fn *f, struct iov_err *e)
{
	static const struct param_desc bar_params[] = {
		{ "size", PARAM_SIZE, offsetof(struct pcie_bar, size), NULL, 16, 0x1p48, NULL,
		  "BAR size (a power of two)" },
		{ "addr", PARAM_SIZE, offsetof(struct pcie_bar, addr), "0", 0, 0, NULL,
		  "pinned base address (0: assigned by enumeration)" },
		{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
	};
	f->nbars = 0;
	if (!n || n->kind == CFG_NULL)
		return 0;
	if (n->kind != CFG_SEQ)
		return cfg_err(e, n, "bars must be a list of sizes or {size, addr} maps");
	if (n->n > PCIE_MAX_BARS)
		return cfg_err(e, n, "a function has at most %d BARs", PCIE_MAX_BARS);
	for (size_t i = 0; i < n->n; i++) {
		const struct cfg_node *it = n->items[i];
		struct pcie_bar *b = &f->bars[f->nbars];
		memset(b, 0, sizeof(*b));
		if (it->kind == CFG_MAP) {
			if (cfg_load_params(it, bar_params, NULL, b, "BAR", e))
				return -1;
		} else if (cfg_parse_value(it, &bar_params[0], &b->size, e)) {
			return -1;
		}
		if (!pow2(b->size))
			return cfg_err(e, it, "BAR size must be a power of two (got %llu bytes)",
				       (unsigned long long)b->size);
		b->pinned = b->addr != 0;
		if (b->pinned && (b->addr & (b->size - 1)))
			return cfg_err(e, it, "pinned BAR address 0x%llx is not aligned to its size",
				       (unsigned long long)b->addr);
		b->loc = it->loc;
		f->nbars++;
	}
	return 0;
}
