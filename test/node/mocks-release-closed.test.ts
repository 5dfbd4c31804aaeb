/**
 * `remove()`, `scope.close()` and a fault's `remove()` resolve once the hub no longer holds their
 * rules (SPEC §10). When the connection closes while they wait for the hub's answer, the hub drops
 * every rule of the connection: they resolve then too (they rejected with ERR_IPC_CLOSED).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

async function rulesAt(url: string): Promise<{ mocks: unknown[]; faults: unknown[] }> {
  const state = (await (await fetch(`${url}/__crossipc/api/state`)).json()) as { mocks: unknown[]; faults?: unknown[] };
  return { mocks: state.mocks, faults: state.faults ?? [] };
}

test("remove() and close() waiting when the connection closes resolve, and the hub holds none of the rules", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  const url = server.getUrl();
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  const rule = await mocks.intercept("GET", "/a", () => ({ a: 1 }));
  await scope.intercept("GET", "/b", () => ({ b: 1 }));
  const fault = await mocks.fault({ path: "/c" }, { status: 503 });
  const before = await rulesAt(url);
  assert.equal(before.mocks.length, 2);
  assert.equal(before.faults.length, 1);

  const waiting = Promise.allSettled([rule.remove(), scope.close(), fault.remove()]);
  mocks.client.disconnect();
  const outcomes = await waiting;
  assert.deepEqual(
    outcomes.map((o) => (o.status === "rejected" ? String(o.reason) : o.status)),
    ["fulfilled", "fulfilled", "fulfilled"],
  );
  for (const deadline = Date.now() + 5000; ; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const after = await rulesAt(url);
    if (after.mocks.length === 0 && after.faults.length === 0) break;
    assert.ok(Date.now() < deadline, `the hub still holds ${JSON.stringify(after)}`);
  }
});

test("a rule added while its scope's close is on its way stays whole: the hub keeps it, and its handler answers", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  const url = server.getUrl();
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await scope.intercept("GET", "/before", () => ({ before: 1 }));
  const closing = scope.close();
  // Sent after the close: the hub adds it once the scope's earlier rules are gone.
  const rule = await scope.intercept("GET", "/during", () => ({ during: 1 }));
  await closing;

  const before = await fetch(`${url}/before`, { headers: scope.headers });
  assert.equal(before.status, 404, "the rule added before the close went with it");
  await before.body?.cancel();
  // The close dropped this rule's handler too, while the hub kept the rule: it answered 404.
  const during = await fetch(`${url}/during`, { headers: scope.headers });
  assert.deepEqual([during.status, await during.json()], [200, { during: 1 }]);
  assert.equal(rule.calls, 1);
  assert.equal((await rulesAt(url)).mocks.length, 1);
  await scope.close();
  assert.equal((await rulesAt(url)).mocks.length, 0);
});
