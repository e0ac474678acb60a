#!/usr/bin/env bash
# Installs what Rill needs to build and test on Debian 12: compilers, CMake, Ninja, ccache,
# Boost.Asio, abseil, GoogleTest, Google Benchmark, liblzf, OpenSSL's libcrypto, Python, Lua 5.1
# with the lua-cjson and lua-bitop modules (scripting), Node.js and npm (the BullMQ test), and
# for the tests redis-server/redis-tools (the oracle of the differential tests and benchmarks),
# systemd-analyze and man (the package test), and python3-kombu / python3-rq / python3-celery
# (real client libraries and job frameworks the integration tests drive) and ruby-sidekiq /
# ruby-redis (the Sidekiq test), redis-sentinel (the failover test), and liburing, jemalloc and
# mimalloc (the io_uring transport and the allocator choices). Installs only what is missing; safe to run again.
#
# It never stops or reconfigures a server that is running: if Debian's redis-server holds
# port 6379, scripts/run.sh says so and how to choose another port.
set -euo pipefail

packages=(build-essential cmake ninja-build ccache pkg-config python3 libboost1.81-dev
          libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev liblzf-dev libssl-dev
          liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
          redis-server redis-tools systemd man-db python3-kombu python3-rq python3-celery
          ruby-sidekiq ruby-redis redis-sentinel liburing-dev libjemalloc-dev libmimalloc-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm for the BullMQ integration test, from Debian unless a node is already there.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

# The BullMQ test's own node_modules (tests/integration/bullmq, locked by package-lock.json).
bullmq_deps() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/bullmq"
  [[ -d "$dir/node_modules/bullmq" ]] && return 0
  command -v npm >/dev/null 2>&1 || return 0
  echo "setup: npm ci in tests/integration/bullmq"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
    echo "setup: npm ci failed (registry unreachable?); the BullMQ test will be skipped" >&2
}

# The same for the node-redis client-side cache test (tests/integration/client_cache).
client_cache_deps() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/client_cache"
  [[ -d "$dir/node_modules/@redis/client" ]] && return 0
  command -v npm >/dev/null 2>&1 || return 0
  echo "setup: npm ci in tests/integration/client_cache"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
    echo "setup: npm ci failed (registry unreachable?); the client cache test will be skipped" >&2
}

if ((${#missing[@]} == 0)); then
  bullmq_deps
  client_cache_deps
  exit 0
fi

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
log="$(mktemp -t rill-setup.XXXXXX.log)"
echo "setup: installing ${missing[*]}"
echo "setup: (full apt output in $log)"

# Runs apt-get, printing one short line per package fetched, unpacked and set up, so that a
# long install shows progress; on failure, the end of the full output.
apt_step() {
  local what="$1"
  shift
  echo "setup: $what"
  # pipefail: the pipeline fails when apt-get does.
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "$@" 2>&1 | tee -a "$log" |
      awk '
        /^Get:/ { if (++got % 20 == 0) { printf "setup:   downloaded %d files\n", got; fflush() } }
        /^Unpacking / { printf "setup:   unpacking %s\n", $2; fflush() }
        /^Setting up / { set++ }
        END { if (set) printf "setup:   set up %d packages\n", set }'; then
    echo "setup: apt-get $* failed; the last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}

apt_step "updating the package lists" update
apt_step "installing ${#missing[@]} packages and what they need" install -y \
  --no-install-recommends "${missing[@]}"
echo "setup: done"
bullmq_deps
client_cache_deps

for p in "${missing[@]}"; do
  if [[ "$p" == redis-server ]]; then
    cat <<'EOF'
setup: note: Debian's redis-server package may have started a system Redis on port 6379
setup:       (the tests do not use it: they start their own servers on free ports). To run
setup:       Rill on 6379 stop it yourself (sudo systemctl disable --now redis-server), or
setup:       run Rill on another port: scripts/run.sh --port 7000
EOF
  fi
done
exit 0
