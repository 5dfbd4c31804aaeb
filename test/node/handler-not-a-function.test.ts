/**
 * A handler that is not a function is refused when the rule is added, naming the rule: a
 * `TypeError` from `interceptHttp`/`interceptRequest`, a rejection from the mocks' `intercept`,
 * `interceptRequest` and `interceptWebSocket`, and nothing added. Before, each was taken, and
 * every request it took answered a 500 "route.handler is not a function" (or the WebSocket
 * upgrade failed) far from the mistake.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("interceptHttp and interceptRequest refuse a handler that is not a function", async (t) => {
  const server = await startServer(t);
  assert.throws(() => server.interceptHttp("GET", "/a", "nope" as never), { name: "TypeError", message: "Intercept route GET /a: the handler must be a function, got string" });
  assert.throws(() => server.interceptRequest("POST", "/b", null as never), { name: "TypeError", message: "Intercept route POST /b: the handler must be a function, got null" });
  const answer = await fetch(`${server.getUrl()}/a`);
  assert.equal(answer.status, 404, "nothing was added");
  await answer.body?.cancel();
  server.interceptHttp("GET", "/a", () => "ok");
  assert.equal(await (await fetch(`${server.getUrl()}/a`)).text(), '"ok"', "the route is still free to add");
});

test("the mocks' intercept, interceptRequest and interceptWebSocket reject a handler that is not a function", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await assert.rejects(mocks.intercept("GET", "/a", "nope" as never), { name: "TypeError", message: 'intercept("GET", "/a"): the handler must be a function, got string' });
  await assert.rejects(scope.interceptRequest("POST", "/b", {} as never), { name: "TypeError", message: 'interceptRequest("POST", "/b"): the handler must be a function, got object' });
  await assert.rejects(scope.interceptWebSocket("/c", undefined as never), { name: "TypeError", message: 'interceptWebSocket("/c"): the handler must be a function, got undefined' });
  const answer = await fetch(`${server.getUrl()}/a`);
  assert.equal(answer.status, 404, "nothing was added");
  await answer.body?.cancel();
});
