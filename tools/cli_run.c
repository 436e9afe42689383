/*
 * cli_run.c -- `aimcsim run`, `exec` and `schedule`: argument handling
 * around driver_run (sim/driver.h), which does the work.
 */
#include <stdio.h>
#include <string.h>

#include "tools/driver.h"
#include "sim/util.h"
#include "tools/cli.h"

static int finish(int rc, const char *err)
{
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    if (rc > 128) /* stopped by signal rc - 128: the shell's convention */
        return rc;
    return rc == DRIVER_EINPUT ? 2 : rc == DRIVER_EFAIL ? 1 : 0;
}

int cli_run(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_load(argc, argv, "run", "set,out,trace,quiet,date", 0, &o);
    if (rc)
        return rc;
    if (o.trace && !o.out_dir) {
        fprintf(stderr, "aimcsim run: --trace needs --out DIR (the traces are files)\n");
        cli_opts_free(&o);
        return 2;
    }
    char err[ERR_LEN];
    driver_opts d = {.cfg = &o.cfg, .out_dir = o.out_dir, .trace = o.trace,
                     .report = o.quiet ? NULL : stdout, .command = cli_command_line(),
                     .date = o.date};
    rc = driver_run(&d, err, sizeof err);
    cli_opts_free(&o);
    return finish(rc, err);
}

int cli_exec(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_load(argc, argv, "exec", "set,out,trace,quiet,date", 1, &o);
    if (rc)
        return rc;
    if (o.npos != 1) {
        fprintf(stderr, "aimcsim exec: missing STREAM (see aimcsim help exec)\n");
        cli_opts_free(&o);
        return 2;
    }
    if (o.trace && !o.out_dir) {
        fprintf(stderr, "aimcsim exec: --trace needs --out DIR (the traces are files)\n");
        cli_opts_free(&o);
        return 2;
    }
    char err[ERR_LEN];
    driver_opts d = {.cfg = &o.cfg, .stream_in = o.pos[0], .out_dir = o.out_dir,
                     .trace = o.trace, .report = o.quiet ? NULL : stdout,
                     .command = cli_command_line(), .date = o.date};
    rc = driver_run(&d, err, sizeof err);
    cli_opts_free(&o);
    return finish(rc, err);
}

int cli_schedule(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_load(argc, argv, "schedule", "set,o", 0, &o);
    if (rc)
        return rc;
    if (!o.output) {
        fprintf(stderr, "aimcsim schedule: missing -o STREAM (see aimcsim help schedule)\n");
        cli_opts_free(&o);
        return 2;
    }
    char err[ERR_LEN];
    driver_opts d = {.cfg = &o.cfg, .stream_out = o.output, .command = cli_command_line()};
    rc = driver_run(&d, err, sizeof err);
    cli_opts_free(&o);
    return finish(rc, err);
}
