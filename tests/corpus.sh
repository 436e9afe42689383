#!/bin/sh
# corpus.sh -- the malformed-input corpus (tests/corpus/, run by `make test`):
# configuration files, --set overrides, sensitivity profiles and command
# streams (plain and gzip) that are wrong.  For every case of
# tests/corpus/cases.tsv (NAME, ARGS, MESSAGE, one tab between), with @OUT@
# in ARGS a fresh output folder:
#
#  1. `aimcsim ARGS` exits with status 2 (bad input);
#  2. its stderr is exactly MESSAGE, one line (in a resource estimate, "an
#     estimated N MiB (...)", the figures are not compared: they follow the
#     sizes of the program's structures, which change with it);
#  3. the message is located: it starts with the --set argument, or with a
#     file the arguments name (file:line, or file: for a file that cannot
#     be read at all);
#  4. the output folder holds no file under a result name and no temporary
#     file (docs/outputs.md): at most the manifest and the partial snapshot.
#
# usage: tests/corpus.sh [AIMCSIM]     (exit 1 on a failing case)
set -eu
cd "$(dirname "$0")/.."
prog=${1:-build/aimcsim}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aimcsim-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
tab=$(printf '\t')
figures='s/an estimated [0-9]+ MiB \([^)]*\)/an estimated N MiB (...)/'

fail=0 n=0
while IFS=$tab read -r name args want; do
    case $name in '#'* | '') continue ;; esac
    n=$((n + 1))
    out=$tmp/$name
    set -f
    # shellcheck disable=SC2086
    set -- $(printf '%s\n' "$args" | sed "s|@OUT@|$out|g")
    set +f
    rc=0
    "$prog" "$@" > "$tmp/stdout" 2> "$tmp/stderr" || rc=$?
    if [ $rc -ne 2 ]; then
        echo "corpus: $name: exit status $rc (expected 2): $(head -c 300 "$tmp/stderr")"
        fail=1
        continue
    fi
    printf '%s\n' "$want" | sed "s|@OUT@|$out|g" | sed -E "$figures" > "$tmp/want"
    sed -E "$figures" "$tmp/stderr" > "$tmp/got"
    if ! cmp -s "$tmp/want" "$tmp/got"; then
        echo "corpus: $name: stderr differs:"
        diff "$tmp/want" "$tmp/stderr" | sed 's/^/    /'
        fail=1
        continue
    fi
    loc=${want%%: *}
    loc=${loc%%:[0-9]*}
    case $loc in
    --set\ *) ;;
    *)
        case " $args " in
        *" $loc "* | *"=$loc "*) ;;
        *) echo "corpus: $name: '$loc' is not a place the arguments name"; fail=1 ;;
        esac ;;
    esac
    if [ -d "$out" ]; then
        extra=$(ls -A "$out" | grep -v -x -e aimcsim-files.txt -e stats.partial.json || true)
        if [ -n "$extra" ]; then
            echo "corpus: $name: the output folder holds $(echo $extra)"
            fail=1
        fi
    fi
done < tests/corpus/cases.tsv
if [ $fail = 0 ]; then
    echo "corpus: $n malformed inputs: exit 2, a located message, no result file"
else
    exit 1
fi
