/*
 * lora.h -- LoRA adapters on the digital clusters (AHWA-LoRA, seed 002;
 * docs/heterogeneous.md "LoRA adapters"): where an adapter runs, how it
 * overlaps the analog projection, and its L1 working set.
 *
 * An adapter of rank r beside a projection W (in -> out) computes, for a
 * batch of t tokens X (t x in), U = X A (A: in x r), then Y = U B
 * (B: r x out), added to the projection's result.
 *
 * Placement ([lora] placement): on the projection's own cluster (layer);
 * on a LoRA cluster (dedicated): the last [lora] clusters clusters of the
 * chip serve adapters only, the adapter of block L on LoRA cluster
 * L mod [lora] clusters; or over all the LoRA clusters (split): A by its
 * rows (each cluster in / n of them, the partial U added on the first),
 * B by its columns (each out / n of them), n = [lora] clusters.
 *
 * Pipeline ([lora] pipeline): sequential (the adapter starts when the
 * analog result is there), parallel (beside the analog branch, one set of
 * buffers: batch k's B waits for the join of batch k - 1), double_buffer
 * (two sets: batch k's B waits for the join of batch k - 2, and streamed
 * weights of batch k load while batch k - 1 computes).
 *
 * L1 working set of the part of one adapter on one cluster, in
 * [cluster] elem_bytes elements:
 *   weights     a_rows r + r b_cols     (A rows and B columns it holds)
 *   activations t (a_rows + r + b_cols) per buffer set
 * (a_rows = in, b_cols = out unless split: ceil(in / n), ceil(out / n)).
 * Resident: weights + buffers x activations <= [cluster] l1_bytes, the
 * weights loaded once; otherwise streamed ([lora] l1 = stream): the
 * weights read from memory each batch and passed through the DMA's
 * buffers, buffers x activations <= l1_bytes.  Neither fits, or resident
 * does not and [lora] l1 = refuse: an input error.  (Each adapter GEMM
 * is also costed alone by arch/cluster.h, which streams an op whose own
 * operands exceed the L1.)
 */
#ifndef AIMCSIM_LORA_H
#define AIMCSIM_LORA_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"
#include "workloads/model.h"

/* [lora] placement, pipeline, l1 (order of the param choices). */
enum lora_placement { LORA_LAYER, LORA_DEDICATED, LORA_SPLIT };
enum lora_pipeline { LORA_SEQUENTIAL, LORA_PARALLEL, LORA_DOUBLE_BUFFER };
enum lora_l1_policy { LORA_L1_REFUSE, LORA_L1_STREAM };

typedef struct lora_l1 {
    uint32_t parts;            /* clusters one adapter is split over (1 unless split) */
    uint32_t a_rows, b_cols;   /* rows of A and columns of B on one cluster */
    uint32_t buffers;          /* activation (and streamed weight) buffer sets */
    uint64_t weights_bytes;    /* A and B parts on one cluster */
    uint64_t act_bytes;        /* one buffer set of activations, t tokens */
    uint64_t resident_bytes;   /* weights + buffers x activations */
    uint64_t streamed_bytes;   /* buffers x activations (weights streamed) */
    int streamed;              /* 1: weights streamed each batch */
    int fits;                  /* 1: runs within [cluster] l1_bytes */
} lora_l1;

/* The working set of an adapter beside a projection in -> out for t
 * tokens per batch, as configured. */
void lora_l1_of(const config *c, uint32_t in, uint32_t out, uint32_t t, lora_l1 *o);

/* Clusters that serve the blocks (the others serve adapters): [cluster]
 * count, less [lora] clusters under dedicated and split. */
uint32_t lora_layer_clusters(const config *c, uint32_t nclusters);

/* The checks of [lora] against the chip and the model: LoRA clusters
 * left for the blocks, every adapter's working set within the L1 (the
 * largest named).  config_fail messages; 0 or -1. */
int lora_check(const config *c, const model *m, char *err, size_t errlen);

#endif
