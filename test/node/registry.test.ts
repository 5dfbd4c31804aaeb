/**
 * The hub's registry under load: every step is O(1) per entry (20,000 prefixes from 20
 * connections register while other requests keep being answered), a connection holds at most
 * `maxRoutesPerClient` routes, and eviction of 1,000 routes leaves nothing behind.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HubRequests, IPCClient, ServiceHub, type HubEntry, type HubEvent } from "../../adapters/node.ts";
import { Registry } from "../../src/hub/_registry.ts";
import { rejection, startBackend, waitFor } from "./_helpers.ts";

async function startHub(t: { after(fn: () => unknown): void }, options: ConstructorParameters<typeof ServiceHub>[1] = {}): Promise<ServiceHub> {
  const hub = new ServiceHub(0, options);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  return hub;
}

async function member(t: { after(fn: () => unknown): void }, hub: ServiceHub, runtimeId: string): Promise<IPCClient> {
  const client = new IPCClient(hub.getPort(), { heartbeatInterval: 0 });
  await client.connect(runtimeId);
  t.after(() => client.disconnect());
  return client;
}

/** `count` apis of one service process, prefixes of many lengths (`/s3/p-17/…`). */
function entries(service: number, count: number, baseUrl: string): HubEntry[] {
  return Array.from({ length: count }, (_, i) => ({ api: `svc-${service}-${i}`, baseUrl, pathPrefix: `/s${service}/p-${i}/${"x".repeat(i % 40)}` }));
}

test("20,000 prefixes from 20 connections register, and a request behind them is answered", { timeout: 120_000 }, async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(req.url));
  const hub = await startHub(t);
  const members = await Promise.all(Array.from({ length: 20 }, (_, i) => member(t, hub, `bulk-${i}`)));
  const probe = await member(t, hub, "probe");

  // Each register, and a request sent behind them, is answered within the client's timeout
  // (generous: the whole batch takes about a second; it once took most of a minute).
  const registered = members.map((client, i) => client.sendFrameworkRequest(HubRequests.register, entries(i, 1000, backend.url), 15_000));
  const discovered = probe.sendFrameworkRequest(HubRequests.discoverApi, "svc-19-999", 15_000);
  await Promise.all(registered);
  assert.deepEqual(await discovered, { success: true, url: hub.getUrl() });

  assert.equal(hub.routes().length, 20_000);
  for (const [service, i] of [[0, 0], [7, 39], [19, 999], [12, 500]] as const) {
    const path = `/s${service}/p-${i}/${"x".repeat(i % 40)}/deeper`;
    const answer = await fetch(`${hub.getUrl()}${path}`);
    assert.equal(await answer.text(), path);
  }
  // The longest prefix wins among prefixes of many lengths: /s1/p-1/x is also a prefix of /s1/p-1x…
  assert.equal((await fetch(`${hub.getUrl()}/s1/p-10/${"x".repeat(10)}`)).status, 200);
});

test("a connection holds at most maxRoutesPerClient routes: a register past it fails clearly and registers nothing", async (t) => {
  const hub = await startHub(t, { maxRoutesPerClient: 1000 });
  const client = await member(t, hub, "greedy");
  const tooMany = await rejection(client.sendFrameworkRequest(HubRequests.register, entries(1, 1001, "http://127.0.0.1:1"), 10_000));
  assert.match(tooMany.message, /1001 entries in one request; at most 1000/);
  assert.equal(hub.routes().length, 0);

  await client.sendFrameworkRequest(HubRequests.register, entries(1, 990, "http://127.0.0.1:1"), 10_000);
  const past = await rejection(client.sendFrameworkRequest(HubRequests.register, entries(2, 11, "http://127.0.0.1:1"), 10_000));
  assert.match(past.message, /at most 1000 routes; this one holds 990 and asked for 11 more\. Nothing was registered/);
  assert.equal(hub.routes().length, 990, "nothing of the refused register");
  // Moving registered entries to new prefixes, and the last 10, fit.
  const moved = entries(1, 990, "http://127.0.0.1:1").map((entry) => ({ ...entry, pathPrefix: `/moved${entry.pathPrefix}` }));
  await client.sendFrameworkRequest(HubRequests.register, [...moved, ...entries(2, 10, "http://127.0.0.1:1")], 10_000);
  assert.equal(hub.routes().length, 1000);
  assert.equal(hub.routes().filter((r) => r.pathPrefix.startsWith("/moved/")).length, 990);

  // Another connection has its own allowance; addRoute is not counted.
  const other = await member(t, hub, "other");
  await other.sendFrameworkRequest(HubRequests.register, entries(3, 1000, "http://127.0.0.1:1"), 10_000);
  hub.addRoute({ api: "local", baseUrl: "http://127.0.0.1:1", pathPrefix: "/local" });
  assert.equal(hub.routes().length, 2001);

  const long = await rejection(client.sendFrameworkRequest(HubRequests.register, [{ api: "a", baseUrl: "http://127.0.0.1:1", pathPrefix: `/${"p".repeat(3000)}` }], 10_000));
  assert.match(long.message, /pathPrefix of an entry is 3001 characters long; at most 2048/);
  assert.throws(() => new ServiceHub(0, { maxRoutesPerClient: 0 }), /maxRoutesPerClient must be a positive integer/);
});

test("a connection's 1,000 routes are evicted when it closes, and nothing of them routes any more", async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(req.url));
  const hub = await startHub(t);
  const events: HubEvent[] = [];
  hub.onEvent((event) => events.push(event));
  const leaving = await member(t, hub, "leaving");
  const staying = await member(t, hub, "staying");
  await leaving.sendFrameworkRequest(HubRequests.register, entries(1, 1000, backend.url), 10_000);
  await staying.sendFrameworkRequest(HubRequests.register, [{ api: "kept", baseUrl: backend.url, pathPrefix: "/s1/p-5" }], 10_000);
  leaving.disconnect();
  await waitFor(() => events.some((e) => e.type === "routesEvicted"), "the eviction");
  const evicted = events.find((e) => e.type === "routesEvicted") as Extract<HubEvent, { type: "routesEvicted" }>;
  assert.equal(evicted.routes.length, 1000);
  assert.deepEqual(hub.routes().map((r) => r.api), ["kept"]);
  assert.deepEqual(hub.describe().services.map((s) => s.api), ["kept"]);
  assert.equal((await fetch(`${hub.getUrl()}/s1/p-999/${"x".repeat(999 % 40)}`)).status, 404);
  assert.equal(await (await fetch(`${hub.getUrl()}/s1/p-5/${"x".repeat(5)}`)).text(), `/s1/p-5/${"x".repeat(5)}`, "the shorter prefix of another owner answers now");
});

test("Registry: the prefix lengths stay ordered as prefixes come and go", () => {
  const registry = new Registry();
  const route = (pathPrefix: string, owner = "o") => ({ api: `api${pathPrefix}`, baseUrl: `http://h${pathPrefix}`, pathPrefix, owner });
  for (const prefix of ["/a", "/abc", "/ab", "/abcd", "/b"]) registry.add(route(prefix));
  assert.equal(registry.match("/abcde")?.api, "api/abcd");
  registry.remove((r) => r.pathPrefix === "/abcd");
  assert.equal(registry.match("/abcde")?.api, "api/abc");
  registry.remove((r) => r.pathPrefix === "/abc" || r.pathPrefix === "/ab");
  assert.equal(registry.match("/abcde")?.api, "api/a");
  registry.add(route("/abcd", "p"));
  assert.equal(registry.match("/abcde")?.api, "api/abcd");
  assert.equal(registry.removeOwner("p").length, 1);
  assert.equal(registry.match("/abcde")?.api, "api/a");
  assert.equal(registry.size, 2);
  // The same (owner, api, baseUrl) moves to a new prefix; the old prefix goes with it.
  registry.add({ ...route("/b"), pathPrefix: "/zz" });
  assert.equal(registry.match("/b"), undefined);
  assert.equal(registry.match("/zz/1")?.api, "api/b");
  assert.equal(registry.size, 2);
});
