/*
 * ofile.h -- output files written whole or not at all.
 *
 * ofile_open writes to a temporary file beside path; ofile_commit flushes,
 * closes and renames it onto path; ofile_abort removes it.  A path ending in
 * ".gz" is written gzip-compressed through zlib (level given at open).  An
 * ofile is freed by commit or abort, whatever they return.
 */
#ifndef AIMCSIM_OFILE_H
#define AIMCSIM_OFILE_H

#include <stddef.h>

typedef struct ofile ofile;

/* gz_level: 1..9, used only for ".gz" paths.  NULL with a message on error. */
ofile *ofile_open(const char *path, int gz_level, char *err, size_t errlen);
int ofile_write(ofile *o, const void *buf, size_t n);
int ofile_puts(ofile *o, const char *s);
int ofile_printf(ofile *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes s as one CSV field (RFC 4180): as is, or double-quoted with its
 * quotes doubled when it holds a comma, a double quote, CR or LF.  Every
 * CSV writer writes its text fields through it. */
int ofile_csv(ofile *o, const char *s);
/* 0 on success; -1 with a message (the temporary file is removed). */
int ofile_commit(ofile *o, char *err, size_t errlen);
void ofile_abort(ofile *o);
/* Creates a directory and its parents (like mkdir -p). */
int ofile_mkdirs(const char *dir, char *err, size_t errlen);

#endif
