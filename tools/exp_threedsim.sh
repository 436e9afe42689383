#!/bin/sh
# exp_threedsim.sh -- the seed paper's mapping comparison in 3D-SiM mode
# (docs/reproduction.md, "The comparison in 3D-SiM mode"): Linear (dense,
# 8-bit ADCs), SparseMap and DenseMap (Monarch, 5 and 3 bits) on GPT-2
# medium, a prefill of PROMPT tokens (default 128), at nblocks 16 and 32,
# under four readings of the paper's simulator:
#   tile      configs/seed-sim.ini: 3D-SiM's workload, MVMs by aimcsim's
#             tile and ADC models (32 ADCs per array)
#   fixed     3D-SiM's own costs: every MVM 100 ns / 10 nJ
#   array     as fixed, one MVM per array and token (all its activations
#             at once: not physical for blocks that need different inputs
#             on the same rows)
#   budget    as tile, with the ADCs of Linear's 4608 arrays x 32 shared
#             by each mapping's arrays (iso-ADC)
# Prints one table (time, energy and the ratios against Linear) and writes
# OUT/table.csv; each run's outputs stay in OUT/<reading>-<nblocks>-<mapping>.
# Environment: AIMCSIM (default build/aimcsim), OUT (default
# out/exp-threedsim), PROMPT.
set -eu
prog=${AIMCSIM:-build/aimcsim}
out=${OUT:-out/exp-threedsim}
prompt=${PROMPT:-128}
mkdir -p "$out"
common="--set model.preset=gpt2-medium --set model.lm_head=none --set run.prompt_tokens=$prompt
        --set adc.count=32 --set run.kernel=native --quiet"
echo "reading,nblocks,mapping,arrays,total_ps,energy_pj,speedup,energy_ratio" >"$out/table.csv"
for reading in tile fixed array budget; do
    case $reading in
    tile) extra="" ;;
    fixed) extra="--set threedsim.mvm=fixed" ;;
    array) extra="--set threedsim.mvm=fixed --set threedsim.mvm_per=array" ;;
    budget) extra="--set adc.budget=147456" ;;
    esac
    for nb in 16 32; do
        for mb in linear:dense:8 sparsemap:monarch:5 densemap:monarch:3; do
            m=${mb%%:*}
            rest=${mb#*:}
            tr=${rest%%:*}
            bits=${rest#*:}
            d="$out/$reading-$nb-$m"
            # shellcheck disable=SC2086
            "$prog" run configs/seed-sim.ini $common $extra --set transform.nblocks="$nb" \
                --set mapping.strategy="$m" --set transform.kind="$tr" --set adc.bits="$bits" \
                --out "$d"
            awk -F, -v r="$reading" -v nb="$nb" -v m="$m" '
                $1 == "map.arrays" { a = $2 } $1 == "run.total_ps" { t = $2 }
                $1 == "energy.total_pj" { e = $2 }
                END { printf "%s,%s,%s,%s,%s,%s\n", r, nb, m, a, t, e }' "$d/stats.csv" >>"$out/rows"
        done
    done
done
awk -F, '{ k = $1 "," $2; if ($3 == "linear") { lt[k] = $5; le[k] = $6 } row[NR] = $0; key[NR] = k }
     END { for (i = 1; i <= NR; i++) { split(row[i], f, ",")
             printf "%s,%.3g,%.3g\n", row[i], lt[key[i]] / f[5], le[key[i]] / f[6] } }' \
    "$out/rows" >>"$out/table.csv"
rm -f "$out/rows"
column -s, -t "$out/table.csv"
