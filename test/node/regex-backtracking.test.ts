/**
 * A regex parameter whose group repeats and itself repeats or alternates backtracks
 * exponentially on a path that almost matches: with `/q/:x((?:a+)+)` routed, one request for
 * `/q/` + 26 `a` + `!` froze a hub (Node, Bun, Deno) for 1.9 s, 30 for half a minute, and the
 * request comes from anything that reaches the port (a page). Refused wherever a pattern is
 * added, as find-my-way refuses an unsafe regex; a constraint without such a group still works.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const RISKY = ["/q/:x((?:a+)+)", "/q/:x((?:a|a)*)", "/q/:word((?:\\w+\\s?){2,})", "/q/:x((?:(?:ab)+c)+)", "/q/:x(^(?:\\d+)+$)"];

test("a regex parameter that can backtrack exponentially is refused by interceptHttp, the mocks and faults; nothing is added", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  for (const path of RISKY) {
    assert.throws(() => server.interceptHttp("GET", path, () => ({})), (error: Error) => error.message.startsWith(`Intercept route GET ${path}:`) && /repeats a group that itself repeats, alternates or holds an optional/.test(error.message), path);
    await assert.rejects(mocks.intercept("GET", path, () => ({})), (error: Error) => error.message.includes(JSON.stringify(path)) && /repeats a group/.test(error.message), path);
    await assert.rejects(mocks.scope().intercept("GET", path, () => ({})), /repeats a group/, path);
    assert.throws(() => server.fault({ path }, { status: 503 }), (error: Error) => error instanceof TypeError && /repeats a group/.test(error.message), path);
    const posted = await fetch(`${server.getUrl()}/__crossipc/api/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { path }, fault: { status: 503 } }),
    });
    assert.equal(posted.status, 400, path);
    assert.match((await posted.json()).error, /repeats a group/);
  }
  assert.deepEqual(server.journal.hits(), []);
  assert.deepEqual(server.faults(), []);
  const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.deepEqual(state.mocks, []);
});

test("a constraint whose groups repeat nothing or appear at most once still routes", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/v/:version(^\\d+(?:\\.\\d+)?$)", (_body, params) => ({ version: params.version }));
  server.interceptHttp("GET", "/pair/:x((?:ab){2})", (_body, params) => ({ pair: params.x }));
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/m/:code([a-z+]+)", (_body, params) => ({ code: params.code }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/v/1.25`)).json(), { version: "1.25" });
  assert.deepEqual(await (await fetch(`${server.getUrl()}/pair/abab`)).json(), { pair: "abab" });
  assert.deepEqual(await (await fetch(`${server.getUrl()}/m/a+b+`)).json(), { code: "a+b+" });
});

/**
 * Repetitions in a row that can take the same characters backtrack polynomially: the work grows
 * as the segment's length (at most 100, ./_longSegment.ts) to the power of their number. With
 * `/q/:x(a*a*a*a*a*b)` added by any process, one request for `/q/` + 99 `a` + `!` held a Deno hub
 * 1.5 s and a Node hub 0.25 s (the regex alone on 99 characters: Node 20 2.0 s with five, 27 s with
 * six); 1,000 rules of three in a row held Node and Deno hubs ~0.4 s a request. Refused when added, as the exponential ones are.
 */
const ROWS = ["/q/:x(a*a*a*a*a*b)", "/q/:x(a*a*a*b)", "/q/:x(\\w+\\w+\\w+b)", "/q/:x([^-]*[^-]*[^-]*z)", "/q/:x(a*b*a*b*a*c)", "/q/:x(^.*.*.*$)"];
/**
 * A character in a group that may match nothing, or in one alternative, keeps nothing apart, nor
 * does a repetition that may take none (`\d*` in `a+\d*a+`): these were taken, and the regex alone
 * took ~19 ms, ~48 ms and ~26 ms on 100 characters (four in a row once no `-` or digit is sent).
 */
ROWS.push("/q/:x(\\w+(-)?\\w+(-)?\\w+(-)?\\w+!)", "/q/:x(a*a*(?:-)?a*a*b)", "/q/:x(a*a*(?:-|a)a*a*b)", "/q/:x(a+\\d*a+\\d*a+\\d*a+b)");

test("a regex parameter with more than two repetitions in a row that share characters is refused by interceptHttp, the mocks and faults", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  for (const path of ROWS) {
    assert.throws(() => server.interceptHttp("GET", path, () => ({})), (error: Error) => error.message.startsWith(`Intercept route GET ${path}:`) && /repetitions in a row that can take the same characters/.test(error.message), path);
    await assert.rejects(mocks.intercept("GET", path, () => ({})), (error: Error) => error.message.includes(JSON.stringify(path)) && /repetitions in a row/.test(error.message), path);
    await assert.rejects(mocks.scope().intercept("GET", path, () => ({})), /repetitions in a row/, path);
    assert.throws(() => server.fault({ path }, { status: 503 }), (error: Error) => error instanceof TypeError && /repetitions in a row/.test(error.message), path);
    const posted = await fetch(`${server.getUrl()}/__crossipc/api/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { path }, fault: { status: 503 } }),
    });
    assert.equal(posted.status, 400, path);
    assert.match((await posted.json()).error, /repetitions in a row/);
  }
  assert.deepEqual(server.faults(), []);
  const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.deepEqual(state.mocks, []);
});

test("repetitions that a character between them, or their own characters, keep apart still route: versions, UUIDs, two in a row", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/semver/:v(^v?\\d+\\.\\d+\\.\\d+(?:-[a-z0-9.]+)?$)", (_body, params) => ({ v: params.v }));
  server.interceptHttp("GET", "/uuid/:id([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", (_body, params) => ({ id: params.id }));
  server.interceptHttp("GET", "/mixed/:m([a-z]*[0-9]+[a-z]+)", (_body, params) => ({ m: params.m }));
  // A repetition that shares no character with the others (and may be empty) is not a third of theirs: was refused.
  server.interceptHttp("GET", "/apis/:v(v\\d+[a-z]*\\d*)", (_body, params) => ({ v: params.v }));
  server.interceptHttp("GET", "/word/:w([a-z]+\\d*[a-z]*)", (_body, params) => ({ w: params.w }));
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/two/:x([a-z]+[a-z]+x)", (_body, params) => ({ x: params.x }));
  const get = async (path: string) => (await fetch(`${server.getUrl()}${path}`)).json();
  assert.deepEqual(await get("/semver/v1.25.3-rc.1"), { v: "v1.25.3-rc.1" });
  assert.deepEqual(await get("/uuid/123e4567-e89b-12d3-a456-426614174000"), { id: "123e4567-e89b-12d3-a456-426614174000" });
  assert.deepEqual(await get("/mixed/ab12cd"), { m: "ab12cd" });
  assert.deepEqual(await get("/apis/v1beta1"), { v: "v1beta1" });
  assert.deepEqual(await get("/word/abc12de"), { w: "abc12de" });
  assert.deepEqual(await get("/two/abcx"), { x: "abcx" });
});

/**
 * Each pattern with a regex parameter is tried in turn on every path that reaches it (plain ones
 * are found in one walk of the router): 10,000 rules of two repetitions in a row, added by one
 * process, held Node, Bun and Deno hubs 0.16-0.79 s for each request to their place. A table (the unscoped
 * rules, a scope's, the faults') holds at most 1,000 such patterns; more rules on one of them still stack.
 */
test("a table holds at most 1,000 patterns with a regex parameter: the next is refused naming the bound, a removal makes room, rules on a held pattern still stack", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const rules = await Promise.all(Array.from({ length: 1_000 }, (_, i) => mocks.intercept("GET", `/q/:x(a*a*b${i})`, () => ({ i }))));
  await assert.rejects(mocks.intercept("GET", "/q/:x(a*a*b1000)", () => ({})), (error: Error) => error.message.startsWith('Pattern "/q/:x(a*a*b1000)" is refused: the hub already holds 1000 patterns with a regex parameter'));
  // Another scope is another table; a plain pattern and a held regex pattern are not counted.
  await mocks.scope().intercept("GET", "/q/:x(a*a*b1000)", () => ({}));
  await mocks.intercept("GET", "/q/:x", () => ({ plain: true }));
  await mocks.intercept("GET", "/q/:x(a*a*b7)", () => ({ stacked: true }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/q/aab7`)).json(), { stacked: true });
  await rules[0]!.remove();
  await mocks.intercept("GET", "/q/:x(a*a*b1000)", () => ({ room: true }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/q/aab1000`)).json(), { room: true });

  for (let i = 0; i < 1_000; i++) server.fault({ path: `/f/:x(a*a*b${i})` }, { status: 503 });
  assert.throws(() => server.fault({ path: "/f/:x(a*a*b1000)" }, { status: 503 }), (error: Error) => error instanceof RangeError && error.message.startsWith('fault match path "/f/:x(a*a*b1000)" is refused: the hub already holds 1000 patterns'));
  assert.equal(server.faults().length, 1_000, "the refused fault is in no table");
});
