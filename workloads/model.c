/*
 * model.c -- model presets, the projection list and the graph of one token,
 * per-token costs.
 *
 * Invariant: proj[i].node is the node of projection i and node[j].proj the
 * projection of node j (both ways); node inputs refer to earlier nodes only.
 */
#include "workloads/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

struct preset {
    uint32_t layers, d_model, heads, d_ff, vocab, context_tokens;
    int causal, tied, has_lm_head, post_ln;
};

/* Indexed by enum model_preset (not custom).  GPT-2: Radford et al. 2019
 * (Hugging Face configs); BERT-large: Devlin et al. 2019. */
static const struct preset presets[] = {
    {12, 768, 12, 3072, 50257, 1024, 1, 1, 1, 0},
    {24, 1024, 16, 4096, 50257, 1024, 1, 1, 1, 0},
    {36, 1280, 20, 5120, 50257, 1024, 1, 1, 1, 0},
    {48, 1600, 25, 6400, 50257, 1024, 1, 1, 1, 0},
    {24, 1024, 16, 4096, 30522, 512, 0, 1, 0, 1},
};

static const char *const kind_names[MODEL_PROJ_KINDS] = {
    "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj", "lm_head"};

static const char *const op_names[MODEL_OP_KINDS] = {
    "proj", "embed", "layernorm", "qk", "softmax", "av", "gelu", "add"};

static const char *const preset_names[] = {
    "gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl", "bert-large", "custom"};
static const char *const lm_head_names[] = {"analog", "digital", "none"};

const char *model_preset_name(int preset)
{
    return preset >= 0 && preset <= MODEL_CUSTOM ? preset_names[preset] : "?";
}

const char *model_lm_head_name(int lm_head)
{
    return lm_head >= 0 && lm_head <= MODEL_LM_NONE ? lm_head_names[lm_head] : "?";
}

const char *model_kind_name(int kind)
{
    return kind >= 0 && kind < MODEL_PROJ_KINDS ? kind_names[kind] : "?";
}

int model_kind_parse(const char *s)
{
    for (int k = 0; k < MODEL_PROJ_KINDS; k++)
        if (!strcmp(s, kind_names[k]))
            return k;
    return -1;
}

const char *model_op_name(int op)
{
    return op >= 0 && op < MODEL_OP_KINDS ? op_names[op] : "?";
}

/* Given with a value other than its default: what a preset forbids (a
 * dump of the effective configuration writes every key at its value). */
static int is_set(const config *c, int i) { return config_given(c, i) && !config_is_default(c, i); }

/* The dimension keys of [model], which only preset = custom takes. */
static const int dim_params[] = {
    PARAM_model_layers, PARAM_model_d_model, PARAM_model_heads, PARAM_model_d_ff,
    PARAM_model_vocab, PARAM_model_context_tokens, PARAM_model_causal,
    PARAM_model_tied_lm_head,
};
#define NDIM (sizeof dim_params / sizeof dim_params[0])

static int load_dims(model *m, const config *c, char *err, size_t errlen)
{
    m->preset = c->model.preset;
    if (m->preset != MODEL_CUSTOM) {
        for (size_t i = 0; i < NDIM; i++)
            if (is_set(c, dim_params[i]))
                return config_fail(c, dim_params[i], err, errlen,
                                   "only with [model] preset = custom (%s fixes it)",
                                   model_preset_name(m->preset));
        const struct preset *p = &presets[m->preset];
        m->layers = p->layers;
        m->d_model = p->d_model;
        m->heads = p->heads;
        m->d_ff = p->d_ff;
        m->vocab = p->vocab;
        m->context_tokens = p->context_tokens;
        m->causal = p->causal;
        m->tied_lm_head = p->tied;
        m->post_ln = p->post_ln;
        m->lm_head = p->has_lm_head ? c->model.lm_head : MODEL_LM_NONE;
        if (!p->has_lm_head && c->model.lm_head != MODEL_LM_NONE && is_set(c, PARAM_model_lm_head))
            return config_fail(c, PARAM_model_lm_head, err, errlen,
                               "%s has no LM head (encoder); use none",
                               model_preset_name(m->preset));
    } else {
        static const int need[] = {PARAM_model_layers, PARAM_model_d_model, PARAM_model_heads,
                                   PARAM_model_d_ff, PARAM_model_vocab,
                                   PARAM_model_context_tokens};
        const int64_t val[] = {c->model.layers, c->model.d_model, c->model.heads,
                               c->model.d_ff, c->model.vocab, c->model.context_tokens};
        for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
            if (val[i] == 0)
                return config_fail(c, PARAM_model_preset, err, errlen,
                                   "needs [model] %s > 0", config_params()[need[i]].key);
        m->layers = (uint32_t)c->model.layers;
        m->d_model = (uint32_t)c->model.d_model;
        m->heads = (uint32_t)c->model.heads;
        m->d_ff = (uint32_t)c->model.d_ff;
        m->vocab = (uint32_t)c->model.vocab;
        m->context_tokens = (uint32_t)c->model.context_tokens;
        m->causal = c->model.causal;
        m->tied_lm_head = c->model.tied_lm_head;
        m->post_ln = 0;
        m->lm_head = c->model.lm_head;
        if (m->d_model % m->heads)
            return config_fail(c, config_later(c, PARAM_model_d_model, PARAM_model_heads), err,
                               errlen, "d_model = %u is not a multiple of heads = %u",
                               m->d_model, m->heads);
    }
    m->d_head = m->d_model / m->heads;
    m->weight_bits = (uint32_t)c->tile.weight_bits;
    m->act_bits = (uint32_t)c->tile.input_bits;
    return 0;
}

/* Graph builder state. */
struct gb {
    model *m;
    uint32_t cap;
};

static int32_t add_node(struct gb *g, int32_t layer, int op, const char *suffix, int32_t in0,
                        int32_t in1)
{
    model *m = g->m;
    if (m->nnodes == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        m->node = xrealloc(m->node, g->cap * sizeof *m->node);
    }
    model_node *n = &m->node[m->nnodes];
    memset(n, 0, sizeof *n);
    if (layer >= 0)
        snprintf(n->name, sizeof n->name, "h%d.%s", (int)layer, suffix);
    else
        snprintf(n->name, sizeof n->name, "%s", suffix);
    n->layer = layer;
    n->op = (uint8_t)op;
    n->proj = -1;
    n->in[0] = in0;
    n->in[1] = in1;
    return (int32_t)m->nnodes++;
}

static int32_t add_proj(struct gb *g, int32_t layer, int kind, uint32_t in, uint32_t out,
                        int32_t in0)
{
    model *m = g->m;
    int32_t id = add_node(g, layer, MODEL_OP_PROJ, kind_names[kind], in0, -1);
    model_proj *p = &m->proj[m->nproj];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", m->node[id].name);
    p->layer = layer;
    p->kind = (uint8_t)kind;
    p->in = in;
    p->out = out;
    p->node = id;
    m->node[id].proj = (int32_t)m->nproj++;
    return id;
}

static void build_graph(model *m)
{
    struct gb g = {m, 0};
    uint32_t d = m->d_model, f = m->d_ff;
    m->proj = xcalloc((size_t)4 * m->layers + 1, sizeof *m->proj);
    int32_t r = add_node(&g, -1, MODEL_OP_EMBED, "embed", -1, -1);
    if (m->post_ln)
        r = add_node(&g, -1, MODEL_OP_LAYERNORM, "ln_emb", r, -1);
    for (int32_t L = 0; L < (int32_t)m->layers; L++) {
        int32_t x = r;
        if (!m->post_ln)
            x = add_node(&g, L, MODEL_OP_LAYERNORM, "ln_1", r, -1);
        int32_t qkv = add_proj(&g, L, MODEL_PROJ_QKV, d, 3 * d, x);
        int32_t qk = add_node(&g, L, MODEL_OP_QK, "attn.qk", qkv, -1);
        int32_t sm = add_node(&g, L, MODEL_OP_SOFTMAX, "attn.softmax", qk, -1);
        int32_t av = add_node(&g, L, MODEL_OP_AV, "attn.av", sm, qkv);
        int32_t o = add_proj(&g, L, MODEL_PROJ_ATTN_OUT, d, d, av);
        r = add_node(&g, L, MODEL_OP_ADD, "add_1", o, r);
        if (m->post_ln)
            r = add_node(&g, L, MODEL_OP_LAYERNORM, "ln_1", r, -1);
        x = r;
        if (!m->post_ln)
            x = add_node(&g, L, MODEL_OP_LAYERNORM, "ln_2", r, -1);
        int32_t fc = add_proj(&g, L, MODEL_PROJ_FC, d, f, x);
        int32_t ge = add_node(&g, L, MODEL_OP_GELU, "mlp.gelu", fc, -1);
        int32_t fo = add_proj(&g, L, MODEL_PROJ_FC_OUT, f, d, ge);
        r = add_node(&g, L, MODEL_OP_ADD, "add_2", fo, r);
        if (m->post_ln)
            r = add_node(&g, L, MODEL_OP_LAYERNORM, "ln_2", r, -1);
    }
    if (!m->post_ln)
        r = add_node(&g, -1, MODEL_OP_LAYERNORM, "ln_f", r, -1);
    if (m->lm_head != MODEL_LM_NONE)
        add_proj(&g, -1, MODEL_PROJ_LM_HEAD, d, m->vocab, r);
}

int model_init(model *m, const config *c, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (load_dims(m, c, err, errlen) < 0)
        return -1;
    build_graph(m);
    return 0;
}

void model_free(model *m)
{
    free(m->proj);
    free(m->node);
    memset(m, 0, sizeof *m);
}

int model_find_proj(const model *m, const char *name)
{
    for (uint32_t i = 0; i < m->nproj; i++)
        if (!strcmp(m->proj[i].name, name))
            return (int)i;
    return -1;
}

void model_names_hint(const model *m, char *buf, size_t n)
{
    snprintf(buf, n, "h0..h%u .attn.c_attn .attn.c_proj .mlp.c_fc .mlp.c_proj%s",
             m->layers ? m->layers - 1 : 0, m->lm_head != MODEL_LM_NONE ? ", lm_head" : "");
}

uint32_t model_keys(const model *m, uint32_t pos, uint32_t seq_len)
{
    return m->causal ? pos + 1 : seq_len;
}

void model_node_cost(const model *m, uint32_t i, uint32_t keys, model_cost *o)
{
    const model_node *n = &m->node[i];
    uint64_t d = m->d_model, kk = keys;
    memset(o, 0, sizeof *o);
    o->m = 1;
    switch (n->op) {
    case MODEL_OP_PROJ: {
        const model_proj *p = &m->proj[n->proj];
        o->k = p->in;
        o->n = p->out;
        o->macs = (uint64_t)p->in * p->out;
        o->flops = 2 * o->macs;
        break;
    }
    case MODEL_OP_EMBED: o->n = m->d_model; o->flops = d; break;
    case MODEL_OP_LAYERNORM: o->n = m->d_model; o->flops = 8 * d; break;
    case MODEL_OP_QK:
        o->m = m->heads;
        o->k = m->d_head;
        o->n = keys;
        o->macs = d * kk;
        o->flops = 2 * o->macs;
        o->kv_read = d * kk;
        o->kv_write = d;
        break;
    case MODEL_OP_SOFTMAX:
        o->m = m->heads;
        o->n = keys;
        o->flops = 5 * (uint64_t)m->heads * kk;
        break;
    case MODEL_OP_AV:
        o->m = m->heads;
        o->k = keys;
        o->n = m->d_head;
        o->macs = d * kk;
        o->flops = 2 * o->macs;
        o->kv_read = d * kk;
        o->kv_write = d;
        break;
    case MODEL_OP_GELU: o->n = m->d_ff; o->flops = 8 * (uint64_t)m->d_ff; break;
    case MODEL_OP_ADD: o->n = m->d_model; o->flops = d; break;
    }
}

uint64_t model_param_count(const model *m)
{
    uint64_t d = m->d_model, total = 0;
    for (uint32_t i = 0; i < m->nproj; i++) {
        const model_proj *p = &m->proj[i];
        if (p->kind == MODEL_PROJ_LM_HEAD) {
            if (!m->tied_lm_head)
                total += (uint64_t)p->in * p->out;   /* GPT-2's LM head has no bias */
        } else {
            total += (uint64_t)p->in * p->out + p->out;
        }
    }
    uint64_t lns = 2 * (uint64_t)m->layers + 1;  /* ln_1, ln_2 per block; ln_f or ln_emb */
    total += lns * 2 * d;
    total += (uint64_t)m->vocab * d + (uint64_t)m->context_tokens * d;
    if (m->post_ln)
        total += 2 * d;  /* BERT token-type embeddings */
    return total;
}

uint64_t model_proj_macs(const model *m)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < m->nproj; i++)
        s += (uint64_t)m->proj[i].in * m->proj[i].out;
    return s;
}
