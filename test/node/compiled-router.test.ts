/**
 * A rule table, fault table or intercept routes with one deep pattern keep answering after V8 has
 * dropped the compiled matcher's bytecode (it does for a function not run for a few collections, and
 * compiles it again at the next call, from wherever that is): src/server/_compiledRouter.ts. Every
 * lookup from 1,000 frames deeper after collections finds `/b/:y`; a matcher that compiled at its
 * first call (775-785 segments on Node 20) threw "Maximum call stack size exceeded" there, which is
 * every request answered 500 on a hub. `--stress-flush-code` makes V8 drop it at each collection.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

test("a compiled matcher of a deep pattern finds the other routes after its bytecode is dropped", () => {
  const out = execFileSync(process.execPath, ["--expose-gc", "--stress-flush-code", "--import", "tsx", fileURLToPath(new URL("../fixtures/compiled-router-flush.ts", import.meta.url))], { encoding: "utf8", timeout: 120_000 });
  const outcomes = JSON.parse(out) as Record<string, string>;
  assert.ok(Object.keys(outcomes).length >= 90, out);
  const wrong = Object.entries(outcomes).filter(([, found]) => found !== "b");
  assert.deepEqual(wrong, []);
});
