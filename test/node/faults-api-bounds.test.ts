import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

const post = (url: string, body: unknown) => fetch(`${url}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("the faults API holds at most 10 000 faults: past it POST answers 400 saying so (any local page or process could add them without end)", async (t) => {
  const server = await startServer(t, { dashboard: true });
  // Faults added without a connection count together, the embedding code's own included.
  for (let i = 0; i < 9_999; i++) server.fault({ path: `/filled/${i}` }, { latency: 1 });
  const last = await post(server.getUrl(), { match: { path: "/last" }, fault: { status: 503 } });
  assert.equal(last.status, 201, await last.clone().text());
  const over = await post(server.getUrl(), { match: { path: "/over" }, fault: { status: 503 } });
  assert.equal(over.status, 400);
  assert.match((await over.json()).error, /already holds 10000 faults added without a connection.*DELETE \/__crossipc\/api\/faults/);
  const cleared = await fetch(`${server.getUrl()}/__crossipc/api/faults`, { method: "DELETE" });
  assert.deepEqual(await cleared.json(), { removed: 10_000 });
  assert.equal((await post(server.getUrl(), { match: { path: "/again" }, fault: { status: 503 } })).status, 201);
});

test("a fault id whose escapes do not decode is a 404 naming it, not an empty 500", async (t) => {
  const server = await startServer(t, { dashboard: true });
  for (const method of ["GET", "DELETE"]) {
    const response = await fetch(`${server.getUrl()}/__crossipc/api/faults/%E0%A4%A`, { method });
    assert.equal(response.status, 404, method);
    assert.deepEqual(await response.json(), { error: "No fault with id '%E0%A4%A'" });
  }
});
