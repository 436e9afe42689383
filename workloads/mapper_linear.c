/*
 * mapper_linear.c -- Linear: the dense baseline.  A stage matrix of in_n x
 * out_n (a dense projection, or a Monarch factor densified: its zero blocks
 * are mapped like any weight) is cut into ceil(in_n / R) x ceil(out_n / Cw)
 * pieces, one array each, row-piece major.  Each piece is one activation
 * driving all its rows and converting all its columns; the ceil(in_n / R)
 * pieces of one output range are partial sums added digitally.
 *
 *        in_n                     array (i, j) holds S[iR .. iR+R) x [jCw .. jCw+Cw)
 *   +----+----+--+             +----+----+--+
 *   |0,0 |0,1 |  |  rows: x    |    |    |  |  partial sums of column piece j
 *   +----+----+--+             |    |    |  |  = sum over i of array (i, j)
 *   |1,0 |1,1 |  |             +----+----+--+
 *   +----+----+--+
 *
 * rows_summed is the piece height: a densified factor's zeros are cells
 * like any other (Linear does not know the structure).
 */
#include "workloads/mapper_int.h"

#include "sim/util.h"

void mapper_linear_stage(mapper_ctx *mb, uint32_t p, uint32_t s)
{
    mapper_stage *st = &mb->mp->proj[p].stage[s];
    const transform_stage *ts = st->ts;
    uint32_t rp = (uint32_t)ceil_div_u64(ts->in_n, mb->R);
    uint32_t cp = (uint32_t)ceil_div_u64(ts->out_n, mb->Cw);
    for (uint32_t i = 0; i < rp; i++)
        for (uint32_t j = 0; j < cp; j++) {
            uint32_t in_off = i * mb->R, out_off = j * mb->Cw;
            uint32_t h = ts->in_n - in_off < mb->R ? ts->in_n - in_off : mb->R;
            uint32_t w = ts->out_n - out_off < mb->Cw ? ts->out_n - out_off : mb->Cw;
            uint32_t a = mb_new_array(mb);
            mb_place(mb, st, a, 0, 0, in_off, out_off, h, w);
            mapper_act *act = mb_act(mb, st, a);
            mb_act_rows(act, 0, h, in_off);
            mb_act_cols(act, 0, w * mb->cpw, out_off, mb->cpw);
            act->rows_summed = h;
        }
}

static int linear_map(mapper_ctx *mb, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    for (uint32_t p = 0; p < mb->mp->nproj; p++)
        if (mb_analog(mb, p))
            for (uint32_t s = 0; s < mb->mp->proj[p].nstages; s++)
                mapper_linear_stage(mb, p, s);
    return 0;
}

const mapper_ops mapper_linear_ops = {
    "linear",
    "dense baseline: each (densified) stage matrix cut into array-sized pieces",
    linear_map,
};
