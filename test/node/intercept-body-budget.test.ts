/**
 * Intercept routes (`interceptHttp`, `interceptRequest`) read each body up to `maxMessageSize`,
 * and nothing bounded them all together: 4,096 connections (the default `maxConnections`) each
 * bringing 64 MiB could make the hub hold 256 GiB. They now count against the budget the mocks'
 * bodies count against (`maxMockBodyBytes`): a body that would pass it answers 503 naming the
 * option, and its bytes come back when the handler is done. On Node, Bun and Deno hubs
 * (test/fixtures/intercept-budget-hub.ts: 2 MiB budget, bodies up to 2 MiB each), bodies sent
 * with a content-length and chunked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunked } from "../fixtures/_chunkedBody.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const KiB = 1024;
const HELD = "h".repeat(1536 * KiB);
const SECOND = "s".repeat(1024 * KiB);
const SMALL = "x".repeat(10 * KiB);

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: intercept routes' bodies stay within maxMockBodyBytes: past it 503, and the bytes come back when the handler is done`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/intercept-budget-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    const post = async (path: string, body: string, how: "length" | "chunked") => {
      const init: RequestInit & { duplex?: "half" } = { method: "POST", headers: { "content-type": "text/plain" } };
      if (how === "length") init.body = body;
      else {
        init.body = chunked(new TextEncoder().encode(body));
        init.duplex = "half";
      }
      const response = await fetch(url + path, init);
      return { status: response.status, body: (await response.json()) as { length?: number; error?: string } };
    };
    const waiting = async () => ((await (await fetch(`${url}/waiting`)).json()) as { waiting: number }).waiting;

    for (const [route, how] of [["", "length"], ["", "chunked"], ["-request", "length"], ["-request", "chunked"]] as const) {
      const what = `/hold${route} ${how}`;
      // One handler holds 1.5 MiB of the 2 MiB: a second body of 1 MiB does not fit, to either route.
      const holding = post(`/hold${route}`, HELD, how);
      for (let i = 0; (await waiting()) === 0; i++) {
        if (i > 300) assert.fail(`${what}: the held body never reached its handler`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const echo of ["/echo", "/echo-request"]) {
        const refused = await post(echo, SECOND, how);
        assert.equal(refused.status, 503, `${what}, then ${echo}: ${JSON.stringify(refused.body)}`);
        assert.match(refused.body.error!, /^The request body is not read for POST \/echo(-request)?: the hub already holds \d+ bytes of other requests' bodies for its mocks, replays and intercept routes, and this one \(\d+ bytes( so far)?\) would take it past maxMockBodyBytes \(2097152\): try again once some are answered$/);
        // A small one still fits.
        assert.deepEqual(await post(echo, SMALL, how), { status: 200, body: { length: SMALL.length } }, `${what}, then ${echo}: small`);
      }
      // Answered: its bytes come back, and the second body fits now.
      await fetch(`${url}/release`);
      assert.deepEqual(await holding, { status: 200, body: { length: HELD.length } }, what);
      assert.deepEqual(await post("/echo", SECOND, how), { status: 200, body: { length: SECOND.length } }, `${what}: after`);
      assert.deepEqual(await post("/echo-request", HELD, how), { status: 200, body: { length: HELD.length } }, `${what}: after`);
    }
    assert.deepEqual(await stopHub(hub), []);
  });
}
