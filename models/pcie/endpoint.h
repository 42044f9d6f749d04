/* endpoint.h - the base every device function model embeds: config space, BARs, BME, RID
 *
 * A function's view of itself: routing ID (from enumeration), BARs, the
 * capability list, Bus Master Enable, ACS (for functions of multi-function
 * devices), and a completer for requests that reach its BARs (peer-to-peer
 * reads and writes): a read is answered with a CplD 'bar_latency' later, a
 * write is absorbed. Each reach is reported to the isolation accounting.
 * With 'ats: true' the function also has an ATS translation cache (atc.h):
 * the device model looks translations up and requests them; the endpoint
 * answers ATS Invalidate Requests (drops the translations, sends the
 * Invalidate Completion 'atc_inv_latency' later on the same port).
 * Models put PCIE_EP_PARAM_DESC(their_params, member) in their parameter
 * table, call pcie_ep_init at create, hand requests that arrive on their
 * upstream port to pcie_ep_request, and call pcie_ep_retry first from their
 * port's retry (the endpoint's completions share the port).
 */
#ifndef IOVSIM_ENDPOINT_H
#define IOVSIM_ENDPOINT_H

#include "atc.h"
#include "pcie_topo.h"
#include "sim.h"
#include "sriov.h"

struct pcie_ep_params {
	const struct cfg_node *bars, *bus, *acs, *caps, *sriov;
	int bme;
	sim_time_t bar_latency;
	struct atc_params atc;
};

#define PCIE_EP_PARAM_DESC(T, m)                                                               \
	{ "bars", PARAM_NODE, offsetof(T, m.bars), "", 0, 0, NULL,                             \
	  "BARs: a list of sizes (64KiB) or {size, addr} maps; addr pins the address, else "   \
	  "enumeration places it" },                                                           \
	{ "bme", PARAM_BOOL, offsetof(T, m.bme), "true", 0, 0, NULL,                           \
	  "Bus Master Enable: false stops the function's DMA (each blocked DMA is counted)" }, \
	{ "bus", PARAM_NODE, offsetof(T, m.bus), "", 0, 0, NULL,                               \
	  "pin the function's bus number (else: depth-first enumeration)" },                   \
	{ "acs", PARAM_NODE, offsetof(T, m.acs), "", 0, 0, NULL,                               \
	  "ACS capability of this function (matters in a multi-function device): none, all, "  \
	  "a list or a map as on switch ports" },                                              \
	{ "caps", PARAM_NODE, offsetof(T, m.caps), "", 0, 0, NULL,                             \
	  "extra capabilities in the config-space list: [msix, ats] (PCIe always)" },          \
	{ "bar_latency", PARAM_TIME, offsetof(T, m.bar_latency), "200ns", 0, 1e10, NULL,       \
	  "time the function takes to answer a read of its BAR (MMIO or peer-to-peer)" },      \
	SRIOV_PARAM_DESC(T, m.sriov),                                                          \
	ATC_PARAM_DESC(T, m.atc)

struct pcie_ep {
	struct pcie_fn fn;
	struct pcie_node node;
	struct pcie_ep_params p;
	struct component *c;
	struct port *up;
	struct tlp_fifo cpl;            /* BAR-read completions, in due order */
	struct tlp_fifo msgs;           /* ATS Invalidate Completions, in due order */
	bool ev_pending, busy;
	sim_time_t ev_at;
	sim_event_id ev;
	struct atc atc;                 /* ATS translation cache; disabled without 'ats' */
	struct sriov_pf *sriov;         /* SR-IOV capability ('sriov:'), NULL without; its VFs
					 * share this endpoint's port, BAR completer and stats */
	uint64_t *st_bar_reads, *st_bar_writes, *st_bme_blocked, *st_misrouted;
};

int pcie_ep_init(struct pcie_ep *ep, struct component *c, struct port *up,
		 const struct pcie_ep_params *p, const struct cfg_node *node, struct iov_err *e);
void pcie_ep_free(struct pcie_ep *ep);

/* A request (MRd/MWr) or a message arrived on the function's upstream port:
 * take it (an ATS Invalidate Request is answered; other messages, and
 * invalidations for a function without ATS, are dropped as unsupported). */
void pcie_ep_request(struct pcie_ep *ep, struct tlp *t);

/* The port can take TLPs again: send our completions first. Returns true if
 * the port is still busy with ours (the owner must wait for the next retry). */
bool pcie_ep_retry(struct pcie_ep *ep);

/* The function a request of trace source / requester 'name' goes out as:
 * one of this PF's VFs when name is "<component>.vf<n>" (NULL if that VF does
 * not exist now), else the PF itself. */
struct pcie_fn *pcie_ep_fn_named(struct pcie_ep *ep, const char *name);

/* DMA gate for a request of function f (the PF or one of its VFs) of flow
 * 'flow': false when f's Bus Master Enable is clear (counted as blocked). */
bool pcie_ep_fn_may_dma(struct pcie_ep *ep, const struct pcie_fn *f, uint32_t flow);

/* Routing ID for requests of this function (0 before enumeration). */
static inline uint16_t pcie_ep_rid(const struct pcie_ep *ep) { return ep->fn.rid; }

/* DMA gate for one request of flow 'flow': false when Bus Master Enable is
 * clear (counted as blocked, here and in the isolation accounting). */
bool pcie_ep_may_dma(struct pcie_ep *ep, uint32_t flow);

#endif
