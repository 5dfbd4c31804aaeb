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
import { pageState, withUnscoped } from "../../src/dashboard/_state.ts";
import { Journal } from "../../src/server/journal.ts";

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

test("the page state describes only the rules it shows, whatever the hub holds, and counts the rest exactly", async () => {
  // Unit level: the rules' descriptions are what the stream built every second for 20,000 rules before cutting them to 500.
  let described = 0;
  const rule = (id: number, scope: string | null) => ({
    get id() {
      described++;
      return `m${id}`;
    },
    scope,
    kind: "http",
    method: "GET",
    path: `/r/${id}`,
    owner: "o",
    calls: 0,
  });
  const table = new Map<string | null, ReturnType<typeof rule>[]>([[null, []], ["b", []], ["a", []]]);
  for (let id = 0; id < 20_000; id++) table.get(id % 2 === 0 ? null : id % 4 === 1 ? "b" : "a")!.push(rule(id, id % 2 === 0 ? null : id % 4 === 1 ? "b" : "a"));
  const replay = rule(20_000, null);
  const source = withUnscoped(
    {
      size: 20_000,
      list: () => assert.fail("the whole list was built"),
      scopes: () => ["b", "a"],
      inScope: (scope) => ({ count: table.get(scope)!.length, rules: table.get(scope)! as never }),
    },
    new Set([replay as never]),
  );
  const input = { server: {}, url: "http://127.0.0.1:1", startedAt: 0, tokenRequired: false, clients: [], routes: [], faults: [], journal: new Journal(false, { list: () => [], reset: () => {} }), mocks: source };

  const page = pageState(input, 500);
  assert.equal(described, 500, "rules described");
  assert.deepEqual(page.mocks.map((r) => r.id), Array.from({ length: 500 }, (_, i) => `m${i * 2}`));
  assert.deepEqual({ ...page.scopeRules }, { "": 10_001 });
  assert.equal(page.totals.mocks, 20_001);

  described = 0;
  const across = pageState(input, 10_003);
  assert.equal(described, 10_003);
  assert.deepEqual(across.mocks.slice(9_999).map((r) => [r.id, r.scope]), [["m19998", null], ["m20000", null], ["m3", "a"], ["m7", "a"]]);
  assert.deepEqual({ ...across.scopeRules }, { "": 10_001, a: 5_000 });
});
