/*
 * fuzz_exec.c -- `aimcsim exec` on a small chip (the two-block model of
 * tests/golden/tiny.ini: 9 tiles, 4 clusters, 64 SRAM banks, 1 DRAM
 * channel): any stream is executed to the end with the end-of-run checks
 * passing, or refused as bad input with "file:line: ..."; nothing fails
 * otherwise (a stream the reader and the chip checks accept must run: an
 * invariant that fails is a finding), nothing crashes.
 */
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "sim/config.h"
#include "sim/util.h"
#include "tools/driver.h"

static const char *tiny =
    "[model]\npreset = custom\nlayers = 2\nd_model = 64\nheads = 2\nd_ff = 256\nvocab = 128\n"
    "context_tokens = 32\n[mapping]\nstrategy = linear\n[adc]\ncount = 32\n"
    "[run]\nprompt_tokens = 2\ndecode_tokens = 1\nkernel = native\nwindow_cmds = 64\n"
    "progress = false\nmax_memory_mb = 512\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static config c;
    static int ready;
    char err[ERR_LEN] = "";
    if (!ready) {
        config_defaults(&c);
        c.path = xstrdup("tiny.ini");
        FUZZ_REQUIRE(config_load_string(&c, "tiny.ini", tiny, err, sizeof err) == 0 &&
                         driver_config_check(&c, err, sizeof err) == 0, "%s", err);
        ready = 1;
    }
    const char *path = fuzz_file(data, size, ".cmd");
    driver_opts o = {&c, path, NULL, NULL, 0, NULL, "fuzz"};
    int rc = driver_run(&o, err, sizeof err);
    FUZZ_REQUIRE(rc == 0 || rc == DRIVER_EINPUT, "status %d: %s", rc, err);
    if (rc == DRIVER_EINPUT)
        FUZZ_REQUIRE(!strncmp(err, path, strlen(path)) && err[strlen(path)] == ':',
                     "an unlocated message: %s", err);
    return 0;
}
