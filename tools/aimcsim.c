/*
 * aimcsim.c -- the command-line front end: `aimcsim <subcommand> ...`.
 *
 * The only place that decides exit statuses: 0 success; 1 a run failed
 * (an end-of-run invariant, an I/O error); 2 bad input (usage, config,
 * override, profile, command stream); 3 a subcommand that this build does
 * not provide yet.  Every error is one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "tools/prov.h"

static int cmd_params(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

struct subcommand {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
    const char *help;
};

static const struct subcommand subcommands[] = {
    {"run", cli_run,
     "run CONFIG.ini [--set sec.key=val ...] [--out DIR] [--trace] [--date] [--quiet]",
     "schedule and simulate; print the report; write stats, CSV, traces to DIR"},
    {"map", cli_map, "map CONFIG.ini [--set ...] [--per-projection] [--compare] [--csv FILE] [--json FILE]",
     "mapping only: arrays, utilisation, parameters, FLOPs, area"},
    {"adc", cli_adc, "adc CONFIG.ini [--set ...]",
     "the ADC model: conversion time, rate, energy and area per resolution"},
    {"area", cli_area, "area CONFIG.ini [--set ...]",
     "the chip's area and static power by component"},
    {"schedule", cli_schedule, "schedule CONFIG.ini [--set ...] -o STREAM[.gz]",
     "write the command stream a run would execute"},
    {"exec", cli_exec,
     "exec CONFIG.ini STREAM[.gz] [--set ...] [--out DIR] [--trace] [--date] [--quiet]",
     "simulate a given command stream on the configured chip"},
    {"sweep", cli_sweep,
     "sweep CONFIG.ini --vary sec.key=v1,v2,... [--zip sec.key=a,b ...] [--set sec.key=val ...] "
     "[-j N] [--out DIR] [--force] [--trace] [--quiet] [--emit-jobs FILE | --merge DIR]",
     "run the cross product of the values, one process per point; one CSV"},
    {"hetero", cli_hetero,
     "hetero CONFIG.ini --profile FILE [--families top-k,greedy,first-last] [--max-k N] "
     "[--first-last N] [--latency ttft|tpot|total] [--objective latency|energy|area] "
     "[--max-sensitivity S] [--weights FILE --tokens FILE [--start N] [--len N] [--context N]] "
     "[--accuracy sensitivity|ppl] [--max-ppl P] [--set sec.key=val ...] [-j N] [--out DIR] "
     "[--force] [--quiet] [--no-plot] [--emit-jobs FILE | --merge DIR]",
     "heterogeneous mapping: run candidate digital selections as a sweep; pareto.csv (with "
     "--weights, each candidate's perplexity), the Pareto front and plot, the choice under a "
     "sensitivity or perplexity budget"},
    {"profile", cli_profile,
     "profile CONFIG.ini --weights FILE --tokens FILE [--start N] [--len N] [--context N] "
     "[--whole] [--metric ppl|kl] [-j N] [--set sec.key=val ...] [--out FILE] [--csv FILE] "
     "[--quiet]",
     "accuracy: sensitivity profile of the projections (or --whole: the whole model) under "
     "the AIMC noise model, from an llm.c GPT-2 checkpoint"},
    {"params", cmd_params, "params", "every parameter: unit, default, range, help"},
    {"help", cmd_help, "help [SUBCOMMAND | --man]", "this text, or one subcommand's"},
    {"version", cmd_version, "version", "the version"},
};
#define NSUB (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: aimcsim <subcommand> [arguments]\n\n"
               "aimcsim simulates analog in-memory-computing accelerators running\n"
               "transformer inference.  Subcommands:\n\n");
    for (size_t i = 0; i < NSUB; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].help);
    fprintf(f, "\n`aimcsim help SUBCOMMAND` shows its arguments; "
               "`aimcsim --version` the version.\n");
}

static const struct subcommand *find(const char *name)
{
    for (size_t i = 0; i < NSUB; i++)
        if (!strcmp(subcommands[i].name, name))
            return &subcommands[i];
    return NULL;
}

static int cmd_params(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "aimcsim params: takes no arguments\n");
        return 2;
    }
    config_print_table(stdout);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--man")) {
        cli_man_begin(stdout);
        for (size_t i = 0; i < NSUB; i++)
            cli_man_sub(stdout, subcommands[i].name, subcommands[i].usage, subcommands[i].help);
        cli_man_end(stdout);
        return 0;
    }
    const struct subcommand *s = find(argv[1]);
    if (!s) {
        fprintf(stderr, "aimcsim: unknown subcommand '%s'\n", argv[1]);
        return 2;
    }
    cli_help_print(stdout, s->name, s->usage, s->help);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("aimcsim %s (%s)\n", AIMCSIM_VERSION, prov_revision());
    return 0;
}

int cli_wants_help(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            const struct subcommand *s = find(name);
            cli_help_print(stdout, s->name, s->usage, s->help);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return cmd_help(1, argv);
    if (!strcmp(argv[1], "--version"))
        return cmd_version(1, argv);
    const struct subcommand *s = find(argv[1]);
    if (!s) {
        fprintf(stderr, "aimcsim: unknown subcommand '%s' (see aimcsim --help)\n", argv[1]);
        return 2;
    }
    cli_set_command_line(argc, argv);
    if (s->fn != cmd_help && cli_wants_help(argc - 1, argv + 1, s->name))
        return 0;
    char **args;
    int nargs, rc = cli_args(s->name, argc - 1, argv + 1, &nargs, &args);
    if (rc == 0)
        rc = s->fn(nargs, args);
    cli_args_free(args);
    return rc;
}
