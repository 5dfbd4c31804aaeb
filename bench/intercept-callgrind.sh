#!/usr/bin/env bash
# Instructions per request of a checkout's Node hub answering an intercept route's own
# `new Response(text)` (bench/node-intercept-hub.ts), counted by valgrind's callgrind: the count
# does not move with the machine's load, where CPU time per request did (bench/intercept-ab.ts's
# A/A at load 10–13 spread 0.92–1.45). 3,000 requests warm the hub up, the counters are zeroed,
# N more (2,000) are counted. JIT decisions still vary between processes: run each arm more than
# once, alternating, and compare with an A/A.
#   bench/intercept-callgrind.sh <checkout> <tag>     (about 3–4 minutes a run)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
CHECKOUT="$(cd "$1" && pwd)"; TAG=$2; N=${N:-2000}
[[ -f "$CHECKOUT/bench/node-intercept-hub.ts" ]] || cp "$HERE/bench/node-intercept-hub.ts" "$CHECKOUT/bench/"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/intercept-callgrind.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkfifo "$WORK/in"
(cd "$CHECKOUT" && exec valgrind --tool=callgrind --callgrind-out-file="$WORK/out.%p" node --import tsx bench/node-intercept-hub.ts <"$WORK/in" >"$WORK/stdout" 2>"$WORK/stderr") &
exec 3>"$WORK/in"
for _ in $(seq 600); do grep -q port "$WORK/stdout" 2>/dev/null && break; sleep 0.5; done
PORT=$(grep -o '"port":[0-9]*' "$WORK/stdout" | cut -d: -f2); PID=$(grep -o '"pid":[0-9]*' "$WORK/stdout" | cut -d: -f2)
load() { (cd "$HERE" && node -e "require('autocannon')({ url: 'http://127.0.0.1:$PORT/api/items', connections: 10, amount: $1 }).then((r) => { if (r.non2xx || r.errors) process.exit(1) })"); }
load 3000
callgrind_control -z "$PID" >/dev/null
load "$N"
callgrind_control -d "$PID" >/dev/null
exec 3>&-
wait
COUNTED=$(grep -m1 "^summary:\|^totals:" "$(ls "$WORK"/out.*.* | head -1)" | awk '{print $2}')
echo "$TAG: $((COUNTED / N)) instructions per request"
