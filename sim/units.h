/*
 * units.h -- the one place where units are converted.
 *
 * Internal units: time in integer picoseconds (uint64_t), energy in
 * picojoules (double), power in milliwatts (double), area in square
 * micrometres (double), sizes in bytes.  mW x ps = 1e-3 pJ... so static
 * energy is computed with units_static_pj().  Models never write bare powers
 * of ten; they call these.
 */
#ifndef AIMCSIM_UNITS_H
#define AIMCSIM_UNITS_H

#include <math.h>
#include <stdint.h>

#define PS_PER_NS 1000ULL
#define PS_PER_US 1000000ULL
#define PS_PER_S  1000000000000ULL

static inline double units_ps_to_ns(uint64_t ps) { return (double)ps / 1e3; }
static inline double units_ps_to_us(uint64_t ps) { return (double)ps / 1e6; }
static inline double units_ps_to_ms(uint64_t ps) { return (double)ps / 1e9; }
static inline double units_ps_to_s(uint64_t ps) { return (double)ps / 1e12; }

/* A time in ns (parameter value) to integer ps, rounded to nearest. */
static inline uint64_t units_ns_to_ps(double ns) { return (uint64_t)llround(ns * 1e3); }

/* Cycles of a clock of `ghz` GHz as integer ps: the exact time, rounded to
 * nearest once (every model converts cycles this way, so 9 cycles of an
 * 11.52 GHz clock are 781 ps, not 9 x 87). */
static inline uint64_t units_cycles_to_ps(uint64_t cycles, double ghz)
{
    return (uint64_t)llround((double)cycles * 1e3 / ghz);
}
/* The rate in GHz (events per ns) of one event every period_ps. */
static inline double units_period_ps_to_ghz(double period_ps) { return 1e3 / period_ps; }
static inline double units_ghz_to_hz(double ghz) { return ghz * 1e9; }

/* Energy of a power in mW held for t ps, in pJ: 1 mW x 1 ps = 1e-3 pJ. */
static inline double units_static_pj(double p_mw, uint64_t t_ps) { return p_mw * (double)t_ps * 1e-3; }

/* Unit conversions of energy and area. */
static inline double units_fj_to_pj(double fj) { return fj * 1e-3; }
static inline double units_pj_to_nj(double pj) { return pj * 1e-3; }
static inline double units_pj_to_uj(double pj) { return pj * 1e-6; }
static inline double units_pj_to_j(double pj) { return pj * 1e-12; }
static inline double units_j_to_pj(double j) { return j * 1e12; }
static inline double units_mm2_to_um2(double mm2) { return mm2 * 1e6; }
static inline double units_um2_to_mm2(double um2) { return um2 * 1e-6; }
/* Ops per pJ to TOPS/W: 1 op/pJ = 1e12 op/J = 1 TOPS/W. */
static inline double units_ops_per_pj_to_tops_per_w(double ops_per_pj) { return ops_per_pj; }

#endif
