#!/bin/sh
# exp_sensitivity.sh -- how the mapping comparison depends on the Monarch
# block count and the array size (docs/reproduction.md): GPT-2 medium
# blocks (no LM head), 128 prompt tokens, 32 ADCs per array at the paper's
# resolutions; SparseMap and DenseMap for nblocks 16, 32, 64 (b = 64, 32,
# 16) on 128 x 128, 256 x 256 and 512 x 512 arrays; then DenseMap's three
# sharing modes against the array size.  Prints one table per sweep.
#
# usage: tools/exp_sensitivity.sh [CHIP.ini] [extra sweep args]
#   Environment: AIMCSIM (default build/aimcsim), OUT (default out/exp-sensitivity).
set -eu
chip=${1:-configs/default.ini}
[ $# -gt 0 ] && shift
prog=${AIMCSIM:-build/aimcsim}
out=${OUT:-out/exp-sensitivity}
# aimcsim's scheduler: projections run on the clusters ([run] scheduler =
# threedsim, the seed-sim preset's, has analog projections only).
common="--set model.preset=gpt2-medium --set model.lm_head=none --set transform.kind=monarch
        --set adc.count=32 --set run.prompt_tokens=127 --set run.decode_tokens=1
        --set run.scheduler=aimcsim"

for mb in sparsemap:5 densemap:3; do
    # shellcheck disable=SC2086
    "$prog" sweep "$chip" $common --set mapping.strategy="${mb%:*}" --set adc.bits="${mb#*:}" \
        --vary transform.nblocks=16,32,64 \
        --zip tile.rows=128,256,512 --zip tile.cols=128,256,512 \
        -j "$(nproc)" --out "$out/blocks-${mb%:*}" "$@" || true
done
# shellcheck disable=SC2086
"$prog" sweep "$chip" $common --set mapping.strategy=densemap --set adc.bits=3 \
    --vary mapping.densemap_share=factor,projection,model \
    --zip tile.rows=128,256,512 --zip tile.cols=128,256,512 \
    -j "$(nproc)" --out "$out/share" "$@" || true

# Columns by header name; one row per point.
table() { # csv, columns...
    csv=$1
    shift
    awk -F, -v cols="$*" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; n = split(cols, want, " ")
              for (k = 1; k <= n; k++) printf "%-22s", want[k]; printf "\n"; next }
    { for (k = 1; k <= n; k++) {
          v = $col[want[k]]
          if (want[k] == "map.cell_util") v = sprintf("%.1f%%", 100 * v)
          else if (want[k] ~ /_ps$/) v = sprintf("%.3f ms", v / 1e9)
          else if (want[k] ~ /_pj$/) v = sprintf("%.3f mJ", v / 1e9)
          else if (want[k] ~ /_um2$/) v = sprintf("%.1f mm2", v / 1e6)
          printf "%-22s", v }
      printf "\n" }' "$csv"
}
printf '\nBlock count and array size (SparseMap 5-bit, DenseMap 3-bit ADCs)\n'
for m in sparsemap densemap; do
    printf '%s\n' "$m"
    table "$out/blocks-$m/sweep.csv" transform.nblocks tile.rows map.arrays \
        map.cell_util run.total_ps energy.total_pj area.total_um2
done
printf '\nDenseMap sharing: an array holds blocks of one factor, one projection, or any\n'
table "$out/share/sweep.csv" mapping.densemap_share tile.rows map.arrays map.cell_util \
    run.total_ps energy.total_pj area.total_um2
