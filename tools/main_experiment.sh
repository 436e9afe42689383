#!/bin/sh
# main_experiment.sh -- `make run`: GPT-2 small, dense Linear against
# Monarch SparseMap and DenseMap (configs/experiments/gpt2-small-*.ini),
# each simulated by aimcsim; prints one comparison table.  Each run's full
# outputs stay in out/main/<mapping>/ (stats.json, CSV tables).
#
# usage: tools/main_experiment.sh [AIMCSIM]
set -eu
prog=${1:-build/aimcsim}
out=${OUT:-out/main}
mkdir -p "$out"
for m in linear sparsemap densemap; do
    echo "aimcsim run configs/experiments/gpt2-small-$m.ini --out $out/$m" >&2
    "$prog" run "configs/experiments/gpt2-small-$m.ini" --out "$out/$m" --quiet
done

# One column per mapping; rows read from each run's stats.csv.
get() { # dir stat
    awk -F, -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "nan" }' "$1/stats.csv"
}
printf '\nGPT-2 small, 8 prompt + 4 decode tokens, 256x256 arrays, 32 ADCs per array\n'
printf '(dense Linear 8-bit ADCs; Monarch SparseMap 5-bit, DenseMap 3-bit; seed paper settings)\n\n'
printf '%-28s %14s %14s %14s\n' "" "dense/linear" "monarch/sparse" "monarch/dense"
row() { # label stat scale format
    printf '%-28s' "$1"
    for m in linear sparsemap densemap; do
        v=$(get "$out/$m" "$2")
        printf " %14s" "$(awk -v v="$v" -v s="$3" -v f="$4" 'BEGIN { printf f, v * s }')"
    done
    printf '\n'
}
row "arrays"                   map.arrays              1      "%.0f"
row "cell utilisation (%)"     map.cell_util           100    "%.1f"
row "parameters (M)"           map.params              1e-6   "%.2f"
row "FLOPs per token (M)"      map.flops_per_token     1e-6   "%.1f"
row "time to first token (us)" run.ttft_ps             1e-6   "%.2f"
row "per decoded token (us)"   run.tpot_ps             1e-6   "%.2f"
row "total latency (us)"       run.total_ps            1e-6   "%.2f"
row "energy (uJ)"              energy.total_pj         1e-6   "%.2f"
row "  of which ADC (uJ)"      energy.adc_pj           1e-6   "%.2f"
row "area (mm2)"               area.total_um2          1e-6   "%.1f"
row "array time util (%)"      util.array_time         100    "%.2f"
row "ADC stall (us)"           stall.adc_ps            1e-6   "%.2f"
printf '\nFull outputs: %s/{linear,sparsemap,densemap}/ (stats.json, projections.csv, ...)\n' "$out"
