/*
 * cluster.h -- the cost model of a digital cluster (Snitch-like: cores with
 * SIMD FPUs, an optional matrix engine, an L1 scratchpad and a DMA engine)
 * executing the operations of traces/cmd.h (enum dig_kind).
 *
 * Pure functions.  Per op kind:
 *   cycles = ovh_kind + ceil(max(compute, dma))
 *   compute = work / (throughput x eff_kind)
 *   dma     = streamed bytes / (DMA bytes per cycle)   (eff_permute for permute)
 * where work is counted in lane ops (or FMAs for GEMM), throughput is
 * cores x simd_width lanes per cycle (me_fma FMAs per cycle for GEMM on the
 * matrix engine), each divided by [cluster] slots, and operands are
 * streamed by the DMA (double-buffered, overlapping compute) only when
 * their footprint exceeds the L1.  Work per kind in docs/models.md.
 */
#ifndef AIMCSIM_CLUSTER_H
#define AIMCSIM_CLUSTER_H

#include <stdint.h>

#include "sim/config.h"
#include "sim/cmd.h"

typedef struct cluster_params {
    struct cfg_cluster cluster;     /* [cluster] as configured */
    double eff[DIG_KINDS];          /* [cluster] eff_<kind>, by kind */
    uint64_t ovh_cyc[DIG_KINDS];    /* [cluster] ovh_<kind>_cyc, by kind */
} cluster_params;

void cluster_params_init(cluster_params *p, const config *c);

/* The cost of one op. */
typedef struct cluster_op_cost {
    uint64_t cycles;       /* cluster cycles, overhead included */
    uint64_t lane_ops;     /* SIMD lane ops (and core FMAs without engine) */
    uint64_t me_fmas;      /* matrix-engine FMAs */
    uint64_t dma_bytes;    /* bytes moved by the DMA */
    uint64_t footprint_bytes; /* operands + result */
    int streamed;          /* 1 if the footprint exceeds the L1 */
} cluster_op_cost;

/* Cost of op `kind` with shape (m, n, k) as documented in traces/cmd.h.
 * Zero-sized shapes cost the overhead only. */
void cluster_op(const cluster_params *p, enum dig_kind kind, uint32_t m,
                uint32_t n, uint32_t k, cluster_op_cost *out);
/* Cycles to ps at the cluster clock (rounded to nearest). */
uint64_t cluster_cycles_ps(const cluster_params *p, uint64_t cycles);
/* Dynamic energy of an op, pJ. */
double cluster_op_energy_pj(const cluster_params *p, const cluster_op_cost *c);

#endif
