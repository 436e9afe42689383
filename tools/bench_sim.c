/*
 * bench_sim.c -- `make bench`: simulator-level figures, compared with a
 * stored baseline.  Runs the aimcsim program as a child for each case and
 * measures its CPU time (user + system) and wall time, and its peak RSS
 * (wait4), reading the commands and events it executed from its stats.csv.
 * Prints three tables:
 *   1. GPT-2 small and medium, prompt 896 + decode 128 (the model's whole
 *      1024-token context), each mapping, each kernel backend: ns of CPU
 *      time per command, commands/s, peak RSS;
 *   2. the trace overhead: GPT-2 small, each mapping, native, untraced and
 *      with --trace (default trace settings), run in alternation: traced /
 *      untraced CPU time;
 *   3. flat memory: the same configuration with 4x the tokens must stay
 *      within 10% of the peak RSS (exit status 1 if not): the command
 *      queues bound what the engine holds, not the token count.
 * With --without PROG2 (`make bench-critpath`) it prints instead, for the
 * cases of table 1, the CPU time of AIMCSIM against PROG2, the same source
 * built with -DCRITPATH_OFF (no critical-path record): the two alternate,
 * --reps pairs a case; per case the median of the pairs' ratios, and over
 * all cases the sum of the median CPU times with / without.
 * Each figure is the median of --reps runs (default 1).  With a baseline
 * file (bench/baseline.txt, format in its header) every figure is set
 * beside it and one more than 10% worse is flagged REGRESSION; --write FILE
 * writes the figures measured as a new baseline.  A benchmark, not a test:
 * a regression is reported, not an error (exit status 0).
 *
 * Usage: bench_sim [AIMCSIM] [--reps N] [--baseline FILE] [--write FILE]
 *        [--quick] [--without PROG2]   (--quick: GPT-2 small only)
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REGRESSION 0.10 /* a figure this much worse than the baseline is flagged */
#define MAXREPS 15
#define MAXFIG 64

struct result {
    double cpu_s, wall_s, rss_mib, commands, events;
    int status;
};

/* One figure for the baseline: lower is better. */
struct figure {
    char key[96], metric[32];
    double value;
};

static struct figure figs[MAXFIG];

/* The cases of table 1. */
static const char *const model[] = {"gpt2-small", "gpt2-medium"};
static const char *const maps[] = {"linear", "sparsemap", "densemap"};
static const char *const kernels[] = {"native", "systemc"};

/* The arguments of case (model m, mapping p, kernel k), kept in *a. */
struct case_args {
    char cfg[256], preset[64], kern[64];
    const char *argv[10];
};

static const char *const *case_args(struct case_args *a, int m, int p, int k)
{
    snprintf(a->cfg, sizeof a->cfg, "configs/experiments/gpt2-small-%s.ini", maps[p]);
    snprintf(a->preset, sizeof a->preset, "model.preset=%s", model[m]);
    snprintf(a->kern, sizeof a->kern, "run.kernel=%s", kernels[k]);
    const char *v[] = {a->cfg, "--set", a->preset, "--set", a->kern, "--set",
                       "run.prompt_tokens=896", "--set", "run.decode_tokens=128", NULL};
    memcpy(a->argv, v, sizeof v);
    return a->argv;
}
static int nfigs;

static void figure(const char *key, const char *metric, double v)
{
    if (nfigs == MAXFIG)
        return;
    snprintf(figs[nfigs].key, sizeof figs[nfigs].key, "%s", key);
    snprintf(figs[nfigs].metric, sizeof figs[nfigs].metric, "%s", metric);
    figs[nfigs++].value = v;
}

static double stat_of(const char *dir, const char *name)
{
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = strlen(name);
    double v = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && line[n] == ',') {
            v = strtod(line + n + 1, NULL);
            break;
        }
    fclose(f);
    return v;
}

/* Runs prog with the arguments (NULL-terminated) writing into dir. */
static struct result run1(const char *prog, const char *dir, const char *const *args)
{
    struct result r = {0, 0, 0, 0, 0, -1};
    const char *argv[64];
    int n = 0;
    argv[n++] = prog;
    argv[n++] = "run";
    for (int i = 0; args[i] && n < 58; i++)
        argv[n++] = args[i];
    argv[n++] = "--out";
    argv[n++] = dir;
    argv[n++] = "--quiet";
    argv[n] = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
        return r;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    r.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    r.rss_mib = (double)ru.ru_maxrss / 1024.0;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.commands = stat_of(dir, "cmd.retired");
    r.events = stat_of(dir, "engine.events");
    return r;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of each measurement over reps runs. */
static struct result run(const char *prog, const char *dir, const char *const *args, int reps)
{
    double cpu[MAXREPS], wall[MAXREPS], rss[MAXREPS];
    struct result r = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < reps; i++) {
        struct result x = run1(prog, dir, args);
        if (x.status)
            return x;
        cpu[i] = x.cpu_s;
        wall[i] = x.wall_s;
        rss[i] = x.rss_mib;
        r.commands = x.commands;
        r.events = x.events;
    }
    r.cpu_s = median(cpu, reps);
    r.wall_s = median(wall, reps);
    r.rss_mib = median(rss, reps);
    return r;
}

/* The cases of table 1, each run alternately by prog and by without (the
 * program without the critical-path record): CPU time with / without.
 * Returns 1 if a run failed. */
static int record_cost(const char *prog, const char *without, const char *dir, int models,
                       int reps)
{
    double sum_with = 0, sum_without = 0;
    printf("Critical-path record: CPU time of %s against %s (-DCRITPATH_OFF),\n"
           "prompt 896 + decode 128 tokens, %d alternated pair(s) a case\n",
           prog, without, reps);
    printf("%-12s %-10s %-8s %10s %10s %9s %17s\n", "model", "mapping", "kernel", "with s",
           "without s", "ratio", "pairs min..max");
    for (int m = 0; m < models; m++)
        for (int p = 0; p < 3; p++)
            for (int k = 0; k < 2; k++) {
                struct case_args ca;
                const char *const *args = case_args(&ca, m, p, k);
                double c1[MAXREPS], c0[MAXREPS], q[MAXREPS];
                for (int i = 0; i < reps; i++) {
                    struct result a = run1(prog, dir, args), b = run1(without, dir, args);
                    if (a.status || b.status || b.cpu_s <= 0) {
                        printf("%-12s %-10s %-8s failed (status %d, %d)\n", model[m], maps[p],
                               kernels[k], a.status, b.status);
                        return 1;
                    }
                    c1[i] = a.cpu_s, c0[i] = b.cpu_s, q[i] = a.cpu_s / b.cpu_s;
                }
                double w1 = median(c1, reps), w0 = median(c0, reps), r = median(q, reps);
                sum_with += w1, sum_without += w0;
                printf("%-12s %-10s %-8s %10.2f %10.2f %8.3fx %8.3f..%.3f\n", model[m], maps[p],
                       kernels[k], w1, w0, r, q[0], q[reps - 1]);
                fflush(stdout);
            }
    printf("all cases: %.1f s with, %.1f s without: %.3fx\n", sum_with, sum_without,
           sum_with / sum_without);
    return 0;
}

/* Sets the figures beside the baseline's; returns the regressions. */
static int compare(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("\nno baseline %s: nothing to compare with\n", path);
        return 0;
    }
    printf("\nAgainst the baseline %s (lower is better; flagged: more than %.0f%% worse)\n", path,
           100 * REGRESSION);
    printf("%-34s %-11s %10s %10s %8s\n", "case", "metric", "baseline", "now", "ratio");
    char line[512], key[96], metric[32];
    double base;
    int bad = 0, seen = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || sscanf(line, "%95s %31s %lf", key, metric, &base) != 3)
            continue;
        for (int i = 0; i < nfigs; i++)
            if (!strcmp(figs[i].key, key) && !strcmp(figs[i].metric, metric)) {
                double ratio = base > 0 ? figs[i].value / base : 1;
                int worse = ratio > 1 + REGRESSION;
                printf("%-34s %-11s %10.3f %10.3f %8.3f%s\n", key, metric, base, figs[i].value,
                       ratio, worse ? "  REGRESSION" : "");
                bad += worse;
                seen++;
            }
    }
    fclose(f);
    printf("%d figures compared, %d regressions above %.0f%%\n", seen, bad, 100 * REGRESSION);
    return bad;
}

static int write_baseline(const char *path, int reps)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f, "# bench/baseline.txt -- the figures `make bench` (tools/bench_sim.c) compares with.\n"
               "# Written by: build/bench_sim build/aimcsim --reps %d --write bench/baseline.txt\n"
               "# (each figure the median of %d runs), on the machine docs/performance.md describes.\n"
               "# One figure a line: CASE METRIC VALUE; lower is better for every metric.\n"
               "#   CASE    MODEL/MAPPING/KERNEL: aimcsim run of configs/experiments/gpt2-small-MAPPING.ini\n"
               "#           with model.preset=MODEL, prompt 896 + decode 128 tokens;\n"
               "#           trace/MODEL/MAPPING: the same, native, with and without --trace\n"
               "#   METRIC  ns_per_cmd  CPU time (user + system) per command executed, ns\n"
               "#           rss_mib     peak resident memory, MiB\n"
               "#           overhead    CPU time with --trace / CPU time without\n",
            reps, reps);
    for (int i = 0; i < nfigs; i++)
        fprintf(f, "%s %s %.3f\n", figs[i].key, figs[i].metric, figs[i].value);
    return fclose(f);
}

int main(int argc, char **argv)
{
    const char *prog = "build/aimcsim", *baseline = NULL, *out = NULL, *without = NULL;
    int reps = 1, models = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--baseline") && i + 1 < argc)
            baseline = argv[++i];
        else if (!strcmp(argv[i], "--write") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--quick"))
            models = 1;
        else if (!strcmp(argv[i], "--without") && i + 1 < argc)
            without = argv[++i];
        else if (argv[i][0] != '-')
            prog = argv[i];
        else {
            fprintf(stderr, "usage: bench_sim [AIMCSIM] [--reps N] [--baseline FILE] [--write FILE] "
                            "[--quick] [--without PROG2]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > MAXREPS) {
        fprintf(stderr, "bench_sim: --reps %d (expected 1..%d)\n", reps, MAXREPS);
        return 2;
    }
    char dir[] = "/tmp/aimcsim-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    int bad = 0;
    if (without) {
        bad = record_cost(prog, without, dir, models, reps);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) != 0 || bad;
    }

    printf("Simulator: prompt 896 + decode 128 tokens, batch 1, 32 ADCs per 256x256 array; "
           "median of %d run(s)\n", reps);
    printf("%-12s %-10s %-8s %10s %8s %8s %8s %8s %9s\n", "model", "mapping", "kernel",
           "commands", "cpu s", "wall s", "ns/cmd", "Mcmd/s", "RSS MiB");
    for (int m = 0; m < models; m++)
        for (int p = 0; p < 3; p++)
            for (int k = 0; k < 2; k++) {
                char key[96];
                struct case_args ca;
                const char *const *args = case_args(&ca, m, p, k);
                struct result r = run(prog, dir, args, reps);
                if (r.status != 0) {
                    printf("%-12s %-10s %-8s failed (status %d)\n", model[m], maps[p],
                           kernels[k], r.status);
                    bad = 1;
                    continue;
                }
                double ns = r.cpu_s / r.commands * 1e9;
                printf("%-12s %-10s %-8s %10.0f %8.2f %8.2f %8.1f %8.2f %9.1f\n", model[m],
                       maps[p], kernels[k], r.commands, r.cpu_s, r.wall_s, ns, 1e3 / ns,
                       r.rss_mib);
                fflush(stdout);
                snprintf(key, sizeof key, "%s/%s/%s", model[m], maps[p], kernels[k]);
                figure(key, "ns_per_cmd", ns);
                figure(key, "rss_mib", r.rss_mib);
            }

    /* Trace overhead: untraced and traced runs alternate, so that both
     * see the same load on a shared machine; the figure is the ratio of
     * the medians. */
    printf("\nTrace overhead: GPT-2 small, 896 + 128 tokens, native, default [trace] settings; "
           "CPU time, median of %d run(s)\n", reps);
    printf("%-10s %10s %10s %9s %9s %10s %10s\n", "mapping", "plain s", "traced s", "ratio",
           "wall", "RSS MiB", "traced MiB");
    for (int p = 0; p < 3; p++) {
        char cfg[256], key[96];
        snprintf(cfg, sizeof cfg, "configs/experiments/gpt2-small-%s.ini", maps[p]);
        const char *plain[] = {cfg, "--set", "run.kernel=native", "--set", "run.prompt_tokens=896",
                               "--set", "run.decode_tokens=128", NULL};
        const char *traced[] = {cfg, "--set", "run.kernel=native", "--set",
                                "run.prompt_tokens=896", "--set", "run.decode_tokens=128",
                                "--trace", NULL};
        double c0[MAXREPS], c1[MAXREPS], w0[MAXREPS], w1[MAXREPS];
        struct result a = {0, 0, 0, 0, 0, 0}, b = a;
        for (int i = 0; i < reps && !a.status && !b.status; i++) {
            a = run1(prog, dir, plain);
            b = run1(prog, dir, traced);
            c0[i] = a.cpu_s, c1[i] = b.cpu_s, w0[i] = a.wall_s, w1[i] = b.wall_s;
        }
        if (a.status || b.status) {
            printf("%-10s failed (status %d, %d)\n", maps[p], a.status, b.status);
            bad = 1;
            continue;
        }
        double p0 = median(c0, reps), p1 = median(c1, reps);
        double wr = median(w1, reps) / median(w0, reps);
        printf("%-10s %10.2f %10.2f %8.2fx %8.2fx %10.1f %10.1f\n", maps[p], p0, p1, p1 / p0, wr,
               a.rss_mib, b.rss_mib);
        fflush(stdout);
        snprintf(key, sizeof key, "trace/gpt2-small/%s", maps[p]);
        figure(key, "overhead", p1 / p0);
        figure(key, "rss_mib", b.rss_mib);
    }

    /* The command queues bound what the engine holds (the shorter run
     * already reaches it), so any growth is the token count's. */
    printf("\nFlat memory: GPT-2 small densemap, native; peak RSS with 1x and 4x the tokens\n");
    printf("%-22s %10s %10s %9s\n", "tokens (prompt+decode)", "commands", "cpu s", "RSS MiB");
    const char *tok[2][2] = {{"run.prompt_tokens=128", "run.decode_tokens=32"},
                             {"run.prompt_tokens=512", "run.decode_tokens=128"}};
    const char *label[2] = {"128 + 32", "512 + 128"};
    double rss[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        const char *args[] = {"configs/experiments/gpt2-small-densemap.ini", "--set",
                              "run.kernel=native", "--set", tok[i][0], "--set", tok[i][1],
                              NULL};
        struct result r = run1(prog, dir, args);
        rss[i] = r.rss_mib;
        printf("%-22s %10.0f %10.2f %9.1f%s\n", label[i], r.commands, r.cpu_s, r.rss_mib,
               r.status ? "  (failed)" : "");
        bad |= r.status != 0;
    }
    double growth = rss[0] > 0 ? rss[1] / rss[0] - 1 : 1;
    printf("peak RSS growth for 4x tokens: %+.1f%% (limit +10%%): %s\n", 100 * growth,
           growth <= 0.10 ? "flat" : "NOT FLAT");
    bad |= growth > 0.10;

    if (baseline)
        compare(baseline);
    if (out && write_baseline(out, reps) != 0)
        bad = 1;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        bad = 1;
    return bad;
}
