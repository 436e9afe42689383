#!/bin/sh
# plot_energy.sh -- the energy breakdown of every point of a sweep, as
# stacked bars, from a sweep CSV (aimcsim sweep, docs/outputs.md "Sweeps").
#
# usage: tools/plot_energy.sh SWEEP.csv OUTPREFIX
#   writes OUTPREFIX.png and OUTPREFIX.svg: one bar per row with status ok,
#   in file order, labelled with its varied parameters' values (the point
#   name when there are none); stacked, in uJ: energy.adc_pj, dac_pj,
#   array_pj, periphery_pj, digital_pj, noc_pj, sram_pj, dram_pj,
#   static_pj, and program_pj when the column exists.  The parts add up to
#   energy.total_pj (docs/models.md).
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_energy.sh
. "$(dirname -- "$0")/plot_common.sh"
plot_args "tools/plot_energy.sh SWEEP.csv OUTPREFIX" "$@"
csv=$1
out=$2

# Rows: "label" then one column per part, in uJ; first row: the headers.
run_awk '
NR == 1 {
    csv_header()
    np = split("adc dac array periphery digital noc sram dram static", part, " ")
    for (i = 1; i <= np; i++) cpart[i] = need("energy." part[i] "_pj")
    if (has("energy.program_pj")) { part[++np] = "program"; cpart[np] = col["energy.program_pj"] }
    cs = has("status") ? col["status"] : 0
    cp = has("point") ? col["point"] : 0
    varied()
    title = ""
    for (i = 1; i <= nv; i++) title = title (i > 1 ? ", " : "") hdr[vcols[i]]
    printf "\"point\""
    for (i = 1; i <= np; i++) printf " \"%s\"", part[i]
    printf "\n"
    next
}
{
    csv_split($0, f)
    if (cs && f[cs] != "ok") next
    g = ""
    for (i = 1; i <= nv; i++) g = g (i > 1 ? ", " : "") f[vcols[i]]
    if (nv == 0) g = cp ? f[cp] : "row " NR - 1
    if (length(g) > maxlen) maxlen = length(g)
    printf "\"%s\"", label(g)
    for (i = 1; i <= np; i++) printf " %.10g", f[cpart[i]] / 1e6
    printf "\n"
    n++
}
END {
    if (failed) exit 2
    if (n == 0) {
        printf "%s: %s: no row with status ok\n", prog, shown() > "/dev/stderr"
        exit 2
    }
    print n, np, maxlen > (tmp "/n")
    print (title == "" ? "point" : title) > (tmp "/title")
}' "$csv" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
read -r n np maxlen <"$tmp/n"
bm=$((maxlen * 9 / 20 + 4))   # rotated labels, then the axis label
xl=$(cat "$tmp/title")
w=$((500 + 36 * n))
[ "$w" -ge 900 ] || w=900
[ "$w" -le 4000 ] || w=4000
h=$((480 + 8 * maxlen))

cat >"$tmp/body.gp" <<EOF
set title "Energy by component, per point" noenhanced
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb "#404040"
set boxwidth 0.75
set grid ytics lc rgb "#d0d0d0"
set xtics rotate by -50 left noenhanced
set xlabel "$xl" noenhanced
set ylabel "energy, uJ" noenhanced
set yrange [0:*]
set key outside right top title "component" noenhanced
set bmargin $bm
set linetype 1 lc rgb "#d62728"
set linetype 2 lc rgb "#ff9896"
set linetype 3 lc rgb "#1f77b4"
set linetype 4 lc rgb "#aec7e8"
set linetype 5 lc rgb "#2ca02c"
set linetype 6 lc rgb "#ff7f0e"
set linetype 7 lc rgb "#9467bd"
set linetype 8 lc rgb "#8c564b"
set linetype 9 lc rgb "#7f7f7f"
set linetype 10 lc rgb "#e377c2"
plot for [i=2:$np+1] "$tmp/data" using i:xtic(1) title columnheader(i)
EOF
render "$w" "$h" 11
