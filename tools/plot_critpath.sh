#!/bin/sh
# plot_critpath.sh -- what sets the latency, as stacked bars: the critical
# path by group (engine, array, ADC, NoC, memory, cluster; docs/scheduler.md
# "What bounds the latency").
#
# usage: tools/plot_critpath.sh INPUT.csv OUTPREFIX [PHASE]
#   INPUT is a run's critpath.csv: one bar per phase (first token, mean
#   decoded token, slowest decoded token), in the unit that suits the
#   longest bar (ns, us, ms, s); the title names the model, tokens and chip
#   from the stats.json beside INPUT (or of a sweep's first point).
#   INPUT is a sweep CSV (aimcsim sweep): one bar per row with status ok,
#   in file order, labelled with its varied parameters' values, for PHASE:
#   tpot (the mean decoded token, the default: crit.decode.* divided by
#   crit.decode_tokens), ttft, slowest or total.  The groups are read from
#   the crit.<phase>.<group>.<category>_ps columns.
#   Writes OUTPREFIX.png and OUTPREFIX.svg.  Each bar's parts add up to the
#   phase's time (run.ttft_ps, run.tpot_ps, ...).
#
# Columns are found by header name; a missing one is an error (exit 2).
# Needs gnuplot (gnuplot-nox) and POSIX sh/awk.
set -eu
prog=plot_critpath.sh
. "$(dirname -- "$0")/plot_common.sh"
usage="tools/plot_critpath.sh INPUT.csv OUTPREFIX [PHASE]"
phase=tpot
if [ $# -eq 3 ]; then
    phase=$3
    set -- "$1" "$2"
fi
case $phase in
ttft | tpot | slowest | total) ;;
*) die "PHASE is tpot, ttft, slowest or total, not \"$phase\"" ;;
esac
plot_args "$usage" "$@"
csv=$1
out=$2
awk_arg=$phase

# Rows: "label" then one column per group, scaled; first row: the groups.
run_awk '
function group_of(name,    p) {  # crit.PHASE.GROUP.CAT_ps -> GROUP
    split(name, p, ".")
    return p[3]
}
function add_group(gname) {
    if (!(gname in gi)) { gi[gname] = ++ng; gn[ng] = gname }
    return gi[gname]
}
NR == 1 {
    csv_header()
    if (has("phase") && has("category")) {
        mode = "run"
        cph = need("phase"); cgr = need("group"); ct = need("time_ps")
        next
    }
    mode = "sweep"
    src = arg == "tpot" ? "decode" : arg
    for (i = 1; i <= ncol; i++)
        if (index(hdr[i], "crit." src ".") == 1 && hdr[i] ~ /_ps$/)
            colgrp[i] = add_group(group_of(hdr[i]))
    if (ng == 0) need("crit." src ".cluster.softmax_ps")
    if (arg == "tpot") cdiv = need("crit.decode_tokens")
    cs = has("status") ? col["status"] : 0
    cpt = has("point") ? col["point"] : 0
    varied()
    title = ""
    for (i = 1; i <= nv; i++) title = title (i > 1 ? ", " : "") hdr[vcols[i]]
    next
}
mode == "run" {
    csv_split($0, f)
    if (f[cph] == "total") next
    p = f[cph]
    if (!(p in pi)) { pi[p] = ++nb; bl[nb] = p == "ttft" ? "first token" : p == "tpot" ? \
        "mean decoded token" : p == "slowest" ? "slowest decoded token" : p }
    v[pi[p], add_group(f[cgr])] += f[ct]
    next
}
{
    csv_split($0, f)
    if (cs && f[cs] != "ok") next
    g = ""
    for (i = 1; i <= nv; i++) g = g (i > 1 ? ", " : "") f[vcols[i]]
    if (nv == 0) g = cpt ? f[cpt] : "row " NR - 1
    bl[++nb] = g
    d = arg == "tpot" ? f[cdiv] : 1
    for (i in colgrp) v[nb, colgrp[i]] += d > 0 ? f[i] / d : 0
}
END {
    if (failed) exit 2
    for (b = 1; b <= nb; b++) {
        sum = 0
        for (j = 1; j <= ng; j++) sum += v[b, j]
        if (sum > max) max = sum
    }
    d = auto_unit(max, TIME_UNITS, 1)
    print unit > (tmp "/unit")
    printf "\"bar\""
    for (j = 1; j <= ng; j++) printf " \"%s\"", gn[j]
    printf "\n"
    for (b = 1; b <= nb; b++) {
        if (length(bl[b]) > maxlen) maxlen = length(bl[b])
        printf "\"%s\"", label(bl[b])
        for (j = 1; j <= ng; j++) printf " %.10g", v[b, j] / d
        printf "\n"
    }
    print nb, ng, maxlen + 0 > (tmp "/n")
    print (mode == "run" ? "phase" : title) > (tmp "/title")
}' "$csv" >"$tmp/data"
[ -s "$tmp/n" ] || exit 2
read -r n ng maxlen <"$tmp/n"
[ "$n" -gt 0 ] || die "$csv: no phase or point with a critical path"
case $phase in
ttft) what="time to first token" ;;
tpot) what="mean decoded token" ;;
slowest) what="slowest decoded token" ;;
total) what="whole run" ;;
esac
head -n1 "$csv" | grep -q '^phase,' && what="each phase"
stacked_bars "$(title_of "Critical path by group, $what" "$csv")" \
    "time on the critical path, $(cat "$tmp/unit")" group \
    "#7f7f7f" "#2ca02c" "#d62728" "#1f77b4" "#8c564b" "#ff7f0e"
