/*
 * fuzz_stream.c -- the command-stream reader (traces/cmdstream.h), plain
 * or gzip: any file is read to its end or refused with "file:line: ..."
 * (or "file: ..." for one that cannot be opened); every command it returns
 * is one the writer accepts (the reader is no more lenient than the
 * writer).
 */
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "sim/util.h"
#include "traces/cmdstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".cmd");
    char err[ERR_LEN] = "", out[80];
    snprintf(out, sizeof out, "%s.out", path);
    cmdr *r = cmdr_open(path, err, sizeof err);
    if (!r) {
        FUZZ_REQUIRE(!strncmp(err, path, strlen(path)), "an unlocated message: %s", err);
        return 0;
    }
    cmdw *w = cmdw_open(out, cmdr_header(r), err, sizeof err);
    FUZZ_REQUIRE(w, "the writer refuses a header the reader accepted: %s", err);
    cmd_source s = cmdr_source(r);
    cmd c;
    int k;
    while ((k = s.next(s.ctx, &c, err, sizeof err)) > 0)
        FUZZ_REQUIRE(cmdw_write(w, &c) == 0, "the writer refuses command %llu",
                     (unsigned long long)c.id);
    if (k < 0)
        FUZZ_REQUIRE(!strncmp(err, path, strlen(path)) && err[strlen(path)] == ':',
                     "an unlocated message: %s", err);
    cmdw_abort(w);
    cmdr_close(r);
    return 0;
}
