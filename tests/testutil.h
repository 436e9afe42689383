/* testutil.h -- helpers shared by the Criterion suites in tests/. */
#ifndef AIMCSIM_TESTUTIL_H
#define AIMCSIM_TESTUTIL_H

#include <stddef.h>

/* Path of the aimcsim program under test ($AIMCSIM, else build/aimcsim). */
const char *tu_prog(void);

/* Runs a shell command; stores its stdout and stderr (each NUL-terminated,
 * caller frees) and returns its exit status (or -1). */
int tu_sh(const char *cmd, char **out, char **err);

/* tu_sh of the command printf would make of fmt; out and err may be NULL
 * (then nothing is kept). */
int tu_shf(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes text to a fresh temporary file; returns its path (caller frees). */
char *tu_tmpfile(const char *suffix, const char *text);

/* A fresh folder /tmp/aimcsim-PREFIX-XXXXXX (caller frees the path);
 * tu_rmtree removes a folder and what it holds. */
char *tu_mkdtemp(const char *prefix);
void tu_rmtree(const char *dir);

/* Writes text to DIR/NAME; returns the path (caller frees). */
char *tu_write(const char *dir, const char *name, const char *text);

/* Writes DIR/NAME, a random GPT-2 checkpoint in llm.c's fp32 format
 * (version 3): `layers` blocks of `channels` with `heads` heads, d_ff 4 x
 * channels, vocabulary `vocab` padded to `padded`, context max_t; weights
 * uniform (LayerNorm gains about 1), fixed by seed.  Returns the path
 * (caller frees), NULL if it cannot be written. */
char *tu_llmc_model(const char *dir, const char *name, int layers, int channels, int heads,
                    int vocab, int padded, int max_t, unsigned long long seed);
/* Writes DIR/NAME, an llm.c token file of the n tokens tok.  Returns the
 * path (caller frees), NULL on error. */
char *tu_llmc_tokens(const char *dir, const char *name, const unsigned short *tok, int n);

/* Reads a whole file; NULL if it cannot be read (caller frees). */
char *tu_slurp(const char *path, size_t *len);

struct config;
/* Loads INI text as the file "t.ini" on top of the defaults, then runs
 * config_check; returns -1 at the first failing step with its message in
 * err (c is filled either way: free it with config_free). */
int tu_config(struct config *c, const char *text, char *err, size_t errlen);

/* The value of statistic `name` in DIR/stats.csv; NaN if it is absent or
 * there is no stats.csv. */
double tu_stat(const char *dir, const char *name);

/* The value of statistic name in a stats.csv text, as a fresh string
 * (caller frees); NULL if absent. */
char *tu_stat_text(const char *stats, const char *name);

/* A CSV file (RFC 4180 quotes) as rows of fields: f[0] is the header.
 * Rows beyond TU_CSV_MAXR and fields beyond TU_CSV_MAXF are dropped. */
#define TU_CSV_MAXF 256
#define TU_CSV_MAXR 64
typedef struct tu_csv {
    int nrows;
    int nf[TU_CSV_MAXR];
    char *f[TU_CSV_MAXR][TU_CSV_MAXF];
} tu_csv;
void tu_csv_parse(tu_csv *c, const char *text);
void tu_csv_free(tu_csv *c);
/* Index of the header field name, or -1. */
int tu_csv_col(const tu_csv *c, const char *name);

/* 1 if path is a PNG file of more than 1000 bytes (a drawn plot). */
int tu_png_ok(const char *path);

/* Nonzero when the slow tier is requested (AIMCSIM_SLOW=1 in the env). */
int tu_slow(void);

/* One command executed on a chip as the engine would (arch/chip.h
 * chip_exec), and what it reported; for an activation also its ADC bank's
 * busy interval, as the unit traced it (0, 0 without conversions). */
#include "sim/unit.h"
struct chip;
typedef struct tu_timing {
    uint64_t start_ps, end_ps;
    uint64_t wait_ps[STALL_CAUSES];
    double e_pj;
    uint64_t adc_start_ps, adc_end_ps;
} tu_timing;
void tu_act(struct chip *c, uint32_t tile, const cmd_set *rows, const cmd_set *cols,
            unsigned slices, unsigned bits, uint64_t t_ps, tu_timing *out);
void tu_xfer(struct chip *c, unit_id src, unit_id dst, uint64_t bytes, uint64_t t_ps,
             tu_timing *out);
void tu_mem(struct chip *c, unit_id mem, int write, uint64_t addr, uint64_t bytes,
            uint64_t t_ps, tu_timing *out);
void tu_dig(struct chip *c, uint32_t cluster, enum dig_kind kind, uint32_t m, uint32_t n,
            uint32_t k, uint64_t t_ps, tu_timing *out);
void tu_program(struct chip *c, uint32_t tile, uint64_t t_ps, tu_timing *out);
/* A multicast from src to dst and the next n - 1 units of its kind. */
void tu_mcast(struct chip *c, unit_id src, unit_id dst, uint32_t n, uint64_t bytes,
              uint64_t t_ps, tu_timing *out);

#endif
