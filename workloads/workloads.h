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

#endif
