/*
 * tsink.c -- the trace sink over the timeline and power traces (tsink.h).
 *
 * Invariant: a span goes to the group of its track (none if -1), an
 * energy to the power column of its component; nothing is buffered here.
 * names[] and tag_ids[] only ever hold ids that chrome_intern returned for
 * that address or tag, so a cache hit skips hashing the string.
 */
#include "traces/tsink.h"

#include <stdint.h>
#include <string.h>

static uint32_t name_id(tsink *t, const char *s)
{
    uint32_t h = (uint32_t)(((uintptr_t)s >> 3) * 0x9E3779B1u) >> 26; /* 64 slots */
    if (t->names[h].s != s) {
        t->names[h].s = s;
        t->names[h].id = chrome_intern(t->chrome, s);
    }
    return t->names[h].id;
}

static uint32_t tag_id(tsink *t, uint32_t tag)
{
    if (tag >= t->ntags)
        return CHROME_NO_TAG;
    uint32_t h = tag % TSINK_TAGS;
    if (t->tag_ids[h].tag1 != tag + 1) {
        t->tag_ids[h].tag1 = tag + 1;
        t->tag_ids[h].id = chrome_intern(t->chrome, t->tags[tag].name);
    }
    return t->tag_ids[h].id;
}

static void span(void *ctx, int track, uint32_t index, const char *name, uint64_t start_ps,
                 uint64_t end_ps, uint64_t id, uint32_t tag)
{
    tsink *t = ctx;
    if (!t->chrome || track < 0 || track >= TRACKS || t->group[track] < 0)
        return;
    if (track == TRACK_XFER)
        index = t->base[UNIT_KIND(index)] + UNIT_INDEX(index);
    chrome_span_i(t->chrome, t->group[track], index, name_id(t, name), start_ps, end_ps,
                  (int64_t)id, tag_id(t, tag));
}

static void energy(void *ctx, int comp, uint64_t start_ps, uint64_t end_ps, double pj)
{
    tsink *t = ctx;
    if (!t->power)
        return;
    power_add(t->power, comp, start_ps, end_ps, pj);
    if (t->kernel)
        power_advance(t->power, kernel_now(t->kernel));
}

void tsink_init(tsink *t)
{
    t->sink.ctx = t;
    t->sink.span = span;
    t->sink.energy = energy;
    memset(t->names, 0, sizeof t->names);
    memset(t->tag_ids, 0, sizeof t->tag_ids);
}
