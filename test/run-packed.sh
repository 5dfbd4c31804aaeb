#!/usr/bin/env bash
# The packed package, as users get it: `npm pack`, install the tarball into a temp folder
# with its own package.json, then import "crossipc" by name from
#   - a plain Node ESM script (Node 20), a Bun script and a Deno script (the same .mjs),
#     each checking that the exports map picked its own adapter and that `crossipc/<runtime>`
#     is the same module (this replaced test/node/packed.test.ts);
#   - a hub in each runtime with a client from each runtime (nine pairings, packed build);
#   - a TypeScript consumer compiled with tsc (types through the exports map), one without
#     @types/node under skipLibCheck: false and exactOptionalPropertyTypes (also on TypeScript
#     5.0), and a CommonJS one on TypeScript 5.0 (node10 resolution: typesVersions) run through
#     require(esm);
#   - crossipc/client bundled by esbuild for the browser.
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

echo "--- TypeScript consumer: types through the exports map (skipLibCheck, as consumers build)"
cat >"$CONSUMER/tsconfig.json" <<JSON
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "skipLibCheck": true, "types": [], "lib": ["ES2023", "DOM"] }, "files": ["types.ts"] }
JSON
(cd "$CONSUMER" && "$BIN/tsc" -p tsconfig.json) || fail "the packed types do not compile for a TypeScript consumer"
echo "ok   tsc"

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
echo "ok   TypeScript $(node "$TS5/node_modules/typescript/bin/tsc" --version | cut -d' ' -f2): nodenext without @types/node as above; module commonjs, run by node $(node --version) through require(esm): $out"

echo "--- crossipc/client bundled for the browser from the packed package (esbuild)"
echo 'import { IPCClient } from "crossipc/client"; window.client = new IPCClient(9000);' >"$CONSUMER/page.js"
(cd "$CONSUMER" && "$BIN/esbuild" page.js --bundle --platform=browser --format=esm --metafile=meta.json --outfile=page.bundle.js --log-level=warning) ||
  fail "crossipc/client does not bundle for the browser"
node -e 'const inputs = Object.keys(require(process.argv[1]).inputs); const bad = inputs.filter((i) => /^node:|node_modules\/(crossws|h3|srvx|rou3|ws)\//.test(i)); if (bad.length) { console.error(bad.join("\n")); process.exit(1); }' "$CONSUMER/meta.json" ||
  fail "the browser bundle of crossipc/client pulls in node: modules or server code"
echo "ok   esbuild --platform=browser: $(wc -c <"$CONSUMER/page.bundle.js") bytes, no node: import"

echo "packed: all green"
