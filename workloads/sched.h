/*
 * sched.h -- the scheduler: turns the model graph, its mapping and the chip
 * into the command stream of a run (prefill of [run] prompt_tokens, then
 * [run] decode_tokens autoregressive steps, for [run] batch sequences).
 *
 * Commands are produced lazily, one group of graph nodes (for every
 * sequence) at a time, so memory does not grow with the number of tokens.
 * The order, the placement of data and what each node becomes are in
 * docs/scheduler.md:
 *  - causal models run the prompt in a wavefront over query blocks, then
 *    the decode token by token, so that tokens pipeline through the
 *    weight-stationary arrays as dependencies allow; bidirectional ones
 *    node by node over the whole sequence, since every token attends to
 *    every other;
 *  - a projection on arrays: one input packet per group of arrays driving
 *    the same inputs (a multicast), each array's activations in the
 *    mapping's order and one transfer of its outputs (to the cluster, or
 *    along a reduction chain); then the partial-sum reduction (or a sync),
 *    the Monarch permutation between R and L, the LoRA branch;
 *  - attention: the prefill in tiles of query blocks x key/value blocks
 *    sized by the cluster's L1, the decode per token; K and V rows striped
 *    over the SRAM banks, what does not fit in DRAM;
 *  - the LM head runs for the last prompt token and every decode step;
 *    sampling ([run] sampling) and the embedding lookup of the next token
 *    close the autoregressive loop.
 *
 * Ownership: the scheduler borrows config, model, transform and mapping
 * (they must outlive it); sched_free releases the rest.
 */
#ifndef AIMCSIM_SCHED_H
#define AIMCSIM_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"
#include "sim/stats.h"
#include "sim/cmd.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

typedef struct sched sched;

/* [run] scheduler (order of the param choices). */
enum sched_kind { SCHED_AIMCSIM, SCHED_THREEDSIM };

/* The chip facts the scheduler needs. */
typedef struct sched_chip {
    uint32_t units[UNIT_KINDS];   /* tiles, clusters, SRAM banks, DRAM channels */
    uint64_t sram_bank_bytes;     /* capacity of one SRAM bank */
} sched_chip;

/* Returns a scheduler positioned at the first command, or NULL with a
 * message (a chip without clusters, data that fits neither SRAM nor DRAM,
 * a mapping that needs more tiles than the chip has).  Registers its
 * statistics (sched.*) in st when st is not NULL. */
sched *sched_create(const config *c, const model *m, const transform *t, const mapper *mp,
                    const sched_chip *chip, stats *st, char *err, size_t errlen);
/* The pull interface over the commands (traces/cmd.h). */
cmd_source sched_source(sched *s);
/* Tag table: one tag per graph node (model.node order), then "sample". */
const cmd_tag *sched_tags(const sched *s, uint32_t *ntags);
/* The cluster that runs graph node `node` of m on a chip of nclusters:
 * block L on cluster L mod nclusters, what precedes the blocks on cluster
 * 0, what follows them on the last block's cluster. */
uint32_t sched_node_cluster(const model *m, uint32_t node, uint32_t nclusters);
/* For each array of the mapping (out[mp->narrays]), the cluster of the
 * first projection placed on it (UINT32_MAX: none): what a placement
 * keeping arrays near their cluster needs. */
void sched_array_clusters(const model *m, const mapper *mp, uint32_t nclusters, uint32_t *out);
/* Tokens whose output leaves the model (MARK_TOKEN milestones). */
uint64_t sched_tokens_out(const sched *s);
void sched_free(sched *s);

#endif
