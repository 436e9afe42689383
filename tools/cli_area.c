/*
 * cli_area.c -- `aimcsim area CONFIG.ini [--set ...]`: the chip's area and
 * static power by component.  With [chip] tiles > 0 the whole chip; with
 * tiles = 0 (set by the mapping) the figures per array and for the rest of
 * the chip.  `aimcsim adc CONFIG.ini [--set ...]`: the configured ADC model,
 * resolution by resolution (conversion time, rate, energy, area).
 */
#include <stdio.h>

#include "arch/adc.h"
#include "arch/chip.h"
#include "sim/units.h"
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

int cli_adc(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_load(argc, argv, "adc", "set", 0, &o);
    if (rc)
        return rc;
    adc_params p;
    adc_params_init(&p, &o.cfg);
    unsigned design = adc_design_bits(&o.cfg);
    printf("ADC: %s conversion, energy model %s, area model %s, %g nm; built for %u bits\n",
           config_enum_name(PARAM_adc_kind, o.cfg.adc.kind), adc_model_name(p.adc.model),
           adc_area_model_name(p.adc.area_model), o.cfg.adc.tech_nm, design);
    printf("  %4s %12s %12s %12s %14s\n", "bits", "t_conv_ps", "rate_ms_s", "e_conv_pj",
           "area_um2");
    for (unsigned b = 1; b <= ADC_MAX_BITS; b++) {
        uint64_t t = adc_conv_ps(&p, b);
        printf("  %4u %12llu %12.4g %12.4g %14.5g%s%s\n", b, (unsigned long long)t,
               units_period_ps_to_ghz((double)t) * 1e3, adc_energy_pj(&p, b),
               adc_area_um2(&p, b), adc_extrapolated(&p, b) ? "  extrapolated" : "",
               b == design ? "  <- design" : "");
    }
    printf("area: one ADC built for `bits`, at its rate; the chip's ADCs are built for %u bits\n",
           design);
    cli_opts_free(&o);
    return 0;
}
