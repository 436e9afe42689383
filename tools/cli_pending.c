/*
 * cli_pending.c -- subcommands declared by the command line whose
 * implementation has not landed yet.  Each says so and exits with status 3;
 * none produces output that could be taken for a result.
 */
#include <stdio.h>

#include "tools/cli.h"

static int pending(const char *name, const char *what)
{
    fprintf(stderr, "aimcsim %s: not available yet: %s\n", name, what);
    return 3;
}

int cli_run(int argc, char **argv) { (void)argc; (void)argv; return pending("run", "needs the scheduler and engine (issue 5)"); }
int cli_map(int argc, char **argv) { (void)argc; (void)argv; return pending("map", "needs the mappings (issue 4)"); }
int cli_area(int argc, char **argv) { (void)argc; (void)argv; return pending("area", "needs the hardware models (issue 3)"); }
int cli_schedule(int argc, char **argv) { (void)argc; (void)argv; return pending("schedule", "needs the scheduler (issue 5)"); }
int cli_exec(int argc, char **argv) { (void)argc; (void)argv; return pending("exec", "needs the engine (issue 5)"); }
int cli_sweep(int argc, char **argv) { (void)argc; (void)argv; return pending("sweep", "needs aimcsim run (issue 6)"); }
