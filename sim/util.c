/* util.c -- error formatting, checked allocation, hashing (see util.h). */
#include "sim/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void *oom(size_t n)
{
    fprintf(stderr, "aimcsim: out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom(n);
}

void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    return p ? p : oom(n * sz);
}

void *xcalloc_lines(size_t n, size_t sz, void **base)
{
    size_t bytes = (n ? n : 1) * (sz ? sz : 1);
    char *p = xcalloc(bytes + 64, 1);
    *base = p;
    return p + (64 - (uintptr_t)p % 64) % 64;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom(n);
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

uint64_t fnv64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

char *read_text_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errf(err, errlen, "%s: cannot read: %s", path, strerror(EISDIR));
        return NULL;
    }
    /* Chunk by chunk, stopping at the first NUL or past max bytes: a
     * device that never ends (/dev/zero) or a huge file is refused without
     * being read whole. */
    size_t cap = 8192, n = 0;
    char *text = xmalloc(cap);
    const char *nul = NULL;
    int bad = 0, errnum = 0;
    for (;;) {
        if (cap - n < 2) {
            cap *= 2;
            text = xrealloc(text, cap);
        }
        size_t want = cap - n - 1;
        if (want > max + 1 - n)
            want = max + 1 - n;
        errno = 0;
        size_t r = fread(text + n, 1, want, f);
        nul = memchr(text + n, 0, r);
        n += r;
        if (nul || n > max)
            break;
        if (r < want) {
            bad = ferror(f);
            errnum = errno;
            break;
        }
    }
    fclose(f);
    text[n] = 0;
    if (nul) {
        unsigned long line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        free(text);
        errf(err, errlen, "%s:%lu: NUL byte (expected text)", path, line);
        return NULL;
    }
    if (bad) {
        free(text);
        errf(err, errlen, "%s: cannot read: %s", path, strerror(errnum ? errnum : EIO));
        return NULL;
    }
    if (n > max) {
        free(text);
        errf(err, errlen, "%s: larger than %zu bytes (expected a text file)", path, max);
        return NULL;
    }
    if (len)
        *len = n;
    return text;
}

int is_decimal_number(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (*s < '0' || *s > '9')
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return !*s;
}
