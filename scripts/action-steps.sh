#!/usr/bin/env bash
# The steps of the paysandbox GitHub Action (action.yml), as one script so
# that CI (.ci/run) runs exactly what the action runs.
#
#   scripts/action-steps.sh build|start|wait|export|stop|all
#
# Settings (environment):
#   PAYSANDBOX_BIN      the binary to build and run (default: $RUNNER_TEMP/paysandbox, else ./paysandbox)
#   PAYSANDBOX_ADDR     HTTP listen address, also where clients reach it (default 127.0.0.1:8910)
#   PAYSANDBOX_ARGS     more serve flags, e.g. "--seed 42 --strict-auth"
#   PAYSANDBOX_WAIT     seconds to wait for health (default 30)
#   PAYSANDBOX_LOG      log file (default: beside the binary, paysandbox.log)
# export writes PAYSANDBOX_URL, PAYSANDBOX_KLARNA_URL, PAYSANDBOX_MULTISAFEPAY_URL and
# PAYSANDBOX_COMMERCELAYER_URL to $GITHUB_ENV and $GITHUB_OUTPUT when they are set, and prints them.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${PAYSANDBOX_BIN:-${RUNNER_TEMP:-$PWD}/paysandbox}"
addr="${PAYSANDBOX_ADDR:-127.0.0.1:8910}"
wait_s="${PAYSANDBOX_WAIT:-30}"
log="${PAYSANDBOX_LOG:-$(dirname "$bin")/paysandbox.log}"
pidfile="$(dirname "$bin")/paysandbox.pid"

# The address clients dial: ":8910" and "0.0.0.0:8910" listen everywhere and are reached on loopback.
dial="$addr"
case "$dial" in
  :*) dial="127.0.0.1$dial" ;;
  0.0.0.0:*) dial="127.0.0.1:${dial#0.0.0.0:}" ;;
esac
base="http://$dial"

build() {
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/paysandbox)
  echo "built $bin ($("$bin" version))"
}

start() {
  # shellcheck disable=SC2086 # PAYSANDBOX_ARGS is a list of flags
  nohup "$bin" serve --addr "$addr" --https-addr off --ephemeral ${PAYSANDBOX_ARGS:-} >"$log" 2>&1 &
  echo $! >"$pidfile"
  echo "started paysandbox (pid $(cat "$pidfile")) on $addr, log $log"
}

wait_ready() {
  local deadline=$((SECONDS + wait_s))
  until "$bin" health --url "$dial" --timeout 1s >/dev/null 2>&1; do
    if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "paysandbox exited before it was ready:" >&2; cat "$log" >&2; exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "paysandbox not ready after ${wait_s}s:" >&2; cat "$log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "paysandbox ready at $base"
}

export_urls() {
  local lines
  lines="PAYSANDBOX_URL=$base
PAYSANDBOX_KLARNA_URL=$base
PAYSANDBOX_MULTISAFEPAY_URL=$base/v1/json
PAYSANDBOX_COMMERCELAYER_URL=$base"
  [ -n "${GITHUB_ENV:-}" ] && echo "$lines" >>"$GITHUB_ENV"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    # Outputs are lower-case: url, klarna-url, multisafepay-url, commercelayer-url.
    local key value
    while IFS='=' read -r key value; do
      key="${key#PAYSANDBOX_}"; key="${key,,}"; key="${key//_/-}"
      echo "$key=$value" >>"$GITHUB_OUTPUT"
    done <<<"$lines"
  fi
  echo "$lines"
}

stop() {
  [ -f "$pidfile" ] || { echo "not started"; return 0; }
  local pid; pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$pidfile"
  echo "stopped paysandbox (pid $pid)"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  wait) wait_ready ;;
  export) export_urls ;;
  stop) stop ;;
  all) build; start; wait_ready; export_urls ;;
  *) echo "usage: $0 build|start|wait|export|stop|all" >&2; exit 2 ;;
esac
