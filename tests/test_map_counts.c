/*
 * test_map_counts.c -- mapping counts against closed forms: Linear array
 * counts for GPT-2 small, SparseMap utilisation b / m, DenseMap utilisation
 * 100% when every slot is filled (and the b-not-dividing-m case), the
 * R/L diagonal pairing, the activations of each DenseMap packing by hand,
 * digital overlays and their MACs (the seed paper's 7.67 M and 37.9%),
 * profiles and thresholds, patterns, top k, budgets and the arrays target
 * with the shipped profile, LoRA MACs, and the registry.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tools/driver.h"
#include "sim/config.h"
#include "sim/util.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

static char err[ERR_LEN];

typedef struct fx {
    config c;
    model m;
    transform t;
    mapper mp;
} fx;

static void fx_build(fx *f, const char *ini)
{
    config_defaults(&f->c);
    f->c.path = xstrdup("t.ini");
    cr_assert_eq(config_load_string(&f->c, "t.ini", ini, err, sizeof err), 0, "%s", err);
    cr_assert_eq(driver_config_check(&f->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_init(&f->m, &f->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(transform_init(&f->t, &f->m, &f->c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mapper_build(&f->mp, &f->m, &f->t, &f->c, err, sizeof err), 0, "%s", err);
}

static void fx_free(fx *f)
{
    mapper_free(&f->mp);
    transform_free(&f->t);
    model_free(&f->m);
    config_free(&f->c);
}

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Sum over projections of ceil(in / 256) x ceil(out / 256): 1887. */
Test(map_counts, linear_gpt2_small_256)
{
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-small\n");
    uint64_t arrays = 0, conv = 0, adds = 0;
    for (uint32_t p = 0; p < f.m.nproj; p++) {
        const model_proj *pj = &f.m.proj[p];
        uint64_t a = cdiv(pj->in, 256) * cdiv(pj->out, 256);
        cr_expect_eq(f.mp.proj[p].sum.arrays, a, "%s", pj->name);
        cr_expect_eq(f.mp.proj[p].sum.acts, a, "%s", pj->name);
        arrays += a;
        conv += cdiv(pj->in, 256) * pj->out;
        adds += (cdiv(pj->in, 256) - 1) * pj->out;
    }
    cr_expect_eq(arrays, 12 * (3 * 9 + 3 * 3 + 3 * 12 + 12 * 3) + 3 * 197);
    cr_expect_eq(f.mp.narrays, arrays);
    cr_expect_eq(f.mp.narrays, 1887);
    cr_expect_eq(f.mp.total.acts, arrays);
    cr_expect_eq(f.mp.total.conversions, conv);
    cr_expect_eq(f.mp.total.reduce_adds, adds);
    cr_expect_eq(f.mp.total.nnz, 123532032ULL);
    cr_expect_float_eq(f.mp.total.util, 123532032.0 / (1887.0 * 65536), 1e-12);
    cr_expect_eq(f.mp.total.bits_max, 8);   /* [adc] bits */
    fx_free(&f);
}

/* 512 x 512 arrays: the LM head is 2 x 99 pieces. */
Test(map_counts, linear_gpt2_small_512)
{
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-small\n[tile]\nrows = 512\ncols = 512\n");
    cr_expect_eq(f.mp.narrays, 12 * (2 * 5 + 2 * 2 + 2 * 6 + 6 * 2) + 2 * 99);
    fx_free(&f);
}

/* n = 1024, b = 32, m = 256: 8 blocks per array, utilisation 32 / 256. */
Test(map_counts, sparsemap_utilisation_b_over_m)
{
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-medium\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = sparsemap\n");
    cr_expect_eq(f.t.b, 32);
    /* blocks per layer: (3 + 1 + 4 + 4) pieces x 2 factors x 32 */
    uint64_t blocks = 24ULL * 12 * 2 * 32;
    cr_expect_eq(f.mp.narrays, blocks / 8);
    cr_expect_float_eq(f.mp.total.util, 0.125, 1e-12);
    cr_expect_eq(f.mp.total.acts, blocks / 8);
    cr_expect_eq(f.mp.total.conversions, blocks / 8 * 256);
    for (uint32_t p = 0; p < f.m.nproj; p++)
        cr_expect_float_eq(f.mp.proj[p].sum.util, 0.125, 1e-12);
    fx_free(&f);
}

/* Every slot filled: 100%; 64 blocks of 32 x 32 per 256 x 256 array. */
Test(map_counts, densemap_full_when_m_multiple_of_b)
{
    static const char *share[] = {"model", "projection"};
    for (int s = 0; s < 2; s++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[model]\npreset = gpt2-medium\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = densemap\ndensemap_share = %s\n", share[s]);
        fx f;
        fx_build(&f, ini);
        uint64_t blocks = 24ULL * 12 * 2 * 32;
        cr_expect_eq(f.mp.narrays, blocks / 64, "%s", share[s]);
        cr_expect_float_eq(f.mp.total.util, 1.0, 1e-12, "%s", share[s]);
        double eq = 0;
        for (uint32_t p = 0; p < f.m.nproj; p++)
            eq += f.mp.proj[p].sum.arrays_eq;
        cr_expect_float_eq(eq, (double)f.mp.narrays, 1e-9);
        fx_free(&f);
    }
    /* factor: each stage rounds up on its own: c_attn 12 groups -> 2 arrays
     * per factor, c_proj 4 -> 1, c_fc and mlp.c_proj 16 -> 2. */
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-medium\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = densemap\n");
    cr_expect_eq(f.mp.narrays, 24 * (2 * 2 + 2 * 1 + 2 * 2 + 2 * 2));
    cr_expect_float_eq(f.mp.total.util, 288.0 / 336.0, 1e-12);
    fx_free(&f);
}

/* b = 40 (GPT-2 large, 32 blocks) on 256 x 256: floor(256 / 40) = 6 slots;
 * 36 blocks per full array, 16 rows and columns unused. */
Test(map_counts, densemap_b_not_dividing_m)
{
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-large\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = densemap\ndensemap_share = model\n");
    cr_assert_eq(f.t.b, 40);
    uint64_t blocks = 36ULL * 12 * 2 * 32;
    uint64_t groups = 36ULL * (2 * cdiv(3 * 32, 6) + 2 * cdiv(32, 6) + 4 * cdiv(4 * 32, 6));
    cr_expect_eq(f.mp.narrays, cdiv(groups, 6));
    cr_expect_float_eq(f.mp.total.util, (double)blocks * 1600 / ((double)f.mp.narrays * 65536),
                       1e-12);
    fx_free(&f);
    fx_build(&f, "[model]\npreset = gpt2-large\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = sparsemap\n");
    /* one array per group of 6; a stage's last group may be partial */
    cr_expect_eq(f.mp.narrays, groups);
    cr_expect_float_eq(f.mp.total.util, (double)blocks * 1600 / ((double)groups * 65536), 1e-12);
    cr_expect_float_eq(f.mp.proj[0].sum.util, 6.0 * 1600 / 65536, 1e-12);  /* 96 blocks */
    fx_free(&f);
}

/* With share = factor the g-th group of R takes diagonal -q mod T where
 * the g-th group of L takes q: cells (r, r - g) and (r, r + g) mod 8. */
Test(map_counts, densemap_rotation_cancels)
{
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-medium\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = densemap\n");
    const mapper_proj *o = &f.mp.proj[1];   /* h0.attn.c_proj: 32 blocks per factor */
    cr_assert_eq(o->stage[0].nplace, 32);
    for (uint32_t s = 0; s < 2; s++)
        for (uint32_t k = 0; k < 32; k++) {
            const mapper_place *pl = &o->stage[s].place[k];
            uint32_t g = k / 8, r = k % 8;
            uint32_t diag = s == 0 ? (8 - g) % 8 : g;
            cr_expect_eq(pl->row, r * 32);
            cr_expect_eq(pl->col, ((r + diag) % 8) * 32, "stage %u block %u", s, k);
            cr_expect_eq(pl->in_off, k * 32);
        }
    fx_free(&f);
}

/* The seed paper's dominant four (7.67 M MACs) and with block 11's
 * attention output and the LM head (37.9% of 123.5 M). */
Test(map_counts, digital_overlay_macs)
{
    fx f;
    fx_build(&f, "[mapping]\ndigital = h0.attn.c_proj, h1.mlp.c_fc,h0.mlp.c_proj,h2.mlp.c_fc\n");
    cr_expect_eq(f.mp.total.digital_macs, 589824ULL + 3 * 2359296ULL);
    cr_expect_eq(f.mp.total.digital_macs, 7667712ULL);
    cr_expect_eq(f.mp.proj[1].exec, MAPPER_DIGITAL);
    cr_expect_eq(f.mp.proj[1].sum.arrays, 0);
    cr_expect_eq(f.mp.narrays, 1887 - (9 + 36 + 36 + 36));
    fx_free(&f);
    fx_build(&f, "[model]\nlm_head = digital\n[mapping]\ndigital = h0.attn.c_proj,h1.mlp.c_fc,"
                 "h0.mlp.c_proj,h2.mlp.c_fc,h11.attn.c_proj\n");
    cr_expect_eq(f.mp.total.digital_macs, 7667712ULL + 589824 + 768ULL * 50257);
    cr_expect_float_eq((double)f.mp.total.digital_macs / 123532032.0, 0.379, 5e-4);
    cr_expect_eq(f.mp.narrays, 1887 - (9 + 36 + 36 + 36 + 9 + 591));
    fx_free(&f);
}

/* Threshold 7 selects the six reported projections above it but the LM
 * head (6.4); 6 adds it. */
Test(map_counts, profile_threshold)
{
    fx f;
    fx_build(&f, "[mapping]\ndigital_profile = tests/data/gpt2_small_sensitivity.txt\n"
                 "digital_threshold = 7\n");
    static const char *want[] = {"h0.attn.c_proj", "h0.mlp.c_proj", "h1.mlp.c_fc",
                                 "h2.mlp.c_fc", "h11.attn.c_proj"};
    uint32_t n = 0;
    for (uint32_t p = 0; p < f.m.nproj; p++)
        n += f.mp.proj[p].exec == MAPPER_DIGITAL;
    cr_expect_eq(n, 5);
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(f.mp.proj[model_find_proj(&f.m, want[i])].exec, MAPPER_DIGITAL, "%s",
                     want[i]);
    fx_free(&f);
    fx_build(&f, "[mapping]\ndigital_profile = tests/data/gpt2_small_sensitivity.txt\n"
                 "digital_threshold = 6\n");
    cr_expect_eq(f.mp.proj[48].exec, MAPPER_DIGITAL);
    cr_expect_eq(f.mp.total.digital_macs, 7667712ULL + 589824 + 768ULL * 50257);
    fx_free(&f);
}

/* The digital projections of a mapping, comma-joined in model order. */
static void digital_names(const fx *f, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (uint32_t p = 0; p < f->m.nproj; p++)
        if (f->mp.proj[p].exec == MAPPER_DIGITAL)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "",
                                     f->m.proj[p].name);
}

/* Selects with INI text (GPT-2 small, Linear, 256 x 256) and compares the
 * digital projections with want. */
static void expect_selection(const char *ini, const char *want)
{
    fx f;
    char got[4096];
    fx_build(&f, ini);
    digital_names(&f, got, sizeof got);
    cr_expect_str_eq(got, want, "%s", ini);
    fx_free(&f);
}

#define SHIPPED "[mapping]\ndigital_profile = configs/profiles/gpt2-small-lammie2026.txt\n"

/* Patterns, kinds and "all" (fnmatch: '*' also crosses dots, so h1*
 * names h1, h10 and h11). */
Test(map_counts, selection_patterns)
{
    expect_selection("[mapping]\ndigital = h0.*\n",
                     "h0.attn.c_attn,h0.attn.c_proj,h0.mlp.c_fc,h0.mlp.c_proj");
    char want[4096];
    size_t u = 0;
    for (int l = 0; l < 12; l++)
        u += (size_t)snprintf(want + u, sizeof want - u, "%sh%d.attn.c_proj", l ? "," : "", l);
    expect_selection("[mapping]\ndigital = *.attn.c_proj\n", want);
    expect_selection("[mapping]\ndigital = attn.c_proj\n", want);
    expect_selection("[mapping]\ndigital = h1?.mlp.c_fc, lm_head\n",
                     "h10.mlp.c_fc,h11.mlp.c_fc,lm_head");
    expect_selection("[mapping]\ndigital = h1*.attn.c_attn\n",
                     "h1.attn.c_attn,h10.attn.c_attn,h11.attn.c_attn");
    fx f;
    fx_build(&f, "[mapping]\ndigital = all\n");
    cr_expect_eq(f.mp.narrays, 0);
    cr_expect_eq(f.mp.total.digital_macs, 123532032ULL);
    fx_free(&f);
    /* h0.* and *.attn.c_proj overlap in h0.attn.c_proj: 4 + 12 - 1 = 15
     * projections; arrays 1887 - (27 + 9 + 36 + 36) - 11 x 9 = 1680 */
    fx_build(&f, "[mapping]\ndigital = h0.*, *.attn.c_proj\n");
    uint32_t n = 0;
    for (uint32_t p = 0; p < f.m.nproj; p++)
        n += f.mp.proj[p].exec == MAPPER_DIGITAL;
    cr_expect_eq(n, 15);
    cr_expect_eq(f.mp.narrays, 1680);
    fx_free(&f);
}

/* The shipped profile (Lammie 2026's six reported values) in order:
 * h0.attn.c_proj 33.1, h1.mlp.c_fc 14.0, h0.mlp.c_proj 12.8,
 * h2.mlp.c_fc 11.8, h11.attn.c_proj 7.3, lm_head 6.4; MACs per token
 * 589824 (768 x 768), 2359296 (768 x 3072) for the MLP ones, 38597376
 * (768 x 50257) for the LM head; 123532032 in all. */
Test(map_counts, selection_top_k)
{
    expect_selection(SHIPPED "digital_top_k = 1\n", "h0.attn.c_proj");
    expect_selection(SHIPPED "digital_top_k = 3\n", "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc");
    /* more than the profile lists: the six it lists */
    expect_selection(SHIPPED "digital_top_k = 40\n",
                     "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h2.mlp.c_fc,h11.attn.c_proj,"
                     "lm_head");
    /* both rules: the 3 highest, of those above 13 (12.8 is not) */
    expect_selection(SHIPPED "digital_top_k = 3\ndigital_threshold = 13\n",
                     "h0.attn.c_proj,h1.mlp.c_fc");
    /* listed ones come first and do not count among the k */
    expect_selection(SHIPPED "digital = h5.*\ndigital_top_k = 1\n",
                     "h0.attn.c_proj,h5.attn.c_attn,h5.attn.c_proj,h5.mlp.c_fc,h5.mlp.c_proj");
}

Test(map_counts, selection_budgets)
{
    /* MAC share 5% = 6176601.6 MACs: 589824 + 2359296 + 2359296 = 5308416
     * (4.30%); h2.mlp.c_fc would make 7667712 (6.21%): skipped; then
     * h11.attn.c_proj fits (5898240, 4.77%); the LM head does not. */
    expect_selection(SHIPPED "digital_mac_share_max = 0.05\n",
                     "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h11.attn.c_proj");
    /* 10%: all but the LM head (8257536 = 6.68%; with it 37.94%) */
    expect_selection(SHIPPED "digital_mac_share_max = 0.1\n",
                     "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h2.mlp.c_fc,h11.attn.c_proj");
    /* 4 MiB of one-byte weights: 589824 + 2359296 = 2949120; the next
     * MLP projection would make 5308416: skipped, twice; 589824 more
     * for h11.attn.c_proj: 3538944 */
    expect_selection(SHIPPED "digital_weight_bytes_max = 4194304\n",
                     "h0.attn.c_proj,h1.mlp.c_fc,h11.attn.c_proj");
    /* 16-bit weights: 2 bytes each, so 4 MiB holds 589824 x 2 + 589824 x 2 */
    expect_selection("[tile]\nweight_bits = 16\ncell_bits = 16\n" SHIPPED
                     "digital_weight_bytes_max = 4194304\n",
                     "h0.attn.c_proj,h11.attn.c_proj");
    /* a budget with the top k: the 2 highest that fit */
    expect_selection(SHIPPED "digital_top_k = 2\ndigital_mac_share_max = 0.01\n",
                     "h0.attn.c_proj,h11.attn.c_proj");
}

/* Arrays saved, 256 x 256 Linear: c_proj 3 x 3 = 9 arrays, c_fc and
 * mlp.c_proj 3 x 12 = 36, the LM head 3 x 197 = 591. */
Test(map_counts, selection_arrays_target)
{
    fx f;
    /* 9 + 36 = 45 < 50, + 36 = 81: three projections */
    fx_build(&f, SHIPPED "digital_arrays_saved_min = 50\n");
    cr_expect_eq(f.mp.narrays, 1887 - 81);
    fx_free(&f);
    expect_selection(SHIPPED "digital_arrays_saved_min = 45\n", "h0.attn.c_proj,h1.mlp.c_fc");
    /* with a MAC budget the LM head (591 arrays) is skipped: 9 + 36 x 3 + 9
     * = 126 arrays at most */
    expect_selection(SHIPPED "digital_arrays_saved_min = 126\ndigital_mac_share_max = 0.1\n",
                     "h0.attn.c_proj,h0.mlp.c_proj,h1.mlp.c_fc,h2.mlp.c_fc,h11.attn.c_proj");
    config c;
    config_defaults(&c);
    c.path = xstrdup("t.ini");
    cr_assert_eq(config_load_string(&c, "t.ini", SHIPPED "digital_arrays_saved_min = 127\n"
                                    "digital_mac_share_max = 0.1\n", err, sizeof err), 0);
    model m;
    transform t;
    mapper mp;
    cr_assert_eq(model_init(&m, &c, err, sizeof err), 0);
    cr_assert_eq(transform_init(&t, &m, &c, err, sizeof err), 0);
    cr_expect_eq(mapper_build(&mp, &m, &t, &c, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.ini:3: [mapping] digital_arrays_saved_min = 127: the selection "
                          "saves 126 of the 1887 arrays of the all-analog mapping; the "
                          "profile's rules and the budgets allow no more");
    transform_free(&t);
    model_free(&m);
    config_free(&c);
}

/* The proxies of a selection: the dominant four of the letter, 6.2%. */
Test(map_counts, selection_cost)
{
    fx f;
    fx_build(&f, "[mapping]\ndigital = h0.attn.c_proj,h1.mlp.c_fc,h0.mlp.c_proj,h2.mlp.c_fc\n");
    uint8_t dig[49];
    for (uint32_t p = 0; p < 49; p++)
        dig[p] = f.mp.proj[p].exec == MAPPER_DIGITAL;
    mapper_digital_cost k;
    mapper_digital_cost_of(&f.m, &f.t, dig, &k);
    cr_expect_eq(k.n, 4);
    cr_expect_eq(k.macs, 7667712ULL);
    cr_expect_eq(k.macs_all, 123532032ULL);
    cr_expect_eq(k.weight_bytes, 7667712ULL);
    fx_free(&f);
}

/* Relative to the config file's directory when given there. */
Test(map_counts, profile_path_resolution)
{
    config c;
    config_defaults(&c);
    c.path = xstrdup("configs/sub/x.ini");
    cr_assert_eq(config_load_string(&c, "configs/sub/x.ini",
                                    "[mapping]\ndigital_profile = p.txt\n", err, sizeof err), 0);
    char *p = mapper_profile_path(&c);
    cr_expect_str_eq(p, "configs/sub/p.txt");
    free(p);
    cr_assert_eq(config_set(&c, "mapping.digital_profile=q.txt", err, sizeof err), 0);
    p = mapper_profile_path(&c);
    cr_expect_str_eq(p, "q.txt");
    free(p);
    config_free(&c);
}

/* r (in + out) MACs per adapter and token. */
Test(map_counts, lora_macs)
{
    fx f;
    fx_build(&f, "[lora]\nrank = 8\n");
    cr_expect_eq(f.mp.total.lora_macs, 8ULL * 12 * ((768 + 2304) + (768 + 768) + 2 * (768 + 3072)));
    cr_expect_eq(f.mp.total.lora_params, f.mp.total.lora_macs);
    cr_expect_eq(f.mp.proj[48].sum.lora_macs, 0);
    fx_free(&f);
    fx_build(&f, "[lora]\nrank = 4\ntargets = lm_head, attn.c_proj\n");
    cr_expect_eq(f.mp.total.lora_macs, 4ULL * (768 + 50257) + 4ULL * 12 * (768 + 768));
    fx_free(&f);
    fx_build(&f, "[lora]\nrank = 2\ntargets = all\n");
    cr_expect_eq(f.mp.proj[48].sum.lora_macs, 2ULL * (768 + 50257));
    fx_free(&f);
}

/* Monarch parameters and FLOPs before and after, and per-token activity
 * of the mappings for GPT-2 medium at 256 x 256 (no LM head). */
Test(map_counts, monarch_params_flops_and_activity)
{
    fx f;
    fx_build(&f, "[model]\npreset = gpt2-medium\nlm_head = none\n[transform]\nkind = monarch\n"
                 "[mapping]\nstrategy = linear\n");
    uint64_t dense = 24ULL * 12 * 1024 * 1024, mon = 24ULL * 12 * 2 * 1024 * 32;
    cr_expect_eq(f.mp.total.params_dense, dense);
    cr_expect_eq(f.mp.total.params, mon);
    cr_expect_eq(f.mp.total.flops_dense, 2 * dense);
    cr_expect_eq(f.mp.total.flops, 2 * mon);
    cr_expect_eq(f.mp.total.perm_elems, 24ULL * 12 * 1024);
    /* densified factors: R of c_attn is 1024 x 3072, L 3072 x 3072, ... */
    uint64_t arrays = 24 * (4 * 12 + 12 * 12 + 4 * 4 * 2 + 4 * 16 + 16 * 16 + 16 * 16 + 16 * 4);
    cr_expect_eq(f.mp.narrays, arrays);
    fx_free(&f);
}

Test(map_counts, registry_matches_param)
{
    cr_assert_eq(mapper_count(), 3);
    for (size_t i = 0; i < mapper_count(); i++) {
        cr_expect_str_eq(mapper_get(i)->name, config_enum_name(PARAM_mapping_strategy, (int)i));
        cr_expect_eq(mapper_lookup(mapper_get(i)->name, err, sizeof err), mapper_get(i));
        cr_expect(strlen(mapper_get(i)->help) > 0);
    }
    cr_expect_null(mapper_get(3));
    for (int i = 0; i <= MAPPER_SHARE_MODEL; i++)
        cr_expect_str_eq(mapper_share_name(i), config_enum_name(PARAM_mapping_densemap_share, i));
    for (int i = 0; i <= MAPPER_PACK_OUTPUT; i++)
        cr_expect_str_eq(mapper_pack_name(i), config_enum_name(PARAM_mapping_densemap_pack, i));
}

/* Activations, conversions and reductions of each DenseMap packing, by
 * hand.  One layer, n = 32, nblocks 16 (b = 2), d_ff 128, no LM head, on
 * 8 x 8 arrays: 4 x 4 slots, 16 blocks per array, one block row per
 * activation (rho = b = 2).  Stages (blocks): c_attn R, L 48 each (3
 * pieces), c_proj R, L 16, c_fc R, L 64 (4 pieces), mlp.c_proj R, L 64
 * (4 pieces): every stage fills whole arrays (12, 4, 16 diagonals of 4),
 * 24 arrays, so every array holds one stage under every share mode.  In a
 * full array every row slot has a block in every column slot, so an
 * activation drives one row slot (one input) and converts the blocks of
 * that row that read it, or (output packing) converts one column slot and
 * drives the rows of the blocks added there.
 *
 * greedy: diagonal g holds blocks 4g .. 4g + 3, i.e. one piece's blocks
 *   k = 4 (g mod 4) + r at row slot r; an array holds one piece, whose
 *   blocks all read distinct inputs: every block is an activation,
 *   48 + 48 + 16 + 16 + 64 + 64 + 64 + 64 = 384.  mlp.c_proj L adds the 4
 *   pieces' blocks into each of its 32 outputs: 32 x 3 = 96 reduction
 *   additions.  Conversions: one block of 2 columns each, 768.
 * input: c_attn R sorted by input is Q0 K0 V0 Q1 K1 V1 ...; its D = 48 / 4
 *   = 12 diagonals are 3 arrays of 4; row slot 0 takes sorted blocks 0 ..
 *   3 in array 0, 4 .. 7 in array 1, 8 .. 11 in array 2, row slot 1 the
 *   next 12, ...: row slot r holds inputs 4r .. 4r + 3, 4 blocks of them
 *   per array: Q K V of 4r and Q of
 *   4r + 1 (array 0), K V of 4r + 1 and Q K of 4r + 2 (array 1), V of
 *   4r + 2 and Q K V of 4r + 3 (array 2): 2 inputs per row, 3 x 4 x 2 = 24
 *   activations instead of 48.  c_fc R: 4 arrays, row r of array a holds the
 *   4 pieces of input 4r + a: 1 activation per row, 4 x 4 = 16 instead of
 *   64.  384 - 24 - 48 = 312; conversions and reductions unchanged.
 * output: mlp.c_proj L sorted by output: the 4 pieces of output k in a
 *   row; 4 arrays whose column slots hold 4 blocks each: column slot c
 *   takes outputs 4c, 4c + 1, 4c + 2, 4c + 3 in arrays 0, 1, 2, 3, its 4
 *   pieces one per row slot: one activation per column, 4 x 4 = 16
 *   instead of 64, each adding 4 blocks of 2 rows (rows_summed 8: 3 bits);
 *   384 - 48 = 336 activations, 768 - 48 x 2 = 672 conversions, and every
 *   output of mlp.c_proj L gets one contribution: 0 reduction additions.
 * With rho = 1 every activation is two steps of one row per block: twice
 * the activations, and 4 rows summed (2 bits) under output.
 * GPT-2 medium at nblocks 16 (b = 64 on 256 x 256: 4 x 4 slots, 16 blocks
 * per piece, the same pieces) is this layer 24 times: with rho = 8 (8
 * steps), 24 x 8 x 384, 312, 336 activations. */
Test(map_counts, densemap_pack_by_hand)
{
    static const char *const pack[] = {"greedy", "input", "output"};
    static const char *const share[] = {"factor", "projection", "model"};
    /* per projection: c_attn, c_proj, c_fc, mlp.c_proj */
    static const uint64_t acts[3][4] = {{96, 32, 128, 128}, {72, 32, 80, 128},
                                        {96, 32, 128, 80}};
    static const uint64_t total[3] = {384, 312, 336}, conv[3] = {768, 768, 672};
    static const uint64_t adds[3] = {96, 96, 0};
    static const unsigned bits[3] = {1, 1, 3};
    for (int pk = 0; pk < 3; pk++)
        for (int sh = 0; sh < 3; sh++)
            for (int rho = 0; rho <= 1; rho++) {
                char ini[512];
                snprintf(ini, sizeof ini,
                         "[model]\npreset = custom\nlayers = 1\nd_model = 32\nheads = 2\n"
                         "d_ff = 128\nvocab = 10\ncontext_tokens = 8\nlm_head = none\n"
                         "[tile]\nrows = 8\ncols = 8\n[adc]\ncount = 1\nderive_bits = true\n"
                         "bits_min = 1\n[transform]\nkind = monarch\nnblocks = 16\n"
                         "[mapping]\nstrategy = densemap\ndensemap_pack = %s\n"
                         "densemap_share = %s\ndensemap_rows = %d\n", pack[pk], share[sh], rho);
                fx f;
                fx_build(&f, ini);
                uint64_t k = rho ? 2 : 1;
                cr_expect_eq(f.mp.narrays, 24, "%s %s", pack[pk], share[sh]);
                for (uint32_t p = 0; p < 4; p++)
                    cr_expect_eq(f.mp.proj[p].sum.acts, k * acts[pk][p], "%s %s rho %d %s",
                                 pack[pk], share[sh], rho, f.m.proj[p].name);
                cr_expect_eq(f.mp.total.acts, k * total[pk], "%s %s", pack[pk], share[sh]);
                cr_expect_eq(f.mp.total.conversions, k * conv[pk], "%s %s", pack[pk], share[sh]);
                const mapper_stage *l = &f.mp.proj[3].stage[1];  /* mlp.c_proj L */
                if (!rho) {
                    cr_expect_eq(f.mp.total.reduce_adds, adds[pk], "%s %s", pack[pk], share[sh]);
                    cr_expect_eq(l->reduce_k, pk == 2 ? 1 : 4);
                }
                cr_expect_eq(f.mp.proj[3].sum.bits_max, rho && pk == 2 ? 2 : bits[pk], "%s %s",
                             pack[pk], share[sh]);
                cr_expect_eq(l->act[0].rows_summed, (rho ? 1 : 2) * (pk == 2 ? 4 : 1));
                fx_free(&f);
            }
    for (int pk = 0; pk < 3; pk++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[model]\npreset = gpt2-medium\nlm_head = none\n[transform]\nkind = monarch\n"
                 "nblocks = 16\n[mapping]\nstrategy = densemap\ndensemap_rows = 8\n"
                 "densemap_pack = %s\n", pack[pk]);
        fx f;
        fx_build(&f, ini);
        cr_expect_eq(f.mp.narrays, 24 * 24, "%s", pack[pk]);
        cr_expect_eq(f.mp.total.acts, 24 * 8 * total[pk], "%s", pack[pk]);
        fx_free(&f);
    }
}

/* GPT-2 medium, nblocks 32 (b 32), 256 x 256 (8 x 8 slots), factor, rho =
 * b, by hand for the stages whose arrays are full.
 * c_fc R (128 blocks, 2 arrays): greedy puts pieces 0 and 1 in array 0 (4
 *   diagonals each, k = 8 (g mod 4) + r at row r), so row r holds inputs
 *   r, 8 + r, 16 + r, 24 + r twice: 4 activations per row, 2 x 8 x 4 = 64.
 *   input: D = 16, row r takes inputs 4r .. 4r + 3 (4 pieces each), array 0
 *   the first two, array 1 the last two: 2 per row, 2 x 8 x 2 = 32.
 * mlp.c_proj L (128 blocks, 2 arrays): greedy, every block its own
 *   activation: 128; each output adds 4 pieces: 1024 x 3 reduction
 *   additions, 128 x 32 conversions.  output: column c takes outputs
 *   4c .. 4c + 3 (4 pieces each), 2 per array: 2 x 8 x 2 = 32 activations
 *   of 4 x 32 = 128 rows (7 bits), 32 x 32 conversions, no reduction. */
Test(map_counts, densemap_pack_gpt2_medium_stages)
{
    static const char *const pack[] = {"greedy", "input", "output"};
    static const uint32_t fc_r[3] = {64, 32, 64}, proj_l[3] = {128, 128, 32};
    for (int pk = 0; pk < 3; pk++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[model]\npreset = gpt2-medium\nlm_head = none\n[adc]\nderive_bits = true\n"
                 "[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\n"
                 "densemap_pack = %s\n", pack[pk]);
        fx f;
        fx_build(&f, ini);
        cr_expect_eq(f.mp.narrays, 336, "%s", pack[pk]);
        for (uint32_t layer = 0; layer < 24; layer++) {
            const mapper_stage *r = &f.mp.proj[4 * layer + 2].stage[0];
            const mapper_stage *l = &f.mp.proj[4 * layer + 3].stage[1];
            cr_expect_eq(r->nact, fc_r[pk], "%s h%u c_fc R", pack[pk], layer);
            cr_expect_eq(r->narrays, 2);
            cr_expect_eq(l->nact, proj_l[pk], "%s h%u mlp.c_proj L", pack[pk], layer);
            cr_expect_eq(l->conversions, (uint64_t)proj_l[pk] * 32);
            cr_expect_eq(l->reduce_adds, pk == 2 ? 0 : 1024 * 3);
            cr_expect_eq(l->act[0].rows_summed, pk == 2 ? 128 : 32);
            cr_expect_eq(l->act[0].bits, pk == 2 ? 7 : 5);
        }
        fx_free(&f);
    }
}
