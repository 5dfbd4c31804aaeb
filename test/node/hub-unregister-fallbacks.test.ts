/**
 * `discovery/unregister` from real connections, as grest-ts's services send it (hand-written
 * frames): each entry removes the first of these that holds an instance — the sender's own at
 * the entry's baseUrl; else the sender's own of the api at any baseUrl; else anyone's at that
 * baseUrl; else every instance of the api, as grest-ts did. Before, an entry that matched none of
 * the first and third removed nothing: a service that unregistered with another URL than it
 * registered stayed routed, and an unregister of the api by name alone (grest-ts's "removes
 * those apis") left every instance.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceHub } from "../../adapters/node.ts";
import { rawSocket, type RawSocket } from "./_helpers.ts";

const url = (port: number) => `http://127.0.0.1:${port}`;

/** A connection (`runtimeId`) that registers `users` at the given ports. */
async function service(t: { after(fn: () => unknown): void }, hub: ServiceHub, runtimeId: string, ports: number[]): Promise<RawSocket> {
  const socket = await rawSocket(hub.getPort(), `?runtimeId=${runtimeId}`);
  t.after(() => socket.close());
  if (ports.length) {
    socket.send(`r:1:discovery/register:${JSON.stringify(ports.map((port) => ({ api: "users", baseUrl: url(port), pathPrefix: "/users" })))}`);
    assert.equal(await socket.next(), 's:1:discovery/register:{"success":true}');
  }
  return socket;
}

async function unregister(socket: RawSocket, id: number, port: number): Promise<void> {
  socket.send(`r:${id}:discovery/unregister:[{"api":"users","baseUrl":"${url(port)}","pathPrefix":"/users"}]`);
  assert.equal(await socket.next(), `s:${id}:discovery/unregister:{"success":true}`);
}

/** What is left of `users`: "runtimeId port" for each instance. */
function left(hub: ServiceHub): string[] {
  return hub
    .routes()
    .filter((route) => route.api === "users")
    .map((route) => `${route.runtimeId} ${new URL(route.baseUrl).port}`)
    .sort();
}

test("unregister: the sender's own instance at that baseUrl, its other baseUrls and others' replicas stay", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const a = await service(t, hub, "a", [4001, 4003]);
  await service(t, hub, "b", [4001, 4002]);
  await unregister(a, 2, 4001);
  assert.deepEqual(left(hub), ["a 4003", "b 4001", "b 4002"]);
});

test("unregister: at a baseUrl the sender does not own, the sender's own instances of the api go, others' stay", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const a = await service(t, hub, "a", [4001, 4003]);
  await service(t, hub, "b", [4002, 4009]);
  // 4009 is b's: a's own come first.
  await unregister(a, 2, 4009);
  assert.deepEqual(left(hub), ["b 4002", "b 4009"]);
});

test("unregister: a sender with no instance of the api removes anyone's at that baseUrl, and only those", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  await service(t, hub, "b", [4002]);
  await service(t, hub, "d", [4004]);
  const cleaner = await service(t, hub, "cleaner", []);
  await unregister(cleaner, 1, 4002);
  assert.deepEqual(left(hub), ["d 4004"]);
});

test("unregister: a baseUrl no instance has removes every instance of the api, as grest-ts did; other apis stay", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  await service(t, hub, "b", [4002]);
  const d = await service(t, hub, "d", [4004]);
  d.send(`r:2:discovery/register:[{"api":"orders","baseUrl":"${url(4005)}","pathPrefix":"/orders"}]`);
  assert.equal(await d.next(), 's:2:discovery/register:{"success":true}');
  const cleaner = await service(t, hub, "cleaner", []);
  await unregister(cleaner, 1, 4999);
  assert.deepEqual(left(hub), []);
  cleaner.send('r:2:discovery/discoverApi:"users"');
  assert.equal(await cleaner.next(), `s:2:discovery/discoverApi:{"success":true,"data":{"success":false,"error":"Service 'users' is not registered! Did you forget to start it?"}}`);
  assert.deepEqual(hub.routes().map((route) => `${route.api} ${route.baseUrl}`), [`orders ${url(4005)}`]);
});

test("unregister: one frame naming each of the sender's instances by another URL removes them, and others' replicas stay", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const a = await service(t, hub, "a", [4001, 4003]);
  await service(t, hub, "b", [4002]);
  // `localhost` for `127.0.0.1`, one entry per instance: the first entry already removes both of a's
  // (its own at any baseUrl), which must not leave the second to remove every instance of the api.
  const entries = [4001, 4003].map((port) => ({ api: "users", baseUrl: `http://localhost:${port}`, pathPrefix: "/users" }));
  a.send(`r:2:discovery/unregister:${JSON.stringify(entries)}`);
  assert.equal(await a.next(), 's:2:discovery/unregister:{"success":true}');
  assert.deepEqual(left(hub), ["b 4002"]);
});
