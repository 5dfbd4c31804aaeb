#!/usr/bin/env bash
# Record and replay (SPEC §11) on a hub in Node, Bun and Deno: record a varied session through a
# live service with `crossipc hub --record`, replay it with the service stopped, record the
# replay again and compare; bad recordings make `crossipc hub --replay` exit 2.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "--- record → replay → record on node, bun and deno hubs"
timeout -k 10 400 node --import tsx test/matrix/replay.ts
