/*
 * transform.c -- dense and Monarch (block-diagonal) projections: stage block
 * lists, the three permutations, parameter and FLOP counts.
 *
 * Invariant: the blocks of a stage are disjoint and lie inside its in_n x
 * out_n matrix; a Monarch stage has pieces x nb blocks of b x b listed
 * piece-major (block (s, k) at index s nb + k).
 */
#include "workloads/transform.h"

#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

const char *transform_kind_name(int kind)
{
    return kind == TRANSFORM_DENSE ? "dense" : kind == TRANSFORM_MONARCH ? "monarch" : "?";
}

uint32_t transform_default_nblocks(uint32_t n)
{
    uint32_t best = 1;
    for (uint64_t k = 1; k * k <= n; k++)
        if (n % k == 0)
            best = (uint32_t)k;
    return best;
}

/* The two divisors of n nearest sqrt(n), for messages. */
static void near_divisors(uint32_t n, char *buf, size_t len)
{
    uint32_t lo = transform_default_nblocks(n), hi = n / lo;
    if (lo == hi)
        snprintf(buf, len, "e.g. %u", lo);
    else
        snprintf(buf, len, "e.g. %u or %u", lo, hi);
}

uint32_t transform_nblocks(const config *c, uint32_t n, char *err, size_t errlen)
{
    char hint[64];
    near_divisors(n, hint, sizeof hint);
    if (c->transform.nblocks && c->transform.block) {
        config_fail(c, config_later(c, PARAM_transform_nblocks, PARAM_transform_block), err,
                    errlen, "give nblocks or block, not both (nblocks = %lld, block = %lld)",
                    (long long)c->transform.nblocks, (long long)c->transform.block);
        return 0;
    }
    if (c->transform.nblocks) {
        if ((uint64_t)c->transform.nblocks > n || n % (uint64_t)c->transform.nblocks) {
            config_fail(c, PARAM_transform_nblocks, err, errlen,
                        "does not divide d_model = %u (a Monarch factor is d_model x d_model "
                        "in nblocks blocks of d_model / nblocks; %s)", n, hint);
            return 0;
        }
        return (uint32_t)c->transform.nblocks;
    }
    if (c->transform.block) {
        if ((uint64_t)c->transform.block > n || n % (uint64_t)c->transform.block) {
            config_fail(c, PARAM_transform_block, err, errlen,
                        "does not divide d_model = %u (a Monarch factor is d_model x d_model "
                        "in blocks of b x b; %s)", n, hint);
            return 0;
        }
        return n / (uint32_t)c->transform.block;
    }
    return transform_default_nblocks(n);
}

static void stage_alloc(transform_stage *st, uint8_t factor, uint32_t in_n, uint32_t out_n,
                        uint32_t nblocks)
{
    st->factor = factor;
    st->in_n = in_n;
    st->out_n = out_n;
    st->nblocks = nblocks;
    st->block = xcalloc(nblocks, sizeof *st->block);
}

static void make_dense(transform_proj *tp, const model_proj *p)
{
    tp->kind = TRANSFORM_DENSE;
    tp->stack = TRANSFORM_SQUARE;
    tp->pieces = 1;
    tp->nstages = 1;
    stage_alloc(&tp->stage[0], TRANSFORM_W, p->in, p->out, 1);
    tp->stage[0].block[0] = (transform_block){0, p->in, 0, p->out, 0, 0};
    tp->params = tp->params_dense;
}

static void make_monarch(transform_proj *tp, const model_proj *p, uint32_t n, uint32_t nb)
{
    uint32_t b = n / nb;
    tp->kind = TRANSFORM_MONARCH;
    tp->n = n;
    tp->nb = nb;
    tp->b = b;
    tp->nstages = 2;
    if (p->in == n && p->out == n) {
        tp->stack = TRANSFORM_SQUARE;
        tp->pieces = 1;
    } else if (p->in == n) {
        tp->stack = TRANSFORM_TALL;
        tp->pieces = p->out / n;
    } else {
        tp->stack = TRANSFORM_WIDE;
        tp->pieces = p->in / n;
    }
    uint32_t S = tp->pieces, N = S * n;
    int tall = tp->stack != TRANSFORM_WIDE;  /* square counts as tall with one piece */
    transform_stage *R = &tp->stage[0], *L = &tp->stage[1];
    stage_alloc(R, TRANSFORM_R, tall ? n : N, N, S * nb);
    stage_alloc(L, TRANSFORM_L, N, tall ? N : n, S * nb);
    for (uint32_t s = 0; s < S; s++)
        for (uint32_t k = 0; k < nb; k++) {
            uint32_t t = s * nb + k, o = s * n + k * b;
            R->block[t] = (transform_block){tall ? k * b : o, b, o, b, s, k};
            L->block[t] = (transform_block){o, b, tall ? o : k * b, b, s, k};
        }
    tp->params = (uint64_t)S * 2 * nb * b * b;
    tp->perm_n = N;
}

int transform_init(transform *t, const model *m, const config *c, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    uint32_t n = m->d_model;
    /* Validated whatever the kind: the comparison of `aimcsim map` uses
     * them with a dense configuration too. */
    uint32_t nb = transform_nblocks(c, n, err, errlen);
    if (!nb)
        return -1;
    t->kind = (uint8_t)c->transform.kind;
    t->n = n;
    t->nb = nb;
    t->b = n / nb;
    if (t->kind == TRANSFORM_MONARCH && m->d_ff % n)
        return config_fail(c, PARAM_transform_kind, err, errlen,
                           "d_ff = %u is not a multiple of d_model = %u (a rectangular "
                           "projection is a stack of d_model x d_model Monarchs)",
                           m->d_ff, n);
    t->nproj = m->nproj;
    t->proj = xcalloc(m->nproj, sizeof *t->proj);
    for (uint32_t i = 0; i < m->nproj; i++) {
        const model_proj *p = &m->proj[i];
        transform_proj *tp = &t->proj[i];
        tp->params_dense = (uint64_t)p->in * p->out;
        if (t->kind == TRANSFORM_MONARCH && p->kind != MODEL_PROJ_LM_HEAD)
            make_monarch(tp, p, n, nb);
        else
            make_dense(tp, p);
        tp->macs_dense = tp->params_dense;
        tp->macs = tp->params;
        tp->flops_dense = 2 * tp->macs_dense;
        tp->flops = 2 * tp->macs;
        t->params_dense += tp->params_dense;
        t->params += tp->params;
        t->flops_dense += tp->flops_dense;
        t->flops += tp->flops;
    }
    return 0;
}

void transform_free(transform *t)
{
    for (uint32_t i = 0; t->proj && i < t->nproj; i++)
        for (uint32_t s = 0; s < t->proj[i].nstages; s++)
            free(t->proj[i].stage[s].block);
    free(t->proj);
    memset(t, 0, sizeof *t);
}

/* (P v)[i] = v[p_src(i)]: i = j nb + k reads v[k b + j]. */
static uint32_t p_src(const transform_proj *tp, uint32_t i)
{
    return (i % tp->nb) * tp->b + i / tp->nb;
}

/* (P^T v)[i] = v[pt_src(i)]: i = k b + j reads v[j nb + k]. */
static uint32_t pt_src(const transform_proj *tp, uint32_t i)
{
    return (i % tp->b) * tp->nb + i / tp->b;
}

uint32_t transform_in_src(const transform_proj *tp, uint32_t i)
{
    if (tp->kind != TRANSFORM_MONARCH)
        return i;
    uint32_t s = i / tp->n;
    return s * tp->n + p_src(tp, i % tp->n);
}

uint32_t transform_perm_src(const transform_proj *tp, uint32_t i)
{
    if (tp->kind != TRANSFORM_MONARCH)
        return i;
    uint32_t s = i / tp->n;
    return s * tp->n + p_src(tp, i % tp->n);
}

uint32_t transform_out_src(const transform_proj *tp, uint32_t i)
{
    if (tp->kind != TRANSFORM_MONARCH)
        return i;
    uint32_t s = i / tp->n;
    return s * tp->n + pt_src(tp, i % tp->n);
}
