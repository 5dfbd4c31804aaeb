#!/usr/bin/env bash
# The `bun test` suite (test/bun/): crossipc in-process in the Bun test runner, test files in
# parallel worker processes, every server on port 0. package.test.ts imports the built package
# by name, so dist/ is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

npm run --silent build
echo "--- bun $(bun --version): bun test"
timeout -k 10 180 bun test --parallel=2 --timeout=30000 test/bun
