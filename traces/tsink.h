/*
 * tsink.h -- the trace sink (sim/unit.h trace_sink) that writes the
 * timeline trace (traces/chrome.h) and the power trace (traces/power.h):
 * the engine and the units send it spans and energies; it maps each track
 * to a group of the Chrome trace and each energy to its power.csv column.
 *
 * Use: fill the fields (either trace may be NULL), call tsink_init, hand
 * &t->sink to the engine and the chip.  Borrowed: the traces and the tag
 * table; the caller commits or aborts the traces.
 */
#ifndef AIMCSIM_TSINK_H
#define AIMCSIM_TSINK_H

#include <stdint.h>

#include "sim/cmd.h"
#include "sim/unit.h"
#include "traces/chrome.h"
#include "traces/power.h"

typedef struct tsink {
    trace_sink sink;             /* set by tsink_init */
    chrome_trace *chrome;        /* NULL: no timeline trace */
    int group[TRACKS];           /* Chrome group of each track; -1: not shown */
    uint32_t base[UNIT_KINDS];   /* TRACK_XFER: source unit (kind, i) is track base[kind] + i */
    const cmd_tag *tags;         /* tag names of the spans' args */
    uint32_t ntags;
    power_trace *power;          /* NULL: no power trace (components: enum power_comp) */
} tsink;

/* Sets t->sink's callbacks and context to t. */
void tsink_init(tsink *t);

#endif
