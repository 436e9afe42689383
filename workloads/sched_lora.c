/*
 * sched_lora.c -- the commands of LoRA adapters (workloads/lora.h for the
 * semantics of [lora] placement, batch_tokens, pipeline and l1;
 * docs/heterogeneous.md "LoRA adapters").
 *
 * An adapter runs per batch of positions of one sequence: in prefill (and
 * for bidirectional models) [lora] batch_tokens consecutive positions of
 * the segment being emitted (a query block, or every position), the last
 * batch of a segment shorter; in decode one token.  sched.c hands each
 * position's input over as its projection is emitted; when the batch's
 * last position arrives, the batch is emitted:
 *
 *   x of the batch --(to each adapter cluster)--> U = X A (per part)
 *     [split: partial U to the first part, reduce, U to the others]
 *   --> Y = U B (per part) --(to the projection's cluster)--> add to W x
 *
 * with its pipeline's dependencies: A after the inputs (parallel,
 * double_buffer) or after the analog results too (sequential); B after
 * the join (the add) of batch k - 1 (sequential, parallel: one buffer
 * set) or of batch k - 2 (double_buffer).  Streamed weights are read from
 * memory before A, after the same join as B (their buffer is the batch's).
 * Every command of an adapter carries the tag "<projection>.lora".
 *
 * Invariant: between segments no batch is pending (a segment's last
 * position ends its batch), so the gathering state is per sequence only;
 * every position's output is set once its batch's add is emitted, before
 * any node reads it (sched.c emits node-major when batches are larger
 * than one position).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim/util.h"
#include "workloads/sched_int.h"

#define NONE SCHED_NONE

/* Part i of n of `total` items: [lo, hi). */
static void part(uint32_t total, uint32_t n, uint32_t i, uint32_t *lo, uint32_t *hi)
{
    *lo = (uint32_t)((uint64_t)total * i / n);
    *hi = (uint32_t)((uint64_t)total * (i + 1) / n);
}

void sched_lora_init(sched *s, stats *st)
{
    const config *c = s->cfg;
    const model *m = s->m;
    if (c->lora.rank == 0)
        return;
    uint32_t np = m->nproj ? m->nproj : 1;
    s->lora_t = (uint32_t)c->lora.batch_tokens;
    s->lora_tag = xcalloc(np, sizeof *s->lora_tag);
    s->lora_l1s = xcalloc(np, sizeof *s->lora_l1s);
    s->lora_w = xcalloc(np, sizeof *s->lora_w);
    s->lora_names = xcalloc(np, sizeof *s->lora_names);
    size_t nj = (size_t)np * s->B * 2;
    s->lora_join = xmalloc(nj * sizeof *s->lora_join);
    for (size_t i = 0; i < nj; i++)
        s->lora_join[i] = NONE;
    s->lora_x = xmalloc((size_t)s->B * s->lora_t * sizeof *s->lora_x);
    s->lora_pos = xmalloc((size_t)s->B * s->lora_t * sizeof *s->lora_pos);
    s->lora_n = xcalloc(s->B, sizeof *s->lora_n);
    uint32_t nl = 0;
    for (uint32_t i = 0; i < m->nproj; i++)
        nl += s->mp->proj[i].lora;
    s->tags = xrealloc(s->tags, (s->ntags + nl) * sizeof *s->tags);
    uint8_t seen[MODEL_PROJ_KINDS] = {0};
    for (uint32_t i = 0; i < m->nproj; i++) {
        const model_proj *pj = &m->proj[i];
        s->lora_tag[i] = (uint32_t)pj->node;
        if (!s->mp->proj[i].lora)
            continue;
        s->lora_names[i] = xasprintf("%s.lora", pj->name);
        s->lora_tag[i] = s->ntags;
        s->tags[s->ntags++] = (cmd_tag){s->lora_names[i], m->node[pj->node].layer};
        lora_l1 *l = &s->lora_l1s[i];
        lora_l1_of(c, pj->in, pj->out, s->lora_t, l);
        uint64_t held = l->streamed ? l->streamed_bytes : l->resident_bytes;
        uint64_t wb = l->streamed ? l->weights_bytes : 0;
        if (held > s->lora_l1_stat[pj->kind])
            s->lora_l1_stat[pj->kind] = held;
        if (wb > s->lora_wstream_stat[pj->kind])
            s->lora_wstream_stat[pj->kind] = wb;
        seen[pj->kind] = 1;
    }
    if (st) {
        for (int k = 0; k < MODEL_PROJ_KINDS; k++)
            if (seen[k]) {
                stats_counter(st, &s->lora_l1_stat[k], "sched.lora.%s.l1_bytes",
                              model_kind_name(k));
                stats_counter(st, &s->lora_wstream_stat[k], "sched.lora.%s.weights_streamed_bytes",
                              model_kind_name(k));
            }
        stats_counter(st, &s->lora_wread_bytes, "sched.lora.weights_read_bytes");
    }
}

void sched_lora_free(sched *s)
{
    for (uint32_t i = 0; s->lora_names && i < s->m->nproj; i++)
        free(s->lora_names[i]);
    free(s->lora_names);
    free(s->lora_tag);
    free(s->lora_l1s);
    free(s->lora_w);
    free(s->lora_join);
    free(s->lora_x);
    free(s->lora_pos);
    free(s->lora_n);
    sched_ids_free(&s->lora_y);
}

/* A transfer of the adapter: arbitrated (docs/command-stream.md, prio=),
 * so in no in-order queue -- the DMA moves a batch's data when it is
 * ready, not behind the previous batch's add on the same cluster (which
 * waits for that batch's results). */
static uint64_t xfer(sched *s, uint32_t from, uint32_t to, uint64_t bytes, uint32_t tag,
                     uint64_t dep)
{
    uint64_t id = sched_xfer(s, UNIT(UNIT_CLUSTER, from), UNIT(UNIT_CLUSTER, to), bytes, tag,
                             dep);
    s->buf[s->nbuf - 1].c.arb = 1;
    return id;
}

/* The adapter's branch of the batch of k positions of sequence seq
 * gathered in lora_x, lora_pos: everything up to its results on the
 * projection's cluster, whose ids it leaves in s->lora_y. */
static void branch(sched *s, uint32_t pi, uint32_t n, uint32_t cl, uint32_t seq, uint32_t k)
{
    const config *c = s->cfg;
    uint32_t T = s->lora_t;
    const uint64_t *xs = &s->lora_x[(size_t)seq * T];
    const uint32_t *ps = &s->lora_pos[(size_t)seq * T];
    const model_proj *pj = &s->m->proj[pi];
    const lora_l1 *l1 = &s->lora_l1s[pi];
    uint32_t r = (uint32_t)c->lora.rank, tag = s->lora_tag[pi];
    uint64_t ab = s->act_bytes, eb = (uint64_t)c->cluster.elem_bytes;
    uint64_t *join = &s->lora_join[((size_t)pi * s->B + seq) * 2];
    uint64_t buf = c->lora.pipeline == LORA_DOUBLE_BUFFER ? join[1] : join[0];

    /* The batch's inputs; under sequential its analog results too. */
    sched_ids *l = &s->tmp;
    l->n = 0;
    for (uint32_t j = 0; j < k; j++) {
        sched_ids_push(l, xs[j]);
        if (c->lora.pipeline == LORA_SEQUENTIAL)
            sched_ids_push(l, *sched_outp(s, n, ps[j], seq));
    }
    uint64_t start = sched_join(s, tag, l);

    /* Where it runs: the projection's cluster, LoRA cluster L mod
     * [lora] clusters (what precedes or follows the blocks: 0), or parts
     * on every LoRA cluster. */
    uint32_t parts = 1, c0 = cl, nlc = s->chip.units[UNIT_CLUSTER] - s->ncl_blocks;
    if (c->lora.placement == LORA_DEDICATED) {
        int32_t layer = s->m->node[n].layer;
        c0 = s->ncl_blocks + (layer > 0 ? (uint32_t)layer % nlc : 0);
    } else if (c->lora.placement == LORA_SPLIT) {
        c0 = s->ncl_blocks;
        parts = nlc;
    }
    /* U = X A, per part; split: the partial products summed on the first
     * part (l gathers them), then sent to the others. */
    uint64_t u0 = NONE, ub = (uint64_t)k * r * ab;
    l->n = 0;
    for (uint32_t i = 0; i < parts; i++) {
        uint32_t ci = c0 + i, lo, hi, olo, ohi;
        part(pj->in, parts, i, &lo, &hi);
        part(pj->out, parts, i, &olo, &ohi);
        uint64_t in = start;
        if (ci != cl)
            in = xfer(s, cl, ci, (uint64_t)k * (hi - lo) * ab, tag, start);
        uint64_t w = NONE;
        if (l1->streamed) {
            /* This part's rows of A and columns of B, into the buffer the
             * batch uses. */
            uint64_t off = ((uint64_t)lo * r + (uint64_t)r * olo) * eb;
            uint64_t wb = ((uint64_t)(hi - lo) * r + (uint64_t)r * (ohi - olo)) * eb;
            w = sched_mem(s, s->lora_w[pi], 0, off, wb, tag, buf);
            w = sched_xfer(s, s->lora_w[pi].unit, UNIT(UNIT_CLUSTER, ci), wb, tag, w);
            s->buf[s->nbuf - 1].c.arb = 1;
            s->lora_wread_bytes += wb;
        }
        uint64_t a = sched_dig(s, ci, tag, DIG_GEMM, k, r, hi - lo, in, w);
        if (i == 0)
            u0 = a;
        else
            sched_ids_push(l, xfer(s, ci, c0, ub, tag, a));
    }
    uint64_t mc = NONE;
    if (parts > 1) {
        sched_ids_push(l, u0);
        u0 = sched_dig_ids(s, c0, tag, DIG_REDUCE, 1, k * r, parts, l);
        mc = sched_mcast(s, UNIT(UNIT_CLUSTER, c0), UNIT(UNIT_CLUSTER, c0 + 1), parts - 1, ub,
                         tag, u0);
        s->buf[s->nbuf - 1].c.arb = 1;
    }
    /* Y = U B, per part (B's columns), to the projection's cluster. */
    l = &s->lora_y;
    l->n = 0;
    for (uint32_t i = 0; i < parts; i++) {
        uint32_t ci = c0 + i, olo, ohi;
        part(pj->out, parts, i, &olo, &ohi);
        uint64_t y = sched_dig(s, ci, tag, DIG_GEMM, k, ohi - olo, r, i ? mc : u0, buf);
        if (ci != cl)
            y = xfer(s, ci, cl, (uint64_t)k * (ohi - olo) * ab, tag, y);
        sched_ids_push(l, y);
    }
}

uint32_t sched_lora_before(sched *s, uint32_t pi, uint32_t n, uint32_t cl, uint32_t pos,
                           uint32_t seq, uint64_t x)
{
    uint32_t T = s->lora_t;
    uint32_t t = s->token_major && pos >= s->P ? 1 : T;
    uint32_t *have = &s->lora_n[seq];
    s->lora_x[(size_t)seq * T + *have] = x;
    s->lora_pos[(size_t)seq * T + *have] = pos;
    if (++*have < t && pos + 1 < s->seg_p1)
        return 0;
    uint32_t k = *have;
    *have = 0;
    if (s->cfg->lora.pipeline != LORA_SEQUENTIAL)
        branch(s, pi, n, cl, seq, k);
    return k;
}

void sched_lora_after(sched *s, uint32_t pi, uint32_t n, uint32_t cl, uint32_t seq, uint32_t k)
{
    if (s->cfg->lora.pipeline == LORA_SEQUENTIAL)
        branch(s, pi, n, cl, seq, k);
    const uint32_t *ps = &s->lora_pos[(size_t)seq * s->lora_t];
    uint64_t *join = &s->lora_join[((size_t)pi * s->B + seq) * 2];
    sched_ids *l = &s->lora_y;
    for (uint32_t j = 0; j < k; j++)
        sched_ids_push(l, *sched_outp(s, n, ps[j], seq));
    uint64_t add = sched_dig_ids(s, cl, s->lora_tag[pi], DIG_ADD, k, s->m->proj[pi].out, 0, l);
    join[1] = join[0];
    join[0] = add;
    for (uint32_t j = 0; j < k; j++)
        *sched_outp(s, n, ps[j], seq) = add;
}
