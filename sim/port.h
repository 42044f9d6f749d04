/* port.h - ports: the only way components talk, one TLP at a time, with backpressure */
#ifndef IOVSIM_PORT_H
#define IOVSIM_PORT_H

#include <stdbool.h>

#include "tlp.h"

struct component;
struct port;

/*
 * A port is one end of a point-to-point connection. Sending offers a TLP to
 * the peer's recv(): it returns true to take ownership, or false to refuse
 * (no room). A refused sender keeps the TLP and must not offer again until
 * its retry() is called, which the receiver triggers with port_unblock() once
 * it has room. recv() runs in the sender's event (zero time): receivers model
 * their own delays by scheduling events.
 */
struct port_ops {
	/* Required. Take the TLP (true) or refuse it (false, sender keeps it). */
	bool (*recv)(struct port *self, struct tlp *t);
	/* May be NULL if this side never sends or never gets refused. Called when
	 * the peer that refused us can accept again. May send from inside. */
	void (*retry)(struct port *self);
};

struct port {
	const char *name;               /* "up", "port", ... (static storage) */
	struct component *owner;
	struct port *peer;              /* NULL until connected */
	const struct port_ops *ops;
	bool peer_refused;              /* we refused our peer; it waits for retry */
	bool optional;                  /* may stay unconnected (an empty slot): its
					 * owner never sends on it unconnected */
};

/* Offer t to the peer. Returns what the peer's recv() returned. */
static inline bool port_send(struct port *p, struct tlp *t)
{
	struct port *peer = p->peer;
	if (peer->ops->recv(peer, t))
		return true;
	peer->peer_refused = true;
	return false;
}

/* Receiver side: we have room again; wake the peer if we refused it. */
static inline void port_unblock(struct port *self)
{
	if (self->peer_refused) {
		self->peer_refused = false;
		if (self->peer->ops->retry)
			self->peer->ops->retry(self->peer);
	}
}

#endif
