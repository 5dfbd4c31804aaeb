#!/usr/bin/env bash
# Mocks from any test runner (issue 17, SPEC §10): the same suite under vitest (threads pool),
# `bun test`, `node --test`, `Deno.test` and Playwright Test, eight files per runner in parallel against one hub
# (node) and one real service (bun); a test process SIGKILLed mid-suite per runner; a test that
# times out holding rules under vitest and node --test (connectMocks({ signal })); the README's
# runner examples, which import the built package by name (so dist/ is built and their types
# are checked against it first). Real processes on 127.0.0.1, ports found at run time. The
# driver is test/runners/run.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

npm run --silent build
tsc -p test/runners/examples/tsconfig.json
echo "--- runners: vitest $(vitest --version | cut -d' ' -f1 | cut -d/ -f2), bun $(bun --version), $(deno --version | head -1), node $(node --version), playwright $(playwright --version | cut -d' ' -f2)"
timeout -k 10 900 node --import tsx test/runners/run.ts "$@"
