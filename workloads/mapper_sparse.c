/*
 * mapper_sparse.c -- SparseMap (latency-optimised).  The blocks of a
 * block-diagonal stage, in order, are cut into groups of S = min(floor(R /
 * b), floor(Cw / b)) consecutive blocks; group g goes on the diagonal of its
 * own array: block r of the group at rows [r b, r b + b) and weight columns
 * [r b, r b + b).  The rest of the array is zero padding (not placed).
 *
 *   array g:  +--+--+--+--+      S = 4 blocks of b x b; cell utilisation
 *             |B0|  |  |  |      S b^2 / (R C) = b / m for m x m arrays
 *             +--+--+--+--+      whose size b divides (12.5% for b = 32,
 *             |  |B1|  |  |      m = 256).  Rows and columns beyond S b
 *             +--+--+--+--+      are unused when b does not divide m.
 *             |  |  |B2|  |
 *             +--+--+--+--+      One activation drives every row of the
 *             |  |  |  |B3|      group and converts every column: each
 *             +--+--+--+--+      column sums the b rows of its own block.
 *
 * Ranges of consecutive blocks whose inputs (outputs) are consecutive merge
 * into one row (column) range; a group whose ranges would exceed
 * CMD_MAX_RANGES is split over several activations (steps) of its array.
 * Dense stages (the LM head) are mapped as by Linear.
 */
#include "workloads/mapper_int.h"

static void sparse_stage(mapper_ctx *mb, uint32_t p, uint32_t s)
{
    mapper_stage *st = &mb->mp->proj[p].stage[s];
    const transform_stage *ts = st->ts;
    uint32_t b = ts->block[0].in_len;
    uint32_t S = mb->R / b < mb->Cw / b ? mb->R / b : mb->Cw / b;
    for (uint32_t g0 = 0; g0 < ts->nblocks; g0 += S) {
        uint32_t a = mb_new_array(mb);
        mapper_act *act = mb_act(mb, st, a);
        act->rows_summed = b;
        for (uint32_t r = 0; r < S && g0 + r < ts->nblocks; r++) {
            const transform_block *blk = &ts->block[g0 + r];
            uint32_t row = r * b, col = r * b * mb->cpw;
            mb_place(mb, st, a, row, col, blk->in_off, blk->out_off, b, b);
            mapper_act saved = *act;
            if (mb_act_rows(act, row, b, blk->in_off) < 0 ||
                mb_act_cols(act, col, b * mb->cpw, blk->out_off, mb->cpw) < 0) {
                *act = saved;
                act = mb_act(mb, st, a);
                act->rows_summed = b;
                mb_act_rows(act, row, b, blk->in_off);
                mb_act_cols(act, col, b * mb->cpw, blk->out_off, mb->cpw);
            }
        }
    }
}

static int sparse_map(mapper_ctx *mb, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    for (uint32_t p = 0; p < mb->mp->nproj; p++) {
        if (!mb_analog(mb, p))
            continue;
        for (uint32_t s = 0; s < mb->mp->proj[p].nstages; s++) {
            if (mb->mp->proj[p].stage[s].ts->factor == TRANSFORM_W)
                mapper_linear_stage(mb, p, s);
            else
                sparse_stage(mb, p, s);
        }
    }
    return 0;
}

const mapper_ops mapper_sparsemap_ops = {
    "sparsemap",
    "latency-optimised: each group of blocks on the diagonal of its own array, all rows at once",
    sparse_map,
};
