/*
 * bench_sim.c -- `make bench`: simulator-level figures.  Runs the aimcsim
 * program (argv[1], default build/aimcsim) as a child for each case and
 * measures wall time and peak RSS (wait4), reading the commands and events
 * it executed from its stats.csv.  Prints two tables:
 *   1. GPT-2 small and medium, prompt 896 + decode 128 (the model's whole
 *      1024-token context), each mapping, each kernel backend;
 *   2. flat memory: the same configuration with 4x the tokens must stay
 *      within 10% of the peak RSS (exit status 1 if not), with a window both
 *      runs fill (the window bounds the engine's memory by design).
 * A benchmark, not a test: the figures go in docs/performance.md by hand.
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

struct result {
    double seconds, rss_mib, commands, events;
    int status;
};

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
static struct result run(const char *prog, const char *dir, const char *const *args)
{
    struct result r = {0, 0, 0, 0, -1};
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
    r.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    r.rss_mib = (double)ru.ru_maxrss / 1024.0;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.commands = stat_of(dir, "cmd.retired");
    r.events = stat_of(dir, "engine.events");
    return r;
}

int main(int argc, char **argv)
{
    const char *prog = argc > 1 ? argv[1] : "build/aimcsim";
    char dir[] = "/tmp/aimcsim-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    static const char *const models[] = {"gpt2-small", "gpt2-medium"};
    static const char *const maps[] = {"linear", "sparsemap", "densemap"};
    static const char *const kernels[] = {"native", "systemc"};
    int bad = 0;

    printf("Simulator: prompt 896 + decode 128 tokens, batch 1, 32 ADCs per 256x256 array\n");
    printf("%-12s %-10s %-8s %10s %10s %12s %12s %9s\n", "model", "mapping", "kernel",
           "commands", "seconds", "Mcmd/s", "Mevents/s", "RSS MiB");
    for (int m = 0; m < 2; m++)
        for (int p = 0; p < 3; p++)
            for (int k = 0; k < 2; k++) {
                char cfg[256], preset[64], kern[64];
                snprintf(cfg, sizeof cfg, "configs/experiments/gpt2-small-%s.ini", maps[p]);
                snprintf(preset, sizeof preset, "model.preset=%s", models[m]);
                snprintf(kern, sizeof kern, "run.kernel=%s", kernels[k]);
                const char *args[] = {cfg, "--set", preset, "--set", kern, "--set",
                                      "run.prompt_tokens=896", "--set", "run.decode_tokens=128",
                                      NULL};
                struct result r = run(prog, dir, args);
                if (r.status != 0) {
                    printf("%-12s %-10s %-8s failed (status %d)\n", models[m], maps[p],
                           kernels[k], r.status);
                    bad = 1;
                    continue;
                }
                printf("%-12s %-10s %-8s %10.0f %10.2f %12.2f %12.2f %9.1f\n", models[m],
                       maps[p], kernels[k], r.commands, r.seconds,
                       r.commands / r.seconds * 1e-6, r.events / r.seconds * 1e-6, r.rss_mib);
                fflush(stdout);
            }

    /* The engine's window bounds its memory; both runs use a window that
     * the shorter one already fills, so any growth is the token count's. */
    printf("\nFlat memory: GPT-2 small densemap, native, window 262144; peak RSS with 1x and "
           "4x the tokens\n");
    printf("%-22s %10s %10s %9s\n", "tokens (prompt+decode)", "commands", "seconds", "RSS MiB");
    const char *tok[2][2] = {{"run.prompt_tokens=128", "run.decode_tokens=32"},
                             {"run.prompt_tokens=512", "run.decode_tokens=128"}};
    const char *label[2] = {"128 + 32", "512 + 128"};
    double rss[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        const char *args[] = {"configs/experiments/gpt2-small-densemap.ini", "--set",
                              "run.kernel=native", "--set", "run.window_cmds=262144", "--set",
                              tok[i][0], "--set", tok[i][1], NULL};
        struct result r = run(prog, dir, args);
        rss[i] = r.rss_mib;
        printf("%-22s %10.0f %10.2f %9.1f%s\n", label[i], r.commands, r.seconds, r.rss_mib,
               r.status ? "  (failed)" : "");
        bad |= r.status != 0;
    }
    double growth = rss[0] > 0 ? rss[1] / rss[0] - 1 : 1;
    printf("peak RSS growth for 4x tokens: %+.1f%% (limit +10%%): %s\n", 100 * growth,
           growth <= 0.10 ? "flat" : "NOT FLAT");
    bad |= growth > 0.10;

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        bad = 1;
    return bad;
}
