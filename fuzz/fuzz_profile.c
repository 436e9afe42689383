/*
 * fuzz_profile.c -- the sensitivity-profile reader (workloads/mapper.h
 * mapper_profile_load) for GPT-2 small: any file is read or refused with
 * "file:line: ..." (or "file: ..."); every value read is a finite number.
 */
#include <math.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "sim/config.h"
#include "sim/util.h"
#include "workloads/mapper.h"
#include "workloads/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static model m;
    static int ready;
    if (!ready) {
        config c;
        char e[ERR_LEN];
        config_defaults(&c);
        FUZZ_REQUIRE(model_init(&m, &c, e, sizeof e) == 0, "%s", e);
        config_free(&c);
        ready = 1;
    }
    const char *path = fuzz_file(data, size, ".txt");
    double v[64];
    char err[ERR_LEN] = "";
    if (mapper_profile_load(&m, path, v, err, sizeof err) < 0) {
        FUZZ_REQUIRE(!strncmp(err, path, strlen(path)) && err[strlen(path)] == ':',
                     "an unlocated message: %s", err);
        return 0;
    }
    for (uint32_t i = 0; i < m.nproj; i++)
        FUZZ_REQUIRE(isnan(v[i]) || isfinite(v[i]), "value %u is %g", i, v[i]);
    return 0;
}
