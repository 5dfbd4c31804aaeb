#!/usr/bin/env bash
# SPEC §8, §10–12 as parallel test processes of every runner meet them (the s22 audit): the packed
# tarball installed (npm) into a temp project, one `crossipc hub --record` per round (Node, then
# Bun, then Deno) and two services with nested prefixes (users at /users, prefs at /users/prefs),
# then vitest, `bun test`, `node --test`, `deno test --parallel` (--allow-net=127.0.0.1, no -A) and
# Playwright Test (headless Chromium) at once, each running every scenario of
# test/audit-runners/scenarios.ts in its own scopes on the same routes: scope sources and their
# precedence, shadowing and uncovering, passthrough() with bodies through every step, the state's
# `mocks`, 500 texts and refused patterns, the journal and its HAR (scope filter, `_crossipc`,
# `postData._encoding`, a gzip answer's bodySize, base64), replay matching and onMiss 404, api
# limits under nested prefixes, faults, WebSocket mocks' frames and close codes, drop and close
# faults. Driver: test/audit-runners/run.mjs. `npm pack` builds dist/ first (prepack).
#   bash test/run-audit-runners.sh            (AUDIT_HUBS="node" for one hub)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CROSSIPC_BIN="$ROOT/node_modules/.bin" DENO_NO_UPDATE_CHECK=1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/crossipc-audit-runners.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

cp -r test/audit-runners/. "$WORK/"
TARBALL="$(cd "$WORK" && npm pack --silent "$ROOT" | tail -1)"
(cd "$WORK" && npm install --silent --no-audit --no-fund "./$TARBALL")
# The runners and the services' WebSocket server are the repository's (same versions a user would install).
for dep in vitest @playwright/test tsx @types/node ws; do
  mkdir -p "$(dirname "$WORK/node_modules/$dep")"
  ln -s "$ROOT/node_modules/$dep" "$WORK/node_modules/$dep"
done

cd "$WORK"
status=0
for hub in ${AUDIT_HUBS:-node bun deno}; do
  HUB_RUNTIME=$hub AUDIT_OUT="$WORK/out-$hub" timeout -k 10 600 node run.mjs || status=1
done
exit $status
