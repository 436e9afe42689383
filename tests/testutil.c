/* testutil.c -- helpers shared by the Criterion suites in tests/. */
#define _DEFAULT_SOURCE
#include "tests/testutil.h"

#include "arch/chip.h"
#include "sim/config.h"
#include "sim/util.h"
#include "tools/driver.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
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

char *tu_mkdtemp(const char *prefix)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "/tmp/aimcsim-%s-XXXXXX", prefix);
    if (!mkdtemp(tmpl))
        return NULL;
    return strdup(tmpl);
}

void tu_rmtree(const char *dir)
{
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    tu_sh(cmd, NULL, NULL);
}

char *tu_write(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (!path)
        return NULL;
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

/* Uniform in [-1, 1): a 64-bit LCG's top 53 bits. */
static double tu_urand(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void tu_put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, f);
}

/* The 256-word llm.c header: magic, version, then w[0..nw). */
static void tu_llmc_header(FILE *f, uint32_t magic, uint32_t version, const uint32_t *w, int nw)
{
    tu_put32(f, magic);
    tu_put32(f, version);
    for (int i = 0; i < 254; i++)
        tu_put32(f, i < nw ? w[i] : 0);
}

char *tu_llmc_model(const char *dir, const char *name, int layers, int channels, int heads,
                    int vocab, int padded, int max_t, unsigned long long seed)
{
    char *path = tu_write(dir, name, "");
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (!f) {
        free(path);
        return NULL;
    }
    const uint32_t hdr[6] = {(uint32_t)max_t, (uint32_t)vocab, (uint32_t)layers,
                             (uint32_t)heads, (uint32_t)channels, (uint32_t)padded};
    tu_llmc_header(f, 20240326, 3, hdr, 6);
    const size_t L = (size_t)layers, C = (size_t)channels;
    /* llm.c's order: wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb,
     * ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb */
    const size_t n[16] = {(size_t)padded * C, (size_t)max_t * C, L * C, L * C, L * 3 * C * C,
                          L * 3 * C, L * C * C, L * C, L * C, L * C, L * 4 * C * C, L * 4 * C,
                          L * 4 * C * C, L * C, C, C};
    const double base[16] = {0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0};
    const double amp[16] = {0.5, 0.2, 0.1, 0.1, 0.3, 0.05, 0.3, 0.05, 0.1, 0.1, 0.3, 0.05,
                            0.3, 0.05, 0.1, 0.1};
    unsigned long long s = seed;
    for (int t = 0; t < 16; t++)
        for (size_t k = 0; k < n[t]; k++) {
            float x = (float)(base[t] + amp[t] * tu_urand(&s));
            uint32_t u;
            memcpy(&u, &x, 4);
            tu_put32(f, u);
        }
    if (fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

char *tu_llmc_tokens(const char *dir, const char *name, const unsigned short *tok, int n)
{
    char *path = tu_write(dir, name, "");
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (!f) {
        free(path);
        return NULL;
    }
    const uint32_t hdr[1] = {(uint32_t)n};
    tu_llmc_header(f, 20240520, 1, hdr, 1);
    for (int i = 0; i < n; i++) {
        unsigned char b[2] = {(unsigned char)tok[i], (unsigned char)(tok[i] >> 8)};
        fwrite(b, 1, 2, f);
    }
    if (fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

double tu_stat(const char *dir, const char *name)
{
    char path[2048], key[256];
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    char *csv = tu_slurp(path, NULL);
    if (!csv)
        return NAN;
    snprintf(key, sizeof key, "\n%s,", name);
    char *p = strstr(csv, key);
    double v = p ? strtod(p + strlen(key), NULL) : NAN;
    free(csv);
    return v;
}

char *tu_stat_text(const char *stats, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = stats; l && *l;) {
        if (!strncmp(l, name, n) && l[n] == ',') {
            const char *v = l + n + 1;
            return strndup(v, strcspn(v, "\n"));
        }
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return NULL;
}

void tu_csv_parse(tu_csv *c, const char *text)
{
    memset(c, 0, sizeof *c);
    const char *s = text;
    while (*s && c->nrows < TU_CSV_MAXR) {
        int r = c->nrows++;
        for (;;) {
            char buf[4096];
            size_t n = 0;
            if (*s == '"') {
                for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
                    if (*s == '"')
                        s++;
                    if (n + 1 < sizeof buf)
                        buf[n++] = *s;
                }
                if (*s == '"')
                    s++;
            } else {
                while (*s && *s != ',' && *s != '\n') {
                    if (n + 1 < sizeof buf)
                        buf[n++] = *s;
                    s++;
                }
            }
            buf[n] = 0;
            if (c->nf[r] < TU_CSV_MAXF)
                c->f[r][c->nf[r]++] = strdup(buf);
            if (*s == ',') {
                s++;
                continue;
            }
            if (*s == '\n')
                s++;
            break;
        }
    }
}

void tu_csv_free(tu_csv *c)
{
    for (int r = 0; r < c->nrows; r++)
        for (int i = 0; i < c->nf[r]; i++)
            free(c->f[r][i]);
}

int tu_csv_col(const tu_csv *c, const char *name)
{
    for (int i = 0; i < c->nf[0]; i++)
        if (!strcmp(c->f[0][i], name))
            return i;
    return -1;
}

int tu_shf(char **out, char **err, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *o = NULL, *e = NULL;
    int rc = tu_sh(cmd, &o, &e);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

int tu_png_ok(const char *path)
{
    size_t n = 0;
    char *b = tu_slurp(path, &n);
    int ok = b && n > 1000 && !memcmp(b, "\x89PNG", 4);
    free(b);
    return ok;
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
    return driver_config_check(c, err, errlen);
}

/* ---- commands on a chip ---------------------------------------------------- */

static void capture_span(void *ctx, int track, uint32_t index, const char *name,
                         uint64_t start_ps, uint64_t end_ps, uint64_t id, uint32_t tag)
{
    tu_timing *o = ctx;
    (void)index, (void)name, (void)id, (void)tag;
    if (track == TRACK_ADC) {
        o->adc_start_ps = start_ps;
        o->adc_end_ps = end_ps;
    }
}

static void exec(struct chip *c, cmd_work *w, uint64_t t_ps, tu_timing *out)
{
    memset(out, 0, sizeof *out);
    trace_sink sink = {out, capture_span, NULL};
    unit_timing u;
    chip_set_trace_sink(c, &sink);
    chip_exec(c, w, t_ps, &u);
    chip_set_trace_sink(c, NULL);
    out->start_ps = u.start_ps;
    out->end_ps = u.end_ps;
    memcpy(out->wait_ps, u.wait_ps, sizeof out->wait_ps);
    out->e_pj = u.e_pj;
}

static cmd_work work(int op, unit_id u)
{
    cmd_work w;
    memset(&w, 0, sizeof w);
    w.op = (uint8_t)op;
    w.unit = u;
    return w;
}

void tu_act(struct chip *c, uint32_t tile, const cmd_set *rows, const cmd_set *cols,
            unsigned slices, unsigned bits, uint64_t t_ps, tu_timing *out)
{
    cmd_work w = work(CMD_ACT, UNIT(UNIT_TILE, tile));
    w.arg[0] = cmd_set_count(rows);
    w.arg[1] = cmd_set_count(cols);
    w.arg[2] = slices;
    w.arg[3] = bits;
    exec(c, &w, t_ps, out);
}

void tu_xfer(struct chip *c, unit_id src, unit_id dst, uint64_t bytes, uint64_t t_ps,
             tu_timing *out)
{
    cmd_work w = work(CMD_XFER, src);
    w.arg[0] = dst;
    w.arg[1] = bytes;
    exec(c, &w, t_ps, out);
}

void tu_mcast(struct chip *c, unit_id src, unit_id dst, uint32_t n, uint64_t bytes,
              uint64_t t_ps, tu_timing *out)
{
    cmd_work w = work(CMD_MCAST, src);
    w.arg[0] = dst;
    w.arg[1] = bytes;
    w.arg[2] = n;
    exec(c, &w, t_ps, out);
}

void tu_mem(struct chip *c, unit_id mem, int write, uint64_t addr, uint64_t bytes,
            uint64_t t_ps, tu_timing *out)
{
    cmd_work w = work(CMD_MEM, mem);
    w.arg[0] = (uint64_t)write;
    w.arg[1] = addr;
    w.arg[2] = bytes;
    exec(c, &w, t_ps, out);
}

void tu_dig(struct chip *c, uint32_t cluster, enum dig_kind kind, uint32_t m, uint32_t n,
            uint32_t k, uint64_t t_ps, tu_timing *out)
{
    cmd_work w = work(CMD_DIG, UNIT(UNIT_CLUSTER, cluster));
    w.arg[0] = kind;
    w.arg[1] = m;
    w.arg[2] = n;
    w.arg[3] = k;
    exec(c, &w, t_ps, out);
}

void tu_program(struct chip *c, uint32_t tile, uint64_t t_ps, tu_timing *out)
{
    cmd_work w = work(CMD_PROG, UNIT(UNIT_TILE, tile));
    exec(c, &w, t_ps, out);
}
