/*
 * prov.h -- what outputs say about where they came from, beyond the
 * statistics registry's provenance block (sim/stats.h): the source
 * revision of the build, the date of a run, the resolved model.
 */
#ifndef AIMCSIM_PROV_H
#define AIMCSIM_PROV_H

#include <stddef.h>

#include "sim/ofile.h"
#include "workloads/model.h"

/* The source revision the program was built from (`git describe` at build
 * time), "unknown" for a build outside a git checkout.  Static storage. */
const char *prov_revision(void);

/* The current date and time in UTC, ISO 8601 ("2025-03-01T12:00:00Z"), or
 * that of $SOURCE_DATE_EPOCH (seconds since 1970) when it is set, so that
 * dated outputs can be reproduced.  buf holds at least 32 bytes.  0, or -1
 * (with buf "") when the clock or the variable cannot be read. */
int prov_date(char *buf, size_t n);

/* The resolved model as a JSON object: preset, layers, d_model, heads,
 * d_ff, vocab, context_tokens, causal, projections, params. */
void prov_model_json(const model *m, ofile *o);

/* A stats_prov extra (sim/stats.h): `"model": {...}` of the model ctx. */
void prov_model_member(const void *model_ctx, ofile *o);

#endif
