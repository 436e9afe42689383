/*
 * chip_int.h -- the chip's units and the state they share, for the files
 * of arch/ that implement them: arch/chip.c (assembly, the unit registry,
 * finalize, checks, area), arch/tile_unit.c (tiles with their ADC banks),
 * arch/cluster_unit.c, arch/mem_unit.c (SRAM banks, DRAM channels),
 * arch/noc_unit.c (the mesh) and arch/chip_place.c (placement).  Not for
 * use outside arch/.
 *
 * Every unit implements sim/unit.h's unit_ops over its own state below and
 * keeps the chip-wide accounting in the shared struct chip_shared (the
 * checks that span units: calls in non-decreasing t_ready, per-command
 * energies summing to the dynamic total, invalid calls, the latest end).
 */
#ifndef AIMCSIM_CHIP_INT_H
#define AIMCSIM_CHIP_INT_H

#include "arch/adc.h"
#include "arch/chip.h"
#include "arch/cluster.h"
#include "arch/mem.h"
#include "arch/noc.h"
#include "arch/tile.h"

/* What the units of one chip share. */
struct chip_shared {
    const trace_sink *sink;        /* NULL: no traces */
    uint64_t last_t_ready_ps;      /* latest t_ready so far */
    uint64_t max_end_ps;           /* latest end returned */
    uint64_t stall_ps[STALL_CAUSES];
    uint64_t bad_cmds, order_violations;
    double e_cmd_sum;              /* sum of the per-command energies */
    double e_fixed_pj;             /* of the commands of given cost */
    char first_bad[256];
};

/* Starts a call: clears out, records t_ready (order check). */
void shared_begin(struct chip_shared *s, uint64_t t_ready, unit_timing *out);
/* Ends a call: adds its waits and energy, notes its end. */
void shared_finish(struct chip_shared *s, unit_timing *out);
/* A command of given cost (fixed, delay): arg[0] latency in ps, arg[1]
 * energy in fJ, starting at start_ps; fills out's end and energy, counts
 * the energy in e_fixed_pj and traces it under power component comp. */
void shared_fixed(struct chip_shared *s, const cmd_work *w, uint64_t start_ps, int comp,
                  unit_timing *out);

/* Records an invalid call (first message kept) and fills out for a
 * zero-length command at t_ready. */
void shared_bad(struct chip_shared *s, uint64_t t_ready, unit_timing *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A busy-until resource: ADC bank, SRAM bank, DRAM channel, cluster slot. */
struct chip_res {
    uint64_t free_ps;
    uint64_t busy_ps;
};

/* busy <= t_end for n resources of stride `stride` bytes starting at busy:
 * 0, or -1 with "chip: <what> <i> busy ... exceeds the elapsed ...". */
int busy_within(const char *what, const uint64_t *busy, uint32_t n, size_t stride,
                uint64_t t_end_ps, char *err, size_t errlen);
/* busy / (units x t): a time utilisation, 0 without units or time. */
double util_ratio(double busy, double units, uint64_t t_ps);

/* ---- tiles and their ADC banks (arch/tile_unit.c) ------------------------ */

struct tile_state {
    uint64_t arr_free_ps;  /* the array can start integrating */
    uint64_t sh_free_ps;   /* its sample-and-hold is free (last conversion end) */
    uint64_t busy_ps;      /* time the array was occupied */
    uint64_t acts;         /* activations */
    uint64_t programs;     /* reprogrammings */
};

typedef struct tile_unit {
    struct chip_shared *sh;
    tile_params tp;
    adc_params ap;
    uint32_t ntiles, nbanks;
    struct tile_state *tile;       /* [ntiles] */
    struct chip_res *bank;         /* [nbanks]: tile t uses bank t / share_tiles */
    /* Per-resolution tables, index = bits (0 unused). */
    uint64_t t_conv_ps[ADC_MAX_BITS + 1];
    double e_conv_pj[ADC_MAX_BITS + 1];
    uint8_t extrapolated[ADC_MAX_BITS + 1]; /* 1: the energy model's source does not cover it */
    double adc_area_um2;           /* per ADC, at the design resolution */
    double e_prog_pj;              /* programming one array (tile_prog_pj) */
    /* Counters (registered as statistics). */
    uint64_t acts, conversions, row_drives, cell_reads, sh_samples, sa_ops, programs;
    uint64_t fixed;                /* fixed commands */
    uint64_t conv_bits[ADC_MAX_BITS + 1];
    uint64_t conv_extrapolated;    /* conversions at an extrapolated resolution */
    uint64_t tile_busy_ps, bank_busy_ps;
    double util_array, util_adc;
} tile_unit;

extern const unit_ops tile_unit_ops;
void tile_unit_init(tile_unit *u, struct chip_shared *sh, const config *c, uint32_t tiles);
void tile_unit_free(tile_unit *u);

/* ---- digital clusters (arch/cluster_unit.c) ------------------------------ */

struct cluster_state {
    struct chip_res *slot;   /* [slots] */
    uint64_t busy_ps;        /* sum over slots */
    uint64_t ops;
};

typedef struct cluster_unit {
    struct chip_shared *sh;
    cluster_params cp;
    uint32_t n;
    struct cluster_state *cl;  /* [n] */
    uint64_t dig_ops, lane_ops, me_fmas, sfu_ops, dma_bytes, streamed_ops, cluster_busy_ps;
    uint64_t kind_busy_ps[DIG_KINDS];  /* slot busy time by digital kind */
    uint64_t fixed;        /* fixed commands */
    double util_cluster;
} cluster_unit;

extern const unit_ops cluster_unit_ops;
void cluster_unit_init(cluster_unit *u, struct chip_shared *sh, const config *c);
void cluster_unit_free(cluster_unit *u);

/* ---- SRAM banks and DRAM channels (arch/mem_unit.c) ---------------------- */

struct mem_state {
    struct chip_res r;
    uint64_t reads, writes;  /* commands */
    uint64_t bytes;
};

typedef struct sram_unit {
    struct chip_shared *sh;
    mem_sram_params sp;
    uint32_t n;
    struct mem_state *bank;  /* [n] */
    uint64_t reads, writes, words_rd, words_wr, bytes, bad_addr, busy_ps;
    uint64_t capacity_bytes;
} sram_unit;

typedef struct dram_unit {
    struct chip_shared *sh;
    mem_dram_params dp;
    uint32_t n;
    struct mem_state *ch;    /* [n] */
    uint64_t reads, writes, bytes, accesses, busy_ps;
} dram_unit;

extern const unit_ops sram_unit_ops, dram_unit_ops;
void sram_unit_init(sram_unit *u, struct chip_shared *sh, const config *c);
void dram_unit_init(dram_unit *u, struct chip_shared *sh, const config *c);
void sram_unit_free(sram_unit *u);
void dram_unit_free(dram_unit *u);

/* ---- the mesh (arch/noc_unit.c) ------------------------------------------ */

typedef struct noc_unit {
    struct chip_shared *sh;
    noc_params np;
    noc *mesh;
    const uint32_t *const *node;   /* the chip's node[kind][index] */
    const uint32_t *count;         /* the chip's units per kind */
    uint64_t nlinks;               /* directed links of the mesh */
    uint64_t routers;              /* width x height */
    uint64_t packets, bytes, flits, flit_hops, router_bits, link_bits, link_busy_ps;
    uint64_t multicasts, multicast_dests; /* mcast commands; destination units */
    double util_link;
} noc_unit;

extern const unit_ops noc_unit_ops;
/* The mesh of np (width and height set), over the chip's placement. */
void noc_unit_init(noc_unit *u, struct chip_shared *sh, const noc_params *np,
                   const uint32_t *const *node, const uint32_t *count);
void noc_unit_free(noc_unit *u);

/* ---- the chip ------------------------------------------------------------- */

struct chip {
    struct chip_shared sh;
    tile_unit tiles;
    cluster_unit clusters;
    sram_unit sram;
    dram_unit dram;
    noc_unit noc;
    unit_table table;
    uint32_t n[UNIT_KINDS];        /* units per kind */
    uint32_t tiles_per_router, tile_nodes;
    uint32_t tiles_needed;         /* as passed to chip_create */

    /* Placement: mesh node of each unit. */
    uint32_t *node[UNIT_KINDS];

    /* Configuration echoes (statistics). */
    uint64_t st_tiles, st_clusters, st_sram, st_dram, st_mesh_w, st_mesh_h, st_adcs;
    uint64_t st_sram_capacity;
    uint64_t st_reticles;          /* dies of [chip] reticle_mm2 the area needs */
    double reticle_mm2;

    /* Results of chip_finalize. */
    int finalized;
    uint64_t t_end_ps;
    double e_part[E_PARTS], e_total;

    /* Area and static power (computed at creation). */
    area_line area[AREA_ROWS];
    double area_total_um2, p_static_mw;
};

/* Places the units on the mesh (arch/chip_place.c): fills c->node[] for
 * tiles (by tile group), clusters, SRAM banks and DRAM channels, nodes in
 * [0, nodes), on a mesh `width` nodes wide; tile_cluster (NULL: none) is
 * the cluster each tile belongs to.  Returns the number of nodes used. */
uint32_t chip_place(chip *c, enum chip_placement policy, uint32_t width,
                    const uint32_t *tile_cluster);
const char *chip_placement_name(enum chip_placement p);

#endif
