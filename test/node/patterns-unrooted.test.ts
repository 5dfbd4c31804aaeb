/**
 * A pattern without its leading `/` (`users/:id`) is refused wherever a pattern is taken, with
 * find-my-way's words (the original's router threw "The first character of a path should be `/`
 * or `*`"): interceptHttp, interceptRequest, the mocks' intercept, interceptRequest and
 * interceptWebSocket, faults from the server, another process, the HTTP API and the CLI. rou3 read
 * it as `/users/:id`, so `users/:id` and `/users/:id` were one route under two names: both were
 * added (no "already declared"), removing `/users/:id` took the requests of `users/:id` too while
 * the dashboard still listed it. `*` alone stays find-my-way's catch-all.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { crossipc } from "./_cli.ts";
import { startServer } from "./_helpers.ts";

const REFUSED = /the first character of a path should be '\/' or '\*', as find-my-way's \(write "\/users\/:id"\)/;

test("a pattern without its leading / is refused everywhere, naming the pattern with it; nothing is added", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const url = server.getUrl();
  assert.throws(() => server.interceptHttp("GET", "users/:id", () => ({ ok: true })), REFUSED);
  assert.throws(() => server.interceptRequest("GET", "users/:id", () => new Response("x")), REFUSED);
  assert.throws(() => server.fault({ path: "users/:id" }, { status: 503 }), (error: Error) => error instanceof TypeError && REFUSED.test(error.message));

  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await assert.rejects(mocks.intercept("GET", "users/:id", () => ({ mocked: true })), REFUSED);
  await assert.rejects(scope.interceptRequest("GET", "users/:id", () => new Response("x")), REFUSED);
  await assert.rejects(scope.interceptWebSocket("users/:id", () => {}), REFUSED);
  await assert.rejects(scope.fault({ path: "users/:id" }, { status: 504 }), REFUSED);

  const posted = await fetch(`${url}/__crossipc/api/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match: { path: "users/:id" }, fault: { status: 502 } }),
  });
  assert.equal(posted.status, 400);
  assert.match(((await posted.json()) as { error: string }).error, REFUSED);
  const cli = await crossipc(["fault", "--path", "users/:id", "--status", "503"], { CROSSIPC_HUB_PORT: String(server.getPort()) });
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, REFUSED);

  assert.deepEqual(server.faults(), []);
  const state = (await (await fetch(`${url}/__crossipc/api/state`)).json()) as { routes: unknown[]; mocks: unknown[] };
  assert.deepEqual(state.routes, []);
  assert.deepEqual(state.mocks, []);
  assert.equal((await fetch(`${url}/users/1`)).status, 404, "nothing takes the request");
});

test("with the slash, a route is one route: added once, removed once; `*` alone is still the catch-all", async (t) => {
  const server = await startServer(t);
  const url = server.getUrl();
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ user: params.id }));
  assert.throws(() => server.interceptHttp("GET", "users/:id", () => ({})), REFUSED, "not a second name for the route");
  server.interceptHttp("GET", "*", () => "the catch-all");
  assert.deepEqual(await (await fetch(`${url}/users/1`)).json(), { user: "1" });
  server.removeInterceptHttp("GET", "users/:id");
  assert.deepEqual(await (await fetch(`${url}/users/1`)).json(), { user: "1" }, "removing a name it never had changes nothing");
  server.removeInterceptHttp("GET", "/users/:id");
  assert.equal(await (await fetch(`${url}/users/1`)).json(), "the catch-all");
  const fault = server.fault({ path: "*" }, { status: 503 });
  assert.equal((await fetch(`${url}/anything`)).status, 503);
  fault.remove();
});
