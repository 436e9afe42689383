/*
 * power.c -- time-binned power/energy CSV, streamed (see power.h; format
 * in docs/outputs.md).
 *
 * Invariant: the rows of bins [0, first) are written; bin b >= first
 * holds its dynamic energy (pJ) of component c in cells[(b % cap) * ncomp
 * + c], and the cells of bins in [first + cap) beyond those touched are
 * zero.  Every power_add adds exactly its energy to the cells (the shares
 * of all but the last bin are proportional to the overlap, the last gets
 * the remainder), so the column sums of the file equal the energies added
 * (to printing precision).  No energy can land in a bin below first:
 * power_advance only writes bins that end before the promised time.
 */
#include "traces/power.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/units.h"
#include "sim/util.h"
#include "traces/fmt.h"
#include "traces/tout.h"

struct power_trace {
    tout *o;
    char *path;
    int ncomp;
    char **names;
    double *static_mw;   /* ncomp */
    uint64_t bin_ps;
    double *cells;       /* cap bins x ncomp, a ring over bins */
    uint64_t cap;        /* bins held, a power of two (0 before the first add) */
    uint64_t first;      /* first bin not written */
    uint64_t touched;    /* bins touched: highest bin + 1 */
    uint64_t advance_at; /* power_advance writes nothing before this time */
    uint64_t max_end_ps; /* latest interval end added */
    int failed;
    char errmsg[ERR_LEN];
};

static int pfail(power_trace *p, const char *msg)
{
    if (!p->failed) {
        p->failed = 1;
        errf(p->errmsg, sizeof p->errmsg, "%s: %s", p->path, msg);
    }
    return -1;
}

power_trace *power_open(const char *path, double bin_ns, const char *const *component_names,
                        int ncomp, const double *static_mw, uint64_t gz_above_bytes, char *err,
                        size_t errlen)
{
    if (!(bin_ns > 0) || !isfinite(bin_ns) || bin_ns > 1e15) {
        errf(err, errlen, "%s: bin width %g ns (expected > 0)", path, bin_ns);
        return NULL;
    }
    if (ncomp < 1 || (uint64_t)ncomp > POWER_MAX_CELLS) {
        errf(err, errlen, "%s: %d components (expected at least 1)", path, ncomp);
        return NULL;
    }
    for (int c = 0; c < ncomp; c++) {
        const char *s = component_names[c];
        int ok = s && *s;
        for (; ok && *s; s++)
            ok = (unsigned char)*s >= ' ' && *s != ',' && *s != '"' && *s != 0x7f;
        if (!ok) {
            errf(err, errlen, "%s: component %d name '%s' (expected a non-empty name without commas, quotes or control characters)",
                 path, c, component_names[c] ? component_names[c] : "");
            return NULL;
        }
        if (static_mw && (!(static_mw[c] >= 0) || !isfinite(static_mw[c]))) {
            errf(err, errlen, "%s: %s static power %g mW (expected a finite value >= 0)", path,
                 component_names[c], static_mw[c]);
            return NULL;
        }
    }
    tout *o = tout_open(path, gz_above_bytes, err, errlen);
    if (!o)
        return NULL;
    power_trace *p = xcalloc(1, sizeof *p);
    p->o = o;
    p->path = xstrdup(path);
    p->ncomp = ncomp;
    p->names = xmalloc(sizeof *p->names * (size_t)ncomp);
    p->static_mw = xcalloc((size_t)ncomp, sizeof *p->static_mw);
    for (int c = 0; c < ncomp; c++) {
        p->names[c] = xstrdup(component_names[c]);
        if (static_mw)
            p->static_mw[c] = static_mw[c];
    }
    p->bin_ps = units_ns_to_ps(bin_ns);
    if (p->bin_ps < 1)
        p->bin_ps = 1;
    p->advance_at = p->bin_ps + 1;
    tout_puts(o, "t_start_ns,t_end_ns");
    for (int c = 0; c < ncomp; c++) {
        tout_puts(o, ",");
        tout_puts(o, p->names[c]);
        tout_puts(o, "_pj");
    }
    tout_puts(o, ",total_pj,power_mw\n");
    return p;
}

static double *cell(const power_trace *p, uint64_t bin)
{
    return p->cells + (bin & (p->cap - 1)) * (uint64_t)p->ncomp;
}

/* Makes bins [first, last] held; 0, or -1 if that is too many cells. */
static int hold(power_trace *p, uint64_t last)
{
    uint64_t nc = (uint64_t)p->ncomp, need = last - p->first + 1;
    if (need > POWER_MAX_CELLS / nc) {
        char msg[256];
        snprintf(msg, sizeof msg, "%" PRIu64 " bins of %" PRIu64 " ps held at once (at most %" PRIu64 "): raise [trace] bin_ns",
                 need, p->bin_ps, POWER_MAX_CELLS / nc);
        return pfail(p, msg);
    }
    if (need > p->cap) {
        uint64_t cap = p->cap ? p->cap : 1024;
        while (cap < need)
            cap *= 2;
        double *cells = xcalloc(cap * nc, sizeof *cells);
        for (uint64_t b = p->first; b < p->touched; b++)
            memcpy(cells + (b & (cap - 1)) * nc, cell(p, b), sizeof *cells * nc);
        free(p->cells);
        p->cells = cells;
        p->cap = cap;
    }
    if (last >= p->touched)
        p->touched = last + 1;
    return 0;
}

int power_add(power_trace *p, int comp, uint64_t start_ps, uint64_t end_ps, double energy_pj)
{
    if (p->failed)
        return -1;
    char msg[256];
    if (comp < 0 || comp >= p->ncomp) {
        snprintf(msg, sizeof msg, "energy for component %d (expected 0..%d)", comp, p->ncomp - 1);
        return pfail(p, msg);
    }
    if (end_ps < start_ps) {
        snprintf(msg, sizeof msg, "%s energy over [%" PRIu64 ", %" PRIu64 ") ps: the end is before the start",
                 p->names[comp], start_ps, end_ps);
        return pfail(p, msg);
    }
    if (!(energy_pj >= 0) || !isfinite(energy_pj)) {
        snprintf(msg, sizeof msg, "%s energy %g pJ (expected a finite value >= 0)", p->names[comp],
                 energy_pj);
        return pfail(p, msg);
    }
    uint64_t w = p->bin_ps, b0, b1;
    if (end_ps == start_ps) {
        b0 = b1 = start_ps ? (start_ps - 1) / w : 0;
    } else {
        b0 = start_ps / w;
        b1 = (end_ps - 1) / w;
    }
    if (b0 < p->first) {
        snprintf(msg, sizeof msg, "%s energy at %" PRIu64 " ps, in a bin already written (before %" PRIu64 " ps)",
                 p->names[comp], start_ps, p->first * w);
        return pfail(p, msg);
    }
    if (hold(p, b1) < 0)
        return -1;
    if (end_ps > p->max_end_ps)
        p->max_end_ps = end_ps;
    if (b0 == b1) {
        cell(p, b0)[comp] += energy_pj;
        return 0;
    }
    double dur = (double)(end_ps - start_ps), given = 0;
    for (uint64_t b = b0; b < b1; b++) {
        uint64_t lo = b == b0 ? start_ps : b * w, hi = (b + 1) * w;
        double share = energy_pj * ((double)(hi - lo) / dur);
        cell(p, b)[comp] += share;
        given += share;
    }
    cell(p, b1)[comp] += energy_pj - given;
    return 0;
}

uint64_t power_bin_ps(const power_trace *p) { return p->bin_ps; }
uint64_t power_nbins(const power_trace *p) { return p->touched; }

double power_bin_pj(const power_trace *p, uint64_t bin, int comp)
{
    if (bin < p->first || bin >= p->touched || comp < 0 || comp >= p->ncomp)
        return 0;
    return cell(p, bin)[comp];
}

/* ps as ns with three decimals (exact). */
static char *put_ns(char *q, uint64_t ps)
{
    q = fmt_u64(q, ps / 1000);
    uint64_t f = ps % 1000;
    q[0] = '.';
    q[1] = (char)('0' + f / 100);
    q[2] = (char)('0' + f / 10 % 10);
    q[3] = (char)('0' + f % 10);
    return q + 4;
}

/* Writes the rows of bins [first, upto), the last cut at t_end_ps. */
static void write_rows(power_trace *p, uint64_t upto, uint64_t t_end_ps)
{
    uint64_t w = p->bin_ps;
    size_t most = 2 * 32 + (size_t)(p->ncomp + 2) * (FMT_G10_MAX + 1) + 1;
    for (uint64_t b = p->first; b < upto; b++) {
        uint64_t lo = b * w, hi = lo + w < t_end_ps ? lo + w : t_end_ps;
        double *cl = b < p->touched ? cell(p, b) : NULL;
        char *row = tout_room(p->o, most), *q = row;
        q = put_ns(q, lo);
        *q++ = ',';
        q = put_ns(q, hi);
        double total = 0;
        for (int c = 0; c < p->ncomp; c++) {
            double v = cl ? cl[c] : 0;
            if (p->static_mw[c] != 0)
                v += units_static_pj(p->static_mw[c], hi - lo);
            total += v;
            *q++ = ',';
            q = fmt_g10(q, v);
        }
        *q++ = ',';
        q = fmt_g10(q, total);
        *q++ = ',';
        q = fmt_g10(q, total / units_ps_to_ns(hi - lo)); /* pJ/ns = mW */
        *q++ = '\n';
        tout_put(p->o, (size_t)(q - row));
        if (cl)
            memset(cl, 0, sizeof *cl * (size_t)p->ncomp);
    }
    p->first = upto;
}

void power_advance(power_trace *p, uint64_t now_ps)
{
    if (now_ps < p->advance_at || p->failed)
        return;
    /* Energies still to come start at now_ps or later: a zero-length one
     * at now_ps lands in bin (now_ps - 1) / w, so the bins below it are
     * final. */
    uint64_t upto = (now_ps - 1) / p->bin_ps;
    if (upto > p->first)
        write_rows(p, upto, UINT64_MAX);
    p->advance_at = (p->first + 1) * p->bin_ps + 1;
}

static void pfree(power_trace *p)
{
    for (int c = 0; c < p->ncomp; c++)
        free(p->names[c]);
    free(p->names);
    free(p->static_mw);
    free(p->cells);
    free(p->path);
    free(p);
}

int power_commit(power_trace *p, uint64_t t_end_ps, char *err, size_t errlen)
{
    if (!p->failed && p->max_end_ps > t_end_ps) {
        char msg[256];
        snprintf(msg, sizeof msg, "energy added until %" PRIu64 " ps, after the end of the run at %" PRIu64 " ps",
                 p->max_end_ps, t_end_ps);
        pfail(p, msg);
    }
    if (!p->failed && p->first * p->bin_ps > t_end_ps) {
        char msg[256];
        snprintf(msg, sizeof msg, "rows written until %" PRIu64 " ps, after the end of the run at %" PRIu64 " ps",
                 p->first * p->bin_ps, t_end_ps);
        pfail(p, msg);
    }
    if (p->failed) {
        errf(err, errlen, "%s", p->errmsg);
        power_abort(p);
        return -1;
    }
    write_rows(p, ceil_div_u64(t_end_ps, p->bin_ps), t_end_ps);
    int r = tout_commit(p->o, err, errlen);
    pfree(p);
    return r;
}

void power_abort(power_trace *p)
{
    if (!p)
        return;
    tout_abort(p->o);
    pfree(p);
}
