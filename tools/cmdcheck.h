/*
 * cmdcheck.h -- a command checked against the chip that will execute it,
 * before it runs: the composer's part of reading a command stream (the
 * format itself is checked by traces/cmdstream.h, which knows no chip).
 *
 * For each command, in stream order:
 *  - its unit (and a transfer's destination) exists on the chip;
 *  - act: every row and column range lies inside the array ([tile] rows,
 *    cols) and the set drives at most that many; bits is within what the
 *    ADCs are built for ([adc] bits, or bits_max when derived);
 *  - mem: an SRAM access lies inside its bank ([sram] bank_bytes); a DRAM
 *    access ends below 2^64;
 *  - dig: the shape's work, max(m,1) x max(n,1) x max(k,1), is at most
 *    CMDCHECK_MAX_WORK;
 *  - fixed, delay: the latency the stream gives is at most CMDCHECK_LIMIT;
 *  - every time and count the units compute from it fits: the command's
 *    latency on free resources, and the increments of the statistics'
 *    counters, each at most CMDCHECK_LIMIT; and their sums over the
 *    commands so far at most CMDCHECK_SUM_LIMIT.  Simulated time can never exceed the sum of
 *    the latencies of the commands executed (every time is the end of a
 *    chain of distinct commands), so no time or counter of the run can
 *    wrap: a stream that would make one is an input error, not a silent
 *    wrong result.
 * Messages are the problem alone ("act: bits=12 beyond the ADCs (...)");
 * the caller prefixes the place (stream file and line).
 */
#ifndef AIMCSIM_CMDCHECK_H
#define AIMCSIM_CMDCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "arch/chip.h"
#include "sim/cmd.h"
#include "sim/config.h"

/* Most picoseconds of latency, and most events of one counter, of one
 * command (2^62), and of all the commands of a run (2^63: a time or count
 * of the run plus one command's never reaches 2^64). */
#define CMDCHECK_LIMIT (UINT64_C(1) << 62)
#define CMDCHECK_SUM_LIMIT (UINT64_C(1) << 63)
/* Most elements of work of one digital operation (2^48). */
#define CMDCHECK_MAX_WORK (UINT64_C(1) << 48)

typedef struct cmdcheck cmdcheck;

/* The checker of chip ch, built from configuration cfg; both borrowed
 * (they must outlive it). */
cmdcheck *cmdcheck_create(const config *cfg, const chip *ch);
/* 0 if command c may run on the chip; -1 with the message otherwise. */
int cmdcheck_cmd(cmdcheck *k, const cmd *c, char *err, size_t errlen);
void cmdcheck_free(cmdcheck *k);

#endif
