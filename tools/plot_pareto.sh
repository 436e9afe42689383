#!/bin/sh
# plot_pareto.sh -- the heterogeneous-mapping search (aimcsim hetero,
# docs/heterogeneous.md): latency and energy versus the sensitivity left on
# analog, every candidate and the Pareto front.
#
# usage: tools/plot_pareto.sh PARETO.csv OUTPREFIX
#   writes OUTPREFIX.png and OUTPREFIX.svg: left, latency in us (the column
#   named by $LATENCY, default run.total_ps; e.g. LATENCY=run.tpot_ps);
#   right, energy.total_pj in uJ; x = sensitivity_analog (the profile's
#   values summed over the projections left on analog), or the column
#   named by $ACCURACY (ACCURACY=ppl: the measured perplexity, which
#   aimcsim hetero --weights writes; hetero --accuracy ppl sets it).  Every candidate
#   with status ok is a grey point; the Pareto front of each panel (no
#   other candidate has both less sensitivity left and less latency, or
#   energy) is a line through its candidates, labelled with their
#   families; the chosen candidate (column chosen = 1), if any, a star.
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_pareto.sh
. "$(dirname -- "$0")/plot_common.sh"
plot_args "tools/plot_pareto.sh PARETO.csv OUTPREFIX" "$@"
csv=$1
out=$2
lat=${LATENCY:-run.total_ps}
acc=${ACCURACY:-sensitivity_analog}
awk_arg="$lat $acc"

# Blocks: 0 every candidate "x lat energy"; 1 the latency front "x lat
# label"; 2 the energy front "x energy label"; 3 the chosen "x lat energy".
run_awk '
NR == 1 {
    csv_header()
    split(arg, argv_, " ")
    lat = argv_[1]; acc = argv_[2]
    cx = need(acc); cl = need(lat); ce = need("energy.total_pj")
    cf = need("families"); cs = need("status")
    cc = has("chosen") ? col["chosen"] : 0
    next
}
{
    csv_split($0, f)
    if (f[cs] != "ok" || f[cx] == "" || f[cl] == "" || f[ce] == "") next
    n++
    x[n] = f[cx] + 0; y[1, n] = f[cl] / 1e6; y[2, n] = f[ce] / 1e6; lab[n] = f[cf]
    if (cc && f[cc] == "1") chosen = n
}
# The front of objective k: by x increasing (equal x: the least y first),
# each candidate whose y is below every one before it.
function front(k,    i, j, t, o, best) {
    for (i = 1; i <= n; i++) o[i] = i
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && (x[o[j - 1]] > x[o[j]] ||
                              (x[o[j - 1]] == x[o[j]] && y[k, o[j - 1]] > y[k, o[j]])); j--) {
            t = o[j]; o[j] = o[j - 1]; o[j - 1] = t
        }
    best = ""
    for (i = 1; i <= n; i++)
        if (best == "" || y[k, o[i]] < best) {
            best = y[k, o[i]]
            printf "%.10g %.10g \"%s\"\n", x[o[i]], y[k, o[i]], label(lab[o[i]])
        }
    printf "\n\n"
}
END {
    if (failed) exit 2
    if (n == 0) {
        printf "%s: %s: no candidate with status ok and values in %s, %s, " \
            "energy.total_pj\n", prog, shown(), acc, lat > "/dev/stderr"
        exit 2
    }
    for (i = 1; i <= n; i++) printf "%.10g %.10g %.10g\n", x[i], y[1, i], y[2, i]
    printf "\n\n"
    front(1)
    front(2)
    if (chosen) printf "%.10g %.10g %.10g\n", x[chosen], y[1, chosen], y[2, chosen]
    print (chosen ? 1 : 0) > (tmp "/n")
}' "$csv" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
has_chosen=$(cat "$tmp/n")
case $lat in
run.total_ps) what="total latency" ;;
run.ttft_ps) what="time to first token" ;;
run.tpot_ps) what="time per output token" ;;
*) what=$lat ;;
esac
case $acc in
sensitivity_analog) xwhat="sensitivity left on analog" ;;
ppl) xwhat="perplexity" ;;
*) xwhat=$acc ;;
esac
star1="" star2=""
if [ "$has_chosen" = 1 ]; then
    star1=", \"$tmp/data\" index 3 using 1:2 with points pt 3 ps 3 lw 2 lc rgb \"#d62728\" title \"chosen\""
    star2=", \"$tmp/data\" index 3 using 1:3 with points pt 3 ps 3 lw 2 lc rgb \"#d62728\" title \"chosen\""
fi

cat >"$tmp/body.gp" <<EOF
set multiplot layout 1,2 title "Heterogeneous mapping: cost versus $xwhat: $(printf %s "$csv" | sed 's/[\\"]/_/g')" noenhanced
set grid xtics ytics lc rgb "#d0d0d0"
set xlabel "$xwhat ($acc)" noenhanced
set key outside bottom center horizontal
set yrange [0:*]
set offsets graph 0.02, graph 0.12, graph 0.05, 0
set ylabel "$what ($lat), us" noenhanced
plot "$tmp/data" index 0 using 1:2 with points pt 7 ps 0.9 lc rgb "#a0a0a0" title "candidates", \
     "$tmp/data" index 1 using 1:2 with linespoints lw 2 pt 7 ps 1.1 lc rgb "#1f77b4" title "Pareto front", \
     "$tmp/data" index 1 using 1:2:3 with labels left offset 0.8,0.4 font ",8" noenhanced notitle$star1
set ylabel "energy (energy.total_pj), uJ" noenhanced
plot "$tmp/data" index 0 using 1:3 with points pt 7 ps 0.9 lc rgb "#a0a0a0" title "candidates", \
     "$tmp/data" index 2 using 1:2 with linespoints lw 2 pt 7 ps 1.1 lc rgb "#2ca02c" title "Pareto front", \
     "$tmp/data" index 2 using 1:2:3 with labels left offset 0.8,0.4 font ",8" noenhanced notitle$star2
unset multiplot
EOF
render 1500 650
