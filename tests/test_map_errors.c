/*
 * test_map_errors.c -- bad mapping input, exact messages: an unknown
 * strategy (the message lists the valid ones), bad profile lines, unknown
 * projection names and patterns, the selection's rules and budgets,
 * parameter conflicts; and `aimcsim map` end to end:
 * the comparison table for GPT-2 medium, CSV and JSON files, exit statuses.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "workloads/mapper.h"
#include "workloads/model.h"

static char err[ERR_LEN];

/* Loads INI text as "t.ini" on the defaults and checks it (tests/testutil.h). */
static int load(config *c, const char *text) { return tu_config(c, text, err, sizeof err); }

static void expect_error(const char *text, const char *msg)
{
    config c;
    cr_expect_neq(load(&c, text), 0, "accepted: %s", text);
    cr_expect_str_eq(err, msg);
    config_free(&c);
}

Test(map_errors, unknown_strategy_lists_valid)
{
    cr_expect_null(mapper_lookup("diagonal", err, sizeof err));
    cr_expect_str_eq(err, "unknown mapping strategy 'diagonal' (valid: linear, sparsemap, "
                          "densemap)");
    expect_error("[mapping]\nstrategy = diagonal\n",
                 "t.ini:2: [mapping] strategy = diagonal: must be one of "
                 "linear|sparsemap|densemap");
}

Test(map_errors, unknown_projection_in_digital)
{
    expect_error("[mapping]\ndigital = h0.attn.c_attn,h12.mlp.c_fc\n",
                 "t.ini:2: [mapping] digital = h0.attn.c_attn,h12.mlp.c_fc: unknown projection "
                 "'h12.mlp.c_fc' (gpt2-small has h0..h11 .attn.c_attn .attn.c_proj .mlp.c_fc "
                 ".mlp.c_proj, lm_head; or a pattern such as h0.*, a kind such as mlp.c_fc, "
                 "all)");
    expect_error("[model]\nlm_head = none\n[mapping]\ndigital = lm_head\n",
                 "t.ini:4: [mapping] digital = lm_head: unknown projection 'lm_head' "
                 "(gpt2-small has h0..h11 .attn.c_attn .attn.c_proj .mlp.c_fc .mlp.c_proj; or a "
                 "pattern such as h0.*, a kind such as mlp.c_fc, all)");
    expect_error("[mapping]\ndigital = h0.attn.c_attn,,lm_head\n",
                 "t.ini:2: [mapping] digital = h0.attn.c_attn,,lm_head: empty name in the list "
                 "(expected name,name,...)");
    expect_error("[mapping]\ndigital = lm_head,lm_head\n",
                 "t.ini:2: [mapping] digital = lm_head,lm_head: lm_head listed twice");
    expect_error("[mapping]\ndigital = h0.*,h12.*\n",
                 "t.ini:2: [mapping] digital = h0.*,h12.*: pattern 'h12.*' matches no projection "
                 "(gpt2-small has h0..h11 .attn.c_attn .attn.c_proj .mlp.c_fc .mlp.c_proj, "
                 "lm_head)");
    expect_error("[mapping]\ndigital = *.attn.c_proj,h0.*,*.attn.c_proj\n",
                 "t.ini:2: [mapping] digital = *.attn.c_proj,h0.*,*.attn.c_proj: *.attn.c_proj "
                 "listed twice");
    /* overlapping patterns are one selection: 12 + 4 - 1 */
    config c;
    cr_expect_eq(load(&c, "[mapping]\ndigital = *.attn.c_proj, h0.*\n"), 0, "%s", err);
    config_free(&c);
}

/* The rules of the selection and the budgets, each refused with its place. */
Test(map_errors, selection_rules_and_budgets)
{
    expect_error("[mapping]\ndigital_top_k = 4\n",
                 "t.ini:2: [mapping] digital_top_k = 4: needs [mapping] digital_profile (the k "
                 "highest values of the profile run digital)");
    expect_error("[mapping]\ndigital_arrays_saved_min = 100\n",
                 "t.ini:2: [mapping] digital_arrays_saved_min = 100: needs [mapping] "
                 "digital_profile (projections are taken in order of their value until the "
                 "target is reached)");
    /* lm_head: 768 x 50257 = 38597376 of 123532032 MACs per token, 31.24% */
    expect_error("[mapping]\ndigital = lm_head\ndigital_mac_share_max = 0.3\n",
                 "t.ini:3: [mapping] digital_mac_share_max = 0.3: the projections listed in "
                 "[mapping] digital (or [model] lm_head = digital) take 31.24% of the MACs "
                 "(38597376 of 123532032 per token)");
    /* h0.*: 768 x (2304 + 768 + 3072) + 3072 x 768 = 7077888 one-byte weights */
    expect_error("[mapping]\ndigital = h0.*\ndigital_weight_bytes_max = 7077887\n",
                 "t.ini:3: [mapping] digital_weight_bytes_max = 7077887: the projections listed "
                 "in [mapping] digital (or [model] lm_head = digital) hold 7077888 bytes of "
                 "weights");
    config c;
    cr_expect_eq(load(&c, "[mapping]\ndigital = h0.*\ndigital_weight_bytes_max = 7077888\n"),
                 0, "%s", err);
    config_free(&c);
}

Test(map_errors, bad_profile_lines)
{
    const char *th = "digital_threshold = 3\n";
    char ini[512];
    struct { const char *file, *msg; } cases[] = {
        {"tests/data/profile_bad_fields.txt",
         "tests/data/profile_bad_fields.txt:4: expected 'projection value', got "
         "'h0.attn.c_proj'"},
        {"tests/data/profile_bad_number.txt",
         "tests/data/profile_bad_number.txt:2: h0.attn.c_proj: '3.1x' is not a number "
         "(expected a decimal number such as 2.5 or 1e-3)"},
        {"tests/data/profile_unknown.txt",
         "tests/data/profile_unknown.txt:2: unknown projection 'h12.mlp.c_fc' (gpt2-small "
         "has h0..h11 .attn.c_attn .attn.c_proj .mlp.c_fc .mlp.c_proj, lm_head)"},
        {"tests/data/profile_twice.txt",
         "tests/data/profile_twice.txt:3: h0.attn.c_attn given twice (first at line 1)"},
        {"tests/data/no_such_profile.txt",
         "t.ini:2: [mapping] digital_profile = tests/data/no_such_profile.txt: cannot open "
         "tests/data/no_such_profile.txt: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(ini, sizeof ini, "[mapping]\ndigital_profile = %s\n%s", cases[i].file, th);
        expect_error(ini, cases[i].msg);
    }
    expect_error("[mapping]\ndigital_profile = tests/data/gpt2_small_sensitivity.txt\n",
                 "t.ini:2: [mapping] digital_profile = tests/data/gpt2_small_sensitivity.txt: "
                 "needs a rule: [mapping] digital_threshold (projections above it run digital), "
                 "digital_top_k, a budget or digital_arrays_saved_min");
    expect_error("[mapping]\ndigital_threshold = 2.5\n",
                 "t.ini:2: [mapping] digital_threshold = 2.5: needs [mapping] digital_profile");
}

/* Profiles as strict as their grammar: decimal numbers only, text only, a
 * file that cannot be read is an error (never an early end of file). */
Test(map_errors, profile_reader_is_strict)
{
    model m;
    config c;
    cr_assert_eq(load(&c, ""), 0, "%s", err);
    cr_assert_eq(model_init(&m, &c, err, sizeof err), 0, "%s", err);
    double v[64];
    struct { const char *text; size_t n; const char *msg; } cases[] = {
        {"h0.attn.c_attn 0x10\n", 0,
         ":1: h0.attn.c_attn: '0x10' is not a number (expected a decimal number such as 2.5 "
         "or 1e-3)"},
        {"h0.attn.c_attn 1.5\nh0.attn.c_proj 0x1p3\n", 0,
         ":2: h0.attn.c_proj: '0x1p3' is not a number (expected a decimal number such as 2.5 "
         "or 1e-3)"},
        {"h0.attn.c_attn inf\n", 0,
         ":1: h0.attn.c_attn: 'inf' is not a number (expected a decimal number such as 2.5 "
         "or 1e-3)"},
        {"h0.attn.c_attn 1e999\n", 0,
         ":1: h0.attn.c_attn: '1e999' is not a number (expected a decimal number such as 2.5 "
         "or 1e-3)"},
        {"h0.attn.c_attn 1.\n", 0, NULL},
        {"h0.attn.c_attn .5e-3\n", 0, NULL},
        {"h0.attn.c_attn 2e\n", 0,
         ":1: h0.attn.c_attn: '2e' is not a number (expected a decimal number such as 2.5 "
         "or 1e-3)"},
        {"# x\nh0.attn.c_attn 1\nh0.attn.c_proj\0 2\n", 36, ":3: NUL byte (expected text)"},
        {"h0.attn.c_attn\v1\n", 0, ":1: control character 0x0b (expected text)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tu_tmpfile(".txt", "");
        FILE *f = fopen(path, "wb");
        fwrite(cases[i].text, 1, cases[i].n ? cases[i].n : strlen(cases[i].text), f);
        fclose(f);
        int rc = mapper_profile_load(&m, path, v, err, sizeof err);
        if (!cases[i].msg) {
            cr_expect_eq(rc, 0, "%s: %s", cases[i].text, err);
        } else {
            char *want = xasprintf("%s%s", path, cases[i].msg);
            cr_expect_eq(rc, -1, "accepted: %s", cases[i].text);
            cr_expect_str_eq(err, want);
            free(want);
        }
        unlink(path);
        free(path);
    }
    cr_expect_eq(mapper_profile_load(&m, "tests", v, err, sizeof err), -1);
    cr_expect_str_eq(err, "tests: cannot read: Is a directory");
    cr_expect_eq(mapper_profile_load(&m, "/dev/zero", v, err, sizeof err), -1);
    cr_expect_str_eq(err, "/dev/zero:1: NUL byte (expected text)");
    model_free(&m);
    config_free(&c);
    /* Through the configuration: located at the parameter. */
    expect_error("[mapping]\ndigital_profile = tests/data\ndigital_threshold = 1\n",
                 "t.ini:2: [mapping] digital_profile = tests/data: cannot open tests/data: Is a "
                 "directory");
}

Test(map_errors, parameter_conflicts)
{
    expect_error("[mapping]\nstrategy = densemap\n",
                 "t.ini:2: [mapping] strategy = densemap: needs [transform] kind = monarch "
                 "(densemap places the blocks of block-diagonal factors)");
    expect_error("[transform]\nkind = monarch\nnblocks = 2\n[mapping]\nstrategy = sparsemap\n",
                 "t.ini:5: [mapping] strategy = sparsemap: block size b = 384 does not fit a "
                 "256 x 256 array (sparsemap places whole blocks; use more blocks, larger "
                 "arrays, or linear)");
    expect_error("[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\n"
                 "densemap_rows = 33\n",
                 "t.ini:5: [mapping] densemap_rows = 33: exceeds the block size b = 32 (a "
                 "column would sum rows of two blocks)");
    /* b = 768 / 3 = 256: one block per 256 x 256 array */
    expect_error("[transform]\nkind = monarch\nnblocks = 3\n[mapping]\nstrategy = densemap\n"
                 "densemap_pack = input\n",
                 "t.ini:6: [mapping] densemap_pack = input: a 256 x 256 array holds one block of "
                 "b = 256 per row (input sharing puts the blocks that read one input side by "
                 "side in a row; use more blocks, wider arrays, or greedy)");
    /* b = 96: floor(128 / 96) = 1 row slot, floor(256 / 96) = 2 column slots */
    expect_error("[tile]\nrows = 128\n[transform]\nkind = monarch\nnblocks = 8\n[mapping]\n"
                 "strategy = densemap\ndensemap_pack = output\n",
                 "t.ini:8: [mapping] densemap_pack = output: a 128 x 256 array holds one block "
                 "of b = 96 per column (output sharing stacks the blocks added into one output "
                 "in a column; use more blocks, taller arrays, or greedy)");
    expect_error("[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 64\n"
                 "vocab = 10\ncontext_tokens = 8\n[transform]\nkind = monarch\n[mapping]\n"
                 "strategy = densemap\ndensemap_pack = output\n",
                 "t.ini:13: [mapping] densemap_pack = output: no stage of custom adds two blocks "
                 "into one output (output sharing needs a wide Monarch stack: mlp.c_proj with "
                 "d_ff >= 2 d_model)");
    /* ... the same packings are fine where they can apply, and ignored
     * by the other strategies */
    config c;
    cr_expect_eq(load(&c, "[tile]\nrows = 128\n[transform]\nkind = monarch\nnblocks = 8\n"
                          "[mapping]\nstrategy = densemap\ndensemap_pack = input\n"), 0, "%s", err);
    config_free(&c);
    cr_expect_eq(load(&c, "[transform]\nkind = monarch\nnblocks = 3\n[mapping]\n"
                          "strategy = sparsemap\ndensemap_pack = input\n"), 0, "%s", err);
    config_free(&c);
    expect_error("[tile]\nweight_bits = 8\ncell_bits = 1\ncols = 4\n[adc]\ncount = 4\n",
                 "t.ini:4: [tile] cols = 4: narrower than one weight (8 columns: weight_bits 8 "
                 "/ cell_bits 1)");
    expect_error("[lora]\nrank = 8\ntargets = attn.c_attn,q_proj\n",
                 "t.ini:3: [lora] targets = attn.c_attn,q_proj: unknown projection kind "
                 "'q_proj' (valid: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj, lm_head, "
                 "all)");
}

/* ---- aimcsim map -------------------------------------------------------- */

static int run(const char *args, char **out, char **errout)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s map %s", tu_prog(), args);
    return tu_sh(cmd, out, errout);
}

/* The "done when": the comparison for GPT-2 medium. */
Test(map_errors, cli_compare_gpt2_medium)
{
    char *ini = tu_tmpfile(".ini", "[model]\npreset = gpt2-medium\n");
    char args[512], *out, *e;
    snprintf(args, sizeof args, "%s", ini);
    cr_assert_eq(run(args, &out, &e), 0, "%s", e);
    cr_expect_str_empty(e);
    cr_expect(strstr(out, "*dense     linear     -             5396") != NULL, "%s", out);
    cr_expect(strstr(out, "monarch    sparsemap  -             3092") != NULL, "%s", out);
    cr_expect(strstr(out, "monarch    densemap   factor        1124") != NULL, "%s", out);
    cr_expect(strstr(out, "monarch    densemap   model         1076") != NULL, "%s", out);
    cr_expect(strstr(out, "total        97") != NULL, "%s", out);
    free(out);
    free(e);
    snprintf(args, sizeof args, "%s --compare --set model.lm_head=none", ini);
    cr_assert_eq(run(args, &out, &e), 0, "%s", e);
    cr_expect_null(strstr(out, "total"));
    cr_expect(strstr(out, "monarch    sparsemap  -             2304   12.5") != NULL, "%s", out);
    cr_expect(strstr(out, "monarch    densemap   model          288  100.0") != NULL, "%s", out);
    free(out);
    free(e);
    remove(ini);
    free(ini);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(map_errors, cli_per_projection_csv_json)
{
    char *ini = tu_tmpfile(".ini", "[model]\npreset = gpt2-small\n[transform]\nkind = monarch\n"
                                   "[mapping]\nstrategy = densemap\n");
    char *csv = tu_tmpfile(".csv", ""), *json = tu_tmpfile(".json", "");
    char args[1024], *out, *e;
    snprintf(args, sizeof args, "%s --per-projection --csv %s --json %s", ini, csv, json);
    cr_assert_eq(run(args, &out, &e), 0, "%s", e);
    cr_expect(strstr(out, "h11.mlp.c_proj") != NULL);
    char *c = tu_slurp(csv, NULL), *j = tu_slurp(json, NULL);
    cr_assert_not_null(c);
    cr_assert_not_null(j);
    cr_expect_eq(count_lines(c), 1 + 49 + 1);
    cr_expect(!strncmp(c, "projection,layer,kind,in,out,exec,lora,arrays,", 46), "%s", c);
    cr_expect(strstr(c, "\nh0.attn.c_attn,0,attn.c_attn,768,2304,analog,0,") != NULL);
    cr_expect(strstr(j, "\"compare\": [") != NULL);
    cr_expect(strstr(j, "\"strategy\": \"densemap\"") != NULL);
    cr_expect(strstr(j, "\"densemap_pack\": \"greedy\"") != NULL);
    cr_expect(strstr(out, "(share factor, pack greedy, 32 rows per activation)") != NULL, "%s",
              out);
    cr_expect_null(strstr(out, "packing "));
    cr_expect(strstr(j, "\"provenance\": {") != NULL);
    free(c);
    free(j);
    free(out);
    free(e);
    snprintf(args, sizeof args, "%s --compare --csv %s", ini, csv);
    cr_assert_eq(run(args, &out, &e), 0, "%s", e);
    c = tu_slurp(csv, NULL);
    cr_expect_eq(count_lines(c), 1 + 6);
    cr_expect(strstr(c, "\nmonarch,densemap,factor,1,") != NULL, "%s", c);
    free(c);
    free(out);
    free(e);
    remove(ini);
    remove(csv);
    remove(json);
    free(ini);
    free(csv);
    free(json);
}

/* A packing other than greedy is named and set against greedy (GPT-2
 * medium without LM head, b = 32, 256 x 256, factor; counts as in
 * map_counts/densemap_pack_gpt2_medium_stages: per layer, input saves 32
 * c_fc R and 11 c_attn R activations, output 96 mlp.c_proj L ones). */
Test(map_errors, cli_pack_against_greedy)
{
    char *ini = tu_tmpfile(".ini", "[model]\npreset = gpt2-medium\nlm_head = none\n"
                                   "[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\n");
    char args[1024], *out, *e;
    snprintf(args, sizeof args, "%s --set mapping.densemap_pack=output", ini);
    cr_assert_eq(run(args, &out, &e), 0, "%s", e);
    cr_expect(strstr(out, "(share factor, pack output, 32 rows per activation)") != NULL, "%s",
              out);
    /* 14400 - 24 x 96 = 12096 activations; 589824 - 24 x 96 x 32 conversions;
     * 24 x 1024 x 3 = 73728 reduction additions, all saved */
    cr_expect(strstr(out, "\npacking    output against greedy: acts/tok 12096 (greedy 14400, "
                          "-16.0%), convs/tok 516096 (greedy 589824, -12.5%), red.adds 0 "
                          "(greedy 73728, -100.0%), arrays 336 (greedy 336, +0.0%)\n") != NULL,
              "%s", out);
    cr_expect(strstr(out, "\ndensemap rows packed with [mapping] densemap_pack = output\n") !=
              NULL, "%s", out);
    free(out);
    free(e);
    snprintf(args, sizeof args, "%s --set mapping.densemap_pack=input", ini);
    cr_assert_eq(run(args, &out, &e), 0, "%s", e);
    cr_expect(strstr(out, "\npacking    input against greedy: acts/tok 13368 (greedy 14400, "
                          "-7.2%)") != NULL, "%s", out);
    free(out);
    free(e);
    remove(ini);
    free(ini);
}

Test(map_errors, cli_bad_input_exit_2)
{
    char *ini = tu_tmpfile(".ini", "[model]\npreset = gpt2-small\n");
    char args[1024], *out, *e, want[1024];
    snprintf(args, sizeof args, "%s --set chip.tiles=1000", ini);
    cr_expect_eq(run(args, &out, &e), 2);
    cr_expect_str_empty(out);
    cr_expect_str_eq(e, "--set chip.tiles=1000: [chip] tiles = 1000: the mapping needs 1887 "
                        "arrays (linear, gpt2-small), the chip has 1000 (raise it, set it to 0 "
                        "for as many as needed, or set [chip] reprogram = true)\n");
    free(out);
    free(e);
    snprintf(args, sizeof args, "%s --set transform.kind=monarch --set transform.nblocks=7", ini);
    cr_expect_eq(run(args, &out, &e), 2);
    snprintf(want, sizeof want, "--set transform.nblocks=7: [transform] nblocks = 7: does not "
             "divide d_model = 768 (a Monarch factor is d_model x d_model in nblocks blocks of "
             "d_model / nblocks; e.g. 24 or 32)\n");
    cr_expect_str_eq(e, want);
    free(out);
    free(e);
    snprintf(args, sizeof args, "%s --set mapping.strategy=diagonal", ini);
    cr_expect_eq(run(args, &out, &e), 2);
    cr_expect(strstr(e, "must be one of linear|sparsemap|densemap") != NULL, "%s", e);
    free(out);
    free(e);
    snprintf(args, sizeof args, "%s --set chip.tiles=1000 --set chip.reprogram=true", ini);
    cr_expect_eq(run(args, &out, &e), 0);
    cr_expect(strstr(out, "note: 1887 arrays on 1000 tiles") != NULL, "%s", out);
    free(out);
    free(e);
    remove(ini);
    free(ini);
}
