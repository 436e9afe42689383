/*
 * fwd.c -- the functional GPT-2 forward pass (fwd.h): LayerNorm,
 * attention, GELU, residuals, logits and the metrics over them, and the
 * matrix kernels.
 *
 * Invariant: a pass that starts at projection p reads from the cache only
 * values a full pass would have computed from the same tokens before p,
 * and writes the cache only when it starts at 0; so resumed passes are
 * bitwise those of full passes with the same projection functions.
 *
 * The kernels use GCC's vector extension (vector_size, also in clang):
 * four-wide float vectors that compile to SSE on any x86-64 and to NEON
 * on AArch64; plain C loops are not vectorised at -O2 because a dot
 * product needs reassociation.
 */
#include "workloads/fwd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"
#include "workloads/model.h"

/* ---- kernels ------------------------------------------------------------ */

typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline float hsum4(v4f v) { return (v[0] + v[2]) + (v[1] + v[3]); }

void fwd_dot4(const float *w, const float *x0, const float *x1, const float *x2,
              const float *x3, uint32_t len, float out[4])
{
    v4f a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0}, a2 = {0}, b2 = {0}, a3 = {0}, b3 = {0};
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        v4f wa = ld4(w + i), wb = ld4(w + i + 4);
        a0 += wa * ld4(x0 + i);
        b0 += wb * ld4(x0 + i + 4);
        a1 += wa * ld4(x1 + i);
        b1 += wb * ld4(x1 + i + 4);
        a2 += wa * ld4(x2 + i);
        b2 += wb * ld4(x2 + i + 4);
        a3 += wa * ld4(x3 + i);
        b3 += wb * ld4(x3 + i + 4);
    }
    float s0 = hsum4(a0 + b0), s1 = hsum4(a1 + b1), s2 = hsum4(a2 + b2), s3 = hsum4(a3 + b3);
    for (; i < len; i++) {
        s0 += w[i] * x0[i];
        s1 += w[i] * x1[i];
        s2 += w[i] * x2[i];
        s3 += w[i] * x3[i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

/* y[i] += a x[i], i < len. */
static void axpy(float *y, float a, const float *x, uint32_t len)
{
    uint32_t i = 0;
    for (; i + 4 <= len; i += 4) {
        v4f v = ld4(y + i) + a * ld4(x + i);
        memcpy(y + i, &v, sizeof v);
    }
    for (; i < len; i++)
        y[i] += a * x[i];
}

float fwd_dot(const float *w, const float *x, uint32_t len)
{
    v4f a = {0}, b = {0};
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        a += ld4(w + i) * ld4(x + i);
        b += ld4(w + i + 4) * ld4(x + i + 4);
    }
    float s = hsum4(a + b);
    for (; i < len; i++)
        s += w[i] * x[i];
    return s;
}

void fwd_gemm(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw,
              uint32_t n, uint32_t in, uint32_t out, int acc)
{
    /* Blocks of 64 outputs keep their weights in cache across the token
     * blocks; four tokens share each weight load. */
    enum { OB = 64 };
    for (uint32_t o0 = 0; o0 < out; o0 += OB) {
        uint32_t o1 = o0 + OB < out ? o0 + OB : out;
        uint32_t t = 0;
        for (; t + 4 <= n; t += 4) {
            const float *x0 = x + t * ldx;
            float *y0 = y + t * ldy;
            for (uint32_t o = o0; o < o1; o++) {
                float s[4];
                fwd_dot4(w + o * ldw, x0, x0 + ldx, x0 + 2 * ldx, x0 + 3 * ldx, in, s);
                for (int k = 0; k < 4; k++)
                    y0[k * ldy + o] = (acc ? y0[k * ldy + o] : 0.0f) + s[k];
            }
        }
        for (; t < n; t++)
            for (uint32_t o = o0; o < o1; o++) {
                float s = fwd_dot(w + o * ldw, x + t * ldx, in);
                y[t * ldy + o] = (acc ? y[t * ldy + o] : 0.0f) + s;
            }
    }
}

/* ---- model geometry ----------------------------------------------------- */

uint32_t fwd_nproj(const llmc_model *w) { return 4 * w->layers + 1; }

void fwd_proj_dims(const llmc_model *w, uint32_t p, uint32_t *in, uint32_t *out)
{
    uint32_t C = w->channels;
    static const uint32_t fin[4] = {1, 1, 1, 4}, fout[4] = {3, 1, 4, 1};
    if (p >= 4 * w->layers) {
        *in = C;
        *out = w->vocab;
        return;
    }
    *in = fin[p % 4] * C;
    *out = fout[p % 4] * C;
}

const float *fwd_proj_weight(const llmc_model *w, uint32_t p)
{
    static const int tensor[4] = {LLMC_QKVW, LLMC_ATTPROJW, LLMC_FCW, LLMC_FCPROJW};
    if (p >= 4 * w->layers)
        return w->t[LLMC_WTE];
    uint32_t in, out;
    fwd_proj_dims(w, p, &in, &out);
    return w->t[tensor[p % 4]] + (size_t)(p / 4) * in * out;
}

static const float *proj_bias(const llmc_model *w, uint32_t p)
{
    static const int tensor[4] = {LLMC_QKVB, LLMC_ATTPROJB, LLMC_FCB, LLMC_FCPROJB};
    if (p >= 4 * w->layers)
        return NULL;
    uint32_t in, out;
    fwd_proj_dims(w, p, &in, &out);
    return w->t[tensor[p % 4]] + (size_t)(p / 4) * out;
}

int fwd_proj_dense(void *ctx, uint32_t proj, const float *x, float *y, uint32_t n)
{
    const llmc_model *w = ctx;
    uint32_t in, out;
    fwd_proj_dims(w, proj, &in, &out);
    fwd_gemm(y, out, x, in, fwd_proj_weight(w, proj), in, n, in, out, 0);
    return 0;
}

/* ---- buffers ------------------------------------------------------------ */

void fwd_ws_init(fwd_ws *ws, const llmc_model *w, uint32_t nmax)
{
    size_t C = w->channels, n = nmax ? nmax : 1;
    memset(ws, 0, sizeof *ws);
    ws->w = w;
    ws->nmax = nmax;
    ws->x = xmalloc(n * C * sizeof(float));
    ws->ln = xmalloc(n * C * sizeof(float));
    ws->qkv = xmalloc(n * 3 * C * sizeof(float));
    ws->att = xmalloc(n * C * sizeof(float));
    ws->y = xmalloc(n * C * sizeof(float));
    ws->h = xmalloc(n * 4 * C * sizeof(float));
    ws->logits = xmalloc(n * w->vocab * sizeof(float));
    ws->score = xmalloc(n * sizeof(float));
}

void fwd_ws_free(fwd_ws *ws)
{
    free(ws->x);
    free(ws->ln);
    free(ws->qkv);
    free(ws->att);
    free(ws->y);
    free(ws->h);
    free(ws->logits);
    free(ws->score);
    memset(ws, 0, sizeof *ws);
}

void fwd_cache_init(fwd_cache *c, const llmc_model *w, uint32_t nmax)
{
    size_t C = w->channels, L = w->layers, n = nmax ? nmax : 1;
    memset(c, 0, sizeof *c);
    c->nmax = nmax;
    c->x = xmalloc(L * n * C * sizeof(float));
    c->att = xmalloc(L * n * C * sizeof(float));
    c->r2 = xmalloc(L * n * C * sizeof(float));
    c->g = xmalloc(L * n * 4 * C * sizeof(float));
    c->lnf = xmalloc(n * C * sizeof(float));
}

void fwd_cache_free(fwd_cache *c)
{
    free(c->x);
    free(c->att);
    free(c->r2);
    free(c->g);
    free(c->lnf);
    memset(c, 0, sizeof *c);
}

/* ---- layers ------------------------------------------------------------- */

static void layernorm(float *out, const float *x, const float *g, const float *b, uint32_t n,
                      uint32_t C)
{
    for (uint32_t t = 0; t < n; t++) {
        const float *xt = x + (size_t)t * C;
        float *ot = out + (size_t)t * C;
        float m = 0.0f, v = 0.0f;
        for (uint32_t i = 0; i < C; i++)
            m += xt[i];
        m /= (float)C;
        for (uint32_t i = 0; i < C; i++) {
            float d = xt[i] - m;
            v += d * d;
        }
        v /= (float)C;
        float s = 1.0f / sqrtf(v + 1e-5f);
        for (uint32_t i = 0; i < C; i++)
            ot[i] = s * (xt[i] - m) * g[i] + b[i];
    }
}

/* Causal multi-head attention of qkv (n x 3C: q, k, v) into out (n x C). */
static void attention(float *out, const float *qkv, float *score, uint32_t n, uint32_t C,
                      uint32_t NH)
{
    uint32_t hs = C / NH;
    size_t C3 = 3 * (size_t)C;
    float scale = 1.0f / sqrtf((float)hs);
    for (uint32_t t = 0; t < n; t++)
        for (uint32_t h = 0; h < NH; h++) {
            const float *q = qkv + t * C3 + h * hs;
            float mx = -INFINITY;
            for (uint32_t t2 = 0; t2 <= t; t2++) {
                float s = fwd_dot(q, qkv + t2 * C3 + C + h * hs, hs) * scale;
                score[t2] = s;
                if (s > mx)
                    mx = s;
            }
            float sum = 0.0f;
            for (uint32_t t2 = 0; t2 <= t; t2++) {
                score[t2] = expf(score[t2] - mx);
                sum += score[t2];
            }
            float inv = 1.0f / sum;
            float *o = out + (size_t)t * C + h * hs;
            for (uint32_t i = 0; i < hs; i++)
                o[i] = 0.0f;
            for (uint32_t t2 = 0; t2 <= t; t2++)
                axpy(o, score[t2] * inv, qkv + t2 * C3 + 2 * C + h * hs, hs);
        }
}

static void gelu(float *x, size_t n)
{
    const float k = (float)sqrt(2.0 / 3.14159265358979323846); /* sqrt(2 / pi) */
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

static void add_bias(float *y, const float *b, uint32_t n, uint32_t out)
{
    if (!b)
        return;
    for (uint32_t t = 0; t < n; t++)
        for (uint32_t o = 0; o < out; o++)
            y[(size_t)t * out + o] += b[o];
}

static int proj(fwd_ws *ws, uint32_t p, const float *x, float *y, uint32_t n, fwd_proj_fn fn,
                void *ctx)
{
    uint32_t in, out;
    fwd_proj_dims(ws->w, p, &in, &out);
    if (fn(ctx, p, x, y, n) < 0)
        return -1;
    add_bias(y, proj_bias(ws->w, p), n, out);
    return 0;
}

/* The slices of block l in a cache: x, att, r2 (nmax x C) and g (nmax x 4C). */
#define CX(c, l) ((c)->x + (l) * (c)->nmax * C)
#define CATT(c, l) ((c)->att + (l) * (c)->nmax * C)
#define CR2(c, l) ((c)->r2 + (l) * (c)->nmax * C)
#define CG(c, l) ((c)->g + (l) * (c)->nmax * 4 * C)

int fwd_pass(fwd_ws *ws, const fwd_cache *cache, fwd_cache *rec, const uint16_t *tok,
             uint32_t n, uint32_t from, fwd_proj_fn fn, void *ctx)
{
    const llmc_model *w = ws->w;
    const size_t C = w->channels, L = w->layers;
    const size_t nC = (size_t)n * C;
    if (from > 0 && (rec || !cache || cache->n != n))
        return -1;
    if (rec)
        rec->n = n;
    float *x = ws->x, *y = ws->y, *lnb = ws->ln, *att = ws->att, *h = ws->h;
    const uint32_t l0 = from / 4, k0 = from % 4;

    if (from == 0) {
        const float *wte = w->t[LLMC_WTE], *wpe = w->t[LLMC_WPE];
        for (uint32_t t = 0; t < n; t++)
            for (size_t i = 0; i < C; i++)
                x[t * C + i] = wte[(size_t)tok[t] * C + i] + wpe[(size_t)t * C + i];
    }
    for (size_t l = from < 4 * L ? l0 : L; l < L; l++) {
        const uint32_t base = (uint32_t)(4 * l);
        const uint32_t k = l == l0 ? k0 : 0;  /* the first kind to compute in block l */
        /* attention: x is the block's input */
        if (k <= MODEL_PROJ_ATTN_OUT) {
            if (k == MODEL_PROJ_QKV) {
                if (from > 0 && l == l0)
                    memcpy(x, CX(cache, l), nC * sizeof *x);
                if (rec)
                    memcpy(CX(rec, l), x, nC * sizeof *x);
                layernorm(lnb, x, w->t[LLMC_LN1W] + l * C, w->t[LLMC_LN1B] + l * C, n,
                          (uint32_t)C);
                if (proj(ws, base + MODEL_PROJ_QKV, lnb, ws->qkv, n, fn, ctx) < 0)
                    return -1;
                attention(att, ws->qkv, ws->score, n, (uint32_t)C, w->heads);
                if (rec)
                    memcpy(CATT(rec, l), att, nC * sizeof *att);
            } else {
                memcpy(x, CX(cache, l), nC * sizeof *x);
                memcpy(att, CATT(cache, l), nC * sizeof *att);
            }
            if (proj(ws, base + MODEL_PROJ_ATTN_OUT, att, y, n, fn, ctx) < 0)
                return -1;
            for (size_t i = 0; i < nC; i++)
                x[i] += y[i];
            if (rec)
                memcpy(CR2(rec, l), x, nC * sizeof *x);
        }
        /* MLP: x is the residual after attention */
        if (k <= MODEL_PROJ_FC) {
            if (k == MODEL_PROJ_FC)
                memcpy(x, CR2(cache, l), nC * sizeof *x);
            layernorm(lnb, x, w->t[LLMC_LN2W] + l * C, w->t[LLMC_LN2B] + l * C, n,
                      (uint32_t)C);
            if (proj(ws, base + MODEL_PROJ_FC, lnb, h, n, fn, ctx) < 0)
                return -1;
            gelu(h, 4 * nC);
            if (rec)
                memcpy(CG(rec, l), h, 4 * nC * sizeof *h);
        } else {
            memcpy(x, CR2(cache, l), nC * sizeof *x);
            memcpy(h, CG(cache, l), 4 * nC * sizeof *h);
        }
        if (proj(ws, base + MODEL_PROJ_FC_OUT, h, y, n, fn, ctx) < 0)
            return -1;
        for (size_t i = 0; i < nC; i++)
            x[i] += y[i];
    }
    if (from < 4 * L) {
        layernorm(lnb, x, w->t[LLMC_LNFW], w->t[LLMC_LNFB], n, (uint32_t)C);
        if (rec)
            memcpy(rec->lnf, lnb, nC * sizeof *lnb);
    } else {
        memcpy(lnb, cache->lnf, nC * sizeof *lnb);
    }
    return proj(ws, (uint32_t)(4 * L), lnb, ws->logits, n, fn, ctx);
}

/* ---- metrics ------------------------------------------------------------ */

void fwd_log_softmax(float *logits, uint32_t n, uint32_t V)
{
    for (uint32_t t = 0; t < n; t++) {
        float *r = logits + (size_t)t * V;
        float mx = -INFINITY;
        for (uint32_t v = 0; v < V; v++)
            if (r[v] > mx)
                mx = r[v];
        double sum = 0.0;
        for (uint32_t v = 0; v < V; v++)
            sum += exp((double)(r[v] - mx));
        float lse = mx + (float)log(sum);
        for (uint32_t v = 0; v < V; v++)
            r[v] -= lse;
    }
}

double fwd_nll(const float *logp, const uint16_t *target, uint32_t n, uint32_t V)
{
    double s = 0.0;
    for (uint32_t t = 0; t < n; t++)
        s -= logp[(size_t)t * V + target[t]];
    return s;
}

double fwd_kl(const float *ref_logp, const float *logp, uint32_t n, uint32_t V)
{
    double s = 0.0;
    for (size_t i = 0; i < (size_t)n * V; i++)
        s += exp((double)ref_logp[i]) * ((double)ref_logp[i] - (double)logp[i]);
    return s;
}
