#!/bin/sh
# golden.sh -- the golden outputs: every run of tests/golden/runs.txt, on
# both kernel backends, must reproduce tests/golden/NAME/ byte for byte
# (stats.csv, tags.csv, layers.csv, projections.csv, critpath.csv; with
# "trace" also power.csv and trace.events, the trace without its
# command-line metadata; with "exec" the same files again from `schedule`
# then `exec`).
#
# A change that moves results updates the expected files in the same
# commit, deliberately: `make golden` (this script's update mode) rewrites
# them from the native kernel, and the commit's diff shows what moved.
#
# usage: tests/golden.sh check|update [AIMCSIM]
set -eu
cd "$(dirname "$0")/.."
mode=${1:-check}
prog=${2:-build/aimcsim}
case $mode in check | update) ;; *) echo "usage: $0 check|update [AIMCSIM]" >&2; exit 2 ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aimcsim-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
FILES='stats.csv tags.csv layers.csv projections.csv critpath.csv'
fail=0 runs=0

# The outputs of one run in $1 (a folder) reduced to what is compared.
reduce() {
    for f in trace.json power.csv; do
        if [ -f "$1/$f.gz" ]; then
            gzip -dc "$1/$f.gz" > "$1/$f"
        fi
    done
    if [ -f "$1/trace.json" ]; then
        grep -v '"otherData"' "$1/trace.json" > "$1/trace.events"
    fi
}

# compare NAME LABEL DIR FILES: each file of DIR against tests/golden/NAME.
compare() {
    for f in $4; do
        want=tests/golden/$1/$f
        if [ ! -f "$want" ]; then
            echo "golden: $want: missing (make golden writes it)"
            fail=1
        elif ! cmp -s "$want" "$3/$f"; then
            echo "golden: $1 ($2): $f differs from $want:"
            diff -u "$want" "$3/$f" | head -n 12 | sed 's/^/    /'
            fail=1
        fi
    done
}

grep -v '^[[:space:]]*#' tests/golden/runs.txt | grep -v '^[[:space:]]*$' |
while read -r name cfg rest; do
    trace= exec= sets=
    set -- $rest
    while [ $# -gt 0 ]; do
        case $1 in
        trace) trace=--trace ;;
        exec) exec=1 ;;
        --set) sets="$sets --set $2"; shift ;;
        *) echo "golden: tests/golden/runs.txt: $name: unexpected '$1'" >&2; exit 2 ;;
        esac
        shift
    done
    files=$FILES
    [ -n "$trace" ] && files="$files power.csv trace.events"
    for k in native systemc; do
        out=$tmp/$name-$k
        # shellcheck disable=SC2086
        if ! "$prog" run "$cfg" $sets --set run.kernel=$k --out "$out" $trace --quiet \
             2> "$tmp/err"; then
            echo "golden: $name ($k): the run failed: $(cat "$tmp/err")"
            exit 1
        fi
        reduce "$out"
        if [ $mode = update ] && [ $k = native ]; then
            mkdir -p "tests/golden/$name"
            rm -f "tests/golden/$name"/*
            for f in $files; do cp "$out/$f" "tests/golden/$name/$f"; done
        fi
        compare "$name" "run, $k" "$out" "$files"
        if [ -n "$exec" ]; then
            # shellcheck disable=SC2086
            "$prog" schedule "$cfg" $sets --set run.kernel=$k -o "$tmp/s.cmd.gz"
            # shellcheck disable=SC2086
            "$prog" exec "$cfg" "$tmp/s.cmd.gz" $sets --set run.kernel=$k --out "$out-exec" \
                $trace --quiet
            reduce "$out-exec"
            compare "$name" "schedule + exec, $k" "$out-exec" "$files"
        fi
    done
    [ $fail = 0 ] || exit 1
done || fail=1

if [ $fail = 0 ]; then
    echo "golden: $(grep -cv '^[[:space:]]*#\|^[[:space:]]*$' tests/golden/runs.txt) runs x 2 kernels" \
         "reproduce tests/golden/ byte for byte"
else
    echo "golden: outputs moved; if the change is meant, run 'make golden' and commit the diff"
    exit 1
fi
