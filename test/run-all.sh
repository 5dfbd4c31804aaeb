#!/usr/bin/env bash
# The whole suite, as `npm test` runs it: types, Node 20 and Node 24, Bun, Deno, the
# cross-runtime matrix and the packed package. Stops at the first red step.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

step() { printf '\n=== %s\n' "$*"; }

step "typecheck (src, adapters, tests, type tests)"
tsc -p tsconfig.json

step "build"
npm run --silent build

step "node $(node --version): node suite"
node --import tsx --test --test-concurrency=1 test/node/*.test.ts

step "node 24: node suite"
npx -y node@24 --import tsx --test --test-concurrency=1 test/node/*.test.ts

for extra in test/run-*.sh; do
  [[ "$extra" == "test/run-all.sh" ]] && continue
  step "$extra"
  bash "$extra"
done
