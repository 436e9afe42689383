/*
 * chrome_base.c -- what the timeline trace's front end (chrome.c) and its
 * encoders share: the first error, JSON escaping, interned names, track
 * names.  Calls nothing of theirs.
 *
 * Invariant: names[0, nnames) are distinct strings, each in slots[] at the
 * position open addressing gives its hash (load factor at most 1/2), so an
 * interned name keeps its index for the trace's life.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"
#include "traces/chrome_int.h"

int chrome_fail(chrome_trace *t, const char *fmt, ...)
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

/* ---- names ---- */

char *chrome_escape(const char *s, size_t *len)
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

uint32_t chrome_intern(chrome_trace *t, const char *s)
{
    size_t len = strlen(s);
    uint64_t h = fnv64(FNV64_INIT, s, len);
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
    in->len = len;
    in->esc = chrome_escape(s, &in->esclen);
    in->hash = h;
    uint32_t i = (uint32_t)h & (t->nslots - 1);
    while (t->slots[i])
        i = (i + 1) & (t->nslots - 1);
    t->slots[i] = ++t->nnames;
    return t->nnames - 1;
}

/* Track k's name: the unit's own name, "<prefix><k>", or for a shared
 * track "<group> <first>-<last>". */
char *chrome_track_name(const tgroup *g, uint32_t k)
{
    uint32_t u0 = k * g->per, u1 = u0 + g->per - 1;
    if (u1 >= g->n)
        u1 = g->n - 1;
    if (g->per == 1 && g->unit_names && g->unit_names[k])
        return xstrdup(g->unit_names[k]);
    if (g->per == 1)
        return xasprintf("%s%" PRIu32, g->prefix, k);
    if (u0 == u1)
        return xasprintf("%s %" PRIu32, g->name, u0);
    return xasprintf("%s %" PRIu32 "-%" PRIu32, g->name, u0, u1);
}
