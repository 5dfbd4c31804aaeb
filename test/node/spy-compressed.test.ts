/**
 * A spy's `return fetch(service)` (README "A mock and a spy") and a `connectMocks` handler
 * returning `fetch()`'s answer, in front of a service that compresses, on hubs in Node, Bun and
 * Deno (real processes; Deno with the README's `--allow-net=127.0.0.1`): the client reads the
 * service's JSON. `fetch` hands the handler the body decoded but keeps the service's
 * `content-encoding: gzip` (and on Node its `content-length`): the hub sent plain bytes under
 * them, and the client's fetch failed to decode them (src/_decodedAnswer.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

const PAYLOAD = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) };

for (const runtime of RUNTIMES) {
  test(`${runtime}: a fetched gzip answer returned by a spy or a mock reaches the client readable`, async () => {
    const hub = start(runtime, "test/fixtures/spy-compressed-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    const result = await hub.nextJson(60_000, "what the client read");
    assert.equal(await waitExit(hub, 20_000, "exit"), 0);
    const readable = { status: 200, encoding: null, body: PAYLOAD };
    assert.deepEqual(result, { spied: readable, mocked: readable });
    assert.equal(hub.stderr(), "", `${runtime} printed on stderr`);
  });
}
