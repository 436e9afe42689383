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
    [E_PROGRAM] = "program", [E_FIXED] = "fixed", [E_STATIC] = "static",
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

const char *const cp_cat_names[CP_CATS] = {
    [CP_ORDER] = "order",           [CP_QUEUE_FULL] = "queue_full",
    [CP_WINDOW] = "window",
    [CP_INTEGRATION] = "integration",
    [CP_ADC] = "adc",               [CP_ADC_WAIT] = "adc_wait",
    [CP_PROGRAM] = "program",       [CP_NOC] = "noc",
    [CP_NOC_WAIT] = "noc_wait",     [CP_SRAM] = "sram",
    [CP_SRAM_WAIT] = "sram_wait",   [CP_DRAM] = "dram",
    [CP_DRAM_WAIT] = "dram_wait",   [CP_CLUSTER_WAIT] = "cluster_wait",
    [CP_DIG + DIG_LAYERNORM] = "layernorm", [CP_DIG + DIG_SOFTMAX] = "softmax",
    [CP_DIG + DIG_GELU] = "gelu",   [CP_DIG + DIG_ADD] = "add",
    [CP_DIG + DIG_GEMM] = "gemm",   [CP_DIG + DIG_REDUCE] = "reduce",
    [CP_DIG + DIG_PERMUTE] = "permute", [CP_DIG + DIG_EMBED] = "embed",
    [CP_DIG + DIG_ARGMAX] = "argmax",
    [CP_SAMPLING] = "sampling",     [CP_LORA] = "lora",
    [CP_ARRAY_FIXED] = "fixed",     [CP_CLUSTER_FIXED] = "fixed",
    [CP_DELAY] = "delay",
};

const char *const cp_group_names[CP_GROUPS] = {
    [CP_G_ENGINE] = "engine", [CP_G_ARRAY] = "array",   [CP_G_ADC] = "ADC",
    [CP_G_NOC] = "NoC",       [CP_G_MEMORY] = "memory", [CP_G_CLUSTER] = "cluster",
};

const char *const cp_group_keys[CP_GROUPS] = {
    [CP_G_ENGINE] = "engine", [CP_G_ARRAY] = "array",   [CP_G_ADC] = "adc",
    [CP_G_NOC] = "noc",       [CP_G_MEMORY] = "memory", [CP_G_CLUSTER] = "cluster",
};

const uint8_t cp_cat_group[CP_CATS] = {
    [CP_ORDER] = CP_G_ENGINE,      [CP_QUEUE_FULL] = CP_G_ENGINE,
    [CP_WINDOW] = CP_G_ENGINE,
    [CP_INTEGRATION] = CP_G_ARRAY,
    [CP_ADC] = CP_G_ADC,           [CP_ADC_WAIT] = CP_G_ADC,
    [CP_PROGRAM] = CP_G_ARRAY,     [CP_NOC] = CP_G_NOC,
    [CP_NOC_WAIT] = CP_G_NOC,      [CP_SRAM] = CP_G_MEMORY,
    [CP_SRAM_WAIT] = CP_G_MEMORY,  [CP_DRAM] = CP_G_MEMORY,
    [CP_DRAM_WAIT] = CP_G_MEMORY,  [CP_CLUSTER_WAIT] = CP_G_CLUSTER,
    [CP_DIG + DIG_LAYERNORM] = CP_G_CLUSTER, [CP_DIG + DIG_SOFTMAX] = CP_G_CLUSTER,
    [CP_DIG + DIG_GELU] = CP_G_CLUSTER,      [CP_DIG + DIG_ADD] = CP_G_CLUSTER,
    [CP_DIG + DIG_GEMM] = CP_G_CLUSTER,      [CP_DIG + DIG_REDUCE] = CP_G_CLUSTER,
    [CP_DIG + DIG_PERMUTE] = CP_G_CLUSTER,   [CP_DIG + DIG_EMBED] = CP_G_CLUSTER,
    [CP_DIG + DIG_ARGMAX] = CP_G_CLUSTER,
    [CP_SAMPLING] = CP_G_CLUSTER,  [CP_LORA] = CP_G_CLUSTER,
    [CP_ARRAY_FIXED] = CP_G_ARRAY, [CP_CLUSTER_FIXED] = CP_G_CLUSTER,
    [CP_DELAY] = CP_G_NOC,
};
