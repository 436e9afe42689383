/*
 * hetero.c -- the candidate selections of a heterogeneous-mapping search
 * and their Pareto front (hetero.h).
 *
 * Invariant: the candidates are a function of the model, transform,
 * configuration, profile and options alone: families in a fixed order,
 * equal keys in model order, duplicates merged into the first one.
 */
#include "workloads/hetero.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

double hetero_sens_analog(const model *m, const double *value, const uint8_t *digital)
{
    double s = 0;
    for (uint32_t i = 0; i < m->nproj; i++)
        if (!digital[i] && !isnan(value[i]))
            s += value[i];
    return s;
}

/* Candidates under construction. */
typedef struct cand_set {
    const model *m;
    const transform *t;
    const config *c;
    const double *value;
    hetero_cand *v;
    uint32_t n, cap, over;
} cand_set;

/* Adds the candidate digital[] (copied) from family label, or merges the
 * label into an equal one already there. */
static void add(cand_set *s, const uint8_t *digital, const char *label)
{
    uint32_t np = s->m->nproj;
    for (uint32_t i = 0; i < s->n; i++)
        if (!memcmp(s->v[i].digital, digital, np)) {
            char *f = xasprintf("%s,%s", s->v[i].families, label);
            free(s->v[i].families);
            s->v[i].families = f;
            return;
        }
    mapper_digital_cost k;
    mapper_digital_cost_of(s->m, s->t, digital, &k);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    hetero_cand *h = &s->v[s->n++];
    memset(h, 0, sizeof *h);
    h->digital = xmalloc(np ? np : 1);
    memcpy(h->digital, digital, np);
    h->families = xstrdup(label);
    size_t len = 1;
    for (uint32_t i = 0; i < np; i++)
        len += digital[i] ? strlen(s->m->proj[i].name) + 1 : 0;
    h->list = xcalloc(len, 1);
    for (uint32_t i = 0, used = 0; i < np; i++)
        if (digital[i])
            used += (uint32_t)snprintf(h->list + used, len - used, "%s%s", used ? "," : "",
                                       s->m->proj[i].name);
    h->sens_analog = hetero_sens_analog(s->m, s->value, digital);
    h->cost = k;
}

/* Prefixes of order[0..K) on top of forced: label-1 .. label-K. */
static void prefixes(cand_set *s, const uint8_t *forced, const uint32_t *order, uint32_t K,
                     const char *label)
{
    uint32_t np = s->m->nproj;
    uint8_t *d = xmalloc(np ? np : 1);
    memcpy(d, forced, np);
    for (uint32_t k = 0; k < K; k++) {
        d[order[k]] = 1;
        char name[64];
        snprintf(name, sizeof name, "%s-%u", label, k + 1);
        add(s, d, name);
    }
    free(d);
}

/* order[] sorted by key decreasing, equal keys in model order (insertion
 * sort: a few hundred entries at most). */
static void sort_desc(uint32_t *order, uint32_t n, const double *key)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = order[i], j = i;
        while (j > 0 && (key[order[j - 1]] < key[x] ||
                         (key[order[j - 1]] == key[x] && order[j - 1] > x))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
}

int hetero_candidates(const model *m, const transform *t, const config *c,
                      const double *value, const uint8_t *forced, const hetero_opts *o,
                      hetero_cand **out, uint32_t *n, uint32_t *over, char *err,
                      size_t errlen)
{
    uint32_t np = m->nproj;
    cand_set s = {m, t, c, value, NULL, 0, 0, 0};
    add(&s, forced, "base");
    /* The projections a search may move: valued above zero, not forced. */
    uint32_t *order = xcalloc(np ? np : 1, sizeof *order);
    double *key = xcalloc(np ? np : 1, sizeof *key);
    uint32_t K = 0;
    for (uint32_t i = 0; i < np; i++)
        if (!forced[i] && !isnan(value[i]) && value[i] > 0)
            order[K++] = i;
    if (o->max_k && K > o->max_k)
        K = o->max_k;
    uint32_t nval = 0;
    for (uint32_t i = 0; i < np; i++)
        nval += !forced[i] && !isnan(value[i]) && value[i] > 0;
    if (o->families & HETERO_TOPK) {
        sort_desc(order, nval, value);
        prefixes(&s, forced, order, K, "top");
    }
    if (o->families & HETERO_GREEDY) {
        for (uint32_t i = 0; i < np; i++)
            key[i] = t->proj[i].macs ? (isnan(value[i]) ? 0 : value[i]) / (double)t->proj[i].macs
                                     : 0;
        sort_desc(order, nval, key);
        prefixes(&s, forced, order, K, "greedy");
    }
    if ((o->families & HETERO_FIRSTLAST) && m->layers) {
        uint32_t N = o->first_last, half = (m->layers + 1) / 2;
        if (N > half)
            N = half;
        uint8_t *d = xmalloc(np ? np : 1);
        for (uint32_t k = 1; k <= N; k++) {
            memcpy(d, forced, np);
            for (uint32_t i = 0; i < np; i++) {
                int32_t l = m->proj[i].layer;
                if (l < 0 || (uint32_t)l < k || (uint32_t)l >= m->layers - k)
                    d[i] = 1;
            }
            char name[64];
            snprintf(name, sizeof name, "first-last-%u", k);
            add(&s, d, name);
        }
        free(d);
    }
    free(key);
    free(order);
    /* Over the budgets: left out once each (after merging equal sets). */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s.n; i++) {
        if (mapper_within_budget(c, &s.v[i].cost)) {
            s.v[kept++] = s.v[i];
            continue;
        }
        s.over++;
        free(s.v[i].digital);
        free(s.v[i].families);
        free(s.v[i].list);
    }
    s.n = kept;
    *out = s.v;
    *n = s.n;
    *over = s.over;
    if (s.n == 0)
        return errf(err, errlen, "every candidate selection is over the budgets of [mapping] "
                                 "(digital_mac_share_max, digital_weight_bytes_max)");
    return 0;
}

void hetero_cands_free(hetero_cand *cands, uint32_t n)
{
    for (uint32_t i = 0; cands && i < n; i++) {
        free(cands[i].digital);
        free(cands[i].families);
        free(cands[i].list);
    }
    free(cands);
}

void hetero_pareto(const double *v, uint32_t nrows, uint32_t nobj, uint8_t *front)
{
    for (uint32_t r = 0; r < nrows; r++) {
        const double *a = v + (size_t)r * nobj;
        int ok = 1;
        for (uint32_t j = 0; j < nobj && ok; j++)
            ok = !isnan(a[j]);
        for (uint32_t q = 0; q < nrows && ok; q++) {
            const double *b = v + (size_t)q * nobj;
            int no_worse = 1, better = 0;
            for (uint32_t j = 0; j < nobj && no_worse; j++) {
                if (isnan(b[j]) || b[j] > a[j])
                    no_worse = 0;
                else if (b[j] < a[j])
                    better = 1;
            }
            if (q != r && no_worse && better)
                ok = 0;
        }
        front[r] = (uint8_t)ok;
    }
}
