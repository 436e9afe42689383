/*
 * mapper_dense.c -- DenseMap (capacity-optimised).  An array is a grid of
 * slots_r = floor(R / b) by slots_c = floor(Cw / b) cells of b x b (rows and
 * columns beyond the grid are unused when b does not divide the array).
 * With S = min(slots_r, slots_c) and T = max(slots_r, slots_c), the array
 * has T diagonals of S cells; diagonal i holds a group of S consecutive
 * blocks of one stage, block r at cell (r, (r + i) mod T) (or ((r + i) mod
 * T, r) when slots_r > slots_c):
 *
 *   slots 4:  +--+--+--+--+     digits: the diagonal holding each cell
 *             |0 |1 |2 |3 |     diagonal 0 = R blocks 0..3 (say), 1 = L
 *             +--+--+--+--+     blocks 0..3, ...  A column holds blocks of
 *             |3 |0 |1 |2 |     several diagonals, so one activation may
 *             +--+--+--+--+     not drive two rows of blocks that share a
 *             |2 |3 |0 |1 |     converted column.
 *             +--+--+--+--+
 *             |1 |2 |3 |0 |
 *             +--+--+--+--+
 *
 * Packing ([mapping] densemap_share): groups fill the diagonals of the
 * current array, a new array is opened when it is full and, with factor,
 * at every stage (an array holds blocks of one factor of one projection),
 * with projection at every projection, with model never (any stage of any
 * layer: every Monarch block of the model has the same shape).  With
 * factor, the g-th group of an R stage takes diagonal (-q) mod T where the
 * g-th group of the matching L stage takes q (i_R = -i_L, the seed paper's
 * rotation cancellation; 0 and T/2 are their own inverses).  With shared
 * arrays the diagonals are taken in order: the output offsets of each
 * activation put every block's results in place, so no rotation needs
 * undoing.
 *
 * Activations.  The blocks of one stage in one array are covered greedily,
 * diagonal by diagonal: an activation drives a set of block rows (row
 * slots) and converts a set of block columns such that every converted
 * column slot has exactly one occupied cell among the driven row slots (the
 * block it is meant to compute: no other block's weights reach it), and
 * the blocks converted from one row slot all read the same input segment
 * (Q, K, V blocks of one input, for instance).  At most CMD_MAX_RANGES row
 * slots and column ranges.  Each such set is run as ceil(b / rho) steps
 * ("chunks"), step j driving rows [j rho, j rho + rho) of every driven
 * block ([mapping] densemap_rows = rho, 1..b), so a column sums rho rows:
 * the ADC needs ceil(log2 rho) bits, and the rho-row partial sums are added
 * digitally.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"
#include "workloads/mapper_int.h"

#define NONE UINT32_MAX

struct dcell {
    uint32_t p, s;          /* projection, stage */
    uint32_t in_off, out_off;
    uint32_t rs, cs;        /* row slot, column slot */
};

struct darr {
    uint32_t id;
    int32_t *grid;          /* slots_r x slots_c: index into cells, or -1 */
    struct dcell *cells;
    uint32_t ncells, cap;
};

struct dstate {
    mapper_ctx *mb;
    uint32_t b, slots_r, slots_c, S, T;
    struct darr *arr;
    uint32_t narr, cap;
    uint32_t q;             /* next diagonal position in the last array (T: full) */
};

static struct darr *open_array(struct dstate *d)
{
    if (d->narr == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->arr = xrealloc(d->arr, d->cap * sizeof *d->arr);
    }
    struct darr *a = &d->arr[d->narr++];
    memset(a, 0, sizeof *a);
    a->id = mb_new_array(d->mb);
    a->grid = xmalloc((size_t)d->slots_r * d->slots_c * sizeof *a->grid);
    memset(a->grid, 0xff, (size_t)d->slots_r * d->slots_c * sizeof *a->grid);
    d->q = 0;
    return a;
}

/* Places the groups of stage s of projection p. */
static void pack_stage(struct dstate *d, uint32_t p, uint32_t s)
{
    mapper_ctx *mb = d->mb;
    mapper_stage *st = &mb->mp->proj[p].stage[s];
    const transform_stage *ts = st->ts;
    int neg = mb->share == MAPPER_SHARE_FACTOR && ts->factor == TRANSFORM_R;
    for (uint32_t g0 = 0; g0 < ts->nblocks; g0 += d->S) {
        struct darr *a = d->q < d->T && d->narr ? &d->arr[d->narr - 1] : open_array(d);
        uint32_t diag = neg ? (d->T - d->q) % d->T : d->q;
        d->q++;
        for (uint32_t r = 0; r < d->S && g0 + r < ts->nblocks; r++) {
            const transform_block *blk = &ts->block[g0 + r];
            uint32_t rs = r, cs = (r + diag) % d->T;
            if (d->slots_r > d->slots_c) {
                rs = (r + diag) % d->T;
                cs = r;
            }
            mb_place(mb, st, a->id, rs * d->b, cs * d->b * mb->cpw, blk->in_off, blk->out_off,
                     d->b, d->b);
            if (a->ncells == a->cap) {
                a->cap = a->cap ? 2 * a->cap : 64;
                a->cells = xrealloc(a->cells, a->cap * sizeof *a->cells);
            }
            a->grid[rs * d->slots_c + cs] = (int32_t)a->ncells;
            a->cells[a->ncells++] = (struct dcell){p, s, blk->in_off, blk->out_off, rs, cs};
        }
    }
}

/* Scratch of the greedy cover of one array. */
struct cover {
    uint32_t *drv_in;       /* per row slot: input offset driven, or NONE */
    uint32_t *cv_out;       /* per column slot: output offset converted, or NONE */
    uint32_t *occ;          /* per column slot: driven row slots with a block in it */
    uint8_t *row_blocked;   /* per row slot: has a block in a converted column */
    uint8_t *done;          /* per cell of the group */
};

static int occupied(const struct dstate *d, const struct darr *a, uint32_t r, uint32_t c)
{
    return a->grid[r * d->slots_c + c] >= 0;
}

/* Emits the ceil(b / rho) chunk activations of the current cover. */
static void emit(struct dstate *d, const struct darr *a, mapper_stage *st, struct cover *cv)
{
    mapper_ctx *mb = d->mb;
    uint32_t b = d->b, rho = mb->rho;
    for (uint32_t j = 0; j * rho < b; j++) {
        uint32_t len = b - j * rho < rho ? b - j * rho : rho;
        mapper_act *act = mb_act(mb, st, a->id);
        act->rows_summed = len;
        for (uint32_t r = 0; r < d->slots_r; r++)
            if (cv->drv_in[r] != NONE)
                mb_act_rows(act, r * b + j * rho, len, cv->drv_in[r] + j * rho);
        for (uint32_t c = 0; c < d->slots_c; c++)
            if (cv->cv_out[c] != NONE)
                mb_act_cols(act, c * b * mb->cpw, b * mb->cpw, cv->cv_out[c], mb->cpw);
    }
}

/* Covers cells [i0, i1) of array a (one stage) with activations. */
static void cover_group(struct dstate *d, const struct darr *a, uint32_t i0, uint32_t i1,
                        struct cover *cv)
{
    mapper_ctx *mb = d->mb;
    mapper_stage *st = &mb->mp->proj[a->cells[i0].p].stage[a->cells[i0].s];
    uint32_t left = i1 - i0;
    memset(cv->done, 0, left);
    while (left) {
        uint32_t ndrv = 0, ncr = 0;  /* driven row slots, converted column ranges */
        for (uint32_t r = 0; r < d->slots_r; r++) {
            cv->drv_in[r] = NONE;
            cv->row_blocked[r] = 0;
        }
        for (uint32_t c = 0; c < d->slots_c; c++) {
            cv->cv_out[c] = NONE;
            cv->occ[c] = 0;
        }
        for (uint32_t i = i0; i < i1; i++) {
            const struct dcell *x = &a->cells[i];
            if (cv->done[i - i0] || cv->cv_out[x->cs] != NONE)
                continue;
            int driven = cv->drv_in[x->rs] != NONE;
            if (driven && cv->drv_in[x->rs] != x->in_off)
                continue;
            if (!driven && (ndrv == CMD_MAX_RANGES || cv->row_blocked[x->rs]))
                continue;
            /* Driven row slots other than x's with a block in x's column. */
            if (cv->occ[x->cs] > (uint32_t)driven)
                continue;
            int ml = x->cs > 0 && cv->cv_out[x->cs - 1] != NONE &&
                     cv->cv_out[x->cs - 1] + d->b == x->out_off;
            int mr = x->cs + 1 < d->slots_c && cv->cv_out[x->cs + 1] != NONE &&
                     x->out_off + d->b == cv->cv_out[x->cs + 1];
            uint32_t nr = ncr + 1 - (uint32_t)ml - (uint32_t)mr;
            if (nr > CMD_MAX_RANGES)
                continue;
            ncr = nr;
            if (!driven) {
                cv->drv_in[x->rs] = x->in_off;
                ndrv++;
                for (uint32_t c = 0; c < d->slots_c; c++)
                    cv->occ[c] += (uint32_t)occupied(d, a, x->rs, c);
            }
            cv->cv_out[x->cs] = x->out_off;
            for (uint32_t r = 0; r < d->slots_r; r++)
                if (occupied(d, a, r, x->cs))
                    cv->row_blocked[r] = 1;
            cv->done[i - i0] = 1;
            left--;
        }
        emit(d, a, st, cv);
    }
}

static int dense_map(mapper_ctx *mb, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct dstate d = {0};
    d.mb = mb;
    d.b = mb->t->b;
    d.slots_r = mb->R / d.b;
    d.slots_c = mb->Cw / d.b;
    d.S = d.slots_r < d.slots_c ? d.slots_r : d.slots_c;
    d.T = d.slots_r < d.slots_c ? d.slots_c : d.slots_r;
    d.q = d.T;
    for (uint32_t p = 0; p < mb->mp->nproj; p++) {
        if (!mb_analog(mb, p))
            continue;
        if (mb->share == MAPPER_SHARE_PROJECTION)
            d.q = d.T;
        for (uint32_t s = 0; s < mb->mp->proj[p].nstages; s++) {
            if (mb->mp->proj[p].stage[s].ts->factor == TRANSFORM_W) {
                mapper_linear_stage(mb, p, s);
                continue;
            }
            if (mb->share == MAPPER_SHARE_FACTOR)
                d.q = d.T;
            pack_stage(&d, p, s);
        }
    }
    struct cover cv;
    cv.drv_in = xmalloc(d.slots_r * sizeof *cv.drv_in);
    cv.row_blocked = xmalloc(d.slots_r);
    cv.cv_out = xmalloc(d.slots_c * sizeof *cv.cv_out);
    cv.occ = xmalloc(d.slots_c * sizeof *cv.occ);
    cv.done = xmalloc((size_t)d.S * d.T);
    for (uint32_t k = 0; k < d.narr; k++) {
        struct darr *a = &d.arr[k];
        /* Cells were appended stage by stage: each stage is a run. */
        for (uint32_t i0 = 0, i1; i0 < a->ncells; i0 = i1) {
            for (i1 = i0 + 1; i1 < a->ncells && a->cells[i1].p == a->cells[i0].p &&
                              a->cells[i1].s == a->cells[i0].s; i1++)
                ;
            cover_group(&d, a, i0, i1, &cv);
        }
        free(a->grid);
        free(a->cells);
    }
    free(cv.drv_in);
    free(cv.row_blocked);
    free(cv.cv_out);
    free(cv.occ);
    free(cv.done);
    free(d.arr);
    return 0;
}

const mapper_ops mapper_densemap_ops = {
    "densemap",
    "capacity-optimised: block diagonals packed into arrays, row subsets over time steps",
    dense_map,
};
