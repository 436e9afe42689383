/*
 * bench_profile.c -- speed of the functional GPT-2 and of its AIMC noise
 * model (`aimcsim profile`), on checkpoints of random weights written here
 * in llm.c's format (N(0, 0.02) weights as GPT-2's initialisation, unit
 * LayerNorm gains): the speed does not depend on the weights.
 *
 *   build/bench_profile [tiny|small] [TOKENS] [THREADS] [linear|sparsemap|densemap]
 *
 * tiny: 2 layers, d_model 64, 4 heads, vocabulary 100, context 64;
 * small: GPT-2 small's shape (12 layers, 768, 12 heads, 50257 padded to
 * 50304, context 1024; a 498 MB file in $TMPDIR).  Prints, per mapping,
 * the set-up time (loading, Monarch fit, compiling the mapping), the
 * noise-free tokens/s, the whole-model analog tokens/s, and the time of a
 * one-at-a-time profile with one draw.  A benchmark, not a test: the
 * figures go in docs/profile.md by hand.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/util.h"
#include "tools/driver.h"
#include "workloads/accuracy.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double gauss(uint64_t *s)
{
    double g = 0;  /* Irwin-Hall: good enough for benchmark weights */
    for (int i = 0; i < 12; i++)
        g += (double)(xorshift(s) >> 11) / 9007199254740992.0;
    return g - 6.0;
}


static void write_model(const char *path, int L, int C, int NH, int V, int Vp, int T)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    int32_t h[256] = {20240326, 3, T, V, L, NH, C, Vp};
    fwrite(h, 4, 256, f);
    size_t size[LLMC_NTENSORS];
    llmc_tensor_sizes((uint32_t)T, (uint32_t)Vp, (uint32_t)L, (uint32_t)C, size);
    float *buf = xmalloc(1 << 20);
    uint64_t rng = 88172645463325252ULL;
    for (int t = 0; t < LLMC_NTENSORS; t++) {
        int gain = t == LLMC_LN1W || t == LLMC_LN2W || t == LLMC_LNFW;
        int bias = t == LLMC_LN1B || t == LLMC_LN2B || t == LLMC_LNFB;
        for (size_t i = 0; i < size[t];) {
            size_t n = size[t] - i < (1 << 18) ? size[t] - i : (1 << 18);
            for (size_t k = 0; k < n; k++)
                buf[k] = gain ? 1.0f : bias ? 0.0f : (float)(0.02 * gauss(&rng));
            fwrite(buf, 4, n, f);
            i += n;
        }
    }
    free(buf);
    fclose(f);
}

static void write_tokens(const char *path, int n, int V)
{
    FILE *f = fopen(path, "wb");
    int32_t h[256] = {20240520, 1, n};
    fwrite(h, 4, 256, f);
    uint64_t rng = 2463534242ULL;
    for (int i = 0; i < n; i++) {
        uint16_t t = (uint16_t)(xorshift(&rng) % (uint64_t)V);
        fwrite(&t, 2, 1, f);
    }
    fclose(f);
}

static void bench(const char *name, const char *ini, const char *wpath, const char *tpath,
                  uint32_t len, uint32_t threads, int profile)
{
    char err[ERR_LEN];
    config c;
    config_defaults(&c);
    if (config_load_string(&c, name, ini, err, sizeof err) < 0 ||
        driver_config_check(&c, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    accuracy a;
    accuracy_opts o = {wpath, tpath, 0, len, 0, threads, NULL};
    double t0 = now_s();
    if (accuracy_init(&a, &c, &o, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    double t_init = now_s() - t0;
    accuracy_result r;
    if (accuracy_whole(&a, &r, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    double clean_tps = a.len / r.clean_s;
    double whole_s = r.total_s - r.clean_s;  /* (includes the Monarch model's dense pass) */
    double analog_tps = (double)r.pass_tokens / (whole_s > 0 ? whole_s : 1e-9);
    accuracy_result_free(&r);
    double prof_s = -1;
    if (profile) {
        if (accuracy_profile(&a, &r, err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            exit(1);
        }
        prof_s = r.total_s;
        accuracy_result_free(&r);
    }
    printf("%-34s %8.2f %10.1f %10.1f %12.1f\n", name, t_init, clean_tps, analog_tps, prof_s);
    fflush(stdout);
    accuracy_free(&a);
    config_free(&c);
}

int main(int argc, char **argv)
{
    int small = argc > 1 && !strcmp(argv[1], "small");
    uint32_t len = argc > 2 ? (uint32_t)atoi(argv[2]) : (small ? 128 : 64);
    uint32_t threads = argc > 3 ? (uint32_t)atoi(argv[3]) : 1;
    const char *only = argc > 4 ? argv[4] : NULL;
    const char *dir = getenv("TMPDIR");
    char wpath[512], tpath[512];
    snprintf(wpath, sizeof wpath, "%s/aimcsim-bench-%s.bin", dir && *dir ? dir : "/tmp",
             small ? "small" : "tiny");
    snprintf(tpath, sizeof tpath, "%s/aimcsim-bench-tokens.bin", dir && *dir ? dir : "/tmp");
    const char *model;
    if (small) {
        write_model(wpath, 12, 768, 12, 50257, 50304, 1024);
        write_tokens(tpath, (int)len + 1, 50257);
        model = "[model]\npreset = gpt2-small\n";
    } else {
        write_model(wpath, 2, 64, 4, 100, 128, 64);
        write_tokens(tpath, (int)len + 1, 100);
        model = "[model]\npreset = custom\nlayers = 2\nd_model = 64\nheads = 4\nd_ff = 256\n"
                "vocab = 100\ncontext_tokens = 64\n";
    }
    printf("%s: %u tokens, %u thread%s; one draw per evaluation\n\n", small ? "GPT-2 small shape"
           : "tiny (2 x 64)", len, threads, threads == 1 ? "" : "s");
    printf("%-34s %8s %10s %10s %12s\n", "mapping", "setup s", "clean t/s", "analog t/s",
           "profile s");
    static const char *const maps[][3] = {
        {"dense, linear", "", "linear"},
        {"monarch, sparsemap", "[transform]\nkind = monarch\n[mapping]\nstrategy = sparsemap\n",
         "sparsemap"},
        {"monarch, densemap (8 rows)",
         "[transform]\nkind = monarch\n[mapping]\nstrategy = densemap\ndensemap_rows = 8\n",
         "densemap"},
    };
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        if (only && strcmp(only, maps[k][2]))
            continue;
        char ini[1024];
        snprintf(ini, sizeof ini, "%s%s[adc]\nderive_bits = true\n[noise]\ndraws = 1\n", model,
                 maps[k][1]);
        bench(maps[k][0], ini, wpath, tpath, len, threads, 1);
    }
    unlink(wpath);
    unlink(tpath);
    return 0;
}
