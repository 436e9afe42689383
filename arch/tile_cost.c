/*
 * tile_cost.c -- the tile cost model (arch/tile.h): activation latency with
 * and without sample-and-hold, event counts, energy and area.
 *
 * Invariant: pure functions; the latency formulas are the closed forms of
 * the reservation recursion the chip runs (arch/chip_exec.c) when the array
 * and the bank are free, so a fresh chip reproduces them exactly (tested).
 */
#include "arch/tile.h"

#include "sim/units.h"
#include "sim/util.h"

void tile_params_init(tile_params *t, const config *c)
{
    t->tile = c->tile;
    t->adc = c->adc;
    t->t_int_ps = units_ns_to_ps(c->tile.t_int_ns);
    t->t_pre_ps = units_ns_to_ps(c->tile.t_pre_ns);
    t->t_post_ps = units_ns_to_ps(c->tile.t_post_ns);
    t->t_prog_ps = units_ns_to_ps((double)c->tile.rows * (double)c->tile.prog_devices *
                                  c->tile.prog_iterations *
                                  (c->tile.prog_pulse_ns + c->tile.prog_verify_ns));
}

double tile_prog_pj(const tile_params *t, double e_conv_pj)
{
    double rounds = (double)t->tile.rows * (double)t->tile.prog_devices * t->tile.prog_iterations;
    tile_act_counts n;
    tile_act_energy e;
    tile_act_count(t, 1, (uint32_t)t->tile.cols, 1, &n);
    tile_act_energy_of(t, &n, e_conv_pj, &e);
    double verify = e.array_pj + e.dac_pj + e.adc_pj + e.periph_pj;
    return rounds * ((double)t->tile.cols * t->tile.prog_pulse_pj + verify);
}

unsigned tile_columns_per_weight(unsigned weight_bits, unsigned cell_bits)
{
    return (unsigned)ceil_div_u64(weight_bits, cell_bits);
}

unsigned tile_input_slices(const tile_params *t)
{
    if (t->tile.input_mode == TILE_PWM)
        return 1;
    return (unsigned)ceil_div_u64((uint64_t)t->tile.input_bits, (uint64_t)t->tile.dac_bits);
}

uint64_t tile_act_latency_ps(const tile_params *t, unsigned slices,
                             uint32_t rounds, uint64_t t_conv_ps)
{
    uint64_t T = t->t_pre_ps + t->t_int_ps, C = (uint64_t)rounds * t_conv_ps;
    if (slices == 0)
        return 0;
    if (!t->adc.sample_hold)
        return slices * (T + C) + t->t_post_ps;
    return T + (uint64_t)(slices - 1) * (T > C ? T : C) + C + t->t_post_ps;
}

uint64_t tile_act_interval_ps(const tile_params *t, unsigned slices,
                              uint32_t rounds, uint64_t t_conv_ps)
{
    uint64_t T = t->t_pre_ps + t->t_int_ps, C = (uint64_t)rounds * t_conv_ps;
    if (!t->adc.sample_hold)
        return slices * (T + C);
    return slices * (T > C ? T : C);
}

void tile_act_count(const tile_params *t, uint32_t rows, uint32_t cols,
                    unsigned slices, tile_act_counts *out)
{
    uint64_t cells_cols = t->tile.gate_cols ? cols : t->tile.cols;
    out->row_drives = (uint64_t)rows * slices;
    out->cell_reads = (uint64_t)rows * cells_cols * slices;
    out->conversions = (uint64_t)cols * slices;
    out->sh_samples = t->adc.sample_hold ? out->conversions : 0;
    out->sa_ops = out->conversions;
}

void tile_act_energy_of(const tile_params *t, const tile_act_counts *n,
                        double e_conv_pj, tile_act_energy *out)
{
    out->array_pj = (double)n->cell_reads * units_fj_to_pj(t->tile.e_cell_fj);
    out->dac_pj = (double)n->row_drives * t->tile.e_dac_pj;
    out->adc_pj = (double)n->conversions * e_conv_pj;
    out->periph_pj = (double)n->sa_ops * t->tile.e_sa_pj +
                     (double)n->sh_samples * units_fj_to_pj(t->tile.e_sh_fj);
}

double tile_array_area_um2(const tile_params *t)
{
    return (double)t->tile.rows * t->tile.cols * t->tile.cell_area_um2;
}

double tile_dac_area_um2(const tile_params *t)
{
    return (double)t->tile.rows * t->tile.dac_area_um2;
}

double tile_periph_area_um2(const tile_params *t)
{
    return (t->adc.sample_hold ? (double)t->tile.cols * t->tile.sh_area_um2 : 0.0) + t->tile.periph_area_um2;
}
