#!/bin/sh
# breakdown.sh -- where the prefill and the decode of a run spend their time
# and energy, from two runs of the same configuration (docs/scheduler.md
# "Where the time goes"): PREFILL with decode_tokens = 0 and FULL with
# decode_tokens = D.  Busy times and energies are sums over commands
# (stats.csv, tags.csv), so FULL - PREFILL is the decode, divided by D per
# decoded token.
#
# Prints markdown: the phase's time; busy time by kind of graph node
# (tags.csv: LayerNorm, attention, GELU, adds, projections, embedding,
# sampling; every command of the node, transfers and memory included), of
# the clusters by operation kind (runs that report cluster.<kind>_busy_ps),
# of the mesh links, DRAM, SRAM, arrays and ADC banks (a resource's busy
# time over units x elapsed is its utilisation); dynamic energy by
# component; the graph nodes with the most busy time.
#
# usage: tools/breakdown.sh PREFILL_DIR FULL_DIR [TOP]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 PREFILL_DIR FULL_DIR [TOP]" >&2; exit 2; }
pre=$1 full=$2 top=${3:-8}
for f in "$pre/stats.csv" "$full/stats.csv" "$pre/tags.csv" "$full/tags.csv"; do
    [ -f "$f" ] || { echo "$0: $f: missing" >&2; exit 2; }
done

awk -F, -v top="$top" '
FNR == 1 { file++ }
file == 1 && NF == 2 { a[$1] = $2 }
file == 2 && NF == 2 { b[$1] = $2 }
file == 3 && FNR > 1 { ta[$1] = $5; tl[$1] = $2 }
file == 4 && FNR > 1 { tb[$1] = $5; tl[$1] = $2; order[++nt] = $1 }
function ms(ps) { return sprintf("%.3f", ps / 1e9) }
function us(ps) { return sprintf("%.2f", ps / 1e6) }
function pct(x, t) { return t > 0 ? sprintf("%.0f%%", 100 * x / t) : "-" }
# The kind of graph node a tag names.
function nkind(t) {
    if (t ~ /(^|\.)ln_(1|2|f|emb)$/) return "layernorm"
    if (t ~ /attn\.(qk|softmax|av)$/) return "attention (K/V reads, QK, softmax, AV)"
    if (t ~ /mlp\.gelu$/) return "gelu"
    if (t ~ /(^|\.)add_[12]$/) return "residual adds"
    if (t ~ /(c_attn|c_proj|c_fc)$/ || t == "lm_head") return "projections (transfers, arrays, reductions)"
    if (t == "embed") return "embedding"
    if (t == "sample") return "sampling"
    return "other"
}
# Busy time by kind of graph node: of the prefill (which = "a"), or of the
# decode per token (which = "b", scale = decode tokens).
function groups(which, scale, title,    i, k, n, sum, nm, tot) {
    n = 0
    for (i = 1; i <= nt; i++) {
        k = nkind(order[i])
        if (!(k in sum)) nm[++n] = k
        sum[k] += (which == "a" ? ta[order[i]] : tb[order[i]] - ta[order[i]]) / scale
    }
    printf "| %s | busy %s | share |\n|---|---|---|\n", title, which == "a" ? "ms" : "us"
    for (i = 1; i <= n; i++) tot += sum[nm[i]]
    for (i = 1; i <= n; i++)
        if (sum[nm[i]] > 0)
            printf "| %s | %s | %s |\n", nm[i], which == "a" ? ms(sum[nm[i]]) : us(sum[nm[i]]), pct(sum[nm[i]], tot)
    printf "\n"
}
END {
    split("layernorm softmax gelu add gemm reduce permute embed argmax", kinds, " ")
    split("adc dac array periphery digital noc sram dram program", parts, " ")
    tp = a["run.prefill_ps"]; D = b["run.tokens"] - a["run.tokens"]
    ncl = a["chip.clusters"]
    printf "**Prefill** (%s ms; time to first token %s ms)\n\n", ms(tp), ms(a["run.ttft_ps"])
    groups("a", 1, "prefill, by graph node")
    printf "| cluster busy by kind | ms | share |\n|---|---|---|\n"
    for (i = 1; i in kinds; i++) {
        v = a["cluster." kinds[i] "_busy_ps"]
        if (v > 0) printf "| %s | %s | %s |\n", kinds[i], ms(v), pct(v, a["cluster.busy_ps"])
    }
    printf "| all (%d clusters, utilisation %.2f) | %s | |\n\n", ncl, a["util.cluster_time"], ms(a["cluster.busy_ps"])
    printf "| resource busy | ms |\n|---|---|\n"
    printf "| NoC links (sum) | %s |\n| DRAM | %s |\n| SRAM banks (sum) | %s |\n| arrays (sum) | %s |\n| ADC banks (sum) | %s |\n\n", \
        ms(a["noc.link_busy_ps"]), ms(a["dram.busy_ps"]), ms(a["sram.busy_ps"]), ms(a["tile.busy_ps"]), ms(a["adc.busy_ps"])
    printf "| dynamic energy | uJ | share |\n|---|---|---|\n"
    dyn = 0
    for (i = 1; i in parts; i++) dyn += a["energy." parts[i] "_pj"]
    for (i = 1; i in parts; i++) {
        v = a["energy." parts[i] "_pj"]
        if (v > 0) printf "| %s | %.1f | %s |\n", parts[i], v / 1e6, pct(v, dyn)
    }
    printf "| static | %.1f | |\n\n", a["energy.static_pj"] / 1e6
    if (D <= 0) exit 0
    printf "**Decode** (%d tokens; %s us per token)\n\n", D, us(b["run.tpot_ps"])
    groups("b", D, "decode per token, by graph node")
    printf "| per decoded token | us | share of the token time |\n|---|---|---|\n"
    for (i = 1; i in kinds; i++) {
        v = (b["cluster." kinds[i] "_busy_ps"] - a["cluster." kinds[i] "_busy_ps"]) / D
        if (v > 0) printf "| cluster %s | %s | %s |\n", kinds[i], us(v), pct(v, b["run.tpot_ps"])
    }
    v = (b["cluster.busy_ps"] - a["cluster.busy_ps"]) / D
    printf "| cluster, all kinds | %s | %s |\n", us(v), pct(v, b["run.tpot_ps"])
    printf "| NoC links (sum) | %s | |\n", us((b["noc.link_busy_ps"] - a["noc.link_busy_ps"]) / D)
    printf "| DRAM | %s | |\n", us((b["dram.busy_ps"] - a["dram.busy_ps"]) / D)
    printf "| SRAM banks (sum) | %s | |\n", us((b["sram.busy_ps"] - a["sram.busy_ps"]) / D)
    printf "| arrays (sum) | %s | |\n", us((b["tile.busy_ps"] - a["tile.busy_ps"]) / D)
    printf "| ADC banks (sum) | %s | |\n\n", us((b["adc.busy_ps"] - a["adc.busy_ps"]) / D)
    printf "| decode dynamic energy per token | uJ |\n|---|---|\n"
    for (i = 1; i in parts; i++) {
        v = (b["energy." parts[i] "_pj"] - a["energy." parts[i] "_pj"]) / D
        if (v > 0) printf "| %s | %.2f |\n", parts[i], v / 1e6
    }
    printf "\n| graph node (decode, per token) | busy us |\n|---|---|\n"
    for (i = 1; i <= nt; i++) { d[i] = (tb[order[i]] - ta[order[i]]) / D; idx[i] = i }
    for (i = 1; i <= nt; i++)      # selection of the top entries
        for (j = i + 1; j <= nt; j++)
            if (d[idx[j]] > d[idx[i]]) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
    for (i = 1; i <= top && i <= nt; i++)
        printf "| %s | %s |\n", order[idx[i]], us(d[idx[i]])
}' "$pre/stats.csv" "$full/stats.csv" "$pre/tags.csv" "$full/tags.csv"
