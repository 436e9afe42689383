/*
 * critpath_hot.h -- the critical-path record's per-command steps
 * (critpath.h), inline at their one caller, the engine: a node issued,
 * held, released, cut.  Only sim/engine.c and sim/critpath.c include it.
 * The record's data structures are here with them; the invariants are in
 * sim/critpath.c.
 */
#ifndef AIMCSIM_CRITPATH_HOT_H
#define AIMCSIM_CRITPATH_HOT_H

#include <assert.h>
#include <stdint.h>

#include "sim/critpath.h"
#include "sim/unit.h"
#include "sim/util.h"

/* For measurement only: compiled with -DCRITPATH_OFF, the per-command
 * steps are nothing at the engine, and the other entry points return at
 * once (the crit.* statistics read 0, every other output is the same):
 * the build the record's cost is measured against (docs/performance.md,
 * "The critical-path record"; `make bench-critpath`). */
#if defined(CRITPATH_OFF) && !defined(CRITPATH_IMPL)
#define critpath_issue(cp, unit, from, admit_cat, t_admit_ps, t_issue_ps, t)              \
    ((void)(cp), (void)(unit), (void)(from), (void)(admit_cat), (void)(t_admit_ps), \
     (void)(t_issue_ps), (void)(t), (cp_ref)0)
#define critpath_cut(cp, r, t_ps) ((void)(cp), (void)(r), (void)(t_ps), (cp_ref)0)
#define critpath_end(cp, r) ((void)(cp), (void)(r), (uint64_t)0)
#define critpath_hold(cp, r) ((void)(cp), (void)(r))
#define critpath_release(cp, r) ((void)(cp), (void)(r))
#define critpath_label(cp, r, id, tag) ((void)(cp), (void)(r), (void)(id), (void)(tag))
#else

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

/* The rare steps, in sim/critpath.c: frees node r, whose last reference
 * went, and what only it held; doubles the node pool; makes node r a
 * checkpoint. */
void critpath_free_chain(critpath *cp, cp_ref r);
void critpath_grow_nodes(critpath *cp);
void critpath_checkpoint(critpath *cp, cp_ref r);

static inline struct node *cp_at(const critpath *cp, cp_ref r) { return &cp->node[r - 1]; }

/* Takes one more reference on a node. */
static inline void critpath_hold(critpath *cp, cp_ref r)
{
    if (r)
        cp->h[r - 1].refs++;
}

HOT_INLINE void cp_unref(critpath *cp, cp_ref r)
{
    if (r && --cp->h[r - 1].refs == 0)
        critpath_free_chain(cp, r);
}

/* Drops one reference on a node. */
static inline void critpath_release(critpath *cp, cp_ref r)
{
    cp_unref(cp, r);
}

/* End time of a node's path. */
static inline uint64_t critpath_end(const critpath *cp, cp_ref r) { return r ? cp_at(cp, r)->t_end : 0; }

/* The slot of unit u's last occupant. */
static inline cp_ref *cp_occ_slot(critpath *cp, unit_id u)
{
    assert(UNIT_INDEX(u) < cp->nocc[UNIT_KIND(u)]);
    return &cp->occ[UNIT_KIND(u)][UNIT_INDEX(u)];
}

/* A free node.  Nodes are taken in address order, skipping the live ones,
 * so that the memory written for new nodes is a stream the processor
 * prefetches (a free list, reusing whichever node was freed last, costs
 * misses: on GPT-2 small Linear 15% more time); the pool doubles when
 * the search meets a live node and half of the pool or more is live. */
HOT_INLINE cp_ref cp_alloc_node(critpath *cp)
{
    uint32_t i = cp->cursor;
    while (cp->h[i].refs) {
        if (2 * (cp->live_nodes + 1) > cp->cap) {
            critpath_grow_nodes(cp);
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
HOT_INLINE void cp_chain(critpath *cp, cp_ref r, struct node *n, cp_ref link)
{
    cp->h[r - 1].link = link;
    n->depth = 0;
    if (link) {
        struct node *p = cp_at(cp, link);
        /* A chain CHECK_EVERY long: its last node becomes a checkpoint,
         * once, however many nodes continue it. */
        if (p->depth + 1 >= CHECK_EVERY && !cp->keep_chains)
            critpath_checkpoint(cp, link);
        n->depth = (uint8_t)(p->depth + 1);
    }
}

/* A new node with one reference and no segments (its link: chain; its
 * command: critpath_label). */
HOT_INLINE cp_ref cp_new_node(critpath *cp)
{
    cp_ref r = cp_alloc_node(cp);
    struct node *n = cp_at(cp, r);
    cp->h[r - 1].refs = 1;
    n->epoch = cp->epoch;
    n->n = 0;
    return r;
}

/* With a trace sink: node r is command id's, of tag index tag (what the
 * trace shows of it).  Without, nothing. */
static inline void critpath_label(critpath *cp, cp_ref r, uint64_t id, uint32_t tag)
{
    if (cp->keep_chains && r) {
        cp->id[r - 1] = id;
        cp->tag[r - 1] = tag;
    }
}

/* A node for node r's path up to t_ps (at most r's end; its path then
 * ends at t_ps, with no segments of its own): what a command continues
 * when the event that let it in was r's issue at t_ps.  The caller holds
 * the returned reference; r 0: the start of the run. */
static inline cp_ref critpath_cut(critpath *cp, cp_ref r, uint64_t t_ps)
{
    assert(t_ps <= critpath_end(cp, r) || !r);
    cp_ref c = cp_new_node(cp);
    critpath_label(cp, c, UINT64_MAX, 0);
    struct node *n = cp_at(cp, c);
    n->t_end = t_ps;
    cp_ref link = 0;
    if (r && t_ps > cp->horizon) {
        link = r;
        cp->h[r - 1].refs++;
    }
    cp_chain(cp, c, n, link);
    cp->live_nodes++;
    return c;
}

/* The node of a command on `unit`, admitted at t_admit_ps and issued at
 * t_issue_ps.  Its path continues `from` (the node of its binding
 * dependency, or of where the dispatcher's path stood: critpath_cut; 0:
 * the start of the run), waits for admission until t_admit_ps (admit_cat:
 * CP_QUEUE_FULL, the dispatcher stopped at a full command queue, or
 * CP_WINDOW, at the engine's full window), for its queue's earlier
 * commands until it issued (CP_ORDER), then the unit's segments t->cp
 * until t->end_ps.  When the unit was still held by its
 * previous occupant (t->held_ps), the path continues that command
 * instead, up to the time it let go.  Takes over the caller's reference
 * on `from`; the command holds the returned reference until
 * critpath_release. */
HOT_INLINE cp_ref critpath_issue(critpath *cp, unit_id unit, cp_ref from, uint8_t admit_cat,
                      uint64_t t_admit_ps, uint64_t t_issue_ps, const unit_timing *t)
{
    cp_ref r = cp_new_node(cp);
    struct node *n = cp_at(cp, r);
    uint64_t start, end; /* its segments cover [start, end] */
    cp_ref *occ = t->occupies || t->held_ps ? cp_occ_slot(cp, unit) : NULL;
    cp_ref link = 0;     /* the node whose path it continues */
    cp_ref drop = from;  /* the caller's reference, unless the link takes it */
    cp_ref occ_drop = 0; /* the occupant slot's, when this takes its place */
    if (t->occupies) {
        occ_drop = *occ;
        *occ = r;
        cp->h[r - 1].refs++;
    }
    if (t->held_ps) {
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
    /* the unit's segments follow from `end` to its end (sim/unit.h): all
     * UNIT_CP_MAX words, whatever ncp (k + UNIT_CP_MAX <= SEGS); those
     * past ncp are not read */
    unsigned k = n->n;
    _Static_assert(UNIT_CP_MAX == 3, "three words below");
    n->seg[k] = t->cp[0];
    n->seg[k + 1] = t->cp[1];
    n->seg[k + 2] = t->cp[2];
    n->n = (uint8_t)(k + t->ncp);
    if (t->end_ps > end)
        end = t->end_ps;
    n->t_end = end;
#ifndef NDEBUG
    uint64_t covered = 0;
    for (unsigned i = 0; i < n->n; i++)
        covered += SEG_PS(n->seg[i]);
    assert(covered == end - start);
#endif
    cp_chain(cp, r, n, link);
    cp_unref(cp, drop);
    cp_unref(cp, occ_drop);
    cp->live_nodes++;
    return r;
}


#endif /* CRITPATH_OFF */
#endif
