/*
 * sched_attn.c -- attention as the scheduler emits it (docs/scheduler.md
 * "Attention"): the prefill in tiles of query blocks x key/value blocks
 * (FlashAttention-2's loop, as in snitch_cluster's flashattention_2
 * kernel), the decode token by token, and the split of an attention or
 * element-wise op over several clusters ([cluster] split_max).
 *
 * Prefill, query block [q0, q1) of one layer and sequence, keys [0, kv)
 * with kv = q1 (causal: key blocks beyond the block's last position are
 * skipped) or the whole prompt: for each key block j of bk keys, the K and
 * V rows of its positions are read once (for every head) and, per head,
 *   S = Q K_j^T      gemm  m = nq, n = nk, k = d_head       (tag qk)
 *   P = softmax(S)   softmax m = nq rows of nk, running max and sum (softmax)
 *   O *= rescale     add   m = nq, n = d_head, for j > 0    (softmax)
 *   O += P V_j       gemm  m = nq, n = d_head, k = nk       (av)
 * and, after the last block, O /= l: add m = nq, n = d_head (av).
 *
 * Invariant: every command reading K/V rows depends on the latest write of
 * its (layer, sequence) (sched_layout.c chains them); the output of the
 * block's qk, softmax and av nodes for each of its positions is the id
 * after which O is complete on the layer's cluster.
 */
#include <stdlib.h>

#include "sim/util.h"
#include "workloads/sched_int.h"

/* L1 bytes of a tile of br queries x bc keys: the working set of
 * snitch_cluster's flashattention_2 kernel (Q, O: br x d; K, V: bc x d;
 * S, P: br x bc; m, m_prev, l: br floats), with Q, O, K and V held for all
 * h heads (d = d_model), since each K/V block is read once per query block
 * for every head, and S, P for one head at a time (heads in turn). */
static uint64_t tile_bytes(uint64_t br, uint64_t bc, uint64_t d, uint64_t h, uint64_t eb)
{
    return eb * (2 * br * d + 2 * bc * d + 2 * br * bc) + 12 * br * h;
}

/* The largest power of two b (at least 1) with fits(b). */
static uint64_t largest_pow2(uint64_t other, int is_q, uint64_t d, uint64_t h, uint64_t eb,
                             uint64_t l1)
{
    uint64_t b = 1;
    for (;;) {
        uint64_t n = 2 * b;
        uint64_t bytes = is_q ? tile_bytes(n, other ? other : n, d, h, eb)
                              : tile_bytes(other ? other : n, n, d, h, eb);
        if (bytes > l1 || n > (1u << 20))
            return b;
        b = n;
    }
}

void sched_attn_init(sched *s)
{
    const struct cfg_cluster *k = &s->cfg->cluster;
    uint64_t d = s->m->d_model, h = s->m->heads, eb = (uint64_t)k->elem_bytes;
    uint64_t l1 = (uint64_t)k->l1_bytes;
    uint64_t br = (uint64_t)s->cfg->run.attn_q_tokens, bc = (uint64_t)s->cfg->run.attn_kv_tokens;
    /* Square blocks unless one is given: the largest power of two whose
     * tile fits the L1 (docs/scheduler.md "Attention"). */
    if (br == 0)
        br = largest_pow2(bc, 1, d, h, eb, l1);
    if (bc == 0)
        bc = largest_pow2(br, 0, d, h, eb, l1);
    s->bq = (uint32_t)br;
    s->bk = (uint32_t)bc;
    s->attn_bq_stat = br;
    s->attn_bk_stat = bc;
    uint32_t ncl = s->ncl_blocks;
    uint64_t split = k->split_max ? (uint64_t)k->split_max : ncl;
    s->split = (uint32_t)(split < ncl ? split : ncl);
    if (s->split == 0)
        s->split = 1;
}

uint32_t sched_split_first(const sched *s, uint32_t cl)
{
    uint32_t ncl = s->ncl_blocks;
    return cl + s->split <= ncl ? cl : ncl - s->split;
}

/* Part i of n of `total` items: [lo, hi). */
static void part(uint32_t total, uint32_t n, uint32_t i, uint32_t *lo, uint32_t *hi)
{
    *lo = (uint32_t)((uint64_t)total * i / n);
    *hi = (uint32_t)((uint64_t)total * (i + 1) / n);
}

/* Clusters serving an attention of cluster cl: *first .. *first + n - 1,
 * at most one per head. */
static uint32_t attn_clusters(const sched *s, uint32_t cl, uint32_t *first)
{
    uint32_t n = s->split < s->m->heads ? s->split : s->m->heads;
    if (n == 0)
        n = 1;
    uint32_t ncl = s->ncl_blocks;
    *first = cl + n <= ncl ? cl : ncl - n;
    return n;
}

void sched_attn_block(sched *s, int32_t layer, uint32_t qb, uint32_t seq)
{
    const model *m = s->m;
    uint32_t qk = s->qk_node[layer], sm = s->sm_node[layer], av = s->av_node[layer];
    uint32_t cl = s->node_cluster[qk], first, H = m->heads, dh = m->d_head;
    uint32_t nc = attn_clusters(s, cl, &first);
    uint32_t q0 = qb * s->bq, q1 = q0 + s->bq < s->P ? q0 + s->bq : s->P, nq = q1 - q0;
    uint32_t kv = m->causal ? q1 : s->P;
    uint32_t tiles = (uint32_t)ceil_div_u64(kv, s->bk);
    sched_ids q = {0}, kx = {0}, vx = {0}, d = {0}, done = {0};
    uint64_t *o = xmalloc((H ? H : 1) * sizeof *o);   /* per head: its latest op */
    uint64_t *pm = xmalloc((H ? H : 1) * sizeof *pm); /* per head: its latest softmax */

    /* The queries of the block, on the layer's cluster. */
    for (uint32_t p = q0; p < q1; p++)
        sched_ids_push(&q, sched_input(s, m->node[qk].in[0], p, seq, cl, qk));
    uint64_t qready = sched_join(s, qk, &q);
    for (uint32_t i = 0; i < nc; i++) {
        uint32_t h0, h1;
        part(H, nc, i, &h0, &h1);
        uint64_t qi = qready;
        if (first + i != cl)
            qi = sched_xfer(s, UNIT(UNIT_CLUSTER, cl), UNIT(UNIT_CLUSTER, first + i),
                            (uint64_t)nq * (h1 - h0) * dh * s->act_bytes, qk, qready);
        for (uint32_t h = h0; h < h1; h++)
            o[h] = pm[h] = qi;
    }
    for (uint32_t j = 0; j < tiles; j++) {
        uint32_t k0 = j * s->bk, nk = k0 + s->bk < kv ? s->bk : kv - k0;
        kx.n = vx.n = 0;
        sched_kv_read(s, layer, seq, 0, k0, nk, first, nc, qk, &kx);
        sched_kv_read(s, layer, seq, 1, k0, nk, first, nc, av, &vx);
        /* One id standing for the block's rows (a sync when they come in
         * several pieces): every head waits for it, not for each piece. */
        uint64_t kr = sched_join(s, qk, &kx), vr = sched_join(s, av, &vx);
        for (uint32_t i = 0; i < nc; i++) {
            uint32_t h0, h1, c = first + i;
            part(H, nc, i, &h0, &h1);
            for (uint32_t h = h0; h < h1; h++) {
                uint64_t sc = sched_dig(s, c, qk, DIG_GEMM, nq, nk, dh,
                                        j == 0 ? o[h] : SCHED_NONE, kr);
                uint64_t p = sched_dig(s, c, sm, DIG_SOFTMAX, nq, nk, 0, sc,
                                       j == 0 ? SCHED_NONE : pm[h]);
                pm[h] = p;
                if (j > 0)
                    p = sched_dig(s, c, sm, DIG_ADD, nq, dh, 0, p, o[h]);
                o[h] = sched_dig(s, c, av, DIG_GEMM, nq, dh, nk, p, vr);
            }
        }
    }
    /* O /= l per head; the heads computed elsewhere return to cl. */
    for (uint32_t i = 0; i < nc; i++) {
        uint32_t h0, h1, c = first + i;
        part(H, nc, i, &h0, &h1);
        d.n = 0;
        for (uint32_t h = h0; h < h1; h++)
            sched_ids_push(&d, sched_dig(s, c, av, DIG_ADD, nq, dh, 0, o[h], SCHED_NONE));
        uint64_t r = sched_join(s, av, &d);
        if (c != cl)
            r = sched_xfer(s, UNIT(UNIT_CLUSTER, c), UNIT(UNIT_CLUSTER, cl),
                           (uint64_t)nq * (h1 - h0) * dh * s->act_bytes, av, r);
        sched_ids_push(&done, r);
    }
    uint64_t y = sched_join(s, av, &done);
    for (uint32_t p = q0; p < q1; p++) {
        *sched_outp(s, qk, p, seq) = y;
        *sched_outp(s, sm, p, seq) = y;
        *sched_outp(s, av, p, seq) = y;
    }
    free(o);
    free(pm);
    sched_ids_free(&q);
    sched_ids_free(&kx);
    sched_ids_free(&vx);
    sched_ids_free(&d);
    sched_ids_free(&done);
}

uint64_t sched_attn_token(sched *s, uint32_t node, uint32_t pos, uint32_t seq)
{
    const model *m = s->m;
    const model_node *nd = &m->node[node];
    uint32_t cl = s->node_cluster[node], first, H = m->heads, dh = m->d_head;
    uint32_t nc = attn_clusters(s, cl, &first);
    uint32_t keys = model_keys(m, pos, s->npos);
    sched_ids *parts = &s->split_ids[seq], kv = {0}, d = {0};
    uint64_t a = sched_input(s, nd->in[0], pos, seq, cl, node);
    uint64_t rows = SCHED_NONE;   /* the K (or V) rows are there */
    if (nd->op == MODEL_OP_QK) {
        parts->n = 0;
        sched_kv_read(s, nd->layer, seq, 0, 0, keys, first, nc, node, &kv);
    } else if (nd->op == MODEL_OP_AV) {
        sched_kv_read(s, nd->layer, seq, 1, 0, keys, first, nc, node, &kv);
    }
    if (nc > 1)
        rows = sched_join(s, node, &kv);
    sched_ids out = {0};
    for (uint32_t i = 0; i < nc; i++) {
        uint32_t h0, h1, c = first + i;
        part(H, nc, i, &h0, &h1);
        uint32_t nh = h1 - h0;
        uint64_t y;
        d.n = 0;
        if (nd->op == MODEL_OP_QK) {
            /* This token's query: its heads to the cluster computing them. */
            uint64_t qi = c == cl ? a
                                  : sched_xfer(s, UNIT(UNIT_CLUSTER, cl), UNIT(UNIT_CLUSTER, c),
                                               (uint64_t)nh * dh * s->act_bytes, node, a);
            sched_ids_push(&d, qi);
            sched_ids_push(&d, rows);
            for (size_t x = 0; nc == 1 && x < kv.n; x++)
                sched_ids_push(&d, kv.v[x]);
            y = sched_dig_ids(s, c, node, DIG_GEMM, nh, keys, dh, &d);
            sched_ids_push(parts, y);
        } else if (nd->op == MODEL_OP_SOFTMAX) {
            y = sched_dig(s, c, node, DIG_SOFTMAX, nh, keys, 0,
                          nc == 1 ? a : parts->v[i], SCHED_NONE);
            parts->v[i] = y;
        } else {
            sched_ids_push(&d, nc == 1 ? a : parts->v[i]);
            sched_ids_push(&d, rows);
            for (size_t x = 0; nc == 1 && x < kv.n; x++)
                sched_ids_push(&d, kv.v[x]);
            y = sched_dig_ids(s, c, node, DIG_GEMM, nh, dh, keys, &d);
            if (c != cl)
                y = sched_xfer(s, UNIT(UNIT_CLUSTER, c), UNIT(UNIT_CLUSTER, cl),
                               (uint64_t)nh * dh * s->act_bytes, node, y);
        }
        sched_ids_push(&out, y);
    }
    uint64_t r = sched_join(s, node, &out);
    sched_ids_free(&out);
    sched_ids_free(&kv);
    sched_ids_free(&d);
    return r;
}

uint64_t sched_split_elementwise(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t n,
                                 uint64_t x)
{
    uint32_t nc = s->split < n ? s->split : (n ? n : 1);
    if (nc <= 1)
        return sched_dig(s, cl, tag, kind, 1, n, 0, x, SCHED_NONE);
    uint32_t first = sched_split_first(s, cl);
    if (first + nc > s->ncl_blocks)
        first = s->ncl_blocks - nc;
    /* An argmax part returns its row's largest value and its index. */
    int arg = kind == DIG_ARGMAX;
    sched_ids out = {0};
    for (uint32_t i = 0; i < nc; i++) {
        uint32_t lo, hi, c = first + i;
        part(n, nc, i, &lo, &hi);
        uint64_t bytes = (uint64_t)(hi - lo) * s->act_bytes;
        uint64_t in = c == cl ? x
                              : sched_xfer(s, UNIT(UNIT_CLUSTER, cl), UNIT(UNIT_CLUSTER, c),
                                           bytes, tag, x);
        uint64_t y = sched_dig(s, c, tag, kind, 1, hi - lo, 0, in, SCHED_NONE);
        if (c != cl)
            y = sched_xfer(s, UNIT(UNIT_CLUSTER, c), UNIT(UNIT_CLUSTER, cl),
                           arg ? SCHED_ARGMAX_BYTES : bytes, tag, y);
        sched_ids_push(&out, y);
    }
    uint64_t r = arg ? sched_dig_ids(s, cl, tag, DIG_ARGMAX, 1, nc, 0, &out)
                     : sched_join(s, tag, &out);
    sched_ids_free(&out);
    return r;
}
