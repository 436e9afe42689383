#!/bin/sh
# sweep_table.sh -- print chosen columns of a sweep CSV as an aligned table,
# finding columns by header name.  Times (_ps) print in ms, energies (_pj)
# in mJ, areas (_um2) in mm2, map.cell_util in percent.
#
# usage: tools/sweep_table.sh SWEEP.csv COLUMN...
set -eu
[ $# -ge 2 ] || { echo "usage: tools/sweep_table.sh SWEEP.csv COLUMN..." >&2; exit 2; }
csv=$1
shift
awk -F, -v cols="$*" '
NR == 1 {
    n = split(cols, want, " ")
    for (i = 1; i <= NF; i++) col[$i] = i
    for (k = 1; k <= n; k++) {
        if (!(want[k] in col)) { print "sweep_table.sh: no column " want[k] > "/dev/stderr"; bad = 1; exit 2 }
        printf "%-18s", want[k]
    }
    printf "\n"
    next
}
{
    for (k = 1; k <= n; k++) {
        v = $col[want[k]]
        if (want[k] == "map.cell_util") v = sprintf("%.1f%%", 100 * v)
        else if (want[k] ~ /_ps$/) v = sprintf("%.4g ms", v / 1e9)
        else if (want[k] ~ /_pj$/) v = sprintf("%.4g mJ", v / 1e9)
        else if (want[k] ~ /_um2$/) v = sprintf("%.4g mm2", v / 1e6)
        printf "%-18s", v
    }
    printf "\n"
}
END { if (bad) exit 2 }' "$csv"
