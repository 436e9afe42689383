/*
 * test_plots.c -- what the plot scripts of tools/ write on their axes and
 * titles: units that suit the values (never "1x10^6 us"), the model,
 * tokens and chip of the run, figures that do not apply left out.
 * (tests/test_sweep.c checks that every script draws.)
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_mkdtemp("plots");
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(plots, .init = setup, .fini = teardown, .timeout = 120);

/* Runs a shell command built like printf; its stderr in *err (caller frees). */
static int sh(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(char **err, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return tu_sh(cmd, NULL, err);
}

static char *svg(const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s.svg", dir, name);
    char *s = tu_slurp(p, NULL);
    cr_assert_not_null(s, "%s", p);
    return s;
}

Test(plots, units_and_titles)
{
    if (sh(NULL, "command -v gnuplot >/dev/null") != 0)
        cr_skip_test("gnuplot not found (tools/deps.sh installs gnuplot-nox)");
    char *err;
    /* GPT-2 small, no LM head: no token is sampled (run.ttft_ps is 0) */
    cr_assert_eq(sh(&err, "%s sweep gpt2-small-linear --vary adc.count=8,32 --set "
                          "run.prompt_tokens=3 --set run.decode_tokens=1 --set "
                          "model.lm_head=none --set run.kernel=native --out %s/sw --quiet",
                    tu_prog(), dir), 0, "%s", err);
    free(err);
    cr_assert_eq(sh(&err, "sh tools/plot_adc_sweep.sh %s/sw/sweep.csv %s/adc", dir, dir), 0,
                 "%s", err);
    free(err);
    char *s = svg("adc");
    cr_expect(strstr(s, "Total latency and energy versus ADCs per array: gpt2-small, 3 + 1 "
                        "tokens, chip gpt2-small-linear.ini"), "the title");
    /* runs of a few hundred microseconds and about a millijoule (1.08 mJ at 8
     * ADCs per array) */
    cr_expect(strstr(s, "total latency (run.total_ps), us"), "latency in us");
    cr_expect(strstr(s, "energy (energy.total_pj), mJ"), "energy in mJ");
    cr_expect(!strstr(s, "10^") && !strstr(s, "10<tspan"), "no powers of ten on the axes");
    free(s);
    /* the time to first token does not apply: refused, with the way out */
    cr_expect_eq(sh(&err, "LATENCY=run.ttft_ps sh tools/plot_adc_sweep.sh %s/sw/sweep.csv "
                          "%s/ttft", dir, dir), 2);
    cr_expect(strstr(err, "run.ttft_ps is 0 (does not apply) in every row: the runs have no "
                          "output token (try LATENCY=run.prefill_ps)"), "%s", err);
    free(err);
    cr_expect_eq(sh(&err, "LATENCY=run.prefill_ps LATENCY_LABEL='time to first token' sh "
                          "tools/plot_adc_sweep.sh %s/sw/sweep.csv %s/ttft", dir, dir), 0,
                 "%s", err);
    free(err);
    s = svg("ttft");
    cr_expect(strstr(s, "Time to first token and energy versus ADCs per array"), "title");
    cr_expect(strstr(s, "time to first token (run.prefill_ps), "), "axis");
    free(s);

    /* seconds and microjoules: a CSV made by hand (no folder: the title
     * names the file) */
    char *csv = tu_write(dir, "big.csv", "point,status,adc.count,run.total_ps,energy.total_pj\n"
                                         "a,ok,4,2500000000000,3000000\n"
                                         "b,ok,8,1200000000000,2000000\n");
    cr_assert_eq(sh(&err, "sh tools/plot_adc_sweep.sh %s %s/big", csv, dir), 0, "%s", err);
    free(err);
    s = svg("big");
    cr_expect(strstr(s, "total latency (run.total_ps), s<"), "latency in s");
    cr_expect(strstr(s, "energy (energy.total_pj), uJ<"), "energy in uJ");
    cr_expect(strstr(s, "versus ADCs per array: "), "title");
    cr_expect(strstr(s, "/big.csv"), "the file names the plot without a run folder");
    free(s);
    free(csv);

    /* stacked bars and a run's power trace scale too */
    cr_assert_eq(sh(&err, "sh tools/plot_energy.sh %s/sw/sweep.csv %s/energy", dir, dir), 0,
                 "%s", err);
    free(err);
    s = svg("energy");
    cr_expect(strstr(s, "energy, mJ"), "energy bars in mJ");
    cr_expect(strstr(s, "Energy by component, per point: gpt2-small, 3 + 1 tokens"), "title");
    free(s);
    cr_assert_eq(sh(&err, "%s run tests/golden/tiny.ini --set run.kernel=native --out %s/run "
                          "--trace --quiet && sh tools/plot_power.sh %s/run/power.csv %s/power",
                    tu_prog(), dir, dir, dir), 0, "%s", err);
    free(err);
    s = svg("power");
    cr_expect(strstr(s, "Power over time: custom, 2 + 1 tokens, chip tiny.ini"), "title");
    cr_expect(strstr(s, "time, us ("), "time in us");
    cr_expect(strstr(s, "power, mW"), "power in mW");
    free(s);
}
