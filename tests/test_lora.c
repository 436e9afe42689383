/*
 * test_lora.c -- LoRA adapters in the scheduler (workloads/lora.h,
 * workloads/sched_lora.c): each placement and pipeline on a one-block
 * model, latencies worked by hand from the cluster cost model
 * (arch/cluster_cost.c), the commands' structure where a hand computation
 * would have to retrace the NoC, and the L1 check (refuse, stream).
 *
 * The model: one GPT-2-shaped block, d_model 128, d_ff 512, on 512 x 512
 * arrays, 4 clusters; the adapter (rank 8) is on h0.mlp.c_proj, 512 x 128,
 * one array.  Timings are of that layer alone, as tools/exp_lora.sh takes
 * them: its commands and its adapter's (tools/stream_keep.sh), every
 * input there at time 0, executed by `aimcsim exec`.
 *
 * Cluster costs at the defaults (1 GHz, 8 cores x 4 lanes, eff_gemm_cores
 * 0.8: 25.6 FMA/cycle; the matrix engine, 48 x 0.99 x min(1, m / 12), is
 * slower for m < 12 rows; 50 cycles' overhead per op; add at 32 lanes x
 * 0.8 = 25.6 elements/cycle):
 *   one token:  A = gemm 1 x 8 x 512:    4096 / 25.6 = 160 + 50 = 210
 *               B = gemm 1 x 128 x 8:    1024 / 25.6 =  40 + 50 =  90
 *               add 1 x 128:              128 / 25.6 =   5 + 50 =  55
 *   two tokens: A = gemm 2 x 8 x 512:    8192 / 25.6 = 320 + 50 = 370
 *               (the engine: 48 x 0.99 x 2 / 12 = 7.92 FMA/cycle, slower)
 *               B = gemm 2 x 128 x 8:    2048 / 25.6 =  80 + 50 = 130
 *               add 2 x 128:              256 / 25.6 =  10 + 50 =  60
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/stats.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/sched.h"
#include "workloads/transform.h"

static char *dir;

static void setup(void) { dir = tu_mkdtemp("lora"); }

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(lora, .init = setup, .fini = teardown, .timeout = 120);

static const char *layer_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 128\nheads = 2\nd_ff = 512\n"
    "vocab = 64\ncontext_tokens = 16\nlm_head = none\n"
    "[tile]\nrows = 512\ncols = 512\n[cluster]\ncount = 4\n"
    "[lora]\ntargets = mlp.c_proj\n"
    "[run]\nprompt_tokens = 1\ndecode_tokens = 0\nkernel = native\n";

/* The time (ps) of h0.mlp.c_proj and its adapter alone under SETS. */
static double layer_ps(const char *sets)
{
    static int n;
    char *ini = tu_write(dir, "layer.ini", layer_ini);
    char *err = NULL;
    int k = n++;
    int rc = tu_shf(NULL, &err,
                    "%s schedule %s %s -o %s/s%d.cmd && sh tools/stream_keep.sh h0.mlp.c_proj "
                    "< %s/s%d.cmd > %s/l%d.cmd && %s exec %s %s/l%d.cmd %s --out %s/o%d --quiet",
                    tu_prog(), ini, sets, dir, k, dir, k, dir, k, tu_prog(), ini, dir, k, sets,
                    dir, k);
    cr_assert_eq(rc, 0, "%s: %s", sets, err);
    free(err);
    free(ini);
    char o[600];
    snprintf(o, sizeof o, "%s/o%d", dir, k);
    double v = tu_stat(o, "run.total_ps");
    cr_assert(v == v, "no run.total_ps for %s", sets);
    return v;
}

static double maxd(double a, double b) { return a > b ? a : b; }

/* Layer placement, the adapter on the layer's cluster 0, where the
 * analog result arrives (no transfer):
 *  - sequential: A after the analog result y, then B, then the add:
 *    base + 210 + 90 + 55 ns; two tokens in one batch: base2 + 370 +
 *    130 + 60 ns;
 *  - parallel: A from x at time 0, B at 210, done at 300; the add when
 *    both y and B are there: max(300 ns, base) + 55 ns; two tokens:
 *    max(370 + 130 ns, base2) + 60 ns. */
Test(lora, layer_sequential_and_parallel_by_hand)
{
    double base = layer_ps("");
    double base2 = layer_ps("--set run.prompt_tokens=2");
    cr_assert(base > 0 && base2 > base);
    cr_expect_float_eq(layer_ps("--set lora.rank=8 --set lora.pipeline=sequential"),
                       base + (210 + 90 + 55) * 1000.0, 0);
    cr_expect_float_eq(layer_ps("--set lora.rank=8 --set lora.pipeline=parallel"),
                       maxd(300000, base) + 55000, 0);
    cr_expect_float_eq(layer_ps("--set run.prompt_tokens=2 --set lora.rank=8 "
                                "--set lora.pipeline=sequential --set lora.batch_tokens=2"),
                       base2 + (370 + 130 + 60) * 1000.0, 0);
    cr_expect_float_eq(layer_ps("--set run.prompt_tokens=2 --set lora.rank=8 "
                                "--set lora.pipeline=parallel --set lora.batch_tokens=2"),
                       maxd(500000, base2) + 60000, 0);
}

/* Dedicated, one token, sequential: as on the layer's cluster, plus the
 * transfers of x (512 bytes) to the LoRA cluster and of B x A's result
 * (128 bytes) back; each costs at least one NoC cycle. */
Test(lora, dedicated_adds_the_transfers)
{
    double seq_layer = layer_ps("--set lora.rank=8 --set lora.pipeline=sequential");
    double seq_ded = layer_ps("--set lora.rank=8 --set lora.pipeline=sequential "
                              "--set lora.placement=dedicated");
    cr_expect(seq_ded > seq_layer, "%.0f %.0f", seq_ded, seq_layer);
}

/* Many tokens in flight: the buffer sets only remove waits, and the
 * adapter beside the analog branch never takes longer than after it. */
Test(lora, pipelines_ordered)
{
    const char *pl[] = {"layer", "dedicated", "split"};
    for (int i = 0; i < 3; i++) {
        char s[400];
        double t[3];
        const char *pipe[] = {"sequential", "parallel", "double_buffer"};
        for (int j = 0; j < 3; j++) {
            snprintf(s, sizeof s, "--set run.prompt_tokens=8 --set lora.rank=8 "
                     "--set lora.placement=%s --set lora.clusters=2 --set lora.pipeline=%s",
                     pl[i], pipe[j]);
            t[j] = layer_ps(s);
        }
        cr_expect(t[2] <= t[1], "%s: double_buffer %.0f > parallel %.0f", pl[i], t[2], t[1]);
        if (i != 2) /* split: the reduce on the first LoRA cluster reorders */
            cr_expect(t[1] <= t[0], "%s: parallel %.0f > sequential %.0f", pl[i], t[1], t[0]);
    }
}

/* ---- the commands --------------------------------------------------------- */

struct fx {
    config c;
    model m;
    transform t;
    mapper mp;
    stats *st;
    sched *s;
    uint32_t lora_tag, proj_tag;
};

/* The layer model with `prompt` prompt tokens and the sections extra. */
static void fx_open(struct fx *x, unsigned prompt, const char *extra)
{
    char err[512], text[2048];
    snprintf(text, sizeof text, "%s%s", layer_ini, extra);
    char *p = strstr(text, "prompt_tokens = 1\n");
    cr_assert_not_null(p);
    p[16] = (char)('0' + prompt);
    cr_assert_eq(tu_config(&x->c, text, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_init(&x->m, &x->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(&x->t, &x->m, &x->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mapper_build(&x->mp, &x->m, &x->t, &x->c, err, sizeof err), 0, "%s", err);
    sched_chip ch = {{0}, 0};
    ch.units[UNIT_TILE] = x->mp.narrays;
    ch.units[UNIT_CLUSTER] = 4;
    ch.units[UNIT_SRAM] = 64;
    ch.units[UNIT_DRAM] = 1;
    ch.sram_bank_bytes = 65536;
    x->st = stats_create();
    x->s = sched_create(&x->c, &x->m, &x->t, &x->mp, &ch, x->st, err, sizeof err);
    cr_assert_not_null(x->s, "%s", err);
    uint32_t ntags;
    const cmd_tag *tags = sched_tags(x->s, &ntags);
    x->lora_tag = x->proj_tag = UINT32_MAX;
    for (uint32_t i = 0; i < ntags; i++) {
        if (!strcmp(tags[i].name, "h0.mlp.c_proj.lora"))
            x->lora_tag = i;
        if (!strcmp(tags[i].name, "h0.mlp.c_proj"))
            x->proj_tag = i;
    }
    cr_assert_neq(x->lora_tag, UINT32_MAX, "no tag h0.mlp.c_proj.lora");
}

static void fx_close(struct fx *x)
{
    sched_free(x->s);
    stats_free(x->st);
    mapper_free(&x->mp);
    transform_free(&x->t);
    model_free(&x->m);
    config_free(&x->c);
}

/* A digital op of the adapter, in stream order. */
struct op {
    uint64_t id;
    uint32_t cluster, kind, m, n, k;
    uint64_t deps[8];
    uint32_t ndeps;
};

/* The adapter's digital ops (at most max); returns their count.  Also
 * checks that no other digital op runs on a cluster >= first_lora. */
static uint32_t lora_ops(struct fx *x, struct op *o, uint32_t max, uint32_t first_lora)
{
    cmd_source src = sched_source(x->s);
    char err[256];
    cmd c;
    uint32_t n = 0;
    while (src.next(src.ctx, &c, err, sizeof err) == 1) {
        if (c.op != CMD_DIG)
            continue;
        uint32_t cl = UNIT_INDEX(c.unit);
        if (c.tag != x->lora_tag) {
            cr_expect_lt(cl, first_lora, "tag %u on LoRA cluster %u", c.tag, cl);
            continue;
        }
        cr_assert_lt(n, max);
        struct op *p = &o[n++];
        *p = (struct op){c.id, cl, c.u.dig.kind, c.u.dig.m, c.u.dig.n, c.u.dig.k, {0}, 0};
        for (uint32_t i = 0; i < c.ndeps && i < 8; i++)
            p->deps[p->ndeps++] = c.deps[i];
    }
    return n;
}

static int has_dep(const struct op *o, uint64_t id)
{
    for (uint32_t i = 0; i < o->ndeps; i++)
        if (o->deps[i] == id)
            return 1;
    return 0;
}

/* Dedicated: A and B on the LoRA cluster (the last of 4), the add on the
 * layer's cluster 0; no block work on cluster 3. */
Test(lora, dedicated_on_the_last_cluster)
{
    struct fx x;
    fx_open(&x, 1, "[lora]\nrank = 8\nplacement = dedicated\n");
    struct op o[16];
    uint32_t n = lora_ops(&x, o, 16, 3);
    cr_assert_eq(n, 3);
    cr_expect(o[0].cluster == 3 && o[0].kind == DIG_GEMM && o[0].n == 8 && o[0].k == 512);
    cr_expect(o[1].cluster == 3 && o[1].kind == DIG_GEMM && o[1].n == 128 && o[1].k == 8);
    cr_expect(o[2].cluster == 0 && o[2].kind == DIG_ADD && o[2].n == 128);
    fx_close(&x);
}

/* Split over 2 LoRA clusters (2 and 3): A by rows, 256 each; the partial
 * U (8 elements) reduced on cluster 2; B by columns, 64 each; the add on
 * cluster 0.  Blocks keep clusters 0 and 1. */
Test(lora, split_by_rows_and_columns)
{
    struct fx x;
    fx_open(&x, 1, "[lora]\nrank = 8\nplacement = split\nclusters = 2\n");
    struct op o[16];
    uint32_t n = lora_ops(&x, o, 16, 2);
    cr_assert_eq(n, 6);
    cr_expect(o[0].cluster == 2 && o[0].kind == DIG_GEMM && o[0].n == 8 && o[0].k == 256);
    cr_expect(o[1].cluster == 3 && o[1].kind == DIG_GEMM && o[1].n == 8 && o[1].k == 256);
    cr_expect(o[2].cluster == 2 && o[2].kind == DIG_REDUCE && o[2].n == 8 && o[2].k == 2);
    cr_expect(o[3].cluster == 2 && o[3].kind == DIG_GEMM && o[3].n == 64 && o[3].k == 8);
    cr_expect(o[4].cluster == 3 && o[4].kind == DIG_GEMM && o[4].n == 64 && o[4].k == 8);
    cr_expect(o[5].cluster == 0 && o[5].kind == DIG_ADD && o[5].n == 128);
    fx_close(&x);
}

/* Four prompt tokens, one per batch, on the layer's cluster: B of batch
 * k waits for the add of batch k - 1 (parallel: one buffer set) or k - 2
 * (double_buffer); batches of 2 tokens: two batches, m = 2. */
Test(lora, buffer_sets)
{
    struct fx x;
    struct op o[32];
    fx_open(&x, 4, "[lora]\nrank = 8\n");
    uint32_t n = lora_ops(&x, o, 32, 4);
    cr_assert_eq(n, 12);
    for (uint32_t b = 1; b < 4; b++)
        cr_expect(has_dep(&o[3 * b + 1], o[3 * (b - 1) + 2].id), "batch %u", b);
    fx_close(&x);

    fx_open(&x, 4, "[lora]\nrank = 8\npipeline = double_buffer\n");
    n = lora_ops(&x, o, 32, 4);
    cr_assert_eq(n, 12);
    cr_expect(!has_dep(&o[4], o[2].id));
    for (uint32_t b = 2; b < 4; b++) {
        cr_expect(has_dep(&o[3 * b + 1], o[3 * (b - 2) + 2].id), "batch %u", b);
        cr_expect(!has_dep(&o[3 * b + 1], o[3 * (b - 1) + 2].id), "batch %u", b);
    }
    fx_close(&x);

    fx_open(&x, 4, "[lora]\nrank = 8\nbatch_tokens = 2\n");
    n = lora_ops(&x, o, 32, 4);
    cr_assert_eq(n, 6);
    for (uint32_t i = 0; i < n; i++)
        cr_expect_eq(o[i].m, 2);
    fx_close(&x);
}

/* ---- the L1 ----------------------------------------------------------------- */

/* L1 of 16384 bytes, 8 tokens a batch, h0.mlp.c_fc (128 x 512, rank 8),
 * FP16: weights (128 x 8 + 8 x 512) x 2 = 10240 bytes, activations
 * 8 x (128 + 8 + 512) x 2 = 10368 bytes: 20608 resident, more than the
 * L1; streamed, 10368 fit.  Refused under l1 = refuse; under stream the
 * weights are read each batch: 2 prompt batches + 2 decode steps. */
static const char *l1_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 128\nheads = 2\nd_ff = 512\n"
    "vocab = 64\ncontext_tokens = 32\nlm_head = none\n"
    "[cluster]\nl1_bytes = 16384\n"
    "[lora]\nrank = 8\ntargets = mlp.c_fc\nbatch_tokens = 8\n";

Test(lora, l1_refused)
{
    config c;
    char err[ERR_LEN], text[1024];
    snprintf(text, sizeof text, "%sl1 = refuse\n", l1_ini);
    cr_expect_neq(tu_config(&c, text, err, sizeof err), 0);
    cr_expect_str_eq(err, "t.ini:16: [lora] l1 = refuse: the adapter of h0.mlp.c_fc (128 x 512, "
                          "rank 8, 8 tokens a batch) needs 20608 bytes of L1 with its weights "
                          "resident, [cluster] l1_bytes is 16384 (set [lora] l1 = stream, fewer "
                          "batch_tokens, or split)");
    config_free(&c);
    /* Streamed, the activations alone too large: 16 tokens,
     * 16 x 648 x 2 = 20736 bytes. */
    cr_expect_neq(tu_config(&c, "[model]\npreset = custom\nlayers = 1\nd_model = 128\n"
                                "heads = 2\nd_ff = 512\nvocab = 64\ncontext_tokens = 32\n"
                                "lm_head = none\n[cluster]\nl1_bytes = 16384\n[lora]\n"
                                "rank = 8\ntargets = mlp.c_fc\nbatch_tokens = 16\n"
                                "l1 = stream\n", err, sizeof err), 0);
    cr_expect_str_eq(err, "t.ini:16: [lora] l1 = stream: the adapter of h0.mlp.c_fc (128 x 512, "
                          "rank 8, 16 tokens a batch) needs 20736 bytes of L1 for its "
                          "activations alone (1 buffer sets), [cluster] l1_bytes is 16384 "
                          "(fewer batch_tokens, or split)");
    config_free(&c);
}

Test(lora, l1_streamed)
{
    char *ini = tu_write(dir, "l1.ini", l1_ini);
    char *err = NULL;
    int rc = tu_shf(NULL, &err,
                    "%s run %s --set run.prompt_tokens=16 --set run.decode_tokens=2 "
                    "--set run.attn_q_tokens=16 --set run.kernel=native --out %s/l1 --quiet",
                    tu_prog(), ini, dir);
    cr_assert_eq(rc, 0, "%s", err);
    free(err);
    free(ini);
    char o[600];
    snprintf(o, sizeof o, "%s/l1", dir);
    cr_expect_float_eq(tu_stat(o, "sched.lora.mlp.c_fc.l1_bytes"), 10368, 0);
    cr_expect_float_eq(tu_stat(o, "sched.lora.mlp.c_fc.weights_streamed_bytes"), 10240, 0);
    cr_expect_float_eq(tu_stat(o, "sched.lora.weights_read_bytes"), 4 * 10240, 0);
    /* tags.csv: the adapter's own row */
    char path[700];
    snprintf(path, sizeof path, "%s/tags.csv", o);
    char *csv = tu_slurp(path, NULL);
    cr_assert_not_null(csv);
    cr_expect_not_null(strstr(csv, "\nh0.mlp.c_fc.lora,0,"), "%s", csv);
    free(csv);
}
