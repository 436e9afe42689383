/*
 * sched_3dsim.h -- IBM 3D-SiM's workload on aimcsim's mapping ([run]
 * scheduler = threedsim; docs/reproduction.md, "3D-SiM mode"): the DAG
 * 3D-SiM builds for a prefill, emitted as a command stream of given-cost
 * commands (fixed, delay) with 3D-SiM's arbitration (prio = token + 1):
 *   - every array activation of the mapping is an MVM on its tile (one at a
 *     time per tile), [threedsim] t_mvm_ns / e_mvm_nj whatever its rows
 *     and columns, followed by a communication node (a delay); a
 *     communication node also precedes every MVM fed by a digital op;
 *   - the partial sums of each group of outputs that several activations
 *     produce are added by a serial chain of two-input adds (3D-SiM's
 *     n_v - 1 adds per column block);
 *   - LayerNorm, GELU, residual and partial-sum adds, the embedding (one
 *     add) and the sampling run on a pool of [cluster] slots identical
 *     units (cluster 0, shared by all layers);
 *   - attention is one node per layer, covering every token (cluster 1):
 *     a barrier;
 *   - the final LayerNorm, the LM head and the sampling for the last
 *     prompt token only.
 * What of 3D-SiM is not reproduced is listed in docs/reproduction.md.
 */
#ifndef AIMCSIM_SCHED_3DSIM_H
#define AIMCSIM_SCHED_3DSIM_H

#include "workloads/sched.h"

typedef struct tdsim tdsim;

/* NULL with a message located at the parameter that forbids it (decode
 * tokens, batch, fewer than 2 clusters, more arrays than tiles). */
tdsim *tdsim_create(const config *c, const model *m, const mapper *mp, const sched_chip *chip,
                    char *err, size_t errlen);
cmd_source tdsim_source(tdsim *t);
/* One tag per graph node (model.node order), then "sample". */
const cmd_tag *tdsim_tags(const tdsim *t, uint32_t *ntags);
uint64_t tdsim_tokens_out(const tdsim *t);
void tdsim_free(tdsim *t);

#endif
