#!/bin/sh
# build.sh -- checks of the build itself (run by `make test`):
#
#  1. the release program carries no assert: asserts sit on hot and
#     quadratic paths (the event queue, every activation), so release builds
#     define NDEBUG (Makefile); checks that must hold in every build are
#     explicit and cheap.  A sanitizer build (`make asan`, NDEBUG=) keeps
#     them: given a second program, this checks that it has them.
#
# usage: tests/build.sh RELEASE_PROG [DEBUG_PROG]    (exit 1 on a violation)
set -eu
cd "$(dirname "$0")/.."
prog=${1:-build/aimcsim}
fail=0
if nm "$prog" | grep -q '__assert_fail'; then
    echo "build: $prog calls assert(): release builds must define NDEBUG (Makefile)"
    fail=1
fi
if [ $# -ge 2 ] && ! nm "$2" | grep -q '__assert_fail'; then
    echo "build: $2 has no assert(): debug builds must keep them (NDEBUG=)"
    fail=1
fi
[ $fail = 0 ] && echo "build: the release program carries no assert"
exit $fail
