#!/bin/sh
# deps.sh -- install the Debian packages aimcsim needs, only if missing.
#
# Checks with pkg-config (libraries) and command -v (programs) first; calls
# apt-get only when something is missing, and only as root.  Otherwise it
# prints the exact command to run and fails.  Used by `make run` and
# `make test`; safe to run again.  `deps.sh fuzz` checks what `make fuzz`
# needs besides: clang with libFuzzer (Debian's clang and its compiler-rt).
set -u

missing=""
need_pkg() { # pkg-config name, Debian package
    pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

need_cmd pkg-config pkg-config
need_cmd gcc gcc
need_cmd g++ g++
need_cmd make make
if command -v pkg-config >/dev/null 2>&1; then
    need_pkg systemc libsystemc-dev
    need_pkg inih libinih-dev
    need_pkg criterion libcriterion-dev
    need_pkg zlib zlib1g-dev
else
    missing="$missing libsystemc-dev libinih-dev libcriterion-dev zlib1g-dev"
fi
need_cmd gnuplot gnuplot-nox
need_cmd parallel parallel
if [ "${1:-}" = fuzz ]; then
    need_cmd clang clang
    # libFuzzer itself comes with compiler-rt: a one-line program links?
    if command -v clang >/dev/null 2>&1; then
        t=$(mktemp -d)
        printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return (int)(d && n) * 0; }\n' > "$t/f.c"
        clang -fsanitize=fuzzer "$t/f.c" -o "$t/f" >/dev/null 2>&1 || missing="$missing libclang-rt-dev"
        rm -rf "$t"
    fi
fi

[ -z "$missing" ] && exit 0

echo "aimcsim: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $missing >&2 || {
        echo "aimcsim: apt-get install failed" >&2
        exit 1
    }
    exit 0
fi
echo "aimcsim: run as root:  apt-get update && apt-get install -y$missing" >&2
echo "         (or: sudo apt-get install -y$missing)" >&2
exit 1
