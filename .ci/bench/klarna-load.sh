#!/usr/bin/env bash
# Throughput of Klarna create-session (durable: fsync on, the default data file) and read-session, with
# wrk, 32 connections, on this machine. Usage: .ci/bench/klarna-load.sh [seconds]
# Needs wrk (apt-get install wrk). Results go to stdout; record them in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -o "$work/paysandbox" ./cmd/paysandbox
"$work/paysandbox" --addr 127.0.0.1:18910 --https-addr off --data "$work/bench.db" --log-level warn >/dev/null &
pid=$!
for _ in $(seq 100); do curl -sf 127.0.0.1:18910/_sandbox/health >/dev/null && break; sleep 0.05; done

auth="Authorization: Basic $(printf 'PK_BENCH_merchant:secret' | base64)"
body='{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":9500,"order_tax_amount":1900,"order_lines":[{"type":"physical","reference":"19-402","name":"Battery Power Pack","quantity":1,"unit_price":9500,"tax_rate":2500,"total_amount":9500,"total_discount_amount":0,"total_tax_amount":1900}]}'

cat > "$work/create.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "${auth#Authorization: }"
LUA
session=$(curl -sf -X POST 127.0.0.1:18910/payments/v1/sessions -H "$auth" -H 'Content-Type: application/json' -d "$body" | sed 's/.*"session_id":"\([^"]*\)".*/\1/')
cat > "$work/read.lua" <<LUA
wrk.headers["Authorization"] = "${auth#Authorization: }"
LUA

echo "== create session (POST /payments/v1/sessions), 32 connections, ${secs}s"
wrk -t2 -c32 -d"${secs}s" --latency -s "$work/create.lua" http://127.0.0.1:18910/payments/v1/sessions | grep -E 'Requests/sec|99%|Non-2xx|Socket errors|Latency '
echo "== read session (GET /payments/v1/sessions/{id}), 32 connections, ${secs}s"
wrk -t2 -c32 -d"${secs}s" --latency -s "$work/read.lua" "http://127.0.0.1:18910/payments/v1/sessions/$session" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors|Latency '
echo "== RSS after load: $(grep VmRSS /proc/$pid/status)"
