/*
 * kernel_sc.cc -- the SystemC side of the systemc kernel backend (the only
 * C++ file; its C interface is sim/kernel_sc.h).
 *
 * Invariant: whenever the C queue is not empty and a run call is in
 * progress, the one sc_event of the shim has a notification pending for the
 * queue's next event time (or earlier), so SystemC time never passes an
 * event.  The method process drains the C queue at sc_time_stamp() and
 * re-notifies the event for the next time; sc_event keeps the earliest of
 * several notifications, so kernel_sc_arm() from outside is idempotent.
 * Equal-time order is the C queue's: SystemC sees one wake-up per distinct
 * time, never the individual events.
 *
 * Firewall: every extern "C" function catches every exception (SystemC
 * reports errors by throwing sc_report, allocation by std::bad_alloc) and
 * turns it into an error return with a message.
 */
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "sim/kernel_sc.h"

using sc_core::sc_event;
using sc_core::sc_time;

struct kernel_sc {
    kernel_sc_drain_fn drain; /* NULL once detached by kernel_sc_free */
    void *owner;
    sc_event ev;              /* wakes the process at the next event time */
    int stopped;              /* the last drain asked to stop */
    char errmsg[256];         /* message of the last -1 return */

    kernel_sc() : drain(0), owner(0), ev("aimcsim_kernel_wakeup"),
                  stopped(0) { errmsg[0] = 0; }
};

/* The only mutable static: SystemC allows one simulation context per
 * process, with no reset, so at most one kernel_sc is ever created.  The
 * object is never deleted (the process spawned on it cannot be), which
 * also keeps it reachable for leak checkers. */
static kernel_sc *kernel_sc_instance;

/* libsystemc.so defines main() and calls sc_main from it; the program's own
 * main wins at link time, but sc_main must still resolve.  Never called.
 * Weak, so that a SystemC virtual platform linking aimcsim keeps its own. */
extern "C" __attribute__((weak)) int sc_main(int, char **)
{
    return 0;
}

namespace {

/* The method process body: one call per SystemC wake-up. */
struct kernel_sc_proc {
    kernel_sc *s;
    void operator()() const
    {
        if (!s->drain)
            return;
        uint64_t now = sc_core::sc_time_stamp().value(), next;
        int stop = s->drain(s->owner, now, &next);
        if (next != UINT64_MAX) {
            if (next == now)
                s->ev.notify(sc_core::SC_ZERO_TIME);
            else
                s->ev.notify(sc_time::from_value(next - now));
        }
        if (stop) {
            s->stopped = 1;
            sc_core::sc_pause();
        }
    }
};

void set_error(kernel_sc *s, const char *what, const char *msg)
{
    std::snprintf(s->errmsg, sizeof s->errmsg, "kernel: systemc: %s: %s",
                  what, msg);
}

/* Runs the body, converting any exception into -1 with a message. */
template <class F> int guarded(kernel_sc *s, const char *what, F body)
{
    try {
        return body();
    } catch (const std::exception &e) {
        set_error(s, what, e.what());
    } catch (...) {
        set_error(s, what, "unknown C++ exception");
    }
    return -1;
}

} // namespace

extern "C" kernel_sc *kernel_sc_create(kernel_sc_drain_fn drain, void *owner,
                                       char *err, size_t errlen)
{
    if (kernel_sc_instance) {
        std::snprintf(err, errlen,
                      "kernel: systemc: only one systemc kernel per process "
                      "(SystemC has one simulation context and no reset)");
        return NULL;
    }
    /* Before the first SystemC call: 2.3.4 prints its banner only from
     * sc_elab_and_sim, which we never call, but honours this variable if a
     * later version prints it elsewhere.  Does not override a user's value. */
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    kernel_sc *s = NULL;
    try {
        /* Kernel time is integer ps: the SystemC resolution must be 1 ps
         * (the default; asking for it fixes it from here on). */
        if (kernel_sc_resolution_ps() != 1) {
            std::snprintf(err, errlen,
                          "kernel: systemc: time resolution is %s, "
                          "expected 1 ps",
                          sc_core::sc_get_time_resolution()
                              .to_string().c_str());
            return NULL;
        }
        s = new kernel_sc();
        sc_core::sc_spawn_options opt;
        opt.spawn_method();
        opt.set_sensitivity(&s->ev);
        opt.dont_initialize();
        kernel_sc_proc proc = {s};
        sc_core::sc_spawn(proc, "aimcsim_kernel", &opt);
    } catch (const std::exception &e) {
        std::snprintf(err, errlen, "kernel: systemc: %s", e.what());
        delete s; /* not yet known to SystemC, or the spawn failed */
        return NULL;
    } catch (...) {
        std::snprintf(err, errlen, "kernel: systemc: unknown C++ exception");
        delete s;
        return NULL;
    }
    s->drain = drain;
    s->owner = owner;
    kernel_sc_instance = s;
    return s;
}

extern "C" void kernel_sc_free(kernel_sc *s)
{
    if (!s)
        return;
    s->drain = NULL;
    s->owner = NULL;
    try {
        s->ev.cancel();
    } catch (...) {
    }
}

extern "C" int kernel_sc_arm(kernel_sc *s, uint64_t t_ps)
{
    return guarded(s, "arm", [&] {
        uint64_t now = sc_core::sc_time_stamp().value();
        if (t_ps <= now)
            s->ev.notify(sc_core::SC_ZERO_TIME);
        else
            s->ev.notify(sc_time::from_value(t_ps - now));
        return 0;
    });
}

extern "C" int kernel_sc_run_until(kernel_sc *s, uint64_t t_ps)
{
    return guarded(s, "run", [&] {
        s->stopped = 0;
        uint64_t now = sc_core::sc_time_stamp().value();
        if (t_ps > now)
            sc_core::sc_start(sc_time::from_value(t_ps - now));
        /* sc_start(d) leaves what is due exactly at now + d unrun. */
        while (!s->stopped && sc_core::sc_pending_activity_at_current_time())
            sc_core::sc_start(sc_core::SC_ZERO_TIME);
        return s->stopped;
    });
}

extern "C" int kernel_sc_run(kernel_sc *s)
{
    return guarded(s, "run", [&] {
        s->stopped = 0;
        sc_core::sc_start(); /* until starvation: time stays at the last
                                wake-up */
        return s->stopped;
    });
}

extern "C" const char *kernel_sc_error(const kernel_sc *s)
{
    return s->errmsg;
}

extern "C" uint64_t kernel_sc_now_ps(void)
{
    try {
        return sc_core::sc_time_stamp().value();
    } catch (...) {
        return 0;
    }
}

extern "C" uint64_t kernel_sc_resolution_ps(void)
{
    try {
        /* rounded to whole ps: 0 if finer than 0.5 ps */
        double s = sc_core::sc_get_time_resolution().to_seconds();
        return (uint64_t)(s * 1e12 + 0.5);
    } catch (...) {
        return 0;
    }
}
