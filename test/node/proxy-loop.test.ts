/**
 * A proxy target that is the hub itself (a resolver, or a service registered at the hub's own URL,
 * as grest-ts's mock mode points an api at the hub): every request no rule takes came back to the
 * hub and was forwarded again, a new connection each turn, until proxyTimeout answered 504. The
 * hub answers 508 at once, naming the target.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { ServiceHub } from "../../adapters/node.ts";
import { hostname, networkInterfaces } from "node:os";
import { loopCheck, loopsBack } from "../../src/server/_selfTarget.ts";
import { startServer } from "./_helpers.ts";

test("a resolver pointing at the hub itself answers 508 at once, journaled, and intercepts still answer", async (t) => {
  const server = await startServer(t, { proxyTimeout: 30_000 });
  server.setRouteProxyResolver(() => `http://localhost:${server.getPort()}`);
  server.interceptHttp("GET", "/users/:id", (_b, params) => ({ id: params.id }));

  const response = await fetch(`${server.getUrl()}/orders/1?token=s3cret`);
  assert.equal(response.status, 508);
  const body = (await response.json()) as { error: string; target: string };
  assert.match(body.error, /^Proxy loop: http:\/\/localhost:\d+\/orders\/1\?token=\[redacted\] is this hub/);
  assert.doesNotMatch(JSON.stringify(body), /s3cret/);
  assert.deepEqual(await (await fetch(`${server.getUrl()}/users/7`)).json(), { id: "7" });
  const entry = server.journal.entries({ path: "/orders/1" }).at(-1)!;
  assert.equal(entry.status, 508);
  assert.equal(entry.takenBy, "proxy");
  assert.match(entry.error!, /Proxy loop/);
});

test("a service registered at the hub's own URL: 508 for HTTP and for a WebSocket upgrade", async (t) => {
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "mocked", baseUrl: `${hub.getUrl()}/`, pathPrefix: "/mocked" });
  assert.equal((await fetch(`${hub.getUrl()}/mocked/a`)).status, 508);

  const ws = new WebSocket(`${hub.getUrl().replace("http", "ws")}/mocked/socket`);
  const status = await new Promise<number>((resolve, reject) => {
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("open", () => reject(new Error("opened")));
    ws.on("error", () => undefined);
  });
  assert.equal(status, 508);
});

test("a service at the hub's URL with a base path asks the hub for another path: an intercept there answers", async (t) => {
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "legacy", baseUrl: `${hub.getUrl()}/v2`, pathPrefix: "/legacy" });
  hub.server.interceptHttp("GET", "/v2/legacy/:id", (_b, params) => ({ v2: params.id }));
  assert.deepEqual(await (await fetch(`${hub.getUrl()}/legacy/3`)).json(), { v2: "3" });
});

test("loopsBack: the names a target on this machine is written with, and nothing else", () => {
  const own = ["127.0.0.1"];
  // IPv4-mapped IPv6 spellings reach the IPv4 listener too.
  const mapped = ["http://[::ffff:127.0.0.1]:9000", "http://[::FFFF:7f00:1]:9000/", "http://[0:0:0:0:0:ffff:127.0.0.2]:9000/", "http://[::ffff:0.0.0.0]:9000"];
  for (const target of ["http://127.0.0.1:9000", "http://localhost:9000", "http://LOCALHOST:9000/", "http://[::1]:9000/", "http://127.0.0.2:9000/", "http://u:p@127.0.0.1:9000/", "ws://localhost:9000//", "http://0.0.0.0:9000", "http://[::]:9000", "http://[0::0]:9000/", ...mapped]) {
    assert.equal(loopsBack(target, 9000, own), true, target);
  }
  for (const target of ["http://127.0.0.1:9001/", "http://example.com:9000/", "http://127.0.0.1/", "http://10.0.0.1:9000/", "http://127.0.0.1:90000/", "http://[::ffff:10.0.0.1]:9000/", "http://[::ffff:127.0.0.1]:9001/", "http://[64:ff9b::7f00:1]:9000/"]) {
    assert.equal(loopsBack(target, 9000, own), false, target);
  }
  assert.equal(loopsBack("http://127.0.0.1/", 80, own), true, "the scheme's default port");
  assert.equal(loopsBack("http://127.0.0.1:9000/base", 9000, own), false, "a base path asks for another path");
  assert.equal(loopsBack("http://myhost:9000/", 9000, ["myhost"]), true, "the hub's own host");
  const machine = ["vm", "192.0.2.2", "[fd00::2]"];
  for (const target of ["http://VM:9000/", "http://vm.:9000", "http://192.0.2.2:9000/", "http://[fd00:0::2]:9000/", "http://[::ffff:192.0.2.2]:9000/"]) assert.equal(loopsBack(target, 9000, machine), true, target);
  for (const target of ["http://vm2:9000/", "http://vm.example:9000/", "http://192.0.2.3:9000/", "http://vm:9001/"]) assert.equal(loopsBack(target, 9000, machine), false, target);
});

test("a hub listening on every interface answers 508 for a target named by the machine's hostname or address on its port", async (t) => {
  // A hub reached by the machine's name admits that name (else the first turn is refused, 403, as a rebound DNS name would be).
  const server = await startServer(t, { hostname: "0.0.0.0", accessToken: "t0ken", allowedHosts: [hostname()] });
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((info) => !info.internal && info.family === "IPv4");
  for (const host of [hostname(), ...addresses.map((info) => info.address)]) {
    server.setRouteProxyResolver(() => `http://${host}:${server.getPort()}/`);
    const response = await fetch(`${server.getUrl()}/orders/1`);
    assert.equal(response.status, 508, host);
    assert.match(((await response.json()) as { error: string }).error, /^Proxy loop: /);
    assert.equal(server.journal.entries({ path: "/orders/1" }).length, 1, `${host}: the request came back`);
    server.journal.clear();
  }
});

test("a hub on ::1 answers 508 for a target written [::] on its port (the unspecified address dials loopback), in one hop", async (t) => {
  const server = await startServer(t, { hostname: "::1" });
  server.setRouteProxyResolver(() => `http://[::]:${server.getPort()}`);
  const response = await fetch(`${server.getUrl()}/orders/1`);
  assert.equal(response.status, 508);
  assert.match(((await response.json()) as { error: string }).error, /^Proxy loop: http:\/\/\[::\]:\d+\/orders\/1 is this hub/);
  assert.equal(server.journal.entries({ path: "/orders/1" }).length, 1, "the request came back to the hub");
});

test("loopCheck reads the machine's names once, and only for a hub listening beyond loopback", () => {
  let reads = 0;
  const names = () => (reads++, ["vm"]);
  const onLoopback = loopCheck(() => 9000, () => "127.0.0.1", "127.0.0.1", names);
  assert.equal(onLoopback("http://vm:9000/"), false);
  assert.equal(reads, 0);
  const everywhere = loopCheck(() => 9000, () => "127.0.0.1", "0.0.0.0", names);
  assert.equal(everywhere("http://vm:9000/"), true);
  assert.equal(everywhere("http://localhost:9000/"), true);
  assert.equal(everywhere("http://other:9000/"), false);
  assert.equal(reads, 1);
  assert.equal(loopCheck(() => 9000, () => "127.0.0.1", "::", names)("http://vm:9000/"), true);
});

test("loopCheck on a machine whose names cannot be read (networkInterfaces throws) still checks loopback, and throws nothing", () => {
  const check = loopCheck(() => 9000, () => "0.0.0.0", "0.0.0.0", () => {
    throw new Error("uv_interface_addresses returned Unknown system error 13");
  });
  assert.equal(check("http://localhost:9000/"), true);
  assert.equal(check("http://other:9000/"), false);
});
