/*
 * report.h -- the human report of a run: a few aligned tables on stdout
 * (latency, energy by component and the top projections, area,
 * utilisation, stalls).  Every figure comes from the statistics registry,
 * so the report and stats.json never disagree.
 */
#ifndef AIMCSIM_REPORT_H
#define AIMCSIM_REPORT_H

#include <stdio.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "sim/cmd.h"
#include "workloads/model.h"

void report_print(FILE *f, const config *c, const model *m, const stats *st,
                  const cmd_tag *tags, uint32_t ntags, const engine_tag_stats *ts);

/* A time in ps as text with a fitting unit ("12.5 us"). */
void report_time(char *buf, size_t n, double ps);
/* An energy in pJ as text with a fitting unit ("3.2 uJ"). */
void report_energy(char *buf, size_t n, double pj);

#endif
