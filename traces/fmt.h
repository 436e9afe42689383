/*
 * fmt.h -- number formatting for the trace writers, by hand: the same
 * characters as printf, several times faster.
 */
#ifndef AIMCSIM_FMT_H
#define AIMCSIM_FMT_H

#include <stdint.h>

/* Longest output of fmt_g10 ("-1.234567891e-300"), without the NUL. */
#define FMT_G10_MAX 24

/* v as sim/json.h json_real_fmt writes it: "null" if not finite, "0" for
 * zero (either sign), otherwise printf's "%.10g" (correctly rounded, ties
 * to even).  Writes no NUL; returns the end. */
char *fmt_g10(char *p, double v);
/* v in decimal; returns the end (no NUL). */
char *fmt_u64(char *p, uint64_t v);

#endif
