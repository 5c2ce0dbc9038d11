#!/usr/bin/env bash
# Starts and stops a throw-away PostgreSQL server for the tests and benchmarks.
#
#   tests/pg_server.sh start [WATCH_PID]   prints "DIR PORT" on stdout once the server
#                                         accepts connections (user postgres, database
#                                         postgres, trust authentication, 127.0.0.1:PORT)
#   tests/pg_server.sh stop DIR            stops it and deletes DIR
#
# PostgreSQL refuses to run as root, so initdb and pg_ctl run as the `postgres` user
# (runuser) when this script runs as root.  The data directory is a fresh temporary
# folder under /tmp; the server listens on loopback only, on a free port, with
# max_prepared_transactions > 0 (two-phase commit) and without fsync (test data).
# With WATCH_PID, a watchdog stops the server and deletes DIR once that process is
# gone, so a test that crashes or is killed does not leave a server behind.
set -euo pipefail

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || { echo "pg_server: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
  echo "$d"
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
  local dir=$1 bin
  bin=$(bindir)
  [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  case "$dir" in /tmp/strom-pg-*) rm -rf "$dir" ;; esac
}

start() {
  local watch=${1:-} bin dir port tries=0
  bin=$(bindir)
  dir=$(mktemp -d /tmp/strom-pg-XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  if ! as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    exit 1
  fi
  while :; do
    port=$(free_port)
    if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_prepared_transactions=64 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    if [ $tries -ge 3 ]; then
      cat "$dir/server.log" >&2 || true
      rm -rf "$dir"
      exit 1
    fi
  done
  if [ -n "$watch" ]; then
    # The watchdog: detached, silent, polls the watched process.
    setsid bash -c "while kill -0 $watch 2>/dev/null; do sleep 1; done; '$0' stop '$dir'" </dev/null >/dev/null 2>&1 &
  fi
  echo "$dir $port"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:?usage: pg_server.sh stop DIR}" ;;
  *) echo "usage: pg_server.sh start [WATCH_PID] | stop DIR" >&2; exit 2 ;;
esac
