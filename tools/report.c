/*
 * report.c -- the human report of a run (report.h).  Reads statistics by
 * name; prints nothing that is not in the registry or the mapping.
 */
#include "tools/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/unit.h"
#include "sim/units.h"
#include "sim/util.h"

void report_time(char *buf, size_t n, double ps)
{
    static const struct { double div; const char *unit; } u[] = {
        {1e12, "s"}, {1e9, "ms"}, {1e6, "us"}, {1e3, "ns"}, {1, "ps"}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (fabs(ps) >= u[i].div || i + 1 == sizeof u / sizeof u[0]) {
            snprintf(buf, n, "%.4g %s", ps / u[i].div, u[i].unit);
            return;
        }
}

void report_energy(char *buf, size_t n, double pj)
{
    static const struct { double div; const char *unit; } u[] = {
        {1e12, "J"}, {1e9, "mJ"}, {1e6, "uJ"}, {1e3, "nJ"}, {1, "pJ"}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (fabs(pj) >= u[i].div || i + 1 == sizeof u / sizeof u[0]) {
            snprintf(buf, n, "%.4g %s", pj / u[i].div, u[i].unit);
            return;
        }
}

static double g(const stats *st, const char *name) { return stats_get(st, name, NULL); }

static void row_time(FILE *f, const char *label, double ps)
{
    char b[32];
    report_time(b, sizeof b, ps);
    fprintf(f, "  %-26s %14s\n", label, b);
}

/* A time, or "n/a" when it does not apply. */
static void row_opt(FILE *f, const char *label, int applies, double ps)
{
    if (applies)
        row_time(f, label, ps);
    else
        fprintf(f, "  %-26s %14s\n", label, "n/a");
}

int report_crit(const stats *st, const char *phase, double ps[CP_CATS], double *total)
{
    const char *name = phase;
    double div = 1;
    if (!strcmp(phase, "tpot")) {
        name = "decode";
        div = g(st, "crit.decode_tokens");
        if (div <= 0)
            return -1;
    } else if (!strcmp(phase, "slowest")) {
        if (g(st, "crit.decode_tokens") <= 0)
            return -1;
    } else if (!strcmp(phase, "ttft")) {
        if (g(st, "run.tokens") <= 0)
            return -1;
    } else if (strcmp(phase, "total")) {
        return -1;
    }
    *total = 0;
    for (int c = 0; c < CP_CATS; c++) {
        char key[64];
        snprintf(key, sizeof key, "crit.%s.%s.%s_ps", name, cp_group_keys[cp_cat_group[c]],
                 cp_cat_names[c]);
        ps[c] = g(st, key) / div;
        *total += ps[c];
    }
    return 0;
}

/* "cluster 61% (softmax 23%, gelu 15%), NoC 17%, ADC 14%": the groups of
 * the path by share, at most three, the first with its (at most two)
 * largest categories. */
static void verdict(FILE *f, const double ps[CP_CATS], double total)
{
    double grp[CP_GROUPS] = {0};
    for (int c = 0; c < CP_CATS; c++)
        grp[cp_cat_group[c]] += ps[c];
    int used[CP_GROUPS] = {0};
    for (int k = 0; k < 3; k++) {
        int best = -1;
        for (int gi = 0; gi < CP_GROUPS; gi++)
            if (!used[gi] && (best < 0 || grp[gi] > grp[best]))
                best = gi;
        if (best < 0 || grp[best] <= 0 || (k > 0 && grp[best] < 0.005 * total))
            break;
        used[best] = 1;
        fprintf(f, "%s%s %.0f%%", k ? ", " : "", cp_group_names[best], 100 * grp[best] / total);
        if (k > 0)
            continue;
        int c1 = -1, c2 = -1, n = 0;
        for (int c = 0; c < CP_CATS; c++) {
            if (cp_cat_group[c] != best || ps[c] <= 0)
                continue;
            n++;
            if (c1 < 0 || ps[c] > ps[c1]) {
                c2 = c1;
                c1 = c;
            } else if (c2 < 0 || ps[c] > ps[c2]) {
                c2 = c;
            }
        }
        if (n > 0) {
            fprintf(f, " (%s %.0f%%", cp_cat_names[c1], 100 * ps[c1] / total);
            if (c2 >= 0)
                fprintf(f, ", %s %.0f%%", cp_cat_names[c2], 100 * ps[c2] / total);
            fprintf(f, ")");
        }
    }
    fprintf(f, "\n");
}

/* The critical path: a verdict per phase, then each category's share. */
static void report_critpath(FILE *f, const stats *st)
{
    static const struct { const char *phase, *label, *column; } ph[] = {
        {"ttft", "time to first token", "first token"},
        {"tpot", "per decoded token", "per token"},
        {"slowest", "slowest decoded token", NULL},
        {"total", "whole run", "whole run"},
    };
    enum { NPH = sizeof ph / sizeof ph[0] };
    double ps[NPH][CP_CATS], tot[NPH];
    int have[NPH];
    fprintf(f, "Critical path (what sets each time; docs/scheduler.md)\n");
    for (int p = 0; p < NPH; p++) {
        have[p] = report_crit(st, ph[p].phase, ps[p], &tot[p]) == 0 && tot[p] > 0;
        if (!have[p])
            continue;
        char b[32];
        report_time(b, sizeof b, tot[p]);
        fprintf(f, "  %-22s %10s: ", ph[p].label, b);
        verdict(f, ps[p], tot[p]);
    }
    fprintf(f, "  %-22s", "");
    for (int p = 0; p < NPH; p++)
        if (have[p] && ph[p].column)
            fprintf(f, " %12s", ph[p].column);
    fprintf(f, "\n");
    for (int gi = 0; gi < CP_GROUPS; gi++)
        for (int c = 0; c < CP_CATS; c++) {
            if (cp_cat_group[c] != gi)
                continue;
            int any = 0;
            for (int p = 0; p < NPH; p++)
                any |= have[p] && ph[p].column && ps[p][c] >= 0.0005 * tot[p];
            if (!any)
                continue;
            fprintf(f, "  %-8s %-13s", cp_group_names[gi], cp_cat_names[c]);
            for (int p = 0; p < NPH; p++)
                if (have[p] && ph[p].column)
                    fprintf(f, " %11.1f%%", 100 * ps[p][c] / tot[p]);
            fprintf(f, "\n");
        }
    fprintf(f, "\n");
}

struct top {
    uint32_t tag;
    double e;
};

static int by_energy(const void *a, const void *b)
{
    const struct top *x = a, *y = b;
    if (x->e != y->e)
        return x->e < y->e ? 1 : -1;
    return x->tag < y->tag ? -1 : x->tag > y->tag;
}

void report_print(FILE *f, const config *c, const model *m, const stats *st,
                  const cmd_tag *tags, uint32_t ntags, const engine_tag_stats *ts)
{
    char b1[32];
    if (m) {
        fprintf(f, "aimcsim %s: %s, %s, %s mapping, %lldx%lld arrays, %lld ADCs/tile, kernel %s\n",
                AIMCSIM_VERSION, config_enum_name(PARAM_model_preset, c->model.preset),
                config_enum_name(PARAM_transform_kind, c->transform.kind),
                config_enum_name(PARAM_mapping_strategy, c->mapping.strategy),
                (long long)c->tile.rows, (long long)c->tile.cols, (long long)c->adc.count,
                config_enum_name(PARAM_run_kernel, c->run.kernel));
        fprintf(f, "  %lld prompt + %lld decode tokens, batch %lld; %u layers, d_model %u\n\n",
                (long long)c->run.prompt_tokens, (long long)c->run.decode_tokens,
                (long long)c->run.batch, m->layers, m->d_model);
    } else {
        fprintf(f, "aimcsim %s: a command stream on %.0f arrays of %lldx%lld, %lld ADCs/tile, "
                   "%.0f clusters, %.0f SRAM banks, %.0f DRAM channels, kernel %s\n\n",
                AIMCSIM_VERSION, g(st, "chip.tiles"), (long long)c->tile.rows,
                (long long)c->tile.cols, (long long)c->adc.count, g(st, "chip.clusters"),
                g(st, "chip.sram_banks"), g(st, "chip.dram_channels"),
                config_enum_name(PARAM_run_kernel, c->run.kernel));
    }

    /* Figures that need output tokens (or decode steps) are n/a without. */
    int tokens_out = g(st, "run.tokens") > 0, steps = g(st, "run.tokens") > 1;
    fprintf(f, "Latency\n");
    row_time(f, "prefill", g(st, "run.prefill_ps"));
    row_opt(f, "time to first token", tokens_out, g(st, "run.ttft_ps"));
    row_opt(f, "per decoded token", steps, g(st, "run.tpot_ps"));
    row_time(f, "total", g(st, "run.total_ps"));
    if (tokens_out)
        fprintf(f, "  %-26s %14.4g\n\n", "tokens/s", g(st, "run.tokens_per_s"));
    else
        fprintf(f, "  %-26s %14s\n\n", "tokens/s", "n/a");

    report_critpath(f, st);

    double total = g(st, "energy.total_pj");
    report_energy(b1, sizeof b1, total);
    fprintf(f, "Energy                       %14s\n", b1);
    for (int i = 0; i < E_PARTS; i++) {
        char name[64];
        snprintf(name, sizeof name, "energy.%s_pj", energy_part_names[i]);
        int found;
        double e = stats_get(st, name, &found);
        if (!found)
            continue;
        report_energy(b1, sizeof b1, e);
        fprintf(f, "  %-26s %14s %6.1f%%\n", energy_part_names[i], b1,
                total > 0 ? 100 * e / total : 0);
    }
    double extra = g(st, "adc.extrapolated_conversions");
    if (extra > 0)
        fprintf(f, "  note: %.0f of %.0f conversions at a resolution the %s ADC model's source does "
                   "not cover\n        (murmann: below 4 bits): their energy is extrapolated\n",
                extra, g(st, "adc.conversions"), config_enum_name(PARAM_adc_model, c->adc.model));
    double tokens = g(st, "run.tokens") * (double)c->run.batch;
    if (tokens > 0) {
        report_energy(b1, sizeof b1, total / tokens);
        fprintf(f, "  %-26s %14s\n", "per output token", b1);
    }
    fprintf(f, "\n");

    struct top *tp = xmalloc((ntags ? ntags : 1) * sizeof *tp);
    for (uint32_t i = 0; i < ntags; i++)
        tp[i] = (struct top){i, ts[i].e_pj};
    qsort(tp, ntags, sizeof *tp, by_energy);
    /* busy: unit-time summed over the operation's commands; divided by
     * the run's time, the units it kept busy on average. */
    double t_run = g(st, "run.total_ps");
    fprintf(f, "Top operations by dynamic energy   units busy on average\n");
    for (uint32_t i = 0; i < ntags && i < 8 && tp[i].e > 0; i++) {
        report_energy(b1, sizeof b1, tp[i].e);
        fprintf(f, "  %-26s %14s %14.3g\n", tags[tp[i].tag].name, b1,
                t_run > 0 ? (double)ts[tp[i].tag].busy_ps / t_run : 0);
    }
    free(tp);
    fprintf(f, "\n");

    double atot = g(st, "area.total_um2");
    fprintf(f, "Area                         %11.4g mm2\n", units_um2_to_mm2(atot));
    for (int i = 0; i < AREA_ROWS; i++) {
        if (i == AREA_DRAM) /* off-chip */
            continue;
        char name[64];
        snprintf(name, sizeof name, "area.%s_um2", area_row_names[i]);
        double a = g(st, name);
        fprintf(f, "  %-26s %11.4g mm2 %6.1f%%\n", area_row_names[i], units_um2_to_mm2(a),
                atot > 0 ? 100 * a / atot : 0);
    }
    fprintf(f, "  %-26s %11.4g mW\n", "static power", g(st, "power.static_mw"));
    if (g(st, "chip.dies") > 1)
        fprintf(f, "  note: %.0f mm2 exceeds one lithography field (%g mm2): as built it takes "
                   "%.0f dies\n",
                units_um2_to_mm2(atot), c->chip.reticle_mm2, g(st, "chip.dies"));
    fprintf(f, "\n");

    /* A stream run on the chip alone has no mapping: its figures are n/a. */
    int mapped = stats_find(st, "map.arrays") >= 0;
    fprintf(f, "Mapping and utilisation\n");
    if (mapped) {
        fprintf(f, "  %-26s %14.0f\n", "arrays used", g(st, "map.arrays"));
        fprintf(f, "  %-26s %13.1f%%\n", "cell utilisation", 100 * g(st, "map.cell_util"));
        fprintf(f, "  %-26s %14.0f\n", "projections on digital",
                g(st, "map.digital_projections"));
    } else {
        fprintf(f, "  %-26s %14s\n  %-26s %14s\n  %-26s %14s\n", "arrays used", "n/a",
                "cell utilisation", "n/a", "projections on digital", "n/a");
    }
    fprintf(f, "  %-26s %13.1f%%\n", "array time", 100 * g(st, "util.array_time"));
    fprintf(f, "  %-26s %13.1f%%\n", "ADC bank time", 100 * g(st, "util.adc_time"));
    fprintf(f, "  %-26s %13.1f%%\n", "link time", 100 * g(st, "util.link_time"));
    fprintf(f, "  %-26s %13.1f%%\n", "cluster time", 100 * g(st, "util.cluster_time"));
    double spill = g(st, "sched.spill_bytes");
    if (spill > 0)
        fprintf(f, "  %-26s %14.0f bytes (KV cache or digital weights in DRAM)\n",
                "spilled to DRAM", spill);
    fprintf(f, "\n");

    /* stall.* sums every command's wait; divided by the run's time, the
     * commands waiting on average at any moment. */
    fprintf(f, "Waiting commands (mean number at any time; sums: stall.* in stats.json)\n");
    for (int i = 0; i < STALL_CAUSES; i++) {
        char name[64];
        snprintf(name, sizeof name, "stall.%s_ps", stall_cause_names[i]);
        fprintf(f, "  %-26s %14.4g\n", stall_cause_labels[i],
                t_run > 0 ? g(st, name) / t_run : 0);
    }
}
