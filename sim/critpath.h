/*
 * critpath.h -- the critical path of a run: for each milestone (the first
 * token, every later token, the end of the run) the chain of work and waits
 * that set its time, attributed by category (docs/scheduler.md, "What
 * bounds the latency").
 *
 * Every command that issues gets a path node: the path to its end is the
 * path to the end of the dependency that completed last (its binding
 * predecessor), then the command's own segments, which tile [that end, its
 * own end] exactly: the wait for the engine (admission into its command
 * queue, queue order) between its data being ready and its issue, the waits inside its
 * unit (ADC bank, link, memory, cluster slot) and its work split by kind
 * (integration, conversion, transfer, the cluster's op kinds, ...).  A
 * command that found its array still held by the previous activation
 * continues that activation's path instead, up to the time it let go of
 * the array: an array's serialised activations show as their own
 * integration and conversion.
 * A milestone's path is walked back from its node to the previous
 * milestone's time and folded into per-category sums, so the categories of
 * each phase add up to its time exactly:
 *   first token    [0, T_1]         -> crit.ttft.<group>.<category>_ps
 *   later tokens   [T_k-1, T_k]     -> crit.decode.<group>.<category>_ps
 *                                      (summed; the mean per token is tpot)
 *                                      and the slowest token's
 *                                      crit.slowest.<group>.<category>_ps
 *   the whole run  [0, end], as the folded milestones plus the tail after
 *                  the last one     -> crit.total.<group>.<category>_ps
 * Memory stays flat in tokens: nodes are reference-counted (by their
 * command while it is in the window and by the nodes that continue them),
 * and a new node whose predecessor ended before the last milestone starts
 * its path there instead of keeping the older chain alive.
 */
#ifndef AIMCSIM_CRITPATH_H
#define AIMCSIM_CRITPATH_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cmd.h"
#include "sim/stats.h"
#include "sim/unit.h"

typedef struct critpath critpath;

/* A record for a chip with units[k] units of each kind k.  Registers
 * crit.* statistics (st may be NULL): crit.<phase>.<group>.<category>_ps
 * (sim/unit.h) for the phases ttft, decode, slowest, total;
 * crit.decode_tokens (the tokens summed in decode). */
critpath *critpath_create(stats *st, const uint32_t units[UNIT_KINDS]);
void critpath_free(critpath *cp);

/* Where the critical commands go in the trace (TRACK_CRIT); NULL: none.
 * Before the first node. */
void critpath_set_sink(critpath *cp, const trace_sink *sink);

/* A reference to a node: 0 is none. */
typedef uint32_t cp_ref;

/* The node of a command on `unit`, admitted at t_admit_ps and issued at
 * t_issue_ps.  Its path continues `from` (the node of its binding
 * dependency, or of where the dispatcher's path stood: critpath_cut; 0:
 * the start of the run), waits for admission until t_admit_ps (admit_cat:
 * CP_QUEUE_FULL, the dispatcher stopped at a full command queue, or
 * CP_WINDOW, at the engine's full window), for its queue's
 * earlier commands until it issued (CP_ORDER), then the unit's segments
 * t->cp until
 * t->end_ps (t NULL: none).  When the unit was still held by its previous
 * occupant (t->held_ps), the path continues that command instead, up to
 * the time it let go.  Takes over the caller's reference on `from`; the
 * command holds the returned reference until critpath_release. */
cp_ref critpath_issue(critpath *cp, unit_id unit, cp_ref from, uint8_t admit_cat,
                      uint64_t t_admit_ps, uint64_t t_issue_ps, const unit_timing *t);
/* With a trace sink: node r is command id's, of tag index tag (what the
 * trace shows of it).  Without, nothing. */
void critpath_label(critpath *cp, cp_ref r, uint64_t id, uint32_t tag);
/* A node for node r's path up to t_ps (at most r's end; its path then
 * ends at t_ps, with no segments of its own): what a command continues
 * when the event that let it in was r's issue at t_ps.  The caller holds
 * the returned reference; r 0: the start of the run. */
cp_ref critpath_cut(critpath *cp, cp_ref r, uint64_t t_ps);
/* End time of a node's path. */
uint64_t critpath_end(const critpath *cp, cp_ref r);
/* Takes one more reference on a node / drops one. */
void critpath_hold(critpath *cp, cp_ref r);
void critpath_release(critpath *cp, cp_ref r);

/* A milestone reached at node r: kind MARK_TOKEN folds the first token's
 * path, or a later token's.  Other kinds are ignored. */
void critpath_milestone(critpath *cp, cp_ref r, int kind);
/* The end of the run at node r (the command that completed last): folds
 * the tail since the last milestone into crit.total. */
void critpath_finish(critpath *cp, cp_ref r);

/* Categories of a phase, for tests and the report: fills ps[CP_CATS]
 * (phase: "ttft", "decode", "slowest", "total"); -1 if unknown phase. */
int critpath_get(const critpath *cp, const char *phase, uint64_t ps[CP_CATS]);

/* For measurement only: compiled with -DCRITPATH_OFF, the per-command
 * entry points are nothing at their callers and every other one returns
 * at once (the crit.* statistics read 0, every other output is the
 * same): the build the record's cost is measured against
 * (docs/performance.md, "The critical-path record"). */
#ifdef CRITPATH_OFF
#define critpath_issue(cp, unit, from, admit_cat, t_admit_ps, t_issue_ps, t)              \
    ((void)(cp), (void)(unit), (void)(from), (void)(admit_cat), (void)(t_admit_ps), \
     (void)(t_issue_ps), (void)(t), (cp_ref)0)
#define critpath_cut(cp, r, t_ps) ((void)(cp), (void)(r), (void)(t_ps), (cp_ref)0)
#define critpath_end(cp, r) ((void)(cp), (void)(r), (uint64_t)0)
#define critpath_hold(cp, r) ((void)(cp), (void)(r))
#define critpath_release(cp, r) ((void)(cp), (void)(r))
#endif

#endif
