/*
 * workloads.c -- the cross-parameter checks of the workload parameters
 * (workloads/workloads.h).
 */
#include "workloads/workloads.h"

#include <stdlib.h>
#include <string.h>

#include "sim/util.h"
#include "workloads/lora.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

int workloads_config_check(const config *c, char *err, size_t errlen)
{
    model m;
    transform t;
    if (model_init(&m, c, err, errlen) < 0)
        return -1;
    if (transform_init(&t, &m, c, err, errlen) < 0) {
        model_free(&m);
        return -1;
    }
    uint8_t kinds[MODEL_PROJ_KINDS];
    uint8_t *digital = xcalloc(m.nproj ? m.nproj : 1, 1);
    int rc = 0;
    if (mapper_check_config(c, &m, &t, err, errlen) < 0 ||
        mapper_lora_targets(c, kinds, err, errlen) < 0 || lora_check(c, &m, err, errlen) < 0 ||
        mapper_digital_select(&m, &t, c, NULL, digital, err, errlen) < 0)
        rc = -1;
    free(digital);
    transform_free(&t);
    model_free(&m);
    return rc;
}

int workloads_mem_estimate(const config *c, workloads_mem *w)
{
    memset(w, 0, sizeof *w);
    model m;
    if (model_init(&m, c, NULL, 0) < 0)
        return -1;
    uint32_t nb = transform_nblocks(c, m.d_model, NULL, 0);
    if (!nb) {
        model_free(&m);
        return -1;
    }
    mapper_mem mm;
    mapper_estimate(&m, nb, c, &mm);
    w->model_bytes = (uint64_t)m.nnodes * sizeof(model_node) +
                     (uint64_t)m.nproj * sizeof(model_proj);
    w->transform_bytes = mm.transform_bytes;
    w->mapping_bytes = mm.bytes;
    w->arrays = mm.arrays;
    w->tags = (uint64_t)m.nnodes + 1;
    /* The scheduler (workloads/sched.c): node outputs per position kept
     * (one for token-major, every position otherwise) and sequence; KV
     * records per layer and sequence; tags; per step, the commands of the
     * largest node for every sequence (a transfer in and out per array
     * besides its activations, and a few more) with their dependencies,
     * in buffers that grow by doubling. */
    uint64_t B = (uint64_t)c->run.batch;
    uint64_t npos = (uint64_t)c->run.prompt_tokens + (uint64_t)c->run.decode_tokens;
    uint64_t outs = sat_mul_u64(sat_mul_u64(m.nnodes, m.causal ? 1 : npos), B);
    uint64_t sb = sat_mul_u64(outs, sizeof(uint64_t));
    sb = sat_add_u64(sb, sat_mul_u64(sat_mul_u64(m.layers, B), 40));
    sb = sat_add_u64(sb, sat_mul_u64(w->tags, sizeof(cmd_tag) + sizeof(uint32_t)));
    uint64_t step = sat_mul_u64(sat_add_u64(sat_mul_u64(mm.max_proj_acts, 3), 64), B);
    sb = sat_add_u64(sb, sat_mul_u64(step, 2 * (sizeof(cmd) + 3 * sizeof(uint64_t))));
    if (c->chip.reprogram && c->chip.tiles > 0)
        sb = sat_add_u64(sb, (uint64_t)c->chip.tiles * sizeof(uint32_t));
    w->sched_bytes = sb;
    model_free(&m);
    return 0;
}
