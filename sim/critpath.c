/*
 * critpath.c -- the critical path of a run (critpath.h).
 *
 * Invariants:
 *  - a node's segments tile [start, t_end] exactly, start being where it
 *    joins its predecessor's path (t0), so any walk back from a node adds
 *    up to the time it covers;
 *  - refs counts the holders of a node: the command (while it is in the
 *    engine's window), a command about to continue it, the dispatcher, its unit's occupant slot,
 *    the engine's last node, and the nodes continuing it; a node with no
 *    reference is freed at once and releases its predecessor and its sums;
 *  - epochs count milestones; the horizon is the last one's time.  Every
 *    node was issued at or before the current time, so a node of an older
 *    epoch starts at or before the horizon: no walk goes further back than
 *    its own segments;
 *  - a checkpoint (a node CHECK_EVERY - 1 nodes after the last one, or
 *    after the start of its chain, made one when a node continues it)
 *    holds the sums of its path back to the horizon of its epoch and lets
 *    go of its predecessor, so a chain kept alive is at most CHECK_EVERY
 *    nodes long and a walk is at most that many steps; a checkpoint of an
 *    older epoch is read like any node that starts before the horizon;
 *  - with a trace sink there are no checkpoints: a milestone's walk goes
 *    back node by node to show every critical command, and the chains
 *    since the last milestone are kept (memory grows with the commands
 *    between two milestones, as the trace itself does).
 */
#include "sim/critpath.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

/* For measurement only (critpath.h): compiled with -DCRITPATH_OFF, the
 * callers see none of the per-command entry points, and the others
 * return at once. */
#ifdef CRITPATH_OFF
#undef critpath_issue
#undef critpath_cut
#undef critpath_end
#undef critpath_hold
#undef critpath_release
#define OFF_RETURN(v) return v
#else
#define OFF_RETURN(v) ((void)0)
#endif

/* The per-command steps inline into critpath_issue; the rare ones stay
 * out of its way. */
#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline, cold))
#else
#define HOT_INLINE static inline
#define COLD static
#endif

/* Segments a node holds: the engine's two waits, then the unit's. */
#define SEGS (2 + UNIT_CP_MAX)
/* Nodes between checkpoints: memory per live chain against the cost of a
 * walk (and CP_CATS words of sums per checkpoint). */
#define CHECK_EVERY 32
/* A segment is one word, as the units report it (sim/unit.h). */
#define SEG_WORD UNIT_CP_WORD
#define SEG_PS UNIT_CP_PS
#define SEG_CAT UNIT_CP_CAT
_Static_assert(CP_CATS <= 64, "a category fits above UNIT_CP_SHIFT");

/* One cache line: written when its command issues, read by the walks. */
struct node {
    uint64_t t_end;        /* the path ends here; it starts at t_end minus
                            * its segments (t0), where it joins its link's
                            * path (the link's end, or earlier when its
                            * unit let go of the previous command before
                            * that one ended) */
    uint32_t epoch;        /* the milestones before it was issued */
    uint8_t depth;         /* nodes since the last checkpoint on its chain */
    uint8_t n;
    uint8_t pad_[2];
    uint64_t seg[SEGS];
};
_Static_assert(sizeof(struct node) <= 64, "a node in one cache line");

/* What the holds, releases and frees of a node touch, apart from it: the
 * commands in the window are held on completion and released on
 * retirement, long after their node's line has left the cache; these
 * pack 8 nodes a line. */
struct hold {
    uint32_t refs;         /* its holders (0: free) */
    uint32_t link;         /* the node whose path it continues (0: none),
                            * or for a checkpoint LINK_CP | its sums' index
                            * + 1 */
};
#define LINK_CP UINT32_C(0x80000000)

struct critpath {
    struct node *node;     /* node r is node[r - 1] */
    struct hold *h;        /* node r's holders and link: h[r - 1] */
    uint64_t *id;          /* with a trace sink: each node's command and tag */
    uint32_t *tag;
    uint32_t cap, cursor;  /* nodes: allocated, the next to try */
    uint32_t live_nodes;   /* nodes with a reference */
    uint64_t (*sums)[CP_CATS]; /* checkpoints' sums */
    uint8_t *sums_used;
    uint32_t sums_cap, sums_cursor, sums_live; /* as for the nodes */
    uint64_t horizon;      /* the last milestone's time */
    uint32_t epoch;        /* milestones so far */
    int keep_chains;       /* a trace sink: no checkpoints */
    int have_first;
    uint64_t tokens_after_first;
    uint64_t ttft[CP_CATS], decode[CP_CATS], slowest[CP_CATS], total[CP_CATS];
    uint64_t slowest_ps;
    uint64_t buf[CP_CATS]; /* one walk's sums */
    const trace_sink *sink;
    cp_ref *occ[UNIT_KINDS]; /* per unit, the last command that occupied it (held) */
    uint32_t nocc[UNIT_KINDS];
};

COLD void grow_nodes(critpath *cp);

critpath *critpath_create(stats *st, const uint32_t units[UNIT_KINDS])
{
    critpath *cp = xcalloc(1, sizeof *cp);
    for (int k = 0; k < UNIT_KINDS; k++) {
        cp->nocc[k] = units[k] ? units[k] : 1;
        cp->occ[k] = xcalloc(cp->nocc[k], sizeof *cp->occ[k]);
    }
    grow_nodes(cp);
    if (st) {
        static const char *const phase[] = {"ttft", "decode", "slowest", "total"};
        uint64_t *arr[] = {cp->ttft, cp->decode, cp->slowest, cp->total};
        for (int p = 0; p < 4; p++)
            for (int c = 0; c < CP_CATS; c++)
                stats_counter(st, &arr[p][c], "crit.%s.%s.%s_ps", phase[p],
                              cp_group_keys[cp_cat_group[c]], cp_cat_names[c]);
        stats_counter(st, &cp->tokens_after_first, "crit.decode_tokens");
    }
    return cp;
}

void critpath_free(critpath *cp)
{
    if (!cp)
        return;
    for (int k = 0; k < UNIT_KINDS; k++)
        free(cp->occ[k]);
    free(cp->sums);
    free(cp->sums_used);
    free(cp->id);
    free(cp->tag);
    free(cp->node);
    free(cp->h);
    free(cp);
}

void critpath_set_sink(critpath *cp, const trace_sink *sink)
{
    assert(cp->live_nodes == 0);
    cp->sink = sink && sink->span ? sink : NULL;
    cp->keep_chains = cp->sink != NULL;
    if (cp->keep_chains) {
        cp->id = xrealloc(cp->id, cp->cap * sizeof *cp->id);
        cp->tag = xrealloc(cp->tag, cp->cap * sizeof *cp->tag);
    }
}

static struct node *at(const critpath *cp, cp_ref r) { return &cp->node[r - 1]; }

void critpath_hold(critpath *cp, cp_ref r)
{
    OFF_RETURN();
    if (r)
        cp->h[r - 1].refs++;
}

/* Frees node r, whose last reference went, and what only it held. */
static void free_node(critpath *cp, cp_ref r)
{
    for (;;) {
        cp_ref pred = cp->h[r - 1].link;
        if (pred & LINK_CP) {
            cp->sums_used[(pred & ~LINK_CP) - 1] = 0;
            cp->sums_live--;
            pred = 0;
        }
        cp->live_nodes--;
        if (!pred || --cp->h[pred - 1].refs)
            return;
        r = pred;
    }
}

HOT_INLINE void unref(critpath *cp, cp_ref r)
{
    if (r && --cp->h[r - 1].refs == 0)
        free_node(cp, r);
}

void critpath_release(critpath *cp, cp_ref r)
{
    OFF_RETURN();
    unref(cp, r);
}

uint64_t critpath_end(const critpath *cp, cp_ref r) { return r ? at(cp, r)->t_end : 0; }

/* The slot of unit u's last occupant. */
static cp_ref *occ_slot(critpath *cp, unit_id u)
{
    assert(UNIT_INDEX(u) < cp->nocc[UNIT_KIND(u)]);
    return &cp->occ[UNIT_KIND(u)][UNIT_INDEX(u)];
}

/* Adds node r's segments within [lo, hi] to v (and shows them on the
 * trace when `show`); *added grows by the time added.  Returns where the
 * node's path starts (t0), or when that is at or before lo, some time at
 * or before lo (the segments before lo are not read). */
HOT_INLINE uint64_t own(critpath *cp, cp_ref r, uint64_t lo, uint64_t hi, uint64_t *v,
                        uint64_t *added, int show)
{
    const struct node *n = at(cp, r);
    uint64_t b = n->t_end, sum = 0;
    if (!show) {
        /* the common case: no segment straddles lo or hi (those that end
         * after hi lie wholly after it: an array let go at a segment's
         * end); undone for the node that straddles lo, the last of a walk */
        unsigned k = n->n;
        uint64_t e = b;
        for (; k > 0 && e > hi; k--) {
            uint64_t a = e - SEG_PS(n->seg[k - 1]);
            if (a < hi)
                goto clip;
            e = a;
        }
        uint64_t t0 = e;
        for (unsigned i = 0; i < k; i++) {
            v[SEG_CAT(n->seg[i])] += SEG_PS(n->seg[i]);
            t0 -= SEG_PS(n->seg[i]);
        }
        if (t0 >= lo) {
            *added += e - t0;
            return t0;
        }
        for (unsigned i = 0; i < k; i++)
            v[SEG_CAT(n->seg[i])] -= SEG_PS(n->seg[i]);
    }
clip:
    for (int i = n->n - 1; i >= 0 && b > lo; i--) {
        uint64_t w = n->seg[i];
        uint64_t a = b - SEG_PS(w);
        uint64_t x = a > lo ? a : lo, y = b < hi ? b : hi;
        if (y > x) {
            int c = SEG_CAT(w);
            v[c] += y - x;
            sum += y - x;
            if (show)
                cp->sink->span(cp->sink->ctx, TRACK_CRIT, 0, cp_cat_names[c], x, y,
                               cp->id[r - 1], cp->tag[r - 1]);
        }
        b = a;
    }
    *added += sum;
    return b;
}

static void add(uint64_t *restrict to, const uint64_t *restrict v)
{
    for (int c = 0; c < CP_CATS; c++)
        to[c] += v[c];
}

/* Takes node r's segments after time t out of v.  Returns the time taken
 * out. */
static uint64_t drop_after(const critpath *cp, cp_ref r, uint64_t t, uint64_t *v)
{
    const struct node *n = at(cp, r);
    uint64_t b = n->t_end, cut = 0;
    for (int i = n->n - 1; i >= 0 && b > t; i--) {
        uint64_t a = b - SEG_PS(n->seg[i]);
        uint64_t x = a > t ? a : t;
        v[SEG_CAT(n->seg[i])] -= b - x;
        cut += b - x;
        b = a;
    }
    return cut;
}

/* Adds the path from node r, up to time upto, back to the horizon to v
 * (the critical commands go to the trace when `show`).  Returns the time
 * added. */
HOT_INLINE uint64_t walk(critpath *cp, cp_ref r, uint64_t upto, uint64_t *v, int show)
{
    uint64_t from = cp->horizon, added = 0;
    while (r) {
        const struct node *n = at(cp, r);
        uint32_t link = cp->h[r - 1].link;
        if ((link & LINK_CP) && n->epoch == cp->epoch) {
            /* its sums cover [horizon, t_end]: all but what follows upto */
            add(v, cp->sums[(link & ~LINK_CP) - 1]);
            added += n->t_end - from;
            if (upto < n->t_end)
                added -= drop_after(cp, r, upto, v);
            return added;
        }
        uint64_t t0 = own(cp, r, from, upto, v, &added, show);
        if ((link & LINK_CP) || !link || t0 <= from)
            break;
        upto = t0;
        r = link;
    }
    return added;
}

/* Makes node r a checkpoint: its sums back to the horizon (of this epoch,
 * whichever it was issued in), and no chain. */
COLD void checkpoint(critpath *cp, cp_ref r)
{
    if (2 * (cp->sums_live + 1) > cp->sums_cap) {
        uint32_t old = cp->sums_cap;
        cp->sums_cap = old ? 2 * old : 1024;
        cp->sums = xrealloc(cp->sums, cp->sums_cap * sizeof *cp->sums);
        cp->sums_used = xrealloc(cp->sums_used, cp->sums_cap);
        memset(cp->sums_used + old, 0, cp->sums_cap - old);
        cp->sums_cursor = old;
    }
    uint32_t i;
    do {
        i = cp->sums_cursor;
        cp->sums_cursor = i + 1 == cp->sums_cap ? 0 : i + 1;
    } while (cp->sums_used[i]);
    cp->sums_used[i++] = 1;
    cp->sums_live++;
    uint64_t *s = cp->sums[i - 1];
    memset(s, 0, sizeof cp->sums[0]);
    struct node *n = at(cp, r);
    uint64_t covered = walk(cp, r, n->t_end, s, 0);
    assert(covered == n->t_end - cp->horizon);
    (void)covered;
    cp_ref pred = cp->h[r - 1].link;
    cp->h[r - 1].link = LINK_CP | i;
    n->epoch = cp->epoch;
    n->depth = 0;
    unref(cp, pred);
}

/* A free node.  Nodes are taken in address order, skipping the live ones,
 * so that the memory written for new nodes is a stream the processor
 * prefetches (a free list, reusing whichever node was freed last, costs
 * misses: on GPT-2 small Linear 15% more time); the pool doubles when
 * the search meets a live node and half of the pool or more is live. */
COLD void grow_nodes(critpath *cp)
{
    uint32_t old = cp->cap;
    cp->cap = old ? 2 * old : 4096;
    cp->node = xrealloc(cp->node, cp->cap * sizeof *cp->node);
    cp->h = xrealloc(cp->h, cp->cap * sizeof *cp->h);
    memset(cp->h + old, 0, (cp->cap - old) * sizeof *cp->h);
    if (cp->keep_chains) {
        cp->id = xrealloc(cp->id, cp->cap * sizeof *cp->id);
        cp->tag = xrealloc(cp->tag, cp->cap * sizeof *cp->tag);
    }
    cp->cursor = old;
}

HOT_INLINE cp_ref alloc_node(critpath *cp)
{
    uint32_t i = cp->cursor;
    while (cp->h[i].refs) {
        if (2 * (cp->live_nodes + 1) > cp->cap) {
            grow_nodes(cp);
            i = cp->cursor;
        } else {
            i = (i + 1) & (cp->cap - 1); /* cap: a power of two */
        }
    }
    cp->cursor = (i + 1) & (cp->cap - 1);
    return i + 1;
}

/* Node r (at n) continues link (0: none): its depth on the chain; the
 * link becomes a checkpoint when the chain is CHECK_EVERY long. */
HOT_INLINE void chain(critpath *cp, cp_ref r, struct node *n, cp_ref link)
{
    cp->h[r - 1].link = link;
    n->depth = 0;
    if (link) {
        struct node *p = at(cp, link);
        /* A chain CHECK_EVERY long: its last node becomes a checkpoint,
         * once, however many nodes continue it. */
        if (p->depth + 1 >= CHECK_EVERY && !cp->keep_chains)
            checkpoint(cp, link);
        n->depth = (uint8_t)(p->depth + 1);
    }
}

/* A new node with one reference and no segments (its link: chain; its
 * command: critpath_label). */
HOT_INLINE cp_ref new_node(critpath *cp)
{
    cp_ref r = alloc_node(cp);
    struct node *n = at(cp, r);
    cp->h[r - 1].refs = 1;
    n->epoch = cp->epoch;
    n->n = 0;
    return r;
}

cp_ref critpath_cut(critpath *cp, cp_ref r, uint64_t t_ps)
{
    OFF_RETURN(0);
    assert(t_ps <= critpath_end(cp, r) || !r);
    cp_ref c = new_node(cp);
    critpath_label(cp, c, UINT64_MAX, 0);
    struct node *n = at(cp, c);
    n->t_end = t_ps;
    cp_ref link = 0;
    if (r && t_ps > cp->horizon) {
        link = r;
        cp->h[r - 1].refs++;
    }
    chain(cp, c, n, link);
    cp->live_nodes++;
    return c;
}

void critpath_label(critpath *cp, cp_ref r, uint64_t id, uint32_t tag)
{
    if (cp->keep_chains && r) {
        cp->id[r - 1] = id;
        cp->tag[r - 1] = tag;
    }
}

cp_ref critpath_issue(critpath *cp, unit_id unit, cp_ref from, uint8_t admit_cat,
                      uint64_t t_admit_ps, uint64_t t_issue_ps, const unit_timing *t)
{
    OFF_RETURN(0);
    cp_ref r = new_node(cp);
    struct node *n = at(cp, r);
    uint64_t start, end; /* its segments cover [start, end] */
    cp_ref *occ = t && (t->occupies || t->held_ps) ? occ_slot(cp, unit) : NULL;
    cp_ref link = 0;     /* the node whose path it continues */
    cp_ref drop = from;  /* the caller's reference, unless the link takes it */
    cp_ref occ_drop = 0; /* the occupant slot's, when this takes its place */
    if (t && t->occupies) {
        occ_drop = *occ;
        *occ = r;
        cp->h[r - 1].refs++;
    }
    if (t && t->held_ps) {
        /* Its unit was still held by the previous occupant: the path is
         * that command's, up to the time it let go.  Taking its place,
         * the link takes over the slot's reference. */
        cp_ref prev = t->occupies ? occ_drop : *occ;
        end = start = t_issue_ps + t->held_ps;
        if (prev && end > cp->horizon) {
            link = prev;
            if (t->occupies)
                occ_drop = 0;
            else
                cp->h[prev - 1].refs++;
        }
    } else {
        uint64_t from_end = critpath_end(cp, from);
        start = from_end;
        if (from && from_end > cp->horizon) {
            link = from;
            drop = 0;
        }
        /* [from_end, t_issue]: not yet admitted, then behind its queue */
        uint64_t admitted = t_admit_ps < from_end ? from_end
                            : t_admit_ps > t_issue_ps ? t_issue_ps
                                                      : t_admit_ps;
        if (admitted > from_end)
            n->seg[n->n++] = SEG_WORD(admit_cat, admitted - from_end);
        if (t_issue_ps > admitted)
            n->seg[n->n++] = SEG_WORD(CP_ORDER, t_issue_ps - admitted);
        end = t_issue_ps;
    }
    if (t) {
        /* the unit's segments follow from `end` to its end (sim/unit.h) */
        unsigned k = n->n, ncp = t->ncp;
        /* all UNIT_CP_MAX words, whatever ncp (k + UNIT_CP_MAX <= SEGS):
         * those past ncp are not read */
        _Static_assert(UNIT_CP_MAX == 3, "three words below");
        n->seg[k] = t->cp[0];
        n->seg[k + 1] = t->cp[1];
        n->seg[k + 2] = t->cp[2];
        n->n = (uint8_t)(k + ncp);
        if (t->end_ps > end)
            end = t->end_ps;
    }
    n->t_end = end;
#ifndef NDEBUG
    uint64_t covered = 0;
    for (unsigned i = 0; i < n->n; i++)
        covered += SEG_PS(n->seg[i]);
    assert(covered == end - start);
#endif
    chain(cp, r, n, link);
    unref(cp, drop);
    unref(cp, occ_drop);
    cp->live_nodes++;
    return r;
}

/* Lets go of the occupants that ended by the horizon: no later path can
 * continue them. */
static void occ_trim(critpath *cp)
{
    for (int k = 0; k < UNIT_KINDS; k++)
        for (uint32_t i = 0; i < cp->nocc[k]; i++) {
            cp_ref o = cp->occ[k][i];
            if (o && at(cp, o)->t_end <= cp->horizon) {
                critpath_release(cp, o);
                cp->occ[k][i] = 0;
            }
        }
}

void critpath_milestone(critpath *cp, cp_ref r, int kind)
{
    OFF_RETURN();
    if (kind != MARK_TOKEN || !r)
        return;
    uint64_t t = at(cp, r)->t_end;
    memset(cp->buf, 0, sizeof cp->buf);
    uint64_t covered = walk(cp, r, t, cp->buf, cp->keep_chains);
    assert(covered == t - cp->horizon);
    (void)covered;
    if (!cp->have_first) {
        cp->have_first = 1;
        add(cp->ttft, cp->buf);
    } else {
        add(cp->decode, cp->buf);
        if (t - cp->horizon > cp->slowest_ps || cp->tokens_after_first == 0) {
            cp->slowest_ps = t - cp->horizon;
            memcpy(cp->slowest, cp->buf, sizeof cp->slowest);
        }
        cp->tokens_after_first++;
    }
    add(cp->total, cp->buf);
    cp->horizon = t;
    cp->epoch++;
    occ_trim(cp);
}

void critpath_finish(critpath *cp, cp_ref r)
{
    OFF_RETURN();
    if (r && at(cp, r)->t_end > cp->horizon) {
        memset(cp->buf, 0, sizeof cp->buf);
        uint64_t covered = walk(cp, r, at(cp, r)->t_end, cp->buf, cp->keep_chains);
        assert(covered == at(cp, r)->t_end - cp->horizon);
        (void)covered;
        add(cp->total, cp->buf);
    }
    for (int k = 0; k < UNIT_KINDS; k++)
        for (uint32_t i = 0; i < cp->nocc[k]; i++) {
            critpath_release(cp, cp->occ[k][i]);
            cp->occ[k][i] = 0;
        }
}

int critpath_get(const critpath *cp, const char *phase, uint64_t ps[CP_CATS])
{
    const uint64_t *v = !strcmp(phase, "ttft")      ? cp->ttft
                        : !strcmp(phase, "decode")  ? cp->decode
                        : !strcmp(phase, "slowest") ? cp->slowest
                        : !strcmp(phase, "total")   ? cp->total
                                                    : NULL;
    if (!v)
        return -1;
    memcpy(ps, v, sizeof(uint64_t) * CP_CATS);
    return 0;
}
