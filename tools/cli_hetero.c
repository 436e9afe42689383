/*
 * cli_hetero.c -- `aimcsim hetero CONFIG.ini --profile FILE [--families
 * LIST] [--max-k N] [--first-last N] [--latency ttft|tpot|total]
 * [--objective latency|energy|area] [--max-sensitivity S] [--weights FILE
 * --tokens FILE [--start N] [--len N] [--context N]] [--accuracy
 * sensitivity|ppl] [--max-ppl P] [--set ...] [-j N] [--out DIR] [--force]
 * [--quiet] [--no-plot] [--emit-jobs FILE | --merge DIR]`: the
 * heterogeneous-mapping search (docs/heterogeneous.md).
 *
 * The candidates (workloads/hetero.h) are the points of a sweep of one
 * parameter, [mapping] digital, run by the sweep machinery (sweep_int.h):
 * in parallel, resumable, as a job list for GNU parallel or Slurm, merged.
 * Then pareto.csv (one row per candidate, its proxies computed here, its
 * latency, energy and area copied as text from the point's stats.csv, so
 * each row equals the single `aimcsim run` of its selection), the Pareto
 * front over (sensitivity left on analog, latency, energy, area), the
 * chosen candidate under a sensitivity budget, and the plot
 * (tools/plot_pareto.sh).  With --weights, each point that ran ok also
 * gets its whole-model perplexity, measured here, in this process, as
 * `aimcsim profile --whole` measures it (one accuracy loaded once, its
 * mapping rebuilt per candidate: accuracy_set_mapping) and kept in the
 * point's ppl.txt, read back while the files, window and configuration
 * are those it was measured on; the front's accuracy axis may be that
 * perplexity (--accuracy ppl) and the choice may have a perplexity budget.
 *
 * Invariant: the candidates, hence the points and pareto.csv, are a
 * function of the arguments, the configuration, the profile file and,
 * with --weights, the checkpoint and token files: not of -j, nor of
 * whether a perplexity was measured now or read back.
 */
#define _DEFAULT_SOURCE /* isatty, realpath; sysconf(_SC_NPROCESSORS_ONLN) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "tools/driver.h"
#include "tools/sweep_int.h"
#include "workloads/accuracy.h"
#include "workloads/hetero.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

#define HETERO_FIRST_LAST_DEFAULT 2

enum { LAT_TTFT, LAT_TPOT, LAT_TOTAL };
enum { OBJ_LATENCY, OBJ_ENERGY, OBJ_AREA };
enum { ACC_SENSITIVITY, ACC_PPL };
static const char *const lat_stat[] = {"run.ttft_ps", "run.tpot_ps", "run.total_ps"};
static const char *const lat_name[] = {"ttft", "tpot", "total"};
static const char *const obj_name[] = {"latency", "energy", "area"};
static const char *const acc_name[] = {"sensitivity", "ppl"};

typedef struct hetero_args {
    sweep_args sa;            /* the sweep's arguments (sets without mapping.digital) */
    const char **sets;        /* every --set given, in order */
    int nsets;
    const char *profile;
    hetero_opts o;
    int latency, objective;
    int accuracy;             /* the front's accuracy axis: ACC_* */
    double max_sens;          /* NaN: no budget */
    double max_ppl;           /* NaN: no budget */
    accuracy_opts acc;        /* --weights etc.; acc.weights NULL: no perplexities */
    int no_plot;
} hetero_args;

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
    h->max_ppl = NAN;
    static const char *const valued[] = {"--profile", "--families", "--max-k", "--first-last",
                                         "--latency", "--objective", "--max-sensitivity",
                                         "--accuracy", "--max-ppl"};
    int acc_window = 0;       /* --start, --len or --context given */
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        long v;
        if (!strcmp(s, "--no-plot")) {
            h->no_plot = 1;
            continue;
        }
        char aerr[ERR_LEN];
        int r = cli_accuracy_option(argc, argv, &i, &h->acc, aerr, sizeof aerr);
        if (r < 0)
            return sweep_usage_err(a->name, "%s", aerr);
        if (r > 0) {
            acc_window |= strcmp(s, "--weights") && strcmp(s, "--tokens");
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
            if (cli_parse_long(x, 0, 1000000, &v) < 0)
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
        } else if (!strcmp(s, "--accuracy")) {
            if ((h->accuracy = pick(x, acc_name, 2)) < 0)
                return sweep_usage_err(a->name, "--accuracy %s: expected sensitivity or ppl", x);
        } else {
            int ppl = !strcmp(s, "--max-ppl");
            double *b = ppl ? &h->max_ppl : &h->max_sens;
            char *end;
            errno = 0;
            *b = strtod(x, &end);
            if (errno || end == x || *end || !isfinite(*b))
                return sweep_usage_err(a->name, "%s %s: expected a number", s, x);
        }
    }
    int rc = sweep_check_args(a);
    if (rc == 0 && !h->profile)
        rc = sweep_usage_err(a->name, "missing --profile FILE (the sensitivity profile that "
                             "ranks the projections)");
    if (rc == 0 && !h->acc.weights != !h->acc.tokens)
        rc = sweep_usage_err(a->name, "%s without %s: the perplexities need both the "
                             "checkpoint and the token file", h->acc.weights ? "--weights FILE"
                             : "--tokens FILE", h->acc.weights ? "--tokens FILE"
                             : "--weights FILE");
    if (rc == 0 && !h->acc.weights && acc_window)
        rc = sweep_usage_err(a->name, "--start, --len and --context choose the window of the "
                             "perplexities: they need --weights FILE and --tokens FILE");
    if (rc == 0 && !h->acc.weights && (h->accuracy == ACC_PPL || !isnan(h->max_ppl)))
        rc = sweep_usage_err(a->name, "%s needs --weights FILE and --tokens FILE (the "
                             "perplexity is measured)", h->accuracy == ACC_PPL ?
                             "--accuracy ppl" : "--max-ppl");
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

/* A candidate's whole-model perplexity (accuracy_whole): over the noise
 * draws, the mean and the standard deviation of the perplexity, and the
 * noise-free model's (the same for every candidate). */
typedef struct ppl_val {
    double mean, sd, clean;
} ppl_val;

typedef struct row {
    enum sweep_state state;
    ppl_val ppl;              /* NaN: not measured (no --weights, or the point not ok) */
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
        r[p].ppl = (ppl_val){NAN, NAN, NAN};
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

/* ---- perplexities --------------------------------------------------------- */

/* The configuration of candidate list as its point, and `aimcsim profile
 * CONFIG --set ... --set mapping.digital=LIST`, load it.  0, or -1 with a
 * message; c is freed by the caller either way. */
static int cand_config(const hetero_args *h, const char *list, config *c, char *err,
                       size_t errlen)
{
    memset(c, 0, sizeof *c);
    int rc = config_load(c, h->sa.cfg_path, err, errlen);
    for (int k = 0; k < h->sa.nsets && rc == 0; k++)
        rc = config_set(c, h->sa.sets[k], err, errlen);
    char *d = xasprintf("mapping.digital=%s", list);
    if (rc == 0)
        rc = config_set(c, d, err, errlen);
    free(d);
    if (rc == 0)
        rc = driver_config_check(c, err, errlen);
    return rc;
}

/* Loads the checkpoint and the token file for candidate 0's configuration
 * (the base): every file, window and model error before anything runs.
 * 0, or the exit status (2) after printing the error. */
static int measure_init(const hetero_args *h, const search *s, accuracy *a)
{
    char err[ERR_LEN];
    config c;
    int rc = cand_config(h, s->cand[0].list, &c, err, sizeof err);
    accuracy_opts o = h->acc;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = h->sa.jobs > 0 ? (uint32_t)h->sa.jobs : cpus > 0 ? (uint32_t)cpus : 1;
    if (o.threads > 256)
        o.threads = 256;
    if (!h->sa.quiet && s->cfg.run.progress && isatty(fileno(stderr)))
        o.progress = stderr;   /* "whole model: i/n passes", per candidate */
    if (rc == 0)
        rc = accuracy_init(a, &c, &o, err, sizeof err);
    config_free(&c);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    return 0;
}

/* "PATH (N bytes)" of a file, its absolute path when it resolves. */
static char *file_id(const char *path)
{
    char *abs = realpath(path, NULL);
    struct stat st;
    long long n = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    char *id = xasprintf("%s (%lld bytes)", abs ? abs : path, n);
    free(abs);
    return id;
}

/* What a cached perplexity was measured on: the files, the window and the
 * candidate's configuration (its hash). */
static char *ppl_key(const accuracy *a, const config *c)
{
    char *w = file_id(a->o.weights), *t = file_id(a->o.tokens);
    char *k = xasprintf("weights %s; tokens %s; positions %u..%u in sequences of %u; config "
                        "%016llx", w, t, a->start, a->start + a->len - 1, a->chunk,
                        (unsigned long long)config_hash(c));
    free(w);
    free(t);
    return k;
}

/* 1 and *v if the file at path was written for key; else 0. */
static int ppl_cached(const char *path, const char *key, ppl_val *v)
{
    char *t = sweep_slurp(path, NULL);
    if (!t)
        return 0;
    int ok = 0;
    const char *k = strstr(t, "\nkey ");
    size_t n = strlen(key);
    ppl_val x;
    if (k && !strncmp(k + 5, key, n) && k[5 + n] == '\n') {
        const char *l = strstr(k + 5 + n, "\nppl ");
        ok = l && sscanf(l + 5, "%lf %lf %lf", &x.mean, &x.sd, &x.clean) == 3;
    }
    if (ok)
        *v = x;
    free(t);
    return ok;
}

static int ppl_write(const char *path, const char *key, const ppl_val *v, uint32_t draws,
                     char *err, size_t errlen)
{
    ofile *o = ofile_open(path, 1, err, errlen);
    if (!o)
        return -1;
    ofile_printf(o, "# aimcsim hetero: the whole-model perplexity of this point's selection "
                    "(aimcsim profile --whole), %u noise draws: mean, standard deviation, "
                    "noise-free\n", draws);
    ofile_printf(o, "key %s\n", key);
    ofile_printf(o, "ppl %.17g %.17g %.17g\n", v->mean, v->sd, v->clean);
    return ofile_commit(o, err, errlen);
}

/* Measures (or, unless --force, reads from DIR/points/NAME/ppl.txt) the
 * perplexity of every point that ran ok, into r[p].ppl.  Returns the exit
 * status: 0, or 1 when one could not be measured or written (said on
 * stderr, the row left without). */
static int measure(const sweep *sw, const search *s, const hetero_args *h, accuracy *a,
                   row *r)
{
    char err[ERR_LEN];
    int rc = 0;
    long measured = 0, cached = 0;
    for (long p = 0; p < sw->npoints; p++) {
        if (r[p].state != SWEEP_OK)
            continue;
        config c;
        int e = cand_config(h, s->cand[p].list, &c, err, sizeof err);
        char *key = e == 0 ? ppl_key(a, &c) : NULL;
        char *path = xasprintf("%s/points/%s/ppl.txt", sw->dir, r[p].name);
        if (e == 0 && !h->sa.force && ppl_cached(path, key, &r[p].ppl)) {
            cached++;
        } else if (e == 0 && (e = accuracy_set_mapping(a, &c, err, sizeof err)) == 0) {
            accuracy_result res;
            if ((e = accuracy_whole(a, &res, err, sizeof err)) == 0) {
                ppl_val v;
                accuracy_ppl(&res, 0, &v.mean, &v.sd);
                v.clean = exp(res.nll_clean);
                e = ppl_write(path, key, &v, res.draws, err, sizeof err);
                if (e == 0)
                    r[p].ppl = v;
                measured++;
                accuracy_result_free(&res);
            }
        }
        if (e) {
            fprintf(stderr, "aimcsim hetero: %s: perplexity: %s\n", r[p].name, err);
            rc = 1;
        }
        free(path);
        free(key);
        config_free(&c);
    }
    if (!h->sa.quiet)
        printf("hetero: perplexity of %ld candidate%s measured, %ld from ppl.txt; %s, positions "
               "%u..%u\n", measured, measured == 1 ? "" : "s", cached, h->acc.tokens, a->start,
               a->start + a->len - 1);
    return rc;
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

/* 1 if x is over budget b (NaN: none); a NaN x is over any budget. */
static int over(double x, double b)
{
    return !isnan(b) && (isnan(x) || x > b * (1 + 1e-12));
}

/* The front over (accuracy: the sensitivity left on analog or the
 * perplexity, the objective); then the chosen row: within the budgets
 * (sensitivity, perplexity), the least objective (ties: fewer digital
 * MACs, then point order).  Returns its index, or -1. */
static long front_and_choice(const search *s, const hetero_args *h, row *r, long n)
{
    static const int obj_col[] = {COL_LAT, COL_ENERGY, COL_AREA};
    int oc = obj_col[h->objective];
    double *v = xcalloc((size_t)n * 2 + 1, sizeof *v);
    for (long p = 0; p < n; p++) {
        int ok = r[p].state == SWEEP_OK;
        v[p * 2] = !ok ? NAN : h->accuracy == ACC_PPL ? r[p].ppl.mean : s->cand[p].sens_analog;
        v[p * 2 + 1] = ok ? r[p].val[oc] : NAN;
    }
    uint8_t *front = xcalloc((size_t)n + 1, 1);
    hetero_pareto(v, (uint32_t)n, 2, front);
    long best = -1;
    for (long p = 0; p < n; p++) {
        r[p].front = front[p];
        if ((isnan(h->max_sens) && isnan(h->max_ppl)) || isnan(v[p * 2 + 1]) ||
            over(s->cand[p].sens_analog, h->max_sens) || over(r[p].ppl.mean, h->max_ppl))
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

static int write_pareto(const sweep *sw, const search *s, const hetero_args *h, const row *r,
                        char *err, size_t errlen)
{
    char *path = xasprintf("%s/pareto.csv", sw->dir);
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, "point,status,families,digital,n_digital,sensitivity_analog,"
                  "digital_mac_share,digital_macs_per_token,digital_weight_bytes,map.arrays,"
                  "run.ttft_ps,run.tpot_ps,run.total_ps,energy.total_pj,area.total_um2,");
    if (h->acc.weights)
        ofile_puts(o, "ppl,ppl_sd,ppl_noise_free,");
    ofile_puts(o, "pareto,chosen,error\n");
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
        /* as `aimcsim profile --whole --csv` writes ppl_mean and ppl_sd */
        const double *pv[] = {&r[p].ppl.mean, &r[p].ppl.sd, &r[p].ppl.clean};
        for (int k = 0; h->acc.weights && k < 3; k++)
            if (isnan(*pv[k]))
                ofile_puts(o, ",");
            else
                ofile_printf(o, ",%.6g", *pv[k]);
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
    printf("\n%-6s %-22s %3s %10s %8s %11s %7s %11s %11s %9s", "point", "families", "n",
           "sens.left", "dig.MAC%", "dig.wts MB", "arrays", h->latency == LAT_TOTAL ? "total ms"
           : h->latency == LAT_TTFT ? "ttft ms" : "tpot ms", "energy mJ", "area mm2");
    if (h->acc.weights)
        printf(" %8s", "ppl");
    printf("  pareto\n");
    for (long p = 0; p < n; p++) {
        const hetero_cand *c = &s->cand[p];
        printf("p%04ld  %-22s %3u %10.3f %8.2f %11.3f", p, c->families, c->cost.n,
               c->sens_analog, 100.0 * (double)c->cost.macs / (double)c->cost.macs_all,
               (double)c->cost.weight_bytes / 1e6);
        if (r[p].state == SWEEP_OK) {
            printf(" %7.0f %11.4g %11.4g %9.4g", r[p].val[COL_ARRAYS], r[p].val[COL_LAT] / 1e9,
                   r[p].val[COL_ENERGY] / 1e9, r[p].val[COL_AREA] / 1e6);
            if (h->acc.weights)
                printf(" %8.4g", r[p].ppl.mean);
            printf("  %s\n", r[p].chosen ? "* chosen" : r[p].front ? "*" : "");
        } else {
            printf("  %s\n", r[p].state == SWEEP_FAILED ? "failed" : "missing");
        }
    }
}

/* The chosen candidate under the budgets as a --set line; -1 after saying
 * on stderr that no candidate is within them. */
static int print_choice(const search *s, const hetero_args *h, const row *r, long best)
{
    int sb = !isnan(h->max_sens), pb = !isnan(h->max_ppl);
    if (best < 0) {
        fprintf(stderr, "aimcsim hetero: no candidate ");
        if (sb)
            fprintf(stderr, "leaves at most %g on analog%s", h->max_sens, pb ? " with " : "");
        if (pb)
            fprintf(stderr, "%sa perplexity of at most %g", sb ? "" : "has ", h->max_ppl);
        fprintf(stderr, "\n");
        return -1;
    }
    if (!h->sa.quiet) {
        printf("chosen: p%04ld (%s), least %s with ", best, s->cand[best].families,
               obj_name[h->objective]);
        if (sb)
            printf("sensitivity left %.4g <= %g%s", s->cand[best].sens_analog, h->max_sens,
                   pb ? " and " : "");
        if (pb)
            printf("perplexity %.6g <= %g", r[best].ppl.mean, h->max_ppl);
        printf(":\n");
    }
    printf("  --set mapping.digital=%s\n", s->cand[best].list);
    return 0;
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
    fprintf(f, "LATENCY=%s%s sh ", lat_stat[h->latency],
            h->accuracy == ACC_PPL ? " ACCURACY=ppl" : "");
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
    accuracy acc;
    if (h.acc.weights && (rc = measure_init(&h, &s, &acc)) != 0) {
        free(vary);
        sweep_free(&sw);
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
        if (h.acc.weights && measure(&sw, &s, &h, &acc, r) && rc == 0)
            rc = 1;
        long best = front_and_choice(&s, &h, r, sw.npoints);
        if (write_pareto(&sw, &s, &h, r, err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim hetero: %s\n", err);
            rc = 1;
        } else {
            if (!h.sa.quiet) {
                print_table(&s, &h, r, sw.npoints);
                printf("\npareto: %s/pareto.csv (* non-dominated in %s and %s%s)\n", sw.dir,
                       h.accuracy == ACC_PPL ? "perplexity" : "sensitivity left",
                       h.objective == OBJ_LATENCY ? lat_name[h.latency] : "",
                       h.objective == OBJ_LATENCY ? " latency" : obj_name[h.objective]);
            }
            if (!isnan(h.max_sens) || !isnan(h.max_ppl))
                rc = print_choice(&s, &h, r, best) ? 1 : rc;
            if (!h.no_plot)
                plot(&sw, &h);
        }
        rows_free(r, sw.npoints);
    }
    if (h.acc.weights)
        accuracy_free(&acc);
    free(vary);
    sweep_free(&sw);
    search_free(&s);
    args_free(&h);
    return rc;
}
