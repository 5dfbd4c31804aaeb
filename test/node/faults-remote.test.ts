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

test("a kind left undefined is not given, on every surface: server.fault, mocks.fault and the REST API agree", async (t) => {
  const hub = new ServiceHub(0, { dashboard: true });
  await hub.start();
  t.after(() => hub.teardown());
  const mocks = await connectMocks(hub.getUrl());
  t.after(() => mocks.close());
  // What a helper that forwards its options builds: JSON (the REST API) leaves the undefined out.
  const options: { latency?: number; status?: number } = { latency: 5 };
  // (TypeScript asks for one kind; JavaScript, and a spread of optional fields, give this.)
  const fault = { latency: options.latency, status: options.status, times: undefined } as never;
  const local = hub.server.fault({ path: "/a", api: undefined }, fault);
  assert.deepEqual(hub.server.faults().find((f) => f.id === local.id)?.fault, { latency: 5 });
  const remote = await mocks.fault({ path: "/b" }, fault);
  const rest = await fetch(`${hub.getUrl()}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ match: { path: "/c" }, fault }) });
  assert.equal(rest.status, 201);
  assert.deepEqual(
    hub.server.faults().map((f) => [f.match.path, f.fault]),
    [["/a", { latency: 5 }], ["/b", { latency: 5 }], ["/c", { latency: 5 }]],
  );
  // Only undefined kinds: still no kind at all is refused, and two given kinds are.
  assert.throws(() => hub.server.fault({ path: "/d" }, { status: undefined } as never), /needs one kind/);
  await assert.rejects(mocks.fault({ path: "/d" }, { status: undefined, reset: undefined } as never), /needs one kind/);
  assert.throws(() => hub.server.fault({ path: "/d" }, { status: 503, latency: 5, reset: undefined } as never), /got latency and status|got status and latency/);
  await remote.remove();
  local.remove();
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
