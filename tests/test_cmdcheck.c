/*
 * test_cmdcheck.c -- commands checked against the chip before they run
 * (tools/cmdcheck.h): streams whose values the format allows but the chip
 * cannot execute, or whose times and counts would overflow, are input
 * errors at their line (exit 2), never a silent wrong result or an
 * unlocated failure after the whole simulation.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/chip.h"
#include "sim/config.h"
#include "sim/util.h"
#include "tests/testutil.h"
#include "tools/cmdcheck.h"

/* tests/golden/tiny.ini: 9 tiles of 256 x 256, 8-bit ADCs, 4 clusters, 64
 * SRAM banks of 64 KiB, 1 DRAM channel, a 9 x 8 mesh. */
#define TINY "tests/golden/tiny.ini"
#define HDR "aimcsim-cmd 1\nunits tile=9 cluster=4 sram=64 dram=1\ntag 0 -1 other\n"

/* Runs `exec TINY STREAM SETS` on a stream of body (one command, id 0);
 * expects exit 2, the message "STREAM:4: msg" exactly, and no result file
 * in the output folder. */
static void expect_refused(const char *body, const char *sets, const char *msg)
{
    char *text = xasprintf(HDR "%s\nend 1\n", body);
    char *path = tu_tmpfile(".cmd", text);
    char dir[] = "/tmp/aimcsim-check-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *cmd = xasprintf("%s exec " TINY " %s %s --out %s/o --quiet", tu_prog(), path, sets,
                          dir);
    char *out, *err;
    int rc = tu_sh(cmd, &out, &err);
    cr_expect_eq(rc, 2, "%s: %s", body, err);
    char *want = xasprintf("%s:4: %s\n", path, msg);
    cr_expect_str_eq(err, want);
    static const char *results[] = {"stats.json", "stats.csv", "tags.csv", "layers.csv",
                                    "projections.csv", NULL};
    for (int i = 0; results[i]; i++) {
        char *f = xasprintf("%s/o/%s", dir, results[i]);
        cr_expect(access(f, F_OK) != 0, "%s: %s written", body, results[i]);
        free(f);
    }
    char *partial = xasprintf("%s/o/stats.partial.json", dir);
    char *pj = tu_slurp(partial, NULL);
    cr_expect(pj && strstr(pj, "\"partial\": true"), "%s: no partial snapshot", body);
    free(pj);
    free(partial);
    free(want);
    free(out);
    free(err);
    free(cmd);
    cmd = xasprintf("rm -rf %s", dir);
    tu_sh(cmd, NULL, NULL);
    free(cmd);
    unlink(path);
    free(path);
    free(text);
}

/* The cases of the issue: each used to exit 0 with a wrong result, or run
 * the whole simulation and then fail with an unlocated "chip: N invalid
 * calls", or pass silently. */
Test(cmdcheck, commands_the_chip_cannot_run_are_refused_at_their_line, .timeout = 60)
{
    expect_refused("0 act tile0 rows=0:300 cols=0:1 slices=1 bits=8 tag=0 deps=", "",
                   "act: rows range 0:300 beyond the array (expected rows 0..255: [tile] rows = "
                   "256)");
    expect_refused("0 act tile0 rows=0:3 cols=300:1 slices=1 bits=8 tag=0 deps=", "",
                   "act: cols range 300:1 beyond the array (expected cols 0..255: [tile] cols = "
                   "256)");
    expect_refused("0 act tile0 rows=0:200,100:100 cols=0:1 slices=1 bits=8 tag=0 deps=", "",
                   "act: 300 rows in the set (expected at most 256: [tile] rows = 256)");
    expect_refused("0 act tile0 rows=0:3 cols=0:1 slices=1 bits=9 tag=0 deps=", "",
                   "act: bits=9 beyond the ADCs (expected bits=1..8: they are built for [adc] "
                   "bits = 8)");
    expect_refused("0 act tile0 rows=0:3 cols=0:1 slices=1 bits=7 tag=0 deps=",
                   "--set adc.derive_bits=true --set adc.bits_max=6",
                   "act: bits=7 beyond the ADCs (expected bits=1..6: they are built for [adc] "
                   "bits_max = 6)");
    expect_refused("0 mem sram0 read addr=70000 bytes=1 tag=0 deps=", "",
                   "mem: sram0 addr=70000 bytes=1 beyond the bank (expected addr + bytes <= "
                   "65536: [sram] bank_bytes)");
    expect_refused("0 mem sram3 write addr=65535 bytes=2 tag=0 deps=", "",
                   "mem: sram3 addr=65535 bytes=2 beyond the bank (expected addr + bytes <= "
                   "65536: [sram] bank_bytes)");
    expect_refused("0 mem sram0 read addr=18446744073709551615 bytes=1 tag=0 deps=", "",
                   "mem: sram0 addr=18446744073709551615 bytes=1 beyond the bank (expected addr "
                   "+ bytes <= 65536: [sram] bank_bytes)");
    expect_refused("0 mem dram0 read addr=18446744073709551615 bytes=1 tag=0 deps=", "",
                   "mem: dram0 addr=18446744073709551615 bytes=1 ends past 2^64 (expected addr "
                   "+ bytes < 2^64 and bytes <= 2^62)");
    /* m x n x k near 2^96 wrapped: latency 9.2e6 s, energy 1.4e7 J, exit 0. */
    expect_refused("0 dig cluster0 gemm m=4294967295 n=4294967295 k=4294967295 tag=0 deps=", "",
                   "dig: gemm m=4294967295 n=4294967295 k=4294967295: "
                   "79228162458924105385300197376 elements of work (expected at most "
                   "281474976710656 = 2^48, max(m,1) x max(n,1) x max(k,1))");
    expect_refused("0 dig cluster0 gemm m=0 n=0 k=4294967295 tag=0 deps=",
                   "--set cluster.clock_ghz=0.001 --set cluster.eff_gemm=0.001",
                   "dig: gemm m=0 n=0 k=4294967295: up to 1.4e+19 ps on this cluster (expected "
                   "at most 2^62 ps per operation)");
    /* Nearly 2^64 bytes overflowed the NoC's bit counters and its energy. */
    expect_refused("0 xfer tile0 dst=tile1 bytes=18446744073709551615 tag=0 deps=", "",
                   "xfer: bytes=18446744073709551615 more than the NoC's counters hold (expected "
                   "at most 36028797018963968 bytes per transfer on this 9 x 8 mesh)");
}

/* A stream whose commands would take the run past 2^63 ps is refused at
 * the command that crosses it: 9224 programmings of 1e15 ps each (9223
 * take 9.223e18 ps, below 2^63 = 9.2234e18). */
Test(cmdcheck, a_run_that_would_overflow_simulated_time_is_refused, .timeout = 60)
{
    enum { N = 10000 };
    size_t cap = 64 + N * 48;
    char *text = xmalloc(cap);
    size_t n = (size_t)snprintf(text, cap, HDR);
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(text + n, cap - n, "%d prog tile0 array=0 tag=0 deps=\n", i);
    snprintf(text + n, cap - n, "end %d\n", N);
    char *path = tu_tmpfile(".cmd", text);
    /* t_prog = rows x devices x iterations x (pulse + verify) = 1e12 ns */
    char *cmd = xasprintf("%s exec " TINY " %s --set tile.prog_devices=1 "
                          "--set tile.prog_iterations=1000 --set tile.prog_pulse_ns=3906250 "
                          "--set tile.prog_verify_ns=0 --quiet", tu_prog(), path);
    char *out, *err;
    cr_expect_eq(tu_sh(cmd, &out, &err), 2, "%s", err);
    char *want = xasprintf("%s:%d: the commands up to here take more than 2^63 ps one after "
                           "another (expected a run that cannot exceed 2^63 ps = 106 days of "
                           "simulated time)\n", path, 3 + 9224);
    cr_expect_str_eq(err, want);
    free(want);
    free(out);
    free(err);
    free(cmd);
    unlink(path);
    free(path);
    free(text);
}

/* A configuration whose own stream would overflow simulated time (ADCs of
 * 2^16 x 1 us per conversion, one per array, 32 bit-serial slices) is
 * refused at the scheduled command that crosses 2^63 ps: it used to stop
 * on an assert (SIGABRT), or with fewer tokens report a wrapped time. */
Test(cmdcheck, a_configuration_that_would_overflow_is_refused, .timeout = 60)
{
    char *out, *err;
    char *cmd = xasprintf("%s run " TINY " --set adc.count=1 --set adc.bits=16 "
                          "--set adc.bits_max=16 --set adc.t_lsb_ps=1e9 "
                          "--set tile.input_mode=bitserial --set tile.input_bits=32 "
                          "--set run.prompt_tokens=30 --quiet", tu_prog());
    cr_expect_eq(tu_sh(cmd, &out, &err), 2, "%s", err);
    cr_expect_str_eq(err, TINY ": command 268 of the scheduled stream (h0.attn.c_attn): the "
                          "commands up to here take more than 2^63 ps one after another "
                          "(expected a run that cannot exceed 2^63 ps = 106 days of simulated "
                          "time)\n");
    free(out);
    free(err);
    free(cmd);
}

/* The checker alone: units the chip does not have (a stream's header is
 * checked against the chip first, so through exec this is a backstop). */
Test(cmdcheck, units_the_chip_does_not_have)
{
    config c;
    char err[ERR_LEN];
    cr_assert_eq(config_load(&c, TINY, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_set(&c, "dram.channels=0", err, sizeof err), 0, "%s", err);
    chip *ch = chip_create(&c, 9, NULL, err, sizeof err);
    cr_assert_not_null(ch, "%s", err);
    cmdcheck *k = cmdcheck_create(&c, ch);
    cmd x;
    memset(&x, 0, sizeof x);
    x.op = CMD_XFER;
    x.unit = UNIT(UNIT_TILE, 9);
    x.u.xfer.dst = UNIT(UNIT_TILE, 0);
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), -1);
    cr_expect_str_eq(err, "xfer from tile9: no such unit (the chip has 9 tiles: tile0..tile8)");
    x.unit = UNIT(UNIT_TILE, 0);
    x.u.xfer.dst = UNIT(UNIT_DRAM, 0);
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), -1);
    cr_expect_str_eq(err, "xfer to dram0: no such unit (the chip has no DRAM channels)");
    x.u.xfer.dst = UNIT(UNIT_SRAM, 63);
    x.u.xfer.bytes = 1000;
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), 0, "%s", err);
    /* mcast: every destination of the range exists. */
    memset(&x, 0, sizeof x);
    x.op = CMD_MCAST;
    x.unit = UNIT(UNIT_CLUSTER, 0);
    x.u.mcast.dst = UNIT(UNIT_TILE, 4);
    x.u.mcast.dsts = 6;
    x.u.mcast.bytes = 256;
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), -1);
    cr_expect_str_eq(err, "mcast to tile9: no such unit (the chip has 9 tiles: tile0..tile8)");
    x.u.mcast.dsts = 5;
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), 0, "%s", err);
    /* fixed and delay: the stream gives the latency, bounded as any. */
    memset(&x, 0, sizeof x);
    x.op = CMD_FIXED;
    x.unit = UNIT(UNIT_TILE, 0);
    x.u.fixed.lat_ps = UINT64_MAX;
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), -1);
    cr_expect_str_eq(err, "fixed: lat_ps=18446744073709551615 (expected at most "
                          "4611686018427387904 = 2^62)");
    x.op = CMD_DELAY;
    x.unit = UNIT(UNIT_NONE, 0);
    x.u.fixed.lat_ps = CMDCHECK_LIMIT;
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), 0, "%s", err);
    /* with the transfer before, a second 2^62 ps passes 2^63 */
    cr_expect_eq(cmdcheck_cmd(k, &x, err, sizeof err), -1);
    cr_expect_str_eq(err, "the commands up to here take more than 2^63 ps one after another "
                          "(expected a run that cannot exceed 2^63 ps = 106 days of simulated "
                          "time)");
    cmdcheck_free(k);
    chip_free(ch);
    config_free(&c);
}
