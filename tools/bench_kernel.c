/*
 * bench_kernel.c -- events per second and peak RSS of the two event-kernel
 * backends on a fixed synthetic workload.
 *
 * Workload: `chains` concurrent event chains; each event draws a delay from
 * one fixed-seed xorshift64 generator and schedules the next event of its
 * chain, until exactly `events` events have run.  Two delay laws, both with
 * zero delays and equal-time ties:
 *   ps     uniform in [0, 2047] ps  (ties rare at 64 chains)
 *   cycle  uniform in {0, 1, ..., 15} x 1000 ps  (a 1 GHz clock: ties common)
 * Every event folds (time, chain) into a hash; the two backends must print
 * the same hash, or the run fails.  ev/time is events per distinct event
 * time: the SystemC backend wakes up once per distinct time.
 *
 * SystemC allows one simulation context per process, and peak RSS should be
 * one measurement's own, so each measurement runs in a fresh process: this
 * program re-executes itself as `bench_kernel --one BACKEND CHAINS LAW
 * EVENTS` and reads one result line from it.
 *
 * Times are CPU times of kernel_run alone; RSS is getrusage's ru_maxrss.
 * Results go in docs/performance.md by hand.
 *
 * Usage: bench_kernel [EVENTS]     (default 10000000)
 *        bench_kernel --one BACKEND CHAINS LAW EVENTS   (one measurement)
 * Exit status 0, or 1 if a child failed or the hashes differ.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/kernel.h"

struct bench {
    uint64_t rng;  /* xorshift64 state */
    uint64_t left; /* events still to schedule */
    uint64_t hash; /* over (time, chain) of every event run */
    int cycle;     /* delay law: 0 ps, 1 cycle */
    uint64_t t_prev;  /* time of the previous event */
    uint64_t n_times; /* distinct event times (SystemC wake-ups) */
};

static inline uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static inline uint64_t draw_delay(struct bench *b)
{
    uint64_t x = xorshift64(&b->rng) >> 32;
    return b->cycle ? (x & 15) * 1000 : (x & 2047);
}

static void tick(kernel *k, void *ctx, uint64_t chain)
{
    struct bench *b = ctx;
    uint64_t now = kernel_now(k);
    b->hash = (b->hash ^ (now * 0x9e3779b97f4a7c15ull + chain)) *
              0x100000001b3ull;
    b->n_times += now != b->t_prev;
    b->t_prev = now;
    if (b->left == 0)
        return;
    b->left--;
    kernel_schedule(k, draw_delay(b), tick, b, chain);
}

/* CPU time of this process: the benchmark is single-threaded, and CPU time
 * is robust against other load on the machine, where wall time is not. */
static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One measurement, in this (fresh) process: prints
 * "events seconds maxrss_kib hash final_time_ps distinct_times" on stdout. */
static int run_one(const char *backend, uint64_t chains, const char *law,
                   uint64_t events)
{
    enum kernel_backend be =
        strcmp(backend, "systemc") == 0 ? KERNEL_SYSTEMC : KERNEL_NATIVE;
    char err[256];
    kernel *k = kernel_create(be, err, sizeof err);
    if (!k) {
        fprintf(stderr, "bench_kernel: %s\n", err);
        return 1;
    }
    struct bench b = {0x2545f4914f6cdd1dull, events - chains, 0,
                      strcmp(law, "cycle") == 0, UINT64_MAX, 0};
    for (uint64_t c = 0; c < chains; c++)
        kernel_schedule(k, draw_delay(&b), tick, &b, c);
    double t0 = seconds();
    int r = kernel_run(k);
    double dt = seconds() - t0;
    if (r != 0 || kernel_events_run(k) != events) {
        fprintf(stderr, "bench_kernel: run returned %d after %" PRIu64
                " events\n", r, kernel_events_run(k));
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%" PRIu64 " %.6f %ld %016" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
           kernel_events_run(k), dt, ru.ru_maxrss, b.hash, kernel_now(k),
           b.n_times);
    kernel_free(k);
    return 0;
}

/* Runs one measurement in a child; fills the result fields. */
static int child(const char *self, const char *backend, uint64_t chains,
                 const char *law, uint64_t events, double *sec, long *rss,
                 uint64_t *hash, uint64_t *tend, uint64_t *ntimes)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char cs[32], es[32];
        snprintf(cs, sizeof cs, "%" PRIu64, chains);
        snprintf(es, sizeof es, "%" PRIu64, events);
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execl(self, self, "--one", backend, cs, law, es, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    uint64_t n = 0;
    int got = f ? fscanf(f, "%" SCNu64 " %lf %ld %" SCNx64 " %" SCNu64
                         " %" SCNu64, &n, sec, rss, hash, tend, ntimes)
                : 0;
    if (f)
        fclose(f);
    int st;
    waitpid(pid, &st, 0);
    return got == 6 && n == events && WIFEXITED(st) && WEXITSTATUS(st) == 0
               ? 0
               : -1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--one") == 0)
        return run_one(argv[2], strtoull(argv[3], NULL, 10), argv[4],
                       strtoull(argv[5], NULL, 10));
    uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    static const uint64_t chains[] = {64, 10000};
    static const char *const laws[] = {"ps", "cycle"};
    static const char *const backends[] = {"native", "systemc"};
    int fail = 0;
    printf("%-8s %7s %6s %10s %8s %8s %8s %8s\n", "backend", "chains",
           "delays", "events", "ev/time", "seconds", "M ev/s", "RSS MiB");
    for (size_t c = 0; c < 2; c++) {
        for (size_t l = 0; l < 2; l++) {
            uint64_t h[2], t[2], nt;
            for (size_t b = 0; b < 2; b++) {
                double sec;
                long rss;
                if (child("/proc/self/exe", backends[b], chains[c], laws[l],
                          events, &sec, &rss, &h[b], &t[b], &nt) != 0) {
                    fprintf(stderr, "bench_kernel: %s run failed\n",
                            backends[b]);
                    return 1;
                }
                printf("%-8s %7" PRIu64 " %6s %10" PRIu64
                       " %8.2f %8.3f %8.2f %8.1f\n",
                       backends[b], chains[c], laws[l], events,
                       (double)events / (double)nt, sec,
                       (double)events / sec / 1e6, (double)rss / 1024.0);
                fflush(stdout);
            }
            if (h[0] != h[1] || t[0] != t[1]) {
                fprintf(stderr, "bench_kernel: event order differs between "
                        "backends (hash %016" PRIx64 " vs %016" PRIx64 ")\n",
                        h[0], h[1]);
                fail = 1;
            }
        }
    }
    return fail;
}
