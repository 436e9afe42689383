/*
 * chip_mem.c -- what a chip built from a configuration allocates
 * (arch/chip.h chip_mem_bytes), computed from the configuration alone, with
 * checked (saturating) arithmetic, for the resource estimate made before a
 * run (docs/reliability.md).
 *
 * Invariant: the figures follow the allocations of chip_create and its
 * units (arch/chip.c, tile_unit.c, cluster_unit.c, mem_unit.c, noc.c,
 * chip_place.c); an estimate, not an exact count (allocator overheads are
 * left out).
 */
#include <math.h>

#include "arch/chip_int.h"
#include "sim/util.h"

/* A directed link's reservation state in arch/noc.c (struct link: two
 * 64-bit times), four per router. */
#define NOC_LINK_BYTES 16
#define NOC_DIRS 4

uint64_t chip_mesh_routers(const config *c, uint64_t tiles)
{
    if (c->noc.width > 0 && c->noc.height > 0)
        return (uint64_t)c->noc.width * (uint64_t)c->noc.height;
    uint64_t nodes = sat_add_u64(ceil_div_u64(tiles, (uint64_t)c->chip.tiles_per_router),
                                 (uint64_t)c->cluster.count + (uint64_t)c->sram.banks +
                                     (uint64_t)c->dram.channels);
    if (nodes > (UINT64_C(1) << 60))
        return UINT64_MAX;
    /* noc_auto_size: width ceil(sqrt(nodes)), height ceil(nodes / width) */
    uint64_t w = (uint64_t)sqrt((double)nodes);
    while (w * w < nodes)
        w++;
    while (w > 1 && (w - 1) * (w - 1) >= nodes)
        w--;
    if (w == 0)
        w = 1;
    return w * (nodes <= 1 ? 1 : ceil_div_u64(nodes, w));
}

uint64_t chip_mem_bytes(const config *c, uint64_t tiles, uint64_t *mesh_bytes,
                        uint64_t *stat_entries)
{
    uint64_t banks = ceil_div_u64(tiles, (uint64_t)c->adc.share_tiles);
    uint64_t groups = ceil_div_u64(tiles, (uint64_t)c->chip.tiles_per_router);
    uint64_t ncl = (uint64_t)c->cluster.count, nsr = (uint64_t)c->sram.banks,
             ndr = (uint64_t)c->dram.channels;
    uint64_t routers = chip_mesh_routers(c, tiles);
    uint64_t mesh = sat_mul_u64(routers, NOC_DIRS * NOC_LINK_BYTES);
    /* Tiles: their state, their mesh node, the placement's scratch. */
    uint64_t b = sat_mul_u64(tiles, sizeof(struct tile_state) + sizeof(uint32_t));
    b = sat_add_u64(b, sat_mul_u64(banks, sizeof(struct chip_res)));
    b = sat_add_u64(b, sat_mul_u64(groups, 2 * sizeof(uint32_t) + 1));
    b = sat_add_u64(b, sat_mul_u64(ncl, sizeof(struct cluster_state) + sizeof(uint32_t) +
                                            (uint64_t)c->cluster.slots * sizeof(struct chip_res)));
    b = sat_add_u64(b, sat_mul_u64(nsr + ndr, sizeof(struct mem_state) + sizeof(uint32_t) + 1));
    b = sat_add_u64(b, mesh);
    if (mesh_bytes)
        *mesh_bytes = mesh;
    if (stat_entries)
        *stat_entries = c->chip.per_unit_stats
                            ? sat_add_u64(sat_add_u64(sat_mul_u64(tiles, 2), banks),
                                          2 * ncl + 3 * nsr + 2 * ndr)
                            : 0;
    return b;
}
