/*
 * mem_cost.c -- SRAM and DRAM cost functions (arch/mem.h).
 *
 * Invariant: pure; latency >= busy time for SRAM when t_access >= t_cycle
 * (a bank never finishes an access before it could start the next).
 */
#include "arch/mem.h"

#include "sim/units.h"
#include "sim/util.h"

void mem_sram_params_init(mem_sram_params *p, const config *c)
{
    p->sram = c->sram;
    p->t_access_ps = units_ns_to_ps(c->sram.t_access_ns);
    p->t_cycle_ps = units_ns_to_ps(c->sram.t_cycle_ns);
}

void mem_dram_params_init(mem_dram_params *p, const config *c)
{
    p->dram = c->dram;
    p->t_access_ps = units_ns_to_ps(c->dram.t_access_ns);
}

uint64_t mem_sram_words(const mem_sram_params *p, uint64_t bytes)
{
    return ceil_div_u64(bytes, (uint64_t)p->sram.width_bytes);
}

uint64_t mem_sram_busy_ps(const mem_sram_params *p, uint64_t bytes)
{
    return mem_sram_words(p, bytes) * p->t_cycle_ps;
}

uint64_t mem_sram_latency_ps(const mem_sram_params *p, uint64_t bytes)
{
    uint64_t w = mem_sram_words(p, bytes);
    return w ? p->t_access_ps + (w - 1) * p->t_cycle_ps : 0;
}

double mem_sram_energy_pj(const mem_sram_params *p, uint64_t bytes)
{
    return (double)mem_sram_words(p, bytes) * p->sram.e_access_pj;
}

/* bytes / (GB/s) = ns, since 1 GB/s = 1 byte per ns. */
uint64_t mem_dram_busy_ps(const mem_dram_params *p, uint64_t bytes)
{
    return units_ns_to_ps((double)bytes / p->dram.bandwidth_gb_s);
}

uint64_t mem_dram_latency_ps(const mem_dram_params *p, uint64_t bytes)
{
    return mem_dram_busy_ps(p, bytes) + p->t_access_ps;
}

uint64_t mem_dram_accesses(const mem_dram_params *p, uint64_t bytes)
{
    return ceil_div_u64(bytes, (uint64_t)p->dram.access_bytes);
}

double mem_dram_energy_pj(const mem_dram_params *p, uint64_t bytes)
{
    return (double)mem_dram_accesses(p, bytes) * p->dram.e_access_pj +
           8.0 * (double)bytes * p->dram.e_bit_pj;
}
