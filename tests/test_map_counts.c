/*
 * test_map_counts.c -- mapping counts against closed forms: Linear array
 * counts for GPT-2 small, SparseMap utilisation b / m, DenseMap utilisation
 * 100% when every slot is filled (and the b-not-dividing-m case), the
 * R/L diagonal pairing, digital overlays and their MACs (the seed paper's
 * 7.67 M and 37.9%), profiles and thresholds, LoRA MACs, and the registry.
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
}
