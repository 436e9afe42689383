/*
 * kernel.h -- the discrete-event kernel of aimcsim.
 *
 * Semantics (identical on both backends):
 *  - Simulated time is an unsigned 64-bit count of picoseconds.
 *  - kernel_schedule(k, d, fn, ctx, arg) runs fn(k, ctx, arg) at now + d.
 *    A zero delay runs the callback at the current time, after every event
 *    already scheduled for the current time (it never runs re-entrantly
 *    inside the caller).
 *  - Events at equal times run in FIFO order of scheduling: the order is
 *    (time, sequence number), where the sequence number counts calls to
 *    kernel_schedule / kernel_schedule_at.  This order is part of the
 *    contract: both backends produce it, so results never depend on the
 *    backend.
 *  - kernel_run_until(k, t) runs every event with time <= t (including those
 *    that events at time t schedule at t), then leaves now == t, even when
 *    the queue ran empty earlier.  kernel_run(k) runs until the queue is
 *    empty; now is then the time of the last event.
 *  - kernel_stop(k), called from a callback, makes the current
 *    kernel_run / kernel_run_until return after that callback; the
 *    remaining events stay queued and a later run call resumes them.
 *  - Events cannot be cancelled; a model that needs to ignore an event
 *    checks a generation counter in its context.
 *  - The queue grows by doubling; once it has reached the peak number of
 *    pending events, scheduling does not allocate.
 *
 * Backends:
 *  - KERNEL_NATIVE: a plain C loop over the queue.
 *  - KERNEL_SYSTEMC: SystemC 2.3 owns simulated time; one SystemC process
 *    per kernel drains the same ordered queue and waits on one sc_event for
 *    the next event time (sim/kernel_sc.h is the C shim).  The kernel's time
 *    is SystemC's time minus SystemC's time at kernel_create, so a kernel
 *    starts at 0.  Called outside a running SystemC simulation, the run
 *    calls drive SystemC (sc_start): one systemc kernel may exist at a time
 *    then (kernel_create returns NULL with a message for a second one, until
 *    the first is freed).  Called from a thread process of a running
 *    simulation (a SystemC platform), the run calls wait in that thread
 *    while the kernel's events run at their SystemC times beside the
 *    platform's, and any number of kernels may exist.
 */
#ifndef AIMCSIM_KERNEL_H
#define AIMCSIM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct kernel kernel;

enum kernel_backend { KERNEL_SYSTEMC = 0, KERNEL_NATIVE = 1 };

/* An event callback: runs at its time with the context and argument given
 * when it was scheduled. */
typedef void (*kernel_fn)(kernel *k, void *ctx, uint64_t arg);

/* Returns a new kernel at time 0, or NULL with a message in err. */
kernel *kernel_create(enum kernel_backend b, char *err, size_t errlen);
void kernel_free(kernel *k);

/* Name of a backend ("systemc", "native"). */
const char *kernel_backend_name(enum kernel_backend b);
enum kernel_backend kernel_backend_of(const kernel *k);

void kernel_schedule(kernel *k, uint64_t delay_ps, kernel_fn fn, void *ctx,
                     uint64_t arg);
/* Schedule at an absolute time t_ps >= now (an earlier time is a bug:
 * asserted in debug builds, clamped to now otherwise). */
void kernel_schedule_at(kernel *k, uint64_t t_ps, kernel_fn fn, void *ctx,
                        uint64_t arg);

/* Both return 1 if stopped by kernel_stop, 0 otherwise, -1 if the SystemC
 * backend failed (an exception inside SystemC; kernel_sc_error() says
 * which); events may then remain queued. */
int kernel_run(kernel *k);
int kernel_run_until(kernel *k, uint64_t t_ps);
void kernel_stop(kernel *k);

uint64_t kernel_now(const kernel *k);
/* Events executed so far, events pending now, most pending at once. */
uint64_t kernel_events_run(const kernel *k);
size_t kernel_pending(const kernel *k);
size_t kernel_pending_peak(const kernel *k);

#endif
