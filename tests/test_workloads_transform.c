/*
 * test_workloads_transform.c -- dense and Monarch transforms: default block
 * counts, the stage block lists (disjoint, covering exactly the factors),
 * parameters and FLOPs before and after against closed forms, the three
 * permutations against an independent reshape-transpose, and the errors
 * (exact messages).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "workloads/model.h"
#include "workloads/transform.h"

static char err[ERR_LEN];

/* Loads INI text as "t.ini" on the defaults and checks it (tests/testutil.h). */
static int load(config *c, const char *text) { return tu_config(c, text, err, sizeof err); }

static void build(model *m, transform *t, const char *text)
{
    config c;
    cr_assert_eq(load(&c, text), 0, "%s", err);
    cr_assert_eq(model_init(m, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(t, m, &c, err, sizeof err), 0, "%s", err);
    config_free(&c);
}

static void expect_error(const char *text, const char *msg)
{
    config c;
    cr_expect_neq(load(&c, text), 0, "accepted: %s", text);
    cr_expect_str_eq(err, msg);
    config_free(&c);
}

Test(workloads_transform, default_nblocks)
{
    cr_expect_eq(transform_default_nblocks(1024), 32);
    cr_expect_eq(transform_default_nblocks(768), 24);   /* b = 32 */
    cr_expect_eq(transform_default_nblocks(1280), 32);  /* b = 40 */
    cr_expect_eq(transform_default_nblocks(1600), 40);
    cr_expect_eq(transform_default_nblocks(64), 8);
    cr_expect_eq(transform_default_nblocks(13), 1);     /* a prime: one block */
    cr_expect_str_eq(transform_kind_name(TRANSFORM_MONARCH),
                     config_enum_name(PARAM_transform_kind, TRANSFORM_MONARCH));
    cr_expect_str_eq(transform_kind_name(TRANSFORM_DENSE),
                     config_enum_name(PARAM_transform_kind, TRANSFORM_DENSE));
}

Test(workloads_transform, dense_is_one_block)
{
    model m;
    transform t;
    build(&m, &t, "");
    for (uint32_t i = 0; i < m.nproj; i++) {
        const transform_proj *tp = &t.proj[i];
        cr_expect_eq(tp->nstages, 1);
        cr_expect_eq(tp->stage[0].nblocks, 1);
        cr_expect_eq(tp->stage[0].in_n, m.proj[i].in);
        cr_expect_eq(tp->stage[0].out_n, m.proj[i].out);
        cr_expect_eq(tp->params, (uint64_t)m.proj[i].in * m.proj[i].out);
        cr_expect_eq(tp->flops, 2 * tp->params);
        cr_expect_eq(transform_in_src(tp, 5), 5);
    }
    cr_expect_eq(t.params, model_proj_macs(&m));
    transform_free(&t);
    model_free(&m);
}

/* Per block: params 2 nb b^2 per piece; GPT-2 medium, b = 32:
 * per layer (3 + 1 + 4 + 4) x 2 x 1024 x 32; the LM head stays dense. */
Test(workloads_transform, monarch_counts_gpt2_medium)
{
    model m;
    transform t;
    build(&m, &t, "[model]\npreset = gpt2-medium\n[transform]\nkind = monarch\n");
    cr_expect_eq(t.nb, 32);
    cr_expect_eq(t.b, 32);
    uint64_t per_layer = 12ULL * 2 * 1024 * 32;
    uint64_t head = 1024ULL * 50257;
    cr_expect_eq(t.params, 24 * per_layer + head);
    cr_expect_eq(t.params_dense, model_proj_macs(&m));
    cr_expect_eq(t.flops, 2 * t.params);
    cr_expect_eq(t.flops_dense, 2 * t.params_dense);
    const transform_proj *qkv = &t.proj[0], *o = &t.proj[1], *fc = &t.proj[2], *fo = &t.proj[3];
    cr_expect_eq(qkv->stack, TRANSFORM_TALL);
    cr_expect_eq(qkv->pieces, 3);
    cr_expect_eq(o->stack, TRANSFORM_SQUARE);
    cr_expect_eq(fc->pieces, 4);
    cr_expect_eq(fo->stack, TRANSFORM_WIDE);
    cr_expect_eq(fo->perm_n, 4096);
    cr_expect_eq(qkv->stage[0].in_n, 1024);
    cr_expect_eq(qkv->stage[0].out_n, 3072);
    cr_expect_eq(fo->stage[1].in_n, 4096);
    cr_expect_eq(fo->stage[1].out_n, 1024);
    cr_expect_eq(t.proj[m.nproj - 1].kind, TRANSFORM_DENSE);
    transform_free(&t);
    model_free(&m);
}

/* Every stage: blocks b x b, inside the matrix, pairwise disjoint; each
 * (piece, index) once; every output column covered by pieces blocks (wide
 * L) or one. */
Test(workloads_transform, monarch_blocks_tile_the_factors)
{
    model m;
    transform t;
    build(&m, &t, "[model]\npreset = custom\nlayers = 1\nd_model = 24\nheads = 2\nd_ff = 96\n"
                  "vocab = 10\ncontext_tokens = 4\n[transform]\nkind = monarch\nnblocks = 4\n");
    for (uint32_t p = 0; p < 4; p++) {
        const transform_proj *tp = &t.proj[p];
        for (uint32_t s = 0; s < 2; s++) {
            const transform_stage *st = &tp->stage[s];
            cr_assert_eq(st->nblocks, tp->pieces * 4);
            uint8_t *cell = calloc((size_t)st->in_n * st->out_n, 1);
            uint8_t *seen = calloc(st->nblocks, 1);
            for (uint32_t k = 0; k < st->nblocks; k++) {
                const transform_block *b = &st->block[k];
                cr_assert_eq(b->in_len, 6);
                cr_assert_eq(b->out_len, 6);
                cr_assert_leq(b->in_off + b->in_len, st->in_n);
                cr_assert_leq(b->out_off + b->out_len, st->out_n);
                cr_expect_eq(seen[b->piece * 4 + b->index], 0);
                seen[b->piece * 4 + b->index] = 1;
                for (uint32_t i = 0; i < 6; i++)
                    for (uint32_t j = 0; j < 6; j++) {
                        uint8_t *x = &cell[(size_t)(b->in_off + i) * st->out_n + b->out_off + j];
                        cr_expect_eq(*x, 0, "overlap in %s stage %u", m.proj[p].name, s);
                        *x = 1;
                    }
            }
            uint64_t filled = 0;
            for (size_t i = 0; i < (size_t)st->in_n * st->out_n; i++)
                filled += cell[i];
            cr_expect_eq(filled, (uint64_t)tp->pieces * 4 * 36);
            free(cell);
            free(seen);
        }
    }
    transform_free(&t);
    model_free(&m);
}

/* P (reshape nb x b, transpose) computed with a 2-D array; P^T its inverse;
 * P = P^T when nb = b. */
static void ref_p(const double *v, double *out, uint32_t nb, uint32_t b)
{
    double (*V)[b] = (double (*)[b])v;   /* V[k][j] = v[k b + j] */
    for (uint32_t j = 0; j < b; j++)
        for (uint32_t k = 0; k < nb; k++)
            out[j * nb + k] = V[k][j];
}

Test(workloads_transform, permutations)
{
    static const uint32_t nbs[][2] = {{4, 4}, {3, 8}, {8, 3}, {1, 12}, {12, 1}};
    for (size_t c = 0; c < sizeof nbs / sizeof nbs[0]; c++) {
        uint32_t nb = nbs[c][0], b = nbs[c][1], n = nb * b;
        transform_proj tp = {0};
        tp.kind = TRANSFORM_MONARCH;
        tp.n = n;
        tp.nb = nb;
        tp.b = b;
        tp.pieces = 2;
        double v[2 * 96], ref[96], inv[96];
        for (uint32_t i = 0; i < 2 * n; i++)
            v[i] = (double)(i * 7 + 3);
        for (uint32_t s = 0; s < 2; s++) {
            ref_p(v + s * n, ref, nb, b);
            for (uint32_t i = 0; i < n; i++) {
                cr_expect_eq(v[transform_in_src(&tp, s * n + i)], ref[i]);
                cr_expect_eq(v[transform_perm_src(&tp, s * n + i)], ref[i]);
            }
            /* out_src is the inverse: P^T (P v) = v */
            for (uint32_t i = 0; i < n; i++)
                inv[i] = ref[transform_out_src(&tp, s * n + i) - s * n];
            for (uint32_t i = 0; i < n; i++)
                cr_expect_eq(inv[i], v[s * n + i], "nb %u b %u", nb, b);
        }
        if (nb == b)
            for (uint32_t i = 0; i < n; i++)
                cr_expect_eq(transform_in_src(&tp, i), transform_out_src(&tp, i));
    }
}

Test(workloads_transform, block_and_nblocks_agree)
{
    model m;
    transform t;
    build(&m, &t, "[transform]\nkind = monarch\nblock = 48\n");
    cr_expect_eq(t.nb, 16);
    cr_expect_eq(t.b, 48);
    cr_expect_eq(t.proj[0].stage[0].block[0].in_len, 48);
    transform_free(&t);
    model_free(&m);
}

Test(workloads_transform, errors)
{
    expect_error("[transform]\nkind = monarch\nnblocks = 7\n",
                 "t.ini:3: [transform] nblocks = 7: does not divide d_model = 768 (a Monarch "
                 "factor is d_model x d_model in nblocks blocks of d_model / nblocks; e.g. 24 "
                 "or 32)");
    expect_error("[transform]\nkind = monarch\nblock = 30\n",
                 "t.ini:3: [transform] block = 30: does not divide d_model = 768 (a Monarch "
                 "factor is d_model x d_model in blocks of b x b; e.g. 24 or 32)");
    expect_error("[transform]\nnblocks = 24\nblock = 32\n",
                 "t.ini:3: [transform] block = 32: give nblocks or block, not both "
                 "(nblocks = 24, block = 32)");
    expect_error("[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 4\nd_ff = 200\n"
                 "vocab = 10\ncontext_tokens = 8\n[transform]\nkind = monarch\n",
                 "t.ini:10: [transform] kind = monarch: d_ff = 200 is not a multiple of "
                 "d_model = 64 (a rectangular projection is a stack of d_model x d_model "
                 "Monarchs)");
}
