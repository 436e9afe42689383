/*
 * mem_cost.c -- SRAM and DRAM cost functions (arch/mem.h).
 *
 * Invariant: pure; latency >= busy time for SRAM when t_access >= t_cycle
 * (a bank never finishes an access before it could start the next).
 */
#include "arch/mem.h"

#include <math.h>

#include "sim/units.h"
#include "sim/util.h"

/* The bank the [sram] figures describe, and the exponents of the power laws
 * fitted to CACTI 7 (SRAM, 32 and 22 nm, lstp and hp cells, 8 KiB..1 MiB,
 * 16..64-byte words; read energy C^0.59..0.62 W^0.61..0.71, area C^0.99
 * W^0.13..0.17, leakage C^0.92..0.96 and width-independent). */
#define SRAM_REF_BYTES 65536.0
#define SRAM_REF_WIDTH_BYTES 32.0
#define SRAM_E_CAP_EXP 0.60
#define SRAM_E_WIDTH_EXP 0.65
#define SRAM_AREA_CAP_EXP 1.00
#define SRAM_AREA_WIDTH_EXP 0.15
#define SRAM_LEAK_CAP_EXP 0.95

void mem_sram_params_init(mem_sram_params *p, const config *c)
{
    p->sram = c->sram;
    p->t_access_ps = units_ns_to_ps(c->sram.t_access_ns);
    p->t_cycle_ps = units_ns_to_ps(c->sram.t_cycle_ns);
    double cap = (double)c->sram.bank_bytes / SRAM_REF_BYTES;
    double width = (double)c->sram.width_bytes / SRAM_REF_WIDTH_BYTES;
    p->e_access_pj = c->sram.e_access_pj * pow(cap, SRAM_E_CAP_EXP) * pow(width, SRAM_E_WIDTH_EXP);
    p->bank_area_um2 =
        c->sram.bank_area_um2 * pow(cap, SRAM_AREA_CAP_EXP) * pow(width, SRAM_AREA_WIDTH_EXP);
    p->p_leak_mw = c->sram.p_leak_mw * pow(cap, SRAM_LEAK_CAP_EXP);
}

/* The DRAM interfaces, per channel: bandwidth, latency (device tRCD + tCL +
 * burst, plus ~15 ns of controller and PHY, an estimate), energy per bit
 * (activation, core and I/O) and background power. */
static const struct {
    const char *name;
    double bandwidth_gb_s, t_access_ns, e_bit_pj, p_static_mw;
} dram_kinds[DRAM_KINDS] = {
    /* HBM2, one 128-bit channel at 2 Gb/s per pin (JESD235A); 3.9 pJ/bit:
     * O'Connor et al., "Fine-Grained DRAM", MICRO 2017; timing and
     * background (IDD3N x VDD) from DRAMsim3's HBM2_8Gb_x128 config. */
    [DRAM_HBM2] = {"hbm2", 32.0, 45.0, 3.9, 66.0},
    /* DDR4-3200, one 64-bit channel of x8 devices (22-22-22, DRAMsim3
     * DDR4_8Gb_x8_3200, Ramulator2 DDR4_3200AA); 15 pJ/bit: the device
     * energy of DRAMsim3's IDD model (5.5-13.8 pJ/bit) plus pseudo-open-drain
     * I/O, an estimate in the 20-40 pJ/bit of Horowitz, ISSCC 2014; background
     * ~500 mW per rank (IDD3N). */
    [DRAM_DDR4_3200] = {"ddr4-3200", 25.6, 45.0, 15.0, 500.0},
    /* LPDDR4-3200, one x16 channel; 8 pJ/bit: Accelergy's CACTI plug-in DRAM
     * table; timing from DRAMsim3's LPDDR4 config; background 57 mW (a
     * quarter of DRAMsim3's 4-device 226 mW). */
    [DRAM_LPDDR4_3200] = {"lpddr4-3200", 6.4, 50.0, 8.0, 57.0},
    /* LPDDR4X-4266, one x16 channel: LPDDR4 with VDDQ 0.6 V instead of 1.1 V,
     * so the I/O share falls about 3x: 6.5 pJ/bit, an estimate. */
    [DRAM_LPDDR4X_4266] = {"lpddr4x-4266", 8.53, 50.0, 6.5, 57.0},
};

const char *mem_dram_kind_name(int kind)
{
    return kind >= 0 && kind < DRAM_KINDS ? dram_kinds[kind].name : "?";
}

void mem_dram_params_init(mem_dram_params *p, const config *c)
{
    const struct cfg_dram *d = &c->dram;
    p->kind = d->kind;
    p->channels = (uint32_t)d->channels;
    p->access_bytes = (uint64_t)d->access_bytes;
    p->e_access_pj = d->e_access_pj;
    p->bandwidth_gb_s = d->bandwidth_gb_s > 0 ? d->bandwidth_gb_s : dram_kinds[d->kind].bandwidth_gb_s;
    p->t_access_ps = units_ns_to_ps(d->t_access_ns >= 0 ? d->t_access_ns
                                                        : dram_kinds[d->kind].t_access_ns);
    p->e_bit_pj = d->e_bit_pj >= 0 ? d->e_bit_pj : dram_kinds[d->kind].e_bit_pj;
    p->p_static_mw = d->p_static_mw >= 0 ? d->p_static_mw : dram_kinds[d->kind].p_static_mw;
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
    return (double)mem_sram_words(p, bytes) * p->e_access_pj;
}

/* bytes / (GB/s) = ns, since 1 GB/s = 1 byte per ns. */
uint64_t mem_dram_busy_ps(const mem_dram_params *p, uint64_t bytes)
{
    return units_ns_to_ps((double)bytes / p->bandwidth_gb_s);
}

uint64_t mem_dram_latency_ps(const mem_dram_params *p, uint64_t bytes)
{
    return mem_dram_busy_ps(p, bytes) + p->t_access_ps;
}

uint64_t mem_dram_accesses(const mem_dram_params *p, uint64_t bytes)
{
    return ceil_div_u64(bytes, p->access_bytes);
}

double mem_dram_energy_pj(const mem_dram_params *p, uint64_t bytes)
{
    return (double)mem_dram_accesses(p, bytes) * p->e_access_pj + 8.0 * (double)bytes * p->e_bit_pj;
}
