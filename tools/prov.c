/*
 * prov.c -- revision, date and resolved model for the provenance of
 * outputs (prov.h).  The revision comes from the generated revision.h
 * (the Makefile writes it from `git describe`, or "unknown").
 */
#include "tools/prov.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "revision.h"
#include "sim/json.h"

const char *prov_revision(void) { return AIMCSIM_REVISION; }

int prov_date(char *buf, size_t n)
{
    buf[0] = 0;
    time_t t;
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch) {
        char *end;
        errno = 0;
        long long v = strtoll(epoch, &end, 10);
        if (errno || *end || v < 0)
            return -1;
        t = (time_t)v;
    } else if ((t = time(NULL)) == (time_t)-1) {
        return -1;
    }
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        buf[0] = 0;
        return -1;
    }
    return 0;
}

void prov_model_json(const model *m, ofile *o)
{
    ofile_puts(o, "{\"preset\": ");
    json_str(o, model_preset_name(m->preset));
    ofile_printf(o, ", \"layers\": %u, \"d_model\": %u, \"heads\": %u, \"d_ff\": %u, "
                    "\"vocab\": %u, \"context_tokens\": %u, \"causal\": %s, "
                    "\"projections\": %u, \"params\": %llu}",
                 m->layers, m->d_model, m->heads, m->d_ff, m->vocab, m->context_tokens,
                 m->causal ? "true" : "false", m->nproj,
                 (unsigned long long)model_param_count(m));
}

void prov_model_member(const void *model_ctx, ofile *o)
{
    ofile_puts(o, ",\n  \"model\": ");
    prov_model_json(model_ctx, o);
}
