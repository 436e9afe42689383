#!/bin/sh
# floors.sh -- the architecture rule, checked (docs/architecture.md):
#
#  1. An include points down or to the floor only:
#       sim/        includes sim/ (and the generated parameter table params.def)
#       arch/       includes sim/, arch/
#       traces/     includes sim/, traces/
#       workloads/  includes sim/, workloads/ and arch/'s pure cost headers
#       tools/      composes: includes any floor
#  2. No two source files call each other in a circle: from the objects of
#     the library and the program (nm), file A uses file B when A calls a
#     name B defines; the graph must have no cycle.
#  3. include/, tlm/ and examples/ include only installed headers; C++ only
#     in sim/kernel_sc.cc, tlm/ and examples/.
#
# usage: tests/floors.sh [BUILD_DIR]     (run by `make test`; exit 1 on a violation)
set -eu
cd "$(dirname "$0")/.."
B=${1:-build}
fail=0

# ---- 1. includes ---------------------------------------------------------
COST_HEADERS='arch/adc.h arch/tile.h arch/cluster.h arch/mem.h arch/noc.h'
for f in sim/*.[ch] sim/*.cc arch/*.[ch] traces/*.[ch] workloads/*.[ch] tools/*.[ch]; do
    [ -f "$f" ] || continue
    floor=${f%%/*}
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
    sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
    while read -r line inc; do
        to=${inc%%/*}
        [ "$to" = "$inc" ] && to=.
        ok=0
        case $floor in
        sim) { [ "$to" = sim ] || [ "$inc" = params.def ]; } && ok=1 ;;
        arch) case $to in sim | arch) ok=1 ;; esac ;;
        traces) case $to in sim | traces) ok=1 ;; esac ;;
        workloads)
            case $to in sim | workloads) ok=1 ;; esac
            for h in $COST_HEADERS; do [ "$inc" = "$h" ] && ok=1; done ;;
        tools) ok=1 ;;
        esac
        if [ $ok = 0 ]; then
            echo "$f:$line: $floor/ includes \"$inc\": $floor/ may include only what lies below it (docs/architecture.md)"
            echo x >> "$B/.floors-failed"
        fi
    done
done
if [ -f "$B/.floors-failed" ]; then
    rm -f "$B/.floors-failed"
    fail=1
fi

# ---- 2. no circles between source files --------------------------------
# The objects of today's sources (a removed source may leave its object).
objs=
for s in sim/*.c sim/*.cc arch/*.c traces/*.c workloads/*.c tools/*.c; do
    case $s in tools/bench_*) continue ;; esac
    o="$B/${s%.*}.o"
    [ -f "$o" ] && objs="$objs $o"
done
if [ -z "$objs" ]; then
    echo "floors.sh: no objects under $B/ (build first)" >&2
    exit 1
fi
for o in $objs; do
    nm "$o" | awk -v f="${o#"$B"/}" '
        $1 == "U" { print "U", f, $2 }
        NF == 3 && $2 ~ /^[TDBRCGS]$/ { print "D", f, $3 }'
done | awk '
    $1 == "D" { def[$3] = $2 }
    $1 == "U" { use[++n] = $2 " " $3 }
    END {
        for (i = 1; i <= n; i++) {
            split(use[i], p, " ")
            if ((p[2] in def) && def[p[2]] != p[1]) {
                e = p[1] " " def[p[2]]
                if (!(e in seen)) { seen[e] = 1; out[p[1]] = out[p[1]] " " def[p[2]]; via[e] = p[2] }
                nodes[p[1]] = 1; nodes[def[p[2]]] = 1
            }
        }
        # Depth-first search with colours: an edge to a grey node closes a circle.
        for (s in nodes) {
            if (colour[s]) continue
            top = 1; stack[1] = s; idx[1] = 0; colour[s] = 1
            while (top > 0) {
                u = stack[top]
                m = split(out[u], succ, " ")
                if (idx[top] < m) {
                    v = succ[++idx[top]]
                    if (colour[v] == 1) {
                        msg = v
                        for (k = top; k >= 1 && stack[k] != v; k--) msg = stack[k] " -> " msg
                        print "circle: " v " -> " msg " (" via[u " " v] ")"
                        bad = 1
                    } else if (!colour[v]) {
                        colour[v] = 1; stack[++top] = v; idx[top] = 0
                    }
                } else {
                    colour[u] = 2; top--
                }
            }
        }
        exit bad
    }' || fail=1

# ---- 3. the public side ------------------------------------------------
# include/ (the C API), tlm/ (the TLM target) and examples/ are built
# against an installation (docs/library.md): they include no file of the
# tree, only installed headers (<aimcsim.h>, <aimcsim_tlm.h>).  C++ stays in
# the SystemC shim (sim/kernel_sc.cc), tlm/ and examples/.
for f in include/* tlm/* examples/*; do
    [ -f "$f" ] || continue
    if grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" > "$B/.floors-inc"; then
        sed "s|^\([0-9]*\):.*|$f:\1: includes a file of the tree; ${f%%/*}/ is built against the installed headers (<aimcsim.h>)|" "$B/.floors-inc"
        fail=1
    fi
    rm -f "$B/.floors-inc"
done
for f in $(find . -path ./build -prune -o -path "./$B" -prune -o -path ./build-asan -prune -o \
           \( -name '*.cc' -o -name '*.cpp' -o -name '*.cxx' -o -name '*.hh' -o -name '*.hpp' \) \
           -print); do
    case $f in ./sim/kernel_sc.cc | ./tlm/* | ./examples/*) ;;
    *) echo "$f: C++ outside sim/kernel_sc.cc, tlm/ and examples/ (docs/architecture.md)"; fail=1 ;;
    esac
done

[ $fail = 0 ] && echo "floors.sh: every include points down, no circle between files; the public side includes installed headers only"
exit $fail
