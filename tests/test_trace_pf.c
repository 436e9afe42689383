/* test_trace_pf.c -- the timeline trace in Perfetto's protobuf format
 * (traces/chrome_pf.c), read back as Perfetto reads it: packets decoded,
 * names resolved through the interned data, events sorted by timestamp
 * with ties in file order, each END closing the innermost open slice of
 * its track.  Every slice must then be the JSON trace's event of the same
 * run, times in whole nanoseconds (rounded down). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/util.h"
#include "tests/testutil.h"
#include "traces/chrome.h"
#include "traces/tout.h"

/* A slice as both formats describe it. */
typedef struct sl {
    uint64_t track, s_ns, e_ns;
    int64_t id;        /* -1: none */
    uint64_t spans;    /* 0: none */
    char name[64], tag[64];
} sl;

typedef struct slices {
    sl *v;
    size_t n, cap;
    char tracks[4096]; /* "tid=name;" of every thread track, in file order */
    char procs[1024];  /* "pid=name;" */
} slices;

static void push(slices *s, const sl *x)
{
    if (s->n == s->cap)
        s->v = realloc(s->v, sizeof *s->v * (s->cap = s->cap ? 2 * s->cap : 256));
    s->v[s->n++] = *x;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    cr_assert_not_null(g, "%s", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    int k;
    while ((k = gzread(g, b + n, (unsigned)(cap - n))) > 0)
        if ((n += (size_t)k) == cap)
            b = realloc(b, cap *= 2);
    gzclose(g);
    *len = n;
    return b;
}

/* ---- protobuf ---- */

typedef struct pb {
    const unsigned char *p, *end;
} pb;

static uint64_t varint(pb *b)
{
    uint64_t v = 0;
    for (int sh = 0; b->p < b->end; sh += 7) {
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            return v;
    }
    cr_assert_fail("truncated varint");
    return 0;
}

/* Next field: its number, wire type, varint value or bytes. */
static int field(pb *b, uint32_t *num, int *wt, uint64_t *v, pb *sub)
{
    if (b->p >= b->end)
        return 0;
    uint64_t key = varint(b);
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    if (*wt == 0) {
        *v = varint(b);
    } else if (*wt == 2) {
        uint64_t n = varint(b);
        cr_assert(n <= (uint64_t)(b->end - b->p), "length %" PRIu64 " past the end", n);
        sub->p = b->p;
        sub->end = b->p + n;
        b->p += n;
    } else if (*wt == 1) {
        cr_assert(b->end - b->p >= 8);
        memcpy(v, b->p, 8);
        b->p += 8;
    } else {
        cr_assert_fail("wire type %d", *wt);
    }
    return 1;
}

static void str(char *dst, size_t cap, const pb *s)
{
    size_t n = (size_t)(s->end - s->p);
    cr_assert(n < cap, "string of %zu bytes", n);
    memcpy(dst, s->p, n);
    dst[n] = 0;
}

#define MAXI 4096
typedef struct ev {
    uint64_t ts, pos, track;
    int type;
    int64_t id;
    uint64_t spans, name_iid, tag_iid;
} ev;

/* Decodes a protobuf trace into slices, as Perfetto would build them. */
static void read_pf(const char *path, slices *out)
{
    size_t len;
    unsigned char *buf = read_all(path, &len);
    cr_assert(len > 0 && buf[0] == 0x0a, "a Trace starts with packet field 1");
    static char names[MAXI][64], strs[MAXI][64], anames[16][16];
    memset(names, 0, sizeof names);
    memset(strs, 0, sizeof strs);
    ev *evs = NULL;
    size_t nev = 0, cap = 0;
    int cleared = 0;
    pb t = {buf, buf + len}, pk, f, g, h;
    uint32_t num, n2, n3, n4;
    int wt, w2, w3, w4;
    uint64_t v, v2, v3, v4;
    while (field(&t, &num, &wt, &v, &pk)) {
        cr_assert_eq(num, 1);
        cr_assert_eq(wt, 2);
        ev e = {0, nev, 0, 0, -1, 0, 0, 0};
        int has_te = 0, seq = 0, flags = 0;
        while (field(&pk, &num, &wt, &v, &f)) {
            if (num == 8) {
                e.ts = v;
            } else if (num == 10) {
                seq = (int)v;
            } else if (num == 13) {
                flags = (int)v;
            } else if (num == 12) { /* InternedData */
                while (field(&f, &n2, &w2, &v2, &g)) {
                    uint64_t iid = 0;
                    char s[64] = "";
                    while (field(&g, &n3, &w3, &v3, &h)) {
                        if (n3 == 1)
                            iid = v3;
                        else if (n3 == 2)
                            str(s, sizeof s, &h);
                    }
                    cr_assert(iid > 0 && iid < MAXI);
                    if (n2 == 2)
                        strcpy(names[iid], s);
                    else if (n2 == 29)
                        strcpy(strs[iid], s);
                    else if (n2 == 3 && iid < 16)
                        strcpy(anames[iid], s);
                }
            } else if (num == 60) { /* TrackDescriptor */
                uint64_t uuid = 0;
                char nm[128] = "";
                int pid = 0, kind = 0;
                while (field(&f, &n2, &w2, &v2, &g)) {
                    if (n2 == 1)
                        uuid = v2;
                    if (n2 == 3 || n2 == 4) {
                        kind = (int)n2;
                        while (field(&g, &n3, &w3, &v3, &h)) {
                            if (n3 == 1)
                                pid = (int)v3;
                            if ((n2 == 3 && n3 == 6) || (n2 == 4 && n3 == 5))
                                str(nm, sizeof nm, &h);
                        }
                    }
                }
                char one[200];
                if (kind == 4) {
                    snprintf(one, sizeof one, "%" PRIu64 "=%s;", uuid, nm);
                    strncat(out->tracks, one, sizeof out->tracks - strlen(out->tracks) - 1);
                } else if (kind == 3) {
                    snprintf(one, sizeof one, "%d=%s;", pid, nm);
                    strncat(out->procs, one, sizeof out->procs - strlen(out->procs) - 1);
                }
            } else if (num == 11) { /* TrackEvent */
                has_te = 1;
                while (field(&f, &n2, &w2, &v2, &g)) {
                    if (n2 == 9)
                        e.type = (int)v2;
                    else if (n2 == 11)
                        e.track = v2;
                    else if (n2 == 10)
                        e.name_iid = v2;
                    else if (n2 == 4) { /* DebugAnnotation */
                        uint64_t an = 0, uv = 0, siid = 0;
                        while (field(&g, &n3, &w3, &v3, &h)) {
                            if (n3 == 1)
                                an = v3;
                            else if (n3 == 3)
                                uv = v3;
                            else if (n3 == 17)
                                siid = v3;
                        }
                        (void)n4, (void)w4, (void)v4;
                        if (an && !strcmp(anames[an], "id"))
                            e.id = (int64_t)uv;
                        else if (an && !strcmp(anames[an], "tag"))
                            e.tag_iid = siid;
                        else if (an && !strcmp(anames[an], "spans"))
                            e.spans = uv;
                    }
                }
            }
        }
        if (seq == 1 && (flags & 1))
            cleared = 1;
        if (has_te && (e.type == 1 || e.type == 2)) {
            cr_assert_eq(seq, 1, "slice events on sequence 1");
            cr_assert(cleared, "incremental state cleared before use");
            if (e.type == 1) { /* names must be known when the packet is read */
                cr_assert(flags & 2, "a BEGIN uses interned names");
                cr_assert(e.name_iid && names[e.name_iid][0], "name iid %" PRIu64, e.name_iid);
                cr_assert(!e.tag_iid || strs[e.tag_iid][0], "tag iid %" PRIu64, e.tag_iid);
            }
            if (nev == cap)
                evs = realloc(evs, sizeof *evs * (cap = cap ? 2 * cap : 1024));
            evs[nev++] = e;
        }
    }
    /* Perfetto's order: timestamp, then file position. */
    for (size_t i = 1; i < nev; i++) { /* insertion sort is stable; small traces */
        ev x = evs[i];
        size_t j = i;
        while (j > 0 && evs[j - 1].ts > x.ts) {
            evs[j] = evs[j - 1];
            j--;
        }
        evs[j] = x;
    }
    ev *stack[512];
    uint64_t stack_track[512];
    int depth = 0;
    for (size_t i = 0; i < nev; i++) {
        ev *e = &evs[i];
        if (e->type == 1) {
            cr_assert(depth < 512);
            stack[depth] = e;
            stack_track[depth++] = e->track;
            continue;
        }
        int k = depth - 1; /* the innermost open slice of this track */
        while (k >= 0 && stack_track[k] != e->track)
            k--;
        cr_assert(k >= 0, "END with no open slice on track %" PRIu64 " at %" PRIu64, e->track, e->ts);
        ev *b = stack[k];
        memmove(stack + k, stack + k + 1, sizeof *stack * (size_t)(depth - k - 1));
        memmove(stack_track + k, stack_track + k + 1, sizeof *stack_track * (size_t)(depth - k - 1));
        depth--;
        sl x;
        memset(&x, 0, sizeof x);
        x.track = b->track;
        x.s_ns = b->ts;
        x.e_ns = e->ts;
        x.id = b->id;
        x.spans = b->spans;
        snprintf(x.name, sizeof x.name, "%s", names[b->name_iid]);
        if (b->tag_iid)
            snprintf(x.tag, sizeof x.tag, "%s", strs[b->tag_iid]);
        push(out, &x);
    }
    cr_expect_eq(depth, 0, "every slice closed");
    free(evs);
    free(buf);
}

/* ---- JSON (one event per line, as chrome_json.c writes it) ---- */

static uint64_t us_to_ps(const char *s)
{
    uint64_t whole = strtoull(s, (char **)&s, 10), frac = 0;
    cr_assert_eq(*s, '.');
    for (int i = 0; i < 6; i++)
        frac = frac * 10 + (uint64_t)(*++s - '0');
    return whole * 1000000 + frac;
}

static void jstr(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    for (s++; *s && *s != '"' && n + 1 < cap; s++)
        dst[n++] = *s == '\\' ? *++s : *s;
    dst[n] = 0;
}

static void read_json(const char *path, slices *out)
{
    size_t len;
    char *buf = (char *)read_all(path, &len);
    buf = realloc(buf, len + 1);
    buf[len] = 0;
    for (char *line = buf, *next; line && *line; line = next) {
        char *q;
        if ((next = strchr(line, '\n')))
            *next++ = 0; /* each search stays within its line */
        if (!strncmp(line, "{\"ph\":\"M\"", 9) && (q = strstr(line, "\"thread_name\""))) {
            char nm[128], one[200];
            jstr(nm, sizeof nm, strstr(q, "{\"name\":") + 8);
            snprintf(one, sizeof one, "%llu=%s;", strtoull(strstr(line, "\"tid\":") + 6, NULL, 10), nm);
            strncat(out->tracks, one, sizeof out->tracks - strlen(out->tracks) - 1);
        } else if (!strncmp(line, "{\"ph\":\"M\"", 9) && (q = strstr(line, "\"process_name\""))) {
            char nm[128], one[200];
            jstr(nm, sizeof nm, strstr(q, "{\"name\":") + 8);
            snprintf(one, sizeof one, "%llu=%s;", strtoull(line + 16, NULL, 10), nm);
            strncat(out->procs, one, sizeof out->procs - strlen(out->procs) - 1);
        } else if (!strncmp(line, "{\"ph\":\"X\"", 9)) {
            sl x;
            memset(&x, 0, sizeof x);
            x.track = strtoull(strstr(line, "\"tid\":") + 6, NULL, 10);
            uint64_t s = us_to_ps(strstr(line, "\"ts\":") + 5), d = us_to_ps(strstr(line, "\"dur\":") + 6);
            x.s_ns = s / 1000;
            x.e_ns = (s + d) / 1000;
            jstr(x.name, sizeof x.name, strstr(line, "\"name\":") + 7);
            x.id = (q = strstr(line, "\"id\":")) ? (int64_t)strtoll(q + 5, NULL, 10) : -1;
            if ((q = strstr(line, "\"tag\":")))
                jstr(x.tag, sizeof x.tag, q + 6);
            x.spans = (q = strstr(line, "\"spans\":")) ? strtoull(q + 8, NULL, 10) : 0;
            push(out, &x);
        }
    }
    free(buf);
}

static int cmp_sl(const void *a, const void *b)
{
    const sl *x = a, *y = b;
#define C(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
    C(track);
    C(s_ns);
    C(e_ns);
    C(id);
    C(spans);
#undef C
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->tag, y->tag);
}

/* The protobuf trace at pf holds exactly the JSON trace's slices. */
static void same_slices(const char *pf, const char *json, size_t at_least)
{
    slices a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    read_pf(pf, &a);
    read_json(json, &b);
    cr_expect_str_eq(a.tracks, b.tracks);
    cr_expect_str_eq(a.procs, b.procs);
    cr_expect_geq(b.n, at_least);
    cr_assert_eq(a.n, b.n, "%zu slices in %s, %zu in %s", a.n, pf, b.n, json);
    qsort(a.v, a.n, sizeof *a.v, cmp_sl);
    qsort(b.v, b.n, sizeof *b.v, cmp_sl);
    for (size_t i = 0; i < a.n; i++) {
        const sl *x = &a.v[i], *y = &b.v[i];
        cr_assert(!cmp_sl(x, y),
                  "slice %zu: track %" PRIu64 " [%" PRIu64 ", %" PRIu64 ") %s id %" PRId64 " tag %s spans %" PRIu64
                  " vs track %" PRIu64 " [%" PRIu64 ", %" PRIu64 ") %s id %" PRId64 " tag %s spans %" PRIu64,
                  i, x->track, x->s_ns, x->e_ns, x->name, x->id, x->tag, x->spans, y->track, y->s_ns,
                  y->e_ns, y->name, y->id, y->tag, y->spans);
    }
    free(a.v);
    free(b.v);
}

/* The offset past the first n packets of a trace. */
static size_t past_packets(const unsigned char *buf, size_t len, int n)
{
    pb t = {buf, buf + len}, sub;
    uint32_t num;
    int wt;
    uint64_t v;
    for (int i = 0; i < n; i++)
        cr_assert(field(&t, &num, &wt, &v, &sub));
    return (size_t)(t.p - buf);
}

/* The same spans through the writer in each format. */
static void write_both(const char *base, int format, uint64_t gz_above)
{
    char err[ERR_LEN];
    chrome_trace *t = chrome_open(base, format, 8, gz_above, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    int tiles = chrome_group(t, "tiles", "tile", 3);
    int links = chrome_group(t, "links \"mesh\"", "link", 8); /* shared: 8 units, 2 tracks */
    int crit = chrome_group(t, "critical path", "crit", 1);
    chrome_unit_name(t, tiles, 1, "tile \"one\"");
    chrome_meta(t, "command", "aimcsim run x.ini");
    /* tile 0: in order, touching, nested, sub-ns and zero-length spans */
    chrome_span(t, tiles, 0, "act", 1000, 5000, 1, "h0.attn.c_attn");
    chrome_span(t, tiles, 0, "act", 5000, 9000, 2, "h0.attn.c_attn");
    chrome_span(t, tiles, 0, "sub", 5500, 7000, 3, NULL);
    chrome_span(t, tiles, 0, "act", 9000, 9400, 4, "h0.mlp.c_fc");
    chrome_span(t, tiles, 0, "dot", 9400, 9400, -1, NULL);
    chrome_span(t, tiles, 0, "act", 9400, 12000, 5, "h0.mlp.c_fc");
    /* the critical path: segments of a milestone newest first, twice */
    for (int m = 0; m < 2; m++)
        for (int i = 9; i >= 0; i--)
            chrome_span(t, crit, 0, i % 2 ? "integration" : "adc_wait", (uint64_t)(m * 10 + i) * 1500,
                        (uint64_t)(m * 10 + i + 1) * 1500, 100 + i, "h1.attn.c_proj");
    /* shared link tracks: overlapping spans merge into busy intervals */
    uint64_t x = 0x2545F4914F6CDD1DULL;
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t s = (uint64_t)i * 700 + x % 900;
        chrome_span(t, links, (uint32_t)(x >> 40) % 8, "flits", s, s + 200 + (x >> 20) % 1500, i,
                    "xfer");
    }
    chrome_span(t, tiles, 2, "late", 1000000, 2000000, 7, "embed");
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
}

Test(trace_pf, slices_read_back_equal_the_json_events)
{
    char *d = tu_mkdtemp("pf");
    char *pf = xasprintf("%s/t.pftrace", d), *js = xasprintf("%s/t.json", d);
    write_both(pf, CHROME_PERFETTO, TOUT_NEVER);
    write_both(js, CHROME_JSON, TOUT_NEVER);
    same_slices(pf, js, 40);
    /* gzip past the size: the same bytes once decompressed */
    char *base = xasprintf("%s/z.pftrace", d), *gz = xasprintf("%s/z.pftrace.gz", d);
    write_both(base, CHROME_PERFETTO, 0);
    cr_expect_eq(access(base, F_OK), -1);
    size_t n1, n2;
    unsigned char *a = read_all(pf, &n1), *b = read_all(gz, &n2);
    cr_expect(n1 == n2 && !memcmp(a, b, n1), "gzip trace differs from the plain one");
    free(a);
    free(b);
    tu_rmtree(d);
    free(d);
    free(pf);
    free(js);
    free(base);
    free(gz);
}

/* A whole run: the protobuf trace has the JSON trace's slices, and the
 * same bytes on both kernel backends. */
Test(trace_pf, a_run_traced_in_both_formats_and_kernels, .timeout = 120)
{
    char *d = tu_mkdtemp("pfrun");
    const char *cfg = "configs/experiments/gpt2-small-densemap.ini --set run.prompt_tokens=3 "
                      "--set run.decode_tokens=2 --set trace.max_tracks=64 --trace --quiet";
    char *cmd[3];
    cmd[0] = xasprintf("%s run %s --set run.kernel=native --out %s/pn", tu_prog(), cfg, d);
    cmd[1] = xasprintf("%s run %s --set run.kernel=systemc --out %s/ps", tu_prog(), cfg, d);
    cmd[2] = xasprintf("%s run %s --set run.kernel=native --set trace.format=json --out %s/j",
                       tu_prog(), cfg, d);
    for (int i = 0; i < 3; i++) {
        char *err = NULL;
        cr_assert_eq(tu_sh(cmd[i], NULL, &err), 0, "%s: %s", cmd[i], err);
        free(err);
        free(cmd[i]);
    }
    char *pn = xasprintf("%s/pn/trace.pftrace", d), *ps = xasprintf("%s/ps/trace.pftrace", d);
    char *js = xasprintf("%s/j/trace.json", d);
    size_t n1, n2;
    unsigned char *a = read_all(pn, &n1), *b = read_all(ps, &n2);
    /* The fourth packet is the provenance (its command line names the
     * kernel); everything after it must be the same bytes. */
    size_t o1 = past_packets(a, n1, 4), o2 = past_packets(b, n2, 4);
    cr_expect(n1 - o1 == n2 - o2 && !memcmp(a + o1, b + o2, n1 - o1),
              "native and systemc traces differ");
    free(a);
    free(b);
    same_slices(pn, js, 1000);
    tu_rmtree(d);
    free(d);
    free(pn);
    free(ps);
    free(js);
}
