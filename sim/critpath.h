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

/* The per-command steps (critpath_issue, critpath_cut, critpath_end,
 * critpath_hold, critpath_release, critpath_label) are inline at the
 * engine: sim/critpath_hot.h. */

/* A milestone reached at node r: kind MARK_TOKEN folds the first token's
 * path, or a later token's.  Other kinds are ignored. */
void critpath_milestone(critpath *cp, cp_ref r, int kind);
/* The end of the run at node r (the command that completed last): folds
 * the tail since the last milestone into crit.total. */
void critpath_finish(critpath *cp, cp_ref r);

#endif
