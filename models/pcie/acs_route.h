/* acs_route.h - the ACS routing decision of a downstream port (acs.c) */
#ifndef IOVSIM_ACS_ROUTE_H
#define IOVSIM_ACS_ROUTE_H

#include "xbar.h"

/*
 * t came in on downstream port in_idx (owned by bridge function 'port', ACS
 * capability 'has'/'a'); 'target' is the downstream port (same numbering)
 * that holds its destination, or -1 if the destination is not below this
 * component. Returns the verdict; *up = true when t must go upstream
 * (target -1, or redirected), else it goes to 'target' (P2P) or is blocked.
 */
enum xbar_verdict acs_decide(const struct pcie_fn *port, bool has, const struct pcie_acs *a,
			     const struct tlp *t, unsigned in_idx, int target, bool *up);

#endif
