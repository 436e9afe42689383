/*
 * mem_unit.c -- the SRAM banks and the DRAM channels as units
 * (sim/unit.h): reads and writes, their counters, energies, checks and
 * area.
 *
 * Invariant: a bank or channel is a busy-until reservation: an access
 * starts when it is free, occupies it for its busy time (SRAM: words x
 * t_cycle; DRAM: bytes / bandwidth) and delivers its data after its
 * latency (arch/mem.h).  An SRAM access beyond the bank's capacity is
 * counted (sram.beyond_capacity) and fails the end-of-run check.
 */
#include <stdlib.h>

#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

void sram_unit_init(sram_unit *u, struct chip_shared *sh, const config *c)
{
    u->sh = sh;
    mem_sram_params_init(&u->sp, c);
    u->n = (uint32_t)c->sram.banks;
    u->bank = xcalloc(u->n ? u->n : 1, sizeof *u->bank);
    u->capacity_bytes = (uint64_t)u->n * (uint64_t)c->sram.bank_bytes;
}

void dram_unit_init(dram_unit *u, struct chip_shared *sh, const config *c)
{
    u->sh = sh;
    mem_dram_params_init(&u->dp, c);
    u->n = u->dp.channels;
    u->ch = xcalloc(u->n ? u->n : 1, sizeof *u->ch);
}

void sram_unit_free(sram_unit *u) { free(u->bank); }
void dram_unit_free(dram_unit *u) { free(u->ch); }

_Static_assert(CP_SRAM_WAIT == CP_SRAM + 1 && CP_DRAM_WAIT == CP_DRAM + 1,
               "a memory's wait category follows its work category");

/* Reserves memory unit m for an access of `busy` ps delivering after
 * `lat`; fills out. */
static void reserve(struct mem_state *m, int write, uint64_t bytes, uint64_t busy, uint64_t lat,
                    uint64_t t_ready, int cp_work, unit_timing *out)
{
    uint64_t start = t_ready > m->r.free_ps ? t_ready : m->r.free_ps;
    m->r.free_ps = start + busy;
    m->r.busy_ps += busy;
    if (write)
        m->writes++;
    else
        m->reads++;
    m->bytes += bytes;
    out->start_ps = start;
    out->end_ps = out->span_end_ps = start + lat;
    out->wait_ps[STALL_MEM] = start - t_ready;
    unit_cp(out, cp_work + 1, start - t_ready);   /* CP_SRAM_WAIT, CP_DRAM_WAIT */
    unit_cp(out, cp_work, lat);
}

/* arg: write, addr, bytes (sim/cmd.c). */
static void sram_exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    sram_unit *u = self;
    shared_begin(u->sh, t_ready, out);
    uint32_t i = UNIT_INDEX(w->unit);
    if (i >= u->n) {
        shared_bad(u->sh, t_ready, out, "mem access on sram%u (of %u)", i, u->n);
        return;
    }
    int write = w->arg[0] != 0;
    uint64_t addr = w->arg[1], bytes = w->arg[2], cap = (uint64_t)u->sp.sram.bank_bytes;
    uint64_t words = mem_sram_words(&u->sp, bytes);
    if (addr > cap || bytes > cap - addr)
        u->bad_addr++;
    if (write) {
        u->writes++;
        u->words_wr += words;
    } else {
        u->reads++;
        u->words_rd += words;
    }
    u->bytes += bytes;
    uint64_t busy = mem_sram_busy_ps(&u->sp, bytes);
    u->busy_ps += busy;
    reserve(&u->bank[i], write, bytes, busy, mem_sram_latency_ps(&u->sp, bytes), t_ready,
            CP_SRAM, out);
    out->e_pj = mem_sram_energy_pj(&u->sp, bytes);
    shared_finish(u->sh, out);
}

/* arg: write, addr, bytes (sim/cmd.c). */
static void dram_exec(void *self, const cmd_work *w, uint64_t t_ready, unit_timing *out)
{
    dram_unit *u = self;
    shared_begin(u->sh, t_ready, out);
    uint32_t i = UNIT_INDEX(w->unit);
    if (i >= u->n) {
        shared_bad(u->sh, t_ready, out, "mem access on dram%u (of %u)", i, u->n);
        return;
    }
    int write = w->arg[0] != 0;
    uint64_t bytes = w->arg[2];
    if (write)
        u->writes++;
    else
        u->reads++;
    u->bytes += bytes;
    u->accesses += mem_dram_accesses(&u->dp, bytes);
    uint64_t busy = mem_dram_busy_ps(&u->dp, bytes);
    u->busy_ps += busy;
    reserve(&u->ch[i], write, bytes, busy, mem_dram_latency_ps(&u->dp, bytes), t_ready,
            CP_DRAM, out);
    out->e_pj = mem_dram_energy_pj(&u->dp, bytes);
    shared_finish(u->sh, out);
}

static void sram_finalize(void *self, uint64_t t_end_ps, double e[E_PARTS])
{
    sram_unit *u = self;
    (void)t_end_ps;
    e[E_SRAM] = (double)(u->words_rd + u->words_wr) * u->sp.e_access_pj;
}

static void dram_finalize(void *self, uint64_t t_end_ps, double e[E_PARTS])
{
    dram_unit *u = self;
    (void)t_end_ps;
    e[E_DRAM] = (double)u->accesses * u->dp.e_access_pj + 8.0 * (double)u->bytes * u->dp.e_bit_pj;
}

static int sram_check(const void *self, uint64_t t_end_ps, char *err, size_t errlen)
{
    const sram_unit *u = self;
    if (u->bad_addr)
        return errf(err, errlen, "chip: %llu SRAM accesses beyond the bank capacity of %llu bytes",
                    (unsigned long long)u->bad_addr, (unsigned long long)u->sp.sram.bank_bytes);
    return busy_within("SRAM bank", &u->bank[0].r.busy_ps, u->n, sizeof *u->bank, t_end_ps, err,
                       errlen);
}

static int dram_check(const void *self, uint64_t t_end_ps, char *err, size_t errlen)
{
    const dram_unit *u = self;
    return busy_within("DRAM channel", &u->ch[0].r.busy_ps, u->n, sizeof *u->ch, t_end_ps, err,
                       errlen);
}

static void sram_stats(void *self, stats *st, int per_unit)
{
    sram_unit *u = self;
    if (per_unit) {
        for (uint32_t i = 0; i < u->n; i++) {
            stats_counter(st, &u->bank[i].reads, "sram%u.reads", i);
            stats_counter(st, &u->bank[i].writes, "sram%u.writes", i);
            stats_counter(st, &u->bank[i].r.busy_ps, "sram%u.busy_ps", i);
        }
        return;
    }
    stats_counter(st, &u->reads, "sram.reads");
    stats_counter(st, &u->writes, "sram.writes");
    stats_counter(st, &u->words_rd, "sram.read_words");
    stats_counter(st, &u->words_wr, "sram.write_words");
    stats_counter(st, &u->bytes, "sram.bytes");
    stats_counter(st, &u->bad_addr, "sram.beyond_capacity");
    stats_counter(st, &u->busy_ps, "sram.busy_ps");
}

static void dram_stats(void *self, stats *st, int per_unit)
{
    dram_unit *u = self;
    if (per_unit) {
        for (uint32_t i = 0; i < u->n; i++) {
            stats_counter(st, &u->ch[i].bytes, "dram%u.bytes", i);
            stats_counter(st, &u->ch[i].r.busy_ps, "dram%u.busy_ps", i);
        }
        return;
    }
    stats_counter(st, &u->reads, "dram.reads");
    stats_counter(st, &u->writes, "dram.writes");
    stats_counter(st, &u->bytes, "dram.bytes");
    stats_counter(st, &u->accesses, "dram.accesses");
    stats_counter(st, &u->busy_ps, "dram.busy_ps");
}

static void sram_area(const void *self, double n, int whole, area_line rows[AREA_ROWS])
{
    const sram_unit *u = self;
    (void)whole;
    rows[AREA_SRAM] = (area_line){n, n * u->sp.bank_area_um2, n * u->sp.p_leak_mw};
}

/* DRAM is off-chip: its static power counts, its area does not. */
static void dram_area(const void *self, double n, int whole, area_line rows[AREA_ROWS])
{
    const dram_unit *u = self;
    (void)whole;
    rows[AREA_DRAM] = (area_line){n, 0, n * u->dp.p_static_mw};
}

const unit_ops sram_unit_ops = {"sram", sram_exec, sram_finalize, sram_check, sram_stats,
                                sram_area, NULL};
const unit_ops dram_unit_ops = {"dram", dram_exec, dram_finalize, dram_check, dram_stats,
                                dram_area, NULL};
