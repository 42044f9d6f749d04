/* netgen.c - reading a netperf-like traffic generator entry (netgen.h), shared by network devices
 *
 * Only the description: the engine (net_traffic.c) runs the generators over
 * each device's ops (models/virtio/vnet_traffic.c; the NIC's nic_traffic.c).
 * Not modelled here: anything of the traffic itself.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/net/netgen.h"

struct netgen_params {
	const char *fn;
	int kind, dir;
	uint64_t size, resp_size, count, flows, sessions, think_cycles;
	double rate;
	sim_time_t start, peer_latency;
	const char *dst;
};

static const char *const netgen_kinds[] = { "stream", "rr", NULL };
static const char *const netgen_dirs[] = { "tx", "rx", NULL };

#define NG(f) offsetof(struct netgen_params, f)
const struct param_desc netgen_param_desc[] = {
	{ "fn", PARAM_STRING, NG(fn), NULL, 0, 0, NULL,
	  "the sending/receiving function: the device's name (a NIC's PF, virtio-net) or NAME.vfN" },
	{ "type", PARAM_ENUM, NG(kind), "stream", 0, 0, netgen_kinds,
	  "stream (one direction) or rr (request/response, closed loop)" },
	{ "dir", PARAM_ENUM, NG(dir), "tx", 0, 0, netgen_dirs, "stream: tx or rx" },
	{ "size", PARAM_SIZE, NG(size), "1500", 1, 65535, NULL, "packet bytes (rr: the request)" },
	{ "resp_size", PARAM_SIZE, NG(resp_size), "0", 0, 65535, NULL,
	  "rr: response bytes (0: as size)" },
	{ "count", PARAM_U64, NG(count), "1000", 1, 1e12, NULL,
	  "packets (stream) or transactions (rr)" },
	{ "rate", PARAM_BANDWIDTH, NG(rate), "0B/s", 0, 1e13, NULL,
	  "stream: packet bytes per second (10Gb/s); 0 = as fast as possible" },
	{ "start", PARAM_TIME, NG(start), "0ps", 0, 0, NULL, "time of the first packet" },
	{ "flows", PARAM_U64, NG(flows), "0", 0, 65536, NULL,
	  "flows the packets spread over (flow k -> queue k mod queues); 0 = one per queue" },
	{ "sessions", PARAM_U64, NG(sessions), "1", 1, 4096, NULL,
	  "rr: transactions in flight at once" },
	{ "think_cycles", PARAM_U64, NG(think_cycles), "2000", 0, 1e12, NULL,
	  "rr: guest cycles from receiving a request to posting its response (assumption)" },
	{ "peer_latency", PARAM_TIME, NG(peer_latency), "5us", 0, 1e12, NULL,
	  "rr: from a response leaving on the wire to the peer's next request (assumption)" },
	{ "dst", PARAM_STRING, NG(dst), "wire", 0, 0, NULL,
	  "TX destination: wire, or a function of the same device (embedded switch)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
#undef NG

int netgen_load(const struct cfg_node *node, const char *what, struct netgen_spec *g,
		struct iov_err *e)
{
	struct netgen_params gp;
	memset(&gp, 0, sizeof(gp));
	memset(g, 0, sizeof(*g));
	if (cfg_load_params(node, netgen_param_desc, NULL, &gp, what, e))
		return -1;
	g->fn = gp.fn;
	g->kind = gp.kind == 1 ? NETGEN_RR : NETGEN_STREAM;
	g->tx = g->kind == NETGEN_STREAM && gp.dir == 0;
	g->size = (uint32_t)gp.size;
	g->resp_size = gp.resp_size ? (uint32_t)gp.resp_size : g->size;
	g->count = gp.count;
	g->flows = (uint32_t)gp.flows;
	g->sessions = (uint32_t)gp.sessions;
	g->start = gp.start;
	g->think_cycles = gp.think_cycles;
	g->peer_latency = gp.peer_latency;
	g->dst = gp.dst;
	if (gp.rate > 0) {
		g->interval = (sim_time_t)llround((double)g->size * 1e12 / gp.rate);
		if (!g->interval)
			return cfg_err(e, cfg_get(node, "rate"), "%s: rate too high for %u-byte packets",
				       what, g->size);
	}
	return 0;
}

sim_time_t netgen_stream_time(const struct netgen_spec *g, uint64_t i)
{
	return g->start + (sim_time_t)llround((double)i * (double)g->interval);
}
