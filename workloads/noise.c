/*
 * noise.c -- the AIMC noise model of one projection (noise.h): parameters,
 * random numbers, quantisers, the compiled form of a mapping's analog
 * stages and their evaluation.
 *
 * Compiled stage.  Each activation of a stage is a list of converted
 * columns (one per logical weight column: physical columns step by the
 * columns per weight), each column a list of runs: maximal row intervals
 * of the activation's driven rows that hold placed weights of one
 * placement, cut at Monarch block boundaries so that a run reads one
 * block.  A run records which stage inputs drive it (from the
 * activation), which stage weights it holds (from the placement) and its
 * cells (array, rows, column: the key of their programming noise).
 * Invariant: the runs of an activation cover exactly the cells with a
 * placed weight of its stage among its driven rows and converted columns,
 * each once; cells without one hold no conductance and add nothing.  Only
 * the stage's own placements are searched: the mapping guarantees that no
 * weight of another stage or projection sharing the array lies there
 * (rows_summed, checked by tests/test_map_correct.c).
 */
#include "workloads/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"
#include "workloads/fwd.h"

void noise_params_init(noise_params *p, const config *c)
{
    memset(p, 0, sizeof *p);
    p->input_bits = (uint32_t)c->tile.input_bits;
    p->draws = (uint32_t)c->noise.draws;
    p->seed = (uint64_t)c->noise.seed;
    p->prog_sigma_rel = c->noise.prog_sigma_rel;
    p->w_clip_sigma = c->noise.w_clip_sigma;
    p->scope = c->noise.w_scope;
    p->adc_range = c->noise.adc_range;
    p->adc_k_sigma = c->noise.adc_k_sigma;
    p->adc_fs_frac = c->noise.adc_fs_frac;
    p->out_noise_rel = c->noise.out_noise_rel;
}

/* ---- random numbers ----------------------------------------------------- */

uint64_t noise_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Acklam's rational approximation of the standard normal quantile
 * (relative error below 1.2e-9; P. J. Acklam, "An algorithm for computing
 * the inverse normal cumulative distribution function", 2003): a
 * polynomial ratio in the centre, one log and one sqrt in the tails
 * (p < 0.02425 or p > 0.97575). */
static double normal_quantile(double p)
{
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    const double lo = 0.02425;
    if (p < lo || p > 1.0 - lo) {
        double q = sqrt(-2.0 * log(p < lo ? p : 1.0 - p));
        double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                   ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
        return p < lo ? x : -x;
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

double noise_gauss(uint64_t key)
{
    uint64_t k = noise_mix(key, 0x676175737300ULL);
    return normal_quantile(((double)(k >> 11) + 0.5) / 9007199254740992.0);
}

typedef float v4f __attribute__((vector_size(16)));

void noise_gauss_fill(uint64_t key, uint64_t first, uint32_t n, float *out)
{
    /* Uniforms: counter c takes half (c & 1) of mix(key, c >> 1), 32 bits;
     * q = u - 1/2 exactly from the integer. */
    uint64_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t c = first + i;
        if (i == 0 || !(c & 1))
            m = noise_mix(key, c >> 1);
        uint32_t h = (uint32_t)(c & 1 ? m >> 32 : m);
        out[i] = ((float)(int32_t)(h ^ 0x80000000u) + 0.5f) * 0x1p-32f;
    }
    /* Acklam's central ratio, four at a time (GCC vector extension, as in
     * fwd.c), for every q; the tails (|q| > 1/2 - 0.02425) are redone. */
    const float a0 = -3.969683028665376e+01f, a1 = 2.209460984245205e+02f,
                a2 = -2.759285104469687e+02f, a3 = 1.383577518672690e+02f,
                a4 = -3.066479806614716e+01f, a5 = 2.506628277459239e+00f;
    const float b0 = -5.447609879822406e+01f, b1 = 1.615858368580409e+02f,
                b2 = -1.556989798598866e+02f, b3 = 6.680131188771972e+01f,
                b4 = -1.328068155288572e+01f;
    for (uint32_t i = 0; i < n; i += 4) {
        uint32_t m4 = n - i < 4 ? n - i : 4;  /* the last group padded with q = 0 */
        v4f q = {0, 0, 0, 0};
        memcpy(&q, out + i, m4 * sizeof(float));
        v4f r = q * q;
        v4f num = (((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q;
        v4f den = ((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1.0f;
        v4f z = num / den;
        for (uint32_t k = 0; k < m4; k++)
            if (fabsf(q[k]) > 0.5f - 0.02425f)
                z[k] = (float)normal_quantile(0.5 + (double)q[k]);
        memcpy(out + i, &z, m4 * sizeof(float));
    }
}

/* ---- quantisers --------------------------------------------------------- */

float noise_dac(float v, uint32_t bits)
{
    float lv = bits >= 2 ? (float)((1u << (bits - 1)) - 1) : 1.0f;
    if (bits > 24)
        return v;  /* finer than a float's mantissa */
    if (v > 1.0f)
        v = 1.0f;
    if (v < -1.0f)
        v = -1.0f;
    return roundf(v * lv) / lv;
}

/* The ADC code of s with step d and 2 half codes. */
static inline float adc_code(float s, float d, float half)
{
    float code = roundf(s / d);
    if (code > half - 1.0f)
        code = half - 1.0f;
    if (code < -half)
        code = -half;
    return code;
}

float noise_adc(float s, float r, uint32_t bits)
{
    float half = ldexpf(1.0f, (int)bits - 1);
    float d = r / half;
    return adc_code(s, d, half) * d;
}

/* ---- compiled stages ---------------------------------------------------- */

typedef struct nrun {
    uint32_t in;            /* first stage input driving it */
    uint32_t arow;          /* first array row */
    uint32_t len;
    uint32_t wofs;          /* offset of its weights in the activation's pack */
    uint32_t srow, scol;    /* the stage weight of its first cell */
    const float *src;       /* noise-free weights srow.., column scol; NULL: zeros */
} nrun;

typedef struct ncol {
    uint32_t out;           /* stage output it is added into */
    uint32_t acol;          /* physical array column */
    uint32_t run0, nrun;
} ncol;

typedef struct nact {
    uint32_t array;
    uint32_t col0, ncol;    /* its columns */
    uint32_t nw;            /* weights in its runs */
    uint32_t bits, rows_summed;
    float clip, wref;       /* clipping bound and weight scale of its array or matrix */
} nact;

typedef struct nstage {
    uint32_t nact, ncol, nrun;
    nact *act;
    ncol *col;
    nrun *run;
} nstage;

typedef struct nproj {
    int analog;
    double scale;           /* programming-noise multiplier */
    uint32_t *in_src, *perm_src, *out_src;  /* Monarch permutations */
    nstage st[2];
} nproj;

struct noise_ctx {
    const noise_weights *nw;
    const mapper *mp;
    noise_params prm;
    nproj *p;
    uint32_t max_nw, max_ncol;
};

struct noise_ws {
    float *u, *v, *un, *xmax, *pw, *ps, *tmp;
    size_t cap_u, cap_v, cap_un, cap_xmax, cap_pw, cap_ps, cap_tmp;
};

/* Running statistics of a set of weights. */
typedef struct wstat {
    double n, sum, sum2, maxabs;
} wstat;

static void wstat_add(wstat *s, double w)
{
    s->n += 1.0;
    s->sum += w;
    s->sum2 += w * w;
    if (fabs(w) > s->maxabs)
        s->maxabs = fabs(w);
}

/* Clipping bound c and scale w_ref = min(max |w|, c). */
static void wstat_scale(const wstat *s, double clip_sigma, float *clip, float *wref)
{
    double c = INFINITY;
    if (clip_sigma > 0.0 && s->n > 0.0) {
        double mean = s->sum / s->n, var = s->sum2 / s->n - mean * mean;
        c = clip_sigma * sqrt(var > 0.0 ? var : 0.0);
    }
    *clip = (float)c;
    *wref = (float)(s->maxabs < c ? s->maxabs : c);
}

/* A placement's array and index, sorted by array then index. */
typedef struct placeref {
    uint32_t array, idx;
} placeref;

static int by_array(const void *a, const void *b)
{
    const placeref *x = a, *y = b;
    if (x->array != y->array)
        return x->array < y->array ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct growbuf {
    void *p;
    uint32_t n, cap;
    size_t sz;
} growbuf;

static void *gb_push(growbuf *g)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->p = xrealloc(g->p, (size_t)g->cap * g->sz);
    }
    return (char *)g->p + (size_t)g->n++ * g->sz;
}

/* The source pointer of the stage weights at (row, col) onward in the
 * column, valid up to the end of its block; NULL if no block is there. */
static const float *weight_src(const noise_weights *nw, uint32_t p, uint32_t s, uint32_t row,
                               uint32_t col)
{
    const noise_stage_w *sw = &nw->st[p][s];
    const transform_stage *ts = &nw->t->proj[p].stage[s];
    if (!sw->b)
        return sw->blk[0] + (size_t)col * ts->in_n + row;
    int32_t k = sw->grid[(size_t)(row / sw->b) * sw->gcols + col / sw->b];
    if (k < 0)
        return NULL;
    const transform_block *bl = &ts->block[k];
    return sw->blk[k] + (size_t)(col - bl->out_off) * bl->in_len + (row - bl->in_off);
}

static void compile_stage(noise_ctx *nc, uint32_t p, uint32_t s, const wstat *arr,
                          const wstat *mat)
{
    const mapper *mp = nc->mp;
    const mapper_stage *ms = &mp->proj[p].stage[s];
    const noise_stage_w *sw = &nc->nw->st[p][s];
    nstage *ns = &nc->p[p].st[s];
    placeref *idx = xmalloc((ms->nplace ? ms->nplace : 1) * sizeof *idx);
    for (uint32_t i = 0; i < ms->nplace; i++)
        idx[i] = (placeref){ms->place[i].array, i};
    qsort(idx, ms->nplace, sizeof *idx, by_array);
    uint32_t *near = xmalloc((ms->nplace ? ms->nplace : 1) * sizeof *near);
    growbuf cols = {NULL, 0, 0, sizeof(ncol)}, runs = {NULL, 0, 0, sizeof(nrun)};
    ns->nact = ms->nact;
    ns->act = xcalloc(ms->nact ? ms->nact : 1, sizeof *ns->act);
    float mclip, mwref;
    wstat_scale(mat, nc->prm.w_clip_sigma, &mclip, &mwref);
    for (uint32_t k = 0; k < ms->nact; k++) {
        const mapper_act *a = &ms->act[k];
        nact *na = &ns->act[k];
        na->array = a->array;
        na->bits = a->bits;
        na->rows_summed = a->rows_summed;
        if (nc->prm.scope == NOISE_SCOPE_ARRAY)
            wstat_scale(&arr[a->array], nc->prm.w_clip_sigma, &na->clip, &na->wref);
        else {
            na->clip = mclip;
            na->wref = mwref;
        }
        /* the placements on this array that meet a driven row */
        uint32_t lo = 0, hi = ms->nplace, nnear = 0;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (idx[mid].array < a->array)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (uint32_t i = lo; i < ms->nplace && idx[i].array == a->array; i++) {
            const mapper_place *pl = &ms->place[idx[i].idx];
            for (int ri = 0; ri < a->rows.nranges; ri++)
                if (a->rows.r[ri].lo < pl->row + pl->h &&
                    pl->row < a->rows.r[ri].lo + a->rows.r[ri].n) {
                    near[nnear++] = idx[i].idx;
                    break;
                }
        }
        na->col0 = cols.n;
        for (int ci = 0; ci < a->cols.nranges; ci++) {
            uint32_t clo = a->cols.r[ci].lo, cn = a->cols.r[ci].n;
            for (uint32_t col = clo; col < clo + cn; col += mp->cpw) {
                ncol *nc1 = gb_push(&cols);
                nc1->out = a->out_off[ci] + (col - clo) / mp->cpw;
                nc1->acol = col;
                nc1->run0 = runs.n;
                for (uint32_t q = 0; q < nnear; q++) {
                    const mapper_place *pl = &ms->place[near[q]];
                    if (col < pl->col || col >= pl->col + pl->w * mp->cpw ||
                        (col - pl->col) % mp->cpw)
                        continue;
                    uint32_t scol = pl->out_off + (col - pl->col) / mp->cpw;
                    for (int ri = 0; ri < a->rows.nranges; ri++) {
                        uint32_t rlo = a->rows.r[ri].lo, rhi = rlo + a->rows.r[ri].n;
                        uint32_t r0 = rlo > pl->row ? rlo : pl->row;
                        uint32_t r1 = rhi < pl->row + pl->h ? rhi : pl->row + pl->h;
                        while (r0 < r1) {
                            uint32_t srow = pl->in_off + (r0 - pl->row), len = r1 - r0;
                            if (sw->b && srow % sw->b + len > sw->b)
                                len = sw->b - srow % sw->b;  /* to the end of the block */
                            nrun *nr = gb_push(&runs);
                            nr->in = a->in_off[ri] + (r0 - rlo);
                            nr->arow = r0;
                            nr->len = len;
                            nr->wofs = na->nw;
                            nr->srow = srow;
                            nr->scol = scol;
                            nr->src = weight_src(nc->nw, p, s, srow, scol);
                            na->nw += len;
                            r0 += len;
                        }
                    }
                }
                nc1->nrun = runs.n - nc1->run0;
            }
        }
        na->ncol = cols.n - na->col0;
        if (na->nw > nc->max_nw)
            nc->max_nw = na->nw;
        if (na->ncol > nc->max_ncol)
            nc->max_ncol = na->ncol;
    }
    ns->col = cols.p;
    ns->ncol = cols.n;
    ns->run = runs.p;
    ns->nrun = runs.n;
    free(idx);
    free(near);
}

/* Statistics of the stored weights of stage s of projection p. */
static void matrix_stat(const noise_weights *nw, uint32_t p, uint32_t s, wstat *st)
{
    const transform_stage *ts = &nw->t->proj[p].stage[s];
    const noise_stage_w *sw = &nw->st[p][s];
    memset(st, 0, sizeof *st);
    for (uint32_t k = 0; k < ts->nblocks; k++) {
        size_t n = (size_t)ts->block[k].in_len * ts->block[k].out_len;
        for (size_t i = 0; i < n; i++)
            wstat_add(st, sw->blk[k][i]);
    }
}

/* Statistics of the stored weights placed on each array. */
static void array_stats(const noise_ctx *nc, wstat *arr)
{
    const mapper *mp = nc->mp;
    for (uint32_t p = 0; p < mp->nproj; p++) {
        if (mp->proj[p].exec != MAPPER_ANALOG)
            continue;
        for (uint32_t s = 0; s < mp->proj[p].nstages; s++) {
            const mapper_stage *ms = &mp->proj[p].stage[s];
            const uint32_t b = nc->nw->st[p][s].b;
            for (uint32_t k = 0; k < ms->nplace; k++) {
                const mapper_place *pl = &ms->place[k];
                wstat *st = &arr[pl->array];
                for (uint32_t j = 0; j < pl->w; j++)
                    for (uint32_t i = 0; i < pl->h;) {
                        /* a segment of one column within one block */
                        uint32_t row = pl->in_off + i, len = pl->h - i;
                        if (b && row % b + len > b)
                            len = b - row % b;
                        const float *src = weight_src(nc->nw, p, s, row, pl->out_off + j);
                        for (uint32_t q = 0; src && q < len; q++)
                            wstat_add(st, src[q]);
                        i += len;
                    }
            }
        }
    }
}

noise_ctx *noise_ctx_new(const noise_weights *nw, const mapper *mp, const noise_params *prm,
                         char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    noise_ctx *nc = xcalloc(1, sizeof *nc);
    nc->nw = nw;
    nc->mp = mp;
    nc->prm = *prm;
    const model *m = nw->m;
    nc->p = xcalloc(m->nproj ? m->nproj : 1, sizeof *nc->p);
    wstat *arr = xcalloc(mp->narrays ? mp->narrays : 1, sizeof *arr);
    if (prm->scope == NOISE_SCOPE_ARRAY)
        array_stats(nc, arr);
    for (uint32_t p = 0; p < m->nproj; p++) {
        nproj *np = &nc->p[p];
        const transform_proj *tp = &nw->t->proj[p];
        np->scale = 1.0;
        np->analog = mp->proj[p].exec == MAPPER_ANALOG;
        if (tp->kind == TRANSFORM_MONARCH) {
            uint32_t nin = tp->stage[0].in_n, nmid = tp->stage[0].out_n;
            uint32_t nout = tp->stage[1].out_n;
            np->in_src = xmalloc(nin * sizeof *np->in_src);
            np->perm_src = xmalloc(nmid * sizeof *np->perm_src);
            np->out_src = xmalloc(nout * sizeof *np->out_src);
            for (uint32_t i = 0; i < nin; i++)
                np->in_src[i] = transform_in_src(tp, i);
            for (uint32_t i = 0; i < nmid; i++)
                np->perm_src[i] = transform_perm_src(tp, i);
            for (uint32_t i = 0; i < nout; i++)
                np->out_src[i] = transform_out_src(tp, i);
        }
        if (!np->analog)
            continue;
        for (uint32_t s = 0; s < tp->nstages; s++) {
            wstat mat;
            matrix_stat(nw, p, s, &mat);
            compile_stage(nc, p, s, arr, &mat);
        }
    }
    free(arr);
    return nc;
}

void noise_ctx_free(noise_ctx *nc)
{
    if (!nc)
        return;
    for (uint32_t p = 0; p < nc->nw->m->nproj; p++) {
        nproj *np = &nc->p[p];
        for (int s = 0; s < 2; s++) {
            free(np->st[s].act);
            free(np->st[s].col);
            free(np->st[s].run);
        }
        free(np->in_src);
        free(np->perm_src);
        free(np->out_src);
    }
    free(nc->p);
    free(nc);
}

void noise_ctx_scale(noise_ctx *nc, uint32_t p, double f) { nc->p[p].scale = f; }

int noise_ctx_analog(const noise_ctx *nc, uint32_t p) { return nc->p[p].analog; }

void noise_ctx_wref(const noise_ctx *nc, uint32_t p, uint32_t s, double *w_ref, double *clip)
{
    const nstage *ns = &nc->p[p].st[s];
    *w_ref = ns->nact ? ns->act[0].wref : 0.0;
    *clip = ns->nact ? ns->act[0].clip : 0.0;
}

/* ---- evaluation --------------------------------------------------------- */

noise_ws *noise_ws_new(void) { return xcalloc(1, sizeof(noise_ws)); }

void noise_ws_free(noise_ws *ws)
{
    if (!ws)
        return;
    free(ws->u);
    free(ws->v);
    free(ws->un);
    free(ws->xmax);
    free(ws->pw);
    free(ws->ps);
    free(ws->tmp);
    free(ws);
}

static float *need(float **p, size_t *cap, size_t n)
{
    if (n > *cap) {
        *cap = n;
        *p = xrealloc(*p, n * sizeof **p);
    }
    return *p;
}

/* Exact: o (n x out_n) = S^T u, u n x in_n. */
static void stage_exact(const noise_ctx *nc, uint32_t p, uint32_t s, const float *u, float *o,
                        uint32_t n)
{
    const transform_stage *ts = &nc->nw->t->proj[p].stage[s];
    const noise_stage_w *sw = &nc->nw->st[p][s];
    if (ts->nblocks != 1)
        memset(o, 0, (size_t)n * ts->out_n * sizeof *o);
    for (uint32_t k = 0; k < ts->nblocks; k++) {
        const transform_block *bl = &ts->block[k];
        fwd_gemm(o + bl->out_off, ts->out_n, u + bl->in_off, ts->in_n, sw->blk[k], bl->in_len,
                 n, bl->in_len, bl->out_len, ts->nblocks != 1);
    }
}

/* Fills the activation's pack with its programmed weights, normalised by
 * w_ref: clip(w) / w_ref + sigma n_cell. */
static void pack(const noise_ctx *nc, const nstage *ns, const nact *na, double sigma,
                 uint64_t key, float *pw, float *tmp)
{
    const mapper *mp = nc->mp;
    float inv = 1.0f / na->wref, c = na->clip;
    for (uint32_t ci = na->col0; ci < na->col0 + na->ncol; ci++) {
        const ncol *col = &ns->col[ci];
        for (uint32_t r = col->run0; r < col->run0 + col->nrun; r++) {
            const nrun *run = &ns->run[r];
            float *d = pw + run->wofs;
            for (uint32_t i = 0; i < run->len; i++) {
                float w = run->src ? run->src[i] : 0.0f;
                if (w > c)
                    w = c;
                if (w < -c)
                    w = -c;
                d[i] = w * inv;
            }
            if (sigma > 0.0) {
                /* cells numbered column-major: a run's rows are consecutive */
                uint64_t cell = ((uint64_t)na->array * mp->cols + col->acol) * mp->rows + run->arow;
                noise_gauss_fill(key, cell, run->len, tmp);
                float sg = (float)sigma;
                for (uint32_t i = 0; i < run->len; i++)
                    d[i] += sg * tmp[i];
            }
        }
    }
}

static void stage_analog(const noise_ctx *nc, noise_ws *ws, uint32_t p, uint32_t s,
                         uint32_t draw, uint64_t tok0, const float *u, float *o, uint32_t n)
{
    const transform_stage *ts = &nc->nw->t->proj[p].stage[s];
    const nstage *ns = &nc->p[p].st[s];
    const noise_params *prm = &nc->prm;
    const uint32_t in_n = ts->in_n, out_n = ts->out_n;
    float *un = need(&ws->un, &ws->cap_un, (size_t)n * in_n);
    float *xmax = need(&ws->xmax, &ws->cap_xmax, n);
    float *pw = need(&ws->pw, &ws->cap_pw, nc->max_nw ? nc->max_nw : 1);
    float *tmp = need(&ws->tmp, &ws->cap_tmp, nc->mp->rows);
    float *ps = need(&ws->ps, &ws->cap_ps, (size_t)n * (nc->max_ncol ? nc->max_ncol : 1));
    memset(o, 0, (size_t)n * out_n * sizeof *o);
    for (uint32_t t = 0; t < n; t++) {
        const float *ut = u + (size_t)t * in_n;
        float mx = 0.0f;
        for (uint32_t i = 0; i < in_n; i++)
            if (fabsf(ut[i]) > mx)
                mx = fabsf(ut[i]);
        xmax[t] = mx;
        float inv = mx > 0.0f ? 1.0f / mx : 0.0f;
        for (uint32_t i = 0; i < in_n; i++)
            un[(size_t)t * in_n + i] = noise_dac(ut[i] * inv, prm->input_bits);
    }
    const double sigma = prm->prog_sigma_rel * nc->p[p].scale;
    const uint64_t kdraw = noise_mix(prm->seed, draw);
    const uint64_t kprog = noise_mix(kdraw, 0x70726f67ULL);
    const uint64_t kout = noise_mix(noise_mix(kdraw, 0x6f7574ULL), 2ULL * p + s);
    for (uint32_t k = 0; k < ns->nact; k++) {
        const nact *na = &ns->act[k];
        if (!(na->wref > 0.0f) || na->ncol == 0)
            continue;
        pack(nc, ns, na, sigma, kprog, pw, tmp);
        const ncol *cols = ns->col + na->col0;
        const uint32_t nc1 = na->ncol;
        for (uint32_t jc = 0; jc < nc1; jc++) {
            const ncol *col = &cols[jc];
            uint32_t t = 0;
            for (; t + 4 <= n; t += 4) {
                float acc[4] = {0, 0, 0, 0}, d[4];
                for (uint32_t r = col->run0; r < col->run0 + col->nrun; r++) {
                    const nrun *run = &ns->run[r];
                    const float *x0 = un + (size_t)t * in_n + run->in;
                    fwd_dot4(pw + run->wofs, x0, x0 + in_n, x0 + 2 * (size_t)in_n,
                             x0 + 3 * (size_t)in_n, run->len, d);
                    for (int q = 0; q < 4; q++)
                        acc[q] += d[q];
                }
                for (int q = 0; q < 4; q++)
                    ps[(size_t)(t + q) * nc1 + jc] = acc[q];
            }
            for (; t < n; t++) {
                float acc = 0.0f;
                for (uint32_t r = col->run0; r < col->run0 + col->nrun; r++) {
                    const nrun *run = &ns->run[r];
                    acc += fwd_dot(pw + run->wofs, un + (size_t)t * in_n + run->in, run->len);
                }
                ps[(size_t)t * nc1 + jc] = acc;
            }
        }
        if (prm->out_noise_rel > 0.0) {
            uint64_t ka = noise_mix(kout, k);
            for (uint32_t t = 0; t < n; t++)
                for (uint32_t jc = 0; jc < nc1; jc++)
                    ps[(size_t)t * nc1 + jc] += (float)(prm->out_noise_rel *
                        noise_gauss(noise_mix(noise_mix(ka, jc), tok0 + t)));
        }
        double r;
        if (prm->adc_range == NOISE_ADC_SIGMA) {
            double s2 = 0.0;
            for (size_t i = 0; i < (size_t)n * nc1; i++)
                s2 += (double)ps[i] * ps[i];
            r = prm->adc_k_sigma * sqrt(s2 / ((double)n * nc1));
        } else {
            r = prm->adc_fs_frac * na->rows_summed;
        }
        if (!(r > 0.0))
            continue;  /* every column output is 0 */
        const float half = ldexpf(1.0f, (int)na->bits - 1), d = (float)r / half;
        for (uint32_t t = 0; t < n; t++) {
            const float scale = na->wref * xmax[t];
            const float *pt = ps + (size_t)t * nc1;
            float *ot = o + (size_t)t * out_n;
            for (uint32_t jc = 0; jc < nc1; jc++)  /* = noise_adc(ps, r, bits) * scale */
                ot[cols[jc].out] += adc_code(pt[jc], d, half) * d * scale;
        }
    }
}

static void stage(const noise_ctx *nc, noise_ws *ws, uint32_t p, uint32_t s, int analog,
                  uint32_t draw, uint64_t tok0, const float *u, float *o, uint32_t n)
{
    if (analog)
        stage_analog(nc, ws, p, s, draw, tok0, u, o, n);
    else
        stage_exact(nc, p, s, u, o, n);
}

static void permute(float *dst, const float *src, const uint32_t *map, uint32_t n,
                    uint32_t width)
{
    for (uint32_t t = 0; t < n; t++) {
        const float *st = src + (size_t)t * width;
        float *dt = dst + (size_t)t * width;
        for (uint32_t i = 0; i < width; i++)
            dt[i] = st[map[i]];
    }
}

void noise_proj(const noise_ctx *nc, noise_ws *ws, uint32_t p, int analog, uint32_t draw,
                uint64_t tok0, const float *x, float *y, uint32_t n)
{
    const transform_proj *tp = &nc->nw->t->proj[p];
    const nproj *np = &nc->p[p];
    analog = analog && np->analog;
    if (tp->kind == TRANSFORM_DENSE) {
        stage(nc, ws, p, 0, analog, draw, tok0, x, y, n);
        return;
    }
    uint32_t nin = tp->stage[0].in_n, nmid = tp->stage[0].out_n, nout = tp->stage[1].out_n;
    size_t wmax = nin > nmid ? nin : nmid;
    float *u = need(&ws->u, &ws->cap_u, (size_t)n * (wmax > nout ? wmax : nout));
    float *v = need(&ws->v, &ws->cap_v, (size_t)n * (nmid > nout ? nmid : nout));
    permute(u, x, np->in_src, n, nin);
    stage(nc, ws, p, 0, analog, draw, tok0, u, v, n);
    permute(u, v, np->perm_src, n, nmid);
    stage(nc, ws, p, 1, analog, draw, tok0, u, v, n);
    permute(y, v, np->out_src, n, nout);
}
