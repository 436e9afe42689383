/*
 * engine.c -- executes a command stream on the chip (see engine.h).
 *
 * Invariants:
 *  - The window holds ids [floor, next_id); every id below floor has
 *    completed, and slot (id & mask) belongs to id while it is in the window.
 *  - A command is in exactly one of: waiting (in its unit's queue, or for
 *    dependencies), issued (its completion event is pending), done.
 *  - ndeps_left counts the dependencies not yet done; each such dependency
 *    holds one edge naming this command in its waiter list.
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

#include "sim/units.h"
#include "sim/util.h"
#include "traces/chrome.h"
#include "traces/power.h"

#define NONE UINT64_MAX

enum { S_FREE, S_WAIT, S_ISSUED, S_DONE };

/* What the engine keeps of a command: the chip needs only the counts of an
 * activation's row and column sets, so a slot is a third of a cmd. */
struct ecmd {
    uint64_t id;
    uint8_t op;
    unit_id unit;
    uint32_t tag;
    union {
        struct { uint32_t nrows, ncols; uint8_t slices, bits; } act;
        struct { unit_id dst; uint64_t bytes; } xfer;
        struct { uint8_t write; uint64_t addr, bytes; } mem;
        struct { uint8_t kind; uint32_t m, n, k; } dig;
        struct { uint8_t kind; uint64_t value; } mark;
    } u;
};

struct slot {
    struct ecmd c;
    uint64_t t_avail;    /* entered the window, or its unit predecessor issued */
    uint64_t t_deps;     /* last dependency completed (t_avail if none) */
    uint64_t unit_next;  /* next id in the unit's queue, NONE at the tail */
    uint32_t waiters;    /* first edge index + 1; 0 for none */
    uint32_t ndeps_left;
    uint32_t uq;         /* unit queue index, or UINT32_MAX for none */
    uint8_t state;
};

struct edge {
    uint64_t waiter;
    uint32_t next;       /* next edge index + 1; 0 ends the list */
};

struct unitq {
    uint64_t head, tail; /* NONE when empty */
    uint64_t t_last_issue;
};

struct engine {
    kernel *k;
    chip *chip;
    stats *st;
    engine_opts o;

    struct slot *slots;
    uint64_t mask, floor, next_id;
    cmd_source src;
    int eof, failed;
    char *err;
    size_t errlen;

    struct edge *edges;
    uint32_t nedges, edge_cap, edge_free; /* free list: index + 1 */

    struct unitq *uq;    /* queues, created on first use */
    uint32_t nuq, uq_cap;
    uint64_t *qkey;      /* open-addressing map: key + 1 (0 empty) ... */
    uint32_t *qval;      /* ... to its index in uq */
    uint32_t qmask;      /* map slots - 1 (a power of two, kept <= half full) */
    uint32_t base[UNIT_KINDS], nunits;
    uint32_t nq;         /* queues per unit: 1, one per block (+1 for layer -1),
                          * or one per tag */

    /* statistics */
    uint64_t n_cmd[CMD_OPS], n_done, window_peak;
    uint64_t stall_ps[STALL_CAUSES];
    uint64_t t_end, t_prefill, t_ttft, t_last_token, tokens, last_token_index;
    int have_prefill, have_ttft;
    double e_dyn_pj;
    engine_tag_stats *tag;
    uint64_t events;

    /* the command being issued, for the link observer */
    uint64_t cur_id;
    const char *cur_tag;

    /* progress */
    struct timespec t_wall0, t_wall_last;
    int progress_shown;
};

const char *const engine_power_names[ENGINE_PW_COMPONENTS] = {
    "tiles", "adc", "noc", "memory", "digital", "static"};

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

/* The index in e->uq of queue `key`, created empty on first use.  Only the
 * queues a stream uses exist: a chip of thousands of tiles and a graph of
 * hundreds of nodes need not have the product. */
static uint32_t queue_index(engine *e, uint64_t key)
{
    uint64_t h = (key + 1) * 0x9e3779b97f4a7c15ULL;
    for (uint32_t i = (uint32_t)(h >> 32) & e->qmask;; i = (i + 1) & e->qmask) {
        if (e->qkey[i] == key + 1)
            return e->qval[i];
        if (e->qkey[i] == 0) {
            if (e->nuq == e->uq_cap) {
                e->uq_cap = e->uq_cap ? 2 * e->uq_cap : 1024;
                e->uq = xrealloc(e->uq, e->uq_cap * sizeof *e->uq);
            }
            e->uq[e->nuq] = (struct unitq){NONE, NONE, 0};
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
                    uint64_t hj = k[j] * 0x9e3779b97f4a7c15ULL;
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
 * 0); with per-node queues its unit's queue for its tag. */
static uint32_t unit_queue_of(engine *e, const struct ecmd *c)
{
    if (c->op == CMD_SYNC || c->op == CMD_MARK)
        return UINT32_MAX;
    uint64_t u = e->base[UNIT_KIND(c->unit)] + UNIT_INDEX(c->unit), q = 0;
    if (e->o.queues == ENGINE_QUEUE_NODE)
        q = c->tag < e->o.ntags ? c->tag : 0;
    else if (e->o.queues == ENGINE_QUEUE_BLOCK && c->tag < e->o.ntags &&
             e->o.tags[c->tag].layer >= 0)
        q = (uint32_t)e->o.tags[c->tag].layer + 1;
    return queue_index(e, u * e->nq + q);
}

static void fail(engine *e, const char *msg)
{
    if (!e->failed) {
        e->failed = 1;
        snprintf(e->err, e->errlen, "%s", msg);
    }
    kernel_stop(e->k);
}

static void trace_cmd(engine *e, const struct ecmd *c, const chip_timing *t)
{
    if (e->o.chrome) {
        const char *tag = c->tag < e->o.ntags ? e->o.tags[c->tag].name : NULL;
        const char *op = cmd_op_name(c->op);
        uint64_t end = t->end_ps;
        int g = e->o.chrome_group[UNIT_KIND(c->unit)];
        uint32_t unit = UNIT_INDEX(c->unit);
        if (c->op == CMD_ACT && t->adc_end_ps > t->adc_start_ps) {
            /* The array's part ends where conversion begins; the ADC bank
             * has its own track. */
            if (t->adc_start_ps > t->start_ps)
                end = t->adc_start_ps;
            if (e->o.chrome_adc_group >= 0)
                chrome_span(e->o.chrome, e->o.chrome_adc_group, unit, "convert",
                            t->adc_start_ps, t->adc_end_ps, (int64_t)c->id, tag);
        }
        if (c->op == CMD_XFER) {
            g = e->o.chrome_noc_group;  /* link spans come from on_link */
            unit = e->base[UNIT_KIND(c->unit)] + unit;
        }
        if (g >= 0 && end > t->start_ps)
            chrome_span(e->o.chrome, g, unit, op, t->start_ps, end, (int64_t)c->id, tag);
    }
    if (e->o.power && t->e_pj > 0) {
        static const int comp[CMD_OPS] = {
            [CMD_ACT] = ENGINE_PW_TILES, [CMD_XFER] = ENGINE_PW_NOC, [CMD_MEM] = ENGINE_PW_MEMORY,
            [CMD_DIG] = ENGINE_PW_DIGITAL, [CMD_PROG] = ENGINE_PW_TILES};
        double rest = t->e_pj;
        if (c->op == CMD_ACT && t->adc_end_ps > t->adc_start_ps && t->e_adc_pj > 0) {
            /* The conversions' energy over the ADC bank's interval. */
            power_add(e->o.power, ENGINE_PW_ADC, t->adc_start_ps, t->adc_end_ps, t->e_adc_pj);
            rest -= t->e_adc_pj;
        } else if (c->op == CMD_ACT) {
            power_add(e->o.power, ENGINE_PW_ADC, t->start_ps, t->end_ps, t->e_adc_pj);
            rest -= t->e_adc_pj;
        }
        if (rest > 0)
            power_add(e->o.power, comp[c->op], t->start_ps, t->end_ps, rest);
    }
}

/* The chip's link observer: one span per link a transfer crosses. */
static void on_link(void *ctx, uint32_t link, uint64_t start_ps, uint64_t end_ps)
{
    engine *e = ctx;
    chrome_span(e->o.chrome, e->o.chrome_link_group, link, "flits", start_ps, end_ps,
                (int64_t)e->cur_id, e->cur_tag);
}

/* Issues command id at the current time: reserves its resources on the chip
 * and schedules its completion. */
static void issue(engine *e, uint64_t id)
{
    struct slot *s = &e->slots[id & e->mask];
    uint64_t now = kernel_now(e->k);
    chip_timing t;
    memset(&t, 0, sizeof t);
    t.start_ps = t.end_ps = now;
    if (s->t_deps > s->t_avail)
        e->stall_ps[STALL_DEP] += s->t_deps - s->t_avail;
    const struct ecmd *c = &s->c;
    switch (c->op) {
    case CMD_ACT: {
        cmd_set rows = {1, {{0, c->u.act.nrows}}}, cols = {1, {{0, c->u.act.ncols}}};
        chip_act(e->chip, UNIT_INDEX(c->unit), &rows, &cols, c->u.act.slices, c->u.act.bits,
                 now, &t);
        break;
    }
    case CMD_XFER:
        e->cur_id = c->id;
        e->cur_tag = c->tag < e->o.ntags ? e->o.tags[c->tag].name : NULL;
        chip_xfer(e->chip, c->unit, c->u.xfer.dst, c->u.xfer.bytes, now, &t);
        break;
    case CMD_MEM:
        chip_mem(e->chip, c->unit, c->u.mem.write, c->u.mem.addr, c->u.mem.bytes, now, &t);
        break;
    case CMD_DIG:
        chip_dig(e->chip, UNIT_INDEX(c->unit), (enum dig_kind)c->u.dig.kind, c->u.dig.m,
                 c->u.dig.n, c->u.dig.k, now, &t);
        break;
    case CMD_PROG:
        chip_program(e->chip, UNIT_INDEX(c->unit), now, &t);
        break;
    default:
        break;
    }
    for (int i = STALL_ARRAY; i < STALL_CAUSES; i++)
        e->stall_ps[i] += t.wait_ps[i];
    e->e_dyn_pj += t.e_pj;
    if (c->tag < e->o.ntags) {
        engine_tag_stats *ts = &e->tag[c->tag];
        ts->commands++;
        ts->acts += c->op == CMD_ACT;
        ts->busy_ps += t.end_ps - t.start_ps;
        ts->e_pj += t.e_pj;
    }
    if (c->op != CMD_SYNC && c->op != CMD_MARK)
        trace_cmd(e, c, &t);
    s->state = S_ISSUED;
    kernel_schedule_at(e->k, t.end_ps < now ? now : t.end_ps, on_done, e, id);
}

/* Issues id if it can go now, then whatever that releases in its unit. */
static void try_issue(engine *e, uint64_t id)
{
    for (;;) {
        struct slot *s = &e->slots[id & e->mask];
        if (s->state != S_WAIT || s->ndeps_left)
            return;
        if (s->uq == UINT32_MAX) {
            issue(e, id);
            return;
        }
        struct unitq *q = &e->uq[s->uq];
        if (q->head != id)
            return;
        issue(e, id);
        uint64_t now = kernel_now(e->k);
        q->t_last_issue = now;
        q->head = s->unit_next;
        if (q->head == NONE) {
            q->tail = NONE;
            return;
        }
        struct slot *n = &e->slots[q->head & e->mask];
        if (n->t_avail < now)
            n->t_avail = now;
        if (n->t_deps < n->t_avail)
            n->t_deps = n->t_avail;
        id = q->head;
    }
}

static void refill(engine *e);

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

static void on_done(kernel *k, void *ctx, uint64_t id)
{
    engine *e = ctx;
    struct slot *s = &e->slots[id & e->mask];
    uint64_t now = kernel_now(k);
    s->state = S_DONE;
    e->n_done++;
    e->t_end = now;
    if (s->c.op == CMD_MARK) {
        if (s->c.u.mark.kind == MARK_PREFILL && !e->have_prefill) {
            e->have_prefill = 1;
            e->t_prefill = now;
        } else if (s->c.u.mark.kind == MARK_TOKEN) {
            if (!e->have_ttft) {
                e->have_ttft = 1;
                e->t_ttft = now;
            }
            e->t_last_token = now;
            e->last_token_index = s->c.u.mark.value;
            e->tokens++;
        }
    }
    uint32_t w = s->waiters;
    s->waiters = 0;
    while (w) {
        struct edge ed = e->edges[w - 1];
        edge_release(e, w);
        struct slot *ws = &e->slots[ed.waiter & e->mask];
        ws->t_deps = now > ws->t_deps ? now : ws->t_deps;
        if (--ws->ndeps_left == 0)
            try_issue(e, ed.waiter);
        w = ed.next;
    }
    if (id == e->floor) {
        while (e->floor < e->next_id && e->slots[e->floor & e->mask].state == S_DONE) {
            e->slots[e->floor & e->mask].state = S_FREE;
            e->floor++;
        }
        refill(e);
    }
    if (e->o.progress && (e->n_done & 0xffff) == 0)
        progress(e, 0);
}

/* Takes one command from the source into the window. */
static int admit(engine *e, const cmd *c)
{
    char msg[256];
    if (c->id != e->next_id) {
        snprintf(msg, sizeof msg, "command %llu: out of sequence (expected id %llu)",
                 (unsigned long long)c->id, (unsigned long long)e->next_id);
        fail(e, msg);
        return -1;
    }
    if (c->op >= CMD_OPS ||
        (c->op != CMD_SYNC && c->op != CMD_MARK && !chip_unit_valid(e->chip, c->unit)) ||
        (c->op == CMD_XFER && !chip_unit_valid(e->chip, c->u.xfer.dst))) {
        snprintf(msg, sizeof msg, "command %llu: unit does not exist on this chip",
                 (unsigned long long)c->id);
        fail(e, msg);
        return -1;
    }
    uint64_t now = kernel_now(e->k);
    struct slot *s = &e->slots[c->id & e->mask];
    struct ecmd *ec = &s->c;
    ec->id = c->id;
    ec->op = c->op;
    ec->unit = c->unit;
    ec->tag = c->tag;
    switch (c->op) {
    case CMD_ACT:
        ec->u.act.nrows = cmd_set_count(&c->u.act.rows);
        ec->u.act.ncols = cmd_set_count(&c->u.act.cols);
        ec->u.act.slices = c->u.act.slices;
        ec->u.act.bits = c->u.act.bits;
        break;
    case CMD_XFER:
        ec->u.xfer.dst = c->u.xfer.dst;
        ec->u.xfer.bytes = c->u.xfer.bytes;
        break;
    case CMD_MEM:
        ec->u.mem.write = c->u.mem.write;
        ec->u.mem.addr = c->u.mem.addr;
        ec->u.mem.bytes = c->u.mem.bytes;
        break;
    case CMD_DIG:
        ec->u.dig.kind = c->u.dig.kind;
        ec->u.dig.m = c->u.dig.m;
        ec->u.dig.n = c->u.dig.n;
        ec->u.dig.k = c->u.dig.k;
        break;
    case CMD_MARK:
        ec->u.mark.kind = c->u.mark.kind;
        ec->u.mark.value = c->u.mark.value;
        break;
    default:
        break;
    }
    s->state = S_WAIT;
    s->t_avail = s->t_deps = now;
    s->waiters = 0;
    s->ndeps_left = 0;
    s->unit_next = NONE;
    for (uint32_t i = 0; i < c->ndeps; i++) {
        uint64_t d = c->deps[i];
        if (d >= c->id) {
            snprintf(msg, sizeof msg, "command %llu: depends on a later command %llu",
                     (unsigned long long)c->id, (unsigned long long)d);
            fail(e, msg);
            return -1;
        }
        if (d < e->floor)
            continue;
        struct slot *ds = &e->slots[d & e->mask];
        if (ds->state == S_DONE)
            continue;
        ds->waiters = edge_new(e, c->id, ds->waiters);
        s->ndeps_left++;
    }
    s->uq = unit_queue_of(e, ec);
    if (s->uq != UINT32_MAX) {
        struct unitq *q = &e->uq[s->uq];
        if (q->tail == NONE) {
            q->head = q->tail = c->id;
            if (q->t_last_issue > s->t_avail)
                s->t_avail = q->t_last_issue;
        } else {
            e->slots[q->tail & e->mask].unit_next = c->id;
            q->tail = c->id;
        }
    }
    e->n_cmd[c->op]++;
    e->next_id++;
    if (e->next_id - e->floor > e->window_peak)
        e->window_peak = e->next_id - e->floor;
    try_issue(e, c->id);
    return 0;
}

static void refill(engine *e)
{
    while (!e->eof && !e->failed && e->next_id - e->floor < e->o.window) {
        cmd c;
        int r = e->src.next(e->src.ctx, &c, e->err, e->errlen);
        if (r < 0) {
            e->failed = 1;
            kernel_stop(e->k);
            return;
        }
        if (r == 0) {
            e->eof = 1;
            return;
        }
        if (admit(e, &c) < 0)
            return;
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

engine *engine_create(kernel *k, chip *c, stats *st, const engine_opts *o)
{
    engine *e = xcalloc(1, sizeof *e);
    e->k = k;
    e->chip = c;
    e->st = st;
    e->o = *o;
    uint64_t cap = 16;
    while (cap < o->window)
        cap <<= 1;
    e->slots = xcalloc(cap, sizeof *e->slots);
    e->mask = cap - 1;
    uint32_t n = 0;
    for (int kd = 0; kd < UNIT_KINDS; kd++) {
        e->base[kd] = n;
        if (kd != UNIT_NONE)
            n += chip_count(c, (enum unit_kind)kd);
    }
    e->nunits = n;
    e->nq = 1;
    if (o->queues == ENGINE_QUEUE_NODE && o->ntags)
        e->nq = o->ntags;
    if (o->queues == ENGINE_QUEUE_BLOCK)
        for (uint32_t i = 0; i < o->ntags; i++)
            if (o->tags[i].layer >= 0 && (uint32_t)o->tags[i].layer + 2 > e->nq)
                e->nq = (uint32_t)o->tags[i].layer + 2;
    e->qmask = 4095;
    e->qkey = xcalloc(e->qmask + 1, sizeof *e->qkey);
    e->qval = xmalloc((e->qmask + 1) * sizeof *e->qval);
    e->tag = xcalloc(o->ntags ? o->ntags : 1, sizeof *e->tag);
    if (o->chrome && o->chrome_link_group >= 0)
        chip_set_link_observer(c, on_link, e);

    stats_counter(st, &e->t_end, "run.total_ps");
    stats_counter(st, &e->t_prefill, "run.prefill_ps");
    stats_counter(st, &e->t_ttft, "run.ttft_ps");
    stats_formula(st, f_tpot, e, "run.tpot_ps");
    stats_formula(st, f_tokens_per_s, e, "run.tokens_per_s");
    stats_counter(st, &e->tokens, "run.tokens");
    stats_counter(st, &e->stall_ps[STALL_DEP], "stall.dep_ps");
    for (int i = 0; i < CMD_OPS; i++)
        stats_counter(st, &e->n_cmd[i], "cmd.%s", cmd_op_name(i));
    stats_counter(st, &e->n_done, "cmd.retired");
    stats_max(st, &e->window_peak, "engine.window_peak");
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
    refill(e);
    while (!e->failed) {
        if (kernel_run(e->k) < 0) {
            e->failed = 1;
            errf(err, errlen, "engine: the event kernel failed (%s backend)",
                 kernel_backend_name(kernel_backend_of(e->k)));
            break;
        }
        if (e->failed)
            break;
        if (e->eof && e->floor == e->next_id)
            break;
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
        return -1;
    if (!e->have_prefill)
        e->t_prefill = e->have_ttft ? e->t_ttft : e->t_end;
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
    if (e->o.chrome && e->o.chrome_link_group >= 0)
        chip_set_link_observer(e->chip, NULL, NULL);
    free(e->slots);
    free(e->edges);
    free(e->uq);
    free(e->qkey);
    free(e->qval);
    free(e->tag);
    free(e);
}
