/*
 * accuracy.c -- perplexity and KL of the functional GPT-2, noise-free and
 * under the AIMC noise model: the one-at-a-time profile and the whole
 * model (accuracy.h).
 *
 * Invariant: every (row, draw) slot of a result is written by exactly one
 * task per chunk, whatever the thread that runs it, and every task's
 * noise is fixed by (seed, draw, cell, token): results are identical for
 * any thread count.
 */
#include "workloads/accuracy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

#include "sim/util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- set-up ------------------------------------------------------------- */

int accuracy_check_model(const model *m, const llmc_model *w, const char *path, char *err,
                         size_t errlen)
{
    if (m->layers != w->layers || m->d_model != w->channels || m->heads != w->heads ||
        m->d_ff != 4 * w->channels || m->vocab != w->vocab || m->context_tokens != w->max_t)
        return errf(err, errlen,
                    "%s: the checkpoint has %u layers, d_model %u, %u heads, d_ff %u, vocab %u, "
                    "context %u; the configuration's model (%s) has %u layers, d_model %u, %u "
                    "heads, d_ff %u, vocab %u, context %u (use the matching [model] preset, or "
                    "preset = custom with the checkpoint's dimensions)",
                    path, w->layers, w->channels, w->heads, 4 * w->channels, w->vocab, w->max_t,
                    model_preset_name(m->preset), m->layers, m->d_model, m->heads, m->d_ff,
                    m->vocab, m->context_tokens);
    if (!m->causal || !m->tied_lm_head || m->post_ln)
        return errf(err, errlen,
                    "%s: the checkpoint is a causal, pre-LN GPT-2 with a tied LM head; the "
                    "configuration's model (%s) is%s%s%s",
                    path, model_preset_name(m->preset), m->causal ? "" : " not causal",
                    m->tied_lm_head ? "" : " without a tied LM head", m->post_ln ? " post-LN" : "");
    for (uint32_t p = 0; p < m->nproj; p++) {
        const model_proj *pj = &m->proj[p];
        uint32_t want = pj->kind == MODEL_PROJ_LM_HEAD ? 4 * m->layers
                                                       : 4 * (uint32_t)pj->layer + pj->kind;
        if (want != p)
            return errf(err, errlen, "%s: projection %s is number %u of the model, expected %u",
                        path, pj->name, p, want);
    }
    return 0;
}

int accuracy_init(accuracy *a, const config *c, const accuracy_opts *o, char *err,
                  size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->o = *o;
    int stage = 0;  /* what has been built, for the clean-up */
    if (model_init(&a->m, c, err, errlen) < 0)
        goto fail;
    stage = 1;
    if (transform_init(&a->t, &a->m, c, err, errlen) < 0)
        goto fail;
    stage = 2;
    if (mapper_build(&a->mp, &a->m, &a->t, c, err, errlen) < 0)
        goto fail;
    stage = 3;
    if (llmc_model_load(&a->w, o->weights, err, errlen) < 0)
        goto fail;
    stage = 4;
    if (accuracy_check_model(&a->m, &a->w, o->weights, err, errlen) < 0)
        goto fail;
    if (llmc_tokens_load(&a->tok, o->tokens, err, errlen) < 0)
        goto fail;
    stage = 5;
    uint64_t ntok = a->tok.n;
    if (ntok < 2 || o->start > ntok - 2) {
        errf(err, errlen, "%s: %llu tokens: the window starting at token %u needs at least "
             "2 from there (an input and its target)", o->tokens, (unsigned long long)ntok,
             o->start);
        goto fail;
    }
    if (o->context > a->w.max_t) {
        errf(err, errlen, "context %u: exceeds the context of the model in %s (%u tokens)",
             o->context, o->weights, a->w.max_t);
        goto fail;
    }
    uint32_t ctx = o->context ? o->context : a->w.max_t;
    a->start = o->start;
    a->len = o->len;
    if (!a->len) {
        uint64_t avail = ntok - o->start - 1;
        a->len = (uint32_t)(avail < ctx ? avail : ctx);
    }
    if ((uint64_t)a->start + a->len + 1 > ntok) {
        errf(err, errlen, "%s: %llu tokens: the window of %u positions from token %u needs %llu",
             o->tokens, (unsigned long long)ntok, a->len, a->start,
             (unsigned long long)a->start + a->len + 1);
        goto fail;
    }
    for (uint64_t i = a->start; i <= (uint64_t)a->start + a->len; i++)
        if (a->tok.tok[i] >= a->w.vocab) {
            errf(err, errlen, "%s: token %llu (byte %llu) = %u: not below the model's "
                 "vocabulary (%u)", o->tokens, (unsigned long long)i,
                 1024ULL + 2 * (unsigned long long)i, a->tok.tok[i], a->w.vocab);
            goto fail;
        }
    a->chunk = a->len < ctx ? a->len : ctx;
    mapper_config_all_analog(&a->cfg_all, c);
    stage = 6;
    if (model_init(&a->m_all, &a->cfg_all, err, errlen) < 0)
        goto fail;
    stage = 7;
    if (transform_init(&a->t_all, &a->m_all, &a->cfg_all, err, errlen) < 0)
        goto fail;
    stage = 8;
    if (mapper_build(&a->mp_all, &a->m_all, &a->t_all, &a->cfg_all, err, errlen) < 0)
        goto fail;
    stage = 9;
    noise_params_init(&a->prm, c);
    noise_weights_init(&a->nw, &a->m, &a->t, &a->w, o->threads, err, errlen);
    a->nc = noise_ctx_new(&a->nw, &a->mp, &a->prm, err, errlen);
    a->nc_all = a->nc ? noise_ctx_new(&a->nw, &a->mp_all, &a->prm, err, errlen) : NULL;
    if (!a->nc_all) {
        noise_ctx_free(a->nc);
        noise_weights_free(&a->nw);
        goto fail;
    }
    return 0;
fail:
    if (stage >= 9)
        mapper_free(&a->mp_all);
    if (stage >= 8)
        transform_free(&a->t_all);
    if (stage >= 7)
        model_free(&a->m_all);
    if (stage >= 6)
        config_free(&a->cfg_all);
    if (stage >= 5)
        llmc_tokens_free(&a->tok);
    if (stage >= 4)
        llmc_model_free(&a->w);
    if (stage >= 3)
        mapper_free(&a->mp);
    if (stage >= 2)
        transform_free(&a->t);
    if (stage >= 1)
        model_free(&a->m);
    return -1;
}

void accuracy_free(accuracy *a)
{
    noise_ctx_free(a->nc);
    noise_ctx_free(a->nc_all);
    noise_weights_free(&a->nw);
    mapper_free(&a->mp_all);
    transform_free(&a->t_all);
    model_free(&a->m_all);
    config_free(&a->cfg_all);
    llmc_tokens_free(&a->tok);
    llmc_model_free(&a->w);
    mapper_free(&a->mp);
    transform_free(&a->t);
    model_free(&a->m);
    memset(a, 0, sizeof *a);
}

int accuracy_set_mapping(accuracy *a, const config *c, char *err, size_t errlen)
{
    noise_ctx_free(a->nc);
    a->nc = NULL;
    mapper_free(&a->mp);
    if (mapper_build(&a->mp, &a->m, &a->t, c, err, errlen) < 0)
        return -1;
    a->nc = noise_ctx_new(&a->nw, &a->mp, &a->prm, err, errlen);
    return a->nc ? 0 : -1;
}

/* ---- evaluation --------------------------------------------------------- */

enum ev_mode {
    EV_DENSE,   /* the checkpoint's dense weights, exact */
    EV_EXACT,   /* the transformed weights, exact */
    EV_ONE,     /* projection `proj` analog, the rest exact */
    EV_ALL      /* every projection the mapping puts on arrays analog */
};

typedef struct evalctx {
    const accuracy *a;
    const noise_ctx *nc;
    noise_ws *nws;
    int mode;
    uint32_t proj, draw;
    uint64_t tok0;
} evalctx;

static int eval_proj(void *ctx, uint32_t p, const float *x, float *y, uint32_t n)
{
    const evalctx *e = ctx;
    if (e->mode == EV_DENSE || p >= e->a->m.nproj)
        return fwd_proj_dense((void *)&e->a->w, p, x, y, n);
    int analog = e->mode == EV_ALL || (e->mode == EV_ONE && p == e->proj);
    noise_proj(e->nc, e->nws, p, analog, e->draw, e->tok0, x, y, n);
    return 0;
}

/* Progress shared by the workers. */
typedef struct progress {
    FILE *f;
    mtx_t mtx;
    uint64_t done, total;
    const char *what;
} progress;

static void progress_step(progress *pg)
{
    if (!pg->f)
        return;
    mtx_lock(&pg->mtx);
    pg->done++;
    fprintf(pg->f, "\r%s: %llu/%llu passes", pg->what, (unsigned long long)pg->done,
            (unsigned long long)pg->total);
    if (pg->done == pg->total)
        fputc('\n', pg->f);
    fflush(pg->f);
    mtx_unlock(&pg->mtx);
}

/* One chunk's work: tasks first, first + stride, ... of the list. */
typedef struct worker {
    const accuracy *a;
    accuracy_result *r;
    const noise_ctx *nc;
    const fwd_cache *cache;     /* the clean pass's, read only */
    const float *ref;           /* clean log-probabilities (n x V) */
    const uint16_t *in, *tgt;
    uint32_t n;
    uint64_t tok0;
    const uint32_t *task;       /* pairs (row, draw) */
    uint32_t ntask, first, stride;
    int mode;                   /* EV_ONE (row = projection) or EV_ALL */
    fwd_ws ws;
    noise_ws *nws;
    progress *pg;
    int rc;
} worker;

static int run_worker(void *arg)
{
    worker *wk = arg;
    const accuracy *a = wk->a;
    const uint32_t V = a->w.vocab;
    for (uint32_t i = wk->first; i < wk->ntask; i += wk->stride) {
        uint32_t row = wk->task[2 * i], d = wk->task[2 * i + 1];
        evalctx e = {a, wk->nc, wk->nws, wk->mode, row, d, wk->tok0};
        uint32_t from = wk->mode == EV_ONE ? row : 0;
        if (fwd_pass(&wk->ws, from ? wk->cache : NULL, NULL, wk->in, wk->n, from, eval_proj,
                     &e) < 0) {
            wk->rc = -1;
            return 0;
        }
        fwd_log_softmax(wk->ws.logits, wk->n, V);
        size_t slot = (size_t)row * wk->r->draws + d;
        wk->r->nll[slot] += fwd_nll(wk->ws.logits, wk->tgt, wk->n, V);
        wk->r->kl[slot] += fwd_kl(wk->ref, wk->ws.logits, wk->n, V);
        progress_step(wk->pg);
    }
    return 0;
}

static void result_alloc(accuracy_result *r, uint32_t rows, uint32_t draws, uint32_t len)
{
    memset(r, 0, sizeof *r);
    r->nproj = rows;
    r->draws = draws;
    r->positions = len;
    r->nll = xcalloc((size_t)rows * draws, sizeof *r->nll);
    r->kl = xcalloc((size_t)rows * draws, sizeof *r->kl);
    r->row_valid = xcalloc(rows ? rows : 1, 1);
}

void accuracy_result_free(accuracy_result *r)
{
    free(r->nll);
    free(r->kl);
    free(r->row_valid);
    memset(r, 0, sizeof *r);
}

double accuracy_dppl(const accuracy_result *r, uint32_t i, uint32_t d)
{
    return exp(r->nll[(size_t)i * r->draws + d]) - exp(r->nll_clean);
}

void accuracy_ppl(const accuracy_result *r, uint32_t i, double *mean, double *sd)
{
    /* shifted by the first draw's: equal draws give that value and sd 0
     * exactly (a model with nothing analog) */
    const double *nll = r->nll + (size_t)i * r->draws;
    const double x0 = exp(nll[0]);
    double s = 0.0, s2 = 0.0;
    for (uint32_t d = 0; d < r->draws; d++)
        s += exp(nll[d]) - x0;
    *mean = x0 + s / r->draws;
    for (uint32_t d = 0; d < r->draws; d++)
        s2 += (exp(nll[d]) - *mean) * (exp(nll[d]) - *mean);
    *sd = r->draws > 1 ? sqrt(s2 / (r->draws - 1)) : 0.0;
}

/* Runs the profile (mode EV_ONE, rows = projections) or the whole model
 * (EV_ALL, one row). */
static int evaluate(accuracy *a, accuracy_result *r, int mode, char *err, size_t errlen)
{
    const double t_begin = now_s();
    const uint32_t D = a->prm.draws, V = a->w.vocab;
    const uint32_t rows = mode == EV_ONE ? a->m.nproj : 1;
    const noise_ctx *nc = mode == EV_ONE ? a->nc_all : a->nc;
    result_alloc(r, rows, D, a->len);
    /* the tasks: (row, draw) */
    uint32_t *task = xmalloc((size_t)2 * rows * D * sizeof *task), ntask = 0;
    for (uint32_t i = 0; i < rows; i++) {
        if (mode == EV_ONE && !noise_ctx_analog(nc, i))
            continue;
        r->row_valid[i] = 1;
        for (uint32_t d = 0; d < D; d++) {
            task[2 * ntask] = i;
            task[2 * ntask + 1] = d;
            ntask++;
        }
    }
    uint32_t nth = a->o.threads > 1 ? a->o.threads : 1;
    if (nth > ntask && ntask)
        nth = ntask;
    uint32_t nchunks = (a->len + a->chunk - 1) / a->chunk;
    progress pg;
    memset(&pg, 0, sizeof pg);
    pg.f = a->o.progress;
    pg.total = (uint64_t)ntask * nchunks;
    pg.what = mode == EV_ONE ? "profile" : "whole model";
    if (pg.f)
        mtx_init(&pg.mtx, mtx_plain);
    fwd_cache cache = {0};
    if (mode == EV_ONE)
        fwd_cache_init(&cache, &a->w, a->chunk);
    float *ref = xmalloc((size_t)a->chunk * V * sizeof *ref);
    worker *wk = xcalloc(nth, sizeof *wk);
    for (uint32_t k = 0; k < nth; k++) {
        fwd_ws_init(&wk[k].ws, &a->w, a->chunk);
        wk[k].nws = noise_ws_new();
    }
    fwd_ws *ws = &wk[0].ws;     /* the clean passes use worker 0's buffers */
    noise_ws *nws = wk[0].nws;
    thrd_t *th = xcalloc(nth, sizeof *th);
    int rc = 0;
    double nll_clean = 0.0, nll_dense = 0.0;
    int monarch = a->t.kind == TRANSFORM_MONARCH;
    for (uint32_t c0 = 0; c0 < a->len && rc == 0; c0 += a->chunk) {
        uint32_t n = a->len - c0 < a->chunk ? a->len - c0 : a->chunk;
        const uint16_t *in = a->tok.tok + a->start + c0, *tgt = in + 1;
        double t0 = now_s();
        evalctx e = {a, nc, nws, EV_EXACT, 0, 0, c0};
        if (fwd_pass(ws, NULL, mode == EV_ONE ? &cache : NULL, in, n, 0, eval_proj, &e) < 0) {
            rc = errf(err, errlen, "the noise-free forward pass failed");
            break;
        }
        r->clean_s += now_s() - t0;
        fwd_log_softmax(ws->logits, n, V);
        nll_clean += fwd_nll(ws->logits, tgt, n, V);
        memcpy(ref, ws->logits, (size_t)n * V * sizeof *ref);
        if (monarch) {
            evalctx ed = {a, nc, nws, EV_DENSE, 0, 0, c0};
            if (fwd_pass(ws, NULL, NULL, in, n, 0, eval_proj, &ed) < 0) {
                rc = errf(err, errlen, "the dense forward pass failed");
                break;
            }
            fwd_log_softmax(ws->logits, n, V);
            nll_dense += fwd_nll(ws->logits, tgt, n, V);
        }
        for (uint32_t k = 0; k < nth; k++) {
            worker *w = &wk[k];
            w->a = a;
            w->r = r;
            w->nc = nc;
            w->cache = &cache;
            w->ref = ref;
            w->in = in;
            w->tgt = tgt;
            w->n = n;
            w->tok0 = c0;
            w->task = task;
            w->ntask = ntask;
            w->first = k;
            w->stride = nth;
            w->mode = mode;
            w->pg = &pg;
        }
        if (nth == 1) {
            run_worker(&wk[0]);
        } else {
            uint32_t started = 0;
            for (; started < nth; started++)
                if (thrd_create(&th[started], run_worker, &wk[started]) != thrd_success)
                    break;
            for (uint32_t k = 0; k < started; k++)
                thrd_join(th[k], NULL);
            for (uint32_t k = started; k < nth; k++)  /* threads that could not start */
                run_worker(&wk[k]);
        }
        for (uint32_t k = 0; k < nth; k++)
            if (wk[k].rc)
                rc = errf(err, errlen, "a forward pass failed");
        r->passes += (uint64_t)ntask;
        r->pass_tokens += (uint64_t)ntask * n;
    }
    double inv = 1.0 / a->len;
    r->nll_clean = nll_clean * inv;
    r->nll_dense = monarch ? nll_dense * inv : r->nll_clean;
    for (size_t i = 0; i < (size_t)rows * D; i++) {
        r->nll[i] *= inv;
        r->kl[i] *= inv;
    }
    for (uint32_t k = 0; k < nth; k++) {
        fwd_ws_free(&wk[k].ws);
        noise_ws_free(wk[k].nws);
    }
    free(wk);
    free(th);
    free(ref);
    if (mode == EV_ONE)
        fwd_cache_free(&cache);
    if (pg.f)
        mtx_destroy(&pg.mtx);
    free(task);
    r->total_s = now_s() - t_begin;
    if (rc)
        accuracy_result_free(r);
    return rc;
}

int accuracy_profile(accuracy *a, accuracy_result *r, char *err, size_t errlen)
{
    return evaluate(a, r, EV_ONE, err, errlen);
}

int accuracy_whole(accuracy *a, accuracy_result *r, char *err, size_t errlen)
{
    return evaluate(a, r, EV_ALL, err, errlen);
}
