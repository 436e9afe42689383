/*
 * workloads.c -- the cross-parameter checks of the workload parameters
 * (workloads/workloads.h).
 */
#include "workloads/workloads.h"

#include <stdlib.h>

#include "sim/util.h"
#include "workloads/mapper.h"
#include "workloads/model.h"
#include "workloads/transform.h"

int workloads_config_check(const config *c, char *err, size_t errlen)
{
    model m;
    transform t;
    if (model_init(&m, c, err, errlen) < 0)
        return -1;
    if (transform_init(&t, &m, c, err, errlen) < 0) {
        model_free(&m);
        return -1;
    }
    uint8_t kinds[MODEL_PROJ_KINDS];
    uint8_t *digital = xcalloc(m.nproj ? m.nproj : 1, 1);
    int rc = 0;
    if (mapper_check_config(c, &m, &t, err, errlen) < 0 ||
        mapper_lora_targets(c, kinds, err, errlen) < 0 ||
        mapper_digital_select(&m, &t, c, NULL, digital, err, errlen) < 0)
        rc = -1;
    free(digital);
    transform_free(&t);
    model_free(&m);
    return rc;
}
