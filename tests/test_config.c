/*
 * test_config.c -- parameters: defaults, INI parsing, --set overrides, every
 * error message asserted exactly, dumps and hashes.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tools/driver.h"
#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"

static char err[ERR_LEN];

/* Loads text as file "t.ini" on top of the defaults; returns the status. */
static int load(config *c, const char *text)
{
    config_defaults(c);
    c->path = xstrdup("t.ini");
    err[0] = 0;
    return config_load_string(c, "t.ini", text, err, sizeof err);
}

Test(config, defaults_in_range)
{
    config c;
    config_defaults(&c);
    const param_desc *p = config_params();
    for (int i = 0; i < PARAM_COUNT; i++) {
        if (p[i].type == PT_INT) {
            int64_t v = *(int64_t *)((char *)&c + p[i].offset);
            cr_expect((double)v >= p[i].min && (double)v <= p[i].max, "%s.%s",
                      p[i].section, p[i].key);
        } else if (p[i].type == PT_REAL) {
            double v = *(double *)((char *)&c + p[i].offset);
            cr_expect(v >= p[i].min && v <= p[i].max, "%s.%s", p[i].section, p[i].key);
        }
        cr_expect(strlen(p[i].help) > 0, "%s.%s has no help", p[i].section, p[i].key);
    }
    cr_assert_eq(driver_config_check(&c, err, sizeof err), 0, "%s", err);
    config_free(&c);
}

Test(config, parses_each_type)
{
    config c;
    cr_assert_eq(load(&c, "[adc]\ncount = 32\nbits=5 ; inline comment\n"
                          "# comment\n[run]\nkernel = native\nprogress = false\n"
                          "[trace]\nbin_ns = 2.5\n"),
                 0, "%s", err);
    cr_expect_eq(c.adc.count, 32);
    cr_expect_eq(c.adc.bits, 5);
    cr_expect_eq(c.run.kernel, 1);
    cr_expect_eq(c.run.progress, 0);
    cr_expect_float_eq(c.trace.bin_ns, 2.5, 1e-12);
    cr_expect_eq(c.line[PARAM_adc_bits], 3);
    config_free(&c);
}

static void expect_error(const char *text, const char *msg)
{
    config c;
    cr_assert_eq(load(&c, text), -1, "accepted: %s", text);
    cr_expect_str_eq(err, msg);
    config_free(&c);
}

Test(config, error_unknown_key)
{
    config c;
    cr_assert_eq(load(&c, "[adc]\ncount = 4\ncuont = 8\n"), -1);
    const char *want = "t.ini:3: [adc] cuont = 8: unknown key (valid keys: count, bits";
    cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
    config_free(&c);
}

Test(config, error_messages)
{
    expect_error("[adc]\nbits = 17\n", "t.ini:2: [adc] bits = 17: must be in [1, 16]");
    expect_error("[adc]\nbits = 4x\n", "t.ini:2: [adc] bits = 4x: not an integer");
    expect_error("[adc]\nbits =\n", "t.ini:2: [adc] bits = : missing value");
    expect_error("[trace]\nbin_ns = fast\n", "t.ini:2: [trace] bin_ns = fast: not a number");
    expect_error("[trace]\nbin_ns = 0\n", "t.ini:2: [trace] bin_ns = 0: must be in [0.001, 1e+12]");
    expect_error("[run]\nprogress = maybe\n",
                 "t.ini:2: [run] progress = maybe: not a boolean (true or false)");
    expect_error("[run]\nkernel = verilator\n",
                 "t.ini:2: [run] kernel = verilator: must be one of systemc|native");
    expect_error("\n[adc]\nbits = 4\nbits = 5\n",
                 "t.ini:4: [adc] bits = 5: given twice (first at line 3)");
    expect_error("bits = 4\n",
                 "t.ini:1: bits = 4: key outside any section (expected a [section] line first)");
    expect_error("[adc]\nthis line has no equals sign\n",
                 "t.ini:2: syntax error (expected [section], key = value, or a ; or # comment)");
}

Test(config, error_unknown_section_even_when_empty)
{
    config c;
    cr_assert_eq(load(&c, "[adc]\nbits = 4\n[acd]\n"), -1);
    cr_expect(strncmp(err, "t.ini:3: [acd]: unknown section (valid: ", 40) == 0, "%s", err);
    config_free(&c);
}

Test(config, error_line_too_long)
{
    char text[400];
    memset(text, 0, sizeof text);
    strcpy(text, "[adc]\n; ");
    memset(text + strlen(text), 'x', 250);
    strcat(text, "\nbits = 4\n");
    config c;
    cr_assert_eq(load(&c, text), -1);
    cr_expect_str_eq(err, "t.ini:2: line too long (at most 197 characters)");
    config_free(&c);
}

Test(config, load_missing_file)
{
    config c;
    config_defaults(&c);
    cr_assert_eq(config_load(&c, "/nonexistent/x.ini", err, sizeof err), -1);
    cr_expect_str_eq(err, "/nonexistent/x.ini: cannot open: No such file or directory");
    config_free(&c);
}

Test(config, set_overrides_and_errors)
{
    config c;
    config_defaults(&c);
    cr_assert_eq(config_set(&c, "adc.count=16", err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.adc.count, 16);
    cr_assert_eq(config_set(&c, "adc.count=x", err, sizeof err), -1);
    cr_expect_str_eq(err, "--set adc.count=x: [adc] count = x: not an integer");
    cr_assert_eq(config_set(&c, "adc.cnt=4", err, sizeof err), -1);
    cr_expect(strncmp(err, "--set adc.cnt=4: [adc] cnt: unknown key (valid keys: count, bits", 63) == 0, "%s", err);
    cr_assert_eq(config_set(&c, "nosuch.key=1", err, sizeof err), -1);
    cr_expect(strncmp(err, "--set nosuch.key=1: [nosuch]: unknown section", 45) == 0, "%s", err);
    cr_assert_eq(config_set(&c, "adccount", err, sizeof err), -1);
    cr_expect_str_eq(err, "--set adccount: expected section.key=value");
    cr_expect_eq(c.adc.count, 16, "a failed --set must not change the value");
    config_free(&c);
}

Test(config, cross_check_names_the_later_key)
{
    config c;
    cr_assert_eq(load(&c, "[tile]\ncols = 64\n[adc]\ncount = 128\n"), 0, "%s", err);
    cr_assert_eq(driver_config_check(&c, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.ini:4: [adc] count = 128: ADCs per tile (128) exceed its columns (64)");
    cr_assert_eq(config_set(&c, "tile.cols=32", err, sizeof err), 0);
    cr_assert_eq(driver_config_check(&c, err, sizeof err), -1);
    cr_expect_str_eq(err, "--set tile.cols=32: [tile] cols = 32: ADCs per tile (128) exceed its columns (32)");
    config_free(&c);
}

Test(config, dump_reloads_identically)
{
    config a, b;
    cr_assert_eq(load(&a, "[adc]\ncount = 8\n[trace]\nbin_ns = 0.1\n[run]\nkernel = native\n"), 0, "%s", err);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    config_dump_ini(&a, m);
    fclose(m);
    cr_assert_eq(load(&b, buf), 0, "%s", err);
    cr_expect_eq(config_hash(&a), config_hash(&b));
    cr_expect_float_eq(b.trace.bin_ns, 0.1, 0);
    cr_expect_eq(b.adc.count, 8);
    config_set(&b, "adc.count=9", err, sizeof err);
    cr_expect_neq(config_hash(&a), config_hash(&b));
    free(buf);
    config_free(&a);
    config_free(&b);
}

Test(config, copy_is_deep)
{
    config a, b;
    config_defaults(&a);
    config_set(&a, "adc.count=4", err, sizeof err);
    config_copy(&b, &a);
    config_free(&a);
    cr_expect_eq(b.adc.count, 4);
    cr_expect_str_eq(b.set_arg[PARAM_adc_count], "adc.count=4");
    config_free(&b);
}
