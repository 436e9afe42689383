/*
 * test_outputs.c -- the output-folder policy (docs/outputs.md, "The output
 * folder"): --out checked before simulating; an earlier run's files removed
 * at the start (the manifest); no file under a result name after a failure,
 * only the partial snapshot; SIGINT and SIGTERM stop a run cleanly (exit
 * 130, 143; temporary files removed; the partial snapshot written).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/util.h"
#include "tests/testutil.h"

#define TINY "tests/golden/tiny.ini"

static char *dir;

static void setup(void)
{
    char tmpl[] = "/tmp/aimcsim-out-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    dir = strdup(tmpl);
}

static void teardown(void)
{
    char *cmd = xasprintf("rm -rf %s", dir);
    tu_sh(cmd, NULL, NULL);
    free(cmd);
    free(dir);
}

TestSuite(outputs, .init = setup, .fini = teardown, .timeout = 120);

static int aimcsim(const char *args, char **err)
{
    char *cmd = xasprintf("%s %s", tu_prog(), args);
    char *out;
    int rc = tu_sh(cmd, &out, err);
    free(out);
    free(cmd);
    return rc;
}

/* The names in folder d, sorted, one per line. */
static char *listing(const char *d)
{
    char *cmd = xasprintf("ls -A %s", d), *out;
    cr_assert_eq(tu_sh(cmd, &out, NULL), 0);
    free(cmd);
    return out;
}

static char *write_stream(const char *name, const char *body)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "aimcsim-cmd 1\nunits tile=9 cluster=4 sram=64 dram=1\ntag 0 -1 t\n%s", body);
    fclose(f);
    return path;
}

Test(outputs, a_failed_run_leaves_no_result_of_an_earlier_one)
{
    char *args = xasprintf("run " TINY " --out %s/o --trace --quiet", dir), *err;
    cr_assert_eq(aimcsim(args, &err), 0, "%s", err);
    free(err);
    free(args);
    char *od = xasprintf("%s/o", dir);
    char *ls = listing(od);
    cr_expect_str_eq(ls, "aimcsim-files.txt\ncritpath.csv\nlayers.csv\npower.csv\nprojections.csv\n"
                         "stats.csv\nstats.json\ntags.csv\ntrace.pftrace\n");
    free(ls);
    /* The same folder, a stream refused at its second command: the earlier
     * run's results and traces are gone, only the partial snapshot. */
    char *s = write_stream("bad.cmd", "0 sync - tag=0 deps=\n"
                                      "1 act tile0 rows=0:3 cols=0:1 slices=1 bits=9 tag=0 deps=\n"
                                      "end 2\n");
    args = xasprintf("exec " TINY " %s --out %s --quiet", s, od);
    cr_expect_eq(aimcsim(args, &err), 2);
    char *want = xasprintf("%s:5: act: bits=9 beyond the ADCs (expected bits=1..8: they are built "
                           "for [adc] bits = 8)\n", s);
    cr_expect_str_eq(err, want);
    free(want);
    free(err);
    free(args);
    ls = listing(od);
    cr_expect_str_eq(ls, "aimcsim-files.txt\nstats.partial.json\n");
    free(ls);
    char *p = xasprintf("%s/stats.partial.json", od);
    char *j = tu_slurp(p, NULL);
    cr_expect(j && strstr(j, "\"partial\": true,\n    \"error\": \""), "%s", j);
    free(j);
    free(p);
    /* A run without --trace after one with it leaves no trace. */
    args = xasprintf("run " TINY " --out %s --trace --quiet", od);
    cr_assert_eq(aimcsim(args, &err), 0, "%s", err);
    free(err);
    free(args);
    args = xasprintf("run " TINY " --out %s --quiet", od);
    cr_assert_eq(aimcsim(args, &err), 0, "%s", err);
    free(err);
    free(args);
    ls = listing(od);
    cr_expect_str_eq(ls, "aimcsim-files.txt\ncritpath.csv\nlayers.csv\nprojections.csv\n"
                         "stats.csv\nstats.json\ntags.csv\n");
    free(ls);
    p = xasprintf("%s/aimcsim-files.txt", od);
    j = tu_slurp(p, NULL);
    cr_expect_str_eq(j, "# aimcsim: the files the last run in this folder may have written; the "
                        "next run removes them\nstats.json\nstats.csv\nprojections.csv\n"
                        "layers.csv\ntags.csv\ncritpath.csv\nstats.partial.json\n");
    free(j);
    free(p);
    free(s);
    free(od);
}

Test(outputs, only_aimcsim_files_are_removed)
{
    char *od = xasprintf("%s/o", dir);
    char *cmd = xasprintf("mkdir %s && cd %s && touch notes.txt power.csv.tmp.Ab12Cd "
                          "stats.json.tmp.000000 stats.json.tmp.toolong7 tags.csv.old && "
                          "printf 'notes.txt\\n../x\\n' > aimcsim-files.txt", od, od);
    cr_assert_eq(tu_sh(cmd, NULL, NULL), 0);
    free(cmd);
    char *args = xasprintf("run " TINY " --out %s --quiet --set run.prompt_tokens=40", od), *err;
    cr_expect_eq(aimcsim(args, &err), 2); /* bad input after the folder was prepared */
    free(err);
    free(args);
    char *ls = listing(od);
    cr_expect_str_eq(ls, "aimcsim-files.txt\nnotes.txt\nstats.json.tmp.toolong7\ntags.csv.old\n");
    free(ls);
    free(od);
}

/* An unusable --out is bad input, found before anything is simulated (it
 * used to be found after the whole simulation). */
Test(outputs, an_unusable_out_folder_is_refused_before_simulating)
{
    char *file = xasprintf("%s/file", dir);
    FILE *f = fopen(file, "w");
    fclose(f);
    char *args = xasprintf("run configs/experiments/gpt2-medium-linear.ini --out %s --quiet "
                           "--set run.prompt_tokens=1000", file), *err;
    cr_expect_eq(aimcsim(args, &err), 2);
    char *want = xasprintf("--out %s: not a directory (expected a folder for the output "
                           "files)\n", file);
    cr_expect_str_eq(err, want);
    free(want);
    free(err);
    free(args);
    args = xasprintf("exec " TINY " tests/data/streams/example.cmd --out %s/sub --quiet", file);
    cr_expect_eq(aimcsim(args, &err), 2);
    want = xasprintf("--out %s/sub: %s/sub: cannot create directory: Not a directory\n", file,
                     file);
    cr_expect_str_eq(err, want);
    free(want);
    free(err);
    free(args);
    free(file);
}

/* A run long enough to be interrupted: GPT-2 small over 1000 tokens with
 * traces (seconds).  The signal goes once the simulation has started (its
 * trace files exist). */
static void interrupt(const char *sig, int status, const char *name)
{
    char *od = xasprintf("%s/o", dir);
    char *cmd = xasprintf(
        "%s run configs/experiments/gpt2-small-densemap.ini --set run.prompt_tokens=1000 "
        "--set run.decode_tokens=24 --out %s --trace --quiet & pid=$!; "
        "n=0; while ! ls %s/*.tmp.* >/dev/null 2>&1 && [ $n -lt 600 ]; do sleep 0.05; "
        "n=$((n+1)); done; sleep 0.3; kill -%s $pid; wait $pid",
        tu_prog(), od, od, sig);
    char *out, *err;
    cr_expect_eq(tu_sh(cmd, &out, &err), status, "%s", err);
    char *want = xasprintf("aimcsim: interrupted by %s at ", name);
    cr_expect(!strncmp(err, want, strlen(want)), "%s", err);
    free(want);
    want = xasprintf(" ms of simulated time: partial statistics in %s/stats.partial.json\n", od);
    cr_expect(strstr(err, want), "%s", err);
    free(want);
    char *ls = listing(od);
    cr_expect_str_eq(ls, "aimcsim-files.txt\nstats.partial.json\n", "no temporary or result "
                     "file may remain");
    free(ls);
    char *p = xasprintf("%s/stats.partial.json", od);
    char *j = tu_slurp(p, NULL);
    want = xasprintf("\"partial\": true,\n    \"error\": \"interrupted by %s\"", name);
    cr_expect(j && strstr(j, want), "%s", j);
    free(want);
    free(j);
    free(p);
    free(out);
    free(err);
    free(cmd);
    free(od);
}

Test(outputs, sigint_stops_a_run_cleanly) { interrupt("INT", 130, "SIGINT"); }
Test(outputs, sigterm_stops_a_run_cleanly) { interrupt("TERM", 143, "SIGTERM"); }

/* `schedule -o` interrupted: no stream, no temporary file. */
Test(outputs, an_interrupted_schedule_writes_nothing)
{
    char *cmd = xasprintf(
        "%s schedule configs/experiments/gpt2-small-densemap.ini --set run.prompt_tokens=1000 "
        "-o %s/s.cmd.gz & pid=$!; n=0; while ! ls %s/*.tmp.* >/dev/null 2>&1 && [ $n -lt 600 ]; "
        "do sleep 0.05; n=$((n+1)); done; kill -INT $pid; wait $pid",
        tu_prog(), dir, dir);
    char *out, *err;
    cr_expect_eq(tu_sh(cmd, &out, &err), 130, "%s", err);
    char *want = xasprintf("aimcsim: interrupted by SIGINT: %s/s.cmd.gz not written\n", dir);
    cr_expect_str_eq(err, want);
    free(want);
    char *ls = listing(dir);
    cr_expect_str_eq(ls, "");
    free(ls);
    free(out);
    free(err);
    free(cmd);
}
