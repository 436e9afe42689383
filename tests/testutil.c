/* testutil.c -- helpers shared by the Criterion suites in tests/. */
#define _DEFAULT_SOURCE
#include "tests/testutil.h"

#include "sim/config.h"
#include "sim/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_prog(void)
{
    const char *p = getenv("AIMCSIM");
    return p && *p ? p : "build/aimcsim";
}

char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

char *tu_tmpfile(const char *suffix, const char *text)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(512);
    snprintf(path, 512, "%s/aimcsim-test-XXXXXX%s", dir && *dir ? dir : "/tmp",
             suffix ? suffix : "");
    int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

int tu_sh(const char *cmd, char **out, char **err)
{
    char *fo = tu_tmpfile(".out", ""), *fe = tu_tmpfile(".err", "");
    size_t n = strlen(cmd) + strlen(fo) + strlen(fe) + 32;
    char *full = malloc(n);
    snprintf(full, n, "(%s) >%s 2>%s", cmd, fo, fe);
    int st = system(full);
    free(full);
    if (out)
        *out = tu_slurp(fo, NULL);
    if (err)
        *err = tu_slurp(fe, NULL);
    unlink(fo);
    unlink(fe);
    free(fo);
    free(fe);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

int tu_slow(void)
{
    const char *s = getenv("AIMCSIM_SLOW");
    return s && *s && strcmp(s, "0") != 0;
}

int tu_config(config *c, const char *text, char *err, size_t errlen)
{
    config_defaults(c);
    c->path = xstrdup("t.ini");
    err[0] = 0;
    if (config_load_string(c, "t.ini", text, err, errlen) < 0)
        return -1;
    return config_check(c, err, errlen);
}
