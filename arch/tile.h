/*
 * tile.h -- the cost model of one AIMC tile: an R x C crossbar with its
 * DACs, analog integration, sample-and-hold and shift-and-add (the ADC bank
 * is arch/adc.h).  Equations in docs/models.md.
 *
 * Pure functions: parameters in; latency, event counts, energy, area out.
 *
 * One activation drives `rows` rows for `slices` input slices (1 in PWM
 * mode) and converts `cols` columns per slice in ceil(cols / N) rounds of
 * one conversion time each.  Per slice the array is busy t_pre + t_int;
 * without sample-and-hold it also stays busy through the slice's
 * conversions; with it, the next slice (or activation) integrates while
 * the bank converts the held values.
 */
#ifndef AIMCSIM_TILE_H
#define AIMCSIM_TILE_H

#include <stdint.h>

#include "sim/config.h"

/* [tile] input_mode (order of the param choices). */
enum tile_input_mode { TILE_PWM, TILE_BITSERIAL };

typedef struct tile_params {
    struct cfg_tile tile;   /* [tile] as configured */
    struct cfg_adc adc;     /* [adc]: count (ADCs of the bank), sample_hold */
    uint64_t t_int_ps;      /* [tile] t_int_ns: integration per slice */
    uint64_t t_pre_ps;      /* [tile] t_pre_ns: other array time per slice */
    uint64_t t_post_ps;     /* [tile] t_post_ns: after the last conversion */
    uint64_t t_prog_ps;     /* programming one array: tile_prog_pj's rounds x (pulse + verify) */
} tile_params;

void tile_params_init(tile_params *t, const config *c);

/* Columns one weight occupies: ceil(weight_bits / cell_bits). */
unsigned tile_columns_per_weight(unsigned weight_bits, unsigned cell_bits);
/* Input slices per activation: 1 (pwm) or ceil(input_bits / dac_bits). */
unsigned tile_input_slices(const tile_params *t);

/* Latency of one activation when the array and the ADC bank are free:
 * rounds conversion rounds of t_conv_ps per slice.  With T = t_pre + t_int
 * and C = rounds t_conv:
 *   no sample-and-hold: slices (T + C) + t_post
 *   sample-and-hold:    T + (slices - 1) max(T, C) + C + t_post */
uint64_t tile_act_latency_ps(const tile_params *t, unsigned slices,
                             uint32_t rounds, uint64_t t_conv_ps);
/* Steady-state time between back-to-back activations on one tile with its
 * own bank: the array-bound throughput interval.  No sample-and-hold:
 * slices (T + C); sample-and-hold: slices max(T, C). */
uint64_t tile_act_interval_ps(const tile_params *t, unsigned slices,
                              uint32_t rounds, uint64_t t_conv_ps);

/* Events of one activation. */
typedef struct tile_act_counts {
    uint64_t row_drives;   /* rows x slices (DAC) */
    uint64_t cell_reads;   /* rows x (cols, or all columns) x slices */
    uint64_t conversions;  /* cols x slices (ADC) */
    uint64_t sh_samples;   /* cols x slices with sample-and-hold, else 0 */
    uint64_t sa_ops;       /* cols x slices (shift-and-add) */
} tile_act_counts;

void tile_act_count(const tile_params *t, uint32_t rows, uint32_t cols,
                    unsigned slices, tile_act_counts *out);

/* Energy of those events, pJ, by part; e_conv_pj is the ADC's energy per
 * conversion at the activation's resolution (arch/adc.h). */
typedef struct tile_act_energy {
    double array_pj, dac_pj, adc_pj, periph_pj; /* periph: shift-add, S&H */
} tile_act_energy;

void tile_act_energy_of(const tile_params *t, const tile_act_counts *n,
                        double e_conv_pj, tile_act_energy *out);

/* Programming one array (docs/models.md 2.4): its rows one after another,
 * the cells of a row in parallel, [tile] prog_devices devices per cell in
 * turn, prog_iterations program-and-verify rounds each:
 *   rounds = rows x prog_devices x prog_iterations
 *   time   = rounds x (prog_pulse_ns + prog_verify_ns)        (t_prog_ps)
 *   energy = rounds x (cols x prog_pulse_pj + e_verify)       (tile_prog_pj)
 * where e_verify reads one row through the ADCs (an activation of 1 row
 * and every column at e_conv_pj per conversion). */
double tile_prog_pj(const tile_params *t, double e_conv_pj);

/* Area of one array's parts, um^2 (ADCs and their shift-and-add units are
 * counted with the bank, arch/chip.h). */
double tile_array_area_um2(const tile_params *t);  /* rows x cols cells */
double tile_dac_area_um2(const tile_params *t);    /* one DAC per row */
double tile_periph_area_um2(const tile_params *t); /* S&H per column + fixed */

#endif
