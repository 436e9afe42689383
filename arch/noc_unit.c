/*
 * noc_unit.c -- the mesh as a unit (sim/unit.h): transfers between the
 * mesh nodes of two units and multicasts from one unit to a range of
 * units, their counters, energy, checks and area.
 *
 * Invariant: a transfer reserves the links of its XY path in order, a
 * multicast each link of its XY tree once (arch/noc.h); every link taken
 * is shown on that link's track of the trace, tagged with the command.
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

static int valid(const noc_unit *u, unit_id x, uint64_t n)
{
    return UNIT_KIND(x) < UNIT_NONE && (uint64_t)UNIT_INDEX(x) + n <= u->count[UNIT_KIND(x)];
}

/* xfer arg: dst, bytes; mcast arg: dst, bytes, dsts (sim/cmd.c).  The
 * source is the command's unit.  A multicast to dsts units of one kind
 * reaches their distinct mesh nodes along one XY tree (arch/noc.h). */
static void exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    noc_unit *u = self;
    shared_begin(u->sh, t_ready, out);
    unit_id src = w->unit, dst = (unit_id)w->arg[0];
    uint64_t bytes = w->arg[1];
    uint64_t ndst = w->op == CMD_MCAST ? w->arg[2] : 1;
    if (!valid(u, src, 1) || ndst == 0 || !valid(u, dst, ndst)) {
        shared_bad(u->sh, t_ready, out, "%s from unit %08x to unit %08x (%llu units): no such unit",
                   cmd_op_name(w->op), (unsigned)src, (unsigned)dst, (unsigned long long)ndst);
        return;
    }
    struct current cur = {u->sh->sink, w->id, w->tag};
    int observe = cur.sink && cur.sink->span;
    if (observe)
        noc_set_link_observer(u->mesh, on_link, &cur);
    uint32_t from = u->node[UNIT_KIND(src)][UNIT_INDEX(src)];
    const uint32_t *to = &u->node[UNIT_KIND(dst)][UNIT_INDEX(dst)];
    uint64_t end, wait, path_wait, flits;
    uint32_t links;
    if (w->op == CMD_MCAST) {
        noc_mcast_result r;
        noc_mcast(u->mesh, from, to, (uint32_t)ndst, bytes, t_ready, &r);
        end = r.end_ps, wait = r.wait_ps, flits = r.flits, links = r.links;
        path_wait = r.path_wait_ps;
        u->multicasts++;
        u->multicast_dests += ndst;
    } else {
        noc_send_result r;
        noc_send(u->mesh, from, *to, bytes, t_ready, &r);
        end = r.end_ps, wait = r.wait_ps, flits = r.flits, links = r.hops;
        path_wait = wait;
    }
    if (observe)
        noc_set_link_observer(u->mesh, NULL, NULL);
    u->packets++;
    u->bytes += bytes;
    u->flits += flits;
    u->flit_hops += flits * links;
    u->router_bits += 8 * bytes * (links + 1);
    u->link_bits += 8 * bytes * links;
    out->start_ps = t_ready;
    out->end_ps = out->span_end_ps = end;
    out->wait_ps[STALL_LINK] = wait;
    /* Critical path: the waits on the path of the last tail (a multicast's
     * other branches wait beside it), the rest is the transfer itself. */
    unit_cp(out, CP_NOC_WAIT, path_wait);
    unit_cp(out, CP_NOC, end - t_ready - path_wait);
    out->e_pj = noc_energy_pj(&u->np, links, bytes);
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
    stats_counter(st, &u->multicasts, "noc.multicasts");
    stats_counter(st, &u->multicast_dests, "noc.multicast_dests");
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
