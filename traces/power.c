/*
 * power.c -- time-binned power/energy CSV (see power.h; format in
 * docs/outputs.md).
 *
 * Invariant: cells[b * ncomp + c] is the dynamic energy (pJ) of component
 * c in bin b = [b * bin_ps, (b + 1) * bin_ps); every power_add adds exactly
 * its energy to the cells (the shares of all but the last bin are
 * proportional to the overlap, the last gets the remainder), and coarsening
 * only sums pairs of bins, so the sum over all cells always equals the sum
 * of the energies added.  nbins * ncomp <= POWER_MAX_CELLS.
 */
#include "traces/power.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json.h"
#include "sim/ofile.h"
#include "sim/units.h"
#include "sim/util.h"

struct power_trace {
    ofile *o;
    char *path;
    int ncomp;
    char **names;
    uint64_t bin_ps;
    double *cells;       /* cap bins x ncomp */
    uint64_t nbins, cap; /* bins touched; bins allocated */
    uint64_t max_end_ps; /* latest interval end added */
    int failed;
    char errmsg[ERR_LEN];
};

power_trace *power_open(const char *path, double bin_ns, const char *const *component_names,
                        int ncomp, char *err, size_t errlen)
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
    }
    ofile *o = ofile_open(path, 6, err, errlen);
    if (!o)
        return NULL;
    power_trace *p = xcalloc(1, sizeof *p);
    p->o = o;
    p->path = xstrdup(path);
    p->ncomp = ncomp;
    p->names = xmalloc(sizeof *p->names * (size_t)ncomp);
    for (int c = 0; c < ncomp; c++)
        p->names[c] = xstrdup(component_names[c]);
    p->bin_ps = units_ns_to_ps(bin_ns);
    if (p->bin_ps < 1)
        p->bin_ps = 1;
    return p;
}

static int pfail(power_trace *p, const char *msg)
{
    if (!p->failed) {
        p->failed = 1;
        errf(p->errmsg, sizeof p->errmsg, "%s: %s", p->path, msg);
    }
    return -1;
}

/* Doubles the bin width: bin b of the new width is old bins 2b and 2b+1. */
static void coarsen(power_trace *p)
{
    int nc = p->ncomp;
    uint64_t nb = (p->nbins + 1) / 2;
    for (uint64_t b = 0; b < nb; b++)
        for (int c = 0; c < nc; c++) {
            double v = p->cells[2 * b * (uint64_t)nc + (uint64_t)c];
            if (2 * b + 1 < p->nbins)
                v += p->cells[(2 * b + 1) * (uint64_t)nc + (uint64_t)c];
            p->cells[b * (uint64_t)nc + (uint64_t)c] = v;
        }
    if (p->cells)
        memset(p->cells + nb * (uint64_t)nc, 0, sizeof *p->cells * (p->cap - nb) * (uint64_t)nc);
    p->nbins = nb;
    p->bin_ps *= 2;
}

/* Makes bins [0, last] exist; may coarsen (then the caller recomputes). */
static int ensure(power_trace *p, uint64_t last)
{
    uint64_t nc = (uint64_t)p->ncomp;
    if (last < p->nbins)
        return 0;
    if (last >= POWER_MAX_CELLS / nc) {
        coarsen(p);
        return 1;
    }
    if (last >= p->cap) {
        uint64_t cap = p->cap ? p->cap : 1024;
        while (cap <= last)
            cap *= 2;
        if (cap > POWER_MAX_CELLS / nc)
            cap = POWER_MAX_CELLS / nc;
        p->cells = xrealloc(p->cells, sizeof *p->cells * cap * nc);
        memset(p->cells + p->cap * nc, 0, sizeof *p->cells * (cap - p->cap) * nc);
        p->cap = cap;
    }
    p->nbins = last + 1;
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
    if (end_ps > p->max_end_ps)
        p->max_end_ps = end_ps;
    uint64_t w, b0, b1;
    do {
        w = p->bin_ps;
        if (end_ps == start_ps) {
            b0 = b1 = start_ps ? (start_ps - 1) / w : 0;
        } else {
            b0 = start_ps / w;
            b1 = (end_ps - 1) / w;
        }
    } while (ensure(p, b1));
    uint64_t nc = (uint64_t)p->ncomp;
    double *col = p->cells + (uint64_t)comp;
    if (b0 == b1) {
        col[b0 * nc] += energy_pj;
        return 0;
    }
    double dur = (double)(end_ps - start_ps), given = 0;
    for (uint64_t b = b0; b < b1; b++) {
        uint64_t lo = b == b0 ? start_ps : b * w, hi = (b + 1) * w;
        double share = energy_pj * ((double)(hi - lo) / dur);
        col[b * nc] += share;
        given += share;
    }
    col[b1 * nc] += energy_pj - given;
    return 0;
}

uint64_t power_bin_ps(const power_trace *p) { return p->bin_ps; }
uint64_t power_nbins(const power_trace *p) { return p->nbins; }

double power_bin_pj(const power_trace *p, uint64_t bin, int comp)
{
    if (bin >= p->nbins || comp < 0 || comp >= p->ncomp)
        return 0;
    return p->cells[bin * (uint64_t)p->ncomp + (uint64_t)comp];
}

static void pfree(power_trace *p)
{
    for (int c = 0; c < p->ncomp; c++)
        free(p->names[c]);
    free(p->names);
    free(p->cells);
    free(p->path);
    free(p);
}

/* ps as ns with three decimals (exact). */
static void ns_fmt(char *buf, size_t n, uint64_t ps)
{
    snprintf(buf, n, "%" PRIu64 ".%03" PRIu64, ps / 1000, ps % 1000);
}

int power_commit(power_trace *p, uint64_t t_end_ps, const double *static_mw, char *err,
                 size_t errlen)
{
    if (!p->failed && p->max_end_ps > t_end_ps) {
        char msg[256];
        snprintf(msg, sizeof msg, "energy added until %" PRIu64 " ps, after the end of the run at %" PRIu64 " ps",
                 p->max_end_ps, t_end_ps);
        pfail(p, msg);
    }
    for (int c = 0; !p->failed && static_mw && c < p->ncomp; c++)
        if (!(static_mw[c] >= 0) || !isfinite(static_mw[c])) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s static power %g mW (expected a finite value >= 0)",
                     p->names[c], static_mw[c]);
            pfail(p, msg);
        }
    if (p->failed) {
        errf(err, errlen, "%s", p->errmsg);
        power_abort(p);
        return -1;
    }
    ofile_puts(p->o, "t_start_ns,t_end_ns");
    for (int c = 0; c < p->ncomp; c++) {
        char col[300];
        snprintf(col, sizeof col, "%s_pj", p->names[c]);
        ofile_puts(p->o, ",");
        ofile_csv(p->o, col);
    }
    ofile_puts(p->o, ",total_pj,power_mw\n");
    uint64_t w = p->bin_ps, nrows = ceil_div_u64(t_end_ps, w);
    char a[64], b[64];
    for (uint64_t r = 0; r < nrows; r++) {
        uint64_t lo = r * w, hi = lo + w < t_end_ps ? lo + w : t_end_ps;
        ns_fmt(a, sizeof a, lo);
        ns_fmt(b, sizeof b, hi);
        ofile_puts(p->o, a);
        ofile_puts(p->o, ",");
        ofile_puts(p->o, b);
        double total = 0;
        for (int c = 0; c < p->ncomp; c++) {
            double v = power_bin_pj(p, r, c);
            if (static_mw)
                v += units_static_pj(static_mw[c], hi - lo);
            total += v;
            json_real_fmt(a, sizeof a, v);
            ofile_puts(p->o, ",");
            ofile_puts(p->o, a);
        }
        json_real_fmt(a, sizeof a, total);
        json_real_fmt(b, sizeof b, total / units_ps_to_ns(hi - lo)); /* pJ/ns = mW */
        ofile_puts(p->o, ",");
        ofile_puts(p->o, a);
        ofile_puts(p->o, ",");
        ofile_puts(p->o, b);
        ofile_puts(p->o, "\n");
    }
    int r = ofile_commit(p->o, err, errlen);
    pfree(p);
    return r;
}

void power_abort(power_trace *p)
{
    if (!p)
        return;
    ofile_abort(p->o);
    pfree(p);
}
