/*
 * json.h -- the few pieces of JSON writing shared by every output module:
 * escaped strings and deterministic numbers.
 */
#ifndef AIMCSIM_JSON_H
#define AIMCSIM_JSON_H

#include "sim/ofile.h"

/* Writes s as a JSON string literal, quotes included. */
void json_str(ofile *o, const char *s);
/* Writes a real deterministically (%.10g); NaN and infinities as null. */
void json_real(ofile *o, double v);
/* Formats a real the same way into buf (for CSV). */
void json_real_fmt(char *buf, size_t n, double v);

#endif
