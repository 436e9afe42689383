/*
 * test_run.c -- end-to-end runs through the aimcsim program: `run`,
 * `schedule` + `exec` round trips, both kernel backends, malformed command
 * streams, output files.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

/* A tiny design point: one block of a 64-wide model, four arrays. */
static const char *tiny_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = analog\n"
    "[cluster]\ncount = 1\n"
    "[run]\nprompt_tokens = 2\ndecode_tokens = 2\nkernel = native\n";

static char *dir;

static void setup(void)
{
    dir = tu_mkdtemp("run");
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

static char *write_file(const char *name, const char *text)
{
    char *path = tu_write(dir, name, text);
    cr_assert_not_null(path);
    return path;
}

/* Runs `aimcsim ARGS`; returns the exit status; out and err optional. */
static int aimcsim(const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s", tu_prog(), args);
    return tu_sh(cmd, out, err);
}

static char *slurp2(const char *d, const char *name)
{
    char path[1500];
    snprintf(path, sizeof path, "%s/%s", d, name);
    return tu_slurp(path, NULL);
}

static double stat(const char *d, const char *name) { return tu_stat(d, name); }

TestSuite(run, .init = setup, .fini = teardown, .timeout = 120);

Test(run, tiny_run_writes_every_output)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char args[2048], *out, *err;
    snprintf(args, sizeof args, "run %s --out %s/o --trace", ini, dir);
    cr_assert_eq(aimcsim(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "Latency"), "%s", out);
    cr_expect(strstr(out, "time to first token"));
    const char *files[] = {"stats.json", "stats.csv", "projections.csv", "layers.csv",
                           "tags.csv", "trace.pftrace", "power.csv"};
    char d[700];
    snprintf(d, sizeof d, "%s/o", dir);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *t = slurp2(d, files[i]);
        cr_expect(t && strlen(t) > 10, "%s missing or empty", files[i]);
        free(t);
    }
    /* 2 prompt + 2 decode tokens: 3 tokens leave the model (the last
     * prompt token's, then one per decode step). */
    cr_expect_float_eq(stat(d, "run.tokens"), 3, 0);
    cr_expect(stat(d, "run.ttft_ps") >= stat(d, "run.prefill_ps"));
    cr_expect(stat(d, "run.total_ps") > stat(d, "run.ttft_ps"));
    cr_expect_float_eq(stat(d, "map.arrays"), 5, 0, "4 block projections + 1 LM head array");
    cr_expect_float_eq(stat(d, "cmd.retired"),
                       stat(d, "cmd.act") + stat(d, "cmd.xfer") + stat(d, "cmd.mem") +
                           stat(d, "cmd.dig") + stat(d, "cmd.sync") + stat(d, "cmd.mark"), 0);
    /* Energy parts add up to the total. */
    const char *parts[] = {"adc", "dac", "array", "periphery", "digital", "noc", "sram",
                           "dram", "program", "static"};
    double sum = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "energy.%s_pj", parts[i]);
        sum += stat(d, name);
    }
    cr_expect_float_eq(sum, stat(d, "energy.total_pj"), 1e-6 * stat(d, "energy.total_pj"));
    free(out);
    free(err);
    free(ini);
}

/* Byte comparison of two output files. */
static void expect_same_file(const char *a, const char *b, const char *name)
{
    char *x = slurp2(a, name), *y = slurp2(b, name);
    cr_assert(x && y, "%s missing", name);
    cr_expect_str_eq(x, y, "%s differs between %s and %s", name, a, b);
    free(x);
    free(y);
}

/* stats.json without its provenance block (which names the command line). */
static char *json_after_provenance(const char *d)
{
    char *j = slurp2(d, "stats.json");
    cr_assert_not_null(j);
    char *p = strstr(j, "\"config\"");
    cr_assert_not_null(p);
    char *r = strdup(p);
    free(j);
    return r;
}

Test(run, schedule_exec_round_trip_equals_run)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char args[2048], *err;
    snprintf(args, sizeof args, "run %s --out %s/r --quiet", ini, dir);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    const char *ext[] = {"cmd", "cmd.gz"};
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "schedule %s -o %s/s.%s", ini, dir, ext[i]);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        snprintf(args, sizeof args, "exec %s %s/s.%s --out %s/e%d --quiet", ini, dir, ext[i],
                 dir, i);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        char r[700], e[700];
        snprintf(r, sizeof r, "%s/r", dir);
        snprintf(e, sizeof e, "%s/e%d", dir, i);
        expect_same_file(r, e, "stats.csv");
        expect_same_file(r, e, "projections.csv");
        expect_same_file(r, e, "tags.csv");
        char *jr = json_after_provenance(r), *je = json_after_provenance(e);
        cr_expect_str_eq(jr, je);
        free(jr);
        free(je);
    }
    free(ini);
}

/* Both backends give byte-identical statistics (stats.csv has no
 * provenance; stats.json's stats block is compared too). */
static void backends_identical(const char *ini_text, const char *sets)
{
    char *ini = write_file("b.ini", ini_text);
    char args[2048], *err;
    const char *k[] = {"native", "systemc"};
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "run %s %s --set run.kernel=%s --out %s/%s --quiet", ini,
                 sets, k[i], dir, k[i]);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
    }
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/native", dir);
    snprintf(b, sizeof b, "%s/systemc", dir);
    expect_same_file(a, b, "stats.csv");
    expect_same_file(a, b, "tags.csv");
    char *ja = slurp2(a, "stats.json"), *jb = slurp2(b, "stats.json");
    cr_expect_str_eq(strstr(ja, "\"stats\""), strstr(jb, "\"stats\""));
    free(ja);
    free(jb);
    free(ini);
}

Test(run, backends_identical_tiny) { backends_identical(tiny_ini, "--set run.batch=2"); }

Test(run, backends_identical_gpt2_small)
{
    backends_identical("[model]\npreset = gpt2-small\n[transform]\nkind = monarch\n"
                       "[mapping]\nstrategy = densemap\n[adc]\ncount = 16\n",
                       "--set run.prompt_tokens=6 --set run.decode_tokens=2");
}

/* exec of a malformed stream: exit 2 and "file:line: ..." on stderr. */
static void expect_bad_stream(const char *name, const char *text, int line, const char *what)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char *s = write_file(name, text);
    char args[2048], *out, *err, want[1024];
    snprintf(args, sizeof args, "exec %s %s --out %s/bad", ini, s, dir);
    cr_expect_eq(aimcsim(args, &out, &err), 2, "%s: %s", name, err);
    snprintf(want, sizeof want, "%s:%d: ", s, line);
    cr_expect(strncmp(err, want, strlen(want)) == 0, "%s: expected '%s...', got '%s'", name,
              want, err);
    cr_expect(strstr(err, what), "%s: expected '%s' in '%s'", name, what, err);
    cr_expect_str_eq(out, "", "no report for a failed run");
    char d[700];
    snprintf(d, sizeof d, "%s/bad", dir);
    char *csv = slurp2(d, "stats.csv");
    cr_expect_null(csv, "no stats.csv presented as a result");
    free(csv);
    free(out);
    free(err);
    free(s);
    free(ini);
}

#define HDR "aimcsim-cmd 1\nunits tile=5 cluster=1 sram=64 dram=1\ntag 0 -1 t\n"

Test(run, malformed_streams)
{
    expect_bad_stream("op.cmd", HDR "0 frob tile0 tag=0 deps=\nend 1\n", 4, "frob");
    expect_bad_stream("unit.cmd",
                      HDR "0 act tile9 rows=0:8 cols=0:8 slices=1 bits=8 tag=0 deps=\nend 1\n",
                      4, "tile9");
    expect_bad_stream("cycle.cmd", HDR "0 sync - tag=0 deps=0\nend 1\n", 4, "itself");
    expect_bad_stream("missing.cmd",
                      HDR "0 sync - tag=0 deps=\n1 sync - tag=0 deps=5\nend 2\n", 5, "5");
    expect_bad_stream("dup.cmd",
                      HDR "0 sync - tag=0 deps=\n0 sync - tag=0 deps=\nend 2\n", 5, "0");
    expect_bad_stream("trunc.cmd", HDR "0 sync - tag=0 deps=\n", 5, "end");
}

/* A tag name may hold a comma or a quote (the stream format allows any
 * printable characters): tags.csv quotes it (RFC 4180), the table still
 * has its six columns. */
Test(run, tag_names_are_quoted_in_tags_csv)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char *s = write_file("q.cmd", "aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\n"
                                  "tag 0 -1 a,\"b\"\n0 dig cluster0 add m=1 n=64 k=0 tag=0 deps=\n"
                                  "end 1\n");
    char args[2048], *err;
    snprintf(args, sizeof args, "exec %s %s --out %s/o --quiet", ini, s, dir);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    char od[700];
    snprintf(od, sizeof od, "%s/o", dir);
    char *csv = slurp2(od, "tags.csv");
    cr_assert_not_null(csv);
    cr_expect(strncmp(csv, "tag,layer,commands,activations,busy_ps,energy_pj\n\"a,\"\"b\"\"\",-1,1,0,",
                      strlen("tag,layer,commands,activations,busy_ps,energy_pj\n\"a,\"\"b\"\"\",-1,1,0,")) == 0,
              "%s", csv);
    free(csv);
    free(s);
    free(ini);
}

/* With per-unit statistics a large chip starts in linear time: 100 000
 * tiles register 300 000 statistics (the registry searched every name
 * before adding one: 40 000 tiles took 13.6 s). */
Test(run, per_unit_stats_of_a_large_chip_start_fast, .timeout = 30)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char args[2048], *err;
    snprintf(args, sizeof args,
             "run %s --set chip.tiles=100000 --set chip.per_unit_stats=true --out %s/pu --quiet",
             ini, dir);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    char od[700];
    snprintf(od, sizeof od, "%s/pu", dir);
    cr_expect_eq(stat(od, "tile99999.activations"), 0.0);
    cr_expect_eq(stat(od, "chip.tiles"), 100000.0);
    free(ini);
}

Test(run, truncated_gzip_stream)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char args[2048], *err;
    snprintf(args, sizeof args, "schedule %s -o %s/s.cmd.gz", ini, dir);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "n=$(stat -c %%s %s/s.cmd.gz); head -c $((n / 2)) %s/s.cmd.gz > %s/t.cmd.gz", dir,
             dir, dir);
    cr_assert_eq(tu_sh(cmd, NULL, NULL), 0);
    snprintf(args, sizeof args, "exec %s %s/t.cmd.gz --quiet", ini, dir);
    cr_expect_eq(aimcsim(args, NULL, &err), 2, "%s", err);
    char want[700];
    snprintf(want, sizeof want, "%s/t.cmd.gz:", dir);
    cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
    free(err);
    free(ini);
}

Test(run, stream_for_a_larger_chip_is_refused)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char *s = write_file("big.cmd", "aimcsim-cmd 1\nunits tile=64 cluster=1 sram=64 dram=1\n"
                                    "tag 0 -1 t\nend 0\n");
    char args[2048], *err;
    snprintf(args, sizeof args, "exec %s %s --set chip.tiles=5 --quiet", ini, s);
    cr_expect_eq(aimcsim(args, NULL, &err), 2);
    cr_expect(strstr(err, "the stream is for 64 tiles; the chip has 5"), "%s", err);
    free(err);
    /* [chip] tiles = 0: the chip has as many arrays as the stream names */
    snprintf(args, sizeof args, "exec %s %s --quiet", ini, s);
    cr_expect_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    free(s);
    free(ini);
}

Test(run, context_overflow_is_bad_input)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char args[2048], *err;
    snprintf(args, sizeof args, "run %s --set run.prompt_tokens=8 --quiet", ini);
    cr_expect_eq(aimcsim(args, NULL, &err), 2);
    cr_expect(strstr(err, "--set run.prompt_tokens=8: [run] prompt_tokens = 8: "
                          "prompt_tokens + decode_tokens = 10 exceeds the model's context of 8 tokens"),
              "%s", err);
    free(err);
    free(ini);
}

/* Every preset and experiment in configs/ runs (a short run). */
Test(run, every_config_runs, .timeout = 300)
{
    char *out = NULL;
    cr_assert_eq(tu_sh("ls configs/*.ini configs/experiments/*.ini", &out, NULL), 0);
    int n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char args[2048], *err;
        snprintf(args, sizeof args,
                 "run %s --set run.prompt_tokens=2 --set run.decode_tokens=0 --quiet "
                 "--set run.kernel=native",
                 line);
        int rc = aimcsim(args, NULL, &err);
        /* The HERMES presets (1 and 64 cores) cannot hold GPT-2: they must say so. */
        if (strstr(line, "hermes-core") || strstr(line, "hermes-64core"))
            cr_expect(rc == 2 && strstr(err, "mapping needs"), "%s: %d %s", line, rc, err);
        else
            cr_expect_eq(rc, 0, "%s: %s", line, err);
        free(err);
        n++;
    }
    cr_expect(n >= 4);
    free(out);
}

/* Golden run: a hand-written stream on a tiny chip whose every figure is
 * computed by hand below from the parameters (docs/models.md equations):
 *   SAR ADC, 1 GHz, (bits + 1) cycles per conversion; 8 ADCs; no S&H;
 *   integration 100 ns, no pre/post time.
 *   0 act tile0, 32 cols, 4 b: 100 + ceil(32/8) x 5 = 120 ns        [0, 120]
 *   1 act tile0, 33 cols, 4 b: waits for the array until 120 (in order);
 *     100 + ceil(33/8) x 5 = 125 ns                                [120, 245]
 *   2 act tile1 after 0, 8 cols, 8 b: 100 + 1 x 9 = 109 ns         [120, 229]
 *   3 sram0 read 64 B after 2: 2 words, 2 + (2 - 1) x 1 = 3 ns     [229, 232]
 *   4 sram0 read 32 B, behind 3 on its unit (issues at 229); the bank is busy
 *     2 words x 1 ns until 231: 1 word, 2 ns                       [231, 233]
 *   5 cluster0 add of 2240 elements after 0: 100 cycles overhead +
 *     2240 / (8 cores x 4 lanes x 0.7) = 100 cycles: 200 ns        [120, 320]
 *   6 mark token after 1, 4, 5                                     320 ns
 * Dependency stalls (time at the head of its queue waiting): 2: 120 ns,
 * 3: 229 ns, 4: 0 (its predecessor issued at 229), 5: 120 ns, 6: 320 ns.
 * Energy (fixed 1 pJ ADC): conversions 32 + 33 + 8 = 73 pJ; row drives
 * 64 + 64 + 8 = 136 x 0.417 pJ; cells read (converted columns only)
 * 64x32 + 64x33 + 8x8 = 4224 x 16 fJ; shift-adds 73 x 0.021 pJ; SRAM 3 words
 * x 20.45 pJ; cluster 2240 lane ops x 1.5 pJ.
 * Critical path of the token (sim/critpath.h): the mark completes at 320 ns
 * with 5, the last of its dependencies to complete; 5 issued at 120 ns as
 * soon as 0 completed (no queue ahead of it, no cluster slot busy): 200 ns
 * of add; 0 issued at 0: 100 ns integration, then 4 rounds x 5 ns of
 * conversion.  So 100 ns integration + 20 ns ADC + 200 ns add = 320 ns. */
static const char *golden_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = analog\n"
    "[tile]\nt_int_ns = 100\nt_pre_ns = 0\nt_post_ns = 0\ne_cell_fj = 16\ne_dac_pj = 0.417\n"
    "e_sa_pj = 0.021\ngate_cols = true\ninput_mode = pwm\n"
    "[adc]\ncount = 8\nkind = sar\nclock_ghz = 1\nsar_extra_cyc = 1\nsample_hold = false\n"
    "model = fixed\ne_fixed_pj = 1\n"
    "[cluster]\ncount = 1\ncores = 8\nsimd_width = 4\neff_add = 0.7\novh_add_cyc = 100\n"
    "clock_ghz = 1\ne_lane_op_pj = 1.5\nslots = 1\n"
    "[sram]\nwidth_bytes = 32\nt_access_ns = 2\nt_cycle_ns = 1\ne_access_pj = 20.45\n"
    "[run]\nprompt_tokens = 1\ndecode_tokens = 0\n";

static const char *golden_stream =
    "aimcsim-cmd 1\nunits tile=5 cluster=1 sram=64 dram=1\n"
    "tag 0 0 h0.attn.c_attn\ntag 1 0 h0.attn.qk\ntag 2 0 h0.add_1\n"
    "0 act tile0 rows=0:64 cols=0:32 slices=1 bits=4 tag=0 deps=\n"
    "1 act tile0 rows=0:64 cols=0:33 slices=1 bits=4 tag=0 deps=\n"
    "2 act tile1 rows=0:8 cols=0:8 slices=1 bits=8 tag=1 deps=0\n"
    "3 mem sram0 read addr=0 bytes=64 tag=1 deps=2\n"
    "4 mem sram0 read addr=0 bytes=32 tag=1 deps=\n"
    "5 dig cluster0 add m=1 n=2240 k=0 tag=2 deps=0\n"
    "6 mark - token value=0 tag=2 deps=1,4,5\n"
    "end 7\n";

static void golden(const char *kernel)
{
    char *ini = write_file("golden.ini", golden_ini);
    char *s = write_file("golden.cmd", golden_stream);
    char args[2048], *err, d[700];
    snprintf(d, sizeof d, "%s/%s", dir, kernel);
    snprintf(args, sizeof args, "exec %s %s --set run.kernel=%s --out %s --quiet", ini, s,
             kernel, d);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    cr_expect_float_eq(stat(d, "run.total_ps"), 320000, 0);
    cr_expect_float_eq(stat(d, "run.ttft_ps"), 320000, 0);
    cr_expect_float_eq(stat(d, "run.tokens"), 1, 0);
    cr_expect_float_eq(stat(d, "stall.array_ps"), 120000, 0);
    cr_expect_float_eq(stat(d, "stall.adc_ps"), 0, 0);
    cr_expect_float_eq(stat(d, "stall.mem_ps"), 2000, 0);
    cr_expect_float_eq(stat(d, "stall.cluster_ps"), 0, 0);
    cr_expect_float_eq(stat(d, "stall.dep_ps"), 120000 + 229000 + 0 + 120000 + 320000, 0);
    cr_expect_float_eq(stat(d, "tile.activations"), 3, 0);
    cr_expect_float_eq(stat(d, "adc.conversions"), 73, 0);
    cr_expect_float_eq(stat(d, "energy.adc_pj"), 73.0, 1e-9);
    cr_expect_float_eq(stat(d, "energy.dac_pj"), 136 * 0.417, 1e-9);
    cr_expect_float_eq(stat(d, "energy.array_pj"), 4224 * 0.016, 1e-9);
    cr_expect_float_eq(stat(d, "energy.periphery_pj"), 73 * 0.021, 1e-9);
    cr_expect_float_eq(stat(d, "energy.sram_pj"), 3 * 20.45, 1e-9);
    cr_expect_float_eq(stat(d, "energy.digital_pj"), 2240 * 1.5, 1e-9);
    double dyn = 73 + 136 * 0.417 + 4224 * 0.016 + 73 * 0.021 + 3 * 20.45 + 2240 * 1.5;
    cr_expect_float_eq(stat(d, "energy.dynamic_by_command_pj"), dyn, 1e-9);
    /* Static: the chip's static power over the 320 ns (1 mW x 1 ps = 1e-3 pJ). */
    double st = stat(d, "power.static_mw") * 320000 * 1e-3;
    cr_expect_float_eq(stat(d, "energy.static_pj"), st, 1e-9 * st);
    /* The critical path, by category (crit.<phase>.<group>.<category>_ps) */
    const char *phase[] = {"ttft", "total"};
    for (int p = 0; p < 2; p++) {
        char k[128];
        snprintf(k, sizeof k, "crit.%s.array.integration_ps", phase[p]);
        cr_expect_float_eq(stat(d, k), 100000, 0, "%s", k);
        snprintf(k, sizeof k, "crit.%s.adc.adc_ps", phase[p]);
        cr_expect_float_eq(stat(d, k), 20000, 0, "%s", k);
        snprintf(k, sizeof k, "crit.%s.cluster.add_ps", phase[p]);
        cr_expect_float_eq(stat(d, k), 200000, 0, "%s", k);
        snprintf(k, sizeof k, "crit.%s.engine.order_ps", phase[p]);
        cr_expect_float_eq(stat(d, k), 0, 0, "%s", k);
    }
    cr_expect_float_eq(stat(d, "crit.decode_tokens"), 0, 0);
    char *cp = slurp2(d, "critpath.csv");
    cr_assert_not_null(cp);
    cr_expect(strstr(cp, "phase,group,category,time_ps,share\n"), "%s", cp);
    cr_expect(strstr(cp, "\nttft,cluster,add,200000,0.625\n"), "%s", cp);
    cr_expect(strstr(cp, "\nttft,adc,adc,20000,0.0625\n"), "%s", cp);
    cr_expect(!strstr(cp, "\ntpot,"), "no decoded token, no tpot rows: %s", cp);
    free(cp);
    char *tags = slurp2(d, "tags.csv");
    /* Per tag: commands, activations, busy (start to end), energy. */
    cr_expect(strstr(tags, "h0.attn.c_attn,0,2,2,245000,"), "%s", tags);
    cr_expect(strstr(tags, "h0.attn.qk,0,3,1,114000,"), "%s", tags);
    /* the add and the mark (which does no work) */
    cr_expect(strstr(tags, "h0.add_1,0,2,0,200000,3360\n"), "%s", tags);
    free(tags);
    free(s);
    free(ini);
}

Test(run, golden_hand_computed_native) { golden("native"); }
Test(run, golden_hand_computed_systemc) { golden("systemc"); }

/* The scheduler's stream for one token of a one-block model, counted by hand
 * from docs/scheduler.md: embed (mem, xfer, dig); ln_1 (dig); c_attn (xfer
 * in, act, xfer out on one array; KV write: per row K and V an xfer and a
 * mem); the prefill attention of a query block of one position (blocks 64
 * x 128 from the L1; one tile: a K and a V row read, mem and xfer each;
 * per head of 2: gemm, softmax, gemm, then the normalising add; a sync
 * joining the heads); add_1, ln_2, gelu, add_2 (dig each); c_proj, c_fc,
 * mlp.c_proj (xfer, act, xfer each); the prefill mark.  No LM head. */
Test(run, golden_schedule_counts)
{
    char *ini = write_file("one.ini",
                           "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\n"
                           "d_ff = 256\nvocab = 64\ncontext_tokens = 8\nlm_head = none\n"
                           "[cluster]\ncount = 1\n[run]\nprompt_tokens = 1\ndecode_tokens = 0\n");
    char args[2048], *err, d[700];
    snprintf(d, sizeof d, "%s/one", dir);
    snprintf(args, sizeof args, "run %s --out %s --quiet", ini, d);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    cr_expect_float_eq(stat(d, "cmd.act"), 4, 0);
    cr_expect_float_eq(stat(d, "cmd.xfer"), 1 + 2 + 2 + 2 + 2 + 2 + 2, 0);
    cr_expect_float_eq(stat(d, "cmd.mem"), 1 + 2 + 2, 0);
    cr_expect_float_eq(stat(d, "cmd.dig"), 1 + 1 + 2 * 4 + 4, 0);
    cr_expect_float_eq(stat(d, "cmd.sync"), 1, 0);
    cr_expect_float_eq(stat(d, "cmd.mark"), 1, 0);
    cr_expect_float_eq(stat(d, "cmd.mcast"), 0, 0);
    cr_expect_float_eq(stat(d, "cmd.retired"), 4 + 13 + 5 + 14 + 1 + 1, 0);
    cr_expect_float_eq(stat(d, "sched.attn_q_tokens"), 64, 0);
    cr_expect_float_eq(stat(d, "sched.attn_kv_tokens"), 128, 0);
    cr_expect_float_eq(stat(d, "run.tokens"), 0, 0);
    cr_expect(stat(d, "run.prefill_ps") > 0);
    /* KV cache: 2 x 1 position x 64 x 1 byte per block and sequence. */
    cr_expect_float_eq(stat(d, "sched.kv_sram_bytes"), 128, 0);
    free(ini);
}

/* Reprogramming: 4 arrays on 2 tiles (array a on tile a mod 2, arrays 0 and
 * 1 loaded before the run).  Both prompt positions are one query block:
 * c_attn (array 0) runs for both, then each position runs c_proj, c_fc,
 * mlp.c_proj (arrays 1, 2, 3).  Position 0 programs arrays 2 and 3,
 * position 1 arrays 1 (tile 1 holds 3) and 3 (tile 1 holds 1), not 2
 * (tile 0 still holds it): 4 in all, each occupying its array for t_prog
 * and costing e_prog (docs/models.md 2.4):
 *   rounds = 256 rows x 1 device x 2 iterations = 512
 *   t_prog = 512 x (50 ns pulse + 50 ns verify) = 51.2 us
 *   e_prog = 512 x (256 columns x 1 pJ per pulse + a verify read of one row:
 *            256 conversions x 1 pJ, nothing else) = 512 x 512 pJ. */
Test(run, reprogramming_puts_programs_on_the_critical_path)
{
    const char *base = "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\n"
                       "d_ff = 256\nvocab = 64\ncontext_tokens = 8\nlm_head = none\n"
                       "[tile]\nprog_devices = 1\nprog_iterations = 2\nprog_pulse_ns = 50\n"
                       "prog_verify_ns = 50\nprog_pulse_pj = 1\ne_dac_pj = 0\ne_cell_fj = 0\n"
                       "e_sa_pj = 0\ne_sh_fj = 0\n"
                       "[adc]\nmodel = fixed\ne_fixed_pj = 1\n"
                       "[cluster]\ncount = 1\n[run]\nprompt_tokens = 2\ndecode_tokens = 0\n";
    char *ini = write_file("rp.ini", base);
    char args[2048], *err, d0[700], d1[700];
    snprintf(d0, sizeof d0, "%s/all", dir);
    snprintf(d1, sizeof d1, "%s/two", dir);
    snprintf(args, sizeof args, "run %s --out %s --quiet", ini, d0);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    snprintf(args, sizeof args, "run %s --set chip.tiles=2 --out %s --quiet", ini, d1);
    cr_expect_eq(aimcsim(args, NULL, &err), 2);
    cr_expect(strstr(err, "mapping needs 4 arrays, chip has 2 (set [chip] reprogram = true"),
              "%s", err);
    free(err);
    snprintf(args, sizeof args,
             "run %s --set chip.tiles=2 --set chip.reprogram=true --out %s --quiet", ini, d1);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    cr_expect_float_eq(stat(d0, "tile.programs"), 0, 0);
    cr_expect_float_eq(stat(d1, "tile.programs"), 4, 0);
    cr_expect_float_eq(stat(d1, "energy.program_pj"), 4 * 512.0 * 512.0, 1e-6);
    /* Each token waits for at least two programmings on its path. */
    cr_expect(stat(d1, "run.total_ps") >= stat(d0, "run.total_ps") + 2 * 51200000.0,
              "%g vs %g", stat(d1, "run.total_ps"), stat(d0, "run.total_ps"));
    free(ini);
}

/* Command queues ([run] queues): a read of tag 2 behind a read of tag 1 on
 * the same SRAM bank, the first waiting 200 ns for an add.  With one queue
 * per unit the second read issues only after the first (at 200 ns; the bank
 * is busy 1 ns per 32-byte word: [201, 203]); with one queue per graph node
 * it issues at once ([0, 2]).  The mark follows the second read. */
static const char *queue_stream =
    "aimcsim-cmd 1\nunits tile=5 cluster=1 sram=64 dram=1\n"
    "tag 0 0 h0.attn.c_attn\ntag 1 0 h0.attn.qk\ntag 2 0 h0.attn.av\n"
    "0 dig cluster0 add m=1 n=2240 k=0 tag=0 deps=\n"
    "1 mem sram0 read addr=0 bytes=32 tag=1 deps=0\n"
    "2 mem sram0 read addr=64 bytes=32 tag=2 deps=\n"
    "3 mark - token value=0 tag=2 deps=2\n"
    "end 4\n";

Test(run, queues_per_unit_or_per_node)
{
    char *ini = write_file("golden.ini", golden_ini);
    char *s = write_file("queues.cmd", queue_stream);
    const char *q[] = {"unit", "block", "node"};
    const double ttft[] = {203000, 203000, 2000}; /* tags 1 and 2 share block 0 */
    for (int i = 0; i < 3; i++) {
        char args[2048], *err, d[700];
        snprintf(d, sizeof d, "%s/q-%s", dir, q[i]);
        snprintf(args, sizeof args, "exec %s %s --set run.queues=%s --out %s --quiet", ini, s,
                 q[i], d);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        cr_expect_float_eq(stat(d, "run.ttft_ps"), ttft[i], 0, "queues=%s", q[i]);
        cr_expect_float_eq(stat(d, "run.total_ps"), i < 2 ? 203000 : 202000, 0, "queues=%s", q[i]);
    }
    free(s);
    free(ini);
}

/* An ADC budget ([adc] budget, area_budget_mm2; docs/models.md 2.5): the
 * tiny model maps to 5 arrays.  budget 1000 over 5 banks: floor(200) ADCs
 * each; with share_tiles = 2, ceil(5 / 2) = 3 banks: budget 700 gives
 * floor(700 / 3) = 233 each; 100000 over 5 banks would be 20000 each, capped at the 256
 * columns; 4 cannot give 5 banks one ADC each.  Area: with the fixed area
 * model at 1000 um2 an ADC, 0.6 mm2 = 600000 um2 over 5 banks is
 * floor(600000 / (5 x 1000)) = 120 each, 600 ADCs, 0.6 mm2 of ADC area. */
Test(run, adc_budget)
{
    char *ini = write_file("budget.ini", tiny_ini);
    struct { const char *sets; double adcs; } ok[] = {
        {"--set adc.budget=1000", 5 * 200},
        {"--set adc.budget=700 --set adc.share_tiles=2", 3 * 233},
        {"--set adc.budget=100000", 5 * 256},
        {"--set adc.area_budget_mm2=0.6 --set adc.area_model=fixed --set adc.area_fixed_um2=1000",
         5 * 120},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char args[2048], *err, d[700];
        snprintf(d, sizeof d, "%s/budget%zu", dir, i);
        snprintf(args, sizeof args, "run %s %s --out %s --quiet", ini, ok[i].sets, d);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        cr_expect_float_eq(stat(d, "chip.adcs"), ok[i].adcs, 0, "%s", ok[i].sets);
    }
    char d3[700];
    snprintf(d3, sizeof d3, "%s/budget3", dir);
    cr_expect_float_eq(stat(d3, "area.adc_um2"), 600 * 1000.0, 1e-6);
    char args[2048], *err;
    snprintf(args, sizeof args, "run %s --set adc.budget=4 --quiet", ini);
    cr_expect_eq(aimcsim(args, NULL, &err), 2);
    cr_expect(strstr(err, "[adc] budget = 4: gives 5 ADC banks no ADC each"), "%s", err);
    free(err);
    free(ini);
}

/* Tie rule (docs/scheduler.md): the waiters one completion releases issue
 * oldest first.  An add [0, 200] releases two reads of one SRAM bank, in
 * queues of their own (tags 1 and 2; queues = node): 1 (64 B, 2 words)
 * issues first and takes the bank [200, 202], completing at 200 + 2 + 1 =
 * 203 ns; 2 (32 B) waits for the bank until 202, completes at 202 + 2 =
 * 204.  The token follows 1: 203 ns (newest first would give 2 the bank
 * first, [200, 201], and 1 would complete at 201 + 3 = 204). */
Test(run, waiters_released_oldest_first)
{
    char *ini = write_file("golden.ini", golden_ini);
    char *s = write_file("tie.cmd", "aimcsim-cmd 1\nunits tile=5 cluster=1 sram=64 dram=1\n"
                                    "tag 0 0 h0.attn.c_attn\ntag 1 0 h0.attn.qk\n"
                                    "tag 2 0 h0.attn.av\n"
                                    "0 dig cluster0 add m=1 n=2240 k=0 tag=0 deps=\n"
                                    "1 mem sram0 read addr=0 bytes=64 tag=1 deps=0\n"
                                    "2 mem sram0 read addr=64 bytes=32 tag=2 deps=0\n"
                                    "3 mark - token value=0 tag=1 deps=1\n"
                                    "end 4\n");
    const char *k[] = {"native", "systemc"};
    for (int i = 0; i < 2; i++) {
        char args[2048], *err, d[700];
        snprintf(d, sizeof d, "%s/tie-%s", dir, k[i]);
        snprintf(args, sizeof args, "exec %s %s --set run.queues=node --set run.kernel=%s --out %s "
                 "--quiet", ini, s, k[i], d);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        cr_expect_float_eq(stat(d, "run.ttft_ps"), 203000, 0, "%s", k[i]);
        cr_expect_float_eq(stat(d, "run.total_ps"), 204000, 0, "%s", k[i]);
    }
    free(s);
    free(ini);
}

/* Priorities (prio=, docs/command-stream.md): commands with a priority
 * wait for their unit's arbitration, the lowest priority first, ties by
 * the order they became ready.
 * Pool: a cluster of 2 slots; four fixed ops of 100 ns ready at 0 with
 * priorities 3, 1, 2, 0 (ids 0..3): 3 and 1 run [0, 100], then 2 and 0
 * [100, 200].  Token 1 follows id 3 (100 ns), token 2 id 0 (200 ns).
 * Tile: A (prio 5) runs [0, 100] on tile 0; B (prio 9) becomes ready at 10
 * (after a delay of 10 ns), C (prio 1) at 50: at 100 C goes first, [100,
 * 200], then B [200, 300].  A mark after C: 200 ns (first come, first
 * served would give 300).  Energy of the given costs: 3 x 2000 fJ of fixed
 * ops and 2 delays of 500 fJ, 7 pJ. */
Test(run, priorities_arbitrate_a_unit)
{
    char *ini = write_file("prio.ini", "[cluster]\ncount = 1\ncores = 2\nslots = 2\n"
                                        "[chip]\ntiles = 1\n");
    char *pool = write_file("pool.cmd",
                            "aimcsim-cmd 2\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -1 x\n"
                            "0 fixed cluster0 lat_ps=100000 e_fj=1000 prio=3 tag=0 deps=\n"
                            "1 fixed cluster0 lat_ps=100000 e_fj=1000 prio=1 tag=0 deps=\n"
                            "2 fixed cluster0 lat_ps=100000 e_fj=1000 prio=2 tag=0 deps=\n"
                            "3 fixed cluster0 lat_ps=100000 e_fj=1000 prio=0 tag=0 deps=\n"
                            "4 mark - token value=0 tag=0 deps=3\n"
                            "5 mark - token value=1 tag=0 deps=0\n"
                            "end 6\n");
    char *tile = write_file("tile.cmd",
                            "aimcsim-cmd 2\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -1 x\n"
                            "0 fixed tile0 lat_ps=100000 e_fj=2000 prio=5 tag=0 deps=\n"
                            "1 delay - lat_ps=10000 e_fj=500 tag=0 deps=\n"
                            "2 delay - lat_ps=50000 e_fj=500 tag=0 deps=\n"
                            "3 fixed tile0 lat_ps=100000 e_fj=2000 prio=9 tag=0 deps=1\n"
                            "4 fixed tile0 lat_ps=100000 e_fj=2000 prio=1 tag=0 deps=2\n"
                            "5 mark - token value=0 tag=0 deps=4\n"
                            "end 6\n");
    const char *k[] = {"native", "systemc"};
    for (int i = 0; i < 2; i++) {
        char args[2048], *err, d[700];
        snprintf(d, sizeof d, "%s/pool-%s", dir, k[i]);
        snprintf(args, sizeof args, "exec %s %s --set run.kernel=%s --out %s --quiet", ini, pool,
                 k[i], d);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        cr_expect_float_eq(stat(d, "run.ttft_ps"), 100000, 0, "%s", k[i]);
        cr_expect_float_eq(stat(d, "run.tpot_ps"), 100000, 0, "%s", k[i]);
        cr_expect_float_eq(stat(d, "cluster.fixed"), 4, 0);
        snprintf(d, sizeof d, "%s/tile-%s", dir, k[i]);
        snprintf(args, sizeof args, "exec %s %s --set run.kernel=%s --out %s --quiet", ini, tile,
                 k[i], d);
        cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
        free(err);
        cr_expect_float_eq(stat(d, "run.ttft_ps"), 200000, 0, "%s", k[i]);
        cr_expect_float_eq(stat(d, "run.total_ps"), 300000, 0, "%s", k[i]);
        cr_expect_float_eq(stat(d, "energy.fixed_pj"), 3 * 2.0 + 2 * 0.5, 1e-12);
        cr_expect_float_eq(stat(d, "tile.fixed"), 3, 0);
        cr_expect_float_eq(stat(d, "cmd.delay"), 2, 0);
    }
    free(tile);
    free(pool);
    free(ini);
}

/* The shipped sensitivity profile (Lammie 2026) at threshold 10 moves the
 * paper's "4 of 49" projections to the cluster: h0.attn.c_proj (768 x 768),
 * h1.mlp.c_fc and h2.mlp.c_fc (768 x 3072), h0.mlp.c_proj (3072 x 768). */
Test(run, sensitivity_profile_selects_digital_projections)
{
    char args[2048], *err, d[700];
    snprintf(d, sizeof d, "%s/prof", dir);
    snprintf(args, sizeof args,
             "run configs/experiments/gpt2-small-linear.ini --set run.prompt_tokens=2 "
             "--set run.decode_tokens=0 --set run.kernel=native "
             "--set mapping.digital_profile=configs/profiles/gpt2-small-lammie2026.txt "
             "--set mapping.digital_threshold=10 --out %s --quiet", d);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    cr_expect_float_eq(stat(d, "map.digital_projections"), 4, 0);
    cr_expect_float_eq(stat(d, "map.digital_macs_per_token"),
                       768.0 * 768 + 2 * 768.0 * 3072 + 3072.0 * 768, 0);
    char *p = slurp2(d, "projections.csv");
    cr_expect(strstr(p, "\nh0.attn.c_proj,0,digital,"), "%s", p);
    cr_expect(strstr(p, "\nh0.attn.c_attn,0,analog,"), "%s", p);
    free(p);
}

/* The power trace's columns add up to the statistics they come from. */
Test(run, power_trace_adds_up_to_the_energy_statistics)
{
    char *ini = write_file("tiny.ini", tiny_ini);
    char args[2048], *err, d[700], cmd[1500], *out;
    snprintf(d, sizeof d, "%s/pw", dir);
    snprintf(args, sizeof args, "run %s --out %s --trace --quiet --set trace.bin_ns=50", ini, d);
    cr_assert_eq(aimcsim(args, NULL, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd,
             "awk -F, 'NR == 1 { if ($3 != \"tiles_pj\" || $4 != \"adc_pj\" || $8 != \"static_pj\") exit 1; next }"
             " { for (i = 3; i <= 9; i++) s[i] += $i } END { printf \"%%.9g %%.9g %%.9g %%.9g %%.9g %%.9g %%.9g\", "
             "s[3], s[4], s[5], s[6], s[7], s[8], s[9] }' %s/power.csv", d);
    cr_assert_eq(tu_sh(cmd, &out, NULL), 0, "power.csv header");
    double v[7];
    cr_assert_eq(sscanf(out, "%lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4],
                        &v[5], &v[6]), 7, "%s", out);
    free(out);
    double rel = 1e-6;
    cr_expect_float_eq(v[0], stat(d, "energy.dac_pj") + stat(d, "energy.array_pj") +
                                 stat(d, "energy.periphery_pj") + stat(d, "energy.program_pj"),
                       rel * v[6]);
    cr_expect_float_eq(v[1], stat(d, "energy.adc_pj"), rel * v[6]);
    cr_expect_float_eq(v[2], stat(d, "energy.noc_pj"), rel * v[6]);
    cr_expect_float_eq(v[3], stat(d, "energy.sram_pj") + stat(d, "energy.dram_pj"), rel * v[6]);
    cr_expect_float_eq(v[4], stat(d, "energy.digital_pj"), rel * v[6]);
    cr_expect_float_eq(v[5], stat(d, "energy.static_pj"), rel * v[6]);
    cr_expect_float_eq(v[6], stat(d, "energy.total_pj"), rel * v[6]);
    free(ini);
}
