/*
 * cmdstream.h -- the command-stream file: a versioned, line-oriented text
 * format ("aimcsim-cmd 2"; version 1 files are read too), gzip-compressed
 * when the file name ends in
 * ".gz".  The format, its grammar and its error messages are specified in
 * docs/command-stream.md; this header is its only reader and writer.
 *
 * Writer: cmdw_open writes the header, cmdw_write appends one command (and
 * checks it with cmdstream_check_cmd), cmdw_commit writes the trailer and
 * renames the file into place (sim/ofile.h: the file is written whole or
 * not at all).  The first error is remembered; cmdw_commit reports it.
 *
 * Reader: cmdr_open reads and checks the header; cmdr_source yields the
 * commands one by one, each checked, through the cmd_source interface.  The
 * reader streams: its memory is bounded by the longest line and the longest
 * dependency list (cmdr_mem_bytes), never by the length of the file.  Every
 * error is "file:line: what is wrong (what was expected)".
 */
#ifndef AIMCSIM_CMDSTREAM_H
#define AIMCSIM_CMDSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cmd.h"

#define CMDSTREAM_FORMAT "aimcsim-cmd"
#define CMDSTREAM_VERSION 2
/* The oldest version the reader accepts: version 1 lacks fixed, delay,
 * mcast, the prio= field and the argmax digital kind (sim/cmd.h
 * cmd_since). */
#define CMDSTREAM_VERSION_MIN 1
/* Longest line, newline excluded, in bytes (reader and writer). */
#define CMDSTREAM_LINE_MAX 1048576
/* Longest tag name and provenance key, in bytes. */
#define CMDSTREAM_NAME_MAX 255
/* Most units of one kind (UNIT_INDEX has 28 bits). */
#define CMDSTREAM_UNITS_MAX 0x10000000u

/* A free-form provenance entry: key ([A-Za-z0-9_.-]+) and value (one line). */
typedef struct cmdstream_prov {
    const char *key, *value;
} cmdstream_prov;

/* What a stream declares before its commands.  For cmdw_open the caller
 * owns every pointer (copied by cmdw_open); for cmdr_header the reader owns
 * them until cmdr_close. */
typedef struct cmdstream_header {
    int version;                 /* format version (the writer writes CMDSTREAM_VERSION) */
    uint32_t units[UNIT_KINDS];  /* units the stream was made for, per kind; [UNIT_NONE] unused */
    uint32_t ntags;
    const cmd_tag *tags;         /* tag i is referenced as tag=i */
    uint32_t nprov;
    const cmdstream_prov *prov;  /* e.g. {"command", "aimcsim schedule ..."}, {"config_hash", "..."} */
    const char *path;            /* reader: the file (for messages); writer: ignored */
    uint32_t units_line;         /* reader: line of the units line; writer: ignored */
} cmdstream_header;

/* 1 if s is a valid tag name: 1..CMDSTREAM_NAME_MAX printable characters
 * without spaces (bytes above 0x7f allowed: UTF-8). */
int cmdstream_name_ok(const char *s);
/* 1 if s is a valid provenance key: 1..CMDSTREAM_NAME_MAX of A-Z a-z 0-9 _ . - */
int cmdstream_key_ok(const char *s);

/* The value of provenance key, or NULL. */
const char *cmdstream_prov_get(const cmdstream_header *h, const char *key);

/* Checks a command against a header: c->id == expect_id; the unit suits the
 * op and is within the header's counts; the tag is declared; operands in
 * range; dependencies strictly increasing and all < c->id.  0, or -1 with
 * the message alone (no place prefix), e.g. "unknown tag 9 (the stream
 * declares 5 tags: 0..4)".  The reader and writer both use it; a lazy
 * command source may too. */
int cmdstream_check_cmd(const cmdstream_header *h, uint64_t expect_id, const cmd *c,
                        char *err, size_t errlen);

/* Checks that the stream fits a chip with counts[k] units of each kind
 * (counts[UNIT_NONE] ignored): 0, or -1 with "file:line: the stream is for
 * 64 tiles; the chip has 32 (expected at most 32)". */
int cmdstream_validate_units(const cmdstream_header *h, const uint32_t counts[UNIT_KINDS],
                             char *err, size_t errlen);

/* ---- writer ---- */

typedef struct cmdw cmdw;

/* Writes the header to a temporary file beside path (gzip level 1 for a
 * ".gz" path).  Tag names must be 1..CMDSTREAM_NAME_MAX characters without
 * spaces or control characters, layers >= -1; control characters in
 * provenance values are written as spaces.  NULL with a message on error. */
cmdw *cmdw_open(const char *path, const cmdstream_header *h, char *err, size_t errlen);
/* Appends one command (ids must be 0, 1, 2, ...; an unsorted dependency
 * list is written sorted).  0, or -1 once any write or check has failed. */
int cmdw_write(cmdw *w, const cmd *c);
/* Commands written so far. */
uint64_t cmdw_count(const cmdw *w);
/* Writes the trailer and renames the file into place.  0, or -1 with the
 * first error ("path: command 5: ...").  Frees w either way. */
int cmdw_commit(cmdw *w, char *err, size_t errlen);
/* Removes the temporary file and frees w (NULL is allowed). */
void cmdw_abort(cmdw *w);

/* ---- reader ---- */

typedef struct cmdr cmdr;

/* Opens a stream (plain or gzip, detected from the content) and reads its
 * header.  NULL with "file:line: ..." on error. */
cmdr *cmdr_open(const char *path, char *err, size_t errlen);
const cmdstream_header *cmdr_header(const cmdr *r);
/* A source over the commands: next() returns 1 with *c filled (c->deps
 * valid until the next call), 0 after the trailer has been checked, -1 with
 * "file:line: ..." (then -1 again on every later call). */
cmd_source cmdr_source(cmdr *r);
/* Bytes the reader has allocated for its line buffer and dependency list
 * (bounded by the longest line, not by the file length). */
size_t cmdr_mem_bytes(const cmdr *r);
/* Current line number (lines read so far). */
uint64_t cmdr_line(const cmdr *r);
void cmdr_close(cmdr *r);

#endif
