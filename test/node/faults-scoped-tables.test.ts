/**
 * Scoped faults (`scope.fault`) live in a table per scope, as the mocks' rules do
 * (src/faults/FaultTable.ts): a request meets its own scope's faults and the unscoped ones only.
 * In one shared table every request walked every scope's faults on its path: 10,000 scoped faults
 * at `/**` (one connection's most) cost each request of every other test 1.8 ms of the hub's
 * thread, 200,000 (the hub's most) 183 ms. The order stays SPEC §12's: the newest that matches.
 *
 * What a request met is counted, not timed: the other scopes' faults are made with a match that
 * counts each lookup asking it for its api (every fault a lookup walks is asked that first).
 * With one shared table the first request fails the test at once (20,000 asked).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FaultTable } from "../../src/faults/FaultTable.ts";
import { parseFault, type ParsedFault } from "../../src/faults/_parse.ts";

const add = (table: FaultTable, status: number, scope?: string, path = "/**") => table.add(parseFault({ path }, { status }), scope === undefined ? {} : { scope });

/** `parsed` with a match that calls `asked` whenever a lookup reads its api (which a walk reads of each fault it meets). */
function counting(parsed: ParsedFault, asked: () => void): ParsedFault {
  const match = parsed.match;
  return { ...parsed, match: Object.create(match, { api: { get: () => (asked(), match.api) } }) };
}

test("20,000 faults of other scopes at /**: 10,000 requests of no scope and of one scope, each meeting only its own", () => {
  const table = new FaultTable();
  let othersAsked = 0;
  for (let i = 0; i < 20_000; i++) table.add(counting(parseFault({ path: "/**" }, { status: 503 }), () => othersAsked++), { scope: `other-${i}` });
  const mine = add(table, 418, "mine", "/pay/**");
  for (let i = 0; i < 5_000; i++) {
    assert.equal(table.take("GET", `/pay/${i}`, "http", () => null), undefined);
    assert.equal(table.take("GET", `/pay/${i}`, "http", () => "mine"), mine);
    assert.equal(othersAsked, 0, `request pair ${i + 1} met faults of other scopes (${othersAsked} asked): every request walks every scope's faults on its path`);
  }
  // The counting kind is seen when its own scope's request meets it: the count would show a walk.
  assert.equal(table.take("GET", "/pay/1", "http", () => "other-7")?.scope, "other-7");
  assert.equal(othersAsked, 1);
});

test("a scope's fault and an unscoped one: the newest that matches applies, whichever table holds it", () => {
  const table = new FaultTable();
  const older = add(table, 501);
  const scoped = add(table, 502, "s");
  assert.equal(table.take("GET", "/x", "http", () => "s"), scoped);
  assert.equal(table.take("GET", "/x", "http", () => "t"), older);
  assert.equal(table.take("GET", "/x", "http", () => null), older);
  const newer = add(table, 503);
  assert.equal(table.take("GET", "/x", "http", () => "s"), newer);
  table.remove(newer.id);
  assert.equal(table.take("GET", "/x", "http", () => "s"), scoped);
  table.remove(scoped.id);
  assert.equal(table.take("GET", "/x", "http", () => "s"), older);
  assert.equal(table.hasScope("s"), false);
});

test("times: a scope's fault spent by its own requests is gone, and another scope's request never spent it", () => {
  const table = new FaultTable();
  const once = table.add(parseFault({ path: "/x" }, { status: 500, times: 1 }), { scope: "a" });
  assert.equal(table.take("GET", "/x", "http", () => "b"), undefined);
  assert.equal(table.take("GET", "/x", "http", () => "a"), once);
  assert.equal(table.take("GET", "/x", "http", () => "a"), undefined);
  assert.equal(table.size, 0);
});
