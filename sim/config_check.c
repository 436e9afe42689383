/*
 * config_check.c -- the cross-parameter constraints of a configuration: one
 * function that always runs before a configuration is used.  Run-level
 * checks are here; hardware and workload checks are in their modules
 * (arch/arch_check.c, workloads/wl_check.c), called from here.
 *
 * Each violation is reported at the parameter set last among those involved
 * (config_fail names its file and line, or its --set argument).
 */
#include "sim/config.h"

int config_later(const config *c, int a, int b)
{
    if (c->set_arg[b] && !c->set_arg[a])
        return b;
    if (c->set_arg[a] && !c->set_arg[b])
        return a;
    return c->line[b] > c->line[a] ? b : a;
}

int config_check(const config *c, char *err, size_t errlen)
{
    if (c->run.prompt_tokens + c->run.decode_tokens == 0)
        return config_fail(c, config_later(c, PARAM_run_prompt_tokens, PARAM_run_decode_tokens),
                           err, errlen, "nothing to run: prompt_tokens + decode_tokens is 0");
    if (arch_config_check(c, err, errlen) < 0)
        return -1;
    return workloads_config_check(c, err, errlen);
}
