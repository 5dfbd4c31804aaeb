/**
 * SPEC: `teardown()` resolves when the port is free again, a second call made while the first is
 * still closing too (test/fixtures/teardown-twice.ts; two dashboard streams open, which teardown
 * ends first). The second call found no listener and resolved at once, the port still bound: on
 * a Deno hub always, and on every hub once teardown waited a macrotask for the streams' ends.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: two teardown() calls at once both resolve with the port free`, { timeout: 60_000 }, async (t) => {
    const child = start(runtime, "test/fixtures/teardown-twice.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => child.proc.kill("SIGKILL"));
    const seen = await child.nextJson<{ resolved: Array<{ call: string; bindable: boolean }>; streams: string[] }>(45_000, "the teardowns");
    assert.deepEqual(
      [...seen.resolved].sort((a, b) => a.call.localeCompare(b.call)),
      [
        { call: "first", bindable: true },
        { call: "second", bindable: true },
      ],
    );
    assert.deepEqual(seen.streams, ["ended", "ended"]);
    assert.equal(await waitExit(child, 15_000, "exit"), 0, child.stderr());
  });
}
