/*
 * arch_check.c -- cross-parameter constraints of the hardware parameters
 * ([tile] [adc] [cluster] [noc] [sram] [dram] [chip]); called by
 * config_check.
 */
#include "sim/config.h"

int arch_config_check(const config *c, char *err, size_t errlen)
{
    if (c->adc_count > c->tile_cols)
        return config_fail(c, config_later(c, PARAM_adc_count, PARAM_tile_cols), err,
                           errlen, "ADCs per tile (%lld) exceed its columns (%lld)",
                           (long long)c->adc_count, (long long)c->tile_cols);
    return 0;
}
