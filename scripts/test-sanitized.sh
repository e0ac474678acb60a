#!/usr/bin/env bash
# Builds Rill with AddressSanitizer and UndefinedBehaviorSanitizer into ./build-asan and runs
# the whole test suite against that build (the integration and differential tests start the
# sanitized rill-server). Any sanitizer report fails the run: ASan aborts the process, UBSan is
# made fatal, and a server that aborts fails its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRILL_SANITIZE=ON \
  -DRILL_BUILD_BENCH=OFF "$@" >/dev/null
cmake --build build-asan -j2
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export RILL_TEST_SANITIZED=1  # resident-memory bounds are skipped (see server_process.h)
ctest --test-dir build-asan --output-on-failure -j2 --timeout 600
