/* test_hetero.c -- the heterogeneous-mapping search (workloads/hetero.h,
 * tools/cli_hetero.c, docs/heterogeneous.md): the Pareto front by hand,
 * the candidate families on GPT-2 small with the shipped profile by hand,
 * budgets leaving candidates out; `aimcsim hetero` end to end on a
 * one-layer model: the front is non-dominated (checked here, apart from
 * the program), every row equals a single `aimcsim run` of its selection,
 * the choice under a sensitivity budget, errors; with --weights on a random
 * checkpoint of that model, every row's perplexity equals `aimcsim profile
 * --whole` of its selection, the all-digital candidate is noise-free, -j
 * and resuming change nothing, a job list merged measures the same, the
 * front over perplexity, the perplexity budget, the option errors; and
 * tools/plot_pareto.sh. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "workloads/fwd.h"
#include "workloads/hetero.h"
#include "workloads/llmc.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

static char err[ERR_LEN];

/* ---- the front ------------------------------------------------------------ */

Test(hetero, pareto_by_hand)
{
    /* (1,5) (2,3) (3,4) (4,1) (2,3) (NaN,0) (5,1): (3,4) is dominated by
     * (2,3); (5,1) by (4,1); the two (2,3) are both on the front; the NaN
     * row is never on it and dominates nothing, though its 0 is least. */
    double v[] = {1, 5, 2, 3, 3, 4, 4, 1, 2, 3, NAN, 0, 5, 1};
    uint8_t f[7];
    hetero_pareto(v, 7, 2, f);
    uint8_t want[7] = {1, 1, 0, 1, 1, 0, 0};
    for (int i = 0; i < 7; i++)
        cr_expect_eq(f[i], want[i], "row %d", i);
    /* three objectives: (1,1,9) and (9,9,1) stand; (2,2,9) is worse than
     * the first in all three; (1,1,9) twice: both stand */
    double w[] = {1, 1, 9, 9, 9, 1, 2, 2, 9, 1, 1, 9};
    uint8_t g[4];
    hetero_pareto(w, 4, 3, g);
    cr_expect(g[0] && g[1] && !g[2] && g[3]);
}

/* ---- the candidates --------------------------------------------------------- */

typedef struct gpt2 {
    config c;
    model m;
    transform t;
    double val[49];
    uint8_t forced[49];
} gpt2;

static void gpt2_init(gpt2 *g, const char *ini)
{
    config_defaults(&g->c);
    g->c.path = xstrdup("t.ini");
    cr_assert_eq(config_load_string(&g->c, "t.ini", ini, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_init(&g->m, &g->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(&g->t, &g->m, &g->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mapper_profile_load(&g->m, "configs/profiles/gpt2-small-lammie2026.txt",
                                     g->val, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mapper_digital_select(&g->m, &g->t, &g->c, NULL, g->forced, err, sizeof err),
                 0, "%s", err);
}

static void gpt2_free(gpt2 *g)
{
    transform_free(&g->t);
    model_free(&g->m);
    config_free(&g->c);
}

/* The shipped profile: h0.attn.c_proj 33.1, h1.mlp.c_fc 14.0,
 * h0.mlp.c_proj 12.8, h2.mlp.c_fc 11.8, h11.attn.c_proj 7.3, lm_head 6.4
 * (85.4 in all).  Per MAC (x 1e6; 589824 MACs for an attention output,
 * 2359296 for an MLP projection, 38597376 for the LM head): 56.1, 5.93,
 * 5.43, 5.00, 12.4, 0.166.  So top-k takes them in the order above and
 * greedy-k in the order h0.attn.c_proj, h11.attn.c_proj, h1.mlp.c_fc,
 * h0.mlp.c_proj, h2.mlp.c_fc, lm_head: greedy-1, -5 and -6 are top-1, -5
 * and -6. */
Test(hetero, candidates_gpt2_small_by_hand)
{
    gpt2 g;
    gpt2_init(&g, "");
    hetero_opts o = {HETERO_ALL, 0, 2};
    hetero_cand *c;
    uint32_t n, over;
    cr_assert_eq(hetero_candidates(&g.m, &g.t, &g.c, g.val, g.forced, &o, &c, &n, &over, err,
                                   sizeof err), 0, "%s", err);
    static const struct { const char *fam, *list; double sens; } want[] = {
        {"base", "", 85.4},
        {"top-1,greedy-1", "h0.attn.c_proj", 52.3},
        {"top-2", "h0.attn.c_proj,h1.mlp.c_fc", 38.3},
        {"top-3", "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc", 25.5},
        {"top-4", "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h2.mlp.c_fc", 13.7},
        {"top-5,greedy-5", "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h2.mlp.c_fc,"
                           "h11.attn.c_proj", 6.4},
        {"top-6,greedy-6", "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h2.mlp.c_fc,"
                           "h11.attn.c_proj,lm_head", 0},
        {"greedy-2", "h0.attn.c_proj,h11.attn.c_proj", 45.0},
        {"greedy-3", "h0.attn.c_proj,h1.mlp.c_fc,h11.attn.c_proj", 31.0},
        {"greedy-4", "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h11.attn.c_proj", 18.2},
        /* blocks 0 and 11 and the LM head: 85.4 - 33.1 - 12.8 - 7.3 - 6.4 */
        {"first-last-1", "h0.attn.c_attn,h0.attn.c_proj,h0.mlp.c_fc,h0.mlp.c_proj,"
                         "h11.attn.c_attn,h11.attn.c_proj,h11.mlp.c_fc,h11.mlp.c_proj,lm_head",
         25.8},
        /* blocks 0, 1, 10, 11: also h1.mlp.c_fc */
        {"first-last-2", NULL, 11.8},
    };
    cr_assert_eq(n, 12);
    cr_expect_eq(over, 0);
    for (uint32_t i = 0; i < n; i++) {
        cr_expect_str_eq(c[i].families, want[i].fam);
        if (want[i].list)
            cr_expect_str_eq(c[i].list, want[i].list, "%s", want[i].fam);
        cr_expect_float_eq(c[i].sens_analog, want[i].sens, 1e-9, "%s", want[i].fam);
    }
    cr_expect_eq(c[11].cost.n, 17);
    /* top-4: the letter's dominant four, 7667712 of 123532032 MACs */
    cr_expect_eq(c[4].cost.macs, 7667712ULL);
    cr_expect_eq(c[4].cost.macs_all, 123532032ULL);
    hetero_cands_free(c, n);

    /* --max-k 2, one family */
    o = (hetero_opts){HETERO_GREEDY, 2, 0};
    cr_assert_eq(hetero_candidates(&g.m, &g.t, &g.c, g.val, g.forced, &o, &c, &n, &over, err,
                                   sizeof err), 0);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(c[2].list, "h0.attn.c_proj,h11.attn.c_proj");
    hetero_cands_free(c, n);
    gpt2_free(&g);
}

/* Forced projections are in every candidate; budgets leave candidates out
 * (each set once). */
Test(hetero, forced_and_budgets)
{
    gpt2 g;
    gpt2_init(&g, "[mapping]\ndigital = h5.mlp.*\n");
    hetero_opts o = {HETERO_TOPK, 1, 0};
    hetero_cand *c;
    uint32_t n, over;
    cr_assert_eq(hetero_candidates(&g.m, &g.t, &g.c, g.val, g.forced, &o, &c, &n, &over, err,
                                   sizeof err), 0);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(c[0].list, "h5.mlp.c_fc,h5.mlp.c_proj");
    cr_expect_str_eq(c[1].list, "h0.attn.c_proj,h5.mlp.c_fc,h5.mlp.c_proj");
    hetero_cands_free(c, n);
    gpt2_free(&g);
    /* 5% of the MACs: top-4 (6.21%), top-5 (6.68%), top-6 and both
     * first-last (42.7%, 54.2%) are out: 5 sets, counted once each */
    gpt2_init(&g, "[mapping]\ndigital_mac_share_max = 0.05\n");
    o = (hetero_opts){HETERO_ALL, 0, 2};
    cr_assert_eq(hetero_candidates(&g.m, &g.t, &g.c, g.val, g.forced, &o, &c, &n, &over, err,
                                   sizeof err), 0);
    cr_expect_eq(n, 7);
    cr_expect_eq(over, 5);
    for (uint32_t i = 0; i < n; i++)
        cr_expect_leq(c[i].cost.macs, 0.05 * 123532032.0, "%s", c[i].families);
    hetero_cands_free(c, n);
    gpt2_free(&g);
}

/* ---- aimcsim hetero ----------------------------------------------------------- */

/* One layer, d_model 64, Monarch with 8 blocks of 8: c_attn 3 x 1024
 * MACs, c_proj 1024, c_fc and mlp.c_proj 4 x 1024, the LM head 64 x 128
 * = 8192 (dense). */
static const char tiny_ini[] =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 128\ncontext_tokens = 16\n[transform]\nkind = monarch\n"
    "[run]\nprompt_tokens = 2\ndecode_tokens = 1\n";
/* Values per MAC (x 1e3): c_proj 4.88, c_fc 0.732, c_attn 0.651, LM head
 * 0.488; top-k order: c_proj 5, lm_head 4, c_fc 3, c_attn 2. */
static const char tiny_prof[] =
    "# test profile\nh0.attn.c_attn 2\nh0.attn.c_proj 5\nh0.mlp.c_fc 3\nlm_head 4\n";


static char *fresh(void)
{
    char *d = tu_mkdtemp("hetero");
    free(tu_write(d, "tiny.ini", tiny_ini));
    free(tu_write(d, "prof.txt", tiny_prof));
    return d;
}

static char *slurpf(const char *fmt, const char *a)
{
    char path[2048];
    snprintf(path, sizeof path, fmt, a);
    return tu_slurp(path, NULL);
}

Test(hetero_cli, pareto_non_dominated_and_rows_equal_single_runs)
{
    char *d = fresh(), *out, *e;
    int rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt -j2 --no-plot "
                 "--max-sensitivity 6 --out %s/h", tu_prog(), d, d, d);
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    char *text = slurpf("%s/h/pareto.csv", d);
    cr_assert_not_null(text);
    tu_csv t;
    tu_csv_parse(&t, text);
    free(text);
    int cfam = tu_csv_col(&t, "families"), clist = tu_csv_col(&t, "digital"),
        cst = tu_csv_col(&t, "status"), csens = tu_csv_col(&t, "sensitivity_analog"),
        ctot = tu_csv_col(&t, "run.total_ps"), cpar = tu_csv_col(&t, "pareto"),
        cch = tu_csv_col(&t, "chosen");
    cr_assert(cfam >= 0 && clist >= 0 && cst >= 0 && csens >= 0 && ctot >= 0 && cpar >= 0 &&
              cch >= 0);
    /* The candidates by hand (sensitivity: 14 - what goes digital):
     * greedy order c_proj, c_fc, c_attn, lm_head; first-last-1: all. */
    static const struct { const char *fam; double sens; } want[] = {
        {"base", 14}, {"top-1,greedy-1", 9}, {"top-2", 5}, {"top-3", 2},
        {"top-4,greedy-4", 0}, {"greedy-2", 6}, {"greedy-3", 4}, {"first-last-1", 0}};
    cr_assert_eq(t.nrows, 9);
    for (int r = 1; r < t.nrows; r++) {
        cr_expect_str_eq(t.f[r][cst], "ok");
        cr_expect_str_eq(t.f[r][cfam], want[r - 1].fam);
        cr_expect_float_eq(strtod(t.f[r][csens], NULL), want[r - 1].sens, 1e-9);
    }
    cr_expect_str_eq(t.f[8][clist],
                     "h0.attn.c_attn,h0.attn.c_proj,h0.mlp.c_fc,h0.mlp.c_proj,lm_head");
    /* Non-dominated in (sensitivity left, total latency), checked here
     * apart from the program: a row is flagged iff no other row is no
     * worse in both and better in one. */
    for (int r = 1; r < t.nrows; r++) {
        double s = strtod(t.f[r][csens], NULL), l = strtod(t.f[r][ctot], NULL);
        int dominated = 0;
        for (int q = 1; q < t.nrows; q++) {
            double s2 = strtod(t.f[q][csens], NULL), l2 = strtod(t.f[q][ctot], NULL);
            if (s2 <= s && l2 <= l && (s2 < s || l2 < l))
                dominated = 1;
        }
        cr_expect_eq(atoi(t.f[r][cpar]), !dominated, "%s", t.f[r][cfam]);
    }
    /* The choice: the least total latency among sensitivity <= 6. */
    int best = -1;
    for (int r = 1; r < t.nrows; r++)
        if (strtod(t.f[r][csens], NULL) <= 6 &&
            (best < 0 || strtod(t.f[r][ctot], NULL) < strtod(t.f[best][ctot], NULL)))
            best = r;
    cr_assert(best > 0);
    for (int r = 1; r < t.nrows; r++)
        cr_expect_eq(atoi(t.f[r][cch]), r == best, "%s", t.f[r][cfam]);
    char line[1024];
    snprintf(line, sizeof line, "  --set mapping.digital=%s\n", t.f[best][clist]);
    cr_expect(strstr(out, line), "%s", out);
    free(out);
    /* Each row equals the single run of its selection. */
    static const char *const stat[] = {"map.arrays", "run.ttft_ps", "run.tpot_ps",
                                       "run.total_ps", "energy.total_pj", "area.total_um2"};
    for (int r = 1; r < t.nrows; r++) {
        cr_assert_eq(tu_shf(NULL, &e, "%s run %s/tiny.ini --set 'mapping.digital=%s' --out "
                         "%s/one --quiet", tu_prog(), d, t.f[r][clist], d), 0, "%s", e);
        free(e);
        char *st = slurpf("%s/one/stats.csv", d);
        cr_assert_not_null(st);
        for (size_t k = 0; k < sizeof stat / sizeof stat[0]; k++) {
            char *v = tu_stat_text(st, stat[k]);
            cr_assert_not_null(v, "%s", stat[k]);
            cr_expect_str_eq(t.f[r][tu_csv_col(&t, stat[k])], v, "%s %s", t.f[r][cfam],
                             stat[k]);
            free(v);
        }
        free(st);
    }
    tu_csv_free(&t);
    /* Again: every point done before, the same pareto.csv. */
    char *before = slurpf("%s/h/pareto.csv", d);
    cr_assert_eq(tu_shf(&out, NULL, "%s hetero %s/tiny.ini --profile %s/prof.txt --no-plot "
                     "--max-sensitivity 6 --out %s/h", tu_prog(), d, d, d), 0);
    cr_expect(strstr(out, "8 ok (8 done before)"), "%s", out);
    free(out);
    char *after = slurpf("%s/h/pareto.csv", d);
    cr_expect_str_eq(after, before);
    free(before);
    free(after);
    tu_rmtree(d);
    free(d);
}

Test(hetero_cli, forced_budget_and_errors)
{
    char *d = fresh(), *out, *e;
    /* forced LM head (value 4); a budget of 8192 weight bytes: with the LM
     * head's 8192 one-byte weights nothing more fits, so of base, top-1..3
     * (greedy gives the same sets) and first-last-1 only the base stands,
     * leaving 14 - 4 = 10 on analog */
    int rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --no-plot --set "
                 "model.lm_head=digital --set mapping.digital_weight_bytes_max=8192 --out %s/h",
                 tu_prog(), d, d, d);
    cr_expect_eq(rc, 0, "%s", e);
    cr_expect(strstr(out, "hetero: 1 candidate (") && strstr(out, "; 4 over the budgets left out"),
              "%s", out);
    free(out);
    free(e);
    char *text = slurpf("%s/h/pareto.csv", d);
    cr_expect(text && strstr(text, ",ok,base,lm_head,1,10,"), "%s", text);
    free(text);
    /* the configuration selects by profile itself */
    free(tu_write(d, "p.ini", "[mapping]\ndigital_profile = prof.txt\ndigital_top_k = 1\n"));
    rc = tu_shf(NULL, &e, "%s hetero %s/p.ini --profile %s/prof.txt --no-plot --out %s/x",
             tu_prog(), d, d, d);
    cr_expect_eq(rc, 2);
    char want[2048];
    snprintf(want, sizeof want, "%s/p.ini:2: [mapping] digital_profile = prof.txt: aimcsim "
             "hetero chooses the digital projections itself, from --profile: leave "
             "digital_profile and its rules out of the configuration ([mapping] digital stays "
             "digital in every candidate)\n", d);
    cr_expect_str_eq(e, want);
    free(e);
    rc = tu_shf(NULL, &e, "%s hetero %s/tiny.ini --no-plot", tu_prog(), d);
    cr_expect_eq(rc, 2);
    cr_expect_str_eq(e, "aimcsim hetero: missing --profile FILE (the sensitivity profile that "
                        "ranks the projections) (see aimcsim help hetero)\n");
    free(e);
    free(tu_write(d, "bad.txt", "h0.attn.c_proj 5\nh0.mlp.c_fc three\n"));
    rc = tu_shf(NULL, &e, "%s hetero %s/tiny.ini --profile %s/bad.txt --no-plot", tu_prog(), d, d);
    cr_expect_eq(rc, 2);
    snprintf(want, sizeof want, "%s/bad.txt:2: h0.mlp.c_fc: 'three' is not a number (expected a decimal number such as 2.5 or 1e-3)\n", d);
    cr_expect_str_eq(e, want);
    free(e);
    rc = tu_shf(NULL, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --families top-k,best",
             tu_prog(), d, d);
    cr_expect_eq(rc, 2);
    cr_expect(strstr(e, "--families top-k,best: expected a comma list of top-k, greedy, "
                        "first-last"), "%s", e);
    free(e);
    /* no candidate within the sensitivity budget: exit 1, said why */
    rc = tu_shf(NULL, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --no-plot --quiet "
             "--max-sensitivity -1 --out %s/h2", tu_prog(), d, d, d);
    cr_expect_eq(rc, 1);
    cr_expect_str_eq(e, "aimcsim hetero: no candidate leaves at most -1 on analog\n");
    free(e);
    tu_rmtree(d);
    free(d);
}


Test(hetero_cli, plot_png_and_svg)
{
    if (tu_shf(NULL, NULL, "command -v gnuplot") != 0)
        cr_skip_test("gnuplot not found (tools/deps.sh installs gnuplot-nox)");
    char *d = fresh(), *e;
    /* hetero draws it itself (the script beside the program) ... */
    cr_assert_eq(tu_shf(NULL, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --quiet "
                     "--max-sensitivity 6 --out %s/h", tu_prog(), d, d, d), 0, "%s", e);
    free(e);
    char p[2048];
    snprintf(p, sizeof p, "%s/h/pareto.png", d);
    cr_expect(tu_png_ok(p), "%s", p);
    char *svg = slurpf("%s/h/pareto.svg", d);
    cr_expect(svg && strstr(svg, "<svg") && strstr(svg, "chosen"), "%s", p);
    free(svg);
    /* ... and by hand, with another latency */
    cr_expect_eq(tu_shf(NULL, &e, "LATENCY=run.tpot_ps sh tools/plot_pareto.sh %s/h/pareto.csv "
                     "%s/fig/p", d, d), 0, "%s", e);
    free(e);
    snprintf(p, sizeof p, "%s/fig/p.png", d);
    cr_expect(tu_png_ok(p), "%s", p);
    cr_expect_eq(tu_shf(NULL, &e, "sh tools/plot_pareto.sh %s/h/sweep.csv %s/fig/bad", d, d), 2);
    cr_expect(strstr(e, "plot_pareto.sh: ") && strstr(e, ": no column \"sensitivity_analog\""),
              "%s", e);
    free(e);
    tu_rmtree(d);
    free(d);
}

/* ---- aimcsim hetero --weights: each candidate's perplexity ------------------ */

/* The tiny model's checkpoint (random weights; vocabulary 128, not
 * padded) and 40 tokens, in d: within each context of 16, token k + 1 is
 * the dense checkpoint's most likely next token (the library's forward
 * pass), the first 1; so the noise-free model predicts them well and the
 * analog noise can only be seen to cost.  The window is --len 32 in
 * sequences of 16. */
static void tiny_llmc(const char *d)
{
    char *wp = tu_llmc_model(d, "w.bin", 1, 64, 2, 128, 128, 16, 20260326ULL);
    cr_assert_not_null(wp);
    llmc_model w;
    cr_assert_eq(llmc_model_load(&w, wp, err, sizeof err), 0, "%s", err);
    fwd_ws ws;
    fwd_ws_init(&ws, &w, 16);
    unsigned short tok[40] = {1};
    for (int k = 0; k + 1 < 40; k++) {
        int c0 = k / 16 * 16, len = k - c0 + 1;
        cr_assert_eq(fwd_pass(&ws, NULL, NULL, tok + c0, (uint32_t)len, 0, fwd_proj_dense, &w),
                     0);
        const float *lg = ws.logits + (size_t)(len - 1) * 128;
        int best = 0;
        for (int v = 1; v < 128; v++)
            if (lg[v] > lg[best])
                best = v;
        tok[k + 1] = (unsigned short)best;
    }
    fwd_ws_free(&ws);
    llmc_model_free(&w);
    free(wp);
    free(tu_llmc_tokens(d, "t.bin", tok, 40));
}

/* The three fields of `aimcsim profile --whole --csv` for mapping.digital
 * = list: ppl_mean, ppl_sd, ppl_clean (caller frees each). */
static void profile_whole(const char *d, const char *list, char **v)
{
    char *e;
    cr_assert_eq(tu_shf(NULL, &e, "%s profile %s/tiny.ini --weights %s/w.bin --tokens "
                     "%s/t.bin --len 32 --whole --set 'mapping.digital=%s' --csv %s/one.csv "
                     "--quiet", tu_prog(), d, d, d, list, d), 0, "%s", e);
    free(e);
    char *text = slurpf("%s/one.csv", d);
    cr_assert_not_null(text);
    tu_csv t;
    tu_csv_parse(&t, text);
    free(text);
    cr_assert_eq(t.nrows, 2);
    static const char *const col[] = {"ppl_mean", "ppl_sd", "ppl_clean"};
    for (int k = 0; k < 3; k++) {
        int c = tu_csv_col(&t, col[k]);
        cr_assert(c >= 0, "%s", col[k]);
        v[k] = xstrdup(t.f[1][c]);
    }
    tu_csv_free(&t);
}

Test(hetero_cli, ppl_rows_equal_profile_whole)
{
    char *d = fresh(), *out, *e;
    tiny_llmc(d);
    int rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                    "--tokens %s/t.bin --len 32 -j3 --no-plot --out %s/h", tu_prog(), d, d, d,
                    d, d);
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    cr_expect(strstr(out, "hetero: perplexity of 8 candidates measured, 0 from ppl.txt; "),
              "%s", out);
    free(out);
    char *text = slurpf("%s/h/pareto.csv", d);
    cr_assert_not_null(text);
    cr_expect(strstr(text, ",area.total_um2,ppl,ppl_sd,ppl_noise_free,pareto,chosen,error\n"),
              "%s", text);
    tu_csv t;
    tu_csv_parse(&t, text);
    int cfam = tu_csv_col(&t, "families"), clist = tu_csv_col(&t, "digital");
    const int cp[3] = {tu_csv_col(&t, "ppl"), tu_csv_col(&t, "ppl_sd"),
                       tu_csv_col(&t, "ppl_noise_free")};
    cr_assert(cp[0] >= 0 && cp[1] >= 0 && cp[2] >= 0);
    cr_assert_eq(t.nrows, 9);
    /* Each row: the numbers `aimcsim profile --whole` prints for its
     * selection, to the digit. */
    for (int r = 1; r < t.nrows; r++) {
        char *v[3];
        profile_whole(d, t.f[r][clist], v);
        for (int k = 0; k < 3; k++) {
            cr_expect_str_eq(t.f[r][cp[k]], v[k], "%s column %d", t.f[r][cfam], k);
            free(v[k]);
        }
    }
    /* The noise-free model is one for all; analog projections move the
     * base's perplexity off it; first-last-1 makes every projection
     * digital: no noise is left, its perplexity is the noise-free one,
     * the same for every draw, so its sd is 0. */
    for (int r = 2; r < t.nrows; r++)
        cr_expect_str_eq(t.f[r][cp[2]], t.f[1][cp[2]]);
    cr_expect_str_eq(t.f[1][cfam], "base");
    cr_expect_gt(strtod(t.f[1][cp[0]], NULL), 1.5 * strtod(t.f[1][cp[2]], NULL),
                 "every projection analog: the noise costs");
    cr_expect_gt(strtod(t.f[1][cp[1]], NULL), 0.0);
    cr_expect_str_eq(t.f[8][cfam], "first-last-1");
    cr_expect_str_eq(t.f[8][cp[0]], t.f[8][cp[2]]);
    cr_expect_str_eq(t.f[8][cp[1]], "0");
    tu_csv_free(&t);

    /* The same on one thread (and again, resumed: every perplexity read
     * back from its point's ppl.txt): pareto.csv byte for byte. */
    rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                "--tokens %s/t.bin --len 32 -j1 --no-plot --out %s/h1", tu_prog(), d, d, d, d,
                d);
    cr_assert_eq(rc, 0, "%s", e);
    free(out);
    free(e);
    char *one = slurpf("%s/h1/pareto.csv", d);
    cr_expect_str_eq(one, text);
    free(one);
    rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                "--tokens %s/t.bin --len 32 --no-plot --out %s/h", tu_prog(), d, d, d, d, d);
    cr_assert_eq(rc, 0, "%s", e);
    cr_expect(strstr(out, "hetero: perplexity of 0 candidates measured, 8 from ppl.txt; "),
              "%s", out);
    free(out);
    free(e);
    char *again = slurpf("%s/h/pareto.csv", d);
    cr_expect_str_eq(again, text);
    free(again);
    /* Another window is measured again, not read back. */
    rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                "--tokens %s/t.bin --len 16 --no-plot --out %s/h", tu_prog(), d, d, d, d, d);
    cr_assert_eq(rc, 0, "%s", e);
    cr_expect(strstr(out, "hetero: perplexity of 8 candidates measured, 0 from ppl.txt; "),
              "%s", out);
    free(out);
    free(e);
    free(text);
    tu_rmtree(d);
    free(d);
}

/* Without --weights, pareto.csv keeps its columns. */
Test(hetero_cli, no_weights_no_ppl_columns)
{
    char *d = fresh(), *e;
    cr_assert_eq(tu_shf(NULL, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --no-plot "
                     "--quiet --out %s/h", tu_prog(), d, d, d), 0, "%s", e);
    free(e);
    char *text = slurpf("%s/h/pareto.csv", d);
    static const char hdr[] = "point,status,families,digital,n_digital,sensitivity_analog,"
                              "digital_mac_share,digital_macs_per_token,digital_weight_bytes,"
                              "map.arrays,run.ttft_ps,run.tpot_ps,run.total_ps,energy.total_pj,"
                              "area.total_um2,pareto,chosen,error\n";
    cr_expect(text && !strncmp(text, hdr, strlen(hdr)), "%s", text);
    free(text);
    tu_rmtree(d);
    free(d);
}

/* --accuracy ppl: the front is over (perplexity, latency); --max-ppl
 * chooses within a perplexity budget. */
Test(hetero_cli, accuracy_ppl_front_and_budget)
{
    char *d = fresh(), *out, *e;
    tiny_llmc(d);
    int rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                    "--tokens %s/t.bin --len 32 --no-plot --out %s/h --accuracy ppl",
                    tu_prog(), d, d, d, d, d);
    cr_assert_eq(rc, 0, "%s", e);
    cr_expect(strstr(out, "(* non-dominated in perplexity and total latency)"), "%s", out);
    free(out);
    free(e);
    char *text = slurpf("%s/h/pareto.csv", d);
    cr_assert_not_null(text);
    tu_csv t;
    tu_csv_parse(&t, text);
    free(text);
    int cppl = tu_csv_col(&t, "ppl"), ctot = tu_csv_col(&t, "run.total_ps"),
        cpar = tu_csv_col(&t, "pareto"), cfam = tu_csv_col(&t, "families"),
        clist = tu_csv_col(&t, "digital");
    cr_assert(cppl >= 0 && ctot >= 0 && cpar >= 0);
    int nfront = 0;
    for (int r = 1; r < t.nrows; r++) {
        double s = strtod(t.f[r][cppl], NULL), l = strtod(t.f[r][ctot], NULL);
        int dominated = 0;
        for (int q = 1; q < t.nrows; q++) {
            double s2 = strtod(t.f[q][cppl], NULL), l2 = strtod(t.f[q][ctot], NULL);
            if (s2 <= s && l2 <= l && (s2 < s || l2 < l))
                dominated = 1;
        }
        cr_expect_eq(atoi(t.f[r][cpar]), !dominated, "%s", t.f[r][cfam]);
        nfront += !dominated;
    }
    cr_expect_gt(nfront, 0);
    /* The budget: between the fourth and fifth perplexities; the choice is
     * the least total latency among the rows within it. */
    double p[8];
    for (int r = 1; r < t.nrows; r++)
        p[r - 1] = strtod(t.f[r][cppl], NULL);
    for (int i = 1; i < 8; i++)
        for (int j = i; j > 0 && p[j - 1] > p[j]; j--) {
            double x = p[j];
            p[j] = p[j - 1];
            p[j - 1] = x;
        }
    cr_assert_lt(p[3] * (1 + 1e-5), p[4]);
    double budget = (p[3] + p[4]) / 2;
    int best = -1;
    for (int r = 1; r < t.nrows; r++)
        if (strtod(t.f[r][cppl], NULL) <= budget &&
            (best < 0 || strtod(t.f[r][ctot], NULL) < strtod(t.f[best][ctot], NULL)))
            best = r;
    cr_assert(best > 0);
    rc = tu_shf(&out, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                "--tokens %s/t.bin --len 32 --no-plot --out %s/h --max-ppl %.17g", tu_prog(),
                d, d, d, d, d, budget);
    cr_assert_eq(rc, 0, "%s", e);
    char line[1024];
    snprintf(line, sizeof line, "  --set mapping.digital=%s\n", t.f[best][clist]);
    cr_expect(strstr(out, line), "%s", out);
    free(out);
    free(e);
    tu_csv_free(&t);
    /* below every candidate's perplexity: exit 1, said why */
    rc = tu_shf(NULL, &e, "%s hetero %s/tiny.ini --profile %s/prof.txt --weights %s/w.bin "
                "--tokens %s/t.bin --len 32 --no-plot --quiet --out %s/h --max-ppl 1",
                tu_prog(), d, d, d, d, d);
    cr_expect_eq(rc, 1);
    cr_expect_str_eq(e, "aimcsim hetero: no candidate has a perplexity of at most 1\n");
    free(e);
    tu_rmtree(d);
    free(d);
}

Test(hetero_cli, ppl_option_errors)
{
    char *d = fresh(), *e;
    tiny_llmc(d);
    char base[2048];
    snprintf(base, sizeof base, "%s hetero %s/tiny.ini --profile %s/prof.txt --no-plot --out "
             "%s/x", tu_prog(), d, d, d);
    static const struct { const char *args, *msg; } bad[] = {
        {"--weights W --tokens T --len x", "--len x: not a non-negative integer"},
        {"--weights W --tokens T --start -1", "--start -1: not a non-negative integer"},
        {"--weights W --tokens T --context", "--context needs a value"},
        {"--weights W --tokens T --accuracy kl", "--accuracy kl: expected sensitivity or ppl"},
        {"--weights W --tokens T --max-ppl lots", "--max-ppl lots: expected a number"},
        {"--weights W", "--weights FILE without --tokens FILE: the perplexities need both the "
                        "checkpoint and the token file"},
        {"--tokens T", "--tokens FILE without --weights FILE: the perplexities need both the "
                       "checkpoint and the token file"},
        {"--len 8", "--start, --len and --context choose the window of the perplexities: they "
                    "need --weights FILE and --tokens FILE"},
        {"--accuracy ppl", "--accuracy ppl needs --weights FILE and --tokens FILE (the "
                           "perplexity is measured)"},
        {"--max-ppl 10", "--max-ppl needs --weights FILE and --tokens FILE (the perplexity is "
                         "measured)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out;
        cr_expect_eq(tu_shf(&out, &e, "%s %s", base, bad[i].args), 2, "%s", bad[i].args);
        char want[1024];
        snprintf(want, sizeof want, "aimcsim hetero: %s (see aimcsim help hetero)\n",
                 bad[i].msg);
        cr_expect_str_eq(e, want);
        cr_expect_str_eq(out, "");
        free(out);
        free(e);
    }
    /* a missing checkpoint: located, exit 2, before anything runs */
    cr_expect_eq(tu_shf(NULL, &e, "%s --weights %s/none.bin --tokens %s/t.bin", base, d, d), 2);
    char want[2048];
    snprintf(want, sizeof want, "%s/none.bin: cannot open: No such file or directory\n", d);
    cr_expect_str_eq(e, want);
    free(e);
    /* a window beyond the token file */
    cr_expect_eq(tu_shf(NULL, &e, "%s --weights %s/w.bin --tokens %s/t.bin --len 100", base, d,
                        d), 2);
    snprintf(want, sizeof want, "%s/t.bin: 40 tokens: the window of 100 positions from token 0 "
             "needs 101\n", d);
    cr_expect_str_eq(e, want);
    free(e);
    char x[2048];
    snprintf(x, sizeof x, "%s/x", d);
    cr_expect_neq(access(x, F_OK), 0, "nothing ran");
    tu_rmtree(d);
    free(d);
}

/* --emit-jobs checks the files and runs nothing; the --merge command it
 * prints carries the options and measures: the pareto.csv of a local
 * run. */
Test(hetero_cli, ppl_emit_jobs_then_merge)
{
    char *d = fresh(), *out, *e;
    tiny_llmc(d);
    char opts[2048];
    snprintf(opts, sizeof opts, "%s/tiny.ini --profile %s/prof.txt --weights %s/w.bin --tokens "
             "%s/t.bin --len 32 --no-plot", d, d, d, d);
    cr_assert_eq(tu_shf(NULL, &e, "%s hetero %s --out %s/local --quiet", tu_prog(), opts, d), 0,
                 "%s", e);
    free(e);
    cr_assert_eq(tu_shf(&out, &e, "%s hetero %s --out %s/h --emit-jobs %s/jobs.txt", tu_prog(),
                        opts, d, d), 0, "%s", e);
    cr_expect(!strstr(out, "perplexity of"), "%s", out);
    char want[4096];
    snprintf(want, sizeof want, "then merge: aimcsim hetero %s --merge %s/h\n", opts, d);
    cr_expect(strstr(out, want), "%s\nwanted: %s", out, want);
    free(out);
    free(e);
    cr_assert_eq(tu_shf(NULL, &e, "sh %s/jobs.txt", d), 0, "%s", e);
    free(e);
    cr_assert_eq(tu_shf(&out, &e, "%s hetero %s --merge %s/h", tu_prog(), opts, d), 0, "%s", e);
    cr_expect(strstr(out, "hetero: perplexity of 8 candidates measured, 0 from ppl.txt; "),
              "%s", out);
    free(out);
    free(e);
    char *local = slurpf("%s/local/pareto.csv", d), *merged = slurpf("%s/h/pareto.csv", d);
    cr_expect(local && strstr(local, ",ppl,"));
    cr_expect_str_eq(merged, local);
    free(local);
    free(merged);
    tu_rmtree(d);
    free(d);
}
