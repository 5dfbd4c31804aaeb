/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client of its own
 * that adds one rule whose pattern is deep but within the 2,048 characters a remote pattern may
 * have: `/a/a/…/a/:x`, 1,023 segments. rou3's compiler recurses once per segment and writes code
 * nested as deep, which overflowed the stack on Node and Deno (Bun's is deeper); the router is
 * compiled on a lookup once 16 have found it unchanged, and again on the next lookup after a
 * failure, so from the 16th request on every request through the hub answered 500, mocked or not,
 * until the rule went. The same with a fault at such a pattern (POST /__crossipc/api/faults), and
 * with the server's own intercept route (`interceptHttp`, compiled at its first lookup) on Node.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawMocks } from "./_rawMocks.ts";
import { startServer } from "../node/_helpers.ts";

const DEEP = `${"/a".repeat(1022)}/:x`;
const DEEP_PATH = `${"/a".repeat(1022)}/z`;

/** 40 requests for `path`: their statuses, counted (the router is compiled after 16 lookups). */
async function statuses(port: number, path: string): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (let i = 0; i < 40; i++) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    await response.arrayBuffer();
    counts[response.status] = (counts[response.status] ?? 0) + 1;
  }
  return counts;
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: a rule or a fault at a pattern of 1,023 segments leaves every other request answered`, async (t) => {
    const { port, stderr } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const { request, nextRef } = await rawMocks(t, port, ({ x }) => ({ status: 200, headers: [["content-type", "text/plain"]], body: { text: x === undefined ? "ok" : `deep ${x}` } }));
    assert.equal(DEEP.length, 2047);
    for (const path of [DEEP, "/ok"]) assert.equal((await request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "intercept", method: "GET", path })).success, true, path);

    assert.deepEqual(await statuses(port, "/ok"), { 200: 40 });
    const deep = await fetch(`http://127.0.0.1:${port}${DEEP_PATH}`);
    assert.equal(deep.status, 200);
    assert.equal(await deep.text(), "deep z");

    const fault = await fetch(`http://127.0.0.1:${port}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ match: { path: DEEP }, fault: { status: 503 } }) });
    assert.equal(fault.status, 201, await fault.text());
    assert.deepEqual(await statuses(port, "/ok"), { 200: 40 });
    assert.equal((await fetch(`http://127.0.0.1:${port}${DEEP_PATH}`)).status, 503);
    assert.doesNotMatch(stderr(), /RangeError|call stack/);
  });
}

test("node, in process: an intercept route of 1,023 segments leaves the other routes answered", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", DEEP, (_body, params) => ({ deep: params["x"] }));
  server.interceptHttp("GET", "/ok", () => ({ ok: true }));
  assert.deepEqual(await statuses(server.getPort(), "/ok"), { 200: 40 });
  assert.deepEqual(await (await fetch(`${server.getUrl()}${DEEP_PATH}`)).json(), { deep: "z" });
});
