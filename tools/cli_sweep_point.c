/*
 * cli_sweep_point.c -- the points of a sweep (tools/sweep_int.h): which
 * value each parameter takes at a point, the point's folder name and its
 * arguments, and the state of its folder.
 *
 * Invariant: a point is a function of the sweep and its index alone, and
 * its state a function of its folder's files alone (docs/sweeps.md), so a
 * local sweep, a job list run elsewhere and a merge agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/sweep_int.h"

/* Longest point folder name (NAME_MAX is 255 on the usual file systems). */
#define SWEEP_NAME_MAX 120

/* ---- points ----------------------------------------------------------- */

/* Index along axis a of point p: mixed radix, the first axis outermost. */
long sweep_axis_index(const sweep *sw, long p, int a)
{
    long stride = 1;
    for (int b = sw->naxes - 1; b > a; b--)
        stride *= sw->axis_len[b];
    return (p / stride) % sw->axis_len[a];
}

const char *sweep_value(const sweep *sw, long p, int j)
{
    return sw->par[j].vals[sweep_axis_index(sw, p, sw->par[j].axis)];
}

/* Appends to a growing string. */
static void cat(char **s, size_t *len, size_t *cap, const char *t)
{
    size_t n = strlen(t);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *s = xrealloc(*s, *cap);
    }
    memcpy(*s + *len, t, n + 1);
    *len += n;
}

void sweep_point_make(const sweep *sw, long p, sweep_point *pt)
{
    int width = 4;
    for (long n = sw->npoints - 1; n >= 10000; n /= 10)
        width++;
    char idx[32];
    snprintf(idx, sizeof idx, "p%0*ld", width, p);
    size_t len = 0, cap = 0;
    char *name = NULL;
    cat(&name, &len, &cap, idx);
    /* Readable part: _key=value per parameter; characters outside
     * [A-Za-z0-9._+=-] become '-', and the whole stays short.  The index
     * alone makes the name unique. */
    for (int j = 0; j < sw->npar && len < SWEEP_NAME_MAX; j++) {
        char *kv = xasprintf("_%s=%s", sw->par[j].key, sweep_value(sw, p, j));
        for (char *c = kv + 1; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || strchr("._+=-", *c)))
                *c = '-';
        cat(&name, &len, &cap, kv);
        free(kv);
    }
    if (len > SWEEP_NAME_MAX)
        name[SWEEP_NAME_MAX] = 0;
    pt->index = p;
    pt->name = name;
    pt->dir = xasprintf("%s/points/%s", sw->dir, name);
    pt->nargs = sw->nsets + sw->npar;
    pt->args = xcalloc((size_t)pt->nargs, sizeof *pt->args);
    for (int k = 0; k < sw->nsets; k++)
        pt->args[k] = xstrdup(sw->sets[k]);
    for (int j = 0; j < sw->npar; j++)
        pt->args[sw->nsets + j] = xasprintf("%s=%s", sw->par[j].key, sweep_value(sw, p, j));
    /* point.args: what resume compares, byte for byte. */
    len = cap = 0;
    char *t = NULL, head[160];
    snprintf(head, sizeof head,
             "# aimcsim sweep point: resumed only while this file is unchanged\n"
             "config_hash=%016llx\ntrace=%d\n",
             (unsigned long long)sw->hash[p], sw->trace);
    cat(&t, &len, &cap, head);
    for (int k = 0; k < pt->nargs; k++) {
        cat(&t, &len, &cap, "--set ");
        cat(&t, &len, &cap, pt->args[k]);
        cat(&t, &len, &cap, "\n");
    }
    pt->args_text = t;
}

void sweep_point_free(sweep_point *pt)
{
    for (int k = 0; k < pt->nargs; k++)
        free(pt->args[k]);
    free(pt->args);
    free(pt->name);
    free(pt->dir);
    free(pt->args_text);
    memset(pt, 0, sizeof *pt);
}

/* ---- a point's folder ------------------------------------------------- */

char *sweep_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = xmalloc(cap);
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

static int args_match(const sweep_point *pt)
{
    char *path = xasprintf("%s/point.args", pt->dir);
    char *t = sweep_slurp(path, NULL);
    free(path);
    int same = t && !strcmp(t, pt->args_text);
    free(t);
    return same;
}

enum sweep_state sweep_point_state(const sweep_point *pt, char **stats_csv, char **error)
{
    if (stats_csv)
        *stats_csv = NULL;
    if (error)
        *error = NULL;
    if (!args_match(pt))
        return SWEEP_MISSING;
    char *path = xasprintf("%s/stats.csv", pt->dir);
    char *st = sweep_slurp(path, NULL);
    free(path);
    if (st) {
        if (stats_csv)
            *stats_csv = st;
        else
            free(st);
        return SWEEP_OK;
    }
    path = xasprintf("%s/stderr.txt", pt->dir);
    char *e = sweep_slurp(path, NULL);
    free(path);
    if (!e || !*e) {
        free(e);
        return SWEEP_MISSING;
    }
    e[strcspn(e, "\r\n")] = 0;
    if (error)
        *error = e;
    else
        free(e);
    return SWEEP_FAILED;
}

static int remove_file(const char *dir, const char *name, char *err, size_t errlen)
{
    char *path = xasprintf("%s/%s", dir, name);
    int rc = unlink(path) < 0 && errno != ENOENT ? errf(err, errlen, "cannot remove %s: %s",
                                                        path, strerror(errno))
                                                 : 0;
    free(path);
    return rc;
}

int sweep_point_prepare(const sweep_point *pt, int force, char *err, size_t errlen)
{
    if (!force && sweep_point_state(pt, NULL, NULL) == SWEEP_OK)
        return 1;
    if (ofile_mkdirs(pt->dir, err, errlen) < 0)
        return -1;
    /* Results of other parameters, or of a run about to be repeated, go
     * first: a folder never shows stats.csv beside a point.args it does not
     * belong to. */
    if (remove_file(pt->dir, "stats.csv", err, errlen) < 0 ||
        remove_file(pt->dir, "stderr.txt", err, errlen) < 0)
        return -1;
    char *path = xasprintf("%s/point.args", pt->dir);
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, pt->args_text);
    return ofile_commit(o, err, errlen);
}
