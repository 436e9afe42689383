/*
 * test_workloads_model.c -- the model graph: presets, the 49 projections of
 * GPT-2 small with their names and shapes, MACs and parameters per token
 * against closed forms, node costs against the position, custom models and
 * their errors (exact messages).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "workloads/model.h"

static char err[ERR_LEN];

/* Loads INI text as "t.ini" on the defaults and checks it (tests/testutil.h). */
static int load(config *c, const char *text) { return tu_config(c, text, err, sizeof err); }

static void model_of(model *m, const char *text)
{
    config c;
    cr_assert_eq(load(&c, text), 0, "%s", err);
    cr_assert_eq(model_init(m, &c, err, sizeof err), 0, "%s", err);
    config_free(&c);
}

static void expect_error(const char *text, const char *msg)
{
    config c;
    cr_expect_neq(load(&c, text), 0, "accepted: %s", text);
    cr_expect_str_eq(err, msg);
    config_free(&c);
}

Test(workloads_model, gpt2_small_has_49_projections)
{
    model m;
    model_of(&m, "[model]\npreset = gpt2-small\n");
    cr_assert_eq(m.nproj, 49);
    static const char *suffix[4] = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};
    const uint32_t in[4] = {768, 768, 768, 3072}, out[4] = {2304, 768, 3072, 768};
    for (uint32_t L = 0; L < 12; L++)
        for (uint32_t k = 0; k < 4; k++) {
            const model_proj *p = &m.proj[4 * L + k];
            char name[64];
            snprintf(name, sizeof name, "h%u.%s", L, suffix[k]);
            cr_expect_str_eq(p->name, name);
            cr_expect_eq(p->layer, (int32_t)L);
            cr_expect_eq(p->kind, k);
            cr_expect_eq(p->in, in[k], "%s", name);
            cr_expect_eq(p->out, out[k], "%s", name);
            cr_expect_eq(model_find_proj(&m, name), (int)(4 * L + k));
            cr_expect_eq(m.node[p->node].proj, (int32_t)(4 * L + k));
        }
    cr_expect_str_eq(m.proj[48].name, "lm_head");
    cr_expect_eq(m.proj[48].in, 768);
    cr_expect_eq(m.proj[48].out, 50257);
    cr_expect_eq(m.proj[48].layer, -1);
    cr_expect_eq(model_find_proj(&m, "h12.attn.c_attn"), -1);
    model_free(&m);
}

/* 12 x (768 x 2304 + 768^2 + 2 x 768 x 3072) + 768 x 50257 (papers.md: 123.5 M). */
Test(workloads_model, macs_per_token_closed_form)
{
    model m;
    model_of(&m, "");
    uint64_t d = 768, f = 3072, v = 50257;
    cr_expect_eq(model_proj_macs(&m), 12 * (d * 3 * d + d * d + 2 * d * f) + d * v);
    cr_expect_eq(model_proj_macs(&m), 123532032ULL);
    model_free(&m);
    model_of(&m, "[model]\nlm_head = none\n");
    cr_expect_eq(m.nproj, 48);
    cr_expect_eq(model_proj_macs(&m), 12 * (d * 3 * d + d * d + 2 * d * f));
    model_free(&m);
}

/* The published sizes: GPT-2 small 124,439,808; medium 354,823,168. */
Test(workloads_model, parameter_counts)
{
    model m;
    model_of(&m, "[model]\npreset = gpt2-small\n");
    cr_expect_eq(model_param_count(&m), 124439808ULL);
    model_free(&m);
    model_of(&m, "[model]\npreset = gpt2-medium\n");
    cr_expect_eq(model_param_count(&m), 354823168ULL);
    cr_expect_eq(m.nproj, 97);
    model_free(&m);
}

Test(workloads_model, presets)
{
    static const struct { const char *name; uint32_t L, d, h, f, v, ctx; } want[] = {
        {"gpt2-small", 12, 768, 12, 3072, 50257, 1024},
        {"gpt2-medium", 24, 1024, 16, 4096, 50257, 1024},
        {"gpt2-large", 36, 1280, 20, 5120, 50257, 1024},
        {"gpt2-xl", 48, 1600, 25, 6400, 50257, 1024},
        {"bert-large", 24, 1024, 16, 4096, 30522, 512},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char ini[128];
        snprintf(ini, sizeof ini, "[model]\npreset = %s\n", want[i].name);
        model m;
        model_of(&m, ini);
        cr_expect_str_eq(model_preset_name(m.preset), want[i].name);
        cr_expect_eq(m.layers, want[i].L, "%s", want[i].name);
        cr_expect_eq(m.d_model, want[i].d, "%s", want[i].name);
        cr_expect_eq(m.heads, want[i].h, "%s", want[i].name);
        cr_expect_eq(m.d_head, want[i].d / want[i].h, "%s", want[i].name);
        cr_expect_eq(m.d_ff, want[i].f, "%s", want[i].name);
        cr_expect_eq(m.vocab, want[i].v, "%s", want[i].name);
        cr_expect_eq(m.context_tokens, want[i].ctx, "%s", want[i].name);
        int bert = !strcmp(want[i].name, "bert-large");
        cr_expect_eq(m.causal, !bert);
        cr_expect_eq(m.post_ln, bert);
        cr_expect_eq(m.nproj, 4 * want[i].L + !bert, "%s", want[i].name);
        model_free(&m);
    }
}

/* The names a param table knows match the C name tables. */
Test(workloads_model, enum_names_match_params)
{
    for (int i = 0; i <= MODEL_CUSTOM; i++)
        cr_expect_str_eq(model_preset_name(i), config_enum_name(PARAM_model_preset, i));
    for (int i = 0; i <= MODEL_LM_NONE; i++)
        cr_expect_str_eq(model_lm_head_name(i), config_enum_name(PARAM_model_lm_head, i));
}

Test(workloads_model, gpt2_graph_order_and_inputs)
{
    model m;
    model_of(&m, "[model]\npreset = gpt2-small\n");
    /* embed + 12 x 12 + ln_f + lm_head */
    cr_assert_eq(m.nnodes, 1 + 12 * 12 + 2);
    static const char *layer0[] = {"h0.ln_1", "h0.attn.c_attn", "h0.attn.qk", "h0.attn.softmax",
                                   "h0.attn.av", "h0.attn.c_proj", "h0.add_1", "h0.ln_2",
                                   "h0.mlp.c_fc", "h0.mlp.gelu", "h0.mlp.c_proj", "h0.add_2"};
    cr_expect_str_eq(m.node[0].name, "embed");
    for (int i = 0; i < 12; i++)
        cr_expect_str_eq(m.node[1 + i].name, layer0[i]);
    cr_expect_str_eq(m.node[m.nnodes - 2].name, "ln_f");
    cr_expect_str_eq(m.node[m.nnodes - 1].name, "lm_head");
    /* av reads softmax and c_attn (V); add_1 reads c_proj and the residual. */
    cr_expect_eq(m.node[5].in[0], 4);
    cr_expect_eq(m.node[5].in[1], 2);
    cr_expect_eq(m.node[7].in[0], 6);
    cr_expect_eq(m.node[7].in[1], 0);
    cr_expect_str_eq(m.node[12].name, "h0.add_2");
    cr_expect_eq(m.node[12].in[0], 11);  /* h0.mlp.c_proj */
    cr_expect_eq(m.node[12].in[1], 7);   /* h0.add_1 */
    for (uint32_t i = 0; i < m.nnodes; i++)
        for (int k = 0; k < 2; k++)
            cr_expect_lt(m.node[i].in[k], (int32_t)i, "%s reads a later node", m.node[i].name);
    model_free(&m);
}

Test(workloads_model, bert_is_post_ln_without_lm_head)
{
    model m;
    model_of(&m, "[model]\npreset = bert-large\n");
    cr_expect_eq(m.lm_head, MODEL_LM_NONE);
    cr_expect_str_eq(m.node[1].name, "ln_emb");
    cr_expect_str_eq(m.node[2].name, "h0.attn.c_attn");
    cr_expect_str_eq(m.node[7].name, "h0.add_1");
    cr_expect_str_eq(m.node[8].name, "h0.ln_1");
    cr_expect_str_eq(m.node[m.nnodes - 1].name, "h23.ln_2");
    cr_expect_eq(model_find_proj(&m, "h23.mlp.c_proj"), 95);
    /* bidirectional: every token attends to the whole sequence */
    cr_expect_eq(model_keys(&m, 3, 512), 512);
    model_free(&m);
}

/* Attention cost grows with the keys cached: token p of a causal model
 * attends to p + 1 keys; d x keys MACs for q.k and for a.v. */
Test(workloads_model, node_costs_depend_on_position)
{
    model m;
    model_of(&m, "[model]\npreset = gpt2-small\n");
    model_cost k;
    cr_expect_eq(model_keys(&m, 0, 16), 1);
    cr_expect_eq(model_keys(&m, 99, 16), 100);
    int qk = -1, sm = -1, av = -1, ln = -1, ge = -1, fc = -1;
    for (uint32_t i = 0; i < m.nnodes; i++) {
        if (!strcmp(m.node[i].name, "h3.attn.qk")) qk = (int)i;
        if (!strcmp(m.node[i].name, "h3.attn.softmax")) sm = (int)i;
        if (!strcmp(m.node[i].name, "h3.attn.av")) av = (int)i;
        if (!strcmp(m.node[i].name, "h3.ln_2")) ln = (int)i;
        if (!strcmp(m.node[i].name, "h3.mlp.gelu")) ge = (int)i;
        if (!strcmp(m.node[i].name, "h3.mlp.c_fc")) fc = (int)i;
    }
    cr_assert(qk >= 0 && sm >= 0 && av >= 0 && ln >= 0 && ge >= 0 && fc >= 0);
    uint32_t keys = model_keys(&m, 99, 0);
    model_node_cost(&m, (uint32_t)qk, keys, &k);
    cr_expect_eq(k.macs, 768ULL * 100);
    cr_expect_eq(k.flops, 2 * 768ULL * 100);
    cr_expect_eq(k.m, 12);
    cr_expect_eq(k.k, 64);
    cr_expect_eq(k.n, 100);
    cr_expect_eq(k.kv_read, 768ULL * 100);
    cr_expect_eq(k.kv_write, 768);
    model_node_cost(&m, (uint32_t)av, keys, &k);
    cr_expect_eq(k.macs, 768ULL * 100);
    cr_expect_eq(k.k, 100);
    cr_expect_eq(k.n, 64);
    model_node_cost(&m, (uint32_t)sm, keys, &k);
    cr_expect_eq(k.flops, 5ULL * 12 * 100);
    cr_expect_eq(k.macs, 0);
    model_node_cost(&m, (uint32_t)ln, keys, &k);
    cr_expect_eq(k.flops, 8ULL * 768);
    model_node_cost(&m, (uint32_t)ge, keys, &k);
    cr_expect_eq(k.flops, 8ULL * 3072);
    model_node_cost(&m, (uint32_t)fc, keys, &k);
    cr_expect_eq(k.macs, 768ULL * 3072);
    cr_expect_eq(k.k, 768);
    cr_expect_eq(k.n, 3072);
    model_free(&m);
}

Test(workloads_model, custom_dimensions)
{
    model m;
    model_of(&m, "[model]\npreset = custom\nlayers = 2\nd_model = 64\nheads = 4\nd_ff = 256\n"
                 "vocab = 100\ncontext_tokens = 32\ncausal = false\nlm_head = digital\n");
    cr_expect_eq(m.nproj, 9);
    cr_expect_eq(m.d_head, 16);
    cr_expect_eq(m.causal, 0);
    cr_expect_eq(m.lm_head, MODEL_LM_DIGITAL);
    cr_expect_str_eq(m.proj[8].name, "lm_head");
    cr_expect_eq(m.proj[8].out, 100);
    cr_expect_eq(m.proj[7].in, 256);
    model_free(&m);
}

Test(workloads_model, errors)
{
    expect_error("[model]\npreset = gpt2-small\nd_model = 512\n",
                 "t.ini:3: [model] d_model = 512: only with [model] preset = custom "
                 "(gpt2-small fixes it)");
    expect_error("[model]\npreset = custom\nlayers = 2\nd_model = 64\nheads = 4\nd_ff = 256\n"
                 "vocab = 100\n",
                 "t.ini:2: [model] preset = custom: needs [model] context_tokens > 0");
    expect_error("[model]\npreset = custom\nlayers = 2\nd_model = 66\nheads = 4\nd_ff = 256\n"
                 "vocab = 100\ncontext_tokens = 8\n",
                 "t.ini:5: [model] heads = 4: d_model = 66 is not a multiple of heads = 4");
    /* At its default (analog) lm_head is what a dump of a bert-large
     * configuration writes: accepted; any other value is an error. */
    config ok;
    cr_expect_eq(load(&ok, "[model]\npreset = bert-large\nlm_head = analog\nlayers = 0\n"), 0,
                 "%s", err);
    config_free(&ok);
    expect_error("[model]\npreset = bert-large\nlm_head = digital\n",
                 "t.ini:3: [model] lm_head = digital: bert-large has no LM head (encoder); "
                 "use none");
}
