/*
 * chrome_json.c -- the timeline trace as Chrome trace-event JSON
 * ("aimcsim-chrome 1", docs/outputs.md): one JSON object whose
 * "traceEvents" array receives each event as the front end hands it on.
 *
 * Invariant: events are separated by ",\n"; every complete event of a
 * track starts with that track's cached prefix
 * {"ph":"X","pid":P,"tid":T,"ts": and is formatted by hand straight into
 * the output buffer.  Times are integer picoseconds printed as
 * microseconds with six decimals, which is exact.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traces/chrome_int.h"
#include "traces/fmt.h"

typedef struct jenc {
    char **prefix;     /* per tid (index tid - 1): the start of its complete events */
    uint8_t *plen;     /* their lengths */
    uint32_t ntid;
} jenc;

static char *put_lit(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT(p, lit) put_lit(p, lit, sizeof lit - 1)

/* Picoseconds as microseconds with six decimals (exact). */
static char *put_us(char *p, uint64_t ps)
{
    p = fmt_u64(p, ps / 1000000);
    *p++ = '.';
    uint64_t f = ps % 1000000;
    for (int i = 5; i >= 0; i--) {
        p[i] = (char)('0' + f % 10);
        f /= 10;
    }
    return p + 6;
}

/* Room for one event of at most n bytes, past the separator. */
static char *ev_room(chrome_trace *t, size_t n)
{
    char *p = tout_room(t->o, n + 2);
    if (t->nev) {
        *p++ = ',';
        *p++ = '\n';
    }
    return p;
}

static void ev_put(chrome_trace *t, const char *p0, const char *p)
{
    tout_put(t->o, (size_t)(p - p0));
}

static void meta_ev(chrome_trace *t, uint32_t pid, uint32_t tid, const char *what,
                    const char *sval, int64_t ival)
{
    size_t len = 0;
    char *esc = sval ? chrome_escape(sval, &len) : NULL;
    if (len + 128 > TOUT_BUF) { /* a name longer than the buffer: cut */
        free(esc);
        esc = chrome_escape("(name too long)", &len);
    }
    char *p0 = tout_room(t->o, len + 130), *p = p0;
    if (t->nev) {
        *p++ = ',';
        *p++ = '\n';
    }
    p = PUT(p, "{\"ph\":\"M\",\"pid\":");
    p = fmt_u64(p, pid);
    if (tid) {
        p = PUT(p, ",\"tid\":");
        p = fmt_u64(p, tid);
    }
    p = PUT(p, ",\"name\":\"");
    p = put_lit(p, what, strlen(what));
    if (esc) {
        p = PUT(p, "\",\"args\":{\"name\":");
        p = put_lit(p, esc, len);
    } else {
        p = PUT(p, "\",\"args\":{\"sort_index\":");
        if (ival < 0) {
            *p++ = '-';
            p = fmt_u64(p, (uint64_t)0 - (uint64_t)ival);
        } else {
            p = fmt_u64(p, (uint64_t)ival);
        }
    }
    p = PUT(p, "}}");
    ev_put(t, p0, p);
    t->nev++;
    free(esc);
}

static void put_json_str(chrome_trace *t, const char *s)
{
    size_t len;
    char *esc = chrome_escape(s, &len);
    tout_write(t->o, esc, len);
    free(esc);
}

static void jbegin(chrome_trace *t)
{
    jenc *j = xcalloc(1, sizeof *j);
    t->enc = j;
    tout_puts(t->o, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"format\":\"" CHROME_FORMAT "\"");
    for (int i = 0; i < t->nmeta; i += 2) {
        tout_puts(t->o, ",");
        put_json_str(t, t->meta[i]);
        tout_puts(t->o, ":");
        put_json_str(t, t->meta[i + 1]);
    }
    tout_puts(t->o, "},\n\"traceEvents\":[\n");
    for (int i = 0; i < t->ng; i++)
        j->ntid += t->g[i].ntracks;
    j->prefix = xcalloc(j->ntid, sizeof *j->prefix);
    j->plen = xcalloc(j->ntid, 1);
    for (int i = 0; i < t->ng; i++) {
        tgroup *g = &t->g[i];
        uint32_t pid = (uint32_t)i + 1;
        meta_ev(t, pid, 0, "process_name", g->name, 0);
        meta_ev(t, pid, 0, "process_sort_index", NULL, i);
        for (uint32_t k = 0; k < g->ntracks; k++) {
            char *nm = chrome_track_name(g, k);
            meta_ev(t, pid, g->tid0 + k, "thread_name", nm, 0);
            meta_ev(t, pid, g->tid0 + k, "thread_sort_index", NULL, k);
            free(nm);
            char pre[96], *p = pre;
            p = PUT(p, "{\"ph\":\"X\",\"pid\":");
            p = fmt_u64(p, pid);
            p = PUT(p, ",\"tid\":");
            p = fmt_u64(p, g->tid0 + k);
            p = PUT(p, ",\"ts\":");
            j->plen[g->tid0 + k - 1] = (uint8_t)(p - pre);
            j->prefix[g->tid0 + k - 1] = xmalloc((size_t)(p - pre));
            memcpy(j->prefix[g->tid0 + k - 1], pre, (size_t)(p - pre));
        }
    }
}

/* One complete event.  spans == 0: a unit's own track; 1: a lone span of
 * a shared track; >= 2: a merged busy interval. */
static void jspan(chrome_trace *t, uint32_t pid, uint32_t tid, uint64_t s, uint64_t e,
                  uint32_t name, int64_t id, uint32_t tag, uint32_t spans)
{
    (void)pid;
    jenc *j = t->enc;
    const iname *nm = spans >= 2 ? NULL : &t->names[name];
    const iname *tg = spans < 2 && tag ? &t->names[tag - 1] : NULL;
    size_t most = 160 + (nm ? nm->esclen : 0) + (tg ? tg->esclen : 0);
    if (most + 2 > TOUT_BUF) {
        chrome_fail(t, "span name or tag of %zu bytes (at most %d)", most, TOUT_BUF - 160);
        return;
    }
    char *p0 = ev_room(t, most), *p = p0;
    p = put_lit(p, j->prefix[tid - 1], j->plen[tid - 1]);
    p = put_us(p, s);
    p = PUT(p, ",\"dur\":");
    p = put_us(p, e - s);
    p = PUT(p, ",\"name\":");
    if (nm) {
        p = put_lit(p, nm->esc, nm->esclen);
        p = PUT(p, ",\"args\":{");
        int first = 1;
        if (id >= 0) {
            p = PUT(p, "\"id\":");
            p = fmt_u64(p, (uint64_t)id);
            first = 0;
        }
        if (tg) {
            p = first ? PUT(p, "\"tag\":") : PUT(p, ",\"tag\":");
            p = put_lit(p, tg->esc, tg->esclen);
        }
        p = PUT(p, "}}");
    } else {
        p = PUT(p, "\"busy\",\"args\":{\"spans\":");
        p = fmt_u64(p, spans);
        p = PUT(p, "}}");
    }
    ev_put(t, t->nev ? p0 - 2 : p0, p);
}

static void jcounter(chrome_trace *t, uint32_t pid, uint32_t name, uint64_t t_ps, double v)
{
    const iname *nm = &t->names[name];
    if (nm->esclen + 128 > TOUT_BUF) {
        chrome_fail(t, "counter name of %zu bytes (at most %d)", nm->esclen, TOUT_BUF - 128);
        return;
    }
    char *p0 = ev_room(t, nm->esclen + 128), *p = p0;
    p = PUT(p, "{\"ph\":\"C\",\"pid\":");
    p = fmt_u64(p, pid);
    p = PUT(p, ",\"ts\":");
    p = put_us(p, t_ps);
    p = PUT(p, ",\"name\":");
    p = put_lit(p, nm->esc, nm->esclen);
    p = PUT(p, ",\"args\":{\"value\":");
    p = isfinite(v) ? fmt_g10(p, v) : PUT(p, "0");
    p = PUT(p, "}}");
    ev_put(t, t->nev ? p0 - 2 : p0, p);
}

static void jend(chrome_trace *t)
{
    tout_puts(t->o, "\n]}\n");
    if (tout_write(t->o, "", 0) < 0)
        chrome_fail(t, "write failed (disk full?)");
}

static void jfree(chrome_trace *t)
{
    jenc *j = t->enc;
    if (!j)
        return;
    for (uint32_t i = 0; i < j->ntid; i++)
        free(j->prefix[i]);
    free(j->prefix);
    free(j->plen);
    free(j);
    t->enc = NULL;
}

const chrome_ops chrome_json_ops = {"json", ".json", CHROME_FORMAT, jbegin, jspan, jcounter,
                                    jend, jfree};
