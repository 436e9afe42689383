/* test_cli.c -- the aimcsim program: subcommands, exit statuses, messages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/ofile.h"
#include "sim/util.h"
#include "tests/testutil.h"

static int run(const char *args, char **out, char **err)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s", tu_prog(), args);
    return tu_sh(cmd, out, err);
}

Test(cli, version_and_help)
{
    char *out, *err;
    cr_expect_eq(run("--version", &out, &err), 0);
    cr_expect(strncmp(out, "aimcsim ", 8) == 0, "%s", out);
    free(out); free(err);
    cr_expect_eq(run("--help", &out, &err), 0);
    cr_expect(strstr(out, "params"));
    free(out); free(err);
    cr_expect_eq(run("", &out, &err), 2);
    free(out); free(err);
    cr_expect_eq(run("frobnicate", &out, &err), 2);
    cr_expect_str_eq(err, "aimcsim: unknown subcommand 'frobnicate' (see aimcsim --help)\n");
    free(out); free(err);
}

Test(cli, params_lists_every_parameter)
{
    char *out, *err;
    cr_assert_eq(run("params", &out, &err), 0);
    const param_desc *p = config_params();
    for (int i = 0; i < PARAM_COUNT; i++) {
        char line[256];
        snprintf(line, sizeof line, "  %s.%s ", p[i].section, p[i].key);
        const char *at = strstr(out, line);
        cr_expect(at, "%s.%s missing from aimcsim params", p[i].section, p[i].key);
        if (at && *p[i].help) /* its help follows on the next line */
            cr_expect(strstr(at, p[i].help), "%s.%s: help missing", p[i].section, p[i].key);
    }
    cr_expect(strstr(out, "systemc|native"));
    free(out); free(err);
}

Test(cli, misspelled_key_fails_with_file_and_line)
{
    char *path = tu_tmpfile(".ini", "[adc]\ncount = 8\nbitz = 4\n");
    char args[600], *out, *err, want[700];
    snprintf(args, sizeof args, "run %s", path);
    cr_expect_eq(run(args, &out, &err), 2);
    snprintf(want, sizeof want, "%s:3: [adc] bitz = 4: unknown key", path);
    cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
    cr_expect_str_eq(out, "");
    free(out); free(err);
    snprintf(args, sizeof args, "run %s --set adc.count=zero", path);
    unlink(path);
    free(path);
    path = tu_tmpfile(".ini", "[adc]\ncount = 8\n");
    snprintf(args, sizeof args, "map %s --set adc.count=zero", path);
    cr_expect_eq(run(args, &out, &err), 2);
    cr_expect_str_eq(err, "--set adc.count=zero: [adc] count = zero: not an integer\n");
    free(out); free(err);
    unlink(path);
    free(path);
}

/* An empty output name is bad input, reported before anything runs
 * (ofile_mkdirs used to read, and could write, past the 1-byte string). */
Test(cli, empty_output_names_are_refused)
{
    char *out, *err;
    cr_expect_eq(run("run tests/golden/tiny.ini --out ''", &out, &err), 2);
    cr_expect_str_eq(err, "aimcsim run: --out needs a value (got an empty string)\n");
    free(out); free(err);
    cr_expect_eq(run("exec tests/golden/tiny.ini tests/data/streams/example.cmd --out ''", &out,
                     &err), 2);
    cr_expect_str_eq(err, "aimcsim exec: --out needs a value (got an empty string)\n");
    free(out); free(err);
    cr_expect_eq(run("schedule tests/golden/tiny.ini -o ''", &out, &err), 2);
    cr_expect_str_eq(err, "aimcsim schedule: -o needs a value (got an empty string)\n");
    free(out); free(err);
    cr_expect_eq(run("map tests/golden/tiny.ini --csv ''", &out, &err), 2);
    cr_expect_str_eq(err, "aimcsim map: --csv needs a value (got an empty string)\n");
    free(out); free(err);
    cr_expect_eq(run("sweep tests/golden/tiny.ini --vary adc.count=4,8 --out ''", &out, &err), 2);
    cr_expect_str_eq(err, "aimcsim sweep: --out needs a value (got an empty string) (see aimcsim "
                          "help sweep)\n");
    free(out); free(err);
    char e[ERR_LEN];
    cr_expect_eq(ofile_mkdirs("", e, sizeof e), -1);
    cr_expect_str_eq(e, "cannot create a directory with an empty name");
}

/* Every input error is located at its file and line or its --set argument,
 * and `aimcsim map` refuses what `aimcsim run` would (these were found only
 * after mapping, by run alone, some without a location or blamed on the
 * config file for a --set value). */
Test(cli, errors_after_mapping_are_located_and_map_applies_them)
{
    static const struct { const char *sets, *msg; } cases[] = {
        {"--set cluster.count=0",
         "--set cluster.count=0: [cluster] count = 0: the scheduler needs a digital cluster "
         "(LayerNorm, attention, reductions run there)\n"},
        {"--set dram.channels=0 --set sram.banks=0",
         "--set dram.channels=0: [dram] channels = 0: KV cache: 768 bytes, the SRAM holds 0 "
         "of them and the chip has no DRAM channel\n"},
        {"--set dram.channels=0 --set sram.bank_bytes=4096",
         "--set dram.channels=0: [dram] channels = 0: embedding tables: 10240 bytes fit no "
         "SRAM bank and the chip has no DRAM channel\n"},
        {"--set noc.width=3 --set noc.height=3",
         "--set noc.height=3: [noc] height = 3: mesh 3 x 3 has 9 nodes, the chip needs 72 "
         "(3 tile nodes, 4 clusters, 64 SRAM banks, 1 DRAM channels)\n"},
        {"--set run.prompt_tokens=40",
         "--set run.prompt_tokens=40: [run] prompt_tokens = 40: prompt_tokens + decode_tokens = "
         "41 exceeds the model's context of 32 tokens\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int sub = 0; sub < 2; sub++) {
            char args[512], *out, *err;
            snprintf(args, sizeof args, "%s tests/golden/tiny.ini %s --quiet",
                     sub ? "map" : "run", cases[i].sets);
            if (sub) /* map has no --quiet */
                args[strlen(args) - strlen(" --quiet")] = 0;
            cr_expect_eq(run(args, &out, &err), 2, "%s", args);
            cr_expect_str_eq(err, cases[i].msg, "%s", args);
            free(out); free(err);
        }
    /* In the file: its line; overridden by --set: the argument. */
    char *path = tu_tmpfile(".ini", "[model]\npreset = bert-large\n[cluster]\ncount = 0\n");
    char args[700], want[800], *out, *err;
    snprintf(args, sizeof args, "map %s", path);
    cr_expect_eq(run(args, &out, &err), 2);
    snprintf(want, sizeof want, "%s:4: [cluster] count = 0: the scheduler needs a digital "
             "cluster (LayerNorm, attention, reductions run there)\n", path);
    cr_expect_str_eq(err, want);
    free(out); free(err);
    snprintf(args, sizeof args, "map %s --set cluster.count=2 --set run.decode_tokens=1", path);
    cr_expect_eq(run(args, &out, &err), 2);
    cr_expect_str_eq(err, "--set run.decode_tokens=1: [run] decode_tokens = 1: a bidirectional "
                          "model (bert-large) has no decode phase\n");
    free(out); free(err);
    unlink(path);
    free(path);
}
