/*
 * cli_hetero.c -- `aimcsim hetero CONFIG.ini --profile FILE [--families
 * LIST] [--max-k N] [--first-last N] [--latency ttft|tpot|total]
 * [--objective latency|energy|area] [--max-sensitivity S] [--set ...]
 * [-j N] [--out DIR] [--force] [--quiet] [--no-plot] [--emit-jobs FILE |
 * --merge DIR]`: the heterogeneous-mapping search (docs/heterogeneous.md).
 *
 * The candidates (workloads/hetero.h) are the points of a sweep of one
 * parameter, [mapping] digital, run by the sweep machinery (sweep_int.h):
 * in parallel, resumable, as a job list for GNU parallel or Slurm, merged.
 * Then pareto.csv (one row per candidate, its proxies computed here, its
 * latency, energy and area copied as text from the point's stats.csv, so
 * each row equals the single `aimcsim run` of its selection), the Pareto
 * front over (sensitivity left on analog, latency, energy, area), the
 * chosen candidate under a sensitivity budget, and the plot
 * (tools/plot_pareto.sh).
 *
 * Invariant: the candidates, hence the points and pareto.csv, are a
 * function of the arguments, the configuration and the profile file.
 */
#define _DEFAULT_SOURCE /* isatty */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "tools/driver.h"
#include "tools/sweep_int.h"
#include "workloads/hetero.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

#define HETERO_FIRST_LAST_DEFAULT 2

enum { LAT_TTFT, LAT_TPOT, LAT_TOTAL };
enum { OBJ_LATENCY, OBJ_ENERGY, OBJ_AREA };
static const char *const lat_stat[] = {"run.ttft_ps", "run.tpot_ps", "run.total_ps"};
static const char *const lat_name[] = {"ttft", "tpot", "total"};
static const char *const obj_name[] = {"latency", "energy", "area"};

typedef struct hetero_args {
    sweep_args sa;            /* the sweep's arguments (sets without mapping.digital) */
    const char **sets;        /* every --set given, in order */
    int nsets;
    const char *profile;
    hetero_opts o;
    int latency, objective;
    double max_sens;          /* NaN: no choice */
    int no_plot;
} hetero_args;

static int parse_uint(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

/* Index of s in names[0..n), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

static int parse_families(const char *s, unsigned *f)
{
    static const char *const names[] = {"top-k", "greedy", "first-last"};
    static const unsigned bits[] = {HETERO_TOPK, HETERO_GREEDY, HETERO_FIRSTLAST};
    *f = 0;
    char item[64];
    int empty;
    for (const char *p = s; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        empty = len == 0 || len >= sizeof item;
        if (empty)
            return -1;
        memcpy(item, p, len);
        item[len] = 0;
        int k = pick(item, names, 3);
        if (k < 0)
            return -1;
        *f |= bits[k];
        p = e ? e + 1 : p + len;
    }
    return *f ? 0 : -1;
}

static int parse_args(int argc, char **argv, hetero_args *h)
{
    memset(h, 0, sizeof *h);
    sweep_args *a = &h->sa;
    a->name = "hetero";
    a->sets = xcalloc((size_t)argc, sizeof *a->sets);
    h->o.families = HETERO_ALL;
    h->o.first_last = HETERO_FIRST_LAST_DEFAULT;
    h->latency = LAT_TOTAL;
    h->objective = OBJ_LATENCY;
    h->max_sens = NAN;
    static const char *const valued[] = {"--profile", "--families", "--max-k", "--first-last",
                                         "--latency", "--objective", "--max-sensitivity"};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        long v;
        if (!strcmp(s, "--no-plot")) {
            h->no_plot = 1;
            continue;
        }
        if (pick(s, valued, (int)(sizeof valued / sizeof valued[0])) < 0) {
            int r = sweep_take_option(a, argc, argv, &i, 0);
            if (r < 0)
                return 2;
            if (r == 0)
                return sweep_usage_err(a->name, "unknown option '%s'", s);
            continue;
        }
        if (i + 1 >= argc)
            return sweep_usage_err(a->name, "%s needs a value", s);
        const char *x = argv[++i];
        if (!strcmp(s, "--profile")) {
            h->profile = x;
        } else if (!strcmp(s, "--families")) {
            if (parse_families(x, &h->o.families) < 0)
                return sweep_usage_err(a->name, "--families %s: expected a comma list of "
                                       "top-k, greedy, first-last", x);
        } else if (!strcmp(s, "--max-k") || !strcmp(s, "--first-last")) {
            if (parse_uint(x, 0, 1000000, &v) < 0)
                return sweep_usage_err(a->name, "%s %s: expected a whole number in [0, "
                                       "1000000]", s, x);
            *(s[2] == 'm' ? &h->o.max_k : &h->o.first_last) = (uint32_t)v;
        } else if (!strcmp(s, "--latency")) {
            if ((h->latency = pick(x, lat_name, 3)) < 0)
                return sweep_usage_err(a->name, "--latency %s: expected ttft, tpot or total", x);
        } else if (!strcmp(s, "--objective")) {
            if ((h->objective = pick(x, obj_name, 3)) < 0)
                return sweep_usage_err(a->name, "--objective %s: expected latency, energy or "
                                       "area", x);
        } else {
            char *end;
            errno = 0;
            h->max_sens = strtod(x, &end);
            if (errno || end == x || *end || !isfinite(h->max_sens))
                return sweep_usage_err(a->name, "--max-sensitivity %s: expected a number", x);
        }
    }
    int rc = sweep_check_args(a);
    if (rc == 0 && !h->profile)
        rc = sweep_usage_err(a->name, "missing --profile FILE (the sensitivity profile that "
                             "ranks the projections)");
    /* Every --set configures the search; the points take them but
     * mapping.digital, which is what they vary. */
    h->sets = xcalloc((size_t)a->nsets + 1, sizeof *h->sets);
    h->nsets = a->nsets;
    memcpy(h->sets, a->sets, (size_t)a->nsets * sizeof *h->sets);
    int k = 0;
    for (int j = 0; j < h->nsets; j++)
        if (strncmp(h->sets[j], "mapping.digital=", 16))
            a->sets[k++] = h->sets[j];
    a->nsets = k;
    return rc;
}

static void args_free(hetero_args *h)
{
    free(h->sets);
    free(h->sa.sets);
    free((void *)h->sa.vary);
    free(h->sa.is_zip);
}

/* ---- the candidates ------------------------------------------------------ */

typedef struct search {
    config cfg;
    model m;
    transform t;
    double *value;            /* the profile's values, NaN where unlisted */
    uint32_t nvalued;         /* listed with a value above zero */
    hetero_cand *cand;
    uint32_t ncand, over;
    int have_m, have_t;
} search;

static void search_free(search *s)
{
    hetero_cands_free(s->cand, s->ncand);
    free(s->value);
    if (s->have_t)
        transform_free(&s->t);
    if (s->have_m)
        model_free(&s->m);
    config_free(&s->cfg);
}

/* Loads the configuration and the profile and makes the candidates.  0,
 * or the exit status (2) after printing the error. */
static int search_build(const hetero_args *h, search *s)
{
    char err[ERR_LEN];
    memset(s, 0, sizeof *s);
    int rc = config_load(&s->cfg, h->sa.cfg_path, err, sizeof err);
    for (int k = 0; k < h->nsets && rc == 0; k++)
        rc = config_set(&s->cfg, h->sets[k], err, sizeof err);
    if (rc == 0)
        rc = driver_config_check(&s->cfg, err, sizeof err);
    const config *c = &s->cfg;
    if (rc == 0 && c->mapping.digital_profile && *c->mapping.digital_profile)
        rc = config_fail(c, PARAM_mapping_digital_profile, err, sizeof err,
                         "aimcsim hetero chooses the digital projections itself, from "
                         "--profile: leave digital_profile and its rules out of the "
                         "configuration ([mapping] digital stays digital in every candidate)");
    if (rc == 0 && (rc = model_init(&s->m, c, err, sizeof err)) == 0)
        s->have_m = 1;
    if (rc == 0 && (rc = transform_init(&s->t, &s->m, c, err, sizeof err)) == 0)
        s->have_t = 1;
    uint8_t *forced = NULL;
    if (rc == 0) {
        forced = xcalloc(s->m.nproj ? s->m.nproj : 1, 1);
        s->value = xcalloc(s->m.nproj ? s->m.nproj : 1, sizeof *s->value);
        rc = mapper_digital_select(&s->m, &s->t, c, NULL, forced, err, sizeof err);
    }
    if (rc == 0)
        rc = mapper_profile_load(&s->m, h->profile, s->value, err, sizeof err);
    if (rc == 0) {
        for (uint32_t i = 0; i < s->m.nproj; i++)
            s->nvalued += !isnan(s->value[i]) && s->value[i] > 0;
        if (s->nvalued == 0)
            rc = errf(err, sizeof err, "%s: no projection has a value above zero (nothing to "
                      "rank)", h->profile);
    }
    if (rc == 0)
        rc = hetero_candidates(&s->m, &s->t, c, s->value, forced, &h->o, &s->cand, &s->ncand,
                               &s->over, err, sizeof err);
    free(forced);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        search_free(s);
        return 2;
    }
    return 0;
}

/* "mapping.digital=" and the candidates' lists, commas and backslashes
 * escaped (docs/sweeps.md). */
static char *vary_arg(const search *s)
{
    size_t len = 32;
    for (uint32_t i = 0; i < s->ncand; i++)
        len += 2 * strlen(s->cand[i].list) + 1;
    char *v = xmalloc(len), *o = v;
    o += sprintf(o, "mapping.digital=");
    for (uint32_t i = 0; i < s->ncand; i++) {
        if (i)
            *o++ = ',';
        for (const char *c = s->cand[i].list; *c; c++) {
            if (*c == ',' || *c == '\\')
                *o++ = '\\';
            *o++ = *c;
        }
    }
    *o = 0;
    return v;
}

/* ---- results ------------------------------------------------------------- */

enum { COL_LAT, COL_ENERGY, COL_AREA, COL_ARRAYS, COL_TTFT, COL_TPOT, COL_TOTAL, NCOLS };
static const char *const col_stat[NCOLS] = {NULL, "energy.total_pj", "area.total_um2",
                                            "map.arrays", "run.ttft_ps", "run.tpot_ps",
                                            "run.total_ps"};

typedef struct row {
    enum sweep_state state;
    char *name;               /* point folder name */
    char *error;              /* first line of a failed point's stderr */
    char *text[NCOLS];        /* statistics as stats.csv has them (NULL: absent) */
    double val[NCOLS];
    uint8_t front, chosen;
} row;

static void read_rows(const sweep *sw, const hetero_args *h, row *r)
{
    for (long p = 0; p < sw->npoints; p++) {
        sweep_point pt;
        sweep_point_make(sw, p, &pt);
        char *st = NULL;
        r[p].state = sweep_point_state(&pt, &st, &r[p].error);
        r[p].name = pt.name;
        pt.name = NULL;
        for (int k = 0; k < NCOLS; k++) {
            const char *name = k == COL_LAT ? lat_stat[h->latency] : col_stat[k];
            size_t n = 0;
            const char *v = st ? sweep_stat_value(st, name, &n) : NULL;
            r[p].text[k] = v ? xasprintf("%.*s", (int)n, v) : NULL;
            r[p].val[k] = v ? strtod(r[p].text[k], NULL) : NAN;
        }
        free(st);
        sweep_point_free(&pt);
    }
}

static void rows_free(row *r, long n)
{
    for (long p = 0; p < n; p++) {
        free(r[p].name);
        free(r[p].error);
        for (int k = 0; k < NCOLS; k++)
            free(r[p].text[k]);
    }
    free(r);
}

/* The front over (sensitivity left on analog, the objective); then the
 * chosen row: within the sensitivity budget, the least objective (ties:
 * fewer digital MACs, then point order).  Returns its index, or -1. */
static long front_and_choice(const search *s, const hetero_args *h, row *r, long n)
{
    static const int obj_col[] = {COL_LAT, COL_ENERGY, COL_AREA};
    int oc = obj_col[h->objective];
    double *v = xcalloc((size_t)n * 2 + 1, sizeof *v);
    for (long p = 0; p < n; p++) {
        int ok = r[p].state == SWEEP_OK;
        v[p * 2] = ok ? s->cand[p].sens_analog : NAN;
        v[p * 2 + 1] = ok ? r[p].val[oc] : NAN;
    }
    uint8_t *front = xcalloc((size_t)n + 1, 1);
    hetero_pareto(v, (uint32_t)n, 2, front);
    long best = -1;
    for (long p = 0; p < n; p++) {
        r[p].front = front[p];
        if (isnan(h->max_sens) || isnan(v[p * 2 + 1]) ||
            s->cand[p].sens_analog > h->max_sens * (1 + 1e-12))
            continue;
        if (best < 0 || v[p * 2 + 1] < v[best * 2 + 1] ||
            (v[p * 2 + 1] == v[best * 2 + 1] && s->cand[p].cost.macs < s->cand[best].cost.macs))
            best = p;
    }
    if (best >= 0)
        r[best].chosen = 1;
    free(front);
    free(v);
    return best;
}

static void put_field(ofile *o, const char *t)
{
    char *q = sweep_csv_quote(t ? t : "", t ? strlen(t) : 0, 0);
    ofile_puts(o, q);
    free(q);
}

static int write_pareto(const sweep *sw, const search *s, const row *r, char *err,
                        size_t errlen)
{
    char *path = xasprintf("%s/pareto.csv", sw->dir);
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, "point,status,families,digital,n_digital,sensitivity_analog,"
                  "digital_mac_share,digital_macs_per_token,digital_weight_bytes,map.arrays,"
                  "run.ttft_ps,run.tpot_ps,run.total_ps,energy.total_pj,area.total_um2,"
                  "pareto,chosen,error\n");
    static const char *const status[] = {"missing", "ok", "failed"};
    for (long p = 0; p < sw->npoints; p++) {
        const hetero_cand *c = &s->cand[p];
        put_field(o, r[p].name);
        ofile_printf(o, ",%s,", status[r[p].state]);
        put_field(o, c->families);
        ofile_puts(o, ",");
        put_field(o, c->list);
        ofile_printf(o, ",%u,%.10g,%.10g,%llu,%llu", c->cost.n, c->sens_analog,
                     (double)c->cost.macs / (double)c->cost.macs_all,
                     (unsigned long long)c->cost.macs,
                     (unsigned long long)c->cost.weight_bytes);
        static const int cols[] = {COL_ARRAYS, COL_TTFT, COL_TPOT, COL_TOTAL, COL_ENERGY,
                                   COL_AREA};
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            ofile_puts(o, ",");
            put_field(o, r[p].text[cols[k]]);
        }
        ofile_printf(o, ",%d,%d,", r[p].front, r[p].chosen);
        if (r[p].error) {
            char *q = sweep_csv_quote(r[p].error, strlen(r[p].error), 1);
            ofile_puts(o, q);
            free(q);
        }
        ofile_puts(o, "\n");
    }
    return ofile_commit(o, err, errlen);
}

static void print_table(const search *s, const hetero_args *h, const row *r, long n)
{
    printf("\n%-6s %-22s %3s %10s %8s %11s %7s %11s %11s %9s  %s\n", "point", "families", "n",
           "sens.left", "dig.MAC%", "dig.wts MB", "arrays", h->latency == LAT_TOTAL ? "total ms"
           : h->latency == LAT_TTFT ? "ttft ms" : "tpot ms", "energy mJ", "area mm2", "pareto");
    for (long p = 0; p < n; p++) {
        const hetero_cand *c = &s->cand[p];
        printf("p%04ld  %-22s %3u %10.3f %8.2f %11.3f", p, c->families, c->cost.n,
               c->sens_analog, 100.0 * (double)c->cost.macs / (double)c->cost.macs_all,
               (double)c->cost.weight_bytes / 1e6);
        if (r[p].state == SWEEP_OK)
            printf(" %7.0f %11.4g %11.4g %9.4g  %s\n", r[p].val[COL_ARRAYS],
                   r[p].val[COL_LAT] / 1e9, r[p].val[COL_ENERGY] / 1e9,
                   r[p].val[COL_AREA] / 1e6, r[p].chosen ? "* chosen" : r[p].front ? "*" : "");
        else
            printf("  %s\n", r[p].state == SWEEP_FAILED ? "failed" : "missing");
    }
}

/* tools/plot_pareto.sh beside the program (build/ or bin/ next to tools/
 * or share/aimcsim/tools/); NULL if neither is there. */
static char *plot_script(const sweep *sw)
{
    const char *slash = strrchr(sw->prog, '/');
    int dl = slash ? (int)(slash - sw->prog) : 0;
    static const char *const rel[] = {"../tools/plot_pareto.sh",
                                      "../share/aimcsim/tools/plot_pareto.sh"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char *p = xasprintf("%.*s/%s", dl, sw->prog, rel[i]);
        if (access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* Draws DIR/pareto.png and .svg; a failure is reported, not fatal (the
 * table is the result). */
static void plot(const sweep *sw, const hetero_args *h)
{
    char *script = plot_script(sw);
    if (!script) {
        fprintf(stderr, "aimcsim hetero: no plot: tools/plot_pareto.sh is not beside the "
                "program (run it by hand: tools/plot_pareto.sh %s/pareto.csv %s/pareto)\n",
                sw->dir, sw->dir);
        return;
    }
    char *cmd = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&cmd, &len);
    if (!f) {
        free(script);
        return;
    }
    fprintf(f, "LATENCY=%s sh ", lat_stat[h->latency]);
    sweep_sh_word(f, script, 1);
    fputc(' ', f);
    char *csv = xasprintf("%s/pareto.csv", sw->dir), *out = xasprintf("%s/pareto", sw->dir);
    sweep_sh_word(f, csv, 1);
    fputc(' ', f);
    sweep_sh_word(f, out, 1);
    if (h->sa.quiet)
        fputs(" >/dev/null", f);
    fclose(f);
    fflush(NULL);
    int st = system(cmd);
    if (st != 0)
        fprintf(stderr, "aimcsim hetero: the plot failed (%s)\n", cmd);
    free(csv);
    free(out);
    free(cmd);
    free(script);
}

int cli_hetero(int argc, char **argv)
{
    hetero_args h;
    int rc = parse_args(argc, argv, &h);
    search s;
    if (rc == 0)
        rc = search_build(&h, &s);
    if (rc) {
        args_free(&h);
        return rc;
    }
    char *vary = vary_arg(&s);
    h.sa.vary = xcalloc(1, sizeof *h.sa.vary);
    h.sa.is_zip = xcalloc(1, sizeof *h.sa.is_zip);
    h.sa.vary[0] = vary;
    h.sa.nvary = 1;
    sweep sw;
    rc = sweep_build(&h.sa, &sw);
    if (rc) {
        free(vary);
        search_free(&s);
        args_free(&h);
        return rc;
    }
    if (!h.sa.quiet)
        printf("hetero: %u candidate%s (%s) for %s from %s: %u projections with a value; %u "
               "over the budgets left out\n", s.ncand, s.ncand == 1 ? "" : "s",
               config_enum_name(PARAM_model_preset, s.cfg.model.preset), h.sa.cfg_path,
               h.profile, s.nvalued, s.over);
    sweep_counts n;
    rc = sweep_execute(&h.sa, &sw, argc, argv, &n);
    if (!h.sa.emit && sw.dir && (rc == 0 || rc == 1)) {
        char err[ERR_LEN];
        row *r = xcalloc((size_t)sw.npoints, sizeof *r);
        read_rows(&sw, &h, r);
        long best = front_and_choice(&s, &h, r, sw.npoints);
        if (write_pareto(&sw, &s, r, err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim hetero: %s\n", err);
            rc = 1;
        } else {
            if (!h.sa.quiet) {
                print_table(&s, &h, r, sw.npoints);
                printf("\npareto: %s/pareto.csv (* non-dominated in sensitivity left and %s%s)"
                       "\n", sw.dir, h.objective == OBJ_LATENCY ? lat_name[h.latency] : "",
                       h.objective == OBJ_LATENCY ? " latency" : obj_name[h.objective]);
            }
            if (!isnan(h.max_sens)) {
                if (best < 0) {
                    fprintf(stderr, "aimcsim hetero: no candidate leaves at most %g on analog\n",
                            h.max_sens);
                    rc = 1;
                } else {
                    if (!h.sa.quiet)
                        printf("chosen: p%04ld (%s), least %s with sensitivity left %.4g <= "
                               "%g:\n", best, s.cand[best].families, obj_name[h.objective],
                               s.cand[best].sens_analog, h.max_sens);
                    printf("  --set mapping.digital=%s\n", s.cand[best].list);
                }
            }
            if (!h.no_plot)
                plot(&sw, &h);
        }
        rows_free(r, sw.npoints);
    }
    free(vary);
    sweep_free(&sw);
    search_free(&s);
    args_free(&h);
    return rc;
}
