/**
 * Intercept route patterns as grest-ts's test kit writes them for find-my-way: a regex
 * parameter, a duplicate route, a trailing slash.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackend, startServer } from "./_helpers.ts";

test("a regex parameter /re/:id(^\\d+$) matches only values it accepts; others fall through", async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(`backend ${req.url}`));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  server.interceptHttp("GET", "/re/:id(^\\d+$)", (_body, params) => ({ number: params.id }));
  server.interceptHttp("GET", "/by/:id(^\\d+$)", (_body, params) => ({ number: params.id }));
  server.interceptHttp("GET", "/by/:slug", (_body, params) => ({ slug: params.slug }));
  server.interceptHttp("GET", "/plain/:id(\\d+)", (_body, params) => ({ plain: params.id }));

  assert.deepEqual(await (await fetch(`${server.getUrl()}/re/42`)).json(), { number: "42" });
  assert.equal(await (await fetch(`${server.getUrl()}/re/abc`)).text(), "backend /re/abc", "no route takes it: on to the proxy");
  assert.deepEqual(await (await fetch(`${server.getUrl()}/by/42`)).json(), { number: "42" });
  assert.deepEqual(await (await fetch(`${server.getUrl()}/by/abc`)).json(), { slug: "abc" }, "the next route takes it");
  assert.deepEqual(await (await fetch(`${server.getUrl()}/plain/7`)).json(), { plain: "7" });
  assert.deepEqual(server.journal.hits().find((r) => r.path === "/re/:id(^\\d+$)"), { method: "GET", path: "/re/:id(^\\d+$)", hits: 1 });

  server.removeInterceptHttp("GET", "/by/:id(^\\d+$)");
  assert.deepEqual(await (await fetch(`${server.getUrl()}/by/42`)).json(), { slug: "42" }, "removed: only the other route is left");
  assert.throws(() => server.interceptHttp("GET", "/bad/:id(^(a|b)$)", () => ({})), /Intercept route GET \/bad\/:id\(\^\(a\|b\)\$\): .*match :id and check the value in the handler/);
});

test("the same method and path twice throws, as find-my-way does; after removeInterceptHttp it can be added again", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/x", () => ({ first: true }));
  assert.throws(() => server.interceptHttp("GET", "/x", () => ({ second: true })), /^Error: Method 'GET' already declared for route '\/x'/);
  assert.throws(() => server.interceptRequest("get", "/x", () => new Response("second")), /Method 'GET' already declared for route '\/x'/);
  assert.deepEqual(await (await fetch(`${server.getUrl()}/x`)).json(), { first: true }, "the first route stays");
  server.interceptHttp("POST", "/x", () => ({ post: true }));
  server.interceptHttp("*", "/x", () => ({ any: true }));
  assert.throws(() => server.interceptHttp("*", "/x", () => ({})), /Method '\*' already declared for route '\/x'/);
  server.removeInterceptHttp("GET", "/x");
  server.interceptHttp("GET", "/x", () => ({ second: true }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/x`)).json(), { second: true });
  assert.equal(server.journal.hits().length, 3);
});

test("a trailing slash must match: /users/42/ is not /users/:id, /list is not /list/", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  server.interceptHttp("GET", "/list/", () => ({ list: true }));
  server.interceptHttp("GET", "/files/**:path", (_body, params) => ({ path: params.path }));
  server.interceptHttp("GET", "/", () => ({ root: true }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/users/42`)).json(), { id: "42" });
  assert.equal((await fetch(`${server.getUrl()}/users/42/`)).status, 404);
  assert.deepEqual(await (await fetch(`${server.getUrl()}/list/`)).json(), { list: true });
  assert.equal((await fetch(`${server.getUrl()}/list`)).status, 404);
  assert.equal((await fetch(`${server.getUrl()}/files/a/b/`)).status, 200, "a wildcard takes the slash");
  assert.deepEqual(await (await fetch(`${server.getUrl()}/`)).json(), { root: true });
  // Both spellings can be routes of their own.
  server.interceptHttp("GET", "/users/:id/", (_body, params) => ({ slashed: params.id }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/users/42/`)).json(), { slashed: "42" });
  assert.deepEqual(await (await fetch(`${server.getUrl()}/users/42`)).json(), { id: "42" });
});
