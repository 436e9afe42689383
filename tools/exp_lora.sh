#!/bin/sh
# exp_lora.sh -- the AHWA-LoRA experiment (docs/heterogeneous.md, "LoRA
# adapters"): the per-layer latency overhead of a rank-8 LoRA adapter on
# the digital clusters beside an analog layer, for the seed's layer shapes
# 128 x 128 and 512 x 128 (in x out), integration times 128, 256 and 512
# ns, every [lora] placement x pipeline and tokens per adapter GEMM.
#
# The layer alone, as the paper measures it: a one-block GPT-2-shaped
# model (d_model 128, d_ff 512) whose attn.c_proj is the 128 x 128 layer
# and mlp.c_proj the 512 x 128 one, on 512 x 512 arrays (each layer one
# array, as on the paper's tiles) and 4 clusters, TOKENS prompt tokens in
# one query block.  `aimcsim schedule` writes its stream; the commands of
# the layer (its tag and "<layer>.lora") are kept, their dependencies on
# the rest of the model dropped (tools/stream_keep.sh) -- every token's input is there at time 0,
# the tokens in flight the paper's pipelines overlap -- and `aimcsim exec`
# runs them.  Overhead = the layer's time with its adapter / without.
#
# usage: tools/exp_lora.sh
#   Environment: AIMCSIM (default build/aimcsim); OUT (default
#   out/exp-lora); TOKENS (prompt tokens, default 64); TINTS (integration
#   times, ns; default "128 256 512"); BATCHES (tokens per adapter GEMM,
#   default "1 8 32"); LORA_CLUSTERS ([lora] clusters under dedicated and
#   split, default 2); SETS (more --set arguments for every run, e.g.
#   "--set adc.t_lsb_ps=1": conversions that take no time).
# Results: OUT/overhead.csv (shape, t_int_ns, placement, pipeline,
# batch_tokens, base_ps, lora_ps, overhead) and the table on stdout.
set -eu
prog=${AIMCSIM:-build/aimcsim}
out=${OUT:-out/exp-lora}
tokens=${TOKENS:-64}
tints=${TINTS:-128 256 512}
batches=${BATCHES:-1 8 32}
lcl=${LORA_CLUSTERS:-2}
extra=${SETS:-}
mkdir -p "$out"
ini=$out/layer.ini
cat > "$ini" <<EOF
; exp_lora.sh: one GPT-2-shaped block; attn.c_proj is 128 x 128, mlp.c_proj 512 x 128
[model]
preset = custom
layers = 1
d_model = 128
heads = 2
d_ff = 512
vocab = 64
context_tokens = $tokens
lm_head = none
[tile]
rows = 512
cols = 512
[cluster]
count = 4
[run]
prompt_tokens = $tokens
decode_tokens = 0
attn_q_tokens = $tokens
kernel = native
EOF

# time SETS LAYER: the layer's time (ps) under the settings.
layer_time() {
    sets="$1 $extra" layer=$2
    # shellcheck disable=SC2086
    "$prog" schedule "$ini" $sets -o "$out/full.cmd"
    sh "$(dirname "$0")/stream_keep.sh" "$layer" < "$out/full.cmd" > "$out/layer.cmd"
    rm -rf "$out/x"
    # shellcheck disable=SC2086
    "$prog" exec "$ini" "$out/layer.cmd" $sets --out "$out/x" --quiet
    awk -F, '$1 == "run.total_ps" { print $2 }' "$out/x/stats.csv"
}

csv=$out/overhead.csv
echo "shape,t_int_ns,placement,pipeline,batch_tokens,base_ps,lora_ps,overhead" > "$csv"
for shape in 128x128 512x128; do
    case $shape in
    128x128) layer=h0.attn.c_proj kind=attn.c_proj ;;
    512x128) layer=h0.mlp.c_proj kind=mlp.c_proj ;;
    esac
    for tint in $tints; do
        base=$(layer_time "--set tile.t_int_ns=$tint" "$layer")
        for pl in layer dedicated split; do
            for pipe in sequential parallel double_buffer; do
                for bt in $batches; do
                    sets="--set tile.t_int_ns=$tint --set lora.rank=8 --set lora.targets=$kind"
                    sets="$sets --set lora.placement=$pl --set lora.clusters=$lcl"
                    sets="$sets --set lora.pipeline=$pipe --set lora.batch_tokens=$bt"
                    t=$(layer_time "$sets" "$layer")
                    echo "$shape,$tint,$pl,$pipe,$bt,$base,$t" |
                        awk -F, -v OFS=, '{ print $0, sprintf("%.2f", $7 / $6) }' >> "$csv"
                done
            done
        done
    done
done
rm -rf "$out/x" "$out/full.cmd" "$out/layer.cmd"

# The table: one row per shape, integration time and placement x pipeline,
# the overhead per batch size.
awk -F, -v batches="$batches" '
NR == 1 { next }
{ key = $1 " | " $2 " | " $3 " | " $4; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
  v[key, $5] = $8 }
END {
    nb = split(batches, b, " ")
    h = "| shape | t_int ns | placement | pipeline |"; s = "|---|---:|---|---|"
    for (i = 1; i <= nb; i++) { h = h " t = " b[i] " |"; s = s "---:|" }
    print h; print s
    for (r = 1; r <= n; r++) {
        line = "| " order[r] " |"
        for (i = 1; i <= nb; i++) line = line " " v[order[r], b[i]] "x |"
        print line
    }
}' "$csv"
echo "table: $csv" >&2
