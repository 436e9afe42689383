/*
 * adc.h -- the ADC cost model: conversion time, energy per conversion and
 * area per ADC versus resolution, for the ADC kinds and the published models
 * selectable in [adc] (equations and sources in docs/models.md).
 *
 * Pure functions: parameters in, cost out; no kernel, no state.  The chip
 * precomputes per-resolution tables from them at creation (arch/chip.h).
 */
#ifndef AIMCSIM_ADC_H
#define AIMCSIM_ADC_H

#include <stdint.h>

#include "sim/config.h"

#define ADC_MAX_BITS 16

/* [adc] kind: conversion-time convention (order of the param choices). */
enum adc_kind {
    ADC_SAR,   /* (bits + sar_extra_cyc) cycles of the ADC clock */
    ADC_RAMP,  /* 2^bits LSB times */
    ADC_CCO,   /* as ramp: 2^bits LSB times (HERMES 300 ps/LSB) */
    ADC_KINDS
};

/* [adc] model: energy per conversion versus resolution. */
enum adc_model {
    ADC_E_ISAAC,    /* ISAAC table (hwcomponents), log-linear between points */
    ADC_E_PUMA,     /* PUMA table, log-linear between points */
    ADC_E_MURMANN,  /* survey fit, the Accelergy plug-in's current revision */
    ADC_E_MURMANN2022, /* its superseded 2022 revision: constant FOM_S bound */
    ADC_E_NEUROSIM, /* NeuroSim V1.4 SAR table (22 nm) */
    ADC_E_ZIGZAG,   /* ZigZag-IMC: (100 fF B + 0.001 fF 4^B) V^2 */
    ADC_E_FIXED,    /* [adc] e_fixed_pj at every resolution */
    ADC_E_MODELS
};

/* [adc] area_model: area per ADC versus resolution. */
enum adc_area_model {
    ADC_A_ISAAC,    /* ISAAC table, log-linear between points */
    ADC_A_MURMANN,  /* survey fit, the plug-in's current revision */
    ADC_A_MURMANN2022, /* the old table, scaled by tech^0.993 f^0.181 */
    ADC_A_ZIGZAG,   /* 10^(-0.0369 B + 1.206) 2^B um^2 */
    ADC_A_FIXED,    /* [adc] area_fixed_um2 */
    ADC_A_MODELS
};

/* The ADC model's parameters: [adc] as configured. */
typedef struct adc_params {
    struct cfg_adc adc;
} adc_params;

/* The ADC parameters of a configuration. */
void adc_params_init(adc_params *p, const config *c);

/* Time of one conversion at `bits` (1..ADC_MAX_BITS), integer ps (rounded
 * to nearest). */
uint64_t adc_conv_ps(const adc_params *p, unsigned bits);
/* Energy of one conversion at `bits`, pJ. */
double adc_energy_pj(const adc_params *p, unsigned bits);
/* Area of one ADC built for `bits`, um^2. */
double adc_area_um2(const adc_params *p, unsigned bits);
/* 1 if the energy model's source does not cover `bits` (the value is an
 * extrapolation: murmann below 4 bits, a table beyond its ends). */
int adc_extrapolated(const adc_params *p, unsigned bits);

/* ceil(log2(rows)) clipped to [min, max] (rows >= 1; log2(1) = 0): the
 * resolution that keeps the sum of `rows` one-bit products exact. */
unsigned adc_bits_for_rows(uint32_t rows, unsigned min, unsigned max);
/* The resolution for an activation summing `rows` rows under config c:
 * derived when [adc] derive_bits, else [adc] bits. */
unsigned adc_bits_for(const config *c, uint32_t rows);
/* Resolution the ADCs are built for (area): bits_max if derived, else bits. */
unsigned adc_design_bits(const config *c);
/* Conversion rounds of a bank of n ADCs for a converted columns:
 * ceil(a / n); 0 for a = 0. */
uint32_t adc_rounds(uint32_t a, uint32_t n);

/* Model names as in the INI ("isaac", ...). */
const char *adc_model_name(enum adc_model m);
const char *adc_area_model_name(enum adc_area_model m);

#endif
