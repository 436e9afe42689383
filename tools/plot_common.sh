# plot_common.sh -- shared by tools/plot_*.sh (sourced, not run): argument
# checks, a temporary folder, and an awk library that reads CSV files by
# header name (RFC 4180 quoting), so the scripts never depend on column
# positions.  POSIX sh and awk only.
#
# Before sourcing, a script sets `prog` (its name, for messages).

die() {
    echo "$prog: $*" >&2
    exit 2
}

# plot_args USAGE "$@": exactly two arguments, a readable input file.
plot_args() {
    usage=$1
    shift
    [ $# -eq 2 ] || die "usage: $usage"
    [ -r "$1" ] || die "$1: cannot read"
    command -v gnuplot >/dev/null 2>&1 ||
        die "gnuplot not found (Debian: apt-get install gnuplot-nox; or tools/deps.sh)"
    outdir=$(dirname -- "$2")
    [ -d "$outdir" ] || mkdir -p -- "$outdir" || die "$outdir: cannot create"
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/aimcsim-plot.XXXXXX") || die "cannot create a temporary folder"
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 130' INT TERM
}

# The awk library: csv_split(line, f) fills f[1..n] and returns n;
# csv_header() maps the names of the first record to their positions in
# col[]; need(name) is the position of a required column (a missing one is
# an error that names the file and the columns it has); has(name) tests for
# an optional one; varied() lists in vcols[1..nv] the sweep columns between
# `status` and the first statistics column (the varied parameters).
CSV_AWK='
function csv_split(s, f,    n, i, c, q, cur, len) {
    sub(/\r$/, "", s)
    if (index(s, "\"") == 0)
        return split(s, f, ",")
    n = 0; cur = ""; q = 0; len = length(s)
    for (i = 1; i <= len; i++) {
        c = substr(s, i, 1)
        if (q) {
            if (c == "\"") {
                if (substr(s, i + 1, 1) == "\"") { cur = cur "\""; i++ }
                else q = 0
            } else cur = cur c
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
    }
    f[++n] = cur
    return n
}
function csv_header(    i) {
    ncol = csv_split($0, hdr)
    for (i = 1; i <= ncol; i++) col[hdr[i]] = i
}
function has(name) { return (name in col) }
function shown() { return file != "" ? file : FILENAME }
function need(name,    i, all) {
    if (name in col) return col[name]
    all = hdr[1]
    for (i = 2; i <= ncol && i <= 12; i++) all = all "," hdr[i]
    if (ncol > 12) all = all ",..."
    printf "%s: %s: no column \"%s\" (it has: %s)\n", prog, shown(), name, all > "/dev/stderr"
    failed = 1
    exit 2
}
function is_stat(name) {
    return name ~ /^(run|energy|area|map|util|stall|power|crit)\./ || name == "error"
}
function varied(    i) {
    nv = 0
    if (!has("status")) return 0
    for (i = col["status"] + 1; i <= ncol && !is_stat(hdr[i]); i++) vcols[++nv] = i
    return nv
}
# gnuplot data files hold one record per line, fields separated by tabs;
# a label may hold spaces but no tab or quote.
function label(s) { gsub(/[\t"]/, " ", s); return s }
# auto_unit(max, ladder, base): the divisor that brings max into [1, 1000)
# in the units of ladder (TIME_UNITS, ENERGY_UNITS, POWER_UNITS), max
# being in the ladder'"'"'s unit number base; sets unit to the unit'"'"'s name.
# Axes then read "2.1 ms", never "2.1x10^6 ns".  0 keeps the base unit.
function auto_unit(max, ladder, base,    u, n, i, d) {
    n = split(ladder, u, " ")
    i = base; d = 1
    if (max < 0) max = -max
    while (max > 0 && max / d >= 1000 && i < n) { d *= 1000; i++ }
    while (max > 0 && max / d < 1 && i > 1) { d /= 1000; i-- }
    unit = u[i]
    return d
}
BEGIN { TIME_UNITS = "ps ns us ms s"; ENERGY_UNITS = "pJ nJ uJ mJ J"; POWER_UNITS = "nW uW mW W kW" }
'

# run_awk PROGRAM FILE > OUT: awk with the library; the program sees prog,
# tmp (the temporary folder), arg (the caller's $awk_arg) and file (the
# input's name for messages: $shown, else FILE).  Exits 2 when the program
# failed.
run_awk() {
    awk -v prog="$prog" -v tmp="$tmp" -v arg="${awk_arg:-}" -v file="${shown:-$2}" "$CSV_AWK
$1" "$2" || exit 2
}

# context CSV: what a title says of the run behind CSV: "MODEL, P + D
# tokens[, batch B], chip CONFIG.ini", from the stats.json beside CSV (a
# run's folder) or of the first point of the sweep that wrote it
# (DIR/points/*/stats.json), leaving out what the CSV varies (its lines or
# bars name that).  Empty when there is no stats.json.
context() {
    ctx_dir=$(dirname -- "$1")
    ctx_js=
    if [ -f "$ctx_dir/stats.json" ]; then
        ctx_js=$ctx_dir/stats.json
    else
        for ctx_f in "$ctx_dir"/points/*/stats.json; do
            [ -f "$ctx_f" ] && { ctx_js=$ctx_f; break; }
        done
    fi
    [ -n "$ctx_js" ] || return 0
    awk -v hdr=",$(head -n 1 "$1" | tr -d '\r')," '
    function num(key,    s) {
        if (!match($0, "\"" key "\": [0-9]+")) return ""
        s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); return s
    }
    function str(key,    s) {
        if (!match($0, "\"" key "\": \"[^\"]*\"")) return ""
        s = substr($0, RSTART, RLENGTH); sub(/^[^:]*: "/, "", s); sub(/"$/, "", s); return s
    }
    /^  "model": \{/ { model = str("preset") }
    /^    "model": \{/ && model == "" { cmodel = str("preset") }
    /^    "run": \{/ { p = num("prompt_tokens"); d = num("decode_tokens"); b = num("batch") }
    /^    "config_file": / { cfg = str("config_file"); sub(/.*\//, "", cfg) }
    END {
        if (model == "") model = cmodel
        out = ""
        if (model != "" && index(hdr, ",model.preset,") == 0) out = model
        if (p != "" && hdr !~ /,run\.(prompt_tokens|decode_tokens|batch),/) {
            out = out (out == "" ? "" : ", ") p " + " d " tokens"
            if (b + 0 > 1) out = out ", batch " b
        }
        if (cfg != "") out = out (out == "" ? "" : ", ") "chip " cfg
        gsub(/["\\]/, "_", out)
        print out
    }' "$ctx_js"
}

# title_of TEXT CSV: TEXT and the context of CSV ("TEXT: gpt2-small, 16 +
# 4 tokens, chip default.ini"), or TEXT and the file's name without one.
title_of() {
    to_ctx=$(context "$2")
    [ -n "$to_ctx" ] || to_ctx=$(printf %s "$2" | sed 's/[\\"]/_/g')
    printf '%s: %s' "$1" "$to_ctx"
}

# render WIDTH HEIGHT [FONTSIZE]: draws the gnuplot script $tmp/body.gp
# into $out.png (pngcairo) and $out.svg, each replaced whole.
render() {
    font="DejaVu Sans,${3:-12}"
    gnuplot -e "set terminal pngcairo size $1,$2 font '$font'; set output '$tmp/out.png'" \
        "$tmp/body.gp" &&
        gnuplot -e "set terminal svg size $1,$2 dynamic font '$font'; set output '$tmp/out.svg'" \
            "$tmp/body.gp" ||
        die "gnuplot failed"
    mv -f "$tmp/out.png" "$out.png" && mv -f "$tmp/out.svg" "$out.svg" || die "cannot write $out.png"
    echo "$out.png $out.svg"
}

# stacked_bars TITLE YLABEL KEYTITLE COLOUR...: draws $tmp/data (a header
# row of series names, then one row per bar: its label and one value per
# series) as stacked bars, one per row, the x axis titled by $tmp/title;
# $tmp/n holds "bars series longest-label".  The COLOURs go to the series
# in order.
stacked_bars() {
    read -r sb_n sb_series sb_maxlen <"$tmp/n"
    sb_bm=$((sb_maxlen * 9 / 20 + 4))   # rotated labels, then the axis label
    sb_w=$((500 + 36 * sb_n))
    [ "$sb_w" -ge 900 ] || sb_w=900
    [ "$sb_w" -le 4000 ] || sb_w=4000
    sb_h=$((480 + 8 * sb_maxlen))
    {
        printf 'set title "%s" noenhanced\n' "$1"
        echo 'set style data histograms'
        echo 'set style histogram rowstacked'
        echo 'set style fill solid 0.9 border rgb "#404040"'
        echo 'set boxwidth 0.75'
        echo 'set grid ytics lc rgb "#d0d0d0"'
        echo 'set xtics rotate by -50 left noenhanced'
        printf 'set xlabel "%s" noenhanced\n' "$(cat "$tmp/title")"
        printf 'set ylabel "%s" noenhanced\n' "$2"
        echo 'set yrange [0:*]'
        printf 'set key outside right top title "%s" noenhanced\n' "$3"
        echo "set bmargin $sb_bm"
        shift 3
        sb_i=1
        for sb_c in "$@"; do
            echo "set linetype $sb_i lc rgb \"$sb_c\""
            sb_i=$((sb_i + 1))
        done
        echo "plot for [i=2:$((sb_series + 1))] \"$tmp/data\" using i:xtic(1) title columnheader(i)"
    } >"$tmp/body.gp"
    render "$sb_w" "$sb_h" 11
}
