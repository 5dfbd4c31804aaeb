#!/usr/bin/env bash
# Mocks from any process (SPEC §10) across runtimes: connectMocks from Node, Bun and Deno against
# hubs under Node, Bun and Deno, including a test process SIGKILLed mid-request.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
timeout -k 10 300 node --import tsx test/matrix/mocks.ts
