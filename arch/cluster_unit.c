/*
 * cluster_unit.c -- the digital clusters as a unit (sim/unit.h): digital
 * ops on the cluster's slots, their counters, energy, checks and area.
 *
 * Invariant: each slot of a cluster is a busy-until reservation; an op
 * takes the slot that frees first (the lowest index on ties), so an op
 * never waits while another slot is free.  The op's cost is the pure model
 * of arch/cluster.h.
 */
#include <stdlib.h>

#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

void cluster_unit_init(cluster_unit *u, struct chip_shared *sh, const config *c)
{
    u->sh = sh;
    cluster_params_init(&u->cp, c);
    u->n = (uint32_t)c->cluster.count;
    u->cl = xcalloc(u->n ? u->n : 1, sizeof *u->cl);
    for (uint32_t i = 0; i < u->n; i++)
        u->cl[i].slot = xcalloc((size_t)u->cp.cluster.slots, sizeof *u->cl[i].slot);
}

void cluster_unit_free(cluster_unit *u)
{
    for (uint32_t i = 0; u->cl && i < u->n; i++)
        free(u->cl[i].slot);
    free(u->cl);
}

/* The slot of cluster cl that frees first (the lowest index on ties). */
static struct chip_res *first_free(cluster_unit *u, struct cluster_state *cl)
{
    struct chip_res *slot = &cl->slot[0];
    for (uint32_t s = 1; s < (uint32_t)u->cp.cluster.slots; s++)
        if (cl->slot[s].free_ps < slot->free_ps)
            slot = &cl->slot[s];
    return slot;
}

/* arg: lat_ps, e_fj: given work on one slot. */
static void exec_fixed(cluster_unit *u, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    uint32_t cluster = UNIT_INDEX(w->unit);
    if (cluster >= u->n) {
        shared_bad(u->sh, t_ready, out, "fixed on cluster %u (of %u)", cluster, u->n);
        return;
    }
    struct cluster_state *cl = &u->cl[cluster];
    struct chip_res *slot = first_free(u, cl);
    uint64_t start = t_ready > slot->free_ps ? t_ready : slot->free_ps;
    shared_fixed(u->sh, w, start, PW_DIGITAL, out);
    slot->free_ps = out->end_ps;
    slot->busy_ps += w->arg[0];
    cl->busy_ps += w->arg[0];
    cl->ops++;
    u->cluster_busy_ps += w->arg[0];
    u->fixed++;
    out->wait_ps[STALL_CLUSTER] = start - t_ready;
    unit_cp(out, CP_CLUSTER_WAIT, start - t_ready);
    unit_cp(out, CP_CLUSTER_FIXED, w->arg[0]);
    shared_finish(u->sh, out);
}

/* arg: kind, m, n, k (sim/cmd.c). */
static void exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    cluster_unit *u = self;
    shared_begin(u->sh, t_ready, out);
    uint32_t cluster = UNIT_INDEX(w->unit);
    if (w->op == CMD_FIXED) {
        exec_fixed(u, w, t_ready, out);
        return;
    }
    if (cluster >= u->n || w->arg[0] >= DIG_KINDS) {
        shared_bad(u->sh, t_ready, out, "dig op %d on cluster %u (of %u)", (int)w->arg[0],
                   cluster, u->n);
        return;
    }
    struct cluster_state *cl = &u->cl[cluster];
    struct chip_res *slot = first_free(u, cl);
    cluster_op_cost cost;
    cluster_op(&u->cp, (enum dig_kind)w->arg[0], (uint32_t)w->arg[1], (uint32_t)w->arg[2],
               (uint32_t)w->arg[3], &cost);
    uint64_t lat = cluster_cycles_ps(&u->cp, cost.cycles);
    uint64_t start = t_ready > slot->free_ps ? t_ready : slot->free_ps;
    slot->free_ps = start + lat;
    slot->busy_ps += lat;
    cl->busy_ps += lat;
    cl->ops++;
    u->cluster_busy_ps += lat;
    u->dig_ops++;
    u->lane_ops += cost.lane_ops;
    u->me_fmas += cost.me_fmas;
    u->sfu_ops += cost.sfu_ops;
    u->kind_busy_ps[w->arg[0]] += lat;
    u->dma_bytes += cost.dma_bytes;
    u->streamed_ops += (uint64_t)cost.streamed;
    out->start_ps = start;
    out->end_ps = out->span_end_ps = start + lat;
    out->wait_ps[STALL_CLUSTER] = start - t_ready;
    unit_cp(out, CP_CLUSTER_WAIT, start - t_ready);
    unit_cp(out, CP_DIG + (int)w->arg[0], lat);
    out->e_pj = cluster_op_energy_pj(&u->cp, &cost);
    shared_finish(u->sh, out);
}

static void finalize(void *self, uint64_t t_end_ps, double e[E_PARTS])
{
    cluster_unit *u = self;
    const struct cfg_cluster *k = &u->cp.cluster;
    e[E_DIGITAL] = (double)u->lane_ops * k->e_lane_op_pj + (double)u->me_fmas * k->e_me_fma_pj +
                   (double)u->dma_bytes * k->e_dma_byte_pj + (double)u->sfu_ops * k->e_sfu_op_pj;
    u->util_cluster = util_ratio((double)u->cluster_busy_ps, (double)u->n * (double)k->slots,
                                 t_end_ps);
}

static int check(const void *self, uint64_t t_end_ps, char *err, size_t errlen)
{
    const cluster_unit *u = self;
    for (uint32_t i = 0; i < u->n; i++)
        if (busy_within("cluster slot", &u->cl[i].slot[0].busy_ps, (uint32_t)u->cp.cluster.slots,
                        sizeof *u->cl[i].slot, t_end_ps, err, errlen))
            return -1;
    return 0;
}

static void stats_reg(void *self, stats *st, int per_unit)
{
    cluster_unit *u = self;
    if (per_unit) {
        for (uint32_t i = 0; i < u->n; i++) {
            stats_counter(st, &u->cl[i].ops, "cluster%u.ops", i);
            stats_counter(st, &u->cl[i].busy_ps, "cluster%u.busy_ps", i);
        }
        return;
    }
    stats_counter(st, &u->dig_ops, "cluster.ops");
    stats_counter(st, &u->fixed, "cluster.fixed");
    stats_counter(st, &u->lane_ops, "cluster.lane_ops");
    stats_counter(st, &u->me_fmas, "cluster.me_fmas");
    stats_counter(st, &u->sfu_ops, "cluster.sfu_ops");
    stats_counter(st, &u->dma_bytes, "cluster.dma_bytes");
    stats_counter(st, &u->streamed_ops, "cluster.streamed_ops");
    stats_counter(st, &u->cluster_busy_ps, "cluster.busy_ps");
    for (int i = 0; i < DIG_KINDS; i++)
        stats_counter(st, &u->kind_busy_ps[i], "cluster.%s_busy_ps", cmd_dig_name(i));
}

static void area(const void *self, double n, int whole, area_line rows[AREA_ROWS])
{
    const cluster_unit *u = self;
    (void)whole;
    const struct cfg_cluster *k = &u->cp.cluster;
    double a = k->area_um2 + (k->sfu_elems_cyc > 0 ? k->sfu_area_um2 : 0.0);
    rows[AREA_CLUSTER] = (area_line){n, n * a, n * k->p_static_mw};
}

/* A cluster runs one op per slot at once. */
static uint32_t capacity(const void *self, unit_id unit)
{
    (void)unit;
    return (uint32_t)((const cluster_unit *)self)->cp.cluster.slots;
}

const unit_ops cluster_unit_ops = {"cluster", exec, finalize, check, stats_reg, area, capacity};
