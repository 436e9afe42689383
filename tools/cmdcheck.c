/*
 * cmdcheck.c -- commands checked against the chip before they run
 * (tools/cmdcheck.h).
 *
 * Invariant: every figure is computed with checked arithmetic (sim/util.h)
 * or in long double before any of the cost models (arch/) sees the
 * command, so that the models, whose integer arithmetic assumes sane
 * inputs, only ever get commands whose times and counts fit; t_sum and
 * e_sum bound what the run can reach so far and never exceed
 * CMDCHECK_SUM_LIMIT.  The bounds of the digital cluster's work and footprint
 * dominate the formulas of arch/cluster_cost.c by a wide margin (any kind:
 * at most 16 + 2 exp_ops lane ops, 5 element moves, one special-function
 * result and two row tails per element of work).
 */
#include "tools/cmdcheck.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/adc.h"
#include "arch/cluster.h"
#include "arch/mem.h"
#include "arch/noc.h"
#include "arch/tile.h"
#include "sim/util.h"

struct cmdcheck {
    const config *cfg;
    const chip *ch;
    uint32_t count[UNIT_KINDS];
    uint32_t mesh_w, mesh_h;
    uint64_t max_hops;
    unsigned bits_max;               /* what the ADCs are built for */
    tile_params tp;
    uint64_t t_conv_ps[ADC_MAX_BITS + 1];
    noc_params np;
    mem_sram_params sp;
    mem_dram_params dp;
    cluster_params cp;
    long double dig_ps_per_work;     /* bound of a digital op's ps per element of work */
    long double dig_ovh_ps;          /* its largest fixed overhead */
    uint64_t t_sum, e_sum;           /* latencies and counter increments so far */
};

cmdcheck *cmdcheck_create(const config *cfg, const chip *ch)
{
    cmdcheck *k = xcalloc(1, sizeof *k);
    k->cfg = cfg;
    k->ch = ch;
    for (int i = 0; i < UNIT_KINDS; i++)
        k->count[i] = chip_count(ch, (enum unit_kind)i);
    chip_mesh_size(ch, &k->mesh_w, &k->mesh_h);
    k->max_hops = (uint64_t)(k->mesh_w ? k->mesh_w - 1 : 0) + (k->mesh_h ? k->mesh_h - 1 : 0);
    k->bits_max = adc_design_bits(cfg);
    tile_params_init(&k->tp, cfg);
    adc_params ap;
    adc_params_init(&ap, cfg);
    for (unsigned b = 1; b <= ADC_MAX_BITS; b++)
        k->t_conv_ps[b] = adc_conv_ps(&ap, b);
    noc_params_init(&k->np, cfg);
    mem_sram_params_init(&k->sp, cfg);
    mem_dram_params_init(&k->dp, cfg);
    cluster_params_init(&k->cp, cfg);
    const struct cfg_cluster *cl = &cfg->cluster;
    long double slots = (long double)cl->slots;
    long double thr = (long double)cl->cores * (long double)cl->simd_width / slots;
    long double me = (long double)cl->me_fma / slots;
    if (cl->matrix_engine && me < thr)
        thr = me;
    long double dma = (long double)cl->dma_bytes_cyc / slots, eff = cl->eff_gemm_cores, ovh = 0;
    for (int i = 0; i < DIG_KINDS; i++) {
        if (k->cp.eff[i] < eff)
            eff = k->cp.eff[i];
        if ((long double)k->cp.ovh_cyc[i] > ovh)
            ovh = (long double)k->cp.ovh_cyc[i];
    }
    /* Per element of work: lane ops, DMA moves, the special-function unit's
     * result and two row tails (a row holds at least one element). */
    long double cycles_per_work = (16.0L + 2.0L * (long double)cl->exp_ops) / (thr * eff) +
                                  5.0L * (long double)cl->elem_bytes / (dma * eff) +
                                  2.0L * (long double)cl->row_cyc;
    if (cl->sfu_elems_cyc > 0)
        cycles_per_work += slots / (long double)cl->sfu_elems_cyc;
    k->dig_ps_per_work = cycles_per_work * 1e3L / (long double)cl->clock_ghz;
    k->dig_ovh_ps = (ovh + 2.0L) * 1e3L / (long double)cl->clock_ghz;
    return k;
}

void cmdcheck_free(cmdcheck *k) { free(k); }

static const char *const plural[UNIT_KINDS] = {"tiles", "clusters", "SRAM banks",
                                                "DRAM channels", "-"};

static int unit_ok(const cmdcheck *k, const cmd_op_desc *d, const char *role, unit_id u,
                   char *err, size_t errlen)
{
    unsigned kind = UNIT_KIND(u);
    if (kind >= UNIT_NONE || UNIT_INDEX(u) < k->count[kind])
        return 0;
    char us[CMD_UNIT_STRLEN];
    cmd_unit_str(u, us);
    const char *name = cmd_unit_kind_name((int)kind);
    if (!k->count[kind])
        return errf(err, errlen, "%s %s %s: no such unit (the chip has no %s)", d->name, role, us,
                    plural[kind]);
    return errf(err, errlen, "%s %s %s: no such unit (the chip has %" PRIu32 " %s: %s0..%s%" PRIu32
                ")", d->name, role, us, k->count[kind], plural[kind], name, name,
                k->count[kind] - 1);
}

/* The ranges of a row or column set inside [0, size), and at most size of
 * them in all. */
static int set_ok(const cmd_set *s, const char *what, uint64_t size, const char *param,
                  char *err, size_t errlen)
{
    for (int i = 0; i < s->nranges; i++)
        if (s->r[i].lo >= size || s->r[i].n > size - s->r[i].lo)
            return errf(err, errlen,
                        "act: %s range %" PRIu32 ":%" PRIu32 " beyond the array (expected %s "
                        "0..%" PRIu64 ": [tile] %s = %" PRIu64 ")",
                        what, s->r[i].lo, s->r[i].n, what, size - 1, param, size);
    uint64_t n = cmd_set_count(s);
    if (n > size)
        return errf(err, errlen,
                    "act: %" PRIu64 " %s in the set (expected at most %" PRIu64 ": [tile] %s = %"
                    PRIu64 ")", n, what, size, param, size);
    return 0;
}

/* A long double time or count as an integer bound: CMDCHECK_LIMIT + 1 when
 * it is beyond the limit. */
static uint64_t bound(long double v)
{
    return v > (long double)CMDCHECK_LIMIT ? CMDCHECK_LIMIT + 1 : (uint64_t)v;
}

static int check_act(cmdcheck *k, const cmd *c, uint64_t *lat, uint64_t *ev, char *err,
                     size_t errlen)
{
    const struct cfg_tile *t = &k->tp.tile;
    if (set_ok(&c->u.act.rows, "rows", (uint64_t)t->rows, "rows", err, errlen) ||
        set_ok(&c->u.act.cols, "cols", (uint64_t)t->cols, "cols", err, errlen))
        return -1;
    unsigned bits = c->u.act.bits, slices = c->u.act.slices;
    if (bits > k->bits_max)
        return errf(err, errlen, "act: bits=%u beyond the ADCs (expected bits=1..%u: they are "
                    "built for [adc] %s = %u)", bits, k->bits_max,
                    k->cfg->adc.derive_bits ? "bits_max" : "bits", k->bits_max);
    uint32_t nr = (uint32_t)cmd_set_count(&c->u.act.rows);
    uint32_t na = (uint32_t)cmd_set_count(&c->u.act.cols);
    uint64_t rounds = adc_rounds(na, (uint32_t)k->tp.adc.count);
    /* No sample-and-hold: slices (T + C) + t_post, the larger form. */
    long double T = (long double)k->tp.t_pre_ps + (long double)k->tp.t_int_ps;
    long double C = (long double)rounds * (long double)k->t_conv_ps[bits];
    *lat = bound((long double)slices * (T + C) + (long double)k->tp.t_post_ps);
    tile_act_counts n;
    tile_act_count(&k->tp, nr, na, slices, &n);
    *ev = n.cell_reads > n.row_drives ? n.cell_reads : n.row_drives;
    return 0;
}

/* The NoC's part of a transfer or multicast of `bytes` whose flits cross
 * at most `links` links: within the counters, and its bound (the longest
 * unicast path plus serialisation). */
static int check_noc(cmdcheck *k, const char *op, const char *what, uint64_t bytes,
                     uint64_t links, uint64_t *lat, uint64_t *ev, char *err, size_t errlen)
{
    uint64_t bits, per = 8 * (links + 1);
    if (ckd_mul_u64(&bits, bytes, per) || bits > CMDCHECK_LIMIT)
        return errf(err, errlen, "%s: bytes=%" PRIu64 " more than the NoC's counters hold "
                    "(expected at most %" PRIu64 " bytes per %s on this %" PRIu32 " x %" PRIu32
                    " mesh)", op, bytes, CMDCHECK_LIMIT / per, what, k->mesh_w, k->mesh_h);
    uint64_t flits = noc_flits(&k->np, bytes);
    long double ser = (long double)flits * 1e3L / (long double)k->np.noc.clock_ghz;
    *lat = bound((long double)(k->max_hops + 1) * (long double)k->np.router_ps +
                 (long double)k->max_hops * (long double)k->np.link_ps + ser);
    *ev = bits;
    return 0;
}

static int check_xfer(cmdcheck *k, const cmd *c, uint64_t *lat, uint64_t *ev, char *err,
                      size_t errlen)
{
    return check_noc(k, "xfer", "transfer", c->u.xfer.bytes, k->max_hops, lat, ev, err, errlen);
}

/* A multicast: its destinations exist; its tree has fewer links than the
 * mesh has nodes, and its last tail arrives as a unicast's would over the
 * longest path. */
static int check_mcast(cmdcheck *k, const cmd *c, const cmd_op_desc *d, uint64_t *lat,
                       uint64_t *ev, char *err, size_t errlen)
{
    unit_id dst = c->u.mcast.dst;
    uint64_t last = (uint64_t)UNIT_INDEX(dst) + c->u.mcast.dsts - 1;
    if (unit_ok(k, d, "to", dst, err, errlen) ||
        unit_ok(k, d, "to", UNIT(UNIT_KIND(dst), last > 0x0fffffffu ? 0x0fffffffu : last), err,
                errlen))
        return -1;
    return check_noc(k, "mcast", "multicast", c->u.mcast.bytes,
                     (uint64_t)k->mesh_w * k->mesh_h, lat, ev, err, errlen);
}

static int check_mem(cmdcheck *k, const cmd *c, uint64_t *lat, uint64_t *ev, char *err,
                     size_t errlen)
{
    uint64_t addr = c->u.mem.addr, bytes = c->u.mem.bytes, end;
    char us[CMD_UNIT_STRLEN];
    cmd_unit_str(c->unit, us);
    if (UNIT_KIND(c->unit) == UNIT_SRAM) {
        uint64_t cap = (uint64_t)k->sp.sram.bank_bytes;
        if (ckd_add_u64(&end, addr, bytes) || end > cap)
            return errf(err, errlen, "mem: %s addr=%" PRIu64 " bytes=%" PRIu64 " beyond the bank "
                        "(expected addr + bytes <= %" PRIu64 ": [sram] bank_bytes)", us, addr,
                        bytes, cap);
        uint64_t words = mem_sram_words(&k->sp, bytes);
        *lat = bound((long double)k->sp.t_access_ps +
                     (long double)words * (long double)k->sp.t_cycle_ps);
        *ev = bytes;
        return 0;
    }
    if (ckd_add_u64(&end, addr, bytes) || bytes > CMDCHECK_LIMIT)
        return errf(err, errlen, "mem: %s addr=%" PRIu64 " bytes=%" PRIu64 " ends past 2^64 "
                    "(expected addr + bytes < 2^64 and bytes <= 2^62)", us, addr, bytes);
    *lat = bound((long double)bytes * 1e3L / (long double)k->dp.bandwidth_gb_s +
                 (long double)k->dp.t_access_ps);
    *ev = bytes;
    return 0;
}

static int check_dig(cmdcheck *k, const cmd *c, uint64_t *lat, uint64_t *ev, char *err,
                     size_t errlen)
{
    uint32_t m = c->u.dig.m, n = c->u.dig.n, kk = c->u.dig.k;
    long double work = (long double)(m ? m : 1) * (long double)(n ? n : 1) *
                       (long double)(kk ? kk : 1);
    const char *kind = cmd_dig_name(c->u.dig.kind);
    if (work > (long double)CMDCHECK_MAX_WORK)
        return errf(err, errlen, "dig: %s m=%" PRIu32 " n=%" PRIu32 " k=%" PRIu32 ": %.0Lf elements "
                    "of work (expected at most %" PRIu64 " = 2^48, max(m,1) x max(n,1) x "
                    "max(k,1))", kind, m, n, kk, work, CMDCHECK_MAX_WORK);
    long double ps = k->dig_ovh_ps + work * k->dig_ps_per_work;
    if (ps > (long double)CMDCHECK_LIMIT)
        return errf(err, errlen, "dig: %s m=%" PRIu32 " n=%" PRIu32 " k=%" PRIu32 ": up to %.3Lg "
                    "ps on this cluster (expected at most 2^62 ps per operation)", kind, m, n,
                    kk, ps);
    cluster_op_cost cost;
    cluster_op(&k->cp, (enum dig_kind)c->u.dig.kind, m, n, kk, &cost);
    *lat = cluster_cycles_ps(&k->cp, cost.cycles);
    *ev = cost.lane_ops + cost.me_fmas + cost.dma_bytes;
    return 0;
}

int cmdcheck_cmd(cmdcheck *k, const cmd *c, char *err, size_t errlen)
{
    const cmd_op_desc *d = cmd_op(c->op);
    if (!d)
        return errf(err, errlen, "unknown operation %d", c->op);
    if (unit_ok(k, d, d->unit_role, c->unit, err, errlen))
        return -1;
    uint64_t lat = 0, ev = 1;
    int r = 0;
    switch (c->op) {
    case CMD_ACT: r = check_act(k, c, &lat, &ev, err, errlen); break;
    case CMD_XFER:
        r = unit_ok(k, d, "to", c->u.xfer.dst, err, errlen) ||
            check_xfer(k, c, &lat, &ev, err, errlen);
        break;
    case CMD_MEM: r = check_mem(k, c, &lat, &ev, err, errlen); break;
    case CMD_MCAST: r = check_mcast(k, c, d, &lat, &ev, err, errlen); break;
    case CMD_DIG: r = check_dig(k, c, &lat, &ev, err, errlen); break;
    case CMD_PROG: lat = k->tp.t_prog_ps; break;
    case CMD_FIXED:
    case CMD_DELAY:
        /* The stream gives the latency: at most 2^62, as any command's. */
        if (c->u.fixed.lat_ps > CMDCHECK_LIMIT)
            return errf(err, errlen, "%s: lat_ps=%" PRIu64 " (expected at most %" PRIu64
                        " = 2^62)", d->name, c->u.fixed.lat_ps, CMDCHECK_LIMIT);
        lat = c->u.fixed.lat_ps;
        break;
    default: break;
    }
    if (r)
        return -1;
    if (lat > CMDCHECK_LIMIT)
        return errf(err, errlen, "%s: takes more than 2^62 ps (expected a latency below 2^62 ps "
                    "= 53 days)", d->name);
    if (ev > CMDCHECK_LIMIT)
        return errf(err, errlen, "%s: counts more than 2^62 events (expected fewer)", d->name);
    if (ckd_add_u64(&k->t_sum, k->t_sum, lat) || k->t_sum > CMDCHECK_SUM_LIMIT)
        return errf(err, errlen, "the commands up to here take more than 2^63 ps one after "
                    "another (expected a run that cannot exceed 2^63 ps = 106 days of simulated "
                    "time)");
    if (ckd_add_u64(&k->e_sum, k->e_sum, ev) || k->e_sum > CMDCHECK_SUM_LIMIT)
        return errf(err, errlen, "the commands up to here count more than 2^63 events of one "
                    "kind (expected fewer: a statistic would overflow)");
    return 0;
}
