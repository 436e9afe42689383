/*
 * chip_exec.c -- the chip's timed calls: activations, transfers, memory
 * accesses, digital ops, reprogramming.
 *
 * Invariant: every resource is a busy-until reservation taken in call
 * order; a call never moves a resource's free time backwards, so
 * reservations on one resource are disjoint and their sum (busy) never
 * exceeds the latest end.  Each call adds its events to the counters and
 * the energy of exactly those events (same per-event tables as
 * chip_finalize) to out->e_pj and c->e_cmd_sum.
 *
 * Activation (docs/models.md): start = max(t_ready, array free); per
 * slice the array integrates for T = t_pre + t_int; with sample-and-hold
 * the value moves to the tile's S&H once it is free (the previous
 * conversions of this tile are done) and the array is released; the bank
 * converts when it is free, rounds x t_conv; without sample-and-hold the
 * array stays busy until its conversions end.  end = last conversion end
 * + t_post.  ARRAY wait = start - t_ready; ADC wait = (end - start) minus
 * the latency on free resources (tile_act_latency_ps).
 */
#include <assert.h>
#include <string.h>

#include "arch/chip_int.h"
#include "sim/units.h"

static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Clears out and records the call's t_ready (order check). */
static void begin(chip *c, uint64_t t_ready, chip_timing *out)
{
    memset(out, 0, sizeof *out);
    out->start_ps = out->end_ps = t_ready;
    if (t_ready < c->last_t_ready_ps)
        c->order_violations++;
    else
        c->last_t_ready_ps = t_ready;
}

static void finish(chip *c, chip_timing *out)
{
    for (int i = 0; i < STALL_CAUSES; i++)
        c->stall_ps[i] += out->wait_ps[i];
    c->e_cmd_sum += out->e_pj;
    if (out->end_ps > c->max_end_ps)
        c->max_end_ps = out->end_ps;
}

uint64_t chip_act_latency_ps(const chip *c, uint32_t cols, unsigned slices, unsigned bits)
{
    if (bits < 1 || bits > ADC_MAX_BITS)
        return 0;
    return tile_act_latency_ps(&c->tp, slices, adc_rounds(cols, c->tp.nadc), c->t_conv_ps[bits]);
}

void chip_act(chip *c, uint32_t tile, const cmd_set *rows, const cmd_set *cols,
              unsigned slices, unsigned bits, uint64_t t_ready, chip_timing *out)
{
    begin(c, t_ready, out);
    uint32_t nr = cmd_set_count(rows), na = cmd_set_count(cols);
    if (tile >= c->n[UNIT_TILE] || slices == 0 || bits < 1 || bits > ADC_MAX_BITS ||
        nr > c->tp.rows || na > c->tp.cols) {
        chip_bad(c, t_ready, out,
                 "act on tile %u (of %u): %u rows, %u columns, %u slices, %u bits", tile,
                 c->n[UNIT_TILE], nr, na, slices, bits);
        return;
    }
    struct chip_tile *t = &c->tile[tile];
    struct chip_res *b = &c->bank[tile / c->share_tiles];
    uint32_t rounds = adc_rounds(na, c->tp.nadc);
    uint64_t T = c->tp.t_pre_ps + c->tp.t_int_ps, C = (uint64_t)rounds * c->t_conv_ps[bits];
    int sh = c->tp.sample_hold;

    uint64_t start = max_u64(t_ready, t->arr_free_ps);
    uint64_t arr = start, conv_end = start, adc_first = 0;
    for (unsigned s = 0; s < slices; s++) {
        uint64_t int_end = arr + T;
        uint64_t hold = sh ? max_u64(int_end, t->sh_free_ps) : int_end;
        uint64_t cs = C ? max_u64(hold, b->free_ps) : hold;
        uint64_t ce = cs + C;
        if (C) {
            b->free_ps = ce;
            b->busy_ps += C;
        }
        if (sh)
            t->sh_free_ps = ce;
        if (s == 0)
            adc_first = cs;
        arr = sh ? hold : ce;
        conv_end = ce;
    }
    uint64_t end = conv_end + c->tp.t_post_ps;
    t->busy_ps += arr - start;
    t->arr_free_ps = arr;
    t->acts++;
    c->tile_busy_ps += arr - start;
    c->bank_busy_ps += (uint64_t)slices * C;

    out->start_ps = start;
    out->end_ps = end;
    out->adc_start_ps = C ? adc_first : conv_end;
    out->adc_end_ps = conv_end;
    out->wait_ps[STALL_ARRAY] = start - t_ready;
    uint64_t ideal = tile_act_latency_ps(&c->tp, slices, rounds, c->t_conv_ps[bits]);
    assert(end - start >= ideal);
    out->wait_ps[STALL_ADC] = end - start - ideal;

    tile_act_counts n;
    tile_act_energy e;
    tile_act_count(&c->tp, nr, na, slices, &n);
    tile_act_energy_of(&c->tp, &n, c->e_conv_pj[bits], &e);
    c->acts++;
    c->row_drives += n.row_drives;
    c->cell_reads += n.cell_reads;
    c->conversions += n.conversions;
    c->conv_bits[bits] += n.conversions;
    c->sh_samples += n.sh_samples;
    c->sa_ops += n.sa_ops;
    out->e_pj = e.array_pj + e.dac_pj + e.adc_pj + e.periph_pj;
    out->e_adc_pj = e.adc_pj;
    finish(c, out);
}

void chip_program(chip *c, uint32_t tile, uint64_t t_ready, chip_timing *out)
{
    begin(c, t_ready, out);
    if (tile >= c->n[UNIT_TILE]) {
        chip_bad(c, t_ready, out, "program tile %u (of %u)", tile, c->n[UNIT_TILE]);
        return;
    }
    struct chip_tile *t = &c->tile[tile];
    uint64_t start = max_u64(t_ready, t->arr_free_ps);
    uint64_t end = start + c->tp.t_prog_ps;
    t->arr_free_ps = end;
    t->busy_ps += end - start;
    t->programs++;
    c->tile_busy_ps += end - start;
    c->programs++;
    out->start_ps = start;
    out->end_ps = end;
    out->wait_ps[STALL_ARRAY] = start - t_ready;
    out->e_pj = c->tp.e_prog_pj;
    finish(c, out);
}

void chip_xfer(chip *c, unit_id src, unit_id dst, uint64_t bytes, uint64_t t_ready,
               chip_timing *out)
{
    begin(c, t_ready, out);
    if (!chip_unit_valid(c, src) || !chip_unit_valid(c, dst)) {
        chip_bad(c, t_ready, out, "xfer from unit %08x to unit %08x: no such unit",
                 (unsigned)src, (unsigned)dst);
        return;
    }
    noc_send_result r;
    noc_send(c->mesh, c->node[UNIT_KIND(src)][UNIT_INDEX(src)],
             c->node[UNIT_KIND(dst)][UNIT_INDEX(dst)], bytes, t_ready, &r);
    c->packets++;
    c->noc_bytes += bytes;
    c->flits += r.flits;
    c->flit_hops += r.flits * r.hops;
    c->router_bits += 8 * bytes * (r.hops + 1);
    c->link_bits += 8 * bytes * r.hops;
    out->end_ps = r.end_ps;
    out->wait_ps[STALL_LINK] = r.wait_ps;
    out->e_pj = noc_energy_pj(&c->np, r.hops, bytes);
    finish(c, out);
}

void chip_mem(chip *c, unit_id mem, int write, uint64_t addr, uint64_t bytes,
              uint64_t t_ready, chip_timing *out)
{
    begin(c, t_ready, out);
    enum unit_kind k = UNIT_KIND(mem);
    if (!chip_unit_valid(c, mem) || (k != UNIT_SRAM && k != UNIT_DRAM)) {
        chip_bad(c, t_ready, out, "mem access on unit %08x: not an SRAM bank or DRAM channel",
                 (unsigned)mem);
        return;
    }
    uint32_t i = UNIT_INDEX(mem);
    struct chip_mem_unit *u = k == UNIT_SRAM ? &c->sram[i] : &c->dram[i];
    uint64_t busy, lat;
    if (k == UNIT_SRAM) {
        uint64_t words = mem_sram_words(&c->sp, bytes);
        busy = mem_sram_busy_ps(&c->sp, bytes);
        lat = mem_sram_latency_ps(&c->sp, bytes);
        if (addr > c->sp.bank_bytes || bytes > c->sp.bank_bytes - addr)
            c->sram_bad_addr++;
        if (write) {
            c->sram_writes++;
            c->sram_words_wr += words;
        } else {
            c->sram_reads++;
            c->sram_words_rd += words;
        }
        c->sram_bytes += bytes;
        c->sram_busy_ps += busy;
        out->e_pj = mem_sram_energy_pj(&c->sp, bytes);
    } else {
        busy = mem_dram_busy_ps(&c->dp, bytes);
        lat = mem_dram_latency_ps(&c->dp, bytes);
        if (write)
            c->dram_writes++;
        else
            c->dram_reads++;
        c->dram_bytes += bytes;
        c->dram_accesses += mem_dram_accesses(&c->dp, bytes);
        c->dram_busy_ps += busy;
        out->e_pj = mem_dram_energy_pj(&c->dp, bytes);
    }
    uint64_t start = max_u64(t_ready, u->r.free_ps);
    u->r.free_ps = start + busy;
    u->r.busy_ps += busy;
    if (write)
        u->writes++;
    else
        u->reads++;
    u->bytes += bytes;
    out->start_ps = start;
    out->end_ps = start + lat;
    out->wait_ps[STALL_MEM] = start - t_ready;
    finish(c, out);
}

void chip_dig(chip *c, uint32_t cluster, enum dig_kind kind, uint32_t m, uint32_t n,
              uint32_t k, uint64_t t_ready, chip_timing *out)
{
    begin(c, t_ready, out);
    if (cluster >= c->n[UNIT_CLUSTER] || (unsigned)kind >= DIG_KINDS) {
        chip_bad(c, t_ready, out, "dig op %d on cluster %u (of %u)", (int)kind, cluster,
                 c->n[UNIT_CLUSTER]);
        return;
    }
    struct chip_cluster *cl = &c->cl[cluster];
    struct chip_res *slot = &cl->slot[0];
    for (uint32_t s = 1; s < c->cp.slots; s++)
        if (cl->slot[s].free_ps < slot->free_ps)
            slot = &cl->slot[s];
    cluster_op_cost cost;
    cluster_op(&c->cp, kind, m, n, k, &cost);
    uint64_t lat = cluster_cycles_ps(&c->cp, cost.cycles);
    uint64_t start = max_u64(t_ready, slot->free_ps);
    slot->free_ps = start + lat;
    slot->busy_ps += lat;
    cl->busy_ps += lat;
    cl->ops++;
    c->cluster_busy_ps += lat;
    c->dig_ops++;
    c->lane_ops += cost.lane_ops;
    c->me_fmas += cost.me_fmas;
    c->dma_bytes += cost.dma_bytes;
    c->streamed_ops += (uint64_t)cost.streamed;
    out->start_ps = start;
    out->end_ps = start + lat;
    out->wait_ps[STALL_CLUSTER] = start - t_ready;
    out->e_pj = cluster_op_energy_pj(&c->cp, &cost);
    finish(c, out);
}
