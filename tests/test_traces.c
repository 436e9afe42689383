/* test_traces.c -- the timeline trace writer in its JSON format
 * (traces/chrome.h), the binned power/energy CSV (traces/power.h) and the
 * output file that compresses past a size (traces/tout.h). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/util.h"
#include "tests/testutil.h"
#include "traces/chrome.h"
#include "traces/power.h"
#include "traces/tout.h"

static char *tmp_path(const char *suffix)
{
    char *p = tu_tmpfile(suffix, "");
    cr_assert_not_null(p);
    return p;
}

/* Whole content of a plain or gzip file. */
static char *slurp_any(const char *path)
{
    gzFile g = gzopen(path, "rb");
    cr_assert_not_null(g);
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    int k;
    while ((k = gzread(g, b + n, (unsigned)(cap - n - 1))) > 0) {
        n += (size_t)k;
        if (cap - n < 2)
            b = realloc(b, cap *= 2);
    }
    gzclose(g);
    b[n] = 0;
    return b;
}

/* Occurrences of needle in s.  A one-character needle is counted by
 * strchr: strstr under AddressSanitizer measures the whole rest of s on
 * every call, quadratic on a power trace of megabytes. */
static int count(const char *s, const char *needle)
{
    int n = 0;
    if (needle[0] && !needle[1]) {
        for (const char *p = s; (p = strchr(p, needle[0])); p++)
            n++;
        return n;
    }
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* Structural JSON check that needs nothing: brackets balance outside
 * strings, strings close, escapes are valid. */
static int json_balanced(const char *s)
{
    char stack[64];
    int depth = 0, in_str = 0;
    for (; *s; s++) {
        if (in_str) {
            if (*s == '\\') {
                if (!strchr("\"\\/bfnrtu", s[1]))
                    return 0;
                s++;
            } else if (*s == '"') {
                in_str = 0;
            } else if ((unsigned char)*s < 0x20) {
                return 0;
            }
        } else if (*s == '"') {
            in_str = 1;
        } else if (*s == '{' || *s == '[') {
            if (depth == 64)
                return 0;
            stack[depth++] = *s;
        } else if (*s == '}' || *s == ']') {
            if (!depth || stack[--depth] != (*s == '}' ? '{' : '['))
                return 0;
        }
    }
    return !depth && !in_str;
}

static int have_python(void)
{
    return tu_sh("python3 -c 'import json'", NULL, NULL) == 0;
}

/* Runs a python check over a trace file; its stdout is returned. */
static char *py(const char *script, const char *path)
{
    char *sp = tu_tmpfile(".py", script);
    char *cmd = xasprintf("python3 %s %s", sp, path);
    char *out = NULL, *err = NULL;
    int st = tu_sh(cmd, &out, &err);
    cr_expect_eq(st, 0, "python: %s", err ? err : "");
    unlink(sp);
    free(sp);
    free(cmd);
    free(err);
    return out;
}

/* Loads the JSON (gzip or not) and checks, per track, that complete events
 * do not partially overlap; prints "ok", tracks, events, and the busy time
 * (ps) of each track named in argv[2:]. */
static const char *PY_CHECK =
    "import gzip, json, sys\n"
    "p = sys.argv[1]\n"
    "d = json.load(gzip.open(p, 'rt') if p.endswith('.gz') else open(p))\n"
    "ev = d['traceEvents']\n"
    "names = {(e['pid'], e['tid']): e['args']['name'] for e in ev if e['ph'] == 'M' and e['name'] == 'thread_name'}\n"
    "tr = {}\n"
    "for e in ev:\n"
    "    if e['ph'] == 'X':\n"
    "        s = round(float(e['ts']) * 1e6); t = s + round(float(e['dur']) * 1e6)\n"
    "        tr.setdefault(names[(e['pid'], e['tid'])], []).append((s, t))\n"
    "bad = 0\n"
    "for k, v in tr.items():\n"
    "    v.sort()\n"
    "    for a, b in zip(v, v[1:]):\n"
    "        if b[0] < a[1] and b[1] > a[1]: bad += 1\n"
    "busy = {k: sum(t - s for s, t in v) for k, v in tr.items()}\n"
    "print('ok' if not bad else 'overlap', len(names), sum(len(v) for v in tr.values()), d['otherData']['format'])\n"
    "for k in sorted(busy): print(k, busy[k])\n";

/* ---- Chrome trace ---- */

static void small_trace(const char *path)
{
    char err[ERR_LEN];
    chrome_trace *t = chrome_open(path, CHROME_JSON, 256, TOUT_NEVER, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    int tiles = chrome_group(t, "tiles", "tile", 4);
    int adcs = chrome_group(t, "ADC banks", "adc", 4);
    int links = chrome_group(t, "links", "link", 2);
    cr_assert_eq(tiles, 0);
    cr_assert_eq(adcs, 1);
    cr_assert_eq(chrome_unit_name(t, links, 0, "link 0->1 \"E\""), 0);
    cr_assert_eq(chrome_meta(t, "command", "aimcsim run x.ini"), 0);
    cr_assert_eq(chrome_span(t, tiles, 3, "act", 1000001, 1500001, 17, "h0.attn.c_attn"), 0);
    cr_assert_eq(chrome_span(t, adcs, 3, "act", 1500001, 2500001, 17, "h0.attn.c_attn"), 0);
    cr_assert_eq(chrome_span(t, links, 0, "xfer", 0, 7, -1, NULL), 0);
    cr_assert_eq(chrome_counter(t, tiles, "busy tiles", 1000001, 1), 0);
    cr_expect_eq(chrome_group(t, "late", "x", 1), -1, "groups are declared first");
    cr_expect_eq(chrome_commit(t, err, sizeof err), -1);
    cr_expect(strstr(err, "group 'late' declared after the first event") != NULL, "%s", err);

    t = chrome_open(path, CHROME_JSON, 256, TOUT_NEVER, err, sizeof err);
    tiles = chrome_group(t, "tiles", "tile", 4);
    adcs = chrome_group(t, "ADC banks", "adc", 4);
    links = chrome_group(t, "links", "link", 2);
    chrome_unit_name(t, links, 0, "link 0->1 \"E\"");
    chrome_meta(t, "command", "aimcsim run x.ini");
    chrome_span(t, tiles, 3, "act", 1000001, 1500001, 17, "h0.attn.c_attn");
    chrome_span(t, adcs, 3, "act", 1500001, 2500001, 17, "h0.attn.c_attn");
    chrome_span(t, links, 0, "xfer", 0, 7, -1, NULL);
    chrome_counter(t, tiles, "busy tiles", 1000001, 1);
    cr_expect_eq(chrome_tracks(t, tiles), 4);
    cr_expect_eq(chrome_units_per_track(t, tiles), 1);
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
}

Test(trace_chrome, metadata_names_and_exact_times)
{
    char *p = tmp_path(".json");
    small_trace(p);
    char *s = slurp_any(p);
    cr_expect(json_balanced(s));
    cr_expect(strstr(s, "\"otherData\":{\"format\":\"aimcsim-chrome 1\",\"command\":\"aimcsim run x.ini\"}") != NULL);
    cr_expect(strstr(s, "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"tiles\"}}") != NULL);
    cr_expect(strstr(s, "{\"ph\":\"M\",\"pid\":2,\"name\":\"process_name\",\"args\":{\"name\":\"ADC banks\"}}") != NULL);
    cr_expect(strstr(s, "{\"ph\":\"M\",\"pid\":1,\"tid\":4,\"name\":\"thread_name\",\"args\":{\"name\":\"tile3\"}}") != NULL);
    cr_expect(strstr(s, "{\"ph\":\"M\",\"pid\":1,\"tid\":4,\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":3}}") != NULL);
    cr_expect(strstr(s, "\"name\":\"process_sort_index\",\"args\":{\"sort_index\":2}") != NULL);
    cr_expect(strstr(s, "\"args\":{\"name\":\"link 0->1 \\\"E\\\"\"}") != NULL, "escaped unit name");
    cr_expect(strstr(s, "\"args\":{\"name\":\"link1\"}") != NULL);
    cr_expect(strstr(s, "{\"ph\":\"X\",\"pid\":1,\"tid\":4,\"ts\":1.000001,\"dur\":0.500000,\"name\":\"act\",\"args\":{\"id\":17,\"tag\":\"h0.attn.c_attn\"}}") != NULL, "%s", s);
    cr_expect(strstr(s, "\"ts\":0.000000,\"dur\":0.000007,\"name\":\"xfer\",\"args\":{}}") != NULL);
    cr_expect(strstr(s, "{\"ph\":\"C\",\"pid\":1,\"ts\":1.000001,\"name\":\"busy tiles\",\"args\":{\"value\":1}}") != NULL);
    cr_expect_eq(count(s, "\"thread_name\""), 10);
    if (have_python()) {
        char *out = py(PY_CHECK, p);
        cr_expect(out && !strncmp(out, "ok 10 3 aimcsim-chrome 1\n", 25), "%s", out);
        free(out);
    }
    free(s);
    unlink(p);
    free(p);
}

/* Past the size given (here 0 bytes) the trace is gzip-compressed, and
 * the plain file of the same trace is what it decompresses to. */
Test(trace_chrome, gzip_past_the_size_equals_the_plain_file)
{
    char *plain = tmp_path(".json"), *base = tmp_path(".json"), err[ERR_LEN];
    small_trace(plain);
    unlink(base);
    chrome_trace *t = chrome_open(base, CHROME_JSON, 256, 0, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    int tiles = chrome_group(t, "tiles", "tile", 4);
    int adcs = chrome_group(t, "ADC banks", "adc", 4);
    int links = chrome_group(t, "links", "link", 2);
    chrome_unit_name(t, links, 0, "link 0->1 \"E\"");
    chrome_meta(t, "command", "aimcsim run x.ini");
    chrome_span(t, tiles, 3, "act", 1000001, 1500001, 17, "h0.attn.c_attn");
    chrome_span(t, adcs, 3, "act", 1500001, 2500001, 17, "h0.attn.c_attn");
    chrome_span(t, links, 0, "xfer", 0, 7, -1, NULL);
    chrome_counter(t, tiles, "busy tiles", 1000001, 1);
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
    cr_expect_eq(access(base, F_OK), -1, "only the .gz name");
    char *p = xasprintf("%s.gz", base);
    char *want = slurp_any(plain), *got = slurp_any(p);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
    unlink(plain);
    free(plain);
    free(base);
    size_t n;
    char *raw = tu_slurp(p, &n);
    cr_expect(n > 2 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b);
    char *s = slurp_any(p);
    cr_expect(json_balanced(s));
    cr_expect(strstr(s, "\"name\":\"tile3\"") != NULL);
    if (have_python()) {
        char *out = py(PY_CHECK, p);
        cr_expect(out && !strncmp(out, "ok 10 3", 7), "%s", out);
        free(out);
    }
    free(raw);
    free(s);
    unlink(p);
    free(p);
}

Test(trace_chrome, aggregation_respects_max_tracks_and_merges)
{
    char *p = tmp_path(".json"), err[ERR_LEN];
    chrome_trace *t = chrome_open(p, CHROME_JSON, 10, TOUT_NEVER, err, sizeof err);
    int tiles = chrome_group(t, "tiles", "tile", 64);
    int cl = chrome_group(t, "clusters", "cluster", 2);
    /* tile0..7 share track 0: [0,10) [5,20) [30,40) [20,30) touch into one. */
    chrome_span(t, tiles, 0, "act", 0, 10000, 1, "a");
    chrome_span(t, tiles, 1, "act", 5000, 20000, 2, "a");
    chrome_span(t, tiles, 2, "act", 30000, 40000, 3, "a");
    chrome_span(t, tiles, 3, "act", 20000, 30000, 4, "a");
    /* A lone span on a shared track keeps its name and args. */
    chrome_span(t, tiles, 63, "act", 50000, 60000, 9, "b");
    chrome_span(t, cl, 1, "dig", 0, 1000, 5, NULL);
    cr_expect_eq(chrome_tracks(t, tiles), 8);
    cr_expect_eq(chrome_units_per_track(t, tiles), 8);
    cr_expect_eq(chrome_tracks(t, cl), 2);
    cr_expect_eq(chrome_units_per_track(t, cl), 1);
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
    char *s = slurp_any(p);
    cr_expect(json_balanced(s));
    cr_expect_eq(count(s, "\"thread_name\""), 10);
    cr_expect(strstr(s, "\"args\":{\"name\":\"tiles 0-7\"}") != NULL);
    cr_expect(strstr(s, "\"args\":{\"name\":\"tiles 56-63\"}") != NULL);
    cr_expect(strstr(s, "\"args\":{\"name\":\"cluster1\"}") != NULL);
    cr_expect(strstr(s, "\"tid\":1,\"ts\":0.000000,\"dur\":0.040000,\"name\":\"busy\",\"args\":{\"spans\":4}}") != NULL, "%s", s);
    cr_expect(strstr(s, "\"tid\":8,\"ts\":0.050000,\"dur\":0.010000,\"name\":\"act\",\"args\":{\"id\":9,\"tag\":\"b\"}}") != NULL);
    cr_expect_eq(count(s, "\"ph\":\"X\""), 3);
    free(s);
    unlink(p);
    free(p);
}

Test(trace_chrome, more_groups_than_tracks_and_uneven_split)
{
    char *p = tmp_path(".json"), err[ERR_LEN];
    chrome_trace *t = chrome_open(p, CHROME_JSON, 2, TOUT_NEVER, err, sizeof err);
    int a = chrome_group(t, "a", "a", 5), b = chrome_group(t, "b", "b", 1),
        c = chrome_group(t, "c", "c", 3);
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
    (void)a, (void)b, (void)c;
    char *s = slurp_any(p);
    cr_expect(strstr(s, "\"a 0-4\"") && strstr(s, "\"b0\"") && strstr(s, "\"c 0-2\""), "%s", s);
    free(s);

    t = chrome_open(p, CHROME_JSON, 7, TOUT_NEVER, err, sizeof err);
    a = chrome_group(t, "tiles", "tile", 10); /* cap 6: 2 per track -> 5 tracks */
    b = chrome_group(t, "dram", "dram", 1);
    chrome_span(t, a, 9, "act", 0, 1, -1, NULL);
    cr_expect_eq(chrome_tracks(t, a), 5);
    cr_expect_eq(chrome_units_per_track(t, a), 2);
    cr_expect_eq(chrome_tracks(t, b), 1);
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
    s = slurp_any(p);
    cr_expect(strstr(s, "\"tiles 8-9\"") != NULL);
    free(s);
    unlink(p);
    free(p);
}

Test(trace_chrome, many_spans_on_shared_tracks_never_overlap)
{
    if (!have_python())
        cr_skip_test("python3 not found: the JSON cross-check needs it");
    char *p = tmp_path(".json"), err[ERR_LEN];
    chrome_trace *t = chrome_open(p, CHROME_JSON, 4, TOUT_NEVER, err, sizeof err);
    int g = chrome_group(t, "tiles", "tile", 16); /* 4 per track */
    /* Spans arrive in completion order (non-decreasing end), starts
     * anywhere up to 50 ns back, as the engine emits them. */
    uint64_t x = 88172645463325252ULL, end = 0;
    enum { N = 100000 };
    uint64_t *iv = malloc(sizeof *iv * 2 * N);
    int *unit = malloc(sizeof *unit * N);
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        end += x % 3000;
        uint64_t dur = (x >> 20) % 50000;
        uint64_t s = end > dur ? end - dur : 0;
        unit[i] = (int)((x >> 40) % 16);
        iv[2 * i] = s;
        iv[2 * i + 1] = end;
        cr_assert_eq(chrome_span(t, g, (uint32_t)unit[i], "act", s, end, i, NULL), 0);
    }
    cr_assert_eq(chrome_commit(t, err, sizeof err), 0, "%s", err);
    /* Expected busy time of track 0 (tiles 0-3): the union of its spans,
     * on a 1 ns grid (all times are multiples of 1 ps; grid in ps). */
    uint64_t horizon = end + 1;
    unsigned char *cov = calloc(horizon, 1);
    for (int i = 0; i < N; i++)
        if (unit[i] < 4)
            memset(cov + iv[2 * i], 1, iv[2 * i + 1] - iv[2 * i]);
    uint64_t busy = 0;
    for (uint64_t i = 0; i < horizon; i++)
        busy += cov[i];
    char *out = py(PY_CHECK, p);
    cr_assert_not_null(out);
    cr_expect(!strncmp(out, "ok 4 ", 5), "%s", out);
    /* Clipping against already written intervals may only lose time. */
    const char *at = strstr(out, "\ntiles 0-3 ");
    cr_assert_not_null(at, "%s", out);
    uint64_t got = strtoull(at + 11, NULL, 10);
    cr_expect(got <= busy && got >= busy - busy / 1000, "busy %" PRIu64 " ps, union %" PRIu64 " ps", got, busy);
    cr_log_info("chrome: shared track busy %" PRIu64 " ps of a union of %" PRIu64 " ps", got, busy);
    free(out);
    free(cov);
    free(iv);
    free(unit);
    unlink(p);
    free(p);
}

Test(trace_chrome, bad_calls_fail_and_leave_no_file)
{
    char *p = tmp_path(".json"), err[ERR_LEN];
    unlink(p);
    chrome_trace *t = chrome_open(p, CHROME_JSON, 8, TOUT_NEVER, err, sizeof err);
    int g = chrome_group(t, "tiles", "tile", 2);
    cr_expect_eq(chrome_span(t, g, 2, "act", 0, 1, 0, NULL), -1);
    cr_expect_eq(chrome_span(t, g, 0, "act", 0, 1, 0, NULL), -1, "sticky");
    cr_expect_eq(chrome_commit(t, err, sizeof err), -1);
    char want[ERR_LEN];
    snprintf(want, sizeof want, "%s: span 'act' on tile2 (the trace declares 2 tiles)", p);
    cr_expect_str_eq(err, want);
    cr_expect_eq(access(p, F_OK), -1);
    t = chrome_open(p, CHROME_JSON, 8, TOUT_NEVER, err, sizeof err);
    g = chrome_group(t, "tiles", "tile", 2);
    cr_expect_eq(chrome_span(t, g, 0, "act", 5, 4, 0, NULL), -1);
    chrome_abort(t);
    cr_expect_eq(access(p, F_OK), -1);
    free(p);
}

/* ---- power trace ---- */

static const char *const COMP[] = {"adc", "noc", "sram"};

Test(trace_power, interval_split_proportionally)
{
    char *p = tmp_path(".csv"), err[ERR_LEN];
    power_trace *w = power_open(p, 1000.0, COMP, 3, (double[]){2.0, 0, 0}, TOUT_NEVER, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    cr_expect_eq(power_bin_ps(w), 1000000);
    /* 12 pJ over [0.5 us, 3.5 us): 1/6, 1/3, 1/3, 1/6 of it. */
    cr_assert_eq(power_add(w, 0, 500000, 3500000, 12.0), 0);
    cr_expect_float_eq(power_bin_pj(w, 0, 0), 2.0, 1e-12);
    cr_expect_float_eq(power_bin_pj(w, 1, 0), 4.0, 1e-12);
    cr_expect_float_eq(power_bin_pj(w, 2, 0), 4.0, 1e-12);
    cr_expect_float_eq(power_bin_pj(w, 3, 0), 2.0, 1e-12);
    cr_expect_eq(power_nbins(w), 4);
    /* Inside one bin; zero length at a boundary counts in the bin before. */
    power_add(w, 1, 1100000, 1200000, 3.0);
    power_add(w, 2, 2000000, 2000000, 5.0);
    power_add(w, 2, 0, 0, 1.0);
    cr_expect_eq(power_bin_pj(w, 1, 1), 3.0);
    cr_expect_eq(power_bin_pj(w, 1, 2), 5.0);
    cr_expect_eq(power_bin_pj(w, 0, 2), 1.0);
    /* static 2 mW on adc: 2000 pJ per 1 us bin */
    cr_assert_eq(power_commit(w, 3600000, err, sizeof err), 0, "%s", err);
    char *s = tu_slurp(p, NULL);
    cr_expect_str_eq(s, "t_start_ns,t_end_ns,adc_pj,noc_pj,sram_pj,total_pj,power_mw\n"
                        "0.000,1000.000,2002,0,1,2003,2.003\n"
                        "1000.000,2000.000,2004,3,5,2012,2.012\n"
                        "2000.000,3000.000,2004,0,0,2004,2.004\n"
                        "3000.000,3600.000,1202,0,0,1202,2.003333333\n");
    free(s);
    unlink(p);
    free(p);
}

Test(trace_power, bin_sums_equal_the_energy_added)
{
    char *base = tmp_path(".csv"), err[ERR_LEN];
    unlink(base);
    power_trace *w = power_open(base, 7.3, COMP, 3, NULL, 0, err, sizeof err); /* 7300 ps, gzip */
    char *p = xasprintf("%s.gz", base);
    free(base);
    cr_assert_not_null(w, "%s", err);
    double added[3] = {0};
    uint64_t x = 0x2545F4914F6CDD1DULL, tmax = 0;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int c = (int)(x % 3);
        uint64_t s = (x >> 8) % 5000000, d = (x >> 32) % (i % 10 ? 20000 : 2000000);
        double e = (double)((x >> 40) % 100000) / 7.0;
        cr_assert_eq(power_add(w, c, s, s + d, e), 0);
        added[c] += e;
        if (s + d > tmax)
            tmax = s + d;
    }
    for (int c = 0; c < 3; c++) {
        double sum = 0;
        for (uint64_t b = 0; b < power_nbins(w); b++)
            sum += power_bin_pj(w, b, c);
        cr_expect(fabs(sum - added[c]) <= 1e-9 * added[c], "comp %d: %.17g vs %.17g", c, sum, added[c]);
    }
    cr_assert_eq(power_commit(w, tmax, err, sizeof err), 0, "%s", err);
    /* The CSV agrees (values printed with 10 significant digits). */
    char *s = slurp_any(p);
    const char *head = "t_start_ns,t_end_ns,adc_pj,noc_pj,sram_pj,total_pj,power_mw\n";
    cr_expect(!strncmp(s, head, strlen(head)));
    double col[4] = {0};
    int rows = 0;
    char *line = strchr(s, '\n') + 1;
    while (*line) {
        double a, b, v[4], pw;
        cr_assert_eq(sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &a, &b, &v[0], &v[1], &v[2], &v[3], &pw), 7);
        for (int c = 0; c < 4; c++)
            col[c] += v[c];
        cr_expect(fabs(v[0] + v[1] + v[2] - v[3]) <= 1e-9 * (v[3] + 1));
        cr_expect(fabs(pw - v[3] / (b - a)) <= 1e-9 * (pw + 1));
        rows++;
        line = strchr(line, '\n') + 1;
    }
    cr_expect_eq((uint64_t)rows, ceil_div_u64(tmax, 7300));
    for (int c = 0; c < 3; c++)
        cr_expect(fabs(col[c] - added[c]) <= 1e-9 * added[c], "csv comp %d: %.17g vs %.17g", c, col[c], added[c]);
    cr_expect(fabs(col[3] - (added[0] + added[1] + added[2])) <= 1e-9 * col[3]);
    free(s);
    unlink(p);
    free(p);
}

/* Rows are written as power_advance makes them final: the bins held stay
 * few however long the run, and the file is the one written at the end. */
Test(trace_power, streamed_rows_equal_rows_written_at_the_end)
{
    char *p1 = tmp_path(".csv"), *p2 = tmp_path(".csv"), err[ERR_LEN];
    double st[] = {0.5, 0, 1e-3};
    power_trace *a = power_open(p1, 0.001, COMP, 3, st, TOUT_NEVER, err, sizeof err); /* 1 ps */
    power_trace *b = power_open(p2, 0.001, COMP, 3, st, TOUT_NEVER, err, sizeof err);
    cr_assert(a && b, "%s", err);
    uint64_t x = 0x9E3779B97F4A7C15ULL, now = 0, most = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        now += x % 7; /* the clock; energies start at or after it */
        uint64_t s = now + (x >> 8) % 50, d = (x >> 20) % 40;
        double e = (double)((x >> 40) % 1000) / 3.0;
        cr_assert_eq(power_add(a, (int)(x % 3), s, s + d, e), 0);
        cr_assert_eq(power_add(b, (int)(x % 3), s, s + d, e), 0);
        power_advance(a, now);
        uint64_t held = power_nbins(a) - now / power_bin_ps(a);
        most = held > most ? held : most;
    }
    cr_expect_leq(most, 100, "bins held %" PRIu64, most);
    cr_expect_eq(power_bin_pj(a, 0, 0), 0, "bin 0 is written and gone");
    /* An energy before the rows written is refused. */
    uint64_t t_end = now + 200;
    cr_assert_eq(power_commit(a, t_end, err, sizeof err), 0, "%s", err);
    cr_assert_eq(power_commit(b, t_end, err, sizeof err), 0, "%s", err);
    char *s1 = tu_slurp(p1, NULL), *s2 = tu_slurp(p2, NULL);
    cr_assert(s1 && s2);
    cr_expect_str_eq(s1, s2);
    cr_expect_eq(count(s1, "\n"), (int)t_end + 1);
    free(s1);
    free(s2);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
}

Test(trace_power, energy_in_a_written_row_and_too_many_bins_fail)
{
    char *p = tmp_path(".csv"), err[ERR_LEN], want[ERR_LEN];
    unlink(p);
    power_trace *w = power_open(p, 1.0, COMP, 3, NULL, TOUT_NEVER, err, sizeof err);
    cr_assert_eq(power_add(w, 0, 5000, 6000, 1.0), 0);
    power_advance(w, 4001); /* bins [0, 4) are final */
    cr_expect_eq(power_add(w, 1, 3999, 5000, 1.0), -1);
    cr_expect_eq(power_commit(w, 8000, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: noc energy at 3999 ps, in a bin already written (before 4000 ps)", p);
    cr_expect_str_eq(err, want);
    cr_expect_eq(access(p, F_OK), -1, "nothing half-written");

    w = power_open(p, 0.001, COMP, 1, NULL, TOUT_NEVER, err, sizeof err); /* 1 ps bins */
    cr_expect_eq(power_add(w, 0, 0, 100000000, 1.0), -1);
    cr_expect_eq(power_commit(w, 100000000, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: 100000000 bins of 1 ps held at once (at most 8388608): raise [trace] bin_ns", p);
    cr_expect_str_eq(err, want);
    free(p);
}

Test(trace_power, errors)
{
    char *p = tmp_path(".csv"), err[ERR_LEN], want[ERR_LEN];
    unlink(p);
    power_trace *w = power_open(p, 1.0, COMP, 3, NULL, TOUT_NEVER, err, sizeof err);
    cr_assert_eq(power_add(w, 0, 0, 5000, 1.0), 0);
    cr_assert_eq(power_commit(w, 4000, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: energy added until 5000 ps, after the end of the run at 4000 ps", p);
    cr_expect_str_eq(err, want);
    cr_expect_eq(access(p, F_OK), -1, "nothing half-written");

    w = power_open(p, 1.0, COMP, 3, NULL, TOUT_NEVER, err, sizeof err);
    cr_expect_eq(power_add(w, 3, 0, 1, 1.0), -1);
    cr_expect_eq(power_commit(w, 4000, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: energy for component 3 (expected 0..2)", p);
    cr_expect_str_eq(err, want);

    w = power_open(p, 1.0, COMP, 3, NULL, TOUT_NEVER, err, sizeof err);
    cr_expect_eq(power_add(w, 1, 0, 1, -1.0), -1);
    power_abort(w);
    w = power_open(p, 1.0, COMP, 3, NULL, TOUT_NEVER, err, sizeof err);
    cr_expect_eq(power_add(w, 1, 9, 1, 1.0), -1);
    power_abort(w);

    const char *bad[] = {"adc", "a,b"};
    cr_expect_null(power_open(p, 1.0, bad, 2, NULL, TOUT_NEVER, err, sizeof err));
    snprintf(want, sizeof want, "%s: component 1 name 'a,b' (expected a non-empty name without commas, quotes or control characters)", p);
    cr_expect_str_eq(err, want);
    cr_expect_null(power_open(p, 0.0, COMP, 3, NULL, TOUT_NEVER, err, sizeof err));
    cr_expect_eq(access(p, F_OK), -1);
    free(p);
}

Test(trace_power, empty_run_has_only_the_header)
{
    char *p = tmp_path(".csv"), err[ERR_LEN];
    power_trace *w = power_open(p, 1.0, COMP, 2, NULL, TOUT_NEVER, err, sizeof err);
    cr_assert_eq(power_commit(w, 0, err, sizeof err), 0, "%s", err);
    char *s = tu_slurp(p, NULL);
    cr_expect_str_eq(s, "t_start_ns,t_end_ns,adc_pj,noc_pj,total_pj,power_mw\n");
    free(s);
    unlink(p);
    free(p);
}
