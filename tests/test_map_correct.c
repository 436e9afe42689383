/*
 * test_map_correct.c -- every mapping computes the right thing.
 *
 * For small models, random dense matrices and random Monarch factor blocks
 * are generated independently of the transform; the stage matrices are
 * then filled from the transform's block lists, written into array cells
 * as the mapping's placements say (no cell written twice), and the
 * mapping's activations are evaluated numerically: drive the listed rows
 * with their input segments, read the listed columns, add them into the
 * listed output segments, apply the permutation between R and L and the
 * folded output permutation.  The result must equal W x, or P^T L P R P x
 * computed from the factors with an independent reshape-transpose, for
 * every projection.  Along the way: no converted column sums more placed
 * weights than rows_summed, the ADC resolution is ceil(log2 rows_summed),
 * the reduction counts match the contributions, and each array's steps
 * are 0, 1, ... in order.
 *
 * Cases cover each strategy; (n, b, m) with b dividing m and not,
 * rectangular arrays, bit-sliced weights (2 columns per weight), tall and
 * wide Monarch stacks and the dense LM head, every densemap packing mode
 * with every sharing mode, rows per activation b, 1, 2, 3 (not dividing
 * b), ADC bits derived and fixed, and groups or output bundles that need
 * more than CMD_MAX_RANGES ranges.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/driver.h"
#include "sim/config.h"
#include "sim/util.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

static char err[ERR_LEN];

static double rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* Independent reshape-transpose: v as nb x b, transposed. */
static void ref_p(const double *v, double *out, uint32_t nb, uint32_t b)
{
    for (uint32_t k = 0; k < nb; k++)
        for (uint32_t j = 0; j < b; j++)
            out[j * nb + k] = v[k * b + j];
}

/* Its inverse: v as b x nb, transposed. */
static void ref_pt(const double *v, double *out, uint32_t nb, uint32_t b)
{
    for (uint32_t j = 0; j < b; j++)
        for (uint32_t k = 0; k < nb; k++)
            out[k * b + j] = v[j * nb + k];
}

/* Block-diagonal product: o[k b + j] = sum_i F[k][i][j] u[k b + i]. */
static void ref_bd(const double *F, const double *u, double *o, uint32_t nb, uint32_t b)
{
    for (uint32_t k = 0; k < nb; k++)
        for (uint32_t j = 0; j < b; j++) {
            double s = 0;
            for (uint32_t i = 0; i < b; i++)
                s += F[((size_t)k * b + i) * b + j] * u[k * b + i];
            o[k * b + j] = s;
        }
}

/* The weights of one projection and its stage matrices. */
struct pw {
    double *W;              /* dense: in x out */
    double *R, *L;          /* monarch: pieces x nb x b x b each */
    double *S[2];           /* stage matrices in_n x out_n */
};

static void make_weights(const transform_proj *tp, const model_proj *pj, struct pw *w,
                         uint64_t *seed)
{
    memset(w, 0, sizeof *w);
    if (tp->kind == TRANSFORM_DENSE) {
        size_t n = (size_t)pj->in * pj->out;
        w->W = malloc(n * sizeof *w->W);
        for (size_t i = 0; i < n; i++)
            w->W[i] = rnd(seed);
        w->S[0] = malloc(n * sizeof *w->W);
        memcpy(w->S[0], w->W, n * sizeof *w->W);
        return;
    }
    size_t nf = (size_t)tp->pieces * tp->nb * tp->b * tp->b;
    w->R = malloc(nf * sizeof *w->R);
    w->L = malloc(nf * sizeof *w->L);
    for (size_t i = 0; i < nf; i++) {
        w->R[i] = rnd(seed);
        w->L[i] = rnd(seed);
    }
    for (uint32_t s = 0; s < 2; s++) {
        const transform_stage *st = &tp->stage[s];
        const double *F = s == 0 ? w->R : w->L;
        w->S[s] = calloc((size_t)st->in_n * st->out_n, sizeof *w->S[s]);
        for (uint32_t t = 0; t < st->nblocks; t++) {
            const transform_block *blk = &st->block[t];
            const double *B = F + ((size_t)blk->piece * tp->nb + blk->index) * tp->b * tp->b;
            for (uint32_t i = 0; i < tp->b; i++)
                for (uint32_t j = 0; j < tp->b; j++)
                    w->S[s][(size_t)(blk->in_off + i) * st->out_n + blk->out_off + j] =
                        B[i * tp->b + j];
        }
    }
}

static void free_weights(struct pw *w)
{
    free(w->W);
    free(w->R);
    free(w->L);
    free(w->S[0]);
    free(w->S[1]);
}

/* y = W x or the Monarch stack, from the weights alone. */
static void reference(const transform_proj *tp, const model_proj *pj, const struct pw *w,
                      const double *x, double *y)
{
    if (tp->kind == TRANSFORM_DENSE) {
        for (uint32_t j = 0; j < pj->out; j++) {
            double s = 0;
            for (uint32_t i = 0; i < pj->in; i++)
                s += w->W[(size_t)i * pj->out + j] * x[i];
            y[j] = s;
        }
        return;
    }
    uint32_t n = tp->n, nb = tp->nb, b = tp->b;
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *t = malloc(n * sizeof *t);
    int wide = tp->stack == TRANSFORM_WIDE;
    if (wide)
        memset(y, 0, n * sizeof *y);
    for (uint32_t s = 0; s < tp->pieces; s++) {
        const double *xs = wide ? x + (size_t)s * n : x;
        size_t off = (size_t)s * nb * b * b;
        ref_p(xs, u, nb, b);
        ref_bd(w->R + off, u, v, nb, b);
        ref_p(v, u, nb, b);
        ref_bd(w->L + off, u, v, nb, b);
        ref_pt(v, t, nb, b);
        for (uint32_t i = 0; i < n; i++) {
            if (wide)
                y[i] += t[i];
            else
                y[(size_t)s * n + i] = t[i];
        }
    }
    free(u);
    free(v);
    free(t);
}

struct cells {
    uint32_t A, R, C;
    double *val;
    int32_t *owner;         /* projection x 2 + stage, or -1 */
};

#define CELL(c, a, r, k) ((size_t)(a) * (c)->R * (c)->C + (size_t)(r) * (c)->C + (k))

/* Writes every placement of stage s of projection p into the cells. */
static void lay_out(struct cells *c, const mapper *mp, uint32_t p, uint32_t s, const double *S,
                    const transform_stage *ts, uint64_t *placed)
{
    const mapper_stage *st = &mp->proj[p].stage[s];
    for (uint32_t k = 0; k < st->nplace; k++) {
        const mapper_place *pl = &st->place[k];
        cr_assert_lt(pl->array, c->A);
        cr_assert_leq(pl->row + pl->h, c->R);
        cr_assert_leq(pl->col + pl->w * mp->cpw, c->C);
        cr_assert_leq(pl->in_off + pl->h, ts->in_n);
        cr_assert_leq(pl->out_off + pl->w, ts->out_n);
        for (uint32_t i = 0; i < pl->h; i++)
            for (uint32_t j = 0; j < pl->w; j++) {
                double v = S[(size_t)(pl->in_off + i) * ts->out_n + pl->out_off + j];
                for (uint32_t q = 0; q < mp->cpw; q++) {
                    size_t x = CELL(c, pl->array, pl->row + i, pl->col + j * mp->cpw + q);
                    cr_assert_eq(c->owner[x], -1, "cell written twice (array %u)", pl->array);
                    c->owner[x] = (int32_t)(2 * p + s);
                    c->val[x] = q == 0 ? v : 0.0;  /* the slices of a weight: one holds it */
                }
                (*placed)++;
            }
    }
}

/* Evaluates stage s of projection p on input u into o (out_n); the ADC
 * resolution must be ceil(log2 rows_summed) when derived, else [adc] bits. */
static void run_stage(const struct cells *c, const mapper *mp, const config *cfg, uint32_t p,
                      uint32_t s, const double *u, double *o)
{
    const mapper_stage *st = &mp->proj[p].stage[s];
    const transform_stage *ts = st->ts;
    uint32_t *cnt = calloc(ts->out_n, sizeof *cnt);
    memset(o, 0, ts->out_n * sizeof *o);
    for (uint32_t k = 0; k < st->nact; k++) {
        const mapper_act *a = &st->act[k];
        cr_assert_lt(a->array, c->A);
        if (k)
            cr_assert(a->array > st->act[k - 1].array ||
                      (a->array == st->act[k - 1].array && a->step > st->act[k - 1].step),
                      "activations not sorted by (array, step)");
        cr_assert_gt(a->rows.nranges, 0);
        cr_assert_gt(a->cols.nranges, 0);
        uint32_t want_bits = 1;
        while ((1u << want_bits) < a->rows_summed)
            want_bits++;
        if (!cfg->adc.derive_bits)
            want_bits = (uint32_t)cfg->adc.bits;
        cr_expect_eq(a->bits, want_bits, "rows_summed %u", a->rows_summed);
        for (int ci = 0; ci < a->cols.nranges; ci++) {
            uint32_t lo = a->cols.r[ci].lo, n = a->cols.r[ci].n;
            cr_assert_eq(n % mp->cpw, 0);
            for (uint32_t col = lo; col < lo + n; col++) {
                double sum = 0;
                uint32_t summed = 0;
                for (int ri = 0; ri < a->rows.nranges; ri++) {
                    uint32_t rlo = a->rows.r[ri].lo;
                    for (uint32_t row = rlo; row < rlo + a->rows.r[ri].n; row++) {
                        size_t x = CELL(c, a->array, row, col);
                        if (c->owner[x] < 0)
                            continue;
                        summed++;
                        sum += c->val[x] * u[a->in_off[ri] + row - rlo];
                    }
                }
                cr_assert_leq(summed, a->rows_summed, "column sums %u placed weights", summed);
                uint32_t e = a->out_off[ci] + (col - lo) / mp->cpw;
                cr_assert_lt(e, ts->out_n);
                o[e] += sum;
                if ((col - lo) % mp->cpw == 0)
                    cnt[e]++;
            }
        }
    }
    uint32_t kmax = 0;
    uint64_t adds = 0;
    for (uint32_t e = 0; e < ts->out_n; e++) {
        cr_assert_gt(cnt[e], 0, "output %u never produced", e);
        if (cnt[e] > kmax)
            kmax = cnt[e];
        adds += cnt[e] - 1;
    }
    cr_expect_eq(st->reduce_k, kmax);
    cr_expect_eq(st->reduce_adds, adds);
    free(cnt);
}

static void check_mapping(const char *ini)
{
    config cfg;
    config_defaults(&cfg);
    cfg.path = xstrdup("t.ini");
    cr_assert_eq(config_load_string(&cfg, "t.ini", ini, err, sizeof err), 0, "%s", err);
    cr_assert_eq(driver_config_check(&cfg, err, sizeof err), 0, "%s", err);
    model m;
    transform t;
    mapper mp;
    cr_assert_eq(model_init(&m, &cfg, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(&t, &m, &cfg, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mapper_build(&mp, &m, &t, &cfg, err, sizeof err), 0, "%s", err);

    struct cells c = {mp.narrays, mp.rows, mp.cols, NULL, NULL};
    size_t ncell = (size_t)c.A * c.R * c.C;
    c.val = calloc(ncell ? ncell : 1, sizeof *c.val);
    c.owner = malloc((ncell ? ncell : 1) * sizeof *c.owner);
    memset(c.owner, 0xff, (ncell ? ncell : 1) * sizeof *c.owner);
    uint64_t seed = 12345;
    struct pw *w = calloc(m.nproj, sizeof *w);
    uint64_t placed = 0, stage_cells = 0, nnz = 0;
    for (uint32_t p = 0; p < m.nproj; p++) {
        make_weights(&t.proj[p], &m.proj[p], &w[p], &seed);
        for (uint32_t s = 0; s < t.proj[p].nstages; s++) {
            lay_out(&c, &mp, p, s, w[p].S[s], &t.proj[p].stage[s], &placed);
            if (mp.proj[p].exec == MAPPER_ANALOG)
                stage_cells += (uint64_t)t.proj[p].stage[s].in_n * t.proj[p].stage[s].out_n;
        }
        if (mp.proj[p].exec == MAPPER_ANALOG) {
            nnz += t.proj[p].params;
        } else {
            cr_expect_eq(mp.proj[p].stage[0].nact, 0);
            cr_expect_eq(mp.proj[p].stage[0].nplace, 0);
            cr_expect_eq(mp.proj[p].sum.digital_macs, t.proj[p].macs);
        }
    }
    cr_expect_eq(mp.total.nnz, nnz);
    if (cfg.mapping.strategy == MAPPER_LINEAR)
        cr_expect_eq(placed, stage_cells, "linear places every cell of each stage matrix");
    else
        cr_expect_eq(placed, nnz, "block mappings place exactly the non-zeros");

    /* Steps: per array 0, 1, ... over all stages. */
    uint32_t *nsteps = calloc(c.A ? c.A : 1, sizeof *nsteps);
    uint64_t *stepsum = calloc(c.A ? c.A : 1, sizeof *stepsum);
    for (uint32_t p = 0; p < m.nproj; p++)
        for (uint32_t s = 0; s < mp.proj[p].nstages; s++)
            for (uint32_t k = 0; k < mp.proj[p].stage[s].nact; k++) {
                const mapper_act *a = &mp.proj[p].stage[s].act[k];
                nsteps[a->array]++;
                stepsum[a->array] += a->step;
            }
    for (uint32_t a = 0; a < c.A; a++) {
        cr_expect_gt(nsteps[a], 0, "array %u never activated", a);
        cr_expect_eq(stepsum[a], (uint64_t)nsteps[a] * (nsteps[a] - 1) / 2, "array %u steps", a);
    }
    free(nsteps);
    free(stepsum);

    for (uint32_t p = 0; p < m.nproj; p++) {
        if (mp.proj[p].exec != MAPPER_ANALOG)
            continue;
        const transform_proj *tp = &t.proj[p];
        const model_proj *pj = &m.proj[p];
        double *x = malloc(pj->in * sizeof *x), *y = malloc(pj->out * sizeof *y);
        double *ref = malloc(pj->out * sizeof *ref);
        for (uint32_t i = 0; i < pj->in; i++)
            x[i] = rnd(&seed);
        reference(tp, pj, &w[p], x, ref);
        /* stage input: the folded input permutation */
        double *u = malloc(tp->stage[0].in_n * sizeof *u);
        for (uint32_t i = 0; i < tp->stage[0].in_n; i++)
            u[i] = x[transform_in_src(tp, i)];
        double *o = NULL;
        for (uint32_t s = 0; s < tp->nstages; s++) {
            const mapper_stage *st = &mp.proj[p].stage[s];
            o = malloc(st->ts->out_n * sizeof *o);
            run_stage(&c, &mp, &cfg, p, s, u, o);
            free(u);
            u = o;
            if (st->perm_n) {
                cr_assert_eq(st->perm_n, st->ts->out_n);
                u = malloc(st->perm_n * sizeof *u);
                for (uint32_t i = 0; i < st->perm_n; i++)
                    u[i] = o[transform_perm_src(tp, i)];
                free(o);
            }
        }
        for (uint32_t i = 0; i < pj->out; i++)
            y[i] = u[transform_out_src(tp, i)];
        for (uint32_t i = 0; i < pj->out; i++)
            cr_assert(fabs(y[i] - ref[i]) <= 1e-9 * (1 + fabs(ref[i])),
                      "%s: y[%u] = %.12g, want %.12g", pj->name, i, y[i], ref[i]);
        free(u);
        free(x);
        free(y);
        free(ref);
    }
    for (uint32_t p = 0; p < m.nproj; p++)
        free_weights(&w[p]);
    free(w);
    free(c.val);
    free(c.owner);
    mapper_free(&mp);
    transform_free(&t);
    model_free(&m);
    config_free(&cfg);
}

/* A one- or two-layer custom model with an LM head, n = d_model; ADC bits
 * derived from the rows summed, or fixed at 4 with `fixed`. */
static void check_bits(const char *model, const char *tile, const char *rest, int fixed)
{
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[model]\npreset = custom\n%s\n[tile]\n%s\n[adc]\ncount = 1\nderive_bits = %s\n"
             "bits = 4\nbits_min = 1\nbits_max = 16\n%s\n",
             model, tile, fixed ? "false" : "true", rest);
    check_mapping(ini);
}

static void check(const char *model, const char *tile, const char *rest)
{
    check_bits(model, tile, rest, 0);
}

#define M16 "layers = 2\nd_model = 16\nheads = 2\nd_ff = 64\nvocab = 40\ncontext_tokens = 8"
#define M36 "layers = 1\nd_model = 36\nheads = 3\nd_ff = 72\nvocab = 20\ncontext_tokens = 8"
#define M64 "layers = 1\nd_model = 64\nheads = 4\nd_ff = 256\nvocab = 50\ncontext_tokens = 8"
/* GPT-2-like: d_ff = 4 d_model, so c_attn stacks 3 pieces, c_fc and mlp.c_proj 4. */
#define M48 "layers = 2\nd_model = 48\nheads = 4\nd_ff = 192\nvocab = 30\ncontext_tokens = 8"
/* n = 2 with b = 1 and 18 pieces: one group of 18 blocks spans 9 pieces. */
#define M2 "layers = 1\nd_model = 2\nheads = 1\nd_ff = 36\nvocab = 3\ncontext_tokens = 8"

Test(map_correct, linear_dense)
{
    check(M16, "rows = 8\ncols = 8", "");
    check(M16, "rows = 5\ncols = 7", "");
    /* 2 columns per weight */
    check(M36, "rows = 16\ncols = 10\nweight_bits = 8\ncell_bits = 4", "");
    check(M16, "rows = 8\ncols = 8", "[mapping]\ndigital = h0.attn.c_proj,lm_head\n");
}

Test(map_correct, linear_monarch)
{
    check(M16, "rows = 8\ncols = 8", "[transform]\nkind = monarch\nnblocks = 4\n");
    check(M36, "rows = 7\ncols = 11", "[transform]\nkind = monarch\nnblocks = 6\n");
    check(M64, "rows = 32\ncols = 32\nweight_bits = 8\ncell_bits = 4",
          "[transform]\nkind = monarch\nnblocks = 8\n");
}

static const struct {
    const char *model, *tile, *nblocks;
    int b;
    int sr, sc;             /* block slots per array: rows, columns */
} cases[] = {
    {M16, "rows = 8\ncols = 8", "nblocks = 4", 4, 2, 2},    /* n 16, b 4, m 8: 2 per array */
    {M16, "rows = 8\ncols = 8", "nblocks = 2", 8, 1, 1},    /* b = m: 1 per array */
    {M36, "rows = 16\ncols = 16", "nblocks = 6", 6, 2, 2},  /* b 6 does not divide m 16 */
    {M64, "rows = 32\ncols = 32", "nblocks = 8", 8, 4, 4},  /* b 8, m 32: 4 per array */
    {M16, "rows = 16\ncols = 24", "nblocks = 4", 4, 4, 6},  /* rectangular array */
    {M64, "rows = 24\ncols = 40", "nblocks = 8", 8, 3, 5},  /* 3 x 5 slots */
    {M64, "rows = 40\ncols = 24", "nblocks = 8", 8, 5, 3},  /* 5 x 3 slots */
    {M36, "rows = 16\ncols = 26\nweight_bits = 8\ncell_bits = 4", "nblocks = 6", 6, 2, 2},
    {M2, "rows = 18\ncols = 18", "nblocks = 2", 1, 18, 18}, /* b 1: > 8 ranges per group */
    {M48, "rows = 32\ncols = 32", "nblocks = 6", 8, 4, 4},  /* GPT-2-like, 4 x 4 slots */
    {M48, "rows = 40\ncols = 40", "nblocks = 4", 12, 3, 3}, /* b 12 does not divide 40 */
    {M48, "rows = 40\ncols = 64", "nblocks = 4", 12, 3, 5}, /* ... nor 64: 3 x 5 slots */
    {M48, "rows = 64\ncols = 40", "nblocks = 4", 12, 5, 3}, /* 5 x 3 slots */
};
#define NCASES (sizeof cases / sizeof cases[0])

Test(map_correct, sparsemap)
{
    for (size_t i = 0; i < NCASES; i++) {
        char rest[256];
        snprintf(rest, sizeof rest,
                 "[transform]\nkind = monarch\n%s\n[mapping]\nstrategy = sparsemap\n",
                 cases[i].nblocks);
        check(cases[i].model, cases[i].tile, rest);
    }
    check(M16, "rows = 8\ncols = 8",
          "[transform]\nkind = monarch\nnblocks = 4\n[mapping]\nstrategy = sparsemap\n"
          "digital = h1.mlp.c_fc\n");
}

/* Every case, every packing mode, every sharing mode, rows per activation
 * 0 (= b), 1, 2, 3 (those within b); ADC bits derived for 0 and 2, fixed
 * for 1 and 3.  A packing whose line holds one block (input: one block
 * per row, output: one per column) must be refused instead. */
Test(map_correct, densemap_every_pack_share_and_rows)
{
    static const char *const share[] = {"factor", "projection", "model"};
    static const char *const pack[] = {"greedy", "input", "output"};
    for (size_t i = 0; i < NCASES; i++)
        for (int pk = 0; pk < 3; pk++) {
            if ((pk == 1 && cases[i].sc < 2) || (pk == 2 && cases[i].sr < 2)) {
                char ini[512];
                snprintf(ini, sizeof ini,
                         "[model]\npreset = custom\n%s\n[tile]\n%s\n[adc]\ncount = 1\n[transform]\n"
                         "kind = monarch\n%s\n[mapping]\nstrategy = densemap\n"
                         "densemap_pack = %s\n",
                         cases[i].model, cases[i].tile, cases[i].nblocks, pack[pk]);
                config cfg;
                config_defaults(&cfg);
                cr_assert_eq(config_load_string(&cfg, "t.ini", ini, err, sizeof err), 0);
                cr_expect_neq(driver_config_check(&cfg, err, sizeof err), 0, "case %zu %s", i,
                              pack[pk]);
                cr_expect(strstr(err, "] densemap_pack = ") && strstr(err, "holds one block"), "%s",
                          err);
                config_free(&cfg);
                continue;
            }
            for (int sh = 0; sh < 3; sh++)
                for (int rows = 0; rows <= 3 && rows <= cases[i].b; rows++) {
                    char rest[256];
                    snprintf(rest, sizeof rest,
                             "[transform]\nkind = monarch\n%s\n[mapping]\nstrategy = densemap\n"
                             "densemap_share = %s\ndensemap_pack = %s\ndensemap_rows = %d\n",
                             cases[i].nblocks, share[sh], pack[pk], rows);
                    check_bits(cases[i].model, cases[i].tile, rest, rows % 2);
                }
        }
    for (int pk = 0; pk < 3; pk++) {
        char rest[256];
        snprintf(rest, sizeof rest,
                 "[transform]\nkind = monarch\nnblocks = 4\n[mapping]\nstrategy = densemap\n"
                 "densemap_share = model\ndensemap_pack = %s\ndigital = h0.mlp.c_fc\n",
                 pack[pk]);
        check(M16, "rows = 8\ncols = 8", rest);
    }
}

/* A densemap activation sums rows_summed = rho rows (3 bits at rho = 8):
 * the seed paper's 8 / 5 / 3 bits for Linear, SparseMap, DenseMap with
 * b = 32 on 256 x 256 arrays. */
Test(map_correct, paper_resolutions)
{
    static const char *const strat[3] = {"linear", "sparsemap", "densemap"};
    const unsigned want[3] = {8, 5, 3};
    for (int s = 0; s < 3; s++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[model]\npreset = gpt2-medium\nlm_head = none\n[adc]\nderive_bits = true\n"
                 "[transform]\nkind = %s\n[mapping]\nstrategy = %s\ndensemap_rows = 8\n",
                 s ? "monarch" : "dense", strat[s]);
        config cfg;
        config_defaults(&cfg);
        cr_assert_eq(config_load_string(&cfg, "t.ini", ini, err, sizeof err), 0, "%s", err);
        cr_assert_eq(driver_config_check(&cfg, err, sizeof err), 0, "%s", err);
        model m;
        transform t;
        mapper mp;
        cr_assert_eq(model_init(&m, &cfg, err, sizeof err), 0, "%s", err);
        cr_assert_eq(transform_init(&t, &m, &cfg, err, sizeof err), 0, "%s", err);
        cr_assert_eq(mapper_build(&mp, &m, &t, &cfg, err, sizeof err), 0, "%s", err);
        cr_expect_eq(mp.total.bits_min, want[s], "%s", strat[s]);
        cr_expect_eq(mp.total.bits_max, want[s], "%s", strat[s]);
        mapper_free(&mp);
        transform_free(&t);
        model_free(&m);
        config_free(&cfg);
    }
}
