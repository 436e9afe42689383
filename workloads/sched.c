/*
 * sched.c -- lazy generation of the command stream of a run (sched.h).
 *
 * The generator walks (position, node) in token-major order for causal
 * models and (node, position) order for bidirectional ones; each step emits
 * the commands of one graph node for every sequence of the batch into a
 * small buffer, which next() hands out before the following step.
 *
 * Invariants:
 *  - ids are consecutive from 0 in emission order; every dependency names
 *    an id already emitted (so the stream is acyclic by construction);
 *  - out[] holds, for the positions still needed, the id of the command
 *    after whose completion a node's output is in its cluster's memory;
 *  - the buffer holds the commands of one step only: memory is bounded by
 *    the largest node (the LM head on arrays), not by the token count.
 */
#include "workloads/sched.h"
#include "workloads/sched_3dsim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/tile.h"
#include "sim/util.h"

#define NONE UINT64_MAX

/* Which embedding row a position reads: the text is not modelled, so the
 * token id is a fixed hash of (position, sequence) -- Knuth's
 * multiplicative hash, 2^32 / golden ratio -- spreading the reads over the
 * table (its DRAM addresses) rather than hitting one row. */
#define TOKEN_HASH_MULT 2654435761u

struct pending {
    cmd c;
    size_t dep_off;
};

/* Where a block of data lives: a memory unit and a byte address in it. */
struct place {
    unit_id unit;
    uint64_t addr;
};

struct sched {
    tdsim *td;                     /* [run] scheduler = threedsim: it makes the stream */
    const config *cfg;
    const model *m;
    const transform *t;
    const mapper *mp;
    sched_chip chip;
    uint32_t P, D, B, npos;        /* prompt, decode steps, batch, positions */
    int token_major;
    uint32_t act_bytes, w_bytes, psum_bytes, slices;
    uint32_t first_block_node, last_block_node;

    /* iteration (see step): node-major (pos, node); wavefront (tau, grp);
     * token-major (pos, grp) */
    uint32_t pos, node, tau, grp;
    int wave;
    uint32_t ngroups;              /* embedding, each block, head */
    uint32_t *gstart;              /* first node of each group; [ngroups] = nnodes */
    int finished;

    /* the buffer of the current step */
    struct pending *buf;
    uint32_t nbuf, cap, rd;
    uint64_t *deps;
    size_t ndeps, dcap;
    uint64_t next_id;
    uint64_t *tmp;                 /* scratch dependency list */
    size_t ntmp, tmpcap;

    /* node outputs: out[(node * pslots + p % pslots) * B + seq] */
    uint64_t *out;
    uint32_t pslots;
    uint32_t *node_cluster;
    uint64_t *sample;              /* per sequence: last sampling command */
    uint64_t *kv_last_write;       /* per (layer, sequence) */
    struct place *kv;              /* per (layer, sequence): K at addr, V after */
    uint64_t kv_region_bytes;
    struct place *wplace;          /* per projection run digitally: its weights */
    struct place emb;              /* token and position embeddings */
    uint32_t *qk_node;             /* per layer: the attention node (KV tags) */
    uint32_t sample_tag;

    uint32_t *loaded;              /* reprogramming: array held by each tile, or NULL */

    cmd_tag *tags;
    uint32_t ntags;
    uint64_t tokens_out;

    /* statistics */
    uint64_t kv_sram_bytes, kv_dram_bytes, w_sram_bytes, w_dram_bytes, emb_dram_bytes;
    uint64_t spill_bytes;
};

/* ---- emission --------------------------------------------------------- */

static void tmp_reset(sched *s) { s->ntmp = 0; }

static void tmp_add(sched *s, uint64_t id)
{
    if (id == NONE)
        return;
    if (s->ntmp == s->tmpcap) {
        s->tmpcap = s->tmpcap ? 2 * s->tmpcap : 256;
        s->tmp = xrealloc(s->tmp, s->tmpcap * sizeof *s->tmp);
    }
    s->tmp[s->ntmp++] = id;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Appends command c with dependencies deps (NONE entries skipped);
 * returns its id. */
static uint64_t emit(sched *s, cmd *c, const uint64_t *deps, size_t nd)
{
    if (s->nbuf == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->buf = xrealloc(s->buf, s->cap * sizeof *s->buf);
    }
    if (s->ndeps + nd > s->dcap) {
        while (s->ndeps + nd > s->dcap)
            s->dcap = s->dcap ? 2 * s->dcap : 4096;
        s->deps = xrealloc(s->deps, s->dcap * sizeof *s->deps);
    }
    struct pending *p = &s->buf[s->nbuf++];
    p->c = *c;
    p->c.id = s->next_id++;
    p->dep_off = s->ndeps;
    uint64_t *d = s->deps + s->ndeps;
    uint32_t n = 0;
    int sorted = 1;
    for (size_t i = 0; i < nd; i++)
        if (deps[i] != NONE) {
            if (n && deps[i] <= d[n - 1])
                sorted = 0;
            d[n++] = deps[i];
        }
    if (!sorted) { /* the stream lists dependencies increasing, once each */
        qsort(d, n, sizeof *d, cmp_u64);
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (k == 0 || d[i] != d[k - 1])
                d[k++] = d[i];
        n = k;
    }
    s->ndeps += n;
    p->c.ndeps = n;
    p->c.deps = NULL;
    return p->c.id;
}

static uint64_t emit1(sched *s, cmd *c, uint64_t dep) { return emit(s, c, &dep, 1); }

static uint64_t emit2(sched *s, cmd *c, uint64_t a, uint64_t b)
{
    uint64_t d[2] = {a, b};
    return emit(s, c, d, 2);
}

/* A digital op on cluster cl. */
static cmd dig_cmd(uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n, uint32_t k)
{
    cmd c = {0};
    c.op = CMD_DIG;
    c.unit = UNIT(UNIT_CLUSTER, cl);
    c.tag = tag;
    c.u.dig.kind = (uint8_t)kind;
    c.u.dig.m = m;
    c.u.dig.n = n;
    c.u.dig.k = k;
    return c;
}

static uint64_t dig(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n,
                    uint32_t k, uint64_t a, uint64_t b)
{
    cmd c = dig_cmd(cl, tag, kind, m, n, k);
    return emit2(s, &c, a, b);
}

/* A digital op that depends on every id in the scratch list. */
static uint64_t dig_tmp(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n,
                        uint32_t k)
{
    cmd c = dig_cmd(cl, tag, kind, m, n, k);
    return emit(s, &c, s->tmp, s->ntmp);
}

static uint64_t xfer(sched *s, unit_id src, unit_id dst, uint64_t bytes, uint32_t tag,
                     uint64_t dep)
{
    cmd c = {0};
    c.op = CMD_XFER;
    c.unit = src;
    c.tag = tag;
    c.u.xfer.dst = dst;
    c.u.xfer.bytes = bytes;
    return emit1(s, &c, dep);
}

static uint64_t mem(sched *s, struct place pl, int write, uint64_t off, uint64_t bytes,
                    uint32_t tag, uint64_t dep)
{
    cmd c = {0};
    c.op = CMD_MEM;
    c.unit = pl.unit;
    c.tag = tag;
    c.u.mem.write = (uint8_t)write;
    c.u.mem.addr = pl.addr + off;
    c.u.mem.bytes = bytes;
    return emit1(s, &c, dep);
}

static uint64_t sync_all(sched *s, int op, uint32_t tag, int kind, uint64_t value)
{
    cmd c = {0};
    c.op = (uint8_t)op;
    c.unit = UNIT(UNIT_NONE, 0);
    c.tag = tag;
    c.u.mark.kind = (uint8_t)kind;
    c.u.mark.value = value;
    return emit(s, &c, s->tmp, s->ntmp);
}

/* ---- the work of graph nodes ------------------------------------------- */

static uint64_t *outp(sched *s, uint32_t node, uint32_t pos, uint32_t seq)
{
    return &s->out[((size_t)node * s->pslots + pos % s->pslots) * s->B + seq];
}

/* The output of node `in` for (pos, seq), made available on cluster cl. */
static uint64_t input(sched *s, int32_t in, uint32_t pos, uint32_t seq, uint32_t cl,
                      uint32_t tag)
{
    if (in < 0)
        return NONE;
    uint64_t id = *outp(s, (uint32_t)in, pos, seq);
    uint32_t from = s->node_cluster[in];
    if (from == cl || id == NONE)
        return id;
    const model_proj *pj = s->m->node[in].proj >= 0 ? &s->m->proj[s->m->node[in].proj] : NULL;
    uint64_t elems = pj ? pj->out : s->m->d_model;
    return xfer(s, UNIT(UNIT_CLUSTER, from), UNIT(UNIT_CLUSTER, cl), elems * s->act_bytes,
                tag, id);
}

/* A projection on the digital cluster: weights from memory, one GEMM per
 * stage, the permutation between Monarch stages. */
static uint64_t proj_digital(sched *s, uint32_t pi, uint32_t cl, uint32_t tag, uint64_t x)
{
    const transform_proj *tp = &s->t->proj[pi];
    struct place pl = s->wplace[pi];
    uint64_t wbytes = tp->params * s->w_bytes;
    uint64_t w = mem(s, pl, 0, 0, wbytes, tag, NONE);
    w = xfer(s, pl.unit, UNIT(UNIT_CLUSTER, cl), wbytes, tag, w);
    uint64_t y = x;
    for (uint32_t k = 0; k < tp->nstages; k++) {
        const transform_stage *st = &tp->stage[k];
        uint64_t macs = 0;
        for (uint32_t b = 0; b < st->nblocks; b++)
            macs += (uint64_t)st->block[b].in_len * st->block[b].out_len;
        uint32_t kk = (uint32_t)ceil_div_u64(macs, st->out_n);
        y = dig(s, cl, tag, DIG_GEMM, 1, st->out_n, kk, y, k == 0 ? w : NONE);
        if (k + 1 < tp->nstages && tp->perm_n)
            y = dig(s, cl, tag, DIG_PERMUTE, 1, tp->perm_n, 0, y, NONE);
    }
    return y;
}

/* A projection on arrays, stage by stage (mapper.h activation semantics). */
static uint64_t proj_analog(sched *s, uint32_t pi, uint32_t cl, uint32_t tag, uint64_t x)
{
    const mapper_proj *mp = &s->mp->proj[pi];
    unit_id clu = UNIT(UNIT_CLUSTER, cl);
    uint64_t y = x;
    for (uint32_t k = 0; k < mp->nstages; k++) {
        const mapper_stage *st = &mp->stage[k];
        tmp_reset(s);
        for (uint32_t a = 0; a < st->nact;) {
            uint32_t arr = st->act[a].array, e = a;
            uint64_t in_elems = 0, out_elems = 0;
            while (e < st->nact && st->act[e].array == arr) {
                in_elems += cmd_set_count(&st->act[e].rows);
                out_elems += cmd_set_count(&st->act[e].cols) / s->mp->cpw;
                e++;
            }
            uint32_t ti = s->loaded ? arr % s->chip.units[UNIT_TILE] : arr;
            unit_id tile = UNIT(UNIT_TILE, ti);
            if (s->loaded && s->loaded[ti] != arr) {
                /* The tile holds another array's weights: program it first
                 * (in order on the tile, after that array's activations). */
                cmd c = {0};
                c.op = CMD_PROG;
                c.unit = tile;
                c.tag = tag;
                c.u.prog.array = arr;
                emit(s, &c, NULL, 0);
                s->loaded[ti] = arr;
            }
            uint64_t in = xfer(s, clu, tile, in_elems * s->act_bytes, tag, y);
            uint64_t last = in;
            for (uint32_t i = a; i < e; i++) {
                cmd c = {0};
                c.op = CMD_ACT;
                c.unit = tile;
                c.tag = tag;
                c.u.act.rows = st->act[i].rows;
                c.u.act.cols = st->act[i].cols;
                c.u.act.slices = (uint8_t)s->slices;
                c.u.act.bits = st->act[i].bits;
                last = emit1(s, &c, in);
            }
            /* The tile's activations end in issue order (FIFO array and
             * ADC bank), so its outputs are complete when the last is. */
            tmp_add(s, xfer(s, tile, clu, out_elems * s->psum_bytes, tag, last));
            a = e;
        }
        if (st->reduce_k > 1)
            y = dig_tmp(s, cl, tag, DIG_REDUCE, 1, st->ts->out_n, st->reduce_k);
        else if (s->ntmp == 1)
            y = s->tmp[0];
        else
            y = sync_all(s, CMD_SYNC, tag, 0, 0);
        if (st->perm_n)
            y = dig(s, cl, tag, DIG_PERMUTE, 1, st->perm_n, 0, y, NONE);
    }
    return y;
}

/* A projection with its LoRA branch beside it: y = W x + B (A x). */
static uint64_t proj(sched *s, uint32_t pi, uint32_t cl, uint32_t tag, uint64_t x)
{
    const mapper_proj *mp = &s->mp->proj[pi];
    uint64_t y = mp->exec == MAPPER_DIGITAL ? proj_digital(s, pi, cl, tag, x)
                                            : proj_analog(s, pi, cl, tag, x);
    if (mp->lora) {
        const model_proj *pj = &s->m->proj[pi];
        uint32_t r = (uint32_t)s->cfg->lora.rank;
        uint64_t a = dig(s, cl, tag, DIG_GEMM, 1, r, pj->in, x, NONE);
        uint64_t b = dig(s, cl, tag, DIG_GEMM, 1, pj->out, r, a, NONE);
        y = dig(s, cl, tag, DIG_ADD, 1, pj->out, 0, y, b);
    }
    return y;
}

static uint32_t kv_index(const sched *s, int32_t layer, uint32_t seq)
{
    return (uint32_t)layer * s->B + seq;
}

/* This token's keys and values, from the cluster into the KV cache. */
static void kv_write(sched *s, uint32_t node, uint32_t pos, uint32_t seq, uint32_t cl,
                     uint64_t qkv)
{
    int32_t layer = s->m->node[node].layer;
    uint32_t kvi = kv_index(s, layer, seq);
    uint32_t tag = s->qk_node[layer];
    uint64_t row = (uint64_t)s->m->d_model * s->act_bytes;
    struct place pl = s->kv[kvi];
    uint64_t x = xfer(s, UNIT(UNIT_CLUSTER, cl), pl.unit, 2 * row, tag, qkv);
    uint64_t k = mem(s, pl, 1, (uint64_t)pos * row, row, tag, x);
    uint64_t v = mem(s, pl, 1, s->kv_region_bytes / 2 + (uint64_t)pos * row, row, tag, k);
    s->kv_last_write[kvi] = v;
}

/* Keys (which = 0) or values (1) of `keys` positions, into the cluster. */
static uint64_t kv_read(sched *s, int32_t layer, uint32_t seq, uint32_t keys, int which,
                        uint32_t cl, uint32_t tag)
{
    uint32_t kvi = kv_index(s, layer, seq);
    struct place pl = s->kv[kvi];
    uint64_t bytes = (uint64_t)keys * s->m->d_model * s->act_bytes;
    uint64_t r = mem(s, pl, 0, which ? s->kv_region_bytes / 2 : 0, bytes, tag,
                     s->kv_last_write[kvi]);
    return xfer(s, pl.unit, UNIT(UNIT_CLUSTER, cl), bytes, tag, r);
}

/* 1 if the LM head (and the final LayerNorm) runs at position pos. */
static int head_needed(const sched *s, uint32_t pos)
{
    if (s->m->lm_head == MODEL_LM_NONE)
        return 0;
    return s->P == 0 || pos + 1 >= s->P;
}

/* Emits node n at position pos for sequence seq. */
static void emit_node(sched *s, uint32_t n, uint32_t pos, uint32_t seq)
{
    const model_node *nd = &s->m->node[n];
    uint32_t cl = s->node_cluster[n];
    uint32_t tag = n;
    uint64_t a = input(s, nd->in[0], pos, seq, cl, tag);
    uint64_t b = input(s, nd->in[1], pos, seq, cl, tag);
    uint32_t keys = model_keys(s->m, pos, s->npos);
    model_cost mc;
    model_node_cost(s->m, n, keys, &mc);
    uint64_t y = NONE;
    switch (nd->op) {
    case MODEL_OP_EMBED: {
        /* Token and position rows; a decode step needs the sampled token. */
        uint64_t after = pos >= s->P && pos > 0 ? s->sample[seq] : NONE;
        uint64_t row = (uint64_t)s->m->d_model * s->w_bytes;
        uint64_t tok = ((uint64_t)pos * TOKEN_HASH_MULT + seq) % s->m->vocab;
        uint64_t r = mem(s, s->emb, 0, tok * row, 2 * row, tag, after);
        r = xfer(s, s->emb.unit, UNIT(UNIT_CLUSTER, cl), 2 * row, tag, r);
        y = dig(s, cl, tag, DIG_EMBED, mc.m, mc.n, 0, r, NONE);
        break;
    }
    case MODEL_OP_LAYERNORM:
    case MODEL_OP_SOFTMAX:
    case MODEL_OP_GELU:
    case MODEL_OP_ADD: {
        static const int kind[MODEL_OP_KINDS] = {
            [MODEL_OP_LAYERNORM] = DIG_LAYERNORM, [MODEL_OP_SOFTMAX] = DIG_SOFTMAX,
            [MODEL_OP_GELU] = DIG_GELU, [MODEL_OP_ADD] = DIG_ADD};
        y = dig(s, cl, tag, kind[nd->op], mc.m, mc.n, 0, a, b);
        break;
    }
    case MODEL_OP_QK: {
        uint64_t k = kv_read(s, nd->layer, seq, keys, 0, cl, tag);
        y = dig(s, cl, tag, DIG_GEMM, mc.m, mc.n, mc.k, a, k);
        break;
    }
    case MODEL_OP_AV: {
        uint64_t v = kv_read(s, nd->layer, seq, keys, 1, cl, tag);
        y = dig(s, cl, tag, DIG_GEMM, mc.m, mc.n, mc.k, a, v);
        break;
    }
    case MODEL_OP_PROJ: {
        uint32_t pi = (uint32_t)nd->proj;
        y = proj(s, pi, cl, tag, a);
        if (s->m->proj[pi].kind == MODEL_PROJ_QKV)
            kv_write(s, n, pos, seq, cl, y);
        if (s->m->proj[pi].kind == MODEL_PROJ_LM_HEAD) {
            /* Sampling: a softmax over the vocabulary. */
            y = dig(s, cl, s->sample_tag, DIG_SOFTMAX, 1, s->m->vocab, 0, y, NONE);
            s->sample[seq] = y;
        }
        break;
    }
    default:
        break;
    }
    *outp(s, n, pos, seq) = y;
}

/* Milestones after node n at position pos, for all sequences. */
static void emit_marks(sched *s, uint32_t n, uint32_t pos)
{
    /* Prefill done: the last prompt position has left the last block (node
     * by node, every position's output of that node, all emitted by now). */
    if (s->P > 0 && pos == s->P - 1 && n == s->last_block_node) {
        tmp_reset(s);
        for (uint32_t q = 0; q < s->B; q++)
            for (uint32_t p = s->token_major ? pos : 0; p <= pos; p++)
                tmp_add(s, *outp(s, n, p, q));
        sync_all(s, CMD_MARK, n, MARK_PREFILL, 0);
    }
    const model_node *nd = &s->m->node[n];
    if (nd->op == MODEL_OP_PROJ && s->m->proj[nd->proj].kind == MODEL_PROJ_LM_HEAD) {
        tmp_reset(s);
        for (uint32_t q = 0; q < s->B; q++)
            tmp_add(s, s->sample[q]);
        uint64_t g = s->P > 0 ? pos - (s->P - 1) : pos;
        sync_all(s, CMD_MARK, s->sample_tag, MARK_TOKEN, g);
    }
}

/* Emits group g (graph nodes [gstart[g], gstart[g + 1])) at position pos
 * for every sequence. */
static void emit_group(sched *s, uint32_t g, uint32_t pos)
{
    if (g + 1 == s->ngroups && !head_needed(s, pos))
        return;
    for (uint32_t n = s->gstart[g]; n < s->gstart[g + 1]; n++) {
        for (uint32_t q = 0; q < s->B; q++)
            emit_node(s, n, pos, q);
        emit_marks(s, n, pos);
    }
}

/* Emits the next step into the (empty) buffer; sets finished after the last.
 *
 * Causal models: the prompt in wavefront order -- at step tau, group g
 * (embedding, block 0 .. block L-1, head) of position tau - g, groups in
 * descending order -- so that every unit's queue interleaves tokens the way
 * a software pipeline does and tokens flow through the blocks together;
 * then the decode positions token by token, group by group (each depends on
 * the previous token's sample).  Bidirectional models: node by node over
 * all positions. */
static void step(sched *s)
{
    s->nbuf = s->rd = 0;
    s->ndeps = 0;
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
            /* s->grp counts down from ngroups; tau - grp is the position. */
            uint32_t g = --s->grp;
            if (s->tau >= g && s->tau - g < s->P)
                emit_group(s, g, s->tau - g);
            if (g == 0) {
                s->grp = s->ngroups;
                if (++s->tau == s->P + s->ngroups - 1) {
                    s->wave = 0;
                    s->pos = s->P;
                    s->grp = 0;
                    s->finished = s->pos == s->npos;
                }
            }
        } else {
            emit_group(s, s->grp, s->pos);
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
    struct pending *p = &s->buf[s->rd++];
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

/* ---- data placement ---------------------------------------------------- */

/* Places `bytes` in the first SRAM bank (from *next_bank, round robin) with
 * room, else on a DRAM channel (round robin); 0 if it fits nowhere. */
static int place(sched *s, uint64_t bytes, uint64_t *bank_used, uint32_t *next_bank,
                 uint64_t *dram_used, uint32_t *next_ch, int sram_ok, struct place *out,
                 int *in_sram)
{
    uint32_t nb = s->chip.units[UNIT_SRAM], nd = s->chip.units[UNIT_DRAM];
    for (uint32_t i = 0; sram_ok && i < nb; i++) {
        uint32_t b = (*next_bank + i) % nb;
        if (bank_used[b] + bytes <= s->chip.sram_bank_bytes) {
            *out = (struct place){UNIT(UNIT_SRAM, b), bank_used[b]};
            bank_used[b] += bytes;
            *next_bank = (b + 1) % nb;
            *in_sram = 1;
            return 1;
        }
    }
    if (nd == 0)
        return 0;
    uint32_t ch = (*next_ch)++ % nd;
    *out = (struct place){UNIT(UNIT_DRAM, ch), dram_used[ch]};
    dram_used[ch] += bytes;
    *in_sram = 0;
    return 1;
}

static int layout(sched *s, char *err, size_t errlen)
{
    uint32_t nb = s->chip.units[UNIT_SRAM], nd = s->chip.units[UNIT_DRAM];
    uint64_t *bank_used = xcalloc(nb ? nb : 1, sizeof *bank_used);
    uint64_t *dram_used = xcalloc(nd ? nd : 1, sizeof *dram_used);
    uint32_t next_bank = 0, next_ch = 0;
    int in_sram, rc = 0;
    const model *m = s->m;
    /* KV cache: hottest data, every token reads it. */
    s->kv_region_bytes = 2ull * s->npos * m->d_model * s->act_bytes;
    uint32_t nkv = m->layers * s->B;
    s->kv = xcalloc(nkv ? nkv : 1, sizeof *s->kv);
    for (uint32_t i = 0; i < nkv && rc == 0; i++) {
        if (!place(s, s->kv_region_bytes, bank_used, &next_bank, dram_used, &next_ch, 1,
                   &s->kv[i], &in_sram))
            rc = config_fail(s->cfg, PARAM_dram_channels, err, errlen,
                      "KV cache: %llu bytes per layer and sequence fit no SRAM bank "
                      "(%llu bytes) and the chip has no DRAM channel",
                      (unsigned long long)s->kv_region_bytes,
                      (unsigned long long)s->chip.sram_bank_bytes);
        else if (in_sram)
            s->kv_sram_bytes += s->kv_region_bytes;
        else
            s->kv_dram_bytes += s->kv_region_bytes;
    }
    /* Weights of projections run on the digital cluster. */
    s->wplace = xcalloc(m->nproj, sizeof *s->wplace);
    for (uint32_t i = 0; i < m->nproj && rc == 0; i++) {
        if (s->mp->proj[i].exec != MAPPER_DIGITAL)
            continue;
        uint64_t bytes = s->t->proj[i].params * s->w_bytes;
        if (!place(s, bytes, bank_used, &next_bank, dram_used, &next_ch, 1, &s->wplace[i],
                   &in_sram))
            rc = config_fail(s->cfg, PARAM_dram_channels, err, errlen,
                      "weights of %s (digital): %llu bytes fit no SRAM bank and the chip "
                      "has no DRAM channel", m->proj[i].name, (unsigned long long)bytes);
        else if (in_sram)
            s->w_sram_bytes += bytes;
        else
            s->w_dram_bytes += bytes;
    }
    /* Embedding tables: read one row per token; DRAM when there is one. */
    uint64_t emb = ((uint64_t)m->vocab + m->context_tokens) * m->d_model * s->w_bytes;
    if (rc == 0 && !place(s, emb, bank_used, &next_bank, dram_used, &next_ch, nd == 0,
                          &s->emb, &in_sram))
        rc = config_fail(s->cfg, PARAM_dram_channels, err, errlen,
                  "embedding tables: %llu bytes fit no SRAM bank and the chip has no DRAM "
                  "channel", (unsigned long long)emb);
    else if (rc == 0 && !in_sram)
        s->emb_dram_bytes = emb;
    s->spill_bytes = s->kv_dram_bytes + s->w_dram_bytes;
    free(bank_used);
    free(dram_used);
    return rc;
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
    s->pslots = s->token_major ? 1 : s->npos;
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

    /* Clusters: layer L on cluster L mod count; what precedes the blocks on
     * cluster 0, what follows them on the last block's cluster. */
    uint32_t ncl = chip->units[UNIT_CLUSTER];
    s->node_cluster = xcalloc(m->nnodes, sizeof *s->node_cluster);
    s->first_block_node = s->last_block_node = 0;
    int seen = 0;
    for (uint32_t i = 0; i < m->nnodes; i++)
        if (m->node[i].layer >= 0) {
            if (!seen)
                s->first_block_node = i;
            seen = 1;
            s->last_block_node = i;
        }
    uint32_t last_cl = m->layers ? (m->layers - 1) % ncl : 0;
    for (uint32_t i = 0; i < m->nnodes; i++) {
        int32_t l = m->node[i].layer;
        s->node_cluster[i] = l >= 0 ? (uint32_t)l % ncl : i < s->first_block_node ? 0 : last_cl;
    }
    /* Node groups: what precedes the blocks, each block, what follows. */
    s->ngroups = m->layers + 2;
    s->gstart = xcalloc(s->ngroups + 1, sizeof *s->gstart);
    for (uint32_t i = m->nnodes; i-- > 0;)
        if (m->node[i].layer >= 0)
            s->gstart[m->node[i].layer + 1] = i; /* ends at each block's first node */
    s->gstart[0] = 0;
    s->gstart[m->layers + 1] = s->last_block_node + 1;
    s->gstart[m->layers + 2] = m->nnodes;
    s->qk_node = xcalloc(m->layers ? m->layers : 1, sizeof *s->qk_node);
    for (uint32_t i = 0; i < m->nnodes; i++)
        if (m->node[i].op == MODEL_OP_QK)
            s->qk_node[m->node[i].layer] = i;

    s->ntags = m->nnodes + 1;
    s->tags = xcalloc(s->ntags, sizeof *s->tags);
    for (uint32_t i = 0; i < m->nnodes; i++)
        s->tags[i] = (cmd_tag){m->node[i].name, m->node[i].layer};
    s->sample_tag = m->nnodes;
    s->tags[s->sample_tag] = (cmd_tag){"sample", -1};

    size_t nout = (size_t)m->nnodes * s->pslots * s->B;
    s->out = xmalloc(nout * sizeof *s->out);
    for (size_t i = 0; i < nout; i++)
        s->out[i] = NONE;
    s->sample = xmalloc(s->B * sizeof *s->sample);
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
        for (uint32_t t = 0; t < chip->units[UNIT_TILE]; t++)
            s->loaded[t] = t;
    }
    if (layout(s, err, errlen) < 0) {
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
    free(s->tmp);
    free(s->out);
    free(s->node_cluster);
    free(s->sample);
    free(s->kv_last_write);
    free(s->kv);
    free(s->wplace);
    free(s->qk_node);
    free(s->gstart);
    free(s->loaded);
    free(s->tags);
    free(s);
}
