/*
 * mapper_select.c -- which projections run on the digital cluster
 * (mapper.h, docs/heterogeneous.md): the list of [mapping] digital (names,
 * glob patterns, kinds, all), the sensitivity profile and its rules
 * (threshold, top k, the arrays target), the budgets (digital MAC share,
 * digital weight bytes); and the profile file itself.
 *
 * Invariant: a selection is a function of the model, the transform, the
 * configuration, the profile file and (for the arrays target) the array
 * shares of the all-analog mapping; equal profile values are taken in
 * model order, so the walk never depends on sorting stability.
 */
#include "workloads/mapper.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/util.h"
#include "workloads/mapper_int.h"

/* Slack when comparing a sum of array shares with a whole number. */
#define ARRAYS_EPS 1e-6

int mapper_next_item(const char **p, char *buf, size_t n, int *empty)
{
    const char *s = *p;
    if (!*s)
        return 0;
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    *p = e ? e + 1 : s + len;
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    *empty = len == 0;
    return 1;
}

/* ---- the profile file ----------------------------------------------------- */

char *mapper_profile_path(const config *c)
{
    const char *v = c->mapping.digital_profile;
    if (!v || !*v)
        return NULL;
    if (v[0] == '/' || c->set_arg[PARAM_mapping_digital_profile] || !c->path ||
        !c->line[PARAM_mapping_digital_profile])
        return xstrdup(v);
    const char *slash = strrchr(c->path, '/');
    if (!slash)
        return xstrdup(v);
    return xasprintf("%.*s/%s", (int)(slash - c->path), c->path, v);
}

int mapper_profile_load(const model *m, const char *path, double *value, char *err,
                        size_t errlen)
{
    char *text = read_text_file(path, TEXT_FILE_MAX_BYTES, NULL, err, errlen);
    if (!text)
        return -1;
    uint32_t *first = xcalloc(m->nproj ? m->nproj : 1, sizeof *first);
    for (uint32_t i = 0; i < m->nproj; i++)
        value[i] = NAN;
    char hint[160];
    uint32_t lineno = 0;
    int rc = 0;
    model_names_hint(m, hint, sizeof hint);
    for (char *line = text, *next; rc == 0 && *line; line = next) {
        next = strchr(line, '\n');
        next = next ? (*next = 0, next + 1) : line + strlen(line);
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = 0;
        for (size_t k = 0; k < n && rc == 0; k++) {
            unsigned char ch = (unsigned char)line[k];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                rc = errf(err, errlen, "%s:%u: control character 0x%02x (expected text)",
                          path, lineno, ch);
        }
        if (rc)
            break;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char name[128], num[128], extra[8];
        int nf = sscanf(line, "%127s %127s %7s", name, num, extra);
        if (nf <= 0)
            continue;
        if (nf != 2) {
            char *s = line;
            while (isspace((unsigned char)*s))
                s++;
            size_t l = strlen(s);
            while (l && isspace((unsigned char)s[l - 1]))
                s[--l] = 0;
            rc = errf(err, errlen, "%s:%u: expected 'projection value', got '%.200s'", path,
                      lineno, s);
            break;
        }
        errno = 0;
        double v = is_decimal_number(num) ? strtod(num, NULL) : NAN;
        if (errno || !isfinite(v)) {
            rc = errf(err, errlen,
                      "%s:%u: %s: '%s' is not a number (expected a decimal number such as "
                      "2.5 or 1e-3)", path, lineno, name, num);
            break;
        }
        int i = model_find_proj(m, name);
        if (i < 0) {
            rc = errf(err, errlen, "%s:%u: unknown projection '%s' (%s has %s)", path, lineno,
                      name, model_preset_name(m->preset), hint);
            break;
        }
        if (first[i]) {
            rc = errf(err, errlen, "%s:%u: %s given twice (first at line %u)", path, lineno,
                      name, first[i]);
            break;
        }
        first[i] = lineno;
        value[i] = v;
    }
    free(first);
    free(text);
    return rc;
}

/* The profile of c into val (NaN where unlisted), with the configuration's
 * location on a file that cannot be opened. */
static int load_profile(const model *m, const config *c, double *val, char *err, size_t errlen)
{
    char *path = mapper_profile_path(c);
    FILE *probe = fopen(path, "r");
    struct stat sb;
    int isdir = probe && fstat(fileno(probe), &sb) == 0 && S_ISDIR(sb.st_mode);
    int rc;
    if (!probe || isdir) {
        rc = config_fail(c, PARAM_mapping_digital_profile, err, errlen, "cannot open %s: %s",
                         path, strerror(isdir ? EISDIR : errno));
        if (probe)
            fclose(probe);
    } else {
        fclose(probe);
        rc = mapper_profile_load(m, path, val, err, errlen);
    }
    free(path);
    return rc;
}

/* ---- names, patterns, kinds ---------------------------------------------- */

uint32_t mapper_match(const model *m, const char *item, uint8_t *mark)
{
    int kind = model_kind_parse(item);
    int all = !strcmp(item, "all");
    int glob = strpbrk(item, "*?[") != NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nproj; i++) {
        const model_proj *pj = &m->proj[i];
        if (all || !strcmp(pj->name, item) || (kind >= 0 && pj->kind == kind) ||
            (glob && fnmatch(item, pj->name, 0) == 0)) {
            mark[i] = 1;
            n++;
        }
    }
    return n;
}

/* Marks what [mapping] digital and [model] lm_head = digital name. */
static int select_listed(const model *m, const config *c, uint8_t *digital, char *err,
                         size_t errlen)
{
    char item[256], hint[160];
    int empty, rc = 0;
    model_names_hint(m, hint, sizeof hint);
    for (uint32_t i = 0; i < m->nproj; i++)
        if (m->proj[i].kind == MODEL_PROJ_LM_HEAD && m->lm_head == MODEL_LM_DIGITAL)
            digital[i] = 1;
    /* The items seen, to refuse one given twice (overlapping patterns are
     * fine: h0.*,*.attn.c_proj). */
    size_t len = strlen(c->mapping.digital) + 1, used = 0;
    char *seen = xcalloc(len + 1, 1);
    for (const char *p = c->mapping.digital;
         rc == 0 && mapper_next_item(&p, item, sizeof item, &empty);) {
        if (empty) {
            rc = config_fail(c, PARAM_mapping_digital, err, errlen,
                             "empty name in the list (expected name,name,...)");
            break;
        }
        for (size_t k = 0; k < used; k += strlen(seen + k) + 1)
            if (!strcmp(seen + k, item))
                rc = config_fail(c, PARAM_mapping_digital, err, errlen, "%s listed twice",
                                 item);
        if (rc)
            break;
        memcpy(seen + used, item, strlen(item) + 1);
        used += strlen(item) + 1;
        if (mapper_match(m, item, digital) > 0)
            continue;
        if (strpbrk(item, "*?["))
            rc = config_fail(c, PARAM_mapping_digital, err, errlen,
                             "pattern '%s' matches no projection (%s has %s)", item,
                             model_preset_name(m->preset), hint);
        else
            rc = config_fail(c, PARAM_mapping_digital, err, errlen,
                             "unknown projection '%s' (%s has %s; or a pattern such as h0.*, "
                             "a kind such as mlp.c_fc, all)", item,
                             model_preset_name(m->preset), hint);
    }
    free(seen);
    return rc;
}

/* ---- costs and budgets ----------------------------------------------------- */

void mapper_digital_cost_of(const model *m, const transform *t, const uint8_t *digital,
                            mapper_digital_cost *out)
{
    memset(out, 0, sizeof *out);
    uint64_t wb = (m->weight_bits + 7) / 8;
    for (uint32_t i = 0; i < m->nproj; i++) {
        out->macs_all += t->proj[i].macs;
        if (digital[i]) {
            out->n++;
            out->macs += t->proj[i].macs;
            out->weight_bytes += t->proj[i].params * wb;
        }
    }
}

int mapper_within_budget(const config *c, const mapper_digital_cost *k)
{
    const struct cfg_mapping *mc = &c->mapping;
    if (mc->digital_mac_share_max < 1.0 &&
        (double)k->macs > mc->digital_mac_share_max * (double)k->macs_all)
        return 0;
    if (mc->digital_weight_bytes_max > 0 &&
        k->weight_bytes > (uint64_t)mc->digital_weight_bytes_max)
        return 0;
    return 1;
}

/* The budget that what [mapping] digital lists already exceeds. */
static int listed_over_budget(const config *c, const mapper_digital_cost *k, char *err,
                              size_t errlen)
{
    const struct cfg_mapping *mc = &c->mapping;
    if (mc->digital_mac_share_max < 1.0 &&
        (double)k->macs > mc->digital_mac_share_max * (double)k->macs_all)
        return config_fail(c, PARAM_mapping_digital_mac_share_max, err, errlen,
                           "the projections listed in [mapping] digital (or [model] lm_head = "
                           "digital) take %.4g%% of the MACs (%llu of %llu per token)",
                           100.0 * (double)k->macs / (double)k->macs_all,
                           (unsigned long long)k->macs, (unsigned long long)k->macs_all);
    return config_fail(c, PARAM_mapping_digital_weight_bytes_max, err, errlen,
                       "the projections listed in [mapping] digital (or [model] lm_head = "
                       "digital) hold %llu bytes of weights",
                       (unsigned long long)k->weight_bytes);
}

/* ---- the selection ------------------------------------------------------- */

uint32_t mapper_rank(const model *m, const double *value, uint32_t *order)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nproj; i++)
        if (!isnan(value[i]))
            order[n++] = i;
    /* Insertion sort keeps this reentrant (at most a few hundred entries). */
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = order[i], j = i;
        while (j > 0 && (value[order[j - 1]] < value[x] ||
                         (value[order[j - 1]] == value[x] && order[j - 1] > x))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
    return n;
}

int mapper_digital_select(const model *m, const transform *t, const config *c,
                          const double *arrays_eq, uint8_t *digital, char *err, size_t errlen)
{
    const struct cfg_mapping *mc = &c->mapping;
    memset(digital, 0, m->nproj);
    if (select_listed(m, c, digital, err, errlen) < 0)
        return -1;
    mapper_digital_cost k;
    mapper_digital_cost_of(m, t, digital, &k);
    if (!mapper_within_budget(c, &k))
        return listed_over_budget(c, &k, err, errlen);

    int has_prof = mc->digital_profile && *mc->digital_profile;
    int thr = config_given(c, PARAM_mapping_digital_threshold);
    int budget = mc->digital_mac_share_max < 1.0 || mc->digital_weight_bytes_max > 0;
    int target = mc->digital_arrays_saved_min > 0;
    if (!has_prof) {
        /* config dump writes every default: a threshold at its default
         * is not a request */
        if (thr && !config_is_default(c, PARAM_mapping_digital_threshold))
            return config_fail(c, PARAM_mapping_digital_threshold, err, errlen,
                               "needs [mapping] digital_profile");
        if (mc->digital_top_k)
            return config_fail(c, PARAM_mapping_digital_top_k, err, errlen,
                               "needs [mapping] digital_profile (the k highest values of the "
                               "profile run digital)");
        if (target)
            return config_fail(c, PARAM_mapping_digital_arrays_saved_min, err, errlen,
                               "needs [mapping] digital_profile (projections are taken in "
                               "order of their value until the target is reached)");
        return 0;
    }
    if (!thr && !mc->digital_top_k && !budget && !target)
        return config_fail(c, PARAM_mapping_digital_profile, err, errlen,
                           "needs a rule: [mapping] digital_threshold (projections above it "
                           "run digital), digital_top_k, a budget or digital_arrays_saved_min");
    double *val = xcalloc(m->nproj ? m->nproj : 1, sizeof *val);
    uint32_t *order = xcalloc(m->nproj ? m->nproj : 1, sizeof *order);
    int rc = load_profile(m, c, val, err, errlen);
    uint32_t n = rc == 0 ? mapper_rank(m, val, order) : 0;
    double saved = 0, arrays_all = 0;
    if (arrays_eq)
        for (uint32_t i = 0; i < m->nproj; i++) {
            saved += digital[i] ? arrays_eq[i] : 0;
            arrays_all += arrays_eq[i];
        }
    /* The walk: in order of value, each projection above the threshold,
     * up to k of them, that keeps the selection within the budgets; with a
     * target, until it is reached. */
    uint32_t taken = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t i = order[r];
        if (digital[i])
            continue;
        if ((thr && !(val[i] > mc->digital_threshold)) ||
            (mc->digital_top_k && taken == (uint64_t)mc->digital_top_k) ||
            (target && arrays_eq && saved + ARRAYS_EPS >= (double)mc->digital_arrays_saved_min))
            break;
        digital[i] = 1;
        mapper_digital_cost_of(m, t, digital, &k);
        if (!mapper_within_budget(c, &k)) {
            digital[i] = 0;
            continue;
        }
        taken++;
        saved += arrays_eq ? arrays_eq[i] : 0;
    }
    if (rc == 0 && target && arrays_eq &&
        saved + ARRAYS_EPS < (double)mc->digital_arrays_saved_min)
        rc = config_fail(c, PARAM_mapping_digital_arrays_saved_min, err, errlen,
                         "the selection saves %.6g of the %.6g arrays of the all-analog "
                         "mapping; the profile's rules and the budgets allow no more", saved,
                         arrays_all);
    free(order);
    free(val);
    return rc;
}

void mapper_config_all_analog(config *dst, const config *src)
{
    config_copy(dst, src);
    static const int unset[] = {
        PARAM_mapping_digital, PARAM_mapping_digital_profile, PARAM_mapping_digital_threshold,
        PARAM_mapping_digital_top_k, PARAM_mapping_digital_mac_share_max,
        PARAM_mapping_digital_weight_bytes_max, PARAM_mapping_digital_arrays_saved_min};
    const param_desc *pd = config_params();
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
        const param_desc *d = &pd[unset[i]];
        char *field = (char *)dst + d->offset;
        switch (d->type) {
        case PT_STR:
            free(*(char **)field);
            *(char **)field = xstrdup(d->def_s);
            break;
        case PT_REAL: *(double *)field = d->def_r; break;
        case PT_INT: *(int64_t *)field = d->def_i; break;
        default: *(int *)field = (int)d->def_i; break;
        }
        dst->line[unset[i]] = 0;
        free(dst->set_arg[unset[i]]);
        dst->set_arg[unset[i]] = NULL;
    }
    if (dst->model.lm_head == MODEL_LM_DIGITAL)
        dst->model.lm_head = MODEL_LM_ANALOG;
}
