#!/usr/bin/env bash
# Faults (SPEC §12) on hubs under Node, Bun and Deno, and from another process.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
timeout -k 10 300 node --import tsx --test --test-concurrency=1 test/faults/*.test.ts
