/*
 * cli.h -- the subcommands of the aimcsim program and their shared
 * argument handling.  Each cli_* returns the process exit status
 * (see tools/aimcsim.c).
 */
#ifndef AIMCSIM_CLI_H
#define AIMCSIM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"

int cli_run(int argc, char **argv);
int cli_map(int argc, char **argv);
int cli_area(int argc, char **argv);
int cli_adc(int argc, char **argv);
int cli_schedule(int argc, char **argv);
int cli_exec(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_profile(int argc, char **argv);
int cli_hetero(int argc, char **argv);

/* Options common to the subcommands that take a configuration. */
typedef struct cli_opts {
    config cfg;            /* loaded, overridden and checked */
    const char *cfg_path;
    const char *pos[4];    /* positional arguments after CONFIG */
    int npos;
    const char *out_dir;   /* --out */
    const char *output;    /* -o */
    const char *csv;       /* --csv */
    const char *json;      /* --json */
    int trace, quiet;      /* --trace, --quiet */
    int date;              /* --date */
} cli_opts;

/* Parses "CONFIG [positional...] [--set k=v] [--out D] [-o F] [--csv F]
 * [--json F] [--trace] [--quiet]", loads and checks the configuration.
 * `allowed` lists the options this subcommand accepts (e.g. "set,out,trace").
 * Returns 0, or the exit status after printing the error. */
int cli_load(int argc, char **argv, const char *name, const char *allowed,
             int max_pos, cli_opts *o);
void cli_opts_free(cli_opts *o);

/* The options that choose the checkpoint, the token file and the window
 * of an accuracy evaluation (workloads/accuracy.h), shared by profile and
 * hetero: --weights FILE, --tokens FILE, --start N, --len N, --context N.
 * If argv[*i] is one of them, stores its value in o and moves *i past it:
 * returns 1; 0 when argv[*i] is none of them; -1 with the message in err
 * ("--len x: not a non-negative integer", "--tokens needs a value"). */
struct accuracy_opts;
int cli_accuracy_option(int argc, char **argv, int *i, struct accuracy_opts *o, char *err,
                        size_t errlen);
/* Parses s as a decimal integer in [lo, hi]: 0, or -1 (the caller says
 * what was expected). */
int cli_parse_long(const char *s, long lo, long hi, long *v);
/* Parses s, the value of option opt, as a decimal uint32_t: 0, or -1 with
 * "OPT S: not a non-negative integer" in err. */
int cli_parse_u32(const char *opt, const char *s, uint32_t *v, char *err, size_t errlen);

/* The command line, for provenance blocks. */
void cli_set_command_line(int argc, char **argv);
const char *cli_command_line(void);

/* 1 (after printing the usage) if --help or -h is among the arguments. */
int cli_wants_help(int argc, char **argv, const char *name);

/* Help (tools/cli_help.c).  A subcommand's help: its usage, summary, and
 * from the tables there what it does, every option and where its output
 * goes. */
void cli_help_print(FILE *f, const char *name, const char *usage, const char *summary);
/* The man page, in roff: begin, one section per subcommand, end. */
void cli_man_begin(FILE *f);
void cli_man_sub(FILE *f, const char *name, const char *usage, const char *summary);
void cli_man_end(FILE *f);
/* The arguments of subcommand name (argv[0] is its name) as its parser
 * takes them: `--opt=value` split into `--opt value` for the options that
 * take a value, and CONFIG, when it is not a file, replaced by the preset
 * of that name (tools/presets.h).  *args (NULL-terminated, *nargs
 * entries) is freed with cli_args_free, also after an error.  Returns 0,
 * or 2 after printing the error (a value given to a flag, a CONFIG that
 * is neither a file nor a preset). */
int cli_args(const char *name, int argc, char **argv, int *nargs, char ***args);
void cli_args_free(char **args);

#endif
