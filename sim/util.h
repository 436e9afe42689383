/*
 * util.h -- small helpers used everywhere: error formatting, checked
 * allocation, checked arithmetic, ceiling division, reading a bounded text
 * file, FNV-1a hashing.
 *
 * Errors follow one convention: a function that can fail takes
 * (char *err, size_t errlen) last, writes one line without a newline
 * ("file:line: what is wrong") and returns a negative value or NULL.
 * Library code never exits; only tools/aimcsim.c decides exit statuses.
 */
#ifndef AIMCSIM_UTIL_H
#define AIMCSIM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ERR_LEN 1024

/* For the per-command paths: a step always inlined into its caller, and
 * a rare one kept out of its way. */
#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#define COLD __attribute__((noinline, cold))
#else
#define HOT_INLINE static inline
#define COLD
#endif

/* Formats into err (if non-NULL) and returns -1. */
int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* malloc/calloc/realloc that abort the process on exhaustion: memory
 * exhaustion is not a recoverable input error. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
/* xcalloc aligned to a 64-byte cache line: returns the aligned memory and
 * sets *base to what free() takes.  Large blocks stay lazily zeroed. */
void *xcalloc_lines(size_t n, size_t sz, void **base);
char *xstrdup(const char *s);
/* Formats into a fresh string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checked arithmetic on sizes, times and counts computed from input.  Each
 * stores the exact result in *r and returns 0, or returns 1 when it does
 * not fit (then *r holds the wrapped value: never use it).  Callers turn a
 * 1 into an input error that names the input (sim/util.h convention), so
 * a value that would overflow is never used silently. */
static inline int ckd_add_u64(uint64_t *r, uint64_t a, uint64_t b)
{
    return __builtin_add_overflow(a, b, r);
}
static inline int ckd_mul_u64(uint64_t *r, uint64_t a, uint64_t b)
{
    return __builtin_mul_overflow(a, b, r);
}
static inline int ckd_sub_u64(uint64_t *r, uint64_t a, uint64_t b)
{
    return __builtin_sub_overflow(a, b, r);
}
static inline int ckd_mul_size(size_t *r, size_t a, size_t b)
{
    return __builtin_mul_overflow(a, b, r);
}
/* Saturating forms, for upper bounds that are compared with a limit
 * afterwards: UINT64_MAX when the exact result does not fit. */
static inline uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}
static inline uint64_t sat_mul_u64(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* ceil(a / b) for b > 0. */
static inline uint64_t ceil_div_u64(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}
static inline int64_t ceil_div_i64(int64_t a, int64_t b)
{
    return a / b + (a % b != 0 && ((a < 0) == (b < 0)));
}

/* Largest input text file (configuration, profile) the readers accept, in
 * bytes: a configuration is a few KiB; a larger file is not one (a device
 * such as /dev/zero, a file given by mistake) and is refused, not read. */
#define TEXT_FILE_MAX_BYTES (4u << 20)

/* Reads the text file at path whole: at most max bytes, no NUL byte.
 * Returns the text (NUL-terminated, caller frees, *len its length if len
 * is non-NULL), or NULL with one of
 *   "path: cannot open: <reason>", "path: cannot read: Is a directory",
 *   "path: cannot read: <reason>",
 *   "path: larger than N bytes (expected a text file)",
 *   "path:LINE: NUL byte (expected text)". */
char *read_text_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* 1 if s is a whole decimal number: [+-] digits [. digits] [(e|E) [+-]
 * digits], with digits on at least one side of the point.  No hex, inf or
 * nan, which strtod also takes: the readers of configurations and profiles
 * accept only this. */
int is_decimal_number(const char *s);

/* 64-bit FNV-1a, continued from h (start with FNV64_INIT). */
#define FNV64_INIT 0xcbf29ce484222325ULL
uint64_t fnv64(uint64_t h, const void *data, size_t len);

#endif
