/* audit.h - isolation audit of an enumerated PCIe hierarchy: IOMMU groups and bypass pairs
 *
 * Reads the structures enumeration left behind (pcie_topo.h) and answers two
 * questions without running anything:
 *   groups  which endpoint functions an IOMMU cannot tell apart, computed the
 *           way Linux groups PCI devices (drivers/iommu/iommu.c
 *           pci_device_group with drivers/pci/pci.c pci_acs_enabled /
 *           pci_acs_path_enabled, REQ_ACS = SV RR CR UF), adapted to this
 *           model (docs/audit.md has the rule and what it simplifies);
 *   bypass  which ordered pairs of functions (A, B) let a memory request of A
 *           reach a BAR of B without passing the root complex (where the
 *           IOMMU sits), decided by the same ACS routing code the switch and
 *           the multi-function device run (acs.c);
 *   internal switches  which functions of one device a switch inside it
 *           (an SR-IOV NIC's embedded switch, pcie_fn.iswitch) lets exchange
 *           packets without any TLP between them: no ACS, no IOMMU.
 * Nothing here prints except the two audit_print_* functions, which take
 * the stream.
 */
#ifndef IOVSIM_AUDIT_H
#define IOVSIM_AUDIT_H

#include <stdbool.h>
#include <stdio.h>

#include "pcie_topo.h"
#include "xbar.h"

/* How groups are formed. LINUX: as the kernel does (each bridge without
 * isolation roots its own group). REACH: also merge the groups rooted at the
 * downstream ports of one switch, since devices below two such ports reach
 * each other straight across the switch (docs/audit.md). */
enum audit_grouping { AUDIT_GROUPS_LINUX = 0, AUDIT_GROUPS_REACH };

/* REQ_ACS: the ACS bits Linux requires of a downstream or root port. */
bool audit_port_acs_enabled(const struct pcie_fn *port);
/* A function of a multi-function device: ACS with RR and CR (SV and UF do
 * not apply to endpoints). */
bool audit_fn_acs_enabled(const struct pcie_fn *f);
/* Every root / downstream port from bridge b up to the root complex is ACS
 * enabled (switch upstream ports need nothing). b must not be NULL. */
bool audit_path_isolated(const struct pcie_fn *b);

/* One IOMMU group: endpoint functions, in enumeration order. */
struct audit_group {
	unsigned id;
	unsigned nmembers;
	const struct pcie_fn **members;
	const struct pcie_fn *key;      /* what holds it together: the topmost bridge
					 * without isolation (a root port, or a switch's
					 * upstream port standing for its downstream ports),
					 * or the first non-ACS function of a multi-function
					 * device, or the only member */
	char *reason;                   /* why it has more than one member; NULL if one */
};

/* A request of 'from' for a BAR of 'to' that the fabric decides below the
 * root complex. */
struct audit_pair {
	const struct pcie_fn *from, *to;
	const struct pcie_fn *via;      /* the port (switch downstream port) or function
					 * (in a multi-function device) whose ACS decided */
	const char *via_name;           /* "sw.dp0", or the multi-function device's name */
	enum xbar_verdict verdict;      /* XV_P2P: bypass; XV_BLOCK_*: blocked */
	bool cross_vm;                  /* from and to belong to different VMs (or host) */
	bool cross_group;               /* from and to are in different IOMMU groups */
};

/* Two ports of an internal switch that exchange packets inside the device. */
struct audit_iswitch_pair {
	const struct pcie_fn *a, *b;    /* a comes before b in the switch's port order */
	unsigned vlan_a, vlan_b;        /* 0 = untagged */
	bool a_to_b, b_to_a;            /* what the switch forwards */
	bool cross_vm;                  /* a and b belong to different VMs (or host) */
	bool cross_group;               /* a and b are in different IOMMU groups */
};

/* A device's internal switch (pcie_topo.h, struct pcie_iswitch). */
struct audit_iswitch {
	const struct pcie_fn *owner;    /* the function it hangs on (the PF) */
	const struct pcie_iswitch *sw;
	unsigned nports;
	unsigned npairs, ncross;        /* pairs that exchange anything; of them across VMs */
	struct audit_iswitch_pair *pairs;       /* in port order (a, then b) */
};

struct audit {
	enum audit_grouping grouping;
	const struct pcie_topo *topo;
	const struct sim *sim;          /* VM names */
	unsigned nfns;                  /* = topo->nfns */
	int *group_of;                  /* per topo->fns[i]: group id, -1 for bridges */
	unsigned ngroups;
	struct audit_group *groups;
	unsigned nbypass, nblocked, nredirected;
	struct audit_pair *bypass;      /* verdict XV_P2P */
	struct audit_pair *blocked;     /* verdict XV_BLOCK_UR / XV_BLOCK_CA */
	unsigned niswitches;
	struct audit_iswitch *iswitches;        /* in enumeration order of their owners */
};

/*
 * Audit the hierarchy of a built simulation (sim_build enumerated it).
 * Returns 0 with *out set (caller frees with audit_free), 0 with *out NULL
 * when the simulation has no root complex, or -1 with e set (out of memory).
 * The audit points into s's components: free it before sim_destroy.
 */
int audit_build(struct sim *s, enum audit_grouping g, struct audit **out, struct iov_err *e);
void audit_free(struct audit *a);

/* Shared by audit.c (analysis) and audit_print.c (reports). */
bool audit_is_port(const struct pcie_fn *b);            /* root or switch downstream port */
bool audit_multi_function(const struct pcie_fn *f);     /* its device has > 1 function */
struct pcie_node *audit_node_below(const struct pcie_fn *b);   /* what hangs off bridge b */
const char *audit_vm_name(const struct sim *s, int vm); /* "host" for -1 */

/* Group of function f (an endpoint of a's topology), or -1. */
int audit_group_of(const struct audit *a, const struct pcie_fn *f);

/* The human report: tree, groups, bypass pairs, internal switches. Returns 0,
 * -1 on I/O error. */
int audit_print_text(const struct audit *a, FILE *out);
/* The same as one JSON object (docs/audit.md). scenario: its name.
 * Returns 0, -1 on I/O error. */
int audit_print_json(const struct audit *a, const char *scenario, FILE *out);

#endif
