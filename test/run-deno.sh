#!/usr/bin/env bash
# The `deno test` suite (test/deno/): crossipc in-process with Deno's sanitizers on (leaked
# ops, resources or timers fail a test), including module Workers as framework clients.
# Type-checked once with Deno's own types (the source runs unbuilt on Deno), then run unchecked
# so each Worker does not check again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1

echo "--- $(deno --version | head -1): deno check + deno test"
timeout -k 10 60 deno check test/deno/*.ts
timeout -k 10 120 deno test -A --no-check test/deno/
