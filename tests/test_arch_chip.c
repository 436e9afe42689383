/*
 * test_arch_chip.c -- the timed chip (arch/chip.h): activations on free
 * resources match the pure latency; timing boundaries (busy until t: not
 * free at t - 1 ps, free at t); contention with the exact wait and its
 * cause; conservation (energy parts add up, per-command energies sum to
 * the dynamic total, busy <= elapsed); placement; refusals and invalid
 * calls with their exact messages; statistics names.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"
#include "tools/driver.h"
#include "arch/adc.h"
#include "arch/chip.h"
#include "arch/tile.h"
#include "sim/config.h"
#include "sim/stats.h"
#include "sim/util.h"

static char err[ERR_LEN];

static void mkcfg(config *c, const char *const *sets)
{
    config_defaults(c);
    for (int i = 0; sets && sets[i]; i++)
        cr_assert_eq(config_set(c, sets[i], err, sizeof err), 0, "%s", err);
    cr_assert_eq(driver_config_check(c, err, sizeof err), 0, "%s", err);
}

/* A chip of the defaults plus sets, with tiles_needed arrays, and its
 * statistics registry. */
struct rig {
    config cfg;
    stats *st;
    chip *c;
};

static void rig_open(struct rig *r, uint32_t tiles, const char *const *sets)
{
    mkcfg(&r->cfg, sets);
    r->st = stats_create();
    r->c = chip_create(&r->cfg, tiles, r->st, err, sizeof err);
    cr_assert_not_null(r->c, "%s", err);
}

static void rig_close(struct rig *r)
{
    chip_free(r->c);
    stats_free(r->st);
    config_free(&r->cfg);
}

static double stat(struct rig *r, const char *name)
{
    int found;
    double v = stats_get(r->st, name, &found);
    cr_assert(found, "no statistic %s", name);
    return v;
}

static cmd_set range(uint32_t lo, uint32_t n)
{
    cmd_set s = {.nranges = 1};
    s.r[0].lo = lo;
    s.r[0].n = n;
    return s;
}

/* Activation of `rows` x `cols` on tile t with `slices` and `bits`. */
static tu_timing act(struct rig *r, uint32_t t, uint32_t rows, uint32_t cols,
                       unsigned slices, unsigned bits, uint64_t at)
{
    tu_timing o;
    cmd_set rs = range(0, rows), cs = range(0, cols);
    tu_act(r->c, t, &rs, &cs, slices, bits, at, &o);
    return o;
}

/* ---- activations on free resources ---------------------------------------- */

Test(arch_chip, act_matches_pure_latency)
{
    static const char *const variants[][8] = {
        {NULL},
        {"adc.sample_hold=false", NULL},
        {"tile.input_mode=bitserial", "tile.t_int_ns=10", "tile.t_pre_ns=0", "adc.kind=sar",
         "adc.count=16", NULL},
        {"tile.input_mode=bitserial", "tile.t_int_ns=10", "tile.t_pre_ns=0", "adc.kind=sar",
         "adc.count=16", "adc.sample_hold=false", NULL},
        {"adc.kind=ramp", "adc.count=4", "adc.t_lsb_ps=50", NULL},
    };
    static const uint32_t cols[] = {1, 15, 16, 17, 32, 200, 256};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
            for (unsigned bits = 3; bits <= 8; bits += 5) {
                struct rig r;
                rig_open(&r, 1, variants[v]);
                tile_params tp;
                adc_params ap;
                tile_params_init(&tp, &r.cfg);
                adc_params_init(&ap, &r.cfg);
                unsigned slices = tile_input_slices(&tp);
                uint64_t want = tile_act_latency_ps(
                    &tp, slices, adc_rounds(cols[i], (uint32_t)r.cfg.adc.count),
                    adc_conv_ps(&ap, bits));
                tu_timing o = act(&r, 0, 256, cols[i], slices, bits, 1000);
                cr_expect_eq(o.start_ps, 1000);
                cr_expect_eq(o.end_ps - o.start_ps, want, "variant %zu, %u cols, %u bits: %llu != %llu",
                             v, cols[i], bits, (unsigned long long)(o.end_ps - o.start_ps),
                             (unsigned long long)want);
                for (int k = 0; k < STALL_CAUSES; k++)
                    cr_expect_eq(o.wait_ps[k], 0);
                rig_close(&r);
            }
}

Test(arch_chip, act_sar_edge_cases)
{
    /* PWM, T = 130 ns, SAR 8 bits at 1 GHz = 9 ns, N = 16, no S&H */
    const char *sets[] = {"adc.kind=sar", "adc.count=16", "adc.sample_hold=false", NULL};
    struct {
        uint32_t a;
        uint64_t lat;
    } cases[] = {{16, 130000 + 9000 + 1000}, {17, 130000 + 18000 + 1000},
                 {1, 130000 + 9000 + 1000}, {256, 130000 + 16 * 9000 + 1000}};
    for (size_t i = 0; i < 4; i++) {
        struct rig r;
        rig_open(&r, 1, sets);
        tu_timing o = act(&r, 0, 256, cases[i].a, 1, 8, 0);
        cr_expect_eq(o.end_ps, cases[i].lat, "a = %u", cases[i].a);
        cr_expect_eq(o.adc_start_ps, 130000);
        cr_expect_eq(o.adc_end_ps, cases[i].lat - 1000);
        rig_close(&r);
    }
}

/* ---- timing boundaries ------------------------------------------------------- */

/* The second call at `at` waits `want` ps for `cause`. */
Test(arch_chip, boundary_array)
{
    /* no S&H: the array is busy T + C = 130 + 76.8 ns */
    const char *sets[] = {"adc.sample_hold=false", NULL};
    uint64_t busy = 130000 + 76800;
    for (int d = 0; d <= 1; d++) {
        struct rig r;
        rig_open(&r, 1, sets);
        act(&r, 0, 256, 256, 1, 8, 0);
        tu_timing o = act(&r, 0, 256, 256, 1, 8, busy - 1 + (uint64_t)d);
        cr_expect_eq(o.wait_ps[STALL_ARRAY], d ? 0 : 1);
        cr_expect_eq(o.start_ps, busy);
        rig_close(&r);
    }
}

Test(arch_chip, boundary_adc_bank)
{
    /* two tiles share a bank; tile 0's conversion occupies it over
     * [T, T + C]; tile 1 started at t ends its integration at t + T */
    const char *sets[] = {"adc.share_tiles=2", NULL};
    uint64_t C = 76800;
    for (int d = 0; d <= 1; d++) {
        struct rig r;
        rig_open(&r, 2, sets);
        act(&r, 0, 256, 256, 1, 8, 0);
        tu_timing o = act(&r, 1, 256, 256, 1, 8, C - 1 + (uint64_t)d);
        cr_expect_eq(o.wait_ps[STALL_ADC], d ? 0 : 1);
        cr_expect_eq(o.wait_ps[STALL_ARRAY], 0);
        cr_expect_eq(o.adc_start_ps, 130000 + C);
        rig_close(&r);
    }
}

Test(arch_chip, boundary_link)
{
    /* rowmajor: tile 0 at node 0, tile 1 at node 1; 100 B = 4 flits: the
     * link 0 -> 1 is busy over [2 ns, 6 ns]; a packet sent at t reaches it
     * at t + 2 ns */
    const char *sets[] = {"chip.placement=rowmajor", "chip.tiles_per_router=1", NULL};
    for (int d = 0; d <= 1; d++) {
        struct rig r;
        rig_open(&r, 2, sets);
        tu_timing a, b;
        tu_xfer(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 1), 100, 0, &a);
        cr_expect_eq(a.end_ps, 2000 + 1000 + 2000 + 4000);
        tu_xfer(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 1), 100, 4000 - 1 + (uint64_t)d, &b);
        cr_expect_eq(b.wait_ps[STALL_LINK], d ? 0 : 1);
        cr_expect_eq(b.end_ps, 4000 + 9000);
        rig_close(&r);
    }
}

Test(arch_chip, boundary_cluster_and_memories)
{
    for (int d = 0; d <= 1; d++) {
        struct rig r;
        rig_open(&r, 1, NULL);
        tu_timing a, b;
        /* layernorm 1 x 768: 50 + 2 x 50 + 6144 / 25.6 = 390 cycles at 1 GHz */
        tu_dig(r.c, 0, DIG_LAYERNORM, 1, 768, 0, 0, &a);
        cr_expect_eq(a.end_ps, 390000);
        tu_dig(r.c, 0, DIG_LAYERNORM, 1, 768, 0, 390000 - 1 + (uint64_t)d, &b);
        cr_expect_eq(b.wait_ps[STALL_CLUSTER], d ? 0 : 1);
        /* SRAM: 100 B = 4 words, bank busy 4 ns */
        tu_mem(r.c, UNIT(UNIT_SRAM, 3), 0, 0, 100, 600000, &a);
        cr_expect_eq(a.end_ps, 600000 + 5000);
        tu_mem(r.c, UNIT(UNIT_SRAM, 3), 1, 0, 100, 604000 - 1 + (uint64_t)d, &b);
        cr_expect_eq(b.wait_ps[STALL_MEM], d ? 0 : 1);
        /* DRAM (HBM2): 64 B at 32 GB/s = 2 ns channel time, 45 ns latency */
        tu_mem(r.c, UNIT(UNIT_DRAM, 0), 0, 0, 64, 700000, &a);
        cr_expect_eq(a.end_ps, 700000 + 47000);
        tu_mem(r.c, UNIT(UNIT_DRAM, 0), 0, 64, 64, 702000 - 1 + (uint64_t)d, &b);
        cr_expect_eq(b.wait_ps[STALL_MEM], d ? 0 : 1);
        rig_close(&r);
    }
}

/* ---- contention ------------------------------------------------------------- */

Test(arch_chip, contention_shared_bank)
{
    struct rig r;
    rig_open(&r, 2, (const char *[]){"adc.share_tiles=2", NULL});
    tu_timing a = act(&r, 0, 256, 256, 1, 8, 0);
    tu_timing b = act(&r, 1, 256, 256, 1, 8, 0);
    cr_expect_eq(a.wait_ps[STALL_ADC], 0);
    cr_expect_eq(b.wait_ps[STALL_ADC], 76800);
    cr_expect_eq(b.wait_ps[STALL_ARRAY], 0);
    cr_expect_eq(b.end_ps, a.end_ps + 76800);
    cr_expect_eq(b.adc_start_ps, a.adc_end_ps);
    chip_finalize(r.c, b.end_ps);
    cr_expect_eq(stat(&r, "stall.adc_ps"), 76800);
    cr_expect_eq(stat(&r, "adc.busy_ps"), 2 * 76800);
    cr_expect_float_eq(stat(&r, "util.adc_time"), 2.0 * 76800 / (double)b.end_ps, 1e-12);
    cr_assert_eq(chip_check(r.c, err, sizeof err), 0, "%s", err);
    rig_close(&r);
}

Test(arch_chip, contention_own_array_and_sample_hold)
{
    /* back-to-back on one tile, S&H: the second integrates while the first
     * converts: it starts when the array is released (130 ns) */
    struct rig r;
    rig_open(&r, 1, NULL);
    tu_timing a = act(&r, 0, 256, 256, 1, 8, 0);
    tu_timing b = act(&r, 0, 256, 256, 1, 8, a.start_ps);
    cr_expect_eq(b.start_ps, 130000);
    cr_expect_eq(b.wait_ps[STALL_ARRAY], 130000);
    cr_expect_eq(b.wait_ps[STALL_ADC], 0);
    cr_expect_eq(b.end_ps, 130000 + 130000 + 76800 + 1000);
    rig_close(&r);
    /* without S&H the array holds its value until converted */
    rig_open(&r, 1, (const char *[]){"adc.sample_hold=false", NULL});
    a = act(&r, 0, 256, 256, 1, 8, 0);
    b = act(&r, 0, 256, 256, 1, 8, 0);
    cr_expect_eq(b.wait_ps[STALL_ARRAY], 206800);
    cr_expect_eq(b.end_ps, 2 * 206800 + 1000);
    rig_close(&r);
    /* S&H but conversions slower than integration: the held value blocks
     * the next integration's hand-over, attributed to the ADC */
    rig_open(&r, 1, (const char *[]){"adc.count=1", "adc.kind=sar", NULL});
    a = act(&r, 0, 256, 4, 1, 8, 0);    /* 4 rounds x 9 ns = 36 ns < 130 ns */
    cr_expect_eq(a.end_ps, 130000 + 36000 + 1000);
    a = act(&r, 0, 256, 256, 1, 8, 130000);   /* 256 x 9 ns = 2304 ns */
    b = act(&r, 0, 256, 256, 1, 8, a.start_ps);
    cr_expect_eq(b.start_ps, 260000);
    /* b integrates to 390 ns, then holds until a's conversions end at
     * 260 + 2304 ns, converts 2304 ns */
    cr_expect_eq(b.end_ps, 260000 + 2304000 + 2304000 + 1000);
    cr_expect_eq(b.wait_ps[STALL_ADC], (b.end_ps - b.start_ps) - (130000 + 2304000 + 1000));
    rig_close(&r);
}

Test(arch_chip, contention_link_and_cluster)
{
    struct rig r;
    rig_open(&r, 4, (const char *[]){"chip.placement=rowmajor", "chip.tiles_per_router=1",
                                     "cluster.slots=2", NULL});
    tu_timing a, b, c;
    tu_xfer(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 3), 320, 0, &a);   /* 10 flits */
    tu_xfer(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 3), 320, 0, &b);
    cr_expect_eq(a.wait_ps[STALL_LINK], 0);
    cr_expect_eq(b.wait_ps[STALL_LINK], 10000);
    cr_expect_eq(b.end_ps, a.end_ps + 10000);
    /* two slots: two ops run at once, the third waits for the first */
    tu_dig(r.c, 0, DIG_ADD, 1, 768, 0, 0, &a);
    tu_dig(r.c, 0, DIG_ADD, 1, 768, 0, 0, &b);
    tu_dig(r.c, 0, DIG_ADD, 1, 768, 0, 0, &c);
    cr_expect_eq(a.end_ps, b.end_ps);
    cr_expect_eq(b.wait_ps[STALL_CLUSTER], 0);
    cr_expect_eq(c.wait_ps[STALL_CLUSTER], a.end_ps);
    cr_expect_eq(c.start_ps, a.end_ps);
    /* another cluster is free */
    tu_dig(r.c, 1, DIG_ADD, 1, 768, 0, 0, &c);
    cr_expect_eq(c.wait_ps[STALL_CLUSTER], 0);
    chip_finalize(r.c, 3 * a.end_ps);
    cr_expect_eq(stat(&r, "stall.link_ps"), 10000);
    cr_expect_eq(stat(&r, "stall.cluster_ps"), a.end_ps);
    cr_expect_eq(stat(&r, "cluster.ops"), 4);
    cr_expect_eq(stat(&r, "noc.packets"), 2);
    cr_expect_eq(stat(&r, "noc.flit_hops"), 2 * 10 * 3);
    cr_assert_eq(chip_check(r.c, err, sizeof err), 0, "%s", err);
    rig_close(&r);
}

/* A multicast through the chip: row-major placement with one array per
 * router puts tile i on node i (the mesh is at least 5 wide).  From tile 0
 * to tiles 2, 3, 4: 4 links east along row 0, each once; 96 bytes are 3
 * flits.  Head at node 4 after 5 routers and 4 links: 14 ns, tail 17 ns;
 * the energy of a unicast over 4 hops.  With 2 arrays per router, tiles 2,
 * 3, 4 sit on nodes 1, 1, 2: 2 links. */
Test(arch_chip, multicast_through_the_chip)
{
    struct rig r;
    const char *one[] = {"chip.placement=rowmajor", "chip.tiles_per_router=1", NULL};
    rig_open(&r, 16, one);
    uint32_t w, h;
    chip_mesh_size(r.c, &w, &h);
    cr_assert_geq(w, 5);
    tu_timing a, u;
    tu_mcast(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 2), 3, 96, 0, &a);
    cr_expect_eq(a.end_ps, 17000);
    cr_expect_eq(a.wait_ps[STALL_LINK], 0);
    chip_finalize(r.c, a.end_ps);
    cr_expect_eq(stat(&r, "noc.packets"), 1);
    cr_expect_eq(stat(&r, "noc.multicasts"), 1);
    cr_expect_eq(stat(&r, "noc.multicast_dests"), 3);
    cr_expect_eq(stat(&r, "noc.flit_hops"), 3 * 4);
    cr_expect_eq(stat(&r, "noc.link_busy_ps"), 4 * 3000);
    double e = stat(&r, "energy.noc_pj");
    cr_assert_eq(chip_check(r.c, err, sizeof err), 0, "%s", err);
    rig_close(&r);
    rig_open(&r, 16, one);
    tu_xfer(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 4), 96, 0, &u);
    cr_expect_eq(u.end_ps, a.end_ps);
    chip_finalize(r.c, u.end_ps);
    cr_expect(fabs(stat(&r, "energy.noc_pj") - e) <= 1e-9 * e, "%g vs %g",
              stat(&r, "energy.noc_pj"), e);
    rig_close(&r);
    rig_open(&r, 16, (const char *[]){"chip.placement=rowmajor", "chip.tiles_per_router=2", NULL});
    tu_mcast(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 2), 3, 96, 0, &a);
    chip_finalize(r.c, a.end_ps);
    cr_expect_eq(stat(&r, "noc.flit_hops"), 3 * 2);
    /* a range past the last tile is an invalid call */
    tu_mcast(r.c, UNIT(UNIT_TILE, 0), UNIT(UNIT_TILE, 14), 3, 96, 100000, &a);
    chip_finalize(r.c, 200000);
    cr_expect_neq(chip_check(r.c, err, sizeof err), 0);
    rig_close(&r);
}

/* ---- conservation ----------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

Test(arch_chip, conservation)
{
    struct rig r;
    rig_open(&r, 24, (const char *[]){"chip.per_unit_stats=true", "adc.share_tiles=3",
                                      "adc.count=32", "cluster.slots=2", "dram.e_bit_pj=2",
                                      "chip.reprogram=true", NULL});
    uint64_t s = 12345, t = 0, t_end = 0, waits[STALL_CAUSES] = {0};
    double e_sum = 0;
    uint32_t ntile = chip_count(r.c, UNIT_TILE), ncl = chip_count(r.c, UNIT_CLUSTER);
    uint32_t nsr = chip_count(r.c, UNIT_SRAM);
    for (int i = 0; i < 3000; i++) {
        uint64_t x = rng_next(&s);
        t += (x >> 8) % 2000;
        tu_timing o;
        cmd_set rows = range(0, 1 + (uint32_t)((x >> 20) % 256)),
                cols = range(0, 1 + (uint32_t)((x >> 30) % 256));
        switch (x % 6) {
        case 0:
        case 1:
            tu_act(r.c, (uint32_t)((x >> 40) % ntile), &rows, &cols,
                     1 + (unsigned)((x >> 50) % 3), 1 + (unsigned)((x >> 52) % 8), t, &o);
            break;
        case 2:
            tu_xfer(r.c, UNIT(UNIT_TILE, (x >> 40) % ntile),
                      UNIT(UNIT_SRAM, (x >> 50) % nsr), (x >> 20) % 4096, t, &o);
            break;
        case 3:
            tu_mem(r.c, (x >> 40) % 4 ? UNIT(UNIT_SRAM, (x >> 41) % nsr) : UNIT(UNIT_DRAM, 0),
                     (int)((x >> 45) & 1), 0, (x >> 20) % 8192, t, &o);
            break;
        case 4:
            tu_dig(r.c, (uint32_t)((x >> 40) % ncl), (enum dig_kind)((x >> 44) % DIG_KINDS),
                     1 + (uint32_t)((x >> 20) % 64), 1 + (uint32_t)((x >> 28) % 1024),
                     1 + (uint32_t)((x >> 50) % 64), t, &o);
            break;
        default:
            if ((x >> 40) % 50 == 0)
                tu_program(r.c, (uint32_t)((x >> 44) % ntile), t, &o);
            else
                tu_xfer(r.c, UNIT(UNIT_CLUSTER, (x >> 40) % ncl),
                          UNIT(UNIT_TILE, (x >> 44) % ntile), (x >> 20) % 2048, t, &o);
            break;
        }
        cr_assert_geq(o.start_ps, t);
        cr_assert_geq(o.end_ps, o.start_ps);
        e_sum += o.e_pj;
        for (int k = 0; k < STALL_CAUSES; k++)
            waits[k] += o.wait_ps[k];
        if (o.end_ps > t_end)
            t_end = o.end_ps;
    }
    chip_finalize(r.c, t_end);
    cr_assert_eq(chip_check(r.c, err, sizeof err), 0, "%s", err);
    static const char *const parts[] = {"adc", "dac", "array", "periphery", "digital",
                                        "noc", "sram", "dram", "program", "static"};
    double sum = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "energy.%s_pj", parts[i]);
        double v = stat(&r, name);
        cr_expect_gt(v, 0, "%s", name);
        sum += v;
    }
    double total = stat(&r, "energy.total_pj");
    cr_expect(fabs(sum - total) <= 1e-9 * total, "parts %.17g, total %.17g", sum, total);
    double dyn = total - stat(&r, "energy.static_pj");
    cr_expect(fabs(e_sum - dyn) <= 1e-9 * dyn, "commands %.17g, dynamic %.17g", e_sum, dyn);
    cr_expect_eq(stat(&r, "stall.array_ps"), (double)waits[STALL_ARRAY]);
    cr_expect_eq(stat(&r, "stall.adc_ps"), (double)waits[STALL_ADC]);
    cr_expect_eq(stat(&r, "stall.link_ps"), (double)waits[STALL_LINK]);
    cr_expect_eq(stat(&r, "stall.mem_ps"), (double)waits[STALL_MEM]);
    cr_expect_eq(stat(&r, "stall.cluster_ps"), (double)waits[STALL_CLUSTER]);
    cr_expect_gt(waits[STALL_ADC], 0);
    cr_expect_gt(waits[STALL_LINK], 0);
    static const char *const utils[] = {"util.array_time", "util.adc_time", "util.link_time",
                                        "util.cluster_time"};
    for (int i = 0; i < 4; i++) {
        double u = stat(&r, utils[i]);
        cr_expect(u > 0 && u <= 1, "%s = %g", utils[i], u);
    }
    /* per-unit statistics add up to the totals */
    double acts = 0;
    for (uint32_t i = 0; i < ntile; i++) {
        char name[64];
        snprintf(name, sizeof name, "tile%u.activations", i);
        acts += stat(&r, name);
        snprintf(name, sizeof name, "tile%u.busy_ps", i);
        cr_expect_leq(stat(&r, name), (double)t_end);
    }
    cr_expect_eq(acts, stat(&r, "tile.activations"));
    /* static power x elapsed */
    cr_expect_float_eq(stat(&r, "energy.static_pj"),
                       stat(&r, "power.static_mw") * (double)t_end * 1e-3, 1e-6);
    rig_close(&r);
}

/* ---- statistics, placement, refusals ---------------------------------------- */

Test(arch_chip, required_stats)
{
    static const char *const names[] = {
        "energy.total_pj", "energy.adc_pj", "energy.dac_pj", "energy.array_pj",
        "energy.periphery_pj", "energy.digital_pj", "energy.noc_pj", "energy.sram_pj",
        "energy.dram_pj", "energy.static_pj", "area.total_um2", "area.arrays_um2",
        "area.adc_um2", "area.dac_um2", "area.periphery_um2", "area.cluster_um2",
        "area.noc_um2", "area.sram_um2", "power.static_mw", "util.array_time",
        "util.adc_time", "util.link_time", "util.cluster_time", "stall.array_ps",
        "stall.adc_ps", "stall.link_ps", "stall.mem_ps", "stall.cluster_ps",
        "tile.activations", "adc.conversions", "noc.packets", "noc.flit_hops", "sram.reads",
        "sram.writes", "dram.bytes", "cluster.ops"};
    struct rig r;
    rig_open(&r, 3, NULL);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_expect_geq(stats_find(r.st, names[i]), 0, "missing %s", names[i]);
    cr_expect_lt(stats_find(r.st, "tile0.activations"), 0);   /* per_unit_stats off */
    cr_expect_eq(stat(&r, "chip.tiles"), 3);
    double parts = stat(&r, "area.arrays_um2") + stat(&r, "area.adc_um2") +
                   stat(&r, "area.dac_um2") + stat(&r, "area.periphery_um2") +
                   stat(&r, "area.cluster_um2") + stat(&r, "area.noc_um2") +
                   stat(&r, "area.sram_um2");
    cr_expect_float_eq(parts, stat(&r, "area.total_um2"), 1e-6);
    rig_close(&r);
}

Test(arch_chip, counts_and_capacity)
{
    struct rig r;
    rig_open(&r, 10, (const char *[]){"chip.tiles_per_router=4", "adc.share_tiles=4",
                                      "sram.banks=8", "sram.bank_bytes=1024", NULL});
    cr_expect_eq(chip_count(r.c, UNIT_TILE), 10);
    cr_expect_eq(chip_count(r.c, UNIT_CLUSTER), 4);
    cr_expect_eq(chip_count(r.c, UNIT_SRAM), 8);
    cr_expect_eq(chip_count(r.c, UNIT_DRAM), 1);
    cr_expect_eq(chip_count(r.c, UNIT_NONE), 0);
    cr_expect_eq(chip_sram_capacity_bytes(r.c), 8192);
    cr_expect(chip_unit_valid(r.c, UNIT(UNIT_TILE, 9)));
    cr_expect(!chip_unit_valid(r.c, UNIT(UNIT_TILE, 10)));
    cr_expect(!chip_unit_valid(r.c, UNIT(UNIT_NONE, 0)));
    cr_expect_eq(stat(&r, "chip.adcs"), 3 * 256);   /* ceil(10 / 4) banks */
    /* 3 tile nodes + 4 + 8 + 1 = 16 nodes: 4 x 4 */
    uint32_t w, h;
    chip_mesh_size(r.c, &w, &h);
    cr_expect(w == 4 && h == 4);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_TILE, 0)), chip_node(r.c, UNIT(UNIT_TILE, 3)));
    cr_expect_neq(chip_node(r.c, UNIT(UNIT_TILE, 3)), chip_node(r.c, UNIT(UNIT_TILE, 4)));
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_NONE, 0)), -1);
    /* Programming one array (docs/models.md 2.4): 256 rows x 2 devices x 10
     * iterations = 5120 rounds of a 100 ns pulse and a 130 ns verify:
     * 1177.6 us; each round 256 pulses of 30 pJ plus a verify read of one row
     * (8.5 pJ drive + 256 x 33 fJ cells + 256 conversions of 8 bits at the
     * murmann energy + 256 x (30 pJ readout + 1 fJ S&H)). */
    tile_params tp;
    adc_params ap;
    tile_params_init(&tp, &r.cfg);
    adc_params_init(&ap, &r.cfg);
    cr_expect_eq(tp.t_prog_ps, 5120ull * 230000);
    double verify = 8.5 + 256 * 0.033 + 256 * adc_energy_pj(&ap, 8) + 256 * (30.0 + 0.001);
    cr_expect_float_eq(tile_prog_pj(&tp, adc_energy_pj(&ap, 8)), 5120 * (256 * 30.0 + verify),
                       1e-6);
    rig_close(&r);
}

/* Nodes of all units: distinct (tile groups share one), within the mesh. */
static void check_placement(struct rig *r)
{
    uint32_t w, h, tpr = (uint32_t)r->cfg.chip.tiles_per_router;
    chip_mesh_size(r->c, &w, &h);
    char seen[4096] = {0};
    for (int k = 0; k < UNIT_NONE; k++)
        for (uint32_t i = 0; i < chip_count(r->c, (enum unit_kind)k); i++) {
            int64_t n = chip_node(r->c, UNIT(k, i));
            cr_assert(n >= 0 && n < (int64_t)(w * h));
            if (k == UNIT_TILE && i % tpr)
                continue;
            cr_assert(!seen[n], "node %lld used twice", (long long)n);
            seen[n] = 1;
        }
}

Test(arch_chip, placement_policies)
{
    struct rig r;
    rig_open(&r, 6, (const char *[]){"chip.placement=rowmajor", "chip.tiles_per_router=1",
                                     "sram.banks=3", "cluster.count=2", NULL});
    for (uint32_t i = 0; i < 6; i++)
        cr_expect_eq(chip_node(r.c, UNIT(UNIT_TILE, i)), i);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_CLUSTER, 0)), 6);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_SRAM, 2)), 10);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_DRAM, 0)), 11);
    check_placement(&r);
    rig_close(&r);
    /* interleaved: 6 tiles, 2 clusters, 3 banks: K = 11, M = 5; positions
     * floor((2j + 1) 11 / 10) = 1, 3, 5, 7, 9; merge order C S C S S by
     * (2i + 1) / 2n: C 1/4, S 1/6, ... -> S(1/6) C(1/4) S(1/2) C(3/4) S(5/6) */
    rig_open(&r, 6, (const char *[]){"chip.tiles_per_router=1", "sram.banks=3", "cluster.count=2",
                                     NULL});
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_SRAM, 0)), 1);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_CLUSTER, 0)), 3);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_SRAM, 1)), 5);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_CLUSTER, 1)), 7);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_SRAM, 2)), 9);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_TILE, 0)), 0);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_TILE, 1)), 2);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_TILE, 5)), 10);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_DRAM, 0)), 11);
    check_placement(&r);
    rig_close(&r);
    /* local: 8 tiles (one per router), tiles 0-3 fed by cluster 0, 4-7 by
     * cluster 1; 2 clusters, 2 banks, 1 channel: K = 12 nodes on a 4 x 4 mesh (3 rows).
     * Banks at floor((2j + 1) 12 / 4) = 3, 9.  Grid 2 x 1 (2 x 2 x 3 >=
     * 2 x 4): cluster centres (1,1) = node 5, (3,1) = node 7.  The
     * clusters take turns, each its nearest free node (rings of Manhattan
     * radius, each in index order):
     *   c0 ring 1 {1, 4, 6, 9}: 1     c1 ring 1 {3, 6, 11}: 6 (3 a bank)
     *   c0: 4                         c1: 11
     *   c0 ring 2 {0, 2, 7, 8, 10}: 0 c1 ring 2 {2, 5, 10}: 2
     *   c0: 8 (2 taken, 7 a cluster)  c1: 10 */
    mkcfg(&r.cfg, (const char *[]){"chip.placement=local", "chip.tiles_per_router=1",
                                   "sram.banks=2", "cluster.count=2", NULL});
    r.st = stats_create();
    const uint32_t near[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    r.c = chip_create_placed(&r.cfg, 8, near, r.st, err, sizeof err);
    cr_assert_not_null(r.c, "%s", err);
    const int64_t want[8] = {1, 4, 0, 8, 6, 11, 2, 10};
    for (uint32_t i = 0; i < 8; i++)
        cr_expect_eq(chip_node(r.c, UNIT(UNIT_TILE, i)), want[i], "tile %u", i);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_CLUSTER, 0)), 5);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_CLUSTER, 1)), 7);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_SRAM, 0)), 3);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_SRAM, 1)), 9);
    cr_expect_eq(chip_node(r.c, UNIT(UNIT_DRAM, 0)), 12);
    check_placement(&r);
    rig_close(&r);
    const uint32_t sizes[] = {0, 1, 7, 100, 1000};
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < 5; i++) {
            rig_open(&r, sizes[i], p == 2   ? (const char *[]){"chip.placement=local",
                                                               "chip.tiles_per_router=3", NULL}
                                   : p == 1 ? (const char *[]){"chip.tiles_per_router=3", NULL}
                                            : (const char *[]){"chip.placement=rowmajor", NULL});
            check_placement(&r);
            rig_close(&r);
        }
}

Test(arch_chip, refuses_too_few_arrays)
{
    config c;
    mkcfg(&c, (const char *[]){"chip.tiles=4", NULL});
    cr_assert_null(chip_create(&c, 10, NULL, err, sizeof err));
    cr_expect_str_eq(err, "--set chip.tiles=4: [chip] tiles = 4: mapping needs 10 arrays, "
                          "chip has 4 (set [chip] reprogram = true to reprogram arrays)");
    chip *ch = chip_create(&c, 4, NULL, err, sizeof err);
    cr_assert_not_null(ch, "%s", err);
    cr_expect_eq(chip_count(ch, UNIT_TILE), 4);
    chip_free(ch);
    config_free(&c);
    mkcfg(&c, (const char *[]){"chip.tiles=4", "chip.reprogram=true", NULL});
    ch = chip_create(&c, 10, NULL, err, sizeof err);
    cr_assert_not_null(ch, "%s", err);
    cr_expect_eq(chip_count(ch, UNIT_TILE), 4);
    tu_timing o;
    tu_program(ch, 2, 100, &o);
    tile_params tp;
    adc_params ap;
    tile_params_init(&tp, &c);
    adc_params_init(&ap, &c);
    cr_expect_eq(o.end_ps, 100 + 5120ull * 230000);   /* 256 rows x 2 devices x 10 x 230 ns */
    cr_expect_float_eq(o.e_pj, tile_prog_pj(&tp, adc_energy_pj(&ap, 8)), 1e-6);
    chip_free(ch);
    config_free(&c);
}

Test(arch_chip, refuses_small_mesh)
{
    config c;
    mkcfg(&c, (const char *[]){"noc.width=2", "noc.height=2", NULL});
    cr_assert_null(chip_create(&c, 10, NULL, err, sizeof err));
    cr_expect_str_eq(err, "--set noc.height=2: [noc] height = 2: mesh 2 x 2 has 4 nodes, the "
                          "chip needs 72 (3 tile nodes, 4 clusters, 64 SRAM banks, 1 DRAM "
                          "channels)");
    config_free(&c);
    mkcfg(&c, (const char *[]){"cluster.count=0", "sram.banks=0", "dram.channels=0", NULL});
    cr_assert_null(chip_create(&c, 0, NULL, err, sizeof err));
    cr_expect_str_eq(err, "default: [chip] tiles = 0: the chip has no units (no "
                          "tiles, clusters, SRAM banks or DRAM channels)");
    config_free(&c);
}

Test(arch_chip, config_check_messages)
{
    static const struct {
        const char *sets[4];
        const char *msg;
    } cases[] = {
        {{"tile.cols=64", "adc.count=128", NULL},
         "--set adc.count=128: [adc] count = 128: ADCs per tile (128) exceed its columns (64)"},
        {{"adc.bits_min=6", "adc.bits_max=5", NULL},
         "--set adc.bits_max=5: [adc] bits_max = 5: bits_min (6) exceeds bits_max (5)"},
        {{"adc.bits_max=5", "adc.bits_min=6", NULL},
         "--set adc.bits_min=6: [adc] bits_min = 6: bits_min (6) exceeds bits_max (5)"},
        {{"tile.input_mode=bitserial", "tile.dac_bits=9", NULL},
         "--set tile.dac_bits=9: [tile] dac_bits = 9: DAC bits (9) exceed the input bits (8)"},
        {{"cluster.slots=9", NULL},
         "--set cluster.slots=9: [cluster] slots = 9: more concurrent ops (9) than cores (8)"},
        {{"noc.width=4", NULL},
         "--set noc.width=4: [noc] width = 4: set both width and height, or both to 0 "
         "(automatic)"},
        {{"chip.tiles=10", "noc.width=4", "noc.height=4", NULL},
         "--set noc.height=4: [noc] height = 4: mesh 4 x 4 has 16 nodes, the chip needs 72"},
        {{"chip.tiles=10", "noc.height=4", "noc.width=4", NULL},
         "--set noc.width=4: [noc] width = 4: mesh 4 x 4 has 16 nodes, the chip needs 72"},
        {{"sram.t_access_ns=0.5", NULL},
         "--set sram.t_access_ns=0.5: [sram] t_access_ns = 0.5: access latency (0.5 ns) below "
         "the cycle time (1 ns)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config c;
        config_defaults(&c);
        for (int k = 0; cases[i].sets[k]; k++)
            cr_assert_eq(config_set(&c, cases[i].sets[k], err, sizeof err), 0, "%s", err);
        cr_expect_eq(driver_config_check(&c, err, sizeof err), -1, "case %zu passed", i);
        cr_expect_str_eq(err, cases[i].msg);
        config_free(&c);
    }
}

Test(arch_chip, invalid_calls_fail_the_check)
{
    struct rig r;
    rig_open(&r, 4, NULL);
    tu_timing o;
    o = act(&r, 99, 256, 256, 1, 8, 10);
    cr_expect_eq(o.end_ps, 10);
    cr_expect_eq(o.e_pj, 0);
    act(&r, 0, 256, 256, 1, 17, 10);
    chip_finalize(r.c, 10);
    cr_expect_eq(chip_check(r.c, err, sizeof err), -1);
    cr_expect_str_eq(err, "chip: 2 invalid calls (first: act on tile 99 (of 4): 256 rows, 256 "
                          "columns, 1 slices, 8 bits)");
    rig_close(&r);

    rig_open(&r, 4, (const char *[]){"sram.bank_bytes=1024", NULL});
    tu_mem(r.c, UNIT(UNIT_SRAM, 0), 1, 1000, 100, 0, &o);   /* beyond 1024 bytes */
    chip_finalize(r.c, o.end_ps);
    cr_expect_eq(chip_check(r.c, err, sizeof err), -1);
    cr_expect_str_eq(err, "chip: 1 SRAM accesses beyond the bank capacity of 1024 bytes");
    cr_expect_eq(stat(&r, "sram.beyond_capacity"), 1);
    rig_close(&r);

    rig_open(&r, 4, NULL);
    act(&r, 0, 256, 256, 1, 8, 1000);
    act(&r, 1, 256, 256, 1, 8, 999);
    chip_finalize(r.c, 1000000);
    cr_expect_eq(chip_check(r.c, err, sizeof err), -1);
    cr_expect_str_eq(err, "chip: 1 calls came with a t_ready earlier than a previous call's");
    rig_close(&r);

    rig_open(&r, 4, NULL);
    o = act(&r, 0, 256, 256, 1, 8, 0);
    chip_finalize(r.c, o.end_ps - 1);
    cr_expect_eq(chip_check(r.c, err, sizeof err), -1);
    cr_expect_str_eq(err, "chip: work ends at 207800 ps, after the end of the run (207799 ps)");
    rig_close(&r);

    rig_open(&r, 4, NULL);
    cr_expect_eq(chip_check(r.c, err, sizeof err), -1);
    cr_expect_str_eq(err, "chip: chip_finalize was not called");
    rig_close(&r);
}

Test(arch_chip, area_tables_print)
{
    struct rig r;
    rig_open(&r, 8, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    chip_print_area(r.c, f);
    fclose(f);
    cr_expect(strstr(buf, "arrays") && strstr(buf, "ADCs") && strstr(buf, "total"), "%s", buf);
    free(buf);
    f = open_memstream(&buf, &len);
    cr_expect_eq(chip_print_area_per_tile(&r.cfg, f, err, sizeof err), 0, "%s", err);
    fclose(f);
    cr_expect(strstr(buf, "tiles: set by the mapping (see aimcsim map)"), "%s", buf);
    free(buf);
    rig_close(&r);
}
