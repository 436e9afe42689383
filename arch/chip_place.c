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
 *  - local: each cluster's arrays around it.  Of the K first nodes (rows
 *    of the mesh, the last one partial), SRAM bank j takes node
 *    floor((2j + 1) K / 2 banks); cluster c the node nearest (Manhattan,
 *    then lowest index) to the centre of cell c of a gx x gy grid over
 *    those rows (gx = ceil(sqrt(clusters x width / rows)), gy =
 *    ceil(clusters / gx)); then the clusters take turns, in index order,
 *    each giving its next tile group (lowest index first) the free node
 *    nearest to it, until every group has a node.  A group belongs to the
 *    cluster its first arrays' projections run on (chip_create_placed),
 *    else to cluster floor(g x clusters / groups).  DRAM channels take the
 *    last nodes, as in interleaved.
 */
#include <stdlib.h>

#include "arch/chip_int.h"
#include "sim/util.h"

/* What a policy places: counts, the mesh width, and for the local policy
 * the cluster each tile group belongs to (NULL: none known). */
struct place_in {
    uint32_t groups, nc, ns, nd, width;
    const uint32_t *g_cluster;
};

typedef void (*place_fn)(const struct place_in *in, uint32_t *g_node, uint32_t *c_node,
                         uint32_t *s_node, uint32_t *d_node);

static void place_rowmajor(const struct place_in *in, uint32_t *g_node, uint32_t *c_node,
                           uint32_t *s_node, uint32_t *d_node)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < in->groups; i++)
        g_node[i] = k++;
    for (uint32_t i = 0; i < in->nc; i++)
        c_node[i] = k++;
    for (uint32_t i = 0; i < in->ns; i++)
        s_node[i] = k++;
    for (uint32_t i = 0; i < in->nd; i++)
        d_node[i] = k++;
}

static void place_interleaved(const struct place_in *in, uint32_t *g_node, uint32_t *c_node,
                              uint32_t *s_node, uint32_t *d_node)
{
    uint32_t groups = in->groups, nc = in->nc, ns = in->ns;
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
    for (uint32_t i = 0; i < in->nd; i++)
        d_node[i] = (uint32_t)(k + i);
    free(taken);
}

/* Free nodes of [0, k) by distance from one node: the rings of Manhattan
 * radius r around (cx, cy), each in index order. */
struct rings {
    uint32_t cx, cy, r, n, at;
    uint32_t *ring;
};

/* The next free node nearest to the ring's centre, or UINT32_MAX. */
static uint32_t rings_next(struct rings *g, const char *taken, uint32_t k, uint32_t w)
{
    uint32_t h = (k + w - 1) / w, rmax = w + h;
    for (;;) {
        while (g->at < g->n) {
            uint32_t v = g->ring[g->at++];
            if (!taken[v])
                return v;
        }
        if (g->r > rmax)
            return UINT32_MAX;
        /* Ring r: nodes with |x - cx| + |y - cy| = r, in index order. */
        uint32_t r = g->r++;
        g->n = g->at = 0;
        for (uint32_t y = g->cy > r ? g->cy - r : 0; y <= g->cy + r && y < h; y++) {
            uint32_t dy = y > g->cy ? y - g->cy : g->cy - y, dx = r - dy;
            uint32_t xs[2] = {g->cx >= dx ? g->cx - dx : UINT32_MAX, g->cx + dx};
            for (int i = 0; i < (dx ? 2 : 1); i++) {
                uint32_t x = dx ? xs[i] : g->cx;
                if (x == UINT32_MAX || x >= w || (uint64_t)y * w + x >= k)
                    continue;
                g->ring[g->n++] = y * w + x;
            }
        }
    }
}

static void place_local(const struct place_in *in, uint32_t *g_node, uint32_t *c_node,
                        uint32_t *s_node, uint32_t *d_node)
{
    uint32_t groups = in->groups, nc = in->nc, ns = in->ns, w = in->width ? in->width : 1;
    uint32_t k = groups + nc + ns, h = (k + w - 1) / w;
    char *taken = xcalloc(k ? k : 1, 1);
    for (uint32_t j = 0; j < ns; j++) {
        s_node[j] = (uint32_t)((2 * (uint64_t)j + 1) * k / (2 * (uint64_t)ns));
        taken[s_node[j]] = 1;
    }
    struct rings *rg = xcalloc(nc ? nc : 1, sizeof *rg);
    uint32_t gx = 1;
    while ((uint64_t)gx * gx * h < (uint64_t)nc * w)
        gx++;
    if (gx > nc)
        gx = nc ? nc : 1;
    uint32_t gy = nc ? (nc + gx - 1) / gx : 1;
    for (uint32_t c = 0; c < nc; c++) {
        struct rings *g = &rg[c];
        g->cx = (uint32_t)((2 * (uint64_t)(c % gx) + 1) * w / (2 * gx));
        g->cy = (uint32_t)((2 * (uint64_t)(c / gx) + 1) * h / (2 * gy));
        g->ring = xmalloc((4 * (size_t)(w + h) + 4) * sizeof *g->ring);
        c_node[c] = rings_next(g, taken, k, w);
        taken[c_node[c]] = 1;
        /* The groups then grow from the cluster's own node. */
        g->cx = c_node[c] % w;
        g->cy = c_node[c] / w;
        g->r = 0;
        g->n = g->at = 0;
    }
    /* Each cluster's groups in index order; the clusters take turns. */
    uint32_t *next = xcalloc(nc ? nc : 1, sizeof *next);
    uint32_t placed = 0;
    while (placed < groups) {
        for (uint32_t c = 0; c < nc && placed < groups; c++) {
            uint32_t g = next[c];
            while (g < groups) {
                uint32_t own = in->g_cluster && in->g_cluster[g] < nc
                                   ? in->g_cluster[g]
                                   : (uint32_t)((uint64_t)g * nc / groups);
                if (own == c)
                    break;
                g++;
            }
            next[c] = g + 1;
            if (g >= groups)
                continue;
            g_node[g] = rings_next(&rg[c], taken, k, w);
            taken[g_node[g]] = 1;
            placed++;
        }
    }
    for (uint32_t i = 0; i < in->nd; i++)
        d_node[i] = k + i;
    for (uint32_t c = 0; c < nc; c++)
        free(rg[c].ring);
    free(rg);
    free(next);
    free(taken);
}

static const struct {
    const char *name;
    place_fn place;
} policies[CHIP_PLACEMENTS] = {
    [CHIP_PLACE_ROWMAJOR] = {"rowmajor", place_rowmajor},
    [CHIP_PLACE_INTERLEAVED] = {"interleaved", place_interleaved},
    [CHIP_PLACE_LOCAL] = {"local", place_local},
};

const char *chip_placement_name(enum chip_placement p)
{
    return (unsigned)p < CHIP_PLACEMENTS ? policies[p].name : "?";
}

uint32_t chip_place(chip *c, enum chip_placement policy, uint32_t width,
                    const uint32_t *tile_cluster)
{
    uint32_t groups = c->tile_nodes, nc = c->n[UNIT_CLUSTER], ns = c->n[UNIT_SRAM],
             nd = c->n[UNIT_DRAM];
    uint32_t *g_node = xcalloc(groups ? groups : 1, sizeof *g_node);
    uint32_t *g_cluster = NULL;
    if (tile_cluster) {
        /* A group belongs to the cluster of its first tile that has one. */
        g_cluster = xmalloc((groups ? groups : 1) * sizeof *g_cluster);
        for (uint32_t g = 0; g < groups; g++) {
            g_cluster[g] = UINT32_MAX;
            for (uint32_t t = g * c->tiles_per_router;
                 t < (g + 1) * c->tiles_per_router && t < c->n[UNIT_TILE]; t++)
                if (tile_cluster[t] < nc) {
                    g_cluster[g] = tile_cluster[t];
                    break;
                }
        }
    }
    struct place_in in = {groups, nc, ns, nd, width, g_cluster};
    policies[policy].place(&in, g_node, c->node[UNIT_CLUSTER], c->node[UNIT_SRAM],
                           c->node[UNIT_DRAM]);
    for (uint32_t t = 0; t < c->n[UNIT_TILE]; t++)
        c->node[UNIT_TILE][t] = g_node[t / c->tiles_per_router];
    free(g_node);
    free(g_cluster);
    return groups + nc + ns + nd;
}
