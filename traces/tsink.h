/*
 * tsink.h -- the trace sink (sim/unit.h trace_sink) that writes the
 * timeline trace (traces/chrome.h) and the power trace (traces/power.h):
 * the engine and the units send it spans and energies; it maps each track
 * to a group of the timeline trace and each energy to its power.csv
 * column.
 *
 * Use: fill the fields (either trace may be NULL), call tsink_init, hand
 * &t->sink to the engine and the chip.  Borrowed: the traces, the kernel
 * and the tag table; the caller commits or aborts the traces.  Span names
 * are interned by address: a name passed to the sink must keep its
 * address and content for the sink's life (the engine's and the units'
 * names are static strings).
 */
#ifndef AIMCSIM_TSINK_H
#define AIMCSIM_TSINK_H

#include <stdint.h>

#include "sim/cmd.h"
#include "sim/kernel.h"
#include "sim/unit.h"
#include "traces/chrome.h"
#include "traces/power.h"

#define TSINK_NAMES 64    /* span names cached by address */
#define TSINK_TAGS 4096   /* tags cached by index */

typedef struct tsink {
    trace_sink sink;             /* set by tsink_init */
    chrome_trace *chrome;        /* NULL: no timeline trace */
    int group[TRACKS];           /* timeline group of each track; -1: not shown */
    uint32_t base[UNIT_KINDS];   /* TRACK_XFER: source unit (kind, i) is track base[kind] + i */
    const cmd_tag *tags;         /* tag names of the spans' args */
    uint32_t ntags;
    power_trace *power;          /* NULL: no power trace (components: enum power_comp) */
    const kernel *kernel;        /* the run's clock: energies start at or after its
                                  * time, so the power rows before it are written
                                  * as the run goes; NULL: all at commit */
    /* Interned names (chrome_intern) by address and tags by index; set by
     * tsink_init. */
    struct { const char *s; uint32_t id; } names[TSINK_NAMES];
    struct { uint32_t tag1, id; } tag_ids[TSINK_TAGS];  /* tag1 = tag + 1, 0: empty */
} tsink;

/* Sets t->sink's callbacks and context to t; empties the name caches. */
void tsink_init(tsink *t);

#endif
