/*
 * cli_common.c -- argument handling shared by the subcommands: the config
 * file, --set overrides (applied in order, after the file), output options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/driver.h"
#include "sim/util.h"
#include "tools/cli.h"
#include "workloads/accuracy.h"

static char *command_line;

void cli_set_command_line(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    free(command_line);
    command_line = xmalloc(n);
    command_line[0] = 0;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(command_line, " ");
        strcat(command_line, argv[i]);
    }
}

const char *cli_command_line(void) { return command_line ? command_line : ""; }

int cli_parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

int cli_parse_u32(const char *opt, const char *s, uint32_t *v, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (!*s || *end || errno || x > 0xffffffffULL || s[0] == '-')
        return errf(err, errlen, "%s %s: not a non-negative integer", opt, s);
    *v = (uint32_t)x;
    return 0;
}

int cli_accuracy_option(int argc, char **argv, int *i, accuracy_opts *o, char *err,
                        size_t errlen)
{
    static const char *const names[] = {"--weights", "--tokens", "--start", "--len",
                                        "--context"};
    const char *a = argv[*i];
    int k = 0;
    while (k < 5 && strcmp(a, names[k]))
        k++;
    if (k == 5)
        return 0;
    if (*i + 1 >= argc)
        return errf(err, errlen, "%s needs a value", a);
    const char *v = argv[++*i];
    if (k == 0)
        o->weights = v;
    else if (k == 1)
        o->tokens = v;
    else if (cli_parse_u32(a, v, k == 2 ? &o->start : k == 3 ? &o->len : &o->context, err,
                           errlen) < 0)
        return -1;
    return 1;
}

static int allowed_opt(const char *allowed, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = allowed; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, opt, n))
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int cli_load(int argc, char **argv, const char *name, const char *allowed,
             int max_pos, cli_opts *o)
{
    char err[ERR_LEN];
    memset(o, 0, sizeof *o);
    const char **sets = xcalloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *opt = a[0] == '-' ? a + (a[1] == '-' ? 2 : 1) : NULL;
        int takes_value = opt && (!strcmp(opt, "set") || !strcmp(opt, "out") ||
                                  !strcmp(opt, "o") || !strcmp(opt, "csv") ||
                                  !strcmp(opt, "json"));
        if (opt && !allowed_opt(allowed, opt)) {
            fprintf(stderr, "aimcsim %s: unknown option '%s' (see aimcsim help %s)\n",
                    name, a, name);
            free(sets);
            return 2;
        }
        if (takes_value && i + 1 >= argc) {
            fprintf(stderr, "aimcsim %s: %s needs a value\n", name, a);
            free(sets);
            return 2;
        }
        if (takes_value && strcmp(opt, "set") && !*argv[i + 1]) {
            fprintf(stderr, "aimcsim %s: %s needs a value (got an empty string)\n", name, a);
            free(sets);
            return 2;
        }
        if (!opt) {
            if (!o->cfg_path)
                o->cfg_path = a;
            else if (o->npos < max_pos)
                o->pos[o->npos++] = a;
            else {
                fprintf(stderr, "aimcsim %s: unexpected argument '%s'\n", name, a);
                free(sets);
                return 2;
            }
        } else if (!strcmp(opt, "set")) {
            sets[nsets++] = argv[++i];
        } else if (!strcmp(opt, "out")) {
            o->out_dir = argv[++i];
        } else if (!strcmp(opt, "o")) {
            o->output = argv[++i];
        } else if (!strcmp(opt, "csv")) {
            o->csv = argv[++i];
        } else if (!strcmp(opt, "json")) {
            o->json = argv[++i];
        } else if (!strcmp(opt, "trace")) {
            o->trace = 1;
        } else if (!strcmp(opt, "quiet")) {
            o->quiet = 1;
        } else if (!strcmp(opt, "date")) {
            o->date = 1;
        }
    }
    if (!o->cfg_path) {
        fprintf(stderr, "aimcsim %s: missing CONFIG.ini (see aimcsim help %s)\n", name, name);
        free(sets);
        return 2;
    }
    if (config_load(&o->cfg, o->cfg_path, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        config_free(&o->cfg);
        free(sets);
        return 2;
    }
    for (int k = 0; k < nsets; k++)
        if (config_set(&o->cfg, sets[k], err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            config_free(&o->cfg);
            free(sets);
            return 2;
        }
    free(sets);
    if (driver_config_check(&o->cfg, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        config_free(&o->cfg);
        return 2;
    }
    return 0;
}

void cli_opts_free(cli_opts *o) { config_free(&o->cfg); }
