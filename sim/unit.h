/*
 * unit.h -- the contract between the engine and the hardware models, and
 * the names of what the hardware reports (waits, energy parts, area rows,
 * power-trace components, trace tracks).
 *
 * A unit is one kind of hardware model (the tiles with their ADC banks,
 * the digital clusters, the SRAM banks, the DRAM channels, the NoC) behind
 * a const table of operations.  The engine knows units only through a
 * unit_table that says which unit executes each (op, unit kind) pair; the
 * composer (arch/chip.h chip_units) fills it.  A unit:
 *  - exec: executes one command at the kernel time t_ready_ps when it is
 *    ready (its dependencies done, its queue's earlier commands issued);
 *    calls come in non-decreasing t_ready_ps.  It reserves the resources
 *    the command needs (busy-until reservations taken in call order) and
 *    reports when the work starts and ends, the waits inside it by cause,
 *    and its dynamic energy.  It never calls the kernel;
 *  - finalize: once, at the end of the run: its energies (counts x energy
 *    per event) into the energy parts, and its utilisations;
 *  - check: its end-of-run invariants (0, or -1 with a message);
 *  - stats: registers its statistics (aggregates; per-unit ones when
 *    per_unit is set: the chip calls it twice, to keep the dump order);
 *  - area: its rows of the area and static-power table for n instances.
 * A unit that needs none of finalize, check, stats or area leaves it NULL.
 *
 * Traces: a unit that has more to show than one span on its own track
 * (the ADC bank's conversions, the mesh links a packet crosses) emits it
 * to the trace sink it was given, during exec; the engine emits the
 * command's own span and the rest of its energy (docs/architecture.md).
 */
#ifndef AIMCSIM_UNIT_H
#define AIMCSIM_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cmd.h"
#include "sim/stats.h"

/* Causes of waiting.  DEP is the engine's; units report the others. */
enum stall_cause {
    STALL_DEP,      /* a dependency had not completed */
    STALL_ARRAY,    /* the array was busy */
    STALL_ADC,      /* the ADC bank (or the tile's sample-and-hold) was busy */
    STALL_LINK,     /* a NoC link was busy */
    STALL_MEM,      /* an SRAM bank or DRAM channel was busy */
    STALL_CLUSTER,  /* every slot of the cluster was busy */
    STALL_CAUSES
};
/* "dep", "array", ...: the statistic of cause i is stall.<name>_ps. */
extern const char *const stall_cause_names[STALL_CAUSES];
/* "dependencies", "array busy", ...: the report's labels. */
extern const char *const stall_cause_labels[STALL_CAUSES];

/* Energy parts: the statistic of part i is energy.<name>_pj. */
enum energy_part {
    E_ADC, E_DAC, E_ARRAY, E_PERIPH, E_DIGITAL, E_NOC, E_SRAM, E_DRAM, E_PROGRAM,
    E_FIXED,   /* commands of given cost (fixed, delay) */
    E_STATIC, E_PARTS
};
extern const char *const energy_part_names[E_PARTS];

/* Rows of the area and static-power table: statistic area.<name>_um2
 * (DRAM is off-chip: static power only, no area statistic). */
enum area_row {
    AREA_ARRAYS, AREA_ADC, AREA_DAC, AREA_PERIPH, AREA_CLUSTER, AREA_NOC, AREA_SRAM,
    AREA_DRAM, AREA_ROWS
};
extern const char *const area_row_names[AREA_ROWS];
/* Row labels of the printed table ("NoC routers"). */
extern const char *const area_row_labels[AREA_ROWS];

typedef struct area_line {
    double count, area_um2, static_mw;
} area_line;

/* Categories of the critical path (sim/critpath.h): what a stretch of a
 * milestone's time was spent on.  The groups (CP_G_*) sum them for the
 * report's verdict. */
enum cp_cat {
    CP_ORDER,          /* data ready, waiting for its queue's earlier commands */
    CP_QUEUE_FULL,     /* data ready, not yet admitted: the dispatcher was stopped
                        * at a full command queue (its own or an earlier
                        * command's: head-of-line blocking) */
    CP_WINDOW,         /* data ready, not yet admitted: the engine's window
                        * ([run] window_cmds) was full */
    CP_INTEGRATION,    /* analog integration (array time per slice) */
    CP_PROGRAM,        /* reprogramming an array */
    CP_ADC,            /* conversion rounds and the readout after them */
    CP_ADC_WAIT,       /* the ADC bank (or the tile's sample-and-hold) was busy */
    CP_NOC,            /* a transfer on free links */
    CP_NOC_WAIT,       /* a transfer waiting for busy links */
    CP_SRAM, CP_SRAM_WAIT,
    CP_DRAM, CP_DRAM_WAIT,
    CP_CLUSTER_WAIT,   /* every slot of the cluster was busy */
    CP_ARRAY_FIXED,    /* work of given cost on a tile (fixed) */
    CP_CLUSTER_FIXED,  /* work of given cost on a cluster (fixed) */
    CP_DELAY,          /* a delay command (no unit) */
    CP_DIG,            /* cluster work: CP_DIG + enum dig_kind */
    CP_SAMPLING = CP_DIG + DIG_KINDS, /* cluster work for the tag "sample" */
    CP_LORA,           /* cluster work for a LoRA adapter's tags */
    CP_CATS
};
/* "order", "queue_full", "window", "integration", ... */
extern const char *const cp_cat_names[CP_CATS];

enum cp_group { CP_G_ENGINE, CP_G_ARRAY, CP_G_ADC, CP_G_NOC, CP_G_MEMORY, CP_G_CLUSTER,
                CP_GROUPS };
extern const char *const cp_group_names[CP_GROUPS];
/* "engine", "array", "adc", "noc", "memory", "cluster": the statistic of a
 * category is crit.<phase>.<group key>.<category>_ps. */
extern const char *const cp_group_keys[CP_GROUPS];
/* The group of each category. */
extern const uint8_t cp_cat_group[CP_CATS];

/* Tracks of the timeline trace.  The first UNIT_NONE values are the units
 * of each kind, one track per unit. */
enum trace_track {
    TRACK_ADC = UNIT_NONE, /* a tile's ADC bank: index = the tile */
    TRACK_LINK,            /* a directed mesh link: index = its link slot */
    TRACK_XFER,            /* transfers by source: index = the source unit_id */
    TRACK_CRIT,            /* the critical path: index 0 */
    TRACKS
};

/* Where traces go.  Both callbacks may be NULL. */
typedef struct trace_sink {
    void *ctx;
    /* A span of work on a track: [start_ps, end_ps), named name (an op,
     * "convert", "flits"), for command id with tag index tag. */
    void (*span)(void *ctx, int track, uint32_t index, const char *name, uint64_t start_ps,
                 uint64_t end_ps, uint64_t id, uint32_t tag);
    /* Dynamic energy of a power-trace component spread over an interval. */
    void (*energy)(void *ctx, int comp, uint64_t start_ps, uint64_t end_ps, double pj);
} trace_sink;

/* Segments a unit reports of one command (waits, then its work split). */
#define UNIT_CP_MAX 3
/* A segment is one word: its category above UNIT_CP_SHIFT, its
 * picoseconds below (2^58 ps, 80 hours, is longer than any run); the
 * critical path keeps the words as they are. */
#define UNIT_CP_SHIFT 58
#define UNIT_CP_WORD(cat, ps) ((uint64_t)(cat) << UNIT_CP_SHIFT | (ps))
#define UNIT_CP_PS(w) ((w) & ((UINT64_C(1) << UNIT_CP_SHIFT) - 1))
#define UNIT_CP_CAT(w) ((int)((w) >> UNIT_CP_SHIFT))

/* What exec reports of one command. */
typedef struct unit_timing {
    uint64_t start_ps, end_ps;       /* work began (>= t_ready) / completed */
    uint64_t span_end_ps;            /* the command's own span ends here (its unit
                                      * is free for others after; <= end_ps) */
    uint64_t wait_ps[STALL_CAUSES];  /* waits inside this command by cause */
    double e_pj;                     /* dynamic energy of this command */
    double e_traced_pj;              /* the part of e_pj the unit has already sent
                                      * to the trace sink under another component */
    /* [t_ready, end_ps] for the critical path: held_ps, the time the unit
     * was still busy with the previous command that occupied it (the path
     * goes through that command), then segments by category, in time
     * order, of what it waited for and what it did (held_ps and the
     * segments add up to end_ps - t_ready; unit_cp appends one).
     * occupies: this command holds the unit (a later command on the unit
     * may wait for it to let go: that one's held_ps). */
    uint64_t held_ps;
    uint8_t occupies;
    uint8_t ncp;
    uint64_t cp[UNIT_CP_MAX];  /* UNIT_CP_WORD(category, ps) */
} unit_timing;

/* Appends a segment of ps to t's critical-path breakdown (none if ps is 0). */
static inline void unit_cp(unit_timing *t, int cat, uint64_t ps)
{
    if (ps && t->ncp < UNIT_CP_MAX)
        t->cp[t->ncp++] = UNIT_CP_WORD(cat, ps);
}

typedef struct unit_ops {
    const char *name;   /* "tile", "cluster", "sram", "dram", "noc" */
    void (*exec)(void *self, const cmd_work *c, uint64_t t_ready_ps, unit_timing *out);
    void (*finalize)(void *self, uint64_t t_end_ps, double e_part[E_PARTS]);
    int (*check)(const void *self, uint64_t t_end_ps, char *err, size_t errlen);
    void (*stats)(void *self, stats *st, int per_unit);
    /* Fills its rows for n instances.  Resources shared by several
     * instances (an ADC bank by [adc] share_tiles arrays) count whole
     * (rounded up) when `whole` is set, else as the fraction n / sharers
     * (the share of one array). */
    void (*area)(const void *self, double n, int whole, area_line rows[AREA_ROWS]);
    /* Commands unit u runs at once, for the engine's arbitration of
     * commands with a priority (a tile's array: 1; a cluster: its slots);
     * NULL: no limit. */
    uint32_t (*capacity)(const void *self, unit_id u);
} unit_ops;

typedef struct unit {
    const unit_ops *ops;   /* NULL: nothing executes it */
    void *self;
} unit;

/* Which unit executes each op on each unit kind (the command's unit). */
typedef struct unit_table {
    unit exec[CMD_OPS][UNIT_KINDS];
    uint32_t count[UNIT_KINDS];  /* units of each kind (0 for UNIT_NONE) */
    const trace_sink *sink;    /* where units send their own trace records */
} unit_table;

#endif
