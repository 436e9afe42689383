/* test_cmdstream.c -- command names (traces/cmd.h) and the command-stream
 * file (traces/cmdstream.h): round trips, plain versus gzip, every error
 * message, truncation, streaming memory, the writer's checks. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/util.h"
#include "tests/testutil.h"
#include "traces/cmdstream.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* ---- names ---- */

Test(cmdstream_names, tables_round_trip)
{
    for (int i = 0; i < CMD_OPS; i++)
        cr_expect_eq(cmd_op_parse(cmd_op_name(i)), i);
    for (int i = 0; i < DIG_KINDS; i++)
        cr_expect_eq(cmd_dig_parse(cmd_dig_name(i)), i);
    for (int i = 0; i < MARK_KINDS; i++)
        cr_expect_eq(cmd_mark_parse(cmd_mark_name(i)), i);
    for (int i = 0; i < UNIT_KINDS; i++)
        cr_expect_eq(cmd_unit_kind_parse(cmd_unit_kind_name(i)), i);
    cr_expect_str_eq(cmd_op_name(CMD_XFER), "xfer");
    cr_expect_str_eq(cmd_dig_name(DIG_LAYERNORM), "layernorm");
    cr_expect_str_eq(cmd_mark_name(MARK_PREFILL), "prefill");
    cr_expect_str_eq(cmd_unit_kind_name(UNIT_SRAM), "sram");
    cr_expect_str_eq(cmd_op_name(CMD_OPS), "?");
    cr_expect_eq(cmd_op_parse("ACT"), -1);
    cr_expect_eq(cmd_dig_parse(""), -1);
}

Test(cmdstream_names, unit_text_form)
{
    char b[CMD_UNIT_STRLEN];
    unit_id u;
    cr_expect_eq(cmd_unit_str(UNIT(UNIT_TILE, 12), b), 6);
    cr_expect_str_eq(b, "tile12");
    cmd_unit_str(UNIT(UNIT_CLUSTER, 0), b);
    cr_expect_str_eq(b, "cluster0");
    cmd_unit_str(UNIT(UNIT_NONE, 0), b);
    cr_expect_str_eq(b, "-");
    cmd_unit_str(UNIT(UNIT_DRAM, 0x0fffffff), b);
    cr_expect_str_eq(b, "dram268435455");
    cr_expect_eq(cmd_unit_parse("sram3", &u), 0);
    cr_expect_eq(u, UNIT(UNIT_SRAM, 3));
    cr_expect_eq(cmd_unit_parse("-", &u), 0);
    cr_expect_eq(UNIT_KIND(u), UNIT_NONE);
    const char *bad[] = {"tile", "tile-1", "tile03", "tile3x", "tiles3", "Tile3", "none",
                         "dram268435456", "x", "", "cluster 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(cmd_unit_parse(bad[i], &u), -1, "%s", bad[i]);
}

/* ---- helpers ---- */

static cmd_tag g_tags[] = {{"other", -1}, {"h0.attn.c_attn", 0}, {"h0.mlp.c_fc", 0},
                           {"h1.attn.softmax", 1}, {"lm_head", 12}};

static cmdstream_header hdr(void)
{
    static const cmdstream_prov prov[] = {{"command", "aimcsim schedule x.ini -o s.cmd"},
                                          {"config_hash", "0123456789abcdef"}};
    cmdstream_header h = {0};
    h.units[UNIT_TILE] = 64;
    h.units[UNIT_CLUSTER] = 4;
    h.units[UNIT_SRAM] = 8;
    h.units[UNIT_DRAM] = 2;
    h.ntags = sizeof g_tags / sizeof *g_tags;
    h.tags = g_tags;
    h.nprov = 2;
    h.prov = prov;
    return h;
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void rand_set(uint64_t *s, cmd_set *set, int big)
{
    set->nranges = (uint8_t)(1 + rng(s) % CMD_MAX_RANGES);
    for (int i = 0; i < set->nranges; i++) {
        set->r[i].lo = big ? (uint32_t)(UINT32_MAX - 1 - rng(s) % 1000) : (uint32_t)(rng(s) % 256);
        set->r[i].n = 1 + (uint32_t)(rng(s) % (big ? 1 : 256));
    }
}

/* Command i of a random stream (fixed seed per i); deps in dbuf. */
static void rand_cmd(uint64_t i, cmd *c, uint64_t *dbuf)
{
    uint64_t s = 0x9e3779b97f4a7c15ULL ^ (i * 0x100000001b3ULL + 1);
    for (int k = 0; k < 3; k++)
        rng(&s);
    memset(c, 0, sizeof *c);
    c->id = i;
    c->op = (uint8_t)(rng(&s) % CMD_OPS);
    c->tag = (uint32_t)(rng(&s) % (sizeof g_tags / sizeof *g_tags));
    switch (c->op) {
    case CMD_ACT:
        c->unit = UNIT(UNIT_TILE, rng(&s) % 64);
        rand_set(&s, &c->u.act.rows, i % 17 == 0);
        rand_set(&s, &c->u.act.cols, 0);
        c->u.act.slices = (uint8_t)(1 + rng(&s) % 255);
        c->u.act.bits = (uint8_t)(1 + rng(&s) % 255);
        break;
    case CMD_XFER:
        c->unit = UNIT(rng(&s) % 4, rng(&s) % 2);
        c->u.xfer.dst = UNIT(rng(&s) % 4, rng(&s) % 2);
        c->u.xfer.bytes = i % 5 == 0 ? UINT64_MAX : rng(&s) % 100000;
        break;
    case CMD_MEM:
        c->unit = UNIT(UNIT_SRAM + rng(&s) % 2, rng(&s) % 2);
        c->u.mem.write = (uint8_t)(rng(&s) % 2);
        c->u.mem.addr = rng(&s);
        c->u.mem.bytes = rng(&s) % 65536;
        break;
    case CMD_DIG:
        c->unit = UNIT(UNIT_CLUSTER, rng(&s) % 4);
        c->u.dig.kind = (uint8_t)(rng(&s) % DIG_KINDS);
        c->u.dig.m = (uint32_t)rng(&s);
        c->u.dig.n = (uint32_t)(rng(&s) % 4096);
        c->u.dig.k = i % 3 ? 0 : UINT32_MAX;
        break;
    case CMD_SYNC:
        c->unit = UNIT(UNIT_NONE, 0);
        break;
    case CMD_MARK:
        c->unit = UNIT(UNIT_NONE, 0);
        c->u.mark.kind = (uint8_t)(rng(&s) % MARK_KINDS);
        c->u.mark.value = rng(&s);
        break;
    case CMD_PROG:
        c->unit = UNIT(UNIT_TILE, rng(&s) % 64);
        c->u.prog.array = (uint32_t)rng(&s);
        break;
    case CMD_FIXED:
    case CMD_DELAY:
        c->unit = c->op == CMD_DELAY ? UNIT(UNIT_NONE, 0) : UNIT(rng(&s) % 2, rng(&s) % 2);
        c->u.fixed.lat_ps = i % 11 == 0 ? UINT64_MAX : rng(&s) % 1000000;
        c->u.fixed.e_fj = rng(&s);
        break;
    case CMD_MCAST:
        c->unit = UNIT(rng(&s) % 4, rng(&s) % 2);
        c->u.mcast.dst = UNIT(UNIT_TILE, rng(&s) % 32);
        c->u.mcast.dsts = 1 + (uint32_t)(rng(&s) % 32);
        c->u.mcast.bytes = i % 7 == 0 ? UINT64_MAX : rng(&s) % 100000;
        break;
    }
    if (i % 7 == 3) { /* a priority on some commands of every op */
        c->arb = 1;
        c->prio = i % 2 ? UINT32_MAX : (uint32_t)rng(&s);
    }
    uint32_t nd = i ? (uint32_t)(rng(&s) % 6) : 0;
    if (nd > i)
        nd = (uint32_t)i;
    uint64_t lo = 0;
    for (uint32_t k = 0; k < nd; k++) { /* strictly increasing, all < i */
        uint64_t room = i - lo - (nd - k) + 1;
        dbuf[k] = lo + rng(&s) % room;
        lo = dbuf[k] + 1;
    }
    c->ndeps = nd;
    c->deps = dbuf;
}

static char *tmp_path(const char *suffix)
{
    char *p = tu_tmpfile(suffix, "");
    cr_assert_not_null(p);
    return p;
}

static void write_random(const char *path, uint64_t n)
{
    char err[ERR_LEN];
    cmdstream_header h = hdr();
    cmdw *w = cmdw_open(path, &h, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    uint64_t d[8];
    cmd c;
    for (uint64_t i = 0; i < n; i++) {
        rand_cmd(i, &c, d);
        cr_assert_eq(cmdw_write(w, &c), 0, "command %" PRIu64, i);
    }
    cr_assert_eq(cmdw_count(w), n);
    cr_assert_eq(cmdw_commit(w, err, sizeof err), 0, "%s", err);
}

/* Reads a stream written by write_random, checking every field. */
static void read_random(const char *path, uint64_t n)
{
    char err[ERR_LEN];
    cmdr *r = cmdr_open(path, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    const cmdstream_header *h = cmdr_header(r);
    cmdstream_header w = hdr();
    cr_expect_eq(h->version, CMDSTREAM_VERSION);
    for (int k = 0; k < UNIT_NONE; k++)
        cr_expect_eq(h->units[k], w.units[k]);
    cr_assert_eq(h->ntags, w.ntags);
    for (uint32_t i = 0; i < h->ntags; i++) {
        cr_expect_str_eq(h->tags[i].name, w.tags[i].name);
        cr_expect_eq(h->tags[i].layer, w.tags[i].layer);
    }
    cr_expect_str_eq(cmdstream_prov_get(h, "command"), "aimcsim schedule x.ini -o s.cmd");
    cr_expect_str_eq(cmdstream_prov_get(h, "config_hash"), "0123456789abcdef");
    cr_expect_null(cmdstream_prov_get(h, "nope"));
    cmd_source src = cmdr_source(r);
    cmd c, e;
    uint64_t d[8], i = 0;
    int k;
    while ((k = src.next(src.ctx, &c, err, sizeof err)) > 0) {
        rand_cmd(i, &e, d);
        cr_assert(cmd_equal(&c, &e), "%s: command %" PRIu64 " differs", path, i);
        i++;
    }
    cr_assert_eq(k, 0, "%s", err);
    cr_expect_eq(i, n);
    cr_expect_eq(src.next(src.ctx, &c, err, sizeof err), 0, "end is sticky");
    cmdr_close(r);
}

/* ---- round trips ---- */

Test(cmdstream_roundtrip, random_commands_plain_and_gzip)
{
    char *p = tmp_path(".cmd"), *z = tmp_path(".cmd.gz");
    write_random(p, 20000);
    write_random(z, 20000);
    read_random(p, 20000);
    read_random(z, 20000);
    /* Every op occurs (20000 random draws of 6). */
    uint64_t d[8], seen = 0;
    cmd c;
    for (uint64_t i = 0; i < 20000; i++) {
        rand_cmd(i, &c, d);
        seen |= 1u << c.op;
    }
    cr_expect_eq(seen, (1u << CMD_OPS) - 1);
    /* The .gz holds exactly the plain bytes. */
    size_t plen;
    char *plain = tu_slurp(p, &plen);
    gzFile g = gzopen(z, "rb");
    char *unz = malloc(plen + 16);
    int got = gzread(g, unz, (unsigned)plen + 16);
    gzclose(g);
    cr_expect_eq((size_t)got, plen);
    cr_expect(!memcmp(plain, unz, plen));
    free(plain);
    free(unz);
    unlink(p);
    unlink(z);
    free(p);
    free(z);
}

Test(cmdstream_roundtrip, empty_stream)
{
    char *p = tmp_path(".cmd"), err[ERR_LEN];
    write_random(p, 0);
    char *text = tu_slurp(p, NULL);
    cr_expect(strstr(text, "\nend 0\n") != NULL);
    free(text);
    read_random(p, 0);
    unlink(p);
    free(p);
    (void)err;
}

Test(cmdstream_roundtrip, writer_sorts_dependencies)
{
    char *p = tmp_path(".cmd"), err[ERR_LEN];
    cmdstream_header h = hdr();
    cmdw *w = cmdw_open(p, &h, err, sizeof err);
    cmd c = {0};
    c.op = CMD_SYNC;
    c.unit = UNIT(UNIT_NONE, 0);
    for (uint64_t i = 0; i < 4; i++) {
        c.id = i;
        cr_assert_eq(cmdw_write(w, &c), 0);
    }
    uint64_t d[] = {3, 0, 2};
    c.id = 4;
    c.deps = d;
    c.ndeps = 3;
    cr_assert_eq(cmdw_write(w, &c), 0);
    cr_expect_eq(d[0], 3, "the caller's list is not touched");
    cr_assert_eq(cmdw_commit(w, err, sizeof err), 0, "%s", err);
    char *text = tu_slurp(p, NULL);
    cr_expect(strstr(text, "\n4 sync - tag=0 deps=0,2,3\nend 5\n") != NULL, "%s", text);
    free(text);
    unlink(p);
    free(p);
}

/* The example of docs/command-stream.md, kept as a fixture. */
Test(cmdstream_roundtrip, documented_example)
{
    char err[ERR_LEN];
    cmdr *r = cmdr_open("tests/data/streams/example.cmd", err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    const cmdstream_header *h = cmdr_header(r);
    cr_expect_eq(h->units[UNIT_TILE], 16);
    cr_expect_eq(h->units_line, 2);
    cr_expect_str_eq(h->tags[2].name, "h0.attn.c_attn");
    cmd_source s = cmdr_source(r);
    cmd c;
    int n = 0, k;
    while ((k = s.next(s.ctx, &c, err, sizeof err)) > 0) {
        if (c.op == CMD_ACT) {
            cr_expect_eq(c.unit, UNIT(UNIT_TILE, 3));
            cr_expect_eq(c.u.act.cols.nranges, 2);
            cr_expect_eq(c.u.act.cols.r[1].lo, 192);
            cr_expect_eq(c.u.act.cols.r[1].n, 32);
            cr_expect_eq(cmd_set_count(&c.u.act.cols), 160);
        }
        if (c.op == CMD_MEM)
            cr_expect_eq(c.u.mem.bytes, 1536);
        if (c.op == CMD_MARK) {
            cr_expect_eq(c.u.mark.kind, MARK_TOKEN);
            cr_expect_eq(c.ndeps, 2);
            cr_expect_eq(c.deps[1], 6);
        }
        n++;
    }
    cr_expect_eq(k, 0, "%s", err);
    cr_expect_eq(n, 8);
    cmdr_close(r);
}

Test(cmdstream_roundtrip, comments_blank_lines_crlf_and_spacing)
{
    const char *text = "aimcsim-cmd 1\r\n"
                       "# made by hand\n"
                       "units dram=1 sram=1 cluster=1 tile=2\n"
                       "\n"
                       "tag 0 -1 other\n"
                       "prov note made by hand, with  spaces\n"
                       "0   act\ttile1 rows=0:4 cols=0:4,8:4 slices=1 bits=4 tag=0 deps=\r\n"
                       "  # a comment between commands\n"
                       "1 sync - tag=0 deps=0\n"
                       "end 2"; /* no final newline */
    char *p = tu_tmpfile(".cmd", text), err[ERR_LEN];
    cmdr *r = cmdr_open(p, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    cr_expect_str_eq(cmdstream_prov_get(cmdr_header(r), "note"), "made by hand, with  spaces");
    cr_expect_eq(cmdr_header(r)->units_line, 3);
    cmd_source s = cmdr_source(r);
    cmd c;
    cr_assert_eq(s.next(s.ctx, &c, err, sizeof err), 1, "%s", err);
    cr_expect_eq(c.u.act.cols.nranges, 2);
    cr_assert_eq(s.next(s.ctx, &c, err, sizeof err), 1, "%s", err);
    cr_expect_eq(c.deps[0], 0);
    cr_expect_eq(s.next(s.ctx, &c, err, sizeof err), 0, "%s", err);
    cmdr_close(r);
    unlink(p);
    free(p);
}

/* ---- errors ---- */

#define HDR "aimcsim-cmd 1\nunits tile=4 cluster=1 sram=2 dram=1\ntag 0 -1 other\ntag 1 0 h0.attn.c_attn\n"
#define HDR_LINES 4
#define ACT0 "0 act tile0 rows=0:256 cols=0:128 slices=1 bits=8 tag=0 deps="
#define SYNC(id, deps) #id " sync - tag=0 deps=" deps "\n"

/* Reads text as a stream file; expects the first error to be exactly
 * "path:line: msg". */
static void expect_error_in(const char *suffix, const char *text, size_t len, int line,
                            const char *msg)
{
    char *p = tu_tmpfile(suffix, "");
    FILE *f = fopen(p, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    char err[ERR_LEN] = "", want[ERR_LEN];
    snprintf(want, sizeof want, "%s:%d: %s", p, line, msg);
    cmdr *r = cmdr_open(p, err, sizeof err);
    int k = -1;
    if (r) {
        cmd_source s = cmdr_source(r);
        cmd c;
        while ((k = s.next(s.ctx, &c, err, sizeof err)) > 0)
            ;
        char err2[ERR_LEN] = "";
        cr_expect_eq(s.next(s.ctx, &c, err2, sizeof err2), -1, "errors are sticky");
        cr_expect_str_eq(err2, err);
        cmdr_close(r);
    }
    cr_expect_eq(k, -1, "no error for %s", msg);
    cr_expect_str_eq(err, want);
    unlink(p);
    free(p);
}

static void expect_error(const char *text, int line, const char *msg)
{
    expect_error_in(".cmd", text, strlen(text), line, msg);
}

#define L1 (HDR_LINES + 1)

Test(cmdstream_errors, header)
{
    expect_error("", 1, "missing header (expected 'aimcsim-cmd 2')");
    expect_error(SYNC(0, "") "end 1\n", 1, "missing header (expected 'aimcsim-cmd 2')");
    expect_error("aimcsim-cmd one\n", 1, "missing header (expected 'aimcsim-cmd 2')");
    expect_error("aimcsim-cmd 3\nunits tile=1 cluster=1 sram=1 dram=1\nend 0\n", 1,
                 "unsupported format version 3 (expected 1 to 2)");
    expect_error("aimcsim-cmd 0\nunits tile=1 cluster=1 sram=1 dram=1\nend 0\n", 1,
                 "unsupported format version 0 (expected 1 to 2)");
    /* Version 1 streams are read, without what version 2 added. */
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -1 x\n"
                 "0 fixed tile0 lat_ps=1 e_fj=1 tag=0 deps=\nend 1\n", 4,
                 "fixed needs format version 2 (the stream is version 1)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -1 x\n"
                 "0 delay - lat_ps=1 e_fj=1 tag=0 deps=\nend 1\n", 4,
                 "delay needs format version 2 (the stream is version 1)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -1 x\n"
                 "0 sync - prio=3 tag=0 deps=\nend 1\n", 4,
                 "prio= needs format version 2 (the stream is version 1)");
    expect_error("aimcsim-cmd 2\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -1 x\n"
                 "0 sync - prio=x tag=0 deps=\nend 1\n", 4,
                 "sync: bad prio=x (expected prio=N, a decimal integer < 2^32)");
    expect_error("aimcsim-cmd 1\n" SYNC(0, "") "end 1\n", 2,
                 "no units line before the commands (expected 'units tile=N cluster=N sram=N dram=N')");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1\nend 0\n", 2,
                 "units: missing dram= (expected 'units tile=N cluster=N sram=N dram=N', each kind once)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1 tile=2\nend 0\n", 2,
                 "bad units entry 'tile=2' (expected 'units tile=N cluster=N sram=N dram=N', each kind once, N <= 268435456)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\nunits tile=1 cluster=1 sram=1 dram=1\n",
                 3, "second units line (expected one)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\nchip x\n", 3,
                 "unknown header line 'chip' (expected units, tag, prov, # comment, a command or 'end N')");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 1 0 x\n", 3,
                 "tag 1 out of sequence (expected tag 0: tags are numbered from 0)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 -2 x\n", 3,
                 "tag 0: bad layer '-2' (expected an integer >= -1)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 0\n", 3,
                 "bad tag line (expected 'tag INDEX LAYER NAME')");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\nprov\n", 3,
                 "bad prov line (expected 'prov KEY VALUE')");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\n", 3,
                 "unexpected end of file (expected 'end 0')");
}

Test(cmdstream_errors, operation_and_unit)
{
    expect_error(HDR "0 load tile0\n", L1,
                 "unknown operation 'load' (expected act, xfer, mem, dig, sync, mark, prog, fixed, delay or mcast)");
    expect_error(HDR "0 act tilex rows=0:1 cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act: unknown unit 'tilex' (expected tileN, clusterN, sramN, dramN or -)");
    expect_error(HDR "0 act tile4 rows=0:1 cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "unit tile4 out of range (the stream declares 4 tiles: tile0..tile3)");
    expect_error(HDR "0 xfer tile0 dst=sram2 bytes=4 tag=0 deps=\n", L1,
                 "unit sram2 out of range (the stream declares 2 srams: sram0..sram1)");
    expect_error(HDR "0 act sram0 rows=0:1 cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act on sram0 (expected a tile)");
    expect_error(HDR "0 dig tile0 gemm m=1 n=1 k=1 tag=0 deps=\n", L1,
                 "dig on tile0 (expected a cluster)");
    expect_error(HDR "0 mem cluster0 read addr=0 bytes=1 tag=0 deps=\n", L1,
                 "mem on cluster0 (expected an sram or a dram)");
    expect_error(HDR "0 xfer - dst=sram0 bytes=1 tag=0 deps=\n", L1,
                 "xfer from - (expected a tile, a cluster, an sram or a dram)");
    expect_error(HDR "0 xfer tile0 dst=- bytes=1 tag=0 deps=\n", L1,
                 "xfer: dst=- (expected a tile, a cluster, an sram or a dram)");
    expect_error(HDR "0 sync tile1 tag=0 deps=\n", L1, "sync on tile1 (expected -)");
    expect_error("aimcsim-cmd 1\nunits tile=0 cluster=1 sram=1 dram=1\n"
                 "0 act tile0 rows=0:1 cols=0:1 slices=1 bits=8 tag=0 deps=\n",
                 3, "unit tile0 out of range (the stream declares no tiles)");
}

Test(cmdstream_errors, operands)
{
    expect_error(HDR "0 act tile0 rows=0:256 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act: unexpected 'slices=1' (expected cols=LO:N[,LO:N]... (start:count, at most 8 ranges))");
    expect_error(HDR "0 act tile0 rows=0:x cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act: bad rows=0:x (expected rows=LO:N[,LO:N]... (start:count, at most 8 ranges))");
    expect_error(HDR "0 act tile0 rows=0-255 cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act: bad rows=0-255 (expected rows=LO:N[,LO:N]... (start:count, at most 8 ranges))");
    expect_error(HDR "0 act tile0 rows=0:1,1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1 cols=0:1 slices=1 bits=8 tag=0 deps=\n",
                 L1, "act: bad rows=0:1,1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1 (expected rows=LO:N[,LO:N]... (start:count, at most 8 ranges))");
    expect_error(HDR "0 act tile0 rows=0:0 cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act: rows range 0:0 is empty (expected LO:N with N >= 1)");
    expect_error(HDR "0 act tile0 rows=4294967295:1 cols=0:1 slices=1 bits=8 tag=0 deps=\n", L1,
                 "act: rows range 4294967295:1 ends past 4294967295 (expected LO+N <= 4294967295)");
    expect_error(HDR "0 act tile0 rows=0:1 cols=0:1 slices=256 bits=8 tag=0 deps=\n", L1,
                 "act: bad slices=256 (expected slices=1..255)");
    expect_error(HDR "0 act tile0 rows=0:1 cols=0:1 slices=1 bits=0 tag=0 deps=\n", L1,
                 "act: bits=0 (expected 1..255)");
    expect_error(HDR "0 xfer tile0 dst=sram0\n", L1,
                 "xfer: missing bytes= (expected bytes=N, a decimal integer < 2^64)");
    expect_error(HDR "0 xfer tile0 dst=bank0 bytes=1 tag=0 deps=\n", L1,
                 "xfer: bad dst=bank0 (expected dst=tileN, clusterN, sramN or dramN)");
    expect_error(HDR "0 xfer tile0 dst=sram0 bytes=18446744073709551616 tag=0 deps=\n", L1,
                 "xfer: bad bytes=18446744073709551616 (expected bytes=N, a decimal integer < 2^64)");
    expect_error(HDR "0 mem sram0 load addr=0 bytes=1 tag=0 deps=\n", L1,
                 "mem: unknown direction 'load' (expected read or write)");
    expect_error(HDR "0 dig cluster0 matmul m=1 n=1 k=1 tag=0 deps=\n", L1,
                 "dig: unknown kind 'matmul' (expected layernorm, softmax, gelu, add, gemm, reduce, permute, embed or argmax)");
    expect_error(HDR "0 dig cluster0 gemm m=1 n=-1 k=1 tag=0 deps=\n", L1,
                 "dig: bad n=-1 (expected n=N, a decimal integer < 2^32)");
    expect_error(HDR "0 mark - eos value=1 tag=0 deps=\n", L1,
                 "mark: unknown kind 'eos' (expected token or prefill)");
    expect_error(HDR "0 sync - tag=0\n", L1, "sync: missing deps= (expected deps=ID[,ID]... (or nothing))");
    expect_error(HDR "0 sync - tag=0 deps= extra\n", L1,
                 "sync: unexpected 'extra' after deps= (expected the end of the line)");
    expect_error(HDR "0 sync - deps=\n", L1,
                 "sync: unexpected 'deps=' (expected tag=N, a declared tag index)");
}

/* Version 2 adds mcast and the argmax kind; a version-1 stream is read
 * as before and may not use them. */
#define HDR2 "aimcsim-cmd 2\nunits tile=4 cluster=1 sram=2 dram=1\ntag 0 -1 other\ntag 1 0 h0.attn.c_attn\n"

Test(cmdstream_errors, version_2_operations)
{
    expect_error(HDR "0 mcast cluster0 dst=tile0 dsts=4 bytes=64 tag=0 deps=\n", L1,
                 "mcast needs format version 2 (the stream is version 1)");
    expect_error(HDR "0 dig cluster0 argmax m=1 n=64 k=0 tag=0 deps=\n", L1,
                 "argmax needs format version 2 (the stream is version 1)");
    expect_error(HDR2 "0 mcast cluster0 dst=tile1 dsts=4 bytes=64 tag=0 deps=\n", L1,
                 "unit tile4 out of range (the stream declares 4 tiles: tile0..tile3)");
    expect_error(HDR2 "0 mcast cluster0 dst=tile0 dsts=0 bytes=64 tag=0 deps=\n", L1,
                 "mcast: dsts=0 (expected 1..268435456)");
    expect_error(HDR2 "0 mcast cluster0 dst=tile0 bytes=64 tag=0 deps=\n", L1,
                 "mcast: unexpected 'bytes=64' (expected dsts=N, a decimal integer < 2^32)");
    const char *ok = HDR2 "0 mcast cluster0 dst=tile0 dsts=4 bytes=64 tag=0 deps=\n"
                          "1 dig cluster0 argmax m=1 n=64 k=0 tag=0 deps=0\nend 2\n";
    char *p = tu_tmpfile(".cmd", ok), err[ERR_LEN];
    cmdr *r = cmdr_open(p, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    cmd_source src = cmdr_source(r);
    cmd c;
    cr_assert_eq(src.next(src.ctx, &c, err, sizeof err), 1, "%s", err);
    cr_expect_eq(c.op, CMD_MCAST);
    cr_expect_eq(c.u.mcast.dst, UNIT(UNIT_TILE, 0));
    cr_expect_eq(c.u.mcast.dsts, 4);
    cr_expect_eq(c.u.mcast.bytes, 64);
    cr_assert_eq(src.next(src.ctx, &c, err, sizeof err), 1, "%s", err);
    cr_expect_eq(c.u.dig.kind, DIG_ARGMAX);
    cr_expect_eq(src.next(src.ctx, &c, err, sizeof err), 0, "%s", err);
    cmdr_close(r);
    unlink(p);
    free(p);
}

Test(cmdstream_errors, tags_ids_and_dependencies)
{
    expect_error(HDR "0 sync - tag=2 deps=\n", L1, "unknown tag 2 (the stream declares 2 tags: 0..1)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\n" SYNC(0, ""), 3,
                 "unknown tag 0 (the stream declares no tags)");
    expect_error(HDR SYNC(1, ""), L1, "id 1 out of sequence (expected 0: ids are consecutive from 0)");
    expect_error(HDR SYNC(0, "") SYNC(0, ""), L1 + 1,
                 "duplicate id 0 (expected 1: ids are consecutive from 0)");
    expect_error(HDR SYNC(0, "") "x sync - tag=0 deps=\n", L1 + 1,
                 "unexpected 'x' (expected command 1 or 'end 1')");
    expect_error(HDR SYNC(0, "") SYNC(1, "1"), L1 + 1, "dependency on itself (1): a cycle (expected ids < 1)");
    expect_error(HDR SYNC(0, "") SYNC(1, "0,5"), L1 + 1,
                 "forward dependency on 5 (expected ids < 1: a command depends only on earlier ones)");
    expect_error(HDR SYNC(0, "") SYNC(1, "") SYNC(2, "1,0"), L1 + 2,
                 "dependencies out of order (0 after 1) (expected increasing ids)");
    expect_error(HDR SYNC(0, "") SYNC(1, "") SYNC(2, "0,0"), L1 + 2,
                 "duplicate dependency 0 (expected each id once)");
    expect_error(HDR SYNC(0, "") SYNC(1, "0,"), L1 + 1,
                 "bad deps=0, (expected deps=ID[,ID]... or deps= for none)");
}

Test(cmdstream_errors, trailer_and_length)
{
    expect_error(HDR SYNC(0, ""), L1 + 1,
                 "unexpected end of file (expected 'end 1' after the last command)");
    expect_error(HDR SYNC(0, "") "end 3\n", L1 + 1,
                 "trailer 'end 3' does not match the 1 commands read (expected 'end 1')");
    expect_error(HDR SYNC(0, "") "end\n", L1 + 1, "bad trailer (expected 'end 1')");
    expect_error(HDR SYNC(0, "") "end 1\n# fine\n" SYNC(1, ""), L1 + 3,
                 "text after the trailer (expected the end of the file)");
    /* One character over the limit (the limit itself: next test). */
    size_t n = CMDSTREAM_LINE_MAX;
    char *t = malloc(strlen(HDR) + n + 64);
    strcpy(t, HDR "0 sync - tag=0 deps=");
    size_t k = strlen(t);
    while (k < strlen(HDR) + n + 1)
        t[k++] = ' ';
    strcpy(t + k, "\nend 1\n");
    expect_error(t, L1, "line longer than 1048576 characters (expected at most 1048576 per line)");
    free(t);
}

/* The reader accepts only what the writer can write (docs/command-stream.md):
 * text without NUL or control characters, tag names and provenance keys of
 * the writer's character sets; a set's ranges total at most 2^32 - 1. */
Test(cmdstream_errors, reader_is_as_strict_as_the_writer)
{
    /* A NUL used to end the line there: the rest of it was dropped. */
    static const char nul[] = HDR "0 sync - tag=0 deps=\0garbage\nend 1\n";
    expect_error_in(".cmd", nul, sizeof nul - 1, L1, "NUL byte in the line (expected text)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 0 h0\x01x\n", 3,
                 "tag 0: control character 0x01 in the name (expected 1..255 printable "
                 "characters without spaces)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\ntag 0 0 h0\x7f\n", 3,
                 "tag 0: control character 0x7f in the name (expected 1..255 printable "
                 "characters without spaces)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\nprov a/b x\n", 3,
                 "prov: bad key 'a/b' (expected 1..255 of A-Z a-z 0-9 _ . -)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\nprov a\x02 x\n", 3,
                 "prov: control character 0x02 in the key (expected 1..255 of A-Z a-z 0-9 _ . -)");
    expect_error("aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\nprov cmd a\tb\n", 3,
                 "prov cmd: control character 0x09 in the value (expected printable text)");
    expect_error(HDR "# a \x1b[31m comment\n", L1,
                 "control character 0x1b in a comment (expected text)");
    expect_error(HDR SYNC(0, "") "# x\x0c\n", L1 + 1,
                 "control character 0x0c in a comment (expected text)");
    /* Eight ranges of 2^31 wrapped a 32-bit count to 0 (a silent result). */
    expect_error(HDR "0 act tile0 rows=0:2147483648,2147483648:2147483647,0:2 cols=0:1 slices=1 "
                 "bits=8 tag=0 deps=\n", L1,
                 "act: rows has 4294967297 indices in all (expected at most 4294967295)");
    /* A tag name with a comma or quote is valid (tags.csv quotes it). */
    char err[ERR_LEN];
    char *p = tu_tmpfile(".cmd", "aimcsim-cmd 1\nunits tile=1 cluster=1 sram=1 dram=1\n"
                                 "prov k\t value with  spaces\ntag 0 0 a,\"b\"\xc3\xa9\nend 0\n");
    cmdr *r = cmdr_open(p, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    cr_expect_str_eq(cmdr_header(r)->tags[0].name, "a,\"b\"\xc3\xa9");
    cmdr_close(r);
    unlink(p);
    free(p);
}

Test(cmdstream_errors, line_at_the_limit_is_accepted)
{
    size_t n = CMDSTREAM_LINE_MAX;
    char *t = malloc(strlen(HDR) + n + 64);
    strcpy(t, HDR "0 sync - tag=0 deps=");
    size_t k = strlen(t);
    while (k < strlen(HDR) + n)
        t[k++] = ' ';
    strcpy(t + k, "\nend 1\n");
    char *p = tu_tmpfile(".cmd", t), err[ERR_LEN];
    cmdr *r = cmdr_open(p, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    cmd_source s = cmdr_source(r);
    cmd c;
    cr_expect_eq(s.next(s.ctx, &c, err, sizeof err), 1, "%s", err);
    cr_expect_eq(s.next(s.ctx, &c, err, sizeof err), 0, "%s", err);
    cr_expect_leq(cmdr_mem_bytes(r), (size_t)CMDSTREAM_LINE_MAX + 2 + 64 * 8);
    cmdr_close(r);
    unlink(p);
    free(p);
    free(t);
}

Test(cmdstream_errors, cannot_open)
{
    char err[ERR_LEN];
    cr_expect_null(cmdr_open("/nonexistent/s.cmd", err, sizeof err));
    cr_expect_str_eq(err, "/nonexistent/s.cmd: cannot open: No such file or directory");
}

/* A valid .gz cut short (inside the data, and inside the 8-byte trailer)
 * is an error, never a short stream. */
Test(cmdstream_errors, truncated_gzip)
{
    char *z = tmp_path(".cmd.gz"), err[ERR_LEN];
    write_random(z, 20000);
    size_t len;
    char *bytes = tu_slurp(z, &len);
    size_t cuts[] = {len / 2, len - 4, len - 1};
    for (int i = 0; i < 3; i++) {
        char *t = tmp_path(".cmd.gz");
        FILE *f = fopen(t, "wb");
        fwrite(bytes, 1, cuts[i], f);
        fclose(f);
        cmdr *r = cmdr_open(t, err, sizeof err);
        cr_assert_not_null(r, "%s", err);
        cmd_source s = cmdr_source(r);
        cmd c;
        int k;
        uint64_t n = 0;
        while ((k = s.next(s.ctx, &c, err, sizeof err)) > 0)
            n++;
        cr_expect_eq(k, -1, "cut at %zu of %zu: no error after %" PRIu64 " commands", cuts[i], len, n);
        char want[ERR_LEN];
        snprintf(want, sizeof want, "%s:%" PRIu64 ": truncated or corrupt gzip data: unexpected end of file (expected a complete gzip stream)",
                 t, cmdr_line(r));
        cr_expect_str_eq(err, want);
        /* 9 header lines, the commands, the trailer if it was read, then
         * the line the data broke off in. */
        if (i == 0)
            cr_expect_eq(cmdr_line(r), 9 + n + 1);
        else
            cr_expect(n == 20000 && cmdr_line(r) == 9 + n + 2, "n %" PRIu64 " line %" PRIu64, n,
                      cmdr_line(r));
        cmdr_close(r);
        unlink(t);
        free(t);
    }
    free(bytes);
    unlink(z);
    free(z);
}

/* ---- streaming ---- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

Test(cmdstream_stream, memory_bounded_on_a_long_stream)
{
    uint64_t n = SANITIZED && !tu_slow() ? 200000 : 2000000;
    char *p = tmp_path(".cmd"), err[ERR_LEN];
    double t0 = now_s();
    write_random(p, n);
    double t1 = now_s();
    cmdr *r = cmdr_open(p, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    cmd_source s = cmdr_source(r);
    cmd c;
    size_t mem_early = 0;
    uint64_t i = 0;
    int k;
    while ((k = s.next(s.ctx, &c, err, sizeof err)) > 0) {
        if (++i == 10000)
            mem_early = cmdr_mem_bytes(r);
    }
    double t2 = now_s();
    cr_assert_eq(k, 0, "%s", err);
    cr_expect_eq(i, n);
    cr_expect_eq(cmdr_mem_bytes(r), mem_early, "memory grew with the stream");
    cr_expect_leq(cmdr_mem_bytes(r), (size_t)512 * 1024);
    cr_log_info("cmdstream: %" PRIu64 " random commands: write %.2f M lines/s, read %.2f M lines/s (plain)",
                n, (double)n / (t1 - t0) / 1e6, (double)n / (t2 - t1) / 1e6);
    cmdr_close(r);
    unlink(p);
    free(p);
}

/* ---- writer checks ---- */

static void expect_write_error(const cmd *bad, const char *msg)
{
    char *p = tmp_path(".cmd"), err[ERR_LEN], want[ERR_LEN];
    unlink(p);
    cmdstream_header h = hdr();
    cmdw *w = cmdw_open(p, &h, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    cmd c = {0};
    c.op = CMD_SYNC;
    c.unit = UNIT(UNIT_NONE, 0);
    cr_assert_eq(cmdw_write(w, &c), 0);
    cr_expect_eq(cmdw_write(w, bad), -1);
    c.id = 2;
    cr_expect_eq(cmdw_write(w, &c), -1, "failure is sticky");
    cr_expect_eq(cmdw_commit(w, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: command %" PRIu64 ": %s", p, bad->id, msg);
    cr_expect_str_eq(err, want);
    cr_expect_eq(access(p, F_OK), -1, "no file is left behind");
    free(p);
}

Test(cmdstream_writer, rejects_invalid_commands)
{
    cmd c = {0};
    c.id = 1;
    c.op = CMD_SYNC;
    c.unit = UNIT(UNIT_NONE, 0);
    uint64_t d[] = {1};
    c.deps = d;
    c.ndeps = 1;
    expect_write_error(&c, "dependency on itself (1): a cycle (expected ids < 1)");
    c.ndeps = 0;
    c.id = 3;
    expect_write_error(&c, "id 3 out of sequence (expected 1: ids are consecutive from 0)");
    c.id = 1;
    c.tag = 99;
    expect_write_error(&c, "unknown tag 99 (the stream declares 5 tags: 0..4)");
    c.tag = 0;
    c.op = CMD_ACT;
    c.unit = UNIT(UNIT_TILE, 64);
    expect_write_error(&c, "unit tile64 out of range (the stream declares 64 tiles: tile0..tile63)");
    c.unit = UNIT(UNIT_TILE, 1);
    expect_write_error(&c, "act: rows has 0 ranges (expected 1..8)");
    c.op = CMD_MEM;
    c.unit = UNIT(UNIT_SRAM, 0);
    c.u.mem.write = 2;
    expect_write_error(&c, "mem: unknown direction 2 (expected 0..1)");
}

Test(cmdstream_writer, rejects_bad_header)
{
    char err[ERR_LEN];
    cmdstream_header h = hdr();
    cmd_tag bad[] = {{"has space", 0}};
    h.tags = bad;
    h.ntags = 1;
    cr_expect_null(cmdw_open("/tmp/x.cmd", &h, err, sizeof err));
    cr_expect_str_eq(err, "/tmp/x.cmd: tag 0: bad name 'has space' (expected 1..255 printable characters without spaces)");
    bad[0].name = "ok";
    bad[0].layer = -3;
    cr_expect_null(cmdw_open("/tmp/x.cmd", &h, err, sizeof err));
    cr_expect_str_eq(err, "/tmp/x.cmd: tag 0: layer -3 (expected >= -1)");
}

Test(cmdstream_writer, provenance_control_characters_become_spaces)
{
    char *p = tmp_path(".cmd"), err[ERR_LEN];
    cmdstream_header h = hdr();
    cmdstream_prov pv[] = {{"command", "a\nb\tc"}};
    h.prov = pv;
    h.nprov = 1;
    cmdw *w = cmdw_open(p, &h, err, sizeof err);
    cr_assert_eq(cmdw_commit(w, err, sizeof err), 0, "%s", err);
    cmdr *r = cmdr_open(p, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    cr_expect_str_eq(cmdstream_prov_get(cmdr_header(r), "command"), "a b c");
    cmdr_close(r);
    unlink(p);
    free(p);
}

Test(cmdstream_units, validate_against_the_chip)
{
    char err[ERR_LEN];
    cmdr *r = cmdr_open("tests/data/streams/example.cmd", err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    uint32_t big[UNIT_KINDS] = {16, 1, 4, 1, 0}, small[UNIT_KINDS] = {8, 1, 4, 1, 0};
    cr_expect_eq(cmdstream_validate_units(cmdr_header(r), big, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cmdstream_validate_units(cmdr_header(r), small, err, sizeof err), -1);
    cr_expect_str_eq(err, "tests/data/streams/example.cmd:2: the stream is for 16 tiles; the chip has 8 (expected at most 8)");
    cmdr_close(r);
}
