/* nic_sriov.c - the NIC's PF driver model: VF resources (queues, vectors, MAC, VLAN, rate) and the PF<->VF mailbox
 *
 * The VFs themselves (capability registers, routing IDs, VF BARs, names
 * <nic>.vf<n>) come from models/pcie/sriov.h: the boot-time PF driver enables
 * 'sriov: {num_vfs}' of them at enumeration. At elaboration this file gives
 * each VF its resources from the device's pools: 'vf_queue_pairs' TX/RX queue
 * pairs (or its 'vf_config' entry's), one MSI-X vector per queue, a MAC
 * (mac_base + n unless set), a VLAN and an optional TX rate limit. A request
 * beyond the device - more queue pairs than 'total_queue_pairs', vectors
 * than 'total_vectors' (the PF's count too), or a duplicate MAC - is refused
 * with a located error. (More VFs than TotalVFs is refused by sriov.c.)
 *
 * Mailbox: 'mailbox:' lists VF requests {at, vf, op: set_mac | set_vlan,
 * value}. Each reaches the PF driver and is answered 'mbx_latency' later
 * (the doorbell/interrupt round trip and the PF driver's work, an
 * assumption); policy 'mbx_policy': trust (accept all), strict (refuse a
 * MAC or VLAN change of a VF whose MAC or VLAN the administrator set in
 * vf_config, unless the entry says trusted: true, as Linux's 'ip link set vf
 * N trust'), deny (refuse all). Accepted changes take effect at the answer;
 * the embedded switch looks MACs up then.
 *
 * Not modelled: the mailbox's registers and its interrupts (a latency), VF
 * multicast lists, spoof checking. (VF FLR: nic_flr.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "nic_impl.h"

struct vf_cfg {
	uint64_t vf, queue_pairs, vlan;
	const char *mac;
	double rate;
	int trusted;
};

#define VC(f) offsetof(struct vf_cfg, f)
static const struct param_desc vf_cfg_desc[] = {
	{ "vf", PARAM_U64, VC(vf), NULL, 1, 256, NULL, "the VF (1-based)" },
	{ "queue_pairs", PARAM_U64, VC(queue_pairs), "0", 0, NIC_MAX_QP, NULL,
	  "its TX/RX queue pairs (0: vf_queue_pairs)" },
	{ "mac", PARAM_STRING, VC(mac), "", 0, 0, NULL,
	  "its MAC aa:bb:cc:dd:ee:ff (set by the administrator; default mac_base + vf)" },
	{ "vlan", PARAM_U64, VC(vlan), "0", 0, 4095, NULL,
	  "its port VLAN (0: none; set by the administrator if not 0)" },
	{ "rate", PARAM_BANDWIDTH, VC(rate), "0B/s", 0, 1e13, NULL, "TX rate limit (0: none)" },
	{ "trusted", PARAM_BOOL, VC(trusted), "false", 0, 0, NULL,
	  "mailbox requests to change what the administrator set are accepted" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

struct mbx_req {
	sim_time_t at;
	uint64_t vf;
	int op;
	const char *value;
};

static const char *const mbx_ops[] = { "set_mac", "set_vlan", NULL };

#define MR(f) offsetof(struct mbx_req, f)
static const struct param_desc mbx_desc[] = {
	{ "at", PARAM_TIME, MR(at), NULL, 0, 0, NULL, "when the VF's driver asks" },
	{ "vf", PARAM_U64, MR(vf), NULL, 1, 256, NULL, "the VF asking (1-based)" },
	{ "op", PARAM_ENUM, MR(op), NULL, 0, 0, mbx_ops, "set_mac or set_vlan" },
	{ "value", PARAM_STRING, MR(value), NULL, 0, 0, NULL, "the MAC, or the VLAN id" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* "aa:bb:cc:dd:ee:ff" -> 48 bits; -1 if malformed. */
static int mac_parse(const char *s, uint64_t *out)
{
	uint64_t m = 0;
	for (int i = 0; i < 6; i++) {
		int hi, lo;
		const char *c = s + 3 * i;
#define HEX(ch) ((ch) >= '0' && (ch) <= '9' ? (ch) - '0' : (ch) >= 'a' && (ch) <= 'f' ? \
		 (ch) - 'a' + 10 : (ch) >= 'A' && (ch) <= 'F' ? (ch) - 'A' + 10 : -1)
		hi = HEX(c[0]);
		lo = hi < 0 ? -1 : HEX(c[1]);
#undef HEX
		if (lo < 0 || (i < 5 ? c[2] != ':' : c[2] != '\0'))
			return -1;
		m = m << 8 | (uint64_t)(hi << 4 | lo);
	}
	*out = m;
	return 0;
}

/* The vf_config entry of VF v, or NULL. */
static const struct cfg_node *vf_entry(const struct nic *n, unsigned v, struct vf_cfg *c,
				       struct iov_err *e, int *err)
{
	const struct cfg_node *l = n->p.vf_config;
	*err = 0;
	if (!l || l->kind != CFG_SEQ)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct cfg_node *vn = cfg_get(l->items[i], "vf");
		if (!vn || vn->kind != CFG_SCALAR || strtoull(vn->str, NULL, 0) != v)
			continue;
		memset(c, 0, sizeof(*c));
		if (cfg_load_params(l->items[i], vf_cfg_desc, NULL, c, "vf_config entry", e))
			*err = -1;
		return l->items[i];
	}
	return NULL;
}

static int vf_config_check(struct nic *n, unsigned nvfs, struct iov_err *e)
{
	const struct cfg_node *l = n->p.vf_config;
	if (!l || (l->kind == CFG_SCALAR && !l->str[0]))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "vf_config must be a list of {vf, queue_pairs, mac, vlan, rate, "
			       "trusted}");
	bool seen[NIC_MAX_FNS] = { false };
	for (size_t i = 0; i < l->n; i++) {
		struct vf_cfg c;
		memset(&c, 0, sizeof(c));
		if (cfg_load_params(l->items[i], vf_cfg_desc, NULL, &c, "vf_config entry", e))
			return -1;
		if (c.vf > nvfs)
			return cfg_err(e, cfg_get(l->items[i], "vf"), "%s: vf_config for VF %llu, but "
				       "%u VFs are enabled (sriov: num_vfs)", n->c.name,
				       (unsigned long long)c.vf, nvfs);
		if (seen[c.vf])         /* vf_entry would use the first only */
			return cfg_err(e, cfg_get(l->items[i], "vf"), "%s: second vf_config entry for "
				       "VF %llu", n->c.name, (unsigned long long)c.vf);
		seen[c.vf] = true;
	}
	return 0;
}

/* VF v's function: resources from the pools (*qp_left, *vec_left). */
static int vf_setup(struct nic *n, unsigned v, uint64_t *qp_left, uint64_t *vec_left,
		    struct iov_err *e)
{
	struct nic_fn *f = &n->fns[v];
	struct vf_cfg c = { 0 };
	int err;
	const struct cfg_node *at = vf_entry(n, v, &c, e, &err);
	if (err)
		return -1;
	f->idx = (uint16_t)v;
	f->pfn = sriov_vf(n->ep.sriov, v);
	f->name = f->pfn->name;
	snprintf(f->key, sizeof(f->key), "vf%u", v);
	f->nqp = (unsigned)(at && c.queue_pairs ? c.queue_pairs : n->p.vf_queue_pairs);
	const struct cfg_node *loc = at ? at : nic_loc(n, "vf_queue_pairs");
	if (f->nqp > *qp_left)
		return cfg_err(e, loc, "%s: VF %u asks for %u queue pairs; the device has %llu "
			       "(total_queue_pairs), %llu left after the PF and VFs 1..%u", n->c.name,
			       v, f->nqp, (unsigned long long)n->p.total_queue_pairs,
			       (unsigned long long)*qp_left, v - 1);
	if (2 * f->nqp > *vec_left)
		return cfg_err(e, loc, "%s: VF %u needs %u MSI-X vectors (one per queue); the "
			       "device has %llu (total_vectors), %llu left after the PF and VFs "
			       "1..%u", n->c.name, v, 2 * f->nqp,
			       (unsigned long long)n->p.total_vectors, (unsigned long long)*vec_left,
			       v - 1);
	*qp_left -= f->nqp;
	*vec_left -= 2 * f->nqp;
	f->mac = n->p.mac_base + v;
	if (at && c.mac[0]) {
		if (mac_parse(c.mac, &f->mac))
			return cfg_err(e, cfg_get(at, "mac"), "bad MAC '%s'; write aa:bb:cc:dd:ee:ff",
				       c.mac);
		f->admin_mac = true;
	}
	f->vlan = (uint16_t)c.vlan;
	f->admin_vlan = c.vlan != 0;
	f->trusted = c.trusted != 0;
	if (c.rate > 0)
		f->bucket = (struct nic_bucket){ .rate = c.rate, .tokens = 0,
						 .burst = (double)n->p.buf_size + c.rate * 1e-5 };
	for (unsigned k = 0; k < v; k++)
		if (n->fns[k].mac == f->mac)
			return cfg_err(e, at ? cfg_get(at, "mac") : nic_loc(n, "vf_queue_pairs"),
				       "%s: VF %u's MAC is the same as %s's; MACs must be unique",
				       n->c.name, v, n->fns[k].name);
	if (!f->pfn->nbars || f->pfn->bars[0].size < 2 * f->nqp * NIC_DB_STRIDE)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: VF %u has no VF BAR0 for its doorbells "
				   "(sriov: vf_bars: [16KiB])", n->c.name, v);
	return 0;
}

int nic_vfs_setup(struct nic *n, struct iov_err *e)
{
	struct sriov_pf *sp = n->ep.sriov;
	const struct cfg_node *l = n->p.vf_config;
	bool has_cfg = l && !(l->kind == CFG_SCALAR && !l->str[0]);
	if (!sp)
		return has_cfg ? cfg_err(e, l, "%s: vf_config without an SR-IOV capability "
					 "(sriov: {total_vfs, num_vfs, vf_bars})", n->c.name) : 0;
	if (!sp->topo)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: its VFs do not exist yet: list the "
				   "pcie_root_complex before it in components (VFs are enabled "
				   "at enumeration)", n->c.name);
	unsigned nvfs = sriov_num_vfs(sp);
	if (nvfs + 1 > NIC_MAX_FNS)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: %u VFs; the NIC model has at most %u",
				   n->c.name, nvfs, NIC_MAX_FNS - 1);
	if (vf_config_check(n, nvfs, e))
		return -1;
	uint64_t qp_left = n->p.total_queue_pairs, vec_left = n->p.total_vectors;
	if (n->fns[0].nqp > qp_left || 2 * n->fns[0].nqp > vec_left)
		return iov_err_set(e, IOV_BAD_INPUT, "%s: the PF's %u queue pairs exceed the "
				   "device (total_queue_pairs %llu, total_vectors %llu)", n->c.name,
				   n->fns[0].nqp, (unsigned long long)qp_left,
				   (unsigned long long)vec_left);
	qp_left -= n->fns[0].nqp;
	vec_left -= 2 * n->fns[0].nqp;
	for (unsigned v = 1; v <= nvfs; v++) {
		n->nfns = v + 1;
		if (vf_setup(n, v, &qp_left, &vec_left, e))
			return -1;
	}
	return 0;
}

/* ---- mailbox ---- */

struct nic_mbx {
	struct nic *n;
	struct mbx_req r;
	uint64_t val;                   /* the MAC, or the VLAN id */
	const struct cfg_node *node;
};

static void mbx_answer(void *arg)
{
	struct nic_mbx *m = arg;
	struct nic *n = m->n;
	struct nic_fn *f = &n->fns[m->r.vf];
	bool is_mac = m->r.op == 0;
	bool ok = n->p.mbx_policy == 0 ||
		  (n->p.mbx_policy == 1 && (f->trusted || !(is_mac ? f->admin_mac : f->admin_vlan)));
	if (ok && is_mac) {
		for (unsigned k = 0; k < n->nfns; k++)
			ok &= &n->fns[k] == f || n->fns[k].mac != m->val;
	}
	if (ok) {
		(*n->st_mbx_accepted)++;
		if (is_mac)
			f->mac = m->val;
		else
			f->vlan = (uint16_t)m->val;
	} else {
		(*n->st_mbx_refused)++;
	}
	hist_add(n->st_mbx_latency, sim_now(n->c.sim->k) - m->r.at);
}

static void mbx_ask(void *arg)
{
	struct nic_mbx *m = arg;
	(*m->n->st_mbx_requests)++;
	sim_schedule(m->n->c.sim->k, m->n->p.mbx_latency, mbx_answer, m);
}

int nic_mbx_load(struct nic *n, struct iov_err *e)
{
	const struct cfg_node *l = n->p.mailbox;
	if (!l || (l->kind == CFG_SCALAR && !l->str[0]))
		return 0;
	if (l->kind != CFG_SEQ)
		return cfg_err(e, l, "mailbox must be a list of {at, vf, op: set_mac|set_vlan, value}");
	n->mbx = calloc(l->n ? l->n : 1, sizeof(*n->mbx));
	if (!n->mbx)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct nic_mbx *m = &n->mbx[i];
		m->n = n;
		m->node = l->items[i];
		if (cfg_load_params(l->items[i], mbx_desc, NULL, &m->r, "mailbox request", e))
			return -1;
		n->nmbx++;
		if (m->r.vf >= n->nfns)
			return cfg_err(e, cfg_get(l->items[i], "vf"), "%s: mailbox request from VF %llu; "
				       "%u VFs are enabled", n->c.name, (unsigned long long)m->r.vf,
				       n->nfns - 1);
		if (m->r.op == 0 && mac_parse(m->r.value, &m->val))
			return cfg_err(e, cfg_get(l->items[i], "value"), "bad MAC '%s'; write "
				       "aa:bb:cc:dd:ee:ff", m->r.value);
		char *end;
		if (m->r.op == 1 && ((m->val = strtoull(m->r.value, &end, 0)) > 4095 || *end))
			return cfg_err(e, cfg_get(l->items[i], "value"), "bad VLAN '%s'; 0..4095",
				       m->r.value);
	}
	return 0;
}

void nic_mbx_start(struct nic *n)
{
	for (size_t i = 0; i < n->nmbx; i++)
		sim_schedule_at(n->c.sim->k, n->mbx[i].r.at, mbx_ask, &n->mbx[i]);
}
