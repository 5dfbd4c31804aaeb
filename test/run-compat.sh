#!/usr/bin/env bash
# What grest-ts's code needs from crossipc, in real Node, Bun and Deno processes run in the
# environment a person has (no NO_COLOR): connect error codes and grest-ts's retry loop, the
# CROSSIPC_* environment opt-ins, Deno with only --allow-net, and heap after start/teardown cycles.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "--- compat: node $(node --version), bun $(bun --version), $(deno --version | head -1)"
timeout -k 10 600 node --import tsx test/matrix/compat.ts
