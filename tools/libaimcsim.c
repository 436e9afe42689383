/*
 * libaimcsim.c -- the public C API (include/aimcsim.h) over the driver
 * (tools/driver.h).
 *
 * Invariant: a result owns copies of everything it holds (names, values,
 * report), taken from the statistics registry before the run's objects are
 * released, so it outlives its run and its handle.  The handle's
 * configuration only changes through aimcsim_set; every run checks it.
 */
#include "include/aimcsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/stats.h"
#include "sim/util.h"
#include "tools/driver.h"
#include "tools/presets.h"
#include "tools/prov.h"

struct aimcsim {
    config cfg;
};

struct aimcsim_result {
    int n;
    char **name;        /* registration order */
    double *value;
    struct named {
        const char *name;
        int i;
    } *sorted;          /* (name, index) sorted by name, for aimcsim_stat_find */
    char *report;       /* "" unless AIMCSIM_REPORT */
};

int aimcsim_api_version(void) { return AIMCSIM_API_VERSION; }
const char *aimcsim_version(void) { return AIMCSIM_VERSION; }
const char *aimcsim_revision(void) { return prov_revision(); }

aimcsim *aimcsim_open(const char *path, char *err, size_t errlen)
{
    char *p = presets_find(path);
    aimcsim *a = xcalloc(1, sizeof *a);
    if (config_load(&a->cfg, p ? p : path, err, errlen) < 0) {
        free(p);
        aimcsim_close(a);
        return NULL;
    }
    free(p);
    return a;
}

aimcsim *aimcsim_open_string(const char *name, const char *ini, char *err, size_t errlen)
{
    aimcsim *a = xcalloc(1, sizeof *a);
    config_defaults(&a->cfg);
    if (config_load_string(&a->cfg, name, ini, err, errlen) < 0) {
        aimcsim_close(a);
        return NULL;
    }
    return a;
}

void aimcsim_close(aimcsim *a)
{
    if (!a)
        return;
    config_free(&a->cfg);
    free(a);
}

int aimcsim_set(aimcsim *a, const char *assignment, char *err, size_t errlen)
{
    return config_set(&a->cfg, assignment, err, errlen) < 0 ? AIMCSIM_EINPUT : AIMCSIM_OK;
}

int aimcsim_get(const aimcsim *a, const char *key, char *buf, size_t n)
{
    const char *dot = strchr(key, '.');
    if (n)
        buf[0] = 0;
    if (!dot || (size_t)(dot - key) >= 64)
        return AIMCSIM_EINPUT;
    char section[64];
    memcpy(section, key, (size_t)(dot - key));
    section[dot - key] = 0;
    int i = config_find(section, dot + 1);
    if (i < 0)
        return AIMCSIM_EINPUT;
    config_value_str(&a->cfg, i, buf, n);
    return AIMCSIM_OK;
}

/* ---- results ---- */

static int by_name(const void *x, const void *y)
{
    return strcmp(((const struct named *)x)->name, ((const struct named *)y)->name);
}

/* driver_opts.on_stats: copies the registry into the result. */
static void take_stats(void *ctx, const stats *st)
{
    aimcsim_result *r = ctx;
    r->n = stats_count(st);
    size_t cap = r->n ? (size_t)r->n : 1;
    r->name = xcalloc(cap, sizeof *r->name);
    r->value = xcalloc(cap, sizeof *r->value);
    r->sorted = xcalloc(cap, sizeof *r->sorted);
    for (int i = 0; i < r->n; i++) {
        r->name[i] = xstrdup(stats_name(st, i));
        r->value[i] = stats_value(st, i);
        r->sorted[i] = (struct named){r->name[i], i};
    }
    qsort(r->sorted, (size_t)r->n, sizeof *r->sorted, by_name);
}

/* One run or exec: the driver with the result captured.  The report goes
 * to a memory stream when asked for. */
static int simulate(aimcsim *a, const char *stream, const char *command, const char *out_dir,
                    unsigned flags, aimcsim_result **result, char *err, size_t errlen)
{
    if (result)
        *result = NULL;
    if (driver_config_check(&a->cfg, err, errlen) < 0)
        return AIMCSIM_EINPUT;
    if ((flags & AIMCSIM_TRACE) && !out_dir) {
        errf(err, errlen, "AIMCSIM_TRACE needs an output folder (the traces are files)");
        return AIMCSIM_EINPUT;
    }
    aimcsim_result *r = xcalloc(1, sizeof *r);
    char *report = NULL;
    size_t report_len = 0;
    FILE *rf = NULL;
    if (flags & AIMCSIM_REPORT) {
        rf = open_memstream(&report, &report_len);
        if (!rf) {
            free(r);
            errf(err, errlen, "cannot open a memory stream for the report");
            return AIMCSIM_EFAIL;
        }
    }
    driver_opts d;
    memset(&d, 0, sizeof d);
    d.cfg = &a->cfg;
    d.stream_in = stream;
    d.out_dir = out_dir;
    d.trace = (flags & AIMCSIM_TRACE) != 0;
    d.report = rf;
    d.command = command;
    d.date = (flags & AIMCSIM_DATE) != 0;
    d.keep_signals = 1;
    d.on_stats = take_stats;
    d.on_stats_ctx = r;
    int rc = driver_run(&d, err, errlen);
    if (rf)
        fclose(rf);
    r->report = report ? report : xstrdup("");
    if (rc != 0 || !result)
        aimcsim_result_free(r);
    else
        *result = r;
    return rc == DRIVER_EINPUT ? AIMCSIM_EINPUT : rc ? AIMCSIM_EFAIL : AIMCSIM_OK;
}

int aimcsim_run(aimcsim *a, const char *out_dir, unsigned flags, aimcsim_result **result,
                char *err, size_t errlen)
{
    return simulate(a, NULL, "libaimcsim run", out_dir, flags, result, err, errlen);
}

int aimcsim_exec(aimcsim *a, const char *stream_path, const char *out_dir, unsigned flags,
                 aimcsim_result **result, char *err, size_t errlen)
{
    char *command = xasprintf("libaimcsim exec %s", stream_path);
    int rc = simulate(a, stream_path, command, out_dir, flags, result, err, errlen);
    free(command);
    return rc;
}

/* Replaces the first occurrence of from in err by to (the temporary
 * file's name by the buffer's). */
static void rename_place(char *err, size_t errlen, const char *from, const char *to)
{
    char *at = strstr(err, from);
    if (!at)
        return;
    char *rest = xstrdup(at + strlen(from));
    *at = 0;
    char *head = xstrdup(err);
    snprintf(err, errlen, "%s%s%s", head, to, rest);
    free(head);
    free(rest);
}

int aimcsim_exec_buffer(aimcsim *a, const char *name, const void *data, size_t len,
                        const char *out_dir, unsigned flags, aimcsim_result **result,
                        char *err, size_t errlen)
{
    if (result)
        *result = NULL;
    const char *tmpdir = getenv("TMPDIR");
    char *path = xasprintf("%s/aimcsim-stream.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        errf(err, errlen, "%s: cannot create a temporary file for the stream", path);
        free(path);
        return AIMCSIM_EFAIL;
    }
    const char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int ok = done == len;
    if (close(fd) < 0)
        ok = 0;
    int rc;
    if (!ok) {
        errf(err, errlen, "%s: cannot write the stream to a temporary file", path);
        rc = AIMCSIM_EFAIL;
    } else {
        char *command = xasprintf("libaimcsim exec %s", name);
        rc = simulate(a, path, command, out_dir, flags, result, err, errlen);
        free(command);
        if (rc != AIMCSIM_OK)
            rename_place(err, errlen, path, name);
    }
    unlink(path);
    free(path);
    return rc;
}

int aimcsim_stat_count(const aimcsim_result *r) { return r->n; }

const char *aimcsim_stat_name(const aimcsim_result *r, int i)
{
    return i >= 0 && i < r->n ? r->name[i] : NULL;
}

double aimcsim_stat_value(const aimcsim_result *r, int i)
{
    return i >= 0 && i < r->n ? r->value[i] : 0;
}

int aimcsim_stat_find(const aimcsim_result *r, const char *name)
{
    struct named key = {name, 0};
    const struct named *e = r->n ? bsearch(&key, r->sorted, (size_t)r->n, sizeof key, by_name)
                                 : NULL;
    return e ? e->i : -1;
}

double aimcsim_stat(const aimcsim_result *r, const char *name, int *found)
{
    int i = aimcsim_stat_find(r, name);
    if (found)
        *found = i >= 0;
    return i >= 0 ? r->value[i] : 0;
}

const char *aimcsim_report(const aimcsim_result *r) { return r->report; }

void aimcsim_result_free(aimcsim_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        free(r->name[i]);
    free(r->name);
    free(r->value);
    free(r->sorted);
    free(r->report);
    free(r);
}
