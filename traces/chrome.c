/*
 * chrome.c -- the timeline trace's front end (see chrome.h): groups, the
 * track layout, interned names, and the merging of shared tracks; the
 * encoders (chrome_json.c, chrome_pf.c) turn its events into bytes.
 *
 * Invariant: a unit's own track hands its spans to the encoder
 * immediately; a shared track keeps at most CHROME_PENDING disjoint,
 * non-touching intervals sorted by start, and everything it has handed on
 * ends at or before flushed_end, so the intervals of a shared track never
 * overlap or touch.  Memory is O(groups + tracks + distinct span names),
 * plus what the encoder holds, never O(events).
 */
#include "traces/chrome.h"
#include "traces/chrome_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

static const chrome_ops *const formats[CHROME_FORMATS] = {&chrome_pf_ops, &chrome_json_ops};

const char *chrome_format_name(int format)
{
    return format >= 0 && format < CHROME_FORMATS ? formats[format]->name : NULL;
}

const char *chrome_format_ext(int format)
{
    return format >= 0 && format < CHROME_FORMATS ? formats[format]->ext : NULL;
}

chrome_trace *chrome_open(const char *path, int format, uint32_t max_tracks,
                          uint64_t gz_above_bytes, char *err, size_t errlen)
{
    if (max_tracks < 1) {
        errf(err, errlen, "%s: max_tracks 0 (expected at least 1)", path);
        return NULL;
    }
    if (format < 0 || format >= CHROME_FORMATS) {
        errf(err, errlen, "%s: trace format %d (expected 0..%d)", path, format, CHROME_FORMATS - 1);
        return NULL;
    }
    tout *o = tout_open(path, gz_above_bytes, err, errlen);
    if (!o)
        return NULL;
    chrome_trace *t = xcalloc(1, sizeof *t);
    t->ops = formats[format];
    t->o = o;
    t->path = xstrdup(path);
    t->max_tracks = max_tracks;
    return t;
}

int chrome_group(chrome_trace *t, const char *name, const char *unit_prefix, uint32_t n_units)
{
    if (t->laid_out)
        return chrome_fail(t, "group '%s' declared after the first event (expected groups first)", name);
    if (t->ng == t->gcap) {
        t->gcap = t->gcap ? 2 * t->gcap : 8;
        t->g = xrealloc(t->g, sizeof *t->g * (size_t)t->gcap);
    }
    tgroup *g = &t->g[t->ng];
    memset(g, 0, sizeof *g);
    g->name = xstrdup(name);
    g->prefix = xstrdup(unit_prefix);
    g->n = n_units;
    return t->ng++;
}

int chrome_unit_name(chrome_trace *t, int group, uint32_t unit, const char *name)
{
    if (t->laid_out)
        return chrome_fail(t, "unit name '%s' set after the first event (expected names first)", name);
    if (group < 0 || group >= t->ng || unit >= t->g[group].n)
        return chrome_fail(t, "unit name '%s': no unit %" PRIu32 " in group %d", name, unit, group);
    tgroup *g = &t->g[group];
    if (!g->unit_names)
        g->unit_names = xcalloc(g->n, sizeof *g->unit_names);
    free(g->unit_names[unit]);
    g->unit_names[unit] = xstrdup(name);
    return 0;
}

int chrome_meta(chrome_trace *t, const char *key, const char *value)
{
    if (t->laid_out)
        return chrome_fail(t, "metadata '%s' set after the first event (expected metadata first)", key);
    t->meta = xrealloc(t->meta, sizeof *t->meta * (size_t)(t->nmeta + 2));
    t->meta[t->nmeta++] = xstrdup(key);
    t->meta[t->nmeta++] = xstrdup(value);
    return 0;
}

/* Water-filling: the largest per-group cap c with sum min(n_g, c) <=
 * max_tracks, so small groups keep a track per unit and large groups share
 * the rest; a group gets at least one track. */
static void layout(chrome_trace *t)
{
    uint64_t total = 0;
    uint32_t nmax = 0;
    for (int i = 0; i < t->ng; i++) {
        total += t->g[i].n;
        if (t->g[i].n > nmax)
            nmax = t->g[i].n;
    }
    uint32_t cap = nmax;
    if (total > t->max_tracks) {
        uint32_t lo = 1, hi = nmax;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo + 1) / 2;
            uint64_t sum = 0;
            for (int i = 0; i < t->ng; i++)
                sum += t->g[i].n < mid ? t->g[i].n : mid;
            if (sum <= t->max_tracks)
                lo = mid;
            else
                hi = mid - 1;
        }
        cap = lo;
    }
    uint32_t tid = 1;
    for (int i = 0; i < t->ng; i++) {
        tgroup *g = &t->g[i];
        uint32_t want = g->n < cap ? g->n : cap;
        g->per = want ? (uint32_t)ceil_div_u64(g->n, want) : 1;
        g->ntracks = (uint32_t)ceil_div_u64(g->n, g->per);
        g->tid0 = tid;
        tid += g->ntracks;
        if (g->per > 1)
            g->tracks = xcalloc(g->ntracks, sizeof *g->tracks);
    }
}

static int start(chrome_trace *t)
{
    if (t->laid_out)
        return t->failed ? -1 : 0;
    t->laid_out = 1;
    layout(t);
    t->ops->begin(t);
    return t->failed ? -1 : 0;
}

static void flush_one(chrome_trace *t, int gi, uint32_t k)
{
    tgroup *g = &t->g[gi];
    track *tr = &g->tracks[k];
    pend *p0 = &tr->p[0];
    t->ops->span(t, (uint32_t)gi + 1, g->tid0 + k, p0->s, p0->e, p0->name, p0->id, p0->tag,
                 p0->spans);
    t->nev++;
    tr->flushed_end = p0->e;
    memmove(tr->p, tr->p + 1, sizeof *tr->p * (tr->np - 1));
    tr->np--;
}

int chrome_span_i(chrome_trace *t, int group, uint32_t unit, uint32_t name, uint64_t start_ps,
                  uint64_t end_ps, int64_t id, uint32_t tag)
{
    if (start(t))
        return -1;
    if (name >= t->nnames || (tag != CHROME_NO_TAG && tag >= t->nnames))
        return chrome_fail(t, "span with name %" PRIu32 " and tag %" PRIu32 " (%" PRIu32 " names interned)",
                           name, tag, t->nnames);
    const char *nms = t->names[name].s;
    if (group < 0 || group >= t->ng)
        return chrome_fail(t, "span '%s' in group %d (expected 0..%d)", nms, group, t->ng - 1);
    tgroup *g = &t->g[group];
    if (unit >= g->n)
        return chrome_fail(t, "span '%s' on %s%" PRIu32 " (the trace declares %" PRIu32 " %s)", nms,
                           g->prefix, unit, g->n, g->name);
    if (end_ps < start_ps)
        return chrome_fail(t, "span '%s' on %s%" PRIu32 " ends at %" PRIu64 " ps before its start %" PRIu64 " ps",
                           nms, g->prefix, unit, end_ps, start_ps);
    uint32_t tg = tag == CHROME_NO_TAG ? 0 : tag + 1;
    if (g->per == 1) {
        t->ops->span(t, (uint32_t)group + 1, g->tid0 + unit, start_ps, end_ps, name, id, tg, 0);
        t->nev++;
        return t->failed ? -1 : 0;
    }

    uint32_t k = unit / g->per;
    track *tr = &g->tracks[k];
    if (!tr->p)
        tr->p = xmalloc(sizeof *tr->p * (CHROME_PENDING + 1));
    uint64_t s = start_ps > tr->flushed_end ? start_ps : tr->flushed_end, e = end_ps;
    if (e <= s)
        return 0; /* zero length, or already covered by written intervals */
    uint32_t i = 0, j;
    while (i < tr->np && tr->p[i].e < s)
        i++;
    for (j = i; j < tr->np && tr->p[j].s <= e; j++)
        ;
    if (i == j) {
        memmove(tr->p + i + 1, tr->p + i, sizeof *tr->p * (tr->np - i));
        tr->p[i] = (pend){s, e, 1, name, tg, id};
        tr->np++;
    } else {
        pend m = tr->p[i];
        m.s = s < m.s ? s : m.s;
        m.e = e > tr->p[j - 1].e ? e : tr->p[j - 1].e;
        m.spans = 1;
        for (uint32_t q = i; q < j; q++)
            m.spans += tr->p[q].spans;
        tr->p[i] = m;
        memmove(tr->p + i + 1, tr->p + j, sizeof *tr->p * (tr->np - j));
        tr->np -= j - i - 1;
    }
    if (tr->np > CHROME_PENDING)
        flush_one(t, group, k);
    return t->failed ? -1 : 0;
}

int chrome_span(chrome_trace *t, int group, uint32_t unit, const char *name, uint64_t start_ps,
                uint64_t end_ps, int64_t id, const char *tag)
{
    return chrome_span_i(t, group, unit, chrome_intern(t, name), start_ps, end_ps, id,
                         tag ? chrome_intern(t, tag) : CHROME_NO_TAG);
}

int chrome_counter(chrome_trace *t, int group, const char *name, uint64_t t_ps, double value)
{
    if (start(t))
        return -1;
    if (group < 0 || group >= t->ng)
        return chrome_fail(t, "counter '%s' in group %d (expected 0..%d)", name, group, t->ng - 1);
    t->ops->counter(t, (uint32_t)group + 1, chrome_intern(t, name), t_ps, value);
    t->nev++;
    return t->failed ? -1 : 0;
}

uint32_t chrome_tracks(const chrome_trace *t, int group)
{
    return t->laid_out && group >= 0 && group < t->ng ? t->g[group].ntracks : 0;
}

uint32_t chrome_units_per_track(const chrome_trace *t, int group)
{
    return t->laid_out && group >= 0 && group < t->ng ? t->g[group].per : 0;
}

uint64_t chrome_events(const chrome_trace *t) { return t->nev; }

static void tfree(chrome_trace *t)
{
    t->ops->free(t);
    for (int i = 0; i < t->ng; i++) {
        tgroup *g = &t->g[i];
        free(g->name);
        free(g->prefix);
        if (g->unit_names)
            for (uint32_t k = 0; k < g->n; k++)
                free(g->unit_names[k]);
        free(g->unit_names);
        if (g->tracks)
            for (uint32_t k = 0; k < g->ntracks; k++)
                free(g->tracks[k].p);
        free(g->tracks);
    }
    free(t->g);
    for (int i = 0; i < t->nmeta; i++)
        free(t->meta[i]);
    free(t->meta);
    for (uint32_t i = 0; i < t->nnames; i++) {
        free(t->names[i].s);
        free(t->names[i].esc);
    }
    free(t->names);
    free(t->slots);
    free(t->path);
    free(t);
}

int chrome_commit(chrome_trace *t, char *err, size_t errlen)
{
    start(t);
    for (int i = 0; i < t->ng && !t->failed; i++)
        if (t->g[i].tracks)
            for (uint32_t k = 0; k < t->g[i].ntracks; k++)
                while (t->g[i].tracks[k].np && !t->failed)
                    flush_one(t, i, k);
    if (!t->failed)
        t->ops->end(t);
    if (t->failed) {
        errf(err, errlen, "%s", t->errmsg);
        chrome_abort(t);
        return -1;
    }
    int r = tout_commit(t->o, err, errlen);
    t->o = NULL;
    tfree(t);
    return r;
}

void chrome_abort(chrome_trace *t)
{
    if (!t)
        return;
    tout_abort(t->o);
    tfree(t);
}
