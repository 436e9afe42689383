/*
 * test_critpath.c -- the critical path (sim/critpath.h): contention
 * attributed to the resource waited for, the categories adding up to each
 * phase's time on GPT-2 small under every mapping (both kernels, run and
 * exec of the same stream), critpath.csv, the trace's critical-path track.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/unit.h"
#include "tests/testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_mkdtemp("crit");
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(critpath, .init = setup, .fini = teardown, .timeout = 300);

static char *put(const char *name, const char *text)
{
    char *path = tu_write(dir, name, text);
    cr_assert_not_null(path);
    return path;
}

static void run_ok(const char *args)
{
    char cmd[4096], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s %s", tu_prog(), args);
    int rc = tu_sh(cmd, NULL, &err);
    cr_assert_eq(rc, 0, "%s: %s", cmd, err);
    free(err);
}

/* The sum of a phase's categories (crit.<phase>.*), and each one's value. */
static double phase_sum(const char *d, const char *phase)
{
    double sum = 0;
    for (int c = 0; c < CP_CATS; c++) {
        char k[128];
        snprintf(k, sizeof k, "crit.%s.%s.%s_ps", phase, cp_group_keys[cp_cat_group[c]],
                 cp_cat_names[c]);
        double v = tu_stat(d, k);
        cr_assert(!isnan(v), "%s: no %s", d, k);
        sum += v;
    }
    return sum;
}

static double cat(const char *d, const char *phase, const char *group, const char *name)
{
    char k[128];
    snprintf(k, sizeof k, "crit.%s.%s.%s_ps", phase, group, name);
    return tu_stat(d, k);
}

/* A chip for the hand-written streams: SAR ADC at 1 GHz, (bits + 1) cycles
 * per conversion, 8 ADCs a bank shared by two tiles, no sample-and-hold;
 * integration 100 ns, no pre/post time; 32-byte links, 2-cycle routers,
 * 1-cycle links at 1 GHz. */
static const char *ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = analog\n"
    "[tile]\nt_int_ns = 100\nt_pre_ns = 0\nt_post_ns = 0\n"
    "[adc]\ncount = 8\nkind = sar\nclock_ghz = 1\nsar_extra_cyc = 1\nsample_hold = false\n"
    "share_tiles = 2\n"
    "[noc]\nlink_bytes = 32\nclock_ghz = 1\nrouter_cyc = 2\nlink_cyc = 1\n"
    "[cluster]\ncount = 1\n"
    "[run]\nprompt_tokens = 1\ndecode_tokens = 0\n";

static void exec_stream(const char *name, const char *stream, char *d, size_t dn)
{
    char *i = put("c.ini", ini), *s = put(name, stream), args[2048];
    snprintf(d, dn, "%s/%s.out", dir, name);
    snprintf(args, sizeof args, "exec %s %s --out %s --quiet", i, s, d);
    run_ok(args);
    free(i);
    free(s);
}

static const char *adc_stream =
    "aimcsim-cmd 1\nunits tile=2 cluster=1 sram=1 dram=1\n"
    "tag 0 0 h0.attn.c_attn\n"
    "0 act tile0 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=\n"
    "1 act tile1 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=\n"
    "2 mark - token value=0 tag=0 deps=1\n"
    "end 3\n";

/* Two activations on tiles 0 and 1, one ADC bank, both at 0: 4 rounds of
 * (4 + 1) cycles = 20 ns of conversion each.  The first converts [100,
 * 120]; the second integrates [0, 100] and waits for the bank until 120,
 * converts [120, 140].  The token (after the second): 100 ns integration,
 * 20 ns waiting for the bank, 20 ns conversion = 140 ns. */
Test(critpath, adc_bank_contention)
{
    char d[700];
    exec_stream("adc.cmd", adc_stream,
                d, sizeof d);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), 140000, 0);
    cr_expect_float_eq(cat(d, "ttft", "array", "integration"), 100000, 0);
    cr_expect_float_eq(cat(d, "ttft", "adc", "adc_wait"), 20000, 0);
    cr_expect_float_eq(cat(d, "ttft", "adc", "adc"), 20000, 0);
    cr_expect_float_eq(phase_sum(d, "ttft"), 140000, 0);
}

/* Two transfers of 320 bytes (10 flits, 10 ns to serialise) from tile 0 to
 * tile 4 (tiles 0-3 share a router), both sent at 0.  The second takes each
 * link as the first lets go of it: it waits 10 ns at the first link and
 * never again.  Uncontended, a transfer of h hops takes
 *   (h + 1) x 2 ns + h x 1 ns + 10 ns                     (docs/models.md 5)
 * so the token (after the second) is that plus 10 ns of link contention;
 * h is read from the run (noc.flit_hops / noc.flits), placement is not
 * what is tested here. */
Test(critpath, link_contention)
{
    char d[700];
    exec_stream("noc.cmd",
                "aimcsim-cmd 1\nunits tile=5 cluster=1 sram=1 dram=1\n"
                "tag 0 0 h0.attn.c_attn\n"
                "0 xfer tile0 dst=tile4 bytes=320 tag=0 deps=\n"
                "1 xfer tile0 dst=tile4 bytes=320 tag=0 deps=\n"
                "2 mark - token value=0 tag=0 deps=1\n"
                "end 3\n",
                d, sizeof d);
    double h = tu_stat(d, "noc.flit_hops") / tu_stat(d, "noc.flits");
    cr_assert(h >= 1, "tile 4 is on another router: %g hops", h);
    double uncontended = (h + 1) * 2000 + h * 1000 + 10000;
    cr_expect_float_eq(cat(d, "ttft", "noc", "noc"), uncontended, 0);
    cr_expect_float_eq(cat(d, "ttft", "noc", "noc_wait"), 10000, 0);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), uncontended + 10000, 0);
    cr_expect_float_eq(phase_sum(d, "ttft"), uncontended + 10000, 0);
}

/* Two activations on tile 0, neither depending on anything: the second
 * finds the array held by the first until 120 ns, so its path is the
 * first's (100 ns integration, 4 rounds x 5 ns conversion) and then its
 * own (100 ns, 5 rounds x 5 ns: 33 columns): 200 ns integration and 45 ns
 * conversion, 245 ns.  No wait is charged: an array's serialised
 * activations show as their work. */
Test(critpath, array_held_by_the_previous_activation)
{
    char d[700];
    exec_stream("arr.cmd",
                "aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\n"
                "tag 0 0 h0.attn.c_attn\n"
                "0 act tile0 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=\n"
                "1 act tile0 rows=0:64 cols=0:33 slices=1 bits=4 tag=0 deps=\n"
                "2 mark - token value=0 tag=0 deps=1\n"
                "end 3\n",
                d, sizeof d);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), 245000, 0);
    cr_expect_float_eq(cat(d, "ttft", "array", "integration"), 200000, 0);
    cr_expect_float_eq(cat(d, "ttft", "adc", "adc"), 45000, 0);
    cr_expect_float_eq(phase_sum(d, "ttft"), 245000, 0);
    cr_expect_float_eq(tu_stat(d, "stall.array_ps"), 120000, 0);
}

/* A command whose data is ready before the dispatcher may admit it: tile
 * 0's queue holds one command ([tile] queue_cmds = 1).  0 on tile 6 (64
 * columns: 8 rounds) [0, 140]; 1 on tile 0 after 0 waits in tile 0's
 * queue, which is then full; 2 on tile 2 (8 columns: 1 round) [0, 105];
 * the dispatcher stops at 3 (tile 0, no dependency) at 0 and resumes when
 * 1 issues at 140.  4, on tile 4 after 2, is behind 3 (head-of-line): its
 * data were ready at 105, it is admitted at 140: 35 ns stopped at a full
 * queue, then [140, 260].  Tiles 0, 2, 4 and 6 have banks of their own.
 * The token: 2's 100 ns integration and 5 ns conversion, 35 ns
 * queue_full, 4's 100 + 20 ns = 260 ns.  A window that is never full
 * changes nothing: 6 commands in a window of 16 or of the default. */
static const char *hol_stream =
    "aimcsim-cmd 1\nunits tile=7 cluster=1 sram=1 dram=1\n"
    "tag 0 0 h0.attn.c_attn\n"
    "0 act tile6 rows=0:64 cols=0:64 slices=1 bits=4 tag=0 deps=\n"
    "1 act tile0 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=0\n"
    "2 act tile2 rows=0:64 cols=0:8 slices=1 bits=4 tag=0 deps=\n"
    "3 act tile0 rows=0:64 cols=0:8 slices=1 bits=4 tag=0 deps=\n"
    "4 act tile4 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=2\n"
    "5 mark - token value=0 tag=0 deps=4\n"
    "end 6\n";

Test(critpath, queue_full_wait)
{
    char d[700], d16[700];
    char *i = put("w.ini", ini), *s = put("w.cmd", hol_stream), args[2048];
    snprintf(d, sizeof d, "%s/w.out", dir);
    snprintf(args, sizeof args, "exec %s %s --set tile.queue_cmds=1 --out %s --quiet", i, s, d);
    run_ok(args);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), 260000, 0);
    cr_expect_float_eq(cat(d, "ttft", "array", "integration"), 200000, 0);
    cr_expect_float_eq(cat(d, "ttft", "adc", "adc"), 25000, 0);
    cr_expect_float_eq(cat(d, "ttft", "engine", "queue_full"), 35000, 0);
    cr_expect_float_eq(phase_sum(d, "ttft"), 260000, 0);
    cr_expect_float_eq(tu_stat(d, "engine.dispatch_stopped_ps"), 140000, 0);
    snprintf(d16, sizeof d16, "%s/w16.out", dir);
    snprintf(args, sizeof args,
             "exec %s %s --set tile.queue_cmds=1 --set run.window_cmds=16 --out %s --quiet", i, s,
             d16);
    run_ok(args);
    char a[800], b[800];
    snprintf(a, sizeof a, "%s/stats.csv", d);
    snprintf(b, sizeof b, "%s/stats.csv", d16);
    char *ta = tu_slurp(a, NULL), *tb = tu_slurp(b, NULL);
    /* the configuration hash and the effective window differ: compare
     * from the first statistic the engine writes */
    cr_assert_not_null(strstr(ta, "run.total_ps"));
    cr_expect_str_eq(strstr(ta, "run.total_ps"), strstr(tb, "run.total_ps"));
    free(ta);
    free(tb);
    /* A deeper queue: 3 and 4 are admitted at 0 and 4 runs [105, 225]. */
    snprintf(args, sizeof args, "exec %s %s --set tile.queue_cmds=2 --out %s --quiet", i, s, d);
    run_ok(args);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), 225000, 0);
    cr_expect_float_eq(cat(d, "ttft", "engine", "queue_full"), 0, 0);
    free(i);
    free(s);
}

/* Head of line: a command ready at 0 behind an earlier one of its in-order
 * queue that waits for data.  Cluster 0 has 2 slots, so the second command
 * does not wait for a slot, only for its turn.  0 on tile 0: 100 ns
 * integration, 8 columns in 1 round of (4 + 1) cycles = 5 ns, [0, 105];
 * 1 on the cluster after 0: [105, 135]; 2 on the cluster, no
 * dependency, behind 1 in the queue: issues with it at 105, [105, 145].
 * The token after 2 at 145 ns.  Its path is 1's up to 105 (the array's
 * 100 + 5 ns) and 2's own 40 ns: the wait in the queue is not the
 * engine's but what held the command ahead. */
static const char *hol_order_stream =
    "aimcsim-cmd 2\nunits tile=2 cluster=1 sram=1 dram=1\n"
    "tag 0 0 h0.attn.c_attn\n"
    "0 act tile0 rows=0:64 cols=0:8 slices=1 bits=4 tag=0 deps=\n"
    "1 fixed cluster0 lat_ps=30000 e_fj=0 tag=0 deps=0\n"
    "2 fixed cluster0 lat_ps=40000 e_fj=0 tag=0 deps=\n"
    "3 mark - token value=0 tag=0 deps=2\n"
    "end 4\n";

Test(critpath, order_follows_the_command_ahead)
{
    char d[700];
    char *i = put("o.ini", ini), *s = put("o.cmd", hol_order_stream), args[2048];
    snprintf(d, sizeof d, "%s/o.out", dir);
    snprintf(args, sizeof args, "exec %s %s --set cluster.slots=2 --out %s --quiet", i, s, d);
    run_ok(args);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), 145000, 0);
    cr_expect_float_eq(cat(d, "ttft", "array", "integration"), 100000, 0);
    cr_expect_float_eq(cat(d, "ttft", "adc", "adc"), 5000, 0);
    cr_expect_float_eq(cat(d, "ttft", "cluster", "fixed"), 40000, 0);
    cr_expect_float_eq(cat(d, "ttft", "engine", "order"), 0, 0);
    cr_expect_float_eq(phase_sum(d, "ttft"), 145000, 0);
    free(i);
    free(s);
}

/* A command whose data is ready before it may enter the engine's window,
 * full at its most ([run] window_cmds = 16; the queues are not full): 0 on tile 0 [0, 120]; 1 on tile 6 (64 columns: 8 rounds)
 * [0, 140]; 2 on tile 2 (8 columns: 1 round) [0, 105]; 3-15 syncs after 1
 * fill the window.  16, on tile 4 after 2, enters only when 0 retires at
 * 120 (1 and the syncs still wait), though 2 was done at 105: 15 ns
 * waiting for the window, then [120, 240].  Tiles 0, 2, 4 and 6 have banks
 * of their own.  The token: 2's 100 ns integration and 5 ns conversion,
 * 15 ns window, 16's 100 + 20 ns = 240 ns. */
Test(critpath, window_wait)
{
    char d[700];
    char *i = put("w.ini", ini), *s, args[2048];
    char text[4096];
    int n = snprintf(text, sizeof text,
                     "aimcsim-cmd 1\nunits tile=7 cluster=1 sram=1 dram=1\n"
                     "tag 0 0 h0.attn.c_attn\n"
                     "0 act tile0 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=\n"
                     "1 act tile6 rows=0:64 cols=0:64 slices=1 bits=4 tag=0 deps=\n"
                     "2 act tile2 rows=0:64 cols=0:8 slices=1 bits=4 tag=0 deps=\n");
    for (int c = 3; c <= 15; c++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%d sync - tag=0 deps=1\n", c);
    snprintf(text + n, sizeof text - (size_t)n,
             "16 act tile4 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=2\n"
             "17 mark - token value=0 tag=0 deps=16\n"
             "end 18\n");
    s = put("w.cmd", text);
    snprintf(d, sizeof d, "%s/w.out", dir);
    snprintf(args, sizeof args, "exec %s %s --set run.window_cmds=16 --out %s --quiet", i, s,
             d);
    run_ok(args);
    cr_expect_float_eq(tu_stat(d, "run.ttft_ps"), 240000, 0);
    cr_expect_float_eq(cat(d, "ttft", "array", "integration"), 200000, 0);
    cr_expect_float_eq(cat(d, "ttft", "adc", "adc"), 25000, 0);
    cr_expect_float_eq(cat(d, "ttft", "engine", "window"), 15000, 0);
    cr_expect_float_eq(phase_sum(d, "ttft"), 240000, 0);
    /* [0, 120] before 16, [120, 140] before 17 (the window full again) */
    cr_expect_float_eq(tu_stat(d, "engine.window_full_ps"), 140000, 0);
    cr_expect_float_eq(tu_stat(d, "engine.dispatch_stopped_ps"), 0, 0);
    free(i);
    free(s);
}

/* GPT-2 small under each mapping, a few tokens: the categories of the first
 * token add up to the time to first token, those of the decoded tokens to
 * their time (tpot x tokens; the sums are whole picoseconds, run.tpot_ps
 * a quotient), the whole run to run.total_ps; equal on both kernels and
 * for run and for exec of the scheduled stream. */
static void adds_up(const char *mapping)
{
    char cfg[256];
    snprintf(cfg, sizeof cfg, "configs/experiments/gpt2-small-%s.ini", mapping);
    const char *sets = "--set run.prompt_tokens=4 --set run.decode_tokens=3";
    const char *kernels[] = {"native", "systemc"};
    char d[4][700], args[4096];
    for (int k = 0; k < 2; k++) {
        snprintf(d[2 * k], sizeof d[0], "%s/%s-%s-run", dir, mapping, kernels[k]);
        snprintf(args, sizeof args, "run %s %s --set run.kernel=%s --out %s --quiet", cfg, sets,
                 kernels[k], d[2 * k]);
        run_ok(args);
        snprintf(d[2 * k + 1], sizeof d[0], "%s/%s-%s-exec", dir, mapping, kernels[k]);
        snprintf(args, sizeof args,
                 "schedule %s %s --set run.kernel=%s -o %s/%s.cmd.gz && %s exec %s "
                 "%s/%s.cmd.gz %s --set run.kernel=%s --out %s --quiet",
                 cfg, sets, kernels[k], dir, mapping, tu_prog(), cfg, dir, mapping, sets,
                 kernels[k], d[2 * k + 1]);
        run_ok(args);
    }
    for (int i = 0; i < 4; i++) {
        double ttft = tu_stat(d[i], "run.ttft_ps"), tpot = tu_stat(d[i], "run.tpot_ps");
        double n = tu_stat(d[i], "crit.decode_tokens");
        cr_expect_float_eq(n, 3, 0, "%s", d[i]);
        cr_expect(ttft > 0 && tpot > 0, "%s", d[i]);
        cr_expect_float_eq(phase_sum(d[i], "ttft"), ttft, 0, "%s", d[i]);
        /* run.tpot_ps is printed with 10 significant digits */
        cr_expect_float_eq(phase_sum(d[i], "decode"), tpot * n, 1e-9 * tpot * n, "%s", d[i]);
        cr_expect_float_eq(phase_sum(d[i], "total"), tu_stat(d[i], "run.total_ps"), 0, "%s",
                           d[i]);
        double slow = phase_sum(d[i], "slowest");
        cr_expect(slow >= tpot * (1 - 1e-9) && slow <= tpot * n * (1 + 1e-9), "%s: slowest %g",
                  d[i], slow);
        /* what was summed in decode is whole picoseconds */
        cr_expect_float_eq(phase_sum(d[i], "decode"), round(phase_sum(d[i], "decode")), 0);
        char p0[3000], p1[3000];
        snprintf(p0, sizeof p0, "%s/critpath.csv", d[0]);
        snprintf(p1, sizeof p1, "%s/critpath.csv", d[i]);
        char *a = tu_slurp(p0, NULL), *b = tu_slurp(p1, NULL);
        cr_assert(a && b);
        cr_expect_str_eq(a, b, "critpath.csv of %s and %s differ", d[0], d[i]);
        free(a);
        free(b);
    }
}

Test(critpath, adds_up_linear) { adds_up("linear"); }
Test(critpath, adds_up_sparsemap) { adds_up("sparsemap"); }
Test(critpath, adds_up_densemap) { adds_up("densemap"); }

/* With --trace the critical commands are on their own track: on the
 * stream of adc_bank_contention, command 1's integration, adc_wait and
 * adc. */
Test(critpath, trace_marks_the_critical_commands)
{
    char *i = put("t.ini", ini), args[2048];
    char *s = put("t.cmd", adc_stream);
    char d[700];
    snprintf(d, sizeof d, "%s/tr", dir);
    snprintf(args, sizeof args, "exec %s %s --trace --set trace.format=json --out %s --quiet", i, s, d);
    run_ok(args);
    char p[800];
    snprintf(p, sizeof p, "%s/trace.json", d);
    char *t = tu_slurp(p, NULL);
    cr_assert_not_null(t);
    cr_expect(strstr(t, "\"critical path\""), "no critical-path group");
    /* command 1's three segments: [0,100] integration, [100,120] waiting
     * for the bank, [120,140] conversion (times in us in the trace) */
    cr_expect(strstr(t, "\"name\":\"integration\",\"args\":{\"id\":1"), "%.2000s", t);
    cr_expect(strstr(t, "\"name\":\"adc_wait\",\"args\":{\"id\":1"), "%.2000s", t);
    cr_expect(strstr(t, "\"name\":\"adc\",\"args\":{\"id\":1"), "%.2000s", t);
    free(t);
    free(s);
    free(i);
}

/* With a trace the path is walked node by node; without, through the
 * checkpoints' sums (sim/critpath.c): both must give the same figures. */
Test(critpath, same_with_and_without_trace)
{
    const char *cfg = "configs/experiments/gpt2-small-densemap.ini --set run.prompt_tokens=6 "
                      "--set run.decode_tokens=3 --set run.kernel=native --quiet";
    char d0[700], d1[700], args[2048];
    snprintf(d0, sizeof d0, "%s/plain", dir);
    snprintf(d1, sizeof d1, "%s/traced", dir);
    snprintf(args, sizeof args, "run %s --out %s", cfg, d0);
    run_ok(args);
    snprintf(args, sizeof args, "run %s --trace --out %s", cfg, d1);
    run_ok(args);
    char p0[800], p1[800];
    snprintf(p0, sizeof p0, "%s/critpath.csv", d0);
    snprintf(p1, sizeof p1, "%s/critpath.csv", d1);
    char *a = tu_slurp(p0, NULL), *b = tu_slurp(p1, NULL);
    cr_assert(a && b);
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
}
