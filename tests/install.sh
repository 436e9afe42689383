#!/bin/sh
# install.sh -- `make install` as a user meets it (docs/library.md), run by
# `make test`: the tree installed into a temporary prefix under build/,
# then used from another folder only through what was installed:
#
#  1. the program finds presets by name in PREFIX/share/aimcsim/configs,
#     and the man page shows every subcommand;
#  2. examples/run_stats.c, built with `pkg-config --cflags --libs aimcsim`
#     against the shared library and again against the static one, runs a
#     preset and prints statistics equal to `aimcsim run`'s stats.csv;
#  3. the shared library exports the API of aimcsim.h and nothing else;
#  4. examples/tlm_platform.cc, built with pkg-config (aimcsim, systemc),
#     drives aimcsim as a TLM target: every check of the platform holds;
#  5. DESTDIR stages the files under it, and aimcsim.pc names the prefix.
#
# usage: tests/install.sh      (exit 1 on a failure)
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
top=$(pwd)
prefix=$top/$B/test-prefix
work=$top/$B/test-install
rm -rf "$prefix" "$work"
mkdir -p "$work"
fail=0
say() { echo "install: $*"; }
bad() { echo "install: FAILED: $*"; fail=1; }

make --no-print-directory -s install PREFIX="$prefix" B="$B" > "$work/make.log" 2>&1 ||
    { cat "$work/make.log"; bad "make install"; exit 1; }
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cd "$work"
sets='--set run.prompt_tokens=4 --set run.decode_tokens=2 --set run.kernel=native'

# 1. presets by name, from a folder that holds no configs/
"$prefix/bin/aimcsim" area hermes-core > area.txt || bad "aimcsim area hermes-core"
grep -q '^chip: 1 array of 256 x 256' area.txt || bad "hermes-core's area"
if "$prefix/bin/aimcsim" run no-such-preset 2> err.txt; then bad "an unknown preset runs"; fi
grep -q "(in $prefix/share/aimcsim/configs)" err.txt ||
    bad "presets not looked up in the installed share folder: $(cat err.txt)"
"$prefix/bin/aimcsim" run gpt2-small-densemap $sets --out prog --quiet ||
    bad "aimcsim run gpt2-small-densemap"
man_out=$(MANPATH="$prefix/share/man" man -P cat aimcsim 2>/dev/null ||
          cat "$prefix/share/man/man1/aimcsim.1")
for w in sweep emit-jobs force profile exec; do
    echo "$man_out" | grep -q -- "$w" || bad "man aimcsim does not mention $w"
done

# 2. the C example against the shared and the static library
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags aimcsim) "$top/examples/run_stats.c" \
    -o run_stats $(pkg-config --libs aimcsim) || bad "run_stats (shared) does not build"
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags aimcsim) "$top/examples/run_stats.c" \
    -o run_stats_static -L"$prefix/lib" -Wl,-Bstatic -laimcsim -Wl,-Bdynamic \
    $(pkg-config --static --libs-only-other --libs-only-l aimcsim | sed 's/-laimcsim//') ||
    bad "run_stats (static) does not build"
ldd run_stats | grep -q "$prefix/lib/libaimcsim.so" || bad "run_stats does not use the installed library"
if ldd run_stats_static | grep -q libaimcsim; then bad "run_stats_static is not static"; fi
# (a statically linked program outside PREFIX/bin names its configuration
# by path: presets are found relative to the program or library)
for ex in run_stats run_stats_static; do
    cfg=gpt2-small-densemap
    [ $ex = run_stats ] || cfg=$prefix/share/aimcsim/configs/experiments/$cfg.ini
    # the default kernel (systemc): two runs in one process
    ./$ex $cfg run.prompt_tokens=4 run.decode_tokens=2 > $ex.csv 2> $ex.err ||
        { cat $ex.err; bad "$ex"; continue; }
    awk -F, -v ex=$ex 'NR == FNR { if (FNR > 1) want[$1] = $2; next }
        { n++
          v = ($1 in want) ? want[$1] : (($1 ".n") in want) ? want[$1 ".n"] : "none"
          if (v == "none") { print ex ": " $1 " not in stats.csv"; bad = 1; next }
          d = $2 - v; if (d < 0) d = -d; m = (v < 0 ? -v : v)
          if (d > 1e-9 * m) { print ex ": " $1 " = " $2 ", stats.csv " v; bad = 1 } }
        END { if (n < 100) { print ex ": only " n " statistics"; bad = 1 }; exit bad }' \
        prog/stats.csv $ex.csv || bad "$ex: statistics differ from aimcsim run's"
    grep -q "with adc.count=" $ex.err || bad "$ex: no second run"
done

# 3. the shared library's exports
nm -D --defined-only "$prefix/lib/libaimcsim.so" | awk '$2 ~ /^[TDBW]$/ { print $3 }' |
    grep -v -E '^(aimcsim_[a-z_]+|sc_main)$' > exports.txt || true
[ ! -s exports.txt ] || bad "libaimcsim.so exports more than the API: $(head -3 exports.txt)"

# 4. the TLM platform
c++ -std=c++17 -Wall -Wextra -Werror "$top/examples/tlm_platform.cc" -o tlm_platform \
    $(pkg-config --cflags --libs aimcsim systemc) > tlm_build.log 2>&1 ||
    { cat tlm_build.log; bad "tlm_platform does not build"; }
if [ -x tlm_platform ]; then
    ./tlm_platform > tlm.txt 2>&1 || bad "tlm_platform: $(grep FAILED tlm.txt || tail -3 tlm.txt)"
    grep -q '^platform: every check holds$' tlm.txt || bad "tlm_platform did not finish"
fi

# 5. DESTDIR staging
make -C "$top" --no-print-directory -s install PREFIX=/opt/aimcsim DESTDIR="$work/stage" \
    B="$B" > stage.log 2>&1 || { cat stage.log; bad "make install DESTDIR"; }
for f in bin/aimcsim lib/libaimcsim.a lib/libaimcsim.so include/aimcsim.h \
         include/aimcsim_tlm.h lib/pkgconfig/aimcsim.pc share/aimcsim/configs/default.ini \
         share/aimcsim/configs/experiments/gpt2-small-densemap.ini \
         share/aimcsim/plot/plot_adc_sweep.sh share/doc/aimcsim/docs/library.md \
         share/doc/aimcsim/examples/tlm_platform.cc share/man/man1/aimcsim.1; do
    [ -e "stage/opt/aimcsim/$f" ] || bad "DESTDIR: $f not installed"
done
grep -q '^prefix=/opt/aimcsim$' stage/opt/aimcsim/lib/pkgconfig/aimcsim.pc ||
    bad "aimcsim.pc does not name the prefix"

if [ $fail = 0 ]; then
    say "installed into $B/test-prefix: presets by name, man page, the C example (shared and"
    say "static) equal to aimcsim run, the TLM platform, DESTDIR staging"
fi
exit $fail
