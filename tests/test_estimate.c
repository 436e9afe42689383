#define _DEFAULT_SOURCE
/*
 * test_estimate.c -- the resource estimate made before a run
 * (tools/driver.h driver_estimate, docs/reliability.md): a design point
 * that would need more memory than [run] max_memory_mb is refused with
 * exit 2, the estimate and its largest part's parameter, before anything
 * large is allocated; none of the configurations ends in SIGABRT.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "tools/driver.h"

/* msg with the figures of "an estimated N MiB (...)" left out: they
 * follow the sizes of the program's structures; the place, the part that
 * is the largest (for the mesh, exact: 65536 x 65536 x 4 links x 16 bytes)
 * and the rest of the message are compared. */
static char *without_figures(const char *msg)
{
    char *s = xstrdup(msg);
    char *a = strstr(s, "an estimated ");
    char *b = a ? strstr(a, " MiB), ") : NULL;
    if (a && b) {
        char *mesh = strstr(a, "mesh 262144,");
        char *t = xasprintf("%.*san estimated (...)%s%s", (int)(a - s), s,
                            mesh && mesh < b ? " mesh 262144" : "", b + 5);
        free(s);
        s = t;
    }
    return s;
}

static void expect_refused(const char *args, const char *msg)
{
    char *cmd = xasprintf("%s %s", tu_prog(), args), *out, *err;
    cr_expect_eq(tu_sh(cmd, &out, &err), 2, "%s: %s", args, err);
    char *got = without_figures(err), *want = without_figures(msg);
    cr_expect_str_eq(got, want, "%s: %s", args, err);
    free(got);
    free(want);
    free(out);
    free(err);
    free(cmd);
}

/* The configurations of the issue: each asked the allocator for more than
 * the machine has (SIGABRT), or read a device whole. */
Test(estimate, oversized_design_points_are_refused_with_the_estimate, .timeout = 60)
{
    expect_refused("run tests/golden/tiny.ini --set noc.width=65536 --set noc.height=65536 "
                   "--set run.max_memory_mb=4096 --quiet",
                   "--set noc.height=65536: [noc] height = 65536: the run needs an estimated "
                   "262273 MiB (mapping 1, chip 1, mesh 262144, scheduler 1, window 129, "
                   "statistics 1 MiB), more than [run] max_memory_mb allows (4096 MiB) (expected "
                   "a smaller design point, or a larger [run] max_memory_mb)\n");
    expect_refused("run configs/default.ini --set tile.rows=1 --set tile.cols=1 --set adc.count=1 "
                   "--set run.max_memory_mb=4096 --quiet",
                   "--set tile.cols=1: [tile] cols = 1: the run needs an estimated 199031 MiB "
                   "(mapping 126292, chip 7334, mesh 1886, scheduler 45939, window 17583, "
                   "statistics 1 MiB), more than [run] max_memory_mb allows (4096 MiB) (expected "
                   "a smaller design point, or a larger [run] max_memory_mb)\n");
    expect_refused("map configs/default.ini --set model.preset=custom --set model.layers=1 "
                   "--set model.d_model=1048576 --set model.heads=1 --set model.d_ff=1 "
                   "--set model.vocab=1 --set model.context_tokens=1 --set run.prompt_tokens=1 "
                   "--set run.decode_tokens=0 --set run.max_memory_mb=4096",
                   "--set model.vocab=1: [model] vocab = 1: the run needs an estimated 145951 MiB "
                   "(mapping 68621, chip 3985, mesh 1025, scheduler 59905, window 12418, "
                   "statistics 1 MiB), more than [run] max_memory_mb allows (4096 MiB) (expected "
                   "a smaller design point, or a larger [run] max_memory_mb)\n");
    expect_refused("map configs/default.ini --set model.preset=gpt2-xl --set tile.rows=1 "
                   "--set run.max_memory_mb=4096",
                   "--set tile.rows=1: [tile] rows = 1: the run needs an estimated 8475 MiB "
                   "(mapping 6526, chip 379, mesh 98, scheduler 376, window 1099, statistics "
                   "1 MiB), more than [run] max_memory_mb allows (4096 MiB) (expected a smaller "
                   "design point, or a larger [run] max_memory_mb)\n");
    /* The default limit, 3/4 of the physical memory: the message says so. */
    char *cmd = xasprintf("%s run tests/golden/tiny.ini --set noc.width=65536 "
                          "--set noc.height=65536 --quiet", tu_prog()), *out, *err;
    cr_expect_eq(tu_sh(cmd, &out, &err), 2, "%s", err);
    cr_expect(strstr(err, "MiB, 3/4 of the physical memory) (expected a smaller design point"),
              "%s", err);
    free(out);
    free(err);
    free(cmd);
    /* A trace adds its memory: checked when --trace is given. */
    char *never = xasprintf("/tmp/aimcsim-never-%d", (int)getpid());
    char *args = xasprintf("run tests/golden/tiny.ini --set run.max_memory_mb=150 --out %s "
                           "--trace --quiet", never);
    expect_refused(args,
                   "tests/golden/tiny.ini: [run] window_cmds = 1048576: the run needs an "
                   "estimated 193 MiB (mapping 1, chip 1, mesh 1, scheduler 1, window 129, "
                   "statistics 1, "
                   "traces 65 MiB), more than [run] max_memory_mb allows (150 MiB) (expected a "
                   "smaller design point, or a larger [run] max_memory_mb)\n");
    cr_expect(access(never, F_OK) != 0, "refused before the output folder is made");
    free(args);
    free(never);
    /* Within the limit, counts must still fit 32 bits. */
    expect_refused("map tests/golden/tiny.ini --set noc.width=65536 --set noc.height=65536 "
                   "--set run.max_memory_mb=1000000",
                   "--set noc.height=65536: [noc] height = 65536: a mesh of 4294967296 routers "
                   "(expected at most 1073741823)\n");
}

/* The peak memory of a program run, in KiB. */
static long peak_kib(const char *args)
{
    char *cmd = xasprintf("exec %s %s >/dev/null 2>&1", tu_prog(), args);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed", cmd);
    free(cmd);
    return ru.ru_maxrss;
}

/* The estimate bounds what runs take (their peak resident memory). */
Test(estimate, bounds_the_memory_runs_take, .timeout = 120)
{
    static const struct { const char *cfg, *sets[4]; } runs[] = {
        {"configs/experiments/gpt2-medium-linear.ini", {"run.prompt_tokens=8", NULL}},
        {"configs/experiments/gpt2-small-densemap.ini", {"run.prompt_tokens=64", NULL}},
        {"configs/experiments/bert-large-sparsemap.ini", {"run.prompt_tokens=16", NULL}},
        {"tests/golden/tiny.ini", {"chip.tiles=200000", "chip.per_unit_stats=true", NULL}},
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        config c;
        char err[ERR_LEN];
        cr_assert_eq(config_load(&c, runs[i].cfg, err, sizeof err), 0, "%s", err);
        char args[1024];
        int n = snprintf(args, sizeof args, "run %s --quiet --set run.kernel=native",
                         runs[i].cfg);
        for (int k = 0; runs[i].sets[k]; k++) {
            cr_assert_eq(config_set(&c, runs[i].sets[k], err, sizeof err), 0, "%s", err);
            n += snprintf(args + n, sizeof args - (size_t)n, " --set %s", runs[i].sets[k]);
        }
        driver_mem e;
        cr_assert_eq(driver_estimate(&c, 0, &e), 0);
        long kib = peak_kib(args);
        cr_expect_geq(e.total / 1024, (uint64_t)kib, "%s: estimate %llu KiB < peak %ld KiB",
                      args, (unsigned long long)(e.total / 1024), kib);
        config_free(&c);
    }
}
