/**
 * A HEAD meets a step's GET rules when its own rules hand it on, as a GET does: a `*` rule that
 * answers `passthrough()` hands a GET on to an older GET rule of the same step (README: "to an
 * older matching rule of the same step"); a HEAD went past that GET rule to the next step (404),
 * since the `*` rule counted as a rule of its own (80cee8d looked at the GET rules only when none
 * matched). The `*` rule is asked once, not again among the GET ones.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, passthrough } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("a HEAD that a * rule hands on meets the older GET rule of the same step, as the GET does", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const get = await mocks.intercept("GET", "/x", () => ({ ok: 1 }));
  const any = await mocks.intercept("*", "/x", () => passthrough());
  const got = await fetch(`${server.getUrl()}/x`);
  assert.equal(got.status, 200);
  assert.deepEqual(await got.json(), { ok: 1 });
  const head = await fetch(`${server.getUrl()}/x`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), got.headers.get("content-type"));
  assert.equal(await head.text(), "");
  assert.deepEqual([any.calls, get.calls], [2, 2], "each rule asked once per request");
});
