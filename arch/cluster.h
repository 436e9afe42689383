/*
 * cluster.h -- the cost model of a digital cluster (Snitch-like: cores with
 * SIMD FPUs, an optional matrix engine and special-function unit, an L1
 * scratchpad and a DMA engine) executing the operations of sim/cmd.h
 * (enum dig_kind).
 *
 * Pure functions.  Per op kind:
 *   cycles  = ovh_kind + passes x ceil(m / cores) x row_cyc + max(compute, dma)
 *   compute = max(ceil(lane_ops / (lanes x eff_kind)), ceil(sfu_ops / sfu_elems_cyc))
 *   dma     = ceil(streamed bytes / dma_bytes_cyc)    (eff_permute for permute)
 * lanes = cores x simd_width lane ops per cycle; lane ops per element and
 * the passes (serial row reductions) per kind are in docs/models.md,
 * counted from the Snitch kernels.  Element work is spread over all cores
 * (a row split over them when there are fewer rows than cores); the row
 * tails run in parallel over rows.  Exp and tanh cost exp_ops lane ops, or
 * one special-function-unit result each when sfu_elems_cyc > 0.  A GEMM
 * runs on whichever is faster: the matrix engine, me_fma x eff_gemm FMAs
 * per cycle scaled by min(1, m / me_rows), or the cores, lanes x
 * eff_gemm_cores.  Each rate is divided by [cluster] slots.  Operands are
 * streamed by the DMA (double-buffered, overlapping compute) only when
 * their footprint exceeds the L1.
 */
#ifndef AIMCSIM_CLUSTER_H
#define AIMCSIM_CLUSTER_H

#include <stdint.h>

#include "sim/config.h"
#include "sim/cmd.h"

typedef struct cluster_params {
    struct cfg_cluster cluster;     /* [cluster] as configured */
    double eff[DIG_KINDS];          /* [cluster] eff_<kind>, by kind (gemm: the engine's) */
    uint64_t ovh_cyc[DIG_KINDS];    /* [cluster] ovh_<kind>_cyc, by kind */
} cluster_params;

void cluster_params_init(cluster_params *p, const config *c);

/* The cost of one op. */
typedef struct cluster_op_cost {
    uint64_t cycles;       /* cluster cycles, overhead included */
    uint64_t lane_ops;     /* SIMD lane ops (and core FMAs without engine) */
    uint64_t me_fmas;      /* matrix-engine FMAs */
    uint64_t sfu_ops;      /* special-function-unit results (exp, tanh) */
    uint64_t dma_bytes;    /* bytes moved by the DMA */
    uint64_t footprint_bytes; /* operands + result */
    int streamed;          /* 1 if the footprint exceeds the L1 */
} cluster_op_cost;

/* Cost of op `kind` with shape (m, n, k) as documented in traces/cmd.h.
 * Zero-sized shapes cost the overhead only. */
void cluster_op(const cluster_params *p, enum dig_kind kind, uint32_t m,
                uint32_t n, uint32_t k, cluster_op_cost *out);
/* Serial row reductions per row of kind: layernorm 2 (mean, variance),
 * softmax 2 (max, sum), argmax 1, others 0. */
unsigned cluster_passes(enum dig_kind kind);
/* Cycles to ps at the cluster clock (rounded to nearest). */
uint64_t cluster_cycles_ps(const cluster_params *p, uint64_t cycles);
/* Dynamic energy of an op, pJ. */
double cluster_op_energy_pj(const cluster_params *p, const cluster_op_cost *c);

#endif
