/* test_sweep.c -- `aimcsim sweep` (tools/cli_sweep*.c, docs/sweeps.md):
 * point order and metrics against single runs, zipped axes, up-front
 * validation against per-point failures, resume and --force, job lists run
 * by GNU parallel then merged, and the plot scripts (tools/plot_*.sh).
 *
 * Every test runs the program under test ($AIMCSIM) on a one-layer model
 * in a fresh temporary folder, so the file takes a few seconds. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

static const char tiny_ini[] =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 128\ncontext_tokens = 16\n[transform]\nkind = monarch\n"
    "[run]\nprompt_tokens = 2\ndecode_tokens = 1\n";

/* A fresh folder holding tiny.ini; caller frees, rm_tree removes. */
static char *fresh_dir(void)
{
    const char *t = getenv("TMPDIR");
    char *d = malloc(512);
    snprintf(d, 512, "%s/aimcsim-sweep-XXXXXX", t && *t ? t : "/tmp");
    cr_assert_not_null(mkdtemp(d));
    char path[600];
    snprintf(path, sizeof path, "%s/tiny.ini", d);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(tiny_ini, f);
    fclose(f);
    return d;
}

static void rm_tree(char *d)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    cr_expect_eq(system(cmd), 0);
    free(d);
}


static char *slurpf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *slurpf(const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return tu_slurp(path, NULL);
}

static int is_metric(const char *name)
{
    static const char *const pre[] = {"run.", "energy.", "area.", "map.", "util.", "stall.", "crit."};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (!strncmp(name, pre[i], strlen(pre[i])))
            return 1;
    return 0;
}

/* ---- sweep_cross ---------------------------------------------------------- */

Test(sweep_cross, rows_in_order_and_equal_to_single_runs)
{
    char *d = fresh_dir(), *out, *err;
    int rc = tu_shf(&out, &err, "%s sweep %s/tiny.ini --vary adc.count=1,16 --vary "
                 "mapping.strategy=linear,densemap,sparsemap --set run.kernel=native "
                 "--out %s/sw -j2", tu_prog(), d, d);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect(strstr(out, "6 points: 6 ok"), "%s", out);
    free(out);
    free(err);
    char *text = slurpf("%s/sw/sweep.csv", d);
    cr_assert_not_null(text);
    tu_csv c;
    tu_csv_parse(&c, text);
    cr_assert_eq(c.nrows, 7, "header + one row per point");
    cr_expect_str_eq(c.f[0][0], "point");
    cr_expect_str_eq(c.f[0][1], "status");
    cr_expect_str_eq(c.f[0][2], "adc.count");
    cr_expect_str_eq(c.f[0][3], "mapping.strategy");
    cr_expect_str_eq(c.f[0][c.nf[0] - 1], "error");
    /* First --vary outermost, values in the order given. */
    static const char *const want[6][2] = {{"1", "linear"},  {"1", "densemap"},
                                            {"1", "sparsemap"}, {"16", "linear"},
                                            {"16", "densemap"}, {"16", "sparsemap"}};
    for (int r = 1; r <= 6; r++) {
        cr_assert_eq(c.nf[r], c.nf[0]);
        char name[128];
        snprintf(name, sizeof name, "p%04d_adc.count=%s_mapping.strategy=%s", r - 1,
                 want[r - 1][0], want[r - 1][1]);
        cr_expect_str_eq(c.f[r][0], name);
        cr_expect_str_eq(c.f[r][1], "ok");
        cr_expect_str_eq(c.f[r][2], want[r - 1][0]);
        cr_expect_str_eq(c.f[r][3], want[r - 1][1]);
        cr_expect_str_eq(c.f[r][c.nf[r] - 1], "");
    }
    /* Every headline statistic, in stats.tu_csv order, equal to a single run's. */
    int seen[6] = {0};
    for (int r = 1; r <= 6; r++) {
        cr_assert_eq(tu_shf(NULL, &err, "%s run %s/tiny.ini --set run.kernel=native --set "
                         "adc.count=%s --set mapping.strategy=%s --out %s/single --quiet",
                         tu_prog(), d, want[r - 1][0], want[r - 1][1], d), 0, "%s", err);
        free(err);
        char *st = slurpf("%s/single/stats.csv", d);
        cr_assert_not_null(st);
        int nmetric = 0;
        for (const char *l = strchr(st, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
            char name[256];
            size_t n = strcspn(l, ",");
            snprintf(name, sizeof name, "%.*s", (int)n, l);
            if (!is_metric(name))
                continue;
            int k = tu_csv_col(&c, name);
            cr_assert_eq(k, 4 + nmetric, "%s: column %d, want %d", name, k, 4 + nmetric);
            char *v = tu_stat_text(st, name);
            cr_expect_str_eq(c.f[r][k], v, "%s row %d", name, r);
            free(v);
            nmetric++;
            for (int p = 0; p < 6; p++) {
                static const char *const pre[] = {"run.", "energy.", "area.",
                                                  "map.", "util.", "stall."};
                seen[p] |= !strncmp(name, pre[p], strlen(pre[p]));
            }
        }
        cr_expect_eq(c.nf[0], 4 + nmetric + 1);
        free(st);
    }
    for (int p = 0; p < 6; p++)
        cr_expect(seen[p], "a headline group is missing (%d)", p);
    /* The metrics do differ between points (so the comparison means something). */
    int cu = tu_csv_col(&c, "run.total_ps");
    cr_assert_geq(cu, 0);
    cr_expect_str_neq(c.f[1][cu], c.f[4][cu]);
    /* Stable: one job at a time gives the same bytes. */
    cr_assert_eq(tu_shf(NULL, NULL, "%s sweep %s/tiny.ini --vary adc.count=1,16 --vary "
                     "mapping.strategy=linear,densemap,sparsemap --set run.kernel=native "
                     "--out %s/sw1 -j1 --quiet", tu_prog(), d, d), 0);
    char *text1 = slurpf("%s/sw1/sweep.csv", d);
    cr_expect_str_eq(text1, text);
    free(text1);
    tu_csv_free(&c);
    free(text);
    rm_tree(d);
}

Test(sweep_cross, zip_is_one_axis)
{
    char *d = fresh_dir(), *err;
    cr_assert_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --zip adc.count=1,16 --vary "
                     "adc.bits=4,8 --zip mapping.strategy=linear,densemap --out %s/sw --quiet",
                     tu_prog(), d, d), 0, "%s", err);
    free(err);
    char *text = slurpf("%s/sw/sweep.csv", d);
    tu_csv c;
    tu_csv_parse(&c, text);
    cr_assert_eq(c.nrows, 5);
    cr_expect_str_eq(c.f[0][2], "adc.count");
    cr_expect_str_eq(c.f[0][3], "mapping.strategy");
    cr_expect_str_eq(c.f[0][4], "adc.bits");
    static const char *const want[4][3] = {{"1", "linear", "4"},
                                           {"1", "linear", "8"},
                                           {"16", "densemap", "4"},
                                           {"16", "densemap", "8"}};
    for (int r = 1; r <= 4; r++)
        for (int k = 0; k < 3; k++)
            cr_expect_str_eq(c.f[r][2 + k], want[r - 1][k], "row %d col %d", r, k);
    tu_csv_free(&c);
    free(text);
    /* Zipped lists of different lengths. */
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --zip adc.count=1,16 --zip "
                     "mapping.strategy=linear --out %s/sw2", tu_prog(), d, d), 2);
    cr_expect_str_eq(err, "aimcsim sweep: --zip lists differ in length (adc.count: 2, "
                          "mapping.strategy: 1); zipped lists vary together\n");
    free(err);
    rm_tree(d);
}

/* ---- sweep_errors --------------------------------------------------------- */

Test(sweep_errors, invalid_values_fail_up_front)
{
    char *d = fresh_dir(), *out, *err;
    /* adc.count = 512 > tile.cols = 256: config_check refuses it, in every point. */
    cr_expect_eq(tu_shf(&out, &err, "%s sweep %s/tiny.ini --vary adc.count=4,512 --vary "
                     "mapping.strategy=linear,densemap --out %s/sw", tu_prog(), d, d), 2);
    cr_expect_str_eq(err, "--set adc.count=512: [adc] count = 512: ADCs per tile (512) exceed "
                          "its columns (256)\n");
    cr_expect_str_eq(out, "");
    free(out);
    free(err);
    cr_expect_neq(access(d, F_OK), -1);
    char p[600];
    snprintf(p, sizeof p, "%s/sw", d);
    cr_expect_eq(access(p, F_OK), -1, "nothing may be written");
    /* A misspelled key: the --set message. */
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --vary adc.cuont=4,8 --out %s/sw",
                     tu_prog(), d, d), 2);
    cr_expect(!strncmp(err, "--set adc.cuont=4: [adc] cuont: unknown key (valid keys: ", 57),
              "%s", err);
    free(err);
    /* A value that does not parse, also in a --set. */
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --vary adc.count=4,x --out %s/sw",
                     tu_prog(), d, d), 2);
    cr_expect_str_eq(err, "--set adc.count=x: [adc] count = x: not an integer\n");
    free(err);
    /* Usage errors. */
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --out %s/sw", tu_prog(), d, d), 2);
    cr_expect(strstr(err, "nothing to vary"), "%s", err);
    free(err);
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --vary adc.count=4 -j 0", tu_prog(), d),
                 2);
    free(err);
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --vary adc.count=4 --vary adc.count=8",
                     tu_prog(), d), 2);
    cr_expect(strstr(err, "adc.count is varied twice"), "%s", err);
    free(err);
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --vary adc.count=4 --frobnicate",
                     tu_prog(), d), 2);
    free(err);
    cr_expect_eq(access(p, F_OK), -1, "nothing may be written");
    rm_tree(d);
}

Test(sweep_errors, failing_point_fails_alone)
{
    char *d = fresh_dir(), *out, *err;
    /* chip.tiles = 2 passes config_check but the mapping needs more arrays:
     * that point fails at run time; the others run. */
    cr_expect_eq(tu_shf(&out, &err, "%s sweep %s/tiny.ini --vary chip.tiles=0,2,64 --out %s/sw",
                     tu_prog(), d, d), 1);
    cr_expect(strstr(out, "3 points: 2 ok, 1 failed"), "%s", out);
    char *single;
    cr_assert_eq(tu_shf(NULL, &single, "%s run %s/tiny.ini --set chip.tiles=2", tu_prog(), d), 2);
    single[strcspn(single, "\n")] = 0;
    cr_assert(strlen(single) > 10, "the run's message: %s", single);
    char want[2048];
    snprintf(want, sizeof want, "aimcsim sweep: p0001_chip.tiles=2: failed: %s\n", single);
    cr_expect_str_eq(err, want);
    free(out);
    free(err);
    char *text = slurpf("%s/sw/sweep.csv", d);
    tu_csv c;
    tu_csv_parse(&c, text);
    cr_assert_eq(c.nrows, 4);
    cr_expect_str_eq(c.f[1][1], "ok");
    cr_expect_str_eq(c.f[2][1], "failed");
    cr_expect_str_eq(c.f[3][1], "ok");
    cr_expect_str_eq(c.f[2][c.nf[2] - 1], single);
    cr_expect_str_eq(c.f[1][c.nf[1] - 1], "");
    /* The error is quoted in the file; the failed row has no metrics. */
    cr_expect(strstr(text, ",\"--set chip.tiles=2: "), "%s", text);
    for (int k = 3; k < c.nf[2] - 1; k++)
        cr_expect_str_eq(c.f[2][k], "");
    tu_csv_free(&c);
    free(text);
    free(single);
    rm_tree(d);
}

/* ---- sweep_resume --------------------------------------------------------- */

/* Marks each point's stats.csv with an extra line (which sweep.csv ignores)
 * or, with mark = 0, tells in done[i] whether the mark is still there: a
 * point run again has a new stats.csv, without it. */
static void marks(const char *d, const char *const *names, int n, int mark, int *kept)
{
    for (int i = 0; i < n; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/sw/points/%s/stats.csv", d, names[i]);
        if (mark) {
            FILE *f = fopen(p, "a");
            cr_assert_not_null(f, "%s", p);
            fputs("test.mark,1\n", f);
            fclose(f);
        } else {
            char *t = tu_slurp(p, NULL);
            cr_assert_not_null(t, "%s", p);
            kept[i] = strstr(t, "\ntest.mark,1\n") != NULL;
            free(t);
        }
    }
}

Test(sweep_resume, skips_done_points_and_force_reruns)
{
    static const char *const names[4] = {
        "p0000_adc.count=1_mapping.strategy=linear", "p0001_adc.count=1_mapping.strategy=densemap",
        "p0002_adc.count=8_mapping.strategy=linear", "p0003_adc.count=8_mapping.strategy=densemap"};
    char *d = fresh_dir(), *out;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s sweep %s/tiny.ini --vary adc.count=1,8 --vary "
             "mapping.strategy=linear,densemap --out %s/sw -j2", tu_prog(), d, d);
    cr_assert_eq(tu_shf(NULL, NULL, "%s", cmd), 0);
    char *first = slurpf("%s/sw/sweep.csv", d);
    int kept[4];
    marks(d, names, 4, 1, NULL);
    char *args = slurpf("%s/sw/points/%s/point.args", d, names[1]);
    cr_assert_not_null(args);
    cr_expect(strstr(args, "\n--set adc.count=1\n--set mapping.strategy=densemap\n"), "%s", args);
    free(args);

    /* One point gone: only it runs again. */
    cr_assert_eq(tu_shf(NULL, NULL, "rm -rf '%s/sw/points/%s'", d, names[2]), 0);
    cr_assert_eq(tu_shf(&out, NULL, "%s", cmd), 0);
    cr_expect(strstr(out, "4 points: 4 ok (3 done before)"), "%s", out);
    free(out);
    marks(d, names, 4, 0, kept);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(kept[i], i != 2, "%s", names[i]);
    char *second = slurpf("%s/sw/sweep.csv", d);
    cr_expect_str_eq(second, first);
    free(second);

    /* A folder with other parameters is not a result: a changed --set
     * (another effective configuration) runs every point again. */
    marks(d, names, 4, 1, NULL);
    cr_assert_eq(tu_shf(&out, NULL, "%s --set run.decode_tokens=2", cmd), 0);
    cr_expect(strstr(out, "4 points: 4 ok, 0 failed"), "%s", out);
    free(out);
    marks(d, names, 4, 0, kept);
    for (int i = 0; i < 4; i++)
        cr_expect(!kept[i], "%s not re-run", names[i]);

    /* --force: everything runs again. */
    cr_assert_eq(tu_shf(NULL, NULL, "%s", cmd), 0);
    marks(d, names, 4, 1, NULL);
    cr_assert_eq(tu_shf(&out, NULL, "%s --force", cmd), 0);
    cr_expect(strstr(out, "4 points: 4 ok, 0 failed"), "%s", out);
    free(out);
    marks(d, names, 4, 0, kept);
    for (int i = 0; i < 4; i++)
        cr_expect(!kept[i], "%s not re-run", names[i]);
    second = slurpf("%s/sw/sweep.csv", d);
    cr_expect_str_eq(second, first);
    free(second);
    free(first);
    rm_tree(d);
}

/* ---- sweep_jobs ----------------------------------------------------------- */

Test(sweep_jobs, parallel_then_merge_equals_local)
{
    if (tu_shf(NULL, NULL, "command -v parallel") != 0)
        cr_skip_test("GNU parallel not found (tools/deps.sh installs it)");
    char *d = fresh_dir(), *out, *err;
    const char *vary = "--vary chip.tiles=0,2 --vary adc.count=1,8 --vary "
                       "'mapping.digital=lm_head,h0.attn.c_proj\\,lm_head'";
    cr_assert_eq(tu_shf(NULL, NULL, "%s sweep %s/tiny.ini %s --out %s/local -j2", tu_prog(), d,
                     vary, d), 1, "chip.tiles=2 fails");
    /* The job list: one line per point, nothing run. */
    cr_assert_eq(tu_shf(&out, &err, "%s sweep %s/tiny.ini %s --out %s/dist --emit-jobs %s/jobs",
                     tu_prog(), d, vary, d, d), 0, "%s", err);
    free(out);
    free(err);
    char *jobs = slurpf("%s/jobs", d);
    cr_assert_not_null(jobs);
    int lines = 0;
    for (const char *l = jobs; *l; l = strchr(l, '\n') + 1, lines++)
        cr_expect(!strncmp(l, "cd '/", 5), "line %d: %.60s", lines, l);
    cr_expect_eq(lines, 8);
    cr_expect(strstr(jobs, " run '/"), "absolute program and config paths");
    cr_expect(strstr(jobs, "--set 'mapping.digital=h0.attn.c_proj,lm_head'"), "%s", jobs);
    free(jobs);
    cr_expect_eq(tu_shf(NULL, NULL, "ls %s/dist/points/*/stats.csv", d), 2, "nothing ran");
    cr_expect_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini %s --merge %s/dist", tu_prog(), d,
                     vary, d), 1);
    cr_expect(strstr(err, "p0000_chip.tiles=0_adc.count=1_mapping.digital=lm_head: missing"),
              "%s", err);
    free(err);
    char *text = slurpf("%s/dist/sweep.csv", d);
    tu_csv c;
    tu_csv_parse(&c, text);
    cr_assert_eq(c.nrows, 9);
    for (int r = 1; r < 9; r++)
        cr_expect_str_eq(c.f[r][1], "missing");
    tu_csv_free(&c);
    free(text);

    /* GNU parallel runs the lines (two fail: exit status 2), then merge. */
    cr_expect_eq(tu_shf(NULL, &err, "parallel -j2 < %s/jobs", d), 4, "%s", err);
    free(err);
    cr_expect_eq(tu_shf(NULL, NULL, "%s sweep %s/tiny.ini %s --merge %s/dist", tu_prog(), d,
                     vary, d), 1);
    char *local = slurpf("%s/local/sweep.csv", d);
    char *merged = slurpf("%s/dist/sweep.csv", d);
    cr_assert_not_null(local);
    cr_assert_not_null(merged);
    cr_expect_str_eq(merged, local);
    cr_expect(strstr(local, ",ok,"), "%s", local);
    cr_expect(strstr(local, ",failed,"), "%s", local);
    free(merged);

    /* A line again (as a Slurm task would): done, so it does nothing. */
    char p[1024];
    snprintf(p, sizeof p, "%s/dist/points/%s/stats.csv", d,
             "p0000_chip.tiles=0_adc.count=1_mapping.digital=lm_head");
    FILE *f = fopen(p, "a");
    cr_assert_not_null(f);
    fputs("test.mark,1\n", f);
    fclose(f);
    cr_expect_eq(tu_shf(NULL, NULL, "sed -n 1p %s/jobs | sh", d), 0);
    char *st = tu_slurp(p, NULL);
    cr_expect(st && strstr(st, "\ntest.mark,1\n"), "the line ran the point again");
    free(st);
    free(local);
    rm_tree(d);
}

/* ---- sweep_plots ---------------------------------------------------------- */


Test(sweep_plots, each_script_draws_png_and_svg)
{
    if (tu_shf(NULL, NULL, "command -v gnuplot") != 0)
        cr_skip_test("gnuplot not found (tools/deps.sh installs gnuplot-nox)");
    char *d = fresh_dir(), *err;
    cr_assert_eq(tu_shf(NULL, &err, "%s sweep %s/tiny.ini --vary mapping.strategy=linear,densemap "
                     "--vary adc.count=1,4,16 --out %s/sw --trace --quiet", tu_prog(), d, d),
                 0, "%s", err);
    free(err);
    static const char *const script[6] = {"plot_adc_sweep", "plot_mapping", "plot_energy",
                                          "plot_critpath", "plot_power", "plot_critpath"};
    for (int i = 0; i < 6; i++) {
        char in[1024];
        if (i < 4)
            snprintf(in, sizeof in, "%s/sw/sweep.csv", d);
        else
            snprintf(in, sizeof in, "%s/sw/points/p0000_mapping.strategy=linear_adc.count=1/%s",
                     d, i == 4 ? "power.csv" : "critpath.csv");
        cr_expect_eq(tu_shf(NULL, &err, "sh tools/%s.sh %s %s/fig/%s", script[i], in, d,
                         script[i]), 0, "%s: %s", script[i], err);
        free(err);
        char p[1024];
        snprintf(p, sizeof p, "%s/fig/%s.png", d, script[i]);
        cr_expect(tu_png_ok(p), "%s", p);
        snprintf(p, sizeof p, "%s/fig/%s.svg", d, script[i]);
        char *svg = tu_slurp(p, NULL);
        cr_expect(svg && strstr(svg, "<svg"), "%s", p);
        free(svg);
    }
    /* Columns are found by name: a file without them is refused, clearly. */
    char in[1024];
    snprintf(in, sizeof in, "%s/sw/points/p0000_mapping.strategy=linear_adc.count=1/power.csv",
             d);
    cr_expect_eq(tu_shf(NULL, &err, "sh tools/plot_adc_sweep.sh %s %s/fig/bad", in, d), 2);
    cr_expect(strstr(err, "plot_adc_sweep.sh: ") && strstr(err, ": no column \"adc.count\""),
              "%s", err);
    free(err);
    snprintf(in, sizeof in, "%s/sw/sweep.csv", d);
    cr_expect_eq(tu_shf(NULL, &err, "sh tools/plot_power.sh %s %s/fig/bad", in, d), 2);
    cr_expect(strstr(err, "no column \"t_start_ns\""), "%s", err);
    free(err);
    cr_expect_eq(tu_shf(NULL, &err, "sh tools/plot_critpath.sh %s %s/fig/bad tbot", in, d), 2);
    cr_expect(strstr(err, "PHASE is tpot, ttft, slowest or total, not \"tbot\""), "%s", err);
    free(err);
    snprintf(in, sizeof in, "%s/sw/points/p0000_mapping.strategy=linear_adc.count=1/power.csv",
             d);
    cr_expect_eq(tu_shf(NULL, &err, "sh tools/plot_critpath.sh %s %s/fig/bad", in, d), 2);
    cr_expect(strstr(err, "no column \"crit.decode.cluster.softmax_ps\""), "%s", err);
    free(err);
    /* A sweep without mapping.strategy: one line. */
    cr_assert_eq(tu_shf(NULL, NULL, "%s sweep %s/tiny.ini --vary adc.count=1,4 --out %s/sw2 "
                     "--quiet", tu_prog(), d, d), 0);
    snprintf(in, sizeof in, "%s/sw2/sweep.csv", d);
    cr_expect_eq(tu_shf(NULL, &err, "sh tools/plot_adc_sweep.sh %s %s/fig/one", in, d), 0, "%s",
                 err);
    free(err);
    rm_tree(d);
}
