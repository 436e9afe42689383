/*
 * stats.h -- the statistics registry.
 *
 * Components register pointers to their own plain counters once, at
 * creation; the hot path is `x->n_conv++`, never a lookup.  A name is a
 * dotted path ending in its unit where it has one ("tile3.adc.conv",
 * "chip.energy_pj", "noc.link_busy_ps").  Formulas are evaluated at dump
 * time.  Dumps list entries in registration order, with a provenance block.
 * Registered pointers must stay valid until the last dump.
 */
#ifndef AIMCSIM_STATS_H
#define AIMCSIM_STATS_H

#include <stdint.h>

#include "sim/config.h"
#include "sim/ofile.h"

typedef struct stats stats;
typedef double (*stats_fn)(const void *ctx);

/* A histogram of uint64 samples: nbins bins of width from lo. */
typedef struct stats_hist {
    uint64_t lo, width;
    uint32_t nbins;
    uint64_t *bins;        /* owned; freed by stats_hist_free */
    uint64_t under, over;  /* samples below lo / at or above the last bin */
    uint64_t n, max;
    double sum;
} stats_hist;

void stats_hist_init(stats_hist *h, uint64_t lo, uint64_t width, uint32_t nbins);
void stats_hist_free(stats_hist *h);
static inline void stats_hist_add(stats_hist *h, uint64_t v)
{
    h->n++;
    h->sum += (double)v;
    if (v > h->max)
        h->max = v;
    if (v < h->lo)
        h->under++;
    else if ((v - h->lo) / h->width >= h->nbins)
        h->over++;
    else
        h->bins[(v - h->lo) / h->width]++;
}
/* High-water mark update for a counter registered with stats_max. */
#define STATS_MAX(var, v) do { if ((v) > (var)) (var) = (v); } while (0)

/* Bytes a registry of n entries allocates, about (entries, names of up to
 * 32 characters, the name index); for the resource estimate. */
uint64_t stats_mem_bytes(uint64_t n);

stats *stats_create(void);
void stats_free(stats *s);

/* Registration.  The name is a printf format.  Returns the entry's index. */
int stats_counter(stats *s, const uint64_t *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int stats_max(stats *s, const uint64_t *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int stats_real(stats *s, const double *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int stats_histogram(stats *s, const stats_hist *h, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int stats_formula(stats *s, stats_fn fn, const void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Number of entries, an entry's name, its current value (a histogram's
 * value is its sample count). */
int stats_count(const stats *s);
const char *stats_name(const stats *s, int i);
double stats_value(const stats *s, int i);
/* Index of the entry with that name, or -1. */
int stats_find(const stats *s, const char *name);
/* Value by name; 0 and *found = 0 when absent (found may be NULL). */
double stats_get(const stats *s, const char *name, int *found);

/* The layout version of stats.json ("schema_version" in its provenance
 * block): bumped when a reader of the previous layout could misread it. */
#define STATS_JSON_SCHEMA 1

/* What a dump says about where it came from. */
typedef struct stats_prov {
    const char *command;   /* the command line, as one string */
    const config *cfg;     /* effective parameters (may be NULL) */
    int partial;           /* 1: the run did not complete (error) */
    const char *error;     /* the error when partial, else NULL */
    const char *revision;  /* source revision of the build; NULL: "unknown" */
    const char *date;      /* when the run was made (ISO 8601); NULL: omitted */
    /* Writes further top-level members after "config" (each as
     * `,\n  "name": value`); NULL: none. */
    void (*extra)(const void *ctx, ofile *o);
    const void *extra_ctx;
} stats_prov;

/* {"provenance":{...},"config":{...}, extra members, "stats":{...}} */
int stats_write_json(const stats *s, const stats_prov *pv, ofile *o);
/* "name,value" rows after a header, histograms flattened per bin. */
int stats_write_csv(const stats *s, ofile *o);
/* The provenance block alone, as a JSON object (used by other dumps). */
void stats_write_provenance(const stats_prov *pv, ofile *o);
/* The effective configuration as a JSON object {"section":{"key":v}}. */
void stats_write_config(const config *c, ofile *o);

#endif
