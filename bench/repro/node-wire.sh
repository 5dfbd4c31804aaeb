#!/usr/bin/env bash
# Session 28 (bench/ANALYSIS.md, "Session 28: the Node server at 64 KiB x 64"): the server's system calls
# for one load, to compare two servers' wire timing. Starts bench/node-ab-server.ts in <mode> and
# bench/node-ab-client.ts as <client> (both compiled: node_modules/.bin/tsc -p bench/tsconfig.json), warms
# up (the client's own 2,000 requests), attaches `strace -f` to the server for <ms> of the client's loop,
# then prints the summary of node-wire-sum.mjs.
#   AB_PAYLOAD=64k WS_NO_BUFFER_UTIL=1 bash bench/repro/node-wire.sh <mode> <client> <inflight> <ms> [out.st]
# mode: crossipc | nojournal | orig | raw | ref | answer; client: decode | plain | ipc | orig | raw.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.build/bench" || { echo "compile the bench first" >&2; exit 1; }
mode=$1 client=$2 inflight=$3 ms=$4 out=${5:-/tmp/node-wire-$1-$2-$3.st}
coproc SRV { node node-ab-server.js "$mode"; }
read -r line <&"${SRV[0]}"
port=$(sed 's/.*"port":\([0-9]*\).*/\1/' <<<"$line"); spid=$(sed 's/.*"pid":\([0-9]*\).*/\1/' <<<"$line")
coproc CLI { node node-ab-client.js "$port" "$client" "$inflight"; }
read -r _ <&"${CLI[0]}"
strace -f -tt -T -e trace=read,write,writev,readv,epoll_wait,epoll_pwait -o "$out" -p "$spid" 2>/dev/null &
tracer=$!
sleep 0.5
echo "$ms" >&"${CLI[1]}"; read -r answered <&"${CLI[0]}"
kill -INT "$tracer"; wait "$tracer" 2>/dev/null
exec {CLI[1]}>&-; exec {SRV[1]}>&-
wait 2>/dev/null
echo "$mode <- $client, $inflight in flight: $answered answered in $ms ms (load $(cut -d' ' -f1 /proc/loadavg))"
node "$here/node-wire-sum.mjs" "$out"
