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
    /* Of one bank of bank_bytes with width_bytes accesses, scaled from the
     * configured 64 KiB, 32-byte bank (CACTI 7 fit, docs/models.md 6):
     *   e_access = e_access_pj x (C / 64 KiB)^0.60 x (W / 32 B)^0.65
     *   area     = bank_area_um2 x (C / 64 KiB) x (W / 32 B)^0.15
     *   leak     = p_leak_mw x (C / 64 KiB)^0.95 */
    double e_access_pj, bank_area_um2, p_leak_mw;
} mem_sram_params;

/* [dram] kind (order of the param choices). */
enum mem_dram_kind { DRAM_HBM2, DRAM_DDR4_3200, DRAM_LPDDR4_3200, DRAM_LPDDR4X_4266, DRAM_KINDS };

typedef struct mem_dram_params {
    int kind;                /* enum mem_dram_kind */
    uint32_t channels;
    double bandwidth_gb_s;   /* per channel; 1 GB/s = 1 byte/ns */
    uint64_t t_access_ps;
    double e_access_pj;      /* per access of access_bytes */
    uint64_t access_bytes;
    double e_bit_pj;         /* per bit transferred */
    double p_static_mw;      /* per channel */
} mem_dram_params;

void mem_sram_params_init(mem_sram_params *p, const config *c);
/* The interface of [dram] kind (its table, docs/models.md 6), each figure
 * overridden by its [dram] key when that key is not left at "the kind's"
 * (bandwidth_gb_s 0, t_access_ns, e_bit_pj, p_static_mw -1). */
void mem_dram_params_init(mem_dram_params *p, const config *c);
/* The name of a DRAM kind ("hbm2"). */
const char *mem_dram_kind_name(int kind);

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
