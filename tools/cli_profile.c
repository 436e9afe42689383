/*
 * cli_profile.c -- `aimcsim profile CONFIG.ini --weights FILE --tokens FILE
 * [--start N] [--len N] [--whole] [--metric ppl|kl] [-j N] [--set ...]
 * [--out FILE] [--csv FILE] [--quiet]`: accuracy beside PPA
 * (workloads/accuracy.h, docs/profile.md).
 *
 * Without --whole: the one-at-a-time sensitivity profile, a table on
 * stdout and, with --out, a profile file that [mapping] digital_profile
 * reads (mapper_profile_load): "projection value" per line, the value the
 * mean perplexity increase over the noise draws (--metric kl: the mean KL
 * divergence per position).  With --whole: the whole model under the
 * configured mapping and digital selection.  --csv writes the rows
 * printed.  Files are written whole or not at all.  Exit status 2 for bad
 * input (options, config, weight or token files), 1 for an output error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "workloads/accuracy.h"

typedef struct popts {
    accuracy_opts ao;          /* --weights, --tokens, --start, --len, --context, -j */
    uint32_t threads;
    int whole, kl;
} popts;

/* Takes this subcommand's own options out of argv (into po); the rest go
 * to cli_load.  Returns 0 or the exit status. */
static int own_options(int argc, char **argv, popts *po, char **rest, int *nrest)
{
    char err[ERR_LEN];
    memset(po, 0, sizeof *po);
    po->threads = 1;
    *nrest = 0;
    rest[(*nrest)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_accuracy_option(argc, argv, &i, &po->ao, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "aimcsim profile: %s\n", err);
            return 2;
        }
        if (r > 0)
            continue;
        if ((!strcmp(a, "--metric") || !strcmp(a, "-j")) && i + 1 >= argc) {
            fprintf(stderr, "aimcsim profile: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "-j")) {
            if (cli_parse_u32(a, argv[++i], &po->threads, err, sizeof err) < 0) {
                fprintf(stderr, "aimcsim profile: %s\n", err);
                return 2;
            }
            if (po->threads < 1 || po->threads > 256) {
                fprintf(stderr, "aimcsim profile: -j %u: must be in [1, 256]\n", po->threads);
                return 2;
            }
        } else if (!strcmp(a, "--metric")) {
            const char *m = argv[++i];
            if (strcmp(m, "ppl") && strcmp(m, "kl")) {
                fprintf(stderr, "aimcsim profile: --metric %s: expected ppl or kl\n", m);
                return 2;
            }
            po->kl = !strcmp(m, "kl");
        } else if (!strcmp(a, "--whole"))
            po->whole = 1;
        else
            rest[(*nrest)++] = argv[i];
    }
    po->ao.threads = po->threads;
    return 0;
}

static void mean_sd(const double *v, uint32_t n, double *mean, double *sd)
{
    double s = 0.0, s2 = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (uint32_t i = 0; i < n; i++)
        s2 += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(s2 / (n - 1)) : 0.0;
}

/* Per row: mean and sd of the perplexity increase, mean perplexity, mean KL. */
typedef struct rowstat {
    double ppl, dppl, dppl_sd, kl;
} rowstat;

static rowstat row_stat(const accuracy_result *r, uint32_t i)
{
    rowstat s;
    double *d = xmalloc(r->draws * sizeof *d), sd;
    for (uint32_t k = 0; k < r->draws; k++)
        d[k] = accuracy_dppl(r, i, k);
    mean_sd(d, r->draws, &s.dppl, &s.dppl_sd);
    s.ppl = exp(r->nll_clean) + s.dppl;
    mean_sd(r->kl + (size_t)i * r->draws, r->draws, &s.kl, &sd);
    free(d);
    return s;
}

static void print_setup(FILE *f, const accuracy *a, const popts *po, const config *c)
{
    const model *m = &a->m;
    fprintf(f, "model      %s: %u layers, d_model %u, %u heads, d_ff %u, vocab %u, context %u\n",
            model_preset_name(m->preset), m->layers, m->d_model, m->heads, m->d_ff, m->vocab,
            m->context_tokens);
    if (a->t.kind == TRANSFORM_MONARCH)
        fprintf(f, "transform  monarch: nblocks %u, b %u; fitted to the dense weights, "
                "relative error %.4f (Frobenius)\n", a->t.nb, a->t.b,
                a->nw.fit_norm2 > 0 ? sqrt(a->nw.fit_err2 / a->nw.fit_norm2) : 0.0);
    else
        fprintf(f, "transform  dense\n");
    const mapper *mp = po->whole ? &a->mp : &a->mp_all;
    uint32_t ndig = 0;
    for (uint32_t p = 0; p < mp->nproj; p++)
        ndig += mp->proj[p].exec == MAPPER_DIGITAL;
    fprintf(f, "mapping    %s on %u x %u arrays, %u arrays, ADC bits %u-%u; ", mp->ops->name,
            mp->rows, mp->cols, mp->narrays, mp->total.bits_min, mp->total.bits_max);
    if (po->whole)
        fprintf(f, "%u of %u projections digital (exact)\n", ndig, mp->nproj);
    else
        fprintf(f, "every projection analog for the profile\n");
    fprintf(f, "weights    %s: %zu parameters\n", po->ao.weights, a->w.nparams);
    fprintf(f, "tokens     %s: %u tokens; positions %u..%u (%u), in chunks of %u\n", po->ao.tokens,
            a->tok.n, a->start, a->start + a->len - 1, a->len, a->chunk);
    fprintf(f, "noise      %u draws, seed %llu; input %u bits; prog_sigma_rel %g of w_ref "
            "(w_scope %s), w_clip_sigma %g; ADC range %s (%s %g); out_noise_rel %g\n",
            a->prm.draws, (unsigned long long)a->prm.seed, a->prm.input_bits,
            a->prm.prog_sigma_rel, config_enum_name(PARAM_noise_w_scope, c->noise.w_scope),
            a->prm.w_clip_sigma, config_enum_name(PARAM_noise_adc_range, c->noise.adc_range),
            a->prm.adc_range == NOISE_ADC_SIGMA ? "adc_k_sigma" : "adc_fs_frac",
            a->prm.adc_range == NOISE_ADC_SIGMA ? a->prm.adc_k_sigma : a->prm.adc_fs_frac,
            a->prm.out_noise_rel);
}

static void print_clean(FILE *f, const accuracy *a, const accuracy_result *r)
{
    if (a->t.kind == TRANSFORM_MONARCH)
        fprintf(f, "clean      perplexity %.4f (Monarch fit, exact fp32); dense checkpoint %.4f\n",
                exp(r->nll_clean), exp(r->nll_dense));
    else
        fprintf(f, "clean      perplexity %.4f (exact fp32)\n", exp(r->nll_clean));
}

static void print_speed(FILE *f, const accuracy *a, const accuracy_result *r, uint32_t threads)
{
    fprintf(f, "speed      functional model %.1f tokens/s (noise-free passes); %llu noisy passes "
            "of %.0f tokens on average, %.1f s in all, %u thread%s\n",
            r->clean_s > 0 ? a->len / r->clean_s : 0.0, (unsigned long long)r->passes,
            r->passes ? (double)r->pass_tokens / r->passes : 0.0, r->total_s, threads,
            threads == 1 ? "" : "s");
}

static int write_profile(const char *path, const accuracy *a, const accuracy_result *r,
                         const popts *po, const char *cfg_path, const config *cfg, char *err,
                         size_t errlen)
{
    ofile *o = ofile_open(path, 6, err, errlen);
    if (!o)
        return -1;
    ofile_printf(o, "# aimcsim profile: %s when only this projection is analog, mean of %u "
                    "noise draws\n",
                 po->kl ? "KL divergence per position (nats) from the noise-free logits"
                        : "perplexity increase",
                 r->draws);
    ofile_printf(o, "# command: %s\n", cli_command_line());
    ofile_printf(o, "# config: %s (hash %016llx); weights: %s; tokens: %s, positions %u..%u\n",
                 cfg_path, (unsigned long long)config_hash(cfg), po->ao.weights, po->ao.tokens,
                 a->start, a->start + a->len - 1);
    ofile_printf(o, "# clean perplexity %.6g (%s)\n", exp(r->nll_clean),
                 a->t.kind == TRANSFORM_MONARCH ? "Monarch fit" : "dense");
    for (uint32_t i = 0; i < r->nproj; i++) {
        if (!r->row_valid[i])
            continue;
        rowstat s = row_stat(r, i);
        ofile_printf(o, "%s %.6g\n", a->m.proj[i].name, po->kl ? s.kl : s.dppl);
    }
    return ofile_commit(o, err, errlen);
}

static int write_csv(const char *path, const accuracy *a, const accuracy_result *r,
                     const popts *po, char *err, size_t errlen)
{
    ofile *o = ofile_open(path, 6, err, errlen);
    if (!o)
        return -1;
    if (po->whole) {
        double mean, sd;
        accuracy_ppl(r, 0, &mean, &sd);
        rowstat s = row_stat(r, 0);
        ofile_printf(o, "ppl_clean,ppl_dense,ppl_mean,ppl_sd,dppl_mean,kl_mean,draws,positions\n");
        ofile_printf(o, "%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%u,%u\n", exp(r->nll_clean),
                     exp(r->nll_dense), mean, sd, s.dppl, s.kl, r->draws, r->positions);
    } else {
        ofile_printf(o, "projection,ppl_mean,dppl_mean,dppl_sd,kl_mean\n");
        for (uint32_t i = 0; i < r->nproj; i++) {
            if (!r->row_valid[i])
                continue;
            rowstat s = row_stat(r, i);
            ofile_printf(o, "%s,%.6g,%.6g,%.6g,%.6g\n", a->m.proj[i].name, s.ppl, s.dppl,
                         s.dppl_sd, s.kl);
        }
    }
    return ofile_commit(o, err, errlen);
}

int cli_profile(int argc, char **argv)
{
    popts po;
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int nrest, rc = own_options(argc, argv, &po, rest, &nrest);
    if (rc) {
        free(rest);
        return rc;
    }
    cli_opts o;
    rc = cli_load(nrest, rest, "profile", "set,out,csv,quiet", 0, &o);
    free(rest);
    if (rc)
        return rc;
    if (!po.ao.weights || !po.ao.tokens) {
        fprintf(stderr, "aimcsim profile: needs --weights FILE and --tokens FILE (llm.c "
                        "formats; see docs/profile.md)\n");
        cli_opts_free(&o);
        return 2;
    }
    if (po.whole && o.out_dir) {
        fprintf(stderr, "aimcsim profile: --out writes the per-projection profile, which "
                        "--whole does not compute (use --csv)\n");
        cli_opts_free(&o);
        return 2;
    }
    char err[ERR_LEN];
    accuracy a;
    accuracy_opts ao = po.ao;
    if (!o.quiet && o.cfg.run.progress && isatty(fileno(stderr)))
        ao.progress = stderr;
    if (accuracy_init(&a, &o.cfg, &ao, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        cli_opts_free(&o);
        return 2;
    }
    FILE *rep = o.quiet ? NULL : stdout;
    if (rep)
        print_setup(rep, &a, &po, &o.cfg);
    accuracy_result r;
    rc = po.whole ? accuracy_whole(&a, &r, err, sizeof err)
                  : accuracy_profile(&a, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        accuracy_free(&a);
        cli_opts_free(&o);
        return 1;
    }
    if (rep) {
        print_clean(rep, &a, &r);
        if (po.whole) {
            double mean, sd;
            accuracy_ppl(&r, 0, &mean, &sd);
            rowstat s = row_stat(&r, 0);
            fprintf(rep, "analog     perplexity %.4f +- %.4f (%u draws), increase %.4f; "
                         "KL %.6f nats per position\n", mean, sd, r.draws, s.dppl, s.kl);
        } else {
            fprintf(rep, "\n%-16s %10s %10s %10s %12s\n", "projection", "ppl", "dppl",
                    "dppl sd", "KL");
            for (uint32_t i = 0; i < r.nproj; i++) {
                if (!r.row_valid[i])
                    continue;
                rowstat s = row_stat(&r, i);
                fprintf(rep, "%-16s %10.4f %10.4f %10.4f %12.6f\n", a.m.proj[i].name, s.ppl,
                        s.dppl, s.dppl_sd, s.kl);
            }
            fputc('\n', rep);
        }
        print_speed(rep, &a, &r, po.threads);
    }
    rc = 0;
    if (o.out_dir && write_profile(o.out_dir, &a, &r, &po, o.cfg_path, &o.cfg, err,
                                    sizeof err) < 0)
        rc = 1;
    if (!rc && o.csv && write_csv(o.csv, &a, &r, &po, err, sizeof err) < 0)
        rc = 1;
    if (rc)
        fprintf(stderr, "%s\n", err);
    accuracy_result_free(&r);
    accuracy_free(&a);
    cli_opts_free(&o);
    return rc;
}
