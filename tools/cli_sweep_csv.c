/*
 * cli_sweep_csv.c -- the state of a sweep point's folder, and sweep.csv
 * built from the folders (docs/outputs.md, "Sweeps").
 *
 * Invariant: sweep.csv is a function of the point folders' files and of
 * the sweep's arguments alone -- no time, host or process enters it -- so
 * a local sweep and the same job list run under GNU parallel or Slurm,
 * then merged, give the same bytes.  A point's metrics are copied from its
 * stats.csv as text, so they equal those of the single `aimcsim run`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/sweep_int.h"

/* Missing points listed one by one on stderr; beyond, a count. */
#define SWEEP_REPORT_MISSING 10


/* A growing output buffer. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_raw(sbuf *b, const char *t, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, t, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *t) { sb_raw(b, t, strlen(t)); }

char *sweep_csv_quote(const char *t, size_t n, int always_quote)
{
    int quote = always_quote;
    size_t extra = 0;
    for (size_t i = 0; i < n; i++) {
        quote |= t[i] == ',' || t[i] == '"' || t[i] == '\r' || t[i] == '\n';
        extra += t[i] == '"';
    }
    char *q = xmalloc(n + extra + 3), *o = q;
    if (quote)
        *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (quote && t[i] == '"')
            *o++ = '"';
        *o++ = t[i];
    }
    if (quote)
        *o++ = '"';
    *o = 0;
    return q;
}

static void sb_field(sbuf *b, const char *t, size_t n, int always_quote)
{
    char *q = sweep_csv_quote(t, n, always_quote);
    sb_puts(b, q);
    free(q);
}

const char *sweep_stat_value(const char *csv, const char *name, size_t *n)
{
    size_t nl = strlen(name);
    for (const char *l = csv; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t ll = e ? (size_t)(e - l) : strlen(l);
        if (ll > nl && !strncmp(l, name, nl) && l[nl] == ',') {
            *n = ll - nl - 1;
            if (*n && l[nl + 1 + *n - 1] == '\r')
                (*n)--;
            return l + nl + 1;
        }
        l = e ? e + 1 : NULL;
    }
    return NULL;
}

static int is_metric(const char *name, size_t n)
{
    static const char *const pre[] = SWEEP_METRIC_PREFIXES;
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        size_t pl = strlen(pre[i]);
        if (n > pl && !strncmp(name, pre[i], pl))
            return 1;
    }
    return 0;
}

/* The metric names of a stats.csv, in its order (skipping the header). */
static char **metric_names(const char *csv, int *n)
{
    char **v = NULL;
    int cap = 0;
    *n = 0;
    const char *l = strchr(csv, '\n'); /* "name,value" */
    for (l = l ? l + 1 : NULL; l && *l;) {
        const char *e = strchr(l, '\n');
        const char *comma = memchr(l, ',', e ? (size_t)(e - l) : strlen(l));
        if (comma && is_metric(l, (size_t)(comma - l))) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 64;
                v = xrealloc(v, (size_t)cap * sizeof *v);
            }
            size_t k = (size_t)(comma - l);
            v[*n] = xmalloc(k + 1);
            memcpy(v[*n], l, k);
            v[*n][k] = 0;
            (*n)++;
        }
        l = e ? e + 1 : NULL;
    }
    return v;
}

int sweep_write_csv(const sweep *sw, int report, sweep_counts *cnt, char *err, size_t errlen)
{
    long np = sw->npoints;
    enum sweep_state *state = xcalloc((size_t)np, sizeof *state);
    char **stats = xcalloc((size_t)np, sizeof *stats);
    char **error = xcalloc((size_t)np, sizeof *error);
    char **names = xcalloc((size_t)np, sizeof *names);
    cnt->ok = cnt->failed = cnt->missing = 0;
    long first_ok = -1;
    for (long p = 0; p < np; p++) {
        sweep_point pt;
        sweep_point_make(sw, p, &pt);
        state[p] = sweep_point_state(&pt, &stats[p], &error[p]);
        names[p] = pt.name;
        pt.name = NULL;
        if (state[p] == SWEEP_OK) {
            cnt->ok++;
            if (first_ok < 0)
                first_ok = p;
        } else if (state[p] == SWEEP_FAILED) {
            cnt->failed++;
            if (report)
                fprintf(stderr, "aimcsim %s: %s: failed: %s\n", sw->name, names[p],
                        error[p]);
        } else {
            cnt->missing++;
            if (report && cnt->missing <= SWEEP_REPORT_MISSING)
                fprintf(stderr, "aimcsim %s: %s: missing (no results in %s/points/%s)\n",
                        sw->name, names[p], sw->dir, names[p]);
        }
        sweep_point_free(&pt);
    }
    if (report && cnt->missing > SWEEP_REPORT_MISSING)
        fprintf(stderr, "aimcsim %s: ... and %ld more missing\n", sw->name,
                cnt->missing - SWEEP_REPORT_MISSING);
    int nm = 0;
    char **metric = first_ok >= 0 ? metric_names(stats[first_ok], &nm) : NULL;

    sbuf b = {NULL, 0, 0};
    char *path = xasprintf("%s/sweep.csv", sw->dir);
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    int rc = -1;
    if (!o)
        goto out;
    sb_puts(&b, "point,status");
    for (int j = 0; j < sw->npar; j++) {
        sb_puts(&b, ",");
        sb_field(&b, sw->par[j].key, strlen(sw->par[j].key), 0);
    }
    for (int m = 0; m < nm; m++) {
        sb_puts(&b, ",");
        sb_puts(&b, metric[m]);
    }
    sb_puts(&b, ",error\n");
    static const char *const status_name[] = {"missing", "ok", "failed"};
    for (long p = 0; p < np; p++) {
        sb_field(&b, names[p], strlen(names[p]), 0);
        sb_puts(&b, ",");
        sb_puts(&b, status_name[state[p]]);
        for (int j = 0; j < sw->npar; j++) {
            const char *v = sweep_value(sw, p, j);
            sb_puts(&b, ",");
            sb_field(&b, v, strlen(v), 0);
        }
        for (int m = 0; m < nm; m++) {
            size_t vn = 0;
            const char *v = stats[p] ? sweep_stat_value(stats[p], metric[m], &vn) : NULL;
            sb_puts(&b, ",");
            if (v)
                sb_field(&b, v, vn, 0);
        }
        sb_puts(&b, ",");
        if (error[p])
            sb_field(&b, error[p], strlen(error[p]), 1);
        sb_puts(&b, "\n");
        if (b.len > 65536) {
            ofile_write(o, b.s, b.len);
            b.len = 0;
        }
    }
    if (b.len)
        ofile_write(o, b.s, b.len);
    rc = ofile_commit(o, err, errlen);
out:
    free(b.s);
    for (int m = 0; m < nm; m++)
        free(metric[m]);
    free(metric);
    for (long p = 0; p < np; p++) {
        free(stats[p]);
        free(error[p]);
        free(names[p]);
    }
    free(state);
    free(stats);
    free(error);
    free(names);
    return rc;
}
