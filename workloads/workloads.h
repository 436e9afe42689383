/*
 * workloads.h -- the cross-parameter checks of the workload parameters
 * ([model] [transform] [mapping] [lora]), workloads/workloads.c.
 *
 * workloads_config_check builds the model and its transform (cheap: no
 * mapping) so that every check that depends on the model's shape -- custom
 * dimensions, Monarch block counts, block size against the array,
 * projection names in [mapping] digital and in the profile file -- fails
 * before any subcommand runs, with exit status 2.  0, or -1 with a message
 * located at its file and line (or its --set argument).
 */
#ifndef AIMCSIM_WORKLOADS_H
#define AIMCSIM_WORKLOADS_H

#include <stddef.h>

#include "sim/config.h"

int workloads_config_check(const config *c, char *err, size_t errlen);

/* What the workload side of a run allocates, about, from the configuration
 * alone (the resource estimate made before anything large is allocated,
 * docs/reliability.md): the model graph, the transform, the mapping (every
 * projection counted as analog: an upper bound) and the scheduler (its
 * node outputs, KV-cache records and the commands of its largest step for
 * every sequence).  Saturating at UINT64_MAX.  -1 when the model or its
 * Monarch blocks are invalid (workloads_config_check says why). */
typedef struct workloads_mem {
    uint64_t model_bytes, transform_bytes, mapping_bytes, sched_bytes;
    uint64_t arrays;      /* arrays of the mapping, at most */
    uint64_t tags;        /* tags of the scheduled stream */
} workloads_mem;
int workloads_mem_estimate(const config *c, workloads_mem *w);

#endif
