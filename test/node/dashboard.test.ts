import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { setHubDescriber } from "../../src/server/_describe.ts";
import { startBackend, startServer } from "./_helpers.ts";

const double = IPCServer.defineRequest<number, number>("math/double");
const hello = IPCClient.defineRequest<string, string>("client/hello");

/** A GET with headers a browser would send (fetch cannot set Host or Sec-Fetch-Site itself). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on("error", reject);
  });
}

/** The dashboard key in the URL the server gives a browser. */
function keyOf(server: IPCServer): string {
  return decodeURIComponent(new URL(server.getDashboardUrl()).hash.slice("#key=".length));
}

test("with dashboard: false, /__crossipc/ is not served", async (t) => {
  const server = await startServer(t, { dashboard: false });
  const response = await fetch(`${server.getUrl()}/__crossipc/api/state`);
  assert.equal(response.status, 404);
  assert.match((await response.json()).error, /^No route for GET \/__crossipc\/api\/state/);
});

test("GET /__crossipc/api/state: server, clients with their traffic, services, routes with hits", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/users/:id", (_b, params) => ({ id: params.id }));
  server.onFrameworkMessage(double, (n) => n * 2);
  setHubDescriber(server, () => ({
    kind: "embedded",
    leader: true,
    services: [{ api: "users", strategy: "roundRobin", instances: [{ baseUrl: "http://127.0.0.1:4001", pathPrefix: "/users", owner: "client-1" }] }],
  }));
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect("worker-1");
  t.after(() => client.disconnect());
  client.onFrameworkRequest(hello, (name) => `hi ${name}`);
  await client.sendFrameworkRequest(double, 1);
  await client.sendFrameworkRequest(double, 2);
  await server.sendFrameworkMessage("worker-1", hello, "x");
  await fetch(`${server.getUrl()}/users/1`);

  const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.equal(state.url, server.getUrl());
  assert.equal(state.runtime, "node");
  assert.equal(state.runtimeVersion, process.versions.node);
  assert.equal(state.kind, "embedded");
  assert.equal(state.leader, true);
  assert.ok(state.uptimeMs >= 0 && state.startedAt <= Date.now());
  assert.equal(state.clients.length, 1);
  const [info] = state.clients;
  assert.equal(info.runtimeId, "worker-1");
  assert.deepEqual(info.requests, { in: 2, out: 1 });
  assert.equal(info.pending, 0);
  assert.ok(Math.abs(info.connectedAt - Date.now()) < 10_000);
  assert.deepEqual(state.services, [
    { api: "users", strategy: "roundRobin", instances: [{ baseUrl: "http://127.0.0.1:4001", pathPrefix: "/users", owner: "client-1" }] },
  ]);
  assert.deepEqual(state.routes, [{ method: "GET", path: "/users/:id", hits: 1 }]);
  assert.equal(state.journal.enabled, true);
  assert.equal(state.journal.size, 1000);

  client.disconnect();
  await new Promise((resolve) => server.onClientDisconnect(resolve));
  const after = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.deepEqual(after.clients, [], "a client that left is gone from the list");
});

test("GET /__crossipc/api/journal filters like journal.entries(), and refuses bad filters", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("POST", "/a", () => 1);
  await fetch(`${server.getUrl()}/a`, { method: "POST" });
  await fetch(`${server.getUrl()}/b`);
  await fetch(`${server.getUrl()}/c`);
  const base = `${server.getUrl()}/__crossipc/api/journal`;

  const all = await (await fetch(base)).json();
  assert.equal(all.enabled, true);
  assert.deepEqual(all.entries.map((e: { path: string }) => e.path), ["/a", "/b", "/c"], "the dashboard's own requests are not journaled");
  assert.equal(all.lastId, all.entries.at(-1).id);
  const paths = async (query: string) => (await (await fetch(`${base}?${query}`)).json()).entries.map((e: { path: string }) => e.path);
  assert.deepEqual(await paths("method=POST"), ["/a"]);
  assert.deepEqual(await paths("status=404"), ["/b", "/c"]);
  assert.deepEqual(await paths("status=4xx&path=/c"), ["/c"]);
  assert.deepEqual(await paths(`after=${all.entries[0].id}`), ["/b", "/c"]);
  assert.deepEqual(await paths("limit=1"), ["/c"]);

  const one = await (await fetch(`${base}/${all.entries[1].id}`)).json();
  assert.equal(one.path, "/b");
  assert.equal((await fetch(`${base}/999999`)).status, 404);

  const bad = await fetch(`${base}?status=teapot`);
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /status must be a number/);

  const cleared = await fetch(base, { method: "DELETE" });
  assert.equal(cleared.status, 200);
  assert.deepEqual(server.journal.entries(), []);
});

test("the dashboard page and its script are served, with a policy that forbids framing and foreign code", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const page = await fetch(`${server.getUrl()}/__crossipc/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /^text\/html/);
  assert.match(page.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
  const html = await page.text();
  const bare = await fetch(`${server.getUrl()}/__crossipc?x=1`, { redirect: "manual" });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get("location"), "/__crossipc/?x=1");
  assert.match(html, /<script src="app.js"><\/script>/);
  const script = await fetch(`${server.getUrl()}/__crossipc/app.js`);
  assert.match(script.headers.get("content-type")!, /^text\/javascript/);
  const source = await script.text();
  assert.doesNotThrow(() => new Function(source), "the script parses");
});

test("the dashboard answers loopback hosts and its own origin only", async (t) => {
  const server = await startServer(t, { dashboard: true, allowedOrigins: ["http://localhost:5173"] });
  const url = `${server.getUrl()}/__crossipc/api/state`;
  const own = new URL(server.getUrl()).origin;
  const key = { "x-crossipc-key": keyOf(server) };

  assert.equal((await get(url)).status, 200, "a script (no Origin, no Sec-Fetch-Site)");
  assert.equal((await get(url, { origin: own, "sec-fetch-site": "same-origin", ...key })).status, 200, "the page itself");
  assert.equal((await get(url, { "sec-fetch-site": "none", ...key })).status, 200, "a typed URL");
  assert.equal((await get(url, { host: `localhost:${server.getPort()}` })).status, 200);

  const rebinding = await get(url, { host: `evil.example:${server.getPort()}` });
  assert.equal(rebinding.status, 403);
  assert.match(JSON.parse(rebinding.body).error, /Host 'evil\.example:\d+' is not allowed/);
  const foreign = await get(url, { origin: "http://evil.example", "sec-fetch-site": "cross-site" });
  assert.equal(foreign.status, 403);
  assert.match(JSON.parse(foreign.body).error, /Origin 'http:\/\/evil\.example' is not allowed to read the dashboard/);
  assert.equal(foreign.headers["access-control-allow-origin"], undefined);
  assert.equal((await get(url, { "sec-fetch-site": "cross-site" })).status, 403, "a no-cors request from another site");
  assert.equal((await get(url, { "sec-fetch-site": "same-site", origin: "http://127.0.0.1:1" })).status, 403, "another port of the same host");
  assert.equal((await get(url, { origin: "http://localhost:5173", "sec-fetch-site": "same-site", ...key })).status, 200, "allowedOrigins");
  for (const path of ["/__crossipc/", "/__crossipc/api/journal", "/__crossipc/api/events", "/__crossipc/app.js"]) {
    assert.equal((await get(`${server.getUrl()}${path}`, { origin: "http://evil.example", "sec-fetch-site": "cross-site" })).status, 403, path);
  }
});

test("with an access token, the dashboard's JSON needs it (?token= or a Bearer header); the static page does not", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret" });
  const state = `${server.getUrl()}/__crossipc/api/state`;
  const refused = await fetch(state);
  assert.equal(refused.status, 401);
  assert.match((await refused.json()).error, /missing or wrong access token/);
  assert.equal((await fetch(`${state}?token=wrong`)).status, 401);
  assert.equal((await fetch(`${state}?token=s3cret`)).status, 200);
  assert.equal((await fetch(state, { headers: { authorization: "Bearer s3cret" } })).status, 200);
  assert.equal((await fetch(`${server.getUrl()}/__crossipc/?token=s3cret`)).status, 200);
  assert.equal((await fetch(`${server.getUrl()}/__crossipc/`)).status, 200, "the page reads its key from the URL's fragment");
  assert.equal((await fetch(`${server.getUrl()}/__crossipc/api/journal`)).status, 401);
  assert.equal((await fetch(`${server.getUrl()}/__crossipc/app.js`)).status, 200, "the script carries nothing secret");
});

test("the event stream sends new journal entries as they come, and teardown ends it", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end("from backend"));
  const server = new IPCServer(0, { dashboard: true });
  assert.ok(await server.start());
  server.setRouteProxyResolver(() => backend.url);
  const response = await fetch(`${server.getUrl()}/__crossipc/api/events`);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const until = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      // At teardown the stream ends, or the connection is cut under it.
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return false;
      text += value;
    }
    return true;
  };
  assert.ok(await until(/event: state\ndata: \{"url":/), "the state comes first");
  await (await fetch(`${server.getUrl()}/api/orders?id=1`)).text();
  assert.ok(await until(/event: entries\ndata: .*"path":"\/api\/orders\?id=1"/));
  assert.match(text, /"takenBy":"proxy"/);

  await server.teardown();
  const rest = await until(/$^/); // reads to the end
  assert.equal(rest, false, "the stream ended with the server");
});
