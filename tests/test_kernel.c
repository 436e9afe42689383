/* test_kernel.c -- the event kernel (sim/kernel.h) on both backends.
 *
 * Suites: kernel_native and kernel_systemc run the same semantic tests, one
 * backend each (BOTH below defines a test in both); kernel_systemc adds the
 * SystemC-specific ones; kernel_both runs one randomized workload on the
 * two backends and a reference queue in lockstep.  Criterion forks a
 * process per test, so each test starts with SystemC at time 0. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>

#include "sim/kernel.h"
#include "sim/kernel_sc.h"

/* ---- helpers ---- */

static kernel *mk(enum kernel_backend b)
{
    char err[256] = "";
    kernel *k = kernel_create(b, err, sizeof err);
    cr_assert_not_null(k, "kernel_create(%s): %s", kernel_backend_name(b),
                       err);
    cr_assert_eq(kernel_now(k), 0);
    return k;
}

static inline uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* A log of executed events: (time, id). */
#define LOG_MAX 64
struct log {
    size_t n;
    uint64_t t[LOG_MAX];
    uint64_t id[LOG_MAX];
    kernel *k;
};

/* Records (now, id). */
static void log_ev_rel(kernel *k, void *ctx, uint64_t id)
{
    struct log *l = ctx;
    cr_assert_lt(l->n, LOG_MAX);
    l->t[l->n] = kernel_now(k);
    l->id[l->n] = id;
    l->n++;
}

/* As log_ev_rel; on the systemc backend also checks that kernel time is
 * SystemC's time (the kernel was the process's first). */
static void log_ev(kernel *k, void *ctx, uint64_t id)
{
    log_ev_rel(k, ctx, id);
    if (kernel_backend_of(k) == KERNEL_SYSTEMC)
        cr_assert_eq(kernel_now(k), kernel_sc_now_ps(),
                     "kernel_now %" PRIu64 " != sc_time_stamp %" PRIu64,
                     kernel_now(k), kernel_sc_now_ps());
}

static void expect_log(const struct log *l, size_t n, const uint64_t *t,
                       const uint64_t *id)
{
    cr_assert_eq(l->n, n, "%zu events ran, expected %zu", l->n, n);
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(l->t[i], t[i], "event %zu: time %" PRIu64
                     ", expected %" PRIu64, i, l->t[i], t[i]);
        cr_expect_eq(l->id[i], id[i], "event %zu: id %" PRIu64
                     ", expected %" PRIu64, i, l->id[i], id[i]);
    }
}

/* A test body run once per backend: kernel_native/name, kernel_systemc/name. */
#define BOTH(name)                                                           \
    static void name##_body(enum kernel_backend be);                         \
    Test(kernel_native, name) { name##_body(KERNEL_NATIVE); }               \
    Test(kernel_systemc, name) { name##_body(KERNEL_SYSTEMC); }             \
    static void name##_body(enum kernel_backend be)

/* ---- FIFO order of equal times ---- */

/* Scripted events: what each id schedules when it runs. */
static struct log g_fifo_log; /* per test process: Criterion forks */

static void fifo_ev(kernel *k, void *ctx, uint64_t id)
{
    log_ev(k, ctx, id);
    switch (id) {
    case 4: /* B at 50 */
        kernel_schedule(k, 50, fifo_ev, ctx, 5); /* A4 at 100 */
        break;
    case 1: /* A1 at 100 */
        kernel_schedule(k, 0, fifo_ev, ctx, 10); /* Z1 */
        kernel_schedule(k, 0, fifo_ev, ctx, 11); /* Z2 */
        break;
    case 2: /* A2 */
        kernel_schedule(k, 0, fifo_ev, ctx, 12); /* Z3 */
        break;
    case 10: /* Z1 */
        kernel_schedule(k, 0, fifo_ev, ctx, 13); /* Z4 */
        kernel_schedule_at(k, 100, fifo_ev, ctx, 14); /* Z5, same time */
        break;
    }
}

BOTH(fifo_equal_times)
{
    kernel *k = mk(be);
    struct log *l = &g_fifo_log;
    kernel_schedule(k, 100, fifo_ev, l, 1); /* A1 */
    kernel_schedule(k, 50, fifo_ev, l, 4);  /* B */
    kernel_schedule(k, 100, fifo_ev, l, 2); /* A2 */
    kernel_schedule_at(k, 100, fifo_ev, l, 3); /* A3 */
    cr_assert_eq(kernel_run(k), 0);
    static const uint64_t t[] = {50, 100, 100, 100, 100, 100,
                                 100, 100, 100, 100};
    static const uint64_t id[] = {4, 1, 2, 3, 5, 10, 11, 12, 13, 14};
    expect_log(l, 10, t, id);
    cr_assert_eq(kernel_now(k), 100);
    cr_assert_eq(kernel_events_run(k), 10);
    kernel_free(k);
}

/* Many events at one time, scheduled in an order unrelated to their ids'
 * insertion into the queue's internal structure. */
BOTH(fifo_many_equal_times)
{
    kernel *k = mk(be);
    static struct log l;
    uint64_t t[LOG_MAX], id[LOG_MAX];
    /* ids 0..39 at time 7000, scheduled alternately by delay and by
     * absolute time, interleaved with earlier and later events */
    for (uint64_t i = 0; i < 40; i++) {
        if (i % 2)
            kernel_schedule(k, 7000, log_ev, &l, i);
        else
            kernel_schedule_at(k, 7000, log_ev, &l, i);
        if (i % 10 == 0)
            kernel_schedule(k, 6999, log_ev, &l, 1000 + i);
        if (i % 10 == 5)
            kernel_schedule(k, 7001, log_ev, &l, 2000 + i);
    }
    cr_assert_eq(kernel_run(k), 0);
    size_t n = 0;
    for (uint64_t i = 0; i < 40; i += 10)
        t[n] = 6999, id[n++] = 1000 + i;
    for (uint64_t i = 0; i < 40; i++)
        t[n] = 7000, id[n++] = i;
    for (uint64_t i = 5; i < 40; i += 10)
        t[n] = 7001, id[n++] = 2000 + i;
    expect_log(&l, n, t, id);
    kernel_free(k);
}

/* ---- zero delay ---- */

struct zctx {
    struct log log;
    int inside; /* 1 while the scheduling callback runs */
};

static void zero_child(kernel *k, void *ctx, uint64_t id)
{
    struct zctx *z = ctx;
    cr_assert_eq(z->inside, 0, "a zero-delay event ran inside its caller");
    log_ev(k, &z->log, id);
}

static void zero_parent(kernel *k, void *ctx, uint64_t id)
{
    struct zctx *z = ctx;
    log_ev(k, &z->log, id);
    z->inside = 1;
    kernel_schedule(k, 0, zero_child, z, id + 100);
    cr_assert_eq(z->log.n, (size_t)(id == 1 ? 2 : 3),
                 "the child ran re-entrantly");
    z->inside = 0;
}

BOTH(zero_delay)
{
    kernel *k = mk(be);
    static struct zctx z;
    /* at time 0, before any run: runs at time 0 */
    kernel_schedule(k, 0, zero_child, &z, 0);
    kernel_schedule(k, 30, zero_parent, &z, 1);
    kernel_schedule(k, 30, zero_parent, &z, 2);
    cr_assert_eq(kernel_run(k), 0);
    /* children run at their parent's time, after both parents (scheduled
     * earlier for that time) */
    static const uint64_t t[] = {0, 30, 30, 30, 30};
    static const uint64_t id[] = {0, 1, 2, 101, 102};
    expect_log(&z.log, 5, t, id);
    cr_assert_eq(kernel_now(k), 30);
    /* after a run, a zero delay from outside runs at the current time */
    kernel_schedule(k, 0, zero_child, &z, 7);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(z.log.n, 6);
    cr_assert_eq(z.log.t[5], 30);
    kernel_free(k);
}

/* ---- run_until ---- */

static void spawn_zero(kernel *k, void *ctx, uint64_t id)
{
    log_ev(k, ctx, id);
    if (id == 2)
        kernel_schedule(k, 0, log_ev, ctx, 9); /* at t, from an event at t */
}

BOTH(run_until_inclusive)
{
    kernel *k = mk(be);
    static struct log l;
    kernel_schedule(k, 10, spawn_zero, &l, 1);
    kernel_schedule(k, 20, spawn_zero, &l, 2);
    kernel_schedule(k, 20, spawn_zero, &l, 3);
    kernel_schedule(k, 21, spawn_zero, &l, 4);
    kernel_schedule(k, 30, spawn_zero, &l, 5);
    /* not ready at t - 1 */
    cr_assert_eq(kernel_run_until(k, 19), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(kernel_now(k), 19);
    /* ready at t, with what t's events schedule at t */
    cr_assert_eq(kernel_run_until(k, 20), 0);
    static const uint64_t t[] = {10, 20, 20, 20};
    static const uint64_t id[] = {1, 2, 3, 9};
    expect_log(&l, 4, t, id);
    cr_assert_eq(kernel_now(k), 20);
    cr_assert_eq(kernel_pending(k), 2);
    /* t == now: nothing more, time stays */
    cr_assert_eq(kernel_run_until(k, 20), 0);
    cr_assert_eq(l.n, 4);
    cr_assert_eq(kernel_now(k), 20);
    /* an empty stretch leaves now == t */
    cr_assert_eq(kernel_run_until(k, 29), 0);
    cr_assert_eq(l.n, 5); /* the event at 21 */
    cr_assert_eq(kernel_now(k), 29);
    cr_assert_eq(kernel_run_until(k, 30), 0);
    cr_assert_eq(l.n, 6);
    cr_assert_eq(kernel_now(k), 30);
    cr_assert_eq(kernel_pending(k), 0);
    if (be == KERNEL_SYSTEMC)
        cr_assert_eq(kernel_sc_now_ps(), 30);
    kernel_free(k);
}

BOTH(run_until_empty_queue_advances)
{
    kernel *k = mk(be);
    static struct log l;
    cr_assert_eq(kernel_run_until(k, 12345), 0);
    cr_assert_eq(kernel_now(k), 12345);
    if (be == KERNEL_SYSTEMC)
        cr_assert_eq(kernel_sc_now_ps(), 12345);
    kernel_schedule(k, 5, log_ev, &l, 1);
    /* a time before now does not move time back */
    cr_assert_eq(kernel_run_until(k, 100), 0);
    cr_assert_eq(kernel_now(k), 12345);
    cr_assert_eq(l.n, 0);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.t[0], 12350);
    /* far in the future, beyond 2^53 ps (a double would lose it) */
    uint64_t far = ((uint64_t)1 << 60) + 3;
    cr_assert_eq(kernel_run_until(k, far), 0);
    cr_assert_eq(kernel_now(k), far);
    kernel_schedule(k, 1, log_ev, &l, 2);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(l.t[1], far + 1);
    cr_assert_eq(kernel_now(k), far + 1);
    if (be == KERNEL_SYSTEMC)
        cr_assert_eq(kernel_sc_now_ps(), far + 1);
    kernel_free(k);
}

BOTH(run_empty_queue)
{
    kernel *k = mk(be);
    static struct log l;
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(kernel_now(k), 0);
    kernel_schedule(k, 40, log_ev, &l, 1);
    kernel_schedule(k, 700, log_ev, &l, 2);
    cr_assert_eq(kernel_run(k), 0);
    /* run leaves now at the last event's time */
    cr_assert_eq(kernel_now(k), 700);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(kernel_now(k), 700);
    cr_assert_eq(l.n, 2);
    kernel_free(k);
}

/* ---- stop and resume ---- */

static void stopper(kernel *k, void *ctx, uint64_t id)
{
    log_ev(k, ctx, id);
    if (id == 2) {
        kernel_schedule(k, 0, log_ev, ctx, 7); /* queued behind 3 */
        kernel_stop(k);
    }
    if (id == 5)
        kernel_stop(k);
}

BOTH(stop_and_resume)
{
    kernel *k = mk(be);
    static struct log l;
    kernel_schedule(k, 10, stopper, &l, 1);
    kernel_schedule(k, 20, stopper, &l, 2);
    kernel_schedule(k, 20, stopper, &l, 3);
    kernel_schedule(k, 30, stopper, &l, 4);
    kernel_schedule(k, 35, stopper, &l, 5);
    kernel_schedule(k, 40, stopper, &l, 6);
    /* stops right after event 2, at its time */
    cr_assert_eq(kernel_run(k), 1);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(kernel_now(k), 20);
    cr_assert_eq(kernel_events_run(k), 2);
    cr_assert_eq(kernel_pending(k), 5);
    /* resumes with the rest of time 20, in order; stops after 5 inside a
     * run_until, at 5's time */
    cr_assert_eq(kernel_run_until(k, 38), 1);
    cr_assert_eq(kernel_now(k), 35);
    /* a new run_until finishes the slice and leaves now == 38 */
    cr_assert_eq(kernel_run_until(k, 38), 0);
    cr_assert_eq(kernel_now(k), 38);
    cr_assert_eq(kernel_run(k), 0);
    static const uint64_t t[] = {10, 20, 20, 20, 30, 35, 40};
    static const uint64_t id[] = {1, 2, 3, 7, 4, 5, 6};
    expect_log(&l, 7, t, id);
    cr_assert_eq(kernel_now(k), 40);
    /* a stop outside a run does not stop the next run */
    kernel_stop(k);
    kernel_schedule(k, 1, log_ev, &l, 8);
    kernel_schedule(k, 2, log_ev, &l, 9);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(l.n, 9);
    kernel_free(k);
}

/* ---- many events in flight, counters ---- */

#define MANY 100000
struct many {
    uint64_t last_t, last_key; /* previous event: time, (time order key) */
    uint64_t n;
    int ok;
};

static void many_ev(kernel *k, void *ctx, uint64_t id)
{
    struct many *m = ctx;
    uint64_t t = kernel_now(k);
    /* ids were scheduled in increasing order: equal times run by id */
    if (m->n && (t < m->last_t || (t == m->last_t && id <= m->last_key)))
        m->ok = 0;
    m->last_t = t;
    m->last_key = id;
    m->n++;
}

BOTH(many_pending)
{
    kernel *k = mk(be);
    static struct many m = {0, 0, 0, 1};
    uint64_t rng = 12345;
    for (uint64_t i = 0; i < MANY; i++) {
        uint64_t x = xorshift64(&rng);
        /* spread over 1 us to about 2^40 ps, with ties */
        uint64_t d = (x & 1) ? (x >> 8) % 1000000 : (x >> 24);
        if (i % 7 == 0)
            d = 5000;
        kernel_schedule(k, d, many_ev, &m, i);
    }
    cr_assert_eq(kernel_pending(k), MANY);
    cr_assert_eq(kernel_pending_peak(k), MANY);
    /* half, then the rest */
    cr_assert_eq(kernel_run_until(k, 500000), 0);
    cr_assert_gt(m.n, 0);
    cr_assert_lt(m.n, MANY);
    cr_assert_eq(kernel_pending(k), MANY - m.n);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(m.n, MANY);
    cr_assert(m.ok, "events ran out of (time, seq) order");
    cr_assert_eq(kernel_events_run(k), MANY);
    cr_assert_eq(kernel_pending(k), 0);
    cr_assert_eq(kernel_pending_peak(k), MANY);
    kernel_free(k);
}

static void count_ev(kernel *k, void *ctx, uint64_t id)
{
    (void)ctx;
    if (id == 1) { /* two more: pending goes 2 -> 1 -> 3 */
        kernel_schedule(k, 1, count_ev, NULL, 0);
        kernel_schedule(k, 1, count_ev, NULL, 0);
    }
}

BOTH(counters)
{
    kernel *k = mk(be);
    cr_assert_eq(kernel_pending(k), 0);
    cr_assert_eq(kernel_pending_peak(k), 0);
    cr_assert_eq(kernel_events_run(k), 0);
    kernel_schedule(k, 10, count_ev, NULL, 1);
    kernel_schedule(k, 20, count_ev, NULL, 0);
    cr_assert_eq(kernel_pending(k), 2);
    cr_assert_eq(kernel_pending_peak(k), 2);
    cr_assert_eq(kernel_run_until(k, 10), 0);
    cr_assert_eq(kernel_events_run(k), 1);
    cr_assert_eq(kernel_pending(k), 3);
    cr_assert_eq(kernel_pending_peak(k), 3);
    cr_assert_eq(kernel_run(k), 0);
    cr_assert_eq(kernel_events_run(k), 4);
    cr_assert_eq(kernel_pending(k), 0);
    cr_assert_eq(kernel_pending_peak(k), 3);
    kernel_free(k);
}

/* ---- schedule_at ---- */

static void at_ev(kernel *k, void *ctx, uint64_t id)
{
    log_ev(k, ctx, id);
    if (id == 1) {
        kernel_schedule_at(k, 300, log_ev, ctx, 4); /* now: after 2 and 3 */
        kernel_schedule(k, 0, log_ev, ctx, 5);
        kernel_schedule_at(k, 301, log_ev, ctx, 6);
    }
}

BOTH(schedule_at)
{
    kernel *k = mk(be);
    static struct log l;
    kernel_schedule_at(k, 300, at_ev, &l, 1);
    kernel_schedule(k, 300, at_ev, &l, 2);
    kernel_schedule_at(k, 300, at_ev, &l, 3);
    kernel_schedule_at(k, 1000, at_ev, &l, 7);
    kernel_schedule_at(k, 0, at_ev, &l, 0); /* now */
    cr_assert_eq(kernel_run(k), 0);
    static const uint64_t t[] = {0, 300, 300, 300, 300, 300, 301, 1000};
    static const uint64_t id[] = {0, 1, 2, 3, 4, 5, 6, 7};
    expect_log(&l, 8, t, id);
    kernel_free(k);
}

BOTH(backend_names)
{
    kernel *k = mk(be);
    cr_assert_eq(kernel_backend_of(k), be);
    cr_assert_str_eq(kernel_backend_name(be),
                     be == KERNEL_NATIVE ? "native" : "systemc");
    kernel_free(k);
}

/* ---- native only ---- */

Test(kernel_native, many_kernels_per_process)
{
    kernel *ks[8];
    static struct log l[8];
    for (int i = 0; i < 8; i++) {
        ks[i] = mk(KERNEL_NATIVE);
        kernel_schedule(ks[i], (uint64_t)i * 10, log_ev, &l[i], (uint64_t)i);
    }
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(kernel_run(ks[i]), 0);
        cr_assert_eq(l[i].n, 1);
        cr_assert_eq(kernel_now(ks[i]), (uint64_t)i * 10);
    }
    for (int i = 0; i < 8; i++)
        kernel_free(ks[i]);
}

Test(kernel_native, bad_backend)
{
    char err[128] = "";
    cr_assert_null(kernel_create((enum kernel_backend)7, err, sizeof err));
    cr_assert_str_eq(err, "kernel: unknown backend 7");
}

/* ---- systemc only ---- */

Test(kernel_systemc, time_resolution_is_1ps)
{
    kernel *k = mk(KERNEL_SYSTEMC);
    cr_assert_eq(kernel_sc_resolution_ps(), 1);
    kernel_free(k);
}

Test(kernel_systemc, second_kernel_refused_while_the_first_exists)
{
    kernel *k = mk(KERNEL_SYSTEMC);
    char err[256] = "";
    cr_assert_null(kernel_create(KERNEL_SYSTEMC, err, sizeof err));
    cr_assert_str_eq(err, "kernel: systemc: only one systemc kernel at a time outside a "
                          "running SystemC simulation (free the other first)");
    /* native kernels are unaffected */
    kernel_free(mk(KERNEL_NATIVE));
    kernel_free(k);
}

/* Kernels one after another in one process: each starts at 0 although
 * SystemC's time has moved on, and runs the same events the same way. */
Test(kernel_systemc, kernels_in_turn_start_at_zero)
{
    static struct log l[3];
    uint64_t sc_before = 0;
    for (int i = 0; i < 3; i++) {
        kernel *k = mk(KERNEL_SYSTEMC); /* asserts kernel_now == 0 */
        cr_assert_eq(kernel_sc_now_ps(), sc_before, "SystemC's time is kept");
        kernel_schedule(k, 700, log_ev_rel, &l[i], 1);
        kernel_schedule(k, 40, log_ev_rel, &l[i], 2);
        kernel_schedule(k, 40, log_ev_rel, &l[i], 3);
        cr_assert_eq(kernel_run(k), 0);
        cr_assert_eq(kernel_now(k), 700);
        cr_assert_eq(kernel_sc_now_ps(), sc_before + 700);
        cr_assert_eq(kernel_run_until(k, 1000), 0);
        sc_before += 1000;
        cr_assert_eq(kernel_sc_now_ps(), sc_before);
        expect_log(&l[i], 3, (const uint64_t[]){40, 40, 700}, (const uint64_t[]){2, 3, 1});
        kernel_free(k);
    }
}

Test(kernel_systemc, native_beside_systemc)
{
    kernel *s = mk(KERNEL_SYSTEMC), *n = mk(KERNEL_NATIVE);
    static struct log ls, ln;
    kernel_schedule(s, 50, log_ev, &ls, 1);
    kernel_schedule(n, 70, log_ev, &ln, 2);
    cr_assert_eq(kernel_run(n), 0);
    cr_assert_eq(kernel_now(n), 70);
    cr_assert_eq(kernel_now(s), 0); /* the native run did not move SystemC */
    cr_assert_eq(kernel_sc_now_ps(), 0);
    cr_assert_eq(kernel_run(s), 0);
    cr_assert_eq(kernel_now(s), 50);
    cr_assert_eq(kernel_sc_now_ps(), 50);
    cr_assert_eq(ls.n, 1);
    cr_assert_eq(ln.n, 1);
    kernel_free(n);
    kernel_free(s);
}

/* ---- kernel_both: a randomized workload, three queues in lockstep ---- */

/* The reference: a plain binary heap on (time, seq), written for
 * obviousness, driving the same workload callback with k == NULL. */
struct ref_ev {
    uint64_t t, seq, chain;
};

struct ref {
    struct ref_ev *h;
    size_t n, cap, peak;
    uint64_t now, seq, runs;
    int stop;
};

static int ref_lt(const struct ref_ev *a, const struct ref_ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ref_push(struct ref *r, uint64_t t, uint64_t chain)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->h = realloc(r->h, r->cap * sizeof *r->h);
        cr_assert_not_null(r->h);
    }
    size_t i = r->n++;
    struct ref_ev e = {t, r->seq++, chain};
    while (i && ref_lt(&e, &r->h[(i - 1) / 2])) {
        r->h[i] = r->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->h[i] = e;
    if (r->n > r->peak)
        r->peak = r->n;
}

static struct ref_ev ref_pop(struct ref *r)
{
    struct ref_ev top = r->h[0], x = r->h[--r->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->n)
            break;
        if (c + 1 < r->n && ref_lt(&r->h[c + 1], &r->h[c]))
            c++;
        if (!ref_lt(&r->h[c], &x))
            break;
        r->h[i] = r->h[c];
        i = c;
    }
    if (r->n)
        r->h[i] = x;
    return top;
}

/* One workload instance: either on a kernel or on the reference. */
struct wl {
    kernel *k;        /* NULL: on ref */
    struct ref ref;
    uint64_t rng;     /* the workload's own generator */
    uint64_t budget;  /* schedules still allowed */
    uint64_t hash;    /* over (time, chain) of every event run */
    uint64_t count;   /* events run */
    uint64_t next_chain;
};

static void wl_event(kernel *k, void *ctx, uint64_t chain);

static uint64_t wl_now(const struct wl *w)
{
    return w->k ? kernel_now(w->k) : w->ref.now;
}

static size_t wl_pending(const struct wl *w)
{
    return w->k ? kernel_pending(w->k) : w->ref.n;
}

static void wl_sched(struct wl *w, uint64_t d, uint64_t chain)
{
    if (w->k)
        kernel_schedule(w->k, d, wl_event, w, chain);
    else
        ref_push(&w->ref, w->ref.now + d, chain);
}

static void wl_sched_at(struct wl *w, uint64_t t, uint64_t chain)
{
    if (w->k)
        kernel_schedule_at(w->k, t, wl_event, w, chain);
    else
        ref_push(&w->ref, t, chain);
}

/* A delay law with zeros, ties on a 1 ns grid, short and long delays. */
static uint64_t wl_delay(struct wl *w)
{
    uint64_t x = xorshift64(&w->rng);
    switch ((x >> 60) & 7) {
    case 0: return 0;
    case 1: case 2: return (x % 4) * 1000;
    case 3: case 4: return x % 100;
    case 5: return x % 100000;
    case 6: return x % 1000000000;
    default: return (x % 3) * 7;
    }
}

static void wl_event(kernel *k, void *ctx, uint64_t chain)
{
    struct wl *w = ctx;
    cr_assert_eq(k, w->k);
    uint64_t now = wl_now(w);
    w->hash = (w->hash ^ (now * 0x9e3779b97f4a7c15ull + chain)) *
              0x100000001b3ull;
    w->count++;
    uint64_t x = xorshift64(&w->rng);
    if ((x & 0x3fff) == 0) { /* now and then, stop the run */
        if (k)
            kernel_stop(k);
        else
            w->ref.stop = 1;
    }
    if (!w->budget)
        return;
    size_t pend = wl_pending(w);
    unsigned succ = 1;
    if (((x >> 20) & 15) == 0 && pend > 200)
        succ = 0; /* the chain ends */
    else if (((x >> 20) & 15) == 1 && pend < 3000)
        succ = 2; /* the chain forks */
    for (unsigned s = 0; s < succ && w->budget; s++, w->budget--) {
        uint64_t c = s ? w->next_chain++ : chain;
        if (((x >> 30) & 7) == 0)
            wl_sched_at(w, now + wl_delay(w), c);
        else
            wl_sched(w, wl_delay(w), c);
    }
}

/* The reference's run loop: same contract as kernel_run_until / kernel_run
 * (limit UINT64_MAX). */
static int ref_run(struct wl *w, uint64_t limit, int until)
{
    struct ref *r = &w->ref;
    r->stop = 0;
    while (r->n && r->h[0].t <= limit) {
        struct ref_ev e = ref_pop(r);
        r->now = e.t;
        r->runs++;
        wl_event(NULL, w, e.chain);
        if (r->stop)
            return 1;
    }
    if (until && limit > r->now)
        r->now = limit;
    return 0;
}

static int wl_run(struct wl *w, uint64_t limit, int until)
{
    if (!w->k)
        return ref_run(w, until ? limit : UINT64_MAX, until);
    return until ? kernel_run_until(w->k, limit) : kernel_run(w->k);
}

static uint64_t wl_runs(const struct wl *w)
{
    return w->k ? kernel_events_run(w->k) : w->ref.runs;
}

static size_t wl_peak(const struct wl *w)
{
    return w->k ? kernel_pending_peak(w->k) : w->ref.peak;
}

#define WL_EVENTS 1000000

Test(kernel_both, random_workload_identical, .timeout = 600)
{
    /* 0: systemc, 1: native, 2: reference */
    static struct wl w[3];
    w[0].k = mk(KERNEL_SYSTEMC);
    w[1].k = mk(KERNEL_NATIVE);
    w[2].k = NULL;
    for (int i = 0; i < 3; i++) {
        w[i].rng = 0x9e3779b97f4a7c15ull;
        w[i].budget = WL_EVENTS;
        w[i].next_chain = 1000;
    }
    /* 1000 chains, then the driver: slices of run_until with random
     * lengths (some zero), whole runs, and schedules from outside */
    for (int i = 0; i < 3; i++)
        for (uint64_t c = 0; c < 1000; c++)
            wl_sched(&w[i], wl_delay(&w[i]), c);
    uint64_t drv = 42;
    long steps = 0, stops = 0;
    while (wl_pending(&w[2])) {
        uint64_t x = xorshift64(&drv);
        int op = (int)(x % 16);
        uint64_t slice = (x >> 8) % 4 == 0 ? 0 : (x >> 16) % 3000000;
        uint64_t limit = wl_now(&w[2]) + slice;
        int r[3];
        for (int i = 0; i < 3; i++) {
            if (op == 0) {
                wl_sched(&w[i], (x >> 8) % 5000, 5000000 + (uint64_t)steps);
                r[i] = 0;
            } else {
                r[i] = wl_run(&w[i], limit, op != 1);
            }
        }
        stops += r[2];
        for (int i = 0; i < 2; i++) {
            cr_assert_eq(r[i], r[2], "step %ld (%s, op %d): run returned "
                         "%d, ref %d", steps, i ? "native" : "systemc", op,
                         r[i], r[2]);
            cr_assert_eq(wl_now(&w[i]), wl_now(&w[2]),
                         "step %ld (%s): now %" PRIu64 ", ref %" PRIu64,
                         steps, i ? "native" : "systemc", wl_now(&w[i]),
                         wl_now(&w[2]));
            cr_assert_eq(wl_pending(&w[i]), wl_pending(&w[2]),
                         "step %ld: pending", steps);
            cr_assert_eq(wl_runs(&w[i]), wl_runs(&w[2]), "step %ld: runs",
                         steps);
            cr_assert_eq(w[i].hash, w[2].hash, "step %ld (%s): event order "
                         "differs", steps, i ? "native" : "systemc");
        }
        cr_assert_eq(kernel_sc_now_ps(), kernel_now(w[0].k));
        steps++;
    }
    cr_assert_geq(w[2].count, WL_EVENTS);
    cr_assert_gt(stops, 10, "only %ld stops: the workload lost its teeth",
                 stops);
    cr_assert_gt(w[2].ref.peak, 1000);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(w[i].count, w[2].count);
        cr_assert_eq(w[i].hash, w[2].hash);
        cr_assert_eq(wl_peak(&w[i]), wl_peak(&w[2]));
        cr_assert_eq(wl_now(&w[i]), wl_now(&w[2]));
    }
    kernel_free(w[0].k);
    kernel_free(w[1].k);
    free(w[2].ref.h);
}
