#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Rill and starts rill-server on its defaults
# (port 6379). Extra arguments are passed to rill-server (a config file, --port 7000, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/rill-server "$@"
