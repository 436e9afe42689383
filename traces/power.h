/*
 * power.h -- the time-binned power/energy trace: a CSV with one row per bin
 * of simulated time and one energy column per component.  Columns and units
 * are in docs/outputs.md, "Traces".
 *
 * Energies arrive as (component, interval, pJ) in any order and are spread
 * uniformly over their interval: each bin gets the share of its overlap
 * with the interval, and the shares add up to the energy (the last bin gets
 * the remainder).  Bins are held in memory, at most POWER_MAX_CELLS
 * (bins x components) of them: when a run needs more, the bin width is
 * doubled (adjacent bins merged, sums unchanged) as often as needed, so
 * memory stays bounded; power_bin_ps tells the width in use.  The file is
 * written at commit, whole or not at all (gzip for ".gz").
 */
#ifndef AIMCSIM_POWER_H
#define AIMCSIM_POWER_H

#include <stddef.h>
#include <stdint.h>

#define POWER_FORMAT "aimcsim-power 1"
#define POWER_MAX_CELLS ((uint64_t)1 << 23)  /* 64 MiB of doubles */

typedef struct power_trace power_trace;

/* bin_ns > 0 (rounded to whole ps, at least 1 ps); component names are
 * copied and must be non-empty without commas, quotes or control
 * characters.  NULL with a message on error. */
power_trace *power_open(const char *path, double bin_ns, const char *const *component_names,
                        int ncomp, char *err, size_t errlen);
/* Adds energy_pj >= 0 of component comp over [start_ps, end_ps).  A
 * zero-length interval at t counts in the bin (b*w, (b+1)*w] holding t
 * (bin 0 for t = 0).  0, or -1 (bad component, end before start, negative
 * or non-finite energy: remembered, reported at commit). */
int power_add(power_trace *p, int comp, uint64_t start_ps, uint64_t end_ps, double energy_pj);
/* Bin width in use (ps), bins touched so far, and the dynamic energy of a
 * bin and component so far (0 beyond the bins touched). */
uint64_t power_bin_ps(const power_trace *p);
uint64_t power_nbins(const power_trace *p);
double power_bin_pj(const power_trace *p, uint64_t bin, int comp);

/* Writes ceil(t_end_ps / bin) rows covering [0, t_end_ps) (the last bin
 * cut at t_end_ps), adding static_mw[c] x bin duration to component c
 * (static_mw may be NULL).  Fails if energy was added after t_end_ps.
 * 0, or -1 with a message.  Frees p either way. */
int power_commit(power_trace *p, uint64_t t_end_ps, const double *static_mw, char *err,
                 size_t errlen);
void power_abort(power_trace *p);

#endif
