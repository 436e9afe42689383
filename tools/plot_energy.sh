#!/bin/sh
# plot_energy.sh -- the energy breakdown of every point of a sweep, as
# stacked bars, from a sweep CSV (aimcsim sweep, docs/outputs.md "Sweeps").
#
# usage: tools/plot_energy.sh SWEEP.csv OUTPREFIX
#   writes OUTPREFIX.png and OUTPREFIX.svg: one bar per row with status ok,
#   in file order, labelled with its varied parameters' values (the point
#   name when there are none); stacked, in the unit that suits the largest
#   bar (nJ, uJ, mJ, J): energy.adc_pj, dac_pj,
#   array_pj, periphery_pj, digital_pj, noc_pj, sram_pj, dram_pj,
#   static_pj, and program_pj and fixed_pj when the columns exist.  The
#   parts add up to energy.total_pj (docs/models.md).  The title names the
#   model, tokens and chip when the sweep's folder says them.
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_energy.sh
. "$(dirname -- "$0")/plot_common.sh"
plot_args "tools/plot_energy.sh SWEEP.csv OUTPREFIX" "$@"
csv=$1
out=$2

# Rows: "label" then one column per part, scaled; first row: the headers.
run_awk '
NR == 1 {
    csv_header()
    np = split("adc dac array periphery digital noc sram dram static", part, " ")
    for (i = 1; i <= np; i++) cpart[i] = need("energy." part[i] "_pj")
    if (has("energy.program_pj")) { part[++np] = "program"; cpart[np] = col["energy.program_pj"] }
    if (has("energy.fixed_pj")) { part[++np] = "fixed"; cpart[np] = col["energy.fixed_pj"] }
    cs = has("status") ? col["status"] : 0
    cp = has("point") ? col["point"] : 0
    varied()
    title = ""
    for (i = 1; i <= nv; i++) title = title (i > 1 ? ", " : "") hdr[vcols[i]]
    next
}
{
    csv_split($0, f)
    if (cs && f[cs] != "ok") next
    g = ""
    for (i = 1; i <= nv; i++) g = g (i > 1 ? ", " : "") f[vcols[i]]
    if (nv == 0) g = cp ? f[cp] : "row " NR - 1
    if (length(g) > maxlen) maxlen = length(g)
    n++
    bar[n] = g
    sum = 0
    for (i = 1; i <= np; i++) { v[n, i] = f[cpart[i]] + 0; sum += v[n, i] }
    if (sum > max) max = sum
}
END {
    if (failed) exit 2
    if (n == 0) {
        printf "%s: %s: no row with status ok\n", prog, shown() > "/dev/stderr"
        exit 2
    }
    d = auto_unit(max, ENERGY_UNITS, 1)
    printf "\"point\""
    for (i = 1; i <= np; i++) printf " \"%s\"", part[i]
    printf "\n"
    for (b = 1; b <= n; b++) {
        printf "\"%s\"", label(bar[b])
        for (i = 1; i <= np; i++) printf " %.10g", v[b, i] / d
        printf "\n"
    }
    print unit > (tmp "/unit")
    print n, np, maxlen > (tmp "/n")
    print (title == "" ? "point" : title) > (tmp "/title")
}' "$csv" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
stacked_bars "$(title_of "Energy by component, per point" "$csv")" "energy, $(cat "$tmp/unit")" \
    component \
    "#d62728" "#ff9896" "#1f77b4" "#aec7e8" "#2ca02c" "#ff7f0e" "#9467bd" "#8c564b" \
    "#7f7f7f" "#e377c2" "#bcbd22"
