import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, IPCClient, IPCServer, joinHub, ServiceHub } from "../../adapters/node.ts";

/** Every key of an options object, each given as `undefined` (what `{ token: process.env.X }` sends). */
const unset = (...keys: string[]) => Object.fromEntries(keys.map((key) => [key, undefined]));

const clientKeys = ["connectTimeout", "accessToken", "heartbeatInterval", "heartbeatTimeout", "WebSocket", "logger"];
const serverKeys = [
  "allowedOrigins", "allowedHosts", "accessToken", "hostname", "requestTimeout", "maxMessageSize", "maxProxyMessageSize",
  "maxBufferedAmount", "maxClients", "maxConnections", "keepAliveTimeout", "heartbeat", "proxyTimeout",
  "upstreamConnectTimeout", "logger", "journal", "dashboard", "resettableConnections",
];

// The option types say `| undefined` (for consumers under exactOptionalPropertyTypes): an option
// given as undefined must mean what leaving it out means.
test("options given as undefined act as left out: hub, client, mocks, joinHub", async (t) => {
  const hub = new ServiceHub(0, unset(...serverKeys, "kind", "maxRoutesPerClient"));
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  assert.match(hub.getUrl(), /^http:\/\/127\.0\.0\.1:\d+$/, "binds loopback, as without the option");
  const port = Number(new URL(hub.getUrl()).port);

  const add = IPCServer.defineRequest<{ a: number; b: number }, number>("math/add");
  hub.server.onFrameworkMessage(add, ({ a, b }) => a + b);
  const client = new IPCClient(port, unset(...clientKeys));
  await client.connect("undefined-options");
  t.after(() => client.disconnect());
  assert.equal(await client.sendFrameworkRequest(add, { a: 2, b: 3 }), 5);

  await using mocks = await connectMocks(port, unset(...clientKeys, "token", "runtimeId"));
  await using scope = mocks.scope();
  await scope.intercept("GET", "/users/:id", () => ({ name: "scoped" }));
  const response = await fetch(`${hub.getUrl()}/users/1`, { headers: scope.headers });
  assert.deepEqual(await response.json(), { name: "scoped" });

  const member = await joinHub(port, unset("runtimeId", "entries", "hostname", "accessToken", "logger", "server", "joinTimeout", "connectTimeout", "minRetryDelay", "maxRetryDelay"));
  t.after(() => member.leave());
  assert.equal(member.role, "follower");
});

test("journal options given as undefined keep the journal's defaults", async (t) => {
  const server = new IPCServer(0, { journal: unset("size", "bodies", "maxBodySize", "redact") });
  await server.start();
  t.after(() => server.teardown());
  server.interceptHttp("GET", "/ping", () => ({ ok: true }));
  await (await fetch(`${server.getUrl()}/ping`)).text();
  const [entry] = server.journal.entries({ path: "/ping" });
  assert.equal(entry?.status, 200, "the journal is on, as by default");
  assert.equal(entry?.responseBody, undefined, "no bodies, as by default");
});
