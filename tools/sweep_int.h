/*
 * sweep_int.h -- internals of `aimcsim sweep` (tools/cli_sweep*.c), shared
 * by its four files and by `aimcsim hetero` (tools/cli_hetero.c, whose
 * candidates are the points of a sweep), included from nowhere else:
 *   cli_sweep.c        arguments, up-front validation, the point set,
 *                      running them and the summary;
 *   cli_sweep_point.c  the points: values, folder names, arguments, the
 *                      state of a point's folder;
 *   cli_sweep_run.c    running points locally (fork/exec, N at a time) and
 *                      writing the job list for GNU parallel or Slurm;
 *   cli_sweep_csv.c    sweep.csv.
 * cli_sweep.c uses the other three; cli_sweep_run.c and cli_sweep_csv.c
 * use cli_sweep_point.c only.
 *
 * A sweep is a set of points, numbered 0..npoints-1 in a stable order: the
 * cross product of its axes, the first axis outermost.  An axis is one
 * --vary parameter, or all the --zip parameters together.  Point p runs
 *   PROG run CONFIG --set S1 ... --set Sn --set K1=V1 ... --out DIR/points/NAME --quiet
 * with its stderr in DIR/points/NAME/stderr.txt.  The folder's state is
 * decided by its files alone (docs/sweeps.md), so a local sweep and a job
 * list run elsewhere then merged give the same sweep.csv byte for byte.
 */
#ifndef AIMCSIM_SWEEP_INT_H
#define AIMCSIM_SWEEP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"

/* The prefixes of the statistics copied into sweep.csv, in this order of
 * test (the columns keep the order of stats.csv). */
#define SWEEP_METRIC_PREFIXES {"run.", "energy.", "area.", "map.", "util.", "stall.", "crit."}

/* One varied parameter: one column of sweep.csv. */
typedef struct sweep_param {
    char *key;         /* "section.key", owned */
    char **vals;       /* nvals values as given (escapes resolved), owned */
    int nvals;
    int axis;          /* the axis it belongs to; --zip parameters share one */
} sweep_param;

typedef struct sweep {
    char *cfg_abs;     /* absolute path of CONFIG.ini */
    char *prog;        /* absolute path of this program (re-executed) */
    char *cwd;         /* working directory the points run in */
    char *dir;         /* absolute output folder; points in dir/points/ */
    char **sets;       /* --set arguments in order (copies), nsets of them */
    int nsets;
    sweep_param *par;  /* varied parameters in axis order, npar of them */
    int npar;
    int naxes;
    long *axis_len;    /* naxes values: how many values each axis takes */
    long npoints;      /* product of axis_len */
    uint64_t *hash;    /* npoints: config_hash of each point's configuration */
    int trace;         /* points run with --trace */
    const char *name;  /* the subcommand, in messages: "sweep", "hetero" (static) */
} sweep;

/* What a sweep is built from: `aimcsim sweep`'s arguments (cli_sweep.c
 * parses them), or those another subcommand makes (cli_hetero.c). */
typedef struct sweep_args {
    const char *name;      /* the subcommand, in messages and the default folder */
    const char *cfg_path;
    const char **vary;     /* --vary and --zip arguments in order ... */
    int *is_zip;           /* ... and which of them are --zip */
    int nvary;
    const char **sets;
    int nsets;
    const char *out, *emit, *merge;
    int jobs, force, trace, quiet;
} sweep_args;

/* One point, derived from the sweep (sweep_point_make). */
typedef struct sweep_point {
    long index;
    char *name;        /* folder name: p0003_adc.count=16_... (sanitised) */
    char *dir;         /* sw->dir/points/name */
    char **args;       /* the --set arguments: sw->sets then K=V per param */
    int nargs;
    char *args_text;   /* the content point.args must have */
} sweep_point;

/* What a point's folder holds. */
enum sweep_state { SWEEP_MISSING, SWEEP_OK, SWEEP_FAILED };

typedef struct sweep_counts {
    long ok, failed, missing, skipped;   /* skipped: ok before this run */
} sweep_counts;

/* ---- cli_sweep.c ---------------------------------------------------- */

/* Prints "aimcsim NAME: <message> (see aimcsim help NAME)"; returns 2. */
int sweep_usage_err(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Takes argv[*i] into a if it is an argument the sweep machinery knows
 * (--set, --out, --emit-jobs, --merge, -j N, --jobs N, -jN, --force,
 * --quiet, --trace when trace_ok; or CONFIG, the first word that is not
 * an option), moving *i past its value.  1 taken, 0 an option it does
 * not know, -2 an error printed (exit status 2).  a->sets must have room
 * for argc entries. */
int sweep_take_option(sweep_args *a, int argc, char **argv, int *i, int trace_ok);
/* After the arguments: CONFIG given, --merge and --emit-jobs alone.  0,
 * or the exit status (2) after printing the error. */
int sweep_check_args(const sweep_args *a);
/* Builds the sweep from the arguments: loads the configuration, applies
 * the sets, parses the lists and validates every value (docs/sweeps.md,
 * "Validation").  0, or the exit status (2) after printing the error. */
int sweep_build(const sweep_args *a, sweep *sw);
/* Creates dir (unless must_exist) and stores its absolute path in sw. */
int sweep_set_dir(sweep *sw, const char *dir, int must_exist, char *err, size_t errlen);
/* Runs the points (or writes the job list, or merges) in the folder of
 * the arguments (default out/<name>-<config>), writes sweep.csv and
 * prints the summary line; the counts in *n.  Returns the exit status: 0
 * every point ok, 1 one failed or is missing (or a write failed), 2 a
 * --merge folder that does not exist.  argv: the subcommand's arguments,
 * for the --merge command printed after --emit-jobs. */
int sweep_execute(const sweep_args *a, sweep *sw, int argc, char **argv, sweep_counts *n);
void sweep_free(sweep *sw);

/* ---- cli_sweep_point.c ---------------------------------------------- */

/* Index along axis a of point p: mixed radix, the first axis outermost. */
long sweep_axis_index(const sweep *sw, long p, int a);
/* The value parameter j takes at point p. */
const char *sweep_value(const sweep *sw, long p, int j);
/* Fills pt for point p (caller frees with sweep_point_free). */
void sweep_point_make(const sweep *sw, long p, sweep_point *pt);
void sweep_point_free(sweep_point *pt);

/* A whole file, NUL-terminated (caller frees); NULL if unreadable. */
char *sweep_slurp(const char *path, size_t *len);
/* The state of pt's folder.  SWEEP_OK: point.args matches and stats.csv
 * is there (*stats_csv gets its text if stats_csv is non-NULL);
 * SWEEP_FAILED: point.args matches, no stats.csv, stderr.txt not empty
 * (*error gets its first line if error is non-NULL); else SWEEP_MISSING.
 * The caller frees what it gets. */
enum sweep_state sweep_point_state(const sweep_point *pt, char **stats_csv, char **error);
/* Makes pt's folder ready to run: creates it; unless it is SWEEP_OK and
 * !force, removes stats.csv and stderr.txt and writes point.args.  Returns
 * 1 when the point is already done (nothing touched), 0 when ready, -1
 * with a message. */
int sweep_point_prepare(const sweep_point *pt, int force, char *err, size_t errlen);

/* ---- cli_sweep_csv.c ------------------------------------------------ */

/* Writes sw->dir/sweep.csv from the points' folders (docs/outputs.md,
 * "Sweeps"); counts the states in *n (skipped left alone).  With report,
 * prints one stderr line per failed or missing point.  0, or -1 with a
 * message. */
int sweep_write_csv(const sweep *sw, int report, sweep_counts *n, char *err, size_t errlen);

/* One CSV field (RFC 4180) of the n bytes at t: quoted when it holds a
 * comma, quote or line break, or always with always_quote; a quote inside
 * is doubled.  Caller frees. */
char *sweep_csv_quote(const char *t, size_t n, int always_quote);
/* The value of statistic name in stats.csv text ("name,value" lines), as
 * a pointer into the text and its length in *n; NULL if absent. */
const char *sweep_stat_value(const char *csv, const char *name, size_t *n);

/* ---- cli_sweep_run.c ------------------------------------------------ */

/* Runs every point not done yet (all with force), jobs at a time, each in
 * its own process; prints failures as they come and, with progress, a
 * status line on stderr.  Counts skipped and failed points in *n.  0 when
 * every point was started (whatever their outcome), -1 with a message. */
int sweep_run_local(const sweep *sw, int jobs, int force, int progress, sweep_counts *n,
                    char *err, size_t errlen);
/* Prepares every point folder (as sweep_point_prepare) and writes the job
 * list to path: one POSIX shell line per point, in point order.  0, or -1
 * with a message. */
int sweep_emit_jobs(const sweep *sw, const char *path, int force, char *err, size_t errlen);
/* Writes s as one POSIX shell word: single-quoted when always or when it
 * holds anything but [A-Za-z0-9._+=,:/@%-]. */
void sweep_sh_word(FILE *f, const char *s, int always);

#endif
