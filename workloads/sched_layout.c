/*
 * sched_layout.c -- where the scheduler's data lives (docs/scheduler.md
 * "Where data lives"): the KV cache striped over the SRAM banks, what does
 * not fit on the DRAM channels; the weights of digital projections, the
 * embedding tables and streamed LoRA weights; and the commands that write and read KV-cache rows.
 *
 * The KV cache is R = 2 x layers x batch regions, region r = (layer x B +
 * seq) x 2 + (0 for K, 1 for V), of npos rows of d_model x activation bytes
 * (one position each).  The SRAM holds S = banks x floor(bank_bytes / row)
 * rows.  When every row fits, region r keeps all its rows; otherwise the
 * first positions of every region (the most read: a causal query reads all
 * earlier keys) stay: region r keeps floor(S / R) rows, one more for
 * r < S mod R.  The kept rows are numbered region after region, z = 0 ..
 * (S or all) - 1, and row z lives in bank z mod banks at byte (z div banks)
 * x row: consecutive positions of a region on consecutive banks.  The
 * other rows, numbered the same way, go to DRAM channel w mod channels at
 * (w div channels) x row.
 *
 * Invariant: KV rows of one bank or channel occupy [0, rows x row) of it,
 * in address order of z (w); the weights and tables placed after them
 * start above.
 */
#include <stdlib.h>

#include "sim/util.h"
#include "workloads/sched_int.h"

/* ---- the KV cache ---------------------------------------------------------- */

static uint32_t kv_region(const sched *s, int32_t layer, uint32_t seq, int which)
{
    return ((uint32_t)layer * s->B + seq) * 2 + (uint32_t)which;
}

/* SRAM rows of region r and the number of the first. */
static uint64_t kv_kept(const sched *s, uint32_t r) { return s->kv_per_region + (r < s->kv_extra); }
static uint64_t kv_base(const sched *s, uint32_t r)
{
    return (uint64_t)r * s->kv_per_region + (r < s->kv_extra ? r : s->kv_extra);
}

/* Where row (region r, position p) lives. */
static struct sched_place kv_place(const sched *s, uint32_t r, uint32_t p)
{
    uint64_t kept = kv_kept(s, r);
    if (p < kept) {
        uint64_t z = kv_base(s, r) + p;
        uint32_t nb = s->chip.units[UNIT_SRAM];
        return (struct sched_place){UNIT(UNIT_SRAM, z % nb), z / nb * s->kv_row};
    }
    uint64_t w = (uint64_t)r * s->npos - kv_base(s, r) + (p - kept);
    uint32_t nd = s->chip.units[UNIT_DRAM];
    return (struct sched_place){UNIT(UNIT_DRAM, w % nd), w / nd * s->kv_row};
}

void sched_kv_write(sched *s, int32_t layer, uint32_t seq, uint32_t pos, uint32_t cl,
                    uint64_t qkv, uint32_t tag)
{
    uint64_t *last = &s->kv_last_write[(uint32_t)layer * s->B + seq];
    for (int which = 0; which < 2; which++) {
        struct sched_place pl = kv_place(s, kv_region(s, layer, seq, which), pos);
        uint64_t x = sched_xfer(s, UNIT(UNIT_CLUSTER, cl), pl.unit, s->kv_row, tag, qkv);
        /* Writes of one (layer, sequence) are chained: a read after the
         * latest has every earlier row. */
        uint64_t d[2] = {x, *last};
        cmd *c = sched_new(s, CMD_MEM, pl.unit, tag);
        c->u.mem.write = 1;
        c->u.mem.addr = pl.addr;
        c->u.mem.bytes = s->kv_row;
        *last = sched_deps(s, d, 2);
    }
}

/* Reads `count` rows numbered from n0 on the `units` banks (or channels)
 * of kind, row number q at unit q mod units, byte (q div units) x row:
 * one read per unit touched, then its rows to the clusters: to cluster
 * dst + i the columns of heads part i of ndst (the heads it computes). */
static void read_striped(sched *s, enum unit_kind kind, uint64_t n0, uint64_t count,
                         uint64_t after, uint32_t dst, uint32_t ndst, uint32_t tag,
                         sched_ids *out)
{
    uint32_t units = s->chip.units[kind], H = s->m->heads ? s->m->heads : 1;
    for (uint64_t i = 0; i < count && i < units; i++) {
        uint64_t q = n0 + i, rows = (count - 1 - i) / units + 1;
        struct sched_place pl = {UNIT(kind, q % units), q / units * s->kv_row};
        uint64_t r = sched_mem(s, pl, 0, 0, rows * s->kv_row, tag, after);
        for (uint32_t c = 0; c < ndst; c++) {
            uint64_t h0 = (uint64_t)H * c / ndst, h1 = (uint64_t)H * (c + 1) / ndst;
            uint64_t bytes = ndst == 1 ? rows * s->kv_row : rows * s->kv_row * (h1 - h0) / H;
            sched_ids_push(out, sched_xfer(s, pl.unit, UNIT(UNIT_CLUSTER, dst + c), bytes, tag, r));
        }
    }
}

uint64_t sched_kv_read(sched *s, int32_t layer, uint32_t seq, int which, uint32_t p0,
                       uint32_t n, uint32_t dst, uint32_t ndst, uint32_t tag, sched_ids *out)
{
    uint32_t r = kv_region(s, layer, seq, which);
    uint64_t after = s->kv_last_write[(uint32_t)layer * s->B + seq];
    uint64_t kept = kv_kept(s, r), p1 = (uint64_t)p0 + n;
    if (p0 < kept) {
        uint64_t e = p1 < kept ? p1 : kept;
        read_striped(s, UNIT_SRAM, kv_base(s, r) + p0, e - p0, after, dst, ndst, tag, out);
    }
    if (p1 > kept) {
        uint64_t b = p0 > kept ? p0 : kept;
        uint64_t w0 = (uint64_t)r * s->npos - kv_base(s, r) + (b - kept);
        read_striped(s, UNIT_DRAM, w0, p1 - b, after, dst, ndst, tag, out);
    }
    return (uint64_t)n * s->kv_row;
}

/* ---- placement ------------------------------------------------------------- */

/* How full the memories are while the layout places data. */
struct fill {
    uint64_t *bank_used, *dram_used; /* bytes placed per SRAM bank, DRAM channel */
    uint32_t next_bank, next_ch;     /* where the round robins go on */
};

/* Places `bytes` (named `what` in the error) in the first SRAM bank (from
 * f->next_bank, round robin) with room when sram_ok, else on a DRAM
 * channel (round robin); *in_sram says which.  -1 with the error if it
 * fits nowhere. */
static int place(sched *s, struct fill *f, const char *what, uint64_t bytes, int sram_ok,
                 struct sched_place *out, int *in_sram, char *err, size_t errlen)
{
    uint32_t nb = s->chip.units[UNIT_SRAM], nd = s->chip.units[UNIT_DRAM];
    for (uint32_t i = 0; sram_ok && i < nb; i++) {
        uint32_t b = (f->next_bank + i) % nb;
        if (f->bank_used[b] + bytes <= s->chip.sram_bank_bytes) {
            *out = (struct sched_place){UNIT(UNIT_SRAM, b), f->bank_used[b]};
            f->bank_used[b] += bytes;
            f->next_bank = (b + 1) % nb;
            *in_sram = 1;
            return 0;
        }
    }
    if (nd == 0)
        return config_fail(s->cfg, PARAM_dram_channels, err, errlen,
                           "%s: %llu bytes fit no SRAM bank and the chip has no DRAM channel",
                           what, (unsigned long long)bytes);
    uint32_t ch = f->next_ch++ % nd;
    *out = (struct sched_place){UNIT(UNIT_DRAM, ch), f->dram_used[ch]};
    f->dram_used[ch] += bytes;
    *in_sram = 0;
    return 0;
}

/* Rows numbered 0 .. rows - 1 over `units` units: how many unit u holds. */
static uint64_t rows_on(uint64_t rows, uint32_t units, uint32_t u)
{
    return rows / units + (u < rows % units);
}

int sched_layout(sched *s, char *err, size_t errlen)
{
    uint32_t nb = s->chip.units[UNIT_SRAM], nd = s->chip.units[UNIT_DRAM];
    const model *m = s->m;
    int rc = 0;

    /* The KV cache: hottest data, every token reads it. */
    s->kv_row = (uint64_t)m->d_model * s->act_bytes;
    s->kv_regions = 2 * m->layers * s->B;
    uint64_t total = (uint64_t)s->kv_regions * s->npos;
    uint64_t per_bank = s->kv_row ? s->chip.sram_bank_bytes / s->kv_row : 0;
    uint64_t cap = (uint64_t)nb * per_bank;
    if (total <= cap) {
        s->kv_per_region = s->npos;
        s->kv_extra = 0;
        s->kv_sram_rows = total;
    } else {
        s->kv_per_region = (uint32_t)(cap / s->kv_regions);
        s->kv_extra = (uint32_t)(cap % s->kv_regions);
        s->kv_sram_rows = cap;
        if (nd == 0)
            return config_fail(s->cfg, PARAM_dram_channels, err, errlen,
                               "KV cache: %llu bytes, the SRAM holds %llu of them and the chip "
                               "has no DRAM channel",
                        (unsigned long long)(total * s->kv_row),
                        (unsigned long long)(cap * s->kv_row));
    }
    s->kv_sram_bytes = s->kv_sram_rows * s->kv_row;
    s->kv_dram_bytes = (total - s->kv_sram_rows) * s->kv_row;

    struct fill f = {xcalloc(nb ? nb : 1, sizeof *f.bank_used),
                     xcalloc(nd ? nd : 1, sizeof *f.dram_used),
                     nb ? (uint32_t)(s->kv_sram_rows % nb) : 0, 0};
    for (uint32_t b = 0; b < nb; b++)
        f.bank_used[b] = rows_on(s->kv_sram_rows, nb, b) * s->kv_row;
    for (uint32_t ch = 0; ch < nd; ch++)
        f.dram_used[ch] = rows_on(total - s->kv_sram_rows, nd, ch) * s->kv_row;
    int in_sram;
    char what[256];

    /* Weights of projections run on the digital cluster. */
    s->wplace = xcalloc(m->nproj, sizeof *s->wplace);
    for (uint32_t i = 0; i < m->nproj && rc == 0; i++) {
        if (s->mp->proj[i].exec != MAPPER_DIGITAL)
            continue;
        uint64_t bytes = s->t->proj[i].params * s->w_bytes;
        snprintf(what, sizeof what, "weights of %s (digital)", m->proj[i].name);
        rc = place(s, &f, what, bytes, 1, &s->wplace[i], &in_sram, err, errlen);
        if (rc)
            break;
        if (in_sram)
            s->w_sram_bytes += bytes;
        else
            s->w_dram_bytes += bytes;
    }
    /* Embedding tables: read one row per token; DRAM when there is one. */
    uint64_t emb = ((uint64_t)m->vocab + m->context_tokens) * m->d_model * s->w_bytes;
    if (rc == 0)
        rc = place(s, &f, "embedding tables", emb, nd == 0, &s->emb, &in_sram, err, errlen);
    if (rc == 0 && !in_sram)
        s->emb_dram_bytes = emb;
    /* Weights of LoRA adapters that do not stay in the L1 (sched_lora.c),
     * read each batch: after everything else. */
    for (uint32_t i = 0; s->lora_t && i < m->nproj && rc == 0; i++) {
        const lora_l1 *l = &s->lora_l1s[i];
        if (!s->mp->proj[i].lora || !l->streamed)
            continue;
        snprintf(what, sizeof what, "weights of %s's LoRA adapter (streamed)", m->proj[i].name);
        rc = place(s, &f, what, (uint64_t)l->parts * l->weights_bytes, 1, &s->lora_w[i],
                   &in_sram, err, errlen);
    }
    s->spill_bytes = s->kv_dram_bytes + s->w_dram_bytes;
    free(f.bank_used);
    free(f.dram_used);
    return rc;
}
