/*
 * test_cli_help.c -- command-line conventions: `--opt value` and
 * `--opt=value`, configurations found by name, the help of every option
 * of every subcommand, the man page, the date in stats.json.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_mkdtemp("cli");
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(cli_help, .init = setup, .fini = teardown, .timeout = 60);

static int run(const char *args, char **out, char **err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s", tu_prog(), args);
    return tu_sh(cmd, out, err);
}

static const char *short_run = "--set run.prompt_tokens=2 --set run.decode_tokens=1 "
                               "--set run.kernel=native --quiet";

/* The same run written with both forms gives the same files. */
Test(cli_help, option_value_forms_are_equivalent)
{
    char args[4096], *out, *err;
    snprintf(args, sizeof args, "run tests/golden/tiny.ini %s --set adc.count=8 --out %s/a",
             short_run, dir);
    cr_assert_eq(run(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args,
             "run tests/golden/tiny.ini --set=run.prompt_tokens=2 --set=run.decode_tokens=1 "
             "--set=run.kernel=native --quiet --set=adc.count=8 --out=%s/b", dir);
    cr_assert_eq(run(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "cmp %s/a/stats.csv %s/b/stats.csv", dir, dir);
    cr_expect_eq(tu_sh(args, NULL, NULL), 0, "the two forms differ");
    char d[1024];
    snprintf(d, sizeof d, "%s/b", dir);
    cr_expect_float_eq(tu_stat(d, "chip.adcs"), 8 * tu_stat(d, "chip.tiles"), 0,
                       "--set=adc.count=8 was applied");
    /* a value given to a flag is refused */
    cr_expect_eq(run("run tests/golden/tiny.ini --quiet=yes", &out, &err), 2);
    cr_expect_str_eq(err, "aimcsim run: --quiet takes no value (see aimcsim help run)\n");
    free(out); free(err);
    /* sweep and schedule take the form too */
    snprintf(args, sizeof args, "schedule tests/golden/tiny.ini -o=%s/s.cmd", dir);
    cr_expect_eq(run(args, &out, &err), 2, "-o is a short option: no '=' form");
    free(out); free(err);
    snprintf(args, sizeof args,
             "sweep tests/golden/tiny.ini --vary=adc.count=8,16 --set=run.prompt_tokens=1 "
             "--set=run.decode_tokens=0 --jobs=2 --out=%s/sw --quiet", dir);
    cr_expect_eq(run(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "test $(wc -l < %s/sw/sweep.csv) -eq 3", dir);
    cr_expect_eq(tu_sh(args, NULL, NULL), 0, "two points and a header");
}

/* A CONFIG that is not a file is looked up by name, from any folder: the
 * build's program finds the tree's configs/ (installed: PREFIX/share). */
Test(cli_help, configs_found_by_name)
{
    char cmd[4096], *out, *err;
    snprintf(cmd, sizeof cmd, "cd %s && %s area hermes-core", dir, tu_prog());
    if (tu_prog()[0] != '/') /* a relative program path: from the tree's top */
        snprintf(cmd, sizeof cmd, "cd %s && %s/%s area hermes-core", dir,
                 getenv("PWD") ? getenv("PWD") : ".", tu_prog());
    cr_assert_eq(tu_sh(cmd, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "chip: 1 array of 256 x 256"), "%s", out);
    free(out); free(err);
    /* experiments too, with or without .ini */
    cr_expect_eq(run("map gpt2-small-densemap.ini --compare", &out, &err), 0, "%s", err);
    free(out); free(err);
    /* an unknown name lists what there is */
    cr_expect_eq(run("run no-such-design", &out, &err), 2);
    cr_expect(strstr(err, "aimcsim run: no-such-design: no such file, and no preset of that "
                          "name (presets: analog-fabric-512, bert-large-densemap,"),
              "%s", err);
    cr_expect(strstr(err, "hermes-core"), "%s", err);
    free(out); free(err);
    /* a path is a path: never looked up */
    cr_expect_eq(run("run ./hermes-core", &out, &err), 2);
    cr_expect(strstr(err, "./hermes-core: cannot open"), "%s", err);
    free(out); free(err);
}

/* Every option of a subcommand's usage line is explained in its help. */
Test(cli_help, every_option_explained)
{
    char *list, *err;
    cr_assert_eq(run("--help", &list, &err), 0);
    free(err);
    int subs = 0, opts = 0;
    char *save1, *save2;
    for (char *line = strtok_r(list, "\n", &save1); line; line = strtok_r(NULL, "\n", &save1)) {
        char name[64];
        if (strncmp(line, "  ", 2) || line[2] == ' ' || sscanf(line, "%63s", name) != 1)
            continue;
        char args[128], *out;
        snprintf(args, sizeof args, "help %s", name);
        cr_assert_eq(run(args, &out, &err), 0, "%s", args);
        free(err);
        subs++;
        /* the usage line's options, each a row of the options table */
        char *usage_end = strchr(out, '\n');
        cr_assert_not_null(usage_end);
        *usage_end = 0;
        char *body = usage_end + 1;
        cr_expect(strstr(body, "\noutput: "), "%s: where output goes", name);
        for (char *tok = strtok_r(out, " ", &save2); tok; tok = strtok_r(NULL, " ", &save2)) {
            tok += strspn(tok, "[");
            if (tok[0] != '-' || !(tok[1] == '-' || (tok[1] >= 'a' && tok[1] <= 'z')))
                continue;
            char opt[64];
            snprintf(opt, sizeof opt, "\n  %.*s", (int)strcspn(tok, "]|"), tok);
            cr_expect(strstr(body, opt), "aimcsim help %s: option %s not explained", name,
                      opt + 3);
            opts++;
        }
        free(out);
    }
    cr_expect(subs >= 10, "%d subcommands", subs);
    cr_expect(opts >= 40, "%d options in the usage lines", opts);
    free(list);
}

/* The man page: roff from the same tables, every subcommand a section. */
Test(cli_help, man_page)
{
    char *out, *err;
    cr_assert_eq(run("help --man", &out, &err), 0);
    cr_expect(strncmp(out, ".\\\" Generated by", 16) == 0, "%.40s", out);
    cr_expect(strstr(out, "\n.TH AIMCSIM 1 "));
    const char *subs[] = {"run", "map", "adc", "area", "schedule", "exec", "sweep", "profile",
                          "params", "help", "version"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n.SS %s\n", subs[i]);
        cr_expect(strstr(out, want), "no section for %s", subs[i]);
    }
    cr_expect(strstr(out, "\n.B \\-\\-emit\\-jobs \\fIFILE\\fR\n"), "sweep --emit-jobs");
    cr_expect(strstr(out, "\n.B \\-\\-force\n"), "sweep --force");
    free(out); free(err);
}

/* stats.json has the date only with --date ($SOURCE_DATE_EPOCH honoured). */
Test(cli_help, date_on_request)
{
    char args[4096], path[1024], *out, *err;
    snprintf(args, sizeof args, "run tests/golden/tiny.ini %s --out %s/n", short_run, dir);
    cr_assert_eq(run(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=86400 %s run tests/golden/tiny.ini %s --out "
                              "%s/d --date", tu_prog(), short_run, dir);
    cr_assert_eq(tu_sh(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(path, sizeof path, "%s/n/stats.json", dir);
    char *n = tu_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/d/stats.json", dir);
    char *d = tu_slurp(path, NULL);
    cr_assert(n && d);
    cr_expect(!strstr(n, "\"date\""), "no date without --date");
    cr_expect(strstr(d, "\n    \"date\": \"1970-01-02T00:00:00Z\",\n"), "%s", d);
    cr_expect(strstr(n, "\n    \"schema_version\": 1,\n"));
    cr_expect(strstr(n, "\n    \"revision\": \""));
    /* the resolved model: tiny.ini's custom dimensions */
    cr_expect(strstr(n, "\n  \"model\": {\"preset\": \"custom\", \"layers\": 2, \"d_model\": 64, "
                        "\"heads\": 2, \"d_ff\": 256, \"vocab\": 128, \"context_tokens\": 32,"),
              "%s", n);
    free(n);
    free(d);
}
