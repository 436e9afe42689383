/*
 * tsink.c -- the trace sink over the Chrome and power traces (tsink.h).
 *
 * Invariant: a span goes to the group of its track (none if -1), an
 * energy to the power column of its component; nothing is buffered here.
 */
#include "traces/tsink.h"

static void span(void *ctx, int track, uint32_t index, const char *name, uint64_t start_ps,
                 uint64_t end_ps, uint64_t id, uint32_t tag)
{
    tsink *t = ctx;
    if (!t->chrome || track < 0 || track >= TRACKS || t->group[track] < 0)
        return;
    if (track == TRACK_XFER)
        index = t->base[UNIT_KIND(index)] + UNIT_INDEX(index);
    chrome_span(t->chrome, t->group[track], index, name, start_ps, end_ps, (int64_t)id,
                tag < t->ntags ? t->tags[tag].name : NULL);
}

static void energy(void *ctx, int comp, uint64_t start_ps, uint64_t end_ps, double pj)
{
    tsink *t = ctx;
    if (t->power)
        power_add(t->power, comp, start_ps, end_ps, pj);
}

void tsink_init(tsink *t)
{
    t->sink.ctx = t;
    t->sink.span = span;
    t->sink.energy = energy;
}
