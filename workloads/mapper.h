/*
 * mapper.h -- where every transformed projection runs: on which crossbar
 * arrays, where each weight sits, and which array activations compute it
 * for one token; or on the digital cluster.
 *
 * Strategies plug in through a const table of operations (mapper_ops) and
 * one explicit registry (mapper_get, mapper_lookup), selected by
 * [mapping] strategy: linear, sparsemap, densemap (docs/mapping.md).
 * Overlays apply to every strategy: the projections mapper_digital_select
 * chooses (named in [mapping] digital, or by the rules of a sensitivity
 * profile and budgets) and the LM head with [model] lm_head = digital run
 * on the digital cluster; [lora] rank > 0 adds an adapter on the digital
 * cluster beside each projection of a kind in [lora] targets.
 *
 * Arrays.  Arrays are R x C ([tile] rows, cols); ids are global, 0 .. A-1,
 * and the engine maps array i to tile i.  A weight takes cpw =
 * ceil([tile] weight_bits / cell_bits) adjacent columns, so an array holds
 * Cw = floor(C / cpw) weights per row; column coordinates below are
 * physical (cells), weight counts are logical.
 *
 * Stages.  Each projection has the stages of its transform (transform.h):
 * one dense matrix, or a Monarch's R then L.  For an analog projection each
 * stage lists where its weights sit (place) and the activations that
 * compute it (act).  A placement puts the rectangle of the stage matrix S
 * with rows [in_off, in_off + h) and columns [out_off, out_off + w) at array
 * rows [row, row + h) and physical columns [col, col + w cpw): S[in_off + i]
 * [out_off + j] is the weight of array row row + i, physical columns col +
 * j cpw .. col + j cpw + cpw - 1.  Zero padding is not placed.
 *
 * Activation semantics.  An activation drives its row ranges and converts
 * its column ranges of one array:
 *   - row range k (rows.r[k]) is driven with the stage input elements
 *     u[in_off[k] .. in_off[k] + rows.r[k].n);
 *   - column range k (cols.r[k], physical) yields cols.r[k].n / cpw values,
 *     the weighted sums of the driven rows, which are ADDED into the stage
 *     output elements o[out_off[k] .. out_off[k] + cols.r[k].n / cpw).
 * Each converted column sums at most rows_summed weights (rows holding a
 * placed weight of that column among the driven ones); the mapping
 * guarantees that every such weight belongs to the intended block, so the
 * sum is exact.  bits is the ADC resolution: adc_bits_for(c, rows_summed)
 * (arch/adc.h: derived when [adc] derive_bits, else [adc] bits).
 * Activations of one array run in step order (0, 1, ... within a token,
 * over all stages that use the array); activations of different arrays may
 * run in parallel.  A stage's act list is sorted by (array, step).  The
 * stage output is complete when all its activations have been converted
 * and added: o starts at zero, and an output element receiving c
 * contributions needs c - 1 digital additions (reduce_k, reduce_adds).
 *
 * Digital work of a stage besides its activations: the partial-sum
 * reduction (up to reduce_k partial vectors of out_n elements, reduce_adds
 * additions in all), then, after a Monarch R stage, the permutation of
 * perm_n elements (transform_perm_src).  A digital projection has no
 * placements or activations; its work is its transformed MACs
 * (digital_macs), stage by stage.
 *
 * Ownership: a mapper borrows its model and transform (they must outlive
 * it) and owns everything else; mapper_free releases it.  All counts are
 * per token.
 */
#ifndef AIMCSIM_MAPPER_H
#define AIMCSIM_MAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"
#include "sim/cmd.h"
#include "workloads/model.h"
#include "workloads/transform.h"

/* [mapping] strategy (order of the param choices and of the registry). */
enum mapper_strategy { MAPPER_LINEAR, MAPPER_SPARSEMAP, MAPPER_DENSEMAP };

/* [mapping] densemap_share (order of the param choices). */
enum mapper_share { MAPPER_SHARE_FACTOR, MAPPER_SHARE_PROJECTION, MAPPER_SHARE_MODEL };

/* [mapping] densemap_pack (order of the param choices): which blocks of a
 * stage DenseMap puts in one row (input: they read the same input) or one
 * column (output: their outputs are added) of an array. */
enum mapper_pack { MAPPER_PACK_GREEDY, MAPPER_PACK_INPUT, MAPPER_PACK_OUTPUT };

enum mapper_exec { MAPPER_ANALOG, MAPPER_DIGITAL };

typedef struct mapper_place {
    uint32_t array;
    uint32_t row, col;          /* top-left cell (col physical) */
    uint32_t in_off, out_off;   /* the rectangle of the stage matrix ... */
    uint32_t h, w;              /* ... h rows by w weights */
} mapper_place;

typedef struct mapper_act {
    uint32_t array;             /* global array id */
    uint32_t step;              /* order among this array's activations */
    cmd_set rows, cols;         /* array coordinates (cols physical) */
    uint32_t in_off[CMD_MAX_RANGES];  /* stage input offset of each row range */
    uint32_t out_off[CMD_MAX_RANGES]; /* stage output offset of each column range */
    uint32_t rows_summed;       /* most weights summed by a converted column */
    uint8_t bits;               /* ADC resolution of its conversions */
} mapper_act;

typedef struct mapper_stage {
    const transform_stage *ts;  /* what it computes (borrowed) */
    uint32_t nplace;
    mapper_place *place;        /* owned */
    uint32_t nact;
    mapper_act *act;            /* owned; sorted by (array, step) */
    uint32_t narrays;           /* distinct arrays it activates */
    uint64_t conversions;       /* physical columns converted */
    uint32_t reduce_k;          /* most contributions to one output element */
    uint64_t reduce_adds;       /* digital additions of partial sums */
    uint32_t perm_n;            /* elements permuted after it (Monarch R) */
} mapper_stage;

/* Counts of one projection, or of the whole model (mapper.total). */
typedef struct mapper_sum {
    uint64_t arrays;            /* distinct arrays holding its weights */
    double arrays_eq;           /* its share of them: per array, its placed
                                 * cells / all placed cells; sums to A */
    uint64_t nnz;               /* stored non-zero weights (analog only) */
    double cells;               /* arrays_eq x R x C */
    double util;                /* nnz x cpw / cells; 0 without arrays */
    uint64_t acts, conversions; /* array activations, ADC conversions */
    unsigned bits_min, bits_max;/* ADC resolutions used (0, 0: none) */
    uint64_t reduce_adds;       /* partial-sum additions */
    uint64_t perm_elems;        /* elements permuted (Monarch) */
    uint64_t digital_macs;      /* MACs of projections run digital */
    uint64_t lora_macs;         /* adapter MACs: r (in + out) per adapter */
    uint64_t lora_params;       /* adapter weights */
    uint64_t params_dense, params;  /* weights before / after the transform */
    uint64_t flops_dense, flops;    /* projection FLOPs before / after */
} mapper_sum;

typedef struct mapper_proj {
    uint8_t exec;               /* enum mapper_exec */
    uint8_t lora;               /* 1: has an adapter */
    uint32_t nstages;
    mapper_stage stage[2];
    mapper_sum sum;
} mapper_proj;

typedef struct mapper_ctx mapper_ctx;  /* strategy-side builder (mapper_int.h) */

/* A strategy.  map() places every stage of every analog projection of the
 * builder's model and lists its activations, through the builder functions
 * of workloads/mapper_int.h; it returns 0, or -1 with a message. */
typedef struct mapper_ops {
    const char *name;           /* as in [mapping] strategy */
    const char *help;           /* one line */
    int (*map)(mapper_ctx *mb, char *err, size_t errlen);
} mapper_ops;

typedef struct mapper {
    const mapper_ops *ops;
    const model *model;         /* borrowed */
    const transform *tr;        /* borrowed */
    uint32_t rows, cols;        /* array size */
    uint32_t cpw;               /* columns per weight */
    uint32_t narrays;           /* A */
    uint32_t nproj;             /* = model.nproj; proj[i] is model.proj[i] */
    mapper_proj *proj;          /* owned */
    mapper_sum total;
} mapper;

/* The registry, in a fixed order (linear, sparsemap, densemap). */
size_t mapper_count(void);
const mapper_ops *mapper_get(size_t i);
/* The strategy of that name; NULL and "unknown mapping strategy 'x'
 * (valid: linear, sparsemap, densemap)" if none. */
const mapper_ops *mapper_lookup(const char *name, char *err, size_t errlen);

/* "factor", "projection", "model". */
const char *mapper_share_name(int share);
/* "greedy", "input", "output". */
const char *mapper_pack_name(int pack);

/* The strategy-independent checks of the mapping parameters against the
 * model and transform (strategy vs transform, block size vs array size,
 * densemap_rows vs block size, columns per weight vs array width; under
 * densemap, densemap_pack vs the blocks per array row or column and the
 * stages it can co-locate blocks of).  Run by workloads_config_check and
 * mapper_build; config_fail messages. */
int mapper_check_config(const config *c, const model *m, const transform *t, char *err,
                        size_t errlen);

/* Marks digital[i] = 1 for every projection that runs on the digital
 * cluster, 0 otherwise; digital has m->nproj entries (docs/heterogeneous.md):
 *   1. what [mapping] digital names (exact names, glob patterns as in
 *      fnmatch(3), projection kinds, "all") and the LM head under [model]
 *      lm_head = digital;
 *   2. with a [mapping] digital_profile, a walk over the projections the
 *      profile lists, in decreasing order of value (equal values in model
 *      order), taking each one above digital_threshold (when set), up to
 *      digital_top_k of them (when > 0), that keeps the selection within
 *      the budgets (digital_mac_share_max, digital_weight_bytes_max; one
 *      that would not is skipped and the walk goes on); with
 *      digital_arrays_saved_min, until the selection's share of the
 *      all-analog mapping's arrays (arrays_eq, per projection) reaches it.
 * arrays_eq may be NULL (a check without the mapping): the target is then
 * not applied.  Errors (config_fail, or "profile:line: ..."): an unknown
 * name, a pattern that matches nothing, an item listed twice; what step 1
 * names over a budget; a threshold, top k or target without a profile, a
 * profile without a rule; a target the walk cannot reach. */
int mapper_digital_select(const model *m, const transform *t, const config *c,
                          const double *arrays_eq, uint8_t *digital, char *err,
                          size_t errlen);
/* Marks mark[i] = 1 for every projection that item names: its exact name,
 * a glob pattern (fnmatch(3): h0.*, *.attn.c_proj, h1?.mlp.*), a kind
 * (attn.c_proj: that projection of every block) or "all".  Returns how
 * many it names (0: none). */
uint32_t mapper_match(const model *m, const char *item, uint8_t *mark);
/* The projections a profile lists (value[i] not NaN) in decreasing order
 * of value, equal values in model order, into order[]; returns how many. */
uint32_t mapper_rank(const model *m, const double *value, uint32_t *order);
/* What running the projections marked in digital on the cluster costs per
 * token (Lammie 2026's stage-3 proxies). */
typedef struct mapper_digital_cost {
    uint32_t n;               /* projections marked */
    uint64_t macs;            /* their transformed MACs */
    uint64_t macs_all;        /* the MACs of every projection */
    uint64_t weight_bytes;    /* their transformed weights x ceil(weight_bits / 8) */
} mapper_digital_cost;
void mapper_digital_cost_of(const model *m, const transform *t, const uint8_t *digital,
                            mapper_digital_cost *out);
/* 1 if a selection costing k is within the budgets of c
 * ([mapping] digital_mac_share_max, digital_weight_bytes_max). */
int mapper_within_budget(const config *c, const mapper_digital_cost *k);
/* Reads a sensitivity profile: one "projection value" per line, '#'
 * starts a comment, blank lines are skipped.  value[i] is projection i's
 * value, NaN if not listed.  Errors name "path:line". */
int mapper_profile_load(const model *m, const char *path, double *value, char *err,
                        size_t errlen);
/* The profile path of c, resolved against the directory of the config file
 * when it was given there (as is when given by --set or absolute); caller
 * frees.  NULL when [mapping] digital_profile is empty. */
char *mapper_profile_path(const config *c);
/* A deep copy of src with every projection analog: the digital selection
 * parameters of [mapping] back to their defaults (as if never set) and the
 * LM head analog unless absent.  Free dst with config_free. */
void mapper_config_all_analog(config *dst, const config *src);
/* Marks kind[k] = 1 for each projection kind in [lora] targets ("all": every
 * kind); config_fail on an unknown kind. */
int mapper_lora_targets(const config *c, uint8_t kind[MODEL_PROJ_KINDS], char *err,
                        size_t errlen);

/* Adds the per-token counts of s to t: stored weights, activations,
 * conversions, the ADC resolution range, digital work, parameters and
 * FLOPs; not the array counts, cells and utilisation, which do not add. */
void mapper_sum_add(mapper_sum *t, const mapper_sum *s);

/* Upper bounds of what mapper_build would make and allocate for model m
 * with nb blocks per Monarch factor under configuration c, every
 * projection counted as analog; from the shapes alone, without building
 * the transform or the mapping (the resource estimate before a run,
 * docs/reliability.md).  Saturating: UINT64_MAX when a figure does not fit
 * 64 bits. */
typedef struct mapper_mem {
    uint64_t arrays;            /* arrays */
    uint64_t places, acts;      /* placements and activations in all */
    uint64_t max_proj_acts;     /* most activations of one projection */
    uint64_t transform_bytes;   /* the transform's block lists */
    uint64_t bytes;             /* the mapping's allocations */
} mapper_mem;
void mapper_estimate(const model *m, uint32_t nb, const config *c, mapper_mem *e);

/* Maps model m, transformed by t, with the strategy of [mapping] strategy.
 * Returns 0, or -1 with a message (mp then holds nothing to free). */
int mapper_build(mapper *mp, const model *m, const transform *t, const config *c, char *err,
                 size_t errlen);
void mapper_free(mapper *mp);

#endif
