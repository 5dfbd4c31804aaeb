/**
 * A rule table's router is compiled once lookups follow a change, but only while it is small
 * (src/mocks/_table.ts, MAX_COMPILED): rou3's compiler writes code for every route, and a table
 * of thousands of patterns took seconds to compile on the hub's thread, once per rule added (or
 * removed) that 16 requests then met. A suite adding rules one by one to a scope of 10,000 froze
 * the hub for each; a large table is walked instead, which answers alike.
 *
 * Compiles are counted, not timed: rou3's compiler makes its matcher with `new Function`, which
 * the test watches while it adds and looks up (`compilesDuring`). Compiling a large table once
 * fails the test at once, after that one compile; the small table shows that a compile is seen.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RuleTable } from "../../src/mocks/_table.ts";
import { FaultTable } from "../../src/faults/FaultTable.ts";
import { parseFault } from "../../src/faults/_parse.ts";

type Entry = { path: string; name: string };

/** How many functions `run` made with `new Function` (a rou3 compile makes one or more; a walk none). */
function compilesDuring(run: () => void): number {
  const original = globalThis.Function;
  let made = 0;
  globalThis.Function = new Proxy(original, {
    construct(target, args, newTarget) {
      made++;
      return Reflect.construct(target, args, newTarget);
    },
  });
  try {
    run();
  } finally {
    globalThis.Function = original;
  }
  return made;
}

test("a table of 10,000 patterns: 100 rules added, each met by 16 lookups, without compiling 10,000 routes each time", () => {
  const table = new RuleTable<Entry>();
  for (let i = 0; i < 10_000; i++) table.add({ path: `/r${i}/:id/x`, name: `r${i}` }, "GET");
  for (let i = 0; i < 100; i++) {
    const compiles = compilesDuring(() => {
      table.add({ path: `/n${i}/:id`, name: `n${i}` }, "GET");
      for (let k = 0; k < 16; k++) {
        const found = table.find("GET", `/r${k * 500}/${i}/x`);
        assert.deepEqual([...found].map(({ rule, params }) => [rule.name, { ...params }]), [[`r${k * 500}`, { id: String(i) }]]);
      }
      assert.equal(table.find("GET", `/n${i}/7`).at(0)!.rule.name, `n${i}`);
    });
    assert.equal(compiles, 0, `rule ${i + 1} added: the lookups after it compiled the 10,000-pattern table (new Function ran ${compiles} time(s))`);
  }
});

test("the faults table, in the same table: 10,000 fault patterns and faults added one by one", () => {
  const faults = new FaultTable();
  for (let i = 0; i < 10_000; i++) faults.add(parseFault({ path: `/f${i}/:id` }, { status: 503 }));
  for (let i = 0; i < 100; i++) {
    const compiles = compilesDuring(() => {
      faults.add(parseFault({ path: `/g${i}/:id` }, { status: 504 }));
      for (let k = 0; k < 16; k++) assert.equal(faults.take("GET", `/f${k * 600}/${i}`, "http")?.match.path, `/f${k * 600}/:id`);
      assert.equal(faults.take("GET", `/g${i}/1`, "http")?.match.path, `/g${i}/:id`);
    });
    assert.equal(compiles, 0, `fault ${i + 1} added: the lookups after it compiled the 10,000-pattern table (new Function ran ${compiles} time(s))`);
  }
});

test("a small table answers the same before and after it is compiled", () => {
  const table = new RuleTable<Entry>();
  const patterns = ["/a/:id", "/a/:id/", "/f/*", "/w/**", "/s/*/t", "/static/x"];
  for (const path of patterns) table.add({ path, name: path }, "GET");
  const paths = ["/a/1", "/a/1/", "/f/x", "/f", "/w/a/b", "/s/q/t", "/static/x", "/none"];
  const look = () => paths.map((path) => [...table.find("GET", path)].map(({ rule, params }) => [rule.name, { ...params }]));
  const walked = look();
  // 20 more lookups: the table is compiled on the way, which `compilesDuring` sees (as the tests above rely on).
  const compiles = compilesDuring(() => {
    for (let i = 0; i < 20; i++) look();
  });
  assert.ok(compiles > 0, "a compile of the small table was not seen");
  assert.deepEqual(look(), walked);
});
