/**
 * connectMocks in the Deno test runner with every sanitizer on (SPEC §10): a test that adds
 * rules through a hub started outside it, uses them and closes them leaves no op, timer or
 * socket behind, so `Deno.test` suites can use it as they are.
 */
import assert from "node:assert/strict";
import { crossipc, Deno, startServer } from "./_deno.ts";

const { connectMocks, scopeHeaders } = crossipc;
// The hub lives outside the tests below, as a suite's shared hub does.
const hub = await startServer();
hub.interceptRequest("GET", "/orders/:id", async (request, params) => {
  const user = await fetch(`${hub.getUrl()}/users/${params.id}`, { headers: scopeHeaders(request) });
  return Response.json({ order: params.id, user: await user.json() });
});

Deno.test("a scope's mocks answer only its requests, nested calls included, and close() leaves nothing open", async () => {
  const mocks = await connectMocks(hub.getUrl(), { runtimeId: "deno-test" });
  const scope = mocks.scope();
  const rule = await scope.intercept("GET", "/users/:id", (_body, params) => ({ mocked: params.id }));
  const body = await (await fetch(`${hub.getUrl()}/orders/5`, { headers: scope.headers })).json();
  assert.deepEqual(body, { order: "5", user: { mocked: "5" } });
  assert.equal(rule.calls, 1);
  assert.deepEqual((await scope.entries({ path: "/users/5" })).map((e) => e.takenBy), ["mock"]);
  await mocks.close();
});

Deno.test("await using closes the scope and the connection", async () => {
  {
    await using mocks = await connectMocks(hub.getUrl());
    await using scope = mocks.scope("deno-using");
    await scope.intercept("GET", "/flags", () => ({ beta: true }));
    assert.deepEqual(await (await fetch(`${hub.getUrl()}/flags`, { headers: scope.headers })).json(), { beta: true });
  }
  const gone = await fetch(`${hub.getUrl()}/flags`, { headers: { "x-crossipc-scope": "deno-using" } });
  assert.equal(gone.status, 404);
  await gone.body?.cancel();
});

Deno.test("a handler's Response.error() answers 500 {\"error\"} naming it, as a throw does (the hub answered 502: it could not send status 0)", async () => {
  await using mocks = await connectMocks(hub.getUrl());
  await mocks.interceptRequest("GET", "/network-error", () => Response.error());
  await mocks.intercept("GET", "/function", () => (() => "data") as unknown as object);
  const answers = [];
  for (const path of ["/network-error", "/function"]) {
    const response = await fetch(`${hub.getUrl()}${path}`);
    answers.push([response.status, await response.json()]);
  }
  assert.deepEqual(answers, [
    [500, { error: "Mock GET /network-error answered a Response with status 0 (Response.error() is a network error, not an answer), which HTTP cannot send" }],
    [500, { error: "Mock GET /function answered a function, which is neither data JSON can carry nor a Response" }],
  ]);
});

Deno.test("the shared hub stops", async () => {
  await hub.teardown();
});
