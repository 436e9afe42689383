/*
 * test_config.c -- parameters: defaults, INI parsing, --set overrides, every
 * error message asserted exactly, dumps and hashes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- strict reading: every line checked, the first error wins ------------ */

Test(config, syntax_error_wins_over_a_later_error)
{
    /* inih reads on past "[adc" and fails on the next line as an unknown key
     * of no section; the syntax error, first in the file, is the message. */
    expect_error("[adc\ncount = 64\n",
                 "t.ini:1: [adc: no closing ']' (expected [section], key = value, or a ; or # "
                 "comment)");
    expect_error("[adc]\ncount = 8\nbits 4\ncuont = 1\n",
                 "t.ini:3: syntax error (expected [section], key = value, or a ; or # comment)");
    expect_error("[adc]\n= 4\n",
                 "t.ini:2: syntax error: no key before '=' (expected [section], key = value, "
                 "or a ; or # comment)");
}

Test(config, text_after_a_section_is_an_error)
{
    /* inih reads "[adc] count = 64" as "[adc]" alone. */
    expect_error("[adc] count = 64\n",
                 "t.ini:1: text after [adc]: 'count = 64' (expected one [section] per line)");
    config c;
    cr_expect_eq(load(&c, "[adc] ; a comment\ncount = 64\n[run] # another\n"), 0, "%s", err);
    cr_expect_eq(c.adc.count, 64);
    config_free(&c);
}

Test(config, control_characters_are_errors)
{
    expect_error("[adc]\ncount = 6\x01" "4\n",
                 "t.ini:2: control character 0x01 (expected text; in a value, write it quoted "
                 "as \\xHH)");
    config c;
    cr_expect_eq(load(&c, "[adc]\r\ncount\t=\t64\r\n"), 0, "%s", err);
    config_free(&c);
}

static char *write_tmp(const char *name, const char *data, size_t n)
{
    char *path = xasprintf("%s/aimcsim-cfg-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                           (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(data, 1, n, f);
    fclose(f);
    return path;
}

Test(config, files_that_are_not_text_are_refused_at_their_line)
{
    config c;
    char want[600];
    char *p = write_tmp("nul.ini", "[adc]\ncount = 64\nbits\0 = 4\n", 26);
    cr_assert_eq(config_load(&c, p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: NUL byte (expected text)", p);
    cr_expect_str_eq(err, want);
    unlink(p);
    free(p);
    /* A device that never ends is not read whole. */
    cr_assert_eq(config_load(&c, "/dev/zero", err, sizeof err), -1);
    cr_expect_str_eq(err, "/dev/zero:1: NUL byte (expected text)");
    cr_assert_eq(config_load(&c, "/", err, sizeof err), -1);
    cr_expect_str_eq(err, "/: cannot read: Is a directory");
    /* Larger than the cap: refused, not read whole. */
    size_t n = TEXT_FILE_MAX_BYTES + 10;
    char *big = xmalloc(n);
    memset(big, ';', n);
    for (size_t i = 100; i < n; i += 100)
        big[i] = '\n';
    p = write_tmp("big.ini", big, n);
    free(big);
    cr_assert_eq(config_load(&c, p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: larger than %u bytes (expected a text file)", p,
             TEXT_FILE_MAX_BYTES);
    cr_expect_str_eq(err, want);
    unlink(p);
    free(p);
}

Test(config, quoted_values_and_continuation_lines)
{
    config c;
    cr_assert_eq(load(&c, "[mapping]\ndigital = \" h0.attn.c_proj \\; x\\\\\\\"\\t\\x7f \"\n"
                          "[lora]\ntargets = attn.c_attn,\n    attn.c_proj,\n"
                          "  ; a comment between\n    \"mlp.c_fc\"\n"),
                 0, "%s", err);
    cr_expect_str_eq(c.mapping.digital, " h0.attn.c_proj ; x\\\"\t\x7f ");
    cr_expect_str_eq(c.lora.targets, "attn.c_attn,attn.c_proj,mlp.c_fc");
    cr_expect_eq(c.line[PARAM_lora_targets], 4);
    config_free(&c);
    /* A blank before ';' starts a comment, also inside quotes. */
    expect_error("[mapping]\ndigital = \"a ;b\"\n",
                 "t.ini:2: unterminated quoted value (expected \"...\"; after a blank, ';' "
                 "starts a comment: write \\;)");
    expect_error("[mapping]\ndigital = \"a\\qb\"\n",
                 "t.ini:2: unknown escape in a quoted value (expected \\\\ \\\" \\; \\n \\t "
                 "\\r \\xHH)");
    expect_error("[mapping]\ndigital = \"a\\x0\"\n",
                 "t.ini:2: bad \\x escape in a quoted value (expected \\xHH, two hex digits, "
                 "not 00)");
    expect_error("[adc]\ncount = 8\n  bits = 4\n",
                 "t.ini:3: [adc] count: indented line continues a value that takes one line "
                 "(only text values continue; remove the indentation)");
}

/* dump -> load -> check -> dump gives the same text and hash. */
static void round_trip(config *a, const char *what, int check)
{
    char *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    FILE *m = open_memstream(&buf, &len);
    config_dump_ini(a, m);
    fclose(m);
    for (char *l = buf, *e; *l; l = e + 1) {
        e = strchr(l, '\n');
        cr_assert_not_null(e);
        cr_expect_leq(e - l, 197, "%s: dumped line over the limit: %.*s", what, (int)(e - l), l);
    }
    config b;
    cr_assert_eq(load(&b, buf), 0, "%s: %s\n%s", what, err, buf);
    if (check)
        cr_expect_eq(driver_config_check(&b, err, sizeof err), 0, "%s: %s", what, err);
    m = open_memstream(&buf2, &len2);
    config_dump_ini(&b, m);
    fclose(m);
    cr_expect_str_eq(buf2, buf, "%s", what);
    cr_expect_eq(config_hash(a), config_hash(&b), "%s", what);
    const param_desc *p = config_params();
    for (int i = 0; i < PARAM_COUNT; i++)
        if (p[i].type == PT_STR)
            cr_expect_str_eq(*(char **)((char *)&b + p[i].offset),
                             *(char **)((char *)a + p[i].offset), "%s: %s", what, p[i].key);
    free(buf);
    free(buf2);
    config_free(&b);
}

Test(config, dump_round_trips_defaults_and_every_shipped_config)
{
    config c;
    config_defaults(&c);
    round_trip(&c, "defaults", 1);
    config_free(&c);
    char *out = NULL;
    cr_assert_eq(tu_sh("ls configs/*.ini configs/experiments/*.ini tests/golden/*.ini", &out,
                       NULL), 0);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        cr_assert_eq(config_load(&c, line, err, sizeof err), 0, "%s", err);
        round_trip(&c, line, 1);
        config_free(&c);
    }
    free(out);
}

Test(config, dump_round_trips_values_plain_ini_cannot_hold)
{
    static const char *vals[] = {";starts with a semicolon", "a ;b", " leading", "trailing ",
                                 "\"quoted\"", "tab\there", "new\nline", "back\\slash;",
                                 "\x01\x7f", ""};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        config c;
        config_defaults(&c);
        free(c.mapping.digital);
        c.mapping.digital = xstrdup(vals[i]);
        round_trip(&c, vals[i], 0);
        config_free(&c);
    }
    /* A value longer than a line: split over continuation lines. */
    config c;
    config_defaults(&c);
    char *list = xstrdup("");
    for (int l = 0; l < 12; l++)
        for (int k = 0; k < 4; k++) {
            static const char *kind[] = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};
            char *n = xasprintf("%s%sh%d.%s", list, *list ? "," : "", l, kind[k]);
            free(list);
            list = n;
        }
    free(c.mapping.digital);
    c.mapping.digital = list;
    cr_assert_gt(strlen(list), 600);
    round_trip(&c, "a 48-name list", 1);
    config_free(&c);
}
