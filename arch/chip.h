/*
 * chip.h -- the chip: tiles (arrays + ADC banks), digital clusters, SRAM
 * banks, DRAM channels and the mesh that connects them, assembled from the
 * configuration; the registry of its units (sim/unit.h), which the engine
 * executes commands through; the area and static-power breakdown.
 *
 * Energy: each command's dynamic energy (unit_timing.e_pj) is computed
 * from the same per-event tables as the component counters; the energy
 * parts (energy.<part>_pj, sim/unit.h) are event counts x energy per
 * event, evaluated at chip_finalize with static power x elapsed time.
 * chip_check verifies that the parts add up to the total and that the
 * per-command energies sum to the dynamic total.
 *
 * Lifecycle: chip_create (registers its statistics), the commands (through
 * chip_units, or chip_exec), chip_finalize once, stats dumps, chip_check,
 * chip_free.
 */
#ifndef AIMCSIM_CHIP_H
#define AIMCSIM_CHIP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cmd.h"
#include "sim/config.h"
#include "sim/stats.h"
#include "sim/unit.h"

typedef struct chip chip;

/* [chip] placement (order of the param choices). */
enum chip_placement { CHIP_PLACE_ROWMAJOR, CHIP_PLACE_INTERLEAVED, CHIP_PLACE_LOCAL, CHIP_PLACEMENTS };

/* The cross-parameter checks of the hardware parameters ([tile] [adc]
 * [cluster] [noc] [sram] [dram] [chip]), arch/arch_check.c: 0, or -1 with a
 * message located at the parameter set last among those involved. */
int arch_config_check(const config *c, char *err, size_t errlen);

/* ADCs per bank on a chip of `tiles` arrays: [adc] count, or with
 * [adc] budget (ADCs) or area_budget_mm2 (ADC area) the budget shared
 * evenly by the ceil(tiles / share_tiles) banks, rounded down, at most
 * [tile] cols (docs/models.md 2.5).  0 with a message located at the
 * budget when it gives a bank no ADC. */
int64_t chip_adc_count(const config *c, uint32_t tiles, char *err, size_t errlen);

/* Builds the chip of configuration cfg (which must have passed its
 * checks; it is not kept).  tiles_needed: arrays the mapping needs.
 * [chip] tiles = 0 gives the chip tiles_needed arrays; > 0 fixes the count,
 * and a larger tiles_needed is refused ("mapping needs N arrays, chip has
 * M") unless [chip] reprogram = true.  Registers its statistics in st
 * (st may be NULL: no statistics).  NULL with a message on error. */
chip *chip_create(const config *cfg, uint32_t tiles_needed, stats *st, char *err,
                  size_t errlen);
/* The same, telling the placement which cluster feeds each of the first
 * tiles_needed tiles (tile_cluster[t], UINT32_MAX: none; NULL: nothing
 * known), for [chip] placement = local.  Copied, not kept. */
chip *chip_create_placed(const config *cfg, uint32_t tiles_needed, const uint32_t *tile_cluster,
                         stats *st, char *err, size_t errlen);
void chip_free(chip *c);

/* The units and which op each executes, for engine_create. */
const unit_table *chip_units(const chip *c);
/* Where units send their own trace records (NULL: none); set before the
 * first command.  The sink is borrowed. */
void chip_set_trace_sink(chip *c, const trace_sink *sink);
/* Executes one command through the unit table at t_ready_ps, as the
 * engine would (for tests and programs that drive the chip directly).
 * A command no unit executes completes at t_ready_ps with no energy. */
void chip_exec(chip *c, const cmd_work *w, uint64_t t_ready_ps, unit_timing *out);

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

/* The mesh's directed links, for the timeline trace: their count (link
 * slots, some unused at the mesh edges) and the name of one. */
uint32_t chip_link_slots(const chip *c);
void chip_link_name(const chip *c, uint32_t link, char *buf, size_t len);

/* Static energy over [0, t_end], the energy totals and utilisations; once,
 * before dumping statistics.  t_end must be >= every end time returned. */
void chip_finalize(chip *c, uint64_t t_end_ps);
/* End-of-run invariants: every call valid, energy parts add up to the
 * total, per-command energies to the dynamic total, busy <= elapsed for
 * every resource, utilisations in [0, 1].  0, or -1 with a message. */
int chip_check(const chip *c, char *err, size_t errlen);

/* What the chip of configuration c with `tiles` arrays allocates, in bytes,
 * about (UINT64_MAX when it does not fit 64 bits): the state of every unit,
 * the placement and the mesh (also in *mesh_bytes); *stat_entries gets the
 * number of per-unit statistics it registers ([chip] per_unit_stats).
 * From the configuration alone, before anything is allocated
 * (arch/chip_mem.c; the resource estimate of docs/reliability.md). */
uint64_t chip_mem_bytes(const config *c, uint64_t tiles, uint64_t *mesh_bytes,
                        uint64_t *stat_entries);
/* Routers of the mesh the chip of c with `tiles` arrays has. */
uint64_t chip_mesh_routers(const config *c, uint64_t tiles);

/* The area and static-power table of the chip (aligned columns). */
void chip_print_area(const chip *c, FILE *f);
/* A line saying how many dies the chip takes when it exceeds [chip]
 * reticle_mm2 (nothing otherwise). */
void chip_print_reticle_note(const chip *c, FILE *f);
/* The same for a configuration whose tile count is set by the mapping:
 * figures per tile, then the rest of the chip.  -1 with a message if the
 * configuration cannot be built. */
int chip_print_area_per_tile(const config *cfg, FILE *f, char *err, size_t errlen);

#endif
