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
/* Murmann survey fit, area at 32 nm and 1 GS/s (Accelergy ADC plug-in). */
static const double murmann_a_bits[] = {4, 6, 8, 10};
static const double murmann_a_um2[] = {372, 921, 2279, 5639};

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

/* SNDR = 6.02 b + 1.76 dB; E = 1 / (2 10^((FOM_S - SNDR) / 10)) J. */
static double e_murmann(const adc_params *p, unsigned bits)
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

/* The survey-fit table (32 nm, 1 GS/s) scaled by the fit's exponents of the
 * node and the sample rate: (tech / 32)^0.993 (f / 1 GS/s)^0.181. */
static double a_murmann(const adc_params *p, unsigned bits)
{
    static const struct curve cv = CURVE(murmann_a_bits, murmann_a_um2);
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
} emodels[ADC_E_MODELS] = {
    [ADC_E_ISAAC] = {"isaac", e_isaac},
    [ADC_E_PUMA] = {"puma", e_puma},
    [ADC_E_MURMANN] = {"murmann", e_murmann},
    [ADC_E_NEUROSIM] = {"neurosim", e_neurosim},
    [ADC_E_ZIGZAG] = {"zigzag", e_zigzag},
    [ADC_E_FIXED] = {"fixed", e_fixed},
};

static const struct {
    const char *name;
    double (*area_um2)(const adc_params *, unsigned);
} amodels[ADC_A_MODELS] = {
    [ADC_A_ISAAC] = {"isaac", a_isaac},
    [ADC_A_MURMANN] = {"murmann", a_murmann},
    [ADC_A_ZIGZAG] = {"zigzag", a_zigzag},
    [ADC_A_FIXED] = {"fixed", a_fixed},
};

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
