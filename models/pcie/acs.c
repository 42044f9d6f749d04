/* acs.c - what ACS on a downstream port does to a TLP that came in on it
 *
 * One decision shared by switch downstream ports, root ports and
 * multi-function devices (PCIe Base Spec 6.12.1; the bit names of FACTS.md):
 *   SV  a request whose requester bus is outside the port's secondary..
 *       subordinate range is blocked (spoofed requester ID);
 *   TB  a memory request whose Address Type is not untranslated (a
 *       translated request or a Translation Request) is blocked (PCIe r7.0
 *       6.12.1.1; DT is then moot);
 *   DT  a translated request for a peer goes straight to it, even with RR
 *       and egress control;
 *   RR  a request for a peer port is redirected upstream (to the root
 *       complex, where the IOMMU checks it) instead of going across;
 *   CR  the same for completions;
 *   EC  with RR clear, a request for peer port j is blocked when bit j of
 *       the egress control vector is set (our reading: redirect, when
 *       enabled, is applied first; egress control then governs what would
 *       go straight across);
 *   UF  a TLP whose target lies below the very port it came in on goes
 *       back up instead of being turned around in the switch.
 * Without the capability (has = false) every TLP for a peer goes across.
 */
#include "acs_route.h"

enum xbar_verdict acs_decide(const struct pcie_fn *port, bool has, const struct pcie_acs *a,
			     const struct tlp *t, unsigned in_idx, int target, bool *up)
{
	bool cpl = tlp_is_cpl(t);
	bool translated = t->at == TLP_AT_TRANSLATED;
	*up = false;
	if (has && !cpl) {
		if (a->sv && port->sec && !pcie_in_buses(port, t->rid))
			return XV_BLOCK_CA;
		if (a->tb && t->at != TLP_AT_UNTRANSLATED)
			return XV_BLOCK_CA;
	}
	if (target < 0) {
		*up = true;
		return XV_FORWARD;
	}
	if ((unsigned)target == in_idx) {
		if (has && a->uf) {
			*up = true;
			return XV_REDIRECT;
		}
		return XV_P2P;
	}
	if (!has)
		return XV_P2P;
	if (cpl) {
		if (a->cr) {
			*up = true;
			return XV_REDIRECT;
		}
		return XV_P2P;
	}
	if (translated && a->dt)
		return XV_P2P;
	if (a->rr) {
		*up = true;
		return XV_REDIRECT;
	}
	if (a->ec && target < 32 && (a->ec_vector >> target & 1))
		return XV_BLOCK_CA;
	return XV_P2P;
}
