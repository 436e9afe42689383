/*
 * kernel_sc.h -- the C shim over SystemC used by the systemc backend of
 * sim/kernel.h.  Plain C: every C++ type stays in sim/kernel_sc.cc, and no
 * C++ exception crosses these functions (each catches everything and
 * returns an error).
 *
 * Model: SystemC owns time.  One SystemC method process, sensitive to one
 * sc_event, calls the drain callback at each SystemC time it is woken at;
 * the callback runs the C queue's events of exactly that time and returns
 * the next event time, for which the process re-notifies its event.  The
 * event order is decided by the C queue, never by SystemC.
 *
 * At most one kernel_sc may ever exist in a process (SystemC has one
 * simulation context per process and no reset).
 */
#ifndef AIMCSIM_KERNEL_SC_H
#define AIMCSIM_KERNEL_SC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kernel_sc kernel_sc;

/* Runs every queued event of time now_ps (SystemC's current time), stopping
 * early if one asks to stop; returns 1 then, else 0.  Stores the time of the
 * earliest event still queued in *next_ps, UINT64_MAX if none. */
typedef int (*kernel_sc_drain_fn)(void *owner, uint64_t now_ps,
                                  uint64_t *next_ps);

/* Creates the process and its event; drain(owner, ...) is called from the
 * process.  NULL with a message in err if SystemC fails or a kernel_sc was
 * already created in this process. */
kernel_sc *kernel_sc_create(kernel_sc_drain_fn drain, void *owner, char *err,
                            size_t errlen);
/* Detaches: the process does nothing any more.  The SystemC objects live on
 * (SystemC cannot delete a process), and no new kernel_sc can be made. */
void kernel_sc_free(kernel_sc *s);

/* Makes the process wake at t_ps >= now (earliest request wins; t_ps == now
 * wakes it in the next delta cycle).  0, or -1 on a SystemC error. */
int kernel_sc_arm(kernel_sc *s, uint64_t t_ps);
/* sc_start until t_ps, then delta cycles until nothing is pending at t_ps.
 * Returns 1 if a drain asked to stop (sc_pause), 0 once time is t_ps, -1 on
 * a SystemC error. */
int kernel_sc_run_until(kernel_sc *s, uint64_t t_ps);
/* sc_start until SystemC has nothing left to do; 1 if stopped, 0, or -1.
 * In a platform with other SystemC activity (a clock) that is never:
 * there, use kernel_sc_run_until. */
int kernel_sc_run(kernel_sc *s);
/* The message of the last -1 return ("" if none). */
const char *kernel_sc_error(const kernel_sc *s);

/* sc_time_stamp() and sc_get_time_resolution() in ps. */
uint64_t kernel_sc_now_ps(void);
uint64_t kernel_sc_resolution_ps(void);

#ifdef __cplusplus
}
#endif

#endif
