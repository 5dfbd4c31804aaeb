#!/usr/bin/env bash
# The order of a request (SPEC §10, §12) on hubs under Node, Bun and Deno: a request a rule read
# keeps the client's address, the order of a WebSocket upgrade, the bound on frames a latency
# fault holds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
timeout -k 10 300 node --import tsx test/matrix/pipeline.ts
