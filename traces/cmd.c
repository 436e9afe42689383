/*
 * cmd.c -- names of operations, digital kinds, milestones and units, their
 * reverse lookups, the text form of a unit, and command equality.
 *
 * Invariant: each name table has exactly one entry per enum value, in enum
 * order (checked at compile time), so name(parse(s)) == s for every valid
 * name and parse(name(i)) == i for every valid i.
 */
#include "traces/cmd.h"

#include <string.h>

static const char *const op_names[] = {"act", "xfer", "mem", "dig", "sync", "mark", "prog"};
static const char *const dig_names[] = {"layernorm", "softmax", "gelu",    "add",
                                        "gemm",      "reduce",  "permute", "embed"};
static const char *const mark_names[] = {"token", "prefill"};
static const char *const unit_names[] = {"tile", "cluster", "sram", "dram", "none"};

_Static_assert(sizeof op_names / sizeof *op_names == CMD_OPS, "op_names");
_Static_assert(sizeof dig_names / sizeof *dig_names == DIG_KINDS, "dig_names");
_Static_assert(sizeof mark_names / sizeof *mark_names == MARK_KINDS, "mark_names");
_Static_assert(sizeof unit_names / sizeof *unit_names == UNIT_KINDS, "unit_names");

static const char *name_of(const char *const *t, int n, int i)
{
    return i >= 0 && i < n ? t[i] : "?";
}

static int parse_in(const char *const *t, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i], s))
            return i;
    return -1;
}

const char *cmd_op_name(int op) { return name_of(op_names, CMD_OPS, op); }
const char *cmd_dig_name(int kind) { return name_of(dig_names, DIG_KINDS, kind); }
const char *cmd_mark_name(int kind) { return name_of(mark_names, MARK_KINDS, kind); }
const char *cmd_unit_kind_name(int kind) { return name_of(unit_names, UNIT_KINDS, kind); }
int cmd_op_parse(const char *s) { return parse_in(op_names, CMD_OPS, s); }
int cmd_dig_parse(const char *s) { return parse_in(dig_names, DIG_KINDS, s); }
int cmd_mark_parse(const char *s) { return parse_in(mark_names, MARK_KINDS, s); }
int cmd_unit_kind_parse(const char *s) { return parse_in(unit_names, UNIT_KINDS, s); }

size_t cmd_unit_str(unit_id u, char *buf)
{
    unsigned k = UNIT_KIND(u);
    if (k >= UNIT_NONE) {
        buf[0] = '-';
        buf[1] = 0;
        return 1;
    }
    size_t n = strlen(unit_names[k]);
    memcpy(buf, unit_names[k], n);
    char dig[12];
    int nd = 0;
    uint32_t v = UNIT_INDEX(u);
    do {
        dig[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (nd)
        buf[n++] = dig[--nd];
    buf[n] = 0;
    return n;
}

int cmd_unit_parse(const char *s, unit_id *u)
{
    if (!strcmp(s, "-")) {
        *u = UNIT(UNIT_NONE, 0);
        return 0;
    }
    for (int k = 0; k < UNIT_NONE; k++) {
        const char *p = s, *q = unit_names[k];
        while (*q && *p == *q)
            p++, q++;
        if (*q)
            continue;
        if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]))
            return -1;
        uint64_t v = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > 0x0fffffffu)
                return -1;
        }
        if (*p)
            return -1;
        *u = UNIT(k, v);
        return 0;
    }
    return -1;
}

static int set_equal(const cmd_set *a, const cmd_set *b)
{
    if (a->nranges != b->nranges)
        return 0;
    for (int i = 0; i < a->nranges; i++)
        if (a->r[i].lo != b->r[i].lo || a->r[i].n != b->r[i].n)
            return 0;
    return 1;
}

int cmd_equal(const cmd *a, const cmd *b)
{
    if (a->id != b->id || a->op != b->op || a->unit != b->unit || a->tag != b->tag ||
        a->ndeps != b->ndeps)
        return 0;
    for (uint32_t i = 0; i < a->ndeps; i++)
        if (a->deps[i] != b->deps[i])
            return 0;
    switch (a->op) {
    case CMD_ACT:
        return set_equal(&a->u.act.rows, &b->u.act.rows) &&
               set_equal(&a->u.act.cols, &b->u.act.cols) &&
               a->u.act.slices == b->u.act.slices && a->u.act.bits == b->u.act.bits;
    case CMD_XFER:
        return a->u.xfer.dst == b->u.xfer.dst && a->u.xfer.bytes == b->u.xfer.bytes;
    case CMD_MEM:
        return a->u.mem.write == b->u.mem.write && a->u.mem.addr == b->u.mem.addr &&
               a->u.mem.bytes == b->u.mem.bytes;
    case CMD_DIG:
        return a->u.dig.kind == b->u.dig.kind && a->u.dig.m == b->u.dig.m &&
               a->u.dig.n == b->u.dig.n && a->u.dig.k == b->u.dig.k;
    case CMD_MARK:
        return a->u.mark.kind == b->u.mark.kind && a->u.mark.value == b->u.mark.value;
    case CMD_PROG:
        return a->u.prog.array == b->u.prog.array;
    default:
        return 1;
    }
}
