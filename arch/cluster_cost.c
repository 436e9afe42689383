/*
 * cluster_cost.c -- the digital-cluster cost model (arch/cluster.h).
 *
 * Invariant: pure; cycles >= the kind's overhead; work counts are exact
 * integers (the energy of an op is a linear function of them).
 *
 * Work per element (lane ops), documented with its derivation in
 * docs/models.md section 4: layernorm 8 (snitch_cluster
 * layernorm_fp16_opt: 24 FP16 SIMD instructions per 16 elements, plus 2
 * per 4 for gain and bias); softmax 4 + one exp (max, subtract, sum,
 * scale); gelu (tanh form) 6 + one tanh; add 1; reduce 1 per added
 * element; argmax 2 (compare, select); gemm one FMA per MAC; permute and
 * the embedding lookup are DMA moves.  An exp or tanh is exp_ops lane ops,
 * or one special-function-unit result.
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
    p->eff[DIG_ARGMAX] = k->eff_argmax;
    p->ovh_cyc[DIG_LAYERNORM] = (uint64_t)k->ovh_layernorm_cyc;
    p->ovh_cyc[DIG_SOFTMAX] = (uint64_t)k->ovh_softmax_cyc;
    p->ovh_cyc[DIG_GELU] = (uint64_t)k->ovh_gelu_cyc;
    p->ovh_cyc[DIG_ADD] = (uint64_t)k->ovh_add_cyc;
    p->ovh_cyc[DIG_GEMM] = (uint64_t)k->ovh_gemm_cyc;
    p->ovh_cyc[DIG_REDUCE] = (uint64_t)k->ovh_reduce_cyc;
    p->ovh_cyc[DIG_PERMUTE] = (uint64_t)k->ovh_permute_cyc;
    p->ovh_cyc[DIG_EMBED] = (uint64_t)k->ovh_embed_cyc;
    p->ovh_cyc[DIG_ARGMAX] = (uint64_t)k->ovh_argmax_cyc;
}

unsigned cluster_passes(enum dig_kind kind)
{
    switch (kind) {
    case DIG_LAYERNORM:
    case DIG_SOFTMAX: return 2;
    case DIG_ARGMAX: return 1;
    default: return 0;
    }
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
    const struct cfg_cluster *c = &p->cluster;
    uint64_t M = m, N = n, K = k, eb = c->elem_bytes;
    uint64_t mn = M * N;
    double slots = (double)c->slots;
    double cores = fmax(1.0, floor((double)c->cores / slots));
    double lanes = (double)c->cores * c->simd_width / slots;
    double sfu = c->sfu_elems_cyc / slots;
    uint64_t trans = 0;       /* exp or tanh evaluations */
    double thr = lanes;       /* lane ops (or FMAs) per cycle for this op */
    uint64_t dma_fixed = 0;   /* bytes the op moves by DMA regardless of L1 */

    out->lane_ops = out->me_fmas = out->dma_bytes = out->sfu_ops = 0;
    switch (kind) {
    case DIG_LAYERNORM:
        out->lane_ops = mn * 8;
        out->footprint_bytes = (2 * mn + 2 * N) * eb;
        break;
    case DIG_SOFTMAX:
        out->lane_ops = mn * 4;
        trans = mn;
        out->footprint_bytes = 2 * mn * eb;
        break;
    case DIG_GELU:
        out->lane_ops = mn * 6;
        trans = mn;
        out->footprint_bytes = 2 * mn * eb;
        break;
    case DIG_ADD:
        out->lane_ops = mn;
        out->footprint_bytes = 3 * mn * eb;
        break;
    case DIG_GEMM: {
        uint64_t macs = mn * K;
        double core_rate = lanes * c->eff_gemm_cores;
        double me_rate = c->matrix_engine
                             ? (double)c->me_fma / slots * p->eff[DIG_GEMM] *
                                   fmin(1.0, (double)M / (double)c->me_rows)
                             : 0.0;
        if (me_rate > core_rate) {
            out->me_fmas = macs;
            thr = me_rate;
        } else {
            out->lane_ops = macs;
            thr = core_rate;
        }
        out->footprint_bytes = (M * K + K * N + mn) * eb;
        break;
    }
    case DIG_REDUCE: {
        uint64_t rows = M ? M : 1;
        out->lane_ops = K ? rows * (K - 1) * N : 0;
        out->footprint_bytes = rows * (K * N + N) * eb;
        break;
    }
    case DIG_PERMUTE:
        dma_fixed = N * eb;
        out->footprint_bytes = 2 * N * eb;
        break;
    case DIG_EMBED:
        out->lane_ops = mn;
        dma_fixed = mn * eb;
        out->footprint_bytes = 2 * mn * eb;
        break;
    case DIG_ARGMAX:
        out->lane_ops = mn * 2;
        out->footprint_bytes = mn * eb;
        break;
    default:
        out->footprint_bytes = 0;
        break;
    }
    if (sfu > 0)
        out->sfu_ops = trans;
    else
        out->lane_ops += trans * (uint64_t)c->exp_ops;
    unsigned kd = (unsigned)kind < DIG_KINDS ? (unsigned)kind : 0;
    /* The GEMM's rate already includes its engine's efficiency. */
    double eff = kind == DIG_GEMM ? 1.0 : p->eff[kd];
    out->streamed = out->footprint_bytes > (uint64_t)c->l1_bytes;
    out->dma_bytes = dma_fixed + (out->streamed ? out->footprint_bytes : 0);
    uint64_t work = out->lane_ops + out->me_fmas;
    uint64_t compute = work ? ceil_snap((double)work / (thr * eff)) : 0;
    uint64_t special = out->sfu_ops ? ceil_snap((double)out->sfu_ops / sfu) : 0;
    if (special > compute)
        compute = special;
    /* The DMA runs at full bandwidth except for permute, whose efficiency
     * is the DMA's (strided moves). */
    double dma = (double)c->dma_bytes_cyc / slots;
    double dma_eff = kind == DIG_PERMUTE ? p->eff[kd] : 1.0;
    uint64_t move = out->dma_bytes ? ceil_snap((double)out->dma_bytes / (dma * dma_eff)) : 0;
    /* Row tails: rows in parallel over the op's cores, each pass serial. */
    uint64_t tails = cluster_passes(kind) * (uint64_t)ceil(((double)(M ? M : 1)) / cores) *
                     (uint64_t)c->row_cyc;
    out->cycles = p->ovh_cyc[kd] + tails + (compute > move ? compute : move);
}

uint64_t cluster_cycles_ps(const cluster_params *p, uint64_t cycles)
{
    return units_cycles_to_ps(cycles, p->cluster.clock_ghz);
}

double cluster_op_energy_pj(const cluster_params *p, const cluster_op_cost *c)
{
    return (double)c->lane_ops * p->cluster.e_lane_op_pj + (double)c->me_fmas * p->cluster.e_me_fma_pj +
           (double)c->dma_bytes * p->cluster.e_dma_byte_pj + (double)c->sfu_ops * p->cluster.e_sfu_op_pj;
}
