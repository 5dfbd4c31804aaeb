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
