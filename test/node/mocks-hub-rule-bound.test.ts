/**
 * Rules from all connections together are bounded (`maxMockRules`, default 200 000), not only
 * per connection (50 000): 50 000 rules with long patterns cost a Node hub 440 MiB, and any local
 * process can open many connections.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("past maxMockRules a rule from any connection is refused with a message naming the option; one removed makes room", async (t) => {
  const server = await startServer(t, { maxMockRules: 5, dashboard: true });
  const first = await connectMocks(server.getPort());
  const second = await connectMocks(server.getPort());
  t.after(() => Promise.all([first.close(), second.close()]));
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await first.intercept("GET", `/a${i}`, () => i));
  await second.scope("s1").intercept("GET", "/b0", () => "b0");
  await second.intercept("GET", "/b1", () => "b1");
  const refused = await second.intercept("GET", "/b2", () => "b2").then(() => undefined, (error: Error) => error);
  assert.ok(refused instanceof Error, "the sixth rule was added");
  assert.match(refused.message, /This hub already holds 5 rules from all connections, the most it takes \(the maxMockRules option\)/);
  const state = (await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json()) as { mocks: unknown[] };
  assert.equal(state.mocks.length, 5);

  await held[0]!.remove();
  await second.intercept("GET", "/b2", () => "b2");
  assert.equal(await (await fetch(`${server.getUrl()}/b2`)).json(), "b2");
});

test("past maxMockRules a fault from any connection is refused the same way", async (t) => {
  const server = await startServer(t, { maxMockRules: 2 });
  const first = await connectMocks(server.getPort());
  const second = await connectMocks(server.getPort());
  t.after(() => Promise.all([first.close(), second.close()]));
  const held = await first.fault({ path: "/a" }, { status: 503 });
  await second.scope("s1").fault({ path: "/b" }, { status: 503 });
  const refused = await second.fault({ path: "/c" }, { status: 503 }).then(() => undefined, (error: Error) => error);
  assert.ok(refused instanceof Error, "the third fault was added");
  assert.match(refused.message, /This hub already holds 2 faults, the most it takes \(the maxMockRules option\)/);
  await held.remove();
  await second.fault({ path: "/c" }, { status: 503 });
  assert.equal((await fetch(`${server.getUrl()}/c`)).status, 503);
});
