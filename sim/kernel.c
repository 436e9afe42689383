/*
 * kernel.c -- the event queue shared by both backends, and the native loop.
 *
 * The queue is a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) in
 * picoseconds.  `last` is the time of the last event taken out; every
 * queued event has t_ps >= last and sits in bucket
 * b = bit length of (t_ps XOR last): bucket 0 holds exactly the events of
 * time `last`, bucket b >= 1 those that first differ from `last` in bit b-1.
 * When bucket 0 runs empty, the lowest non-empty bucket is emptied into
 * lower ones relative to its minimum, which becomes the new `last`; an
 * event moves down at most 64 times in its life, and every step is a
 * sequential copy (measured faster than a 4-ary heap: docs/performance.md).
 *
 * Main invariant (FIFO order of equal times): every bucket lists its events
 * in increasing sequence number (schedule-call order).  Scheduling appends,
 * and the events a bucket receives from a redistribution all predate
 * anything appended to it later (a redistribution only fills buckets that
 * are empty, all lower ones being empty).  So bucket 0, read from the
 * front, is the (time, seq) order, with no sequence number stored.
 *
 * Second invariant: last <= now.  `last` only advances when an event of
 * that time is about to run, so an event scheduled at any t >= now is
 * >= last.  The next event time is found without advancing `last` (for
 * kernel_run_until and the SystemC backend): a lower bound of the lowest
 * non-empty bucket settles most questions, else a scan of that bucket,
 * cached until the bucket changes.
 *
 * Storage: buckets are singly linked lists of 16-entry (512-byte) chunks
 * from one 512-byte-aligned pool that grows by doubling.  Each bucket owns
 * at least one chunk and its write pointer always points into an owned
 * chunk (a chunk that fills up gets its successor at once), so appending
 * and reading are a pointer bump and a test of the pointer's low bits.
 * Whenever the number of pending events reaches a new peak, the pool is
 * grown to hold that many events plus every partly filled chunk the 65
 * buckets and a redistribution can need, so after the peak nothing
 * allocates (the kernel.h contract).
 *
 * Backends.  KERNEL_NATIVE runs kernel_loop() directly.  KERNEL_SYSTEMC
 * hands the loop to SystemC (sim/kernel_sc.h): its one process calls
 * kernel_sc_drain_cb() at each SystemC time that has events, and that runs
 * the events of exactly that time with the same loop, so both backends
 * execute the same sequence.  k->now_ps equals sc_time_stamp() minus the
 * shim's base (SystemC's time when the kernel was created) whenever C code
 * can look at it.
 */
#include "sim/kernel.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel_sc.h"
#include "sim/util.h"

#define KQ_BUCKETS 65  /* bit lengths 0..64 */
#define KQ_CHUNK 16    /* events per chunk */
#define KQ_CHUNK_BYTES (KQ_CHUNK * 32)
#define KQ_NIL UINT32_MAX
/* Free chunks a redistribution needs at its start so that it never grows
 * the pool: it frees the source's chunks as it reads them, and needs at most
 * one chunk per target bucket more than that (a generous bound). */
#define KQ_REFILL_SPARE (KQ_BUCKETS)
/* Chunks beyond pending / KQ_CHUNK that can be in use at once: each
 * bucket's last chunk (partly filled, or empty once its predecessor
 * filled up), bucket 0's partly read head, the source chunk being read by a
 * redistribution; plus KQ_REFILL_SPARE kept free. */
#define KQ_SPARE (KQ_BUCKETS + 2 + KQ_REFILL_SPARE)

struct kev {
    uint64_t t_ps;
    kernel_fn fn;
    void *ctx;
    uint64_t arg;
};

struct kchunk {
    struct kev e[KQ_CHUNK];
};

struct kbucket {
    struct kev *wp;      /* next write slot: always in an allocated chunk
                            (a full chunk gets its successor at once) */
    struct kev *rp;      /* next read slot (bucket 0; others: head's start) */
    uint32_t head, tail; /* first and last chunk; a bucket always owns one */
};

struct kernel {
    uint64_t now_ps;          /* current time (systemc: sc_time_stamp - base) */
    uint64_t last_ps;         /* radix base: time of the last event taken */
    uint64_t mask;            /* bit i-1 set iff bucket i >= 1 is non-empty */
    unsigned cmin_bucket;     /* bucket whose minimum is cached, 0: none */
    uint64_t cmin_ps;         /* that minimum */
    struct kbucket b[KQ_BUCKETS];
    struct kchunk *chunks;    /* the pool */
    uint32_t *next;           /* next chunk in a list, per chunk */
    uint32_t free_head;       /* free list of chunks, through next[] */
    uint32_t nfree, nchunks;  /* free chunks, all chunks */
    size_t n;                 /* events pending */
    size_t peak;              /* most events pending at once */
    uint64_t n_run;           /* events executed */
    int stop;                 /* kernel_stop called during the current run */
    enum kernel_backend backend;
    kernel_sc *sc;            /* systemc backend only */
};

/* ---- the chunk pool ---- */

/* Grows the pool to at least want chunks, by doubling; moves the bucket
 * pointers along.  The pool is KQ_CHUNK_BYTES-aligned, so a pointer's low
 * bits say where in its chunk it is. */
static void pool_grow(kernel *k, size_t want)
{
    size_t cap = k->nchunks ? k->nchunks : 64;
    while (cap < want)
        cap *= 2;
    assert(cap < KQ_NIL);
    struct kchunk *nc = aligned_alloc(KQ_CHUNK_BYTES, cap * KQ_CHUNK_BYTES);
    if (!nc) { /* as xmalloc: exhaustion is not a recoverable input error */
        fprintf(stderr, "aimcsim: out of memory (%zu bytes)\n",
                cap * KQ_CHUNK_BYTES);
        abort();
    }
    if (k->chunks) {
        memcpy(nc, k->chunks, (size_t)k->nchunks * KQ_CHUNK_BYTES);
        char *ob = (char *)k->chunks, *nb = (char *)nc;
        for (unsigned i = 0; i < KQ_BUCKETS; i++) {
            k->b[i].wp = (struct kev *)(nb + ((char *)k->b[i].wp - ob));
            k->b[i].rp = (struct kev *)(nb + ((char *)k->b[i].rp - ob));
        }
        free(k->chunks);
    }
    k->chunks = nc;
    k->next = xrealloc(k->next, cap * sizeof *k->next);
    for (size_t c = cap; c-- > k->nchunks;) {
        k->next[c] = k->free_head;
        k->free_head = (uint32_t)c;
    }
    k->nfree += (uint32_t)(cap - k->nchunks);
    k->nchunks = (uint32_t)cap;
}

static inline uint32_t chunk_get(kernel *k)
{
    if (__builtin_expect(k->nfree == 0, 0))
        pool_grow(k, (size_t)k->nchunks + 1);
    uint32_t c = k->free_head;
    k->free_head = k->next[c];
    k->nfree--;
    return c;
}

static inline void chunk_put(kernel *k, uint32_t c)
{
    k->next[c] = k->free_head;
    k->free_head = c;
    k->nfree++;
}

/* ---- buckets ---- */

static inline unsigned bucket_of(uint64_t t_ps, uint64_t last_ps)
{
    uint64_t x = t_ps ^ last_ps;
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

static inline int at_chunk_start(const struct kev *p)
{
    return ((uintptr_t)p & (KQ_CHUNK_BYTES - 1)) == 0;
}

/* Returns the slot for one more event in bucket i (filled by the caller
 * before the next append to i); the caller sets i's bit in the mask. */
static inline struct kev *bucket_slot(kernel *k, unsigned i)
{
    struct kbucket *b = &k->b[i];
    struct kev *w = b->wp, *n = w + 1;
    if (__builtin_expect(at_chunk_start(n), 0)) {
        uint32_t c = chunk_get(k); /* may move the pool: w taken again */
        w = b->wp;
        k->next[b->tail] = c;
        b->tail = c;
        n = k->chunks[c].e;
    }
    b->wp = n;
    return w;
}

/* Bit of bucket i >= 1 in the mask; 0 for bucket 0 (no branch: whether a
 * bucket was empty is unpredictable). */
static inline uint64_t bucket_bit(unsigned i)
{
    return (uint64_t)(i != 0) << ((i - 1) & 63);
}

static inline int bucket0_empty(const kernel *k)
{
    return k->b[0].rp == k->b[0].wp;
}

/* Smallest time in bucket i >= 1 (non-empty).  A scan: keeping a minimum
 * per bucket costs more on every append than the scans cost (measured);
 * the last scan is cached (next_time, next_due and refill ask in turn). */
static uint64_t bucket_min(kernel *k, unsigned i)
{
    if (k->cmin_bucket == i)
        return k->cmin_ps;
    const struct kbucket *b = &k->b[i];
    uint64_t m = UINT64_MAX;
    uint32_t c = b->head;
    /* wp is never one past a chunk: at a chunk's end, go on to the next */
    for (const struct kev *p = k->chunks[c].e; p != b->wp;) {
        m = p->t_ps < m ? p->t_ps : m;
        if (at_chunk_start(++p)) {
            c = k->next[c];
            p = k->chunks[c].e;
        }
    }
    k->cmin_bucket = i;
    k->cmin_ps = m;
    return m;
}

/* Lowest non-empty bucket >= 1 (mask != 0). */
static inline unsigned lowest_bucket(const kernel *k)
{
    return (unsigned)__builtin_ctzll(k->mask) + 1;
}

/* Bucket 0 is empty: makes the lowest non-empty bucket's minimum the new
 * last and empties that bucket into lower ones (its minimum into bucket 0).
 * If that bucket holds one event, takes it out into *out instead and
 * returns 1 (else 0).  The caller has checked that a bucket >= 1 is
 * non-empty. */
static int refill(kernel *k, struct kev *out)
{
    unsigned i = lowest_bucket(k);
    struct kbucket *src = &k->b[i];
    uint64_t mask = k->mask & ~((uint64_t)1 << (i - 1));
    struct kev *first = k->chunks[src->head].e;
    if (src->wp == first + 1) {
        /* one event (about half of all refills in the benchmarks): it is
         * the next event; hand it out without passing through bucket 0 */
        *out = *first;
        src->wp = first;
        k->last_ps = out->t_ps;
        k->mask = mask;
        k->cmin_bucket = 0; /* bucket i is emptied */
        k->n--;
        return 1;
    }
    uint64_t last = k->cmin_bucket == i ? k->cmin_ps : bucket_min(k, i);
    k->cmin_bucket = 0;
    k->last_ps = last;
    /* Enough free chunks that the appends below never grow the pool (so
     * the pointers into it stay valid). */
    if (k->nfree < KQ_REFILL_SPARE)
        pool_grow(k, (size_t)k->nchunks + KQ_REFILL_SPARE);
    /* The targets are all below i: they never touch the source list. */
    uint32_t c = src->head;
    const struct kev *end = src->wp;
    for (const struct kev *p = k->chunks[c].e; p != end;) {
        unsigned t = bucket_of(p->t_ps, last);
        mask |= bucket_bit(t);
        *bucket_slot(k, t) = *p;
        if (at_chunk_start(++p)) { /* never one past the tail (eager) */
            uint32_t nx = k->next[c];
            chunk_put(k, c);
            c = nx;
            p = k->chunks[c].e;
        }
    }
    assert(c == src->tail); /* it stays as the bucket's own chunk */
    src->head = c;
    src->rp = src->wp = k->chunks[c].e;
    k->mask = mask;
    return 0;
}

/* Takes the first event of bucket 0 (non-empty). */
static inline void bucket0_pop(kernel *k, struct kev *e)
{
    struct kbucket *b = &k->b[0];
    struct kev *r = b->rp;
    *e = *r++;
    if (__builtin_expect(at_chunk_start(r), 0)) {
        /* the chunk is used up; its successor exists (eager) */
        uint32_t c = b->head;
        b->head = k->next[c];
        r = k->chunks[b->head].e;
        chunk_put(k, c);
    }
    b->rp = r;
    k->n--;
}

/* Whether the next event (bucket 0 empty, mask != 0) is at or before
 * limit.  Every time in bucket i >= 1 has bit i-1 set where last has it
 * clear, and the bits above equal to last's: that lower bound settles most
 * calls without a scan. */
static inline int next_due(kernel *k, uint64_t limit)
{
    if (limit == UINT64_MAX)
        return 1;
    unsigned i = lowest_bucket(k);
    uint64_t lb = (k->last_ps >> (i - 1) | 1) << (i - 1);
    return lb <= limit && bucket_min(k, i) <= limit;
}

/* Time of the next event, UINT64_MAX if none. */
static inline uint64_t next_time(kernel *k)
{
    if (!bucket0_empty(k))
        return k->last_ps;
    if (!k->mask)
        return UINT64_MAX;
    return bucket_min(k, lowest_bucket(k));
}

/* ---- scheduling ---- */

static inline void push(kernel *k, uint64_t t_ps, kernel_fn fn, void *ctx,
                        uint64_t arg)
{
    unsigned i = bucket_of(t_ps, k->last_ps);
    k->mask |= bucket_bit(i);
    if (i == k->cmin_bucket && t_ps < k->cmin_ps)
        k->cmin_ps = t_ps;
    struct kev *e = bucket_slot(k, i);
    e->t_ps = t_ps;
    e->fn = fn;
    e->ctx = ctx;
    e->arg = arg;
    if (++k->n > k->peak) {
        k->peak = k->n;
        size_t want = (k->peak + KQ_CHUNK - 1) / KQ_CHUNK + KQ_SPARE;
        if (k->nchunks < want)
            pool_grow(k, want);
    }
}

/* A time beyond 2^64 - 1 ps saturates (it would otherwise wrap to the
 * past); asserted in debug builds. */
void kernel_schedule(kernel *k, uint64_t delay_ps, kernel_fn fn, void *ctx,
                     uint64_t arg)
{
    uint64_t t_ps = k->now_ps + delay_ps;
    assert(t_ps >= k->now_ps);
    push(k, t_ps < k->now_ps ? UINT64_MAX : t_ps, fn, ctx, arg);
}

void kernel_schedule_at(kernel *k, uint64_t t_ps, kernel_fn fn, void *ctx,
                        uint64_t arg)
{
    assert(t_ps >= k->now_ps);
    push(k, t_ps < k->now_ps ? k->now_ps : t_ps, fn, ctx, arg);
}

/* ---- the loop shared by both backends ---- */

/* Runs events in (time, seq) order while the next one has time <= limit.
 * Returns 1 if a callback called kernel_stop (after that callback), else 0
 * (no event left at or before limit).  Time is set to each event's time;
 * it is not advanced past the last event run. */
static int kernel_loop(kernel *k, uint64_t limit)
{
    k->stop = 0;
    for (;;) {
        struct kev e;
        if (!bucket0_empty(k)) {
            bucket0_pop(k, &e);
        } else {
            if (!k->mask || !next_due(k, limit))
                return 0;
            if (!refill(k, &e))
                bucket0_pop(k, &e);
        }
        k->now_ps = e.t_ps;
        k->n_run++;
        e.fn(k, e.ctx, e.arg);
        if (k->stop) {
            k->stop = 0;
            return 1;
        }
    }
}

/* The SystemC process's entry (kernel_sc_drain_fn): runs the events of
 * exactly now_ps (SystemC's time), reports the next event time. */
static int kernel_sc_drain_cb(void *owner, uint64_t now_ps, uint64_t *next_ps)
{
    kernel *k = owner;
    assert(now_ps >= k->now_ps);
    k->now_ps = now_ps;
    int stopped = kernel_loop(k, now_ps);
    *next_ps = next_time(k);
    return stopped;
}

/* ---- lifecycle ---- */

kernel *kernel_create(enum kernel_backend b, char *err, size_t errlen)
{
    if (b != KERNEL_NATIVE && b != KERNEL_SYSTEMC) {
        errf(err, errlen, "kernel: unknown backend %d", (int)b);
        return NULL;
    }
    kernel *k = xcalloc(1, sizeof *k);
    k->backend = b;
    k->free_head = KQ_NIL;
    pool_grow(k, KQ_SPARE + 1);
    for (unsigned i = 0; i < KQ_BUCKETS; i++) {
        k->b[i].head = k->b[i].tail = chunk_get(k);
        k->b[i].rp = k->b[i].wp = k->chunks[k->b[i].head].e;
    }
    if (b == KERNEL_SYSTEMC) {
        k->sc = kernel_sc_create(kernel_sc_drain_cb, k, err, errlen);
        if (!k->sc) {
            kernel_free(k);
            return NULL;
        }
        k->now_ps = k->last_ps = kernel_sc_time_ps(k->sc);
    }
    return k;
}

void kernel_free(kernel *k)
{
    if (!k)
        return;
    if (k->sc)
        kernel_sc_free(k->sc);
    free(k->chunks);
    free(k->next);
    free(k);
}

const char *kernel_backend_name(enum kernel_backend b)
{
    switch (b) {
    case KERNEL_SYSTEMC: return "systemc";
    case KERNEL_NATIVE: return "native";
    }
    return "?";
}

enum kernel_backend kernel_backend_of(const kernel *k)
{
    return k->backend;
}

/* ---- running ---- */

/* SystemC backend: a run call first makes SystemC wake its process at the
 * queue's next time (scheduling between runs does not talk to SystemC;
 * during runs the process re-arms itself after each time step).
 * A SystemC failure (an exception, caught in the shim) returns -1, with
 * the message in kernel_sc_error(). */
int kernel_run(kernel *k)
{
    if (k->backend == KERNEL_NATIVE)
        return kernel_loop(k, UINT64_MAX);
    if (!k->n)
        return 0; /* SystemC warns about an sc_start with nothing to do */
    int r = kernel_sc_arm(k->sc, next_time(k));
    if (r == 0)
        r = kernel_sc_run(k->sc);
    k->now_ps = kernel_sc_time_ps(k->sc);
    return r;
}

/* A t_ps before now is taken as now: time never goes back. */
int kernel_run_until(kernel *k, uint64_t t_ps)
{
    if (t_ps < k->now_ps)
        t_ps = k->now_ps;
    if (k->backend == KERNEL_NATIVE) {
        if (kernel_loop(k, t_ps))
            return 1;
        k->now_ps = t_ps;
        return 0;
    }
    int r = 0;
    uint64_t next = next_time(k);
    if (next <= t_ps)
        r = kernel_sc_arm(k->sc, next);
    if (r == 0)
        r = kernel_sc_run_until(k->sc, t_ps);
    k->now_ps = kernel_sc_time_ps(k->sc);
    return r;
}

void kernel_stop(kernel *k)
{
    k->stop = 1;
}

uint64_t kernel_now(const kernel *k)
{
    return k->now_ps;
}

uint64_t kernel_events_run(const kernel *k)
{
    return k->n_run;
}

size_t kernel_pending(const kernel *k)
{
    return k->n;
}

size_t kernel_pending_peak(const kernel *k)
{
    return k->peak;
}
