/*
 * run_stats.c -- libaimcsim from C: simulate a design point and read its
 * statistics in memory (docs/library.md).
 *
 *   cc run_stats.c $(pkg-config --cflags --libs aimcsim) -o run_stats
 *   ./run_stats CONFIG [section.key=value ...]
 *
 * CONFIG is an INI file or the name of an installed preset.  Prints every
 * statistic as "name,value" (stats.csv's names, in its order), then checks
 * that the energy parts add up to the total and runs the point again with
 * half the ADCs per tile, to show the effect.  Exit status: 0, or the
 * library's status on an error (2 bad input, 1 a failed run).
 */
#include <aimcsim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char err[1024];
    if (argc < 2) {
        fprintf(stderr, "usage: run_stats CONFIG [section.key=value ...]\n");
        return 2;
    }
    if (aimcsim_api_version() != AIMCSIM_API_VERSION) {
        fprintf(stderr, "run_stats: built for API %d, library has %d\n", AIMCSIM_API_VERSION,
                aimcsim_api_version());
        return 1;
    }
    aimcsim *a = aimcsim_open(argv[1], err, sizeof err);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    int rc = AIMCSIM_OK;
    for (int i = 2; i < argc && rc == AIMCSIM_OK; i++)
        rc = aimcsim_set(a, argv[i], err, sizeof err);
    aimcsim_result *r = NULL;
    if (rc == AIMCSIM_OK)
        rc = aimcsim_run(a, NULL, 0, &r, err, sizeof err);
    if (rc != AIMCSIM_OK) {
        fprintf(stderr, "%s\n", err);
        aimcsim_close(a);
        return rc;
    }

    /* Every statistic, by index. */
    double parts = 0;
    for (int i = 0; i < aimcsim_stat_count(r); i++) {
        const char *name = aimcsim_stat_name(r, i);
        double v = aimcsim_stat_value(r, i);
        printf("%s,%.17g\n", name, v);
        size_t n = strlen(name);
        if (!strncmp(name, "energy.", 7) && n > 3 && !strcmp(name + n - 3, "_pj") &&
            strcmp(name, "energy.total_pj") && strcmp(name, "energy.dynamic_by_command_pj"))
            parts += v;
    }

    /* By name. */
    double total = aimcsim_stat(r, "energy.total_pj", NULL);
    double t_ps = aimcsim_stat(r, "run.total_ps", NULL);
    fprintf(stderr, "run_stats: %s: %.6g us, %.6g uJ; energy parts add up to %.6g uJ\n",
            argv[1], t_ps * 1e-6, total * 1e-6, parts * 1e-6);
    aimcsim_result_free(r);

    /* The same point with half the ADCs per tile. */
    char adcs[64], set[96];
    aimcsim_get(a, "adc.count", adcs, sizeof adcs);
    int half = atoi(adcs) / 2;
    snprintf(set, sizeof set, "adc.count=%d", half);
    if (half >= 1 && aimcsim_set(a, set, err, sizeof err) == AIMCSIM_OK &&
        aimcsim_run(a, NULL, 0, &r, err, sizeof err) == AIMCSIM_OK) {
        fprintf(stderr, "run_stats: with %s: %.6g us\n", set,
                aimcsim_stat(r, "run.total_ps", NULL) * 1e-6);
        aimcsim_result_free(r);
    }
    aimcsim_close(a);
    return parts > 0.999999 * total && parts < 1.000001 * total ? 0 : 1;
}
