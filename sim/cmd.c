/*
 * cmd.c -- the op table, names of operations, digital kinds, milestones
 * and units, their reverse lookups, the text form of a unit, field access
 * and command equality.
 *
 * Invariant: each name table has exactly one entry per enum value, in enum
 * order, and the op table one row per enum cmd_op, in enum order (checked
 * at compile time), so name(parse(s)) == s for every valid name and
 * parse(name(i)) == i for every valid i.  Every operand of struct cmd that
 * a stream spells is a field of its op's row, and no two fields of one op
 * name the same engine argument slot.
 */
#include "sim/cmd.h"

#include <stdio.h>
#include <string.h>

static const char *const dig_names[] = {"layernorm", "softmax", "gelu",  "add",   "gemm",
                                        "reduce",    "permute", "embed", "argmax"};
static const char *const mark_names[] = {"token", "prefill"};
static const char *const mem_names[] = {"read", "write"};
static const char *const unit_names[] = {"tile", "cluster", "sram", "dram", "none"};

const char *const power_comp_names[PW_COMPONENTS] = {"tiles", "adc", "noc", "memory",
                                                     "digital", "static"};

_Static_assert(sizeof dig_names / sizeof *dig_names == DIG_KINDS, "dig_names");
_Static_assert(sizeof mark_names / sizeof *mark_names == MARK_KINDS, "mark_names");
_Static_assert(sizeof unit_names / sizeof *unit_names == UNIT_KINDS, "unit_names");

#define OFF(member) ((uint16_t)offsetof(cmd, member))
#define SET(key, member, slot) {key, CF_SET, 0, OFF(member), 0, 0, NULL, 0, slot}
#define UINT(key, member, lo, hi, slot) \
    {key, CF_UINT, (uint8_t)sizeof(((cmd *)0)->member), OFF(member), lo, hi, NULL, 0, slot}
#define UNITF(key, member, slot) {key, CF_UNIT, 4, OFF(member), 0, 0, NULL, 0, slot}
#define WORD(key, member, w, slot) \
    {key, CF_WORD, 1, OFF(member), 0, sizeof w / sizeof *w - 1, w, sizeof w / sizeof *w, slot}
#define ROW(f) (uint8_t)(sizeof f / sizeof *f), f

static const cmd_field act_f[] = {
    SET("rows", u.act.rows, 0),
    SET("cols", u.act.cols, 1),
    UINT("slices", u.act.slices, 1, 255, 2),
    UINT("bits", u.act.bits, 1, 255, 3),
};
static const cmd_field xfer_f[] = {
    UNITF("dst", u.xfer.dst, 0),
    UINT("bytes", u.xfer.bytes, 0, UINT64_MAX, 1),
};
static const cmd_field mem_f[] = {
    WORD("direction", u.mem.write, mem_names, 0),
    UINT("addr", u.mem.addr, 0, UINT64_MAX, 1),
    UINT("bytes", u.mem.bytes, 0, UINT64_MAX, 2),
};
static const cmd_field dig_f[] = {
    WORD("kind", u.dig.kind, dig_names, 0),
    UINT("m", u.dig.m, 0, UINT32_MAX, 1),
    UINT("n", u.dig.n, 0, UINT32_MAX, 2),
    UINT("k", u.dig.k, 0, UINT32_MAX, 3),
};
static const cmd_field mark_f[] = {
    WORD("kind", u.mark.kind, mark_names, 0),
    UINT("value", u.mark.value, 0, UINT64_MAX, 1),
};
static const cmd_field prog_f[] = {
    UINT("array", u.prog.array, 0, UINT32_MAX, 0),
};
static const cmd_field fixed_f[] = {
    UINT("lat_ps", u.fixed.lat_ps, 0, UINT64_MAX, 0),
    UINT("e_fj", u.fixed.e_fj, 0, UINT64_MAX, 1),
};
static const cmd_field mcast_f[] = {
    UNITF("dst", u.mcast.dst, 0),
    UINT("dsts", u.mcast.dsts, 1, 0x10000000u, 2),
    UINT("bytes", u.mcast.bytes, 0, UINT64_MAX, 1),
};

#define TILE CMD_UNITS(UNIT_TILE)
#define ANY (CMD_UNITS(UNIT_TILE) | CMD_UNITS(UNIT_CLUSTER) | CMD_UNITS(UNIT_SRAM) | \
             CMD_UNITS(UNIT_DRAM))

static const cmd_op_desc ops[] = {
    /*            name    units  role  queued milestone power  by-source fields */
    [CMD_ACT] = {"act", TILE, "on", 1, 0, PW_TILES, 0, ROW(act_f),
                 "rows, cols (counts), slices, bits"},
    [CMD_XFER] = {"xfer", ANY, "from", 1, 0, PW_NOC, 1, ROW(xfer_f), "dst, bytes"},
    [CMD_MEM] = {"mem", CMD_UNITS(UNIT_SRAM) | CMD_UNITS(UNIT_DRAM), "on", 1, 0, PW_MEMORY, 0,
                 ROW(mem_f), "write, addr, bytes"},
    [CMD_DIG] = {"dig", CMD_UNITS(UNIT_CLUSTER), "on", 1, 0, PW_DIGITAL, 0, ROW(dig_f),
                 "kind, m, n, k"},
    [CMD_SYNC] = {"sync", CMD_UNITS(UNIT_NONE), "on", 0, 0, PW_STATIC, 0, 0, NULL, ""},
    [CMD_MARK] = {"mark", CMD_UNITS(UNIT_NONE), "on", 0, 1, PW_STATIC, 0, ROW(mark_f),
                  "kind, value"},
    [CMD_PROG] = {"prog", TILE, "on", 1, 0, PW_TILES, 0, ROW(prog_f), "array"},
    [CMD_FIXED] = {"fixed", TILE | CMD_UNITS(UNIT_CLUSTER), "on", 1, 0, PW_DIGITAL, 0,
                   ROW(fixed_f), "lat_ps, e_fj"},
    [CMD_DELAY] = {"delay", CMD_UNITS(UNIT_NONE), "on", 0, 0, PW_NOC, 0, ROW(fixed_f),
                   "lat_ps, e_fj"},
    [CMD_MCAST] = {"mcast", ANY, "from", 1, 0, PW_NOC, 1, ROW(mcast_f), "dst, bytes, dsts"},
};
_Static_assert(sizeof ops / sizeof *ops == CMD_OPS, "one op table row per enum cmd_op");

const cmd_op_desc *cmd_op(int op) { return op >= 0 && op < CMD_OPS ? &ops[op] : NULL; }

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

const char *cmd_op_name(int op) { return op >= 0 && op < CMD_OPS ? ops[op].name : "?"; }
const char *cmd_dig_name(int kind) { return name_of(dig_names, DIG_KINDS, kind); }
const char *cmd_mark_name(int kind) { return name_of(mark_names, MARK_KINDS, kind); }
const char *cmd_unit_kind_name(int kind) { return name_of(unit_names, UNIT_KINDS, kind); }
int cmd_dig_parse(const char *s) { return parse_in(dig_names, DIG_KINDS, s); }
int cmd_mark_parse(const char *s) { return parse_in(mark_names, MARK_KINDS, s); }
int cmd_unit_kind_parse(const char *s) { return parse_in(unit_names, UNIT_KINDS, s); }

int cmd_op_parse(const char *s)
{
    for (int i = 0; i < CMD_OPS; i++)
        if (!strcmp(ops[i].name, s))
            return i;
    return -1;
}

/* "a, b, c or d" of n names into buf. */
static void join_or(const char *const *names, int n, const char *const *prefix, char *buf,
                    size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s%s",
                                 i == 0 ? "" : i + 1 == n ? " or " : ", ",
                                 prefix ? prefix[i] : "", names[i]);
}

void cmd_op_list(char *buf, size_t len)
{
    const char *names[CMD_OPS];
    for (int i = 0; i < CMD_OPS; i++)
        names[i] = ops[i].name;
    join_or(names, CMD_OPS, NULL, buf, len);
}

void cmd_word_list(const cmd_field *f, char *buf, size_t len)
{
    join_or(f->words, f->nwords, NULL, buf, len);
}

void cmd_units_list(unsigned mask, char *buf, size_t len)
{
    static const char *const article[UNIT_KINDS] = {"a ", "a ", "an ", "a ", ""};
    static const char *const spelled[UNIT_KINDS] = {"tile", "cluster", "sram", "dram", "-"};
    const char *names[UNIT_KINDS], *pre[UNIT_KINDS];
    int n = 0;
    for (int k = 0; k < UNIT_KINDS; k++)
        if (mask & CMD_UNITS(k)) {
            names[n] = spelled[k];
            pre[n++] = article[k];
        }
    join_or(names, n, pre, buf, len);
}

/* ---- fields -------------------------------------------------------------- */

uint64_t cmd_field_get(const cmd *c, const cmd_field *f)
{
    const char *p = (const char *)c + f->offset;
    switch (f->size) {
    case 1: return *(const uint8_t *)p;
    case 4: return *(const uint32_t *)p;
    default: return *(const uint64_t *)p;
    }
}

void cmd_field_set(cmd *c, const cmd_field *f, uint64_t v)
{
    char *p = (char *)c + f->offset;
    switch (f->size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 4: *(uint32_t *)p = (uint32_t)v; break;
    default: *(uint64_t *)p = v; break;
    }
}

const cmd_set *cmd_field_set_of(const cmd *c, const cmd_field *f)
{
    return (const cmd_set *)((const char *)c + f->offset);
}

cmd_set *cmd_field_set_mut(cmd *c, const cmd_field *f)
{
    return (cmd_set *)((char *)c + f->offset);
}

void cmd_work_of(const cmd *c, cmd_work *w)
{
    const cmd_op_desc *d = &ops[c->op];
    w->id = c->id;
    w->tag = c->tag;
    w->unit = c->unit;
    w->op = c->op;
    w->arb = c->arb;
    w->prio = c->prio;
    for (uint8_t i = 0; i < d->nfields; i++) {
        const cmd_field *f = &d->fields[i];
        if (f->arg < 0)
            continue;
        w->arg[f->arg] = f->type == CF_SET ? cmd_set_count(cmd_field_set_of(c, f))
                                            : cmd_field_get(c, f);
    }
}

/* ---- units ------------------------------------------------------------- */

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

int cmd_since(const cmd *c)
{
    if (c->op == CMD_FIXED || c->op == CMD_DELAY || c->arb || c->op == CMD_MCAST ||
        (c->op == CMD_DIG && c->u.dig.kind == DIG_ARGMAX))
        return 2;
    return 1;
}

/* ---- equality ---------------------------------------------------------- */

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
        a->ndeps != b->ndeps || a->arb != b->arb || (a->arb && a->prio != b->prio))
        return 0;
    for (uint32_t i = 0; i < a->ndeps; i++)
        if (a->deps[i] != b->deps[i])
            return 0;
    const cmd_op_desc *d = cmd_op(a->op);
    if (!d)
        return 1;
    for (uint8_t i = 0; i < d->nfields; i++) {
        const cmd_field *f = &d->fields[i];
        if (f->type == CF_SET ? !set_equal(cmd_field_set_of(a, f), cmd_field_set_of(b, f))
                              : cmd_field_get(a, f) != cmd_field_get(b, f))
            return 0;
    }
    return 1;
}
