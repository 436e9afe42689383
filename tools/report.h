/*
 * report.h -- the human report of a run: a few aligned tables on stdout
 * (latency, its critical path, energy by component and the top
 * projections, area, utilisation, waiting commands).  Every figure comes from the statistics registry,
 * so the report and stats.json never disagree.
 */
#ifndef AIMCSIM_REPORT_H
#define AIMCSIM_REPORT_H

#include <stdio.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "sim/cmd.h"
#include "sim/unit.h"
#include "workloads/model.h"

void report_print(FILE *f, const config *c, const model *m, const stats *st,
                  const cmd_tag *tags, uint32_t ntags, const engine_tag_stats *ts);

/* The critical path of a phase from the statistics (crit.*): ps[c] per
 * category and the phase's time, which they add up to.  Phases: "ttft"
 * (the first token), "tpot" (the mean decoded token), "slowest" (the
 * slowest decoded token), "total" (the whole run).  Returns 0, or -1 when
 * the run has no such phase (no token; no decoded token). */
int report_crit(const stats *st, const char *phase, double ps[CP_CATS], double *total);

/* A time in ps as text with a fitting unit ("12.5 us"). */
void report_time(char *buf, size_t n, double ps);
/* An energy in pJ as text with a fitting unit ("3.2 uJ"). */
void report_energy(char *buf, size_t n, double pj);

#endif
