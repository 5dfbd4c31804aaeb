/**
 * Numbers JSON cannot carry: NaN becomes `null` on the wire, so a refusal that showed the value as
 * JSON read "got null" for a NaN the user wrote, and a raw `probability: null` was taken as 1
 * (always) instead of refused.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { startServer } from "./_helpers.ts";

test("faults: NaN and Infinity are refused naming them as written", async (t) => {
  const server = await startServer(t);
  assert.throws(() => server.fault({ path: "/a" }, { status: 500, probability: NaN }), /probability must be a number from 0 to 1, got NaN/);
  assert.throws(() => server.fault({ path: "/a" }, { latency: NaN }), /latency must be a number of ms >= 0 \(or \[min, max\]\), got NaN/);
  assert.throws(() => server.fault({ path: "/a" }, { bandwidth: Infinity }), /bandwidth must be a number of bytes per second > 0, got Infinity/);
  assert.throws(() => server.fault({ path: "/a" }, { status: NaN }), /status must be an HTTP status from 200 to 599, got NaN/);
});

test("faults API: probability null (JSON's NaN) answers 400, it is not read as 1", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const response = await fetch(`${server.getUrl()}/__crossipc/api/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match: { path: "/a" }, fault: { status: 500, probability: null } }),
  });
  assert.equal(response.status, 400);
  assert.match(((await response.json()) as { error: string }).error, /probability must be a number from 0 to 1, got null/);
  const list = (await (await fetch(`${server.getUrl()}/__crossipc/api/faults`)).json()) as { faults: unknown[] };
  assert.deepEqual(list.faults, []);
});
