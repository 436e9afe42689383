#!/bin/sh
# plot_mapping.sh -- arrays used and cell utilisation per mapping, as bars,
# from a sweep CSV (aimcsim sweep, docs/outputs.md "Sweeps").
#
# usage: tools/plot_mapping.sh SWEEP.csv OUTPREFIX
#   writes OUTPREFIX.png and OUTPREFIX.svg: left, map.arrays; right,
#   map.cell_util in %.  One bar per mapping: per distinct value of the
#   varied parameters that decide the mapping (mapping.*, transform.*,
#   model.*, tile.*, lora.*; ADC, chip and run settings do not change it),
#   the first row with status ok of each; one bar per point when the sweep
#   varied none of them.  The title names the model, tokens and chip when
#   the sweep's folder says them.
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_mapping.sh
. "$(dirname -- "$0")/plot_common.sh"
plot_args "tools/plot_mapping.sh SWEEP.csv OUTPREFIX" "$@"
csv=$1
out=$2

# Rows: "label" arrays cell_util_percent
run_awk '
NR == 1 {
    csv_header()
    ca = need("map.arrays"); cu = need("map.cell_util")
    cs = has("status") ? col["status"] : 0
    cp = has("point") ? col["point"] : 0
    varied()
    nm = 0
    for (i = 1; i <= nv; i++)
        if (hdr[vcols[i]] ~ /^(mapping|transform|model|tile|lora)\./) mcols[++nm] = vcols[i]
    title = ""
    for (i = 1; i <= nm; i++) title = title (i > 1 ? ", " : "") hdr[mcols[i]]
    next
}
{
    csv_split($0, f)
    if (cs && f[cs] != "ok") next
    if (f[ca] == "" || f[cu] == "") next
    g = ""
    for (i = 1; i <= nm; i++) g = g (i > 1 ? ", " : "") f[mcols[i]]
    if (nm == 0) g = cp ? f[cp] : "row " NR - 1
    if (g in seen) next
    seen[g] = 1
    n++
    printf "\"%s\" %.10g %.10g\n", label(g), f[ca], 100 * f[cu]
}
END {
    if (failed) exit 2
    if (n == 0) {
        printf "%s: %s: no row with status ok and values in map.arrays, map.cell_util\n",
            prog, shown() > "/dev/stderr"
        exit 2
    }
    print n > (tmp "/n")
    print (title == "" ? "point" : title) > (tmp "/title")
}' "$csv" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
n=$(cat "$tmp/n")
xl=$(cat "$tmp/title")
# Wide enough for the bars; long labels are rotated.
w=$((700 + 2 * 60 * n))
[ "$w" -le 3000 ] || w=3000

cat >"$tmp/body.gp" <<EOF
set multiplot layout 1,2 title "$(title_of "Mapping: arrays and cell utilisation" "$csv")" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.8
set grid ytics lc rgb "#d0d0d0"
set xtics rotate by -30 left noenhanced
set key off
set xlabel "$xl" noenhanced
set ylabel "arrays used (map.arrays)" noenhanced
set rmargin 8
stats "$tmp/data" using 2 nooutput
set yrange [0:STATS_max * 1.12]
plot "$tmp/data" using 2:xtic(1) lc rgb "#3778bf", "" using 0:2:(sprintf("%g", \$2)) with labels offset 0,0.7 notitle
set ylabel "cell utilisation (map.cell_util), %" noenhanced
set yrange [0:110]
plot "$tmp/data" using 3:xtic(1) lc rgb "#2ca02c", "" using 0:3:(sprintf("%.1f", \$3)) with labels offset 0,0.7 notitle
unset multiplot
EOF
render "$w" 560
