/**
 * A lookup reads the rules that match from the newest on and stops at the first that answers, so
 * it must cost nothing for the rules under it (src/mocks/_matches.ts). Made whole on each lookup,
 * 200,000 faults stacked at `/**` (the hub's most: one connection holds 10,000, `maxMockRules` all
 * together) cost every request through the hub 112 ms of its thread, though the newest answered,
 * and 50,000 mocks of one connection on one pattern 16 ms. And each HTTP request walked every
 * WebSocket-only fault (`drop`, `close`) on its path: 80 ms at 200,000 (src/faults/FaultTable.ts).
 *
 * Counted, not timed: what the lookups keep alive (a lookup that made every match holds them all
 * until it is dropped), and how often a walk asks a fault whether it applies to HTTP requests.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { RuleTable } from "../../src/mocks/_table.ts";
import { FaultTable } from "../../src/faults/FaultTable.ts";
import { parseFault, type ParsedFault } from "../../src/faults/_parse.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const STACKED = 100_000;
const LOOKUPS = 20;

function heldBy<T>(look: () => T): { kept: T[]; bytes: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: T[] = [];
  for (let i = 0; i < LOOKUPS; i++) kept.push(look());
  gc();
  return { kept, bytes: process.memoryUsage().heapUsed - before };
}

test(`${STACKED.toLocaleString("en")} rules on one pattern and one beside it: a lookup makes only the matches it reads, newest first`, () => {
  const table = new RuleTable<{ path: string; n: number }>();
  for (let n = 0; n < STACKED; n++) table.add({ path: "/**", n }, "GET");
  const first = heldBy(() => table.find("GET", "/users/1"));
  assert.equal(first.kept[0]!.length, STACKED);
  assert.equal(first.kept[0]!.at(0)!.rule.n, STACKED - 1, "the newest first");
  assert.equal(first.kept[0]!.at(1)!.rule.n, STACKED - 2);
  assert.ok(first.bytes < 2 * 1024 * 1024, `${LOOKUPS} lookups of one stack hold ${Math.round(first.bytes / 1024)} KiB: each made all ${STACKED} matches`);

  // A second pattern that matches too: the two stacks merge, still newest first, still made as read.
  table.add({ path: "/users/:id", n: -1 }, "GET");
  table.add({ path: "/**", n: STACKED }, "GET");
  const merged = heldBy(() => table.find("GET", "/users/1"));
  const matches = merged.kept[0]!;
  assert.equal(matches.length, STACKED + 2);
  assert.deepEqual([0, 1, 2, 3].map((i) => matches.at(i)!.rule.n), [STACKED, -1, STACKED - 1, STACKED - 2]);
  assert.deepEqual(matches.at(1)!.params, { id: "1" });
  assert.ok(merged.bytes < 2 * 1024 * 1024, `${LOOKUPS} lookups of two stacks hold ${Math.round(merged.bytes / 1024)} KiB: each made and sorted all ${STACKED} matches`);
  assert.equal([...matches].length, STACKED + 2, "read to the end, every match is there");
});

/** `parsed` with a kind that calls `asked` whenever something reads whether it applies to HTTP requests. */
function counting(parsed: ParsedFault, asked: () => void): ParsedFault {
  const kind = parsed.kind;
  return { ...parsed, kind: Object.create(kind, { http: { get: () => (asked(), kind.http) } }) };
}

test("10,000 WebSocket-only faults at /** (drop, close): an HTTP request walks none of them, an upgrade still meets them", () => {
  const table = new FaultTable();
  let asked = 0;
  for (let i = 0; i < 5_000; i++) {
    table.add(counting(parseFault({ path: "/**" }, { drop: true }), () => asked++));
    table.add(counting(parseFault({ path: "/**" }, { close: 4000 }), () => asked++));
  }
  const status = table.add(parseFault({ path: "/pay" }, { status: 503 }));
  asked = 0;
  for (let i = 0; i < 1_000; i++) {
    assert.equal(table.take("GET", `/users/${i}`, "http"), undefined);
    assert.equal(table.take("GET", "/pay", "http"), status);
  }
  assert.equal(asked, 0, `1,000 HTTP request pairs asked WebSocket-only faults ${asked} times whether they apply`);
  assert.deepEqual(table.take("GET", "/users/1", "websocket")?.spec, { close: 4000 }, "the newest applies to an upgrade");
});
