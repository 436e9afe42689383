/*
 * cmdstream.c -- the command-stream writer, and the checks the reader and
 * writer share (format in docs/command-stream.md; reader in
 * cmdstream_read.c).
 *
 * Invariant: every line the writer emits is one the reader accepts: the
 * header is validated at open, each command passes cmdstream_check_cmd
 * before it is formatted, and the trailer states the number of commands
 * written.  After the first error nothing more is written and commit fails
 * with that error, so a file exists only if the whole stream was valid.
 */
#include "traces/cmdstream.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/ofile.h"
#include "sim/util.h"

static const char *const kind_plural[UNIT_KINDS] = {"tiles", "clusters", "srams", "drams", "-"};

const char *cmdstream_prov_get(const cmdstream_header *h, const char *key)
{
    for (uint32_t i = 0; i < h->nprov; i++)
        if (!strcmp(h->prov[i].key, key))
            return h->prov[i].value;
    return NULL;
}

/* ---- shared checks ---- */

static int check_unit(const cmdstream_header *h, unit_id u, char *err, size_t errlen)
{
    unsigned k = UNIT_KIND(u);
    if (k == UNIT_NONE)
        return 0;
    if (k > UNIT_NONE)
        return errf(err, errlen, "bad unit kind %u (expected tile, cluster, sram, dram or -)", k);
    if (UNIT_INDEX(u) < h->units[k])
        return 0;
    char s[CMD_UNIT_STRLEN];
    cmd_unit_str(u, s);
    if (!h->units[k])
        return errf(err, errlen, "unit %s out of range (the stream declares no %s)", s,
                    kind_plural[k]);
    return errf(err, errlen, "unit %s out of range (the stream declares %" PRIu32 " %s: %s0..%s%" PRIu32 ")",
                s, h->units[k], kind_plural[k], cmd_unit_kind_name((int)k),
                cmd_unit_kind_name((int)k), h->units[k] - 1);
}

static int check_set(const char *op, const char *what, const cmd_set *s, char *err,
                     size_t errlen)
{
    if (s->nranges < 1 || s->nranges > CMD_MAX_RANGES)
        return errf(err, errlen, "%s: %s has %d ranges (expected 1..%d)", op, what, s->nranges,
                    CMD_MAX_RANGES);
    for (int i = 0; i < s->nranges; i++) {
        if (!s->r[i].n)
            return errf(err, errlen, "%s: %s range %" PRIu32 ":0 is empty (expected LO:N with N >= 1)",
                        op, what, s->r[i].lo);
        if ((uint64_t)s->r[i].lo + s->r[i].n > UINT32_MAX)
            return errf(err, errlen,
                        "%s: %s range %" PRIu32 ":%" PRIu32 " ends past 4294967295 (expected LO+N <= 4294967295)",
                        op, what, s->r[i].lo, s->r[i].n);
    }
    uint64_t total = cmd_set_count(s);
    if (total > UINT32_MAX)
        return errf(err, errlen,
                    "%s: %s has %" PRIu64 " indices in all (expected at most 4294967295)", op,
                    what, total);
    return 0;
}

int cmdstream_check_cmd(const cmdstream_header *h, uint64_t expect_id, const cmd *c,
                        char *err, size_t errlen)
{
    if (c->id < expect_id)
        return errf(err, errlen, "duplicate id %" PRIu64 " (expected %" PRIu64 ": ids are consecutive from 0)",
                    c->id, expect_id);
    if (c->id > expect_id)
        return errf(err, errlen, "id %" PRIu64 " out of sequence (expected %" PRIu64 ": ids are consecutive from 0)",
                    c->id, expect_id);
    const cmd_op_desc *d = cmd_op(c->op);
    char list[160];
    if (!d) {
        cmd_op_list(list, sizeof list);
        return errf(err, errlen, "unknown operation %d (expected %s)", c->op, list);
    }
    char us[CMD_UNIT_STRLEN];
    unsigned kind = UNIT_KIND(c->unit);
    if (kind >= UNIT_KINDS || !(d->units & CMD_UNITS(kind))) {
        cmd_unit_str(c->unit, us);
        cmd_units_list(d->units, list, sizeof list);
        return errf(err, errlen, "%s %s %s (expected %s)", d->name, d->unit_role, us, list);
    }
    if (check_unit(h, c->unit, err, errlen))
        return -1;
    if (c->tag >= h->ntags) {
        if (!h->ntags)
            return errf(err, errlen, "unknown tag %" PRIu32 " (the stream declares no tags)", c->tag);
        return errf(err, errlen, "unknown tag %" PRIu32 " (the stream declares %" PRIu32 " tags: 0..%" PRIu32 ")",
                    c->tag, h->ntags, h->ntags - 1);
    }
    for (uint8_t i = 0; i < d->nfields; i++) {
        const cmd_field *f = &d->fields[i];
        if (f->type == CF_SET) {
            if (check_set(d->name, f->key, cmd_field_set_of(c, f), err, errlen))
                return -1;
            continue;
        }
        uint64_t v = cmd_field_get(c, f);
        if (f->type == CF_UNIT) {
            if (UNIT_KIND((unit_id)v) >= UNIT_NONE) {
                cmd_unit_str((unit_id)v, us);
                cmd_units_list(CMD_UNITS(UNIT_TILE) | CMD_UNITS(UNIT_CLUSTER) |
                                   CMD_UNITS(UNIT_SRAM) | CMD_UNITS(UNIT_DRAM),
                               list, sizeof list);
                return errf(err, errlen, "%s: %s=%s (expected %s)", d->name, f->key, us, list);
            }
            if (check_unit(h, (unit_id)v, err, errlen))
                return -1;
        } else if (f->type == CF_WORD) {
            if (v >= f->nwords)
                return errf(err, errlen, "%s: unknown %s %" PRIu64 " (expected 0..%d)", d->name,
                            f->key, v, f->nwords - 1);
        } else if (v < f->min || v > f->max) {
            return errf(err, errlen, "%s: %s=%" PRIu64 " (expected %" PRIu64 "..%" PRIu64 ")",
                        d->name, f->key, v, f->min, f->max);
        }
    }
    if (c->op == CMD_MCAST) {
        /* The destinations dst .. dst + dsts - 1 are units of the stream. */
        uint64_t last = (uint64_t)UNIT_INDEX(c->u.mcast.dst) + c->u.mcast.dsts - 1;
        if (c->u.mcast.dsts && last > UNIT_INDEX(c->u.mcast.dst) &&
            check_unit(h, UNIT(UNIT_KIND(c->u.mcast.dst), last > 0x0fffffffu ? 0x0fffffffu : last),
                       err, errlen))
            return -1;
    }
    if (cmd_since(c) > h->version) {
        /* What is new: the op, the digital kind, or else the prio= field. */
        const char *what = d->name;
        if (c->op == CMD_DIG && c->u.dig.kind == DIG_ARGMAX)
            what = cmd_dig_name(c->u.dig.kind);
        else if (c->op != CMD_FIXED && c->op != CMD_DELAY && c->op != CMD_MCAST && c->arb)
            what = "prio=";
        return errf(err, errlen, "%s needs format version %d (the stream is version %d)", what,
                    cmd_since(c), h->version);
    }
    for (uint32_t i = 0; i < c->ndeps; i++) {
        uint64_t dep = c->deps[i];
        if (dep == c->id)
            return errf(err, errlen, "dependency on itself (%" PRIu64 "): a cycle (expected ids < %" PRIu64 ")",
                        dep, c->id);
        if (dep > c->id)
            return errf(err, errlen,
                        "forward dependency on %" PRIu64 " (expected ids < %" PRIu64 ": a command depends only on earlier ones)",
                        dep, c->id);
        if (i && dep == c->deps[i - 1])
            return errf(err, errlen, "duplicate dependency %" PRIu64 " (expected each id once)", dep);
        if (i && dep < c->deps[i - 1])
            return errf(err, errlen, "dependencies out of order (%" PRIu64 " after %" PRIu64 ") (expected increasing ids)",
                        dep, c->deps[i - 1]);
    }
    return 0;
}

int cmdstream_validate_units(const cmdstream_header *h, const uint32_t counts[UNIT_KINDS],
                             char *err, size_t errlen)
{
    for (int k = 0; k < UNIT_NONE; k++)
        if (h->units[k] > counts[k])
            return errf(err, errlen,
                        "%s:%" PRIu32 ": the stream is for %" PRIu32 " %s; the chip has %" PRIu32 " (expected at most %" PRIu32 ")",
                        h->path ? h->path : "(stream)", h->units_line, h->units[k], kind_plural[k],
                        counts[k], counts[k]);
    return 0;
}

/* ---- writer ---- */

struct cmdw {
    ofile *o;
    char *path;
    cmdstream_header h;  /* units and ntags only (what the checks read) */
    uint64_t n;          /* commands written */
    int failed;
    char errmsg[ERR_LEN];
    char *line;          /* formatting buffer */
    size_t cap;
    uint64_t *sorted;    /* scratch for unsorted dependency lists */
    uint32_t sorted_cap;
};

int cmdstream_name_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] == 0x7f)
            return 0;
    return n >= 1 && n <= CMDSTREAM_NAME_MAX;
}

int cmdstream_key_ok(const char *s)
{
    if (!cmdstream_name_ok(s))
        return 0;
    for (; *s; s++)
        if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') &&
            *s != '_' && *s != '.' && *s != '-')
            return 0;
    return 1;
}

cmdw *cmdw_open(const char *path, const cmdstream_header *h, char *err, size_t errlen)
{
    for (int k = 0; k < UNIT_NONE; k++)
        if (h->units[k] > CMDSTREAM_UNITS_MAX) {
            errf(err, errlen, "%s: %" PRIu32 " %s (expected at most %u)", path, h->units[k],
                 kind_plural[k], CMDSTREAM_UNITS_MAX);
            return NULL;
        }
    for (uint32_t i = 0; i < h->ntags; i++) {
        if (!h->tags[i].name || !cmdstream_name_ok(h->tags[i].name)) {
            errf(err, errlen, "%s: tag %" PRIu32 ": bad name '%.60s' (expected 1..%d printable characters without spaces)",
                 path, i, h->tags[i].name ? h->tags[i].name : "", CMDSTREAM_NAME_MAX);
            return NULL;
        }
        if (h->tags[i].layer < -1) {
            errf(err, errlen, "%s: tag %" PRIu32 ": layer %" PRId32 " (expected >= -1)", path, i,
                 h->tags[i].layer);
            return NULL;
        }
    }
    for (uint32_t i = 0; i < h->nprov; i++)
        if (!h->prov[i].key || !cmdstream_key_ok(h->prov[i].key)) {
            errf(err, errlen, "%s: provenance key '%.60s' (expected 1..%d of A-Z a-z 0-9 _ . -)", path,
                 h->prov[i].key ? h->prov[i].key : "", CMDSTREAM_NAME_MAX);
            return NULL;
        }
    ofile *o = ofile_open(path, 1, err, errlen);
    if (!o)
        return NULL;
    cmdw *w = xcalloc(1, sizeof *w);
    w->o = o;
    w->path = xstrdup(path);
    memcpy(w->h.units, h->units, sizeof w->h.units);
    w->h.version = CMDSTREAM_VERSION;
    w->h.ntags = h->ntags;
    w->cap = 4096;
    w->line = xmalloc(w->cap);

    ofile_printf(o, "%s %d\nunits", CMDSTREAM_FORMAT, CMDSTREAM_VERSION);
    for (int k = 0; k < UNIT_NONE; k++)
        ofile_printf(o, " %s=%" PRIu32, cmd_unit_kind_name(k), h->units[k]);
    ofile_puts(o, "\n");
    for (uint32_t i = 0; i < h->nprov; i++) {
        ofile_printf(o, "prov %s ", h->prov[i].key);
        const char *v = h->prov[i].value ? h->prov[i].value : "";
        size_t n = strlen(v);
        if (n > CMDSTREAM_LINE_MAX - CMDSTREAM_NAME_MAX - 8)
            n = CMDSTREAM_LINE_MAX - CMDSTREAM_NAME_MAX - 8;
        for (size_t j = 0; j < n; j++) {
            char ch = (unsigned char)v[j] < ' ' || v[j] == 0x7f ? ' ' : v[j];
            ofile_write(o, &ch, 1);
        }
        ofile_puts(o, "\n");
    }
    for (uint32_t i = 0; i < h->ntags; i++)
        ofile_printf(o, "tag %" PRIu32 " %" PRId32 " %s\n", i, h->tags[i].layer, h->tags[i].name);
    return w;
}

/* Two decimal digits per step: the writer formats every number itself
 * (snprintf per field halves its speed). */
static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 20;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--n] = digits2[d + 1];
        tmp[--n] = digits2[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        tmp[--n] = digits2[d + 1];
        tmp[--n] = digits2[d];
    } else {
        tmp[--n] = (char)('0' + v);
    }
    memcpy(p, tmp + n, (size_t)(20 - n));
    return p + (20 - n);
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *put_set(char *p, const cmd_set *s)
{
    for (int i = 0; i < s->nranges; i++) {
        if (i)
            *p++ = ',';
        p = put_u64(p, s->r[i].lo);
        *p++ = ':';
        p = put_u64(p, s->r[i].n);
    }
    return p;
}

/* Remembers the first error as "path: command ID: msg". */
static int wfail(cmdw *w, uint64_t id, const char *msg)
{
    if (!w->failed) {
        w->failed = 1;
        errf(w->errmsg, sizeof w->errmsg, "%s: command %" PRIu64 ": %s", w->path, id, msg);
    }
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int cmdw_write(cmdw *w, const cmd *c0)
{
    if (w->failed)
        return -1;
    cmd c = *c0;
    for (uint32_t i = 1; i < c.ndeps; i++)
        if (c.deps[i] <= c.deps[i - 1]) {
            if (w->sorted_cap < c.ndeps) {
                w->sorted_cap = c.ndeps;
                free(w->sorted);
                w->sorted = xmalloc(sizeof *w->sorted * c.ndeps);
            }
            memcpy(w->sorted, c.deps, sizeof *w->sorted * c.ndeps);
            qsort(w->sorted, c.ndeps, sizeof *w->sorted, cmp_u64);
            c.deps = w->sorted;
            break;
        }
    char msg[ERR_LEN];
    if (cmdstream_check_cmd(&w->h, w->n, &c, msg, sizeof msg))
        return wfail(w, c.id, msg);

    /* Longest fixed part: 2 x 8 ranges of 21 characters, ~200 more. */
    size_t need = 600 + (size_t)c.ndeps * 21;
    if (need > w->cap) {
        while (w->cap < need)
            w->cap *= 2;
        free(w->line);
        w->line = xmalloc(w->cap);
    }
    char *p = w->line;
    p = put_u64(p, c.id);
    *p++ = ' ';
    p = put_str(p, cmd_op_name(c.op));
    *p++ = ' ';
    p += cmd_unit_str(c.unit, p);
    const cmd_op_desc *d = cmd_op(c.op);
    for (uint8_t i = 0; i < d->nfields; i++) {
        const cmd_field *f = &d->fields[i];
        *p++ = ' ';
        if (f->type == CF_WORD) {
            p = put_str(p, f->words[cmd_field_get(&c, f)]);
            continue;
        }
        p = put_str(p, f->key);
        *p++ = '=';
        if (f->type == CF_SET)
            p = put_set(p, cmd_field_set_of(&c, f));
        else if (f->type == CF_UNIT)
            p += cmd_unit_str((unit_id)cmd_field_get(&c, f), p);
        else
            p = put_u64(p, cmd_field_get(&c, f));
    }
    if (c.arb) {
        p = put_str(p, " prio=");
        p = put_u64(p, c.prio);
    }
    p = put_str(p, " tag=");
    p = put_u64(p, c.tag);
    p = put_str(p, " deps=");
    for (uint32_t i = 0; i < c.ndeps; i++) {
        if (i)
            *p++ = ',';
        p = put_u64(p, c.deps[i]);
    }
    size_t len = (size_t)(p - w->line);
    if (len > CMDSTREAM_LINE_MAX) {
        errf(msg, sizeof msg, "line of %zu characters (expected at most %d: fewer dependencies)",
             len, CMDSTREAM_LINE_MAX);
        return wfail(w, c.id, msg);
    }
    *p++ = '\n';
    if (ofile_write(w->o, w->line, len + 1))
        return wfail(w, c.id, "write failed (disk full?)");
    w->n++;
    return 0;
}

uint64_t cmdw_count(const cmdw *w) { return w->n; }

static void wfree(cmdw *w)
{
    free(w->path);
    free(w->line);
    free(w->sorted);
    free(w);
}

int cmdw_commit(cmdw *w, char *err, size_t errlen)
{
    if (w->failed) {
        errf(err, errlen, "%s", w->errmsg);
        cmdw_abort(w);
        return -1;
    }
    ofile_printf(w->o, "end %" PRIu64 "\n", w->n);
    int r = ofile_commit(w->o, err, errlen);
    wfree(w);
    return r;
}

void cmdw_abort(cmdw *w)
{
    if (!w)
        return;
    ofile_abort(w->o);
    wfree(w);
}
