/*
 * chrome.c -- Chrome trace-event JSON writer (see chrome.h; format in
 * docs/outputs.md).
 *
 * Invariant: the file is one JSON object whose "traceEvents" array receives
 * each event as soon as it is final.  A unit's own track gets its spans
 * immediately; a shared track keeps at most CHROME_PENDING disjoint,
 * non-touching intervals sorted by start, and everything it has written
 * ends at or before flushed_end, so the intervals written on a shared track
 * never overlap.  Memory is O(groups + tracks + distinct span names), never
 * O(events).  Times are integer picoseconds printed as microseconds with
 * six decimals, which is exact.
 */
#include "traces/chrome.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json.h"
#include "sim/ofile.h"
#include "sim/util.h"

typedef struct pend {
    uint64_t s, e;     /* interval [s, e), ps */
    uint32_t spans;    /* spans merged into it */
    uint32_t name;     /* interned name (used when spans == 1) */
    uint32_t tag;      /* interned tag + 1, 0 for none (spans == 1) */
    int64_t id;        /* (spans == 1) */
} pend;

typedef struct track {
    uint64_t flushed_end;  /* end of the last interval written (shared tracks) */
    uint32_t np;
    pend *p;               /* CHROME_PENDING + 1 entries; shared tracks only */
} track;

typedef struct tgroup {
    char *name, *prefix;
    uint32_t n;            /* units */
    char **unit_names;     /* n custom names (entries may be NULL), or NULL */
    uint32_t ntracks, per; /* tracks; units per track */
    uint32_t tid0;         /* tid of track 0 */
    track *tracks;         /* shared tracks' state (per > 1), else NULL */
} tgroup;

typedef struct iname {
    char *s;       /* the name */
    char *esc;     /* as a JSON string literal, quotes included */
    size_t esclen;
    uint64_t hash;
} iname;

struct chrome_trace {
    ofile *o;
    char *path;
    uint32_t max_tracks;
    tgroup *g;
    int ng, gcap;
    char **meta;           /* key, value, key, value, ... */
    int nmeta;
    int laid_out, failed;
    uint64_t nev;
    char errmsg[ERR_LEN];
    iname *names;          /* interned span, tag and counter names */
    uint32_t nnames, names_cap;
    uint32_t *slots;       /* open addressing: name index + 1, 0 empty */
    uint32_t nslots;
    char *ev;              /* event formatting buffer */
    size_t evcap;
};

static int tfail(chrome_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tfail(chrome_trace *t, const char *fmt, ...)
{
    if (!t->failed) {
        char msg[ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        errf(t->errmsg, sizeof t->errmsg, "%s: %s", t->path, msg);
        t->failed = 1;
    }
    return -1;
}

chrome_trace *chrome_open(const char *path, uint32_t max_tracks, char *err, size_t errlen)
{
    if (max_tracks < 1) {
        errf(err, errlen, "%s: max_tracks 0 (expected at least 1)", path);
        return NULL;
    }
    ofile *o = ofile_open(path, 1, err, errlen);
    if (!o)
        return NULL;
    chrome_trace *t = xcalloc(1, sizeof *t);
    t->o = o;
    t->path = xstrdup(path);
    t->max_tracks = max_tracks;
    t->evcap = 4096;
    t->ev = xmalloc(t->evcap);
    return t;
}

int chrome_group(chrome_trace *t, const char *name, const char *unit_prefix, uint32_t n_units)
{
    if (t->laid_out)
        return tfail(t, "group '%s' declared after the first event (expected groups first)", name);
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
        return tfail(t, "unit name '%s' set after the first event (expected names first)", name);
    if (group < 0 || group >= t->ng || unit >= t->g[group].n)
        return tfail(t, "unit name '%s': no unit %" PRIu32 " in group %d", name, unit, group);
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
        return tfail(t, "metadata '%s' set after the first event (expected metadata first)", key);
    t->meta = xrealloc(t->meta, sizeof *t->meta * (size_t)(t->nmeta + 2));
    t->meta[t->nmeta++] = xstrdup(key);
    t->meta[t->nmeta++] = xstrdup(value);
    return 0;
}

/* ---- names ---- */

static char *escape(const char *s, size_t *len)
{
    size_t n = 2;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p == '"' || *p == '\\' ? 2 : *p < 0x20 ? 6 : 1;
    char *e = xmalloc(n + 1), *q = e;
    *q++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *q++ = '\\';
            *q++ = (char)*p;
        } else if (*p < 0x20) {
            q += snprintf(q, 7, "\\u%04x", *p);
        } else {
            *q++ = (char)*p;
        }
    }
    *q++ = '"';
    *q = 0;
    *len = n;
    return e;
}

static uint32_t intern(chrome_trace *t, const char *s)
{
    uint64_t h = fnv64(FNV64_INIT, s, strlen(s));
    if (t->nslots) {
        for (uint32_t i = (uint32_t)h & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
            uint32_t k = t->slots[i];
            if (!k)
                break;
            if (t->names[k - 1].hash == h && !strcmp(t->names[k - 1].s, s))
                return k - 1;
        }
    }
    if (2 * (t->nnames + 1) > t->nslots) {
        t->nslots = t->nslots ? 2 * t->nslots : 256;
        free(t->slots);
        t->slots = xcalloc(t->nslots, sizeof *t->slots);
        for (uint32_t k = 0; k < t->nnames; k++) {
            uint32_t i = (uint32_t)t->names[k].hash & (t->nslots - 1);
            while (t->slots[i])
                i = (i + 1) & (t->nslots - 1);
            t->slots[i] = k + 1;
        }
    }
    if (t->nnames == t->names_cap) {
        t->names_cap = t->names_cap ? 2 * t->names_cap : 64;
        t->names = xrealloc(t->names, sizeof *t->names * t->names_cap);
    }
    iname *in = &t->names[t->nnames];
    in->s = xstrdup(s);
    in->esc = escape(s, &in->esclen);
    in->hash = h;
    uint32_t i = (uint32_t)h & (t->nslots - 1);
    while (t->slots[i])
        i = (i + 1) & (t->nslots - 1);
    t->slots[i] = ++t->nnames;
    return t->nnames - 1;
}

/* ---- formatting ---- */

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 20;
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(p, tmp + n, (size_t)(20 - n));
    return p + (20 - n);
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

/* Picoseconds as microseconds with six decimals (exact). */
static char *put_us(char *p, uint64_t ps)
{
    p = put_u64(p, ps / 1000000);
    *p++ = '.';
    uint64_t f = ps % 1000000;
    for (int i = 5; i >= 0; i--) {
        p[i] = (char)('0' + f % 10);
        f /= 10;
    }
    return p + 6;
}

/* Makes room for an event of at most extra bytes beyond the fixed part;
 * returns the buffer, past the separator from the previous event. */
static char *ev_begin(chrome_trace *t, size_t extra)
{
    size_t need = 512 + extra;
    if (need > t->evcap) {
        while (t->evcap < need)
            t->evcap *= 2;
        free(t->ev);
        t->ev = xmalloc(t->evcap);
    }
    char *p = t->ev;
    if (t->nev) {
        *p++ = ',';
        *p++ = '\n';
    }
    return p;
}

static int ev_end(chrome_trace *t, char *p)
{
    t->nev++;
    if (ofile_write(t->o, t->ev, (size_t)(p - t->ev)))
        return tfail(t, "write failed (disk full?)");
    return 0;
}

static int meta_ev(chrome_trace *t, uint32_t pid, uint32_t tid, const char *what, const char *sval,
                   int64_t ival)
{
    size_t len = 0;
    char *esc = sval ? escape(sval, &len) : NULL;
    char *p = ev_begin(t, len);
    p = put_str(p, "{\"ph\":\"M\",\"pid\":");
    p = put_u64(p, pid);
    if (tid) {
        p = put_str(p, ",\"tid\":");
        p = put_u64(p, tid);
    }
    p = put_str(p, ",\"name\":\"");
    p = put_str(p, what);
    if (esc) {
        p = put_str(p, "\",\"args\":{\"name\":");
        memcpy(p, esc, len);
        p += len;
    } else {
        p = put_str(p, "\",\"args\":{\"sort_index\":");
        p = put_i64(p, ival);
    }
    p = put_str(p, "}}");
    free(esc);
    return ev_end(t, p);
}

/* Writes one complete event.  spans == 0: a unit's own track; 1: a lone
 * span of a shared track; >= 2: a merged busy interval. */
static int x_ev(chrome_trace *t, uint32_t pid, uint32_t tid, uint64_t s, uint64_t e,
                uint32_t name, int64_t id, uint32_t tag, uint32_t spans)
{
    const iname *nm = spans >= 2 ? NULL : &t->names[name];
    const iname *tg = spans < 2 && tag ? &t->names[tag - 1] : NULL;
    char *p = ev_begin(t, (nm ? nm->esclen : 0) + (tg ? tg->esclen : 0));
    p = put_str(p, "{\"ph\":\"X\",\"pid\":");
    p = put_u64(p, pid);
    p = put_str(p, ",\"tid\":");
    p = put_u64(p, tid);
    p = put_str(p, ",\"ts\":");
    p = put_us(p, s);
    p = put_str(p, ",\"dur\":");
    p = put_us(p, e - s);
    p = put_str(p, ",\"name\":");
    if (nm) {
        memcpy(p, nm->esc, nm->esclen);
        p += nm->esclen;
        p = put_str(p, ",\"args\":{");
        int first = 1;
        if (id >= 0) {
            p = put_str(p, "\"id\":");
            p = put_i64(p, id);
            first = 0;
        }
        if (tg) {
            p = put_str(p, first ? "\"tag\":" : ",\"tag\":");
            memcpy(p, tg->esc, tg->esclen);
            p += tg->esclen;
        }
        p = put_str(p, "}}");
    } else {
        p = put_str(p, "\"busy\",\"args\":{\"spans\":");
        p = put_u64(p, spans);
        p = put_str(p, "}}");
    }
    return ev_end(t, p);
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
    ofile_puts(t->o, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"format\":\"" CHROME_FORMAT "\"");
    for (int i = 0; i < t->nmeta; i += 2) {
        ofile_puts(t->o, ",");
        json_str(t->o, t->meta[i]);
        ofile_puts(t->o, ":");
        json_str(t->o, t->meta[i + 1]);
    }
    ofile_puts(t->o, "},\n\"traceEvents\":[\n");
    for (int i = 0; i < t->ng; i++) {
        tgroup *g = &t->g[i];
        uint32_t pid = (uint32_t)i + 1;
        meta_ev(t, pid, 0, "process_name", g->name, 0);
        meta_ev(t, pid, 0, "process_sort_index", NULL, i);
        for (uint32_t k = 0; k < g->ntracks; k++) {
            uint32_t u0 = k * g->per, u1 = u0 + g->per - 1;
            if (u1 >= g->n)
                u1 = g->n - 1;
            char *nm;
            if (g->per == 1 && g->unit_names && g->unit_names[k])
                nm = xstrdup(g->unit_names[k]);
            else if (g->per == 1)
                nm = xasprintf("%s%" PRIu32, g->prefix, k);
            else if (u0 == u1)
                nm = xasprintf("%s %" PRIu32, g->name, u0);
            else
                nm = xasprintf("%s %" PRIu32 "-%" PRIu32, g->name, u0, u1);
            meta_ev(t, pid, g->tid0 + k, "thread_name", nm, 0);
            meta_ev(t, pid, g->tid0 + k, "thread_sort_index", NULL, k);
            free(nm);
        }
    }
    return t->failed ? -1 : 0;
}

static int flush_one(chrome_trace *t, int gi, uint32_t k)
{
    tgroup *g = &t->g[gi];
    track *tr = &g->tracks[k];
    pend *p0 = &tr->p[0];
    int r = x_ev(t, (uint32_t)gi + 1, g->tid0 + k, p0->s, p0->e, p0->name, p0->id, p0->tag,
                 p0->spans);
    tr->flushed_end = p0->e;
    memmove(tr->p, tr->p + 1, sizeof *tr->p * (tr->np - 1));
    tr->np--;
    return r;
}

int chrome_span(chrome_trace *t, int group, uint32_t unit, const char *name, uint64_t start_ps,
                uint64_t end_ps, int64_t id, const char *tag)
{
    if (start(t))
        return -1;
    if (group < 0 || group >= t->ng)
        return tfail(t, "span '%s' in group %d (expected 0..%d)", name, group, t->ng - 1);
    tgroup *g = &t->g[group];
    if (unit >= g->n)
        return tfail(t, "span '%s' on %s%" PRIu32 " (the trace declares %" PRIu32 " %s)", name,
                     g->prefix, unit, g->n, g->name);
    if (end_ps < start_ps)
        return tfail(t, "span '%s' on %s%" PRIu32 " ends at %" PRIu64 " ps before its start %" PRIu64 " ps",
                     name, g->prefix, unit, end_ps, start_ps);
    uint32_t nm = intern(t, name);
    uint32_t tg = tag ? intern(t, tag) + 1 : 0;
    if (g->per == 1)
        return x_ev(t, (uint32_t)group + 1, g->tid0 + unit, start_ps, end_ps, nm, id, tg, 0);

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
        tr->p[i] = (pend){s, e, 1, nm, tg, id};
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
        return flush_one(t, group, k);
    return 0;
}

int chrome_counter(chrome_trace *t, int group, const char *name, uint64_t t_ps, double value)
{
    if (start(t))
        return -1;
    if (group < 0 || group >= t->ng)
        return tfail(t, "counter '%s' in group %d (expected 0..%d)", name, group, t->ng - 1);
    const iname *nm = &t->names[intern(t, name)];
    char *p = ev_begin(t, nm->esclen);
    p = put_str(p, "{\"ph\":\"C\",\"pid\":");
    p = put_u64(p, (uint64_t)group + 1);
    p = put_str(p, ",\"ts\":");
    p = put_us(p, t_ps);
    p = put_str(p, ",\"name\":");
    memcpy(p, nm->esc, nm->esclen);
    p += nm->esclen;
    p = put_str(p, ",\"args\":{\"value\":");
    char v[64];
    json_real_fmt(v, sizeof v, value);
    p = put_str(p, !strcmp(v, "null") ? "0" : v);
    p = put_str(p, "}}");
    return ev_end(t, p);
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
    free(t->ev);
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
    if (t->failed) {
        errf(err, errlen, "%s", t->errmsg);
        chrome_abort(t);
        return -1;
    }
    ofile_puts(t->o, "\n]}\n");
    int r = ofile_commit(t->o, err, errlen);
    tfree(t);
    return r;
}

void chrome_abort(chrome_trace *t)
{
    if (!t)
        return;
    ofile_abort(t->o);
    tfree(t);
}
