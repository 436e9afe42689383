#!/bin/sh
# exp_mapping.sh -- the seed paper's mapping comparison (docs/reproduction.md):
# Linear (dense), SparseMap and DenseMap (Monarch, b = 32) for GPT-2 medium
# at its 1024-token context and for the BERT-large shape at 512 tokens, on
# 256 x 256 arrays with 32 ADCs each; once with the paper's ADC resolutions
# (Linear 8 bits, SparseMap 5, DenseMap 3) and once with the resolution
# derived from the rows each activation sums.  Prints the figures and the
# ratios the paper reports, all computed from the runs; each run's outputs
# stay in OUT/<model>-<mapping>-<bits>/.
#
# usage: tools/exp_mapping.sh [CHIP.ini] [extra aimcsim run arguments...]
#   CHIP.ini defaults to configs/default.ini; configs/seed-sim.ini runs
#   the seed paper's own simulator's workload (3D-SiM mode).  Environment: AIMCSIM (the program,
#   default build/aimcsim), OUT (default out/exp-mapping-<chip>).
# The runs are those of configs/experiments/{gpt2-medium,bert-large}-*.ini,
# given as overrides of CHIP.ini.
set -eu
chip=${1:-configs/default.ini}
[ $# -gt 0 ] && shift
prog=${AIMCSIM:-build/aimcsim}
out=${OUT:-out/exp-mapping-$(basename "$chip" .ini)}
mkdir -p "$out"
models="gpt2-medium bert-large"
maps="linear sparsemap densemap"

for model in $models; do
    case $model in
        bert-large) tokens="--set run.prompt_tokens=512 --set run.decode_tokens=0" ;;
        *) tokens="--set run.prompt_tokens=1024 --set run.decode_tokens=0 --set model.lm_head=none" ;;
    esac
    for m in $maps; do
        case $m in
            linear) t="--set transform.kind=dense --set adc.bits=8" ;;
            sparsemap) t="--set transform.kind=monarch --set adc.bits=5" ;;
            *) t="--set transform.kind=monarch --set adc.bits=3" ;;
        esac
        for bits in paper derived; do
            d="$out/$model-$m-$bits"
            extra=""
            [ $bits = derived ] && extra="--set adc.derive_bits=true"
            echo "aimcsim run $chip --set model.preset=$model --set mapping.strategy=$m $t $tokens --set adc.count=32 $extra $* --out $d" >&2
            # shellcheck disable=SC2086
            "$prog" run "$chip" --set model.preset=$model --set mapping.strategy=$m $t $tokens \
                --set adc.count=32 $extra "$@" --out "$d" --quiet
        done
    done
done

get() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "nan" }' "$1/stats.csv"; }

for bits in paper derived; do
    printf '\nADC resolution: %s\n' "$([ $bits = paper ] && echo "the paper's (8 / 5 / 3 bits)" || echo "derived from the rows summed (adc.derive_bits)")"
    printf "%-12s %-10s %7s %6s %8s %10s %10s %9s %9s\n" model mapping arrays util% \
        "lat ms" "energy mJ" "ADC mJ" "area mm2" "MFLOP/tok"
    for model in $models; do
        for m in $maps; do
            d="$out/$model-$m-$bits"
            awk -v model="$model" -v m="$m" \
                -v a="$(get "$d" map.arrays)" -v u="$(get "$d" map.cell_util)" \
                -v t="$(get "$d" run.total_ps)" -v e="$(get "$d" energy.total_pj)" \
                -v ea="$(get "$d" energy.adc_pj)" -v ar="$(get "$d" area.total_um2)" \
                -v f="$(get "$d" map.flops_per_token)" \
                'BEGIN { printf "%-12s %-10s %7d %6.1f %8.2f %10.3f %10.3f %9.1f %9.1f\n",
                         model, m, a, 100 * u, t / 1e9, e / 1e9, ea / 1e9, ar / 1e6, f / 1e6 }'
        done
    done
    printf '\nRatios (computed from the runs above)\n'
    for model in $models; do
        L="$out/$model-linear-$bits"; S="$out/$model-sparsemap-$bits"; D="$out/$model-densemap-$bits"
        awk -v model="$model" \
            -v aL="$(get "$L" map.arrays)" -v aS="$(get "$S" map.arrays)" -v aD="$(get "$D" map.arrays)" \
            -v uS="$(get "$S" map.cell_util)" -v uD="$(get "$D" map.cell_util)" \
            -v tL="$(get "$L" run.total_ps)" -v tS="$(get "$S" run.total_ps)" -v tD="$(get "$D" run.total_ps)" \
            -v eL="$(get "$L" energy.total_pj)" -v eD="$(get "$D" energy.total_pj)" \
            -v edL="$(get "$L" energy.dynamic_by_command_pj)" -v edD="$(get "$D" energy.dynamic_by_command_pj)" \
            -v rL="$(get "$L" area.total_um2)" -v rD="$(get "$D" area.total_um2)" \
            'BEGIN {
                printf "  %s: DenseMap uses %.1f%% fewer arrays than Linear, %.1f%% fewer than SparseMap;\n", model, 100 * (1 - aD / aL), 100 * (1 - aD / aS)
                printf "    cell utilisation DenseMap %.1f%%, SparseMap %.1f%% (%.2fx);\n", 100 * uD, 100 * uS, uD / uS
                printf "    latency vs Linear: SparseMap %.2fx, DenseMap %.2fx faster;\n", tL / tS, tL / tD
                printf "    energy vs Linear: DenseMap %.2fx lower (dynamic only: %.2fx); area %.2fx smaller\n", eL / eD, edL / edD, rL / rD
            }'
    done
done
