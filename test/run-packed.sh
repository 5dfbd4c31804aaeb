#!/usr/bin/env bash
# The packed package, as users get it: `npm pack`, install the tarball into a temp folder
# with its own package.json, then import "crossipc" by name from
#   - a plain Node ESM script (Node 20), a Bun script and a Deno script (the same .mjs),
#     each checking that the exports map picked its own adapter and that `crossipc/<runtime>`
#     is the same module (this replaced test/node/packed.test.ts);
#   - the original @grest-ts/ipc README's examples as written, importing "@grest-ts/ipc" installed
#     as an alias of the tarball (our README: Install and import), under Node, Bun and Deno;
#   - a hub in each runtime with a client from each runtime (nine pairings, packed build);
#   - the original README's TypeScript examples compiled with tsc --strict against the packed types;
#   - a TypeScript consumer compiled with tsc (types through the exports map), one without
#     @types/node under skipLibCheck: false and exactOptionalPropertyTypes (also on TypeScript
#     5.0), and a CommonJS one on TypeScript 5.0 (node10 resolution: typesVersions) run through
#     require(esm);
#   - crossipc/client bundled by esbuild for the browser;
#   - Deno with the least a user grants, in a terminal (a pty from `script`, where Deno would
#     prompt for a missing permission): a packed hub under deno with --replay and --record, a
#     Deno.test file of every mocks feature (type-checked, sanitizers on) with only
#     --allow-net=127.0.0.1:<port> and --allow-read of its HAR, and `crossipc fault` against it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BIN="$ROOT/node_modules/.bin"
# The environment a person has: no NO_COLOR, a colour terminal (Deno once died at import there).
unset NO_COLOR FORCE_COLOR
export TERM=xterm-256color DENO_NO_UPDATE_CHECK=1

WORK="$(mktemp -d "${TMPDIR:-/tmp}/crossipc-packed.XXXXXX")"
HUB_PID=""
cleanup() {
  [[ -n "$HUB_PID" ]] && kill "$HUB_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "--- npm pack (prepack builds dist/)"
TARBALL="$(cd "$WORK" && npm pack --silent "$ROOT" | tail -1)"
CONTENTS="$(tar -tzf "$WORK/$TARBALL")"
for file in package/dist/adapters/node.js package/dist/adapters/bun.js package/dist/adapters/deno.js package/dist/adapters/node.d.ts package/dist/src/index.js; do
  grep -qx "$file" <<<"$CONTENTS" || fail "$file missing from $TARBALL"
done
if grep -E '^package/(src|test|adapters|scratch|bench)/' <<<"$CONTENTS"; then fail "sources or tests shipped in $TARBALL"; fi
echo "$TARBALL: $(wc -l <<<"$CONTENTS") files, dist/ only"

echo "--- install into a consumer folder"
CONSUMER="$WORK/consumer"
mkdir -p "$CONSUMER"
cat >"$CONSUMER/package.json" <<JSON
{ "name": "consumer", "private": true, "type": "module" }
JSON
(cd "$CONSUMER" && timeout 300 npm install --silent --no-audit --no-fund --prefer-offline "$WORK/$TARBALL")
cp test/fixtures/packed/smoke.mjs test/fixtures/packed/hub.mjs test/fixtures/packed/client.mjs "$CONSUMER/"
cp test/fixtures/packed/types.ts.txt "$CONSUMER/types.ts"
[[ -e "$CONSUMER/node_modules/ws" || -e "$CONSUMER/node_modules/http-proxy" || -e "$CONSUMER/node_modules/find-my-way" ]] &&
  fail "ws, http-proxy or find-my-way installed as a run-time dependency"

run() { # run <runtime> <script> [args...]
  local runtime="$1"; shift
  case "$runtime" in
    node) (cd "$CONSUMER" && timeout 60 node "$@") ;;
    bun) (cd "$CONSUMER" && timeout 60 "$BIN/bun" "$@") ;;
    # Deno needs no permission but the network: nothing reads env vars or files at run time.
    deno) (cd "$CONSUMER" && timeout 60 "$BIN/deno" run --allow-net=127.0.0.1 --quiet "$@") ;;
  esac
}

echo "--- import { IPCServer, IPCClient } from \"crossipc\" in each runtime"
for runtime in node bun deno; do
  out="$(run "$runtime" smoke.mjs 2>"$WORK/stderr")" || fail "$runtime: smoke.mjs failed: $(cat "$WORK/stderr")"
  [[ -s "$WORK/stderr" ]] && fail "$runtime: the library printed to stderr: $(cat "$WORK/stderr")"
  expected="{\"runtime\":\"$runtime\",\"sum\":5,\"greeting\":\"hello hub from $runtime\",\"notification\":{\"payload\":\"fire and forget\",\"runtimeId\":\"w1\"},\"taken\":false,\"path\":\"/__ggFrameworkConnection\",\"socket\":\"function\",\"pickedOwnAdapter\":true}"
  [[ "$out" == "$expected" ]] || fail "$runtime: got $out, expected $expected"
  echo "ok   $runtime ($(case $runtime in node) node --version;; bun) "$BIN/bun" --version;; deno) "$BIN/deno" --version | head -1;; esac)): $out"
done

echo "--- the original README's examples as written, with @grest-ts/ipc an alias of the tarball, in each runtime"
(cd "$CONSUMER" && timeout 300 npm install --silent --no-audit --no-fund --prefer-offline "@grest-ts/ipc@file:$WORK/$TARBALL")
cp test/fixtures/packed/original-readme.mjs "$CONSUMER/"
expected='{"discovery":{"result":{"success":false,"error":"Service not registered"},"foundOwnUrl":true,"proxied":{"created":{"n":1}}},"runner":{"keys":["a","b"],"store":{"myKey":42}},"mock":{"status":200,"body":{"success":true,"statusCode":200,"data":{"id":"7","name":"Mock User"}}},"spy":{"status":200,"body":{"created":{"n":2}},"seen":[{"n":2},200]},"leader":{"before":[true,false],"followerTookOver":true}}'
for runtime in node bun deno; do
  out="$(run "$runtime" original-readme.mjs 2>"$WORK/stderr")" || fail "$runtime: original-readme.mjs failed: $(cat "$WORK/stderr")"
  [[ -s "$WORK/stderr" ]] && fail "$runtime: the original's examples printed to stderr: $(cat "$WORK/stderr")"
  [[ "$out" == "$expected" ]] || fail "$runtime: the original's examples gave $out, expected $expected"
  echo "ok   $runtime: discovery, runner <-> worker, mock and spy, leader election"
done

echo "--- packed hub in each runtime, packed clients from each runtime"
for server in node bun deno; do
  coproc HUB { run "$server" hub.mjs; }
  read -r -t 30 line <&"${HUB[0]}" || fail "$server hub did not start"
  port="$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$line")"
  for client in node bun deno; do
    out="$(run "$client" client.mjs "$port" 2>"$WORK/stderr")" || fail "$client client against $server hub failed: $(cat "$WORK/stderr")"
    [[ -s "$WORK/stderr" ]] && fail "$client client printed to stderr: $(cat "$WORK/stderr")"
    [[ "$out" == "{\"server\":\"$server\",\"client\":\"$client\"}" ]] || fail "$server ← $client: $out"
    echo "ok   $server hub ← $client client: $out"
  done
  exec {HUB[1]}>&-
  wait "$HUB_PID" || fail "$server hub did not exit cleanly after teardown"
  HUB_PID=""
done

echo "--- Deno with least permission, in a terminal: packed hub (--replay, --record), Deno.test of every mocks feature, crossipc fault"
# The README: with a package.json, Deno type-checks node: imports (node:assert) against @types/node.
(cd "$CONSUMER" && timeout 300 npm install --silent --no-audit --no-fund --prefer-offline -D @types/node)
cp test/fixtures/packed/deno-least.test.ts.txt "$CONSUMER/features.test.ts"
cp test/fixtures/packed/session.har "$CONSUMER/session.har"
plain() { sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$1"; }
DENO_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
# `exec` in the command: Deno is then script's own child, found by `pgrep -P` and alone in the
# terminal's foreground. Without it, `script` runs the command through $SHELL, or /bin/sh when
# SHELL is unset (as under a bare `docker run`): dash does not replace itself, and pgrep finds no deno.
(cd "$CONSUMER" && exec script -qec "exec '$BIN/deno' run --allow-net=127.0.0.1 --allow-read=. --allow-write=. node_modules/crossipc/dist/bin/crossipc.js hub --port $DENO_PORT --replay session.har --record recorded.har" /dev/null </dev/null >"$WORK/deno-hub" 2>&1) &
SCRIPT_PID=$!
for _ in $(seq 1 300); do grep -q "replaying 1 recorded request" "$WORK/deno-hub" 2>/dev/null && break; sleep 0.1; done
grep -q "replaying 1 recorded request from session.har" "$WORK/deno-hub" || fail "deno hub --replay --record did not start: $(plain "$WORK/deno-hub")"
HUB_PID="$(pgrep -P "$SCRIPT_PID" deno)" || fail "no deno process directly under script (pid $SCRIPT_PID): $(ps -o pid,args --ppid "$SCRIPT_PID")"
(cd "$CONSUMER" && timeout 120 script -qec "exec '$BIN/deno' test --allow-net=127.0.0.1:$DENO_PORT --allow-read=session.har features.test.ts -- $DENO_PORT" /dev/null </dev/null >"$WORK/deno-test" 2>&1) &&
  fail "Deno.test: the file's failing test did not fail: $(plain "$WORK/deno-test")"
plain "$WORK/deno-test" >"$WORK/deno-test.txt"
grep -q "| 8 passed | 1 failed" "$WORK/deno-test.txt" || fail "Deno.test: expected 8 passed and the one failing on purpose: $(cat "$WORK/deno-test.txt")"
failed_tests="$(grep " FAILED (" "$WORK/deno-test.txt")"
[[ "$(wc -l <<<"$failed_tests")" == 1 && "$failed_tests" == "FAILS ON PURPOSE: an assertion thrown inside await using"* ]] ||
  fail "Deno.test: a test other than the one failing on purpose failed: $(cat "$WORK/deno-test.txt")"
grep -qiE "Deno requests|leak|unhandled|NotCapable" "$WORK/deno-test.txt" && fail "Deno.test: a prompt, a leak or an unhandled error: $(cat "$WORK/deno-test.txt")"
fault_id="$(cd "$CONSUMER" && timeout 30 npx --no-install crossipc fault --port "$DENO_PORT" --path '/teapot/**' --status 418)" || fail "crossipc fault against the deno hub failed: $fault_id"
status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DENO_PORT/teapot/1")"
[[ "$status" == 418 ]] || fail "the fault $fault_id from crossipc fault did not answer 418 but $status"
(cd "$CONSUMER" && timeout 30 npx --no-install crossipc fault --port "$DENO_PORT" --clear "$fault_id" >/dev/null) || fail "crossipc fault --clear $fault_id failed"
kill -INT "$HUB_PID"
wait "$SCRIPT_PID" || fail "the deno hub did not exit 0 on SIGINT: $(plain "$WORK/deno-hub")"
HUB_PID=""
plain "$WORK/deno-hub" >"$WORK/deno-hub.txt"
grep -qiE "Deno requests|NotCapable|unhandled" "$WORK/deno-hub.txt" && fail "deno hub: a prompt or an error: $(cat "$WORK/deno-hub.txt")"
grep -q "^crossipc hub: recorded [0-9]* requests to recorded.har" "$WORK/deno-hub.txt" || fail "deno hub: no recording written: $(cat "$WORK/deno-hub.txt")"
node -e 'const har = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const paths = har.log.entries.map((e) => new URL(e.request.url).pathname); for (const p of ["/users/7", "/rec/a", "/teapot/1"]) if (!paths.includes(p)) { console.error(`${p} not in ${paths}`); process.exit(1); }' "$CONSUMER/recorded.har" ||
  fail "recorded.har does not hold the session's requests"
echo "ok   deno hub (--allow-net=127.0.0.1 --allow-read=. --allow-write=.), Deno.test (--allow-net=127.0.0.1:$DENO_PORT --allow-read=session.har): 8 features passed, the failing one left nothing at the hub; crossipc fault; recorded.har written on SIGINT"

echo "--- TypeScript consumer: types through the exports map (skipLibCheck, as consumers build)"
cat >"$CONSUMER/tsconfig.json" <<JSON
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "skipLibCheck": true, "types": [], "lib": ["ES2023", "DOM"] }, "files": ["types.ts"] }
JSON
(cd "$CONSUMER" && "$BIN/tsc" -p tsconfig.json) || fail "the packed types do not compile for a TypeScript consumer"
echo "ok   tsc"

echo "--- the original README's TypeScript examples as written, against the packed types (tsc --strict, skipLibCheck: false)"
# original-readme.mjs runs them; this compiles them as a TypeScript project written for the original
# would be, "@grest-ts/ipc" being the tarball. Also on TypeScript 5.0 below.
cp test/fixtures/packed/original-readme.ts.txt "$CONSUMER/original-readme.ts"
cat >"$CONSUMER/tsconfig.original.json" <<JSON
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "skipLibCheck": false, "types": [], "lib": ["ES2023", "DOM", "DOM.Iterable"] }, "files": ["original-readme.ts"] }
JSON
(cd "$CONSUMER" && "$BIN/tsc" -p tsconfig.original.json) || fail "the original README's TypeScript examples do not compile against the packed types"
echo "ok   tsc --strict: discovery server and client, runner <-> worker, mock and spy, leader election, typed requests both ways"

echo "--- TypeScript consumer without @types/node (skipLibCheck: false, exactOptionalPropertyTypes): the published types stand alone"
cp test/fixtures/packed/types-no-node.ts.txt "$CONSUMER/no-node.ts"
cp test/fixtures/packed/exact-optional.ts.txt "$CONSUMER/exact-optional.ts"
# Whatever a dependency may have brought, this consumer has no Node types to lean on.
rm -rf "$CONSUMER/node_modules/@types/node"
cat >"$CONSUMER/tsconfig.no-node.json" <<JSON
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "skipLibCheck": false, "types": [], "lib": ["ES2023", "DOM", "DOM.Iterable"], "exactOptionalPropertyTypes": true, "noUncheckedIndexedAccess": true, "verbatimModuleSyntax": true }, "files": ["no-node.ts", "exact-optional.ts"] }
JSON
(cd "$CONSUMER" && "$BIN/tsc" -p tsconfig.no-node.json) || fail "the packed types need @types/node (or do not compile) under skipLibCheck: false"
echo "ok   tsc without @types/node, skipLibCheck: false, exactOptionalPropertyTypes (crossipc and crossipc/client)"

echo "--- CommonJS TypeScript consumer on TypeScript 5.0 (module commonjs: node10 resolution, no exports map)"
# TypeScript 7 (the repository's) has no node10 resolution left; CommonJS projects on TypeScript 5
# still resolve this way, so the subpaths' types must come from typesVersions. Node >= 20.19 runs
# the compiled require() calls (require(esm)).
TS5="$WORK/ts5"
mkdir -p "$TS5" && echo '{ "name": "ts5", "private": true }' >"$TS5/package.json"
(cd "$TS5" && timeout 300 npm install --silent --no-audit --no-fund --prefer-offline typescript@5.0.4)
mkdir -p "$CONSUMER/cjs"
echo '{ "name": "cjs-consumer", "private": true, "type": "commonjs" }' >"$CONSUMER/cjs/package.json"
cp test/fixtures/packed/commonjs.ts.txt "$CONSUMER/cjs/main.ts"
cat >"$CONSUMER/cjs/tsconfig.json" <<JSON
{ "compilerOptions": { "module": "CommonJS", "target": "ES2022", "strict": true, "outDir": "out", "skipLibCheck": false, "types": [], "lib": ["ES2023", "DOM", "DOM.Iterable"] }, "files": ["main.ts"] }
JSON
(cd "$CONSUMER/cjs" && node "$TS5/node_modules/typescript/bin/tsc" -p tsconfig.json) ||
  fail "a CommonJS TypeScript 5 project cannot resolve crossipc's types (crossipc/client, crossipc/node …)"
out="$(cd "$CONSUMER/cjs" && timeout 60 node out/main.js)" || fail "require(\"crossipc\") from CommonJS failed"
[[ "$out" == '{"sum":5,"api":"users","page":"function","error":"function"}' ]] || fail "CommonJS consumer: got $out"
(cd "$CONSUMER" && node "$TS5/node_modules/typescript/bin/tsc" -p tsconfig.no-node.json) ||
  fail "the packed types do not compile on TypeScript 5.0 (nodenext, skipLibCheck: false)"
(cd "$CONSUMER" && node "$TS5/node_modules/typescript/bin/tsc" -p tsconfig.original.json) ||
  fail "the original README's TypeScript examples do not compile on TypeScript 5.0 against the packed types"
echo "ok   TypeScript $(node "$TS5/node_modules/typescript/bin/tsc" --version | cut -d' ' -f2): nodenext without @types/node as above; module commonjs, run by node $(node --version) through require(esm): $out"

echo "--- crossipc/client bundled for the browser from the packed package (esbuild)"
echo 'import { IPCClient } from "crossipc/client"; window.client = new IPCClient(9000);' >"$CONSUMER/page.js"
(cd "$CONSUMER" && "$BIN/esbuild" page.js --bundle --platform=browser --format=esm --metafile=meta.json --outfile=page.bundle.js --log-level=warning) ||
  fail "crossipc/client does not bundle for the browser"
node -e 'const inputs = Object.keys(require(process.argv[1]).inputs); const bad = inputs.filter((i) => /^node:|node_modules\/(crossws|h3|srvx|rou3|ws)\//.test(i)); if (bad.length) { console.error(bad.join("\n")); process.exit(1); }' "$CONSUMER/meta.json" ||
  fail "the browser bundle of crossipc/client pulls in node: modules or server code"
echo "ok   esbuild --platform=browser: $(wc -c <"$CONSUMER/page.bundle.js") bytes, no node: import"
# The README (as shipped) gives the sizes a user measures: they grew past it once unnoticed.
(cd "$CONSUMER" && "$BIN/esbuild" page.js --bundle --minify --platform=browser --format=esm --outfile=page.min.js --log-level=warning)
sizes="$(node -e '
  const [readme, plain, min] = process.argv.slice(1).map((f) => require("fs").readFileSync(f));
  const gzipped = require("zlib").gzipSync(min).length;
  const stated = /about ([0-9.]+) kB bundled by esbuild \(([0-9.]+) kB minified,\s+([0-9.]+) kB gzipped\)/.exec(readme.toString());
  if (!stated) { console.error("the README states no esbuild sizes for crossipc/client"); process.exit(1); }
  const measured = [plain.length, min.length, gzipped].map((n) => n / 1000);
  const off = measured.filter((kb, i) => Math.abs(kb - Number(stated[i + 1])) > Math.max(0.3, 0.1 * kb));
  const said = `README: ${stated.slice(1).join(" / ")} kB; measured ${measured.map((kb) => kb.toFixed(1)).join(" / ")} kB (bundled / minified / gzipped)`;
  if (off.length) { console.error(said); process.exit(1); }
  console.log(said);
' "$CONSUMER/node_modules/crossipc/README.md" "$CONSUMER/page.bundle.js" "$CONSUMER/page.min.js")" || fail "the README's sizes of crossipc/client are not what esbuild makes of it"
echo "ok   $sizes"

echo "packed: all green"
