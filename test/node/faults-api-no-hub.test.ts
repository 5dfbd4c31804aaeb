/**
 * A fault's `match.api` on a server with no ServiceHub: grest-ts's own discovery server (its
 * GGLocalDiscoveryServer on an IPCServer, routing with setRouteProxyResolver) is such a hub, and
 * connectMocks works against it. Its apis are registered with grest-ts's handlers, which crossipc
 * does not see, so `{ api: "users" }` could never match there: it was taken and faulted nothing
 * (the request reached the service, 200). It is refused, naming the ServiceHub, as
 * `replay(har, { api })` already is, wherever a fault is added; `match.path` still works.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, IPCServer } from "../../adapters/node.ts";
import { rejection, startBackend } from "./_helpers.ts";

/** The shape of grest-ts's discovery-local leader: apis kept by its own handlers, routed by the resolver. */
async function grestStyleHub(t: { after(fn: () => unknown): void }): Promise<IPCServer> {
  const users = await startBackend(t, (_req, res) => res.end("real"));
  const routes = new Map<string, { baseUrl: string; pathPrefix: string }>();
  const server = new IPCServer(0);
  const register = IPCServer.defineRequest<{ api: string; baseUrl: string; pathPrefix: string }[], void>("discovery/register");
  server.onFrameworkMessage(register, async (entries) => {
    for (const e of entries) routes.set(e.api, e);
  });
  server.setRouteProxyResolver((path) => [...routes.values()].find((r) => path.startsWith(r.pathPrefix))?.baseUrl);
  assert.equal(await server.start(), true);
  t.after(() => server.teardown());
  routes.set("users", { baseUrl: users.url, pathPrefix: "/users" });
  return server;
}

test("match.api without a ServiceHub is refused by server.fault, mocks.fault, scope.fault and the faults API; nothing is added", async (t) => {
  const server = await grestStyleHub(t);
  const url = server.getUrl();
  assert.throws(() => server.fault({ api: "users" }, { status: 503 }), (e: Error) => e instanceof TypeError && /api "users" needs a ServiceHub/.test(e.message));

  const mocks = await connectMocks(url);
  t.after(() => mocks.close());
  const scope = mocks.scope();
  for (const adding of [scope.fault({ api: "users" }, { status: 418 }), mocks.fault({ api: "users", method: "GET" }, { latency: 10 })]) {
    const error = await rejection(adding);
    assert.match(error.message, /api "users" needs a ServiceHub/);
  }

  const posted = await fetch(`${url}/__crossipc/api/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match: { api: "users" }, fault: { status: 503 } }),
  });
  assert.equal(posted.status, 400);
  assert.match(((await posted.json()) as { error: string }).error, /api "users" needs a ServiceHub/);

  assert.deepEqual(server.faults(), []);
  assert.equal(await (await fetch(`${url}/users/1`, { headers: scope.headers })).text(), "real");
  // A path match is what works on such a hub.
  await scope.fault({ path: "/users/**" }, { status: 418 });
  assert.equal((await fetch(`${url}/users/1`, { headers: scope.headers })).status, 418);
  assert.equal((await fetch(`${url}/users/1`)).status, 200);
});
