/*
 * model.h -- the transformer being run: its dimensions, its weight
 * projections and its computation graph, from [model] (and [tile]
 * weight_bits / input_bits for the precision).
 *
 * Projections.  Per block L (0-based): h{L}.attn.c_attn (fused Q, K, V:
 * d_model -> 3 d_model), h{L}.attn.c_proj (d_model -> d_model),
 * h{L}.mlp.c_fc (d_model -> d_ff), h{L}.mlp.c_proj (d_ff -> d_model); then
 * lm_head (d_model -> vocab) unless [model] lm_head = none or the model has
 * none (bert-large).  In that order: 4 layers + 1 = 49 for GPT-2 small.  A
 * projection computes y = W x for one token: x has `in` elements, y `out`.
 * BERT uses the same names, so every tool works on both.
 *
 * Graph.  model.node lists every operation of one token in execution order;
 * a node reads the outputs of in[0] and in[1] (node indices, -1: none).  The
 * residual stream is the output of the last "embed", "add" or (BERT)
 * post-add LayerNorm node.  GPT-2 (every preset but bert-large, and custom)
 * is pre-LN:
 *   embed; per block: ln_1, attn.c_attn, attn.qk, attn.softmax, attn.av,
 *   attn.c_proj, add_1, ln_2, mlp.c_fc, mlp.gelu, mlp.c_proj, add_2;
 *   ln_f; lm_head.
 * bert-large is post-LN: embed, ln_emb; per block: attn.c_attn, attn.qk,
 * attn.softmax, attn.av, attn.c_proj, add_1, ln_1, mlp.c_fc, mlp.gelu,
 * mlp.c_proj, add_2, ln_2.
 * Node names are "h{L}.<op>" ("h3.attn.softmax"), the projection's name for
 * projections, and "embed", "ln_emb", "ln_f" outside the blocks.
 *
 * Costs (model_node_cost) are per token and depend on the number of keys
 * the token attends to (model_keys): p + 1 for the token at position p of a
 * causal model (its own key included, from the KV cache), the whole
 * sequence for a bidirectional one.  FLOPs are 2 per MAC for products and,
 * per element: LayerNorm 8 (mean 1, variance 3, normalise 2, gain and bias
 * 2), softmax 5 (scale, max-subtract, exp, sum, divide), GELU 8 (tanh
 * form), add 1, embed 1.  Biases are not counted as FLOPs.
 *
 * A model owns its arrays; model_free releases them.  No globals.
 */
#ifndef AIMCSIM_MODEL_H
#define AIMCSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"

/* [model] preset (order of the param choices). */
enum model_preset {
    MODEL_GPT2_SMALL, MODEL_GPT2_MEDIUM, MODEL_GPT2_LARGE, MODEL_GPT2_XL,
    MODEL_BERT_LARGE, MODEL_CUSTOM
};

/* [model] lm_head (order of the param choices). */
enum model_lm_head { MODEL_LM_ANALOG, MODEL_LM_DIGITAL, MODEL_LM_NONE };

enum model_proj_kind {
    MODEL_PROJ_QKV,      /* h{L}.attn.c_attn: d_model -> 3 d_model */
    MODEL_PROJ_ATTN_OUT, /* h{L}.attn.c_proj: d_model -> d_model */
    MODEL_PROJ_FC,       /* h{L}.mlp.c_fc:    d_model -> d_ff */
    MODEL_PROJ_FC_OUT,   /* h{L}.mlp.c_proj:  d_ff -> d_model */
    MODEL_PROJ_LM_HEAD,  /* lm_head:          d_model -> vocab */
    MODEL_PROJ_KINDS
};

enum model_op {
    MODEL_OP_PROJ,      /* a weight projection (node.proj) */
    MODEL_OP_EMBED,     /* token and position embedding lookup, added */
    MODEL_OP_LAYERNORM,
    MODEL_OP_QK,        /* q . k for every attended key, per head */
    MODEL_OP_SOFTMAX,   /* scaled softmax over the attended keys, per head */
    MODEL_OP_AV,        /* softmax-weighted sum of the attended values */
    MODEL_OP_GELU,
    MODEL_OP_ADD,       /* residual add */
    MODEL_OP_KINDS
};

#define MODEL_NAME_LEN 32

typedef struct model_proj {
    char name[MODEL_NAME_LEN];  /* "h3.mlp.c_fc", "lm_head" */
    int32_t layer;              /* block index; -1 for lm_head */
    uint8_t kind;               /* enum model_proj_kind */
    uint32_t in, out;           /* elements of x and of y = W x */
    int32_t node;               /* its node in model.node */
} model_proj;

typedef struct model_node {
    char name[MODEL_NAME_LEN];
    int32_t layer;              /* block index; -1 outside the blocks */
    uint8_t op;                 /* enum model_op */
    int32_t proj;               /* index into model.proj (MODEL_OP_PROJ), else -1 */
    int32_t in[2];              /* nodes whose outputs it reads; -1: none */
} model_node;

/* Work of one node for one token.  (m, n, k) is the shape in the sense of
 * the digital-cluster operations of traces/cmd.h (enum dig_kind):
 * layernorm, softmax: m rows of n; gelu, add, embed: m x n elements;
 * projection: (1 x k) . (k x n); qk: m = heads products (1 x k) . (k x n)
 * with k = d_head, n = keys; av: m = heads products (1 x k) . (k x n) with
 * k = keys, n = d_head. */
typedef struct model_cost {
    uint32_t m, n, k;
    uint64_t macs;       /* multiply-accumulates (products only) */
    uint64_t flops;      /* 2 per MAC, or the per-element counts above */
    uint64_t kv_read;    /* KV-cache elements read (qk: keys, av: values) */
    uint64_t kv_write;   /* KV-cache elements written (this token's k or v) */
} model_cost;

typedef struct model {
    int preset;                 /* enum model_preset */
    uint32_t layers, d_model, heads, d_head, d_ff, vocab, context_tokens;
    int causal;                 /* 1: token p attends to 0..p */
    int tied_lm_head;           /* 1: lm_head is the token embedding's transpose */
    int post_ln;                /* 1: BERT graph, 0: GPT-2 graph */
    int lm_head;                /* enum model_lm_head, effective (NONE if absent) */
    uint32_t weight_bits, act_bits; /* [tile] weight_bits, input_bits */
    uint32_t nproj;
    model_proj *proj;           /* owned */
    uint32_t nnodes;
    model_node *node;           /* owned */
} model;

/* Builds the model of configuration c: the preset's dimensions, or [model]
 * layers .. context_tokens for preset = custom.  Errors (dimension keys
 * given with a preset, missing or inconsistent custom dimensions, an LM head
 * asked of a model without one) are config_fail messages; returns -1 and m
 * holds nothing to free. */
int model_init(model *m, const config *c, char *err, size_t errlen);
void model_free(model *m);

/* Index of the projection with that name, or -1. */
int model_find_proj(const model *m, const char *name);
/* "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj", "lm_head". */
const char *model_kind_name(int kind);
/* Kind by that name, or -1. */
int model_kind_parse(const char *s);
/* Names as in the INI, without config_enum_name's shared buffer:
 * "gpt2-small", ...; "analog", "digital", "none". */
const char *model_preset_name(int preset);
const char *model_lm_head_name(int lm_head);
/* "layernorm", "qk", ... */
const char *model_op_name(int op);
/* The projection names in short form for messages:
 * "h0..h11 .attn.c_attn .attn.c_proj .mlp.c_fc .mlp.c_proj, lm_head". */
void model_names_hint(const model *m, char *buf, size_t n);

/* Keys a token at position pos (0-based) of a sequence of seq_len tokens
 * attends to: pos + 1 if causal, else seq_len. */
uint32_t model_keys(const model *m, uint32_t pos, uint32_t seq_len);
/* Work of node i for one token attending to `keys` keys.  Projections are
 * dense here (in x out MACs); the transform gives their transformed cost. */
void model_node_cost(const model *m, uint32_t i, uint32_t keys, model_cost *out);

/* Parameters of the model as stored: projection weights and biases,
 * LayerNorm gains and biases, token and position embeddings (and BERT's two
 * token-type rows); the LM head's weights once if tied.  124,439,808 for
 * GPT-2 small. */
uint64_t model_param_count(const model *m);
/* Multiply-accumulates of every projection of the graph for one token
 * (dense): 123,532,032 for GPT-2 small. */
uint64_t model_proj_macs(const model *m);

#endif
