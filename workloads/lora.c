/*
 * lora.c -- LoRA adapters: their L1 working set and the checks of [lora]
 * (lora.h).
 *
 * Invariant: pure functions of the configuration and the model.
 */
#include "workloads/lora.h"

#include "sim/util.h"
#include "workloads/mapper.h"

void lora_l1_of(const config *c, uint32_t in, uint32_t out, uint32_t t, lora_l1 *o)
{
    uint64_t r = (uint64_t)c->lora.rank, eb = (uint64_t)c->cluster.elem_bytes;
    o->parts = c->lora.placement == LORA_SPLIT ? (uint32_t)c->lora.clusters : 1;
    o->a_rows = (uint32_t)ceil_div_u64(in, o->parts);
    o->b_cols = (uint32_t)ceil_div_u64(out, o->parts);
    o->buffers = c->lora.pipeline == LORA_DOUBLE_BUFFER ? 2 : 1;
    o->weights_bytes = (o->a_rows * r + r * o->b_cols) * eb;
    o->act_bytes = (uint64_t)t * (o->a_rows + r + o->b_cols) * eb;
    o->resident_bytes = o->weights_bytes + o->buffers * o->act_bytes;
    o->streamed_bytes = o->buffers * o->act_bytes;
    uint64_t l1 = (uint64_t)c->cluster.l1_bytes;
    o->streamed = o->resident_bytes > l1;
    o->fits = !o->streamed || (c->lora.l1 == LORA_L1_STREAM && o->streamed_bytes <= l1);
}

uint32_t lora_layer_clusters(const config *c, uint32_t nclusters)
{
    if (c->lora.rank == 0 || c->lora.placement == LORA_LAYER)
        return nclusters;
    uint32_t k = (uint32_t)c->lora.clusters;
    return nclusters > k ? nclusters - k : 0;
}

int lora_check(const config *c, const model *m, char *err, size_t errlen)
{
    if (c->lora.rank == 0)
        return 0;
    if (c->lora.placement != LORA_LAYER && c->lora.clusters >= c->cluster.count)
        return config_fail(c, PARAM_lora_clusters, err, errlen,
                           "leaves no cluster for the blocks ([cluster] count = %lld; the "
                           "adapters take the last %lld under placement = %s)",
                           (long long)c->cluster.count, (long long)c->lora.clusters,
                           config_enum_name(PARAM_lora_placement, c->lora.placement));
    uint8_t kind[MODEL_PROJ_KINDS];
    if (mapper_lora_targets(c, kind, err, errlen) < 0)
        return -1;
    /* The projection with the largest working set decides. */
    int worst = -1;
    lora_l1 w = {0};
    for (uint32_t i = 0; i < m->nproj; i++) {
        if (!kind[m->proj[i].kind])
            continue;
        lora_l1 o;
        lora_l1_of(c, m->proj[i].in, m->proj[i].out, (uint32_t)c->lora.batch_tokens, &o);
        if (worst < 0 || o.resident_bytes > w.resident_bytes) {
            worst = (int)i;
            w = o;
        }
    }
    if (worst < 0 || w.fits)
        return 0;
    const model_proj *pj = &m->proj[worst];
    if (c->lora.l1 == LORA_L1_REFUSE)
        return config_fail(c, PARAM_lora_l1, err, errlen,
                           "the adapter of %s (%u x %u, rank %lld, %lld tokens a batch) needs "
                           "%llu bytes of L1 with its weights resident, [cluster] l1_bytes is "
                           "%lld (set [lora] l1 = stream, fewer batch_tokens, or split)",
                           pj->name, pj->in, pj->out, (long long)c->lora.rank,
                           (long long)c->lora.batch_tokens,
                           (unsigned long long)w.resident_bytes,
                           (long long)c->cluster.l1_bytes);
    return config_fail(c, PARAM_lora_l1, err, errlen,
                       "the adapter of %s (%u x %u, rank %lld, %lld tokens a batch) needs %llu "
                       "bytes of L1 for its activations alone (%u buffer sets), [cluster] "
                       "l1_bytes is %lld (fewer batch_tokens, or split)",
                       pj->name, pj->in, pj->out, (long long)c->lora.rank,
                       (long long)c->lora.batch_tokens, (unsigned long long)w.streamed_bytes,
                       w.buffers, (long long)c->cluster.l1_bytes);
}
