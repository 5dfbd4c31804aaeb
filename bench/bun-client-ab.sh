#!/bin/bash
# A/B of two client modes of bench/bun-client-probe.ts against one Bun hub (bench/bun-front-hub.ts,
# behind its front): BLOCKS blocks, a fresh hub for each, PAIRS pairs of client runs per block (a
# fresh client process for every run, which mode goes first alternating). Prints one line per run:
# block, pair, the probe's JSON (client CPU per request), the hub's CPU per request over the run
# (every thread, /proc/<pid>/task/*/schedstat) and the 1-minute load. An A/A: the same mode twice.
#   bash bench/bun-client-ab.sh native batch [BLOCKS=4] [PAIRS=3] [INFLIGHT=64] [MS=1500]
cd "$(dirname "$0")/.." || exit 1
BUN=node_modules/.bin/bun
A=$1; B=$2; BLOCKS=${3:-4}; PAIRS=${4:-3}; INFLIGHT=${5:-64}; MS=${6:-1500}
OUT=$(mktemp)
cpu() { local t=0 a; for f in /proc/"$1"/task/*/schedstat; do read -r a _ < "$f" 2>/dev/null && t=$((t + a)); done; echo $t; }
for block in $(seq "$BLOCKS"); do
  exec 3< <(exec sleep 3600 2>/dev/null); HOLD=$!
  $BUN bench/bun-front-hub.ts unix <&3 > "$OUT" 2>&1 & HUB=$!
  for _ in $(seq 50); do grep -q '"port"' "$OUT" && break; sleep 0.1; done
  PORT=$(grep -o '"port":[0-9]*' "$OUT" | cut -d: -f2); PID=$(grep -o '"pid":[0-9]*' "$OUT" | cut -d: -f2)
  for pair in $(seq "$PAIRS"); do
    if (( (pair + block) % 2 )); then order="$A $B"; else order="$B $A"; fi
    for mode in $order; do
      before=$(cpu "$PID")
      line=$(timeout 30 $BUN bench/bun-client-probe.ts "$PORT" "$mode" "$INFLIGHT" "$MS")
      after=$(cpu "$PID")
      count=$(grep -o '"count":[0-9]*' <<< "$line" | cut -d: -f2)
      echo "$block $pair $mode $line hub_us=$(echo "scale=2; ($after - $before) / 1000 / $count" | bc) load=$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
  kill "$HUB" "$HOLD" 2>/dev/null; exec 3<&-; wait "$HUB" 2>/dev/null
done
rm -f "$OUT"
