/*
 * kernel_sc.cc -- the SystemC side of the systemc kernel backend (its C
 * interface is sim/kernel_sc.h).
 *
 * Invariant: whenever the C queue is not empty and a run call is in
 * progress, the sc_event of the kernel_sc has a notification pending for
 * the queue's next event time (or earlier), so SystemC time never passes an
 * event.  The method process drains the C queue at sc_time_stamp() and
 * re-notifies the event for the next time; sc_event keeps the earliest of
 * several notifications, so kernel_sc_arm() from outside is idempotent.
 * Equal-time order is the C queue's: SystemC sees one wake-up per distinct
 * time, never the individual events.
 *
 * Embedded runs (a thread of a running simulation calls): the caller waits
 * on the kernel_sc's `done` event, which the process notifies when the
 * queue is empty, the next event lies beyond the run's limit, or a drain
 * asked to stop; it then leaves the event un-notified (armed = 0), and the
 * next run call re-arms it.
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
    kernel_sc_drain_fn drain; /* NULL while detached */
    void *owner;
    uint64_t base_ps;         /* SystemC time at attach: the kernel's time 0 */
    sc_event ev;              /* wakes the process at the next event time */
    sc_event done;            /* embedded runs: the run call may return */
    int armed;                /* ev has a notification pending */
    int embedded;             /* a thread is waiting on done */
    uint64_t limit_ps;        /* embedded: last time (absolute) to drain */
    int stopped;              /* the last drain asked to stop */
    char errmsg[256];         /* message of the last -1 return */
    kernel_sc *next_free;     /* the pool of detached kernel_sc */

    kernel_sc() : drain(0), owner(0), base_ps(0), ev(sc_core::sc_gen_unique_name("aimcsim_wakeup")),
                  done(sc_core::sc_gen_unique_name("aimcsim_done")), armed(0), embedded(0),
                  limit_ps(0), stopped(0), next_free(0) { errmsg[0] = 0; }
};

/* The only mutable statics: SystemC cannot delete a process, so detached
 * kernel_sc objects (and their processes) are kept for reuse, never
 * deleted, which also keeps them reachable for leak checkers.  Standalone
 * runs allow one attached kernel_sc at a time (sim/kernel_sc.h). */
static kernel_sc *kernel_sc_pool;
static unsigned kernel_sc_attached;

/* libsystemc.so defines main() and calls sc_main from it; the program's own
 * main wins at link time, but sc_main must still resolve.  Never called.
 * Weak, so that a SystemC virtual platform linking aimcsim keeps its own;
 * visible, so that it resolves from the shared library too. */
extern "C" __attribute__((weak, visibility("default"))) int sc_main(int, char **)
{
    return 0;
}

namespace {

uint64_t sc_now() { return sc_core::sc_time_stamp().value(); }

/* The method process body: one call per SystemC wake-up. */
struct kernel_sc_proc {
    kernel_sc *s;
    void operator()() const
    {
        s->armed = 0;
        if (!s->drain)
            return;
        uint64_t now = sc_now(), next;
        if (s->embedded && now > s->limit_ps) { /* armed by a standalone run */
            s->done.notify();
            return;
        }
        int stop = s->drain(s->owner, now - s->base_ps, &next);
        if (next != UINT64_MAX)
            next += s->base_ps;
        if (s->embedded && (stop || next == UINT64_MAX || next > s->limit_ps)) {
            s->stopped = stop;
            s->done.notify();
            return;
        }
        if (next != UINT64_MAX) {
            s->armed = 1;
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

/* 1 when called from inside a running simulation (a process), 0 when the
 * caller must drive SystemC itself. */
int embedded_call()
{
    return sc_core::sc_get_status() == sc_core::SC_RUNNING;
}

/* An embedded run: waits in the calling thread until the events up to
 * limit (absolute) have run, then until limit itself unless it is
 * UINT64_MAX.  Returns 1 if a drain asked to stop, 0, or -1. */
int embedded_run(kernel_sc *s, uint64_t limit)
{
    sc_core::sc_curr_proc_kind k = sc_core::sc_get_current_process_handle().proc_kind();
    if (k != sc_core::SC_THREAD_PROC_ && k != sc_core::SC_CTHREAD_PROC_) {
        set_error(s, "run", "called from a method process (expected a thread process: "
                            "the call waits for simulated time)");
        return -1;
    }
    s->stopped = 0;
    s->limit_ps = limit;
    if (s->armed) {
        s->embedded = 1;
        sc_core::wait(s->done);
        s->embedded = 0;
    }
    if (!s->stopped && limit != UINT64_MAX && sc_now() < limit)
        sc_core::wait(sc_time::from_value(limit - sc_now()));
    return s->stopped;
}

} // namespace

extern "C" kernel_sc *kernel_sc_create(kernel_sc_drain_fn drain, void *owner,
                                       char *err, size_t errlen)
{
    kernel_sc *s = NULL;
    try {
        if (kernel_sc_attached && !embedded_call()) {
            std::snprintf(err, errlen,
                          "kernel: systemc: only one systemc kernel at a time "
                          "outside a running SystemC simulation (free the "
                          "other first)");
            return NULL;
        }
        /* Before the first SystemC call: 2.3.4 prints its banner only from
         * sc_elab_and_sim, which we never call, but honours this variable
         * if a later version prints it elsewhere.  Does not override a
         * user's value. */
        setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
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
        if (kernel_sc_pool) {
            s = kernel_sc_pool;
            kernel_sc_pool = s->next_free;
            s->next_free = NULL;
        } else {
            s = new kernel_sc();
            sc_core::sc_spawn_options opt;
            opt.spawn_method();
            opt.set_sensitivity(&s->ev);
            opt.dont_initialize();
            kernel_sc_proc proc = {s};
            sc_core::sc_spawn(proc, sc_core::sc_gen_unique_name("aimcsim_kernel"), &opt);
        }
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
    s->base_ps = kernel_sc_now_ps();
    s->armed = s->embedded = s->stopped = 0;
    s->errmsg[0] = 0;
    kernel_sc_attached++;
    return s;
}

extern "C" void kernel_sc_free(kernel_sc *s)
{
    if (!s)
        return;
    s->drain = NULL;
    s->owner = NULL;
    s->armed = 0;
    try {
        s->ev.cancel();
        s->done.cancel();
    } catch (...) {
    }
    kernel_sc_attached--;
    s->next_free = kernel_sc_pool;
    kernel_sc_pool = s;
}

extern "C" int kernel_sc_arm(kernel_sc *s, uint64_t t_ps)
{
    return guarded(s, "arm", [&] {
        uint64_t now = sc_now(), t = s->base_ps + t_ps;
        if (t <= now)
            s->ev.notify(sc_core::SC_ZERO_TIME);
        else
            s->ev.notify(sc_time::from_value(t - now));
        s->armed = 1;
        return 0;
    });
}

extern "C" int kernel_sc_run_until(kernel_sc *s, uint64_t t_ps)
{
    return guarded(s, "run", [&] {
        uint64_t t = s->base_ps + t_ps;
        if (embedded_call())
            return embedded_run(s, t);
        s->stopped = 0;
        uint64_t now = sc_now();
        if (t > now)
            sc_core::sc_start(sc_time::from_value(t - now));
        /* sc_start(d) leaves what is due exactly at now + d unrun. */
        while (!s->stopped && sc_core::sc_pending_activity_at_current_time())
            sc_core::sc_start(sc_core::SC_ZERO_TIME);
        return s->stopped;
    });
}

extern "C" int kernel_sc_run(kernel_sc *s)
{
    return guarded(s, "run", [&] {
        if (embedded_call())
            return embedded_run(s, UINT64_MAX);
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

extern "C" uint64_t kernel_sc_time_ps(const kernel_sc *s)
{
    return kernel_sc_now_ps() - s->base_ps;
}

extern "C" uint64_t kernel_sc_now_ps(void)
{
    try {
        return sc_now();
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
