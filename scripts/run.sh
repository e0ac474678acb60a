#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Rill and starts rill-server in the foreground.
# Arguments go to rill-server unchanged (redis-server's command line):
#
#   scripts/run.sh                          # defaults: port 6379
#   scripts/run.sh --port 7000              # another port
#   path/to/scripts/run.sh my.conf          # a config file, relative to where you are
#
# The server runs in your working directory, so relative paths mean what they mean to you.
# Where its data goes (dump.rdb, appendonlydir/):
#   * run from outside the checkout: your working directory, as with redis-server;
#   * run from inside the checkout: the checkout's data/ folder (ignored by git), so that
#     nothing is written into the source tree;
#   * a `dir` in your config file or a --dir option always wins.
# Environment: RILL_SERVER_BINARY=path runs that binary and skips setup and build (tests use
# this; so can a build made elsewhere).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
server="${RILL_SERVER_BINARY:-}"
# Setup first: installing Debian's redis-server may take port 6379, checked below before the
# build (minutes on a fresh clone), not after it.
[[ -n "$server" ]] || "$repo/scripts/setup.sh"

# The config file is the first argument when it is not an option (nor "-", stdin).
conf=""
if (($# > 0)) && [[ "$1" != -* ]]; then
  conf="$1"
fi

# The last value an option or the config file gives a parameter, or "".
setting() {
  local name="$1" value="" i
  if [[ -n "$conf" && -r "$conf" ]]; then
    value="$(sed -nE "s/^[[:space:]]*${name}[[:space:]]+(.*[^[:space:]])[[:space:]]*$/\1/Ip" \
      "$conf" | tail -n 1)"
  fi
  local args=("${@:2}")
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ "${args[i],,}" == "--${name}" && $((i + 1)) -lt ${#args[@]} ]]; then
      value="${args[i + 1]}"
    fi
  done
  value="${value#[\"\']}"
  printf '%s' "${value%[\"\']}"
}

extra=()
here="$(pwd -P)"
if [[ -z "$(setting dir "$@")" && ("$here" == "$repo" || "$here" == "$repo"/*) ]]; then
  mkdir -p "$repo/data"
  extra=(--dir "$repo/data")
  echo "run.sh: started inside the checkout: data goes to $repo/data (pass --dir to choose)" >&2
fi

# A port someone else holds: say so now, rather than leave the server's bind error to explain.
port="$(setting port "$@")"
port="${port:-6379}"
if [[ "$port" =~ ^[0-9]+$ && "$port" != 0 ]] &&
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  cat >&2 <<EOF
run.sh: port $port is already taken on this machine (another Redis or Rill server?).
run.sh: choose another port:  $0 ${*:+$* }--port 7000
run.sh: (Debian's redis-server package starts a Redis on 6379; this script never stops it.)
EOF
  exit 1
fi

if [[ -z "$server" ]]; then
  "$repo/scripts/build.sh"
  server="$repo/build/rill-server"
fi

# A config that daemonizes (Debian's stock one does) makes the server return at once: say where
# its output goes instead of leaving a silent prompt.
if [[ "$(setting daemonize "$@")" == yes ]]; then
  logfile="$(setting logfile "$@")"
  echo "run.sh: the config says 'daemonize yes': the server goes to the background and logs to" \
    "${logfile:-nowhere (logfile is empty)}; add --daemonize no to keep it in the foreground" >&2
fi

# The file comes first, as redis-server expects; --dir next, so that later options still win.
if [[ -n "$conf" ]]; then
  exec "$server" "$conf" "${extra[@]}" "${@:2}"
fi
exec "$server" "${extra[@]}" "$@"
