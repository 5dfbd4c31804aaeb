#!/usr/bin/env bash
# SPEC §10–12 as a user's test suites meet them: the packed tarball installed (npm) into a temp
# project, one `crossipc hub` per round (Node, then Bun, then Deno) and three real services (users
# on Node, shop on Bun, echo on Deno with a WebSocket), and every runner at the same time —
# vitest (three files, default pool), `bun test`, `node --test` (default concurrency), `deno test
# --parallel` (only --allow-net=127.0.0.1 and the env and write its harness needs) and Playwright
# Test (4 workers, headless Chromium), each test mocking the same routes with its own answers in
# its own scope (direct, nested through the shop, passthrough), faulting and replaying in its
# scope, playing a WebSocket server, or failing, timing out and being skipped mid-way holding
# rules; one runner's test process SIGKILLed mid-run with a request waiting on its handler (502)
# and a socket on its WebSocket mock (1011). The README's runner examples are taken from the
# README as they are and must pass. After each run the hub holds no rule and no fault, and
# unscoped requests reach the real services. Driver: test/user-runners/run.mts.
#   bash test/run-user-runners.sh [RUNS per hub, default 1]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CROSSIPC_BIN="$ROOT/node_modules/.bin" DENO_NO_UPDATE_CHECK=1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/crossipc-user-runners.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "--- npm pack, npm install the tarball into $WORK"
cp -r test/user-runners/. "$WORK/"
TARBALL="$(cd "$WORK" && npm pack --silent "$ROOT" | tail -1)"
(cd "$WORK" && npm install --silent --no-audit --no-fund "./$TARBALL")
# The runners themselves are the repository's (same versions a user would install).
for dep in vitest @playwright/test tsx @types/node; do
  mkdir -p "$(dirname "$WORK/node_modules/$dep")"
  ln -s "$ROOT/node_modules/$dep" "$WORK/node_modules/$dep"
done

# The README's runner examples, as the README shows them.
example() { awk -v start="$1" 'index($0, start) == 1 {f=1} f && /^```ts$/ {c=1; next} f && c && /^```$/ {exit} f && c {print}' README.md > "$WORK/$2"; [[ -s "$WORK/$2" ]] || { echo "FAIL: no README example after '$1'" >&2; exit 1; }; }
example '**vitest** (' tests/vitest/readme-basic.test.ts
example '**A vitest fixture**' tests/vitest/readme-fixture.test.ts
example '**`bun test`**' tests/bun/readme.test.ts
example '**`node --test`**' tests/node/readme.test.ts
example '**`Deno.test`**' tests/deno/readme.test.ts
example '**Playwright Test**' tests/pw/readme.spec.ts

cd "$WORK"
status=0
for hub in node bun deno; do
  mkdir -p "$WORK/out-$hub"
  HUB_RUNTIME=$hub R5_ROOT_OUT="$WORK/out-$hub" timeout -k 10 900 node --experimental-websocket --no-warnings --import tsx run.mts "${1:-1}" || status=1
done
exit $status
