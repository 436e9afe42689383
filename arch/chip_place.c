/*
 * chip_place.c -- placement policies: which mesh node each unit sits on.
 *
 * Invariant: every tile group, cluster, SRAM bank and DRAM channel gets its
 * own node; nodes are distinct and in [0, nodes) with
 * nodes = tile groups + clusters + SRAM banks + DRAM channels, numbered
 * row-major on the mesh (arch/noc.h).  A tile group is [chip]
 * tiles_per_router consecutive tiles sharing one node.
 *
 * Policies (registry below; [chip] placement selects by name):
 *  - rowmajor: tile groups first, then clusters, SRAM banks, DRAM channels.
 *  - interleaved: clusters and SRAM banks are spread evenly among the tile
 *    groups (the j-th of the M of them, in an even merge of the two kinds,
 *    at node floor((2j + 1) K / 2M) of the K = groups + M first nodes; tile
 *    groups fill the other nodes in order); DRAM channels take the last
 *    nodes (memory controllers at the edge).
 */
#include <stdlib.h>

#include "arch/chip_int.h"
#include "sim/util.h"

typedef void (*place_fn)(uint32_t groups, uint32_t nc, uint32_t ns, uint32_t nd,
                         uint32_t *g_node, uint32_t *c_node, uint32_t *s_node,
                         uint32_t *d_node);

static void place_rowmajor(uint32_t groups, uint32_t nc, uint32_t ns, uint32_t nd,
                           uint32_t *g_node, uint32_t *c_node, uint32_t *s_node,
                           uint32_t *d_node)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < groups; i++)
        g_node[i] = k++;
    for (uint32_t i = 0; i < nc; i++)
        c_node[i] = k++;
    for (uint32_t i = 0; i < ns; i++)
        s_node[i] = k++;
    for (uint32_t i = 0; i < nd; i++)
        d_node[i] = k++;
}

static void place_interleaved(uint32_t groups, uint32_t nc, uint32_t ns, uint32_t nd,
                              uint32_t *g_node, uint32_t *c_node, uint32_t *s_node,
                              uint32_t *d_node)
{
    uint64_t m = (uint64_t)nc + ns, k = groups + m;
    char *taken = xcalloc(k ? k : 1, 1);
    uint32_t ci = 0, si = 0;
    for (uint64_t j = 0; j < m; j++) {
        uint32_t pos = (uint32_t)((2 * j + 1) * k / (2 * m));
        /* Even merge: the next cluster goes first when its fractional
         * position (2ci + 1) / 2nc is not after the next bank's. */
        int cluster = si >= ns ||
                      (ci < nc && (uint64_t)(2 * ci + 1) * ns <= (uint64_t)(2 * si + 1) * nc);
        if (cluster)
            c_node[ci++] = pos;
        else
            s_node[si++] = pos;
        taken[pos] = 1;
    }
    uint32_t g = 0;
    for (uint64_t pos = 0; pos < k && g < groups; pos++)
        if (!taken[pos])
            g_node[g++] = (uint32_t)pos;
    for (uint32_t i = 0; i < nd; i++)
        d_node[i] = (uint32_t)(k + i);
    free(taken);
}

static const struct {
    const char *name;
    place_fn place;
} policies[CHIP_PLACEMENTS] = {
    [CHIP_PLACE_ROWMAJOR] = {"rowmajor", place_rowmajor},
    [CHIP_PLACE_INTERLEAVED] = {"interleaved", place_interleaved},
};

const char *chip_placement_name(enum chip_placement p)
{
    return (unsigned)p < CHIP_PLACEMENTS ? policies[p].name : "?";
}

uint32_t chip_place(chip *c, enum chip_placement policy)
{
    uint32_t groups = c->tile_nodes, nc = c->n[UNIT_CLUSTER], ns = c->n[UNIT_SRAM],
             nd = c->n[UNIT_DRAM];
    uint32_t *g_node = xcalloc(groups ? groups : 1, sizeof *g_node);
    policies[policy].place(groups, nc, ns, nd, g_node, c->node[UNIT_CLUSTER],
                           c->node[UNIT_SRAM], c->node[UNIT_DRAM]);
    for (uint32_t t = 0; t < c->n[UNIT_TILE]; t++)
        c->node[UNIT_TILE][t] = g_node[t / c->tiles_per_router];
    free(g_node);
    return groups + nc + ns + nd;
}
