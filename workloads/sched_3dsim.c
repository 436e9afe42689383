/*
 * sched_3dsim.c -- IBM 3D-SiM's workload on aimcsim's mapping
 * (sched_3dsim.h).
 *
 * Invariants:
 *  - commands come out in steps (the nodes of one token in one part of a
 *    layer, or a layer's attention node), each step only after every
 *    command it depends on, so ids increase along every dependency;
 *  - a result is the list of ids that complete a node's output for one
 *    token, with whether the last of them ran on the digital pool (then a
 *    communication node precedes each MVM that reads it);
 *  - the partial-sum chains of a stage depend only on the mapping and are
 *    built once: one chain per group of outputs with the same contributing
 *    activations, in activation order.
 */
#include "workloads/sched_3dsim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/tile.h"
#include "sim/units.h"
#include "sim/util.h"

#define NONE UINT64_MAX

/* The chains of one stage: chain i adds the partial sums of activations
 * act[start[i] .. start[i + 1]) in that order. */
struct chains {
    uint32_t n;
    uint32_t *start, *act;
};

struct res {
    uint64_t *ids;
    uint32_t n, cap;
    uint8_t digital;
};

struct pending {
    cmd c;
    size_t dep_off;
};

enum step_kind { ST_NODES, ST_MHA, ST_FINAL };

struct step {
    uint8_t kind;
    uint32_t first, last; /* nodes [first, last) (ST_NODES, ST_FINAL); the layer (ST_MHA) */
    uint32_t token;
};

struct tdsim {
    const config *cfg;
    const model *m;
    const mapper *mp;
    uint32_t P;
    cmd_tag *tags;
    uint32_t ntags, sample_tag;
    struct chains *ch;             /* [nproj * 2] */
    struct res *res;               /* [nnodes * P] */
    int tile_mvm;                  /* [threedsim] mvm = tile */
    int per_array;                 /* [threedsim] mvm_per = array */
    uint32_t slices;               /* input slices of an activation */
    uint64_t mvm_ps, mvm_fj, comm_ps, comm_fj, add_ps, add_fj, ln_ps, ln_fj, gelu_ps, gelu_fj,
        mha_ps, mha_fj, smp_ps, smp_fj;
    struct step *steps;
    uint32_t nsteps, cur;
    /* the current step's commands */
    struct pending *buf;
    uint32_t nbuf, cap, rd;
    uint64_t *deps;
    size_t ndeps, dcap;
    uint64_t next_id;
    uint64_t *tmp;                 /* scratch id list */
    uint32_t ntmp, tmpcap;
};

static uint64_t ps_of(double ns) { return units_ns_to_ps(ns); }
static uint64_t fj_of_nj(double nj) { return (uint64_t)llround(nj * 1e6); }

static struct res *res_of(tdsim *t, int32_t node, uint32_t token)
{
    return &t->res[(size_t)node * t->P + token];
}

static void res_add(struct res *r, uint64_t id)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4;
        r->ids = xrealloc(r->ids, r->cap * sizeof *r->ids);
    }
    r->ids[r->n++] = id;
}

static void tmp_add(tdsim *t, uint64_t id)
{
    if (t->ntmp == t->tmpcap) {
        t->tmpcap = t->tmpcap ? 2 * t->tmpcap : 256;
        t->tmp = xrealloc(t->tmp, t->tmpcap * sizeof *t->tmp);
    }
    t->tmp[t->ntmp++] = id;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Appends command c with dependencies deps (sorted and made unique
 * here); returns its id. */
static uint64_t emit_cmd(tdsim *t, const cmd *c, const uint64_t *deps, size_t nd)
{
    if (t->nbuf == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->buf = xrealloc(t->buf, t->cap * sizeof *t->buf);
    }
    if (t->ndeps + nd > t->dcap) {
        while (t->ndeps + nd > t->dcap)
            t->dcap = t->dcap ? 2 * t->dcap : 4096;
        t->deps = xrealloc(t->deps, t->dcap * sizeof *t->deps);
    }
    struct pending *p = &t->buf[t->nbuf++];
    p->c = *c;
    p->c.id = t->next_id++;
    p->dep_off = t->ndeps;
    uint64_t *d = t->deps + t->ndeps;
    if (nd) {
        memcpy(d, deps, nd * sizeof *d);
        qsort(d, nd, sizeof *d, cmp_u64);
    }
    size_t n = 0;
    for (size_t i = 0; i < nd; i++)
        if (!n || d[i] != d[n - 1])
            d[n++] = d[i];
    t->ndeps += n;
    p->c.ndeps = (uint32_t)n;
    return p->c.id;
}

/* A given-cost command: CMD_FIXED on unit (arbitrated at prio), or
 * CMD_DELAY (prio < 0: none). */
static uint64_t emit(tdsim *t, int op, unit_id unit, uint64_t ps, uint64_t fj, int prio,
                     uint32_t tag, const uint64_t *deps, size_t nd)
{
    cmd c;
    memset(&c, 0, sizeof c);
    c.op = (uint8_t)op;
    c.unit = unit;
    c.tag = tag;
    c.u.fixed.lat_ps = ps;
    c.u.fixed.e_fj = fj;
    if (prio >= 0) {
        c.arb = 1;
        c.prio = (uint32_t)prio;
    }
    return emit_cmd(t, &c, deps, nd);
}

static uint64_t pool(tdsim *t, uint64_t ps, uint64_t fj, uint32_t token, uint32_t tag,
                     const uint64_t *deps, size_t nd)
{
    return emit(t, CMD_FIXED, UNIT(UNIT_CLUSTER, 0), ps, fj, (int)token + 1, tag, deps, nd);
}

static uint64_t comm(tdsim *t, uint32_t tag, const uint64_t *deps, size_t nd)
{
    return emit(t, CMD_DELAY, UNIT(UNIT_NONE, 0), t->comm_ps, t->comm_fj, -1, tag, deps, nd);
}

/* ---- the partial-sum chains of a stage ------------------------------------ */

struct seg {
    uint32_t lo, hi;   /* outputs [lo, hi) */
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Groups the stage's outputs by the activations that produce them: one
 * chain per distinct set of contributors. */
static void build_chains(const mapper *mp, const mapper_stage *st, struct chains *out)
{
    /* elementary output intervals between all range boundaries */
    uint32_t nb = 0, cap = 64;
    uint32_t *b = xmalloc(cap * sizeof *b);
    for (uint32_t a = 0; a < st->nact; a++)
        for (uint8_t r = 0; r < st->act[a].cols.nranges; r++) {
            if (nb + 2 > cap)
                b = xrealloc(b, (cap *= 2) * sizeof *b);
            b[nb++] = st->act[a].out_off[r];
            b[nb++] = st->act[a].out_off[r] + st->act[a].cols.r[r].n / mp->cpw;
        }
    qsort(b, nb, sizeof *b, cmp_u32);
    uint32_t nu = 0;
    for (uint32_t i = 0; i < nb; i++)
        if (!nu || b[i] != b[nu - 1])
            b[nu++] = b[i];
    uint32_t nseg = nu ? nu - 1 : 0;
    /* contributors of each interval, in activation order */
    uint32_t **who = xcalloc(nseg ? nseg : 1, sizeof *who);
    uint32_t *nwho = xcalloc(nseg ? nseg : 1, sizeof *nwho);
    for (uint32_t a = 0; a < st->nact; a++)
        for (uint8_t r = 0; r < st->act[a].cols.nranges; r++) {
            uint32_t lo = st->act[a].out_off[r], hi = lo + st->act[a].cols.r[r].n / mp->cpw;
            uint32_t *p = bsearch(&lo, b, nu, sizeof *b, cmp_u32);
            for (uint32_t s = (uint32_t)(p - b); s < nseg && b[s] < hi; s++) {
                if (nwho[s] && who[s][nwho[s] - 1] == a)
                    continue;
                who[s] = xrealloc(who[s], (nwho[s] + 1) * sizeof **who);
                who[s][nwho[s]++] = a;
            }
        }
    /* one chain per distinct contributor list (first seen order) */
    out->n = 0;
    out->start = xmalloc((nseg + 1) * sizeof *out->start);
    out->act = NULL;
    uint32_t nact = 0;
    out->start[0] = 0;
    for (uint32_t s = 0; s < nseg; s++) {
        if (!nwho[s])
            continue;
        int dup = 0;
        for (uint32_t c = 0; c < out->n && !dup; c++)
            dup = out->start[c + 1] - out->start[c] == nwho[s] &&
                  !memcmp(out->act + out->start[c], who[s], nwho[s] * sizeof *who[s]);
        if (dup)
            continue;
        out->act = xrealloc(out->act, (nact + nwho[s]) * sizeof *out->act);
        memcpy(out->act + nact, who[s], nwho[s] * sizeof *who[s]);
        nact += nwho[s];
        out->start[++out->n] = nact;
    }
    for (uint32_t s = 0; s < nseg; s++)
        free(who[s]);
    free(who);
    free(nwho);
    free(b);
}

/* ---- emission ----------------------------------------------------------------- */

/* An analog projection for one token: each stage's MVMs and their
 * communication nodes, then the chains; r receives the result. */
static void emit_proj(tdsim *t, uint32_t pi, uint32_t token, uint32_t tag, const struct res *in,
                      struct res *r)
{
    const mapper_proj *mp = &t->mp->proj[pi];
    uint64_t *src = xmalloc((in->n ? in->n : 1) * sizeof *src);
    size_t nsrc = in->n;
    memcpy(src, in->ids, in->n * sizeof *src);
    int digital = in->digital;
    for (uint32_t k = 0; k < mp->nstages; k++) {
        const mapper_stage *st = &mp->stage[k];
        const struct chains *ch = &t->ch[pi * 2 + k];
        uint64_t *out = xmalloc((st->nact ? st->nact : 1) * sizeof *out);
        for (uint32_t a = 0; a < st->nact; a++) {
            if (t->per_array && a > 0 && st->act[a].array == st->act[a - 1].array) {
                out[a] = out[a - 1]; /* one MVM for all of the array's activations */
                continue;
            }
            uint64_t c_in = digital ? comm(t, tag, src, nsrc) : NONE;
            const uint64_t *d = digital ? &c_in : src;
            size_t nd = digital ? 1 : nsrc;
            uint64_t mvm;
            if (t->tile_mvm) { /* aimcsim's tile model, 3D-SiM's arbitration */
                cmd c;
                memset(&c, 0, sizeof c);
                c.op = CMD_ACT;
                c.unit = UNIT(UNIT_TILE, st->act[a].array);
                c.tag = tag;
                c.arb = 1;
                c.prio = token + 1;
                c.u.act.rows = st->act[a].rows;
                c.u.act.cols = st->act[a].cols;
                c.u.act.slices = (uint8_t)t->slices;
                c.u.act.bits = st->act[a].bits;
                mvm = emit_cmd(t, &c, d, nd);
            } else {
                mvm = emit(t, CMD_FIXED, UNIT(UNIT_TILE, st->act[a].array), t->mvm_ps, t->mvm_fj,
                           (int)token + 1, tag, d, nd);
            }
            out[a] = comm(t, tag, &mvm, 1);
        }
        free(src);
        src = xmalloc((ch->n ? ch->n : 1) * sizeof *src);
        nsrc = 0;
        digital = 0;
        for (uint32_t c = 0; c < ch->n; c++) {
            uint64_t acc = out[ch->act[ch->start[c]]];
            for (uint32_t i = ch->start[c] + 1; i < ch->start[c + 1]; i++) {
                uint64_t o = out[ch->act[i]];
                int seen = 0; /* per array: an array's partial sums are one */
                for (uint32_t j = ch->start[c]; j < i && !seen; j++)
                    seen = out[ch->act[j]] == o;
                if (seen)
                    continue;
                uint64_t d[2] = {acc, o};
                acc = pool(t, t->add_ps, t->add_fj, token, tag, d, 2);
                digital = 1;
            }
            int seen = 0; /* chains that reduce to one already listed */
            for (size_t j = 0; j < nsrc && !seen; j++)
                seen = src[j] == acc;
            if (!seen)
                src[nsrc++] = acc;
        }
        free(out);
    }
    for (size_t i = 0; i < nsrc; i++)
        res_add(r, src[i]);
    r->digital = (uint8_t)digital;
    free(src);
}

/* The ids of a node's inputs for one token into t->tmp. */
static void inputs(tdsim *t, const model_node *nd, uint32_t token)
{
    t->ntmp = 0;
    for (int i = 0; i < 2; i++)
        if (nd->in[i] >= 0) {
            const struct res *r = res_of(t, nd->in[i], token);
            for (uint32_t j = 0; j < r->n; j++)
                tmp_add(t, r->ids[j]);
        }
}

static void emit_node(tdsim *t, uint32_t n, uint32_t token)
{
    const model_node *nd = &t->m->node[n];
    struct res *r = res_of(t, (int32_t)n, token);
    r->digital = 1;
    uint64_t id;
    switch (nd->op) {
    case MODEL_OP_PROJ:
        emit_proj(t, (uint32_t)nd->proj, token, n, res_of(t, nd->in[0], token), r);
        return;
    case MODEL_OP_QK:
    case MODEL_OP_SOFTMAX:
    case MODEL_OP_AV:
        return; /* the layer's attention node (ST_MHA) */
    case MODEL_OP_EMBED:
        inputs(t, nd, token);
        id = pool(t, t->add_ps, t->add_fj, token, n, t->tmp, t->ntmp);
        break;
    case MODEL_OP_LAYERNORM:
        inputs(t, nd, token);
        id = pool(t, t->ln_ps, t->ln_fj, token, n, t->tmp, t->ntmp);
        break;
    case MODEL_OP_GELU:
        inputs(t, nd, token);
        id = pool(t, t->gelu_ps, t->gelu_fj, token, n, t->tmp, t->ntmp);
        break;
    default: /* MODEL_OP_ADD */
        inputs(t, nd, token);
        id = pool(t, t->add_ps, t->add_fj, token, n, t->tmp, t->ntmp);
        break;
    }
    res_add(r, id);
}

/* The attention node of a layer: after every token's inputs to its
 * attention nodes; its id becomes their result for every token. */
static void emit_mha(tdsim *t, uint32_t layer)
{
    t->ntmp = 0;
    uint32_t tag = 0;
    for (uint32_t n = 0; n < t->m->nnodes; n++) {
        const model_node *nd = &t->m->node[n];
        if (nd->layer != (int32_t)layer || nd->op != MODEL_OP_QK)
            continue;
        tag = n;
        for (uint32_t tk = 0; tk < t->P; tk++)
            for (int i = 0; i < 2; i++)
                if (nd->in[i] >= 0) {
                    const struct res *r = res_of(t, nd->in[i], tk);
                    for (uint32_t j = 0; j < r->n; j++)
                        tmp_add(t, r->ids[j]);
                }
    }
    uint64_t id = emit(t, CMD_FIXED, UNIT(UNIT_CLUSTER, 1), t->mha_ps, t->mha_fj, 0, tag, t->tmp,
                       t->ntmp);
    for (uint32_t n = 0; n < t->m->nnodes; n++) {
        const model_node *nd = &t->m->node[n];
        if (nd->layer != (int32_t)layer ||
            (nd->op != MODEL_OP_QK && nd->op != MODEL_OP_SOFTMAX && nd->op != MODEL_OP_AV))
            continue;
        for (uint32_t tk = 0; tk < t->P; tk++) {
            struct res *r = res_of(t, (int32_t)n, tk);
            r->n = 0;
            res_add(r, id);
            r->digital = 1;
        }
    }
}

static void step(tdsim *t)
{
    t->nbuf = t->rd = 0;
    t->ndeps = 0;
    const struct step *s = &t->steps[t->cur++];
    if (s->kind == ST_MHA) {
        emit_mha(t, s->first);
        return;
    }
    for (uint32_t n = s->first; n < s->last; n++)
        emit_node(t, n, s->token);
    if (s->kind == ST_FINAL) {
        /* sampling the token on the pool, then the token's milestone */
        inputs(t, &(model_node){.in = {(int32_t)s->last - 1, -1}}, s->token);
        uint64_t smp = pool(t, t->smp_ps, t->smp_fj, s->token, t->sample_tag, t->tmp, t->ntmp);
        cmd mark;
        memset(&mark, 0, sizeof mark);
        mark.op = CMD_MARK;
        mark.unit = UNIT(UNIT_NONE, 0);
        mark.tag = t->sample_tag;
        mark.u.mark.kind = MARK_TOKEN;
        emit_cmd(t, &mark, &smp, 1);
    }
}

static int next(void *ctx, cmd *c, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    tdsim *t = ctx;
    while (t->rd == t->nbuf) {
        if (t->cur == t->nsteps)
            return 0;
        step(t);
    }
    struct pending *p = &t->buf[t->rd++];
    *c = p->c;
    c->deps = t->deps + p->dep_off;
    return 1;
}

cmd_source tdsim_source(tdsim *t) { return (cmd_source){t, next}; }

const cmd_tag *tdsim_tags(const tdsim *t, uint32_t *ntags)
{
    *ntags = t->ntags;
    return t->tags;
}

uint64_t tdsim_tokens_out(const tdsim *t) { return t->m->lm_head != MODEL_LM_NONE ? 1 : 0; }

/* ---- construction ------------------------------------------------------------ */

static void add_step(tdsim *t, uint32_t *cap, struct step s)
{
    if (t->nsteps == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        t->steps = xrealloc(t->steps, *cap * sizeof *t->steps);
    }
    t->steps[t->nsteps++] = s;
}

tdsim *tdsim_create(const config *c, const model *m, const mapper *mp, const sched_chip *chip,
                    char *err, size_t errlen)
{
    if (c->run.decode_tokens > 0) {
        config_fail(c, PARAM_run_decode_tokens, err, errlen,
                    "[run] scheduler = threedsim runs a prefill only (3D-SiM's workload): "
                    "set decode_tokens = 0");
        return NULL;
    }
    if (c->run.batch > 1) {
        config_fail(c, PARAM_run_batch, err, errlen,
                    "[run] scheduler = threedsim runs one sequence");
        return NULL;
    }
    if (c->run.prompt_tokens == 0) {
        config_fail(c, PARAM_run_prompt_tokens, err, errlen,
                    "[run] scheduler = threedsim needs a prompt");
        return NULL;
    }
    if (chip->units[UNIT_CLUSTER] < 2) {
        config_fail(c, PARAM_cluster_count, err, errlen,
                    "[run] scheduler = threedsim needs 2 clusters (the digital pool and the "
                    "attention unit)");
        return NULL;
    }
    if (mp->narrays > chip->units[UNIT_TILE]) {
        config_fail(c, PARAM_chip_tiles, err, errlen,
                    "mapping needs %u arrays, chip has %u ([run] scheduler = threedsim "
                    "does not reprogram)", mp->narrays, chip->units[UNIT_TILE]);
        return NULL;
    }
    for (uint32_t i = 0; i < m->nproj; i++)
        if (mp->proj[i].exec != MAPPER_ANALOG || mp->proj[i].lora) {
            config_fail(c, PARAM_run_scheduler, err, errlen,
                        "%s runs %s: [run] scheduler = threedsim has analog projections only",
                        m->proj[i].name, mp->proj[i].lora ? "a LoRA adapter" : "digitally");
            return NULL;
        }
    if (c->threedsim.mvm_per == 1 && c->threedsim.mvm == 1) {
        config_fail(c, config_later(c, PARAM_threedsim_mvm_per, PARAM_threedsim_mvm), err, errlen,
                    "one MVM per array has no tile model (mvm = tile costs each activation): "
                    "set mvm = fixed");
        return NULL;
    }
    tdsim *t = xcalloc(1, sizeof *t);
    t->cfg = c;
    t->m = m;
    t->mp = mp;
    t->P = (uint32_t)c->run.prompt_tokens;
    const struct cfg_threedsim *k = &c->threedsim;
    t->tile_mvm = k->mvm == 1;
    t->per_array = k->mvm_per == 1;
    tile_params tp;
    tile_params_init(&tp, c);
    t->slices = tile_input_slices(&tp);
    t->mvm_ps = ps_of(k->t_mvm_ns);
    t->mvm_fj = fj_of_nj(k->e_mvm_nj);
    t->comm_ps = ps_of(k->t_comm_ns);
    t->comm_fj = (uint64_t)llround(k->e_comm_fj_per_col * (double)c->tile.cols);
    t->add_ps = ps_of(k->t_add_ns);
    t->add_fj = fj_of_nj(k->e_add_nj);
    t->ln_ps = ps_of(k->t_layernorm_ns);
    t->ln_fj = fj_of_nj(k->e_layernorm_nj);
    t->gelu_ps = ps_of(k->t_gelu_ns);
    t->gelu_fj = fj_of_nj(k->e_gelu_nj);
    t->mha_ps = ps_of(k->t_mha_ns);
    t->mha_fj = fj_of_nj(k->e_mha_nj);
    t->smp_ps = ps_of(k->t_sample_ns);
    t->smp_fj = fj_of_nj(k->e_sample_nj);

    t->ntags = m->nnodes + 1;
    t->tags = xcalloc(t->ntags, sizeof *t->tags);
    for (uint32_t n = 0; n < m->nnodes; n++)
        t->tags[n] = (cmd_tag){m->node[n].name, m->node[n].layer};
    t->sample_tag = m->nnodes;
    t->tags[t->sample_tag] = (cmd_tag){"sample", -1};

    t->ch = xcalloc((size_t)m->nproj * 2, sizeof *t->ch);
    for (uint32_t i = 0; i < m->nproj; i++)
        for (uint32_t s = 0; s < mp->proj[i].nstages; s++)
            build_chains(mp, &mp->proj[i].stage[s], &t->ch[i * 2 + s]);
    t->res = xcalloc((size_t)m->nnodes * t->P, sizeof *t->res);

    /* The steps: the nodes before the blocks per token; per block, the
     * nodes before attention per token, the attention node, the nodes after
     * it per token; the nodes after the blocks for the last token. */
    uint32_t cap = 0, n = 0;
    while (n < m->nnodes && m->node[n].layer < 0)
        n++;
    for (uint32_t tk = 0; tk < t->P; tk++)
        if (n > 0)
            add_step(t, &cap, (struct step){ST_NODES, 0, n, tk});
    for (uint32_t L = 0; L < m->layers; L++) {
        uint32_t first = n, att = n, after = n;
        while (att < m->nnodes && m->node[att].layer == (int32_t)L &&
               m->node[att].op != MODEL_OP_QK)
            att++;
        after = att;
        while (after < m->nnodes && m->node[after].layer == (int32_t)L &&
               (m->node[after].op == MODEL_OP_QK || m->node[after].op == MODEL_OP_SOFTMAX ||
                m->node[after].op == MODEL_OP_AV))
            after++;
        uint32_t end = after;
        while (end < m->nnodes && m->node[end].layer == (int32_t)L)
            end++;
        for (uint32_t tk = 0; tk < t->P; tk++)
            add_step(t, &cap, (struct step){ST_NODES, first, att, tk});
        add_step(t, &cap, (struct step){ST_MHA, L, L + 1, 0});
        for (uint32_t tk = 0; tk < t->P; tk++)
            add_step(t, &cap, (struct step){ST_NODES, after, end, tk});
        n = end;
    }
    if (m->lm_head != MODEL_LM_NONE)
        add_step(t, &cap, (struct step){ST_FINAL, n, m->nnodes, t->P - 1});
    else if (n < m->nnodes)
        add_step(t, &cap, (struct step){ST_NODES, n, m->nnodes, t->P - 1});
    return t;
}

void tdsim_free(tdsim *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->m->nproj * 2; i++) {
        free(t->ch[i].start);
        free(t->ch[i].act);
    }
    free(t->ch);
    for (size_t i = 0; i < (size_t)t->m->nnodes * t->P; i++)
        free(t->res[i].ids);
    free(t->res);
    free(t->tags);
    free(t->steps);
    free(t->buf);
    free(t->deps);
    free(t->tmp);
    free(t);
}
