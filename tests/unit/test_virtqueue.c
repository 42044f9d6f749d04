/* test_virtqueue.c - split virtqueue mechanics: ring order and wrap, full ring, kick and interrupt suppression */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "models/virtio/virtqueue.h"

static void mk(struct virtqueue *vq, unsigned size, enum vq_suppress mode)
{
	struct iov_err e = { 0 };
	assert_int_equal(vq_init(vq, size, mode, &e), 0);
}

static void add(struct virtqueue *vq, uint32_t len)
{
	struct vq_buf b = { .len = len, .tag = len, .t = len };
	assert_true(vq_driver_add(vq, &b));
}

/* vring_need_event: fires exactly when the index crosses the event, with wrap. */
static void test_need_event(void **state)
{
	(void)state;
	assert_true(vq_need_event(0, 1, 0));
	assert_false(vq_need_event(0, 2, 1));
	assert_true(vq_need_event(5, 8, 3));
	assert_false(vq_need_event(9, 8, 3));
	assert_true(vq_need_event(0xffff, 2, 0xfffe));  /* across the 16-bit wrap */
	assert_false(vq_need_event(0xfffd, 2, 0xfffe));
}

static void test_bad_size(void **state)
{
	(void)state;
	struct virtqueue vq;
	struct iov_err e = { 0 };
	assert_int_equal(vq_init(&vq, 100, VQ_SUPPRESS_OFF, &e), -1);
	assert_int_equal(e.status, IOV_BAD_INPUT);
	assert_int_equal(vq_init(&vq, 65536, VQ_SUPPRESS_OFF, &e), -1);
	assert_int_equal(vq_init(&vq, 0, VQ_SUPPRESS_OFF, &e), -1);
}

/* Buffers go avail -> device -> used -> driver in order, across index wrap;
 * a full ring refuses the add. */
static void test_order_wrap_full(void **state)
{
	(void)state;
	struct virtqueue vq;
	mk(&vq, 4, VQ_SUPPRESS_OFF);
	struct vq_buf b;
	uint32_t next_in = 1, next_out = 1;
	for (int round = 0; round < 70000 / 3; round++) {     /* wraps the 16-bit indexes */
		for (int i = 0; i < 3; i++)
			add(&vq, next_in++);
		for (int i = 0; i < 3; i++) {
			assert_true(vq_device_pop(&vq, &b));
			b.len += 1000000;                      /* the device writes the buffer */
			vq_device_push_used(&vq, &b);
		}
		assert_false(vq_device_pop(&vq, &b));
		for (int i = 0; i < 3; i++) {
			assert_true(vq_driver_get_used(&vq, &b));
			assert_int_equal(b.tag, next_out);
			assert_int_equal(b.len, next_out + 1000000);
			next_out++;
		}
		assert_false(vq_driver_get_used(&vq, &b));
	}
	for (int i = 0; i < 4; i++)
		add(&vq, 7);
	assert_int_equal(vq_in_flight(&vq), 4);
	b = (struct vq_buf){ .len = 8 };
	assert_false(vq_driver_add(&vq, &b));
	assert_int_equal(vq_device_pending(&vq), 4);
	/* Taken by the device but not used: still in flight, still full. */
	assert_true(vq_device_pop(&vq, &b));
	assert_false(vq_driver_add(&vq, &b));
	vq_device_push_used(&vq, &b);
	assert_true(vq_driver_get_used(&vq, &b));
	add(&vq, 9);
	vq_free(&vq);
}

/* Without suppression every add kicks and every used buffer interrupts. */
static void test_suppress_off(void **state)
{
	(void)state;
	struct virtqueue vq;
	mk(&vq, 8, VQ_SUPPRESS_OFF);
	struct vq_buf b;
	int kicks = 0, irqs = 0;
	for (int i = 0; i < 5; i++) {
		add(&vq, 1);
		kicks += vq_driver_kick_prepare(&vq);
		vq_device_disable_notify(&vq);
		assert_true(vq_device_pop(&vq, &b));
		vq_device_push_used(&vq, &b);
		irqs += vq_device_need_interrupt(&vq);
		vq_driver_disable_cb(&vq);
	}
	assert_int_equal(kicks, 5);
	assert_int_equal(irqs, 5);
	assert_false(vq_driver_kick_prepare(&vq));      /* nothing added since */
	vq_free(&vq);
}

/* Kicks while the device is busy are suppressed; one kick wakes it; after it
 * re-enables notification the next add kicks again. Both suppression modes
 * give the same kicks here, the event index through avail_event. */
static void kick_rounds(enum vq_suppress mode)
{
	struct virtqueue vq;
	mk(&vq, 16, mode);
	struct vq_buf b;
	add(&vq, 1);
	assert_true(vq_driver_kick_prepare(&vq));       /* device idle: kick */
	vq_device_disable_notify(&vq);                  /* the woken device polls */
	assert_true(vq_device_pop(&vq, &b));
	vq_device_push_used(&vq, &b);
	for (int i = 0; i < 5; i++) {                   /* added while it polls: no kick */
		add(&vq, 2);
		assert_false(vq_driver_kick_prepare(&vq));
	}
	while (vq_device_pop(&vq, &b))
		vq_device_push_used(&vq, &b);
	assert_false(vq_device_enable_notify(&vq));     /* ring empty: sleep */
	add(&vq, 3);
	assert_true(vq_driver_kick_prepare(&vq));       /* idle again: kick */
	/* The race: buffers added before the device re-enables are seen by its
	 * recheck, not lost. */
	vq_device_disable_notify(&vq);
	add(&vq, 4);
	assert_false(vq_driver_kick_prepare(&vq));
	assert_true(vq_device_pop(&vq, &b));
	assert_true(vq_device_enable_notify(&vq));      /* one more is pending */
	vq_free(&vq);
}

static void test_kick_flags(void **state)
{
	(void)state;
	kick_rounds(VQ_SUPPRESS_FLAGS);
}

static void test_kick_event_idx(void **state)
{
	(void)state;
	kick_rounds(VQ_SUPPRESS_EVENT_IDX);
}

/* The event index suppresses a second interrupt while the driver has not
 * yet re-armed (its handler has not run), which the flags cannot: the
 * driver sets NO_INTERRUPT only once its handler runs. */
static void test_interrupt_suppression(void **state)
{
	(void)state;
	struct vq_buf b;
	for (int m = VQ_SUPPRESS_FLAGS; m <= VQ_SUPPRESS_EVENT_IDX; m++) {
		struct virtqueue vq;
		mk(&vq, 16, (enum vq_suppress)m);
		for (int i = 0; i < 4; i++)
			add(&vq, 1);
		int irqs = 0;
		for (int i = 0; i < 2; i++) {                   /* before the handler runs */
			assert_true(vq_device_pop(&vq, &b));
			vq_device_push_used(&vq, &b);
			irqs += vq_device_need_interrupt(&vq);
		}
		assert_int_equal(irqs, m == VQ_SUPPRESS_FLAGS ? 2 : 1);
		vq_driver_disable_cb(&vq);                      /* handler: NAPI polls */
		while (vq_driver_get_used(&vq, &b))
			;
		assert_true(vq_device_pop(&vq, &b));            /* used while it polls */
		vq_device_push_used(&vq, &b);
		assert_false(vq_device_need_interrupt(&vq));
		assert_true(vq_driver_enable_cb(&vq));          /* recheck finds it */
		assert_true(vq_driver_get_used(&vq, &b));
		assert_false(vq_driver_enable_cb(&vq));         /* re-armed, empty */
		assert_true(vq_device_pop(&vq, &b));
		vq_device_push_used(&vq, &b);
		assert_true(vq_device_need_interrupt(&vq));     /* armed: interrupt */
		vq_free(&vq);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_need_event),
		cmocka_unit_test(test_bad_size),
		cmocka_unit_test(test_order_wrap_full),
		cmocka_unit_test(test_suppress_off),
		cmocka_unit_test(test_kick_flags),
		cmocka_unit_test(test_kick_event_idx),
		cmocka_unit_test(test_interrupt_suppression),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
