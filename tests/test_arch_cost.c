/*
 * test_arch_cost.c -- the pure cost functions of arch/: ADC, tile, cluster,
 * NoC, memories.  Every expected value is computed by hand here from
 * reference/constants.md and the equations of docs/models.md, with the
 * rounding edge cases (ceil at a = N, N + 1, 1).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "tools/driver.h"
#include "arch/adc.h"
#include "arch/chip.h"
#include "arch/cluster.h"
#include "arch/mem.h"
#include "arch/noc.h"
#include "arch/tile.h"
#include "sim/config.h"
#include "sim/util.h"

static char err[ERR_LEN];

/* Defaults with "sec.key=value" overrides applied and checked. */
static void mkcfg(config *c, const char *const *sets)
{
    config_defaults(c);
    for (int i = 0; sets && sets[i]; i++)
        cr_assert_eq(config_set(c, sets[i], err, sizeof err), 0, "%s", err);
    cr_assert_eq(driver_config_check(c, err, sizeof err), 0, "%s", err);
}

#define REL(a, b, tol) cr_expect(fabs((double)(a) - (double)(b)) <= (tol) * fabs((double)(b)), \
                                 "%s = %.10g, expected %.10g", #a, (double)(a), (double)(b))

/* ---- ADC ----------------------------------------------------------------- */

static adc_params adc_of(const char *const *sets)
{
    config c;
    adc_params p;
    mkcfg(&c, sets);
    adc_params_init(&p, &c);
    config_free(&c);
    return p;
}

Test(arch_adc, bits_for_rows)
{
    cr_expect_eq(adc_bits_for_rows(256, 1, 8), 8);
    cr_expect_eq(adc_bits_for_rows(257, 1, 8), 8);   /* 9, clipped */
    cr_expect_eq(adc_bits_for_rows(257, 1, 16), 9);
    cr_expect_eq(adc_bits_for_rows(255, 1, 16), 8);
    cr_expect_eq(adc_bits_for_rows(32, 1, 8), 5);    /* SparseMap, b = 32 */
    cr_expect_eq(adc_bits_for_rows(8, 1, 8), 3);     /* DenseMap */
    cr_expect_eq(adc_bits_for_rows(1, 1, 8), 1);     /* log2(1) = 0 -> min */
    cr_expect_eq(adc_bits_for_rows(4, 3, 8), 3);
    cr_expect_eq(adc_bits_for_rows(2, 1, 8), 1);
    cr_expect_eq(adc_bits_for_rows(3, 1, 8), 2);
}

Test(arch_adc, bits_for_config)
{
    config c;
    mkcfg(&c, (const char *[]){"adc.bits=6", NULL});
    cr_expect_eq(adc_bits_for(&c, 32), 6);
    cr_expect_eq(adc_design_bits(&c), 6);
    config_free(&c);
    mkcfg(&c, (const char *[]){"adc.derive_bits=true", "adc.bits_min=3", "adc.bits_max=7", NULL});
    cr_expect_eq(adc_bits_for(&c, 32), 5);
    cr_expect_eq(adc_bits_for(&c, 2), 3);
    cr_expect_eq(adc_bits_for(&c, 256), 7);
    cr_expect_eq(adc_design_bits(&c), 7);
    config_free(&c);
}

Test(arch_adc, rounds)
{
    cr_expect_eq(adc_rounds(256, 256), 1);
    cr_expect_eq(adc_rounds(16, 16), 1);   /* a = N */
    cr_expect_eq(adc_rounds(17, 16), 2);   /* a = N + 1 */
    cr_expect_eq(adc_rounds(1, 16), 1);    /* a = 1 */
    cr_expect_eq(adc_rounds(256, 16), 16);
    cr_expect_eq(adc_rounds(0, 4), 0);
    cr_expect_eq(adc_rounds(5, 1), 5);
}

Test(arch_adc, conversion_time)
{
    adc_params p = adc_of((const char *[]){"adc.kind=sar", "adc.clock_ghz=1", NULL});
    cr_expect_eq(adc_conv_ps(&p, 8), 9000);   /* (8 + 1) x 1000 ps */
    cr_expect_eq(adc_conv_ps(&p, 1), 2000);
    p = adc_of((const char *[]){"adc.kind=sar", "adc.clock_ghz=11.52", NULL});
    cr_expect_eq(adc_conv_ps(&p, 8), 781);    /* 9 / 11.52 GHz = 781.25 ps */
    cr_expect_eq(adc_conv_ps(&p, 4), 434);    /* 5 / 11.52 GHz = 434.03 ps */
    p = adc_of((const char *[]){"adc.kind=sar", "adc.sar_extra_cyc=2", "adc.clock_ghz=2", NULL});
    cr_expect_eq(adc_conv_ps(&p, 6), 4000);   /* MNSIM (b + 2) / f */
    p = adc_of((const char *[]){"adc.kind=cco", "adc.t_lsb_ps=300", NULL});
    cr_expect_eq(adc_conv_ps(&p, 8), 76800);  /* 256 x 300 ps */
    cr_expect_eq(adc_conv_ps(&p, 3), 2400);
    p = adc_of((const char *[]){"adc.kind=ramp", "adc.t_lsb_ps=300", NULL});
    cr_expect_eq(adc_conv_ps(&p, 5), 9600);
}

Test(arch_adc, energy_isaac_table)
{
    adc_params p = adc_of((const char *[]){"adc.model=isaac", NULL});
    REL(adc_energy_pj(&p, 4), 0.79, 1e-12);
    REL(adc_energy_pj(&p, 8), 1.67, 1e-12);
    REL(adc_energy_pj(&p, 10), 2.38, 1e-12);
    REL(adc_energy_pj(&p, 9), sqrt(1.67 * 2.38), 1e-12);         /* geometric mean */
    REL(adc_energy_pj(&p, 3), 0.79 * 0.79 / 0.99, 1e-12);        /* first segment's ratio */
    REL(adc_energy_pj(&p, 1), 0.79 * pow(0.79 / 0.99, 3), 1e-12);
    REL(adc_energy_pj(&p, 12), 2.38 * 2.38 / 1.67, 1e-12);       /* last segment's ratio */
}

Test(arch_adc, energy_other_models)
{
    adc_params p = adc_of((const char *[]){"adc.model=puma", NULL});
    REL(adc_energy_pj(&p, 6), 0.88, 1e-12);
    REL(adc_energy_pj(&p, 7), sqrt(0.88 * 1.56), 1e-12);
    p = adc_of((const char *[]){"adc.model=neurosim", NULL});
    REL(adc_energy_pj(&p, 6), 0.053, 1e-12);
    REL(adc_energy_pj(&p, 8), 0.078, 1e-12);
    p = adc_of((const char *[]){"adc.model=zigzag", NULL});
    REL(adc_energy_pj(&p, 4), (100.0 * 4 + 0.001 * 256) * 0.81 * 1e-3, 1e-12);
    REL(adc_energy_pj(&p, 8), (100.0 * 8 + 0.001 * 65536) * 0.81 * 1e-3, 1e-12);
    cr_expect(fabs(adc_energy_pj(&p, 4) - 0.32) < 0.005);   /* the constants.md row */
    cr_expect(fabs(adc_energy_pj(&p, 8) - 0.70) < 0.005);
    p = adc_of((const char *[]){"adc.model=fixed", "adc.e_fixed_pj=3.5", NULL});
    REL(adc_energy_pj(&p, 3), 3.5, 1e-12);
    REL(adc_energy_pj(&p, 11), 3.5, 1e-12);
}

/* An ADC sampling at exactly 1 GS/s at `bits`: a SAR of `bits` cycles of a
 * `bits` GHz clock. */
static adc_params adc_1gsps(double tech_nm, unsigned bits)
{
    adc_params p = adc_of((const char *[]){"adc.kind=sar", "adc.sar_extra_cyc=0", NULL});
    p.adc.model = ADC_E_MURMANN;
    p.adc.area_model = ADC_A_MURMANN;
    p.adc.tech_nm = tech_nm;
    p.adc.clock_ghz = bits;
    cr_assert_eq(adc_conv_ps(&p, bits), 1000);
    return p;
}

Test(arch_adc, energy_and_area_murmann_plugin_points)
{
    /* The Accelergy ADC plug-in's current revision at 1 GS/s per ADC, as
     * reference/constants.md tabulates it (its formula evaluated): 32 nm
     * 0.924 / 0.936 / 1.714 / 13.9 pJ and 4964 / 4984 / 5972 um^2 at 4 / 5 /
     * 8 / 10 bits; 22 nm 0.456 / 0.462 / 0.846 pJ at 4 / 5 / 8 bits (and
     * 6.89 pJ at 10 bits; areas 2771 / 2782 / 3334 / 6242 um^2).  Within 1%. */
    static const struct {
        double tech;
        unsigned bits;
        double e_pj, a_um2;
    } pt[] = {
        {32, 4, 0.924, 4964},  {32, 5, 0.936, 4984},  {32, 8, 1.714, 5972},
        {32, 10, 13.9, 11180}, {22, 4, 0.456, 2771},  {22, 5, 0.462, 2782},
        {22, 8, 0.846, 3334},  {22, 10, 6.89, 6242},
    };
    for (size_t i = 0; i < sizeof pt / sizeof pt[0]; i++) {
        adc_params p = adc_1gsps(pt[i].tech, pt[i].bits);
        REL(adc_energy_pj(&p, pt[i].bits), pt[i].e_pj, 0.01);
        REL(adc_area_um2(&p, pt[i].bits), pt[i].a_um2, 0.01);
    }
    /* 3 bits: an extrapolation (the plug-in refuses b < 4): 1.09 pJ */
    adc_params p = adc_1gsps(32, 3);
    REL(adc_energy_pj(&p, 3), 1.09, 0.01);
    cr_expect(adc_extrapolated(&p, 3));
    cr_expect(!adc_extrapolated(&p, 4));
    /* Below the rate knee the cap binds: 8 bits cost the same at 13 MS/s
     * (a 300 ps/LSB CCO) as at 1 GS/s; the area shrinks as f^0.181. */
    adc_params q = adc_of((const char *[]){"adc.kind=cco", "adc.t_lsb_ps=300", NULL});
    p = adc_1gsps(32, 8);
    REL(adc_energy_pj(&q, 8), adc_energy_pj(&p, 8), 1e-12);
    REL(adc_area_um2(&q, 8), adc_area_um2(&p, 8) * pow(1e12 / 76800.0 / 1e9, 0.18071538424508238),
        1e-9);
    /* Above the knee the rate line binds: 10 GS/s at 8 bits, 7.51 pJ */
    p.adc.clock_ghz = 80;
    REL(adc_energy_pj(&p, 8), 7.51, 0.01);
}

Test(arch_adc, energy_murmann2022_unchanged)
{
    adc_params p = adc_of((const char *[]){"adc.model=murmann2022", NULL});
    /* E = 1 / (2 10^((FOM - SNDR) / 10)) J, SNDR = 6.02 b + 1.76 dB,
     * FOM = 168.85 dB: the superseded plug-in revision, as before. */
    REL(adc_energy_pj(&p, 4), 0.0025, 0.01);
    REL(adc_energy_pj(&p, 6), 0.040, 0.01);
    REL(adc_energy_pj(&p, 8), 0.64, 0.01);
    REL(adc_energy_pj(&p, 10), 10.2, 0.01);
    double e8 = 1e12 / (2.0 * pow(10.0, (168.85 - (6.02 * 8 + 1.76)) / 10.0));
    REL(adc_energy_pj(&p, 8), e8, 1e-12);
    /* 6.02 dB per bit: x 4.0 per bit */
    REL(adc_energy_pj(&p, 7) / adc_energy_pj(&p, 6), pow(10.0, 0.602), 1e-12);
}

Test(arch_adc, area_models)
{
    adc_params p = adc_of((const char *[]){"adc.area_model=isaac", NULL});
    REL(adc_area_um2(&p, 8), 1200, 1e-12);
    REL(adc_area_um2(&p, 4), 361, 1e-12);
    REL(adc_area_um2(&p, 5), sqrt(361.0 * 627.0), 1e-12);
    REL(adc_area_um2(&p, 12), 3002.0 * 3002.0 / 1200.0, 1e-12);
    p = adc_of((const char *[]){"adc.area_model=zigzag", NULL});
    REL(adc_area_um2(&p, 4), pow(10.0, -0.0369 * 4 + 1.206) * 16, 1e-12);
    cr_expect(fabs(adc_area_um2(&p, 4) - 183) < 0.5);
    cr_expect(fabs(adc_area_um2(&p, 6) - 618) < 0.5);
    p = adc_of((const char *[]){"adc.area_model=fixed", "adc.area_fixed_um2=777", NULL});
    REL(adc_area_um2(&p, 3), 777, 1e-12);
}

Test(arch_adc, area_murmann2022_unchanged)
{
    /* A SAR at (b + 1) cycles of a (b + 1) GHz clock samples at exactly
     * 1 GS/s: the old table at 32 nm, 1 GS/s. */
    adc_params p = adc_of((const char *[]){"adc.area_model=murmann2022", "adc.kind=sar",
                                           "adc.clock_ghz=9", NULL});
    REL(adc_area_um2(&p, 8), 2279, 1e-12);
    p.adc.clock_ghz = 5;
    REL(adc_area_um2(&p, 4), 372, 1e-12);
    p.adc.clock_ghz = 7;
    REL(adc_area_um2(&p, 6), 921, 1e-12);
    p.adc.clock_ghz = 6;   /* 5 bits: between the 4- and 6-bit points */
    REL(adc_area_um2(&p, 5), sqrt(372.0 * 921.0), 1e-12);
    /* tech^0.993 and f^0.181 scaling */
    p.adc.clock_ghz = 9;
    p.adc.tech_nm = 16;
    REL(adc_area_um2(&p, 8), 2279 * pow(0.5, 0.993), 1e-12);
    p.adc.tech_nm = 32;
    p.adc.kind = ADC_CCO;
    p.adc.t_lsb_ps = 300;  /* 76.8 ns: 13.02 MS/s */
    REL(adc_area_um2(&p, 8), 2279 * pow(1e3 / 76800.0, 0.181), 1e-12);
}

Test(arch_adc, model_names_match_params)
{
    int im = config_find("adc", "model"), ia = config_find("adc", "area_model");
    for (int m = 0; m < ADC_E_MODELS; m++)
        cr_expect_str_eq(adc_model_name((enum adc_model)m), config_enum_name(im, m));
    for (int m = 0; m < ADC_A_MODELS; m++)
        cr_expect_str_eq(adc_area_model_name((enum adc_area_model)m), config_enum_name(ia, m));
}

Test(arch_adc, enum_order_matches_params)
{
    /* the C enums are indices into the INI choices (arch/params.def) */
    int kind = config_find("adc", "kind"), mode = config_find("tile", "input_mode"),
        place = config_find("chip", "placement");
    cr_expect_str_eq(config_enum_name(kind, ADC_SAR), "sar");
    cr_expect_str_eq(config_enum_name(kind, ADC_RAMP), "ramp");
    cr_expect_str_eq(config_enum_name(kind, ADC_CCO), "cco");
    cr_expect_str_eq(config_enum_name(mode, TILE_PWM), "pwm");
    cr_expect_str_eq(config_enum_name(mode, TILE_BITSERIAL), "bitserial");
    cr_expect_str_eq(config_enum_name(place, CHIP_PLACE_ROWMAJOR), "rowmajor");
    cr_expect_str_eq(config_enum_name(place, CHIP_PLACE_INTERLEAVED), "interleaved");
}

/* ---- tile ------------------------------------------------------------------ */

Test(arch_tile, columns_per_weight)
{
    cr_expect_eq(tile_columns_per_weight(8, 8), 1);
    cr_expect_eq(tile_columns_per_weight(16, 2), 8);   /* ISAAC */
    cr_expect_eq(tile_columns_per_weight(8, 3), 3);
    cr_expect_eq(tile_columns_per_weight(8, 4), 2);
    cr_expect_eq(tile_columns_per_weight(1, 4), 1);
}

static tile_params tile_of(const char *const *sets)
{
    config c;
    tile_params t;
    mkcfg(&c, sets);
    tile_params_init(&t, &c);
    config_free(&c);
    return t;
}

Test(arch_tile, input_slices)
{
    tile_params t = tile_of(NULL);
    cr_expect_eq(tile_input_slices(&t), 1);
    t = tile_of((const char *[]){"tile.input_mode=bitserial", "tile.dac_bits=1", NULL});
    cr_expect_eq(tile_input_slices(&t), 8);
    t = tile_of((const char *[]){"tile.input_mode=bitserial", "tile.dac_bits=3", NULL});
    cr_expect_eq(tile_input_slices(&t), 3);   /* ceil(8 / 3) */
}

Test(arch_tile, latency_pwm_hermes_like)
{
    /* T = 2 + 128 ns, C = 1 x 76.8 ns, t_post 1 ns */
    tile_params t = tile_of(NULL);
    cr_expect_eq(tile_act_latency_ps(&t, 1, 1, 76800), 130000 + 76800 + 1000);
    cr_expect_eq(tile_act_interval_ps(&t, 1, 1, 76800), 130000);   /* S&H: max(T, C) */
    t.adc.sample_hold = 0;
    cr_expect_eq(tile_act_latency_ps(&t, 1, 1, 76800), 130000 + 76800 + 1000);
    cr_expect_eq(tile_act_interval_ps(&t, 1, 1, 76800), 206800);
}

Test(arch_tile, latency_bitserial_rounds)
{
    /* 8 slices, T = 10 ns, SAR 8 bits at 1 GHz: t_conv = 9 ns; N = 16 */
    tile_params t = tile_of((const char *[]){"tile.input_mode=bitserial", "tile.t_int_ns=10",
                                             "tile.t_pre_ns=0", "tile.t_post_ns=0",
                                             "adc.count=16", NULL});
    uint64_t tc = 9000;
    uint32_t r16 = adc_rounds(16, 16), r17 = adc_rounds(17, 16), r1 = adc_rounds(1, 16),
             r256 = adc_rounds(256, 16);
    /* sample-and-hold: T + 7 max(T, C) + C */
    cr_expect_eq(tile_act_latency_ps(&t, 8, r16, tc), 10000 + 7 * 10000 + 9000);
    cr_expect_eq(tile_act_latency_ps(&t, 8, r1, tc), 10000 + 7 * 10000 + 9000);
    cr_expect_eq(tile_act_latency_ps(&t, 8, r17, tc), 10000 + 7 * 18000 + 18000);
    cr_expect_eq(tile_act_latency_ps(&t, 8, r256, tc), 10000 + 7 * 144000 + 144000);
    /* no sample-and-hold: 8 (T + C) */
    t.adc.sample_hold = 0;
    cr_expect_eq(tile_act_latency_ps(&t, 8, r16, tc), 8 * 19000);
    cr_expect_eq(tile_act_latency_ps(&t, 8, r17, tc), 8 * 28000);
    cr_expect_eq(tile_act_latency_ps(&t, 8, r256, tc), 8 * 154000);
    cr_expect_eq(tile_act_latency_ps(&t, 8, 0, tc), 8 * 10000);   /* nothing converted */
}

Test(arch_tile, counts_and_energy)
{
    tile_params t = tile_of((const char *[]){"tile.e_cell_fj=10", "tile.e_dac_pj=0.5",
                                             "tile.e_sa_pj=0.02", "tile.e_sh_fj=2", NULL});
    tile_act_counts n;
    tile_act_energy e;
    tile_act_count(&t, 100, 40, 2, &n);
    cr_expect_eq(n.row_drives, 200);
    cr_expect_eq(n.cell_reads, 100 * 40 * 2);
    cr_expect_eq(n.conversions, 80);
    cr_expect_eq(n.sh_samples, 80);
    cr_expect_eq(n.sa_ops, 80);
    tile_act_energy_of(&t, &n, 1.5, &e);
    REL(e.array_pj, 8000 * 0.010, 1e-12);
    REL(e.dac_pj, 200 * 0.5, 1e-12);
    REL(e.adc_pj, 80 * 1.5, 1e-12);
    REL(e.periph_pj, 80 * 0.02 + 80 * 0.002, 1e-12);
    t.tile.gate_cols = 0;
    t.adc.sample_hold = 0;
    tile_act_count(&t, 100, 40, 2, &n);
    cr_expect_eq(n.cell_reads, 100 * 256 * 2);   /* every column of a driven row */
    cr_expect_eq(n.sh_samples, 0);
}

Test(arch_tile, area)
{
    tile_params t = tile_of((const char *[]){"tile.cell_area_um2=2", "tile.dac_area_um2=3",
                                             "tile.sh_area_um2=0.5", "tile.periph_area_um2=100",
                                             NULL});
    REL(tile_array_area_um2(&t), 65536 * 2.0, 1e-12);
    REL(tile_dac_area_um2(&t), 256 * 3.0, 1e-12);
    REL(tile_periph_area_um2(&t), 256 * 0.5 + 100, 1e-12);
}

/* ---- cluster ----------------------------------------------------------------- */

static cluster_params cluster_of(const char *const *sets)
{
    config c;
    cluster_params p;
    mkcfg(&c, sets);
    cluster_params_init(&p, &c);
    config_free(&c);
    return p;
}

/* Defaults: 8 cores x 4 lanes = 32 lanes; elementwise efficiency 0.8
 * (25.6 lane ops a cycle); matrix engine 48 FMA x 0.99 = 47.52 a cycle for
 * 12 rows or more, that times m / 12 below; cores 32 x 0.8 = 25.6 FMAs;
 * overheads 50 cycles (permute, embed 30); row tail 50 cycles per pass;
 * exp 40 lane ops. */
Test(arch_cluster, gemm_matrix_engine)
{
    cluster_params p = cluster_of(NULL);
    cluster_op_cost c;
    /* 4 rows: the engine gives 47.52 x 4 / 12 = 15.84 < 25.6: the cores
     * run it, 16384 / 25.6 = 640 */
    cluster_op(&p, DIG_GEMM, 4, 64, 64, &c);
    cr_expect_eq(c.me_fmas, 0);
    cr_expect_eq(c.lane_ops, 16384);
    cr_expect_eq(c.footprint_bytes, (4 * 64 + 64 * 64 + 4 * 64) * 2);
    cr_expect_eq(c.streamed, 0);
    cr_expect_eq(c.cycles, 50 + 640);
    /* 12 rows: the engine, 49152 / 47.52 = 1034.3 */
    cluster_op(&p, DIG_GEMM, 12, 64, 64, &c);
    cr_expect_eq(c.me_fmas, 49152);
    cr_expect_eq(c.lane_ops, 0);
    cr_expect_eq(c.cycles, 50 + 1035);
    /* exact multiple: 12 x 48 x 99 = 57024 / 47.52 = 1200, not 1201 */
    cluster_op(&p, DIG_GEMM, 12, 48, 99, &c);
    cr_expect_eq(c.cycles, 50 + 1200);
    /* one row of 768 x 768 on the cores: 589824 / 25.6 = 23040; footprint
     * (768 + 589824 + 768) x 2 = 1182720 > 128 KiB: streamed, 18480 DMA
     * cycles, fewer than the compute's */
    cluster_op(&p, DIG_GEMM, 1, 768, 768, &c);
    cr_expect_eq(c.lane_ops, 589824);
    cr_expect_eq(c.streamed, 1);
    cr_expect_eq(c.dma_bytes, 1182720);
    cr_expect_eq(c.cycles, 50 + 23040);
    cr_expect_eq(cluster_cycles_ps(&p, c.cycles), 23090000);
    p.cluster.l1_bytes = 2 * 1024 * 1024;
    cluster_op(&p, DIG_GEMM, 1, 768, 768, &c);
    cr_expect_eq(c.dma_bytes, 0);
    cr_expect_eq(c.cycles, 50 + 23040);
}

Test(arch_cluster, gemm_cores_and_slots)
{
    cluster_params p = cluster_of((const char *[]){"cluster.matrix_engine=false", NULL});
    cluster_op_cost c;
    cluster_op(&p, DIG_GEMM, 24, 64, 64, &c);   /* 98304 / 25.6 = 3840 */
    cr_expect_eq(c.lane_ops, 98304);
    cr_expect_eq(c.me_fmas, 0);
    cr_expect_eq(c.cycles, 50 + 3840);
    p = cluster_of((const char *[]){"cluster.slots=2", NULL});
    /* half of everything: cores 12.8, engine 23.76 (x 4 / 12 = 7.92) */
    cluster_op(&p, DIG_GEMM, 4, 64, 64, &c);    /* 16384 / 12.8 = 1280 */
    cr_expect_eq(c.lane_ops, 16384);
    cr_expect_eq(c.cycles, 50 + 1280);
    cluster_op(&p, DIG_GEMM, 24, 64, 64, &c);   /* 98304 / 23.76 = 4137.4 */
    cr_expect_eq(c.me_fmas, 98304);
    cr_expect_eq(c.cycles, 50 + 4138);
}

Test(arch_cluster, vector_ops)
{
    cluster_params p = cluster_of(NULL);
    cluster_op_cost c;
    /* layernorm: 8 lane ops per element, two row tails */
    cluster_op(&p, DIG_LAYERNORM, 1, 768, 0, &c);   /* 6144 / 25.6 = 240; 2 x 50 */
    cr_expect_eq(c.lane_ops, 768 * 8);
    cr_expect_eq(c.cycles, 50 + 100 + 240);
    cluster_op(&p, DIG_LAYERNORM, 16, 768, 0, &c);  /* 3840; 16 rows on 8 cores: 2 x 2 x 50 */
    cr_expect_eq(c.cycles, 50 + 200 + 3840);
    /* softmax: 4 + 40 per element: 540672 / 25.6 = 21120; 12 rows: 2 x 2 x 50 */
    cluster_op(&p, DIG_SOFTMAX, 12, 1024, 0, &c);
    cr_expect_eq(c.lane_ops, 12 * 1024 * 44);
    cr_expect_eq(c.sfu_ops, 0);
    cr_expect_eq(c.cycles, 50 + 200 + 21120);
    cluster_op(&p, DIG_GELU, 1, 3072, 0, &c);       /* 6 + 40: 141312 / 25.6 = 5520 */
    cr_expect_eq(c.lane_ops, 3072 * 46);
    cr_expect_eq(c.cycles, 50 + 5520);
    cluster_op(&p, DIG_ADD, 1, 768, 0, &c);         /* 768 / 25.6 = 30 */
    cr_expect_eq(c.cycles, 50 + 30);
    cluster_op(&p, DIG_REDUCE, 1, 768, 4, &c);      /* 3 x 768 / 25.6 = 90 */
    cr_expect_eq(c.lane_ops, 3 * 768);
    cr_expect_eq(c.cycles, 50 + 90);
    cluster_op(&p, DIG_PERMUTE, 0, 1000, 0, &c);    /* 2000 B / (64 x 0.8) = 39.06 */
    cr_expect_eq(c.dma_bytes, 2000);
    cr_expect_eq(c.cycles, 30 + 40);
    cluster_op(&p, DIG_EMBED, 4, 768, 0, &c);       /* DMA 6144 / 64 = 96; adds 3072 / 25.6 = 120 */
    cr_expect_eq(c.dma_bytes, 4 * 768 * 2);
    cr_expect_eq(c.cycles, 30 + 120);
    /* argmax over GPT-2's vocabulary: 2 x 50257 / 25.6 = 3926.3; one tail */
    cluster_op(&p, DIG_ARGMAX, 1, 50257, 0, &c);
    cr_expect_eq(c.lane_ops, 2 * 50257);
    cr_expect_eq(c.streamed, 0);
    cr_expect_eq(c.cycles, 50 + 50 + 3927);
    cluster_op(&p, DIG_ADD, 0, 0, 0, &c);
    cr_expect_eq(c.cycles, 50);
}

/* A special-function unit takes the exps and tanhs off the lanes: they
 * run beside the rest, the slower of the two setting the time. */
Test(arch_cluster, special_function_unit)
{
    cluster_params p = cluster_of((const char *[]){"cluster.sfu_elems_cyc=8", NULL});
    cluster_op_cost c;
    /* softmax 12 x 1024: lanes 4 x 12288 / 25.6 = 1920, SFU 12288 / 8 = 1536 */
    cluster_op(&p, DIG_SOFTMAX, 12, 1024, 0, &c);
    cr_expect_eq(c.lane_ops, 12 * 1024 * 4);
    cr_expect_eq(c.sfu_ops, 12 * 1024);
    cr_expect_eq(c.cycles, 50 + 200 + 1920);
    /* gelu 3072: lanes 6 x 3072 / 25.6 = 720, SFU 3072 / 8 = 384 */
    cluster_op(&p, DIG_GELU, 1, 3072, 0, &c);
    cr_expect_eq(c.cycles, 50 + 720);
    /* a slow unit sets the time: 3072 / 2 = 1536 */
    p.cluster.sfu_elems_cyc = 2;
    cluster_op(&p, DIG_GELU, 1, 3072, 0, &c);
    cr_expect_eq(c.cycles, 50 + 1536);
}

Test(arch_cluster, energy)
{
    cluster_params p = cluster_of((const char *[]){"cluster.e_lane_op_pj=2",
                                                   "cluster.e_me_fma_pj=0.25",
                                                   "cluster.e_dma_byte_pj=0.125",
                                                   "cluster.e_sfu_op_pj=3", NULL});
    cluster_op_cost c = {.lane_ops = 10, .me_fmas = 100, .dma_bytes = 8, .sfu_ops = 4};
    REL(cluster_op_energy_pj(&p, &c), 20 + 25 + 1 + 12, 1e-12);
}

/* ---- NoC --------------------------------------------------------------------- */

static noc_params noc_of(void)
{
    config c;
    noc_params p;
    mkcfg(&c, NULL);
    noc_params_init(&p, &c);
    config_free(&c);
    p.width = 4;
    p.height = 3;
    return p;
}

Test(arch_noc, hops_and_size)
{
    cr_expect_eq(noc_hops(4, 0, 11), 5);   /* (0,0) -> (3,2) */
    cr_expect_eq(noc_hops(4, 5, 4), 1);
    cr_expect_eq(noc_hops(4, 7, 7), 0);
    cr_expect_eq(noc_hops(4, 11, 0), 5);
    cr_expect_eq(noc_link_count(4, 3), 2 * 3 * 3 + 2 * 4 * 2);
    cr_expect_eq(noc_link_count(1, 1), 0);
    uint32_t w, h;
    noc_auto_size(1, &w, &h);
    cr_expect(w == 1 && h == 1);
    noc_auto_size(10, &w, &h);
    cr_expect(w == 4 && h == 3);
    noc_auto_size(16, &w, &h);
    cr_expect(w == 4 && h == 4);
    noc_auto_size(17, &w, &h);
    cr_expect(w == 5 && h == 4);
}

Test(arch_noc, serialisation_latency_energy)
{
    noc_params p = noc_of();   /* 32 B flits, 1 GHz, router 2, link 1 cycles */
    cr_expect_eq(noc_flits(&p, 0), 1);
    cr_expect_eq(noc_flits(&p, 32), 1);
    cr_expect_eq(noc_flits(&p, 33), 2);
    cr_expect_eq(noc_flits(&p, 100), 4);
    cr_expect_eq(noc_latency_ps(&p, 5, 4), 6 * 2000 + 5 * 1000 + 4 * 1000);
    cr_expect_eq(noc_latency_ps(&p, 0, 1), 2000 + 1000);
    /* Every router has 4 mesh ports + 4 local ones (tiles_per_router 4):
     * 34.6 fJ per bit at 5 ports x (8/5)^0.29; a hop's link is the pitch
     * (1 mm until the chip sets it) x 32.4 fJ per bit per mm.  800 bits x
     * (6 routers + 5 links): */
    double e_r = 34.6 * pow(8.0 / 5.0, 0.29), e_l = 32.4;
    REL(p.e_router_bit_fj, e_r, 1e-12);
    REL(noc_energy_pj(&p, 5, 100), 800 * (6 * e_r + 5 * e_l) * 1e-3, 1e-12);
    noc_params_set_pitch(&p, 0.5);
    REL(noc_energy_pj(&p, 5, 100), 800 * (6 * e_r + 5 * 0.5 * e_l) * 1e-3, 1e-12);
}

/* The router model (docs/models.md 5): the [noc] figures describe a 5-port
 * router with 32-byte links; dsent scales them to the router's ports P and
 * link width w (bits): area x D(P, w) / D(5, 256), D = 41.43 P w + 0.0509
 * (P w)^2 + 3.96 P^3; leakage x (P / 5)^1.2 w / 256; energy per bit x
 * (P / 5)^0.29, whatever the width. */
static noc_params noc_with(const char *const *sets)
{
    config c;
    noc_params p;
    mkcfg(&c, sets);
    noc_params_init(&p, &c);
    config_free(&c);
    return p;
}

Test(arch_noc, router_scales_with_ports_and_width)
{
    double D = 41.43 * 5 * 256 + 0.0509 * (5 * 256.0) * (5 * 256.0) + 3.96 * 125;
    /* one array per router: 5 ports, 32-byte links: the figures as given */
    noc_params p = noc_with((const char *[]){"chip.tiles_per_router=1", NULL});
    cr_expect_eq(p.ports, 5);
    REL(p.router_area_um2, 136077, 1e-12);
    REL(p.p_router_leak_mw, 4.27, 1e-12);
    REL(p.e_router_bit_fj, 34.6, 1e-12);
    /* doubling the link width: area by the D ratio, leakage x 2, energy per
     * bit unchanged */
    noc_params q = noc_with((const char *[]){"chip.tiles_per_router=1", "noc.link_bytes=64", NULL});
    double D2 = 41.43 * 5 * 512 + 0.0509 * (5 * 512.0) * (5 * 512.0) + 3.96 * 125;
    REL(q.router_area_um2, 136077 * D2 / D, 1e-12);
    REL(q.p_router_leak_mw, 2 * 4.27, 1e-12);
    REL(q.e_router_bit_fj, 34.6, 1e-12);
    cr_expect_gt(q.router_area_um2 / p.router_area_um2, 3.0);   /* the crossbar's (P w)^2 */
    /* 8 ports (4 arrays per router) */
    q = noc_with(NULL);
    cr_expect_eq(q.ports, 8);
    double D8 = 41.43 * 8 * 256 + 0.0509 * (8 * 256.0) * (8 * 256.0) + 3.96 * 512;
    REL(q.router_area_um2, 136077 * D8 / D, 1e-12);
    REL(q.p_router_leak_mw, 4.27 * pow(8 / 5.0, 1.2), 1e-12);
    /* DSENT's own 8-port 256-bit router is 295038 um^2: the fit within 10% */
    REL(q.router_area_um2, 295038, 0.10);
    /* none: per router as given */
    q = noc_with((const char *[]){"noc.router_scaling=none", "noc.link_bytes=64", NULL});
    REL(q.router_area_um2, 136077, 1e-12);
    REL(q.p_router_leak_mw, 4.27, 1e-12);
    REL(q.e_router_bit_fj, 34.6, 1e-12);
}

Test(arch_noc, reservation)
{
    noc_params p = noc_of();
    noc *n = noc_create(&p);
    noc_send_result a, b, c;
    noc_send(n, 0, 11, 100, 0, &a);
    cr_expect_eq(a.end_ps, noc_latency_ps(&p, 5, 4));
    cr_expect_eq(a.wait_ps, 0);
    cr_expect_eq(a.hops, 5);
    /* same path, same time: waits one serialisation (4 flits) on the first
     * link; behind it, it arrives exactly when each link frees */
    noc_send(n, 0, 11, 100, 0, &b);
    cr_expect_eq(b.wait_ps, 4000);
    cr_expect_eq(b.end_ps, a.end_ps + 4000);
    /* disjoint path: no wait */
    noc_send(n, 4, 5, 100, 0, &c);
    cr_expect_eq(c.wait_ps, 0);
    cr_expect_eq(noc_busy_ps(n), 2 * 5 * 4000 + 4000);
    cr_expect_eq(noc_busy_max_ps(n), 8000);
    noc_free(n);
}

/* Records the links a packet takes: each must be taken once. */
struct taken {
    uint32_t n, link[32];
};

static void on_link(void *ctx, uint32_t link, uint64_t start_ps, uint64_t end_ps)
{
    struct taken *t = ctx;
    (void)start_ps;
    (void)end_ps;
    if (t->n < 32)
        t->link[t->n++] = link;
}

static void expect_distinct(const struct taken *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        for (uint32_t j = i + 1; j < t->n; j++)
            cr_expect_neq(t->link[i], t->link[j], "link %u taken twice", t->link[i]);
}

/* Multicast on the 4 x 3 mesh (router 2 ns, link 1 ns, 32-byte flits),
 * from node 0 = (0,0) to nodes 2 = (2,0), 6 = (2,1), 7 = (3,1), 320 bytes
 * (10 flits, 10 ns).  The XY tree: east along row 0 to x = 3 (3 links),
 * south in column 2 (1) and in column 3 (1): 5 links, each once, where 3
 * unicasts would take 2 + 3 + 4 = 9.  Heads: (0,0) at 2; (1,0) at 2 + 1 + 2
 * = 5; (2,0) at 8; (2,1) at 11, its tail at 21; (3,0) at 11; (3,1) at 14,
 * tail at 24 = the farthest unicast's latency. */
Test(arch_noc, multicast_tree)
{
    noc_params p = noc_of();
    noc *n = noc_create(&p);
    struct taken t = {0};
    noc_set_link_observer(n, on_link, &t);
    uint32_t dst[] = {6, 2, 7};
    noc_mcast_result a, b;
    noc_mcast(n, 0, dst, 3, 320, 0, &a);
    cr_expect_eq(a.links, 5);
    cr_expect_eq(t.n, 5);
    expect_distinct(&t);
    cr_expect_eq(a.flits, 10);
    cr_expect_eq(a.wait_ps, 0);
    cr_expect_eq(a.end_ps, 24000);
    cr_expect_eq(a.end_ps, noc_latency_ps(&p, noc_hops(4, 0, 7), 10));
    cr_expect_eq(noc_busy_ps(n), 5 * 10000);
    cr_expect_eq(noc_busy_max_ps(n), 10000);
    /* The same packet again at 0: it waits 10 ns for the first link, then
     * finds every link free just as its head arrives. */
    noc_mcast(n, 0, dst, 3, 320, 0, &b);
    cr_expect_eq(b.wait_ps, 10000);
    cr_expect_eq(b.end_ps, 34000);
    cr_expect_eq(noc_busy_ps(n), 2 * 5 * 10000);
    cr_expect_eq(b.path_wait_ps, 10000);
    noc_free(n);
    /* A wait off the last tail's path: a unicast (2,0) -> (2,1) holds the
     * south link of column 2 over [2, 12]; the multicast to (2,1) and (3,2)
     * reaches (2,0) at 8, waits 4 there, (2,1) has its tail at 25; column
     * 3 is free: (3,2) at 17, tail 27, the end, with no wait on its path. */
    n = noc_create(&p);
    noc_send_result u0;
    noc_send(n, 2, 6, 320, 0, &u0);
    uint32_t far[] = {6, 11};
    noc_mcast(n, 0, far, 2, 320, 0, &a);
    cr_expect_eq(a.wait_ps, 4000);
    cr_expect_eq(a.path_wait_ps, 0);
    cr_expect_eq(a.end_ps, 27000);
    /* One destination: exactly a unicast. */
    noc_free(n);
    n = noc_create(&p);
    noc_send_result u;
    noc_mcast(n, 0, dst + 2, 1, 320, 0, &a);
    noc_free(n);
    n = noc_create(&p);
    noc_send(n, 0, 7, 320, 0, &u);
    cr_expect_eq(a.end_ps, u.end_ps);
    cr_expect_eq(a.links, u.hops);
    noc_free(n);
}

/* From the middle: node 5 = (1,1) to itself, (0,0), (3,0) and (1,2), 100
 * bytes (4 flits).  Links: west 1, east 2, north in columns 0 and 3, south
 * in column 1: 6.  Heads: (1,1) at 2 (its own tail at 6); (1,2) at 5
 * (tail 9); (0,1) at 5, (0,0) at 8 (tail 12); (2,1) at 5, (3,1) at 8,
 * (3,0) at 11 (tail 15). */
Test(arch_noc, multicast_branches)
{
    noc_params p = noc_of();
    noc *n = noc_create(&p);
    struct taken t = {0};
    noc_set_link_observer(n, on_link, &t);
    uint32_t dst[] = {5, 0, 3, 9};
    noc_mcast_result a;
    noc_mcast(n, 5, dst, 4, 100, 0, &a);
    cr_expect_eq(a.links, 6);
    cr_expect_eq(t.n, 6);
    expect_distinct(&t);
    cr_expect_eq(a.end_ps, 15000);
    /* Only the source: its own router, no link. */
    noc_mcast(n, 5, dst, 1, 100, 100000, &a);
    cr_expect_eq(a.links, 0);
    cr_expect_eq(a.end_ps, 100000 + 2000 + 4000);
    noc_free(n);
}

/* ---- memories ------------------------------------------------------------------ */

Test(arch_mem, sram)
{
    config c;
    mem_sram_params p;
    mkcfg(&c, NULL);
    mem_sram_params_init(&p, &c);   /* 32 B words, 2 ns access, 1 ns cycle, 20.45 pJ */
    config_free(&c);
    cr_expect_eq(mem_sram_words(&p, 100), 4);
    cr_expect_eq(mem_sram_words(&p, 32), 1);
    cr_expect_eq(mem_sram_words(&p, 33), 2);
    cr_expect_eq(mem_sram_busy_ps(&p, 100), 4000);
    cr_expect_eq(mem_sram_latency_ps(&p, 100), 2000 + 3 * 1000);
    cr_expect_eq(mem_sram_latency_ps(&p, 0), 0);
    REL(mem_sram_energy_pj(&p, 100), 4 * 20.45, 1e-12);
}

Test(arch_mem, sram_scales_with_capacity_and_width)
{
    /* docs/models.md 6: from the 64 KiB, 32-byte bank, energy x C^0.60
     * W^0.65, area x C W^0.15, leakage x C^0.95 (C, W relative) */
    config c;
    mem_sram_params p;
    mkcfg(&c, (const char *[]){"sram.bank_bytes=131072", NULL});
    mem_sram_params_init(&p, &c);
    config_free(&c);
    REL(p.e_access_pj, 20.45 * pow(2, 0.60), 1e-12);
    REL(p.bank_area_um2, 83000 * 2, 1e-12);
    REL(p.p_leak_mw, 0.46 * pow(2, 0.95), 1e-12);
    mkcfg(&c, (const char *[]){"sram.width_bytes=64", NULL});
    mem_sram_params_init(&p, &c);
    config_free(&c);
    REL(p.e_access_pj, 20.45 * pow(2, 0.65), 1e-12);
    REL(p.bank_area_um2, 83000 * pow(2, 0.15), 1e-12);
    REL(p.p_leak_mw, 0.46, 1e-12);
    REL(mem_sram_energy_pj(&p, 100), 2 * 20.45 * pow(2, 0.65), 1e-12);   /* 2 words of 64 B */
    /* PUMA's 128 KB eDRAM: 25.35 pJ, 0.77 mW (CACTI's exponents predict 33.1 pJ
     * and 0.89 mW from the 64 KiB point: within 31% and 16%) */
    mkcfg(&c, (const char *[]){"sram.bank_bytes=131072", NULL});
    mem_sram_params_init(&p, &c);
    config_free(&c);
    REL(p.e_access_pj, 25.35, 0.31);
    REL(p.p_leak_mw, 0.77, 0.16);
}

Test(arch_mem, dram)
{
    config c;
    mem_dram_params p;
    mkcfg(&c, (const char *[]){"dram.kind=ddr4-3200", "dram.e_access_pj=120", "dram.e_bit_pj=0.5",
                               "dram.t_access_ns=50", NULL});
    mem_dram_params_init(&p, &c);   /* 25.6 GB/s; overridden: 50 ns, 120 pJ per 64 B, 0.5 pJ/bit */
    config_free(&c);
    cr_expect_eq(mem_dram_busy_ps(&p, 64), 2500);
    cr_expect_eq(mem_dram_busy_ps(&p, 100), 3906);   /* 3.90625 ns */
    cr_expect_eq(mem_dram_latency_ps(&p, 64), 52500);
    cr_expect_eq(mem_dram_accesses(&p, 64), 1);
    cr_expect_eq(mem_dram_accesses(&p, 65), 2);
    REL(mem_dram_energy_pj(&p, 100), 2 * 120 + 800 * 0.5, 1e-12);
}

Test(arch_mem, dram_kinds)
{
    /* per channel: GB/s, ns, pJ/bit, background mW (docs/models.md 6) */
    static const struct {
        const char *kind;
        double gb_s, ns, pj_bit, mw;
    } k[] = {{"hbm2", 32, 45, 3.9, 66},
             {"ddr4-3200", 25.6, 45, 15, 500},
             {"lpddr4-3200", 6.4, 50, 8, 57},
             {"lpddr4x-4266", 8.53, 50, 6.5, 57}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        char set[64];
        snprintf(set, sizeof set, "dram.kind=%s", k[i].kind);
        config c;
        mem_dram_params p;
        mkcfg(&c, (const char *[]){set, NULL});
        mem_dram_params_init(&p, &c);
        config_free(&c);
        cr_expect_str_eq(mem_dram_kind_name(p.kind), k[i].kind);
        /* 64 KiB read: its bytes at the bandwidth, then the latency */
        REL((double)mem_dram_busy_ps(&p, 65536), 65536 / k[i].gb_s * 1e3, 1e-6);
        cr_expect_eq(mem_dram_latency_ps(&p, 0), (uint64_t)(k[i].ns * 1000));
        REL(mem_dram_energy_pj(&p, 65536), 65536 * 8 * k[i].pj_bit, 1e-12);
        REL(p.p_static_mw, k[i].mw, 1e-12);
    }
    /* a key overrides the kind's figure */
    config c;
    mem_dram_params p;
    mkcfg(&c, (const char *[]){"dram.kind=lpddr4-3200", "dram.bandwidth_gb_s=12.8", NULL});
    mem_dram_params_init(&p, &c);
    config_free(&c);
    REL(p.bandwidth_gb_s, 12.8, 1e-12);
    REL(p.e_bit_pj, 8, 1e-12);
}
