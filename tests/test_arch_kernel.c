/*
 * test_arch_kernel.c -- the chip driven from kernel events: chains of
 * commands, each issued at the kernel time its predecessor completes (as
 * the engine does), with contention between chains.  Both kernel backends
 * must give identical statistics, value for value.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"
#include "tools/driver.h"
#include "arch/chip.h"
#include "sim/config.h"
#include "sim/kernel.h"
#include "sim/stats.h"
#include "sim/util.h"

static char err[ERR_LEN];

#define CHAINS 24
#define STEPS 400

struct drv {
    chip *c;
    uint64_t rng[CHAINS];
    int left[CHAINS];
    uint32_t ntile, ncl, nsr;
};

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Issues chain `arg`'s next command now and schedules the one after at its
 * completion. */
static void issue(kernel *k, void *ctx, uint64_t arg)
{
    struct drv *d = ctx;
    if (d->left[arg]-- <= 0)
        return;
    uint64_t x = next(&d->rng[arg]), now = kernel_now(k);
    tu_timing o;
    cmd_set rows = {.nranges = 1}, cols = {.nranges = 2};
    rows.r[0].n = 1 + (uint32_t)((x >> 8) % 256);
    cols.r[0].n = 1 + (uint32_t)((x >> 16) % 100);
    cols.r[1].lo = 128;
    cols.r[1].n = (uint32_t)((x >> 24) % 128);
    switch (x % 5) {
    case 0:
    case 1:
        tu_act(d->c, (uint32_t)((x >> 32) % d->ntile), &rows, &cols, 1,
                 3 + (unsigned)((x >> 40) % 6), now, &o);
        break;
    case 2:
        tu_xfer(d->c, UNIT(UNIT_TILE, (x >> 32) % d->ntile),
                  UNIT((x >> 40) & 1 ? UNIT_CLUSTER : UNIT_SRAM, (x >> 41) % 3),
                  (x >> 8) % 3000, now, &o);
        break;
    case 3:
        tu_mem(d->c, (x >> 32) % 5 ? UNIT(UNIT_SRAM, (x >> 33) % d->nsr) : UNIT(UNIT_DRAM, 0),
                 (int)((x >> 40) & 1), 0, (x >> 8) % 4096, now, &o);
        break;
    default:
        tu_dig(d->c, (uint32_t)((x >> 32) % d->ncl), (enum dig_kind)((x >> 36) % DIG_KINDS),
                 1 + (uint32_t)((x >> 8) % 16), 1 + (uint32_t)((x >> 16) % 512),
                 1 + (uint32_t)((x >> 48) % 32), now, &o);
        break;
    }
    kernel_schedule_at(k, o.end_ps, issue, d, arg);
}

/* Runs the workload on backend b; returns the statistics' values (caller
 * frees) and their count. */
static double *run(enum kernel_backend b, int *n)
{
    config cfg;
    config_defaults(&cfg);
    const char *sets[] = {"adc.count=16", "adc.share_tiles=2", "cluster.count=3",
                          "cluster.slots=2", "sram.banks=8", "chip.per_unit_stats=true"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        cr_assert_eq(config_set(&cfg, sets[i], err, sizeof err), 0, "%s", err);
    cr_assert_eq(driver_config_check(&cfg, err, sizeof err), 0, "%s", err);
    stats *st = stats_create();
    struct drv d = {0};
    d.c = chip_create(&cfg, 12, st, err, sizeof err);
    cr_assert_not_null(d.c, "%s", err);
    d.ntile = chip_count(d.c, UNIT_TILE);
    d.ncl = chip_count(d.c, UNIT_CLUSTER);
    d.nsr = chip_count(d.c, UNIT_SRAM);
    kernel *k = kernel_create(b, err, sizeof err);
    cr_assert_not_null(k, "%s", err);
    for (uint64_t i = 0; i < CHAINS; i++) {
        d.rng[i] = 0x9e3779b97f4a7c15ull * (i + 1);
        d.left[i] = STEPS;
        kernel_schedule(k, i % 4 * 1000, issue, &d, i);
    }
    kernel_run(k);
    chip_finalize(d.c, kernel_now(k));
    cr_assert_eq(chip_check(d.c, err, sizeof err), 0, "%s: %s", kernel_backend_name(b), err);
    *n = stats_count(st);
    double *v = xcalloc((size_t)*n, sizeof *v);
    for (int i = 0; i < *n; i++)
        v[i] = stats_value(st, i);
    cr_expect_gt(stats_get(st, "stall.adc_ps", NULL), 0);
    cr_expect_gt(stats_get(st, "stall.link_ps", NULL), 0);
    cr_expect_gt(stats_get(st, "stall.cluster_ps", NULL), 0);
    kernel_free(k);
    chip_free(d.c);
    stats_free(st);
    config_free(&cfg);
    return v;
}

Test(arch_kernel, backends_identical)
{
    int nn, ns;
    double *a = run(KERNEL_NATIVE, &nn);
    double *b = run(KERNEL_SYSTEMC, &ns);
    cr_assert_eq(nn, ns);
    for (int i = 0; i < nn; i++)
        cr_expect(!memcmp(&a[i], &b[i], sizeof a[i]), "statistic %d: native %.17g, systemc %.17g",
                  i, a[i], b[i]);
    free(a);
    free(b);
}
