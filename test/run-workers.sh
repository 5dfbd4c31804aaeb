#!/usr/bin/env bash
# Workers as framework clients (SPEC §6): Node worker_threads (20 and 24), Bun and Deno module
# Workers, 20 at once, talking to a hub in their parent and to one in another runtime's process;
# crossipc/client in a worker; connectMocks from a worker; a worker terminated mid-request.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1

echo "--- workers: node $(node --version), bun $(bun --version), $(deno --version | head -1)"
timeout -k 10 600 node --import tsx test/matrix/workers.ts
