/**
 * A trailing `*` as grest-ts's test kit writes it for find-my-way: `/files/*` takes `/files/` and
 * everything below it, never `/files` itself, which goes on to the service behind the hub (as it
 * did in the original). rou3's own `/files/**` keeps rou3's meaning (it takes `/files` too).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackend, startServer } from "./_helpers.ts";

test("interceptHttp('/files/*') does not take /files: it falls through to the proxy", async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(`backend ${req.url}`));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  server.interceptHttp("GET", "/files/*", (_body, params) => params);
  server.interceptHttp("GET", "/any/**", () => "rou3 catch-all");

  assert.equal(await (await fetch(`${server.getUrl()}/files`)).text(), "backend /files");
  assert.equal(await (await fetch(`${server.getUrl()}/files?x=1`)).text(), "backend /files?x=1");
  assert.deepEqual(await (await fetch(`${server.getUrl()}/files/`)).json(), { "*": "" });
  assert.deepEqual(await (await fetch(`${server.getUrl()}/files/a/b.txt`)).json(), { "*": "a/b.txt" });
  assert.equal(await (await fetch(`${server.getUrl()}/any`)).json(), "rou3 catch-all");
});

test("without a proxy target, /files answers the built-in 404 rather than the /files/* handler", async (t) => {
  const server = await startServer(t);
  let calls = 0;
  server.interceptHttp("GET", "/files/*", () => ++calls);
  const response = await fetch(`${server.getUrl()}/files`);
  assert.equal(response.status, 404);
  assert.match((await response.json()).error, /^No route for GET \/files!/);
  assert.equal(calls, 0);
});
