/*
 * cmdstream_read.c -- the streaming command-stream reader (format in
 * docs/command-stream.md; writer and shared checks in cmdstream.c).
 *
 * Invariant: the reader holds one window of the file in a buffer that only
 * grows to hold the longest line (at most CMDSTREAM_LINE_MAX + 2 bytes), and
 * one dependency array that only grows to the longest list; nothing else
 * grows with the body, so memory is independent of the number of commands.
 * Every command returned has passed cmdstream_check_cmd; every error is
 * "file:line: ..." and sticky.  zlib reads plain files transparently, so
 * plain and gzip streams take the same path; a gzip error (truncation,
 * corruption) is reported when the data before it has been consumed.
 */
#include "traces/cmdstream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sim/util.h"

#define CMDR_BUF0 (256 * 1024)
#define CMDR_BUF_MAX ((size_t)CMDSTREAM_LINE_MAX + 2)

struct cmdr {
    gzFile gz;
    char *path;
    cmdstream_header h;     /* points into tags, prov */
    cmd_tag *tags;
    uint32_t tags_cap;
    cmdstream_prov *prov;
    uint32_t prov_cap;
    char *buf;              /* bytes [pos, len) not yet consumed */
    size_t cap, pos, len;
    int eof;                /* gzread has returned everything */
    int gz_failed;          /* the data ended with a gzip error (in gz_msg) */
    char gz_msg[256];
    uint64_t line;          /* lines consumed */
    char *pend;             /* first body line, read while parsing the header */
    uint64_t next_id;
    uint64_t *deps;
    uint32_t deps_cap;
    int state;              /* 0 reading commands, 1 finished, -1 failed */
    char errmsg[ERR_LEN];
};

static int rfail(cmdr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(cmdr *r, const char *fmt, ...)
{
    int n = snprintf(r->errmsg, sizeof r->errmsg, "%s:%" PRIu64 ": ", r->path, r->line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof r->errmsg)
        vsnprintf(r->errmsg + n, sizeof r->errmsg - (size_t)n, fmt, ap);
    va_end(ap);
    r->state = -1;
    return -1;
}

/* Reads into buf after len; notes a gzip error for later. */
static void fill(cmdr *r)
{
    unsigned want = (unsigned)(r->cap - 1 - r->len);
    int k = gzread(r->gz, r->buf + r->len, want);
    if (k > 0)
        r->len += (size_t)k;
    if (k < (int)want) {
        int errnum = Z_OK;
        const char *m = gzerror(r->gz, &errnum);
        if (k < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
            size_t pl = strlen(r->path); /* zlib's message starts with "path: " */
            if (m && !strncmp(m, r->path, pl) && !strncmp(m + pl, ": ", 2))
                m += pl + 2;
            r->gz_failed = 1;
            snprintf(r->gz_msg, sizeof r->gz_msg, "%s",
                     errnum == Z_ERRNO ? strerror(errno) : m && *m ? m : "unknown zlib error");
        }
        r->eof = 1;
    }
}

/* Next line, NUL-terminated, newline and a trailing CR removed: 1, 0 at
 * the end of the file, -1 on error.  *s is valid until the next call. */
static int read_line(cmdr *r, char **s)
{
    for (;;) {
        char *b = r->buf + r->pos;
        size_t avail = r->len - r->pos;
        char *nl = memchr(b, '\n', avail);
        if (nl || (r->eof && !r->gz_failed && avail)) {
            size_t n = nl ? (size_t)(nl - b) : avail;
            r->line++;
            if (n > CMDSTREAM_LINE_MAX)
                return rfail(r, "line longer than %d characters (expected at most %d per line)",
                         CMDSTREAM_LINE_MAX, CMDSTREAM_LINE_MAX);
            r->pos += nl ? n + 1 : n;
            if (memchr(b, 0, n))
                return rfail(r, "NUL byte in the line (expected text)");
            if (n && b[n - 1] == '\r')
                n--;
            b[n] = 0;  /* the newline's place, or the spare byte after len */
            *s = b;
            return 1;
        }
        if (r->eof) {
            if (r->gz_failed) {
                r->line++;
                return rfail(r, "truncated or corrupt gzip data: %s (expected a complete gzip stream)",
                             r->gz_msg);
            }
            return 0;
        }
        if (avail > CMDSTREAM_LINE_MAX) {
            r->line++;
            return rfail(r, "line longer than %d characters (expected at most %d per line)",
                         CMDSTREAM_LINE_MAX, CMDSTREAM_LINE_MAX);
        }
        memmove(r->buf, b, avail);
        r->pos = 0;
        r->len = avail;
        if (r->len + 1 >= r->cap && r->cap < CMDR_BUF_MAX) {
            r->cap = r->cap * 2 < CMDR_BUF_MAX ? r->cap * 2 : CMDR_BUF_MAX;
            r->buf = xrealloc(r->buf, r->cap);
        }
        fill(r);
    }
}

/* Splits off the next token (NUL-terminated in place); "" at the end. */
static char *tok(char **pp)
{
    char *p = *pp;
    while (*p == ' ' || *p == '\t')
        p++;
    char *s = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    if (*p)
        *p++ = 0;
    *pp = p;
    return s;
}

/* The first control character of s other than tab (or, with no_tab,
 * including tab), or 0.  Command lines need no such check: every token of
 * a command is parsed strictly, so a stray byte is already an error. */
static int control_char(const char *s, int no_tab)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch < 0x20 && (ch != '\t' || no_tab)) || ch == 0x7f)
            return ch;
    }
    return 0;
}

static int blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s || *s == '#';
}

/* Leading decimal digits of s, at most max: the end of the digits, or NULL
 * (no digit, or over max). */
static const char *num(const char *s, uint64_t max, uint64_t *v)
{
    if (*s < '0' || *s > '9')
        return NULL;
    uint64_t x = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (x > (max - d) / 10)
            return NULL;
        x = x * 10 + d;
    }
    *v = x;
    return s;
}

/* A whole string of decimal digits, at most max: 0, or -1. */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
    s = num(s, max, v);
    return s && !*s ? 0 : -1;
}

/* ---- header ---- */

static int parse_units(cmdr *r, char *p)
{
    static const char *const want = "'units tile=N cluster=N sram=N dram=N', each kind once";
    int seen[UNIT_KINDS] = {0};
    for (char *t = tok(&p); *t; t = tok(&p)) {
        char *eq = strchr(t, '=');
        int k = -1;
        uint64_t v;
        if (eq) {
            *eq = 0;
            k = cmd_unit_kind_parse(t);
            *eq = '=';
        }
        if (k < 0 || k == UNIT_NONE || seen[k] ||
            parse_u64(eq + 1, CMDSTREAM_UNITS_MAX, &v))
            return rfail(r, "bad units entry '%.60s' (expected %s, N <= %u)", t, want,
                         CMDSTREAM_UNITS_MAX);
        seen[k] = 1;
        r->h.units[k] = (uint32_t)v;
    }
    for (int k = 0; k < UNIT_NONE; k++)
        if (!seen[k])
            return rfail(r, "units: missing %s= (expected %s)", cmd_unit_kind_name(k), want);
    r->h.units_line = (uint32_t)r->line;
    return 0;
}

static int parse_tag(cmdr *r, char *p)
{
    char *si = tok(&p), *sl = tok(&p), *name = tok(&p);
    uint64_t idx, lay = 0;
    if (!*name || *tok(&p))
        return rfail(r, "bad tag line (expected 'tag INDEX LAYER NAME')");
    if (parse_u64(si, UINT32_MAX - 1, &idx) || idx != r->h.ntags)
        return rfail(r, "tag %.60s out of sequence (expected tag %" PRIu32 ": tags are numbered from 0)",
                     si, r->h.ntags);
    int neg = !strcmp(sl, "-1");
    if (!neg && parse_u64(sl, INT32_MAX, &lay))
        return rfail(r, "tag %" PRIu64 ": bad layer '%.60s' (expected an integer >= -1)", idx, sl);
    if (strlen(name) > CMDSTREAM_NAME_MAX)
        return rfail(r, "tag %" PRIu64 ": name longer than %d characters", idx, CMDSTREAM_NAME_MAX);
    if (!cmdstream_name_ok(name))
        return rfail(r, "tag %" PRIu64 ": control character 0x%02x in the name (expected 1..%d "
                        "printable characters without spaces)",
                     idx, control_char(name, 1), CMDSTREAM_NAME_MAX);
    if (r->h.ntags == r->tags_cap) {
        r->tags_cap = r->tags_cap ? r->tags_cap * 2 : 64;
        r->tags = xrealloc(r->tags, sizeof *r->tags * r->tags_cap);
    }
    r->tags[r->h.ntags].name = xstrdup(name);
    r->tags[r->h.ntags].layer = neg ? -1 : (int32_t)lay;
    r->h.ntags++;
    r->h.tags = r->tags;
    return 0;
}

static int parse_prov(cmdr *r, char *p)
{
    char *key = tok(&p);
    if (!*key || strlen(key) > CMDSTREAM_NAME_MAX)
        return rfail(r, "bad prov line (expected 'prov KEY VALUE')");
    if (!cmdstream_key_ok(key)) {
        int ch = control_char(key, 1);
        if (ch)
            return rfail(r, "prov: control character 0x%02x in the key (expected 1..%d of A-Z "
                            "a-z 0-9 _ . -)", ch, CMDSTREAM_NAME_MAX);
        return rfail(r, "prov: bad key '%.60s' (expected 1..%d of A-Z a-z 0-9 _ . -)", key,
                     CMDSTREAM_NAME_MAX);
    }
    const char *v = p;
    while (*v == ' ' || *v == '\t')
        v++;
    int ch = control_char(v, 1);
    if (ch)
        return rfail(r, "prov %.60s: control character 0x%02x in the value (expected "
                        "printable text)", key, ch);
    if (r->h.nprov == r->prov_cap) {
        r->prov_cap = r->prov_cap ? r->prov_cap * 2 : 8;
        r->prov = xrealloc(r->prov, sizeof *r->prov * r->prov_cap);
    }
    r->prov[r->h.nprov].key = xstrdup(key);
    r->prov[r->h.nprov].value = xstrdup(p);
    r->h.nprov++;
    r->h.prov = r->prov;
    return 0;
}

static int parse_header(cmdr *r)
{
    char *s;
    int k = read_line(r, &s);
    if (k < 0)
        return -1;
    char want[32];
    snprintf(want, sizeof want, "%s %d", CMDSTREAM_FORMAT, CMDSTREAM_VERSION);
    if (!k) {
        r->line++;
        return rfail(r, "missing header (expected '%s')", want);
    }
    char *p = s, *f = tok(&p), *v = tok(&p);
    uint64_t ver;
    if (strcmp(f, CMDSTREAM_FORMAT) || parse_u64(v, INT32_MAX, &ver) || *tok(&p))
        return rfail(r, "missing header (expected '%s')", want);
    if (ver < CMDSTREAM_VERSION_MIN || ver > CMDSTREAM_VERSION)
        return rfail(r, "unsupported format version %" PRIu64 " (expected %d to %d)", ver,
                     CMDSTREAM_VERSION_MIN, CMDSTREAM_VERSION);
    r->h.version = (int)ver;
    int have_units = 0;
    for (;;) {
        k = read_line(r, &s);
        if (k < 0)
            return -1;
        if (!k) {
            r->line++;
            return rfail(r, "unexpected end of file (expected 'end 0')");
        }
        if (blank_or_comment(s)) {
            int ch = control_char(s, 0);
            if (ch)
                return rfail(r, "control character 0x%02x in a comment (expected text)", ch);
            continue;
        }
        p = s;
        while (*p == ' ' || *p == '\t')
            p++;
        if ((*p >= '0' && *p <= '9') || (!strncmp(p, "end", 3) && (!p[3] || p[3] == ' ' || p[3] == '\t'))) {
            if (!have_units)
                return rfail(r, "no units line before the commands (expected 'units tile=N cluster=N sram=N dram=N')");
            r->pend = s;
            return 0;
        }
        char *kw = tok(&p);
        if (!strcmp(kw, "units")) {
            if (have_units)
                return rfail(r, "second units line (expected one)");
            if (parse_units(r, p))
                return -1;
            have_units = 1;
        } else if (!strcmp(kw, "tag")) {
            if (parse_tag(r, p))
                return -1;
        } else if (!strcmp(kw, "prov")) {
            if (parse_prov(r, p))
                return -1;
        } else {
            return rfail(r, "unknown header line '%.60s' (expected units, tag, prov, # comment, a command or 'end N')",
                         kw);
        }
    }
}

cmdr *cmdr_open(const char *path, char *err, size_t errlen)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        errf(err, errlen, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
        return NULL;
    }
    gzbuffer(gz, 128 * 1024);
    cmdr *r = xcalloc(1, sizeof *r);
    r->gz = gz;
    r->path = xstrdup(path);
    r->h.path = r->path;
    r->cap = CMDR_BUF0;
    r->buf = xmalloc(r->cap);
    if (parse_header(r)) {
        errf(err, errlen, "%s", r->errmsg);
        cmdr_close(r);
        return NULL;
    }
    return r;
}

const cmdstream_header *cmdr_header(const cmdr *r) { return &r->h; }
size_t cmdr_mem_bytes(const cmdr *r) { return r->cap + sizeof *r->deps * r->deps_cap; }
uint64_t cmdr_line(const cmdr *r) { return r->line; }

/* ---- commands ---- */

/* The next token, which must be key=VALUE; returns VALUE or NULL (error
 * set).  what describes VALUE. */
static char *field(cmdr *r, char **pp, const char *op, const char *key, const char *what)
{
    char *t = tok(pp);
    size_t i = 0;
    while (key[i] && t[i] == key[i])
        i++;
    if (!key[i] && t[i] == '=')
        return t + i + 1;
    if (!*t)
        rfail(r, "%s: missing %s= (expected %s=%s)", op, key, key, what);
    else
        rfail(r, "%s: unexpected '%.60s' (expected %s=%s)", op, t, key, what);
    return NULL;
}

static int bad(cmdr *r, const char *op, const char *key, const char *v, const char *what)
{
    return rfail(r, "%s: bad %s=%.60s (expected %s=%s)", op, key, v, key, what);
}

#define W_SET "LO:N[,LO:N]... (start:count, at most 8 ranges)"
#define W_U32 "N, a decimal integer < 2^32"
#define W_U64 "N, a decimal integer < 2^64"
#define W_UNIT "tileN, clusterN, sramN or dramN"

static int parse_set(cmdr *r, char **pp, const char *op, const char *key, cmd_set *s)
{
    char *v = field(r, pp, op, key, W_SET);
    if (!v)
        return -1;
    const char *p = v;
    s->nranges = 0;
    for (;;) {
        uint64_t lo, n;
        if (s->nranges == CMD_MAX_RANGES || !(p = num(p, UINT32_MAX, &lo)) || *p++ != ':' ||
            !(p = num(p, UINT32_MAX, &n)) || (*p && *p != ','))
            return bad(r, op, key, v, W_SET);
        s->r[s->nranges].lo = (uint32_t)lo;
        s->r[s->nranges].n = (uint32_t)n;
        s->nranges++;
        if (!*p++)
            return 0;
    }
}

static int parse_num(cmdr *r, char **pp, const char *op, const char *key, uint64_t max,
                     const char *what, uint64_t *v)
{
    char *s = field(r, pp, op, key, what);
    if (!s)
        return -1;
    if (parse_u64(s, max, v))
        return bad(r, op, key, s, what);
    return 0;
}

static int parse_deps(cmdr *r, char *v, cmd *c)
{
    uint32_t n = 0;
    for (const char *p = v; *p; n++) {
        if (n == r->deps_cap) {
            r->deps_cap = r->deps_cap ? r->deps_cap * 2 : 64;
            r->deps = xrealloc(r->deps, sizeof *r->deps * r->deps_cap);
        }
        if (!(p = num(p, UINT64_MAX, &r->deps[n])) || (*p && (*p != ',' || !p[1])))
            return rfail(r, "bad deps=%.60s (expected deps=ID[,ID]... or deps= for none)", v);
        if (*p)
            p++;
    }
    c->ndeps = n;
    c->deps = r->deps;
    return 0;
}

/* One operand field of op d into c. */
static int parse_field(cmdr *r, char **pp, const cmd_op_desc *d, const cmd_field *f, cmd *c)
{
    char list[160];
    if (f->type == CF_SET)
        return parse_set(r, pp, d->name, f->key, cmd_field_set_mut(c, f));
    if (f->type == CF_WORD) {
        char *t = tok(pp);
        for (uint8_t k = 0; k < f->nwords; k++)
            if (!strcmp(t, f->words[k])) {
                cmd_field_set(c, f, k);
                return 0;
            }
        cmd_word_list(f, list, sizeof list);
        return rfail(r, "%s: unknown %s '%.60s' (expected %s)", d->name, f->key, t, list);
    }
    if (f->type == CF_UNIT) {
        char *s = field(r, pp, d->name, f->key, W_UNIT);
        unit_id u;
        if (!s)
            return -1;
        if (cmd_unit_parse(s, &u))
            return bad(r, d->name, f->key, s, W_UNIT);
        cmd_field_set(c, f, u);
        return 0;
    }
    /* CF_UINT: any value of the field's size parses; cmdstream_check_cmd
     * then checks the range, so that "slices=0" says what it should be. */
    uint64_t max = f->size == 1 ? UINT8_MAX : f->size == 4 ? UINT32_MAX : UINT64_MAX, v;
    const char *what = f->size == 4 ? W_U32 : f->size == 8 ? W_U64 : NULL;
    if (!what) {
        snprintf(list, sizeof list, "%" PRIu64 "..%" PRIu64, f->min, f->max);
        what = list;
    }
    if (parse_num(r, pp, d->name, f->key, max, what, &v))
        return -1;
    cmd_field_set(c, f, v);
    return 0;
}

static int parse_cmd(cmdr *r, char *p, cmd *c)
{
    uint64_t v;
    c->arb = 0; /* this format has no priorities */
    c->prio = 0;
    char *t = tok(&p);
    if (parse_u64(t, UINT64_MAX, &c->id))
        return rfail(r, "unexpected '%.60s' (expected command %" PRIu64 " or 'end %" PRIu64 "')", t,
                     r->next_id, r->next_id);
    t = tok(&p);
    int op = cmd_op_parse(t);
    if (op < 0) {
        char list[160];
        cmd_op_list(list, sizeof list);
        return rfail(r, "unknown operation '%.60s' (expected %s)", t, list);
    }
    c->op = (uint8_t)op;
    const cmd_op_desc *d = cmd_op(op);
    const char *on = d->name;
    t = tok(&p);
    if (cmd_unit_parse(t, &c->unit))
        return rfail(r, "%s: unknown unit '%.60s' (expected tileN, clusterN, sramN, dramN or -)", on, t);
    for (uint8_t i = 0; i < d->nfields; i++)
        if (parse_field(r, &p, d, &d->fields[i], c))
            return -1;
    c->arb = 0;
    c->prio = 0;
    if (!strncmp(p + strspn(p, " \t"), "prio=", 5)) {
        if (parse_num(r, &p, on, "prio", UINT32_MAX, W_U32, &v))
            return -1;
        c->arb = 1;
        c->prio = (uint32_t)v;
    }
    if (parse_num(r, &p, on, "tag", UINT32_MAX, "N, a declared tag index", &v))
        return -1;
    c->tag = (uint32_t)v;
    char *deps = field(r, &p, on, "deps", "ID[,ID]... (or nothing)");
    if (!deps || parse_deps(r, deps, c))
        return -1;
    t = tok(&p);
    if (*t)
        return rfail(r, "%s: unexpected '%.60s' after deps= (expected the end of the line)", on, t);
    char msg[ERR_LEN];
    if (cmdstream_check_cmd(&r->h, r->next_id, c, msg, sizeof msg))
        return rfail(r, "%s", msg);
    r->next_id++;
    return 0;
}

/* The trailer "end N", then nothing but blank lines and comments. */
static int parse_end(cmdr *r, char *p)
{
    tok(&p);
    char *t = tok(&p);
    uint64_t n;
    if (parse_u64(t, UINT64_MAX, &n) || *tok(&p))
        return rfail(r, "bad trailer (expected 'end %" PRIu64 "')", r->next_id);
    if (n != r->next_id)
        return rfail(r, "trailer 'end %" PRIu64 "' does not match the %" PRIu64 " commands read (expected 'end %" PRIu64 "')",
                     n, r->next_id, r->next_id);
    char *s;
    int k;
    while ((k = read_line(r, &s)) > 0) {
        if (!blank_or_comment(s))
            return rfail(r, "text after the trailer (expected the end of the file)");
        int ch = control_char(s, 0);
        if (ch)
            return rfail(r, "control character 0x%02x in a comment (expected text)", ch);
    }
    if (k < 0)
        return -1;
    r->state = 1;
    return 0;
}

static int next(void *ctx, cmd *c, char *err, size_t errlen)
{
    cmdr *r = ctx;
    for (;;) {
        if (r->state) {
            if (r->state > 0)
                return 0;
            errf(err, errlen, "%s", r->errmsg);
            return -1;
        }
        char *s = r->pend;
        r->pend = NULL;
        if (!s) {
            int k = read_line(r, &s);
            if (!k) {
                r->line++;
                rfail(r, "unexpected end of file (expected 'end %" PRIu64 "' after the last command)",
                      r->next_id);
                continue;
            }
            if (k < 0)
                continue;
        }
        char *p = s;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            continue;
        if (*p == '#') {
            int ch = control_char(p, 0);
            if (ch)
                rfail(r, "control character 0x%02x in a comment (expected text)", ch);
            continue;
        }
        if (*p == 'e' && !strncmp(p, "end", 3) && (!p[3] || p[3] == ' ' || p[3] == '\t')) {
            parse_end(r, p);
            continue;
        }
        if (parse_cmd(r, p, c))
            continue;
        return 1;
    }
}

cmd_source cmdr_source(cmdr *r)
{
    cmd_source s = {r, next};
    return s;
}

void cmdr_close(cmdr *r)
{
    if (!r)
        return;
    gzclose(r->gz);
    for (uint32_t i = 0; i < r->h.ntags; i++)
        free((char *)r->tags[i].name);
    for (uint32_t i = 0; i < r->h.nprov; i++) {
        free((char *)r->prov[i].key);
        free((char *)r->prov[i].value);
    }
    free(r->tags);
    free(r->prov);
    free(r->deps);
    free(r->buf);
    free(r->path);
    free(r);
}
