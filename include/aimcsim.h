/*
 * aimcsim.h -- libaimcsim: the aimcsim simulator as a C library
 * (docs/library.md).
 *
 * A handle holds one design point: a configuration, loaded from an INI
 * file or string, with overrides applied to it.  Each run or exec checks
 * it, simulates, and returns the statistics in memory (the names and values
 * of stats.csv, docs/outputs.md), optionally writing the usual output
 * files too.  Handles share nothing: any number may exist, and runs may
 * follow one another in one process.  A run with [run] kernel = systemc
 * called from a thread process of a running SystemC simulation runs on
 * that simulation's kernel (docs/library.md, "Time").
 *
 * Errors: functions that can fail return an AIMCSIM_* status (or NULL) and
 * write one line, "file:line: what is wrong (what was expected)" where the
 * input has a place, into the caller's err buffer (errlen bytes, always
 * NUL-terminated; 1024 bytes hold any message).  The library never exits,
 * and prints only the progress line of long runs on a terminal ([run]
 * progress).
 *
 * Versions: AIMCSIM_API_VERSION changes whenever a program built against an
 * older header could misbehave with this library (a changed signature or
 * meaning); additions keep it.  aimcsim_api_version() returns the
 * library's, so a program can check it matches the header it was built
 * with.
 */
#ifndef AIMCSIM_H
#define AIMCSIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AIMCSIM_API_VERSION 1

#if defined(__GNUC__)
#define AIMCSIM_API __attribute__((visibility("default")))
#else
#define AIMCSIM_API
#endif

/* Statuses: the exit statuses of the aimcsim program. */
#define AIMCSIM_OK 0
#define AIMCSIM_EFAIL 1   /* a run that failed: an end-of-run check, an I/O error */
#define AIMCSIM_EINPUT 2  /* bad input: configuration, override, command stream,
                             a mapping that does not fit */

/* Flags of aimcsim_run and aimcsim_exec. */
#define AIMCSIM_TRACE 1u   /* with an output folder: the timeline and power traces */
#define AIMCSIM_REPORT 2u  /* keep the human report in the result (aimcsim_report) */
#define AIMCSIM_DATE 4u    /* stats.json records the date of the run */

typedef struct aimcsim aimcsim;               /* a design point */
typedef struct aimcsim_result aimcsim_result; /* the statistics of one run */

/* AIMCSIM_API_VERSION of the library; its release ("0.1.0") and source
 * revision (`git describe` at build time, or "unknown").  Static strings. */
AIMCSIM_API int aimcsim_api_version(void);
AIMCSIM_API const char *aimcsim_version(void);
AIMCSIM_API const char *aimcsim_revision(void);

/* A design point from an INI file (a path, or the name of an installed
 * preset such as "hermes-core" or "gpt2-small-densemap": docs/library.md),
 * or from INI text, whose messages name the place as name:line.  NULL on
 * bad input, with the message in err.  Free with aimcsim_close. */
AIMCSIM_API aimcsim *aimcsim_open(const char *path, char *err, size_t errlen);
AIMCSIM_API aimcsim *aimcsim_open_string(const char *name, const char *ini, char *err,
                                         size_t errlen);
AIMCSIM_API void aimcsim_close(aimcsim *a);

/* Overrides one parameter, as --set does: "section.key=value" (e.g.
 * "adc.count=8").  Overrides apply in order, after the file.  AIMCSIM_OK
 * or AIMCSIM_EINPUT. */
AIMCSIM_API int aimcsim_set(aimcsim *a, const char *assignment, char *err, size_t errlen);
/* The effective value of "section.key" as text (as `aimcsim params` and
 * stats.json write it) into buf.  AIMCSIM_OK, or AIMCSIM_EINPUT for an
 * unknown parameter. */
AIMCSIM_API int aimcsim_get(const aimcsim *a, const char *key, char *buf, size_t n);

/* Schedules and simulates the design point (`aimcsim run`).  With out_dir
 * (NULL: none), writes the usual output files there (docs/outputs.md).  On
 * AIMCSIM_OK, *result (if result is not NULL) receives the statistics;
 * free them with aimcsim_result_free.  On failure *result is NULL. */
AIMCSIM_API int aimcsim_run(aimcsim *a, const char *out_dir, unsigned flags,
                            aimcsim_result **result, char *err, size_t errlen);
/* Simulates a command stream (docs/command-stream.md) from a file, plain
 * or gzip, on the design point's chip (`aimcsim exec`). */
AIMCSIM_API int aimcsim_exec(aimcsim *a, const char *stream_path, const char *out_dir,
                             unsigned flags, aimcsim_result **result, char *err,
                             size_t errlen);
/* The same from len bytes in memory; messages name the place as
 * name:line. */
AIMCSIM_API int aimcsim_exec_buffer(aimcsim *a, const char *name, const void *data,
                                    size_t len, const char *out_dir, unsigned flags,
                                    aimcsim_result **result, char *err, size_t errlen);

/* The statistics, in the order of stats.csv: count, and each one's name
 * (dotted, ending in its unit: "run.total_ps") and value (a histogram's
 * value is its number of samples).  i in [0, count). */
AIMCSIM_API int aimcsim_stat_count(const aimcsim_result *r);
AIMCSIM_API const char *aimcsim_stat_name(const aimcsim_result *r, int i);
AIMCSIM_API double aimcsim_stat_value(const aimcsim_result *r, int i);
/* Index of a statistic by name, or -1. */
AIMCSIM_API int aimcsim_stat_find(const aimcsim_result *r, const char *name);
/* Value by name; 0, and *found = 0, when there is none (found may be
 * NULL). */
AIMCSIM_API double aimcsim_stat(const aimcsim_result *r, const char *name, int *found);
/* The human report, with AIMCSIM_REPORT; "" without.  Owned by r. */
AIMCSIM_API const char *aimcsim_report(const aimcsim_result *r);
AIMCSIM_API void aimcsim_result_free(aimcsim_result *r);

#ifdef __cplusplus
}
#endif

#endif
