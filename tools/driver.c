/*
 * driver.c -- one simulation end to end (driver.h).
 *
 * Invariant: every object created here is released on every path (one
 * cleanup at the end); an output file is either committed whole or
 * aborted; the output folder is prepared before anything runs
 * (tools/outdir.h), and when the run failed or was stopped no result file
 * remains, only the partial snapshot once the simulation has started.
 */
#include "tools/driver.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/chip.h"
#include "workloads/workloads.h"
#include "sim/engine.h"
#include "sim/json.h"
#include "sim/kernel.h"
#include "sim/ofile.h"
#include "tools/cmdcheck.h"
#include "tools/outdir.h"
#include "tools/prov.h"
#include "tools/report.h"
#include "sim/stats.h"
#include "sim/util.h"
#include "traces/chrome.h"
#include "traces/cmdstream.h"
#include "traces/power.h"
#include "traces/tsink.h"
#include "workloads/lora.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/sched.h"
#include "workloads/transform.h"

/* The signal that asked the run to stop (SIGINT, SIGTERM), 0 while none
 * has.  The one mutable global of the program: a signal handler reaches
 * nothing else.  The engine polls it at its progress cadence. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

/* Installs the handlers for the duration of a run (one-shot: a second
 * signal takes its default action and ends the process at once). */
static void catch_signals(struct sigaction old[2])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
}

static void release_signals(const struct sigaction old[2])
{
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
}

/* Mapping figures registered as map.* statistics. */
struct mapstats {
    uint64_t arrays, nnz, acts, conversions, params, params_dense, flops, flops_dense;
    uint64_t digital_macs, lora_macs, digital_proj;
    double util;
};

struct sim {
    const driver_opts *o;
    const config *cfg;        /* o->cfg, or eff when the chip resolves a value */
    config eff;               /* o->cfg with [adc] count from an ADC budget */
    model m;
    transform t;
    mapper mp;
    int have_m, have_t, have_mp;
    int bare;                 /* exec on the chip alone (no model, no mapping) */
    stats *st;
    chip *chip;
    kernel *k;
    sched *sc;
    cmdr *rd;
    engine *eng;
    chrome_trace *chrome;
    power_trace *power;
    tsink tsink;
    struct mapstats ms;
    char *trace_path, *power_path;
    cmdcheck *check;
    uint8_t *tag_cp;          /* per tag, its cluster work's path category */
};

/* engine_opts.check: the command against the chip (tools/cmdcheck.h),
 * located at its line of the stream, or for a scheduled stream at the
 * configuration and the command's id and tag. */
static int check_cmd(void *ctx, const cmd *c, char *err, size_t errlen)
{
    struct sim *s = ctx;
    char msg[ERR_LEN];
    if (cmdcheck_cmd(s->check, c, msg, sizeof msg) == 0)
        return 0;
    if (s->rd)
        return errf(err, errlen, "%s:%llu: %s", cmdr_header(s->rd)->path,
                    (unsigned long long)cmdr_line(s->rd), msg);
    uint32_t ntags;
    const cmd_tag *tags = sched_tags(s->sc, &ntags);
    const config *cfg = s->o->cfg;
    return errf(err, errlen, "%s: command %llu of the scheduled stream (%s): %s",
                cfg->path ? cfg->path : "(configuration)", (unsigned long long)c->id,
                c->tag < ntags ? tags[c->tag].name : "?", msg);
}

static void register_map_stats(struct sim *s)
{
    const mapper_sum *t = &s->mp.total;
    struct mapstats *ms = &s->ms;
    ms->arrays = s->mp.narrays;
    ms->nnz = t->nnz;
    ms->util = t->util;
    ms->acts = t->acts;
    ms->conversions = t->conversions;
    ms->params = t->params;
    ms->params_dense = t->params_dense;
    ms->flops = t->flops;
    ms->flops_dense = t->flops_dense;
    ms->digital_macs = t->digital_macs;
    ms->lora_macs = t->lora_macs;
    for (uint32_t i = 0; i < s->mp.nproj; i++)
        ms->digital_proj += s->mp.proj[i].exec == MAPPER_DIGITAL;
    stats_counter(s->st, &ms->arrays, "map.arrays");
    stats_real(s->st, &ms->util, "map.cell_util");
    stats_counter(s->st, &ms->nnz, "map.stored_weights");
    stats_counter(s->st, &ms->acts, "map.activations_per_token");
    stats_counter(s->st, &ms->conversions, "map.conversions_per_token");
    stats_counter(s->st, &ms->params, "map.params");
    stats_counter(s->st, &ms->params_dense, "map.params_dense");
    stats_counter(s->st, &ms->flops, "map.flops_per_token");
    stats_counter(s->st, &ms->flops_dense, "map.flops_dense_per_token");
    stats_counter(s->st, &ms->digital_proj, "map.digital_projections");
    stats_counter(s->st, &ms->digital_macs, "map.digital_macs_per_token");
    stats_counter(s->st, &ms->lora_macs, "map.lora_macs_per_token");
}

/* ---- the resource estimate ---------------------------------------------- */

uint64_t driver_memory_limit_mb(const config *c, int *is_default)
{
    if (is_default)
        *is_default = c->run.max_memory_mb == 0;
    if (c->run.max_memory_mb > 0)
        return (uint64_t)c->run.max_memory_mb;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return UINT64_MAX; /* unknown: no limit */
    return (uint64_t)pages / 1024 * (uint64_t)size / 1024 * 3 / 4;
}

/* The parameter set last among those listed (-1 terminated). */
static int later_of(const config *c, const int *ids)
{
    int best = ids[0];
    for (int i = 1; ids[i] >= 0; i++)
        best = config_later(c, best, ids[i]);
    return best;
}

static uint64_t to_mb(uint64_t bytes) { return bytes / 1048576 + (bytes % 1048576 != 0); }

int driver_estimate(const config *c, int trace, driver_mem *e)
{
    memset(e, 0, sizeof *e);
    workloads_mem w;
    if (workloads_mem_estimate(c, &w) < 0)
        return -1;
    static const int mapping_params[] = {
        PARAM_model_preset, PARAM_model_layers, PARAM_model_d_model, PARAM_model_d_ff,
        PARAM_model_vocab, PARAM_transform_kind, PARAM_transform_nblocks, PARAM_transform_block,
        PARAM_mapping_strategy, PARAM_mapping_densemap_rows, PARAM_tile_rows, PARAM_tile_cols,
        PARAM_tile_weight_bits, PARAM_tile_cell_bits, -1};
    int blame_map = later_of(c, mapping_params);
    uint64_t tiles = c->chip.tiles > 0 ? (uint64_t)c->chip.tiles : w.arrays;
    uint64_t mesh, entries;
    uint64_t chip = chip_mem_bytes(c, tiles, &mesh, &entries);
    uint64_t routers = chip_mesh_routers(c, tiles);
    uint64_t units = sat_add_u64(tiles, (uint64_t)c->cluster.count + (uint64_t)c->sram.banks +
                                            (uint64_t)c->dram.channels);
    uint64_t queues = sat_add_u64(sat_mul_u64(tiles, 2),
                                  sat_mul_u64((uint64_t)c->cluster.count + (uint64_t)c->sram.banks +
                                                  (uint64_t)c->dram.channels, w.tags));
    e->arrays = w.arrays;
    e->routers = routers;
    e->blame_arrays = blame_map;
    int n = 0;
    struct driver_mem_part *p = e->part;
    /* Twice the mapping: `aimcsim map` holds a comparison mapping beside
     * the configured one. */
    p[n++] = (struct driver_mem_part){"mapping",
                                      sat_add_u64(sat_add_u64(w.model_bytes, w.transform_bytes),
                                                  sat_mul_u64(w.mapping_bytes, 2)), blame_map};
    p[n++] = (struct driver_mem_part){"chip", chip - mesh,
                                      c->chip.tiles > 0 ? PARAM_chip_tiles : blame_map};
    p[n++] = (struct driver_mem_part){"mesh", mesh,
                                      c->noc.width > 0
                                          ? config_later(c, PARAM_noc_width, PARAM_noc_height)
                                          : c->chip.tiles > 0 ? PARAM_chip_tiles : blame_map};
    int sched_params[sizeof mapping_params / sizeof *mapping_params + 3], k = 0;
    for (; mapping_params[k] >= 0; k++)
        sched_params[k] = mapping_params[k];
    sched_params[k++] = PARAM_run_batch;
    sched_params[k++] = PARAM_run_prompt_tokens;
    sched_params[k++] = PARAM_run_decode_tokens;
    sched_params[k] = -1;
    p[n++] = (struct driver_mem_part){"scheduler", w.sched_bytes, later_of(c, sched_params)};
    p[n++] = (struct driver_mem_part){"window",
                                      engine_mem_bytes((uint64_t)c->run.window_cmds, w.tags,
                                                       queues), PARAM_run_window_cmds};
    p[n++] = (struct driver_mem_part){"statistics", stats_mem_bytes(sat_add_u64(entries, 256)),
                                      PARAM_chip_per_unit_stats};
    /* Traces (--trace): the power bins (at most 2^23 cells of 8 bytes) and a
     * name of about 64 bytes per track (units, their transfers, mesh
     * links). */
    if (trace)
        p[n++] = (struct driver_mem_part){
            "traces",
            sat_add_u64(UINT64_C(64) << 20,
                        sat_mul_u64(sat_add_u64(sat_mul_u64(units, 3), sat_mul_u64(routers, 4)),
                                    64)),
            PARAM_run_max_memory_mb};
    e->nparts = n;
    for (int i = 0; i < n; i++)
        e->total = sat_add_u64(e->total, p[i].bytes);
    return 0;
}

int driver_check_memory(const config *c, int trace, char *err, size_t errlen)
{
    driver_mem e;
    if (driver_estimate(c, trace, &e) < 0)
        return 0; /* the model is invalid: workloads_config_check says why */
    int dflt;
    uint64_t limit = driver_memory_limit_mb(c, &dflt);
    uint64_t need = to_mb(e.total);
    if (need <= limit) {
        /* Within memory, the counts must still fit their 32-bit homes
         * (array ids, the mesh's link slots). */
        if (e.arrays > UINT32_MAX)
            return config_fail(c, e.blame_arrays, err, errlen,
                               "the mapping needs up to %llu arrays (expected at most "
                               "4294967295)", (unsigned long long)e.arrays);
        if (e.routers > (UINT32_MAX >> 2))
            return config_fail(c, e.part[2].blame, err, errlen,
                               "a mesh of %llu routers (expected at most 1073741823)",
                               (unsigned long long)e.routers);
        return 0;
    }
    int big = 0;
    for (int i = 1; i < e.nparts; i++)
        if (e.part[i].bytes > e.part[big].bytes)
            big = i;
    char parts[512];
    size_t u = 0;
    parts[0] = 0;
    for (int i = 0; i < e.nparts && u < sizeof parts; i++)
        u += (size_t)snprintf(parts + u, sizeof parts - u, "%s%s %llu", i ? ", " : "",
                              e.part[i].what, (unsigned long long)to_mb(e.part[i].bytes));
    char lim[96];
    if (dflt)
        snprintf(lim, sizeof lim, "%llu MiB, 3/4 of the physical memory",
                 (unsigned long long)limit);
    else
        snprintf(lim, sizeof lim, "%llu MiB", (unsigned long long)limit);
    return config_fail(c, e.part[big].blame, err, errlen,
                       "the run needs an estimated %llu MiB (%s MiB), more than [run] "
                       "max_memory_mb allows (%s) (expected a smaller design point, or a "
                       "larger [run] max_memory_mb)", (unsigned long long)need, parts, lim);
}

int driver_config_check(const config *c, char *err, size_t errlen)
{
    if (config_check_run(c, err, errlen) < 0 || arch_config_check(c, err, errlen) < 0 ||
        driver_check_memory(c, 0, err, errlen) < 0)
        return -1;
    return workloads_config_check(c, err, errlen);
}

static char *join(const char *dir, const char *name) { return xasprintf("%s/%s", dir, name); }

static void sched_chip_of(const chip *c, sched_chip *sc);

int driver_check_mapping(const config *c, const model *m, const transform *t,
                         const mapper *mp, char *err, size_t errlen)
{
    chip *ch = chip_create(c, mp->narrays, NULL, err, errlen);
    if (!ch)
        return -1;
    sched_chip scc;
    sched_chip_of(ch, &scc);
    sched *sc = sched_create(c, m, t, mp, &scc, NULL, err, errlen);
    chip_free(ch);
    if (!sc)
        return -1;
    sched_free(sc);
    return 0;
}

static void sched_chip_of(const chip *c, sched_chip *sc)
{
    memset(sc, 0, sizeof *sc);
    for (int k = 0; k < UNIT_KINDS; k++)
        sc->units[k] = k == UNIT_NONE ? 0 : chip_count(c, (enum unit_kind)k);
    sc->sram_bank_bytes = sc->units[UNIT_SRAM]
                              ? chip_sram_capacity_bytes(c) / sc->units[UNIT_SRAM] : 0;
}

/* `aimcsim schedule`: the stream to a file. */
static int write_stream(struct sim *s, char *err, size_t errlen)
{
    cmdstream_header h;
    memset(&h, 0, sizeof h);
    h.version = CMDSTREAM_VERSION;
    for (int k = 0; k < UNIT_KINDS; k++)
        h.units[k] = k == UNIT_NONE ? 0 : chip_count(s->chip, (enum unit_kind)k);
    h.tags = sched_tags(s->sc, &h.ntags);
    /* the configuration as given, so that exec recognises it */
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)config_hash(s->o->cfg));
    cmdstream_prov prov[2] = {{"command", s->o->command ? s->o->command : ""},
                              {"config_hash", hash}};
    h.prov = prov;
    h.nprov = 2;
    cmdw *w = cmdw_open(s->o->stream_out, &h, err, errlen);
    if (!w)
        return DRIVER_EFAIL;
    cmd_source src = sched_source(s->sc);
    cmd cm;
    int r;
    uint64_t n = 0;
    while ((r = src.next(src.ctx, &cm, err, errlen)) == 1) {
        if (cmdw_write(w, &cm) < 0)
            break;
        if ((++n & 0xffff) == 0 && stop_signal) {
            cmdw_abort(w);
            return 128 + stop_signal;
        }
    }
    if (r < 0) {
        cmdw_abort(w);
        return DRIVER_EFAIL;
    }
    return cmdw_commit(w, err, errlen) < 0 ? DRIVER_EFAIL : 0;
}

/* Opens the timeline and power traces and the sink that feeds them. */
static int open_traces(struct sim *s, char *err, size_t errlen)
{
    const config *c = s->cfg;
    const char *dir = s->o->out_dir;
    tsink *ts = &s->tsink;
    /* A trace file past [trace] gzip_above_mb is gzip-compressed. */
    uint64_t gz_above = (uint64_t)c->trace.gzip_above_mb << 20;
    char *name = xasprintf("trace%s", chrome_format_ext(c->trace.format));
    s->trace_path = join(dir, name);
    free(name);
    s->chrome = chrome_open(s->trace_path, c->trace.format, (uint32_t)c->trace.max_tracks,
                            gz_above, err, errlen);
    if (!s->chrome)
        return DRIVER_EFAIL;
    uint32_t n[UNIT_KINDS] = {0}, all = 0;
    for (int k = 0; k < UNIT_KINDS; k++) {
        n[k] = k == UNIT_NONE ? 0 : chip_count(s->chip, (enum unit_kind)k);
        ts->base[k] = all;
        all += n[k];
    }
    for (int k = 0; k < TRACKS; k++)
        ts->group[k] = -1;
    ts->group[UNIT_TILE] = chrome_group(s->chrome, "tiles (arrays)", "tile", n[UNIT_TILE]);
    ts->group[TRACK_ADC] = chrome_group(s->chrome, "ADC banks", "adc", n[UNIT_TILE]);
    ts->group[UNIT_CLUSTER] = chrome_group(s->chrome, "clusters", "cluster", n[UNIT_CLUSTER]);
    if (n[UNIT_SRAM])
        ts->group[UNIT_SRAM] = chrome_group(s->chrome, "SRAM banks", "sram", n[UNIT_SRAM]);
    if (n[UNIT_DRAM])
        ts->group[UNIT_DRAM] = chrome_group(s->chrome, "DRAM channels", "dram", n[UNIT_DRAM]);
    uint32_t nlinks = chip_link_slots(s->chip);
    ts->group[TRACK_LINK] = chrome_group(s->chrome, "NoC links", "link", nlinks);
    for (uint32_t l = 0; l < nlinks; l++) {
        char name[64];
        chip_link_name(s->chip, l, name, sizeof name);
        chrome_unit_name(s->chrome, ts->group[TRACK_LINK], l, name);
    }
    ts->group[TRACK_XFER] = chrome_group(s->chrome, "NoC transfers by source", "src", all);
    ts->group[TRACK_CRIT] = chrome_group(s->chrome, "critical path", "crit", 1);
    /* Source tracks are named after their unit. */
    uint32_t u = 0;
    for (int k = 0; k < UNIT_KINDS; k++)
        for (uint32_t i = 0; i < n[k]; i++, u++) {
            char name[48];
            snprintf(name, sizeof name, "from %s%u", cmd_unit_kind_name(k), i);
            chrome_unit_name(s->chrome, ts->group[TRACK_XFER], u, name);
        }
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)config_hash(s->o->cfg));
    chrome_meta(s->chrome, "command", s->o->command ? s->o->command : "");
    chrome_meta(s->chrome, "config_hash", hash);

    s->power_path = join(dir, "power.csv");
    double st_mw[PW_COMPONENTS] = {0};
    st_mw[PW_STATIC] = stats_get(s->st, "power.static_mw", NULL);
    s->power = power_open(s->power_path, c->trace.bin_ns, power_comp_names, PW_COMPONENTS, st_mw,
                          gz_above, err, errlen);
    if (!s->power)
        return DRIVER_EFAIL;
    ts->chrome = s->chrome;
    ts->power = s->power;
    ts->kernel = s->k;
    tsink_init(ts);
    return 0;
}

static int write_stats(struct sim *s, int partial, const char *error, char *err, size_t errlen)
{
    stats_prov pv = {.command = s->o->command, .cfg = s->cfg, .partial = partial, .error = error};
    char date[32];
    pv.revision = prov_revision();
    pv.date = s->o->date && prov_date(date, sizeof date) == 0 ? date : NULL;
    pv.extra = s->have_m ? prov_model_member : NULL;
    pv.extra_ctx = &s->m;
    char *path = join(s->o->out_dir, partial ? OUTDIR_PARTIAL : "stats.json");
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    stats_write_json(s->st, &pv, o);
    if (ofile_commit(o, err, errlen) < 0)
        return -1;
    if (partial)
        return 0;
    path = join(s->o->out_dir, "stats.csv");
    o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    stats_write_csv(s->st, o);
    return ofile_commit(o, err, errlen);
}

static int write_tables(struct sim *s, const cmd_tag *tags, uint32_t ntags, char *err,
                        size_t errlen)
{
    const engine_tag_stats *ts = engine_tag_totals(s->eng);
    const char *dir = s->o->out_dir;
    char num[64];

    /* tags.csv: every tag (graph node, "sample"). */
    char *path = join(dir, "tags.csv");
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, "tag,layer,commands,activations,busy_ps,energy_pj\n");
    for (uint32_t i = 0; i < ntags; i++) {
        json_real_fmt(num, sizeof num, ts[i].e_pj);
        ofile_csv(o, tags[i].name);
        ofile_printf(o, ",%d,%llu,%llu,%llu,%s\n", tags[i].layer,
                     (unsigned long long)ts[i].commands, (unsigned long long)ts[i].acts,
                     (unsigned long long)ts[i].busy_ps, num);
    }
    if (ofile_commit(o, err, errlen) < 0)
        return -1;

    /* layers.csv: tags summed by layer (-1: outside the blocks). */
    path = join(dir, "layers.csv");
    o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, "layer,commands,activations,busy_ps,energy_pj\n");
    /* The model's blocks; on a bare exec, the blocks the tags name. */
    int32_t layers = s->have_m ? (int32_t)s->m.layers : 0;
    for (uint32_t i = 0; i < ntags; i++)
        if (tags[i].layer + 1 > layers)
            layers = tags[i].layer + 1;
    for (int32_t l = -1; l < layers; l++) {
        engine_tag_stats sum = {0, 0, 0, 0};
        for (uint32_t i = 0; i < ntags; i++)
            if (tags[i].layer == l) {
                sum.commands += ts[i].commands;
                sum.acts += ts[i].acts;
                sum.busy_ps += ts[i].busy_ps;
                sum.e_pj += ts[i].e_pj;
            }
        json_real_fmt(num, sizeof num, sum.e_pj);
        ofile_printf(o, "%d,%llu,%llu,%llu,%s\n", l, (unsigned long long)sum.commands,
                     (unsigned long long)sum.acts, (unsigned long long)sum.busy_ps, num);
    }
    if (ofile_commit(o, err, errlen) < 0)
        return -1;

    if (!s->have_mp)  /* a bare exec has no projections */
        return 0;
    /* projections.csv: the mapping of each projection and what it cost. */
    path = join(dir, "projections.csv");
    o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, "projection,layer,exec,lora,in,out,arrays,stored_weights,cell_util,"
                  "activations_per_token,conversions_per_token,digital_macs_per_token,"
                  "params,params_dense,flops_per_token,flops_dense_per_token,"
                  "commands,activations,busy_ps,energy_pj,mean_hops\n");
    uint32_t mesh_w, mesh_h;
    chip_mesh_size(s->chip, &mesh_w, &mesh_h);
    uint32_t ntiles = chip_count(s->chip, UNIT_TILE);
    uint32_t ncl = lora_layer_clusters(s->cfg, chip_count(s->chip, UNIT_CLUSTER));
    uint32_t *seen = xcalloc(s->mp.narrays ? s->mp.narrays : 1, sizeof *seen);
    for (uint32_t i = 0; i < s->m.nproj; i++) {
        const model_proj *pj = &s->m.proj[i];
        const mapper_proj *mpj = &s->mp.proj[i];
        const mapper_sum *u = &mpj->sum;
        uint32_t tg = (uint32_t)pj->node;
        engine_tag_stats z = {0, 0, 0, 0};
        const engine_tag_stats *t = tg < ntags ? &ts[tg] : &z;
        /* Mean mesh distance from its cluster to the arrays holding it. */
        int64_t cn = chip_node(s->chip, UNIT(UNIT_CLUSTER,
                                             sched_node_cluster(&s->m, tg, ncl)));
        uint64_t hops = 0, narr = 0;
        for (uint32_t k = 0; k < mpj->nstages; k++)
            for (uint32_t j = 0; j < mpj->stage[k].nplace; j++) {
                uint32_t a = mpj->stage[k].place[j].array;
                if (seen[a] == i + 1)
                    continue;
                seen[a] = i + 1;
                int64_t tn = chip_node(s->chip, UNIT(UNIT_TILE, ntiles ? a % ntiles : 0));
                uint32_t ax = (uint32_t)tn % mesh_w, ay = (uint32_t)tn / mesh_w;
                uint32_t bx = (uint32_t)cn % mesh_w, by = (uint32_t)cn / mesh_w;
                hops += (ax > bx ? ax - bx : bx - ax) + (ay > by ? ay - by : by - ay);
                narr++;
            }
        char util[64], e[64], mh[64];
        json_real_fmt(util, sizeof util, u->util);
        json_real_fmt(e, sizeof e, t->e_pj);
        json_real_fmt(mh, sizeof mh, narr ? (double)hops / (double)narr : 0.0);
        ofile_csv(o, pj->name);
        ofile_printf(o, ",%d,%s,%d,%u,%u,%llu,%llu,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,"
                        "%llu,%llu,%llu,%s,%s\n",
                     pj->layer, mpj->exec == MAPPER_DIGITAL ? "digital" : "analog",
                     mpj->lora, pj->in, pj->out, (unsigned long long)u->arrays,
                     (unsigned long long)u->nnz, util, (unsigned long long)u->acts,
                     (unsigned long long)u->conversions, (unsigned long long)u->digital_macs,
                     (unsigned long long)u->params, (unsigned long long)u->params_dense,
                     (unsigned long long)u->flops, (unsigned long long)u->flops_dense,
                     (unsigned long long)t->commands, (unsigned long long)t->acts,
                     (unsigned long long)t->busy_ps, e, mh);
    }
    free(seen);
    return ofile_commit(o, err, errlen);
}

/* critpath.csv: each category's time on the critical path of each phase
 * (docs/outputs.md). */
static int write_critpath(struct sim *s, char *err, size_t errlen)
{
    static const char *const phases[] = {"ttft", "tpot", "slowest", "total"};
    char *path = join(s->o->out_dir, "critpath.csv");
    ofile *o = ofile_open(path, 1, err, errlen);
    free(path);
    if (!o)
        return -1;
    ofile_puts(o, "phase,group,category,time_ps,share\n");
    for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++) {
        double ps[CP_CATS], total;
        if (report_crit(s->st, phases[p], ps, &total) < 0)
            continue;
        for (int c = 0; c < CP_CATS; c++) {
            char t[64], sh[64];
            json_real_fmt(t, sizeof t, ps[c]);
            json_real_fmt(sh, sizeof sh, total > 0 ? ps[c] / total : 0);
            ofile_printf(o, "%s,%s,%s,%s,%s\n", phases[p], cp_group_keys[cp_cat_group[c]],
                         cp_cat_names[c], t, sh);
        }
    }
    return ofile_commit(o, err, errlen);
}

static void cleanup(struct sim *s)
{
    if (s->chrome)
        chrome_abort(s->chrome);
    if (s->power)
        power_abort(s->power);
    engine_free(s->eng);
    cmdcheck_free(s->check);
    kernel_free(s->k);
    cmdr_close(s->rd);
    sched_free(s->sc);
    chip_free(s->chip);
    stats_free(s->st);
    if (s->have_mp)
        mapper_free(&s->mp);
    if (s->have_t)
        transform_free(&s->t);
    if (s->have_m)
        model_free(&s->m);
    free(s->tag_cp);
    free(s->trace_path);
    free(s->power_path);
}

/* The name of a stop signal, for messages. */
static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

static int run(struct sim *s, char *err, size_t errlen);

int driver_run(const driver_opts *o, char *err, size_t errlen)
{
    struct sim s;
    memset(&s, 0, sizeof s);
    s.o = o;
    struct sigaction old[2];
    if (!o->keep_signals)
        catch_signals(old);
    int rc = run(&s, err, errlen);
    cleanup(&s);
    if (!o->keep_signals)
        release_signals(old);
    return rc;
}

/* One run; leaves what it built in s for cleanup. */
static int run(struct sim *s, char *err, size_t errlen)
{
    const driver_opts *o = s->o;
    const config *c = o->cfg;
    s->cfg = c;
    int rc = DRIVER_EINPUT, started = 0;
    uint32_t ntags = 0;
    const cmd_tag *tags = NULL;

    /* The output folder before anything else: an unusable one is bad
     * input, and an earlier run's files go now, whatever this run does. */
    if (o->trace && driver_check_memory(c, 1, err, errlen) < 0)
        goto out;
    if (o->out_dir && outdir_prepare(o->out_dir, o->trace, err, errlen) < 0)
        goto out;
    /* exec of a stream scheduled from another configuration (or written by
     * hand) runs on the chip alone: the model and mapping are built only
     * when the stream says it came from this configuration, for their
     * statistics and tables. */
    const cmdstream_header *h = NULL;
    if (o->stream_in) {
        s->rd = cmdr_open(o->stream_in, err, errlen);
        if (!s->rd)
            goto out;
        h = cmdr_header(s->rd);
        const char *from = cmdstream_prov_get(h, "config_hash");
        char mine[32];
        snprintf(mine, sizeof mine, "%016llx", (unsigned long long)config_hash(c));
        s->bare = !from || strcmp(from, mine);
    }
    s->st = stats_create();
    /* A bare exec's chip: [chip] tiles, or as many as the stream names; a
     * stream larger than the chip is refused below (validate_units). */
    uint32_t tiles_needed = h && c->chip.tiles == 0 ? h->units[UNIT_TILE] : 0;
    uint32_t *arr_cl = NULL;
    if (!s->bare) {
        if (model_init(&s->m, c, err, errlen) < 0)
            goto out;
        s->have_m = 1;
        if (transform_init(&s->t, &s->m, c, err, errlen) < 0)
            goto out;
        s->have_t = 1;
        if (mapper_build(&s->mp, &s->m, &s->t, c, err, errlen) < 0)
            goto out;
        s->have_mp = 1;
        register_map_stats(s);
        tiles_needed = s->mp.narrays;
        /* The cluster each array's projection runs on, for placements
         * that keep arrays near it. */
        arr_cl = xmalloc((s->mp.narrays ? s->mp.narrays : 1) * sizeof *arr_cl);
        sched_array_clusters(&s->m, &s->mp, lora_layer_clusters(c, (uint32_t)c->cluster.count),
                             arr_cl);
    }
    /* An ADC budget sets the ADCs per bank from the chip's arrays: the
     * rest of the run (chip, statistics, report) sees that count. */
    if (c->adc.budget > 0 || c->adc.area_budget_mm2 > 0) {
        uint32_t tiles = c->chip.tiles > 0 ? (uint32_t)c->chip.tiles : tiles_needed;
        int64_t n = chip_adc_count(c, tiles, err, errlen);
        if (n == 0) {
            free(arr_cl);
            goto out;
        }
        s->eff = *c;  /* shares c's strings; never freed itself */
        s->eff.adc.count = n;
        s->cfg = c = &s->eff;
    }
    s->chip = chip_create_placed(c, tiles_needed, arr_cl, s->st, err, errlen);
    free(arr_cl);
    if (!s->chip)
        goto out;
    sched_chip scc;
    sched_chip_of(s->chip, &scc);
    if (!s->bare) {
        s->sc = sched_create(c, &s->m, &s->t, &s->mp, &scc, s->st, err, errlen);
        if (!s->sc)
            goto out;
    }
    if (stop_signal)
        goto stopped;
    if (o->stream_out) {
        rc = write_stream(s, err, errlen);
        if (rc > 128)
            goto stopped;
        goto out;
    }

    cmd_source src;
    if (o->stream_in) {
        if (cmdstream_validate_units(h, scc.units, err, errlen) < 0)
            goto out;
        tags = h->tags;
        ntags = h->ntags;
        src = cmdr_source(s->rd);
    } else {
        tags = sched_tags(s->sc, &ntags);
        src = sched_source(s->sc);
    }

    rc = DRIVER_EFAIL;
    s->k = kernel_create((enum kernel_backend)c->run.kernel, err, errlen);
    if (!s->k)
        goto out;
    engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.window = (uint32_t)c->run.window_cmds;
    eo.queues = c->run.queues;
    eo.queue_cmds[UNIT_TILE] = (uint32_t)c->tile.queue_cmds;
    eo.queue_cmds[UNIT_CLUSTER] = (uint32_t)c->cluster.queue_cmds;
    eo.queue_cmds[UNIT_SRAM] = (uint32_t)c->sram.queue_cmds;
    eo.queue_cmds[UNIT_DRAM] = (uint32_t)c->dram.queue_cmds;
    eo.tags = tags;
    eo.ntags = ntags;
    eo.progress = c->run.progress;
    eo.expect_tokens = s->sc ? sched_tokens_out(s->sc) : 0;
    eo.batch = (uint32_t)c->run.batch;
    s->check = cmdcheck_create(c, s->chip);
    eo.check = check_cmd;
    eo.check_ctx = s;
    /* The critical path names two kinds of cluster work by their tags
     * rather than their ops: sampling ("sample") and LoRA adapters
     * ("<projection>.lora"). */
    s->tag_cp = xcalloc(ntags ? ntags : 1, 1);
    for (uint32_t i = 0; i < ntags; i++) {
        size_t len = strlen(tags[i].name);
        if (!strcmp(tags[i].name, "sample"))
            s->tag_cp[i] = CP_SAMPLING;
        else if (len >= 5 && !strcmp(tags[i].name + len - 5, ".lora"))
            s->tag_cp[i] = CP_LORA;
    }
    eo.tag_cp = s->tag_cp;
    if (o->trace && o->out_dir) {
        if (open_traces(s, err, errlen) != 0)
            goto out;
        s->tsink.tags = tags;
        s->tsink.ntags = ntags;
        eo.sink = &s->tsink.sink;
        chip_set_trace_sink(s->chip, eo.sink);
    }
    eo.stop = &stop_signal;
    s->eng = engine_create(s->k, chip_units(s->chip), s->st, &eo);
    started = 1;
    int er = engine_run(s->eng, src, err, errlen);
    if (er == ENGINE_STOPPED)
        goto stopped;
    if (er < 0) {
        /* A command refused, or a stream that turns out malformed, is bad
         * input. */
        rc = er == ENGINE_EINPUT ? DRIVER_EINPUT : DRIVER_EFAIL;
        goto out;
    }
    uint64_t t_end = engine_end_ps(s->eng);
    chip_finalize(s->chip, t_end);
    if (engine_check(s->eng, err, errlen) < 0 || chip_check(s->chip, err, errlen) < 0)
        goto out;

    if (o->out_dir) {
        if (write_stats(s, 0, NULL, err, errlen) < 0 ||
            write_tables(s, tags, ntags, err, errlen) < 0 ||
            write_critpath(s, err, errlen) < 0)
            goto out;
        if (s->chrome) {
            int r = chrome_commit(s->chrome, err, errlen);
            s->chrome = NULL;
            if (r < 0)
                goto out;
        }
        if (s->power) {
            int r = power_commit(s->power, t_end, err, errlen);
            s->power = NULL;
            if (r < 0)
                goto out;
        }
    }
    if (o->report)
        report_print(o->report, c, s->have_m ? &s->m : NULL, s->st, tags, ntags,
                     engine_tag_totals(s->eng));
    if (o->on_stats)
        o->on_stats(o->on_stats_ctx, s->st);
    return 0;

stopped:
    /* Stopped by a signal: the traces' temporary files go (cleanup), the
     * statistics so far are the partial snapshot. */
    rc = 128 + stop_signal;
    if (started && o->out_dir)
        errf(err, errlen, "aimcsim: interrupted by %s at %.6g ms of simulated time: partial "
             "statistics in %s/%s", signal_name(stop_signal),
             (double)engine_end_ps(s->eng) * 1e-9, o->out_dir, OUTDIR_PARTIAL);
    else if (started)
        errf(err, errlen, "aimcsim: interrupted by %s at %.6g ms of simulated time (no --out: "
             "nothing written)", signal_name(stop_signal), (double)engine_end_ps(s->eng) * 1e-9);
    else if (o->stream_out)
        errf(err, errlen, "aimcsim: interrupted by %s: %s not written",
             signal_name(stop_signal), o->stream_out);
    else
        errf(err, errlen, "aimcsim: interrupted by %s before the simulation: nothing written",
             signal_name(stop_signal));
out:
    /* A failed run leaves no file under a result name; once it has started,
     * its statistics so far are kept as the partial snapshot. */
    if (o->out_dir)
        outdir_remove_results(o->out_dir);
    if (started && o->out_dir && s->st) {
        char e2[ERR_LEN], why[64];
        snprintf(why, sizeof why, "interrupted by %s", signal_name(stop_signal));
        write_stats(s, 1, rc > 128 ? why : err, e2, sizeof e2);
    }
    return rc;
}
