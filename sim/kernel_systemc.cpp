/* kernel_systemc.cpp - the SystemC event kernel back end: one SC_METHOD runs the common queue */
#include <exception>
#include <stdexcept>

#include <systemc>

#include "kernel_impl.h"

/*
 * The only C++ file of the project; no SystemC type leaves it.
 *
 * Event order stays in the common (time, seq) heap: SystemC only carries time.
 * One driver module holds one sc_event and one SC_METHOD sensitive to it. The
 * method runs every queued event due at the current SystemC time (including
 * those the callbacks schedule for that same time), then notifies the sc_event
 * for the time of the next queued event. So same-time order is exactly the
 * native back end's, and user SystemC models can run alongside.
 *
 * SystemC facts this relies on (2.3.4):
 * - Modules must exist before the first sc_start(), and the simulation cannot
 *   be restarted after sc_stop() (never called here). So the driver is created
 *   once, at the first systemc kernel creation, and lives for the process; a
 *   kernel records SystemC's time at its creation as its time 0 ('base').
 *   Hence one systemc kernel at a time.
 * - sc_start(d) ends at now + d with the processes triggered at exactly that
 *   time still runnable: sc_start(SC_ZERO_TIME) runs that last delta.
 * - sc_start(d, SC_EXIT_ON_STARVATION) leaves time at the last activity when
 *   nothing is pending; SC_RUN_TO_TIME moves it to now + d.
 * - sc_pause() from the method makes sc_start() return after the current delta
 *   cycle; sc_stop() would end the simulation for good.
 * - Errors are C++ exceptions (sc_report): caught here, never crossing into C.
 * - The callbacks' times come from the common heap (k->now), not SystemC's
 *   clock; SystemC time only decides when the method wakes.
 * SystemC's clock ends at sc_max_time() (2^64 - 1 ps, ~213 days). Events
 * beyond it (in practice: "never" timeouts at SIM_TIME_MAX) still run, in
 * order, once everything before them has run, but SystemC's clock stays at
 * its last value meanwhile, so co-simulated models do not see them.
 */

using namespace sc_core;

/* libsystemc.so defines main() and references sc_main(); our programs have a
 * C main(), so this weak definition satisfies the link; it is never called. */
int sc_main(int argc, char **argv) __attribute__((weak));
int sc_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 3;
}

namespace {

class kernel_driver : public sc_module {
public:
	sc_event wake;
	struct sim_kernel *k = nullptr;        /* the attached kernel, if any */
	sc_time::value_type base = 0;           /* SystemC time of k's time 0 */
	const sc_time::value_type max = sc_max_time().value();

	SC_HAS_PROCESS(kernel_driver);

	explicit kernel_driver(sc_module_name name) : sc_module(name)
	{
		SC_METHOD(on_wake);
		sensitive << wake;
		dont_initialize();
	}

	/* SystemC time relative to the attached kernel's time 0. */
	sim_time_t rel_now() const { return sc_time_stamp().value() - base; }

	void arm(sim_time_t now);
	void arm() { arm(rel_now()); }
	void on_wake();
};

kernel_driver *sysc_driver;     /* created once, kept for the process lifetime */

/* Notify 'wake' for the earliest queued event (none pending: stay quiet).
 * 'now' is rel_now(). */
void kernel_driver::arm(sim_time_t now)
{
	sim_time_t head;
	if (!k || !kernel_head_time(k, &head))
		return;
	if (head <= now) {
		wake.notify(SC_ZERO_TIME);
		return;
	}
	sc_time::value_type delay = head - now;
	if (delay > max - base - now)
		return;                 /* beyond SystemC's time range: see sysc_run */
	wake.notify(sc_time::from_value(delay));
}

void kernel_driver::on_wake()
{
	if (!k)
		return;         /* a wake-up left over from a destroyed kernel */
	sim_time_t now = rel_now();
	kernel_dispatch(k, now);
	if (k->stop)
		sc_pause();
	arm(now);
}

/* One-time SystemC set-up: quiet reports, 1 ps resolution, the driver. */
void sysc_setup()
{
	/* sc_start() warns when it finds nothing to do; an empty run is normal here. */
	sc_report_handler::set_actions(SC_ID_NO_SC_START_ACTIVITY_, SC_DO_NOTHING);
	/* Our time unit is the picosecond; SystemC's must match for co-simulated
	 * models to agree on time. Setting it fails if SystemC code that ran
	 * before us already fixed it; then it must be 1 ps anyway. */
	try {
		sc_set_time_resolution(1, SC_PS);
	} catch (const sc_report &) {
	}
	if (sc_get_time_resolution() != sc_time(1, SC_PS))
		throw std::runtime_error("SystemC's time resolution is " +
					 sc_get_time_resolution().to_string() + ", not 1 ps");
	sysc_driver = new kernel_driver("iovsim_kernel");
}

void sysc_set_error(struct iov_err *e, const char *what, const char *msg)
{
	iov_err_set(e, IOV_INTERNAL, "SystemC %s failed: %s", what, msg);
}

int sysc_init(struct sim_kernel *k, struct iov_err *e)
{
	try {
		if (!sysc_driver)
			sysc_setup();
		if (sysc_driver->k) {
			iov_err_set(e, IOV_INTERNAL, "only one systemc event kernel may exist at a "
				    "time (SystemC has one simulation context per process)");
			return -1;
		}
		if (sc_get_status() & (SC_STOPPED | SC_END_OF_SIMULATION)) {
			iov_err_set(e, IOV_INTERNAL, "the SystemC simulation of this process has "
				    "been stopped and cannot be restarted");
			return -1;
		}
		sysc_driver->k = k;
		sysc_driver->base = sc_time_stamp().value();
		return 0;
	} catch (const std::exception &ex) {
		sysc_set_error(e, "kernel set-up", ex.what());
	} catch (...) {
		sysc_set_error(e, "kernel set-up", "unknown exception");
	}
	return -1;
}

void sysc_fini(struct sim_kernel *k)
{
	if (!sysc_driver || sysc_driver->k != k)
		return;
	try {
		sysc_driver->wake.cancel();
	} catch (...) {
		/* nothing to report to: the kernel is going away either way */
	}
	sysc_driver->k = nullptr;
}

void sysc_head_changed(struct sim_kernel *k)
{
	(void)k;
	try {
		sysc_driver->wake.cancel();
		sysc_driver->arm();
	} catch (...) {
		/* a failing notify shows up again, and is reported, in sim_run() */
	}
}

/* Run events up to base + until (or forever when that is out of SystemC's range). */
void sysc_advance(struct sim_kernel *k, sim_time_t until, bool *bounded)
{
	const sc_time::value_type max = sysc_driver->max, base = sysc_driver->base;
	*bounded = until != SIM_TIME_MAX && until <= max - base;
	sysc_driver->wake.cancel();     /* re-arm: the queue may have changed since */
	sysc_driver->arm();
	if (!*bounded) {
		sc_start();     /* until nothing is pending, or sc_pause() */
	} else {
		sc_time::value_type target = base + until, now = sc_time_stamp().value();
		if (target > now)
			sc_start(sc_time::from_value(target - now), SC_EXIT_ON_STARVATION);
	}
	/* Run what was triggered at the end time itself. */
	while (!k->stop && sc_pending_activity_at_current_time())
		sc_start(SC_ZERO_TIME);
}

enum sim_run_result sysc_run(struct sim_kernel *k, sim_time_t until, struct iov_err *e)
{
	try {
		bool bounded;
		sysc_advance(k, until, &bounded);
		if (k->stop)
			return SIM_RUN_STOPPED;
		if (!bounded) {
			/* What is left lies beyond SystemC's time range: run it as the
			 * native kernel would, SystemC's clock stays where it is. */
			kernel_dispatch(k, until);
			if (k->stop)
				return SIM_RUN_STOPPED;
		}
		if (k->heap_len == 0)
			return SIM_RUN_EMPTY;
		sc_time::value_type target = sysc_driver->base + until, now = sc_time_stamp().value();
		if (bounded && now < target)    /* events remain after 'until': move time there */
			sc_start(sc_time::from_value(target - now), SC_RUN_TO_TIME);
		k->now = until;
		return SIM_RUN_UNTIL;
	} catch (const std::exception &ex) {
		sysc_set_error(e, "simulation", ex.what());
	} catch (...) {
		sysc_set_error(e, "simulation", "unknown exception");
	}
	return SIM_RUN_ERROR;
}

} // namespace

extern "C" const struct sim_kernel_ops sim_kernel_systemc_ops = {
	"systemc",
	sysc_init,
	sysc_fini,
	sysc_run,
	sysc_head_changed,
};
