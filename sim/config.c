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
        if (*end || errno || !isfinite(v) || !is_decimal_number(value))
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

/* ---- INI text ------------------------------------------------------------
 *
 * inih parses; the reader below hands it one line at a time and checks
 * each line first against the grammar inih applies, so that every line
 * inih would pass over or misread is an error at its own line, and the
 * first error in the file wins:
 *
 *   line     := blank | comment | section | pair | continuation
 *   comment  := [ws] (';' | '#') text
 *   section  := [ws] '[' NAME ']' [ws] [comment]        nothing else after ']'
 *   pair     := [ws] KEY [ws] ('=' | ':') [ws] VALUE [ws] [ws ';' text]
 *   continuation := ws VALUE ...                         an indented line after
 *                                                        a pair continues its value
 *   VALUE    := text | '"' quoted '"'
 *
 * A ';' after a blank starts a comment (inih's inline comments).  A quoted
 * value keeps what plain text cannot hold: leading or trailing blanks, ';',
 * control characters, through the escapes \\ \" \; \n \t \r \xHH.  The
 * pieces of a value continued over several lines are joined without a
 * separator (text parameters only), so config_dump_ini can split a long
 * value over lines of at most INI_LINE_MAX characters.  Control characters
 * other than tab are errors outside quotes (write them escaped). */

#define INI_LINE_MAX 197  /* what inih's 200-byte line buffer holds (ini.h) */

/* Where inih ends a name or value: at a character of chars (NULL: none),
 * or at a ';' after a blank (an inline comment); as inih does. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
    int was_space = 0;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0'
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Decodes the quoted value q[0..n) (both quotes included) into out
 * (room for n bytes): 0, or -1 with what is wrong in why. */
static int unquote(const char *q, size_t n, char *out, const char **why)
{
    if (n < 2 || q[n - 1] != '"') {
        *why = "unterminated quoted value (expected \"...\"; after a blank, ';' starts a "
               "comment: write \\;)";
        return -1;
    }
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        char ch = q[i];
        if (ch == '"') {
            *why = "'\"' inside a quoted value (expected \\\")";
            return -1;
        }
        if (ch != '\\') {
            out[k++] = ch;
            continue;
        }
        if (i + 2 >= n) {
            *why = "'\\' at the end of a quoted value (expected an escape: \\\\ \\\" \\; \\n "
                   "\\t \\r \\xHH)";
            return -1;
        }
        ch = q[++i];
        switch (ch) {
        case '\\': case '"': case ';': out[k++] = ch; break;
        case 'n': out[k++] = '\n'; break;
        case 't': out[k++] = '\t'; break;
        case 'r': out[k++] = '\r'; break;
        case 'x': {
            int hi = i + 2 < n - 1 ? hexval(q[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(q[i + 2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0)) {
                *why = "bad \\x escape in a quoted value (expected \\xHH, two hex digits, "
                       "not 00)";
                return -1;
            }
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
            break;
        }
        default:
            *why = "unknown escape in a quoted value (expected \\\\ \\\" \\; \\n \\t \\r "
                   "\\xHH)";
            return -1;
        }
    }
    out[k] = 0;
    return 0;
}

/* State of one INI parse. */
struct parse {
    config *c;
    const char *name;
    const char *pos;   /* next unread character of the text */
    int lineno;        /* lines handed to inih so far */
    int failed;
    int prev_name;     /* a pair has been read since the last section line */
    int cont;          /* the line being handed over is a continuation */
    int cont_param;    /* the parameter continued lines add to, or -1 */
    char *acc;         /* its value so far (text parameters) */
    char *err;
    size_t errlen;
};

static int syntax(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int syntax(struct parse *ps, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ps->failed = 1;
    return errf(ps->err, ps->errlen, "%s:%d: %s", ps->name, ps->lineno, what);
}

#define SYNTAX_EXPECT "(expected [section], key = value, or a ; or # comment)"

/* Checks one line (NUL-terminated, newline removed) against the grammar
 * above; sets ps->cont.  0, or -1 with the error set. */
static int check_line(struct parse *ps, char *line)
{
    char *s = line;
    if (ps->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3)) /* inih skips a UTF-8 BOM */
        s += 3;
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r')
        s[--n] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return syntax(ps, "control character 0x%02x (expected text; in a value, write it "
                              "quoted as \\xHH)", ch);
    }
    const char *start = s;
    while (isspace((unsigned char)*start))
        start++;
    ps->cont = 0;
    if (!*start || *start == ';' || *start == '#')
        return 0;
    const char *value;
    if (ps->prev_name && start > s) {
        ps->cont = 1;
        value = start;
    } else if (*start == '[') {
        const char *e = find_chars_or_comment(start + 1, "]");
        if (*e != ']')
            return syntax(ps, "%.*s: no closing ']' %s", (int)(e - start), start, SYNTAX_EXPECT);
        const char *t = e + 1;
        while (isspace((unsigned char)*t))
            t++;
        if (*t && !(*t == ';' && isspace((unsigned char)t[-1])) && *t != '#')
            return syntax(ps, "text after %.*s: '%s' (expected one [section] per line)",
                          (int)(e + 1 - start), start, t);
        char sec[128];
        size_t len = (size_t)(e - start - 1);
        if (len >= sizeof sec)
            len = sizeof sec - 1;
        memcpy(sec, start + 1, len);
        sec[len] = 0;
        if (!section_known(sec)) {
            char valid[512];
            section_names(valid, sizeof valid);
            return syntax(ps, "[%s]: unknown section (valid: %s)", sec, valid);
        }
        ps->prev_name = 0;
        return 0;
    } else {
        const char *e = find_chars_or_comment(start, "=:");
        if (*e != '=' && *e != ':')
            return syntax(ps, "syntax error %s", SYNTAX_EXPECT);
        const char *k = e;
        while (k > start && isspace((unsigned char)k[-1]))
            k--;
        if (k == start)
            return syntax(ps, "syntax error: no key before '%c' %s", *e, SYNTAX_EXPECT);
        ps->prev_name = 1;
        value = e + 1;
    }
    /* The value as inih will pass it: to an inline comment, trimmed. */
    const char *ve = find_chars_or_comment(value, NULL);
    while (value < ve && isspace((unsigned char)*value))
        value++;
    while (ve > value && isspace((unsigned char)ve[-1]))
        ve--;
    if (ve > value && *value == '"') {
        char *tmp = xmalloc((size_t)(ve - value) + 1);
        const char *why;
        int r = unquote(value, (size_t)(ve - value), tmp, &why);
        free(tmp);
        if (r < 0)
            return syntax(ps, "%s", why);
    }
    return 0;
}

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
        syntax(ps, "line too long (at most %d characters)", num - 3);
        return NULL;
    }
    memcpy(str, ps->pos, len);
    str[len] = 0;
    ps->pos += len;
    char line[256];
    memcpy(line, str, len + 1);
    if (len && line[len - 1] == '\n')
        line[len - 1] = 0;
    if (check_line(ps, line) < 0)
        return NULL;
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
    /* A quoted value, decoded (check_line has checked its syntax). */
    char *dec = NULL;
    size_t vn = strlen(value);
    if (vn && value[0] == '"') {
        const char *why;
        dec = xmalloc(vn + 1);
        unquote(value, vn, dec, &why);
        value = dec;
    }
    int i = config_find(section, name), ok = 0;
    if (ps->cont) {
        /* A continuation line: inih calls again with the pair's name. */
        if (i < 0 || i != ps->cont_param) {
            ok = 1; /* the pair itself failed: its error stands */
        } else if (params[i].type != PT_STR) {
            errf(ps->err, ps->errlen,
                 "%s: [%s] %s: indented line continues a value that takes one line (only "
                 "text values continue; remove the indentation)", loc, section, name);
        } else {
            char *joined = xasprintf("%s%s", ps->acc ? ps->acc : "", value);
            free(ps->acc);
            ps->acc = joined;
            ok = parse_value(ps->c, i, joined, loc, ps->err, ps->errlen) == 0;
        }
        free(dec);
        if (!ok)
            ps->failed = 1;
        return ok;
    }
    ps->cont_param = -1;
    if (i < 0) {
        char valid[1024];
        ps->failed = 1;
        if (!*section) {
            errf(ps->err, ps->errlen,
                 "%s: %s = %s: key outside any section (expected a [section] line first)",
                 loc, name, value);
        } else {
            section_keys(section, valid, sizeof valid);
            errf(ps->err, ps->errlen, "%s: [%s] %s = %s: unknown key (valid keys: %s)",
                 loc, section, name, value, valid);
        }
        free(dec);
        return 0;
    }
    if (ps->c->line[i] && !ps->c->set_arg[i]) {
        ps->failed = 1;
        errf(ps->err, ps->errlen, "%s: [%s] %s = %s: given twice (first at line %u)",
             loc, section, name, value, ps->c->line[i]);
        free(dec);
        return 0;
    }
    if (parse_value(ps->c, i, value, loc, ps->err, ps->errlen) < 0) {
        ps->failed = 1;
        free(dec);
        return 0;
    }
    ps->c->line[i] = (uint32_t)lineno;
    ps->cont_param = i;
    free(ps->acc);
    ps->acc = xstrdup(value);
    free(dec);
    return 1;
}

int config_load_string(config *c, const char *name, const char *text,
                       char *err, size_t errlen)
{
    struct parse ps;
    memset(&ps, 0, sizeof ps);
    ps.c = c;
    ps.name = name;
    ps.pos = text;
    ps.cont_param = -1;
    ps.err = err;
    ps.errlen = errlen;
    int r = ini_parse_stream(reader, &ps, handler, &ps);
    free(ps.acc);
    if (ps.failed)
        return -1;
    if (r > 0) /* check_line should have caught it: inih found more */
        return errf(err, errlen, "%s:%d: syntax error %s", name, r, SYNTAX_EXPECT);
    if (r < 0)
        return errf(err, errlen, "%s: cannot parse (out of memory)", name);
    return 0;
}

int config_load(config *c, const char *path, char *err, size_t errlen)
{
    char *text = read_text_file(path, TEXT_FILE_MAX_BYTES, NULL, err, errlen);
    if (!text)
        return -1;
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
    c->set_seq[i] = ++c->nsets;
    return 0;
}

int config_given(const config *c, int i) { return c->line[i] || c->set_arg[i]; }

int config_is_default(const config *c, int i)
{
    const param_desc *p = &params[i];
    switch (p->type) {
    case PT_INT: return *CFIELD(c, i, int64_t) == p->def_i;
    case PT_REAL: return *CFIELD(c, i, double) == p->def_r;
    case PT_BOOL: return *CFIELD(c, i, int) == (int)p->def_i;
    case PT_ENUM: return *CFIELD(c, i, int) == choice_index(p->choices, p->def_s);
    case PT_STR: return !strcmp(*CFIELD(c, i, char *), p->def_s);
    }
    return 0;
}

int config_later(const config *c, int a, int b)
{
    if (c->set_arg[b] && !c->set_arg[a])
        return b;
    if (c->set_arg[a] && !c->set_arg[b])
        return a;
    if (c->set_arg[a])
        return c->set_seq[b] > c->set_seq[a] ? b : a;
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

/* 1 if v must be quoted to read back as itself (check_line's grammar). */
static int needs_quotes(const char *v)
{
    size_t n = strlen(v);
    if (n && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]) || v[0] == '"'))
        return 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == ';' || ch < 0x20 || ch == 0x7f)
            return 1;
    }
    return 0;
}

/* Appends the quoted-value escape of ch to buf at *k. */
static void put_escaped(char *buf, size_t *k, unsigned char ch)
{
    static const char hex[] = "0123456789abcdef";
    if (ch == '\\' || ch == '"' || ch == ';') {
        buf[(*k)++] = '\\';
        buf[(*k)++] = (char)ch;
    } else if (ch == '\n' || ch == '\t' || ch == '\r') {
        buf[(*k)++] = '\\';
        buf[(*k)++] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
    } else if (ch < 0x20 || ch == 0x7f) {
        buf[(*k)++] = '\\';
        buf[(*k)++] = 'x';
        buf[(*k)++] = hex[ch >> 4];
        buf[(*k)++] = hex[ch & 15];
    } else {
        buf[(*k)++] = (char)ch;
    }
}

/* Writes "key = value": plain when it reads back as itself, else quoted,
 * and split over continuation lines when longer than INI_LINE_MAX. */
static void dump_pair(FILE *f, const char *key, const char *v)
{
    size_t klen = strlen(key);
    if (!needs_quotes(v) && klen + 3 + strlen(v) <= INI_LINE_MAX) {
        fprintf(f, "%s = %s\n", key, v);
        return;
    }
    /* Pieces of at most `room` escaped characters, each quoted: the first
     * after "key = ", the others on lines indented by four blanks. */
    size_t room = INI_LINE_MAX - 8 - (klen > 4 ? klen : 4);
    char piece[INI_LINE_MAX + 1];
    const unsigned char *p = (const unsigned char *)v;
    int first = 1;
    do {
        size_t k = 0;
        while (*p) {
            char one[4];
            size_t m = 0;
            put_escaped(one, &m, *p);
            if (k + m > room)
                break;
            memcpy(piece + k, one, m);
            k += m;
            p++;
        }
        piece[k] = 0;
        if (first)
            fprintf(f, "%s = \"%s\"\n", key, piece);
        else
            fprintf(f, "    \"%s\"\n", piece);
        first = 0;
    } while (*p);
}

void config_dump_ini(const config *c, FILE *f)
{
    for (int i = 0; i < PARAM_COUNT; i++) {
        if (i == 0 || strcmp(params[i].section, params[i - 1].section))
            fprintf(f, "%s[%s]\n", i ? "\n" : "", params[i].section);
        if (params[i].type == PT_STR) {
            dump_pair(f, params[i].key, *CFIELD(c, i, char *));
            continue;
        }
        char val[1024];
        config_value_str(c, i, val, sizeof val);
        dump_pair(f, params[i].key, val);
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
