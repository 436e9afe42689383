/*
 * sched.c -- lazy generation of the command stream of a run (sched.h): the
 * work of each graph node, the order of the stream and the public
 * interface.  Attention is in sched_attn.c, where data lives in
 * sched_layout.c, the emission primitives in sched_emit.c.
 *
 * The generator walks causal models token-major: the prompt in a
 * wavefront over query blocks (docs/scheduler.md "Order of the stream"),
 * then the decode positions token by token; bidirectional ones node by
 * node over all positions.  Each step emits one group (or node) for every
 * sequence of the batch into a small buffer, which next() hands out before
 * the following step.
 *
 * Invariants:
 *  - ids are consecutive from 0 in emission order; every dependency names
 *    an id already emitted (so the stream is acyclic by construction);
 *  - out[] holds, for the positions still needed, the id of the command
 *    after whose completion a node's output is in its cluster's memory;
 *  - the buffer holds the commands of one step only: memory is bounded by
 *    the largest group (a block for one query block, or the LM head on
 *    arrays), not by the token count.
 */
#include "workloads/sched.h"
#include "workloads/sched_3dsim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/tile.h"
#include "sim/util.h"
#include "workloads/sched_int.h"

#define NONE SCHED_NONE

/* Which embedding row a position reads: the text is not modelled, so the
 * token id is a fixed hash of (position, sequence) -- Knuth's
 * multiplicative hash, 2^32 / golden ratio -- spreading the reads over the
 * table (its DRAM addresses) rather than hitting one row. */
#define TOKEN_HASH_MULT 2654435761u

/* ---- clusters ------------------------------------------------------------- */

uint32_t sched_node_cluster(const model *m, uint32_t node, uint32_t nclusters)
{
    if (nclusters == 0)
        return 0;
    int32_t l = m->node[node].layer;
    if (l >= 0)
        return (uint32_t)l % nclusters;
    uint32_t first = m->nnodes;
    for (uint32_t i = 0; i < m->nnodes; i++)
        if (m->node[i].layer >= 0) {
            first = i;
            break;
        }
    return node < first ? 0 : (m->layers ? (m->layers - 1) % nclusters : 0);
}

void sched_array_clusters(const model *m, const mapper *mp, uint32_t nclusters, uint32_t *out)
{
    for (uint32_t a = 0; a < mp->narrays; a++)
        out[a] = UINT32_MAX;
    for (uint32_t p = 0; p < mp->nproj; p++) {
        uint32_t c = sched_node_cluster(m, (uint32_t)m->proj[p].node, nclusters);
        for (uint32_t k = 0; k < mp->proj[p].nstages; k++) {
            const mapper_stage *st = &mp->proj[p].stage[k];
            for (uint32_t i = 0; i < st->nplace; i++)
                if (out[st->place[i].array] == UINT32_MAX)
                    out[st->place[i].array] = c;
        }
    }
}

/* ---- the work of graph nodes ------------------------------------------- */

/* A projection on the digital cluster: weights from memory, one GEMM per
 * stage, the permutation between Monarch stages. */
static uint64_t proj_digital(sched *s, uint32_t pi, uint32_t cl, uint32_t tag, uint64_t x)
{
    const transform_proj *tp = &s->t->proj[pi];
    struct sched_place pl = s->wplace[pi];
    uint64_t wbytes = tp->params * s->w_bytes;
    uint64_t w = sched_mem(s, pl, 0, 0, wbytes, tag, NONE);
    w = sched_xfer(s, pl.unit, UNIT(UNIT_CLUSTER, cl), wbytes, tag, w);
    uint64_t y = x;
    for (uint32_t k = 0; k < tp->nstages; k++) {
        const transform_stage *st = &tp->stage[k];
        uint64_t macs = 0;
        for (uint32_t b = 0; b < st->nblocks; b++)
            macs += (uint64_t)st->block[b].in_len * st->block[b].out_len;
        uint32_t kk = (uint32_t)ceil_div_u64(macs, st->out_n);
        y = sched_dig(s, cl, tag, DIG_GEMM, 1, st->out_n, kk, y, k == 0 ? w : NONE);
        if (k + 1 < tp->nstages && tp->perm_n)
            y = sched_dig(s, cl, tag, DIG_PERMUTE, 1, tp->perm_n, 0, y, NONE);
    }
    return y;
}

/* The tile holding array arr: programs it first when it holds another
 * array's weights (in order on the tile, after that array's activations). */
static unit_id tile_for(sched *s, uint32_t arr, uint32_t tag)
{
    uint32_t ti = s->loaded ? arr % s->chip.units[UNIT_TILE] : arr;
    unit_id tile = UNIT(UNIT_TILE, ti);
    if (s->loaded && s->loaded[ti] != arr) {
        sched_new(s, CMD_PROG, tile, tag)->u.prog.array = arr;
        sched_deps(s, NULL, 0);
        s->loaded[ti] = arr;
    }
    return tile;
}

/* A projection on arrays, stage by stage (mapper.h activation semantics):
 * per multicast group one input packet, per array its activations and one
 * output packet (to the cluster, or along its reduction chain). */
static uint64_t proj_analog(sched *s, uint32_t pi, uint32_t cl, uint32_t tag, uint64_t x)
{
    const mapper_proj *mp = &s->mp->proj[pi];
    unit_id clu = UNIT(UNIT_CLUSTER, cl);
    uint64_t y = x;
    for (uint32_t k = 0; k < mp->nstages; k++) {
        const mapper_stage *st = &mp->stage[k];
        const struct sched_stage *pl = &s->plan[s->plan_off[pi] + k];
        sched_ids *outs = &s->tmp;
        outs->n = 0;
        uint64_t in = NONE;
        for (uint32_t i = 0; i < pl->narr; i++)
            s->chain_in[i] = NONE;
        for (uint32_t i = 0; i < pl->narr; i++) {
            uint32_t a0 = pl->first_act[i], a1 = pl->first_act[i + 1];
            uint32_t arr = st->act[a0].array;
            if (pl->mc_len[i]) {
                /* One packet of this array's inputs for the whole group
                 * (their activations drive the same input elements). */
                uint64_t in_elems = 0;
                for (uint32_t e = a0; e < a1; e++)
                    in_elems += cmd_set_count(&st->act[e].rows);
                unit_id t0 = UNIT(UNIT_NONE, 0);
                for (uint32_t g = i; g < i + pl->mc_len[i]; g++) {
                    unit_id t = tile_for(s, st->act[pl->first_act[g]].array, tag);
                    if (g == i)
                        t0 = t;
                }
                in = sched_mcast(s, clu, t0, pl->mc_len[i], in_elems * s->act_bytes, tag, y);
            }
            unit_id tile = UNIT(UNIT_TILE, s->loaded ? arr % s->chip.units[UNIT_TILE] : arr);
            uint64_t last = in, out_elems = 0;
            for (uint32_t e = a0; e < a1; e++) {
                cmd *c = sched_new(s, CMD_ACT, tile, tag);
                c->u.act.rows = st->act[e].rows;
                c->u.act.cols = st->act[e].cols;
                c->u.act.slices = (uint8_t)s->slices;
                c->u.act.bits = st->act[e].bits;
                last = sched_deps(s, &in, 1);
                out_elems += cmd_set_count(&st->act[e].cols) / s->mp->cpw;
            }
            /* The tile's activations end in issue order (FIFO array and
             * ADC bank), so its outputs are complete when the last is;
             * with a chain, they are added to the partial sums arriving
             * from the previous array of the chain. */
            int32_t nx = pl->chain_next ? pl->chain_next[i] : -1;
            cmd *c = sched_new(s, CMD_XFER, tile, tag);
            c->u.xfer.bytes = out_elems * s->psum_bytes;
            uint64_t d[2] = {last, s->chain_in[i]};
            if (nx >= 0) {
                uint32_t to = st->act[pl->first_act[nx]].array;
                c->u.xfer.dst = UNIT(UNIT_TILE, s->loaded ? to % s->chip.units[UNIT_TILE] : to);
                s->chain_in[nx] = sched_deps(s, d, 2);
            } else {
                c->u.xfer.dst = clu;
                sched_ids_push(outs, sched_deps(s, d, 2));
            }
        }
        if (st->reduce_k > 1 && !pl->chain_next)
            y = sched_dig_ids(s, cl, tag, DIG_REDUCE, 1, st->ts->out_n, st->reduce_k, outs);
        else
            y = sched_join(s, tag, outs);
        if (st->perm_n)
            y = sched_dig(s, cl, tag, DIG_PERMUTE, 1, st->perm_n, 0, y, NONE);
    }
    return y;
}

/* A projection without its LoRA adapter (sched_lora.c adds it): y = W x. */
static uint64_t proj(sched *s, uint32_t pi, uint32_t cl, uint32_t tag, uint64_t x)
{
    return s->mp->proj[pi].exec == MAPPER_DIGITAL ? proj_digital(s, pi, cl, tag, x)
                                                  : proj_analog(s, pi, cl, tag, x);
}

/* 1 if the LM head (and the final LayerNorm) runs at position pos. */
static int head_needed(const sched *s, uint32_t pos)
{
    if (s->m->lm_head == MODEL_LM_NONE)
        return 0;
    return s->P == 0 || pos + 1 >= s->P;
}

/* 1 if node n is one of attention's qk, softmax, av. */
static int attention_op(int op)
{
    return op == MODEL_OP_QK || op == MODEL_OP_SOFTMAX || op == MODEL_OP_AV;
}

/* Emits node n at position pos for sequence seq. */
static void emit_node(sched *s, uint32_t n, uint32_t pos, uint32_t seq)
{
    const model_node *nd = &s->m->node[n];
    if (attention_op(nd->op)) {
        if (pos < s->P) {
            /* Prefill: the tile loop of a query block, once its last
             * position's queries, keys and values exist; it sets the
             * outputs of the block's positions. */
            if (nd->op == MODEL_OP_QK && (pos + 1 == s->P || (pos + 1) % s->bq == 0))
                sched_attn_block(s, nd->layer, pos / s->bq, seq);
        } else {
            *sched_outp(s, n, pos, seq) = sched_attn_token(s, n, pos, seq);
        }
        return;
    }
    uint32_t cl = s->node_cluster[n];
    uint32_t tag = n;
    uint64_t a = sched_input(s, nd->in[0], pos, seq, cl, tag);
    uint64_t b = sched_input(s, nd->in[1], pos, seq, cl, tag);
    model_cost mc;
    model_node_cost(s->m, n, model_keys(s->m, pos, s->npos), &mc);
    uint64_t y = NONE;
    switch (nd->op) {
    case MODEL_OP_EMBED: {
        /* Token and position rows; a decode step needs the sampled token. */
        uint64_t after = pos >= s->P && pos > 0 ? s->sample[seq] : NONE;
        uint64_t row = (uint64_t)s->m->d_model * s->w_bytes;
        uint64_t tok = ((uint64_t)pos * TOKEN_HASH_MULT + seq) % s->m->vocab;
        uint64_t r = sched_mem(s, s->emb, 0, tok * row, 2 * row, tag, after);
        r = sched_xfer(s, s->emb.unit, UNIT(UNIT_CLUSTER, cl), 2 * row, tag, r);
        y = sched_dig(s, cl, tag, DIG_EMBED, mc.m, mc.n, 0, r, NONE);
        break;
    }
    case MODEL_OP_GELU:
        y = sched_split_elementwise(s, cl, tag, DIG_GELU, mc.m * mc.n, a);
        break;
    case MODEL_OP_LAYERNORM:
    case MODEL_OP_ADD: {
        int kind = nd->op == MODEL_OP_ADD ? DIG_ADD : DIG_LAYERNORM;
        y = sched_dig(s, cl, tag, kind, mc.m, mc.n, 0, a, b);
        break;
    }
    case MODEL_OP_PROJ: {
        uint32_t pi = (uint32_t)nd->proj;
        int lora = s->mp->proj[pi].lora;
        uint32_t k = lora ? sched_lora_before(s, pi, n, cl, pos, seq, a) : 0;
        y = proj(s, pi, cl, tag, a);
        if (lora) {
            /* The adapter, once its batch is complete: its add becomes the
             * output of each position of the batch. */
            *sched_outp(s, n, pos, seq) = y;
            if (k == 0)
                return;
            sched_lora_after(s, pi, n, cl, seq, k);
            for (uint32_t j = 0; j < k && s->m->proj[pi].kind == MODEL_PROJ_QKV; j++) {
                uint32_t p = s->lora_pos[(size_t)seq * s->lora_t + j];
                sched_kv_write(s, nd->layer, seq, p, cl, *sched_outp(s, n, p, seq),
                               s->qk_node[nd->layer]);
            }
            y = *sched_outp(s, n, pos, seq);
        } else if (s->m->proj[pi].kind == MODEL_PROJ_QKV) {
            sched_kv_write(s, nd->layer, seq, pos, cl, y, s->qk_node[nd->layer]);
        }
        if (s->m->proj[pi].kind == MODEL_PROJ_LM_HEAD) {
            /* Sampling ([run] sampling): none, a streamed argmax over the
             * logits, or a softmax over the vocabulary. */
            if (s->sampling == SCHED_SAMPLE_ARGMAX)
                y = sched_split_elementwise(s, cl, s->sample_tag, DIG_ARGMAX, s->m->vocab, y);
            else if (s->sampling == SCHED_SAMPLE_SOFTMAX)
                y = sched_dig(s, cl, s->sample_tag, DIG_SOFTMAX, 1, s->m->vocab, 0, y, NONE);
            s->sample[seq] = y;
        }
        break;
    }
    default:
        break;
    }
    *sched_outp(s, n, pos, seq) = y;
}

/* Milestones after node n at position pos, for all sequences. */
static void emit_marks(sched *s, uint32_t n, uint32_t pos)
{
    sched_ids *l = &s->tmp;
    /* Prefill done: the last prompt position has left the last block (node
     * by node, every position's output of that node, all emitted by now). */
    if (s->P > 0 && pos == s->P - 1 && n == s->last_block_node) {
        l->n = 0;
        for (uint32_t q = 0; q < s->B; q++)
            for (uint32_t p = s->token_major ? pos : 0; p <= pos; p++)
                sched_ids_push(l, *sched_outp(s, n, p, q));
        sched_sync(s, CMD_MARK, n, MARK_PREFILL, 0, l);
    }
    const model_node *nd = &s->m->node[n];
    if (nd->op == MODEL_OP_PROJ && s->m->proj[nd->proj].kind == MODEL_PROJ_LM_HEAD) {
        l->n = 0;
        for (uint32_t q = 0; q < s->B; q++)
            sched_ids_push(l, s->sample[q]);
        uint64_t g = s->P > 0 ? pos - (s->P - 1) : pos;
        sched_sync(s, CMD_MARK, s->sample_tag, MARK_TOKEN, g, l);
    }
}

/* Nodes [n0, n1) at position pos for every sequence, with their marks. */
static void emit_nodes(sched *s, uint32_t n0, uint32_t n1, uint32_t pos)
{
    for (uint32_t n = n0; n < n1; n++) {
        for (uint32_t q = 0; q < s->B; q++)
            emit_node(s, n, pos, q);
        emit_marks(s, n, pos);
    }
}

/* Nodes [n0, n1) at positions [p0, p1): position by position; node by
 * node when LoRA batches span positions (a batch's outputs exist only
 * once its last position's projection is emitted). */
static void emit_span(sched *s, uint32_t n0, uint32_t n1, uint32_t p0, uint32_t p1)
{
    if (s->lora_t > 1) {
        for (uint32_t n = n0; n < n1; n++)
            for (uint32_t p = p0; p < p1; p++)
                emit_nodes(s, n, n + 1, p);
        return;
    }
    for (uint32_t p = p0; p < p1; p++)
        emit_nodes(s, n0, n1, p);
}

/* Emits group g (graph nodes [gstart[g], gstart[g + 1])) for positions
 * [p0, p1) of every sequence.  A block's group runs its nodes before
 * attention position by position, then attention (the prefill's tile loop
 * once the last position's keys and values are written), then the nodes
 * after it position by position. */
static void emit_group(sched *s, uint32_t g, uint32_t p0, uint32_t p1)
{
    uint32_t a = s->gstart[g], e = s->gstart[g + 1];
    int head = g + 1 == s->ngroups;
    s->seg_p0 = p0;
    s->seg_p1 = p1;
    if (g == 0 || head) {
        for (uint32_t p = p0; p < p1; p++)
            if (!head || head_needed(s, p))
                emit_nodes(s, a, e, p);
        return;
    }
    uint32_t qk = s->qk_node[g - 1], av = s->av_node[g - 1];
    emit_span(s, a, qk, p0, p1);
    emit_span(s, qk, av + 1, p0, p1);
    emit_span(s, av + 1, e, p0, p1);
}

/* Emits the next step into the (empty) buffer; sets finished after the last.
 *
 * Causal models: the prompt in wavefront order over query blocks of bq
 * positions -- at step tau, group g (embedding, block 0 .. block L-1,
 * head) of query block tau - g, groups in descending order -- so that
 * every unit's queue interleaves blocks the way a software pipeline does;
 * then the decode positions token by token, group by group (each depends
 * on the previous token's sample).  Bidirectional models: node by node
 * over all positions. */
static void step(sched *s)
{
    s->nbuf = s->rd = 0;
    s->ndeps = 0;
    uint32_t nqb = (uint32_t)ceil_div_u64(s->P, s->bq);
    while (!s->finished && s->nbuf == 0) {
        if (!s->token_major) {
            for (uint32_t q = 0; q < s->B; q++)
                emit_node(s, s->node, s->pos, q);
            emit_marks(s, s->node, s->pos);
            if (++s->pos == s->npos) {
                s->pos = 0;
                if (++s->node == s->m->nnodes)
                    s->finished = 1;
            }
        } else if (s->wave) {
            /* s->grp counts down from ngroups; tau - grp is the query block. */
            uint32_t g = --s->grp;
            if (s->tau >= g && s->tau - g < nqb) {
                uint32_t p0 = (s->tau - g) * s->bq;
                emit_group(s, g, p0, p0 + s->bq < s->P ? p0 + s->bq : s->P);
            }
            if (g == 0) {
                s->grp = s->ngroups;
                if (++s->tau == nqb + s->ngroups - 1) {
                    s->wave = 0;
                    s->pos = s->P;
                    s->grp = 0;
                    s->finished = s->pos == s->npos;
                }
            }
        } else {
            emit_group(s, s->grp, s->pos, s->pos + 1);
            if (++s->grp == s->ngroups) {
                s->grp = 0;
                if (++s->pos == s->npos)
                    s->finished = 1;
            }
        }
    }
}

static int next(void *ctx, cmd *c, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sched *s = ctx;
    if (s->rd == s->nbuf) {
        if (s->finished)
            return 0;
        step(s);
        if (s->nbuf == 0)
            return 0;
    }
    struct sched_pending *p = &s->buf[s->rd++];
    *c = p->c;
    c->deps = s->deps + p->dep_off;
    return 1;
}

cmd_source sched_source(sched *s) { return s->td ? tdsim_source(s->td) : (cmd_source){s, next}; }

const cmd_tag *sched_tags(const sched *s, uint32_t *ntags)
{
    if (s->td)
        return tdsim_tags(s->td, ntags);
    *ntags = s->ntags;
    return s->tags;
}

uint64_t sched_tokens_out(const sched *s)
{
    return s->td ? tdsim_tokens_out(s->td) : s->tokens_out;
}

/* ---- stage plans ----------------------------------------------------------- */

/* Activations [a0, a1) and [b0, b1) of stage st drive the same inputs
 * (their row ranges, with the stage inputs they take, in order). */
static int same_inputs(const mapper_stage *st, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1)
{
    if (a1 - a0 != b1 - b0)
        return 0;
    for (uint32_t i = 0; i < a1 - a0; i++) {
        const mapper_act *x = &st->act[a0 + i], *y = &st->act[b0 + i];
        if (x->rows.nranges != y->rows.nranges)
            return 0;
        for (uint8_t r = 0; r < x->rows.nranges; r++)
            if (x->rows.r[r].n != y->rows.r[r].n || x->in_off[r] != y->in_off[r])
                return 0;
    }
    return 1;
}

/* The output elements an array's activations add to, for comparing. */
struct outsig {
    const mapper_stage *st;
    uint32_t a0, a1, idx;
};

static int cmp_outsig(const void *pa, const void *pb)
{
    const struct outsig *a = pa, *b = pb;
    uint32_t na = a->a1 - a->a0, nb = b->a1 - b->a0;
    if (na != nb)
        return na < nb ? -1 : 1;
    for (uint32_t i = 0; i < na; i++) {
        const mapper_act *x = &a->st->act[a->a0 + i], *y = &b->st->act[b->a0 + i];
        if (x->cols.nranges != y->cols.nranges)
            return x->cols.nranges < y->cols.nranges ? -1 : 1;
        for (uint8_t r = 0; r < x->cols.nranges; r++) {
            if (x->out_off[r] != y->out_off[r])
                return x->out_off[r] < y->out_off[r] ? -1 : 1;
            if (x->cols.r[r].n != y->cols.r[r].n)
                return x->cols.r[r].n < y->cols.r[r].n ? -1 : 1;
        }
    }
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int same_outsig(const struct outsig *a, const struct outsig *b)
{
    struct outsig x = *a, y = *b;
    x.idx = y.idx = 0;
    return cmp_outsig(&x, &y) == 0;
}

/* The plan of one stage: arrays in order; multicast groups of consecutive
 * arrays on consecutive tiles driving the same inputs ([noc] multicast);
 * reduction chains ([noc] reduce) when the arrays fall into groups with
 * the same output elements and the groups' outputs partition the stage's,
 * so that the cluster receives each output element once. */
static void plan_stage(sched *s, const mapper_stage *st, struct sched_stage *pl)
{
    uint32_t narr = 0;
    for (uint32_t a = 0; a < st->nact; a++)
        if (a == 0 || st->act[a].array != st->act[a - 1].array)
            narr++;
    pl->narr = narr;
    pl->first_act = xmalloc((narr + 1) * sizeof *pl->first_act);
    pl->mc_len = xcalloc(narr ? narr : 1, sizeof *pl->mc_len);
    pl->chain_next = NULL;
    uint32_t i = 0;
    for (uint32_t a = 0; a < st->nact; a++)
        if (a == 0 || st->act[a].array != st->act[a - 1].array)
            pl->first_act[i++] = a;
    pl->first_act[narr] = st->nact;
    uint32_t T = s->chip.units[UNIT_TILE];
    for (uint32_t g = 0; g < narr;) {
        uint32_t e = g + 1;
        while (s->cfg->noc.multicast && e < narr) {
            uint32_t prev = st->act[pl->first_act[e - 1]].array, cur = st->act[pl->first_act[e]].array;
            int consecutive = cur == prev + 1 && (!s->loaded || cur % T != 0);
            if (!consecutive || !same_inputs(st, pl->first_act[g], pl->first_act[g + 1],
                                             pl->first_act[e], pl->first_act[e + 1]))
                break;
            e++;
        }
        pl->mc_len[g] = e - g;
        g = e;
    }
    if (!s->cfg->noc.reduce || st->reduce_k <= 1 || s->loaded || narr < 2)
        return;
    struct outsig *sig = xmalloc(narr * sizeof *sig);
    for (i = 0; i < narr; i++)
        sig[i] = (struct outsig){st, pl->first_act[i], pl->first_act[i + 1], i};
    qsort(sig, narr, sizeof *sig, cmp_outsig);
    /* The groups' outputs must add up to the stage's: each element once. */
    uint64_t covered = 0;
    for (i = 0; i < narr; i++)
        if (i == 0 || !same_outsig(&sig[i], &sig[i - 1]))
            for (uint32_t a = sig[i].a0; a < sig[i].a1; a++)
                covered += cmd_set_count(&st->act[a].cols) / s->mp->cpw;
    if (covered == st->ts->out_n) {
        pl->chain_next = xmalloc(narr * sizeof *pl->chain_next);
        for (i = 0; i < narr; i++) /* sorted by index within a group */
            pl->chain_next[sig[i].idx] =
                i + 1 < narr && same_outsig(&sig[i], &sig[i + 1]) ? (int32_t)sig[i + 1].idx : -1;
    }
    free(sig);
}

static void build_plans(sched *s)
{
    const mapper *mp = s->mp;
    s->plan_off = xcalloc(mp->nproj ? mp->nproj : 1, sizeof *s->plan_off);
    uint32_t n = 0, most = 1;
    for (uint32_t p = 0; p < mp->nproj; p++) {
        s->plan_off[p] = n;
        n += mp->proj[p].exec == MAPPER_ANALOG ? mp->proj[p].nstages : 0;
    }
    s->nplan = n;
    s->plan = xcalloc(n ? n : 1, sizeof *s->plan);
    for (uint32_t p = 0; p < mp->nproj; p++)
        if (mp->proj[p].exec == MAPPER_ANALOG)
            for (uint32_t k = 0; k < mp->proj[p].nstages; k++) {
                struct sched_stage *pl = &s->plan[s->plan_off[p] + k];
                plan_stage(s, &mp->proj[p].stage[k], pl);
                if (pl->narr > most)
                    most = pl->narr;
            }
    s->chain_in = xmalloc(most * sizeof *s->chain_in);
}

/* ---- lifecycle --------------------------------------------------------- */

sched *sched_create(const config *c, const model *m, const transform *t, const mapper *mp,
                    const sched_chip *chip, stats *st, char *err, size_t errlen)
{
    if (c->run.scheduler == SCHED_THREEDSIM) {
        tdsim *td = tdsim_create(c, m, mp, chip, err, errlen);
        if (!td)
            return NULL;
        sched *s = xcalloc(1, sizeof *s);
        s->td = td;
        return s;
    }
    if (chip->units[UNIT_CLUSTER] == 0) {
        config_fail(c, PARAM_cluster_count, err, errlen,
                    "the scheduler needs a digital cluster (LayerNorm, attention, reductions "
                    "run there)");
        return NULL;
    }
    if (mp->narrays > chip->units[UNIT_TILE] && (!c->chip.reprogram || !chip->units[UNIT_TILE])) {
        config_fail(c, PARAM_chip_tiles, err, errlen,
                    "mapping needs %u arrays, chip has %u (set [chip] reprogram = true to "
                    "reprogram arrays)", mp->narrays, chip->units[UNIT_TILE]);
        return NULL;
    }
    if (!m->causal && c->run.decode_tokens > 0) {
        config_fail(c, PARAM_run_decode_tokens, err, errlen,
                    "a bidirectional model (%s) has no decode phase",
                    config_enum_name(PARAM_model_preset, c->model.preset));
        return NULL;
    }
    sched *s = xcalloc(1, sizeof *s);
    s->cfg = c;
    s->m = m;
    s->t = t;
    s->mp = mp;
    s->chip = *chip;
    s->P = (uint32_t)c->run.prompt_tokens;
    s->D = (uint32_t)c->run.decode_tokens;
    s->B = (uint32_t)c->run.batch;
    s->npos = s->P + s->D;
    s->token_major = m->causal;
    s->sampling = c->run.sampling;
    s->act_bytes = (uint32_t)ceil_div_u64(m->act_bits, 8);
    s->w_bytes = (uint32_t)ceil_div_u64(m->weight_bits, 8);
    s->psum_bytes = (uint32_t)ceil_div_u64((uint64_t)c->run.psum_bits, 8);
    tile_params tp;
    tile_params_init(&tp, c);
    s->slices = tile_input_slices(&tp);
    if (s->npos > m->context_tokens && m->context_tokens) {
        config_fail(c, config_later(c, PARAM_run_prompt_tokens, PARAM_run_decode_tokens), err,
                    errlen, "prompt_tokens + decode_tokens = %u exceeds the model's context "
                            "of %u tokens", s->npos, m->context_tokens);
        free(s);
        return NULL;
    }
    if (lora_check(c, m, err, errlen) < 0) {
        free(s);
        return NULL;
    }
    /* Clusters: layer L on cluster L mod count (the clusters that serve
     * the blocks: without the LoRA clusters); what precedes the blocks on
     * cluster 0, what follows them on the last block's cluster. */
    uint32_t ncl = lora_layer_clusters(c, chip->units[UNIT_CLUSTER]);
    s->ncl_blocks = ncl;
    sched_attn_init(s);

    s->node_cluster = xcalloc(m->nnodes ? m->nnodes : 1, sizeof *s->node_cluster);
    s->first_block_node = s->last_block_node = 0;
    int seen = 0;
    for (uint32_t i = 0; i < m->nnodes; i++)
        if (m->node[i].layer >= 0) {
            if (!seen)
                s->first_block_node = i;
            seen = 1;
            s->last_block_node = i;
        }
    for (uint32_t i = 0; i < m->nnodes; i++)
        s->node_cluster[i] = sched_node_cluster(m, i, ncl);
    /* Node groups: what precedes the blocks, each block, what follows. */
    s->ngroups = m->layers + 2;
    s->gstart = xcalloc(s->ngroups + 1, sizeof *s->gstart);
    for (uint32_t i = m->nnodes; i-- > 0;)
        if (m->node[i].layer >= 0)
            s->gstart[m->node[i].layer + 1] = i; /* ends at each block's first node */
    s->gstart[0] = 0;
    s->gstart[m->layers + 1] = s->last_block_node + 1;
    s->gstart[m->layers + 2] = m->nnodes;
    uint32_t nl = m->layers ? m->layers : 1;
    s->qk_node = xcalloc(nl, sizeof *s->qk_node);
    s->sm_node = xcalloc(nl, sizeof *s->sm_node);
    s->av_node = xcalloc(nl, sizeof *s->av_node);
    for (uint32_t i = 0; i < m->nnodes; i++) {
        if (m->node[i].op == MODEL_OP_QK)
            s->qk_node[m->node[i].layer] = i;
        if (m->node[i].op == MODEL_OP_SOFTMAX)
            s->sm_node[m->node[i].layer] = i;
        if (m->node[i].op == MODEL_OP_AV)
            s->av_node[m->node[i].layer] = i;
    }

    s->ntags = m->nnodes + 1;
    s->tags = xcalloc(s->ntags, sizeof *s->tags);
    for (uint32_t i = 0; i < m->nnodes; i++)
        s->tags[i] = (cmd_tag){m->node[i].name, m->node[i].layer};
    s->sample_tag = m->nnodes;
    s->tags[s->sample_tag] = (cmd_tag){"sample", -1};
    s->seg_p0 = 0;
    s->seg_p1 = s->npos;
    sched_lora_init(s, st);

    /* Outputs: a query block of positions in flight per node (token-major),
     * every position (node by node). */
    s->pslots = s->token_major ? s->bq : s->npos;
    if (s->pslots == 0)
        s->pslots = 1;
    size_t nout = (size_t)m->nnodes * s->pslots * s->B;
    s->out = xmalloc((nout ? nout : 1) * sizeof *s->out);
    for (size_t i = 0; i < nout; i++)
        s->out[i] = NONE;
    s->sample = xmalloc(s->B * sizeof *s->sample);
    s->split_ids = xcalloc(s->B, sizeof *s->split_ids);
    for (uint32_t q = 0; q < s->B; q++)
        s->sample[q] = NONE;
    size_t nkv = (size_t)m->layers * s->B;
    s->kv_last_write = xmalloc((nkv ? nkv : 1) * sizeof *s->kv_last_write);
    for (size_t i = 0; i < nkv; i++)
        s->kv_last_write[i] = NONE;
    if (mp->narrays > chip->units[UNIT_TILE]) {
        /* Array a runs on tile a mod T; the first T arrays are programmed
         * before the run, the others when their turn comes. */
        s->loaded = xmalloc(chip->units[UNIT_TILE] * sizeof *s->loaded);
        for (uint32_t i = 0; i < chip->units[UNIT_TILE]; i++)
            s->loaded[i] = i;
    }
    build_plans(s);
    if (sched_layout(s, err, errlen) < 0) {
        sched_free(s);
        return NULL;
    }
    if (m->lm_head != MODEL_LM_NONE)
        s->tokens_out = s->P > 0 ? (uint64_t)s->D + 1 : s->D;
    s->finished = s->npos == 0 || m->nnodes == 0;
    s->wave = s->token_major && s->P > 0;
    s->grp = s->wave ? s->ngroups : 0;
    if (st) {
        stats_counter(st, &s->kv_sram_bytes, "sched.kv_sram_bytes");
        stats_counter(st, &s->kv_dram_bytes, "sched.kv_dram_bytes");
        stats_counter(st, &s->w_sram_bytes, "sched.digital_weights_sram_bytes");
        stats_counter(st, &s->w_dram_bytes, "sched.digital_weights_dram_bytes");
        stats_counter(st, &s->emb_dram_bytes, "sched.embedding_dram_bytes");
        stats_counter(st, &s->spill_bytes, "sched.spill_bytes");
        stats_counter(st, &s->attn_bq_stat, "sched.attn_q_tokens");
        stats_counter(st, &s->attn_bk_stat, "sched.attn_kv_tokens");
    }
    return s;
}

void sched_free(sched *s)
{
    if (!s)
        return;
    tdsim_free(s->td);
    free(s->buf);
    free(s->deps);
    sched_ids_free(&s->tmp);
    free(s->out);
    free(s->node_cluster);
    free(s->sample);
    for (uint32_t q = 0; s->split_ids && q < s->B; q++)
        sched_ids_free(&s->split_ids[q]);
    free(s->split_ids);
    free(s->kv_last_write);
    free(s->wplace);
    free(s->qk_node);
    free(s->sm_node);
    free(s->av_node);
    free(s->gstart);
    free(s->loaded);
    for (uint32_t i = 0; s->plan && i < s->nplan; i++) {
        free(s->plan[i].first_act);
        free(s->plan[i].mc_len);
        free(s->plan[i].chain_next);
    }
    free(s->plan);
    free(s->plan_off);
    free(s->chain_in);
    sched_lora_free(s);
    free(s->tags);
    free(s);
}
