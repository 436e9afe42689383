/*
 * chip_int.h -- the chip's state, shared by arch/chip.c (assembly,
 * statistics, finalize, checks, area), arch/chip_exec.c (the timed calls)
 * and arch/chip_place.c (placement on the mesh).  Not for use outside
 * arch/chip*.c.
 */
#ifndef AIMCSIM_CHIP_INT_H
#define AIMCSIM_CHIP_INT_H

#include "arch/adc.h"
#include "arch/chip.h"
#include "arch/cluster.h"
#include "arch/mem.h"
#include "arch/noc.h"
#include "arch/tile.h"

struct chip_tile {
    uint64_t arr_free_ps;  /* the array can start integrating */
    uint64_t sh_free_ps;   /* its sample-and-hold is free (last conversion end) */
    uint64_t busy_ps;      /* time the array was occupied */
    uint64_t acts;         /* activations */
    uint64_t programs;     /* reprogrammings */
};

/* A busy-until resource: ADC bank, SRAM bank, DRAM channel, cluster slot. */
struct chip_res {
    uint64_t free_ps;
    uint64_t busy_ps;
};

struct chip_mem_unit {
    struct chip_res r;
    uint64_t reads, writes;  /* commands */
    uint64_t bytes;
};

struct chip_cluster {
    struct chip_res *slot;   /* [slots] */
    uint64_t busy_ps;        /* sum over slots */
    uint64_t ops;
};

/* One row of the area / static-power breakdown. */
enum chip_area_row {
    AREA_ARRAYS, AREA_ADC, AREA_DAC, AREA_PERIPH, AREA_CLUSTER, AREA_NOC,
    AREA_SRAM, AREA_DRAM, AREA_ROWS
};

struct chip_area_line {
    double count, area_um2, static_mw;
};

/* Energy parts, in the order of the energy.* statistics. */
enum chip_energy_part {
    E_ADC, E_DAC, E_ARRAY, E_PERIPH, E_DIGITAL, E_NOC, E_SRAM, E_DRAM, E_PROGRAM,
    E_STATIC, E_PARTS
};

struct chip {
    /* Parameters. */
    tile_params tp;
    adc_params ap;
    cluster_params cp;
    noc_params np;
    mem_sram_params sp;
    mem_dram_params dp;
    uint32_t n[UNIT_KINDS];        /* units per kind */
    uint32_t tiles_per_router, share_tiles, nbanks, tile_nodes;
    int reprogram;
    uint32_t tiles_needed;         /* as passed to chip_create */

    /* Per-resolution tables, index = bits (0 unused). */
    uint64_t t_conv_ps[ADC_MAX_BITS + 1];
    double e_conv_pj[ADC_MAX_BITS + 1];
    double adc_area_um2;           /* per ADC, at the design resolution */
    double adc_leak_mw;            /* static power per ADC */

    /* Placement: mesh node of each unit. */
    uint32_t *node[UNIT_KINDS];
    uint64_t nlinks;

    /* State. */
    struct chip_tile *tile;
    struct chip_res *bank;         /* [nbanks] */
    struct chip_cluster *cl;
    struct chip_mem_unit *sram, *dram;
    noc *mesh;
    uint64_t last_t_ready_ps, max_end_ps;

    /* Counters (registered as statistics). */
    uint64_t acts, conversions, row_drives, cell_reads, sh_samples, sa_ops, programs;
    uint64_t conv_bits[ADC_MAX_BITS + 1];
    uint64_t tile_busy_ps, bank_busy_ps;
    uint64_t packets, noc_bytes, flits, flit_hops, router_bits, link_bits, link_busy_ps;
    uint64_t sram_reads, sram_writes, sram_words_rd, sram_words_wr, sram_bytes, sram_bad_addr;
    uint64_t sram_busy_ps;
    uint64_t dram_reads, dram_writes, dram_bytes, dram_accesses, dram_busy_ps;
    uint64_t dig_ops, lane_ops, me_fmas, dma_bytes, streamed_ops, cluster_busy_ps;
    uint64_t stall_ps[STALL_CAUSES];
    uint64_t bad_cmds, order_violations;
    char first_bad[256];
    /* Configuration echoes (statistics). */
    uint64_t st_tiles, st_clusters, st_sram, st_dram, st_mesh_w, st_mesh_h, st_adcs;
    uint64_t st_sram_capacity;

    /* Results of chip_finalize. */
    int finalized;
    uint64_t t_end_ps;
    double e_part[E_PARTS], e_total, e_cmd_sum;
    double util_array, util_adc, util_link, util_cluster;

    /* Area and static power (computed at creation). */
    struct chip_area_line area[AREA_ROWS];
    double area_total_um2, p_static_mw;
};

/* Places the units on the mesh (arch/chip_place.c): fills c->node[] for
 * tiles (by tile group), clusters, SRAM banks and DRAM channels, nodes in
 * [0, nodes).  Returns the number of nodes used. */
uint32_t chip_place(chip *c, enum chip_placement policy);
const char *chip_placement_name(enum chip_placement p);

/* Records an invalid call (first message kept) and fills out for a
 * zero-length command at t_ready. */
void chip_bad(chip *c, uint64_t t_ready, chip_timing *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The area breakdown for `tiles` arrays, `banks` ADC banks and `routers`
 * routers (fractions allowed: figures per tile). */
void chip_area_lines(const chip *c, double tiles, double banks, double clusters,
                     double sram, double dram, double routers,
                     struct chip_area_line out[AREA_ROWS]);

#endif
