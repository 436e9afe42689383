/*
 * test_threedsim.c -- replaying IBM 3D-SiM's scheduled DAGs
 * (tools/threedsim_import, docs/reproduction.md "Replaying 3D-SiM"):
 *  - the DAG in tests/data/threedsim/ (a 2-layer toy decoder, 4 prompt
 *    tokens; dumped by 3D-SiM, which reports 2484 ns and 14142.15104 nJ
 *    for it) replays exactly on both kernels;
 *  - random DAGs in the same format replay exactly as an independent list
 *    scheduler written here from 3D-SiM's rules says they should;
 *  - bad files are refused with their line.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_mkdtemp("3dsim");
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(threedsim, .init = setup, .fini = teardown, .timeout = 300);

/* ---- the DAG format and a reference list scheduler -------------------- */

enum kind { K_MVM, K_COMM, K_DIG, K_MHA };

struct node {
    int id, kind, tile, token;
    double lat_ns, e_nj;
    int npred, nsucc, *succ; /* succ: node indices, in the file's order */
};

struct dag {
    struct node *n;
    int count;
};

static int kind_of(const char *k)
{
    if (!strcmp(k, "tier_linear"))
        return K_MVM;
    if (!strcmp(k, "communication"))
        return K_COMM;
    if (!strcmp(k, "mha"))
        return K_MHA;
    return K_DIG;
}

/* Reads a DAG (plain or gzip): node ids are 0..count-1 in file order here
 * (the files tested are). */
static void dag_read(const char *path, struct dag *g)
{
    gzFile f = gzopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char line[65536];
    int cap = 0, header = 0;
    g->n = NULL;
    g->count = 0;
    while (gzgets(f, line, sizeof line)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || !line[0])
            continue;
        if (!header++)
            continue;
        char *field[9];
        char *p = line;
        for (int i = 0; i < 9; i++) {
            field[i] = p;
            char *t = strchr(p, '\t');
            if (t) {
                *t = 0;
                p = t + 1;
            } else {
                p += strlen(p);
            }
        }
        if (g->count == cap) {
            cap = cap ? 2 * cap : 256;
            g->n = realloc(g->n, cap * sizeof *g->n);
        }
        struct node *n = &g->n[g->count];
        n->id = atoi(field[0]);
        cr_assert_eq(n->id, g->count, "ids in file order");
        n->kind = kind_of(field[1]);
        n->tile = atoi(field[2]);
        n->token = atoi(field[3]);
        n->lat_ns = atof(field[5]);
        n->e_nj = atof(field[6]);
        n->npred = 0;
        for (char *q = field[7]; *q; q++)
            n->npred += *q == ',' || q == field[7];
        n->nsucc = 0;
        n->succ = NULL;
        for (char *q = field[8]; *q;) {
            n->succ = realloc(n->succ, (n->nsucc + 1) * sizeof *n->succ);
            n->succ[n->nsucc++] = (int)strtol(q, &q, 10);
            if (*q == ',')
                q++;
        }
        g->count++;
    }
    gzclose(f);
}

static void dag_free(struct dag *g)
{
    for (int i = 0; i < g->count; i++)
        free(g->n[i].succ);
    free(g->n);
}

/* 3D-SiM's list scheduler as threedsim.md states it: the ready list in
 * insertion order; at each event every free resource takes the best of its
 * ready nodes (tiles and the 4-unit digital pool: smallest token, then
 * ready-list position; the MHA unit: ready-list position; communication
 * starts at once); time moves to the earliest finish; the nodes finishing
 * then retire in the order they started and append their successors, in
 * succs order, as they become ready.  Returns the makespan in ps. */
static uint64_t reference_makespan(const struct dag *g)
{
    int n = g->count;
    int *left = malloc(n * sizeof *left), *ready = malloc(n * sizeof *ready);
    int *run = malloc(n * sizeof *run);
    uint64_t *end = malloc(n * sizeof *end);
    int nready = 0, nrun = 0, done = 0, maxtile = 0;
    for (int i = 0; i < n; i++) {
        left[i] = g->n[i].npred;
        if (!left[i])
            ready[nready++] = i;
        if (g->n[i].tile > maxtile)
            maxtile = g->n[i].tile;
    }
    int *tile_busy = calloc(maxtile + 1, sizeof *tile_busy);
    int dig_busy = 0, mha_busy = 0;
    uint64_t t = 0;
    while (done < n) {
        /* one scan: each resource picks its best, all picked start in
         * ready-list order */
        char *take = calloc(nready ? nready : 1, 1);
        for (int i = 0; i < nready; i++)
            if (g->n[ready[i]].kind == K_COMM)
                take[i] = 1;
        for (int tl = 0; tl <= maxtile; tl++) {
            if (tile_busy[tl])
                continue;
            int best = -1;
            for (int i = 0; i < nready; i++) {
                const struct node *x = &g->n[ready[i]];
                if (x->kind == K_MVM && x->tile == tl &&
                    (best < 0 || x->token < g->n[ready[best]].token))
                    best = i;
            }
            if (best >= 0)
                take[best] = 1;
        }
        for (int free_units = 4 - dig_busy; free_units > 0; free_units--) {
            int best = -1;
            for (int i = 0; i < nready; i++) {
                const struct node *x = &g->n[ready[i]];
                if (x->kind == K_DIG && !take[i] &&
                    (best < 0 || x->token < g->n[ready[best]].token))
                    best = i;
            }
            if (best < 0)
                break;
            take[best] = 1;
        }
        if (!mha_busy)
            for (int i = 0; i < nready; i++)
                if (g->n[ready[i]].kind == K_MHA) {
                    take[i] = 1;
                    break;
                }
        int k = 0;
        for (int i = 0; i < nready; i++) {
            int v = ready[i];
            if (!take[i]) {
                ready[k++] = v;
                continue;
            }
            const struct node *x = &g->n[v];
            end[v] = t + (uint64_t)llround(x->lat_ns * 1000);
            run[nrun++] = v;
            if (x->kind == K_MVM)
                tile_busy[x->tile] = 1;
            else if (x->kind == K_DIG)
                dig_busy++;
            else if (x->kind == K_MHA)
                mha_busy = 1;
        }
        nready = k;
        free(take);
        uint64_t next = UINT64_MAX;
        for (int i = 0; i < nrun; i++)
            if (end[run[i]] < next)
                next = end[run[i]];
        cr_assert(nrun > 0, "the reference scheduler is stuck");
        t = next;
        k = 0;
        for (int i = 0; i < nrun; i++) {
            int v = run[i];
            if (end[v] != t) {
                run[k++] = v;
                continue;
            }
            const struct node *x = &g->n[v];
            if (x->kind == K_MVM)
                tile_busy[x->tile] = 0;
            else if (x->kind == K_DIG)
                dig_busy--;
            else if (x->kind == K_MHA)
                mha_busy = 0;
            done++;
            for (int s = 0; s < x->nsucc; s++)
                if (--left[x->succ[s]] == 0)
                    ready[nready++] = x->succ[s];
        }
        nrun = k;
    }
    free(left);
    free(ready);
    free(run);
    free(end);
    free(tile_busy);
    return t;
}

/* Imports PATH and replays it; the run's makespan (ps) and energy (pJ). */
static void replay(const char *path, const char *name, const char *kernel, double *ps,
                   double *pj)
{
    char cmd[4096], *err = NULL, prefix[1024], out[1100];
    snprintf(prefix, sizeof prefix, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "sh tools/threedsim_import %s %s", path, prefix);
    cr_assert_eq(tu_sh(cmd, NULL, &err), 0, "%s", err);
    free(err);
    snprintf(out, sizeof out, "%s-%s", prefix, kernel);
    snprintf(cmd, sizeof cmd, "%s exec %s.ini %s.cmd.gz --set run.kernel=%s --out %s --quiet",
             tu_prog(), prefix, prefix, kernel, out);
    cr_assert_eq(tu_sh(cmd, NULL, &err), 0, "%s", err);
    free(err);
    *ps = tu_stat(out, "run.total_ps");
    *pj = tu_stat(out, "energy.total_pj");
}

/* The sum of the nodes' energies plus 3D-SiM's passive 5 W x makespan. */
static double threedsim_energy_pj(const struct dag *g, double ps)
{
    double nj = 0;
    for (int i = 0; i < g->count; i++)
        nj += g->n[i].e_nj;
    return nj * 1e3 + 5.0 * ps; /* 5 W x 1 ps = 5 pJ */
}

Test(threedsim, fixture_replays_exactly)
{
    const char *path = "tests/data/threedsim/dag_tiny_512_L4.tsv.gz";
    struct dag g;
    dag_read(path, &g);
    /* 3D-SiM's own figures for this DAG (its output when the DAG was
     * dumped, /reference threedsim.md): 2484 ns, 14142.15104 nJ. */
    cr_expect_eq(reference_makespan(&g), 2484000);
    const char *k[] = {"native", "systemc"};
    for (int i = 0; i < 2; i++) {
        double ps, pj;
        replay(path, "tiny", k[i], &ps, &pj);
        cr_expect_float_eq(ps, 2484000, 0, "%s", k[i]);
        cr_expect_float_eq(pj, 14142151.04, 1e-6, "%s", k[i]);
        cr_expect_float_eq(pj, threedsim_energy_pj(&g, ps), 1e-6, "%s", k[i]);
    }
    dag_free(&g);
}

/* A random DAG in 3D-SiM's shape: tokens pass through layers of MVMs on
 * tiles (communication after each), their partial sums reduced by chains
 * of digital adds, a LayerNorm or GELU here and there, one MHA node per
 * layer joining all tokens.  Latencies from a small set, so that ties
 * happen; the file in topological (id) order with ascending succs. */
static void random_dag(const char *path, unsigned seed)
{
    uint64_t s = 0x243f6a8885a308d3ULL ^ seed;
#define RND(n) ((s = s * 6364136223846793005ULL + 1442695040888963407ULL), (int)((s >> 33) % (n)))
    enum { MAXN = 4000, MAXP = 8 };
    static int kind[MAXN], tile[MAXN], token[MAXN], lat[MAXN], npred[MAXN], pred[MAXN][MAXP];
    int n = 0, tokens = 2 + RND(4), layers = 1 + RND(3), tiles = 3 + RND(6);
    static const char *const kname[] = {"tier_linear", "communication", "digital_add", "mha"};
    int last[8], mha_prev = -1;
#define NODE(k, tl, tk, l) (kind[n] = (k), tile[n] = (tl), token[n] = (tk), lat[n] = (l), npred[n] = 0, n++)
#define PRED(v, p) (pred[v][npred[v]++] = (p))
    /* tokens start on different tiles at different speeds, so that a later
     * token can reach a shared tile first (priorities then matter) */
    for (int tk = 0; tk < tokens; tk++) {
        NODE(K_MVM, RND(tiles), tk, 100 * (1 + RND(4)));
        last[tk] = n - 1;
    }
    for (int l = 0; l < layers; l++) {
        for (int tk = 0; tk < tokens; tk++) {
            int parts = 1 + RND(3), prev = -1;
            for (int p = 0; p < parts; p++) {
                NODE(K_MVM, RND(tiles), tk, 100 + 50 * RND(3));
                PRED(n - 1, last[tk]);
                NODE(K_COMM, -1, -1, 10);
                PRED(n - 1, n - 2);
                if (prev >= 0) {
                    NODE(K_DIG, -1, tk, 10 * (1 + RND(5)));
                    PRED(n - 1, prev);
                    PRED(n - 1, n - 2);
                }
                prev = n - 1;
            }
            last[tk] = prev;
        }
        NODE(K_MHA, -1, -1, 2);
        for (int tk = 0; tk < tokens; tk++)
            PRED(n - 1, last[tk]);
        if (mha_prev >= 0 && npred[n - 1] < MAXP)
            PRED(n - 1, mha_prev);
        mha_prev = n - 1;
        for (int tk = 0; tk < tokens; tk++) {
            NODE(K_DIG, -1, tk, 50);
            PRED(n - 1, mha_prev);
            last[tk] = n - 1;
        }
    }
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "# threedsim DAG model=random seed=%u\nid\tkind\ttile\ttoken\tlayer\tlat_ns\t"
               "energy_nJ\tpreds\tsuccs\n", seed);
    for (int v = 0; v < n; v++) {
        fprintf(f, "%d\t%s\t%d\t%d\tl%d\t%d\t%d.%03d\t", v, kname[kind[v]], tile[v], token[v],
                v % 3, lat[v], v % 7, v % 1000);
        /* preds ascending, distinct */
        for (int a = 0; a < npred[v]; a++)
            for (int b = a + 1; b < npred[v]; b++)
                if (pred[v][b] < pred[v][a]) {
                    int x = pred[v][a];
                    pred[v][a] = pred[v][b];
                    pred[v][b] = x;
                }
        for (int a = 0; a < npred[v]; a++)
            fprintf(f, "%s%d", a ? "," : "", pred[v][a]);
        fputc('\t', f);
        int first = 1;
        for (int w = v + 1; w < n; w++)
            for (int a = 0; a < npred[w]; a++)
                if (pred[w][a] == v) {
                    fprintf(f, "%s%d", first ? "" : ",", w);
                    first = 0;
                    break;
                }
        fputc('\n', f);
    }
    fclose(f);
#undef NODE
#undef PRED
#undef RND
}

Test(threedsim, random_dags_replay_as_the_reference_scheduler)
{
    for (unsigned seed = 1; seed <= 16; seed++) {
        char path[1024], name[32];
        snprintf(path, sizeof path, "%s/r%u.tsv", dir, seed);
        snprintf(name, sizeof name, "r%u", seed);
        random_dag(path, seed);
        struct dag g;
        dag_read(path, &g);
        uint64_t want = reference_makespan(&g);
        double ps, pj;
        replay(path, name, "native", &ps, &pj);
        cr_expect_float_eq(ps, (double)want, 0, "seed %u", seed);
        cr_expect_float_eq(pj, threedsim_energy_pj(&g, ps), 1e-6 * pj, "seed %u", seed);
        dag_free(&g);
    }
}

Test(threedsim, bad_files_are_refused_at_their_line)
{
    struct { const char *text, *want; } bad[] = {
        {"# c\nid\tkind\ttile\ttoken\tlayer\tlat_ns\tenergy_nJ\tpreds\tsuccs\n"
         "0\tquantum\t-1\t0\t\t10\t1\t\t\n",
         ":3: unknown kind \"quantum\""},
        {"# c\nid\tkind\ttile\ttoken\tlayer\tlat_ns\tenergy_nJ\tpreds\tsuccs\n"
         "0\tdigital_add\t-1\t0\t\t1e3\t1\t\t\n",
         ":3: lat_ns \"1e3\" is not a non-negative decimal number"},
        {"# c\nid\tkind\ttile\ttoken\tlayer\tlat_ns\tenergy_nJ\tpreds\tsuccs\n"
         "0\tdigital_add\t-1\t0\t\t10\t1\t5\t\n",
         ":3: node 0: predecessor 5 is not listed before it"},
        {"# c\nid\tkind\ttile\ttoken\tlayer\tlat_ns\tenergy_nJ\tpreds\tsuccs\n"
         "0\tdigital_add\t-1\t0\t\t10\t0.0000001\t\t\n",
         ":3: energy_nJ \"0.0000001\" has more than 6 decimals"},
        {"# c\nid\tkind\n", ":2: expected the header"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[32], *err = NULL, cmd[2048];
        snprintf(name, sizeof name, "bad%zu.tsv", i);
        char *path = tu_write(dir, name, bad[i].text);
        cr_assert_not_null(path);
        snprintf(cmd, sizeof cmd, "sh tools/threedsim_import %s %s/bad", path, dir);
        cr_expect_eq(tu_sh(cmd, NULL, &err), 2, "case %zu", i);
        cr_expect(err && strstr(err, bad[i].want), "case %zu: %s", i, err);
        free(err);
        free(path);
    }
}

/* ---- [run] scheduler = threedsim --------------------------------------- */

static const char *mode_ini =
    "[model]\npreset = custom\nlayers = 1\nd_model = 64\nheads = 2\nd_ff = 256\n"
    "vocab = 64\ncontext_tokens = 8\nlm_head = analog\n"
    "[cluster]\ncount = 2\nslots = 4\ncores = 4\n"
    "[run]\nscheduler = threedsim\nprompt_tokens = 1\ndecode_tokens = 0\n";

/* One token through a one-block model whose five projections fit one
 * 256 x 256 array each (no partial sums), 3D-SiM's default costs:
 *   embed add 10, ln_1 50, comm 10 + c_attn 100 + comm 10, attention 2,
 *   comm 10 + c_proj 100 + comm 10, add 10, ln_2 50, comm 10 + c_fc 100 +
 *   comm 10, gelu 10, comm 10 + mlp.c_proj 100 + comm 10, add 10, ln_f
 *   50, comm 10 + lm_head 100 + comm 10, sampling 10 = 802 ns.
 * Energy: 5 MVMs x 10 nJ, 7 pool ops x 10 nJ (embed, 2 LayerNorms + the
 * final one, GELU, 2 adds), attention 2 nJ, sampling 0, 10 communication
 * nodes x 80 fJ x 256 columns = 122.2048 nJ. */
Test(threedsim, mode_one_token_by_hand)
{
    char *ini = tu_write(dir, "m1.ini", mode_ini);
    const char *k[] = {"native", "systemc"};
    for (int i = 0; i < 2; i++) {
        char cmd[2048], *err = NULL, out[1100];
        snprintf(out, sizeof out, "%s/m1-%s", dir, k[i]);
        snprintf(cmd, sizeof cmd, "%s run %s --set run.kernel=%s --out %s --quiet", tu_prog(),
                 ini, k[i], out);
        cr_assert_eq(tu_sh(cmd, NULL, &err), 0, "%s", err);
        free(err);
        cr_expect_float_eq(tu_stat(out, "run.ttft_ps"), 802000, 0, "%s", k[i]);
        cr_expect_float_eq(tu_stat(out, "energy.fixed_pj"), 122204.8, 1e-6, "%s", k[i]);
        cr_expect_float_eq(tu_stat(out, "cmd.fixed"), 5 + 7 + 1 + 1, 0);
        cr_expect_float_eq(tu_stat(out, "cmd.delay"), 10, 0);
    }
    free(ini);
}

/* d_model 512, d_ff 1024 on 256 x 256 arrays: c_attn 2 x 6 arrays (6
 * column blocks of 2 partial sums: 6 adds), c_proj 2 x 2 (2 adds), c_fc
 * 2 x 4 (4), mlp.c_proj 4 x 2 (2 blocks of 4: 6 adds), lm_head 2 x 1 (1):
 * 34 MVMs and 19 partial-sum adds; 8 other pool ops (embed, 3 LayerNorms,
 * GELU, 2 adds, sampling) and the attention node: 62 fixed.  Delays: one
 * after each MVM, one before each MVM fed by a digital op (all of them
 * here): 68. */
Test(threedsim, mode_partial_sum_chains)
{
    char *ini = tu_write(dir, "m2.ini", mode_ini);
    char cmd[2048], *err = NULL, out[1100];
    snprintf(out, sizeof out, "%s/m2", dir);
    snprintf(cmd, sizeof cmd,
             "%s run %s --set model.d_model=512 --set model.heads=4 --set model.d_ff=1024 "
             "--set run.kernel=native --out %s --quiet", tu_prog(), ini, out);
    cr_assert_eq(tu_sh(cmd, NULL, &err), 0, "%s", err);
    free(err);
    cr_expect_float_eq(tu_stat(out, "map.arrays"), 34, 0);
    cr_expect_float_eq(tu_stat(out, "cmd.fixed"), 62, 0);
    cr_expect_float_eq(tu_stat(out, "cmd.delay"), 68, 0);
    free(ini);
}

Test(threedsim, mode_refusals)
{
    char *ini = tu_write(dir, "m3.ini", mode_ini);
    struct { const char *sets, *want; } bad[] = {
        {"--set run.decode_tokens=2", "[run] decode_tokens = 2: [run] scheduler = threedsim runs a prefill only"},
        {"--set cluster.count=1", "[cluster] count = 1: [run] scheduler = threedsim needs 2 clusters"},
        {"--set mapping.digital=h0.attn.c_proj", "h0.attn.c_proj runs digitally"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[2048], *err = NULL;
        snprintf(cmd, sizeof cmd, "%s run %s %s --quiet", tu_prog(), ini, bad[i].sets);
        cr_expect_eq(tu_sh(cmd, NULL, &err), 2, "%s", bad[i].sets);
        cr_expect(err && strstr(err, bad[i].want), "%s: %s", bad[i].sets, err);
        free(err);
    }
    free(ini);
}

/* One MVM per activation (3D-SiM's reading of a mapping) or per array and
 * token ([threedsim] mvm_per = array): for one token of a DenseMap mapping
 * (one factor per array, so each array belongs to one stage), the MVMs are
 * the mapping's activations per token, or its arrays. */
Test(threedsim, mode_mvm_per_activation_or_array)
{
    char *ini = tu_write(dir, "m4.ini", mode_ini);
    const char *per[] = {"activation", "array"};
    const char *want[] = {"map.activations_per_token", "map.arrays"};
    for (int i = 0; i < 2; i++) {
        char cmd[2048], *err = NULL, out[1100];
        snprintf(out, sizeof out, "%s/m4-%s", dir, per[i]);
        snprintf(cmd, sizeof cmd,
                 "%s run %s --set model.d_model=256 --set model.d_ff=1024 --set "
                 "transform.kind=monarch --set mapping.strategy=densemap --set "
                 "threedsim.mvm_per=%s --set run.kernel=native --out %s --quiet",
                 tu_prog(), ini, per[i], out);
        cr_assert_eq(tu_sh(cmd, NULL, &err), 0, "%s", err);
        free(err);
        double mvms = tu_stat(out, "tile.fixed"), n = tu_stat(out, want[i]);
        cr_expect_float_eq(mvms, n, 0, "%s: %g MVMs, %s = %g", per[i], mvms, want[i], n);
    }
    char cmd[2048], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s run %s --set threedsim.mvm=tile --set threedsim.mvm_per=array "
             "--quiet", tu_prog(), ini);
    cr_expect_eq(tu_sh(cmd, NULL, &err), 2);
    cr_expect(err && strstr(err, "one MVM per array has no tile model"), "%s", err);
    free(err);
    free(ini);
}
