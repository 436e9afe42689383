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

int cli_sweep(int argc, char **argv) { (void)argc; (void)argv; return pending("sweep", "needs aimcsim run (issue 6)"); }
