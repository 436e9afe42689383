/*
 * cluster_cost.c -- the digital-cluster cost model (arch/cluster.h).
 *
 * Invariant: pure; cycles >= the kind's overhead; work counts are exact
 * integers (the energy of an op is a linear function of them).
 *
 * Work per element (lane ops) is an algorithmic count, documented in
 * docs/models.md: layernorm 8 per element + one rsqrt per row; softmax
 * 4 + exp per element + one reciprocal per row; gelu (tanh form) 6 + exp
 * per element; add 1; reduce 1 per added element; gemm one FMA per MAC;
 * permute and the embedding lookup are DMA moves.
 */
#include "arch/cluster.h"

#include <math.h>

#include "sim/units.h"
#include "sim/util.h"

void cluster_params_init(cluster_params *p, const config *c)
{
    const struct cfg_cluster *k = &c->cluster;
    p->cluster = *k;
    p->eff[DIG_LAYERNORM] = k->eff_layernorm;
    p->eff[DIG_SOFTMAX] = k->eff_softmax;
    p->eff[DIG_GELU] = k->eff_gelu;
    p->eff[DIG_ADD] = k->eff_add;
    p->eff[DIG_GEMM] = k->eff_gemm;
    p->eff[DIG_REDUCE] = k->eff_reduce;
    p->eff[DIG_PERMUTE] = k->eff_permute;
    p->eff[DIG_EMBED] = k->eff_embed;
    p->ovh_cyc[DIG_LAYERNORM] = (uint64_t)k->ovh_layernorm_cyc;
    p->ovh_cyc[DIG_SOFTMAX] = (uint64_t)k->ovh_softmax_cyc;
    p->ovh_cyc[DIG_GELU] = (uint64_t)k->ovh_gelu_cyc;
    p->ovh_cyc[DIG_ADD] = (uint64_t)k->ovh_add_cyc;
    p->ovh_cyc[DIG_GEMM] = (uint64_t)k->ovh_gemm_cyc;
    p->ovh_cyc[DIG_REDUCE] = (uint64_t)k->ovh_reduce_cyc;
    p->ovh_cyc[DIG_PERMUTE] = (uint64_t)k->ovh_permute_cyc;
    p->ovh_cyc[DIG_EMBED] = (uint64_t)k->ovh_embed_cyc;
}

/* ceil(q), except that a q within a relative 1e-9 of an integer is that
 * integer: 589824 / (48 x 0.8) is 15360, not 15361 by rounding error. */
static uint64_t ceil_snap(double q)
{
    double r = nearbyint(q);
    if (fabs(q - r) <= 1e-9 * fmax(1.0, q))
        return (uint64_t)r;
    return (uint64_t)ceil(q);
}

void cluster_op(const cluster_params *p, enum dig_kind kind, uint32_t m,
                uint32_t n, uint32_t k, cluster_op_cost *out)
{
    uint64_t M = m, N = n, K = k, eb = p->cluster.elem_bytes;
    uint64_t mn = M * N;
    double lanes = (double)p->cluster.cores * p->cluster.simd_width / p->cluster.slots;
    double me = (double)p->cluster.me_fma / p->cluster.slots;
    double dma = (double)p->cluster.dma_bytes_cyc / p->cluster.slots;
    double thr = lanes;    /* work units per cycle of this kind */
    uint64_t work = 0;     /* in units of thr */
    uint64_t dma_fixed = 0; /* bytes the op moves by DMA regardless of L1 */

    out->lane_ops = out->me_fmas = out->dma_bytes = 0;
    switch (kind) {
    case DIG_LAYERNORM:
        work = out->lane_ops = mn * 8 + M * p->cluster.exp_ops;
        out->footprint_bytes = (2 * mn + 2 * N) * eb;
        break;
    case DIG_SOFTMAX:
        work = out->lane_ops = mn * (4 + p->cluster.exp_ops) + M * p->cluster.exp_ops;
        out->footprint_bytes = 2 * mn * eb;
        break;
    case DIG_GELU:
        work = out->lane_ops = mn * (6 + p->cluster.exp_ops);
        out->footprint_bytes = 2 * mn * eb;
        break;
    case DIG_ADD:
        work = out->lane_ops = mn;
        out->footprint_bytes = 3 * mn * eb;
        break;
    case DIG_GEMM:
        work = mn * K;
        if (p->cluster.matrix_engine) {
            out->me_fmas = work;
            thr = me;
        } else {
            out->lane_ops = work;
        }
        out->footprint_bytes = (M * K + K * N + mn) * eb;
        break;
    case DIG_REDUCE: {
        uint64_t rows = M ? M : 1;
        work = out->lane_ops = K ? rows * (K - 1) * N : 0;
        out->footprint_bytes = rows * (K * N + N) * eb;
        break;
    }
    case DIG_PERMUTE:
        dma_fixed = N * eb;
        out->footprint_bytes = 2 * N * eb;
        break;
    case DIG_EMBED:
        work = out->lane_ops = mn;
        dma_fixed = mn * eb;
        out->footprint_bytes = 2 * mn * eb;
        break;
    default:
        out->footprint_bytes = 0;
        break;
    }
    unsigned kd = (unsigned)kind < DIG_KINDS ? (unsigned)kind : 0;
    double eff = p->eff[kd];
    out->streamed = out->footprint_bytes > (uint64_t)p->cluster.l1_bytes;
    out->dma_bytes = dma_fixed + (out->streamed ? out->footprint_bytes : 0);
    uint64_t compute = work ? ceil_snap((double)work / (thr * eff)) : 0;
    /* The DMA runs at full bandwidth except for permute, whose efficiency
     * is the DMA's (strided moves). */
    double dma_eff = kind == DIG_PERMUTE ? eff : 1.0;
    uint64_t move = out->dma_bytes ? ceil_snap((double)out->dma_bytes / (dma * dma_eff)) : 0;
    out->cycles = p->ovh_cyc[kd] + (compute > move ? compute : move);
}

uint64_t cluster_cycles_ps(const cluster_params *p, uint64_t cycles)
{
    return units_cycles_to_ps(cycles, p->cluster.clock_ghz);
}

double cluster_op_energy_pj(const cluster_params *p, const cluster_op_cost *c)
{
    return (double)c->lane_ops * p->cluster.e_lane_op_pj + (double)c->me_fmas * p->cluster.e_me_fma_pj +
           (double)c->dma_bytes * p->cluster.e_dma_byte_pj;
}
