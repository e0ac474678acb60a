#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Rill and runs every test: unit tests per layer,
# integration tests over sockets and differential tests against redis-server 7.0.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v redis-server >/dev/null || { echo "redis-server missing after setup" >&2; exit 1; }
scripts/build.sh "$@"
ctest --test-dir build --output-on-failure -j2 --timeout 300
