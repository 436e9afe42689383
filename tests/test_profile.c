/*
 * test_profile.c -- the functional GPT-2, the AIMC noise model and
 * `aimcsim profile`, on a tiny random GPT-2 (2 layers, C = 32, 4 heads,
 * vocabulary 64 padded to 72, context 16) that the tests write in llm.c's
 * format themselves, with a token file of its own greedy continuations.
 *
 *   - llm.c files: read back tensor by tensor; malformed files refused
 *     with located messages (library and CLI, exit status 2);
 *   - the noise-free forward pass equals a reference forward pass written
 *     here independently (double precision, plain loops);
 *   - a pass resumed at a projection from the cache is bitwise the full
 *     pass;
 *   - quantisers by hand; the analog model without noise at 24-bit inputs
 *     and 16-bit ADCs reproduces the exact projection for every mapping;
 *     more ADC bits never increase an MVM's error;
 *   - the Monarch fit reproduces an exactly-Monarch matrix (the index
 *     mapping of transform.c, checked by hand on n = 4), and a checkpoint
 *     whose projections are Monarch stacks;
 *   - the profile: the projection made far noisier than the rest scores
 *     highest; results do not depend on the thread count; the whole model
 *     with every projection digital is the clean model;
 *   - the CLI writes a profile that mapper_profile_load accepts.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "workloads/accuracy.h"
#include "workloads/fwd.h"
#include "workloads/llmc.h"
#include "workloads/mapper.h"
#include "workloads/noise.h"

static char err[ERR_LEN];

/* ---- the tiny model, written in llm.c's format by the test -------------- */

#define TL 2
#define TC 32
#define TNH 4
#define TV 64
#define TVP 72
#define TT 16
#define NTOK 40

struct tiny {
    float *wte, *wpe, *ln1w, *ln1b, *qkvw, *qkvb, *apw, *apb, *ln2w, *ln2b, *fcw, *fcb, *fpw,
        *fpb, *lnfw, *lnfb;
};

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static float *fill(size_t n, double base, double amp, uint64_t *s)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(base + amp * urand(s));
    return p;
}

static void tiny_make(struct tiny *m, uint64_t seed)
{
    uint64_t s = seed;
    m->wte = fill((size_t)TVP * TC, 0, 0.5, &s);
    m->wpe = fill((size_t)TT * TC, 0, 0.2, &s);
    m->ln1w = fill((size_t)TL * TC, 1, 0.1, &s);
    m->ln1b = fill((size_t)TL * TC, 0, 0.1, &s);
    m->qkvw = fill((size_t)TL * 3 * TC * TC, 0, 0.3, &s);
    m->qkvb = fill((size_t)TL * 3 * TC, 0, 0.05, &s);
    m->apw = fill((size_t)TL * TC * TC, 0, 0.3, &s);
    m->apb = fill((size_t)TL * TC, 0, 0.05, &s);
    m->ln2w = fill((size_t)TL * TC, 1, 0.1, &s);
    m->ln2b = fill((size_t)TL * TC, 0, 0.1, &s);
    m->fcw = fill((size_t)TL * 4 * TC * TC, 0, 0.3, &s);
    m->fcb = fill((size_t)TL * 4 * TC, 0, 0.05, &s);
    m->fpw = fill((size_t)TL * 4 * TC * TC, 0, 0.3, &s);
    m->fpb = fill((size_t)TL * TC, 0, 0.05, &s);
    m->lnfw = fill(TC, 1, 0.1, &s);
    m->lnfb = fill(TC, 0, 0.1, &s);
}

static void tiny_free(struct tiny *m)
{
    float *const f[16] = {m->wte, m->wpe, m->ln1w, m->ln1b, m->qkvw, m->qkvb, m->apw, m->apb,
                          m->ln2w, m->ln2b, m->fcw, m->fcb, m->fpw, m->fpb, m->lnfw, m->lnfb};
    for (int i = 0; i < 16; i++)
        free(f[i]);
}

/* The tensors in llm.c's file order with their sizes. */
static size_t tiny_tensors(const struct tiny *m, const float **t, size_t *n)
{
    const float *const p[16] = {m->wte, m->wpe, m->ln1w, m->ln1b, m->qkvw, m->qkvb, m->apw,
                                m->apb, m->ln2w, m->ln2b, m->fcw, m->fcb, m->fpw, m->fpb,
                                m->lnfw, m->lnfb};
    const size_t sz[16] = {TVP * TC, TT * TC, TL * TC, TL * TC, TL * 3 * TC * TC, TL * 3 * TC,
                           TL * TC * TC, TL * TC, TL * TC, TL * TC, TL * 4 * TC * TC,
                           TL * 4 * TC, TL * 4 * TC * TC, TL * TC, TC, TC};
    size_t tot = 0;
    for (int i = 0; i < 16; i++) {
        t[i] = p[i];
        n[i] = sz[i];
        tot += sz[i];
    }
    return tot;
}

static void put32(FILE *f, int32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static void put_header(FILE *f, int32_t magic, int32_t version, const int32_t *w, int nw)
{
    put32(f, magic);
    put32(f, version);
    for (int i = 0; i < nw; i++)
        put32(f, w[i]);
    for (int i = 2 + nw; i < 256; i++)
        put32(f, 0);
}

static char *new_path(const char *suffix)
{
    char *p = tu_tmpfile(suffix, "");
    cr_assert(p);
    return p;
}

/* Writes the model (version: 3, or another to test refusal); returns its
 * path (caller frees and unlinks). */
static char *tiny_write(const struct tiny *m, int32_t magic, int32_t version, int32_t layers)
{
    char *path = new_path(".bin");
    FILE *f = fopen(path, "wb");
    const int32_t hdr[6] = {TT, TV, layers, TNH, TC, TVP};
    put_header(f, magic, version, hdr, 6);
    const float *t[16];
    size_t n[16];
    tiny_tensors(m, t, n);
    for (int i = 0; i < 16; i++)
        for (size_t k = 0; k < n[i]; k++) {
            uint32_t u;
            memcpy(&u, &t[i][k], 4);
            put32(f, (int32_t)u);
        }
    fclose(f);
    return path;
}

static char *tokens_write(const uint16_t *tok, int32_t n, int32_t claimed, int32_t magic)
{
    char *path = new_path(".bin");
    FILE *f = fopen(path, "wb");
    const int32_t hdr[1] = {claimed};
    put_header(f, magic, 1, hdr, 1);
    for (int32_t i = 0; i < n; i++) {
        uint8_t b[2] = {(uint8_t)tok[i], (uint8_t)(tok[i] >> 8)};
        fwrite(b, 1, 2, f);
    }
    fclose(f);
    return path;
}

/* ---- the reference forward pass: plain loops, double precision ---------- */

static void ref_layernorm(const double *x, const float *g, const float *b, double *o)
{
    double m = 0, v = 0;
    for (int i = 0; i < TC; i++)
        m += x[i];
    m /= TC;
    for (int i = 0; i < TC; i++)
        v += (x[i] - m) * (x[i] - m);
    v /= TC;
    for (int i = 0; i < TC; i++)
        o[i] = (x[i] - m) / sqrt(v + 1e-5) * g[i] + b[i];
}

/* o[j] = b[j] + sum_i W[j][i] x[i], W (out x in) row-major. */
static void ref_linear(const float *W, const float *b, const double *x, double *o, int in,
                       int out)
{
    for (int j = 0; j < out; j++) {
        double s = b ? b[j] : 0.0;
        for (int i = 0; i < in; i++)
            s += (double)W[(size_t)j * in + i] * x[i];
        o[j] = s;
    }
}

/* logits (n x TV) of tokens tok[0..n) at positions 0..n-1. */
static void ref_forward(const struct tiny *m, const uint16_t *tok, int n, double *logits)
{
    double x[TT][TC], ln[TT][TC], qkv[TT][3 * TC], att[TT][TC], tmp[4 * TC];
    const int hs = TC / TNH;
    for (int t = 0; t < n; t++)
        for (int i = 0; i < TC; i++)
            x[t][i] = (double)m->wte[tok[t] * TC + i] + m->wpe[t * TC + i];
    for (int l = 0; l < TL; l++) {
        for (int t = 0; t < n; t++) {
            ref_layernorm(x[t], m->ln1w + l * TC, m->ln1b + l * TC, ln[t]);
            ref_linear(m->qkvw + (size_t)l * 3 * TC * TC, m->qkvb + l * 3 * TC, ln[t], qkv[t],
                       TC, 3 * TC);
        }
        for (int t = 0; t < n; t++)
            for (int h = 0; h < TNH; h++) {
                double sc[TT], mx = -1e300, sum = 0;
                for (int u = 0; u <= t; u++) {
                    double d = 0;
                    for (int i = 0; i < hs; i++)
                        d += qkv[t][h * hs + i] * qkv[u][TC + h * hs + i];
                    sc[u] = d / sqrt((double)hs);
                    if (sc[u] > mx)
                        mx = sc[u];
                }
                for (int u = 0; u <= t; u++)
                    sum += (sc[u] = exp(sc[u] - mx));
                for (int i = 0; i < hs; i++) {
                    double a = 0;
                    for (int u = 0; u <= t; u++)
                        a += sc[u] / sum * qkv[u][2 * TC + h * hs + i];
                    att[t][h * hs + i] = a;
                }
            }
        for (int t = 0; t < n; t++) {
            ref_linear(m->apw + (size_t)l * TC * TC, m->apb + l * TC, att[t], tmp, TC, TC);
            for (int i = 0; i < TC; i++)
                x[t][i] += tmp[i];
            double l2[TC], hid[4 * TC];
            ref_layernorm(x[t], m->ln2w + l * TC, m->ln2b + l * TC, l2);
            ref_linear(m->fcw + (size_t)l * 4 * TC * TC, m->fcb + l * 4 * TC, l2, hid, TC,
                       4 * TC);
            for (int i = 0; i < 4 * TC; i++) {
                double v = hid[i];
                hid[i] = 0.5 * v * (1 + tanh(sqrt(2 / 3.14159265358979323846) *
                                             (v + 0.044715 * v * v * v)));
            }
            ref_linear(m->fpw + (size_t)l * 4 * TC * TC, m->fpb + l * TC, hid, tmp, 4 * TC, TC);
            for (int i = 0; i < TC; i++)
                x[t][i] += tmp[i];
        }
    }
    for (int t = 0; t < n; t++) {
        ref_layernorm(x[t], m->lnfw, m->lnfb, ln[t]);
        ref_linear(m->wte, NULL, ln[t], logits + (size_t)t * TV, TC, TV);
    }
}

/* Greedy continuations: within each context of TT tokens, token k + 1 is
 * the reference model's most likely next token; the first is 1. */
static void greedy_tokens(const struct tiny *m, uint16_t *tok, int n)
{
    double *lg = malloc((size_t)TT * TV * sizeof *lg);
    tok[0] = 1;
    for (int k = 0; k + 1 < n; k++) {
        int c0 = k / TT * TT, len = k - c0 + 1;
        ref_forward(m, tok + c0, len, lg);
        int best = 0;
        for (int v = 1; v < TV; v++)
            if (lg[(size_t)(len - 1) * TV + v] > lg[(size_t)(len - 1) * TV + best])
                best = v;
        tok[k + 1] = (uint16_t)best;
    }
    free(lg);
}

/* ---- fixture ------------------------------------------------------------ */

#define TINY_MODEL "[model]\npreset = custom\nlayers = 2\nd_model = 32\nheads = 4\nd_ff = 128\n" \
                   "vocab = 64\ncontext_tokens = 16\n"

struct fixture {
    struct tiny m;
    uint16_t tok[NTOK];
    char *wpath, *tpath;
};

static void fx_init(struct fixture *fx)
{
    tiny_make(&fx->m, 20240326);
    greedy_tokens(&fx->m, fx->tok, NTOK);
    fx->wpath = tiny_write(&fx->m, LLMC_MODEL_MAGIC, LLMC_MODEL_FP32, TL);
    fx->tpath = tokens_write(fx->tok, NTOK, NTOK, LLMC_TOKENS_MAGIC);
}

static void fx_free(struct fixture *fx)
{
    unlink(fx->wpath);
    unlink(fx->tpath);
    free(fx->wpath);
    free(fx->tpath);
    tiny_free(&fx->m);
}

/* accuracy on the fixture with the tiny model, [tile] lines `tile`
 * (arrays 16 x 16 unless given) and further INI text `rest`; sequences of
 * `context` tokens (0: the model's 16). */
static void acc_init_ctx(accuracy *a, const struct fixture *fx, const char *tile,
                         const char *rest, uint32_t len, uint32_t context, uint32_t threads)
{
    char ini[2048];
    snprintf(ini, sizeof ini, TINY_MODEL "[tile]\n%s\n[adc]\ncount = 4\n%s\n",
             tile ? tile : "rows = 16\ncols = 16", rest ? rest : "");
    config c;
    cr_assert_eq(tu_config(&c, ini, err, sizeof err), 0, "%s", err);
    accuracy_opts o = {fx->wpath, fx->tpath, 0, len, context, threads, NULL};
    cr_assert_eq(accuracy_init(a, &c, &o, err, sizeof err), 0, "%s", err);
    config_free(&c);
}

static void acc_init(accuracy *a, const struct fixture *fx, const char *tile, const char *rest,
                     uint32_t len, uint32_t threads)
{
    acc_init_ctx(a, fx, tile, rest, len, 0, threads);
}

/* ---- llm.c files -------------------------------------------------------- */

Test(profile, llmc_reads_back_every_tensor)
{
    struct fixture fx;
    fx_init(&fx);
    llmc_model w;
    cr_assert_eq(llmc_model_load(&w, fx.wpath, err, sizeof err), 0, "%s", err);
    cr_expect_eq(w.layers, TL);
    cr_expect_eq(w.channels, TC);
    cr_expect_eq(w.heads, TNH);
    cr_expect_eq(w.vocab, TV);
    cr_expect_eq(w.vocab_padded, TVP);
    cr_expect_eq(w.max_t, TT);
    const float *t[16];
    size_t n[16];
    /* 72*32 + 16*32 + 2*(32+32+3072+96+1024+32+32+32+4096+128+4096+32) + 64 = 28288 */
    cr_expect_eq(tiny_tensors(&fx.m, t, n), 28288);
    cr_expect_eq(w.nparams, 28288);
    for (int i = 0; i < 16; i++) {
        cr_expect_eq(w.size[i], n[i], "%s", llmc_tensor_name(i));
        cr_expect(memcmp(w.t[i], t[i], n[i] * sizeof(float)) == 0, "%s", llmc_tensor_name(i));
    }
    llmc_model_free(&w);
    llmc_tokens tk;
    cr_assert_eq(llmc_tokens_load(&tk, fx.tpath, err, sizeof err), 0, "%s", err);
    cr_expect_eq(tk.n, NTOK);
    cr_expect(memcmp(tk.tok, fx.tok, sizeof fx.tok) == 0);
    llmc_tokens_free(&tk);
    fx_free(&fx);
}

static void expect_load_error(int model, const char *path, const char *fmt_tail)
{
    char want[1024];
    snprintf(want, sizeof want, "%s%s", path, fmt_tail);
    int rc;
    if (model) {
        llmc_model w;
        rc = llmc_model_load(&w, path, err, sizeof err);
    } else {
        llmc_tokens t;
        rc = llmc_tokens_load(&t, path, err, sizeof err);
    }
    cr_expect_eq(rc, -1);
    cr_expect_str_eq(err, want);
}

Test(profile, llmc_refuses_malformed_files)
{
    struct tiny m;
    tiny_make(&m, 7);
    char *p = tiny_write(&m, 12345, 3, TL);
    expect_load_error(1, p, ": header word 0 (magic) = 12345: not an llm.c GPT-2 checkpoint "
                            "(expected 20240326)");
    unlink(p);
    free(p);
    p = tiny_write(&m, LLMC_MODEL_MAGIC, 5, TL);
    expect_load_error(1, p, ": header word 1 (version) = 5: a bf16 checkpoint; aimcsim reads "
                            "fp32 checkpoints only (version 3, e.g. gpt2_124M.bin, not "
                            "gpt2_124M_bf16.bin)");
    unlink(p);
    free(p);
    /* 3 layers in the header, 2 in the file: 1024 + 4 * 28288 = 114176 bytes
     * written; 3 layers need 72*32 + 16*32 + 3*12704 + 64 = 40992
     * parameters, 1024 + 4 * 40992 = 164992 bytes. */
    p = tiny_write(&m, LLMC_MODEL_MAGIC, 3, 3);
    expect_load_error(1, p, ": 114176 bytes, expected 164992 (the 1024-byte header and 40992 "
                            "fp32 parameters of a 3-layer, 32-channel model): truncated");
    unlink(p);
    free(p);
    p = tiny_write(&m, LLMC_MODEL_MAGIC, 3, 0);
    expect_load_error(1, p, ": header word 4 (layers) = 0: must be in [1, 4096]");
    unlink(p);
    free(p);
    uint16_t tok[4] = {1, 2, 3, 4};
    p = tokens_write(tok, 4, 4, LLMC_MODEL_MAGIC);
    expect_load_error(0, p, ": header word 0 (magic) = 20240326: not an llm.c token file "
                            "(expected 20240520; this is a checkpoint)");
    unlink(p);
    free(p);
    /* 4 tokens written, 5 claimed: 1024 + 2 * 5 = 1034 bytes expected, 1032 there */
    p = tokens_write(tok, 4, 5, LLMC_TOKENS_MAGIC);
    expect_load_error(0, p, ": 1032 bytes, expected 1034 (the 1024-byte header and 5 uint16 "
                            "tokens): truncated");
    unlink(p);
    free(p);
    p = tu_tmpfile(".bin", "short");
    expect_load_error(1, p, ": 5 bytes: shorter than the 1024-byte header of an llm.c "
                            "checkpoint");
    unlink(p);
    free(p);
    tiny_free(&m);
}

/* ---- the forward pass --------------------------------------------------- */

Test(profile, forward_matches_reference)
{
    struct fixture fx;
    fx_init(&fx);
    llmc_model w;
    cr_assert_eq(llmc_model_load(&w, fx.wpath, err, sizeof err), 0, "%s", err);
    fwd_ws ws;
    fwd_ws_init(&ws, &w, TT);
    double *ref = malloc((size_t)TT * TV * sizeof *ref);
    for (int n = 1; n <= TT; n += 5) {
        ref_forward(&fx.m, fx.tok, n, ref);
        cr_assert_eq(fwd_pass(&ws, NULL, NULL, fx.tok, (uint32_t)n, 0, fwd_proj_dense, &w), 0);
        double maxd = 0, maxr = 0;
        for (size_t i = 0; i < (size_t)n * TV; i++) {
            maxd = fmax(maxd, fabs(ws.logits[i] - ref[i]));
            maxr = fmax(maxr, fabs(ref[i]));
        }
        cr_expect(maxr > 0.5, "logits should not be trivial (max %g)", maxr);
        cr_expect(maxd <= 2e-5 * (1 + maxr), "n = %d: logits differ by %g (max %g)", n, maxd,
                  maxr);
        /* the NLL of the next tokens, from the reference's log-softmax */
        double nll = 0;
        for (int t = 0; t < n; t++) {
            double mx = -1e300, s = 0;
            for (int v = 0; v < TV; v++)
                mx = fmax(mx, ref[t * TV + v]);
            for (int v = 0; v < TV; v++)
                s += exp(ref[t * TV + v] - mx);
            nll -= ref[t * TV + fx.tok[t + 1]] - mx - log(s);
        }
        fwd_log_softmax(ws.logits, (uint32_t)n, TV);
        double got = fwd_nll(ws.logits, fx.tok + 1, (uint32_t)n, TV);
        cr_expect(fabs(got - nll) <= 1e-4 * (1 + nll), "n = %d: NLL %g, want %g", n, got, nll);
        cr_expect(fabs(fwd_kl(ws.logits, ws.logits, (uint32_t)n, TV)) < 1e-12);
    }
    free(ref);
    fwd_ws_free(&ws);
    llmc_model_free(&w);
    fx_free(&fx);
}

/* The window in sequences: 30 positions from token 3 in sequences of 8
 * tokens are the sequences tok[3..10], tok[11..18], tok[19..26] and
 * tok[27..32] (6 positions), each from position 0, as llm.c evaluates B x T
 * batches; the clean NLL is the mean of the reference's over them. */
Test(profile, window_in_sequences_matches_reference)
{
    struct fixture fx;
    fx_init(&fx);
    char ini[512];
    snprintf(ini, sizeof ini, TINY_MODEL "[tile]\nrows = 16\ncols = 16\n[adc]\ncount = 4\n"
             "[noise]\ndraws = 1\n");
    config c;
    cr_assert_eq(tu_config(&c, ini, err, sizeof err), 0, "%s", err);
    accuracy a;
    accuracy_opts o = {fx.wpath, fx.tpath, 3, 30, 8, 1, NULL};
    cr_assert_eq(accuracy_init(&a, &c, &o, err, sizeof err), 0, "%s", err);
    cr_expect_eq(a.chunk, 8);
    accuracy_result r;
    cr_assert_eq(accuracy_whole(&a, &r, err, sizeof err), 0, "%s", err);
    double *lg = malloc((size_t)TT * TV * sizeof *lg), nll = 0;
    for (int c0 = 0; c0 < 30; c0 += 8) {
        int n = 30 - c0 < 8 ? 30 - c0 : 8;
        const uint16_t *in = fx.tok + 3 + c0;
        ref_forward(&fx.m, in, n, lg);
        for (int t = 0; t < n; t++) {
            double mx = -1e300, s = 0;
            for (int v = 0; v < TV; v++)
                mx = fmax(mx, lg[t * TV + v]);
            for (int v = 0; v < TV; v++)
                s += exp(lg[t * TV + v] - mx);
            nll -= lg[t * TV + in[t + 1]] - mx - log(s);
        }
    }
    nll /= 30;
    cr_expect(fabs(r.nll_clean - nll) < 1e-5 * (1 + nll), "NLL %.8f, want %.8f", r.nll_clean,
              nll);
    accuracy_result_free(&r);
    accuracy_free(&a);
    /* a sequence longer than the model's context is refused */
    o.context = 17;
    cr_expect_eq(accuracy_init(&a, &c, &o, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "context 17: exceeds the context of the model in %s (16 tokens)",
             fx.wpath);
    cr_expect_str_eq(err, want);
    config_free(&c);
    free(lg);
    fx_free(&fx);
}

/* A projection function that runs one projection analog, the rest exact. */
struct one {
    const noise_ctx *nc;
    noise_ws *ws;
    int proj;       /* -1: every analog projection; -2: none */
    uint32_t draw;
};

static int one_proj(void *ctx, uint32_t p, const float *x, float *y, uint32_t n)
{
    const struct one *o = ctx;
    noise_proj(o->nc, o->ws, p, o->proj == -1 || (int)p == o->proj, o->draw, 0, x, y, n);
    return 0;
}

Test(profile, resumed_pass_is_bitwise_the_full_pass)
{
    struct fixture fx;
    fx_init(&fx);
    accuracy a;
    acc_init(&a, &fx, NULL, "[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\n"
             "densemap_rows = 3", 0, 1);
    fwd_ws full, res;
    fwd_cache cache;
    fwd_ws_init(&full, &a.w, TT);
    fwd_ws_init(&res, &a.w, TT);
    fwd_cache_init(&cache, &a.w, TT);
    noise_ws *nws = noise_ws_new();
    struct one clean = {a.nc_all, nws, -2, 0};
    cr_assert_eq(fwd_pass(&res, NULL, &cache, fx.tok, TT, 0, one_proj, &clean), 0);
    for (uint32_t p = 0; p < a.m.nproj; p++) {
        struct one o = {a.nc_all, nws, (int)p, 3};
        cr_assert_eq(fwd_pass(&full, NULL, NULL, fx.tok, TT, 0, one_proj, &o), 0);
        cr_assert_eq(fwd_pass(&res, p ? &cache : NULL, NULL, fx.tok, TT, p, one_proj, &o), 0);
        cr_expect(memcmp(full.logits, res.logits, (size_t)TT * TV * sizeof(float)) == 0,
                  "resumed at %s: logits differ", a.m.proj[p].name);
    }
    noise_ws_free(nws);
    fwd_cache_free(&cache);
    fwd_ws_free(&full);
    fwd_ws_free(&res);
    accuracy_free(&a);
    fx_free(&fx);
}

/* ---- quantisers and the analog model ------------------------------------ */

Test(profile, quantisers_by_hand)
{
    /* DAC, 3 bits: 2^2 - 1 = 3 positive levels, steps of 1/3:
     * 0.5 * 3 = 1.5 rounds (half away from zero) to 2 -> 2/3;
     * -0.1 * 3 = -0.3 -> 0; 1.2 clips to 1. */
    cr_expect_float_eq(noise_dac(0.5f, 3), 2.0f / 3.0f, 1e-7);
    cr_expect_float_eq(noise_dac(-0.1f, 3), 0.0f, 1e-7);
    cr_expect_float_eq(noise_dac(1.2f, 3), 1.0f, 1e-7);
    /* 8 bits: 127 levels; 0.3 * 127 = 38.1 -> 38/127 */
    cr_expect_float_eq(noise_dac(0.3f, 8), 38.0f / 127.0f, 1e-7);
    /* ADC, r = 1, 2 bits: D = 1 / 2^1 = 0.5, codes -2..1, values
     * -1, -0.5, 0, 0.5: 0.3 -> 0.5, 0.2 -> 0, 0.9 -> 0.5 (clipped at code
     * 1), -2 -> -1, -0.74 -> -0.5, -0.76 -> -1. */
    cr_expect_float_eq(noise_adc(0.3f, 1.0f, 2), 0.5f, 1e-7);
    cr_expect_float_eq(noise_adc(0.2f, 1.0f, 2), 0.0f, 1e-7);
    cr_expect_float_eq(noise_adc(0.9f, 1.0f, 2), 0.5f, 1e-7);
    cr_expect_float_eq(noise_adc(-2.0f, 1.0f, 2), -1.0f, 1e-7);
    cr_expect_float_eq(noise_adc(-0.74f, 1.0f, 2), -0.5f, 1e-7);
    cr_expect_float_eq(noise_adc(-0.76f, 1.0f, 2), -1.0f, 1e-7);
    /* 3 bits, r = 4: D = 1, codes -4..3: 2.6 -> 3, 3.7 -> 3, -4.4 -> -4 */
    cr_expect_float_eq(noise_adc(2.6f, 4.0f, 3), 3.0f, 1e-7);
    cr_expect_float_eq(noise_adc(3.7f, 4.0f, 3), 3.0f, 1e-7);
    cr_expect_float_eq(noise_adc(-4.4f, 4.0f, 3), -4.0f, 1e-7);
    /* the generator: fixed keys give fixed, distinct, normal-looking values */
    double s = 0, s2 = 0;
    for (int i = 0; i < 20000; i++) {
        double g = noise_gauss(noise_mix(42, (uint64_t)i));
        s += g;
        s2 += g * g;
    }
    cr_expect(fabs(s / 20000) < 0.03 && fabs(s2 / 20000 - 1) < 0.05, "mean %g, var %g",
              s / 20000, s2 / 20000);
    cr_expect_eq(noise_gauss(noise_mix(1, 2)), noise_gauss(noise_mix(1, 2)));
    cr_expect_neq(noise_gauss(noise_mix(1, 2)), noise_gauss(noise_mix(1, 3)));
    /* per-cell numbers: the same for a counter whatever the run it is in
     * (runs starting at odd and even counters), normal moments, and the
     * quantile: P(z < -1.6449) = 5% */
    float run[301], one;
    noise_gauss_fill(77, 1000001, 301, run);
    for (uint32_t i = 0; i < 301; i += 7) {
        noise_gauss_fill(77, 1000001 + i, 1, &one);
        cr_expect_eq(one, run[i], "counter %u", 1000001 + i);
    }
    float *many = malloc(200000 * sizeof *many);
    noise_gauss_fill(5, 0, 200000, many);
    s = s2 = 0;
    int below = 0;
    for (int i = 0; i < 200000; i++) {
        s += many[i];
        s2 += (double)many[i] * many[i];
        below += many[i] < -1.6449f;
    }
    cr_expect(fabs(s / 200000) < 0.01 && fabs(s2 / 200000 - 1) < 0.02, "mean %g, var %g",
              s / 200000, s2 / 200000);
    cr_expect(fabs(below / 200000.0 - 0.05) < 0.003, "P(z < -1.645) = %g", below / 200000.0);
    free(many);
}

static void random_rows(float *x, uint32_t n, uint32_t w, uint64_t *s)
{
    for (size_t i = 0; i < (size_t)n * w; i++)
        x[i] = (float)urand(s);
}

/* max |y - ref| over n rows of w, and the RMS of ref. */
static void compare(const float *y, const float *ref, size_t n, double *maxd, double *rms)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)y[i] - ref[i]));
        s += (double)ref[i] * ref[i];
    }
    *maxd = d;
    *rms = sqrt(s / n);
}

/* Without programming or output noise, with 24-bit inputs and 16-bit ADCs
 * clipping at 16 sigma, every mapping computes every projection to within
 * 2e-3 of its RMS output. */
Test(profile, noiseless_analog_is_exact_for_every_mapping)
{
    static const char *const maps[] = {
        "[mapping]\nstrategy = linear",
        "[transform]\nkind = monarch\n[mapping]\nstrategy = linear",
        "[transform]\nkind = monarch\n[mapping]\nstrategy = sparsemap",
        "[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\ndensemap_rows = 3",
        "[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\ndensemap_share = model",
    };
    struct fixture fx;
    fx_init(&fx);
    uint64_t s = 99;
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        char rest[512];
        snprintf(rest, sizeof rest, "%s\n[adc]\nbits = 16\n[noise]\nprog_sigma_rel = 0\n"
                 "w_clip_sigma = 0\nadc_k_sigma = 16\n", maps[k]);
        accuracy a;
        acc_init(&a, &fx, "rows = 16\ncols = 16\ninput_bits = 24", rest, 0, 1);
        noise_ws *nws = noise_ws_new();
        for (uint32_t p = 0; p < a.m.nproj; p++) {
            const model_proj *pj = &a.m.proj[p];
            cr_assert(noise_ctx_analog(a.nc, p));
            float *x = malloc((size_t)TT * pj->in * sizeof *x);
            float *y = malloc((size_t)TT * pj->out * sizeof *y);
            float *ref = malloc((size_t)TT * pj->out * sizeof *ref);
            random_rows(x, TT, pj->in, &s);
            noise_proj(a.nc, nws, p, 0, 0, 0, x, ref, TT);
            noise_proj(a.nc, nws, p, 1, 0, 0, x, y, TT);
            double maxd, rms;
            compare(y, ref, (size_t)TT * pj->out, &maxd, &rms);
            cr_expect(rms > 0.1 && maxd <= 2e-3 * rms, "%s, %s: max error %g, RMS %g", maps[k],
                      pj->name, maxd, rms);
            free(x);
            free(y);
            free(ref);
        }
        noise_ws_free(nws);
        accuracy_free(&a);
    }
    fx_free(&fx);
}

/* More ADC bits never increase the error of an MVM beyond float rounding.
 * With one activation per output (the projection fits one array) each
 * output's error cannot grow (the levels of b bits are among those of
 * b + 1); with partial sums of two arrays the RMS error over 16 random
 * vectors cannot. */
Test(profile, more_adc_bits_never_increase_the_error)
{
    struct fixture fx;
    fx_init(&fx);
    uint64_t s = 5;
    const uint32_t p = 1; /* h0.attn.c_proj: 32 x 32 */
    float x[TT * TC], ref[TT * TC], y[TT * TC], prev[TT * TC];
    random_rows(x, TT, TC, &s);
    static const char *const tiles[2] = {"rows = 32\ncols = 32\ninput_bits = 24",
                                         "rows = 16\ncols = 32\ninput_bits = 24"};
    for (int multi = 0; multi < 2; multi++) {
        double prev_rms = INFINITY;
        for (int bits = 2; bits <= 12; bits++) {
            char rest[256];
            snprintf(rest, sizeof rest, "[adc]\nbits = %d\n[noise]\nprog_sigma_rel = 0\n", bits);
            accuracy a;
            acc_init(&a, &fx, tiles[multi], rest, 0, 1);
            cr_assert_eq(a.mp.proj[p].stage[0].nact, multi ? 2u : 1u);
            noise_ws *nws = noise_ws_new();
            noise_proj(a.nc, nws, p, 0, 0, 0, x, ref, TT);
            noise_proj(a.nc, nws, p, 1, 0, 0, x, y, TT);
            double e2 = 0, scale = 0;
            for (int i = 0; i < TT * TC; i++) {
                double e = fabs((double)y[i] - ref[i]);
                e2 += e * e;
                scale = fmax(scale, fabs(ref[i]));
                if (!multi && bits > 2)
                    cr_expect(e <= fabs((double)prev[i] - ref[i]) + 1e-5 * scale,
                              "%d bits, output %d: error %g, at %d bits %g", bits, i, e,
                              bits - 1, fabs((double)prev[i] - ref[i]));
            }
            double rms = sqrt(e2 / (TT * TC));
            cr_expect(rms <= prev_rms * (1 + 1e-6), "%s: %d bits RMS error %g > %g at %d",
                      multi ? "two arrays" : "one array", bits, rms, prev_rms, bits - 1);
            if (bits == 2)
                cr_expect(rms > 1e-3 * scale, "2 bits should be visibly coarse");
            prev_rms = rms;
            memcpy(prev, y, sizeof y);
            noise_ws_free(nws);
            accuracy_free(&a);
        }
    }
    fx_free(&fx);
}

/* Clipping bound and weight scale of h0.attn.c_proj (32 x 32) set to
 * +-0.1 alternating (512 of +0.1, 511 of -0.1) and one 1.0:
 *   n = 1024, sum = 0.1 + 1 = 1.1, sum of squares = 1023 * 0.01 + 1 = 11.23,
 *   mean = 1.07422e-3, var = 11.23 / 1024 - mean^2 = 1.096564e-2,
 *   sd = 0.1047170, c = 2.5 sd = 0.2617924, w_ref = min(1, c) = c;
 * without clipping w_ref = max |w| = 1.  On a 32 x 32 array the array
 * holds exactly this matrix, so w_scope = array gives the same. */
Test(profile, clipping_and_weight_scale_by_hand)
{
    struct fixture fx;
    fx_init(&fx);
    for (int i = 0; i < TC * TC; i++)
        fx.m.apw[i] = i % 2 ? -0.1f : 0.1f;
    fx.m.apw[1] = 1.0f;
    unlink(fx.wpath);
    free(fx.wpath);
    fx.wpath = tiny_write(&fx.m, LLMC_MODEL_MAGIC, LLMC_MODEL_FP32, TL);
    static const char *const rest[3] = {"[noise]\nw_scope = matrix\n", "[noise]\nw_scope = array\n",
                                        "[noise]\nw_scope = matrix\nw_clip_sigma = 0\n"};
    const double want_ref[3] = {0.2617924, 0.2617924, 1.0};
    for (int k = 0; k < 3; k++) {
        accuracy a;
        acc_init(&a, &fx, "rows = 32\ncols = 32", rest[k], 0, 1);
        int p = model_find_proj(&a.m, "h0.attn.c_proj");
        double w_ref, clip;
        noise_ctx_wref(a.nc, (uint32_t)p, 0, &w_ref, &clip);
        cr_expect(fabs(w_ref - want_ref[k]) < 1e-6, "%s: w_ref %.7f, want %.7f", rest[k], w_ref,
                  want_ref[k]);
        if (k < 2)
            cr_expect(fabs(clip - 0.2617924) < 1e-6, "clip %.7f", clip);
        else
            cr_expect(isinf(clip), "no clipping: %g", clip);
        int stored;
        /* S[row = input][col = output] = W[output][input]: S[0][1] = W[1][0] =
         * apw[32] = 0.1, S[1][0] = W[0][1] = 1 */
        cr_expect_eq(noise_weight_at(&a.nw, (uint32_t)p, 0, 0, 1, &stored), 0.1f);
        cr_expect_eq(noise_weight_at(&a.nw, (uint32_t)p, 0, 1, 0, &stored), 1.0f);
        cr_expect(stored);
        accuracy_free(&a);
    }
    fx_free(&fx);
}

/* ---- Monarch ------------------------------------------------------------ */

/* Independent reshape-transpose: v read as nb x b, transposed. */
static void ref_p(const double *v, double *out, uint32_t nb, uint32_t b)
{
    for (uint32_t k = 0; k < nb; k++)
        for (uint32_t j = 0; j < b; j++)
            out[j * nb + k] = v[k * b + j];
}

static void ref_pt(const double *v, double *out, uint32_t nb, uint32_t b)
{
    for (uint32_t j = 0; j < b; j++)
        for (uint32_t k = 0; k < nb; k++)
            out[k * b + j] = v[j * nb + k];
}

/* o[k b + j] = sum_i F[k][i][j] u[k b + i]. */
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

/* M (n x n, out x in) = P^T L P R P from F[k][i][j] factors. */
static void ref_monarch(const double *R, const double *L, uint32_t nb, uint32_t b, double *M)
{
    uint32_t n = nb * b;
    double *x = calloc(n, sizeof *x), *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
    double *y = malloc(n * sizeof *y);
    for (uint32_t q = 0; q < n; q++) {
        memset(x, 0, n * sizeof *x);
        x[q] = 1;
        ref_p(x, u, nb, b);
        ref_bd(R, u, v, nb, b);
        ref_p(v, u, nb, b);
        ref_bd(L, u, v, nb, b);
        ref_pt(v, y, nb, b);
        for (uint32_t o = 0; o < n; o++)
            M[(size_t)o * n + q] = y[o];
    }
    free(x);
    free(u);
    free(v);
    free(y);
}

/* The fit's block layout [k b^2 + j b + i] as F[k][i][j]. */
static void to_ref_layout(const float *fit, double *F, uint32_t nb, uint32_t b)
{
    for (uint32_t k = 0; k < nb; k++)
        for (uint32_t i = 0; i < b; i++)
            for (uint32_t j = 0; j < b; j++)
                F[((size_t)k * b + i) * b + j] = fit[(size_t)k * b * b + (size_t)j * b + i];
}

/* The square projection h0.attn.c_proj of a model with d_model n, nblocks nb. */
static void square_proj(uint32_t n, uint32_t nb, model *m, transform *t, config *c)
{
    char ini[512];
    snprintf(ini, sizeof ini, "[model]\npreset = custom\nlayers = 1\nd_model = %u\nheads = 1\n"
             "d_ff = %u\nvocab = 8\ncontext_tokens = 4\n[transform]\nkind = monarch\n"
             "nblocks = %u\n", n, 4 * n, nb);
    cr_assert_eq(tu_config(c, ini, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_init(m, c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(t, m, c, err, sizeof err), 0, "%s", err);
}

Test(profile, monarch_index_mapping_by_hand)
{
    /* n = 4, nb = b = 2: P v = [v0, v2, v1, v3] (= P^T).  With x = e_0:
     * u = P x = e_0; v = R u = [R0[0][0], R0[0][1], 0, 0]; w = P v =
     * [R0[0][0], 0, R0[0][1], 0]; z = L w = [L0[0][0] R0[0][0],
     * L0[0][1] R0[0][0], L1[0][0] R0[0][1], L1[0][1] R0[0][1]]; y = P^T z
     * = [z0, z2, z1, z3].  With R0[0][0] = 2, R0[0][1] = 3, L0[0][0] = 5,
     * L0[0][1] = 7, L1[0][0] = 11, L1[0][1] = 13 (F[k][i][j]: block k,
     * input i, output j): column 0 of M is [10, 33, 14, 39]. */
    double R[8] = {0}, L[8] = {0}, M[16];
    R[0] = 2;
    R[1] = 3;
    L[0] = 5;
    L[1] = 7;
    L[4] = 11;
    L[5] = 13;
    R[2] = 1; /* R0[1][0]: input 1 of block 0 (x index 2), not in column 0 */
    ref_monarch(R, L, 2, 2, M);
    const double want[4] = {10, 33, 14, 39};
    for (int o = 0; o < 4; o++)
        cr_expect_eq(M[o * 4 + 0], want[o], "M[%d][0] = %g", o, M[o * 4]);
    /* the fit of this exactly-Monarch matrix gives it back */
    model m;
    transform t;
    config c;
    square_proj(4, 2, &m, &t, &c);
    const transform_proj *tp = &t.proj[model_find_proj(&m, "h0.attn.c_proj")];
    float Mf[16], Rf[8], Lf[8];
    for (int i = 0; i < 16; i++)
        Mf[i] = (float)M[i];
    double e2 = noise_monarch_fit(tp, Mf, 4, Rf, Lf);
    double R2[8], L2[8], M2[16];
    to_ref_layout(Rf, R2, 2, 2);
    to_ref_layout(Lf, L2, 2, 2);
    ref_monarch(R2, L2, 2, 2, M2);
    for (int i = 0; i < 16; i++)
        cr_expect(fabs(M2[i] - M[i]) < 1e-4, "M[%d] = %g, fit %g", i, M[i], M2[i]);
    cr_expect(e2 < 1e-8, "fit error %g", e2);
    transform_free(&t);
    model_free(&m);
    config_free(&c);
}

/* Random exactly-Monarch matrices are reproduced for nb = b (rank-1
 * slices), nb < b (rank-4 slices) and nb > b (slices of rank 0 and 1); a
 * random dense matrix is not, its fit is a projection (fitting the fit
 * changes nothing) and the error reported is the true one. */
Test(profile, monarch_fit_reproduces_monarch_matrices)
{
    static const uint32_t cases[][2] = {{16, 4}, {16, 2}, {16, 8}, {36, 6}};
    uint64_t s = 3;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint32_t n = cases[k][0], nb = cases[k][1], b = n / nb;
        model m;
        transform t;
        config c;
        square_proj(n, nb, &m, &t, &c);
        const transform_proj *tp = &t.proj[model_find_proj(&m, "h0.attn.c_proj")];
        cr_assert_eq(tp->nb, nb);
        size_t nf = (size_t)nb * b * b, nn = (size_t)n * n;
        double *R = malloc(nf * sizeof *R), *L = malloc(nf * sizeof *L);
        double *M = malloc(nn * sizeof *M), *M2 = malloc(nn * sizeof *M2);
        float *Mf = malloc(nn * sizeof *Mf), *Rf = malloc(nf * sizeof *Rf);
        float *Lf = malloc(nf * sizeof *Lf);
        for (size_t i = 0; i < nf; i++) {
            R[i] = urand(&s);
            L[i] = urand(&s);
        }
        ref_monarch(R, L, nb, b, M);
        for (size_t i = 0; i < nn; i++)
            Mf[i] = (float)M[i];
        double e2 = noise_monarch_fit(tp, Mf, n, Rf, Lf), norm = 0, dmax = 0;
        to_ref_layout(Rf, R, nb, b);
        to_ref_layout(Lf, L, nb, b);
        ref_monarch(R, L, nb, b, M2);
        for (size_t i = 0; i < nn; i++) {
            dmax = fmax(dmax, fabs(M2[i] - M[i]));
            norm += M[i] * M[i];
        }
        cr_expect(dmax < 1e-4 * sqrt(norm / nn) * 10, "n %u nb %u: max difference %g", n, nb,
                  dmax);
        cr_expect(e2 < 1e-9 * norm, "n %u nb %u: fit error %g of %g", n, nb, e2, norm);
        /* a dense random matrix */
        for (size_t i = 0; i < nn; i++)
            Mf[i] = (float)(M[i] = urand(&s));
        e2 = noise_monarch_fit(tp, Mf, n, Rf, Lf);
        to_ref_layout(Rf, R, nb, b);
        to_ref_layout(Lf, L, nb, b);
        ref_monarch(R, L, nb, b, M2);
        double d2 = 0;
        for (size_t i = 0; i < nn; i++)
            d2 += (M2[i] - M[i]) * (M2[i] - M[i]);
        cr_expect(e2 > 0.05 * nn / 3.0, "n %u nb %u: a dense matrix is not Monarch", n, nb);
        cr_expect(fabs(d2 - e2) <= 1e-4 * e2, "n %u nb %u: reported error %g, true %g", n, nb,
                  e2, d2);
        for (size_t i = 0; i < nn; i++)
            Mf[i] = (float)M2[i];
        double e3 = noise_monarch_fit(tp, Mf, n, Rf, Lf);
        cr_expect(e3 < 1e-8 * e2, "n %u nb %u: refitting the fit: error %g", n, nb, e3);
        free(R);
        free(L);
        free(M);
        free(M2);
        free(Mf);
        free(Rf);
        free(Lf);
        transform_free(&t);
        model_free(&m);
        config_free(&c);
    }
}

/* A checkpoint whose projections are exact Monarch stacks (c_attn: three
 * tall pieces, c_fc four tall, mlp.c_proj four wide, built from random
 * factors by the reference): under [transform] kind = monarch the exact
 * projections equal the dense weights' products. */
Test(profile, monarch_checkpoint_is_reproduced)
{
    struct fixture fx;
    fx_init(&fx);
    const uint32_t nb = 4, b = TC / nb, n = TC;
    uint64_t s = 11;
    size_t nf = (size_t)nb * b * b;
    double *R = malloc(nf * sizeof *R), *L = malloc(nf * sizeof *L), *M = malloc(n * n * sizeof *M);
    for (int l = 0; l < TL; l++) {
        float *W[4] = {fx.m.qkvw + (size_t)l * 3 * n * n, fx.m.apw + (size_t)l * n * n,
                       fx.m.fcw + (size_t)l * 4 * n * n, fx.m.fpw + (size_t)l * 4 * n * n};
        const uint32_t pieces[4] = {3, 1, 4, 4}, in[4] = {n, n, n, 4 * n};
        for (int k = 0; k < 4; k++)
            for (uint32_t pc = 0; pc < pieces[k]; pc++) {
                for (size_t i = 0; i < nf; i++) {
                    R[i] = 0.5 * urand(&s);
                    L[i] = 0.5 * urand(&s);
                }
                ref_monarch(R, L, nb, b, M);
                for (uint32_t o = 0; o < n; o++)
                    for (uint32_t q = 0; q < n; q++) {
                        /* tall: rows pc n + o; wide (mlp.c_proj): columns pc n + q */
                        size_t at = k == 3 ? (size_t)o * in[k] + pc * n + q
                                           : ((size_t)pc * n + o) * in[k] + q;
                        W[k][at] = (float)M[(size_t)o * n + q];
                    }
            }
    }
    unlink(fx.wpath);
    free(fx.wpath);
    fx.wpath = tiny_write(&fx.m, LLMC_MODEL_MAGIC, LLMC_MODEL_FP32, TL);
    accuracy a;
    acc_init(&a, &fx, NULL, "[transform]\nkind = monarch\nnblocks = 4\n", 0, 1);
    cr_expect(a.nw.fit_err2 < 1e-9 * a.nw.fit_norm2, "fit error %g of %g", a.nw.fit_err2,
              a.nw.fit_norm2);
    /* the R stage of a square Monarch holds blocks (k, k) only: (0, b) is empty */
    int stored, pp = model_find_proj(&a.m, "h0.attn.c_proj");
    cr_expect_eq(noise_weight_at(&a.nw, (uint32_t)pp, 0, 0, b, &stored), 0.0f);
    cr_expect(!stored);
    noise_weight_at(&a.nw, (uint32_t)pp, 0, b + 1, b + 2, &stored);
    cr_expect(stored);
    noise_ws *nws = noise_ws_new();
    for (uint32_t p = 0; p < a.m.nproj; p++) {
        const model_proj *pj = &a.m.proj[p];
        float *x = malloc((size_t)TT * pj->in * sizeof *x);
        float *y = malloc((size_t)TT * pj->out * sizeof *y);
        float *ref = malloc((size_t)TT * pj->out * sizeof *ref);
        random_rows(x, TT, pj->in, &s);
        noise_proj(a.nc, nws, p, 0, 0, 0, x, y, TT);
        fwd_proj_dense(&a.w, p, x, ref, TT);
        double maxd, rms;
        compare(y, ref, (size_t)TT * pj->out, &maxd, &rms);
        cr_expect(maxd <= 1e-4 * rms, "%s: max difference %g, RMS %g", pj->name, maxd, rms);
        free(x);
        free(y);
        free(ref);
    }
    noise_ws_free(nws);
    accuracy_free(&a);
    free(R);
    free(L);
    free(M);
    fx_free(&fx);
}

/* ---- the profile -------------------------------------------------------- */

static uint32_t argmax_dppl(const accuracy_result *r)
{
    uint32_t best = 0;
    double bv = -INFINITY;
    for (uint32_t i = 0; i < r->nproj; i++) {
        double m = 0;
        for (uint32_t d = 0; d < r->draws; d++)
            m += accuracy_dppl(r, i, d);
        if (r->row_valid[i] && m > bv) {
            bv = m;
            best = i;
        }
    }
    return best;
}

Test(profile, far_noisiest_projection_scores_highest)
{
    struct fixture fx;
    fx_init(&fx);
    static const char *const target[] = {"h0.attn.c_attn", "h0.mlp.c_proj", "h1.attn.c_proj",
                                         "lm_head"};
    for (size_t k = 0; k < sizeof target / sizeof target[0]; k++) {
        accuracy a;
        acc_init(&a, &fx, NULL, "[noise]\ndraws = 3\n", 32, 1);
        int p = model_find_proj(&a.m, target[k]);
        cr_assert_geq(p, 0);
        noise_ctx_scale(a.nc_all, (uint32_t)p, 40.0);  /* sigma 0.92 w_ref */
        accuracy_result r;
        cr_assert_eq(accuracy_profile(&a, &r, err, sizeof err), 0, "%s", err);
        cr_expect_eq(r.nproj, 9);
        cr_expect_eq(r.positions, 32);
        uint32_t best = argmax_dppl(&r);
        cr_expect_eq(best, (uint32_t)p, "%s should score highest, %s does", target[k],
                     a.m.proj[best].name);
        cr_expect(accuracy_dppl(&r, (uint32_t)p, 0) > 0.0);
        accuracy_result_free(&r);
        accuracy_free(&a);
    }
    fx_free(&fx);
}

Test(profile, results_are_deterministic_and_thread_independent)
{
    struct fixture fx;
    fx_init(&fx);
    accuracy_result r[3];
    const char *rest[3] = {"[noise]\ndraws = 2\nout_noise_rel = 0.05\n",
                           "[noise]\ndraws = 2\nout_noise_rel = 0.05\n",
                           "[noise]\ndraws = 2\nout_noise_rel = 0.05\nseed = 2\n"};
    const uint32_t threads[3] = {1, 3, 1};
    for (int k = 0; k < 3; k++) {
        accuracy a;
        acc_init(&a, &fx, NULL, rest[k], 32, threads[k]);
        cr_assert_eq(accuracy_profile(&a, &r[k], err, sizeof err), 0, "%s", err);
        accuracy_free(&a);
    }
    size_t n = (size_t)r[0].nproj * r[0].draws * sizeof(double);
    cr_expect(memcmp(r[0].nll, r[1].nll, n) == 0, "1 and 3 threads differ");
    cr_expect(memcmp(r[0].kl, r[1].kl, n) == 0, "1 and 3 threads differ (KL)");
    cr_expect(memcmp(r[0].nll, r[2].nll, n) != 0, "another seed gives the same results");
    cr_expect(r[0].nll[0] != r[0].nll[1], "two draws give the same result");
    for (int k = 0; k < 3; k++)
        accuracy_result_free(&r[k]);
    fx_free(&fx);
}

Test(profile, whole_model_digital_is_clean)
{
    struct fixture fx;
    fx_init(&fx);
    accuracy a;
    acc_init(&a, &fx, NULL,
             "[mapping]\ndigital = h0.attn.c_attn,h0.attn.c_proj,h0.mlp.c_fc,h0.mlp.c_proj,"
             "h1.attn.c_attn,h1.attn.c_proj,h1.mlp.c_fc,h1.mlp.c_proj,lm_head\n"
             "[noise]\ndraws = 2\n", 32, 1);
    accuracy_result r;
    cr_assert_eq(accuracy_whole(&a, &r, err, sizeof err), 0, "%s", err);
    cr_expect_eq(r.nproj, 1);
    for (uint32_t d = 0; d < 2; d++) {
        cr_expect_eq(r.nll[d], r.nll_clean, "every projection digital: the clean model");
        cr_expect_eq(r.kl[d], 0.0);
    }
    /* clean perplexity of the greedy tokens: well below the vocabulary */
    cr_expect(exp(r.nll_clean) < TV / 2.0, "clean perplexity %g", exp(r.nll_clean));
    accuracy_result_free(&r);
    accuracy_free(&a);
    acc_init(&a, &fx, NULL, "[noise]\ndraws = 2\n", 32, 1);
    cr_assert_eq(accuracy_whole(&a, &r, err, sizeof err), 0, "%s", err);
    for (uint32_t d = 0; d < 2; d++) {
        cr_expect_neq(r.nll[d], r.nll_clean, "every projection analog");
        cr_expect_gt(r.kl[d], 0.0);
    }
    accuracy_result_free(&r);
    accuracy_free(&a);
    fx_free(&fx);
}

/* ---- the command line --------------------------------------------------- */

static int run(const char *args, char **out, char **errs)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s", tu_prog(), args);
    return tu_sh(cmd, out, errs);
}

Test(profile, cli_writes_a_profile_mapper_profile_load_accepts)
{
    struct fixture fx;
    fx_init(&fx);
    char *ini = tu_tmpfile(".ini", TINY_MODEL "[tile]\nrows = 16\ncols = 16\n"
                                   "[adc]\ncount = 4\n[noise]\ndraws = 2\n");
    char *prof = new_path(".txt");
    char *csv = new_path(".csv");
    char args[2048], *out, *errs;
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s --len 32 -j 2 --out %s "
             "--csv %s", ini, fx.wpath, fx.tpath, prof, csv);
    cr_assert_eq(run(args, &out, &errs), 0, "%s", errs);
    cr_expect(strstr(out, "clean      perplexity"), "%s", out);
    cr_expect(strstr(out, "h1.mlp.c_proj"), "%s", out);
    cr_expect(strstr(out, "tokens/s"), "%s", out);
    free(out);
    free(errs);
    config c;
    cr_assert_eq(tu_config(&c, TINY_MODEL, err, sizeof err), 0, "%s", err);
    model m;
    cr_assert_eq(model_init(&m, &c, err, sizeof err), 0, "%s", err);
    double v[9];
    cr_assert_eq(mapper_profile_load(&m, prof, v, err, sizeof err), 0, "%s", err);
    for (uint32_t i = 0; i < m.nproj; i++)
        cr_expect(!isnan(v[i]), "%s missing from the profile", m.proj[i].name);
    char *text = tu_slurp(csv, NULL);
    cr_expect(text && !strncmp(text, "projection,ppl_mean,dppl_mean,dppl_sd,kl_mean\n", 46));
    free(text);
    /* the profile selects digital projections in a later configuration */
    char set[1024];
    snprintf(set, sizeof set, TINY_MODEL "[mapping]\ndigital_profile = %s\n"
             "digital_threshold = -1e9\n", prof);
    config c2;
    cr_expect_eq(tu_config(&c2, set, err, sizeof err), 0, "%s", err);
    config_free(&c2);
    /* --whole: the whole model under the configured mapping */
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s --len 32 --whole "
             "--set mapping.digital=lm_head", ini, fx.wpath, fx.tpath);
    cr_assert_eq(run(args, &out, &errs), 0, "%s", errs);
    cr_expect(strstr(out, "analog     perplexity"), "%s", out);
    cr_expect(strstr(out, "1 of 9 projections digital"), "%s", out);
    free(out);
    free(errs);
    model_free(&m);
    config_free(&c);
    unlink(ini);
    unlink(prof);
    unlink(csv);
    free(ini);
    free(prof);
    free(csv);
    fx_free(&fx);
}

static void expect_cli_error(const char *args, const char *want)
{
    char *out, *errs;
    cr_expect_eq(run(args, &out, &errs), 2, "%s", args);
    cr_expect_str_eq(errs, want);
    cr_expect_str_eq(out, "");
    free(out);
    free(errs);
}

Test(profile, cli_bad_input_exits_2_with_a_located_message)
{
    struct fixture fx;
    fx_init(&fx);
    char *ini = tu_tmpfile(".ini", TINY_MODEL "[tile]\nrows = 16\ncols = 16\n[adc]\ncount = 4\n");
    char args[2048], want[2048];
    /* a checkpoint of another shape than the configuration's model */
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s --set model.layers=3", ini,
             fx.wpath, fx.tpath);
    snprintf(want, sizeof want, "%s: the checkpoint has 2 layers, d_model 32, 4 heads, d_ff 128, "
             "vocab 64, context 16; the configuration's model (custom) has 3 layers, d_model 32, "
             "4 heads, d_ff 128, vocab 64, context 16 (use the matching [model] preset, or "
             "preset = custom with the checkpoint's dimensions)\n", fx.wpath);
    expect_cli_error(args, want);
    /* a bf16 checkpoint */
    char *bf = tiny_write(&fx.m, LLMC_MODEL_MAGIC, 5, TL);
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s", ini, bf, fx.tpath);
    snprintf(want, sizeof want, "%s: header word 1 (version) = 5: a bf16 checkpoint; aimcsim "
             "reads fp32 checkpoints only (version 3, e.g. gpt2_124M.bin, not "
             "gpt2_124M_bf16.bin)\n", bf);
    expect_cli_error(args, want);
    /* a token beyond the vocabulary: token 5 at byte 1024 + 2 * 5 = 1034 */
    uint16_t tok[NTOK];
    memcpy(tok, fx.tok, sizeof tok);
    tok[5] = 70;
    char *tp = tokens_write(tok, NTOK, NTOK, LLMC_TOKENS_MAGIC);
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s", ini, fx.wpath, tp);
    snprintf(want, sizeof want, "%s: token 5 (byte 1034) = 70: not below the model's "
             "vocabulary (64)\n", tp);
    expect_cli_error(args, want);
    /* a window longer than the file: 100 positions from 0 need 101 tokens */
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s --len 100", ini, fx.wpath,
             fx.tpath);
    snprintf(want, sizeof want, "%s: 40 tokens: the window of 100 positions from token 0 needs "
             "101\n", fx.tpath);
    expect_cli_error(args, want);
    snprintf(args, sizeof args, "profile %s --tokens %s", ini, fx.tpath);
    expect_cli_error(args, "aimcsim profile: needs --weights FILE and --tokens FILE (llm.c "
                           "formats; see docs/profile.md)\n");
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s --len x", ini, fx.wpath,
             fx.tpath);
    expect_cli_error(args, "aimcsim profile: --len x: not a non-negative integer\n");
    snprintf(args, sizeof args, "profile %s --weights %s --tokens %s --set noise.w_scope=tile",
             ini, fx.wpath, fx.tpath);
    expect_cli_error(args, "--set noise.w_scope=tile: [noise] w_scope = tile: must be one of "
                           "array|matrix\n");
    unlink(bf);
    unlink(tp);
    unlink(ini);
    free(bf);
    free(tp);
    free(ini);
    fx_free(&fx);
}
