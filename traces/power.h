/*
 * power.h -- the time-binned power/energy trace: a CSV with one row per bin
 * of simulated time and one energy column per component.  Columns and units
 * are in docs/outputs.md, "Traces".
 *
 * Energies arrive as (component, interval, pJ) in any order and are spread
 * uniformly over their interval: each bin gets the share of its overlap
 * with the interval, and the shares add up to the energy (the last bin gets
 * the remainder).  The file is streamed: power_advance(t) promises that no
 * energy will start before t, and the rows of the bins that are then final
 * are written at once, so memory holds only the bins between t and the
 * latest interval end (at most POWER_MAX_CELLS bins x components).  The
 * file is written whole or not at all (traces/tout.h), gzip-compressed
 * once it grows past a size.
 */
#ifndef AIMCSIM_POWER_H
#define AIMCSIM_POWER_H

#include <stddef.h>
#include <stdint.h>

#define POWER_FORMAT "aimcsim-power 1"
#define POWER_MAX_CELLS ((uint64_t)1 << 23)  /* 64 MiB of doubles held at once */

typedef struct power_trace power_trace;

/* bin_ns > 0 (rounded to whole ps, at least 1 ps); component names are
 * copied and must be non-empty without commas, quotes or control
 * characters; static_mw[c] >= 0 is added to component c as power x bin
 * duration (static_mw may be NULL: none).  The file is path, or path.gz
 * once it would exceed gz_above_bytes (traces/tout.h).  NULL with a
 * message on error. */
power_trace *power_open(const char *path, double bin_ns, const char *const *component_names,
                        int ncomp, const double *static_mw, uint64_t gz_above_bytes, char *err,
                        size_t errlen);
/* Adds energy_pj >= 0 of component comp over [start_ps, end_ps).  A
 * zero-length interval at t counts in the bin (b*w, (b+1)*w] holding t
 * (bin 0 for t = 0).  0, or -1 (bad component, end before start, negative
 * or non-finite energy, a start before the time last passed to
 * power_advance, more than POWER_MAX_CELLS cells held: remembered,
 * reported at commit). */
int power_add(power_trace *p, int comp, uint64_t start_ps, uint64_t end_ps, double energy_pj);
/* No energy will be added that starts before now_ps: the rows of the bins
 * that can no longer change are written.  now_ps must not decrease.
 * Cheap when no bin becomes final. */
void power_advance(power_trace *p, uint64_t now_ps);
/* Bin width (ps), bins touched so far, and the dynamic energy of a bin and
 * component so far (0 for a bin already written or not touched). */
uint64_t power_bin_ps(const power_trace *p);
uint64_t power_nbins(const power_trace *p);
double power_bin_pj(const power_trace *p, uint64_t bin, int comp);

/* Writes the remaining rows, ceil(t_end_ps / bin) rows in all covering
 * [0, t_end_ps) (the last bin cut at t_end_ps).  Fails if energy was added
 * after t_end_ps.  0, or -1 with a message.  Frees p either way. */
int power_commit(power_trace *p, uint64_t t_end_ps, char *err, size_t errlen);
void power_abort(power_trace *p);

#endif
