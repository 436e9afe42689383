/*
 * tout.c -- streamed trace output, plain then gzip past a size (tout.h).
 *
 * Invariant: the bytes accepted so far are exactly buf[0, used) after the
 * content of the temporary file tmp (plain bytes when gz is NULL, a gzip
 * stream of them otherwise); plain + used never exceeds gz_above while
 * the output is plain.  The path itself is touched only by rename(2).
 */
#include "traces/tout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/util.h"

struct tout {
    char *path;        /* the name without ".gz" */
    char *tmp;         /* the temporary file being written */
    int fd;            /* tmp, while plain */
    gzFile gz;         /* tmp, once compressed; NULL while plain */
    uint64_t gz_above; /* plain up to this many bytes */
    uint64_t plain;    /* bytes in tmp while plain */
    int failed;        /* a write failed: errno in err_no */
    int err_no;
    size_t used;
    char buf[TOUT_BUF];
};

static int make_tmp(const char *name, char **tmp)
{
    *tmp = xasprintf("%s.tmp.XXXXXX", name);
    int fd = mkstemp(*tmp);
    if (fd >= 0)
        fchmod(fd, 0644);
    return fd;
}

static void fail(tout *o, int e)
{
    if (!o->failed) {
        o->failed = 1;
        o->err_no = e;
    }
}

static void write_fd(tout *o, int fd, const char *p, size_t n)
{
    while (n && !o->failed) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            fail(o, k < 0 ? errno : ENOSPC);
            return;
        }
        p += k;
        n -= (size_t)k;
    }
}

static void write_gz(tout *o, const char *p, size_t n)
{
    while (n && !o->failed) {
        unsigned k = n > (1u << 30) ? 1u << 30 : (unsigned)n;
        if (gzwrite(o->gz, p, k) != (int)k) {
            fail(o, EIO);
            return;
        }
        p += k;
        n -= k;
    }
}

/* Moves the plain bytes written so far into a gzip stream in a new
 * temporary file; later bytes go to the stream. */
static void to_gz(tout *o)
{
    char *gzname = xasprintf("%s.gz", o->path), *tmp2;
    int fd2 = make_tmp(gzname, &tmp2);
    free(gzname);
    if (fd2 < 0) {
        fail(o, errno);
        free(tmp2);
        return;
    }
    o->gz = gzdopen(fd2, "wb1");
    if (!o->gz) {
        close(fd2);
        unlink(tmp2);
        free(tmp2);
        fail(o, ENOMEM);
        return;
    }
    gzbuffer(o->gz, 1 << 17);
    char *chunk = xmalloc(1 << 20);
    for (off_t at = 0; !o->failed;) {
        ssize_t k = pread(o->fd, chunk, 1 << 20, at);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            fail(o, errno);
        if (k <= 0)
            break;
        write_gz(o, chunk, (size_t)k);
        at += k;
    }
    free(chunk);
    close(o->fd);
    o->fd = -1;
    unlink(o->tmp);
    free(o->tmp);
    o->tmp = tmp2;
}

/* Empties the buffer into the file. */
static void drain(tout *o)
{
    if (!o->used || o->failed) {
        o->used = 0;
        return;
    }
    if (!o->gz && o->plain + o->used > o->gz_above)
        to_gz(o);
    if (o->gz) {
        write_gz(o, o->buf, o->used);
    } else {
        write_fd(o, o->fd, o->buf, o->used);
        o->plain += o->used;
    }
    o->used = 0;
}

tout *tout_open(const char *path, uint64_t gz_above_bytes, char *err, size_t errlen)
{
    tout *o = xmalloc(sizeof *o);
    o->path = xstrdup(path);
    o->fd = make_tmp(path, &o->tmp);
    if (o->fd < 0) {
        errf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        free(o->tmp);
        free(o->path);
        free(o);
        return NULL;
    }
    o->gz = NULL;
    o->gz_above = gz_above_bytes;
    o->plain = 0;
    o->failed = 0;
    o->err_no = 0;
    o->used = 0;
    if (gz_above_bytes == 0)
        to_gz(o);
    return o;
}

char *tout_room(tout *o, size_t n)
{
    if (TOUT_BUF - o->used < n)
        drain(o);
    return o->buf + o->used;
}

void tout_put(tout *o, size_t n) { o->used += n; }

int tout_write(tout *o, const void *buf, size_t n)
{
    for (const char *p = buf; n;) {
        size_t k = n < TOUT_BUF ? n : TOUT_BUF;
        memcpy(tout_room(o, k), p, k);
        tout_put(o, k);
        p += k;
        n -= k;
    }
    return o->failed ? -1 : 0;
}

int tout_puts(tout *o, const char *s) { return tout_write(o, s, strlen(s)); }

static void release(tout *o)
{
    free(o->path);
    free(o->tmp);
    free(o);
}

int tout_commit(tout *o, char *err, size_t errlen)
{
    drain(o);
    char *gzname = xasprintf("%s.gz", o->path);
    const char *final = o->gz ? gzname : o->path, *other = o->gz ? o->path : gzname;
    if (o->gz) {
        if (gzclose(o->gz) != Z_OK)
            fail(o, EIO);
    } else if (close(o->fd) != 0) {
        fail(o, errno);
    }
    int r = 0;
    if (o->failed) {
        errf(err, errlen, "%s: write failed: %s", final, strerror(o->err_no));
        unlink(o->tmp);
        r = -1;
    } else if (rename(o->tmp, final) != 0) {
        errf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
        unlink(o->tmp);
        r = -1;
    } else {
        unlink(other);
    }
    free(gzname);
    release(o);
    return r;
}

void tout_abort(tout *o)
{
    if (!o)
        return;
    if (o->gz)
        gzclose(o->gz);
    else if (o->fd >= 0)
        close(o->fd);
    unlink(o->tmp);
    release(o);
}
