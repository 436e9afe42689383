/*
 * kernel_sc.h -- the C shim over SystemC used by the systemc backend of
 * sim/kernel.h.  Plain C: every C++ type stays in sim/kernel_sc.cc, and no
 * C++ exception crosses these functions (each catches everything and
 * returns an error).
 *
 * Model: SystemC owns time.  One SystemC method process per kernel_sc,
 * sensitive to one sc_event, calls the drain callback at each SystemC time
 * it is woken at; the callback runs the C queue's events of exactly that
 * time and returns the next event time, for which the process re-notifies
 * its event.  The event order is decided by the C queue, never by SystemC.
 *
 * Time: a kernel_sc counts from the SystemC time at which it was created
 * (its base): every time in this interface but kernel_sc_now_ps() is
 * relative to that base, so a kernel always starts at 0 whatever SystemC's
 * time then is.
 *
 * Two ways to run, chosen by each run call:
 *  - Standalone (no SystemC simulation is running: sc_is_running() is
 *    false): the run calls drive SystemC themselves with sc_start.  At most
 *    one kernel_sc may be attached at a time then, since sc_start runs
 *    every process of the simulation.
 *  - Embedded (called from a SystemC thread process of a running
 *    simulation, such as a TLM target's b_transport): the run calls wait()
 *    in the calling thread until the kernel's events up to the limit have
 *    run, while the host platform's other processes run beside them; the
 *    caller's time advances by the simulated time.  Any number of kernels
 *    may be attached; a call from a method process is an error (it cannot
 *    wait).
 *
 * SystemC cannot delete a process: kernel_sc_free detaches a kernel_sc,
 * whose process and event are then reused by the next kernel_sc_create.
 */
#ifndef AIMCSIM_KERNEL_SC_H
#define AIMCSIM_KERNEL_SC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kernel_sc kernel_sc;

/* Runs every queued event of time now_ps (relative to the base), stopping
 * early if one asks to stop; returns 1 then, else 0.  Stores the time of the
 * earliest event still queued in *next_ps, UINT64_MAX if none. */
typedef int (*kernel_sc_drain_fn)(void *owner, uint64_t now_ps,
                                  uint64_t *next_ps);

/* Attaches a process and its event (reusing a detached one, or spawning
 * one); drain(owner, ...) is called from the process.  NULL with a message
 * in err if SystemC fails, or outside a running simulation when another
 * kernel_sc is attached. */
kernel_sc *kernel_sc_create(kernel_sc_drain_fn drain, void *owner, char *err,
                            size_t errlen);
/* Detaches: the process does nothing any more until it is reused. */
void kernel_sc_free(kernel_sc *s);

/* Makes the process wake at t_ps >= now (earliest request wins; t_ps == now
 * wakes it in the next delta cycle).  0, or -1 on a SystemC error. */
int kernel_sc_arm(kernel_sc *s, uint64_t t_ps);
/* Runs until time t_ps, then delta cycles until nothing of this kernel is
 * pending at t_ps.  Returns 1 if a drain asked to stop (standalone:
 * sc_pause), 0 once time is t_ps, -1 on a SystemC error. */
int kernel_sc_run_until(kernel_sc *s, uint64_t t_ps);
/* Runs until the kernel has nothing left to do (standalone: sc_start until
 * SystemC starves, which in a platform with other SystemC activity never
 * happens; embedded: until this kernel's queue is empty); 1 if stopped, 0,
 * or -1. */
int kernel_sc_run(kernel_sc *s);
/* The message of the last -1 return ("" if none). */
const char *kernel_sc_error(const kernel_sc *s);

/* The kernel's time: sc_time_stamp() minus its base, in ps. */
uint64_t kernel_sc_time_ps(const kernel_sc *s);
/* sc_time_stamp() and sc_get_time_resolution() in ps. */
uint64_t kernel_sc_now_ps(void);
uint64_t kernel_sc_resolution_ps(void);

#ifdef __cplusplus
}
#endif

#endif
