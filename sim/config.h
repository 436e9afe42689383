/*
 * config.h -- the configuration of one design point.
 *
 * Every parameter is declared once, in the table of the floor it belongs
 * to (workloads/params.def, arch/params.def, sim/params_run.def); the build
 * concatenates them, in that order, into params.def (Makefile: build/gen/,
 * on the include path), the one place where every floor's parameters meet.
 * That table yields the struct fields below, the
 * defaults, INI parsing (inih), range and type checks, --set overrides,
 * `aimcsim params` and the effective-config dump.
 *
 * Errors are one line, "file:line: [section] key = value: what is wrong",
 * in the caller's buffer; the functions return -1 (0 on success).  Strings
 * in a config are owned by it: config_free releases them.
 */
#ifndef AIMCSIM_CONFIG_H
#define AIMCSIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum param_type { PT_INT, PT_REAL, PT_BOOL, PT_ENUM, PT_STR };

/* Index of every parameter: PARAM_adc_count, ... */
enum param_id {
#define P_INT(s, k, ...) PARAM_##s##_##k,
#define P_REAL(s, k, ...) PARAM_##s##_##k,
#define P_BOOL(s, k, ...) PARAM_##s##_##k,
#define P_ENUM(s, k, ...) PARAM_##s##_##k,
#define P_STR(s, k, ...) PARAM_##s##_##k,
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
    PARAM_COUNT
};

typedef struct param_desc {
    const char *section, *key;
    enum param_type type;
    size_t offset;          /* of the field in struct config */
    int64_t def_i;          /* default of PT_INT, PT_BOOL */
    double def_r;           /* default of PT_REAL */
    const char *def_s;      /* default of PT_ENUM (a name), PT_STR */
    double min, max;        /* range of PT_INT, PT_REAL (inclusive) */
    const char *unit;       /* "" when unitless */
    const char *choices;    /* "a|b|c" for PT_ENUM */
    const char *help;
} param_desc;

typedef struct config {
#define P_INT(s, k, ...) int64_t k;
#define P_REAL(s, k, ...) double k;
#define P_BOOL(s, k, ...) int k;
#define P_ENUM(s, k, ...) int k;
#define P_STR(s, k, ...) char *k;
#define P_BEGIN(s) struct cfg_##s {
#define P_END(s) } s;
#include "params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
#undef P_STR
#undef P_BEGIN
#undef P_END
    /* Provenance of each value: the file and line that set it (line 0: the
     * default), or the --set argument that overrode it last. */
    char *path;
    uint32_t line[PARAM_COUNT];
    char *set_arg[PARAM_COUNT];
    uint32_t set_seq[PARAM_COUNT]; /* order of the last --set of each (1, 2, ...) */
    uint32_t nsets;                /* --set arguments applied */
} config;

/* The parameter table, PARAM_COUNT entries in declaration order. */
const param_desc *config_params(void);
/* Index of [section] key, or -1. */
int config_find(const char *section, const char *key);

/* Fills c with the defaults (c is overwritten, not freed). */
void config_defaults(config *c);
/* Defaults, then the INI file at path.  Strict: unknown sections or keys,
 * duplicate keys, bad values, syntax errors and lines over the length limit
 * are errors.  Does not run config_check. */
int config_load(config *c, const char *path, char *err, size_t errlen);
/* Parses INI text (name is used in messages), on top of what c holds. */
int config_load_string(config *c, const char *name, const char *text,
                       char *err, size_t errlen);
/* Applies "section.key=value"; errors name the argument. */
int config_set(config *c, const char *arg, char *err, size_t errlen);
/* The cross-parameter checks of [run] and [trace]: 0, or -1 with a
 * message located by config_fail.  Every configuration passes these, the
 * hardware checks (arch/chip.h arch_config_check) and the workload checks
 * (workloads/workloads.h workloads_config_check) before it is used; the
 * composer runs all three (tools/driver.h driver_config_check). */
int config_check_run(const config *c, char *err, size_t errlen);
/* 1 if parameter i was given (in the file or by --set), even at its
 * default value. */
int config_given(const config *c, int i);
/* 1 if parameter i holds its declared default.  A check that forbids a
 * parameter in some context (a model dimension with a preset) accepts it
 * at its default: that is what an effective-config dump writes. */
int config_is_default(const config *c, int i);
/* Of parameters a and b, the one set last (to blame for a conflict). */
int config_later(const config *c, int a, int b);
/* Deep copy: dst is overwritten; free it with config_free. */
void config_copy(config *dst, const config *src);
void config_free(config *c);

/* The value of parameter i as text ("256", "true", "native", "1.5"). */
void config_value_str(const config *c, int i, char *buf, size_t n);
/* Where parameter i got its value: "file:line", "--set arg" or "default". */
void config_where(const config *c, int i, char *buf, size_t n);
/* Formats a cross-parameter error located at parameter i:
 * "where: [sec] key = value: <fmt>".  Returns -1. */
int config_fail(const config *c, int i, char *err, size_t errlen,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The name of enum parameter i's value v ("native"); valid until the
 * eighth next call in the same thread. */
const char *config_enum_name(int i, int v);

/* Writes the effective configuration as INI, loadable again by
 * config_load_string to the same values (and the same dump): a text value
 * that plain INI cannot hold (leading or trailing blanks, ';', control
 * characters) is quoted with escapes, a long one continued over lines of
 * at most 197 characters. */
void config_dump_ini(const config *c, FILE *f);
/* FNV-1a 64 over the effective configuration's INI text. */
uint64_t config_hash(const config *c);
/* `aimcsim params`: every parameter, unit, default, range, help. */
void config_print_table(FILE *f);

#endif
