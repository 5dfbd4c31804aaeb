#!/usr/bin/env bash
# npm run bench: compile the bench (and the crossipc sources it measures) to plain JS for Node,
# then run the orchestrator. Node processes run the compiled JS because tsx's require hook
# slowed the same `ws` echo by 25–35%; Bun and Deno run the TypeScript sources natively.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf bench/.build
# Type errors elsewhere (work in progress in src/ or test/) must not stop the bench: tsc still
# emits; only a missing output is fatal.
node_modules/.bin/tsc -p bench/tsconfig.json >bench/.tsc.log 2>&1 || echo "bench: tsc reported type errors (see bench/.tsc.log); running what it emitted"
if [[ ! -f bench/.build/bench/run.js ]]; then
  cat bench/.tsc.log
  echo "bench: compiling failed" >&2
  exit 1
fi
exec node bench/.build/bench/run.js "$@"
