/*
 * mapper_dense.c -- DenseMap (capacity-optimised).  An array is a grid of
 * slots_r = floor(R / b) by slots_c = floor(Cw / b) cells of b x b (rows and
 * columns beyond the grid are unused when b does not divide the array).
 * With S and T the smaller and larger grid dimension, the array has T
 * diagonals of S cells; position r of diagonal i is the cell (r, (r + i)
 * mod T), or ((r + i) mod T, r) when slots_r > slots_c:
 *
 *   slots 4:  +--+--+--+--+     digits: the diagonal holding each cell.
 *             |0 |1 |2 |3 |     A column holds blocks of several
 *             +--+--+--+--+     diagonals, so one activation may not
 *             |3 |0 |1 |2 |     drive two rows of blocks that share a
 *             +--+--+--+--+     converted column (unless both are meant
 *             |2 |3 |0 |1 |     to be added there: output packing below).
 *             +--+--+--+--+
 *             |1 |2 |3 |0 |
 *             +--+--+--+--+
 *
 * Packing ([mapping] densemap_pack).  A stage of N blocks takes D =
 * ceil(N / S) consecutive diagonals, in the same arrays whatever the
 * packing; the packing decides which block goes to which of their cells.
 *   - greedy: diagonal j holds blocks j S .. j S + S - 1 in stage order
 *     (piece-major) at positions 0, 1, ...  Blocks that read one input
 *     meet in a row only when their pieces happen to line up.
 *   - input: a stage where several blocks read the same input elements
 *     (the R stage of a tall stack: the Q, K, V blocks k of attn.c_attn,
 *     the four pieces' blocks k of mlp.c_fc) is dealt: its blocks, sorted
 *     by input offset (stable: pieces in order), go to its cells row slot
 *     by row slot, each row slot through the stage's arrays in turn, each
 *     array's part in diagonal order.  The blocks of one input (a bundle)
 *     are consecutive, so they lie in one row slot of one array, and one
 *     activation drives that row slot once and converts all of their
 *     columns; a bundle cut by the end of a row slot's cells in an array
 *     costs one activation more.
 *   - output: the same deal by output offset and column slot, for a stage
 *     whose blocks add into the same output elements (the L stage of a
 *     wide stack: block k of every piece of mlp.c_proj).  A bundle lies in
 *     one column slot, in distinct row slots; the activation drives all of
 *     their rows (each with its own input) and converts the column once:
 *     the analog column adds the blocks, rows_summed = blocks x rho, and
 *     the digital reduction loses their partial sums.
 *   Other stages are placed as under greedy.
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

/* A cell a dealt stage takes, and where it comes in the deal. */
struct slot {
    uint32_t arr, x;        /* index into dstate.arr; row slot x slots_c + column slot */
    uint32_t line, chunk;   /* its row or column slot; the stage's k-th array */
    uint32_t seq;           /* order of its diagonal and position */
};

struct dstate {
    mapper_ctx *mb;
    uint32_t b, slots_r, slots_c;
    uint32_t S, T;          /* positions per diagonal, diagonals per array */
    int pos_col;            /* 1: positions index column slots, 0: row slots */
    struct darr *arr;
    uint32_t narr, cap;
    uint32_t q;             /* next diagonal of the last array (>= T: full) */
    struct keyed *order;    /* scratch: a stage's blocks in packing order */
    uint32_t order_cap;
    struct slot *slot;      /* scratch: the cells a dealt stage takes */
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

/* The array cell of position r on diagonal diag, as row slot x slots_c +
 * column slot. */
static uint32_t cell_at(const struct dstate *d, uint32_t diag, uint32_t r)
{
    uint32_t rs = r, cs = (r + diag) % d->T;
    if (d->pos_col) {
        rs = (r + diag) % d->T;
        cs = r;
    }
    return rs * d->slots_c + cs;
}

/* Places block blk of stage s of projection p at cell x of array a. */
static void put(struct dstate *d, struct darr *a, uint32_t p, uint32_t s,
                const transform_block *blk, uint32_t x)
{
    mapper_ctx *mb = d->mb;
    uint32_t rs = x / d->slots_c, cs = x % d->slots_c;
    mb_place(mb, &mb->mp->proj[p].stage[s], a->id, rs * d->b, cs * d->b * mb->cpw, blk->in_off,
             blk->out_off, d->b, d->b);
    if (a->ncells == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        a->cells = xrealloc(a->cells, a->cap * sizeof *a->cells);
    }
    a->grid[x] = (int32_t)a->ncells;
    a->cells[a->ncells++] = (struct dcell){p, s, blk->in_off, blk->out_off, rs, cs};
}

static int slot_cmp(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->chunk != y->chunk)
        return x->chunk < y->chunk ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Places the blocks of stage s of projection p on D = ceil(N / S)
 * diagonals: in stage order, diagonal by diagonal; or, when the packing
 * deals the stage, in the order of the shared offset, line by line (row
 * slots for input, column slots for output), each line through the
 * stage's arrays in turn (file comment). */
static void pack_stage(struct dstate *d, uint32_t p, uint32_t s)
{
    mapper_ctx *mb = d->mb;
    const transform_stage *ts = mb->mp->proj[p].stage[s].ts;
    int neg = mb->share == MAPPER_SHARE_FACTOR && ts->factor == TRANSFORM_R;
    uint32_t N = ts->nblocks, D = (N + d->S - 1) / d->S, nslot = 0, chunk = 0;
    int dealt = 0;
    if (mb->pack != MAPPER_PACK_GREEDY) {
        if (N > d->order_cap) {
            d->order_cap = N;
            d->order = xrealloc(d->order, N * sizeof *d->order);
            d->slot = xrealloc(d->slot, (size_t)D * d->S * sizeof *d->slot);
        }
        dealt = sort_blocks(ts, mb->pack, d->order);
    }
    d->dealt[2 * p + s] = (uint8_t)dealt;
    int by_row = mb->pack == MAPPER_PACK_INPUT;
    for (uint32_t j = 0; j < D; j++) {
        if (d->q >= d->T || !d->narr) {
            open_array(d);
            chunk += j > 0;
        }
        struct darr *a = &d->arr[d->narr - 1];
        uint32_t diag = neg ? (d->T - d->q) % d->T : d->q;
        d->q++;
        for (uint32_t r = 0; r < d->S; r++) {
            uint32_t x = cell_at(d, diag, r);
            if (dealt) {
                uint32_t line = by_row ? x / d->slots_c : x % d->slots_c;
                d->slot[nslot] = (struct slot){d->narr - 1, x, line, chunk, nslot};
                nslot++;
            } else if (j * d->S + r < N) {
                put(d, a, p, s, &ts->block[j * d->S + r], x);
            }
        }
    }
    if (!dealt)
        return;
    qsort(d->slot, nslot, sizeof *d->slot, slot_cmp);
    for (uint32_t i = 0; i < N; i++)
        put(d, &d->arr[d->slot[i].arr], p, s, &ts->block[d->order[i].idx], d->slot[i].x);
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
    d.pos_col = d.slots_r > d.slots_c;
    d.S = d.pos_col ? d.slots_c : d.slots_r;
    d.T = d.pos_col ? d.slots_r : d.slots_c;
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
    free(d.slot);
    free(d.dealt);
    free(d.arr);
    return 0;
}

const mapper_ops mapper_densemap_ops = {
    "densemap",
    "capacity-optimised: block diagonals packed into arrays, row subsets over time steps",
    dense_map,
};
