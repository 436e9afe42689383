/*
 * sched_int.h -- the scheduler's state and the functions its files share:
 * workloads/sched_emit.c (emission primitives), sched_layout.c (where data
 * lives; KV-cache rows), sched_attn.c (attention: tiled prefill, decode,
 * the split over clusters) and sched.c (graph nodes, projections, the
 * order of the stream, the public interface), sched_lora.c (LoRA
 * adapters).  Not for use outside
 * workloads/sched*.c.
 *
 * The files call downwards only: sched.c -> sched_lora.c, sched_attn.c
 * -> sched_layout.c -> sched_emit.c.
 */
#ifndef AIMCSIM_SCHED_INT_H
#define AIMCSIM_SCHED_INT_H

#include "workloads/sched.h"
#include "workloads/lora.h"
#include "workloads/sched_3dsim.h"

#define SCHED_NONE UINT64_MAX
/* Bytes of an argmax result (a value and an index) between clusters. */
#define SCHED_ARGMAX_BYTES 8

/* A growable list of command ids. */
typedef struct sched_ids {
    uint64_t *v;
    size_t n, cap;
} sched_ids;

void sched_ids_push(sched_ids *l, uint64_t id);   /* SCHED_NONE is skipped */
void sched_ids_free(sched_ids *l);

struct sched_pending {
    cmd c;
    size_t dep_off;
};

/* Where a block of data lives: a memory unit and a byte address in it. */
struct sched_place {
    unit_id unit;
    uint64_t addr;
};

/* How a projection stage on arrays is emitted (built once, sched.c): its
 * arrays in activation order, which consecutive ones take one input
 * packet (a multicast group), and the chains along which their partial
 * sums are added on the way to the cluster ([noc] reduce). */
struct sched_stage {
    uint32_t narr;
    uint32_t *first_act;   /* [narr + 1]: first activation of each array; [narr] = nact */
    uint32_t *mc_len;      /* [narr]: arrays of the multicast group starting here, 0 inside one */
    int32_t *chain_next;   /* [narr]: next array of its chain, -1 the cluster; NULL: no chains */
};

/* [run] sampling (order of the param choices). */
enum sched_sampling { SCHED_SAMPLE_NONE, SCHED_SAMPLE_ARGMAX, SCHED_SAMPLE_SOFTMAX };

struct sched {
    tdsim *td;                     /* [run] scheduler = threedsim: it makes the stream */
    const config *cfg;
    const model *m;
    const transform *t;
    const mapper *mp;
    sched_chip chip;
    uint32_t ncl_blocks;           /* clusters serving the blocks: the first ncl_blocks
                                    * (lora_layer_clusters); the rest serve adapters */
    uint32_t P, D, B, npos;        /* prompt, decode steps, batch, positions */
    int token_major;
    uint32_t act_bytes, w_bytes, psum_bytes, slices;
    uint32_t first_block_node, last_block_node;

    /* iteration (sched.c step): node-major (pos, node); prefill wavefront
     * over query blocks (tau, grp); decode token by token (pos, grp) */
    uint32_t pos, node, tau, grp;
    int wave;
    uint32_t ngroups;              /* embedding, each block, head */
    uint32_t *gstart;              /* first node of each group; [ngroups] = nnodes */
    int finished;

    /* the buffer of the current step */
    struct sched_pending *buf;
    uint32_t nbuf, cap, rd;
    uint64_t *deps;
    size_t ndeps, dcap;
    uint64_t next_id;
    sched_ids tmp;                 /* scratch dependency list */

    /* node outputs: out[(node * pslots + p % pslots) * B + seq] */
    uint64_t *out;
    uint32_t pslots;
    uint32_t *node_cluster;
    uint64_t *sample;              /* per sequence: last sampling command */
    uint32_t *qk_node, *sm_node, *av_node; /* per layer: the attention nodes */
    uint32_t sample_tag;
    int sampling;                  /* enum sched_sampling */

    /* attention (sched_attn.c): query and key/value blocks of the prefill */
    uint32_t bq, bk;
    uint64_t attn_bq_stat, attn_bk_stat;
    uint32_t split;                /* clusters an attention or element-wise op uses */
    sched_ids *split_ids;          /* per sequence: the split parts of the
                                    * decode attention being emitted */

    /* the KV cache (sched_layout.c): 2 x layers x batch regions (K and V
     * of each block and sequence) of npos rows of kv_row bytes */
    uint64_t kv_row;
    uint32_t kv_regions;
    uint64_t kv_sram_rows;         /* rows placed in SRAM (the first of each region) */
    uint32_t kv_per_region;        /* SRAM rows of each region: kv_per_region or one more */
    uint32_t kv_extra;             /* regions below this index hold one more SRAM row */
    uint64_t *kv_last_write;       /* per (layer, sequence): its latest KV write */

    struct sched_place *wplace;    /* per projection run digitally: its weights */
    struct sched_place emb;        /* token and position embeddings */

    uint32_t *loaded;              /* reprogramming: array held by each tile, or NULL */
    struct sched_stage *plan;      /* stage k of analog projection p: plan[plan_off[p] + k] */
    uint32_t *plan_off;
    uint32_t nplan;
    uint64_t *chain_in;            /* scratch per array of a stage: its incoming partial sums */

    /* LoRA adapters (sched_lora.c) */
    uint32_t lora_t;               /* [lora] batch_tokens in prefill; 0: no adapters */
    uint32_t *lora_tag;            /* per projection: its adapter's tag (the projection's
                                    * if it has none) */
    lora_l1 *lora_l1s;             /* per projection: its adapter's L1 working set */
    struct sched_place *lora_w;    /* per projection: its adapter's weights (streamed) */
    uint64_t *lora_join;           /* per (projection, sequence): the joins of its last
                                    * two batches, [0] the latest */
    uint64_t *lora_x;              /* per (sequence, position in the batch): the inputs
                                    * of the batch being gathered ... */
    uint32_t *lora_pos;            /* ... and their positions */
    uint32_t *lora_n;              /* per sequence: positions gathered */
    sched_ids lora_y;              /* the branch's results, for the add */
    char **lora_names;             /* per projection: "<projection>.lora" or NULL */
    uint32_t seg_p0, seg_p1;       /* positions of the segment being emitted: a batch
                                    * ends at seg_p1 at the latest */
    uint64_t lora_l1_stat[MODEL_PROJ_KINDS];  /* working set held in L1, by kind */
    uint64_t lora_wstream_stat[MODEL_PROJ_KINDS]; /* weights read per batch, by kind */
    uint64_t lora_wread_bytes;     /* adapter weights read from memory over the run */

    cmd_tag *tags;
    uint32_t ntags;
    uint64_t tokens_out;

    /* statistics */
    uint64_t kv_sram_bytes, kv_dram_bytes, w_sram_bytes, w_dram_bytes, emb_dram_bytes;
    uint64_t spill_bytes;
};

/* ---- sched_emit.c: commands into the step's buffer ----------------------- */

/* A command built in place: sched_new appends one with its id, op, unit
 * and tag set, no priority (arb, prio 0) and its operands unset (the
 * caller sets those of its op, the only ones anything reads: cmd.h's op
 * table); sched_deps gives it its dependencies deps (SCHED_NONE entries
 * skipped, any order, repeats allowed) and returns its id.  Nothing else
 * is emitted in between (the pointer is into the step's buffer). */
cmd *sched_new(sched *s, int op, unit_id unit, uint32_t tag);
uint64_t sched_deps(sched *s, const uint64_t *deps, size_t nd);
/* A digital op on cluster cl after a and b. */
uint64_t sched_dig(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n,
                   uint32_t k, uint64_t a, uint64_t b);
/* The same after every id of deps. */
uint64_t sched_dig_ids(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n,
                       uint32_t k, const sched_ids *deps);
uint64_t sched_xfer(sched *s, unit_id src, unit_id dst, uint64_t bytes, uint32_t tag,
                    uint64_t dep);
/* One packet from src to units dst .. dst + n - 1 (n >= 1): an mcast, or
 * an xfer when n = 1. */
uint64_t sched_mcast(sched *s, unit_id src, unit_id dst, uint32_t n, uint64_t bytes,
                     uint32_t tag, uint64_t dep);
uint64_t sched_mem(sched *s, struct sched_place pl, int write, uint64_t off, uint64_t bytes,
                   uint32_t tag, uint64_t dep);
/* A sync or mark (op) after every id of deps. */
uint64_t sched_sync(sched *s, int op, uint32_t tag, int kind, uint64_t value,
                    const sched_ids *deps);
/* The id standing for all of deps: the one id, or a sync after them. */
uint64_t sched_join(sched *s, uint32_t tag, const sched_ids *deps);
/* The output slot of node for (pos, seq). */
uint64_t *sched_outp(sched *s, uint32_t node, uint32_t pos, uint32_t seq);
/* The output of node `in` for (pos, seq) made available on cluster cl (a
 * transfer first when it was computed on another cluster); SCHED_NONE for
 * in < 0. */
uint64_t sched_input(sched *s, int32_t in, uint32_t pos, uint32_t seq, uint32_t cl,
                     uint32_t tag);

/* ---- sched_layout.c: where data lives ------------------------------------ */

/* Places the KV cache, the weights of digital projections and the
 * embedding tables (docs/scheduler.md "Where data lives"); 0, or -1 with
 * a message. */
int sched_layout(sched *s, char *err, size_t errlen);
/* Writes this position's K and V rows of (layer, seq) from cluster cl,
 * after qkv; updates kv_last_write. */
void sched_kv_write(sched *s, int32_t layer, uint32_t seq, uint32_t pos, uint32_t cl,
                    uint64_t qkv, uint32_t tag);
/* Reads the K (which = 0) or V (1) rows of positions [p0, p0 + n) of
 * (layer, seq) into clusters dst .. dst + ndst - 1, each receiving the
 * columns of its share of the heads (part i of ndst); appends the ids
 * after which the rows are there to out.  Returns the bytes read. */
uint64_t sched_kv_read(sched *s, int32_t layer, uint32_t seq, int which, uint32_t p0,
                       uint32_t n, uint32_t dst, uint32_t ndst, uint32_t tag, sched_ids *out);

/* ---- sched_lora.c: LoRA adapters --------------------------------------- */

/* Sets up the adapters' tags (appended to s->tags), working sets, weight
 * (sched_layout places streamed weights after the other data) and
 * statistics (st may be NULL); nothing without adapters ([lora] rank 0). */
void sched_lora_init(sched *s, stats *st);
void sched_lora_free(sched *s);
/* The adapter of projection pi (graph node n, on cluster cl) at position
 * pos of sequence seq, whose input is x, in two calls around the
 * projection's own commands.  sched_lora_before, before them: gathers x;
 * returns the number k of positions of the batch that ends at pos
 * (lora_pos[seq x batch_tokens + 0 .. k - 1]), 0 while it gathers; with k
 * > 0 and a parallel pipeline, emits the adapter's branch (so that the
 * cluster's in-order queue holds it ahead of the projection's own work).
 * sched_lora_after, after them, with k > 0 and the projection's result
 * of each position in *sched_outp: the branch if sequential, then the
 * add, which becomes the output of each position of the batch. */
uint32_t sched_lora_before(sched *s, uint32_t pi, uint32_t n, uint32_t cl, uint32_t pos,
                           uint32_t seq, uint64_t x);
void sched_lora_after(sched *s, uint32_t pi, uint32_t n, uint32_t cl, uint32_t seq, uint32_t k);

/* ---- sched_attn.c: attention ------------------------------------------- */

/* Chooses the prefill block sizes ([run] attn_q_tokens, attn_kv_tokens,
 * or from the L1) and the split. */
void sched_attn_init(sched *s);
/* The prefill attention of the query block holding pos (its last
 * position) for sequence seq in layer `layer`: the tile loop; sets the
 * outputs of the qk, softmax and av nodes of the block's positions. */
void sched_attn_block(sched *s, int32_t layer, uint32_t qb, uint32_t seq);
/* One node of the per-token attention (qk, softmax or av at a decode
 * position) for (pos, seq); returns its output id. */
uint64_t sched_attn_token(sched *s, uint32_t node, uint32_t pos, uint32_t seq);
/* An element-wise op of n elements (gelu, add) or an argmax over n on
 * cluster cl after x, split over [cluster] split_max clusters when it
 * allows (parts of n / split elements; the inputs sent out, the results
 * -- an argmax's value and index -- back, the argmax's parts then
 * compared on cl); returns the id after which the result is on cl. */
uint64_t sched_split_elementwise(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t n,
                                 uint64_t x);
/* The first of the `split` consecutive clusters that serve home cl. */
uint32_t sched_split_first(const sched *s, uint32_t cl);

#endif
