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
    assert.throws(() => server.interceptHttp("GET", path, () => ({})), (error: Error) => error.message.startsWith(`Intercept route GET ${path}:`) && /repeats a group that itself repeats or alternates/.test(error.message), path);
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
