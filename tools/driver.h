/*
 * driver.h -- the composer: the configuration checks of every floor, and
 * one simulation end to end: configuration -> model ->
 * transform -> mapping -> chip -> command stream (scheduled in-process, or
 * read from a file) -> engine -> checks -> report and output files.
 *
 * The same function backs `aimcsim run`, `exec` and `schedule`, the sweeps
 * and the golden tests.  It never exits; it returns a status:
 *   0 success; DRIVER_EINPUT bad input (configuration, command stream,
 *   mapping that does not fit, an unusable output folder) -> exit 2;
 *   DRIVER_EFAIL a run that failed (an end-of-run invariant, an I/O error)
 *   -> exit 1; 128 + N when signal N (SIGINT, SIGTERM) stopped it -> exit
 *   130, 143.  While it runs, SIGINT and SIGTERM ask it to stop (a second
 *   one ends the process at once); the handlers are restored after.  With
 *   keep_signals (the library) the handlers are left alone.
 *
 * Output files (docs/outputs.md), all written whole or not at all, in
 * out_dir: stats.json, stats.csv, projections.csv, layers.csv, tags.csv;
 * with trace: trace.json (or trace.json.gz) and power.csv; the manifest
 * aimcsim-files.txt.  The folder is prepared first (tools/outdir.h: an
 * earlier run's files removed).  When a run fails or is stopped after the
 * simulation started, no result file remains: its statistics so far are in
 * stats.partial.json, marked partial, with the error.
 */
#ifndef AIMCSIM_DRIVER_H
#define AIMCSIM_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"
#include "sim/stats.h"

#define DRIVER_EINPUT 2
#define DRIVER_EFAIL 1

typedef struct driver_opts {
    const config *cfg;        /* checked configuration (driver_config_check passed) */
    const char *stream_in;    /* exec: the stream to execute; NULL: schedule in-process */
    const char *stream_out;   /* schedule: write the stream here instead of simulating */
    const char *out_dir;      /* NULL: no output files */
    int trace;                /* write the timeline and power traces */
    FILE *report;             /* the human report; NULL: none */
    const char *command;      /* command line, for provenance */
    int date;                 /* stats.json records the date of the run (prov_date) */
    int keep_signals;         /* leave SIGINT and SIGTERM alone (a library's caller owns them) */
    /* Called once after a successful run, before its objects are released,
     * with the statistics as the output files show them; NULL: none. */
    void (*on_stats)(void *ctx, const stats *st);
    void *on_stats_ctx;
} driver_opts;

/* Every cross-parameter check of a configuration, in the order of the
 * floors: [run] and [trace] (config_check_run), the hardware
 * (arch_config_check), the resource estimate (driver_estimate) against
 * [run] max_memory_mb, the workload (workloads_config_check).  Always run
 * before a configuration is used.  0, or -1 with the first violation,
 * located at its file and line or --set argument (for the estimate: at
 * the parameter set last among those that size its largest part). */
int driver_config_check(const config *c, char *err, size_t errlen);

/* The resource estimate of a run (docs/reliability.md): what its parts
 * allocate, about, from the configuration alone, before any of them is
 * built; saturating at UINT64_MAX. */
typedef struct driver_mem {
    struct driver_mem_part {
        const char *what;   /* "mapping", "chip", "mesh", "scheduler", "window",
                             * "statistics", "traces" */
        uint64_t bytes;
        int blame;          /* the parameter that sizes it (set last) */
    } part[8];
    int nparts;
    uint64_t total;
    uint64_t arrays, routers;  /* of the mapping and the mesh, at most */
    int blame_arrays;
} driver_mem;
/* With trace: the traces of --trace included.  0, or -1 when the model is
 * invalid (workloads_config_check says why). */
int driver_estimate(const config *c, int trace, driver_mem *e);
/* The estimate against [run] max_memory_mb (an error located at the
 * parameter that sizes its largest part), then the counts that must fit
 * 32 bits (array ids, mesh links).  Part of driver_config_check (without
 * traces); driver_run repeats it with traces for --trace. */
int driver_check_memory(const config *c, int trace, char *err, size_t errlen);
/* [run] max_memory_mb, or 3/4 of the physical memory when it is 0
 * (*is_default set then); UINT64_MAX when that cannot be read. */
uint64_t driver_memory_limit_mb(const config *c, int *is_default);

/* The checks that need the mapping: the chip it needs can be built (tiles,
 * mesh) and the scheduler can place the run's data (KV cache, digital
 * weights, embeddings).  driver_run applies them as it builds the run;
 * `aimcsim map` calls this after mapping, so that it refuses what a run
 * would.  0, or -1 with the message, located at its parameter. */
struct model;
struct transform;
struct mapper;
int driver_check_mapping(const config *c, const struct model *m, const struct transform *t,
                         const struct mapper *mp, char *err, size_t errlen);

/* Returns 0, DRIVER_EINPUT or DRIVER_EFAIL (message in err). */
int driver_run(const driver_opts *o, char *err, size_t errlen);

#endif
