#!/usr/bin/env bash
# Configures and builds Rill into ./build (Release with debug info). Extra args go to CMake.
# CMake compiles through ccache when the machine has it (CMakeLists.txt, RILL_CCACHE); the
# settings below let several work trees side by side share its compiled objects.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j2
