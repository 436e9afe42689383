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

/* The per-command steps, inline at the engine (critpath_hot.h); here
 * with their real definitions whatever CRITPATH_OFF says. */
#define CRITPATH_IMPL
#include "sim/critpath_hot.h"

/* For measurement only (critpath_hot.h): compiled with -DCRITPATH_OFF,
 * the entry points here return at once. */
#ifdef CRITPATH_OFF
#define OFF_RETURN(v) return v
#else
#define OFF_RETURN(v) ((void)0)
#endif


critpath *critpath_create(stats *st, const uint32_t units[UNIT_KINDS])
{
    critpath *cp = xcalloc(1, sizeof *cp);
    for (int k = 0; k < UNIT_KINDS; k++) {
        cp->nocc[k] = units[k] ? units[k] : 1;
        cp->occ[k] = xcalloc(cp->nocc[k], sizeof *cp->occ[k]);
    }
    critpath_grow_nodes(cp);
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


/* Frees node r, whose last reference went, and what only it held. */
void critpath_free_chain(critpath *cp, cp_ref r)
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

/* Adds node r's segments within [lo, hi] to v (and shows them on the
 * trace when `show`); *added grows by the time added.  Returns where the
 * node's path starts (t0), or when that is at or before lo, some time at
 * or before lo (the segments before lo are not read). */
HOT_INLINE uint64_t own(critpath *cp, cp_ref r, uint64_t lo, uint64_t hi, uint64_t *v,
                        uint64_t *added, int show)
{
    const struct node *n = cp_at(cp, r);
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
    const struct node *n = cp_at(cp, r);
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
        const struct node *n = cp_at(cp, r);
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
COLD void critpath_checkpoint(critpath *cp, cp_ref r)
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
    struct node *n = cp_at(cp, r);
    uint64_t covered = walk(cp, r, n->t_end, s, 0);
    assert(covered == n->t_end - cp->horizon);
    (void)covered;
    cp_ref pred = cp->h[r - 1].link;
    cp->h[r - 1].link = LINK_CP | i;
    n->epoch = cp->epoch;
    n->depth = 0;
    cp_unref(cp, pred);
}

/* Doubles the node pool (critpath_hot.h, cp_alloc_node). */
COLD void critpath_grow_nodes(critpath *cp)
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

/* Lets go of the occupants that ended by the horizon: no later path can
 * continue them. */
static void occ_trim(critpath *cp)
{
    for (int k = 0; k < UNIT_KINDS; k++)
        for (uint32_t i = 0; i < cp->nocc[k]; i++) {
            cp_ref o = cp->occ[k][i];
            if (o && cp_at(cp, o)->t_end <= cp->horizon) {
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
    uint64_t t = cp_at(cp, r)->t_end;
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
    if (r && cp_at(cp, r)->t_end > cp->horizon) {
        memset(cp->buf, 0, sizeof cp->buf);
        uint64_t covered = walk(cp, r, cp_at(cp, r)->t_end, cp->buf, cp->keep_chains);
        assert(covered == cp_at(cp, r)->t_end - cp->horizon);
        (void)covered;
        add(cp->total, cp->buf);
    }
    for (int k = 0; k < UNIT_KINDS; k++)
        for (uint32_t i = 0; i < cp->nocc[k]; i++) {
            critpath_release(cp, cp->occ[k][i]);
            cp->occ[k][i] = 0;
        }
}
