/** The README's "Faults and WebSocket mocks" example, as a person would run it, against a real service. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { connectMocks, ServiceHub } from "../../adapters/node.ts";
import { startBackend, waitFor } from "./_helpers.ts";

test("README: one service made slow for this test, another played as a WebSocket", async (t) => {
  const users = await startBackend(t, (_req, res) => res.end(JSON.stringify({ id: 1 })));
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/users" });

  await using mocks = await connectMocks(hub.getPort());
  await using scope = mocks.scope();
  await scope.fault({ api: "users" }, { latency: 400 });
  const closes: Array<[number, string]> = [];
  await scope.interceptWebSocket("/prices/live", (socket) => {
    socket.send(JSON.stringify({ sku: "A-1", price: 10 }));
    socket.onMessage((data) => {
      if (data === "bye") socket.close(4000, "done");
    });
    socket.onClose((code, reason) => closes.push([code, reason]));
  });

  const started = performance.now();
  assert.deepEqual(await (await fetch(`${hub.getUrl()}/users/1`, { headers: scope.headers })).json(), { id: 1 });
  assert.ok(performance.now() - started >= 399, "slow for this test");
  await (await fetch(`${hub.getUrl()}/users/1`)).text();
  // "Not for others" read from the journal, not a clock: on a loaded machine an unfaulted proxied
  // request took up to 0.98 s to its first byte, which a `< 399 ms` check would count as the fault.
  await waitFor(() => hub.server.journal.entries({ path: "/users/1" }).length === 2, "both requests journaled");
  const faulted = hub.server.journal.entries({ path: "/users/1" }).map((entry) => entry.fault?.kind);
  assert.deepEqual(faulted.sort(), ["latency", undefined], "slow for this test, not for others");

  // A browser page carries the scope as a cookie, also on its WebSocket upgrades.
  const ws = new WebSocket(`ws://127.0.0.1:${hub.getPort()}/prices/live`, { headers: { cookie: `crossipc-scope=${scope.id}` } });
  const first = await new Promise<string>((resolve) => ws.once("message", (data) => resolve(data.toString())));
  assert.deepEqual(JSON.parse(first), { sku: "A-1", price: 10 });
  ws.send("bye");
  const closed = await new Promise<[number, string]>((resolve) => ws.once("close", (code, reason) => resolve([code, reason.toString()])));
  assert.deepEqual(closed, [4000, "done"]);
  // The mock hears of the close from the hub over its own connection, after the page's close.
  await waitFor(() => closes.length > 0, "the mock's onClose");
  assert.deepEqual(closes, [[4000, "done"]]);
});
