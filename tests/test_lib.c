/*
 * test_lib.c -- the public C API (include/aimcsim.h): design points from
 * files and strings, overrides, runs and execs into memory, statistics by
 * index and name, messages that name the place, several runs (on either
 * kernel) in one process.  tests/install.sh uses the installed library.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/aimcsim.h"
#include "tests/testutil.h"

static const char *tiny =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = analog\n"
    "[cluster]\ncount = 1\n"
    "[run]\nprompt_tokens = 2\ndecode_tokens = 2\nprogress = false\n";

static aimcsim *open_tiny(void)
{
    char err[1024];
    aimcsim *a = aimcsim_open_string("tiny.ini", tiny, err, sizeof err);
    cr_assert_not_null(a, "%s", err);
    return a;
}

Test(lib, versions)
{
    cr_expect_eq(aimcsim_api_version(), AIMCSIM_API_VERSION);
    cr_expect_str_eq(aimcsim_version(), AIMCSIM_VERSION);
    cr_expect(strlen(aimcsim_revision()) > 0);
}

/* Runs on both kernels, twice each, in one process: the same statistics,
 * equal to the program's for the same design point. */
Test(lib, runs_in_turn_on_both_kernels, .timeout = 60)
{
    aimcsim *a = open_tiny();
    char err[1024];
    aimcsim_result *r[4];
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(aimcsim_set(a, i % 2 ? "run.kernel=native" : "run.kernel=systemc", err,
                                 sizeof err), AIMCSIM_OK, "%s", err);
        cr_assert_eq(aimcsim_run(a, NULL, 0, &r[i], err, sizeof err), AIMCSIM_OK, "%s", err);
    }
    int n = aimcsim_stat_count(r[0]);
    cr_assert_gt(n, 100);
    for (int i = 1; i < 4; i++) {
        cr_assert_eq(aimcsim_stat_count(r[i]), n);
        for (int k = 0; k < n; k++) {
            cr_expect_str_eq(aimcsim_stat_name(r[i], k), aimcsim_stat_name(r[0], k));
            cr_expect_eq(aimcsim_stat_value(r[i], k), aimcsim_stat_value(r[0], k), "%s",
                         aimcsim_stat_name(r[0], k));
        }
    }
    /* the program, on the same point */
    char *dir = tu_mkdtemp("lib"), cmd[2048];
    char *ini = tu_write(dir, "tiny.ini", tiny);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/o --quiet", tu_prog(), ini, dir);
    cr_assert_eq(tu_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s/o", dir);
    for (int k = 0; k < n; k++) {
        const char *name = aimcsim_stat_name(r[0], k);
        double want = tu_stat(cmd, name), got = aimcsim_stat_value(r[0], k);
        cr_expect(fabs(got - want) <= 1e-9 * fabs(want), "%s: %.17g, stats.csv %.17g", name,
                  got, want);
    }
    tu_rmtree(dir);
    free(dir);
    free(ini);
    /* by name; a result outlives its design point */
    aimcsim_close(a);
    int found = -1;
    double total = aimcsim_stat(r[3], "run.total_ps", &found);
    cr_expect_eq(found, 1);
    cr_expect_gt(total, 0);
    cr_expect_eq(aimcsim_stat_find(r[3], "run.total_ps") >= 0, 1);
    cr_expect_eq(aimcsim_stat(r[3], "no.such_stat", &found), 0);
    cr_expect_eq(found, 0);
    cr_expect_eq(aimcsim_stat_find(r[3], "no.such_stat"), -1);
    cr_expect_null(aimcsim_stat_name(r[3], n));
    cr_expect_str_eq(aimcsim_report(r[3]), "", "no report unless asked");
    for (int i = 0; i < 4; i++)
        aimcsim_result_free(r[i]);
}

Test(lib, report_and_files_on_request)
{
    aimcsim *a = open_tiny();
    char err[1024], *dir = tu_mkdtemp("lib");
    aimcsim_result *r;
    cr_assert_eq(aimcsim_run(a, dir, AIMCSIM_REPORT | AIMCSIM_TRACE, &r, err, sizeof err),
                 AIMCSIM_OK, "%s", err);
    cr_expect(strstr(aimcsim_report(r), "\nLatency\n"), "%s", aimcsim_report(r));
    cr_expect_eq(tu_stat(dir, "run.total_ps"), aimcsim_stat(r, "run.total_ps", NULL));
    char path[1024];
    snprintf(path, sizeof path, "%s/power.csv", dir);
    char *power = tu_slurp(path, NULL);
    cr_expect_not_null(power, "the trace files");
    free(power);
    snprintf(path, sizeof path, "%s/stats.json", dir);
    char *js = tu_slurp(path, NULL);
    cr_assert_not_null(js);
    cr_expect(strstr(js, "\"command\": \"libaimcsim run\""), "%s", js);
    free(js);
    aimcsim_result_free(r);
    /* traces need a folder */
    cr_expect_eq(aimcsim_run(a, NULL, AIMCSIM_TRACE, &r, err, sizeof err), AIMCSIM_EINPUT);
    cr_expect_null(r);
    aimcsim_close(a);
    tu_rmtree(dir);
    free(dir);
}

Test(lib, bad_input_names_its_place)
{
    char err[1024];
    cr_expect_null(aimcsim_open_string("point.ini", "[adc]\ncount = 8\nbitz = 4\n", err,
                                       sizeof err));
    cr_expect(!strncmp(err, "point.ini:3: [adc] bitz = 4: unknown key", 40), "%s", err);
    cr_expect_null(aimcsim_open("no/such/file.ini", err, sizeof err));
    cr_expect(strstr(err, "no/such/file.ini: cannot open"), "%s", err);
    aimcsim *a = open_tiny();
    cr_expect_eq(aimcsim_set(a, "adc.count=0", err, sizeof err), AIMCSIM_EINPUT);
    cr_expect(strstr(err, "adc.count=0: [adc] count = 0: must be in"), "%s", err);
    char v[64];
    cr_expect_eq(aimcsim_get(a, "adc.count", v, sizeof v), AIMCSIM_OK);
    cr_expect_str_eq(v, "256", "a refused override changes nothing");
    cr_expect_eq(aimcsim_get(a, "adc.nope", v, sizeof v), AIMCSIM_EINPUT);
    cr_expect_eq(aimcsim_get(a, "adc", v, sizeof v), AIMCSIM_EINPUT);
    /* a cross-parameter check fails at the run */
    cr_assert_eq(aimcsim_set(a, "adc.count=512", err, sizeof err), AIMCSIM_OK);
    aimcsim_result *r = (aimcsim_result *)1;
    cr_expect_eq(aimcsim_run(a, NULL, 0, &r, err, sizeof err), AIMCSIM_EINPUT);
    cr_expect_null(r);
    cr_expect(strstr(err, "count = 512"), "%s", err);
    aimcsim_close(a);
}

/* A stream in memory: executed on the chip alone; a malformed one is
 * reported at the buffer's name and line. */
Test(lib, exec_buffer)
{
    static const char stream[] =
        "aimcsim-cmd 1\nunits tile=2 cluster=0 sram=0 dram=0\ntag 0 -1 t\n"
        "0 act tile0 rows=0:256 cols=0:64 slices=1 bits=8 tag=0 deps=\n"
        "1 act tile1 rows=0:256 cols=0:32 slices=1 bits=8 tag=0 deps=0\nend 2\n";
    aimcsim *a = open_tiny();
    char err[1024];
    aimcsim_result *r;
    cr_assert_eq(aimcsim_exec_buffer(a, "buf", stream, sizeof stream - 1, NULL, 0, &r, err,
                                     sizeof err), AIMCSIM_OK, "%s", err);
    cr_expect_eq(aimcsim_stat(r, "adc.conversions", NULL), 96);
    cr_expect_eq(aimcsim_stat(r, "chip.tiles", NULL), 2);
    aimcsim_result_free(r);
    static const char broken[] = "aimcsim-cmd 1\nunits tile=2 cluster=0 sram=0 dram=0\n"
                                 "tag 0 -1 t\n0 frob tile0 tag=0 deps=\nend 1\n";
    cr_expect_eq(aimcsim_exec_buffer(a, "tlm:accel", broken, sizeof broken - 1, NULL, 0, &r,
                                     err, sizeof err), AIMCSIM_EINPUT);
    cr_expect(!strncmp(err, "tlm:accel:4: ", 13), "%s", err);
    cr_expect(!strstr(err, "aimcsim-stream."), "the temporary file is not named: %s", err);
    aimcsim_close(a);
}
