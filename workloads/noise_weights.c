/*
 * noise_weights.c -- the noise-free stage matrices of a checkpoint under a
 * transform (noise.h): dense weights borrowed from the checkpoint, or
 * Monarch factors fitted to them.
 *
 * The Monarch fit.  Stage by stage (transform.h), piece-locally,
 *   u[i] = x[in(i)],  v = R u,  w[m] = v[perm(m)],  z = L w,  y[o] = z[out(o)]
 * with in, perm, out = transform_in_src, _perm_src, _out_src.  So the
 * weight of input x[q] in output y[o] is a sum over the intermediate
 * elements m: with L block k = o's block (out(o) = k b + j), R block
 * k' = q's block (q = in(k' b + i)),
 *   M[o][q] = sum_{m : m / b = k, perm(m) / b = k'} L_k[m - k b][j] R_k'[i][perm(m) - k' b].
 * Each L entry and each R entry belongs to exactly one intermediate m, and
 * each m to exactly one slice (k, k'): the slices decouple, and the slice
 * M[out^-1(k b + .)][in(k' b + .)], a b x b matrix, is a sum of c rank-1
 * terms, c the number of such m.  The least-squares fit of the factors is
 * therefore, slice by slice, the best rank-c approximation (Eckart-Young),
 * its c terms assigned to the c intermediates; a slice with c = 0 is
 * fitted by zero.  When nb = b every slice has c = 1: the rank-1 SVD per
 * slice of Dao et al. (ICML 2022).  The rank-c approximation is computed
 * by subspace iteration on A^T A in float (sums of the error in double)
 * until ||A V||_F^2 settles to 1e-6 relative (at most 200 iterations); an
 * exactly rank-c slice settles after two.
 *
 * Invariant: every block pointer of a Monarch stage points into own[p]
 * and every grid entry names the block covering that b x b cell, or -1.
 */
#include "workloads/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "sim/util.h"
#include "workloads/fwd.h"

/* Orthonormalises the c vectors of length b in V (modified Gram-Schmidt,
 * sums in double); a vector that loses all but 1e-5 of its norm to the
 * earlier ones is set to zero. */
static void orthonormalise(float *V, uint32_t c, uint32_t b)
{
    for (uint32_t t = 0; t < c; t++) {
        float *v = V + (size_t)t * b;
        double n0 = 0.0, n1 = 0.0;
        for (uint32_t i = 0; i < b; i++)
            n0 += (double)v[i] * v[i];
        for (uint32_t u = 0; u < t; u++) {
            const float *w = V + (size_t)u * b;
            double d = 0.0;
            for (uint32_t i = 0; i < b; i++)
                d += (double)v[i] * w[i];
            for (uint32_t i = 0; i < b; i++)
                v[i] -= (float)d * w[i];
        }
        for (uint32_t i = 0; i < b; i++)
            n1 += (double)v[i] * v[i];
        float s = n1 > 1e-10 * n0 && n1 > 0.0 ? (float)(1.0 / sqrt(n1)) : 0.0f;
        for (uint32_t i = 0; i < b; i++)
            v[i] *= s;
    }
}

/* Best rank-c approximation of the b x b matrix A (A[j b + i], row j; At
 * its transpose): A ~ sum_t a_t r_t^T with r_t orthonormal; a, r: c x b.
 * Subspace iteration on the Gram matrix G = A^T A (g: b x b scratch, w:
 * c x b), started from the columns of G with the largest diagonals (one
 * power step from the c inputs of largest norm), in float with the
 * vectorised dot products of fwd.h. */
static void fit_rank(const float *A, const float *At, uint32_t b, uint32_t c, float *a,
                     float *r, float *g, float *w)
{
    for (uint32_t i = 0; i < b; i++)
        for (uint32_t i2 = i; i2 < b; i2++)
            g[(size_t)i * b + i2] = g[(size_t)i2 * b + i] =
                fwd_dot(At + (size_t)i * b, At + (size_t)i2 * b, b);
    uint8_t *used = xcalloc(b, 1);
    for (uint32_t t = 0; t < c; t++) {
        uint32_t best = 0;
        float bv = -1.0f;
        for (uint32_t i = 0; i < b; i++)
            if (!used[i] && g[(size_t)i * b + i] > bv) {
                bv = g[(size_t)i * b + i];
                best = i;
            }
        used[best] = 1;
        for (uint32_t i = 0; i < b; i++)  /* G e_best, tilted off any exact symmetry */
            r[(size_t)t * b + i] =
                g[(size_t)i * b + best] + 1e-3f * bv * (float)noise_gauss(noise_mix(t, i));
    }
    free(used);
    orthonormalise(r, c, b);
    double prev = -1.0;
    for (int it = 0; it < 200; it++) {
        double s = 0.0;
        for (uint32_t t = 0; t < c; t++)
            for (uint32_t i = 0; i < b; i++) {
                float d = fwd_dot(g + (size_t)i * b, r + (size_t)t * b, b);
                w[(size_t)t * b + i] = d;
                s += (double)d * r[(size_t)t * b + i];  /* ||A r_t||^2 */
            }
        memcpy(r, w, (size_t)c * b * sizeof *r);
        orthonormalise(r, c, b);
        if (s <= 0.0 || fabs(s - prev) <= 1e-6 * s)
            break;
        prev = s;
    }
    for (uint32_t t = 0; t < c; t++)
        for (uint32_t j = 0; j < b; j++)
            a[(size_t)t * b + j] = fwd_dot(A + (size_t)j * b, r + (size_t)t * b, b);
}

double noise_monarch_fit(const transform_proj *tp, const float *M, size_t ldm, float *R,
                         float *L)
{
    const uint32_t n = tp->n, nb = tp->nb, b = tp->b;
    uint32_t *in = xmalloc(n * sizeof *in), *perm = xmalloc(n * sizeof *perm);
    uint32_t *out_inv = xmalloc(n * sizeof *out_inv);
    for (uint32_t i = 0; i < n; i++) {
        in[i] = transform_in_src(tp, i);
        perm[i] = transform_perm_src(tp, i);
        out_inv[transform_out_src(tp, i)] = i;
    }
    /* The intermediates of each slice (k, k'), in order of m. */
    uint32_t *cnt = xcalloc((size_t)nb * nb, sizeof *cnt);
    uint32_t *first = xmalloc(((size_t)nb * nb + 1) * sizeof *first);
    uint32_t *mid = xmalloc(n * sizeof *mid);
    for (uint32_t m = 0; m < n; m++)
        cnt[(size_t)(m / b) * nb + perm[m] / b]++;
    first[0] = 0;
    for (size_t s = 0; s < (size_t)nb * nb; s++)
        first[s + 1] = first[s] + cnt[s];
    memset(cnt, 0, (size_t)nb * nb * sizeof *cnt);
    for (uint32_t m = 0; m < n; m++) {
        size_t s = (size_t)(m / b) * nb + perm[m] / b;
        mid[first[s] + cnt[s]++] = m;
    }
    memset(R, 0, (size_t)nb * b * b * sizeof *R);
    memset(L, 0, (size_t)nb * b * b * sizeof *L);
    const size_t bb = (size_t)b * b;
    float *A = xmalloc(bb * sizeof *A), *At = xmalloc(bb * sizeof *At);
    float *a = xmalloc(bb * sizeof *a), *r = xmalloc(bb * sizeof *r);
    float *g = xmalloc(bb * sizeof *g), *wk = xmalloc(bb * sizeof *wk);
    double err2 = 0.0;
    for (uint32_t k = 0; k < nb; k++)
        for (uint32_t k2 = 0; k2 < nb; k2++) {
            size_t s = (size_t)k * nb + k2;
            uint32_t c = cnt[s];
            double norm2 = 0.0;
            for (uint32_t j = 0; j < b; j++)
                for (uint32_t i = 0; i < b; i++) {
                    float v = M[(size_t)out_inv[k * b + j] * ldm + in[k2 * b + i]];
                    A[(size_t)j * b + i] = At[(size_t)i * b + j] = v;
                    norm2 += (double)v * v;
                }
            if (c == 0) {
                err2 += norm2;
                continue;
            }
            fit_rank(A, At, b, c, a, r, g, wk);
            for (uint32_t t = 0; t < c; t++) {
                uint32_t m = mid[first[s] + t], i2 = m % b, j2 = perm[m] % b;
                for (uint32_t j = 0; j < b; j++)
                    L[(size_t)k * b * b + (size_t)j * b + i2] = a[(size_t)t * b + j];
                for (uint32_t i = 0; i < b; i++)
                    R[(size_t)k2 * b * b + (size_t)j2 * b + i] = r[(size_t)t * b + i];
            }
            for (uint32_t j = 0; j < b; j++)
                for (uint32_t i = 0; i < b; i++) {
                    double f = 0.0;
                    for (uint32_t t = 0; t < c; t++)
                        f += (double)a[(size_t)t * b + j] * r[(size_t)t * b + i];
                    double d = A[(size_t)j * b + i] - f;
                    err2 += d * d;
                }
        }
    free(A);
    free(At);
    free(a);
    free(r);
    free(g);
    free(wk);
    free(in);
    free(perm);
    free(out_inv);
    free(cnt);
    free(first);
    free(mid);
    return err2;
}

/* The fwd.h number of model projection p. */
static uint32_t fwd_index(const model *m, uint32_t p)
{
    const model_proj *pj = &m->proj[p];
    return pj->kind == MODEL_PROJ_LM_HEAD ? 4 * m->layers : 4 * (uint32_t)pj->layer + pj->kind;
}

static void make_grid(noise_stage_w *sw, const transform_stage *ts, uint32_t b)
{
    sw->b = b;
    sw->gcols = ts->out_n / b;
    size_t cells = (size_t)(ts->in_n / b) * sw->gcols;
    sw->grid = xmalloc(cells * sizeof *sw->grid);
    for (size_t i = 0; i < cells; i++)
        sw->grid[i] = -1;
    for (uint32_t t = 0; t < ts->nblocks; t++) {
        const transform_block *bl = &ts->block[t];
        sw->grid[(size_t)(bl->in_off / b) * sw->gcols + bl->out_off / b] = (int32_t)t;
    }
}

/* Fits the factors of Monarch projection p into nw->own[p]; returns the
 * squared error. */
static double fit_proj(noise_weights *nw, uint32_t p)
{
    const model *m = nw->m;
    const transform_proj *tp = &nw->t->proj[p];
    const float *W = fwd_proj_weight(nw->w, fwd_index(m, p));
    uint32_t in = m->proj[p].in, n = tp->n, S = tp->pieces;
    size_t per = (size_t)tp->nb * tp->b * tp->b;
    float *F = nw->own[p] = xmalloc(2 * S * per * sizeof *F);
    double e2 = 0.0;
    for (uint32_t s = 0; s < S; s++) {
        const float *Ms = tp->stack == TRANSFORM_WIDE ? W + (size_t)s * n : W + (size_t)s * n * in;
        e2 += noise_monarch_fit(tp, Ms, in, F + s * per, F + (S + s) * per);
    }
    return e2;
}

typedef struct fitter {
    noise_weights *nw;
    double *err2;           /* per projection */
    uint32_t first, stride;
} fitter;

static int run_fitter(void *arg)
{
    fitter *f = arg;
    for (uint32_t p = f->first; p < f->nw->m->nproj; p += f->stride)
        if (f->nw->t->proj[p].kind == TRANSFORM_MONARCH)
            f->err2[p] = fit_proj(f->nw, p);
    return 0;
}

int noise_weights_init(noise_weights *nw, const model *m, const transform *t,
                       const llmc_model *w, uint32_t threads, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    memset(nw, 0, sizeof *nw);
    nw->m = m;
    nw->t = t;
    nw->w = w;
    nw->st = xcalloc(m->nproj ? m->nproj : 1, sizeof *nw->st);
    nw->own = xcalloc(m->nproj ? m->nproj : 1, sizeof *nw->own);
    /* the Monarch fits, on up to `threads` threads */
    double *err2 = xcalloc(m->nproj ? m->nproj : 1, sizeof *err2);
    uint32_t nth = threads > 1 ? threads : 1;
    fitter *fs = xcalloc(nth, sizeof *fs);
    thrd_t *th = xcalloc(nth, sizeof *th);
    uint32_t started = 0;
    for (uint32_t k = 0; k < nth; k++)
        fs[k] = (fitter){nw, err2, k, nth};
    if (t->kind == TRANSFORM_MONARCH)
        for (; started + 1 < nth; started++)
            if (thrd_create(&th[started], run_fitter, &fs[started + 1]) != thrd_success)
                break;
    if (t->kind == TRANSFORM_MONARCH)
        run_fitter(&fs[0]);
    for (uint32_t k = 0; k < started; k++)
        thrd_join(th[k], NULL);
    for (uint32_t k = started + 1; k < nth && t->kind == TRANSFORM_MONARCH; k++)
        run_fitter(&fs[k]);  /* threads that could not start */
    free(fs);
    free(th);
    for (uint32_t p = 0; p < m->nproj; p++) {
        const transform_proj *tp = &t->proj[p];
        const float *W = fwd_proj_weight(w, fwd_index(m, p));
        if (tp->kind == TRANSFORM_DENSE) {
            noise_stage_w *sw = &nw->st[p][0];
            sw->nblocks = 1;
            sw->blk = xmalloc(sizeof *sw->blk);
            sw->blk[0] = W;
            continue;
        }
        nw->fit_err2 += err2[p];
        size_t nall = (size_t)m->proj[p].in * m->proj[p].out;
        for (size_t i = 0; i < nall; i++)
            nw->fit_norm2 += (double)W[i] * W[i];
        uint32_t S = tp->pieces, b = tp->b;
        size_t per = (size_t)tp->nb * b * b;
        const float *F = nw->own[p];
        for (uint32_t st = 0; st < 2; st++) {
            const transform_stage *ts = &tp->stage[st];
            noise_stage_w *sw = &nw->st[p][st];
            sw->nblocks = ts->nblocks;
            sw->blk = xmalloc(ts->nblocks * sizeof *sw->blk);
            for (uint32_t k = 0; k < ts->nblocks; k++) {
                const transform_block *bl = &ts->block[k];
                sw->blk[k] = F + (st * S + bl->piece) * per + (size_t)bl->index * b * b;
            }
            make_grid(sw, ts, b);
        }
    }
    free(err2);
    return 0;
}

void noise_weights_free(noise_weights *nw)
{
    for (uint32_t p = 0; nw->st && p < nw->m->nproj; p++) {
        for (int s = 0; s < 2; s++) {
            free(nw->st[p][s].blk);
            free(nw->st[p][s].grid);
        }
        free(nw->own[p]);
    }
    free(nw->st);
    free(nw->own);
    memset(nw, 0, sizeof *nw);
}

float noise_weight_at(const noise_weights *nw, uint32_t p, uint32_t s, uint32_t row,
                      uint32_t col, int *stored)
{
    const noise_stage_w *sw = &nw->st[p][s];
    const transform_stage *ts = &nw->t->proj[p].stage[s];
    if (!sw->b) {
        *stored = 1;
        return sw->blk[0][(size_t)col * ts->in_n + row];
    }
    int32_t k = sw->grid[(size_t)(row / sw->b) * sw->gcols + col / sw->b];
    *stored = k >= 0;
    if (k < 0)
        return 0.0f;
    const transform_block *bl = &ts->block[k];
    return sw->blk[k][(size_t)(col - bl->out_off) * bl->in_len + (row - bl->in_off)];
}
