/* virtqueue.c - a split virtqueue's indexes and notification suppression (virtio 1.x, 2.7)
 *
 * The driver side follows Linux's virtio_ring (virtqueue_add, _kick_prepare,
 * _get_buf, _disable_cb, _enable_cb), the device side vhost's (vhost_get_vq_desc,
 * vhost_add_used, vhost_notify, vhost_disable/enable_notify). With event
 * indexes the device never sets NO_NOTIFY and the driver never sets
 * NO_INTERRUPT: each side only moves its event index when it wants the next
 * notification, and vring_need_event fires once when the other side's index
 * crosses it.
 *
 * Not modelled: see virtqueue.h (chains, indirect, packed ring, ring memory
 * traffic, out-of-order use).
 */
#include <stdlib.h>

#include "virtqueue.h"

int vq_init(struct virtqueue *vq, unsigned size, enum vq_suppress mode, struct iov_err *e)
{
	*vq = (struct virtqueue){ 0 };
	if (size == 0 || size > 32768 || (size & (size - 1)))
		return iov_err_set(e, IOV_BAD_INPUT, "virtqueue size %u: a split ring holds a power "
				   "of two from 1 to 32768 buffers", size);
	vq->slot = calloc(size, sizeof(*vq->slot));
	if (!vq->slot)
		return iov_err_set(e, IOV_INTERNAL, "out of memory");
	vq->size = (uint16_t)size;
	vq->mode = mode;
	return 0;
}

void vq_free(struct virtqueue *vq)
{
	free(vq->slot);
	vq->slot = NULL;
}

static inline struct vq_buf *vq_slot(struct virtqueue *vq, uint16_t idx)
{
	return &vq->slot[idx & (uint16_t)(vq->size - 1)];
}

bool vq_driver_add(struct virtqueue *vq, const struct vq_buf *b)
{
	if (vq_in_flight(vq) >= vq->size)
		return false;
	*vq_slot(vq, vq->avail_idx) = *b;
	vq->avail_idx++;
	return true;
}

bool vq_driver_kick_prepare(struct virtqueue *vq)
{
	uint16_t old = vq->kick_old, new_idx = vq->avail_idx;
	vq->kick_old = new_idx;
	switch (vq->mode) {
	case VQ_SUPPRESS_EVENT_IDX:
		return vq_need_event(vq->avail_event, new_idx, old);
	case VQ_SUPPRESS_FLAGS:
		return new_idx != old && !vq->no_notify;
	default:
		return new_idx != old;
	}
}

bool vq_driver_get_used(struct virtqueue *vq, struct vq_buf *out)
{
	if (vq->used_seen == vq->used_idx)
		return false;
	*out = *vq_slot(vq, vq->used_seen);
	vq->used_seen++;
	return true;
}

void vq_driver_disable_cb(struct virtqueue *vq)
{
	if (vq->mode == VQ_SUPPRESS_FLAGS)
		vq->no_interrupt = true;
	else if (vq->mode == VQ_SUPPRESS_EVENT_IDX)
		vq->used_event = (uint16_t)(vq->used_seen - 1);   /* behind: no crossing until
								   * the index wraps */
}

bool vq_driver_enable_cb(struct virtqueue *vq)
{
	if (vq->mode == VQ_SUPPRESS_FLAGS)
		vq->no_interrupt = false;
	else if (vq->mode == VQ_SUPPRESS_EVENT_IDX)
		vq->used_event = vq->used_seen;
	return vq->used_seen != vq->used_idx;
}

bool vq_driver_enable_cb_delayed(struct virtqueue *vq)
{
	if (vq->mode != VQ_SUPPRESS_EVENT_IDX)
		return vq_driver_enable_cb(vq);
	uint16_t pending = (uint16_t)(vq->avail_idx - vq->used_seen);
	vq->used_event = (uint16_t)(vq->used_seen + pending * 3 / 4);
	return (uint16_t)(vq->used_idx - vq->used_seen) > (uint16_t)(pending * 3 / 4);
}

bool vq_device_pop(struct virtqueue *vq, struct vq_buf *out)
{
	if (vq->last_avail == vq->avail_idx)
		return false;
	*out = *vq_slot(vq, vq->last_avail);
	vq->last_avail++;
	return true;
}

void vq_device_push_used(struct virtqueue *vq, const struct vq_buf *b)
{
	*vq_slot(vq, vq->used_idx) = *b;
	vq->used_idx++;
}

bool vq_device_need_interrupt(struct virtqueue *vq)
{
	uint16_t old = vq->signalled, new_idx = vq->used_idx;
	vq->signalled = new_idx;
	switch (vq->mode) {
	case VQ_SUPPRESS_EVENT_IDX:
		return vq_need_event(vq->used_event, new_idx, old);
	case VQ_SUPPRESS_FLAGS:
		return new_idx != old && !vq->no_interrupt;
	default:
		return new_idx != old;
	}
}

void vq_device_disable_notify(struct virtqueue *vq)
{
	if (vq->mode == VQ_SUPPRESS_FLAGS)
		vq->no_notify = true;
}

bool vq_device_enable_notify(struct virtqueue *vq)
{
	if (vq->mode == VQ_SUPPRESS_FLAGS)
		vq->no_notify = false;
	else if (vq->mode == VQ_SUPPRESS_EVENT_IDX)
		vq->avail_event = vq->last_avail;
	return vq->last_avail != vq->avail_idx;
}
