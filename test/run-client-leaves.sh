#!/usr/bin/env bash
# A client that leaves while hubs under Node, Bun and Deno still work on its request: the
# backend's request ends (also after a rule read the body), the journal says the client went
# away, and an upgrade held by a timeout fault is let go.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
timeout -k 10 300 node --import tsx test/matrix/client-leaves.ts
