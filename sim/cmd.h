/*
 * cmd.h -- the command vocabulary: one command of a command stream, the
 * table that describes every operation, and the source interface through
 * which the engine pulls commands (from a file, or lazily from the
 * scheduler).
 *
 * A command stream is what the engine executes: each command names the unit
 * that executes it, its operation and operands, and the ids of the commands
 * it depends on.  Ids are consecutive from 0 in stream order; a command may
 * only depend on commands before it (a dependency on itself or a later id is
 * a cycle and is rejected).  The text file format is in
 * docs/command-stream.md (traces/cmdstream.h).
 *
 * The op table (cmd_op_desc) is the one place that knows each operation:
 * its name, the unit kinds that may execute it, its operand fields (their
 * text spelling, ranges and where the engine keeps them), whether it takes
 * its unit's in-order queue, and whether it records a milestone.  The
 * stream writer, reader and checker, command equality and the engine's
 * admission all read it.  A new operation is one enum value, one table row
 * (sim/cmd.c), one executor (a unit, sim/unit.h) and its emission in the
 * scheduler.
 */
#ifndef AIMCSIM_CMD_H
#define AIMCSIM_CMD_H

#include <stddef.h>
#include <stdint.h>

/* Units that execute commands.  A unit is (kind, index). */
enum unit_kind { UNIT_TILE, UNIT_CLUSTER, UNIT_SRAM, UNIT_DRAM, UNIT_NONE, UNIT_KINDS };

/* A unit packed in 32 bits: kind in the top 4 bits, index below. */
typedef uint32_t unit_id;
#define UNIT(kind, idx) ((unit_id)(((uint32_t)(kind) << 28) | ((uint32_t)(idx) & 0x0fffffffu)))
#define UNIT_KIND(u) ((enum unit_kind)((u) >> 28))
#define UNIT_INDEX(u) ((uint32_t)((u) & 0x0fffffffu))

enum cmd_op {
    CMD_ACT,   /* array activation on a tile: drive rows, convert columns */
    CMD_XFER,  /* NoC transfer from one unit to another */
    CMD_MEM,   /* SRAM or DRAM read or write */
    CMD_DIG,   /* digital-cluster operation */
    CMD_SYNC,  /* no work: completes when its dependencies have */
    CMD_MARK,  /* like SYNC, and records a milestone (latency metrics) */
    CMD_PROG,  /* (re)program a tile's array with another array's weights */
    CMD_FIXED, /* work of given latency and energy on a tile (its array) or a
                * cluster (one of its slots) */
    CMD_DELAY, /* given latency and energy, no unit */
    CMD_MCAST, /* NoC multicast from one unit to a range of units of one kind */
    CMD_OPS
};

/* Digital-cluster operations.  Shapes (m, n, k) per kind in
 * docs/command-stream.md; work in arch/cluster.h. */
enum dig_kind {
    DIG_LAYERNORM, /* m rows of n elements */
    DIG_SOFTMAX,   /* m rows of n elements */
    DIG_GELU,      /* m x n elements */
    DIG_ADD,       /* m x n elements (residual add, LoRA add) */
    DIG_GEMM,      /* (m x k) . (k x n): projections mapped digital, LoRA, QK^T, AV */
    DIG_REDUCE,    /* k partial vectors of n elements summed (m = 1) */
    DIG_PERMUTE,   /* n elements moved */
    DIG_EMBED,     /* m tokens of n elements looked up and added */
    DIG_ARGMAX,    /* m rows of n elements: the index of each row's largest */
    DIG_KINDS
};

/* Milestones recorded by CMD_MARK. */
enum mark_kind {
    MARK_TOKEN,    /* a token's output left the model (value: token index) */
    MARK_PREFILL,  /* the prompt has been processed (value: sequence) */
    MARK_KINDS
};

#define CMD_MAX_RANGES 8

/* A set of rows or columns as at most CMD_MAX_RANGES ranges [lo, lo + n). */
typedef struct cmd_set {
    uint8_t nranges;
    struct { uint32_t lo, n; } r[CMD_MAX_RANGES];
} cmd_set;

typedef struct cmd {
    uint64_t id;
    uint8_t op;          /* enum cmd_op */
    unit_id unit;        /* executing unit (CMD_SYNC, CMD_MARK: UNIT_NONE) */
    uint32_t tag;        /* attribution: index into the stream's tag table */
    uint8_t arb;         /* 1: arbitrated by prio (docs/command-stream.md) */
    uint32_t prio;       /* with arb: the lower, the sooner among the commands
                          * waiting for its unit; ties oldest-ready first */
    union {
        struct {
            cmd_set rows, cols;
            uint8_t slices;   /* input slices (bit-serial), 1 for PWM */
            uint8_t bits;     /* ADC resolution of this activation */
        } act;
        struct {
            unit_id dst;
            uint64_t bytes;
        } xfer;
        struct {
            uint8_t write;    /* 0 read, 1 write */
            uint64_t addr, bytes;
        } mem;
        struct {
            uint8_t kind;     /* enum dig_kind */
            uint32_t m, n, k;
        } dig;
        struct {
            uint8_t kind;     /* enum mark_kind */
            uint64_t value;
        } mark;
        struct {
            uint32_t array;   /* the mapping's array now held by the tile */
        } prog;
        struct {
            uint64_t lat_ps;  /* latency */
            uint64_t e_fj;    /* energy */
        } fixed;              /* CMD_FIXED and CMD_DELAY */
        struct {
            unit_id dst;      /* the first destination */
            uint32_t dsts;    /* destinations: dst and the next dsts - 1 units of its kind */
            uint64_t bytes;
        } mcast;
    } u;
    uint32_t ndeps;
    const uint64_t *deps; /* owned by the source; valid until its next call */
} cmd;

/* Components of the power trace (power.csv columns, in this order). */
enum power_comp {
    PW_TILES,    /* activations but their conversions: cells, DACs, periphery; programming */
    PW_ADC,      /* conversions */
    PW_NOC,      /* transfers */
    PW_MEMORY,   /* SRAM and DRAM accesses */
    PW_DIGITAL,  /* cluster operations */
    PW_STATIC,   /* static power (added at commit) */
    PW_COMPONENTS
};
extern const char *const power_comp_names[PW_COMPONENTS];

/* ---- the op table ------------------------------------------------------ */

/* Operand field types, as spelled in a stream line. */
enum cmd_ftype {
    CF_SET,   /* KEY=LO:N[,LO:N]...      a cmd_set */
    CF_UINT,  /* KEY=N                   an unsigned integer of `size` bytes */
    CF_UNIT,  /* KEY=tileN|clusterN|...  a unit_id */
    CF_WORD   /* WORD                    an index into `words`, uint8_t */
};

/* Operands the engine keeps of a command (cmd_work.arg). */
#define CMD_ARGS 4

typedef struct cmd_field {
    const char *key;           /* "rows", "bytes"; for CF_WORD what it is ("kind") */
    uint8_t type;              /* enum cmd_ftype */
    uint8_t size;              /* CF_UINT: 1, 4 or 8 bytes */
    uint16_t offset;           /* of the field in struct cmd */
    uint64_t min, max;         /* CF_UINT: the range a valid command has */
    const char *const *words;  /* CF_WORD: the words, in enum order */
    uint8_t nwords;
    int8_t arg;                /* slot in cmd_work.arg (a set gives its count),
                                * -1: not kept */
} cmd_field;

/* Bit of unit kind k in cmd_op_desc.units. */
#define CMD_UNITS(k) (1u << (k))

typedef struct cmd_op_desc {
    const char *name;          /* "act" */
    uint8_t units;             /* CMD_UNITS of the kinds that may execute it */
    const char *unit_role;     /* how messages name the unit: "on", "from" */
    uint8_t queued;            /* 1: issues in order on its unit's queue */
    uint8_t milestone;         /* 1: records a milestone (arg 0 kind, arg 1 value) */
    uint8_t power;             /* enum power_comp of its energy */
    uint8_t span_by_source;    /* 1: its span shows on the transfers-by-source
                                * track, 0: on its unit's own track */
    uint8_t nfields;
    const cmd_field *fields;   /* in stream order */
    const char *args;          /* what cmd_work.arg[0..] hold, for docs and debugging */
} cmd_op_desc;

/* The table row of op (NULL if op >= CMD_OPS). */
const cmd_op_desc *cmd_op(int op);
/* The op names as a list for messages: "act, xfer, ... or prog". */
void cmd_op_list(char *buf, size_t len);
/* A CF_WORD field's words as a list for messages: "read or write". */
void cmd_word_list(const cmd_field *f, char *buf, size_t len);
/* The unit kinds of a mask as a list for messages: "a tile", "an sram or a
 * dram", "-". */
void cmd_units_list(unsigned mask, char *buf, size_t len);

/* What the engine keeps of a command and hands to the unit executing it:
 * counts instead of row and column sets.  arg[i] is the field whose
 * cmd_field.arg is i (cmd_op_desc.args names them). */
typedef struct cmd_work {
    uint64_t id;
    uint32_t tag;
    unit_id unit;
    uint8_t op;
    uint8_t arb;         /* cmd.arb, cmd.prio */
    uint32_t prio;
    uint64_t arg[CMD_ARGS];
} cmd_work;

/* Fills w from c through the op table (c->op < CMD_OPS). */
void cmd_work_of(const cmd *c, cmd_work *w);

/* Number of rows (or columns) in a set: the sum of its range counts, in 64
 * bits (8 ranges of up to 2^32 - 1 cannot wrap it; a stream's sets are
 * checked to total at most 2^32 - 1, traces/cmdstream.h). */
static inline uint64_t cmd_set_count(const cmd_set *s)
{
    uint64_t n = 0;
    for (int i = 0; i < s->nranges; i++)
        n += s->r[i].n;
    return n;
}

/* A pull source of commands.  next() fills *c and returns 1, returns 0 at
 * the end of the stream, -1 on error (message in err). */
typedef struct cmd_source {
    void *ctx;
    int (*next)(void *ctx, cmd *c, char *err, size_t errlen);
} cmd_source;

/* A tag names what a command works for: a projection ("h3.mlp.c_fc"), an
 * activation-only operation ("h3.attn.softmax") or "other"; layer -1 for
 * none.  Tags are declared in the stream header. */
typedef struct cmd_tag {
    const char *name;
    int32_t layer;
} cmd_tag;

/* Names: "act", "xfer", ...; "layernorm", ...; "token", ... */
const char *cmd_op_name(int op);
const char *cmd_dig_name(int kind);
const char *cmd_mark_name(int kind);
const char *cmd_unit_kind_name(int kind);
/* Reverse lookups; -1 if unknown. */
int cmd_op_parse(const char *s);
int cmd_dig_parse(const char *s);
int cmd_mark_parse(const char *s);
int cmd_unit_kind_parse(const char *s);   /* "tile", ..., "none" */

/* Text form of a unit: "tile12", "cluster0", "sram3", "dram0"; "-" for
 * UNIT_NONE.  Writes at most CMD_UNIT_STRLEN bytes (NUL included) and
 * returns the length without the NUL. */
#define CMD_UNIT_STRLEN 24
size_t cmd_unit_str(unit_id u, char *buf);
/* Parses that text form (the whole string); 0 and *u set, or -1. */
int cmd_unit_parse(const char *s, unit_id *u);

/* Value of an integer or word field of c (CF_UINT, CF_WORD, CF_UNIT). */
uint64_t cmd_field_get(const cmd *c, const cmd_field *f);
/* Stores v into that field of c (v must fit its size). */
void cmd_field_set(cmd *c, const cmd_field *f, uint64_t v);
/* The set of a CF_SET field of c. */
const cmd_set *cmd_field_set_of(const cmd *c, const cmd_field *f);
cmd_set *cmd_field_set_mut(cmd *c, const cmd_field *f);

/* The version of the command vocabulary that introduced c's operation
 * or operands: 1, or 2 for fixed, delay, prio=, mcast and the argmax
 * digital kind.  A stream of format version v holds only commands with
 * cmd_since <= v. */
int cmd_since(const cmd *c);

/* 1 if a and b are the same command: id, op, unit, tag, the operands of
 * their op (as the op table lists them) and the dependency list. */
int cmd_equal(const cmd *a, const cmd *b);

#endif
