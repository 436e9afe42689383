#!/bin/sh
# plot_adc_sweep.sh -- latency and energy versus ADCs per array, from a
# sweep CSV (aimcsim sweep, docs/outputs.md "Sweeps").
#
# usage: tools/plot_adc_sweep.sh SWEEP.csv OUTPREFIX
#   writes OUTPREFIX.png and OUTPREFIX.svg: left, the latency of the column
#   named by $LATENCY (default run.total_ps; e.g. LATENCY=run.ttft_ps or
#   run.tpot_ps), its axis labelled $LATENCY_LABEL when set; right,
#   energy.total_pj; each in the unit that suits its largest value (ns, us,
#   ms, s; nJ, uJ, mJ, J); x = adc.count on a log2 axis.  One line per
#   mapping: per value of the other varied parameters (mapping.strategy, and
#   whatever else the sweep varied besides adc.count); one line when there
#   is none.  Only rows with status ok.  run.ttft_ps and run.tpot_ps are 0
#   where they do not apply (no output token; no decode step): such rows
#   are left out, and a sweep with none left is an error.  The title names
#   the model, the tokens and the chip when the sweep's folder says them.
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_adc_sweep.sh
. "$(dirname -- "$0")/plot_common.sh"
plot_args "tools/plot_adc_sweep.sh SWEEP.csv OUTPREFIX" "$@"
csv=$1
out=$2
lat=${LATENCY:-run.total_ps}
awk_arg=$lat

# One block per line of the plot (first appearance order), sorted by x:
#   "label" "x" "lat" "energy"     (header read by columnheader)
#   adc.count latency_us energy_uJ
run_awk '
NR == 1 {
    lat = arg
    csv_header()
    cx = need("adc.count"); cl = need(lat); ce = need("energy.total_pj")
    cs = has("status") ? col["status"] : 0
    varied()
    title = ""
    for (i = 1; i <= nv; i++)
        if (vcols[i] != cx) title = title (title == "" ? "" : ", ") hdr[vcols[i]]
    next
}
{
    n = csv_split($0, f)
    if (cs && f[cs] != "ok") next
    if (f[cx] == "" || f[cl] == "" || f[ce] == "") next
    if (lat ~ /^run\.(ttft|tpot)_ps$/ && f[cl] + 0 == 0) { na++; next }
    g = ""
    for (i = 1; i <= nv; i++)
        if (vcols[i] != cx) g = g (g == "" ? "" : ", ") f[vcols[i]]
    if (!(g in gi)) { gi[g] = ++ng; gname[ng] = g; cnt[ng] = 0 }
    k = gi[g]
    m = ++cnt[k]
    x[k, m] = f[cx] + 0; y1[k, m] = f[cl] + 0; y2[k, m] = f[ce] + 0
    if (!(x[k, m] in xseen)) { xseen[x[k, m]] = 1; xs = xs (xs == "" ? "" : ", ") x[k, m] }
    if (y1[k, m] > max1) max1 = y1[k, m]
    if (y2[k, m] > max2) max2 = y2[k, m]
}
END {
    if (failed) exit 2
    if (ng == 0 && na) {
        printf "%s: %s: %s is 0 (does not apply) in every row: the runs have no %s " \
            "(try LATENCY=run.prefill_ps)\n", prog, shown(), lat,
            lat == "run.ttft_ps" ? "output token" : "decode step" > "/dev/stderr"
        exit 2
    }
    if (ng == 0) {
        printf "%s: %s: no row with status ok and values in adc.count, %s, energy.total_pj\n",
            prog, shown(), lat > "/dev/stderr"
        exit 2
    }
    d1 = auto_unit(max1, TIME_UNITS, 1); u1 = unit
    d2 = auto_unit(max2, ENERGY_UNITS, 1); u2 = unit
    print ng, u1, u2 > (tmp "/n")
    print "(" xs ")" > (tmp "/xtics")
    print (title == "" ? "points" : title) > (tmp "/title")
    for (k = 1; k <= ng; k++) {
        for (i = 2; i <= cnt[k]; i++)      # insertion sort by x
            for (j = i; j > 1 && x[k, j - 1] > x[k, j]; j--) {
                t = x[k, j]; x[k, j] = x[k, j - 1]; x[k, j - 1] = t
                t = y1[k, j]; y1[k, j] = y1[k, j - 1]; y1[k, j - 1] = t
                t = y2[k, j]; y2[k, j] = y2[k, j - 1]; y2[k, j - 1] = t
            }
        printf "\"%s\" \"x\" \"lat\" \"energy\"\n", label(gname[k] == "" ? "all points" : gname[k])
        for (i = 1; i <= cnt[k]; i++)
            printf "%.10g %.10g %.10g\n", x[k, i], y1[k, i] / d1, y2[k, i] / d2
        printf "\n\n"
    }
}' "$csv" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
read -r ng u1 u2 <"$tmp/n"
key=$(cat "$tmp/title")
case $lat in
run.total_ps) what="total latency" ;;
run.ttft_ps) what="time to first token" ;;
run.tpot_ps) what="time per output token" ;;
run.prefill_ps) what="prefill latency" ;;
*) what=$lat ;;
esac
what=${LATENCY_LABEL:-$what}
title=$(title_of "$(printf %s "$what" | awk '{ print toupper(substr($0, 1, 1)) substr($0, 2) }') and energy versus ADCs per array" "$csv")

cat >"$tmp/body.gp" <<EOF
set datafile missing "?"
set multiplot layout 1,2 title "$title" noenhanced
set logscale x 2
set xtics $(cat "$tmp/xtics") format "%g"
set offsets graph 0.04, graph 0.04, 0, 0
set grid xtics ytics lc rgb "#d0d0d0"
set xlabel "ADCs per array (adc.count)" noenhanced
set key outside bottom center horizontal title "$key" noenhanced
set ylabel "$what ($lat), $u1" noenhanced
set yrange [0:*]
plot for [i=0:$ng-1] "$tmp/data" index i using 1:2 with linespoints lw 2 pt 7 ps 0.8 title columnheader(1) noenhanced
set ylabel "energy (energy.total_pj), $u2" noenhanced
plot for [i=0:$ng-1] "$tmp/data" index i using 1:3 with linespoints lw 2 pt 7 ps 0.8 title columnheader(1) noenhanced
unset multiplot
EOF
render 1400 600
