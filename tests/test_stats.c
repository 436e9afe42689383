/* test_stats.c -- the statistics registry and its dumps. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/stats.h"
#include "sim/util.h"
#include "tests/testutil.h"

static double twice(const void *ctx) { return 2.0 * (double)*(const uint64_t *)ctx; }

Test(stats, registration_order_and_values)
{
    stats *s = stats_create();
    uint64_t a = 0, m = 0;
    double e = 0;
    stats_hist h;
    stats_hist_init(&h, 10, 5, 3);
    stats_counter(s, &a, "tile%d.acts", 3);
    stats_real(s, &e, "chip.energy_pj");
    stats_max(s, &m, "queue.peak");
    stats_histogram(s, &h, "lat_ps");
    stats_formula(s, twice, &a, "twice");
    a += 21;
    e = 1.5;
    STATS_MAX(m, 7u);
    STATS_MAX(m, 3u);
    stats_hist_add(&h, 9);   /* under */
    stats_hist_add(&h, 10);  /* bin 0 */
    stats_hist_add(&h, 24);  /* bin 2 */
    stats_hist_add(&h, 25);  /* over */
    cr_assert_eq(stats_count(s), 5);
    cr_expect_str_eq(stats_name(s, 0), "tile3.acts");
    cr_expect_float_eq(stats_get(s, "twice", NULL), 42.0, 0);
    cr_expect_float_eq(stats_get(s, "queue.peak", NULL), 7.0, 0);
    int found = 1;
    stats_get(s, "nope", &found);
    cr_expect_eq(found, 0);
    cr_expect_eq(h.under, 1);
    cr_expect_eq(h.over, 1);
    cr_expect_eq(h.bins[0], 1);
    cr_expect_eq(h.bins[2], 1);

    char *dir = tu_tmpfile("", "");
    char path[600];
    snprintf(path, sizeof path, "%s.csv", dir);
    char err[ERR_LEN];
    ofile *o = ofile_open(path, 1, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    stats_write_csv(s, o);
    cr_assert_eq(ofile_commit(o, err, sizeof err), 0, "%s", err);
    char *csv = tu_slurp(path, NULL);
    cr_expect_str_eq(csv, "name,value\ntile3.acts,21\nchip.energy_pj,1.5\nqueue.peak,7\n"
                          "lat_ps.n,4\nlat_ps.under,1\nlat_ps.bin_10,1\nlat_ps.bin_15,0\n"
                          "lat_ps.bin_20,1\nlat_ps.over,1\ntwice,42\n");
    free(csv);
    unlink(path);
    unlink(dir);
    free(dir);
    stats_hist_free(&h);
    stats_free(s);
}

Test(stats, json_has_provenance_and_is_deterministic)
{
    stats *s = stats_create();
    uint64_t a = 5;
    stats_counter(s, &a, "x.count");
    config c;
    config_defaults(&c);
    stats_prov pv = {.command = "aimcsim run t.ini", .cfg = &c};
    char err[ERR_LEN];
    char *out[2];
    for (int k = 0; k < 2; k++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/aimcsim-stats-%d-%d.json", (int)getpid(), k);
        ofile *o = ofile_open(path, 1, err, sizeof err);
        stats_write_json(s, &pv, o);
        cr_assert_eq(ofile_commit(o, err, sizeof err), 0);
        out[k] = tu_slurp(path, NULL);
        unlink(path);
    }
    cr_expect_str_eq(out[0], out[1]);
    cr_expect(strstr(out[0], "\"command\": \"aimcsim run t.ini\""));
    cr_expect(strstr(out[0], "\"partial\": false"));
    cr_expect(strstr(out[0], "\"config_hash\": \""));
    cr_expect(strstr(out[0], "\"adc\": {\"count\": 256, \"bits\": 8"), "%s", out[0]);
    cr_expect(strstr(out[0], "\"x.count\": 5"));
    free(out[0]);
    free(out[1]);
    config_free(&c);
    stats_free(s);
}

Test(ofile, abort_leaves_nothing_and_gzip_roundtrips)
{
    char err[ERR_LEN];
    char path[64];
    snprintf(path, sizeof path, "/tmp/aimcsim-ofile-%d.txt", (int)getpid());
    ofile *o = ofile_open(path, 1, err, sizeof err);
    ofile_puts(o, "partial");
    ofile_abort(o);
    cr_expect_null(tu_slurp(path, NULL), "an aborted file must not exist");

    snprintf(path, sizeof path, "/tmp/aimcsim-ofile-%d.txt.gz", (int)getpid());
    o = ofile_open(path, 6, err, sizeof err);
    for (int i = 0; i < 10000; i++)
        ofile_printf(o, "line %d\n", i);
    cr_assert_eq(ofile_commit(o, err, sizeof err), 0, "%s", err);
    char cmd[128], *out = NULL;
    snprintf(cmd, sizeof cmd, "gzip -dc %s | tail -n 1", path);
    cr_assert_eq(tu_sh(cmd, &out, NULL), 0);
    cr_expect_str_eq(out, "line 9999\n");
    free(out);
    unlink(path);
}

Test(ofile, csv_fields_are_quoted_as_rfc_4180)
{
    char err[ERR_LEN], path[64];
    snprintf(path, sizeof path, "/tmp/aimcsim-csv-%d.csv", (int)getpid());
    ofile *o = ofile_open(path, 1, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    const char *f[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", "\"", NULL};
    for (int i = 0; f[i]; i++) {
        ofile_csv(o, f[i]);
        ofile_puts(o, f[i + 1] ? "," : "\n");
    }
    cr_assert_eq(ofile_commit(o, err, sizeof err), 0, "%s", err);
    char *t = tu_slurp(path, NULL);
    cr_expect_str_eq(t, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",,\"\"\"\"\n");
    free(t);
    unlink(path);
}

/* Registration and lookup are O(1): a million statistics (a chip of
 * 300 000 tiles with per-unit statistics) register in well under a second.
 * The registry used to search every name before adding one (quadratic, and
 * in release builds too). */
Test(stats, a_million_registrations_are_linear, .timeout = 20)
{
    stats *s = stats_create();
    enum { N = 1000000 };
    uint64_t *v = calloc(N, sizeof *v);
    for (int i = 0; i < N; i++) {
        v[i] = (uint64_t)i;
        cr_assert_eq(stats_counter(s, &v[i], "tile%d.busy_ps", i), i);
    }
    cr_expect_eq(stats_count(s), N);
    cr_expect_eq(stats_find(s, "tile0.busy_ps"), 0);
    cr_expect_eq(stats_find(s, "tile999999.busy_ps"), 999999);
    cr_expect_eq(stats_find(s, "tile1000000.busy_ps"), -1);
    int found;
    cr_expect_eq(stats_get(s, "tile4242.busy_ps", &found), 4242.0);
    cr_expect(found);
    stats_free(s);
    free(v);
}

/* Registering a name twice stops the process with a message in every
 * build (it used to be an assert, compiled out of release builds). */
Test(stats, a_name_registered_twice_stops, .signal = SIGABRT)
{
    stats *s = stats_create();
    uint64_t a = 0;
    stats_counter(s, &a, "x.y");
    freopen("/dev/null", "w", stderr);
    stats_counter(s, &a, "x.y");
}
