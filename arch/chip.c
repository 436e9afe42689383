/*
 * chip.c -- assembling the chip from the configuration: its units and the
 * one registry of them, placement on the mesh, statistics, chip_finalize,
 * chip_check and the area / static-power table.  The units are in
 * arch/tile_unit.c, cluster_unit.c, mem_unit.c and noc_unit.c, the
 * placement policies in arch/chip_place.c.
 *
 * Invariant: after chip_create every per-event table and the area
 * breakdown are fixed; commands only add to counters and move busy-until
 * times forward; chip_finalize turns counters into energies (counts x
 * energy per event) once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

/* ---- the registry ---------------------------------------------------------- */

/* The chip's units, in the order of their statistics. */
static int units_of(chip *c, unit out[5])
{
    out[0] = (unit){&tile_unit_ops, &c->tiles};
    out[1] = (unit){&noc_unit_ops, &c->noc};
    out[2] = (unit){&sram_unit_ops, &c->sram};
    out[3] = (unit){&dram_unit_ops, &c->dram};
    out[4] = (unit){&cluster_unit_ops, &c->clusters};
    return 5;
}

/* A delay: given latency and energy, no unit (the chip's shared
 * accounting executes it). */
static void delay_exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    struct chip_shared *sh = self;
    shared_begin(sh, t_ready, out);
    shared_fixed(sh, w, t_ready, PW_NOC, out);
    unit_cp(out, CP_DELAY, w->arg[0]);
    shared_finish(sh, out);
}

static const unit_ops delay_ops = {"delay", delay_exec, NULL, NULL, NULL, NULL, NULL};

/* Which unit executes each op on each kind of unit. */
static void fill_table(chip *c)
{
    unit_table *t = &c->table;
    memset(t, 0, sizeof *t);
    t->exec[CMD_ACT][UNIT_TILE] = (unit){&tile_unit_ops, &c->tiles};
    t->exec[CMD_PROG][UNIT_TILE] = (unit){&tile_unit_ops, &c->tiles};
    t->exec[CMD_FIXED][UNIT_TILE] = (unit){&tile_unit_ops, &c->tiles};
    t->exec[CMD_FIXED][UNIT_CLUSTER] = (unit){&cluster_unit_ops, &c->clusters};
    t->exec[CMD_DELAY][UNIT_NONE] = (unit){&delay_ops, &c->sh};
    t->exec[CMD_DIG][UNIT_CLUSTER] = (unit){&cluster_unit_ops, &c->clusters};
    t->exec[CMD_MEM][UNIT_SRAM] = (unit){&sram_unit_ops, &c->sram};
    t->exec[CMD_MEM][UNIT_DRAM] = (unit){&dram_unit_ops, &c->dram};
    for (int k = 0; k < UNIT_NONE; k++) {
        t->exec[CMD_XFER][k] = (unit){&noc_unit_ops, &c->noc};
        t->exec[CMD_MCAST][k] = (unit){&noc_unit_ops, &c->noc};
    }
    for (int k = 0; k < UNIT_KINDS; k++)
        t->count[k] = c->n[k];
}

const unit_table *chip_units(const chip *c) { return &c->table; }

void chip_set_trace_sink(chip *c, const trace_sink *sink)
{
    c->sh.sink = sink;
    c->table.sink = sink;
}

void chip_exec(chip *c, const cmd_work *w, uint64_t t_ready_ps, unit_timing *out)
{
    const unit *u = w->op < CMD_OPS && UNIT_KIND(w->unit) < UNIT_KINDS
                        ? &c->table.exec[w->op][UNIT_KIND(w->unit)]
                        : NULL;
    if (u && u->ops) {
        u->ops->exec(u->self, w, t_ready_ps, out);
        return;
    }
    memset(out, 0, sizeof *out);
    out->start_ps = out->end_ps = out->span_end_ps = t_ready_ps;
}

/* ---- statistics ------------------------------------------------------------ */

static void register_stats(chip *c, stats *st, int per_unit)
{
    stats_counter(st, &c->st_tiles, "chip.tiles");
    stats_counter(st, &c->st_clusters, "chip.clusters");
    stats_counter(st, &c->st_sram, "chip.sram_banks");
    stats_counter(st, &c->st_dram, "chip.dram_channels");
    stats_counter(st, &c->st_adcs, "chip.adcs");
    stats_counter(st, &c->st_mesh_w, "noc.width");
    stats_counter(st, &c->st_mesh_h, "noc.height");
    stats_counter(st, &c->st_sram_capacity, "sram.capacity_bytes");

    stats_real(st, &c->e_total, "energy.total_pj");
    for (int i = 0; i < E_PARTS; i++)
        stats_real(st, &c->e_part[i], "energy.%s_pj", energy_part_names[i]);
    stats_real(st, &c->area_total_um2, "area.total_um2");
    for (int i = 0; i < AREA_ROWS; i++)
        if (i != AREA_DRAM)
            stats_real(st, &c->area[i].area_um2, "area.%s_um2", area_row_names[i]);
    stats_real(st, &c->p_static_mw, "power.static_mw");
    stats_counter(st, &c->st_reticles, "chip.dies");
    stats_real(st, &c->tiles.util_array, "util.array_time");
    stats_real(st, &c->tiles.util_adc, "util.adc_time");
    stats_real(st, &c->noc.util_link, "util.link_time");
    stats_real(st, &c->clusters.util_cluster, "util.cluster_time");
    for (int i = 0; i < STALL_CAUSES; i++)
        if (i != STALL_DEP) /* the engine's */
            stats_counter(st, &c->sh.stall_ps[i], "stall.%s_ps", stall_cause_names[i]);

    unit u[5];
    int n = units_of(c, u);
    for (int i = 0; i < n; i++)
        u[i].ops->stats(u[i].self, st, 0);
    stats_counter(st, &c->sh.bad_cmds, "chip.invalid_calls");
    if (per_unit)
        for (int i = 0; i < n; i++)
            u[i].ops->stats(u[i].self, st, 1);
}

/* ---- creation -------------------------------------------------------------- */

/* The area table of the chip: every unit's rows for its count. */
static void area_lines(chip *c, area_line rows[AREA_ROWS])
{
    memset(rows, 0, sizeof(area_line) * AREA_ROWS);
    tile_unit_ops.area(&c->tiles, c->n[UNIT_TILE], 1, rows);
    cluster_unit_ops.area(&c->clusters, c->n[UNIT_CLUSTER], 1, rows);
    noc_unit_ops.area(&c->noc, (double)c->noc.routers, 1, rows);
    sram_unit_ops.area(&c->sram, c->n[UNIT_SRAM], 1, rows);
    dram_unit_ops.area(&c->dram, c->n[UNIT_DRAM], 1, rows);
}

int64_t chip_adc_count(const config *c, uint32_t tiles, char *err, size_t errlen)
{
    if (c->adc.budget == 0 && c->adc.area_budget_mm2 == 0)
        return c->adc.count;
    double banks = (double)ceil_div_u64(tiles ? tiles : 1, (uint64_t)c->adc.share_tiles);
    double n;
    int param;
    if (c->adc.budget > 0) {
        n = floor((double)c->adc.budget / banks);
        param = PARAM_adc_budget;
    } else {
        adc_params ap;
        adc_params_init(&ap, c);
        double per_um2 = adc_area_um2(&ap, adc_design_bits(c));
        n = per_um2 > 0 ? floor(units_mm2_to_um2(c->adc.area_budget_mm2) / (banks * per_um2))
                        : (double)c->tile.cols;
        param = PARAM_adc_area_budget_mm2;
    }
    if (n < 1) {
        config_fail(c, param, err, errlen, "gives %.0f ADC banks no ADC each (%s)", banks,
                    param == PARAM_adc_budget ? "at least one ADC per bank"
                                              : "not the area of one ADC per bank");
        return 0;
    }
    return n > (double)c->tile.cols ? c->tile.cols : (int64_t)n;
}

chip *chip_create(const config *cfg, uint32_t tiles_needed, stats *st, char *err,
                  size_t errlen)
{
    return chip_create_placed(cfg, tiles_needed, NULL, st, err, errlen);
}

chip *chip_create_placed(const config *cfg, uint32_t tiles_needed, const uint32_t *tile_cluster,
                         stats *st, char *err, size_t errlen)
{
    uint32_t tiles = cfg->chip.tiles > 0 ? (uint32_t)cfg->chip.tiles : tiles_needed;
    if (cfg->chip.tiles > 0 && tiles_needed > tiles && !cfg->chip.reprogram) {
        config_fail(cfg, PARAM_chip_tiles, err, errlen,
                    "mapping needs %u arrays, chip has %u (set [chip] reprogram = true "
                    "to reprogram arrays)", tiles_needed, tiles);
        return NULL;
    }
    chip *c = xcalloc(1, sizeof *c);
    c->tiles_needed = tiles_needed;
    c->reticle_mm2 = cfg->chip.reticle_mm2;
    tile_unit_init(&c->tiles, &c->sh, cfg, tiles);
    cluster_unit_init(&c->clusters, &c->sh, cfg);
    sram_unit_init(&c->sram, &c->sh, cfg);
    dram_unit_init(&c->dram, &c->sh, cfg);
    c->n[UNIT_TILE] = tiles;
    c->n[UNIT_CLUSTER] = c->clusters.n;
    c->n[UNIT_SRAM] = c->sram.n;
    c->n[UNIT_DRAM] = c->dram.n;
    c->tiles_per_router = (uint32_t)cfg->chip.tiles_per_router;
    c->tile_nodes = (uint32_t)ceil_div_u64(tiles, c->tiles_per_router);

    for (int k = 0; k < UNIT_KINDS; k++)
        c->node[k] = xcalloc(c->n[k] ? c->n[k] : 1, sizeof *c->node[k]);
    uint32_t nodes = c->tile_nodes + c->n[UNIT_CLUSTER] + c->n[UNIT_SRAM] + c->n[UNIT_DRAM];
    noc_params np;
    noc_params_init(&np, cfg);
    if (nodes == 0) {
        config_fail(cfg, PARAM_chip_tiles, err, errlen,
                    "the chip has no units (no tiles, clusters, SRAM banks or DRAM channels)");
        chip_free(c);
        return NULL;
    }
    if (np.width == 0 || np.height == 0) {
        noc_auto_size(nodes, &np.width, &np.height);
    } else if ((uint64_t)np.width * np.height < nodes) {
        config_fail(cfg, config_later(cfg, PARAM_noc_width, PARAM_noc_height), err, errlen,
                    "mesh %u x %u has %llu nodes, the chip needs %u (%u tile nodes, "
                    "%u clusters, %u SRAM banks, %u DRAM channels)",
                    np.width, np.height, (unsigned long long)np.width * np.height, nodes,
                    c->tile_nodes, c->n[UNIT_CLUSTER], c->n[UNIT_SRAM], c->n[UNIT_DRAM]);
        chip_free(c);
        return NULL;
    }
    uint32_t *tc = NULL;
    if (tile_cluster) {
        tc = xmalloc((tiles ? tiles : 1) * sizeof *tc);
        for (uint32_t t = 0; t < tiles; t++)
            tc[t] = t < tiles_needed ? tile_cluster[t] : UINT32_MAX;
    }
    chip_place(c, (enum chip_placement)cfg->chip.placement, np.width, tc);
    free(tc);
    noc_unit_init(&c->noc, &c->sh, &np, (const uint32_t *const *)c->node, c->n);
    fill_table(c);

    area_lines(c, c->area);
    for (int i = 0; i < AREA_ROWS; i++) {
        c->area_total_um2 += c->area[i].area_um2;
        c->p_static_mw += c->area[i].static_mw;
    }
    /* A hop is the node pitch: the mesh spans the chip. */
    noc_params_set_pitch(&c->noc.np, sqrt(units_um2_to_mm2(c->area_total_um2) /
                                          (double)c->noc.routers));
    c->st_reticles = (uint64_t)ceil(units_um2_to_mm2(c->area_total_um2) / cfg->chip.reticle_mm2);

    c->st_tiles = tiles;
    c->st_clusters = c->n[UNIT_CLUSTER];
    c->st_sram = c->n[UNIT_SRAM];
    c->st_dram = c->n[UNIT_DRAM];
    c->st_adcs = (uint64_t)c->tiles.nbanks * (uint64_t)cfg->adc.count;
    c->st_mesh_w = np.width;
    c->st_mesh_h = np.height;
    c->st_sram_capacity = chip_sram_capacity_bytes(c);
    if (st)
        register_stats(c, st, cfg->chip.per_unit_stats);
    return c;
}

void chip_free(chip *c)
{
    if (!c)
        return;
    for (int k = 0; k < UNIT_KINDS; k++)
        free(c->node[k]);
    tile_unit_free(&c->tiles);
    cluster_unit_free(&c->clusters);
    sram_unit_free(&c->sram);
    dram_unit_free(&c->dram);
    noc_unit_free(&c->noc);
    free(c);
}

/* ---- queries ------------------------------------------------------------- */

uint32_t chip_count(const chip *c, enum unit_kind k)
{
    return (unsigned)k < UNIT_NONE ? c->n[k] : 0;
}

int chip_unit_valid(const chip *c, unit_id u)
{
    enum unit_kind k = UNIT_KIND(u);
    return (unsigned)k < UNIT_NONE && UNIT_INDEX(u) < c->n[k];
}

uint64_t chip_sram_capacity_bytes(const chip *c) { return c->sram.capacity_bytes; }

int64_t chip_node(const chip *c, unit_id u)
{
    return chip_unit_valid(c, u) ? (int64_t)c->node[UNIT_KIND(u)][UNIT_INDEX(u)] : -1;
}

void chip_mesh_size(const chip *c, uint32_t *width, uint32_t *height)
{
    *width = c->noc.np.width;
    *height = c->noc.np.height;
}

uint32_t chip_link_slots(const chip *c) { return noc_link_slots(c->noc.mesh); }

void chip_link_name(const chip *c, uint32_t link, char *buf, size_t len)
{
    noc_link_name(c->noc.mesh, link, buf, len);
}

/* ---- end of run ---------------------------------------------------------- */

void chip_finalize(chip *c, uint64_t t_end_ps)
{
    unit u[5];
    int n = units_of(c, u);
    memset(c->e_part, 0, sizeof c->e_part);
    for (int i = 0; i < n; i++)
        u[i].ops->finalize(u[i].self, t_end_ps, c->e_part);
    c->e_part[E_FIXED] = c->sh.e_fixed_pj;
    c->e_part[E_STATIC] = units_static_pj(c->p_static_mw, t_end_ps);
    c->e_total = 0;
    for (int i = 0; i < E_PARTS; i++)
        c->e_total += c->e_part[i];
    c->t_end_ps = t_end_ps;
    c->finalized = 1;
}

static int close_enough(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

int chip_check(const chip *c, char *err, size_t errlen)
{
    const struct chip_shared *sh = &c->sh;
    if (!c->finalized)
        return errf(err, errlen, "chip: chip_finalize was not called");
    if (sh->bad_cmds)
        return errf(err, errlen, "chip: %llu invalid calls (first: %s)",
                    (unsigned long long)sh->bad_cmds, sh->first_bad);
    if (sh->order_violations)
        return errf(err, errlen,
                    "chip: %llu calls came with a t_ready earlier than a previous call's",
                    (unsigned long long)sh->order_violations);
    if (sh->max_end_ps > c->t_end_ps)
        return errf(err, errlen, "chip: work ends at %llu ps, after the end of the run (%llu ps)",
                    (unsigned long long)sh->max_end_ps, (unsigned long long)c->t_end_ps);
    double sum = 0, dyn = 0;
    for (int i = 0; i < E_PARTS; i++) {
        if (!(c->e_part[i] >= 0) || !isfinite(c->e_part[i]))
            return errf(err, errlen, "chip: energy.%s_pj = %g is not a non-negative number",
                        energy_part_names[i], c->e_part[i]);
        sum += c->e_part[i];
        if (i != E_STATIC)
            dyn += c->e_part[i];
    }
    if (!close_enough(sum, c->e_total))
        return errf(err, errlen, "chip: energy parts sum to %.17g pJ, the total is %.17g pJ",
                    sum, c->e_total);
    if (!close_enough(dyn, sh->e_cmd_sum))
        return errf(err, errlen,
                    "chip: per-command energies sum to %.17g pJ, the dynamic total is %.17g pJ",
                    sh->e_cmd_sum, dyn);
    const double ut[] = {c->tiles.util_array, c->tiles.util_adc, c->noc.util_link,
                         c->clusters.util_cluster};
    static const char *const un[] = {"array", "adc", "link", "cluster"};
    for (int i = 0; i < 4; i++)
        if (!(ut[i] >= 0.0 && ut[i] <= 1.0))
            return errf(err, errlen, "chip: util.%s_time = %g is outside [0, 1]", un[i], ut[i]);
    unit u[5];
    int n = units_of((chip *)c, u);
    for (int i = 0; i < n; i++)
        if (u[i].ops->check(u[i].self, c->t_end_ps, err, errlen))
            return -1;
    return 0;
}

/* ---- area table ------------------------------------------------------------ */

/* Prints the non-empty rows of l with their share of `total` area; adds
 * their area and power to *area, *power. */
static void print_lines(FILE *f, const area_line *l, double total, double *area, double *power)
{
    for (int i = 0; i < AREA_ROWS; i++) {
        if (l[i].count == 0 && l[i].static_mw == 0)
            continue;
        char count[32];
        if (l[i].count == floor(l[i].count))
            snprintf(count, sizeof count, "%.0f", l[i].count);
        else
            snprintf(count, sizeof count, "%.4g", l[i].count);
        fprintf(f, "  %-16s %12s %14.6f %7.1f%% %12.3f\n", area_row_labels[i], count,
                units_um2_to_mm2(l[i].area_um2),
                total > 0 ? 100.0 * l[i].area_um2 / total : 0.0, l[i].static_mw);
        *area += l[i].area_um2;
        *power += l[i].static_mw;
    }
}

static void print_header(FILE *f)
{
    fprintf(f, "  %-16s %12s %14s %8s %12s\n", "component", "count", "area_mm2", "area",
            "static_mw");
}

static void print_total(FILE *f, const char *what, double area, double power)
{
    fprintf(f, "  %-16s %12s %14.6f %8s %12.3f\n", what, "", units_um2_to_mm2(area), "",
            power);
}

static double lines_area(const area_line *l)
{
    double a = 0;
    for (int i = 0; i < AREA_ROWS; i++)
        a += l[i].area_um2;
    return a;
}

void chip_print_area(const chip *c, FILE *f)
{
    double a = 0, p = 0;
    const tile_params *tp = &c->tiles.tp;
    fprintf(f, "chip: %u array%s of %lld x %lld, %u ADC bank%s of %lld ADCs, %u cluster%s, "
               "%u SRAM bank%s, mesh %u x %u\n",
            c->n[UNIT_TILE], c->n[UNIT_TILE] == 1 ? "" : "s", (long long)tp->tile.rows,
            (long long)tp->tile.cols, c->tiles.nbanks, c->tiles.nbanks == 1 ? "" : "s",
            (long long)tp->adc.count, c->n[UNIT_CLUSTER], c->n[UNIT_CLUSTER] == 1 ? "" : "s",
            c->n[UNIT_SRAM], c->n[UNIT_SRAM] == 1 ? "" : "s", c->noc.np.width, c->noc.np.height);
    print_header(f);
    print_lines(f, c->area, c->area_total_um2, &a, &p);
    print_total(f, "total", a, p);
    fprintf(f, "DRAM is off-chip: its static power is counted, its area is not.\n");
    chip_print_reticle_note(c, f);
}

void chip_print_reticle_note(const chip *c, FILE *f)
{
    if (c->st_reticles > 1)
        fprintf(f, "note: %.0f mm2 exceeds one lithography field (%.0f mm2): as built it takes %llu "
                   "dies\n",
                units_um2_to_mm2(c->area_total_um2), c->reticle_mm2,
                (unsigned long long)c->st_reticles);
}

int chip_print_area_per_tile(const config *cfg, FILE *f, char *err, size_t errlen)
{
    config one;
    config_copy(&one, cfg);
    one.chip.tiles = 0;
    chip *c = chip_create(&one, 1, NULL, err, errlen);
    config_free(&one);
    if (!c)
        return -1;
    area_line per[AREA_ROWS], rest[AREA_ROWS];
    uint32_t others = c->n[UNIT_CLUSTER] + c->n[UNIT_SRAM] + c->n[UNIT_DRAM];
    memset(per, 0, sizeof per);
    memset(rest, 0, sizeof rest);
    tile_unit_ops.area(&c->tiles, 1, 0, per);
    noc_unit_ops.area(&c->noc, 1.0 / c->tiles_per_router, 0, per);
    cluster_unit_ops.area(&c->clusters, c->n[UNIT_CLUSTER], 1, rest);
    sram_unit_ops.area(&c->sram, c->n[UNIT_SRAM], 1, rest);
    dram_unit_ops.area(&c->dram, c->n[UNIT_DRAM], 1, rest);
    noc_unit_ops.area(&c->noc, others, 1, rest);
    const tile_params *tp = &c->tiles.tp;
    double a = 0, p = 0;
    fprintf(f, "per array (%lld x %lld; banks of %lld ADCs shared by %lld array%s; %u array%s per "
               "router):\n",
            (long long)tp->tile.rows, (long long)tp->tile.cols, (long long)tp->adc.count,
            (long long)tp->adc.share_tiles, tp->adc.share_tiles == 1 ? "" : "s",
            c->tiles_per_router, c->tiles_per_router == 1 ? "" : "s");
    print_header(f);
    print_lines(f, per, lines_area(per), &a, &p);
    print_total(f, "per array", a, p);
    a = p = 0;
    fprintf(f, "rest of the chip:\n");
    print_header(f);
    print_lines(f, rest, lines_area(rest), &a, &p);
    print_total(f, "rest", a, p);
    fprintf(f, "tiles: set by the mapping (see aimcsim map); total = rest + tiles x per "
               "array (the mesh may round up to a few more routers)\n");
    fprintf(f, "DRAM is off-chip: its static power is counted, its area is not.\n");
    chip_free(c);
    return 0;
}
