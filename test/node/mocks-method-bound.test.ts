/** A rule's method from another process is an HTTP method token of at most 64 characters: the hub does not keep whatever it is sent. */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("a method of 10,000 characters is refused with a short message naming it; nothing is added", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const error = await mocks.intercept("A".repeat(10_000), "/x", () => "no").then(() => undefined, (reason: Error) => reason);
  assert.ok(error instanceof Error, "the rule was added");
  assert.match(error.message, /^Method "A{60}…" is not an HTTP method/);
  assert.ok(error.message.length < 200, `the message is ${error.message.length} characters long`);
  const state = (await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json()) as { mocks: unknown[] };
  assert.deepEqual(state.mocks, []);
  // A method of ordinary length still goes in.
  const rule = await mocks.intercept("PROPFIND", "/x", () => "yes");
  assert.equal(await (await fetch(`${server.getUrl()}/x`, { method: "PROPFIND" })).json(), "yes");
  await rule.remove();
});
