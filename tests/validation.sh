#!/bin/sh
# validation.sh -- aimcsim against published reference points
# (docs/validation.md).  Every aimcsim figure is computed here by running
# the program on a preset and a small command stream; the published figure
# is the reference, typed in with its source.  Prints the tables of
# docs/validation.md and fails when a reference point is off by more than
# its tolerance (10% unless the row says otherwise) or when the tables in
# docs/validation.md are not what this script prints.
#
# usage: tests/validation.sh [AIMCSIM]          (run by `make test`)
#        tests/validation.sh [AIMCSIM] --print  (the tables only)
set -eu
cd "$(dirname "$0")/.."
prog=${1:-build/aimcsim}
mode=${2:-check}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aimcsim-val.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
out=$tmp/tables.md
: > "$out"
fail=0

# stat DIR NAME: a statistic of a run.
stat() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "nan" }' "$1/stats.csv"; }

# mvms NAME TILES N ROWS COLS SLICES BITS: a stream of N activations on each
# of TILES tiles (round-robin, no dependencies: each tile takes its own in
# order), written to $tmp/NAME.cmd.
mvms() {
    awk -v T="$2" -v N="$3" -v R="$4" -v C="$5" -v S="$6" -v B="$7" 'BEGIN {
        print "aimcsim-cmd 1"; print "units tile=" T " cluster=0 sram=0 dram=0"
        print "tag 0 -1 mvm"
        for (i = 0; i < N; i++) for (t = 0; t < T; t++)
            printf "%d act tile%d rows=0:%d cols=0:%d slices=%d bits=%d tag=0 deps=\n",
                   id++, t, R, C, S, B
        print "end " id }' > "$tmp/$1.cmd"
}

# run NAME CONFIG STREAM [--set ...]: exec into $tmp/NAME.
run() {
    n=$1 cfg=$2 s=$3
    shift 3
    "$prog" exec "$cfg" "$tmp/$s.cmd" --set run.kernel=native --out "$tmp/$n" --quiet "$@"
}

# row LABEL SOURCE COMMAND AIMCSIM PUBLISHED UNIT TOL: one table row; checks
# |AIMCSIM / PUBLISHED - 1| <= TOL (a fraction).
row() {
    line=$(awk -v a="$4" -v p="$5" -v tol="$7" 'BEGIN {
        d = a / p - 1; ok = (d <= tol && d >= -tol)
        printf "%s|%+.1f%%|%s", (a >= 100 ? sprintf("%.4g", a) : sprintf("%.3g", a)),
               100 * d, ok ? "ok" : "FAIL" }')
    val=${line%%|*}
    rest=${line#*|}
    dev=${rest%%|*}
    verdict=${rest#*|}
    printf '| %s | %s %s | %s %s | %s | %s | `%s` |\n' "$1" "$5" "$6" "$val" "$6" "$dev" "$2" "$3" >> "$out"
    if [ "$verdict" != ok ]; then
        echo "validation: $1: aimcsim $val $6, published $5 $6 ($dev, tolerance $7)" >&2
        fail=1
    fi
}

# ---- 1. Published reference points -----------------------------------------
{
    echo '| reference point | published | aimcsim | deviation | source | command |'
    echo '|---|---|---|---|---|---|'
} >> "$out"

# HERMES core: 200 back-to-back 256 x 256 MVMs minus one, on configs/hermes-core.ini.
mvms m1 1 1 256 256 1 8
mvms m200 1 200 256 256 1 8
run h1 configs/hermes-core.ini m1
run h200 configs/hermes-core.ini m200
t=$(awk -v a="$(stat "$tmp/h200" run.total_ps)" -v b="$(stat "$tmp/h1" run.total_ps)" 'BEGIN { print (a - b) / 199 }')
e=$(awk -v a="$(stat "$tmp/h200" energy.total_pj)" -v b="$(stat "$tmp/h1" energy.total_pj)" 'BEGIN { print (a - b) / 199 }')
area=$(stat "$tmp/h1" area.total_um2)
cmd='aimcsim exec configs/hermes-core.ini S'
row "HERMES core: time per 256 x 256 MVM" "Khaddam-Aljameh et al., JSSC 2022 (1.008 TOPS)" "$cmd" \
    "$(awk -v t="$t" 'BEGIN { print t / 1000 }')" 130 ns 0.10
row "HERMES core: energy per MVM" "JSSC 2022 (10.5 TOPS/W)" "$cmd" \
    "$(awk -v e="$e" 'BEGIN { print e / 1000 }')" 12.5 nJ 0.10
row "HERMES core: efficiency" "JSSC 2022" "$cmd" \
    "$(awk -v e="$e" 'BEGIN { print 131072 / e }')" 10.5 TOPS/W 0.10
row "HERMES core: area density" "JSSC 2022" "$cmd" \
    "$(awk -v t="$t" -v a="$area" 'BEGIN { print 131072 / t / (a * 1e-6) }')" 1.59 TOPS/mm2 0.10

# HERMES 64-core chip: 100 MVMs on each core.
mvms c1 64 1 256 256 1 8
mvms c100 64 100 256 256 1 8
run g1 configs/hermes-64core.ini c1
run g100 configs/hermes-64core.ini c100
t=$(awk -v a="$(stat "$tmp/g100" run.total_ps)" -v b="$(stat "$tmp/g1" run.total_ps)" 'BEGIN { print (a - b) / 99 }')
e=$(awk -v a="$(stat "$tmp/g100" energy.total_pj)" -v b="$(stat "$tmp/g1" energy.total_pj)" 'BEGIN { print (a - b) / 99 }')
cmd='aimcsim exec configs/hermes-64core.ini S'
row "HERMES 64-core chip, 1-phase: throughput" "Le Gallo et al., Nat. Electron. 2023" "$cmd" \
    "$(awk -v t="$t" 'BEGIN { print 64 * 131072 / t }')" 63.1 TOPS 0.10
row "HERMES 64-core chip, 1-phase: efficiency" "Le Gallo et al. 2023" "$cmd" \
    "$(awk -v e="$e" 'BEGIN { print 64 * 131072 / e }')" 9.76 TOPS/W 0.10

# ISAAC tile: its 96 crossbars (12 IMAs x 8) busy with 16-slice activations.
mvms i1 96 1 128 128 16 8
mvms i20 96 20 128 128 16 8
run i1 configs/isaac-like.ini i1
run i20 configs/isaac-like.ini i20
cmd='aimcsim exec configs/isaac-like.ini S'
for part in adc:192:"ISAAC tile: ADC power (96 ADCs)" dac:48:"ISAAC tile: DAC power" \
            array:28.8:"ISAAC tile: crossbar power"; do
    p=${part%%:*}
    rest=${part#*:}
    pub=${rest%%:*}
    label=${rest#*:}
    mw=$(awk -v a="$(stat "$tmp/i20" energy.${p}_pj)" -v b="$(stat "$tmp/i1" energy.${p}_pj)" \
             -v ta="$(stat "$tmp/i20" run.total_ps)" -v tb="$(stat "$tmp/i1" run.total_ps)" \
             'BEGIN { print (a - b) / (ta - tb) * 1e3 }')
    row "$label" "Shafiee et al., ISCA 2016, Table I" "$cmd" "$mw" "$pub" mW 0.10
done
adc_area=$(awk -v a="$(stat "$tmp/i1" area.adc_um2)" 'BEGIN { print a * 1e-6 }')
row "ISAAC tile: ADC area (96 ADCs)" "ISAAC Table I (12 x 0.0096 mm2)" "$cmd" "$adc_area" 0.1152 mm2 0.10

# Analog fabric tile: one 512 x 512 tile alone.
mvms f1 1 1 512 512 1 8
mvms f200 1 200 512 512 1 8
fab='--set cluster.count=0 --set sram.banks=0 --set dram.channels=0 --set noc.router_area_um2=0 --set noc.p_router_leak_mw=0'
# shellcheck disable=SC2086
run f1 configs/analog-fabric-512.ini f1 $fab
# shellcheck disable=SC2086
run f200 configs/analog-fabric-512.ini f200 $fab
t=$(awk -v a="$(stat "$tmp/f200" run.total_ps)" -v b="$(stat "$tmp/f1" run.total_ps)" 'BEGIN { print (a - b) / 199 }')
e=$(awk -v a="$(stat "$tmp/f200" energy.total_pj)" -v b="$(stat "$tmp/f1" energy.total_pj)" 'BEGIN { print (a - b) / 199 }')
area=$(stat "$tmp/f1" area.total_um2)
cmd='aimcsim exec configs/analog-fabric-512.ini S (the tile alone)'
row "analog fabric tile: time per 512 x 512 MVM" "Jain et al., TVLSI 2023, and follow-ups" "$cmd" \
    "$(awk -v t="$t" 'BEGIN { print t / 1000 }')" 40 ns 0.10
row "analog fabric tile: efficiency" "Jain et al. 2023 (projected)" "$cmd" \
    "$(awk -v e="$e" 'BEGIN { print 524288 / e }')" 100 TOPS/W 0.10
row "analog fabric tile: area density" "Jain et al. 2023 (projected)" "$cmd" \
    "$(awk -v t="$t" -v a="$area" 'BEGIN { print 524288 / t / (a * 1e-6) }')" 10.9 TOPS/mm2 0.10

# The ADC plug-in (Accelergy, current revision) at 1 GS/s per ADC: a SAR of
# `bits` cycles of a `bits` GHz clock.
for pt in 32:4:0.924:4964 32:5:0.936:4984 32:8:1.714:5972 32:10:13.9:11180 \
          22:4:0.456:2771 22:5:0.462:2782 22:8:0.846:3334; do
    tech=${pt%%:*}; r=${pt#*:}; b=${r%%:*}; r=${r#*:}; pe=${r%%:*}; pa=${r#*:}
    "$prog" adc configs/default.ini --set adc.kind=sar --set adc.sar_extra_cyc=0 \
        --set adc.clock_ghz="$b" --set adc.tech_nm="$tech" > "$tmp/adc.txt"
    ae=$(awk -v b="$b" '$1 == b { print $4 }' "$tmp/adc.txt")
    aa=$(awk -v b="$b" '$1 == b { print $5 }' "$tmp/adc.txt")
    cmd="aimcsim adc configs/default.ini --set adc.kind=sar --set adc.sar_extra_cyc=0 --set adc.clock_ghz=$b --set adc.tech_nm=$tech"
    row "ADC, $b b, $tech nm, 1 GS/s: energy" "Accelergy ADC plug-in (Andrulis et al. 2024), constants.md" "$cmd" "$ae" "$pe" pJ 0.01
    row "ADC, $b b, $tech nm, 1 GS/s: area" "Accelergy ADC plug-in" "$cmd" "$aa" "$pa" um2 0.01
done

# DRAM: one 1 MiB read per interface, energy per bit.
printf 'aimcsim-cmd 1\nunits tile=0 cluster=0 sram=0 dram=1\ntag 0 -1 dram\n0 mem dram0 read addr=0 bytes=1048576 tag=0 deps=\nend 1\n' > "$tmp/d.cmd"
for pt in hbm2:3.9:"O'Connor et al., MICRO 2017 (Fine-Grained DRAM)" \
          lpddr4-3200:8:"Accelergy CACTI plug-in DRAM table"; do
    kind=${pt%%:*}; r=${pt#*:}; pub=${r%%:*}; src=${r#*:}
    run "d-$kind" configs/default.ini d --set dram.kind="$kind" --set chip.tiles=1
    pb=$(awk -v e="$(stat "$tmp/d-$kind" energy.dram_pj)" 'BEGIN { print e / (8 * 1048576) }')
    row "DRAM $kind: energy per bit" "$src" "aimcsim exec configs/default.ini S --set dram.kind=$kind" "$pb" "$pub" pJ/bit 0.10
done

# ---- 2. The default chip beside its sources -------------------------------
{
    echo
    echo '| component of configs/default.ini | aimcsim | source value | ratio | source |'
    echo '|---|---|---|---|---|'
} >> "$out"
comp() { # LABEL AIMCSIM SOURCE UNIT SOURCE-TEXT
    awk -v l="$1" -v a="$2" -v s="$3" -v u="$4" -v t="$5" 'BEGIN {
        printf "| %s | %.4g %s | %.4g %s | %.2f | %s |\n", l, a, u, s, u, a / s, t }' >> "$out"
}
mvms d1 1 1 256 256 1 8
mvms d200 1 200 256 256 1 8
alone='--set chip.tiles=1 --set cluster.count=0 --set sram.banks=0 --set dram.channels=0 --set noc.router_area_um2=0 --set noc.p_router_leak_mw=0 --set adc.count=256'
# shellcheck disable=SC2086
run dd1 configs/default.ini d1 $alone
# shellcheck disable=SC2086
run dd200 configs/default.ini d200 $alone
dt() { awk -v a="$(stat "$tmp/dd200" "$1")" -v b="$(stat "$tmp/dd1" "$1")" 'BEGIN { print (a - b) / 199 }'; }
e_tot=$(dt energy.total_pj)
comp "tile alone: energy per 8-bit 256 x 256 MVM (256 ADCs)" "$(awk -v e="$e_tot" 'BEGIN { print e / 1000 }')" 12.5 nJ "HERMES, Khaddam-Aljameh et al., JSSC 2022 (derived from 10.5 TOPS/W)"
comp "tile: array share of that energy" "$(awk -v a="$(dt energy.array_pj)" -v e="$e_tot" 'BEGIN { print 100 * a / e }')" 17.5 % "Singh et al., Nat. Electron. 2025: 15-20%"
comp "tile: output encoding share (ADC + readout)" "$(awk -v a="$(dt energy.adc_pj)" -v p="$(dt energy.periphery_pj)" -v e="$e_tot" 'BEGIN { print 100 * (a + p) / e }')" 65 % "Singh 2025: 60-70%"
"$prog" adc configs/default.ini > "$tmp/adc.txt"
comp "ADC: energy per 8-bit conversion (CCO, 13 MS/s, 32 nm)" "$(awk '$1 == 8 { print $4 }' "$tmp/adc.txt")" 1.714 pJ "Accelergy ADC plug-in (the cap binds below ~1 GS/s)"
"$prog" area configs/default.ini > "$tmp/area.txt"
first() { awk "$1" "$tmp/area.txt" | head -n 1; }
comp "ADC: area (8 b, 13 MS/s, 32 nm)" "$(awk '$1 == 8 { print $5 }' "$tmp/adc.txt")" 5972 um2 "Accelergy ADC plug-in at 1 GS/s (x f^0.18 at 13 MS/s)"
comp "router: area (8 ports, 256-bit links)" "$(first '$1 == "NoC" { print $4 * 1e6 / $3 }')" 295038 um2 "DSENT v0.9, 32 nm (Sun et al., NOCS 2012)"
comp "router: leakage (8 ports, 256-bit links)" "$(first '$1 == "NoC" { print $6 / $3 }')" 29.4 mW "DSENT, LVT cells (aimcsim: PUMA's 0.41 mW scaled, docs/models.md 5)"
comp "SRAM bank (64 KiB, 32-byte access): area" "$(first '$1 == "SRAM" { print $4 * 1e6 / $3 }')" 83000 um2 "ISAAC Table I / hwcomponents (eDRAM)"
comp "SRAM bank: leakage" "$(first '$1 == "SRAM" { print $6 / $3 }')" 0.46 mW "PUMA constants (64 KB eDRAM)"
comp "DRAM (HBM2 channel): energy per bit" "$(awk -v e="$(stat "$tmp/d-hbm2" energy.dram_pj)" 'BEGIN { print e / (8 * 1048576) }')" 3.9 pJ/bit "O'Connor et al., MICRO 2017"
comp "cluster: area" "$(first '$1 == "clusters" { print $3 / $2 }')" 2.5 mm2 "PULP cluster, Garofalo et al., JETCAS 2022 (22 nm)"
printf 'aimcsim-cmd 1\nunits tile=1 cluster=0 sram=0 dram=0\ntag 0 -1 prog\n0 prog tile0 array=0 tag=0 deps=\nend 1\n' > "$tmp/p.cmd"
run prog configs/default.ini p --set chip.tiles=1
comp "PCM: programming one 256 x 256 array" "$(awk -v t="$(stat "$tmp/prog" run.total_ps)" 'BEGIN { print t / 1e9 }')" 0.83 ms "Garofalo et al. 2022: 20-30 MVM times per row (diagonal), 256 rows x 25 x 130 ns"

if [ "$mode" = --print ]; then
    cat "$out"
    exit $fail
fi
# The tables in docs/validation.md must be these.
awk '/^<!-- validation.sh: begin -->/ { s = 1; next } /^<!-- validation.sh: end -->/ { s = 0 } s' \
    docs/validation.md > "$tmp/doc.md"
if ! cmp -s "$tmp/doc.md" "$out"; then
    echo "validation: docs/validation.md's tables are not what tests/validation.sh prints" \
         "(regenerate them with: sh tests/validation.sh build/aimcsim --print):"
    diff -u "$tmp/doc.md" "$out" | head -n 20 | sed 's/^/    /'
    fail=1
fi
[ $fail = 0 ] && echo "validation: every reference point within its tolerance; docs/validation.md up to date"
exit $fail
