/**
 * The README's spy, `await request.clone().json()` in an `interceptRequest` handler, on hubs in
 * Node, Bun and Deno (real processes, Deno with the README's `--allow-net=127.0.0.1` and colour on):
 * the request and its clones each read the whole body, and the hub prints nothing. On Deno,
 * `clone()` read the request's inner signal, and `Deno.serve` printed its legacy-abort warning
 * (adapters/_deno-quiet-clone.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: a spy that clones the request forwards it whole and nothing is printed`, async () => {
    const hub = start(runtime, "test/fixtures/spy-clone-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"], unsetEnv: ["NO_COLOR"] });
    const result = await hub.nextJson(60_000, "the spy's result");
    assert.equal(await waitExit(hub, 20_000, "exit"), 0);
    assert.deepEqual(result, {
      status: 200,
      body: { created: { n: 1 } },
      seen: [{ n: 1 }],
      twice: { first: 100_000, second: 100_000, own: 100_000, before: false, after: true, signal: true },
    });
    assert.equal(hub.stderr(), "", `${runtime} printed on stderr`);
  });
}
