/*
 * mapper_build.c -- the builder the strategies place through
 * (workloads/mapper_int.h): new arrays, placements, activations and their
 * row and column sets.
 *
 * Invariant: an array's activations get consecutive steps in the order
 * the strategy appends them; a set's ranges merge only when both the
 * cells and the stage elements they stand for continue the last range.
 */
#include <string.h>

#include "sim/util.h"
#include "workloads/mapper_int.h"

/* Grows *p (elements of sz bytes, n in use) so that index n is valid:
 * capacities are powers of two. */
static void grow(void **p, uint32_t n, size_t sz)
{
    if (n == 0 || (n & (n - 1)) == 0)
        *p = xrealloc(*p, (size_t)(n ? 2 * n : 1) * sz);
}

uint32_t mb_new_array(mapper_ctx *mb)
{
    uint32_t id = mb->mp->narrays++;
    if (id >= mb->steps_cap) {
        mb->steps_cap = mb->steps_cap ? 2 * mb->steps_cap : 256;
        mb->steps = xrealloc(mb->steps, mb->steps_cap * sizeof *mb->steps);
    }
    mb->steps[id] = 0;
    return id;
}

void mb_place(mapper_ctx *mb, mapper_stage *st, uint32_t array, uint32_t row, uint32_t col,
              uint32_t in_off, uint32_t out_off, uint32_t h, uint32_t w)
{
    (void)mb;
    grow((void **)&st->place, st->nplace, sizeof *st->place);
    st->place[st->nplace++] = (mapper_place){array, row, col, in_off, out_off, h, w};
}

mapper_act *mb_act(mapper_ctx *mb, mapper_stage *st, uint32_t array)
{
    grow((void **)&st->act, st->nact, sizeof *st->act);
    mapper_act *a = &st->act[st->nact++];
    memset(a, 0, sizeof *a);
    a->array = array;
    a->step = mb->steps[array]++;
    return a;
}

/* Appends [lo, lo + n) with stage offset off to set s (offsets in offs),
 * extending the last range when both the cells and the stage elements
 * continue it; cpw cells make one element.  -1 when the set is full. */
static int set_append(cmd_set *s, uint32_t *offs, uint32_t lo, uint32_t n, uint32_t off,
                      uint32_t cpw)
{
    if (s->nranges) {
        uint32_t k = s->nranges - 1u;
        if (s->r[k].lo + s->r[k].n == lo && offs[k] + s->r[k].n / cpw == off) {
            s->r[k].n += n;
            return 0;
        }
    }
    if (s->nranges == CMD_MAX_RANGES)
        return -1;
    s->r[s->nranges].lo = lo;
    s->r[s->nranges].n = n;
    offs[s->nranges++] = off;
    return 0;
}

int mb_act_rows(mapper_act *a, uint32_t lo, uint32_t n, uint32_t in_off)
{
    return set_append(&a->rows, a->in_off, lo, n, in_off, 1);
}

int mb_act_cols(mapper_act *a, uint32_t lo, uint32_t n, uint32_t out_off, uint32_t cpw)
{
    return set_append(&a->cols, a->out_off, lo, n, out_off, cpw);
}

int mb_analog(const mapper_ctx *mb, uint32_t p)
{
    return mb->mp->proj[p].exec == MAPPER_ANALOG;
}
