import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

// A service that passes only trace context on (grest-ts copies x-b3-traceid, OpenTelemetry sends
// traceparent) carries a test's scope by its trace id. A scope whose only rule is a fault is as
// open as one with a mock: the README's `scope.fault({ api: "users" }, { latency: 400 })` must slow
// the nested calls of that test, and only those.
test("a scope holding only a fault is found by the trace id of traceparent or x-b3-traceid", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  const fault = await scope.fault({ path: "/users/:id" }, { status: 503 });

  const carriers: Record<string, Record<string, string>> = {
    "x-b3-traceid": { "x-b3-traceid": scope.id },
    traceparent: { traceparent: `00-${scope.id}-00f067aa0ba902b7-01` },
    baggage: { baggage: scope.headers.baggage! },
  };
  for (const [name, headers] of Object.entries(carriers)) {
    const response = await fetch(`${server.getUrl()}/users/1`, { headers });
    assert.equal(response.status, 503, `scope carried by ${name}`);
    await response.body?.cancel();
  }
  // Another trace id, or none, is not this test's request.
  const other = await fetch(`${server.getUrl()}/users/1`, { headers: { "x-b3-traceid": "1".repeat(32) } });
  assert.equal(other.status, 200);
  await other.body?.cancel();

  // The journal gives those requests the scope, as it does for a scope holding a mock.
  const entries = server.journal.entries({ kind: "http", scope: scope.id });
  assert.equal(entries.length, 3);
  assert.ok(entries.every((entry) => entry.fault?.id === fault.id));

  // Once the fault is gone, the trace id is no scope any more.
  await fault.remove();
  const after = await fetch(`${server.getUrl()}/users/1`, { headers: { "x-b3-traceid": scope.id } });
  assert.equal(after.status, 200);
  await after.body?.cancel();
});

test("a fault-only scope by trace id, with another scope's mock on the hub: the mock's lookup does not hide it", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.scope().intercept("GET", "/elsewhere", () => ({ other: true }));
  const scope = mocks.scope();
  const fault = await scope.fault({ path: "/users/:id" }, { status: 503 });
  const response = await fetch(`${server.getUrl()}/users/1`, { headers: { "x-b3-traceid": scope.id } });
  assert.equal(response.status, 503);
  await response.body?.cancel();
  const [entry] = server.journal.entries({ kind: "http", path: "/users/1" });
  assert.equal(entry?.scope, scope.id);
  assert.equal(entry?.fault?.id, fault.id);
});
