/*
 * cli_area.c -- `aimcsim area CONFIG.ini [--set ...]`: the chip's area and
 * static power by component.  With [chip] tiles > 0 the whole chip; with
 * tiles = 0 (set by the mapping) the figures per array and for the rest of
 * the chip.
 */
#include <stdio.h>

#include "arch/chip.h"
#include "sim/util.h"
#include "tools/cli.h"

int cli_area(int argc, char **argv)
{
    cli_opts o;
    char err[ERR_LEN];
    int rc = cli_load(argc, argv, "area", "set", 0, &o);
    if (rc)
        return rc;
    if (o.cfg.chip.tiles > 0) {
        chip *c = chip_create(&o.cfg, 0, NULL, err, sizeof err);
        if (!c) {
            fprintf(stderr, "%s\n", err);
            cli_opts_free(&o);
            return 2;
        }
        chip_print_area(c, stdout);
        chip_free(c);
    } else if (chip_print_area_per_tile(&o.cfg, stdout, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        cli_opts_free(&o);
        return 2;
    }
    cli_opts_free(&o);
    return 0;
}
