/*
 * hetero.h -- heterogeneous mapping as a search (docs/heterogeneous.md):
 * the candidate selections of digital projections that `aimcsim hetero`
 * evaluates, what each leaves on analog, and the Pareto front of the
 * results.
 *
 * A candidate is a set of projections run digitally, always including the
 * forced ones (what the configuration's [mapping] digital and [model]
 * lm_head = digital name).  Families, over the projections a sensitivity
 * profile gives a positive value and that are not forced:
 *   top-k       the k highest values, k = 1 .. K;
 *   greedy-k    the k highest values per MAC (value / transformed MACs of
 *               the projection: sensitivity removed per unit of digital
 *               work), k = 1 .. K;
 *   first-last-n  every projection of the first n and the last n blocks,
 *               and the LM head, n = 1 .. N (the classic heuristic that
 *               keeps the first and last layers digital);
 * and "base", the forced ones alone.  K is the number of such projections,
 * at most max_k; equal values go in model order.  Candidates with the same
 * set are one, labelled with every family that gave it ("top-1,greedy-1"),
 * in the order base, top-k, greedy-k, first-last-n.  Candidates over the
 * configuration's budgets ([mapping] digital_mac_share_max,
 * digital_weight_bytes_max) are left out.
 *
 * Ownership: hetero_candidates allocates the array and its strings;
 * hetero_cands_free releases them.  No globals.
 */
#ifndef AIMCSIM_HETERO_H
#define AIMCSIM_HETERO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

/* Families (bits of hetero_opts.families). */
enum { HETERO_TOPK = 1, HETERO_GREEDY = 2, HETERO_FIRSTLAST = 4,
       HETERO_ALL = 7 };

typedef struct hetero_opts {
    unsigned families;       /* HETERO_* bits */
    uint32_t max_k;          /* top-k and greedy-k up to this k; 0: every valued projection */
    uint32_t first_last;     /* first-last-n for n = 1 .. this (capped at ceil(layers / 2)) */
} hetero_opts;

typedef struct hetero_cand {
    uint8_t *digital;        /* per projection: 1 digital (owned, m->nproj entries) */
    char *families;          /* "top-3,greedy-2" (owned) */
    char *list;              /* the digital projections comma-joined in model order,
                              * "" for none: the value of [mapping] digital (owned) */
    double sens_analog;      /* sum of the profile's values of the projections left
                              * on analog (unlisted ones count 0) */
    mapper_digital_cost cost;
} hetero_cand;

/* Sum of value[i] (NaN counts 0) over the projections not marked. */
double hetero_sens_analog(const model *m, const double *value, const uint8_t *digital);

/* The candidates of the families in o, for the profile values value[]
 * (NaN: unlisted) and the forced set forced[]; *n of them in *out,
 * *over how many were left out for the budgets of c.  Returns 0, or -1 with
 * a message when nothing is left. */
int hetero_candidates(const model *m, const transform *t, const config *c,
                      const double *value, const uint8_t *forced, const hetero_opts *o,
                      hetero_cand **out, uint32_t *n, uint32_t *over, char *err,
                      size_t errlen);
void hetero_cands_free(hetero_cand *cands, uint32_t n);

/* Marks front[r] = 1 for every row r of v (nrows x nobj, row-major, every
 * objective minimised) that no other row dominates (no worse in every
 * objective and better in one); rows with a NaN are never on the front
 * and dominate nothing.  Equal rows are all on the front. */
void hetero_pareto(const double *v, uint32_t nrows, uint32_t nobj, uint8_t *front);

#endif
