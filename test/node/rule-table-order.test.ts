/**
 * The rules a lookup hands out, against a plain model of SPEC §10's order: of the rules whose
 * pattern matches (the request's method or any method), the newest first, across patterns too;
 * removing one uncovers the older. The lookup's list is the table as it stood when the request
 * came: a rule removed or added while a handler awaits (the walk reads the rest later,
 * src/mocks/_matches.ts) must not reorder or change what the walk reads next.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RuleTable } from "../../src/mocks/_table.ts";
import { random } from "../fixtures/_fuzz.ts";

/** Patterns that match GET /a/b, and some that do not: the model's matcher is this list. */
const MATCHING = ["/**", "/a/**", "/a/*", "/a/b", "/*/b", "/a/:id", "/:x/b", "/:x/:y"];
const OTHER = ["/c/**", "/a/c", "/a/b/c", "/:x/c"];
const METHODS = ["GET", "*", "POST"];

interface TestRule {
  readonly path: string;
  readonly method: string;
  readonly n: number;
}

/** What the model says a GET /a/b meets: the live rules that match, newest first. */
function expected(live: TestRule[]): number[] {
  return live.filter((rule) => MATCHING.includes(rule.path) && rule.method !== "POST").map((rule) => rule.n).sort((a, b) => b - a);
}

const seeds = Number(process.env["ORDER_SEEDS"] ?? 300);

test(`${seeds} random tables: a lookup hands out the matching rules newest first, as the table stood when it came, whatever changes while it is read`, () => {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = random(seed);
    const table = new RuleTable<TestRule>();
    let live: TestRule[] = [];
    let n = 0;
    const add = () => {
      const rule = { path: r.pick(r.int(4) === 0 ? OTHER : MATCHING), method: r.pick(METHODS), n: n++ };
      table.add(rule, rule.method);
      live.push(rule);
    };
    const removeOne = () => {
      if (live.length === 0) return;
      const rule = live[r.int(live.length)]!;
      assert.equal(table.remove(rule, rule.method), true);
      live = live.filter((other) => other !== rule);
    };
    // Lookups enough to compile the router (after 16 quiet ones) as well as walk it.
    for (let round = 0; round < 24; round++) {
      for (let i = r.int(round < 4 ? 12 : 3); i > 0; i--) add();
      for (let i = r.int(3); i > 0; i--) removeOne();
      const want = expected(live);
      const matches = table.find("GET", "/a/b");
      assert.equal(matches.length, want.length, `seed ${seed}, round ${round}: how many match`);
      // Read part, change the table as a handler's await lets others do, read the rest.
      const readFirst = r.int(want.length + 1);
      const got: number[] = [];
      for (let i = 0; i < readFirst; i++) got.push(matches.at(i)!.rule.n);
      for (let i = r.int(4); i > 0; i--) (r.int(3) === 0 ? add : removeOne)();
      for (let i = readFirst; i < matches.length; i++) got.push(matches.at(i)!.rule.n);
      assert.deepEqual(got, want, `seed ${seed}, round ${round}, ${readFirst} read before the change`);
    }
  }
});
