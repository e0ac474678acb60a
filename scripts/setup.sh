#!/usr/bin/env bash
# Installs what Rill needs to build and test on Debian 12: compilers, CMake, Boost.Asio,
# abseil, GoogleTest, Google Benchmark, liblzf, OpenSSL's libcrypto, redis-server/redis-tools (the oracle for
# differential tests and benchmarks), and python3-kombu / python3-rq (real client libraries the
# integration tests drive). Installs only what is missing; safe to run again.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config libboost1.81-dev libabsl-dev
          libgtest-dev libgmock-dev libbenchmark-dev liblzf-dev libssl-dev redis-server
          redis-tools python3-kombu python3-rq)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
# The Debian package starts a system redis-server on 6379; Rill's default port. Stop it so
# rill-server can listen there (tests never use it: they start their own on free ports).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  ${SUDO:-} systemctl stop redis-server || true
fi
if pgrep -x redis-server >/dev/null && [[ -f /var/run/redis/redis-server.pid ]]; then
  kill "$(cat /var/run/redis/redis-server.pid)" 2>/dev/null || true
fi
exit 0
