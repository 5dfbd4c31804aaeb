#!/usr/bin/env bash
# Hostile clients and backends against hubs under Node, Bun and Deno (issue 21): malformed and
# smuggling HTTP over raw TCP, pipelined requests, proxied WebSocket floods, running out of sockets, and a Deno hub
# without the net permission for a target. Real processes on 127.0.0.1, port 0.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "--- hardening: HTTP"
timeout -k 10 300 node --import tsx test/hardening/http.ts
echo "--- hardening: proxied WebSocket floods"
timeout -k 10 300 node --import tsx test/hardening/websocket.ts
echo "--- hardening: pipelined requests and absolute-form targets"
timeout -k 10 300 node --import tsx test/hardening/pipeline.ts
echo "--- hardening: sockets"
timeout -k 10 300 node --import tsx test/hardening/sockets.ts
echo "--- hardening: the Deno hub's TCP front"
timeout -k 10 300 node --import tsx test/hardening/deno-front.ts
echo "--- hardening: the Bun and Deno fronts against Node's parser"
timeout -k 10 300 node --import tsx test/hardening/fronts.ts
echo "--- hardening: Deno net permission"
timeout -k 10 120 node --import tsx test/hardening/permission.ts
