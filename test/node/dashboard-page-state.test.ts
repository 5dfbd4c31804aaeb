/**
 * What the dashboard page reads and streams: each list cut at the rows it shows, with the whole
 * lengths in `totals` and the rules of each scope shown counted in `scopeRules` — a hub holding
 * tens of thousands of rules no longer turns them all into JSON every second for an open page.
 * `/__crossipc/api/state` without `?rows=` answers everything, as before.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

interface PageState {
  mocks: Array<{ scope: string | null; path: string }>;
  totals?: { mocks: number; faults: number };
  scopeRules?: Record<string, number>;
  faults: unknown[];
}

test("api/state?rows=N cuts each list at N, unscoped rules first, and says the whole lengths", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const add = (rules: { intercept(method: string, path: string, handler: () => unknown): Promise<unknown> }, prefix: string, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => rules.intercept("GET", `/${prefix}/${i}`, () => i)));
  await add(mocks.scope("b"), "b", 4);
  await add(mocks, "u", 3);
  await add(mocks.scope("a"), "a", 5);
  for (let i = 0; i < 7; i++) server.fault({ path: `/f/${i}` }, { status: 503 });

  const api = `${server.getUrl()}/__crossipc/api/state`;
  const page = (await (await fetch(`${api}?rows=6`)).json()) as PageState;
  assert.deepEqual(
    page.mocks.map((rule) => rule.scope),
    [null, null, null, "a", "a", "a"],
    "the page's order: unscoped, then scopes by name",
  );
  assert.deepEqual(page.scopeRules, { "": 3, a: 5 });
  assert.equal(page.totals?.mocks, 12);
  assert.equal(page.faults.length, 6);
  assert.equal(page.totals?.faults, 7);

  const whole = (await (await fetch(api)).json()) as PageState;
  assert.equal(whole.mocks.length, 12);
  assert.equal(whole.faults.length, 7);
  assert.equal(whole.totals, undefined);

  const refused = await fetch(`${api}?rows=lots`);
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: string }).error, /rows must be a number/);
});
