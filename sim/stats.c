/*
 * stats.c -- the statistics registry and its JSON/CSV dumps.
 *
 * Invariant: entries keep their registration order; names are unique
 * (registering a name twice is a programming error: the process stops with
 * a message, in every build).  An index of the names (open addressing on
 * FNV-1a, at most half full) makes registration and stats_find O(1), so a
 * chip with a million per-unit statistics starts in linear time.
 */
#include "sim/stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json.h"
#include "sim/util.h"

enum kind { K_COUNTER, K_MAX, K_REAL, K_HIST, K_FORMULA };

struct entry {
    char *name;
    enum kind kind;
    const void *p;
    stats_fn fn;
};

struct stats {
    struct entry *e;
    int n, cap;
    int *index;        /* name index: entry + 1, 0 empty */
    size_t index_mask; /* slots - 1 (a power of two) */
};

void stats_hist_init(stats_hist *h, uint64_t lo, uint64_t width, uint32_t nbins)
{
    memset(h, 0, sizeof *h);
    h->lo = lo;
    h->width = width ? width : 1;
    h->nbins = nbins ? nbins : 1;
    h->bins = xcalloc(h->nbins, sizeof *h->bins);
}

void stats_hist_free(stats_hist *h)
{
    free(h->bins);
    h->bins = NULL;
}

uint64_t stats_mem_bytes(uint64_t n)
{
    /* entry, a name's allocation, two index slots (at most half full),
     * and the doubling of the entry array */
    return sat_mul_u64(n, 2 * sizeof(struct entry) + 48 + 4 * sizeof(int));
}

stats *stats_create(void)
{
    stats *s = xcalloc(1, sizeof(stats));
    s->index_mask = 127;
    s->index = xcalloc(s->index_mask + 1, sizeof *s->index);
    return s;
}

void stats_free(stats *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        free(s->e[i].name);
    free(s->e);
    free(s->index);
    free(s);
}

/* The index slot of name: where it is, or the empty slot it would take. */
static size_t slot_of(const stats *s, const char *name)
{
    size_t i = (size_t)fnv64(FNV64_INIT, name, strlen(name)) & s->index_mask;
    while (s->index[i] && strcmp(s->e[s->index[i] - 1].name, name))
        i = (i + 1) & s->index_mask;
    return i;
}

static void index_grow(stats *s)
{
    int *old = s->index;
    size_t n = s->index_mask + 1;
    s->index_mask = 2 * n - 1;
    s->index = xcalloc(2 * n, sizeof *s->index);
    for (size_t i = 0; i < n; i++)
        if (old[i])
            s->index[slot_of(s, s->e[old[i] - 1].name)] = old[i];
    free(old);
}

static int add(stats *s, enum kind k, const void *p, stats_fn fn,
               const char *fmt, va_list ap)
{
    char name[256];
    vsnprintf(name, sizeof name, fmt, ap);
    size_t slot = slot_of(s, name);
    if (s->index[slot]) {
        fprintf(stderr, "aimcsim: internal error: statistic %s registered twice\n", name);
        abort();
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->e = xrealloc(s->e, (size_t)s->cap * sizeof *s->e);
    }
    s->e[s->n] = (struct entry){xstrdup(name), k, p, fn};
    s->index[slot] = s->n + 1;
    if ((size_t)(s->n + 1) * 2 > s->index_mask + 1)
        index_grow(s);
    return s->n++;
}

#define REG(kind, p, fn)                    \
    va_list ap;                             \
    va_start(ap, fmt);                      \
    int r = add(s, kind, p, fn, fmt, ap);   \
    va_end(ap);                             \
    return r

int stats_counter(stats *s, const uint64_t *p, const char *fmt, ...) { REG(K_COUNTER, p, NULL); }
int stats_max(stats *s, const uint64_t *p, const char *fmt, ...) { REG(K_MAX, p, NULL); }
int stats_real(stats *s, const double *p, const char *fmt, ...) { REG(K_REAL, p, NULL); }
int stats_histogram(stats *s, const stats_hist *h, const char *fmt, ...) { REG(K_HIST, h, NULL); }
int stats_formula(stats *s, stats_fn fn, const void *ctx, const char *fmt, ...) { REG(K_FORMULA, ctx, fn); }

int stats_count(const stats *s) { return s->n; }
const char *stats_name(const stats *s, int i) { return s->e[i].name; }

double stats_value(const stats *s, int i)
{
    const struct entry *e = &s->e[i];
    switch (e->kind) {
    case K_COUNTER:
    case K_MAX: return (double)*(const uint64_t *)e->p;
    case K_REAL: return *(const double *)e->p;
    case K_HIST: return (double)((const stats_hist *)e->p)->n;
    case K_FORMULA: return e->fn(e->p);
    }
    return 0;
}

int stats_find(const stats *s, const char *name)
{
    return s->index[slot_of(s, name)] - 1;
}

double stats_get(const stats *s, const char *name, int *found)
{
    int i = stats_find(s, name);
    if (found)
        *found = i >= 0;
    return i >= 0 ? stats_value(s, i) : 0;
}

static void write_value(const struct entry *e, ofile *o)
{
    switch (e->kind) {
    case K_COUNTER:
    case K_MAX:
        ofile_printf(o, "%llu", (unsigned long long)*(const uint64_t *)e->p);
        break;
    case K_REAL: json_real(o, *(const double *)e->p); break;
    case K_FORMULA: json_real(o, e->fn(e->p)); break;
    case K_HIST: {
        const stats_hist *h = e->p;
        ofile_printf(o, "{\"lo\": %llu, \"width\": %llu, \"n\": %llu, \"sum\": ",
                     (unsigned long long)h->lo, (unsigned long long)h->width,
                     (unsigned long long)h->n);
        json_real(o, h->sum);
        ofile_printf(o, ", \"max\": %llu, \"under\": %llu, \"over\": %llu, \"bins\": [",
                     (unsigned long long)h->max, (unsigned long long)h->under,
                     (unsigned long long)h->over);
        for (uint32_t b = 0; b < h->nbins; b++)
            ofile_printf(o, "%s%llu", b ? ", " : "", (unsigned long long)h->bins[b]);
        ofile_puts(o, "]}");
        break;
    }
    }
}

void stats_write_config(const config *c, ofile *o)
{
    const param_desc *p = config_params();
    char val[1024];
    ofile_puts(o, "{");
    for (int i = 0; i < PARAM_COUNT; i++) {
        int first_of_section = i == 0 || strcmp(p[i].section, p[i - 1].section);
        if (first_of_section) {
            ofile_puts(o, i ? "},\n    " : "\n    ");
            json_str(o, p[i].section);
            ofile_puts(o, ": {");
        } else {
            ofile_puts(o, ", ");
        }
        json_str(o, p[i].key);
        ofile_puts(o, ": ");
        config_value_str(c, i, val, sizeof val);
        if (p[i].type == PT_INT || p[i].type == PT_REAL || p[i].type == PT_BOOL)
            ofile_puts(o, val);
        else
            json_str(o, val);
    }
    ofile_puts(o, PARAM_COUNT ? "}\n  }" : "}");
}

void stats_write_provenance(const stats_prov *pv, ofile *o)
{
    ofile_printf(o, "{\n    \"program\": \"aimcsim\",\n    \"schema_version\": %d,"
                    "\n    \"version\": ", STATS_JSON_SCHEMA);
    json_str(o, AIMCSIM_VERSION);
    ofile_puts(o, ",\n    \"revision\": ");
    json_str(o, pv && pv->revision ? pv->revision : "unknown");
    if (pv && pv->date) {
        ofile_puts(o, ",\n    \"date\": ");
        json_str(o, pv->date);
    }
    ofile_puts(o, ",\n    \"command\": ");
    json_str(o, pv && pv->command ? pv->command : "");
    ofile_puts(o, ",\n    \"config_file\": ");
    json_str(o, pv && pv->cfg && pv->cfg->path ? pv->cfg->path : "");
    ofile_printf(o, ",\n    \"config_hash\": \"%016llx\"",
                 (unsigned long long)(pv && pv->cfg ? config_hash(pv->cfg) : 0));
    ofile_printf(o, ",\n    \"partial\": %s", pv && pv->partial ? "true" : "false");
    if (pv && pv->error) {
        ofile_puts(o, ",\n    \"error\": ");
        json_str(o, pv->error);
    }
    ofile_puts(o, "\n  }");
}

int stats_write_json(const stats *s, const stats_prov *pv, ofile *o)
{
    ofile_puts(o, "{\n  \"provenance\": ");
    stats_write_provenance(pv, o);
    if (pv && pv->cfg) {
        ofile_puts(o, ",\n  \"config\": ");
        stats_write_config(pv->cfg, o);
    }
    if (pv && pv->extra)
        pv->extra(pv->extra_ctx, o);
    ofile_puts(o, ",\n  \"stats\": {");
    for (int i = 0; i < s->n; i++) {
        ofile_puts(o, i ? ",\n    " : "\n    ");
        json_str(o, s->e[i].name);
        ofile_puts(o, ": ");
        write_value(&s->e[i], o);
    }
    return ofile_puts(o, "\n  }\n}\n");
}

int stats_write_csv(const stats *s, ofile *o)
{
    char buf[64];
    ofile_puts(o, "name,value\n");
    for (int i = 0; i < s->n; i++) {
        const struct entry *e = &s->e[i];
        if (e->kind == K_HIST) {
            const stats_hist *h = e->p;
            char name[320];
            snprintf(name, sizeof name, "%s.n", e->name);
            ofile_csv(o, name);
            ofile_printf(o, ",%llu\n", (unsigned long long)h->n);
            snprintf(name, sizeof name, "%s.under", e->name);
            ofile_csv(o, name);
            ofile_printf(o, ",%llu\n", (unsigned long long)h->under);
            for (uint32_t b = 0; b < h->nbins; b++) {
                snprintf(name, sizeof name, "%s.bin_%llu", e->name,
                         (unsigned long long)(h->lo + b * h->width));
                ofile_csv(o, name);
                ofile_printf(o, ",%llu\n", (unsigned long long)h->bins[b]);
            }
            snprintf(name, sizeof name, "%s.over", e->name);
            ofile_csv(o, name);
            ofile_printf(o, ",%llu\n", (unsigned long long)h->over);
            continue;
        }
        if (e->kind == K_COUNTER || e->kind == K_MAX)
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)e->p);
        else
            json_real_fmt(buf, sizeof buf, stats_value(s, i));
        ofile_csv(o, e->name);
        ofile_printf(o, ",%s\n", buf);
    }
    return ofile_puts(o, "");
}
