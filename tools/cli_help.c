/*
 * cli_help.c -- every option of every subcommand, explained once: the
 * tables below give `aimcsim help SUB`, `--help`, the man page
 * (`aimcsim help --man`, roff) and the option forms the program accepts
 * (`--opt value` and `--opt=value`: cli_args).
 *
 * Invariant: an option that takes a value has its argument name in the
 * table; cli_args splits `--opt=value` for exactly those, and refuses a
 * value given to a flag.  tests/test_cli_help.c checks that every option
 * of a subcommand's usage line is in its table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/util.h"
#include "tools/cli.h"
#include "tools/presets.h"

typedef struct opt_doc {
    const char *opt;   /* "--set", "-j" */
    const char *arg;   /* its value's name, NULL for a flag */
    const char *help;
} opt_doc;

typedef struct sub_doc {
    const char *name;
    int config;        /* its first positional argument is CONFIG */
    const char *about; /* what it does, beyond the one-line summary */
    opt_doc opts[28];  /* ended by {NULL} */
    const char *output;
} sub_doc;

#define SET_OPT {"--set", "SEC.KEY=VALUE", "override one parameter of the configuration " \
                 "(repeatable; applied in order, after the file; `aimcsim params` lists them)"}
#define QUIET_RUN {"--quiet", NULL, "no report on stdout"}
#define DATE_OPT {"--date", NULL, "record the date of the run in stats.json (\"date\", UTC; " \
                  "$SOURCE_DATE_EPOCH when set); without it, the same input gives " \
                  "byte-identical files"}
#define OUT_RUN {"--out", "DIR", "write stats.json, stats.csv, projections.csv, layers.csv, " \
                 "tags.csv and critpath.csv to DIR (created if missing; files are written " \
                 "whole or not at all)"}
#define TRACE_RUN {"--trace", NULL, "also write the timeline trace (trace.pftrace for " \
                   "Perfetto, or trace.json with [trace] format = json) and the power trace " \
                   "power.csv to DIR, each gzip-compressed (.gz) past [trace] gzip_above_mb; " \
                   "needs --out"}

static const sub_doc docs[] = {
    {"run", 1,
     "Builds the model, transform and mapping of CONFIG, schedules the run ([run] "
     "prompt_tokens, decode_tokens, batch) into a command stream and simulates it on the "
     "chip.  The report gives latency, its critical path, energy, area and utilisation.",
     {SET_OPT, OUT_RUN, TRACE_RUN, DATE_OPT, QUIET_RUN, {NULL, NULL, NULL}},
     "the report on stdout (unless --quiet); with --out, the files of docs/outputs.md in DIR, "
     "with the manifest aimcsim-files.txt (an earlier run's files there are removed first). "
     "When the run fails or is interrupted after it started, no result file remains: "
     "DIR/stats.partial.json holds its statistics so far, with the error."},
    {"map", 1,
     "Maps the model of CONFIG onto arrays without simulating: per projection kind the "
     "arrays, cell utilisation, activations and ADC conversions per token, ADC resolutions, "
     "digital work, parameters and FLOPs; the area and static power of the chip; then the "
     "comparison of the transforms and mappings for the same model (docs/mapping.md).",
     {SET_OPT,
      {"--per-projection", NULL, "one row per projection instead of per projection kind"},
      {"--compare", NULL, "print the comparison of transforms and mappings only"},
      {"--csv", "FILE", "write the rows printed as CSV to FILE"},
      {"--json", "FILE", "write everything, with the provenance and the resolved model, as "
                         "JSON to FILE"},
      {NULL, NULL, NULL}},
     "tables on stdout; --csv and --json files, written whole or not at all."},
    {"adc", 1,
     "Prints the configured ADC model ([adc] model, area_model, kind) resolution by "
     "resolution: conversion time, sample rate, energy per conversion and area per ADC "
     "(docs/models.md section 3).",
     {SET_OPT, {NULL, NULL, NULL}},
     "a table on stdout."},
    {"area", 1,
     "Prints the chip's area and static power by component.  With [chip] tiles > 0 the "
     "whole chip; with tiles = 0 (the mapping decides) the figures per array and for the "
     "rest of the chip.",
     {SET_OPT, {NULL, NULL, NULL}},
     "a table on stdout."},
    {"schedule", 1,
     "Writes the command stream that `aimcsim run` would execute (docs/command-stream.md) "
     "instead of simulating it.",
     {SET_OPT,
      {"-o", "STREAM", "the stream file to write (required); a name ending in .gz is "
                       "gzip-compressed"},
      {NULL, NULL, NULL}},
     "STREAM, written whole or not at all."},
    {"exec", 1,
     "Simulates the command stream STREAM (plain or gzip, written by `aimcsim schedule` or "
     "by hand) on the chip CONFIG describes.  A stream scheduled from CONFIG itself gives "
     "the statistics `aimcsim run` gives; any other stream runs on the chip alone, without "
     "a model or a mapping ([chip] tiles = 0: as many arrays as the stream names).",
     {SET_OPT, OUT_RUN, TRACE_RUN, DATE_OPT, QUIET_RUN, {NULL, NULL, NULL}},
     "as `aimcsim run`; a malformed stream is reported as STREAM:LINE: what is wrong, "
     "exit status 2."},
    {"sweep", 1,
     "Runs the cross product of parameter values, each point an independent `aimcsim run` "
     "process, N at a time, and merges the points into one CSV (docs/sweeps.md).  Running "
     "the same sweep again skips the points already done.",
     {{"--vary", "SEC.KEY=V1,V2,...", "one axis: these values in this order (repeatable; the "
                                      "first --vary changes slowest); write a comma inside a "
                                      "value as \\,"},
      {"--zip", "SEC.KEY=A,B,...", "paired parameters: all --zip lists have one length and "
                                   "vary together as one axis"},
      {"--set", "SEC.KEY=VALUE", "a fixed override for every point (repeatable)"},
      {"-j", "N", "points run at a time, 1 to 4096 (also -jN and --jobs N; default: the "
                  "online CPUs)"},
      {"--jobs", "N", "the same as -j N"},
      {"--out", "DIR", "where the point folders (DIR/points/NAME) and DIR/sweep.csv go "
                       "(default out/sweep-<config name>)"},
      {"--force", NULL, "run every point again, even those already done"},
      {"--trace", NULL, "each point also writes its traces (as run --trace)"},
      {"--quiet", NULL, "no progress line and no summary line (failures are still reported)"},
      {"--emit-jobs", "FILE", "write the job list, one shell line per point, for GNU parallel "
                              "or a Slurm array, and run nothing"},
      {"--merge", "DIR", "build DIR/sweep.csv from the point folders under DIR and run "
                         "nothing"},
      {NULL, NULL, NULL}},
     "DIR/points/NAME/ per point (its args, stderr and the files of `aimcsim run --out`) and "
     "DIR/sweep.csv, one row per point in point order; a progress line on stderr on a "
     "terminal; one line per failed point."},
    {"hetero", 1,
     "Heterogeneous mapping as a search (docs/heterogeneous.md): builds candidate digital "
     "selections from a sensitivity profile (top k, greedy by value per MAC, the first and "
     "last blocks, the configuration's own), runs each as a point of a sweep of [mapping] "
     "digital and writes the Pareto front of the sensitivity left on analog against the "
     "objective.",
     {{"--profile", "FILE", "the sensitivity profile, one 'projection value' per line "
                            "(required; `aimcsim profile` writes one)"},
      {"--families", "LIST", "the candidate families to build, a comma list of top-k, "
                             "greedy, first-last (default all; the base always runs)"},
      {"--max-k", "N", "at most N projections in a top-k or greedy candidate (0, the "
                       "default: every valued projection)"},
      {"--first-last", "N", "first-last candidates up to the first and last N blocks "
                            "(default 2)"},
      {"--latency", "ttft|tpot|total", "the latency the objective means (default total)"},
      {"--objective", "latency|energy|area", "what the Pareto front and the choice "
                                             "minimise (default latency)"},
      {"--max-sensitivity", "S", "choose the candidate with the least objective among those "
                                 "leaving at most S on analog, and print it as a --set line"},
      {"--weights", "FILE", "the llm.c checkpoint: measure each candidate's whole-model "
                            "perplexity as `aimcsim profile --whole` does (columns ppl, "
                            "ppl_sd, ppl_noise_free; cached in DIR/points/NAME/ppl.txt)"},
      {"--tokens", "FILE", "the llm.c token file of the perplexities (with --weights)"},
      {"--start", "N", "first position of the perplexities' window (default 0)"},
      {"--len", "N", "positions in the window (default: one context)"},
      {"--context", "N", "tokens per sequence, at most the model's context"},
      {"--accuracy", "sensitivity|ppl", "the accuracy axis of the Pareto front and the plot: "
                                        "the sensitivity left on analog (default) or the "
                                        "measured perplexity (needs --weights)"},
      {"--max-ppl", "P", "choose among the candidates whose perplexity is at most P (needs "
                         "--weights; with --max-sensitivity, both budgets hold)"},
      {"--set", "SEC.KEY=VALUE", "a fixed override for every candidate (repeatable)"},
      {"-j", "N", "candidates run at a time, as sweep -j"},
      {"--jobs", "N", "the same as -j N"},
      {"--out", "DIR", "where the point folders, sweep.csv, pareto.csv and the plot go "
                       "(default out/hetero-<config name>)"},
      {"--force", NULL, "run every candidate again, even those already done"},
      {"--quiet", NULL, "no progress line and no table"},
      {"--no-plot", NULL, "write no plot (pareto.png, pareto.svg)"},
      {"--emit-jobs", "FILE", "write the job list, one shell line per candidate, and run "
                              "nothing"},
      {"--merge", "DIR", "build sweep.csv and pareto.csv from the point folders under DIR "
                         "and run nothing"},
      {NULL, NULL, NULL}},
     "DIR/points/NAME/ per candidate, DIR/sweep.csv, DIR/pareto.csv (one row per candidate "
     "with its proxies, latency, energy, area, with --weights its perplexity, Pareto and "
     "chosen flags), DIR/pareto.png and .svg; a table on stdout and, with --max-sensitivity "
     "or --max-ppl, the chosen --set line (exit status 1 when no candidate is within the "
     "budgets)."},
    {"profile", 1,
     "Accuracy beside PPA (docs/profile.md): runs an llm.c GPT-2 checkpoint in fp32 under "
     "the AIMC noise model of CONFIG.  Without --whole, the one-at-a-time sensitivity "
     "profile of the projections (which [mapping] digital_profile reads); with --whole, "
     "the whole model under the configured mapping.",
     {{"--weights", "FILE", "the llm.c checkpoint (gpt2_124M.bin) (required)"},
      {"--tokens", "FILE", "the llm.c token file (required)"},
      {"--start", "N", "first position of the window (default 0)"},
      {"--len", "N", "positions in the window (default: one context)"},
      {"--context", "N", "tokens per sequence, at most the model's context"},
      {"--whole", NULL, "the whole model instead of the profile"},
      {"--metric", "ppl|kl", "what the profile file records per projection: perplexity "
                             "increase (default) or KL divergence"},
      {"-j", "N", "threads, 1 to 256 (the results do not depend on it)"},
      SET_OPT,
      {"--out", "FILE", "write the profile file to FILE"},
      {"--csv", "FILE", "write the rows printed as CSV to FILE"},
      {"--quiet", NULL, "no table on stdout"},
      {NULL, NULL, NULL}},
     "a table on stdout; --out and --csv files, written whole or not at all."},
    {"params", 0, "One row per parameter, in the order of the configuration's sections.",
     {{NULL, NULL, NULL}},
     "a table on stdout: section, key, type, unit, default, range or choices, help."},
    {"help", 0,
     "Without SUBCOMMAND, the list of subcommands; with one, its arguments and every "
     "option.",
     {{"--man", NULL, "the manual page (roff) on stdout: `aimcsim help --man | man -l -`"},
      {NULL, NULL, NULL}},
     "text on stdout."},
    {"version", 0, "Prints the release and the source revision it was built from.",
     {{NULL, NULL, NULL}},
     "one line on stdout."},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static const sub_doc *doc_of(const char *name)
{
    for (size_t i = 0; i < NDOCS; i++)
        if (!strcmp(docs[i].name, name))
            return &docs[i];
    return NULL;
}

/* Prints text wrapped at 78 columns, each line indented by ind spaces,
 * the first line after a prefix of ind columns already printed when
 * started is set. */
static void wrap(FILE *f, const char *text, int ind, int started)
{
    int col = started ? ind : 0;
    const char *p = text;
    while (*p) {
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        int len = (int)(e - p);
        if (col > ind && col + 1 + len > 78) {
            fputc('\n', f);
            col = 0;
        }
        if (col == 0) {
            fprintf(f, "%*s", ind, "");
            col = ind;
        } else if (col > ind) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, (size_t)len, f);
        col += len;
        p = *e ? e + 1 : e;
    }
    fputc('\n', f);
}

void cli_help_print(FILE *f, const char *name, const char *usage, const char *summary)
{
    fprintf(f, "usage: aimcsim %s\n\n", usage);
    wrap(f, summary, 0, 0);
    const sub_doc *d = doc_of(name);
    if (!d)
        return;
    fputc('\n', f);
    wrap(f, d->about, 0, 0);
    if (d->config) {
        char list[1024];
        presets_list(list, sizeof list);
        fputc('\n', f);
        wrap(f, "CONFIG is an INI file (docs: README, `aimcsim params`), or the name of a "
                "preset or experiment, found in the installed configs folder:", 0, 0);
        if (*list)
            wrap(f, list, 2, 0);
    }
    if (d->opts[0].opt) {
        fprintf(f, "\noptions (a value follows as --opt VALUE or --opt=VALUE):\n");
        for (const opt_doc *o = d->opts; o->opt; o++) {
            char head[64];
            snprintf(head, sizeof head, "  %s%s%s", o->opt, o->arg ? " " : "",
                     o->arg ? o->arg : "");
            int n = (int)strlen(head);
            if (n > 24) {
                fprintf(f, "%s\n", head);
                wrap(f, o->help, 26, 0);
            } else {
                fprintf(f, "%-26s", head);
                wrap(f, o->help, 26, 1);
            }
        }
    }
    fprintf(f, "\noutput: ");
    wrap(f, d->output, 8, 1);
}

/* ---- the man page ---- */

/* Text for roff: backslashes escaped, '-' as \- (so options copy and
 * search well), a line never starting with '.' or '\''. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

void cli_man_begin(FILE *f)
{
    fprintf(f, ".\\\" Generated by `aimcsim help --man` from tools/cli_help.c: do not edit.\n"
               ".TH AIMCSIM 1 \"\" \"aimcsim %s\" \"User Commands\"\n"
               ".SH NAME\naimcsim \\- simulate analog in\\-memory\\-computing accelerators "
               "running transformer inference\n"
               ".SH SYNOPSIS\n.B aimcsim\n.I subcommand\n[\\fIarguments\\fR]\n"
               ".SH DESCRIPTION\n",
            AIMCSIM_VERSION);
    roff(f, "aimcsim is an event-driven simulator of analog in-memory-computing (AIMC) "
            "accelerators: crossbar tiles whose columns share ADCs, digital clusters, a mesh "
            "network, SRAM and DRAM.  It runs dense and block-diagonal (Monarch) GPT-2 "
            "inference from a command stream and reports latency, energy, area and "
            "utilisation, with traces over time.  A configuration is an INI file, one design "
            "point; every parameter has a unit, a default and a source "
            "(`aimcsim params`).");
    fprintf(f, "\n.PP\nEvery option that takes a value accepts it as the next argument or "
               "after an equals sign:\n.B \\-\\-out DIR\nand\n.BR \\-\\-out=DIR .\n"
               ".SH SUBCOMMANDS\n");
}

void cli_man_sub(FILE *f, const char *name, const char *usage, const char *summary)
{
    fprintf(f, ".SS ");
    roff(f, name);
    fprintf(f, "\n.B aimcsim ");
    roff(f, usage);
    fprintf(f, "\n.PP\n");
    roff(f, summary);
    fputc('\n', f);
    const sub_doc *d = doc_of(name);
    if (!d)
        return;
    fprintf(f, ".PP\n");
    roff(f, d->about);
    fputc('\n', f);
    for (const opt_doc *o = d->opts; o->opt; o++) {
        fprintf(f, ".TP\n.B ");
        roff(f, o->opt);
        if (o->arg) {
            fprintf(f, " \\fI");
            roff(f, o->arg);
            fprintf(f, "\\fR");
        }
        fputc('\n', f);
        roff(f, o->help);
        fputc('\n', f);
    }
    fprintf(f, ".PP\nOutput: ");
    roff(f, d->output);
    fputc('\n', f);
}

void cli_man_end(FILE *f)
{
    fprintf(f, ".SH FILES\n.TP\n.I PREFIX/share/aimcsim/configs\n");
    roff(f, "the presets and, in experiments/, the experiments: a CONFIG argument that is "
            "not a file is looked up there by name (hermes-core, gpt2-small-densemap)");
    fprintf(f, "\n.TP\n.I PREFIX/share/aimcsim/plot\n");
    roff(f, "gnuplot scripts for sweep, mapping, energy, critical-path and power plots");
    fprintf(f, "\n.TP\n.I PREFIX/share/doc/aimcsim\n");
    roff(f, "the documentation: outputs.md (every output file and column), models.md, "
            "mapping.md, scheduler.md, command-stream.md, sweeps.md, library.md");
    fprintf(f, "\n.SH EXIT STATUS\n");
    roff(f, "0 success; 1 a run that failed (an end-of-run check, an I/O error); 2 bad input "
            "(usage, configuration, override, profile, command stream, output folder), "
            "reported as file:line: what is wrong on stderr; 130 and 143 a run interrupted by "
            "SIGINT and SIGTERM.");
    fprintf(f, "\n.SH ENVIRONMENT\n.TP\n.B SOURCE_DATE_EPOCH\n");
    roff(f, "with --date, the date recorded instead of the current one (seconds since 1970)");
    fprintf(f, "\n.SH SEE ALSO\n.BR gnuplot (1),\n.BR parallel (1)\n");
}

/* ---- option forms and CONFIG ---- */

static const opt_doc *opt_of(const sub_doc *d, const char *opt, size_t len)
{
    for (const opt_doc *o = d->opts; o->opt; o++)
        if (strlen(o->opt) == len && !strncmp(o->opt, opt, len))
            return o;
    return NULL;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

int cli_args(const char *name, int argc, char **argv, int *nargs, char ***args)
{
    const sub_doc *d = doc_of(name);
    char **v = xcalloc((size_t)argc * 2 + 1, sizeof *v);
    int n = 0, have_config = 0;
    *args = v;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        const char *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
        const opt_doc *o = d && i > 0 && a[0] == '-'
                               ? opt_of(d, a, eq ? (size_t)(eq - a) : strlen(a)) : NULL;
        if (eq && o && !o->arg) {
            fprintf(stderr, "aimcsim %s: %.*s takes no value (see aimcsim help %s)\n", name,
                    (int)(eq - a), a, name);
            return 2;
        }
        if (eq && o) {
            v[n++] = xasprintf("%.*s", (int)(eq - a), a);
            v[n++] = xstrdup(eq + 1);
            continue;
        }
        if (o && o->arg && i + 1 < argc) { /* the value: never CONFIG */
            v[n++] = xstrdup(a);
            v[n++] = xstrdup(argv[++i]);
            continue;
        }
        if (d && d->config && i > 0 && !have_config && a[0] != '-') {
            have_config = 1;
            char *p = presets_find(a);
            if (!p && !is_file(a)) {
                char list[1024];
                presets_list(list, sizeof list);
                fprintf(stderr, "aimcsim %s: %s: no such file, and no preset of that name "
                                "(presets: %s)\n", name, a, *list ? list : "none installed");
                return 2;
            }
            v[n++] = p ? p : xstrdup(a);
            continue;
        }
        v[n++] = xstrdup(a);
    }
    *nargs = n;
    return 0;
}

void cli_args_free(char **args)
{
    if (!args)
        return;
    for (char **p = args; *p; p++)
        free(*p);
    free(args);
}
