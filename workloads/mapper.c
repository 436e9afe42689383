/*
 * mapper.c -- the mapping driver: strategy registry, parameter checks,
 * LoRA targets, and the counts derived from what a strategy placed; the
 * digital selection is mapper_select.c's.
 *
 * Invariant after mapper_build: every activation of an analog stage lies
 * inside its array, each of its converted output elements lies inside the
 * stage output, every stage output element receives at least one
 * contribution, and the per-projection counts add up to mapper.total
 * (arrays_eq sums to narrays).
 */
#include "workloads/mapper.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/adc.h"
#include "arch/tile.h"
#include "sim/util.h"
#include "workloads/mapper_int.h"

/* ---- registry ----------------------------------------------------------- */

static const mapper_ops *const registry[] = {
    &mapper_linear_ops,
    &mapper_sparsemap_ops,
    &mapper_densemap_ops,
};
#define NREG (sizeof registry / sizeof registry[0])

size_t mapper_count(void) { return NREG; }

const mapper_ops *mapper_get(size_t i) { return i < NREG ? registry[i] : NULL; }

const mapper_ops *mapper_lookup(const char *name, char *err, size_t errlen)
{
    char valid[256];
    size_t used = 0;
    valid[0] = 0;
    for (size_t i = 0; i < NREG; i++) {
        if (!strcmp(registry[i]->name, name))
            return registry[i];
        used += (size_t)snprintf(valid + used, sizeof valid - used, "%s%s", i ? ", " : "",
                                 registry[i]->name);
    }
    errf(err, errlen, "unknown mapping strategy '%s' (valid: %s)", name, valid);
    return NULL;
}

const char *mapper_share_name(int share)
{
    static const char *const names[] = {"factor", "projection", "model"};
    return share >= 0 && share <= MAPPER_SHARE_MODEL ? names[share] : "?";
}

const char *mapper_pack_name(int pack)
{
    static const char *const names[] = {"greedy", "input", "output"};
    return pack >= 0 && pack <= MAPPER_PACK_OUTPUT ? names[pack] : "?";
}

/* ---- checks ------------------------------------------------------------- */

/* [mapping] densemap_pack against the array and the model: the blocks it
 * co-locates must fit side by side in one line of an array, and some stage
 * must have blocks to co-locate. */
static int check_pack(const config *c, const model *m, const transform *t, uint32_t Cw,
                      char *err, size_t errlen)
{
    int pack = c->mapping.densemap_pack;
    if (c->mapping.strategy != MAPPER_DENSEMAP || pack == MAPPER_PACK_GREEDY)
        return 0;
    uint32_t b = t->b;
    int in = pack == MAPPER_PACK_INPUT;
    if ((in ? Cw : (uint32_t)c->tile.rows) / b < 2)
        return config_fail(c, PARAM_mapping_densemap_pack, err, errlen,
                           in ? "a %lld x %u array holds one block of b = %u per row (input "
                                "sharing puts the blocks that read one input side by side in a "
                                "row; use more blocks, wider arrays, or greedy)"
                              : "a %lld x %u array holds one block of b = %u per column (output "
                                "sharing stacks the blocks added into one output in a column; "
                                "use more blocks, taller arrays, or greedy)",
                           (long long)c->tile.rows, Cw, b);
    for (uint32_t p = 0; p < t->nproj; p++)
        for (uint32_t s = 0; s < t->proj[p].nstages; s++)
            if (t->proj[p].stage[s].factor != TRANSFORM_W &&
                mapper_dense_shares(&t->proj[p].stage[s], pack))
                return 0;
    return config_fail(c, PARAM_mapping_densemap_pack, err, errlen,
                       in ? "no stage of %s has two blocks that read one input (input sharing "
                            "needs a tall Monarch stack such as attn.c_attn)"
                          : "no stage of %s adds two blocks into one output (output sharing "
                            "needs a wide Monarch stack: mlp.c_proj with d_ff >= 2 d_model)",
                       model_preset_name(m->preset));
}

int mapper_check_config(const config *c, const model *m, const transform *t, char *err,
                        size_t errlen)
{
    uint32_t cpw = tile_columns_per_weight((unsigned)c->tile.weight_bits,
                                           (unsigned)c->tile.cell_bits);
    if ((uint64_t)c->tile.cols < cpw)
        return config_fail(c, PARAM_tile_cols, err, errlen,
                           "narrower than one weight (%u columns: weight_bits %lld / "
                           "cell_bits %lld)", cpw, (long long)c->tile.weight_bits,
                           (long long)c->tile.cell_bits);
    uint32_t Cw = (uint32_t)c->tile.cols / cpw, b = t->b;
    const mapper_ops *ops = mapper_get((size_t)c->mapping.strategy);
    const char *strategy = ops ? ops->name : "?";
    int blocks = c->mapping.strategy != MAPPER_LINEAR;  /* the others place whole blocks */
    if (blocks && t->kind != TRANSFORM_MONARCH)
        return config_fail(c, config_later(c, PARAM_mapping_strategy, PARAM_transform_kind),
                           err, errlen,
                           "needs [transform] kind = monarch (%s places the blocks of "
                           "block-diagonal factors)", strategy);
    if (blocks && (b > c->tile.rows || b > Cw)) {
        int at = c->transform.block ? PARAM_transform_block
               : c->transform.nblocks ? PARAM_transform_nblocks : PARAM_mapping_strategy;
        return config_fail(c, config_later(c, at, PARAM_mapping_strategy), err, errlen,
                           "block size b = %u does not fit a %lld x %u array (%s places whole "
                           "blocks; use more blocks, larger arrays, or linear)",
                           b, (long long)c->tile.rows, Cw, strategy);
    }
    if (c->mapping.densemap_rows > b)
        return config_fail(c, PARAM_mapping_densemap_rows, err, errlen,
                           "exceeds the block size b = %u (a column would sum rows of two "
                           "blocks)", b);
    return check_pack(c, m, t, Cw, err, errlen);
}

/* ---- overlays ----------------------------------------------------------- */

int mapper_lora_targets(const config *c, uint8_t kind[MODEL_PROJ_KINDS], char *err,
                        size_t errlen)
{
    char item[64];
    int empty;
    memset(kind, 0, MODEL_PROJ_KINDS);
    for (const char *p = c->lora.targets; mapper_next_item(&p, item, sizeof item, &empty);) {
        if (!strcmp(item, "all")) {
            memset(kind, 1, MODEL_PROJ_KINDS);
            continue;
        }
        int k = empty ? -1 : model_kind_parse(item);
        if (k < 0)
            return config_fail(c, PARAM_lora_targets, err, errlen,
                               "unknown projection kind '%s' (valid: attn.c_attn, attn.c_proj, "
                               "mlp.c_fc, mlp.c_proj, lm_head, all)", item);
        kind[k] = 1;
    }
    return 0;
}

/* ---- the estimate -------------------------------------------------------- */

/* One stage of in_n x out_n, with `blocks` blocks of b x b when it is a
 * block-diagonal factor (0: a dense matrix), placed by strategy. */
static void est_stage(const config *c, uint64_t R, uint64_t Cw, uint64_t in_n, uint64_t out_n,
                      uint64_t blocks, uint64_t b, mapper_mem *e, uint64_t *proj_acts,
                      uint64_t *extra)
{
    uint64_t arrays, places, acts;
    e->transform_bytes = sat_add_u64(e->transform_bytes,
                                     sat_mul_u64(blocks ? blocks : 1, sizeof(transform_block)));
    if (!blocks || c->mapping.strategy == MAPPER_LINEAR) {
        /* Linear (and the dense stages of the others): one array, one
         * placement, one activation per piece. */
        arrays = places = acts = sat_mul_u64(ceil_div_u64(in_n, R), ceil_div_u64(out_n, Cw));
    } else {
        uint64_t sr = R / b ? R / b : 1, sc = Cw / b ? Cw / b : 1;
        uint64_t S = sr < sc ? sr : sc;
        arrays = ceil_div_u64(blocks, S); /* a group per array at most */
        places = blocks;
        acts = blocks;
        if (c->mapping.strategy == MAPPER_DENSEMAP) {
            uint64_t rho = c->mapping.densemap_rows ? (uint64_t)c->mapping.densemap_rows : b;
            acts = sat_mul_u64(blocks, ceil_div_u64(b, rho ? rho : 1));
            /* each array's grid of slots, each block's cell */
            *extra = sat_add_u64(*extra, sat_mul_u64(arrays, sat_mul_u64(sr * sc, 4)));
            *extra = sat_add_u64(*extra, sat_mul_u64(blocks, 24));
        }
    }
    e->arrays = sat_add_u64(e->arrays, arrays);
    e->places = sat_add_u64(e->places, places);
    e->acts = sat_add_u64(e->acts, acts);
    *proj_acts = sat_add_u64(*proj_acts, acts);
}

void mapper_estimate(const model *m, uint32_t nb, const config *c, mapper_mem *e)
{
    memset(e, 0, sizeof *e);
    uint64_t cpw = tile_columns_per_weight((unsigned)c->tile.weight_bits,
                                           (unsigned)c->tile.cell_bits);
    uint64_t R = (uint64_t)c->tile.rows, Cw = (uint64_t)c->tile.cols / cpw;
    if (!Cw)
        Cw = 1; /* refused by mapper_check_config */
    uint64_t n = m->d_model, b = nb ? n / nb : n, extra = 0;
    for (uint32_t p = 0; p < m->nproj; p++) {
        const model_proj *pj = &m->proj[p];
        uint64_t in = pj->in, out = pj->out, pa = 0;
        if (c->transform.kind == TRANSFORM_MONARCH && pj->kind != MODEL_PROJ_LM_HEAD && nb) {
            uint64_t S = in == n && out == n ? 1 : in == n ? out / n : in / n, N = S * n;
            int tall = in == n;
            est_stage(c, R, Cw, tall ? n : N, N, S * nb, b, e, &pa, &extra);
            est_stage(c, R, Cw, N, tall ? N : n, S * nb, b, e, &pa, &extra);
        } else {
            est_stage(c, R, Cw, in, out, 0, 0, e, &pa, &extra);
        }
        if (pa > e->max_proj_acts)
            e->max_proj_acts = pa;
    }
    e->transform_bytes = sat_add_u64(e->transform_bytes,
                                     (uint64_t)m->nproj * sizeof(transform_proj));
    /* The lists grow by doubling: up to twice what they hold.  Per array
     * its step counter, its share of placed cells and an id in the counts;
     * per placement and activation their record and an id. */
    uint64_t b2 = sat_mul_u64(e->arrays, sizeof(uint32_t) + sizeof(uint64_t) + sizeof(uint32_t));
    b2 = sat_add_u64(b2, sat_mul_u64(e->places, sizeof(mapper_place) + sizeof(uint32_t)));
    b2 = sat_add_u64(b2, sat_mul_u64(e->acts, sizeof(mapper_act) + sizeof(uint32_t)));
    e->bytes = sat_add_u64(sat_mul_u64(b2, 2), extra);
    e->bytes = sat_add_u64(e->bytes, (uint64_t)m->nproj * sizeof(mapper_proj));
}

/* ---- counts ------------------------------------------------------------- */

static int act_cmp(const void *a, const void *b)
{
    const mapper_act *x = a, *y = b;
    if (x->array != y->array)
        return x->array < y->array ? -1 : 1;
    return x->step < y->step ? -1 : x->step > y->step;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts ids[0..n) and returns the number of distinct values. */
static uint32_t count_distinct(uint32_t *ids, uint32_t n)
{
    if (!n)
        return 0;
    qsort(ids, n, sizeof *ids, u32_cmp);
    uint32_t d = 1;
    for (uint32_t i = 1; i < n; i++)
        d += ids[i] != ids[i - 1];
    return d;
}

static void bits_range(mapper_sum *s, unsigned bits)
{
    if (!s->bits_min || bits < s->bits_min)
        s->bits_min = bits;
    if (bits > s->bits_max)
        s->bits_max = bits;
}

/* Sorts the activations of stage st, sets their resolution and the stage's
 * counts; checks the invariants of the file comment. */
static int finish_stage(mapper *mp, const config *c, mapper_stage *st, mapper_sum *sum,
                        const char *pname, char *err, size_t errlen)
{
    const transform_stage *ts = st->ts;
    qsort(st->act, st->nact, sizeof *st->act, act_cmp);
    uint32_t *cnt = xcalloc(ts->out_n ? ts->out_n : 1, sizeof *cnt);
    uint32_t *ids = xmalloc((st->nact ? st->nact : 1) * sizeof *ids);
    int rc = 0;
    for (uint32_t i = 0; i < st->nact && rc == 0; i++) {
        mapper_act *a = &st->act[i];
        ids[i] = a->array;
        a->bits = (uint8_t)adc_bits_for(c, a->rows_summed);
        bits_range(sum, a->bits);
        for (int k = 0; k < a->rows.nranges; k++)
            if (a->rows.r[k].lo + a->rows.r[k].n > mp->rows ||
                a->in_off[k] + a->rows.r[k].n > ts->in_n)
                rc = errf(err, errlen, "internal: %s: activation rows out of range", pname);
        for (int k = 0; k < a->cols.nranges && rc == 0; k++) {
            uint32_t nout = a->cols.r[k].n / mp->cpw;
            if (a->cols.r[k].lo + a->cols.r[k].n > mp->cols || a->out_off[k] + nout > ts->out_n) {
                rc = errf(err, errlen, "internal: %s: activation columns out of range", pname);
                break;
            }
            st->conversions += a->cols.r[k].n;
            for (uint32_t e = 0; e < nout; e++)
                cnt[a->out_off[k] + e]++;
        }
    }
    for (uint32_t e = 0; e < ts->out_n && rc == 0; e++) {
        if (!cnt[e])
            rc = errf(err, errlen, "internal: %s: output %u of a stage is never produced",
                      pname, e);
        if (cnt[e] > st->reduce_k)
            st->reduce_k = cnt[e];
        st->reduce_adds += cnt[e] - 1;
    }
    st->narrays = count_distinct(ids, st->nact);
    free(ids);
    free(cnt);
    sum->acts += st->nact;
    sum->conversions += st->conversions;
    sum->reduce_adds += st->reduce_adds;
    return rc;
}

void mapper_sum_add(mapper_sum *t, const mapper_sum *s)
{
    t->nnz += s->nnz;
    t->acts += s->acts;
    t->conversions += s->conversions;
    if (s->bits_min)
        bits_range(t, s->bits_min);
    if (s->bits_max)
        bits_range(t, s->bits_max);
    t->reduce_adds += s->reduce_adds;
    t->perm_elems += s->perm_elems;
    t->digital_macs += s->digital_macs;
    t->lora_macs += s->lora_macs;
    t->lora_params += s->lora_params;
    t->params_dense += s->params_dense;
    t->params += s->params;
    t->flops_dense += s->flops_dense;
    t->flops += s->flops;
}

/* Counts of every projection and the totals, after the strategy ran. */
static int finish(mapper *mp, const config *c, char *err, size_t errlen)
{
    double cells = (double)mp->rows * mp->cols;
    /* Placed cells per array, to share arrays among projections. */
    uint64_t *area = xcalloc(mp->narrays ? mp->narrays : 1, sizeof *area);
    for (uint32_t p = 0; p < mp->nproj; p++)
        for (uint32_t s = 0; s < mp->proj[p].nstages; s++) {
            const mapper_stage *st = &mp->proj[p].stage[s];
            for (uint32_t i = 0; i < st->nplace; i++)
                area[st->place[i].array] += (uint64_t)st->place[i].h * st->place[i].w;
        }
    int rc = 0;
    for (uint32_t p = 0; p < mp->nproj && rc == 0; p++) {
        mapper_proj *mpj = &mp->proj[p];
        mapper_sum *sum = &mpj->sum;
        uint32_t nids = 0;
        for (uint32_t s = 0; s < mpj->nstages; s++)
            nids += mpj->stage[s].nplace;
        uint32_t *ids = xmalloc((nids ? nids : 1) * sizeof *ids);
        nids = 0;
        for (uint32_t s = 0; s < mpj->nstages && rc == 0; s++) {
            mapper_stage *st = &mpj->stage[s];
            for (uint32_t i = 0; i < st->nplace; i++) {
                const mapper_place *pl = &st->place[i];
                ids[nids++] = pl->array;
                sum->arrays_eq += (double)((uint64_t)pl->h * pl->w) / (double)area[pl->array];
            }
            if (mpj->exec == MAPPER_ANALOG)
                rc = finish_stage(mp, c, st, sum, mp->model->proj[p].name, err, errlen);
        }
        sum->arrays = count_distinct(ids, nids);
        free(ids);
        sum->cells = sum->arrays_eq * cells;
        sum->util = sum->cells > 0 ? (double)sum->nnz * mp->cpw / sum->cells : 0;
        mapper_sum_add(&mp->total, sum);
    }
    free(area);
    mp->total.arrays = mp->narrays;
    mp->total.arrays_eq = mp->narrays;
    mp->total.cells = mp->narrays * cells;
    mp->total.util = mp->total.cells > 0 ? (double)mp->total.nnz * mp->cpw / mp->total.cells : 0;
    return rc;
}

/* Maps m with the projections marked in digital on the cluster. */
static int build_with(mapper *mp, const mapper_ops *ops, const model *m, const transform *t,
                      const config *c, const uint8_t *lora_kind, const uint8_t *digital,
                      char *err, size_t errlen)
{
    memset(mp, 0, sizeof *mp);
    mp->ops = ops;
    mp->model = m;
    mp->tr = t;
    mp->rows = (uint32_t)c->tile.rows;
    mp->cols = (uint32_t)c->tile.cols;
    mp->cpw = tile_columns_per_weight((unsigned)c->tile.weight_bits, (unsigned)c->tile.cell_bits);
    mp->nproj = m->nproj;
    mp->proj = xcalloc(m->nproj ? m->nproj : 1, sizeof *mp->proj);
    for (uint32_t p = 0; p < m->nproj; p++) {
        const transform_proj *tp = &t->proj[p];
        const model_proj *pj = &m->proj[p];
        mapper_proj *mpj = &mp->proj[p];
        mapper_sum *sum = &mpj->sum;
        mpj->exec = digital[p] ? MAPPER_DIGITAL : MAPPER_ANALOG;
        mpj->nstages = tp->nstages;
        for (uint32_t s = 0; s < tp->nstages; s++)
            mpj->stage[s].ts = &tp->stage[s];
        if (tp->nstages == 2)
            mpj->stage[0].perm_n = tp->perm_n;
        sum->perm_elems = tp->perm_n;
        sum->nnz = mpj->exec == MAPPER_ANALOG ? tp->params : 0;
        sum->digital_macs = mpj->exec == MAPPER_DIGITAL ? tp->macs : 0;
        if (c->lora.rank && lora_kind[pj->kind]) {
            mpj->lora = 1;
            sum->lora_params = (uint64_t)c->lora.rank * (pj->in + pj->out);
            sum->lora_macs = sum->lora_params;
        }
        sum->params_dense = tp->params_dense;
        sum->params = tp->params;
        sum->flops_dense = tp->flops_dense;
        sum->flops = tp->flops;
    }
    mapper_ctx mb = {0};
    mb.mp = mp;
    mb.m = m;
    mb.t = t;
    mb.c = c;
    mb.R = mp->rows;
    mb.C = mp->cols;
    mb.cpw = mp->cpw;
    mb.Cw = mp->cols / mp->cpw;
    mb.rho = c->mapping.densemap_rows ? (uint32_t)c->mapping.densemap_rows : t->b;
    mb.share = c->mapping.densemap_share;
    mb.pack = c->mapping.densemap_pack;
    int rc = ops->map(&mb, err, errlen);
    free(mb.steps);
    if (rc == 0)
        rc = finish(mp, c, err, errlen);
    if (rc < 0) {
        mapper_free(mp);
        return -1;
    }
    return 0;
}

int mapper_build(mapper *mp, const model *m, const transform *t, const config *c, char *err,
                 size_t errlen)
{
    memset(mp, 0, sizeof *mp);
    char sname[64];
    snprintf(sname, sizeof sname, "%s",
             config_enum_name(PARAM_mapping_strategy, c->mapping.strategy));
    const mapper_ops *ops = mapper_lookup(sname, err, errlen);
    if (!ops || mapper_check_config(c, m, t, err, errlen) < 0)
        return -1;
    uint8_t lora_kind[MODEL_PROJ_KINDS];
    if (mapper_lora_targets(c, lora_kind, err, errlen) < 0)
        return -1;
    size_t np = m->nproj ? m->nproj : 1;
    uint8_t *digital = xcalloc(np, 1);
    double *shares = NULL;
    int rc = 0;
    if (c->mapping.digital_arrays_saved_min > 0) {
        /* The arrays target counts each projection's share of the arrays
         * of the all-analog mapping. */
        mapper all;
        rc = build_with(&all, ops, m, t, c, lora_kind, digital, err, errlen);
        if (rc == 0) {
            shares = xcalloc(np, sizeof *shares);
            for (uint32_t p = 0; p < m->nproj; p++)
                shares[p] = all.proj[p].sum.arrays_eq;
            mapper_free(&all);
        }
    }
    if (rc == 0)
        rc = mapper_digital_select(m, t, c, shares, digital, err, errlen);
    if (rc == 0)
        rc = build_with(mp, ops, m, t, c, lora_kind, digital, err, errlen);
    free(shares);
    free(digital);
    return rc;
}

void mapper_free(mapper *mp)
{
    for (uint32_t p = 0; mp->proj && p < mp->nproj; p++)
        for (uint32_t s = 0; s < 2; s++) {
            free(mp->proj[p].stage[s].place);
            free(mp->proj[p].stage[s].act);
        }
    free(mp->proj);
    memset(mp, 0, sizeof *mp);
}
