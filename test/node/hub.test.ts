/**
 * ServiceHub in-process on Node: the discovery requests on the wire (hand-written frames,
 * answers byte for byte), routing by longest prefix and strategy, eviction, intercepts, the
 * WebSocket proxy and the events the CLI prints.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { IPCServer, ServiceHub, type HubEvent } from "../../adapters/node.ts";
import { describeHub } from "../../src/server/_describe.ts";
import { startEchoService } from "../fixtures/_echoService.ts";
import { rawSocket, startBackend, waitFor } from "./_helpers.ts";

async function startHub(t: { after(fn: () => unknown): void }, kind?: "bin" | "embedded"): Promise<ServiceHub> {
  const hub = new ServiceHub(0, { kind });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  return hub;
}

async function named(t: { after(fn: () => unknown): void }, name: string) {
  return startBackend(t, (req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name, url: req.url })));
}

async function get(hub: ServiceHub, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${hub.getUrl()}${path}`);
  return { status: response.status, body: await response.json() };
}

test("wire: the five discovery requests answer byte for byte", async (t) => {
  const hub = await startHub(t);
  const raw = await rawSocket(hub.getPort(), "?runtimeId=users-1");
  t.after(() => raw.close());
  raw.send('r:1:discovery/register:[{"api":"users","baseUrl":"http://127.0.0.1:4001","pathPrefix":"/users"}]');
  assert.equal(await raw.next(), 's:1:discovery/register:{"success":true}');
  raw.send('r:2:discovery/discoverApi:"users"');
  assert.equal(await raw.next(), `s:2:discovery/discoverApi:{"success":true,"data":{"success":true,"url":"${hub.getUrl()}"}}`);
  raw.send('r:3:discovery/discoverApi:"orders"');
  assert.equal(
    await raw.next(),
    `s:3:discovery/discoverApi:{"success":true,"data":{"success":false,"error":"Service 'orders' is not registered! Did you forget to start it?"}}`,
  );
  raw.send("r:4:discovery/getServerInfo:");
  assert.equal(await raw.next(), 's:4:discovery/getServerInfo:{"success":true,"data":{"kind":"embedded"}}');
  raw.send('r:5:discovery/unregister:[{"api":"users","baseUrl":"http://127.0.0.1:4001","pathPrefix":"/users"}]');
  assert.equal(await raw.next(), 's:5:discovery/unregister:{"success":true}');
  raw.send('r:6:discovery/discoverApi:"users"');
  assert.equal(
    await raw.next(),
    `s:6:discovery/discoverApi:{"success":true,"data":{"success":false,"error":"Service 'users' is not registered! Did you forget to start it?"}}`,
  );
});

test("wire: getServerInfo says bin for a CLI hub; requestYield answers, then frees the port", async (t) => {
  const hub = new ServiceHub(0, { kind: "bin" });
  await hub.start();
  const port = hub.getPort();
  const events: HubEvent[] = [];
  hub.onEvent((event) => events.push(event));
  const raw = await rawSocket(port);
  raw.send("r:1:discovery/getServerInfo:");
  assert.equal(await raw.next(), 's:1:discovery/getServerInfo:{"success":true,"data":{"kind":"bin"}}');
  raw.send("r:2:discovery/requestYield:");
  assert.equal(await raw.next(), 's:2:discovery/requestYield:{"success":true}');
  await once(raw.ws, "close");
  const probe = new IPCServer(port);
  await waitFor(() => events.some((e) => e.type === "yielded"), "the yielded event");
  assert.equal(await probe.start(), true, "the port is free after the yield");
  await probe.teardown();
});

test("wire: a register that is not an array of entries gets a clear error and changes nothing", async (t) => {
  const hub = await startHub(t);
  const raw = await rawSocket(hub.getPort());
  t.after(() => raw.close());
  raw.send('r:1:discovery/register:{"api":"users"}');
  const answer = JSON.parse((await raw.next()).slice("s:1:discovery/register:".length));
  assert.equal(answer.success, false);
  assert.match(answer.error, /array of \{api, baseUrl, pathPrefix\}/);
  raw.send('r:2:discovery/register:[{"api":"users","baseUrl":"not a url","pathPrefix":"/users"}]');
  assert.match(JSON.parse((await raw.next()).slice("s:2:discovery/register:".length)).error, /baseUrl of 'users'/);
  // A query in a base URL came out in front of every request's path (`/?x=1/users/1`).
  raw.send('r:3:discovery/register:[{"api":"users","baseUrl":"http://127.0.0.1:4001?x=1","pathPrefix":"/users"}]');
  assert.match(JSON.parse((await raw.next()).slice("s:3:discovery/register:".length)).error, /baseUrl of 'users' must not have a query or fragment/);
  assert.throws(() => hub.addRoute({ api: "users", baseUrl: "http://127.0.0.1:4001/#x", pathPrefix: "/users" }), /must not have a query or fragment/);
  assert.deepEqual(hub.routes(), []);
});

test("the owner is the sending connection, never the payload; (owner, api, baseUrl) is stored once", async (t) => {
  const hub = await startHub(t);
  const raw = await rawSocket(hub.getPort(), "?runtimeId=svc");
  t.after(() => raw.close());
  const entry = '{"api":"users","baseUrl":"http://127.0.0.1:4001","pathPrefix":"/users","owner":"someone-else","clientId":"client-99"}';
  raw.send(`r:1:discovery/register:[${entry},${entry}]`);
  await raw.next();
  raw.send(`r:2:discovery/register:[${entry}]`);
  await raw.next();
  const routes = hub.routes();
  assert.equal(routes.length, 1);
  assert.equal(routes[0]!.runtimeId, "svc");
  assert.match(routes[0]!.owner, /^client-\d+$/);
  assert.notEqual(routes[0]!.owner, "client-99");
  assert.deepEqual(Object.keys(routes[0]!).sort(), ["api", "baseUrl", "owner", "pathPrefix", "runtimeId"]);
});

test("HTTP goes to the longest matching prefix (string prefix, as grest-ts)", async (t) => {
  const hub = await startHub(t);
  const api = await named(t, "api");
  const users = await named(t, "users");
  const admin = await named(t, "admin");
  hub.addRoute({ api: "api", baseUrl: api.url, pathPrefix: "/api" });
  hub.addRoute({ api: "admin", baseUrl: admin.url, pathPrefix: "/api/users/admin" });
  hub.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/api/users" });
  assert.deepEqual((await get(hub, "/api/users/admin/7?x=1")).body, { name: "admin", url: "/api/users/admin/7?x=1" });
  assert.equal((await get(hub, "/api/users/42")).body.name, "users");
  assert.equal((await get(hub, "/api/usersX")).body.name, "users");
  assert.equal((await get(hub, "/api/orders")).body.name, "api");
  const missing = await get(hub, "/other");
  assert.equal(missing.status, 404);
  assert.match(missing.body.error, /No route for GET \/other/);
});

test("1,000 registered prefixes: every path still finds its own service", async (t) => {
  const hub = await startHub(t);
  const backend = await named(t, "many");
  for (let i = 0; i < 1000; i++) hub.addRoute({ api: `api-${i}`, baseUrl: `${backend.url}/never-${i}`, pathPrefix: `/svc-${i}/` });
  hub.addRoute({ api: "target", baseUrl: backend.url, pathPrefix: "/svc-500/deep/" });
  assert.equal(hub.routes().length, 1001);
  assert.equal((await get(hub, "/svc-500/deep/x")).body.url, "/svc-500/deep/x");
  assert.equal((await get(hub, "/svc-999/x")).body.url, "/never-999/svc-999/x");
  assert.equal((await get(hub, "/svc-5/x")).body.url, "/never-5/svc-5/x");
  assert.equal((await get(hub, "/svc-1000/x")).status, 404);
});

test("strategies: roundRobin by default, first, last, random, custom; per api", async (t) => {
  const hub = await startHub(t);
  const backends = await Promise.all(["a", "b", "c"].map((name) => named(t, name)));
  for (const b of backends) hub.addRoute({ api: "rr", baseUrl: b.url, pathPrefix: "/rr" });
  for (const b of backends) hub.addRoute({ api: "pick", baseUrl: b.url, pathPrefix: "/pick" });
  const names = async (path: string, n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await get(hub, path)).body.name);
    return out;
  };
  assert.deepEqual(await names("/rr", 6), ["a", "b", "c", "a", "b", "c"]);
  hub.setRoutingStrategy("pick", "first");
  assert.deepEqual(await names("/pick", 3), ["a", "a", "a"]);
  hub.setRoutingStrategy("pick", "last");
  assert.deepEqual(await names("/pick", 3), ["c", "c", "c"]);
  assert.deepEqual(await names("/rr", 3), ["a", "b", "c"], "another api keeps its own strategy");
  hub.setRoutingStrategy("pick", "random");
  const random = await names("/pick", 40);
  assert.ok(random.every((n) => ["a", "b", "c"].includes(n)));
  assert.ok(new Set(random).size > 1, `random picked ${[...new Set(random)]}`);
  hub.setRoutingStrategy("pick", { select: (instances, path) => instances[path.endsWith("/2") ? 1 : 2]! });
  assert.deepEqual(await names("/pick/2", 2), ["b", "b"]);
  assert.throws(() => hub.setRoutingStrategy("pick", "fastest" as "first"), /Unknown routing strategy 'fastest'/);
  assert.equal(describeHub(hub.server)?.services.find((s) => s.api === "pick")?.strategy, "custom");
});

test("a connection's routes are evicted when it closes without a word; other owners' stay", async (t) => {
  const hub = await startHub(t);
  const events: HubEvent[] = [];
  hub.onEvent((event) => events.push(event));
  const backend = await named(t, "replica");
  const entry = `{"api":"replica","baseUrl":"${backend.url}","pathPrefix":"/replica"}`;
  const a = await rawSocket(hub.getPort(), "?runtimeId=a");
  const b = await rawSocket(hub.getPort(), "?runtimeId=b");
  t.after(() => b.close());
  a.send(`r:1:discovery/register:[${entry},{"api":"only-a","baseUrl":"${backend.url}","pathPrefix":"/only-a"}]`);
  b.send(`r:1:discovery/register:[${entry}]`);
  await Promise.all([a.next(), b.next()]);
  assert.equal(hub.routes().length, 3);
  a.ws.terminate();
  await waitFor(() => events.some((e) => e.type === "routesEvicted"), "the eviction");
  const evicted = events.find((e) => e.type === "routesEvicted") as Extract<HubEvent, { type: "routesEvicted" }>;
  assert.equal(evicted.routes.length, 2);
  assert.equal(evicted.runtimeId, "a");
  assert.deepEqual(hub.routes().map((r) => [r.api, r.runtimeId]), [["replica", "b"]]);
  assert.equal((await get(hub, "/replica/1")).body.name, "replica");
  assert.equal((await get(hub, "/only-a/1")).status, 404);
});

test("a service process killed with SIGKILL loses its routes", async (t) => {
  const hub = await startHub(t);
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/hub-service.ts", "--hub", String(hub.getPort()), "--api", "doomed"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => child.kill("SIGKILL"));
  const [line] = (await once(child.stdout.setEncoding("utf8"), "data")) as [string];
  assert.equal(JSON.parse(line).registered, true);
  assert.equal((await get(hub, "/doomed/x")).body.service, "doomed");
  child.kill("SIGKILL");
  await waitFor(() => hub.routes().length === 0, "eviction after SIGKILL", 10_000);
  assert.equal((await get(hub, "/doomed/x")).status, 404);
});

test("unregister removes the sender's own instance; another process's replica stays", async (t) => {
  const hub = await startHub(t);
  const a = await rawSocket(hub.getPort());
  const b = await rawSocket(hub.getPort());
  t.after(() => (a.close(), b.close()));
  a.send('r:1:discovery/register:[{"api":"users","baseUrl":"http://127.0.0.1:4001","pathPrefix":"/users"}]');
  b.send('r:1:discovery/register:[{"api":"users","baseUrl":"http://127.0.0.1:4002","pathPrefix":"/users"}]');
  await Promise.all([a.next(), b.next()]);
  a.send('r:2:discovery/unregister:[{"api":"users","baseUrl":"http://127.0.0.1:4001","pathPrefix":"/users"}]');
  assert.equal(await a.next(), 's:2:discovery/unregister:{"success":true}');
  assert.deepEqual(hub.routes().map((r) => r.baseUrl), ["http://127.0.0.1:4002"]);
});

test("intercept routes win over the registry, and removing one falls back to the service", async (t) => {
  const hub = await startHub(t);
  const users = await named(t, "users");
  hub.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/users" });
  hub.server.interceptHttp("GET", "/users/:id", (_body, params) => ({ mocked: params.id }));
  assert.deepEqual((await get(hub, "/users/7")).body, { mocked: "7" });
  assert.equal((await get(hub, "/users/7/orders")).body.name, "users");
  hub.server.removeInterceptHttp("GET", "/users/:id");
  assert.equal((await get(hub, "/users/7")).body.name, "users");
});

test("WebSocket upgrades are proxied by prefix too", async (t) => {
  const hub = await startHub(t);
  const alpha = await startEchoService("alpha");
  const beta = await startEchoService("beta");
  t.after(() => Promise.all([alpha.close(), beta.close()]));
  hub.addRoute({ api: "alpha", baseUrl: alpha.url, pathPrefix: "/alpha" });
  hub.addRoute({ api: "beta", baseUrl: beta.url, pathPrefix: "/beta" });
  for (const name of ["alpha", "beta"]) {
    const ws = new WebSocket(`ws://127.0.0.1:${hub.getPort()}/${name}/live`);
    await once(ws, "open");
    ws.send("hello");
    const [data] = await once(ws, "message");
    assert.equal(String(data), `${name}:hello`);
    ws.close();
  }
});

test("addRoute, removeRoute, routes() and the events the CLI prints", async (t) => {
  const hub = await startHub(t);
  const events: string[] = [];
  const off = hub.onEvent((e) => events.push(e.type === "routeAdded" || e.type === "routeRemoved" ? `${e.type} ${e.route.api} ${e.route.baseUrl}` : e.type));
  hub.addRoute({ api: "users", baseUrl: "http://127.0.0.1:1", pathPrefix: "/users" });
  hub.addRoute({ api: "users", baseUrl: "http://127.0.0.1:2", pathPrefix: "/users" });
  hub.addRoute({ api: "users", baseUrl: "http://127.0.0.1:2", pathPrefix: "/users" });
  assert.deepEqual(hub.routes().map((r) => [r.baseUrl, r.owner]), [["http://127.0.0.1:1", "local"], ["http://127.0.0.1:2", "local"]]);
  assert.equal(hub.discover("users").success, true);
  hub.removeRoute("users", "http://127.0.0.1:1");
  hub.removeRoute("users");
  assert.deepEqual(hub.routes(), []);
  assert.throws(() => hub.addRoute({ api: "x", baseUrl: "nope", pathPrefix: "/x" }), /baseUrl/);
  off();
  hub.addRoute({ api: "late", baseUrl: "http://127.0.0.1:3", pathPrefix: "/late" });
  assert.deepEqual(events, [
    "routeAdded users http://127.0.0.1:1",
    "routeAdded users http://127.0.0.1:2",
    "routeRemoved users http://127.0.0.1:1",
    "routeRemoved users http://127.0.0.1:2",
  ]);
  const state = describeHub(hub.server);
  assert.deepEqual(state, { kind: "embedded", leader: true, services: [{ api: "late", strategy: "roundRobin", instances: [{ baseUrl: "http://127.0.0.1:3", pathPrefix: "/late", owner: "local" }] }] });
});

test("onYield replaces the default teardown", async (t) => {
  const hub = await startHub(t);
  let yielded = false;
  hub.onYield = () => {
    yielded = true;
  };
  const raw = await rawSocket(hub.getPort());
  t.after(() => raw.close());
  raw.send("r:1:discovery/requestYield:");
  assert.equal(await raw.next(), 's:1:discovery/requestYield:{"success":true}');
  await waitFor(() => yielded, "onYield");
  raw.send("r:2:discovery/getServerInfo:");
  assert.equal(await raw.next(), 's:2:discovery/getServerInfo:{"success":true,"data":{"kind":"embedded"}}', "still serving");
});

test("a ServiceHub attached to an existing IPCServer", async (t) => {
  const server = new IPCServer(0);
  const hub = new ServiceHub(server);
  assert.equal(hub.server, server);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const backend = await named(t, "attached");
  hub.addRoute({ api: "attached", baseUrl: backend.url, pathPrefix: "/" });
  assert.equal((await get(hub, "/anything")).body.name, "attached");
});
