/*
 * cli_sweep.c -- `aimcsim sweep CONFIG.ini --vary sec.key=v1,v2,... [--zip
 * sec.key=a,b ...] [--set sec.key=val ...] [-j N] [--out DIR] [--force]
 * [--trace] [--quiet] [--emit-jobs FILE | --merge DIR]`: a design-space
 * sweep, one `aimcsim run` process per point (docs/sweeps.md).
 *
 * This file parses the arguments, validates every value before anything
 * runs, and defines the points.  Invariant: a sweep that gets past
 * sweep_build has a loadable configuration, values that each parse and
 * that each belong to at least one point passing config_check, and a
 * stable point order (first axis outermost, values in the order given);
 * whatever happens to a point afterwards is that point's outcome, never
 * the sweep's exit status 2.
 */
#define _DEFAULT_SOURCE /* realpath, readlink; sysconf(_SC_NPROCESSORS_ONLN) */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/driver.h"
#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "tools/sweep_int.h"

/* Bounds that keep a mistyped sweep from filling the disk. */
#define SWEEP_MAX_POINTS 1000000L
#define SWEEP_MAX_JOBS 4096


/* ---- arguments -------------------------------------------------------- */


int sweep_usage_err(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "aimcsim %s: ", name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see aimcsim help %s)\n", name);
    va_end(ap);
    return 2;
}

/* The value of -j / --jobs (s) in a->jobs: 0, or -1. */
static int parse_jobs(const char *s, sweep_args *a)
{
    long v;
    if (cli_parse_long(s, 1, SWEEP_MAX_JOBS, &v) < 0)
        return -1;
    a->jobs = (int)v;
    return 0;
}

int sweep_take_option(sweep_args *a, int argc, char **argv, int *i, int trace_ok)
{
    const char *s = argv[*i];
    if (!strcmp(s, "--set") || !strcmp(s, "--out") || !strcmp(s, "--emit-jobs") ||
        !strcmp(s, "--merge") || !strcmp(s, "-j") || !strcmp(s, "--jobs")) {
        if (*i + 1 >= argc) {
            sweep_usage_err(a->name, "%s needs a value", s);
            return -2;
        }
        const char *v = argv[++*i];
        if (!*v && (!strcmp(s, "--out") || !strcmp(s, "--emit-jobs") || !strcmp(s, "--merge"))) {
            sweep_usage_err(a->name, "%s needs a value (got an empty string)", s);
            return -2;
        }
        if (!strcmp(s, "--set")) {
            a->sets[a->nsets++] = v;
        } else if (!strcmp(s, "--out")) {
            a->out = v;
        } else if (!strcmp(s, "--emit-jobs")) {
            a->emit = v;
        } else if (!strcmp(s, "--merge")) {
            a->merge = v;
        } else if (parse_jobs(v, a) < 0) {
            fprintf(stderr, "aimcsim %s: %s %s: expected a number of jobs in [1, %d]\n",
                    a->name, s, v, SWEEP_MAX_JOBS);
            return -2;
        }
    } else if (!strncmp(s, "-j", 2) && s[2]) {
        if (parse_jobs(s + 2, a) < 0) {
            fprintf(stderr, "aimcsim %s: %s: expected a number of jobs in [1, %d]\n", a->name,
                    s, SWEEP_MAX_JOBS);
            return -2;
        }
    } else if (!strcmp(s, "--force")) {
        a->force = 1;
    } else if (!strcmp(s, "--trace") && trace_ok) {
        a->trace = 1;
    } else if (!strcmp(s, "--quiet")) {
        a->quiet = 1;
    } else if (s[0] == '-' && s[1]) {
        return 0;
    } else if (!a->cfg_path) {
        a->cfg_path = s;
    } else {
        sweep_usage_err(a->name, "unexpected argument '%s'", s);
        return -2;
    }
    return 1;
}

int sweep_check_args(const sweep_args *a)
{
    if (!a->cfg_path)
        return sweep_usage_err(a->name, "missing CONFIG.ini");
    if (a->merge && (a->emit || a->out || a->force || a->jobs))
        return sweep_usage_err(a->name, "--merge DIR takes no --out, --emit-jobs, --force or -j");
    if (a->emit && a->jobs)
        return sweep_usage_err(a->name, "--emit-jobs runs nothing: -j does not apply");
    return 0;
}

static int parse_args(int argc, char **argv, sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->name = "sweep";
    a->vary = xcalloc((size_t)argc, sizeof *a->vary);
    a->is_zip = xcalloc((size_t)argc, sizeof *a->is_zip);
    a->sets = xcalloc((size_t)argc, sizeof *a->sets);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--vary") || !strcmp(s, "--zip")) {
            if (i + 1 >= argc)
                return sweep_usage_err(a->name, "%s needs a value", s);
            a->is_zip[a->nvary] = s[2] == 'z';
            a->vary[a->nvary++] = argv[++i];
            continue;
        }
        int r = sweep_take_option(a, argc, argv, &i, 1);
        if (r < 0)
            return 2;
        if (r == 0)
            return sweep_usage_err(a->name, "unknown option '%s'", s);
    }
    int rc = sweep_check_args(a);
    if (rc == 0 && a->nvary == 0)
        rc = sweep_usage_err(a->name, "nothing to vary: give --vary sec.key=v1,v2,... or --zip");
    return rc;
}

static void args_free(sweep_args *a)
{
    free(a->vary);
    free(a->is_zip);
    free(a->sets);
}

/* ---- the sweep -------------------------------------------------------- */

/* Splits "v1,v2,..." on commas not preceded by a backslash; "\," is a
 * comma and "\\" a backslash inside a value. */
static char **split_values(const char *s, int *n)
{
    char **v = NULL;
    int cap = 0;
    *n = 0;
    size_t len = strlen(s);
    char *cur = xmalloc(len + 1);
    size_t k = 0;
    for (size_t i = 0;; i++) {
        if (s[i] == '\\' && (s[i + 1] == ',' || s[i + 1] == '\\')) {
            cur[k++] = s[++i];
            continue;
        }
        if (s[i] == ',' || !s[i]) {
            cur[k] = 0;
            if (*n == cap) {
                cap = cap ? 2 * cap : 8;
                v = xrealloc(v, (size_t)cap * sizeof *v);
            }
            v[(*n)++] = xstrdup(cur);
            k = 0;
            if (!s[i])
                break;
            continue;
        }
        cur[k++] = s[i];
    }
    free(cur);
    return v;
}

void sweep_free(sweep *sw)
{
    free(sw->cfg_abs);
    free(sw->prog);
    free(sw->cwd);
    free(sw->dir);
    for (int k = 0; k < sw->nsets; k++)
        free(sw->sets[k]);
    free(sw->sets);
    for (int j = 0; j < sw->npar; j++) {
        for (int k = 0; k < sw->par[j].nvals; k++)
            free(sw->par[j].vals[k]);
        free(sw->par[j].vals);
        free(sw->par[j].key);
    }
    free(sw->par);
    free(sw->axis_len);
    free(sw->hash);
    memset(sw, 0, sizeof *sw);
}

/* The key of "sec.key=...", as a fresh string. */
static char *key_of(const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    char *k = xmalloc(n + 1);
    memcpy(k, arg, n);
    k[n] = 0;
    return k;
}

/* Absolute path of this program, for the job lines and the points'
 * argv[0] (local points exec /proc/self/exe itself, see cli_sweep_run.c). */
static char *self_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        /* Rebuilt while running: the path now names the new program. */
        size_t len = (size_t)n, dl = strlen(" (deleted)");
        if (len > dl && !strcmp(buf + len - dl, " (deleted)"))
            buf[len - dl] = 0;
        return xstrdup(buf);
    }
    /* No /proc: argv[0] as it appears in the command line, if a path. */
    const char *cl = cli_command_line();
    char *argv0 = xasprintf("%.*s", (int)strcspn(cl, " "), cl);
    char *r = strchr(argv0, '/') ? realpath(argv0, NULL) : NULL;
    free(argv0);
    return r;
}

/* Applies the sets of point p to a copy of the base; config_check's
 * status.  The configuration's hash goes to sw->hash[p]. */
static int check_point(sweep *sw, const config *base, long p, char *err, size_t errlen)
{
    config c;
    config_copy(&c, base);
    int rc = 0;
    for (int j = 0; j < sw->npar && rc == 0; j++) {
        char *kv = xasprintf("%s=%s", sw->par[j].key, sweep_value(sw, p, j));
        rc = config_set(&c, kv, err, errlen);
        free(kv);
    }
    sw->hash[p] = config_hash(&c);
    if (rc == 0)
        rc = driver_config_check(&c, err, errlen);
    config_free(&c);
    return rc;
}

int sweep_build(const sweep_args *a, sweep *sw)
{
    char err[ERR_LEN];
    memset(sw, 0, sizeof *sw);
    config base;
    if (config_load(&base, a->cfg_path, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        config_free(&base);
        return 2;
    }
    int rc = 2;
    sw->sets = xcalloc((size_t)a->nsets + 1, sizeof *sw->sets);
    for (int i = 0; i < a->nsets + a->nvary; i++) {
        const char *s = i < a->nsets ? a->sets[i] : a->vary[i - a->nsets];
        if (strpbrk(s, "\r\n")) {
            fprintf(stderr, "aimcsim %s: %s: a line break in a value (job lists are "
                    "one line per point)\n", a->name, s);
            goto out;
        }
    }
    for (int k = 0; k < a->nsets; k++) {
        if (config_set(&base, a->sets[k], err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
        sw->sets[sw->nsets++] = xstrdup(a->sets[k]);
    }

    /* Parameters and axes: each --vary an axis where it appears; the --zip
     * parameters one axis, where the first --zip appears. */
    sw->par = xcalloc((size_t)a->nvary, sizeof *sw->par);
    sw->axis_len = xcalloc((size_t)a->nvary, sizeof *sw->axis_len);
    /* Column order: the arguments' order, except that every --zip comes
     * where the first --zip is (they form one axis). */
    int *order = xcalloc((size_t)a->nvary, sizeof *order);
    int norder = 0, zips_placed = 0;
    for (int i = 0; i < a->nvary; i++) {
        if (!a->is_zip[i]) {
            order[norder++] = i;
        } else if (!zips_placed) {
            zips_placed = 1;
            for (int z = i; z < a->nvary; z++)
                if (a->is_zip[z])
                    order[norder++] = z;
        }
    }
    int zip_axis = -1;
    for (int n = 0; n < norder; n++) {
        int i = order[n];
        const char *arg = a->vary[i];
        const char *opt = a->is_zip[i] ? "--zip" : "--vary";
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            fprintf(stderr, "aimcsim %s: %s %s: expected sec.key=v1,v2,...\n", a->name, opt,
                    arg);
            free(order);
            goto out;
        }
        sweep_param *pr = &sw->par[sw->npar];
        pr->key = key_of(arg);
        pr->vals = split_values(eq + 1, &pr->nvals);
        sw->npar++;
        for (int j = 0; j < sw->npar - 1; j++)
            if (!strcmp(sw->par[j].key, pr->key)) {
                fprintf(stderr, "aimcsim %s: %s %s: %s is varied twice\n", a->name, opt, arg,
                        pr->key);
                free(order);
                goto out;
            }
        for (int k = 0; k < sw->nsets; k++) {
            char *sk = key_of(sw->sets[k]);
            int same = !strcmp(sk, pr->key);
            free(sk);
            if (same) {
                fprintf(stderr, "aimcsim %s: %s %s: %s is also given by --set %s\n", a->name,
                        opt, arg, pr->key, sw->sets[k]);
                free(order);
                goto out;
            }
        }
        /* Each value alone: the key exists and the value parses. */
        for (int k = 0; k < pr->nvals; k++) {
            config c;
            config_copy(&c, &base);
            char *kv = xasprintf("%s=%s", pr->key, pr->vals[k]);
            int r = config_set(&c, kv, err, sizeof err);
            free(kv);
            config_free(&c);
            if (r < 0) {
                fprintf(stderr, "%s\n", err);
                free(order);
                goto out;
            }
        }
        if (a->is_zip[i] && zip_axis >= 0) {
            pr->axis = zip_axis;
            sweep_param *first = &sw->par[0];
            for (int j = 0; j < sw->npar; j++)
                if (sw->par[j].axis == zip_axis) {
                    first = &sw->par[j];
                    break;
                }
            if (pr->nvals != first->nvals) {
                fprintf(stderr,
                        "aimcsim %s: --zip lists differ in length (%s: %d, %s: %d); "
                        "zipped lists vary together\n",
                        a->name, first->key, first->nvals, pr->key, pr->nvals);
                free(order);
                goto out;
            }
        } else {
            pr->axis = sw->naxes;
            sw->axis_len[sw->naxes++] = pr->nvals;
            if (a->is_zip[i])
                zip_axis = pr->axis;
        }
    }
    free(order);

    sw->npoints = 1;
    for (int x = 0; x < sw->naxes; x++) {
        if (sw->npoints > SWEEP_MAX_POINTS / sw->axis_len[x]) {
            fprintf(stderr, "aimcsim %s: more than %ld points\n", a->name, SWEEP_MAX_POINTS);
            goto out;
        }
        sw->npoints *= sw->axis_len[x];
    }

    /* Every point's configuration; a value none of whose points passes
     * config_check is an error now (with the first such point's message).
     * A point that fails alone fails as a point, later. */
    sw->hash = xcalloc((size_t)sw->npoints, sizeof *sw->hash);
    char *ok = xcalloc((size_t)sw->npoints, 1);
    for (long p = 0; p < sw->npoints; p++)
        ok[p] = check_point(sw, &base, p, err, sizeof err) == 0;
    for (int j = 0; j < sw->npar; j++)
        for (int k = 0; k < sw->par[j].nvals; k++) {
            long first = -1;
            int any = 0;
            for (long p = 0; p < sw->npoints && !any; p++)
                if (sweep_axis_index(sw, p, sw->par[j].axis) == k) {
                    any = ok[p];
                    if (first < 0)
                        first = p;
                }
            if (!any) {
                check_point(sw, &base, first, err, sizeof err);
                fprintf(stderr, "%s\n", err);
                free(ok);
                goto out;
            }
        }
    free(ok);

    /* Paths the points need, absolute so that job lines run anywhere. */
    sw->cfg_abs = realpath(a->cfg_path, NULL);
    char cwd[PATH_MAX];
    sw->prog = self_path();
    if (!sw->cfg_abs || !getcwd(cwd, sizeof cwd) || !sw->prog) {
        fprintf(stderr, "aimcsim %s: cannot resolve %s: %s\n", a->name,
                !sw->cfg_abs ? a->cfg_path : !sw->prog ? "the program's own path" : "the "
                "working directory", strerror(errno));
        rc = 1;
        goto out;
    }
    sw->cwd = xstrdup(cwd);
    sw->trace = a->trace;
    sw->name = a->name;
    rc = 0;
out:
    config_free(&base);
    if (rc)
        sweep_free(sw);
    return rc;
}

/* Default output folder: out/<name>-<config file name without .ini>. */
static char *default_dir(const char *name, const char *cfg_path)
{
    const char *b = strrchr(cfg_path, '/');
    b = b ? b + 1 : cfg_path;
    size_t n = strlen(b);
    if (n > 4 && !strcmp(b + n - 4, ".ini"))
        n -= 4;
    return xasprintf("out/%s-%.*s", name, (int)n, b);
}

int sweep_set_dir(sweep *sw, const char *dir, int must_exist, char *err, size_t errlen)
{
    if (!must_exist && ofile_mkdirs(dir, err, errlen) < 0)
        return -1;
    sw->dir = realpath(dir, NULL);
    if (!sw->dir)
        return errf(err, errlen, "%s: %s", dir, strerror(errno));
    return 0;
}

/* The arguments of the --merge command matching an --emit-jobs one. */
static void print_merge_args(int argc, char **argv, const char *dir)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--emit-jobs") || !strcmp(argv[i], "--out")) {
            i++;
            continue;
        }
        if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "--quiet"))
            continue;
        putchar(' ');
        sweep_sh_word(stdout, argv[i], 0);
    }
    printf(" --merge ");
    sweep_sh_word(stdout, dir, 0);
}

int sweep_execute(const sweep_args *a, sweep *sw, int argc, char **argv, sweep_counts *n)
{
    char err[ERR_LEN];
    int rc = 0;
    char *dflt = a->out || a->merge ? NULL : default_dir(a->name, a->cfg_path);
    const char *dir = a->merge ? a->merge : a->out ? a->out : dflt;
    memset(n, 0, sizeof *n);
    if (sweep_set_dir(sw, dir, a->merge != NULL, err, sizeof err) < 0) {
        fprintf(stderr, "aimcsim %s: %s\n", a->name, err);
        rc = a->merge ? 2 : 1;
    } else if (a->emit) {
        if (sweep_emit_jobs(sw, a->emit, a->force, err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim %s: %s\n", a->name, err);
            rc = 1;
        } else if (!a->quiet) {
            printf("%s: %ld jobs -> %s\n  run them: parallel < ", a->name, sw->npoints, a->emit);
            sweep_sh_word(stdout, a->emit, 0);
            printf("   (or a Slurm array, docs/sweeps.md)\n  then merge: aimcsim %s", a->name);
            print_merge_args(argc, argv, dir);
            printf("\n");
        }
    } else {
        int jobs = a->jobs;
        if (!jobs) {
            long c = sysconf(_SC_NPROCESSORS_ONLN);
            jobs = c < 1 ? 1 : c > SWEEP_MAX_JOBS ? SWEEP_MAX_JOBS : (int)c;
        }
        if (!a->merge && sweep_run_local(sw, jobs, a->force, !a->quiet && isatty(2), n,
                                         err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim %s: %s\n", a->name, err);
            rc = 1;
        }
        long skipped = n->skipped;
        /* Failures were reported as they came, unless merging. */
        if (sweep_write_csv(sw, a->merge != NULL, n, err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim %s: %s\n", a->name, err);
            rc = 1;
        } else {
            if (n->failed || n->missing)
                rc = 1;
            if (!a->quiet) {
                printf("%s: %ld points: %ld ok", a->name, sw->npoints, n->ok);
                if (skipped)
                    printf(" (%ld done before)", skipped);
                printf(", %ld failed", n->failed);
                if (n->missing)
                    printf(", %ld missing", n->missing);
                printf(" -> %s/sweep.csv\n", dir);
            }
        }
    }
    free(dflt);
    return rc;
}

int cli_sweep(int argc, char **argv)
{
    /* --help is answered by tools/aimcsim.c before we get here. */
    sweep_args a;
    int rc = parse_args(argc, argv, &a);
    sweep sw;
    if (rc == 0)
        rc = sweep_build(&a, &sw);
    if (rc) {
        args_free(&a);
        return rc;
    }
    sweep_counts n;
    rc = sweep_execute(&a, &sw, argc, argv, &n);
    sweep_free(&sw);
    args_free(&a);
    return rc;
}
