/* virtqueue.h - a split virtqueue (virtio 1.x, 2.7) as the driver and the device see it
 *
 * The ring state that decides who notifies whom: the driver's avail index,
 * the device's used index, the flags of flag-based suppression
 * (VRING_USED_F_NO_NOTIFY, VRING_AVAIL_F_NO_INTERRUPT) and the two event
 * indexes of VIRTIO_F_EVENT_IDX (avail_event written by the device,
 * used_event written by the driver). Indexes are free-running 16-bit
 * counters, as on the real ring; slot = index mod size (size a power of two).
 *
 * Each buffer is one descriptor carrying what the simulator needs of it
 * (length, a time stamp, a tag), kept in the slot of its avail index. The
 * device uses buffers in the order it took them (as vhost-net does for the
 * net queues), so a used entry is the slot of its used index.
 *
 * Not modelled: descriptor chains and indirect tables, the packed ring, the
 * memory accesses to the ring (cache-line traffic between the vCPU and the
 * back end), out-of-order completion.
 */
#ifndef IOVSIM_VIRTQUEUE_H
#define IOVSIM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "simtime.h"

/* How notifications are suppressed in both directions. */
enum vq_suppress {
	VQ_SUPPRESS_OFF,        /* every buffer kicks, every used buffer interrupts */
	VQ_SUPPRESS_FLAGS,      /* NO_NOTIFY / NO_INTERRUPT flags while the other side polls */
	VQ_SUPPRESS_EVENT_IDX,  /* VIRTIO_F_EVENT_IDX: avail_event / used_event */
};

struct vq_buf {
	uint32_t len;           /* bytes (TX: packet; RX: capacity, then bytes written) */
	uint32_t tag;           /* caller's (e.g. a flow) */
	sim_time_t t;           /* caller's time stamp (posted, arrived) */
};

struct virtqueue {
	uint16_t size;
	enum vq_suppress mode;
	struct vq_buf *slot;    /* size entries, owned */
	/* driver side (guest memory written by the driver) */
	uint16_t avail_idx;     /* avail->idx */
	uint16_t kick_old;      /* avail_idx at the last kick decision */
	uint16_t used_seen;     /* driver's last_used_idx */
	uint16_t used_event;    /* event index: interrupt me when used passes this */
	bool no_interrupt;      /* avail->flags VRING_AVAIL_F_NO_INTERRUPT */
	/* device side */
	uint16_t last_avail;    /* device's last_avail_idx */
	uint16_t used_idx;      /* used->idx */
	uint16_t signalled;     /* used_idx at the last interrupt decision */
	uint16_t avail_event;   /* event index: kick me when avail passes this */
	bool no_notify;         /* used->flags VRING_USED_F_NO_NOTIFY */
};

/* virtio's vring_need_event: has the index moved from old to new_idx across
 * event (i.e. is event in [old, new_idx) modulo 2^16)? */
static inline bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* Set up an empty queue of 'size' buffers (a power of two, 1..32768) with
 * suppression 'mode'. Returns 0, or -1 with e set (IOV_BAD_INPUT for a bad
 * size, IOV_INTERNAL when out of memory). vq_free releases it. */
int vq_init(struct virtqueue *vq, unsigned size, enum vq_suppress mode, struct iov_err *e);
void vq_free(struct virtqueue *vq);

/* Buffers the driver has made available and not yet taken back as used. */
static inline unsigned vq_in_flight(const struct virtqueue *vq)
{
	return (uint16_t)(vq->avail_idx - vq->used_seen);
}

/* ---- driver (guest) side ---- */

/* Make one buffer available. Returns false (nothing changed) when every
 * slot is in flight. */
bool vq_driver_add(struct virtqueue *vq, const struct vq_buf *b);
/* After one or more adds: must the driver notify the device (kick)?
 * (virtqueue_kick_prepare: event index, or the NO_NOTIFY flag, or always.) */
bool vq_driver_kick_prepare(struct virtqueue *vq);
/* Take the next used buffer; false when none. */
bool vq_driver_get_used(struct virtqueue *vq, struct vq_buf *out);
/* The driver starts polling (NAPI): ask for no interrupts. */
void vq_driver_disable_cb(struct virtqueue *vq);
/* The driver stops polling and asks for an interrupt on the next used
 * buffer. Returns true when used buffers are already waiting (the driver
 * must poll again: the race virtqueue_enable_cb closes). */
bool vq_driver_enable_cb(struct virtqueue *vq);

/* As enable_cb, but with the event index the interrupt comes only once 3/4
 * of the buffers in flight are used (virtqueue_enable_cb_delayed: a full TX
 * ring asks to be woken when it is mostly free, not at the first buffer).
 * Returns true when that many are already used. */
bool vq_driver_enable_cb_delayed(struct virtqueue *vq);

/* ---- device (host back end) side ---- */

/* Take the next available buffer; false when none. */
bool vq_device_pop(struct virtqueue *vq, struct vq_buf *out);
/* Return a taken buffer (in order) as used, with its final contents. */
void vq_device_push_used(struct virtqueue *vq, const struct vq_buf *b);
/* After pushing: must the device interrupt the driver? */
bool vq_device_need_interrupt(struct virtqueue *vq);
/* The device starts processing: no kicks wanted. */
void vq_device_disable_notify(struct virtqueue *vq);
/* The device is done: kicks wanted again. Returns true when buffers were
 * made available meanwhile (the device must process again). */
bool vq_device_enable_notify(struct virtqueue *vq);
/* Buffers available to the device and not yet taken. */
static inline unsigned vq_device_pending(const struct virtqueue *vq)
{
	return (uint16_t)(vq->avail_idx - vq->last_avail);
}

#endif
