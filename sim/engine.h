/*
 * engine.h -- executes a command stream on the hardware units, through the
 * kernel.
 *
 * Semantics (docs/scheduler.md, "The engine"):
 *  - A dispatcher admits commands in stream order into the command queue
 *    of their unit (below); a queue holds at most opts.queue_cmds[kind]
 *    commands admitted and not yet issued.  At a full queue the
 *    dispatcher stops, and every later command with it, until that
 *    queue's head issues.  Commands without a queue (not queued ops,
 *    arbitrated ones) are admitted when it reaches them.  The engine keeps
 *    the commands from the oldest unfinished one to the last admitted (the
 *    window, at most [run] window_cmds: a memory bound, never a model
 *    knob: a stream that needs more is refused).
 *  - A command issues when all its dependencies have completed and, if its
 *    op is queued (sim/cmd.h), every earlier command of its queue has
 *    issued (in-order issue per queue).  A queue is a unit's ([run] queues
 *    = unit); a unit's for one transformer block, the block of the
 *    command's tag (queues = block); or a unit's for one tag, i.e. one graph
 *    node (queues = node, the default: a dataflow pipeline, in which every
 *    node of the graph takes tokens in order and different nodes overlap).
 *    Commands of different queues on one unit contend only for its
 *    resources (FIFO).  At issue, at kernel time t, the engine hands the
 *    command to the unit that executes its op (sim/unit.h), which reserves
 *    the resources and returns when the work starts and ends, the waits
 *    inside it by cause, and its dynamic energy.  The command completes at
 *    its end time (one kernel event), which may release its dependants.
 *  - Commands whose op no unit executes (sync, mark) do no work and
 *    complete at the time they issue (through a zero-delay event, so in
 *    FIFO order with other events).
 *  - Stall attribution: a command's dependency stall is the time it spent
 *    at the head of its unit's queue waiting for its dependencies (from
 *    when its unit predecessor issued, or it was admitted, to when its
 *    last dependency completed); resource stalls come from the units.
 *  - Traces: for every command a unit executed, the engine sends the sink
 *    its span on its unit's track (or on the transfers-by-source track) and
 *    its energy under its op's power component, less what the unit traced
 *    itself.
 *
 * Ownership: the engine borrows the kernel, the unit table, the stats and
 * the trace sink; the caller frees them after engine_free.
 */
#ifndef AIMCSIM_ENGINE_H
#define AIMCSIM_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cmd.h"
#include "sim/kernel.h"
#include "sim/stats.h"
#include "sim/unit.h"

typedef struct engine engine;

/* [run] queues (order of the param choices). */
enum engine_queues { ENGINE_QUEUE_UNIT, ENGINE_QUEUE_BLOCK, ENGINE_QUEUE_NODE };

typedef struct engine_opts {
    uint32_t window;              /* most commands the window holds ([run] window_cmds) */
    int queues;                   /* enum engine_queues ([run] queues) */
    uint32_t queue_cmds[UNIT_KINDS]; /* commands each queue of a unit of this
                                   * kind holds at most; 0: no limit */
    const cmd_tag *tags;          /* tag table (names, layers) */
    uint32_t ntags;
    int progress;                 /* show a progress line on stderr */
    uint64_t expect_tokens;       /* for the progress line: tokens to produce */
    uint32_t batch;               /* sequences: tokens per mark are counted per sequence */
    const trace_sink *sink;       /* NULL: no traces */
    const uint8_t *tag_cp;        /* per tag, the critical-path category of its
                                   * cluster work (CP_SAMPLING, CP_LORA), 0: by
                                   * op kind; NULL: all by op kind */
    /* Called for every command as it enters the window, before it can run
     * (the composer checks it against the chip: tools/cmdcheck.h): 0, or
     * -1 with the whole message, place included.  NULL: no check. */
    int (*check)(void *ctx, const cmd *c, char *err, size_t errlen);
    void *check_ctx;
    /* When non-NULL and *stop becomes nonzero (a signal handler sets it),
     * the run stops within PROGRESS_EVERY + 1 commands (engine_run returns
     * ENGINE_STOPPED). */
    const volatile sig_atomic_t *stop;
} engine_opts;

/* engine_run's statuses besides 0 and -1 (a failure: an invariant, the
 * kernel). */
#define ENGINE_EINPUT (-2)   /* the source failed or a command was refused: bad input */
#define ENGINE_STOPPED (-3)  /* *opts.stop was set */

/* Bytes an engine with this window and tag count allocates, about: its
 * slots (the window rounded up to a power of two), two dependency edges per
 * command in the window, the tag totals and the queue map of `queues`
 * queues.  For the resource estimate made before a run
 * (docs/reliability.md). */
uint64_t engine_mem_bytes(uint64_t window, uint64_t ntags, uint64_t queues);

/* Registers the engine's stats (run.*, stall.dep_ps, cmd.*, engine.*,
 * crit.*: the critical path, sim/critpath.h). */
engine *engine_create(kernel *k, const unit_table *units, stats *st, const engine_opts *o);
/* Runs the source to its end and the kernel until idle.  Returns 0;
 * ENGINE_EINPUT with the message of a source error or a refused command
 * (opts.check, a unit the chip does not have); ENGINE_STOPPED ("interrupted")
 * when *opts.stop was set; or -1 with a message (a stuck stream, the
 * kernel). */
int engine_run(engine *e, cmd_source src, char *err, size_t errlen);
/* End-of-run invariants: every command retired, each tag's energy adds up
 * to the dynamic total.  0 or -1 with a message. */
int engine_check(const engine *e, char *err, size_t errlen);
/* Simulated time at which the last command completed. */
uint64_t engine_end_ps(const engine *e);
/* Per-tag totals, for the per-projection and per-layer tables. */
typedef struct engine_tag_stats {
    uint64_t commands, acts, busy_ps;
    double e_pj;
} engine_tag_stats;
const engine_tag_stats *engine_tag_totals(const engine *e);
void engine_free(engine *e);

#endif
