/*
 * fuzz_ini.c -- the INI loader (sim/config.h): any text is either loaded
 * or refused with a located message; a loaded configuration dumps to text
 * that loads again to the same dump (config_dump_ini round-trips); the
 * cross-parameter checks (driver_config_check) never crash, under a
 * memory limit small enough for the fuzzer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "sim/config.h"
#include "sim/util.h"
#include "tools/driver.h"

static char *dump(const config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    config_dump_ini(c, m);
    fclose(m);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    char err[ERR_LEN] = "";
    config c;
    config_defaults(&c);
    c.path = xstrdup("fuzz.ini");
    if (config_load_string(&c, "fuzz.ini", text, err, sizeof err) == 0) {
        char *a = dump(&c);
        config d;
        config_defaults(&d);
        d.path = xstrdup("dump.ini");
        int r = config_load_string(&d, "dump.ini", a, err, sizeof err);
        FUZZ_REQUIRE(r == 0, "the dump does not load: %s\n%s", err, a);
        char *b = dump(&d);
        FUZZ_REQUIRE(!strcmp(a, b), "the dump changes on reload:\n%s\n---\n%s", a, b);
        free(b);
        config_free(&d);
        free(a);
        /* Checks within a small memory budget (no profile read from the
         * fuzzer's paths: it may name any file). */
        c.run.max_memory_mb = 256;
        free(c.mapping.digital_profile);
        c.mapping.digital_profile = xstrdup("");
        if (driver_config_check(&c, err, sizeof err) < 0)
            FUZZ_REQUIRE(err[0], "a refusal without a message");
    } else {
        FUZZ_REQUIRE(!strncmp(err, "fuzz.ini:", 9), "an unlocated message: %s", err);
    }
    config_free(&c);
    free(text);
    return 0;
}
