/*
 * noc_unit.c -- the mesh as a unit (sim/unit.h): transfers between the
 * mesh nodes of two units, their counters, energy, checks and area.
 *
 * Invariant: a transfer reserves the links of its XY path in order
 * (arch/noc.h); every link it takes is shown on that link's track of the
 * trace, tagged with the transfer's command.
 */
#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

/* The transfer being executed, for the link observer. */
struct current {
    const trace_sink *sink;
    uint64_t id;
    uint32_t tag;
};

static void on_link(void *ctx, uint32_t link, uint64_t start_ps, uint64_t end_ps)
{
    const struct current *cur = ctx;
    cur->sink->span(cur->sink->ctx, TRACK_LINK, link, "flits", start_ps, end_ps, cur->id,
                    cur->tag);
}

void noc_unit_init(noc_unit *u, struct chip_shared *sh, const noc_params *np,
                   const uint32_t *const *node, const uint32_t *count)
{
    u->sh = sh;
    u->np = *np;
    u->node = node;
    u->count = count;
    u->mesh = noc_create(np);
    u->nlinks = noc_link_count(np->width, np->height);
    u->routers = (uint64_t)np->width * np->height;
}

void noc_unit_free(noc_unit *u) { noc_free(u->mesh); }

/* arg: dst, bytes (sim/cmd.c); the source is the command's unit. */
static void exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    noc_unit *u = self;
    shared_begin(u->sh, t_ready, out);
    unit_id src = w->unit, dst = (unit_id)w->arg[0];
    uint64_t bytes = w->arg[1];
    if (UNIT_KIND(src) >= UNIT_NONE || UNIT_INDEX(src) >= u->count[UNIT_KIND(src)] ||
        UNIT_KIND(dst) >= UNIT_NONE || UNIT_INDEX(dst) >= u->count[UNIT_KIND(dst)]) {
        shared_bad(u->sh, t_ready, out, "xfer from unit %08x to unit %08x: no such unit",
                   (unsigned)src, (unsigned)dst);
        return;
    }
    struct current cur = {u->sh->sink, w->id, w->tag};
    int observe = cur.sink && cur.sink->span;
    if (observe)
        noc_set_link_observer(u->mesh, on_link, &cur);
    noc_send_result r;
    noc_send(u->mesh, u->node[UNIT_KIND(src)][UNIT_INDEX(src)],
             u->node[UNIT_KIND(dst)][UNIT_INDEX(dst)], bytes, t_ready, &r);
    if (observe)
        noc_set_link_observer(u->mesh, NULL, NULL);
    u->packets++;
    u->bytes += bytes;
    u->flits += r.flits;
    u->flit_hops += r.flits * r.hops;
    u->router_bits += 8 * bytes * (r.hops + 1);
    u->link_bits += 8 * bytes * r.hops;
    out->start_ps = t_ready;
    out->end_ps = out->span_end_ps = r.end_ps;
    out->wait_ps[STALL_LINK] = r.wait_ps;
    unit_cp(out, CP_NOC_WAIT, r.wait_ps);
    unit_cp(out, CP_NOC, r.end_ps - t_ready - r.wait_ps);
    out->e_pj = noc_energy_pj(&u->np, r.hops, bytes);
    shared_finish(u->sh, out);
}

static void finalize(void *self, uint64_t t_end_ps, double e[E_PARTS])
{
    noc_unit *u = self;
    e[E_NOC] = units_fj_to_pj((double)u->router_bits * u->np.e_router_bit_fj +
                              (double)u->link_bits * u->np.e_link_bit_fj);
    u->link_busy_ps = noc_busy_ps(u->mesh);
    u->util_link = util_ratio((double)u->link_busy_ps, (double)u->nlinks, t_end_ps);
}

static int check(const void *self, uint64_t t_end_ps, char *err, size_t errlen)
{
    const noc_unit *u = self;
    if (noc_busy_max_ps(u->mesh) > t_end_ps)
        return errf(err, errlen, "chip: a link is busy %llu ps, longer than the run (%llu ps)",
                    (unsigned long long)noc_busy_max_ps(u->mesh), (unsigned long long)t_end_ps);
    return 0;
}

static void stats_reg(void *self, stats *st, int per_unit)
{
    noc_unit *u = self;
    if (per_unit)
        return;
    stats_counter(st, &u->packets, "noc.packets");
    stats_counter(st, &u->bytes, "noc.bytes");
    stats_counter(st, &u->flits, "noc.flits");
    stats_counter(st, &u->flit_hops, "noc.flit_hops");
    stats_counter(st, &u->link_busy_ps, "noc.link_busy_ps");
}

/* n routers. */
static void area(const void *self, double n, int whole, area_line rows[AREA_ROWS])
{
    const noc_unit *u = self;
    (void)whole;
    rows[AREA_NOC] = (area_line){n, n * u->np.router_area_um2, n * u->np.p_router_leak_mw};
}

const unit_ops noc_unit_ops = {"noc", exec, finalize, check, stats_reg, area, NULL};
