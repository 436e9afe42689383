/*
 * fwd.h -- the functional GPT-2 forward pass in fp32, over an llm.c
 * checkpoint (workloads/llmc.h), with every weight projection computed by
 * a caller-supplied function: exactly (fwd_proj_dense), or through the
 * AIMC noise model (workloads/noise.h).
 *
 * The pass follows llm.c's train_gpt2.c gpt2_forward: token plus position
 * embedding; per block, pre-LN attention (LayerNorm eps 1e-5, fused QKV,
 * causal softmax over the positions 0..t with scale 1/sqrt(d_head),
 * attention output projection, residual add) and MLP (LayerNorm, c_fc,
 * GELU in its tanh form, mlp.c_proj, residual add); final LayerNorm; LM
 * head = wte (tied), the V real rows only.  One call runs one sequence of
 * n <= max_t tokens at positions 0..n-1.
 *
 * Projections are numbered as in workloads/model.h: 4 l + kind (enum
 * model_proj_kind: c_attn, attn.c_proj, c_fc, mlp.c_proj) for block l,
 * then 4 L for the LM head.  The function computes y = W x for n tokens
 * at once (x: n rows of `in`, y: n rows of `out`, row-major); the pass
 * adds the biases.
 *
 * Caching.  A pass started at projection 0 with a cache records what every
 * later start point needs: per block its input x, the attention output
 * (input of attn.c_proj), the residual after attention and the GELU output
 * (input of mlp.c_proj), and the final LayerNorm output (input of the LM
 * head): 7 C floats per token per block, plus C.  A pass started at
 * projection p > 0 reads them and recomputes from p on, so a profile that
 * perturbs one projection at a time pays only for what follows it.  The
 * results are bitwise those of a full pass with the same functions.
 *
 * A workspace (fwd_ws) holds one pass's buffers; a cache is read-only
 * while passes resume from it, so several workspaces (threads) may share
 * one cache.  Both own their buffers; *_free releases them.  No globals.
 */
#ifndef AIMCSIM_FWD_H
#define AIMCSIM_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/llmc.h"

/* Computes y (n x out) = W_proj x (n x in), biases excluded; returns 0,
 * or -1 to abort the pass. */
typedef int (*fwd_proj_fn)(void *ctx, uint32_t proj, const float *x, float *y, uint32_t n);

typedef struct fwd_cache {
    uint32_t n;                 /* tokens recorded; 0: none */
    uint32_t nmax;
    float *x, *att, *r2, *g;    /* per block: (L, nmax, C) or (L, nmax, 4C) for g */
    float *lnf;                 /* (nmax, C) */
} fwd_cache;

typedef struct fwd_ws {
    const llmc_model *w;        /* borrowed */
    uint32_t nmax;              /* most tokens per pass */
    float *x, *ln, *qkv, *att, *y, *h;  /* n x C, C, 3C, C, C, 4C */
    float *logits;              /* n x V after a pass */
    float *score;               /* one attention row: nmax */
} fwd_ws;

/* Projections of the model: 4 L + 1. */
uint32_t fwd_nproj(const llmc_model *w);
/* Input and output width of projection p. */
void fwd_proj_dims(const llmc_model *w, uint32_t p, uint32_t *in, uint32_t *out);
/* Its weight matrix (out x in, row-major) in the checkpoint. */
const float *fwd_proj_weight(const llmc_model *w, uint32_t p);

void fwd_ws_init(fwd_ws *ws, const llmc_model *w, uint32_t nmax);
void fwd_ws_free(fwd_ws *ws);
void fwd_cache_init(fwd_cache *c, const llmc_model *w, uint32_t nmax);
void fwd_cache_free(fwd_cache *c);

/* One pass over tok[0..n), n <= min(ws->nmax, max_t), from projection
 * `from` (0: from the embedding).  from > 0 reads `cache`, recorded on the
 * same tokens (it is not written); from = 0 with `record` records into it
 * (record must be NULL when from > 0).  Leaves the logits in ws->logits.
 * Returns 0, or -1 if fn failed. */
int fwd_pass(fwd_ws *ws, const fwd_cache *cache, fwd_cache *record, const uint16_t *tok,
             uint32_t n, uint32_t from, fwd_proj_fn fn, void *ctx);

/* The exact projection from the checkpoint's weights; ctx is the
 * llmc_model. */
int fwd_proj_dense(void *ctx, uint32_t proj, const float *x, float *y, uint32_t n);

/* Replaces each of n rows of V logits by its log-softmax. */
void fwd_log_softmax(float *logits, uint32_t n, uint32_t V);
/* Sum over t < n of -logp[t][target[t]]. */
double fwd_nll(const float *logp, const uint16_t *target, uint32_t n, uint32_t V);
/* Sum over t < n of KL(p_ref || p) = sum_v p_ref (log p_ref - log p). */
double fwd_kl(const float *ref_logp, const float *logp, uint32_t n, uint32_t V);

/* Kernels shared with the noise model.
 * y[t ldy + o] = (acc ? y : 0) + sum_{i < in} w[o ldw + i] x[t ldx + i]
 * for t < n, o < out. */
void fwd_gemm(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw,
              uint32_t n, uint32_t in, uint32_t out, int acc);
/* Four dot products of w with x0..x3, each of len elements. */
void fwd_dot4(const float *w, const float *x0, const float *x1, const float *x2,
              const float *x3, uint32_t len, float out[4]);
float fwd_dot(const float *w, const float *x, uint32_t len);

#endif
