#!/usr/bin/env bash
# A test's scope through services instrumented with OpenTelemetry (SPEC §10: "no change to the
# services"), black-box: `npm pack`, then the tarball and the OpenTelemetry SDK for Node from the
# npm registry into a temp folder, as a user has them; test/fixtures/otel/chain.test.mjs runs
# there under `node --test` (a hub, service B, service A on Node with the SDK in each propagator
# and sampler setup, and on Deno with its built-in OpenTelemetry). The SDK is not a
# devDependency: ~85 MB of node_modules for this one file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export DENO_NO_UPDATE_CHECK=1
# The versions this was checked with; a newer SDK is a change to check, not to take silently.
OTEL_PACKAGES=(
  @opentelemetry/api@1.9.1
  @opentelemetry/sdk-node@0.223.0
  @opentelemetry/sdk-trace-base@2.12.1
  @opentelemetry/instrumentation@0.223.0
  @opentelemetry/instrumentation-http@0.223.0
  @opentelemetry/instrumentation-undici@0.33.0
)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/crossipc-otel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "--- npm pack"
TARBALL="$WORK/$(cd "$WORK" && npm pack --silent "$ROOT" | tail -1)"

echo "--- install crossipc and the OpenTelemetry SDK"
CONSUMER="$WORK/consumer"
mkdir -p "$CONSUMER"
echo '{ "name": "otel-consumer", "private": true, "type": "module" }' >"$CONSUMER/package.json"
cp "$ROOT"/test/fixtures/otel/*.mjs "$CONSUMER/"
(cd "$CONSUMER" && timeout 300 npm install --no-audit --no-fund --ignore-scripts "$TARBALL" "${OTEL_PACKAGES[@]}" >"$WORK/npm.log" 2>&1) ||
  fail "npm install failed: $(tail -20 "$WORK/npm.log")"

echo "--- node --test chain.test.mjs"
(cd "$CONSUMER" && DENO_BIN="$ROOT/node_modules/.bin/deno" timeout 300 node --test --test-reporter=spec chain.test.mjs)
