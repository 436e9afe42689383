/*
 * chrome.h -- the timeline trace, in one of two formats that Perfetto
 * (ui.perfetto.dev) opens: Perfetto's own protobuf trace
 * ("aimcsim-perfetto 1", compact, the default) or Chrome trace-event JSON
 * ("aimcsim-chrome 1", which chrome://tracing opens too).  Layout and
 * record formats are in docs/outputs.md, "Traces".
 *
 * A trace has groups (one per unit kind: tiles, ADC banks, links, clusters,
 * memories), each shown as one process with one track (thread) per unit.
 * When the units of all groups exceed max_tracks, large groups are
 * aggregated: consecutive units share a track ("tiles 0-7"), and the spans
 * of a shared track are merged into busy intervals (see chrome_span).
 *
 * Use: chrome_open; declare every group (chrome_group), optionally unit
 * names and metadata; then spans and counters in any order; chrome_commit.
 * The layout is fixed, and the header written, at the first span or
 * counter.  Events are streamed to the file (traces/tout.h: atomic, gzip
 * past a size): the memory held does not grow with the number of events.
 * After the first error every call fails and commit reports it.
 */
#ifndef AIMCSIM_CHROME_H
#define AIMCSIM_CHROME_H

#include <stddef.h>
#include <stdint.h>

#define CHROME_FORMAT "aimcsim-chrome 1"      /* the JSON format */
#define CHROME_PF_FORMAT "aimcsim-perfetto 1"  /* the protobuf format */

/* The formats, in the order of [trace] format. */
enum chrome_format { CHROME_PERFETTO, CHROME_JSON, CHROME_FORMATS };
/* "perfetto", "json"; the file extension ".pftrace", ".json".  NULL for
 * an unknown format. */
const char *chrome_format_name(int format);
const char *chrome_format_ext(int format);

typedef struct chrome_trace chrome_trace;

/* format: enum chrome_format; max_tracks >= 1: most tracks in the file
 * (each group keeps at least one track, so G groups give at least G
 * tracks); the file is path, or path.gz once it would exceed
 * gz_above_bytes (traces/tout.h).  NULL with a message. */
chrome_trace *chrome_open(const char *path, int format, uint32_t max_tracks,
                          uint64_t gz_above_bytes, char *err, size_t errlen);

/* Declares a group of n_units units named "<unit_prefix><index>" (e.g.
 * group "tiles", prefix "tile").  Returns the group index (0, 1, ...;
 * groups are shown in this order), or -1 once the layout is fixed. */
int chrome_group(chrome_trace *t, const char *name, const char *unit_prefix, uint32_t n_units);
/* Gives one unit its own track name (e.g. "link 3->4"; used only if the
 * unit has a track of its own).  0, or -1 once the layout is fixed. */
int chrome_unit_name(chrome_trace *t, int group, uint32_t unit, const char *name);
/* Adds a key/value to the file's "otherData" object (command line, config
 * hash).  0, or -1 once the layout is fixed. */
int chrome_meta(chrome_trace *t, const char *key, const char *value);

/* One span of work of a unit over [start_ps, end_ps): a complete ("X")
 * event named name (the command's op or tag name), with args id (omitted
 * if < 0) and tag (omitted if NULL).  On a unit's own track the spans are
 * written as given: they must not partially overlap (nested or disjoint is
 * fine).  On a shared track, spans that overlap or touch are merged into
 * one interval named "busy" with args {"spans": count}; a span alone keeps
 * its name and args.  Up to CHROME_PENDING intervals per shared track are
 * held back for merging; a span that starts before the end of an interval
 * already written is clipped to start there.  0, or -1 (bad group or unit,
 * end before start, write error). */
#define CHROME_PENDING 16
int chrome_span(chrome_trace *t, int group, uint32_t unit, const char *name, uint64_t start_ps,
                uint64_t end_ps, int64_t id, const char *tag);
/* The same with names interned once by chrome_intern (tag CHROME_NO_TAG
 * for none): no string is hashed per span. */
#define CHROME_NO_TAG UINT32_MAX
uint32_t chrome_intern(chrome_trace *t, const char *name);
int chrome_span_i(chrome_trace *t, int group, uint32_t unit, uint32_t name, uint64_t start_ps,
                  uint64_t end_ps, int64_t id, uint32_t tag);
/* A counter ("C") sample of the group's process: a track named name, value
 * from t_ps on. */
int chrome_counter(chrome_trace *t, int group, const char *name, uint64_t t_ps, double value);

/* After the layout is fixed: tracks of a group, and units per track. */
uint32_t chrome_tracks(const chrome_trace *t, int group);
uint32_t chrome_units_per_track(const chrome_trace *t, int group);
/* Events written so far (metadata included). */
uint64_t chrome_events(const chrome_trace *t);

/* Flushes the held intervals, closes the trace, renames the file into
 * place.  0, or -1 with the first error.  Frees t either way. */
int chrome_commit(chrome_trace *t, char *err, size_t errlen);
void chrome_abort(chrome_trace *t);

#endif
