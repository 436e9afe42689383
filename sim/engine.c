/*
 * engine.c -- executes a command stream on the chip (see engine.h).
 *
 * Invariants:
 *  - The window holds ids [floor, next_id); every id below floor has
 *    completed, before the dispatcher's last stop (disp_t) unless the
 *    window was full, and slot (id & mask) belongs to id while it is in
 *    the window.  The window grows (doubling) as the dispatcher needs, up
 *    to [run] window_cmds.
 *  - The dispatcher admits commands in stream order; it stops at a queued
 *    command whose queue holds its capacity (uq.n == uq.cap) and resumes
 *    when that queue's head issues; or, when the window is at its most,
 *    until the oldest command retires (only then do results depend on the
 *    window: engine.window_full_ps > 0).  pend is the command it stopped
 *    at.
 *  - A command is in exactly one of: waiting (in its unit's queue, or for
 *    dependencies), issued (its completion event is pending), done.
 *  - ndeps_left counts the dependencies not yet done; each such dependency
 *    names this command in its waiter0 or in one edge of its waiter list.
 *  - Completion events are scheduled at the chip's end time, never before
 *    the issue time, so kernel time only moves forward.
 * Memory is bounded by the window (slots) and the peak number of pending
 * dependency edges (pooled): nothing is allocated per command in steady state.
 */
#include "sim/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/critpath.h"
#include "sim/critpath_hot.h"
#include "sim/units.h"
#include "sim/util.h"

#define NONE UINT64_MAX

/* Initial slots of the queue map: a GPT-2 small run with per-node queues
 * uses about 2000 queues, so most runs never rehash. */
#define QMAP_SLOTS 4096
/* Fibonacci hashing: 2^64 / golden ratio spreads consecutive keys (unit
 * ids times queues per unit) over the map's top bits. */
#define QMAP_MULT 0x9e3779b97f4a7c15ULL
/* The progress line is considered every 2^16 retired commands (a clock
 * read costs ~20 ns; at ~5 M commands/s that is ~75 checks a second). */
#define PROGRESS_EVERY 0xffff
/* Entries of the direct-mapped cache in front of the queue map: a node's
 * commands come in runs on a few units, so most look-ups hit it. */
#define QCACHE 256
/* Slots of the window at the start; it doubles as the dispatcher needs. */
#define WINDOW_START 4096
/* blocked_q when the dispatcher waits for room in the window. */
#define WINDOW_Q (UINT32_MAX - 1)

enum { S_FREE, S_WAIT, S_ISSUED, S_DONE };

/* A command in the window: what the units need of it (counts, not sets)
 * and its progress. */
/* A command in the window: what its dependencies, queue and completion
 * touch, in one cache line (the command itself, read on issue, is in the
 * parallel array cmds). */
struct slot {
    uint64_t t_avail;    /* admitted, or its unit predecessor issued; once
                          * done, when it completed */
    uint64_t t_admit;    /* when it was admitted */
    uint64_t t_bind;     /* where bind's path ends (once bound) */
    uint32_t unit_next;  /* the next command of its queue: its id minus this
                          * one's (ids in the window differ by less than
                          * 2^32); 0 at the tail */
    uint32_t waiter0;    /* the first command waiting for it, as an id
                          * difference; 0 for none.  Most commands have one
                          * waiter: it lives here, not in the edge pool */
    uint32_t waiters;    /* the later waiters: first edge index + 1; 0 for
                          * none.  waiter0, then the edges, are in admission
                          * order, so that waiters released together issue
                          * oldest first */
    uint32_t waiters_tail;
    uint32_t ndeps_left;
    uint32_t uq;         /* unit queue index, or UINT32_MAX for none */
    cp_ref node;         /* its critical-path node, once issued (held) */
    cp_ref bind;         /* the path it will continue: its dependency that
                          * completed last, or the dispatcher's (held); 0
                          * while a dependency is still to complete */
    uint8_t state;
    uint8_t milestone;   /* its op is a milestone (cmd_op_desc) */
    uint8_t arb;         /* it has a priority: arbitrated for its unit */
    uint8_t admit_cat;   /* its wait for admission: CP_QUEUE_FULL or CP_WINDOW */
};
_Static_assert(sizeof(struct slot) <= 64, "a slot in one cache line");

struct edge {
    uint64_t waiter;
    uint32_t next;       /* next edge index + 1; 0 ends the list */
};

/* A command queue: its commands admitted and not yet issued, in stream
 * order, linked through the slots. */
struct unitq {
    uint64_t head, tail; /* NONE when empty */
    uint32_t n, cap;     /* commands in it; most it holds */
};

/* Arbitration of the commands with a priority that wait for one unit: a
 * min-heap by (priority, the order they became ready). */
struct arbent {
    uint32_t prio;
    uint64_t seq, id, t_ready;
};
struct arb {
    uint32_t inflight, cap; /* commands of the heap's unit running; at most */
    int scheduled;          /* an arbitration event is pending */
    cp_ref freed;           /* the command that last let go of a place (held) */
    uint32_t n, heap_cap;
    struct arbent *heap;
};

struct engine {
    kernel *k;
    const unit_table *units;
    stats *st;
    engine_opts o;

    struct slot *slots;  /* cache-line aligned (slots_base: to free) */
    void *slots_base;
    cmd_work *cmds;      /* the window's commands, by id & mask as slots */
    uint64_t mask, floor, next_id;
    uint64_t window_max; /* slots at most: [run] window_cmds rounded up */
    cmd_source src;
    int eof, failed;
    int status;          /* engine_run's status once failed */

    /* the dispatcher */
    cmd pend;            /* the next command, read but not yet admitted */
    int have_pend;
    uint32_t pend_uq;    /* its queue, or UINT32_MAX */
    uint32_t blocked_q;  /* the full queue it waits for, WINDOW_Q for the
                          * full window, or UINT32_MAX */
    int wake;            /* that queue's head issued, or the window has room:
                          * dispatch again */
    cp_ref wake_node;    /* ... the head's node (held by its slot), or the
                          * node that completed last (held by e->last) */
    cp_ref disp;         /* the dispatcher's path at its last stop (held) */
    uint64_t disp_t;     /* the time of its last stop (UINT64_MAX at the
                          * stream's end) */
    int stopped;         /* it is stopped at a full queue or window */
    uint8_t disp_cat;    /* why: CP_QUEUE_FULL or CP_WINDOW */
    uint64_t retire_before; /* done commands that completed before this
                          * retire: disp_t; UINT64_MAX while the window is
                          * full */
    uint64_t blocked_ps; /* time spent stopped at a full queue */
    uint64_t window_full_ps; /* ... at the full window */
    char *err;
    size_t errlen;

    struct edge *edges;
    uint32_t nedges, edge_cap, edge_free; /* free list: index + 1 */

    struct unitq *uq;    /* queues, created on first use */
    uint32_t nuq, uq_cap;
    uint64_t *qkey;      /* open-addressing map: key + 1 (0 empty) ... */
    uint32_t *qval;      /* ... to its index in uq */
    uint32_t qmask;      /* map slots - 1 (a power of two, kept <= half full) */
    uint32_t nq;         /* queues per unit: 1, one per block (+1 for layer -1),
                          * or one per tag */
    uint64_t qc_key[QCACHE]; /* the last queues looked up: key + 1 (0 empty) */
    uint32_t qc_idx[QCACHE]; /* ... and their index in uq */

    struct arb *arbs;    /* per unit with arbitrated commands, created on use */
    uint32_t narbs;
    uint32_t *arb_of[UNIT_KINDS]; /* unit index -> index + 1 in arbs */
    uint32_t narb_of[UNIT_KINDS];
    uint64_t ready_seq;

    /* statistics */
    uint64_t n_cmd[CMD_OPS], n_done, window_peak;
    uint64_t stall_dep_ps;
    uint64_t t_end, t_prefill, t_ttft, t_last_token, tokens, last_token_index;
    int have_prefill, have_ttft;
    double e_dyn_pj;
    engine_tag_stats *tag;
    uint64_t events;

    /* the critical path */
    critpath *cp;
    cp_ref last;         /* the node of the command that completed last: held
                          * by its slot, or by this when last_owned */
    int last_owned;

    /* progress */
    struct timespec t_wall0, t_wall_last;
    int progress_shown;
};

/* ---- dependency edges ------------------------------------------------ */

static uint32_t edge_new(engine *e, uint64_t waiter, uint32_t next)
{
    uint32_t i;
    if (e->edge_free) {
        i = e->edge_free - 1;
        e->edge_free = e->edges[i].next;
    } else {
        if (e->nedges == e->edge_cap) {
            e->edge_cap = e->edge_cap ? 2 * e->edge_cap : 4096;
            e->edges = xrealloc(e->edges, e->edge_cap * sizeof *e->edges);
        }
        i = e->nedges++;
    }
    e->edges[i] = (struct edge){waiter, next};
    return i + 1;
}

static void edge_release(engine *e, uint32_t idx1)
{
    e->edges[idx1 - 1].next = e->edge_free;
    e->edge_free = idx1;
}

/* ---- issue and completion --------------------------------------------- */

static void on_done(kernel *k, void *ctx, uint64_t id);

/* The index in e->uq of queue `key` (a queue of unit u, holding at most
 * cap commands), created empty on first use.  Only the queues a stream
 * uses exist: a chip of thousands of tiles and a graph of hundreds of
 * nodes need not have the product. */
static uint32_t queue_index(engine *e, uint64_t key, uint32_t cap)
{
    uint64_t h = (key + 1) * QMAP_MULT;
    for (uint32_t i = (uint32_t)(h >> 32) & e->qmask;; i = (i + 1) & e->qmask) {
        if (e->qkey[i] == key + 1)
            return e->qval[i];
        if (e->qkey[i] == 0) {
            if (e->nuq == e->uq_cap) {
                e->uq_cap = e->uq_cap ? 2 * e->uq_cap : 1024;
                e->uq = xrealloc(e->uq, e->uq_cap * sizeof *e->uq);
            }
            e->uq[e->nuq] = (struct unitq){NONE, NONE, 0, cap};
            e->qkey[i] = key + 1;
            e->qval[i] = e->nuq;
            if (++e->nuq * 2 > e->qmask + 1) { /* rehash at half full */
                uint32_t old = e->qmask + 1, idx = e->nuq - 1;
                uint64_t *k = e->qkey;
                uint32_t *v = e->qval;
                e->qmask = 2 * old - 1;
                e->qkey = xcalloc(2 * (size_t)old, sizeof *e->qkey);
                e->qval = xmalloc(2 * (size_t)old * sizeof *e->qval);
                for (uint32_t j = 0; j < old; j++) {
                    if (!k[j])
                        continue;
                    uint64_t hj = k[j] * QMAP_MULT;
                    uint32_t t = (uint32_t)(hj >> 32) & e->qmask;
                    while (e->qkey[t])
                        t = (t + 1) & e->qmask;
                    e->qkey[t] = k[j];
                    e->qval[t] = v[j];
                }
                free(k);
                free(v);
                return idx;
            }
            return e->nuq - 1;
        }
    }
}

/* The in-order queue of a command: its unit's; with per-block queues its
 * unit's queue for its tag's block (layer -1 and unknown tags share queue
 * 0); with per-node queues its unit's queue for its tag.  UINT32_MAX for
 * none: an op that is not queued, or an arbitrated command. */
static uint32_t unit_queue_of(engine *e, const cmd *c)
{
    if (c->arb || !cmd_op(c->op)->queued)
        return UINT32_MAX;
    uint64_t u = c->unit, q = 0;
    if (e->o.queues == ENGINE_QUEUE_NODE)
        q = c->tag < e->o.ntags ? c->tag : 0;
    else if (e->o.queues == ENGINE_QUEUE_BLOCK && c->tag < e->o.ntags &&
             e->o.tags[c->tag].layer >= 0)
        q = (uint32_t)e->o.tags[c->tag].layer + 1;
    uint64_t key = u * e->nq + q;
    uint32_t h = (uint32_t)(((key + 1) * QMAP_MULT) >> 56) & (QCACHE - 1);
    if (e->qc_key[h] == key + 1)
        return e->qc_idx[h];
    uint32_t cap = e->o.queue_cmds[UNIT_KIND(c->unit)];
    uint32_t idx = queue_index(e, key, cap ? cap : UINT32_MAX);
    e->qc_key[h] = key + 1;
    e->qc_idx[h] = idx;
    return idx;
}

/* Stops the run with status (-1, ENGINE_EINPUT, ENGINE_STOPPED) and msg;
 * the first failure wins.  msg NULL: e->err already holds it. */
static void fail_as(engine *e, int status, const char *msg)
{
    if (!e->failed) {
        e->failed = 1;
        e->status = status;
        if (msg)
            snprintf(e->err, e->errlen, "%s", msg);
    }
    kernel_stop(e->k);
}

static void fail(engine *e, const char *msg) { fail_as(e, ENGINE_EINPUT, msg); }

/* The command's own span and the energy its unit did not trace itself. */
static void trace_cmd(engine *e, const cmd_work *c, const cmd_op_desc *d, const unit_timing *t)
{
    const trace_sink *k = e->o.sink;
    if (k->span && t->span_end_ps > t->start_ps) {
        if (d->span_by_source)
            k->span(k->ctx, TRACK_XFER, c->unit, d->name, t->start_ps, t->span_end_ps, c->id,
                    c->tag);
        else
            k->span(k->ctx, UNIT_KIND(c->unit), UNIT_INDEX(c->unit), d->name, t->start_ps,
                    t->span_end_ps, c->id, c->tag);
    }
    double rest = t->e_pj - t->e_traced_pj;
    if (k->energy && t->e_pj > 0 && rest > 0)
        k->energy(k->ctx, d->power, t->start_ps, t->end_ps, rest);
}

/* Issues command id at the current time: hands it to the unit that
 * executes its op and schedules its completion.  order_pred: the node of
 * the command ahead of it in its queue, which issued just now while this
 * one's data were ready earlier (0: none); unless its unit was still held
 * (the path is then the occupant's), its path is that command's, up to
 * now. */
static void issue_after(engine *e, uint64_t id, cp_ref order_pred)
{
    struct slot *s = &e->slots[id & e->mask];
    uint64_t now = kernel_now(e->k);
    const cmd_work *c = &e->cmds[id & e->mask];
    const unit *u = &e->units->exec[c->op][UNIT_KIND(c->unit)];
    unit_timing t;
    if (u->ops) {
        u->ops->exec(u->self, c, now, &t);
        if (order_pred && !t.held_ps) {
            cp_ref cut = critpath_cut(e->cp, order_pred, now);
            critpath_release(e->cp, s->bind);
            s->bind = cut;
            s->t_bind = now;
        }
        if (e->o.tag_cp && c->tag < e->o.ntags && e->o.tag_cp[c->tag])
            for (uint8_t i = 0; i < t.ncp; i++)
                if (UNIT_CP_CAT(t.cp[i]) >= CP_DIG && UNIT_CP_CAT(t.cp[i]) < CP_DIG + DIG_KINDS)
                    t.cp[i] = UNIT_CP_WORD(e->o.tag_cp[c->tag], UNIT_CP_PS(t.cp[i]));
    } else {
        /* nothing executes it (a mark): it takes no time */
        memset(&t, 0, sizeof t);
        t.start_ps = t.end_ps = t.span_end_ps = now;
    }
    s->node = critpath_issue(e->cp, c->unit, s->bind, s->admit_cat, s->t_admit, now, &t);
    if (c->tag < e->o.ntags) {
        engine_tag_stats *ts = &e->tag[c->tag];
        ts->commands++;
        ts->acts += c->op == CMD_ACT;
        ts->busy_ps += t.end_ps - t.start_ps;
        ts->e_pj += t.e_pj;
    }
    e->e_dyn_pj += t.e_pj;
    if (e->o.sink) {
        critpath_label(e->cp, s->node, c->id, c->tag);
        if (u->ops)
            trace_cmd(e, c, cmd_op(c->op), &t);
    }
    s->bind = 0;  /* critpath_issue took over its reference */
    s->state = S_ISSUED;
    kernel_schedule_at(e->k, t.end_ps < now ? now : t.end_ps, on_done, e, id);
}

static void issue(engine *e, uint64_t id) { issue_after(e, id, 0); }

/* ---- arbitration -------------------------------------------------------- */

static int arb_less(const struct arbent *a, const struct arbent *b)
{
    return a->prio != b->prio ? a->prio < b->prio : a->seq < b->seq;
}

/* The arbitration state of unit u (op's executor gives its capacity). */
static uint32_t arb_index(engine *e, unit_id u, int op)
{
    int k = UNIT_KIND(u);
    uint32_t i = UNIT_INDEX(u);
    if (i >= e->narb_of[k]) {
        uint32_t n = e->narb_of[k] ? e->narb_of[k] : 64;
        while (n <= i)
            n *= 2;
        e->arb_of[k] = xrealloc(e->arb_of[k], n * sizeof *e->arb_of[k]);
        memset(e->arb_of[k] + e->narb_of[k], 0, (n - e->narb_of[k]) * sizeof *e->arb_of[k]);
        e->narb_of[k] = n;
    }
    if (!e->arb_of[k][i]) {
        e->arbs = xrealloc(e->arbs, (e->narbs + 1) * sizeof *e->arbs);
        const unit *x = &e->units->exec[op][k];
        struct arb *a = &e->arbs[e->narbs];
        memset(a, 0, sizeof *a);
        a->cap = x->ops && x->ops->capacity ? x->ops->capacity(x->self, u) : 0;
        e->arb_of[k][i] = ++e->narbs;
    }
    return e->arb_of[k][i] - 1;
}

static void on_arb(kernel *k, void *ctx, uint64_t idx);

/* Issues the best waiting commands of arbitration state idx while its unit
 * has places.  A command that waited continues, on the critical path, the
 * command whose completion freed its place. */
static void on_arb(kernel *k, void *ctx, uint64_t idx)
{
    engine *e = ctx;
    uint64_t now = kernel_now(k);
    struct arb *a = &e->arbs[idx];
    a->scheduled = 0;
    while (a->n && a->inflight < a->cap) {
        struct arbent top = a->heap[0], last = a->heap[--a->n];
        uint32_t i = 0;
        for (;;) { /* sift last down from the root */
            uint32_t c = 2 * i + 1;
            if (c >= a->n)
                break;
            if (c + 1 < a->n && arb_less(&a->heap[c + 1], &a->heap[c]))
                c++;
            if (!arb_less(&a->heap[c], &last))
                break;
            a->heap[i] = a->heap[c];
            i = c;
        }
        if (a->n)
            a->heap[i] = last;
        struct slot *s = &e->slots[top.id & e->mask];
        if (top.t_ready < now && a->freed && critpath_end(e->cp, a->freed) == now) {
            critpath_hold(e->cp, a->freed);
            critpath_release(e->cp, s->bind);
            s->bind = a->freed;
            s->t_bind = now;
        }
        a->inflight++;
        issue(e, top.id);
    }
}

/* Command id, ready, waits for its unit's arbitration at this instant. */
static void arb_ready(engine *e, uint64_t id)
{
    const cmd_work *c = &e->cmds[id & e->mask];
    uint32_t idx = arb_index(e, c->unit, c->op);
    struct arb *a = &e->arbs[idx];
    if (!a->cap) {
        issue(e, id);
        return;
    }
    if (a->n == a->heap_cap) {
        a->heap_cap = a->heap_cap ? 2 * a->heap_cap : 16;
        a->heap = xrealloc(a->heap, a->heap_cap * sizeof *a->heap);
    }
    struct arbent x = {c->prio, e->ready_seq++, id, kernel_now(e->k)};
    uint32_t i = a->n++;
    while (i && arb_less(&x, &a->heap[(i - 1) / 2])) { /* sift up */
        a->heap[i] = a->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    a->heap[i] = x;
    /* Decide once every command of this instant is ready: the event runs
     * after those already due now. */
    if (!a->scheduled) {
        a->scheduled = 1;
        kernel_schedule_at(e->k, kernel_now(e->k), on_arb, e, idx);
    }
}

/* Arbitrated command id (its node r) completed: its place is free. */
static void arb_done(engine *e, uint64_t id, cp_ref r)
{
    const cmd_work *c = &e->cmds[id & e->mask];
    uint32_t idx = arb_index(e, c->unit, c->op);
    struct arb *a = &e->arbs[idx];
    if (!a->cap)
        return;
    a->inflight--;
    critpath_hold(e->cp, r);
    critpath_release(e->cp, a->freed);
    a->freed = r;
    if (a->n && !a->scheduled) {
        a->scheduled = 1;
        kernel_schedule_at(e->k, kernel_now(e->k), on_arb, e, idx);
    }
}

/* Issues id if it can go now, then whatever that releases in its unit. */
static void try_issue(engine *e, uint64_t id)
{
    cp_ref order_pred = 0; /* the command ahead, when it held this one back */
    for (;;) {
        struct slot *s = &e->slots[id & e->mask];
        if (s->state != S_WAIT || s->ndeps_left)
            return;
        if (s->uq == UINT32_MAX) {
            if (s->arb)
                arb_ready(e, id);
            else
                issue(e, id);
            return;
        }
        struct unitq *q = &e->uq[s->uq];
        if (q->head != id)
            return;
        issue_after(e, id, order_pred);
        uint64_t now = kernel_now(e->k);
        cp_ref pred = s->node;
        if (q->n-- == q->cap && e->blocked_q == s->uq) {
            /* a place in the queue the dispatcher waits for */
            e->blocked_q = UINT32_MAX;
            e->wake = 1;
            e->wake_node = s->node;
        }
        q->head = s->unit_next ? id + s->unit_next : NONE;
        if (q->head == NONE) {
            q->tail = NONE;
            return;
        }
        struct slot *n = &e->slots[q->head & e->mask];
        if (n->t_avail < now)
            n->t_avail = now;
        /* Ready before its predecessor issued, it issues now because that
         * one did (issue_after: the path continues the predecessor's). */
        order_pred = n->state == S_WAIT && !n->ndeps_left && n->t_bind < now ? pred : 0;
        id = q->head;
    }
}

static void dispatch(engine *e);

/* Retires the done commands at the window's floor that completed before
 * the dispatcher's last stop: a command admitted later continues the
 * dispatcher's path rather than theirs (admit), so it never needs them. */
static void retire(engine *e)
{
    while (e->floor < e->next_id) {
        struct slot *f = &e->slots[e->floor & e->mask];
        if (f->state != S_DONE || f->t_avail >= e->retire_before)
            return;
        if (e->blocked_q == WINDOW_Q) { /* room: the dispatcher goes on */
            e->blocked_q = UINT32_MAX;
            e->wake = 1;
            e->wake_node = e->last; /* completed now (held by e->last) */
        }
        f->state = S_FREE;
        if (f->node == e->last)
            e->last_owned = 1;  /* its reference passes to e->last */
        else
            critpath_release(e->cp, f->node);
        f->node = 0;
        e->floor++;
    }
}

static void progress(engine *e, int final)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double since = (double)(now.tv_sec - e->t_wall_last.tv_sec) +
                   (double)(now.tv_nsec - e->t_wall_last.tv_nsec) * 1e-9;
    double total = (double)(now.tv_sec - e->t_wall0.tv_sec) +
                   (double)(now.tv_nsec - e->t_wall0.tv_nsec) * 1e-9;
    if (final) {
        if (e->progress_shown)
            fprintf(stderr, "\r\033[K");
        return;
    }
    if (since < 0.5 || total < 1.0)
        return;
    e->t_wall_last = now;
    e->progress_shown = 1;
    fprintf(stderr, "\r\033[K[aimcsim] %.3f ms simulated, %llu commands, token %llu/%llu, %.0f s",
            units_ps_to_ms(kernel_now(e->k)), (unsigned long long)e->n_done,
            (unsigned long long)e->tokens, (unsigned long long)e->o.expect_tokens, total);
    fflush(stderr);
}

/* Dependency s (its node s->node) of command waiter completed now. */
HOT_INLINE void release_waiter(engine *e, const struct slot *s, uint64_t waiter, uint64_t now)
{
    struct slot *ws = &e->slots[waiter & e->mask];
    if (--ws->ndeps_left == 0) {
        /* completions come in time order: its last one binds it (none
         * was bound before, admit) */
        critpath_hold(e->cp, s->node);
        ws->bind = s->node;
        ws->t_bind = now;
        /* Its dependency stall: since it reached the head of its queue (or
         * was admitted, with no queue).  Not yet at the head, it reaches
         * it only when its predecessor issues, at or after now: none. */
        if (ws->uq == UINT32_MAX || e->uq[ws->uq].head == waiter)
            e->stall_dep_ps += now - ws->t_avail;
        try_issue(e, waiter);
    }
}

static void on_done(kernel *k, void *ctx, uint64_t id)
{
    engine *e = ctx;
    struct slot *s = &e->slots[id & e->mask];
    uint64_t now = kernel_now(k);
    s->state = S_DONE;
    e->n_done++;
    e->t_end = now;
    if (s->arb)
        arb_done(e, id, s->node);
    if (e->last_owned)
        critpath_release(e->cp, e->last);
    e->last = s->node;
    e->last_owned = 0;
    if (s->milestone) {
        const cmd_work *c = &e->cmds[id & e->mask];
        critpath_milestone(e->cp, s->node, (int)c->arg[0]);
        if (c->arg[0] == MARK_PREFILL && !e->have_prefill) {
            e->have_prefill = 1;
            e->t_prefill = now;
        } else if (c->arg[0] == MARK_TOKEN) {
            if (!e->have_ttft) {
                e->have_ttft = 1;
                e->t_ttft = now;
            }
            e->t_last_token = now;
            e->last_token_index = c->arg[1];
            e->tokens++;
        }
    }
    if (s->waiter0) {
        uint64_t w0 = id + s->waiter0;
        s->waiter0 = 0;
        release_waiter(e, s, w0, now);
    }
    uint32_t w = s->waiters;
    s->waiters = s->waiters_tail = 0;
    while (w) {
        struct edge ed = e->edges[w - 1];
        edge_release(e, w);
        release_waiter(e, s, ed.waiter, now);
        w = ed.next;
    }
    s->t_avail = now;  /* its completion, for retire and admit */
    if (id == e->floor)
        retire(e);
    if (e->wake) {
        e->wake = 0;
        dispatch(e);
    }
    if ((e->n_done & PROGRESS_EVERY) == 0) {
        if (e->o.stop && *e->o.stop)
            fail_as(e, ENGINE_STOPPED, "interrupted");
        else if (e->o.progress)
            progress(e, 0);
    }
}

/* 1 if u is of a kind in mask and exists on the chip (UNIT_NONE: none). */
static int unit_exists(const engine *e, unit_id u, unsigned mask)
{
    unsigned k = UNIT_KIND(u);
    return k < UNIT_KINDS && (mask & CMD_UNITS(k)) &&
           (k == UNIT_NONE || UNIT_INDEX(u) < e->units->count[k]);
}

/* Checks a command read from the source: its id, its units, its
 * dependencies.  0, or -1 having failed the run. */
static int check_cmd(engine *e, const cmd *c)
{
    char msg[256];
    if (c->id != e->next_id) {
        snprintf(msg, sizeof msg, "command %llu: out of sequence (expected id %llu)",
                 (unsigned long long)c->id, (unsigned long long)e->next_id);
        fail(e, msg);
        return -1;
    }
    if (e->o.check && e->o.check(e->o.check_ctx, c, e->err, e->errlen) < 0) {
        fail(e, NULL);
        return -1;
    }
    const cmd_op_desc *od = cmd_op(c->op);
    int bad = !od || !unit_exists(e, c->unit, od->units);
    for (uint8_t i = 0; !bad && i < od->nfields; i++)
        if (od->fields[i].type == CF_UNIT)
            bad = !unit_exists(e, (unit_id)cmd_field_get(c, &od->fields[i]),
                               ~(unsigned)CMD_UNITS(UNIT_NONE));
    if (bad) {
        snprintf(msg, sizeof msg, "command %llu: unit does not exist on this chip",
                 (unsigned long long)c->id);
        fail(e, msg);
        return -1;
    }
    for (uint32_t i = 0; i < c->ndeps; i++)
        if (c->deps[i] >= c->id) {
            snprintf(msg, sizeof msg, "command %llu: depends on a later command %llu",
                     (unsigned long long)c->id, (unsigned long long)c->deps[i]);
            fail(e, msg);
            return -1;
        }
    return 0;
}

/* Doubles the window's slots (the commands keep their ids). */
static void grow_window(engine *e)
{
    uint64_t cap = 2 * (e->mask + 1), nmask = cap - 1;
    void *base;
    struct slot *ns = xcalloc_lines(cap, sizeof *ns, &base);
    cmd_work *nc = xcalloc(cap, sizeof *nc);
    for (uint64_t id = e->floor; id < e->next_id; id++) {
        ns[id & nmask] = e->slots[id & e->mask];
        nc[id & nmask] = e->cmds[id & e->mask];
    }
    free(e->slots_base);
    free(e->cmds);
    e->slots = ns;
    e->slots_base = base;
    e->cmds = nc;
    e->mask = nmask;
}

/* Takes the checked command c, whose queue (pend_uq) has room, into the
 * window and its queue. */
static void admit(engine *e, const cmd *c, uint32_t uq)
{
    uint64_t now = kernel_now(e->k);
    struct slot *s = &e->slots[c->id & e->mask];
    cmd_work *w = &e->cmds[c->id & e->mask];
    cmd_work_of(c, w);
    s->state = S_WAIT;
    s->milestone = cmd_op(c->op)->milestone;
    s->arb = c->arb;
    s->t_avail = now;
    s->waiters = s->waiters_tail = 0;
    s->waiter0 = 0;
    s->ndeps_left = 0;
    s->unit_next = 0;
    s->node = 0;
    s->t_admit = now;
    /* Its path: the dispatcher's since its last stop, unless a dependency
     * completed later (or then: its data came last).  Retired ones
     * completed before that stop. */
    cp_ref bind = e->disp;
    uint64_t t_bind = e->disp_t;
    s->admit_cat = e->disp_cat;
    for (uint32_t i = 0; i < c->ndeps; i++) {
        uint64_t d = c->deps[i];
        if (d < e->floor)
            continue;
        struct slot *ds = &e->slots[d & e->mask];
        if (ds->state == S_DONE) {
            if (ds->t_avail >= t_bind) {
                bind = ds->node;
                t_bind = ds->t_avail;
            }
            continue;
        }
        s->ndeps_left++;
        if (!ds->waiter0) {
            ds->waiter0 = (uint32_t)(c->id - d);
            continue;
        }
        uint32_t ed = edge_new(e, c->id, 0);
        if (ds->waiters_tail)
            e->edges[ds->waiters_tail - 1].next = ed;
        else
            ds->waiters = ed;
        ds->waiters_tail = ed;
    }
    /* With a dependency still to complete, that completion binds it
     * (release_waiter): later than anything here. */
    if (s->ndeps_left)
        bind = 0;
    else
        critpath_hold(e->cp, bind);
    s->bind = bind;
    s->t_bind = t_bind;
    s->uq = uq;
    if (uq != UINT32_MAX) {
        struct unitq *q = &e->uq[uq];
        q->n++;
        if (q->tail == NONE) {
            q->head = q->tail = c->id;
        } else {
            e->slots[q->tail & e->mask].unit_next = (uint32_t)(c->id - q->tail);
            q->tail = c->id;
        }
    }
    e->n_cmd[c->op]++;
    e->next_id++;
    if (e->next_id - e->floor > e->window_peak)
        e->window_peak = e->next_id - e->floor;
    try_issue(e, c->id);
}

/* The dispatcher stops at now, waiting for queue q (or WINDOW_Q) for
 * reason cat: the commands admitted from then on waited since now, on the
 * path of what let it go on last. */
static void stop(engine *e, uint32_t q, uint8_t cat, uint64_t now)
{
    e->blocked_q = q;
    e->stopped = 1;
    e->disp_cat = cat;
    cp_ref d = critpath_cut(e->cp, e->wake_node, now);
    critpath_release(e->cp, e->disp);
    e->disp = d;
    e->disp_t = e->retire_before = now;
    e->wake_node = 0;
}

/* The dispatcher: admits commands in stream order until the source ends
 * or the next command's queue is full (it then waits for that queue's
 * head to issue: try_issue wakes it). */
static void dispatch(engine *e)
{
    uint64_t now = kernel_now(e->k);
    if (e->stopped) { /* resumed */
        *(e->disp_cat == CP_WINDOW ? &e->window_full_ps : &e->blocked_ps) += now - e->disp_t;
        e->stopped = 0;
        e->retire_before = e->disp_t;
    }
    for (;;) {
        if (!e->have_pend) {
            if (e->eof || e->failed)
                return;
            int r = e->src.next(e->src.ctx, &e->pend, e->err, e->errlen);
            if (r < 0) {
                fail(e, NULL);
                return;
            }
            if (r == 0) {
                /* nothing more to admit: every done command can retire */
                e->eof = 1;
                e->disp_t = e->retire_before = UINT64_MAX;
                retire(e);
                return;
            }
            if (check_cmd(e, &e->pend) < 0)
                return;
            e->pend_uq = unit_queue_of(e, &e->pend);
            e->have_pend = 1;
        }
        if (e->pend_uq != UINT32_MAX && e->uq[e->pend_uq].n >= e->uq[e->pend_uq].cap) {
            /* Stopped: the commands admitted from now on waited since now,
             * on the path of what let the dispatcher go on last. */
            stop(e, e->pend_uq, CP_QUEUE_FULL, now);
            retire(e);
            return;
        }
        if (e->next_id - e->floor > e->mask) {
            if (e->mask + 1 < e->window_max) {
                grow_window(e);
            } else {
                /* The window is at its most: wait for the oldest command
                 * to retire (any done one may, meanwhile). */
                stop(e, WINDOW_Q, CP_WINDOW, now);
                e->retire_before = UINT64_MAX;
                retire(e);
                if (e->blocked_q == WINDOW_Q)
                    return;
                e->wake = 0; /* room already: go on at once */
                e->stopped = 0;
                e->retire_before = e->disp_t;
                continue;
            }
        }
        e->have_pend = 0;
        admit(e, &e->pend, e->pend_uq);
    }
}

/* ---- statistics ------------------------------------------------------- */

static double f_tpot(const void *ctx)
{
    const engine *e = ctx;
    if (!e->have_ttft || e->last_token_index == 0)
        return 0;
    return (double)(e->t_last_token - e->t_ttft) / (double)e->last_token_index;
}

static double f_tokens_per_s(const void *ctx)
{
    const engine *e = ctx;
    if (!e->t_end)
        return 0;
    return (double)(e->tokens * (e->o.batch ? e->o.batch : 1)) / units_ps_to_s(e->t_end);
}

uint64_t engine_mem_bytes(uint64_t window, uint64_t ntags, uint64_t queues)
{
    uint64_t cap = 16;
    while (cap < window)
        cap <<= 1;
    uint64_t qslots = QMAP_SLOTS;
    while (qslots < 2 * queues)
        qslots <<= 1;
    uint64_t b = sat_mul_u64(cap, sizeof(struct slot));
    b = sat_add_u64(b, sat_mul_u64(2 * cap, sizeof(struct edge)));
    b = sat_add_u64(b, sat_mul_u64(ntags, sizeof(engine_tag_stats)));
    b = sat_add_u64(b, sat_mul_u64(2 * queues, sizeof(struct unitq)));
    return sat_add_u64(b, sat_mul_u64(qslots, sizeof(uint64_t) + sizeof(uint32_t)));
}

engine *engine_create(kernel *k, const unit_table *units, stats *st, const engine_opts *o)
{
    engine *e = xcalloc(1, sizeof *e);
    e->k = k;
    e->units = units;
    e->st = st;
    e->o = *o;
    e->window_max = 16;
    while (e->window_max < o->window)
        e->window_max <<= 1;
    uint64_t cap = e->window_max < WINDOW_START ? e->window_max : WINDOW_START;
    e->slots = xcalloc_lines(cap, sizeof *e->slots, &e->slots_base);
    e->cmds = xcalloc(cap, sizeof *e->cmds);
    e->mask = cap - 1;
    e->blocked_q = UINT32_MAX;
    e->disp_cat = CP_QUEUE_FULL;
    e->nq = 1;
    if (o->queues == ENGINE_QUEUE_NODE && o->ntags)
        e->nq = o->ntags;
    if (o->queues == ENGINE_QUEUE_BLOCK)
        for (uint32_t i = 0; i < o->ntags; i++)
            if (o->tags[i].layer >= 0 && (uint32_t)o->tags[i].layer + 2 > e->nq)
                e->nq = (uint32_t)o->tags[i].layer + 2;
    /* The queue map starts with QMAP_SLOTS slots and doubles at half full. */
    e->qmask = QMAP_SLOTS - 1;
    e->qkey = xcalloc(e->qmask + 1, sizeof *e->qkey);
    e->qval = xmalloc((e->qmask + 1) * sizeof *e->qval);
    e->tag = xcalloc(o->ntags ? o->ntags : 1, sizeof *e->tag);
    e->cp = critpath_create(st, units->count);
    critpath_set_sink(e->cp, o->sink);

    stats_counter(st, &e->t_end, "run.total_ps");
    stats_counter(st, &e->t_prefill, "run.prefill_ps");
    stats_counter(st, &e->t_ttft, "run.ttft_ps");
    stats_formula(st, f_tpot, e, "run.tpot_ps");
    stats_formula(st, f_tokens_per_s, e, "run.tokens_per_s");
    stats_counter(st, &e->tokens, "run.tokens");
    stats_counter(st, &e->stall_dep_ps, "stall.%s_ps", stall_cause_names[STALL_DEP]);
    for (int i = 0; i < CMD_OPS; i++)
        stats_counter(st, &e->n_cmd[i], "cmd.%s", cmd_op_name(i));
    stats_counter(st, &e->n_done, "cmd.retired");
    stats_max(st, &e->window_peak, "engine.window_peak");
    stats_counter(st, &e->blocked_ps, "engine.dispatch_stopped_ps");
    stats_counter(st, &e->window_full_ps, "engine.window_full_ps");
    stats_counter(st, &e->events, "engine.events");
    stats_real(st, &e->e_dyn_pj, "energy.dynamic_by_command_pj");
    return e;
}

int engine_run(engine *e, cmd_source src, char *err, size_t errlen)
{
    e->src = src;
    e->err = err;
    e->errlen = errlen;
    clock_gettime(CLOCK_MONOTONIC, &e->t_wall0);
    e->t_wall_last = e->t_wall0;
    if (e->o.progress && !isatty(2))
        e->o.progress = 0;
    dispatch(e);
    while (!e->failed) {
        if (kernel_run(e->k) < 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "engine: the event kernel failed (%s backend)",
                     kernel_backend_name(kernel_backend_of(e->k)));
            fail_as(e, -1, msg);
            break;
        }
        if (e->failed)
            break;
        if (e->eof && e->floor == e->next_id)
            break;
        if (e->o.stop && *e->o.stop) {
            fail_as(e, ENGINE_STOPPED, "interrupted");
            break;
        }
        if (kernel_pending(e->k) == 0) {
            /* Nothing in flight, yet the window is not empty: cannot happen
             * with backward-only dependencies; report rather than spin. */
            return errf(err, errlen, "engine: stuck with %llu commands in the window",
                        (unsigned long long)(e->next_id - e->floor));
        }
    }
    if (e->o.progress)
        progress(e, 1);
    e->events = kernel_events_run(e->k);
    if (e->failed)
        return e->status;
    if (!e->have_prefill)
        e->t_prefill = e->have_ttft ? e->t_ttft : e->t_end;
    critpath_finish(e->cp, e->last);
    return 0;
}

int engine_check(const engine *e, char *err, size_t errlen)
{
    uint64_t admitted = 0;
    for (int i = 0; i < CMD_OPS; i++)
        admitted += e->n_cmd[i];
    if (!e->eof || e->n_done != admitted || e->floor != e->next_id)
        return errf(err, errlen, "invariant: %llu of %llu commands retired",
                    (unsigned long long)e->n_done, (unsigned long long)admitted);
    double sum = 0;
    for (uint32_t i = 0; i < e->o.ntags; i++)
        sum += e->tag[i].e_pj;
    double tol = 1e-9 * (e->e_dyn_pj > 1 ? e->e_dyn_pj : 1);
    if (e->o.ntags && (sum - e->e_dyn_pj > tol || e->e_dyn_pj - sum > tol))
        return errf(err, errlen, "invariant: energy by tag %.6g pJ != dynamic total %.6g pJ",
                    sum, e->e_dyn_pj);
    return 0;
}

uint64_t engine_end_ps(const engine *e) { return e->t_end; }
const engine_tag_stats *engine_tag_totals(const engine *e) { return e->tag; }

void engine_free(engine *e)
{
    if (!e)
        return;
    free(e->slots_base);
    for (uint32_t i = 0; i < e->narbs; i++)
        free(e->arbs[i].heap);
    free(e->arbs);
    for (int k = 0; k < UNIT_KINDS; k++)
        free(e->arb_of[k]);
    free(e->cmds);
    free(e->edges);
    free(e->uq);
    free(e->qkey);
    free(e->qval);
    free(e->tag);
    critpath_free(e->cp);
    free(e);
}
