/*
 * accuracy.h -- accuracy beside PPA: the perplexity of GPT-2 (an llm.c
 * checkpoint) over a window of an llm.c token file, noise-free and under
 * the AIMC noise model of the configured mapping (workloads/noise.h):
 *
 *   profile  one projection at a time analog (all others exact), N noise
 *            draws each: per projection the perplexity and the KL
 *            divergence of its logits from the noise-free model's, the
 *            stage-2 sensitivity profile of Lammie 2026;
 *   whole    every projection the configured mapping runs on arrays analog
 *            at once (the digital ones, [mapping] digital / digital_profile
 *            / [model] lm_head = digital, exact), N draws.
 *
 * The window is positions start .. start + len - 1 of the token file:
 * token start + t is the input at position t and token start + t + 1 its
 * target, so the file needs start + len + 1 tokens.  It is evaluated in
 * chunks of `context` tokens (at most the model's max_t, the default),
 * each a fresh sequence from position 0: llm.c's evaluation of B x T
 * batches from token 0 is len = B T, context = T.  Perplexity = exp(mean negative log-likelihood
 * over the len positions); KL = mean over positions of KL(p_clean || p).
 * The noise-free ("clean") model is the configured transform computed
 * exactly: the dense checkpoint, or its Monarch fit (whose own perplexity
 * is reported beside the dense one).
 *
 * The profile's mapping is the configured one with every projection
 * analog (no digital overlay), so every projection has activations; the
 * whole-model evaluation uses the configuration as given.  The profile
 * resumes each pass at the perturbed projection from a cache of the clean
 * pass (workloads/fwd.h), and runs its (projection, draw) passes on
 * `threads` threads; results do not depend on the thread count.
 *
 * An accuracy owns everything it loads and builds; accuracy_free releases
 * it.  No globals.
 */
#ifndef AIMCSIM_ACCURACY_H
#define AIMCSIM_ACCURACY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"
#include "workloads/fwd.h"
#include "workloads/llmc.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/noise.h"
#include "workloads/transform.h"

typedef struct accuracy_opts {
    const char *weights;        /* llm.c checkpoint */
    const char *tokens;         /* llm.c token file */
    uint32_t start;             /* first input token of the window */
    uint32_t len;               /* positions scored; 0: min(context, tokens - start - 1) */
    uint32_t context;           /* tokens per sequence (chunk); 0: the model's max_t */
    uint32_t threads;           /* 0 or 1: one */
    FILE *progress;             /* progress lines ("\r...") or NULL */
} accuracy_opts;

typedef struct accuracy {
    config cfg_all;             /* the configuration without digital overlays */
    model m, m_all;
    transform t, t_all;
    mapper mp, mp_all;
    llmc_model w;
    llmc_tokens tok;
    noise_params prm;
    noise_weights nw;           /* on m, t (m_all and t_all have the same projections) */
    noise_ctx *nc, *nc_all;     /* the configured mapping; every projection analog
                                 * (the profile's) */
    accuracy_opts o;
    uint32_t start, len, chunk; /* the window and the chunk length */
} accuracy;

typedef struct accuracy_result {
    uint32_t nproj;             /* rows: projections (profile) or 1 (whole) */
    uint32_t draws;
    uint32_t positions;         /* = len */
    double nll_clean;           /* mean NLL of the noise-free (transformed) model */
    double nll_dense;           /* mean NLL of the dense checkpoint (= clean if dense) */
    double *nll;                /* [row * draws + d]: mean NLL */
    double *kl;                 /* [row * draws + d]: mean KL per position */
    uint8_t *row_valid;         /* profile: 0 for projections not evaluated */
    double clean_s;             /* time of the clean passes */
    double total_s;             /* wall time of the evaluation */
    uint64_t passes;            /* forward passes (resumed or whole) */
    uint64_t pass_tokens;       /* tokens through them */
} accuracy_result;

/* Loads the files, checks them against the configured model, builds the
 * model, transform, mappings and noise models.  Errors are one line:
 * "path: ..." for the files, "path: the checkpoint is ...; the config's
 * model is ..." for a mismatch, "--len 300: ..." for the window; returns
 * -1 and a holds nothing to free. */
int accuracy_init(accuracy *a, const config *c, const accuracy_opts *o, char *err,
                  size_t errlen);
void accuracy_free(accuracy *a);

/* Rebuilds the configured mapping (a->mp) and its noise model from c, a
 * configuration that may differ from the one a was built with in [mapping]
 * digital only (the caller's contract: the model, transform, noise and
 * every other parameter the same).  accuracy_whole then gives what it
 * gives after accuracy_init with c, bit for bit, without loading the
 * files or fitting the weights again.  0, or -1 with a message (the
 * mapping's error); then a has no configured mapping, and only
 * accuracy_free or another accuracy_set_mapping may follow. */
int accuracy_set_mapping(accuracy *a, const config *c, char *err, size_t errlen);

/* 0 if checkpoint w (read from path) has the dimensions of model m. */
int accuracy_check_model(const model *m, const llmc_model *w, const char *path, char *err,
                         size_t errlen);

/* The one-at-a-time profile: a row per projection of the model. */
int accuracy_profile(accuracy *a, accuracy_result *r, char *err, size_t errlen);
/* The whole model under the configured mapping: one row. */
int accuracy_whole(accuracy *a, accuracy_result *r, char *err, size_t errlen);
void accuracy_result_free(accuracy_result *r);

/* The perplexity of row i over the draws: the mean of exp(nll) and its
 * sample standard deviation (0 for one draw, and exactly 0 with the mean
 * exactly the common value when every draw is the same).  Needs draws >= 1. */
void accuracy_ppl(const accuracy_result *r, uint32_t i, double *mean, double *sd);
/* Perplexity increase of row i, draw d: exp(nll) - exp(nll_clean). */
double accuracy_dppl(const accuracy_result *r, uint32_t i, uint32_t d);

#endif
