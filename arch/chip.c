/*
 * chip.c -- assembling the chip from the configuration, its statistics,
 * chip_finalize, chip_check and the area / static-power table.  The timed
 * calls are in arch/chip_exec.c, the placement policies in
 * arch/chip_place.c.
 *
 * Invariant: after chip_create every per-event table (conversion time and
 * energy per resolution) and the area breakdown are fixed; the timed calls
 * only add to counters and move busy-until times forward; chip_finalize
 * turns counters into energies (counts x energy per event) once.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

static const char *const part_name[E_PARTS] = {
    [E_ADC] = "adc", [E_DAC] = "dac", [E_ARRAY] = "array", [E_PERIPH] = "periphery",
    [E_DIGITAL] = "digital", [E_NOC] = "noc", [E_SRAM] = "sram", [E_DRAM] = "dram",
    [E_PROGRAM] = "program", [E_STATIC] = "static",
};

static const char *const area_name[AREA_ROWS] = {
    [AREA_ARRAYS] = "arrays", [AREA_ADC] = "adc", [AREA_DAC] = "dac",
    [AREA_PERIPH] = "periphery", [AREA_CLUSTER] = "cluster", [AREA_NOC] = "noc",
    [AREA_SRAM] = "sram", [AREA_DRAM] = "dram",
};

/* Row labels of the printed table. */
static const char *const area_label[AREA_ROWS] = {
    [AREA_ARRAYS] = "arrays", [AREA_ADC] = "ADCs", [AREA_DAC] = "DACs (rows)",
    [AREA_PERIPH] = "periphery", [AREA_CLUSTER] = "clusters", [AREA_NOC] = "NoC routers",
    [AREA_SRAM] = "SRAM banks", [AREA_DRAM] = "DRAM channels",
};

void chip_area_lines(const chip *c, double tiles, double banks, double clusters,
                     double sram, double dram, double routers,
                     struct chip_area_line out[AREA_ROWS])
{
    double adcs = banks * c->tp.nadc;
    out[AREA_ARRAYS] = (struct chip_area_line){tiles, tiles * tile_array_area_um2(&c->tp), 0};
    out[AREA_ADC] = (struct chip_area_line){adcs, adcs * c->adc_area_um2,
                                            adcs * c->adc_leak_mw};
    out[AREA_DAC] = (struct chip_area_line){tiles * c->tp.rows, tiles * tile_dac_area_um2(&c->tp), 0};
    /* Periphery: one shift-and-add per ADC, S&H and fixed per tile; the
     * tile's static power (periphery leakage) is here. */
    out[AREA_PERIPH] = (struct chip_area_line){
        tiles, adcs * c->tp.sa_area_um2 + tiles * tile_periph_area_um2(&c->tp),
        tiles * c->tp.p_leak_mw};
    out[AREA_CLUSTER] = (struct chip_area_line){clusters, clusters * c->cp.area_um2,
                                                clusters * c->cp.p_static_mw};
    out[AREA_NOC] = (struct chip_area_line){routers, routers * c->np.router_area_um2,
                                            routers * c->np.p_router_leak_mw};
    out[AREA_SRAM] = (struct chip_area_line){sram, sram * c->sp.bank_area_um2,
                                             sram * c->sp.p_leak_mw};
    out[AREA_DRAM] = (struct chip_area_line){dram, 0, dram * c->dp.p_static_mw};
}

/* ---- statistics ---------------------------------------------------------- */

static void register_stats(chip *c, stats *st, int per_unit)
{
    static const char *const cause[STALL_CAUSES] = {
        [STALL_DEP] = NULL, [STALL_ORDER] = NULL, [STALL_ARRAY] = "array",
        [STALL_ADC] = "adc", [STALL_LINK] = "link", [STALL_MEM] = "mem",
        [STALL_CLUSTER] = "cluster",
    };
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
        stats_real(st, &c->e_part[i], "energy.%s_pj", part_name[i]);
    stats_real(st, &c->area_total_um2, "area.total_um2");
    for (int i = 0; i < AREA_ROWS; i++)
        if (i != AREA_DRAM)
            stats_real(st, &c->area[i].area_um2, "area.%s_um2", area_name[i]);
    stats_real(st, &c->p_static_mw, "power.static_mw");
    stats_real(st, &c->util_array, "util.array_time");
    stats_real(st, &c->util_adc, "util.adc_time");
    stats_real(st, &c->util_link, "util.link_time");
    stats_real(st, &c->util_cluster, "util.cluster_time");
    for (int i = 0; i < STALL_CAUSES; i++)
        if (cause[i])
            stats_counter(st, &c->stall_ps[i], "stall.%s_ps", cause[i]);

    stats_counter(st, &c->acts, "tile.activations");
    stats_counter(st, &c->row_drives, "tile.row_drives");
    stats_counter(st, &c->cell_reads, "tile.cell_reads");
    stats_counter(st, &c->sa_ops, "tile.shift_adds");
    stats_counter(st, &c->sh_samples, "tile.sh_samples");
    stats_counter(st, &c->programs, "tile.programs");
    stats_counter(st, &c->tile_busy_ps, "tile.busy_ps");
    stats_counter(st, &c->conversions, "adc.conversions");
    stats_counter(st, &c->bank_busy_ps, "adc.busy_ps");
    stats_counter(st, &c->packets, "noc.packets");
    stats_counter(st, &c->noc_bytes, "noc.bytes");
    stats_counter(st, &c->flits, "noc.flits");
    stats_counter(st, &c->flit_hops, "noc.flit_hops");
    stats_counter(st, &c->link_busy_ps, "noc.link_busy_ps");
    stats_counter(st, &c->sram_reads, "sram.reads");
    stats_counter(st, &c->sram_writes, "sram.writes");
    stats_counter(st, &c->sram_words_rd, "sram.read_words");
    stats_counter(st, &c->sram_words_wr, "sram.write_words");
    stats_counter(st, &c->sram_bytes, "sram.bytes");
    stats_counter(st, &c->sram_bad_addr, "sram.beyond_capacity");
    stats_counter(st, &c->sram_busy_ps, "sram.busy_ps");
    stats_counter(st, &c->dram_reads, "dram.reads");
    stats_counter(st, &c->dram_writes, "dram.writes");
    stats_counter(st, &c->dram_bytes, "dram.bytes");
    stats_counter(st, &c->dram_accesses, "dram.accesses");
    stats_counter(st, &c->dram_busy_ps, "dram.busy_ps");
    stats_counter(st, &c->dig_ops, "cluster.ops");
    stats_counter(st, &c->lane_ops, "cluster.lane_ops");
    stats_counter(st, &c->me_fmas, "cluster.me_fmas");
    stats_counter(st, &c->dma_bytes, "cluster.dma_bytes");
    stats_counter(st, &c->streamed_ops, "cluster.streamed_ops");
    stats_counter(st, &c->cluster_busy_ps, "cluster.busy_ps");
    stats_counter(st, &c->bad_cmds, "chip.invalid_calls");

    if (!per_unit)
        return;
    for (uint32_t i = 0; i < c->n[UNIT_TILE]; i++) {
        stats_counter(st, &c->tile[i].acts, "tile%u.activations", i);
        stats_counter(st, &c->tile[i].busy_ps, "tile%u.busy_ps", i);
    }
    for (uint32_t i = 0; i < c->nbanks; i++)
        stats_counter(st, &c->bank[i].busy_ps, "adc%u.busy_ps", i);
    for (uint32_t i = 0; i < c->n[UNIT_CLUSTER]; i++) {
        stats_counter(st, &c->cl[i].ops, "cluster%u.ops", i);
        stats_counter(st, &c->cl[i].busy_ps, "cluster%u.busy_ps", i);
    }
    for (uint32_t i = 0; i < c->n[UNIT_SRAM]; i++) {
        stats_counter(st, &c->sram[i].reads, "sram%u.reads", i);
        stats_counter(st, &c->sram[i].writes, "sram%u.writes", i);
        stats_counter(st, &c->sram[i].r.busy_ps, "sram%u.busy_ps", i);
    }
    for (uint32_t i = 0; i < c->n[UNIT_DRAM]; i++) {
        stats_counter(st, &c->dram[i].bytes, "dram%u.bytes", i);
        stats_counter(st, &c->dram[i].r.busy_ps, "dram%u.busy_ps", i);
    }
}

/* ---- creation -------------------------------------------------------------- */

chip *chip_create(const config *cfg, uint32_t tiles_needed, stats *st, char *err,
                  size_t errlen)
{
    uint32_t tiles = cfg->chip.tiles > 0 ? (uint32_t)cfg->chip.tiles : tiles_needed;
    if (cfg->chip.tiles > 0 && tiles_needed > tiles && !cfg->chip.reprogram) {
        config_fail(cfg, PARAM_chip_tiles, err, errlen,
                    "mapping needs %u arrays, chip has %u (set [chip] reprogram = true "
                    "to reprogram arrays)", tiles_needed, tiles);
        return NULL;
    }
    chip *c = xcalloc(1, sizeof *c);
    tile_params_init(&c->tp, cfg);
    adc_params_init(&c->ap, cfg);
    cluster_params_init(&c->cp, cfg);
    noc_params_init(&c->np, cfg);
    mem_sram_params_init(&c->sp, cfg);
    mem_dram_params_init(&c->dp, cfg);
    c->adc_leak_mw = cfg->adc.p_leak_mw;
    c->tiles_needed = tiles_needed;
    c->reprogram = cfg->chip.reprogram;
    c->n[UNIT_TILE] = tiles;
    c->n[UNIT_CLUSTER] = (uint32_t)cfg->cluster.count;
    c->n[UNIT_SRAM] = (uint32_t)cfg->sram.banks;
    c->n[UNIT_DRAM] = (uint32_t)cfg->dram.channels;
    c->tiles_per_router = (uint32_t)cfg->chip.tiles_per_router;
    c->share_tiles = (uint32_t)cfg->adc.share_tiles;
    c->nbanks = (uint32_t)ceil_div_u64(tiles, c->share_tiles);
    c->tile_nodes = (uint32_t)ceil_div_u64(tiles, c->tiles_per_router);

    for (unsigned b = 1; b <= ADC_MAX_BITS; b++) {
        c->t_conv_ps[b] = adc_conv_ps(&c->ap, b);
        c->e_conv_pj[b] = adc_energy_pj(&c->ap, b);
    }
    c->adc_area_um2 = adc_area_um2(&c->ap, adc_design_bits(cfg));

    for (int k = 0; k < UNIT_KINDS; k++)
        c->node[k] = xcalloc(c->n[k] ? c->n[k] : 1, sizeof *c->node[k]);
    uint32_t nodes = c->tile_nodes + c->n[UNIT_CLUSTER] + c->n[UNIT_SRAM] + c->n[UNIT_DRAM];
    if (nodes == 0) {
        config_fail(cfg, PARAM_chip_tiles, err, errlen,
                    "the chip has no units (no tiles, clusters, SRAM banks or DRAM channels)");
        chip_free(c);
        return NULL;
    }
    if (c->np.width == 0 || c->np.height == 0) {
        noc_auto_size(nodes, &c->np.width, &c->np.height);
    } else if ((uint64_t)c->np.width * c->np.height < nodes) {
        config_fail(cfg, config_later(cfg, PARAM_noc_width, PARAM_noc_height), err, errlen,
                    "mesh %u x %u has %llu nodes, the chip needs %u (%u tile nodes, "
                    "%u clusters, %u SRAM banks, %u DRAM channels)",
                    c->np.width, c->np.height,
                    (unsigned long long)c->np.width * c->np.height, nodes, c->tile_nodes,
                    c->n[UNIT_CLUSTER], c->n[UNIT_SRAM], c->n[UNIT_DRAM]);
        chip_free(c);
        return NULL;
    }
    chip_place(c, (enum chip_placement)cfg->chip.placement);
    c->nlinks = noc_link_count(c->np.width, c->np.height);
    c->mesh = noc_create(&c->np);

    c->tile = xcalloc(tiles ? tiles : 1, sizeof *c->tile);
    c->bank = xcalloc(c->nbanks ? c->nbanks : 1, sizeof *c->bank);
    c->cl = xcalloc(c->n[UNIT_CLUSTER] ? c->n[UNIT_CLUSTER] : 1, sizeof *c->cl);
    for (uint32_t i = 0; i < c->n[UNIT_CLUSTER]; i++)
        c->cl[i].slot = xcalloc(c->cp.slots, sizeof *c->cl[i].slot);
    c->sram = xcalloc(c->n[UNIT_SRAM] ? c->n[UNIT_SRAM] : 1, sizeof *c->sram);
    c->dram = xcalloc(c->n[UNIT_DRAM] ? c->n[UNIT_DRAM] : 1, sizeof *c->dram);

    chip_area_lines(c, tiles, c->nbanks, c->n[UNIT_CLUSTER], c->n[UNIT_SRAM],
                    c->n[UNIT_DRAM], (double)c->np.width * c->np.height, c->area);
    for (int i = 0; i < AREA_ROWS; i++) {
        c->area_total_um2 += c->area[i].area_um2;
        c->p_static_mw += c->area[i].static_mw;
    }

    c->st_tiles = tiles;
    c->st_clusters = c->n[UNIT_CLUSTER];
    c->st_sram = c->n[UNIT_SRAM];
    c->st_dram = c->n[UNIT_DRAM];
    c->st_adcs = (uint64_t)c->nbanks * c->tp.nadc;
    c->st_mesh_w = c->np.width;
    c->st_mesh_h = c->np.height;
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
    for (uint32_t i = 0; c->cl && i < c->n[UNIT_CLUSTER]; i++)
        free(c->cl[i].slot);
    free(c->cl);
    free(c->tile);
    free(c->bank);
    free(c->sram);
    free(c->dram);
    noc_free(c->mesh);
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

uint64_t chip_sram_capacity_bytes(const chip *c)
{
    return (uint64_t)c->n[UNIT_SRAM] * c->sp.bank_bytes;
}

int64_t chip_node(const chip *c, unit_id u)
{
    return chip_unit_valid(c, u) ? (int64_t)c->node[UNIT_KIND(u)][UNIT_INDEX(u)] : -1;
}

void chip_mesh_size(const chip *c, uint32_t *width, uint32_t *height)
{
    *width = c->np.width;
    *height = c->np.height;
}

void chip_program_cost(const chip *c, uint64_t *t_ps, double *e_pj)
{
    *t_ps = c->tp.t_prog_ps;
    *e_pj = c->tp.e_prog_pj;
}

void chip_bad(chip *c, uint64_t t_ready, chip_timing *out, const char *fmt, ...)
{
    if (c->bad_cmds++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->first_bad, sizeof c->first_bad, fmt, ap);
        va_end(ap);
    }
    out->start_ps = out->end_ps = out->adc_start_ps = out->adc_end_ps = t_ready;
}

/* ---- end of run ---------------------------------------------------------- */

static double ratio(double busy, double units, uint64_t t_ps)
{
    return units > 0 && t_ps > 0 ? busy / (units * (double)t_ps) : 0.0;
}

void chip_finalize(chip *c, uint64_t t_end_ps)
{
    double *e = c->e_part;
    const tile_params *tp = &c->tp;
    e[E_ADC] = 0;
    for (unsigned b = 1; b <= ADC_MAX_BITS; b++)
        e[E_ADC] += (double)c->conv_bits[b] * c->e_conv_pj[b];
    e[E_DAC] = (double)c->row_drives * tp->e_dac_pj;
    e[E_ARRAY] = (double)c->cell_reads * units_fj_to_pj(tp->e_cell_fj);
    e[E_PERIPH] = (double)c->sa_ops * tp->e_sa_pj +
                  (double)c->sh_samples * units_fj_to_pj(tp->e_sh_fj);
    e[E_DIGITAL] = (double)c->lane_ops * c->cp.e_lane_op_pj +
                   (double)c->me_fmas * c->cp.e_me_fma_pj +
                   (double)c->dma_bytes * c->cp.e_dma_byte_pj;
    e[E_NOC] = units_fj_to_pj((double)c->router_bits * c->np.e_router_bit_fj +
                              (double)c->link_bits * c->np.e_link_bit_fj);
    e[E_SRAM] = (double)(c->sram_words_rd + c->sram_words_wr) * c->sp.e_access_pj;
    e[E_DRAM] = (double)c->dram_accesses * c->dp.e_access_pj +
                8.0 * (double)c->dram_bytes * c->dp.e_bit_pj;
    e[E_PROGRAM] = (double)c->programs * tp->e_prog_pj;
    e[E_STATIC] = units_static_pj(c->p_static_mw, t_end_ps);
    c->e_total = 0;
    for (int i = 0; i < E_PARTS; i++)
        c->e_total += e[i];

    c->link_busy_ps = noc_busy_ps(c->mesh);
    c->util_array = ratio((double)c->tile_busy_ps, c->n[UNIT_TILE], t_end_ps);
    c->util_adc = ratio((double)c->bank_busy_ps, c->nbanks, t_end_ps);
    c->util_link = ratio((double)c->link_busy_ps, (double)c->nlinks, t_end_ps);
    c->util_cluster = ratio((double)c->cluster_busy_ps,
                            (double)c->n[UNIT_CLUSTER] * c->cp.slots, t_end_ps);
    c->t_end_ps = t_end_ps;
    c->finalized = 1;
}

static int close_enough(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* busy <= t_end for n resources of stride `stride` bytes starting at p. */
static int busy_ok(const chip *c, const char *what, const uint64_t *busy, uint32_t n,
                   size_t stride, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t b = *(const uint64_t *)((const char *)busy + i * stride);
        if (b > c->t_end_ps)
            return errf(err, errlen,
                        "chip: %s %u busy %llu ps exceeds the elapsed %llu ps", what, i,
                        (unsigned long long)b, (unsigned long long)c->t_end_ps);
    }
    return 0;
}

int chip_check(const chip *c, char *err, size_t errlen)
{
    if (!c->finalized)
        return errf(err, errlen, "chip: chip_finalize was not called");
    if (c->bad_cmds)
        return errf(err, errlen, "chip: %llu invalid calls (first: %s)",
                    (unsigned long long)c->bad_cmds, c->first_bad);
    if (c->order_violations)
        return errf(err, errlen,
                    "chip: %llu calls came with a t_ready earlier than a previous call's",
                    (unsigned long long)c->order_violations);
    if (c->sram_bad_addr)
        return errf(err, errlen,
                    "chip: %llu SRAM accesses beyond the bank capacity of %llu bytes",
                    (unsigned long long)c->sram_bad_addr,
                    (unsigned long long)c->sp.bank_bytes);
    if (c->max_end_ps > c->t_end_ps)
        return errf(err, errlen, "chip: work ends at %llu ps, after the end of the run (%llu ps)",
                    (unsigned long long)c->max_end_ps, (unsigned long long)c->t_end_ps);
    double sum = 0, dyn = 0;
    for (int i = 0; i < E_PARTS; i++) {
        if (!(c->e_part[i] >= 0) || !isfinite(c->e_part[i]))
            return errf(err, errlen, "chip: energy.%s_pj = %g is not a non-negative number",
                        part_name[i], c->e_part[i]);
        sum += c->e_part[i];
        if (i != E_STATIC)
            dyn += c->e_part[i];
    }
    if (!close_enough(sum, c->e_total))
        return errf(err, errlen, "chip: energy parts sum to %.17g pJ, the total is %.17g pJ",
                    sum, c->e_total);
    if (!close_enough(dyn, c->e_cmd_sum))
        return errf(err, errlen,
                    "chip: per-command energies sum to %.17g pJ, the dynamic total is %.17g pJ",
                    c->e_cmd_sum, dyn);
    const double u[] = {c->util_array, c->util_adc, c->util_link, c->util_cluster};
    static const char *const un[] = {"array", "adc", "link", "cluster"};
    for (int i = 0; i < 4; i++)
        if (!(u[i] >= 0.0 && u[i] <= 1.0))
            return errf(err, errlen, "chip: util.%s_time = %g is outside [0, 1]", un[i], u[i]);
    if (busy_ok(c, "tile", &c->tile[0].busy_ps, c->n[UNIT_TILE], sizeof *c->tile, err, errlen) ||
        busy_ok(c, "ADC bank", &c->bank[0].busy_ps, c->nbanks, sizeof *c->bank, err, errlen) ||
        busy_ok(c, "SRAM bank", &c->sram[0].r.busy_ps, c->n[UNIT_SRAM], sizeof *c->sram, err,
                errlen) ||
        busy_ok(c, "DRAM channel", &c->dram[0].r.busy_ps, c->n[UNIT_DRAM], sizeof *c->dram,
                err, errlen))
        return -1;
    for (uint32_t i = 0; i < c->n[UNIT_CLUSTER]; i++)
        if (busy_ok(c, "cluster slot", &c->cl[i].slot[0].busy_ps, c->cp.slots,
                    sizeof *c->cl[i].slot, err, errlen))
            return -1;
    if (noc_busy_max_ps(c->mesh) > c->t_end_ps)
        return errf(err, errlen, "chip: a link is busy %llu ps, longer than the run (%llu ps)",
                    (unsigned long long)noc_busy_max_ps(c->mesh),
                    (unsigned long long)c->t_end_ps);
    return 0;
}

/* ---- area table ------------------------------------------------------------ */

/* Prints the non-empty rows of l with their share of `total` area; adds
 * their area and power to *area, *power. */
static void print_lines(FILE *f, const struct chip_area_line *l, double total,
                        double *area, double *power)
{
    for (int i = 0; i < AREA_ROWS; i++) {
        if (l[i].count == 0 && l[i].static_mw == 0)
            continue;
        char count[32];
        if (l[i].count == floor(l[i].count))
            snprintf(count, sizeof count, "%.0f", l[i].count);
        else
            snprintf(count, sizeof count, "%.4g", l[i].count);
        fprintf(f, "  %-16s %12s %14.6f %7.1f%% %12.3f\n", area_label[i], count,
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

static double lines_area(const struct chip_area_line *l)
{
    double a = 0;
    for (int i = 0; i < AREA_ROWS; i++)
        a += l[i].area_um2;
    return a;
}

void chip_print_area(const chip *c, FILE *f)
{
    double a = 0, p = 0;
    fprintf(f, "chip: %u array%s of %u x %u, %u ADC bank%s of %u ADCs, %u cluster%s, "
               "%u SRAM bank%s, mesh %u x %u\n",
            c->n[UNIT_TILE], c->n[UNIT_TILE] == 1 ? "" : "s", c->tp.rows, c->tp.cols,
            c->nbanks, c->nbanks == 1 ? "" : "s", c->tp.nadc, c->n[UNIT_CLUSTER],
            c->n[UNIT_CLUSTER] == 1 ? "" : "s", c->n[UNIT_SRAM],
            c->n[UNIT_SRAM] == 1 ? "" : "s", c->np.width, c->np.height);
    print_header(f);
    print_lines(f, c->area, c->area_total_um2, &a, &p);
    print_total(f, "total", a, p);
    fprintf(f, "DRAM is off-chip: its static power is counted, its area is not.\n");
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
    struct chip_area_line per[AREA_ROWS], rest[AREA_ROWS];
    uint32_t others = c->n[UNIT_CLUSTER] + c->n[UNIT_SRAM] + c->n[UNIT_DRAM];
    chip_area_lines(c, 1, 1.0 / c->share_tiles, 0, 0, 0, 1.0 / c->tiles_per_router, per);
    chip_area_lines(c, 0, 0, c->n[UNIT_CLUSTER], c->n[UNIT_SRAM], c->n[UNIT_DRAM], others,
                    rest);
    double a = 0, p = 0;
    fprintf(f, "per array (%u x %u; banks of %u ADCs shared by %u array%s; %u array%s per "
               "router):\n",
            c->tp.rows, c->tp.cols, c->tp.nadc, c->share_tiles, c->share_tiles == 1 ? "" : "s",
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

uint32_t chip_link_slots(const chip *c) { return noc_link_slots(c->mesh); }

void chip_link_name(const chip *c, uint32_t link, char *buf, size_t len)
{
    noc_link_name(c->mesh, link, buf, len);
}

void chip_set_link_observer(chip *c, void (*fn)(void *ctx, uint32_t link, uint64_t start_ps,
                                                uint64_t end_ps),
                            void *ctx)
{
    noc_set_link_observer(c->mesh, fn, ctx);
}
