/*
 * ofile.c -- atomic (temporary file + rename) output, plain or gzip.
 *
 * Invariant: path itself is only ever touched by rename(2), so a reader sees
 * either the previous file or the complete new one.  Writes go through a
 * 64 KiB buffer; a write error is remembered and reported at commit.
 */
#include "sim/ofile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/util.h"

#define OFILE_BUF 65536

struct ofile {
    char *path, *tmp;
    FILE *f;       /* plain output, or NULL */
    gzFile gz;     /* gzip output, or NULL */
    int failed;    /* a write failed */
    size_t used;
    char buf[OFILE_BUF];
};

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

ofile *ofile_open(const char *path, int gz_level, char *err, size_t errlen)
{
    ofile *o = xcalloc(1, sizeof *o);
    o->path = xstrdup(path);
    o->tmp = xasprintf("%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        errf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        free(o->path);
        free(o->tmp);
        free(o);
        return NULL;
    }
    fchmod(fd, 0644);
    if (ends_with(path, ".gz")) {
        char mode[8];
        snprintf(mode, sizeof mode, "wb%d", gz_level < 1 ? 1 : gz_level > 9 ? 9 : gz_level);
        o->gz = gzdopen(fd, mode);
        if (o->gz)
            gzbuffer(o->gz, 1 << 17);
    } else {
        o->f = fdopen(fd, "wb");
    }
    if (!o->gz && !o->f) {
        close(fd);
        unlink(o->tmp);
        errf(err, errlen, "%s: cannot open for writing", path);
        free(o->path);
        free(o->tmp);
        free(o);
        return NULL;
    }
    return o;
}

static void flush(ofile *o)
{
    if (!o->used || o->failed)
        return;
    if (o->gz) {
        if (gzwrite(o->gz, o->buf, (unsigned)o->used) != (int)o->used)
            o->failed = 1;
    } else if (fwrite(o->buf, 1, o->used, o->f) != o->used) {
        o->failed = 1;
    }
    o->used = 0;
}

int ofile_write(ofile *o, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        if (o->used == OFILE_BUF)
            flush(o);
        size_t k = OFILE_BUF - o->used;
        if (k > n)
            k = n;
        memcpy(o->buf + o->used, p, k);
        o->used += k;
        p += k;
        n -= k;
    }
    return o->failed ? -1 : 0;
}

int ofile_puts(ofile *o, const char *s) { return ofile_write(o, s, strlen(s)); }

int ofile_printf(ofile *o, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return ofile_write(o, small, (size_t)n);
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int r = ofile_write(o, big, (size_t)n);
    free(big);
    return r;
}

int ofile_csv(ofile *o, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")])
        return ofile_puts(o, s);
    ofile_write(o, "\"", 1);
    for (const char *p = s; *p; p++) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        ofile_write(o, p, n);
        if (!q)
            break;
        ofile_write(o, "\"", 1);
        p = q;
    }
    return ofile_write(o, "\"", 1);
}

static void release(ofile *o)
{
    free(o->path);
    free(o->tmp);
    free(o);
}

int ofile_commit(ofile *o, char *err, size_t errlen)
{
    flush(o);
    int bad = o->failed;
    if (o->gz)
        bad |= gzclose(o->gz) != Z_OK;
    else
        bad |= fclose(o->f) != 0;
    if (bad) {
        unlink(o->tmp);
        errf(err, errlen, "%s: write failed (disk full?)", o->path);
        release(o);
        return -1;
    }
    if (rename(o->tmp, o->path) != 0) {
        errf(err, errlen, "%s: cannot rename into place: %s", o->path, strerror(errno));
        unlink(o->tmp);
        release(o);
        return -1;
    }
    release(o);
    return 0;
}

void ofile_abort(ofile *o)
{
    if (!o)
        return;
    if (o->gz)
        gzclose(o->gz);
    else
        fclose(o->f);
    unlink(o->tmp);
    release(o);
}

int ofile_mkdirs(const char *dir, char *err, size_t errlen)
{
    if (!*dir)
        return errf(err, errlen, "cannot create a directory with an empty name");
    char *p = xstrdup(dir);
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                errf(err, errlen, "%s: cannot create directory: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}
