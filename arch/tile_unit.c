/*
 * tile_unit.c -- the tiles and their ADC banks as a unit (sim/unit.h):
 * activations and reprogramming, their counters, energies, checks and area.
 *
 * Invariant: every resource (array, sample-and-hold, ADC bank) is a
 * busy-until reservation taken in call order; a call never moves a free
 * time backwards, so reservations on one resource are disjoint and their
 * sum (busy) never exceeds the latest end.  Each call adds its events to
 * the counters and the energy of exactly those events (the per-event
 * tables that finalize uses) to its e_pj.
 *
 * Activation (docs/models.md 2.1): start = max(t_ready, array free); per
 * slice the array integrates for T = t_pre + t_int; with sample-and-hold
 * the value moves to the tile's S&H once it is free (the previous
 * conversions of this tile are done) and the array is released; the bank
 * converts when it is free, rounds x t_conv; without sample-and-hold the
 * array stays busy until its conversions end.  end = last conversion end +
 * t_post.  ARRAY wait = start - t_ready; ADC wait = (end - start) minus the
 * latency on free resources (tile_act_latency_ps).  The conversions show
 * on the ADC bank's track, with their energy, and the activation's own
 * span ends where they begin.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

void tile_unit_init(tile_unit *u, struct chip_shared *sh, const config *c, uint32_t tiles)
{
    u->sh = sh;
    tile_params_init(&u->tp, c);
    adc_params_init(&u->ap, c);
    u->ntiles = tiles;
    u->nbanks = (uint32_t)ceil_div_u64(tiles, (uint64_t)c->adc.share_tiles);
    for (unsigned b = 1; b <= ADC_MAX_BITS; b++) {
        u->t_conv_ps[b] = adc_conv_ps(&u->ap, b);
        u->e_conv_pj[b] = adc_energy_pj(&u->ap, b);
        u->extrapolated[b] = (uint8_t)adc_extrapolated(&u->ap, b);
    }
    u->adc_area_um2 = adc_area_um2(&u->ap, adc_design_bits(c));
    u->e_prog_pj = tile_prog_pj(&u->tp, u->e_conv_pj[adc_design_bits(c)]);
    u->tile = xcalloc(tiles ? tiles : 1, sizeof *u->tile);
    u->bank = xcalloc(u->nbanks ? u->nbanks : 1, sizeof *u->bank);
}

void tile_unit_free(tile_unit *u)
{
    free(u->tile);
    free(u->bank);
}

/* arg: rows, cols (counts), slices, bits (sim/cmd.c). */
static void exec_act(tile_unit *u, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    struct chip_shared *sh = u->sh;
    uint32_t tile = UNIT_INDEX(w->unit);
    uint64_t nr = w->arg[0], na = w->arg[1], slices = w->arg[2], bits = w->arg[3];
    if (tile >= u->ntiles || slices == 0 || bits < 1 || bits > ADC_MAX_BITS ||
        nr > (uint64_t)u->tp.tile.rows || na > (uint64_t)u->tp.tile.cols) {
        shared_bad(sh, t_ready, out,
                   "act on tile %u (of %u): %llu rows, %llu columns, %llu slices, %llu bits", tile,
                   u->ntiles, (unsigned long long)nr, (unsigned long long)na,
                   (unsigned long long)slices, (unsigned long long)bits);
        return;
    }
    struct tile_state *t = &u->tile[tile];
    struct chip_res *b = &u->bank[tile / (uint32_t)u->tp.adc.share_tiles];
    uint32_t rounds = adc_rounds((uint32_t)na, (uint32_t)u->tp.adc.count);
    uint64_t T = u->tp.t_pre_ps + u->tp.t_int_ps, C = (uint64_t)rounds * u->t_conv_ps[bits];
    int hold = u->tp.adc.sample_hold;

    uint64_t start = max_u64(t_ready, t->arr_free_ps);
    uint64_t arr = start, conv_end = start, adc_first = 0;
    for (unsigned s = 0; s < slices; s++) {
        uint64_t int_end = arr + T;
        uint64_t held = hold ? max_u64(int_end, t->sh_free_ps) : int_end;
        uint64_t cs = C ? max_u64(held, b->free_ps) : held;
        uint64_t ce = cs + C;
        if (C) {
            b->free_ps = ce;
            b->busy_ps += C;
        }
        if (hold)
            t->sh_free_ps = ce;
        if (s == 0)
            adc_first = cs;
        arr = hold ? held : ce;
        conv_end = ce;
    }
    uint64_t end = conv_end + u->tp.t_post_ps;
    t->busy_ps += arr - start;
    t->arr_free_ps = arr;
    t->acts++;
    u->tile_busy_ps += arr - start;
    u->bank_busy_ps += slices * C;

    out->start_ps = start;
    out->end_ps = end;
    uint64_t adc_start = C ? adc_first : conv_end;
    out->span_end_ps = conv_end > adc_start && adc_start > start ? adc_start : end;
    out->wait_ps[STALL_ARRAY] = start - t_ready;
    uint64_t ideal = tile_act_latency_ps(&u->tp, (unsigned)slices, rounds, u->t_conv_ps[bits]);
    assert(end - start >= ideal);
    out->wait_ps[STALL_ADC] = end - start - ideal;
    /* The critical path: the ideal latency split into integration and
     * conversion (after the first slice, whichever of T and C is longer
     * sets the pace), then what the bank or the S&H made it wait. */
    uint64_t integ = T, conv = C + u->tp.t_post_ps;
    if (hold) {
        if (T >= C)
            integ += (slices - 1) * T;
        else
            conv += (slices - 1) * C;
    } else {
        integ = slices * T;
        conv = slices * C + u->tp.t_post_ps;
    }
    out->held_ps = start - t_ready;
    out->occupies = 1;
    unit_cp(out, CP_INTEGRATION, integ);
    unit_cp(out, CP_ADC_WAIT, out->wait_ps[STALL_ADC]);
    unit_cp(out, CP_ADC, conv);

    tile_act_counts n;
    tile_act_energy e;
    tile_act_count(&u->tp, (uint32_t)nr, (uint32_t)na, (unsigned)slices, &n);
    tile_act_energy_of(&u->tp, &n, u->e_conv_pj[bits], &e);
    u->acts++;
    u->row_drives += n.row_drives;
    u->cell_reads += n.cell_reads;
    u->conversions += n.conversions;
    u->conv_bits[bits] += n.conversions;
    if (u->extrapolated[bits])
        u->conv_extrapolated += n.conversions;
    u->sh_samples += n.sh_samples;
    u->sa_ops += n.sa_ops;
    out->e_pj = e.array_pj + e.dac_pj + e.adc_pj + e.periph_pj;

    const trace_sink *k = sh->sink;
    if (k) {
        /* The conversions on the bank's track, their energy over the bank's
         * interval (or the activation's, if it has none). */
        int interval = conv_end > adc_start;
        if (interval && k->span)
            k->span(k->ctx, TRACK_ADC, tile, "convert", adc_start, conv_end, w->id, w->tag);
        if (k->energy && out->e_pj > 0) {
            k->energy(k->ctx, PW_ADC, interval && e.adc_pj > 0 ? adc_start : start,
                      interval && e.adc_pj > 0 ? conv_end : end, e.adc_pj);
            out->e_traced_pj = e.adc_pj;
        }
    }
    shared_finish(sh, out);
}

/* arg: array (the mapping's array now held; no timing effect). */
static void exec_prog(tile_unit *u, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    uint32_t tile = UNIT_INDEX(w->unit);
    if (tile >= u->ntiles) {
        shared_bad(u->sh, t_ready, out, "program tile %u (of %u)", tile, u->ntiles);
        return;
    }
    struct tile_state *t = &u->tile[tile];
    uint64_t start = max_u64(t_ready, t->arr_free_ps);
    uint64_t end = start + u->tp.t_prog_ps;
    t->arr_free_ps = end;
    t->busy_ps += end - start;
    t->programs++;
    u->tile_busy_ps += end - start;
    u->programs++;
    out->start_ps = start;
    out->end_ps = out->span_end_ps = end;
    out->wait_ps[STALL_ARRAY] = start - t_ready;
    out->held_ps = start - t_ready;
    out->occupies = 1;
    unit_cp(out, CP_PROGRAM, end - start);
    out->e_pj = u->e_prog_pj;
    shared_finish(u->sh, out);
}

/* arg: lat_ps, e_fj: given work holding the array. */
static void exec_fixed(tile_unit *u, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    uint32_t tile = UNIT_INDEX(w->unit);
    if (tile >= u->ntiles) {
        shared_bad(u->sh, t_ready, out, "fixed on tile %u (of %u)", tile, u->ntiles);
        return;
    }
    struct tile_state *t = &u->tile[tile];
    uint64_t start = max_u64(t_ready, t->arr_free_ps);
    shared_fixed(u->sh, w, start, PW_TILES, out);
    t->arr_free_ps = out->end_ps;
    t->busy_ps += w->arg[0];
    u->tile_busy_ps += w->arg[0];
    u->fixed++;
    out->wait_ps[STALL_ARRAY] = start - t_ready;
    out->held_ps = start - t_ready;
    out->occupies = 1;
    unit_cp(out, CP_ARRAY_FIXED, w->arg[0]);
    shared_finish(u->sh, out);
}

static void exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    tile_unit *u = self;
    shared_begin(u->sh, t_ready, out);
    if (w->op == CMD_PROG)
        exec_prog(u, w, t_ready, out);
    else if (w->op == CMD_FIXED)
        exec_fixed(u, w, t_ready, out);
    else
        exec_act(u, w, t_ready, out);
}

/* One command at a time holds an array. */
static uint32_t capacity(const void *self, unit_id u)
{
    (void)self;
    (void)u;
    return 1;
}

static void finalize(void *self, uint64_t t_end_ps, double e[E_PARTS])
{
    tile_unit *u = self;
    const tile_params *tp = &u->tp;
    e[E_ADC] = 0;
    for (unsigned b = 1; b <= ADC_MAX_BITS; b++)
        e[E_ADC] += (double)u->conv_bits[b] * u->e_conv_pj[b];
    e[E_DAC] = (double)u->row_drives * tp->tile.e_dac_pj;
    e[E_ARRAY] = (double)u->cell_reads * units_fj_to_pj(tp->tile.e_cell_fj);
    e[E_PERIPH] = (double)u->sa_ops * tp->tile.e_sa_pj +
                  (double)u->sh_samples * units_fj_to_pj(tp->tile.e_sh_fj);
    e[E_PROGRAM] = (double)u->programs * u->e_prog_pj;
    u->util_array = util_ratio((double)u->tile_busy_ps, u->ntiles, t_end_ps);
    u->util_adc = util_ratio((double)u->bank_busy_ps, u->nbanks, t_end_ps);
}

static int check(const void *self, uint64_t t_end_ps, char *err, size_t errlen)
{
    const tile_unit *u = self;
    return busy_within("tile", &u->tile[0].busy_ps, u->ntiles, sizeof *u->tile, t_end_ps, err,
                       errlen) ||
           busy_within("ADC bank", &u->bank[0].busy_ps, u->nbanks, sizeof *u->bank, t_end_ps,
                       err, errlen)
               ? -1
               : 0;
}

static void stats_reg(void *self, stats *st, int per_unit)
{
    tile_unit *u = self;
    if (per_unit) {
        for (uint32_t i = 0; i < u->ntiles; i++) {
            stats_counter(st, &u->tile[i].acts, "tile%u.activations", i);
            stats_counter(st, &u->tile[i].busy_ps, "tile%u.busy_ps", i);
        }
        for (uint32_t i = 0; i < u->nbanks; i++)
            stats_counter(st, &u->bank[i].busy_ps, "adc%u.busy_ps", i);
        return;
    }
    stats_counter(st, &u->acts, "tile.activations");
    stats_counter(st, &u->row_drives, "tile.row_drives");
    stats_counter(st, &u->cell_reads, "tile.cell_reads");
    stats_counter(st, &u->sa_ops, "tile.shift_adds");
    stats_counter(st, &u->sh_samples, "tile.sh_samples");
    stats_counter(st, &u->programs, "tile.programs");
    stats_counter(st, &u->fixed, "tile.fixed");
    stats_counter(st, &u->tile_busy_ps, "tile.busy_ps");
    stats_counter(st, &u->conversions, "adc.conversions");
    stats_counter(st, &u->bank_busy_ps, "adc.busy_ps");
    stats_counter(st, &u->conv_extrapolated, "adc.extrapolated_conversions");
}

/* n arrays and their ADC banks, one per [adc] share_tiles arrays. */
static void area(const void *self, double n, int whole, area_line rows[AREA_ROWS])
{
    const tile_unit *u = self;
    const tile_params *tp = &u->tp;
    double share = (double)tp->adc.share_tiles;
    double banks = whole ? ceil(n / share) : n / share;
    double adcs = banks * (double)tp->adc.count;
    rows[AREA_ARRAYS] = (area_line){n, n * tile_array_area_um2(tp), 0};
    rows[AREA_ADC] = (area_line){adcs, adcs * u->adc_area_um2, adcs * tp->adc.p_leak_mw};
    rows[AREA_DAC] = (area_line){n * (double)tp->tile.rows, n * tile_dac_area_um2(tp), 0};
    /* Periphery: one shift-and-add per ADC, S&H and fixed per tile; the
     * tile's static power (periphery leakage) is here. */
    rows[AREA_PERIPH] = (area_line){n, adcs * tp->tile.sa_area_um2 + n * tile_periph_area_um2(tp),
                                    n * tp->tile.p_leak_mw};
}

const unit_ops tile_unit_ops = {"tile", exec, finalize, check, stats_reg, area, capacity};
