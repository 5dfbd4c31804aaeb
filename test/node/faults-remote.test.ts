import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, ServiceHub } from "../../adapters/node.ts";
import { startBackend, waitFor } from "./_helpers.ts";

async function hubWithUsers(t: { after(fn: () => unknown): void }) {
  const users = await startBackend(t, (_req, res) => res.end("real"));
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/users" });
  return hub;
}

test("scope.fault applies only to that scope's requests, wraps a remote mock too, and goes when the scope closes", async (t) => {
  const hub = await hubWithUsers(t);
  const mocks = await connectMocks(hub.getUrl());
  t.after(() => mocks.close());
  const a = mocks.scope();
  const b = mocks.scope();
  await a.fault({ path: "/users/:id" }, { status: 503 });
  await b.intercept("GET", "/users/:id", () => ({ mocked: true }));
  await b.fault({ path: "/users/:id" }, { latency: 100 });
  const url = `${hub.getUrl()}/users/1`;
  assert.equal((await fetch(url, { headers: a.headers })).status, 503);
  assert.equal(await (await fetch(url)).text(), "real", "a request of no scope is not faulted");
  const start = performance.now();
  assert.deepEqual(await (await fetch(url, { headers: b.headers })).json(), { mocked: true });
  assert.ok(performance.now() - start >= 99, "latency wraps the remote mock");
  const entry = hub.server.journal.entries({ path: "/users/1" }).find((e) => e.fault?.kind === "latency")!;
  assert.equal(entry.takenBy, "mock");
  await a.close();
  assert.equal(await (await fetch(url, { headers: a.headers })).text(), "real");
  assert.equal(hub.server.faults().length, 1);
});

test("mocks.fault applies to every request; remove() resolves once the hub dropped it; bad input rejects with a TypeError", async (t) => {
  const hub = await hubWithUsers(t);
  const mocks = await connectMocks(hub.getUrl());
  t.after(() => mocks.close());
  await assert.rejects(mocks.fault({ path: "/users/**" }, { probability: 2, status: 500 } as never), (error: Error) => error instanceof TypeError && /probability/.test(error.message));
  const fault = await mocks.fault({ api: "users" }, { status: 500, times: 2 });
  assert.match(fault.id, /\S/);
  assert.equal((await fetch(`${hub.getUrl()}/users/1`)).status, 500);
  await fault.remove();
  assert.equal((await fetch(`${hub.getUrl()}/users/1`)).status, 200);
  assert.deepEqual(hub.server.faults(), []);
});

test("a connection's faults go when it closes", async (t) => {
  const hub = await hubWithUsers(t);
  const mocks = await connectMocks(hub.getUrl());
  await mocks.fault({ path: "/users/**" }, { status: 500 });
  await mocks.scope("t-1").fault({ path: "/users/**" }, { status: 501 });
  assert.equal(hub.server.faults().length, 2);
  mocks.client.disconnect();
  await waitFor(() => hub.server.faults().length === 0, "the connection's faults to go");
  assert.equal((await fetch(`${hub.getUrl()}/users/1`)).status, 200);
});
