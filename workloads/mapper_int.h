/*
 * mapper_int.h -- internals shared by the mapper driver (mapper.c), the
 * strategies (mapper_linear.c, mapper_sparse.c, mapper_dense.c) and the
 * builder they place through (mapper_build.c), and the digital selection
 * (mapper_select.c).  Not included from outside workloads/mapper*.c.  The
 * driver calls the strategies and the selection, the strategies call the
 * builder, and the builder and the selection call neither.
 *
 * A strategy appends placements and activations to the stages of
 * mp->proj[p] for every analog projection p, taking new arrays from
 * mb_new_array.  The driver then sorts each stage's activations, sets their
 * ADC resolution and derives every count.
 */
#ifndef AIMCSIM_MAPPER_INT_H
#define AIMCSIM_MAPPER_INT_H

#include "workloads/mapper.h"

struct mapper_ctx {
    mapper *mp;
    const model *m;
    const transform *t;
    const config *c;
    uint32_t R, C;        /* array rows, physical columns */
    uint32_t cpw, Cw;     /* columns per weight; weights per array row */
    uint32_t rho;         /* densemap rows per activation (resolved: 1..b) */
    int share;            /* enum mapper_share */
    int pack;             /* enum mapper_pack */
    uint32_t *steps;      /* next step of each array */
    uint32_t steps_cap;
};

/* A new array; returns its id. */
uint32_t mb_new_array(mapper_ctx *mb);
/* Appends a placement to stage st (zeroed but for the arguments). */
void mb_place(mapper_ctx *mb, mapper_stage *st, uint32_t array, uint32_t row, uint32_t col,
              uint32_t in_off, uint32_t out_off, uint32_t h, uint32_t w);
/* Appends an empty activation of array to st with the array's next step;
 * the pointer is valid until the next mb_act on st. */
mapper_act *mb_act(mapper_ctx *mb, mapper_stage *st, uint32_t array);
/* Adds a driven row range [lo, lo + n) fed from input offset in_off, merged
 * with the last range when contiguous in both; -1 if the set is full. */
int mb_act_rows(mapper_act *a, uint32_t lo, uint32_t n, uint32_t in_off);
/* Adds a converted physical column range [lo, lo + n) yielding outputs from
 * out_off (n / cpw of them), merged likewise; -1 if full. */
int mb_act_cols(mapper_act *a, uint32_t lo, uint32_t n, uint32_t out_off, uint32_t cpw);
/* Next comma-separated item of *p (spaces trimmed, cut to n - 1 bytes)
 * into buf; *empty when it is blank; 0 at the end of the list. */
int mapper_next_item(const char **p, char *buf, size_t n, int *empty);
/* 1 if projection p is mapped to arrays. */
int mb_analog(const mapper_ctx *mb, uint32_t p);

/* Linear placement of stage s of projection p (also the fallback of the
 * other strategies for dense stages). */
void mapper_linear_stage(mapper_ctx *mb, uint32_t p, uint32_t s);

/* 1 if two blocks of Monarch stage ts read the same input elements (pack
 * MAPPER_PACK_INPUT) or add into the same output elements (MAPPER_PACK_OUTPUT):
 * the stage has blocks for that DenseMap packing to co-locate. */
int mapper_dense_shares(const transform_stage *ts, int pack);

extern const mapper_ops mapper_linear_ops;
extern const mapper_ops mapper_sparsemap_ops;
extern const mapper_ops mapper_densemap_ops;

#endif
