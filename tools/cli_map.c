/*
 * cli_map.c -- `aimcsim map CONFIG.ini [--set ...] [--per-projection]
 * [--compare] [--csv FILE] [--json FILE]`: the mapping alone, without
 * simulating.
 *
 * Prints, for the configured model, transform and mapping, one row per
 * projection kind (per projection with --per-projection) and the total:
 * arrays, stored non-zeros, cell utilisation, activations, ADC conversions
 * and resolutions, digital work, parameters and FLOPs per token; under
 * densemap with [mapping] densemap_pack other than greedy, also what that
 * packing saves against greedy (same sharing and rows).  Then the
 * comparison of dense and Monarch, Linear, SparseMap and DenseMap (each
 * sharing mode) for the same model, arrays and overlays; --compare prints
 * the comparison only.  --csv writes the rows printed (per projection and
 * the total; with --compare the comparison rows); --json writes all of it
 * with the provenance.  Files are written whole or not at all.
 *
 * A mapping that needs more arrays than [chip] tiles (when > 0 and without
 * [chip] reprogram) is refused, exit status 2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/chip.h"
#include "sim/json.h"
#include "sim/ofile.h"
#include "sim/stats.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "tools/driver.h"
#include "tools/prov.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

/* ---- aligned text tables ------------------------------------------------ */

#define TMAX_COLS 20
#define TCELL 32

typedef struct table {
    int ncols, nrows, cap;
    int left;                    /* the first `left` columns are left-aligned */
    char (*cell)[TMAX_COLS][TCELL];
} table;

static void t_row(table *t, const char *const *v)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->cell = xrealloc(t->cell, (size_t)t->cap * sizeof *t->cell);
    }
    for (int i = 0; i < t->ncols; i++)
        snprintf(t->cell[t->nrows][i], TCELL, "%s", v[i] ? v[i] : "");
    t->nrows++;
}

static void t_print(const table *t, FILE *f, int rule_before_last)
{
    int w[TMAX_COLS] = {0};
    for (int r = 0; r < t->nrows; r++)
        for (int i = 0; i < t->ncols; i++) {
            int l = (int)strlen(t->cell[r][i]);
            if (l > w[i])
                w[i] = l;
        }
    for (int r = 0; r < t->nrows; r++) {
        if (r == 1 || (rule_before_last && r == t->nrows - 1 && r > 1)) {
            int tot = 0;
            for (int i = 0; i < t->ncols; i++)
                tot += w[i] + (i ? 2 : 0);
            for (int k = 0; k < tot; k++)
                fputc('-', f);
            fputc('\n', f);
        }
        for (int i = 0; i < t->ncols; i++) {
            const char *s = t->cell[r][i];
            if (i < t->left)
                fprintf(f, "%s%-*s", i ? "  " : "", i == t->ncols - 1 ? 0 : w[i], s);
            else
                fprintf(f, "%s%*s", i ? "  " : "", w[i], s);
        }
        fputc('\n', f);
    }
}

/* ---- formatting --------------------------------------------------------- */

static void fmt_u(char *b, uint64_t v) { snprintf(b, TCELL, "%llu", (unsigned long long)v); }

static void fmt_arrays(char *b, double v)
{
    if (fabs(v - floor(v + 0.5)) < 1e-9)
        snprintf(b, TCELL, "%.0f", v);
    else
        snprintf(b, TCELL, "%.2f", v);
}

static void fmt_bits(char *b, const mapper_sum *s)
{
    if (!s->bits_max)
        snprintf(b, TCELL, "-");
    else if (s->bits_min == s->bits_max)
        snprintf(b, TCELL, "%u", s->bits_max);
    else
        snprintf(b, TCELL, "%u-%u", s->bits_min, s->bits_max);
}

static void fmt_m(char *b, uint64_t v) { snprintf(b, TCELL, "%.3f", (double)v / 1e6); }

/* ---- the configured mapping --------------------------------------------- */

enum { C_NAME, C_COUNT, C_DIG, C_ARR, C_UTIL, C_NNZ, C_ACT, C_CONV, C_BITS, C_RED, C_PERM,
       C_DMAC, C_LORA, C_PD, C_P, C_FD, C_F, NCOLS };

static const char *const heads[NCOLS] = {
    "projection", "n", "digital", "arrays", "util%", "stored", "acts/tok", "convs/tok",
    "ADC bits", "red.adds", "permuted", "dig.MACs", "LoRA MACs", "Mparams dense", "Mparams",
    "MFLOP dense", "MFLOP"};

static void sum_row(table *t, const char *name, uint32_t count, uint32_t ndig,
                    const mapper_sum *s)
{
    char c[NCOLS][TCELL];
    const char *v[NCOLS];
    snprintf(c[C_NAME], TCELL, "%s", name);
    fmt_u(c[C_COUNT], count);
    fmt_u(c[C_DIG], ndig);
    fmt_arrays(c[C_ARR], s->arrays_eq);
    if (s->cells > 0)
        snprintf(c[C_UTIL], TCELL, "%.1f", 100.0 * s->util);
    else
        snprintf(c[C_UTIL], TCELL, "-");
    fmt_u(c[C_NNZ], s->nnz);
    fmt_u(c[C_ACT], s->acts);
    fmt_u(c[C_CONV], s->conversions);
    fmt_bits(c[C_BITS], s);
    fmt_u(c[C_RED], s->reduce_adds);
    fmt_u(c[C_PERM], s->perm_elems);
    fmt_u(c[C_DMAC], s->digital_macs);
    fmt_u(c[C_LORA], s->lora_macs);
    fmt_m(c[C_PD], s->params_dense);
    fmt_m(c[C_P], s->params);
    fmt_m(c[C_FD], s->flops_dense);
    fmt_m(c[C_F], s->flops);
    for (int i = 0; i < NCOLS; i++)
        v[i] = c[i];
    t_row(t, v);
}

/* Sums projections into per-kind counts (arrays_eq and cells add; util is
 * recomputed). */
static void acc(mapper_sum *t, const mapper_sum *s)
{
    t->arrays += s->arrays;
    t->arrays_eq += s->arrays_eq;
    t->cells += s->cells;
    mapper_sum_add(t, s);
}

static void print_mapping(const mapper *mp, int per_proj, FILE *f)
{
    const model *m = mp->model;
    table t = {NCOLS, 0, 0, 1, NULL};
    t_row(&t, heads);
    uint32_t ndig_total = 0;
    for (uint32_t p = 0; p < mp->nproj; p++)
        ndig_total += mp->proj[p].exec == MAPPER_DIGITAL;
    if (per_proj) {
        for (uint32_t p = 0; p < mp->nproj; p++)
            sum_row(&t, m->proj[p].name, 1, mp->proj[p].exec == MAPPER_DIGITAL,
                    &mp->proj[p].sum);
    } else {
        for (int k = 0; k < MODEL_PROJ_KINDS; k++) {
            mapper_sum s = {0};
            uint32_t n = 0, nd = 0;
            for (uint32_t p = 0; p < mp->nproj; p++)
                if (m->proj[p].kind == k) {
                    acc(&s, &mp->proj[p].sum);
                    n++;
                    nd += mp->proj[p].exec == MAPPER_DIGITAL;
                }
            if (!n)
                continue;
            s.util = s.cells > 0 ? (double)s.nnz * mp->cpw / s.cells : 0;
            sum_row(&t, model_kind_name(k), n, nd, &s);
        }
    }
    sum_row(&t, "total", mp->nproj, ndig_total, &mp->total);
    t_print(&t, f, 1);
    free(t.cell);
}

/* ---- the comparison ----------------------------------------------------- */

typedef struct variant {
    int kind, strategy, share;   /* share -1: not densemap */
    int ok;
    mapper_sum sum;
    char err[ERR_LEN];
} variant;

#define NVAR 6

static void run_variants(const config *cfg, const model *m, variant *v)
{
    static const int spec[NVAR][3] = {
        {TRANSFORM_DENSE, MAPPER_LINEAR, -1},
        {TRANSFORM_MONARCH, MAPPER_LINEAR, -1},
        {TRANSFORM_MONARCH, MAPPER_SPARSEMAP, -1},
        {TRANSFORM_MONARCH, MAPPER_DENSEMAP, MAPPER_SHARE_FACTOR},
        {TRANSFORM_MONARCH, MAPPER_DENSEMAP, MAPPER_SHARE_PROJECTION},
        {TRANSFORM_MONARCH, MAPPER_DENSEMAP, MAPPER_SHARE_MODEL},
    };
    for (int i = 0; i < NVAR; i++) {
        config c;
        char set[3][64];
        config_copy(&c, cfg);
        v[i] = (variant){spec[i][0], spec[i][1], spec[i][2], 0, {0}, {0}};
        /* As overrides, so that a message names the variant, not the file. */
        snprintf(set[0], sizeof set[0], "transform.kind=%s", transform_kind_name(spec[i][0]));
        snprintf(set[1], sizeof set[1], "mapping.strategy=%s",
                 mapper_get((size_t)spec[i][1])->name);
        snprintf(set[2], sizeof set[2], "mapping.densemap_share=%s",
                 mapper_share_name(spec[i][2] >= 0 ? spec[i][2] : cfg->mapping.densemap_share));
        int bad = 0;
        for (int k = 0; k < 3 && !bad; k++)
            if (k < 2 || spec[i][2] >= 0)
                bad = config_set(&c, set[k], v[i].err, sizeof v[i].err) < 0;
        transform t;
        if (!bad && transform_init(&t, m, &c, v[i].err, sizeof v[i].err) == 0) {
            mapper mp;
            if (mapper_build(&mp, m, &t, &c, v[i].err, sizeof v[i].err) == 0) {
                v[i].ok = 1;
                v[i].sum = mp.total;
                mapper_free(&mp);
            }
            transform_free(&t);
        }
        config_free(&c);
    }
}

static int is_configured(const config *c, const variant *v)
{
    return v->kind == c->transform.kind && v->strategy == c->mapping.strategy &&
           (v->share < 0 || v->share == c->mapping.densemap_share);
}

static const char *share_name(int share)
{
    return share < 0 ? "-" : mapper_share_name(share);
}

static void print_compare(const config *cfg, const variant *v, FILE *f)
{
    enum { V_T, V_M, V_S, V_ARR, V_UTIL, V_P, V_F, V_ACT, V_CONV, V_BITS, V_RED, V_PERM, V_FIT,
           VN };
    static const char *const h[VN] = {
        "transform", "mapping", "share", "arrays", "util%", "Mparams", "MFLOP/tok",
        "acts/tok", "convs/tok", "ADC bits", "red.adds", "permuted", "fits chip"};
    int fit = cfg->chip.tiles > 0;
    table t = {fit ? VN : VN - 1, 0, 0, 3, NULL};
    t_row(&t, h);
    for (int i = 0; i < NVAR; i++) {
        char c[VN][TCELL];
        const char *r[VN];
        snprintf(c[V_T], TCELL, "%s%s", is_configured(cfg, &v[i]) ? "*" : "",
                 transform_kind_name(v[i].kind));
        snprintf(c[V_M], TCELL, "%s", mapper_get((size_t)v[i].strategy)->name);
        snprintf(c[V_S], TCELL, "%s", share_name(v[i].share));
        for (int k = V_ARR; k < VN; k++)
            snprintf(c[k], TCELL, "-");
        if (v[i].ok) {
            const mapper_sum *s = &v[i].sum;
            fmt_u(c[V_ARR], s->arrays);
            snprintf(c[V_UTIL], TCELL, s->cells > 0 ? "%.1f" : "-", 100.0 * s->util);
            fmt_m(c[V_P], s->params);
            fmt_m(c[V_F], s->flops);
            fmt_u(c[V_ACT], s->acts);
            fmt_u(c[V_CONV], s->conversions);
            fmt_bits(c[V_BITS], s);
            fmt_u(c[V_RED], s->reduce_adds);
            fmt_u(c[V_PERM], s->perm_elems);
            snprintf(c[V_FIT], TCELL, "%s", s->arrays <= (uint64_t)cfg->chip.tiles ? "yes" : "no");
        }
        for (int k = 0; k < VN; k++)
            r[k] = c[k];
        t_row(&t, r);
    }
    t_print(&t, f, 0);
    free(t.cell);
    for (int i = 0; i < NVAR; i++)
        if (!v[i].ok)
            fprintf(f, "%s %s %s: %s\n", transform_kind_name(v[i].kind),
                    mapper_get((size_t)v[i].strategy)->name,
                    share_name(v[i].share), v[i].err);
    fprintf(f, "* the configured transform and mapping; all rows with the same model, "
               "arrays, digital projections and LoRA\n");
    if (cfg->mapping.densemap_pack != MAPPER_PACK_GREEDY)
        fprintf(f, "densemap rows packed with [mapping] densemap_pack = %s\n",
                mapper_pack_name(cfg->mapping.densemap_pack));
}

/* ---- CSV and JSON ------------------------------------------------------- */

static const char *csv_head =
    "arrays,arrays_eq,nnz,cells,util,acts,conversions,bits_min,bits_max,reduce_adds,"
    "perm_elems,digital_macs,lora_macs,lora_params,params_dense,params,flops_dense,flops";

static void csv_sum(ofile *o, const mapper_sum *s)
{
    char a[64], c[64], u[64];
    json_real_fmt(a, sizeof a, s->arrays_eq);
    json_real_fmt(c, sizeof c, s->cells);
    json_real_fmt(u, sizeof u, s->util);
    ofile_printf(o, "%llu,%s,%llu,%s,%s,%llu,%llu,%u,%u,"
                    "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu",
                 (unsigned long long)s->arrays, a, (unsigned long long)s->nnz, c, u,
                 (unsigned long long)s->acts, (unsigned long long)s->conversions, s->bits_min,
                 s->bits_max, (unsigned long long)s->reduce_adds,
                 (unsigned long long)s->perm_elems, (unsigned long long)s->digital_macs,
                 (unsigned long long)s->lora_macs, (unsigned long long)s->lora_params,
                 (unsigned long long)s->params_dense, (unsigned long long)s->params,
                 (unsigned long long)s->flops_dense, (unsigned long long)s->flops);
}

static void write_csv(ofile *o, const config *cfg, const mapper *mp, const variant *v,
                      int compare)
{
    if (compare) {
        ofile_printf(o, "transform,strategy,share,configured,%s,error\n", csv_head);
        for (int i = 0; i < NVAR; i++) {
            ofile_printf(o, "%s,%s,%s,%d,", transform_kind_name(v[i].kind),
                         mapper_get((size_t)v[i].strategy)->name,
                         share_name(v[i].share), is_configured(cfg, &v[i]));
            if (v[i].ok) {
                csv_sum(o, &v[i].sum);
                ofile_puts(o, ",\n");
            } else {
                ofile_puts(o, ",,,,,,,,,,,,,,,,,,");
                ofile_csv(o, v[i].err);
                ofile_puts(o, "\n");
            }
        }
        return;
    }
    ofile_printf(o, "projection,layer,kind,in,out,exec,lora,%s\n", csv_head);
    const model *m = mp->model;
    for (uint32_t p = 0; p < mp->nproj; p++) {
        const model_proj *pj = &m->proj[p];
        ofile_csv(o, pj->name);
        ofile_printf(o, ",%d,%s,%u,%u,%s,%d,", (int)pj->layer,
                     model_kind_name(pj->kind), pj->in, pj->out,
                     mp->proj[p].exec == MAPPER_DIGITAL ? "digital" : "analog", mp->proj[p].lora);
        csv_sum(o, &mp->proj[p].sum);
        ofile_puts(o, "\n");
    }
    ofile_puts(o, "total,-1,,,,,0,");
    csv_sum(o, &mp->total);
    ofile_puts(o, "\n");
}

static void json_sum(ofile *o, const mapper_sum *s)
{
    ofile_printf(o, "\"arrays\": %llu, \"arrays_eq\": ", (unsigned long long)s->arrays);
    json_real(o, s->arrays_eq);
    ofile_printf(o, ", \"nnz\": %llu, \"cells\": ", (unsigned long long)s->nnz);
    json_real(o, s->cells);
    ofile_puts(o, ", \"util\": ");
    json_real(o, s->util);
    ofile_printf(o, ", \"acts\": %llu, \"conversions\": %llu, \"bits_min\": %u, \"bits_max\": %u, "
                    "\"reduce_adds\": %llu, \"perm_elems\": %llu, \"digital_macs\": %llu, "
                    "\"lora_macs\": %llu, \"lora_params\": %llu, \"params_dense\": %llu, "
                    "\"params\": %llu, \"flops_dense\": %llu, \"flops\": %llu",
                 (unsigned long long)s->acts, (unsigned long long)s->conversions, s->bits_min,
                 s->bits_max, (unsigned long long)s->reduce_adds,
                 (unsigned long long)s->perm_elems, (unsigned long long)s->digital_macs,
                 (unsigned long long)s->lora_macs, (unsigned long long)s->lora_params,
                 (unsigned long long)s->params_dense, (unsigned long long)s->params,
                 (unsigned long long)s->flops_dense, (unsigned long long)s->flops);
}

static void write_json(ofile *o, const config *cfg, const mapper *mp, const variant *v)
{
    const model *m = mp->model;
    const transform *t = mp->tr;
    stats_prov pv = {.command = cli_command_line(), .cfg = cfg, .revision = prov_revision()};
    ofile_puts(o, "{\n  \"provenance\": ");
    stats_write_provenance(&pv, o);
    ofile_puts(o, ",\n  \"config\": ");
    stats_write_config(cfg, o);
    prov_model_member(m, o);
    ofile_puts(o, ",\n  \"mapping\": {\"transform\": ");
    json_str(o, transform_kind_name(t->kind));
    ofile_printf(o, ", \"nblocks\": %u, \"block\": %u, \"strategy\": ", t->nb, t->b);
    json_str(o, mp->ops->name);
    ofile_puts(o, ", \"densemap_share\": ");
    json_str(o, mapper_share_name(cfg->mapping.densemap_share));
    ofile_puts(o, ", \"densemap_pack\": ");
    json_str(o, mapper_pack_name(cfg->mapping.densemap_pack));
    ofile_printf(o, ", \"rows\": %u, \"cols\": %u, \"columns_per_weight\": %u}", mp->rows,
                 mp->cols, mp->cpw);
    ofile_puts(o, ",\n  \"projections\": [");
    for (uint32_t p = 0; p < mp->nproj; p++) {
        const model_proj *pj = &m->proj[p];
        ofile_puts(o, p ? ",\n    {\"name\": " : "\n    {\"name\": ");
        json_str(o, pj->name);
        ofile_printf(o, ", \"layer\": %d, \"kind\": ", (int)pj->layer);
        json_str(o, model_kind_name(pj->kind));
        ofile_printf(o, ", \"in\": %u, \"out\": %u, \"exec\": \"%s\", \"lora\": %s, "
                        "\"stages\": %u, ",
                     pj->in, pj->out, mp->proj[p].exec == MAPPER_DIGITAL ? "digital" : "analog",
                     mp->proj[p].lora ? "true" : "false", mp->proj[p].nstages);
        json_sum(o, &mp->proj[p].sum);
        ofile_puts(o, "}");
    }
    ofile_puts(o, "\n  ],\n  \"total\": {");
    json_sum(o, &mp->total);
    ofile_puts(o, "},\n  \"compare\": [");
    for (int i = 0; i < NVAR; i++) {
        ofile_puts(o, i ? ",\n    {\"transform\": " : "\n    {\"transform\": ");
        json_str(o, transform_kind_name(v[i].kind));
        ofile_puts(o, ", \"strategy\": ");
        json_str(o, mapper_get((size_t)v[i].strategy)->name);
        ofile_puts(o, ", \"share\": ");
        json_str(o, share_name(v[i].share));
        ofile_printf(o, ", \"configured\": %s, ", is_configured(cfg, &v[i]) ? "true" : "false");
        if (v[i].ok) {
            json_sum(o, &v[i].sum);
        } else {
            ofile_puts(o, "\"error\": ");
            json_str(o, v[i].err);
        }
        ofile_puts(o, "}");
    }
    ofile_puts(o, "\n  ]\n}\n");
}

/* Writes path whole (through a temporary file); 0 or -1 with a message. */
static int write_file(const char *path, const config *cfg, const mapper *mp, const variant *v,
                      int compare, int json, char *err, size_t errlen)
{
    ofile *o = ofile_open(path, 6, err, errlen);
    if (!o)
        return -1;
    if (json)
        write_json(o, cfg, mp, v);
    else
        write_csv(o, cfg, mp, v, compare);
    return ofile_commit(o, err, errlen);
}

/* The model, transform and mapping; greedy: the packing against greedy
 * (against_greedy), or NULL. */
static void print_header(const config *c, const mapper *mp, char (*greedy)[96], FILE *f)
{
    const model *m = mp->model;
    const transform *t = mp->tr;
    fprintf(f, "model      %s: %u layers, d_model %u, %u heads, d_ff %u, vocab %u, context %u, "
               "%s, LM head %s; %u projections\n",
            model_preset_name(m->preset), m->layers, m->d_model, m->heads,
            m->d_ff, m->vocab, m->context_tokens, m->causal ? "causal" : "bidirectional",
            model_lm_head_name(m->lm_head), m->nproj);
    if (t->kind == TRANSFORM_MONARCH)
        fprintf(f, "transform  monarch: n = %u, nblocks = %u, b = %u (LM head dense)\n", t->n,
                t->nb, t->b);
    else
        fprintf(f, "transform  dense\n");
    fprintf(f, "mapping    %s", mp->ops->name);
    if (c->mapping.strategy == MAPPER_DENSEMAP)
        fprintf(f, " (share %s, pack %s, %u rows per activation)",
                mapper_share_name(c->mapping.densemap_share),
                mapper_pack_name(c->mapping.densemap_pack),
                c->mapping.densemap_rows ? (unsigned)c->mapping.densemap_rows : t->b);
    fprintf(f, " on %u x %u arrays, %u column%s per weight; ADC bits %s\n", mp->rows, mp->cols,
            mp->cpw, mp->cpw == 1 ? "" : "s",
            c->adc.derive_bits ? "derived from the rows summed" : "fixed");
    if (c->lora.rank)
        fprintf(f, "lora       rank %lld on %s\n", (long long)c->lora.rank, c->lora.targets);
    fprintf(f, "arrays     %u (cell utilisation %.1f%%)\n", mp->narrays, 100.0 * mp->total.util);
    if (greedy)
        fprintf(f, "packing    %s against greedy: acts/tok %s, convs/tok %s, red.adds %s, "
                   "arrays %s\n",
                mapper_pack_name(c->mapping.densemap_pack), greedy[0], greedy[1], greedy[2],
                greedy[3]);
    fprintf(f, "\n");
}

/* "x (greedy g, -d%)": a packing's count against greedy's. */
static void fmt_against(char *b, size_t n, uint64_t x, uint64_t g)
{
    if (g)
        snprintf(b, n, "%llu (greedy %llu, %+.1f%%)", (unsigned long long)x,
                 (unsigned long long)g, 100.0 * ((double)x - (double)g) / (double)g);
    else
        snprintf(b, n, "%llu (greedy %llu)", (unsigned long long)x, (unsigned long long)g);
}

/* Fills greedy[0..3] with the configured mapping's activations,
 * conversions, reduction additions and arrays against those of greedy
 * packing; 0 if the mapping is not densemap with another packing (or
 * greedy cannot be built). */
static int against_greedy(const config *cfg, const model *m, const transform *t,
                          const mapper *mp, char greedy[4][96])
{
    if (cfg->mapping.strategy != MAPPER_DENSEMAP ||
        cfg->mapping.densemap_pack == MAPPER_PACK_GREEDY)
        return 0;
    config c;
    char err[ERR_LEN];
    mapper g;
    config_copy(&c, cfg);
    int ok = config_set(&c, "mapping.densemap_pack=greedy", err, sizeof err) == 0 &&
             mapper_build(&g, m, t, &c, err, sizeof err) == 0;
    config_free(&c);
    if (!ok)
        return 0;
    fmt_against(greedy[0], 96, mp->total.acts, g.total.acts);
    fmt_against(greedy[1], 96, mp->total.conversions, g.total.conversions);
    fmt_against(greedy[2], 96, mp->total.reduce_adds, g.total.reduce_adds);
    fmt_against(greedy[3], 96, mp->narrays, g.narrays);
    mapper_free(&g);
    return 1;
}

int cli_map(int argc, char **argv)
{
    int per_proj = 0, compare = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--set") || !strcmp(argv[i], "--csv") || !strcmp(argv[i], "--json"))
            i++;
        else if (!strcmp(argv[i], "--per-projection"))
            per_proj = 1;
        else if (!strcmp(argv[i], "--compare"))
            compare = 1;
    }
    cli_opts o;
    int rc = cli_load(argc, argv, "map", "set,csv,json,per-projection,compare", 0, &o);
    if (rc)
        return rc;
    char err[ERR_LEN];
    const config *c = &o.cfg;
    model m;
    transform t;
    mapper mp;
    if (model_init(&m, c, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        cli_opts_free(&o);
        return 2;
    }
    if (transform_init(&t, &m, c, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        model_free(&m);
        cli_opts_free(&o);
        return 2;
    }
    if (mapper_build(&mp, &m, &t, c, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        transform_free(&t);
        model_free(&m);
        cli_opts_free(&o);
        return 2;
    }
    rc = 0;
    if (c->chip.tiles > 0 && mp.narrays > (uint64_t)c->chip.tiles && !c->chip.reprogram) {
        config_fail(c, PARAM_chip_tiles, err, sizeof err,
                    "the mapping needs %u arrays (%s, %s), the chip has %lld (raise it, set "
                    "it to 0 for as many as needed, or set [chip] reprogram = true)",
                    mp.narrays, mp.ops->name, model_preset_name(m.preset),
                    (long long)c->chip.tiles);
        fprintf(stderr, "%s\n", err);
        rc = 2;
    }
    if (rc == 0 && driver_check_mapping(c, &m, &t, &mp, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        rc = 2;
    }
    variant v[NVAR];
    if (rc == 0) {
        run_variants(c, &m, v);
        if (!compare) {
            char greedy[4][96];
            print_header(c, &mp, against_greedy(c, &m, &t, &mp, greedy) ? greedy : NULL,
                         stdout);
            if (c->chip.tiles > 0 && mp.narrays > (uint64_t)c->chip.tiles)
                printf("note: %u arrays on %lld tiles: arrays are reprogrammed ([chip] "
                       "reprogram)\n\n", mp.narrays, (long long)c->chip.tiles);
            print_mapping(&mp, per_proj, stdout);
            printf("\n");
            /* The chip this mapping needs: its area without simulating. */
            chip *ch = chip_create(c, mp.narrays, NULL, err, sizeof err);
            if (ch) {
                chip_print_area(ch, stdout);
                printf("\n");
                chip_free(ch);
            }
        }
        print_compare(c, v, stdout);
        if (o.csv && write_file(o.csv, c, &mp, v, compare, 0, err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim map: %s\n", err);
            rc = 1;
        }
        if (rc == 0 && o.json && write_file(o.json, c, &mp, v, compare, 1, err, sizeof err) < 0) {
            fprintf(stderr, "aimcsim map: %s\n", err);
            rc = 1;
        }
    }
    mapper_free(&mp);
    transform_free(&t);
    model_free(&m);
    cli_opts_free(&o);
    return rc;
}
