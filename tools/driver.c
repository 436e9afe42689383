/*
 * driver.c -- one simulation end to end (driver.h).
 *
 * Invariant: every object created here is released on every path (one
 * cleanup at the end); an output file is either committed whole or
 * aborted, and when the run failed only a stats.json marked partial is
 * committed.
 */
#include "tools/driver.h"

#include <stdlib.h>
#include <string.h>

#include "arch/chip.h"
#include "workloads/workloads.h"
#include "sim/engine.h"
#include "sim/json.h"
#include "sim/kernel.h"
#include "sim/ofile.h"
#include "tools/report.h"
#include "sim/stats.h"
#include "sim/util.h"
#include "traces/chrome.h"
#include "traces/cmdstream.h"
#include "traces/power.h"
#include "traces/tsink.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/sched.h"
#include "workloads/transform.h"

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
    uint8_t *tag_cp;          /* per tag, its cluster work's path category */
};

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

int driver_config_check(const config *c, char *err, size_t errlen)
{
    if (config_check_run(c, err, errlen) < 0 || arch_config_check(c, err, errlen) < 0)
        return -1;
    return workloads_config_check(c, err, errlen);
}

static char *join(const char *dir, const char *name) { return xasprintf("%s/%s", dir, name); }

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
    while ((r = src.next(src.ctx, &cm, err, errlen)) == 1)
        if (cmdw_write(w, &cm) < 0)
            break;
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
    stats_prov pv = {s->o->command, s->cfg, partial, error};
    char *path = join(s->o->out_dir, "stats.json");
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
        ofile_printf(o, "%s,%d,%llu,%llu,%llu,%s\n", tags[i].name, tags[i].layer,
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
                  "commands,activations,busy_ps,energy_pj\n");
    for (uint32_t i = 0; i < s->m.nproj; i++) {
        const model_proj *pj = &s->m.proj[i];
        const mapper_proj *mpj = &s->mp.proj[i];
        const mapper_sum *u = &mpj->sum;
        uint32_t tg = (uint32_t)pj->node;
        engine_tag_stats z = {0, 0, 0, 0};
        const engine_tag_stats *t = tg < ntags ? &ts[tg] : &z;
        char util[64], e[64];
        json_real_fmt(util, sizeof util, u->util);
        json_real_fmt(e, sizeof e, t->e_pj);
        ofile_printf(o, "%s,%d,%s,%d,%u,%u,%llu,%llu,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,"
                        "%llu,%llu,%llu,%s\n",
                     pj->name, pj->layer, mpj->exec == MAPPER_DIGITAL ? "digital" : "analog",
                     mpj->lora, pj->in, pj->out, (unsigned long long)u->arrays,
                     (unsigned long long)u->nnz, util, (unsigned long long)u->acts,
                     (unsigned long long)u->conversions, (unsigned long long)u->digital_macs,
                     (unsigned long long)u->params, (unsigned long long)u->params_dense,
                     (unsigned long long)u->flops, (unsigned long long)u->flops_dense,
                     (unsigned long long)t->commands, (unsigned long long)t->acts,
                     (unsigned long long)t->busy_ps, e);
    }
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

int driver_run(const driver_opts *o, char *err, size_t errlen)
{
    struct sim s;
    memset(&s, 0, sizeof s);
    s.o = o;
    const config *c = o->cfg;
    s.cfg = c;
    int rc = DRIVER_EINPUT, started = 0;
    uint32_t ntags = 0;
    const cmd_tag *tags = NULL;

    /* exec of a stream scheduled from another configuration (or written by
     * hand) runs on the chip alone: the model and mapping are built only
     * when the stream says it came from this configuration, for their
     * statistics and tables. */
    const cmdstream_header *h = NULL;
    if (o->stream_in) {
        s.rd = cmdr_open(o->stream_in, err, errlen);
        if (!s.rd)
            goto out;
        h = cmdr_header(s.rd);
        const char *from = cmdstream_prov_get(h, "config_hash");
        char mine[32];
        snprintf(mine, sizeof mine, "%016llx", (unsigned long long)config_hash(c));
        s.bare = !from || strcmp(from, mine);
    }
    s.st = stats_create();
    /* A bare exec's chip: [chip] tiles, or as many as the stream names; a
     * stream larger than the chip is refused below (validate_units). */
    uint32_t tiles_needed = h && c->chip.tiles == 0 ? h->units[UNIT_TILE] : 0;
    if (!s.bare) {
        if (model_init(&s.m, c, err, errlen) < 0)
            goto out;
        s.have_m = 1;
        if (transform_init(&s.t, &s.m, c, err, errlen) < 0)
            goto out;
        s.have_t = 1;
        if (mapper_build(&s.mp, &s.m, &s.t, c, err, errlen) < 0)
            goto out;
        s.have_mp = 1;
        register_map_stats(&s);
        tiles_needed = s.mp.narrays;
    }
    /* An ADC budget sets the ADCs per bank from the chip's arrays: the
     * rest of the run (chip, statistics, report) sees that count. */
    if (c->adc.budget > 0 || c->adc.area_budget_mm2 > 0) {
        uint32_t tiles = c->chip.tiles > 0 ? (uint32_t)c->chip.tiles : tiles_needed;
        int64_t n = chip_adc_count(c, tiles, err, errlen);
        if (n == 0)
            goto out;
        s.eff = *c;  /* shares c's strings; never freed itself */
        s.eff.adc.count = n;
        s.cfg = c = &s.eff;
    }
    s.chip = chip_create(c, tiles_needed, s.st, err, errlen);
    if (!s.chip)
        goto out;
    sched_chip scc;
    sched_chip_of(s.chip, &scc);
    if (!s.bare) {
        s.sc = sched_create(c, &s.m, &s.t, &s.mp, &scc, s.st, err, errlen);
        if (!s.sc)
            goto out;
    }
    if (o->stream_out) {
        rc = write_stream(&s, err, errlen);
        goto out;
    }

    cmd_source src;
    if (o->stream_in) {
        if (cmdstream_validate_units(h, scc.units, err, errlen) < 0)
            goto out;
        tags = h->tags;
        ntags = h->ntags;
        src = cmdr_source(s.rd);
    } else {
        tags = sched_tags(s.sc, &ntags);
        src = sched_source(s.sc);
    }

    rc = DRIVER_EFAIL;
    s.k = kernel_create((enum kernel_backend)c->run.kernel, err, errlen);
    if (!s.k)
        goto out;
    engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.window = (uint32_t)c->run.window_cmds;
    eo.queues = c->run.queues;
    eo.tags = tags;
    eo.ntags = ntags;
    eo.progress = c->run.progress;
    eo.expect_tokens = s.sc ? sched_tokens_out(s.sc) : 0;
    eo.batch = (uint32_t)c->run.batch;
    /* The critical path names two kinds of cluster work by their tags
     * rather than their ops: sampling ("sample") and LoRA adapters
     * ("<projection>.lora"). */
    s.tag_cp = xcalloc(ntags ? ntags : 1, 1);
    for (uint32_t i = 0; i < ntags; i++) {
        size_t len = strlen(tags[i].name);
        if (!strcmp(tags[i].name, "sample"))
            s.tag_cp[i] = CP_SAMPLING;
        else if (len >= 5 && !strcmp(tags[i].name + len - 5, ".lora"))
            s.tag_cp[i] = CP_LORA;
    }
    eo.tag_cp = s.tag_cp;
    if (o->out_dir && ofile_mkdirs(o->out_dir, err, errlen) < 0)
        goto out;
    if (o->trace && o->out_dir) {
        if (open_traces(&s, err, errlen) != 0)
            goto out;
        s.tsink.tags = tags;
        s.tsink.ntags = ntags;
        eo.sink = &s.tsink.sink;
        chip_set_trace_sink(s.chip, eo.sink);
    }
    s.eng = engine_create(s.k, chip_units(s.chip), s.st, &eo);
    started = 1;
    if (engine_run(s.eng, src, err, errlen) < 0) {
        /* A stream that turns out malformed is bad input. */
        rc = o->stream_in ? DRIVER_EINPUT : DRIVER_EFAIL;
        goto out;
    }
    uint64_t t_end = engine_end_ps(s.eng);
    chip_finalize(s.chip, t_end);
    if (engine_check(s.eng, err, errlen) < 0 || chip_check(s.chip, err, errlen) < 0)
        goto out;

    if (o->out_dir) {
        if (write_stats(&s, 0, NULL, err, errlen) < 0 ||
            write_tables(&s, tags, ntags, err, errlen) < 0 ||
            write_critpath(&s, err, errlen) < 0)
            goto out;
        if (s.chrome) {
            int r = chrome_commit(s.chrome, err, errlen);
            s.chrome = NULL;
            if (r < 0)
                goto out;
        }
        if (s.power) {
            int r = power_commit(s.power, t_end, err, errlen);
            s.power = NULL;
            if (r < 0)
                goto out;
        }
    }
    if (o->report)
        report_print(o->report, c, s.have_m ? &s.m : NULL, s.st, tags, ntags,
                     engine_tag_totals(s.eng));
    rc = 0;
out:
    if (rc != 0 && started && o->out_dir && s.st) {
        char e2[ERR_LEN];
        if (ofile_mkdirs(o->out_dir, e2, sizeof e2) == 0)
            write_stats(&s, 1, err, e2, sizeof e2);
    }
    cleanup(&s);
    return rc;
}
