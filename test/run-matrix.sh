#!/usr/bin/env bash
# Cross-runtime matrix: the conformance suite in all nine server × client pairings
# (Node, Bun, Deno), then leader election among two Node, two Bun and two Deno processes.
# Real processes, real sockets on 127.0.0.1, port 0. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "--- conformance matrix (bun $(bun --version), $(deno --version | head -1), node $(node --version))"
timeout -k 10 240 node --import tsx test/matrix/matrix.ts

echo "--- leader election"
timeout -k 10 120 node --import tsx test/matrix/leader.ts

echo "--- streaming: 100 MiB up and down through a hub in each runtime"
timeout -k 10 240 node --import tsx test/matrix/streaming.ts
