/*
 * test_exec.c -- `aimcsim exec` of a hand-written stream on a chip that
 * the configuration alone describes: no model, no mapping.
 *
 * The chip: 2 arrays, no cluster, no SRAM, no DRAM.  The configuration
 * names no model, so the default one (GPT-2 small, 1887 arrays) stands:
 * had exec built its mapping, 2 tiles would refuse it.  Every figure below
 * is computed by hand from the parameters (docs/models.md 2.1-2.3):
 *   t_conv(b) = (b + 1) ns (SAR, 1 GHz, one extra cycle); 8 ADCs per tile;
 *   no sample-and-hold, so an activation holds its array T + C;
 *   T = t_int 100 ns (no pre, no post time).
 *   0 act tile0, 64 rows, 32 cols, 4 b: 100 + ceil(32/8) x 5 = 120 ns   [0, 120]
 *   1 act tile1 after 0, 128 rows, 17 cols, 8 b: 100 + 3 x 9 = 127 ns  [120, 247]
 *   2 act tile0, 16 rows, 8 cols, 4 b, no dependency: waits for the array
 *     until 120; 100 + 1 x 5 = 105 ns                                  [120, 225]
 *   3 mark token after 1 and 2                                         247 ns
 * Critical path of the token: it waits for 1, which completed last (247
 * ns; 2 completed at 225), and 1 for its dependency 0 (its data at 120,
 * when tile1 was free): 0's integration [0, 100] and conversion [100,
 * 120], then 1's integration [120, 220] and conversion [220, 247]; array
 * integration 200 ns, ADC conversion 20 + 27 = 47 ns, nothing else.
 * Energy: conversions 32 + 17 + 8 = 57 x 1 pJ; row drives 64 + 128 + 16 =
 * 208 x 0.5 pJ; cells read (converted columns only) 64 x 32 + 128 x 17 +
 * 16 x 8 = 4352 x 16 fJ; shift-adds 57 x 0.25 pJ.
 * Static power: 2 arrays x 0.05 mW + 2 banks x 8 ADCs x 0.01 mW + one
 * router (a 1 x 1 mesh) x 1 mW = 1.26 mW; over 247 ns, 311.22 pJ.
 * Area of the arrays: 2 x 256 x 256 cells x 1 um2.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/unit.h"
#include "tests/testutil.h"

static const char *chip_ini =
    "; two arrays and nothing else; no [model]\n"
    "[chip]\ntiles = 2\n[cluster]\ncount = 0\n[sram]\nbanks = 0\n[dram]\nchannels = 0\n"
    "[tile]\nt_int_ns = 100\nt_pre_ns = 0\nt_post_ns = 0\ne_cell_fj = 16\ne_dac_pj = 0.5\n"
    "e_sa_pj = 0.25\ngate_cols = true\ninput_mode = pwm\np_leak_mw = 0.05\ncell_area_um2 = 1\n"
    "[adc]\ncount = 8\nkind = sar\nclock_ghz = 1\nsar_extra_cyc = 1\nsample_hold = false\n"
    "model = fixed\ne_fixed_pj = 1\np_leak_mw = 0.01\n"
    "[noc]\nrouter_scaling = none\np_router_leak_mw = 1\n";

static const char *stream =
    "aimcsim-cmd 1\nunits tile=2 cluster=0 sram=0 dram=0\n"
    "tag 0 -1 other\ntag 1 0 proj\n"
    "0 act tile0 rows=0:64 cols=0:32 slices=1 bits=4 tag=1 deps=\n"
    "1 act tile1 rows=0:128 cols=0:17 slices=1 bits=8 tag=1 deps=0\n"
    "2 act tile0 rows=0:16 cols=0:8 slices=1 bits=4 tag=1 deps=\n"
    "3 mark - token value=0 tag=0 deps=1,2\n"
    "end 4\n";

static char *dir;

static void setup(void)
{
    dir = tu_mkdtemp("exec");
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(exec, .init = setup, .fini = teardown, .timeout = 60);

/* exec of the stream on the chip with extra --set arguments; the report in
 * *report (caller frees) when not NULL; the output folder is DIR/name. */
static void exec(const char *name, const char *sets, char **report)
{
    char *ini = tu_write(dir, "chip.ini", chip_ini);
    char *s = tu_write(dir, "two.cmd", stream);
    char cmd[4096], *out, *err;
    snprintf(cmd, sizeof cmd, "%s exec %s %s --out %s/%s %s", tu_prog(), ini, s, dir, name,
             sets);
    cr_assert_eq(tu_sh(cmd, &out, &err), 0, "%s: %s", cmd, err);
    free(err);
    if (report)
        *report = out;
    else
        free(out);
    free(ini);
    free(s);
}

static double st(const char *name, const char *stat)
{
    char d[1024];
    snprintf(d, sizeof d, "%s/%s", dir, name);
    return tu_stat(d, stat);
}

static void hand_computed(const char *kernel)
{
    char sets[64];
    snprintf(sets, sizeof sets, "--set run.kernel=%s", kernel);
    char *report;
    exec(kernel, sets, &report);
    cr_expect_float_eq(st(kernel, "run.total_ps"), 247000, 0);
    cr_expect_float_eq(st(kernel, "run.ttft_ps"), 247000, 0);
    cr_expect_float_eq(st(kernel, "stall.array_ps"), 120000, 0);
    cr_expect_float_eq(st(kernel, "adc.conversions"), 57, 0);
    cr_expect_float_eq(st(kernel, "energy.adc_pj"), 57, 1e-9);
    cr_expect_float_eq(st(kernel, "energy.dac_pj"), 208 * 0.5, 1e-9);
    cr_expect_float_eq(st(kernel, "energy.array_pj"), 4352 * 0.016, 1e-9);
    cr_expect_float_eq(st(kernel, "energy.periphery_pj"), 57 * 0.25, 1e-9);
    cr_expect_float_eq(st(kernel, "energy.digital_pj"), 0, 0);
    cr_expect_float_eq(st(kernel, "power.static_mw"), 1.26, 1e-12);
    cr_expect_float_eq(st(kernel, "energy.static_pj"), 311.22, 1e-9);
    cr_expect_float_eq(st(kernel, "energy.total_pj"),
                       57 + 104 + 4352 * 0.016 + 57 * 0.25 + 311.22, 1e-9);
    cr_expect_float_eq(st(kernel, "crit.ttft.array.integration_ps"), 200000, 0);
    cr_expect_float_eq(st(kernel, "crit.ttft.adc.adc_ps"), 47000, 0);
    double others = 0;
    for (int c = 0; c < CP_CATS; c++) {
        char k[128];
        snprintf(k, sizeof k, "crit.ttft.%s.%s_ps", cp_group_keys[cp_cat_group[c]],
                 cp_cat_names[c]);
        if (strcmp(k, "crit.ttft.array.integration_ps") && strcmp(k, "crit.ttft.adc.adc_ps"))
            others += st(kernel, k);
    }
    cr_expect_float_eq(others, 0, 0);
    cr_expect_float_eq(st(kernel, "area.arrays_um2"), 2 * 65536, 0);
    cr_expect_float_eq(st(kernel, "area.cluster_um2"), 0, 0);
    cr_expect_float_eq(st(kernel, "area.sram_um2"), 0, 0);
    /* no mapping: no map.* statistics, and the report says n/a */
    cr_expect(isnan(st(kernel, "map.arrays")), "a bare exec has no mapping");
    cr_expect(strstr(report, "a command stream on 2 arrays of 256x256, 8 ADCs/tile, "
                             "0 clusters, 0 SRAM banks, 0 DRAM channels"),
              "%s", report);
    cr_expect(strstr(report, "  arrays used                           n/a\n"), "%s", report);
    cr_expect(strstr(report, "  cell utilisation                      n/a\n"), "%s", report);
    free(report);
}

Test(exec, two_tile_stream_by_hand_native) { hand_computed("native"); }
Test(exec, two_tile_stream_by_hand_systemc) { hand_computed("systemc"); }

/* Static power and area follow the chip that runs the stream: with
 * [chip] tiles = 0 it has the stream's 2 arrays (the same figures), with
 * 3 one array and its 8 ADCs more: 0.05 + 8 x 0.01 mW. */
Test(exec, static_power_of_the_streams_chip_only)
{
    exec("auto", "--set chip.tiles=0", NULL);
    exec("three", "--set chip.tiles=3", NULL);
    cr_expect_float_eq(st("auto", "chip.tiles"), 2, 0);
    cr_expect_float_eq(st("auto", "power.static_mw"), 1.26, 1e-12);
    cr_expect_float_eq(st("auto", "energy.static_pj"), 311.22, 1e-9);
    cr_expect_float_eq(st("three", "chip.tiles"), 3, 0);
    cr_expect_float_eq(st("three", "power.static_mw"), 1.26 + 0.05 + 0.08, 1e-12);
    cr_expect_float_eq(st("three", "area.arrays_um2"), 3 * 65536, 0);
    /* the same run otherwise */
    cr_expect_float_eq(st("three", "run.total_ps"), 247000, 0);
    cr_expect_float_eq(st("three", "energy.adc_pj"), 57, 1e-9);
}

/* stats.json of a bare exec: provenance, no "model" block (there is none). */
Test(exec, stats_json_has_no_model)
{
    exec("j", "", NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s/j/stats.json", dir);
    char *js = tu_slurp(path, NULL);
    cr_assert_not_null(js);
    cr_expect(strstr(js, "\"schema_version\": 1,"), "%s", js);
    cr_expect(!strstr(js, "\n  \"model\": {"), "a bare exec has no model block");
    free(js);
}
