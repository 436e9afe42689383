/*
 * adc_cost.c -- the ADC cost model (arch/adc.h): conversion time by kind,
 * energy and area versus resolution by model.
 *
 * Invariant: every function is pure (same parameters, same result) and
 * returns a finite, non-negative value for bits in 1..ADC_MAX_BITS.
 *
 * Tables are interpolated log-linearly (geometrically) between tabulated
 * resolutions and extrapolated beyond the ends with the per-bit ratio of the
 * nearest segment, so values stay positive and grow monotonically with the
 * resolution.  docs/models.md lists the tables and their sources.
 */
#include "arch/adc.h"

#include <math.h>

#include "sim/units.h"

/* A tabulated curve: value (pJ or um^2) at increasing resolutions. */
struct curve {
    int n;
    const double *bits, *val;
};

/* Log-linear interpolation at b; geometric extrapolation beyond the ends. */
static double curve_at(const struct curve *cv, double b)
{
    int i = 0;
    if (b >= cv->bits[cv->n - 1])
        i = cv->n - 2;
    else
        while (i < cv->n - 2 && b > cv->bits[i + 1])
            i++;
    double b0 = cv->bits[i], b1 = cv->bits[i + 1];
    double l0 = log(cv->val[i]), l1 = log(cv->val[i + 1]);
    return exp(l0 + (l1 - l0) * (b - b0) / (b1 - b0));
}

/* ISAAC ADC as tabulated in Accelergy's hwcomponents (32 nm, 1.2 GS/s). */
static const double isaac_e_bits[] = {4, 5, 6, 7, 8, 10};
static const double isaac_e_pj[] = {0.79, 0.99, 1.20, 1.42, 1.67, 2.38};
static const double isaac_a_bits[] = {4, 6, 8, 10};
static const double isaac_a_um2[] = {361, 627, 1200, 3002};
/* PUMA (ISAAC-derived, 32 nm). */
static const double puma_e_bits[] = {4, 6, 8};
static const double puma_e_pj[] = {0.39, 0.88, 1.56};
/* NeuroSim V1.4 SAR ADC, 22 nm (fJ). */
static const double neurosim_e_bits[] = {4, 5, 6, 7, 8};
static const double neurosim_e_fj[] = {33, 42, 53, 65, 78};
/* murmann2022 area: the table constants.md used to quote as the survey fit
 * at 32 nm and 1 GS/s; no revision of the plug-in reproduces it (kept only
 * so that earlier results can be repeated). */
static const double murmann2022_a_bits[] = {4, 6, 8, 10};
static const double murmann2022_a_um2[] = {372, 921, 2279, 5639};

/* The Accelergy ADC plug-in, current revision (accelergy-adc-plug-in
 * model.yaml and model.py, commit 6851cb8, 2024, carried unchanged by
 * hwcomponents-adc; Andrulis et al., "Modeling Analog-Digital-Converter
 * Energy and Area for Compute-In-Memory Accelerator Design",
 * arXiv:2404.06553; data: Murmann, ADC Performance Survey 1997-2023).
 * f is one ADC's sample rate in Hz, tech the node in nm, logs natural. */
#define MUR_LINE_DB 213.7806687348118       /* FOM_S line: a - b ln f */
#define MUR_LINE_PER_LN_HZ 2.8719030399529957
#define MUR_CAP_DB 128.3068287398817        /* FOM_S cap by resolution: c + d ceil(b) */
#define MUR_CAP_PER_BIT_DB 3.220512
#define MUR_CAP_MAX_BITS 20                 /* the cap table has entries 0..20 */
#define MUR_E_LN_C 26.0496215686518         /* energy: x exp(c + t ln tech - r ln b - res) */
#define MUR_E_LN_TECH 1.8800369206815004
#define MUR_E_LN_BITS 2.8291256050594527
#define MUR_E_RESIDUAL 1.4702022133784405   /* 20th percentile of the fit's residuals */
#define MUR_A_LN_C 1.3461916439910742       /* area: exp(c + t ln tech + f ln f + e ln E_pJ) */
#define MUR_A_LN_TECH 0.9932794744745022
#define MUR_A_LN_HZ 0.18071538424508238
#define MUR_A_LN_PJ 0.29912426192653485
#define MUR_MIN_BITS 4                      /* the plug-in refuses fewer bits */

#define CURVE(b, v) {(int)(sizeof b / sizeof b[0]), b, v}

static double e_isaac(const adc_params *p, unsigned bits)
{
    (void)p;
    static const struct curve cv = CURVE(isaac_e_bits, isaac_e_pj);
    return curve_at(&cv, bits);
}

static double e_puma(const adc_params *p, unsigned bits)
{
    (void)p;
    static const struct curve cv = CURVE(puma_e_bits, puma_e_pj);
    return curve_at(&cv, bits);
}

/* One ADC's sample rate at `bits`, Hz: its conversions back to back. */
static double rate_hz(const adc_params *p, unsigned bits)
{
    return units_ghz_to_hz(units_period_ps_to_ghz((double)adc_conv_ps(p, bits)));
}

/* The current plug-in: the Schreier bound E = 1 / (2 10^((FOM_S - SNDR) /
 * 10)), SNDR = b 20 log10(2) + 10 log10(1.5) dB, with FOM_S the smaller of
 * the rate line and the resolution's cap, times the node and resolution
 * regression.  The bound is in joules and the regression was fitted against
 * survey energies in pJ, so the product is pJ (as the plug-in returns it). */
static double e_murmann(const adc_params *p, unsigned bits)
{
    double b = bits;
    double sndr_db = b * 20.0 * log10(2.0) + 10.0 * log10(1.5);
    double line_db = MUR_LINE_DB - MUR_LINE_PER_LN_HZ * log(rate_hz(p, bits));
    unsigned i = bits < MUR_CAP_MAX_BITS ? bits : MUR_CAP_MAX_BITS;
    double cap_db = MUR_CAP_DB + MUR_CAP_PER_BIT_DB * i;
    double fom_db = line_db < cap_db ? line_db : cap_db;
    double bound = 1.0 / (2.0 * pow(10.0, (fom_db - sndr_db) / 10.0));
    return bound * exp(MUR_E_LN_C + MUR_E_LN_TECH * log(p->adc.tech_nm) - MUR_E_LN_BITS * log(b) -
                       MUR_E_RESIDUAL);
}

/* The superseded June 2022 revision: the bare bound with a constant FOM_S
 * ([adc] fom_s_db), so energy grows 4x per bit. */
static double e_murmann2022(const adc_params *p, unsigned bits)
{
    double sndr_db = 6.02 * bits + 1.76;
    return units_j_to_pj(1.0 / (2.0 * pow(10.0, (p->adc.fom_s_db - sndr_db) / 10.0)));
}

static double e_neurosim(const adc_params *p, unsigned bits)
{
    (void)p;
    static const struct curve cv = CURVE(neurosim_e_bits, neurosim_e_fj);
    return units_fj_to_pj(curve_at(&cv, bits));
}

/* (100 fF B + 0.001 fF 4^B) V^2: fF x V^2 = fJ. */
static double e_zigzag(const adc_params *p, unsigned bits)
{
    double c_ff = 100.0 * bits + 0.001 * pow(4.0, bits);
    return units_fj_to_pj(c_ff * p->adc.zigzag_vdd_v * p->adc.zigzag_vdd_v);
}

static double e_fixed(const adc_params *p, unsigned bits)
{
    (void)bits;
    return p->adc.e_fixed_pj;
}

static double a_isaac(const adc_params *p, unsigned bits)
{
    (void)p;
    static const struct curve cv = CURVE(isaac_a_bits, isaac_a_um2);
    return curve_at(&cv, bits);
}

/* The current plug-in's area of one ADC: exp(c + t ln tech + f ln f_Hz +
 * e ln E_pJ), at the ADC's rate and energy at `bits`. */
static double a_murmann(const adc_params *p, unsigned bits)
{
    return exp(MUR_A_LN_C + MUR_A_LN_TECH * log(p->adc.tech_nm) +
               MUR_A_LN_HZ * log(rate_hz(p, bits)) + MUR_A_LN_PJ * log(e_murmann(p, bits)));
}

/* murmann2022: the old table scaled by (tech / 32)^0.993 (f / 1 GS/s)^0.181. */
static double a_murmann2022(const adc_params *p, unsigned bits)
{
    static const struct curve cv = CURVE(murmann2022_a_bits, murmann2022_a_um2);
    double f_gsps = units_period_ps_to_ghz((double)adc_conv_ps(p, bits));
    return curve_at(&cv, bits) * pow(p->adc.tech_nm / 32.0, 0.993) * pow(f_gsps, 0.181);
}

/* 1e-6 10^(-0.0369 B + 1.206) 2^B mm^2 = 10^(-0.0369 B + 1.206) 2^B um^2. */
static double a_zigzag(const adc_params *p, unsigned bits)
{
    (void)p;
    return pow(10.0, -0.0369 * bits + 1.206) * pow(2.0, bits);
}

static double a_fixed(const adc_params *p, unsigned bits)
{
    (void)bits;
    return p->adc.area_fixed_um2;
}

/* The registries: one entry per enum value, in the order of the INI
 * choices ([adc] model, [adc] area_model in arch/params.def). */
static const struct {
    const char *name;
    double (*energy_pj)(const adc_params *, unsigned);
    unsigned lo, hi;  /* resolutions its source covers; outside: extrapolated */
} emodels[ADC_E_MODELS] = {
    [ADC_E_ISAAC] = {"isaac", e_isaac, 4, 10},
    [ADC_E_PUMA] = {"puma", e_puma, 4, 8},
    [ADC_E_MURMANN] = {"murmann", e_murmann, MUR_MIN_BITS, MUR_CAP_MAX_BITS},
    [ADC_E_MURMANN2022] = {"murmann2022", e_murmann2022, 4, 10},
    [ADC_E_NEUROSIM] = {"neurosim", e_neurosim, 4, 8},
    [ADC_E_ZIGZAG] = {"zigzag", e_zigzag, 1, ADC_MAX_BITS},
    [ADC_E_FIXED] = {"fixed", e_fixed, 1, ADC_MAX_BITS},
};

static const struct {
    const char *name;
    double (*area_um2)(const adc_params *, unsigned);
} amodels[ADC_A_MODELS] = {
    [ADC_A_ISAAC] = {"isaac", a_isaac},
    [ADC_A_MURMANN] = {"murmann", a_murmann},
    [ADC_A_MURMANN2022] = {"murmann2022", a_murmann2022},
    [ADC_A_ZIGZAG] = {"zigzag", a_zigzag},
    [ADC_A_FIXED] = {"fixed", a_fixed},
};

int adc_extrapolated(const adc_params *p, unsigned bits)
{
    return bits < emodels[p->adc.model].lo || bits > emodels[p->adc.model].hi;
}

const char *adc_model_name(enum adc_model m)
{
    return (unsigned)m < ADC_E_MODELS ? emodels[m].name : "?";
}

const char *adc_area_model_name(enum adc_area_model m)
{
    return (unsigned)m < ADC_A_MODELS ? amodels[m].name : "?";
}

void adc_params_init(adc_params *p, const config *c) { p->adc = c->adc; }

uint64_t adc_conv_ps(const adc_params *p, unsigned bits)
{
    if (p->adc.kind == ADC_SAR)
        return units_cycles_to_ps(bits + (uint64_t)p->adc.sar_extra_cyc, p->adc.clock_ghz);
    return (uint64_t)llround(ldexp(p->adc.t_lsb_ps, (int)bits));
}

double adc_energy_pj(const adc_params *p, unsigned bits)
{
    return emodels[p->adc.model].energy_pj(p, bits);
}

double adc_area_um2(const adc_params *p, unsigned bits)
{
    return amodels[p->adc.area_model].area_um2(p, bits);
}

unsigned adc_bits_for_rows(uint32_t rows, unsigned min, unsigned max)
{
    unsigned b = 0;
    while (b < 32 && ((uint64_t)1 << b) < rows)
        b++;
    if (b < min)
        b = min;
    if (b > max)
        b = max;
    return b;
}

unsigned adc_bits_for(const config *c, uint32_t rows)
{
    if (c->adc.derive_bits)
        return adc_bits_for_rows(rows, (unsigned)c->adc.bits_min, (unsigned)c->adc.bits_max);
    return (unsigned)c->adc.bits;
}

unsigned adc_design_bits(const config *c)
{
    return (unsigned)(c->adc.derive_bits ? c->adc.bits_max : c->adc.bits);
}

uint32_t adc_rounds(uint32_t a, uint32_t n)
{
    return a / n + (a % n != 0);
}
