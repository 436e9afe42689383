/*
 * unit.c -- the names of what the hardware reports: stall causes, energy
 * parts and area rows (sim/unit.h).  The chip registers its statistics and
 * the report prints its tables from these same tables.
 *
 * Invariant: one name per enum value, in enum order (designated
 * initialisers; a test checks that none is missing).
 */
#include "sim/unit.h"

const char *const stall_cause_names[STALL_CAUSES] = {
    [STALL_DEP] = "dep",   [STALL_ARRAY] = "array", [STALL_ADC] = "adc",
    [STALL_LINK] = "link", [STALL_MEM] = "mem",     [STALL_CLUSTER] = "cluster",
};

const char *const stall_cause_labels[STALL_CAUSES] = {
    [STALL_DEP] = "dependencies",   [STALL_ARRAY] = "array busy",
    [STALL_ADC] = "ADC bank busy",  [STALL_LINK] = "NoC link busy",
    [STALL_MEM] = "memory busy",    [STALL_CLUSTER] = "cluster busy",
};

const char *const energy_part_names[E_PARTS] = {
    [E_ADC] = "adc",         [E_DAC] = "dac",   [E_ARRAY] = "array", [E_PERIPH] = "periphery",
    [E_DIGITAL] = "digital", [E_NOC] = "noc",   [E_SRAM] = "sram",   [E_DRAM] = "dram",
    [E_PROGRAM] = "program", [E_STATIC] = "static",
};

const char *const area_row_names[AREA_ROWS] = {
    [AREA_ARRAYS] = "arrays", [AREA_ADC] = "adc",         [AREA_DAC] = "dac",
    [AREA_PERIPH] = "periphery", [AREA_CLUSTER] = "cluster", [AREA_NOC] = "noc",
    [AREA_SRAM] = "sram",     [AREA_DRAM] = "dram",
};

const char *const area_row_labels[AREA_ROWS] = {
    [AREA_ARRAYS] = "arrays", [AREA_ADC] = "ADCs", [AREA_DAC] = "DACs (rows)",
    [AREA_PERIPH] = "periphery", [AREA_CLUSTER] = "clusters", [AREA_NOC] = "NoC routers",
    [AREA_SRAM] = "SRAM banks", [AREA_DRAM] = "DRAM channels",
};
