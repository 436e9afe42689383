/*
 * fmt.c -- "%.10g" and unsigned integers by hand (fmt.h).
 *
 * fmt_g10 computes the 10 significant digits exactly: v = m * 2^e with an
 * integer m < 2^53, so v * 10^k rounds to an integer N with 10^9 <= N <
 * 10^10 using 128-bit integer arithmetic, ties to even like glibc.  Where
 * the operands do not fit in 128 bits (|v| beyond about 1e-19 .. 1e38) it
 * calls snprintf, so the result is printf's in every case.
 */
#include "traces/fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef unsigned __int128 u128;

char *fmt_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 20;
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(p, tmp + n, (size_t)(20 - n));
    return p + (20 - n);
}

/* 10^k for k in [0, 38]. */
static u128 pow10_128(int k)
{
    static const uint64_t t[20] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
                                   1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
                                   10000000000ULL, 100000000000ULL, 1000000000000ULL,
                                   10000000000000ULL, 100000000000000ULL,
                                   1000000000000000ULL, 10000000000000000ULL,
                                   100000000000000000ULL, 1000000000000000000ULL,
                                   10000000000000000000ULL};
    return k < 20 ? t[k] : (u128)t[19] * t[k - 19];
}

/* round(m * 2^e * 10^k) with ties to even into *n; 0 if it does not fit. */
static int scaled(uint64_t m, int e, int k, u128 *n)
{
    u128 num, den;
    if (k >= 0) {
        if (k > 22)
            return 0;
        num = (u128)m * pow10_128(k);
        if (e >= 0) {
            if (e > 126 || (num >> (127 - e)) != 0)
                return 0;
            *n = num << e;
            return 1;
        }
        if (-e > 126)
            return 0;
        int s = -e;
        u128 q = num >> s, r = num & (((u128)1 << s) - 1), half = (u128)1 << (s - 1);
        *n = q + (r > half || (r == half && (q & 1)));
        return 1;
    }
    if (-k > 38)
        return 0;
    den = pow10_128(-k);
    if (e >= 0) {
        if (e > 74)
            return 0;
        num = (u128)m << e;
    } else {
        if (-e > 126 || (den >> (127 + e)) != 0)
            return 0;
        num = m;
        den <<= -e;
    }
    u128 q = num / den, r = num % den;
    *n = q + (2 * r > den || (2 * r == den && (q & 1)));
    return 1;
}

char *fmt_g10(char *p, double v)
{
    if (!isfinite(v)) {
        memcpy(p, "null", 4);
        return p + 4;
    }
    if (v == 0) {
        *p = '0';
        return p + 1;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int bexp = (int)(bits >> 52 & 0x7ff);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (bexp)
        m |= 1ULL << 52;
    else
        bexp = 1; /* subnormal */
    int e = bexp - 1075; /* |v| = m * 2^e */
    int be = e + 53;     /* |v| < 2^be */
    /* log10(2) ~ 0.30103: x is floor(log10|v|) or one below it. */
    int x = (int)floor((be - 1) * 0.30102999566398120);
    const u128 lo = 1000000000, hi = (u128)10000000000ULL;
    u128 n = 0;
    for (int tries = 0;; tries++) {
        if (tries == 3 || !scaled(m, e, 9 - x, &n)) {
            char buf[40];
            int len = snprintf(buf, sizeof buf, "%.10g", v);
            memcpy(p, buf, (size_t)len);
            return p + len;
        }
        if (n >= hi)
            x++;
        else if (n < lo)
            x--;
        else
            break;
    }
    if (v < 0)
        *p++ = '-';
    char d[10];
    uint64_t nn = (uint64_t)n;
    for (int i = 9; i >= 0; i--) {
        d[i] = (char)('0' + nn % 10);
        nn /= 10;
    }
    int nd = 10;
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    if (x < -4 || x >= 10) {
        *p++ = d[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)(nd - 1));
            p += nd - 1;
        }
        *p++ = 'e';
        int ax = x < 0 ? -x : x;
        *p++ = x < 0 ? '-' : '+';
        if (ax >= 100)
            *p++ = (char)('0' + ax / 100);
        *p++ = (char)('0' + ax / 10 % 10);
        *p++ = (char)('0' + ax % 10);
        return p;
    }
    if (x < 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = -1; i > x; i--)
            *p++ = '0';
        memcpy(p, d, (size_t)nd);
        return p + nd;
    }
    int whole = x + 1; /* digits before the point, 1..10 */
    memcpy(p, d, (size_t)whole);
    p += whole;
    if (nd > whole) {
        *p++ = '.';
        memcpy(p, d + whole, (size_t)(nd - whole));
        p += nd - whole;
    }
    return p;
}
