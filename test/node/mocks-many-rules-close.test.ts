/**
 * A connection that holds tens of thousands of rules (a suite that never removes its mocks, or a
 * careless process) closes: its rules go without freezing the hub, and another connection's rules
 * keep answering. rou3 counted a node's children on every route removal, so 40,000 distinct
 * patterns removed one by one froze a Node hub for minutes (25,000 took 69 s).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const RULES = 40_000;

test("closing a connection with 40,000 rules leaves the hub answering and other connections' rules in place", { timeout: 120_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  const url = server.getUrl();
  const keeper = await connectMocks(server.getPort());
  t.after(() => keeper.close());
  await keeper.intercept("GET", "/keep/:id", (_body, params) => ({ kept: params.id }));

  const careless = await connectMocks(server.getPort());
  // Added 1,000 at a time: each add waits for those sent before it, and 40,000 sent at once left
  // the last ones waiting past the request timeout (10 s) on a loaded machine (load 16 on 2 cores:
  // "Request '__crossipc/mocks/add' timed out after 10000ms"), the hub only busy.
  for (let first = 0; first < RULES; first += 1000) {
    await Promise.all(Array.from({ length: 1000 }, (_, k) => careless.intercept("GET", `/r${first + k}/x`, () => first + k)));
  }
  assert.equal(await (await fetch(`${url}/r123/x`)).json(), 123);

  await careless.close();
  const state = (await (await fetch(`${url}/__crossipc/api/state`)).json()) as { mocks: Array<{ path: string }> };
  assert.deepEqual(state.mocks.map((rule) => rule.path), ["/keep/:id"]);
  assert.equal((await fetch(`${url}/r123/x`)).status, 404);
  assert.deepEqual(await (await fetch(`${url}/keep/7`)).json(), { kept: "7" });

  // A pattern whose rules all went takes a new rule again.
  const again = await keeper.intercept("GET", "/r123/x", () => "again");
  assert.equal(await (await fetch(`${url}/r123/x`)).json(), "again");
  await again.remove();
  assert.equal((await fetch(`${url}/r123/x`)).status, 404);
});
