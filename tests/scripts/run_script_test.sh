#!/usr/bin/env bash
# scripts/run.sh's path handling (ctest "run_script"): a relative config path means the
# caller's directory, the data goes to the caller's directory outside the checkout and to the
# checkout's data/ inside it (never into the source tree), a `dir` or --dir given wins, and a
# port already taken is reported with how to choose another. Every server is stopped by PID.
#
#   tests/scripts/run_script_test.sh <rill-server binary>
set -euo pipefail

server="$(realpath "$1")"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
tmp="$(mktemp -d)"
tmp="$(cd "$tmp" && pwd -P)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
expect_eq() {  # expect_eq <what> <actual> <expected>
  if [[ "$2" == "$3" ]]; then echo "ok: $1"; else fail "$1: got '$2', expected '$3'"; fi
}
lacks() { ! grep -q -- "$1" "$2"; }
expect_true() {  # expect_true <what> <command...>
  if "${@:2}"; then echo "ok: $1"; else fail "$1"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One inline command; prints the reply's lines without CRs (up to 5 lines, 2 s).
command_lines() {
  local port="$1" line n=0
  shift
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s\r\n' "$*" >&3
  while ((n < 5)) && read -r -t 2 line <&3; do
    printf '%s\n' "${line%$'\r'}"
    n=$((n + 1))
    [[ "$line" == +* || "$line" == -* || "$line" == :* ]] && break
  done
  exec 3>&-
}
config_get() { command_lines "$1" CONFIG GET "$2" | sed -n 5p; }

wait_ready() {  # wait_ready <port> <pid>
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ "$(command_lines "$1" PING 2>/dev/null)" == "+PONG" ]]; then return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# start <log> <run.sh> <args...>: runs run.sh in the background (it execs the server, so its
# PID is the server's); sets $pid.
start() {
  local log="$1" script="$2"
  shift 2
  RILL_SERVER_BINARY="$server" "$script" "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
}
stop() {
  kill "$1"
  wait "$1" 2>/dev/null || true
}

# 1. From a directory outside the checkout, with a config path relative to it.
mkdir -p "$tmp/work/sub"
port1="$(free_port)"
printf 'port %s\nbind 127.0.0.1\nsave ""\n' "$port1" >"$tmp/work/my.conf"
(cd "$tmp/work/sub" && start "$tmp/run1.log" "$repo/scripts/run.sh" ../my.conf &&
  echo "$pid" >"$tmp/pid1")
pid1="$(cat "$tmp/pid1")"
pids+=("$pid1")
if wait_ready "$port1" "$pid1"; then
  expect_eq "relative config path from another directory: data in the caller's directory" \
    "$(config_get "$port1" dir)" "$tmp/work/sub"
  expect_eq "SAVE" "$(command_lines "$port1" SAVE)" "+OK"
  expect_true "dump.rdb in the caller's directory" test -f "$tmp/work/sub/dump.rdb"
else
  fail "the server did not start from $tmp/work/sub with ../my.conf: $(cat "$tmp/run1.log")"
fi

# 2. A port already taken (by the server of case 1): reported, nothing started.
status=0
RILL_SERVER_BINARY="$server" "$repo/scripts/run.sh" --port "$port1" >"$tmp/run2.log" 2>&1 ||
  status=$?
expect_eq "taken port: exit status" "$status" "1"
expect_true "taken port named" grep -q "port $port1 is already taken" "$tmp/run2.log"
expect_true "how to choose another port" grep -q -- "--port 7000" "$tmp/run2.log"
expect_true "nothing started on the taken port" lacks "Rill is starting" "$tmp/run2.log"
stop "$pid1"

# 3. From inside a checkout (a copy of scripts/run.sh in a scratch tree, so that the real
# checkout stays untouched): the data goes to the checkout's data/, not the working directory.
mkdir -p "$tmp/checkout/scripts" "$tmp/checkout/docs"
cp "$repo/scripts/run.sh" "$tmp/checkout/scripts/run.sh"
port3="$(free_port)"
(cd "$tmp/checkout/docs" &&
  start "$tmp/run3.log" "$tmp/checkout/scripts/run.sh" --port "$port3" --save "" &&
  echo "$pid" >"$tmp/pid3")
pid3="$(cat "$tmp/pid3")"
pids+=("$pid3")
if wait_ready "$port3" "$pid3"; then
  expect_eq "inside the checkout: data in data/" "$(config_get "$port3" dir)" \
    "$tmp/checkout/data"
  expect_eq "SAVE" "$(command_lines "$port3" SAVE)" "+OK"
  expect_true "dump.rdb in data/" test -f "$tmp/checkout/data/dump.rdb"
  expect_true "nothing written where run.sh ran" test ! -e "$tmp/checkout/docs/dump.rdb"
else
  fail "the server did not start inside the checkout: $(cat "$tmp/run3.log")"
fi
stop "$pid3"

# 4. Inside the checkout, a `dir` in the config file (relative path, from the checkout's root)
# and a --dir option are obeyed.
mkdir -p "$tmp/chosen" "$tmp/chosen2"
port4="$(free_port)"
printf 'port %s\nbind 127.0.0.1\nsave ""\ndir %s\n' "$port4" "$tmp/chosen" \
  >"$tmp/checkout/mine.conf"
(cd "$tmp/checkout" && start "$tmp/run4.log" scripts/run.sh mine.conf && echo "$pid" >"$tmp/pid4")
pid4="$(cat "$tmp/pid4")"
pids+=("$pid4")
if wait_ready "$port4" "$pid4"; then
  expect_eq "the config file's dir wins" "$(config_get "$port4" dir)" "$tmp/chosen"
else
  fail "the server did not start with mine.conf: $(cat "$tmp/run4.log")"
fi
stop "$pid4"
port5="$(free_port)"
(cd "$tmp/checkout" && start "$tmp/run5.log" scripts/run.sh --port "$port5" --save "" \
  --dir "$tmp/chosen2" && echo "$pid" >"$tmp/pid5")
pid5="$(cat "$tmp/pid5")"
pids+=("$pid5")
if wait_ready "$port5" "$pid5"; then
  expect_eq "--dir wins" "$(config_get "$port5" dir)" "$tmp/chosen2"
else
  fail "the server did not start with --dir: $(cat "$tmp/run5.log")"
fi
stop "$pid5"

# 5. A config that daemonizes: run.sh says where the output goes before the server returns.
port6="$(free_port)"
printf 'port %s\nbind 127.0.0.1\nsave ""\ndaemonize yes\npidfile %s\nlogfile %s\n' \
  "$port6" "$tmp/rill6.pid" "$tmp/rill6.log" >"$tmp/work/daemon.conf"
status=0
(cd "$tmp/work" && RILL_SERVER_BINARY="$server" "$repo/scripts/run.sh" daemon.conf \
  >"$tmp/run6.log" 2>&1) || status=$?
expect_eq "daemonize yes: run.sh returns at once, successfully" "$status" "0"
expect_true "daemonize yes: the log file is named" \
  grep -q "daemonize yes.*logs to $tmp/rill6.log" "$tmp/run6.log"
for ((i = 0; i < 100; i++)); do
  [[ -s "$tmp/rill6.pid" ]] && break
  sleep 0.1
done
if [[ -s "$tmp/rill6.pid" ]]; then
  pid6="$(cat "$tmp/rill6.pid")"
  pids+=("$pid6")
  for ((i = 0; i < 100; i++)); do
    [[ "$(command_lines "$port6" PING 2>/dev/null)" == "+PONG" ]] && break
    sleep 0.1
  done
  expect_eq "the daemon answers" "$(command_lines "$port6" PING)" "+PONG"
  kill "$pid6"
  for ((i = 0; i < 100; i++)); do
    [[ -e "/proc/$pid6" ]] || break
    sleep 0.1
  done
else
  fail "no pid file from the daemonized server: $(cat "$tmp/run6.log" "$tmp/rill6.log" 2>&1)"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all run.sh checks passed"
