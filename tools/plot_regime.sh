#!/bin/sh
# plot_regime.sh -- the regime map of a mapping sweep (tools/exp_regime.sh):
# for SparseMap and DenseMap against Linear at the same integration time
# and ADCs, the speed-up (Linear's run.total_ps / the mapping's) and the
# energy ratio (Linear's energy.total_pj / the mapping's; above 1: the
# mapping spends less), as colour maps over [tile] t_int_ns x AXIS, each
# cell labelled with its ratio and the group that bounds the mapping's
# critical path (the largest crit.total.<group>.* share: docs/scheduler.md).
#
# usage: tools/plot_regime.sh SWEEP.csv OUTPREFIX [AXIS]
#   AXIS: the ADC column, adc.count (default) or adc.budget.
#   Writes OUTPREFIX.png/.svg and OUTPREFIX.csv (t_int_ns, AXIS, mapping,
#   total_ps, energy_pj, speedup, energy_ratio, bound), one row per point.
# Columns are found by header name; a missing one is an error (exit 2).
set -eu
prog=plot_regime.sh
. "$(dirname -- "$0")/plot_common.sh"
axis=adc.count
if [ $# -eq 3 ]; then
    axis=$3
    set -- "$1" "$2"
fi
plot_args "tools/plot_regime.sh SWEEP.csv OUTPREFIX [AXIS]" "$@"
csv=$1
out=$2
awk_arg=$axis

run_awk '
NR == 1 {
    csv_header()
    cs = need("status"); ct = need("tile.t_int_ns"); ca = need(arg)
    cm = need("mapping.strategy"); ctime = need("run.total_ps"); ce = need("energy.total_pj")
    for (i = 1; i <= ncol; i++)
        if (index(hdr[i], "crit.total.") == 1) {
            split(hdr[i], p, ".")
            grp[i] = p[3]
        }
    next
}
{
    csv_split($0, f)
    if (f[cs] != "ok") next
    t = f[ct]; a = f[ca]; m = f[cm]
    if (!(t in ti)) { ti[t] = nt++; tl[ti[t]] = t }
    if (!(a in ai)) { ai[a] = na++; al[ai[a]] = a }
    k = t SUBSEP a SUBSEP m
    time[k] = f[ctime]; en[k] = f[ce]
    delete sum
    for (i in grp) sum[grp[i]] += f[i]
    best = ""; for (g in sum) if (best == "" || sum[g] > sum[best] || (sum[g] == sum[best] && g < best)) best = g
    bound[k] = best
    row[++nrow] = k
}
END {
    if (failed) exit 2
    if (nrow == 0) { printf "%s: %s: no row with status ok\n", prog, shown() > "/dev/stderr"; exit 2 }
    print "tile.t_int_ns," arg ",mapping,total_ps,energy_pj,speedup,energy_ratio,bound" > (tmp "/table")
    for (r = 1; r <= nrow; r++) {
        split(row[r], kk, SUBSEP)
        lin = kk[1] SUBSEP kk[2] SUBSEP "linear"
        sp = (lin in time && time[row[r]] > 0) ? time[lin] / time[row[r]] : ""
        er = (lin in en && en[row[r]] > 0) ? en[lin] / en[row[r]] : ""
        printf "%s,%s,%s,%s,%s,%s,%s,%s\n", kk[1], kk[2], kk[3], time[row[r]], en[row[r]],
            sp == "" ? "" : sprintf("%.4g", sp), er == "" ? "" : sprintf("%.4g", er), bound[row[r]] > (tmp "/table")
    }
    # the panels: mapping x (speed-up, energy), cells x = AXIS index, y = t index
    split("sparsemap densemap", mp, " ")
    for (q = 1; q <= 2; q++)
        for (w = 0; w < 2; w++) {
            file = tmp "/p" q w
            for (y = 0; y < nt; y++) { # scan order: x fastest
                for (x = 0; x < na; x++) {
                    k = tl[y] SUBSEP al[x] SUBSEP mp[q]; lin = tl[y] SUBSEP al[x] SUBSEP "linear"
                    if (!(k in time) || !(lin in time) || time[k] <= 0 || en[k] <= 0) {
                        printf "%d %d NaN \"\"\n", x, y > file
                        continue
                    }
                    r = w == 0 ? time[lin] / time[k] : en[lin] / en[k]
                    printf "%d %d %.6g \"%.2f\\n%s\"\n", x, y, log(r) / log(2), r, bound[k] > file
                }
                print "" > file
            }
        }
    xt = ""; for (i = 0; i < na; i++) xt = xt (i ? ", " : "") "\"" al[i] "\" " i
    yt = ""; for (i = 0; i < nt; i++) yt = yt (i ? ", " : "") "\"" tl[i] "\" " i
    print xt > (tmp "/xtics"); print yt > (tmp "/ytics")
    print na, nt > (tmp "/n")
}' "$csv" >/dev/null
[ -s "$tmp/n" ] || exit 2
read -r na nt <"$tmp/n"
xt=$(cat "$tmp/xtics")
yt=$(cat "$tmp/ytics")
cat >"$tmp/body.gp" <<EOF
set multiplot layout 2,2 title "Against Linear at the same integration time and ADCs (label: ratio and the group bounding the mapping's critical path)" noenhanced
set palette defined (-3 "#b2182b", -1 "#ef8a62", 0 "#f7f7f7", 1 "#67a9cf", 3 "#2166ac")
set cbrange [-3:3]
set cbtics ("1/8" -3, "1/4" -2, "1/2" -1, "1" 0, "2" 1, "4" 2, "8" 3)
set xrange [-0.5:$na - 0.5]
set yrange [-0.5:$nt - 0.5]
set xtics ($xt) noenhanced
set ytics ($yt) noenhanced
set xlabel "$axis" noenhanced
set ylabel "tile.t_int_ns" noenhanced
set title "SparseMap speed-up" noenhanced
plot "$tmp/p10" using 1:2:3 with image notitle, "" using 1:2:4 with labels font ",8" notitle
set title "DenseMap speed-up" noenhanced
plot "$tmp/p20" using 1:2:3 with image notitle, "" using 1:2:4 with labels font ",8" notitle
set title "SparseMap energy ratio" noenhanced
plot "$tmp/p11" using 1:2:3 with image notitle, "" using 1:2:4 with labels font ",8" notitle
set title "DenseMap energy ratio" noenhanced
plot "$tmp/p21" using 1:2:3 with image notitle, "" using 1:2:4 with labels font ",8" notitle
unset multiplot
EOF
render 1400 1000 11
mv -f "$tmp/table" "$out.csv" || die "cannot write $out.csv"
echo "$out.csv"
