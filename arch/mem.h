/*
 * mem.h -- the cost models of the banked on-chip buffer (SRAM) and of the
 * off-chip DRAM channels.  Equations in docs/models.md.
 *
 * Pure functions.  An SRAM access of `bytes` is ceil(bytes / width_bytes)
 * word accesses, pipelined one per t_cycle in its bank: the bank is busy
 * words x t_cycle, the data are complete after t_access + (words - 1)
 * t_cycle.  A DRAM access occupies its channel for bytes / bandwidth; its
 * data are complete t_access after that.  Addresses are byte offsets
 * inside the bank (SRAM) or channel (DRAM); the chip checks SRAM accesses
 * against the bank capacity and counts violations (never silent).
 */
#ifndef AIMCSIM_MEM_H
#define AIMCSIM_MEM_H

#include <stdint.h>

#include "sim/config.h"

typedef struct mem_sram_params {
    struct cfg_sram sram;    /* [sram] as configured */
    uint64_t t_access_ps;    /* [sram] t_access_ns */
    uint64_t t_cycle_ps;     /* [sram] t_cycle_ns */
} mem_sram_params;

typedef struct mem_dram_params {
    struct cfg_dram dram;    /* [dram] as configured; 1 GB/s = 1 byte/ns */
    uint64_t t_access_ps;    /* [dram] t_access_ns */
} mem_dram_params;

void mem_sram_params_init(mem_sram_params *p, const config *c);
void mem_dram_params_init(mem_dram_params *p, const config *c);

/* Word accesses of an SRAM access: ceil(bytes / width_bytes). */
uint64_t mem_sram_words(const mem_sram_params *p, uint64_t bytes);
/* Bank busy time: words x t_cycle. */
uint64_t mem_sram_busy_ps(const mem_sram_params *p, uint64_t bytes);
/* Latency: t_access + (words - 1) t_cycle (0 for 0 bytes). */
uint64_t mem_sram_latency_ps(const mem_sram_params *p, uint64_t bytes);
/* Energy: words x e_access, pJ. */
double mem_sram_energy_pj(const mem_sram_params *p, uint64_t bytes);

/* Channel busy time: bytes / bandwidth (rounded to nearest ps). */
uint64_t mem_dram_busy_ps(const mem_dram_params *p, uint64_t bytes);
/* Latency: busy + t_access. */
uint64_t mem_dram_latency_ps(const mem_dram_params *p, uint64_t bytes);
/* Accesses: ceil(bytes / access_bytes). */
uint64_t mem_dram_accesses(const mem_dram_params *p, uint64_t bytes);
/* Energy: accesses x e_access + 8 bytes x e_bit, pJ. */
double mem_dram_energy_pj(const mem_dram_params *p, uint64_t bytes);

#endif
