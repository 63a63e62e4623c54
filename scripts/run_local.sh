#!/usr/bin/env bash
# `make run`: the search service (`nexus serve`) beside another command (dagster), stopped
# together. Ctrl-C or a TERM stops both; when the command ends, the service stops too; a
# service that cannot start (port taken) is reported and the command goes on without it.
#
#   scripts/run_local.sh .venv/bin/dagster dev -w workspace.yaml -p 3000
#
# NEXUS_SEARCH_HOST (default 127.0.0.1) and NEXUS_SEARCH_PORT (default 8700) place the service;
# NEXUS_API_KEY, when set, protects it.
set -uo pipefail
# Job control: each child runs in its own process group with SIGINT handled normally (a
# script's background jobs would otherwise ignore SIGINT, and dagster maps TERM onto that).
set -m

BIN="${BIN:-$(dirname "$0")/../.venv/bin}"
SEARCH_HOST="${NEXUS_SEARCH_HOST:-127.0.0.1}"
SEARCH_PORT="${NEXUS_SEARCH_PORT:-8700}"
GRACE_SECONDS="${NEXUS_STOP_GRACE_SECONDS:-20}"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

"$BIN/nexus" serve --host "$SEARCH_HOST" --port "$SEARCH_PORT" &
serve_pid=$!
"$@" &
main_pid=$!

alive() { kill -0 -- "-$1" 2>/dev/null; }

stop() {
  trap '' INT TERM
  local pid waited=0
  # INT first: both shut down cleanly (dagster stops its webserver and daemon, the service
  # removes its state file); whatever is left after the grace period is killed.
  for pid in "$main_pid" "$serve_pid"; do alive "$pid" && kill -INT -- "-$pid" 2>/dev/null; done
  while { alive "$main_pid" || alive "$serve_pid"; } && [ "$waited" -lt $((GRACE_SECONDS * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  for pid in "$main_pid" "$serve_pid"; do alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
}

trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

status=0
while :; do
  wait -n "$main_pid" "$serve_pid"
  status=$?
  if ! kill -0 "$main_pid" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    echo "run_local: the search service stopped (exit $status); $1 goes on without it" >&2
    wait "$main_pid"
    status=$?
    break
  fi
done
stop
exit "$status"
