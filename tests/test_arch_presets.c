/*
 * test_arch_presets.c -- the hardware presets in configs/: every file loads
 * under the strict loader and passes config_check and chip_create;
 * default.ini is exactly the defaults; the calibrated presets reproduce
 * the published figures they were built from, computed here by the model
 * (hermes-core: about 130 ns and 12.5 nJ per 256 x 256 MVM, 10.5 TOPS/W,
 * 1.59 TOPS/mm^2; analog-fabric-512: 40 ns, 100 TOPS/W, 10.9 TOPS/mm^2 per
 * tile) within 10%.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/driver.h"
#include "arch/adc.h"
#include "arch/chip.h"
#include "arch/tile.h"
#include "sim/config.h"
#include "sim/stats.h"
#include "sim/units.h"
#include "sim/util.h"
#include "tests/testutil.h"

static char err[ERR_LEN];

static void load(config *c, const char *path, const char *const *sets)
{
    cr_assert_eq(config_load(c, path, err, sizeof err), 0, "%s", err);
    for (int i = 0; sets && sets[i]; i++)
        cr_assert_eq(config_set(c, sets[i], err, sizeof err), 0, "%s", err);
    cr_assert_eq(driver_config_check(c, err, sizeof err), 0, "%s", err);
}

static int arch_section(const char *s)
{
    static const char *const secs[] = {"tile", "adc", "cluster", "noc", "sram", "dram", "chip"};
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
        if (!strcmp(s, secs[i]))
            return 1;
    return 0;
}

Test(arch_presets, every_config_loads)
{
    glob_t g;
    cr_assert_eq(glob("configs/*.ini", 0, NULL, &g), 0, "no configs/*.ini (run from the top)");
    cr_expect_geq(g.gl_pathc, 4);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        config c;
        load(&c, g.gl_pathv[i], NULL);
        /* every hardware key is given in the file (a complete design point) */
        const param_desc *p = config_params();
        for (int k = 0; k < PARAM_COUNT; k++)
            if (arch_section(p[k].section))
                cr_expect_neq(c.line[k], 0, "%s: [%s] %s is not set", g.gl_pathv[i],
                              p[k].section, p[k].key);
        /* its header names the file */
        char *text = tu_slurp(g.gl_pathv[i], NULL);
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        char want[256];
        snprintf(want, sizeof want, "; %s -- ", base);
        cr_expect(!strncmp(text, want, strlen(want)), "%s: header does not start with '%s'",
                  g.gl_pathv[i], want);
        free(text);
        uint32_t need = c.chip.tiles > 0 ? (uint32_t)c.chip.tiles : 16;
        stats *st = stats_create();
        chip *ch = chip_create(&c, need, st, err, sizeof err);
        cr_expect_not_null(ch, "%s: %s", g.gl_pathv[i], err);
        chip_free(ch);
        stats_free(st);
        config_free(&c);
    }
    globfree(&g);
}

Test(arch_presets, default_ini_is_the_defaults)
{
    config c, d;
    load(&c, "configs/default.ini", NULL);
    config_defaults(&d);
    const param_desc *p = config_params();
    for (int k = 0; k < PARAM_COUNT; k++) {
        if (!arch_section(p[k].section))
            continue;
        char a[256], b[256];
        config_value_str(&c, k, a, sizeof a);
        config_value_str(&d, k, b, sizeof b);
        cr_expect_str_eq(a, b, "[%s] %s", p[k].section, p[k].key);
    }
    config_free(&c);
    config_free(&d);
}

/* Runs n back-to-back full-array MVMs on tile 0 (each called when the
 * previous started, as the engine does for one unit's commands). */
struct mvm_run {
    double interval_ps;  /* steady-state time per MVM */
    double e_per_mvm_pj; /* total energy (static included) / n */
    double ops_per_mvm;
    double tile_area_mm2;
    uint64_t lone_ps;    /* latency of the first MVM */
};

static struct mvm_run run_mvms(config *c, int n)
{
    struct mvm_run r;
    stats *st = stats_create();
    chip *ch = chip_create(c, 0, st, err, sizeof err);
    cr_assert_not_null(ch, "%s", err);
    tile_params tp;
    tile_params_init(&tp, c);
    uint32_t rows = (uint32_t)c->tile.rows, cols = (uint32_t)c->tile.cols;
    cmd_set rs = {.nranges = 1}, cs = {.nranges = 1};
    rs.r[0].n = rows;
    cs.r[0].n = cols;
    unsigned slices = tile_input_slices(&tp), bits = adc_bits_for(c, rows);
    uint64_t t = 0, first_end = 0, last_end = 0;
    for (int i = 0; i < n; i++) {
        tu_timing o;
        tu_act(ch, 0, &rs, &cs, slices, bits, t, &o);
        if (i == 0) {
            first_end = o.end_ps;
            r.lone_ps = o.end_ps - o.start_ps;
        }
        last_end = o.end_ps;
        t = o.start_ps;
    }
    chip_finalize(ch, last_end);
    cr_assert_eq(chip_check(ch, err, sizeof err), 0, "%s", err);
    r.interval_ps = (double)(last_end - first_end) / (n - 1);
    r.e_per_mvm_pj = stats_get(st, "energy.total_pj", NULL) / n;
    r.ops_per_mvm = 2.0 * rows * (double)cols / tile_columns_per_weight(
                        (unsigned)c->tile.weight_bits, (unsigned)c->tile.cell_bits);
    r.tile_area_mm2 = units_um2_to_mm2(stats_get(st, "area.total_um2", NULL));
    chip_free(ch);
    stats_free(st);
    return r;
}

#define WITHIN(x, want, tol) cr_expect(fabs((x) - (want)) <= (tol) * (want), \
                                       "%s = %g, published %g (tolerance %g%%)", \
                                       #x, (double)(x), (double)(want), 100.0 * (tol))

Test(arch_presets, hermes_core_reproduces_published_figures)
{
    config c;
    load(&c, "configs/hermes-core.ini", NULL);
    struct mvm_run r = run_mvms(&c, 200);
    double ns = units_ps_to_ns((uint64_t)llround(r.interval_ps));
    double nj = units_pj_to_nj(r.e_per_mvm_pj);
    double tops = r.ops_per_mvm / r.interval_ps;                /* ops per ps = TOPS */
    double tops_w = units_ops_per_pj_to_tops_per_w(r.ops_per_mvm / r.e_per_mvm_pj);
    double tops_mm2 = tops / r.tile_area_mm2;
    WITHIN(r.ops_per_mvm, 131072.0, 1e-12);
    WITHIN(ns, 130.0, 0.10);          /* Khaddam-Aljameh et al., JSSC 2022 (derived) */
    WITHIN(nj, 12.5, 0.10);
    WITHIN(tops, 1.008, 0.10);
    WITHIN(tops_w, 10.5, 0.10);
    WITHIN(tops_mm2, 1.59, 0.10);
    WITHIN(r.tile_area_mm2, 0.63, 0.10);
    /* a lone MVM: integration + CCO conversion + t_post */
    cr_expect_eq(r.lone_ps, 130000 + 76800 + 1000);
    config_free(&c);
}

Test(arch_presets, analog_fabric_tile_reproduces_projection)
{
    /* the tile alone: no cluster, buffer, DRAM, or router cost */
    config c;
    load(&c, "configs/analog-fabric-512.ini",
         (const char *[]){"chip.tiles=1", "cluster.count=0", "sram.banks=0",
                          "dram.channels=0", "noc.router_area_um2=0",
                          "noc.p_router_leak_mw=0", NULL});
    struct mvm_run r = run_mvms(&c, 200);
    double tops = r.ops_per_mvm / r.interval_ps;
    WITHIN(r.ops_per_mvm, 524288.0, 1e-12);
    WITHIN(units_ps_to_ns((uint64_t)llround(r.interval_ps)), 40.0, 0.10);   /* Jain et al. */
    WITHIN(units_ops_per_pj_to_tops_per_w(r.ops_per_mvm / r.e_per_mvm_pj), 100.0, 0.10);
    WITHIN(tops / r.tile_area_mm2, 10.9, 0.10);
    config_free(&c);
}

Test(arch_presets, isaac_like_pipeline)
{
    config c;
    load(&c, "configs/isaac-like.ini", (const char *[]){"chip.tiles=1", NULL});
    tile_params tp;
    adc_params ap;
    tile_params_init(&tp, &c);
    adc_params_init(&ap, &c);
    cr_expect_eq(tile_columns_per_weight(16, 2), 8);
    cr_expect_eq(tile_input_slices(&tp), 16);
    /* one 8-bit SAR ADC at 1.28 GS/s for 128 columns: ISAAC's 100 ns cycle */
    uint64_t round = adc_conv_ps(&ap, 8);
    cr_expect_eq(round, 781);
    uint64_t cycle = tile_act_interval_ps(&tp, 1, adc_rounds(128, 1), round);
    WITHIN((double)cycle, 100000.0, 0.01);
    WITHIN(adc_energy_pj(&ap, 8), 1.67, 1e-12);
    WITHIN(adc_area_um2(&ap, 8), 1200.0, 1e-12);
    config_free(&c);
}
