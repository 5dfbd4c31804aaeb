/**
 * Many rules on ONE pattern (a suite that mocks `GET /users/:id` in every test and never removes
 * them, several test processes doing so, or faults at `/**`) go when their connection closes
 * without freezing the hub. A pattern's rules were an array, each removal an `indexOf` and a
 * `splice` over all of them: 50,000 rules on one pattern closing froze a hub 1.5 s (Node) and
 * 4.6 s (Deno), and removing three of four connections' 50,000 each from one pattern took 22 s (Node). The first
 * test counts what a close scans: the elements of every large array searched or spliced while
 * the rules go (`scanned`); without the fix the first removal's `indexOf` over 200,000 rules
 * passes the bound at once, a count rather than the test's timeout. A
 * connection's faults are also found by their owner now, not by a scan of every fault per close,
 * per `clear`, per scope closed and per `remove` request.
 * (Many distinct patterns: test/node/mocks-many-rules-close.test.ts.)
 */
import assert from "node:assert/strict";
import test from "node:test";
import { MockRules } from "../../src/mocks/_rules.ts";
import { FaultTable } from "../../src/faults/FaultTable.ts";
import { parseFault } from "../../src/faults/_parse.ts";
import type { Rule } from "../../src/mocks/_rule.ts";

const OWNERS = 4;
const PER_OWNER = 50_000;

function rule(rules: MockRules, owner: string, n: number): Rule {
  return { id: rules.nextId(), scope: null, kind: "intercept", method: "GET", path: "/users/:id", owner, calls: n, takenBy: "mock", take: () => new Response(String(n)) } as Rule;
}

/** A turn of the event loop between steps, so that the test's timeout can end a step that froze it. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Arrays this long or longer are the pattern's rules (or a copy of them): any search of one is a scan. */
const LARGE = 1_000;
const SCANS = ["indexOf", "lastIndexOf", "includes", "findIndex", "findLastIndex", "splice", "filter"] as const;

/**
 * Runs `step` counting the elements of every large array it searches or splices; throws as soon
 * as they pass `bound` (an O(n) removal per rule passes it on its first call, instead of freezing
 * the test until its timeout).
 */
function scanned<T>(bound: number, step: () => T): { result: T; scanned: number } {
  let count = 0;
  const originals = SCANS.map((name) => [name, Array.prototype[name]] as const);
  for (const [name, original] of originals) {
    (Array.prototype as any)[name] = function (this: unknown[], ...args: unknown[]) {
      if (this.length >= LARGE) {
        count += this.length;
        if (count > bound) throw new Error(`${name} over ${this.length} elements: ${count} scanned, past ${bound}`);
      }
      return (original as Function).apply(this, args);
    };
  }
  try {
    return { result: step(), scanned: count };
  } finally {
    for (const [name, original] of originals) (Array.prototype as any)[name] = original;
  }
}

test("four connections' 200,000 rules on one pattern: each connection's go at once, the rest still answer newest first", { timeout: 15_000 }, async () => {
  const rules = new MockRules();
  for (let n = 0; n < OWNERS * PER_OWNER; n++) rules.add(rule(rules, `client-${n % OWNERS}`, n));
  assert.equal(rules.find(null, "GET", "/users/7").length, OWNERS * PER_OWNER);

  // The oldest rules first (the front of the pattern's list), then the newest, then one in between.
  for (const owner of ["client-0", "client-3", "client-1"]) {
    await turn();
    // O(1) per rule: no array of the pattern's rules is searched at all.
    const close = scanned(PER_OWNER, () => rules.removeOwned(owner));
    assert.equal(close.result, PER_OWNER, owner);
    assert.equal(close.scanned, 0, owner);
  }
  const left = rules.find(null, "GET", "/users/7");
  assert.equal(left.length, PER_OWNER);
  assert.deepEqual([...left].slice(0, 3).map((match) => match.rule.calls), [OWNERS * PER_OWNER - 2, OWNERS * PER_OWNER - 6, OWNERS * PER_OWNER - 10], "newest first");
  assert.deepEqual(left.at(0)!.params, { id: "7" });
  assert.equal(rules.removeOwned("client-2"), PER_OWNER);
  assert.equal(rules.find(null, "GET", "/users/7").length, 0);
  assert.equal(rules.size, 0);
});

test("a connection's faults go without looking at anyone else's: its close, its scope's close, its clear", async () => {
  const faults = new FaultTable();
  const owners = 20;
  const parsed = parseFault({ method: "GET" }, { status: 503 });
  for (let n = 0; n < owners * 1_000; n++) faults.add(parsed, { owner: `client-${n % owners}`, scope: `s${n % 100}` });
  assert.equal(faults.ownedBy("client-3"), 1_000);
  // One scope of one connection (scope.close()): the predicate sees that connection's faults only.
  let looked = 0;
  assert.equal(faults.removeOwned("client-5", (fault) => (looked++, fault.scope === "s5")), 200);
  assert.equal(looked, 1_000);
  assert.equal(faults.removeOwned("client-6", (fault) => fault.scope === "s5"), 0, "another connection's scope");
  for (let k = owners - 1; k >= 0; k--) assert.equal(faults.removeOwned(`client-${k}`), k === 5 ? 800 : 1_000);
  assert.equal(faults.size, 0);
  assert.equal(faults.ownedBy("client-3"), 0);
  assert.equal(faults.take("GET", "/x", "http", () => "s1"), undefined);
});
