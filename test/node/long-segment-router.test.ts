/**
 * A path with a segment over 100 characters is looked up in a router of the routes without a
 * regex parameter only (src/server/_longSegment.ts). That router must answer as the main one does
 * for every other route (wildcards, `*` method, find-my-way's trailing slash and trailing `*`,
 * encoded slashes, double slashes), stay right as rules and routes come and go, and not be
 * rebuilt per request: it was dropped on every change, so a suite adding rules to a table of
 * 10,000 while long paths came rebuilt all of them for each such request (34 ms each). Also:
 * removing the intercept route `/a/:id` took `/a/:id/` with it (rou3 keeps both at one node).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RuleTable } from "../../src/mocks/_table.ts";
import { InterceptRoutes } from "../../src/server/_routes.ts";
import { hasRegexParam } from "../../src/server/_longSegment.ts";

const LONG = "L".repeat(150);
const PATTERNS: Array<[string, string]> = [
  ["GET", "/a/:id"],
  ["GET", "/a/:id/"],
  ["*", "/a/:id/x"],
  ["GET", "/f/*"],
  ["GET", "/w/**"],
  ["POST", "/w/**:rest"],
  ["*", "/s/*/t"],
  ["GET", `/static/${LONG}`],
  ["GET", `/static/${LONG}/`],
];
const PATHS = [
  `/a/${LONG}`,
  `/a/${LONG}/`,
  `/a/${LONG}/x`,
  `/a/${LONG}%2Fx`,
  `/a//${LONG}`,
  `//a/${LONG}`,
  `/f/${LONG}`,
  `/f/${LONG}/more`,
  `/f/`,
  `/f`,
  `/w/${LONG}/b/c`,
  `/w/${LONG}/`,
  `/s/${LONG}/t`,
  `/s/${LONG}/t/`,
  `/static/${LONG}`,
  `/static/${LONG}/`,
  `/none/${LONG}`,
];
const METHODS = ["GET", "POST", "DELETE"];
// Matches none of PATHS: only its presence changes how a long path is looked up.
const REGEX: [string, string] = ["GET", "/zzz/:x(\\d+)"];

type Entry = { path: string; name: string };
const named = (table: RuleTable<Entry>) => (method: string, path: string) => [...table.find(method, path)].map(({ rule, params }) => ({ rule: rule.name, params: { ...params } }));

test("rule tables: a long path gets the same rules and params with a regex rule present as without", () => {
  const plain = new RuleTable<Entry>();
  const withRegex = new RuleTable<Entry>();
  for (const [method, path] of PATTERNS) {
    plain.add({ path, name: `${method} ${path}` }, method);
    withRegex.add({ path, name: `${method} ${path}` }, method);
  }
  withRegex.add({ path: REGEX[1], name: "regex" }, REGEX[0]);
  const check = (when: string) => {
    for (const method of METHODS) for (const path of PATHS) assert.deepEqual(named(withRegex)(method, path), named(plain)(method, path), `${when}: ${method} ${path}`);
  };
  check("at first");
  // Rules added and removed after the long-path router was built: it follows them.
  const late = { path: "/late/:id", name: "late" };
  const stacked = { path: "/a/:id", name: "stacked on /a/:id" };
  for (const table of [plain, withRegex]) {
    table.add({ ...late }, "GET");
    table.add({ ...stacked }, "GET");
  }
  assert.deepEqual(named(withRegex)("GET", `/late/${LONG}`), [{ rule: "late", params: { id: LONG } }]);
  check("after adds");
  for (const table of [plain, withRegex]) {
    const [top] = table.find("GET", `/a/${LONG}`);
    assert.equal(top!.rule.name, "stacked on /a/:id");
    table.remove(top!.rule, "GET");
  }
  check("after a remove");
});

test("intercept routes: a long path finds the same route and params with a regex route present as without, as routes come and go", () => {
  const plain = new InterceptRoutes();
  const withRegex = new InterceptRoutes();
  const handler = () => undefined;
  for (const [method, path] of PATTERNS) for (const routes of [plain, withRegex]) routes.add(method, path, { kind: "legacy", handler });
  withRegex.add(REGEX[0], REGEX[1], { kind: "legacy", handler });
  const found = (routes: InterceptRoutes, method: string, path: string) => {
    const match = routes.find(method, path);
    return match && { route: `${match.route.method} ${match.route.path}`, params: { ...match.params } };
  };
  const check = (when: string) => {
    for (const method of METHODS) for (const path of PATHS) assert.deepEqual(found(withRegex, method, path), found(plain, method, path), `${when}: ${method} ${path}`);
  };
  check("at first");
  for (const routes of [plain, withRegex]) {
    routes.add("GET", "/late/:id", { kind: "legacy", handler });
    routes.remove("GET", "/a/:id");
  }
  assert.deepEqual(found(withRegex, "GET", `/late/${LONG}`), { route: "GET /late/:id", params: { id: LONG } });
  assert.equal(found(withRegex, "GET", `/a/${LONG}`), undefined);
  // Its trailing-slash twin stays (rou3 keeps both at one node, and removing one took both).
  for (const routes of [plain, withRegex]) assert.deepEqual(found(routes, "GET", "/a/1/"), { route: "GET /a/:id/", params: { id: "1" } });
  assert.deepEqual(found(withRegex, "GET", `/a/${LONG}/`), { route: "GET /a/:id/", params: { id: LONG } });
  check("after an add and a remove");
});

test("a table of 10,000 rules and a regex rule: 2,000 rules added between long-path lookups do not rebuild its long-path router each time", { timeout: 20_000 }, async () => {
  // Time is not asserted: the test's timeout catches a rebuild per lookup (about 70 s of them here).
  const table = new RuleTable<Entry>();
  for (let i = 0; i < 10_000; i++) table.add({ path: `/r${i}/:id`, name: `r${i}` }, "GET");
  table.add({ path: REGEX[1], name: "regex" }, REGEX[0]);
  for (let i = 0; i < 2_000; i++) {
    table.add({ path: `/n${i}/:id`, name: `n${i}` }, "GET");
    assert.equal(table.find("GET", `/n${i}/${LONG}`).at(0)!.rule.name, `n${i}`);
    // Lets the test's timeout fire.
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
});

test("an escaped backslash before a group (`x\\\\(a+)`): the router reads a group, so the long-path bound applies to it too", () => {
  // rou3 reads `\\` as a literal backslash and the `(` after it as a group; `\(` alone is a literal paren.
  const group = String.raw`/e/x\\(a+)`;
  const paren = String.raw`/p/x\(a+)`;
  assert.equal(hasRegexParam(group), true);
  assert.equal(hasRegexParam(String.raw`/e/x\\\\(a+)`), true);
  assert.equal(hasRegexParam(paren), false);
  assert.equal(hasRegexParam(String.raw`/p/x\\\(a+)`), false);
  assert.equal(hasRegexParam("/r/:id(\\d+)"), true);

  const short = "/e/x\\" + "a".repeat(50);
  const long = "/e/x\\" + "a".repeat(150);
  const routes = new InterceptRoutes();
  routes.add("GET", group, { kind: "legacy", handler: () => undefined });
  routes.add("GET", paren, { kind: "legacy", handler: () => undefined });
  const table = new RuleTable<Entry>();
  table.add({ path: group, name: "group" }, "GET");
  // The router does take the group: a short segment matches it.
  assert.equal(routes.find("GET", short)?.route.path, group);
  assert.equal(table.find("GET", short).at(0)?.rule.name, "group");
  assert.equal(routes.find("GET", "/p/x(a+)")?.route.path, paren);
  // A segment past MAX_REGEX_SEGMENT is not tried on it: as any regex parameter's.
  assert.equal(routes.find("GET", long), undefined);
  assert.deepEqual(table.find("GET", long), []);
});
