/*
 * chip.h -- the chip: tiles (arrays + ADC banks), digital clusters, SRAM
 * banks, DRAM channels and the mesh that connects them, assembled from the
 * configuration; the timed behaviour the engine drives, and the area and
 * static-power breakdown.
 *
 * Contract with the engine.  The engine calls chip_act / chip_xfer /
 * chip_mem / chip_dig once per command, at the kernel time t_ready when
 * the command is ready (its dependencies done, the previous command of its
 * unit started); calls therefore come in non-decreasing t_ready.  Each
 * resource (array, ADC bank, link, SRAM bank, DRAM channel, cluster slot)
 * is a busy-until reservation taken in call order (FIFO); the call returns
 * when the work starts and ends, and how long it waited for which resource.
 * The chip never calls the kernel.
 *
 * Energy: each command's dynamic energy (chip_timing.e_pj) is computed
 * from the same per-event tables as the component counters; the component
 * energies are event counts x energy per event, evaluated at chip_finalize
 * with static power x elapsed time.  chip_check verifies that the parts add
 * up to the total and that the per-command energies sum to the dynamic
 * total.
 *
 * Lifecycle: chip_create (registers its statistics), the calls,
 * chip_finalize once, stats dumps, chip_check, chip_free.
 */
#ifndef AIMCSIM_CHIP_H
#define AIMCSIM_CHIP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"
#include "sim/stats.h"
#include "sim/cmd.h"

typedef struct chip chip;

/* Causes of waiting.  DEP and ORDER are the engine's; the chip reports the
 * others. */
enum stall_cause {
    STALL_DEP,      /* a dependency had not completed */
    STALL_ORDER,    /* the unit's previous command had not started */
    STALL_ARRAY,    /* the array was busy */
    STALL_ADC,      /* the ADC bank (or the tile's sample-and-hold) was busy */
    STALL_LINK,     /* a NoC link was busy */
    STALL_MEM,      /* an SRAM bank or DRAM channel was busy */
    STALL_CLUSTER,  /* every slot of the cluster was busy */
    STALL_CAUSES
};

typedef struct chip_timing {
    uint64_t start_ps, end_ps;          /* work began (>= t_ready) / completed */
    uint64_t wait_ps[STALL_CAUSES];     /* waits inside this command by cause */
    double e_pj;                        /* dynamic energy of this command */
    double e_adc_pj;                    /* CMD_ACT: the conversions' part of e_pj */
    uint64_t adc_start_ps, adc_end_ps;  /* CMD_ACT: the ADC bank's busy interval */
} chip_timing;

/* [chip] placement (order of the param choices). */
enum chip_placement { CHIP_PLACE_ROWMAJOR, CHIP_PLACE_INTERLEAVED, CHIP_PLACEMENTS };

/* Builds the chip of configuration cfg (which must have passed
 * config_check; it is not kept).  tiles_needed: arrays the mapping needs.
 * [chip] tiles = 0 gives the chip tiles_needed arrays; > 0 fixes the count,
 * and a larger tiles_needed is refused ("mapping needs N arrays, chip has
 * M") unless [chip] reprogram = true.  Registers its statistics in st
 * (st may be NULL: no statistics).  NULL with a message on error. */
chip *chip_create(const config *cfg, uint32_t tiles_needed, stats *st, char *err,
                  size_t errlen);
void chip_free(chip *c);

/* Units of a kind (tiles, clusters, SRAM banks, DRAM channels; 0 for
 * UNIT_NONE). */
uint32_t chip_count(const chip *c, enum unit_kind k);
/* 1 if u names a unit of the chip. */
int chip_unit_valid(const chip *c, unit_id u);
/* Total on-chip buffer capacity: SRAM banks x bank_bytes. */
uint64_t chip_sram_capacity_bytes(const chip *c);
/* Mesh node of a unit (-1 if invalid), and the mesh size. */
int64_t chip_node(const chip *c, unit_id u);
void chip_mesh_size(const chip *c, uint32_t *width, uint32_t *height);

/* Array activation on a tile: drive `rows`, convert `cols` at `bits`
 * (1..16) for `slices` input slices. */
void chip_act(chip *c, uint32_t tile, const cmd_set *rows, const cmd_set *cols,
              unsigned slices, unsigned bits, uint64_t t_ready, chip_timing *out);
/* NoC transfer of `bytes` from unit src to unit dst. */
void chip_xfer(chip *c, unit_id src, unit_id dst, uint64_t bytes, uint64_t t_ready,
               chip_timing *out);
/* SRAM bank or DRAM channel access; addr is a byte offset in the bank
 * (an SRAM access beyond the bank's capacity is counted as an error). */
void chip_mem(chip *c, unit_id mem, int write, uint64_t addr, uint64_t bytes,
              uint64_t t_ready, chip_timing *out);
/* Digital op on a cluster (shapes in traces/cmd.h, cost in arch/cluster.h). */
void chip_dig(chip *c, uint32_t cluster, enum dig_kind kind, uint32_t m, uint32_t n,
              uint32_t k, uint64_t t_ready, chip_timing *out);
/* Reprogramming one array (with [chip] reprogram): occupies the array for
 * the programming time; its energy counts as energy.program_pj. */
void chip_program(chip *c, uint32_t tile, uint64_t t_ready, chip_timing *out);

/* Pure costs for the scheduler, from the chip's tables. */
/* Latency of one activation on free resources converting `cols` columns. */
uint64_t chip_act_latency_ps(const chip *c, uint32_t cols, unsigned slices, unsigned bits);
/* Programming one array: time and energy. */
void chip_program_cost(const chip *c, uint64_t *t_ps, double *e_pj);

/* The mesh's directed links, for the timeline trace: their count (link
 * slots, some unused at the mesh edges), a name, and an observer called
 * for every link reservation (arch/noc.h noc_link_fn). */
uint32_t chip_link_slots(const chip *c);
void chip_link_name(const chip *c, uint32_t link, char *buf, size_t len);
void chip_set_link_observer(chip *c, void (*fn)(void *ctx, uint32_t link, uint64_t start_ps,
                                                uint64_t end_ps),
                            void *ctx);

/* Static energy over [0, t_end], the energy totals and utilisations; once,
 * before dumping statistics.  t_end must be >= every end time returned. */
void chip_finalize(chip *c, uint64_t t_end_ps);
/* End-of-run invariants: every call valid, energy parts add up to the
 * total, per-command energies to the dynamic total, busy <= elapsed for
 * every resource, utilisations in [0, 1].  0, or -1 with a message. */
int chip_check(const chip *c, char *err, size_t errlen);

/* The area and static-power table of the chip (aligned columns). */
void chip_print_area(const chip *c, FILE *f);
/* The same for a configuration whose tile count is set by the mapping:
 * figures per tile, then the rest of the chip.  -1 with a message if the
 * configuration cannot be built. */
int chip_print_area_per_tile(const config *cfg, FILE *f, char *err, size_t errlen);

#endif
