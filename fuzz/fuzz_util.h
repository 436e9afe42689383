/*
 * fuzz_util.h -- what the libFuzzer harnesses of fuzz/ share: the input as
 * a file (the readers take paths), and a check that stops the process
 * (a finding) when a property of aimcsim does not hold.
 */
#ifndef AIMCSIM_FUZZ_UTIL_H
#define AIMCSIM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Writes data to this process's scratch file and returns its path (the
 * same file for every input; name ends in suffix). */
static inline const char *fuzz_file(const uint8_t *data, size_t n, const char *suffix)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/aimcsim-fuzz-%d%s", (int)getpid(), suffix);
    }
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n)) {
        perror(path);
        abort();
    }
    fclose(f);
    return path;
}

/* libsystemc.so, linked with the library, calls sc_main from its main:
 * a harness that pulls in no kernel must still resolve it (never called;
 * sim/kernel_sc.cc has the same). */
__attribute__((weak)) int sc_main(int argc, char **argv);
__attribute__((weak)) int sc_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 1;
}

/* A property that must hold: abort (libFuzzer records the input) if not. */
#define FUZZ_REQUIRE(cond, ...)                                    \
    do {                                                           \
        if (!(cond)) {                                             \
            fprintf(stderr, "fuzz: property failed: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                          \
            fprintf(stderr, "\n");                                 \
            abort();                                               \
        }                                                          \
    } while (0)

#endif
