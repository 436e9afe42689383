#!/bin/sh
# plot_power.sh -- power versus time, from the power trace of
# `aimcsim run --trace --out DIR` (DIR/power.csv, docs/outputs.md "Traces").
#
# usage: tools/plot_power.sh POWER.csv OUTPREFIX
#   writes OUTPREFIX.png and OUTPREFIX.svg: the power of each component
#   (each <component>_pj column but total_pj, divided by its bin's length;
#   1 pJ/ns = 1 mW) stacked as areas, static at the bottom, and power_mw as
#   a line on top, versus time, as steps (a bin holds an average); power
#   and time each in the unit that suits its largest value (uW, mW, W;
#   ns, us, ms, s).  The title names the model, tokens and chip from the
#   stats.json beside POWER.csv.  Traces of more than $PLOT_BINS bins (default 1000) are drawn
#   with neighbouring bins merged (energies summed; the axis label says
#   so).  A POWER.csv.gz is read through gzip -dc.
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_power.sh
. "$(dirname -- "$0")/plot_common.sh"
plot_args "tools/plot_power.sh POWER.csv OUTPREFIX" "$@"
csv=$1
out=$2
case $csv in
*.gz)
    command -v gzip >/dev/null 2>&1 || die "$csv: gzip not found to read it"
    gzip -dc -- "$csv" >"$tmp/power.csv" || die "$csv: cannot decompress"
    src=$tmp/power.csv
    ;;
*) src=$csv ;;
esac
shown=$csv

# More bins than a plot can show are merged, groups of g consecutive bins
# into one (energies summed, so each merged bin shows its average power).
# Rows: time, the cumulative power of components 1..nc, power_mw (scaled);
# two rows per bin (its start and its end) so that areas are steps.
awk_arg=${PLOT_BINS:-1000}
run_awk '
NR == 1 {
    csv_header()
    c0 = need("t_start_ns"); c1 = need("t_end_ns"); cp = need("power_mw")
    # static_pj first: the flat base of the stack, the dynamic parts above.
    for (i = 1; i <= ncol; i++)
        if (hdr[i] == "static_pj") { comp[++nc] = i; cname[nc] = hdr[i] }
    for (i = 1; i <= ncol; i++)
        if (hdr[i] ~ /_pj$/ && hdr[i] != "total_pj" && hdr[i] != "static_pj") {
            comp[++nc] = i; cname[nc] = hdr[i]
        }
    if (nc == 0) {
        printf "%s: %s: no <component>_pj column\n", prog, shown() > "/dev/stderr"
        failed = 1
        exit 2
    }
    next
}
{
    csv_split($0, f)
    if (f[c1] - f[c0] <= 0) next
    n++
    t0[n] = f[c0]; t1[n] = f[c1]; pw[n] = f[cp]
    for (k = 1; k <= nc; k++) e[n, k] = f[comp[k]]
}
END {
    if (failed) exit 2
    if (n == 0) {
        printf "%s: %s: no bins\n", prog, shown() > "/dev/stderr"
        exit 2
    }
    maxbins = arg + 0 > 0 ? arg + 0 : 1000
    g = int((n + maxbins - 1) / maxbins)
    # the units: of the run'"'"'s end, and of the highest merged bin
    for (a = 1; a <= n; a += g) {
        b = a + g - 1
        if (b > n) b = n
        s = 0; pe = 0
        for (i = a; i <= b; i++) pe += pw[i] * (t1[i] - t0[i])
        for (k = 1; k <= nc; k++) for (i = a; i <= b; i++) s += e[i, k]
        dt = t1[b] - t0[a]
        if (s / dt > pmax) pmax = s / dt
        if (pe / dt > pmax) pmax = pe / dt
    }
    dp = auto_unit(pmax, POWER_UNITS, 3); punit = unit
    dtm = auto_unit(t1[n], TIME_UNITS, 2); tunit = unit
    printf "\"t\""
    for (k = 1; k <= nc; k++) { nm = cname[k]; sub(/_pj$/, "", nm); printf " \"%s\"", nm }
    printf " \"total\"\n"
    for (a = 1; a <= n; a += g) {
        b = a + g - 1
        if (b > n) b = n
        dt = t1[b] - t0[a]
        line = ""
        s = 0; pe = 0
        for (k = 1; k <= nc; k++) {
            ek = 0
            for (i = a; i <= b; i++) ek += e[i, k]
            s += ek / dt
            line = line sprintf(" %.10g", s / dp)
        }
        for (i = a; i <= b; i++) pe += pw[i] * (t1[i] - t0[i])
        line = line sprintf(" %.10g", pe / dt / dp)
        printf "%.10g%s\n%.10g%s\n", t0[a] / dtm, line, t1[b] / dtm, line
    }
    print nc, g, (t1[1] - t0[1]) * g, tunit, punit > (tmp "/n")
}' "$src" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
read -r nc g binw tunit punit <"$tmp/n"
if [ "$g" -gt 1 ]; then
    avg="average power per ${binw} ns ($g bins of the trace merged)"
else
    avg="average power per ${binw} ns bin"
fi

cat >"$tmp/body.gp" <<EOF
set termoption noenhanced
set title "$(title_of "Power over time" "$csv")"
set xlabel "time, $tunit ($avg)"
set ylabel "power, $punit" noenhanced
set grid xtics ytics lc rgb "#d0d0d0"
set key outside right top title "component" noenhanced
set yrange [0:*]
set key autotitle columnheader
set xrange [*:*] noextend
set style fill solid 0.85 noborder
set linetype 1 lc rgb "#b0b0b0"
set linetype 2 lc rgb "#d62728"
set linetype 3 lc rgb "#1f77b4"
set linetype 4 lc rgb "#ff7f0e"
set linetype 5 lc rgb "#2ca02c"
set linetype 6 lc rgb "#9467bd"
set linetype 7 lc rgb "#8c564b"
set linetype 8 lc rgb "#e377c2"
set linetype 9 lc rgb "#17becf"
# One area per component, between the cumulative sums below and above it.
plot for [k=1:$nc] "$tmp/data" using 1:(k == 1 ? 0 : column(k)):(column(k+1)) \\
         with filledcurves lt k title columnheader(k+1), \\
     "" using 1:$nc+2 with lines lw 0.8 lc rgb "#70000000" title "total (power_mw)"
EOF
render 1200 560
