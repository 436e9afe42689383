/*
 * config.c -- parameter table, strict INI loading (inih), --set overrides,
 * dumps.
 *
 * Invariant: after config_defaults, every field holds a value within its
 * declared range and type; loading and --set only ever replace a value by
 * another that passed the same checks.  The first error wins and stops the
 * parse: a config that failed to load is not used.
 */
#include "sim/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

static const param_desc params[PARAM_COUNT + 1] = {
#define P_INT(s, k, d, lo, hi, u, h) \
    {#s, #k, PT_INT, offsetof(config, s.k), d, 0, NULL, lo, hi, u, NULL, h},
#define P_REAL(s, k, d, lo, hi, u, h) \
    {#s, #k, PT_REAL, offsetof(config, s.k), 0, d, NULL, lo, hi, u, NULL, h},
#define P_BOOL(s, k, d, h) \
    {#s, #k, PT_BOOL, offsetof(config, s.k), d, 0, NULL, 0, 1, "", "true|false", h},
#define P_ENUM(s, k, d, ch, h) \
    {#s, #k, PT_ENUM, offsetof(config, s.k), 0, 0, d, 0, 0, "", ch, h},
#define P_STR(s, k, d, h) \
    {#s, #k, PT_STR, offsetof(config, s.k), 0, 0, d, 0, 0, "", NULL, h},
#define P_BEGIN(s)
#define P_END(s)
#include "params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
#undef P_STR
#undef P_BEGIN
#undef P_END
    {NULL, NULL, PT_INT, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL},
};

const param_desc *config_params(void) { return params; }

int config_find(const char *section, const char *key)
{
    for (int i = 0; i < PARAM_COUNT; i++)
        if (!strcmp(params[i].section, section) && !strcmp(params[i].key, key))
            return i;
    return -1;
}

static int section_known(const char *s)
{
    for (int i = 0; i < PARAM_COUNT; i++)
        if (!strcmp(params[i].section, s))
            return 1;
    return 0;
}

#define FIELD(c, i, T) ((T *)((char *)(c) + params[i].offset))
#define CFIELD(c, i, T) ((const T *)((const char *)(c) + params[i].offset))

/* Index of name in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *name)
{
    size_t n = strlen(name);
    int idx = 0;
    for (const char *p = choices; *p; idx++) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return idx;
        if (!e)
            break;
        p = e + 1;
    }
    return -1;
}

const char *config_enum_name(int i, int v)
{
    /* Scratch that callers read before the eighth next call: enough for
     * several names in one printf.  Thread-local, so threads never share. */
    static __thread char ring[8][64];
    static __thread unsigned next;
    char *buf = ring[next++ % 8];
    const char *p = params[i].choices;
    for (int idx = 0; p; idx++) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (idx == v) {
            if (len >= sizeof ring[0])
                len = sizeof ring[0] - 1;
            memcpy(buf, p, len);
            buf[len] = 0;
            return buf;
        }
        p = e ? e + 1 : NULL;
    }
    return "?";
}

void config_defaults(config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < PARAM_COUNT; i++) {
        const param_desc *p = &params[i];
        switch (p->type) {
        case PT_INT: *FIELD(c, i, int64_t) = p->def_i; break;
        case PT_REAL: *FIELD(c, i, double) = p->def_r; break;
        case PT_BOOL: *FIELD(c, i, int) = (int)p->def_i; break;
        case PT_ENUM: *FIELD(c, i, int) = choice_index(p->choices, p->def_s); break;
        case PT_STR: *FIELD(c, i, char *) = xstrdup(p->def_s); break;
        }
    }
}

void config_free(config *c)
{
    for (int i = 0; i < PARAM_COUNT; i++) {
        if (params[i].type == PT_STR) {
            free(*FIELD(c, i, char *));
            *FIELD(c, i, char *) = NULL;
        }
        free(c->set_arg[i]);
        c->set_arg[i] = NULL;
    }
    free(c->path);
    c->path = NULL;
}

void config_copy(config *dst, const config *src)
{
    memcpy(dst, src, sizeof *dst);
    for (int i = 0; i < PARAM_COUNT; i++) {
        if (params[i].type == PT_STR)
            *FIELD(dst, i, char *) = xstrdup(*CFIELD(src, i, char *));
        if (src->set_arg[i])
            dst->set_arg[i] = xstrdup(src->set_arg[i]);
    }
    if (src->path)
        dst->path = xstrdup(src->path);
}

/* Parses value into parameter i of c.  On error, the message is
 * "<loc>: [sec] key = value: what is wrong". */
static int parse_value(config *c, int i, const char *value, const char *loc,
                       char *err, size_t errlen)
{
    const param_desc *p = &params[i];
    char *end;
#define FAIL(...)                                                           \
    do {                                                                    \
        char what_[256];                                                    \
        snprintf(what_, sizeof what_, __VA_ARGS__);                         \
        return errf(err, errlen, "%s: [%s] %s = %s: %s", loc, p->section,   \
                    p->key, value, what_);                                  \
    } while (0)

    if (p->type != PT_STR && !*value)
        FAIL("missing value");
    switch (p->type) {
    case PT_INT: {
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (*end || errno)
            FAIL("not an integer");
        if ((double)v < p->min || (double)v > p->max)
            FAIL("must be in [%.0f, %.0f]", p->min, p->max);
        *FIELD(c, i, int64_t) = v;
        break;
    }
    case PT_REAL: {
        errno = 0;
        double v = strtod(value, &end);
        if (*end || errno || !isfinite(v))
            FAIL("not a number");
        if (v < p->min || v > p->max)
            FAIL("must be in [%g, %g]", p->min, p->max);
        *FIELD(c, i, double) = v;
        break;
    }
    case PT_BOOL: {
        static const char *yes[] = {"true", "yes", "on", "1"};
        static const char *no[] = {"false", "no", "off", "0"};
        int v = -1;
        for (int k = 0; k < 4; k++) {
            if (!strcmp(value, yes[k]))
                v = 1;
            if (!strcmp(value, no[k]))
                v = 0;
        }
        if (v < 0)
            FAIL("not a boolean (true or false)");
        *FIELD(c, i, int) = v;
        break;
    }
    case PT_ENUM: {
        int v = choice_index(p->choices, value);
        if (v < 0)
            FAIL("must be one of %s", p->choices);
        *FIELD(c, i, int) = v;
        break;
    }
    case PT_STR:
        free(*FIELD(c, i, char *));
        *FIELD(c, i, char *) = xstrdup(value);
        break;
    }
    return 0;
#undef FAIL
}

/* The keys of a section, "a, b, c", into buf. */
static void section_keys(const char *section, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < PARAM_COUNT && used + 1 < n; i++)
        if (!strcmp(params[i].section, section))
            used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                     used ? ", " : "", params[i].key);
}

static void section_names(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < PARAM_COUNT && used + 1 < n; i++)
        if (i == 0 || strcmp(params[i].section, params[i - 1].section))
            used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                     used ? ", " : "", params[i].section);
}

/* State of one INI parse: the reader hands inih one line at a time from
 * text, counting lines and checking what inih would pass over silently
 * (over-long lines, sections with no keys). */
struct parse {
    config *c;
    const char *name;
    const char *pos;   /* next unread character of the text */
    int lineno;        /* lines handed to inih so far */
    int failed;
    char *err;
    size_t errlen;
};

static char *reader(char *str, int num, void *stream)
{
    struct parse *ps = stream;
    if (ps->failed || !*ps->pos)
        return NULL;
    const char *nl = strchr(ps->pos, '\n');
    size_t len = nl ? (size_t)(nl - ps->pos) + 1 : strlen(ps->pos);
    ps->lineno++;
    /* inih needs room for '\r', '\n', '\0' beyond the text (ini.h). */
    if (len + 2 > (size_t)num) {
        ps->failed = 1;
        errf(ps->err, ps->errlen,
             "%s:%d: line too long (at most %d characters)", ps->name,
             ps->lineno, num - 3);
        return NULL;
    }
    memcpy(str, ps->pos, len);
    str[len] = 0;
    ps->pos += len;

    const char *s = str;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '[') {
        const char *e = strchr(s, ']');
        if (e) {
            char sec[128];
            size_t n = (size_t)(e - s - 1);
            if (n >= sizeof sec)
                n = sizeof sec - 1;
            memcpy(sec, s + 1, n);
            sec[n] = 0;
            if (!section_known(sec)) {
                char valid[512];
                section_names(valid, sizeof valid);
                ps->failed = 1;
                errf(ps->err, ps->errlen,
                     "%s:%d: [%s]: unknown section (valid: %s)", ps->name,
                     ps->lineno, sec, valid);
                return NULL;
            }
        }
    }
    return str;
}

static int handler(void *user, const char *section, const char *name,
                   const char *value, int lineno)
{
    struct parse *ps = user;
    if (ps->failed)
        return 0;
    char loc[512];
    snprintf(loc, sizeof loc, "%s:%d", ps->name, lineno);
    int i = config_find(section, name);
    if (i < 0) {
        char valid[1024];
        ps->failed = 1;
        if (!*section) {
            errf(ps->err, ps->errlen,
                 "%s: %s = %s: key outside any section (expected a [section] line first)",
                 loc, name, value);
            return 0;
        }
        section_keys(section, valid, sizeof valid);
        errf(ps->err, ps->errlen, "%s: [%s] %s = %s: unknown key (valid keys: %s)",
             loc, section, name, value, valid);
        return 0;
    }
    if (ps->c->line[i] && !ps->c->set_arg[i]) {
        ps->failed = 1;
        errf(ps->err, ps->errlen, "%s: [%s] %s = %s: given twice (first at line %u)",
             loc, section, name, value, ps->c->line[i]);
        return 0;
    }
    if (parse_value(ps->c, i, value, loc, ps->err, ps->errlen) < 0) {
        ps->failed = 1;
        return 0;
    }
    ps->c->line[i] = (uint32_t)lineno;
    return 1;
}

int config_load_string(config *c, const char *name, const char *text,
                       char *err, size_t errlen)
{
    struct parse ps = {c, name, text, 0, 0, err, errlen};
    int r = ini_parse_stream(reader, &ps, handler, &ps);
    if (ps.failed)
        return -1;
    if (r > 0)
        return errf(err, errlen,
                    "%s:%d: syntax error (expected [section], key = value, or a ; or # comment)",
                    name, r);
    if (r < 0)
        return errf(err, errlen, "%s: cannot parse (out of memory)", name);
    return 0;
}

int config_load(config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 8192, n = 0, r;
    char *text = xmalloc(cap);
    while ((r = fread(text + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2)
            text = xrealloc(text, cap *= 2);
    }
    int bad = ferror(f);
    fclose(f);
    text[n] = 0;
    if (bad) {
        free(text);
        return errf(err, errlen, "%s: read error", path);
    }
    if (strlen(text) != n) {
        free(text);
        return errf(err, errlen, "%s: contains a NUL byte (not a text file)", path);
    }
    config_defaults(c);
    c->path = xstrdup(path);
    int rc = config_load_string(c, path, text, err, errlen);
    free(text);
    return rc;
}

int config_set(config *c, const char *arg, char *err, size_t errlen)
{
    char loc[600];
    snprintf(loc, sizeof loc, "--set %s", arg);
    const char *eq = strchr(arg, '=');
    const char *dot = strchr(arg, '.');
    if (!eq || !dot || dot > eq)
        return errf(err, errlen, "%s: expected section.key=value", loc);
    char sec[128], key[128];
    size_t ns = (size_t)(dot - arg), nk = (size_t)(eq - dot - 1);
    if (ns == 0 || ns >= sizeof sec || nk == 0 || nk >= sizeof key)
        return errf(err, errlen, "%s: expected section.key=value", loc);
    memcpy(sec, arg, ns);
    sec[ns] = 0;
    memcpy(key, dot + 1, nk);
    key[nk] = 0;
    if (!section_known(sec)) {
        char valid[512];
        section_names(valid, sizeof valid);
        return errf(err, errlen, "%s: [%s]: unknown section (valid: %s)", loc,
                    sec, valid);
    }
    int i = config_find(sec, key);
    if (i < 0) {
        char valid[1024];
        section_keys(sec, valid, sizeof valid);
        return errf(err, errlen, "%s: [%s] %s: unknown key (valid keys: %s)",
                    loc, sec, key, valid);
    }
    if (parse_value(c, i, eq + 1, loc, err, errlen) < 0)
        return -1;
    free(c->set_arg[i]);
    c->set_arg[i] = xstrdup(arg);
    return 0;
}

int config_later(const config *c, int a, int b)
{
    if (c->set_arg[b] && !c->set_arg[a])
        return b;
    if (c->set_arg[a] && !c->set_arg[b])
        return a;
    return c->line[b] > c->line[a] ? b : a;
}

int config_check_run(const config *c, char *err, size_t errlen)
{
    if (c->run.prompt_tokens + c->run.decode_tokens == 0)
        return config_fail(c, config_later(c, PARAM_run_prompt_tokens, PARAM_run_decode_tokens),
                           err, errlen, "nothing to run: prompt_tokens + decode_tokens is 0");
    return 0;
}

void config_value_str(const config *c, int i, char *buf, size_t n)
{
    switch (params[i].type) {
    case PT_INT: snprintf(buf, n, "%lld", (long long)*CFIELD(c, i, int64_t)); break;
    case PT_REAL: snprintf(buf, n, "%.17g", *CFIELD(c, i, double)); break;
    case PT_BOOL: snprintf(buf, n, "%s", *CFIELD(c, i, int) ? "true" : "false"); break;
    case PT_ENUM: snprintf(buf, n, "%s", config_enum_name(i, *CFIELD(c, i, int))); break;
    case PT_STR: snprintf(buf, n, "%s", *CFIELD(c, i, char *)); break;
    }
    /* Shortest exact form of reals: %.17g prints 0.10000000000000001. */
    if (params[i].type == PT_REAL) {
        double v = *CFIELD(c, i, double);
        if (v == floor(v) && fabs(v) < 1e15) { /* 60, not 6e+01 */
            snprintf(buf, n, "%.0f", v);
            return;
        }
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, n, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
}

void config_where(const config *c, int i, char *buf, size_t n)
{
    if (c->set_arg[i])
        snprintf(buf, n, "--set %s", c->set_arg[i]);
    else if (c->line[i])
        snprintf(buf, n, "%s:%u", c->path ? c->path : "<config>", c->line[i]);
    else if (c->path)
        snprintf(buf, n, "%s", c->path);
    else
        snprintf(buf, n, "default");
}

int config_fail(const config *c, int i, char *err, size_t errlen,
                const char *fmt, ...)
{
    char where[600], val[256], what[512];
    config_where(c, i, where, sizeof where);
    config_value_str(c, i, val, sizeof val);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return errf(err, errlen, "%s: [%s] %s = %s: %s", where, params[i].section,
                params[i].key, val, what);
}

void config_dump_ini(const config *c, FILE *f)
{
    char val[1024];
    for (int i = 0; i < PARAM_COUNT; i++) {
        if (i == 0 || strcmp(params[i].section, params[i - 1].section))
            fprintf(f, "%s[%s]\n", i ? "\n" : "", params[i].section);
        config_value_str(c, i, val, sizeof val);
        fprintf(f, "%s = %s\n", params[i].key, val);
    }
}

uint64_t config_hash(const config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return 0;
    config_dump_ini(c, m);
    fclose(m);
    uint64_t h = fnv64(FNV64_INIT, buf, len);
    free(buf);
    return h;
}

void config_print_table(FILE *f)
{
    char def[256], range[512];
    config d;
    config_defaults(&d);
    static const char *tn[] = {"int", "real", "bool", "enum", "str"};
    fprintf(f, "Every parameter: section.key, type, unit, default, allowed values; its\n"
               "help below.  Set them in the [section] of a config file, or with\n"
               "--set section.key=value.  Sources of the defaults: arch/params.def,\n"
               "workloads/params.def, sim/params_run.def and docs/models.md.\n");
    for (int i = 0; i < PARAM_COUNT; i++) {
        const param_desc *p = &params[i];
        if (i == 0 || strcmp(p->section, params[i - 1].section))
            fprintf(f, "\n[%s]\n", p->section);
        char name[128];
        snprintf(name, sizeof name, "%s.%s", p->section, p->key);
        config_value_str(&d, i, def, sizeof def);
        switch (p->type) {
        case PT_INT: snprintf(range, sizeof range, "[%.0f, %.0f]", p->min, p->max); break;
        case PT_REAL: snprintf(range, sizeof range, "[%g, %g]", p->min, p->max); break;
        case PT_BOOL:
        case PT_ENUM: snprintf(range, sizeof range, "%s", p->choices); break;
        case PT_STR: snprintf(range, sizeof range, "text"); break;
        }
        fprintf(f, "  %-30s %-4s %-11s %-14s %s\n      %s\n", name, tn[p->type],
                *p->unit ? p->unit : "-", *def ? def : "\"\"", range, p->help);
    }
    config_free(&d);
}
