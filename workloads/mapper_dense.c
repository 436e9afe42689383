/*
 * mapper_dense.c -- DenseMap (capacity-optimised).  An array is a grid of
 * slots_r = floor(R / b) by slots_c = floor(Cw / b) cells of b x b (rows and
 * columns beyond the grid are unused when b does not divide the array).
 * The grid is cut into T diagonals of S cells, S x T = slots_r x slots_c;
 * position p of diagonal i is the cell (p, (p + i) mod T) when positions
 * index row slots (S = slots_r, T = slots_c), or ((p + i) mod T, p) when
 * they index column slots (S = slots_c, T = slots_r).  So position p of
 * every diagonal lies in one row slot, or in one column slot:
 *
 *   slots 4:  +--+--+--+--+     digits: the diagonal holding each cell
 *             |0 |1 |2 |3 |     (positions index rows).  A column holds
 *             +--+--+--+--+     blocks of several diagonals, so one
 *             |3 |0 |1 |2 |     activation may not drive two rows of
 *             +--+--+--+--+     blocks that share a converted column
 *             |2 |3 |0 |1 |     (unless both are meant to be added there:
 *             +--+--+--+--+     output packing below).
 *             |1 |2 |3 |0 |
 *             +--+--+--+--+
 *
 * Packing ([mapping] densemap_pack).  A stage's blocks fill D = ceil(N / S)
 * consecutive diagonals (N blocks).
 *   - greedy: diagonal j holds blocks j S .. j S + S - 1 in stage order
 *     (piece-major), at positions 0 ..; positions index the smaller grid
 *     dimension (rows when slots_r <= slots_c), so a diagonal meets S
 *     distinct rows and columns.  Blocks that read one input meet in a row
 *     only by accident.
 *   - input: positions index rows.  In a stage where several blocks read
 *     the same input elements (the R stage of a tall stack: the Q, K, V
 *     blocks k of attn.c_attn, the four pieces of mlp.c_fc), the blocks
 *     sorted by input offset (stable: pieces in order) are dealt out
 *     position by position: position p takes sorted blocks p D .. p D +
 *     D - 1, the j-th of them on the stage's diagonal j.  A bundle (the
 *     blocks of one input) is a run at one position, so its blocks lie in
 *     one row slot of an array, and one activation drives that row slot
 *     once and converts all of their columns.  A run split by an array
 *     boundary costs one more activation.
 *   - output: positions index columns, and the stages whose blocks add
 *     into the same output elements (the L stage of a wide stack: block k
 *     of every piece of mlp.c_proj) are dealt out the same way by output
 *     offset, so a bundle lies in one column slot, in distinct row slots.
 *     The activation drives all of their rows (each block's row slot with
 *     its own input) and converts that column once: the analog column adds
 *     the blocks, rows_summed = blocks x rho, and the digital reduction
 *     loses their partial sums.
 *   Stages with nothing to share are placed as under greedy, in stage
 *   order and orientation.  Both orientations cut a square grid into the
 *   same diagonals (row diagonal i is column diagonal -i: a flipped stage
 *   takes -i), so they mix in one array; on other grids they mix only
 *   under share = factor (an array holds one stage), and otherwise every
 *   stage takes the packing's orientation.
 *
 * Sharing ([mapping] densemap_share): the stages' diagonals fill the
 * current array, a new array is opened when it is full and, with factor,
 * at every stage (an array holds blocks of one factor of one projection),
 * with projection at every projection, with model never (any stage of any
 * layer: every Monarch block of the model has the same shape).  The blocks
 * each packing co-locates belong to one stage, so every packing works
 * with every sharing mode.  With factor, the g-th diagonal of an R stage
 * is (-q) mod T where the g-th of the matching L stage is q (i_R = -i_L,
 * the seed paper's rotation cancellation; 0 and T/2 are their own
 * inverses).  With shared arrays the diagonals are taken in order: the
 * output offsets of each activation put every block's results in place,
 * so no rotation needs undoing.
 *
 * Activations.  The blocks of one stage in one array are covered greedily,
 * in placement order: an activation drives a set of block rows (row slots)
 * and converts a set of block columns such that every occupied cell at a
 * driven row and a converted column is a block of this stage not yet
 * computed, whose input is the one driven on its row and whose output is
 * the one converted from its column (no other weights reach a converted
 * column).  That cell is unique per converted column (a column converts
 * one block) but in a stage dealt by output, where a column may add
 * several.  At most CMD_MAX_RANGES row slots and column ranges.  Each such
 * set is run as ceil(b / rho) steps ("chunks"), step j driving rows
 * [j rho, j rho + rho) of every driven block ([mapping] densemap_rows =
 * rho, 1..b), so a column sums rho rows of each of its blocks: the ADC
 * needs ceil(log2 (blocks x rho)) bits, and the chunks' partial sums are
 * added digitally.
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

/* A block of a stage and its sort key (input or output offset). */
struct keyed {
    uint32_t key, idx;
};

struct dstate {
    mapper_ctx *mb;
    uint32_t b, slots_r, slots_c;
    int greedy_col;         /* greedy orientation: positions index columns */
    int mixed;              /* stages of either orientation may share an array */
    int pack_col;           /* the orientation of every stage when not mixed */
    uint32_t S, T;          /* the current stage's positions per diagonal and
                             * diagonals per array */
    int pos_col;            /* its orientation: 1 positions index column slots */
    int flip;               /* its diagonal i is the array's diagonal -i
                             * (square grid, the other orientation) */
    struct darr *arr;
    uint32_t narr, cap;
    uint32_t q;             /* next diagonal of the last array (>= T: full) */
    struct keyed *order;    /* scratch: a stage's blocks in packing order */
    uint32_t order_cap;
    uint8_t *dealt;         /* per projection x 2 + stage: dealt by its shared offset */
};

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Fills o[0..N) with the blocks of ts sorted by the key of pack (input or
 * output offset, then stage order); returns 1 if two keys are equal. */
static int sort_blocks(const transform_stage *ts, int pack, struct keyed *o)
{
    for (uint32_t i = 0; i < ts->nblocks; i++) {
        const transform_block *blk = &ts->block[i];
        o[i].key = pack == MAPPER_PACK_INPUT ? blk->in_off : blk->out_off;
        o[i].idx = i;
    }
    qsort(o, ts->nblocks, sizeof *o, keyed_cmp);
    for (uint32_t i = 1; i < ts->nblocks; i++)
        if (o[i].key == o[i - 1].key)
            return 1;
    return 0;
}

int mapper_dense_shares(const transform_stage *ts, int pack)
{
    if (pack == MAPPER_PACK_GREEDY || ts->nblocks < 2)
        return 0;
    struct keyed *o = xmalloc(ts->nblocks * sizeof *o);
    int r = sort_blocks(ts, pack, o);
    free(o);
    return r;
}

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

/* Sets the orientation of the next stage: a dealt stage takes its
 * packing's (positions index rows for input, columns for output), any
 * other the greedy one, when orientations may mix; else the packing's. */
static void orient(struct dstate *d, int dealt)
{
    int col = d->greedy_col;
    if (!d->mixed)
        col = d->pack_col;
    else if (dealt)
        col = d->mb->pack == MAPPER_PACK_OUTPUT;
    d->pos_col = col;
    d->flip = d->slots_r == d->slots_c && col != d->greedy_col;
    d->S = col ? d->slots_c : d->slots_r;
    d->T = col ? d->slots_r : d->slots_c;
}

/* Places the blocks of stage s of projection p on D = ceil(N / S)
 * diagonals: in stage order, or dealt out position by position in the
 * order of the shared offset (file comment). */
static void pack_stage(struct dstate *d, uint32_t p, uint32_t s)
{
    mapper_ctx *mb = d->mb;
    mapper_stage *st = &mb->mp->proj[p].stage[s];
    const transform_stage *ts = st->ts;
    int neg = mb->share == MAPPER_SHARE_FACTOR && ts->factor == TRANSFORM_R;
    int dealt = 0;
    if (mb->pack != MAPPER_PACK_GREEDY) {
        if (ts->nblocks > d->order_cap) {
            d->order_cap = ts->nblocks;
            d->order = xrealloc(d->order, d->order_cap * sizeof *d->order);
        }
        dealt = sort_blocks(ts, mb->pack, d->order);
    }
    d->dealt[2 * p + s] = (uint8_t)dealt;
    orient(d, dealt);
    uint32_t N = ts->nblocks, D = (N + d->S - 1) / d->S;
    for (uint32_t j = 0; j < D; j++) {
        struct darr *a = d->q < d->T && d->narr ? &d->arr[d->narr - 1] : open_array(d);
        uint32_t diag = neg ? (d->T - d->q) % d->T : d->q;
        if (d->flip)
            diag = (d->T - diag) % d->T;
        d->q++;
        for (uint32_t r = 0; r < d->S; r++) {
            uint32_t k = dealt ? r * D + j : j * d->S + r;
            if (k >= N) {
                if (dealt)
                    continue;
                break;
            }
            const transform_block *blk = &ts->block[dealt ? d->order[k].idx : k];
            uint32_t rs = r, cs = (r + diag) % d->T;
            if (d->pos_col) {
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

/* Emits the ceil(b / rho) chunk activations of the current cover; each
 * converted column adds at most `stack` blocks. */
static void emit(struct dstate *d, const struct darr *a, mapper_stage *st, struct cover *cv,
                 uint32_t stack)
{
    mapper_ctx *mb = d->mb;
    uint32_t b = d->b, rho = mb->rho;
    for (uint32_t j = 0; j * rho < b; j++) {
        uint32_t len = b - j * rho < rho ? b - j * rho : rho;
        mapper_act *act = mb_act(mb, st, a->id);
        act->rows_summed = len * stack;
        for (uint32_t r = 0; r < d->slots_r; r++)
            if (cv->drv_in[r] != NONE)
                mb_act_rows(act, r * b + j * rho, len, cv->drv_in[r] + j * rho);
        for (uint32_t c = 0; c < d->slots_c; c++)
            if (cv->cv_out[c] != NONE)
                mb_act_cols(act, c * b * mb->cpw, b * mb->cpw, cv->cv_out[c], mb->cpw);
    }
}

static void cover_reset(const struct dstate *d, struct cover *cv)
{
    for (uint32_t r = 0; r < d->slots_r; r++) {
        cv->drv_in[r] = NONE;
        cv->row_blocked[r] = 0;
    }
    for (uint32_t c = 0; c < d->slots_c; c++) {
        cv->cv_out[c] = NONE;
        cv->occ[c] = 0;
    }
}

/* Column ranges after converting column slot cs into output out, given
 * ncr ranges now: a slot next to a converted one with adjacent outputs
 * extends its range (emit appends slots in column order). */
static uint32_t ranges_with(const struct dstate *d, const struct cover *cv, uint32_t ncr,
                            uint32_t cs, uint32_t out)
{
    int ml = cs > 0 && cv->cv_out[cs - 1] != NONE && cv->cv_out[cs - 1] + d->b == out;
    int mr = cs + 1 < d->slots_c && cv->cv_out[cs + 1] != NONE && out + d->b == cv->cv_out[cs + 1];
    return ncr + 1 - (uint32_t)ml - (uint32_t)mr;
}

/* Covers cells [i0, i1) of array a (one stage) with activations in which
 * a converted column holds one block among the driven rows. */
static void cover_group(struct dstate *d, const struct darr *a, uint32_t i0, uint32_t i1,
                        struct cover *cv)
{
    mapper_ctx *mb = d->mb;
    mapper_stage *st = &mb->mp->proj[a->cells[i0].p].stage[a->cells[i0].s];
    uint32_t left = i1 - i0;
    memset(cv->done, 0, left);
    while (left) {
        uint32_t ndrv = 0, ncr = 0;  /* driven row slots, converted column ranges */
        cover_reset(d, cv);
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
            uint32_t nr = ranges_with(d, cv, ncr, x->cs, x->out_off);
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
        emit(d, a, st, cv, 1);
    }
}

/* 1 if cell (r, c) may lie at a driven row slot r fed with input in and a
 * converted column slot c yielding output out, in an activation of cells
 * [i0, i1): empty, or a block of them not yet computed with exactly those
 * offsets. */
static int fits(const struct dstate *d, const struct darr *a, const struct cover *cv,
                uint32_t i0, uint32_t i1, uint32_t r, uint32_t c, uint32_t in, uint32_t out)
{
    int32_t k = a->grid[r * d->slots_c + c];
    if (k < 0)
        return 1;
    const struct dcell *y = &a->cells[k];
    return (uint32_t)k >= i0 && (uint32_t)k < i1 && !cv->done[(uint32_t)k - i0] &&
           y->in_off == in && y->out_off == out;
}

/* Marks the block at (r, c), if any, computed; returns 1 if it was not. */
static uint32_t take(const struct dstate *d, const struct darr *a, struct cover *cv,
                     uint32_t i0, uint32_t r, uint32_t c)
{
    int32_t k = a->grid[r * d->slots_c + c];
    if (k < 0 || cv->done[(uint32_t)k - i0])
        return 0;
    cv->done[(uint32_t)k - i0] = 1;
    return 1;
}

/* Covers cells [i0, i1) of array a (one stage) with activations in which
 * a converted column may add several blocks (output packing): a cell
 * joins when its row slot and column slot can be added without any other
 * weights reaching a converted column (fits). */
static void cover_group_sum(struct dstate *d, const struct darr *a, uint32_t i0, uint32_t i1,
                            struct cover *cv)
{
    mapper_ctx *mb = d->mb;
    mapper_stage *st = &mb->mp->proj[a->cells[i0].p].stage[a->cells[i0].s];
    uint32_t left = i1 - i0;
    memset(cv->done, 0, left);
    while (left) {
        uint32_t ndrv = 0, ncr = 0;
        cover_reset(d, cv);
        for (uint32_t i = i0; i < i1; i++) {
            const struct dcell *x = &a->cells[i];
            uint32_t din = cv->drv_in[x->rs], cout = cv->cv_out[x->cs];
            if (cv->done[i - i0] || (din != NONE && din != x->in_off) ||
                (cout != NONE && cout != x->out_off))
                continue;
            int newr = din == NONE, newc = cout == NONE;
            if (newr && ndrv == CMD_MAX_RANGES)
                continue;
            uint32_t nr = newc ? ranges_with(d, cv, ncr, x->cs, x->out_off) : ncr;
            if (nr > CMD_MAX_RANGES)
                continue;
            int ok = 1;
            for (uint32_t c = 0; newr && ok && c < d->slots_c; c++)
                if (cv->cv_out[c] != NONE)
                    ok = fits(d, a, cv, i0, i1, x->rs, c, x->in_off, cv->cv_out[c]);
            for (uint32_t r = 0; newc && ok && r < d->slots_r; r++)
                if (cv->drv_in[r] != NONE)
                    ok = fits(d, a, cv, i0, i1, r, x->cs, cv->drv_in[r], x->out_off);
            if (!ok)
                continue;
            if (newr) {
                cv->drv_in[x->rs] = x->in_off;
                ndrv++;
            }
            if (newc) {
                cv->cv_out[x->cs] = x->out_off;
                ncr = nr;
            }
            /* The cells the new row and column bring in, x among them. */
            for (uint32_t c = 0; newr && c < d->slots_c; c++)
                if (cv->cv_out[c] != NONE)
                    left -= take(d, a, cv, i0, x->rs, c);
            for (uint32_t r = 0; newc && r < d->slots_r; r++)
                if (cv->drv_in[r] != NONE)
                    left -= take(d, a, cv, i0, r, x->cs);
        }
        uint32_t stack = 1;
        for (uint32_t c = 0; c < d->slots_c; c++) {
            uint32_t n = 0;
            for (uint32_t r = 0; cv->cv_out[c] != NONE && r < d->slots_r; r++)
                n += cv->drv_in[r] != NONE && occupied(d, a, r, c);
            if (n > stack)
                stack = n;
        }
        emit(d, a, st, cv, stack);
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
    d.greedy_col = d.slots_r > d.slots_c;
    /* Both orientations cut a square grid into the same diagonals (row
     * diagonal i is column diagonal -i), and an array of one stage has one
     * orientation anyway. */
    d.mixed = d.slots_r == d.slots_c || mb->share == MAPPER_SHARE_FACTOR;
    d.pack_col = mb->pack == MAPPER_PACK_OUTPUT ||
                 (mb->pack == MAPPER_PACK_GREEDY && d.greedy_col);
    d.q = UINT32_MAX;
    d.dealt = xcalloc(2 * (size_t)mb->mp->nproj + 1, 1);
    for (uint32_t p = 0; p < mb->mp->nproj; p++) {
        if (!mb_analog(mb, p))
            continue;
        if (mb->share == MAPPER_SHARE_PROJECTION)
            d.q = UINT32_MAX;
        for (uint32_t s = 0; s < mb->mp->proj[p].nstages; s++) {
            if (mb->mp->proj[p].stage[s].ts->factor == TRANSFORM_W) {
                mapper_linear_stage(mb, p, s);
                continue;
            }
            if (mb->share == MAPPER_SHARE_FACTOR)
                d.q = UINT32_MAX;
            pack_stage(&d, p, s);
        }
    }
    struct cover cv;
    cv.drv_in = xmalloc(d.slots_r * sizeof *cv.drv_in);
    cv.row_blocked = xmalloc(d.slots_r);
    cv.cv_out = xmalloc(d.slots_c * sizeof *cv.cv_out);
    cv.occ = xmalloc(d.slots_c * sizeof *cv.occ);
    cv.done = xmalloc((size_t)d.slots_r * d.slots_c);
    for (uint32_t k = 0; k < d.narr; k++) {
        struct darr *a = &d.arr[k];
        /* Cells were appended stage by stage: each stage is a run. */
        for (uint32_t i0 = 0, i1; i0 < a->ncells; i0 = i1) {
            const struct dcell *x = &a->cells[i0];
            for (i1 = i0 + 1; i1 < a->ncells && a->cells[i1].p == x->p &&
                              a->cells[i1].s == x->s; i1++)
                ;
            if (mb->pack == MAPPER_PACK_OUTPUT && d.dealt[2 * x->p + x->s])
                cover_group_sum(&d, a, i0, i1, &cv);
            else
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
    free(d.order);
    free(d.dealt);
    free(d.arr);
    return 0;
}

const mapper_ops mapper_densemap_ops = {
    "densemap",
    "capacity-optimised: block diagonals packed into arrays, row subsets over time steps",
    dense_map,
};
