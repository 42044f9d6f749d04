/* pcie_topo.h - the PCIe hierarchy: functions, bridges, ACS, enumeration and routing
 *
 * Every component that sits in the PCIe hierarchy hangs a struct pcie_node on
 * its component (c->pcie): links are transparent (they say which port is on
 * the other side), the root complex, switches and multi-function devices
 * have downstream ports each owned by a bridge-like function, endpoints
 * contribute one function. After all connections are made the root complex
 * enumerates the tree the way firmware does, depth first: bus numbers,
 * device/function numbers, BAR addresses and bridge windows (pcie_enumerate).
 * Switches and the root complex then route by the windows and bus ranges of
 * their downstream ports (pcie_route_*), the audit command reads the same
 * structures (groups, bypass pairs, and the switches inside devices that
 * models declare with struct pcie_iswitch).
 */
#ifndef IOVSIM_PCIE_TOPO_H
#define IOVSIM_PCIE_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "config.h"
#include "err.h"

/* ACS capability and control (PCIe Base Spec 6.12; FACTS.md). */
struct pcie_acs {
	bool sv;                /* Source Validation */
	bool tb;                /* Translation Blocking */
	bool rr;                /* P2P Request Redirect */
	bool cr;                /* P2P Completion Redirect */
	bool uf;                /* Upstream Forwarding */
	bool ec;                /* P2P Egress Control ... */
	uint32_t ec_vector;     /* ... with this vector: bit j blocks egress to port/function j */
	bool dt;                /* Direct Translated P2P */
};

/* Capability list entries (config space), as bits for quick tests. */
enum pcie_cap_bit {
	PCIE_CAP_PCIE = 1u << 0,
	PCIE_CAP_MSIX = 1u << 1,
	PCIE_CAP_ACS = 1u << 2,
	PCIE_CAP_ATS = 1u << 3,
	PCIE_CAP_SRIOV = 1u << 4,
};

enum pcie_fn_kind {
	PCIE_FN_ENDPOINT,
	PCIE_FN_ROOT_PORT,
	PCIE_FN_SWITCH_UP,
	PCIE_FN_SWITCH_DOWN,
};

#define PCIE_MAX_BARS 6
#define PCIE_BRIDGE_ALIGN (1ull << 20)          /* bridge memory windows: 1 MiB granules */

struct pcie_bar {
	uint64_t size;                  /* power of two, >= 16 B; 0 = unused */
	uint64_t addr;                  /* assigned (or pinned) base */
	bool pinned;
	struct cfg_loc loc;             /* where it was declared (errors) */
};

struct pcie_dev;
struct msix_table;
struct sriov_pf;
struct pcie_fn;

/* A switch inside a device between some of its functions (an SR-IOV NIC's
 * embedded switch): packets it forwards from one function to another never
 * appear on PCIe, so neither ACS nor the IOMMU sees them. A device model that
 * has one fills this in (after its functions exist, at elaborate) and hangs
 * it on the owning function (the PF) as pcie_fn.iswitch; the audit lists its
 * ports and which of them can exchange packets (docs/audit.md). The model
 * keeps it alive as long as its functions. */
struct pcie_iswitch;
/* All members are required (non-NULL). They are queries: they change no
 * state and schedule no events, and may be called any time after elaborate
 * while the model exists; what they return is owned by the model. */
struct pcie_iswitch_ops {
	/* Ports of the switch: the functions it connects, 0 <= i < nports. */
	unsigned (*nports)(const struct pcie_iswitch *sw);
	const struct pcie_fn *(*fn)(const struct pcie_iswitch *sw, unsigned i);
	/* The VLAN port i's traffic carries: 1..4095, 0 = untagged. */
	unsigned (*vlan)(const struct pcie_iswitch *sw, unsigned i);
	/* A packet port i sends can reach port j inside the device (i != j). */
	bool (*forwards)(const struct pcie_iswitch *sw, unsigned i, unsigned j);
};
struct pcie_iswitch {
	const char *filter;             /* what decides forwarding: "destination MAC and VLAN" */
	bool enabled;                   /* false: present but switched off (nothing forwarded) */
	const struct pcie_iswitch_ops *ops;
	void *ctx;                      /* the device model's */
};

/* One PCI function: its config-space view. Bridges (root ports, switch
 * ports) are functions too: type-1 headers with bus ranges and a window. */
struct pcie_fn {
	const char *name;               /* "nic0", "sw0.dp1", "rc.rp0" */
	enum pcie_fn_kind kind;
	struct component *c;
	uint16_t rid;                   /* bus << 8 | dev << 3 | fn, after enumeration */
	uint8_t fn_no;                  /* function number within its device */
	bool bme;                       /* Bus Master Enable: DMA allowed */
	bool has_acs;
	struct pcie_acs acs;
	uint32_t caps;                  /* enum pcie_cap_bit */
	unsigned nbars;
	struct pcie_bar bars[PCIE_MAX_BARS];
	int vm;                         /* isolation: index of the VM owning it, -1 = host */
	struct msix_table *msix;        /* MSI-X table (models/pcie/msix.h), owned by the
					 * device model; NULL: no MSI-X */
	struct sriov_pf *sriov;         /* PF: its SR-IOV capability (sriov.h); VF: its PF's;
					 * NULL: neither */
	unsigned vf;                    /* VF n (1-based) of sriov's PF; 0: not a VF */
	const struct pcie_iswitch *iswitch;     /* a switch inside the device this function
						 * owns (set by its model); NULL: none */
	/* bridges only */
	uint8_t sec, sub;               /* secondary and subordinate bus */
	uint64_t win_base, win_limit;   /* memory window [base, limit); empty if equal */
	/* tree */
	struct pcie_fn *up;             /* bridge above (NULL: a root port's parent is the RC) */
	struct pcie_dev *dev;
	int pinned_bus;                 /* endpoints/switches: secondary bus of the port above
					 * pinned by the scenario ('bus:'), -1 = automatic */
};

/* A device: the functions that share bus:dev (one, or several for a
 * multi-function device). Linux puts a multi-function device's functions in
 * one IOMMU group unless the device has ACS. */
struct pcie_dev {
	struct pcie_fn *fns[8];
	unsigned nfns;
	struct pcie_fn *up;             /* the downstream port it hangs off */
};

enum pcie_node_kind { PCIE_NODE_LINK, PCIE_NODE_RC, PCIE_NODE_SWITCH, PCIE_NODE_MFD,
		      PCIE_NODE_ENDPOINT };

#define PCIE_NODE_MAX_DOWN 32

/* What a component shows the enumerator. */
struct pcie_node {
	enum pcie_node_kind kind;
	struct component *c;
	struct port *up;                /* port towards the root (NULL for the RC) */
	struct port *(*across)(struct pcie_node *n, struct port *in);   /* links */
	struct pcie_fn *self;           /* switch: its upstream port; endpoint: its function */
	unsigned ndown;                 /* RC: root ports; switch: downstream ports; MFD: functions */
	struct port *down[PCIE_NODE_MAX_DOWN];
	struct pcie_fn *down_fn[PCIE_NODE_MAX_DOWN];    /* bridge owning down[i] (RC, switch) */
	struct pcie_dev dev;            /* endpoint / MFD: the device */
	uint8_t int_bus;                /* switch: internal bus (between up and down ports) */
	int pinned_bus;                 /* 'bus:' on a switch/MFD/endpoint, -1 = automatic */
	struct cfg_loc loc;
};

/* The enumerated hierarchy, owned by the root complex. */
struct pcie_topo {
	struct pcie_node *rc;
	unsigned nfns, cap;
	struct pcie_fn **fns;           /* every function, in enumeration order */
	uint64_t mmio_base, mmio_limit; /* where BARs are placed */
	uint8_t last_bus;
};

/* ---- set-up helpers for models ---- */

/* ACS from a scenario node: absent -> *has = false; 'none' / 'all' / a list of
 * bit names [sv, tb, rr, cr, uf, ec, dt] / a map {sv: true, ..., ec_vector: 0x3}. */
int pcie_acs_parse(const struct cfg_node *n, bool *has, struct pcie_acs *acs, struct iov_err *e);
/* ACS of n downstream ports from a component's 'acs' (all ports; absent:
 * all) and 'port_acs' (a list overriding port j; null entries keep 'acs'). */
int pcie_ports_acs(const struct cfg_node *acs, const struct cfg_node *port_acs,
		   struct pcie_fn *ports, unsigned n, struct iov_err *e);
/* "SV RR CR UF" style list into buf (for audit/docs); "-" when none. */
const char *pcie_acs_str(const struct pcie_acs *a, bool has, char *buf, size_t len);

/* 'bus:' on a switch, multi-function device or endpoint: 1..255, or -1 when absent. */
int pcie_bus_pin(const struct cfg_node *n, int *out, struct iov_err *e);

/* BARs from a node: a list of sizes or maps {size: 1MiB, addr: 0x...}. */
int pcie_bars_parse(const struct cfg_node *n, struct pcie_fn *f, struct iov_err *e);

/* The node of the component on the far side of port p, crossing links;
 * *entry is set to the port of that component that p reaches. NULL if p
 * is unconnected or reaches a component outside the hierarchy. */
struct pcie_node *pcie_node_beyond(struct port *p, struct port **entry);

/* Enumerate from the RC node: bus numbers, devfns, BARs and windows.
 * Bad input (pinned bus below what is free, overlapping pinned BARs, a loop,
 * too many buses) gets a located error. */
int pcie_enumerate(struct pcie_topo *t, struct pcie_node *rc, struct iov_err *e);
void pcie_topo_free(struct pcie_topo *t);

/* Functions that come and go after enumeration (SR-IOV VFs, sriov.c).
 * pcie_topo_reserve makes room for 'extra' more functions so that later
 * adds cannot fail (-1 with e set: out of memory). pcie_topo_add appends f
 * (-1 if there is no room and growing fails; e may be NULL);
 * pcie_topo_remove takes f out keeping the others' order (no-op if absent). */
int pcie_topo_reserve(struct pcie_topo *t, unsigned extra, struct iov_err *e);
int pcie_topo_add(struct pcie_topo *t, struct pcie_fn *f, struct iov_err *e);
void pcie_topo_remove(struct pcie_topo *t, struct pcie_fn *f);

/* The topology of a built simulation (NULL when it has no root complex). */
struct sim;
struct pcie_topo *pcie_topo_of(struct sim *s);
struct pcie_topo *pcie_rc_topo(struct pcie_node *rc);  /* root_complex.c */

/* ---- routing helpers ---- */

static inline uint8_t pcie_bus(uint16_t rid) { return (uint8_t)(rid >> 8); }

static inline bool pcie_in_window(const struct pcie_fn *b, uint64_t addr)
{
	return addr >= b->win_base && addr < b->win_limit;
}

static inline bool pcie_in_buses(const struct pcie_fn *b, uint16_t rid)
{
	uint8_t bus = pcie_bus(rid);
	return b->sec && bus >= b->sec && bus <= b->sub;
}

/* Index of the downstream port of n whose window (address-routed TLPs) or bus
 * range (ID-routed: completions by the requester ID they carry, ATS messages
 * by msg_dest) holds t's destination; -1 if none, and always -1 for a
 * Translation Request (it is for the translation agent above). */
struct tlp;
int pcie_route_down(const struct pcie_node *n, const struct tlp *t);

/* One of f's own BARs holds addr (not its VFs': sriov_vf_at). */
static inline bool pcie_fn_holds(const struct pcie_fn *f, uint64_t addr)
{
	for (unsigned k = 0; k < f->nbars; k++)
		if (addr >= f->bars[k].addr && addr - f->bars[k].addr < f->bars[k].size)
			return true;
	return false;
}

/* Function whose BAR holds addr (endpoints only), or NULL. */
struct pcie_fn *pcie_fn_at(const struct pcie_topo *t, uint64_t addr);
/* Function with routing ID rid, or NULL. */
struct pcie_fn *pcie_fn_by_rid(const struct pcie_topo *t, uint16_t rid);

/* The capability list: "PCIe MSI-X ACS"; "-" when empty. */
const char *pcie_caps_str(uint32_t caps, char *buf, size_t len);

/* "03:00.1" */
const char *pcie_bdf_str(uint16_t rid, char *buf, size_t len);

#endif
