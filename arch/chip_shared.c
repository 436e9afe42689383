/*
 * chip_shared.c -- what the units of one chip share (arch/chip_int.h):
 * the chip-wide accounting every command goes through (calls in
 * non-decreasing t_ready, waits and energies summed, invalid calls
 * recorded, the latest end), and the helpers of their end-of-run checks.
 *
 * Invariant: shared_begin and shared_finish bracket every command a unit
 * executes, so e_cmd_sum is the sum of the energies the units returned.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/chip_int.h"
#include "sim/units.h"
#include "sim/util.h"

void shared_begin(struct chip_shared *s, uint64_t t_ready, unit_timing *out)
{
    memset(out, 0, sizeof *out);
    out->start_ps = out->end_ps = out->span_end_ps = t_ready;
    if (t_ready < s->last_t_ready_ps)
        s->order_violations++;
    else
        s->last_t_ready_ps = t_ready;
}

void shared_finish(struct chip_shared *s, unit_timing *out)
{
    for (int i = 0; i < STALL_CAUSES; i++)
        s->stall_ps[i] += out->wait_ps[i];
    s->e_cmd_sum += out->e_pj;
    if (out->end_ps > s->max_end_ps)
        s->max_end_ps = out->end_ps;
}

void shared_fixed(struct chip_shared *s, const cmd_work *w, uint64_t start_ps, int comp,
                  unit_timing *out)
{
    out->start_ps = start_ps;
    out->end_ps = out->span_end_ps = start_ps + w->arg[0];
    out->e_pj = units_fj_to_pj((double)w->arg[1]);
    s->e_fixed_pj += out->e_pj;
    if (s->sink && s->sink->energy && out->e_pj > 0) {
        s->sink->energy(s->sink->ctx, comp, out->start_ps, out->end_ps, out->e_pj);
        out->e_traced_pj = out->e_pj;
    }
}

void shared_bad(struct chip_shared *s, uint64_t t_ready, unit_timing *out, const char *fmt, ...)
{
    if (s->bad_cmds++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->first_bad, sizeof s->first_bad, fmt, ap);
        va_end(ap);
    }
    out->start_ps = out->end_ps = out->span_end_ps = t_ready;
}

int busy_within(const char *what, const uint64_t *busy, uint32_t n, size_t stride,
                uint64_t t_end_ps, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t b = *(const uint64_t *)((const char *)busy + i * stride);
        if (b > t_end_ps)
            return errf(err, errlen, "chip: %s %u busy %llu ps exceeds the elapsed %llu ps", what,
                        i, (unsigned long long)b, (unsigned long long)t_end_ps);
    }
    return 0;
}

double util_ratio(double busy, double units, uint64_t t_ps)
{
    return units > 0 && t_ps > 0 ? busy / (units * (double)t_ps) : 0.0;
}
