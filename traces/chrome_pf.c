/*
 * chrome_pf.c -- the timeline trace in Perfetto's protobuf trace format
 * ("aimcsim-perfetto 1", docs/outputs.md; the schema is Perfetto's
 * protos/perfetto/trace/trace.proto, written here by hand: Trace is a
 * repeated TracePacket, field 1).
 *
 * Layout: one process track descriptor per group (pid = group + 1), one
 * thread track per track (its uuid and tid are the front end's tid), the
 * order given by sibling_order_rank under explicit ordering; a custom
 * track "aimcsim" with one instant at time 0 carrying the format and the
 * provenance; counter tracks under their process.  A span is a
 * TYPE_SLICE_BEGIN / TYPE_SLICE_END pair of track events on packet
 * sequence 1, its name and tag interned (InternedData event_names and
 * debug_annotation_string_values, sent with the first event that uses
 * them), args "id", "tag", "spans" as debug annotations.  Timestamps are
 * nanoseconds, Perfetto's unit: picoseconds divided by 1000, rounded down,
 * which keeps every order between the times of a track.
 *
 * Invariant: Perfetto sorts packets by timestamp and keeps the file order
 * of equal timestamps, and an END closes the innermost open slice of its
 * track; so, per track, the packets are written in start order (END of a
 * slice before the BEGIN of a later one).  A unit's own track holds its
 * spans until one arrives that starts at or after the end of all held
 * (then they are final: written sorted by start, longest first); shared
 * tracks come from the front end already final and in order.  Held spans
 * are few, except on the critical-path track, whose segments arrive
 * milestone by milestone, newest first (at most PF_HOLD_MAX per track,
 * beyond which they are written as they stand).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traces/chrome_int.h"

#define PF_HOLD_MAX (1u << 20)
#define PF_SEQ 1                     /* the one packet sequence */
#define PF_PROC ((uint64_t)1 << 32)  /* + pid: process track uuids */
#define PF_CTR ((uint64_t)2 << 32)   /* + index: counter track uuids */
#define PF_META ((uint64_t)3 << 32)  /* the "aimcsim" track */

/* TracePacket, TrackEvent, ... field numbers (Perfetto's protos). */
enum {
    TRACE_PACKET = 1,
    TP_TIMESTAMP = 8, TP_SEQ_ID = 10, TP_TRACK_EVENT = 11, TP_INTERNED = 12,
    TP_SEQ_FLAGS = 13, TP_TRACK_DESC = 60,
    SEQ_CLEARED = 1, SEQ_NEEDS = 2,
    TE_ANNOT = 4, TE_TYPE = 9, TE_NAME_IID = 10, TE_TRACK = 11, TE_NAME = 23, TE_DCOUNTER = 44,
    TYPE_BEGIN = 1, TYPE_END = 2, TYPE_INSTANT = 3, TYPE_COUNTER = 4,
    DA_NAME_IID = 1, DA_UINT = 3, DA_STRING = 6, DA_NAME = 10, DA_STRING_IID = 17,
    ID_EVENT_NAMES = 2, ID_ANNOT_NAMES = 3, ID_ANNOT_STRINGS = 29,
    IS_IID = 1, IS_STR = 2, /* EventName, DebugAnnotationName, InternedString */
    TD_UUID = 1, TD_NAME = 2, TD_PROCESS = 3, TD_THREAD = 4, TD_PARENT = 5, TD_COUNTER = 8,
    TD_RANK = 12, TD_PROC_ORDER = 19, TD_THREAD_ORDER = 20,
    PD_PID = 1, PD_NAME = 6, THD_PID = 1, THD_TID = 2, THD_NAME = 5,
};
enum { AN_ID = 1, AN_TAG = 2, AN_SPANS = 3 }; /* debug annotation name iids */
enum { SENT_NAME = 1, SENT_STRING = 2 };

typedef struct pspan {
    uint64_t s, e;
    int64_t id;
    uint32_t name, tag, seq;
} pspan;

typedef struct ptrack {
    pspan *v;
    uint32_t n, cap;
    uint64_t max_end;  /* latest end held */
} ptrack;

typedef struct penc {
    uint8_t *buf;      /* one packet */
    size_t cap;
    uint8_t *sent;     /* per name: SENT_* flags */
    uint32_t nsent;
    ptrack *tr;        /* per tid - 1 */
    uint32_t ntid, seq;
    uint32_t busy;     /* the name "busy" */
    uint64_t *ctr;     /* counter tracks: pid << 32 | name */
    uint32_t nctr;
} penc;

/* ---- wire format ---- */

static uint8_t *pb_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *pb_uint(uint8_t *p, uint32_t field, uint64_t v)
{
    return pb_varint(pb_varint(p, (uint64_t)field << 3), v);
}

static uint8_t *pb_bytes(uint8_t *p, uint32_t field, const char *s, size_t n)
{
    p = pb_varint(pb_varint(p, (uint64_t)field << 3 | 2), n);
    memcpy(p, s, n);
    return p + n;
}

/* A nested message: returns where its content starts (one byte kept for
 * its length); pb_close writes the length (moving the content when the
 * length needs more bytes) and returns the message's end. */
static uint8_t *pb_open(uint8_t *p, uint32_t field)
{
    return pb_varint(p, (uint64_t)field << 3 | 2) + 1;
}

static uint8_t *pb_close(uint8_t *start, uint8_t *end)
{
    size_t n = (size_t)(end - start);
    if (n < 0x80) {
        start[-1] = (uint8_t)n;
        return end;
    }
    uint8_t len[10];
    size_t k = (size_t)(pb_varint(len, n) - len);
    memmove(start - 1 + k, start, n);
    memcpy(start - 1, len, k);
    return start - 1 + k + n;
}

/* The packet buffer, with room for a packet of at most n bytes; packets
 * are built from buf + 8 so that their Trace.packet key and length fit
 * before them. */
static uint8_t *pk_begin(penc *e, size_t n)
{
    n += 64;
    if (n > e->cap) {
        e->cap = n * 2;
        free(e->buf);
        e->buf = xmalloc(e->cap);
    }
    return e->buf + 8;
}

static void pk_end(chrome_trace *t, uint8_t *end)
{
    penc *e = t->enc;
    uint8_t *start = e->buf + 8, head[12];
    size_t n = (size_t)(end - start);
    size_t h = (size_t)(pb_varint(pb_varint(head, TRACE_PACKET << 3 | 2), n) - head);
    memcpy(start - h, head, h);
    if (tout_write(t->o, start - h, h + n) < 0)
        chrome_fail(t, "write failed (disk full?)");
}

/* ---- packets ---- */

static uint8_t *interned(uint8_t *p, uint32_t field, uint64_t iid, const char *s, size_t n)
{
    uint8_t *m = pb_open(p, field);
    uint8_t *q = pb_uint(m, IS_IID, iid);
    q = pb_bytes(q, IS_STR, s, n);
    return pb_close(m, q);
}

static uint8_t *annot_uint(uint8_t *p, uint64_t name_iid, uint64_t v)
{
    uint8_t *m = pb_open(p, TE_ANNOT);
    uint8_t *q = pb_uint(m, DA_NAME_IID, name_iid);
    q = pb_uint(q, DA_UINT, v);
    return pb_close(m, q);
}

static void grow_sent(penc *e, uint32_t n)
{
    if (n <= e->nsent)
        return;
    uint32_t m = e->nsent ? e->nsent : 64;
    while (m < n)
        m *= 2;
    e->sent = xrealloc(e->sent, m);
    memset(e->sent + e->nsent, 0, m - e->nsent);
    e->nsent = m;
}

/* One slice: spans == 0 or 1 a span (with id >= 0 and tag + 1 if
 * nonzero), spans >= 2 a merged busy interval. */
static void slice(chrome_trace *t, uint32_t tid, uint64_t s, uint64_t end, uint32_t name,
                  int64_t id, uint32_t tag, uint32_t spans)
{
    penc *e = t->enc;
    if (spans >= 2) {
        name = e->busy;
        tag = 0;
    }
    grow_sent(e, t->nnames);
    const iname *nm = &t->names[name], *tg = tag ? &t->names[tag - 1] : NULL;
    int new_name = !(e->sent[name] & SENT_NAME);
    int new_tag = tg && !(e->sent[tag - 1] & SENT_STRING);
    uint8_t *p = pk_begin(e, 128 + (new_name ? nm->len : 0) + (new_tag ? tg->len : 0));
    p = pb_uint(p, TP_TIMESTAMP, s / 1000);
    p = pb_uint(p, TP_SEQ_ID, PF_SEQ);
    p = pb_uint(p, TP_SEQ_FLAGS, SEQ_NEEDS);
    if (new_name || new_tag) {
        uint8_t *m = pb_open(p, TP_INTERNED), *q = m;
        if (new_name)
            q = interned(q, ID_EVENT_NAMES, name + 1, nm->s, nm->len);
        if (new_tag)
            q = interned(q, ID_ANNOT_STRINGS, tag, tg->s, tg->len);
        p = pb_close(m, q);
        e->sent[name] |= SENT_NAME;
        if (new_tag)
            e->sent[tag - 1] |= SENT_STRING;
    }
    uint8_t *m = pb_open(p, TP_TRACK_EVENT);
    uint8_t *q = pb_uint(m, TE_TYPE, TYPE_BEGIN);
    q = pb_uint(q, TE_TRACK, tid);
    q = pb_uint(q, TE_NAME_IID, name + 1);
    if (spans >= 2) {
        q = annot_uint(q, AN_SPANS, spans);
    } else {
        if (id >= 0)
            q = annot_uint(q, AN_ID, (uint64_t)id);
        if (tg) {
            uint8_t *a = pb_open(q, TE_ANNOT);
            uint8_t *r = pb_uint(a, DA_NAME_IID, AN_TAG);
            r = pb_uint(r, DA_STRING_IID, tag);
            q = pb_close(a, r);
        }
    }
    pk_end(t, pb_close(m, q));

    p = pk_begin(e, 32);
    p = pb_uint(p, TP_TIMESTAMP, end / 1000);
    p = pb_uint(p, TP_SEQ_ID, PF_SEQ);
    m = pb_open(p, TP_TRACK_EVENT);
    q = pb_uint(m, TE_TYPE, TYPE_END);
    q = pb_uint(q, TE_TRACK, tid);
    pk_end(t, pb_close(m, q));
}

static int by_start(const void *a, const void *b)
{
    const pspan *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->e != y->e)
        return x->e > y->e ? -1 : 1; /* the enclosing slice first */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the spans held on a track, in start order. */
static void flush_track(chrome_trace *t, uint32_t tid)
{
    penc *e = t->enc;
    ptrack *k = &e->tr[tid - 1];
    if (k->n > 1)
        qsort(k->v, k->n, sizeof *k->v, by_start);
    for (uint32_t i = 0; i < k->n; i++)
        slice(t, tid, k->v[i].s, k->v[i].e, k->v[i].name, k->v[i].id, k->v[i].tag, 0);
    k->n = 0;
    k->max_end = 0;
}

static void pspan_ev(chrome_trace *t, uint32_t pid, uint32_t tid, uint64_t s, uint64_t end,
                     uint32_t name, int64_t id, uint32_t tag, uint32_t spans)
{
    (void)pid;
    penc *e = t->enc;
    if (spans) { /* a shared track's interval: final, in order */
        slice(t, tid, s, end, name, id, tag, spans);
        return;
    }
    ptrack *k = &e->tr[tid - 1];
    if (k->n && (s >= k->max_end || k->n >= PF_HOLD_MAX))
        flush_track(t, tid);
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 4;
        k->v = xrealloc(k->v, sizeof *k->v * k->cap);
    }
    k->v[k->n++] = (pspan){s, end, id, name, tag, e->seq++};
    if (end > k->max_end)
        k->max_end = end;
}

static uint8_t *desc_begin(penc *e, size_t n, uint8_t **m)
{
    uint8_t *p = pk_begin(e, n);
    *m = pb_open(p, TP_TRACK_DESC);
    return *m;
}

static void pbegin(chrome_trace *t)
{
    penc *e = xcalloc(1, sizeof *e);
    t->enc = e;
    for (int i = 0; i < t->ng; i++)
        e->ntid += t->g[i].ntracks;
    e->tr = xcalloc(e->ntid ? e->ntid : 1, sizeof *e->tr);
    e->busy = chrome_intern(t, "busy");

    /* The sequence's interned state starts here. */
    uint8_t *p = pk_begin(e, 64), *m, *q;
    p = pb_uint(p, TP_SEQ_ID, PF_SEQ);
    p = pb_uint(p, TP_SEQ_FLAGS, SEQ_CLEARED | SEQ_NEEDS);
    m = pb_open(p, TP_INTERNED);
    q = interned(m, ID_ANNOT_NAMES, AN_ID, "id", 2);
    q = interned(q, ID_ANNOT_NAMES, AN_TAG, "tag", 3);
    q = interned(q, ID_ANNOT_NAMES, AN_SPANS, "spans", 5);
    pk_end(t, pb_close(m, q));

    /* The root track: processes and threads in the order of their ranks. */
    q = desc_begin(e, 16, &m);
    q = pb_uint(q, TD_UUID, 0);
    q = pb_uint(q, TD_PROC_ORDER, 1);
    q = pb_uint(q, TD_THREAD_ORDER, 1);
    pk_end(t, pb_close(m, q));

    /* Provenance: an instant at 0 on the "aimcsim" track. */
    q = desc_begin(e, 32, &m);
    q = pb_uint(q, TD_UUID, PF_META);
    q = pb_bytes(q, TD_NAME, "aimcsim", 7);
    pk_end(t, pb_close(m, q));
    size_t n = 128;
    for (int i = 0; i < t->nmeta; i++)
        n += strlen(t->meta[i]) + 16;
    p = pk_begin(e, n);
    p = pb_uint(p, TP_TIMESTAMP, 0);
    p = pb_uint(p, TP_SEQ_ID, PF_SEQ);
    m = pb_open(p, TP_TRACK_EVENT);
    q = pb_uint(m, TE_TYPE, TYPE_INSTANT);
    q = pb_uint(q, TE_TRACK, PF_META);
    q = pb_bytes(q, TE_NAME, CHROME_PF_FORMAT, strlen(CHROME_PF_FORMAT));
    for (int i = -2; i < t->nmeta; i += 2) {
        const char *k = i < 0 ? "format" : t->meta[i], *v = i < 0 ? CHROME_PF_FORMAT : t->meta[i + 1];
        uint8_t *a = pb_open(q, TE_ANNOT);
        uint8_t *r = pb_bytes(a, DA_NAME, k, strlen(k));
        r = pb_bytes(r, DA_STRING, v, strlen(v));
        q = pb_close(a, r);
    }
    pk_end(t, pb_close(m, q));

    for (int i = 0; i < t->ng; i++) {
        tgroup *g = &t->g[i];
        uint32_t pid = (uint32_t)i + 1;
        size_t len = strlen(g->name);
        q = desc_begin(e, 64 + len, &m);
        q = pb_uint(q, TD_UUID, PF_PROC + pid);
        uint8_t *d = pb_open(q, TD_PROCESS);
        uint8_t *r = pb_uint(d, PD_PID, pid);
        r = pb_bytes(r, PD_NAME, g->name, len);
        q = pb_close(d, r);
        q = pb_uint(q, TD_RANK, (uint64_t)i);
        pk_end(t, pb_close(m, q));
        for (uint32_t k = 0; k < g->ntracks; k++) {
            char *nm = chrome_track_name(g, k);
            len = strlen(nm);
            q = desc_begin(e, 96 + len, &m);
            q = pb_uint(q, TD_UUID, g->tid0 + k);
            q = pb_uint(q, TD_PARENT, PF_PROC + pid);
            d = pb_open(q, TD_THREAD);
            r = pb_uint(d, THD_PID, pid);
            r = pb_uint(r, THD_TID, g->tid0 + k);
            r = pb_bytes(r, THD_NAME, nm, len);
            q = pb_close(d, r);
            q = pb_uint(q, TD_RANK, k);
            pk_end(t, pb_close(m, q));
            free(nm);
        }
    }
}

static void pcounter(chrome_trace *t, uint32_t pid, uint32_t name, uint64_t t_ps, double v)
{
    penc *e = t->enc;
    uint64_t key = (uint64_t)pid << 32 | name;
    uint32_t c = 0;
    while (c < e->nctr && e->ctr[c] != key)
        c++;
    uint8_t *p, *m, *q;
    if (c == e->nctr) { /* a new counter track */
        e->ctr = xrealloc(e->ctr, sizeof *e->ctr * (e->nctr + 1));
        e->ctr[e->nctr++] = key;
        const iname *nm = &t->names[name];
        q = desc_begin(e, 64 + nm->len, &m);
        q = pb_uint(q, TD_UUID, PF_CTR + c);
        q = pb_uint(q, TD_PARENT, PF_PROC + pid);
        q = pb_bytes(q, TD_NAME, nm->s, nm->len);
        q = pb_bytes(q, TD_COUNTER, "", 0);
        pk_end(t, pb_close(m, q));
    }
    if (!isfinite(v))
        v = 0;
    p = pk_begin(e, 48);
    p = pb_uint(p, TP_TIMESTAMP, t_ps / 1000);
    p = pb_uint(p, TP_SEQ_ID, PF_SEQ);
    m = pb_open(p, TP_TRACK_EVENT);
    q = pb_uint(m, TE_TYPE, TYPE_COUNTER);
    q = pb_uint(q, TE_TRACK, PF_CTR + c);
    q = pb_varint(q, (uint64_t)TE_DCOUNTER << 3 | 1);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; i++)
        *q++ = (uint8_t)(bits >> (8 * i));
    pk_end(t, pb_close(m, q));
}

static void pend_trace(chrome_trace *t)
{
    penc *e = t->enc;
    for (uint32_t tid = 1; tid <= e->ntid && !t->failed; tid++)
        if (e->tr[tid - 1].n)
            flush_track(t, tid);
}

static void pfree(chrome_trace *t)
{
    penc *e = t->enc;
    if (!e)
        return;
    for (uint32_t i = 0; i < e->ntid; i++)
        free(e->tr[i].v);
    free(e->tr);
    free(e->sent);
    free(e->ctr);
    free(e->buf);
    free(e);
    t->enc = NULL;
}

const chrome_ops chrome_pf_ops = {"perfetto", ".pftrace", CHROME_PF_FORMAT, pbegin, pspan_ev,
                                  pcounter, pend_trace, pfree};
