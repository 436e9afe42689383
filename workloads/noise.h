/*
 * noise.h -- the AIMC noise model of one weight projection, following the
 * configured transform and mapping: every analog projection is computed
 * as its mapper activations compute it (workloads/mapper.h), with input
 * (DAC) quantisation, clipped weights with programming noise, additive
 * output noise and ADC quantisation with clipping; projections run on the
 * digital cluster are exact fp32.  Equations and sources: docs/profile.md.
 *
 * Two objects:
 *   noise_weights  the noise-free stage matrices of every projection of a
 *                  checkpoint under a transform: the dense weights
 *                  (borrowed from the checkpoint) or, under Monarch, the
 *                  factors fitted to them (noise_monarch_fit; owned).
 *   noise_ctx      one mapping's analog model: per-array or per-matrix
 *                  clipping and weight scale (w_ref), and each analog
 *                  stage compiled into activations -> converted columns
 *                  -> runs of driven rows that hold a placed weight.
 * Both are read-only once built, so threads may share them, each with its
 * own noise_ws (scratch).
 *
 * Evaluation of an analog stage for a token with stage input u:
 *   x_max = max_i |u_i|;  x_i = x_max q_in(u_i / x_max)        (DAC)
 *   g = clip(w, +-c) / w_ref + prog_sigma_rel n_cell            (programmed,
 *       c = w_clip_sigma sd(w), w_ref = min(max |w|, c))       normalised)
 *   per activation and converted column:
 *     s = sum over driven rows holding a placed weight of g q_in(u_i / x_max)
 *         + out_noise_rel n_out                                 (analog sum)
 *     o[out] += q_adc(s; r, bits) w_ref x_max                   (ADC, digital add)
 *   r = adc_k_sigma RMS(s over the activation's columns and the tokens)
 *       or adc_fs_frac rows_summed.
 * q_in rounds to the 2^(b-1) - 1 positive levels of b = [tile] input_bits
 * (1 level for b = 1); q_adc(s) = clamp(round(s / D), -2^(bits-1),
 * 2^(bits-1) - 1) D with D = r / 2^(bits-1), a two's-complement code:
 * the levels of bits + 1 contain those of bits, so one more bit never
 * moves a value further from its analog sum.  n_cell, n_out are standard
 * normal, drawn from the seed, the draw and the cell's array coordinates
 * (n_out: the column and the token) by a counter-based generator, so a
 * draw is the same whatever the order of evaluation, the threads or the
 * chunking of the tokens.
 *
 * No globals; errors are return codes with a message.
 */
#ifndef AIMCSIM_NOISE_H
#define AIMCSIM_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"
#include "workloads/llmc.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

/* [noise] w_scope and adc_range (order of the param choices). */
enum noise_scope { NOISE_SCOPE_ARRAY, NOISE_SCOPE_MATRIX };
enum noise_adc_range { NOISE_ADC_SIGMA, NOISE_ADC_FULLSCALE };

typedef struct noise_params {
    uint32_t input_bits;        /* [tile] input_bits */
    uint32_t draws;
    uint64_t seed;
    double prog_sigma_rel;      /* of w_ref */
    double w_clip_sigma;        /* 0: no clipping */
    int scope;                  /* enum noise_scope */
    int adc_range;              /* enum noise_adc_range */
    double adc_k_sigma, adc_fs_frac;
    double out_noise_rel;       /* normalised units */
} noise_params;

/* [noise] and [tile] input_bits of c. */
void noise_params_init(noise_params *p, const config *c);

/* ---- counter-based random numbers -------------------------------------- */

/* A 64-bit mix of (a, b) (splitmix64 finaliser of a combination). */
uint64_t noise_mix(uint64_t a, uint64_t b);
/* A standard normal number determined by key (inverse normal CDF of a
 * 53-bit uniform, Acklam's approximation). */
double noise_gauss(uint64_t key);
/* out[i] = the standard normal number of counter first + i under key, for
 * i < n: a function of (key, first + i) only, so any run of counters gives
 * the same numbers for the same counters.  Two counters share one 64-bit
 * mix (32-bit uniforms: |out| < 6.3). */
void noise_gauss_fill(uint64_t key, uint64_t first, uint32_t n, float *out);

/* ---- quantisers --------------------------------------------------------- */

/* q_in: v in [-1, 1] rounded to the levels of a b-bit signed DAC. */
float noise_dac(float v, uint32_t bits);
/* q_adc: s quantised by a bits-bit ADC clipping at +-r (r > 0). */
float noise_adc(float s, float r, uint32_t bits);

/* ---- noise-free stage matrices ------------------------------------------ */

typedef struct noise_stage_w {
    uint32_t nblocks;
    const float **blk;          /* per transform block: column-major, entry
                                 * [j in_len + i] = S[in_off + i][out_off + j] */
    uint32_t b;                 /* Monarch block size (0: dense) */
    uint32_t gcols;             /* grid width: out_n / b */
    int32_t *grid;              /* Monarch: block at (row / b, col / b), or -1 */
} noise_stage_w;

typedef struct noise_weights {
    const model *m;             /* borrowed, as t and w */
    const transform *t;
    const llmc_model *w;
    noise_stage_w (*st)[2];     /* [nproj][stage] */
    float **own;                /* [nproj]: fitted factors (Monarch), else NULL */
    double fit_err2, fit_norm2; /* Monarch: squared Frobenius error and norm of
                                 * the fitted dense weights, summed */
} noise_weights;

/* Stage matrices of every projection of m under t from the checkpoint w
 * (whose dimensions must match m: accuracy_check_model).  Under Monarch
 * this fits the factors, projections spread over `threads` threads (the
 * result does not depend on their number; seconds for GPT-2 small).
 * Returns 0. */
int noise_weights_init(noise_weights *nw, const model *m, const transform *t,
                       const llmc_model *w, uint32_t threads, char *err, size_t errlen);
void noise_weights_free(noise_weights *nw);
/* S[row][col] of stage s of projection p; *stored = 0 where no block lies
 * (the zeros of a Monarch factor), with value 0. */
float noise_weight_at(const noise_weights *nw, uint32_t p, uint32_t s, uint32_t row,
                      uint32_t col, int *stored);

/* Projects the dense n x n piece M (out x in, row-major, row stride ldm)
 * of the Monarch projection tp onto its factors, the least-squares fit:
 * per slice of M that L block k and R block k' connect, the best rank-c
 * approximation, c the number of intermediate elements between them (1
 * for every slice when nb = b: the rank-1 fit of Dao et al. 2022).  R and
 * L get nb blocks of b x b, block k column-major: entry [k b^2 + j b + i]
 * is the weight from stage input k b + i to stage output k b + j.
 * Returns the squared Frobenius error of the fit. */
double noise_monarch_fit(const transform_proj *tp, const float *M, size_t ldm, float *R,
                         float *L);

/* ---- one mapping's analog model ---------------------------------------- */

typedef struct noise_ctx noise_ctx;   /* opaque */
typedef struct noise_ws noise_ws;     /* opaque scratch, one per thread */

/* The analog model of mapping mp (built on nw's model and transform) with
 * parameters prm.  Returns NULL with a message on error. */
noise_ctx *noise_ctx_new(const noise_weights *nw, const mapper *mp, const noise_params *prm,
                         char *err, size_t errlen);
void noise_ctx_free(noise_ctx *nc);
/* Multiplies projection p's programming noise by f (default 1): for
 * experiments that make one projection far noisier than the rest. */
void noise_ctx_scale(noise_ctx *nc, uint32_t p, double f);
/* 1 if projection p is analog in the mapping. */
int noise_ctx_analog(const noise_ctx *nc, uint32_t p);
/* The weight scale w_ref and clipping bound c of the activations of stage
 * s of projection p (the first activation's, for tests). */
void noise_ctx_wref(const noise_ctx *nc, uint32_t p, uint32_t s, double *w_ref, double *clip);

noise_ws *noise_ws_new(void);
void noise_ws_free(noise_ws *ws);

/* y (n x out) = projection p of x (n x in), biases excluded.  Analog (as
 * above) when `analog` and the mapping runs p on arrays, with noise draw
 * `draw`; tok0 numbers the first token for the output noise (the tokens'
 * index in the evaluated window).  Exact fp32 otherwise. */
void noise_proj(const noise_ctx *nc, noise_ws *ws, uint32_t p, int analog, uint32_t draw,
                uint64_t tok0, const float *x, float *y, uint32_t n);

#endif
