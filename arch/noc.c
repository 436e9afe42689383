/*
 * noc.c -- the mesh NoC (arch/noc.h): pure latency/energy functions and the
 * timed link reservations.
 *
 * Invariant: for every directed link, the reservations made so far are
 * disjoint intervals in call order, `free_ps` is the end of the last one
 * and `busy_ps` the sum of their lengths; hence busy_ps <= free_ps.
 */
#include "arch/noc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/units.h"
#include "sim/util.h"

enum { DIR_E, DIR_W, DIR_S, DIR_N, DIRS };

struct link {
    uint64_t free_ps;  /* end of the last reservation */
    uint64_t busy_ps;  /* sum of reserved time */
};

struct noc {
    noc_params p;
    struct link *links; /* node * DIRS + direction; only mesh-internal links are used */
    uint32_t *col_lo, *col_hi; /* multicast scratch, per column: destination rows */
    noc_link_fn observe; /* NULL: no observer */
    void *observe_ctx;
};

void noc_set_link_observer(noc *n, noc_link_fn fn, void *ctx)
{
    n->observe = fn;
    n->observe_ctx = ctx;
}

uint32_t noc_link_slots(const noc *n) { return n->p.width * n->p.height * DIRS; }

void noc_link_name(const noc *n, uint32_t link, char *buf, size_t len)
{
    uint32_t node = link / DIRS, w = n->p.width, x = node % w, y = node / w;
    static const int dx[DIRS] = {1, -1, 0, 0}, dy[DIRS] = {0, 0, 1, -1};
    snprintf(buf, len, "(%u,%u)->(%d,%d)", x, y, (int)x + dx[link % DIRS],
             (int)y + dy[link % DIRS]);
}

/* The router the [noc] figures describe under dsent scaling. */
#define REF_PORTS 5.0
#define REF_WIDTH_BITS 256.0
/* DSENT v0.9 at 32 nm (Sun et al., NOCS 2012; router.cfg, 1 GHz, 2 VCs x
 * 4 flits, DFF buffers, multiplexer crossbar), fitted over 4..8 ports and
 * 32..512-bit flits within 9%: buffers ~ P w, crossbar ~ (P w)^2,
 * allocators ~ P^3 (um^2); leakage ~ P^1.2 w; energy per bit ~ P^0.29,
 * independent of the width. */
#define DSENT_A_PW 41.43
#define DSENT_A_PW2 0.0509
#define DSENT_A_P3 3.96
#define DSENT_LEAK_P_EXP 1.2
#define DSENT_E_P_EXP 0.29

double noc_router_shape_um2(double ports, double width_bits)
{
    double pw = ports * width_bits;
    return DSENT_A_PW * pw + DSENT_A_PW2 * pw * pw + DSENT_A_P3 * ports * ports * ports;
}

void noc_params_init(noc_params *p, const config *c)
{
    p->noc = c->noc;
    p->width = (uint32_t)c->noc.width;
    p->height = (uint32_t)c->noc.height;
    p->router_ps = units_cycles_to_ps((uint64_t)c->noc.router_cyc, c->noc.clock_ghz);
    p->link_ps = units_cycles_to_ps((uint64_t)c->noc.link_cyc, c->noc.clock_ghz);
    p->ports = 4 + (unsigned)c->chip.tiles_per_router;
    p->e_router_bit_fj = c->noc.e_router_bit_fj;
    p->router_area_um2 = c->noc.router_area_um2;
    p->p_router_leak_mw = c->noc.p_router_leak_mw;
    if (c->noc.router_scaling == NOC_SCALE_DSENT) {
        double P = p->ports, w = 8.0 * (double)c->noc.link_bytes;
        p->router_area_um2 *= noc_router_shape_um2(P, w) / noc_router_shape_um2(REF_PORTS, REF_WIDTH_BITS);
        p->p_router_leak_mw *= pow(P / REF_PORTS, DSENT_LEAK_P_EXP) * w / REF_WIDTH_BITS;
        p->e_router_bit_fj *= pow(P / REF_PORTS, DSENT_E_P_EXP);
    }
    noc_params_set_pitch(p, 1.0);
}

void noc_params_set_pitch(noc_params *p, double pitch_mm)
{
    p->e_link_bit_fj = p->noc.e_link_bit_fj_mm * pitch_mm;
}

void noc_auto_size(uint32_t nodes, uint32_t *width, uint32_t *height)
{
    uint32_t w = 1;
    while ((uint64_t)w * w < nodes)
        w++;
    *width = w;
    *height = nodes <= 1 ? 1 : (uint32_t)ceil_div_u64(nodes, w);
}

uint32_t noc_hops(uint32_t width, uint32_t a, uint32_t b)
{
    uint32_t ax = a % width, ay = a / width, bx = b % width, by = b / width;
    return (ax > bx ? ax - bx : bx - ax) + (ay > by ? ay - by : by - ay);
}

uint64_t noc_flits(const noc_params *p, uint64_t bytes)
{
    uint64_t f = ceil_div_u64(bytes, (uint64_t)p->noc.link_bytes);
    return f ? f : 1;
}

uint64_t noc_ser_ps(const noc_params *p, uint64_t flits)
{
    return units_cycles_to_ps(flits, p->noc.clock_ghz);
}

uint64_t noc_latency_ps(const noc_params *p, uint32_t hops, uint64_t flits)
{
    return (uint64_t)(hops + 1) * p->router_ps + (uint64_t)hops * p->link_ps +
           noc_ser_ps(p, flits);
}

double noc_energy_pj(const noc_params *p, uint32_t hops, uint64_t bytes)
{
    double bits = 8.0 * (double)bytes;
    return units_fj_to_pj(bits * ((hops + 1) * p->e_router_bit_fj + hops * p->e_link_bit_fj));
}

uint64_t noc_link_count(uint32_t width, uint32_t height)
{
    return 2ULL * (width - 1) * height + 2ULL * width * (height - 1);
}

noc *noc_create(const noc_params *p)
{
    noc *n = xcalloc(1, sizeof *n);
    n->p = *p;
    n->links = xcalloc((size_t)p->width * p->height * DIRS, sizeof *n->links);
    n->col_lo = xcalloc(p->width ? p->width : 1, sizeof *n->col_lo);
    n->col_hi = xcalloc(p->width ? p->width : 1, sizeof *n->col_hi);
    return n;
}

void noc_free(noc *n)
{
    if (!n)
        return;
    free(n->links);
    free(n->col_lo);
    free(n->col_hi);
    free(n);
}

/* The link leaving node (x, y) in direction dir, and the step from one
 * link to the next along that direction. */
static size_t link_slot(const noc *n, uint32_t x, uint32_t y, int dir)
{
    return ((size_t)y * n->p.width + x) * DIRS + (size_t)dir;
}

static ptrdiff_t dir_stride(const noc *n, int dir)
{
    ptrdiff_t row = (ptrdiff_t)n->p.width * DIRS;
    return dir == DIR_E ? DIRS : dir == DIR_W ? -(ptrdiff_t)DIRS : dir == DIR_S ? row : -row;
}

/* Reserves `steps` links of one straight segment of a path, the first
 * at slot `slot`, the next `stride` slots on (a step along x is one node,
 * DIRS slots; along y a row, width x DIRS), for a head ready at *t; adds
 * the waits to *wait and leaves *t where the head is after the last. */
static void segment(noc *n, size_t slot, ptrdiff_t stride, uint32_t steps, uint64_t ser,
                    uint64_t *t, uint64_t *wait)
{
    const noc_params *p = &n->p;
    uint64_t h = *t, hop = p->link_ps + p->router_ps, w = 0;
    for (uint32_t i = 0; i < steps; i++, slot = (size_t)((ptrdiff_t)slot + stride)) {
        struct link *l = &n->links[slot];
        uint64_t s = h > l->free_ps ? h : l->free_ps;
        w += s - h;
        l->free_ps = s + ser;
        l->busy_ps += ser;
        if (n->observe)
            n->observe(n->observe_ctx, (uint32_t)slot, s, s + ser);
        h = s + hop;
    }
    *t = h;
    *wait += w;
}

void noc_send(noc *n, uint32_t src, uint32_t dst, uint64_t bytes, uint64_t t_ps,
              noc_send_result *r)
{
    const noc_params *p = &n->p;
    uint32_t w = p->width;
    uint32_t x = src % w, y = src / w, dx = dst % w, dy = dst / w;
    uint64_t flits = noc_flits(p, bytes), ser = noc_ser_ps(p, flits);
    uint64_t t = t_ps + p->router_ps, wait = 0;
    /* XY routing: the row segment, then the column segment from the
     * destination's column. */
    uint32_t nx = dx > x ? dx - x : x - dx, ny = dy > y ? dy - y : y - dy;
    int xdir = dx > x ? DIR_E : DIR_W, ydir = dy > y ? DIR_S : DIR_N;
    if (nx)
        segment(n, link_slot(n, x, y, xdir), dir_stride(n, xdir), nx, ser, &t, &wait);
    if (ny)
        segment(n, link_slot(n, dx, y, ydir), dir_stride(n, ydir), ny, ser, &t, &wait);
    r->end_ps = t + ser;
    r->wait_ps = wait;
    r->hops = nx + ny;
    r->flits = flits;
}

/* One branch of a multicast tree: from (x, y), whose head is ready at h,
 * `steps` links in direction dir (segment); returns the head time at its
 * far end, adds the branch's waits to *wait and *bwait and its links to
 * *links. */
static uint64_t branch(noc *n, uint32_t x, uint32_t y, int dir, uint32_t steps, uint64_t h,
                       uint64_t ser, uint64_t *wait, uint64_t *bwait, uint32_t *links)
{
    uint64_t w = 0;
    segment(n, link_slot(n, x, y, dir), dir_stride(n, dir), steps, ser, &h, &w);
    *wait += w;
    *bwait += w;
    *links += steps;
    return h;
}

void noc_mcast(noc *n, uint32_t src, const uint32_t *dst, uint32_t ndst, uint64_t bytes,
               uint64_t t_ps, noc_mcast_result *r)
{
    const noc_params *p = &n->p;
    uint32_t w = p->width, x0 = src % w, y0 = src / w;
    uint64_t flits = noc_flits(p, bytes), ser = noc_ser_ps(p, flits);
    uint64_t wait = 0;
    uint32_t links = 0;
    uint32_t xmin = x0, xmax = x0;
    /* Destination rows per column (lo > hi: none), the row span of x. */
    for (uint32_t x = 0; x < w; x++) {
        n->col_lo[x] = UINT32_MAX;
        n->col_hi[x] = 0;
    }
    for (uint32_t i = 0; i < ndst; i++) {
        uint32_t x = dst[i] % w, y = dst[i] / w;
        if (y < n->col_lo[x])
            n->col_lo[x] = y;
        if (y > n->col_hi[x])
            n->col_hi[x] = y;
        if (x < xmin)
            xmin = x;
        if (x > xmax)
            xmax = x;
    }
    /* The head along row y0 first (XY: x before y), east then west; in
     * each column with destinations, south then north from row y0.  Each
     * link of the union of the XY paths is taken once; a destination has
     * its tail when its head is ready at its router plus ser.  The last
     * tail sets the end; the waits on its path are its path wait. */
    uint64_t h0 = t_ps + p->router_ps, end = 0, path_wait = 0;
    for (int side = 0; side < 2; side++) {
        uint64_t h = h0, rw = 0; /* head on the row, waits along the row */
        uint32_t x = x0;
        for (;;) {
            if (n->col_lo[x] != UINT32_MAX && (side == 0 || x != x0)) {
                uint32_t lo = n->col_lo[x], hi = n->col_hi[x];
                /* The far ends of the column's branches bound every
                 * destination on them (heads only move later). */
                uint64_t he[3] = {h, h, h}, we[3] = {0, 0, 0};
                if (hi > y0)
                    he[1] = branch(n, x, y0, DIR_S, hi - y0, h, ser, &wait, &we[1], &links);
                if (lo < y0)
                    he[2] = branch(n, x, y0, DIR_N, y0 - lo, h, ser, &wait, &we[2], &links);
                for (int b = 0; b < 3; b++)
                    if (he[b] + ser > end) {
                        end = he[b] + ser;
                        path_wait = rw + we[b];
                    }
            }
            if (side == 0 ? x == xmax : x == xmin)
                break;
            h = branch(n, x, y0, side == 0 ? DIR_E : DIR_W, 1, h, ser, &wait, &rw, &links);
            x = side == 0 ? x + 1 : x - 1;
        }
    }
    r->end_ps = end;
    r->wait_ps = wait;
    r->path_wait_ps = path_wait;
    r->links = links;
    r->flits = flits;
}

uint64_t noc_busy_ps(const noc *n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < (size_t)n->p.width * n->p.height * DIRS; i++)
        s += n->links[i].busy_ps;
    return s;
}

uint64_t noc_busy_max_ps(const noc *n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < (size_t)n->p.width * n->p.height * DIRS; i++)
        if (n->links[i].busy_ps > m)
            m = n->links[i].busy_ps;
    return m;
}

uint64_t noc_last_free_ps(const noc *n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < (size_t)n->p.width * n->p.height * DIRS; i++)
        if (n->links[i].free_ps > m)
            m = n->links[i].free_ps;
    return m;
}
