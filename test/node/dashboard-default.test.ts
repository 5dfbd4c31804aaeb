/**
 * SPEC §8, §10–12 name the hub's own API (`/__crossipc/api/state`, `/api/journal`, `/api/journal.har`,
 * `/api/faults`) for every kind of hub (an IPCServer, a ServiceHub, a joinHub leader) and no
 * option to turn it on: a test written from SPEC creates `new ServiceHub(0)` and reads it. The
 * dashboard is on unless `dashboard: false`.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks, IPCServer, joinHub, ServiceHub } from "../../adapters/node.ts";

const FAULT = JSON.stringify({ match: { path: "/x" }, fault: { status: 503 } });

/** What a program (no browser headers, no token set) gets from the hub's own API at `base`. */
async function readApi(base: string) {
  const state = await fetch(`${base}/__crossipc/api/state`);
  const added = await fetch(`${base}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: FAULT });
  const har = await fetch(`${base}/__crossipc/api/journal.har`);
  const faulted = await fetch(`${base}/x`);
  const body = (await state.json()) as { mocks?: unknown[] };
  await Promise.all([added.arrayBuffer(), har.arrayBuffer(), faulted.arrayBuffer()]);
  return { state: state.status, mocks: Array.isArray(body.mocks), added: added.status, har: har.status, faulted: faulted.status };
}

const SERVED = { state: 200, mocks: true, added: 201, har: 200, faulted: 503 };

test("an IPCServer and a ServiceHub created without options serve the hub's API", async (t) => {
  for (const hub of [new IPCServer(0), new ServiceHub(0)]) {
    await hub.start();
    t.after(() => hub.teardown());
    assert.deepEqual(await readApi(hub.getUrl()), SERVED, hub.constructor.name);
    assert.match(hub.getDashboardUrl(), /\/__crossipc\/#key=/);
  }
});

test("a joinHub leader serves it too, with a test's rules listed", async (t) => {
  const free = new IPCServer(0);
  await free.start();
  const port = free.getPort();
  await free.teardown();
  const member = await joinHub(port, { runtimeId: "leader", entries: [] });
  t.after(() => member.leave());
  assert.equal(member.role, "leader");
  const mocks = await connectMocks(port);
  t.after(() => mocks.close());
  await mocks.scope("t-1").intercept("GET", "/users/:id", () => "mock");
  const state = (await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/state`)).json()) as { mocks: Array<{ scope: string | null; path: string }> };
  assert.deepEqual(state.mocks.map(({ scope, path }) => ({ scope, path })), [{ scope: "t-1", path: "/users/:id" }]);
});

test("dashboard: false turns it off", async (t) => {
  const server = new IPCServer(0, { dashboard: false });
  await server.start();
  t.after(() => server.teardown());
  const answer = await fetch(`${server.getUrl()}/__crossipc/api/state`);
  assert.equal(answer.status, 404);
  await answer.arrayBuffer();
  assert.throws(() => server.getDashboardUrl(), /serves no dashboard/);
});
