/**
 * A hub left running all day while services come and go under names of their own (a suite
 * that registers `orders-<run id>` at `/t-<run id>`): what it remembers of apis that are gone
 * is bounded, so its memory does not grow with every service it ever saw.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { HubRequests, IPCClient, ServiceHub } from "../../adapters/node.ts";

test("apis registered, routed and gone leave nothing behind that grows with their number", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const gc = collector();
  // Long names, as a prefix may be (up to 2,048 characters): what is kept of each shows in the heap.
  const pad = "x".repeat(1500);
  let client = new IPCClient(hub.getPort());
  await client.connect();
  const churn = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const entry = { api: `svc-${i}-${pad}`, baseUrl: "http://127.0.0.1:1", pathPrefix: `/t-${i}-${pad}` };
      await client.sendFrameworkRequest(HubRequests.register, [entry]);
      assert.equal(hub.getRoute(entry.api)?.pathPrefix, entry.pathPrefix);
      if (i % 50 === 25) {
        // The service's process goes: its routes are evicted.
        client.disconnect();
        client = new IPCClient(hub.getPort());
        await client.connect();
      } else {
        await client.sendFrameworkRequest(HubRequests.unregister, [entry]);
      }
    }
  };
  await churn(0, 500);
  gc();
  const before = process.memoryUsage().heapUsed;
  await churn(500, 3500);
  gc();
  const grownMiB = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  client.disconnect();
  assert.equal(hub.routes().length, 0);
  // 3,000 apis of ~3 KB of names each would be ~9 MiB if every one were remembered.
  assert.ok(grownMiB < 3, `heap grew ${grownMiB.toFixed(1)} MiB over 3,000 apis that came and went`);
});

/** `gc()` without starting Node with --expose-gc. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

test("an api that stopped is still known to a replay limited to it while others come and go", async (t) => {
  const hub = new ServiceHub(0);
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const client = new IPCClient(hub.getPort());
  await client.connect();
  await client.sendFrameworkRequest(HubRequests.register, [{ api: "users", baseUrl: "http://127.0.0.1:9", pathPrefix: "/users" }]);
  await client.sendFrameworkRequest(HubRequests.unregister, [{ api: "users", baseUrl: "http://127.0.0.1:9", pathPrefix: "/users" }]);
  for (let i = 0; i < 100; i++) {
    hub.addRoute({ api: `other-${i}`, baseUrl: "http://127.0.0.1:9", pathPrefix: `/other-${i}` });
    hub.removeRoute(`other-${i}`);
  }
  client.disconnect();
  hub.server.replay(harOf(["/users/1", "/elsewhere"]), { api: "users", onMiss: "404" });
  assert.equal(await (await fetch(`${hub.getUrl()}/users/1`)).text(), "recorded");
  // Outside the api's prefixes the replay stays out of the way: no service, so the hub's 404.
  const elsewhere = await fetch(`${hub.getUrl()}/elsewhere`);
  assert.match((await elsewhere.json()).error, /No route for GET \/elsewhere/);
});

function harOf(paths: string[]): unknown {
  const entry = (path: string) => ({
    startedDateTime: new Date(0).toISOString(),
    time: 1,
    request: { method: "GET", url: `http://hub${path}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "content-type", value: "text/plain" }],
      content: { size: 8, mimeType: "text/plain", text: "recorded" }, redirectURL: "", headersSize: -1, bodySize: 8,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  });
  return { log: { version: "1.2", creator: { name: "test", version: "1" }, entries: paths.map(entry) } };
}
