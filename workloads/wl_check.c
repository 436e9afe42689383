/*
 * wl_check.c -- cross-parameter constraints of the workload parameters
 * ([model] [transform] [mapping] ...); called by config_check.
 */
#include "sim/config.h"

int workloads_config_check(const config *c, char *err, size_t errlen)
{
    (void)c;
    (void)err;
    (void)errlen;
    return 0;
}
