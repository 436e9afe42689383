/*
 * tout.h -- a trace output file: streamed, written whole or not at all,
 * gzip-compressed once it grows past a size.
 *
 * Bytes go to a temporary file beside the path, plain.  When the plain
 * bytes would exceed gz_above_bytes, what was written so far is compressed
 * into a second temporary file (zlib, level 1) and every later byte goes
 * through gzip; tout_commit renames the result to "<path>" or "<path>.gz"
 * and removes the other of the two names, so a folder never holds a stale
 * trace beside the new one.  Memory is a fixed buffer: it does not grow
 * with the bytes written.  After a write error every call fails and
 * commit reports it.  A tout is freed by commit or abort, whatever they
 * return.
 */
#ifndef AIMCSIM_TOUT_H
#define AIMCSIM_TOUT_H

#include <stddef.h>
#include <stdint.h>

#define TOUT_BUF 65536            /* bytes buffered before a write */
#define TOUT_NEVER UINT64_MAX     /* gz_above_bytes: never compress */

typedef struct tout tout;

/* gz_above_bytes: plain while the file has at most this many bytes (0:
 * always gzip).  NULL with a message. */
tout *tout_open(const char *path, uint64_t gz_above_bytes, char *err, size_t errlen);
/* Room for n <= TOUT_BUF bytes in the buffer; write them there, then
 * tout_put(o, n_written).  Never NULL. */
char *tout_room(tout *o, size_t n);
void tout_put(tout *o, size_t n);
/* 0, or -1 once a write has failed. */
int tout_write(tout *o, const void *buf, size_t n);
int tout_puts(tout *o, const char *s);
/* Flushes, closes and renames into place.  0, or -1 with a message (the
 * temporary file is removed). */
int tout_commit(tout *o, char *err, size_t errlen);
void tout_abort(tout *o);

#endif
