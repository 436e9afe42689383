/*
 * noc.h -- the 2-D mesh network on chip: XY routing, flit serialisation,
 * link contention.  Equations and the reservation model in docs/models.md.
 *
 * Nodes are numbered row-major: node i sits at (x, y) = (i % width,
 * i / width).  A packet of `bytes` is max(1, ceil(bytes / link_bytes))
 * flits, one flit per cycle per link.  It traverses hops + 1 routers (its
 * source's through its destination's) and `hops` links, where hops is the
 * Manhattan distance (XY routing: first along x, then along y).
 *
 * Reservation model (cut-through, in-order reservation): a packet sent at
 * t reserves each link of its path in order.  Its head reaches link i at
 * a_i (a_0 = t + router latency); the link is taken at
 * s_i = max(a_i, free_i) and stays busy for the serialisation time
 * ser = flits x cycle, so free_i = s_i + ser; the head reaches the next
 * link at a_{i+1} = s_i + link latency + router latency.  The packet has
 * arrived when its tail has: end = s_last + link + router + ser (for a
 * packet between the two ends of one router, end = t + router + ser).  The
 * wait is sum(s_i - a_i).  Links are reserved in call order (FIFO): a later
 * call never takes a gap left before an earlier reservation.  Router
 * buffers are unbounded (no back-pressure), injection and ejection ports
 * are not contended.
 */
#ifndef AIMCSIM_NOC_H
#define AIMCSIM_NOC_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"

/* [noc] router_scaling (order of the param choices). */
enum noc_scaling { NOC_SCALE_DSENT, NOC_SCALE_NONE };

typedef struct noc_params {
    struct cfg_noc noc;      /* [noc] as configured */
    uint32_t width, height;  /* the mesh: [noc] width x height, or set by the chip when 0 */
    uint64_t router_ps;      /* router latency per traversal: router_cyc cycles */
    uint64_t link_ps;        /* link latency per hop: link_cyc cycles */
    unsigned ports;          /* of every router: 4 mesh ports + [chip] tiles_per_router */
    double e_router_bit_fj;  /* per bit per traversal, at `ports` and link_bytes */
    double router_area_um2;  /* per router */
    double p_router_leak_mw; /* per router */
    double e_link_bit_fj;    /* per bit per hop: e_link_bit_fj_mm x the node pitch
                              * (noc_params_set_pitch; 1 mm until set) */
} noc_params;

/* Parameters of [noc]; width and height as configured (0: automatic).
 * Every router is the same design, with 4 mesh ports and one local port per
 * array of a tile node ([chip] tiles_per_router); with [noc] router_scaling
 * = dsent its figures are scaled from the configured 5-port, 32-byte ones
 * (docs/models.md 5):
 *   area = router_area_um2 x D(P, w) / D(5, 256),
 *          D(P, w) = 41.43 P w + 0.0509 (P w)^2 + 3.96 P^3  (w = 8 link_bytes)
 *   leak = p_router_leak_mw x (P / 5)^1.2 x w / 256
 *   e    = e_router_bit_fj x (P / 5)^0.29                 (per bit, any w) */
void noc_params_init(noc_params *p, const config *c);
/* The DSENT-fitted router area shape D(P, w) above, um^2 at 32 nm. */
double noc_router_shape_um2(double ports, double width_bits);
/* Sets the hop length (the node pitch, mm): e_link_bit_fj = [noc]
 * e_link_bit_fj_mm x pitch_mm. */
void noc_params_set_pitch(noc_params *p, double pitch_mm);

/* The smallest mesh for `nodes` nodes: width = ceil(sqrt(nodes)),
 * height = ceil(nodes / width) (1 x 1 for nodes <= 1). */
void noc_auto_size(uint32_t nodes, uint32_t *width, uint32_t *height);

/* Manhattan distance between nodes a and b of a mesh `width` wide. */
uint32_t noc_hops(uint32_t width, uint32_t a, uint32_t b);
/* Flits of a packet: max(1, ceil(bytes / link_bytes)). */
uint64_t noc_flits(const noc_params *p, uint64_t bytes);
/* Serialisation of `flits` flits on one link: flits cycles. */
uint64_t noc_ser_ps(const noc_params *p, uint64_t flits);
/* Uncontended latency: (hops + 1) router + hops link + serialisation. */
uint64_t noc_latency_ps(const noc_params *p, uint32_t hops, uint64_t flits);
/* Energy: 8 bytes ((hops + 1) e_router_bit_fj + hops e_link_bit_fj), pJ. */
double noc_energy_pj(const noc_params *p, uint32_t hops, uint64_t bytes);
/* Directed links of a width x height mesh. */
uint64_t noc_link_count(uint32_t width, uint32_t height);

/* The timed mesh: per directed link, the time it is free again. */
typedef struct noc noc;

noc *noc_create(const noc_params *p);
void noc_free(noc *n);

/* Observer of link reservations (for the timeline trace): link is
 * node x 4 + direction (0 east, 1 west, 2 south, 3 north), busy over
 * [start_ps, end_ps).  Called in reservation order; per link the intervals
 * are disjoint and increasing. */
typedef void (*noc_link_fn)(void *ctx, uint32_t link, uint64_t start_ps, uint64_t end_ps);
/* Sets (fn NULL: clears) the observer. */
void noc_set_link_observer(noc *n, noc_link_fn fn, void *ctx);
/* Directed link slots (node x 4 + direction, edge slots unused) and the
 * name of one: "(x,y)->(x',y')". */
uint32_t noc_link_slots(const noc *n);
void noc_link_name(const noc *n, uint32_t link, char *buf, size_t len);

typedef struct noc_send_result {
    uint64_t end_ps;   /* tail arrived at the destination */
    uint64_t wait_ps;  /* sum over links of the wait for a busy link */
    uint32_t hops;
    uint64_t flits;
} noc_send_result;

/* Sends a packet from node src to node dst at time t_ps (calls come in
 * non-decreasing t_ps) and reserves its links. */
void noc_send(noc *n, uint32_t src, uint32_t dst, uint64_t bytes, uint64_t t_ps,
              noc_send_result *r);
typedef struct noc_mcast_result {
    uint64_t end_ps;   /* the tail arrived at the last destination */
    uint64_t wait_ps;  /* sum over the tree's links of the wait for a busy link */
    uint64_t path_wait_ps; /* the waits on the path to the destination whose
                            * tail arrived last (<= end_ps - t_ps) */
    uint32_t links;    /* links of the tree (it traverses links + 1 routers) */
    uint64_t flits;
} noc_mcast_result;

/* Multicast: one packet from node src to the nodes dst[0 .. ndst) (in any
 * order; repeats and src itself allowed) at time t_ps, along the XY tree,
 * the union of the XY paths from src: along src's row, then along each
 * destination's column.  Each link of the tree is reserved once, as a
 * unicast reserves its path (routers replicate the flits at branches): the
 * head is ready at src's router at t + router; a link whose tail end's
 * head is ready at h is taken at s = max(h, free) for ser, and the head is
 * ready at the next router at s + link + router.  A destination has the
 * packet when its router has the head plus ser; end_ps is the latest.
 * Links are taken row first (east, then west), each column's branch (south,
 * then north) when the row reaches it.  With one destination this is
 * noc_send. */
void noc_mcast(noc *n, uint32_t src, const uint32_t *dst, uint32_t ndst, uint64_t bytes,
               uint64_t t_ps, noc_mcast_result *r);
/* Sum of the busy time of every link, and the largest busy time of one
 * link (for busy <= elapsed checks). */
uint64_t noc_busy_ps(const noc *n);
uint64_t noc_busy_max_ps(const noc *n);
/* Latest time any link is reserved until. */
uint64_t noc_last_free_ps(const noc *n);

#endif
