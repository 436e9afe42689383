/*
 * test_sched.c -- the scheduler against closed forms worked by hand
 * (docs/scheduler.md): the tiled prefill attention's DRAM bytes and
 * cluster work, the KV cache striped over the SRAM banks, the sampling
 * modes, multicast inputs and reduction chains.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/stats.h"
#include "tests/testutil.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/sched.h"
#include "workloads/transform.h"

static char *dir;

static void setup(void)
{
    char tmpl[] = "/tmp/aimcsim-sched-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    dir = strdup(tmpl);
}

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_sh(cmd, NULL, NULL);
    free(dir);
}

TestSuite(sched, .init = setup, .fini = teardown, .timeout = 120);

/* Runs `aimcsim run INI ARGS --out DIR/name --quiet`. */
static void run(const char *ini_text, const char *args, const char *name)
{
    char ini[700], cmd[4096], *err = NULL;
    snprintf(ini, sizeof ini, "%s/%s.ini", dir, name);
    FILE *f = fopen(ini, "w");
    cr_assert_not_null(f);
    fputs(ini_text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s run %s %s --set run.kernel=native --out %s/%s --quiet",
             tu_prog(), ini, args, dir, name);
    cr_assert_eq(tu_sh(cmd, NULL, &err), 0, "%s: %s", name, err);
    free(err);
}

/* Statistic `key` of run `name`. */
static double stat(const char *name, const char *key)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s/stats.csv", dir, name);
    char *csv = tu_slurp(path, NULL);
    cr_assert_not_null(csv, "no %s", path);
    char k[256];
    snprintf(k, sizeof k, "\n%s,", key);
    char *p = strstr(csv, k);
    cr_assert_not_null(p, "%s: no %s", name, key);
    double v = strtod(p + strlen(k), NULL);
    free(csv);
    return v;
}

/* A two-block GPT-2-shaped model whose KV rows (64 bytes) fit no SRAM
 * bank (32 bytes): every K and V row is in DRAM, so DRAM bytes count the
 * attention's reads.  No LM head.  The matrix engine runs every GEMM
 * (me_rows = 1) and a special-function unit every exp and tanh, so
 * cluster.me_fmas counts the attention's MACs and cluster.sfu_ops its
 * softmax elements plus GELU's d_ff per position. */
static const char *attn_ini =
    "[model]\npreset = custom\nlayers = 2\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 64\nlm_head = none\n"
    "[cluster]\ncount = 1\nme_rows = 1\nsfu_elems_cyc = 8\n"
    "[sram]\nbank_bytes = 32\n"
    "[run]\nprompt_tokens = 10\ndecode_tokens = 0\n";

/* Prefill of P = 10 positions, L = 2 layers, d = 64, H = 2 heads, one
 * byte per activation (row = 64 bytes).  For query block i (positions
 * [q0, q1), nq of them), the keys [0, kv_i) with kv_i = q1 (causal) or P
 * (not): K and V are read once per block, 2 x kv_i rows; the tiles compute
 * nq x kv_i scores per head and as many exps; QK^T and PV are nq x kv_i x d
 * MACs each.  Besides, DRAM holds the embedding rows (2 x 64 per position)
 * and the KV writes (2 x 64 per position and layer). */
static void expect_prefill(const char *name, double sum_kv, double sum_nq_kv)
{
    const double P = 10, L = 2, d = 64, H = 2, dff = 256, row = 64;
    double dram = P * 2 * row + L * P * 2 * row + L * 2 * row * sum_kv;
    cr_expect_float_eq(stat(name, "dram.bytes"), dram, 0, "%s", name);
    cr_expect_float_eq(stat(name, "cluster.me_fmas"), L * 2 * d * sum_nq_kv, 0, "%s", name);
    cr_expect_float_eq(stat(name, "cluster.sfu_ops"), L * (H * sum_nq_kv + P * dff), 0, "%s", name);
    cr_expect_float_eq(stat(name, "sched.kv_dram_bytes"), L * 2 * P * row, 0, "%s", name);
}

Test(sched, prefill_attention_closed_form)
{
    /* Blocks of 4 queries x 3 keys: kv = 4, 8, 10; nq = 4, 4, 2. */
    run(attn_ini, "--set run.attn_q_tokens=4 --set run.attn_kv_tokens=3", "q4k3");
    expect_prefill("q4k3", 4 + 8 + 10, 4 * 4 + 4 * 8 + 2 * 10);
    /* The key block changes the tiles, not what is read or computed. */
    run(attn_ini, "--set run.attn_q_tokens=4 --set run.attn_kv_tokens=16", "q4k16");
    expect_prefill("q4k16", 4 + 8 + 10, 4 * 4 + 4 * 8 + 2 * 10);
    /* One block: the prompt's K and V read once. */
    run(attn_ini, "--set run.attn_q_tokens=16 --set run.attn_kv_tokens=16", "q16");
    expect_prefill("q16", 10, 10 * 10);
    /* One query per block: the old per-token reads, 1 + 2 + ... + 10. */
    run(attn_ini, "--set run.attn_q_tokens=1 --set run.attn_kv_tokens=2", "q1");
    expect_prefill("q1", 55, 55);
    /* Bidirectional: every block attends to all 10 keys. */
    run(attn_ini, "--set model.causal=false --set run.attn_q_tokens=4 --set run.attn_kv_tokens=3",
        "bidir");
    expect_prefill("bidir", 3 * 10, 10 * (4 + 4 + 2));
    /* From the L1 (docs/scheduler.md): a tile of b queries and c keys
     * holds 2 (2 b 64 + 2 c 64 + 2 b c) + 12 b 2 bytes (FP16; Q, O, K, V
     * for both heads, S and P for one, three row vectors per head).  The
     * largest square power of two within 131072 bytes: b = 64 (50688
     * bytes; 128 needs 134144); then c: 16384 + 512 c + 1536 <= 131072,
     * c = 128.  One block here. */
    run(attn_ini, "", "l1");
    cr_expect_float_eq(stat("l1", "sched.attn_q_tokens"), 64, 0);
    cr_expect_float_eq(stat("l1", "sched.attn_kv_tokens"), 128, 0);
    expect_prefill("l1", 10, 10 * 10);
    /* An 8 KiB L1: square 8 (4544 bytes; 16 needs 9600), then c: 2240 +
     * 288 c <= 8192, c = 16.  Blocks of 8 queries: kv = 8, 10. */
    run(attn_ini, "--set cluster.l1_bytes=8192", "l1small");
    cr_expect_float_eq(stat("l1small", "sched.attn_q_tokens"), 8, 0);
    cr_expect_float_eq(stat("l1small", "sched.attn_kv_tokens"), 16, 0);
    expect_prefill("l1small", 8 + 10, 8 * 8 + 2 * 10);
}

/* The per-tile commands: query blocks of 4 and key blocks of 3 over P =
 * 10 give 2 + 3 + 4 = 9 tiles per layer (kv = 4, 8, 10); per head each
 * tile is a QK gemm, a softmax, a PV gemm and, but for the block's first
 * tile, a rescaling add; each block ends with one normalising add per
 * head: 2 layers x 2 heads x (3 x 9 + (9 - 3) + 3) = 144 attention ops.
 * The other digital ops: per position embed, and per layer 2 LayerNorms,
 * 2 adds, a GELU: 10 + 2 x 10 x 5 = 110. */
Test(sched, prefill_attention_commands)
{
    run(attn_ini, "--set run.attn_q_tokens=4 --set run.attn_kv_tokens=3", "cmds");
    cr_expect_float_eq(stat("cmds", "cmd.dig"), 144 + 110, 0);
}

/* ---- the KV cache over the SRAM banks ------------------------------------ */

struct setup_sched {
    config c;
    model m;
    transform t;
    mapper mp;
    stats *st;
    sched *s;
};

static void sched_open(struct setup_sched *x, const char *ini, uint32_t banks,
                       uint64_t bank_bytes)
{
    char err[512];
    cr_assert_eq(tu_config(&x->c, ini, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_init(&x->m, &x->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(&x->t, &x->m, &x->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mapper_build(&x->mp, &x->m, &x->t, &x->c, err, sizeof err), 0, "%s", err);
    sched_chip ch = {{0}, 0};
    ch.units[UNIT_TILE] = x->mp.narrays;
    ch.units[UNIT_CLUSTER] = 4;
    ch.units[UNIT_SRAM] = banks;
    ch.units[UNIT_DRAM] = 1;
    ch.sram_bank_bytes = bank_bytes;
    x->st = stats_create();
    x->s = sched_create(&x->c, &x->m, &x->t, &x->mp, &ch, x->st, err, sizeof err);
    cr_assert_not_null(x->s, "%s", err);
}

static void sched_close(struct setup_sched *x)
{
    sched_free(x->s);
    stats_free(x->st);
    mapper_free(&x->mp);
    transform_free(&x->t);
    model_free(&x->m);
    config_free(&x->c);
}

static double sstat(struct setup_sched *x, const char *name)
{
    int found;
    double v = stats_get(x->st, name, &found);
    cr_assert(found, "no %s", name);
    return v;
}

/* The nth (from 0) KV-cache write of tag `tagname` in the stream. */
static int find_write(struct setup_sched *x, const char *tagname, uint32_t nth, cmd *out)
{
    uint32_t ntags, tag = UINT32_MAX;
    const cmd_tag *tags = sched_tags(x->s, &ntags);
    for (uint32_t i = 0; i < ntags; i++)
        if (!strcmp(tags[i].name, tagname))
            tag = i;
    cr_assert_neq(tag, UINT32_MAX, "no tag %s", tagname);
    cmd_source src = sched_source(x->s);
    char err[256];
    cmd c;
    while (src.next(src.ctx, &c, err, sizeof err) == 1)
        if (c.op == CMD_MEM && c.u.mem.write && c.tag == tag && nth-- == 0) {
            *out = c;
            return 1;
        }
    return 0;
}

/* GPT-2 medium, 1024 positions: 24 layers x 2 (K, V) = 48 regions of 1024
 * rows of 1024 bytes (d_model, 8-bit activations): 49152 rows, 50331648
 * bytes.  The rule (docs/scheduler.md): S = banks x floor(bank / 1024)
 * rows stay in SRAM, floor(S / 48) of each region (one more for the first
 * S mod 48), the rest in DRAM. */
static const char *medium_ini = "[model]\npreset = gpt2-medium\nlm_head = none\n"
                                "[run]\nprompt_tokens = 1023\ndecode_tokens = 1\n";

Test(sched, kv_cache_striped_over_the_banks)
{
    struct setup_sched x;
    /* 64 banks of 64 KiB: 64 rows each, S = 4096 rows (4 MiB, all of it). */
    sched_open(&x, medium_ini, 64, 65536);
    cr_expect_float_eq(sstat(&x, "sched.kv_sram_bytes"), 4096.0 * 1024, 0);
    cr_expect_float_eq(sstat(&x, "sched.kv_dram_bytes"), 50331648.0 - 4096.0 * 1024, 0);
    sched_close(&x);
    /* 64 banks of 1 MiB hold all 48 MiB. */
    sched_open(&x, medium_ini, 64, 1048576);
    cr_expect_float_eq(sstat(&x, "sched.kv_sram_bytes"), 50331648.0, 0);
    cr_expect_float_eq(sstat(&x, "sched.kv_dram_bytes"), 0, 0);
    cr_expect_float_eq(sstat(&x, "sched.spill_bytes"), 0, 0);
    sched_close(&x);
    /* 64 banks of 100000 bytes: 97 rows each (the rest of a bank is too
     * small for a row), S = 6208 rows = 6356992 bytes; each region keeps
     * 129 rows, the first 16 keep 130.  Region 16 (layer 8, K) starts at
     * row 16 x 130 = 2080: bank 2080 mod 64 = 32,
     * byte 2080 div 64 x 1024 = 32768; its V (region 17) at row 2209: bank
     * 33, byte 34 x 1024. */
    sched_open(&x, medium_ini, 64, 100000);
    cr_expect_float_eq(sstat(&x, "sched.kv_sram_bytes"), 6356992.0, 0);
    cr_expect_float_eq(sstat(&x, "sched.kv_dram_bytes"), 50331648.0 - 6356992.0, 0);
    cmd c;
    cr_assert(find_write(&x, "h8.attn.qk", 0, &c));
    cr_expect_eq(c.unit, UNIT(UNIT_SRAM, 32));
    cr_expect_eq(c.u.mem.addr, 32768);
    cr_expect_eq(c.u.mem.bytes, 1024);
    sched_close(&x);
    sched_open(&x, medium_ini, 64, 100000);
    cr_assert(find_write(&x, "h8.attn.qk", 1, &c));
    cr_expect_eq(c.unit, UNIT(UNIT_SRAM, 33));
    cr_expect_eq(c.u.mem.addr, 34 * 1024);
    sched_close(&x);
    /* Layer 0's K at position 130 (region 0 keeps 130 rows) is the first
     * spilled row: DRAM row 0. */
    sched_open(&x, medium_ini, 64, 100000);
    cr_assert(find_write(&x, "h0.attn.qk", 2 * 130, &c));
    cr_expect_eq(c.unit, UNIT(UNIT_DRAM, 0));
    cr_expect_eq(c.u.mem.addr, 0);
    sched_close(&x);
}

/* ---- sampling --------------------------------------------------------------- */

/* A one-block model, vocabulary 64, LM head on arrays; 1 prompt position
 * and 2 decode steps: 3 output tokens.  Per token (docs/scheduler.md):
 * argmax: 2 x 64 lane ops, 50 + 50 + ceil(128 / 25.6) = 105 cycles;
 * softmax: 64 x (4 + 40) lane ops, 50 + 2 x 50 + ceil(2816 / 25.6) = 260
 * cycles; none: no op. */
static const char *sample_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = analog\n"
    "[cluster]\ncount = 1\n[run]\nprompt_tokens = 1\ndecode_tokens = 2\n";

static double sample_busy(const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s/tags.csv", dir, name);
    char *csv = tu_slurp(path, NULL);
    cr_assert_not_null(csv);
    char *p = strstr(csv, "\nsample,-1,");
    cr_assert_not_null(p, "%s", csv);
    unsigned long long cmds, acts, busy;
    cr_assert_eq(sscanf(p, "\nsample,-1,%llu,%llu,%llu,", &cmds, &acts, &busy), 3);
    free(csv);
    return (double)busy;
}

Test(sched, sampling_modes)
{
    run(sample_ini, "--set run.sampling=none", "none");
    run(sample_ini, "--set run.sampling=argmax", "argmax");
    run(sample_ini, "--set run.sampling=softmax", "softmax");
    double lanes = stat("none", "cluster.lane_ops");
    cr_expect_float_eq(stat("argmax", "cluster.lane_ops") - lanes, 3 * 2 * 64, 0);
    cr_expect_float_eq(stat("softmax", "cluster.lane_ops") - lanes, 3 * 64 * 44, 0);
    cr_expect_float_eq(stat("argmax", "cluster.argmax_busy_ps"), 3 * 105000, 0);
    cr_expect_float_eq(stat("none", "cluster.argmax_busy_ps"), 0, 0);
    cr_expect_float_eq(sample_busy("none"), 0, 0);
    cr_expect_float_eq(sample_busy("argmax"), 3 * 105000, 0);
    cr_expect_float_eq(sample_busy("softmax"), 3 * 260000, 0);
    cr_expect_float_eq(stat("none", "run.tokens"), 3, 0);
}

/* ---- multicast inputs, reduction chains ----------------------------------- */

/* d_model 512 on 256 x 256 arrays (Linear): c_attn 2 x 6 arrays, c_proj
 * 2 x 2, c_fc 2 x 4, mlp.c_proj (1024 rows) 4 x 2.  Arrays of one row
 * piece take the same inputs: with multicast one packet per row piece,
 * 2 + 2 + 2 + 4 = 10 per position, else one per array, 12 + 4 + 8 + 8 =
 * 32.  With reduction chains, the arrays of one column piece pass their
 * partial sums along: the cluster receives 6 + 2 + 4 + 2 = 14 packets
 * instead of 32, 32 - 14 = 18 go tile to tile, and no reduce runs. */
static const char *wide_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 512\nheads = 8\nd_ff = 1024\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = none\n"
    "[cluster]\ncount = 1\n[run]\nprompt_tokens = 1\ndecode_tokens = 0\n";

Test(sched, multicast_inputs_and_reduction_chains)
{
    run(wide_ini, "--set noc.multicast=false", "uni");
    run(wide_ini, "", "multi");
    run(wide_ini, "--set noc.reduce=true", "chain");
    cr_expect_float_eq(stat("uni", "cmd.mcast"), 0, 0);
    cr_expect_float_eq(stat("multi", "cmd.mcast"), 10, 0);
    cr_expect_float_eq(stat("multi", "cmd.xfer"), stat("uni", "cmd.xfer") - 32, 0);
    cr_expect_float_eq(stat("multi", "noc.multicast_dests"), 32, 0);
    cr_expect(stat("uni", "cluster.reduce_busy_ps") > 0);
    cr_expect_float_eq(stat("chain", "cluster.reduce_busy_ps"), 0, 0);
    /* 4 reduce ops fewer; the chain's tile-to-tile packets replace as many
     * tile-to-cluster ones */
    cr_expect_float_eq(stat("chain", "cmd.dig"), stat("multi", "cmd.dig") - 4, 0);
    cr_expect_float_eq(stat("chain", "cmd.xfer"), stat("multi", "cmd.xfer"), 0);
    cr_expect(stat("chain", "noc.flit_hops") != stat("multi", "noc.flit_hops"));
}

/* ---- splitting an op over clusters ----------------------------------------- */

/* The sampling model on 2 clusters, 3 output tokens (1 prompt position, 2
 * decode steps).  Split over both clusters ([cluster] split_max = 2):
 *   GELU of 256 elements: two parts of 128, 50 + ceil(128 x 46 / 25.6) =
 *   280 cycles each, against 50 + 460 = 510 whole; per position 2 x 280;
 *   argmax of 64 logits: two parts of 32, 50 + 50 + ceil(64 / 25.6) = 103
 *   each, then the argmax of the 2 results, 50 + 50 + ceil(4 / 25.6) = 101:
 *   307 per token against 105 whole.
 * Each part on cluster 1 takes its inputs from cluster 0 and sends back its
 * results: per position a GELU xfer in and out, per token an argmax one
 * in and out; the attention's second head moves too.  Work is conserved
 * but for the final argmax (4 lane ops a token). */
Test(sched, split_over_clusters)
{
    run(sample_ini, "--set cluster.count=2 --set cluster.split_max=1 --set chip.per_unit_stats=true",
        "whole");
    run(sample_ini, "--set cluster.count=2 --set cluster.split_max=2 --set chip.per_unit_stats=true",
        "split");
    cr_expect_float_eq(stat("whole", "cluster.gelu_busy_ps"), 3 * 510000, 0);
    cr_expect_float_eq(stat("split", "cluster.gelu_busy_ps"), 3 * 2 * 280000, 0);
    cr_expect_float_eq(stat("whole", "cluster.argmax_busy_ps"), 3 * 105000, 0);
    cr_expect_float_eq(stat("split", "cluster.argmax_busy_ps"), 3 * 307000, 0);
    cr_expect_float_eq(stat("whole", "cluster1.busy_ps"), 0, 0);
    cr_expect(stat("split", "cluster1.busy_ps") > 0);
    cr_expect_float_eq(stat("split", "cluster.lane_ops"), stat("whole", "cluster.lane_ops") + 3 * 4, 0);
    cr_expect_float_eq(stat("split", "cluster.me_fmas"), stat("whole", "cluster.me_fmas"), 0);
    cr_expect(stat("split", "cmd.xfer") >= stat("whole", "cmd.xfer") + 3 * 2 + 3 * 2);
    /* split_max = 0: every cluster, here 2. */
    run(sample_ini, "--set cluster.count=2", "all");
    cr_expect_float_eq(stat("all", "cluster.gelu_busy_ps"), 3 * 2 * 280000, 0);
}
