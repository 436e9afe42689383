#!/bin/sh
# exp_regime.sh -- where each mapping wins (docs/reproduction.md, "Regime
# map"): Linear (dense, 8-bit ADCs), SparseMap and DenseMap (Monarch, 5 and
# 3 bits) over integration time x ADCs, then maps of SparseMap's and
# DenseMap's speed-up and energy ratio against Linear, each cell labelled
# with the group that bounds the faster mapping's critical path.
#
# usage: tools/exp_regime.sh [CHIP.ini] [gpt2-medium|bert-large|gpt2-small] [extra sweep args]
#   Environment: AIMCSIM (default build/aimcsim); OUT (default
#   out/exp-regime-CHIP-MODEL); TINTS (integration times, ns; default
#   16,32,64,128,256,512); ADCS (ADCs per array; default 1,4,16,64,256);
#   BUDGETS (a total ADC budget instead, iso-ADC: ADCS is then ignored);
#   NBLOCKS (Monarch blocks, default 16: b = 64 for GPT-2 medium, the
#   paper's array counts); PROMPT, DECODE (tokens, default 128 and 1).
# Results: OUT/sweep.csv, OUT/points/*, OUT/regime.csv (one row per cell
# and mapping), OUT/regime.png/.svg.
set -eu
chip=${1:-configs/default.ini}
model=${2:-gpt2-medium}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
prog=${AIMCSIM:-build/aimcsim}
tints=${TINTS:-16,32,64,128,256,512}
nblocks=${NBLOCKS:-16}
prompt=${PROMPT:-128}
decode=${DECODE:-1}
if [ -n "${BUDGETS:-}" ]; then
    axis="adc.budget"
    values=$BUDGETS
    tag=budget
else
    axis="adc.count"
    values=${ADCS:-1,4,16,64,256}
    tag=count
fi
out=${OUT:-out/exp-regime-$(basename "$chip" .ini)-$model-$tag}
# shellcheck disable=SC2086
"$prog" sweep "$chip" --set model.preset="$model" --set transform.nblocks="$nblocks" \
    --set run.prompt_tokens="$prompt" --set run.decode_tokens="$decode" \
    --vary tile.t_int_ns="$tints" --vary "$axis=$values" \
    --zip mapping.strategy=linear,sparsemap,densemap \
    --zip transform.kind=dense,monarch,monarch \
    --zip adc.bits=8,5,3 \
    -j "$(nproc)" --out "$out" "$@"
sh "$(dirname "$0")/plot_regime.sh" "$out/sweep.csv" "$out/regime" "$axis"
echo "map: $out/regime.png $out/regime.svg; table: $out/regime.csv" >&2
