/*
 * util.h -- small helpers used everywhere: error formatting, checked
 * allocation, ceiling division, FNV-1a hashing.
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

/* ceil(a / b) for b > 0. */
static inline uint64_t ceil_div_u64(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}
static inline int64_t ceil_div_i64(int64_t a, int64_t b)
{
    return a / b + (a % b != 0 && ((a < 0) == (b < 0)));
}

/* 64-bit FNV-1a, continued from h (start with FNV64_INIT). */
#define FNV64_INIT 0xcbf29ce484222325ULL
uint64_t fnv64(uint64_t h, const void *data, size_t len);

#endif
