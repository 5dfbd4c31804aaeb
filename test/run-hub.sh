#!/usr/bin/env bash
# The hub (`ServiceHub`, `joinHub`, `crossipc hub`) across runtimes, with real processes and
# ports found at run time:
#   - a ServiceHub in node, bun and deno answering hand-written discovery frames byte for byte;
#   - failover: six members (2 node, 2 bun, 2 deno), the leader SIGKILLed four times;
#   - the built CLI (dist/bin/crossipc.js) under node, bun and deno;
#   - `npx crossipc hub` from the packed package installed in a consumer folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/node_modules/.bin:$PATH"

npm run --silent build
echo "--- hub: wire answers, failover, CLI"
timeout -k 10 600 node --import tsx --test --test-concurrency=1 test/hub/*.test.ts

echo "--- hub: npx crossipc hub from the packed package"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/crossipc-hub-packed.XXXXXX")"
HUB_PID=""
cleanup() {
  [[ -n "$HUB_PID" ]] && kill -9 -- "-$HUB_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

TARBALL="$(cd "$WORK" && npm pack --silent "$ROOT" | tail -1)"
mkdir -p "$WORK/consumer"
echo '{ "name": "consumer", "private": true, "type": "module" }' >"$WORK/consumer/package.json"
(cd "$WORK/consumer" && timeout 300 npm install --silent --no-audit --no-fund --prefer-offline "$WORK/$TARBALL")
# Below the ephemeral range, as test/fixtures/_freePort.ts explains (a port 0 hands out can be taken meanwhile).
PORT="$(node --import tsx -e 'import("./test/fixtures/_freePort.ts").then(async (m) => console.log(await m.freePort()))')"

for runtime in node bun deno; do
  case "$runtime" in
    node) cmd=(npx --no-install crossipc hub) ;;
    bun) cmd=(bun node_modules/crossipc/dist/bin/crossipc.js hub) ;;
    # Only the network, in a colour terminal without NO_COLOR (citty's colour check reads TERM at
    # import, which Deno refuses without --allow-env); test/hub/bin.test.ts grants --allow-env.
    deno) cmd=(env -u NO_COLOR TERM=xterm-256color deno run --allow-net=127.0.0.1 node_modules/crossipc/dist/bin/crossipc.js hub) ;;
  esac
  # A session of its own (setsid), so the hub process under npx can be found and signalled.
  (cd "$WORK/consumer" && exec setsid "${cmd[@]}" --port "$PORT" --json >"$WORK/out" 2>"$WORK/err") &
  HUB_PID=$!
  for _ in $(seq 1 300); do grep -q '"event":"started"' "$WORK/out" 2>/dev/null && break; sleep 0.1; done
  grep -q "\"event\":\"started\".*\"url\":\"http://127.0.0.1:$PORT\".*\"runtime\":\"$runtime\"" "$WORK/out" ||
    fail "$runtime: ${cmd[*]} did not start: $(cat "$WORK/out" "$WORK/err")"
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nothing-registered")"
  [[ "$status" == "404" ]] || fail "$runtime: expected 404 from the empty hub, got $status"
  # SIGINT to the hub itself (under npx it is a grandchild; npm would answer a signal of its own with 130).
  # A hub not found is a failure here: `wait` would otherwise wait for it for ever.
  hub="$(pgrep -s "$HUB_PID" -f "bin/crossipc")" || fail "$runtime: no hub process in session $HUB_PID: $(ps -o pid,args -s "$HUB_PID")"
  kill -INT $hub
  wait "$HUB_PID" || fail "$runtime: the hub did not exit 0 on SIGINT: $(cat "$WORK/err")"
  HUB_PID=""
  grep -q '"event":"stopped"' "$WORK/out" || fail "$runtime: no stopped event: $(cat "$WORK/out")"
  [[ -s "$WORK/err" ]] && fail "$runtime: stderr: $(cat "$WORK/err")"
  if [[ "$runtime" == deno ]]; then
    (cd "$WORK/consumer" && env -u NO_COLOR TERM=xterm-256color deno run --allow-net=127.0.0.1 node_modules/crossipc/dist/bin/crossipc.js status --port "$PORT" >"$WORK/status" 2>&1 </dev/null) &&
      fail "deno: crossipc status with no hub up exited 0: $(cat "$WORK/status")"
    grep -q "NotCapable" "$WORK/status" && fail "deno: crossipc status needs --allow-env: $(cat "$WORK/status")"
  fi
  echo "ok   $runtime: ${cmd[*]} --port $PORT started, answered, stopped on SIGINT"
done
echo "hub: all green"
