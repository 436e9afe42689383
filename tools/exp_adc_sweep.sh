#!/bin/sh
# exp_adc_sweep.sh -- the ADC sweep of the seed paper (docs/reproduction.md):
# 1 to 256 ADCs per 256 x 256 array, for Linear (dense, 8-bit ADCs),
# SparseMap (Monarch, 5 bits) and DenseMap (Monarch, 3 bits), on GPT-2
# medium at its 1024-token context (the blocks only, as in the paper) or the
# BERT-large shape at 512 tokens; then the latency and energy plots, of the
# whole run (adc) and of the time to first token (adc-ttft).
#
# usage: tools/exp_adc_sweep.sh [CHIP.ini] [gpt2-medium|bert-large|gpt2-small] [extra sweep args]
#   CHIP.ini defaults to configs/default.ini; configs/seed-sim.ini runs
#   the seed paper's own simulator's workload (3D-SiM mode).  Environment: AIMCSIM (the program,
#   default build/aimcsim), OUT (the output folder), COUNTS (the ADC counts).
# Results: OUT/sweep.csv, OUT/points/*, OUT/adc.png/.svg, OUT/adc-ttft.png/.svg.
set -eu
chip=${1:-configs/default.ini}
model=${2:-gpt2-medium}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
prog=${AIMCSIM:-build/aimcsim}
counts=${COUNTS:-1,2,4,8,16,32,64,128,256}
out=${OUT:-out/exp-adc-$(basename "$chip" .ini)-$model}
case $model in
    bert-large) tokens="--set run.prompt_tokens=512 --set run.decode_tokens=0" ;;
    gpt2-small) tokens="--set run.prompt_tokens=1024 --set run.decode_tokens=0 --set model.lm_head=none" ;;
    *) tokens="--set run.prompt_tokens=1024 --set run.decode_tokens=0 --set model.lm_head=none" ;;
esac
# shellcheck disable=SC2086
"$prog" sweep "$chip" --set model.preset="$model" $tokens \
    --vary adc.count="$counts" \
    --zip mapping.strategy=linear,sparsemap,densemap \
    --zip transform.kind=dense,monarch,monarch \
    --zip adc.bits=8,5,3 \
    -j "$(nproc)" --out "$out" "$@"
sh "$(dirname "$0")/plot_adc_sweep.sh" "$out/sweep.csv" "$out/adc"
# Time to first token: without an LM head (the blocks only, as in the paper)
# and for BERT no token is sampled, and the first token's time is the
# prompt's end through the last block: run.prefill_ps.
LATENCY=run.prefill_ps LATENCY_LABEL="time to first token (prefill)" \
    sh "$(dirname "$0")/plot_adc_sweep.sh" "$out/sweep.csv" "$out/adc-ttft"
echo "plots: $out/adc.png $out/adc.svg $out/adc-ttft.png $out/adc-ttft.svg" >&2
