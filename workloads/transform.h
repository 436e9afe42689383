/*
 * transform.h -- what each weight projection becomes before it is mapped:
 * one dense matrix ([transform] kind = dense) or block-diagonal Monarch
 * factors (kind = monarch; Dao et al., ICML 2022; the seed paper's D2S).
 *
 * Stages.  A transformed projection is a sequence of 1 or 2 stages.  A
 * stage is a matrix S with in_n rows and out_n columns (rows are inputs, as
 * on a crossbar): its output is o[j] = sum_i S[i][j] u[i].  S is given as a
 * list of disjoint dense blocks: block t covers rows [in_off, in_off +
 * in_len) and columns [out_off, out_off + out_len); S is zero elsewhere.
 * A dense projection has one stage with one block, S = W^T.
 *
 * Monarch convention.  With n = d_model, nb blocks of b = n / nb, and P the
 * reshape-transpose permutation of n elements that reads a vector as an
 * nb x b row-major matrix and transposes it,
 *     (P v)[j nb + k] = v[k b + j]          (k < nb, j < b),
 * one n x n Monarch is
 *     M = P^T L P R P,
 * L and R block-diagonal with nb blocks of b x b.  When nb = b, P = P^T and
 * this is the seed paper's M = P L P R P.  The outer permutations are folded
 * into the data layout: the R stage reads u = P x, and the L stage's output
 * z is the projection's output in the order y = P^T z; both are free (an
 * addressing choice of the producer and the consumer; around an
 * element-wise operation the P^T of one Monarch and the P of the next
 * cancel).  One permutation remains, executed digitally between the
 * stages:  x -> [P, folded] -> R -> P -> L -> [P^T, folded] -> y.
 * transform_in_src, transform_perm_src and transform_out_src give all three
 * exactly.
 *
 * Rectangular projections are stacks of n x n Monarchs (pieces), each with
 * its own factors: a tall one (out = pieces n, in = n: c_attn is Q, K, V;
 * c_fc) computes piece s's outputs y[s n ..] = M_s x; a wide one (in =
 * pieces n, out = n: mlp.c_proj) sums y = sum_s M_s x_s.  So every block
 * of every factor of the model has the same shape b x b, which DenseMap's
 * packing across factors and layers needs, and Q, K and V keep separate
 * factors.  The stage matrices of a stack are:
 *   tall  R: in n,        out pieces n;  block (s,k) rows k b, cols s n + k b
 *         L: in pieces n, out pieces n;  block (s,k) rows s n + k b, cols s n + k b
 *   wide  R: in pieces n, out pieces n;  block (s,k) rows s n + k b, cols s n + k b
 *         L: in pieces n, out n;         block (s,k) rows s n + k b, cols k b
 * (the wide L stage sums the pieces: its blocks share output columns).
 * Other projections stay dense: the LM head always (the seed paper
 * sparsifies Q, K, V, O and the FFN only), and no other shape occurs: a
 * Monarch model whose d_ff is not a multiple of d_model is refused.
 *
 * Default block count: the largest divisor nb of n with nb <= sqrt(n), so
 * b = n / nb >= sqrt(n) (b = sqrt(n) when n is a square: 32 for n = 1024;
 * 32 for n = 768, 40 for 1280 and 1600).
 *
 * Parameters count stored weights; FLOPs are 2 per MAC per token (the
 * permutation and the outer folds are data movement, not FLOPs).
 * A transform owns its stage block lists; transform_free releases them.
 */
#ifndef AIMCSIM_TRANSFORM_H
#define AIMCSIM_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"
#include "workloads/model.h"

/* [transform] kind (order of the param choices). */
enum transform_kind { TRANSFORM_DENSE, TRANSFORM_MONARCH };
/* Which factor a stage is. */
enum transform_factor { TRANSFORM_W, TRANSFORM_R, TRANSFORM_L };
/* The shape of a Monarch stack. */
enum transform_stack { TRANSFORM_SQUARE, TRANSFORM_TALL, TRANSFORM_WIDE };

typedef struct transform_block {
    uint32_t in_off, in_len;    /* rows of S: stage input elements */
    uint32_t out_off, out_len;  /* columns of S: stage output elements */
    uint32_t piece, index;      /* Monarch piece s and block k (0, 0: dense) */
} transform_block;

typedef struct transform_stage {
    uint8_t factor;             /* enum transform_factor */
    uint32_t in_n, out_n;       /* input and output vector lengths */
    uint32_t nblocks;
    transform_block *block;     /* owned by the transform */
} transform_stage;

typedef struct transform_proj {
    uint8_t kind;               /* enum transform_kind of this projection */
    uint8_t stack;              /* enum transform_stack (monarch) */
    uint32_t n, nb, b;          /* Monarch size, blocks per factor, block size */
    uint32_t pieces;            /* Monarchs in the stack (1 if dense) */
    uint32_t nstages;           /* 1 (dense) or 2 (R, then L) */
    transform_stage stage[2];
    uint64_t params_dense;      /* in x out */
    uint64_t params;            /* stored weights: pieces x 2 nb b^2 (monarch) */
    uint64_t macs_dense, macs;  /* per token: = params_dense, params */
    uint64_t flops_dense, flops;/* 2 x MACs */
    uint32_t perm_n;            /* elements permuted between R and L: pieces n */
} transform_proj;

typedef struct transform {
    uint8_t kind;               /* [transform] kind */
    uint32_t n, nb, b;          /* Monarch size (d_model), blocks, block size */
    uint32_t nproj;             /* = model.nproj; proj[i] is model.proj[i] */
    transform_proj *proj;       /* owned */
    uint64_t params_dense, params, flops_dense, flops;  /* totals */
} transform;

/* Transforms every projection of m as configured.  Errors (nblocks or block
 * that does not divide d_model, both given, d_ff not a multiple of d_model)
 * are config_fail messages; returns -1 and t holds nothing to free. */
int transform_init(transform *t, const model *m, const config *c, char *err, size_t errlen);
void transform_free(transform *t);

/* "dense", "monarch". */
const char *transform_kind_name(int kind);

/* Blocks per factor that [transform] nblocks / block give for n (0 and a
 * message if they do not divide it); the default when both are 0. */
uint32_t transform_nblocks(const config *c, uint32_t n, char *err, size_t errlen);
uint32_t transform_default_nblocks(uint32_t n);

/* The folded and the remaining permutations of a Monarch projection, as
 * sources (i indexes the destination):
 *   R-stage input   u[i] = x[transform_in_src(tp, i)]     (i < R in_n)
 *   L-stage input   w[i] = v[transform_perm_src(tp, i)]   (v: R output)
 *   output          y[i] = z[transform_out_src(tp, i)]    (z: L output)
 * For a dense projection all three are the identity. */
uint32_t transform_in_src(const transform_proj *tp, uint32_t i);
uint32_t transform_perm_src(const transform_proj *tp, uint32_t i);
uint32_t transform_out_src(const transform_proj *tp, uint32_t i);

#endif
