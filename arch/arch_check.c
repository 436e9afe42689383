/*
 * arch_check.c -- cross-parameter constraints of the hardware parameters
 * ([tile] [adc] [cluster] [noc] [sram] [dram] [chip]), arch/chip.h.  Each
 * violation is reported at the parameter set last among those involved.
 * Constraints that depend on the mapping (the tile count when [chip] tiles
 * = 0, hence the mesh size and an ADC budget's share) are checked by
 * chip_create and chip_adc_count.
 */
#include "arch/chip.h"
#include "sim/util.h"

#define LATER(a, b) config_later(c, PARAM_##a, PARAM_##b)

int arch_config_check(const config *c, char *err, size_t errlen)
{
    if (c->adc.count > c->tile.cols)
        return config_fail(c, LATER(adc_count, tile_cols), err, errlen,
                           "ADCs per tile (%lld) exceed its columns (%lld)",
                           (long long)c->adc.count, (long long)c->tile.cols);
    if (c->adc.budget > 0 && c->adc.area_budget_mm2 > 0)
        return config_fail(c, LATER(adc_budget, adc_area_budget_mm2), err, errlen,
                           "an ADC budget in ADCs and one in area: set one of them");
    if (c->adc.bits_min > c->adc.bits_max)
        return config_fail(c, LATER(adc_bits_min, adc_bits_max), err, errlen,
                           "bits_min (%lld) exceeds bits_max (%lld)",
                           (long long)c->adc.bits_min, (long long)c->adc.bits_max);
    if (c->tile.input_mode == 1 && c->tile.dac_bits > c->tile.input_bits)
        return config_fail(c, LATER(tile_dac_bits, tile_input_bits), err, errlen,
                           "DAC bits (%lld) exceed the input bits (%lld)",
                           (long long)c->tile.dac_bits, (long long)c->tile.input_bits);
    if (c->cluster.slots > c->cluster.cores)
        return config_fail(c, LATER(cluster_slots, cluster_cores), err, errlen,
                           "more concurrent ops (%lld) than cores (%lld)",
                           (long long)c->cluster.slots, (long long)c->cluster.cores);
    if ((c->noc.width == 0) != (c->noc.height == 0))
        return config_fail(c, LATER(noc_width, noc_height), err, errlen,
                           "set both width and height, or both to 0 (automatic)");
    if (c->sram.width_bytes > c->sram.bank_bytes)
        return config_fail(c, LATER(sram_width_bytes, sram_bank_bytes), err, errlen,
                           "access width (%lld bytes) exceeds the bank (%lld bytes)",
                           (long long)c->sram.width_bytes, (long long)c->sram.bank_bytes);
    if (c->sram.t_access_ns < c->sram.t_cycle_ns)
        return config_fail(c, LATER(sram_t_access_ns, sram_t_cycle_ns), err, errlen,
                           "access latency (%g ns) below the cycle time (%g ns)",
                           c->sram.t_access_ns, c->sram.t_cycle_ns);
    if (c->chip.tiles > 0 && c->noc.width > 0) {
        uint64_t nodes = ceil_div_u64((uint64_t)c->chip.tiles, (uint64_t)c->chip.tiles_per_router) +
                         (uint64_t)c->cluster.count + (uint64_t)c->sram.banks +
                         (uint64_t)c->dram.channels;
        if ((uint64_t)(c->noc.width * c->noc.height) < nodes)
            return config_fail(c, LATER(noc_width, noc_height), err, errlen,
                               "mesh %lld x %lld has %lld nodes, the chip needs %llu",
                               (long long)c->noc.width, (long long)c->noc.height,
                               (long long)(c->noc.width * c->noc.height),
                               (unsigned long long)nodes);
    }
    return 0;
}
