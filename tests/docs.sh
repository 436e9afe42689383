#!/bin/sh
# docs.sh -- the examples and lists of docs/outputs.md, checked against a
# real run (as docs/command-stream.md's example is by tests/test_cmdstream.c):
#
#  1. the power.csv example is the first lines of the power trace of the
#     command stated under it;
#  2. every statistic that run writes to stats.csv is listed in the table
#     "Statistics" (a name, or a pattern with {a,b,...} alternatives and
#     <i> or <component> placeholders);
#  3. every column of projections.csv, layers.csv, tags.csv and
#     critpath.csv is listed, and every critical-path category is in
#     docs/scheduler.md's table;
#  4. docs/models.md's parameter tables have every hardware parameter with
#     its unit and default.
#
# usage: tests/docs.sh [AIMCSIM]     (run by `make test`; exit 1 on a mismatch)
set -eu
cd "$(dirname "$0")/.."
prog=${1:-build/aimcsim}
doc=docs/outputs.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aimcsim-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

"$prog" run configs/experiments/gpt2-small-densemap.ini --set chip.per_unit_stats=true \
    --out "$tmp/run" --trace --quiet

# 1. The power.csv example: the block after the "### Power and energy over
# time" heading, compared with the same number of lines of the real file.
awk '/^### Power and energy over time/ { s = 1 } s && /^```$/ { if (++n == 2) exit; next }
     s && n == 1 { print }' "$doc" > "$tmp/power.doc"
lines=$(wc -l < "$tmp/power.doc")
head -n "$lines" "$tmp/run/power.csv" > "$tmp/power.run"
if [ "$lines" -lt 2 ] || ! cmp -s "$tmp/power.doc" "$tmp/power.run"; then
    echo "docs: $doc: the power.csv example is not what the run writes:"
    diff -u "$tmp/power.doc" "$tmp/power.run" | sed 's/^/    /'
    fail=1
fi

# 2. Statistics: the names in the first column of the "Statistics" table
# and of the per-unit sentence under it, expanded into regular expressions.
awk '/^## Statistics/ { s = 1; next } s && /^## / { exit } s' "$doc" |
    grep -o '`[a-z0-9_.{},<>*-]*`' | tr -d '`' |
    sed 's/\./\\./g; s/\*/[a-z0-9_]*/g; s/<[a-z]*>/[0-9]*/g' |
    awk '{ # {a,b,c} alternatives to (a|b|c)
        while (match($0, /\{[^}]*\}/)) {
            alt = substr($0, RSTART + 1, RLENGTH - 2); gsub(/,/, "|", alt)
            $0 = substr($0, 1, RSTART - 1) "(" alt ")" substr($0, RSTART + RLENGTH)
        }
        print "^" $0 "$" }' > "$tmp/patterns"
tail -n +2 "$tmp/run/stats.csv" | cut -d, -f1 | sed 's/\.\(n\|under\|over\|bin_[0-9]*\)$//' |
    sort -u > "$tmp/names"
missing=$(grep -v -E -f "$tmp/patterns" "$tmp/names" || true)
if [ -n "$missing" ]; then
    echo "docs: $doc: statistics a run writes that the table \"Statistics\" does not list:"
    echo "$missing" | sed 's/^/    /'
    fail=1
fi

# 3. CSV columns: every header field appears in the section of its file.
for f in projections.csv layers.csv tags.csv critpath.csv; do
    section=$(awk -v f="$f" 'index($0, "## ") == 1 && index($0, f) { s = 1; next }
                             s && /^## / { exit } s' "$doc")
    for col in $(head -n 1 "$tmp/run/$f" | tr ',' ' '); do
        case $section in
        *"\`$col\`"* | *"$col,"* | *",$col"*) ;;
        *) echo "docs: $doc: column $col of $f is not described"; fail=1 ;;
        esac
    done
done

# 3b. Every critical-path category the run writes is in docs/scheduler.md's
# table of categories (a row naming it in backquotes).
cats=$(awk '/^## What bounds the latency/ { s = 1; next } s && /^## / { exit } s' docs/scheduler.md)
for c in $(tail -n +2 "$tmp/run/critpath.csv" | cut -d, -f3 | sort -u); do
    case $cats in
    *"\`$c\`"*) ;;
    *) echo "docs: docs/scheduler.md: critical-path category $c is not in the table"; fail=1 ;;
    esac
done

# 4. docs/models.md's parameter tables: every hardware parameter's row,
# "| `key` | unit | default |", as `aimcsim params` gives them.
"$prog" params | awk '$1 ~ /^(tile|adc|cluster|noc|sram|dram|chip)\./ {
        key = $1; sub(/^[a-z]+\./, "", key)
        unit = $3; def = $4
        if (def == "\"\"") def = ""
        printf "| `%s` | %s | %s |\n", key, unit, def }' > "$tmp/rows"
while IFS= read -r r; do
    grep -qF "$r" docs/models.md || { echo "docs: docs/models.md: no parameter row starting '$r'"; fail=1; }
done < "$tmp/rows"

[ $fail = 0 ] && echo "docs: the examples and lists of $doc and docs/models.md's parameter tables match the program"
exit $fail
