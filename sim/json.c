/* json.c -- JSON string escaping and number formatting (see json.h). */
#include "sim/json.h"

#include <math.h>
#include <stdio.h>

void json_str(ofile *o, const char *s)
{
    char buf[8];
    ofile_write(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            buf[0] = '\\';
            buf[1] = (char)*p;
            ofile_write(o, buf, 2);
        } else if (*p < 0x20) {
            snprintf(buf, sizeof buf, "\\u%04x", *p);
            ofile_write(o, buf, 6);
        } else {
            ofile_write(o, p, 1);
        }
    }
    ofile_write(o, "\"", 1);
}

void json_real_fmt(char *buf, size_t n, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "null");
    else if (v == 0)
        snprintf(buf, n, "0"); /* also folds -0 */
    else
        snprintf(buf, n, "%.10g", v);
}

void json_real(ofile *o, double v)
{
    char buf[64];
    json_real_fmt(buf, sizeof buf, v);
    ofile_puts(o, buf);
}
